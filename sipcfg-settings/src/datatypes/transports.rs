//! Transport and security words: [`SIPTransport`], [`SIPTransportList`], [`MSRPTransport`],
//! [`MSRPConnectionModel`], [`SRTPEncryption`] and [`TLSProtocol`].
//!
//! Each is stored as its canonical word; reading ignores case (`TLS` reads as `tls`).

use super::python_repr;

word_enum! {
    /// A SIP transport: `udp`, `tcp` or `tls` (the items of [`SIPTransportList`] and the
    /// `transport` of a [`SIPProxyAddress`](super::SIPProxyAddress)).
    ///
    /// ```
    /// use sipcfg_settings::datatypes::SIPTransport;
    ///
    /// assert_eq!("TLS".parse::<SIPTransport>()?, SIPTransport::Tls);
    /// assert_eq!(SIPTransport::Udp.to_string(), "udp");
    /// # Ok::<(), sipcfg::ValueError>(())
    /// ```
    pub enum SIPTransport: "a SIP transport" {
        /// `udp`.
        Udp = "udp",
        /// `tcp`.
        Tcp = "tcp",
        /// `tls`.
        Tls = "tls",
    }
}

list_type! {
    /// The SIP transports to use, in order of preference (`sip.transport_list`): items of
    /// [`SIPTransport`], each at most once.
    ///
    /// Stored as a list of words (`tls, tcp, udp` in the file); typed comma-separated; shown as
    /// `SIPTransportList(['tls', 'tcp', 'udp'])`.
    ///
    /// ```
    /// use sipcfg::SettingType;
    /// use sipcfg_settings::datatypes::{SIPTransport, SIPTransportList};
    ///
    /// let list: SIPTransportList = "tls, tcp, udp".parse()?;
    /// assert_eq!(list.as_slice(), [SIPTransport::Tls, SIPTransport::Tcp, SIPTransport::Udp]);
    /// assert_eq!(list.display(), "SIPTransportList(['tls', 'tcp', 'udp'])");
    /// assert!("udp, udp".parse::<SIPTransportList>().is_err());
    /// # Ok::<(), sipcfg::ValueError>(())
    /// ```
    pub struct SIPTransportList(SIPTransport) {
        what: "SIP transports",
        unique: true,
        show: |item: &SIPTransport| python_repr(item.as_str()),
    }
}

word_enum! {
    /// The transport of MSRP connections (`msrp.transport`): `tcp` or `tls`.
    ///
    /// ```
    /// use sipcfg_settings::datatypes::MSRPTransport;
    ///
    /// assert_eq!("tls".parse::<MSRPTransport>()?, MSRPTransport::Tls);
    /// assert!("udp".parse::<MSRPTransport>().is_err());
    /// # Ok::<(), sipcfg::ValueError>(())
    /// ```
    pub enum MSRPTransport: "an MSRP transport" {
        /// `tcp`.
        Tcp = "tcp",
        /// `tls`.
        Tls = "tls",
    }
}

word_enum! {
    /// The MSRP connection model used for NAT traversal (`msrp.connection_model`): `relay` or
    /// `acm`.
    ///
    /// ```
    /// use sipcfg_settings::datatypes::MSRPConnectionModel;
    ///
    /// assert_eq!("acm".parse::<MSRPConnectionModel>()?, MSRPConnectionModel::Acm);
    /// # Ok::<(), sipcfg::ValueError>(())
    /// ```
    pub enum MSRPConnectionModel: "an MSRP connection model" {
        /// `relay`: connect through an MSRP relay.
        Relay = "relay",
        /// `acm`: the alternative connection model (RFC 6135).
        Acm = "acm",
    }
}

word_enum! {
    /// How calls must be encrypted with SRTP (`rtp.srtp_encryption`): `disabled`, `optional`
    /// or `mandatory`.
    ///
    /// ```
    /// use sipcfg_settings::datatypes::SRTPEncryption;
    ///
    /// assert_eq!("Optional".parse::<SRTPEncryption>()?, SRTPEncryption::Optional);
    /// # Ok::<(), sipcfg::ValueError>(())
    /// ```
    pub enum SRTPEncryption: "an SRTP encryption mode" {
        /// `disabled`: never use SRTP.
        Disabled = "disabled",
        /// `optional`: use SRTP when the other end supports it.
        Optional = "optional",
        /// `mandatory`: refuse calls without SRTP.
        Mandatory = "mandatory",
    }
}

word_enum! {
    /// The TLS protocol version (`tls.protocol`).
    ///
    /// The spec allows only `TLSv1`; `TLSv1.2` and `TLSv1.3` are accepted as well, since
    /// current TLS stacks negotiate those (`TLSv1.1`, deprecated by RFC 8996, is not).
    ///
    /// ```
    /// use sipcfg_settings::datatypes::TLSProtocol;
    ///
    /// assert_eq!("tlsv1.2".parse::<TLSProtocol>()?, TLSProtocol::Tlsv1_2);
    /// assert_eq!(TLSProtocol::Tlsv1.to_string(), "TLSv1");
    /// # Ok::<(), sipcfg::ValueError>(())
    /// ```
    pub enum TLSProtocol: "a TLS protocol version" {
        /// `TLSv1` (the spec's default).
        Tlsv1 = "TLSv1",
        /// `TLSv1.2`.
        Tlsv1_2 = "TLSv1.2",
        /// `TLSv1.3`.
        Tlsv1_3 = "TLSv1.3",
    }
}
