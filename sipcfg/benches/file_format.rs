//! Throughput of the text format, side by side with the `toml` crate on the same content.
//!
//! The document is 10,000 accounts under `Accounts`, each with 10 non-default settings shaped
//! like the spec's Account. Run with `cargo bench -p sipcfg --bench file_format`; see
//! `docs/PERFORMANCE.md`.

use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use sipcfg::backend::Encoding;
use sipcfg::{file_format, Data, Value};

const ACCOUNTS: usize = 10_000;

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

fn document() -> Data {
    let accounts: Data = (0..ACCOUNTS)
        .map(|i| (format!("user{i}@example.com"), Value::Group(account(i))))
        .collect();
    let mut data = Data::new();
    data.insert("Accounts", accounts);
    data
}

/// The same content as a TOML table (groups are tables, lists arrays of strings).
fn to_toml(data: &Data) -> toml::Table {
    // Iterative, like everything else over documents (this one is shallow anyway).
    fn leaf(value: &Value) -> Option<toml::Value> {
        match value {
            Value::Nothing | Value::Group(_) => None,
            Value::String(s) => Some(toml::Value::String(s.clone())),
            Value::List(items) => Some(toml::Value::Array(
                items.iter().cloned().map(toml::Value::String).collect(),
            )),
        }
    }
    let mut table = toml::Table::new();
    for (name, value) in data {
        match value {
            Value::Group(group) => {
                table.insert(name.to_string(), toml::Value::Table(to_toml(group)));
            }
            other => {
                if let Some(v) = leaf(other) {
                    table.insert(name.to_string(), v);
                }
            }
        }
    }
    table
}

fn bench(c: &mut Criterion) {
    let data = document();
    let ours = file_format::write(&data).expect("a writable document");
    let table = to_toml(&data);
    let theirs = toml::to_string(&table).expect("serialisable as TOML");
    // Both sides must hold the same content.
    assert_eq!(
        file_format::parse(&ours, Path::new("bench.cfg"))
            .ok()
            .as_ref(),
        Some(&data)
    );
    assert_eq!(
        toml::from_str::<toml::Table>(&theirs).ok().as_ref(),
        Some(&table)
    );
    eprintln!(
        "document: {ACCOUNTS} accounts; sipcfg text {} bytes, TOML text {} bytes",
        ours.len(),
        theirs.len()
    );

    let path = Path::new("bench.cfg");
    let mut parse = c.benchmark_group("parse");
    parse.sample_size(20);
    parse.throughput(Throughput::Bytes(ours.len() as u64));
    parse.bench_function(BenchmarkId::new("sipcfg", ours.len()), |b| {
        b.iter(|| file_format::parse(black_box(&ours), path))
    });
    parse.bench_function(BenchmarkId::new("sipcfg-bytes", ours.len()), |b| {
        b.iter(|| file_format::parse_bytes(black_box(ours.as_bytes()), Encoding::UTF_8, path))
    });
    parse.throughput(Throughput::Bytes(theirs.len() as u64));
    parse.bench_function(BenchmarkId::new("toml", theirs.len()), |b| {
        b.iter(|| toml::from_str::<toml::Table>(black_box(&theirs)))
    });
    parse.finish();

    let mut write = c.benchmark_group("write");
    write.sample_size(20);
    write.throughput(Throughput::Bytes(ours.len() as u64));
    write.bench_function(BenchmarkId::new("sipcfg", ours.len()), |b| {
        b.iter(|| file_format::write(black_box(&data)))
    });
    write.throughput(Throughput::Bytes(theirs.len() as u64));
    write.bench_function(BenchmarkId::new("toml", theirs.len()), |b| {
        b.iter(|| toml::to_string(black_box(&table)))
    });
    write.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
