//! Exit statuses, and the error type that carries one.

use std::fmt;
use std::process::ExitCode;

use sipcfg::{BackendError, ConfigurationError};

/// How `sip-settings` ended. The numbers are part of the tool's interface (see `--help`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// 0: done.
    Success,
    /// 1: usage error: unknown option or command, missing or malformed arguments.
    Usage,
    /// 2: invalid input: unknown setting, invalid value, unknown or ambiguous account, an
    /// account that already exists. Nothing was changed.
    Invalid,
    /// 3: configuration or I/O failure: the configuration file does not parse, cannot be read,
    /// locked or written.
    Failure,
}

impl Status {
    /// The process exit status.
    pub fn code(self) -> u8 {
        match self {
            Status::Success => 0,
            Status::Usage => 1,
            Status::Invalid => 2,
            Status::Failure => 3,
        }
    }
}

impl From<Status> for ExitCode {
    fn from(status: Status) -> ExitCode {
        ExitCode::from(status.code())
    }
}

/// The exit statuses, as `--help` lists them.
pub const EXIT_STATUS_HELP: &str = "\
Exit status:
  0  done
  1  usage error: unknown option or command, missing or malformed arguments
  2  invalid input: unknown setting, invalid value, unknown or ambiguous account, account
     already exists; nothing was changed
  3  configuration or I/O failure: the configuration file does not parse, cannot be read,
     locked or written (a file that does not parse is never overwritten)";

/// A failed command: its exit status and the messages for standard error (one per line,
/// without the program name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CliError {
    /// The exit status.
    pub status: Status,
    /// What went wrong, one message per line.
    pub messages: Vec<String>,
}

impl CliError {
    /// An error with one message.
    pub fn new(status: Status, message: impl Into<String>) -> Self {
        CliError {
            status,
            messages: vec![message.into()],
        }
    }

    /// A usage error (exit status 1).
    pub fn usage(message: impl Into<String>) -> Self {
        CliError::new(Status::Usage, message)
    }

    /// Invalid input (exit status 2).
    pub fn invalid(message: impl Into<String>) -> Self {
        CliError::new(Status::Invalid, message)
    }

    /// A configuration or I/O failure (exit status 3).
    pub fn failure(message: impl Into<String>) -> Self {
        CliError::new(Status::Failure, message)
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.messages.join("\n"))
    }
}

impl std::error::Error for CliError {}

impl From<sipcfg::SettingError> for CliError {
    /// A refused setting is invalid input (2).
    fn from(error: sipcfg::SettingError) -> Self {
        CliError::invalid(error.to_string())
    }
}

impl From<ConfigurationError> for CliError {
    /// Storage problems are failures (3); refused settings, ids and names are invalid input (2).
    fn from(error: ConfigurationError) -> Self {
        let status = match &error {
            ConfigurationError::Setting(_)
            | ConfigurationError::ObjectNotFound(_)
            | ConfigurationError::DuplicateId { .. }
            | ConfigurationError::CannotDelete { .. }
            | ConfigurationError::InvalidKey(_) => Status::Invalid,
            _ => Status::Failure,
        };
        let message = match &error {
            ConfigurationError::Backend(BackendError::Parse(parse)) => {
                format!("the configuration file does not parse (it was left untouched): {parse}")
            }
            // Also what a write reports when another program added the same account first.
            ConfigurationError::DuplicateId { type_name, id } => {
                format!("{type_name} {id} already exists")
            }
            other => other.to_string(),
        };
        CliError::new(status, message)
    }
}
