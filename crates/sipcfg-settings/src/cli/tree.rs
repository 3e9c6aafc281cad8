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

/// How values are shown.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TreeOptions {
    /// Show secret values (passwords) instead of masking them.
    pub show_passwords: bool,
    /// The terminal width: long values are cut to fit (with `...`). `None` when not writing
    /// to a terminal: values are never cut.
    pub width: Option<usize>,
}

/// A setting's value as people read it (`True`, `None`, `PortRange(start=1, end=2)`), masked
/// if it is secret and passwords are not shown.
pub fn shown_value(setting: &SettingInfo, show_passwords: bool) -> String {
    if setting.secret && !show_passwords {
        SECRET_MASK.to_owned()
    } else {
        setting.value.display()
    }
}

/// `value` cut to fit a line of `width` characters that draws setting `setting_name` of a group
/// called `group_name`: the reference's `width - (len(group)+7) - (len(setting)+4)` characters,
/// the last three of them `...`. Counts characters, never panics, whatever the width.
pub fn fit_value(value: &str, width: usize, group_name: &str, setting_name: &str) -> String {
    let used = group_name.chars().count() + 7 + setting_name.chars().count() + 4;
    let max_chars = width.saturating_sub(used);
    if value.chars().count() <= max_chars {
        return value.to_owned();
    }
    let kept: String = value.chars().take(max_chars.saturating_sub(3)).collect();
    format!("{kept}...")
}

/// Draws `group` under the name `name` (and its sub-groups below it), appending to `out`.
pub fn render(group: &GroupInfo, name: &str, options: &TreeOptions, out: &mut String) {
    let mut settings: Vec<&SettingInfo> = group.settings.iter().collect();
    settings.sort_by(|a, b| a.name.cmp(b.name));
    let mut groups: Vec<&GroupInfo> = group.groups.iter().collect();
    groups.sort_by(|a, b| a.name.cmp(b.name));

    let mut children: Vec<String> = settings
        .iter()
        .map(|setting| {
            let mut value = shown_value(setting, options.show_passwords);
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

    #[test]
    fn fit_value_counts_characters_and_survives_tiny_widths() {
        let value = "é".repeat(30);
        let fitted = fit_value(&value, 40, "rtp", "codec");
        assert_eq!(fitted, format!("{}...", "é".repeat(18)));
        for width in 0..25 {
            let fitted = fit_value(&value, width, "rtp", "codec");
            assert!(fitted.ends_with("..."), "{width}: {fitted}");
        }
        assert_eq!(fit_value("", 0, "rtp", "codec"), "");
    }
}

#[cfg(test)]
mod render_tests {
    use sipcfg::backend::MemoryBackend;
    use sipcfg::ConfigurationManager;

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
            assert!(line.chars().count() < width, "{line:?}");
        }
        // Only values change: the same lines, in the same order.
        assert_eq!(full.lines().count(), fitted.lines().count());
    }

    #[test]
    fn tiny_widths_do_not_panic() {
        let tree = general_tree();
        for width in 0..20 {
            let mut out = String::new();
            let options = TreeOptions {
                show_passwords: false,
                width: Some(width),
            };
            render(&tree, "SIP SIMPLE", &options, &mut out);
            assert!(out.contains("user_agent = ..."), "{width}");
        }
    }
}
