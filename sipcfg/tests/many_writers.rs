//! Many writers, one storage: saves merge with what other managers stored, failed saves keep
//! everything, batches and concurrent saves coalesce, external changes reach live objects.

mod common;

use std::sync::Arc;

use common::*;
use sipcfg::backend::{Backend, FileBackend, MemoryBackend};
use sipcfg::{
    BackendError, ConfigurationError, ConfigurationManager, NotificationKind, NotificationName,
    Origin,
};

/// What `backend` stores at `path`.
fn stored(backend: &MemoryBackend, path: &[&str]) -> Option<sipcfg::Value> {
    backend.data().get_path(path).cloned()
}

/// A started manager on `backend` (shared with others).
fn start(backend: impl Backend + 'static) -> ConfigurationManager {
    let manager = ConfigurationManager::new();
    manager.start(backend).expect("starts");
    manager
}

#[test]
fn two_managers_adding_accounts_lose_nothing() {
    let backend = MemoryBackend::new();
    let (a, b) = (start(backend.clone()), start(backend.clone()));
    for n in 0..20 {
        Account::get(&a, &format!("a{n}@example.com"))
            .unwrap()
            .save()
            .unwrap();
        Account::get(&b, &format!("b{n}@example.com"))
            .unwrap()
            .save()
            .unwrap();
    }
    let stored = backend.data();
    let accounts = stored.group("Accounts").expect("accounts stored");
    assert_eq!(accounts.len(), 40, "{stored:?}");
}

#[test]
fn different_settings_of_one_object_merge_and_the_same_setting_goes_to_the_last_save() {
    let backend = MemoryBackend::new();
    let (a, b) = (start(backend.clone()), start(backend.clone()));
    let alice = Account::get(&a, "alice@example.com").unwrap();
    alice.save().unwrap();
    // `b` started before alice was stored: it learns of her by reloading.
    assert!(b.reload().unwrap());
    let alice_b = Account::get(&b, "alice@example.com").unwrap();
    alice.set_display_name(Some("Alice".to_owned())).unwrap();
    alice.tls().set_verify_server(true).unwrap();
    alice_b.set_enabled(true).unwrap();
    alice_b.tls().set_verify_server(false).unwrap();
    alice.save().unwrap();
    alice_b.save().unwrap();
    let stored = backend.data();
    let get = |path: &[&str]| stored.get_path(path).cloned();
    let entry = ["Accounts", "alice@example.com"];
    assert_eq!(
        get(&[entry[0], entry[1], "display_name"]),
        Some("Alice".into())
    );
    assert_eq!(get(&[entry[0], entry[1], "enabled"]), Some("true".into()));
    assert_eq!(
        get(&[entry[0], entry[1], "tls", "verify_server"]),
        Some("false".into()),
        "the later save wins for the setting both changed"
    );
    // And the first manager learnt the other's values at its next save or reload.
    a.reload().unwrap();
    assert!(alice.enabled());
    assert!(!alice.tls().verify_server());
}

#[test]
fn external_changes_reach_live_objects_with_old_and_new_values() {
    let backend = MemoryBackend::new();
    let (app, tool) = (start(backend.clone()), start(backend.clone()));
    let alice = Account::get(&app, "alice@example.com").unwrap();
    alice.save().unwrap();
    let recorder = Recorder::new(&app);

    tool.reload().unwrap();
    let alice_tool = Account::get(&tool, "alice@example.com").unwrap();
    alice_tool
        .set_display_name(Some("Alice Tool".to_owned()))
        .unwrap();
    alice_tool.save().unwrap();
    Account::get(&tool, "bob@example.com")
        .unwrap()
        .save()
        .unwrap();

    assert!(app.reload().unwrap(), "the stored document changed");
    assert_eq!(alice.display_name(), Some("Alice Tool".to_owned()));
    let seen = recorder.take();
    let change = seen
        .iter()
        .find(|n| n.kind.name() == NotificationName::SettingsObjectDidChange)
        .expect("a change notification");
    assert_eq!(change.origin, Origin::External);
    assert_eq!(change.sender.id, "alice@example.com");
    let NotificationKind::SettingsObjectDidChange { modified } = &change.kind else {
        unreachable!()
    };
    let display = &modified["display_name"];
    assert_eq!(display.old::<Option<String>>(), Some(&None));
    assert_eq!(
        display.new_value::<Option<String>>(),
        Some(&Some("Alice Tool".to_owned()))
    );
    assert!(seen.iter().any(|n| n.origin == Origin::External
        && n.sender.id == "bob@example.com"
        && n.kind.name() == NotificationName::SettingsObjectWasCreated));
    assert!(!app.reload().unwrap(), "nothing changed since");

    // Deleted by the other manager: the live object learns it.
    Account::get(&tool, "alice@example.com")
        .unwrap()
        .delete()
        .unwrap();
    app.reload().unwrap();
    assert!(alice.raw().is_deleted());
    assert!(recorder.take().iter().any(|n| n.origin == Origin::External
        && n.kind.name() == NotificationName::SettingsObjectWasDeleted));
}

#[test]
fn a_setting_changed_here_is_not_overwritten_by_an_external_change() {
    let backend = MemoryBackend::new();
    let (app, tool) = (start(backend.clone()), start(backend.clone()));
    let settings = SIPSimpleSettings::get(&app).unwrap();
    settings.set_user_agent("app").unwrap();
    let other = SIPSimpleSettings::get(&tool).unwrap();
    other.set_user_agent("tool").unwrap();
    other.tls().set_verify_server(true).unwrap();
    other.save().unwrap();
    app.reload().unwrap();
    assert_eq!(settings.user_agent(), "app", "unsaved here: kept");
    assert!(settings.tls().verify_server(), "not changed here: taken");
    settings.save().unwrap();
    assert_eq!(
        stored(&backend, &["Global", "SIPSimple", "user_agent"]),
        Some("app".into())
    );
}

#[test]
fn changes_to_an_object_deleted_elsewhere_do_not_bring_it_back() {
    let backend = MemoryBackend::new();
    let (app, tool) = (start(backend.clone()), start(backend.clone()));
    let alice = Account::get(&app, "alice@example.com").unwrap();
    alice.save().unwrap();
    tool.reload().unwrap();
    Account::get(&tool, "alice@example.com")
        .unwrap()
        .delete()
        .unwrap();
    alice.set_display_name(Some("late".to_owned())).unwrap();
    let recorder = Recorder::new(&app);
    alice.save().unwrap();
    assert_eq!(
        recorder.names(),
        vec![NotificationName::SettingsObjectWasDeleted],
        "the dropped change is not announced"
    );
    assert!(stored(&backend, &["Accounts", "alice@example.com"]).is_none());
    assert!(alice.raw().is_deleted());
}

#[test]
fn two_managers_creating_one_id_keep_the_first_and_the_second_is_told() {
    let backend = MemoryBackend::new();
    let (a, b) = (start(backend.clone()), start(backend.clone()));
    let first = Account::get(&a, "same@example.com").unwrap();
    let second = Account::get(&b, "same@example.com").unwrap();
    first.set_display_name(Some("first".to_owned())).unwrap();
    second.set_display_name(Some("second".to_owned())).unwrap();
    first.save().unwrap();
    let error = second.save().unwrap_err();
    assert!(
        matches!(error, ConfigurationError::DuplicateId { .. }),
        "{error}"
    );
    assert_eq!(
        stored(&backend, &["Accounts", "same@example.com", "display_name"]),
        Some("first".into())
    );
}

/// A new object whose first save failed is discarded after another writer stored an object
/// under the same id: the discard withdraws only this manager's creation, and the other
/// writer's object stays.
#[test]
fn discarding_after_a_failed_first_save_keeps_another_writers_object_of_the_same_id() {
    let backend = MemoryBackend::new();
    let (a, b) = (start(backend.clone()), start(backend.clone()));
    let mine = Account::get(&a, "same@example.com").unwrap();
    mine.set_display_name(Some("mine".to_owned())).unwrap();
    backend.set_failing(true);
    assert!(mine.save().is_err());
    backend.set_failing(false);

    let theirs = Account::get(&b, "same@example.com").unwrap();
    theirs.set_display_name(Some("theirs".to_owned())).unwrap();
    theirs.save().unwrap();

    mine.discard().unwrap();
    a.save().unwrap();
    assert_eq!(
        stored(&backend, &["Accounts", "same@example.com", "display_name"]),
        Some("theirs".into())
    );
    // And a discard with nobody else involved still takes the failed creation out.
    let alone = Account::get(&a, "alone@example.com").unwrap();
    backend.set_failing(true);
    assert!(alone.save().is_err());
    backend.set_failing(false);
    alone.discard().unwrap();
    a.save().unwrap();
    assert_eq!(stored(&backend, &["Accounts", "alone@example.com"]), None);
}

/// A new object whose first save failed, renamed, then saved: it is stored under its new id
/// only (the creation queued under the old id is taken back).
#[test]
fn a_new_object_renamed_after_a_failed_first_save_is_stored_under_its_new_id_only() {
    let backend = MemoryBackend::new();
    let manager = start(backend.clone());
    let account = Account::get(&manager, "old@example.com").unwrap();
    account.set_display_name(Some("Alice".to_owned())).unwrap();
    backend.set_failing(true);
    assert!(account.save().is_err());
    backend.set_failing(false);
    account.raw().set_id("new@example.com").unwrap();
    account.save().unwrap();
    assert_eq!(stored(&backend, &["Accounts", "old@example.com"]), None);
    assert_eq!(
        stored(&backend, &["Accounts", "new@example.com", "display_name"]),
        Some("Alice".into())
    );
    assert!(!manager.has_unsaved_changes().unwrap());
}

#[test]
fn a_failed_save_keeps_the_changes_and_any_later_save_writes_them() {
    let backend = MemoryBackend::new();
    let manager = start(backend.clone());
    let recorder = Recorder::new(&manager);
    let alice = Account::get(&manager, "alice@example.com").unwrap();
    alice.set_enabled(true).unwrap();
    backend.set_failing(true);
    assert!(alice.save().is_err());
    assert!(alice.raw().is_new(), "not stored, so not created");
    assert!(alice.get_modified().contains_key("enabled"));
    assert_eq!(recorder.names(), vec![NotificationName::ManagerSaveFailed]);
    // Saving something else while the backend fails: still nothing lost.
    let settings = SIPSimpleSettings::get(&manager).unwrap();
    settings.set_user_agent("x").unwrap();
    assert!(settings.save().is_err());
    assert!(manager.has_unsaved_changes().unwrap());

    backend.set_failing(false);
    recorder.take();
    manager.save().unwrap();
    assert!(!manager.has_unsaved_changes().unwrap());
    assert!(
        alice.get_modified().is_empty(),
        "the manager's save stored it"
    );
    assert!(!alice.raw().is_new());
    assert!(settings.get_modified().is_empty());
    let names = recorder.names();
    assert!(names.contains(&NotificationName::SettingsObjectWasCreated));
    assert!(names.contains(&NotificationName::SettingsObjectDidChange));
    let stored = backend.data();
    assert_eq!(
        stored
            .get_path(&["Accounts", "alice@example.com", "enabled"])
            .cloned(),
        Some("true".into())
    );
    // A retry of the object itself is a no-op now.
    let saves = backend.save_count();
    alice.save().unwrap();
    assert_eq!(backend.save_count(), saves);
}

#[test]
fn a_failed_delete_can_be_retried() {
    let backend = MemoryBackend::new();
    let manager = start(backend.clone());
    let alice = Account::get(&manager, "alice@example.com").unwrap();
    alice.save().unwrap();
    backend.set_failing(true);
    assert!(alice.delete().is_err());
    assert!(!alice.raw().is_deleted());
    assert!(stored(&backend, &["Accounts", "alice@example.com"]).is_some());
    backend.set_failing(false);
    let recorder = Recorder::new(&manager);
    alice.delete().unwrap();
    assert!(alice.raw().is_deleted());
    assert!(stored(&backend, &["Accounts", "alice@example.com"]).is_none());
    assert_eq!(
        recorder.names(),
        vec![NotificationName::SettingsObjectWasDeleted]
    );
}

#[test]
fn a_batch_writes_once_and_a_failed_batch_keeps_everything() {
    let backend = MemoryBackend::new();
    let manager = start(backend.clone());
    let accounts: Vec<_> = (0..100)
        .map(|n| Account::get(&manager, &format!("u{n}@example.com")).unwrap())
        .collect();
    manager
        .batch(|| {
            for account in &accounts {
                account.set_enabled(true)?;
                account.save()?;
            }
            Ok::<_, ConfigurationError>(())
        })
        .unwrap();
    assert_eq!(backend.save_count(), 1);
    assert!(accounts.iter().all(|a| a.get_modified().is_empty()));

    backend.set_failing(true);
    let recorder = Recorder::filtered(
        &manager,
        sipcfg::NotificationFilter::new().name(NotificationName::ManagerSaveFailed),
    );
    let result = manager.batch(|| {
        for account in &accounts {
            account.set_enabled(false)?;
            account.save()?;
        }
        Ok::<_, ConfigurationError>(())
    });
    assert!(matches!(
        result,
        Err(ConfigurationError::Backend(BackendError::Other(_)))
    ));
    assert_eq!(recorder.names().len(), 100, "every object is told");
    assert!(accounts
        .iter()
        .all(|a| a.get_modified().contains_key("enabled")));
    backend.set_failing(false);
    manager.save().unwrap();
    assert!(accounts
        .iter()
        .all(|a| !a.enabled() && a.get_modified().is_empty()));
    assert_eq!(
        stored(&backend, &["Accounts", "u99@example.com", "enabled"]),
        Some("false".into())
    );
}

#[test]
fn a_batch_whose_closure_fails_writes_nothing_and_the_next_save_does() {
    let backend = MemoryBackend::new();
    let manager = start(backend.clone());
    let alice = Account::get(&manager, "alice@example.com").unwrap();
    let result: Result<(), ConfigurationError> = manager.batch(|| {
        alice.save()?;
        Err(ConfigurationError::InvalidKey("stop".into()))
    });
    assert!(result.is_err());
    assert_eq!(backend.save_count(), 0);
    assert!(manager.has_unsaved_changes().unwrap());
    manager.save().unwrap();
    assert!(stored(&backend, &["Accounts", "alice@example.com"]).is_some());
}

/// A memory backend whose first write waits until the test opens its gate: a write in
/// progress, while other saves arrive.
#[derive(Clone, Default)]
struct GatedBackend {
    memory: MemoryBackend,
    gate: Arc<(std::sync::Mutex<bool>, std::sync::Condvar)>,
}

impl GatedBackend {
    fn open(&self) {
        let (open, changed) = &*self.gate;
        *open.lock().unwrap() = true;
        changed.notify_all();
    }
}

impl Backend for GatedBackend {
    fn load(&self) -> Result<sipcfg::Data, BackendError> {
        self.memory.load()
    }
    fn save(&self, data: &sipcfg::Data) -> Result<(), BackendError> {
        self.memory.save(data)
    }
    fn load_versioned(&self) -> Result<sipcfg::backend::Loaded, BackendError> {
        self.memory.load_versioned()
    }
    fn save_merged(
        &self,
        since: Option<&sipcfg::backend::StoreVersion>,
        merge: &mut dyn sipcfg::backend::Merge,
    ) -> Result<Option<sipcfg::backend::StoreVersion>, BackendError> {
        let (open, changed) = &*self.gate;
        let mut open = open.lock().unwrap();
        while !*open {
            open = changed.wait(open).unwrap();
        }
        drop(open);
        self.memory.save_merged(since, merge)
    }
}

#[test]
fn saves_arriving_during_a_write_are_stored_by_one_more_write() {
    let backend = GatedBackend::default();
    let manager = start(backend.clone());
    let threads = 8;
    let save_in_thread = |n: usize| {
        let manager = manager.clone();
        std::thread::spawn(move || {
            let account = Account::get(&manager, &format!("t{n}@example.com")).unwrap();
            account.set_enabled(true).unwrap();
            account.save().unwrap();
            assert!(account.get_modified().is_empty());
        })
    };
    // The first save starts writing and waits at the gate...
    let mut handles = vec![save_in_thread(0)];
    while !manager.has_unsaved_changes().unwrap() {
        std::thread::yield_now();
    }
    // ...while seven more saves arrive: their changes enter the document at once, and they
    // wait for the write in progress.
    handles.extend((1..threads).map(save_in_thread));
    while manager.get_names(Some("Accounts")).unwrap().len() < threads {
        std::thread::yield_now();
    }
    backend.open();
    for handle in handles {
        handle.join().expect("no panic");
    }
    assert_eq!(
        backend.memory.save_count(),
        2,
        "the first write, and one for the seven saves that arrived during it"
    );
    assert_eq!(
        backend.memory.data().group("Accounts").map(|g| g.len()),
        Some(threads)
    );
}

#[test]
fn a_file_that_no_longer_parses_is_not_overwritten_and_nothing_is_lost() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config");
    let manager = start(FileBackend::new(&path));
    let settings = SIPSimpleSettings::get(&manager).unwrap();
    settings.set_user_agent("first").unwrap();
    settings.save().unwrap();
    // A person breaks the file while the application runs.
    let broken = "Global:\n    SIPSimple:\n        user_agent = \"unterminated\n";
    std::fs::write(&path, broken).unwrap();
    settings.set_user_agent("second").unwrap();
    let error = settings.save().unwrap_err();
    let ConfigurationError::Backend(BackendError::Parse(parse)) = &error else {
        panic!("expected a parse error, got {error}");
    };
    assert_eq!(parse.line, 3);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), broken);
    assert!(settings.get_modified().contains_key("user_agent"));
    // Fixed by hand: the next save merges into the fixed file.
    std::fs::write(
        &path,
        "Global:\n    SIPSimple:\n        tls:\n            verify_server = true\n",
    )
    .unwrap();
    settings.save().unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("user_agent = second"), "{text}");
    assert!(text.contains("verify_server = true"), "{text}");
    assert!(
        settings.tls().verify_server(),
        "the hand edit reached the object"
    );
}

#[test]
fn two_managers_on_one_file_merge() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config");
    let (a, b) = (
        start(FileBackend::new(&path)),
        start(FileBackend::new(&path)),
    );
    for n in 0..10 {
        Account::get(&a, &format!("a{n}@example.com"))
            .unwrap()
            .save()
            .unwrap();
        Account::get(&b, &format!("b{n}@example.com"))
            .unwrap()
            .save()
            .unwrap();
    }
    let text = std::fs::read_to_string(&path).unwrap();
    for n in 0..10 {
        assert!(text.contains(&format!("a{n}@example.com:")), "{text}");
        assert!(text.contains(&format!("b{n}@example.com:")), "{text}");
    }
}
