//! Tests of the text editor: unit cases of what is kept, and properties against the parser and
//! the canonical writer.

use super::*;
use crate::file_format::{parse, write};
use proptest::prelude::*;

fn path() -> &'static Path {
    Path::new("t.cfg")
}

fn p(text: &str) -> Data {
    match parse(text, path()) {
        Ok(data) => data,
        Err(error) => panic!("{text:?}: {error}"),
    }
}

/// The edit without the safety net, checked to read back as `new`.
fn ed(original: &str, new: &Data) -> String {
    let body = original.strip_prefix('\u{feff}').unwrap_or(original);
    let edited = match edit(body, path(), new) {
        Ok(text) => text,
        Err(error) => panic!("{original:?}: {error}"),
    };
    assert_eq!(p(&edited), *new, "{original:?} edited into {edited:?}");
    assert_eq!(rewrite(original, path(), new).unwrap(), {
        let bom = if original.starts_with('\u{feff}') {
            "\u{feff}"
        } else {
            ""
        };
        format!("{bom}{edited}")
    });
    edited
}

/// The document of `text` changed by `change`, and the edit of `text` into it.
fn change(text: &str, change: impl FnOnce(&mut Data)) -> String {
    let mut data = p(text);
    change(&mut data);
    ed(text, &data)
}

fn group<'a>(data: &'a mut Data, path: &[&str]) -> &'a mut Data {
    let mut group = data;
    for name in path {
        group = group.group_mut(name).expect("a group");
    }
    group
}

const COMMENTED: &str = "\
# sipclient configuration, edited by hand

default_account = alice@example.com   # the one used at start

Accounts:
    # Alice's work account
    alice@example.com:
        display_name = 'Alice Example'
        enabled = true

        # audio
        rtp:
          audio_codec_list = G722,PCMU
          # srtp = optional

    bob@example.com:
        enabled = false
";

#[test]
fn an_unchanged_document_keeps_every_byte() {
    assert_eq!(ed(COMMENTED, &p(COMMENTED)), COMMENTED);
}

#[test]
fn a_changed_value_is_rewritten_in_place_keeping_the_rest_of_its_line() {
    let edited = change(COMMENTED, |d| {
        d.insert("default_account", "bob@example.com");
        let alice = group(d, &["Accounts", "alice@example.com"]);
        alice.insert("display_name", "Alice B. Example");
        group(alice, &["rtp"]).insert("audio_codec_list", vec!["opus", "G722"]);
    });
    assert_eq!(
        edited,
        COMMENTED
            .replace(
                "default_account = alice@example.com   #",
                "default_account = bob@example.com   #"
            )
            .replace("'Alice Example'", "\"Alice B. Example\"")
            .replace("G722,PCMU", "opus, G722")
    );
}

#[test]
fn values_to_and_from_nothing() {
    assert_eq!(
        change("a = x  # c\n", |d| {
            d.insert("a", Value::Nothing);
        }),
        "a =  # c\n"
    );
    assert_eq!(
        change("a =   # c\n", |d| {
            d.insert("a", "y");
        }),
        "a = y   # c\n"
    );
    assert_eq!(
        change("a=\n", |d| {
            d.insert("a", "y");
        }),
        "a= y\n"
    );
    assert_eq!(
        change("a=x\n", |d| {
            d.insert("a", "y z");
        }),
        "a=\"y z\"\n"
    );
    assert_eq!(
        change("a = x,#c\n", |d| {
            d.insert("a", Value::List(vec![]));
        }),
        "a = ,#c\n"
    );
    assert_eq!(
        change("a = ,\n", |d| {
            d.insert("a", vec!["x"]);
        }),
        "a = x,\n"
    );
    assert_eq!(
        change("a = ' x ' \"y\" z  # c\n", |d| {
            d.insert("a", "w");
        }),
        "a = w  # c\n"
    );
}

#[test]
fn a_removed_setting_goes_with_the_comments_directly_above_it() {
    let edited = change(COMMENTED, |d| {
        group(d, &["Accounts", "alice@example.com", "rtp"]).remove("audio_codec_list");
        d.remove("default_account");
    });
    assert_eq!(
        edited,
        COMMENTED
            .replace(
                "default_account = alice@example.com   # the one used at start\n",
                ""
            )
            .replace("          audio_codec_list = G722,PCMU\n", "")
    );
    // A comment more indented than the entry below it belongs to what is above.
    let text = "g:\n    x = 1\n    # about x\nh = 2\n";
    assert_eq!(
        change(text, |d| {
            d.remove("h");
        }),
        "g:\n    x = 1\n    # about x\n"
    );
    // A blank line separates a comment from the entry below.
    let text = "# header\n\na = 1\n";
    assert_eq!(
        change(text, |d| {
            d.remove("a");
        }),
        "# header\n\n"
    );
}

#[test]
fn a_removed_group_goes_whole() {
    let edited = change(COMMENTED, |d| {
        group(d, &["Accounts"]).remove("alice@example.com");
    });
    assert_eq!(
        edited,
        "# sipclient configuration, edited by hand\n\n\
         default_account = alice@example.com   # the one used at start\n\n\
         Accounts:\n    bob@example.com:\n        enabled = false\n"
    );
}

#[test]
fn new_entries_go_to_their_canonical_place_indented_like_their_neighbours() {
    let edited = change(COMMENTED, |d| {
        let alice = group(d, &["Accounts", "alice@example.com"]);
        alice.insert("enabled_extra", "1");
        alice.insert("auth", Data::from_iter([("username", "alice")]));
        group(alice, &["rtp"]).insert("zz", Value::Nothing);
        group(d, &["Accounts"]).insert("carol@example.com", Data::from_iter([("enabled", "true")]));
        d.insert("a_first", "x");
    });
    assert_eq!(
        edited,
        "\
# sipclient configuration, edited by hand

a_first = x
default_account = alice@example.com   # the one used at start

Accounts:
    # Alice's work account
    alice@example.com:
        display_name = 'Alice Example'
        enabled = true
        enabled_extra = 1

        auth:
            username = alice

        # audio
        rtp:
          audio_codec_list = G722,PCMU
          zz =
          # srtp = optional

    bob@example.com:
        enabled = false
    carol@example.com:
        enabled = true

"
    );
}

#[test]
fn into_an_empty_group_and_an_empty_or_blank_file() {
    assert_eq!(
        change("g:\n# c\n", |d| {
            group(d, &["g"]).insert("a", "1");
        }),
        "g:\n    a = 1\n# c\n"
    );
    assert_eq!(
        change("  g:  # c\n", |d| {
            group(d, &["g"]).insert("a", "1");
        }),
        "  g:  # c\n      a = 1\n"
    );
    let new = Data::from_iter([("a", "1")]);
    assert_eq!(ed("", &new), "a = 1\n");
    assert_eq!(ed("\n  \n", &new), "a = 1\n");
    assert_eq!(ed("# only a comment", &new), "# only a comment\na = 1\n");
    assert_eq!(ed("a = 1", &Data::new()), "\n");
    assert_eq!(ed("# c\n\na = 1\n", &Data::new()), "# c\n\n");
}

#[test]
fn a_last_line_without_a_line_ending() {
    assert_eq!(
        change("a = 1", |d| {
            d.insert("a", "2");
        }),
        "a = 2"
    );
    assert_eq!(
        change("a = 1", |d| {
            d.insert("b", "2");
        }),
        "a = 1\nb = 2\n"
    );
    assert_eq!(
        change("g:\n  a = 1", |d| {
            d.insert("h", "2");
        }),
        "h = 2\ng:\n  a = 1"
    );
}

#[test]
fn crlf_line_endings_are_kept_and_used_for_new_lines() {
    let text = "# c\r\ng:\r\n    a = 1\r\n\r\n";
    let edited = change(text, |d| {
        group(d, &["g"]).insert("a", "2");
        group(d, &["g"]).insert("s", Data::from_iter([("x", "y")]));
    });
    assert_eq!(
        edited,
        "# c\r\ng:\r\n    a = 2\r\n    s:\r\n        x = y\r\n\r\n\r\n"
    );
    assert_eq!(ed("\r\n", &Data::from_iter([("a", "1")])), "a = 1\r\n");
}

#[test]
fn a_byte_order_mark_is_kept() {
    let text = "\u{feff}# c\na = 1\n";
    let new = Data::from_iter([("a", "2")]);
    assert_eq!(rewrite(text, path(), &new).unwrap(), "\u{feff}# c\na = 2\n");
    assert_eq!(ed(text, &new), "# c\na = 2\n");
}

#[test]
fn repeated_names_stay_while_their_kind_does_and_all_go_otherwise() {
    let text = "a = 1\n# second\na = 2\nb = 3\n";
    assert_eq!(
        change(text, |d| {
            d.insert("a", "9");
        }),
        "a = 1\n# second\na = 9\nb = 3\n"
    );
    assert_eq!(
        change(text, |d| {
            d.remove("a");
        }),
        "b = 3\n"
    );
    // An ignored group before a setting of the same name.
    let text = "g:\n    x = 1\ng = s\n";
    assert_eq!(
        change(text, |d| {
            d.insert("g", Data::from_iter([("y", "2")]));
        }),
        "g:\n    y = 2\n\n"
    );
    assert_eq!(
        change(text, |d| {
            d.insert("g", "t");
        }),
        "g:\n    x = 1\ng = t\n"
    );
}

#[test]
fn a_setting_that_becomes_a_group_and_back() {
    let text = "# about a\na = 1\nb:\n  x = 1\nc = 2\n";
    let edited = change(text, |d| {
        d.insert("a", Data::from_iter([("k", "v")]));
        d.insert("b", "now a value");
    });
    assert_eq!(edited, "b = \"now a value\"\nc = 2\na:\n    k = v\n\n");
}

#[test]
fn groups_in_canonical_files_keep_the_canonical_blank_lines() {
    let old = p("x = 1\ng:\n    a = 1\n    s:\n        k = v\n");
    let canonical = write(&old).unwrap();
    let mut new = old.clone();
    group(&mut new, &["g"]).remove("s");
    assert_eq!(ed(&canonical, &new), write(&new).unwrap());
    let mut new = old.clone();
    group(&mut new, &["g"]).insert("t", Data::new());
    new.insert("h", Data::new());
    assert_eq!(ed(&canonical, &new), write(&new).unwrap());
}

#[test]
fn errors() {
    let error = rewrite("a = 1\nb = \"x\n", path(), &Data::new()).unwrap_err();
    assert_eq!(
        error,
        EditError::Unreadable(parse("a = 1\nb = \"x\n", path()).unwrap_err())
    );
    assert_eq!(
        error.to_string(),
        "cannot edit the file: t.cfg:2:5: missing ending quote"
    );
    // Errors inside values, in any item of a list: the edit reads values as the parser does
    // (without building them) and fails where and as it does.
    for text in [
        "a = x, \"y\n",
        "a = x, y, 'z\n",
        "g:\n    a = b = c\n",
        "a = x, y = z\n",
        "a = x\\\n",
        "a = x, y\\\n",
        "a = \"x\" \"y\n",
        "a = , \"\n",
    ] {
        let expected = parse(text, path()).unwrap_err();
        assert_eq!(
            rewrite(text, path(), &Data::new()).unwrap_err(),
            EditError::Unreadable(expected),
            "{text:?}"
        );
    }
    let bad = Data::from_iter([("g", Data::from_iter([("", "x")]))]);
    assert_eq!(
        rewrite("g:\n  y = 1\n", path(), &bad).unwrap_err(),
        EditError::Unwritable(write(&bad).unwrap_err())
    );
    let bad = Data::from_iter([("g", Data::from_iter([("", Data::new())]))]);
    assert_eq!(
        rewrite("", path(), &bad).unwrap_err(),
        EditError::Unwritable(write(&bad).unwrap_err())
    );
}

#[test]
fn deep_nesting_is_edited_without_recursion() {
    let handle = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(|| {
            let depth = 3_000;
            let mut text = String::new();
            for level in 0..depth {
                text.push_str(&" ".repeat(level));
                text.push_str("g:  # level\n");
            }
            text.push_str(&" ".repeat(depth));
            text.push_str("leaf = x\n");
            let mut new = p(&text);
            let mut inner = &mut new;
            for _ in 0..depth {
                inner = inner.group_mut("g").expect("a group");
            }
            inner.insert("leaf", "y");
            inner.insert("more", Data::from_iter([("k", "v")]));
            let edited = ed(&text, &new);
            assert!(edited.starts_with("g:  # level\n g:  # level\n"));
        })
        .expect("a thread");
    handle.join().expect("no panic");
}

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

/// Few names, so that random old and new documents share many.
fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => proptest::sample::select(vec!["a", "b", "c", "g", "h"]).prop_map(String::from),
        1 => proptest::sample::select(vec!["x y", "k:v", "it's", "#", "é", "\u{feff}b"])
            .prop_map(String::from),
    ]
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => proptest::sample::select(vec!["1", "x", "", "a b", "sip:a@b", "#", ",", "q\"'\\"])
            .prop_map(String::from),
        1 => "[ -~\n\r\t\u{a0}é]{0,6}",
    ]
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Nothing),
        text().prop_map(Value::String),
        proptest::collection::vec(text(), 0..4).prop_map(Value::List),
    ]
}

fn data() -> impl Strategy<Value = Data> {
    let leaves = proptest::collection::btree_map(name(), leaf(), 0..5)
        .prop_map(|entries| entries.into_iter().collect::<Data>());
    leaves.prop_recursive(3, 40, 5, |inner| {
        proptest::collection::btree_map(
            name(),
            prop_oneof![2 => leaf(), 1 => inner.prop_map(Value::Group)],
            0..5,
        )
        .prop_map(|entries| entries.into_iter().collect::<Data>())
    })
}

/// How a hand-made file lays a document out: a stream of random choices.
#[derive(Debug, Clone)]
struct Layout {
    choices: Vec<u8>,
    crlf: bool,
    bom: bool,
}

impl Layout {
    fn pick(&mut self, at: &mut usize, options: u8) -> u8 {
        let choice = self
            .choices
            .get(*at % self.choices.len().max(1))
            .copied()
            .unwrap_or(0);
        *at += 1;
        choice % options.max(1)
    }
}

fn layout() -> impl Strategy<Value = Layout> {
    (
        proptest::collection::vec(any::<u8>(), 1..64),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(choices, crlf, bom)| Layout { choices, crlf, bom })
}

/// A string quoted with single quotes (escaping what must be).
fn single_quoted(s: &str) -> String {
    let mut out = String::from("'");
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

fn string_text(layout: &mut Layout, at: &mut usize, s: &str) -> String {
    if layout.pick(at, 3) == 0 {
        single_quoted(s)
    } else {
        let mut out = String::new();
        file_format::push_escaped(&mut out, s);
        out
    }
}

/// `data` written by hand: random indentation (per group), order, spacing, quoting, comments,
/// blank lines, ignored earlier duplicates; read back it is `data`.
fn hand_written(data: &Data, layout: &mut Layout) -> String {
    let mut at = 0;
    let mut out = String::new();
    if layout.bom {
        out.push('\u{feff}');
    }
    let newline = if layout.crlf { "\r\n" } else { "\n" };
    // (group, indentation of its entries, entries still to write)
    let mut stack: Vec<(String, Vec<(String, Value)>)> = Vec::new();
    let entries = |data: &Data, layout: &mut Layout, at: &mut usize| {
        let mut entries: Vec<(String, Value)> = data
            .iter()
            .map(|(n, v)| (n.to_string(), v.clone()))
            .collect();
        if layout.pick(at, 2) == 0 {
            entries.reverse();
        }
        entries
    };
    let top = entries(data, layout, &mut at);
    stack.push((String::new(), top));
    while let Some((indentation, mut rest)) = stack.pop() {
        let Some((name, value)) = rest.pop() else {
            continue;
        };
        stack.push((indentation.clone(), rest));
        match layout.pick(&mut at, 6) {
            0 => {
                out.push_str(newline);
            }
            1 => {
                match layout.pick(&mut at, 3) {
                    0 => {}
                    1 => out.push_str(&indentation),
                    _ => out.push_str(&format!("{indentation}      ")),
                }
                out.push_str("# a comment, = : ' \"");
                out.push_str(newline);
            }
            2 => {
                // An earlier entry of the same name, which reading ignores.
                out.push_str(&indentation);
                out.push_str(&string_text(layout, &mut at, &name));
                out.push_str(" = ignored");
                out.push_str(newline);
            }
            _ => {}
        }
        out.push_str(&indentation);
        out.push_str(&string_text(layout, &mut at, &name));
        match &value {
            Value::Group(sub) => {
                out.push_str(if layout.pick(&mut at, 2) == 0 {
                    ":  # group"
                } else {
                    ":"
                });
                out.push_str(newline);
                let deeper = match layout.pick(&mut at, 3) {
                    0 => format!("{indentation}\t"),
                    1 => format!("{indentation}  "),
                    _ => format!("{indentation}    "),
                };
                let sub_entries = entries(sub, layout, &mut at);
                stack.push((deeper, sub_entries));
            }
            Value::Nothing => {
                out.push_str(if layout.pick(&mut at, 2) == 0 {
                    " ="
                } else {
                    "=   # nothing"
                });
                out.push_str(newline);
            }
            Value::String(s) => {
                out.push_str(if layout.pick(&mut at, 2) == 0 {
                    " = "
                } else {
                    "="
                });
                out.push_str(&string_text(layout, &mut at, s));
                out.push_str(if layout.pick(&mut at, 2) == 0 {
                    "  # c"
                } else {
                    ""
                });
                out.push_str(newline);
            }
            Value::List(items) => {
                out.push_str(" = ");
                if items.is_empty() {
                    out.push(',');
                }
                let separator = if layout.pick(&mut at, 2) == 0 {
                    ","
                } else {
                    " , "
                };
                for (index, item) in items.iter().enumerate() {
                    if index > 0 {
                        out.push_str(separator);
                    }
                    out.push_str(&string_text(layout, &mut at, item));
                }
                if items.len() == 1 {
                    out.push(',');
                }
                out.push_str(newline);
            }
        }
    }
    if layout.pick(&mut at, 4) == 0 {
        if let Some(stripped) = out.strip_suffix(newline) {
            out.truncate(stripped.len());
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(512)
    ))]

    #[test]
    fn canonical_text_is_edited_into_the_canonical_text(old in data(), new in data()) {
        let written = write(&old).unwrap();
        let edited = edit(&written, path(), &new).unwrap();
        prop_assert_eq!(edited, write(&new).unwrap());
    }

    #[test]
    fn hand_written_text_is_edited_into_the_new_document(
        old in data(),
        new in data(),
        mut layout in layout(),
    ) {
        let text = hand_written(&old, &mut layout);
        let body = text.strip_prefix('\u{feff}').unwrap_or(&text);
        prop_assert_eq!(&p(body), &old, "the layout {:?} reads back", text);
        let edited = edit(body, path(), &new).unwrap();
        prop_assert_eq!(&p(&edited), &new, "{:?} edited into {:?}", text, edited);
        // Editing into the same document changes nothing.
        if !body.trim().is_empty() {
            prop_assert_eq!(edit(body, path(), &old).unwrap(), body);
        }
        // Lines keep their endings.
        if layout.crlf && body.contains('\n') {
            prop_assert_eq!(edited.matches('\n').count(), edited.matches("\r\n").count());
        }
    }
}

#[test]
fn a_removed_last_group_leaves_the_blank_line_its_parent_needs() {
    let text = "g:\n    a = 1\n    s:\n        k = v\n\nh = 1\n";
    assert_eq!(
        change(text, |d| {
            group(d, &["g"]).remove("s");
        }),
        "g:\n    a = 1\n\nh = 1\n"
    );
    // With the canonical two blank lines, one goes with the group.
    let text = "g:\n    a = 1\n    s:\n        k = v\n\n\nh:\n";
    assert_eq!(
        change(text, |d| {
            group(d, &["g"]).remove("s");
        }),
        "g:\n    a = 1\n\nh:\n"
    );
}

/// The tables are as large as the file several times over: their rows stay small.
#[cfg(target_pointer_width = "64")]
#[test]
fn a_line_and_an_entry_of_the_tables_stay_small() {
    // 100,000 accounts are 1.2 million lines and 900,000 entries in a hand-laid file.
    assert_eq!(std::mem::size_of::<Line>(), 8);
    assert_eq!(std::mem::size_of::<Node<'_>>(), 64);
    assert_eq!(small(NONE), SMALL_NONE);
    assert_eq!(wide(SMALL_NONE), NONE);
    assert_eq!(wide(small(12)), 12);
}

/// Entries out of name order, repeated names and a group of many entries: the side-by-side walk
/// of the file's entries (sorted once) and the document's finds the same entries as look-ups.
#[test]
fn many_entries_out_of_order_are_edited_like_few() {
    let mut text = String::from("Accounts:\n");
    for n in (0..300).rev() {
        text.push_str(&format!(
            "    user{n}@example.com:\n        enabled = true\n        display_name = User {n}\n\n"
        ));
    }
    text.push_str("    user7@example.com:\n        enabled = false\n\n");
    let old = p(&text);
    let edited = change(&text, |data| {
        let accounts = group(data, &["Accounts"]);
        accounts.remove("user250@example.com");
        accounts.insert(
            "user1000@example.com",
            Data::from_iter([("enabled", "true")]),
        );
        group(accounts, &["user3@example.com"]).insert("display_name", "Changed");
    });
    let mut expected = old.clone();
    let accounts = group(&mut expected, &["Accounts"]);
    accounts.remove("user250@example.com");
    accounts.insert(
        "user1000@example.com",
        Data::from_iter([("enabled", "true")]),
    );
    group(accounts, &["user3@example.com"]).insert("display_name", "Changed");
    assert_eq!(p(&edited), expected);
    // Only what changed did: one value, one account gone (4 lines), one added (3 lines).
    assert!(edited.contains(
        "    user3@example.com:\n        enabled = true\n        display_name = Changed\n"
    ));
    assert!(!edited.contains("user250@"));
    // The repeated user7 keeps both its entries (the later one counts).
    assert_eq!(edited.matches("    user7@example.com:\n").count(), 2);
    assert_eq!(
        edited.lines().count(),
        text.lines().count() - 4 + 3,
        "{edited}"
    );
}
