//! Runs every shared file-format vector (`shared/format-vectors`, see its README) through
//! [`FileBackend`] and [`file_format`]:
//!
//! - `load/NAME.cfg` loads as the document in `load/NAME.json`;
//! - `save/NAME.json` saves to exactly the bytes of `save/NAME.cfg`, which load back as it;
//! - `errors/NAME.cfg` fails to load with a parse error on the line given in
//!   `errors/expected.json`.
//!
//! The vectors are found through the environment variable `SIPCFG_FORMAT_VECTORS`, else in
//! the project's own copy, `tests/format-vectors` (kept equal to `shared/format-vectors` by
//! `.ci/run`). A missing or empty folder fails the tests: they never pass without running the
//! vectors.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use sipcfg::backend::{Backend, FileBackend};
use sipcfg::{file_format, BackendError, Data};

/// At least this many vectors of each kind exist; fewer means the folder is not the right one
/// or vectors were lost.
const MIN_LOAD: usize = 11;
const MIN_SAVE: usize = 9;
const MIN_ERRORS: usize = 12;

fn vectors_dir() -> PathBuf {
    let dir = match std::env::var_os("SIPCFG_FORMAT_VECTORS") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("format-vectors"),
    };
    assert!(
        dir.join("README.md").is_file() && dir.join("load").is_dir(),
        "the format vectors are not at {} (set SIPCFG_FORMAT_VECTORS to a \
         format-vectors folder; the project's copy is tests/format-vectors)",
        dir.display()
    );
    dir
}

/// The names (file stems) of the files in `dir` ending with `.ext`, sorted.
fn names(dir: &Path, ext: &str) -> Vec<String> {
    let entries =
        fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()));
    let mut names: Vec<String> = entries
        .map(|entry| entry.unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display())))
        .filter_map(|entry| {
            let path = entry.path();
            (path.extension().and_then(|e| e.to_str()) == Some(ext))
                .then(|| path.file_stem()?.to_str().map(str::to_owned))
                .flatten()
        })
        .collect();
    names.sort();
    names
}

fn read_json_data(path: &Path) -> Data {
    let text =
        fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{}: not a document: {e}", path.display()))
}

fn report(kind: &str, count: usize, failures: Vec<String>) {
    assert!(
        failures.is_empty(),
        "{} of {count} {kind} vectors failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn load_vectors() {
    let dir = vectors_dir().join("load");
    let names = names(&dir, "cfg");
    assert!(
        names.len() >= MIN_LOAD,
        "only {} load vectors in {}",
        names.len(),
        dir.display()
    );
    let mut failures = Vec::new();
    for name in &names {
        let cfg = dir.join(format!("{name}.cfg"));
        let expected = read_json_data(&dir.join(format!("{name}.json")));
        match FileBackend::new(&cfg).load() {
            Ok(data) if data == expected => {}
            Ok(data) => failures.push(format!(
                "load/{name}: got\n{data:#?}\nexpected\n{expected:#?}"
            )),
            Err(error) => failures.push(format!("load/{name}: {error}")),
        }
    }
    report("load", names.len(), failures);
}

#[test]
fn save_vectors() {
    let dir = vectors_dir().join("save");
    let names = names(&dir, "json");
    assert!(
        names.len() >= MIN_SAVE,
        "only {} save vectors in {}",
        names.len(),
        dir.display()
    );
    let temp = tempfile::tempdir().expect("a temporary directory");
    let mut failures = Vec::new();
    for name in &names {
        let data = read_json_data(&dir.join(format!("{name}.json")));
        let cfg = dir.join(format!("{name}.cfg"));
        let expected =
            fs::read(&cfg).unwrap_or_else(|e| panic!("cannot read {}: {e}", cfg.display()));

        let target = temp.path().join(format!("{name}.cfg"));
        let backend = FileBackend::new(&target);
        if let Err(error) = backend.save(&data) {
            failures.push(format!("save/{name}: {error}"));
            continue;
        }
        let written = fs::read(&target).expect("the saved file");
        if written != expected {
            failures.push(format!(
                "save/{name}: wrote\n{}\nexpected\n{}",
                String::from_utf8_lossy(&written),
                String::from_utf8_lossy(&expected)
            ));
            continue;
        }
        if file_format::write(&data).map(String::into_bytes).ok() != Some(expected) {
            failures.push(format!(
                "save/{name}: file_format::write differs from the saved file"
            ));
        }
        match backend.load() {
            Ok(back) if back == data => {}
            Ok(back) => failures.push(format!("save/{name}: loads back as\n{back:#?}")),
            Err(error) => failures.push(format!("save/{name}: does not load back: {error}")),
        }
        match FileBackend::new(&cfg).load() {
            Ok(back) if back == data => {}
            Ok(back) => failures.push(format!("save/{name}.cfg loads as\n{back:#?}")),
            Err(error) => failures.push(format!("save/{name}.cfg does not load: {error}")),
        }
    }
    report("save", names.len(), failures);
}

#[test]
fn error_vectors() {
    let dir = vectors_dir().join("errors");
    let names = names(&dir, "cfg");
    assert!(
        names.len() >= MIN_ERRORS,
        "only {} error vectors in {}",
        names.len(),
        dir.display()
    );
    let expected_path = dir.join("expected.json");
    let expected: BTreeMap<String, serde_json::Value> = serde_json::from_str(
        &fs::read_to_string(&expected_path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", expected_path.display())),
    )
    .unwrap_or_else(|e| panic!("{}: {e}", expected_path.display()));
    let mut failures = Vec::new();
    for name in expected.keys() {
        if !names.contains(name) {
            failures.push(format!(
                "errors/expected.json names {name}, but errors/{name}.cfg is missing"
            ));
        }
    }
    for name in &names {
        let Some(line) = expected
            .get(name)
            .and_then(|entry| entry.get("line"))
            .and_then(serde_json::Value::as_u64)
        else {
            failures.push(format!("errors/{name}: no line in errors/expected.json"));
            continue;
        };
        let cfg = dir.join(format!("{name}.cfg"));
        match FileBackend::new(&cfg).load() {
            Ok(data) => failures.push(format!("errors/{name}: loaded as {data:?}")),
            Err(BackendError::Parse(error)) => {
                let message = error.to_string();
                if error.line as u64 != line {
                    failures.push(format!(
                        "errors/{name}: error on line {}, expected {line}: {message}",
                        error.line
                    ));
                } else if error.path != cfg
                    || !message.contains(&format!("{}:{line}:{}: ", cfg.display(), error.column))
                {
                    failures.push(format!("errors/{name}: the message does not name the file, line and column: {message}"));
                }
            }
            Err(other) => failures.push(format!("errors/{name}: not a parse error: {other}")),
        }
    }
    report("error", names.len(), failures);
}
