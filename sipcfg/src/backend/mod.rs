//! Configuration backends (spec section "Backend API"): where the configuration document is
//! loaded from and saved to.
//!
//! A backend only knows how to store a whole [`Data`] document. Two are provided:
//! [`FileBackend`], the plain-text format of the spec (the default), and [`MemoryBackend`].

mod file;
mod memory;

pub use file::{Encoding, FileBackend, FileLock, LockMode, DEFAULT_MAX_SIZE};
pub use memory::MemoryBackend;

use crate::{BackendError, Data};

/// Storage for the configuration document (the spec's `IBackend`).
///
/// Implement it to keep settings elsewhere (a database, a platform settings store). Both methods
/// take `&self`: a backend is shared by the manager and may be called from any thread.
pub trait Backend: Send + Sync {
    /// Loads the whole document. A backend with nothing stored yet returns an empty document.
    fn load(&self) -> Result<Data, BackendError>;
    /// Stores the whole document, replacing what was stored before.
    fn save(&self, data: &Data) -> Result<(), BackendError>;
}

impl<B: Backend + ?Sized> Backend for Box<B> {
    fn load(&self) -> Result<Data, BackendError> {
        (**self).load()
    }
    fn save(&self, data: &Data) -> Result<(), BackendError> {
        (**self).save(data)
    }
}

impl<B: Backend + ?Sized> Backend for std::sync::Arc<B> {
    fn load(&self) -> Result<Data, BackendError> {
        (**self).load()
    }
    fn save(&self, data: &Data) -> Result<(), BackendError> {
        (**self).save(data)
    }
}
