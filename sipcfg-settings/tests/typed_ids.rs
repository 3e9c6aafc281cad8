//! Typed ids (issue 11, item 4): `Account` declares `id_type = SIPAddress`, so ids are checked
//! when accounts are obtained and renamed, `id()` is a `SIPAddress`, and a stored entry whose
//! name is not a SIP address is reported and kept, never silently lost.

use std::sync::{Arc, Mutex};

use sipcfg::backend::MemoryBackend;
use sipcfg::{
    ConfigurationError, ConfigurationManager, Data, NotificationFilter, NotificationKind,
    NotificationName, Value,
};
use sipcfg_settings::datatypes::SIPAddress;
use sipcfg_settings::{Account, AccountManager};

fn started(json: &str) -> (ConfigurationManager, MemoryBackend) {
    let data: Data = serde_json::from_str(json).expect("a JSON document");
    let backend = MemoryBackend::with_data(data);
    let manager = ConfigurationManager::new();
    manager.start(backend.clone()).expect("started");
    (manager, backend)
}

#[test]
fn an_id_that_is_not_a_sip_address_is_refused_and_nothing_is_stored() {
    let (manager, backend) = started("{}");
    let before = backend.data();
    for bad in ["not an address", "alice", "tel:+15551234@example.com"] {
        let result = Account::get(&manager, bad);
        assert!(
            matches!(&result, Err(ConfigurationError::InvalidKey(message))
                if message.contains("not a valid id of Account") && message.contains(bad)),
            "{bad}: {result:?}"
        );
        assert!(Account::get_existing(&manager, bad).is_err(), "{bad}");
    }
    manager.save().expect("saved");
    assert_eq!(backend.data(), before);
    assert!(Account::ids(&manager).expect("ids").is_empty());
}

#[test]
fn ids_are_typed_and_normalised() {
    let (manager, backend) = started("{}");
    let account = Account::get(&manager, "sip:alice@example.com").expect("obtained");
    let id: SIPAddress = account.id();
    assert_eq!(
        id,
        SIPAddress::new("alice@example.com").expect("an address")
    );
    assert_eq!(account.id_text(), "alice@example.com");
    account.save().expect("saved");
    assert!(backend
        .data()
        .group("Accounts")
        .is_some_and(|accounts| accounts.get("alice@example.com").is_some()));
    // The typed id obtains the same object.
    let again = Account::get(&manager, &id).expect("obtained");
    assert_eq!(again.raw().id(), "alice@example.com");
    let ids: Vec<SIPAddress> = Account::ids(&manager).expect("ids");
    assert_eq!(ids, [id]);
}

#[test]
fn set_id_checks_and_normalises_the_new_id() {
    let (manager, _) = started("{}");
    let account = Account::get(&manager, "alice@example.com").expect("obtained");
    account.save().expect("saved");
    let result = account.set_id("bob");
    assert!(
        matches!(&result, Err(ConfigurationError::InvalidKey(m)) if m.contains("\"bob\"")),
        "{result:?}"
    );
    assert_eq!(account.id(), "alice@example.com");
    assert!(account.get_modified().is_empty());
    account.set_id("sips:bob@example.com").expect("renamed");
    assert_eq!(account.id(), "bob@example.com");
}

#[test]
fn a_stored_entry_whose_name_is_not_an_id_is_reported_once_and_kept() {
    let (manager, backend) = started(
        r#"{"Accounts": {"not-an-address": {"enabled": "true"},
                         "sip:carol@example.com": {"enabled": "true"},
                         "alice@example.com": {"enabled": "true"}}}"#,
    );
    let reports = Arc::new(Mutex::new(Vec::new()));
    let sink = reports.clone();
    let _observer = manager.notifications().observe_scoped(
        NotificationFilter::new().name(NotificationName::ManagerLoadFailed),
        move |n| {
            if let NotificationKind::ManagerLoadFailed { path, raw, error } = &n.kind {
                sink.lock().expect("lock").push((
                    n.sender.type_name,
                    path.clone(),
                    raw.clone(),
                    error.to_string(),
                ));
            }
        },
    );
    let ids = Account::ids(&manager).expect("ids");
    assert_eq!(ids, ["alice@example.com"]);
    // Listed again: reported once per manager.
    Account::ids(&manager).expect("ids");
    let reports = reports.lock().expect("lock").clone();
    assert_eq!(reports.len(), 2, "{reports:?}");
    assert_eq!(
        (reports[0].0, reports[0].1.as_str(), &reports[0].2),
        ("Account", "__id__", &Value::from("not-an-address"))
    );
    assert!(reports[0].3.contains("SIP address"), "{reports:?}");
    // A name that converts to another id is not that id's entry either.
    assert_eq!(reports[1].2, Value::from("sip:carol@example.com"));
    assert!(
        reports[1].3.contains("\"carol@example.com\""),
        "{reports:?}"
    );

    let invalid = Account::invalid_ids(&manager).expect("listed");
    let names: Vec<&str> = invalid.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(names, ["not-an-address", "sip:carol@example.com"]);

    // The AccountManager lists them as ignored entries, and they stay in storage.
    let accounts = AccountManager::load(&manager).expect("loaded");
    assert_eq!(
        accounts.ignored_entries().expect("listed"),
        ["not-an-address", "sip:carol@example.com"]
    );
    accounts.add("bob@example.com").expect("added");
    let stored = backend.data();
    let group = stored.group("Accounts").expect("the Accounts group");
    assert!(group.get("not-an-address").is_some());
    assert!(group.get("sip:carol@example.com").is_some());
}
