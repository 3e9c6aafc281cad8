//! The natural forms of the typed API compile and behave: setters take what you have (issue
//! 11, items 1 and 2). The file compiling is half of each test.

use sipcfg::backend::MemoryBackend;
use sipcfg::{ConfigurationError, ConfigurationManager, SettingError};
use sipcfg_settings::datatypes::{Port, SIPProxyAddress, SIPTransport};
use sipcfg_settings::{Account, AccountManager, SIPSimpleSettings};

fn started() -> ConfigurationManager {
    let manager = ConfigurationManager::new();
    manager.start(MemoryBackend::new()).expect("started");
    manager
}

#[test]
fn add_with_takes_a_closure_of_one_setter_or_several() -> Result<(), ConfigurationError> {
    let manager = started();
    let accounts = AccountManager::load(&manager)?;
    let alice = accounts.add_with("alice@example.com", |a| a.set_enabled(true))?;
    assert!(alice.enabled());
    let bob = accounts.add_with("bob@example.com", |a| {
        a.set_display_name("Bob")?;
        a.auth().set_password("secret")?;
        Ok(())
    })?;
    assert_eq!(bob.display_name().as_deref(), Some("Bob"));
    Ok(())
}

#[test]
fn a_failing_setter_in_add_with_is_the_error_and_adds_nothing() {
    let manager = started();
    let accounts = AccountManager::load(&manager).expect("loaded");
    let result = accounts.add_with("carol@example.com", |a| {
        a.sip().set_outbound_proxy("proxy.example.com:70000")
    });
    assert!(
        matches!(
            &result,
            Err(ConfigurationError::Setting(SettingError::Invalid { path, .. }))
                if path == "sip.outbound_proxy"
        ),
        "{result:?}"
    );
    assert!(!accounts.has("carol@example.com").expect("looked up"));
}

#[test]
fn nillable_setters_take_str_string_some_and_none() -> Result<(), ConfigurationError> {
    let manager = started();
    let account = Account::get(&manager, "alice@example.com")?;
    account.set_display_name("Alice")?;
    assert_eq!(account.display_name().as_deref(), Some("Alice"));
    account.set_display_name(String::from("Alice B."))?;
    assert_eq!(account.display_name().as_deref(), Some("Alice B."));
    account.set_display_name(Some(String::from("A")))?;
    assert_eq!(account.display_name().as_deref(), Some("A"));
    account.set_display_name(None)?;
    assert_eq!(account.display_name(), None);
    // A text-valued datatype takes text, checked, on a nillable setting too.
    account.sip().set_outbound_proxy("proxy.example.com")?;
    assert_eq!(
        account.sip().outbound_proxy(),
        Some(SIPProxyAddress::try_from("proxy.example.com").expect("valid"))
    );
    account.sip().set_outbound_proxy(None)?;
    assert_eq!(account.sip().outbound_proxy(), None);
    Ok(())
}

#[test]
fn typed_setters_check_integer_conversions() -> Result<(), ConfigurationError> {
    let manager = started();
    let settings = SIPSimpleSettings::get(&manager)?;
    settings.sip().set_udp_port(5070)?;
    assert_eq!(settings.sip().udp_port(), Port::from_u16(5070));
    let refused = settings.sip().set_udp_port(70000);
    assert!(
        matches!(
            &refused,
            Err(ConfigurationError::Setting(SettingError::Invalid { .. }))
        ),
        "{refused:?}"
    );
    assert_eq!(settings.sip().udp_port(), Port::from_u16(5070));
    settings
        .sip()
        .set_transport_list([SIPTransport::Tls, SIPTransport::Tcp])?;
    assert_eq!(settings.sip().transport_list().len(), 2);
    Ok(())
}
