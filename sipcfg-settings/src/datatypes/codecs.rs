//! Audio codecs: [`AudioCodec`] and [`AudioCodecList`].

use super::python_repr;

word_enum! {
    /// A supported audio codec: the spec's `G722`, `speex`, `PCMU`, `PCMA`, `iLBC` and `GSM`,
    /// and `opus`, `G729` and `AMR-WB`, which the current Python SIP SIMPLE SDK (5.x) also
    /// accepts and writes (its default list is `opus, G722, PCMU, PCMA`), so that its files load.
    ///
    /// Read ignoring case (`pcmu`, `ilbc`, `Speex`, `amr-wb`), stored with the canonical
    /// spelling. The defaults of the settings stay the spec's.
    ///
    /// ```
    /// use sipcfg_settings::datatypes::AudioCodec;
    ///
    /// assert_eq!("ilbc".parse::<AudioCodec>()?, AudioCodec::Ilbc);
    /// assert_eq!(AudioCodec::Ilbc.to_string(), "iLBC");
    /// # Ok::<(), sipcfg::ValueError>(())
    /// ```
    pub enum AudioCodec: "an audio codec" {
        /// `G722`: wideband G.722.
        G722 = "G722",
        /// `speex`.
        Speex = "speex",
        /// `PCMU`: G.711 µ-law.
        Pcmu = "PCMU",
        /// `PCMA`: G.711 A-law.
        Pcma = "PCMA",
        /// `iLBC`.
        Ilbc = "iLBC",
        /// `GSM`.
        Gsm = "GSM",
        /// `opus` (SDK 5.x).
        Opus = "opus",
        /// `G729`: G.729 (SDK 5.x).
        G729 = "G729",
        /// `AMR-WB`: adaptive multi-rate wideband, G.722.2 (SDK 5.x).
        AmrWb = "AMR-WB",
    }
}

list_type! {
    /// The preferred audio codecs, in order (`rtp.audio_codec_list`): items of [`AudioCodec`],
    /// each at most once.
    ///
    /// Stored as a list of canonical codec names; typed comma-separated (any case); shown as
    /// `AudioCodecList(['G722', 'PCMU', 'GSM', 'speex', 'PCMA'])`.
    ///
    /// ```
    /// use sipcfg::SettingType;
    /// use sipcfg_settings::datatypes::AudioCodecList;
    ///
    /// let codecs: AudioCodecList = "g722, pcmu, gsm, SPEEX, pcma".parse()?;
    /// assert_eq!(codecs.display(), "AudioCodecList(['G722', 'PCMU', 'GSM', 'speex', 'PCMA'])");
    /// let err = "PCMU, pcmu".parse::<AudioCodecList>().unwrap_err();
    /// assert!(err.message().contains("PCMU"));
    /// # Ok::<(), sipcfg::ValueError>(())
    /// ```
    pub struct AudioCodecList(AudioCodec) {
        what: "audio codecs",
        unique: true,
        show: |item: &AudioCodec| python_repr(item.as_str()),
    }
}
