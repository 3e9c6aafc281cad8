//! An application crate (this one) extends the settings objects of another crate of the
//! workspace (`sipcfg-settings`): new settings, settings in existing groups, a new group and a
//! default override, persisted through the text file and read back.

use std::sync::{Arc, Mutex};

use sipcfg::backend::FileBackend;
use sipcfg::{extend, ConfigurationManager, NotificationKind, SettingsGroup};
use sipcfg_settings::account::AccountSIPSettings;
use sipcfg_settings::datatypes::NonNegativeInteger;
use sipcfg_settings::general::AudioSettings;
use sipcfg_settings::{Account, SIPSimpleSettings};

/// The application's own global settings.
#[extend(SIPSimpleSettings)]
pub struct AppSettings {
    /// The colour theme.
    #[setting(default = "light")]
    pub theme: String,
    /// The main window.
    #[group]
    pub window: WindowSettings,
}

/// The main window.
#[derive(SettingsGroup)]
pub struct WindowSettings {
    /// Width in pixels.
    #[setting(default = 800u32)]
    pub width: u32,
    /// Whether the window starts maximized.
    #[setting(default = false)]
    pub maximized: bool,
}

/// A setting inside the middleware's existing `audio` group.
#[extend(AudioSettings)]
pub struct AppAudio {
    /// Play a click on key presses.
    #[setting(default = true)]
    pub key_clicks: bool,
}

/// The application registers more often than the middleware's default.
#[extend(AccountSIPSettings)]
pub struct AppAccountSIP {
    #[setting(default = NonNegativeInteger::from_u64(300), override_default)]
    pub register_interval: NonNegativeInteger,
}

fn open(path: &std::path::Path, order: &[&str]) -> ConfigurationManager {
    let manager = ConfigurationManager::new();
    manager.start(FileBackend::new(path)).unwrap();
    for name in order {
        match *name {
            "app" => SIPSimpleSettings::register_extension::<AppSettings>(&manager).unwrap(),
            "audio" => manager.register_extension::<AppAudio>().unwrap(),
            _ => manager.register_extension::<AppAccountSIP>().unwrap(),
        }
    }
    manager
}

#[test]
fn extensions_from_another_crate_persist_through_the_file_and_reload() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config");
    let manager = open(&path, &["app", "audio", "sip"]);

    let settings = SIPSimpleSettings::get(&manager).unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    let _guard = manager
        .notifications()
        .observe(Default::default(), move |n| {
            sink.lock().unwrap().push(n.clone())
        });

    let app = settings.ext::<AppSettings>();
    assert_eq!(app.theme(), "light");
    app.set_theme("dark").unwrap();
    app.window().set_width(1024u32).unwrap();
    settings
        .audio()
        .ext::<AppAudio>()
        .set_key_clicks(false)
        .unwrap();
    settings.audio().set_silent(true).unwrap();
    settings.save().unwrap();

    let notifications = seen.lock().unwrap().clone();
    let NotificationKind::SettingsObjectDidChange { modified } = &notifications[0].kind else {
        panic!("expected DidChange, got {:?}", notifications[0].kind);
    };
    let paths: Vec<_> = modified.keys().map(String::as_str).collect();
    assert_eq!(
        paths,
        vec!["audio.key_clicks", "audio.silent", "theme", "window.width"]
    );

    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        text,
        "SIPSimpleSettings:\n    theme = dark\n    audio:\n        key_clicks = false\n        silent = true\n\n    window:\n        width = 1024\n\n\n"
    );

    let account = Account::get(&manager, "a@example.com").unwrap();
    assert_eq!(
        account.sip().register_interval().get(),
        300,
        "overridden default"
    );
    account.save().unwrap();

    // A fresh process: the extensions registered in another order read the same values back.
    let reloaded = open(&path, &["sip", "audio", "app"]);
    let settings = SIPSimpleSettings::get(&reloaded).unwrap();
    assert_eq!(settings.ext::<AppSettings>().theme(), "dark");
    assert_eq!(settings.ext::<AppSettings>().window().width(), 1024);
    assert!(!settings.ext::<AppSettings>().window().maximized());
    assert!(!settings.audio().ext::<AppAudio>().key_clicks());
    assert!(settings.audio().silent());
    let info = settings.raw().setting("window.width").unwrap();
    assert_eq!(info.doc, "Width in pixels.");
    assert_eq!(info.extension, Some("AppSettings"));
    let account = Account::get(&reloaded, "a@example.com").unwrap();
    assert_eq!(account.sip().register_interval().get(), 300);
}

#[test]
fn extension_values_survive_a_process_that_does_not_know_the_extension() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config");
    let manager = open(&path, &["app"]);
    let settings = SIPSimpleSettings::get(&manager).unwrap();
    settings.ext::<AppSettings>().set_theme("dark").unwrap();
    settings.save().unwrap();

    // The middleware alone (no extension) changes something else and saves.
    let plain = ConfigurationManager::new();
    plain.start(FileBackend::new(&path)).unwrap();
    let settings = SIPSimpleSettings::get(&plain).unwrap();
    settings.set_user_agent("other").unwrap();
    settings.save().unwrap();

    let again = open(&path, &["app"]);
    let settings = SIPSimpleSettings::get(&again).unwrap();
    assert_eq!(settings.ext::<AppSettings>().theme(), "dark");
    assert_eq!(settings.user_agent(), "other");
}
