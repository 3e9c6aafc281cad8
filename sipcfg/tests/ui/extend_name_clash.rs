use sipcfg::{extend, SettingsGroup, SettingsObject};

#[derive(SettingsGroup)]
pub struct Audio {
    #[setting(default = 44100u32)]
    pub sample_rate: u32,
}

#[derive(SettingsObject)]
#[settings(group = "Global", id = "App")]
pub struct App {
    #[setting(default = "app")]
    pub user_agent: String,
    #[group]
    pub audio: Audio,
}

#[extend(App)]
pub struct AppExtension {
    /// Clashes with the target's setting: `override_default` is missing.
    #[setting(default = "my app")]
    pub user_agent: String,
    /// Clashes with the target's group.
    #[setting(name = "audio", default = true)]
    pub audio_enabled: bool,
}

fn main() {}
