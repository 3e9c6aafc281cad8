// Every mistake of the struct is reported, not the first only.

use sipcfg::SettingsObject;

#[derive(SettingsObject)]
#[settings(group = "Global", id = "App")]
pub struct App {
    pub port: u16,
    #[setting(nillable, default = "app")]
    pub user_agent: String,
    #[setting(default = "x", colour = "red")]
    pub theme: String,
    #[setting(name = "theme", default = "y")]
    pub style: String,
}

fn main() {}
