//! The save path side by side, on a real file (temporary directory): 10,000 account-shaped
//! objects (30 settings in groups), 3 changes each, stored
//! (a) one save per account (a whole-file write each: quadratic, so measured at 1,000 accounts
//!     and extrapolated), also from 8 threads at once (group commit),
//! (b) in one `batch`,
//! (c) from 8 threads at once, each saving its share in its own `batch`,
//! (d) for reference, one write of the whole document by the backend: the document as loaded
//!     (the file's content again), and the document as (b) leaves it (with the 30,000
//!     changes: what (b) and (c) write) over the file as it was before.
//!
//! Dropping the manager and objects is left out of the timings.
//!
//! Run: `cargo bench -p sipcfg --bench save_path` (about four minutes).

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use sipcfg::backend::{Backend, FileBackend};
use sipcfg::{ConfigurationManager, Object, SettingsGroup, SettingsObject};

#[derive(SettingsGroup)]
pub struct Auth {
    pub username: Option<String>,
    #[setting(default = "")]
    pub password: String,
}

#[derive(SettingsGroup)]
pub struct Rtp {
    pub audio_codec_list: Option<Vec<String>>,
    #[setting(default = false)]
    pub inband_dtmf: bool,
    #[setting(default = "optional")]
    pub srtp_encryption: String,
    #[setting(default = true)]
    pub use_srtp_without_tls: bool,
}

#[derive(SettingsGroup)]
pub struct Sip {
    #[setting(default = false)]
    pub always_use_my_proxy: bool,
    pub outbound_proxy: Option<String>,
    #[setting(default = 3600u32)]
    pub publish_interval: u32,
    #[setting(default = true)]
    pub register: bool,
    #[setting(default = 3600u32)]
    pub register_interval: u32,
    #[setting(default = 3600u32)]
    pub subscribe_interval: u32,
}

#[derive(SettingsGroup)]
pub struct Nat {
    pub msrp_relay: Option<String>,
    pub stun_server_list: Option<Vec<String>>,
    #[setting(default = false)]
    pub use_ice: bool,
    #[setting(default = false)]
    pub use_msrp_relay_for_inbound: bool,
    #[setting(default = true)]
    pub use_msrp_relay_for_outbound: bool,
}

#[derive(SettingsGroup)]
pub struct Presence {
    #[setting(default = true)]
    pub enabled: bool,
    #[setting(default = false)]
    pub use_rls: bool,
    pub xcap_root: Option<String>,
    #[setting(default = true)]
    pub xcap_enabled: bool,
}

#[derive(SettingsGroup)]
pub struct Msrp {
    #[setting(default = "prefer_outbound")]
    pub connection_model: String,
    #[setting(default = "tls")]
    pub transport: String,
    #[setting(default = true)]
    pub message_summary: bool,
    pub voicemail_uri: Option<String>,
    #[setting(default = true)]
    pub dialog_event: bool,
}

/// Shaped like a SIP account: 30 settings, 4 of them at the top, the rest in 6 groups.
#[derive(SettingsObject)]
#[settings(group = "Accounts")]
pub struct Account {
    #[setting(default = true)]
    pub enabled: bool,
    pub display_name: Option<String>,
    pub certificate: Option<String>,
    #[setting(default = false)]
    pub verify_server: bool,
    #[group]
    pub auth: Auth,
    #[group]
    pub rtp: Rtp,
    #[group]
    pub sip: Sip,
    #[group]
    pub nat: Nat,
    #[group]
    pub presence: Presence,
    #[group]
    pub msrp: Msrp,
}

fn id(n: usize) -> String {
    format!("user{n}@example.com")
}

/// Writes a file of `count` accounts, each with a few stored settings.
fn seed(path: &Path, count: usize) {
    let manager = ConfigurationManager::new();
    manager.start(FileBackend::new(path)).expect("starts");
    manager
        .batch(|| {
            for n in 0..count {
                let account = Account::get(&manager, &id(n))?;
                account.auth().set_username(Some(format!("user{n}")))?;
                account.auth().set_password("secret")?;
                account.set_display_name(Some(format!("User {n}")))?;
                account.save()?;
            }
            Ok::<_, sipcfg::ConfigurationError>(())
        })
        .expect("seeded");
}

/// A manager on a fresh copy of `base`, with its accounts loaded and 3 settings of each changed
/// (not saved).
fn changed(base: &Path, work: &Path, count: usize) -> (ConfigurationManager, Vec<Object<Account>>) {
    std::fs::copy(base, work).expect("copy");
    let manager = ConfigurationManager::new();
    manager.start(FileBackend::new(work)).expect("starts");
    let accounts: Vec<_> = (0..count)
        .map(|n| {
            let account = Account::get(&manager, &id(n)).expect("account");
            account
                .set_display_name(Some(format!("Changed {n}")))
                .unwrap();
            account.sip().set_register_interval(600u32).unwrap();
            account.rtp().set_inband_dtmf(true).unwrap();
            account
        })
        .collect();
    (manager, accounts)
}

fn save_in_threads(accounts: &[Object<Account>], manager: &ConfigurationManager, batch: bool) {
    let share = accounts.len().div_ceil(8);
    std::thread::scope(|scope| {
        for part in accounts.chunks(share) {
            scope.spawn(move || {
                let save_all = || {
                    for account in part {
                        account.save()?;
                    }
                    Ok::<_, sipcfg::ConfigurationError>(())
                };
                if batch {
                    manager.batch(save_all).expect("saved");
                } else {
                    save_all().expect("saved");
                }
            });
        }
    });
}

fn save_path(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let (small, large) = (dir.path().join("small"), dir.path().join("large"));
    seed(&small, 1_000);
    seed(&large, 10_000);
    let work = dir.path().join("config");
    let mut group = c.benchmark_group("save_path");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(5));

    group.bench_function("a_one_by_one_1k_accounts", |b| {
        b.iter_batched(
            || changed(&small, &work, 1_000),
            |(manager, accounts)| {
                for account in &accounts {
                    account.save().expect("saved");
                }
                black_box((manager, accounts))
            },
            BatchSize::PerIteration,
        )
    });
    group.bench_function("a_one_by_one_8_threads_1k_accounts", |b| {
        b.iter_batched(
            || changed(&small, &work, 1_000),
            |(manager, accounts)| {
                save_in_threads(&accounts, &manager, false);
                black_box((manager, accounts))
            },
            BatchSize::PerIteration,
        )
    });
    group.bench_function("b_one_batch_10k_accounts", |b| {
        b.iter_batched(
            || changed(&large, &work, 10_000),
            |(manager, accounts)| {
                manager
                    .batch(|| {
                        for account in &accounts {
                            account.save()?;
                        }
                        Ok::<_, sipcfg::ConfigurationError>(())
                    })
                    .expect("saved");
                black_box((manager, accounts))
            },
            BatchSize::PerIteration,
        )
    });
    group.bench_function("c_8_threads_batches_10k_accounts", |b| {
        b.iter_batched(
            || changed(&large, &work, 10_000),
            |(manager, accounts)| {
                save_in_threads(&accounts, &manager, true);
                black_box((manager, accounts))
            },
            BatchSize::PerIteration,
        )
    });
    group.bench_function("d_one_full_write_10k_accounts", |b| {
        b.iter_batched(
            || {
                let (manager, accounts) = changed(&large, &work, 10_000);
                let data = manager.data().expect("data");
                drop(accounts);
                data
            },
            |data| {
                FileBackend::new(&work).save(&data).expect("written");
                black_box(data)
            },
            BatchSize::PerIteration,
        )
    });
    let changed_doc = dir.path().join("changed");
    group.bench_function("d_one_full_write_of_the_result_10k_accounts", |b| {
        b.iter_batched(
            || {
                // The document (b) stores, made on another copy; `work` holds the old file.
                let (manager, accounts) = changed(&large, &changed_doc, 10_000);
                manager
                    .batch(|| accounts.iter().try_for_each(|account| account.save()))
                    .expect("saved");
                let data = manager.data().expect("data");
                drop((manager, accounts));
                std::fs::copy(&large, &work).expect("copy");
                data
            },
            |data| {
                FileBackend::new(&work).save(&data).expect("written");
                black_box(data)
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

criterion_group!(benches, save_path);
criterion_main!(benches);
