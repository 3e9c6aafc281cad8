use sipcfg::{extend, SettingsObject};

#[derive(SettingsObject)]
#[settings(group = "Global", id = "App")]
pub struct App {
    #[setting(default = "app")]
    pub user_agent: String,
}

#[extend(App)]
#[settings(id = "AppExtension")]
pub struct AppExtension {
    #[setting(default = true)]
    pub auto_answer: bool,
}

fn main() {}
