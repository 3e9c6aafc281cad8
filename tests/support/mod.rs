//! Running the helper programs of the real-process tests: `sipcfg-test-app` (a long-running
//! application on the library) and `sip-settings`.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Output, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

/// The helper application's program.
pub const APP: &str = env!("CARGO_BIN_EXE_sipcfg-test-app");
/// The real sip-settings program (built from its source by this package).
pub const SIP_SETTINGS: &str = env!("CARGO_BIN_EXE_sip-settings-under-test");

/// Runs `sip-settings -c DIR ARGS` with `HOME` pointing into DIR.
pub fn cli(dir: &Path, args: &[&str]) -> Output {
    Command::new(SIP_SETTINGS)
        .arg("-c")
        .arg(dir)
        .args(args)
        .env("HOME", dir)
        .stdin(Stdio::null())
        .output()
        .expect("run sip-settings")
}

/// Runs `sip-settings`, expecting success.
pub fn cli_ok(dir: &Path, args: &[&str]) -> String {
    let output = cli(dir, args);
    assert!(
        output.status.success(),
        "sip-settings {args:?}: {:?}\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// A running `sipcfg-test-app` fed commands on its standard input; every line it prints is
/// kept in `log` with the instant it arrived.
pub struct App {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<(Instant, String)>,
    pub log: Vec<(Instant, String)>,
}

impl App {
    /// Starts the application on `file`, watching it if `watch`; waits until it is ready.
    pub fn start(file: &Path, watch: bool) -> App {
        let mut command = Command::new(APP);
        command.arg(file);
        if watch {
            command.arg("--watch");
        }
        App::spawn(command)
    }

    /// Starts `command` (which runs `sipcfg-test-app`), reading commands from standard input.
    pub fn spawn(mut command: Command) -> App {
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start sipcfg-test-app");
        let stdout = child.stdout.take().expect("piped");
        let (sender, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if sender.send((Instant::now(), line)).is_err() {
                    break;
                }
            }
        });
        let stdin = child.stdin.take();
        let mut app = App {
            child,
            stdin,
            lines,
            log: Vec::new(),
        };
        app.wait_for(Duration::from_secs(30), |line| {
            line == "ready" || line.starts_with("error start")
        })
        .expect("the application started");
        app
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends a command without waiting for it.
    pub fn send(&mut self, command: &str) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        writeln!(stdin, "{command}").expect("write a command");
        stdin.flush().expect("flush");
    }

    /// The first line (already received, or arriving within `timeout`) that `wanted` accepts,
    /// with the instant it arrived.
    pub fn wait_for(
        &mut self,
        timeout: Duration,
        wanted: impl Fn(&str) -> bool,
    ) -> Option<(Instant, String)> {
        self.wait_from(0, timeout, wanted)
    }

    /// Like [`wait_for`](Self::wait_for), ignoring the first `from` lines received.
    pub fn wait_from(
        &mut self,
        from: usize,
        timeout: Duration,
        wanted: impl Fn(&str) -> bool,
    ) -> Option<(Instant, String)> {
        if let Some(found) = self.log.iter().skip(from).find(|(_, line)| wanted(line)) {
            return Some(found.clone());
        }
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(entry) => {
                    self.log.push(entry.clone());
                    if wanted(&entry.1) {
                        return Some(entry);
                    }
                }
                Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => return None,
            }
        }
    }

    /// Sends `command` and returns its `done ...` or `error ...` line.
    pub fn run(&mut self, command: &str) -> String {
        let from = self.log.len();
        self.send(command);
        self.result_from(from, command, Duration::from_secs(120))
    }

    /// The first `done`/`error` line of a command sent before.
    pub fn result_of(&mut self, command: &str, timeout: Duration) -> String {
        self.result_from(0, command, timeout)
    }

    /// The first `done`/`error` line of `command` after the first `from` lines.
    fn result_from(&mut self, from: usize, command: &str, timeout: Duration) -> String {
        let done = format!("done {command}");
        let error = format!("error {command}:");
        let found = self.wait_from(from, timeout, |line| {
            line == done || line.starts_with(&format!("{done} ")) || line.starts_with(&error)
        });
        let Some((_, line)) = found else {
            panic!("no result for {command:?}; output:\n{}", self.text());
        };
        line
    }

    /// Every line received so far.
    pub fn text(&self) -> String {
        let lines: Vec<&str> = self.log.iter().map(|(_, line)| line.as_str()).collect();
        lines.join("\n")
    }

    /// Closes standard input and waits for the process to end.
    pub fn finish(mut self) {
        drop(self.stdin.take());
        let _ = self.child.wait();
        while let Ok(entry) = self.lines.recv_timeout(Duration::from_secs(5)) {
            self.log.push(entry);
        }
    }
}

impl Drop for App {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Whether the notification line `line` reports `path` changed to `new`.
pub fn reports_change(line: &str, path: &str, new: &str) -> bool {
    line.split(" | ").skip(1).any(|part| {
        part.strip_prefix(path)
            .and_then(|rest| rest.strip_prefix(": "))
            .is_some_and(|rest| rest.ends_with(&format!(" -> {new}")))
    })
}

/// The median, minimum and maximum of `samples`.
pub fn spread(samples: &mut [Duration]) -> (Duration, Duration, Duration) {
    samples.sort();
    let median = samples[samples.len() / 2];
    (median, samples[0], samples[samples.len() - 1])
}

/// The names of the entries of `dir`, sorted.
pub fn listing(dir: &Path) -> Vec<String> {
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
