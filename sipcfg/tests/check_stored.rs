//! Reading stored objects without loading them (`Object::check_stored`, `Object::read_stored`):
//! the values and the reports that loading would give, and no live object.

mod common;

use std::ops::ControlFlow;

use common::{doc, manager_with, Account, Recorder};
use sipcfg::{
    ConfigurationManager, NotificationFilter, NotificationName, Object, SettingsGroup,
    SettingsObject, Value,
};

#[derive(SettingsGroup)]
pub struct Media {
    /// Moved here from the old `audio` group.
    #[setting(default = false, was = "audio.encrypt")]
    pub encrypt: bool,
    #[setting(default = 1u32)]
    pub port: u32,
}

/// A per-id object with a moved setting and a group.
#[derive(SettingsObject)]
#[settings(group = "Things")]
pub struct Thing {
    #[setting(default = false)]
    pub enabled: bool,
    #[setting(default = "", was = "old_name")]
    pub name: String,
    #[group]
    pub media: Media,
}

/// Every kind of report loading makes: values that do not convert, a group stored as a
/// setting, a whole entry that is not a group, moved settings (converting and not).
fn stored() -> sipcfg::Data {
    doc(r#"{"Things": {
        "a": {"enabled": "true", "name": "A", "media": {"port": "5"}},
        "b": {"enabled": "maybe", "media": {"port": "x", "encrypt": "true"}},
        "c": {"old_name": "old", "audio": {"encrypt": "true"}, "media": "not a group"},
        "d": "not a group",
        "e": {"enabled": "true", "audio": {"encrypt": "sometimes"}},
        "f": {"enabled": "false", "name": "F"}
    }}"#)
}

/// What observers hear, without the time stamps.
fn heard(recorder: &Recorder) -> Vec<String> {
    recorder
        .take()
        .into_iter()
        .map(|n| format!("{:?} {} {:?}", n.origin, n.sender, n.kind))
        .collect()
}

fn load_reports() -> NotificationFilter {
    NotificationFilter::new()
        .name(NotificationName::ManagerLoadFailed)
        .name(NotificationName::SettingWasMoved)
}

fn ids(manager: &ConfigurationManager) -> Vec<sipcfg::Name> {
    Object::<Thing>::id_texts(manager).unwrap()
}

#[test]
fn checking_reports_exactly_what_loading_reports_and_loads_nothing() {
    // Loading every object...
    let (loading, _) = manager_with(stored());
    let loaded = Recorder::filtered(&loading, load_reports());
    Object::<Thing>::get_or_create_many(&loading, &ids(&loading)).unwrap();
    let expected = heard(&loaded);
    assert!(expected.len() >= 6, "{expected:#?}");

    // ... and checking them: the same reports, in the same order.
    let (checking, _) = manager_with(stored());
    let checked = Recorder::filtered(&checking, load_reports());
    let activated = Recorder::filtered(
        &checking,
        NotificationFilter::new().name(NotificationName::SettingsObjectWasActivated),
    );
    let mut visited = Vec::new();
    Object::<Thing>::check_stored(&checking, &ids(&checking), |thing| {
        assert!(!thing.is_live());
        visited.push(thing.id().to_owned());
        ControlFlow::Continue(())
    })
    .unwrap();
    assert_eq!(heard(&checked), expected);
    assert_eq!(visited, ["a", "b", "c", "d", "e", "f"]);
    // Nothing was made live: no activation, and loading later reports (and activates) anew.
    assert!(activated.take().is_empty());
    Object::<Thing>::get_or_create_many(&checking, &ids(&checking)).unwrap();
    assert_eq!(heard(&checked), expected);
    assert_eq!(activated.take().len(), 6);

    // Reading reports nothing.
    let (reading, _) = manager_with(stored());
    let read = Recorder::filtered(&reading, load_reports());
    Object::<Thing>::read_stored(&reading, &ids(&reading), &["enabled"], |_| {
        ControlFlow::Continue(())
    })
    .unwrap();
    assert!(heard(&read).is_empty());
}

#[test]
fn values_are_those_of_the_loaded_objects() {
    let (manager, _) = manager_with(stored());
    let mut read = Vec::new();
    let paths = ["enabled", "name", "media.encrypt", "media.port"];
    Object::<Thing>::read_stored(&manager, &ids(&manager), &paths, |thing| {
        read.push((
            thing.id().to_owned(),
            thing.get::<bool>("enabled"),
            thing.get::<String>("name"),
            thing.get::<bool>("media.encrypt"),
            thing.get::<u32>("media.port"),
        ));
        ControlFlow::Continue(())
    })
    .unwrap();
    let (loading, _) = manager_with(stored());
    let loaded: Vec<_> = Object::<Thing>::get_or_create_many(&loading, &ids(&loading))
        .unwrap()
        .iter()
        .map(|thing| {
            (
                thing.id_text(),
                Some(thing.enabled()),
                Some(thing.name()),
                Some(thing.media().encrypt()),
                Some(thing.media().port()),
            )
        })
        .collect();
    assert_eq!(read, loaded);
    // Spelled out: refused values are the defaults, moved ones come from their old place.
    assert_eq!(
        read[1],
        (
            "b".into(),
            Some(false),
            Some(String::new()),
            Some(true),
            Some(1)
        )
    );
    assert_eq!(
        read[2],
        (
            "c".into(),
            Some(false),
            Some("old".into()),
            Some(true),
            Some(1)
        )
    );
    // The whole entries, checked, read the same.
    let mut checked = Vec::new();
    Object::<Thing>::check_stored(&manager, &ids(&manager), |thing| {
        checked.push((
            thing.id().to_owned(),
            thing.get::<bool>("enabled"),
            thing.get::<String>("name"),
            thing.get::<bool>("media.encrypt"),
            thing.get::<u32>("media.port"),
        ));
        ControlFlow::Continue(())
    })
    .unwrap();
    assert_eq!(checked, read);
    // No such setting, a group, another type, or a setting not read: None.
    Object::<Thing>::read_stored(
        &manager,
        &["a"],
        &["nothing", "media", "enabled"],
        |thing| {
            assert_eq!(thing.get::<bool>("nothing"), None);
            assert_eq!(thing.get::<bool>("media"), None);
            assert_eq!(thing.get::<String>("enabled"), None);
            assert_eq!(thing.get::<bool>("enabled"), Some(true));
            assert_eq!(thing.get::<String>("name"), None);
            ControlFlow::Continue(())
        },
    )
    .unwrap();
}

#[test]
fn live_objects_are_read_as_they_are_and_not_reported_again() {
    let (manager, _) = manager_with(stored());
    let recorder = Recorder::filtered(&manager, load_reports());
    let b = Thing::get_existing(&manager, "b").unwrap().expect("stored");
    assert!(!heard(&recorder).is_empty());
    b.set_enabled(true).unwrap();
    b.set_name("changed").unwrap();
    let mut seen = Vec::new();
    Object::<Thing>::check_stored(&manager, &["b"], |thing| {
        seen.push((
            thing.is_live(),
            thing.get::<bool>("enabled"),
            thing.get::<String>("name"),
        ));
        ControlFlow::Continue(())
    })
    .unwrap();
    assert_eq!(seen, [(true, Some(true), Some("changed".to_owned()))]);
    Object::<Thing>::read_stored(&manager, &["b"], &["enabled"], |thing| {
        seen.push((
            thing.is_live(),
            thing.get::<bool>("enabled"),
            thing.get::<String>("name"),
        ));
        ControlFlow::Continue(())
    })
    .unwrap();
    assert_eq!(seen[1], (true, Some(true), Some("changed".to_owned())));
    assert!(heard(&recorder).is_empty());
}

#[test]
fn a_visit_can_stop_ids_are_checked_first_and_missing_ones_skipped() {
    let (manager, _) = manager_with(stored());
    let recorder = Recorder::filtered(&manager, load_reports());
    let mut visited = Vec::new();
    Object::<Thing>::check_stored(&manager, &["a", "zz", "b", "c"], |thing| {
        visited.push(thing.id().to_owned());
        if thing.id() == "b" {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    })
    .unwrap();
    assert_eq!(visited, ["a", "b"]);
    // Reported up to the object the visit stopped at.
    let senders: Vec<String> = recorder.take().into_iter().map(|n| n.sender.id).collect();
    assert!(senders.iter().all(|id| id == "b"), "{senders:?}");
    assert!(!senders.is_empty());
    // An invalid id fails the whole call before anything is read.
    let mut visited = 0;
    let result = Object::<Thing>::check_stored(&manager, &["a", ""], |_| {
        visited += 1;
        ControlFlow::Continue(())
    });
    assert!(result.is_err());
    assert_eq!(visited, 0);
    assert!(recorder.take().is_empty());
}

#[test]
fn many_objects_are_read_in_chunks_in_order() {
    // More objects than one read of the document takes, some of them live.
    let mut things = sipcfg::Data::new();
    for n in 0..1000 {
        let mut thing = sipcfg::Data::new();
        thing.insert("enabled", if n % 3 == 0 { "maybe" } else { "true" });
        things.insert(format!("t{n:04}"), thing);
    }
    let mut data = sipcfg::Data::new();
    data.insert("Things", Value::Group(things));
    let (manager, _) = manager_with(data);
    let live = Thing::get_existing(&manager, "t0500")
        .unwrap()
        .expect("stored");
    live.set_enabled(false).unwrap();
    let recorder = Recorder::filtered(&manager, load_reports());
    let ids = ids(&manager);
    let mut read = Vec::new();
    Object::<Thing>::check_stored(&manager, &ids, |thing| {
        read.push((thing.id().to_owned(), thing.get::<bool>("enabled")));
        ControlFlow::Continue(())
    })
    .unwrap();
    assert_eq!(read.len(), 1000);
    for (n, (id, enabled)) in read.iter().enumerate() {
        assert_eq!(id, &format!("t{n:04}"));
        assert_eq!(*enabled, Some(n % 3 != 0 && n != 500), "{id}");
    }
    // One report per refused value, in id order, the live object's not again (500 is not a
    // multiple of 3, and was live).
    let reported: Vec<String> = recorder.take().into_iter().map(|n| n.sender.id).collect();
    let expected: Vec<String> = (0..1000)
        .filter(|n| n % 3 == 0)
        .map(|n| format!("t{n:04}"))
        .collect();
    assert_eq!(reported, expected);
}

/// `Account` of the shared model: the same rules hold for an object with several groups.
#[test]
fn the_shared_account_model_reads_as_it_loads() {
    let data = doc(r#"{"Accounts": {
        "a": {"enabled": "true", "display_name": "A", "auth": {"password": "pa"}},
        "b": {"enabled": "true", "tls": {"verify_server": "maybe"}}
    }}"#);
    let (manager, _) = manager_with(data);
    let recorder = Recorder::filtered(&manager, load_reports());
    let mut read = Vec::new();
    Object::<Account>::check_stored(&manager, &["a", "b"], |account| {
        read.push((
            account.get::<bool>("enabled"),
            account.get::<Option<String>>("display_name"),
            account.get::<bool>("tls.verify_server"),
        ));
        ControlFlow::Continue(())
    })
    .unwrap();
    assert_eq!(
        read,
        [
            (Some(true), Some(Some("A".to_owned())), Some(false)),
            (Some(true), Some(None), Some(false)),
        ]
    );
    assert_eq!(recorder.take().len(), 1);
}

#[test]
fn an_id_given_twice_is_read_and_reported_once_as_loading_does() {
    let twice = ["b", "e", "b"];
    let (loading, _) = manager_with(stored());
    let loaded = Recorder::filtered(&loading, load_reports());
    Object::<Thing>::get_or_create_many(&loading, &twice).unwrap();
    let expected = heard(&loaded);
    assert!(!expected.is_empty());

    let (checking, _) = manager_with(stored());
    let checked = Recorder::filtered(&checking, load_reports());
    let mut visited = Vec::new();
    Object::<Thing>::check_stored(&checking, &twice, |thing| {
        visited.push(thing.id().to_owned());
        ControlFlow::Continue(())
    })
    .unwrap();
    assert_eq!(heard(&checked), expected);
    assert_eq!(visited, ["b", "e"]);
}
