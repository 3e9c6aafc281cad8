//! Obtaining many objects in one pass (`Object::get_or_create_many`, issue 13): the same
//! objects, values, reports and rules as obtaining them one by one.

mod common;

use common::{doc, manager_with, Account, Recorder};
use sipcfg::{NotificationFilter, NotificationKind, NotificationName, Object, Value};

fn stored() -> sipcfg::Data {
    doc(r#"{"Accounts": {
        "a": {"enabled": "true", "display_name": "A", "auth": {"password": "pa"}},
        "b": {"enabled": "true", "display_name": "B", "tls": {"verify_server": "maybe"}},
        "c": {"enabled": "maybe", "auth": "not a group"},
        "d": {"enabled": "true", "display_name": "A"},
        "e": "not a group"
    }}"#)
}

#[test]
fn many_at_once_are_the_objects_one_by_one_would_give() {
    let (manager, _) = manager_with(stored());
    let live = Account::get(&manager, "b").unwrap();
    let ids = Object::<Account>::id_texts(&manager).unwrap();
    assert_eq!(ids, ["a", "b", "c", "d", "e"]);
    let mut wanted = ids.clone();
    wanted.push("new".into());
    let all = Object::<Account>::get_or_create_many(&manager, &wanted).unwrap();
    assert_eq!(all.len(), 6);
    for (object, id) in all.iter().zip(&wanted) {
        assert_eq!(&object.id_text(), id);
    }
    // The objects are the live ones (one object per id): a change through `get` shows.
    Account::get(&manager, "a")
        .unwrap()
        .set_enabled(false)
        .unwrap();
    assert!(!all[0].enabled());
    Account::get(&manager, "a")
        .unwrap()
        .set_enabled(true)
        .unwrap();
    // The object live before is returned, not loaded again.
    live.set_display_name(Some("changed".to_owned())).unwrap();
    assert_eq!(all[1].display_name().as_deref(), Some("changed"));
    // Stored values loaded, defaults elsewhere; the new object is new.
    assert!(all[0].enabled());
    assert_eq!(all[0].display_name().as_deref(), Some("A"));
    assert_eq!(all[0].auth().password(), "pa");
    assert_eq!(all[3].display_name().as_deref(), Some("A"));
    assert!(!all[2].enabled());
    assert!(all[5].raw().is_new());
    assert!(!all[0].raw().is_new());
}

#[test]
fn equal_stored_values_shared_while_loading_stay_independent() {
    let (manager, _) = manager_with(stored());
    let all = Object::<Account>::get_or_create_many(&manager, &["a", "d"]).unwrap();
    // `a` and `d` store the same display name: changing one leaves the other.
    all[0].set_display_name(Some("other".to_owned())).unwrap();
    assert_eq!(all[0].display_name().as_deref(), Some("other"));
    assert_eq!(all[1].display_name().as_deref(), Some("A"));
    assert!(all[1].get_modified().is_empty());
    assert_eq!(all[0].get_modified().len(), 1);
}

#[test]
fn invalid_stored_values_are_reported_for_every_object_and_kept() {
    let (manager, backend) = manager_with(doc(r#"{"Accounts": {
        "a": {"enabled": "maybe"},
        "b": {"enabled": "maybe"},
        "c": {"enabled": "maybe", "auth": "not a group"},
        "e": "not a group"
    }}"#));
    let recorder = Recorder::filtered(
        &manager,
        NotificationFilter::new().name(NotificationName::ManagerLoadFailed),
    );
    let all = Object::<Account>::get_or_create_many(&manager, &["a", "b", "c", "e"]).unwrap();
    let failed: Vec<(String, String, Value)> = recorder
        .take()
        .into_iter()
        .filter_map(|n| match n.kind {
            NotificationKind::ManagerLoadFailed { path, raw, .. } => Some((n.sender.id, path, raw)),
            _ => None,
        })
        .collect();
    let expected: Vec<(String, String, Value)> = vec![
        ("a".into(), "enabled".into(), "maybe".into()),
        ("b".into(), "enabled".into(), "maybe".into()),
        ("c".into(), "enabled".into(), "maybe".into()),
        ("c".into(), "auth".into(), "not a group".into()),
        ("e".into(), "".into(), "not a group".into()),
    ];
    assert_eq!(failed, expected);
    // Kept: saving other changes leaves the unconvertible values in storage.
    for account in &all {
        assert!(!account.enabled());
        account.set_display_name(Some("x".to_owned())).unwrap();
        account.save().unwrap();
    }
    let data = backend.data();
    for id in ["a", "b", "c"] {
        assert_eq!(
            data.get_path(&["Accounts", id, "enabled"]),
            Some(&Value::from("maybe"))
        );
    }
    assert_eq!(
        data.get_path(&["Accounts", "c", "auth"]),
        Some(&Value::from("not a group"))
    );
}

#[test]
fn ids_in_any_order_and_repeated_give_one_object_each() {
    let (manager, _) = manager_with(stored());
    let all = Object::<Account>::get_or_create_many(&manager, &["d", "a", "d", "zz"]).unwrap();
    let ids: Vec<String> = all.iter().map(|a| a.id_text()).collect();
    assert_eq!(ids, ["d", "a", "d", "zz"]);
    assert_eq!(all[0].display_name().as_deref(), Some("A"));
    assert!(all[1].enabled());
    all[0].set_enabled(false).unwrap();
    assert!(!all[2].enabled(), "the same object twice");
    assert!(all[3].raw().is_new());
}

#[test]
fn a_stored_id_still_held_by_a_renamed_object_fails_the_whole_call() {
    let (manager, _) = manager_with(stored());
    let a = Account::get(&manager, "a").unwrap();
    a.set_id("renamed").unwrap();
    let error = Object::<Account>::get_or_create_many(&manager, &["b", "a"]).unwrap_err();
    assert!(matches!(
        error,
        sipcfg::ConfigurationError::DuplicateId { .. }
    ));
    // Nothing was obtained: `b` is loaded only now (reported activated now).
    let recorder = Recorder::filtered(
        &manager,
        NotificationFilter::new().name(NotificationName::SettingsObjectWasActivated),
    );
    Account::get(&manager, "b").unwrap();
    assert_eq!(recorder.take().len(), 1);
    // An empty id fails too.
    assert!(Object::<Account>::get_or_create_many(&manager, &["b", ""]).is_err());
}
