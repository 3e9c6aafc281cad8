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
//!
//! The module is split by concern: this file holds the traits the derive macros implement, the
//! handles ([`Object`], [`RawObject`]) and an object's life (load, save, delete, id changes);
//! `state` the slot state and its rules, `group_ref` the typed views used by generated
//! accessors, `paths` the dotted-path access and metadata for tools, `registry` the live
//! objects of a manager.

mod check;
mod group_ref;
mod id;
mod paths;
mod registry;
mod state;
mod sync;

pub use check::StoredObject;
pub use group_ref::GroupRef;
pub use id::ObjectId;
pub use paths::{GroupInfo, SettingInfo, TextValue};
pub(crate) use registry::ObjectRegistry;
pub(crate) use sync::{
    apply_external, post_all, reject_creations, report_failed_batch, settle_written,
    ExternalChanges,
};

use std::any::TypeId;
use std::fmt;
use std::marker::PhantomData;
use std::ops::Deref;
use std::sync::{Arc, Weak};

use parking_lot::RwLock;

use crate::extension::Extension;
use crate::layout::Layout;
use crate::manager::{Change, ManagerInner, ObjectKey};
use crate::modified::{Modified, SECRET_MASK};
use crate::notification::{NotificationKind, Operation, Origin, Sender};
use crate::schema::GroupSchema;
use crate::setting_type::SharedValue;
use crate::{ConfigurationError, ConfigurationManager};

use registry::{invalid_stored_ids, object_ids, obtain, obtain_many, obtain_or_create};
use state::{modified_of, patch_of};
use sync::{Awaited, SaveChanges, SavedState};

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
    /// The declaration's values in their stored form, by stored name (for `Serialize`, with
    /// the `serde` feature, where the derives implement it).
    #[doc(hidden)]
    fn __sipcfg_to_data(&self) -> crate::Data {
        crate::Data::new()
    }
    /// `Debug` of the declaration's values, secrets masked (the derives implement it).
    #[doc(hidden)]
    fn __sipcfg_debug(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(Self::schema().type_name)
    }
    /// Builds the declaration from a document at `path` (for `Deserialize`, with the `serde`
    /// feature, where the derives implement it).
    #[doc(hidden)]
    fn __sipcfg_from_data(data: &crate::Data, path: &str) -> Result<Self, String>
    where
        Self: Sized,
    {
        let _ = data;
        Err(format!(
            "{path}: built without the `serde` feature of sipcfg"
        ))
    }
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
    /// The type of the object's id (`id_type = ...` in `#[settings(...)]`; `String` unless
    /// given). Ids are checked with it when objects are obtained and renamed.
    type Id: ObjectId;
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
    /// The stored form of an id written as text, or why it is not an id (see [`ObjectId`]).
    pub(crate) normal_id: fn(&str) -> Result<String, crate::ValueError>,
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
            normal_id: id::normal_id::<T::Id>,
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
    /// `delete` was called and its write has not succeeded yet (a later save retries it).
    Deleting,
    Deleted,
}

/// The state of one slot that is not a plain default (see [`Slots`](state::Slots)): its value,
/// and the rest of its state only when that is not the common one.
///
/// A million accounts hold some ten slot states each, nearly all of them in one state: the
/// value was loaded (or saved) and not changed since, so it is explicit, stored exactly as it is
/// (the same `Arc`), with nothing kept or moved. That state is `rest: None`, and a slot state is
/// 24 bytes (48 when it held the stored value as a second `Arc` and the flags inline). Any other
/// state (assigned and not saved yet, reset, an unconvertible stored value kept, a moved
/// setting) boxes the rest ([`SlotRest`]): a few slots of the objects being edited.
///
/// The fields are private to these methods, which keep the invariant: `rest` is `None` exactly
/// when the state is the common one (see [`compact`](Self::compact)), so the stored value is
/// never lost when the value changes.
#[derive(Clone)]
struct SlotState {
    value: SharedValue,
    /// `None`: explicit, stored as `value` (the same `Arc`), nothing kept, nothing moved.
    rest: Option<Box<SlotRest>>,
}

/// The state of a slot beside its value, when it is not the common one (see [`SlotState`]).
#[derive(Clone)]
struct SlotRest {
    explicit: bool,
    /// The explicit value as last stored (`None`: the default, nothing stored).
    stored: Option<SharedValue>,
    /// The stored value could not be converted: storage keeps it until the setting is assigned.
    keeps_raw: bool,
    /// A kept stored value was given up by a reset: the next save removes it.
    drops_raw: bool,
    /// The value was loaded from where the setting used to be (`was`): until it is stored at its
    /// place, saves remove it from there.
    moved_from: Option<Vec<&'static str>>,
}

// Held for every stored setting of every loaded object: keep it at three words.
const _: () = assert!(std::mem::size_of::<SlotState>() <= 24);

impl SlotState {
    /// A plain default: the value `default`, nothing explicit, nothing stored.
    fn default_of(default: SharedValue) -> Self {
        SlotState {
            value: default,
            rest: Some(Box::new(SlotRest {
                explicit: false,
                stored: None,
                keeps_raw: false,
                drops_raw: false,
                moved_from: None,
            })),
        }
    }

    /// An explicit value as it is stored (just loaded, or saved): the common state.
    fn stored_as(value: SharedValue) -> Self {
        SlotState { value, rest: None }
    }

    /// The value in force: the explicit value, or the default.
    fn value(&self) -> &SharedValue {
        &self.value
    }

    fn explicit(&self) -> bool {
        self.rest.as_ref().is_none_or(|rest| rest.explicit)
    }

    /// The explicit value as last stored (`None`: the default, nothing stored).
    fn stored(&self) -> Option<&SharedValue> {
        match &self.rest {
            None => Some(&self.value),
            Some(rest) => rest.stored.as_ref(),
        }
    }

    fn keeps_raw(&self) -> bool {
        self.rest.as_ref().is_some_and(|rest| rest.keeps_raw)
    }

    fn drops_raw(&self) -> bool {
        self.rest.as_ref().is_some_and(|rest| rest.drops_raw)
    }

    /// Where the value was loaded from, if the setting moved and is not stored at its place yet.
    fn moved_from(&self) -> Option<&[&'static str]> {
        self.rest.as_ref()?.moved_from.as_deref()
    }

    /// The rest of the state, boxed if it was the common one (which stores `value`).
    fn rest_mut(&mut self) -> &mut SlotRest {
        let value = &self.value;
        self.rest.get_or_insert_with(|| {
            Box::new(SlotRest {
                explicit: true,
                stored: Some(value.clone()),
                keeps_raw: false,
                drops_raw: false,
                moved_from: None,
            })
        })
    }

    /// Changes the state with `change`, which sees the value and the rest as plain fields;
    /// the state is made compact again after.
    fn update(&mut self, change: impl FnOnce(&mut SharedValue, &mut SlotRest)) {
        self.rest_mut();
        if let Some(rest) = self.rest.as_deref_mut() {
            change(&mut self.value, rest);
        }
        self.compact();
    }

    /// Drops the box when the state is the common one again (a save stored the value).
    /// The stored value must be the same `Arc` as the value, not an equal one: an equal value
    /// may still differ in what can be seen of it (a `Modified`'s old value).
    fn compact(&mut self) {
        let common = self.rest.as_ref().is_some_and(|rest| {
            rest.explicit
                && !rest.keeps_raw
                && !rest.drops_raw
                && rest.moved_from.is_none()
                && rest
                    .stored
                    .as_ref()
                    .is_some_and(|stored| Arc::ptr_eq(stored, &self.value))
        });
        if common {
            self.rest = None;
        }
    }

    /// Nothing explicit, nothing stored, no kept raw value: what a slot is by default, which
    /// [`Slots`](state::Slots) does not hold.
    fn is_plain_default(&self) -> bool {
        self.rest.as_ref().is_some_and(|rest| {
            !rest.explicit
                && rest.stored.is_none()
                && !rest.keeps_raw
                && !rest.drops_raw
                && rest.moved_from.is_none()
        })
    }

    fn is_dirty(&self) -> bool {
        let Some(rest) = &self.rest else {
            // Stored as it is.
            return false;
        };
        match (rest.explicit, &rest.stored) {
            (false, None) => rest.drops_raw,
            (true, Some(stored)) => !self.value.eq_dyn(&**stored),
            _ => true,
        }
    }
}

struct ObjectState {
    layout: Arc<Layout>,
    slots: state::Slots,
    /// The id, one allocation shared with `stored_id` (while they are the same) and with the
    /// registry's key for the object: a million ids held once each, not three times.
    id: Arc<str>,
    /// The id the object is stored under (differs from `id` while a rename is not saved).
    stored_id: Arc<str>,
    lifecycle: Lifecycle,
    /// A new object whose creating save is queued in the manager (written or not): its later
    /// saves are not creations again (`Change::Update::after_creation`).
    creation_queued: bool,
    /// Group paths that hold a non-group value in storage: kept until something under them is set.
    /// Nearly always empty, so boxed: one pointer (8 bytes) where a vector takes 24. Read and
    /// written through [`blocked`](Self::blocked) and [`set_blocked`](Self::set_blocked).
    #[allow(clippy::box_collection)]
    blocked: Option<Box<Vec<Vec<&'static str>>>>,
}

impl ObjectState {
    /// Group paths that hold a non-group value in storage.
    fn blocked(&self) -> &[Vec<&'static str>] {
        self.blocked.as_deref().map_or(&[], Vec::as_slice)
    }

    fn set_blocked(&mut self, blocked: Vec<Vec<&'static str>>) {
        self.blocked = (!blocked.is_empty()).then(|| Box::new(blocked));
    }
}

/// The shared state of one settings object.
pub struct ObjectCore {
    /// Shared by every object of the type in its manager (one pointer, not the 80-byte
    /// description and the manager's pointer in each).
    kind: Arc<ObjectKind>,
    state: RwLock<ObjectState>,
}

/// What every object of one type in one manager has in common.
struct ObjectKind {
    info: ObjectInfo,
    /// The manager holds its objects strongly: no cycle.
    manager: Weak<ManagerInner>,
}

// Held once for every loaded object (a million accounts): 104 bytes, with the `Arc`'s
// counts 120 (176 before the ids were shared, the slices boxed and the manager's pointer moved
// into `ObjectKind`).
const _: () = assert!(std::mem::size_of::<ObjectCore>() <= 104);

impl ObjectCore {
    fn info(&self) -> &ObjectInfo {
        &self.kind.info
    }

    fn manager(&self) -> &Weak<ManagerInner> {
        &self.kind.manager
    }
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
        for (slot, info) in state.layout.slots.iter().enumerate() {
            let shown = if info.schema.secret {
                SECRET_MASK.to_owned()
            } else {
                state.value(slot).display()
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

    /// The per-id objects `ids`, in their order, each as [`get_or_create`](Self::get_or_create)
    /// would give it, obtained in one pass: what an application that loads all its objects at
    /// start-up calls with the [`ids`](Self::ids) it listed. With sorted ids (as listed) the
    /// stored entries are found by one walk through the type's group, and stored values of a
    /// setting that are the same text share one typed value, so a million objects load in time
    /// proportional to their number.
    ///
    /// Every id is checked first: if one is not an id of `T`, or is the stored id of an object
    /// renamed but not yet saved, the call fails and obtains nothing.
    pub fn get_or_create_many<S: AsRef<str>>(
        manager: &ConfigurationManager,
        ids: &[S],
    ) -> Result<Vec<Self>, ConfigurationError> {
        let info = ObjectInfo::of::<T>();
        Ok(obtain_many(manager, info, ids)?
            .into_iter()
            .map(Object::from_raw)
            .collect())
    }

    /// The ids of the stored and live objects of type `T` (per-id objects), sorted by their
    /// text. A stored entry whose name is not an id of `T` (see [`ObjectId`]) is not listed:
    /// it is reported once per manager with `ManagerLoadFailed` (path `__id__`, its name as
    /// `raw`), listed by
    /// [`invalid_ids`](Self::invalid_ids) and kept in storage untouched.
    pub fn ids(manager: &ConfigurationManager) -> Result<Vec<T::Id>, ConfigurationError> {
        object_ids(manager, &ObjectInfo::of::<T>())?
            .iter()
            .map(|text| {
                T::Id::parse_id(text)
                    .map_err(|error| id::invalid_id(ObjectInfo::of::<T>().type_name, text, &error))
            })
            .collect()
    }

    /// The ids that [`ids`](Self::ids) lists, as the names they are stored under (shared with
    /// the document: no text is copied), without converting each to `T::Id`: for listing many
    /// objects to obtain them with [`get_or_create_many`](Self::get_or_create_many). Invalid
    /// stored names are reported and left out as by `ids`.
    pub fn id_texts(
        manager: &ConfigurationManager,
    ) -> Result<Vec<crate::Name>, ConfigurationError> {
        object_ids(manager, &ObjectInfo::of::<T>())
    }

    /// The stored entries of `T`'s group whose names are not ids of `T`, with the reason,
    /// sorted by name. They are never loaded and are kept in storage as they are.
    pub fn invalid_ids(
        manager: &ConfigurationManager,
    ) -> Result<Vec<(String, crate::ValueError)>, ConfigurationError> {
        invalid_stored_ids(manager, &ObjectInfo::of::<T>())
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

    /// The object's id, typed (`String` unless the declaration gives an `id_type`).
    ///
    /// # Panics
    /// If `T::Id`'s [`ObjectId`] impl cannot read back its own `id_text` (every id was checked
    /// with it when the object was obtained or renamed).
    pub fn id(&self) -> T::Id {
        let text = self.raw().id();
        match T::Id::parse_id(&text) {
            Ok(id) => id,
            Err(error) => panic!(
                "{}: the ObjectId impl refuses its own id_text {text:?}: {error}",
                self.raw().type_name()
            ),
        }
    }

    /// The object's id as it is stored.
    pub fn id_text(&self) -> String {
        self.raw().id()
    }

    /// Changes the id of a per-id object (stored under the new name at the next save). The id
    /// is checked (and normalised) with the object's id type.
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
        self.core.info().type_name
    }

    /// The object's id.
    pub fn id(&self) -> String {
        self.core.state.read().id.to_string()
    }

    /// Whether the object is per-id (can be deleted and renamed).
    pub fn is_per_id(&self) -> bool {
        self.core.info().per_id()
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
            .manager()
            .upgrade()
            .map(|inner| ConfigurationManager { inner })
            .ok_or(ConfigurationError::ManagerDropped)
    }

    fn sender(&self, id: String) -> Sender {
        Sender {
            type_name: self.core.info().type_name,
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
        let info = *self.core.info();
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
        let normal =
            (info.normal_id)(id).map_err(|error| id::invalid_id(info.type_name, id, &error))?;
        let id = normal.as_str();
        let manager = self.manager()?;
        let mut registry = manager.inner.objects.inner.lock();
        let (current, stored_id, lifecycle) = {
            let state = self.core.state.read();
            (
                state.id.to_string(),
                state.stored_id.clone(),
                state.lifecycle,
            )
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
        let taken_stored = id != &*stored_id && manager.get(info.group, id).is_ok();
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
        // Back to the stored id, the object shares its text again.
        let id: Arc<str> = if id == &*stored_id {
            stored_id.clone()
        } else {
            Arc::from(id)
        };
        registry
            .live
            .insert(info.type_id, id.clone(), self.core.clone());
        let stored_key = (info.type_id, stored_id.to_string());
        let mut state = self.core.state.write();
        let mut withdrawn = None;
        if lifecycle == Lifecycle::New {
            // Nothing is stored under the old id: there is nothing to rename or reserve. The
            // next save creates the object under its new id. A creation already queued under
            // the old id (a first save that failed, or not written yet) is taken back, so that
            // the old id is not written too.
            if state.creation_queued {
                withdrawn = Some(ObjectKey::new(info.group, stored_id.to_string()));
            }
            state.stored_id = id.clone();
            state.creation_queued = false;
        } else if id == stored_id {
            registry.renamed.remove(&stored_key);
        } else {
            registry.renamed.insert(stored_key, self.core.clone());
        }
        state.id = id;
        drop(state);
        drop(registry);
        if let Some(key) = withdrawn {
            manager.inner.objects.withdraw(&self.core);
            manager.push_changes(vec![Change::Withdraw { key }])?;
        }
        Ok(())
    }

    /// Stores the changed settings (spec: `save`).
    ///
    /// Does nothing if nothing changed (but the first save of a new object always writes) or if
    /// the object was deleted. The changes go into the manager's document and are written with
    /// [`ConfigurationManager::save`]'s merge, so what other programs stored meanwhile is kept.
    /// Once they are stored, posts `SettingsObjectDidChange` with the changes, or on a first
    /// save `SettingsObjectWasActivated` then `SettingsObjectWasCreated`.
    ///
    /// Durability: when this returns `Ok` (outside a [`batch`](ConfigurationManager::batch)),
    /// the changes have reached the backend's storage (for the file backend, flushed to disk).
    /// Saves from several threads at once are stored by as few writes as possible: a save that
    /// arrives while another is writing waits for it and is stored by the next write.
    ///
    /// If the write fails, posts `ManagerSaveFailed` (with the original error) and returns a
    /// copy of the error; the object stays changed (`get_modified` still shows its changes, a
    /// new object is not reported created) and the next save of the object, or of anything in
    /// the manager, writes them.
    pub fn save(&self) -> Result<(), ConfigurationError> {
        let manager = self.manager()?;
        let info = *self.core.info();
        let mut state = self.core.state.write();
        if matches!(state.lifecycle, Lifecycle::Deleted | Lifecycle::Deleting) {
            return Ok(());
        }
        let changes = SaveChanges::of(&state);
        let was_new = state.lifecycle == Lifecycle::New;
        if changes.is_empty() && !was_new {
            return Ok(());
        }
        let only_runtime = !was_new && changes.only_runtime();
        let batching = manager.is_batching();
        // A failed write outside a batch reports what the save changed; otherwise the
        // changes only go with the queued save (and become a `Modified` only if reported).
        let report = (!batching && !was_new && !only_runtime).then(|| changes.modified());
        let mut saved = SavedState::of(&state, was_new, changes);
        if only_runtime {
            // Runtime settings are never stored: they are saved as soon as they are taken.
            saved.settle(&mut state);
            drop(state);
            let sender = self.sender(saved.id.to_string());
            post_all(&manager, saved.posts(sender));
            return Ok(());
        }
        let mut changes = Vec::with_capacity(2);
        if state.id != state.stored_id && !was_new {
            changes.push(Change::Rename {
                from: ObjectKey::new(info.group, state.stored_id.to_string()),
                to: state.id.to_string(),
            });
        }
        // Only the first save of a new object creates it; a later one while that creation is
        // not stored yet (or failed) changes the object the creation makes.
        let creates = info.per_id() && was_new && !state.creation_queued;
        let after_creation = info.per_id() && was_new && state.creation_queued;
        changes.push(Change::Update {
            key: ObjectKey::new(info.group, state.id.to_string()),
            patch: patch_of(&state),
            persistent: info.per_id(),
            must_exist: info.per_id() && (!was_new || after_creation),
            creates,
            after_creation,
        });
        let seq = manager.push_changes(changes)?;
        if creates {
            state.creation_queued = true;
        }
        drop(state);
        let registry = &manager.inner.objects;
        if batching {
            // In a batch, observers hear of the save when it is queued, so that what they save
            // in turn joins the batch's write. What an earlier queued save of the object
            // announced is not announced again. With nobody observing, nothing is built.
            let observed = manager.inner.notifications.has_observers();
            let sender = observed.then(|| self.sender(saved.id.to_string()));
            let earlier = if observed {
                registry.announced_save(&self.core)
            } else {
                None
            };
            let announce = saved.announce(sender, earlier.as_ref());
            registry.await_write(seq, &self.core, Awaited::Save(saved));
            post_all(&manager, announce);
            return Ok(());
        }
        let sender = self.sender(saved.id.to_string());
        registry.await_write(seq, &self.core, Awaited::Save(saved));
        manager
            .save_through(seq)
            .map_err(|error| report_failure(&manager, sender, report, Operation::Save, error))?;
        if was_new && self.core.state.read().lifecycle == Lifecycle::Deleted {
            // Another writer stored an object with this id first (see `reject_creations`).
            return Err(ConfigurationError::DuplicateId {
                type_name: info.type_name,
                id: self.id(),
            });
        }
        Ok(())
    }

    /// Forgets a per-id object that was never stored: it leaves the manager's live objects and
    /// nothing of it is written (later saves do nothing). This also withdraws a first save that
    /// failed: its entry leaves the manager's document. A stored object is removed with
    /// [`delete`](Self::delete) instead.
    pub fn discard(&self) -> Result<(), ConfigurationError> {
        let manager = self.manager()?;
        let info = *self.core.info();
        let mut state = self.core.state.write();
        if state.lifecycle != Lifecycle::New {
            return Err(ConfigurationError::InvalidKey(format!(
                "{} {:?} is stored or deleted: only a never-saved object can be discarded",
                info.type_name, state.id
            )));
        }
        state.lifecycle = Lifecycle::Deleted;
        let id = state.id.to_string();
        drop(state);
        if manager.inner.objects.withdraw(&self.core) {
            // A failed first save put the object into the document: take it out again (but
            // not another writer's object stored under the same id meanwhile).
            manager.push_changes(vec![Change::Withdraw {
                key: ObjectKey::new(info.group, id.clone()),
            }])?;
        }
        manager.inner.objects.forget(&self.core, &id);
        Ok(())
    }

    /// Deletes a per-id object from storage (spec: `delete`); later saves do nothing.
    ///
    /// Once the deletion is stored, posts `SettingsObjectWasDeleted`. If the write fails, posts
    /// `ManagerSaveFailed` and returns a copy of the error; the deletion stays pending: calling
    /// `delete` again, or any later save of the manager, stores it.
    pub fn delete(&self) -> Result<(), ConfigurationError> {
        let info = *self.core.info();
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
        state.lifecycle = Lifecycle::Deleting;
        let seq = manager.push_changes(vec![Change::Delete {
            key: ObjectKey::new(info.group, state.stored_id.to_string()),
        }])?;
        let sender = self.sender(state.id.to_string());
        drop(state);
        let batching = manager.is_batching();
        manager.inner.objects.await_write(
            seq,
            &self.core,
            Awaited::Delete {
                announced: batching,
            },
        );
        if batching {
            post_all(
                &manager,
                vec![(
                    Origin::Local,
                    sender,
                    NotificationKind::SettingsObjectWasDeleted,
                )],
            );
            return Ok(());
        }
        manager
            .save_through(seq)
            .map_err(|error| report_failure(&manager, sender, None, Operation::Delete, error))
    }
}

/// Posts `ManagerSaveFailed` with the original error, and returns a copy of it for the caller.
fn report_failure(
    manager: &ConfigurationManager,
    sender: Sender,
    modified: Option<Modified>,
    operation: Operation,
    error: ConfigurationError,
) -> ConfigurationError {
    let copy = error.duplicate();
    manager.inner.notifications.post_from(
        Origin::Local,
        sender,
        NotificationKind::ManagerSaveFailed {
            modified,
            error: Arc::new(error),
            operation,
        },
    );
    copy
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(value: &str) -> SharedValue {
        Arc::new(value.to_owned())
    }

    fn shown(value: Option<&SharedValue>) -> Option<String> {
        value.map(|value| value.display())
    }

    #[test]
    fn a_loaded_slot_is_compact_clean_and_stored_as_it_is() {
        let slot = SlotState::stored_as(text("a"));
        assert!(slot.rest.is_none());
        assert!(slot.explicit());
        assert!(!slot.is_dirty());
        assert!(!slot.is_plain_default());
        assert!(slot
            .stored()
            .is_some_and(|stored| Arc::ptr_eq(stored, slot.value())));
    }

    #[test]
    fn a_reassigned_slot_keeps_its_stored_value_and_is_dirty_until_assigned_back() {
        let loaded = text("a");
        let mut slot = SlotState::stored_as(loaded.clone());
        slot.update(|value, _| *value = text("b"));
        assert!(slot.is_dirty());
        assert!(slot.explicit());
        assert_eq!(shown(slot.stored()), Some("a".to_owned()));
        assert_eq!(slot.value().display(), "b");
        // An equal value in another allocation is clean, but stays boxed (see `compact`).
        slot.update(|value, _| *value = text("a"));
        assert!(!slot.is_dirty());
        assert!(slot.rest.is_some());
        // The stored value itself: the common state again.
        slot.update(|value, _| *value = loaded.clone());
        assert!(!slot.is_dirty());
        assert!(slot.rest.is_none());
    }

    #[test]
    fn a_reset_slot_keeps_its_stored_value_until_a_save_stores_the_default() {
        let mut slot = SlotState::stored_as(text("a"));
        slot.update(|value, rest| {
            *value = text("default");
            rest.explicit = false;
        });
        assert!(!slot.explicit());
        assert!(slot.is_dirty());
        assert!(!slot.is_plain_default());
        assert_eq!(shown(slot.stored()), Some("a".to_owned()));
        // What a save that removes the stored value settles.
        slot.update(|_, rest| rest.stored = None);
        assert!(!slot.is_dirty());
        assert!(slot.is_plain_default());
        assert_eq!(shown(slot.stored()), None);
    }

    #[test]
    fn a_saved_assignment_returns_to_the_common_state() {
        let mut slot = SlotState::default_of(text("default"));
        assert!(slot.is_plain_default());
        let assigned = text("b");
        slot.update(|value, rest| {
            *value = assigned.clone();
            rest.explicit = true;
        });
        assert!(slot.is_dirty());
        assert_eq!(shown(slot.stored()), None);
        // What a save that stored `assigned` settles.
        slot.update(|_, rest| rest.stored = Some(assigned.clone()));
        assert!(slot.rest.is_none());
        assert!(!slot.is_dirty());
        assert!(slot.explicit());
    }

    #[test]
    fn kept_raw_and_moved_states_are_never_compacted() {
        let value = text("a");
        let mut slot = SlotState::stored_as(value.clone());
        slot.update(|_, rest| rest.keeps_raw = true);
        assert!(slot.keeps_raw() && slot.rest.is_some());
        let mut moved = SlotState::stored_as(value);
        moved.update(|_, rest| {
            rest.stored = None;
            rest.moved_from = Some(vec!["old", "place"]);
        });
        assert_eq!(moved.moved_from(), Some(&["old", "place"][..]));
        assert!(moved.is_dirty());
    }
}
