//! The `--json` output: settings as JSON values, trees as nested objects.
//!
//! A value is its stored form, the text that `set` accepts: `null` for None, `true`/`false`
//! for booleans, numbers for integer types, arrays of strings for lists, strings otherwise.
//! Secrets are `"********"` unless passwords are shown.

use serde_json::{json, Map, Value as Json};
use sipcfg::{GroupInfo, SettingInfo, Value, SECRET_MASK};

use super::tree::{masked, shown_value};

/// The type names whose stored text is an integer.
const INTEGER_TYPES: &[&str] = &[
    "NonNegativeInteger",
    "PositiveInteger",
    "Port",
    "SampleRate",
    "i8",
    "i16",
    "i32",
    "i64",
    "i128",
    "isize",
    "u8",
    "u16",
    "u32",
    "u64",
    "u128",
    "usize",
];

/// A stored value as JSON, typed after the setting's type name.
pub fn stored_json(value: &Value, type_name: &str) -> Json {
    match value {
        Value::Nothing => Json::Null,
        Value::String(text) => {
            if type_name == "bool" {
                match text.as_str() {
                    "true" => return Json::Bool(true),
                    "false" => return Json::Bool(false),
                    _ => {}
                }
            }
            if INTEGER_TYPES.contains(&type_name) {
                if let Ok(n) = text.parse::<u64>() {
                    return Json::from(n);
                }
                if let Ok(n) = text.parse::<i64>() {
                    return Json::from(n);
                }
            }
            Json::String(text.clone())
        }
        Value::List(items) => Json::Array(items.iter().cloned().map(Json::String).collect()),
        Value::Group(group) => Json::Object(
            group
                .iter()
                .map(|(name, value)| (name.to_string(), stored_json(value, "")))
                .collect(),
        ),
    }
}

/// A setting's current value as JSON (masked if secret and passwords are not shown, unless it
/// is empty or None).
pub fn value_json(setting: &SettingInfo, show_passwords: bool) -> Json {
    if masked(setting, show_passwords) {
        return Json::String(SECRET_MASK.to_owned());
    }
    stored_json(&setting.value.to_stored(), &setting.type_info.name)
}

/// A setting's default as JSON.
pub fn default_json(setting: &SettingInfo) -> Json {
    stored_json(&setting.default.to_stored(), &setting.type_info.name)
}

/// Every setting of `group` and its sub-groups, as nested objects by name.
pub fn tree_json(group: &GroupInfo, show_passwords: bool) -> Json {
    let mut map = Map::new();
    for setting in &group.settings {
        map.insert(setting.name.to_owned(), value_json(setting, show_passwords));
    }
    for sub in &group.groups {
        map.insert(sub.name.to_owned(), tree_json(sub, show_passwords));
    }
    Json::Object(map)
}

/// The answer of `get`: the path, the value, the people form and whether it is explicit.
pub fn get_json(setting: &SettingInfo, show_passwords: bool, account: Option<&str>) -> Json {
    let mut object = json!({
        "path": setting.path,
        "value": value_json(setting, show_passwords),
        "display": shown_value(setting, show_passwords),
        "explicit": setting.explicit,
    });
    if let (Some(account), Some(map)) = (account, object.as_object_mut()) {
        map.insert("account".to_owned(), Json::String(account.to_owned()));
    }
    object
}

/// The answer of `describe`: everything known about a setting.
pub fn describe_json(setting: &SettingInfo, show_passwords: bool, account: Option<&str>) -> Json {
    json!({
        "account": account,
        "path": setting.path,
        "type": setting.type_info.name,
        "default": default_json(setting),
        "default_display": setting.default.display(),
        "nillable": setting.nillable,
        "allowed_values": setting.type_info.allowed_values,
        "format": setting.type_info.format,
        "description": setting.doc,
        "secret": setting.secret,
        "extension": setting.extension,
        "value": value_json(setting, show_passwords),
        "display": shown_value(setting, show_passwords),
        "explicit": setting.explicit,
    })
}

/// Pretty JSON text, ending with a newline.
pub fn to_text(value: &Json) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_else(|_| "null".to_owned());
    text.push('\n');
    text
}
