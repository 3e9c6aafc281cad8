//! Dotted-path access and metadata, for tools: read, assign (from text, all or nothing) and
//! describe the settings of an object without its Rust type.

use std::fmt;

use super::state::{check_correlation, reset, store};
use super::{ObjectState, RawObject};
use crate::layout::Entry;
use crate::modified::SECRET_MASK;
use crate::setting_type::{SharedValue, TypeInfo};
use crate::{SettingError, Value};

/// What to assign with [`RawObject::set_text`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextValue<'t> {
    /// Reset to the default (`DEFAULT` on the command line).
    Default,
    /// Nothing (`None` on the command line); only for nillable settings.
    Nothing,
    /// A value as a person types it.
    Text(&'t str),
}

/// The description of one setting of an object, with its current value.
#[derive(Clone)]
pub struct SettingInfo {
    /// Dotted path relative to the object.
    pub path: String,
    /// The setting's name.
    pub name: &'static str,
    /// The setting's description (its doc comment).
    pub doc: &'static str,
    /// The Rust type as declared.
    pub rust_type: &'static str,
    /// What the type accepts.
    pub type_info: TypeInfo,
    /// Whether the setting accepts nothing.
    pub nillable: bool,
    /// Whether the setting is never stored.
    pub runtime: bool,
    /// Whether values are masked when shown.
    pub secret: bool,
    /// The default in force.
    pub default: SharedValue,
    /// The current value.
    pub value: SharedValue,
    /// Whether the value is explicit (not the default).
    pub explicit: bool,
    /// The extension that added the setting.
    pub extension: Option<&'static str>,
}

impl fmt::Debug for SettingInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SettingInfo")
            .field("path", &self.path)
            .field("type", &self.type_info.name)
            .field("nillable", &self.nillable)
            .field("value", &self.value_display())
            .finish_non_exhaustive()
    }
}

impl SettingInfo {
    /// The current value as shown to people (masked for secrets).
    pub fn value_display(&self) -> String {
        if self.secret {
            SECRET_MASK.to_owned()
        } else {
            self.value.display()
        }
    }

    /// The default as shown to people.
    pub fn default_display(&self) -> String {
        self.default.display()
    }
}

/// The description of one group of an object: its settings and sub-groups, sorted by name.
#[derive(Debug, Clone)]
pub struct GroupInfo {
    /// The group's name (empty for the object itself).
    pub name: &'static str,
    /// Dotted path relative to the object (empty for the object itself).
    pub path: String,
    /// The group's description.
    pub doc: &'static str,
    /// Its settings, the extensions' included, sorted by name.
    pub settings: Vec<SettingInfo>,
    /// Its sub-groups, sorted by name.
    pub groups: Vec<GroupInfo>,
}

impl RawObject {
    fn slot_of(&self, state: &ObjectState, path: &str) -> Result<usize, SettingError> {
        match state.layout.lookup(path) {
            Some(Entry::Setting(slot)) => Ok(slot as usize),
            Some(Entry::Group(_)) => Err(SettingError::IsGroup {
                path: path.to_owned(),
            }),
            None => Err(SettingError::Unknown {
                object: self.core.info().type_name,
                path: path.to_owned(),
            }),
        }
    }

    /// The value of the setting at a dotted path.
    pub fn get_path(&self, path: &str) -> Result<SharedValue, SettingError> {
        let state = self.core.state.read();
        let slot = self.slot_of(&state, path)?;
        Ok(state.value(slot).clone())
    }

    /// The description and value of the setting at a dotted path.
    pub fn setting(&self, path: &str) -> Result<SettingInfo, SettingError> {
        let state = self.core.state.read();
        let slot = self.slot_of(&state, path)?;
        Ok(setting_info(&state, slot))
    }

    /// Assigns the setting at a dotted path from text as a person types it.
    pub fn set_text(&self, path: &str, value: TextValue<'_>) -> Result<(), SettingError> {
        self.set_many(&[(path, value)])
            .map_err(|mut errors| errors.remove(0))
    }

    /// Assigns several settings at once, all or nothing: if any path is unknown or any value
    /// invalid, nothing changes and every error is returned.
    pub fn set_many(&self, changes: &[(&str, TextValue<'_>)]) -> Result<(), Vec<SettingError>> {
        let mut state = self.core.state.write();
        let mut errors = Vec::new();
        let mut planned = Vec::new();
        for (path, value) in changes {
            let slot = match self.slot_of(&state, path) {
                Ok(slot) => slot,
                Err(error) => {
                    errors.push(error);
                    continue;
                }
            };
            let schema = state.layout.slots[slot].schema;
            let converted = match value {
                TextValue::Default => Ok(None),
                TextValue::Nothing if !schema.nillable => {
                    errors.push(SettingError::NotNillable {
                        path: (*path).to_owned(),
                    });
                    continue;
                }
                TextValue::Nothing => (schema.ops.from_stored)(&Value::Nothing).map(Some),
                TextValue::Text(text) => (schema.ops.parse_text)(text).map(Some),
            };
            match converted {
                Ok(value) => planned.push((slot, value)),
                Err(error) => errors.push(SettingError::Invalid {
                    path: (*path).to_owned(),
                    error,
                }),
            }
        }
        // Apply everything that converted, then check correlated settings against the final
        // values (so that swapping two ports in one call works, whatever the order), and report
        // conversion and check errors together.
        let before = (state.slots.clone(), state.blocked.clone());
        for (slot, value) in &planned {
            match value {
                None => reset(&mut state, *slot),
                Some(value) => store(&mut state, *slot, value.clone()),
            }
        }
        for (slot, _) in planned.iter().filter(|(_, value)| value.is_some()) {
            let value = state.value(*slot).clone();
            if let Err(error) = check_correlation(&state, *slot, &*value) {
                if !errors.contains(&error) {
                    errors.push(error);
                }
            }
        }
        if !errors.is_empty() {
            (state.slots, state.blocked) = before;
            return Err(errors);
        }
        Ok(())
    }

    /// Every setting of the object with its description and value, as a tree sorted by name
    /// (the extensions' settings included), for tools.
    pub fn describe(&self) -> GroupInfo {
        let state = self.core.state.read();
        describe_node(&state, 0, "", String::new())
    }

    /// Every setting of the object, flattened in tree order.
    pub fn settings(&self) -> Vec<SettingInfo> {
        fn flatten(group: GroupInfo, into: &mut Vec<SettingInfo>) {
            into.extend(group.settings);
            for child in group.groups {
                flatten(child, into);
            }
        }
        let mut all = Vec::new();
        flatten(self.describe(), &mut all);
        all
    }
}

pub(super) fn describe_node(
    state: &ObjectState,
    node: u32,
    name: &'static str,
    path: String,
) -> GroupInfo {
    let info = &state.layout.nodes[node as usize];
    let mut group = GroupInfo {
        name,
        path: path.clone(),
        doc: info.schema.doc,
        settings: Vec::new(),
        groups: Vec::new(),
    };
    for (child_name, entry) in &info.entries {
        match *entry {
            Entry::Setting(slot) => group.settings.push(setting_info(state, slot as usize)),
            Entry::Group(child) => {
                let child_path = if path.is_empty() {
                    (*child_name).to_owned()
                } else {
                    format!("{path}.{child_name}")
                };
                let mut child_info = describe_node(state, child, child_name, child_path);
                if let Some(field) = state.layout.nodes[node as usize].schema.group(child_name) {
                    child_info.doc = if field.doc.is_empty() {
                        child_info.doc
                    } else {
                        field.doc
                    };
                }
                group.groups.push(child_info);
            }
        }
    }
    group
}

pub(super) fn setting_info(state: &ObjectState, slot: usize) -> SettingInfo {
    let info = &state.layout.slots[slot];
    SettingInfo {
        path: info.path.clone(),
        name: info.schema.name,
        doc: info.schema.doc,
        rust_type: info.schema.rust_type,
        type_info: info.schema.type_info(),
        nillable: info.schema.nillable,
        runtime: info.schema.runtime,
        secret: info.schema.secret,
        default: info.default.clone(),
        value: state.value(slot).clone(),
        explicit: state.slots.explicit(slot),
        extension: info.extension,
    }
}
