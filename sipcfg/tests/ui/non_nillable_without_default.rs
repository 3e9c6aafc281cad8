use sipcfg::SettingsObject;

#[derive(SettingsObject)]
#[settings(group = "Global", id = "App")]
pub struct App {
    #[setting(default = "app")]
    pub user_agent: String,
    /// Not an `Option`, so it needs a default.
    pub port: u16,
}

fn main() {}
