//! [`MemoryBackend`]: keeps the document in memory (spec section "MemoryBackend").

use std::sync::Arc;

use parking_lot::Mutex;

use super::Backend;
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
    stored: Arc<Mutex<Data>>,
    saves: Arc<Mutex<usize>>,
}

impl std::fmt::Debug for MemoryBackend {
    /// Shows the size only: the document may hold passwords.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryBackend")
            .field("top_level_names", &self.stored.lock().len())
            .field("saves", &*self.saves.lock())
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
        *backend.stored.lock() = data;
        backend
    }

    /// A copy of what is stored now.
    pub fn data(&self) -> Data {
        self.stored.lock().clone()
    }

    /// How many times `save` was called.
    pub fn save_count(&self) -> usize {
        *self.saves.lock()
    }
}

impl Backend for MemoryBackend {
    fn load(&self) -> Result<Data, BackendError> {
        Ok(self.stored.lock().clone())
    }

    fn save(&self, data: &Data) -> Result<(), BackendError> {
        *self.stored.lock() = data.clone();
        *self.saves.lock() += 1;
        Ok(())
    }
}
