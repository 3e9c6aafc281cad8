//! sipcfg: settings declared once as typed structs (spec: the SIP SIMPLE Configuration API).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod backend;
mod error;
pub mod file_format;
mod value;

pub use error::{
    BackendError, ConfigurationError, ExtensionError, ObjectNotFoundError, ParseError,
    ParseErrorKind, SettingError, ValueError,
};
pub use value::{Data, Value};
