//! [`FileBackend`]: the document in a plain-text file (spec section "FileBackend"), in the format
//! of [`file_format`](crate::file_format).

use std::fmt;
use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::{Backend, Loaded, Merge, StoreVersion};
use crate::file_format;
use crate::{BackendError, Data};

/// The text encoding of a configuration file: UTF-8 (the default) or another ASCII-compatible
/// encoding of the [WHATWG Encoding Standard](https://encoding.spec.whatwg.org/), such as
/// windows-1252, ISO-8859-15, Shift_JIS or GB18030.
///
/// UTF-16 and the other encodings in which the ASCII characters of the syntax (`:`, `=`, `,`,
/// quotes, newlines) are not single ASCII bytes are refused.
///
/// ```
/// use sipcfg::backend::Encoding;
///
/// assert_eq!(Encoding::default(), Encoding::UTF_8);
/// // Labels follow the WHATWG standard: "latin1" is windows-1252, a superset of ISO-8859-1's
/// // printable characters.
/// assert_eq!(Encoding::for_label("latin1").unwrap().name(), "windows-1252");
/// assert!(Encoding::for_label("utf-16").is_err());
/// assert!(Encoding::for_label("no-such-encoding").is_err());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Encoding(&'static encoding_rs::Encoding);

impl Encoding {
    /// UTF-8, the default.
    pub const UTF_8: Encoding = Encoding(&encoding_rs::UTF_8_INIT);

    /// The encoding with this label (case-insensitive, surrounding white space ignored), e.g.
    /// `"utf-8"`, `"latin1"`, `"iso-8859-15"`, `"shift_jis"`.
    ///
    /// Fails with [`BackendError::UnsupportedEncoding`] for an unknown label and for encodings
    /// that are not ASCII-compatible (UTF-16LE, UTF-16BE, ISO-2022-JP and the "replacement"
    /// encoding): the format's syntax characters must be single ASCII bytes.
    pub fn for_label(label: &str) -> Result<Encoding, BackendError> {
        let unsupported = |reason: &str| BackendError::UnsupportedEncoding {
            label: label.to_owned(),
            reason: reason.to_owned(),
        };
        let encoding = encoding_rs::Encoding::for_label(label.as_bytes())
            .ok_or_else(|| unsupported("unknown encoding label"))?;
        if encoding == encoding_rs::UTF_16LE || encoding == encoding_rs::UTF_16BE {
            return Err(unsupported(
                "UTF-16 is not supported: configuration files must use an ASCII-compatible \
                 encoding such as UTF-8",
            ));
        }
        if !encoding.is_ascii_compatible() {
            return Err(unsupported(&format!(
                "{} is not ASCII-compatible: configuration files must use an encoding in which \
                 the ASCII characters are single bytes, such as UTF-8",
                encoding.name()
            )));
        }
        Ok(Encoding(encoding))
    }

    /// The canonical name of the encoding, e.g. `UTF-8`, `windows-1252`, `Shift_JIS`.
    pub fn name(self) -> &'static str {
        self.0.name()
    }

    /// Whether this is UTF-8.
    pub fn is_utf8(self) -> bool {
        self.0 == encoding_rs::UTF_8
    }

    /// The `encoding_rs` encoding, for decoding and encoding.
    pub(crate) fn as_encoding_rs(self) -> &'static encoding_rs::Encoding {
        self.0
    }

    /// Whether every character of `text` can be written in this encoding.
    fn can_encode(self, text: &str) -> bool {
        self.is_utf8() || text.is_ascii() || !self.0.encode(text).2
    }
}

impl Default for Encoding {
    fn default() -> Self {
        Encoding::UTF_8
    }
}

impl fmt::Debug for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Encoding({})", self.name())
    }
}

impl fmt::Display for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The default of [`FileBackend::max_size`]: 256 MiB.
pub const DEFAULT_MAX_SIZE: u64 = 256 * 1024 * 1024;

/// Stores the document in a text file, in the format of [`file_format`](crate::file_format)
/// (the spec's `FileBackend`).
///
/// - [`load`](Backend::load) reads the file; a file that does not exist is an empty document
///   (and is not created). Syntax errors name the file, line and column. A file larger than
///   [`max_size`](FileBackend::max_size) (256 MiB unless set with
///   [`with_max_size`](FileBackend::with_max_size)) is refused with
///   [`BackendError::TooLarge`].
/// - [`save`](Backend::save) replaces the file atomically and durably: the text is written to a
///   new temporary file `.NAME.PID.RANDOM.tmp` in the same directory (created exclusively),
///   flushed to disk, renamed over the file and the directory is flushed too. The new file keeps
///   the old one's owner and group (where the process may set them) and its mode if that is
///   stricter than 0600; otherwise, and for a new file, the mode is 0600. Missing parent
///   directories are created with mode 0700. If anything fails the previous file is left as it
///   was and the temporary file is removed; temporary files left by processes that no longer
///   exist (killed during a save) are removed by the next save. A target that is a symbolic
///   link is resolved: the file it points to is replaced, the link is kept.
/// - A path that is (or leads to) a directory, a FIFO, a device or a socket is neither read nor
///   replaced: [`BackendError::NotARegularFile`]. Opening never blocks (a FIFO with no writer
///   is refused at once).
///
/// Every I/O error names the path and the operating system's error.
///
/// ```
/// use sipcfg::backend::{Backend, FileBackend};
/// use sipcfg::Data;
///
/// let dir = tempfile::tempdir().unwrap();
/// let backend = FileBackend::new(dir.path().join("config").join("sipcfg.cfg"));
/// assert_eq!(backend.load().unwrap(), Data::new());
///
/// let mut data = Data::new();
/// data.insert("user_agent", "demo client");
/// backend.save(&data).unwrap();
/// assert_eq!(std::fs::read_to_string(backend.path()).unwrap(), "user_agent = \"demo client\"\n");
/// assert_eq!(backend.load().unwrap(), data);
/// ```
///
/// Its `Debug` shows the path, encoding and size limit, never the document.
#[derive(Debug, Clone)]
pub struct FileBackend {
    path: PathBuf,
    encoding: Encoding,
    lock_timeout: Duration,
    max_size: u64,
    /// The version of the file's content last loaded, written or examined, and whether that
    /// content is exactly what `file_format::write` gives for its document: a save of a
    /// canonical file then writes canonically without editing the old text (the edit would
    /// give the same bytes), and a file known not to be canonical is not examined again.
    canonical: std::sync::Arc<parking_lot::Mutex<Option<(StoreVersion, bool)>>>,
}

/// How long a save waits for another program's save to finish before it gives up with
/// [`BackendError::LockTimeout`] (see [`FileBackend::with_lock_timeout`]).
pub const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(10);

impl FileBackend {
    /// A backend storing the document in the file at `path`, in UTF-8.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        FileBackend::with_encoding(path, Encoding::UTF_8)
    }

    /// A backend storing the document in the file at `path`, in `encoding`.
    pub fn with_encoding(path: impl Into<PathBuf>, encoding: Encoding) -> Self {
        FileBackend {
            path: path.into(),
            encoding,
            lock_timeout: DEFAULT_LOCK_TIMEOUT,
            max_size: DEFAULT_MAX_SIZE,
            canonical: Default::default(),
        }
    }

    /// The same backend, waiting at most `timeout` for the save lock (default
    /// [`DEFAULT_LOCK_TIMEOUT`]). Saves hold the lock only while they read, merge and write.
    #[must_use]
    pub fn with_lock_timeout(mut self, timeout: Duration) -> Self {
        self.lock_timeout = timeout;
        self
    }

    /// This backend with another limit on the size of the file it loads, in bytes (the default
    /// is [`DEFAULT_MAX_SIZE`], 256 MiB). A larger file fails to load with
    /// [`BackendError::TooLarge`]; saving is not limited.
    ///
    /// ```
    /// use sipcfg::backend::{Backend, FileBackend};
    /// use sipcfg::BackendError;
    ///
    /// let dir = tempfile::tempdir().unwrap();
    /// let path = dir.path().join("config");
    /// std::fs::write(&path, "a = 1\nb = 2\n").unwrap();
    /// let backend = FileBackend::new(&path).with_max_size(8);
    /// assert_eq!(backend.max_size(), 8);
    /// assert!(matches!(backend.load(), Err(BackendError::TooLarge { size: 12, limit: 8, .. })));
    /// ```
    #[must_use]
    pub fn with_max_size(mut self, bytes: u64) -> Self {
        self.max_size = bytes;
        self
    }

    /// The file the document is stored in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The encoding of the file.
    pub fn encoding(&self) -> Encoding {
        self.encoding
    }

    /// The largest file, in bytes, that [`load`](Backend::load) reads.
    pub fn max_size(&self) -> u64 {
        self.max_size
    }

    /// Locks the file against other processes that lock it too, until the returned guard is
    /// dropped: [`LockMode::Exclusive`] for a read-change-save session, [`LockMode::Shared`] for
    /// reading. The lock is an advisory `flock` on `NAME.lock` beside the file (the file itself
    /// is replaced on every save, so it cannot carry the lock); creating it creates the file's
    /// missing directories (mode 0700). A shared lock on a file whose directory does not exist
    /// locks nothing: there is nothing to read.
    ///
    /// Every save takes this lock (exclusively) around its read-merge-write, so a program
    /// holding it keeps every save of the file waiting, up to their lock timeout. Holding it is
    /// not needed to keep changes: saves merge (see [`Backend::save_merged`]).
    ///
    /// Waits as long as it takes; [`try_lock_for`](Self::try_lock_for) gives up after a while.
    pub fn lock(&self, mode: LockMode) -> Result<FileLock, BackendError> {
        self.lock_with(mode, None)
    }

    /// Like [`lock`](Self::lock), giving up with [`BackendError::LockTimeout`] after `timeout`.
    pub fn try_lock_for(
        &self,
        mode: LockMode,
        timeout: Duration,
    ) -> Result<FileLock, BackendError> {
        self.lock_with(mode, Some(timeout))
    }

    fn lock_with(
        &self,
        mode: LockMode,
        timeout: Option<Duration>,
    ) -> Result<FileLock, BackendError> {
        let target = resolve_symlink(&self.path);
        let mut name = target.file_name().unwrap_or_default().to_os_string();
        name.push(".lock");
        let lock_path = target.with_file_name(name);
        let dir = match lock_path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if mode == LockMode::Shared && !dir.is_dir() {
            return Ok(FileLock { file: None });
        }
        create_dir_all(&dir).map_err(io_error("create the directory", &dir))?;
        let mut options = fs::OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let file = options
            .open(&lock_path)
            .map_err(io_error("open the lock file", &lock_path))?;
        let Some(timeout) = timeout else {
            match mode {
                LockMode::Shared => file.lock_shared(),
                LockMode::Exclusive => file.lock(),
            }
            .map_err(io_error("lock", &lock_path))?;
            return Ok(FileLock { file: Some(file) });
        };
        let started = Instant::now();
        let mut pause = Duration::from_millis(1);
        loop {
            let attempt = match mode {
                LockMode::Shared => file.try_lock_shared(),
                LockMode::Exclusive => file.try_lock(),
            };
            match attempt {
                Ok(()) => return Ok(FileLock { file: Some(file) }),
                Err(fs::TryLockError::WouldBlock) if started.elapsed() < timeout => {
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_millis(50));
                }
                Err(fs::TryLockError::WouldBlock) => {
                    return Err(BackendError::LockTimeout {
                        path: lock_path,
                        waited: started.elapsed(),
                    })
                }
                Err(fs::TryLockError::Error(error)) => {
                    return Err(io_error("lock", &lock_path)(error))
                }
            }
        }
    }

    /// The canonical text of `data` as bytes in the backend's encoding.
    fn encode(&self, data: &Data) -> Result<Vec<u8>, BackendError> {
        let text = file_format::write(data).map_err(|error| self.unrepresentable(&error))?;
        self.encode_text(text, data)
    }

    fn unrepresentable(&self, error: &file_format::WriteError) -> BackendError {
        BackendError::Unrepresentable {
            file: self.path.clone(),
            setting: error.path().to_vec(),
            reason: "a name is empty".to_owned(),
        }
    }

    /// The bytes to store for `data` when the file holds `current` (at `version`): the current
    /// text edited to describe `data` (comments, blank lines, order, indentation and quoting of
    /// everything unchanged are kept; see [`file_edit`](crate::file_edit)), or the canonical
    /// text when there is no file or its content is canonical already. Also returns whether the
    /// result is canonical. A current text that does not parse is an error: it is never written
    /// over. `current` is freed before the new text is built when it is not needed for it.
    fn edited(
        &self,
        current: Option<Vec<u8>>,
        version: &StoreVersion,
        data: &Data,
    ) -> Result<(Vec<u8>, bool), BackendError> {
        let Some(bytes) = current else {
            return Ok((self.encode(data)?, true));
        };
        let known = self
            .canonical
            .lock()
            .as_ref()
            .filter(|(known, _)| known == version)
            .map(|(_, canonical)| *canonical);
        if known == Some(true) {
            // The edit of a canonical text is the canonical text: the old text is not needed.
            drop(bytes);
            return Ok((self.encode(data)?, true));
        }
        // Not seen yet (a file this backend did not load or write), or not canonical: edit
        // the text. Editing a canonical text gives the canonical text (property-tested), so this
        // reads the file once whatever it holds; checking for a canonical text first would read
        // it twice whenever it is not (every hand-edited file, every `sip-settings` run on one).
        let text = {
            let original = file_format::decode_text(&bytes, self.encoding, &self.path)?;
            crate::file_edit::rewrite(&original, &self.path, data).map_err(|error| match error {
                crate::file_edit::EditError::Unreadable(parse) => BackendError::Parse(parse),
                crate::file_edit::EditError::Unwritable(write) => self.unrepresentable(&write),
            })?
        };
        drop(bytes);
        // Remember whether the text is canonical: the next save can then skip the edit.
        let canonical = file_format::is_written_as(data, text.as_bytes());
        Ok((self.encode_text(text, data)?, canonical))
    }

    /// Notes whether the file content `bytes` (at `version`), which parsed as `data`, is
    /// canonical: exactly what [`file_format::write`] gives for `data`. A save of that content
    /// then writes the new document canonically without editing the old text, or edits it
    /// without checking again. Compared as it is written (no second text); only for UTF-8,
    /// where the written text is the bytes.
    fn note_canonical(&self, version: &StoreVersion, bytes: Option<&[u8]>, data: &Data) {
        let Some(bytes) = bytes else { return };
        if !self.encoding.is_utf8() {
            return;
        }
        let canonical = file_format::is_written_as(data, bytes);
        *self.canonical.lock() = Some((*version, canonical));
    }

    /// `text` (the text of `data`) as bytes in the backend's encoding.
    fn encode_text(&self, text: String, data: &Data) -> Result<Vec<u8>, BackendError> {
        if self.encoding.is_utf8() {
            return Ok(text.into_bytes());
        }
        let (bytes, _, unmappable) = self.encoding.as_encoding_rs().encode(&text);
        if !unmappable {
            return Ok(bytes.into_owned());
        }
        // Find the first character that cannot be written, and the setting it is in.
        let encoding = self.encoding;
        let bad = text
            .chars()
            .find(|&c| !encoding.can_encode(c.encode_utf8(&mut [0; 4])))
            .unwrap_or(char::REPLACEMENT_CHARACTER);
        let setting =
            file_format::find_in_write_order(data, |s| s.contains(bad)).unwrap_or_default();
        Err(BackendError::Unrepresentable {
            file: self.path.clone(),
            setting,
            reason: format!(
                "the character {bad:?} (U+{:04X}) cannot be written in {}",
                u32::from(bad),
                encoding.name()
            ),
        })
    }
}

/// How [`FileBackend::lock`] locks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockMode {
    /// Several readers at once, no writer.
    Shared,
    /// One process at a time.
    Exclusive,
}

/// Holds a [`FileBackend::lock`] until dropped.
#[derive(Debug)]
#[must_use = "the lock is released when the guard is dropped"]
pub struct FileLock {
    // Closing the file releases the lock.
    file: Option<fs::File>,
}

impl FileLock {
    /// Whether a lock is actually held (a shared lock on a missing directory holds none).
    pub fn is_held(&self) -> bool {
        self.file.is_some()
    }
}

/// An I/O error naming what was done and the path.
fn io_error(operation: &'static str, path: &Path) -> impl FnOnce(io::Error) -> BackendError {
    let path = path.to_path_buf();
    move |source| BackendError::Io {
        operation,
        path,
        source,
    }
}

impl FileBackend {
    /// Reads the bytes of the file, or `None` if it does not exist (a dangling symbolic link
    /// included).
    ///
    /// Hardened against hostile paths: a path that is (or leads to) anything but a regular file
    /// is refused without being read ([`BackendError::NotARegularFile`]; a device is looked at
    /// with `stat` and never opened), the file is opened with `O_NONBLOCK | O_NOCTTY` so that a
    /// FIFO swapped in after the look cannot block, and what was opened is checked again with
    /// `fstat`. A file over [`max_size`](FileBackend::max_size) is refused by its size, and the
    /// read itself stops one byte past the limit (for a file that grows while it is read).
    fn read_file(&self) -> Result<Option<Vec<u8>>, BackendError> {
        match fs::metadata(&self.path) {
            Ok(metadata) => self.check_regular(&metadata)?,
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(error) => return Err(io_error("read", &self.path)(error)),
        }
        let file = match open_for_reading(&self.path) {
            Ok(file) => file,
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(error) => return Err(io_error("open", &self.path)(error)),
        };
        // What was opened, which is not necessarily what was looked at.
        let metadata = file.metadata().map_err(io_error("read", &self.path))?;
        self.check_regular(&metadata)?;
        if metadata.len() > self.max_size {
            return Err(self.too_large(metadata.len()));
        }
        let mut bytes = Vec::new();
        bytes
            .try_reserve_exact(usize::try_from(metadata.len()).unwrap_or(0))
            .map_err(|_| self.too_large(metadata.len()))?;
        (&file)
            .take(self.max_size.saturating_add(1))
            .read_to_end(&mut bytes)
            .map_err(io_error("read", &self.path))?;
        let read = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
        if read > self.max_size {
            return Err(self.too_large(read));
        }
        Ok(Some(bytes))
    }

    fn parse(&self, bytes: Option<&[u8]>) -> Result<Data, BackendError> {
        match bytes {
            Some(bytes) => Ok(file_format::parse_bytes(bytes, self.encoding, &self.path)?),
            None => Ok(Data::new()),
        }
    }

    /// Replaces the file with `bytes`, atomically and durably (see the type's documentation):
    /// a temporary file beside the target, with the target's owner, group and (stricter) mode,
    /// flushed, renamed over the target, and the directory flushed.
    ///
    /// Refuses a target that is not a regular file ([`BackendError::NotARegularFile`]: a device
    /// behind a symbolic link is never replaced by a regular file) and a symbolic link whose
    /// target's directory does not exist ([`BackendError::DanglingSymlink`]). Before creating
    /// its temporary file it removes the temporary files of this configuration file left by
    /// processes that no longer exist. On every error the temporary file is removed.
    fn write_file(&self, bytes: &[u8]) -> Result<(), BackendError> {
        let target = resolve_symlink(&self.path);
        let file_name = target.file_name().ok_or_else(|| BackendError::Io {
            operation: "write",
            path: target.clone(),
            source: io::Error::new(io::ErrorKind::InvalidInput, "the path does not name a file"),
        })?;
        let dir = match target.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let existing = match fs::symlink_metadata(&target) {
            Ok(metadata) => {
                if let Some(kind) = irregular_kind(&metadata) {
                    return Err(BackendError::NotARegularFile {
                        path: self.path.clone(),
                        target,
                        kind,
                    });
                }
                Some(metadata)
            }
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                // A dangling link: its target is created, but never its directories.
                if target != self.path && !dir.is_dir() {
                    return Err(BackendError::DanglingSymlink {
                        path: self.path.clone(),
                        target,
                    });
                }
                None
            }
            Err(error) => return Err(io_error("write", &target)(error)),
        };
        create_dir_all(&dir).map_err(io_error("create the directory", &dir))?;

        let prefix = temp_prefix(file_name);
        remove_stale_temp_files(&dir, &prefix);

        let mut own_prefix = prefix;
        own_prefix.push(format!("{}.", std::process::id()));
        let mut builder = tempfile::Builder::new();
        builder.prefix(&own_prefix).suffix(".tmp");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            builder.permissions(fs::Permissions::from_mode(0o600));
        }
        // Dropping `temp` before `persist` succeeds removes the temporary file.
        let mut temp = builder
            .tempfile_in(&dir)
            .map_err(io_error("create a temporary file in", &dir))?;
        #[cfg(unix)]
        if let Some(existing) = &existing {
            keep_owner_and_mode(temp.as_file(), existing)
                .map_err(io_error("set the owner and mode of", temp.path()))?;
        }
        #[cfg(not(unix))]
        let _ = existing;
        temp.write_all(bytes)
            .map_err(io_error("write the new contents of", &target))?;
        temp.as_file()
            .sync_all()
            .map_err(io_error("flush the new contents of", &target))?;
        temp.persist(&target)
            .map_err(|error| io_error("replace", &target)(error.error))?;
        sync_dir(&dir).map_err(io_error("flush the directory", &dir))?;
        Ok(())
    }

    /// Refuses what is not a regular file.
    fn check_regular(&self, metadata: &fs::Metadata) -> Result<(), BackendError> {
        match irregular_kind(metadata) {
            None => Ok(()),
            Some(kind) => Err(BackendError::NotARegularFile {
                path: self.path.clone(),
                target: resolve_symlink(&self.path),
                kind,
            }),
        }
    }

    fn too_large(&self, size: u64) -> BackendError {
        BackendError::TooLarge {
            path: self.path.clone(),
            size,
            limit: self.max_size,
        }
    }
}

/// What a file is if it is not a regular file (`None` for a regular file). `metadata` from
/// `symlink_metadata` may be a symbolic link: one that [`resolve_symlink`] could not follow.
fn irregular_kind(metadata: &fs::Metadata) -> Option<&'static str> {
    let file_type = metadata.file_type();
    if file_type.is_file() {
        return None;
    }
    if file_type.is_dir() {
        return Some("a directory");
    }
    if file_type.is_symlink() {
        return Some("a symbolic link that cannot be followed (a loop, or more than 40 links)");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return Some("a FIFO (named pipe)");
        }
        if file_type.is_char_device() {
            return Some("a character device");
        }
        if file_type.is_block_device() {
            return Some("a block device");
        }
        if file_type.is_socket() {
            return Some("a socket");
        }
    }
    Some("not a regular file")
}

/// Opens `path` for reading without blocking (a FIFO) and without taking a terminal as the
/// controlling terminal.
#[cfg(unix)]
fn open_for_reading(path: &Path) -> io::Result<fs::File> {
    use rustix::fs::{Mode, OFlags};
    let fd = rustix::fs::open(
        path,
        OFlags::RDONLY | OFlags::NONBLOCK | OFlags::NOCTTY | OFlags::CLOEXEC,
        Mode::empty(),
    )?;
    Ok(fs::File::from(fd))
}

#[cfg(not(unix))]
fn open_for_reading(path: &Path) -> io::Result<fs::File> {
    fs::File::open(path)
}

/// The start of the temporary file names of the file `file_name`: `.NAME.` (so that a stray
/// one shows what it was for), or `.sipcfg-HASH.` for a name too long for that. A temporary
/// file is `PREFIX` + `PID.RANDOM.tmp`.
fn temp_prefix(file_name: &std::ffi::OsStr) -> std::ffi::OsString {
    let mut prefix = std::ffi::OsString::from(".");
    if file_name.len() <= 200 {
        prefix.push(file_name);
        prefix.push(".");
    } else {
        // FNV-1a: stable across builds, unlike the standard library's hasher.
        let hash = file_name
            .as_encoded_bytes()
            .iter()
            .fold(0xcbf2_9ce4_8422_2325_u64, |hash, &byte| {
                (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
            });
        prefix.push(format!("sipcfg-{hash:016x}."));
    }
    prefix
}

/// The process id in `name` if it is a temporary file name of this configuration file:
/// exactly `PREFIX` + decimal pid + `.` + 1 to 16 ASCII letters and digits + `.tmp`.
fn temp_file_pid(name: &std::ffi::OsStr, prefix: &std::ffi::OsStr) -> Option<u32> {
    let rest = name
        .as_encoded_bytes()
        .strip_prefix(prefix.as_encoded_bytes())?
        .strip_suffix(b".tmp")?;
    let dot = rest.iter().position(|&byte| byte == b'.')?;
    let (pid, random) = (rest.get(..dot)?, rest.get(dot + 1..)?);
    let pid_ok = !pid.is_empty()
        && pid.len() <= 10
        && pid.first() != Some(&b'0')
        && pid.iter().all(u8::is_ascii_digit);
    let random_ok =
        (1..=16).contains(&random.len()) && random.iter().all(u8::is_ascii_alphanumeric);
    if !(pid_ok && random_ok) {
        return None;
    }
    std::str::from_utf8(pid).ok()?.parse().ok()
}

/// Removes the temporary files of this configuration file (names from [`temp_prefix`]) in `dir`
/// whose process no longer exists: saves killed before their rename. Best effort: a file that
/// cannot be removed stays, and the save goes on. Files of this process and of live processes
/// are never touched, nor anything that is not a regular file.
fn remove_stale_temp_files(dir: &Path, prefix: &std::ffi::OsStr) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let own = std::process::id();
    for entry in entries.flatten() {
        let Some(pid) = temp_file_pid(&entry.file_name(), prefix) else {
            continue;
        };
        if pid == own || process_exists(pid) {
            continue;
        }
        if entry.file_type().is_ok_and(|file_type| file_type.is_file()) {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// Whether a process with this id exists (`kill(pid, 0)`; one of another user exists too).
#[cfg(unix)]
fn process_exists(pid: u32) -> bool {
    let Some(pid) = i32::try_from(pid)
        .ok()
        .and_then(rustix::process::Pid::from_raw)
    else {
        return true;
    };
    !matches!(
        rustix::process::test_kill_process(pid),
        Err(rustix::io::Errno::SRCH)
    )
}

/// Without a way to ask, every process is taken to exist: nothing is removed.
#[cfg(not(unix))]
fn process_exists(_pid: u32) -> bool {
    true
}

/// Gives the new file `file` the owner and group of the file it replaces, where the process may
/// (root may; another user may only choose among its own groups: `EPERM` is not an error), and
/// its mode if that is stricter than 0600 (0400 stays 0400, 0644 becomes 0600).
#[cfg(unix)]
fn keep_owner_and_mode(file: &fs::File, existing: &fs::Metadata) -> io::Result<()> {
    use std::os::unix::fs::{fchown, MetadataExt, PermissionsExt};
    let current = file.metadata()?;
    if current.uid() != existing.uid() || current.gid() != existing.gid() {
        match fchown(file, Some(existing.uid()), Some(existing.gid())) {
            Ok(()) => {}
            Err(error) if error.kind() == io::ErrorKind::PermissionDenied => {
                // Not root: the group alone may still be allowed.
                if current.gid() != existing.gid() {
                    let _ = fchown(file, None, Some(existing.gid()));
                }
            }
            Err(error) => return Err(error),
        }
    }
    let mode = existing.mode() & 0o7777;
    if mode & !0o600 == 0 && mode != 0o600 {
        file.set_permissions(fs::Permissions::from_mode(mode))?;
    }
    Ok(())
}

impl Backend for FileBackend {
    fn load(&self) -> Result<Data, BackendError> {
        self.parse(self.read_file()?.as_deref())
    }

    /// Replaces the document. If the file exists and parses, its text is edited (comments and
    /// layout kept, see [`file_edit`](crate::file_edit)); otherwise the canonical text is
    /// written. Takes no lock and does not merge: managers use
    /// [`save_merged`](Backend::save_merged).
    fn save(&self, data: &Data) -> Result<(), BackendError> {
        // Everything that can be refused is refused before the disk is touched.
        let current = self.read_file().ok().flatten();
        let version = StoreVersion::of_content(current.as_deref());
        let (bytes, canonical) = match self.edited(current, &version, data) {
            Ok(edited) => edited,
            Err(BackendError::Parse(_)) => (self.encode(data)?, true),
            Err(error) => return Err(error),
        };
        self.write_file(&bytes)?;
        self.remember(&bytes, canonical);
        Ok(())
    }

    fn load_versioned(&self) -> Result<Loaded, BackendError> {
        let bytes = self.read_file()?;
        let data = self.parse(bytes.as_deref())?;
        let version = StoreVersion::of_content(bytes.as_deref());
        // A manager saves what it loaded: knowing now, with the text and its document at hand,
        // whether the text is canonical spares the first save an edit of the whole text.
        self.note_canonical(&version, bytes.as_deref(), &data);
        Ok(Loaded {
            data,
            version: Some(version),
        })
    }

    /// Takes the exclusive [`lock`](Self::lock) (waiting at most the lock timeout), reads the
    /// file, merges if its content is not the version `since`, writes the result atomically and
    /// durably, and releases the lock. When this returns `Ok`, the new content has reached the
    /// disk (file and directory flushed). A file that does not parse is left untouched and its
    /// syntax error (file, line, column) returned.
    fn save_merged(
        &self,
        since: Option<&StoreVersion>,
        merge: &mut dyn Merge,
    ) -> Result<Option<StoreVersion>, BackendError> {
        let _lock = self.try_lock_for(LockMode::Exclusive, self.lock_timeout)?;
        let current = self.read_file()?;
        let version = StoreVersion::of_content(current.as_deref());
        if since != Some(&version) {
            let stored = self.parse(current.as_deref())?;
            self.note_canonical(&version, current.as_deref(), &stored);
            merge.rebase(stored);
        }
        // What is merged into the file is an edit of the file's text as it is now.
        let (bytes, canonical) = self.edited(current, &version, merge.document())?;
        self.write_file(&bytes)?;
        Ok(Some(self.remember(&bytes, canonical)))
    }

    fn watch_path(&self) -> Option<PathBuf> {
        Some(resolve_symlink(&self.path))
    }
}

impl FileBackend {
    /// Notes the version of what was just written, and whether it is canonical.
    fn remember(&self, bytes: &[u8], canonical: bool) -> StoreVersion {
        let version = StoreVersion::of_content(Some(bytes));
        *self.canonical.lock() = Some((version, canonical));
        version
    }
}

/// The file a symbolic link points to, or `path` itself.
fn resolve_symlink(path: &Path) -> PathBuf {
    // Follow links one at a time (the final target may not exist yet, which `canonicalize`
    // refuses); a relative link is relative to the link's directory. Give up after 40 hops.
    let mut current = path.to_path_buf();
    for _ in 0..40 {
        match fs::symlink_metadata(&current) {
            Ok(metadata) if metadata.file_type().is_symlink() => match fs::read_link(&current) {
                Ok(target) if target.is_absolute() => current = target,
                Ok(target) => {
                    let base = current.parent().map(Path::to_path_buf).unwrap_or_default();
                    current = base.join(target);
                }
                Err(_) => return current,
            },
            _ => return current,
        }
    }
    current
}

/// Creates `dir` and its missing parents, with mode 0700 on Unix.
fn create_dir_all(dir: &Path) -> io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// Flushes a directory's entries (the rename) to disk.
fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        fs::File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the backend knows of the content `version`: canonical or not, or nothing.
    fn known(backend: &FileBackend, version: Option<StoreVersion>) -> Option<bool> {
        let version = version?;
        backend
            .canonical
            .lock()
            .filter(|(known, _)| *known == version)
            .map(|(_, canonical)| canonical)
    }

    #[test]
    fn loading_notes_whether_the_text_is_canonical() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        let mut data = Data::new();
        data.insert("a", "1");
        data.group_entry("g").insert("b", "x y");
        let canonical = file_format::write(&data).unwrap();

        std::fs::write(&path, &canonical).unwrap();
        let backend = FileBackend::new(&path);
        let loaded = backend.load_versioned().unwrap();
        assert_eq!(loaded.data, data);
        assert_eq!(known(&backend, loaded.version), Some(true));

        // The same document written otherwise: a comment, other spacing, a missing last blank
        // line, a byte order mark.
        for text in [
            format!("# mine\n{canonical}"),
            canonical.replace("a = 1", "a =  1"),
            canonical.trim_end().to_owned() + "\n",
            format!("\u{feff}{canonical}"),
        ] {
            std::fs::write(&path, &text).unwrap();
            let backend = FileBackend::new(&path);
            let loaded = backend.load_versioned().unwrap();
            assert_eq!(loaded.data, data, "{text:?}");
            assert_eq!(known(&backend, loaded.version), Some(false), "{text:?}");
        }

        // Another encoding: the written text is not the bytes, nothing is noted.
        std::fs::write(&path, &canonical).unwrap();
        let latin1 = FileBackend::with_encoding(&path, Encoding::for_label("latin1").unwrap());
        let loaded = latin1.load_versioned().unwrap();
        assert_eq!(known(&latin1, loaded.version), None);
    }

    #[test]
    fn a_canonical_text_loaded_then_saved_stays_canonical_and_a_hand_written_one_keeps_its_layout()
    {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        let mut data = Data::new();
        data.insert("a", "1");
        std::fs::write(&path, file_format::write(&data).unwrap()).unwrap();
        let backend = FileBackend::new(&path);
        let loaded = backend.load_versioned().unwrap();
        let mut changed = loaded.data.clone();
        changed.insert("b", "2");
        let merge = &mut Replace(changed.clone());
        let version = backend.save_merged(loaded.version.as_ref(), merge).unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            file_format::write(&changed).unwrap()
        );
        assert_eq!(known(&backend, version), Some(true));

        std::fs::write(&path, "# mine\na = 1\n").unwrap();
        let backend = FileBackend::new(&path);
        let loaded = backend.load_versioned().unwrap();
        let merge = &mut Replace(changed.clone());
        let version = backend.save_merged(loaded.version.as_ref(), merge).unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "# mine\na = 1\nb = 2\n"
        );
        assert_eq!(known(&backend, version), Some(false));
    }

    /// A merge that stores its document whatever is stored.
    struct Replace(Data);

    impl Merge for Replace {
        fn rebase(&mut self, _stored: Data) {}

        fn document(&self) -> &Data {
            &self.0
        }
    }
}
