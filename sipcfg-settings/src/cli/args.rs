//! The command line: the flags (clap), then a command and its arguments, positional as in the
//! reference tool.

use std::ffi::OsStr;
use std::path::PathBuf;

use clap::{ArgGroup, Parser};

use super::completion;
use super::exit::EXIT_STATUS_HELP;

const ABOUT: &str = "Show and change the SIP SIMPLE settings and accounts";

const COMMANDS_HELP: &str = "\
Commands with --general (-g):
  show [--changed]                  show every general setting as a tree (--changed: only those
                                    that differ from their defaults)
  get KEY                           print the value of one setting (for scripts)
  set KEY=VALUE [KEY=VALUE ...]     change settings, all or nothing
  describe KEY                      type, default, nillable, allowed values and description

Commands with --account (-a):
  list                              list the accounts (the default one is marked)
  add USER@DOMAIN [PASSWORD|-]      add an enabled account; without a password (or with -, or
                                    --password-stdin) the password is typed at a prompt without
                                    echo, or read as one line of standard input
  delete USER@DOMAIN|ALL            delete an account, or every SIP account (ALL asks first on a
                                    terminal; --yes does not ask)
  show [--changed] [USER@DOMAIN|ALL]
                                    show the settings of accounts (default: the default account)
  get [USER@DOMAIN] KEY             print the value of one setting (for scripts)
  set [USER@DOMAIN|ALL] KEY=VALUE [KEY=VALUE ...]
                                    change settings of accounts (default: the default account),
                                    all or nothing; auth.password without =VALUE reads the
                                    password as add does
  describe [USER@DOMAIN] KEY        type, default, nillable, allowed values and description
  default USER@DOMAIN               make an account the default account (it must be enabled)

An account is named user@domain, sip:user@domain or sips:user@domain. An account argument
selects the accounts whose id contains it; an exact id (its domain in any case) always wins.
Commands that change one account refuse an argument that selects several, and name them. An
empty account argument is a usage error. The first SIP account added becomes the default
account when the Bonjour account was the default; default_account=None means no default.

Keys are dotted paths, e.g. rtp.port_range or sip.outbound_proxy. Values are typed as shown:
None (no value), DEFAULT (back to the default), \\None and \\DEFAULT (those words as text),
lists separated by commas (tls, tcp, udp), port ranges as 50000-50500 (or 50000:50500), proxies
as host[:port][;transport=...] (or sip:host..., sips:host... for TLS).
Passwords are shown as ******** unless --show-passwords is given (an empty one as \"\" (empty)).
More than 5 warnings about the configuration file are counted; --verbose prints them all.
Shell completions: sip-settings --completions bash|zsh|fish.

";

/// The parsed command line of `sip-settings`.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "sip-settings",
    version,
    about = ABOUT,
    override_usage = "sip-settings (--general | --account) [OPTIONS] COMMAND [ARGS]...",
    after_help = format!("{COMMANDS_HELP}{EXIT_STATUS_HELP}"),
    group(ArgGroup::new("target").required(true).args(["general", "account"])),
)]
pub struct Args {
    /// Manage the general (SIP SIMPLE) settings
    #[arg(short = 'g', long)]
    pub general: bool,

    /// Manage the accounts
    #[arg(short = 'a', long)]
    pub account: bool,

    /// The configuration directory; the settings are in its file `config` [default: ~/.sipclient]
    #[arg(short = 'c', long, value_name = "DIR")]
    pub config_directory: Option<PathBuf>,

    /// Show passwords instead of ********
    #[arg(long)]
    pub show_passwords: bool,

    /// Print every warning about the configuration file (without it: the first 5 and a count)
    #[arg(short = 'v', long)]
    pub verbose: bool,

    /// Machine-readable output (JSON) for show, list, get and describe
    #[arg(long)]
    pub json: bool,

    /// Read the password from standard input (one line), for add and for set of auth.password
    #[arg(long)]
    pub password_stdin: bool,

    /// Do not ask for confirmation (delete ALL)
    #[arg(short = 'y', long)]
    pub yes: bool,

    /// show: only the settings that differ from their defaults
    #[arg(long)]
    pub changed: bool,

    /// Print the completion script for SHELL (bash, zsh, fish) and exit
    #[arg(long, value_name = "SHELL", exclusive = true)]
    pub completions: Option<clap_complete::Shell>,

    /// The command: show, get, set, describe (general and accounts); list, add, delete, default
    /// (accounts)
    #[arg(
        value_name = "COMMAND",
        required = true,
        hide_possible_values = true,
        value_parser = completion::words(completion::command_words)
    )]
    pub command: Option<String>,

    /// The command's arguments (use `--` before an argument that starts with `-`)
    #[arg(
        value_name = "ARGS",
        hide_possible_values = true,
        value_parser = completion::words(completion::argument_words)
    )]
    pub args: Vec<String>,
}

impl Args {
    /// The command (empty only when `--completions` is given).
    pub fn command_name(&self) -> &str {
        self.command.as_deref().unwrap_or_default()
    }

    /// The configuration directory: `-c DIR`, else `~/.sipclient` (None if the home directory
    /// is not known).
    pub fn config_directory(&self) -> Option<PathBuf> {
        let home = std::env::var_os("HOME").or_else(|| std::env::var_os("USERPROFILE"));
        self.config_directory_with_home(home.as_deref())
    }

    /// The configuration directory, with `home` as the home directory: `-c DIR`, else
    /// `home/.sipclient`.
    pub fn config_directory_with_home(&self, home: Option<&OsStr>) -> Option<PathBuf> {
        if let Some(dir) = &self.config_directory {
            return Some(dir.clone());
        }
        let home = home.filter(|home| !home.is_empty())?;
        Some(PathBuf::from(home).join(".sipclient"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Args {
        Args::try_parse_from(args).expect("valid command line")
    }

    #[test]
    fn the_default_configuration_directory_is_sipclient_in_the_home_directory() {
        let args = parse(&["sip-settings", "-g", "show"]);
        assert_eq!(
            args.config_directory_with_home(Some(OsStr::new("/home/alice"))),
            Some(PathBuf::from("/home/alice/.sipclient"))
        );
        assert_eq!(args.config_directory_with_home(None), None);
        assert_eq!(args.config_directory_with_home(Some(OsStr::new(""))), None);
    }

    #[test]
    fn dash_c_overrides_the_home_directory() {
        let args = parse(&["sip-settings", "-a", "-c", "/etc/sip", "list"]);
        assert_eq!(
            args.config_directory_with_home(Some(OsStr::new("/home/alice"))),
            Some(PathBuf::from("/etc/sip"))
        );
        let args = parse(&["sip-settings", "--config-directory", "conf", "-a", "list"]);
        assert_eq!(
            args.config_directory_with_home(None),
            Some(PathBuf::from("conf"))
        );
    }

    #[test]
    fn flags_may_follow_the_command() {
        let args = parse(&[
            "sip-settings",
            "show",
            "-a",
            "user@x",
            "--json",
            "--show-passwords",
        ]);
        assert!(args.account && args.json && args.show_passwords);
        assert_eq!(args.command_name(), "show");
        assert_eq!(args.args, ["user@x"]);
    }
}
