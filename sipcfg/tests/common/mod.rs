//! Settings declarations and helpers shared by the integration tests: a small model of the
//! spec's SIPSimpleSettings and Account.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};

use sipcfg::backend::MemoryBackend;
use sipcfg::{
    ConfigurationManager, Notification, NotificationFilter, ObserverGuard, SettingType, TypeInfo,
    Value, ValueError,
};

/// A port, 0-65535, refusing anything else (a stand-in for the SIP datatypes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Port(pub u16);

impl SettingType for Port {
    fn from_stored(value: &Value) -> Result<Self, ValueError> {
        let text = sipcfg::expect_string(value)?;
        text.parse::<u16>()
            .map(Port)
            .map_err(|_| ValueError::expected("a port from 0 to 65535", text))
    }
    fn to_stored(&self) -> Value {
        Value::String(self.0.to_string())
    }
    fn type_info() -> TypeInfo {
        TypeInfo::new("Port")
    }
}

impl TryFrom<i32> for Port {
    type Error = ValueError;
    fn try_from(value: i32) -> Result<Self, ValueError> {
        u16::try_from(value)
            .map(Port)
            .map_err(|_| ValueError::expected("a port from 0 to 65535", value))
    }
}

impl From<u16> for Port {
    fn from(value: u16) -> Self {
        Port(value)
    }
}

// Typed setters take an integer, checked.
sipcfg::into_setting!(Port: i32, u16);

/// The TCP and TLS ports must differ unless 0 (the reference's CorrelatedSetting).
pub fn ports_differ(port: &Port, sibling: &Port) -> Result<(), ValueError> {
    if port.0 != 0 && port == sibling {
        return Err(ValueError::new(format!(
            "the TCP and TLS ports must differ, both are {}",
            port.0
        )));
    }
    Ok(())
}

#[derive(sipcfg::SettingsGroup)]
pub struct TLSSettings {
    /// Verify the server's certificate.
    #[setting(default = false)]
    pub verify_server: bool,
    /// The CA list file.
    pub ca_list: Option<String>,
}

#[derive(sipcfg::SettingsGroup)]
pub struct SIPSettings {
    /// UDP port.
    #[setting(default = 0u16)]
    pub udp_port: Port,
    /// TCP port.
    #[setting(default = 0u16, check(sibling = tls_port, with = ports_differ))]
    pub tcp_port: Port,
    /// TLS port.
    #[setting(default = 0u16, check(sibling = tcp_port, with = ports_differ))]
    pub tls_port: Port,
    /// Transports.
    #[setting(default = vec!["tls".to_string(), "tcp".to_string(), "udp".to_string()])]
    pub transport_list: Vec<String>,
}

#[derive(sipcfg::SettingsGroup)]
pub struct AudioSettings {
    /// The audio sample rate in Hz.
    #[setting(default = 44100u32)]
    pub sample_rate: u32,
    /// Runtime only: never stored.
    #[setting(default = false, runtime)]
    pub muted: bool,
}

#[derive(sipcfg::SettingsGroup)]
pub struct ChatSettings;

#[derive(sipcfg::SettingsObject)]
#[settings(group = "Global", id = "SIPSimple")]
pub struct SIPSimpleSettings {
    /// The User-Agent header.
    #[setting(default = "sipsimple 0.1")]
    pub user_agent: String,
    /// The default account.
    #[setting(default = "bonjour@local")]
    pub default_account: Option<String>,
    #[group]
    pub audio: AudioSettings,
    #[group]
    pub sip: SIPSettings,
    #[group]
    pub tls: TLSSettings,
    #[group]
    pub chat: ChatSettings,
}

#[derive(sipcfg::SettingsGroup)]
pub struct AuthSettings {
    /// The authentication user name.
    pub username: Option<String>,
    /// The password.
    #[setting(default = "", secret)]
    pub password: String,
}

#[derive(sipcfg::SettingsObject)]
#[settings(group = "Accounts")]
pub struct Account {
    /// Whether the account is used.
    #[setting(default = false)]
    pub enabled: bool,
    /// Shown to others.
    pub display_name: Option<String>,
    #[group]
    pub auth: AuthSettings,
    #[group]
    pub tls: TLSSettings,
}

/// A started manager on a memory backend holding `data`.
pub fn manager_with(data: sipcfg::Data) -> (ConfigurationManager, MemoryBackend) {
    let backend = MemoryBackend::with_data(data);
    let manager = ConfigurationManager::new();
    manager
        .start(backend.clone())
        .expect("memory backends load");
    (manager, backend)
}

/// A started manager on an empty memory backend.
pub fn manager() -> (ConfigurationManager, MemoryBackend) {
    manager_with(sipcfg::Data::new())
}

/// Records every notification posted by `manager`.
pub struct Recorder {
    pub seen: Arc<Mutex<Vec<Notification>>>,
    _guard: ObserverGuard,
}

impl Recorder {
    pub fn new(manager: &ConfigurationManager) -> Self {
        Recorder::filtered(manager, NotificationFilter::new())
    }

    pub fn filtered(manager: &ConfigurationManager, filter: NotificationFilter) -> Self {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = seen.clone();
        let guard = manager
            .notifications()
            .observe_scoped(filter, move |n| sink.lock().unwrap().push(n.clone()));
        Recorder {
            seen,
            _guard: guard,
        }
    }

    pub fn names(&self) -> Vec<sipcfg::NotificationName> {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .map(|n| n.kind.name())
            .collect()
    }

    pub fn take(&self) -> Vec<Notification> {
        std::mem::take(&mut *self.seen.lock().unwrap())
    }
}

/// Parses a document written as JSON.
pub fn doc(json: &str) -> sipcfg::Data {
    serde_json::from_str(json).expect("test documents are valid JSON")
}
