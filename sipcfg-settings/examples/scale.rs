//! Memory and start-up with many accounts (issue 13): for each size, a configuration file of
//! that many accounts (shaped like the spec's Account, about 640 bytes of text each) is opened,
//! every account loaded through the AccountManager and kept, and typed reads are timed over all
//! of them. Prints one row per size.
//!
//! Run: `cargo run --release -p sipcfg-settings --example scale -- 1000 10000 100000 1000000`
//! (for each size one child process writes the file and another opens it, so that peak figures
//! do not mix and the measured process starts as an application does).

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use sipcfg::backend::FileBackend;
use sipcfg::{file_format, Data, Value};
use sipcfg_settings::{AccountManager, AnyAccount};

/// Counts the bytes the program holds, and the most it held, around the system allocator.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: `GlobalAlloc` can only be implemented unsafely. Every method forwards to the system
// allocator with the caller's own arguments and only adds to or subtracts from two counters, so
// the allocator's contract is the system allocator's.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged (see above).
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged (see above).
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded unchanged (see above).
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
            let live = LIVE.fetch_add(new_size, Ordering::Relaxed) + new_size;
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn live() -> usize {
    LIVE.load(Ordering::Relaxed)
}

/// One account: ten settings, as in the file-format benchmark.
fn account(i: usize) -> Data {
    let mut auth = Data::new();
    auth.insert("password", format!("s3cr3t-{i:05}"));
    auth.insert("username", format!("user{i}"));
    let mut sip = Data::new();
    sip.insert("outbound_proxy", "sip.example.com:5060;transport=udp");
    sip.insert("register_interval", "600");
    let mut nat = Data::new();
    nat.insert(
        "stun_server_list",
        vec!["stun1.example.com:3478", "stun2.example.com:3478"],
    );
    let mut rtp = Data::new();
    rtp.insert("audio_codec_list", vec!["opus", "G722", "PCMU", "PCMA"]);
    let mut tls = Data::new();
    tls.insert(
        "certificate",
        format!("/home/user{i}/.sipclient/tls/user{i}@example.com.crt"),
    );
    let mut xcap = Data::new();
    xcap.insert("xcap_root", "https://xcap.example.com/xcap-root");
    let mut account = Data::new();
    account.insert("display_name", format!("User Number {i}"));
    account.insert("enabled", "true");
    account.insert("auth", auth);
    account.insert("sip", sip);
    account.insert("nat_traversal", nat);
    account.insert("rtp", rtp);
    account.insert("tls", tls);
    account.insert("xcap", xcap);
    account
}

fn write_file(dir: &Path, accounts: usize) -> usize {
    let mut all = Data::new();
    for i in 0..accounts {
        all.insert(format!("user{i}@example.com"), Value::Group(account(i)));
    }
    let mut doc = Data::new();
    doc.insert("Accounts", all);
    let text = file_format::write(&doc).expect("a writable document");
    std::fs::write(dir.join(sipcfg_settings::CONFIG_FILE_NAME), &text).expect("writes the file");
    text.len()
}

fn vm(field: &str) -> usize {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix(field))
        .and_then(|rest| {
            rest.trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<usize>()
                .ok()
        })
        .map_or(0, |kb| kb * 1024)
}

/// CPU time of this process so far (user + system), in ms: wall time on a shared machine
/// counts other processes' work too.
fn cpu_ms() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which is in parentheses): utime is the 14th, stime the
    // 15th field of the whole line, in clock ticks (100 a second on Linux).
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) * 10.0
}

fn one(accounts: usize, dir: &Path) {
    let file_size = std::fs::metadata(dir.join(sipcfg_settings::CONFIG_FILE_NAME))
        .expect("the file written by the `--write` child")
        .len() as usize;
    let before = live();
    PEAK.store(before, Ordering::Relaxed);
    let cpu_start = cpu_ms();
    let start = Instant::now();
    // As `sipcfg_settings::open`, with room for the 650 MB file of a million accounts.
    let manager = sipcfg::ConfigurationManager::new();
    let file = dir.join(sipcfg_settings::CONFIG_FILE_NAME);
    manager
        .start(FileBackend::new(file).with_max_size(u64::MAX))
        .expect("opens");
    sipcfg_settings::sipclients::register(&manager).expect("registers the extensions");
    let parsed = start.elapsed();
    let cpu_parsed = cpu_ms() - cpu_start;
    let after_parse = live();
    let peak_parse = PEAK.load(Ordering::Relaxed);
    let loaded = AccountManager::load(&manager).expect("loads");
    let all: Vec<_> = loaded
        .accounts()
        .expect("lists")
        .into_iter()
        .filter_map(|account| match account {
            AnyAccount::Account(account) => Some(account),
            AnyAccount::Bonjour(_) => None,
        })
        .collect();
    let started = start.elapsed();
    let cpu_started = cpu_ms() - cpu_start;
    let after_load = live();
    assert_eq!(all.len(), accounts);

    // Typed reads spread over every account, in order, about 2 million of each.
    let passes = (2_000_000 / accounts).max(1);
    let reads = passes * accounts;
    let t = Instant::now();
    for _ in 0..passes {
        for account in &all {
            black_box(account.sip().register_interval());
        }
    }
    let nested = t.elapsed().as_nanos() as f64 / reads as f64;
    let t = Instant::now();
    for _ in 0..passes {
        for account in &all {
            black_box(account.display_name());
        }
    }
    let display = t.elapsed().as_nanos() as f64 / reads as f64;

    let per = |bytes: usize| bytes as f64 / accounts as f64;
    println!(
        "| {accounts} | {:.1} MB | {:.0} B | {:.0} B | {:.0} B | {:.2}x | {:.1} MB | {:.1} ms | {:.1} ms | {:.1} ns | {:.1} ns |",
        file_size as f64 / 1e6,
        per(after_parse - before),
        per(after_load - after_parse),
        per(after_load - before),
        (PEAK.load(Ordering::Relaxed) - before) as f64 / file_size as f64,
        vm("VmHWM:") as f64 / 1e6,
        parsed.as_secs_f64() * 1e3,
        started.as_secs_f64() * 1e3,
        nested,
        display,
    );
    eprintln!(
        "{accounts} accounts: CPU time (user + system) parse {cpu_parsed:.0} ms, start-up {cpu_started:.0} ms; peak heap / file while opening {:.2}x",
        (peak_parse - before) as f64 / file_size as f64
    );
    drop(all);
    drop(loaded);
    drop(manager);
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [flag, n, dir] = args.as_slice() {
        let n = n.parse().expect("a number of accounts");
        match flag.as_str() {
            "--write" => {
                write_file(Path::new(dir), n);
                return;
            }
            "--one" => {
                one(n, Path::new(dir));
                return;
            }
            _ => {}
        }
    }
    let sizes: Vec<usize> = if args.is_empty() {
        vec![1_000, 10_000, 100_000]
    } else {
        args.iter()
            .map(|a| a.parse().expect("numbers of accounts"))
            .collect()
    };
    println!("| accounts | file | document / account | objects / account | total / account | peak heap / file | peak RSS | parse | start-up (parse + objects) | `sip().register_interval()` | `display_name()` |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    let exe = std::env::current_exe().expect("the example's path");
    for n in sizes {
        // The file is generated in a process of its own: the measured process starts as an
        // application would, without the heap left over from building the document to write.
        let dir = tempfile::tempdir().expect("a temporary directory");
        let dir_arg = dir.path().to_str().expect("a UTF-8 temporary path");
        for flag in ["--write", "--one"] {
            let status = Command::new(&exe)
                .args([flag, &n.to_string(), dir_arg])
                .status()
                .expect("runs a child");
            assert!(status.success(), "the {flag} run for {n} accounts failed");
        }
    }
}
