//! An object's effective values as a document (and as JSON with the `serde` feature), and the
//! support of the derives' `Debug`, `Serialize` and `Deserialize` impls of declarations.

use std::fmt;

use crate::object::GroupInfo;
use crate::setting_type::SharedValue;
use crate::{Data, Object, RawObject, SettingType, SettingsObject, Value, SECRET_MASK};

/// Whether an export shows the values of secret settings (account passwords).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Secrets {
    /// Secret values are replaced by [`SECRET_MASK`].
    Masked,
    /// Secret values are shown: use only where the values are meant to leave the program whole
    /// (a backup the user asked for).
    Shown,
}

impl RawObject {
    /// The effective value of every setting (explicit or default, the extensions' included,
    /// runtime settings too) in its stored form, as a tree of groups by stored name; secret
    /// values are masked unless `secrets` is [`Secrets::Shown`].
    pub fn effective_values(&self, secrets: Secrets) -> Data {
        group_values(&self.describe(), secrets)
    }

    /// [`effective_values`](Self::effective_values) as JSON: groups are objects, values
    /// strings, lists arrays of strings, nothing `null`.
    #[cfg(feature = "serde")]
    pub fn to_json(&self, secrets: Secrets) -> serde_json::Value {
        // Data's serialization cannot fail for a tree this shallow (it is built from a schema).
        serde_json::to_value(self.effective_values(secrets)).unwrap_or(serde_json::Value::Null)
    }
}

impl<T: SettingsObject> Object<T> {
    /// See [`RawObject::effective_values`].
    pub fn effective_values(&self, secrets: Secrets) -> Data {
        self.raw().effective_values(secrets)
    }

    /// See [`RawObject::to_json`]: `account.to_json(Secrets::Masked)`.
    #[cfg(feature = "serde")]
    pub fn to_json(&self, secrets: Secrets) -> serde_json::Value {
        self.raw().to_json(secrets)
    }
}

fn group_values(group: &GroupInfo, secrets: Secrets) -> Data {
    let mut data = Data::new();
    for setting in &group.settings {
        let value = if setting.secret && secrets == Secrets::Masked {
            Value::from(SECRET_MASK)
        } else {
            setting.value.to_stored()
        };
        data.insert(setting.name, value);
    }
    for child in &group.groups {
        data.insert(child.name, Value::Group(group_values(child, secrets)));
    }
    data
}

/// Shows [`SECRET_MASK`] in `Debug` (for secret settings of snapshots).
pub struct Masked;

impl fmt::Debug for Masked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(SECRET_MASK)
    }
}

/// A group's values for `Debug`, through its declaration's `__sipcfg_debug`.
pub struct GroupDebug<'a, T>(
    pub &'a T,
    pub fn(&T, &mut fmt::Formatter<'_>) -> fmt::Result,
);

impl<T> fmt::Debug for GroupDebug<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (self.1)(self.0, f)
    }
}

/// A setting's value for `Debug`.
pub fn debug_setting<T: SettingType>(value: &T) -> &dyn fmt::Debug {
    value
}

/// A setting's value in its stored form.
pub fn stored<T: SettingType>(value: &T) -> Value {
    value.to_stored()
}

/// The setting `name` of `data` (a deserialized declaration at `path`), checked as a stored
/// value is; its default if absent.
pub fn setting_from_data<T: SettingType>(
    data: &Data,
    path: &str,
    name: &str,
    default: fn() -> SharedValue,
) -> Result<T, String> {
    match data.get(name) {
        Some(value) => {
            T::from_stored(value).map_err(|error| format!("{}: {error}", join(path, name)))
        }
        None => default()
            .as_any()
            .downcast_ref::<T>()
            .cloned()
            .ok_or_else(|| format!("{}: the default has another type", join(path, name))),
    }
}

/// The group `name` of `data` (empty if absent), or why it is not a group.
pub fn subgroup<'d>(data: &'d Data, path: &str, name: &str) -> Result<&'d Data, String> {
    static EMPTY: std::sync::OnceLock<Data> = std::sync::OnceLock::new();
    match data.get(name) {
        None => Ok(EMPTY.get_or_init(Data::new)),
        Some(Value::Group(group)) => Ok(group),
        Some(other) => Err(format!(
            "{}: expected a group of settings, found {}",
            join(path, name),
            other.kind()
        )),
    }
}

/// `path.name`, or `name` at the top.
pub fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_owned()
    } else {
        format!("{path}.{name}")
    }
}

/// Implements `serde::Serialize` and `serde::Deserialize` for setting types through their
/// stored form ([`SettingType::to_stored`], and [`SettingType::from_stored`], which checks):
/// `sipcfg::serde_via_stored!(Port, SIPAddress);`.
#[macro_export]
macro_rules! serde_via_stored {
    ($($ty:ty),* $(,)?) => {$(
        impl $crate::__private::serde::Serialize for $ty {
            fn serialize<S: $crate::__private::serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::core::result::Result<S::Ok, S::Error> {
                $crate::__private::serde::Serialize::serialize(
                    &$crate::SettingType::to_stored(self),
                    serializer,
                )
            }
        }

        impl<'de> $crate::__private::serde::Deserialize<'de> for $ty {
            fn deserialize<D: $crate::__private::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::core::result::Result<Self, D::Error> {
                let value: $crate::Value =
                    $crate::__private::serde::Deserialize::deserialize(deserializer)?;
                <$ty as $crate::SettingType>::from_stored(&value)
                    .map_err(<D::Error as $crate::__private::serde::de::Error>::custom)
            }
        }
    )*};
}

/// Expands to its input with the `serde` feature, to nothing without (for the derives).
#[cfg(feature = "serde")]
#[doc(hidden)]
#[macro_export]
macro_rules! __sipcfg_if_serde {
    ($($tokens:tt)*) => { $($tokens)* };
}

/// Expands to its input with the `serde` feature, to nothing without (for the derives).
#[cfg(not(feature = "serde"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __sipcfg_if_serde {
    ($($tokens:tt)*) => {};
}
