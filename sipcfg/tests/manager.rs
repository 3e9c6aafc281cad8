//! The spec's section "ConfigurationManager": start, update, delete, get, get_names, save (and
//! rename), on independent managers.

use sipcfg::backend::{Backend, FileBackend, MemoryBackend};
use sipcfg::{
    BackendError, ConfigurationError, ConfigurationManager, Data, ObjectKey, Patch, Value,
};

fn doc(json: &str) -> Data {
    serde_json::from_str(json).unwrap()
}

fn started(json: &str) -> (ConfigurationManager, MemoryBackend) {
    let backend = MemoryBackend::with_data(doc(json));
    let manager = ConfigurationManager::new();
    manager.start(backend.clone()).unwrap();
    (manager, backend)
}

#[test]
fn every_call_before_start_is_an_error() {
    let manager = ConfigurationManager::new();
    assert!(!manager.is_started());
    let not_started = |r: Result<(), ConfigurationError>| {
        assert!(matches!(r, Err(ConfigurationError::NotStarted)), "{r:?}")
    };
    not_started(manager.update(Some("g"), "n", Data::new()));
    not_started(manager.delete(Some("g"), "n"));
    not_started(manager.get(Some("g"), "n").map(drop));
    not_started(manager.get_names(Some("g")).map(drop));
    not_started(manager.rename(Some("g"), "a", "b"));
    not_started(manager.save());
    not_started(manager.data().map(drop));
}

#[test]
fn start_loads_the_document_once() {
    let (manager, _) = started(r#"{"Accounts": {"a": {"x": "1"}}}"#);
    assert!(manager.is_started());
    assert!(matches!(
        manager.start(MemoryBackend::new()),
        Err(ConfigurationError::AlreadyStarted)
    ));
    assert_eq!(
        manager.data().unwrap(),
        doc(r#"{"Accounts": {"a": {"x": "1"}}}"#)
    );
}

#[test]
fn a_load_failure_is_an_error_and_leaves_the_manager_unstarted() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config");
    std::fs::write(&path, "ok = 1\nbroken = \"unterminated\n").unwrap();
    let manager = ConfigurationManager::new();
    let error = manager.start(FileBackend::new(&path)).unwrap_err();
    let ConfigurationError::Backend(BackendError::Parse(parse)) = &error else {
        panic!("expected a parse error, got {error}");
    };
    assert_eq!(parse.line, 2);
    assert!(error.to_string().contains("config:2:"), "{error}");
    assert!(!manager.is_started());
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "ok = 1\nbroken = \"unterminated\n",
        "a file that does not parse is never touched"
    );
}

#[test]
fn update_merges_partial_data_removes_defaults_and_prunes_empty_groups() {
    let (manager, backend) =
        started(r#"{"Accounts": {"a": {"keep": "1", "drop": "2", "grp": {"only": "x"}}}}"#);
    let mut grp = Patch::new();
    grp.reset("only");
    let mut patch = Patch::new();
    patch
        .reset("drop")
        .set("new", vec!["p", "q"])
        .merge("grp", grp);
    manager.update(Some("Accounts"), "a", patch).unwrap();
    assert_eq!(
        manager.get(Some("Accounts"), "a").unwrap(),
        Value::Group(doc(r#"{"keep": "1", "new": ["p", "q"]}"#))
    );
    assert_eq!(backend.save_count(), 0, "update does not write");

    // Resetting the last value removes the object and its emptied group.
    let mut patch = Patch::new();
    patch.reset("keep").reset("new");
    manager.update(Some("Accounts"), "a", patch).unwrap();
    assert_eq!(manager.data().unwrap(), Data::new());
}

#[test]
fn update_with_plain_data_sets_every_value_and_merges_groups() {
    let (manager, _) = started(r#"{"G": {"o": {"a": "1", "sub": {"b": "2"}}}}"#);
    manager
        .update(Some("G"), "o", doc(r#"{"a": null, "sub": {"c": "3"}}"#))
        .unwrap();
    assert_eq!(
        manager.get(Some("G"), "o").unwrap(),
        Value::Group(doc(r#"{"a": null, "sub": {"b": "2", "c": "3"}}"#))
    );
    // Top level.
    manager.update(None, "top", doc(r#"{"x": "y"}"#)).unwrap();
    assert_eq!(
        manager.get(None, "top").unwrap(),
        Value::Group(doc(r#"{"x": "y"}"#))
    );
}

#[test]
fn a_persistent_entry_stays_even_when_empty() {
    let (manager, _) = started("{}");
    manager
        .update_object(&ObjectKey::new(Some("Accounts"), "a"), &Patch::new(), true)
        .unwrap();
    assert_eq!(manager.data().unwrap(), doc(r#"{"Accounts": {"a": {}}}"#));
}

#[test]
fn empty_names_are_refused() {
    let (manager, _) = started("{}");
    assert!(matches!(
        manager.update(Some("g"), "", Data::new()),
        Err(ConfigurationError::InvalidKey(_))
    ));
    let mut patch = Patch::new();
    patch.set("", "x");
    assert!(matches!(
        manager.update(Some("g"), "n", patch),
        Err(ConfigurationError::InvalidKey(_))
    ));
    assert_eq!(manager.data().unwrap(), Data::new());
}

#[test]
fn get_of_a_missing_object_is_object_not_found() {
    let (manager, _) = started(r#"{"Accounts": {"a": {}}}"#);
    let error = manager.get(Some("Accounts"), "b").unwrap_err();
    let ConfigurationError::ObjectNotFound(not_found) = &error else {
        panic!("expected ObjectNotFound, got {error}");
    };
    assert_eq!(not_found.key, vec!["Accounts", "b"]);
    assert_eq!(error.to_string(), "object Accounts/b does not exist");
    assert!(matches!(
        manager.get(Some("Nope"), "a"),
        Err(ConfigurationError::ObjectNotFound(_))
    ));
    assert!(manager.get(None, "Accounts").is_ok());
}

#[test]
fn get_names_lists_a_group_and_is_empty_for_a_missing_group() {
    let (manager, _) = started(r#"{"Accounts": {"b": {}, "a": {}}, "SIPSimpleSettings": {}}"#);
    assert_eq!(manager.get_names(Some("Accounts")).unwrap(), vec!["a", "b"]);
    assert!(manager.get_names(Some("Missing")).unwrap().is_empty());
    assert_eq!(
        manager.get_names(None).unwrap(),
        vec!["Accounts", "SIPSimpleSettings"]
    );
}

#[test]
fn delete_removes_an_object_and_prunes_its_group() {
    let (manager, _) = started(r#"{"Accounts": {"a": {"x": "1"}}, "Other": {"o": {}}}"#);
    manager.delete(Some("Accounts"), "a").unwrap();
    manager.delete(Some("Accounts"), "never-existed").unwrap();
    assert_eq!(manager.data().unwrap(), doc(r#"{"Other": {"o": {}}}"#));
    manager.delete(None, "Other").unwrap();
    assert_eq!(manager.data().unwrap(), Data::new());
}

#[test]
fn rename_moves_an_object() {
    let (manager, _) = started(r#"{"Accounts": {"old": {"x": "1"}}}"#);
    manager.rename(Some("Accounts"), "old", "new").unwrap();
    assert_eq!(
        manager.data().unwrap(),
        doc(r#"{"Accounts": {"new": {"x": "1"}}}"#)
    );
    assert!(matches!(
        manager.rename(Some("Accounts"), "old", "other"),
        Err(ConfigurationError::ObjectNotFound(_))
    ));
}

#[test]
fn save_writes_the_whole_document_with_one_backend_call() {
    let (manager, backend) = started(r#"{"keep": "me"}"#);
    manager
        .update(Some("G"), "o", doc(r#"{"a": "1"}"#))
        .unwrap();
    manager
        .update(Some("G"), "p", doc(r#"{"b": "2"}"#))
        .unwrap();
    manager.save().unwrap();
    assert_eq!(backend.save_count(), 1);
    assert_eq!(
        backend.load().unwrap(),
        doc(r#"{"keep": "me", "G": {"o": {"a": "1"}, "p": {"b": "2"}}}"#)
    );
}

#[test]
fn managers_are_independent_and_the_global_one_is_shared() {
    let (first, _) = started(r#"{"a": "1"}"#);
    let (second, _) = started(r#"{"b": "2"}"#);
    assert_eq!(first.get_names(None).unwrap(), vec!["a"]);
    assert_eq!(second.get_names(None).unwrap(), vec!["b"]);
    let clone = first.clone();
    clone.update(None, "c", doc(r#"{"x": "y"}"#)).unwrap();
    assert_eq!(
        first.get_names(None).unwrap(),
        vec!["a", "c"],
        "clones share"
    );
    assert!(std::ptr::eq(
        ConfigurationManager::global(),
        ConfigurationManager::global()
    ));
}

#[test]
fn concurrent_updates_and_saves_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config");
    let manager = ConfigurationManager::new();
    manager.start(FileBackend::new(&path)).unwrap();
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let manager = manager.clone();
            std::thread::spawn(move || {
                for i in 0..25 {
                    let mut patch = Patch::new();
                    patch.set("value", format!("{t}-{i}"));
                    manager
                        .update(Some("Objects"), &format!("o{t}-{i}"), patch)
                        .unwrap();
                    manager.save().unwrap();
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    let reloaded = FileBackend::new(&path).load().unwrap();
    assert_eq!(reloaded.group("Objects").unwrap().len(), 100);
    assert_eq!(reloaded, manager.data().unwrap());
}

#[test]
fn the_memory_backend_debug_does_not_show_values() {
    let backend = MemoryBackend::with_data(doc(r#"{"auth": {"password": "hunter2"}}"#));
    assert!(!format!("{backend:?}").contains("hunter2"));
}

#[test]
fn a_canonical_file_not_seen_before_is_written_canonically() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config");
    let mut data = Data::new();
    data.insert("a", "1");
    data.insert("b", "2");
    std::fs::write(&path, sipcfg::file_format::write(&data).unwrap()).unwrap();
    // A new backend has not seen this text: it finds it canonical and writes canonically.
    let backend = FileBackend::new(&path);
    let mut changed = data.clone();
    changed.insert("c", "3");
    backend.save(&changed).unwrap();
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        sipcfg::file_format::write(&changed).unwrap()
    );
}

#[test]
fn a_hand_written_file_keeps_its_layout_over_several_saves() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config");
    std::fs::write(&path, "# edited by hand\n\na   =   1\n").unwrap();
    let backend = FileBackend::new(&path);
    let mut data = backend.load().unwrap();
    data.insert("b", "2");
    backend.save(&data).unwrap();
    // The second save knows the text is not canonical: it edits it again.
    data.insert("c", "3");
    backend.save(&data).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.starts_with("# edited by hand\n\na   =   1\n"),
        "{text}"
    );
    assert_eq!(FileBackend::new(&path).load().unwrap(), data);
    assert_ne!(text, sipcfg::file_format::write(&data).unwrap());
}
