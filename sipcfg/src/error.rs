//! Errors, mirroring the spec's hierarchy: [`ConfigurationError`] is the base of every error the
//! configuration API returns; [`ObjectNotFoundError`] and [`BackendError`] (with its parse and I/O
//! kinds) are the specific ones.

use std::fmt;
use std::io;
use std::path::PathBuf;

/// The base of every error returned by the configuration API (the spec's `ConfigurationError`).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigurationError {
    /// A `get` for an object that is not stored (the spec's `ObjectNotFoundError`).
    #[error(transparent)]
    ObjectNotFound(#[from] ObjectNotFoundError),
    /// The manager was used before [`start`](crate::ConfigurationManager::start).
    #[error("the configuration manager is not started: call `start` with a backend first")]
    NotStarted,
    /// The settings object outlived its configuration manager.
    #[error("the settings object's configuration manager was dropped")]
    ManagerDropped,
    /// [`start`](crate::ConfigurationManager::start) was called twice.
    #[error("the configuration manager is already started")]
    AlreadyStarted,
    /// The backend could not load or save the document (the spec's `ConfigurationBackendError`).
    #[error(transparent)]
    Backend(#[from] BackendError),
    /// A setting could not be assigned, looked up or converted.
    #[error(transparent)]
    Setting(#[from] crate::SettingError),
    /// Another object of the same type already holds this id.
    #[error("{type_name} id {id:?} is already used by another {type_name}")]
    DuplicateId {
        /// The settings object type.
        type_name: &'static str,
        /// The id that is taken.
        id: String,
    },
    /// `delete` was called on a global settings object (they always exist).
    #[error("{type_name} is a global settings object and cannot be deleted")]
    CannotDelete {
        /// The settings object type.
        type_name: &'static str,
    },
    /// A name in a key or a patch is not acceptable (empty).
    #[error("invalid key: {0}")]
    InvalidKey(String),
    /// An extension could not be registered.
    #[error(transparent)]
    Extension(#[from] crate::ExtensionError),
}

/// The object asked for is not stored (the spec's `ObjectNotFoundError`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("object {} does not exist", .key.join("/"))]
pub struct ObjectNotFoundError {
    /// The path of the object: its group (if any) and its name.
    pub key: Vec<String>,
}

/// A backend could not load or store the configuration document.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BackendError {
    /// The stored text is not valid configuration syntax.
    #[error(transparent)]
    Parse(#[from] ParseError),
    /// Reading or writing the storage failed.
    #[error("cannot {operation} {}: {source}", .path.display())]
    Io {
        /// What was being done: `read`, `write`, `create the directory of`, ...
        operation: &'static str,
        /// The file or directory involved.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },
    /// The document cannot be written in this format (an empty name, a character the encoding
    /// cannot represent); `path` names the offending setting.
    #[error("cannot save {}: {reason} (at {})", .file.display(), .setting.join("."))]
    Unrepresentable {
        /// The file being written.
        file: PathBuf,
        /// The names leading to the offending entry.
        setting: Vec<String>,
        /// What is wrong with it.
        reason: String,
    },
    /// The configuration file is not a regular file (a directory, a FIFO, a device, a socket):
    /// it is neither read nor replaced. `target` is the file `path` leads to after its symbolic
    /// links (equal to `path` when it is not a link).
    #[error(
        "cannot use {}{}: it is {kind}, not a regular file",
        .path.display(),
        if .target == .path { String::new() } else { format!(" (a symbolic link to {})", .target.display()) }
    )]
    NotARegularFile {
        /// The configuration file's path, as given to the backend.
        path: PathBuf,
        /// The file `path` leads to.
        target: PathBuf,
        /// What it is instead: `a directory`, `a FIFO (named pipe)`, `a character device`,
        /// `a block device`, `a socket`, `a loop of symbolic links`.
        kind: &'static str,
    },
    /// The configuration file is a symbolic link to a file in a directory that does not exist:
    /// sipcfg does not create directories for a link's target.
    #[error(
        "cannot save {}: it is a symbolic link to {}, whose directory does not exist \
         (create the directory, or remove the link)",
        .path.display(),
        .target.display()
    )]
    DanglingSymlink {
        /// The configuration file's path, as given to the backend.
        path: PathBuf,
        /// The missing file the link points to.
        target: PathBuf,
    },
    /// The configuration file is larger than the backend's limit (see
    /// [`FileBackend::with_max_size`](crate::backend::FileBackend::with_max_size)); it is not
    /// read.
    #[error(
        "cannot load {}: it is {size} bytes, over the limit of {limit} bytes",
        .path.display()
    )]
    TooLarge {
        /// The configuration file.
        path: PathBuf,
        /// Its size (at least this many bytes, if it grew while being read).
        size: u64,
        /// The backend's limit.
        limit: u64,
    },
    /// An encoding asked for by label is unknown or cannot be used for configuration files (see
    /// [`Encoding::for_label`](crate::backend::Encoding::for_label)).
    #[error("cannot use the encoding {label:?}: {reason}")]
    UnsupportedEncoding {
        /// The label that was asked for.
        label: String,
        /// Why it cannot be used.
        reason: String,
    },
    /// Another program held the configuration's lock for longer than the lock timeout.
    #[error(
        "cannot lock {}: another program has held it for {:.1} s (is a save hanging?)",
        .path.display(),
        .waited.as_secs_f64()
    )]
    LockTimeout {
        /// The lock file.
        path: PathBuf,
        /// How long the save waited.
        waited: std::time::Duration,
    },
    /// Any other failure of a user-defined backend.
    #[error("{0}")]
    Other(Box<dyn std::error::Error + Send + Sync>),
}

/// A syntax error in a configuration file: the file, the 1-based line and column, and what was
/// wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}:{line}:{column}: {kind}", .path.display())]
pub struct ParseError {
    /// The file that was being read.
    pub path: PathBuf,
    /// The 1-based line of the error.
    pub line: usize,
    /// The 1-based column (in characters) of the error.
    pub column: usize,
    /// What was wrong.
    pub kind: ParseErrorKind,
}

/// What a [`ParseError`] found wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParseErrorKind {
    /// A quote was opened and the line ended before it was closed.
    MissingEndQuote,
    /// A `\` was the last character of the line (trailing white space does not count).
    BackslashAtEndOfLine,
    /// After a name, neither `:` (a group) nor `=` (a setting) was found.
    ExpectedSeparator,
    /// A line starts with `:` or `=`, or its name is an empty quoted string.
    MissingName,
    /// Something other than a comment follows the `:` of a group header.
    UnexpectedAfterColon,
    /// An unquoted `=` follows white space inside a value (`a = b = c`).
    UnexpectedAfterValue,
    /// The bytes are not valid text in the backend's encoding.
    InvalidEncoding {
        /// The encoding the file was read with.
        encoding: &'static str,
    },
}

impl fmt::Display for ParseErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseErrorKind::MissingEndQuote => f.write_str("missing ending quote"),
            ParseErrorKind::BackslashAtEndOfLine => {
                f.write_str("unexpected `\\` at end of line (escape it as `\\\\`)")
            }
            ParseErrorKind::ExpectedSeparator => {
                f.write_str("expected `:` (a group) or `=` (a setting) after the name")
            }
            ParseErrorKind::MissingName => f.write_str("missing setting or group name"),
            ParseErrorKind::UnexpectedAfterColon => {
                f.write_str("unexpected characters after `:` (a group header ends at its colon)")
            }
            ParseErrorKind::UnexpectedAfterValue => f.write_str(
                "unexpected `=` in value (a setting has one `=`; quote a value that holds \" = \")",
            ),
            ParseErrorKind::InvalidEncoding { encoding } => {
                write!(f, "invalid {encoding} text")
            }
        }
    }
}

/// A value does not convert to a setting's type: what was expected and what was found.
///
/// Setting types return it from their conversions; the runtime wraps it in a [`SettingError`]
/// naming the setting.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ValueError {
    message: String,
}

impl ValueError {
    /// An error with this message. Say what was expected and what was found, e.g.
    /// `expected a port number from 0 to 65535, found "70000"`.
    pub fn new(message: impl Into<String>) -> Self {
        ValueError {
            message: message.into(),
        }
    }

    /// The standard message: `expected {expected}, found {found}`.
    pub fn expected(expected: impl fmt::Display, found: impl fmt::Debug) -> Self {
        ValueError::new(format!("expected {expected}, found {found:?}"))
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl From<std::convert::Infallible> for ValueError {
    fn from(never: std::convert::Infallible) -> Self {
        match never {}
    }
}

impl From<std::num::TryFromIntError> for ValueError {
    fn from(error: std::num::TryFromIntError) -> Self {
        ValueError::new(format!("integer out of range: {error}"))
    }
}

/// A setting could not be assigned or looked up. Every variant names the setting by its dotted
/// path relative to its settings object (e.g. `sip.tls_port`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SettingError {
    /// The value does not convert to the setting's type or fails its checks.
    #[error("invalid value for {path}: {error}")]
    Invalid {
        /// The setting's dotted path.
        path: String,
        /// Why the value was refused.
        error: ValueError,
    },
    /// No setting or group of this name exists on the object.
    #[error("{object} has no setting {path}")]
    Unknown {
        /// The settings object type.
        object: &'static str,
        /// The dotted path that was asked for.
        path: String,
    },
    /// The path names a group of settings, not a setting.
    #[error("{path} is a group of settings, not a setting")]
    IsGroup {
        /// The dotted path that was asked for.
        path: String,
    },
    /// `None` was assigned to a setting that is not nillable.
    #[error("{path} is not nillable: it cannot be set to None")]
    NotNillable {
        /// The setting's dotted path.
        path: String,
    },
}

/// An extension could not be registered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ExtensionError {
    /// Two extensions add the same name to one target.
    #[error("extensions {first} and {second} both add `{name}` to {target}")]
    Clash {
        /// The extended settings object or group.
        target: &'static str,
        /// The dotted path of the name, relative to the target.
        name: String,
        /// The extension registered first.
        first: &'static str,
        /// The extension being registered.
        second: &'static str,
    },
    /// An extension overrides the default of a setting the target does not have, or with
    /// another type.
    #[error("extension {extension} cannot override `{name}` of {target}: {reason}")]
    BadOverride {
        /// The extended settings object or group.
        target: &'static str,
        /// The setting's name.
        name: String,
        /// The extension.
        extension: &'static str,
        /// What is wrong.
        reason: String,
    },
}

/// A copy of an I/O error: the same operating-system error code, or the same kind and message.
fn duplicate_io(error: &io::Error) -> io::Error {
    match error.raw_os_error() {
        Some(code) => io::Error::from_raw_os_error(code),
        None => io::Error::new(error.kind(), error.to_string()),
    }
}

impl BackendError {
    /// A copy of the error, for handing one failure to several parties (the caller of a save
    /// and the `ManagerSaveFailed` observers). Everything is kept exactly, except the source of
    /// [`BackendError::Other`], which is copied as its message.
    pub fn duplicate(&self) -> BackendError {
        match self {
            BackendError::Parse(error) => BackendError::Parse(error.clone()),
            BackendError::Io {
                operation,
                path,
                source,
            } => BackendError::Io {
                operation,
                path: path.clone(),
                source: duplicate_io(source),
            },
            BackendError::Unrepresentable {
                file,
                setting,
                reason,
            } => BackendError::Unrepresentable {
                file: file.clone(),
                setting: setting.clone(),
                reason: reason.clone(),
            },
            BackendError::UnsupportedEncoding { label, reason } => {
                BackendError::UnsupportedEncoding {
                    label: label.clone(),
                    reason: reason.clone(),
                }
            }
            BackendError::LockTimeout { path, waited } => BackendError::LockTimeout {
                path: path.clone(),
                waited: *waited,
            },
            BackendError::NotARegularFile { path, target, kind } => BackendError::NotARegularFile {
                path: path.clone(),
                target: target.clone(),
                kind,
            },
            BackendError::DanglingSymlink { path, target } => BackendError::DanglingSymlink {
                path: path.clone(),
                target: target.clone(),
            },
            BackendError::TooLarge { path, size, limit } => BackendError::TooLarge {
                path: path.clone(),
                size: *size,
                limit: *limit,
            },
            BackendError::Other(error) => BackendError::Other(error.to_string().into()),
        }
    }
}

impl ConfigurationError {
    /// A copy of the error (see [`BackendError::duplicate`]): the variant and its fields are
    /// kept.
    pub fn duplicate(&self) -> ConfigurationError {
        match self {
            ConfigurationError::ObjectNotFound(error) => {
                ConfigurationError::ObjectNotFound(error.clone())
            }
            ConfigurationError::NotStarted => ConfigurationError::NotStarted,
            ConfigurationError::ManagerDropped => ConfigurationError::ManagerDropped,
            ConfigurationError::AlreadyStarted => ConfigurationError::AlreadyStarted,
            ConfigurationError::Backend(error) => ConfigurationError::Backend(error.duplicate()),
            ConfigurationError::Setting(error) => ConfigurationError::Setting(error.clone()),
            ConfigurationError::DuplicateId { type_name, id } => ConfigurationError::DuplicateId {
                type_name,
                id: id.clone(),
            },
            ConfigurationError::CannotDelete { type_name } => {
                ConfigurationError::CannotDelete { type_name }
            }
            ConfigurationError::InvalidKey(message) => {
                ConfigurationError::InvalidKey(message.clone())
            }
            ConfigurationError::Extension(error) => ConfigurationError::Extension(error.clone()),
        }
    }
}
