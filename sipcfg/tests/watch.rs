//! `ConfigurationManager::watch`: another writer's change reaches this manager's observers
//! without a save or reload here; a file with a syntax error does not stop the watcher.

mod common;

use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::*;
use sipcfg::backend::{FileBackend, MemoryBackend};
use sipcfg::{ConfigurationError, ConfigurationManager, NotificationKind, Origin};

const PATIENCE: Duration = Duration::from_secs(5);

fn start(path: &std::path::Path) -> ConfigurationManager {
    let manager = ConfigurationManager::new();
    manager.start(FileBackend::new(path)).expect("starts");
    manager
}

/// Waits until `done` holds, or PATIENCE has passed.
fn eventually(mut done: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < PATIENCE {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    done()
}

#[test]
fn another_writers_change_reaches_observers_with_old_and_new_values() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config");
    let (app, tool) = (start(&path), start(&path));
    let alice = Account::get(&app, "alice@example.com").unwrap();
    alice.save().unwrap();
    let (sender, changes) = mpsc::channel();
    let _observer = app
        .notifications()
        .observe_scoped(Default::default(), move |n| {
            if let NotificationKind::SettingsObjectDidChange { modified } = &n.kind {
                for (path, change) in modified {
                    let _ = sender.send((
                        n.origin,
                        path.clone(),
                        change.old_display(),
                        change.new_display(),
                    ));
                }
            }
        });
    let watcher = app.watch().unwrap();
    assert_eq!(watcher.file(), path.as_path());
    tool.reload().unwrap();
    let alice_tool = Account::get(&tool, "alice@example.com").unwrap();
    alice_tool
        .set_display_name(Some("Alice".to_owned()))
        .unwrap();
    alice_tool.save().unwrap();
    let seen = changes
        .recv_timeout(PATIENCE)
        .expect("the watcher reloaded");
    assert_eq!(
        seen,
        (
            Origin::External,
            "display_name".to_owned(),
            "None".to_owned(),
            "Alice".to_owned()
        )
    );
    assert_eq!(alice.display_name().as_deref(), Some("Alice"));
    assert!(eventually(|| watcher.changes_seen() >= 1));
}

#[test]
fn a_syntax_error_is_kept_for_last_error_and_the_watcher_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config");
    std::fs::write(
        &path,
        "Accounts:\n    bob@example.com:\n        enabled = true\n",
    )
    .unwrap();
    let app = start(&path);
    let bob = Account::get(&app, "bob@example.com").unwrap();
    let watcher = app.watch().unwrap();
    std::fs::write(
        &path,
        "Accounts:\n    bob@example.com:\n        enabled = \"true\n",
    )
    .unwrap();
    assert!(eventually(|| watcher.last_error().is_some()));
    let error = watcher.last_error().unwrap();
    assert!(
        matches!(&*error, ConfigurationError::Backend(_)),
        "{error:?}"
    );
    let text = error.to_string();
    assert!(text.contains("config") && text.contains(":3"), "{text}");
    assert!(bob.enabled(), "memory is untouched");
    // The person fixes the file: the next event reloads it.
    std::fs::write(
        &path,
        "Accounts:\n    bob@example.com:\n        enabled = false\n",
    )
    .unwrap();
    assert!(eventually(|| !bob.enabled()));
    // The object takes the value inside the reload; the error is cleared when it returns.
    assert!(eventually(|| watcher.last_error().is_none()));
}

#[test]
fn the_watcher_does_not_keep_the_manager_alive_and_stops_when_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config");
    let app = start(&path);
    let weak = app.downgrade();
    let watcher = app.watch().unwrap();
    drop(app);
    assert!(
        weak.upgrade().is_none(),
        "the watcher holds the manager weakly"
    );
    drop(watcher);

    // Once dropped, changes are no longer reloaded.
    let (app, tool) = (start(&path), start(&path));
    let carol = Account::get(&app, "carol@example.com").unwrap();
    carol.save().unwrap();
    drop(app.watch().unwrap());
    tool.reload().unwrap();
    let carol_tool = Account::get(&tool, "carol@example.com").unwrap();
    carol_tool.set_enabled(true).unwrap();
    carol_tool.save().unwrap();
    std::thread::sleep(Duration::from_millis(300));
    assert!(!carol.enabled());
}

#[test]
fn a_backend_without_a_file_cannot_be_watched() {
    let app = ConfigurationManager::new();
    assert!(matches!(app.watch(), Err(ConfigurationError::NotStarted)));
    app.start(MemoryBackend::new()).unwrap();
    let error = app.watch().unwrap_err();
    assert!(error.to_string().contains("no file to watch"), "{error}");
}

#[test]
fn a_manager_that_listed_a_types_ids_hears_of_the_first_object_of_that_type() {
    // An application with no account yet lists the accounts (as AccountManager::load does)
    // and must learn of the first one another program adds.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config");
    let (app, tool) = (start(&path), start(&path));
    assert!(Account::ids(&app).unwrap().is_empty());
    let (sender, created) = mpsc::channel();
    let _observer = app
        .notifications()
        .observe_scoped(Default::default(), move |n| {
            if matches!(n.kind, NotificationKind::SettingsObjectWasCreated) {
                let _ = sender.send((n.origin, n.sender.id.clone()));
            }
        });
    Account::get(&tool, "dave@example.com")
        .unwrap()
        .save()
        .unwrap();
    assert!(app.reload().unwrap());
    assert_eq!(
        created.try_recv().ok(),
        Some((Origin::External, "dave@example.com".to_owned()))
    );
}
