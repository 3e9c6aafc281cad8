//! Start-up with many accounts: open a configuration file of 1,000 and 10,000 accounts and load
//! every account through the AccountManager. Run: `cargo bench -p sipcfg-settings --bench startup`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use sipcfg::Data;
use sipcfg_settings::AccountManager;

fn write_config(dir: &std::path::Path, accounts: usize) {
    // Written through the manager's document in one save (saving each account would rewrite
    // the file 10,000 times).
    let manager = sipcfg_settings::open(dir).expect("a new directory opens");
    for i in 0..accounts {
        let mut auth = Data::new();
        auth.insert("password", format!("secret{i}"));
        let mut sip = Data::new();
        sip.insert("outbound_proxy", "sip.example.com:5060;transport=udp");
        let mut account = Data::new();
        account.insert("display_name", format!("User {i}"));
        account.insert("enabled", "true");
        account.insert("auth", auth);
        account.insert("sip", sip);
        manager
            .update(Some("Accounts"), &format!("user{i}@example.com"), account)
            .expect("valid names");
    }
    manager.save().expect("saves");
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("open and load every account");
    group.sample_size(10);
    for accounts in [1_000usize, 10_000] {
        let dir = tempfile::tempdir().expect("temp dir");
        write_config(dir.path(), accounts);
        group.bench_with_input(BenchmarkId::from_parameter(accounts), &accounts, |b, _| {
            b.iter(|| {
                let manager = sipcfg_settings::open(dir.path()).expect("opens");
                let loaded = AccountManager::load(&manager).expect("loads");
                black_box(loaded.accounts().expect("lists").len())
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
