//! [`SettingType`]: how a setting's value converts to and from its stored form (the spec's
//! `__getstate__`/`__setstate__`), with the built-in types of the spec: `bool`, the integers,
//! `String`, lists of any setting type and `Option<T>` for nillable settings.

use std::any::Any;
use std::fmt;
use std::sync::Arc;

use crate::{Value, ValueError};

/// A type that a setting can hold.
///
/// The stored form is a [`Value`]: a string, a list of strings, or a group for complex values.
/// Implement this trait for your own types; validate in [`from_stored`](Self::from_stored) (and in
/// your constructors) so that an invalid value can never be assigned.
///
/// A value is immutable once it is a setting's value: one copy may be shared by many objects
/// (a default by every object of the type, equal stored values by the objects loaded together
/// by [`Object::get_or_create_many`](crate::Object::get_or_create_many)). Do not give a setting
/// type interior mutability (cells, atomics, locks): a change through one object would show in
/// the others.
///
/// ```
/// use sipcfg::{SettingType, TypeInfo, Value, ValueError};
///
/// /// A volume from 0 to 100.
/// #[derive(Debug, Clone, Copy, PartialEq)]
/// struct Volume(u8);
///
/// impl SettingType for Volume {
///     fn from_stored(value: &Value) -> Result<Self, ValueError> {
///         let n = u8::from_stored(value)?;
///         if n > 100 {
///             return Err(ValueError::expected("a volume from 0 to 100", n));
///         }
///         Ok(Volume(n))
///     }
///     fn to_stored(&self) -> Value {
///         self.0.to_stored()
///     }
///     fn type_info() -> TypeInfo {
///         TypeInfo::new("Volume").with_format("an integer from 0 to 100")
///     }
/// }
///
/// assert_eq!(Volume::from_stored(&Value::from("42")), Ok(Volume(42)));
/// assert!(Volume::parse_text("101").is_err());
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the type of a setting: it does not implement `sipcfg::SettingType`",
    label = "not a setting type",
    note = "implement `sipcfg::SettingType` for it (its stored form and checks), or use a built-in type: bool, integers, String, Vec<T>, Option<T>; if it is a settings group, mark the field `#[group]`"
)]
pub trait SettingType: Clone + PartialEq + fmt::Debug + Send + Sync + 'static {
    /// Rebuilds a value from its stored form, checking it.
    fn from_stored(value: &Value) -> Result<Self, ValueError>;

    /// The stored form: a string, a list of strings, or a group.
    fn to_stored(&self) -> Value;

    /// Parses a value as a person types it (on a command line). The default treats the text as
    /// the stored string.
    fn parse_text(text: &str) -> Result<Self, ValueError> {
        Self::from_stored(&Value::String(text.to_owned()))
    }

    /// The form shown to people. The default is the stored text (list items joined by `, `).
    fn display(&self) -> String {
        display_stored(&self.to_stored())
    }

    /// What the type accepts, for tools that describe settings.
    fn type_info() -> TypeInfo;
}

/// What a setting type accepts, for tools that describe settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeInfo {
    /// The type's name, e.g. `bool`, `Port`, `list of SIPTransport`.
    pub name: String,
    /// How values are written, e.g. `an integer from 0 to 65535`.
    pub format: Option<String>,
    /// The complete set of accepted values, when it is small.
    pub allowed_values: Option<Vec<String>>,
}

impl TypeInfo {
    /// A type called `name`.
    pub fn new(name: impl Into<String>) -> Self {
        TypeInfo {
            name: name.into(),
            format: None,
            allowed_values: None,
        }
    }

    /// Adds a description of how values are written.
    pub fn with_format(mut self, format: impl Into<String>) -> Self {
        self.format = Some(format.into());
        self
    }

    /// Adds the complete list of accepted values.
    pub fn with_allowed_values<I: IntoIterator<Item = S>, S: Into<String>>(
        mut self,
        values: I,
    ) -> Self {
        self.allowed_values = Some(values.into_iter().map(Into::into).collect());
        self
    }
}

/// The text of a stored value: strings as they are, list items joined by `, `, nothing as
/// `None`, groups as `name=value` pairs.
pub fn display_stored(value: &Value) -> String {
    match value {
        Value::Nothing => "None".to_owned(),
        Value::String(s) => s.clone(),
        Value::List(items) => items.join(", "),
        Value::Group(group) => group
            .iter()
            .map(|(name, value)| format!("{name}={}", display_stored(value)))
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// The stored string, or an error saying a string was expected.
pub fn expect_string(value: &Value) -> Result<&str, ValueError> {
    match value {
        Value::String(s) => Ok(s),
        other => Err(ValueError::new(format!(
            "expected a string, found {}",
            other.kind()
        ))),
    }
}

impl SettingType for bool {
    fn from_stored(value: &Value) -> Result<Self, ValueError> {
        let text = expect_string(value)?;
        match text.to_lowercase().as_str() {
            "yes" | "true" | "on" | "1" => Ok(true),
            "no" | "false" | "off" | "0" => Ok(false),
            _ => Err(ValueError::expected(
                "a boolean (yes, true, on, 1 / no, false, off, 0)",
                text,
            )),
        }
    }

    fn to_stored(&self) -> Value {
        Value::from(if *self { "true" } else { "false" })
    }

    fn display(&self) -> String {
        if *self { "True" } else { "False" }.to_owned()
    }

    fn type_info() -> TypeInfo {
        TypeInfo::new("bool")
            .with_format("true or false (also yes/no, on/off, 1/0)")
            .with_allowed_values(["true", "false"])
    }
}

macro_rules! integer_setting_types {
    ($($int:ty),*) => {$(
        impl SettingType for $int {
            fn from_stored(value: &Value) -> Result<Self, ValueError> {
                let text = expect_string(value)?;
                text.trim().parse::<$int>().map_err(|_| {
                    ValueError::expected(
                        format_args!(
                            "an integer from {} to {}",
                            <$int>::MIN,
                            <$int>::MAX
                        ),
                        text,
                    )
                })
            }

            fn to_stored(&self) -> Value {
                Value::String(self.to_string())
            }

            fn type_info() -> TypeInfo {
                TypeInfo::new(stringify!($int)).with_format(format!(
                    "an integer from {} to {}",
                    <$int>::MIN,
                    <$int>::MAX
                ))
            }
        }
    )*};
}

integer_setting_types!(i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize);

impl SettingType for String {
    fn from_stored(value: &Value) -> Result<Self, ValueError> {
        expect_string(value).map(str::to_owned)
    }

    fn to_stored(&self) -> Value {
        Value::String(self.clone())
    }

    fn type_info() -> TypeInfo {
        TypeInfo::new("string")
    }
}

/// A setting type stored as one string, so that it can be an item of a list (`Vec<T>`): its
/// [`to_stored`](SettingType::to_stored) always gives a [`Value::String`]. Implemented for
/// `bool`, the integers and `String`; implement it for string-shaped types of your own.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be an item of a list setting: its stored form is not a single string",
    note = "a list is stored as a list of strings; implement `sipcfg::ListItem` for a type whose `to_stored` is always a `Value::String`"
)]
pub trait ListItem: SettingType {}

impl ListItem for bool {}
impl ListItem for String {}
macro_rules! integer_list_items {
    ($($int:ty),*) => {$(impl ListItem for $int {})*};
}
integer_list_items!(i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize);

/// Lists are stored as lists of their items' stored strings. On a command line they are typed
/// comma-separated; an empty text is the empty list.
impl<T: ListItem> SettingType for Vec<T> {
    fn from_stored(value: &Value) -> Result<Self, ValueError> {
        match value {
            Value::List(items) => items
                .iter()
                .map(|item| T::from_stored(&Value::String(item.clone())))
                .collect(),
            other => Err(ValueError::new(format!(
                "expected a list, found {}",
                other.kind()
            ))),
        }
    }

    fn to_stored(&self) -> Value {
        Value::List(
            self.iter()
                .map(|item| match item.to_stored() {
                    Value::String(s) => s,
                    other => display_stored(&other),
                })
                .collect(),
        )
    }

    fn parse_text(text: &str) -> Result<Self, ValueError> {
        if text.trim().is_empty() {
            return Ok(Vec::new());
        }
        text.split(',')
            .map(|item| T::parse_text(item.trim()))
            .collect()
    }

    fn display(&self) -> String {
        self.iter().map(T::display).collect::<Vec<_>>().join(", ")
    }

    fn type_info() -> TypeInfo {
        let item = T::type_info();
        let mut info = TypeInfo::new(format!("list of {}", item.name))
            .with_format("items separated by commas");
        info.allowed_values = item.allowed_values;
        info
    }
}

/// A nillable setting: `None` is stored as nothing (`name =` in the text file).
impl<T: SettingType> SettingType for Option<T> {
    fn from_stored(value: &Value) -> Result<Self, ValueError> {
        match value {
            Value::Nothing => Ok(None),
            other => T::from_stored(other).map(Some),
        }
    }

    fn to_stored(&self) -> Value {
        self.as_ref().map_or(Value::Nothing, T::to_stored)
    }

    fn parse_text(text: &str) -> Result<Self, ValueError> {
        T::parse_text(text).map(Some)
    }

    fn display(&self) -> String {
        self.as_ref().map_or_else(|| "None".to_owned(), T::display)
    }

    fn type_info() -> TypeInfo {
        T::type_info()
    }
}

/// A value accepted by a typed setter (`set_...`) of a setting of type `T`.
///
/// **The conversion rule.** A typed setter takes typed Rust values: the setting's own type, or a
/// value that converts into it by a *checked* Rust conversion. It never parses text into a
/// number, a boolean, an enum word or a list; text in the file format's form is parsed by
/// [`RawObject::set_text`](crate::RawObject::set_text) and
/// [`set_many`](crate::RawObject::set_many) (and by `sip-settings`). What is accepted:
///
/// - the setting's type itself (`T` for `T`, and `Some(t)`/`None` for `Option<T>`);
/// - for a nillable setting (`Option<T>`), every value accepted for `T`, meaning `Some`:
///   `set_display_name("Alice")`; `None` clears it;
/// - `&str`, `&String`, `Box<str>` and `Cow<str>` for `String`;
/// - any primitive integer for any other primitive integer, checked: `70000` for a `u16` is
///   refused and changes nothing;
/// - arrays, slices and `Vec`s of accepted items for `Vec<T>` lists;
/// - whatever a setting type declares with [`into_setting!`](crate::into_setting): text for
///   types whose value *is* text (addresses, paths), integers for ranged number types.
///
/// `Some(x)` must hold the setting's own type (`Some(String::from("Alice"))`): `None` could not
/// be typed otherwise. Write the bare value instead (`"Alice"`).
#[diagnostic::on_unimplemented(
    message = "a setting of type `{T}` cannot be assigned a `{Self}`",
    label = "not accepted for a `{T}` setting",
    note = "a typed setter takes the setting's type or a value with a checked conversion into it (see `sipcfg::IntoSetting`); text is parsed by `set_text`/`set_many`"
)]
pub trait IntoSetting<T> {
    /// Converts, or says why not.
    fn into_setting(self) -> Result<T, ValueError>;
}

/// Every setting type is accepted for itself.
impl<T: SettingType> IntoSetting<T> for T {
    fn into_setting(self) -> Result<T, ValueError> {
        Ok(self)
    }
}

/// A value accepted by the typed setter of a nillable setting (`Option<T>`): every value
/// accepted for `T` ([`IntoSetting<T>`], meaning `Some`), and `Option<T>` itself (`Some(t)`
/// or `None`). `M` is [`AsValue`] or [`AsOption`]; the compiler infers it, so that both kinds
/// of argument are accepted by one setter.
#[diagnostic::on_unimplemented(
    message = "a nillable setting of type `Option<{T}>` cannot be assigned a `{Self}`",
    label = "not accepted for an `Option<{T}>` setting",
    note = "pass a value accepted for `{T}` (it means `Some`), or `None`; `Some(..)` must hold a `{T}` itself: write `set_x(\"Alice\")`, not `set_x(Some(\"Alice\"))`",
    note = "a typed setter takes the setting's type or a value with a checked conversion into it (see `sipcfg::IntoSetting`); text is parsed by `set_text`/`set_many`"
)]
pub trait IntoNillable<T, M> {
    /// Converts, or says why not.
    fn into_nillable(self) -> Result<Option<T>, ValueError>;
}

/// Marks the [`IntoNillable`] impl for values accepted for `T`, taken as `Some`.
#[derive(Debug)]
pub enum AsValue {}

/// Marks the [`IntoNillable`] impl for `Option<T>` itself.
#[derive(Debug)]
pub enum AsOption {}

impl<T, V: IntoSetting<T>> IntoNillable<T, AsValue> for V {
    fn into_nillable(self) -> Result<Option<T>, ValueError> {
        self.into_setting().map(Some)
    }
}

impl<T: SettingType> IntoNillable<T, AsOption> for Option<T> {
    fn into_nillable(self) -> Result<Option<T>, ValueError> {
        Ok(self)
    }
}

/// Declares the values a setting type accepts in its typed setters, for the type and for its
/// nillable form (`Option<T>`), through `TryFrom` (or `From`) conversions.
///
/// ```
/// use sipcfg::{into_setting, IntoSetting, SettingType, TypeInfo, Value, ValueError};
///
/// /// A volume from 0 to 100.
/// #[derive(Debug, Clone, Copy, PartialEq)]
/// struct Volume(u8);
///
/// impl TryFrom<i32> for Volume {
///     type Error = ValueError;
///     fn try_from(n: i32) -> Result<Self, ValueError> {
///         match u8::try_from(n) {
///             Ok(n) if n <= 100 => Ok(Volume(n)),
///             _ => Err(ValueError::expected("a volume from 0 to 100", n)),
///         }
///     }
/// }
/// # impl SettingType for Volume {
/// #     fn from_stored(value: &Value) -> Result<Self, ValueError> {
/// #         Volume::try_from(i32::from_stored(value)?)
/// #     }
/// #     fn to_stored(&self) -> Value { self.0.to_stored() }
/// #     fn type_info() -> TypeInfo { TypeInfo::new("Volume") }
/// # }
///
/// // `set_volume(42)`; on an `Option<Volume>` setting also `set_volume(None)`.
/// into_setting!(Volume: i32);
///
/// let volume: Result<Volume, _> = 42.into_setting();
/// assert_eq!(volume, Ok(Volume(42)));
/// let too_loud: Result<Volume, _> = 101.into_setting();
/// assert!(too_loud.is_err());
/// ```
#[macro_export]
macro_rules! into_setting {
    ($ty:ty: $($source:ty),+ $(,)?) => {$(
        impl $crate::IntoSetting<$ty> for $source {
            fn into_setting(self) -> ::core::result::Result<$ty, $crate::ValueError> {
                <$ty as ::core::convert::TryFrom<$source>>::try_from(self)
                    .map_err(::core::convert::Into::<$crate::ValueError>::into)
            }
        }

    )+};
}

into_setting!(String: &str, &String, Box<str>, std::borrow::Cow<'_, str>);

// Checked conversions between the primitive integers: every ordered pair of distinct types
// (a type for itself is the identity above). An unsuffixed literal is an `i32` here.
into_setting!(i8: i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize);
into_setting!(i16: i8, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize);
into_setting!(i32: i8, i16, i64, i128, isize, u8, u16, u32, u64, u128, usize);
into_setting!(i64: i8, i16, i32, i128, isize, u8, u16, u32, u64, u128, usize);
into_setting!(i128: i8, i16, i32, i64, isize, u8, u16, u32, u64, u128, usize);
into_setting!(isize: i8, i16, i32, i64, i128, u8, u16, u32, u64, u128, usize);
into_setting!(u8: i8, i16, i32, i64, i128, isize, u16, u32, u64, u128, usize);
into_setting!(u16: i8, i16, i32, i64, i128, isize, u8, u32, u64, u128, usize);
into_setting!(u32: i8, i16, i32, i64, i128, isize, u8, u16, u64, u128, usize);
into_setting!(u64: i8, i16, i32, i64, i128, isize, u8, u16, u32, u128, usize);
into_setting!(u128: i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, usize);
into_setting!(usize: i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128);

/// A list accepts an array of accepted items: `set_codecs([AudioCodec::Opus])`.
impl<T: ListItem, V: IntoSetting<T>, const N: usize> IntoSetting<Vec<T>> for [V; N] {
    fn into_setting(self) -> Result<Vec<T>, ValueError> {
        self.into_iter().map(IntoSetting::into_setting).collect()
    }
}

/// A list accepts a slice of accepted items.
impl<T: ListItem, V: IntoSetting<T> + Clone> IntoSetting<Vec<T>> for &[V] {
    fn into_setting(self) -> Result<Vec<T>, ValueError> {
        self.iter()
            .cloned()
            .map(IntoSetting::into_setting)
            .collect()
    }
}

/// A list of strings accepts a `Vec<&str>`.
impl IntoSetting<Vec<String>> for Vec<&str> {
    fn into_setting(self) -> Result<Vec<String>, ValueError> {
        Ok(self.into_iter().map(str::to_owned).collect())
    }
}

/// A setting value whose type is known only at run time (used by diffs, tools and storage).
pub trait DynValue: Any + Send + Sync + fmt::Debug {
    /// The stored form.
    fn to_stored(&self) -> Value;
    /// The form shown to people.
    fn display(&self) -> String;
    /// Equality with a value of any type (false across types).
    fn eq_dyn(&self, other: &dyn DynValue) -> bool;
    /// As `Any`, to downcast to the concrete type.
    fn as_any(&self) -> &dyn Any;
}

impl<T: SettingType> DynValue for T {
    fn to_stored(&self) -> Value {
        SettingType::to_stored(self)
    }

    fn display(&self) -> String {
        SettingType::display(self)
    }

    fn eq_dyn(&self, other: &dyn DynValue) -> bool {
        other.as_any().downcast_ref::<T>() == Some(self)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl dyn DynValue {
    /// The value as `T`, if it is one.
    pub fn downcast_ref<T: Any>(&self) -> Option<&T> {
        self.as_any().downcast_ref::<T>()
    }
}

/// A shared, type-erased setting value.
pub type SharedValue = Arc<dyn DynValue>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bool_reads_the_spec_words_in_any_case_and_writes_true_false() {
        for word in ["yes", "TRUE", "On", "1"] {
            assert_eq!(bool::from_stored(&Value::from(word)), Ok(true), "{word}");
        }
        for word in ["no", "False", "OFF", "0"] {
            assert_eq!(bool::from_stored(&Value::from(word)), Ok(false), "{word}");
        }
        for word in ["", "2", "yess", "enabled"] {
            assert!(bool::from_stored(&Value::from(word)).is_err(), "{word}");
        }
        assert_eq!(SettingType::to_stored(&true), Value::from("true"));
        assert_eq!(SettingType::to_stored(&false), Value::from("false"));
    }

    #[test]
    fn integers_check_their_range() {
        assert_eq!(u16::from_stored(&Value::from("65535")), Ok(65535));
        let err = u16::from_stored(&Value::from("65536")).unwrap_err();
        assert!(err.message().contains("0 to 65535"), "{err}");
        assert!(u8::from_stored(&Value::from("-1")).is_err());
        assert_eq!(i32::from_stored(&Value::from("-5")), Ok(-5));
        assert!(i32::from_stored(&Value::from(vec!["1"])).is_err());
        assert_eq!(SettingType::to_stored(&42u32), Value::from("42"));
    }

    #[test]
    fn lists_and_options() {
        let stored = Value::from(vec!["1", "2"]);
        assert_eq!(Vec::<u8>::from_stored(&stored), Ok(vec![1, 2]));
        assert_eq!(SettingType::to_stored(&vec![1u8, 2]), stored);
        assert_eq!(Vec::<u8>::parse_text("1, 2,3"), Ok(vec![1, 2, 3]));
        assert_eq!(Vec::<u8>::parse_text(""), Ok(vec![]));
        assert_eq!(Option::<u8>::from_stored(&Value::Nothing), Ok(None));
        assert_eq!(SettingType::to_stored(&None::<u8>), Value::Nothing);
        assert!(u8::from_stored(&Value::Nothing).is_err());
    }

    #[test]
    fn into_setting_takes_typed_values_with_checked_conversions() {
        let ok: Result<u16, _> = 5060u32.into_setting();
        assert_eq!(ok, Ok(5060));
        let literal: Result<u16, _> = 5060.into_setting();
        assert_eq!(literal, Ok(5060));
        let out_of_range: Result<u16, _> = 70000.into_setting();
        assert!(out_of_range.is_err());
        let text: Result<String, _> = "x".into_setting();
        assert_eq!(text, Ok("x".to_owned()));
        let list: Result<Vec<String>, _> = ["a", "b"].into_setting();
        assert_eq!(list, Ok(vec!["a".to_owned(), "b".to_owned()]));
        let list: Result<Vec<u16>, _> = [1, 70000].into_setting();
        assert!(list.is_err());
    }

    #[test]
    fn nillable_settings_take_the_bare_value_some_of_their_type_and_none() {
        fn nillable<M>(value: impl IntoNillable<String, M>) -> Result<Option<String>, ValueError> {
            value.into_nillable()
        }
        assert_eq!(nillable("Alice"), Ok(Some("Alice".to_owned())));
        assert_eq!(
            nillable(String::from("Alice")),
            Ok(Some("Alice".to_owned()))
        );
        assert_eq!(
            nillable(Some(String::from("Alice"))),
            Ok(Some("Alice".to_owned()))
        );
        assert_eq!(nillable(None), Ok(None));
        let number: Result<Option<u8>, _> = IntoNillable::<u8, _>::into_nillable(300);
        assert!(number.is_err());
    }
}
