// All the declaration's mistakes are reported.

use sipcfg::{extend, SettingsObject};

#[derive(SettingsObject)]
#[settings(group = "Global", id = "App")]
pub struct App {
    #[setting(default = "app")]
    pub user_agent: String,
    #[setting(default = 5060u16)]
    pub port: u16,
}

#[extend(App)]
#[settings(group = "Extensions", id = "AppExtension")]
pub struct AppExtension {
    #[setting(nillable, default = true)]
    pub auto_answer: bool,
    #[setting(override_default)]
    pub user_agent: String,
    pub volume: u8,
    /// Clashes with the target's `port`.
    #[setting(default = 5062u16)]
    pub port: u16,
}

fn main() {}
