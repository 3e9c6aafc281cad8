// `#[cfg]` on an extension's field is refused with a clear message.

use sipcfg::{extend, SettingsObject};

#[derive(SettingsObject)]
#[settings(id = "App")]
pub struct App {
    #[setting(default = "app")]
    pub name: String,
}

#[extend(App)]
pub struct Plugin {
    #[setting(default = 1u32)]
    pub level: u32,
    #[cfg(any())]
    #[setting(default = 2u32)]
    pub hidden: u32,
}

fn main() {}
