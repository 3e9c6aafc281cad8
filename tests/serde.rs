//! The `serde` feature and the standard traits (issue 11, item 5): snapshots and datatypes
//! serialize in their stored form and deserialize with the same checks as stored values; an
//! object's effective values export as JSON with secrets masked unless asked; `Debug` of
//! snapshots masks secrets; `Clone` and `PartialEq` on the shipped declarations.

use serde_json::json;
use sipcfg::backend::MemoryBackend;
use sipcfg::{ConfigurationManager, Secrets, SECRET_MASK};
use sipcfg_settings::account::{AccountSIPSettings, AuthSettings};
use sipcfg_settings::datatypes::{
    AudioCodec, AudioCodecList, Port, SIPAddress, SIPProxyAddress, SIPTransport,
};
use sipcfg_settings::{Account, BonjourAccount, SIPSimpleSettings};

fn started() -> ConfigurationManager {
    let manager = ConfigurationManager::new();
    manager.start(MemoryBackend::new()).expect("started");
    sipcfg_settings::sipclients::register(&manager).expect("registered");
    manager
}

fn configured_account(manager: &ConfigurationManager) -> sipcfg::Object<Account> {
    let account = Account::get(manager, "alice@example.com").expect("obtained");
    account.set_display_name("Alice").expect("set");
    account.auth().set_password("hunter2").expect("set");
    account
        .sip()
        .set_outbound_proxy("proxy.example.com:5061;transport=tls")
        .expect("set");
    account
}

#[test]
fn a_snapshot_serializes_by_stored_names_in_stored_form_and_round_trips() {
    let manager = started();
    let snapshot = configured_account(&manager).snapshot();
    let value = serde_json::to_value(&snapshot).expect("serialized");
    assert_eq!(value["display_name"], json!("Alice"));
    assert_eq!(value["enabled"], json!("false"));
    assert_eq!(value["auth"]["password"], json!("hunter2"));
    assert_eq!(value["auth"]["username"], json!(null));
    assert_eq!(
        value["sip"]["outbound_proxy"],
        json!("proxy.example.com:5061;transport=tls")
    );
    assert_eq!(value["sip"]["register_interval"], json!("600"));
    let back: Account = serde_json::from_value(value).expect("deserialized");
    assert!(back == snapshot, "{back:?} != {snapshot:?}");
}

#[test]
fn every_shipped_snapshot_round_trips() {
    let manager = started();
    let general = SIPSimpleSettings::get(&manager)
        .expect("obtained")
        .snapshot();
    let text = serde_json::to_string(&general).expect("serialized");
    let back: SIPSimpleSettings = serde_json::from_str(&text).expect("deserialized");
    assert!(back == general);
    let bonjour = BonjourAccount::get(&manager).expect("obtained").snapshot();
    let text = serde_json::to_string(&bonjour).expect("serialized");
    let back: BonjourAccount = serde_json::from_str(&text).expect("deserialized");
    assert!(back == bonjour.clone());
}

#[test]
fn deserializing_checks_values_as_stored_ones_are_and_absent_ones_take_their_defaults() {
    let manager = started();
    let error = serde_json::from_value::<Account>(json!({
        "sip": {"outbound_proxy": "proxy.example.com:70000"}
    }))
    .expect_err("a port out of range");
    assert!(error.to_string().contains("sip.outbound_proxy"), "{error}");
    let error =
        serde_json::from_value::<Account>(json!({"enabled": "maybe"})).expect_err("not a boolean");
    assert!(error.to_string().contains("enabled"), "{error}");
    let error =
        serde_json::from_value::<Account>(json!({"auth": "oops"})).expect_err("not a group");
    assert!(error.to_string().contains("auth"), "{error}");

    let defaults: Account = serde_json::from_value(json!({})).expect("deserialized");
    let fresh = Account::get(&manager, "new@example.com")
        .expect("obtained")
        .snapshot();
    assert!(defaults == fresh);
    let group: AuthSettings =
        serde_json::from_value(json!({"password": "x"})).expect("deserialized");
    assert_eq!((group.password.as_str(), group.username), ("x", None));
    let sip: AccountSIPSettings = serde_json::from_value(json!({})).expect("deserialized");
    assert!(sip.register);
}

#[test]
fn datatypes_serialize_as_their_stored_text_and_deserialize_checked() {
    assert_eq!(
        serde_json::to_value(Port::new(5060).expect("a port")).expect("serialized"),
        json!("5060")
    );
    assert!(serde_json::from_value::<Port>(json!("70000")).is_err());
    let address: SIPAddress = serde_json::from_value(json!("sip:bob@example.com")).expect("ok");
    assert_eq!(address, "bob@example.com");
    assert!(serde_json::from_value::<SIPAddress>(json!("bob")).is_err());
    assert_eq!(
        serde_json::to_value(SIPTransport::Tls).expect("serialized"),
        json!("tls")
    );
    let codecs = AudioCodecList::new([AudioCodec::Opus, AudioCodec::G722]).expect("a list");
    let value = serde_json::to_value(&codecs).expect("serialized");
    assert_eq!(value, json!(["opus", "G722"]));
    assert_eq!(
        serde_json::from_value::<AudioCodecList>(value).expect("ok"),
        codecs
    );
    assert!(serde_json::from_value::<AudioCodecList>(json!(["opus", "opus"])).is_err());
    let proxy: SIPProxyAddress =
        serde_json::from_value(json!("sip.example.com")).expect("deserialized");
    assert_eq!(proxy.to_string(), "sip.example.com:5060;transport=udp");
}

#[test]
fn to_json_masks_secrets_unless_asked_and_includes_extensions() {
    let manager = started();
    let account = configured_account(&manager);
    let masked = account.to_json(Secrets::Masked);
    assert_eq!(masked["auth"]["password"], json!(SECRET_MASK));
    assert_eq!(masked["display_name"], json!("Alice"));
    assert_eq!(masked["sip"]["register_interval"], json!("600"));
    // The SIPClients extension's settings are in the same tree, where they are stored.
    assert!(masked["sounds"].is_object(), "{masked}");
    assert!(!masked.to_string().contains("hunter2"));
    let shown = account.to_json(Secrets::Shown);
    assert_eq!(shown["auth"]["password"], json!("hunter2"));
    // Effective values: the defaults in force too.
    assert_eq!(shown["enabled"], json!("false"));
}

#[test]
fn debug_of_a_snapshot_masks_secrets_and_clone_and_eq_work() {
    let manager = started();
    let snapshot = configured_account(&manager).snapshot();
    let debug = format!("{snapshot:?}");
    assert!(!debug.contains("hunter2"), "{debug}");
    assert!(debug.contains(SECRET_MASK), "{debug}");
    assert!(debug.starts_with("Account {"), "{debug}");
    assert!(debug.contains("display_name: Some(\"Alice\")"), "{debug}");
    let pretty = format!("{:#?}", snapshot.auth);
    assert!(!pretty.contains("hunter2"), "{pretty}");
    let mut copy = snapshot.clone();
    assert!(copy == snapshot);
    copy.enabled = true;
    assert!(copy != snapshot);
}
