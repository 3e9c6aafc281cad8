//! [`Account`] (a SIP account at a provider, one per SIP address) and [`BonjourAccount`] (the
//! single peer-to-peer account), spec sections "Account" and "BonjourAccount".
//!
//! Both are stored in the group `Accounts`, as the reference does, so that every account is in
//! one place: `Accounts/user@example.com` and `Accounts/bonjour@local`.

use sipcfg::{SettingsGroup, SettingsObject};

use crate::datatypes::{
    AudioCodec, AudioCodecList, MSRPConnectionModel, MSRPRelayAddress, MSRPTransport,
    NonNegativeInteger, Path, SIPAddress, SIPProxyAddress, SIPTransport, SIPTransportList,
    SRTPEncryption, STUNServerAddressList, XCAPRoot,
};
use crate::general::{codecs, transports};

/// The id of the Bonjour account.
pub const BONJOUR_ID: &str = "bonjour@local";

/// A SIP account registered at a SIP provider, identified by its SIP address (`user@domain`).
///
/// Obtain accounts through [`AccountManager`](crate::AccountManager), which checks ids and keeps
/// the default account valid.
/// Its id is a [`SIPAddress`]: `Account::get(&manager, "not an address")` is an error, and
/// `sip:alice@example.com` names `alice@example.com`.
#[derive(SettingsObject, Clone, PartialEq)]
#[settings(group = "Accounts", id_type = SIPAddress)]
pub struct Account {
    /// Sent in the From header of SIP requests, the From CPIM header and similar places.
    pub display_name: Option<String>,
    /// When true, the account activates automatically and can be used by the middleware.
    #[setting(default = false)]
    pub enabled: bool,
    /// Authentication.
    #[group]
    pub auth: AuthSettings,
    /// The dialog event package (RFC 4235).
    #[group]
    pub dialog_event: DialogEventSettings,
    /// The message-summary event package (RFC 3842).
    #[group]
    pub message_summary: MessageSummarySettings,
    /// MSRP.
    #[group]
    pub msrp: MSRPSettings,
    /// NAT traversal.
    #[group]
    pub nat_traversal: NatTraversalSettings,
    /// Presence.
    #[group]
    pub presence: PresenceSettings,
    /// RTP media.
    #[group]
    pub rtp: AccountRTPSettings,
    /// SIP signalling.
    #[group]
    pub sip: AccountSIPSettings,
    /// TLS.
    #[group]
    pub tls: AccountTLSSettings,
    /// XCAP.
    #[group]
    pub xcap: XCAPSettings,
}

/// Authentication.
#[derive(SettingsGroup, Clone, PartialEq)]
pub struct AuthSettings {
    /// The password used to authenticate. Masked wherever settings are shown.
    #[setting(default = "", secret)]
    pub password: String,
    /// The user name used to authenticate, when it differs from the user part of the account's
    /// SIP address (None or empty: that user part).
    pub username: Option<String>,
}

/// The dialog event package (RFC 4235).
#[derive(SettingsGroup, Clone, PartialEq)]
pub struct DialogEventSettings {
    /// When true, the account subscribes to the dialog event.
    #[setting(default = true)]
    pub enabled: bool,
}

/// The message-summary event package (RFC 3842).
#[derive(SettingsGroup, Clone, PartialEq)]
pub struct MessageSummarySettings {
    /// When true, the account subscribes to the message-summary event.
    #[setting(default = true)]
    pub enabled: bool,
    /// The SIP URI to subscribe to and to call to listen to voicemail.
    pub voicemail_uri: Option<String>,
}

/// MSRP.
#[derive(SettingsGroup, Clone, PartialEq)]
pub struct MSRPSettings {
    /// Whether the relay or the ACM connection model is used for NAT traversal.
    #[setting(default = MSRPConnectionModel::Relay)]
    pub connection_model: MSRPConnectionModel,
    /// Whether MSRP uses TLS or TCP.
    #[setting(default = MSRPTransport::Tls)]
    pub transport: MSRPTransport,
}

/// NAT traversal.
#[derive(SettingsGroup, Clone, PartialEq)]
pub struct NatTraversalSettings {
    /// The MSRP relay for MSRP connections (None: looked up in the DNS, SRV record
    /// `_msrps._tcp.domain`).
    pub msrp_relay: Option<MSRPRelayAddress>,
    /// The STUN servers used to find server-reflexive ICE candidates (None: looked up in the
    /// DNS, SRV record `_stun._udp.domain`).
    pub stun_server_list: Option<STUNServerAddressList>,
    /// When true, ICE finds media candidates across NATs.
    #[setting(default = false)]
    pub use_ice: bool,
    /// When true, the MSRP relay is used for incoming MSRP connections.
    #[setting(default = true)]
    pub use_msrp_relay_for_inbound: bool,
    /// When true, the MSRP relay is used for outgoing MSRP connections.
    #[setting(default = false)]
    pub use_msrp_relay_for_outbound: bool,
}

/// Presence.
#[derive(SettingsGroup, Clone, PartialEq)]
pub struct PresenceSettings {
    /// When true, the account publishes its presence and subscribes to the presence and
    /// presence.winfo events.
    #[setting(default = true)]
    pub enabled: bool,
    /// When true, buddy lists are kept in an rls-services XCAP document and watched with a
    /// single subscription to the RLS; otherwise each buddy is subscribed to separately.
    #[setting(default = false)]
    pub use_rls: bool,
}

/// RTP media of an account.
#[derive(SettingsGroup, Clone, PartialEq)]
pub struct AccountRTPSettings {
    /// The preferred audio codecs of this account, in order (None: the general
    /// `rtp.audio_codec_list`).
    // The spec's list of Account settings calls it `rtp.audio_codecs`.
    #[setting(was = "rtp.audio_codecs")]
    pub audio_codec_list: Option<AudioCodecList>,
    /// When true, DTMF is sent in band, in the audio stream.
    #[setting(default = false)]
    pub inband_dtmf: bool,
    /// Whether calls must be encrypted with SRTP: disabled, optional or mandatory.
    // The spec's list of Account settings has it under `audio`.
    #[setting(default = SRTPEncryption::Optional, was = "audio.srtp_encryption")]
    pub srtp_encryption: SRTPEncryption,
    /// When true, SRTP may be used even when the signalling is not over TLS.
    #[setting(default = false, was = "audio.use_srtp_without_tls")]
    pub use_srtp_without_tls: bool,
}

/// SIP signalling of an account.
#[derive(SettingsGroup, Clone, PartialEq)]
pub struct AccountSIPSettings {
    /// When true and no outbound proxy is set, requests to foreign domains go through the
    /// account's proxy.
    #[setting(default = false)]
    pub always_use_my_proxy: bool,
    /// The proxy that receives every request creating a dialog (None: RFC 3263 lookup of the
    /// request URI's domain).
    pub outbound_proxy: Option<SIPProxyAddress>,
    /// The Expires value used when publishing events, in seconds.
    #[setting(default = NonNegativeInteger::from_u64(3600))]
    pub publish_interval: NonNegativeInteger,
    /// When true, the account registers when it is active.
    #[setting(default = true)]
    pub register: bool,
    /// The Expires value used when registering, in seconds.
    // The spec's list of Account settings calls it `registration.interval`.
    #[setting(default = NonNegativeInteger::from_u64(600), was = "registration.interval")]
    pub register_interval: NonNegativeInteger,
    /// The Expires value used when subscribing to events, in seconds.
    #[setting(default = NonNegativeInteger::from_u64(3600))]
    pub subscribe_interval: NonNegativeInteger,
}

/// TLS of an account.
#[derive(SettingsGroup, Clone, PartialEq)]
pub struct AccountTLSSettings {
    /// The file with the certificate and private key used on TLS connections. A leading `~` is
    /// the home directory.
    pub certificate: Option<Path>,
    /// When true, the server's certificate is verified on TLS connections.
    #[setting(default = false)]
    pub verify_server: bool,
}

/// XCAP.
#[derive(SettingsGroup, Clone, PartialEq)]
pub struct XCAPSettings {
    /// When true, the XCAP root below is used.
    #[setting(default = true)]
    pub enabled: bool,
    /// The XCAP root: an http or https URL.
    pub xcap_root: Option<XCAPRoot>,
}

/// The peer-to-peer account (there is one per system), stored as `Accounts/bonjour@local`.
#[derive(SettingsObject, Clone, PartialEq)]
#[settings(group = "Accounts", id = "bonjour@local")]
pub struct BonjourAccount {
    /// Sent in the From header of SIP requests.
    pub display_name: Option<String>,
    /// When true, the Bonjour account is used.
    #[setting(default = true)]
    pub enabled: bool,
    /// MSRP.
    #[group]
    pub msrp: BonjourMSRPSettings,
    /// RTP media.
    #[group]
    pub rtp: BonjourRTPSettings,
    /// SIP signalling.
    #[group]
    pub sip: BonjourSIPSettings,
    /// TLS.
    #[group]
    pub tls: AccountTLSSettings,
}

/// MSRP of the Bonjour account.
#[derive(SettingsGroup, Clone, PartialEq)]
pub struct BonjourMSRPSettings {
    /// Whether MSRP uses TLS or TCP for the Bonjour account.
    #[setting(default = MSRPTransport::Tcp)]
    pub transport: MSRPTransport,
}

/// RTP media of the Bonjour account.
#[derive(SettingsGroup, Clone, PartialEq)]
pub struct BonjourRTPSettings {
    /// The preferred audio codecs of the Bonjour account, in order.
    #[setting(default = bonjour_codecs())]
    pub audio_codec_list: AudioCodecList,
    /// When true, DTMF is sent in band, in the audio stream.
    #[setting(default = false)]
    pub inband_dtmf: bool,
    /// Whether calls must be encrypted with SRTP: disabled, optional or mandatory.
    #[setting(default = SRTPEncryption::Optional)]
    pub srtp_encryption: SRTPEncryption,
    /// When true, SRTP may be used even when the signalling is not over TLS.
    #[setting(default = false)]
    pub use_srtp_without_tls: bool,
}

/// SIP signalling of the Bonjour account.
#[derive(SettingsGroup, Clone, PartialEq)]
pub struct BonjourSIPSettings {
    /// The transports the Bonjour account uses, in order of preference.
    #[setting(default = transports(&[SIPTransport::Udp]))]
    pub transport_list: SIPTransportList,
}

/// The spec lists `('speex', 'g722', 'g711', 'ilbc', 'gsm')`; G.711 is the pair PCMU/PCMA.
fn bonjour_codecs() -> AudioCodecList {
    codecs(&[
        AudioCodec::Speex,
        AudioCodec::G722,
        AudioCodec::Pcmu,
        AudioCodec::Pcma,
        AudioCodec::Ilbc,
        AudioCodec::Gsm,
    ])
}
