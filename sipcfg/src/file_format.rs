//! The plain-text configuration file format of the spec (section "FileBackend"), as read and
//! written by [`FileBackend`](crate::backend::FileBackend).
//!
//! A group is a name followed by `:`, its contents indented more than the name; a setting is a
//! name, `=` and a value: nothing, a string, or strings separated by commas (a list). Strings may
//! be quoted with `"` or `'` and use the escapes `\n`, `\r` and `\` + any character; `#` starts a
//! comment. The complete grammar, the error messages and the two places where sipcfg is lossless
//! while the reference implementation is not are described in `docs/file-format.md`.
//!
//! Files move freely between sipcfg and the Python SIP SIMPLE SDK: [`write()`] produces the same
//! bytes as the reference implementation, and [`parse`] reads what it writes.
//!
//! ```
//! use std::path::Path;
//! use sipcfg::{file_format, Data, Value};
//!
//! let text = "\
//! Accounts:
//!     alice@example.com:
//!         display_name = \"Alice Example\"
//!         rtp:
//!             audio_codec_list = G722, PCMU  # preferred first
//! ";
//! let data = file_format::parse(text, Path::new("config")).unwrap();
//! let account = &["Accounts", "alice@example.com"];
//! assert_eq!(
//!     data.get_path(&[account[0], account[1], "display_name"]),
//!     Some(&Value::from("Alice Example")),
//! );
//! assert_eq!(
//!     data.get_path(&[account[0], account[1], "rtp", "audio_codec_list"]),
//!     Some(&Value::from(vec!["G722", "PCMU"])),
//! );
//!
//! // Writing gives the canonical layout: settings before groups, sorted by name, 4 spaces a level.
//! let written = file_format::write(&data).unwrap();
//! assert!(written.starts_with("Accounts:\n    alice@example.com:\n"));
//! assert_eq!(file_format::parse(&written, Path::new("config")).unwrap(), data);
//!
//! // As the spec writes it, an unquoted value may hold white space.
//! let spaced = file_format::parse("a = value with spaces\n", Path::new("config")).unwrap();
//! assert_eq!(spaced.get("a"), Some(&Value::from("value with spaces")));
//!
//! // Errors name the file, the line and the column.
//! let error = file_format::parse("a = 1\nb = x = y\n", Path::new("config")).unwrap_err();
//! assert_eq!((error.line, error.column), (2, 7));
//! assert_eq!(
//!     error.to_string(),
//!     "config:2:7: unexpected `=` in value (a setting has one `=`; quote a value that holds \" = \")",
//! );
//! # let _: Data = data;
//! ```
//!
//! Nothing here recurses over the document: a file nested as deeply as its size allows is read
//! and written with an explicit stack.

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};
use std::path::Path;

use crate::backend::Encoding;
use crate::{Data, Name, ParseError, ParseErrorKind, Value};

// ---------------------------------------------------------------------------------------------
// Character classes
// ---------------------------------------------------------------------------------------------

/// An ASCII white-space byte (what `char::is_whitespace` accepts, plus U+001C to U+001F).
const WS: u8 = 1;
/// `"` or `'`.
const QUOTE: u8 = 1 << 1;
/// `\`.
const BACKSLASH: u8 = 1 << 2;
/// `#`.
const HASH: u8 = 1 << 3;
/// `:` or `=`: the end of a name.
pub(crate) const SEPARATOR: u8 = 1 << 4;
/// `,`: the end of a list item.
const COMMA: u8 = 1 << 5;
/// The first byte of a multi-byte character that may be white space (U+0085, U+00A0, U+1680,
/// U+2000 to U+200A, U+2028, U+2029, U+202F, U+205F, U+3000).
const MAYBE_WS: u8 = 1 << 6;

/// The class of every byte; continuation bytes and ordinary characters are 0.
const CLASSES: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut byte = 0x09;
    while byte <= 0x0d {
        table[byte] = WS;
        byte += 1;
    }
    let mut byte = 0x1c;
    while byte <= 0x20 {
        table[byte] = WS;
        byte += 1;
    }
    table[b'"' as usize] = QUOTE;
    table[b'\'' as usize] = QUOTE;
    table[b'\\' as usize] = BACKSLASH;
    table[b'#' as usize] = HASH;
    table[b':' as usize] = SEPARATOR;
    table[b'=' as usize] = SEPARATOR;
    table[b',' as usize] = COMMA;
    table[0xc2] = MAYBE_WS;
    table[0xe1] = MAYBE_WS;
    table[0xe2] = MAYBE_WS;
    table[0xe3] = MAYBE_WS;
    table
};

/// Whether the reader takes `c` for white space: Unicode White_Space (`char::is_whitespace`) and
/// the information separators U+001C to U+001F (which Python's `str.strip` also removes).
///
/// White space separates tokens, is stripped from both ends of a line and counts as
/// indentation; [`write()`] quotes every string that contains any of it.
pub fn is_whitespace(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// The length in bytes of the white-space character starting at byte `at`, if there is one.
#[inline]
fn whitespace_at(text: &str, at: usize) -> Option<usize> {
    let byte = *text.as_bytes().get(at)?;
    let class = CLASSES[usize::from(byte)];
    if class & WS != 0 {
        return Some(1);
    }
    if class & MAYBE_WS != 0 {
        let c = text.get(at..)?.chars().next()?;
        if is_whitespace(c) {
            return Some(c.len_utf8());
        }
    }
    None
}

/// What stopped a scan over bare (unquoted, unescaped) text.
enum Stop {
    /// The end of the line.
    End,
    /// White space.
    Whitespace,
    /// A byte of one of the classes asked for.
    Byte(u8),
}

/// Scans from `at` to the first white-space character or byte of a class in `mask`.
#[inline]
fn scan_bare(text: &str, mut at: usize, mask: u8) -> (usize, Stop) {
    let bytes = text.as_bytes();
    let mask = mask | WS | MAYBE_WS;
    while let Some(&byte) = bytes.get(at) {
        let class = CLASSES[usize::from(byte)];
        if class & mask != 0 {
            if class & WS != 0 {
                return (at, Stop::Whitespace);
            }
            if class & MAYBE_WS == 0 {
                return (at, Stop::Byte(byte));
            }
            if whitespace_at(text, at).is_some() {
                return (at, Stop::Whitespace);
            }
        }
        at += 1;
    }
    (at, Stop::End)
}

// ---------------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------------

/// A syntax error inside one line: what, and the byte offset in the line where it was found.
pub(crate) type LineError = (ParseErrorKind, usize);

/// Parses configuration text that is already decoded.
///
/// `path` is only used to name the file in errors. The text is split into lines at `\n` (a `\r`
/// before it is white space and stripped); see the module documentation and
/// `docs/file-format.md` for the grammar. The first syntax error is returned, with its 1-based
/// line and column (in characters).
///
/// Never panics, whatever the input, and does not recurse over the nesting of groups.
pub fn parse(text: &str, path: &Path) -> Result<Data, ParseError> {
    let mut tree = TreeBuilder::default();
    for (index, raw_line) in text.split('\n').enumerate() {
        if let Err(error) = tree.line(raw_line) {
            return Err(line_error(path, index, raw_line, error));
        }
    }
    Ok(tree.finish())
}

/// The [`ParseError`] of `error` on the line numbered `index` (from 0) of the file at `path`,
/// whose text is `raw_line`.
pub(crate) fn line_error(
    path: &Path,
    index: usize,
    raw_line: &str,
    (kind, at): LineError,
) -> ParseError {
    ParseError {
        path: path.to_path_buf(),
        line: index + 1,
        column: column_at(raw_line, at),
        kind,
    }
}

/// Parses the bytes of a configuration file in `encoding`.
///
/// Bytes that are not valid text in `encoding` give a [`ParseErrorKind::InvalidEncoding`] error
/// naming the line and column (in characters) of the first bad byte. A UTF-8 byte order mark
/// at the start of a UTF-8 file is skipped (editors on some systems add one; the reference would
/// make it part of the first name and silently ignore that group). Otherwise the same as
/// [`parse`].
pub fn parse_bytes(bytes: &[u8], encoding: Encoding, path: &Path) -> Result<Data, ParseError> {
    let bytes = match (encoding.is_utf8(), bytes.strip_prefix(b"\xEF\xBB\xBF")) {
        (true, Some(rest)) => rest,
        _ => bytes,
    };
    let text = decode(bytes, encoding).map_err(|(line, column)| ParseError {
        path: path.to_path_buf(),
        line,
        column,
        kind: ParseErrorKind::InvalidEncoding {
            encoding: encoding.name(),
        },
    })?;
    parse(&text, path)
}

/// The text of the bytes of a configuration file in `encoding`, byte order mark included (for
/// editing the text in place); an error like [`parse_bytes`]'s if they are not valid text.
pub(crate) fn decode_text<'a>(
    bytes: &'a [u8],
    encoding: Encoding,
    path: &Path,
) -> Result<Cow<'a, str>, ParseError> {
    decode(bytes, encoding).map_err(|(line, column)| ParseError {
        path: path.to_path_buf(),
        line,
        column,
        kind: ParseErrorKind::InvalidEncoding {
            encoding: encoding.name(),
        },
    })
}

/// Decodes a whole file, or gives the 1-based line and column of the first bad byte.
fn decode(bytes: &[u8], encoding: Encoding) -> Result<Cow<'_, str>, (usize, usize)> {
    if encoding.is_utf8() {
        return match std::str::from_utf8(bytes) {
            Ok(text) => Ok(Cow::Borrowed(text)),
            Err(error) => {
                let valid = bytes.get(..error.valid_up_to()).unwrap_or_default();
                // The prefix is valid by definition; `from_utf8` cannot fail on it.
                Err(line_and_column_after(
                    std::str::from_utf8(valid).unwrap_or_default(),
                ))
            }
        };
    }
    let inner = encoding.as_encoding_rs();
    if let Some(text) = inner.decode_without_bom_handling_and_without_replacement(bytes) {
        return Ok(text);
    }
    // Decode again step by step to find where the first malformed sequence starts: everything
    // before it is in `decoded`.
    let mut decoder = inner.new_decoder_without_bom_handling();
    let mut decoded = String::with_capacity(bytes.len().saturating_mul(2).saturating_add(16));
    let mut rest = bytes;
    loop {
        let (result, read) = decoder.decode_to_string_without_replacement(rest, &mut decoded, true);
        rest = rest.get(read..).unwrap_or_default();
        match result {
            encoding_rs::DecoderResult::Malformed(..) => {
                return Err(line_and_column_after(&decoded));
            }
            encoding_rs::DecoderResult::OutputFull => {
                decoded.reserve(rest.len().saturating_mul(3).saturating_add(16));
            }
            // The quick decode above failed, so this one fails too; be safe anyway.
            encoding_rs::DecoderResult::InputEmpty => return Ok(Cow::Owned(decoded)),
        }
    }
}

/// The 1-based line and column of the character that would follow `text`.
fn line_and_column_after(text: &str) -> (usize, usize) {
    let line_start = text.rfind('\n').map_or(0, |newline| newline + 1);
    let line = text.bytes().filter(|&b| b == b'\n').count() + 1;
    let column = text
        .get(line_start..)
        .map_or(0, |tail| tail.chars().count())
        + 1;
    (line, column)
}

/// The 1-based column (in characters) of byte offset `at` of `line`.
pub(crate) fn column_at(line: &str, at: usize) -> usize {
    line.get(..at).map_or(0, |head| head.chars().count()) + 1
}

/// A group that is still open: lines indented more than `indent` go into it.
struct OpenGroup {
    indent: usize,
    name: Name,
    /// Its entries in file order; sorted (later duplicates winning) when the group is closed.
    entries: Vec<(Name, Value)>,
}

/// Builds the document from lines, keeping the open groups on an explicit stack.
///
/// An open group is inserted into its parent when it is closed, which gives the same result as
/// inserting it when its header is read: its parent can receive nothing else while it is open.
///
/// Names below the second level (the settings of objects, such as `display_name` in every
/// account) are interned: each distinct name is allocated once per parse and shared by every
/// group that uses it. Top-level names and object ids (the second level) are mostly distinct,
/// so they are not looked up.
#[derive(Default)]
struct TreeBuilder {
    root: Vec<(Name, Value)>,
    open: Vec<OpenGroup>,
    names: HashSet<Name, BuildHasherDefault<NameHasher>>,
    /// The name last used at each depth (from the second level) and position in its group:
    /// the objects of a file list the same settings in the same order, so a name is usually
    /// the one at the same place in the previous object, found by one comparison instead of
    /// a hash look-up.
    recent: Vec<Vec<Name>>,
    /// Emptied entry lists of closed groups, reused by the next groups opened: a small group
    /// is collected in one of these and copied out once, at its exact size, when it closes
    /// (instead of a list that grows by doubling and is then shrunk: three allocations for
    /// an account's group of eight settings, two for each of its groups of one or two).
    spare: Vec<Vec<(Name, Value)>>,
}

/// How many levels (from the second) remember their recent names ([`TreeBuilder::name`]).
const RECENT_DEPTHS: usize = 8;

/// Groups of up to this many entries are copied out of a reused list when they close; larger
/// ones (an `Accounts` group of a million) keep the list they were collected in.
const SMALL_GROUP: usize = 64;

/// A multiply-rotate hash over eight bytes at a time (FxHash's step): names are short, and
/// SipHash, or FNV-1a's byte at a time, cost more than the look-up saves. The names come from
/// the file being parsed, whose author gains nothing by making a look-up slow.
#[derive(Default)]
struct NameHasher(u64);

impl NameHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for NameHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word) ^ ((rest.len() as u64) << 59));
        }
    }
    #[inline]
    fn write_u8(&mut self, byte: u8) {
        self.add(u64::from(byte));
    }
}

impl TreeBuilder {
    /// The entries of the innermost open group.
    fn top(&mut self) -> &mut Vec<(Name, Value)> {
        match self.open.last_mut() {
            Some(group) => &mut group.entries,
            None => &mut self.root,
        }
    }

    /// The name for an entry of the innermost open group (interned below the second level).
    fn name(&mut self, name: Cow<'_, str>) -> Name {
        if self.open.len() < 2 {
            return Name::from(name.as_ref());
        }
        let depth = self.open.len() - 2;
        let position = self.top().len();
        if let Some(recent) = self.recent.get(depth).and_then(|names| names.get(position)) {
            if recent.as_str() == name.as_ref() {
                return recent.clone();
            }
        }
        let shared = match self.names.get(name.as_ref()) {
            Some(known) => known.clone(),
            None => {
                let fresh = Name::from(name.as_ref());
                self.names.insert(fresh.clone());
                fresh
            }
        };
        // Kept for the first levels only: a hostile file nested 100,000 deep gets no list per level.
        if self.recent.len() <= depth && depth < RECENT_DEPTHS {
            self.recent.resize_with(depth + 1, Vec::new);
        }
        if let Some(names) = self.recent.get_mut(depth) {
            // Positions are filled in order: a group's first entry is position 0.
            if let Some(slot) = names.get_mut(position) {
                *slot = shared.clone();
            } else if names.len() == position && position < SMALL_GROUP {
                names.push(shared.clone());
            }
        }
        shared
    }

    /// Closes every open group indented at least as much as a line indented by `indent`.
    fn close_to(&mut self, indent: usize) {
        while self.open.last().is_some_and(|group| group.indent >= indent) {
            if let Some(group) = self.open.pop() {
                let mut entries = group.entries;
                // Sorted in the reused list (no allocation; a file written by sipcfg lists an
                // object's settings before its groups, so most objects do need a sort), then
                // copied out at its exact size.
                crate::value::sort_entries(&mut entries);
                let data = if entries.len() <= SMALL_GROUP {
                    let mut exact = Vec::with_capacity(entries.len());
                    exact.append(&mut entries);
                    self.spare.push(entries);
                    Data::from_sorted(exact)
                } else {
                    entries.shrink_to_fit();
                    Data::from_sorted(entries)
                };
                self.top().push((group.name, Value::Group(data)));
            }
        }
    }

    /// The document: every group still open is closed.
    fn finish(mut self) -> Data {
        self.close_to(0);
        let mut root = self.root;
        crate::value::sort_entries(&mut root);
        root.shrink_to_fit();
        Data::from_sorted(root)
    }

    /// Reads one line (without its `\n`).
    fn line(&mut self, raw_line: &str) -> Result<(), LineError> {
        let line = raw_line.trim_end_matches(is_whitespace);
        let (indent, mut at) = indentation(line);
        match line.as_bytes().get(at) {
            None | Some(b'#') => return Ok(()),
            Some(_) => {}
        }
        let name_start = at;
        let name = read_token(line, &mut at, SEPARATOR)?;
        let found = skip_blank(line, &mut at);
        let separator = match line.as_bytes().get(at) {
            Some(&byte) if CLASSES[usize::from(byte)] & SEPARATOR != 0 => byte,
            _ => return Err((ParseErrorKind::ExpectedSeparator, found)),
        };
        if name.is_empty() {
            return Err((ParseErrorKind::MissingName, name_start));
        }
        at += 1;
        let found = skip_blank(line, &mut at);
        let rest_empty = at >= line.len();
        if separator == b':' {
            if !rest_empty {
                return Err((ParseErrorKind::UnexpectedAfterColon, found));
            }
            self.close_to(indent);
            let name = self.name(name);
            let entries = self.spare.pop().unwrap_or_default();
            self.open.push(OpenGroup {
                indent,
                name,
                entries,
            });
            return Ok(());
        }
        let value = if rest_empty {
            Value::Nothing
        } else {
            read_value(line, at)?
        };
        self.close_to(indent);
        let name = self.name(name);
        self.top().push((name, value));
        Ok(())
    }
}

/// The indentation of a line in characters, and the byte offset of its first other character.
pub(crate) fn indentation(line: &str) -> (usize, usize) {
    let mut chars = 0;
    let mut at = 0;
    while let Some(width) = whitespace_at(line, at) {
        chars += 1;
        at += width;
    }
    (chars, at)
}

/// Skips white space and then a comment. Returns where the white space ended (the first
/// character that is not white space, a `#`, or the end of the line); `at` is left after the
/// comment, at the end of the line, if there was one.
#[inline]
pub(crate) fn skip_blank(line: &str, at: &mut usize) -> usize {
    while let Some(width) = whitespace_at(line, *at) {
        *at += width;
    }
    let found = *at;
    if line.as_bytes().get(found) == Some(&b'#') {
        *at = line.len();
    }
    found
}

/// Reads a value (the text after `=`, from `at`, which is not empty): one string, or a list.
pub(crate) fn read_value(line: &str, mut at: usize) -> Result<Value, LineError> {
    let value_start = at;
    let mut list: Option<Vec<String>> = None;
    let mut single: Option<Cow<'_, str>> = None;
    while at < line.len() {
        let token_start = at;
        let token = read_value_token(line, &mut at)?;
        let token_is_bare_empty = at == token_start;
        skip_blank(line, &mut at);
        if at < line.len() {
            // `read_value_token` stops only at a comma, a comment or the end of the line.
            at += 1;
            skip_blank(line, &mut at);
            if list.is_none() {
                // sipcfg's lossless deviation: a lone bare comma is the empty list (the
                // reference reads it as one empty string, which `""` still gives).
                if token_start == value_start && token_is_bare_empty && at >= line.len() {
                    return Ok(Value::List(Vec::new()));
                }
                // At most one item per comma and one more: sized once (and trimmed below
                // when quoted commas or a trailing comma made it too large).
                let commas = line
                    .as_bytes()
                    .get(value_start..)
                    .map_or(0, |rest| rest.iter().filter(|&&b| b == b',').count());
                list = Some(Vec::with_capacity(commas + 1));
            }
        }
        match &mut list {
            Some(items) => items.push(owned(token)),
            None => single = Some(token),
        }
    }
    Ok(match list {
        Some(mut items) => {
            items.shrink_to_fit();
            Value::List(items)
        }
        None => Value::String(single.map(owned).unwrap_or_default()),
    })
}

/// The token as an exactly sized `String` (a token built from quotes or escapes is collected
/// in a larger buffer).
#[inline]
fn owned(token: Cow<'_, str>) -> String {
    match token {
        Cow::Borrowed(text) => text.to_owned(),
        Cow::Owned(mut text) => {
            text.shrink_to_fit();
            text
        }
    }
}

/// Reads one string of a value (the whole value, or one list item) from `at`: tokens joined by
/// the white space between them, exactly as written, up to an unquoted `,`, an unquoted `#` or
/// the end of the line. White space after the last token is not part of the string; `at` is
/// left on it (or on what ended the string).
///
/// This is where the spec's grammar (`setting2 = value with spaces`) differs from the reference
/// reader, which stops at the first unquoted white space. An unquoted `=` after white space is
/// refused, so that `a = b = c` stays an error rather than the value `b = c`.
pub(crate) fn read_value_token<'a>(
    line: &'a str,
    at: &mut usize,
) -> Result<Cow<'a, str>, LineError> {
    let start = *at;
    let mut token = read_token(line, at, COMMA)?;
    // Whether `token` is the line's text from `start` to `at` (bare text, no quotes or escapes:
    // a borrowed token may also be the inside of one quoted part).
    let mut bare = matches!(token, Cow::Borrowed(text) if text.len() == *at - start);
    loop {
        let gap_start = *at;
        let mut next = gap_start;
        while let Some(width) = whitespace_at(line, next) {
            next += width;
        }
        match line.as_bytes().get(next) {
            // No white space (the token ended at `,`, `#` or the end), or only trailing white
            // space before them: the string is complete.
            _ if next == gap_start => return Ok(token),
            None | Some(b',' | b'#') => return Ok(token),
            Some(b'=') => return Err((ParseErrorKind::UnexpectedAfterValue, next)),
            Some(_) => {}
        }
        let piece_start = next;
        let piece = read_token(line, &mut next, COMMA)?;
        let piece_bare = matches!(piece, Cow::Borrowed(text) if text.len() == next - piece_start);
        token = match (token, piece) {
            // Bare text on both sides: the joined string is the line's own text.
            (Cow::Borrowed(_), Cow::Borrowed(_)) if bare && piece_bare => {
                Cow::Borrowed(line.get(start..next).unwrap_or_default())
            }
            (token, piece) => {
                bare = false;
                let mut joined = token.into_owned();
                joined.push_str(line.get(gap_start..piece_start).unwrap_or_default());
                joined.push_str(&piece);
                Cow::Owned(joined)
            }
        };
        *at = next;
    }
}

/// Reads one token (a name, a string, a list item) from `at`: bare text, quoted parts and
/// escapes, up to an unquoted byte of class `end` (`:`/`=` for names, `,` for values), unquoted
/// white space, an unquoted `#` or the end of the line. `at` is left on what ended the token.
///
/// Text without quotes or backslashes is returned borrowed, without copying.
#[inline]
pub(crate) fn read_token<'a>(
    line: &'a str,
    at: &mut usize,
    end: u8,
) -> Result<Cow<'a, str>, LineError> {
    let start = *at;
    let stops = end | HASH | QUOTE | BACKSLASH;
    let (stop_at, stop) = scan_bare(line, start, stops);
    let special = match stop {
        Stop::Byte(byte) if CLASSES[usize::from(byte)] & (QUOTE | BACKSLASH) != 0 => byte,
        Stop::End | Stop::Whitespace | Stop::Byte(_) => {
            *at = stop_at;
            return Ok(Cow::Borrowed(line.get(start..stop_at).unwrap_or_default()));
        }
    };
    // A token that is one quoted part without escapes (`"User Number 7"`, as the writer quotes
    // most values) is the line's own text between the quotes.
    if stop_at == start && special != b'\\' {
        let inner = start + 1;
        let close = line
            .as_bytes()
            .get(inner..)
            .and_then(|rest| rest.iter().position(|&b| b == special || b == b'\\'))
            .map(|offset| inner + offset);
        if let Some(close) = close.filter(|&close| line.as_bytes().get(close) == Some(&special)) {
            let after = close + 1;
            let (next_stop, next) = scan_bare(line, after, stops);
            let continues = match next {
                Stop::Byte(byte) => CLASSES[usize::from(byte)] & (QUOTE | BACKSLASH) != 0,
                Stop::End | Stop::Whitespace => false,
            };
            if next_stop == after && !continues {
                *at = after;
                return Ok(Cow::Borrowed(line.get(inner..close).unwrap_or_default()));
            }
        }
    }
    // Slow path: quotes or escapes. Copy what was read so far and go on character by character
    // (runs of ordinary characters are still copied at once).
    let mut token = String::with_capacity(line.len().saturating_sub(start).min(256));
    token.push_str(line.get(start..stop_at).unwrap_or_default());
    let mut pos = stop_at;
    let mut next = Some(special);
    loop {
        match next {
            Some(b'\\') => pos = unescape(line, pos, &mut token)?,
            Some(quote @ (b'"' | b'\'')) => pos = read_quoted(line, pos, quote, &mut token)?,
            // The end of the line, white space, `#` or the end byte: the token is complete.
            _ => {
                *at = pos;
                return Ok(Cow::Owned(token));
            }
        }
        let (stop_at, stop) = scan_bare(line, pos, stops);
        token.push_str(line.get(pos..stop_at).unwrap_or_default());
        pos = stop_at;
        next = match stop {
            Stop::Byte(byte) if CLASSES[usize::from(byte)] & (QUOTE | BACKSLASH) != 0 => Some(byte),
            _ => None,
        };
    }
}

/// Reads the escape whose `\` is at `at` into `token`; returns the offset after it.
#[inline]
fn unescape(line: &str, at: usize, token: &mut String) -> Result<usize, LineError> {
    let escaped = line
        .get(at + 1..)
        .and_then(|rest| rest.chars().next())
        .ok_or((ParseErrorKind::BackslashAtEndOfLine, at))?;
    token.push(match escaped {
        'n' => '\n',
        'r' => '\r',
        other => other,
    });
    Ok(at + 1 + escaped.len_utf8())
}

/// Reads the quoted part whose opening `quote` is at `at` into `token`; returns the offset after
/// its closing quote.
fn read_quoted(line: &str, at: usize, quote: u8, token: &mut String) -> Result<usize, LineError> {
    let bytes = line.as_bytes();
    let mut pos = at + 1;
    loop {
        let run_end = bytes
            .get(pos..)
            .and_then(|rest| rest.iter().position(|&b| b == quote || b == b'\\'))
            .map_or(line.len(), |offset| pos + offset);
        token.push_str(line.get(pos..run_end).unwrap_or_default());
        match bytes.get(run_end) {
            None => return Err((ParseErrorKind::MissingEndQuote, at)),
            Some(b'\\') => pos = unescape(line, run_end, token)?,
            Some(_) => return Ok(run_end + 1),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------------

/// A document that cannot be written in this format.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum WriteError {
    /// An entry has an empty name: a line `= value` or `:` would read as a missing name.
    EmptyName {
        /// The names leading to the entry, the last one being its (empty) name.
        path: Vec<String>,
    },
}

impl WriteError {
    /// The names leading to the offending entry, the last one being its own name.
    pub fn path(&self) -> &[String] {
        match self {
            WriteError::EmptyName { path } => path,
        }
    }
}

impl fmt::Display for WriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WriteError::EmptyName { path } => {
                write!(f, "empty name at {:?}", path)
            }
        }
    }
}

impl std::error::Error for WriteError {}

/// Writes a document as configuration text, byte for byte as the reference implementation does
/// (apart from the two lossless deviations described in `docs/file-format.md`).
///
/// Each group lists its settings first, then its sub-groups, each part sorted by name; a
/// sub-group is its `name:` line, its contents indented 4 more spaces, and an empty line. A
/// setting is `name =` (nothing), `name = value` (a string) or `name = a, b` (a list; a
/// one-item list ends with `,`, the empty list is `name = ,`). Names and strings are written
/// bare when they can be, otherwise in double quotes with `\\`, `\"`, `\n` and `\r` escaped.
/// Every line ends with `\n`; an empty document is a single `\n`.
///
/// [`parse`] of the result gives `data` back. The only document that cannot be written is one
/// with an empty name somewhere: [`WriteError::EmptyName`].
pub fn write(data: &Data) -> Result<String, WriteError> {
    let mut out = String::new();
    match write_into(data, &mut out) {
        Ok(()) => Ok(out),
        Err(WriteFailure::Document(error)) => Err(error),
        // Writing into a `String` never fails.
        Err(WriteFailure::Sink) => Ok(out),
    }
}

/// Whether `bytes` are exactly what [`write`] gives for `data` (a document that cannot be
/// written is not). Compared while writing, piece by piece: no text is built, and the first
/// difference ends the comparison.
pub(crate) fn is_written_as(data: &Data, bytes: &[u8]) -> bool {
    let mut compare = Compare { rest: bytes };
    write_into(data, &mut compare).is_ok() && compare.rest.is_empty()
}

/// A sink that compares what is written with the bytes expected next, failing at the first
/// difference.
struct Compare<'a> {
    rest: &'a [u8],
}

impl fmt::Write for Compare<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        match self.rest.strip_prefix(s.as_bytes()) {
            Some(rest) => {
                self.rest = rest;
                Ok(())
            }
            None => Err(fmt::Error),
        }
    }
}

/// Why [`write_into`] stopped.
#[derive(Debug)]
pub(crate) enum WriteFailure {
    /// The document cannot be written (nothing was written past the entry before it).
    Document(WriteError),
    /// The sink refused a piece of text (a comparison found a difference, or an I/O error that
    /// the sink keeps).
    Sink,
}

impl From<fmt::Error> for WriteFailure {
    fn from(_: fmt::Error) -> Self {
        WriteFailure::Sink
    }
}

/// [`write`] into any sink, piece by piece, in the order of the text.
pub(crate) fn write_into<W: fmt::Write + ?Sized>(
    data: &Data,
    out: &mut W,
) -> Result<(), WriteFailure> {
    let mut writer = Writer {
        out,
        wrote: false,
        path: Vec::new(),
    };
    writer.settings(data, 0)?;
    // The sub-groups still to write, one iterator per open group.
    let mut open: Vec<crate::value::Iter<'_>> = vec![data.iter()];
    loop {
        let depth = open.len().saturating_sub(1);
        let Some(groups) = open.last_mut() else { break };
        match groups.find_map(|(name, value)| value.as_group().map(|group| (name, group))) {
            Some((name, group)) => {
                writer.path.push(name);
                if name.is_empty() {
                    return Err(WriteFailure::Document(writer.empty_name()));
                }
                writer.indent(depth)?;
                write_escaped(writer.out, name)?;
                writer.out.write_str(":\n")?;
                writer.settings(group, depth + 1)?;
                open.push(group.iter());
            }
            None => {
                open.pop();
                if writer.path.pop().is_some() {
                    writer.out.write_char('\n')?;
                }
            }
        }
    }
    if !writer.wrote {
        writer.out.write_char('\n')?;
    }
    Ok(())
}

/// Where the writer is in the document, and where its text goes.
struct Writer<'a, 'w, W: fmt::Write + ?Sized> {
    out: &'w mut W,
    /// Whether anything was written (an empty document is a single newline).
    wrote: bool,
    /// The names of the open groups.
    path: Vec<&'a str>,
}

/// Spaces to copy indentation from.
const SPACES: &str = "                                ";

impl<'a, W: fmt::Write + ?Sized> Writer<'a, '_, W> {
    /// The error for an empty name, the last of `self.path`.
    fn empty_name(&self) -> WriteError {
        WriteError::EmptyName {
            path: self.path.iter().map(|&name| name.to_owned()).collect(),
        }
    }

    /// Starts a line at `depth`: its indentation.
    fn indent(&mut self, depth: usize) -> fmt::Result {
        self.wrote = true;
        let mut width = depth.saturating_mul(4);
        while width > 0 {
            let now = width.min(SPACES.len());
            self.out.write_str(SPACES.get(..now).unwrap_or_default())?;
            width -= now;
        }
        Ok(())
    }

    /// Writes the settings (not the sub-groups) of `group`, at `depth`.
    fn settings(&mut self, group: &'a Data, depth: usize) -> Result<(), WriteFailure> {
        for (name, value) in group {
            if matches!(value, Value::Group(_)) {
                continue;
            }
            if name.is_empty() {
                self.path.push(name);
                return Err(WriteFailure::Document(self.empty_name()));
            }
            self.indent(depth)?;
            write_escaped(self.out, name)?;
            if value.is_nothing() {
                self.out.write_str(" =\n")?;
            } else {
                self.out.write_str(" = ")?;
                write_value(self.out, value)?;
                self.out.write_char('\n')?;
            }
        }
        Ok(())
    }
}

/// Writes the text of a setting's value after its `= `: a string, or a list (a one-item list
/// ends with `,`, the empty list is `,`). Nothing and groups write nothing.
pub(crate) fn push_value(out: &mut String, value: &Value) {
    // Writing into a `String` never fails.
    let _ = write_value(out, value);
}

/// [`push_value`] into any sink.
fn write_value<W: fmt::Write + ?Sized>(out: &mut W, value: &Value) -> fmt::Result {
    match value {
        Value::Nothing | Value::Group(_) => Ok(()),
        Value::String(s) => write_escaped(out, s),
        Value::List(items) => match items.as_slice() {
            [] => out.write_char(','),
            [only] => {
                write_escaped(out, only)?;
                out.write_char(',')
            }
            [first, rest @ ..] => {
                write_escaped(out, first)?;
                for item in rest {
                    out.write_str(", ")?;
                    write_escaped(out, item)?;
                }
                Ok(())
            }
        },
    }
}

/// Whether `s` must be quoted: it is empty, or has a character that the reader would not take
/// as part of a bare token.
fn needs_quotes(s: &str) -> bool {
    // A leading U+FEFF would be taken for a byte order mark at the start of the file.
    if s.is_empty() || s.starts_with('\u{feff}') {
        return true;
    }
    let (stop_at, _) = scan_bare(s, 0, QUOTE | BACKSLASH | HASH | SEPARATOR | COMMA);
    stop_at < s.len()
}

/// Writes a name or string, quoted and escaped if it needs to be.
pub(crate) fn push_escaped(out: &mut String, s: &str) {
    out.reserve(s.len() + 2);
    // Writing into a `String` never fails.
    let _ = write_escaped(out, s);
}

/// [`push_escaped`] into any sink.
fn write_escaped<W: fmt::Write + ?Sized>(out: &mut W, s: &str) -> fmt::Result {
    if !needs_quotes(s) {
        return out.write_str(s);
    }
    out.write_char('"')?;
    let mut run_start = 0;
    for (at, byte) in s.bytes().enumerate() {
        let escape = match byte {
            b'\\' => "\\\\",
            b'"' => "\\\"",
            b'\n' => "\\n",
            b'\r' => "\\r",
            _ => continue,
        };
        out.write_str(s.get(run_start..at).unwrap_or_default())?;
        out.write_str(escape)?;
        run_start = at + 1;
    }
    out.write_str(s.get(run_start..).unwrap_or_default())?;
    out.write_char('"')
}

/// The path of the first name or string in `data`, in the order [`write`] writes them, for
/// which `matches` is true: the names of the groups leading to it and its own name.
pub(crate) fn find_in_write_order(
    data: &Data,
    mut matches: impl FnMut(&str) -> bool,
) -> Option<Vec<String>> {
    let mut path: Vec<&str> = Vec::new();
    let mut open: Vec<crate::value::Iter<'_>> = Vec::new();
    let mut current = Some(data);
    loop {
        if let Some(group) = current.take() {
            for (name, value) in group {
                let found = match value {
                    Value::Group(_) => false,
                    Value::Nothing => matches(name),
                    Value::String(s) => matches(name) || matches(s),
                    Value::List(items) => matches(name) || items.iter().any(|item| matches(item)),
                };
                if found {
                    let mut found_path: Vec<String> = path.iter().map(|&n| n.to_owned()).collect();
                    found_path.push(name.to_string());
                    return Some(found_path);
                }
            }
            open.push(group.iter());
        }
        let groups = open.last_mut()?;
        match groups.find_map(|(name, value)| value.as_group().map(|group| (name, group))) {
            Some((name, group)) => {
                path.push(name);
                if matches(name) {
                    return Some(path.iter().map(|&n| n.to_owned()).collect());
                }
                current = Some(group);
            }
            None => {
                open.pop();
                path.pop();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Data {
        match parse(text, Path::new("t.cfg")) {
            Ok(data) => data,
            Err(error) => panic!("{text:?}: {error}"),
        }
    }

    fn err(text: &str) -> (ParseErrorKind, usize, usize) {
        match parse(text, Path::new("t.cfg")) {
            Ok(data) => panic!("{text:?} parsed as {data:?}"),
            Err(e) => (e.kind, e.line, e.column),
        }
    }

    fn value(text: &str) -> Value {
        let data = p(text);
        data.get("a")
            .cloned()
            .unwrap_or_else(|| panic!("{text:?}: no `a` in {data:?}"))
    }

    fn s(text: &str) -> Value {
        Value::from(text)
    }

    fn l(items: &[&str]) -> Value {
        Value::from(items.to_vec())
    }

    use ParseErrorKind::*;

    #[test]
    fn a_name_starting_with_u_feff_is_quoted_so_it_is_not_taken_for_a_bom() {
        let mut data = Data::new();
        data.insert("\u{feff}x", Value::Nothing);
        let written = write(&data).unwrap();
        assert_eq!(written, "\"\u{feff}x\" =\n");
        assert_eq!(
            parse_bytes(written.as_bytes(), Encoding::UTF_8, Path::new("c")).unwrap(),
            data
        );
    }

    #[test]
    fn a_utf8_byte_order_mark_is_skipped() {
        let data = parse_bytes(
            b"\xEF\xBB\xBFg:\n    a = 1\n",
            Encoding::UTF_8,
            Path::new("c"),
        )
        .unwrap();
        assert_eq!(data.get_path(&["g", "a"]), Some(&Value::from("1")));
    }

    #[test]
    fn whitespace_classes_cover_every_whitespace_character() {
        for c in (0..=0x10ffff).filter_map(char::from_u32) {
            let mut buf = [0u8; 4];
            let encoded = c.encode_utf8(&mut buf);
            assert_eq!(
                whitespace_at(encoded, 0).is_some(),
                is_whitespace(c),
                "{c:?}"
            );
            if is_whitespace(c) {
                assert_eq!(whitespace_at(encoded, 0), Some(c.len_utf8()));
            }
        }
        assert!(is_whitespace('\u{1c}') && is_whitespace('\u{1f}') && is_whitespace('\u{a0}'));
        assert!(!is_whitespace('\u{1b}') && !is_whitespace('\0') && !is_whitespace('\u{feff}'));
    }

    #[test]
    fn blank_lines_and_comments_are_ignored() {
        assert_eq!(p(""), Data::new());
        assert_eq!(
            p("\n\n   \n\t\r\n# comment\n   # indented comment\n"),
            Data::new()
        );
        assert_eq!(p("\u{a0}\u{2028}\u{1f}\n"), Data::new());
    }

    #[test]
    fn settings_and_kinds_of_values() {
        assert_eq!(value("a ="), Value::Nothing);
        assert_eq!(value("a =   # comment"), Value::Nothing);
        assert_eq!(value("a=1"), s("1"));
        assert_eq!(value("  a   =   1   "), s("1"));
        assert_eq!(value("a = \"\""), s(""));
        assert_eq!(value("a = ''"), s(""));
        assert_eq!(value("a = x # comment"), s("x"));
        assert_eq!(value("a = x#comment"), s("x"));
        assert_eq!(value("a = b=c"), s("b=c"));
        assert_eq!(value("a = sip:x@y:5060"), s("sip:x@y:5060"));
        assert_eq!(value("a = x\r"), s("x"));
        assert_eq!(value("a = x\0y"), s("x\0y"));
    }

    #[test]
    fn lists() {
        assert_eq!(value("a = x,"), l(&["x"]));
        assert_eq!(value("a = x ,  "), l(&["x"]));
        assert_eq!(value("a = x, y"), l(&["x", "y"]));
        assert_eq!(value("a = x,y,"), l(&["x", "y"]));
        assert_eq!(value("a = x,,y"), l(&["x", "", "y"]));
        assert_eq!(value("a = \"\","), l(&[""]));
        assert_eq!(value("a = '',''"), l(&["", ""]));
        assert_eq!(value("a = ,,"), l(&["", ""]));
        assert_eq!(value("a = x, # c"), l(&["x"]));
        assert_eq!(value("a = \"a,b\", 'c d', e"), l(&["a,b", "c d", "e"]));
        assert_eq!(value("a = x\\,y"), s("x,y"));
    }

    #[test]
    fn a_lone_bare_comma_is_the_empty_list() {
        assert_eq!(value("a = ,"), l(&[]));
        assert_eq!(value("a=,"), l(&[]));
        assert_eq!(value("a =   ,   # comment"), l(&[]));
        assert_eq!(value("a = \"\","), l(&[""]));
        assert_eq!(value("a = , x"), l(&["", "x"]));
    }

    #[test]
    fn quoting_and_escapes() {
        assert_eq!(value("a = \"x y\""), s("x y"));
        assert_eq!(value("a = 'x y'"), s("x y"));
        assert_eq!(value("a = 'it''s'"), s("its"));
        assert_eq!(value("a = ab\"c d\"ef"), s("abc def"));
        assert_eq!(value("a = \"it's\""), s("it's"));
        assert_eq!(value("a = 'say \"hi\"'"), s("say \"hi\""));
        assert_eq!(value("a = \"a\\\"b\""), s("a\"b"));
        assert_eq!(value("a = 'a\\'b'"), s("a'b"));
        assert_eq!(value("a = \"C:\\\\dir\""), s("C:\\dir"));
        assert_eq!(value("a = a\\ b"), s("a b"));
        assert_eq!(value("a = \"l1\\nl2\\rend\""), s("l1\nl2\rend"));
        assert_eq!(value("a = l1\\nl2"), s("l1\nl2"));
        assert_eq!(value("a = \"a\\tb\""), s("atb"));
        assert_eq!(value("a = \\é"), s("é"));
        assert_eq!(value("a = \"#x\""), s("#x"));
        assert_eq!(value("a = \"  padded  \""), s("  padded  "));
        assert_eq!(value("a = \"\u{a0}\""), s("\u{a0}"));
        assert_eq!(p("\"quoted name\" = v").get("quoted name"), Some(&s("v")));
        assert_eq!(p("'odd:name=' = w").get("odd:name="), Some(&s("w")));
        assert_eq!(p("a,b = w").get("a,b"), Some(&s("w")));
        assert_eq!(p("x\\ y = w").get("x y"), Some(&s("w")));
    }

    #[test]
    fn quoted_tokens_next_to_other_text_and_exact_sizes() {
        assert_eq!(value("a = \"x\"y"), s("xy"));
        assert_eq!(value("a = \"x\"'y'"), s("xy"));
        assert_eq!(value("a = \"x\"\\ y"), s("x y"));
        assert_eq!(value("a = \"x\" y"), s("x y"));
        assert_eq!(value("a = x \"y\""), s("x y"));
        assert_eq!(value("a = \"x,y\", \"z\"  # c"), l(&["x,y", "z"]));
        assert_eq!(p("\"n m\"\"o\" = 1").get("n mo"), Some(&s("1")));
        assert_eq!(err("a = \"x\"\"y"), (MissingEndQuote, 1, 8));
        // Values hold no spare capacity: one allocation of the exact size each.
        let data = p("a = \"User Number 1\"\nb = x, \"y:1\",\nc = 'a\\nb', q\nd = x,\n");
        let exact = |text: &String| text.capacity() == text.len();
        match data.get("a") {
            Some(Value::String(text)) => assert!(exact(text)),
            other => panic!("{other:?}"),
        }
        for name in ["b", "c", "d"] {
            match data.get(name) {
                Some(Value::List(items)) => {
                    assert_eq!(items.capacity(), items.len(), "{name}");
                    assert!(items.iter().all(exact), "{name}");
                }
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn unicode_white_space_separates_tokens() {
        assert_eq!(value("a\u{a0}=\u{2028}x\u{3000}"), s("x"));
        assert_eq!(value("a = x\u{1f},\u{85}y"), l(&["x", "y"]));
        // Inside a value, any white space between tokens is kept as written.
        assert_eq!(value("a = x\u{a0}y\u{3000}"), s("x\u{a0}y"));
        // Non-white-space characters starting with the same bytes are ordinary.
        assert_eq!(
            value("a = x\u{a9}\u{2030}\u{3001}"),
            s("x\u{a9}\u{2030}\u{3001}")
        );
    }

    #[test]
    fn groups_and_indentation() {
        let data = p("g:\n  a = 1\n      b = 2\n  sub:\n\tx = 3\n  sub2:\n    deep:\n     y = 4\n   z = 5\nq = 6\n");
        let expected = Data::from_iter([
            (
                "g",
                Value::Group(Data::from_iter([
                    ("a", s("1")),
                    ("b", s("2")),
                    ("sub", Value::Group(Data::new())),
                    (
                        "sub2",
                        Value::Group(Data::from_iter([
                            ("deep", Value::Group(Data::from_iter([("y", s("4"))]))),
                            ("z", s("5")),
                        ])),
                    ),
                    ("x", s("3")),
                ])),
            ),
            ("q", s("6")),
        ]);
        assert_eq!(data, expected);
        assert_eq!(p("g:  # c\n").get("g"), Some(&Value::Group(Data::new())));
        assert_eq!(p("g:\n# c\n  a = 1").get_path(&["g", "a"]), Some(&s("1")));
        // Unicode white space indents too, one per character.
        assert_eq!(p("g:\n\u{3000}a = 1").get_path(&["g", "a"]), Some(&s("1")));
    }

    #[test]
    fn the_later_of_repeated_names_wins() {
        assert_eq!(p("a = 1\na = 2").get("a"), Some(&s("2")));
        assert_eq!(p("g:\n  x = 1\ng = s").get("g"), Some(&s("s")));
        assert_eq!(p("g = s\ng:\n  x = 1").get_path(&["g", "x"]), Some(&s("1")));
        let data = p("g:\n  x = 1\ng:\n  y = 2\n");
        assert_eq!(
            data.get("g"),
            Some(&Value::Group(Data::from_iter([("y", s("2"))])))
        );
        assert_eq!(
            p("g:\n  s:\n    x = 1\n  s = 2").get_path(&["g", "s"]),
            Some(&s("2"))
        );
    }

    #[test]
    fn missing_end_quote() {
        assert_eq!(err("a = 1\na = \"abc"), (MissingEndQuote, 2, 5));
        assert_eq!(err("a = 'abc\""), (MissingEndQuote, 1, 5));
        assert_eq!(err("a = x, y\"z"), (MissingEndQuote, 1, 9));
        assert_eq!(err("\"name = 1"), (MissingEndQuote, 1, 1));
        assert_eq!(err("  é'name = 1"), (MissingEndQuote, 1, 4));
    }

    #[test]
    fn backslash_at_end_of_line() {
        assert_eq!(err("a = abc\\"), (BackslashAtEndOfLine, 1, 8));
        assert_eq!(err("\na = abc\\   \r"), (BackslashAtEndOfLine, 2, 8));
        assert_eq!(err("a = \"abc\\"), (BackslashAtEndOfLine, 1, 9));
        assert_eq!(err("ab\\"), (BackslashAtEndOfLine, 1, 3));
    }

    #[test]
    fn expected_separator() {
        assert_eq!(err("a = 1\njustaword"), (ExpectedSeparator, 2, 10));
        assert_eq!(err("g:\n    two words = 1"), (ExpectedSeparator, 2, 9));
        assert_eq!(err("a#b = c"), (ExpectedSeparator, 1, 2));
        assert_eq!(err("a # = c"), (ExpectedSeparator, 1, 3));
        assert_eq!(err("\"\" # = c"), (ExpectedSeparator, 1, 4));
        assert_eq!(err("é  ü"), (ExpectedSeparator, 1, 4));
    }

    #[test]
    fn missing_name() {
        assert_eq!(err("a = 1\n= value"), (MissingName, 2, 1));
        assert_eq!(err("\"\" = value"), (MissingName, 1, 1));
        assert_eq!(err("   '' : "), (MissingName, 1, 4));
        assert_eq!(err(":"), (MissingName, 1, 1));
    }

    #[test]
    fn unexpected_after_colon() {
        assert_eq!(
            err("a = 1\nb = 2\ngroup: value"),
            (UnexpectedAfterColon, 3, 8)
        );
        assert_eq!(err("g::"), (UnexpectedAfterColon, 1, 3));
        assert_eq!(err("g: = x"), (UnexpectedAfterColon, 1, 4));
    }

    #[test]
    fn values_keep_inner_white_space() {
        assert_eq!(value("a = value with spaces"), s("value with spaces"));
        assert_eq!(value("a =   two  spaces   "), s("two  spaces"));
        assert_eq!(value("a = two  spaces , x"), l(&["two  spaces", "x"]));
        assert_eq!(value("a = x, y z"), l(&["x", "y z"]));
        assert_eq!(value("a = b \"c\" d"), s("b c d"));
        assert_eq!(value("a = \"x\" \"y\""), s("x y"));
        assert_eq!(value("a = \" x \"  'y'  # c"), s(" x   y"));
        assert_eq!(value("a = é ü\t\tö"), s("é ü\t\tö"));
        assert_eq!(value("a = b c\\, d"), s("b c, d"));
        assert_eq!(value("a = b c# no space before the comment"), s("b c"));
        assert_eq!(value("a = b=c d"), s("b=c d"));
        assert_eq!(value("a = b c,  d e  ,f"), l(&["b c", "d e", "f"]));
    }

    #[test]
    fn unexpected_equals_in_value() {
        assert_eq!(err("x = 1\na = b = c"), (UnexpectedAfterValue, 2, 7));
        assert_eq!(err("a = b c =d"), (UnexpectedAfterValue, 1, 9));
        assert_eq!(err("a = x, y = z"), (UnexpectedAfterValue, 1, 10));
    }

    #[test]
    fn invalid_encoding_names_line_and_column() {
        let path = Path::new("t.cfg");
        let e = parse_bytes(b"a = 1\nb = caf\xe9\n", Encoding::UTF_8, path).unwrap_err();
        assert_eq!((e.line, e.column), (2, 8));
        assert_eq!(e.kind, InvalidEncoding { encoding: "UTF-8" });
        let e = parse_bytes("é = \u{ff}".as_bytes(), Encoding::UTF_8, path);
        assert!(e.is_ok(), "U+00FF as UTF-8 is fine");
        let e = parse_bytes(b"x\n\xc3", Encoding::UTF_8, path).unwrap_err();
        assert_eq!((e.line, e.column), (2, 1));
        let e = parse_bytes(b"a = \xc3\xbc\xF0\x9F\n", Encoding::UTF_8, path).unwrap_err();
        assert_eq!((e.line, e.column), (1, 6));

        // Shift_JIS: a lead byte without its trail byte.
        let sjis = Encoding::for_label("shift_jis").unwrap();
        let e = parse_bytes(b"a = 1\nb = \x82\xa0\x82\n", sjis, path).unwrap_err();
        assert_eq!((e.line, e.column), (2, 6));
        assert_eq!(
            e.kind,
            InvalidEncoding {
                encoding: "Shift_JIS"
            }
        );
        let data = parse_bytes(b"a = \x82\xa0\n", sjis, path).unwrap();
        assert_eq!(data.get("a"), Some(&s("\u{3042}")));
        // ISO-8859-3 leaves some bytes unassigned.
        let latin3 = Encoding::for_label("iso-8859-3").unwrap();
        let e = parse_bytes(b"a = 1\n\n  b = x\xa5\n", latin3, path).unwrap_err();
        assert_eq!((e.line, e.column), (3, 8));
    }

    #[test]
    fn nul_bytes_and_control_characters_are_ordinary() {
        let data = p("\0a\x01 = \0,\x7f\x1b");
        assert_eq!(data.get("\0a\x01"), Some(&l(&["\0", "\x7f\x1b"])));
    }

    #[test]
    fn writes_like_the_reference() {
        let mut data = Data::new();
        data.insert("b", "x");
        data.insert("a", "y");
        data.insert("n", Value::Nothing);
        data.insert("e", "");
        data.insert("l0", Value::List(vec![]));
        data.insert("l1", vec!["x"]);
        data.insert("l2", vec!["x", "", "a b"]);
        let mut inner = Data::new();
        inner.insert("k", "v");
        let mut grp = Data::new();
        grp.insert("inner", inner);
        grp.insert("z", "1");
        data.insert("grp", grp);
        data.insert("aaa", Data::new());
        assert_eq!(
            write(&data).unwrap(),
            "a = y\nb = x\ne = \"\"\nl0 = ,\nl1 = x,\nl2 = x, \"\", \"a b\"\nn =\n\
             aaa:\n\ngrp:\n    z = 1\n    inner:\n        k = v\n\n\n"
        );
        assert_eq!(write(&Data::new()).unwrap(), "\n");
        assert_eq!(p(&write(&data).unwrap()), data);
    }

    #[test]
    fn writer_escaping() {
        let cases = [
            ("plain", "plain"),
            ("", "\"\""),
            ("a b", "\"a b\""),
            ("a\\b", "\"a\\\\b\""),
            ("a\"b", "\"a\\\"b\""),
            ("it's", "\"it's\""),
            ("a\nb\rc", "\"a\\nb\\rc\""),
            ("a\tb", "\"a\tb\""),
            ("a\u{b}b", "\"a\u{b}b\""),
            ("x\u{1f}y", "\"x\u{1f}y\""),
            ("x\u{a0}y", "\"x\u{a0}y\""),
            ("x\u{2028}y", "\"x\u{2028}y\""),
            ("x\u{1}y", "x\u{1}y"),
            ("x\0y", "x\0y"),
            ("#x", "\"#x\""),
            ("a=b", "\"a=b\""),
            ("sip:a@b", "\"sip:a@b\""),
            ("a,b", "\"a,b\""),
            ("café☃", "café☃"),
        ];
        for (raw, written) in cases {
            let mut out = String::new();
            push_escaped(&mut out, raw);
            assert_eq!(out, written, "{raw:?}");
            let data = Data::from_iter([(raw, raw)]);
            if !raw.is_empty() {
                assert_eq!(p(&write(&data).unwrap()), data, "{raw:?}");
            }
        }
    }

    #[test]
    fn empty_names_cannot_be_written() {
        let data = Data::from_iter([("", "x")]);
        assert_eq!(
            write(&data),
            Err(WriteError::EmptyName {
                path: vec![String::new()]
            })
        );
        let mut g = Data::new();
        g.insert("ok", "1");
        g.insert("h", Data::from_iter([("", Value::Nothing)]));
        let data = Data::from_iter([("g", g)]);
        let error = write(&data).unwrap_err();
        assert_eq!(error.path(), ["g", "h", ""]);
        assert_eq!(error.to_string(), "empty name at [\"g\", \"h\", \"\"]");
        let data = Data::from_iter([("g", Data::from_iter([("", Data::new())]))]);
        assert_eq!(write(&data).unwrap_err().path(), ["g", ""]);
    }

    #[test]
    fn find_in_write_order_visits_settings_before_groups() {
        let mut data = Data::new();
        data.insert("a", Data::from_iter([("x", "hit")]));
        data.insert("b", "hit");
        assert_eq!(
            find_in_write_order(&data, |s| s == "hit"),
            Some(vec!["b".to_string()])
        );
        data.remove("b");
        assert_eq!(
            find_in_write_order(&data, |s| s == "hit"),
            Some(vec!["a".to_string(), "x".to_string()])
        );
        assert_eq!(
            find_in_write_order(&data, |s| s == "a"),
            Some(vec!["a".to_string()])
        );
        assert_eq!(find_in_write_order(&data, |s| s == "zz"), None);
        data.insert("c", vec!["p", "hit2"]);
        assert_eq!(
            find_in_write_order(&data, |s| s == "hit2"),
            Some(vec!["c".to_string()])
        );
    }

    #[test]
    fn deep_nesting_is_read_and_written_without_recursion() {
        // A small stack: any recursion over the 3,000 levels would overflow it.
        let handle = std::thread::Builder::new()
            .stack_size(64 * 1024)
            .spawn(|| {
                let depth = 3_000;
                let mut text = String::new();
                for level in 0..depth {
                    text.push_str(&" ".repeat(level));
                    text.push_str("g:\n");
                }
                text.push_str(&" ".repeat(depth));
                text.push_str("leaf = x\n");
                let data = p(&text);
                assert_eq!(data.depth(), depth);
                let written = write(&data).unwrap();
                assert_eq!(p(&written), data);
            })
            .unwrap();
        handle.join().unwrap();
    }
}
