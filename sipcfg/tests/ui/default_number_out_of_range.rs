// A plain number literal takes the setting's type; one out of its range is an error at the
// literal, with the range.

use sipcfg::SettingsObject;

#[derive(SettingsObject)]
#[settings(group = "Global", id = "App")]
pub struct App {
    #[setting(default = 70000)]
    pub port: u16,
    #[setting(default = -1)]
    pub count: Option<u32>,
    #[setting(default = 2.5)]
    pub retries: u8,
}

fn main() {}
