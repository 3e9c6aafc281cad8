//! [`GroupRef`]: a borrowed view of one group of an object, which the generated accessors read
//! and assign through.

use std::any::TypeId;
use std::fmt;
use std::sync::Arc;

use super::registry::post_load_failures;
use super::state::{assign, modified_of, reset};
use super::{ObjectCore, ObjectState};
use crate::extension::{Extension, ExtensionInfo};
use crate::setting_type::{IntoSetting, SettingType};
use crate::{Change, ConfigurationManager, SettingError, ValueError};

/// A borrowed view of one group of an object (or of an extension's settings in it), used by the
/// generated accessors.
#[derive(Clone, Copy)]
pub struct GroupRef<'a> {
    pub(super) core: &'a ObjectCore,
    pub(super) node: u32,
}

impl fmt::Debug for GroupRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.core.state.read();
        let node = &state.layout.nodes[self.node as usize];
        write!(f, "GroupRef({} at {:?})", node.schema.type_name, node.path)
    }
}

impl<'a> GroupRef<'a> {
    /// The value of the declared setting number `ordinal`.
    ///
    /// # Panics
    /// If `T` is not the setting's type (generated accessors always ask for the right one).
    pub fn get<T: SettingType>(&self, ordinal: usize) -> T {
        let state = self.core.state.read();
        let slot = state.layout.nodes[self.node as usize].settings[ordinal] as usize;
        match state.value(slot).as_any().downcast_ref::<T>() {
            Some(value) => value.clone(),
            None => panic!(
                "setting {} is not a {}",
                state.layout.slots[slot].path,
                std::any::type_name::<T>()
            ),
        }
    }

    /// Whether the declared setting number `ordinal` has an explicit value (is not the default).
    pub fn is_explicit(&self, ordinal: usize) -> bool {
        let state = self.core.state.read();
        let slot = state.layout.nodes[self.node as usize].settings[ordinal] as usize;
        state.slots.explicit(slot)
    }

    /// Assigns the declared setting number `ordinal`; a value that fails conversion or a check
    /// changes nothing.
    pub fn set<T: SettingType>(
        &self,
        ordinal: usize,
        value: impl IntoSetting<T>,
    ) -> Result<(), SettingError> {
        self.set_converted(ordinal, value.into_setting())
    }

    /// Assigns the declared setting number `ordinal` the result of a conversion: an error
    /// changes nothing and is returned naming the setting.
    pub fn set_converted<T: SettingType>(
        &self,
        ordinal: usize,
        converted: Result<T, ValueError>,
    ) -> Result<(), SettingError> {
        let mut state = self.core.state.write();
        let slot = state.layout.nodes[self.node as usize].settings[ordinal] as usize;
        let value = converted.map_err(|error| SettingError::Invalid {
            path: state.layout.slots[slot].path.clone(),
            error,
        })?;
        assign(&mut state, slot, Arc::new(value))
    }

    /// The change of the declared setting number `ordinal` since the last save, typed: `None`
    /// if it did not change, or if `T` is not its type.
    pub fn modified<T: SettingType>(&self, ordinal: usize) -> Option<Change<T>> {
        let state = self.core.state.read();
        let slot = state.layout.nodes[self.node as usize].settings[ordinal] as usize;
        let path = &state.layout.slots[slot].path;
        let change = modified_of(&state).remove(path)?;
        Some(Change::new(
            change.old::<T>()?.clone(),
            change.new_value::<T>()?.clone(),
            change.is_secret(),
        ))
    }

    /// Resets the declared setting number `ordinal` to its default (spec: `DefaultValue`):
    /// its explicit value is removed from storage at the next save.
    pub fn reset(&self, ordinal: usize) {
        let mut state = self.core.state.write();
        let slot = state.layout.nodes[self.node as usize].settings[ordinal] as usize;
        reset(&mut state, slot);
    }

    /// The view of the declared sub-group number `ordinal`.
    pub fn group(&self, ordinal: usize) -> GroupRef<'a> {
        let state = self.core.state.read();
        GroupRef {
            core: self.core,
            node: state.layout.nodes[self.node as usize].groups[ordinal],
        }
    }

    /// The view of extension `E` on this group, registering `E` with the object's manager if
    /// needed.
    ///
    /// # Panics
    /// If `E` clashes with an extension already registered with the manager, or the group is
    /// not `E`'s target.
    pub fn ext<E: Extension>(&self) -> GroupRef<'a> {
        let ext = TypeId::of::<E>();
        if let Some(view) = self.extension_view(ext) {
            return view;
        }
        let name = E::schema().type_name;
        let Some(manager) = self.core.manager().upgrade() else {
            panic!("cannot use extension {name}: the object's configuration manager was dropped");
        };
        let manager = ConfigurationManager { inner: manager };
        if let Err(error) = manager.register_extension_info(ExtensionInfo::of::<E>()) {
            panic!("cannot use extension {name}: {error}");
        }
        if let Some(view) = self.extension_view(ext) {
            return view;
        }
        // Created while the extension was being registered: catch up.
        let failures = self.core.refresh_layout(&manager);
        post_load_failures(&manager, self.core, failures);
        match self.extension_view(ext) {
            Some(view) => view,
            None => panic!("extension {name} does not extend this group"),
        }
    }

    fn extension_view(&self, ext: TypeId) -> Option<GroupRef<'a>> {
        let state = self.core.state.read();
        let node = self.node_of_group(&state)?;
        state.layout.extension_view(node, ext).map(|view| GroupRef {
            core: self.core,
            node: view,
        })
    }

    /// The group node this view belongs to (itself, or the group an extension view is attached to).
    fn node_of_group(&self, state: &ObjectState) -> Option<u32> {
        let node = &state.layout.nodes[self.node as usize];
        if node.extension.is_none() {
            return Some(self.node);
        }
        state
            .layout
            .nodes
            .iter()
            .position(|n| {
                n.extension.is_none() && n.extensions.iter().any(|(_, v)| *v == self.node)
            })
            .map(|n| n as u32)
    }
}
