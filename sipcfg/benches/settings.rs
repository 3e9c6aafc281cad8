//! Typed read and write of a setting, `get_modified` and `save` of an object with 40 settings.
//! Run: `cargo bench -p sipcfg --bench settings`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use sipcfg::backend::MemoryBackend;
use sipcfg::{ConfigurationManager, SettingsGroup, SettingsObject};

#[derive(SettingsGroup)]
pub struct Media {
    #[setting(default = 44100u32)]
    pub sample_rate: u32,
    #[setting(default = 200u32)]
    pub tail_length: u32,
    #[setting(default = false)]
    pub silent: bool,
    #[setting(default = "system_default")]
    pub input_device: Option<String>,
    #[setting(default = "system_default")]
    pub output_device: Option<String>,
    #[setting(default = "system_default")]
    pub alert_device: Option<String>,
    #[setting(default = vec!["G722".to_string(), "PCMU".to_string()])]
    pub codecs: Vec<String>,
    #[setting(default = 30u32)]
    pub timeout: u32,
    #[setting(default = 50000u16)]
    pub port_start: u16,
    #[setting(default = 50500u16)]
    pub port_end: u16,
}

#[derive(SettingsGroup)]
pub struct Signalling {
    #[setting(default = 0u16)]
    pub udp_port: u16,
    #[setting(default = 0u16)]
    pub tcp_port: u16,
    #[setting(default = 0u16)]
    pub tls_port: u16,
    #[setting(default = 90u32)]
    pub invite_timeout: u32,
    #[setting(default = 3600u32)]
    pub register_interval: u32,
    #[setting(default = 3600u32)]
    pub publish_interval: u32,
    #[setting(default = 3600u32)]
    pub subscribe_interval: u32,
    #[setting(default = true)]
    pub register: bool,
    #[setting(default = false)]
    pub always_use_my_proxy: bool,
    pub outbound_proxy: Option<String>,
}

#[derive(SettingsGroup)]
pub struct Security {
    #[setting(default = false)]
    pub verify_server: bool,
    pub ca_list: Option<String>,
    pub certificate: Option<String>,
    #[setting(default = "TLSv1")]
    pub protocol: String,
    #[setting(default = 3000u32)]
    pub timeout: u32,
    #[setting(default = "optional")]
    pub srtp_encryption: String,
    #[setting(default = false)]
    pub use_srtp_without_tls: bool,
    #[setting(default = "", secret)]
    pub password: String,
    pub username: Option<String>,
    #[setting(default = true)]
    pub use_ice: bool,
}

#[derive(SettingsObject)]
#[settings(group = "Global", id = "Bench")]
pub struct BenchSettings {
    #[setting(default = "sipsimple 0.1")]
    pub user_agent: String,
    pub default_account: Option<String>,
    #[setting(default = false)]
    pub enabled: bool,
    pub display_name: Option<String>,
    #[setting(default = 5u32)]
    pub pjsip_level: u32,
    #[setting(default = true)]
    pub presence: bool,
    #[setting(default = true)]
    pub dialog_event: bool,
    #[setting(default = true)]
    pub message_summary: bool,
    pub voicemail_uri: Option<String>,
    pub xcap_root: Option<String>,
    #[group]
    pub media: Media,
    #[group]
    pub sip: Signalling,
    #[group]
    pub security: Security,
}

/// Settings added by an extension, read through `ext::<E>()`.
#[sipcfg::extend(Signalling)]
pub struct SignallingExtension {
    #[setting(default = false)]
    pub trace: bool,
}

fn bench(c: &mut Criterion) {
    let manager = ConfigurationManager::new();
    manager.start(MemoryBackend::new()).expect("memory backend");
    let settings = BenchSettings::get(&manager).expect("started");

    c.bench_function("typed read bool (top level)", |b| {
        b.iter(|| black_box(settings.enabled()))
    });
    c.bench_function("typed read u32 (nested group)", |b| {
        b.iter(|| black_box(settings.sip().register_interval()))
    });
    c.bench_function("typed read String", |b| {
        b.iter(|| black_box(settings.user_agent()))
    });
    manager
        .register_extension::<SignallingExtension>()
        .expect("no clash");
    c.bench_function("typed read bool (extension of a nested group)", |b| {
        b.iter(|| black_box(settings.sip().ext::<SignallingExtension>().trace()))
    });
    let mut flip = false;
    c.bench_function("typed write bool (nested group)", |b| {
        b.iter(|| {
            flip = !flip;
            settings.security().set_verify_server(black_box(flip))
        })
    });
    for (i, name) in ["a", "b", "c", "d", "e"].iter().enumerate() {
        settings
            .set_display_name(Some(name.to_string()))
            .expect("valid");
        settings
            .media()
            .set_sample_rate(8000 + i as u32)
            .expect("valid");
    }
    settings.sip().set_udp_port(5060u16).expect("valid");
    c.bench_function("get_modified (40 settings, 4 changed)", |b| {
        b.iter(|| black_box(settings.get_modified()))
    });
    let mut n = 0u32;
    c.bench_function("set + save (40 settings, memory backend)", |b| {
        b.iter(|| {
            n = n.wrapping_add(1);
            settings.sip().set_invite_timeout(n).expect("valid");
            settings.save().expect("memory backend saves")
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
