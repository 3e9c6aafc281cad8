//! [`FileBackend`] against hostile or unlucky file systems: FIFOs, devices, directories and
//! sockets where the configuration file should be, dangling links, huge files, files owned by
//! someone else, temporary files of killed processes. And the `Debug` output of what holds a
//! document, which must never show a password.
#![cfg(unix)]

use std::fs;
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use sipcfg::backend::{Backend, FileBackend, MemoryBackend, DEFAULT_MAX_SIZE};
use sipcfg::{BackendError, ConfigurationManager, Data, Value};

mod support;
use support::listing;

fn sample() -> Data {
    let mut auth = Data::new();
    auth.insert("password", "hunter2-secret");
    let mut account = Data::new();
    account.insert("auth", auth);
    account.insert("display_name", "Alice");
    let mut data = Data::new();
    data.insert(
        "Accounts",
        Data::from_iter([("alice@example.com", account)]),
    );
    data
}

/// Whether this process may do what only root may (chown to others, mknod).
fn is_root(dir: &Path) -> bool {
    let probe = dir.join(".root-probe");
    fs::write(&probe, "").expect("a writable directory");
    let root = fs::metadata(&probe).expect("metadata").uid() == 0;
    fs::remove_file(&probe).expect("remove the probe");
    root
}

/// Runs `f` on a thread and fails the test if it takes more than 5 seconds (a load that blocks
/// on a FIFO would otherwise hang the test run).
fn within_5_seconds<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = sender.send(f());
    });
    receiver
        .recv_timeout(Duration::from_secs(5))
        .expect("finished within 5 seconds (did it block on a FIFO?)")
}

fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("run mkfifo");
    assert!(status.success(), "mkfifo {}", path.display());
}

fn assert_not_regular(error: &BackendError, path: &Path, kind: &str) {
    match error {
        BackendError::NotARegularFile {
            path: reported,
            kind: reported_kind,
            ..
        } => {
            assert_eq!(reported, path);
            assert_eq!(*reported_kind, kind);
        }
        other => panic!("expected NotARegularFile, got {other:?}"),
    }
    let message = error.to_string();
    assert!(message.contains(&path.display().to_string()), "{message}");
    assert!(message.contains(kind), "{message}");
}

#[test]
fn a_fifo_is_refused_at_once_on_load_and_save() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("config");
    mkfifo(&fifo);
    let link = dir.path().join("link");
    std::os::unix::fs::symlink(&fifo, &link).unwrap();

    for path in [fifo.clone(), link.clone()] {
        let backend = FileBackend::new(&path);
        let loaded = within_5_seconds({
            let backend = backend.clone();
            move || backend.load()
        });
        let error = loaded.unwrap_err();
        assert_not_regular(&error, &path, "a FIFO (named pipe)");
        let saved = within_5_seconds({
            let backend = backend.clone();
            move || backend.save(&sample())
        });
        assert_not_regular(&saved.unwrap_err(), &path, "a FIFO (named pipe)");
    }
    let error = FileBackend::new(&link).load().unwrap_err();
    assert!(
        error.to_string().contains(&fifo.display().to_string()),
        "the link's target is named too: {error}"
    );
    assert!(fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
    assert_eq!(listing(dir.path()), ["config", "link"], "no temporary file");
}

#[test]
fn dev_zero_behind_a_symlink_is_refused_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("config");
    std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
    // With no size limit a read of /dev/zero would never end: the refusal comes first.
    let backend = FileBackend::new(&link).with_max_size(u64::MAX);
    let error = within_5_seconds(move || backend.load()).unwrap_err();
    assert_not_regular(&error, &link, "a character device");
    assert!(error.to_string().contains("/dev/zero"), "{error}");

    let error = FileBackend::new(&link).save(&sample()).unwrap_err();
    assert_not_regular(&error, &link, "a character device");
    assert!(fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(listing(dir.path()), ["config"]);
}

#[test]
fn a_directory_is_refused_on_load() {
    let dir = tempfile::tempdir().unwrap();
    let error = FileBackend::new(dir.path()).load().unwrap_err();
    assert_not_regular(&error, dir.path(), "a directory");
}

#[test]
fn a_socket_is_refused_on_load_and_save() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config");
    let _listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
    let error = FileBackend::new(&path).load().unwrap_err();
    assert_not_regular(&error, &path, "a socket");
    let error = FileBackend::new(&path).save(&sample()).unwrap_err();
    assert_not_regular(&error, &path, "a socket");
    assert_eq!(listing(dir.path()), ["config"]);
}

#[test]
fn a_symlink_to_a_device_node_is_not_replaced_by_a_regular_file() {
    let dir = tempfile::tempdir().unwrap();
    if !is_root(dir.path()) {
        println!("skipped: creating a device node needs root");
        return;
    }
    let node = dir.path().join("null-node");
    // The same device as /dev/null (character 1:3).
    let status = Command::new("mknod")
        .arg(&node)
        .args(["c", "1", "3"])
        .status()
        .expect("run mknod");
    if !status.success() {
        println!("skipped: mknod failed (no CAP_MKNOD in this container?)");
        return;
    }
    let link = dir.path().join("config");
    std::os::unix::fs::symlink(&node, &link).unwrap();
    let error = FileBackend::new(&link).save(&sample()).unwrap_err();
    assert_not_regular(&error, &link, "a character device");
    let file_type = fs::symlink_metadata(&node).unwrap().file_type();
    assert!(file_type.is_char_device());
    assert!(fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(listing(dir.path()), ["config", "null-node"]);
}

#[test]
fn files_over_the_size_limit_are_refused_naming_path_size_and_limit() {
    assert_eq!(DEFAULT_MAX_SIZE, 256 * 1024 * 1024);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config");
    fs::write(&path, "a = 1\n".repeat(100)).unwrap();
    assert_eq!(FileBackend::new(&path).max_size(), DEFAULT_MAX_SIZE);
    assert!(FileBackend::new(&path).with_max_size(600).load().is_ok());

    let error = FileBackend::new(&path)
        .with_max_size(599)
        .load()
        .unwrap_err();
    match &error {
        BackendError::TooLarge {
            path: p,
            size,
            limit,
        } => {
            assert_eq!((p, *size, *limit), (&path, 600, 599));
        }
        other => panic!("{other:?}"),
    }
    let message = error.to_string();
    for part in [path.display().to_string(), "600".into(), "599".into()] {
        assert!(message.contains(&part), "{message}");
    }
}

#[cfg(target_os = "linux")]
#[test]
fn the_read_itself_stops_at_the_limit() {
    // /proc files say they are empty and then yield text: only the capped read sees the size.
    let path = Path::new("/proc/self/maps");
    assert_eq!(fs::metadata(path).unwrap().len(), 0);
    let error = FileBackend::new(path).with_max_size(10).load().unwrap_err();
    match error {
        BackendError::TooLarge { size, limit, .. } => assert_eq!((size, limit), (11, 10)),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_save_keeps_a_stricter_mode_and_makes_a_looser_one_private() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config");
    let backend = FileBackend::new(&path);
    backend.save(&sample()).unwrap();
    assert_eq!(
        fs::metadata(&path).unwrap().mode() & 0o7777,
        0o600,
        "a new file"
    );
    for (before, after) in [
        (0o400, 0o400),
        (0o200, 0o200),
        (0o644, 0o600),
        (0o640, 0o600),
    ] {
        fs::set_permissions(&path, fs::Permissions::from_mode(before)).unwrap();
        backend.save(&sample()).unwrap();
        let mode = fs::metadata(&path).unwrap().mode() & 0o7777;
        assert_eq!(mode, after, "{before:o} becomes {after:o}");
    }
}

#[test]
fn a_save_keeps_the_owner_and_group() {
    let dir = tempfile::tempdir().unwrap();
    if !is_root(dir.path()) {
        println!("skipped: giving a file to another user needs root");
        return;
    }
    let path = dir.path().join("config");
    fs::write(&path, "old = 1\n").unwrap();
    std::os::unix::fs::chown(&path, Some(1234), Some(1234)).unwrap();
    FileBackend::new(&path).save(&sample()).unwrap();
    let metadata = fs::metadata(&path).unwrap();
    assert_eq!((metadata.uid(), metadata.gid()), (1234, 1234));
    assert_eq!(metadata.mode() & 0o7777, 0o600);
    assert_eq!(FileBackend::new(&path).load().unwrap(), sample());
}

/// The id of a process that has exited (and been reaped).
fn dead_pid() -> u32 {
    let mut child = Command::new("true").spawn().expect("run true");
    let pid = child.id();
    child.wait().expect("wait for true");
    pid
}

#[test]
fn a_save_removes_temporary_files_of_dead_processes_only() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config");
    let dead = dead_pid();
    let stale = format!(".config.{dead}.AbC123.tmp");
    let kept = [
        // A live process (pid 1 always exists).
        ".config.1.AbC123.tmp".to_string(),
        // This process: a save of another thread.
        format!(".config.{}.AbC123.tmp", std::process::id()),
        // Not exactly the pattern.
        format!(".config.{dead}.AbC123.tmp.bak"),
        format!(".config.{dead}.Ab-C.tmp"),
        format!(".config.0{dead}.AbC123.tmp"),
        format!(".other.{dead}.AbC123.tmp"),
        format!("config.{dead}.AbC123.tmp"),
        ".config.AbC123.tmp".to_string(),
    ];
    fs::write(dir.path().join(&stale), "half a save").unwrap();
    for name in &kept {
        fs::write(dir.path().join(name), "not ours to remove").unwrap();
    }
    // A directory with the pattern's name is not removed either.
    let dir_name = format!(".config.{dead}.Dir123.tmp");
    fs::create_dir(dir.path().join(&dir_name)).unwrap();

    FileBackend::new(&path).save(&sample()).unwrap();
    let mut expected: Vec<String> = kept.to_vec();
    expected.push(dir_name);
    expected.push("config".to_string());
    expected.sort();
    assert_eq!(listing(dir.path()), expected);
}

#[test]
fn a_refused_save_leaves_no_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config");
    let backend = FileBackend::new(&path);
    backend.save(&sample()).unwrap();
    let mut bad = sample();
    bad.insert("", "an empty name cannot be written");
    assert!(backend.save(&bad).is_err());
    fs::remove_file(&path).unwrap();
    mkfifo(&path);
    assert!(backend.save(&sample()).is_err());
    assert_eq!(listing(dir.path()), ["config"]);
}

#[test]
fn a_save_killed_midway_leaves_the_old_or_new_file_and_the_next_save_cleans_up() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config");
    let is_temp = |name: &str| name.starts_with(".config.") && name.ends_with(".tmp");
    let mut left_behind = None;
    for _attempt in 0..20 {
        let mut child = Command::new(env!("CARGO_BIN_EXE_sipcfg-save-loop"))
            .arg(&path)
            .spawn()
            .expect("start the save loop");
        // Wait until it is in the middle of a save (its temporary file exists), then kill it.
        let start = Instant::now();
        while !listing(dir.path()).iter().any(|name| is_temp(name)) {
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "the helper never saved"
            );
            std::thread::sleep(Duration::from_millis(1));
        }
        child.kill().expect("SIGKILL the helper");
        child.wait().expect("reap the helper");
        let temps: Vec<String> = listing(dir.path())
            .into_iter()
            .filter(|n| is_temp(n))
            .collect();
        if !temps.is_empty() {
            left_behind = Some((child.id(), temps));
            break;
        }
    }
    let Some((pid, temps)) = left_behind else {
        panic!("20 kills never caught a save in the middle");
    };
    assert!(
        temps
            .iter()
            .all(|name| name.starts_with(&format!(".config.{pid}."))),
        "{temps:?} are the killed helper's"
    );
    // What is in place is a whole document (the old or the new one), never a mix.
    if path.exists() {
        let data = FileBackend::new(&path).load().expect("a whole file");
        assert!(matches!(data.get("items"), Some(Value::List(items)) if items.len() == 400_000));
    }
    FileBackend::new(&path).save(&sample()).unwrap();
    assert_eq!(
        listing(dir.path()),
        ["config"],
        "the killed save's file is gone"
    );
}

#[test]
fn debug_of_what_holds_a_document_never_shows_values() {
    let dir = tempfile::tempdir().unwrap();
    let path: PathBuf = dir.path().join("config");
    let file = FileBackend::new(&path);
    file.save(&sample()).unwrap();
    let memory = MemoryBackend::with_data(sample());
    let manager = ConfigurationManager::new();
    manager.start(MemoryBackend::with_data(sample())).unwrap();
    for debug in [
        format!("{file:?}"),
        format!("{memory:?}"),
        format!("{manager:?}"),
    ] {
        assert!(!debug.contains("hunter2"), "{debug}");
        assert!(!debug.contains("Alice"), "{debug}");
    }
    // Data's own Debug is plain data and does show values (documented on `Data`).
    assert!(format!("{:?}", sample()).contains("hunter2"));
}
