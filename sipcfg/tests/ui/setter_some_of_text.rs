// `Some(..)` on a nillable setter must hold the setting's own type (so that `None` needs no
// annotation): the message says to pass the bare value instead.

use sipcfg::SettingsObject;

#[derive(SettingsObject)]
#[settings(group = "Accounts")]
pub struct Account {
    pub display_name: Option<String>,
}

fn main() {
    let manager = sipcfg::ConfigurationManager::new();
    let account = Account::get(&manager, "alice@example.com").unwrap();
    let _ = account.set_display_name(Some("Alice"));
}
