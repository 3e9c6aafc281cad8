// The default of a nillable setting is its inner value: `Some(x)` and `None` are refused with a
// message that says what to write.

use sipcfg::SettingsObject;

#[derive(SettingsObject)]
#[settings(group = "Global", id = "App")]
pub struct App {
    #[setting(default = Some("Alice"))]
    pub display_name: Option<String>,
    #[setting(default = None)]
    pub proxy: Option<String>,
}

fn main() {}
