//! `describe KEY`: everything about one setting, for people.

use sipcfg::SettingInfo;

use super::escape::escape_control;
use super::tree::shown_value;

/// The label column of `describe`.
const LABEL_WIDTH: usize = 16;

fn field(out: &mut String, label: &str, value: &str) {
    let mut lines = value.lines();
    let first = lines.next().unwrap_or("");
    out.push_str(&format!("{:<LABEL_WIDTH$}{first}\n", format!("{label}:")));
    for line in lines {
        out.push_str(&format!("{:LABEL_WIDTH$}{line}\n", ""));
    }
}

fn quoted_if_empty(text: String) -> String {
    if text.is_empty() {
        "\"\" (empty)".to_owned()
    } else {
        text
    }
}

/// Describes `setting`: path, type, default, nillable, allowed values, format, description and,
/// when `value` is true, the current value (of `account`, if given). The account, default and
/// value are shown with their control characters escaped (one line each).
pub fn describe(
    setting: &SettingInfo,
    show_passwords: bool,
    account: Option<&str>,
    value: bool,
) -> String {
    let mut out = String::new();
    if let Some(account) = account {
        field(&mut out, "account", &escape_control(account));
    }
    field(&mut out, "path", &setting.path);
    field(&mut out, "type", &setting.type_info.name);
    field(
        &mut out,
        "default",
        &quoted_if_empty(escape_control(&setting.default.display()).into_owned()),
    );
    field(
        &mut out,
        "nillable",
        if setting.nillable {
            "yes (None clears it)"
        } else {
            "no"
        },
    );
    if let Some(allowed) = &setting.type_info.allowed_values {
        field(&mut out, "allowed values", &allowed.join(", "));
    }
    if let Some(format) = &setting.type_info.format {
        field(&mut out, "format", format);
    }
    field(&mut out, "description", setting.doc.trim());
    if let Some(extension) = setting.extension {
        field(&mut out, "added by", extension);
    }
    if value {
        let mut shown =
            quoted_if_empty(escape_control(&shown_value(setting, show_passwords)).into_owned());
        if !setting.explicit {
            shown.push_str(" (the default)");
        }
        field(&mut out, "value", &shown);
    }
    out
}
