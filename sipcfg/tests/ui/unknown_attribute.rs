use sipcfg::{SettingsGroup, SettingsObject};

#[derive(SettingsGroup)]
pub struct Audio {
    #[setting(default = 44100u32)]
    pub sample_rate: u32,
}

#[derive(SettingsObject)]
#[settings(group = "Global", idd = "App")]
pub struct App {
    #[setting(defualt = "app")]
    pub user_agent: String,
    #[setting(default = 5060u16, readonly)]
    pub port: u16,
    #[group(rename = "sound")]
    pub audio: Audio,
}

fn main() {}
