// A valid extension: new settings, a new group, and an override of the target's default.

use sipcfg::{extend, SettingsGroup, SettingsObject};

#[derive(SettingsGroup)]
pub struct Audio {
    #[setting(default = 44100u32)]
    pub sample_rate: u32,
    /// Stored names that are not identifiers, and close to each other.
    #[setting(name = "sample-rate", default = 8000u32)]
    pub narrow_rate: u32,
    #[setting(name = "sample__rate", default = 16000u32)]
    pub wide_rate: u32,
}

#[derive(SettingsObject)]
#[settings(group = "Global", id = "App")]
pub struct App {
    #[setting(default = "app 1.0")]
    pub user_agent: String,
    #[group]
    pub audio: Audio,
}

#[derive(SettingsGroup)]
pub struct Video {
    #[setting(default = 30u32)]
    pub frame_rate: u32,
}

#[extend(App)]
pub struct MyAppExtension {
    /// A new setting.
    #[setting(default = true)]
    pub auto_answer: bool,
    /// A new default for the target's own setting.
    #[setting(default = "my app 2.0", override_default)]
    pub user_agent: String,
    #[group]
    pub video: Video,
}

#[extend(Audio)]
pub struct AudioExtension {
    pub device: Option<String>,
    #[setting(name = "sample-rate", default = 11025u32, override_default)]
    pub narrow_rate: u32,
}

fn main() {
    let manager = sipcfg::ConfigurationManager::new();
    manager.start(sipcfg::backend::MemoryBackend::new()).unwrap();
    App::register_extension::<MyAppExtension>(&manager).unwrap();
    manager.register_extension::<AudioExtension>().unwrap();
    let app = App::get(&manager).unwrap();
    assert_eq!(app.user_agent(), "my app 2.0");
    assert!(app.ext::<MyAppExtension>().auto_answer());
    assert_eq!(app.ext::<MyAppExtension>().video().frame_rate(), 30);
    assert_eq!(app.audio().ext::<AudioExtension>().device(), None);
    assert_eq!(app.audio().narrow_rate(), 11025);
    assert_eq!(app.audio().wide_rate(), 16000);
}
