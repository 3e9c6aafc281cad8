//! The SIP settings against the spec: every setting's type, default and nillable flag, the
//! generated table of docs/settings.md, the golden file of the spec's example account, the
//! AccountManager and the SIPClients extension.

use std::path::{Path, PathBuf};

use sipcfg::backend::{FileBackend, MemoryBackend};
use sipcfg::{display_stored, ConfigurationManager, Data, RawObject, SettingInfo, Value};
use sipcfg_settings::datatypes::{AbsolutePath, DataPath, SIPProxyAddress};
use sipcfg_settings::sipclients::{self, SIPClientsAccountSettings, SIPClientsSettings};
use sipcfg_settings::{Account, AccountManager, AnyAccount, BonjourAccount, SIPSimpleSettings};

fn started(data: Data) -> (ConfigurationManager, MemoryBackend) {
    let backend = MemoryBackend::with_data(data);
    let manager = ConfigurationManager::new();
    manager.start(backend.clone()).unwrap();
    sipclients::register(&manager).unwrap();
    (manager, backend)
}

/// (path, type, default as stored — `None` for nothing, nillable), written from the spec's
/// lists of settings, with the resolutions of docs/settings.md.
const GENERAL: &[(&str, &str, Option<&str>, bool)] = &[
    ("default_account", "string", Some("bonjour@local"), true),
    ("user_agent", "string", Some("sipsimple 0.16.2"), false),
    (
        "audio.alert_device",
        "AudioOutputDevice",
        Some("system_default"),
        true,
    ),
    (
        "audio.input_device",
        "AudioInputDevice",
        Some("system_default"),
        true,
    ),
    (
        "audio.output_device",
        "AudioOutputDevice",
        Some("system_default"),
        true,
    ),
    ("audio.sample_rate", "SampleRate", Some("44100"), false),
    ("audio.silent", "bool", Some("false"), false),
    (
        "audio.tail_length",
        "NonNegativeInteger",
        Some("200"),
        false,
    ),
    ("logs.pjsip_level", "NonNegativeInteger", Some("5"), false),
    (
        "rtp.audio_codec_list",
        "AudioCodecList",
        Some("G722, speex, PCMU, PCMA"),
        false,
    ),
    ("rtp.port_range", "PortRange", Some("50000-50500"), false),
    ("rtp.timeout", "NonNegativeInteger", Some("30"), false),
    (
        "sip.invite_timeout",
        "NonNegativeInteger",
        Some("90"),
        false,
    ),
    ("sip.tcp_port", "Port", Some("0"), false),
    ("sip.tls_port", "Port", Some("0"), false),
    (
        "sip.transport_list",
        "SIPTransportList",
        Some("tls, tcp, udp"),
        false,
    ),
    ("sip.udp_port", "Port", Some("0"), false),
    ("tls.ca_list", "Path", None, true),
    ("tls.protocol", "TLSProtocol", Some("TLSv1"), false),
    ("tls.timeout", "NonNegativeInteger", Some("3000"), false),
    // SIPClients extension.
    (
        "user_data_directory",
        "AbsolutePath",
        Some("~/.sipclient"),
        false,
    ),
    ("resources_directory", "AbsolutePath", None, true),
    ("audio.directory", "DataPath", Some("history"), false),
    (
        "file_transfer.directory",
        "DataPath",
        Some("file_transfers"),
        false,
    ),
    ("logs.directory", "DataPath", Some("logs"), false),
    ("logs.trace_sip", "bool", Some("false"), false),
    ("logs.trace_pjsip", "bool", Some("false"), false),
    ("logs.trace_msrp", "bool", Some("false"), false),
    ("logs.trace_xcap", "bool", Some("false"), false),
    ("sounds.audio_inbound", "AbsolutePath", None, true),
    ("sounds.audio_outbound", "AbsolutePath", None, true),
    ("sounds.file_sent", "AbsolutePath", None, true),
    ("sounds.file_received", "AbsolutePath", None, true),
    ("sounds.message_sent", "AbsolutePath", None, true),
    ("sounds.message_received", "AbsolutePath", None, true),
];

const ACCOUNT: &[(&str, &str, Option<&str>, bool)] = &[
    ("display_name", "string", None, true),
    ("enabled", "bool", Some("false"), false),
    ("auth.password", "string", Some(""), false),
    ("auth.username", "string", None, true),
    ("dialog_event.enabled", "bool", Some("true"), false),
    ("message_summary.enabled", "bool", Some("true"), false),
    ("message_summary.voicemail_uri", "string", None, true),
    (
        "msrp.connection_model",
        "MSRPConnectionModel",
        Some("relay"),
        false,
    ),
    ("msrp.transport", "MSRPTransport", Some("tls"), false),
    ("nat_traversal.msrp_relay", "MSRPRelayAddress", None, true),
    (
        "nat_traversal.stun_server_list",
        "STUNServerAddressList",
        None,
        true,
    ),
    ("nat_traversal.use_ice", "bool", Some("false"), false),
    (
        "nat_traversal.use_msrp_relay_for_inbound",
        "bool",
        Some("true"),
        false,
    ),
    (
        "nat_traversal.use_msrp_relay_for_outbound",
        "bool",
        Some("false"),
        false,
    ),
    ("presence.enabled", "bool", Some("true"), false),
    ("presence.use_rls", "bool", Some("false"), false),
    ("rtp.audio_codec_list", "AudioCodecList", None, true),
    ("rtp.inband_dtmf", "bool", Some("false"), false),
    (
        "rtp.srtp_encryption",
        "SRTPEncryption",
        Some("optional"),
        false,
    ),
    ("rtp.use_srtp_without_tls", "bool", Some("false"), false),
    ("sip.always_use_my_proxy", "bool", Some("false"), false),
    ("sip.outbound_proxy", "SIPProxyAddress", None, true),
    (
        "sip.publish_interval",
        "NonNegativeInteger",
        Some("3600"),
        false,
    ),
    ("sip.register", "bool", Some("true"), false),
    (
        "sip.register_interval",
        "NonNegativeInteger",
        Some("600"),
        false,
    ),
    (
        "sip.subscribe_interval",
        "NonNegativeInteger",
        Some("3600"),
        false,
    ),
    ("tls.certificate", "Path", None, true),
    ("tls.verify_server", "bool", Some("false"), false),
    ("xcap.enabled", "bool", Some("true"), false),
    ("xcap.xcap_root", "XCAPRoot", None, true),
    // SIPClients extension.
    ("sounds.audio_inbound", "AbsolutePath", None, true),
];

const BONJOUR: &[(&str, &str, Option<&str>, bool)] = &[
    ("display_name", "string", None, true),
    ("enabled", "bool", Some("true"), false),
    ("msrp.transport", "MSRPTransport", Some("tcp"), false),
    (
        "rtp.audio_codec_list",
        "AudioCodecList",
        Some("speex, G722, PCMU, PCMA, iLBC, GSM"),
        false,
    ),
    ("rtp.inband_dtmf", "bool", Some("false"), false),
    (
        "rtp.srtp_encryption",
        "SRTPEncryption",
        Some("optional"),
        false,
    ),
    ("rtp.use_srtp_without_tls", "bool", Some("false"), false),
    ("sip.transport_list", "SIPTransportList", Some("udp"), false),
    ("tls.certificate", "Path", None, true),
    ("tls.verify_server", "bool", Some("false"), false),
    // SIPClients extension.
    ("sounds.audio_inbound", "AbsolutePath", None, true),
];

fn check_table(object: &RawObject, table: &[(&str, &str, Option<&str>, bool)]) {
    let settings = object.settings();
    let mut problems = Vec::new();
    for (path, type_name, default, nillable) in table {
        let Some(info) = settings.iter().find(|s| s.path == *path) else {
            problems.push(format!("{path}: missing"));
            continue;
        };
        if info.type_info.name != *type_name {
            problems.push(format!(
                "{path}: type {} != {type_name}",
                info.type_info.name
            ));
        }
        let stored = info.default.to_stored();
        let shown = (!stored.is_nothing()).then(|| display_stored(&stored));
        if shown.as_deref() != *default {
            problems.push(format!("{path}: default {shown:?} != {default:?}"));
        }
        if info.nillable != *nillable {
            problems.push(format!("{path}: nillable {} != {nillable}", info.nillable));
        }
    }
    for info in &settings {
        if !table.iter().any(|(path, ..)| *path == info.path) {
            problems.push(format!("{}: not in the spec's table", info.path));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_general_setting_has_the_spec_type_default_and_nillable_flag() {
    let (manager, _) = started(Data::new());
    check_table(SIPSimpleSettings::get(&manager).unwrap().raw(), GENERAL);
}

#[test]
fn every_account_setting_has_the_spec_type_default_and_nillable_flag() {
    let (manager, _) = started(Data::new());
    check_table(
        Account::get(&manager, "user@example.com").unwrap().raw(),
        ACCOUNT,
    );
}

#[test]
fn every_bonjour_setting_has_the_spec_type_default_and_nillable_flag() {
    let (manager, _) = started(Data::new());
    check_table(BonjourAccount::get(&manager).unwrap().raw(), BONJOUR);
}

#[test]
fn the_spec_groups_exist_even_when_empty() {
    let (manager, _) = started(Data::new());
    let tree = SIPSimpleSettings::get(&manager).unwrap().raw().describe();
    let groups: Vec<_> = tree.groups.iter().map(|g| g.name).collect();
    assert_eq!(
        groups,
        vec![
            "audio",
            "chat",
            "desktop_sharing",
            "file_transfer",
            "logs",
            "rtp",
            "sip",
            "sounds",
            "tls"
        ]
    );
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .expect("the workspace root exists")
}

/// The markdown table of every setting of `object`, from its metadata.
fn table_of(title: &str, object: &RawObject) -> String {
    let mut out = format!(
        "### {title}\n\n| setting | type | default | nillable | description |\n| --- | --- | --- | --- | --- |\n"
    );
    // Markdown table cells: no pipes, no newlines, and rustdoc links as plain code.
    let escape = |text: &str| {
        text.replace('|', "\\|")
            .replace('\n', " ")
            .replace("[`", "`")
            .replace("`]", "`")
    };
    for info in object.settings() {
        let info: SettingInfo = info;
        let default = match info.default.to_stored() {
            Value::Nothing => "None".to_owned(),
            stored => format!("`{}`", display_stored(&stored)),
        };
        let description = match info.extension {
            Some(extension) => format!("{} *(SIPClients: {extension})*", info.doc),
            None => info.doc.to_owned(),
        };
        out.push_str(&format!(
            "| `{}` | {} | {} | {} | {} |\n",
            info.path,
            escape(&info.type_info.name),
            escape(&default),
            if info.nillable { "yes" } else { "no" },
            escape(&description)
        ));
    }
    out.push('\n');
    out
}

const BEGIN: &str = "<!-- BEGIN GENERATED TABLE: do not edit; run SIPCFG_UPDATE_DOCS=1 cargo test -p sipcfg-settings --test settings -->\n";
const END: &str = "<!-- END GENERATED TABLE -->\n";

/// Descriptions are shown to people by `sip-settings describe`: they speak of settings and the
/// tool, never of Rust items.
#[test]
fn descriptions_do_not_speak_of_rust_items() {
    let (manager, _) = started(Data::new());
    let objects = [
        SIPSimpleSettings::get(&manager).unwrap().raw().clone(),
        Account::get(&manager, "user@example.com")
            .unwrap()
            .raw()
            .clone(),
        BonjourAccount::get(&manager).unwrap().raw().clone(),
    ];
    for object in &objects {
        for info in object.settings() {
            let info: SettingInfo = info;
            for rust in ["::", "()", "[`", "AccountManager", "Option<"] {
                assert!(
                    !info.doc.contains(rust),
                    "{}.{}: {:?} mentions {rust:?}",
                    object.type_name(),
                    info.path,
                    info.doc
                );
            }
        }
    }
}

#[test]
fn docs_settings_table_matches_the_code() {
    let (manager, _) = started(Data::new());
    let generated = [
        table_of(
            "SIPSimpleSettings",
            SIPSimpleSettings::get(&manager).unwrap().raw(),
        ),
        table_of(
            "Account",
            Account::get(&manager, "user@example.com").unwrap().raw(),
        ),
        table_of(
            "BonjourAccount",
            BonjourAccount::get(&manager).unwrap().raw(),
        ),
    ]
    .concat();
    let path = workspace_root().join("docs/settings.md");
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    let (before, after) = match (current.find(BEGIN), current.find(END)) {
        (Some(begin), Some(end)) if begin < end => (
            current[..begin].to_owned(),
            current[end + END.len()..].to_owned(),
        ),
        _ => (current.clone(), String::new()),
    };
    let expected = format!("{before}{BEGIN}{generated}{END}{after}");
    if std::env::var_os("SIPCFG_UPDATE_DOCS").is_some() {
        std::fs::write(&path, &expected).unwrap();
        return;
    }
    assert!(
        current == expected,
        "docs/settings.md is out of date: run SIPCFG_UPDATE_DOCS=1 cargo test -p sipcfg-settings --test settings"
    );
}

const EXAMPLE_ACCOUNT: &str = "user@example.com";

/// Configures the spec's example account (the values of its drawing that differ from the
/// defaults).
fn configure_example_account(manager: &ConfigurationManager) {
    let accounts = AccountManager::load(manager).unwrap();
    let account = accounts.add(EXAMPLE_ACCOUNT).unwrap();
    account.set_display_name("Example User".to_owned()).unwrap();
    account.set_enabled(true).unwrap();
    account.auth().set_password("xyz").unwrap();
    account.presence().set_use_rls(true).unwrap();
    account
        .sip()
        .set_outbound_proxy(Some(SIPProxyAddress::try_from("sip.example.com").unwrap()))
        .unwrap();
    account.sip().set_register_interval(3600).unwrap();
    account
        .tls()
        .set_certificate(Some("tls/user@example.com.crt".try_into().unwrap()))
        .unwrap();
    account.save().unwrap();
    accounts.set_default_account(Some(EXAMPLE_ACCOUNT)).unwrap();
}

#[test]
fn the_spec_example_account_saves_to_the_golden_file_and_loads_back() {
    let dir = tempfile::tempdir().unwrap();
    let manager = sipcfg_settings::open(dir.path()).unwrap();
    configure_example_account(&manager);

    let written = std::fs::read_to_string(dir.path().join("config")).unwrap();
    let golden_path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/example-account.cfg");
    if std::env::var_os("SIPCFG_UPDATE_GOLDEN").is_some() {
        std::fs::write(&golden_path, &written).unwrap();
    }
    let golden = std::fs::read_to_string(&golden_path).unwrap();
    assert_eq!(written, golden);

    let reloaded = ConfigurationManager::new();
    reloaded
        .start(FileBackend::new(dir.path().join("config")))
        .unwrap();
    sipclients::register(&reloaded).unwrap();
    let account = Account::get(&reloaded, EXAMPLE_ACCOUNT).unwrap();
    assert_eq!(account.display_name().as_deref(), Some("Example User"));
    assert!(account.enabled());
    assert_eq!(account.auth().password(), "xyz");
    assert!(account.presence().use_rls());
    let proxy = account.sip().outbound_proxy().unwrap();
    assert_eq!(proxy.to_string(), "sip.example.com:5060;transport=udp");
    assert_eq!(account.sip().register_interval().get(), 3600);
    assert_eq!(
        account.tls().certificate().unwrap().as_str(),
        "tls/user@example.com.crt"
    );
    assert!(account.get_modified().is_empty());
    let settings = SIPSimpleSettings::get(&reloaded).unwrap();
    assert_eq!(settings.default_account().as_deref(), Some(EXAMPLE_ACCOUNT));
}

#[test]
fn account_manager_loads_adds_iterates_and_deletes() {
    let (manager, backend) = started(
        serde_json::from_str(
            r#"{"Accounts": {"b@example.com": {"enabled": "true"}, "a@example.com": {},
                "bonjour@local": {"enabled": "false"}}}"#,
        )
        .unwrap(),
    );
    let accounts = AccountManager::load(&manager).unwrap();
    let ids: Vec<_> = accounts
        .accounts()
        .unwrap()
        .iter()
        .map(AnyAccount::id)
        .collect();
    assert_eq!(ids, vec!["a@example.com", "b@example.com", "bonjour@local"]);
    assert!(accounts.has("a@example.com").unwrap());
    assert!(accounts.has("bonjour@local").unwrap());
    assert!(!accounts.has("z@example.com").unwrap());
    let bonjour = accounts.get("bonjour@local").unwrap().unwrap();
    assert!(bonjour.is_bonjour());
    assert!(!bonjour.enabled());

    assert!(accounts.add("b@example.com").is_err(), "duplicate");
    assert!(accounts.add("not an address").is_err());
    let c = accounts.add("c@example.com").unwrap();
    assert!(!c.raw().is_new());
    assert!(backend
        .data()
        .get_path(&["Accounts", "c@example.com"])
        .is_some());

    accounts.delete("a@example.com").unwrap();
    assert!(!accounts.has("a@example.com").unwrap());
    assert!(backend
        .data()
        .get_path(&["Accounts", "a@example.com"])
        .is_none());
    assert!(accounts.delete("bonjour@local").is_err());
    assert!(accounts.delete("nobody@example.com").is_err());
}

#[test]
fn the_default_account_must_exist_and_falls_back_when_deleted() {
    let (manager, _) = started(
        serde_json::from_str(
            r#"{"Accounts": {"a@example.com": {"enabled": "true"}, "b@example.com": {"enabled": "true"},
                "c@example.com": {}}}"#,
        )
        .unwrap(),
    );
    let accounts = AccountManager::load(&manager).unwrap();
    // Stored default is bonjour@local (the default of the setting).
    assert_eq!(accounts.default_account().unwrap().id(), "bonjour@local");
    assert!(accounts
        .set_default_account(Some("nobody@example.com"))
        .is_err());
    let error = accounts
        .set_default_account(Some("c@example.com"))
        .unwrap_err();
    assert!(error.to_string().contains("not enabled"), "{error}");
    accounts.set_default_account(Some("a@example.com")).unwrap();
    assert_eq!(accounts.default_account().unwrap().id(), "a@example.com");

    accounts.delete("a@example.com").unwrap();
    // The first enabled account takes over.
    assert_eq!(accounts.default_account().unwrap().id(), "b@example.com");
    let settings = SIPSimpleSettings::get(&manager).unwrap();
    assert_eq!(settings.default_account().as_deref(), Some("b@example.com"));

    BonjourAccount::get(&manager)
        .unwrap()
        .set_enabled(false)
        .unwrap();
    accounts.delete("b@example.com").unwrap();
    assert!(accounts.default_account().is_none());
    assert_eq!(settings.default_account(), None);
}

#[test]
fn the_default_account_follows_the_enabled_flags_as_in_the_reference() {
    let (manager, backend) = started(Data::new());
    let accounts = AccountManager::load(&manager).unwrap();
    let settings = SIPSimpleSettings::get(&manager).unwrap();
    settings.set_default_account(None).unwrap();
    settings.save().unwrap();

    // An enabled new account becomes the default when there is none.
    let alice = accounts
        .add_with("alice@example.com", |a| a.set_enabled(true))
        .unwrap();
    assert_eq!(
        settings.default_account().as_deref(),
        Some("alice@example.com")
    );
    // Another one does not take over.
    let bob = accounts
        .add_with("bob@example.com", |a| a.set_enabled(true))
        .unwrap();
    assert_eq!(
        settings.default_account().as_deref(),
        Some("alice@example.com")
    );

    // Disabling the default account hands the default to the first enabled account.
    alice.set_enabled(false).unwrap();
    alice.save().unwrap();
    assert_eq!(
        settings.default_account().as_deref(),
        Some("bob@example.com")
    );
    assert_eq!(
        backend
            .data()
            .get_path(&["SIPSimpleSettings", "default_account"]),
        Some(&Value::from("bob@example.com")),
        "and it is saved"
    );
    // With every account disabled there is none.
    BonjourAccount::get(&manager)
        .unwrap()
        .set_enabled(false)
        .unwrap();
    bob.set_enabled(false).unwrap();
    bob.save().unwrap();
    assert_eq!(settings.default_account(), None);
    // Enabling one makes it the default again.
    alice.set_enabled(true).unwrap();
    alice.save().unwrap();
    assert_eq!(
        settings.default_account().as_deref(),
        Some("alice@example.com")
    );
}

#[test]
fn a_failed_configure_of_a_new_account_writes_nothing() {
    let (manager, backend) = started(Data::new());
    let accounts = AccountManager::load(&manager).unwrap();
    let saves = backend.save_count();
    let result: Result<_, sipcfg::ConfigurationError> = accounts.add_with("x@example.com", |_| {
        Err(sipcfg::ConfigurationError::InvalidKey("refused".into()))
    });
    assert!(result.is_err());
    assert_eq!(backend.save_count(), saves);
    assert!(!accounts.has("x@example.com").unwrap());
    accounts.add("x@example.com").unwrap();
}

#[test]
fn sipclients_settings_are_stored_where_the_middleware_keeps_its_own() {
    let (manager, backend) = started(Data::new());
    let settings = SIPSimpleSettings::get(&manager).unwrap();
    settings
        .logs()
        .ext::<sipclients::SIPClientsLogsSettings>()
        .set_trace_sip(true)
        .unwrap();
    settings
        .audio()
        .ext::<sipclients::SIPClientsAudioSettings>()
        .set_directory("recordings")
        .unwrap();
    settings.audio().set_silent(true).unwrap();
    settings.save().unwrap();
    assert_eq!(
        backend.data(),
        serde_json::from_str::<Data>(
            r#"{"SIPSimpleSettings": {"audio": {"directory": "recordings", "silent": "true"},
                "logs": {"trace_sip": "true"}}}"#
        )
        .unwrap()
    );
}

#[test]
fn account_ringtone_falls_back_to_the_general_one() {
    let (manager, _) = started(Data::new());
    let settings = SIPSimpleSettings::get(&manager).unwrap();
    let account = Account::get(&manager, "a@example.com").unwrap();
    assert_eq!(sipclients::account_audio_inbound(&account, &settings), None);
    let general = AbsolutePath::new("/sounds/ring.wav").unwrap();
    settings
        .ext::<SIPClientsSettings>()
        .sounds()
        .set_audio_inbound(Some(general.clone()))
        .unwrap();
    assert_eq!(
        sipclients::account_audio_inbound(&account, &settings),
        Some(general)
    );
    let own = AbsolutePath::new("/sounds/alice.wav").unwrap();
    account
        .ext::<SIPClientsAccountSettings>()
        .sounds()
        .set_audio_inbound(Some(own.clone()))
        .unwrap();
    assert_eq!(
        sipclients::account_audio_inbound(&account, &settings),
        Some(own)
    );
}

#[test]
fn data_paths_resolve_inside_the_user_data_directory() {
    let (manager, _) = started(Data::new());
    let settings = SIPSimpleSettings::get(&manager).unwrap();
    settings
        .ext::<SIPClientsSettings>()
        .set_user_data_directory("/var/lib/sip")
        .unwrap();
    let relative = DataPath::new("history").unwrap();
    assert_eq!(
        sipclients::resolve_data_path(&settings, &relative),
        PathBuf::from("/var/lib/sip/history")
    );
    let absolute = DataPath::new("/elsewhere/logs").unwrap();
    assert_eq!(
        sipclients::resolve_data_path(&settings, &absolute),
        PathBuf::from("/elsewhere/logs")
    );
}

#[test]
fn tcp_and_tls_ports_must_differ() {
    let (manager, _) = started(Data::new());
    let settings = SIPSimpleSettings::get(&manager).unwrap();
    settings.sip().set_tcp_port(5060).unwrap();
    assert!(settings.sip().set_tls_port(5060).is_err());
    settings.sip().set_tls_port(5061).unwrap();
}

#[test]
fn account_manager_add_and_delete_post_notifications() {
    use std::sync::{Arc, Mutex};
    let (manager, _) = started(Data::new());
    let accounts = AccountManager::load(&manager).unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    let _guard = manager.notifications().observe(
        sipcfg::NotificationFilter::new().sender_type("Account"),
        move |n| {
            sink.lock()
                .unwrap()
                .push((n.kind.name(), n.sender.id.clone()))
        },
    );
    accounts.add("a@example.com").unwrap();
    accounts.delete("a@example.com").unwrap();
    use sipcfg::NotificationName::*;
    assert_eq!(
        *seen.lock().unwrap(),
        vec![
            (SettingsObjectWasActivated, "a@example.com".to_owned()),
            (SettingsObjectWasCreated, "a@example.com".to_owned()),
            (SettingsObjectWasDeleted, "a@example.com".to_owned()),
        ]
    );
}

/// An account written with the spec's list layout (before the settings moved): the values load
/// from their old places and the next save moves them to today's.
#[test]
fn an_account_in_the_spec_list_layout_loads_and_saves_in_todays_layout() {
    use sipcfg_settings::datatypes::SRTPEncryption;
    let mut account = Data::new();
    account.insert("enabled", "true");
    account.insert(
        "audio",
        Data::from_iter([
            ("srtp_encryption", "mandatory"),
            ("use_srtp_without_tls", "true"),
        ]),
    );
    account.insert("registration", Data::from_iter([("interval", "120")]));
    account.insert(
        "rtp",
        Data::from_iter([("audio_codecs", Value::from(vec!["PCMU", "G722"]))]),
    );
    let mut accounts = Data::new();
    accounts.insert("old@example.com", account);
    let (manager, backend) = started(Data::from_iter([("Accounts", accounts)]));

    let account = Account::get(&manager, "old@example.com").unwrap();
    assert_eq!(account.rtp().srtp_encryption(), SRTPEncryption::Mandatory);
    assert!(account.rtp().use_srtp_without_tls());
    assert_eq!(account.sip().register_interval().get(), 120);
    assert_eq!(
        account.rtp().audio_codec_list().map(|l| l.to_string()),
        Some("PCMU, G722".to_owned())
    );
    account.save().unwrap();

    let stored = backend.data();
    let stored = stored
        .get_path(&["Accounts", "old@example.com"])
        .and_then(Value::as_group)
        .expect("the account");
    let mut expected = Data::new();
    expected.insert("enabled", "true");
    expected.insert(
        "rtp",
        Data::from_iter([
            ("audio_codec_list", Value::from(vec!["PCMU", "G722"])),
            ("srtp_encryption", Value::from("mandatory")),
            ("use_srtp_without_tls", Value::from("true")),
        ]),
    );
    expected.insert("sip", Data::from_iter([("register_interval", "120")]));
    assert_eq!(stored, &expected);
}

/// A hand-commented file, changed through the library (set, reset to the default, add and
/// delete an account), and the document written back by editing its text: only the lines of
/// the changed settings differ (the new account comes in canonical form, with the blank line
/// that closes a group; the blank line that closed `Accounts` stays).
#[test]
fn library_changes_edit_only_their_lines_of_a_commented_file() {
    let original = "\
# My accounts, edited by hand.
Accounts:
    # work
    alice@example.com:
        display_name = 'Alice'   # as callees see it
        enabled = true
        sip:
            # every ten minutes
            register_interval = 600

    # old one, to be removed
    bob@example.com:
        enabled = true

SIPSimpleSettings:
    user_agent = \"my client\"
";
    let path = Path::new("config");
    let (manager, backend) = started(sipcfg::file_format::parse(original, path).unwrap());
    let alice = Account::get(&manager, "alice@example.com").unwrap();
    alice
        .set_display_name(Some("Alice Example".to_owned()))
        .unwrap();
    alice.sip().reset_register_interval();
    alice.save().unwrap();
    Account::get(&manager, "bob@example.com")
        .unwrap()
        .delete()
        .unwrap();
    let carol = Account::get(&manager, "carol@example.com").unwrap();
    carol.set_enabled(true).unwrap();
    carol.save().unwrap();

    let edited = sipcfg::file_edit::rewrite(original, path, &backend.data()).unwrap();
    assert_eq!(
        edited,
        "\
# My accounts, edited by hand.
Accounts:
    # work
    alice@example.com:
        display_name = \"Alice Example\"   # as callees see it
        enabled = true

    carol@example.com:
        enabled = true


SIPSimpleSettings:
    user_agent = \"my client\"
"
    );
}
