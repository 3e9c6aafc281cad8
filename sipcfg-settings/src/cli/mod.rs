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
pub mod completion;
pub mod escape;
pub mod exit;
pub mod input;
pub mod json;
pub mod tree;
pub mod values;

mod account;
mod describe;
mod general;

use std::collections::HashSet;
use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use clap::error::ErrorKind;
use clap::{CommandFactory, Parser};
use sipcfg::backend::{Backend, FileBackend};
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
    pub(crate) warnings: Vec<Arc<str>>,
    /// Notes of the command for standard error, without the program name.
    pub(crate) notes: Vec<String>,
    /// The process ends right after the command (see `run_inner`).
    pub(crate) exiting: bool,
}

impl Context<'_> {
    /// The options of the tree drawing.
    pub(crate) fn tree_options(&self) -> tree::TreeOptions {
        tree::TreeOptions {
            show_passwords: self.args.show_passwords,
            width: self.width,
        }
    }

    /// The settings of `object` that `show` shows: all of them, or with `--changed` those that
    /// differ from their defaults.
    pub(crate) fn shown_tree(&self, object: &sipcfg::RawObject) -> sipcfg::GroupInfo {
        let tree = object.describe();
        if self.args.changed {
            tree::changed_only(&tree)
        } else {
            tree
        }
    }

    /// Draws `tree` as `show` does, under the name `name`; an empty tree (`--changed`, nothing
    /// changed) as a line that says so.
    pub(crate) fn render(&mut self, tree: &sipcfg::GroupInfo, name: &str) {
        if tree::is_empty(tree) {
            self.line(tree::NOTHING_CHANGED);
            return;
        }
        let options = self.tree_options();
        tree::render(tree, name, &options, &mut self.out);
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
                self.args.command_name()
            )));
        }
        Ok(())
    }
}

/// Runs `sip-settings` with the command line `argv` (the program name first). `width` is the
/// terminal width when standard output is a terminal (long values of `show` are then cut to
/// fit), `None` otherwise. Standard input is empty (see [`run_with`]).
pub fn run<I, T>(argv: I, width: Option<usize>) -> Outcome
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    run_with(argv, width, &mut input::Lines::default())
}

/// [`run`], reading passwords and confirmations from `input`.
pub fn run_with<I, T>(argv: I, width: Option<usize>, input: &mut dyn input::Input) -> Outcome
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    run_inner(argv, width, input, false)
}

/// [`run_with`]; with `exiting`, the process ends right after: the configuration in memory is
/// left to the operating system instead of being freed object by object (a second for 100,000
/// accounts).
fn run_inner<I, T>(
    argv: I,
    width: Option<usize>,
    input: &mut dyn input::Input,
    exiting: bool,
) -> Outcome
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let argv: Vec<OsString> = argv.into_iter().map(Into::into).collect();
    if let Some(shell) = completions_only(&argv) {
        return Outcome {
            status: Status::Success,
            stdout: completion::script(shell, &mut <Args as CommandFactory>::command()),
            stderr: String::new(),
        };
    }
    let args = match Args::try_parse_from(&argv) {
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
    let general = args.general;
    let prepared = input::prepare(args.clone(), input, || secret_paths(general));
    let args = match prepared {
        Ok(args) => args,
        Err(error) => return failed(error),
    };
    let mut context = Context {
        args: &args,
        width,
        out: String::new(),
        warnings: Vec::new(),
        notes: Vec::new(),
        exiting,
    };
    let result = dispatch(&mut context);
    let mut stderr = String::new();
    let warnings = summarised(&context.warnings, args.verbose);
    for note in warnings.iter().chain(&context.notes) {
        stderr.push_str(&format!("{PROGRAM}: {note}\n"));
    }
    let status = match result {
        Ok(()) => Status::Success,
        Err(error) => {
            stderr.push_str(&error_text(&error));
            error.status
        }
    };
    Outcome {
        status,
        stdout: context.out,
        stderr,
    }
}

/// The shell of `sip-settings --completions SHELL` (or `--completions=SHELL`), which takes no
/// other argument; None for any other command line (which the parser then reads, and refuses
/// `--completions` with other arguments).
fn completions_only(argv: &[OsString]) -> Option<clap_complete::Shell> {
    let words: Vec<&str> = argv
        .iter()
        .skip(1)
        .map(|arg| arg.to_str())
        .collect::<Option<_>>()?;
    let shell = match words.as_slice() {
        ["--completions", shell] => *shell,
        [one] => one.strip_prefix("--completions=")?,
        _ => return None,
    };
    <clap_complete::Shell as clap::ValueEnum>::from_str(shell, true).ok()
}

/// The outcome of a command that failed before it started.
fn failed(error: CliError) -> Outcome {
    Outcome {
        status: error.status,
        stdout: String::new(),
        stderr: error_text(&error),
    }
}

/// The messages of `error` for standard error.
fn error_text(error: &CliError) -> String {
    let mut text = String::new();
    for message in &error.messages {
        text.push_str(&format!("{PROGRAM}: {message}\n"));
    }
    if error.status == Status::Usage {
        text.push_str(&format!("Try '{PROGRAM} --help' for more information.\n"));
    }
    text
}

/// The paths of the secret settings (passwords) of the general settings or of a SIP account.
fn secret_paths(general: bool) -> Vec<String> {
    let paths = || -> Result<Vec<String>, ConfigurationError> {
        let manager = ConfigurationManager::new();
        manager.start(sipcfg::backend::MemoryBackend::new())?;
        crate::sipclients::register(&manager)?;
        let settings = if general {
            SIPSimpleSettings::get(&manager)?.raw().settings()
        } else {
            crate::Account::get(&manager, "user@example.com")?
                .raw()
                .settings()
        };
        Ok(settings
            .into_iter()
            .filter(|setting| setting.secret)
            .map(|setting| setting.path)
            .collect())
    };
    paths().unwrap_or_default()
}

/// The entry point of the binary: runs with the process's arguments, prints, and returns the
/// exit status.
pub fn main() -> ExitCode {
    let stdout = std::io::stdout();
    let width = stdout.is_terminal().then(terminal_width);
    let outcome = run_inner(std::env::args_os(), width, &mut input::Terminal, true);
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

/// Whether the command may change the configuration file.
fn may_write(args: &Args) -> bool {
    match args.command_name() {
        "set" => true,
        "add" | "delete" | "default" => !args.general,
        _ => false,
    }
}

fn dispatch(context: &mut Context<'_>) -> Result<(), CliError> {
    let command = context.args.command_name();
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
    if context.args.changed && command != "show" {
        return Err(CliError::usage("--changed applies to show only"));
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
    // No lock is held while the command runs: writers replace the file atomically, so a read
    // sees one whole version, and the final save merges this command's changes into the file
    // as it is then, under the file's short save lock (another program's changes are kept).
    let session = Session::start(FileBackend::new(&file), writes)?;
    let result = execute(context, &session, writes);
    if context.exiting {
        // Everything is written: the process ends now, and frees the memory at once.
        std::mem::forget(session);
    }
    result
}

/// Runs the command on an open session; a command that writes stores everything it changed
/// with one write, at the end, and only if it succeeded. A command that fails (its write
/// included) prints nothing on standard output.
fn execute(context: &mut Context<'_>, session: &Session, writes: bool) -> Result<(), CliError> {
    // One batch: every object the command saves is written by one write at the end, and
    // nothing is written if the command fails.
    let result = if writes {
        session
            .manager
            .batch(|| run_command(context, session, writes))
    } else {
        run_command(context, session, writes)
    };
    context.warnings.splice(0..0, session.take_warnings());
    if result.is_err() {
        context.out.clear();
    }
    result
}

fn run_command(context: &mut Context<'_>, session: &Session, writes: bool) -> Result<(), CliError> {
    let manager = &session.manager;
    // Accounts are loaded when the command needs them: every stored one is checked now (its
    // warnings), but a command that reads or changes a few keeps no object for the others.
    let accounts = AccountManager::open(manager)?;
    for name in accounts.ignored_entries()? {
        context.warnings.push(
            format!(
                "warning: ignoring Accounts entry {name:?}: not a SIP account (kept in the file)"
            )
            .into(),
        );
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

/// An open configuration, with the warnings about stored values that could not be used.
struct Session {
    manager: ConfigurationManager,
    warnings: Arc<Mutex<Warnings>>,
    _observer: sipcfg::ObserverGuard,
}

/// The backend of a command that only reads: loads, and never stores anything (a command that
/// reads may still save objects in memory, e.g. to repair a stale default account; a command
/// that writes stores that).
struct ReadOnly<B>(B);

impl<B: Backend> Backend for ReadOnly<B> {
    fn load(&self) -> Result<Data, BackendError> {
        self.0.load()
    }

    fn save(&self, _data: &Data) -> Result<(), BackendError> {
        Ok(())
    }

    fn save_merged(
        &self,
        _since: Option<&sipcfg::backend::StoreVersion>,
        _merge: &mut dyn sipcfg::backend::Merge,
    ) -> Result<Option<sipcfg::backend::StoreVersion>, BackendError> {
        Ok(None)
    }
}

impl Session {
    /// Starts a manager on `backend`, with the SIPClients extensions. A file that does not
    /// parse is an error (and is never written); stored values that do not convert are kept in
    /// the file untouched, and reported as warnings.
    fn start(backend: impl Backend + 'static, writes: bool) -> Result<Session, CliError> {
        let manager = ConfigurationManager::new();
        if writes {
            manager.start(backend)?;
        } else {
            manager.start(ReadOnly(backend))?;
        }
        crate::sipclients::register(&manager)?;
        let warnings = Arc::new(Mutex::new(Warnings::default()));
        let sink = warnings.clone();
        let observer = manager.notifications().observe_scoped(
            NotificationFilter::new().name(NotificationName::ManagerLoadFailed),
            move |notification| {
                if let NotificationKind::ManagerLoadFailed { path, error, .. } = &notification.kind
                {
                    if path == "__id__" {
                        // An entry whose name is not an id: listed with the ignored entries.
                        return;
                    }
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
                        sink.push(warning);
                    }
                }
            },
        );
        Ok(Session {
            manager,
            warnings,
            _observer: observer,
        })
    }

    /// The warnings heard so far, in order; they are not kept here any longer (a file with a
    /// warning for each of many accounts would hold them twice).
    fn take_warnings(&self) -> Vec<Arc<str>> {
        self.warnings
            .lock()
            .map(|mut warnings| std::mem::take(&mut *warnings).list)
            .unwrap_or_default()
    }
}

/// Warnings in the order they came, each once (a set beside the list: O(1) per warning, for
/// files with a warning for every one of many accounts; the list and the set share each text).
#[derive(Debug, Default)]
struct Warnings {
    list: Vec<Arc<str>>,
    seen: HashSet<Arc<str>>,
}

impl Warnings {
    fn push(&mut self, warning: String) {
        let warning: Arc<str> = warning.into();
        if self.seen.insert(warning.clone()) {
            self.list.push(warning);
        }
    }
}

/// How many warnings about the configuration file are printed without `--verbose`.
pub const WARNINGS_SHOWN: usize = 5;

/// The warnings for standard error: all of them with `verbose`, else the first
/// [`WARNINGS_SHOWN`] and a line that counts the others.
fn summarised(warnings: &[Arc<str>], verbose: bool) -> Vec<String> {
    if verbose || warnings.len() <= WARNINGS_SHOWN {
        return warnings.iter().map(|warning| warning.to_string()).collect();
    }
    let mut shown: Vec<String> = warnings[..WARNINGS_SHOWN]
        .iter()
        .map(|warning| warning.to_string())
        .collect();
    let more = warnings.len() - WARNINGS_SHOWN;
    shown.push(format!(
        "warning: {more} more warning{} about the configuration file ({} in all; --verbose shows every one)",
        if more == 1 { "" } else { "s" },
        warnings.len()
    ));
    shown
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
            exiting: false,
        };
        let session = Session::start(backend, may_write(&args)).expect("started");
        let result = execute(&mut context, &session, may_write(&args));
        (result, context.out)
    }

    #[test]
    fn set_all_and_delete_all_write_once() {
        let backend = with_accounts(200);
        let (result, out) = run_on(&backend, &["-a", "set", "ALL", "rtp.inband_dtmf=true"]);
        assert_eq!(
            (result, out.as_str()),
            (
                Ok(()),
                "Accounts updated (201): user0000@example.com, user0001@example.com, \
                 user0002@example.com, user0003@example.com, user0004@example.com and 196 \
                 more\n"
            )
        );
        assert_eq!(backend.save_count(), 1);
        let data = backend.data();
        assert_eq!(
            data.get_path(&["Accounts", "user0199@example.com", "rtp", "inband_dtmf"]),
            Some(&sipcfg::Value::from("true"))
        );

        let (result, out) = run_on(&backend, &["-a", "delete", "ALL"]);
        assert!(
            out.starts_with("Accounts deleted (200): user0000@example.com,"),
            "{out}"
        );
        assert_eq!(result, Ok(()));
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
    fn warnings_are_kept_once_in_order_and_summarised() {
        let mut warnings = Warnings::default();
        for n in [1, 2, 1, 3, 2, 4, 5, 6, 7] {
            warnings.push(format!("warning: {n}"));
        }
        let texts: Vec<&str> = warnings.list.iter().map(|w| &**w).collect();
        assert_eq!(
            texts,
            [1, 2, 3, 4, 5, 6, 7].map(|n| format!("warning: {n}"))
        );
        // The list and the set share each text.
        assert!(warnings
            .list
            .iter()
            .all(|warning| Arc::strong_count(warning) == 2));
        assert_eq!(
            summarised(&warnings.list, false),
            [
                "warning: 1",
                "warning: 2",
                "warning: 3",
                "warning: 4",
                "warning: 5",
                "warning: 2 more warnings about the configuration file (7 in all; --verbose \
                 shows every one)"
            ]
        );
        assert_eq!(summarised(&warnings.list, true).len(), 7);
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
