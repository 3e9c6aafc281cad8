//! Objects and storage in step: saves and deletions waiting for the write that stores them,
//! settling them once it has, reporting failed writes, and bringing live objects up to date
//! with what other writers stored.
//!
//! An object's `save` puts its changes into the manager's document at once, but the object
//! stays changed (dirty) until a write has stored them: only then are its slots marked stored
//! and its notifications posted. A failed write therefore loses nothing: the object still
//! shows its changes and the next save of anything writes them.

use std::collections::{BTreeSet, HashMap};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use super::registry::post_load_failures_from;
use super::state::refresh_from_storage;
use super::{Lifecycle, ObjectCore, ObjectInfo, ObjectState};
use crate::layout::Layout;
use crate::manager::ObjectKey;
use crate::modified::{Modified, ModifiedValue};
use crate::notification::{NotificationKind, Operation, Origin, Sender};
use crate::setting_type::SharedValue;
use crate::{ConfigurationError, ConfigurationManager, Data, Value};

/// A notification to post once every lock is released.
pub(crate) type Post = (Origin, Sender, NotificationKind);

/// What a save changed: the slots that differed from storage, with their old and new values,
/// and the old id of a renamed object. Kept in the layout's terms and turned into a
/// [`Modified`] (paths and a map) only when something reports it: a batch of saves that
/// nobody observes and that does not fail never builds one.
pub(super) struct SaveChanges {
    layout: Arc<Layout>,
    slots: Vec<SlotChange>,
    /// The stored id and the new one, when a stored object's id changed.
    renamed: Option<(Arc<str>, Arc<str>)>,
}

/// One changed slot of a save.
struct SlotChange {
    index: usize,
    /// The stored value, or the default.
    old: SharedValue,
    /// The value in force.
    new: SharedValue,
    /// What the save stores: the explicit value, or `None` (the default; nothing stored).
    stored: Option<SharedValue>,
    /// The save gives up a kept unconvertible stored value.
    drops_raw: bool,
}

impl SaveChanges {
    /// The changes `state` holds now (what `get_modified` shows).
    pub(super) fn of(state: &ObjectState) -> Self {
        let slots = state
            .slots
            .iter()
            .filter(|(_, slot)| slot.is_dirty())
            .map(|(index, slot)| SlotChange {
                index,
                old: match slot.stored() {
                    Some(stored) => stored.clone(),
                    None => state.layout.slots[index].default.clone(),
                },
                new: slot.value().clone(),
                stored: slot.explicit().then(|| slot.value().clone()),
                drops_raw: slot.drops_raw(),
            })
            .collect();
        let renamed = (state.id != state.stored_id && state.lifecycle != Lifecycle::New)
            .then(|| (state.stored_id.clone(), state.id.clone()));
        SaveChanges {
            layout: state.layout.clone(),
            slots,
            renamed,
        }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.slots.is_empty() && self.renamed.is_none()
    }

    /// Whether every change is of a runtime setting (never stored).
    pub(super) fn only_runtime(&self) -> bool {
        self.renamed.is_none()
            && self
                .slots
                .iter()
                .all(|change| self.layout.slots[change.index].schema.runtime)
    }

    /// The changes by dotted path (`__id__` for the id), as observers and `get_modified` see
    /// them.
    pub(super) fn modified(&self) -> Modified {
        let mut modified: Modified = self
            .slots
            .iter()
            .map(|change| {
                let info = &self.layout.slots[change.index];
                (
                    info.path.clone(),
                    ModifiedValue::new(change.old.clone(), change.new.clone(), info.schema.secret),
                )
            })
            .collect();
        if let Some((old, new)) = &self.renamed {
            modified.insert(
                "__id__".to_owned(),
                ModifiedValue::new(Arc::new(old.to_string()), Arc::new(new.to_string()), false),
            );
        }
        modified
    }
}

/// A queued save: what it changes and stores ([`SaveChanges`]), the id it stores under, and
/// what to report.
pub(super) struct SavedState {
    /// The object's id when saved (its text shared with the object's).
    pub(super) id: Arc<str>,
    was_new: bool,
    changes: SaveChanges,
    /// Its notifications were posted when it was queued (in a batch).
    announced: bool,
}

impl SavedState {
    pub(super) fn of(state: &ObjectState, was_new: bool, changes: SaveChanges) -> Self {
        SavedState {
            id: state.id.clone(),
            was_new,
            changes,
            announced: false,
        }
    }

    /// The notifications to post when this save is queued in a batch, leaving out what an
    /// earlier queued save of the object (`earlier`) already announced; marks it announced.
    /// Without a sender (nobody observes), nothing is built: posting it would deliver nothing.
    pub(super) fn announce(
        &mut self,
        sender: Option<Sender>,
        earlier: Option<&Modified>,
    ) -> Vec<Post> {
        self.announced = true;
        let Some(sender) = sender else {
            return Vec::new();
        };
        let modified = self.changes.modified();
        let Some(earlier) = earlier else {
            return posts_of(self.was_new, modified, sender);
        };
        if self.was_new {
            return Vec::new();
        }
        let fresh: Modified = modified
            .into_iter()
            .filter(|(path, change)| {
                earlier
                    .get(path)
                    .is_none_or(|told| !told.new_dyn().eq_dyn(change.new_dyn()))
            })
            .collect();
        posts_of(false, fresh, sender)
    }

    /// Marks what was saved as stored. Values changed since the save stay dirty. Only the
    /// slots this save changed are touched: a slot it did not change may have taken another
    /// writer's value while the write ran (`apply_external`), and that stays as it is.
    pub(super) fn settle(&self, state: &mut ObjectState) {
        for change in &self.changes.slots {
            if change.stored.is_none() && state.slots.get(change.index).is_none() {
                // A plain default now (reset since) and the save stored nothing: nothing to mark.
                continue;
            }
            let slot = state
                .slots
                .entry(change.index, &state.layout.slots[change.index].default);
            // Back to the common, compact state if the value is the one stored.
            slot.update(|_, rest| {
                rest.stored = change.stored.clone();
                if change.drops_raw {
                    rest.drops_raw = false;
                }
            });
        }
        state.slots.tidy();
        state.stored_id = self.id.clone();
        if state.lifecycle == Lifecycle::New {
            state.lifecycle = Lifecycle::Active;
        }
    }

    /// The notifications of a stored save.
    pub(super) fn posts(self, sender: Sender) -> Vec<Post> {
        let modified = if self.was_new {
            Modified::new()
        } else {
            self.changes.modified()
        };
        posts_of(self.was_new, modified, sender)
    }
}

/// The notifications of a save: a first save's activation and creation, or the changes.
fn posts_of(was_new: bool, modified: Modified, sender: Sender) -> Vec<Post> {
    if was_new {
        vec![
            (
                Origin::Local,
                sender.clone(),
                NotificationKind::SettingsObjectWasActivated,
            ),
            (
                Origin::Local,
                sender,
                NotificationKind::SettingsObjectWasCreated,
            ),
        ]
    } else if modified.is_empty() {
        Vec::new()
    } else {
        vec![(
            Origin::Local,
            sender,
            NotificationKind::SettingsObjectDidChange { modified },
        )]
    }
}

/// What an object waits for a write to store.
pub(super) enum Awaited {
    Save(SavedState),
    /// With whether `SettingsObjectWasDeleted` was already posted (in a batch).
    Delete {
        announced: bool,
    },
}

/// A save or deletion waiting for a write that includes change `seq` of the manager.
pub(super) struct Awaiting {
    seq: u64,
    core: Arc<ObjectCore>,
    awaited: Awaited,
}

/// The saves and deletions waiting for a write, in the order they were queued, with the
/// number of waiting saves per object, so that the checks each save makes ("does this object
/// already wait?") cost no scan of the queue: a batch of N saves stays O(N), not O(N²).
#[derive(Default)]
pub(super) struct Waiting {
    queue: Vec<Awaiting>,
    /// Object (by address) to its number of waiting saves; absent when none.
    saves: HashMap<usize, usize, BuildHasherDefault<AddressHasher>>,
}

/// Hashes an object's address (already a unique number) with a multiplication, where the
/// default hasher (SipHash, made for keys an attacker chooses) showed in batch profiles.
#[derive(Default)]
struct AddressHasher(u64);

impl Hasher for AddressHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.write_u64(self.0.rotate_left(8) ^ u64::from(*byte));
        }
    }

    fn write_u64(&mut self, n: u64) {
        // Addresses are aligned: mix the high bits of the product into the low ones, which
        // pick the bucket.
        let mixed = n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        self.0 = mixed ^ (mixed >> 32);
    }

    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
}

impl Waiting {
    fn address(core: &Arc<ObjectCore>) -> usize {
        Arc::as_ptr(core) as usize
    }

    fn has_save(&self, core: &Arc<ObjectCore>) -> bool {
        self.saves.contains_key(&Self::address(core))
    }

    fn push(&mut self, waiting: Awaiting) {
        if matches!(waiting.awaited, Awaited::Save(_)) {
            *self.saves.entry(Self::address(&waiting.core)).or_default() += 1;
        }
        self.queue.push(waiting);
    }

    fn forget_save(&mut self, core: &Arc<ObjectCore>) {
        let address = Self::address(core);
        if let Some(count) = self.saves.get_mut(&address) {
            *count -= 1;
            if *count == 0 {
                self.saves.remove(&address);
            }
        }
    }

    /// Keeps the entries `keep` accepts, in order.
    fn retain(&mut self, mut keep: impl FnMut(&Awaiting) -> bool) {
        let mut removed = Vec::new();
        self.queue.retain(|w| {
            let kept = keep(w);
            if !kept && matches!(w.awaited, Awaited::Save(_)) {
                removed.push(w.core.clone());
            }
            kept
        });
        for core in &removed {
            self.forget_save(core);
        }
    }

    fn iter(&self) -> std::slice::Iter<'_, Awaiting> {
        self.queue.iter()
    }
}

impl super::ObjectRegistry {
    /// Queues `core`'s save or deletion until a write stores change `seq`. A newer save of an
    /// object replaces its older waiting save: the object stayed dirty, so the newer one holds
    /// every change of the older.
    pub(super) fn await_write(&self, seq: u64, core: &Arc<ObjectCore>, awaited: Awaited) {
        let mut waiting = self.awaiting.lock();
        if matches!(awaited, Awaited::Save(_)) && waiting.has_save(core) {
            waiting
                .retain(|w| !(Arc::ptr_eq(&w.core, core) && matches!(w.awaited, Awaited::Save(_))));
        }
        waiting.push(Awaiting {
            seq,
            core: core.clone(),
            awaited,
        });
    }

    /// What the waiting save of `core` announced already (in a batch), if any.
    pub(super) fn announced_save(&self, core: &Arc<ObjectCore>) -> Option<Modified> {
        let waiting = self.awaiting.lock();
        if !waiting.has_save(core) {
            return None;
        }
        waiting.iter().find_map(|w| match &w.awaited {
            Awaited::Save(saved) if saved.announced && Arc::ptr_eq(&w.core, core) => {
                Some(saved.changes.modified())
            }
            _ => None,
        })
    }

    /// Drops what `core` waits for; returns whether it waited for anything.
    pub(super) fn withdraw(&self, core: &Arc<ObjectCore>) -> bool {
        let mut waiting = self.awaiting.lock();
        let before = waiting.queue.len();
        waiting.retain(|w| !Arc::ptr_eq(&w.core, core));
        waiting.queue.len() != before
    }

    /// The objects waiting for changes after `since` (those a batch queued), with what they
    /// were saving.
    fn waiting_after(&self, since: u64) -> Vec<(Arc<ObjectCore>, Option<Modified>, Operation)> {
        self.awaiting
            .lock()
            .iter()
            .filter(|w| w.seq > since)
            .map(|w| match &w.awaited {
                Awaited::Save(saved) => (
                    w.core.clone(),
                    (!saved.was_new).then(|| saved.changes.modified()),
                    Operation::Save,
                ),
                Awaited::Delete { .. } => (w.core.clone(), None, Operation::Delete),
            })
            .collect()
    }
}

/// Settles every save and deletion that the writes so far stored (change numbers up to
/// `written`). Called with the manager's save lock held and no other lock.
pub(crate) fn settle_written(manager: &ConfigurationManager, written: u64) -> Vec<Post> {
    let registry = &manager.inner.objects;
    let done: Vec<Awaiting> = {
        let mut waiting = registry.awaiting.lock();
        let queue = std::mem::take(&mut waiting.queue);
        if queue.iter().all(|w| w.seq <= written) {
            // The usual case: the write stored everything queued.
            waiting.saves.clear();
            queue
        } else {
            let mut done = Vec::with_capacity(queue.len());
            let mut later = Vec::new();
            for w in queue {
                if w.seq <= written {
                    done.push(w);
                } else {
                    later.push(w);
                }
            }
            waiting.queue = later;
            for w in &done {
                if matches!(w.awaited, Awaited::Save(_)) {
                    waiting.forget_save(&w.core);
                }
            }
            done
        }
    };
    let mut posts = Vec::new();
    for Awaiting { core, awaited, .. } in done {
        let type_name = core.info().type_name;
        match awaited {
            Awaited::Save(saved) => {
                let mut state = core.state.write();
                if matches!(state.lifecycle, Lifecycle::Deleted) {
                    continue;
                }
                let renamed = *state.stored_id != *saved.id;
                saved.settle(&mut state);
                let settled_id = state.id == state.stored_id;
                // Announced saves (in a batch) post nothing now: no sender to build.
                let sender = (!saved.announced).then(|| Sender {
                    type_name,
                    id: state.id.to_string(),
                });
                drop(state);
                if renamed && settled_id {
                    registry.settle_rename(&core);
                }
                if let Some(sender) = sender {
                    posts.extend(saved.posts(sender));
                }
            }
            Awaited::Delete { announced } => {
                let mut state = core.state.write();
                if state.lifecycle == Lifecycle::Deleted {
                    continue;
                }
                state.lifecycle = Lifecycle::Deleted;
                let id = state.id.to_string();
                drop(state);
                registry.forget(&core, &id);
                if announced {
                    continue;
                }
                posts.push((
                    Origin::Local,
                    Sender { type_name, id },
                    NotificationKind::SettingsObjectWasDeleted,
                ));
            }
        }
    }
    posts
}

/// Gives up the first saves of new objects whose id another writer stored first (`keys`):
/// their changes were not written; the objects are forgotten (their `save` reports
/// `DuplicateId`), and the other writer's object is what storage holds.
pub(crate) fn reject_creations(
    manager: &ConfigurationManager,
    keys: &[ObjectKey],
) -> Vec<ConfigurationError> {
    if keys.is_empty() {
        return Vec::new();
    }
    let registry = &manager.inner.objects;
    let rejected: Vec<Arc<ObjectCore>> = {
        let mut waiting = registry.awaiting.lock();
        let mut rejected = Vec::new();
        waiting.retain(|w| {
            let hit = matches!(&w.awaited, Awaited::Save(saved) if saved.was_new
                && keys.contains(&ObjectKey::new(w.core.info().group, saved.id.to_string())));
            if hit {
                rejected.push(w.core.clone());
            }
            !hit
        });
        rejected
    };
    let mut errors = Vec::new();
    for core in rejected {
        let mut state = core.state.write();
        if state.lifecycle != Lifecycle::New {
            continue;
        }
        state.lifecycle = Lifecycle::Deleted;
        let id = state.id.to_string();
        drop(state);
        registry.forget(&core, &id);
        errors.push(ConfigurationError::DuplicateId {
            type_name: core.info().type_name,
            id,
        });
    }
    errors
}

/// Posts `ManagerSaveFailed` for every object whose save or deletion queued after change
/// `since` was not stored because of `error` (the end of a failed batch).
pub(crate) fn report_failed_batch(
    manager: &ConfigurationManager,
    since: u64,
    error: &ConfigurationError,
) {
    let error = Arc::new(error.duplicate());
    for (core, modified, operation) in manager.inner.objects.waiting_after(since) {
        let sender = Sender {
            type_name: core.info().type_name,
            id: core.state.read().id.to_string(),
        };
        manager.inner.notifications.post_kind(
            sender,
            NotificationKind::ManagerSaveFailed {
                modified,
                error: error.clone(),
                operation,
            },
        );
    }
}

/// Posts notifications, in order. Called with no lock held, so observers may use the
/// configuration.
pub(crate) fn post_all(manager: &ConfigurationManager, posts: Vec<Post>) {
    if posts.is_empty() || !manager.inner.notifications.has_observers() {
        return;
    }
    for (origin, sender, kind) in posts {
        manager.inner.notifications.post_from(origin, sender, kind);
    }
}

/// The object entries (top-level names, and names inside top-level groups) that differ between
/// two documents: what another writer changed.
pub(crate) struct ExternalChanges {
    entries: Vec<EntryChange>,
}

struct EntryChange {
    key: ObjectKey,
    existed: bool,
    exists: bool,
}

impl ExternalChanges {
    /// The entries that differ between `before` and `after`.
    pub(crate) fn between(before: &Data, after: &Data) -> Self {
        let mut entries = Vec::new();
        let names: BTreeSet<&str> = before.names().chain(after.names()).collect();
        for name in names {
            let (old, new) = (before.get(name), after.get(name));
            if old == new {
                continue;
            }
            entries.push(EntryChange {
                key: ObjectKey::new(None, name),
                existed: old.is_some(),
                exists: new.is_some(),
            });
            fn group_of(value: Option<&Value>) -> Option<&Data> {
                match value {
                    Some(Value::Group(group)) => Some(group),
                    _ => None,
                }
            }
            let (old_group, new_group) = (group_of(old), group_of(new));
            if old_group.is_none() && new_group.is_none() {
                continue;
            }
            let empty = Data::new();
            let (old_group, new_group) = (old_group.unwrap_or(&empty), new_group.unwrap_or(&empty));
            let children: BTreeSet<&str> = old_group.names().chain(new_group.names()).collect();
            for child in children {
                let (old_child, new_child) = (old_group.get(child), new_group.get(child));
                if old_child != new_child {
                    entries.push(EntryChange {
                        key: ObjectKey::new(Some(name), child),
                        existed: old_child.is_some(),
                        exists: new_child.is_some(),
                    });
                }
            }
        }
        ExternalChanges { entries }
    }

    /// Whether nothing differs.
    pub(crate) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Brings the live objects up to date with the entries another writer changed, and reports
/// objects that appeared or disappeared. Called with the manager's save lock held and no other
/// lock; returns the notifications to post.
pub(crate) fn apply_external(
    manager: &ConfigurationManager,
    changes: ExternalChanges,
) -> Vec<Post> {
    if changes.is_empty() {
        return Vec::new();
    }
    let (live, known): (HashMap<ObjectKey, Vec<Arc<ObjectCore>>>, Vec<ObjectInfo>) = {
        let registry = manager.inner.objects.inner.lock();
        let mut live: HashMap<ObjectKey, Vec<Arc<ObjectCore>>> = HashMap::new();
        for ((_, id), core) in registry.live.iter() {
            live.entry(ObjectKey::new(core.info().group, &**id))
                .or_default()
                .push(core.clone());
        }
        (live, registry.known.values().copied().collect())
    };
    let mut posts = Vec::new();
    for change in changes.entries {
        if let Some(cores) = live.get(&change.key) {
            for core in cores {
                posts.extend(refresh_live(manager, core, &change));
            }
            continue;
        }
        let Some(group) = change.key.group.as_deref() else {
            continue;
        };
        for info in known
            .iter()
            .filter(|info| info.group == Some(group) && info.per_id())
            // A name that is not an id of the type is not one of its objects.
            .filter(|info| super::id::check_stored_name(info.normal_id, &change.key.name).is_ok())
        {
            let kind = match (change.existed, change.exists) {
                (false, true) => NotificationKind::SettingsObjectWasCreated,
                (true, false) => NotificationKind::SettingsObjectWasDeleted,
                _ => continue,
            };
            let sender = Sender {
                type_name: info.type_name,
                id: change.key.name.clone(),
            };
            posts.push((Origin::External, sender, kind));
        }
    }
    posts
}

/// Brings one live object up to date with its entry as stored now.
fn refresh_live(
    manager: &ConfigurationManager,
    core: &Arc<ObjectCore>,
    change: &EntryChange,
) -> Vec<Post> {
    let type_name = core.info().type_name;
    let mut state = core.state.write();
    match state.lifecycle {
        // Not stored yet, or being deleted here: storage says nothing new about it.
        Lifecycle::New | Lifecycle::Deleting | Lifecycle::Deleted => return Vec::new(),
        Lifecycle::Active => {}
    }
    let sender = Sender {
        type_name,
        id: state.id.to_string(),
    };
    if !change.exists && core.info().per_id() {
        // Another writer deleted the object.
        state.lifecycle = Lifecycle::Deleted;
        let id = state.id.to_string();
        drop(state);
        manager.inner.objects.forget(core, &id);
        return vec![(
            Origin::External,
            sender,
            NotificationKind::SettingsObjectWasDeleted,
        )];
    }
    let stored = match manager.get(core.info().group, &change.key.name) {
        Ok(Value::Group(data)) => Some(data),
        _ => None,
    };
    let (modified, failures) = refresh_from_storage(&mut state, stored.as_ref());
    drop(state);
    let mut posts = post_load_failures_from(core, failures, Origin::External);
    if !modified.is_empty() {
        posts.push((
            Origin::External,
            sender,
            NotificationKind::SettingsObjectDidChange { modified },
        ));
    }
    posts
}
