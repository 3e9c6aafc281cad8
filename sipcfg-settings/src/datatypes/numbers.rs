//! Integer datatypes: [`NonNegativeInteger`], [`PositiveInteger`] and [`SampleRate`].

use std::fmt;

use sipcfg::{expect_string, SettingType, TypeInfo, Value, ValueError};

/// Parses a decimal integer (surrounding white space ignored, an optional sign) and converts it
/// with `convert`; on any failure, `expected {expected}, found "{text}"`.
pub(super) fn parse_integer<T>(
    text: &str,
    expected: &str,
    convert: impl FnOnce(i128) -> Option<T>,
) -> Result<T, ValueError> {
    text.trim()
        .parse::<i128>()
        .ok()
        .and_then(convert)
        .ok_or_else(|| ValueError::expected(expected, text))
}

/// An integer `>= 0` (the spec's `NonNegativeInteger`), e.g. `audio.tail_length` or
/// `sip.invite_timeout`.
///
/// Accepts decimal text from `0` to `18446744073709551615` (`u64::MAX`); negative numbers are
/// refused. Stored as the decimal text, e.g. `3600`.
///
/// ```
/// use sipcfg_settings::datatypes::NonNegativeInteger;
///
/// let timeout = NonNegativeInteger::new(90)?;
/// assert_eq!(timeout.get(), 90);
/// assert_eq!("3600".parse::<NonNegativeInteger>()?.get(), 3600);
/// assert!(NonNegativeInteger::new(-1).is_err());
/// # Ok::<(), sipcfg::ValueError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct NonNegativeInteger(u64);

impl NonNegativeInteger {
    const EXPECTED: &'static str = "a non-negative integer (0 to 18446744073709551615)";

    /// The number, or an error if it is negative or above `u64::MAX`.
    pub fn new(value: impl Into<i128>) -> Result<Self, ValueError> {
        let value = value.into();
        Self::from_wide(value).ok_or_else(|| ValueError::expected(Self::EXPECTED, value))
    }

    /// The number (every `u64` is valid).
    pub const fn from_u64(value: u64) -> Self {
        NonNegativeInteger(value)
    }

    /// The number.
    pub const fn get(self) -> u64 {
        self.0
    }

    fn from_wide(value: i128) -> Option<Self> {
        u64::try_from(value).ok().map(NonNegativeInteger)
    }
}

impl SettingType for NonNegativeInteger {
    fn from_stored(value: &Value) -> Result<Self, ValueError> {
        parse_integer(expect_string(value)?, Self::EXPECTED, Self::from_wide)
    }

    fn to_stored(&self) -> Value {
        Value::String(self.0.to_string())
    }

    fn type_info() -> TypeInfo {
        TypeInfo::new("NonNegativeInteger").with_format(Self::EXPECTED)
    }
}

impl fmt::Display for NonNegativeInteger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl From<NonNegativeInteger> for u64 {
    fn from(value: NonNegativeInteger) -> u64 {
        value.0
    }
}

text_conversions!(NonNegativeInteger);
integer_conversions!(NonNegativeInteger);

/// An integer `>= 1`.
///
/// Accepts decimal text from `1` to `18446744073709551615` (`u64::MAX`). Stored as the decimal
/// text, e.g. `600`.
///
/// ```
/// use sipcfg_settings::datatypes::PositiveInteger;
///
/// assert_eq!(PositiveInteger::new(600)?.get(), 600);
/// assert!(PositiveInteger::new(0).is_err());
/// assert!("-3".parse::<PositiveInteger>().is_err());
/// # Ok::<(), sipcfg::ValueError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PositiveInteger(u64);

impl PositiveInteger {
    const EXPECTED: &'static str = "a positive integer (1 to 18446744073709551615)";

    /// The number, or an error if it is below 1 or above `u64::MAX`.
    pub fn new(value: impl Into<i128>) -> Result<Self, ValueError> {
        let value = value.into();
        Self::from_wide(value).ok_or_else(|| ValueError::expected(Self::EXPECTED, value))
    }

    /// The number.
    pub const fn get(self) -> u64 {
        self.0
    }

    fn from_wide(value: i128) -> Option<Self> {
        u64::try_from(value)
            .ok()
            .filter(|&n| n >= 1)
            .map(PositiveInteger)
    }
}

impl SettingType for PositiveInteger {
    fn from_stored(value: &Value) -> Result<Self, ValueError> {
        parse_integer(expect_string(value)?, Self::EXPECTED, Self::from_wide)
    }

    fn to_stored(&self) -> Value {
        Value::String(self.0.to_string())
    }

    fn type_info() -> TypeInfo {
        TypeInfo::new("PositiveInteger").with_format(Self::EXPECTED)
    }
}

impl fmt::Display for PositiveInteger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl From<PositiveInteger> for u64 {
    fn from(value: PositiveInteger) -> u64 {
        value.0
    }
}

text_conversions!(PositiveInteger);
integer_conversions!(PositiveInteger);

/// The sample rate of the audio system, in Hz (`audio.sample_rate`).
///
/// A positive integer, one of the rates the audio system runs at:
/// [`SampleRate::SUPPORTED`] = 8000, 16000, 32000, 44100 and 48000. Stored as the decimal text,
/// e.g. `44100`.
///
/// ```
/// use sipcfg_settings::datatypes::SampleRate;
///
/// assert_eq!(SampleRate::new(44100)?.get(), 44100);
/// let err = SampleRate::new(22050).unwrap_err();
/// assert!(err.message().contains("8000, 16000, 32000, 44100 or 48000"));
/// # Ok::<(), sipcfg::ValueError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SampleRate(u32);

impl SampleRate {
    /// The accepted rates, in Hz.
    pub const SUPPORTED: [u32; 5] = [8000, 16000, 32000, 44100, 48000];

    const EXPECTED: &'static str = "a sample rate in Hz: 8000, 16000, 32000, 44100 or 48000";

    /// The rate, or an error if it is not one of [`SampleRate::SUPPORTED`].
    pub fn new(value: impl Into<i128>) -> Result<Self, ValueError> {
        let value = value.into();
        Self::from_wide(value).ok_or_else(|| ValueError::expected(Self::EXPECTED, value))
    }

    /// The rate in Hz.
    pub const fn get(self) -> u32 {
        self.0
    }

    fn from_wide(value: i128) -> Option<Self> {
        u32::try_from(value)
            .ok()
            .filter(|rate| Self::SUPPORTED.contains(rate))
            .map(SampleRate)
    }
}

impl SettingType for SampleRate {
    fn from_stored(value: &Value) -> Result<Self, ValueError> {
        parse_integer(expect_string(value)?, Self::EXPECTED, Self::from_wide)
    }

    fn to_stored(&self) -> Value {
        Value::String(self.0.to_string())
    }

    fn type_info() -> TypeInfo {
        TypeInfo::new("SampleRate")
            .with_format("a sample rate in Hz")
            .with_allowed_values(Self::SUPPORTED.iter().map(u32::to_string))
    }
}

impl fmt::Display for SampleRate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl From<SampleRate> for u32 {
    fn from(value: SampleRate) -> u32 {
        value.0
    }
}

text_conversions!(SampleRate);
integer_conversions!(SampleRate);
