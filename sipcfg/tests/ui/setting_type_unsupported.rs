use std::time::Duration;

use sipcfg::SettingsObject;

#[derive(SettingsObject)]
#[settings(group = "Global", id = "App")]
pub struct App {
    #[setting(default = Duration::from_secs(30))]
    pub timeout: Duration,
}

fn main() {}
