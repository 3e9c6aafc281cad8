use sipcfg::SettingsObject;

#[derive(SettingsObject)]
#[settings(group = "Global", id = "App")]
pub struct App {
    #[setting(default = "app")]
    pub user_agent: String,
    #[setting(name = "user_agent", default = "other")]
    pub agent: String,
}

fn main() {}
