//! The spec's section "SettingsObjectExtension": settings added to objects and groups declared
//! elsewhere, stored where the target's own settings are.

mod common;

use common::*;
use sipcfg::{
    extend, ConfigurationError, ExtensionError, NotificationFilter, NotificationKind,
    NotificationName, TextValue, Value,
};

/// Application settings added to SIPSimpleSettings.
#[extend(SIPSimpleSettings)]
pub struct AppSettings {
    /// Where the application keeps its data.
    #[setting(default = "~/.sipclient")]
    pub user_data_directory: String,
    /// Sounds played on events (a new group).
    #[group]
    pub sounds: SoundSettings,
}

#[derive(sipcfg::SettingsGroup)]
pub struct SoundSettings {
    /// Played on an incoming call.
    pub audio_inbound: Option<String>,
}

/// A setting added to the TLS group, wherever it is used.
#[extend(TLSSettings)]
pub struct TLSExtension {
    /// Verify the client's certificate.
    #[setting(default = true)]
    pub verify_client: bool,
}

/// Replaces the default sample rate.
#[extend(AudioSettings)]
pub struct AudioDefaults {
    #[setting(default = 48000u32, override_default)]
    pub sample_rate: u32,
    /// Where recordings go.
    #[setting(default = "history")]
    pub directory: String,
}

/// Clashes with AppSettings.
#[extend(SIPSimpleSettings)]
pub struct OtherApp {
    #[setting(default = "x")]
    pub user_data_directory: String,
}

#[test]
fn extension_settings_are_stored_in_the_targets_entry() {
    let (manager, backend) = manager();
    SIPSimpleSettings::register_extension::<AppSettings>(&manager).unwrap();
    manager.register_extension::<TLSExtension>().unwrap();
    let settings = SIPSimpleSettings::get(&manager).unwrap();
    let app = settings.ext::<AppSettings>();
    assert_eq!(app.user_data_directory(), "~/.sipclient");
    app.set_user_data_directory("/data").unwrap();
    app.sounds()
        .set_audio_inbound(Some("/ring.wav".to_owned()))
        .unwrap();
    settings
        .tls()
        .ext::<TLSExtension>()
        .set_verify_client(false)
        .unwrap();
    settings.tls().set_verify_server(true).unwrap();

    let modified = settings.get_modified();
    let paths: Vec<_> = modified.keys().map(String::as_str).collect();
    assert_eq!(
        paths,
        vec![
            "sounds.audio_inbound",
            "tls.verify_client",
            "tls.verify_server",
            "user_data_directory"
        ]
    );
    let recorder = Recorder::new(&manager);
    settings.save().unwrap();
    let seen = recorder.take();
    let NotificationKind::SettingsObjectDidChange { modified } = &seen[0].kind else {
        panic!("expected DidChange");
    };
    assert!(modified.contains_key("tls.verify_client"));
    assert_eq!(
        backend.data(),
        doc(r#"{"Global": {"SIPSimple": {
            "user_data_directory": "/data",
            "sounds": {"audio_inbound": "/ring.wav"},
            "tls": {"verify_client": "false", "verify_server": "true"}}}}"#)
    );
}

#[test]
fn a_group_extension_applies_wherever_the_group_is_used() {
    let (manager, backend) = manager();
    manager.register_extension::<TLSExtension>().unwrap();
    let account = Account::get(&manager, "alice@example.com").unwrap();
    assert!(account.tls().ext::<TLSExtension>().verify_client());
    account
        .tls()
        .ext::<TLSExtension>()
        .set_verify_client(false)
        .unwrap();
    account.save().unwrap();
    assert_eq!(
        backend.data(),
        doc(r#"{"Accounts": {"alice@example.com": {"tls": {"verify_client": "false"}}}}"#)
    );
}

#[test]
fn extension_settings_take_part_in_reset_metadata_and_dotted_paths() {
    let (manager, _) = manager_with(doc(
        r#"{"Global": {"SIPSimple": {"user_data_directory": "/d"}}}"#,
    ));
    manager.register_extension::<AppSettings>().unwrap();
    let settings = SIPSimpleSettings::get(&manager).unwrap();
    let app = settings.ext::<AppSettings>();
    assert_eq!(app.user_data_directory(), "/d");
    app.reset_user_data_directory();
    assert_eq!(app.user_data_directory(), "~/.sipclient");

    let info = settings.raw().setting("user_data_directory").unwrap();
    assert_eq!(info.extension, Some("AppSettings"));
    assert_eq!(info.doc, "Where the application keeps its data.");
    settings
        .raw()
        .set_text("sounds.audio_inbound", TextValue::Text("/x.wav"))
        .unwrap();
    assert_eq!(app.sounds().audio_inbound().as_deref(), Some("/x.wav"));
    let tree = settings.raw().describe();
    assert!(tree.groups.iter().any(|g| g.name == "sounds"));
    assert!(tree
        .settings
        .iter()
        .any(|s| s.name == "user_data_directory"));
}

#[test]
fn an_extension_may_override_a_default_explicitly() {
    let (manager, backend) = manager();
    let settings = SIPSimpleSettings::get(&manager).unwrap();
    assert_eq!(settings.audio().sample_rate(), 44100);
    manager.register_extension::<AudioDefaults>().unwrap();
    assert_eq!(
        settings.audio().sample_rate(),
        48000,
        "live objects follow the new default"
    );
    assert_eq!(settings.audio().ext::<AudioDefaults>().sample_rate(), 48000);
    assert_eq!(
        settings.audio().ext::<AudioDefaults>().directory(),
        "history"
    );
    settings.set_user_agent("x").unwrap();
    settings.save().unwrap();
    assert_eq!(
        backend.data().get_path(&["Global", "SIPSimple", "audio"]),
        None,
        "a default is not stored"
    );
}

#[test]
fn registering_after_loading_gives_live_objects_the_stored_values() {
    let (manager, backend) = manager_with(doc(
        r#"{"Global": {"SIPSimple": {"user_data_directory": "/stored",
             "sounds": {"audio_inbound": "/in.wav"}, "user_agent": "ua"}}}"#,
    ));
    let settings = SIPSimpleSettings::get(&manager).unwrap();
    settings.set_user_agent("ua2").unwrap();
    settings.save().unwrap();
    // Not registered yet: the extension's stored values were kept.
    assert_eq!(
        backend
            .data()
            .get_path(&["Global", "SIPSimple", "user_data_directory"]),
        Some(&Value::from("/stored"))
    );
    manager.register_extension::<AppSettings>().unwrap();
    let app = settings.ext::<AppSettings>();
    assert_eq!(app.user_data_directory(), "/stored");
    assert_eq!(app.sounds().audio_inbound().as_deref(), Some("/in.wav"));
    assert_eq!(settings.user_agent(), "ua2", "earlier changes stay");
}

#[test]
fn using_an_unregistered_extension_registers_it() {
    let (manager, _) = manager_with(doc(
        r#"{"Global": {"SIPSimple": {"user_data_directory": "/stored"}}}"#,
    ));
    let settings = SIPSimpleSettings::get(&manager).unwrap();
    assert!(!manager.has_extension::<AppSettings>());
    assert_eq!(
        settings.ext::<AppSettings>().user_data_directory(),
        "/stored"
    );
    assert!(manager.has_extension::<AppSettings>());
}

#[test]
fn registration_order_does_not_matter() {
    let stored = r#"{"Global": {"SIPSimple": {"user_data_directory": "/u",
        "tls": {"verify_client": "false"}, "audio": {"directory": "rec"}}}}"#;
    let run = |order: &[&str]| {
        let (manager, backend) = manager_with(doc(stored));
        for name in order {
            match *name {
                "app" => manager.register_extension::<AppSettings>().unwrap(),
                "tls" => manager.register_extension::<TLSExtension>().unwrap(),
                _ => manager.register_extension::<AudioDefaults>().unwrap(),
            }
        }
        let settings = SIPSimpleSettings::get(&manager).unwrap();
        settings
            .ext::<AppSettings>()
            .set_user_data_directory("/v")
            .unwrap();
        settings.save().unwrap();
        let values = (
            settings.ext::<AppSettings>().user_data_directory(),
            settings.tls().ext::<TLSExtension>().verify_client(),
            settings.audio().ext::<AudioDefaults>().directory(),
            settings.audio().sample_rate(),
        );
        (values, backend.data())
    };
    let first = run(&["app", "tls", "audio"]);
    let second = run(&["audio", "tls", "app"]);
    assert_eq!(first, second);
    assert_eq!(first.0, ("/v".to_owned(), false, "rec".to_owned(), 48000));
}

#[test]
fn two_extensions_adding_one_name_are_refused_naming_both() {
    let (manager, _) = manager();
    manager.register_extension::<AppSettings>().unwrap();
    let error = manager.register_extension::<OtherApp>().unwrap_err();
    let ConfigurationError::Extension(ExtensionError::Clash {
        name,
        first,
        second,
        ..
    }) = &error
    else {
        panic!("expected a clash, got {error}");
    };
    assert_eq!(name, "user_data_directory");
    assert_eq!((*first, *second), ("AppSettings", "OtherApp"));
    let message = error.to_string();
    assert!(
        message.contains("AppSettings") && message.contains("OtherApp"),
        "{message}"
    );
    // Registering the same extension twice is harmless.
    manager.register_extension::<AppSettings>().unwrap();
}

#[test]
fn an_unconvertible_extension_value_is_reported_and_kept() {
    let (manager, backend) = manager_with(doc(
        r#"{"Accounts": {"a@example.com": {"tls": {"verify_client": "maybe"}}}}"#,
    ));
    let account = Account::get(&manager, "a@example.com").unwrap();
    let recorder = Recorder::filtered(
        &manager,
        NotificationFilter::new().name(NotificationName::ManagerLoadFailed),
    );
    manager.register_extension::<TLSExtension>().unwrap();
    let seen = recorder.take();
    assert_eq!(seen.len(), 1);
    let NotificationKind::ManagerLoadFailed { path, .. } = &seen[0].kind else {
        unreachable!()
    };
    assert_eq!(path, "tls.verify_client");
    assert!(account.tls().ext::<TLSExtension>().verify_client());
    account.set_enabled(true).unwrap();
    account.save().unwrap();
    assert_eq!(
        backend
            .data()
            .get_path(&["Accounts", "a@example.com", "tls", "verify_client"]),
        Some(&Value::from("maybe"))
    );
}

#[test]
fn first_use_of_an_extension_from_two_threads_at_once_works() {
    for _ in 0..50 {
        let (manager, _) = manager();
        let settings = SIPSimpleSettings::get(&manager).unwrap();
        let barrier = std::sync::Arc::new(std::sync::Barrier::new(2));
        let threads: Vec<_> = (0..2)
            .map(|_| {
                let settings = settings.clone();
                let barrier = barrier.clone();
                std::thread::spawn(move || {
                    barrier.wait();
                    settings.ext::<AppSettings>().user_data_directory()
                })
            })
            .collect();
        for thread in threads {
            assert_eq!(thread.join().unwrap(), "~/.sipclient");
        }
    }
}

#[test]
fn concurrent_registrations_never_shrink_a_live_objects_layout() {
    for _ in 0..200 {
        let (manager, _) = manager();
        let settings = SIPSimpleSettings::get(&manager).unwrap();
        let other = manager.clone();
        let a = std::thread::spawn(move || other.register_extension::<AppSettings>().unwrap());
        manager.register_extension::<TLSExtension>().unwrap();
        a.join().unwrap();
        assert!(settings.tls().ext::<TLSExtension>().verify_client());
        assert_eq!(
            settings.ext::<AppSettings>().user_data_directory(),
            "~/.sipclient"
        );
    }
}

#[test]
fn a_group_added_late_keeps_a_stored_non_group_value() {
    let (manager, backend) = manager_with(doc(
        r#"{"Global": {"SIPSimple": {"sounds": "oops", "user_agent": "ua"}}}"#,
    ));
    let settings = SIPSimpleSettings::get(&manager).unwrap();
    let recorder = Recorder::filtered(
        &manager,
        NotificationFilter::new().name(NotificationName::ManagerLoadFailed),
    );
    manager.register_extension::<AppSettings>().unwrap();
    assert_eq!(recorder.names().len(), 1, "the value is reported");
    settings.set_user_agent("x").unwrap();
    settings.save().unwrap();
    assert_eq!(
        backend.data().get_path(&["Global", "SIPSimple", "sounds"]),
        Some(&Value::from("oops"))
    );
}

#[test]
fn an_observer_may_register_an_extension_while_one_is_being_registered() {
    let (manager, _) = manager_with(doc(
        r#"{"Accounts": {"a@example.com": {"tls": {"verify_client": "maybe"}}}}"#,
    ));
    let _account = Account::get(&manager, "a@example.com").unwrap();
    let weak = manager.downgrade();
    let _guard = manager.notifications().observe(
        NotificationFilter::new().name(NotificationName::ManagerLoadFailed),
        move |_| {
            if let Some(manager) = weak.upgrade() {
                manager.register_extension::<AppSettings>().unwrap();
            }
        },
    );
    manager.register_extension::<TLSExtension>().unwrap();
    assert!(manager.has_extension::<AppSettings>());
}
