use sipcfg::{extend, SettingsObject};

#[derive(SettingsObject)]
#[settings(group = "Global", id = "App")]
pub struct App {
    #[setting(default = "app")]
    pub user_agent: String,
}

#[extend(App)]
pub enum AppExtension {
    On,
    Off,
}

fn main() {}
