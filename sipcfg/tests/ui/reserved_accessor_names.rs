// Accessors must not be hidden by the handle's own methods, nor collide with each other.

use sipcfg::SettingsObject;

#[derive(SettingsObject)]
#[settings(group = "Things")]
pub struct Thing {
    #[setting(default = "")]
    pub id: String,
    #[setting(default = false)]
    pub save: bool,
    #[setting(default = 1u32)]
    pub level: u32,
    #[setting(default = false)]
    pub set_level: bool,
}

fn main() {}
