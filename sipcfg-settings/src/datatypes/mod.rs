//! The datatypes of the SIP SIMPLE settings (spec: "Middleware Settings" and "SIPClients
//! Settings").
//!
//! Each type checks its value when it is made, so an invalid value can never be assigned to a
//! setting. Every type implements [`sipcfg::SettingType`] (the stored form, the text a person
//! types and the form `sip-settings show` prints), [`Display`](std::fmt::Display) (the stored
//! text), [`FromStr`](std::str::FromStr) and `TryFrom<&str>`/`TryFrom<String>`, with
//! [`sipcfg::ValueError`] as the error: its message says what was expected and what was found.
//!
//! Typed setters follow the conversion rule of [`sipcfg::IntoSetting`]: they take typed values.
//! Types whose value *is* text (addresses, host names, paths, device names) also take `&str`
//! and `String`, checked; numbers take any integer, checked; lists take arrays, slices and
//! `Vec`s of their items. Enum words, numbers and ranges written as text are parsed by
//! `set_text` and `sip-settings`, or explicitly with `str::parse`.
//!
//! | family | types |
//! | --- | --- |
//! | numbers | [`NonNegativeInteger`], [`PositiveInteger`], [`SampleRate`] |
//! | ports | [`Port`], [`PortRange`] |
//! | addresses | [`Hostname`], [`SIPAddress`], [`SIPProxyAddress`], [`MSRPRelayAddress`], [`STUNServerAddress`], [`STUNServerAddressList`], [`XCAPRoot`] |
//! | transports | [`SIPTransport`], [`SIPTransportList`], [`MSRPTransport`], [`MSRPConnectionModel`], [`SRTPEncryption`], [`TLSProtocol`] |
//! | codecs | [`AudioCodec`], [`AudioCodecList`] |
//! | audio devices | [`AudioInputDevice`], [`AudioOutputDevice`] |
//! | paths | [`Path`], [`AbsolutePath`], [`DataPath`] |
//!
//! ```
//! use sipcfg::SettingType;
//! use sipcfg_settings::datatypes::{PortRange, SIPProxyAddress};
//!
//! let range: PortRange = "50000-50500".parse()?;
//! assert_eq!(range.display(), "PortRange(start=50000, end=50500)");
//!
//! let proxy = SIPProxyAddress::try_from("sip.example.com")?;
//! assert_eq!(proxy.to_string(), "sip.example.com:5060;transport=udp");
//! # Ok::<(), sipcfg::ValueError>(())
//! ```

// Serialize and Deserialize through the stored form, checked on the way in.
#[cfg(feature = "serde")]
sipcfg::serde_via_stored!(
    NonNegativeInteger,
    PositiveInteger,
    SampleRate,
    Port,
    PortRange,
    Hostname,
    SIPAddress,
    STUNServerAddress,
    XCAPRoot,
);

/// `FromStr`, `TryFrom<&str>`, `TryFrom<String>` and `TryFrom<&String>` through
/// [`SettingType::parse_text`](sipcfg::SettingType::parse_text).
macro_rules! text_conversions {
    ($($ty:ty),* $(,)?) => {$(
        impl ::std::str::FromStr for $ty {
            type Err = ::sipcfg::ValueError;

            fn from_str(text: &str) -> ::std::result::Result<Self, Self::Err> {
                <$ty as ::sipcfg::SettingType>::parse_text(text)
            }
        }

        impl ::std::convert::TryFrom<&str> for $ty {
            type Error = ::sipcfg::ValueError;

            fn try_from(text: &str) -> ::std::result::Result<Self, Self::Error> {
                <$ty as ::sipcfg::SettingType>::parse_text(text)
            }
        }

        impl ::std::convert::TryFrom<::std::string::String> for $ty {
            type Error = ::sipcfg::ValueError;

            fn try_from(text: ::std::string::String) -> ::std::result::Result<Self, Self::Error> {
                <$ty as ::sipcfg::SettingType>::parse_text(&text)
            }
        }

        impl ::std::convert::TryFrom<&::std::string::String> for $ty {
            type Error = ::sipcfg::ValueError;

            fn try_from(text: &::std::string::String) -> ::std::result::Result<Self, Self::Error> {
                <$ty as ::sipcfg::SettingType>::parse_text(text)
            }
        }
    )*};
}

/// Typed setters of a type whose value is text (an address, a path, a device name) accept
/// `&str`, `String` and `&String`, checked (see the conversion rule of [`sipcfg::IntoSetting`]).
macro_rules! text_into_setting {
    ($($ty:ty),* $(,)?) => {$(
        ::sipcfg::into_setting!($ty: &str, ::std::string::String, &::std::string::String);
    )*};
}

/// For a newtype `$name(String)` with `new(...) -> Result<Self, ValueError>` and an
/// `EXPECTED` text: `SettingType` (stored as the string, read through `new`), `Display` and
/// `AsRef<str>`.
macro_rules! string_newtype {
    ($name:ident) => {
        #[cfg(feature = "serde")]
        ::sipcfg::serde_via_stored!($name);

        impl ::sipcfg::SettingType for $name {
            fn from_stored(value: &::sipcfg::Value) -> Result<Self, ::sipcfg::ValueError> {
                Self::new(::sipcfg::expect_string(value)?)
            }

            fn to_stored(&self) -> ::sipcfg::Value {
                ::sipcfg::Value::String(self.0.clone())
            }

            fn type_info() -> ::sipcfg::TypeInfo {
                ::sipcfg::TypeInfo::new(stringify!($name)).with_format(Self::EXPECTED)
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

/// `TryFrom<{integer}>` for the integer-like types, through their `new(impl Into<i128>)`.
macro_rules! integer_conversions {
    ($($ty:ty),* $(,)?) => {$(
        integer_conversions!(@each $ty: i8, i16, i32, i64, isize, u8, u16, u32, u64, usize);
    )*};
    (@each $ty:ty: $($int:ty),*) => {$(
        impl ::std::convert::TryFrom<$int> for $ty {
            type Error = ::sipcfg::ValueError;

            fn try_from(value: $int) -> ::std::result::Result<Self, Self::Error> {
                let wide = i128::try_from(value).map_err(::sipcfg::ValueError::from)?;
                <$ty>::new(wide)
            }
        }

        ::sipcfg::into_setting!($ty: $int);
    )*};
}

/// An enum of words (stored as its canonical word, read ignoring case), with `ALL`, `as_str`,
/// `from_word`, `SettingType` (allowed values listed), `Display` and the text conversions.
macro_rules! word_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident: $what:literal {
            $( $(#[$vmeta:meta])* $variant:ident = $word:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every value, in the order of the spec.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The canonical word, as stored.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $( $name::$variant => $word, )+
                }
            }

            /// The value whose word is `word`, ignoring ASCII case and surrounding white space.
            pub fn from_word(word: &str) -> Option<Self> {
                let word = word.trim();
                Self::ALL
                    .iter()
                    .copied()
                    .find(|value| value.as_str().eq_ignore_ascii_case(word))
            }

            fn expected() -> String {
                let words: Vec<&str> = Self::ALL.iter().map(|value| value.as_str()).collect();
                format!("{} (one of {})", $what, words.join(", "))
            }
        }

        #[cfg(feature = "serde")]
        ::sipcfg::serde_via_stored!($name);

        impl ::sipcfg::SettingType for $name {
            fn from_stored(value: &::sipcfg::Value) -> Result<Self, ::sipcfg::ValueError> {
                let text = ::sipcfg::expect_string(value)?;
                Self::from_word(text)
                    .ok_or_else(|| ::sipcfg::ValueError::expected(Self::expected(), text))
            }

            fn to_stored(&self) -> ::sipcfg::Value {
                ::sipcfg::Value::from(self.as_str())
            }

            fn type_info() -> ::sipcfg::TypeInfo {
                ::sipcfg::TypeInfo::new(stringify!($name))
                    .with_format($what)
                    .with_allowed_values(Self::ALL.iter().map(|value| value.as_str()))
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.pad(self.as_str())
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }

        text_conversions!($name);
    };
}

/// A list type: a `Vec` of items with an optional no-duplicates rule, stored as a list of the
/// items' stored strings, typed comma-separated, shown as `Name([item, ...])`.
macro_rules! list_type {
    (
        $(#[$meta:meta])*
        pub struct $name:ident($item:ty) {
            what: $what:literal,
            unique: $unique:literal,
            show: $show:expr,
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
        pub struct $name(Vec<$item>);

        impl $name {
            const UNIQUE: bool = $unique;

            /// The list, checked (no item may appear twice in a list that forbids duplicates;
            /// the error names the duplicate).
            pub fn new(
                items: impl IntoIterator<Item = $item>,
            ) -> Result<Self, ::sipcfg::ValueError> {
                let items: Vec<$item> = items.into_iter().collect();
                if Self::UNIQUE {
                    $crate::datatypes::check_no_duplicates(&items, $what)?;
                }
                Ok($name(items))
            }

            /// The items, in order.
            pub fn as_slice(&self) -> &[$item] {
                &self.0
            }

            /// The items, in order.
            pub fn into_vec(self) -> Vec<$item> {
                self.0
            }

            fn from_words<S: AsRef<str>>(
                words: impl IntoIterator<Item = S>,
            ) -> Result<Self, ::sipcfg::ValueError> {
                let items = words
                    .into_iter()
                    .map(|word| <$item as ::sipcfg::SettingType>::parse_text(word.as_ref()))
                    .collect::<Result<Vec<$item>, ::sipcfg::ValueError>>()?;
                Self::new(items)
            }
        }

        impl ::std::ops::Deref for $name {
            type Target = [$item];

            fn deref(&self) -> &[$item] {
                &self.0
            }
        }

        impl<'a> IntoIterator for &'a $name {
            type Item = &'a $item;
            type IntoIter = ::std::slice::Iter<'a, $item>;

            fn into_iter(self) -> Self::IntoIter {
                self.0.iter()
            }
        }

        impl IntoIterator for $name {
            type Item = $item;
            type IntoIter = ::std::vec::IntoIter<$item>;

            fn into_iter(self) -> Self::IntoIter {
                self.0.into_iter()
            }
        }

        impl From<$name> for Vec<$item> {
            fn from(list: $name) -> Vec<$item> {
                list.0
            }
        }

        #[cfg(feature = "serde")]
        ::sipcfg::serde_via_stored!($name);

        impl ::sipcfg::SettingType for $name {
            fn from_stored(value: &::sipcfg::Value) -> Result<Self, ::sipcfg::ValueError> {
                Self::from_words($crate::datatypes::stored_list_items(value)?)
            }

            fn to_stored(&self) -> ::sipcfg::Value {
                ::sipcfg::Value::List(self.0.iter().map(ToString::to_string).collect())
            }

            fn parse_text(text: &str) -> Result<Self, ::sipcfg::ValueError> {
                Self::from_words($crate::datatypes::split_list_text(text))
            }

            fn display(&self) -> String {
                let show = $show;
                let items: Vec<String> = self.0.iter().map(show).collect();
                format!("{}([{}])", stringify!($name), items.join(", "))
            }

            fn type_info() -> ::sipcfg::TypeInfo {
                let item = <$item as ::sipcfg::SettingType>::type_info();
                let mut info = ::sipcfg::TypeInfo::new(stringify!($name)).with_format(format!(
                    "{} separated by commas{}",
                    $what,
                    if Self::UNIQUE { ", each at most once" } else { "" }
                ));
                info.allowed_values = item.allowed_values;
                info
            }
        }

        /// The stored items joined by `, ` (parses back with `FromStr`).
        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                for (index, item) in self.0.iter().enumerate() {
                    if index > 0 {
                        f.write_str(", ")?;
                    }
                    ::std::fmt::Display::fmt(item, f)?;
                }
                Ok(())
            }
        }

        impl TryFrom<Vec<$item>> for $name {
            type Error = ::sipcfg::ValueError;

            fn try_from(items: Vec<$item>) -> Result<Self, Self::Error> {
                Self::new(items)
            }
        }

        impl TryFrom<&[$item]> for $name {
            type Error = ::sipcfg::ValueError;

            fn try_from(items: &[$item]) -> Result<Self, Self::Error> {
                Self::new(items.iter().cloned())
            }
        }

        impl<const N: usize> TryFrom<[$item; N]> for $name {
            type Error = ::sipcfg::ValueError;

            fn try_from(items: [$item; N]) -> Result<Self, Self::Error> {
                Self::new(items)
            }
        }

        ::sipcfg::into_setting!($name: Vec<$item>, &[$item]);

        impl<const N: usize> ::sipcfg::IntoSetting<$name> for [$item; N] {
            fn into_setting(self) -> Result<$name, ::sipcfg::ValueError> {
                $name::try_from(self)
            }
        }

        impl TryFrom<Vec<&str>> for $name {
            type Error = ::sipcfg::ValueError;

            fn try_from(words: Vec<&str>) -> Result<Self, Self::Error> {
                Self::from_words(words)
            }
        }

        impl TryFrom<Vec<String>> for $name {
            type Error = ::sipcfg::ValueError;

            fn try_from(words: Vec<String>) -> Result<Self, Self::Error> {
                Self::from_words(words)
            }
        }

        impl TryFrom<&[&str]> for $name {
            type Error = ::sipcfg::ValueError;

            fn try_from(words: &[&str]) -> Result<Self, Self::Error> {
                Self::from_words(words)
            }
        }

        impl<const N: usize> TryFrom<[&str; N]> for $name {
            type Error = ::sipcfg::ValueError;

            fn try_from(words: [&str; N]) -> Result<Self, Self::Error> {
                Self::from_words(words)
            }
        }

        text_conversions!($name);
    };
}

mod addresses;
mod audio_devices;
mod codecs;
mod numbers;
mod paths;
mod ports;
mod transports;

pub use addresses::{
    Hostname, MSRPRelayAddress, SIPAddress, SIPProxyAddress, STUNServerAddress,
    STUNServerAddressList, XCAPRoot,
};
pub use audio_devices::{AudioInputDevice, AudioOutputDevice, SYSTEM_DEFAULT};
pub use codecs::{AudioCodec, AudioCodecList};
pub use numbers::{NonNegativeInteger, PositiveInteger, SampleRate};
pub use paths::{AbsolutePath, DataPath, Path};
pub use ports::{Port, PortRange};
pub use transports::{
    MSRPConnectionModel, MSRPTransport, SIPTransport, SIPTransportList, SRTPEncryption, TLSProtocol,
};

use sipcfg::{Value, ValueError};

/// The items of a stored list. A plain string is taken as comma-separated items, so that a
/// hand-edited file with `transport_list = udp` still reads; an empty string is the empty list.
fn stored_list_items(value: &Value) -> Result<Vec<&str>, ValueError> {
    match value {
        Value::List(items) => Ok(items.iter().map(String::as_str).collect()),
        Value::String(text) => Ok(split_list_text(text)),
        other => Err(ValueError::new(format!(
            "expected a list, found {}",
            other.kind()
        ))),
    }
}

/// Splits a comma-separated text into trimmed items; an empty (or blank) text has no items.
fn split_list_text(text: &str) -> Vec<&str> {
    if text.trim().is_empty() {
        Vec::new()
    } else {
        text.split(',').map(str::trim).collect()
    }
}

/// Fails, naming the first item that appears twice, if `items` has duplicates.
fn check_no_duplicates<T: PartialEq + std::fmt::Display>(
    items: &[T],
    what: &str,
) -> Result<(), ValueError> {
    for (index, item) in items.iter().enumerate() {
        if items[..index].contains(item) {
            return Err(ValueError::new(format!(
                "expected {what} without duplicates, found {:?} more than once",
                item.to_string()
            )));
        }
    }
    Ok(())
}

/// `'text'` as Python's `repr` writes a string (used by the `display` forms of the spec).
fn python_repr(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    let quote = if text.contains('\'') && !text.contains('"') {
        '"'
    } else {
        '\''
    };
    out.push(quote);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}
