//! `sip-settings` under a file size limit (`ulimit -f`): writing past it must be an ordinary
//! write failure (exit status 3, a message naming the file, the old file kept, no temporary
//! file left), not a death by SIGXFSZ in the middle of a save.
#![cfg(unix)]

use std::path::Path;

/// The entries of `dir`, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("a readable directory")
        .map(|entry| {
            entry
                .expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}

#[test]
fn exceeding_ulimit_f_is_a_write_failure_with_exit_status_3() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let home = tempfile::tempdir().expect("temporary home");
    let config = dir.path().join("config");
    // More than the 1 KiB the limit allows: settings sipcfg does not know are kept on save.
    let mut text = String::from("SIPSimple:\n    user_agent = test\n");
    for i in 0..100 {
        text.push_str(&format!(
            "    unknown_setting_{i} = some value that takes room\n"
        ));
    }
    std::fs::write(&config, &text).expect("write the config");

    let binary = assert_cmd::cargo::cargo_bin!("sip-settings");
    let output = std::process::Command::new("bash")
        .arg("-c")
        .arg(r#"ulimit -f 1; exec "$0" -c "$1" -g set user_agent=changed"#)
        .arg(binary)
        .arg(dir.path())
        .env("HOME", home.path())
        .output()
        .expect("run bash");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "stderr: {stderr}");
    assert!(stderr.contains(&config.display().to_string()), "{stderr}");
    assert!(stderr.contains("os error 27"), "EFBIG: {stderr}");
    assert_eq!(
        std::fs::read_to_string(&config).expect("read"),
        text,
        "the old file is kept"
    );
    assert!(
        listing(dir.path())
            .iter()
            .all(|name| !name.ends_with(".tmp")),
        "no temporary file: {:?}",
        listing(dir.path())
    );
}
