//! The `sip-settings` binary, driven as people and scripts drive it: every verb against a
//! temporary configuration directory, the golden `show` output of the spec's example account
//! and of the general settings, the file after `add` and `set`, every error path and exit
//! status, and `--json` parsed back.
//!
//! Every run passes `-c` with a temporary directory and sets `$HOME` to another one: no test
//! reads or writes the real home directory.
//!
//! Golden files are in `tests/golden/`; regenerate them with
//! `SIPCFG_UPDATE_GOLDEN=1 cargo test -p sipcfg-settings --test cli` and review the diff.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value as Json;
use tempfile::TempDir;

/// Exit statuses, as documented in `--help`.
const USAGE: i32 = 1;
const INVALID: i32 = 2;
const FAILURE: i32 = 3;

/// A temporary configuration directory (and a temporary home directory).
struct Config {
    dir: TempDir,
    home: TempDir,
}

impl Config {
    fn new() -> Self {
        Config {
            dir: tempfile::tempdir().expect("temporary directory"),
            home: tempfile::tempdir().expect("temporary home"),
        }
    }

    /// `sip-settings -c DIR` with a clean environment.
    fn cmd(&self) -> Command {
        let mut cmd = assert_cmd::cargo::cargo_bin_cmd!("sip-settings");
        cmd.env("HOME", self.home.path())
            .env_remove("COLUMNS")
            .arg("-c")
            .arg(self.dir.path());
        cmd
    }

    /// Runs `sip-settings -c DIR ARGS` and expects success; its standard output.
    fn ok(&self, args: &[&str]) -> String {
        let output = self.cmd().args(args).output().expect("run sip-settings");
        assert!(
            output.status.success(),
            "sip-settings {args:?} failed with {:?}:\n{}",
            output.status.code(),
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).expect("UTF-8 output")
    }

    /// Runs `sip-settings -c DIR ARGS`, expects `status`; its standard error.
    fn fails(&self, args: &[&str], status: i32) -> String {
        let output = self.cmd().args(args).output().expect("run sip-settings");
        assert_eq!(
            output.status.code(),
            Some(status),
            "sip-settings {args:?}:\nstdout: {}\nstderr: {}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(
            output.stdout.is_empty(),
            "a failure prints nothing on standard output: {}",
            String::from_utf8_lossy(&output.stdout)
        );
        String::from_utf8(output.stderr).expect("UTF-8 output")
    }

    /// Runs with `--json` and parses the output.
    fn json(&self, args: &[&str]) -> Json {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let text = self.ok(&all);
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}):\n{text}"))
    }

    fn file(&self) -> PathBuf {
        self.dir.path().join("config")
    }

    fn contents(&self) -> String {
        std::fs::read_to_string(self.file()).expect("the configuration file")
    }

    fn bytes(&self) -> Option<Vec<u8>> {
        std::fs::read(self.file()).ok()
    }

    /// Configures the spec's example account through the tool.
    fn example_account(&self) {
        assert_eq!(
            self.ok(&["-a", "add", "user@example.com", "xyz"]),
            "Account user@example.com added\n\
             Account user@example.com is now default account (it was bonjour@local)\n"
        );
        assert_eq!(
            self.ok(&[
                "-a",
                "set",
                "user@example.com",
                "display_name=Example User",
                "presence.use_rls=true",
                "sip.outbound_proxy=sip.example.com",
                "sip.register_interval=3600",
                "tls.certificate=tls/user@example.com.crt",
            ]),
            "Account user@example.com updated\n"
        );
        assert_eq!(
            self.ok(&["-a", "default", "user@example.com"]),
            "Account user@example.com is now default account\n"
        );
    }
}

fn golden_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name)
}

/// Compares `actual` with the golden file `name` (rewritten with `SIPCFG_UPDATE_GOLDEN`).
fn assert_golden(name: &str, actual: &str) {
    let path = golden_path(name);
    if std::env::var_os("SIPCFG_UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).expect("write golden file");
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("golden file {}: {e}", path.display()));
    assert!(
        actual == expected,
        "output differs from {}:\n--- expected\n{expected}\n--- actual\n{actual}",
        path.display()
    );
}

// ---------------------------------------------------------------------------------------------
// Command line and help

#[test]
fn help_lists_the_commands_and_the_exit_statuses() {
    let config = Config::new();
    let help = config.ok(&["--help"]);
    for text in [
        "--general",
        "--account",
        "--config-directory",
        "--show-passwords",
        "--json",
        "add USER@DOMAIN [PASSWORD|-]",
        "describe KEY",
        "Exit status:",
        "0  done",
        "1  usage error",
        "2  invalid input",
        "3  configuration or I/O failure",
    ] {
        assert!(help.contains(text), "--help lacks {text:?}:\n{help}");
    }
    assert!(config.ok(&["--version"]).starts_with("sip-settings "));
}

#[test]
fn usage_errors_exit_with_1() {
    let config = Config::new();
    // Neither or both of --general and --account; no command; unknown option or command.
    for args in [
        &["show"][..],
        &["-g", "-a", "show"],
        &["-g"],
        &["-a"],
        &["-g", "--bogus", "show"],
        &["-g", "list"],
        &["-a", "frobnicate"],
        &["-g", "show", "extra"],
        &["-g", "get"],
        &["-g", "get", "a", "b"],
        &["-g", "set"],
        &["-g", "set", "rtp.timeout"],
        &["-g", "set", "=5"],
        &["-a", "add", "user@example.com"],
        &["-a", "delete"],
        &["-a", "set"],
        &["-a", "set", "user@example.com"],
        &["-a", "set", "user@example.com", "display_name"],
        &["-a", "default"],
        &["-a", "list", "extra"],
        &["-a", "get", "ALL", "enabled"],
        &["-a", "--json", "add", "user@example.com", "x"],
        &["-g", "--json", "set", "rtp.timeout=5"],
    ] {
        let stderr = config.fails(args, USAGE);
        assert!(!stderr.is_empty(), "{args:?}: no message");
    }
    assert!(config.bytes().is_none(), "a usage error writes nothing");
}

#[test]
fn usage_errors_name_the_problem() {
    let config = Config::new();
    let stderr = config.fails(&["-g", "set", "rtp.timeout", "sip.udp_port=1"], USAGE);
    assert!(
        stderr.contains("expected KEY=VALUE, found \"rtp.timeout\""),
        "{stderr}"
    );
    let stderr = config.fails(&["-g", "-a", "show"], USAGE);
    assert!(stderr.contains("cannot be used with"), "{stderr}");
    let stderr = config.fails(&["-a", "frobnicate"], USAGE);
    assert!(
        stderr.contains("unknown command \"frobnicate\""),
        "{stderr}"
    );
    assert!(stderr.contains("list, add, delete"), "{stderr}");
}

#[test]
fn an_argument_starting_with_a_dash_follows_double_dash() {
    let config = Config::new();
    config.fails(&["-a", "add", "user@example.com", "-secret"], USAGE);
    config.ok(&["-a", "add", "--", "user@example.com", "-secret"]);
    assert_eq!(
        config.ok(&[
            "-a",
            "--show-passwords",
            "get",
            "user@example.com",
            "auth.password"
        ]),
        "-secret\n"
    );
}

// ---------------------------------------------------------------------------------------------
// General settings

#[test]
fn general_show_of_an_empty_configuration_is_the_golden_tree() {
    let config = Config::new();
    let shown = config.ok(&["-g", "show"]);
    assert_golden("general-show-defaults.txt", &shown);
    assert!(config.bytes().is_none(), "show writes nothing");
    // Flags may come after the command.
    assert_eq!(config.ok(&["show", "--general"]), shown);
}

#[test]
fn general_show_json_is_the_tree_of_typed_values() {
    let config = Config::new();
    let json = config.json(&["-g", "show"]);
    assert_eq!(json["default_account"], "bonjour@local");
    assert_eq!(json["user_agent"], "sipsimple 0.16.2");
    assert_eq!(json["user_data_directory"], "~/.sipclient");
    assert_eq!(json["resources_directory"], Json::Null);
    assert_eq!(json["audio"]["silent"], false);
    assert_eq!(json["audio"]["sample_rate"], 44100);
    assert_eq!(json["audio"]["directory"], "history");
    assert_eq!(json["rtp"]["port_range"], "50000-50500");
    assert_eq!(
        json["rtp"]["audio_codec_list"],
        serde_json::json!(["G722", "speex", "PCMU", "PCMA"])
    );
    assert_eq!(json["sip"]["tcp_port"], 0);
    assert_eq!(
        json["sip"]["transport_list"],
        serde_json::json!(["tls", "tcp", "udp"])
    );
    assert_eq!(json["tls"]["ca_list"], Json::Null);
    assert_eq!(json["logs"]["trace_sip"], false);
    assert_eq!(json["sounds"]["audio_inbound"], Json::Null);
    assert_eq!(json["chat"], serde_json::json!({}));
}

#[test]
fn general_set_changes_every_setting_and_writes_the_file() {
    let config = Config::new();
    assert_eq!(
        config.ok(&[
            "-g",
            "set",
            "rtp.port_range=40000-40100",
            "sip.transport_list=tcp,udp",
            "audio.silent=true",
            "user_agent=my phone",
            "logs.trace_sip=yes",
            "tls.ca_list=tls/ca.crt",
        ]),
        "SIP SIMPLE general settings updated\n"
    );
    assert_eq!(
        config.contents(),
        "SIPSimpleSettings:\n    user_agent = \"my phone\"\n    audio:\n        silent = true\n\n    \
         logs:\n        trace_sip = true\n\n    rtp:\n        port_range = 40000-40100\n\n    \
         sip:\n        transport_list = tcp, udp\n\n    tls:\n        ca_list = tls/ca.crt\n\n\n"
    );
    let shown = config.ok(&["-g", "show"]);
    for line in [
        "SIP SIMPLE --|-- resources_directory = None",
        "             |-- user_agent = my phone",
        "        |-- silent = True",
        "rtp --|-- port_range = PortRange(start=40000, end=40100)",
        "      |-- transport_list = SIPTransportList(['tcp', 'udp'])",
        "      +-- ca_list = tls/ca.crt",
    ] {
        assert!(shown.contains(line), "{line:?} not in:\n{shown}");
    }
}

#[test]
fn general_set_accepts_the_reference_port_range_form() {
    let config = Config::new();
    config.ok(&["-g", "set", "rtp.port_range=50000:50100"]);
    assert_eq!(config.ok(&["-g", "get", "rtp.port_range"]), "50000-50100\n");
    // Other settings keep their colons.
    config.ok(&["-g", "set", "user_agent=a:b"]);
    assert_eq!(config.ok(&["-g", "get", "user_agent"]), "a:b\n");
}

#[test]
fn general_set_default_and_none() {
    let config = Config::new();
    config.ok(&[
        "-g",
        "set",
        "tls.ca_list=ca.crt",
        "audio.input_device=None",
        "rtp.timeout=5",
    ]);
    assert_eq!(config.ok(&["-g", "get", "audio.input_device"]), "None\n");
    assert!(config.contents().contains("input_device =\n"));
    config.ok(&[
        "-g",
        "set",
        "tls.ca_list=None",
        "audio.input_device=DEFAULT",
        "rtp.timeout=DEFAULT",
    ]);
    assert_eq!(
        config.ok(&["-g", "get", "audio.input_device"]),
        "system_default\n"
    );
    assert_eq!(config.ok(&["-g", "get", "rtp.timeout"]), "30\n");
    assert_eq!(config.ok(&["-g", "get", "tls.ca_list"]), "None\n");
    assert_eq!(
        config.contents(),
        "SIPSimpleSettings:\n    tls:\n        ca_list =\n\n\n"
    );
}

#[test]
fn general_set_is_all_or_nothing_and_reports_every_bad_pair() {
    let config = Config::new();
    config.ok(&["-g", "set", "rtp.timeout=5"]);
    let before = config.bytes();
    let stderr = config.fails(
        &[
            "-g",
            "set",
            "rtp.timeout=10",
            "rtp.port_range=2-1",
            "sip.transport_list=tls,carrier-pigeon",
            "tls.protocol=SSLv2",
            "sip.tcp_port=None",
            "rtp.no_such=1",
            "sip.udp_prot=5060",
            "rtp=5",
            "audio.sample_rate=12345",
        ],
        INVALID,
    );
    for text in [
        "invalid value for rtp.port_range",
        "start not above",
        "invalid value for sip.transport_list",
        "carrier-pigeon",
        "invalid value for tls.protocol",
        "TLSv1",
        "sip.tcp_port is not nillable",
        "unknown setting rtp.no_such",
        "unknown setting sip.udp_prot (did you mean sip.udp_port",
        "; the settings of sip: invite_timeout, tcp_port, tls_port, transport_list, udp_port",
        "rtp is a group of settings",
        "invalid value for audio.sample_rate",
        "(format: an integer from 0 to 65535",
        "nothing was changed",
    ] {
        assert!(stderr.contains(text), "{text:?} not in:\n{stderr}");
    }
    assert_eq!(
        stderr.lines().count(),
        9,
        "one line per bad pair, and the summary:\n{stderr}"
    );
    assert_eq!(config.bytes(), before, "nothing was written");
    assert_eq!(config.ok(&["-g", "get", "rtp.timeout"]), "5\n");
}

#[test]
fn general_set_refuses_a_default_account_that_does_not_exist() {
    let config = Config::new();
    let stderr = config.fails(
        &["-g", "set", "default_account=nobody@example.com"],
        INVALID,
    );
    assert!(
        stderr.contains("account nobody@example.com does not exist"),
        "{stderr}"
    );
    assert!(config.bytes().is_none());
    config.ok(&["-a", "add", "user@example.com", "xyz"]);
    config.ok(&["-g", "set", "default_account=user@example.com"]);
    assert!(config
        .ok(&["-a", "list"])
        .contains("user@example.com (enabled) - default_account"));
}

#[test]
fn general_get_prints_the_bare_value() {
    let config = Config::new();
    assert_eq!(config.ok(&["-g", "get", "rtp.port_range"]), "50000-50500\n");
    assert_eq!(
        config.ok(&["-g", "get", "sip.transport_list"]),
        "tls, tcp, udp\n"
    );
    assert_eq!(config.ok(&["-g", "get", "audio.silent"]), "false\n");
    assert_eq!(config.ok(&["-g", "get", "tls.ca_list"]), "None\n");
    assert_eq!(config.ok(&["-g", "get", "logs.directory"]), "logs\n");
    // The bare value is what `set` accepts.
    config.ok(&["-g", "set", "sip.transport_list=udp, tls"]);
    let value = config.ok(&["-g", "get", "sip.transport_list"]);
    config.ok(&[
        "-g",
        "set",
        &format!("sip.transport_list={}", value.trim_end()),
    ]);
    assert_eq!(
        config.ok(&["-g", "get", "sip.transport_list"]),
        "udp, tls\n"
    );

    let stderr = config.fails(&["-g", "get", "rtp.port_rang"], INVALID);
    assert!(
        stderr.contains("unknown setting rtp.port_rang (did you mean rtp.port_range?)"),
        "{stderr}"
    );
    config.fails(&["-g", "get", "rtp"], INVALID);
}

#[test]
fn general_get_json() {
    let config = Config::new();
    let json = config.json(&["-g", "get", "rtp.port_range"]);
    assert_eq!(json["path"], "rtp.port_range");
    assert_eq!(json["value"], "50000-50500");
    assert_eq!(json["display"], "PortRange(start=50000, end=50500)");
    assert_eq!(json["explicit"], false);
    config.ok(&["-g", "set", "sip.udp_port=5060"]);
    let json = config.json(&["-g", "get", "sip.udp_port"]);
    assert_eq!(json["value"], 5060);
    assert_eq!(json["explicit"], true);
}

#[test]
fn general_describe() {
    let config = Config::new();
    let text = config.ok(&["-g", "describe", "tls.protocol"]);
    let labels: Vec<&str> = text
        .lines()
        .filter_map(|line| line.split_once(':').map(|(label, _)| label))
        .collect();
    assert_eq!(
        labels,
        [
            "path",
            "type",
            "default",
            "nillable",
            "allowed values",
            "format",
            "description",
            "value"
        ],
        "{text}"
    );
    for line in [
        "path:           tls.protocol\n",
        "type:           TLSProtocol\n",
        "default:        TLSv1\n",
        "nillable:       no\n",
        "allowed values: TLSv1",
        "description:    The TLS protocol version.\n",
        "value:          TLSv1 (the default)\n",
    ] {
        assert!(text.contains(line), "{line:?} not in:\n{text}");
    }
    config.ok(&["-g", "set", "tls.timeout=500"]);
    let text = config.ok(&["-g", "describe", "tls.timeout"]);
    assert!(text.contains("value:          500\n"), "{text}");
    assert!(!text.contains("allowed values"), "{text}");
    let text = config.ok(&["-g", "describe", "logs.trace_sip"]);
    assert!(
        text.contains("added by:       SIPClientsLogsSettings"),
        "{text}"
    );
    let text = config.ok(&["-g", "describe", "audio.input_device"]);
    assert!(text.contains("nillable:       yes"), "{text}");

    let json = config.json(&["-g", "describe", "audio.sample_rate"]);
    assert_eq!(json["path"], "audio.sample_rate");
    assert_eq!(json["type"], "SampleRate");
    assert_eq!(json["default"], 44100);
    assert_eq!(json["nillable"], false);
    assert!(json["allowed_values"]
        .as_array()
        .is_some_and(|values| values.contains(&Json::from("44100"))));
    assert!(json["description"]
        .as_str()
        .is_some_and(|d| d.contains("Hz")));
    assert_eq!(json["value"], 44100);

    config.fails(&["-g", "describe", "nope"], INVALID);
}

// ---------------------------------------------------------------------------------------------
// Accounts: add, list, show

#[test]
fn the_spec_example_account_is_shown_as_the_golden_tree() {
    let config = Config::new();
    config.example_account();
    assert_golden(
        "account-show-example.txt",
        &config.ok(&["-a", "show", "user@example.com"]),
    );
    assert_golden(
        "account-show-example-passwords.txt",
        &config.ok(&["-a", "show", "--show-passwords", "user@example.com"]),
    );
    // It is the default account, and part of ALL.
    assert_eq!(
        config.ok(&["-a", "show"]),
        config.ok(&["-a", "show", "user@example.com"])
    );
    let all = config.ok(&["-a", "show", "ALL"]);
    assert!(all.starts_with("Account user@example.com:\n"));
    assert!(all.contains("\nAccount bonjour@local:\n"));
    assert!(!all.contains("xyz"));
}

#[test]
fn the_file_after_add_set_and_default_is_the_golden_file() {
    let config = Config::new();
    config.ok(&["-a", "add", "user@example.com", "xyz"]);
    assert_eq!(
        config.contents(),
        "Accounts:\n    user@example.com:\n        enabled = true\n        auth:\n            \
         password = xyz\n\n\n\nSIPSimpleSettings:\n    default_account = user@example.com\n\n"
    );
    config.example_account_after_add();
    assert_golden("cli-example-account.cfg", &config.contents());
}

impl Config {
    /// The rest of [`Config::example_account`], after `add`.
    fn example_account_after_add(&self) {
        self.ok(&[
            "-a",
            "set",
            "user@example.com",
            "display_name=Example User",
            "presence.use_rls=true",
            "sip.outbound_proxy=sip.example.com",
            "sip.register_interval=3600",
            "tls.certificate=tls/user@example.com.crt",
        ]);
        self.ok(&["-a", "default", "user@example.com"]);
    }
}

#[test]
fn add_refuses_existing_and_invalid_accounts() {
    let config = Config::new();
    config.ok(&["-a", "add", "user@example.com", "xyz"]);
    let before = config.bytes();
    let stderr = config.fails(&["-a", "add", "user@example.com", "other"], INVALID);
    assert_eq!(
        stderr,
        "sip-settings: Account user@example.com already exists\n"
    );
    let stderr = config.fails(&["-a", "add", "bonjour@local", "other"], INVALID);
    assert!(
        stderr.contains("Account bonjour@local already exists"),
        "{stderr}"
    );
    let stderr = config.fails(&["-a", "add", "not-an-address", "x"], INVALID);
    assert!(
        stderr.contains("invalid account id \"not-an-address\""),
        "{stderr}"
    );
    assert_eq!(config.bytes(), before);
}

#[test]
fn list_shows_every_account_and_the_default() {
    let config = Config::new();
    assert_eq!(
        config.ok(&["-a", "list"]),
        "Accounts:\n  bonjour@local (enabled) - default_account\n"
    );
    config.ok(&["-a", "add", "zoe@example.com", "z"]);
    config.ok(&["-a", "add", "alice@example.com", "a"]);
    config.ok(&["-a", "set", "zoe@example.com", "enabled=false"]);
    config.ok(&["-a", "default", "alice"]);
    assert_eq!(
        config.ok(&["-a", "list"]),
        "Accounts:\n  alice@example.com (enabled) - default_account\n  \
         zoe@example.com (disabled)\n  bonjour@local (enabled)\n"
    );
    let json = config.json(&["-a", "list"]);
    assert_eq!(
        json,
        serde_json::json!([
            {"id": "alice@example.com", "enabled": true, "default": true, "kind": "sip"},
            {"id": "zoe@example.com", "enabled": false, "default": false, "kind": "sip"},
            {"id": "bonjour@local", "enabled": true, "default": false, "kind": "bonjour"},
        ])
    );
}

#[test]
fn show_selects_accounts_by_substring() {
    let config = Config::new();
    config.ok(&["-a", "add", "alice@example.com", "a"]);
    config.ok(&["-a", "add", "bob@example.com", "b"]);
    // Without an account: the default account (the first SIP account added).
    assert!(config
        .ok(&["-a", "show"])
        .starts_with("Account alice@example.com:\n"));
    let both = config.ok(&["-a", "show", "example.com"]);
    assert!(both.starts_with("Account alice@example.com:\n"));
    assert!(both.contains("\nAccount bob@example.com:\n"));
    assert!(!both.contains("bonjour"));
    let bob = config.ok(&["-a", "show", "bob"]);
    assert!(bob.starts_with("Account bob@example.com:\n"));
    assert!(!bob.contains("alice"));
    let stderr = config.fails(&["-a", "show", "carol"], INVALID);
    assert_eq!(stderr, "sip-settings: No accounts which match carol\n");
}

#[test]
fn show_without_any_account_says_so() {
    let config = Config::new();
    config.ok(&["-a", "set", "enabled=false"]);
    config.ok(&["-g", "set", "default_account=None"]);
    assert_eq!(config.ok(&["-a", "show"]), "No accounts configured\n");
    assert_eq!(config.json(&["-a", "show"]), serde_json::json!([]));
}

#[test]
fn show_json_masks_passwords_unless_asked() {
    let config = Config::new();
    config.example_account();
    let json = config.json(&["-a", "show", "user@example.com"]);
    let accounts = json.as_array().expect("an array of accounts");
    assert_eq!(accounts.len(), 1);
    let account = &accounts[0];
    assert_eq!(account["id"], "user@example.com");
    let settings = &account["settings"];
    assert_eq!(settings["display_name"], "Example User");
    assert_eq!(settings["enabled"], true);
    assert_eq!(settings["auth"]["password"], "********");
    assert_eq!(settings["auth"]["username"], Json::Null);
    assert_eq!(settings["presence"]["use_rls"], true);
    assert_eq!(
        settings["sip"]["outbound_proxy"],
        "sip.example.com:5060;transport=udp"
    );
    assert_eq!(settings["sip"]["register_interval"], 3600);
    assert_eq!(settings["tls"]["certificate"], "tls/user@example.com.crt");
    assert_eq!(settings["sounds"]["audio_inbound"], Json::Null);

    let json = config.json(&["-a", "--show-passwords", "show", "user@example.com"]);
    assert_eq!(json[0]["settings"]["auth"]["password"], "xyz");

    let all = config.json(&["-a", "show", "ALL"]);
    let ids: Vec<&str> = all
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|a| a["id"].as_str())
        .collect();
    assert_eq!(ids, ["user@example.com", "bonjour@local"]);
    assert!(!serde_json::to_string(&all).expect("text").contains("xyz"));
}

// ---------------------------------------------------------------------------------------------
// Accounts: get, describe, set

#[test]
fn get_prints_a_setting_of_an_account_with_passwords_masked() {
    let config = Config::new();
    config.example_account();
    assert_eq!(config.ok(&["-a", "get", "display_name"]), "Example User\n");
    assert_eq!(
        config.ok(&["-a", "get", "user@", "sip.outbound_proxy"]),
        "sip.example.com:5060;transport=udp\n"
    );
    assert_eq!(config.ok(&["-a", "get", "auth.password"]), "********\n");
    assert_eq!(
        config.ok(&["-a", "--show-passwords", "get", "auth.password"]),
        "xyz\n"
    );
    assert_eq!(
        config.ok(&["-a", "get", "bonjour", "msrp.transport"]),
        "tcp\n"
    );
    let json = config.json(&["-a", "get", "user@example.com", "auth.password"]);
    assert_eq!(json["account"], "user@example.com");
    assert_eq!(json["value"], "********");
    assert_eq!(json["display"], "********");
    let json = config.json(&["-a", "--show-passwords", "get", "auth.password"]);
    assert_eq!(json["value"], "xyz");

    let stderr = config.fails(&["-a", "get", "bonjour", "auth.password"], INVALID);
    assert!(
        stderr.contains("bonjour@local: unknown setting auth.password"),
        "{stderr}"
    );
    let stderr = config.fails(&["-a", "get", "nobody", "enabled"], INVALID);
    assert_eq!(stderr, "sip-settings: Account nobody does not exist\n");
}

#[test]
fn describe_a_setting_of_an_account() {
    let config = Config::new();
    // No SIP account yet and the default account (bonjour) has no auth: a new account's
    // description, without a value.
    let text = config.ok(&["-a", "describe", "auth.password"]);
    assert!(
        text.starts_with("path:           auth.password\n"),
        "{text}"
    );
    assert!(text.contains("type:           string\n"), "{text}");
    assert!(!text.contains("value:"), "{text}");

    config.example_account();
    let text = config.ok(&["-a", "describe", "rtp.srtp_encryption"]);
    assert!(
        text.starts_with("account:        user@example.com\n"),
        "{text}"
    );
    assert!(
        text.contains("allowed values: disabled, optional, mandatory\n"),
        "{text}"
    );
    assert!(
        text.contains("value:          optional (the default)\n"),
        "{text}"
    );
    let text = config.ok(&["-a", "describe", "user@example.com", "auth.password"]);
    assert!(text.contains("value:          ********\n"), "{text}");
    assert!(!text.contains("xyz"), "{text}");
    let text = config.ok(&["-a", "--show-passwords", "describe", "auth.password"]);
    assert!(text.contains("value:          xyz\n"), "{text}");
    let text = config.ok(&["-a", "describe", "bonjour", "rtp.audio_codec_list"]);
    assert!(text.contains("nillable:       no\n"), "{text}");

    let json = config.json(&["-a", "describe", "sip.outbound_proxy"]);
    assert_eq!(json["account"], "user@example.com");
    assert_eq!(json["type"], "SIPProxyAddress");
    assert_eq!(json["nillable"], true);
    assert_eq!(json["default"], Json::Null);
    assert_eq!(json["value"], "sip.example.com:5060;transport=udp");
    assert_eq!(json["explicit"], true);

    config.fails(&["-a", "describe", "user@example.com", "auth"], INVALID);
}

#[test]
fn set_without_an_account_changes_the_default_account() {
    let config = Config::new();
    assert_eq!(
        config.ok(&["-a", "set", "display_name=Me"]),
        "Account bonjour@local (the default account) updated\n"
    );
    assert_eq!(
        config.ok(&["-a", "get", "bonjour@local", "display_name"]),
        "Me\n"
    );
    let stderr = config.fails(&["-a", "set", "auth.password=x"], INVALID);
    assert!(
        stderr.contains("bonjour@local (the default account): unknown setting auth.password"),
        "{stderr}"
    );
}

#[test]
fn set_resets_with_default_and_clears_with_none() {
    let config = Config::new();
    config.example_account();
    config.ok(&[
        "-a",
        "set",
        "user@example.com",
        "display_name=None",
        "sip.register_interval=DEFAULT",
    ]);
    assert_eq!(config.ok(&["-a", "get", "display_name"]), "None\n");
    assert_eq!(config.ok(&["-a", "get", "sip.register_interval"]), "600\n");
    let file = config.contents();
    assert!(file.contains("        display_name =\n"), "{file}");
    assert!(!file.contains("register_interval"), "{file}");
}

#[test]
fn set_is_all_or_nothing_and_reports_every_bad_pair() {
    let config = Config::new();
    config.example_account();
    let before = config.bytes();
    let stderr = config.fails(
        &[
            "-a",
            "set",
            "user@example.com",
            "display_name=Changed",
            "rtp.srtp_encryption=sometimes",
            "sip.outbound_proxy=bad host:x",
            "enabled=None",
            "nat_traversal.use_icee=true",
        ],
        INVALID,
    );
    for text in [
        "user@example.com: invalid value for rtp.srtp_encryption",
        "disabled, optional, mandatory",
        "user@example.com: invalid value for sip.outbound_proxy",
        "user@example.com: enabled is not nillable",
        "user@example.com: unknown setting nat_traversal.use_icee (did you mean nat_traversal.use_ice?)",
        "nothing was changed",
    ] {
        assert!(stderr.contains(text), "{text:?} not in:\n{stderr}");
    }
    assert_eq!(config.bytes(), before);
    assert_eq!(config.ok(&["-a", "get", "display_name"]), "Example User\n");
}

#[test]
fn set_all_changes_every_account_that_has_the_setting() {
    let config = Config::new();
    config.ok(&["-a", "add", "alice@example.com", "a"]);
    config.ok(&["-a", "add", "bob@example.com", "b"]);
    let output = config
        .cmd()
        .args([
            "-a",
            "set",
            "ALL",
            "rtp.srtp_encryption=mandatory",
            "sip.register=false",
        ])
        .output()
        .expect("run");
    assert!(output.status.success());
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "Accounts updated (3): alice@example.com, bob@example.com, bonjour@local\n"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("bonjour@local has no setting sip.register: left as it is"),
        "{stderr}"
    );
    for account in ["alice@example.com", "bob@example.com", "bonjour@local"] {
        assert_eq!(
            config.ok(&["-a", "get", account, "rtp.srtp_encryption"]),
            "mandatory\n"
        );
    }
    assert_eq!(
        config.ok(&["-a", "get", "alice", "sip.register"]),
        "false\n"
    );
    assert_eq!(config.ok(&["-a", "get", "bob", "sip.register"]), "false\n");
}

#[test]
fn set_all_is_all_or_nothing_across_accounts() {
    let config = Config::new();
    config.ok(&["-a", "add", "alice@example.com", "a"]);
    let before = config.bytes();
    // None is fine for the accounts' codec list, not for the Bonjour account's.
    let stderr = config.fails(&["-a", "set", "ALL", "rtp.audio_codec_list=None"], INVALID);
    assert!(
        stderr.contains("bonjour@local: rtp.audio_codec_list is not nillable"),
        "{stderr}"
    );
    assert!(!stderr.contains("alice@example.com:"), "{stderr}");
    assert_eq!(config.bytes(), before);
    // A setting that no account has.
    let stderr = config.fails(&["-a", "set", "ALL", "no.such=1"], INVALID);
    assert!(stderr.contains("unknown setting no.such"), "{stderr}");
    assert_eq!(config.bytes(), before);
}

#[test]
fn an_ambiguous_account_names_every_match_and_changes_nothing() {
    let config = Config::new();
    config.ok(&["-a", "add", "alice@example.com", "a"]);
    config.ok(&["-a", "add", "alice@example.org", "b"]);
    let before = config.bytes();
    let expected =
        "sip-settings: More than one account exists which matches alice: alice@example.com, alice@example.org\n";
    assert_eq!(
        config.fails(&["-a", "set", "alice", "display_name=A"], INVALID),
        expected
    );
    assert_eq!(config.fails(&["-a", "delete", "alice"], INVALID), expected);
    assert_eq!(config.fails(&["-a", "default", "alice"], INVALID), expected);
    assert_eq!(
        config.fails(&["-a", "get", "alice", "enabled"], INVALID),
        expected
    );
    assert_eq!(config.bytes(), before);
    // An exact id is never ambiguous.
    config.ok(&["-a", "add", "al@example.com", "c"]);
    config.ok(&["-a", "set", "al@example.com", "display_name=Al"]);
    assert_eq!(
        config.ok(&["-a", "get", "al@example.com", "display_name"]),
        "Al\n"
    );
    assert_eq!(
        config.ok(&["-a", "get", "alice@example.com", "display_name"]),
        "None\n"
    );
}

// ---------------------------------------------------------------------------------------------
// Accounts: delete, default

#[test]
fn delete_removes_an_account() {
    let config = Config::new();
    config.ok(&["-a", "add", "alice@example.com", "a"]);
    config.ok(&["-a", "add", "bob@example.com", "b"]);
    config.ok(&["-a", "default", "bob"]);
    assert_eq!(
        config.ok(&["-a", "delete", "bob"]),
        "Account bob@example.com deleted\n\
         Account alice@example.com is now default account (it was bob@example.com)\n"
    );
    let file = config.contents();
    assert!(!file.contains("bob"), "{file}");
    // The default falls back to the first enabled account.
    assert_eq!(
        config.ok(&["-a", "list"]),
        "Accounts:\n  alice@example.com (enabled) - default_account\n  bonjour@local (enabled)\n"
    );
    assert_eq!(
        config.fails(&["-a", "delete", "bob"], INVALID),
        "sip-settings: Account bob does not exist\n"
    );
    assert_eq!(
        config.fails(&["-a", "delete", "bonjour"], INVALID),
        "sip-settings: Cannot delete bonjour account\n"
    );
}

#[test]
fn delete_all_removes_every_sip_account() {
    let config = Config::new();
    config.ok(&["-a", "add", "alice@example.com", "a"]);
    config.ok(&["-a", "add", "bob@example.com", "b"]);
    assert_eq!(
        config.ok(&["-a", "delete", "ALL"]),
        "Accounts deleted (2): alice@example.com, bob@example.com\n\
         Account bonjour@local is now default account (it was alice@example.com)\n"
    );
    assert_eq!(
        config.ok(&["-a", "list"]),
        "Accounts:\n  bonjour@local (enabled) - default_account\n"
    );
    assert!(!config.contents().contains("example.com"));
}

#[test]
fn default_makes_an_account_the_default() {
    let config = Config::new();
    config.ok(&["-a", "add", "alice@example.com", "a"]);
    assert_eq!(
        config.ok(&["-a", "default", "alice"]),
        "Account alice@example.com is now default account\n"
    );
    assert!(config
        .contents()
        .contains("SIPSimpleSettings:\n    default_account = alice@example.com\n"));
    assert_eq!(
        config.ok(&["-g", "get", "default_account"]),
        "alice@example.com\n"
    );
    assert_eq!(
        config.ok(&["-a", "default", "bonjour"]),
        "Account bonjour@local is now default account\n"
    );
    assert_eq!(
        config.fails(&["-a", "default", "nobody"], INVALID),
        "sip-settings: Account nobody does not exist\n"
    );
}

// ---------------------------------------------------------------------------------------------
// Configuration files that cannot be used

#[test]
fn a_file_that_does_not_parse_is_reported_and_never_overwritten() {
    let config = Config::new();
    let text = "SIPSimpleSettings:\n    rtp:\n        port_range 40000-40100\n";
    std::fs::write(config.file(), text).expect("write");
    let file = config.file();
    let location = format!("{}:3:", file.display());
    for args in [
        &["-g", "show"][..],
        &["-g", "set", "rtp.timeout=5"],
        &["-g", "get", "rtp.timeout"],
        &["-a", "list"],
        &["-a", "add", "user@example.com", "x"],
        &["-a", "delete", "ALL"],
        &["-a", "set", "ALL", "enabled=false"],
        &["--json", "-a", "show"],
    ] {
        let stderr = config.fails(args, FAILURE);
        assert!(stderr.contains(&location), "{args:?}: {stderr}");
        assert!(
            stderr.contains("expected `:` (a group) or `=` (a setting)"),
            "{stderr}"
        );
        assert_eq!(config.contents(), text, "{args:?} changed the file");
    }
}

#[test]
fn a_configuration_directory_that_is_a_file_is_an_io_failure() {
    let config = Config::new();
    let not_a_dir = config.dir.path().join("plain-file");
    std::fs::write(&not_a_dir, "x").expect("write");
    let output = assert_cmd::cargo::cargo_bin_cmd!("sip-settings")
        .env("HOME", config.home.path())
        .arg("-c")
        .arg(&not_a_dir)
        .args(["-g", "set", "rtp.timeout=5"])
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(FAILURE));
    assert!(String::from_utf8_lossy(&output.stderr).contains("plain-file"));
    assert_eq!(std::fs::read_to_string(&not_a_dir).expect("read"), "x");
}

#[test]
fn stored_values_that_do_not_convert_are_reported_and_kept() {
    let config = Config::new();
    let text = "SIPSimpleSettings:\n    rtp:\n        port_range = bogus\n        timeout = 7\n";
    std::fs::write(config.file(), text).expect("write");
    config
        .cmd()
        .args(["-g", "get", "rtp.timeout"])
        .assert()
        .success()
        .stdout("7\n")
        .stderr(predicate::str::contains(
            "warning: SIPSimpleSettings: ignoring the stored value of rtp.port_range (kept in the file)",
        ));
    config.ok(&["-g", "set", "rtp.timeout=8"]);
    let file = config.contents();
    assert!(file.contains("port_range = bogus"), "{file}");
    assert!(file.contains("timeout = 8"), "{file}");
}

#[test]
fn a_missing_directory_is_created_on_the_first_change() {
    let config = Config::new();
    let nested = config.dir.path().join("a/b");
    let run = |args: &[&str]| {
        assert_cmd::cargo::cargo_bin_cmd!("sip-settings")
            .env("HOME", config.home.path())
            .arg("-c")
            .arg(&nested)
            .args(args)
            .assert()
    };
    run(&["-a", "list"]).success();
    assert!(!nested.exists(), "reading creates nothing");
    run(&["-a", "add", "user@example.com", "x"]).success();
    assert!(nested.join("config").is_file());
}

// ---------------------------------------------------------------------------------------------
// Several runs at once: each holds the configuration's lock from its load to its save

/// Runs `sip-settings -c DIR ARGS` for each of `runs` at the same time; their outputs, in order.
fn in_parallel(config: &Config, runs: &[Vec<String>]) -> Vec<std::process::Output> {
    let barrier = std::sync::Barrier::new(runs.len());
    std::thread::scope(|scope| {
        let handles: Vec<_> = runs
            .iter()
            .map(|args| {
                let mut cmd = config.cmd();
                cmd.args(args);
                let barrier = &barrier;
                scope.spawn(move || {
                    barrier.wait();
                    cmd.output().expect("run sip-settings")
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| handle.join().expect("a thread"))
            .collect()
    })
}

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|arg| (*arg).to_owned()).collect()
}

#[test]
fn parallel_adds_all_survive() {
    let config = Config::new();
    let runs: Vec<Vec<String>> = (0..10)
        .map(|n| strings(&["-a", "add", &format!("user{n}@example.com"), "secret"]))
        .collect();
    for output in in_parallel(&config, &runs) {
        assert!(output.status.success(), "{output:?}");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            stdout.starts_with("Account user") && stdout.contains("@example.com added\n"),
            "{stdout}"
        );
    }
    let list = config.ok(&["-a", "list"]);
    for n in 0..10 {
        assert!(
            list.contains(&format!("  user{n}@example.com (enabled)")),
            "user{n} lost:\n{list}"
        );
    }
    assert_eq!(list.lines().count(), 12, "{list}");
}

#[test]
fn parallel_sets_and_adds_lose_nothing() {
    let config = Config::new();
    config.ok(&["-a", "add", "alice@example.com", "a"]);
    let mut runs = Vec::new();
    let settings = [
        ("display_name", "Alice"),
        ("sip.register_interval", "1200"),
        ("presence.use_rls", "true"),
        ("rtp.inband_dtmf", "true"),
        ("xcap.enabled", "false"),
    ];
    for (n, (key, value)) in settings.iter().enumerate() {
        runs.push(strings(&[
            "-a",
            "set",
            "alice@example.com",
            &format!("{key}={value}"),
        ]));
        runs.push(strings(&[
            "-a",
            "add",
            &format!("user{n}@example.com"),
            "x",
        ]));
    }
    runs.push(strings(&["-g", "set", "rtp.timeout=42"]));
    for output in in_parallel(&config, &runs) {
        assert!(output.status.success(), "{output:?}");
    }
    for (key, value) in settings {
        assert_eq!(
            config.ok(&["-a", "get", "alice@example.com", key]),
            format!("{value}\n"),
            "{key} lost"
        );
    }
    let list = config.ok(&["-a", "list"]);
    for n in 0..settings.len() {
        assert!(list.contains(&format!("user{n}@example.com")), "{list}");
    }
    assert_eq!(config.ok(&["-g", "get", "rtp.timeout"]), "42\n");
}

#[test]
fn of_two_parallel_adds_of_one_account_exactly_one_succeeds() {
    let config = Config::new();
    for round in 0..4 {
        let id = format!("same{round}@example.com");
        let runs = vec![
            strings(&["-a", "add", &id, "first"]),
            strings(&["-a", "add", &id, "second"]),
        ];
        let outputs = in_parallel(&config, &runs);
        let codes: Vec<Option<i32>> = outputs.iter().map(|o| o.status.code()).collect();
        assert!(
            codes == [Some(0), Some(INVALID)] || codes == [Some(INVALID), Some(0)],
            "{outputs:?}"
        );
        let failed = outputs
            .iter()
            .find(|output| !output.status.success())
            .expect("one failed");
        assert_eq!(
            String::from_utf8_lossy(&failed.stderr),
            format!("sip-settings: Account {id} already exists\n")
        );
    }
}

#[test]
fn the_lock_is_beside_the_file_and_a_lock_failure_is_a_failure() {
    let config = Config::new();
    config.ok(&["-a", "add", "alice@example.com", "a"]);
    assert!(config.dir.path().join("config.lock").is_file());
    // A lock file that cannot be opened: nothing is written, and the write says why.
    let before = config.bytes();
    std::fs::remove_file(config.dir.path().join("config.lock")).expect("remove");
    std::fs::create_dir(config.dir.path().join("config.lock")).expect("a directory");
    let stderr = config.fails(&["-a", "add", "bob@example.com", "b"], FAILURE);
    assert!(stderr.starts_with("sip-settings: cannot "), "{stderr}");
    assert!(stderr.contains("config.lock"), "{stderr}");
    assert_eq!(config.bytes(), before);
    // Reading takes no lock: the file is always replaced whole.
    assert!(config.ok(&["-a", "list"]).contains("alice@example.com"));
}

// ---------------------------------------------------------------------------------------------
// Values that would break the output, account ids that look like settings

#[test]
fn control_characters_are_escaped_in_every_human_output() {
    let config = Config::new();
    config.ok(&["-a", "add", "alice@example.com", "a"]);
    config.ok(&["-a", "default", "alice"]);
    let name = "Eve\nmallory = True\r\u{1b}[2J\u{1b}]0;pwned\u{7}\tx";
    config.ok(&["-a", "set", &format!("display_name={name}")]);
    let escaped = "Eve\\nmallory = True\\r\\x1b[2J\\x1b]0;pwned\\x07\\tx";
    let show = config.ok(&["-a", "show"]);
    assert!(
        show.contains(&format!(
            "          +-- display_name = {escaped}\naccount --|-- enabled = True\n"
        )),
        "{show}"
    );
    assert_eq!(
        config.ok(&["-a", "get", "display_name"]),
        format!("{escaped}\n"),
        "get prints one line"
    );
    let describe = config.ok(&["-a", "describe", "display_name"]);
    assert!(
        describe.contains(&format!("\nvalue:          {escaped}\n")),
        "{describe}"
    );
    for output in [&show, &describe] {
        assert!(!output.contains('\u{1b}') && !output.contains('\r') && !output.contains('\t'));
    }
    // JSON has the value exactly.
    assert_eq!(config.json(&["-a", "get", "display_name"])["value"], name);
    config.ok(&["-g", "set", "user_agent=a\u{9b}b\u{85}"]);
    assert_eq!(
        config.ok(&["-g", "get", "user_agent"]),
        "a\\u{9b}b\\u{85}\n"
    );
    assert!(config
        .ok(&["-g", "show"])
        .contains("|-- user_agent = a\\u{9b}b\\u{85}\n"));
}

#[test]
fn an_account_id_with_an_equals_sign_can_be_changed() {
    let config = Config::new();
    config.ok(&["-a", "add", "a=b@example.com", "x"]);
    config.ok(&["-a", "default", "bonjour@local"]);
    assert_eq!(
        config.ok(&["-a", "set", "a=b@example.com", "display_name=AB"]),
        "Account a=b@example.com updated\n"
    );
    assert_eq!(
        config.ok(&["-a", "get", "a=b@example.com", "display_name"]),
        "AB\n"
    );
    // The default account (bonjour) was not touched.
    assert_eq!(config.ok(&["-a", "get", "display_name"]), "None\n");
    config.ok(&["-a", "default", "a=b@example.com"]);
    assert!(config
        .ok(&["-a", "list"])
        .contains("  a=b@example.com (enabled) - default_account\n"));
    // Without such an account, the first argument is a setting of the default account.
    let stderr = config.fails(
        &["-a", "set", "c=d@example.com", "display_name=CD"],
        INVALID,
    );
    assert!(
        stderr.contains("a=b@example.com (the default account): unknown setting c"),
        "{stderr}"
    );
}

#[test]
fn domains_are_compared_in_any_case_and_bonjour_is_reserved() {
    let config = Config::new();
    config.ok(&["-a", "add", "alice@Example.COM", "a"]);
    let before = config.bytes();
    for id in ["alice@example.com", "alice@EXAMPLE.com"] {
        assert_eq!(
            config.fails(&["-a", "add", id, "b"], INVALID),
            "sip-settings: Account alice@Example.COM already exists\n"
        );
    }
    for id in ["BONJOUR@LOCAL", "Bonjour@local", "bonjour@LOCAL"] {
        assert_eq!(
            config.fails(&["-a", "add", id, "b"], INVALID),
            "sip-settings: Account bonjour@local already exists\n"
        );
    }
    assert_eq!(config.bytes(), before);
    // Any case of the domain names the account.
    config.ok(&["-a", "set", "alice@example.com", "display_name=Alice"]);
    assert_eq!(
        config.ok(&["-a", "get", "alice@EXAMPLE.COM", "display_name"]),
        "Alice\n"
    );
    // The user part is case-sensitive, as in SIP.
    config.ok(&["-a", "add", "Alice@example.com", "c"]);
    assert_eq!(
        config.ok(&["-a", "list"]),
        "Accounts:\n  Alice@example.com (enabled)\n  alice@Example.COM (enabled) - \
         default_account\n  bonjour@local (enabled)\n"
    );
}

#[test]
fn entries_that_are_not_sip_accounts_are_ignored_with_a_warning_and_kept() {
    let config = Config::new();
    let text = "Accounts:\n    not-an-address:\n        enabled = true\n\n    \
                weird@x.com = oops\n    alice@example.com:\n        enabled = true\n\n";
    std::fs::write(config.file(), text).expect("write");
    let output = config.cmd().args(["-a", "list"]).output().expect("run");
    assert!(output.status.success());
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "Accounts:\n  alice@example.com (enabled)\n  bonjour@local (enabled) - default_account\n"
    );
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "sip-settings: warning: ignoring Accounts entry \"not-an-address\": not a SIP account \
         (kept in the file)\nsip-settings: warning: ignoring Accounts entry \"weird@x.com\": \
         not a SIP account (kept in the file)\n"
    );
    config.ok(&["-a", "set", "ALL", "rtp.inband_dtmf=true"]);
    config.ok(&["-a", "delete", "ALL"]);
    let stderr = config.fails(&["-a", "add", "weird@x.com", "p"], INVALID);
    assert!(
        stderr.contains("\"weird@x.com\" is not a SIP account"),
        "{stderr}"
    );
    config.fails(&["-a", "show", "weird"], INVALID);
    let file = config.contents();
    assert!(file.contains("    weird@x.com = oops\n"), "{file}");
    assert!(
        file.contains("    not-an-address:\n        enabled = true\n"),
        "{file}"
    );
    assert!(!file.contains("alice"), "{file}");
}

// ---------------------------------------------------------------------------------------------
// The default account

#[test]
fn a_default_naming_a_missing_account_is_the_fallback_everywhere_and_repaired_on_write() {
    let config = Config::new();
    let text = "SIPSimpleSettings:\n    default_account = gone@example.com\n\nAccounts:\n    \
                alice@example.com:\n        enabled = true\n\n    bob@example.com:\n        \
                enabled = true\n\n";
    std::fs::write(config.file(), text).expect("write");
    assert!(config
        .ok(&["-a", "list"])
        .contains("  alice@example.com (enabled) - default_account\n"));
    assert_eq!(
        config.ok(&["-g", "get", "default_account"]),
        "alice@example.com\n"
    );
    assert!(config
        .ok(&["-a", "show"])
        .starts_with("Account alice@example.com:\n"));
    assert_eq!(config.contents(), text, "reading writes nothing");
    // The next write stores it.
    config.ok(&["-a", "set", "bob", "display_name=Bob"]);
    assert!(config
        .contents()
        .contains("SIPSimpleSettings:\n    default_account = alice@example.com\n"));
}

#[test]
fn show_without_a_default_account_fails_as_get_and_set_do() {
    let config = Config::new();
    config.ok(&["-a", "add", "alice@example.com", "a"]);
    config.ok(&["-a", "add", "bob@example.com", "b"]);
    config.ok(&["-a", "set", "bonjour", "enabled=false"]);
    // Disabling the default account moves the default to the next enabled account, and
    // disabling every account leaves none (as in the reference).
    config.ok(&["-a", "set", "ALL", "enabled=false"]);
    config.ok(&["-a", "delete", "alice"]);
    // No enabled account is left to be the default.
    assert_eq!(config.ok(&["-g", "get", "default_account"]), "None\n");
    let expected = "sip-settings: there is no default account: name the account (user@domain), \
                    or choose the default with sip-settings --account default USER@DOMAIN\n";
    assert_eq!(config.fails(&["-a", "show"], INVALID), expected);
    assert_eq!(config.fails(&["--json", "-a", "show"], INVALID), expected);
    assert_eq!(config.fails(&["-a", "get", "enabled"], INVALID), expected);
    assert_eq!(
        config.fails(&["-a", "set", "display_name=X"], INVALID),
        expected
    );
    // With no SIP account and the Bonjour account disabled, there is nothing to show.
    config.ok(&["-a", "delete", "bob"]);
    assert_eq!(config.ok(&["-a", "show"]), "No accounts configured\n");
}

// ---------------------------------------------------------------------------------------------
// Arguments

#[test]
fn parser_errors_are_prefixed_with_the_program_name() {
    let config = Config::new();
    for args in [
        &["-g", "-a", "show"][..],
        &["show"],
        &["-g", "--bogus", "show"],
        &["-g"],
    ] {
        let stderr = config.fails(args, USAGE);
        let lines: Vec<&str> = stderr.lines().collect();
        assert!(lines.len() >= 2, "{args:?}: {stderr}");
        let (last, messages) = lines.split_last().expect("lines");
        assert_eq!(*last, "Try 'sip-settings --help' for more information.");
        for line in messages {
            assert!(line.starts_with("sip-settings: "), "{args:?}: {stderr}");
            assert!(
                !line.starts_with("sip-settings: error:"),
                "{args:?}: {stderr}"
            );
        }
    }
    assert_eq!(
        config.fails(&["-g", "-a", "show"], USAGE),
        "sip-settings: the argument '--general' cannot be used with '--account'\n\
         Try 'sip-settings --help' for more information.\n"
    );
}

#[test]
fn an_empty_account_argument_is_refused() {
    let config = Config::new();
    config.ok(&["-a", "add", "alice@example.com", "a"]);
    let before = config.bytes();
    for args in [
        &["-a", "show", ""][..],
        &["-a", "delete", ""],
        &["-a", "get", "", "enabled"],
        &["-a", "set", "", "enabled=false"],
        &["-a", "describe", "", "enabled"],
        &["-a", "default", ""],
    ] {
        let stderr = config.fails(args, USAGE);
        assert!(
            stderr.starts_with("sip-settings: the account argument is empty"),
            "{args:?}: {stderr}"
        );
    }
    assert_eq!(config.bytes(), before);
    assert!(config.ok(&["-a", "list"]).contains("alice@example.com"));
}

#[test]
fn the_texts_none_and_default_are_set_with_a_backslash_and_get_round_trips() {
    let config = Config::new();
    config.ok(&["-a", "add", "alice@example.com", "a"]);
    config.ok(&["-a", "default", "alice"]);
    config.ok(&["-a", "set", "display_name=\\None"]);
    assert_eq!(config.ok(&["-a", "get", "display_name"]), "\\None\n");
    assert_eq!(config.json(&["-a", "get", "display_name"])["value"], "None");
    config.ok(&["-a", "set", "auth.password=\\DEFAULT"]);
    assert_eq!(
        config.json(&["-a", "--show-passwords", "get", "auth.password"])["value"],
        "DEFAULT"
    );
    config.ok(&["-g", "set", "user_agent=\\\\None"]);
    assert_eq!(config.ok(&["-g", "get", "user_agent"]), "\\\\None\n");
    assert_eq!(config.json(&["-g", "get", "user_agent"])["value"], "\\None");
    // Other backslashes are themselves.
    config.ok(&["-g", "set", "user_agent=C:\\None"]);
    assert_eq!(config.ok(&["-g", "get", "user_agent"]), "C:\\None\n");

    // `set "KEY=$(get KEY)"` changes nothing, for the words as for nothing.
    config.ok(&["-a", "set", "sip.outbound_proxy=None"]);
    for (target, key) in [
        ("-a", "display_name"),
        ("-a", "sip.outbound_proxy"),
        ("-g", "user_agent"),
    ] {
        let before = config.bytes();
        let value = config.ok(&[target, "get", key]);
        config.ok(&[target, "set", &format!("{key}={}", value.trim_end())]);
        assert_eq!(config.bytes(), before, "{key}");
    }
    // The words themselves still mean no value and the default.
    config.ok(&["-a", "set", "display_name=None", "auth.password=DEFAULT"]);
    assert_eq!(config.ok(&["-a", "get", "display_name"]), "None\n");
    assert_eq!(
        config.json(&["-a", "get", "display_name"])["value"],
        Json::Null
    );
}

#[test]
fn set_all_and_delete_all_handle_many_accounts() {
    let config = Config::new();
    let mut text = String::from("Accounts:\n");
    for n in 0..300 {
        text.push_str(&format!(
            "    user{n:03}@example.com:\n        enabled = true\n\n"
        ));
    }
    std::fs::write(config.file(), &text).expect("write");
    // Each writes the file once (the unit tests of `cli` count the writes).
    config.ok(&["-a", "set", "ALL", "rtp.inband_dtmf=true"]);
    let file = config.contents();
    assert_eq!(file.matches("inband_dtmf = true").count(), 301, "{file}");
    config.ok(&["-a", "delete", "ALL"]);
    assert!(!config.contents().contains("example.com"));
}

#[cfg(unix)]
#[test]
fn a_read_only_file_is_replaced_and_stays_read_only() {
    use std::os::unix::fs::PermissionsExt;
    let config = Config::new();
    config.ok(&["-g", "set", "rtp.timeout=5"]);
    std::fs::set_permissions(config.file(), std::fs::Permissions::from_mode(0o400)).expect("chmod");
    config.ok(&["-g", "set", "rtp.timeout=6"]);
    let mode = std::fs::metadata(config.file())
        .expect("stat")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o400, "a mode stricter than 0600 is kept");
    assert_eq!(config.ok(&["-g", "get", "rtp.timeout"]), "6\n");
}

#[test]
fn a_file_starting_with_a_byte_order_mark_loads_its_first_section() {
    let config = Config::new();
    std::fs::write(
        config.file(),
        "\u{feff}SIPSimpleSettings:\n    user_agent = from-the-file\n",
    )
    .expect("write");
    assert_eq!(config.ok(&["-g", "get", "user_agent"]), "from-the-file\n");
}

// ---------------------------------------------------------------------------------------------
// Issue 12: the tool as people use it

#[test]
fn a_disabled_account_never_becomes_the_default_whatever_the_path() {
    let config = Config::new();
    config.ok(&["-a", "add", "alice@example.com", "a"]);
    config.ok(&["-a", "add", "bob@Example.org", "b"]);
    config.ok(&["-a", "set", "bob", "enabled=false"]);
    let before = config.bytes();
    let expected = "account bob@Example.org is not enabled";
    let stderr = config.fails(&["-a", "default", "bob"], INVALID);
    assert!(stderr.contains(expected), "{stderr}");
    let stderr = config.fails(&["-g", "set", "default_account=bob@Example.org"], INVALID);
    assert!(stderr.contains(expected), "{stderr}");
    assert!(stderr.contains("enabled=true"), "says how: {stderr}");
    assert_eq!(config.bytes(), before, "nothing was written");
    assert!(config
        .ok(&["-a", "list"])
        .contains("  alice@example.com (enabled) - default_account\n"));
    // DEFAULT is the Bonjour account: refused too while it is disabled.
    config.ok(&["-a", "set", "bonjour@local", "enabled=false"]);
    let stderr = config.fails(&["-g", "set", "default_account=DEFAULT"], INVALID);
    assert!(
        stderr.contains("account bonjour@local is not enabled"),
        "{stderr}"
    );
    // A file edited by hand to name a disabled account: the fallback, everywhere.
    let text = config.contents().replace(
        "default_account = alice@example.com",
        "default_account = bob@Example.org",
    );
    std::fs::write(config.file(), text).expect("write");
    assert_eq!(
        config.ok(&["-g", "get", "default_account"]),
        "alice@example.com\n"
    );
    assert!(config
        .ok(&["-a", "list"])
        .contains("  alice@example.com (enabled) - default_account\n"));
}

#[test]
fn none_means_no_default_account_in_every_command() {
    let config = Config::new();
    config.ok(&["-a", "add", "alice@example.com", "a"]);
    assert_eq!(
        config.ok(&["-g", "set", "default_account=None"]),
        "SIP SIMPLE general settings updated\n"
    );
    assert_eq!(config.ok(&["-g", "get", "default_account"]), "None\n");
    assert!(config
        .ok(&["-g", "show"])
        .contains("+-- default_account = None\n"));
    assert!(!config.ok(&["-a", "list"]).contains("default_account"));
    let list = config.json(&["-a", "list"]);
    let defaults: Vec<&Json> = list
        .as_array()
        .expect("array")
        .iter()
        .filter(|account| account["default"] == true)
        .collect();
    assert!(defaults.is_empty(), "{list}");
    assert_eq!(
        config.json(&["-g", "get", "default_account"])["value"],
        Json::Null
    );
    let stderr = config.fails(&["-a", "show"], INVALID);
    assert!(stderr.contains("there is no default account"), "{stderr}");
    assert!(
        stderr.contains("sip-settings --account default USER@DOMAIN"),
        "{stderr}"
    );
}

#[test]
fn sip_and_sips_uris_name_accounts_everywhere() {
    let config = Config::new();
    config.ok(&["-a", "add", "sip:dave@example.com", "d"]);
    config.ok(&["-a", "add", "SIPS:erin@example.com", "e"]);
    assert_eq!(
        config.ok(&["-a", "list"]),
        "Accounts:\n  dave@example.com (enabled) - default_account\n  \
         erin@example.com (enabled)\n  bonjour@local (enabled)\n"
    );
    assert!(config
        .ok(&["-a", "show", "sips:erin@example.com"])
        .starts_with("Account erin@example.com:\n"));
    config.ok(&["-a", "set", "sip:erin@example.com", "display_name=Erin"]);
    assert_eq!(
        config.ok(&["-a", "get", "sips:erin@example.com", "display_name"]),
        "Erin\n"
    );
    assert_eq!(
        config.ok(&["-a", "default", "sip:erin@example.com"]),
        "Account erin@example.com is now default account\n"
    );
    config.ok(&["-g", "set", "default_account=sips:dave@example.com"]);
    assert_eq!(
        config.ok(&["-g", "get", "default_account"]),
        "dave@example.com\n"
    );
    assert!(config
        .ok(&["-a", "delete", "sip:dave@example.com"])
        .starts_with("Account dave@example.com deleted\n"));
    // The same account again, with a scheme: it exists.
    assert_eq!(
        config.fails(&["-a", "add", "sip:erin@example.com", "x"], INVALID),
        "sip-settings: Account erin@example.com already exists\n"
    );
    // Other schemes are refused, saying why.
    let stderr = config.fails(&["-a", "add", "tel:frank@example.com", "x"], INVALID);
    assert!(
        stderr.contains("the URI scheme \"tel:\" is not accepted"),
        "{stderr}"
    );
    let stderr = config.fails(&["-a", "show", "mailto:erin@example.com"], INVALID);
    assert!(
        stderr.contains("the URI scheme \"mailto:\" is not accepted"),
        "{stderr}"
    );
}

#[test]
fn a_proxy_may_be_written_as_a_sip_uri() {
    let config = Config::new();
    config.ok(&["-a", "add", "alice@example.com", "a"]);
    let get = |config: &Config| config.ok(&["-a", "get", "alice", "sip.outbound_proxy"]);
    config.ok(&[
        "-a",
        "set",
        "alice",
        "sip.outbound_proxy=sip:proxy.example.com",
    ]);
    assert_eq!(get(&config), "proxy.example.com:5060;transport=udp\n");
    config.ok(&[
        "-a",
        "set",
        "alice",
        "sip.outbound_proxy=sips:proxy.example.com:5061",
    ]);
    assert_eq!(get(&config), "proxy.example.com:5061;transport=tls\n");
    config.ok(&[
        "-a",
        "set",
        "alice",
        "sip.outbound_proxy=SIP:p.example.com;transport=tcp",
    ]);
    assert_eq!(get(&config), "p.example.com:5060;transport=tcp\n");
    // The host called sip, at a port: no scheme.
    config.ok(&["-a", "set", "alice", "sip.outbound_proxy=sip:5070"]);
    assert_eq!(get(&config), "sip:5070;transport=udp\n");
    // sips: over another transport is refused, all or nothing.
    let stderr = config.fails(
        &[
            "-a",
            "set",
            "alice",
            "display_name=X",
            "sip.outbound_proxy=sips:p.example.com;transport=udp",
        ],
        INVALID,
    );
    assert_eq!(
        stderr,
        "sip-settings: alice@example.com: invalid value for sip.outbound_proxy: a sips: URI is \
         reached over TLS, not transport=udp (write sip: instead), found \
         \"sips:p.example.com;transport=udp\"\nsip-settings: nothing was changed\n"
    );
    assert_eq!(config.ok(&["-a", "get", "alice", "display_name"]), "None\n");
}

#[test]
fn messages_name_the_accounts_and_the_first_sip_account_becomes_the_default() {
    let config = Config::new();
    assert_eq!(
        config.ok(&["-a", "add", "alice@example.com", "a"]),
        "Account alice@example.com added\n\
         Account alice@example.com is now default account (it was bonjour@local)\n"
    );
    assert_eq!(
        config.ok(&["-a", "set", "display_name=Alice"]),
        "Account alice@example.com (the default account) updated\n"
    );
    assert_eq!(
        config.ok(&["-a", "get", "alice", "display_name"]),
        "Alice\n"
    );
    assert_eq!(
        config.ok(&["-a", "get", "bonjour@local", "display_name"]),
        "None\n"
    );
    // The second account does not take over.
    assert_eq!(
        config.ok(&["-a", "add", "bob@example.com", "b"]),
        "Account bob@example.com added\n"
    );
    assert_eq!(
        config.ok(&["-a", "set", "alice", "enabled=false"]),
        "Account alice@example.com updated\n\
         Account bob@example.com is now default account (it was alice@example.com)\n"
    );
    // Many accounts: counted, the first few named.
    for n in 0..6 {
        config.ok(&["-a", "add", &format!("u{n}@example.com"), "x"]);
    }
    assert_eq!(
        config.ok(&["-a", "set", "ALL", "rtp.inband_dtmf=true"]),
        "Accounts updated (9): alice@example.com, bob@example.com, u0@example.com, \
         u1@example.com, u2@example.com and 4 more\n"
    );
}

#[test]
fn an_empty_password_is_shown_as_empty() {
    let config = Config::new();
    config.ok(&["-a", "add", "alice@example.com", ""]);
    let show = config.ok(&["-a", "show", "alice"]);
    assert!(show.contains("+-- password = \"\" (empty)\n"), "{show}");
    assert!(!show.contains("********"), "{show}");
    assert_eq!(config.ok(&["-a", "get", "alice", "auth.password"]), "\n");
    let json = config.json(&["-a", "get", "alice", "auth.password"]);
    assert_eq!(json["value"], "");
    let describe = config.ok(&["-a", "describe", "alice", "auth.password"]);
    assert!(
        describe.contains("value:          \"\" (empty)\n"),
        "{describe}"
    );
    // A password that is not empty stays masked.
    config.ok(&["-a", "add", "bob@example.com", "secret"]);
    assert_eq!(
        config.ok(&["-a", "get", "bob", "auth.password"]),
        "********\n"
    );
}

/// A configuration file of `n` accounts whose SRTP mode sipcfg refuses.
fn refused_values(n: usize) -> String {
    let mut text = String::from("Accounts:\n");
    for i in 0..n {
        text.push_str(&format!(
            "    user{i}@example.com:\n        enabled = true\n        rtp:\n            \
             srtp_encryption = bogus\n\n"
        ));
    }
    text
}

#[test]
fn many_warnings_are_summarised_unless_verbose() {
    let config = Config::new();
    std::fs::write(config.file(), refused_values(8)).expect("write");
    let output = config.cmd().args(["-a", "list"]).output().expect("run");
    assert!(output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 6, "{stderr}");
    assert!(lines[..5]
        .iter()
        .all(|line| line
            .contains("ignoring the stored value of rtp.srtp_encryption (kept in the file)")));
    assert_eq!(
        lines[5],
        "sip-settings: warning: 3 more warnings about the configuration file (8 in all; \
         --verbose shows every one)"
    );
    let output = config
        .cmd()
        .args(["-a", "list", "--verbose"])
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 8, "{stderr}");
    for i in 0..8 {
        assert!(
            stderr.contains(&format!("Account user{i}@example.com:")),
            "{stderr}"
        );
    }
    // Five or fewer: all of them, no count.
    std::fs::write(config.file(), refused_values(5)).expect("write");
    let output = config.cmd().args(["-a", "list"]).output().expect("run");
    assert_eq!(String::from_utf8_lossy(&output.stderr).lines().count(), 5);
}

#[test]
fn the_default_account_description_speaks_of_the_tool() {
    let config = Config::new();
    let describe = config.ok(&["-g", "describe", "default_account"]);
    assert!(
        describe.contains("sip-settings --account default USER@DOMAIN"),
        "{describe}"
    );
    assert!(!describe.contains("AccountManager"), "{describe}");
}
