//! [`ConfigurationManager`]: the configuration document in memory, and its backend (spec section
//! "ConfigurationManager").

use std::fmt;
use std::sync::{Arc, OnceLock};

use parking_lot::{Mutex, RwLock};

use crate::backend::Backend;
use crate::extension::ExtensionRegistry;
use crate::notification::NotificationCenter;
use crate::object::ObjectRegistry;
use crate::{ConfigurationError, Data, ObjectNotFoundError, Patch, Value};

/// Holds the configuration document and saves it through a [`Backend`].
///
/// `update`, `delete` and `rename` change the document in memory only; [`save`](Self::save)
/// writes the whole document with one backend call. Every method but [`start`](Self::start)
/// returns [`ConfigurationError::NotStarted`] until the manager is started.
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
    /// Held across taking the document and writing it, so that saves reach the backend in order.
    save_lock: Mutex<()>,
    pub(crate) notifications: NotificationCenter,
    pub(crate) objects: ObjectRegistry,
    pub(crate) extensions: ExtensionRegistry,
}

struct Store {
    backend: Box<dyn Backend>,
    data: Data,
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
        let data = backend.load()?;
        *store = Some(Store {
            backend: Box::new(backend),
            data,
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
        self.write_store(|store| {
            let parent = match &key.group {
                Some(group) => store.data.group_entry(group),
                None => &mut store.data,
            };
            let object = parent.group_entry(&key.name);
            patch.apply_to(object);
            if object.is_empty() && !persistent {
                parent.remove(&key.name);
            }
            if let Some(group) = &key.group {
                if store.data.group(group).is_some_and(Data::is_empty) {
                    store.data.remove(group);
                }
            }
        })
    }

    /// Removes the object `name` of `group`, if stored; a group left empty is removed too.
    pub fn delete(&self, group: Option<&str>, name: &str) -> Result<(), ConfigurationError> {
        let key = ObjectKey::new(group, name);
        self.write_store(|store| {
            remove_entry(&mut store.data, &key);
        })
    }

    /// The object stored as `name` in `group`, or [`ObjectNotFoundError`].
    pub fn get(&self, group: Option<&str>, name: &str) -> Result<Value, ConfigurationError> {
        let key = ObjectKey::new(group, name);
        self.read_store(|store| {
            store
                .data
                .get_path(&key.path())
                .cloned()
                .ok_or_else(|| ObjectNotFoundError { key: key.path() }.into())
        })?
    }

    /// The names of the objects in `group` (the top-level names for `None`); empty when the group
    /// does not exist.
    pub fn get_names(&self, group: Option<&str>) -> Result<Vec<String>, ConfigurationError> {
        self.read_store(|store| {
            let data = match group {
                Some(group) => store.data.group(group),
                None => Some(&store.data),
            };
            data.map(|d| d.names().map(str::to_owned).collect())
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
            let value = remove_entry(&mut store.data, &old)
                .ok_or_else(|| ObjectNotFoundError { key: old.path() })?;
            let parent = match &new.group {
                Some(group) => store.data.group_entry(group),
                None => &mut store.data,
            };
            parent.insert(new.name.clone(), value);
            Ok(())
        })?
    }

    /// Writes the whole document with one backend call.
    pub fn save(&self) -> Result<(), ConfigurationError> {
        let _ordered = self.inner.save_lock.lock();
        let store = self.inner.store.read();
        let store = store.as_ref().ok_or(ConfigurationError::NotStarted)?;
        store.backend.save(&store.data)?;
        Ok(())
    }

    /// A copy of the whole document as it is in memory now.
    pub fn data(&self) -> Result<Data, ConfigurationError> {
        self.read_store(|store| store.data.clone())
    }

    /// Runs `f` on the document without copying it.
    pub fn with_data<R>(&self, f: impl FnOnce(&Data) -> R) -> Result<R, ConfigurationError> {
        self.read_store(|store| f(&store.data))
    }

    /// A handle that does not keep the manager alive (for observers that call back into it).
    pub fn downgrade(&self) -> WeakConfigurationManager {
        WeakConfigurationManager {
            inner: Arc::downgrade(&self.inner),
        }
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
