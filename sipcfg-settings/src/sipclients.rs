//! The settings the SIPClients applications add to the middleware (spec: "SIPClients
//! Settings"), declared with the extension mechanism, as any application would: the middleware
//! structs are not touched.
//!
//! ```
//! use sipcfg::backend::MemoryBackend;
//! use sipcfg::ConfigurationManager;
//! use sipcfg_settings::sipclients::{self, SIPClientsLogsSettings};
//! use sipcfg_settings::SIPSimpleSettings;
//!
//! let manager = ConfigurationManager::new();
//! manager.start(MemoryBackend::new())?;
//! sipclients::register(&manager)?;
//! let settings = SIPSimpleSettings::get(&manager)?;
//! settings.logs().ext::<SIPClientsLogsSettings>().set_trace_sip(true)?;
//! assert!(settings.logs().ext::<SIPClientsLogsSettings>().trace_sip());
//! # Ok::<(), sipcfg::ConfigurationError>(())
//! ```

use std::path::PathBuf;

use sipcfg::{extend, ConfigurationError, ConfigurationManager, Object, SettingsGroup};

use crate::account::{Account, BonjourAccount};
use crate::datatypes::{AbsolutePath, DataPath};
use crate::general::{AudioSettings, FileTransferSettings, LogsSettings, SIPSimpleSettings};

/// Settings added to [`SIPSimpleSettings`].
#[extend(SIPSimpleSettings)]
#[derive(Clone, PartialEq)]
pub struct SIPClientsSettings {
    /// The directory for the application's data. Relative data paths (`audio.directory`,
    /// `file_transfer.directory`, `logs.directory`) are taken inside it, so changing it moves
    /// them all.
    #[setting(default = absolute("~/.sipclient"))]
    pub user_data_directory: AbsolutePath,
    /// The directory of the sound files played on notifications.
    pub resources_directory: Option<AbsolutePath>,
    /// Sounds played on events.
    #[group]
    pub sounds: SoundsSettings,
}

/// Sounds played on events (each None: no sound).
#[derive(SettingsGroup, Clone, PartialEq)]
pub struct SoundsSettings {
    /// A wav file played when a SIP session request arrives.
    pub audio_inbound: Option<AbsolutePath>,
    /// A wav file used as ringtone while an outgoing session request rings (180 Ringing).
    pub audio_outbound: Option<AbsolutePath>,
    /// A wav file played when an outgoing file transfer finishes.
    pub file_sent: Option<AbsolutePath>,
    /// A wav file played when an incoming file transfer finishes.
    pub file_received: Option<AbsolutePath>,
    /// A wav file played when a chat message is sent.
    pub message_sent: Option<AbsolutePath>,
    /// A wav file played when a chat message is received.
    pub message_received: Option<AbsolutePath>,
}

/// Settings added to the `audio` group of [`SIPSimpleSettings`].
#[extend(AudioSettings)]
#[derive(Clone, PartialEq)]
pub struct SIPClientsAudioSettings {
    /// Where recorded conversations are stored, one sub-directory per account. A relative path
    /// is inside `user_data_directory`.
    #[setting(default = data("history"))]
    pub directory: DataPath,
}

/// Settings added to the `file_transfer` group of [`SIPSimpleSettings`].
#[extend(FileTransferSettings)]
#[derive(Clone, PartialEq)]
pub struct SIPClientsFileTransferSettings {
    /// Where files received by MSRP file transfer are stored. A relative path is inside
    /// `user_data_directory`.
    #[setting(default = data("file_transfers"))]
    pub directory: DataPath,
}

/// Settings added to the `logs` group of [`SIPSimpleSettings`].
#[extend(LogsSettings)]
#[derive(Clone, PartialEq)]
pub struct SIPClientsLogsSettings {
    /// Where the logs are written. A relative path is inside `user_data_directory`.
    #[setting(default = data("logs"))]
    pub directory: DataPath,
    /// When true, SIP packets are written to `sip_trace.txt` in the logs directory.
    #[setting(default = false)]
    pub trace_sip: bool,
    /// When true, PJSIP log messages are written to `pjsip_trace.txt` in the logs directory.
    #[setting(default = false)]
    pub trace_pjsip: bool,
    /// When true, MSRP packets are written to `msrp_trace.txt` in the logs directory.
    #[setting(default = false)]
    pub trace_msrp: bool,
    /// When true, XCAP packets are written to `xcap_trace.txt` in the logs directory.
    #[setting(default = false)]
    pub trace_xcap: bool,
}

/// Settings added to [`Account`].
#[extend(Account)]
#[derive(Clone, PartialEq)]
pub struct SIPClientsAccountSettings {
    /// Sounds of this account.
    #[group]
    pub sounds: AccountSoundsSettings,
}

/// Settings added to [`BonjourAccount`].
#[extend(BonjourAccount)]
#[derive(Clone, PartialEq)]
pub struct SIPClientsBonjourAccountSettings {
    /// Sounds of the Bonjour account.
    #[group]
    pub sounds: AccountSoundsSettings,
}

/// Sounds of one account.
#[derive(SettingsGroup, Clone, PartialEq)]
pub struct AccountSoundsSettings {
    /// The ringtone for incoming calls of this account (None: the general
    /// `sounds.audio_inbound` is played).
    pub audio_inbound: Option<AbsolutePath>,
}

/// Registers every SIPClients extension with `manager`.
pub fn register(manager: &ConfigurationManager) -> Result<(), ConfigurationError> {
    manager.register_extension::<SIPClientsSettings>()?;
    manager.register_extension::<SIPClientsAudioSettings>()?;
    manager.register_extension::<SIPClientsFileTransferSettings>()?;
    manager.register_extension::<SIPClientsLogsSettings>()?;
    manager.register_extension::<SIPClientsAccountSettings>()?;
    manager.register_extension::<SIPClientsBonjourAccountSettings>()?;
    Ok(())
}

/// The ringtone of `account`: its own `sounds.audio_inbound`, or else the general one.
pub fn account_audio_inbound(
    account: &Object<Account>,
    settings: &Object<SIPSimpleSettings>,
) -> Option<AbsolutePath> {
    let own = account
        .ext::<SIPClientsAccountSettings>()
        .sounds()
        .audio_inbound();
    own.or_else(|| general_audio_inbound(settings))
}

/// The ringtone of the Bonjour account: its own `sounds.audio_inbound`, or else the general one.
pub fn bonjour_audio_inbound(
    account: &Object<BonjourAccount>,
    settings: &Object<SIPSimpleSettings>,
) -> Option<AbsolutePath> {
    let own = account
        .ext::<SIPClientsBonjourAccountSettings>()
        .sounds()
        .audio_inbound();
    own.or_else(|| general_audio_inbound(settings))
}

fn general_audio_inbound(settings: &Object<SIPSimpleSettings>) -> Option<AbsolutePath> {
    settings
        .ext::<SIPClientsSettings>()
        .sounds()
        .audio_inbound()
}

/// The full path of a data path: relative paths are inside `user_data_directory` (with a
/// leading `~` expanded), absolute paths stay as they are.
pub fn resolve_data_path(settings: &Object<SIPSimpleSettings>, path: &DataPath) -> PathBuf {
    let base = settings
        .ext::<SIPClientsSettings>()
        .user_data_directory()
        .normalized();
    path.resolve(&base)
}

fn absolute(path: &str) -> AbsolutePath {
    AbsolutePath::new(path).expect("default absolute paths are absolute")
}

fn data(path: &str) -> DataPath {
    DataPath::new(path).expect("default data paths are valid")
}
