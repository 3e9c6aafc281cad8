//! Settings objects (spec sections "SettingsObject", "Setting", "SettingsGroup"): their values,
//! stored values and dirty state, loading, saving, deleting and diffs.
//!
//! An object is an [`ObjectCore`] shared by every handle: a lock around the values of its slots
//! (one slot per setting, see [`layout`](crate::layout)). Each slot keeps
//! - its effective value (the explicit value, or the default in force),
//! - whether the value is explicit (a reset removes the explicit value, so a later change of the
//!   default applies),
//! - the explicit value as last stored (`None`: the default), which makes it dirty when the two
//!   differ,
//! - whether an unconvertible stored value is being kept untouched in storage.

use std::any::TypeId;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::marker::PhantomData;
use std::ops::Deref;
use std::sync::{Arc, Weak};

use parking_lot::{Mutex, RwLock};

use crate::extension::{Extension, ExtensionInfo};
use crate::layout::{Entry, Layout};
use crate::manager::{ManagerInner, ObjectKey};
use crate::modified::{Modified, ModifiedValue, SECRET_MASK};
use crate::notification::{NotificationKind, Operation, Sender};
use crate::schema::GroupSchema;
use crate::setting_type::{DynValue, IntoSetting, SettingType, SharedValue, TypeInfo};
use crate::{
    ConfigurationError, ConfigurationManager, Data, ObjectNotFoundError, Patch, SettingError,
    Value, ValueError,
};

/// What every settings declaration has (objects, groups and extensions): its static metadata,
/// and a plain copy of its current values. Implemented by the derive macros.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a settings group",
    label = "a `#[group]` field must have a type with `#[derive(SettingsGroup)]`",
    note = "add `#[derive(SettingsGroup)]` to `{Self}`, or declare the field as a setting"
)]
pub trait SettingsDeclaration: 'static {
    /// The declared settings and sub-groups.
    fn schema() -> &'static GroupSchema;
    /// A plain copy of the current values of the declaration at `group`.
    fn snapshot(group: GroupRef<'_>) -> Self
    where
        Self: Sized;
    /// Reads every field (the declaration's fields are otherwise only written by `snapshot`,
    /// which would make the compiler call them unused).
    #[doc(hidden)]
    fn __sipcfg_read_fields(&self) {}
}

/// A group of settings: a struct with `#[derive(SettingsGroup)]`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a settings group",
    label = "a `#[group]` field must have a type with `#[derive(SettingsGroup)]`",
    note = "add `#[derive(SettingsGroup)]` to `{Self}`, or declare the field as a setting"
)]
pub trait SettingsGroup: SettingsDeclaration {
    /// The typed accessors of the group.
    type Ref<'a>: From<GroupRef<'a>>;
}

/// A settings object: a struct with `#[derive(SettingsObject)]`.
pub trait SettingsObject: SettingsDeclaration {
    /// The group the object is stored in (`None`: top level).
    const GROUP: Option<&'static str>;
    /// The static id of a global object; `None` for per-id objects (accounts).
    const ID: Option<&'static str>;
    /// The typed accessors of the object's settings, reached through [`Object`]'s `Deref`.
    type Handle: From<RawObject> + AsRef<RawObject> + Clone;
}

/// What an object is, without its type parameter.
#[derive(Clone, Copy)]
pub(crate) struct ObjectInfo {
    pub(crate) type_name: &'static str,
    pub(crate) type_id: TypeId,
    pub(crate) group: Option<&'static str>,
    pub(crate) static_id: Option<&'static str>,
    pub(crate) schema: &'static GroupSchema,
}

impl ObjectInfo {
    fn of<T: SettingsObject>() -> Self {
        let schema = T::schema();
        ObjectInfo {
            type_name: schema.type_name,
            type_id: TypeId::of::<T>(),
            group: T::GROUP,
            static_id: T::ID,
            schema,
        }
    }

    fn per_id(&self) -> bool {
        self.static_id.is_none()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lifecycle {
    /// Never stored: the first save writes and reports creation.
    New,
    Active,
    Deleted,
}

#[derive(Clone)]
struct SlotState {
    value: SharedValue,
    explicit: bool,
    stored: Option<SharedValue>,
    /// The stored value could not be converted: storage keeps it until the setting is assigned.
    keeps_raw: bool,
    /// A kept stored value was given up by a reset: the next save removes it.
    drops_raw: bool,
}

impl SlotState {
    fn default_of(default: SharedValue) -> Self {
        SlotState {
            value: default,
            explicit: false,
            stored: None,
            keeps_raw: false,
            drops_raw: false,
        }
    }

    fn is_dirty(&self) -> bool {
        match (self.explicit, &self.stored) {
            (false, None) => self.drops_raw,
            (true, Some(stored)) => !self.value.eq_dyn(&**stored),
            _ => true,
        }
    }
}

struct ObjectState {
    layout: Arc<Layout>,
    slots: Vec<SlotState>,
    id: String,
    stored_id: String,
    lifecycle: Lifecycle,
    /// Group paths that hold a non-group value in storage: kept until something under them is set.
    blocked: Vec<Vec<&'static str>>,
}

/// The shared state of one settings object.
pub struct ObjectCore {
    info: ObjectInfo,
    manager: Weak<ManagerInner>,
    state: RwLock<ObjectState>,
}

/// A handle to a settings object without its Rust type: the generic operations that tools use
/// (dotted-path access, metadata, save, delete). [`Object<T>`] wraps one.
#[derive(Clone)]
pub struct RawObject {
    core: Arc<ObjectCore>,
}

/// A typed handle to a settings object. Clones share the object.
///
/// The object's settings are read and assigned through the accessors that the derive macro
/// generates, reached through `Deref`:
///
/// ```
/// use sipcfg::backend::MemoryBackend;
/// use sipcfg::{ConfigurationManager, SettingsGroup, SettingsObject};
///
/// #[derive(SettingsGroup)]
/// struct TLSSettings {
///     /// Check the server's certificate.
///     #[setting(default = false)]
///     verify_server: bool,
/// }
///
/// #[derive(SettingsObject)]
/// #[settings(group = "Global", id = "SIPSimple")]
/// struct SIPSimpleSettings {
///     /// The User-Agent header.
///     #[setting(default = "sipsimple 0.1")]
///     user_agent: String,
///     #[group]
///     tls: TLSSettings,
/// }
///
/// let manager = ConfigurationManager::new();
/// manager.start(MemoryBackend::new())?;
/// let settings = SIPSimpleSettings::get(&manager)?;
/// assert_eq!(settings.user_agent(), "sipsimple 0.1");
/// settings.tls().set_verify_server(true)?;
/// settings.save()?;
/// # Ok::<(), sipcfg::ConfigurationError>(())
/// ```
pub struct Object<T: SettingsObject> {
    handle: T::Handle,
    _type: PhantomData<fn() -> T>,
}

impl<T: SettingsObject> Clone for Object<T> {
    fn clone(&self) -> Self {
        Object {
            handle: self.handle.clone(),
            _type: PhantomData,
        }
    }
}

impl<T: SettingsObject> Deref for Object<T> {
    type Target = T::Handle;
    fn deref(&self) -> &T::Handle {
        &self.handle
    }
}

impl<T: SettingsObject> fmt::Debug for Object<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.raw(), f)
    }
}

impl fmt::Debug for RawObject {
    /// Every setting with its display value; secrets are masked.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.core.state.read();
        let mut map = f.debug_map();
        map.entry(&"__id__", &state.id);
        for (slot, info) in state.slots.iter().zip(&state.layout.slots) {
            let shown = if info.schema.secret {
                SECRET_MASK.to_owned()
            } else {
                slot.value.display()
            };
            map.entry(&info.path, &shown);
        }
        map.finish()
    }
}

impl<T: SettingsObject> Object<T> {
    /// The global object `T` of `manager`, loaded (and reported activated) at first use.
    pub fn global(manager: &ConfigurationManager) -> Result<Self, ConfigurationError> {
        let info = ObjectInfo::of::<T>();
        let Some(id) = info.static_id else {
            return Err(ConfigurationError::InvalidKey(format!(
                "{} has no static id: obtain it with Object::get_or_create(manager, id)",
                info.type_name
            )));
        };
        obtain_or_create(manager, info, id).map(Object::from_raw)
    }

    /// The per-id object `id`: the live one, else the stored one (loaded), else a new one
    /// (written at its first save).
    pub fn get_or_create(
        manager: &ConfigurationManager,
        id: &str,
    ) -> Result<Self, ConfigurationError> {
        let info = ObjectInfo::of::<T>();
        obtain_or_create(manager, info, id).map(Object::from_raw)
    }

    /// The live or stored object `id`; `None` if neither exists.
    pub fn get_existing(
        manager: &ConfigurationManager,
        id: &str,
    ) -> Result<Option<Self>, ConfigurationError> {
        let info = ObjectInfo::of::<T>();
        Ok(obtain(manager, info, id, false)?.map(Object::from_raw))
    }

    /// The ids of the stored and live objects of type `T` (per-id objects), sorted.
    pub fn ids(manager: &ConfigurationManager) -> Result<Vec<String>, ConfigurationError> {
        object_ids(manager, &ObjectInfo::of::<T>())
    }

    fn from_raw(raw: RawObject) -> Self {
        Object {
            handle: T::Handle::from(raw),
            _type: PhantomData,
        }
    }

    /// The type-erased handle, for generic code and tools.
    pub fn raw(&self) -> &RawObject {
        self.handle.as_ref()
    }

    /// The object's id.
    pub fn id(&self) -> String {
        self.raw().id()
    }

    /// Changes the id of a per-id object (stored under the new name at the next save).
    pub fn set_id(&self, id: &str) -> Result<(), ConfigurationError> {
        self.raw().set_id(id)
    }

    /// Stores the changed settings and asks the manager to save (spec: `save`).
    pub fn save(&self) -> Result<(), ConfigurationError> {
        self.raw().save()
    }

    /// Deletes a per-id object from storage (spec: `delete`).
    pub fn delete(&self) -> Result<(), ConfigurationError> {
        self.raw().delete()
    }

    /// Forgets a per-id object that was never saved, without touching storage.
    pub fn discard(&self) -> Result<(), ConfigurationError> {
        self.raw().discard()
    }

    /// The settings changed since the last save, by dotted path.
    pub fn get_modified(&self) -> Modified {
        self.raw().get_modified()
    }

    /// A plain copy of every current value, as the declared struct.
    pub fn snapshot(&self) -> T {
        T::snapshot(self.raw().root())
    }

    /// The accessors of extension `E` of this object, registering `E` with the manager if needed.
    ///
    /// # Panics
    /// If `E` cannot be registered because it clashes with another extension registered with
    /// the same manager; register extensions up front with
    /// [`ConfigurationManager::register_extension`] to get that as an error instead.
    pub fn ext<E: Extension<Target = T>>(&self) -> E::Ref<'_> {
        E::Ref::from(self.raw().root().ext::<E>())
    }
}

/// A borrowed view of one group of an object (or of an extension's settings in it), used by the
/// generated accessors.
#[derive(Clone, Copy)]
pub struct GroupRef<'a> {
    core: &'a ObjectCore,
    node: u32,
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
        match state.slots[slot].value.as_any().downcast_ref::<T>() {
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
        state.slots[slot].explicit
    }

    /// Assigns the declared setting number `ordinal`; a value that fails conversion or a check
    /// changes nothing.
    pub fn set<T: SettingType>(
        &self,
        ordinal: usize,
        value: impl IntoSetting<T>,
    ) -> Result<(), SettingError> {
        let converted = value.into_setting();
        let mut state = self.core.state.write();
        let slot = state.layout.nodes[self.node as usize].settings[ordinal] as usize;
        let value = converted.map_err(|error| SettingError::Invalid {
            path: state.layout.slots[slot].path.clone(),
            error,
        })?;
        assign(&mut state, slot, Arc::new(value))
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
        let Some(manager) = self.core.manager.upgrade() else {
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

/// Checks `value` for `slot` against the current value of the slot's correlated sibling.
fn check_correlation(
    state: &ObjectState,
    slot: usize,
    value: &dyn DynValue,
) -> Result<(), SettingError> {
    let info = &state.layout.slots[slot];
    let Some(correlation) = info.schema.correlation else {
        return Ok(());
    };
    let parent = &info.store_path[..info.store_path.len() - 1];
    let sibling_path: Vec<&str> = parent
        .iter()
        .copied()
        .chain(std::iter::once(correlation.sibling))
        .collect();
    match state.layout.lookup(&sibling_path.join(".")) {
        Some(Entry::Setting(sibling)) => {
            let sibling_value = &state.slots[sibling as usize].value;
            (correlation.check)(value, &**sibling_value).map_err(|error| SettingError::Invalid {
                path: info.path.clone(),
                error,
            })
        }
        _ => Ok(()),
    }
}

/// Checks and stores an explicit value.
fn assign(state: &mut ObjectState, slot: usize, value: SharedValue) -> Result<(), SettingError> {
    check_correlation(state, slot, &*value)?;
    store(state, slot, value);
    Ok(())
}

/// Stores an explicit value (checks are the caller's).
fn store(state: &mut ObjectState, slot: usize, value: SharedValue) {
    let current = &mut state.slots[slot];
    if current.explicit && current.value.eq_dyn(&*value) {
        return;
    }
    current.value = value;
    current.explicit = true;
    if current.keeps_raw {
        // The kept stored value is replaced at the next save, or removed if reset before.
        current.keeps_raw = false;
        current.drops_raw = true;
    }
    let path = &state.layout.slots[slot].store_path;
    state.blocked.retain(|blocked| !path.starts_with(blocked));
}

fn reset(state: &mut ObjectState, slot: usize) {
    let default = state.layout.slots[slot].default.clone();
    let current = &mut state.slots[slot];
    current.value = default;
    current.explicit = false;
    if current.keeps_raw {
        current.keeps_raw = false;
        current.drops_raw = true;
    }
}

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
    /// The view of the object's own settings.
    pub fn root(&self) -> GroupRef<'_> {
        GroupRef {
            core: &self.core,
            node: 0,
        }
    }

    /// The Rust type name of the object.
    pub fn type_name(&self) -> &'static str {
        self.core.info.type_name
    }

    /// The object's id.
    pub fn id(&self) -> String {
        self.core.state.read().id.clone()
    }

    /// Whether the object is per-id (can be deleted and renamed).
    pub fn is_per_id(&self) -> bool {
        self.core.info.per_id()
    }

    /// Whether the object was deleted.
    pub fn is_deleted(&self) -> bool {
        self.core.state.read().lifecycle == Lifecycle::Deleted
    }

    /// Whether the object was never stored.
    pub fn is_new(&self) -> bool {
        self.core.state.read().lifecycle == Lifecycle::New
    }

    fn manager(&self) -> Result<ConfigurationManager, ConfigurationError> {
        self.core
            .manager
            .upgrade()
            .map(|inner| ConfigurationManager { inner })
            .ok_or(ConfigurationError::ManagerDropped)
    }

    fn sender(&self, id: String) -> Sender {
        Sender {
            type_name: self.core.info.type_name,
            id,
        }
    }

    /// The settings changed since the last save, by dotted path (`__id__` for a changed id).
    pub fn get_modified(&self) -> Modified {
        modified_of(&self.core.state.read())
    }

    /// Changes the id of a per-id object. The stored entry is renamed at the next save, where
    /// the change is reported under `__id__`. Two objects of one type never hold the same id.
    pub fn set_id(&self, id: &str) -> Result<(), ConfigurationError> {
        let info = self.core.info;
        if !info.per_id() {
            return Err(ConfigurationError::InvalidKey(format!(
                "{} is a global object: its id cannot change",
                info.type_name
            )));
        }
        if id.is_empty() {
            return Err(ConfigurationError::InvalidKey(
                "an id must not be empty".into(),
            ));
        }
        let manager = self.manager()?;
        let mut registry = manager.inner.objects.inner.lock();
        let (current, stored_id, lifecycle) = {
            let state = self.core.state.read();
            (state.id.clone(), state.stored_id.clone(), state.lifecycle)
        };
        if lifecycle == Lifecycle::Deleted {
            return Err(ConfigurationError::InvalidKey(format!(
                "{} {current:?} was deleted: its id cannot change",
                info.type_name
            )));
        }
        if current == id {
            return Ok(());
        }
        let key = (info.type_id, id.to_owned());
        let other =
            |core: Option<&Arc<ObjectCore>>| core.is_some_and(|c| !Arc::ptr_eq(c, &self.core));
        let taken_live = other(registry.live.get(&key)) || other(registry.renamed.get(&key));
        let taken_stored = id != stored_id && manager.get(info.group, id).is_ok();
        if taken_live || taken_stored {
            return Err(ConfigurationError::DuplicateId {
                type_name: info.type_name,
                id: id.to_owned(),
            });
        }
        let current_key = (info.type_id, current);
        if registry
            .live
            .get(&current_key)
            .is_some_and(|c| Arc::ptr_eq(c, &self.core))
        {
            registry.live.remove(&current_key);
        }
        registry.live.insert(key, self.core.clone());
        let stored_key = (info.type_id, stored_id.clone());
        let mut state = self.core.state.write();
        if lifecycle == Lifecycle::New {
            // Nothing is stored under the old id: there is nothing to rename or reserve.
            state.stored_id = id.to_owned();
        } else if id == stored_id {
            registry.renamed.remove(&stored_key);
        } else {
            registry.renamed.insert(stored_key, self.core.clone());
        }
        state.id = id.to_owned();
        Ok(())
    }

    /// Stores the changed settings in the manager and asks it to save (spec: `save`).
    ///
    /// Does nothing if nothing changed (but the first save of a new object always writes) or if
    /// the object was deleted. Posts `SettingsObjectDidChange` with the changes, or on a first
    /// save `SettingsObjectWasActivated` then `SettingsObjectWasCreated`; if the backend fails,
    /// also `ManagerSaveFailed`, and returns the error.
    pub fn save(&self) -> Result<(), ConfigurationError> {
        let manager = self.manager()?;
        let info = self.core.info;
        let mut state = self.core.state.write();
        if state.lifecycle == Lifecycle::Deleted {
            return Ok(());
        }
        let modified = modified_of(&state);
        let was_new = state.lifecycle == Lifecycle::New;
        if modified.is_empty() && !was_new {
            return Ok(());
        }
        let only_runtime = !was_new
            && modified.keys().all(|path| {
                state
                    .layout
                    .slots
                    .iter()
                    .any(|slot| &slot.path == path && slot.schema.runtime)
            });
        if !only_runtime {
            let key = ObjectKey::new(info.group, state.id.clone());
            if state.id != state.stored_id && !was_new {
                match manager.rename(info.group, &state.stored_id, &state.id) {
                    Ok(()) | Err(ConfigurationError::ObjectNotFound(_)) => {}
                    Err(error) => return Err(error),
                }
            }
            let patch = patch_of(&state);
            manager.update_object(&key, &patch, info.per_id())?;
        }
        for slot in &mut state.slots {
            slot.stored = slot.explicit.then(|| slot.value.clone());
            slot.drops_raw = false;
        }
        let renamed = state.stored_id != state.id;
        state.stored_id = state.id.clone();
        state.lifecycle = Lifecycle::Active;
        let sender = self.sender(state.id.clone());
        drop(state);
        if renamed {
            manager.inner.objects.settle_rename(&self.core);
        }

        let center = &manager.inner.notifications;
        if was_new {
            center.post_kind(sender.clone(), NotificationKind::SettingsObjectWasActivated);
            center.post_kind(sender.clone(), NotificationKind::SettingsObjectWasCreated);
        } else {
            center.post_kind(
                sender.clone(),
                NotificationKind::SettingsObjectDidChange {
                    modified: modified.clone(),
                },
            );
        }
        if only_runtime {
            return Ok(());
        }
        manager.save().inspect_err(|error| {
            center.post_kind(
                sender,
                NotificationKind::ManagerSaveFailed {
                    modified: (!was_new).then_some(modified),
                    error: Arc::new(clone_error(error)),
                    operation: Operation::Save,
                },
            );
        })
    }

    /// Forgets a per-id object that was never saved: it leaves the manager's live objects, and
    /// neither the document nor the backend is touched (later saves do nothing). A stored
    /// object is removed with [`delete`](Self::delete) instead.
    pub fn discard(&self) -> Result<(), ConfigurationError> {
        let manager = self.manager()?;
        let info = self.core.info;
        let mut state = self.core.state.write();
        if state.lifecycle != Lifecycle::New {
            return Err(ConfigurationError::InvalidKey(format!(
                "{} {:?} is stored or deleted: only a never-saved object can be discarded",
                info.type_name, state.id
            )));
        }
        state.lifecycle = Lifecycle::Deleted;
        let key = (info.type_id, state.id.clone());
        drop(state);
        let mut registry = manager.inner.objects.inner.lock();
        if registry
            .live
            .get(&key)
            .is_some_and(|c| Arc::ptr_eq(c, &self.core))
        {
            registry.live.remove(&key);
        }
        Ok(())
    }

    /// Deletes a per-id object from storage (spec: `delete`); later saves do nothing. Posts
    /// `SettingsObjectWasDeleted`, and `ManagerSaveFailed` if the backend fails.
    pub fn delete(&self) -> Result<(), ConfigurationError> {
        let info = self.core.info;
        if !info.per_id() {
            return Err(ConfigurationError::CannotDelete {
                type_name: info.type_name,
            });
        }
        let manager = self.manager()?;
        let mut state = self.core.state.write();
        if state.lifecycle == Lifecycle::Deleted {
            return Ok(());
        }
        state.lifecycle = Lifecycle::Deleted;
        manager.delete(info.group, &state.stored_id)?;
        let id = state.id.clone();
        drop(state);
        {
            let mut registry = manager.inner.objects.inner.lock();
            let key = (info.type_id, id.clone());
            if registry
                .live
                .get(&key)
                .is_some_and(|c| Arc::ptr_eq(c, &self.core))
            {
                registry.live.remove(&key);
            }
            registry.renamed.retain(|_, c| !Arc::ptr_eq(c, &self.core));
        }
        let center = &manager.inner.notifications;
        let sender = self.sender(id);
        center.post_kind(sender.clone(), NotificationKind::SettingsObjectWasDeleted);
        manager.save().inspect_err(|error| {
            center.post_kind(
                sender,
                NotificationKind::ManagerSaveFailed {
                    modified: None,
                    error: Arc::new(clone_error(error)),
                    operation: Operation::Delete,
                },
            );
        })
    }

    fn slot_of(&self, state: &ObjectState, path: &str) -> Result<usize, SettingError> {
        match state.layout.lookup(path) {
            Some(Entry::Setting(slot)) => Ok(slot as usize),
            Some(Entry::Group(_)) => Err(SettingError::IsGroup {
                path: path.to_owned(),
            }),
            None => Err(SettingError::Unknown {
                object: self.core.info.type_name,
                path: path.to_owned(),
            }),
        }
    }

    /// The value of the setting at a dotted path.
    pub fn get_path(&self, path: &str) -> Result<SharedValue, SettingError> {
        let state = self.core.state.read();
        let slot = self.slot_of(&state, path)?;
        Ok(state.slots[slot].value.clone())
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
        for (slot, _) in &planned {
            let value = state.slots[*slot].value.clone();
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

impl ObjectCore {
    /// Moves to the manager's current layout if it has grown (an extension was registered):
    /// keeps every slot's state, loads the new slots from storage, and applies changed defaults.
    fn refresh_layout(&self, manager: &ConfigurationManager) -> Vec<LoadFailure> {
        let mut state = self.state.write();
        let layout = manager.inner.extensions.layout(self.info.schema);
        if layout.slots.len() <= state.slots.len() && layout.nodes.len() <= state.layout.nodes.len()
        {
            return Vec::new();
        }
        let stored = match manager.get(self.info.group, &state.stored_id) {
            Ok(Value::Group(data)) => Some(data),
            _ => None,
        };
        let (old_slots, old_nodes) = (state.slots.len(), state.layout.nodes.len());
        let mut failures = Vec::new();
        let mut fresh = load_slots(&layout, stored.as_ref(), &mut failures, old_slots);
        let mut blocked = std::mem::take(&mut state.blocked);
        block_non_groups(
            &layout,
            old_nodes,
            stored.as_ref(),
            &mut blocked,
            &mut failures,
        );
        state.blocked = blocked;
        for (index, slot) in state.slots.iter_mut().enumerate() {
            if !slot.explicit {
                slot.value = layout.slots[index].default.clone();
            }
        }
        state.slots.append(&mut fresh);
        state.layout = layout;
        failures
    }
}

fn describe_node(state: &ObjectState, node: u32, name: &'static str, path: String) -> GroupInfo {
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

fn setting_info(state: &ObjectState, slot: usize) -> SettingInfo {
    let info = &state.layout.slots[slot];
    let value = &state.slots[slot];
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
        value: value.value.clone(),
        explicit: value.explicit,
        extension: info.extension,
    }
}

fn modified_of(state: &ObjectState) -> Modified {
    let mut modified = BTreeMap::new();
    for (slot, info) in state.slots.iter().zip(&state.layout.slots) {
        if slot.is_dirty() {
            let old = slot.stored.clone().unwrap_or_else(|| info.default.clone());
            modified.insert(
                info.path.clone(),
                ModifiedValue::new(old, slot.value.clone(), info.schema.secret),
            );
        }
    }
    if state.id != state.stored_id && state.lifecycle != Lifecycle::New {
        modified.insert(
            "__id__".to_owned(),
            ModifiedValue::new(
                Arc::new(state.stored_id.clone()),
                Arc::new(state.id.clone()),
                false,
            ),
        );
    }
    modified
}

/// The partial data that stores the object's state: explicit values set, defaults removed,
/// unconvertible stored values left alone.
fn patch_of(state: &ObjectState) -> Patch {
    let mut patch = Patch::new();
    for (slot, info) in state.slots.iter().zip(&state.layout.slots) {
        if info.schema.runtime || slot.keeps_raw {
            continue;
        }
        let (parents, name) = match info.store_path.split_last() {
            Some((name, parents)) => (parents, *name),
            None => continue,
        };
        if !slot.explicit
            && state
                .blocked
                .iter()
                .any(|blocked| info.store_path.starts_with(blocked))
        {
            continue;
        }
        let mut group = &mut patch;
        for parent in parents {
            group = group.group_mut(parent);
        }
        if slot.explicit {
            group.set(name, slot.value.to_stored());
        } else {
            group.reset(name);
        }
    }
    patch
}

/// A stored value that failed to convert.
struct LoadFailure {
    path: String,
    raw: Value,
    error: ValueError,
}

/// Loads the slots from `first` on from the object's stored entry.
fn load_slots(
    layout: &Layout,
    stored: Option<&Data>,
    failures: &mut Vec<LoadFailure>,
    first: usize,
) -> Vec<SlotState> {
    let mut slots = Vec::with_capacity(layout.slots.len().saturating_sub(first));
    for info in &layout.slots[first..] {
        let mut slot = SlotState::default_of(info.default.clone());
        if let (false, Some(stored)) = (info.schema.runtime, stored) {
            if let Some(raw) = stored.get_path(&info.store_path) {
                match (info.schema.ops.from_stored)(raw) {
                    Ok(value) => {
                        slot.value = value.clone();
                        slot.explicit = true;
                        slot.stored = Some(value);
                    }
                    Err(error) => {
                        slot.keeps_raw = true;
                        failures.push(LoadFailure {
                            path: info.path.clone(),
                            raw: raw.clone(),
                            error,
                        });
                    }
                }
            }
        }
        slots.push(slot);
    }
    slots
}

/// Group paths of `layout` that hold something other than a group in `stored`.
/// Group paths of `layout` (from node `first` on) that hold something other than a group in
/// `stored`, added to `blocked` and reported in `failures`.
fn block_non_groups(
    layout: &Layout,
    first: usize,
    stored: Option<&Data>,
    blocked: &mut Vec<Vec<&'static str>>,
    failures: &mut Vec<LoadFailure>,
) {
    let Some(stored) = stored else {
        return;
    };
    for node in layout.nodes[first..]
        .iter()
        .filter(|n| n.extension.is_none() && !n.path.is_empty())
    {
        if let Some(raw) = stored.get_path(&node.path) {
            if !matches!(raw, Value::Group(_))
                && !blocked.iter().any(|b: &Vec<&str>| node.path.starts_with(b))
            {
                failures.push(LoadFailure {
                    path: node.path.join("."),
                    raw: raw.clone(),
                    error: ValueError::new(format!(
                        "expected a group of settings, found {}",
                        raw.kind()
                    )),
                });
                blocked.push(node.path.clone());
            }
        }
    }
}

fn clone_error(error: &ConfigurationError) -> ConfigurationError {
    // `ConfigurationError` holds `io::Error`s, which are not `Clone`: keep the message.
    match error {
        ConfigurationError::NotStarted => ConfigurationError::NotStarted,
        other => ConfigurationError::Backend(crate::BackendError::Other(other.to_string().into())),
    }
}

/// The live objects of one manager: one per type and id.
#[derive(Default)]
pub(crate) struct ObjectRegistry {
    inner: Mutex<Registry>,
}

#[derive(Default)]
struct Registry {
    /// Type and current id to the live object.
    live: HashMap<(TypeId, String), Arc<ObjectCore>>,
    /// Type and stored id of objects whose new id is not saved yet: the stored id is still
    /// theirs, so no other object may take it.
    renamed: HashMap<(TypeId, String), Arc<ObjectCore>>,
}

impl ObjectRegistry {
    /// Forgets that `core` holds a stored id other than its current one.
    fn settle_rename(&self, core: &Arc<ObjectCore>) {
        self.inner
            .lock()
            .renamed
            .retain(|_, other| !Arc::ptr_eq(other, core));
    }
}

/// The live, stored or new object `id`.
fn obtain_or_create(
    manager: &ConfigurationManager,
    info: ObjectInfo,
    id: &str,
) -> Result<RawObject, ConfigurationError> {
    obtain(manager, info, id, true)?.ok_or_else(|| {
        ObjectNotFoundError {
            key: ObjectKey::new(info.group, id).path(),
        }
        .into()
    })
}

/// The live or stored object `id`, or with `create` a new one.
fn obtain(
    manager: &ConfigurationManager,
    info: ObjectInfo,
    id: &str,
    create: bool,
) -> Result<Option<RawObject>, ConfigurationError> {
    if !manager.is_started() {
        return Err(ConfigurationError::NotStarted);
    }
    if id.is_empty() {
        return Err(ConfigurationError::InvalidKey(
            "an id must not be empty".into(),
        ));
    }
    if let Some(static_id) = info.static_id {
        if id != static_id {
            return Err(ConfigurationError::InvalidKey(format!(
                "{} is a global object: its id is {static_id:?}, not {id:?}",
                info.type_name
            )));
        }
    }
    let mut registry = manager.inner.objects.inner.lock();
    let key = (info.type_id, id.to_owned());
    if let Some(core) = registry.live.get(&key) {
        return Ok(Some(RawObject { core: core.clone() }));
    }
    if registry.renamed.contains_key(&key) {
        return Err(ConfigurationError::DuplicateId {
            type_name: info.type_name,
            id: id.to_owned(),
        });
    }
    let mut failures = Vec::new();
    let mut blocked = Vec::new();
    let stored = match manager.get(info.group, id) {
        Ok(Value::Group(data)) => Some(data),
        Ok(other) => {
            // The whole entry is not a group: keep it until something is assigned.
            failures.push(LoadFailure {
                path: String::new(),
                error: ValueError::new(format!(
                    "expected a group of settings for the whole object, found {}",
                    other.kind()
                )),
                raw: other,
            });
            blocked.push(Vec::new());
            Some(Data::new())
        }
        Err(ConfigurationError::ObjectNotFound(_)) => None,
        Err(error) => return Err(error),
    };
    if stored.is_none() && !create {
        return Ok(None);
    }
    let layout = manager.inner.extensions.layout(info.schema);
    let slots = load_slots(&layout, stored.as_ref(), &mut failures, 0);
    block_non_groups(&layout, 0, stored.as_ref(), &mut blocked, &mut failures);
    let loaded = stored.is_some();
    let lifecycle = if loaded || !info.per_id() {
        Lifecycle::Active
    } else {
        Lifecycle::New
    };
    let core = Arc::new(ObjectCore {
        info,
        manager: Arc::downgrade(&manager.inner),
        state: RwLock::new(ObjectState {
            layout,
            slots,
            id: id.to_owned(),
            stored_id: id.to_owned(),
            lifecycle,
            blocked,
        }),
    });
    registry.live.insert(key, core.clone());
    drop(registry);

    let raw = RawObject { core };
    let center = &manager.inner.notifications;
    post_load_failures(manager, &raw.core, failures);
    if loaded || !info.per_id() {
        center.post_kind(
            raw.sender(id.to_owned()),
            NotificationKind::SettingsObjectWasActivated,
        );
    }
    Ok(Some(raw))
}

fn post_load_failures(
    manager: &ConfigurationManager,
    core: &ObjectCore,
    failures: Vec<LoadFailure>,
) {
    for failure in failures {
        let sender = Sender {
            type_name: core.info.type_name,
            id: core.state.read().id.clone(),
        };
        manager.inner.notifications.post_kind(
            sender,
            NotificationKind::ManagerLoadFailed {
                path: failure.path,
                raw: failure.raw,
                error: failure.error,
            },
        );
    }
}

fn object_ids(
    manager: &ConfigurationManager,
    info: &ObjectInfo,
) -> Result<Vec<String>, ConfigurationError> {
    let ids: Vec<String> = match info.group {
        Some(group) => manager.get_names(Some(group))?,
        None => Vec::new(),
    };
    let registry = manager.inner.objects.inner.lock();
    let mut ids: BTreeSet<String> = ids.into_iter().collect();
    for ((type_id, stored_id), _) in registry.renamed.iter() {
        if *type_id == info.type_id {
            ids.remove(stored_id);
        }
    }
    for ((type_id, id), core) in registry.live.iter() {
        // Stored objects are listed from storage; new ones only once saved.
        if *type_id == info.type_id && core.state.read().lifecycle == Lifecycle::Active {
            ids.insert(id.clone());
        }
    }
    Ok(ids.into_iter().collect())
}

impl ConfigurationManager {
    /// Registers extension `E` with this manager (spec: `register_extension`). Objects of the
    /// target already loaded get the extension's values from storage.
    ///
    /// Fails if `E` adds a name that another registered extension of the same target adds, or
    /// overrides a default it may not.
    pub fn register_extension<E: Extension>(&self) -> Result<(), ConfigurationError> {
        self.register_extension_info(ExtensionInfo::of::<E>())
    }

    /// Registers an extension described at run time.
    pub fn register_extension_info(
        &self,
        extension: ExtensionInfo,
    ) -> Result<(), ConfigurationError> {
        // One registration at a time, upgrades of live objects included: a second caller
        // returns only once the extension is usable everywhere.
        let _serial = self.inner.extensions.registration.lock();
        if !self.inner.extensions.register(extension)? {
            return Ok(());
        }
        // Give live objects that contain the target the new settings.
        let target = (extension.target_type_id)();
        let live: Vec<Arc<ObjectCore>> = self
            .inner
            .objects
            .inner
            .lock()
            .live
            .values()
            .cloned()
            .collect();
        for core in live {
            let raw = RawObject { core };
            let affected = raw.core.state.read().layout.contains_group_type(target);
            if affected {
                let failures = raw.core.refresh_layout(self);
                post_load_failures(self, &raw.core, failures);
            }
        }
        Ok(())
    }

    /// The registered extensions, in registration order.
    pub fn extensions(&self) -> Vec<ExtensionInfo> {
        self.inner.extensions.registered()
    }

    /// Whether extension `E` is registered with this manager.
    pub fn has_extension<E: Extension>(&self) -> bool {
        self.inner.extensions.is_registered(TypeId::of::<E>())
    }
}
