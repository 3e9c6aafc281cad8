use sipcfg::{SettingsGroup, SettingsObject};

#[derive(SettingsGroup)]
pub struct Audio {
    #[setting(default = 44100u32)]
    pub sample_rate: u32,
}

#[derive(SettingsObject)]
#[settings(group = "Global", id = "App")]
pub struct App {
    #[setting(default = 1u32)]
    #[group]
    pub audio: Audio,
    #[group]
    #[group(name = "sound")]
    pub sound: Audio,
}

fn main() {}
