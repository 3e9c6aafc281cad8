//! The live objects of a manager (one per type and id), obtaining objects (loading them or
//! creating new ones), listing ids, and registering extensions, which upgrades live objects.

use std::any::TypeId;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use parking_lot::{Mutex, RwLock};

use super::state::{block_non_groups, load_slots, LoadFailure, LoadNote};
use super::sync::{post_all, Post, Waiting};
use super::{Lifecycle, ObjectCore, ObjectInfo, ObjectState, RawObject};
use crate::extension::{Extension, ExtensionInfo};
use crate::manager::ObjectKey;
use crate::notification::{NotificationKind, Origin, Sender};
use crate::{
    ConfigurationError, ConfigurationManager, Data, ObjectNotFoundError, Value, ValueError,
};

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
    pub(super) live: HashMap<(TypeId, String), Arc<ObjectCore>>,
    /// Type and stored id of objects whose new id is not saved yet: the stored id is still
    /// theirs, so no other object may take it.
    pub(super) renamed: HashMap<(TypeId, String), Arc<ObjectCore>>,
    /// Every object type obtained from this manager, to report objects of that type that other
    /// writers create or delete.
    pub(super) known: HashMap<TypeId, ObjectInfo>,
    /// Stored names that are not ids of their type, already reported (once per manager).
    pub(super) reported_ids: HashSet<(TypeId, String)>,
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
        let key = (core.info.type_id, id.to_owned());
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
    let id = normal.as_str();
    if let Some(static_id) = info.static_id {
        if id != static_id {
            return Err(ConfigurationError::InvalidKey(format!(
                "{} is a global object: its id is {static_id:?}, not {id:?}",
                info.type_name
            )));
        }
    }
    let mut registry = manager.inner.objects.inner.lock();
    registry.known.entry(info.type_id).or_insert(info);
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
    let layout = manager.inner.extensions.layout(info.schema);
    // The stored entry is read where it lies in the document, not cloned (at start-up every
    // object is loaded once: a copy of each would double the work of loading).
    let loaded = manager.with_data(|data| {
        let entry = match info.group {
            Some(group) => data.group(group).and_then(|group| group.get(id)),
            None => data.get(id),
        };
        let whole_entry_failure;
        let stored = match entry {
            Some(Value::Group(stored)) => Some(stored),
            Some(other) => {
                // The whole entry is not a group: keep it until something is assigned.
                failures.push(
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
                whole_entry_failure = Data::new();
                Some(&whole_entry_failure)
            }
            None => None,
        };
        if stored.is_none() && !create {
            return None;
        }
        let slots = load_slots(&layout, stored, &mut failures, 0);
        block_non_groups(&layout, 0, stored, &mut blocked, &mut failures);
        Some((slots, stored.is_some()))
    })?;
    let Some((slots, loaded)) = loaded else {
        return Ok(None);
    };
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
                type_name: core.info.type_name,
                id: core.state.read().id.clone(),
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
) -> Result<Vec<String>, ConfigurationError> {
    let ids: Vec<String> = match info.group {
        Some(group) => manager.get_names(Some(group))?,
        None => Vec::new(),
    };
    let (ids, invalid): (Vec<String>, Vec<String>) = ids.into_iter().partition(|name| {
        info.static_id.is_some() || super::id::check_stored_name(info.normal_id, name).is_ok()
    });
    let mut registry = manager.inner.objects.inner.lock();
    let mut report = Vec::new();
    for name in invalid {
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
    let listed: HashSet<&str> = ids.iter().map(String::as_str).collect();
    let mut extra = Vec::new();
    for ((type_id, id), core) in registry.live.iter() {
        // Stored objects are listed from storage; new ones only once saved.
        if *type_id == info.type_id
            && !listed.contains(id.as_str())
            && core.state.read().lifecycle == Lifecycle::Active
        {
            extra.push(id.clone());
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
