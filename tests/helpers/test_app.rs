//! Test helper: a long-running SIP client using the library, for the real-process tests
//! (`many_processes.rs`, `crash.rs`, `write_faults.rs`).
//!
//! `sipcfg-test-app FILE [--watch] [COMMAND]...` starts a manager with a `FileBackend` on FILE,
//! loads the `AccountManager` and `SIPSimpleSettings`, optionally watches the file, and prints
//! one line per notification on standard output:
//!
//! `note KIND ORIGIN TYPE ID[ | PATH: OLD -> NEW]...` (secrets masked).
//!
//! It runs the COMMANDs given as arguments, or else one command per line of standard input.
//! Every command ends with a line `done WORDS` or `error WORDS: MESSAGE`. Commands:
//!
//! - `counter N`: N saves of SIPSimpleSettings.user_agent = `counter K` (K counts on).
//! - `add PREFIX N`: adds the accounts PREFIX0@example.com .. PREFIX(N-1), one save each.
//! - `set ID PATH N`: N saves of the account ID's setting PATH = 1..=N.
//! - `put ID PATH VALUE`: one object save; `delete ID`: one object delete.
//! - `mput ID PATH VALUE`: the value through `manager.update` and `manager.save`.
//! - `batch PREFIX N`: adds N accounts in one `batch`.
//! - `retry ID`: saves the account again; `retry-delete ID`: deletes it again; `save`: `manager.save()`.
//! - `get ID PATH`: prints `value VALUE` from memory.
//! - `reload`; `sleep MS`; `fault-cleared`: raises the file size soft limit to the hard limit;
//!   `remove PATH`: removes a file (the filler of a full file system).
//! - `forever NAME`: saves `Accounts/NAME@example.com` display_name = 1, 2, ... and prints
//!   `saved N` after each save returned; every tenth save also adds an account. Never ends.
//! - `quit`: saves, prints `state user_agent=...` and `state accounts=ID,...`, and exits.
//!
//! After every save of `counter`, `add` and `set` it loads the file with a fresh backend and
//! checks that its change is there; `done` then says `lost K` (0 expected).

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use sipcfg::backend::{Backend, FileBackend};
use sipcfg::{
    ConfigurationError, ConfigurationManager, Data, NotificationFilter, NotificationKind, Object,
    Origin, TextValue,
};
use sipcfg_settings::{Account, AccountManager, SIPSimpleSettings};

fn main() {
    catch_file_size_limit();
    let mut args = std::env::args().skip(1);
    let Some(file) = args.next().map(PathBuf::from) else {
        eprintln!("usage: sipcfg-test-app FILE [--watch] [COMMAND]...");
        std::process::exit(2);
    };
    let mut commands: Vec<String> = args.collect();
    let watch = commands.first().is_some_and(|first| first == "--watch");
    if watch {
        commands.remove(0);
    }
    let app = match App::start(&file, watch) {
        Ok(app) => app,
        Err(error) => {
            say(&format!("error start: {error}"));
            std::process::exit(1);
        }
    };
    if commands.is_empty() {
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            app.run(line.trim());
        }
    } else {
        for command in &commands {
            app.run(command);
        }
    }
}

/// One line on standard output, flushed at once (the tests read it as it comes).
fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

/// Writing past `ulimit -f` raises SIGXFSZ; caught (like `sip-settings` does), the write fails
/// with EFBIG instead of killing the process.
fn catch_file_size_limit() {
    static CAUGHT: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    let _ = signal_hook::flag::register(signal_hook::consts::SIGXFSZ, &CAUGHT);
}

struct App {
    file: PathBuf,
    manager: ConfigurationManager,
    accounts: AccountManager,
    general: Object<SIPSimpleSettings>,
    _watcher: Option<sipcfg::Watcher>,
    counter: std::cell::Cell<u64>,
}

impl App {
    fn start(file: &Path, watch: bool) -> Result<App, ConfigurationError> {
        let manager = ConfigurationManager::new();
        manager.start(FileBackend::new(file))?;
        let weak = manager.downgrade();
        manager
            .notifications()
            .observe(NotificationFilter::new(), move |n| {
                say(&describe(n));
                // Like a SIP client: an account another program added is loaded, so that its
                // later changes reach this application with old and new values.
                let created = matches!(n.kind, NotificationKind::SettingsObjectWasCreated);
                if created && n.origin == Origin::External && n.sender.type_name == "Account" {
                    if let Some(manager) = weak.upgrade() {
                        if let Err(error) = Account::get(&manager, &n.sender.id) {
                            say(&format!("note load failed {}: {error}", n.sender.id));
                        }
                    }
                }
            });
        let accounts = AccountManager::load(&manager)?;
        let general = SIPSimpleSettings::get(&manager)?;
        let watcher = if watch { Some(manager.watch()?) } else { None };
        say("ready");
        Ok(App {
            file: file.to_owned(),
            manager,
            accounts,
            general,
            _watcher: watcher,
            counter: std::cell::Cell::new(0),
        })
    }

    fn run(&self, line: &str) {
        let words: Vec<&str> = line.split_whitespace().collect();
        if words.is_empty() {
            return;
        }
        match self.command(&words) {
            Ok(Some(extra)) => say(&format!("done {line} {extra}")),
            Ok(None) => say(&format!("done {line}")),
            Err(error) => say(&format!("error {line}: {error}")),
        }
    }

    fn stored(&self) -> Result<Data, ConfigurationError> {
        Ok(FileBackend::new(&self.file).load()?)
    }

    fn command(&self, words: &[&str]) -> Result<Option<String>, ConfigurationError> {
        let number = |at: usize| -> Result<u64, ConfigurationError> {
            words
                .get(at)
                .and_then(|word| word.parse().ok())
                .ok_or_else(|| ConfigurationError::InvalidKey(format!("a number at {at}")))
        };
        let word = |at: usize| -> Result<&str, ConfigurationError> {
            words
                .get(at)
                .copied()
                .ok_or_else(|| ConfigurationError::InvalidKey(format!("a word at {at}")))
        };
        match words[0] {
            "counter" => {
                let mut lost = 0;
                for _ in 0..number(1)? {
                    let k = self.counter.get() + 1;
                    self.counter.set(k);
                    let value = format!("counter {k}");
                    self.general.set_user_agent(value.as_str())?;
                    self.general.save()?;
                    let stored = self.stored()?;
                    let path = ["SIPSimpleSettings", "user_agent"];
                    if stored.get_path(&path).and_then(|v| v.as_str()) != Some(value.as_str()) {
                        lost += 1;
                    }
                }
                Ok(Some(format!("lost {lost}")))
            }
            "add" => {
                let mut lost = 0;
                for n in 0..number(2)? {
                    let id = format!("{}{n}@example.com", word(1)?);
                    self.accounts.add(&id)?;
                    if self.stored()?.get_path(&["Accounts", &id]).is_none() {
                        lost += 1;
                    }
                }
                Ok(Some(format!("lost {lost}")))
            }
            "set" => {
                let (id, path) = (word(1)?, word(2)?);
                let account = Account::get(&self.manager, id)?;
                let mut lost = 0;
                for k in 1..=number(3)? {
                    let value = k.to_string();
                    account
                        .raw()
                        .set_text(path, TextValue::Text(&value))
                        .map_err(ConfigurationError::from)?;
                    account.save()?;
                    let stored = self.stored()?;
                    let mut at = vec!["Accounts", id];
                    at.extend(path.split('.'));
                    if stored.get_path(&at).and_then(|v| v.as_str()) != Some(value.as_str()) {
                        lost += 1;
                    }
                }
                Ok(Some(format!("lost {lost}")))
            }
            "put" => {
                let account = Account::get(&self.manager, word(1)?)?;
                account
                    .raw()
                    .set_text(word(2)?, TextValue::Text(word(3)?))
                    .map_err(ConfigurationError::from)?;
                account.save()?;
                Ok(None)
            }
            "mput" => {
                let (id, path) = (word(1)?, word(2)?);
                let mut patch = Data::new();
                let mut names: Vec<&str> = path.split('.').collect();
                let last = names.pop().unwrap_or(path);
                let mut group = &mut patch;
                for name in names {
                    group = group.group_entry(name);
                }
                group.insert(last, word(3)?);
                self.manager.update(Some("Accounts"), id, patch)?;
                self.manager.save()?;
                Ok(None)
            }
            "delete" | "retry-delete" => {
                Account::get(&self.manager, word(1)?)?.delete()?;
                Ok(None)
            }
            "retry" => {
                Account::get(&self.manager, word(1)?)?.save()?;
                Ok(None)
            }
            "batch" => {
                let prefix = word(1)?;
                let count = number(2)?;
                self.manager.batch(|| {
                    for n in 0..count {
                        let id = format!("{prefix}{n}@example.com");
                        Account::get(&self.manager, &id)?.save()?;
                    }
                    Ok::<_, ConfigurationError>(())
                })?;
                Ok(None)
            }
            "save" => {
                self.manager.save()?;
                Ok(None)
            }
            "reload" => Ok(Some(format!("changed {}", self.manager.reload()?))),
            "get" => {
                let account = Account::get(&self.manager, word(1)?)?;
                let info = account
                    .raw()
                    .setting(word(2)?)
                    .map_err(ConfigurationError::from)?;
                say(&format!("value {}", info.value_display()));
                Ok(None)
            }
            "sleep" => {
                std::thread::sleep(Duration::from_millis(number(1)?));
                Ok(None)
            }
            "fault-cleared" => {
                use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};
                let limit = getrlimit(Resource::Fsize);
                setrlimit(
                    Resource::Fsize,
                    Rlimit {
                        current: limit.maximum,
                        maximum: limit.maximum,
                    },
                )
                .map_err(|error| ConfigurationError::InvalidKey(format!("setrlimit: {error}")))?;
                Ok(None)
            }
            "remove" => {
                std::fs::remove_file(word(1)?).map_err(|error| {
                    ConfigurationError::InvalidKey(format!(
                        "remove {}: {error}",
                        word(1).unwrap_or("")
                    ))
                })?;
                Ok(None)
            }
            "forever" => self.forever(word(1)?),
            "quit" => {
                self.manager.save()?;
                say(&format!("state user_agent={}", self.general.user_agent()));
                let ids: Vec<String> = self
                    .accounts
                    .accounts()?
                    .iter()
                    .map(|account| account.id())
                    .collect();
                say(&format!("state accounts={}", ids.join(",")));
                say("done quit");
                std::process::exit(0);
            }
            other => Err(ConfigurationError::InvalidKey(format!(
                "unknown command {other}"
            ))),
        }
    }

    fn forever(&self, name: &str) -> Result<Option<String>, ConfigurationError> {
        let account = Account::get(&self.manager, &format!("{name}@example.com"))?;
        for n in 1u64.. {
            account.set_display_name(Some(n.to_string()))?;
            account.save()?;
            if n % 10 == 0 {
                Account::get(&self.manager, &format!("{name}-{n}@example.com"))?.save()?;
            }
            say(&format!("saved {n}"));
        }
        Ok(None)
    }
}

/// One line for a notification: kind, origin, sender, and each changed path's old and new
/// values as shown to people (secrets masked).
fn describe(n: &sipcfg::Notification) -> String {
    let mut line = format!(
        "note {} {:?} {} {}",
        n.kind.name(),
        n.origin,
        n.sender.type_name,
        n.sender.id
    );
    let modified = match &n.kind {
        NotificationKind::SettingsObjectDidChange { modified } => Some(modified),
        NotificationKind::ManagerSaveFailed { modified, .. } => modified.as_ref(),
        _ => None,
    };
    for (path, change) in modified.into_iter().flatten() {
        line.push_str(&format!(
            " | {path}: {} -> {}",
            change.old_display(),
            change.new_display()
        ));
    }
    if let NotificationKind::ManagerSaveFailed { error, .. } = &n.kind {
        line.push_str(&format!(" | error: {error}"));
    }
    line
}
