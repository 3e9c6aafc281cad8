//! Many writers, one file, with real processes: a long-running application on the library
//! (`sipcfg-test-app`) and `sip-settings` runs, or two applications, saving into one file.

mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use sipcfg::backend::{Backend, FileBackend};
use sipcfg::Data;
use support::*;

/// How long an observer may take to see another process's change.
const PATIENCE: Duration = Duration::from_secs(5);

fn stored(file: &Path) -> Data {
    FileBackend::new(file).load().expect("the file parses")
}

fn text_at<'d>(data: &'d Data, path: &[&str]) -> Option<&'d str> {
    data.get_path(path).and_then(|value| value.as_str())
}

/// Waits for the application's observer to report what a `sip-settings` run just did; the
/// time since the run ended.
fn observed(app: &mut App, ended: Instant, what: &str, wanted: impl Fn(&str) -> bool) -> Duration {
    let Some((at, _)) = app.wait_for(PATIENCE, wanted) else {
        panic!(
            "the application did not see {what} within {PATIENCE:?}:\n{}",
            app.text()
        );
    };
    at.saturating_duration_since(ended)
}

#[test]
fn an_application_saving_and_100_sip_settings_runs_lose_nothing_and_the_application_sees_them() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("config");
    let mut app = App::start(&file, true);
    let mut live: Vec<String> = Vec::new();
    let mut deleted: Vec<String> = Vec::new();
    let mut names: Vec<(String, String)> = Vec::new();
    let mut timeout = None;
    let mut latencies = Vec::new();
    for i in 0..100 {
        // The application saves on its own meanwhile (not awaited: its saves and the run
        // overlap).
        app.send("counter 3");
        match i % 5 {
            0 | 1 => {
                let id = format!("cli{i}@example.com");
                cli_ok(dir.path(), &["-a", "add", &id, "x"]);
                let ended = Instant::now();
                let want = format!("note SettingsObjectWasCreated External Account {id}");
                latencies.push(observed(&mut app, ended, &want, |l| l == want));
                live.push(id);
            }
            2 | 3 if !live.is_empty() => {
                let id = live[live.len() - 1].clone();
                let name = format!("name{i}");
                let (setting, new) = if i % 5 == 2 {
                    cli_ok(
                        dir.path(),
                        &["-a", "set", &id, &format!("display_name={name}")],
                    );
                    names.retain(|(other, _)| *other != id);
                    names.push((id.clone(), name.clone()));
                    ("display_name".to_owned(), name)
                } else {
                    let value = (10 + i).to_string();
                    cli_ok(dir.path(), &["-g", "set", &format!("rtp.timeout={value}")]);
                    timeout = Some(value.clone());
                    ("rtp.timeout".to_owned(), value)
                };
                let ended = Instant::now();
                let sender = if setting == "rtp.timeout" {
                    "SIPSimpleSettings SIPSimpleSettings".to_owned()
                } else {
                    format!("Account {id}")
                };
                let prefix = format!("note SettingsObjectDidChange External {sender} |");
                latencies.push(observed(&mut app, ended, &setting, |l| {
                    l.starts_with(&prefix) && reports_change(l, &setting, &new)
                }));
            }
            _ if i % 10 == 4 && live.len() > 1 => {
                let id = live.remove(0);
                cli_ok(dir.path(), &["-a", "delete", &id]);
                let ended = Instant::now();
                let want = format!("note SettingsObjectWasDeleted External Account {id}");
                latencies.push(observed(&mut app, ended, &want, |l| l == want));
                names.retain(|(other, _)| *other != id);
                deleted.push(id);
            }
            _ => {
                cli_ok(dir.path(), &["-a", "list"]);
            }
        }
    }
    for _ in 0..100 {
        let result = app.result_of("counter 3", Duration::from_secs(120));
        assert_eq!(result, "done counter 3 lost 0", "{}", app.text());
        // result_of finds the first: drop it so that the next call finds the next.
        let at = app.log.iter().position(|(_, l)| *l == result).unwrap();
        app.log.remove(at);
    }
    assert_eq!(app.run("add app 10"), "done add app 10 lost 0");
    app.send("quit");
    app.result_of("quit", Duration::from_secs(30));
    app.finish();

    let data = stored(&file);
    for id in &live {
        assert!(data.get_path(&["Accounts", id]).is_some(), "{id} lost");
    }
    for id in &deleted {
        assert!(data.get_path(&["Accounts", id]).is_none(), "{id} is back");
    }
    for (id, name) in &names {
        assert_eq!(
            text_at(&data, &["Accounts", id, "display_name"]),
            Some(name.as_str())
        );
    }
    let timeout = timeout.expect("rtp.timeout was set");
    assert_eq!(
        text_at(&data, &["SIPSimpleSettings", "rtp", "timeout"]),
        Some(timeout.as_str())
    );
    assert_eq!(
        text_at(&data, &["SIPSimpleSettings", "user_agent"]),
        Some("counter 300")
    );
    for n in 0..10 {
        let id = format!("app{n}@example.com");
        assert!(data.get_path(&["Accounts", &id]).is_some(), "{id} lost");
    }
    let (median, min, max) = spread(&mut latencies);
    println!(
        "{} external changes seen; latency after the run ended: median {median:?}, min {min:?}, max {max:?}",
        latencies.len()
    );
}

/// Starts two applications on `file`, and once both are ready gives each its commands at
/// the same instant; the output of each, once every command is done.
fn two_at_once(file: &Path, first: &[&str], second: &[&str]) -> (String, String) {
    let (mut a, mut b) = (App::start(file, false), App::start(file, false));
    for command in first {
        a.send(command);
    }
    for command in second {
        b.send(command);
    }
    let output = |app: &mut App, commands: &[&str]| {
        for command in commands {
            app.result_of(command, Duration::from_secs(300));
        }
        app.text()
    };
    (output(&mut a, first), output(&mut b, second))
}

#[test]
fn two_processes_saving_200_different_accounts_each_lose_none() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("config");
    let (a, b) = two_at_once(&file, &["add p- 200", "quit"], &["add q- 200", "quit"]);
    assert!(a.contains("done add p- 200 lost 0"), "{a}");
    assert!(b.contains("done add q- 200 lost 0"), "{b}");
    let data = stored(&file);
    let accounts = data.group("Accounts").expect("accounts");
    for n in 0..200 {
        for prefix in ["p-", "q-"] {
            let id = format!("{prefix}{n}@example.com");
            assert!(accounts.contains_key(&id), "{id} lost");
        }
    }
}

#[test]
fn two_processes_saving_200_times_different_settings_of_one_account_lose_none() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("config");
    cli_ok(dir.path(), &["-a", "add", "shared@example.com", "x"]);
    let (a, b) = two_at_once(
        &file,
        &["set shared@example.com display_name 200", "quit"],
        &["set shared@example.com sip.register_interval 200", "quit"],
    );
    assert!(
        a.contains("done set shared@example.com display_name 200 lost 0"),
        "{a}"
    );
    assert!(
        b.contains("done set shared@example.com sip.register_interval 200 lost 0"),
        "{b}"
    );
    // The other's changes arrived as external changes, merged in its saves. Which process sees
    // the other's depends on how the two runs overlap (one may finish before the other's first
    // save), so at least one of them must have.
    assert!(
        a.contains("External Account shared@example.com | sip.register_interval")
            || b.contains("External Account shared@example.com | display_name"),
        "{a}\n{b}"
    );
    let data = stored(&file);
    let account = ["Accounts", "shared@example.com"];
    assert_eq!(
        text_at(&data, &[account[0], account[1], "display_name"]),
        Some("200")
    );
    assert_eq!(
        text_at(&data, &[account[0], account[1], "sip", "register_interval"]),
        Some("200")
    );
}

#[test]
fn a_save_while_the_file_has_a_syntax_error_is_refused_and_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("config");
    cli_ok(dir.path(), &["-a", "add", "alice@example.com", "x"]);
    let mut app = App::start(&file, false);
    let broken = "Accounts:\n    alice@example.com:\n        display_name = \"unterminated\n";
    std::fs::write(&file, broken).unwrap();
    let result = app.run("put alice@example.com display_name Alice");
    assert!(result.starts_with("error "), "{result}");
    let place = format!("{}:3", file.display());
    assert!(result.contains(&place), "no file:line in {result}");
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        broken,
        "file touched"
    );
    app.run("get alice@example.com display_name");
    assert!(
        app.wait_for(PATIENCE, |l| l == "value Alice").is_some(),
        "{}",
        app.text()
    );
    // Fixed (by the person, who also added bob): the next save merges into it.
    let fixed = "Accounts:\n    alice@example.com:\n        enabled = true\n    bob@example.com:\n";
    std::fs::write(&file, fixed).unwrap();
    assert_eq!(app.run("save"), "done save");
    let data = stored(&file);
    let alice = ["Accounts", "alice@example.com"];
    assert_eq!(
        text_at(&data, &[alice[0], alice[1], "display_name"]),
        Some("Alice")
    );
    assert_eq!(
        text_at(&data, &[alice[0], alice[1], "enabled"]),
        Some("true")
    );
    assert!(data.get_path(&["Accounts", "bob@example.com"]).is_some());
}

#[test]
fn the_watcher_shows_another_processs_change_with_old_and_new_values() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("config");
    cli_ok(dir.path(), &["-a", "add", "alice@example.com", "x"]);
    let mut app = App::start(&file, true);
    let mut latencies = Vec::new();
    let mut old = "None".to_owned();
    for n in 0..10 {
        let name = format!("Alice{n}");
        cli_ok(
            dir.path(),
            &[
                "-a",
                "set",
                "alice@example.com",
                &format!("display_name={name}"),
            ],
        );
        let ended = Instant::now();
        let want = format!(
            "note SettingsObjectDidChange External Account alice@example.com | display_name: {old} -> {name}"
        );
        latencies.push(observed(&mut app, ended, &want, |l| l == want));
        old = name;
        // Apart, so that each change is reloaded on its own.
        std::thread::sleep(Duration::from_millis(100));
    }
    let (median, min, max) = spread(&mut latencies);
    println!(
        "watcher latency after sip-settings ended: median {median:?}, min {min:?}, max {max:?}"
    );
    assert!(max < PATIENCE);
}
