//! The spec's sections "SettingsObject", "Setting", "SettingsGroup" and "Middleware Settings"
//! (reading, assigning, resetting and saving), one test per statement.

mod common;

use std::sync::Arc;

use common::*;
use sipcfg::backend::{Backend, MemoryBackend};
use sipcfg::{
    BackendError, ConfigurationError, ConfigurationManager, Data, NotificationFilter,
    NotificationKind, NotificationName, Operation, SettingError, TextValue, Value,
};

#[test]
fn a_new_global_object_reads_its_defaults() {
    let (manager, _) = manager();
    let settings = SIPSimpleSettings::get(&manager).unwrap();
    assert_eq!(settings.user_agent(), "sipsimple 0.1");
    assert_eq!(settings.default_account(), Some("bonjour@local".to_owned()));
    assert_eq!(settings.audio().sample_rate(), 44100);
    assert!(!settings.tls().verify_server());
    assert_eq!(settings.tls().ca_list(), None);
    assert_eq!(settings.sip().transport_list(), vec!["tls", "tcp", "udp"]);
    assert!(settings.get_modified().is_empty());
}

#[test]
fn global_objects_are_one_instance_per_manager() {
    let (manager, _) = manager();
    let a = SIPSimpleSettings::get(&manager).unwrap();
    let b = SIPSimpleSettings::get(&manager).unwrap();
    a.set_user_agent("changed").unwrap();
    assert_eq!(b.user_agent(), "changed");

    let (other_manager, _) = common::manager();
    let c = SIPSimpleSettings::get(&other_manager).unwrap();
    assert_eq!(c.user_agent(), "sipsimple 0.1", "managers are independent");
}

#[test]
fn save_stores_only_explicit_values_in_the_objects_group() {
    let (manager, backend) = manager();
    let settings = SIPSimpleSettings::get(&manager).unwrap();
    settings.tls().set_verify_server(true).unwrap();
    settings.set_user_agent("demo 1.0").unwrap();
    settings.save().unwrap();
    assert_eq!(
        backend.data(),
        doc(
            r#"{"Global": {"SIPSimple": {"user_agent": "demo 1.0", "tls": {"verify_server": "true"}}}}"#
        )
    );
}

#[test]
fn assigning_the_default_value_stores_it_explicitly() {
    let (manager, backend) = manager();
    let settings = SIPSimpleSettings::get(&manager).unwrap();
    settings.tls().set_verify_server(false).unwrap();
    let modified = settings.get_modified();
    let change = &modified["tls.verify_server"];
    assert_eq!(change.old::<bool>(), Some(&false));
    assert_eq!(change.new_value::<bool>(), Some(&false));
    settings.save().unwrap();
    assert_eq!(
        backend
            .data()
            .get_path(&["Global", "SIPSimple", "tls", "verify_server"]),
        Some(&Value::from("false"))
    );
}

#[test]
fn reset_to_default_removes_the_stored_value_and_follows_the_default() {
    let (manager, backend) = manager_with(doc(
        r#"{"Global": {"SIPSimple": {"user_agent": "sipsimple 0.1", "audio": {"sample_rate": "48000"}}}}"#,
    ));
    let settings = SIPSimpleSettings::get(&manager).unwrap();
    assert_eq!(settings.audio().sample_rate(), 48000);
    settings.audio().reset_sample_rate();
    assert_eq!(settings.audio().sample_rate(), 44100);
    let modified = settings.get_modified();
    assert_eq!(modified["audio.sample_rate"].old::<u32>(), Some(&48000));
    assert_eq!(
        modified["audio.sample_rate"].new_value::<u32>(),
        Some(&44100)
    );
    settings.save().unwrap();
    let stored = backend.data();
    assert_eq!(stored.get_path(&["Global", "SIPSimple", "audio"]), None);
    // An explicit value equal to the default stays stored.
    assert_eq!(
        stored.get_path(&["Global", "SIPSimple", "user_agent"]),
        Some(&Value::from("sipsimple 0.1"))
    );
}

#[test]
fn an_invalid_assignment_is_an_error_and_changes_nothing() {
    let (manager, _) = manager();
    let settings = SIPSimpleSettings::get(&manager).unwrap();
    settings.sip().set_udp_port(5060).unwrap();
    let error = settings.sip().set_udp_port(70000).unwrap_err();
    assert!(
        matches!(
            &error,
            ConfigurationError::Setting(SettingError::Invalid { path, .. }) if path == "sip.udp_port"
        ),
        "{error}"
    );
    assert!(error.to_string().contains("70000"), "{error}");
    assert_eq!(settings.sip().udp_port(), Port(5060));

    let error = settings
        .raw()
        .set_text("sip.udp_port", TextValue::Text("abc"))
        .unwrap_err();
    assert!(error.to_string().contains("abc"), "{error}");
    assert_eq!(settings.sip().udp_port(), Port(5060));
}

#[test]
fn correlated_settings_are_checked_against_their_sibling() {
    let (manager, _) = manager();
    let sip = SIPSimpleSettings::get(&manager).unwrap();
    sip.sip().set_tcp_port(5060).unwrap();
    let error = sip.sip().set_tls_port(5060).unwrap_err();
    assert!(error.to_string().contains("must differ"), "{error}");
    assert_eq!(sip.sip().tls_port(), Port(0));
    sip.sip().set_tls_port(5061).unwrap();
    // Both zero is allowed.
    sip.sip().set_tcp_port(0).unwrap();
    sip.sip().set_tls_port(0).unwrap();
}

#[test]
fn nillable_settings_store_nothing_and_read_back_none() {
    let (manager, backend) = manager();
    let settings = SIPSimpleSettings::get(&manager).unwrap();
    settings.set_default_account(None).unwrap();
    settings.save().unwrap();
    assert_eq!(
        backend
            .data()
            .get_path(&["Global", "SIPSimple", "default_account"]),
        Some(&Value::Nothing)
    );

    let (reloaded, _) = manager_with(backend.data());
    let settings = SIPSimpleSettings::get(&reloaded).unwrap();
    assert_eq!(settings.default_account(), None);
}

#[test]
fn nothing_is_refused_for_a_setting_that_is_not_nillable() {
    let (manager, _) = manager();
    let settings = SIPSimpleSettings::get(&manager).unwrap();
    let error = settings
        .raw()
        .set_text("user_agent", TextValue::Nothing)
        .unwrap_err();
    assert_eq!(
        error,
        SettingError::NotNillable {
            path: "user_agent".into()
        }
    );
}

#[test]
fn global_objects_are_activated_at_first_use_and_never_created() {
    let (manager, _) = manager();
    let recorder = Recorder::new(&manager);
    let settings = SIPSimpleSettings::get(&manager).unwrap();
    assert_eq!(
        recorder.names(),
        vec![NotificationName::SettingsObjectWasActivated]
    );
    let _again = SIPSimpleSettings::get(&manager).unwrap();
    assert_eq!(recorder.names().len(), 1, "activated once");

    settings.set_user_agent("x").unwrap();
    settings.save().unwrap();
    let seen = recorder.take();
    assert_eq!(seen.len(), 2);
    let NotificationKind::SettingsObjectDidChange { modified } = &seen[1].kind else {
        panic!("expected DidChange, got {:?}", seen[1].kind);
    };
    assert_eq!(modified.keys().collect::<Vec<_>>(), vec!["user_agent"]);
    assert_eq!(
        modified["user_agent"].old::<String>().unwrap(),
        "sipsimple 0.1"
    );
    assert_eq!(modified["user_agent"].new_value::<String>().unwrap(), "x");
    assert_eq!(seen[1].sender.type_name, "SIPSimpleSettings");
    assert_eq!(seen[1].sender.id, "SIPSimple");
}

#[test]
fn save_without_changes_does_not_write() {
    let (manager, backend) = manager();
    let settings = SIPSimpleSettings::get(&manager).unwrap();
    let recorder = Recorder::new(&manager);
    settings.save().unwrap();
    assert_eq!(backend.save_count(), 0);
    assert!(recorder.names().is_empty());
}

#[test]
fn a_new_per_id_object_is_stored_at_its_first_save_and_reported_created() {
    let (manager, backend) = manager();
    let recorder = Recorder::new(&manager);
    let account = Account::get(&manager, "alice@example.com").unwrap();
    assert!(
        recorder.names().is_empty(),
        "a new object is not activated yet"
    );
    assert!(account.raw().is_new());

    account.save().unwrap();
    assert_eq!(
        recorder.names(),
        vec![
            NotificationName::SettingsObjectWasActivated,
            NotificationName::SettingsObjectWasCreated
        ]
    );
    // Stored even with every setting at its default.
    assert_eq!(
        backend.data(),
        doc(r#"{"Accounts": {"alice@example.com": {}}}"#)
    );
    assert_eq!(backend.save_count(), 1);

    account.set_enabled(true).unwrap();
    account.save().unwrap();
    assert_eq!(
        recorder.names().last(),
        Some(&NotificationName::SettingsObjectDidChange)
    );
}

#[test]
fn a_first_save_failure_reports_no_modified_settings() {
    let manager = ConfigurationManager::new();
    let backend = FailingBackend::default();
    manager.start(backend.clone()).unwrap();
    let recorder = Recorder::filtered(
        &manager,
        NotificationFilter::new().name(NotificationName::ManagerSaveFailed),
    );
    let account = Account::get(&manager, "alice@example.com").unwrap();
    backend.fail(true);
    assert!(account.save().is_err());
    let seen = recorder.take();
    let NotificationKind::ManagerSaveFailed {
        modified,
        operation,
        error,
    } = &seen[0].kind
    else {
        panic!("expected ManagerSaveFailed");
    };
    assert!(modified.is_none());
    assert_eq!(*operation, Operation::Save);
    assert!(error.to_string().contains("disk full"), "{error}");
}

#[test]
fn stored_per_id_objects_are_activated_when_loaded() {
    let (manager, _) = manager_with(doc(
        r#"{"Accounts": {"bob@example.com": {"enabled": "true", "auth": {"password": "pw"}}}}"#,
    ));
    let recorder = Recorder::new(&manager);
    let account = Account::get(&manager, "bob@example.com").unwrap();
    assert_eq!(
        recorder.names(),
        vec![NotificationName::SettingsObjectWasActivated]
    );
    assert!(account.enabled());
    assert_eq!(account.auth().password(), "pw");
    assert_eq!(Account::ids(&manager).unwrap(), vec!["bob@example.com"]);
    assert!(Account::get_existing(&manager, "carol@example.com")
        .unwrap()
        .is_none());
}

#[test]
fn per_id_objects_are_one_live_instance_per_id() {
    let (manager, _) = manager();
    let a = Account::get(&manager, "alice@example.com").unwrap();
    let b = Account::get(&manager, "alice@example.com").unwrap();
    a.set_display_name(Some("Alice".to_owned())).unwrap();
    assert_eq!(b.display_name().as_deref(), Some("Alice"));
}

#[test]
fn delete_removes_the_object_and_later_saves_do_nothing() {
    let (manager, backend) = manager_with(doc(
        r#"{"Accounts": {"bob@example.com": {"enabled": "true"}, "carol@example.com": {}}}"#,
    ));
    let recorder = Recorder::new(&manager);
    let bob = Account::get(&manager, "bob@example.com").unwrap();
    bob.delete().unwrap();
    assert_eq!(
        recorder.names(),
        vec![
            NotificationName::SettingsObjectWasActivated,
            NotificationName::SettingsObjectWasDeleted
        ]
    );
    assert_eq!(
        backend.data(),
        doc(r#"{"Accounts": {"carol@example.com": {}}}"#)
    );
    let saves = backend.save_count();
    bob.set_enabled(false).unwrap();
    bob.save().unwrap();
    assert_eq!(
        backend.save_count(),
        saves,
        "a deleted object is never saved"
    );
    assert_eq!(Account::ids(&manager).unwrap(), vec!["carol@example.com"]);

    let global = SIPSimpleSettings::get(&manager).unwrap();
    assert!(matches!(
        global.delete(),
        Err(ConfigurationError::CannotDelete { .. })
    ));
}

#[test]
fn changing_an_id_renames_the_stored_entry_and_is_reported() {
    let (manager, backend) = manager_with(doc(
        r#"{"Accounts": {"old@example.com": {"enabled": "true", "extra": "kept"}}}"#,
    ));
    let account = Account::get(&manager, "old@example.com").unwrap();
    account.set_id("new@example.com").unwrap();
    let modified = account.get_modified();
    assert_eq!(
        modified["__id__"].old::<String>().unwrap(),
        "old@example.com"
    );
    assert_eq!(
        modified["__id__"].new_value::<String>().unwrap(),
        "new@example.com"
    );
    let recorder = Recorder::new(&manager);
    account.save().unwrap();
    assert_eq!(
        backend.data(),
        doc(r#"{"Accounts": {"new@example.com": {"enabled": "true", "extra": "kept"}}}"#)
    );
    assert_eq!(
        recorder.names(),
        vec![NotificationName::SettingsObjectDidChange]
    );
    let same = Account::get(&manager, "new@example.com").unwrap();
    assert!(same.enabled());
}

#[test]
fn two_objects_never_hold_the_same_id() {
    let (manager, _) = manager_with(doc(r#"{"Accounts": {"stored@example.com": {}}}"#));
    let a = Account::get(&manager, "a@example.com").unwrap();
    let b = Account::get(&manager, "b@example.com").unwrap();
    assert!(matches!(
        b.set_id("a@example.com"),
        Err(ConfigurationError::DuplicateId { .. })
    ));
    assert!(matches!(
        b.set_id("stored@example.com"),
        Err(ConfigurationError::DuplicateId { .. })
    ));
    a.save().unwrap();
    a.set_id("c@example.com").unwrap();
    // While a's rename is unsaved, its stored id stays reserved.
    assert!(matches!(
        b.set_id("a@example.com"),
        Err(ConfigurationError::DuplicateId { .. })
    ));
    assert_eq!(b.id(), "b@example.com");
}

#[test]
fn an_unconvertible_stored_value_is_reported_and_kept_until_assigned() {
    let stored =
        doc(r#"{"Global": {"SIPSimple": {"audio": {"sample_rate": "abc"}, "user_agent": "ua"}}}"#);
    let (manager, backend) = manager_with(stored);
    let recorder = Recorder::filtered(
        &manager,
        NotificationFilter::new().name(NotificationName::ManagerLoadFailed),
    );
    let settings = SIPSimpleSettings::get(&manager).unwrap();
    let seen = recorder.take();
    assert_eq!(seen.len(), 1);
    let NotificationKind::ManagerLoadFailed { path, raw, error } = &seen[0].kind else {
        panic!("expected ManagerLoadFailed");
    };
    assert_eq!(path, "audio.sample_rate");
    assert_eq!(raw, &Value::from("abc"));
    assert!(error.to_string().contains("abc"), "{error}");
    assert_eq!(settings.audio().sample_rate(), 44100);
    assert_eq!(settings.user_agent(), "ua");

    settings.set_user_agent("ua2").unwrap();
    settings.save().unwrap();
    assert_eq!(
        backend
            .data()
            .get_path(&["Global", "SIPSimple", "audio", "sample_rate"]),
        Some(&Value::from("abc")),
        "the raw value survives unrelated saves"
    );

    settings.audio().set_sample_rate(8000u32).unwrap();
    settings.save().unwrap();
    assert_eq!(
        backend
            .data()
            .get_path(&["Global", "SIPSimple", "audio", "sample_rate"]),
        Some(&Value::from("8000"))
    );
}

#[test]
fn resetting_an_unconvertible_value_removes_it() {
    let (manager, backend) = manager_with(doc(
        r#"{"Global": {"SIPSimple": {"audio": {"sample_rate": "abc"}}}}"#,
    ));
    let settings = SIPSimpleSettings::get(&manager).unwrap();
    settings.audio().reset_sample_rate();
    settings.save().unwrap();
    assert_eq!(backend.data(), Data::new());
}

#[test]
fn a_stored_value_where_a_group_belongs_is_kept() {
    let (manager, backend) = manager_with(doc(
        r#"{"Global": {"SIPSimple": {"tls": "oops", "user_agent": "ua"}}}"#,
    ));
    let recorder = Recorder::new(&manager);
    let settings = SIPSimpleSettings::get(&manager).unwrap();
    assert!(recorder
        .names()
        .contains(&NotificationName::ManagerLoadFailed));
    settings.set_user_agent("ua2").unwrap();
    settings.save().unwrap();
    assert_eq!(
        backend.data().get_path(&["Global", "SIPSimple", "tls"]),
        Some(&Value::from("oops"))
    );
}

#[test]
fn unknown_stored_keys_are_kept_on_save() {
    let (manager, backend) = manager_with(doc(
        r#"{"Global": {"SIPSimple": {"future_setting": "x", "tls": {"future": ["a", "b"]}}},
            "Other": {"thing": "y"}}"#,
    ));
    let settings = SIPSimpleSettings::get(&manager).unwrap();
    settings.tls().set_verify_server(true).unwrap();
    settings.save().unwrap();
    assert_eq!(
        backend.data(),
        doc(r#"{"Global": {"SIPSimple": {"future_setting": "x",
                 "tls": {"future": ["a", "b"], "verify_server": "true"}}},
                "Other": {"thing": "y"}}"#)
    );
}

#[test]
fn runtime_settings_are_never_stored_nor_loaded() {
    let (manager, backend) = manager_with(doc(
        r#"{"Global": {"SIPSimple": {"audio": {"muted": "true"}}}}"#,
    ));
    let settings = SIPSimpleSettings::get(&manager).unwrap();
    assert!(!settings.audio().muted(), "runtime settings are not loaded");
    let recorder = Recorder::new(&manager);
    settings.audio().set_muted(true).unwrap();
    settings.save().unwrap();
    assert_eq!(
        recorder.names(),
        vec![NotificationName::SettingsObjectDidChange]
    );
    assert_eq!(backend.save_count(), 0, "only runtime settings changed");
    assert!(settings.audio().muted());
}

#[test]
fn save_failure_posts_manager_save_failed_and_returns_the_error() {
    let manager = ConfigurationManager::new();
    let backend = FailingBackend::default();
    manager.start(backend.clone()).unwrap();
    let settings = SIPSimpleSettings::get(&manager).unwrap();
    let recorder = Recorder::new(&manager);
    settings.set_user_agent("x").unwrap();
    backend.fail(true);
    let error = settings.save().unwrap_err();
    assert!(error.to_string().contains("disk full"), "{error}");
    let seen = recorder.take();
    // Nothing was stored, so no change is announced: only the failure.
    assert_eq!(
        seen.iter().map(|n| n.kind.name()).collect::<Vec<_>>(),
        vec![NotificationName::ManagerSaveFailed]
    );
    let NotificationKind::ManagerSaveFailed {
        modified,
        operation,
        error: original,
    } = &seen[0].kind
    else {
        unreachable!()
    };
    assert_eq!(*operation, Operation::Save);
    assert!(modified.as_ref().unwrap().contains_key("user_agent"));
    let ConfigurationError::Backend(BackendError::Other(source)) = &**original else {
        panic!("expected the backend's own error, got {original:?}");
    };
    assert!(
        source.downcast_ref::<DiskFull>().is_some(),
        "the notification keeps the original error object: {source:?}"
    );
    // The object is still changed, and the next save writes it.
    assert!(settings.get_modified().contains_key("user_agent"));
    backend.fail(false);
    settings.save().unwrap();
    assert!(settings.get_modified().is_empty());
    assert_eq!(
        recorder.names(),
        vec![NotificationName::SettingsObjectDidChange]
    );
    backend.fail(true);

    let account = Account::get(&manager, "a@example.com").unwrap();
    backend.fail(false);
    account.save().unwrap();
    backend.fail(true);
    let recorder = Recorder::filtered(
        &manager,
        NotificationFilter::new().name(NotificationName::ManagerSaveFailed),
    );
    assert!(account.delete().is_err());
    let seen = recorder.take();
    assert!(matches!(
        seen[0].kind,
        NotificationKind::ManagerSaveFailed {
            operation: Operation::Delete,
            ..
        }
    ));
}

#[test]
fn observers_filter_by_kind_and_sender_and_stop_when_dropped() {
    let (manager, _) = manager();
    let alice_only = Recorder::filtered(
        &manager,
        NotificationFilter::new()
            .sender_type("Account")
            .sender_id("alice@example.com"),
    );
    let created_only = Recorder::filtered(
        &manager,
        NotificationFilter::new().name(NotificationName::SettingsObjectWasCreated),
    );
    Account::get(&manager, "alice@example.com")
        .unwrap()
        .save()
        .unwrap();
    Account::get(&manager, "bob@example.com")
        .unwrap()
        .save()
        .unwrap();
    assert_eq!(alice_only.names().len(), 2);
    assert!(alice_only
        .seen
        .lock()
        .unwrap()
        .iter()
        .all(|n| n.sender.id == "alice@example.com"));
    assert_eq!(created_only.names().len(), 2);

    let seen = created_only.seen.clone();
    drop(created_only);
    Account::get(&manager, "carol@example.com")
        .unwrap()
        .save()
        .unwrap();
    assert_eq!(
        seen.lock().unwrap().len(),
        2,
        "a dropped guard stops delivery"
    );
}

#[test]
fn secrets_are_masked_in_debug_diffs_and_notifications() {
    let (manager, _) = manager();
    let account = Account::get(&manager, "alice@example.com").unwrap();
    account.save().unwrap();
    let recorder = Recorder::new(&manager);
    account.auth().set_password("hunter2").unwrap();
    assert!(!format!("{account:?}").contains("hunter2"));
    let modified = account.get_modified();
    assert!(!format!("{modified:?}").contains("hunter2"));
    assert_eq!(
        modified["auth.password"].new_value::<String>().unwrap(),
        "hunter2"
    );
    account.save().unwrap();
    for notification in recorder.take() {
        assert!(!notification.to_string().contains("hunter2"));
        assert!(!format!("{notification:?}").contains("hunter2"));
    }
}

#[test]
fn set_many_is_all_or_nothing_and_reports_every_error() {
    let (manager, _) = manager();
    let settings = SIPSimpleSettings::get(&manager).unwrap();
    let errors = settings
        .raw()
        .set_many(&[
            ("user_agent", TextValue::Text("new")),
            ("sip.udp_port", TextValue::Text("99999")),
            ("no.such", TextValue::Text("1")),
            ("tls", TextValue::Text("1")),
        ])
        .unwrap_err();
    assert_eq!(errors.len(), 3, "{errors:?}");
    assert_eq!(settings.user_agent(), "sipsimple 0.1", "nothing changed");

    settings
        .raw()
        .set_many(&[
            ("user_agent", TextValue::Text("new")),
            ("sip.transport_list", TextValue::Text("tls, udp")),
            ("default_account", TextValue::Nothing),
            ("tls.verify_server", TextValue::Text("yes")),
        ])
        .unwrap();
    assert_eq!(settings.user_agent(), "new");
    assert_eq!(settings.sip().transport_list(), vec!["tls", "udp"]);
    assert_eq!(settings.default_account(), None);
    assert!(settings.tls().verify_server());
    settings
        .raw()
        .set_text("user_agent", TextValue::Default)
        .unwrap();
    assert_eq!(settings.user_agent(), "sipsimple 0.1");
}

#[test]
fn metadata_describes_every_setting() {
    let (manager, _) = manager();
    let settings = SIPSimpleSettings::get(&manager).unwrap();
    let tree = settings.raw().describe();
    let names: Vec<_> = tree.settings.iter().map(|s| s.name).collect();
    assert_eq!(names, vec!["default_account", "user_agent"]);
    let groups: Vec<_> = tree.groups.iter().map(|g| g.name).collect();
    assert_eq!(groups, vec!["audio", "chat", "sip", "tls"]);
    let verify = settings.raw().setting("tls.verify_server").unwrap();
    assert_eq!(verify.doc, "Verify the server's certificate.");
    assert_eq!(verify.type_info.name, "bool");
    assert!(!verify.nillable);
    assert_eq!(verify.default_display(), "False");
    let account = settings.raw().setting("default_account").unwrap();
    assert!(account.nillable);
    assert_eq!(account.default_display(), "bonjour@local");
    assert!(matches!(
        settings.raw().setting("tls"),
        Err(SettingError::IsGroup { .. })
    ));
    assert!(matches!(
        settings.raw().setting("tls.nope"),
        Err(SettingError::Unknown { .. })
    ));
    let static_schema = <SIPSimpleSettings as sipcfg::SettingsDeclaration>::schema();
    assert_eq!(static_schema.settings.len(), 2);
    assert_eq!(static_schema.groups.len(), 4);
}

#[test]
fn snapshot_copies_every_value() {
    let (manager, _) = manager();
    let settings = SIPSimpleSettings::get(&manager).unwrap();
    settings.tls().set_verify_server(true).unwrap();
    let copy = settings.snapshot();
    assert!(copy.tls.verify_server);
    assert_eq!(copy.user_agent, "sipsimple 0.1");
    assert_eq!(copy.sip.transport_list.len(), 3);
}

#[test]
fn calls_before_start_are_errors() {
    let manager = ConfigurationManager::new();
    assert!(matches!(
        SIPSimpleSettings::get(&manager),
        Err(ConfigurationError::NotStarted)
    ));
    assert!(matches!(
        manager.save(),
        Err(ConfigurationError::NotStarted)
    ));
    assert!(matches!(
        manager.get_names(None),
        Err(ConfigurationError::NotStarted)
    ));
}

#[test]
fn concurrent_setting_reading_and_saving_loses_no_update() {
    let (manager, backend) = manager();
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let manager = manager.clone();
            std::thread::spawn(move || {
                for i in 0..50 {
                    let account =
                        Account::get(&manager, &format!("user{t}-{i}@example.com")).unwrap();
                    account.set_display_name(Some(format!("{t}/{i}"))).unwrap();
                    account.save().unwrap();
                    let global = SIPSimpleSettings::get(&manager).unwrap();
                    let _ = global.user_agent();
                    if t == 0 {
                        global.set_user_agent(format!("ua {i}")).unwrap();
                        global.save().unwrap();
                    } else {
                        global.audio().set_sample_rate(8000 + i as u32).unwrap();
                    }
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    SIPSimpleSettings::get(&manager).unwrap().save().unwrap();
    let stored = backend.data();
    let accounts = stored.group("Accounts").unwrap();
    assert_eq!(accounts.len(), 8 * 50);
    for t in 0..8 {
        for i in 0..50 {
            assert_eq!(
                accounts.get_path(&[format!("user{t}-{i}@example.com"), "display_name".into()]),
                Some(&Value::from(format!("{t}/{i}")))
            );
        }
    }
    assert_eq!(
        stored.get_path(&["Global", "SIPSimple", "user_agent"]),
        Some(&Value::from("ua 49"))
    );
}

/// A backend that fails on demand.
#[derive(Clone, Default)]
struct FailingBackend {
    inner: MemoryBackend,
    failing: Arc<std::sync::atomic::AtomicBool>,
}

impl FailingBackend {
    fn fail(&self, on: bool) {
        self.failing.store(on, std::sync::atomic::Ordering::SeqCst);
    }
}

/// The error of a [`FailingBackend`].
#[derive(Debug)]
struct DiskFull;

impl std::fmt::Display for DiskFull {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("disk full")
    }
}

impl std::error::Error for DiskFull {}

impl Backend for FailingBackend {
    fn load(&self) -> Result<Data, BackendError> {
        self.inner.load()
    }
    fn save(&self, data: &Data) -> Result<(), BackendError> {
        if self.failing.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(BackendError::Other(Box::new(DiskFull)));
        }
        self.inner.save(data)
    }
}

/// A complex setting stored like a group (the spec's "Complex settings can be represented just
/// like a group").
#[derive(Debug, Clone, PartialEq)]
struct Resolution {
    width: u32,
    height: u32,
}

impl sipcfg::SettingType for Resolution {
    fn from_stored(value: &Value) -> Result<Self, sipcfg::ValueError> {
        let group = value.as_group().ok_or_else(|| {
            sipcfg::ValueError::new(format!("expected a group, found {}", value.kind()))
        })?;
        let field = |name: &str| {
            group
                .get(name)
                .ok_or_else(|| sipcfg::ValueError::new(format!("missing {name}")))
                .and_then(<u32 as sipcfg::SettingType>::from_stored)
        };
        Ok(Resolution {
            width: field("width")?,
            height: field("height")?,
        })
    }
    fn to_stored(&self) -> Value {
        let mut group = Data::new();
        group.insert("width", self.width.to_string());
        group.insert("height", self.height.to_string());
        Value::Group(group)
    }
    fn type_info() -> sipcfg::TypeInfo {
        sipcfg::TypeInfo::new("Resolution")
    }
}

#[derive(sipcfg::SettingsObject)]
#[settings(id = "Video")]
pub struct VideoSettings {
    /// The capture resolution.
    #[setting(default = Resolution { width: 640, height: 480 })]
    resolution: Resolution,
}

#[test]
fn group_shaped_setting_types_are_stored_as_groups() {
    let (manager, backend) = manager_with(doc(
        r#"{"Video": {"resolution": {"width": "1280", "height": "720"}}}"#,
    ));
    let video = VideoSettings::get(&manager).unwrap();
    assert_eq!(
        video.resolution(),
        Resolution {
            width: 1280,
            height: 720
        }
    );
    video
        .set_resolution(Resolution {
            width: 1920,
            height: 1080,
        })
        .unwrap();
    video.save().unwrap();
    assert_eq!(
        backend.data(),
        doc(r#"{"Video": {"resolution": {"width": "1920", "height": "1080"}}}"#)
    );
}

#[test]
fn set_many_checks_correlated_settings_against_the_final_values() {
    let (manager, _) = manager();
    let settings = SIPSimpleSettings::get(&manager).unwrap();
    settings.sip().set_tcp_port(6000).unwrap();
    settings.sip().set_tls_port(5000).unwrap();
    // Swapping the two ports works in either order.
    settings
        .raw()
        .set_many(&[
            ("sip.tcp_port", TextValue::Text("5000")),
            ("sip.tls_port", TextValue::Text("6000")),
        ])
        .unwrap();
    assert_eq!(
        (settings.sip().tcp_port(), settings.sip().tls_port()),
        (Port(5000), Port(6000))
    );
    settings
        .raw()
        .set_many(&[
            ("sip.tls_port", TextValue::Text("5000")),
            ("sip.tcp_port", TextValue::Text("6000")),
        ])
        .unwrap();
    // A clash is reported together with conversion errors, and nothing changes.
    let errors = settings
        .raw()
        .set_many(&[
            ("sip.udp_port", TextValue::Text("bogus")),
            ("sip.tls_port", TextValue::Text("6000")),
        ])
        .unwrap_err();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(
        errors[1].to_string().contains("must differ"),
        "{}",
        errors[1]
    );
    assert_eq!(settings.sip().tls_port(), Port(5000));
}

#[test]
fn a_deleted_object_cannot_change_its_id_nor_disturb_its_successor() {
    let (manager, _) = manager();
    let a = Account::get(&manager, "a@example.com").unwrap();
    a.save().unwrap();
    a.delete().unwrap();
    let b = Account::get(&manager, "a@example.com").unwrap();
    assert!(a.set_id("z@example.com").is_err());
    let again = Account::get(&manager, "a@example.com").unwrap();
    b.set_enabled(true).unwrap();
    assert!(again.enabled(), "the live object is still the successor");
}

#[test]
fn renaming_a_never_saved_object_frees_its_old_id() {
    let (manager, backend) = manager();
    let a = Account::get(&manager, "a@example.com").unwrap();
    a.set_id("b@example.com").unwrap();
    let other = Account::get(&manager, "a@example.com").unwrap();
    assert!(other.raw().is_new());
    a.save().unwrap();
    assert_eq!(
        backend.data(),
        doc(r#"{"Accounts": {"b@example.com": {}}}"#)
    );
    assert!(
        !a.get_modified().contains_key("__id__"),
        "a first save reports creation, not a rename"
    );
}

#[test]
fn new_unsaved_objects_are_not_listed() {
    let (manager, _) = manager_with(doc(r#"{"Accounts": {"stored@example.com": {}}}"#));
    let _probe = Account::get(&manager, "probe@example.com").unwrap();
    assert_eq!(Account::ids(&manager).unwrap(), vec!["stored@example.com"]);
}

#[test]
fn assigning_then_resetting_a_kept_raw_value_removes_it() {
    let (manager, backend) = manager_with(doc(
        r#"{"Global": {"SIPSimple": {"audio": {"sample_rate": "abc"}, "user_agent": "ua"}}}"#,
    ));
    let settings = SIPSimpleSettings::get(&manager).unwrap();
    settings.audio().set_sample_rate(8000u32).unwrap();
    settings.audio().reset_sample_rate();
    assert!(settings.get_modified().contains_key("audio.sample_rate"));
    settings.save().unwrap();
    assert_eq!(
        backend.data().get_path(&["Global", "SIPSimple", "audio"]),
        None
    );
}

#[test]
fn a_global_object_exists_under_its_static_id_only() {
    let (manager, _) = manager();
    assert!(matches!(
        sipcfg::Object::<SIPSimpleSettings>::get_or_create(&manager, "Other"),
        Err(ConfigurationError::InvalidKey(_))
    ));
}

#[test]
fn an_object_entry_that_is_not_a_group_is_reported_and_kept() {
    let (manager, backend) = manager_with(doc(r#"{"Global": {"SIPSimple": "oops"}}"#));
    let recorder = Recorder::filtered(
        &manager,
        NotificationFilter::new().name(NotificationName::ManagerLoadFailed),
    );
    let settings = SIPSimpleSettings::get(&manager).unwrap();
    assert_eq!(recorder.names().len(), 1);
    settings.audio().set_muted(true).unwrap(); // runtime only: nothing stored
    settings.save().unwrap();
    assert_eq!(
        backend.data().get_path(&["Global", "SIPSimple"]),
        Some(&Value::from("oops"))
    );
    settings.set_user_agent("x").unwrap();
    settings.save().unwrap();
    assert_eq!(
        backend
            .data()
            .get_path(&["Global", "SIPSimple", "user_agent"]),
        Some(&Value::from("x")),
        "an assignment replaces it"
    );
}

#[test]
fn objects_that_outlive_their_manager_say_so() {
    let (manager, _) = manager();
    let settings = SIPSimpleSettings::get(&manager).unwrap();
    drop(manager);
    settings.set_user_agent("x").unwrap();
    assert!(matches!(
        settings.save(),
        Err(ConfigurationError::ManagerDropped)
    ));
}

#[test]
fn an_observer_added_during_a_batch_hears_only_what_later_saves_change() {
    let (manager, _) = manager();
    let account = Account::get(&manager, "alice@example.com").unwrap();
    account.save().unwrap();
    assert!(!manager.notifications().has_observers());
    let mut recorder = None;
    manager
        .batch(|| {
            // Announced when nobody observes: no one hears it, and it is not told again.
            account.set_enabled(true)?;
            account.save()?;
            recorder = Some(Recorder::new(&manager));
            account.set_display_name(Some("Alice".to_owned()))?;
            account.save()
        })
        .unwrap();
    let recorder = recorder.unwrap();
    assert!(manager.notifications().has_observers());
    let seen = recorder.seen.lock().unwrap();
    let changed: Vec<Vec<String>> = seen
        .iter()
        .filter_map(|n| match &n.kind {
            NotificationKind::SettingsObjectDidChange { modified } => {
                Some(modified.keys().cloned().collect())
            }
            _ => None,
        })
        .collect();
    assert_eq!(changed, vec![vec!["display_name".to_owned()]]);
    assert!(account.enabled());
}

#[test]
fn a_renamed_unsaved_object_is_listed_under_its_new_id_in_order() {
    let (manager, _) = manager_with(doc(
        r#"{"Accounts": {"a@example.com": {}, "c@example.com": {}, "d@example.com": {}}}"#,
    ));
    let a = Account::get(&manager, "a@example.com").unwrap();
    let _c = Account::get(&manager, "c@example.com").unwrap();
    a.set_id("b@example.com").unwrap();
    assert_eq!(
        Account::ids(&manager).unwrap(),
        vec!["b@example.com", "c@example.com", "d@example.com"]
    );
}
