//! The datatypes of the SIP SIMPLE settings: valid and invalid inputs, the error messages, the
//! stored and shown forms, and round trips through the stored form.

use std::collections::HashSet;
use std::fmt::{Debug, Display};
use std::path::PathBuf;
use std::str::FromStr;

use proptest::prelude::*;
use sipcfg::{IntoSetting, SettingType, Value, ValueError};
use sipcfg_settings::datatypes::*;

// ---------------------------------------------------------------------------------------------
// Helpers

/// Parses `text` as a person types it, panicking with the error if it is refused.
fn ok<T: SettingType>(text: &str) -> T {
    match T::parse_text(text) {
        Ok(value) => value,
        Err(error) => panic!("{text:?} refused as {}: {error}", T::type_info().name),
    }
}

/// The error for `text`, panicking if it is accepted.
fn err<T: SettingType>(text: &str) -> String {
    match T::parse_text(text) {
        Ok(value) => panic!("{text:?} accepted as {}: {value:?}", T::type_info().name),
        Err(error) => error.message().to_owned(),
    }
}

/// Asserts that `text` is refused with a message that starts with "expected", mentions each of
/// `needles` and shows the input.
fn rejects<T: SettingType>(text: &str, needles: &[&str]) {
    let message = err::<T>(text);
    assert!(
        message.starts_with("expected "),
        "{text:?}: message does not say what was expected: {message}"
    );
    for needle in needles {
        assert!(
            message.contains(needle),
            "{text:?}: message does not mention {needle:?}: {message}"
        );
    }
    assert!(
        message.contains(&format!("{text:?}")),
        "{text:?}: message does not show the input: {message}"
    );
}

/// Checks every round trip: stored form, `Display`/`FromStr`, the text conversions.
fn round_trips<T>(value: &T)
where
    T: SettingType + Eq + Display + FromStr<Err = ValueError>,
    T: for<'a> TryFrom<&'a str, Error = ValueError> + TryFrom<String, Error = ValueError>,
{
    let stored = value.to_stored();
    assert_eq!(
        T::from_stored(&stored).as_ref(),
        Ok(value),
        "stored {stored:?}"
    );
    let text = value.to_string();
    assert_eq!(text.parse::<T>().as_ref(), Ok(value), "text {text:?}");
    assert_eq!(T::try_from(text.as_str()).as_ref(), Ok(value));
    assert_eq!(T::try_from(text.clone()).as_ref(), Ok(value));
    if let Value::String(stored_text) = &stored {
        assert_eq!(stored_text, &text, "Display is the stored text");
    }
}

/// The stored string of a scalar value.
fn stored_text<T: SettingType>(value: &T) -> String {
    match value.to_stored() {
        Value::String(text) => text,
        other => panic!("expected a stored string, found {other:?}"),
    }
}

/// The stored items of a list value.
fn stored_items<T: SettingType>(value: &T) -> Vec<String> {
    match value.to_stored() {
        Value::List(items) => items,
        other => panic!("expected a stored list, found {other:?}"),
    }
}

fn assert_refuses_non_strings<T: SettingType>() {
    for value in [Value::Nothing, Value::List(vec!["1".into()])] {
        let error = T::from_stored(&value).unwrap_err();
        assert!(
            error.message().starts_with("expected"),
            "{}: {error}",
            T::type_info().name
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Numbers

#[test]
fn non_negative_integer_accepts_zero_and_up() {
    for (text, expected) in [
        ("0", 0),
        ("5", 5),
        ("3600", 3600),
        (" 42 ", 42),
        ("18446744073709551615", u64::MAX),
    ] {
        let value: NonNegativeInteger = ok(text);
        assert_eq!(value.get(), expected);
        assert_eq!(stored_text(&value), expected.to_string());
        assert_eq!(value.display(), expected.to_string());
        round_trips(&value);
    }
    assert_eq!(
        NonNegativeInteger::new(200).map(NonNegativeInteger::get),
        Ok(200)
    );
    assert_eq!(NonNegativeInteger::from_u64(7).get(), 7);
    assert_eq!(u64::from(NonNegativeInteger::from_u64(9)), 9);
}

#[test]
fn non_negative_integer_refuses_negatives_and_non_numbers() {
    for text in [
        "-1",
        "-3600",
        "abc",
        "1.5",
        "",
        "1e3",
        "0x10",
        "18446744073709551616",
    ] {
        rejects::<NonNegativeInteger>(text, &["non-negative integer"]);
    }
    let error = NonNegativeInteger::new(-1).unwrap_err();
    assert_eq!(
        error.message(),
        "expected a non-negative integer (0 to 18446744073709551615), found -1"
    );
    assert!(NonNegativeInteger::try_from(-5i32).is_err());
    assert!(NonNegativeInteger::try_from(-5i64).is_err());
    assert_eq!(NonNegativeInteger::try_from(5u32).map(|n| n.get()), Ok(5));
    assert_eq!(
        NonNegativeInteger::try_from(u64::MAX).map(|n| n.get()),
        Ok(u64::MAX)
    );
    assert_refuses_non_strings::<NonNegativeInteger>();
}

#[test]
fn positive_integer_starts_at_one() {
    for text in ["1", "600", "18446744073709551615"] {
        let value: PositiveInteger = ok(text);
        assert_eq!(value.get().to_string(), text);
        round_trips(&value);
    }
    for text in ["0", "-3", "x", "", "18446744073709551616"] {
        rejects::<PositiveInteger>(text, &["positive integer"]);
    }
    assert!(PositiveInteger::new(0).is_err());
    assert!(PositiveInteger::try_from(0u16).is_err());
    assert_eq!(PositiveInteger::try_from(3usize).map(u64::from), Ok(3));
}

#[test]
fn sample_rate_accepts_the_supported_rates_only() {
    for rate in SampleRate::SUPPORTED {
        let value: SampleRate = ok(&rate.to_string());
        assert_eq!(value.get(), rate);
        round_trips(&value);
    }
    for text in ["22050", "0", "-8000", "44.1k", ""] {
        rejects::<SampleRate>(text, &["8000, 16000, 32000, 44100 or 48000"]);
    }
    assert!(SampleRate::new(11025).is_err());
    assert_eq!(SampleRate::try_from(44100u32).map(u32::from), Ok(44100));
    assert_eq!(
        SampleRate::type_info().allowed_values,
        Some(vec![
            "8000".to_owned(),
            "16000".to_owned(),
            "32000".to_owned(),
            "44100".to_owned(),
            "48000".to_owned()
        ])
    );
}

// ---------------------------------------------------------------------------------------------
// Ports

#[test]
fn port_is_from_0_to_65535() {
    for text in ["0", "5060", "65535", " 5061 "] {
        let port: Port = ok(text);
        assert_eq!(port.get().to_string(), text.trim());
        round_trips(&port);
    }
    for text in ["65536", "-1", "x", "", "50 60", "5060.0"] {
        rejects::<Port>(text, &["port number from 0 to 65535"]);
    }
    assert_eq!(Port::new(5060).map(Port::get), Ok(5060));
    assert!(Port::new(70000).is_err());
    assert!(Port::try_from(70000i32).is_err());
    assert!(Port::try_from(-1i64).is_err());
    assert_eq!(Port::try_from(5060u16), Ok(Port::from_u16(5060)));
    assert_eq!(Port::try_from(5060u64), Ok(Port::from_u16(5060)));
    assert_eq!(u16::from(Port::from_u16(1)), 1);
    let typed: Result<Port, _> = 5060.into_setting();
    assert_eq!(typed, Ok(Port::from_u16(5060)));
    let typed: Result<Port, _> = 70000.into_setting();
    assert!(typed.unwrap_err().message().contains("0 to 65535"));
    // Text is parsed by `set_text`, not by typed setters (a compile error, see the UI tests).
    let typed: Result<Option<Port>, _> = sipcfg::IntoNillable::<Port, _>::into_nillable(5062);
    assert_eq!(typed, Ok(Some(Port::from_u16(5062))));
}

#[test]
fn port_range_is_stored_as_start_dash_end() {
    let range: PortRange = ok("50000-50500");
    assert_eq!((range.start(), range.end()), (50000, 50500));
    assert_eq!(stored_text(&range), "50000-50500");
    assert_eq!(range.display(), "PortRange(start=50000, end=50500)");
    assert_eq!(range.len(), 501);
    assert!(range.contains(50000) && range.contains(50500) && !range.contains(50501));
    round_trips(&range);

    for (text, start, end) in [(" 1 - 65535 ", 1, 65535), ("5060-5060", 5060, 5060)] {
        let range: PortRange = ok(text);
        assert_eq!((range.start(), range.end()), (start, end));
        round_trips(&range);
    }
    assert_eq!(PortRange::new(50000, 50500), Ok(range));
    assert_eq!(PortRange::try_from((50000, 50500)), Ok(range));
    assert_eq!(PortRange::try_from(50000..=50500), Ok(range));
    assert_eq!(std::ops::RangeInclusive::from(range), 50000..=50500);
}

#[test]
fn port_range_refuses_bad_ranges() {
    for text in [
        "50000",
        "a-b",
        "50000-70000",
        "-",
        "",
        "50000-",
        "-50500",
        "1-2-3",
    ] {
        rejects::<PortRange>(text, &["port range", "1 to 65535"]);
    }
    for text in ["0-10", "10-0", "0-0"] {
        rejects::<PortRange>(text, &["ports from 1 to 65535"]);
    }
    rejects::<PortRange>("50500-50000", &["start port not above the end port"]);
    let error = PortRange::new(0, 10).unwrap_err();
    assert!(error.message().contains("1 to 65535"), "{error}");
    let error = PortRange::new(20, 10).unwrap_err();
    assert!(error.message().contains("start=20, end=10"), "{error}");
    assert_refuses_non_strings::<PortRange>();
}

// ---------------------------------------------------------------------------------------------
// Hosts and SIP addresses

#[test]
fn hostname_accepts_dns_names_and_ip_addresses() {
    let long_label = "a".repeat(63);
    let long_name = [long_label.as_str(); 4].join(".")[..253]
        .trim_end_matches('.')
        .to_owned();
    for text in [
        "example.com",
        "sip.example.com",
        "localhost",
        "a",
        "x-1.example-2.org",
        "Example.COM",
        "123.example.com",
        long_label.as_str(),
        long_name.as_str(),
        "192.0.2.1",
        "0.0.0.0",
        "2001:db8::1",
        "::1",
        "[2001:db8::1]",
        "[::ffff:192.0.2.1]",
    ] {
        let host: Hostname = ok(text);
        assert_eq!(host.as_str(), text);
        assert_eq!(host.display(), text);
        round_trips(&host);
    }
    assert_eq!(ok::<Hostname>(" example.com ").as_str(), "example.com");
    assert!(ok::<Hostname>("192.0.2.1").ip().is_some());
    assert!(ok::<Hostname>("[::1]").ip().is_some());
    assert!(ok::<Hostname>("example.com").ip().is_none());
    assert_eq!(ok::<Hostname>("example.com"), "example.com");
}

#[test]
fn hostname_refuses_invalid_names() {
    let long_label = format!("{}.com", "a".repeat(64));
    let long_name = ["abcdefghi"; 26].join(".");
    assert!(long_name.len() > 253);
    for text in [
        "",
        "-example.com",
        "example-.com",
        "exa_mple.com",
        "exa mple.com",
        "example..com",
        ".example.com",
        "example.com.",
        long_label.as_str(),
        long_name.as_str(),
        "256.1.1.1",
        "1.2.3",
        "1.2.3.4.5",
        "01.2.3.4",
        "[::1",
        "::g",
        "1:2",
        "[example.com]",
        "exämple.com",
        "host:5060",
    ] {
        rejects::<Hostname>(text, &["host name", "IPv4 or IPv6 address"]);
    }
    assert_refuses_non_strings::<Hostname>();
}

#[test]
fn sip_address_is_user_at_domain() {
    let id: SIPAddress = ok("alice@example.com");
    assert_eq!(id.username(), "alice");
    assert_eq!(id.domain(), "example.com");
    assert_eq!(id.as_str(), "alice@example.com");
    assert_eq!(&*id, "alice@example.com");
    assert_eq!(id.len(), 17);
    assert_eq!(id, "alice@example.com");
    assert_eq!(stored_text(&id), "alice@example.com");
    assert_eq!(id.display(), "alice@example.com");
    round_trips(&id);

    for (text, user, domain) in [
        ("bonjour@local", "bonjour", "local"),
        ("a.b+c-d@10.0.0.1", "a.b+c-d", "10.0.0.1"),
        ("bob@[2001:db8::1]", "bob", "[2001:db8::1]"),
        ("sip:carol@example.org", "carol", "example.org"),
        ("  dave@example.net ", "dave", "example.net"),
    ] {
        let id: SIPAddress = ok(text);
        assert_eq!((id.username(), id.domain()), (user, domain), "{text}");
        round_trips(&id);
    }
    assert_eq!(
        SIPAddress::from_parts("alice", "example.com"),
        Ok(id.clone())
    );
    assert!(SIPAddress::from_parts("", "example.com").is_err());
    assert!(SIPAddress::from_parts("alice", "exa_mple").is_err());

    let mut ids = HashSet::new();
    ids.insert(id);
    assert!(ids.contains("alice@example.com"));
}

#[test]
fn sip_address_refuses_invalid_addresses() {
    for (text, detail) in [
        ("alice", "no \"@\""),
        ("", "no \"@\""),
        ("@example.com", "empty"),
        ("al ice@example.com", "white space"),
        ("alice@bob@example.com", "more than one"),
        ("alice@", "not a valid domain"),
        ("alice@exa_mple.com", "not a valid domain"),
        ("alice@example.com:5060", "not a valid domain"),
    ] {
        rejects::<SIPAddress>(text, &["SIP address \"user@domain\"", detail]);
    }
    assert_refuses_non_strings::<SIPAddress>();
}

// ---------------------------------------------------------------------------------------------
// Proxy, relay and STUN addresses

#[test]
fn sip_proxy_address_defaults_to_5060_udp() {
    let proxy: SIPProxyAddress = ok("sip.example.com");
    assert_eq!(proxy.host().as_str(), "sip.example.com");
    assert_eq!(proxy.port(), 5060);
    assert_eq!(proxy.transport(), SIPTransport::Udp);
    assert_eq!(stored_text(&proxy), "sip.example.com:5060;transport=udp");
    assert_eq!(
        proxy.display(),
        "SIPProxyAddress('sip.example.com', port=5060, transport='udp')"
    );
    round_trips(&proxy);
    assert_eq!(
        SIPProxyAddress::with_host("sip.example.com"),
        Ok(proxy.clone())
    );
    assert_eq!(
        SIPProxyAddress::new("sip.example.com", 5060, SIPTransport::Udp),
        Ok(proxy)
    );
}

#[test]
fn sip_proxy_address_reads_port_and_transport() {
    for (text, stored) in [
        (
            "sip.example.com:5061;transport=tls",
            "sip.example.com:5061;transport=tls",
        ),
        ("10.0.0.1:5080;transport=TCP", "10.0.0.1:5080;transport=tcp"),
        (
            "proxy.example.org;transport=tcp",
            "proxy.example.org:5060;transport=tcp",
        ),
        (
            "proxy.example.org;Transport=tls",
            "proxy.example.org:5060;transport=tls",
        ),
        (
            "proxy.example.org:5070",
            "proxy.example.org:5070;transport=udp",
        ),
        (
            "[2001:db8::1]:5062;transport=udp",
            "[2001:db8::1]:5062;transport=udp",
        ),
        ("[2001:db8::1]", "[2001:db8::1]:5060;transport=udp"),
        ("2001:db8::1", "[2001:db8::1]:5060;transport=udp"),
        (
            "  sip.example.com:5060;transport=udp ",
            "sip.example.com:5060;transport=udp",
        ),
    ] {
        let proxy: SIPProxyAddress = ok(text);
        assert_eq!(stored_text(&proxy), stored, "{text}");
        round_trips(&proxy);
    }
    let v6 = SIPProxyAddress::new("2001:db8::1", 5060, SIPTransport::Tls).unwrap();
    assert_eq!(v6.host().as_str(), "[2001:db8::1]");
    assert_eq!(
        v6.display(),
        "SIPProxyAddress('[2001:db8::1]', port=5060, transport='tls')"
    );
    round_trips(&v6);
}

#[test]
fn sip_proxy_address_refuses_invalid_addresses() {
    let expected = "SIP proxy address \"host[:port][;transport=udp|tcp|tls]\"";
    for (text, detail) in [
        ("", "not a valid host"),
        (":5060", "not a valid host"),
        ("exa_mple.com", "not a valid host"),
        ("sip.example.com:0", "not from 1 to 65535"),
        ("sip.example.com:70000", "not from 1 to 65535"),
        ("sip.example.com:", "not from 1 to 65535"),
        ("sip.example.com:abc", "not from 1 to 65535"),
        ("sip.example.com:+5060", "not from 1 to 65535"),
        ("sip.example.com;transport=sctp", "udp, tcp, tls"),
        ("sip.example.com;transport=", "udp, tcp, tls"),
        ("sip.example.com;lr", "unknown parameter"),
        ("sip.example.com;maddr=x", "unknown parameter"),
        ("sip.example.com;transport=udp;transport=tcp", "twice"),
        ("[2001:db8::1]x", "not a valid host"),
    ] {
        rejects::<SIPProxyAddress>(text, &[expected, detail]);
    }
    assert!(
        SIPProxyAddress::new("sip.example.com", 0, SIPTransport::Udp)
            .unwrap_err()
            .message()
            .contains("port from 1 to 65535")
    );
    assert!(SIPProxyAddress::new("bad host", 5060, SIPTransport::Udp).is_err());
    assert_refuses_non_strings::<SIPProxyAddress>();
}

#[test]
fn msrp_relay_address_defaults_to_2855_tls() {
    let relay: MSRPRelayAddress = ok("relay.example.com");
    assert_eq!(
        (relay.port(), relay.transport()),
        (2855, MSRPTransport::Tls)
    );
    assert_eq!(stored_text(&relay), "relay.example.com:2855;transport=tls");
    assert_eq!(
        relay.display(),
        "MSRPRelayAddress('relay.example.com', port=2855, transport='tls')"
    );
    round_trips(&relay);

    let tcp: MSRPRelayAddress = ok("relay.example.com:2856;transport=tcp");
    assert_eq!(stored_text(&tcp), "relay.example.com:2856;transport=tcp");
    round_trips(&tcp);
    assert_eq!(
        MSRPRelayAddress::new("relay.example.com", 2856, MSRPTransport::Tcp),
        Ok(tcp)
    );

    let expected = "MSRP relay address \"host[:port][;transport=tcp|tls]\"";
    rejects::<MSRPRelayAddress>("relay.example.com;transport=udp", &[expected, "tcp, tls"]);
    rejects::<MSRPRelayAddress>("relay.example.com:0", &[expected, "1 to 65535"]);
    rejects::<MSRPRelayAddress>("relay example", &[expected, "not a valid host"]);
}

#[test]
fn stun_server_address_defaults_to_3478() {
    let stun: STUNServerAddress = ok("stun.example.com");
    assert_eq!(
        (stun.host().as_str(), stun.port()),
        ("stun.example.com", 3478)
    );
    assert_eq!(stored_text(&stun), "stun.example.com:3478");
    assert_eq!(
        stun.display(),
        "STUNServerAddress('stun.example.com', port=3478)"
    );
    round_trips(&stun);

    for (text, stored) in [
        ("stun.example.com:3479", "stun.example.com:3479"),
        ("192.0.2.7", "192.0.2.7:3478"),
        ("[2001:db8::7]:19302", "[2001:db8::7]:19302"),
        ("2001:db8::7", "[2001:db8::7]:3478"),
    ] {
        let stun: STUNServerAddress = ok(text);
        assert_eq!(stored_text(&stun), stored);
        round_trips(&stun);
    }
    assert_eq!(STUNServerAddress::with_host("stun.example.com"), Ok(stun));

    let expected = "STUN server address \"host[:port]\"";
    rejects::<STUNServerAddress>("stun.example.com;transport=udp", &[expected, "parameters"]);
    rejects::<STUNServerAddress>("stun.example.com:0", &[expected, "1 to 65535"]);
    rejects::<STUNServerAddress>("", &[expected]);
    assert!(STUNServerAddress::new("stun.example.com", 0).is_err());
}

#[test]
fn stun_server_address_list_is_a_list_of_addresses() {
    let list: STUNServerAddressList = ok("stun1.example.com, stun2.example.com:3479");
    assert_eq!(
        stored_items(&list),
        ["stun1.example.com:3478", "stun2.example.com:3479"]
    );
    assert_eq!(
        list.display(),
        "STUNServerAddressList([STUNServerAddress('stun1.example.com', port=3478), \
         STUNServerAddress('stun2.example.com', port=3479)])"
    );
    assert_eq!(
        list.to_string(),
        "stun1.example.com:3478, stun2.example.com:3479"
    );
    round_trips(&list);

    let from_file = STUNServerAddressList::from_stored(&Value::List(vec![
        "stun1.example.com".into(),
        "stun2.example.com:3479".into(),
    ]));
    assert_eq!(from_file, Ok(list.clone()));

    let empty: STUNServerAddressList = ok("");
    assert!(empty.is_empty());
    assert_eq!(stored_items(&empty), Vec::<String>::new());
    assert_eq!(empty.display(), "STUNServerAddressList([])");
    round_trips(&empty);

    let twice: STUNServerAddressList = ok("a.example.com, a.example.com");
    assert_eq!(twice.len(), 2);

    let message = err::<STUNServerAddressList>("stun.example.com, bad host");
    assert!(
        message.starts_with("expected a STUN server address") && message.contains("\"bad host\""),
        "the error names the bad item: {message}"
    );
    assert!(STUNServerAddressList::from_stored(&Value::Nothing).is_err());
    assert_eq!(
        STUNServerAddressList::try_from(["stun1.example.com", "stun2.example.com:3479"]),
        Ok(list)
    );
}

// ---------------------------------------------------------------------------------------------
// XCAP root

#[test]
fn xcap_root_accepts_http_and_https_urls() {
    for text in [
        "https://xcap.example.com/xcap-root/",
        "https://xcap.example.com/xcap-root",
        "http://xcap.example.com",
        "http://xcap.example.com/",
        "HTTPS://Xcap.Example.com/x",
        "http://user:secret@10.0.0.1:8080/xcap",
        "https://[2001:db8::1]/xcap-root",
        "https://[2001:db8::1]:8443",
        "https://xcap.example.com/a%20b/c",
    ] {
        let root: XCAPRoot = ok(text);
        assert_eq!(root.as_str(), text, "stored as given");
        assert_eq!(stored_text(&root), text);
        assert_eq!(root.display(), text);
        round_trips(&root);
    }
    let root: XCAPRoot = ok("https://xcap.example.com:8443/xcap-root/");
    assert_eq!(root.scheme(), "https");
    assert_eq!(root.host().as_str(), "xcap.example.com");
    assert_eq!(root.port(), Some(8443));
    assert!(root.ends_with('/'));
    let plain: XCAPRoot = ok("HTTP://xcap.example.com");
    assert_eq!((plain.scheme(), plain.port()), ("http", None));
    assert_eq!(
        ok::<XCAPRoot>(" http://a.example.com ").as_str(),
        "http://a.example.com"
    );
}

#[test]
fn xcap_root_refuses_other_urls() {
    let expected = "XCAP root: an http or https URL";
    for (text, detail) in [
        ("ftp://xcap.example.com/", "not http or https"),
        ("sip:xcap@example.com", "not a URL"),
        ("xcap.example.com/xcap-root", "not a URL"),
        ("", "not a URL"),
        ("https://", "no host"),
        ("https:///xcap-root", "no host"),
        ("https://user@/x", "no host"),
        ("https://exa_mple.com/", "not a valid host"),
        ("https://2001:db8::1/", "not a valid host"),
        ("https://xcap.example.com/root;type=x", "parameters"),
        ("https://xcap.example.com;x/root", "parameters"),
        ("https://xcap.example.com/?a=b", "query"),
        ("https://xcap.example.com?a", "query"),
        ("https://xcap.example.com/#top", "fragment"),
        ("https://xcap.example.com/x?", "query"),
        ("https://xcap.example.com:0/", "not from 1 to 65535"),
        ("https://xcap.example.com:99999/", "not from 1 to 65535"),
        ("https://xcap.example.com:/", "not from 1 to 65535"),
        ("https://xcap.example.com/a b", "not allowed"),
        ("https://xcap.example.com/<x>", "not allowed"),
    ] {
        rejects::<XCAPRoot>(text, &[expected, detail]);
    }
    assert_refuses_non_strings::<XCAPRoot>();
}

// ---------------------------------------------------------------------------------------------
// Enumerations

/// Checks an enum: every value round-trips, reads in any case, shows its word, and the type
/// lists exactly the words; an unknown word is refused with the list.
fn check_word_enum<T>(all: &[T], words: &[&str], what: &str)
where
    T: SettingType + Eq + Copy + Display + FromStr<Err = ValueError> + AsRef<str>,
    T: for<'a> TryFrom<&'a str, Error = ValueError> + TryFrom<String, Error = ValueError>,
{
    assert_eq!(all.len(), words.len());
    for (value, word) in all.iter().zip(words) {
        assert_eq!(value.to_string(), *word);
        assert_eq!(value.as_ref(), *word);
        assert_eq!(value.display(), *word);
        assert_eq!(stored_text(value), *word);
        assert_eq!(ok::<T>(word), *value);
        assert_eq!(ok::<T>(&word.to_uppercase()), *value);
        assert_eq!(ok::<T>(&word.to_lowercase()), *value);
        assert_eq!(ok::<T>(&format!(" {word} ")), *value);
        round_trips(value);
    }
    assert_eq!(
        T::type_info().allowed_values,
        Some(words.iter().map(|w| w.to_string()).collect())
    );
    let list = words.join(", ");
    rejects::<T>("nonsense", &[what, &list]);
    rejects::<T>("", &[what, &list]);
    assert_refuses_non_strings::<T>();
}

#[test]
fn sip_transport_words() {
    check_word_enum(SIPTransport::ALL, &["udp", "tcp", "tls"], "a SIP transport");
    assert_eq!(SIPTransport::from_word("TLS"), Some(SIPTransport::Tls));
    assert_eq!(SIPTransport::from_word("sctp"), None);
}

#[test]
fn msrp_transport_words() {
    check_word_enum(MSRPTransport::ALL, &["tcp", "tls"], "an MSRP transport");
    rejects::<MSRPTransport>("udp", &["tcp, tls"]);
}

#[test]
fn msrp_connection_model_words() {
    check_word_enum(
        MSRPConnectionModel::ALL,
        &["relay", "acm"],
        "an MSRP connection model",
    );
}

#[test]
fn srtp_encryption_words() {
    check_word_enum(
        SRTPEncryption::ALL,
        &["disabled", "optional", "mandatory"],
        "an SRTP encryption mode",
    );
}

#[test]
fn tls_protocol_words() {
    check_word_enum(
        TLSProtocol::ALL,
        &["TLSv1", "TLSv1.2", "TLSv1.3"],
        "a TLS protocol version",
    );
    for text in ["TLSv1.1", "SSLv3", "TLSv1.0", "tls"] {
        rejects::<TLSProtocol>(text, &["TLSv1, TLSv1.2, TLSv1.3"]);
    }
}

#[test]
fn audio_codec_words() {
    check_word_enum(
        AudioCodec::ALL,
        &[
            "G722", "speex", "PCMU", "PCMA", "iLBC", "GSM", "opus", "G729", "AMR-WB",
        ],
        "an audio codec",
    );
    assert_eq!(ok::<AudioCodec>("ilbc"), AudioCodec::Ilbc);
    assert_eq!(ok::<AudioCodec>("Speex"), AudioCodec::Speex);
    assert_eq!(ok::<AudioCodec>("amr-wb"), AudioCodec::AmrWb);
}

#[test]
fn every_codec_of_the_current_python_sdk_is_accepted() {
    // python3-sipsimple 5.x, AudioCodecList.available_values.
    let list: AudioCodecList = ok("opus, speex, G722, G729, GSM, iLBC, PCMU, PCMA, AMR-WB");
    assert_eq!(
        stored_items(&list),
        ["opus", "speex", "G722", "G729", "GSM", "iLBC", "PCMU", "PCMA", "AMR-WB"]
    );
    // Its default list.
    let list: AudioCodecList = ok("opus, G722, PCMU, PCMA");
    assert_eq!(
        list.display(),
        "AudioCodecList(['opus', 'G722', 'PCMU', 'PCMA'])"
    );
}

// ---------------------------------------------------------------------------------------------
// Lists of words

#[test]
fn sip_transport_list_keeps_order_and_refuses_duplicates() {
    let list: SIPTransportList = ok("tls, tcp, udp");
    assert_eq!(
        list.as_slice(),
        [SIPTransport::Tls, SIPTransport::Tcp, SIPTransport::Udp]
    );
    assert_eq!(stored_items(&list), ["tls", "tcp", "udp"]);
    assert_eq!(list.display(), "SIPTransportList(['tls', 'tcp', 'udp'])");
    assert_eq!(list.to_string(), "tls, tcp, udp");
    round_trips(&list);

    let udp: SIPTransportList = ok("UDP");
    assert_eq!(udp.display(), "SIPTransportList(['udp'])");
    round_trips(&udp);
    assert_eq!(ok::<SIPTransportList>("tls,tcp , udp"), list);
    assert_eq!(
        SIPTransportList::from_stored(&Value::List(vec!["tls".into(), "tcp".into(), "udp".into()])),
        Ok(list.clone())
    );
    assert_eq!(
        SIPTransportList::from_stored(&Value::String("udp".into())),
        Ok(udp.clone()),
        "a plain string in a hand-edited file is a one-item list"
    );
    let empty: SIPTransportList = ok("");
    assert!(empty.is_empty());
    assert_eq!(empty.display(), "SIPTransportList([])");
    round_trips(&empty);

    assert_eq!(
        SIPTransportList::try_from(["tls", "tcp", "udp"]),
        Ok(list.clone())
    );
    assert_eq!(
        SIPTransportList::try_from(vec!["tls", "tcp", "udp"]),
        Ok(list.clone())
    );
    assert_eq!(
        SIPTransportList::try_from([SIPTransport::Tls, SIPTransport::Tcp, SIPTransport::Udp]),
        Ok(list.clone())
    );
    let typed: Result<SIPTransportList, _> = [SIPTransport::Udp].into_setting();
    assert_eq!(typed, Ok(udp));
    let twice: Result<SIPTransportList, _> = [SIPTransport::Udp, SIPTransport::Udp].into_setting();
    assert!(twice.is_err());
    assert_eq!(list.iter().count(), 3);
    assert_eq!(
        Vec::from(list),
        SIPTransport::ALL.iter().rev().copied().collect::<Vec<_>>()
    );

    let message = err::<SIPTransportList>("tls, udp, tls");
    assert!(message.contains("without duplicates"), "{message}");
    assert!(message.contains("\"tls\""), "{message}");
    assert!(SIPTransportList::new([SIPTransport::Udp, SIPTransport::Udp]).is_err());
    rejects::<SIPTransportList>("sctp", &["a SIP transport", "udp, tcp, tls"]);
    assert!(SIPTransportList::from_stored(&Value::Nothing).is_err());
    assert_eq!(
        SIPTransportList::type_info().allowed_values,
        Some(vec!["udp".into(), "tcp".into(), "tls".into()])
    );
    assert_eq!(SIPTransportList::type_info().name, "SIPTransportList");
}

#[test]
fn audio_codec_list_stores_canonical_names() {
    let list: AudioCodecList = ok("G722, PCMU, GSM, speex, PCMA");
    assert_eq!(
        list.display(),
        "AudioCodecList(['G722', 'PCMU', 'GSM', 'speex', 'PCMA'])"
    );
    assert_eq!(
        stored_items(&list),
        ["G722", "PCMU", "GSM", "speex", "PCMA"]
    );
    round_trips(&list);

    let any_case: AudioCodecList = ok("g722,pcmu, gsm ,SPEEX,pcma");
    assert_eq!(any_case, list);
    let all: AudioCodecList = ok("speex, G722, PCMA, PCMU, iLBC, GSM");
    assert_eq!(all.len(), 6);
    round_trips(&all);

    let message = err::<AudioCodecList>("pcmu, G722, PCMU");
    assert!(message.contains("without duplicates"), "{message}");
    assert!(message.contains("\"PCMU\""), "{message}");
    rejects::<AudioCodecList>(
        "g711",
        &[
            "an audio codec",
            "G722, speex, PCMU, PCMA, iLBC, GSM, opus, G729, AMR-WB",
        ],
    );
    assert_eq!(
        AudioCodecList::type_info().allowed_values,
        Some(
            ["G722", "speex", "PCMU", "PCMA", "iLBC", "GSM", "opus", "G729", "AMR-WB"]
                .map(String::from)
                .to_vec()
        )
    );
    assert_eq!(
        AudioCodecList::new([AudioCodec::G722, AudioCodec::Speex]).map(|l| l.to_string()),
        Ok("G722, speex".to_owned())
    );
}

// ---------------------------------------------------------------------------------------------
// Audio devices

#[test]
fn audio_devices_are_names_or_system_default() {
    let default: AudioInputDevice = ok("system_default");
    assert!(default.is_system_default());
    assert_eq!(default.name(), None);
    assert_eq!(default, AudioInputDevice::system_default());
    assert_eq!(default, AudioInputDevice::default());
    assert_eq!(ok::<AudioInputDevice>("System_Default"), default);
    assert_eq!(stored_text(&default), "system_default");
    round_trips(&default);

    let mic: AudioInputDevice = ok("USB Audio Device: Microphone (hw:1,0)");
    assert_eq!(mic.name(), Some("USB Audio Device: Microphone (hw:1,0)"));
    assert!(!mic.is_system_default());
    assert_eq!(mic.display(), "USB Audio Device: Microphone (hw:1,0)");
    round_trips(&mic);

    let speakers: AudioOutputDevice = ok("Built-in Output");
    assert_eq!(speakers.as_str(), "Built-in Output");
    round_trips(&speakers);
    assert!(ok::<AudioOutputDevice>("SYSTEM_DEFAULT").is_system_default());
    round_trips(&AudioOutputDevice::system_default());

    rejects::<AudioInputDevice>("", &["audio input device", "system_default"]);
    rejects::<AudioInputDevice>("   ", &["audio input device"]);
    rejects::<AudioOutputDevice>("", &["audio output device", "system_default"]);
    assert_refuses_non_strings::<AudioInputDevice>();

    // "Nothing" is the nillable setting's None.
    assert_eq!(
        Option::<AudioOutputDevice>::from_stored(&Value::Nothing),
        Ok(None)
    );
    assert_eq!(
        Option::<AudioOutputDevice>::from_stored(&Value::from("system_default")),
        Ok(Some(AudioOutputDevice::system_default()))
    );
    assert_eq!(
        SettingType::to_stored(&None::<AudioInputDevice>),
        Value::Nothing
    );
}

// ---------------------------------------------------------------------------------------------
// Paths

#[test]
fn path_is_normalized_lexically() {
    for (text, normal) in [
        ("tls/user@example.com.crt", "tls/user@example.com.crt"),
        ("a/./b", "a/b"),
        ("a//b", "a/b"),
        ("a/b/", "a/b"),
        ("a/x/../b", "a/b"),
        ("./a", "a"),
        (".", "."),
        ("./", "."),
        ("a/..", "."),
        ("../a", "../a"),
        ("a/../..", ".."),
        ("../../a/../b", "../../b"),
        ("/", "/"),
        ("//", "/"),
        ("/../a", "/a"),
        ("/usr/./share//sounds/", "/usr/share/sounds"),
        ("~", "~"),
        ("~/", "~"),
        ("~/.sipclient/", "~/.sipclient"),
        ("~/a/../b", "~/b"),
        ("~/..", "~/.."),
        ("~/../x", "~/../x"),
        ("./~/x", "~/x"),
        ("a/~/x", "a/~/x"),
        ("~user/x", "~user/x"),
        ("with space/ü", "with space/ü"),
    ] {
        let path: Path = ok(text);
        assert_eq!(path.as_str(), normal, "{text:?}");
        assert_eq!(stored_text(&path), normal);
        assert_eq!(path.display(), normal);
        round_trips(&path);
    }
    rejects::<Path>("", &["a path"]);
    rejects::<Path>("a\0b", &["a path", "NUL"]);
    assert_refuses_non_strings::<Path>();
    assert_eq!(
        Path::try_from(PathBuf::from("a//b")).map(|p| p.to_string()),
        Ok("a/b".into())
    );
    assert_eq!(
        Path::try_from(std::path::Path::new("/x/")).map(|p| p.to_string()),
        Ok("/x".into())
    );
    assert_eq!(
        Path::new("/x/y").unwrap().as_path(),
        std::path::Path::new("/x/y")
    );
}

#[cfg(unix)]
#[test]
fn path_refuses_non_unicode_paths() {
    use std::ffi::OsString;
    use std::os::unix::ffi::OsStringExt;
    let bad = OsString::from_vec(vec![b'a', 0xff, b'b']);
    let error = Path::try_from(bad).unwrap_err();
    assert!(error.message().contains("Unicode"), "{error}");
}

#[test]
fn path_normalized_expands_the_home_directory() {
    let home = std::path::Path::new("/home/alice");
    let cases = [
        ("~", "/home/alice"),
        ("~/certs/ca.pem", "/home/alice/certs/ca.pem"),
        ("/etc/ssl/ca.pem", "/etc/ssl/ca.pem"),
        ("tls/a.crt", "tls/a.crt"),
        ("~user/x", "~user/x"),
    ];
    for (text, expanded) in cases {
        let path: Path = ok(text);
        assert_eq!(
            path.normalized_with_home(home),
            PathBuf::from(expanded),
            "{text}"
        );
    }
    let path: Path = ok("~/certs/ca.pem");
    match std::env::var_os("HOME").filter(|home| !home.is_empty()) {
        Some(home) => assert_eq!(path.normalized(), PathBuf::from(home).join("certs/ca.pem")),
        None => assert_eq!(path.normalized(), PathBuf::from("~/certs/ca.pem")),
    }
    let absolute: Path = ok("/etc/ssl/ca.pem");
    assert_eq!(absolute.normalized(), PathBuf::from("/etc/ssl/ca.pem"));
}

#[test]
fn absolute_path_starts_at_the_root_or_home() {
    for (text, normal) in [
        ("/", "/"),
        ("/usr/share/sounds/../sipclient", "/usr/share/sipclient"),
        ("~", "~"),
        ("~/.sipclient", "~/.sipclient"),
        ("~/.sipclient/", "~/.sipclient"),
        ("./~/x", "~/x"),
    ] {
        let path: AbsolutePath = ok(text);
        assert_eq!(path.as_str(), normal);
        round_trips(&path);
    }
    for text in [
        "sounds/ring.wav",
        "./x",
        "../x",
        ".",
        "~user/x",
        "a/~/x",
        "",
    ] {
        rejects::<AbsolutePath>(text, &["absolute path"]);
    }
    assert_eq!(
        AbsolutePath::new("~/.sipclient")
            .unwrap()
            .normalized_with_home(std::path::Path::new("/home/bob")),
        PathBuf::from("/home/bob/.sipclient")
    );
    assert_refuses_non_strings::<AbsolutePath>();
}

#[test]
fn data_path_resolves_relative_to_the_user_data_directory() {
    let base = std::path::Path::new("/home/alice/.sipclient");
    for (text, stored, resolved, absolute) in [
        (
            "history",
            "history",
            "/home/alice/.sipclient/history",
            false,
        ),
        ("logs/", "logs", "/home/alice/.sipclient/logs", false),
        (
            "a/../file_transfers",
            "file_transfers",
            "/home/alice/.sipclient/file_transfers",
            false,
        ),
        (".", ".", "/home/alice/.sipclient", false),
        (
            "../shared",
            "../shared",
            "/home/alice/.sipclient/../shared",
            false,
        ),
        ("/var/log/sip", "/var/log/sip", "/var/log/sip", true),
    ] {
        let path: DataPath = ok(text);
        assert_eq!(path.as_str(), stored);
        assert_eq!(path.is_absolute(), absolute, "{text}");
        assert_eq!(path.resolve(base), PathBuf::from(resolved), "{text}");
        round_trips(&path);
    }
    let in_home: DataPath = ok("~/recordings");
    assert!(in_home.is_absolute());
    assert_eq!(in_home.resolve(base), in_home.normalized());
    assert_eq!(
        in_home.normalized_with_home(std::path::Path::new("/home/alice")),
        PathBuf::from("/home/alice/recordings")
    );
    rejects::<DataPath>("", &["a path"]);
}

// ---------------------------------------------------------------------------------------------
// Type information

#[test]
fn type_info_names_every_type() {
    let names = [
        NonNegativeInteger::type_info().name,
        PositiveInteger::type_info().name,
        SampleRate::type_info().name,
        Port::type_info().name,
        PortRange::type_info().name,
        Hostname::type_info().name,
        SIPAddress::type_info().name,
        SIPProxyAddress::type_info().name,
        MSRPRelayAddress::type_info().name,
        STUNServerAddress::type_info().name,
        STUNServerAddressList::type_info().name,
        XCAPRoot::type_info().name,
        SIPTransport::type_info().name,
        SIPTransportList::type_info().name,
        MSRPTransport::type_info().name,
        MSRPConnectionModel::type_info().name,
        SRTPEncryption::type_info().name,
        TLSProtocol::type_info().name,
        AudioCodec::type_info().name,
        AudioCodecList::type_info().name,
        AudioInputDevice::type_info().name,
        AudioOutputDevice::type_info().name,
        Path::type_info().name,
        AbsolutePath::type_info().name,
        DataPath::type_info().name,
    ];
    assert_eq!(
        names,
        [
            "NonNegativeInteger",
            "PositiveInteger",
            "SampleRate",
            "Port",
            "PortRange",
            "Hostname",
            "SIPAddress",
            "SIPProxyAddress",
            "MSRPRelayAddress",
            "STUNServerAddress",
            "STUNServerAddressList",
            "XCAPRoot",
            "SIPTransport",
            "SIPTransportList",
            "MSRPTransport",
            "MSRPConnectionModel",
            "SRTPEncryption",
            "TLSProtocol",
            "AudioCodec",
            "AudioCodecList",
            "AudioInputDevice",
            "AudioOutputDevice",
            "Path",
            "AbsolutePath",
            "DataPath",
        ]
    );
    assert!(Port::type_info().format.unwrap().contains("0 to 65535"));
    assert!(PortRange::type_info().format.unwrap().contains("start-end"));
    assert_eq!(Port::type_info().allowed_values, None);
}

// ---------------------------------------------------------------------------------------------
// Properties

/// Parses any text as every type: never panics, and whatever is accepted round-trips.
fn parse_everything(text: &str) {
    fn check<T>(text: &str)
    where
        T: SettingType + Eq + Display + FromStr<Err = ValueError> + Debug,
        T: for<'a> TryFrom<&'a str, Error = ValueError> + TryFrom<String, Error = ValueError>,
    {
        match T::parse_text(text) {
            Ok(value) => round_trips(&value),
            Err(error) => assert!(!error.message().is_empty()),
        }
        if let Ok(value) = T::from_stored(&Value::String(text.to_owned())) {
            round_trips(&value);
        }
    }
    check::<NonNegativeInteger>(text);
    check::<PositiveInteger>(text);
    check::<SampleRate>(text);
    check::<Port>(text);
    check::<PortRange>(text);
    check::<Hostname>(text);
    check::<SIPAddress>(text);
    check::<SIPProxyAddress>(text);
    check::<MSRPRelayAddress>(text);
    check::<STUNServerAddress>(text);
    check::<STUNServerAddressList>(text);
    check::<XCAPRoot>(text);
    check::<SIPTransport>(text);
    check::<SIPTransportList>(text);
    check::<MSRPTransport>(text);
    check::<MSRPConnectionModel>(text);
    check::<SRTPEncryption>(text);
    check::<TLSProtocol>(text);
    check::<AudioCodec>(text);
    check::<AudioCodecList>(text);
    check::<AudioInputDevice>(text);
    check::<AudioOutputDevice>(text);
    check::<Path>(text);
    check::<AbsolutePath>(text);
    check::<DataPath>(text);
}

#[test]
fn odd_inputs_never_panic() {
    for text in [
        "",
        " ",
        ",",
        ",,",
        "-",
        ":",
        ";",
        "@",
        "[",
        "]",
        "[]",
        "[:]",
        "::",
        ":::",
        "~",
        "/",
        "\0",
        "é",
        "ü@ü",
        "a@",
        "@a",
        "http://",
        "https://[",
        "https://[::1",
        "x:y:z",
        "sip:",
        "sip:@",
        "1-",
        "-1",
        "99999999999999999999999999999999999999999999",
        "a;transport",
        ";transport=udp",
        "host:;transport=tcp",
        "[::1]:",
        "\u{0301}x",
    ] {
        parse_everything(text);
    }
}

proptest! {
    #[test]
    fn any_text_parses_or_fails_cleanly(text in "\\PC{0,40}") {
        parse_everything(&text);
    }

    #[test]
    fn address_like_text_parses_or_fails_cleanly(text in "[a-z0-9:;=\\[\\]./@~_-]{0,30}") {
        parse_everything(&text);
    }

    #[test]
    fn ports_round_trip(n in any::<u16>()) {
        let port = Port::try_from(n).unwrap();
        prop_assert_eq!(port.get(), n);
        prop_assert_eq!(Port::from_stored(&port.to_stored()), Ok(port));
    }

    #[test]
    fn integers_outside_u16_are_not_ports(n in prop_oneof![i64::MIN..0i64, 65536i64..]) {
        prop_assert!(Port::try_from(n).is_err());
        prop_assert!(Port::parse_text(&n.to_string()).is_err());
    }

    #[test]
    fn non_negative_integers_round_trip(n in any::<u64>()) {
        let value = NonNegativeInteger::try_from(n).unwrap();
        prop_assert_eq!(NonNegativeInteger::from_stored(&value.to_stored()), Ok(value));
        prop_assert_eq!(PositiveInteger::try_from(n).is_ok(), n >= 1);
    }

    #[test]
    fn port_ranges_round_trip(a in 1u16.., b in 1u16..) {
        let range = PortRange::new(a, b);
        prop_assert_eq!(range.is_ok(), a <= b);
        if let Ok(range) = range {
            prop_assert_eq!(PortRange::from_stored(&range.to_stored()), Ok(range));
            prop_assert_eq!(stored_text(&range), format!("{a}-{b}"));
        }
    }

    #[test]
    fn dns_names_round_trip(labels in prop::collection::vec("[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?", 1..5)) {
        let mut labels = labels;
        if labels.iter().all(|label| label.bytes().all(|b| b.is_ascii_digit())) {
            labels.push("example".into());
        }
        let name = labels.join(".");
        let host = Hostname::new(&name).unwrap();
        round_trips(&host);
        let proxy = SIPProxyAddress::parse_text(&format!("{name}:5070;transport=tcp")).unwrap();
        prop_assert_eq!(proxy.host(), &host);
        round_trips(&proxy);
        let id = SIPAddress::new(format!("user.{}@{name}", labels.len())).unwrap();
        prop_assert_eq!(id.domain(), name.as_str());
        round_trips(&id);
    }

    #[test]
    fn transport_lists_round_trip(order in Just(vec![0usize, 1, 2]).prop_shuffle(), len in 0usize..=3) {
        let items: Vec<SIPTransport> = order[..len].iter().map(|&i| SIPTransport::ALL[i]).collect();
        let list = SIPTransportList::new(items.clone()).unwrap();
        prop_assert_eq!(list.as_slice(), items.as_slice());
        prop_assert_eq!(SIPTransportList::from_stored(&list.to_stored()), Ok(list.clone()));
        round_trips(&list);
    }

    #[test]
    fn codec_lists_round_trip(order in Just((0..6).collect::<Vec<usize>>()).prop_shuffle(), len in 0usize..=6) {
        let items: Vec<AudioCodec> = order[..len].iter().map(|&i| AudioCodec::ALL[i]).collect();
        let list = AudioCodecList::new(items).unwrap();
        let lower = list.to_string().to_lowercase();
        prop_assert_eq!(AudioCodecList::parse_text(&lower), Ok(list.clone()));
        round_trips(&list);
    }

    #[test]
    fn path_normalization_is_idempotent(text in "[ab./~]{1,16}") {
        let path = Path::new(&text).unwrap();
        prop_assert_eq!(Path::new(path.as_str()), Ok(path.clone()));
        prop_assert!(!path.as_str().contains("//"));
        prop_assert!(path.as_str() == "/" || !path.as_str().ends_with('/'));
        prop_assert!(path.as_str() == "." || !path.as_str().split('/').any(|part| part == "."));
        round_trips(&path);
        let data = DataPath::new(&text).unwrap();
        prop_assert_eq!(data.as_str(), path.as_str());
        prop_assert_eq!(AbsolutePath::new(&text).is_ok(), data.is_absolute());
    }
}
