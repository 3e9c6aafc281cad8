//! [`MemoryBackend`]: keeps the document in memory (spec section "MemoryBackend").

use std::sync::Arc;

use parking_lot::Mutex;

use super::{Backend, Loaded, Merge, StoreVersion};
use crate::{BackendError, Data};

/// A volatile backend: `load` returns what the last `save` stored (an empty document at first).
///
/// Clones share the same storage, so a test can keep one clone to look at what the manager saved.
///
/// ```
/// use sipcfg::backend::{Backend, MemoryBackend};
/// use sipcfg::Data;
///
/// let backend = MemoryBackend::new();
/// let mut data = Data::new();
/// data.insert("user_agent", "demo");
/// backend.save(&data).unwrap();
/// assert_eq!(backend.load().unwrap(), data);
/// ```
#[derive(Clone, Default)]
pub struct MemoryBackend {
    store: Arc<Mutex<MemoryStore>>,
}

#[derive(Default)]
struct MemoryStore {
    data: Data,
    /// Saves so far; also the version of `data`.
    saves: u64,
    /// While set, every save fails (to test what callers do when storage fails).
    failing: bool,
}

impl std::fmt::Debug for MemoryBackend {
    /// Shows the size only: the document may hold passwords.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let store = self.store.lock();
        f.debug_struct("MemoryBackend")
            .field("top_level_names", &store.data.len())
            .field("saves", &store.saves)
            .finish()
    }
}

impl MemoryBackend {
    /// An empty memory backend.
    pub fn new() -> Self {
        MemoryBackend::default()
    }

    /// A memory backend that starts out holding `data`.
    pub fn with_data(data: Data) -> Self {
        let backend = MemoryBackend::new();
        backend.store.lock().data = data;
        backend
    }

    /// A copy of what is stored now.
    pub fn data(&self) -> Data {
        self.store.lock().data.clone()
    }

    /// How many times a save stored a document.
    pub fn save_count(&self) -> usize {
        usize::try_from(self.store.lock().saves).unwrap_or(usize::MAX)
    }

    /// Makes every save fail (`true`) or work again (`false`), as a full disk would: for
    /// testing what an application does when its settings cannot be stored.
    pub fn set_failing(&self, failing: bool) {
        self.store.lock().failing = failing;
    }
}

impl MemoryStore {
    fn store(&mut self, data: &Data) -> Result<StoreVersion, BackendError> {
        if self.failing {
            return Err(BackendError::Other(
                "the memory backend is set to fail (MemoryBackend::set_failing)".into(),
            ));
        }
        self.data = data.clone();
        self.saves += 1;
        Ok(StoreVersion::from_number(self.saves))
    }
}

impl Backend for MemoryBackend {
    fn load(&self) -> Result<Data, BackendError> {
        Ok(self.store.lock().data.clone())
    }

    fn save(&self, data: &Data) -> Result<(), BackendError> {
        self.store.lock().store(data).map(drop)
    }

    fn load_versioned(&self) -> Result<Loaded, BackendError> {
        let store = self.store.lock();
        Ok(Loaded {
            data: store.data.clone(),
            version: Some(StoreVersion::from_number(store.saves)),
        })
    }

    /// Merges and stores under the backend's lock: managers sharing one memory backend never
    /// lose each other's changes.
    fn save_merged(
        &self,
        since: Option<&StoreVersion>,
        merge: &mut dyn Merge,
    ) -> Result<Option<StoreVersion>, BackendError> {
        let mut store = self.store.lock();
        if since != Some(&StoreVersion::from_number(store.saves)) {
            merge.rebase(store.data.clone());
        }
        store.store(merge.document()).map(Some)
    }
}
