// `#[extend]` takes the target and, optionally, `linked`.

use sipcfg::{extend, SettingsObject};

#[derive(SettingsObject)]
#[settings(id = "App")]
pub struct App {
    #[setting(default = "app")]
    pub name: String,
}

#[extend(App, automatic)]
pub struct Plugin {
    #[setting(default = 1u32)]
    pub level: u32,
}

fn main() {}
