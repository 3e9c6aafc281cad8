use sipcfg::{SettingsGroup, SettingsObject};

#[derive(SettingsGroup)]
pub struct Rtp {
    #[setting(default = false)]
    pub encrypt: bool,
}

#[derive(SettingsObject)]
#[settings(group = "Global", id = "App")]
pub struct App {
    #[setting(default = "app")]
    pub user_agent: String,
    /// Once stored as `user_agent`: but that is a current setting.
    #[setting(default = "", was = "user_agent")]
    pub agent: String,
    /// Inside a setting: impossible.
    #[setting(default = "", was = "user_agent.x")]
    pub other: String,
    /// The place of a current group.
    #[setting(default = false, was = "rtp")]
    pub encrypt: bool,
    /// Malformed and repeated paths.
    #[setting(default = false, was = "a..b", was = "old", was = "old")]
    pub flag: bool,
    #[group(was = "user_agent")]
    pub rtp: Rtp,
}

fn main() {}
