// A group field without `#[group]`: the message says the type is a settings group and to mark
// the field, not that a setting has no default. A plain field without default still gets the
// default message.

use sipcfg::{SettingsGroup, SettingsObject};

#[derive(SettingsGroup)]
pub struct TLSSettings {
    #[setting(default = false)]
    pub verify_server: bool,
}

#[derive(SettingsObject)]
#[settings(id = "App")]
pub struct App {
    pub tls: TLSSettings,
    pub user_agent: String,
}

fn main() {}
