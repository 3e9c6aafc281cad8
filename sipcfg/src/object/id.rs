//! Typed ids of per-id objects: `#[settings(group = "Accounts", id_type = SIPAddress)]`.

use std::fmt;

use crate::{ConfigurationError, ValueError};

/// A type that can be the id of a per-id settings object (`id_type = ...` in
/// `#[settings(...)]`; the default is `String`, which accepts any non-empty text).
///
/// [`parse_id`](Self::parse_id) checks an id as people write it and may normalise it (drop a
/// `sip:` scheme, say); [`id_text`](Self::id_text) is the text the object is stored under. A
/// stored entry is an object of the type only if its name is its own normal form:
/// `id_text(parse_id(name)) == name`; other names are reported and kept in storage untouched.
/// `parse_id(&id.id_text())` must succeed for every id.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the id type of a settings object: it does not implement `sipcfg::ObjectId`",
    label = "not an id type",
    note = "implement `sipcfg::ObjectId` for `{Self}`: `parse_id` checks (and normalises) an id written as text, `id_text` gives the text it is stored under"
)]
pub trait ObjectId: Clone + fmt::Debug + fmt::Display + Send + Sync + 'static {
    /// The id written as `text`, checked (and normalised).
    fn parse_id(text: &str) -> Result<Self, ValueError>;

    /// The text the object is stored under. The default is the `Display` form.
    fn id_text(&self) -> String {
        self.to_string()
    }
}

impl ObjectId for String {
    fn parse_id(text: &str) -> Result<Self, ValueError> {
        Ok(text.to_owned())
    }

    fn id_text(&self) -> String {
        self.clone()
    }
}

/// The stored form of the id written as `text`, or why it is not an id of `type_name`.
pub(crate) fn normal_id<I: ObjectId>(text: &str) -> Result<String, ValueError> {
    I::parse_id(text).map(|id| id.id_text())
}

/// The error of an id that does not convert.
pub(crate) fn invalid_id(type_name: &str, id: &str, error: &ValueError) -> ConfigurationError {
    ConfigurationError::InvalidKey(format!("{id:?} is not a valid id of {type_name}: {error}"))
}

/// Whether a stored name is an id of the type (its own normal form), or why not.
pub(crate) fn check_stored_name(
    normal: fn(&str) -> Result<String, ValueError>,
    name: &str,
) -> Result<(), ValueError> {
    match normal(name) {
        Ok(text) if text == name => Ok(()),
        Ok(text) => Err(ValueError::new(format!(
            "the id is written {text:?}, not {name:?}: rename the entry to use it"
        ))),
        Err(error) => Err(error),
    }
}
