// Valid declarations: every attribute used as documented.

use sipcfg::{SettingsGroup, SettingsObject, ValueError};

fn not_below(value: &u32, minimum: &u32) -> Result<(), ValueError> {
    if value < minimum {
        return Err(ValueError::new("below the minimum"));
    }
    Ok(())
}

#[derive(SettingsGroup)]
pub struct Limits {
    /// The lowest allowed value.
    #[setting(default = 1u32)]
    pub minimum: u32,
    /// The current value, never below `minimum`.
    #[setting(default = 10u32, check(sibling = minimum, with = not_below))]
    pub current: u32,
}

#[derive(SettingsGroup)]
pub struct Empty;

#[derive(SettingsObject)]
#[settings(group = "Global", id = "Example")]
pub struct Example {
    /// A plain setting with a default.
    #[setting(default = "hello")]
    pub greeting: String,
    /// A nillable setting, `None` by default.
    pub nickname: Option<String>,
    /// A nillable setting with a default, explicitly marked.
    #[setting(nillable, default = "x")]
    pub alias: Option<String>,
    /// Stored under another name.
    #[setting(name = "type", default = "basic")]
    pub kind: String,
    /// Not stored.
    #[setting(default = false, runtime)]
    pub busy: bool,
    /// Masked in diffs.
    #[setting(default = "", secret)]
    pub password: String,
    #[group]
    pub limits: Limits,
    #[group(name = "nothing")]
    pub empty: Empty,
}

#[derive(SettingsObject)]
#[settings(group = "Accounts")]
pub struct Account {
    #[setting(default = true)]
    pub enabled: bool,
}

fn main() {
    let manager = sipcfg::ConfigurationManager::new();
    manager.start(sipcfg::backend::MemoryBackend::new()).unwrap();
    let example = Example::get(&manager).unwrap();
    assert_eq!(example.greeting(), "hello");
    assert_eq!(example.kind(), "basic");
    assert_eq!(example.limits().current(), 10);
    let account = Account::get(&manager, "alice@example.com").unwrap();
    assert!(account.enabled());
}
