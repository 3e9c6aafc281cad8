//! Network addresses: [`Hostname`], [`SIPAddress`], [`SIPProxyAddress`], [`MSRPRelayAddress`],
//! [`STUNServerAddress`], [`STUNServerAddressList`] and [`XCAPRoot`].

use std::borrow::Borrow;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::ops::Deref;

use sipcfg::{expect_string, ObjectId, SettingType, TypeInfo, Value, ValueError};

use super::{python_repr, MSRPTransport, SIPTransport};

/// What a host name must look like, for error messages.
const HOSTNAME_EXPECTED: &str =
    "a host name (DNS labels of letters, digits and hyphens) or an IPv4 or IPv6 address";

/// The IP address that `text` is, bracketed (`[::1]`) or not, if it is one.
fn ip_of(text: &str) -> Option<IpAddr> {
    if let Some(inner) = text.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
        return inner.parse::<Ipv6Addr>().ok().map(IpAddr::V6);
    }
    if text.contains(':') {
        return text.parse::<Ipv6Addr>().ok().map(IpAddr::V6);
    }
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return text.parse::<Ipv4Addr>().ok().map(IpAddr::V4);
    }
    None
}

/// Whether `text` is a DNS name: labels of 1 to 63 letters, digits and hyphens, not starting or
/// ending with a hyphen, 253 characters at most in all.
fn is_dns_name(text: &str) -> bool {
    text.len() <= 253
        && text.split('.').all(|label| {
            (1..=63).contains(&label.len())
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

/// Whether `text` is a valid host: a DNS name, or an IPv4 or IPv6 address. A text of digits and
/// dots only must be an IPv4 address, and one with a colon an IPv6 address.
fn is_valid_host(text: &str) -> bool {
    let looks_like_ip = text.starts_with('[')
        || text.contains(':')
        || text.bytes().all(|b| b.is_ascii_digit() || b == b'.');
    if looks_like_ip {
        ip_of(text).is_some()
    } else {
        is_dns_name(text)
    }
}

/// A host: a DNS name or an IP address.
///
/// Accepts a DNS name (labels of 1 to 63 ASCII letters, digits and hyphens, no label starting
/// or ending with a hyphen, 253 characters at most, no trailing dot), an IPv4 address
/// (`192.0.2.1`) or an IPv6 address, bracketed (`[2001:db8::1]`) or not (`2001:db8::1`).
/// Surrounding white space is ignored; otherwise stored as given (case kept).
///
/// ```
/// use sipcfg_settings::datatypes::Hostname;
///
/// assert_eq!(Hostname::new("sip.example.com")?.as_str(), "sip.example.com");
/// assert!(Hostname::new("[::1]")?.ip().is_some());
/// assert!(Hostname::new("-bad-.example.com").is_err());
/// assert!(Hostname::new("300.1.2.3").is_err());
/// # Ok::<(), sipcfg::ValueError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Hostname(String);

impl Hostname {
    /// The host, or an error if `host` is not a valid host name or IP address.
    pub fn new(host: impl AsRef<str>) -> Result<Self, ValueError> {
        let text = host.as_ref();
        let trimmed = text.trim();
        if is_valid_host(trimmed) {
            Ok(Hostname(trimmed.to_owned()))
        } else {
            Err(ValueError::expected(HOSTNAME_EXPECTED, text))
        }
    }

    /// The host as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The IP address, if the host is one.
    pub fn ip(&self) -> Option<IpAddr> {
        ip_of(&self.0)
    }

    /// The host as written before `:port`: an IPv6 address in brackets, anything else as is.
    fn bracketed(self) -> Hostname {
        if !self.0.starts_with('[') && self.0.contains(':') {
            Hostname(format!("[{}]", self.0))
        } else {
            self
        }
    }
}

impl SettingType for Hostname {
    fn from_stored(value: &Value) -> Result<Self, ValueError> {
        Hostname::new(expect_string(value)?)
    }

    fn to_stored(&self) -> Value {
        Value::String(self.0.clone())
    }

    fn type_info() -> TypeInfo {
        TypeInfo::new("Hostname").with_format(HOSTNAME_EXPECTED)
    }
}

impl fmt::Display for Hostname {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Deref for Hostname {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Hostname {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for Hostname {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl PartialEq<str> for Hostname {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for Hostname {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl From<Hostname> for String {
    fn from(host: Hostname) -> String {
        host.0
    }
}

impl From<IpAddr> for Hostname {
    fn from(ip: IpAddr) -> Hostname {
        Hostname(ip.to_string())
    }
}

text_conversions!(Hostname);
text_into_setting!(Hostname);

/// A SIP address `user@domain` (an account's id).
///
/// The user part is not empty and has no white space, control character or `@`; the domain is
/// a valid [`Hostname`]. Surrounding white space and a leading `sip:` are dropped. Stored as
/// `user@domain`. Derefs to `str`, so it can be used as a string.
///
/// ```
/// use sipcfg_settings::datatypes::SIPAddress;
///
/// let id = SIPAddress::new("alice@example.com")?;
/// assert_eq!((id.username(), id.domain()), ("alice", "example.com"));
/// assert_eq!(id, "alice@example.com");
/// assert!(SIPAddress::new("alice").is_err());
/// # Ok::<(), sipcfg::ValueError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SIPAddress(String);

impl SIPAddress {
    const EXPECTED: &'static str = "a SIP address \"user@domain\"";

    /// The address, or an error if it is not `user@domain` with a valid user and domain.
    pub fn new(address: impl AsRef<str>) -> Result<Self, ValueError> {
        let original = address.as_ref();
        let text = original.trim();
        let text = match text.get(..4) {
            Some(prefix) if prefix.eq_ignore_ascii_case("sip:") => &text[4..],
            _ => text,
        };
        let fail = |detail: String| {
            ValueError::new(format!(
                "expected {}, found {original:?} ({detail})",
                Self::EXPECTED
            ))
        };
        let Some((user, domain)) = text.split_once('@') else {
            return Err(fail("no \"@\"".to_owned()));
        };
        Self::check_user(user).map_err(&fail)?;
        if domain.contains('@') {
            return Err(fail("more than one \"@\"".to_owned()));
        }
        if !is_valid_host(domain) {
            return Err(fail(format!("{domain:?} is not a valid domain")));
        }
        Ok(SIPAddress(text.to_owned()))
    }

    /// The address `username@domain`, or an error if either part is invalid.
    pub fn from_parts(username: &str, domain: &str) -> Result<Self, ValueError> {
        Self::check_user(username).map_err(|detail| {
            ValueError::new(format!(
                "expected a SIP user name, found {username:?} ({detail})"
            ))
        })?;
        let domain = Hostname::new(domain)?;
        Ok(SIPAddress(format!("{username}@{domain}")))
    }

    fn check_user(user: &str) -> Result<(), String> {
        if user.is_empty() {
            Err("the user part is empty".to_owned())
        } else if user.chars().any(|c| c.is_whitespace() || c.is_control()) {
            Err("the user part contains white space".to_owned())
        } else if user.contains('@') {
            Err("the user part contains \"@\"".to_owned())
        } else {
            Ok(())
        }
    }

    /// The user part (before the `@`).
    pub fn username(&self) -> &str {
        self.0.split_once('@').map_or("", |(user, _)| user)
    }

    /// The domain part (after the `@`).
    pub fn domain(&self) -> &str {
        self.0.split_once('@').map_or("", |(_, domain)| domain)
    }

    /// The address as stored, `user@domain`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl SettingType for SIPAddress {
    fn from_stored(value: &Value) -> Result<Self, ValueError> {
        SIPAddress::new(expect_string(value)?)
    }

    fn to_stored(&self) -> Value {
        Value::String(self.0.clone())
    }

    fn type_info() -> TypeInfo {
        TypeInfo::new("SIPAddress").with_format("user@domain")
    }
}

/// The id type of [`Account`](crate::Account): surrounding white space and a leading `sip:` or
/// `sips:` (in any case) are dropped, other URI schemes refused
/// ([`account_id`](crate::account_manager::account_id)); the address is stored as
/// `user@domain`, the domain in the case it was written.
impl ObjectId for SIPAddress {
    fn parse_id(text: &str) -> Result<Self, ValueError> {
        SIPAddress::new(crate::account_manager::strip_sip_scheme(text)?)
    }

    fn id_text(&self) -> String {
        self.0.clone()
    }
}

impl fmt::Display for SIPAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Deref for SIPAddress {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for SIPAddress {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for SIPAddress {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl PartialEq<str> for SIPAddress {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for SIPAddress {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl From<SIPAddress> for String {
    fn from(address: SIPAddress) -> String {
        address.0
    }
}

text_conversions!(SIPAddress);
text_into_setting!(SIPAddress);

/// Splits `host[:port]`: a bracketed IPv6 host may be followed by `:port`; a text with more
/// than one colon is an unbracketed IPv6 address without a port.
fn split_host_port(text: &str) -> (&str, Option<&str>) {
    if text.starts_with('[') {
        if let Some(close) = text.find(']') {
            let (host, after) = text.split_at(close + 1);
            if let Some(port) = after.strip_prefix(':') {
                return (host, Some(port));
            }
            if after.is_empty() {
                return (host, None);
            }
        }
        return (text, None);
    }
    if text.matches(':').count() > 1 {
        return (text, None);
    }
    match text.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (text, None),
    }
}

/// A port of an address: decimal, from 1 to 65535.
fn parse_address_port(port: &str) -> Result<u16, String> {
    match port.parse::<u16>() {
        Ok(n) if n >= 1 && port.bytes().all(|b| b.is_ascii_digit()) => Ok(n),
        _ => Err(format!("the port {port:?} is not from 1 to 65535")),
    }
}

/// The parts of `host[:port][;transport=word]`: the host (bracketed if IPv6), the port (or
/// `default_port`) and the transport word, if given. Errors are details for the caller's
/// message.
fn parse_address(
    text: &str,
    default_port: u16,
    allow_transport: bool,
) -> Result<(Hostname, u16, Option<&str>), String> {
    let (address, params) = match text.split_once(';') {
        Some((address, params)) => (address, Some(params)),
        None => (text, None),
    };
    let transport = match params {
        None => None,
        Some(_) if !allow_transport => return Err("parameters are not allowed".to_owned()),
        Some(params) => {
            let mut transport = None;
            for param in params.split(';') {
                match param.split_once('=') {
                    Some((name, value)) if name.trim().eq_ignore_ascii_case("transport") => {
                        if transport.replace(value.trim()).is_some() {
                            return Err("the transport is given twice".to_owned());
                        }
                    }
                    _ => {
                        return Err(format!(
                            "unknown parameter {param:?} (only \"transport=...\" is allowed)"
                        ))
                    }
                }
            }
            transport
        }
    };
    let (host, port) = split_host_port(address.trim());
    if !is_valid_host(host) {
        return Err(format!("{host:?} is not a valid host name or IP address"));
    }
    let port = match port {
        Some(port) => parse_address_port(port)?,
        None => default_port,
    };
    Ok((Hostname(host.to_owned()).bracketed(), port, transport))
}

/// Checks the host and port given to an address constructor.
fn address_parts(host: &str, port: u16, expected: &str) -> Result<Hostname, ValueError> {
    if port == 0 {
        return Err(ValueError::new(format!(
            "expected {expected} with a port from 1 to 65535, found port 0"
        )));
    }
    Ok(Hostname::new(host)?.bracketed())
}

macro_rules! transport_address {
    (
        $(#[$meta:meta])*
        $name:ident, $transport:ty,
        default_port: $port:literal,
        default_transport: $default_transport:expr,
        expected: $expected:literal
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub struct $name {
            host: Hostname,
            port: u16,
            transport: $transport,
        }

        impl $name {
            /// The port used when none is given.
            pub const DEFAULT_PORT: u16 = $port;
            /// The transport used when none is given.
            pub const DEFAULT_TRANSPORT: $transport = $default_transport;

            const EXPECTED: &'static str = $expected;

            /// The address of `host` (a host name or IP address) at `port` (1 to 65535) over
            /// `transport`.
            pub fn new(
                host: impl AsRef<str>,
                port: u16,
                transport: $transport,
            ) -> Result<Self, ValueError> {
                let host = address_parts(host.as_ref(), port, Self::EXPECTED)?;
                Ok($name { host, port, transport })
            }

            /// The address of `host` with the default port and transport.
            pub fn with_host(host: impl AsRef<str>) -> Result<Self, ValueError> {
                Self::new(host, Self::DEFAULT_PORT, Self::DEFAULT_TRANSPORT)
            }

            /// The host (an IPv6 address in brackets).
            pub fn host(&self) -> &Hostname {
                &self.host
            }

            /// The port.
            pub fn port(&self) -> u16 {
                self.port
            }

            /// The transport.
            pub fn transport(&self) -> $transport {
                self.transport
            }
        }

        #[cfg(feature = "serde")]
        ::sipcfg::serde_via_stored!($name);

        impl SettingType for $name {
            fn from_stored(value: &Value) -> Result<Self, ValueError> {
                let text = expect_string(value)?;
                let fail = |detail: String| {
                    ValueError::new(format!(
                        "expected {}, found {text:?} ({detail})",
                        Self::EXPECTED
                    ))
                };
                let (host, port, transport) =
                    parse_address(text.trim(), Self::DEFAULT_PORT, true).map_err(&fail)?;
                let transport = match transport {
                    None => Self::DEFAULT_TRANSPORT,
                    Some(word) => <$transport>::from_word(word).ok_or_else(|| {
                        let allowed: Vec<&str> =
                            <$transport>::ALL.iter().map(|t| t.as_str()).collect();
                        fail(format!(
                            "unknown transport {word:?}, expected one of {}",
                            allowed.join(", ")
                        ))
                    })?,
                };
                Ok($name { host, port, transport })
            }

            fn to_stored(&self) -> Value {
                Value::String(self.to_string())
            }

            fn display(&self) -> String {
                format!(
                    "{}({}, port={}, transport={})",
                    stringify!($name),
                    python_repr(&self.host),
                    self.port,
                    python_repr(self.transport.as_str())
                )
            }

            fn type_info() -> TypeInfo {
                TypeInfo::new(stringify!($name)).with_format(Self::EXPECTED)
            }
        }

        /// The stored form, `host:port;transport=word`.
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}:{};transport={}", self.host, self.port, self.transport)
            }
        }

        text_conversions!($name);
        text_into_setting!($name);
    };
}

transport_address! {
    /// A SIP proxy (`sip.outbound_proxy`): `host[:port][;transport=udp|tcp|tls]`.
    ///
    /// The port defaults to 5060 (it must be from 1 to 65535) and the transport to `udp`; an
    /// IPv6 host is written in brackets. Always stored with the port and transport,
    /// `sip.example.com:5060;transport=udp`; shown as
    /// `SIPProxyAddress('sip.example.com', port=5060, transport='udp')`.
    ///
    /// ```
    /// use sipcfg::SettingType;
    /// use sipcfg_settings::datatypes::{SIPProxyAddress, SIPTransport};
    ///
    /// let proxy: SIPProxyAddress = "sip.example.com".parse()?;
    /// assert_eq!(proxy.to_string(), "sip.example.com:5060;transport=udp");
    /// assert_eq!(proxy.display(), "SIPProxyAddress('sip.example.com', port=5060, transport='udp')");
    /// let tls: SIPProxyAddress = "[2001:db8::1]:5061;transport=TLS".parse()?;
    /// assert_eq!((tls.port(), tls.transport()), (5061, SIPTransport::Tls));
    /// # Ok::<(), sipcfg::ValueError>(())
    /// ```
    SIPProxyAddress, SIPTransport,
    default_port: 5060,
    default_transport: SIPTransport::Udp,
    expected: "a SIP proxy address \"host[:port][;transport=udp|tcp|tls]\""
}

transport_address! {
    /// An MSRP relay (`nat_traversal.msrp_relay`): `host[:port][;transport=tcp|tls]`.
    ///
    /// The port defaults to 2855 (it must be from 1 to 65535) and the transport to `tls`; an
    /// IPv6 host is written in brackets. Always stored with the port and transport,
    /// `relay.example.com:2855;transport=tls`; shown as
    /// `MSRPRelayAddress('relay.example.com', port=2855, transport='tls')`.
    ///
    /// ```
    /// use sipcfg::SettingType;
    /// use sipcfg_settings::datatypes::MSRPRelayAddress;
    ///
    /// let relay = MSRPRelayAddress::with_host("relay.example.com")?;
    /// assert_eq!(relay.to_string(), "relay.example.com:2855;transport=tls");
    /// assert_eq!(relay.display(), "MSRPRelayAddress('relay.example.com', port=2855, transport='tls')");
    /// assert!("relay.example.com;transport=udp".parse::<MSRPRelayAddress>().is_err());
    /// # Ok::<(), sipcfg::ValueError>(())
    /// ```
    MSRPRelayAddress, MSRPTransport,
    default_port: 2855,
    default_transport: MSRPTransport::Tls,
    expected: "an MSRP relay address \"host[:port][;transport=tcp|tls]\""
}

/// A STUN server: `host[:port]`, the port defaulting to 3478 (it must be from 1 to 65535).
///
/// An IPv6 host is written in brackets. Always stored with the port, `stun.example.com:3478`;
/// shown as `STUNServerAddress('stun.example.com', port=3478)`.
///
/// ```
/// use sipcfg::SettingType;
/// use sipcfg_settings::datatypes::STUNServerAddress;
///
/// let stun: STUNServerAddress = "stun.example.com".parse()?;
/// assert_eq!(stun.to_string(), "stun.example.com:3478");
/// assert_eq!(stun.display(), "STUNServerAddress('stun.example.com', port=3478)");
/// # Ok::<(), sipcfg::ValueError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct STUNServerAddress {
    host: Hostname,
    port: u16,
}

impl STUNServerAddress {
    /// The port used when none is given.
    pub const DEFAULT_PORT: u16 = 3478;

    const EXPECTED: &'static str = "a STUN server address \"host[:port]\"";

    /// The STUN server at `host` (a host name or IP address) and `port` (1 to 65535).
    pub fn new(host: impl AsRef<str>, port: u16) -> Result<Self, ValueError> {
        let host = address_parts(host.as_ref(), port, Self::EXPECTED)?;
        Ok(STUNServerAddress { host, port })
    }

    /// The STUN server at `host` on the default port 3478.
    pub fn with_host(host: impl AsRef<str>) -> Result<Self, ValueError> {
        Self::new(host, Self::DEFAULT_PORT)
    }

    /// The host (an IPv6 address in brackets).
    pub fn host(&self) -> &Hostname {
        &self.host
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.port
    }
}

impl SettingType for STUNServerAddress {
    fn from_stored(value: &Value) -> Result<Self, ValueError> {
        let text = expect_string(value)?;
        let (host, port, _) =
            parse_address(text.trim(), Self::DEFAULT_PORT, false).map_err(|detail| {
                ValueError::new(format!(
                    "expected {}, found {text:?} ({detail})",
                    Self::EXPECTED
                ))
            })?;
        Ok(STUNServerAddress { host, port })
    }

    fn to_stored(&self) -> Value {
        Value::String(self.to_string())
    }

    fn display(&self) -> String {
        format!(
            "STUNServerAddress({}, port={})",
            python_repr(&self.host),
            self.port
        )
    }

    fn type_info() -> TypeInfo {
        TypeInfo::new("STUNServerAddress").with_format(Self::EXPECTED)
    }
}

/// The stored form, `host:port`.
impl fmt::Display for STUNServerAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.host, self.port)
    }
}

text_conversions!(STUNServerAddress);
text_into_setting!(STUNServerAddress);

list_type! {
    /// The STUN servers to use (`nat_traversal.stun_server_list`): items of
    /// [`STUNServerAddress`], in order (the same server may appear twice).
    ///
    /// Stored as a list of `host:port` strings; typed comma-separated; shown as
    /// `STUNServerAddressList([STUNServerAddress('a', port=3478), ...])`.
    ///
    /// ```
    /// use sipcfg::SettingType;
    /// use sipcfg_settings::datatypes::STUNServerAddressList;
    ///
    /// let list: STUNServerAddressList = "stun1.example.com, stun2.example.com:3479".parse()?;
    /// assert_eq!(list.len(), 2);
    /// assert_eq!(
    ///     list.display(),
    ///     "STUNServerAddressList([STUNServerAddress('stun1.example.com', port=3478), \
    ///      STUNServerAddress('stun2.example.com', port=3479)])"
    /// );
    /// # Ok::<(), sipcfg::ValueError>(())
    /// ```
    pub struct STUNServerAddressList(STUNServerAddress) {
        what: "STUN server addresses",
        unique: false,
        show: |item: &STUNServerAddress| item.display(),
    }
}

/// The XCAP root of an account (`xcap.xcap_root`): an `http` or `https` URL.
///
/// The URL has a valid host (a [`Hostname`]; IPv6 in brackets), an optional port from 1 to
/// 65535, optional user information, and no parameters (`;`), query (`?`) or fragment (`#`);
/// white space and the characters `<>"{}|\^` and backquote are refused. Stored as given
/// (surrounding white space dropped; a trailing slash kept or not, as given), e.g.
/// `https://xcap.example.com/xcap-root/`.
///
/// ```
/// use sipcfg_settings::datatypes::XCAPRoot;
///
/// let root = XCAPRoot::new("https://xcap.example.com:8443/xcap-root/")?;
/// assert_eq!((root.scheme(), root.host().as_str(), root.port()), ("https", "xcap.example.com", Some(8443)));
/// assert!(XCAPRoot::new("ftp://xcap.example.com/").is_err());
/// assert!(XCAPRoot::new("https://xcap.example.com/?a=b").is_err());
/// # Ok::<(), sipcfg::ValueError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct XCAPRoot {
    text: String,
    host: Hostname,
    port: Option<u16>,
    secure: bool,
}

impl XCAPRoot {
    const EXPECTED: &'static str =
        "an XCAP root: an http or https URL without parameters, query or fragment";

    /// The XCAP root, or an error saying what is wrong with the URL.
    pub fn new(url: impl AsRef<str>) -> Result<Self, ValueError> {
        let original = url.as_ref();
        let text = original.trim();
        Self::parse(text).map_err(|detail| {
            ValueError::new(format!(
                "expected {}, found {original:?} ({detail})",
                Self::EXPECTED
            ))
        })
    }

    fn parse(text: &str) -> Result<Self, String> {
        if let Some(bad) = text
            .chars()
            .find(|&c| c.is_whitespace() || c.is_control() || "<>\"{}|\\^`".contains(c))
        {
            return Err(format!("the character {bad:?} is not allowed in a URL"));
        }
        let Some((scheme, rest)) = text.split_once("://") else {
            return Err("not a URL \"scheme://host/path\"".to_owned());
        };
        let secure = if scheme.eq_ignore_ascii_case("https") {
            true
        } else if scheme.eq_ignore_ascii_case("http") {
            false
        } else {
            return Err(format!("the scheme {scheme:?} is not http or https"));
        };
        let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(authority_end);
        if let Some(position) = tail.find([';', '?', '#']) {
            let what = match tail[position..].chars().next() {
                Some(';') => "parameters",
                Some('?') => "a query",
                _ => "a fragment",
            };
            return Err(format!("the URL has {what}"));
        }
        let host_port = authority.rsplit_once('@').map_or(authority, |(_, hp)| hp);
        if host_port.contains(';') {
            return Err("the URL has parameters".to_owned());
        }
        let (host, port) = split_host_port(host_port);
        if host.is_empty() {
            return Err("the URL has no host".to_owned());
        }
        let ipv6_unbracketed = !host.starts_with('[') && host.contains(':');
        if ipv6_unbracketed || !is_valid_host(host) {
            return Err(format!("{host:?} is not a valid host name or IP address"));
        }
        let port = port.map(parse_address_port).transpose()?;
        Ok(XCAPRoot {
            text: text.to_owned(),
            host: Hostname(host.to_owned()),
            port,
            secure,
        })
    }

    /// The URL as stored.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// `http` or `https` (in lower case, whatever case the URL uses).
    pub fn scheme(&self) -> &'static str {
        if self.secure {
            "https"
        } else {
            "http"
        }
    }

    /// The host of the URL.
    pub fn host(&self) -> &Hostname {
        &self.host
    }

    /// The port of the URL, if it gives one.
    pub fn port(&self) -> Option<u16> {
        self.port
    }
}

impl SettingType for XCAPRoot {
    fn from_stored(value: &Value) -> Result<Self, ValueError> {
        XCAPRoot::new(expect_string(value)?)
    }

    fn to_stored(&self) -> Value {
        Value::String(self.text.clone())
    }

    fn type_info() -> TypeInfo {
        TypeInfo::new("XCAPRoot").with_format(
            "an http or https URL without parameters, query or fragment, e.g. https://xcap.example.com/xcap-root",
        )
    }
}

impl fmt::Display for XCAPRoot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Deref for XCAPRoot {
    type Target = str;

    fn deref(&self) -> &str {
        &self.text
    }
}

impl AsRef<str> for XCAPRoot {
    fn as_ref(&self) -> &str {
        &self.text
    }
}

text_conversions!(XCAPRoot);
text_into_setting!(XCAPRoot);
