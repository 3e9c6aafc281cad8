//! The tree drawing of `show`, as the reference tool draws it (and the spec prints it):
//!
//! ```text
//!       +-- audio_codec_list = None
//! rtp --|-- inband_dtmf = False
//!       |-- srtp_encryption = optional
//!       +-- use_srtp_without_tls = False
//! ```
//!
//! An object's children are its settings sorted by name, then its sub-groups sorted by name
//! (named only); each sub-group is then drawn the same way below, after an empty line.

use sipcfg::{GroupInfo, SettingInfo, SECRET_MASK};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use super::escape::escape_control;

/// How values are shown.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TreeOptions {
    /// Show secret values (passwords) instead of masking them.
    pub show_passwords: bool,
    /// The terminal width, in columns: long values are cut to fit (with `...`). `None` when
    /// not writing to a terminal: values are never cut.
    pub width: Option<usize>,
}

/// A setting's value as people read it (`True`, `None`, `PortRange(start=1, end=2)`), masked
/// if it is secret and passwords are not shown ([`masked`]: an empty password is shown as
/// [`EMPTY_SECRET`], no password as `None`). Control characters are not escaped: see
/// [`escape_control`] for terminals.
pub fn shown_value(setting: &SettingInfo, show_passwords: bool) -> String {
    if masked(setting, show_passwords) {
        SECRET_MASK.to_owned()
    } else if setting.secret && !show_passwords && is_empty_text(setting) {
        EMPTY_SECRET.to_owned()
    } else {
        setting.value.display()
    }
}

/// How an empty secret (an empty password) is shown instead of the mask: that it is empty is
/// no secret, and worth knowing.
pub const EMPTY_SECRET: &str = "\"\" (empty)";

/// Whether the value of `setting` is hidden behind [`SECRET_MASK`]: a secret with a value
/// (not None, not empty) when passwords are not shown.
pub fn masked(setting: &SettingInfo, show_passwords: bool) -> bool {
    setting.secret
        && !show_passwords
        && !is_empty_text(setting)
        && !setting.value.to_stored().is_nothing()
}

/// Whether the value of `setting` is the empty text.
fn is_empty_text(setting: &SettingInfo) -> bool {
    matches!(setting.value.to_stored(), sipcfg::Value::String(text) if text.is_empty())
}

/// The `...` that ends a cut value.
const ELLIPSIS: &str = "...";

/// `value` cut to fit a line of a terminal `width` columns wide that draws setting
/// `setting_name` of a group called `group_name`: at most the reference's
/// `width - (len(group)+7) - (len(setting)+4)` columns, so that the line stays shorter than the
/// terminal. Lengths are screen columns (a CJK character takes two, a combining accent none).
///
/// A value that fits is left alone. A longer one keeps as many characters as fit before a
/// closing `...`, and never gets longer. When the group and setting names leave no room for
/// at least one character and the `...`, cutting cannot help: the value is left alone (the
/// terminal wraps the line, as it would any line of piped output). Never panics.
pub fn fit_value(value: &str, width: usize, group_name: &str, setting_name: &str) -> String {
    let used = group_name.width() + 7 + setting_name.width() + 4;
    let budget = width.saturating_sub(used);
    if value.width() <= budget {
        return value.to_owned();
    }
    let room = budget.saturating_sub(ELLIPSIS.len());
    let mut kept = String::new();
    let mut kept_width = 0;
    for c in value.chars() {
        let w = c.width().unwrap_or(0);
        if kept_width + w > room {
            break;
        }
        kept.push(c);
        kept_width += w;
    }
    if kept_width == 0 {
        return value.to_owned();
    }
    kept.push_str(ELLIPSIS);
    kept
}

/// Whether a setting's value differs from its default (compared in their stored forms).
pub fn differs_from_default(setting: &SettingInfo) -> bool {
    setting.value.to_stored() != setting.default.to_stored()
}

/// `group` with only the settings that differ from their defaults (`show --changed`), and only
/// the sub-groups that keep some.
pub fn changed_only(group: &GroupInfo) -> GroupInfo {
    GroupInfo {
        name: group.name,
        path: group.path.clone(),
        doc: group.doc,
        settings: group
            .settings
            .iter()
            .filter(|setting| differs_from_default(setting))
            .cloned()
            .collect(),
        groups: group
            .groups
            .iter()
            .map(changed_only)
            .filter(|sub| !is_empty(sub))
            .collect(),
    }
}

/// Whether `group` has no setting and no sub-group.
pub fn is_empty(group: &GroupInfo) -> bool {
    group.settings.is_empty() && group.groups.is_empty()
}

/// What `show --changed` prints for an object whose settings all have their defaults.
pub const NOTHING_CHANGED: &str = "  (every setting has its default value)";

/// Draws `group` under the name `name` (and its sub-groups below it), appending to `out`.
/// Values are shown with their control characters escaped, so that each child is one line.
pub fn render(group: &GroupInfo, name: &str, options: &TreeOptions, out: &mut String) {
    let mut settings: Vec<&SettingInfo> = group.settings.iter().collect();
    settings.sort_by(|a, b| a.name.cmp(b.name));
    let mut groups: Vec<&GroupInfo> = group.groups.iter().collect();
    groups.sort_by(|a, b| a.name.cmp(b.name));

    let mut children: Vec<String> = settings
        .iter()
        .map(|setting| {
            let mut value =
                escape_control(&shown_value(setting, options.show_passwords)).into_owned();
            if let Some(width) = options.width {
                value = fit_value(&value, width, name, setting.name);
            }
            format!("{} = {value}", setting.name)
        })
        .collect();
    children.extend(groups.iter().map(|group| group.name.to_owned()));

    let prefix = " ".repeat(name.chars().count() + 3);
    let mut children = children.into_iter();
    out.push_str(&prefix);
    out.push('+');
    if let Some(first) = children.next() {
        out.push_str("-- ");
        out.push_str(&first);
    }
    out.push('\n');
    out.push_str(name);
    out.push_str(" --|");
    if let Some(second) = children.next() {
        out.push_str("-- ");
        out.push_str(&second);
    }
    out.push('\n');
    let rest: Vec<String> = children.collect();
    if rest.is_empty() {
        out.push_str(&prefix);
        out.push_str("+\n");
    } else {
        let last = rest.len() - 1;
        for (index, child) in rest.iter().enumerate() {
            out.push_str(&prefix);
            out.push_str(if index == last { "+-- " } else { "|-- " });
            out.push_str(child);
            out.push('\n');
        }
    }
    out.push('\n');
    for sub in groups {
        render(sub, sub.name, options, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_value_cuts_long_values_with_an_ellipsis() {
        // 40 - (3 + 7) - (5 + 4) = 21 characters at most.
        let value = "a".repeat(30);
        let fitted = fit_value(&value, 40, "rtp", "codec");
        assert_eq!(fitted, format!("{}...", "a".repeat(18)));
        assert_eq!(fitted.chars().count(), 21);
        assert_eq!(fit_value("short", 40, "rtp", "codec"), "short");
        assert_eq!(
            fit_value(&"b".repeat(21), 40, "rtp", "codec"),
            "b".repeat(21)
        );
    }

    /// The columns of the line that draws `name = value` in group `group`.
    fn line_width(group: &str, name: &str, value: &str) -> usize {
        group.width() + 7 + name.width() + 3 + value.width()
    }

    #[test]
    fn fit_value_never_makes_a_line_longer_than_the_width() {
        let values = [
            "",
            "a",
            "None",
            "False",
            "PortRange(start=50000, end=50500)",
            &"x".repeat(200),
            &"日本語".repeat(20),
            &"é".repeat(30),
            "ab日本",
        ];
        for width in 0..80 {
            for value in values {
                let fitted = fit_value(value, width, "rtp", "codec");
                let unchanged = fitted == value;
                if !unchanged {
                    // A cut value: a prefix of the value and `...`, on a line that fits.
                    let kept = fitted.strip_suffix("...").expect("ends with ...");
                    assert!(!kept.is_empty() && value.starts_with(kept), "{fitted:?}");
                    assert!(
                        line_width("rtp", "codec", &fitted) < width,
                        "{width}: {value:?} -> {fitted:?}"
                    );
                }
                assert!(fitted.width() <= value.width(), "{width}: {fitted:?}");
                // A value is cut only when its line would not fit.
                if line_width("rtp", "codec", value) < width {
                    assert!(unchanged, "{width}: {value:?} -> {fitted:?}");
                }
            }
        }
    }

    #[test]
    fn narrow_widths_leave_short_values_alone() {
        // rtp and codec take 3 + 7 + 5 + 4 = 19 columns: a width of 19 to 22 leaves 0 to 3,
        // no room for a character and `...`.
        for width in 0..23 {
            assert_eq!(fit_value("None", width, "rtp", "codec"), "None", "{width}");
            assert_eq!(
                fit_value("False", width, "rtp", "codec"),
                "False",
                "{width}"
            );
            let long = "y".repeat(50);
            assert_eq!(fit_value(&long, width, "rtp", "codec"), long, "{width}");
        }
        // 4 columns: one character and `...`.
        assert_eq!(fit_value("False", 23, "rtp", "codec"), "F...");
        assert_eq!(fit_value("None", 23, "rtp", "codec"), "None");
        assert_eq!(fit_value("", 0, "rtp", "codec"), "");
    }

    #[test]
    fn wide_characters_take_two_columns() {
        // 40 - 19 = 21 columns: 9 CJK characters (18 columns) and `...`.
        let value = "日本語".repeat(10);
        let fitted = fit_value(&value, 40, "rtp", "codec");
        assert_eq!(fitted, format!("{}...", "日本語".repeat(3)));
        assert_eq!(fitted.width(), 21);
        // An odd number of columns left: the half column stays empty.
        let fitted = fit_value(&value, 41, "rtp", "codec");
        assert_eq!(fitted.width(), 21);
        // 10 CJK characters take 20 columns: they fit in 21.
        let ten = "日".repeat(10);
        assert_eq!(fit_value(&ten, 40, "rtp", "codec"), ten);
        // The names are measured in columns too.
        assert_eq!(fit_value("abcdef", 24, "日本", "codec"), "a...");
        // Combining accents take no column.
        let accented = "e\u{301}".repeat(10);
        assert_eq!(fit_value(&accented, 19 + 10, "rtp", "codec"), accented);
    }
}

#[cfg(test)]
mod render_tests {
    use sipcfg::backend::MemoryBackend;
    use sipcfg::ConfigurationManager;
    use unicode_width::UnicodeWidthStr;

    use super::*;
    use crate::SIPSimpleSettings;

    fn general_tree() -> GroupInfo {
        let manager = ConfigurationManager::new();
        manager.start(MemoryBackend::new()).expect("start");
        crate::sipclients::register(&manager).expect("extensions");
        let settings = SIPSimpleSettings::get(&manager).expect("settings");
        settings.raw().describe()
    }

    #[test]
    fn a_terminal_width_cuts_long_values_to_fit() {
        let tree = general_tree();
        let mut full = String::new();
        render(&tree, "SIP SIMPLE", &TreeOptions::default(), &mut full);
        assert!(full.contains("AudioCodecList(['G722', 'speex', 'PCMU', 'PCMA'])"));
        assert!(!full.contains("..."));

        let width = 50;
        let mut fitted = String::new();
        let options = TreeOptions {
            show_passwords: false,
            width: Some(width),
        };
        render(&tree, "SIP SIMPLE", &options, &mut fitted);
        // 50 - (3 + 7) - (16 + 4) = 20 characters: 17 of the value and `...`.
        assert!(fitted.contains("audio_codec_list = AudioCodecList(['...\n"));
        for line in fitted.lines().filter(|line| line.contains(" = ")) {
            assert!(line.width() < width, "{line:?}");
        }
        // Only values change: the same lines, in the same order.
        assert_eq!(full.lines().count(), fitted.lines().count());
    }

    #[test]
    fn tiny_widths_do_not_panic_and_do_not_lengthen_lines() {
        let tree = general_tree();
        let mut full = String::new();
        render(&tree, "SIP SIMPLE", &TreeOptions::default(), &mut full);
        for width in 0..40 {
            let mut out = String::new();
            let options = TreeOptions {
                show_passwords: false,
                width: Some(width),
            };
            render(&tree, "SIP SIMPLE", &options, &mut out);
            // SIP SIMPLE and user_agent leave no room: the value is left alone.
            if width < 35 {
                assert!(out.contains("user_agent = sipsimple 0.16.2\n"), "{width}");
            }
            for (line, original) in out.lines().zip(full.lines()) {
                assert!(line.width() <= original.width(), "{width}: {line:?}");
                assert!(
                    line == original || line.width() < width,
                    "{width}: {line:?}"
                );
            }
        }
    }

    #[test]
    fn control_characters_in_values_are_escaped() {
        let manager = ConfigurationManager::new();
        manager.start(MemoryBackend::new()).expect("start");
        let settings = SIPSimpleSettings::get(&manager).expect("settings");
        settings
            .set_user_agent("one\ntwo\u{1b}[31m".to_owned())
            .expect("set");
        let mut out = String::new();
        render(
            &settings.raw().describe(),
            "SIP SIMPLE",
            &TreeOptions::default(),
            &mut out,
        );
        assert!(out.contains("user_agent = one\\ntwo\\x1b[31m\n"), "{out}");
        assert!(!out.contains('\u{1b}'));
    }
}
