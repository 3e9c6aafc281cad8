// A number without a type suffix is an `i32`, which does not convert into a `u16`; the message
// says which suffix to write. (`-3` for an `i64` converts, so it is accepted.)

use sipcfg::SettingsObject;

#[derive(SettingsObject)]
#[settings(group = "Global", id = "App")]
pub struct App {
    #[setting(default = 5060)]
    pub port: u16,
    #[setting(default = -3)]
    pub offset: i64,
}

fn main() {}
