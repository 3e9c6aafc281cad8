// A list setting's items must be stored as single strings: `Vec<Option<String>>` would lose
// its `None`s.

use sipcfg::SettingsObject;

#[derive(SettingsObject)]
#[settings(id = "App")]
pub struct App {
    pub names: Option<Vec<Option<String>>>,
}

fn main() {}
