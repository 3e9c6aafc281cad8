//! Configuration backends (spec section "Backend API"): where the configuration document is
//! loaded from and saved to.
//!
//! A backend only knows how to store a whole [`Data`] document. Two are provided:
//! [`FileBackend`], the plain-text format of the spec (the default), and [`MemoryBackend`].
//!
//! # Many writers
//!
//! Several managers (in one process or in several) may share one backend. A manager never
//! writes its whole, possibly stale, copy of the document: it calls
//! [`Backend::save_merged`], which, under the backend's exclusive lock, hands it what is stored
//! now whenever that changed since the manager last read or wrote it ([`StoreVersion`]); the
//! manager applies its own unsaved changes on top ([`Merge`]) and the backend stores the
//! result. The provided backends implement this with a real lock; a user backend that only
//! implements `load` and `save` gets a default that merges too, but without a lock around the
//! read and the write (see [`Backend::save_merged`]).

mod file;
mod memory;

pub use file::{Encoding, FileBackend, FileLock, LockMode, DEFAULT_LOCK_TIMEOUT, DEFAULT_MAX_SIZE};
pub use memory::MemoryBackend;

use std::hash::{Hash, Hasher};
use std::path::PathBuf;

use crate::{BackendError, Data};

/// Marks one stored state of a backend's document: two loads that return equal versions
/// returned the same document.
///
/// [`FileBackend`] derives it from the file's whole content (a 128-bit hash), so an edit that
/// keeps the size and the modification time is still seen; [`MemoryBackend`] counts its saves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StoreVersion(u64, u64);

impl StoreVersion {
    /// The version of a stored content given as bytes (`None`: nothing is stored).
    pub fn of_content(bytes: Option<&[u8]>) -> Self {
        let half = |seed: u8| {
            let mut hasher = std::collections::hash_map::DefaultHasher::new();
            seed.hash(&mut hasher);
            bytes.hash(&mut hasher);
            hasher.finish()
        };
        StoreVersion(half(0), half(1))
    }

    /// A version given by a counter or any other number the backend keeps.
    pub fn from_number(number: u64) -> Self {
        StoreVersion(number, 0)
    }
}

/// A loaded document and the version it was loaded at.
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded {
    /// The document.
    pub data: Data,
    /// Its version; `None` if the backend cannot tell versions apart (every save then merges).
    pub version: Option<StoreVersion>,
}

/// What a manager gives [`Backend::save_merged`]: its document, and how to put its unsaved
/// changes on top of another stored document.
pub trait Merge {
    /// The stored document changed since the version the manager knows: apply the manager's
    /// unsaved changes on top of `stored`; [`document`](Self::document) then returns the
    /// result.
    fn rebase(&mut self, stored: Data);
    /// The document to store.
    fn document(&self) -> &Data;
}

/// Storage for the configuration document (the spec's `IBackend`).
///
/// Implement it to keep settings elsewhere (a database, a platform settings store). Every method
/// takes `&self`: a backend is shared by the manager and may be called from any thread. Only
/// [`load`](Self::load) and [`save`](Self::save) are required; override
/// [`load_versioned`](Self::load_versioned) and [`save_merged`](Self::save_merged) to give
/// several writers the guarantees of the provided backends.
pub trait Backend: Send + Sync {
    /// Loads the whole document. A backend with nothing stored yet returns an empty document.
    fn load(&self) -> Result<Data, BackendError>;

    /// Stores the whole document, replacing what was stored before.
    fn save(&self, data: &Data) -> Result<(), BackendError>;

    /// Loads the whole document with its version. The default has no version.
    fn load_versioned(&self) -> Result<Loaded, BackendError> {
        Ok(Loaded {
            data: self.load()?,
            version: None,
        })
    }

    /// Stores `merge`'s document, merged with what is stored now, and returns the new version.
    ///
    /// Under an exclusive lock (against every other writer of the same storage), the backend
    /// reads what is stored; if its version is not `since` (or `since` is `None`), it calls
    /// [`Merge::rebase`] with it. Then it stores [`Merge::document`]. If what is stored cannot
    /// be read (a syntax error), nothing is written and the error is returned.
    ///
    /// The default loads, rebases and saves with no lock around them: two processes saving at
    /// the same instant may still lose one's changes. Backends shared between processes should
    /// override it.
    fn save_merged(
        &self,
        since: Option<&StoreVersion>,
        merge: &mut dyn Merge,
    ) -> Result<Option<StoreVersion>, BackendError> {
        let _ = since;
        merge.rebase(self.load()?);
        self.save(merge.document())?;
        Ok(None)
    }

    /// The file to watch for changes made by other programs, if the backend has one
    /// (see [`ConfigurationManager::watch`](crate::ConfigurationManager::watch)).
    fn watch_path(&self) -> Option<PathBuf> {
        None
    }
}

macro_rules! forward_backend {
    ($($wrapper:ty),*) => {$(
        impl<B: Backend + ?Sized> Backend for $wrapper {
            fn load(&self) -> Result<Data, BackendError> {
                (**self).load()
            }
            fn save(&self, data: &Data) -> Result<(), BackendError> {
                (**self).save(data)
            }
            fn load_versioned(&self) -> Result<Loaded, BackendError> {
                (**self).load_versioned()
            }
            fn save_merged(
                &self,
                since: Option<&StoreVersion>,
                merge: &mut dyn Merge,
            ) -> Result<Option<StoreVersion>, BackendError> {
                (**self).save_merged(since, merge)
            }
            fn watch_path(&self) -> Option<PathBuf> {
                (**self).watch_path()
            }
        }
    )*};
}

forward_backend!(Box<B>, std::sync::Arc<B>);
