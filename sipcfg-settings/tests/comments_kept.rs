//! A person's edits survive: a hand-commented configuration file changed through the library
//! (on a real file) and through the real `sip-settings` binary keeps every comment, blank line,
//! quoting and order; only the lines of what changed differ.

use std::path::Path;

use sipcfg::backend::FileBackend;
use sipcfg::ConfigurationManager;
use sipcfg_settings::{Account, SIPSimpleSettings};

const ORIGINAL: &str = "\
# My SIP settings, edited by hand.
Accounts:
    # work
    alice@example.com:
        display_name = 'Alice'   # as callees see it
        enabled = true
        auth:
            password = secret
        sip:
            # every ten minutes
            register_interval = 600

    # old one, to be removed
    bob@example.com:
        enabled = true

SIPSimpleSettings:
    default_account = alice@example.com
    user_agent = \"my client\"   # keep this
";

fn sip_settings(dir: &Path, args: &[&str], stdin: &str) {
    let output = assert_cmd::cargo::cargo_bin_cmd!("sip-settings")
        .arg("-c")
        .arg(dir)
        .args(args)
        .write_stdin(stdin)
        .output()
        .expect("sip-settings runs");
    assert!(output.status.success(), "{args:?}: {output:?}");
}

/// Runs `step` on the configuration in `dir` and checks the file afterwards.
fn expect_after(dir: &Path, step: impl FnOnce(), expected: &str) {
    step();
    let text = std::fs::read_to_string(dir.join("config")).expect("the file exists");
    assert_eq!(text, expected);
}

#[test]
fn sip_settings_changes_only_the_lines_it_should() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let dir = dir.path();
    std::fs::write(dir.join("config"), ORIGINAL).unwrap();

    let after_set = ORIGINAL.replace(
        "display_name = 'Alice'   # as callees see it",
        "display_name = \"Alice Example\"   # as callees see it",
    );
    expect_after(
        dir,
        || {
            sip_settings(
                dir,
                &[
                    "-a",
                    "set",
                    "alice@example.com",
                    "display_name=Alice Example",
                ],
                "",
            )
        },
        &after_set,
    );

    // Reset to the default: the setting's line goes, with the comment above it, and so does
    // the group it leaves empty.
    let after_reset = after_set.replace(
        "        sip:\n            # every ten minutes\n            register_interval = 600\n",
        "",
    );
    expect_after(
        dir,
        || {
            sip_settings(
                dir,
                &[
                    "-a",
                    "set",
                    "alice@example.com",
                    "sip.register_interval=DEFAULT",
                ],
                "",
            )
        },
        &after_reset,
    );

    // The deleted account's lines go, with its comment; the blank lines around it stay.
    let after_delete = after_reset.replace(
        "    # old one, to be removed\n    bob@example.com:\n        enabled = true\n",
        "",
    );
    expect_after(
        dir,
        || sip_settings(dir, &["-a", "delete", "bob@example.com"], ""),
        &after_delete,
    );

    // A new account goes into its group at its canonical place, in canonical form.
    let after_add = after_delete.replace(
        "\nSIPSimpleSettings:",
        "\n    carol@example.com:\n        enabled = true\n        auth:\n            \
         password = pw\n\n\nSIPSimpleSettings:",
    );
    expect_after(
        dir,
        || sip_settings(dir, &["-a", "add", "carol@example.com", "-"], "pw\n"),
        &after_add,
    );
    let text = std::fs::read_to_string(dir.join("config")).unwrap();
    for kept in [
        "# My SIP settings, edited by hand.",
        "    # work",
        "# as callees see it",
        "user_agent = \"my client\"   # keep this",
    ] {
        assert!(text.contains(kept), "{kept:?} lost:\n{text}");
    }
}

#[test]
fn library_saves_on_a_file_edit_its_text() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("config");
    std::fs::write(&path, ORIGINAL).unwrap();
    let manager = ConfigurationManager::new();
    manager.start(FileBackend::new(&path)).unwrap();

    let alice = Account::get(&manager, "alice@example.com").unwrap();
    alice.set_display_name("Alice Example").unwrap();
    alice.save().unwrap();
    let settings = SIPSimpleSettings::get(&manager).unwrap();
    settings.rtp().set_timeout(42u32).unwrap();
    settings.save().unwrap();

    let text = std::fs::read_to_string(&path).unwrap();
    let expected = ORIGINAL
        .replace(
            "display_name = 'Alice'   # as callees see it",
            "display_name = \"Alice Example\"   # as callees see it",
        )
        .replace(
            "    user_agent = \"my client\"   # keep this\n",
            "    user_agent = \"my client\"   # keep this\n    rtp:\n        timeout = 42\n\n",
        );
    assert_eq!(text, expected);
}

#[test]
fn a_canonical_file_stays_canonical() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("config");
    let manager = ConfigurationManager::new();
    manager.start(FileBackend::new(&path)).unwrap();
    for n in 0..3 {
        let account = Account::get(&manager, &format!("user{n}@example.com")).unwrap();
        account.set_enabled(true).unwrap();
        account.save().unwrap();
    }
    let settings = SIPSimpleSettings::get(&manager).unwrap();
    settings.set_user_agent("x y").unwrap();
    settings.save().unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let document = sipcfg::file_format::parse(&text, &path).unwrap();
    assert_eq!(text, sipcfg::file_format::write(&document).unwrap());
}
