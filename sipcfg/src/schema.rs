//! Static metadata of settings groups and objects: every setting's name, type, default, nillable
//! flag and description, as declared. The derive macros build it; tools walk it (through
//! [`RawObject::settings`](crate::RawObject::settings) once extensions are merged in).

use std::any::TypeId;
use std::fmt;
use std::sync::Arc;

use crate::setting_type::{DynValue, SettingType, SharedValue, TypeInfo};
use crate::{Value, ValueError};

/// The declared contents of a settings group, object or extension.
pub struct GroupSchema {
    /// The Rust type name, e.g. `TLSSettings`.
    pub type_name: &'static str,
    /// The `TypeId` of the declaring type (a function: `TypeId::of` is not `const`).
    pub type_id: fn() -> TypeId,
    /// The doc comment of the declaration.
    pub doc: &'static str,
    /// The settings, in declaration order.
    pub settings: Vec<SettingSchema>,
    /// The sub-groups, in declaration order.
    pub groups: Vec<GroupField>,
}

/// A sub-group field of a group.
pub struct GroupField {
    /// The stored name.
    pub name: &'static str,
    /// The doc comment of the field.
    pub doc: &'static str,
    /// The group's own schema.
    pub schema: fn() -> &'static GroupSchema,
    /// Where the group used to be stored (`#[group(was = "...")]`): dotted paths from the top of
    /// the object's entry. Loading finds its settings there when they are missing from their
    /// current place.
    pub was: &'static [&'static str],
}

/// One declared setting.
pub struct SettingSchema {
    /// The stored name.
    pub name: &'static str,
    /// The doc comment: the setting's description.
    pub doc: &'static str,
    /// The Rust type as written in the declaration.
    pub rust_type: &'static str,
    /// Whether the setting accepts nothing (`None`).
    pub nillable: bool,
    /// A runtime setting is never read from nor written to storage.
    pub runtime: bool,
    /// A secret (a password) is masked wherever values are shown.
    pub secret: bool,
    /// For an extension: this entry replaces the default of the target's setting of the same name
    /// instead of adding a setting.
    pub override_default: bool,
    /// The default value.
    pub default: fn() -> SharedValue,
    /// Conversions of the setting's type.
    pub ops: SettingOps,
    /// A check against a sibling setting, run on every assignment.
    pub correlation: Option<Correlation>,
    /// Where the setting used to be stored (`#[setting(was = "...")]`): dotted paths from the
    /// top of the object's entry, tried in order when the setting is missing from its current
    /// place. The next save moves the value.
    pub was: &'static [&'static str],
}

/// The conversions of a setting type, without its type parameter.
#[derive(Clone, Copy)]
pub struct SettingOps {
    /// Converts a stored value.
    pub from_stored: fn(&Value) -> Result<SharedValue, ValueError>,
    /// Parses a value as a person types it.
    pub parse_text: fn(&str) -> Result<SharedValue, ValueError>,
    /// Describes the type.
    pub type_info: fn() -> TypeInfo,
    /// The `TypeId` of the setting's type.
    pub type_id: fn() -> TypeId,
}

impl SettingOps {
    /// The conversions of `T`.
    pub fn of<T: SettingType>() -> Self {
        SettingOps {
            from_stored: |value| T::from_stored(value).map(|v| Arc::new(v) as SharedValue),
            parse_text: |text| T::parse_text(text).map(|v| Arc::new(v) as SharedValue),
            type_info: T::type_info,
            type_id: TypeId::of::<T>,
        }
    }
}

/// A check of a setting's new value against the current value of a sibling setting of the same
/// group (the reference's `CorrelatedSetting`).
#[derive(Clone, Copy)]
pub struct Correlation {
    /// The sibling setting's name.
    pub sibling: &'static str,
    /// Receives the new value and the sibling's value.
    pub check: fn(&dyn DynValue, &dyn DynValue) -> Result<(), ValueError>,
}

impl fmt::Debug for GroupSchema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GroupSchema")
            .field("type_name", &self.type_name)
            .field("settings", &self.settings)
            .field("groups", &self.groups)
            .finish()
    }
}

impl fmt::Debug for GroupField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GroupField")
            .field("name", &self.name)
            .field("type", &(self.schema)().type_name)
            .finish()
    }
}

impl fmt::Debug for SettingSchema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SettingSchema")
            .field("name", &self.name)
            .field("type", &self.rust_type)
            .field("nillable", &self.nillable)
            .field("runtime", &self.runtime)
            .finish_non_exhaustive()
    }
}

impl GroupSchema {
    /// The setting declared as `name`.
    pub fn setting(&self, name: &str) -> Option<&SettingSchema> {
        self.settings.iter().find(|s| s.name == name)
    }

    /// The sub-group declared as `name`.
    pub fn group(&self, name: &str) -> Option<&GroupField> {
        self.groups.iter().find(|g| g.name == name)
    }
}

impl SettingSchema {
    /// The description of the setting's type.
    pub fn type_info(&self) -> TypeInfo {
        (self.ops.type_info)()
    }
}
