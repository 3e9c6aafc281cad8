//! [`FileBackend`] on a real file system: missing files, permissions, atomic replacement,
//! failures, encodings, and documents that are very deep, very wide or full of odd characters.

use std::fs;
use std::path::{Path, PathBuf};

use sipcfg::backend::{Backend, Encoding, FileBackend};
use sipcfg::{BackendError, Data, ParseErrorKind, Value};

mod support;
use support::listing;

fn sample() -> Data {
    let mut account = Data::new();
    account.insert("display_name", "Alice Example");
    account.insert("enabled", "true");
    account.insert(
        "stun_server_list",
        vec!["stun1.example.com:3478", "stun2.example.com"],
    );
    account.insert("password", Value::Nothing);
    let mut data = Data::new();
    data.insert(
        "Accounts",
        Data::from_iter([("alice@example.com", account)]),
    );
    data.insert("default_account", "alice@example.com");
    data
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(path).expect("metadata").permissions().mode() & 0o7777
}

#[test]
fn a_missing_file_is_an_empty_document_and_is_not_created() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("missing").join("config.cfg");
    let backend = FileBackend::new(&path);
    assert_eq!(backend.path(), path);
    assert_eq!(backend.load().unwrap(), Data::new());
    assert!(!path.exists());
    assert!(!dir.path().join("missing").exists());
    assert!(listing(dir.path()).is_empty());
}

#[test]
fn save_then_load_gives_the_document_back() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.cfg");
    let backend = FileBackend::new(&path);
    backend.save(&sample()).unwrap();
    assert_eq!(backend.load().unwrap(), sample());
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        "default_account = alice@example.com\n\
         Accounts:\n\
         \x20   alice@example.com:\n\
         \x20       display_name = \"Alice Example\"\n\
         \x20       enabled = true\n\
         \x20       password =\n\
         \x20       stun_server_list = \"stun1.example.com:3478\", stun2.example.com\n\
         \n\
         \n"
    );
    // Saving again replaces the contents.
    let mut changed = sample();
    changed.remove("Accounts");
    backend.save(&changed).unwrap();
    assert_eq!(backend.load().unwrap(), changed);
    assert_eq!(
        listing(dir.path()),
        ["config.cfg"],
        "no temporary file is left behind"
    );
}

#[cfg(unix)]
#[test]
fn the_file_is_private_and_created_directories_are_too() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).unwrap();
    let path = dir.path().join("a").join("b").join("config.cfg");
    FileBackend::new(&path).save(&sample()).unwrap();
    assert_eq!(mode(&path), 0o600);
    assert_eq!(mode(&dir.path().join("a")), 0o700);
    assert_eq!(mode(&dir.path().join("a").join("b")), 0o700);
    assert_eq!(
        mode(dir.path()),
        0o755,
        "existing directories are left alone"
    );

    // Replacing a file that was readable by others makes it private.
    let shared = dir.path().join("shared.cfg");
    fs::write(&shared, "old = 1\n").unwrap();
    fs::set_permissions(&shared, fs::Permissions::from_mode(0o644)).unwrap();
    FileBackend::new(&shared).save(&sample()).unwrap();
    assert_eq!(mode(&shared), 0o600);
}

#[test]
fn a_target_that_is_a_directory_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("config.cfg");
    fs::create_dir(&target).unwrap();
    fs::write(target.join("inside"), "keep me").unwrap();
    let error = FileBackend::new(&target).save(&sample()).unwrap_err();
    let message = error.to_string();
    assert!(
        matches!(
            error,
            BackendError::NotARegularFile {
                kind: "a directory",
                ..
            }
        ),
        "{error:?}"
    );
    assert!(message.contains(&target.display().to_string()), "{message}");
    assert_eq!(
        listing(dir.path()),
        ["config.cfg"],
        "no temporary file is left"
    );
    assert_eq!(
        fs::read_to_string(target.join("inside")).unwrap(),
        "keep me"
    );
}

#[test]
fn a_parent_that_is_a_file_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let parent = dir.path().join("not-a-dir");
    fs::write(&parent, "a file").unwrap();
    let error = FileBackend::new(parent.join("config.cfg"))
        .save(&sample())
        .unwrap_err();
    let message = error.to_string();
    assert!(message.contains(&parent.display().to_string()), "{message}");
    assert!(message.contains("os error"), "{message}");
    assert_eq!(fs::read_to_string(&parent).unwrap(), "a file");
    assert_eq!(listing(dir.path()), ["not-a-dir"]);
}

#[test]
fn an_unwritable_document_leaves_the_old_file_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.cfg");
    let backend = FileBackend::new(&path);
    backend.save(&sample()).unwrap();
    let before = fs::read(&path).unwrap();

    let mut bad = sample();
    bad.group_entry("Accounts").insert("", "x");
    let error = backend.save(&bad).unwrap_err();
    match &error {
        BackendError::Unrepresentable { file, setting, .. } => {
            assert_eq!(file, &path);
            assert_eq!(setting, &["Accounts".to_string(), String::new()]);
        }
        other => panic!("{other:?}"),
    }
    assert!(
        error.to_string().contains(&path.display().to_string()),
        "{error}"
    );
    assert_eq!(fs::read(&path).unwrap(), before);
    assert_eq!(listing(dir.path()), ["config.cfg"]);
}

#[test]
fn read_errors_name_the_path_and_the_os_error() {
    // A loop of symbolic links cannot be read, even by root.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.cfg");
    std::os::unix::fs::symlink("other", &path).unwrap();
    std::os::unix::fs::symlink("config.cfg", dir.path().join("other")).unwrap();
    let error = FileBackend::new(&path).load().unwrap_err();
    let message = error.to_string();
    assert!(matches!(error, BackendError::Io { .. }), "{error:?}");
    assert!(message.contains(&path.display().to_string()), "{message}");
    assert!(message.contains("os error"), "{message}");
}

#[test]
fn syntax_errors_name_the_path_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.cfg");
    fs::write(&path, "ok = 1\ngroup:\n    name = \"unterminated\n").unwrap();
    let error = FileBackend::new(&path).load().unwrap_err();
    let BackendError::Parse(parse) = &error else {
        panic!("{error:?}")
    };
    assert_eq!(
        (parse.line, parse.column, &parse.kind),
        (3, 12, &ParseErrorKind::MissingEndQuote)
    );
    assert_eq!(
        error.to_string(),
        format!("{}:3:12: missing ending quote", path.display())
    );

    fs::write(&path, b"a = 1\nb = caf\xe9\n").unwrap();
    let error = FileBackend::new(&path).load().unwrap_err();
    assert_eq!(
        error.to_string(),
        format!("{}:2:8: invalid UTF-8 text", path.display())
    );
}

#[test]
fn latin1_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("latin1.cfg");
    let latin1 = Encoding::for_label("latin1").unwrap();
    let backend = FileBackend::with_encoding(&path, latin1);
    assert_eq!(backend.encoding(), latin1);
    let mut data = Data::new();
    data.insert("café", "crème brûlée");
    data.insert("g", Data::from_iter([("list", vec!["ä", "ö", "ü ß"])]));
    backend.save(&data).unwrap();
    assert_eq!(
        fs::read(&path).unwrap(),
        b"caf\xe9 = \"cr\xe8me br\xfbl\xe9e\"\ng:\n    list = \xe4, \xf6, \"\xfc \xdf\"\n\n"
    );
    assert_eq!(backend.load().unwrap(), data);
    // The same bytes are not UTF-8.
    let error = FileBackend::new(&path).load().unwrap_err();
    assert!(
        error.to_string().contains(":1:4: invalid UTF-8 text"),
        "{error}"
    );
}

#[test]
fn characters_the_encoding_cannot_represent_name_the_setting() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("latin1.cfg");
    fs::write(&path, "old = 1\n").unwrap();
    let backend = FileBackend::with_encoding(&path, Encoding::for_label("iso-8859-1").unwrap());
    let mut data = Data::new();
    data.insert("fine", "é");
    data.insert(
        "weather",
        Data::from_iter([("today", vec!["sun", "snow ☃"])]),
    );
    let error = backend.save(&data).unwrap_err();
    match &error {
        BackendError::Unrepresentable {
            file,
            setting,
            reason,
        } => {
            assert_eq!(file, &path);
            assert_eq!(setting, &["weather".to_string(), "today".to_string()]);
            assert!(
                reason.contains("U+2603") && reason.contains("windows-1252"),
                "{reason}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(fs::read_to_string(&path).unwrap(), "old = 1\n");
    assert_eq!(listing(dir.path()), ["latin1.cfg"]);

    // In a name too.
    let data = Data::from_iter([("g", Data::from_iter([("Ω", "x")]))]);
    match backend.save(&data).unwrap_err() {
        BackendError::Unrepresentable { setting, .. } => assert_eq!(setting, ["g", "Ω"]),
        other => panic!("{other:?}"),
    }
}

#[test]
fn encodings_that_are_not_ascii_compatible_are_refused() {
    for label in [
        "utf-16",
        "UTF-16LE",
        "utf-16be",
        "iso-2022-jp",
        "iso-2022-kr",
    ] {
        let error = Encoding::for_label(label).unwrap_err();
        assert!(
            matches!(error, BackendError::UnsupportedEncoding { .. }),
            "{label}: {error:?}"
        );
        assert!(error.to_string().contains(label), "{error}");
    }
    assert!(Encoding::for_label("utf-16")
        .unwrap_err()
        .to_string()
        .contains("UTF-16 is not supported"));
    assert!(Encoding::for_label("klingon")
        .unwrap_err()
        .to_string()
        .contains("unknown"));
    assert_eq!(Encoding::for_label(" UTF8 ").unwrap(), Encoding::UTF_8);
    assert!(Encoding::for_label("gb18030").is_ok());
}

#[test]
fn a_symbolic_link_is_followed_and_kept() {
    #[cfg(unix)]
    {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.cfg");
        let link = dir.path().join("link.cfg");
        fs::write(&real, "old = 1\n").unwrap();
        std::os::unix::fs::symlink(&real, &link).unwrap();
        FileBackend::new(&link).save(&sample()).unwrap();
        assert!(fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(FileBackend::new(&real).load().unwrap(), sample());
        assert_eq!(listing(dir.path()), ["link.cfg", "real.cfg"]);
    }
}

/// A document nested `depth` groups deep with one setting at the bottom.
fn nested(depth: usize) -> Data {
    let mut data = Data::from_iter([("leaf", "bottom")]);
    for level in (0..depth).rev() {
        data = Data::from_iter([(format!("g{level}"), data)]);
    }
    data
}

#[test]
fn deep_nesting_saves_and_loads_without_recursion() {
    // Each level is indented 4 spaces more than its parent, so the file grows with the square of
    // the depth: 10,000 levels are 200 MB. The thread's stack is far smaller than a recursive
    // reader or writer would need at that depth.
    let depth = 10_000;
    let handle = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(move || {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("deep.cfg");
            let backend = FileBackend::new(&path);
            let data = nested(depth);
            backend.save(&data).unwrap();
            let size = fs::metadata(&path).unwrap().len();
            assert!(size > 200_000_000, "{size}");
            let back = backend.load().unwrap();
            assert_eq!(back.depth(), depth);
            assert!(back == data);
        })
        .unwrap();
    handle.join().unwrap();
}

#[test]
fn huge_lines_load_and_save() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.cfg");
    let backend = FileBackend::new(&path);
    let plain = "x".repeat(10 * 1024 * 1024);
    let quoted = "a \"b\\ ".repeat(2 * 1024 * 1024);
    let list: Vec<String> = (0..500_000).map(|i| format!("item {i}")).collect();
    let mut data = Data::new();
    data.insert("plain", plain.as_str());
    data.insert("quoted", quoted.as_str());
    data.insert("list", list);
    data.insert("y".repeat(1024 * 1024), "long name");
    backend.save(&data).unwrap();
    assert!(fs::metadata(&path).unwrap().len() > 30_000_000);
    assert_eq!(backend.load().unwrap(), data);

    // A 10 MB line with an error at its end names the right column.
    fs::write(&path, format!("a = {plain} = oops\n")).unwrap();
    let Err(BackendError::Parse(parse)) = backend.load() else {
        panic!("expected a parse error")
    };
    assert_eq!((parse.line, parse.column), (1, 10 * 1024 * 1024 + 6));
}

#[test]
fn nul_bytes_are_ordinary_characters() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nul.cfg");
    let backend = FileBackend::new(&path);
    let mut data = Data::new();
    data.insert("a\0b", "c\0d");
    data.insert("\0", vec!["\0", "", "\0 \0"]);
    data.insert("g\0", Data::from_iter([("\0\0", Value::Nothing)]));
    backend.save(&data).unwrap();
    assert_eq!(backend.load().unwrap(), data);

    fs::write(&path, b"\0 = \0\x01\n\0:\n  x = \0, \0\n").unwrap();
    let data = backend.load().unwrap();
    assert_eq!(
        data.get("\0"),
        Some(&Value::Group(Data::from_iter([("x", vec!["\0", "\0"])])))
    );
}

#[test]
fn an_empty_document_is_a_single_newline() {
    let dir = tempfile::tempdir().unwrap();
    let path: PathBuf = dir.path().join("empty.cfg");
    FileBackend::new(&path).save(&Data::new()).unwrap();
    assert_eq!(fs::read(&path).unwrap(), b"\n");
    assert_eq!(FileBackend::new(&path).load().unwrap(), Data::new());
}

#[test]
fn an_exclusive_lock_excludes_other_lockers_until_dropped() {
    use sipcfg::backend::LockMode;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    let dir = tempfile::tempdir().unwrap();
    let backend = FileBackend::new(dir.path().join("sub").join("config"));
    let shared_on_missing_dir = backend.lock(LockMode::Shared).unwrap();
    assert!(
        !shared_on_missing_dir.is_held(),
        "nothing to read, nothing locked"
    );
    drop(shared_on_missing_dir);

    let guard = backend.lock(LockMode::Exclusive).unwrap();
    assert!(guard.is_held());
    assert!(dir.path().join("sub").join("config.lock").exists());
    let acquired = Arc::new(AtomicBool::new(false));
    let flag = acquired.clone();
    let other = backend.clone();
    let waiter = std::thread::spawn(move || {
        let _second = other.lock(LockMode::Exclusive).unwrap();
        flag.store(true, Ordering::SeqCst);
    });
    std::thread::sleep(std::time::Duration::from_millis(200));
    assert!(!acquired.load(Ordering::SeqCst), "the second locker waits");
    drop(guard);
    waiter.join().unwrap();
    assert!(acquired.load(Ordering::SeqCst));
}

#[cfg(unix)]
#[test]
fn a_dangling_symlink_is_kept_and_its_target_created_in_an_existing_directory() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("real")).unwrap();
    let link = dir.path().join("config");
    std::os::unix::fs::symlink("real/config.txt", &link).unwrap();
    let backend = FileBackend::new(&link);
    assert_eq!(backend.load().unwrap(), Data::new(), "nothing to read yet");
    let mut data = Data::new();
    data.insert("a", "1");
    backend.save(&data).unwrap();
    assert!(fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(
        fs::read_to_string(dir.path().join("real/config.txt")).unwrap(),
        "a = 1\n"
    );
    assert_eq!(backend.load().unwrap(), data);
}

#[cfg(unix)]
#[test]
fn a_dangling_symlink_into_a_missing_directory_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("config");
    std::os::unix::fs::symlink("real/config.txt", &link).unwrap();
    let backend = FileBackend::new(&link);
    let error = backend.save(&sample()).unwrap_err();
    match &error {
        BackendError::DanglingSymlink { path, target } => {
            assert_eq!(path, &link);
            assert_eq!(target, &dir.path().join("real/config.txt"));
        }
        other => panic!("{other:?}"),
    }
    let message = error.to_string();
    assert!(message.contains(&link.display().to_string()), "{message}");
    assert!(message.contains("directory does not exist"), "{message}");
    assert_eq!(listing(dir.path()), ["config"], "no directory is created");
    assert!(fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
}
