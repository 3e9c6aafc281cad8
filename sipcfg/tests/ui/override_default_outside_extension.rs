use sipcfg::SettingsObject;

#[derive(SettingsObject)]
#[settings(group = "Global", id = "App")]
pub struct App {
    #[setting(default = "app", override_default)]
    pub user_agent: String,
}

fn main() {}
