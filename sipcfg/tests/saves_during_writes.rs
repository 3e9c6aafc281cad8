//! Saves made while a write is in progress, and saves of a new object before its creation is
//! stored: nothing they change is lost (docs/design.md, "Many writers, one file").

mod common;

use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use sipcfg::backend::{Backend, Loaded, MemoryBackend, Merge, StoreVersion};
use sipcfg::{BackendError, ConfigurationError, ConfigurationManager, Data};

fn stored(backend: &MemoryBackend, path: &[&str]) -> Option<sipcfg::Value> {
    backend.data().get_path(path).cloned()
}

fn start(backend: impl Backend + 'static) -> ConfigurationManager {
    let manager = ConfigurationManager::new();
    manager.start(backend).expect("starts");
    manager
}

/// Each write reports that it started, waits for the test's word (`true`: go on, `false`:
/// fail), then writes or fails.
#[derive(Clone)]
struct Gated {
    memory: MemoryBackend,
    started: Arc<Mutex<mpsc::Sender<()>>>,
    gate: Arc<Mutex<mpsc::Receiver<bool>>>,
}

fn gated() -> (Gated, mpsc::Receiver<()>, mpsc::Sender<bool>) {
    let (started_tx, started) = mpsc::channel();
    let (open, gate) = mpsc::channel();
    (
        Gated {
            memory: MemoryBackend::new(),
            started: Arc::new(Mutex::new(started_tx)),
            gate: Arc::new(Mutex::new(gate)),
        },
        started,
        open,
    )
}

impl Backend for Gated {
    fn load(&self) -> Result<Data, BackendError> {
        self.memory.load()
    }
    fn save(&self, data: &Data) -> Result<(), BackendError> {
        self.memory.save(data)
    }
    fn load_versioned(&self) -> Result<Loaded, BackendError> {
        self.memory.load_versioned()
    }
    fn save_merged(
        &self,
        since: Option<&StoreVersion>,
        merge: &mut dyn Merge,
    ) -> Result<Option<StoreVersion>, BackendError> {
        let _ = self.started.lock().unwrap().send(());
        let go = self.gate.lock().unwrap().recv().unwrap_or(true);
        if !go {
            return Err(BackendError::Other("disk full (test)".into()));
        }
        self.memory.save_merged(since, merge)
    }
}

/// A new object saved twice inside one batch: the second save's changes must be stored.
#[test]
fn new_object_saved_twice_in_a_batch_keeps_the_second_save() {
    let backend = MemoryBackend::new();
    let manager = start(backend.clone());
    let alice = Account::get(&manager, "alice@example.com").unwrap();
    manager
        .batch(|| {
            alice.save()?;
            alice.set_enabled(true)?;
            alice.save()?;
            Ok::<_, ConfigurationError>(())
        })
        .unwrap();
    assert!(alice.get_modified().is_empty(), "reported stored");
    assert_eq!(
        manager
            .get(Some("Accounts"), "alice@example.com")
            .unwrap()
            .as_group()
            .and_then(|g| g.get("enabled").cloned()),
        Some("true".into()),
        "in memory"
    );
    assert_eq!(
        stored(&backend, &["Accounts", "alice@example.com", "enabled"]),
        Some("true".into()),
        "on the backend"
    );
}

/// A new object's first save is being written; the object changes and is saved again from
/// another thread meanwhile: the second save's changes must be stored.
#[test]
fn new_object_saved_again_during_its_first_write() {
    let (backend, started, open) = gated();
    let memory = backend.memory.clone();
    let manager = start(backend);
    let alice = Account::get(&manager, "alice@example.com").unwrap();
    let first = {
        let alice = alice.clone();
        std::thread::spawn(move || alice.save())
    };
    started.recv().unwrap();
    alice.set_enabled(true).unwrap();
    let second = {
        let alice = alice.clone();
        std::thread::spawn(move || alice.save())
    };
    // Let the first write go, then the second.
    std::thread::sleep(Duration::from_millis(100));
    open.send(true).unwrap();
    first.join().unwrap().unwrap();
    let _ = started.recv_timeout(Duration::from_secs(5));
    open.send(true).unwrap();
    let second = second.join().unwrap();
    assert!(second.is_ok(), "second save: {second:?}");
    assert!(alice.get_modified().is_empty());
    assert_eq!(
        stored(&memory, &["Accounts", "alice@example.com", "enabled"]),
        Some("true".into())
    );
}

/// A write fails while changes made during it wait: nothing lost, reads see them, the next
/// save writes all.
#[test]
fn failed_write_with_deferred_changes_keeps_everything() {
    let (backend, started, open) = gated();
    let memory = backend.memory.clone();
    let manager = start(backend);
    let one: Data = [("x", "1")].into_iter().collect();
    manager.update(Some("G"), "a", one).unwrap();
    let writer = {
        let manager = manager.clone();
        std::thread::spawn(move || manager.save())
    };
    started.recv().unwrap();
    let two: Data = [("x", "2")].into_iter().collect();
    manager.update(Some("G"), "b", two).unwrap();
    manager.rename(Some("G"), "a", "c").unwrap();
    let three: Data = [("y", "3")].into_iter().collect();
    manager.update(Some("G"), "c", three).unwrap();
    open.send(false).unwrap();
    assert!(writer.join().unwrap().is_err());
    assert!(manager.has_unsaved_changes().unwrap());
    let names = manager.get_names(Some("G")).unwrap();
    assert_eq!(names, vec!["b", "c"]);
    let writer = {
        let manager = manager.clone();
        std::thread::spawn(move || manager.save())
    };
    started.recv().unwrap();
    open.send(true).unwrap();
    writer.join().unwrap().unwrap();
    assert_eq!(stored(&memory, &["G", "b", "x"]), Some("2".into()));
    assert_eq!(stored(&memory, &["G", "c", "x"]), Some("1".into()));
    assert_eq!(stored(&memory, &["G", "c", "y"]), Some("3".into()));
    assert!(stored(&memory, &["G", "a"]).is_none());
    assert_eq!(manager.data().unwrap(), memory.data());
}

/// A stored object renamed and saved while another write runs (deferred Rename + Update).
#[test]
fn rename_during_a_write_is_read_and_stored() {
    let (backend, started, open) = gated();
    let memory = backend.memory.clone();
    let manager = start(backend);
    let alice = Account::get(&manager, "alice@example.com").unwrap();
    {
        let a = alice.clone();
        let t = std::thread::spawn(move || a.save());
        started.recv().unwrap();
        open.send(true).unwrap();
        t.join().unwrap().unwrap();
    }
    let bob = Account::get(&manager, "bob@example.com").unwrap();
    let writer = {
        let bob = bob.clone();
        std::thread::spawn(move || bob.save())
    };
    started.recv().unwrap();
    alice.set_id("alice2@example.com").unwrap();
    alice.set_enabled(true).unwrap();
    let saver = {
        let alice = alice.clone();
        std::thread::spawn(move || alice.save())
    };
    // The save is queued (deferred): reads see it.
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while !manager
        .get_names(Some("Accounts"))
        .unwrap()
        .contains(&"alice2@example.com".to_owned())
    {
        assert!(std::time::Instant::now() < deadline, "never read");
        std::thread::yield_now();
    }
    open.send(true).unwrap();
    writer.join().unwrap().unwrap();
    let _ = started.recv_timeout(Duration::from_secs(5));
    open.send(true).unwrap();
    saver.join().unwrap().unwrap();
    assert!(stored(&memory, &["Accounts", "alice@example.com"]).is_none());
    assert_eq!(
        stored(&memory, &["Accounts", "alice2@example.com", "enabled"]),
        Some("true".into())
    );
    assert!(stored(&memory, &["Accounts", "bob@example.com"]).is_some());
}

/// `with_data` whose closure reads the manager again, while a change waits for a write.
#[test]
fn with_data_calling_back_into_the_manager_during_a_write() {
    let (backend, started, open) = gated();
    let manager = start(backend);
    let one: Data = [("x", "1")].into_iter().collect();
    manager.update(Some("G"), "a", one.clone()).unwrap();
    let writer = {
        let manager = manager.clone();
        std::thread::spawn(move || manager.save())
    };
    started.recv().unwrap();
    manager.update(Some("G"), "b", one).unwrap(); // deferred
    let (done_tx, done) = mpsc::channel();
    {
        let manager = manager.clone();
        std::thread::spawn(move || {
            let names = manager
                .with_data(|data| {
                    let n = data.group("G").map(|g| g.len());
                    (n, manager.get_names(Some("G")).map(|v| v.len()))
                })
                .map(|(n, m)| (n, m.ok()));
            let _ = done_tx.send(names.ok());
        });
    }
    let result = done.recv_timeout(Duration::from_secs(3));
    let _ = open.send(true);
    assert!(
        result.is_ok(),
        "with_data(|_| manager.get_names(..)) deadlocked while a change was waiting for a write"
    );
    let _ = writer;
}

/// As above, but another writer changes the storage before the second write: the second
/// save's creation now "conflicts" with the object's own first save.
#[test]
fn new_object_saved_again_during_its_first_write_then_merged() {
    let (backend, started, open) = gated();
    let memory = backend.memory.clone();
    let manager = start(backend);
    let other = start(memory.clone());
    let alice = Account::get(&manager, "alice@example.com").unwrap();
    let first = {
        let alice = alice.clone();
        std::thread::spawn(move || alice.save())
    };
    started.recv().unwrap();
    alice.set_enabled(true).unwrap();
    let second = {
        let alice = alice.clone();
        std::thread::spawn(move || alice.save())
    };
    std::thread::sleep(Duration::from_millis(100));
    open.send(true).unwrap();
    first.join().unwrap().unwrap();
    started.recv_timeout(Duration::from_secs(5)).unwrap();
    // Another writer stores something else before the second write reads the storage.
    let x: Data = [("x", "1")].into_iter().collect();
    other.update(Some("Other"), "o", x).unwrap();
    other.save().unwrap();
    open.send(true).unwrap();
    let second = second.join().unwrap();
    assert!(second.is_ok(), "second save: {second:?}");
    assert!(
        !alice.raw().is_deleted(),
        "alice was rejected as a duplicate of herself"
    );
    assert_eq!(
        stored(&memory, &["Accounts", "alice@example.com", "enabled"]),
        Some("true".into())
    );
}

/// A new object's first save fails; the object is changed and saved again once the backend
/// works: the change made after the failure must be stored.
#[test]
fn new_object_changed_after_a_failed_first_save() {
    let backend = MemoryBackend::new();
    let manager = start(backend.clone());
    let alice = Account::get(&manager, "alice@example.com").unwrap();
    backend.set_failing(true);
    assert!(alice.save().is_err());
    backend.set_failing(false);
    alice.set_enabled(true).unwrap();
    alice.save().unwrap();
    assert!(alice.get_modified().is_empty(), "reported stored");
    assert_eq!(
        stored(&backend, &["Accounts", "alice@example.com", "enabled"]),
        Some("true".into())
    );
}

/// A new object saved twice, but another writer created the same id first: both of its saves
/// are dropped (the other's object is left exactly as stored) and the save fails `DuplicateId`.
#[test]
fn a_rejected_creation_takes_its_later_saves_with_it() {
    let backend = MemoryBackend::new();
    let manager = start(backend.clone());
    let other = start(backend.clone());
    let alice = Account::get(&manager, "alice@example.com").unwrap();
    alice.set_display_name("Ours").unwrap();
    let result = manager.batch(|| {
        alice.save()?;
        // The other program stores its own alice before this batch is written.
        let theirs = Account::get(&other, "alice@example.com")?;
        theirs.set_display_name("Theirs")?;
        theirs.save()?;
        alice.set_enabled(true)?;
        alice.save()
    });
    assert!(
        matches!(result, Err(ConfigurationError::DuplicateId { .. })),
        "{result:?}"
    );
    assert_eq!(
        stored(&backend, &["Accounts", "alice@example.com", "display_name"]),
        Some("Theirs".into())
    );
    assert_eq!(
        stored(&backend, &["Accounts", "alice@example.com", "enabled"]),
        None,
        "the later save of the rejected object changed the other's object"
    );
}

/// A save that merges another writer's change of a setting it did not change: the live
/// object takes that value and stays unchanged (a later save does not write it back), and a
/// still later change by the other writer reaches it too.
#[test]
fn a_merged_value_stays_clean_after_the_save_that_merged_it() {
    let backend = MemoryBackend::new();
    let manager = start(backend.clone());
    let ours = Account::get(&manager, "alice@example.com").unwrap();
    ours.save().unwrap();
    let other = start(backend.clone());
    let theirs = Account::get(&other, "alice@example.com").unwrap();
    ours.set_enabled(true).unwrap();
    theirs.set_display_name("First").unwrap();
    theirs.save().unwrap();
    // Merges "First" into `ours` while storing `enabled`.
    ours.save().unwrap();
    assert_eq!(ours.display_name().as_deref(), Some("First"));
    assert!(
        ours.get_modified().is_empty(),
        "the merged value looks changed here: {:?}",
        ours.get_modified()
    );
    theirs.set_display_name("Second").unwrap();
    theirs.save().unwrap();
    ours.set_enabled(false).unwrap();
    ours.save().unwrap();
    assert_eq!(
        stored(&backend, &["Accounts", "alice@example.com", "display_name"]),
        Some("Second".into()),
        "the first merged value was written back over the other writer's later one"
    );
    assert_eq!(ours.display_name().as_deref(), Some("Second"));
}

/// A new object whose first save failed, renamed, then saved: it is stored under its new id.
#[test]
fn a_new_object_renamed_after_a_failed_first_save_is_stored_under_its_new_id() {
    let backend = MemoryBackend::new();
    let manager = start(backend.clone());
    let alice = Account::get(&manager, "alice@example.com").unwrap();
    backend.set_failing(true);
    assert!(alice.save().is_err());
    backend.set_failing(false);
    alice.set_id("alice2@example.com").unwrap();
    alice.set_enabled(true).unwrap();
    alice.save().unwrap();
    assert_eq!(
        stored(&backend, &["Accounts", "alice2@example.com", "enabled"]),
        Some("true".into())
    );
}

/// The value `x` of the account `name`, as the manager reads it now.
fn value(manager: &ConfigurationManager, name: &str) -> Option<String> {
    manager
        .get(Some("Accounts"), name)
        .ok()
        .and_then(|account| account.as_group()?.get("x")?.as_str().map(str::to_owned))
}

/// Changes made while a write runs wait for it (it holds the document), but reads see them at
/// once; the write stores what was there when it started, the next save the rest.
#[test]
fn changes_made_while_a_write_runs_are_read_at_once_and_written_by_the_next_save() {
    let (backend, started, open) = gated();
    let memory = backend.memory.clone();
    let manager = start(backend);
    let one: Data = [("x", "1")].into_iter().collect();
    manager.update(Some("Accounts"), "a", one).unwrap();
    let writer = {
        let manager = manager.clone();
        std::thread::spawn(move || manager.save())
    };
    started.recv().unwrap();
    let two: Data = [("x", "2")].into_iter().collect();
    manager.update(Some("Accounts"), "a", two).unwrap();
    let other: Data = [("x", "3")].into_iter().collect();
    manager.update(Some("Accounts"), "b", other).unwrap();
    assert_eq!(value(&manager, "a").as_deref(), Some("2"));
    assert_eq!(value(&manager, "b").as_deref(), Some("3"));
    let more: Data = [("x", "4")].into_iter().collect();
    manager.update(Some("Accounts"), "b", more).unwrap();
    open.send(true).unwrap();
    writer.join().unwrap().unwrap();
    assert_eq!(stored(&memory, &["Accounts", "a", "x"]), Some("1".into()));
    assert!(stored(&memory, &["Accounts", "b"]).is_none());
    assert_eq!(value(&manager, "b").as_deref(), Some("4"));
    assert!(manager.has_unsaved_changes().unwrap());
    open.send(true).unwrap();
    manager.save().unwrap();
    assert_eq!(stored(&memory, &["Accounts", "a", "x"]), Some("2".into()));
    assert_eq!(stored(&memory, &["Accounts", "b", "x"]), Some("4".into()));
    assert_eq!(manager.data().unwrap(), memory.data());
}
