//! Shell completions (`--completions bash|zsh|fish`): the scripts come from the command-line
//! definition ([`clap_complete`]); the words they offer for the command and its arguments are the
//! commands, `ALL` and every setting name, given to the parser as "possible values" that it never
//! enforces (the commands check their arguments themselves, with their own messages).

use std::ffi::OsStr;
use std::sync::OnceLock;

use clap::builder::{PossibleValue, TypedValueParser};
use clap::error::{Error, ErrorKind};

use crate::{Account, SIPSimpleSettings};

/// The commands of both targets, for completion.
pub const COMMANDS: &[&str] = &[
    "add", "default", "delete", "describe", "get", "list", "set", "show",
];

/// A value parser that accepts any UTF-8 text and offers `words` to completion scripts.
#[derive(Clone, Copy)]
pub struct Words(fn() -> &'static [String]);

/// A parser offering `words` (computed once, when a completion script or the help needs them).
pub fn words(words: fn() -> &'static [String]) -> Words {
    Words(words)
}

impl TypedValueParser for Words {
    type Value = String;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        _arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<String, Error> {
        value
            .to_str()
            .map(str::to_owned)
            .ok_or_else(|| Error::new(ErrorKind::InvalidUtf8).with_cmd(cmd))
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(
            (self.0)()
                .iter()
                .map(|word| PossibleValue::new(word.as_str())),
        ))
    }
}

/// The commands, as completion words.
pub fn command_words() -> &'static [String] {
    static WORDS: OnceLock<Vec<String>> = OnceLock::new();
    WORDS.get_or_init(|| COMMANDS.iter().map(|word| (*word).to_owned()).collect())
}

/// `ALL` and the dotted path of every setting of the general settings and of a SIP account
/// (the Bonjour account's are among them), sorted, as completion words.
pub fn argument_words() -> &'static [String] {
    static WORDS: OnceLock<Vec<String>> = OnceLock::new();
    WORDS.get_or_init(|| {
        let mut words = setting_paths().unwrap_or_default();
        words.push("ALL".to_owned());
        words.sort();
        words.dedup();
        words
    })
}

/// Every setting path of the general settings and of a new SIP account.
pub fn setting_paths() -> Result<Vec<String>, sipcfg::ConfigurationError> {
    let manager = sipcfg::ConfigurationManager::new();
    manager.start(sipcfg::backend::MemoryBackend::new())?;
    crate::sipclients::register(&manager)?;
    let general = SIPSimpleSettings::get(&manager)?;
    let account = Account::get(&manager, "user@example.com")?;
    Ok(general
        .raw()
        .settings()
        .into_iter()
        .chain(account.raw().settings())
        .map(|setting| setting.path)
        .collect())
}

/// The completion script of `shell` for `command`.
pub fn script(shell: clap_complete::Shell, command: &mut clap::Command) -> String {
    let mut out = Vec::new();
    clap_complete::generate(shell, command, super::PROGRAM, &mut out);
    let mut script = String::from_utf8_lossy(&out).into_owned();
    if shell == clap_complete::Shell::Fish {
        // The fish script completes options only: add the commands and the setting names.
        let program = super::PROGRAM;
        script.push_str(&format!(
            "complete -c {program} -f -a '{}'\ncomplete -c {program} -f -a '{}'\n",
            command_words().join(" "),
            argument_words().join(" ")
        ));
    }
    script
}
