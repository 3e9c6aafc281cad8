//! [`ModifiedValue`]: the old and new value of a changed setting (spec: `ModifiedValue`).

use std::collections::BTreeMap;
use std::fmt;

use crate::setting_type::{DynValue, SharedValue};

/// What secrets are shown as.
pub const SECRET_MASK: &str = "********";

/// The changed settings of an object: dotted paths relative to the object (e.g.
/// `tls.verify_server`, or `__id__` for a changed id) to their old and new values.
pub type Modified = BTreeMap<String, ModifiedValue>;

/// The old and new value of one changed setting.
///
/// Values are typed: [`old`](Self::old) and [`new_value`](Self::new_value) downcast to the setting's type.
/// Their display form masks secrets (passwords), and so do `Debug` and `Display`.
#[derive(Clone)]
pub struct ModifiedValue {
    old: SharedValue,
    new: SharedValue,
    secret: bool,
}

impl ModifiedValue {
    /// A change from `old` to `new`; `secret` masks both wherever they are shown.
    pub fn new(old: SharedValue, new: SharedValue, secret: bool) -> Self {
        ModifiedValue { old, new, secret }
    }

    /// The old value as `T` (`None` if the setting is not of type `T`).
    pub fn old<T: 'static>(&self) -> Option<&T> {
        self.old.as_any().downcast_ref()
    }

    /// The new value as `T` (`None` if the setting is not of type `T`).
    pub fn new_value<T: 'static>(&self) -> Option<&T> {
        self.new.as_any().downcast_ref()
    }

    /// The old value, type-erased.
    pub fn old_dyn(&self) -> &dyn DynValue {
        &*self.old
    }

    /// The new value, type-erased.
    pub fn new_dyn(&self) -> &dyn DynValue {
        &*self.new
    }

    /// The old value as shown to people (masked for secrets).
    pub fn old_display(&self) -> String {
        self.shown(&*self.old)
    }

    /// The new value as shown to people (masked for secrets).
    pub fn new_display(&self) -> String {
        self.shown(&*self.new)
    }

    /// Whether the setting is a secret.
    pub fn is_secret(&self) -> bool {
        self.secret
    }

    fn shown(&self, value: &dyn DynValue) -> String {
        if self.secret {
            SECRET_MASK.to_owned()
        } else {
            value.display()
        }
    }
}

impl fmt::Debug for ModifiedValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ModifiedValue")
            .field("old", &self.old_display())
            .field("new", &self.new_display())
            .finish()
    }
}

impl fmt::Display for ModifiedValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} -> {}", self.old_display(), self.new_display())
    }
}

/// The old and new value of one changed setting, typed: what a generated `{setting}_modified()`
/// accessor returns (`settings.tls().verify_server_modified()`). `Debug` masks secrets.
#[derive(Clone, PartialEq)]
pub struct Change<T> {
    /// The value at the last save (or load).
    pub old: T,
    /// The current value.
    pub new: T,
    secret: bool,
}

impl<T> Change<T> {
    /// A change from `old` to `new`; `secret` masks both in `Debug`.
    pub fn new(old: T, new: T, secret: bool) -> Self {
        Change { old, new, secret }
    }

    /// Whether the setting is a secret.
    pub fn is_secret(&self) -> bool {
        self.secret
    }
}

impl<T: fmt::Debug> fmt::Debug for Change<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = f.debug_struct("Change");
        if self.secret {
            out.field("old", &SECRET_MASK).field("new", &SECRET_MASK);
        } else {
            out.field("old", &self.old).field("new", &self.new);
        }
        out.finish()
    }
}
