//! # sipcfg
//!
//! Settings declared once, as typed structs, and managed the same way by a library, a command
//! line tool and a GUI: the SIP SIMPLE *Configuration API* in Rust.
//!
//! ```
//! use sipcfg::backend::MemoryBackend;
//! use sipcfg::{ConfigurationManager, SettingsGroup, SettingsObject};
//!
//! #[derive(SettingsGroup)]
//! pub struct TLSSettings {
//!     /// Verify the server's certificate.
//!     #[setting(default = false)]
//!     pub verify_server: bool,
//! }
//!
//! #[derive(SettingsObject)]
//! #[settings(group = "Global", id = "SIPSimple")]
//! pub struct SIPSimpleSettings {
//!     /// The User-Agent header of outgoing requests.
//!     #[setting(default = "sipsimple 0.1")]
//!     pub user_agent: String,
//!     #[group]
//!     pub tls: TLSSettings,
//! }
//!
//! let manager = ConfigurationManager::new();
//! manager.start(MemoryBackend::new())?;
//!
//! let settings = SIPSimpleSettings::get(&manager)?;
//! settings.tls().set_verify_server(true)?;
//! assert!(settings.tls().verify_server());
//! let changed = settings.get_modified();
//! assert_eq!(changed["tls.verify_server"].new_value::<bool>(), Some(&true));
//! settings.save()?;
//! # Ok::<(), sipcfg::ConfigurationError>(())
//! ```
//!
//! The pieces, after the spec:
//! - the configuration document ([`Data`], [`Value`]) and its [backends](backend): the text
//!   [file format](file_format) and memory;
//! - the [`ConfigurationManager`], which holds the document;
//! - settings objects ([`Object`]) declared with `#[derive(SettingsObject)]` and
//!   `#[derive(SettingsGroup)]`, whose settings have a [`SettingType`];
//! - [notifications](NotificationCenter) and [extensions](Extension) (`#[extend(Target)]`).
// No unsafe code, except in one module that allows it explicitly: `value::thin`, the 8-byte
// shared string behind `Name` (each use has a SAFETY comment and the module has tests).
#![deny(unsafe_code)]
#![warn(missing_docs)]

// Lets the derive macros' `::sipcfg::...` paths work inside this crate's own tests.
extern crate self as sipcfg;

pub mod backend;
mod error;
mod export;
mod extension;
pub mod file_edit;
pub mod file_format;
mod layout;
mod manager;
mod modified;
mod notification;
mod object;
mod patch;
pub mod schema;
mod setting_type;
mod value;
pub mod watch;

pub use error::{
    BackendError, ConfigurationError, ExtensionError, ObjectNotFoundError, ParseError,
    ParseErrorKind, SettingError, ValueError,
};
pub use export::Secrets;
pub use extension::{Extension, ExtensionInfo, ExtensionTarget, LinkedExtension};
pub use manager::{ConfigurationManager, ObjectKey, WeakConfigurationManager, MAX_PATCH_DEPTH};
pub use modified::{Change, Modified, ModifiedValue, SECRET_MASK};
pub use notification::{
    Notification, NotificationCenter, NotificationFilter, NotificationKind, NotificationName,
    ObserverGuard, ObserverId, Operation, Origin, Sender,
};
pub use object::{
    GroupInfo, GroupRef, Object, ObjectCore, ObjectId, RawObject, SettingInfo, SettingsDeclaration,
    SettingsGroup, SettingsObject, StoredObject, TextValue,
};
pub use patch::{Patch, PatchValue};
pub use setting_type::{
    display_stored, expect_string, AsOption, AsValue, DynValue, IntoNillable, IntoSetting,
    ListItem, SettingType, SharedValue, TypeInfo,
};
pub use value::{Data, Iter as DataIter, IterMut as DataIterMut, Name, Value};
pub use watch::Watcher;

pub use sipcfg_derive::{extend, SettingsGroup, SettingsObject};

/// Support for the code the derive macros generate. Not a public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::export::{
        debug_setting, join, setting_from_data, stored, subgroup, GroupDebug, Masked,
    };
    pub use crate::schema::{Correlation, GroupField, GroupSchema, SettingOps, SettingSchema};
    pub use inventory;
    pub use serde;
    pub use std::any::TypeId;
    pub use std::sync::{Arc, OnceLock};

    use crate::setting_type::{DynValue, SettingType, SharedValue};
    use crate::ValueError;

    /// The type of a setting field: every use of a field's type in generated code goes through
    /// `<T as Setting>::Type`, so that a type that is not a [`SettingType`] is reported once,
    /// at the field's type (with `SettingType`'s message).
    pub trait Setting {
        /// The type itself.
        type Type: SettingType;
    }

    impl<T: SettingType> Setting for T {
        type Type = T;
    }

    /// Boxes a default value.
    pub fn shared<T: SettingType>(value: T) -> SharedValue {
        Arc::new(value)
    }

    /// Calls a typed correlation check on type-erased values.
    pub fn correlate<T: SettingType, S: SettingType, E: Into<ValueError>>(
        check: fn(&T, &S) -> Result<(), E>,
        value: &dyn DynValue,
        sibling: &dyn DynValue,
    ) -> Result<(), ValueError> {
        match (value.downcast_ref::<T>(), sibling.downcast_ref::<S>()) {
            (Some(value), Some(sibling)) => check(value, sibling).map_err(Into::into),
            _ => Err(ValueError::new("correlated settings have unexpected types")),
        }
    }

    /// For the compile-time check that an extension's names do not clash with its target's.
    pub const fn contains(names: &[&str], name: &str) -> bool {
        let mut i = 0;
        while i < names.len() {
            if str_eq(names[i], name) {
                return true;
            }
            i += 1;
        }
        false
    }

    const fn str_eq(a: &str, b: &str) -> bool {
        let (a, b) = (a.as_bytes(), b.as_bytes());
        if a.len() != b.len() {
            return false;
        }
        let mut i = 0;
        while i < a.len() {
            if a[i] != b[i] {
                return false;
            }
            i += 1;
        }
        true
    }
}
