//! `sip-settings` reading what is not on its command line: passwords from a prompt without
//! echo on a terminal (driven through a pseudo-terminal) or from standard input, and the
//! confirmation of `delete ALL`. Also the other additions people expect: `show --changed`,
//! shell completions and the help that lists them.
//!
//! Every run passes `-c` with a temporary directory and sets `$HOME` to another one.

use std::io::Write;
use std::process::{Command, Stdio};

use rexpect::session::{spawn_command, PtySession};
use tempfile::TempDir;

const USAGE: i32 = 1;
const INVALID: i32 = 2;

/// The binary under test.
const BIN: &str = env!("CARGO_BIN_EXE_sip-settings");

/// A temporary configuration directory and home directory.
struct Config {
    dir: TempDir,
    home: TempDir,
}

/// What a run printed and how it ended.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Config {
    fn new() -> Self {
        Config {
            dir: tempfile::tempdir().expect("temporary directory"),
            home: tempfile::tempdir().expect("temporary home"),
        }
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(BIN);
        command
            .env("HOME", self.home.path())
            .env_remove("COLUMNS")
            .arg("-c")
            .arg(self.dir.path())
            .args(args);
        command
    }

    /// Runs with `stdin` as standard input (a pipe, not a terminal).
    fn run_with_stdin(&self, args: &[&str], stdin: &str) -> Run {
        let mut child = self
            .command(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn sip-settings");
        // A run that reads nothing may end before the input is written.
        if let Err(error) = child
            .stdin
            .take()
            .expect("stdin")
            .write_all(stdin.as_bytes())
        {
            assert_eq!(error.kind(), std::io::ErrorKind::BrokenPipe, "{error}");
        }
        let output = child.wait_with_output().expect("wait");
        Run {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Runs with nothing on standard input; expects success and returns standard output.
    fn ok(&self, args: &[&str]) -> String {
        let run = self.run_with_stdin(args, "");
        assert_eq!(run.code, Some(0), "{args:?}: {}", run.stderr);
        run.stdout
    }

    /// The stored password of `account`.
    fn password(&self, account: &str) -> String {
        self.ok(&["-a", "--show-passwords", "get", account, "auth.password"])
    }

    /// Runs in a pseudo-terminal (standard input, output and error are the terminal).
    fn on_terminal(&self, args: &[&str]) -> PtySession {
        spawn_command(self.command(args), Some(10_000)).expect("spawn in a pseudo-terminal")
    }

    fn file(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("config")).unwrap_or_default()
    }
}

// ---------------------------------------------------------------------------------------------
// Passwords from standard input

#[test]
fn add_reads_the_password_from_standard_input_when_it_is_not_given() {
    let config = Config::new();
    let run = config.run_with_stdin(&["-a", "add", "alice@example.com"], "s3cret\n");
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run.stdout.starts_with("Account alice@example.com added\n"));
    assert_eq!(config.password("alice"), "s3cret\n");
    // `-` for the password: the same; a line end of \r\n is dropped too.
    let run = config.run_with_stdin(&["-a", "add", "bob@example.com", "-"], "pass word\r\n");
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(config.password("bob"), "pass word\n");
    // --password-stdin; only the first line is read; words are texts here.
    let run = config.run_with_stdin(
        &["-a", "add", "carol@example.com", "--password-stdin"],
        "None\nignored\n",
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(config.password("carol"), "\\None\n");
    // An empty line is an empty password.
    config.run_with_stdin(&["-a", "add", "dave@example.com"], "\n");
    assert_eq!(config.password("dave"), "\n");
}

#[test]
fn no_password_on_standard_input_is_a_usage_error_and_adds_nothing() {
    let config = Config::new();
    let run = config.run_with_stdin(&["-a", "add", "alice@example.com"], "");
    assert_eq!(run.code, Some(USAGE));
    assert!(
        run.stderr
            .starts_with("sip-settings: no password on standard input"),
        "{}",
        run.stderr
    );
    assert_eq!(config.file(), "");
    let run = config.run_with_stdin(
        &["-a", "add", "alice@example.com", "pw", "--password-stdin"],
        "pw\n",
    );
    assert_eq!(run.code, Some(USAGE));
    assert!(run.stderr.contains("not both"), "{}", run.stderr);
    let run = config.run_with_stdin(&["-a", "list", "--password-stdin"], "pw\n");
    assert_eq!(run.code, Some(USAGE));
    assert!(
        run.stderr
            .contains("--password-stdin applies to add and set only"),
        "{}",
        run.stderr
    );
}

#[test]
fn set_reads_a_password_named_without_a_value() {
    let config = Config::new();
    config.run_with_stdin(&["-a", "add", "alice@example.com", "old"], "");
    let run = config.run_with_stdin(
        &["-a", "set", "alice", "auth.password", "display_name=Alice"],
        "new one\n",
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(run.stdout, "Account alice@example.com updated\n");
    assert_eq!(config.password("alice"), "new one\n");
    // The default account, with --password-stdin; DEFAULT is a text here.
    let run = config.run_with_stdin(
        &["-a", "set", "auth.password", "--password-stdin"],
        "DEFAULT\n",
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(config.password("alice"), "\\DEFAULT\n");
    // --password-stdin needs a password setting named without a value.
    let run = config.run_with_stdin(&["-a", "set", "display_name=X", "--password-stdin"], "x\n");
    assert_eq!(run.code, Some(USAGE));
    assert!(
        run.stderr.contains("name the password setting"),
        "{}",
        run.stderr
    );
}

// ---------------------------------------------------------------------------------------------
// The prompt, through a pseudo-terminal

#[test]
fn add_prompts_twice_for_the_password_without_echo_on_a_terminal() {
    let config = Config::new();
    let mut session = config.on_terminal(&["-a", "add", "alice@example.com"]);
    session
        .exp_string("Password for alice@example.com: ")
        .expect("the prompt");
    session.send_line("t0p-secret").expect("type");
    session.exp_string("Repeat the password: ").expect("again");
    session.send_line("t0p-secret").expect("type");
    let rest = session.exp_eof().expect("the end");
    assert!(rest.contains("Account alice@example.com added"), "{rest}");
    assert!(
        !rest.contains("t0p-secret"),
        "the password was echoed: {rest}"
    );
    assert_eq!(config.password("alice"), "t0p-secret\n");
}

#[test]
fn two_different_passwords_at_the_prompt_add_nothing() {
    let config = Config::new();
    let mut session = config.on_terminal(&["-a", "add", "alice@example.com"]);
    session.exp_string("Password for").expect("the prompt");
    session.send_line("one").expect("type");
    session.exp_string("Repeat the password: ").expect("again");
    session.send_line("two").expect("type");
    let rest = session.exp_eof().expect("the end");
    assert!(
        rest.contains("the two passwords typed differ: nothing was changed"),
        "{rest}"
    );
    assert_eq!(config.file(), "");
}

#[test]
fn set_prompts_for_a_password_named_without_a_value_on_a_terminal() {
    let config = Config::new();
    config.run_with_stdin(&["-a", "add", "alice@example.com", "old"], "");
    let mut session = config.on_terminal(&["-a", "set", "alice", "auth.password"]);
    session
        .exp_string("New value of auth.password: ")
        .expect("the prompt");
    session.send_line("fresh").expect("type");
    session.exp_string("Repeat the password: ").expect("again");
    session.send_line("fresh").expect("type");
    let rest = session.exp_eof().expect("the end");
    assert!(rest.contains("Account alice@example.com updated"), "{rest}");
    assert_eq!(config.password("alice"), "fresh\n");
}

// ---------------------------------------------------------------------------------------------
// delete ALL asks first on a terminal

#[test]
fn delete_all_asks_for_confirmation_on_a_terminal() {
    let config = Config::new();
    config.run_with_stdin(&["-a", "add", "alice@example.com", "a"], "");
    let before = config.file();
    let mut session = config.on_terminal(&["-a", "delete", "ALL"]);
    session
        .exp_string("Delete every SIP account (the Bonjour account stays)? [y/N] ")
        .expect("the question");
    session.send_line("n").expect("answer");
    let rest = session.exp_eof().expect("the end");
    assert!(
        rest.contains("not confirmed: nothing was deleted"),
        "{rest}"
    );
    assert_eq!(config.file(), before);

    let mut session = config.on_terminal(&["-a", "delete", "ALL"]);
    session.exp_string("[y/N] ").expect("the question");
    session.send_line("yes").expect("answer");
    let rest = session.exp_eof().expect("the end");
    assert!(
        rest.contains("Accounts deleted (1): alice@example.com"),
        "{rest}"
    );
    assert!(!config.file().contains("alice"));
}

#[test]
fn delete_all_with_yes_or_without_a_terminal_does_not_ask() {
    let config = Config::new();
    config.run_with_stdin(&["-a", "add", "alice@example.com", "a"], "");
    let mut session = config.on_terminal(&["-a", "delete", "ALL", "--yes"]);
    let rest = session.exp_eof().expect("the end");
    assert!(!rest.contains("[y/N]"), "{rest}");
    assert!(rest.contains("Accounts deleted (1)"), "{rest}");
    config.run_with_stdin(&["-a", "add", "bob@example.com", "b"], "");
    let run = config.run_with_stdin(&["-a", "delete", "ALL"], "");
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run
        .stdout
        .starts_with("Accounts deleted (1): bob@example.com\n"));
}

// ---------------------------------------------------------------------------------------------
// show --changed, completions, help

#[test]
fn show_changed_shows_only_what_differs_from_the_defaults() {
    let config = Config::new();
    assert_eq!(
        config.ok(&["-g", "show", "--changed"]),
        "SIP SIMPLE settings:\n  (every setting has its default value)\n"
    );
    config.ok(&["-g", "set", "rtp.timeout=5", "user_agent=DEFAULT"]);
    assert_eq!(
        config.ok(&["-g", "show", "--changed"]),
        "SIP SIMPLE settings:\n             +-- rtp\nSIP SIMPLE --|\n             +\n\n      \
         +-- timeout = 5\nrtp --|\n      +\n\n"
    );
    let json: serde_json::Value =
        serde_json::from_str(&config.ok(&["-g", "--json", "show", "--changed"])).expect("JSON");
    assert_eq!(json, serde_json::json!({"rtp": {"timeout": 5}}));
    config.run_with_stdin(&["-a", "add", "alice@example.com", "pw"], "");
    // Set to its default value: not a change.
    config.ok(&[
        "-a",
        "set",
        "alice",
        "display_name=Alice",
        "sip.register=true",
    ]);
    let json: serde_json::Value =
        serde_json::from_str(&config.ok(&["-a", "--json", "show", "alice", "--changed"]))
            .expect("JSON");
    assert_eq!(
        json,
        serde_json::json!([{"id": "alice@example.com", "settings": {
            "display_name": "Alice", "enabled": true, "auth": {"password": "********"}}}])
    );
    let run = config.run_with_stdin(&["-a", "list", "--changed"], "");
    assert_eq!(run.code, Some(USAGE));
    assert!(
        run.stderr.contains("--changed applies to show only"),
        "{}",
        run.stderr
    );
}

#[test]
fn completions_for_bash_zsh_and_fish_know_the_commands_and_setting_names() {
    for shell in ["bash", "zsh", "fish"] {
        let output = Command::new(BIN)
            .args(["--completions", shell])
            .output()
            .expect("run");
        assert!(output.status.success(), "{shell}");
        let script = String::from_utf8_lossy(&output.stdout);
        for word in [
            "account",
            "password-stdin",
            "describe",
            "rtp.port_range",
            "auth.password",
            "default_account",
            "ALL",
        ] {
            assert!(script.contains(word), "{shell}: {word} missing");
        }
    }
    let output = Command::new(BIN)
        .args(["--completions", "bash", "-a"])
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(USAGE));
}

#[test]
fn help_lists_the_new_options() {
    let output = Command::new(BIN).arg("--help").output().expect("run");
    let help = String::from_utf8_lossy(&output.stdout);
    for option in [
        "--password-stdin",
        "--yes",
        "--changed",
        "--completions <SHELL>",
        "--verbose",
        "add USER@DOMAIN [PASSWORD|-]",
    ] {
        assert!(help.contains(option), "{option} missing:\n{help}");
    }
    // The possible values of the command and its arguments are for completion only.
    assert!(!help.contains("audio.alert_device"), "{help}");
}

#[test]
fn an_unknown_setting_lists_its_group_or_the_top_level() {
    let config = Config::new();
    let run = config.run_with_stdin(&["-g", "get", "rpt.timeout"], "");
    assert_eq!(run.code, Some(INVALID));
    assert!(
        run.stderr.contains("(did you mean rtp.timeout"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("; the settings and groups here: audio.*,"),
        "{}",
        run.stderr
    );
}
