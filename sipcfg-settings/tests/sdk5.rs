//! Files written by today's Python SIP SIMPLE SDK (python3-sipsimple 5.x, with the sipclients3
//! extensions): `tests/golden/sdk5-config.cfg` is shaped like its `~/.sipclient/config` (the
//! global settings under `SIPSimpleSettings`, two accounts and `bonjour@local`, with the 5.x
//! codecs, SRTP and video groups and settings sipcfg does not declare).
//!
//! Every object loads without a single load failure, and a save keeps every value and every key,
//! known or not.

use std::path::Path;
use std::sync::{Arc, Mutex};

use sipcfg::backend::{Backend, FileBackend};
use sipcfg::{
    ConfigurationManager, Data, NotificationFilter, NotificationKind, NotificationName,
    ObserverGuard, TextValue, Value,
};
use sipcfg_settings::{AccountManager, SIPSimpleSettings};

fn golden() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/sdk5-config.cfg")
}

/// A manager on a copy of the SDK's file, and the load failures it reports (while the returned
/// guard lives).
fn start(
    dir: &Path,
) -> (
    ConfigurationManager,
    FileBackend,
    Arc<Mutex<Vec<String>>>,
    ObserverGuard,
) {
    let path = dir.join("config");
    std::fs::copy(golden(), &path).expect("copy the SDK file");
    let backend = FileBackend::new(&path);
    let manager = ConfigurationManager::new();
    manager.start(backend.clone()).expect("start");
    let failures = Arc::new(Mutex::new(Vec::new()));
    let sink = failures.clone();
    let guard = manager.notifications().observe_scoped(
        NotificationFilter::new().name(NotificationName::ManagerLoadFailed),
        move |notification| {
            if let NotificationKind::ManagerLoadFailed { path, error, .. } = &notification.kind {
                sink.lock()
                    .expect("not poisoned")
                    .push(format!("{} {path}: {error}", notification.sender.id));
            }
        },
    );
    (manager, backend, failures, guard)
}

#[test]
fn every_object_of_an_sdk5_file_loads_without_a_load_failure() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let (manager, _backend, failures, _guard) = start(dir.path());
    let settings = SIPSimpleSettings::get(&manager).expect("the global settings");
    let accounts = AccountManager::load(&manager).expect("the accounts");
    let ids: Vec<String> = accounts
        .accounts()
        .expect("accounts")
        .iter()
        .map(|account| account.id())
        .collect();
    assert_eq!(
        ids,
        ["alice@example.com", "bob@example.org", "bonjour@local"]
    );
    assert!(accounts.ignored_entries().expect("entries").is_empty());
    let failures = failures.lock().expect("not poisoned").clone();
    assert!(failures.is_empty(), "load failures: {failures:#?}");

    // The SDK's values are read, not replaced by defaults.
    assert_eq!(settings.user_agent(), "sipsimple 5.5.0");
    assert_eq!(
        settings.rtp().audio_codec_list().to_string(),
        "opus, G722, PCMU, PCMA"
    );
    assert_eq!(settings.audio().sample_rate().get(), 32000);
    let alice = accounts
        .get("alice@example.com")
        .expect("get")
        .expect("alice");
    let codecs = alice
        .raw()
        .setting("rtp.audio_codec_list")
        .expect("the setting");
    assert_eq!(
        codecs.value.to_stored(),
        Value::from(vec!["opus", "G722", "G729", "AMR-WB", "PCMU", "PCMA"])
    );
}

/// `data` with the string at `path` replaced.
fn with(mut data: Data, path: &[&str], value: &str) -> Data {
    let (last, groups) = path.split_last().expect("a path");
    let mut group = &mut data;
    for name in groups {
        group = group.group_entry(name);
    }
    group.insert(*last, value);
    data
}

#[test]
fn a_save_keeps_every_value_and_every_unknown_key() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let (manager, backend, failures, _guard) = start(dir.path());
    let original = backend.load().expect("the SDK file parses");

    let settings = SIPSimpleSettings::get(&manager).expect("the global settings");
    let accounts = AccountManager::load(&manager).expect("the accounts");
    // One change in each object, so that each of them is written back.
    settings
        .raw()
        .set_text("user_agent", TextValue::Text("sipcfg test"))
        .expect("set");
    settings.save().expect("save the global settings");
    let changes = [
        ("alice@example.com", "display_name", "Alice E."),
        ("bob@example.org", "display_name", "Bob B."),
        ("bonjour@local", "display_name", "Laptop"),
    ];
    for (id, setting, value) in changes {
        let account = accounts.get(id).expect("get").expect("the account");
        account
            .raw()
            .set_text(setting, TextValue::Text(value))
            .expect("set");
        account.raw().save().expect("save the account");
    }
    assert!(failures.lock().expect("not poisoned").is_empty());

    let mut expected = with(
        original,
        &["SIPSimpleSettings", "user_agent"],
        "sipcfg test",
    );
    for (id, setting, value) in changes {
        expected = with(expected, &["Accounts", id, setting], value);
    }
    let saved = backend.load().expect("the saved file parses");
    assert_eq!(saved, expected);
}

#[test]
fn sip_settings_shows_an_sdk5_file_without_warnings() {
    // sip-settings also registers the SIPClients extensions.
    let dir = tempfile::tempdir().expect("temporary directory");
    let home = tempfile::tempdir().expect("temporary home");
    std::fs::copy(golden(), dir.path().join("config")).expect("copy the SDK file");
    for object in ["-g", "-a"] {
        let output = assert_cmd::cargo::cargo_bin_cmd!("sip-settings")
            .env("HOME", home.path())
            .arg("-c")
            .arg(dir.path())
            .args([object, "show"])
            .output()
            .expect("run sip-settings");
        assert!(output.status.success(), "{output:?}");
        assert!(
            output.stderr.is_empty(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let after = std::fs::read(dir.path().join("config")).expect("read");
    assert_eq!(
        after,
        std::fs::read(golden()).expect("read"),
        "show writes nothing"
    );
}
