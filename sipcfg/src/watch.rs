//! [`ConfigurationManager::watch`]: reload the document when another program changes the file.
//!
//! The backend names the file ([`Backend::watch_path`](crate::backend::Backend::watch_path));
//! its *directory* is watched, because every save replaces the file by a rename (a watch on
//! the file itself would follow the old, replaced file). Events are filtered by the file's
//! name, coalesced for [`DEBOUNCE`], and answered with [`ConfigurationManager::reload`] on a
//! thread of the watcher's own. The watcher holds the manager weakly: it never keeps it alive.
//!
//! This manager's own saves produce events too; their reload finds the content it wrote (same
//! [`StoreVersion`](crate::backend::StoreVersion)) and does nothing else.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::Arc;
use std::thread::{self, JoinHandle, ThreadId};
use std::time::Duration;

use notify::{RecursiveMode, Watcher as _};
use parking_lot::Mutex;

use crate::{BackendError, ConfigurationError, ConfigurationManager, WeakConfigurationManager};

/// How long a burst of events for the file is awaited before one reload answers all of it.
pub const DEBOUNCE: Duration = Duration::from_millis(50);

/// Watches the configuration file while it lives; see [`ConfigurationManager::watch`].
///
/// Dropping it stops the watching (it waits for a reload in progress to end, unless it is
/// dropped by an observer called from that very reload).
pub struct Watcher {
    /// Dropping it ends the event stream, which ends the worker thread.
    events: Option<notify::RecommendedWatcher>,
    worker: Option<JoinHandle<()>>,
    worker_id: ThreadId,
    shared: Arc<Shared>,
    file: PathBuf,
}

#[derive(Default)]
struct Shared {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    last_error: Option<Arc<ConfigurationError>>,
    reloads: u64,
    changes: u64,
}

impl std::fmt::Debug for Watcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Watcher")
            .field("file", &self.file)
            .field("reloads", &self.reloads())
            .finish_non_exhaustive()
    }
}

impl Watcher {
    /// The file watched (the configuration file after its symbolic links).
    pub fn file(&self) -> &Path {
        &self.file
    }

    /// The error of the latest reload, if it failed: for example the parse error (file, line,
    /// column) of a file that a person is still editing. `None` once a reload succeeds again.
    /// A failed reload changes nothing in memory and the watcher keeps watching.
    pub fn last_error(&self) -> Option<Arc<ConfigurationError>> {
        self.shared.state.lock().last_error.clone()
    }

    /// How many reloads the watcher ran (one per burst of events for the file).
    pub fn reloads(&self) -> u64 {
        self.shared.state.lock().reloads
    }

    /// How many of those reloads found a changed document.
    pub fn changes_seen(&self) -> u64 {
        self.shared.state.lock().changes
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        drop(self.events.take());
        if let Some(worker) = self.worker.take() {
            // An observer of a reload may drop the watcher: it must not wait for itself.
            if thread::current().id() != self.worker_id {
                let _ = worker.join();
            }
        }
    }
}

impl ConfigurationManager {
    /// Watches the backend's file and [`reload`](Self::reload)s when another program changes
    /// it, so that observers learn of the change (`Origin::External`, with old and new values)
    /// without a save or reload of their own. Opt-in; watching stops when the returned
    /// [`Watcher`] is dropped.
    ///
    /// Events are coalesced for [`DEBOUNCE`] (50 ms) and answered on the watcher's thread,
    /// where the observers are then called. A reload that fails (a file with a syntax error
    /// while a person edits it) changes nothing and does not stop the watcher: its error is
    /// kept for [`Watcher::last_error`], and the next change of the file is reloaded again.
    ///
    /// Fails with [`ConfigurationError::NotStarted`], or with a [`BackendError::Io`] if the
    /// backend has no file ([`Backend::watch_path`](crate::backend::Backend::watch_path) is
    /// `None`, as for `MemoryBackend`) or the file's directory cannot be watched.
    pub fn watch(&self) -> Result<Watcher, ConfigurationError> {
        let file = self
            .backend_watch_path()?
            .ok_or_else(|| watch_error(PathBuf::new(), unsupported()))?;
        let (directory, name) = split(&file)?;
        let (sender, receiver) = mpsc::channel::<()>();
        let wanted = name.clone();
        let mut events =
            notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
                // Errors of the event source are followed by a reload too: it costs one read.
                let relevant = match event {
                    Ok(event) => event
                        .paths
                        .iter()
                        .any(|path| path.file_name() == Some(wanted.as_os_str())),
                    Err(_) => true,
                };
                if relevant {
                    let _ = sender.send(());
                }
            })
            .map_err(|error| watch_error(directory.clone(), notify_io(error)))?;
        events
            .watch(&directory, RecursiveMode::NonRecursive)
            .map_err(|error| watch_error(directory.clone(), notify_io(error)))?;
        let shared = Arc::new(Shared::default());
        let weak = self.downgrade();
        let worker = thread::Builder::new()
            .name("sipcfg-watch".into())
            .spawn({
                let shared = shared.clone();
                move || run(receiver, weak, shared)
            })
            .map_err(|error| watch_error(directory.clone(), error))?;
        Ok(Watcher {
            events: Some(events),
            worker_id: worker.thread().id(),
            worker: Some(worker),
            shared,
            file,
        })
    }
}

/// The worker: one reload per burst of events, until the event source is dropped.
fn run(events: mpsc::Receiver<()>, manager: WeakConfigurationManager, shared: Arc<Shared>) {
    while events.recv().is_ok() {
        // Coalesce: wait until the file has been quiet for DEBOUNCE.
        loop {
            match events.recv_timeout(DEBOUNCE) {
                Ok(()) => continue,
                Err(RecvTimeoutError::Timeout) => break,
                Err(RecvTimeoutError::Disconnected) => return,
            }
        }
        let Some(manager) = manager.upgrade() else {
            return;
        };
        let result = manager.reload();
        drop(manager);
        let mut state = shared.state.lock();
        state.reloads += 1;
        match result {
            Ok(changed) => {
                state.changes += u64::from(changed);
                state.last_error = None;
            }
            Err(error) => state.last_error = Some(Arc::new(error)),
        }
    }
}

/// The directory to watch and the file's name in it.
fn split(file: &Path) -> Result<(PathBuf, std::ffi::OsString), ConfigurationError> {
    let name = file
        .file_name()
        .ok_or_else(|| watch_error(file.to_owned(), io::Error::other("it names no file")))?
        .to_owned();
    let directory = match file.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
        _ => PathBuf::from("."),
    };
    Ok((directory, name))
}

fn unsupported() -> io::Error {
    io::Error::new(
        io::ErrorKind::Unsupported,
        "the backend has no file to watch",
    )
}

fn notify_io(error: notify::Error) -> io::Error {
    match error.kind {
        notify::ErrorKind::Io(error) => error,
        other => io::Error::other(format!("{other:?}")),
    }
}

fn watch_error(path: PathBuf, source: io::Error) -> ConfigurationError {
    BackendError::Io {
        operation: "watch",
        path,
        source,
    }
    .into()
}
