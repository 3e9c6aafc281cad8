//! Settings that moved between versions (`#[setting(was = ...)]`, `#[group(was = ...)]`): an
//! old file's values load from their old places, are reported once, and the next save moves
//! them.

mod common;

use common::{doc, manager_with, Recorder};
use sipcfg::{
    NotificationFilter, NotificationKind, NotificationName, SettingsGroup, SettingsObject, Value,
};

#[derive(SettingsGroup)]
pub struct Rtp {
    /// Moved here from the old `audio` group.
    #[setting(default = false, was = "audio.encrypt", was = "security.encrypt")]
    pub encrypt: bool,
    /// Renamed inside its group.
    #[setting(default = 1u32, was = "rtp.old_port")]
    pub port: u32,
}

#[derive(SettingsGroup)]
pub struct Sip {
    #[setting(default = 600u32)]
    pub register_interval: u32,
    #[setting(default = false)]
    pub register: bool,
}

#[derive(SettingsGroup)]
pub struct Tls {
    #[setting(default = false)]
    pub verify_server: bool,
}

/// A per-id object whose settings moved.
#[derive(SettingsObject)]
#[settings(group = "Things")]
pub struct Thing {
    #[setting(default = "", was = "old_name")]
    pub name: String,
    #[group]
    pub rtp: Rtp,
    #[group(was = "security")]
    pub sip: Sip,
    #[group(was = "transport.tls")]
    pub tls: Tls,
}

fn moves(recorder: &Recorder) -> Vec<(String, String)> {
    recorder
        .take()
        .into_iter()
        .filter_map(|n| match n.kind {
            NotificationKind::SettingWasMoved { path, from } => Some((path, from)),
            _ => None,
        })
        .collect()
}

fn pair(path: &str, from: &str) -> (String, String) {
    (path.to_owned(), from.to_owned())
}

#[test]
fn an_old_file_loads_the_old_values_and_the_next_save_moves_them() {
    let (manager, backend) = manager_with(doc(r#"{"Things": {"t": {
            "old_name": "n",
            "audio": {"encrypt": "true", "volume": "3"},
            "rtp": {"old_port": "5"},
            "security": {"register_interval": "60"},
            "transport": {"tls": {"verify_server": "true"}}
        }}}"#));
    let recorder = Recorder::filtered(
        &manager,
        NotificationFilter::new().name(NotificationName::SettingWasMoved),
    );
    let thing = Thing::get_existing(&manager, "t").unwrap().expect("stored");
    assert_eq!(thing.name(), "n");
    assert!(thing.rtp().encrypt());
    assert_eq!(thing.rtp().port(), 5);
    assert_eq!(thing.sip().register_interval(), 60);
    assert!(thing.tls().verify_server());
    let mut reported = moves(&recorder);
    reported.sort();
    assert_eq!(
        reported,
        vec![
            pair("name", "old_name"),
            pair("rtp.encrypt", "audio.encrypt"),
            pair("rtp.port", "rtp.old_port"),
            pair("sip.register_interval", "security.register_interval"),
            pair("tls.verify_server", "transport.tls.verify_server"),
        ]
    );
    // The move is a change to store.
    assert!(thing.get_modified().contains_key("rtp.encrypt"));

    thing.save().unwrap();
    assert_eq!(
        backend.data(),
        doc(r#"{"Things": {"t": {
                "name": "n",
                "audio": {"volume": "3"},
                "rtp": {"encrypt": "true", "port": "5"},
                "sip": {"register_interval": "60"},
                "tls": {"verify_server": "true"}
            }}}"#),
        "moved to the new places; the old ones are gone, unknown settings beside them stay"
    );
    assert!(thing.get_modified().is_empty());

    // Loaded again (another manager): nothing more to move, nothing reported.
    let (manager, _) = manager_with(backend.data());
    let recorder = Recorder::filtered(
        &manager,
        NotificationFilter::new().name(NotificationName::SettingWasMoved),
    );
    let again = Thing::get_existing(&manager, "t").unwrap().expect("stored");
    assert!(again.rtp().encrypt());
    assert!(moves(&recorder).is_empty());
    assert!(again.get_modified().is_empty());
}

#[test]
fn the_current_place_wins_and_the_first_old_place_that_holds_a_value() {
    let (manager, backend) = manager_with(doc(r#"{"Things": {"t": {
            "old_name": "old", "name": "new",
            "security": {"encrypt": "true"}
        }}}"#));
    let recorder = Recorder::new(&manager);
    let thing = Thing::get_existing(&manager, "t").unwrap().expect("stored");
    assert_eq!(thing.name(), "new");
    assert!(thing.rtp().encrypt(), "the second `was` path is tried");
    assert_eq!(
        moves(&recorder),
        vec![pair("rtp.encrypt", "security.encrypt")]
    );
    thing.save().unwrap();
    let data = backend.data();
    assert_eq!(
        data.get_path(&["Things", "t", "old_name"]),
        Some(&Value::from("old")),
        "an old place is only emptied when its value was taken"
    );
    assert_eq!(data.get_path(&["Things", "t", "security"]), None);
}

#[test]
fn a_moved_value_reset_before_the_save_is_still_removed_from_its_old_place() {
    let (manager, backend) = manager_with(doc(r#"{"Things": {"t": {"old_name": "n"}}}"#));
    let thing = Thing::get_existing(&manager, "t").unwrap().expect("stored");
    assert_eq!(thing.name(), "n");
    thing.reset_name();
    assert!(
        thing.get_modified().contains_key("name"),
        "the old place is still to be emptied"
    );
    thing.save().unwrap();
    assert_eq!(backend.data().get_path(&["Things", "t", "old_name"]), None);
    assert_eq!(backend.data().get_path(&["Things", "t", "name"]), None);
}

#[test]
fn an_old_value_that_does_not_convert_is_reported_and_left_alone() {
    let (manager, backend) = manager_with(doc(
        r#"{"Things": {"t": {"audio": {"encrypt": "maybe"}, "security": {"encrypt": "true"}}}}"#,
    ));
    let recorder = Recorder::new(&manager);
    let thing = Thing::get_existing(&manager, "t").unwrap().expect("stored");
    assert!(thing.rtp().encrypt(), "the next old place is used");
    let seen = recorder.take();
    let failed: Vec<&str> = seen
        .iter()
        .filter_map(|n| match &n.kind {
            NotificationKind::ManagerLoadFailed { path, .. } => Some(path.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(failed, vec!["audio.encrypt"]);
    thing.save().unwrap();
    assert_eq!(
        backend
            .data()
            .get_path(&["Things", "t", "audio", "encrypt"]),
        Some(&Value::from("maybe"))
    );
}

#[derive(SettingsGroup)]
pub struct Audio {
    /// Its `was` names a current setting of the object that uses this group: the derive of a
    /// group cannot see that, so the layout leaves that path out.
    #[setting(default = "", was = "label")]
    pub codec: String,
}

#[derive(SettingsObject)]
#[settings(group = "Global", id = "Clash")]
pub struct Clash {
    #[setting(default = "")]
    pub label: String,
    #[group]
    pub audio: Audio,
}

#[test]
fn a_was_path_of_a_current_setting_is_never_used() {
    let (manager, backend) = manager_with(doc(r#"{"Global": {"Clash": {"label": "x"}}}"#));
    let clash = Clash::get(&manager).unwrap();
    assert_eq!(clash.audio().codec(), "", "not loaded from `label`");
    clash.audio().set_codec("c").unwrap();
    clash.save().unwrap();
    assert_eq!(
        backend.data().get_path(&["Global", "Clash", "label"]),
        Some(&Value::from("x")),
        "not removed by the save"
    );
}
