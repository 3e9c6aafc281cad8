//! The live objects of a manager (one per type and id), obtaining objects (loading them or
//! creating new ones), listing ids, and registering extensions, which upgrades live objects.

use std::any::TypeId;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;

use parking_lot::{Mutex, RwLock};

use super::state::{block_non_groups, load_slots, LoadFailure, LoadNote, SharedValues, Slots};
use super::sync::{post_all, Post, Waiting};
use super::{Lifecycle, ObjectCore, ObjectInfo, ObjectKind, ObjectState, RawObject};
use crate::extension::{Extension, ExtensionInfo};
use crate::layout::Layout;
use crate::manager::ObjectKey;
use crate::notification::{NotificationKind, Origin, Sender};
use crate::{
    ConfigurationError, ConfigurationManager, Name, ObjectNotFoundError, Value, ValueError,
};

/// A fast hash for the registry's maps and the values shared while loading: their keys are
/// type ids and object ids, which come from the program and its own configuration file, not
/// from a peer, so SipHash's protection against chosen collisions is not needed, and at start-up
/// (a million accounts) its cost was 9% of the time. Multiplies each 8-byte word in (as
/// `rustc`'s FxHash does).
#[derive(Clone, Copy, Default)]
pub(super) struct FastHash;

impl BuildHasher for FastHash {
    type Hasher = FastHasher;
    fn build_hasher(&self) -> FastHasher {
        FastHasher(0)
    }
}

/// The hasher of [`FastHash`].
pub(super) struct FastHasher(u64);

impl FastHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }
    fn write_u8(&mut self, value: u8) {
        self.add(u64::from(value));
    }
    fn write_u32(&mut self, value: u32) {
        self.add(u64::from(value));
    }
    fn write_u64(&mut self, value: u64) {
        self.add(value);
    }
    fn write_usize(&mut self, value: usize) {
        self.add(value as u64);
    }
    fn finish(&self) -> u64 {
        // The table takes its bucket from the low bits and a tag from the top seven: fold
        // the well-mixed high half into the low one.
        self.0 ^ (self.0 >> 32)
    }
}

/// The live objects by type, then by id: one map per type, keyed by the id alone (a million
/// accounts cost a key of 16 bytes each and a pointer, not a `(TypeId, String)` of 40), which
/// also lets a type's objects be visited without the others'. The key is the object's own id
/// (`ObjectState::id`, an `Arc<str>`): its text is not copied for the registry.
#[derive(Default)]
pub(super) struct LiveObjects {
    by_type: HashMap<TypeId, HashMap<Arc<str>, Arc<ObjectCore>, FastHash>, FastHash>,
}

impl LiveObjects {
    /// The live object of type `type_id` and id `id`.
    pub(super) fn find(&self, type_id: TypeId, id: &str) -> Option<&Arc<ObjectCore>> {
        self.by_type.get(&type_id)?.get(id)
    }

    /// The live object of `key` (type and id).
    pub(super) fn get(&self, key: &(TypeId, String)) -> Option<&Arc<ObjectCore>> {
        self.find(key.0, &key.1)
    }

    /// Whether an object of `key` is live.
    pub(super) fn contains_key(&self, key: &(TypeId, String)) -> bool {
        self.get(key).is_some()
    }

    /// Makes `core` the live object of type `type_id` and id `id` (the object's own id, whose
    /// text the key shares), returning the one it replaces.
    pub(super) fn insert(
        &mut self,
        type_id: TypeId,
        id: Arc<str>,
        core: Arc<ObjectCore>,
    ) -> Option<Arc<ObjectCore>> {
        let objects = self.by_type.entry(type_id).or_default();
        // `insert` keeps an old key of the same text: remove it, so the key is `id`'s text.
        let replaced = objects.remove(&*id);
        objects.insert(id, core);
        replaced
    }

    /// Forgets the live object of `key`.
    pub(super) fn remove(&mut self, key: &(TypeId, String)) -> Option<Arc<ObjectCore>> {
        let objects = self.by_type.get_mut(&key.0)?;
        objects.remove(key.1.as_str())
    }

    /// Room for `total` objects of type `type_id` in all, the live ones included.
    pub(super) fn reserve_for(&mut self, type_id: TypeId, total: usize) {
        let objects = self.by_type.entry(type_id).or_default();
        // `reserve` counts from the current length: asking for `total` more whenever the ids
        // are listed again would double the map each time, with every object already there.
        objects.reserve(total.saturating_sub(objects.len()));
    }

    /// Every live object with its type and id.
    pub(super) fn iter(&self) -> impl Iterator<Item = ((TypeId, &Arc<str>), &Arc<ObjectCore>)> {
        self.by_type.iter().flat_map(|(type_id, objects)| {
            objects.iter().map(move |(id, core)| ((*type_id, id), core))
        })
    }

    /// The live objects of type `type_id`, with their ids.
    pub(super) fn of_type(
        &self,
        type_id: TypeId,
    ) -> impl Iterator<Item = (&Arc<str>, &Arc<ObjectCore>)> {
        self.by_type.get(&type_id).into_iter().flatten()
    }

    /// Every live object.
    pub(super) fn values(&self) -> impl Iterator<Item = &Arc<ObjectCore>> {
        self.by_type.values().flat_map(HashMap::values)
    }
}

/// The live objects of one manager: one per type and id.
#[derive(Default)]
pub(crate) struct ObjectRegistry {
    pub(super) inner: Mutex<Registry>,
    /// Saves and deletions waiting for the write that stores them (see `sync`). Never locked
    /// while another lock of the configuration is taken.
    pub(super) awaiting: Mutex<Waiting>,
}

#[derive(Default)]
pub(super) struct Registry {
    /// Type and current id to the live object.
    pub(super) live: LiveObjects,
    /// Type and stored id of objects whose new id is not saved yet: the stored id is still
    /// theirs, so no other object may take it.
    pub(super) renamed: HashMap<(TypeId, String), Arc<ObjectCore>>,
    /// Every object type obtained from this manager, to report objects of that type that other
    /// writers create or delete.
    pub(super) known: HashMap<TypeId, ObjectInfo>,
    /// Stored names that are not ids of their type, already reported (once per manager).
    pub(super) reported_ids: HashSet<(TypeId, String)>,
    /// One shared copy of each obtained type's description, which its objects point to.
    pub(super) kinds: HashMap<TypeId, Arc<ObjectKind>>,
}

impl Registry {
    /// Records `info` as known, and returns what the objects of the type in `manager` share.
    fn kind(&mut self, info: ObjectInfo, manager: &ConfigurationManager) -> Arc<ObjectKind> {
        self.known.entry(info.type_id).or_insert(info);
        self.kinds
            .entry(info.type_id)
            .or_insert_with(|| {
                Arc::new(ObjectKind {
                    info,
                    manager: Arc::downgrade(&manager.inner),
                })
            })
            .clone()
    }
}

impl ObjectRegistry {
    /// Forgets that `core` holds a stored id other than its current one.
    pub(super) fn settle_rename(&self, core: &Arc<ObjectCore>) {
        self.inner
            .lock()
            .renamed
            .retain(|_, other| !Arc::ptr_eq(other, core));
    }

    /// Forgets a deleted object (live under `id`).
    pub(super) fn forget(&self, core: &Arc<ObjectCore>, id: &str) {
        let mut registry = self.inner.lock();
        let key = (core.info().type_id, id.to_owned());
        if registry
            .live
            .get(&key)
            .is_some_and(|c| Arc::ptr_eq(c, core))
        {
            registry.live.remove(&key);
        }
        registry.renamed.retain(|_, c| !Arc::ptr_eq(c, core));
    }
}

/// The live, stored or new object `id`.
pub(super) fn obtain_or_create(
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

/// The stored form of `id` for objects of `info`, or why it is not one of their ids.
pub(super) fn normal_id(info: &ObjectInfo, id: &str) -> Result<String, ConfigurationError> {
    if id.is_empty() {
        return Err(ConfigurationError::InvalidKey(
            "an id must not be empty".into(),
        ));
    }
    let normal = match info.static_id {
        Some(_) => id.to_owned(),
        None => (info.normal_id)(id)
            .map_err(|error| super::id::invalid_id(info.type_name, id, &error))?,
    };
    if let Some(static_id) = info.static_id {
        if normal != static_id {
            return Err(ConfigurationError::InvalidKey(format!(
                "{} is a global object: its id is {static_id:?}, not {normal:?}",
                info.type_name
            )));
        }
    }
    Ok(normal)
}

/// An object just built from storage (or new), with what its load reports.
struct Built {
    core: Arc<ObjectCore>,
    notes: Vec<LoadNote>,
    /// Whether it was stored (else it is new).
    loaded: bool,
}

/// What loading reads from an object's stored entry (`None`: nothing stored): its slots, what
/// to report, and the group paths that hold something other than a group. Loading an object
/// (`build`) and checking one without loading it (`check.rs`) both read entries through this,
/// so they report the same things in the same order.
pub(super) fn read_entry<'d>(
    layout: &Layout,
    entry: Option<&'d Value>,
    shared: Option<&mut SharedValues<'d>>,
) -> (Slots, Vec<LoadNote>, Vec<Vec<&'static str>>) {
    let mut notes = Vec::new();
    let mut blocked = Vec::new();
    let stored = match entry {
        Some(Value::Group(stored)) => Some(stored),
        Some(other) => {
            // The whole entry is not a group: keep it until something is assigned. The object
            // loads as stored with nothing in it.
            notes.push(
                LoadFailure {
                    path: String::new(),
                    error: ValueError::new(format!(
                        "expected a group of settings for the whole object, found {}",
                        other.kind()
                    )),
                    raw: other.clone(),
                }
                .into(),
            );
            blocked.push(Vec::new());
            None
        }
        None => None,
    };
    let mut non_groups = false;
    let slots = load_slots(layout, stored, &mut notes, 0, shared, &mut non_groups);
    if non_groups {
        block_non_groups(layout, 0, stored, &mut blocked, &mut notes);
    }
    (slots, notes, blocked)
}

/// Builds the object `id` of `info` from its stored entry `entry` (`None`: nothing stored, a
/// new object). With `shared`, typed values converted for other objects of the same load are
/// reused.
fn build<'d>(
    kind: &Arc<ObjectKind>,
    layout: &Arc<Layout>,
    id: Arc<str>,
    entry: Option<&'d Value>,
    shared: Option<&mut SharedValues<'d>>,
) -> Built {
    let (slots, notes, blocked) = read_entry(layout, entry, shared);
    let loaded = entry.is_some();
    let lifecycle = if loaded || !kind.info.per_id() {
        Lifecycle::Active
    } else {
        Lifecycle::New
    };
    let core = Arc::new(ObjectCore {
        kind: kind.clone(),
        state: RwLock::new(ObjectState {
            layout: layout.clone(),
            slots,
            stored_id: id.clone(),
            id,
            lifecycle,
            creation_queued: false,
            blocked: (!blocked.is_empty()).then(|| Box::new(blocked)),
        }),
    });
    Built {
        core,
        notes,
        loaded,
    }
}

/// Reports what loading `built` found, then that it is active (a stored or global object).
fn announce(manager: &ConfigurationManager, built: Built) -> RawObject {
    let raw = RawObject { core: built.core };
    post_load_failures(manager, &raw.core, built.notes);
    if built.loaded || !raw.core.info().per_id() {
        let id = raw.core.state.read().id.to_string();
        manager
            .inner
            .notifications
            .post_kind(raw.sender(id), NotificationKind::SettingsObjectWasActivated);
    }
    raw
}

/// The live or stored object `id`, or with `create` a new one.
pub(super) fn obtain(
    manager: &ConfigurationManager,
    info: ObjectInfo,
    id: &str,
    create: bool,
) -> Result<Option<RawObject>, ConfigurationError> {
    if !manager.is_started() {
        return Err(ConfigurationError::NotStarted);
    }
    let id = normal_id(&info, id)?;
    let mut registry = manager.inner.objects.inner.lock();
    let kind = registry.kind(info, manager);
    let key = (info.type_id, id);
    if let Some(core) = registry.live.get(&key) {
        return Ok(Some(RawObject { core: core.clone() }));
    }
    if registry.renamed.contains_key(&key) {
        return Err(ConfigurationError::DuplicateId {
            type_name: info.type_name,
            id: key.1,
        });
    }
    let layout = manager.inner.extensions.layout(info.schema);
    // The stored entry is read where it lies in the document, not cloned (at start-up every
    // object is loaded once: a copy of each would double the work of loading).
    let built = manager.with_data(|data| {
        let entry = match info.group {
            Some(group) => data.group(group).and_then(|group| group.get(&key.1)),
            None => data.get(&key.1),
        };
        if entry.is_none() && !create {
            return None;
        }
        Some(build(
            &kind,
            &layout,
            Arc::from(key.1.as_str()),
            entry,
            None,
        ))
    })?;
    let Some(built) = built else {
        return Ok(None);
    };
    let id = built.core.state.read().id.clone();
    registry.live.insert(info.type_id, id, built.core.clone());
    drop(registry);
    Ok(Some(announce(manager, built)))
}

/// The live, stored or new object of each of `ids` (as [`obtain_or_create`] for each), in
/// the order of `ids`, obtained in one pass: the registry is locked once and sized for every
/// id, the stored entries are found by walking the type's group in order (when `ids` are
/// sorted, as listed ids are) instead of a binary search over a large group for each, and
/// equal stored values share one typed value ([`SharedValues`]).
///
/// Every id is checked before any object is built: an invalid or reserved id fails the whole
/// call and obtains nothing.
pub(super) fn obtain_many<S: AsRef<str>>(
    manager: &ConfigurationManager,
    info: ObjectInfo,
    ids: &[S],
) -> Result<Vec<RawObject>, ConfigurationError> {
    if !manager.is_started() {
        return Err(ConfigurationError::NotStarted);
    }
    // Each id becomes the `Arc<str>` that its object and the registry will share: no second
    // list of a million `String`s is held while loading.
    let ids = ids
        .iter()
        .map(|id| normal_id(&info, id.as_ref()).map(Arc::<str>::from))
        .collect::<Result<Vec<Arc<str>>, _>>()?;
    let mut registry = manager.inner.objects.inner.lock();
    let kind = registry.kind(info, manager);
    if !registry.renamed.is_empty() {
        for id in &ids {
            let key = (info.type_id, id.to_string());
            if !registry.live.contains_key(&key) && registry.renamed.contains_key(&key) {
                return Err(ConfigurationError::DuplicateId {
                    type_name: info.type_name,
                    id: key.1,
                });
            }
        }
    }
    registry.live.reserve_for(info.type_id, ids.len());
    let layout = manager.inner.extensions.layout(info.schema);
    let sorted = ids.windows(2).all(|pair| pair[0] < pair[1]);
    let mut objects = Vec::with_capacity(ids.len());
    let mut fresh = Vec::new();
    manager.with_data(|data| {
        let group = match info.group {
            Some(group) => data.group(group),
            None => Some(data),
        };
        // Stored names are sorted: with sorted ids, one walk finds every entry.
        let mut walk = group
            .filter(|_| sorted)
            .map(|group| group.iter().peekable());
        let mut shared = SharedValues::new(layout.slots.len());
        for id in ids {
            let entry = match walk.as_mut() {
                Some(walk) => {
                    while walk.next_if(|(name, _)| name.as_str() < &*id).is_some() {}
                    walk.next_if(|(name, _)| name.as_str() == &*id)
                        .map(|(_, value)| value)
                }
                None => group.and_then(|group| group.get(&id)),
            };
            if let Some(core) = registry.live.find(info.type_id, &id) {
                objects.push(RawObject { core: core.clone() });
                continue;
            }
            let built = build(&kind, &layout, id.clone(), entry, Some(&mut shared));
            registry.live.insert(info.type_id, id, built.core.clone());
            objects.push(RawObject {
                core: built.core.clone(),
            });
            fresh.push(built);
        }
    })?;
    drop(registry);
    for built in fresh {
        announce(manager, built);
    }
    Ok(objects)
}

pub(super) fn post_load_failures(
    manager: &ConfigurationManager,
    core: &ObjectCore,
    notes: Vec<LoadNote>,
) {
    post_all(manager, load_note_posts(core, notes, Origin::Local));
}

/// The `ManagerLoadFailed` notifications of `failures`.
pub(super) fn post_load_failures_from(
    core: &ObjectCore,
    failures: Vec<LoadFailure>,
    origin: Origin,
) -> Vec<Post> {
    load_note_posts(
        core,
        failures.into_iter().map(LoadNote::Failed).collect(),
        origin,
    )
}

/// The notifications of load notes: `ManagerLoadFailed`, `SettingWasMoved`.
fn load_note_posts(core: &ObjectCore, notes: Vec<LoadNote>, origin: Origin) -> Vec<Post> {
    notes
        .into_iter()
        .map(|note| {
            let sender = Sender {
                type_name: core.info().type_name,
                id: core.state.read().id.to_string(),
            };
            let kind = match note {
                LoadNote::Failed(failure) => NotificationKind::ManagerLoadFailed {
                    path: failure.path,
                    raw: failure.raw,
                    error: failure.error,
                },
                LoadNote::Moved { path, from } => NotificationKind::SettingWasMoved { path, from },
            };
            (origin, sender, kind)
        })
        .collect()
}

pub(super) fn object_ids(
    manager: &ConfigurationManager,
    info: &ObjectInfo,
) -> Result<Vec<Name>, ConfigurationError> {
    // The document's own names (shared, not copied): start-up lists every account twice.
    let ids: Vec<Name> = match info.group {
        Some(group) => manager.shared_names(Some(group))?,
        None => Vec::new(),
    };
    let (ids, invalid): (Vec<Name>, Vec<Name>) = ids.into_iter().partition(|name| {
        info.static_id.is_some() || super::id::check_stored_name(info.normal_id, name).is_ok()
    });
    let mut registry = manager.inner.objects.inner.lock();
    let mut report = Vec::new();
    for name in invalid {
        let name = name.to_string();
        if registry.reported_ids.insert((info.type_id, name.clone())) {
            report.push(name);
        }
    }
    if !report.is_empty() {
        let posts = report
            .into_iter()
            .map(|name| {
                let error = super::id::check_stored_name(info.normal_id, &name)
                    .err()
                    .unwrap_or_else(|| ValueError::new("not an id"));
                let sender = Sender {
                    type_name: info.type_name,
                    id: name.clone(),
                };
                let kind = NotificationKind::ManagerLoadFailed {
                    path: "__id__".to_owned(),
                    raw: Value::String(name),
                    error,
                };
                (Origin::Local, sender, kind)
            })
            .collect();
        drop(registry);
        post_all(manager, posts);
        registry = manager.inner.objects.inner.lock();
    }
    // Listing a type's ids follows the type: objects of it that other writers add or remove
    // are reported (`WasCreated`/`WasDeleted`, `Origin::External`) even while none is live.
    registry.known.entry(info.type_id).or_insert(*info);
    // The stored names come sorted and distinct: keep them as a sorted vector (a set built
    // name by name costs a tree insertion per object, and start-up lists every account).
    let mut ids = ids;
    debug_assert!(ids.windows(2).all(|pair| pair[0] < pair[1]));
    let renamed: HashSet<&str> = registry
        .renamed
        .keys()
        .filter(|(type_id, _)| *type_id == info.type_id)
        .map(|(_, stored_id)| stored_id.as_str())
        .collect();
    if !renamed.is_empty() {
        ids.retain(|id| !renamed.contains(id.as_str()));
    }
    // Live objects come in hash order: look them up in a hash set, not by binary search
    // (a cache miss per step over a large listing).
    let mut listed: HashSet<&str, FastHash> = HashSet::default();
    listed.reserve(ids.len());
    listed.extend(ids.iter().map(Name::as_str));
    let mut extra = Vec::new();
    for (id, core) in registry.live.of_type(info.type_id) {
        // Stored objects are listed from storage; new ones only once saved.
        if !listed.contains(&**id) && core.state.read().lifecycle == Lifecycle::Active {
            extra.push(Name::from(&**id));
        }
    }
    drop(listed);
    if !extra.is_empty() {
        ids.extend(extra);
        ids.sort_unstable();
    }
    Ok(ids)
}

/// The stored names of `info`'s group that are not ids of its type, with the reason.
pub(super) fn invalid_stored_ids(
    manager: &ConfigurationManager,
    info: &ObjectInfo,
) -> Result<Vec<(String, ValueError)>, ConfigurationError> {
    if info.static_id.is_some() {
        return Ok(Vec::new());
    }
    let names: Vec<String> = match info.group {
        Some(group) => manager.get_names(Some(group))?,
        None => Vec::new(),
    };
    let mut invalid: Vec<(String, ValueError)> = names
        .into_iter()
        .filter_map(|name| {
            super::id::check_stored_name(info.normal_id, &name)
                .err()
                .map(|error| (name, error))
        })
        .collect();
    invalid.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(invalid)
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
        let serial = self.inner.extensions.registration.lock();
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
        let mut reports = Vec::new();
        for core in live {
            let affected = core.state.read().layout.contains_group_type(target);
            if affected {
                let failures = core.refresh_layout(self);
                reports.push((core, failures));
            }
        }
        // Observers may register extensions themselves: post after releasing the lock.
        drop(serial);
        for (core, failures) in reports {
            post_load_failures(self, &core, failures);
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
