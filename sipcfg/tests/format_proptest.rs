//! Property tests of the text format: every document with non-empty names survives
//! write -> parse, and no text or bytes make the reader panic.

use std::path::Path;

use proptest::prelude::*;
use sipcfg::backend::Encoding;
use sipcfg::{file_format, Data, Value};

/// Characters that matter to the format, weighted in among arbitrary ones.
const SPECIAL: &[char] = &[
    ' ', '\t', '\n', '\r', '\u{b}', '\u{c}', '"', '\'', ',', '=', ':', '#', '\\', '\u{a0}',
    '\u{1c}', '\u{1f}', '\u{85}', '\u{2028}', '\u{2029}', '\u{3000}', '\u{1680}', '\u{202f}', '\0',
    '\u{1}', '\u{1b}', '\u{7f}', '\u{feff}', 'é', '☃', '😀', 'n', 'r', 'a', 'b',
];

fn interesting_char() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => proptest::sample::select(SPECIAL),
        2 => proptest::char::range('a', 'z'),
        1 => any::<char>(),
    ]
}

fn text_of(chars: std::ops::Range<usize>) -> impl Strategy<Value = String> {
    proptest::collection::vec(interesting_char(), chars).prop_map(String::from_iter)
}

fn name() -> impl Strategy<Value = String> {
    text_of(1..8)
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Nothing),
        text_of(0..10).prop_map(Value::String),
        proptest::collection::vec(text_of(0..6), 0..4).prop_map(Value::List),
        // Lists of empty strings, and the empty list, deserve their own chance.
        (0usize..3).prop_map(|n| Value::List(vec![String::new(); n])),
    ]
}

fn data() -> impl Strategy<Value = Data> {
    let leaves = proptest::collection::btree_map(name(), leaf(), 0..6)
        .prop_map(|entries| entries.into_iter().collect::<Data>());
    leaves.prop_recursive(4, 64, 6, |inner| {
        proptest::collection::btree_map(
            name(),
            prop_oneof![2 => leaf(), 1 => inner.prop_map(Value::Group)],
            0..6,
        )
        .prop_map(|entries| entries.into_iter().collect::<Data>())
    })
}

/// Text built mostly from the characters the grammar cares about, in short lines.
fn config_like_text() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            6 => interesting_char().prop_map(String::from),
            1 => Just("\n".to_string()),
            1 => Just("    ".to_string()),
            1 => Just(" = ".to_string()),
            1 => Just(":\n".to_string()),
            1 => Just(", ".to_string()),
        ],
        0..80,
    )
    .prop_map(|parts| parts.concat())
}

fn path() -> &'static Path {
    Path::new("prop.cfg")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn documents_round_trip(data in data()) {
        let text = file_format::write(&data).expect("names are not empty");
        let back = file_format::parse(&text, path());
        prop_assert!(back.is_ok(), "{:?}\n{}", back, text);
        prop_assert_eq!(back.unwrap(), data, "{}", text);
        // Through the bytes entry point as well.
        let back = file_format::parse_bytes(text.as_bytes(), Encoding::UTF_8, path());
        prop_assert!(back.is_ok());
    }

    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        let _ = file_format::parse(&text, path());
    }

    #[test]
    fn config_like_text_never_panics_and_what_parses_rewrites_losslessly(text in config_like_text()) {
        match file_format::parse(&text, path()) {
            Ok(data) => {
                let written = file_format::write(&data).expect("the reader never yields empty names");
                prop_assert_eq!(file_format::parse(&written, path()).ok(), Some(data), "{:?}", written);
            }
            Err(error) => {
                prop_assert!(error.line >= 1 && error.column >= 1);
                let line = text.split('\n').nth(error.line - 1);
                prop_assert!(line.is_some(), "{}", error);
                prop_assert!(error.column <= line.unwrap().chars().count() + 1, "{}", error);
            }
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        for label in ["utf-8", "windows-1252", "iso-8859-3", "shift_jis", "gb18030", "euc-kr"] {
            let encoding = Encoding::for_label(label).unwrap();
            if let Err(error) = file_format::parse_bytes(&bytes, encoding, path()) {
                prop_assert!(error.line >= 1 && error.column >= 1);
            }
        }
    }

    #[test]
    fn mangled_documents_never_panic(data in data(), cut in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let mut bytes = file_format::write(&data).expect("names are not empty").into_bytes();
        if !bytes.is_empty() {
            let at = cut.index(bytes.len());
            bytes[at] = byte;
            bytes.truncate(bytes.len() - at / 2);
        }
        let _ = file_format::parse_bytes(&bytes, Encoding::UTF_8, path());
    }
}
