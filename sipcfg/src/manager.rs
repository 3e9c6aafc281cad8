//! [`ConfigurationManager`]: the configuration document in memory, and its backend (spec section
//! "ConfigurationManager").

use std::cell::RefCell;
use std::fmt;
use std::sync::{Arc, OnceLock};

use parking_lot::{Mutex, RwLock};

use crate::backend::{Backend, Merge, StoreVersion};
use crate::extension::ExtensionRegistry;
use crate::notification::NotificationCenter;
use crate::object::ExternalChanges;
use crate::object::ObjectRegistry;
use crate::{ConfigurationError, Data, ObjectNotFoundError, Patch, Value};

/// Holds the configuration document and saves it through a [`Backend`].
///
/// `update`, `delete` and `rename` change the document in memory only and are kept as this
/// manager's unsaved changes; [`save`](Self::save) stores them with one backend call, merged
/// with what other writers stored meanwhile. Every method but [`start`](Self::start) returns
/// [`ConfigurationError::NotStarted`] until the manager is started.
///
/// Managers are independent: tests and applications may hold several, each with its own backend,
/// objects, extensions and notification center. Clones share one manager.
/// [`ConfigurationManager::global`] is the process-wide instance for code that wants the spec's
/// singleton.
///
/// ```
/// use sipcfg::backend::MemoryBackend;
/// use sipcfg::{ConfigurationManager, Data, Value};
///
/// let manager = ConfigurationManager::new();
/// manager.start(MemoryBackend::new())?;
/// let account: Data = [("display_name", "Alice")].into_iter().collect();
/// manager.update(Some("Accounts"), "alice@example.com", account)?;
/// assert_eq!(manager.get_names(Some("Accounts"))?, vec!["alice@example.com"]);
/// manager.save()?;
/// # Ok::<(), sipcfg::ConfigurationError>(())
/// ```
#[derive(Clone, Default)]
pub struct ConfigurationManager {
    pub(crate) inner: Arc<ManagerInner>,
}

#[derive(Default)]
pub(crate) struct ManagerInner {
    store: RwLock<Option<Store>>,
    /// Held across a whole write (or reload) and the settling of the objects it stored, so
    /// that writes reach the backend one at a time and in order.
    save_lock: Mutex<()>,
    pub(crate) notifications: NotificationCenter,
    pub(crate) objects: ObjectRegistry,
    pub(crate) extensions: ExtensionRegistry,
}

/// The document and what the manager knows about the backend's copy of it.
///
/// Invariant: `data` is the document at `version` with every change of `pending` applied but
/// the last `deferred` ones.
struct Store {
    backend: Arc<dyn Backend>,
    /// Shared with a write in progress, which writes a snapshot of it without holding the
    /// store's lock.
    data: Arc<Data>,
    /// How many of the last changes of `pending` are not applied to `data` yet: those made
    /// while a write held `data`, where applying them would have copied the whole document
    /// first. The write applies them when it is done; a read that comes earlier applies them
    /// itself (copying the document, as every change did before). Zero when no write runs.
    deferred: usize,
    /// The backend's version that `data` was last loaded from or written as.
    version: Option<StoreVersion>,
    /// This manager's changes not yet written, in order. Shared, so that a write's snapshot
    /// of them costs no copy of their patches.
    pending: Vec<Arc<Change>>,
    /// How many changes were made so far (the sequence number of the latest).
    changes: u64,
    /// The sequence number of the latest change that a successful write stored.
    written: u64,
}

/// One change of the document made through this manager, kept until it is written so that it
/// can be applied again on top of what another writer stored.
#[derive(Debug, Clone)]
pub(crate) enum Change {
    /// Merge `patch` into the object at `key`. With `persistent`, the entry stays when empty;
    /// with `must_exist`, nothing happens if the entry is gone (another program deleted the
    /// object: its deletion wins over changes to settings it held).
    Update {
        key: ObjectKey,
        patch: Patch,
        persistent: bool,
        must_exist: bool,
        /// The first save of a new per-id object: if another writer stored an object under
        /// the same key meanwhile, the change is dropped (the other object is kept) and the
        /// new object's save fails with `DuplicateId`.
        creates: bool,
        /// A later save of a new object whose creation (`creates`) is queued and not stored
        /// yet (saved twice in a batch, again during the write, or after the creation's write
        /// failed). It is applied like a save of a stored object (`must_exist`), and dropped
        /// with the creation when another writer created the object first.
        after_creation: bool,
    },
    /// Remove the entry at `key`.
    Delete { key: ObjectKey },
    /// Take back the queued creation of a new object at `key` (`discard` after its first save
    /// failed): removes the entry like `Delete`, except where the creation was rejected because
    /// another writer stored an object under that key first: that object is the other
    /// writer's, and stays.
    Withdraw { key: ObjectKey },
    /// Move the entry at `from` to the name `to` of the same group (if `from` still exists).
    Rename { from: ObjectKey, to: String },
}

impl Change {
    /// Whether this is the creation of one of the objects at `keys`, or a later save of one
    /// whose creation is queued with it (both go when the creation is rejected).
    fn creates_any(&self, keys: &[ObjectKey]) -> bool {
        matches!(
            self,
            Change::Update { key, creates, after_creation, .. }
                if (*creates || *after_creation) && keys.contains(key)
        )
    }

    /// Whether this is a later save of a new object whose creation (at one of `keys`) was
    /// rejected.
    fn after_creation_of_any(&self, keys: &[ObjectKey]) -> bool {
        matches!(
            self,
            Change::Update { key, after_creation: true, .. } if keys.contains(key)
        )
    }

    /// Applies the change to `data`; `false` if it was dropped because it conflicts with what
    /// `data` holds (a creation of an object that exists).
    fn apply(&self, data: &mut Data) -> bool {
        match self {
            Change::Update {
                key,
                patch,
                persistent,
                must_exist,
                creates,
                after_creation: _,
            } => {
                if let Some(group) = &key.group {
                    if *must_exist && data.group(group).is_none() {
                        return true;
                    }
                }
                let parent = match &key.group {
                    Some(group) => data.group_entry(group),
                    None => &mut *data,
                };
                let object = if *must_exist {
                    // The usual save of a stored object: one search among the group's names.
                    match parent.get_mut(&key.name) {
                        Some(stored) => stored.make_group(),
                        None => return true,
                    }
                } else {
                    if *creates && parent.contains_key(&key.name) {
                        return false;
                    }
                    parent.group_entry(&key.name)
                };
                patch.apply_to(object);
                if object.is_empty() && !persistent {
                    parent.remove(&key.name);
                }
                if let (Some(group), true) = (&key.group, parent.is_empty()) {
                    data.remove(group);
                }
            }
            Change::Delete { key } | Change::Withdraw { key } => {
                remove_entry(data, key);
            }
            Change::Rename { from, to } => {
                if let Some(value) = remove_entry(data, from) {
                    let parent = match &from.group {
                        Some(group) => data.group_entry(group),
                        None => &mut *data,
                    };
                    parent.insert(to.clone(), value);
                }
            }
        }
        true
    }
}

/// What a write hands the backend: the manager's document, and its pending changes to apply
/// on top of another document if the stored one changed.
struct PendingMerge<'a> {
    own: &'a Data,
    pending: &'a [Arc<Change>],
    merged: Option<Data>,
    /// The keys of new objects that another writer created first.
    conflicts: Vec<ObjectKey>,
}

impl<'a> PendingMerge<'a> {
    fn new(own: &'a Data, pending: &'a [Arc<Change>]) -> Self {
        PendingMerge {
            own,
            pending,
            merged: None,
            conflicts: Vec::new(),
        }
    }
}

impl Merge for PendingMerge<'_> {
    fn rebase(&mut self, mut stored: Data) {
        self.conflicts.clear();
        for change in self.pending {
            if change.after_creation_of_any(&self.conflicts) {
                // The creation it follows was rejected: another writer's object stays as it is.
                continue;
            }
            if matches!(&**change, Change::Withdraw { key } if self.conflicts.contains(key)) {
                // The same: the object there is not the one being withdrawn.
                continue;
            }
            if !change.apply(&mut stored) {
                if let Change::Update { key, .. } = &**change {
                    self.conflicts.push(key.clone());
                }
            }
        }
        self.merged = Some(stored);
    }

    fn document(&self) -> &Data {
        self.merged.as_ref().unwrap_or(self.own)
    }
}

thread_local! {
    /// The managers (by address) inside a `batch` on this thread.
    static BATCHES: RefCell<Vec<usize>> = const { RefCell::new(Vec::new()) };
}

/// Leaves a batch when dropped (also when the batch's closure panics).
struct BatchScope(usize);

impl Drop for BatchScope {
    fn drop(&mut self) {
        BATCHES.with(|batches| {
            let mut batches = batches.borrow_mut();
            if let Some(at) = batches.iter().rposition(|&m| m == self.0) {
                batches.remove(at);
            }
        });
    }
}

impl fmt::Debug for ConfigurationManager {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConfigurationManager")
            .field("started", &self.is_started())
            .finish_non_exhaustive()
    }
}

/// How deep the data given to [`ConfigurationManager::update`] may be nested.
pub const MAX_PATCH_DEPTH: usize = 1024;

/// Where an object lives in the document: its group (if any) and its name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ObjectKey {
    /// The group holding the object, or `None` for a top-level object.
    pub group: Option<String>,
    /// The object's name (its id).
    pub name: String,
}

impl ObjectKey {
    /// The key of `name` in `group`.
    pub fn new(group: Option<&str>, name: impl Into<String>) -> Self {
        ObjectKey {
            group: group.map(str::to_owned),
            name: name.into(),
        }
    }

    pub(crate) fn path(&self) -> Vec<String> {
        self.group
            .iter()
            .cloned()
            .chain(std::iter::once(self.name.clone()))
            .collect()
    }

    fn check(&self) -> Result<(), ConfigurationError> {
        if self.name.is_empty() || self.group.as_deref() == Some("") {
            return Err(ConfigurationError::InvalidKey(format!(
                "names must not be empty (group {:?}, name {:?})",
                self.group, self.name
            )));
        }
        Ok(())
    }
}

impl fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.group {
            Some(group) => write!(f, "{group}/{}", self.name),
            None => f.write_str(&self.name),
        }
    }
}

impl ConfigurationManager {
    /// A new, not yet started manager.
    pub fn new() -> Self {
        ConfigurationManager::default()
    }

    /// The process-wide manager, for code that wants the spec's singleton. It is created on
    /// first use and must be started like any other.
    pub fn global() -> &'static ConfigurationManager {
        static GLOBAL: OnceLock<ConfigurationManager> = OnceLock::new();
        GLOBAL.get_or_init(ConfigurationManager::new)
    }

    /// Loads the document from `backend` and keeps the backend for [`save`](Self::save). The
    /// extensions declared `#[extend(Target, linked)]` are registered first.
    ///
    /// Fails with the backend's error if the document cannot be loaded (the manager stays
    /// unstarted), with [`ConfigurationError::AlreadyStarted`], or if two linked extensions
    /// clash.
    pub fn start(&self, backend: impl Backend + 'static) -> Result<(), ConfigurationError> {
        let mut store = self.inner.store.write();
        if store.is_some() {
            return Err(ConfigurationError::AlreadyStarted);
        }
        for extension in crate::extension::linked_extensions() {
            self.inner.extensions.register(extension)?;
        }
        let loaded = backend.load_versioned()?;
        *store = Some(Store {
            backend: Arc::new(backend),
            data: Arc::new(loaded.data),
            deferred: 0,
            version: loaded.version,
            pending: Vec::new(),
            changes: 0,
            written: 0,
        });
        Ok(())
    }

    /// Whether [`start`](Self::start) succeeded.
    pub fn is_started(&self) -> bool {
        self.inner.store.read().is_some()
    }

    fn read_store<R>(&self, f: impl FnOnce(&Store) -> R) -> Result<R, ConfigurationError> {
        let store = self.inner.store.read();
        store.as_ref().map(f).ok_or(ConfigurationError::NotStarted)
    }

    fn write_store<R>(&self, f: impl FnOnce(&mut Store) -> R) -> Result<R, ConfigurationError> {
        let mut store = self.inner.store.write();
        store.as_mut().map(f).ok_or(ConfigurationError::NotStarted)
    }

    /// Runs `f` on the document with every change made so far applied.
    fn read_document<R>(&self, f: impl FnOnce(&Data) -> R) -> Result<R, ConfigurationError> {
        {
            let store = self.inner.store.read();
            let store = store.as_ref().ok_or(ConfigurationError::NotStarted)?;
            if store.deferred == 0 {
                return Ok(f(&store.data));
            }
        }
        // Changes made during a write in progress: applied first (under the write lock, which
        // copies the document the write holds), then read under a read lock, so that `f` may
        // call back into the manager as it may when nothing is deferred.
        let mut store = self.inner.store.write();
        store
            .as_mut()
            .ok_or(ConfigurationError::NotStarted)?
            .apply_deferred();
        let store = parking_lot::RwLockWriteGuard::downgrade(store);
        let store = store.as_ref().ok_or(ConfigurationError::NotStarted)?;
        Ok(f(&store.data))
    }

    /// Merges `data` into the object `name` of `group` (top level when `group` is `None`).
    ///
    /// Settings set to [`PatchValue::Default`](crate::PatchValue::Default) are removed; groups
    /// left empty by the merge are removed, the object itself included. Nothing is written to
    /// the backend until [`save`](Self::save).
    pub fn update(
        &self,
        group: Option<&str>,
        name: &str,
        data: impl Into<Patch>,
    ) -> Result<(), ConfigurationError> {
        self.update_object(&ObjectKey::new(group, name), &data.into(), false)
    }

    /// Like [`update`](Self::update), for the object at `key`; with `persistent`, the object's
    /// entry stays even when empty (per-id objects such as accounts exist until deleted).
    pub fn update_object(
        &self,
        key: &ObjectKey,
        patch: &Patch,
        persistent: bool,
    ) -> Result<(), ConfigurationError> {
        key.check()?;
        // Merging recurses once per level: refuse what no settings object produces.
        if patch.depth() > MAX_PATCH_DEPTH {
            return Err(ConfigurationError::InvalidKey(format!(
                "the data for {key} is nested deeper than {MAX_PATCH_DEPTH} groups"
            )));
        }
        if let Some(path) = patch.find_empty_name() {
            return Err(ConfigurationError::InvalidKey(format!(
                "empty name at {key}/{}",
                path.join("/")
            )));
        }
        if patch.is_empty() && !persistent {
            return self.read_store(|_| ());
        }
        self.push_changes(vec![Change::Update {
            key: key.clone(),
            patch: patch.clone(),
            persistent,
            must_exist: false,
            creates: false,
            after_creation: false,
        }])
        .map(drop)
    }

    /// Applies `changes` to the document and remembers them as unsaved; returns the sequence
    /// number of the last one (for [`save_through`](Self::save_through)).
    pub(crate) fn push_changes(&self, changes: Vec<Change>) -> Result<u64, ConfigurationError> {
        self.write_store(|store| {
            for change in changes {
                if store.deferred > 0 || Arc::strong_count(&store.data) > 1 {
                    // A write holds the document: applied when it is done (see `deferred`).
                    store.deferred += 1;
                } else {
                    // Live objects are one per id: a creation never conflicts here.
                    change.apply(Arc::make_mut(&mut store.data));
                }
                store.pending.push(Arc::new(change));
                store.changes += 1;
            }
            store.changes
        })
    }

    /// Removes the object `name` of `group`, if stored; a group left empty is removed too.
    pub fn delete(&self, group: Option<&str>, name: &str) -> Result<(), ConfigurationError> {
        let key = ObjectKey::new(group, name);
        self.push_changes(vec![Change::Delete { key }]).map(drop)
    }

    /// The object stored as `name` in `group`, or [`ObjectNotFoundError`].
    pub fn get(&self, group: Option<&str>, name: &str) -> Result<Value, ConfigurationError> {
        let key = ObjectKey::new(group, name);
        self.read_document(|data| {
            data.get_path(&key.path())
                .cloned()
                .ok_or_else(|| ObjectNotFoundError { key: key.path() }.into())
        })?
    }

    /// The names of the objects in `group` (the top-level names for `None`); empty when the group
    /// does not exist.
    pub fn get_names(&self, group: Option<&str>) -> Result<Vec<String>, ConfigurationError> {
        self.read_document(|data| {
            let data = match group {
                Some(group) => data.group(group),
                None => Some(data),
            };
            data.map(|d| d.names().map(str::to_owned).collect())
                .unwrap_or_default()
        })
    }

    /// The names of the objects in `group`, as [`Name`](crate::Name)s shared with the document
    /// (no text is copied: listing a million accounts holds 8 bytes per name).
    pub(crate) fn shared_names(
        &self,
        group: Option<&str>,
    ) -> Result<Vec<crate::Name>, ConfigurationError> {
        self.read_document(|data| {
            let data = match group {
                Some(group) => data.group(group),
                None => Some(data),
            };
            data.map(|d| d.iter().map(|(name, _)| name.clone()).collect())
                .unwrap_or_default()
        })
    }

    /// Moves the object `old_name` of `group` to `new_name` (an object's id changed). Fails with
    /// [`ObjectNotFoundError`] when nothing is stored under `old_name`; an object already stored
    /// under `new_name` is replaced.
    pub fn rename(
        &self,
        group: Option<&str>,
        old_name: &str,
        new_name: &str,
    ) -> Result<(), ConfigurationError> {
        let old = ObjectKey::new(group, old_name);
        let new = ObjectKey::new(group, new_name);
        new.check()?;
        self.write_store(|store| {
            store.apply_deferred();
            if store.data.get_path(&old.path()).is_none() {
                return Err(ObjectNotFoundError { key: old.path() }.into());
            }
            let change = Change::Rename {
                from: old,
                to: new.name,
            };
            change.apply(Arc::make_mut(&mut store.data));
            store.pending.push(Arc::new(change));
            store.changes += 1;
            Ok(())
        })?
    }

    /// Stores the document: this manager's unsaved changes, merged with what the backend holds
    /// now (spec: `save`).
    ///
    /// Under the backend's lock (for [`FileBackend`](crate::backend::FileBackend), a short
    /// inter-process lock held only around the read-merge-write, with a bounded wait), the
    /// backend's document is read. If another writer changed it since this manager last read or
    /// wrote it, this manager's unsaved changes (updates, resets, deletions, renames, new
    /// objects) are applied on top of it, so that what the other writer stored is kept: for a
    /// setting changed by both, this manager's change wins; the changes of an object that
    /// another writer deleted are dropped (the deletion wins). The result is written and becomes
    /// this manager's document: settings that changed in storage and are not changed here reach
    /// the live objects, whose observers are told with [`Origin::External`](crate::Origin).
    ///
    /// Durability: when this returns `Ok`, the backend has stored the document (the file
    /// backend has flushed the file and its directory to disk). On an error nothing is lost:
    /// the changes stay unsaved and a later save writes them. If the stored document cannot be
    /// read (a syntax error), nothing is written and the parse error (file, line, column) is
    /// returned.
    ///
    /// A new per-id object whose id another writer stored first is not written (the other
    /// writer's object is kept): it is forgotten and this returns
    /// [`ConfigurationError::DuplicateId`] for it, after writing everything else.
    pub fn save(&self) -> Result<(), ConfigurationError> {
        first_rejected(self.write(None)?)
    }

    /// Whether changes made through this manager are not yet stored.
    pub fn has_unsaved_changes(&self) -> Result<bool, ConfigurationError> {
        self.read_store(|store| store.written < store.changes)
    }

    /// Stores every change up to sequence number `seq`, unless a write already did. This is the
    /// group commit of object saves: saves that arrive while another thread writes wait for
    /// it, and the next single write stores all of them.
    pub(crate) fn save_through(&self, seq: u64) -> Result<(), ConfigurationError> {
        // Each object checks for itself whether its creation was rejected.
        self.write(Some(seq)).map(drop)
    }

    /// Whether a [`batch`](Self::batch) of this manager is running on this thread.
    pub(crate) fn is_batching(&self) -> bool {
        let me = Arc::as_ptr(&self.inner) as usize;
        BATCHES.with(|batches| batches.borrow().contains(&me))
    }

    /// Runs `f`, in which objects' `save` and `delete` only queue their changes, then stores
    /// them all with one write.
    ///
    /// Inside the batch, `save()` and `delete()` on this thread return once the change is
    /// queued; the data reaches the backend when the batch ends, and the objects'
    /// notifications (`SettingsObjectDidChange`, `WasCreated`, `WasDeleted`) are posted then.
    /// If `f` returns an error, nothing is written and its error is returned: the changes
    /// queued in the batch stay unsaved (the objects still show them in `get_modified`) and
    /// the next save writes them. If the write fails, its error is returned, each object
    /// saved in the batch gets `ManagerSaveFailed` and stays changed, and a later save writes
    /// it. A batch inside a batch joins the outer one. Other threads are not held up: their saves write as
    /// usual (and may store changes queued in the batch with theirs).
    ///
    /// ```
    /// use sipcfg::backend::MemoryBackend;
    /// use sipcfg::{ConfigurationManager, Data};
    ///
    /// let backend = MemoryBackend::new();
    /// let manager = ConfigurationManager::new();
    /// manager.start(backend.clone())?;
    /// manager.batch(|| {
    ///     for n in 0..100 {
    ///         let account: Data = [("enabled", "true")].into_iter().collect();
    ///         manager.update(Some("Accounts"), &format!("user{n}@example.com"), account)?;
    ///     }
    ///     Ok::<_, sipcfg::ConfigurationError>(())
    /// })?;
    /// assert_eq!(backend.save_count(), 1);
    /// # Ok::<(), sipcfg::ConfigurationError>(())
    /// ```
    pub fn batch<R, E>(&self, f: impl FnOnce() -> Result<R, E>) -> Result<R, E>
    where
        E: From<ConfigurationError>,
    {
        let me = Arc::as_ptr(&self.inner) as usize;
        let outermost = !self.is_batching();
        let first = self.read_store(|store| store.changes)?;
        BATCHES.with(|batches| batches.borrow_mut().push(me));
        let scope = BatchScope(me);
        let result = f();
        drop(scope);
        if !outermost || result.is_err() {
            return result;
        }
        let target = self.read_store(|store| store.changes)?;
        let written = self.write(Some(target)).and_then(first_rejected);
        if let Err(error) = &written {
            crate::object::report_failed_batch(self, first, error);
        }
        let value = result?;
        written?;
        Ok(value)
    }

    /// Reads the backend's document again and takes what other writers changed.
    ///
    /// This manager's unsaved changes are applied on top, as in a save. Settings that changed
    /// in storage and are not changed here reach the live objects, whose observers are told
    /// with [`Origin::External`](crate::Origin): `SettingsObjectDidChange` with the old and new
    /// values, `SettingsObjectWasCreated` for objects that appeared, `SettingsObjectWasDeleted`
    /// for objects that disappeared (of the types this manager has loaded). Nothing is written.
    ///
    /// Returns whether the stored document had changed. A stored document that does not parse
    /// is an error and changes nothing.
    pub fn reload(&self) -> Result<bool, ConfigurationError> {
        let ordered = self.inner.save_lock.lock();
        let (backend, known) = self.read_store(|store| (store.backend.clone(), store.version))?;
        let loaded = backend.load_versioned()?;
        if loaded.version.is_some() && loaded.version == known {
            return Ok(false);
        }
        let mut store = self.inner.store.write();
        let Some(current) = store.as_mut() else {
            return Err(ConfigurationError::NotStarted);
        };
        current.apply_deferred();
        let mut merge = PendingMerge::new(&current.data, &current.pending);
        merge.rebase(loaded.data);
        let conflicts = std::mem::take(&mut merge.conflicts);
        let merged = merge.merged.unwrap_or_default();
        let before = std::mem::replace(&mut current.data, Arc::new(merged));
        current.version = loaded.version;
        // The creations another writer beat are dropped for good.
        current
            .pending
            .retain(|change| !change.creates_any(&conflicts));
        let external = ExternalChanges::between(&before, &current.data);
        drop(store);
        drop(before);
        crate::object::reject_creations(self, &conflicts);
        let posts = crate::object::apply_external(self, external);
        drop(ordered);
        crate::object::post_all(self, posts);
        Ok(true)
    }

    /// Writes (see [`save`](Self::save)); with `target`, only if no write stored change
    /// `target` yet. Then settles the objects whose saves and deletions are stored. Returns the
    /// new objects whose creation was rejected (`DuplicateId`).
    ///
    /// The store's lock is held only to take a snapshot and to install the result: changes
    /// made while the backend writes wait for nothing, and the next write stores them.
    fn write(&self, target: Option<u64>) -> Result<Vec<ConfigurationError>, ConfigurationError> {
        let ordered = self.inner.save_lock.lock();
        let snapshot = self.write_store(|store| {
            let due = target.is_none_or(|target| store.written < target);
            due.then(|| {
                // No other write holds the document (the save lock is ours): in place.
                store.apply_deferred();
                (
                    store.backend.clone(),
                    store.data.clone(),
                    store.pending.clone(),
                    store.version,
                    store.changes,
                )
            })
        })?;
        let mut external = None;
        let mut conflicts = Vec::new();
        if let Some((backend, data, pending, version, upto)) = snapshot {
            let mut merge = PendingMerge::new(&data, &pending);
            let version = match backend.save_merged(version.as_ref(), &mut merge) {
                Ok(version) => version,
                Err(error) => {
                    drop(merge);
                    drop(data);
                    // The changes made during the failed write join the document; the error
                    // returned is the write's (a manager is never stopped, so this applies).
                    let _ = self.write_store(Store::apply_deferred);
                    return Err(error.into());
                }
            };
            let merged = merge.merged;
            conflicts = merge.conflicts;
            external = merged
                .as_ref()
                .map(|merged| ExternalChanges::between(&data, merged));
            // The document is the store's alone again: the changes deferred meanwhile apply
            // to it in place.
            drop(data);
            let mut store = self.inner.store.write();
            let Some(current) = store.as_mut() else {
                return Err(ConfigurationError::NotStarted);
            };
            // Changes made while the backend wrote: not stored yet, so still pending.
            let later: Vec<Arc<Change>> = current
                .pending
                .split_off(pending.len().min(current.pending.len()));
            // The written changes (and a replaced document) are freed after the lock is
            // released.
            let written_changes = std::mem::take(&mut current.pending);
            let mut replaced = None;
            if let Some(mut merged) = merged {
                for change in &later {
                    change.apply(&mut merged);
                }
                replaced = Some(std::mem::replace(&mut current.data, Arc::new(merged)));
                current.deferred = 0;
            }
            current.pending = later;
            current.apply_deferred();
            current.written = upto;
            current.version = version;
            drop(store);
            drop(written_changes);
            drop(replaced);
        }
        let written = self.read_store(|store| store.written)?;
        let rejected = crate::object::reject_creations(self, &conflicts);
        // What other writers changed first: an object they deleted is deleted before its own
        // save here (whose changes were dropped) could be settled as stored.
        let mut posts = external.map_or_else(Vec::new, |external| {
            crate::object::apply_external(self, external)
        });
        posts.extend(crate::object::settle_written(self, written));
        drop(ordered);
        crate::object::post_all(self, posts);
        Ok(rejected)
    }

    /// A copy of the whole document as it is in memory now.
    pub fn data(&self) -> Result<Data, ConfigurationError> {
        self.read_document(Data::clone)
    }

    /// Runs `f` on the document, under a read lock: saves made meanwhile wait until `f`
    /// returns. The document is not copied, except once when changes were made while a write
    /// was in progress (they are applied first, to a copy, as the write holds the document).
    pub fn with_data<R>(&self, f: impl FnOnce(&Data) -> R) -> Result<R, ConfigurationError> {
        self.read_document(f)
    }

    /// A handle that does not keep the manager alive (for observers that call back into it).
    pub fn downgrade(&self) -> WeakConfigurationManager {
        WeakConfigurationManager {
            inner: Arc::downgrade(&self.inner),
        }
    }

    /// The file the backend stores the document in, for [`watch`](Self::watch).
    pub(crate) fn backend_watch_path(
        &self,
    ) -> Result<Option<std::path::PathBuf>, ConfigurationError> {
        self.read_store(|store| store.backend.watch_path())
    }

    /// The notification center of this manager.
    pub fn notifications(&self) -> &NotificationCenter {
        &self.inner.notifications
    }
}

/// A [`ConfigurationManager`] that may have been dropped; see
/// [`ConfigurationManager::downgrade`].
#[derive(Debug, Clone, Default)]
pub struct WeakConfigurationManager {
    inner: std::sync::Weak<ManagerInner>,
}

impl WeakConfigurationManager {
    /// The manager, if it still exists.
    pub fn upgrade(&self) -> Option<ConfigurationManager> {
        self.inner
            .upgrade()
            .map(|inner| ConfigurationManager { inner })
    }
}

impl Store {
    /// Applies the deferred changes to the document (copying it first if a write holds it).
    fn apply_deferred(&mut self) {
        if self.deferred == 0 {
            return;
        }
        let data = Arc::make_mut(&mut self.data);
        for change in &self.pending[self.pending.len() - self.deferred..] {
            // Live objects are one per id: a creation never conflicts here.
            change.apply(data);
        }
        self.deferred = 0;
    }
}

/// The first rejected creation of a write as an error.
fn first_rejected(rejected: Vec<ConfigurationError>) -> Result<(), ConfigurationError> {
    match rejected.into_iter().next() {
        Some(error) => Err(error),
        None => Ok(()),
    }
}

/// Removes the entry at `key`, pruning its group if that becomes empty.
fn remove_entry(data: &mut Data, key: &ObjectKey) -> Option<Value> {
    match &key.group {
        None => data.remove(&key.name),
        Some(group) => {
            let parent = data.group_mut(group)?;
            let removed = parent.remove(&key.name);
            if parent.is_empty() {
                data.remove(group);
            }
            removed
        }
    }
}
