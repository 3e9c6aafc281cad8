//! Audio device names: [`AudioInputDevice`] and [`AudioOutputDevice`].
//!
//! "No device" (a dummy device) is not a value of these types: it is `None` of a nillable
//! setting (`Option<AudioInputDevice>`).

/// The special device name meaning "let the operating system choose".
pub const SYSTEM_DEFAULT: &str = "system_default";

macro_rules! audio_device {
    ($(#[$meta:meta])* $name:ident, $what:literal) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            const EXPECTED: &'static str =
                concat!("the name of an ", $what, " device or \"system_default\"");

            /// The device called `name`, or the system default for `system_default` (in any
            /// case); an empty or blank name is an error.
            pub fn new(name: impl Into<String>) -> Result<Self, ::sipcfg::ValueError> {
                let name = name.into();
                if name.trim().is_empty() {
                    return Err(::sipcfg::ValueError::expected(Self::EXPECTED, name));
                }
                if name.trim().eq_ignore_ascii_case(SYSTEM_DEFAULT) {
                    return Ok(Self::system_default());
                }
                Ok($name(name))
            }

            /// The device the operating system selects (`system_default`).
            pub fn system_default() -> Self {
                $name(SYSTEM_DEFAULT.to_owned())
            }

            /// Whether this is `system_default`.
            pub fn is_system_default(&self) -> bool {
                self.0 == SYSTEM_DEFAULT
            }

            /// The device's name, or `None` for `system_default`.
            pub fn name(&self) -> Option<&str> {
                (!self.is_system_default()).then_some(self.0.as_str())
            }

            /// The stored text: the name, or `system_default`.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl Default for $name {
            /// `system_default`.
            fn default() -> Self {
                Self::system_default()
            }
        }

        string_newtype!($name);

        text_conversions!($name);
        text_into_setting!($name);
    };
}

audio_device! {
    /// An audio input (recording) device (`audio.input_device`): a device name or
    /// `system_default`.
    ///
    /// Any non-blank name is accepted and stored as given; `system_default` is recognised in
    /// any case and stored in lower case.
    ///
    /// ```
    /// use sipcfg_settings::datatypes::AudioInputDevice;
    ///
    /// let mic = AudioInputDevice::new("USB Microphone")?;
    /// assert_eq!(mic.name(), Some("USB Microphone"));
    /// assert!(AudioInputDevice::try_from("system_default")?.is_system_default());
    /// assert!(AudioInputDevice::new("").is_err());
    /// # Ok::<(), sipcfg::ValueError>(())
    /// ```
    AudioInputDevice, "audio input"
}

audio_device! {
    /// An audio output (playback or alert) device (`audio.output_device`,
    /// `audio.alert_device`): a device name or `system_default`.
    ///
    /// Any non-blank name is accepted and stored as given; `system_default` is recognised in
    /// any case and stored in lower case.
    ///
    /// ```
    /// use sipcfg_settings::datatypes::AudioOutputDevice;
    ///
    /// assert_eq!(AudioOutputDevice::default().to_string(), "system_default");
    /// assert_eq!(AudioOutputDevice::new("Speakers")?.as_str(), "Speakers");
    /// # Ok::<(), sipcfg::ValueError>(())
    /// ```
    AudioOutputDevice, "audio output"
}
