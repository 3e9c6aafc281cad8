//! Typed ids of per-id objects (`id_type = T`) and the masked `Debug` of declarations, on
//! declarations of the user (issue 11, items 4 and 5).

use std::fmt;

use sipcfg::backend::MemoryBackend;
use sipcfg::{
    ConfigurationError, ConfigurationManager, Data, ObjectId, SettingsGroup, SettingsObject, Value,
    ValueError, SECRET_MASK,
};

/// A room number: digits only, stored without leading zeros.
#[derive(Debug, Clone, PartialEq)]
struct Room(u32);

impl fmt::Display for Room {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl ObjectId for Room {
    fn parse_id(text: &str) -> Result<Self, ValueError> {
        text.trim()
            .parse()
            .map(Room)
            .map_err(|_| ValueError::expected("a room number", text))
    }
}

#[derive(SettingsGroup, Clone, PartialEq)]
struct Lock {
    #[setting(default = "0000", secret)]
    code: String,
    #[setting(default = false)]
    locked: bool,
}

#[derive(SettingsObject, Clone, PartialEq)]
#[settings(group = "Rooms", id_type = Room)]
struct RoomSettings {
    #[setting(default = 20)]
    temperature: u8,
    #[group]
    lock: Lock,
}

fn started(data: Data) -> ConfigurationManager {
    let manager = ConfigurationManager::new();
    manager
        .start(MemoryBackend::with_data(data))
        .expect("started");
    manager
}

#[test]
fn a_custom_id_type_checks_normalises_and_types_ids() {
    let manager = started(Data::new());
    assert!(matches!(
        RoomSettings::get(&manager, "kitchen"),
        Err(ConfigurationError::InvalidKey(_))
    ));
    let room = RoomSettings::get(&manager, " 007").expect("obtained");
    let id: Room = room.id();
    assert_eq!(id, Room(7));
    assert_eq!(room.id_text(), "7");
    assert!(room.set_id("hall").is_err());
    room.set_id("12").expect("renamed");
    assert_eq!(room.id(), Room(12));
    room.save().expect("saved");
    assert_eq!(RoomSettings::ids(&manager).expect("ids"), [Room(12)]);
}

#[test]
fn stored_names_that_are_not_ids_are_listed_as_invalid_and_kept() {
    let mut rooms = Data::new();
    rooms.insert("3", Value::Group(Data::new()));
    rooms.insert("03", Value::Group(Data::new()));
    rooms.insert("attic", Value::Group(Data::new()));
    let mut data = Data::new();
    data.insert("Rooms", Value::Group(rooms));
    let manager = started(data);
    assert_eq!(RoomSettings::ids(&manager).expect("ids"), [Room(3)]);
    let invalid = RoomSettings::invalid_ids(&manager).expect("listed");
    let names: Vec<&str> = invalid.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(names, ["03", "attic"]);
    RoomSettings::get(&manager, "3")
        .expect("obtained")
        .save()
        .expect("saved");
    assert_eq!(
        manager.get_names(Some("Rooms")).expect("names"),
        ["03", "3", "attic"]
    );
}

#[test]
fn debug_of_a_declaration_masks_its_secrets() {
    let manager = started(Data::new());
    let room = RoomSettings::get(&manager, "1").expect("obtained");
    room.lock().set_code("4711").expect("set");
    let snapshot = room.snapshot();
    let debug = format!("{snapshot:?}");
    assert_eq!(
        debug,
        format!(
            "RoomSettings {{ temperature: 20, lock: Lock {{ code: {SECRET_MASK}, locked: false }} }}"
        )
    );
    assert!(snapshot.clone() == snapshot);
}
