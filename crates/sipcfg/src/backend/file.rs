//! FileBackend (placeholder: being written).
use super::Backend;
use crate::{BackendError, Data};
use std::path::PathBuf;

/// Text encodings (placeholder).
#[derive(Debug, Clone, Copy, Default)]
pub enum Encoding {
    /// UTF-8.
    #[default]
    Utf8,
}

/// File backend (placeholder).
#[derive(Debug, Clone)]
pub struct FileBackend {
    path: PathBuf,
}

impl FileBackend {
    /// New backend.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        FileBackend { path: path.into() }
    }
}

impl Backend for FileBackend {
    fn load(&self) -> Result<Data, BackendError> {
        let _ = &self.path;
        Ok(Data::new())
    }
    fn save(&self, _data: &Data) -> Result<(), BackendError> {
        Ok(())
    }
}
