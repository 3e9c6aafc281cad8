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
    /// The target has a group `audio`: its type is the one to extend.
    #[group]
    pub audio: Audio,
    /// A group named like the target's setting.
    #[group(name = "user_agent")]
    pub agent: Audio,
}

fn main() {}
