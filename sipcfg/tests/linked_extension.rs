//! `#[extend(Target, linked)]`: the extension is registered with every manager at start, with
//! no call. (A test binary of its own, so that the linked extension exists only here.)

use sipcfg::backend::MemoryBackend;
use sipcfg::{extend, ConfigurationManager, SettingsObject};

#[derive(SettingsObject)]
#[settings(id = "App")]
pub struct App {
    /// The application's name.
    #[setting(default = "demo")]
    pub name: String,
}

/// Linked in at build time.
#[extend(App, linked)]
pub struct Plugin {
    /// A plugin's option.
    #[setting(default = 3u32)]
    pub level: u32,
}

#[test]
fn a_linked_extension_is_registered_at_start_without_a_call() {
    let stored: sipcfg::Data = serde_json::from_str(r#"{"App": {"level": "7"}}"#).unwrap();
    let manager = ConfigurationManager::new();
    assert!(!manager.has_extension::<Plugin>());
    manager.start(MemoryBackend::with_data(stored)).unwrap();
    assert!(manager.has_extension::<Plugin>());
    let app = App::get(&manager).unwrap();
    assert_eq!(
        app.raw().setting("level").unwrap().extension,
        Some("Plugin")
    );
    assert_eq!(app.ext::<Plugin>().level(), 7);
    assert_eq!(
        manager
            .extensions()
            .iter()
            .map(|e| e.name)
            .collect::<Vec<_>>(),
        vec!["Plugin"]
    );
}
