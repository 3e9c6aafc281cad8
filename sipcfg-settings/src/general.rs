//! [`SIPSimpleSettings`]: the global settings of the middleware (spec: "General").
//!
//! Stored top-level under `SIPSimpleSettings`, as the reference SDK does, so that existing
//! configuration files load unchanged.

use sipcfg::{SettingsGroup, SettingsObject, ValueError};

use crate::datatypes::{
    AudioCodec, AudioCodecList, AudioInputDevice, AudioOutputDevice, NonNegativeInteger, Path,
    Port, PortRange, SIPTransport, SIPTransportList, SampleRate, TLSProtocol,
};

/// The version of the SIP SIMPLE middleware these settings describe, used in the default
/// User-Agent (the spec draws `sipsimple 0.16.2`).
pub const SIPSIMPLE_VERSION: &str = "0.16.2";

/// The global settings of the SIP SIMPLE middleware.
#[derive(SettingsObject, Clone, PartialEq)]
#[settings(id = "SIPSimpleSettings")]
pub struct SIPSimpleSettings {
    /// The id of the default account, the one that commands without an account use; None:
    /// no default account. It must name an enabled account: change it with
    /// `sip-settings --account default USER@DOMAIN`.
    #[setting(default = "bonjour@local")]
    pub default_account: Option<String>,
    /// The value of the User-Agent header of outgoing SIP requests and of the Server header of
    /// SIP responses.
    #[setting(default = format!("sipsimple {SIPSIMPLE_VERSION}"))]
    pub user_agent: String,
    /// Audio devices and processing.
    #[group]
    pub audio: AudioSettings,
    /// Chat sessions (empty, for future use).
    #[group]
    pub chat: ChatSettings,
    /// Desktop sharing (empty, for future use).
    #[group]
    pub desktop_sharing: DesktopSharingSettings,
    /// File transfers (empty, for future use).
    #[group]
    pub file_transfer: FileTransferSettings,
    /// Logging.
    #[group]
    pub logs: LogsSettings,
    /// RTP media transport.
    #[group]
    pub rtp: RTPSettings,
    /// SIP signalling transports.
    #[group]
    pub sip: SIPSettings,
    /// TLS.
    #[group]
    pub tls: TLSSettings,
}

/// Audio devices and processing.
#[derive(SettingsGroup, Clone, PartialEq)]
pub struct AudioSettings {
    /// The device used to alert the user: `system_default` lets the operating system choose;
    /// None uses a dummy device that discards audio. Not used by the middleware itself.
    #[setting(default = AudioOutputDevice::system_default())]
    pub alert_device: Option<AudioOutputDevice>,
    /// The device used for input (recording): `system_default` lets the operating system
    /// choose; None uses a dummy device that records nothing.
    #[setting(default = AudioInputDevice::system_default())]
    pub input_device: Option<AudioInputDevice>,
    /// The device used for output (playback): `system_default` lets the operating system
    /// choose; None uses a dummy device that discards audio.
    #[setting(default = AudioOutputDevice::system_default())]
    pub output_device: Option<AudioOutputDevice>,
    /// The sample rate of the audio system, in Hz; codecs with other rates are resampled.
    #[setting(default = sample_rate(44100))]
    pub sample_rate: SampleRate,
    /// When true, no audio notifications are played on the alert device.
    #[setting(default = false)]
    pub silent: bool,
    /// The length of the echo cancellation filter, in milliseconds.
    #[setting(default = NonNegativeInteger::from_u64(200))]
    pub tail_length: NonNegativeInteger,
}

/// Chat sessions (empty, for future use).
#[derive(SettingsGroup, Clone, PartialEq)]
pub struct ChatSettings;

/// Desktop sharing (empty, for future use).
#[derive(SettingsGroup, Clone, PartialEq)]
pub struct DesktopSharingSettings;

/// File transfers (empty, for future use).
#[derive(SettingsGroup, Clone, PartialEq)]
pub struct FileTransferSettings;

/// Logging.
#[derive(SettingsGroup, Clone, PartialEq)]
pub struct LogsSettings {
    /// How many log messages the PJSIP core generates (a non-negative level).
    #[setting(default = NonNegativeInteger::from_u64(5))]
    pub pjsip_level: NonNegativeInteger,
}

/// RTP media transport.
#[derive(SettingsGroup, Clone, PartialEq)]
pub struct RTPSettings {
    /// The preferred audio codecs, in order of preference. Accounts may override it.
    #[setting(default = codecs(&[AudioCodec::G722, AudioCodec::Speex, AudioCodec::Pcmu, AudioCodec::Pcma]))]
    pub audio_codec_list: AudioCodecList,
    /// The ports from which RTP transports are allocated (1-65535, start not above end).
    #[setting(default = port_range(50000, 50500))]
    pub port_range: PortRange,
    /// Seconds without RTP from the other end after which a notification is raised.
    #[setting(default = NonNegativeInteger::from_u64(30))]
    pub timeout: NonNegativeInteger,
}

/// SIP signalling transports.
#[derive(SettingsGroup, Clone, PartialEq)]
pub struct SIPSettings {
    /// Seconds after which an outgoing session request without a final answer is cancelled.
    #[setting(default = NonNegativeInteger::from_u64(90))]
    pub invite_timeout: NonNegativeInteger,
    /// The port to listen on for TCP connections (0: allocated automatically). Must differ from
    /// the TLS port unless 0.
    #[setting(default = Port::from_u16(0), check(sibling = tls_port, with = ports_differ))]
    pub tcp_port: Port,
    /// The port to listen on for TLS connections (0: allocated automatically). Must differ from
    /// the TCP port unless 0.
    #[setting(default = Port::from_u16(0), check(sibling = tcp_port, with = ports_differ))]
    pub tls_port: Port,
    /// The transports used for the requests of normal accounts, in order of preference.
    #[setting(default = transports(&[SIPTransport::Tls, SIPTransport::Tcp, SIPTransport::Udp]))]
    pub transport_list: SIPTransportList,
    /// The port to bind for UDP (0: allocated automatically).
    #[setting(default = Port::from_u16(0))]
    pub udp_port: Port,
}

/// TLS.
#[derive(SettingsGroup, Clone, PartialEq)]
pub struct TLSSettings {
    /// A file with the CA certificates (None: no CAs). A leading `~` is the home directory.
    pub ca_list: Option<Path>,
    /// The TLS protocol version.
    #[setting(default = TLSProtocol::Tlsv1)]
    pub protocol: TLSProtocol,
    /// The timeout for negotiating TLS connections, in milliseconds.
    #[setting(default = NonNegativeInteger::from_u64(3000))]
    pub timeout: NonNegativeInteger,
}

/// The TCP and TLS ports must differ, unless one of them is 0 (allocated automatically).
pub fn ports_differ(port: &Port, sibling: &Port) -> Result<(), ValueError> {
    if port.get() != 0 && port == sibling {
        return Err(ValueError::new(format!(
            "the TCP and TLS ports must differ (both would be {port}); use 0 to allocate one automatically"
        )));
    }
    Ok(())
}

// Defaults of types whose constructors check their input: the values are constants known to be
// valid, which the tests of every default confirm.

pub(crate) fn sample_rate(rate: u32) -> SampleRate {
    SampleRate::new(rate).expect("default sample rates are supported rates")
}

pub(crate) fn port_range(start: u16, end: u16) -> PortRange {
    PortRange::new(start, end).expect("default port ranges are valid")
}

pub(crate) fn codecs(list: &[AudioCodec]) -> AudioCodecList {
    AudioCodecList::new(list.iter().copied()).expect("default codec lists have no duplicates")
}

pub(crate) fn transports(list: &[SIPTransport]) -> SIPTransportList {
    SIPTransportList::new(list.iter().copied()).expect("default transport lists have no duplicates")
}
