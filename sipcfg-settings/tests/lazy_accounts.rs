//! `sip-settings` loads only the accounts a command touches (`AccountManager::open`): the
//! others are checked and read from the file, not loaded. Nothing of them may change: their
//! text survives a `set` byte for byte, and every command reports the same warnings about them
//! as when every account was loaded, in the same order.
//!
//! Every run passes `-c` with a temporary directory and sets `$HOME` to another one.

use std::path::PathBuf;

use assert_cmd::Command;
use tempfile::TempDir;

struct Config {
    dir: TempDir,
    home: TempDir,
}

impl Config {
    fn with(text: &str) -> Self {
        let config = Config {
            dir: tempfile::tempdir().expect("temporary directory"),
            home: tempfile::tempdir().expect("temporary home"),
        };
        std::fs::write(config.file(), text).expect("write the configuration");
        config
    }

    fn file(&self) -> PathBuf {
        self.dir.path().join("config")
    }

    /// Runs `sip-settings -c DIR ARGS`: exit status, standard output, standard error.
    fn run(&self, args: &[&str]) -> (Option<i32>, String, String) {
        let mut cmd: Command = assert_cmd::cargo::cargo_bin_cmd!("sip-settings");
        let output = cmd
            .env("HOME", self.home.path())
            .env_remove("COLUMNS")
            .arg("-c")
            .arg(self.dir.path())
            .args(args)
            .output()
            .expect("run sip-settings");
        (
            output.status.code(),
            String::from_utf8(output.stdout).expect("UTF-8"),
            String::from_utf8(output.stderr).expect("UTF-8"),
        )
    }
}

/// A file laid out by hand: comments, settings in no order, accounts not sorted, values that
/// sipcfg refuses in some accounts (and in the general settings), an entry that is not an
/// account, and a stored default account that is disabled.
fn hand_written() -> String {
    let mut text = String::from(
        "# written by hand\nSIPSimpleSettings:\n    default_account = user2@example.com\n    \
         rtp:\n        port_range = nonsense\n\nAccounts:\n    weird@x.com = oops\n",
    );
    for i in (0..40).rev() {
        text.push_str(&format!("    # account {i}\n    user{i}@example.com:\n"));
        // The first enabled account by id is user10 (user0, user1 and user2 are disabled).
        let enabled = if i < 3 { "false" } else { "yes" };
        text.push_str(&format!("        enabled   = {enabled}\n"));
        text.push_str(&format!("        display_name = \"User {i}\"   # shown\n"));
        if i % 7 == 0 {
            text.push_str("        rtp:\n            srtp_encryption = bogus\n");
        }
        if i % 5 == 0 {
            text.push_str("        sip:\n            register_interval = soon\n");
        }
        text.push_str("        auth:\n            password = pw\n");
    }
    text
}

#[test]
fn set_changes_one_line_and_keeps_every_other_account_byte_for_byte() {
    let original = hand_written();
    let config = Config::with(&original);
    let (status, out, _) = config.run(&["-a", "set", "user13@example.com", "display_name=Changed"]);
    assert_eq!(status, Some(0));
    assert_eq!(out, "Account user13@example.com updated\n");
    let edited = std::fs::read_to_string(config.file()).expect("read");
    // The stored default was disabled: the first write stores the fallback (user10), and the
    // one changed value; nothing else.
    let expected = original
        .replace(
            "default_account = user2@example.com",
            "default_account = user10@example.com",
        )
        .replace(
            "    user13@example.com:\n        enabled   = yes\n        display_name = \"User 13\"",
            "    user13@example.com:\n        enabled   = yes\n        display_name = Changed",
        );
    assert_ne!(expected, original);
    assert_eq!(edited, expected);
}

#[test]
fn every_command_reports_the_same_warnings_in_the_same_order() {
    let config = Config::with(&hand_written());
    // Accounts by id (user0, user10, user14, ... user35), then the general settings.
    let ignored = "sip-settings: warning: ignoring Accounts entry \"weird@x.com\": not a SIP \
                   account (kept in the file)";
    let mut ids: Vec<usize> = (0..40).collect();
    ids.sort_by_key(|i| format!("user{i}@example.com"));
    let mut account_warnings = Vec::new();
    for i in ids {
        if i % 7 == 0 {
            account_warnings.push(format!(
                "sip-settings: warning: Account user{i}@example.com: ignoring the stored value of \
                 rtp.srtp_encryption (kept in the file)"
            ));
        }
        if i % 5 == 0 {
            account_warnings.push(format!(
                "sip-settings: warning: Account user{i}@example.com: ignoring the stored value of \
                 sip.register_interval (kept in the file)"
            ));
        }
    }
    let general = "sip-settings: warning: SIPSimpleSettings: ignoring the stored value of \
                   rtp.port_range (kept in the file)";
    for args in [
        &["-a", "list", "-v"][..],
        &["-a", "show", "-v"],
        &["-a", "show", "ALL", "-v"],
        &["-a", "show", "user1", "-v"],
        &["-a", "get", "user35", "display_name", "-v"],
        &["-g", "show", "-v"],
        &["-g", "get", "default_account", "-v"],
        &["-a", "set", "user35@example.com", "display_name=X", "-v"],
        &["-a", "set", "ALL", "rtp.inband_dtmf=true", "-v"],
    ] {
        let (status, _, stderr) = config.run(args);
        assert_eq!(status, Some(0), "{args:?}: {stderr}");
        let lines: Vec<&str> = stderr.lines().collect();
        // Each warning once, in the order above; what follows a warning's path is its reason.
        let mut at = 0;
        let mut expect = |prefix: &str| {
            assert!(
                lines.get(at).is_some_and(|line| line.starts_with(prefix)),
                "{args:?}: line {at} should start with {prefix:?}:\n{stderr}"
            );
            at += 1;
        };
        for warning in account_warnings.iter().chain([general.to_owned()].iter()) {
            expect(warning);
        }
        expect(ignored);
        assert!(
            lines[at..].iter().all(|line| !line.contains("warning")),
            "{args:?}: {stderr}"
        );
    }
    // Without --verbose: the first five and the count, the same for every command.
    let (_, _, list) = config.run(&["-a", "list"]);
    let (_, _, show) = config.run(&["-g", "show"]);
    let (_, _, set) = config.run(&["-a", "set", "user35@example.com", "display_name=Y"]);
    assert_eq!(list, show);
    assert!(set.starts_with(&list), "{set}\n{list}");
    assert!(
        list.contains("more warnings about the configuration file"),
        "{list}"
    );
}

#[test]
fn list_and_the_default_read_from_the_file_match_the_loaded_accounts() {
    let config = Config::with(&hand_written());
    let (status, out, _) = config.run(&["-a", "list"]);
    assert_eq!(status, Some(0));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "Accounts:");
    // By id, byte by byte: user10@ sorts before user1@.
    assert_eq!(lines[1], "  user0@example.com (disabled)");
    assert_eq!(lines[2], "  user10@example.com (enabled) - default_account");
    assert_eq!(lines[12], "  user1@example.com (disabled)");
    assert_eq!(lines.last(), Some(&"  bonjour@local (enabled)"));
    assert_eq!(lines.len(), 1 + 40 + 1);
    let (_, out, _) = config.run(&["-g", "get", "default_account"]);
    assert_eq!(out, "user10@example.com\n");
    let (_, out, _) = config.run(&["-a", "get", "display_name"]);
    assert_eq!(out, "User 10\n");
    // Disabling the default makes the next enabled account (by id) the default.
    let (status, out, _) = config.run(&["-a", "set", "enabled=false"]);
    assert_eq!(status, Some(0));
    assert_eq!(
        out,
        "Account user10@example.com (the default account) updated\n\
         Account user11@example.com is now default account (it was user10@example.com)\n"
    );
}
