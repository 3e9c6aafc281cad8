use sipcfg::SettingsObject;

#[derive(SettingsObject)]
#[settings(group = "Global", id = "App")]
pub struct App {
    #[setting(default = "5060")]
    pub port: u16,
    #[setting(default = 42)]
    pub display_name: Option<String>,
}

fn main() {}
