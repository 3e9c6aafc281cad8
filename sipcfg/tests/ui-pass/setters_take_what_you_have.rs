// The natural forms of the typed setters compile: `&str` and `String` for strings, the bare
// value, `Some(..)` of the setting's type and `None` for nillable settings, plain integer
// literals, and `?` from setters into one error type, `ConfigurationError`.

use sipcfg::{ConfigurationError, SettingsGroup, SettingsObject};

#[derive(SettingsGroup)]
pub struct Sip {
    #[setting(default = 5060u16)]
    pub port: u16,
    pub codecs: Option<Vec<String>>,
}

#[derive(SettingsObject)]
#[settings(group = "Accounts")]
pub struct Account {
    #[setting(default = false)]
    pub enabled: bool,
    pub display_name: Option<String>,
    #[setting(default = "")]
    pub password: String,
    pub retries: Option<u8>,
    #[group]
    pub sip: Sip,
}

/// An `add_with`-like API whose closure returns the setters' error.
fn configure(
    account: &sipcfg::Object<Account>,
    f: impl FnOnce(&sipcfg::Object<Account>) -> Result<(), ConfigurationError>,
) -> Result<(), ConfigurationError> {
    f(account)
}

fn run() -> Result<(), ConfigurationError> {
    let manager = sipcfg::ConfigurationManager::new();
    manager.start(sipcfg::backend::MemoryBackend::new())?;
    let account = Account::get(&manager, "alice@example.com")?;
    let name = String::from("Alice");
    account.set_display_name("Alice")?;
    account.set_display_name(name.clone())?;
    account.set_display_name(&name)?;
    account.set_display_name(Some(name))?;
    account.set_display_name(None)?;
    account.set_password("secret")?;
    account.set_password(String::from("secret"))?;
    account.set_retries(3)?;
    account.set_retries(None)?;
    account.sip().set_port(5062)?;
    account.sip().set_codecs(["opus", "pcma"])?;
    account.sip().set_codecs(None)?;
    configure(&account, |a| a.set_enabled(true))?;
    configure(&account, |a| {
        a.set_enabled(true)?;
        a.sip().set_port(5060)?;
        Ok(())
    })?;
    Ok(())
}

fn main() {
    run().unwrap();
}
