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
pub mod exit;
pub mod json;
pub mod tree;
pub mod values;

mod account;
mod describe;
mod general;

use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use clap::error::ErrorKind;
use clap::Parser;
use sipcfg::{ConfigurationManager, NotificationFilter, NotificationKind, NotificationName};

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
    /// Lines for standard error (warnings and notes), without the program name.
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
                    stderr: text,
                },
            };
        }
    };
    let mut context = Context {
        args: &args,
        width,
        out: String::new(),
        notes: Vec::new(),
    };
    let result = dispatch(&mut context);
    let mut stderr = String::new();
    for note in &context.notes {
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
    let session = Session::open(&directory)?;
    let result = if context.args.general {
        general::run(context, &session.manager)
    } else {
        account::run(context, &session.manager)
    };
    context.notes.splice(0..0, session.warnings());
    result
}

/// An open configuration, with the warnings about stored values that could not be used.
struct Session {
    manager: ConfigurationManager,
    warnings: Arc<Mutex<Vec<String>>>,
    _observer: sipcfg::ObserverGuard,
}

impl Session {
    /// Opens `<directory>/config`. A file that does not parse is an error (and is never
    /// written); stored values that do not convert are kept in the file untouched, and
    /// reported as warnings.
    fn open(directory: &Path) -> Result<Session, CliError> {
        let manager = crate::open(directory)?;
        let warnings = Arc::new(Mutex::new(Vec::new()));
        let sink = warnings.clone();
        let observer = manager.notifications().observe(
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
            warnings,
            _observer: observer,
        })
    }

    fn warnings(&self) -> Vec<String> {
        self.warnings
            .lock()
            .map(|warnings| warnings.clone())
            .unwrap_or_default()
    }
}
