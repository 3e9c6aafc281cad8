use sipcfg::SettingsObject;

#[derive(SettingsObject)]
#[settings(group = "Global", id = "App")]
pub struct App {
    #[setting(nillable, default = "app")]
    pub user_agent: String,
}

fn main() {}
