//! Real write failures on every write path of a running application: an object's save and
//! delete, `manager.save()` and a batch fail while the fault lasts (the file untouched, the
//! changes kept), and a retry after the fault clears stores every change.
//!
//! The fault is the file size limit (`ulimit -S -f 8`: 8 KiB, below the file's size; root
//! ignores directory permissions, so those cannot be used), and, where a private mount
//! namespace can be made (`unshare -m`), a full tmpfs.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use sipcfg::backend::{Backend, FileBackend};
use sipcfg::Data;
use support::{App, APP};

/// A configuration file of about 12 KiB: 80 accounts with long display names.
fn big_config() -> String {
    let mut text = String::from("Accounts:\n");
    for n in 0..80 {
        text.push_str(&format!(
            "    big{n}@example.com:\n        display_name = \"{}\"\n\n",
            "x".repeat(100)
        ));
    }
    text
}

/// The application on `file`, with a file size limit of 8 KiB (soft; the hard limit stays).
fn app_with_size_limit(file: &Path) -> App {
    let mut command = Command::new("bash");
    command
        .arg("-c")
        .arg("ulimit -S -f 8 && exec \"$0\" \"$@\"")
        .arg(APP)
        .arg(file);
    App::spawn(command)
}

fn stored(file: &Path) -> Data {
    FileBackend::new(file).load().expect("the file parses")
}

fn display_name(data: &Data, id: &str) -> Option<String> {
    data.get_path(&["Accounts", id, "display_name"])
        .and_then(|value| value.as_str())
        .map(str::to_owned)
}

/// Runs `failing` under the fault, checks it failed and left the file alone, clears the
/// fault, runs `retry`, checks it succeeded; the stored document.
fn fail_then_retry(failing: &[&str], retry: &[&str], objects: bool) -> Data {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("config");
    let original = big_config();
    std::fs::write(&file, &original).unwrap();
    let mut app = app_with_size_limit(&file);
    for command in failing {
        let result = app.run(command);
        assert!(
            result.starts_with("error") && result.contains("File too large"),
            "{command}: {result}"
        );
    }
    assert_eq!(std::fs::read_to_string(&file).unwrap(), original);
    // Objects' saves and deletes also tell their observers (`manager.save` has no object).
    if objects {
        assert!(
            app.text().contains("note ManagerSaveFailed"),
            "{}",
            app.text()
        );
    }
    assert_eq!(app.run("fault-cleared"), "done fault-cleared");
    for command in retry {
        let result = app.run(command);
        assert!(result.starts_with("done"), "{command}: {result}");
    }
    app.finish();
    stored(&file)
}

#[test]
fn an_object_save_past_the_size_limit_fails_and_a_retry_stores_it() {
    let data = fail_then_retry(
        &["put big0@example.com display_name Changed"],
        &["retry big0@example.com"],
        true,
    );
    assert_eq!(
        display_name(&data, "big0@example.com").as_deref(),
        Some("Changed")
    );
}

#[test]
fn an_object_delete_past_the_size_limit_fails_and_a_retry_stores_it() {
    let data = fail_then_retry(
        &["delete big1@example.com"],
        &["retry-delete big1@example.com"],
        true,
    );
    assert!(data.get_path(&["Accounts", "big1@example.com"]).is_none());
    assert!(data.get_path(&["Accounts", "big2@example.com"]).is_some());
}

#[test]
fn a_manager_save_past_the_size_limit_fails_and_a_retry_stores_it() {
    let data = fail_then_retry(
        &["mput big2@example.com display_name ViaManager"],
        &["save"],
        false,
    );
    assert_eq!(
        display_name(&data, "big2@example.com").as_deref(),
        Some("ViaManager")
    );
}

#[test]
fn a_batch_past_the_size_limit_fails_and_a_retry_stores_it() {
    let data = fail_then_retry(&["batch new 5"], &["batch new 5"], true);
    for n in 0..5 {
        assert!(data
            .get_path(&["Accounts", &format!("new{n}@example.com")])
            .is_some());
    }
}

#[test]
fn every_write_path_failing_then_one_save_stores_every_change() {
    let data = fail_then_retry(
        &[
            "put big0@example.com display_name Changed",
            "delete big1@example.com",
            "mput big2@example.com display_name ViaManager",
            "batch new 5",
        ],
        &["save"],
        true,
    );
    assert_every_write_path_stored(&data);
}

/// The changes of the four write paths (object save, object delete, `manager.save`, batch)
/// made by the fault tests are all in `data`.
fn assert_every_write_path_stored(data: &Data) {
    assert_eq!(
        display_name(data, "big0@example.com").as_deref(),
        Some("Changed")
    );
    assert!(data.get_path(&["Accounts", "big1@example.com"]).is_none());
    assert_eq!(
        display_name(data, "big2@example.com").as_deref(),
        Some("ViaManager")
    );
    for n in 0..5 {
        assert!(data
            .get_path(&["Accounts", &format!("new{n}@example.com")])
            .is_some());
    }
}

/// Whether this machine lets a test mount a tmpfs in a private mount namespace.
fn can_mount_tmpfs(dir: &Path) -> bool {
    let probe = dir.join("probe");
    std::fs::create_dir_all(&probe).unwrap();
    Command::new("unshare")
        .arg("-m")
        .arg("sh")
        .arg("-c")
        .arg("mount -t tmpfs -o size=64k tmpfs \"$0\"")
        .arg(&probe)
        .output()
        .is_ok_and(|output| output.status.success())
}

#[test]
fn a_full_file_system_fails_every_write_path_and_a_retry_stores_everything() {
    let dir = tempfile::tempdir().unwrap();
    if !can_mount_tmpfs(dir.path()) {
        println!("skipped: no private mount namespace (unshare -m) here; ulimit -f tests cover the paths");
        return;
    }
    let mount = dir.path().join("mnt");
    std::fs::create_dir(&mount).unwrap();
    let original = big_config();
    let seed = dir.path().join("seed");
    std::fs::write(&seed, &original).unwrap();
    // In its own mount namespace: a 64 KiB tmpfs holding the file and a filler taking the
    // rest of the space; the application runs there.
    let script = "mount -t tmpfs -o size=64k tmpfs \"$1\" && cp \"$2\" \"$1/config\" && \
                  (dd if=/dev/zero of=\"$1/filler\" bs=1k count=1000 2>/dev/null; true) && \
                  exec \"$0\" \"$1/config\"";
    let mut command = Command::new("unshare");
    command
        .args(["-m", "sh", "-c", script])
        .arg(APP)
        .arg(&mount)
        .arg(&seed);
    let mut app = App::spawn(command);
    // The file as the application sees it, through its mount namespace.
    let inside = |pid: u32| -> PathBuf {
        PathBuf::from(format!("/proc/{pid}/root"))
            .join(mount.strip_prefix("/").unwrap())
            .join("config")
    };
    let pid = app.pid();
    for command in [
        "put big0@example.com display_name Changed",
        "delete big1@example.com",
        "mput big2@example.com display_name ViaManager",
        "batch new 5",
    ] {
        let result = app.run(command);
        assert!(
            result.starts_with("error") && result.contains("No space left"),
            "{command}: {result}"
        );
    }
    assert_eq!(std::fs::read_to_string(inside(pid)).unwrap(), original);
    let filler = mount.join("filler");
    assert_eq!(
        app.run(&format!("remove {}", filler.display())),
        format!("done remove {}", filler.display())
    );
    assert_eq!(app.run("save"), "done save");
    let data = stored(&inside(pid));
    app.finish();
    assert_every_write_path_stored(&data);
}
