//! Text from the configuration as it is shown to people: control characters escaped, so that a
//! value cannot break a line of the output or reach the terminal as a command.

use std::borrow::Cow;

/// `text` with its control characters escaped: `\n`, `\r`, `\t`, the other C0 characters and
/// DEL as `\x1b`, the C1 characters, the Unicode line and paragraph separators and the
/// bidirectional-text controls as `\u{85}`. Other text, backslashes included, is left as it is;
/// text without such characters is borrowed.
///
/// ```
/// use sipcfg_settings::cli::escape::escape_control;
///
/// assert_eq!(escape_control("a\nb\tc\u{1b}[2J"), "a\\nb\\tc\\x1b[2J");
/// assert_eq!(escape_control("Zoë 日本"), "Zoë 日本");
/// ```
pub fn escape_control(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut escaped = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => escaped.push_str("\\n"),
            '\r' => escaped.push_str("\\r"),
            '\t' => escaped.push_str("\\t"),
            c if u32::from(c) < 0x20 || c == '\x7f' => {
                escaped.push_str(&format!("\\x{:02x}", u32::from(c)));
            }
            c if needs_escape(c) => escaped.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
            c => escaped.push(c),
        }
    }
    Cow::Owned(escaped)
}

/// Whether `c` is shown escaped: a control character (C0, DEL, C1), a line or paragraph
/// separator, or a bidirectional-text control (which reorders what follows on the line).
fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}'
                | '\u{2029}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{061c}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(escape_control("a\r\nb"), "a\\r\\nb");
        assert_eq!(escape_control("\u{1b}]0;title\u{7}"), "\\x1b]0;title\\x07");
        assert_eq!(escape_control("\0\x7f"), "\\x00\\x7f");
        assert_eq!(escape_control("\u{85}\u{9b}"), "\\u{85}\\u{9b}");
        assert_eq!(
            escape_control("a\u{2028}b\u{202e}c"),
            "a\\u{2028}b\\u{202e}c"
        );
    }

    #[test]
    fn other_text_is_borrowed_unchanged() {
        for text in ["", "plain", "back\\slash", "Zoë", "日本語", "emoji 🎉"] {
            assert!(matches!(escape_control(text), Cow::Borrowed(t) if t == text));
        }
    }

    #[test]
    fn escaped_text_is_one_line_of_printable_characters() {
        let every_char: String = (0u32..0x3000).filter_map(char::from_u32).collect();
        let escaped = escape_control(&every_char);
        assert_eq!(escaped.lines().count(), 1);
        assert!(!escaped.chars().any(needs_escape));
    }
}
