//! `key=value` arguments of `set`, as people type them, and the messages for refused ones.

use sipcfg::{RawObject, SettingError, TextValue};

use super::exit::CliError;

/// What a `key=value` argument asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Assignment {
    /// `DEFAULT`: back to the default.
    Default,
    /// `None`: no value (nillable settings only).
    Nothing,
    /// Any other text, parsed by the setting's type. `\None` and `\DEFAULT` are the texts
    /// `None` and `DEFAULT` (see [`unescape_word`]).
    Text(String),
}

/// Whether `text` is `None` or `DEFAULT` after any number of leading backslashes.
fn is_escaped_word(text: &str) -> bool {
    matches!(text.trim_start_matches('\\'), "None" | "DEFAULT")
}

/// The text that a value typed after `=` stands for: `\None` is the text `None`, `\DEFAULT`
/// the text `DEFAULT`, and generally one leading backslash is dropped from a backslash-escaped
/// `None` or `DEFAULT` (`\\None` is `\None`). Every other text, backslashes included, is
/// itself. (`None` and `DEFAULT` alone are the words of [`Assignment`].)
pub fn unescape_word(text: &str) -> &str {
    match text.strip_prefix('\\') {
        Some(rest) if is_escaped_word(rest) => rest,
        _ => text,
    }
}

/// The form of a text value that `set` reads back as that text: [`unescape_word`] reversed,
/// a backslash before `None`, `DEFAULT` and their backslash-escaped forms. `get` prints values
/// this way, so that `set "KEY=$(get KEY)"` changes nothing.
///
/// ```
/// use sipcfg_settings::cli::values::{escape_word, unescape_word};
///
/// assert_eq!(escape_word("None"), "\\None");
/// assert_eq!(escape_word("\\DEFAULT"), "\\\\DEFAULT");
/// assert_eq!(escape_word("Nonesuch"), "Nonesuch");
/// for text in ["None", "DEFAULT", "\\None", "\\x", "plain"] {
///     assert_eq!(unescape_word(&escape_word(text)), text);
/// }
/// ```
pub fn escape_word(text: &str) -> std::borrow::Cow<'_, str> {
    if is_escaped_word(text) {
        std::borrow::Cow::Owned(format!("\\{text}"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// One `key=value` argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pair {
    /// The dotted path of the setting.
    pub key: String,
    /// The value.
    pub value: Assignment,
}

impl Pair {
    /// The value for [`RawObject::set_many`], with the text normalized for the setting's type
    /// on `object`: a port range typed `start:end`, as the reference accepted, becomes
    /// `start-end`, and a SIP proxy address written as a SIP URI (`sip:host[:port][;...]`)
    /// loses its scheme (`sips:` asks for TLS: it adds `;transport=tls`, and refuses another
    /// transport). The error says why a text cannot be normalized.
    pub fn text_value<'a>(
        &'a self,
        object: &RawObject,
        scratch: &'a mut String,
    ) -> Result<TextValue<'a>, String> {
        match &self.value {
            Assignment::Default => Ok(TextValue::Default),
            Assignment::Nothing => Ok(TextValue::Nothing),
            Assignment::Text(text) => {
                let type_name = object
                    .setting(&self.key)
                    .map(|setting| setting.type_info.name)
                    .unwrap_or_default();
                match type_name.as_str() {
                    "PortRange" if text.matches(':').count() == 1 && !text.contains('-') => {
                        *scratch = text.replace(':', "-");
                        Ok(TextValue::Text(scratch))
                    }
                    "SIPProxyAddress" => match proxy_without_scheme(text) {
                        Ok(Some(normalized)) => {
                            *scratch = normalized;
                            Ok(TextValue::Text(scratch))
                        }
                        Ok(None) => Ok(TextValue::Text(text)),
                        Err(why) => Err(format!(
                            "invalid value for {}: {why}, found {text:?}",
                            self.key
                        )),
                    },
                    _ => Ok(TextValue::Text(text)),
                }
            }
        }
    }
}

/// A SIP proxy address written as a SIP URI, without its scheme: `sip:host...` is `host...`,
/// `sips:host` is `host;transport=tls`. None if `text` has no such scheme (`sip:5060`, the host
/// `sip` at port 5060, has none).
fn proxy_without_scheme(text: &str) -> Result<Option<String>, String> {
    let trimmed = text.trim();
    let Some((scheme, rest)) = trimmed.split_once(':') else {
        return Ok(None);
    };
    let secure = if scheme.eq_ignore_ascii_case("sip") {
        false
    } else if scheme.eq_ignore_ascii_case("sips") {
        true
    } else {
        return Ok(None);
    };
    let port_only = rest
        .split(';')
        .next()
        .is_some_and(|port| !port.is_empty() && port.chars().all(|c| c.is_ascii_digit()));
    if port_only {
        return Ok(None);
    }
    if !secure {
        return Ok(Some(rest.to_owned()));
    }
    let transport = rest.split(';').skip(1).find_map(|parameter| {
        let (name, value) = parameter.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("transport")
            .then(|| value.trim().to_ascii_lowercase())
    });
    match transport {
        None => Ok(Some(format!("{rest};transport=tls"))),
        Some(transport) if transport == "tls" => Ok(Some(rest.to_owned())),
        Some(transport) => Err(format!(
            "a sips: URI is reached over TLS, not transport={transport} (write sip: instead)"
        )),
    }
}

/// Parses `key=value` arguments (split at the first `=`). An argument without `=` or with an
/// empty key is a usage error.
pub fn parse_pairs(args: &[String]) -> Result<Vec<Pair>, CliError> {
    if args.is_empty() {
        return Err(CliError::usage("set needs at least one KEY=VALUE argument"));
    }
    args.iter()
        .map(|arg| {
            let Some((key, value)) = arg.split_once('=') else {
                return Err(CliError::usage(format!(
                    "expected KEY=VALUE, found {arg:?} (use KEY=DEFAULT to reset a setting)"
                )));
            };
            let key = key.trim();
            if key.is_empty() {
                return Err(CliError::usage(format!(
                    "expected KEY=VALUE, found {arg:?}: the key is empty"
                )));
            }
            let value = match value {
                "DEFAULT" => Assignment::Default,
                "None" => Assignment::Nothing,
                text => Assignment::Text(unescape_word(text).to_owned()),
            };
            Ok(Pair {
                key: key.to_owned(),
                value,
            })
        })
        .collect()
}

/// Assigns every pair to `object`, all or nothing; the messages of every refused pair.
pub fn apply_pairs(object: &RawObject, pairs: &[Pair]) -> Result<(), Vec<String>> {
    let mut scratch: Vec<String> = vec![String::new(); pairs.len()];
    let mut refused = Vec::new();
    let mut refused_keys = Vec::new();
    let mut changes: Vec<(&str, TextValue<'_>)> = Vec::with_capacity(pairs.len());
    for (pair, scratch) in pairs.iter().zip(scratch.iter_mut()) {
        match pair.text_value(object, scratch) {
            Ok(value) => changes.push((pair.key.as_str(), value)),
            Err(message) => {
                refused.push(message);
                refused_keys.push(pair.key.as_str());
                // Assigned as typed, which the setting's type refuses too (so that nothing is
                // assigned); that second message is dropped below.
                if let Assignment::Text(text) = &pair.value {
                    changes.push((pair.key.as_str(), TextValue::Text(text)));
                }
            }
        }
    }
    if let Err(errors) = object.set_many(&changes) {
        refused.extend(
            errors
                .iter()
                .filter(|error| !matches!(error, SettingError::Invalid { path, .. } if refused_keys.contains(&path.as_str())))
                .map(|error| explain(object, error)),
        );
    }
    if refused.is_empty() {
        Ok(())
    } else {
        Err(refused)
    }
}

/// A refused pair explained: what, why, and the allowed values or similar names.
pub fn explain(object: &RawObject, error: &SettingError) -> String {
    match error {
        SettingError::Invalid { path, .. } | SettingError::NotNillable { path } => {
            let mut message = error.to_string();
            if let Ok(setting) = object.setting(path) {
                // Say what is accepted, unless the type's own message already does.
                let hint = match (&setting.type_info.allowed_values, &setting.type_info.format) {
                    (Some(allowed), _) if !allowed.iter().all(|v| message.contains(v.as_str())) => {
                        Some(format!(" (allowed values: {})", allowed.join(", ")))
                    }
                    (None, Some(format)) if !message.contains(format.as_str()) => {
                        Some(format!(" (format: {format})"))
                    }
                    _ => None,
                };
                message.push_str(&hint.unwrap_or_default());
                if matches!(error, SettingError::NotNillable { .. }) {
                    message.push_str("; use DEFAULT to reset it");
                }
            }
            message
        }
        SettingError::Unknown { path, .. } => {
            let mut message = format!("unknown setting {path}");
            let similar = similar_paths(object, path);
            if !similar.is_empty() {
                message.push_str(&format!(" (did you mean {}?)", similar.join(", ")));
            }
            message.push_str(&neighbours(object, path));
            message
        }
        SettingError::IsGroup { path } => {
            let inside: Vec<String> = object
                .settings()
                .into_iter()
                .filter(|setting| setting.path.starts_with(&format!("{path}.")))
                .map(|setting| setting.path)
                .take(6)
                .collect();
            let mut message = error.to_string();
            if !inside.is_empty() {
                message.push_str(&format!(" (its settings: {}", inside.join(", ")));
                message.push_str(if inside.len() == 6 { ", ...)" } else { ")" });
            }
            message
        }
        other => other.to_string(),
    }
}

/// What is around an unknown `path`: `; settings of GROUP: ...` when its group exists, else
/// the object's own settings and groups.
fn neighbours(object: &RawObject, path: &str) -> String {
    let settings = object.settings();
    let group = path.rsplit_once('.').map(|(group, _)| group);
    if let Some(group) = group {
        let prefix = format!("{group}.");
        let names: Vec<&str> = settings
            .iter()
            .filter_map(|setting| setting.path.strip_prefix(prefix.as_str()))
            .filter(|rest| !rest.contains('.'))
            .collect();
        if !names.is_empty() {
            return format!("; the settings of {group}: {}", names.join(", "));
        }
    }
    let mut top: Vec<String> = settings
        .iter()
        .map(|setting| match setting.path.split_once('.') {
            Some((group, _)) => format!("{group}.*"),
            None => setting.path.clone(),
        })
        .collect();
    top.sort();
    top.dedup();
    format!("; the settings and groups here: {}", top.join(", "))
}

/// The paths of `object` close to `path`: same last name, or a small edit distance (letters
/// swapped count as one edit).
pub fn similar_paths(object: &RawObject, path: &str) -> Vec<String> {
    let name = path.rsplit('.').next().unwrap_or(path);
    let mut scored: Vec<(usize, String)> = object
        .settings()
        .into_iter()
        .filter_map(|setting| {
            let distance = strsim::damerau_levenshtein(&setting.path, path);
            let same_name = setting.name == name;
            let close = distance <= (path.chars().count() / 4).max(2);
            (same_name || close).then_some((if same_name { 0 } else { distance }, setting.path))
        })
        .collect();
    scored.sort();
    scored.into_iter().take(3).map(|(_, path)| path).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn pairs_split_at_the_first_equals_sign() {
        let pairs = parse_pairs(&strings(&["a.b=x=y", "c=None", "d=DEFAULT", "e="])).unwrap();
        assert_eq!(pairs[0].key, "a.b");
        assert_eq!(pairs[0].value, Assignment::Text("x=y".into()));
        assert_eq!(pairs[1].value, Assignment::Nothing);
        assert_eq!(pairs[2].value, Assignment::Default);
        assert_eq!(pairs[3].value, Assignment::Text(String::new()));
    }

    #[test]
    fn a_backslash_makes_none_and_default_texts() {
        let pairs = parse_pairs(&strings(&[
            "a=\\None",
            "b=\\DEFAULT",
            "c=\\\\None",
            "d=\\other",
            "e=C:\\None",
            "f=\\",
        ]))
        .unwrap();
        let texts: Vec<&Assignment> = pairs.iter().map(|pair| &pair.value).collect();
        assert_eq!(
            texts,
            [
                &Assignment::Text("None".into()),
                &Assignment::Text("DEFAULT".into()),
                &Assignment::Text("\\None".into()),
                &Assignment::Text("\\other".into()),
                &Assignment::Text("C:\\None".into()),
                &Assignment::Text("\\".into()),
            ]
        );
    }

    #[test]
    fn escape_word_round_trips_through_set() {
        for text in [
            "None",
            "DEFAULT",
            "\\None",
            "\\\\DEFAULT",
            "none",
            "\\",
            "",
            "x",
            "None ",
        ] {
            let typed = format!("k={}", escape_word(text));
            let pairs = parse_pairs(std::slice::from_ref(&typed)).unwrap();
            assert_eq!(pairs[0].value, Assignment::Text(text.to_owned()), "{typed}");
        }
    }

    #[test]
    fn arguments_without_equals_or_key_are_usage_errors() {
        for args in [&["a"][..], &["=x"], &[]] {
            let error = parse_pairs(&strings(args)).unwrap_err();
            assert_eq!(error.status, super::super::exit::Status::Usage, "{args:?}");
        }
    }
}
