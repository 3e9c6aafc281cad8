//! File system paths: [`Path`], [`AbsolutePath`] and [`DataPath`].
//!
//! Paths are POSIX-style text (`/` separates components). They are normalized lexically when
//! made, without touching the file system: `a//b`, `a/./b` and `a/b/` become `a/b`, and
//! `a/x/../b` becomes `a/b` (`..` at the root is dropped; a leading `..` of a relative path
//! stays). A leading `~` stands for the home directory: it is kept in the stored text and
//! expanded (from `$HOME`) by `normalized()`; `~/..` is kept as it is, since the home directory
//! is not known lexically. `~user` is not expanded.

use std::ffi::OsString;
use std::path::PathBuf;

use sipcfg::ValueError;

/// The lexical normal form of `text`, or an error for an empty text or a NUL character.
fn normalize(text: &str, expected: &str) -> Result<String, ValueError> {
    if text.is_empty() || text.contains('\0') {
        return Err(ValueError::expected(expected, text));
    }
    let absolute = text.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    let mut home_anchored = false;
    for part in text.split('/') {
        match part {
            "" | "." => {}
            ".." => match parts.last() {
                Some(&last) if last != ".." && !(home_anchored && parts.len() == 1) => {
                    parts.pop();
                }
                None if absolute => {}
                _ => parts.push(".."),
            },
            "~" if !absolute && parts.is_empty() => {
                home_anchored = true;
                parts.push(part);
            }
            _ => parts.push(part),
        }
    }
    let joined = parts.join("/");
    Ok(match (absolute, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_owned(),
        (false, false) => joined,
    })
}

/// Whether a normalized path starts at the home directory (`~` or `~/...`).
fn is_home_anchored(text: &str) -> bool {
    text == "~" || text.starts_with("~/")
}

/// The home directory from `$HOME`, if set and not empty.
fn home_directory() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .filter(|home| !home.is_empty())
        .map(PathBuf::from)
}

/// `text` with a leading `~` replaced by `home` (or unchanged without a home directory).
fn expand_home(text: &str, home: Option<&std::path::Path>) -> PathBuf {
    match (home, text.strip_prefix('~')) {
        (Some(home), Some("")) => home.to_path_buf(),
        (Some(home), Some(rest)) if rest.starts_with('/') => {
            home.join(rest.trim_start_matches('/'))
        }
        _ => PathBuf::from(text),
    }
}

macro_rules! path_type {
    ($(#[$meta:meta])* $name:ident, expected: $expected:literal, check: $check:expr) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            const EXPECTED: &'static str = $expected;

            /// The path, normalized lexically, or an error if it is not acceptable.
            pub fn new(path: impl AsRef<str>) -> Result<Self, ValueError> {
                let text = path.as_ref();
                let normal = normalize(text, Self::EXPECTED)?;
                let check: fn(&str) -> bool = $check;
                if check(&normal) {
                    Ok($name(normal))
                } else {
                    Err(ValueError::expected(Self::EXPECTED, text))
                }
            }

            /// The stored (normalized) text, e.g. `~/.sipclient` or `tls/user@example.com.crt`.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The stored text as a `std::path::Path` (a leading `~` not expanded).
            pub fn as_path(&self) -> &std::path::Path {
                std::path::Path::new(&self.0)
            }

            /// The path with a leading `~` expanded to the home directory (`$HOME`); unchanged
            /// if the home directory is not known.
            pub fn normalized(&self) -> PathBuf {
                expand_home(&self.0, home_directory().as_deref())
            }

            /// The path with a leading `~` expanded to `home`.
            pub fn normalized_with_home(&self, home: &std::path::Path) -> PathBuf {
                expand_home(&self.0, Some(home))
            }
        }

        string_newtype!($name);

        impl AsRef<std::path::Path> for $name {
            fn as_ref(&self) -> &std::path::Path {
                self.as_path()
            }
        }

        impl TryFrom<&std::path::Path> for $name {
            type Error = ValueError;

            /// The path, if it is valid Unicode and acceptable.
            fn try_from(path: &std::path::Path) -> Result<Self, ValueError> {
                match path.to_str() {
                    Some(text) => Self::new(text),
                    None => Err(ValueError::expected(
                        concat!($expected, " in Unicode"),
                        path.to_string_lossy(),
                    )),
                }
            }
        }

        impl TryFrom<PathBuf> for $name {
            type Error = ValueError;

            fn try_from(path: PathBuf) -> Result<Self, ValueError> {
                Self::try_from(path.as_path())
            }
        }

        impl TryFrom<OsString> for $name {
            type Error = ValueError;

            fn try_from(path: OsString) -> Result<Self, ValueError> {
                Self::try_from(std::path::Path::new(&path))
            }
        }

        text_conversions!($name);
        text_into_setting!($name);
        ::sipcfg::into_setting!($name: &std::path::Path, PathBuf, OsString);
    };
}

path_type! {
    /// A file system path, relative or absolute (`tls.ca_list`, `tls.certificate`).
    ///
    /// Any non-empty text without NUL characters, POSIX-style (`/` separates components).
    /// Stored normalized lexically, without touching the file system: `a//b`, `a/./b` and
    /// `a/b/` become `a/b`, `a/x/../b` becomes `a/b` (`..` at the root is dropped; a leading
    /// `..` of a relative path stays), e.g. `tls/./user@example.com.crt` is stored as
    /// `tls/user@example.com.crt`. A leading `~` (the home directory) is kept in the stored
    /// text, and `~/..` stays as it is; [`normalized`](Path::normalized) gives the path to use,
    /// with a leading `~` expanded from `$HOME` (`~user` is not expanded).
    ///
    /// ```
    /// use sipcfg_settings::datatypes::Path;
    ///
    /// let path = Path::new("~/certs//./ca.pem")?;
    /// assert_eq!(path.as_str(), "~/certs/ca.pem");
    /// assert_eq!(
    ///     path.normalized_with_home("/home/alice".as_ref()),
    ///     std::path::PathBuf::from("/home/alice/certs/ca.pem"),
    /// );
    /// assert!(Path::new("").is_err());
    /// # Ok::<(), sipcfg::ValueError>(())
    /// ```
    Path,
    expected: "a path (a non-empty text without NUL characters)",
    check: |_| true
}

path_type! {
    /// An absolute path: `/...`, or `~/...` for a path in the home directory
    /// (`user_data_directory`, `resources_directory`, the `sounds` files).
    ///
    /// Stored normalized lexically like a [`Path`], with a leading `~` kept;
    /// [`normalized`](AbsolutePath::normalized) expands it.
    ///
    /// ```
    /// use sipcfg_settings::datatypes::AbsolutePath;
    ///
    /// assert_eq!(AbsolutePath::new("~/.sipclient/")?.as_str(), "~/.sipclient");
    /// assert_eq!(AbsolutePath::new("/usr/share/sounds/../sipclient")?.as_str(), "/usr/share/sipclient");
    /// assert!(AbsolutePath::new("sounds/ring.wav").is_err());
    /// # Ok::<(), sipcfg::ValueError>(())
    /// ```
    AbsolutePath,
    expected: "an absolute path (starting with / or ~/)",
    check: |normal| normal.starts_with('/') || is_home_anchored(normal)
}

path_type! {
    /// A path under the user data directory (`audio.directory`, `file_transfer.directory`,
    /// `logs.directory`): relative paths are taken relative to
    /// `SIPSimpleSettings.user_data_directory` when [resolved](DataPath::resolve), so they
    /// follow it when it changes; absolute paths (`/...`, `~/...`) stay as they are.
    ///
    /// Stored normalized lexically like a [`Path`], e.g. `history`.
    ///
    /// ```
    /// use std::path::{Path, PathBuf};
    /// use sipcfg_settings::datatypes::DataPath;
    ///
    /// let logs = DataPath::new("logs")?;
    /// assert_eq!(logs.resolve(Path::new("/home/alice/.sipclient")), PathBuf::from("/home/alice/.sipclient/logs"));
    /// let elsewhere = DataPath::new("/var/log/sip")?;
    /// assert_eq!(elsewhere.resolve(Path::new("/home/alice/.sipclient")), PathBuf::from("/var/log/sip"));
    /// # Ok::<(), sipcfg::ValueError>(())
    /// ```
    DataPath,
    expected: "a path (a non-empty text without NUL characters)",
    check: |_| true
}

impl DataPath {
    /// Whether the path is absolute (`/...`, `~` or `~/...`) and so does not depend on the user
    /// data directory.
    pub fn is_absolute(&self) -> bool {
        self.0.starts_with('/') || is_home_anchored(&self.0)
    }

    /// The full path: a relative path joined to `user_data_directory` (the resolved value of
    /// `SIPSimpleSettings.user_data_directory`), an absolute one as it is (a leading `~`
    /// expanded from `$HOME`).
    pub fn resolve(&self, user_data_directory: &std::path::Path) -> PathBuf {
        if self.is_absolute() {
            self.normalized()
        } else if self.0 == "." {
            user_data_directory.to_path_buf()
        } else {
            user_data_directory.join(&self.0)
        }
    }
}
