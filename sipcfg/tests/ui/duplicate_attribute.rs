use sipcfg::SettingsObject;

#[derive(SettingsObject)]
#[settings(group = "Global", id = "App", id = "Other")]
pub struct App {
    #[setting(default = "app", default = "other")]
    pub user_agent: String,
    #[setting(default = false, secret, secret)]
    pub hidden: bool,
    #[setting(default = 5060u16)]
    #[setting(runtime)]
    pub port: u16,
}

fn main() {}
