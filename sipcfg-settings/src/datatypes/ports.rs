//! Port datatypes: [`Port`] and [`PortRange`].

use std::fmt;

use sipcfg::{expect_string, SettingType, TypeInfo, Value, ValueError};

use super::numbers::parse_integer;

/// A TCP or UDP port number from 0 to 65535 (`sip.udp_port`, `sip.tcp_port`, `sip.tls_port`);
/// 0 means "allocate one automatically".
///
/// Stored as the decimal text, e.g. `5060`.
///
/// ```
/// use sipcfg_settings::datatypes::Port;
///
/// assert_eq!(Port::new(5060)?.get(), 5060);
/// assert_eq!(Port::try_from("0")?, Port::from_u16(0));
/// assert!(Port::new(70000).is_err());
/// # Ok::<(), sipcfg::ValueError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Port(u16);

impl Port {
    const EXPECTED: &'static str = "a port number from 0 to 65535";

    /// The port, or an error if the number is not from 0 to 65535.
    pub fn new(value: impl Into<i128>) -> Result<Self, ValueError> {
        let value = value.into();
        u16::try_from(value)
            .map(Port)
            .map_err(|_| ValueError::expected(Self::EXPECTED, value))
    }

    /// The port (every `u16` is valid).
    pub const fn from_u16(port: u16) -> Self {
        Port(port)
    }

    /// The port number.
    pub const fn get(self) -> u16 {
        self.0
    }
}

impl SettingType for Port {
    fn from_stored(value: &Value) -> Result<Self, ValueError> {
        parse_integer(expect_string(value)?, Self::EXPECTED, |n| {
            u16::try_from(n).ok().map(Port)
        })
    }

    fn to_stored(&self) -> Value {
        Value::String(self.0.to_string())
    }

    fn type_info() -> TypeInfo {
        TypeInfo::new("Port").with_format("an integer from 0 to 65535 (0: allocated automatically)")
    }
}

impl fmt::Display for Port {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl From<Port> for u16 {
    fn from(port: Port) -> u16 {
        port.0
    }
}

text_conversions!(Port);
integer_conversions!(Port);

/// A range of ports, both ends included (`rtp.port_range`): both from 1 to 65535 and the start
/// not above the end.
///
/// Stored as `start-end`, e.g. `50000-50500`; shown as `PortRange(start=50000, end=50500)`.
///
/// ```
/// use sipcfg::SettingType;
/// use sipcfg_settings::datatypes::PortRange;
///
/// let range = PortRange::new(50000, 50500)?;
/// assert_eq!(range.to_string(), "50000-50500");
/// assert_eq!(range.display(), "PortRange(start=50000, end=50500)");
/// assert_eq!("50000 - 50500".parse::<PortRange>()?, range);
/// assert!(PortRange::new(50500, 50000).is_err());
/// # Ok::<(), sipcfg::ValueError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PortRange {
    start: u16,
    end: u16,
}

impl PortRange {
    const EXPECTED: &'static str =
        "a port range \"start-end\" with both ports from 1 to 65535, e.g. \"50000-50500\"";

    /// The range `start..=end`, or an error if a port is 0 or `start > end`.
    pub fn new(start: u16, end: u16) -> Result<Self, ValueError> {
        Self::check(start, end).map_err(|what| {
            ValueError::new(format!("expected {what}, found start={start}, end={end}"))
        })
    }

    /// The first port of the range.
    pub const fn start(self) -> u16 {
        self.start
    }

    /// The last port of the range (included).
    pub const fn end(self) -> u16 {
        self.end
    }

    /// Whether `port` is in the range.
    pub const fn contains(self, port: u16) -> bool {
        self.start <= port && port <= self.end
    }

    /// How many ports the range holds.
    pub const fn len(self) -> u32 {
        self.end as u32 - self.start as u32 + 1
    }

    /// Always false: a range holds at least one port (for symmetry with [`len`](Self::len)).
    pub const fn is_empty(self) -> bool {
        false
    }

    fn check(start: u16, end: u16) -> Result<Self, &'static str> {
        if start == 0 || end == 0 {
            Err("ports from 1 to 65535")
        } else if start > end {
            Err("a start port not above the end port")
        } else {
            Ok(PortRange { start, end })
        }
    }
}

impl SettingType for PortRange {
    fn from_stored(value: &Value) -> Result<Self, ValueError> {
        let text = expect_string(value)?;
        let (start, end) = text
            .split_once('-')
            .and_then(|(start, end)| {
                let start = start.trim().parse::<u16>().ok()?;
                let end = end.trim().parse::<u16>().ok()?;
                Some((start, end))
            })
            .ok_or_else(|| ValueError::expected(Self::EXPECTED, text))?;
        Self::check(start, end).map_err(|what| ValueError::expected(what, text))
    }

    fn to_stored(&self) -> Value {
        Value::String(self.to_string())
    }

    fn display(&self) -> String {
        format!("PortRange(start={}, end={})", self.start, self.end)
    }

    fn type_info() -> TypeInfo {
        TypeInfo::new("PortRange").with_format(
            "start-end, both ports from 1 to 65535 and start not above end, e.g. 50000-50500",
        )
    }
}

impl fmt::Display for PortRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.start, self.end)
    }
}

impl TryFrom<(u16, u16)> for PortRange {
    type Error = ValueError;

    fn try_from((start, end): (u16, u16)) -> Result<Self, ValueError> {
        PortRange::new(start, end)
    }
}

impl TryFrom<std::ops::RangeInclusive<u16>> for PortRange {
    type Error = ValueError;

    fn try_from(range: std::ops::RangeInclusive<u16>) -> Result<Self, ValueError> {
        PortRange::new(*range.start(), *range.end())
    }
}

impl From<PortRange> for std::ops::RangeInclusive<u16> {
    fn from(range: PortRange) -> Self {
        range.start..=range.end
    }
}

text_conversions!(PortRange);
sipcfg::into_setting!(PortRange: (u16, u16), std::ops::RangeInclusive<u16>);
