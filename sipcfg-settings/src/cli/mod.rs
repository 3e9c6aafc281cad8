//! The `sip-settings` command-line tool: shows and changes the general settings
//! ([`SIPSimpleSettings`](crate::SIPSimpleSettings)) and the accounts of a configuration
//! directory, as the reference tool of the same name does, plus `get`, `describe`, `--json`,
//! all-or-nothing `set` and meaningful exit statuses ([`Status`](crate::cli::exit::Status)).
//!
//! The binary is a thin wrapper around [`main`](crate::cli::main); [`run`](crate::cli::run)
//! does the work and returns what to print, so that it can be called from tests and other
//! programs.
//!
//! The manual is `docs/sip-settings.md`.

pub mod args;
pub mod escape;
pub mod exit;
pub mod json;
pub mod tree;
pub mod values;

mod account;
mod describe;
mod general;

use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use clap::error::ErrorKind;
use clap::Parser;
use sipcfg::backend::{Backend, FileBackend, LockMode};
use sipcfg::{
    BackendError, ConfigurationError, ConfigurationManager, Data, NotificationFilter,
    NotificationKind, NotificationName,
};

use crate::{AccountManager, SIPSimpleSettings};

use args::Args;
use exit::{CliError, Status};

/// The program name, the prefix of every message on standard error.
pub const PROGRAM: &str = "sip-settings";

/// What a run printed and how it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The exit status.
    pub status: Status,
    /// What goes to standard output.
    pub stdout: String,
    /// What goes to standard error.
    pub stderr: String,
}

/// The state of one command: its arguments and what it prints.
pub(crate) struct Context<'a> {
    /// The parsed command line.
    pub(crate) args: &'a Args,
    /// The terminal width when standard output is a terminal.
    pub(crate) width: Option<usize>,
    /// Standard output.
    pub(crate) out: String,
    /// Warnings about the configuration file, for standard error (first), without the program
    /// name.
    pub(crate) warnings: Vec<String>,
    /// Notes of the command for standard error, without the program name.
    pub(crate) notes: Vec<String>,
}

impl Context<'_> {
    /// The options of the tree drawing.
    pub(crate) fn tree_options(&self) -> tree::TreeOptions {
        tree::TreeOptions {
            show_passwords: self.args.show_passwords,
            width: self.width,
        }
    }

    /// Appends a line to standard output.
    pub(crate) fn line(&mut self, line: impl AsRef<str>) {
        self.out.push_str(line.as_ref());
        self.out.push('\n');
    }

    /// Fails with a usage error unless the command gets between `min` and `max` arguments.
    pub(crate) fn expect_args(&self, min: usize, max: usize, usage: &str) -> Result<(), CliError> {
        let count = self.args.args.len();
        if count < min || count > max {
            return Err(CliError::usage(format!(
                "wrong number of arguments for {}: usage: {usage}",
                self.args.command
            )));
        }
        Ok(())
    }
}

/// Runs `sip-settings` with the command line `argv` (the program name first). `width` is the
/// terminal width when standard output is a terminal (long values of `show` are then cut to
/// fit), `None` otherwise.
pub fn run<I, T>(argv: I, width: Option<usize>) -> Outcome
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let args = match Args::try_parse_from(argv) {
        Ok(args) => args,
        Err(error) => {
            let text = error.render().to_string();
            return match error.kind() {
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => Outcome {
                    status: Status::Success,
                    stdout: text,
                    stderr: String::new(),
                },
                _ => Outcome {
                    status: Status::Usage,
                    stdout: String::new(),
                    stderr: parser_error_text(&text),
                },
            };
        }
    };
    let mut context = Context {
        args: &args,
        width,
        out: String::new(),
        warnings: Vec::new(),
        notes: Vec::new(),
    };
    let result = dispatch(&mut context);
    let mut stderr = String::new();
    for note in context.warnings.iter().chain(&context.notes) {
        stderr.push_str(&format!("{PROGRAM}: {note}\n"));
    }
    let status = match result {
        Ok(()) => Status::Success,
        Err(error) => {
            for message in &error.messages {
                stderr.push_str(&format!("{PROGRAM}: {message}\n"));
            }
            if error.status == Status::Usage {
                stderr.push_str(&format!("Try '{PROGRAM} --help' for more information.\n"));
            }
            error.status
        }
    };
    Outcome {
        status,
        stdout: context.out,
        stderr,
    }
}

/// The entry point of the binary: runs with the process's arguments, prints, and returns the
/// exit status.
pub fn main() -> ExitCode {
    let stdout = std::io::stdout();
    let width = stdout.is_terminal().then(terminal_width);
    let outcome = run(std::env::args_os(), width);
    let mut status = outcome.status;
    let mut stdout = stdout.lock();
    if let Err(error) = stdout
        .write_all(outcome.stdout.as_bytes())
        .and_then(|()| stdout.flush())
    {
        // A reader that went away (`sip-settings ... | head`) is not a failure.
        if error.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("{PROGRAM}: cannot write to standard output: {error}");
            status = Status::Failure;
        }
    }
    let mut stderr = std::io::stderr().lock();
    let _ = stderr.write_all(outcome.stderr.as_bytes());
    status.into()
}

/// The width of the terminal on standard output, else `$COLUMNS`, else 80.
pub fn terminal_width() -> usize {
    if let Some((terminal_size::Width(width), _)) = terminal_size::terminal_size() {
        if width > 0 {
            return usize::from(width);
        }
    }
    std::env::var("COLUMNS")
        .ok()
        .and_then(|columns| columns.trim().parse::<usize>().ok())
        .filter(|&columns| columns > 0)
        .unwrap_or(80)
}

/// `error: X` of the command-line parser as the tool's other messages: `sip-settings: X`, each
/// further line of the message (tips) prefixed too, then where to find help. The parser's
/// `Usage:` and `For more information` lines give way to that last line.
fn parser_error_text(rendered: &str) -> String {
    let mut paragraphs = rendered
        .split("\n\n")
        .map(str::trim_end)
        .filter(|paragraph| !paragraph.trim().is_empty());
    let mut messages = Vec::new();
    if let Some(first) = paragraphs.next() {
        let mut lines = first.lines();
        let head = lines.next().unwrap_or_default();
        let mut message = head.strip_prefix("error: ").unwrap_or(head).to_owned();
        for line in lines {
            message.push(' ');
            message.push_str(line.trim());
        }
        messages.push(message);
    }
    for paragraph in paragraphs {
        if paragraph.starts_with("Usage:") || paragraph.starts_with("For more information") {
            continue;
        }
        messages.extend(paragraph.lines().map(|line| line.trim().to_owned()));
    }
    let mut text = String::new();
    for message in messages {
        text.push_str(&format!("{PROGRAM}: {message}\n"));
    }
    text.push_str(&format!("Try '{PROGRAM} --help' for more information.\n"));
    text
}

/// Whether the command may change the configuration file (it then holds the exclusive lock).
fn may_write(args: &Args) -> bool {
    match args.command.as_str() {
        "set" => true,
        "add" | "delete" | "default" => !args.general,
        _ => false,
    }
}

fn dispatch(context: &mut Context<'_>) -> Result<(), CliError> {
    let command = context.args.command.as_str();
    let (known, json_ok): (&[&str], &[&str]) = if context.args.general {
        (
            &["show", "get", "set", "describe"],
            &["show", "get", "describe"],
        )
    } else {
        (
            &[
                "list", "add", "delete", "show", "get", "set", "describe", "default",
            ],
            &["list", "show", "get", "describe"],
        )
    };
    let target = if context.args.general {
        "--general"
    } else {
        "--account"
    };
    if !known.contains(&command) {
        return Err(CliError::usage(format!(
            "unknown command {command:?} for {target} (expected one of: {})",
            known.join(", ")
        )));
    }
    if context.args.json && !json_ok.contains(&command) {
        return Err(CliError::usage(format!(
            "--json applies to {} only",
            json_ok.join(", ")
        )));
    }
    let Some(directory) = context.args.config_directory() else {
        return Err(CliError::failure(
            "cannot find the home directory ($HOME is not set): use -c DIR",
        ));
    };
    let file = directory.join(crate::CONFIG_FILE_NAME);
    let writes = may_write(context.args);
    // Another sip-settings run must not change the file between our load and our save: the
    // lock is taken before loading and released (dropped) after the write.
    let mode = if writes {
        LockMode::Exclusive
    } else {
        LockMode::Shared
    };
    let _lock = match FileBackend::new(&file).lock(mode) {
        Ok(lock) => Some(lock),
        // A reader of a directory it may not write to: the file is replaced atomically by
        // writers, so reading it without the lock still reads one whole version.
        Err(error) if mode == LockMode::Shared && is_not_permitted(&error) => None,
        Err(error) => return Err(CliError::from(ConfigurationError::from(error))),
    };
    let session = Session::start(FileBackend::new(&file))?;
    execute(context, &session, writes)
}

/// Whether a lock failed because the lock file may not be created or opened for writing (a
/// read-only directory or file system).
fn is_not_permitted(error: &BackendError) -> bool {
    match error {
        BackendError::Io { source, .. } => matches!(
            source.kind(),
            std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem
        ),
        _ => false,
    }
}

/// Runs the command on an open session; a command that writes stores everything it changed
/// with one write, at the end, and only if it succeeded. A command that fails (its write
/// included) prints nothing on standard output.
fn execute(context: &mut Context<'_>, session: &Session, writes: bool) -> Result<(), CliError> {
    let result = run_command(context, session, writes).and_then(|()| {
        if writes {
            session.commit()?;
        }
        Ok(())
    });
    context.warnings.splice(0..0, session.warnings());
    if result.is_err() {
        context.out.clear();
    }
    result
}

fn run_command(context: &mut Context<'_>, session: &Session, writes: bool) -> Result<(), CliError> {
    let manager = &session.manager;
    let accounts = AccountManager::load(manager)?;
    for name in accounts.ignored_entries()? {
        context.warnings.push(format!(
            "warning: ignoring Accounts entry {name:?}: not a SIP account (kept in the file)"
        ));
    }
    // A default account that names a missing account: every command uses the fallback, and
    // a command that writes stores it.
    accounts.repair_default_account()?;
    if context.args.general {
        general::run(context, &accounts)?;
    } else {
        account::run(context, &accounts)?;
    }
    if writes {
        SIPSimpleSettings::get(manager)?.save()?;
    }
    Ok(())
}

/// An open configuration, with the warnings about stored values that could not be used. Its
/// saves are held back until [`commit`](Self::commit), which writes the document once.
struct Session {
    manager: ConfigurationManager,
    held: Arc<Held>,
    warnings: Arc<Mutex<Vec<String>>>,
    _observer: sipcfg::ObserverGuard,
}

/// The saves a [`HeldBackend`] held back.
#[derive(Debug)]
struct Held {
    /// While true, saves are not written.
    holding: AtomicBool,
    /// A save was held back.
    pending: AtomicBool,
}

/// A backend whose saves are held back (counted as pending) while holding: every object of
/// a command saves into the document in memory, and the document is written once at the end.
struct HeldBackend<B> {
    inner: B,
    held: Arc<Held>,
}

impl<B: Backend> Backend for HeldBackend<B> {
    fn load(&self) -> Result<Data, BackendError> {
        self.inner.load()
    }

    fn save(&self, data: &Data) -> Result<(), BackendError> {
        if self.held.holding.load(Ordering::SeqCst) {
            self.held.pending.store(true, Ordering::SeqCst);
            return Ok(());
        }
        self.inner.save(data)
    }
}

impl Session {
    /// Starts a manager on `backend`, with the SIPClients extensions. A file that does not
    /// parse is an error (and is never written); stored values that do not convert are kept in
    /// the file untouched, and reported as warnings.
    fn start(backend: impl Backend + 'static) -> Result<Session, CliError> {
        let held = Arc::new(Held {
            holding: AtomicBool::new(true),
            pending: AtomicBool::new(false),
        });
        let manager = ConfigurationManager::new();
        manager.start(HeldBackend {
            inner: backend,
            held: held.clone(),
        })?;
        crate::sipclients::register(&manager)?;
        let warnings = Arc::new(Mutex::new(Vec::new()));
        let sink = warnings.clone();
        let observer = manager.notifications().observe_scoped(
            NotificationFilter::new().name(NotificationName::ManagerLoadFailed),
            move |notification| {
                if let NotificationKind::ManagerLoadFailed { path, error, .. } = &notification.kind
                {
                    let sender = &notification.sender;
                    let object = if sender.id == sender.type_name {
                        sender.type_name.to_owned()
                    } else {
                        format!("{} {}", sender.type_name, sender.id)
                    };
                    let warning = format!(
                        "warning: {object}: ignoring the stored value of {path} (kept in the file): {error}"
                    );
                    if let Ok(mut sink) = sink.lock() {
                        if !sink.contains(&warning) {
                            sink.push(warning);
                        }
                    }
                }
            },
        );
        Ok(Session {
            manager,
            held,
            warnings,
            _observer: observer,
        })
    }

    /// Writes the document if anything was saved into it: once, whatever the number of objects
    /// saved.
    fn commit(&self) -> Result<(), CliError> {
        self.held.holding.store(false, Ordering::SeqCst);
        if self.held.pending.swap(false, Ordering::SeqCst) {
            self.manager.save()?;
        }
        Ok(())
    }

    fn warnings(&self) -> Vec<String> {
        self.warnings
            .lock()
            .map(|warnings| warnings.clone())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use sipcfg::backend::MemoryBackend;

    use super::*;

    /// A memory backend holding `accounts` enabled SIP accounts, the first the default.
    fn with_accounts(accounts: usize) -> MemoryBackend {
        let mut data = Data::new();
        for n in 0..accounts {
            let mut account = Data::new();
            account.insert("enabled", "true");
            data.group_entry("Accounts")
                .insert(format!("user{n:04}@example.com"), account);
        }
        if accounts > 0 {
            data.group_entry("SIPSimpleSettings")
                .insert("default_account", "user0000@example.com");
        }
        MemoryBackend::with_data(data)
    }

    /// Runs `sip-settings ARGS` on `backend` as `dispatch` does after locking; the result and
    /// standard output.
    fn run_on(backend: &MemoryBackend, argv: &[&str]) -> (Result<(), CliError>, String) {
        run_with(backend.clone(), argv)
    }

    /// Runs `sip-settings ARGS` on any backend; the result and standard output.
    fn run_with(backend: impl Backend + 'static, argv: &[&str]) -> (Result<(), CliError>, String) {
        let args =
            Args::try_parse_from(std::iter::once("sip-settings").chain(argv.iter().copied()))
                .expect("a valid command line");
        let mut context = Context {
            args: &args,
            width: None,
            out: String::new(),
            warnings: Vec::new(),
            notes: Vec::new(),
        };
        let session = Session::start(backend).expect("started");
        let result = execute(&mut context, &session, may_write(&args));
        (result, context.out)
    }

    #[test]
    fn set_all_and_delete_all_write_once() {
        let backend = with_accounts(200);
        let (result, out) = run_on(&backend, &["-a", "set", "ALL", "rtp.inband_dtmf=true"]);
        assert_eq!((result, out.as_str()), (Ok(()), "Accounts updated\n"));
        assert_eq!(backend.save_count(), 1);
        let data = backend.data();
        assert_eq!(
            data.get_path(&["Accounts", "user0199@example.com", "rtp", "inband_dtmf"]),
            Some(&sipcfg::Value::from("true"))
        );

        let (result, out) = run_on(&backend, &["-a", "delete", "ALL"]);
        assert_eq!((result, out.as_str()), (Ok(()), "Accounts deleted\n"));
        assert_eq!(backend.save_count(), 2);
        let data = backend.data();
        assert_eq!(
            data.group("Accounts")
                .map(|accounts| accounts.names().collect::<Vec<_>>()),
            Some(vec!["bonjour@local"])
        );
        assert_eq!(
            data.get_path(&["SIPSimpleSettings", "default_account"]),
            Some(&sipcfg::Value::from("bonjour@local"))
        );
    }

    #[test]
    fn every_command_that_writes_writes_once_and_reads_write_nothing() {
        let backend = with_accounts(3);
        let mut expected = 0;
        for argv in [
            &["-a", "add", "new@example.com", "secret"][..],
            &["-a", "delete", "user0000@example.com"],
            &["-a", "default", "user0002"],
            &["-a", "set", "display_name=Me", "sip.register=false"],
            &[
                "-g",
                "set",
                "rtp.timeout=5",
                "default_account=user0001@example.com",
            ],
        ] {
            let (result, _) = run_on(&backend, argv);
            assert_eq!(result, Ok(()), "{argv:?}");
            expected += 1;
            assert_eq!(backend.save_count(), expected, "{argv:?}");
        }
        for argv in [
            &["-a", "list"][..],
            &["-a", "show", "ALL"],
            &["-a", "get", "display_name"],
            &["-g", "show"],
            &["-g", "describe", "rtp.timeout"],
        ] {
            let (result, _) = run_on(&backend, argv);
            assert_eq!(result, Ok(()), "{argv:?}");
            assert_eq!(backend.save_count(), expected, "{argv:?}");
        }
        // A command that fails writes nothing, even what it saved before failing.
        for argv in [
            &["-a", "set", "ALL", "rtp.audio_codec_list=None"][..],
            &["-a", "add", "new@example.com", "again"],
            &["-g", "set", "rtp.timeout=6", "rtp.port_range=2-1"],
        ] {
            let (result, _) = run_on(&backend, argv);
            assert!(result.is_err(), "{argv:?}");
            assert_eq!(backend.save_count(), expected, "{argv:?}");
        }
    }

    #[test]
    fn a_stale_default_is_shown_as_the_fallback_and_stored_by_the_next_write() {
        let backend = with_accounts(2);
        let mut data = backend.data();
        data.group_entry("SIPSimpleSettings")
            .insert("default_account", "gone@example.com");
        let backend = MemoryBackend::with_data(data);
        let (_, out) = run_on(&backend, &["-g", "get", "default_account"]);
        assert_eq!(out, "user0000@example.com\n");
        assert_eq!(backend.save_count(), 0);
        run_on(&backend, &["-a", "set", "user0001", "display_name=B"])
            .0
            .expect("set");
        assert_eq!(
            backend
                .data()
                .get_path(&["SIPSimpleSettings", "default_account"]),
            Some(&sipcfg::Value::from("user0000@example.com"))
        );
        assert_eq!(backend.save_count(), 1);
    }

    /// A memory backend whose saves fail.
    #[derive(Clone, Default)]
    struct Full(MemoryBackend);

    impl Backend for Full {
        fn load(&self) -> Result<Data, BackendError> {
            self.0.load()
        }

        fn save(&self, _: &Data) -> Result<(), BackendError> {
            Err(BackendError::Other("the disk is full".into()))
        }
    }

    #[test]
    fn a_write_that_fails_is_a_failure_and_prints_no_result() {
        for argv in [
            &["-a", "add", "new@example.com", "secret"][..],
            &["-a", "set", "ALL", "enabled=false"],
            &["-g", "set", "rtp.timeout=5"],
        ] {
            let (result, out) = run_with(Full::default(), argv);
            let error = result.expect_err("fails");
            assert_eq!(error.status, Status::Failure, "{argv:?}");
            assert!(error.messages[0].contains("the disk is full"), "{error:?}");
            assert_eq!(out, "", "{argv:?}");
        }
    }

    #[test]
    fn only_permission_problems_let_a_reader_go_without_the_lock() {
        let io = |kind: std::io::ErrorKind| BackendError::Io {
            operation: "open the lock file",
            path: "/etc/sip/config.lock".into(),
            source: std::io::Error::from(kind),
        };
        assert!(is_not_permitted(&io(std::io::ErrorKind::PermissionDenied)));
        assert!(is_not_permitted(&io(
            std::io::ErrorKind::ReadOnlyFilesystem
        )));
        assert!(!is_not_permitted(&io(std::io::ErrorKind::IsADirectory)));
        assert!(!is_not_permitted(&io(std::io::ErrorKind::NotFound)));
        assert!(!is_not_permitted(&BackendError::Other("x".into())));
    }

    #[test]
    fn parser_errors_are_prefixed_like_every_message() {
        let text = "error: unexpected argument '--bogus' found\n\n  tip: to pass '--bogus' as a \
                    value, use '-- --bogus'\n\nUsage: sip-settings (--general | --account) \
                    [OPTIONS] COMMAND [ARGS]...\n\nFor more information, try '--help'.\n";
        assert_eq!(
            parser_error_text(text),
            "sip-settings: unexpected argument '--bogus' found\n\
             sip-settings: tip: to pass '--bogus' as a value, use '-- --bogus'\n\
             Try 'sip-settings --help' for more information.\n"
        );
        let text = "error: the following required arguments were not provided:\n  \
                    <--general|--account>\n\nUsage: x\n\nFor more information, try '--help'.\n";
        assert_eq!(
            parser_error_text(text),
            "sip-settings: the following required arguments were not provided: \
             <--general|--account>\nTry 'sip-settings --help' for more information.\n"
        );
    }
}
