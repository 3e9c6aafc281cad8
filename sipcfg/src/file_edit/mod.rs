//! Saving by editing the text of a configuration file: what a person wrote by hand (comments,
//! blank lines, indentation, quoting, order) survives a save.
//!
//! [`rewrite`] takes the text of the file as it is and the document to store, and changes only
//! the lines of the settings that differ:
//!
//! - a setting whose value changed keeps its line; only the value is rewritten, in the canonical
//!   form of [`write`](crate::file_format::write) (its name, the spaces around `=` and a comment
//!   after the value stay);
//! - a removed setting or group loses its lines, together with the comment lines directly above
//!   it (no blank line between them, indented no more than it) and, for a group, everything
//!   inside it: the comment lines after its last entry that are indented more than its header,
//!   and the blank lines that close it in the canonical layout (one per group ending there),
//!   sparing one for each enclosing group that ends with it;
//! - a new setting or group is written in canonical form into its group, at its place in the
//!   writer's order (settings before groups, each by name): right after the entry that sorts
//!   just before it if that is of its kind (a setting after a setting, a group after a group),
//!   otherwise before the entry that sorts just after it (and the comments above that one), or
//!   else after the group's last entry; it is indented like that neighbour (deeper levels of a
//!   new group add 4 spaces each; into an empty group, 4 spaces more than its header);
//! - a name that changes between a setting and a group is removed and added anew;
//! - a name written more than once (the later one counts when reading) keeps all its lines while
//!   it stays what it is; when it goes or changes kind, all of them go;
//! - everything else is kept byte for byte, including a UTF-8 byte order mark (U+FEFF at the
//!   start of the text) and the line endings: new lines end like the first line of the file
//!   (`\r\n` or `\n`), and a last line without a line ending keeps it so unless something is
//!   added after it.
//!
//! A text of 4 GiB or more is replaced by the canonical text too (the edit numbers lines and
//! offsets in 4 bytes; a backend refuses such files long before: 256 MiB by default).
//!
//! A text holding only white space (or nothing) is replaced by the canonical text, so a file
//! written by [`write`](crate::file_format::write) is edited into exactly what `write` gives for
//! the new document: files written by the reference or by sipcfg keep their bytes.
//!
//! ```
//! use std::path::Path;
//! use sipcfg::{file_edit, file_format, Data, Value};
//!
//! let original = "\
//! ## My SIP account
//! Account:
//!     display_name = Alice      # shown to callees
//!     ## the old server: proxy = sip:old.example.com
//!     enabled = true
//! ";
//! let mut new = file_format::parse(original, Path::new("config")).unwrap();
//! let account = new.group_mut("Account").unwrap();
//! account.insert("display_name", "Alice Example");
//! account.insert("auth", Data::from_iter([("username", "alice")]));
//!
//! let edited = file_edit::rewrite(original, Path::new("config"), &new).unwrap();
//! assert_eq!(edited, "\
//! ## My SIP account
//! Account:
//!     display_name = \"Alice Example\"      # shown to callees
//!     ## the old server: proxy = sip:old.example.com
//!     enabled = true
//!     auth:
//!         username = alice
//!
//! ");
//! assert_eq!(file_format::parse(&edited, Path::new("config")).unwrap(), new);
//! ```
//!
//! Nothing here recurses over the nesting of the file or the document.

use std::borrow::Cow;
use std::cmp::Reverse;
use std::fmt;
use std::path::Path;

use crate::file_format::{self, WriteError, SEPARATOR};
use crate::{Data, ParseError, ParseErrorKind, Value};

#[cfg(test)]
mod oracle;
#[cfg(test)]
mod tests;

/// Why [`rewrite`] could not give the new text.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum EditError {
    /// The original text is not valid configuration syntax: nothing of it can be kept safely,
    /// and writing over it would lose what the person meant. The caller refuses the save.
    Unreadable(ParseError),
    /// The new document cannot be written (an empty name).
    Unwritable(WriteError),
}

impl fmt::Display for EditError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EditError::Unreadable(error) => write!(f, "cannot edit the file: {error}"),
            EditError::Unwritable(error) => write!(f, "cannot write the document: {error}"),
        }
    }
}

impl std::error::Error for EditError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            EditError::Unreadable(error) => Some(error),
            EditError::Unwritable(error) => Some(error),
        }
    }
}

impl From<ParseError> for EditError {
    fn from(error: ParseError) -> Self {
        EditError::Unreadable(error)
    }
}

impl From<WriteError> for EditError {
    fn from(error: WriteError) -> Self {
        EditError::Unwritable(error)
    }
}

/// The text of `original` edited so that it describes `new`, keeping everything of `original`
/// that still does (see the [module documentation](self)).
///
/// `original` is the file's text as decoded (it may start with a byte order mark, U+FEFF,
/// which is kept); `path` only names the file in errors. Reading the result (without its byte
/// order mark) with [`parse`](crate::file_format::parse) always gives `new`; a text written by
/// [`write`](crate::file_format::write) becomes exactly `write(new)`.
///
/// Errors: [`EditError::Unreadable`] if `original` does not parse (with the line and column,
/// as [`parse`](crate::file_format::parse) reports them), [`EditError::Unwritable`] if `new`
/// has an empty name (the same error as `write`).
pub fn rewrite(original: &str, path: &Path, new: &Data) -> Result<String, EditError> {
    let (bom, body) = match original.strip_prefix('\u{feff}') {
        Some(rest) => ("\u{feff}", rest),
        None => ("", original),
    };
    // The byte order mark is written first into the edited text's own buffer: no copy of the
    // whole text to put it in front.
    let edited = edit_after(bom, body, path, new)?;
    // The edit is built to read back as `new`, which the property tests check on random
    // documents and layouts. Debug builds (every test run) also check every edit, and store
    // the canonical text rather than a wrong document should one ever fail; release builds
    // skip the second parse, which would double the cost of a save.
    if cfg!(debug_assertions) {
        let read = file_format::parse(edited.get(bom.len()..).unwrap_or_default(), path);
        if !matches!(read, Ok(read) if read == *new) {
            return Ok(prefixed(bom, file_format::write(new)?));
        }
    }
    Ok(edited)
}

/// `text` after `prefix` (`text` itself when there is none).
fn prefixed(prefix: &str, text: String) -> String {
    if prefix.is_empty() {
        return text;
    }
    let mut out = String::with_capacity(prefix.len() + text.len());
    out.push_str(prefix);
    out.push_str(&text);
    out
}

/// The edit itself, on a text without a byte order mark (no safety net).
#[cfg(test)]
fn edit(text: &str, path: &Path, new: &Data) -> Result<String, EditError> {
    edit_after("", text, path, new)
}

/// The edit of `text` (without a byte order mark; no safety net), written after `prefix` (the
/// byte order mark) in the same buffer.
///
/// The file is read once, line by line, for its errors, what each line is and where each group
/// ends; a group's entries are read again from its lines (skipping its sub-groups' lines) only
/// when the edit comes to it, and replaced by the next group's: what is held besides the text
/// is the line and group tables and the entries of one group, not every entry of the file.
fn edit_after(prefix: &str, text: &str, path: &Path, new: &Data) -> Result<String, EditError> {
    check_names(new)?;
    if small(text.len()) == SMALL_NONE {
        // Beyond what the tables number (4 GiB, far beyond a backend's size limit): the
        // canonical text, with the file's line endings.
        let newline = match text.split('\n').next() {
            Some(first) if first.ends_with('\r') => "\r\n",
            _ => "\n",
        };
        return Ok(prefixed(
            prefix,
            with_newline(&file_format::write(new)?, newline),
        ));
    }
    let file = FileLines::read(text, path)?;
    let newline = match file.lines.first() {
        Some(line) if line.ending(text) == "\r\n" => "\r\n",
        _ => "\n",
    };
    if file.blank {
        return Ok(prefixed(
            prefix,
            with_newline(&file_format::write(new)?, newline),
        ));
    }
    let mut entries = Vec::new();
    let mut edits = Edits {
        deleted: vec![false; file.lines.len()],
        replaced: Vec::new(),
        inserts: Vec::new(),
        newline,
    };
    {
        // The groups still to edit, in the order of the whole-file edit this replaced (a
        // stack: a group's kept sub-groups are pushed in file order and edited last first), so
        // that new lines at one place keep their order.
        let mut stack: Vec<(GroupAt, &Data, usize)> = vec![(GroupAt::TOP, new, 0)];
        let mut scratch = Scratch::default();
        while let Some((group, data, depth)) = stack.pop() {
            file.read_group(&group, &mut entries, path)?;
            edit_group(
                &file,
                &entries,
                &mut edits,
                &group,
                data,
                depth,
                &mut stack,
                &mut scratch,
            )?;
        }
    }
    // Only the lines' count is needed to build the new text: the tables are freed first.
    let count = file.lines.len();
    drop(entries);
    drop(file);
    Ok(edits.apply(prefix, text, count))
}

/// Fails like [`write`](crate::file_format::write) for the first empty name, in the order it
/// writes: a group's settings, then its sub-groups.
fn check_names(data: &Data) -> Result<(), WriteError> {
    let mut stack: Vec<(&Data, Vec<String>)> = vec![(data, Vec::new())];
    while let Some((group, path)) = stack.pop() {
        let empty_name = |mut path: Vec<String>| {
            path.push(String::new());
            WriteError::EmptyName { path }
        };
        if group
            .iter()
            .any(|(name, value)| name.is_empty() && !matches!(value, Value::Group(_)))
        {
            return Err(empty_name(path));
        }
        // Pushed in reverse so that the first sub-group is checked first.
        let groups: Vec<_> = group
            .iter()
            .filter_map(|(name, value)| value.as_group().map(|sub| (name, sub)))
            .collect();
        if groups.iter().any(|(name, _)| name.is_empty()) {
            return Err(empty_name(path));
        }
        for (name, sub) in groups.into_iter().rev() {
            let mut sub_path = path.clone();
            sub_path.push(name.to_string());
            stack.push((sub, sub_path));
        }
    }
    Ok(())
}

/// `text` (lines ending with `\n`) with every `\n` made `newline`.
fn with_newline(text: &str, newline: &str) -> String {
    if newline == "\n" {
        text.to_owned()
    } else {
        text.replace('\n', newline)
    }
}

// ---------------------------------------------------------------------------------------------
// The file as lines, and the entries of one group
// ---------------------------------------------------------------------------------------------

/// No line: the top level has no header.
const NONE: usize = usize::MAX;

/// A line number or a byte offset, as the tables keep it: 4 bytes (a file of 100,000 accounts
/// has 1.2 million lines). Texts of 4 GiB or more are not edited (see [`edit`]), so every
/// number fits.
type Small = u32;

/// A number that does not fit in [`Small`].
const SMALL_NONE: Small = Small::MAX;

/// A number for the tables ([`SMALL_NONE`] if it does not fit).
fn small(value: usize) -> Small {
    Small::try_from(value).unwrap_or(SMALL_NONE)
}

/// One line of the original text: where it is. A file has as many as it has lines: 8 bytes
/// each.
struct Line {
    /// The byte offsets of the line in the text, without its line ending.
    start: Small,
    end: Small,
}

impl Line {
    /// The line starting at byte `start` of `text` (which is before the end of `text`), and
    /// where the next one starts.
    fn at(text: &str, start: usize) -> (Line, usize) {
        let rest = text.get(start..).unwrap_or_default();
        let (length, next) = match rest.find('\n') {
            Some(at) => {
                let line = rest.get(..at).unwrap_or_default();
                (
                    line.strip_suffix('\r').unwrap_or(line).len(),
                    start + at + 1,
                )
            }
            None => (rest.len(), text.len()),
        };
        let line = Line {
            start: small(start),
            end: small(start + length),
        };
        (line, next)
    }

    /// The line without its line ending.
    fn text<'a>(&self, source: &'a str) -> &'a str {
        source
            .get(self.start as usize..self.end as usize)
            .unwrap_or_default()
    }

    /// `"\n"`, `"\r\n"`, or `""` for a last line without one.
    fn ending(&self, source: &str) -> &'static str {
        match source.as_bytes().get(self.end as usize..) {
            Some([b'\n', ..]) => "\n",
            Some([b'\r', b'\n', ..]) => "\r\n",
            _ => "",
        }
    }

    /// What the line is, as [`classify`] would find (without reading an entry).
    fn shape(&self, source: &str) -> Shape {
        let text = self.text(source);
        let (indent, at) = file_format::indentation(text);
        match text.as_bytes().get(at) {
            None => Shape::Blank,
            Some(b'#') => Shape::Comment { indent },
            Some(_) => Shape::Entry,
        }
    }
}

/// What a line is.
enum Shape {
    /// Nothing but white space.
    Blank,
    /// A comment, indented by `indent` characters.
    Comment { indent: usize },
    /// A setting or a group header.
    Entry,
}

/// What a line is as [`classify`] read it, in two bytes a line kept for the whole edit (the
/// groups are read again from them without reading their deeper entries' names and values, or
/// measuring their indentation again): [`LineKind::OTHER`] for a blank or comment line, else an
/// entry's indentation (up to [`LineKind::WIDE`]) and whether it is a group header.
#[derive(Clone, Copy, PartialEq, Eq)]
struct LineKind(u16);

impl LineKind {
    /// A blank line or a comment.
    const OTHER: LineKind = LineKind(u16::MAX);

    /// The indentation kept from here on means "this much or more": measured again.
    const WIDE: usize = 0x3fff;

    fn entry(indent: usize, is_group: bool) -> LineKind {
        let indent = indent.min(Self::WIDE) as u16;
        LineKind((indent << 1) | u16::from(is_group))
    }

    /// An entry's indentation (as kept: [`WIDE`](Self::WIDE) or more is `WIDE`) and whether it
    /// is a group header; `None` for a blank or comment line.
    fn entry_parts(self) -> Option<(usize, bool)> {
        (self != Self::OTHER).then_some((usize::from(self.0 >> 1), self.0 & 1 == 1))
    }
}

/// A setting or group of the group being edited (including the earlier of repeated names,
/// which reading ignores). Only the entries of one group are kept at a time.
struct Entry<'a> {
    /// Borrowed from the line unless it was quoted or escaped.
    name: Cow<'a, str>,
    /// The line of the setting or group header.
    line: Small,
    /// The indentation in characters (what nesting is decided on).
    indent: Small,
    kind: Kind,
    /// The last line that is neither blank nor a comment, of the entry and all it contains.
    last_line: Small,
}

impl Entry<'_> {
    fn is_group(&self) -> bool {
        matches!(self.kind, Kind::Group { .. })
    }
}

/// A setting (where its value is on its line) or a group.
enum Kind {
    Setting {
        /// The setting has no value (it is nothing).
        nothing: bool,
        /// The byte offset of the `=`.
        equals: Small,
        /// The value's text, from its first to its last character (empty just after the `=`
        /// for nothing); a comment and white space after it are not part of it.
        start: Small,
        end: Small,
    },
    Group {
        /// The blank lines that close it in the canonical layout (1, plus those of its last
        /// entry if that is a group).
        closing: Small,
    },
}

/// A group of the file, as the edit of its parent found it.
struct GroupAt {
    /// The line of its header ([`NONE`] for the top level).
    line: usize,
    /// The indentation of its header in characters.
    indent: usize,
    /// How many groups (not the top level) end with it: it is their last entry, directly or
    /// through their last entries.
    ending: usize,
}

impl GroupAt {
    /// The file's top level.
    const TOP: GroupAt = GroupAt {
        line: NONE,
        indent: 0,
        ending: 0,
    };

    fn is_top(&self) -> bool {
        self.line == NONE
    }
}

/// Where a group of the file ends: found once for every group by [`FileLines::read`], so that
/// reading a group's entries skips its sub-groups' lines (12 bytes a group).
struct Span {
    /// The line of the group's header.
    line: Small,
    /// The last line that is neither blank nor a comment, of the group and all it contains.
    last_line: Small,
    /// The blank lines that close it in the canonical layout (1, plus those of its last entry
    /// if that is a group).
    closing: Small,
}

/// A group open while the file is read.
struct Open {
    /// Its row in the spans.
    span: usize,
    indent: usize,
    /// The closing blank lines of its last entry so far (0 for a setting, or a group still
    /// open).
    last_closing: Small,
}

/// Closes the open groups indented at least `indent`: their closing blank lines are known, and
/// their last line is their parent's too.
fn close_to(open: &mut Vec<Open>, spans: &mut [Span], indent: usize) {
    while let Some(top) = open.last() {
        if top.indent < indent {
            break;
        }
        let closing = top.last_closing.saturating_add(1);
        let span = top.span;
        open.pop();
        let last_line = spans.get_mut(span).map_or(0, |span| {
            span.closing = closing;
            span.last_line
        });
        if let Some(parent) = open.last_mut() {
            parent.last_closing = closing;
            if let Some(parent) = spans.get_mut(parent.span) {
                parent.last_line = parent.last_line.max(last_line);
            }
        }
    }
}

/// The original text read as lines.
struct FileLines<'a> {
    text: &'a str,
    lines: Vec<Line>,
    /// What each line is (as many as `lines`).
    kinds: Vec<LineKind>,
    /// Every group, in file order.
    spans: Vec<Span>,
    /// Whether every line is blank (white space only).
    blank: bool,
}

impl<'a> FileLines<'a> {
    /// Reads `text` as [`parse`](crate::file_format::parse) does (the same errors), keeping
    /// where its lines are, what they are, and where its groups end.
    ///
    /// The line tables are sized exactly before they are filled.
    fn read(text: &'a str, path: &Path) -> Result<Self, ParseError> {
        let newlines = text.bytes().filter(|&byte| byte == b'\n').count();
        let mut lines = Vec::with_capacity(newlines + 1);
        let mut start = 0;
        while start < text.len() {
            let (line, next) = Line::at(text, start);
            lines.push(line);
            start = next;
        }
        let mut kinds = Vec::with_capacity(lines.len());
        let mut blank = true;
        let mut spans: Vec<Span> = Vec::new();
        // The open groups, innermost last (the top level is always open and not listed).
        let mut open: Vec<Open> = Vec::new();
        for (index, line) in lines.iter().enumerate() {
            let raw = line.text(text);
            match classify(raw) {
                Ok(Classified::Blank) => kinds.push(LineKind::OTHER),
                Ok(Classified::Comment) => {
                    blank = false;
                    kinds.push(LineKind::OTHER);
                }
                Ok(Classified::Entry(entry)) => {
                    blank = false;
                    let is_group = entry.is_group();
                    let indent = entry.indent as usize;
                    kinds.push(LineKind::entry(indent, is_group));
                    close_to(&mut open, &mut spans, indent);
                    if let Some(parent) = open.last_mut() {
                        parent.last_closing = 0;
                        if let Some(span) = spans.get_mut(parent.span) {
                            span.last_line = small(index);
                        }
                    }
                    if is_group {
                        open.push(Open {
                            span: spans.len(),
                            indent,
                            last_closing: 0,
                        });
                        spans.push(Span {
                            line: small(index),
                            last_line: small(index),
                            closing: 0,
                        });
                    }
                }
                Err(error) => return Err(file_format::line_error(path, index, raw, error)),
            }
        }
        close_to(&mut open, &mut spans, 0);
        Ok(FileLines {
            text,
            lines,
            kinds,
            spans,
            blank,
        })
    }

    /// The entries of `group`, read again from its lines into `entries` (cleared first): the
    /// lines after its header up to the first entry indented no more than it, skipping the
    /// lines of its sub-groups ([`Span`]): each line is visited by the group it is directly in.
    ///
    /// The text was read once without errors ([`read`](Self::read)); an error here would be
    /// the same one.
    fn read_group(
        &self,
        group: &GroupAt,
        entries: &mut Vec<Entry<'a>>,
        path: &Path,
    ) -> Result<(), ParseError> {
        entries.clear();
        let mut index = if group.is_top() { 0 } else { group.line + 1 };
        while index < self.lines.len() {
            let Some((kept, is_group)) = self.kinds.get(index).and_then(|kind| kind.entry_parts())
            else {
                index += 1;
                continue;
            };
            let raw = self.line_text(index);
            let indent = if kept < LineKind::WIDE {
                kept
            } else {
                file_format::indentation(raw).0
            };
            if !group.is_top() && indent <= group.indent {
                break;
            }
            let mut entry = match classify(raw) {
                Ok(Classified::Entry(entry)) => entry,
                Ok(_) => {
                    index += 1;
                    continue;
                }
                Err(error) => return Err(file_format::line_error(path, index, raw, error)),
            };
            entry.line = small(index);
            entry.last_line = small(index);
            if is_group {
                let span = self
                    .spans
                    .binary_search_by_key(&small(index), |span| span.line)
                    .ok()
                    .and_then(|at| self.spans.get(at));
                if let Some(span) = span {
                    entry.last_line = span.last_line;
                    entry.kind = Kind::Group {
                        closing: span.closing,
                    };
                }
            }
            index = (entry.last_line as usize).max(index) + 1;
            entries.push(entry);
        }
        Ok(())
    }

    /// The text of line `index` without its line ending.
    fn line_text(&self, index: usize) -> &'a str {
        self.lines
            .get(index)
            .map_or("", |line| line.text(self.text))
    }

    fn is_blank(&self, index: usize) -> bool {
        self.lines
            .get(index)
            .is_some_and(|line| matches!(line.shape(self.text), Shape::Blank))
    }

    /// The line after an entry: after its last line and, for a group, the comment lines after
    /// its contents that are indented more than its header (blank lines may come between) and
    /// the blank lines that close it.
    fn end_of(&self, entry: &Entry<'_>) -> usize {
        self.end_with_closing(entry, None)
    }

    /// Like [`end_of`](Self::end_of), for removing the entry, which `ending` groups end with
    /// (see [`GroupAt::ending`]): of the blank lines after it, it takes none that these groups
    /// need (one each), so that their separation from what follows stays.
    fn removal_end(&self, entry: &Entry<'_>, ending: usize) -> usize {
        self.end_with_closing(entry, Some(ending))
    }

    fn end_with_closing(&self, entry: &Entry<'_>, spare: Option<usize>) -> usize {
        let mut end = entry.last_line as usize + 1;
        if let Kind::Group { closing, .. } = entry.kind {
            let mut scan = end;
            while let Some(line) = self.lines.get(scan) {
                match line.shape(self.text) {
                    Shape::Blank => scan += 1,
                    Shape::Comment { indent } if indent > entry.indent as usize => {
                        scan += 1;
                        end = scan;
                    }
                    _ => break,
                }
            }
            let mut closing = closing as usize;
            if let Some(ending) = spare {
                let mut available = 0;
                while self.is_blank(end + available) {
                    available += 1;
                }
                closing = closing.min(available.saturating_sub(ending));
            }
            while closing > 0 && self.is_blank(end) {
                end += 1;
                closing -= 1;
            }
        }
        end
    }

    /// The first line of an entry's block: its own line, or the first of the comment lines
    /// directly above it that are indented no more than it.
    fn start_of(&self, entry: &Entry<'_>) -> usize {
        let mut start = entry.line as usize;
        while let Some(above) = start.checked_sub(1) {
            match self.lines.get(above).map(|line| line.shape(self.text)) {
                Some(Shape::Comment { indent }) if indent <= entry.indent as usize => start = above,
                _ => break,
            }
        }
        start
    }

    /// The indentation of line `line`, as written (none for [`NONE`]).
    fn indentation_of(&self, line: usize) -> &'a str {
        let text = self.line_text(line);
        let (_, length) = file_format::indentation(text);
        text.get(..length).unwrap_or_default()
    }
}

/// A line as [`classify`] sees it.
enum Classified<'a> {
    Blank,
    Comment,
    Entry(Entry<'a>),
}

/// Reads one line as the parser does (`TreeBuilder::line` in `file_format`), keeping where its
/// parts are.
fn classify(raw: &str) -> Result<Classified<'_>, file_format::LineError> {
    let line = raw.trim_end_matches(file_format::is_whitespace);
    let (indent, mut at) = file_format::indentation(line);
    match line.as_bytes().get(at) {
        None => return Ok(Classified::Blank),
        Some(b'#') => return Ok(Classified::Comment),
        Some(_) => {}
    }
    let name_start = at;
    let name = file_format::read_token(line, &mut at, SEPARATOR)?;
    let found = file_format::skip_blank(line, &mut at);
    let separator = match line.as_bytes().get(at) {
        Some(&byte @ (b':' | b'=')) => byte,
        _ => return Err((ParseErrorKind::ExpectedSeparator, found)),
    };
    if name.is_empty() {
        return Err((ParseErrorKind::MissingName, name_start));
    }
    let equals = at;
    at += 1;
    let found = file_format::skip_blank(line, &mut at);
    let rest_empty = at >= line.len();
    let kind = if separator == b':' {
        if !rest_empty {
            return Err((ParseErrorKind::UnexpectedAfterColon, found));
        }
        Kind::Group { closing: 0 }
    } else if rest_empty {
        Kind::Setting {
            nothing: true,
            equals: small(equals),
            start: small(equals + 1),
            end: small(equals + 1),
        }
    } else {
        // `value_end` reads the value's tokens as `read_value` does, with the same errors,
        // without building the value.
        Kind::Setting {
            nothing: false,
            equals: small(equals),
            start: small(at),
            end: small(value_end(line, at)?),
        }
    };
    Ok(Classified::Entry(Entry {
        name,
        line: SMALL_NONE,
        indent: small(indent),
        kind,
        last_line: 0,
    }))
}

/// Where the value starting at `at` ends: after its last item or comma, before white space
/// and a comment. Follows `read_value` in `file_format`: it reads the same tokens in the same
/// order, so it fails where and as that does.
fn value_end(line: &str, mut at: usize) -> Result<usize, file_format::LineError> {
    loop {
        file_format::read_value_token(line, &mut at)?;
        let end = at;
        let found = file_format::skip_blank(line, &mut at);
        if line.as_bytes().get(found) != Some(&b',') {
            return Ok(end);
        }
        at = found + 1;
        let end = at;
        file_format::skip_blank(line, &mut at);
        if at >= line.len() {
            return Ok(end);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Editing
// ---------------------------------------------------------------------------------------------

/// The changes to the original lines.
struct Edits {
    deleted: Vec<bool>,
    /// New text (without line ending) of lines whose value changed.
    /// (A vector, sorted when the text is built: a hash look-up for every line of a large file
    /// costs more than the few replacements.)
    replaced: Vec<(usize, String)>,
    inserts: Vec<Insert>,
    newline: &'static str,
}

/// New lines, placed before original line `slot` (or at the end for the number of lines).
struct Insert {
    slot: usize,
    /// The nesting depth of the group they go into: at one slot, deeper groups' lines come
    /// first (they end there; their parent goes on after them).
    depth: usize,
    /// The order in which they were decided, for entries of one group at one slot.
    seq: usize,
    text: String,
}

/// The sort key of an entry in the canonical layout: settings before groups, then by name.
fn canonical_key(is_group: bool, name: &str) -> (bool, &str) {
    (is_group, name)
}

/// Buffers that [`edit_group`] uses for every group, allocated once for the whole file. Indexed
/// by the position of an entry in its group (file order) unless said otherwise.
#[derive(Default)]
struct Scratch<'d> {
    /// The positions of the entries, sorted by name, the later entries of a name first.
    order: Vec<usize>,
    /// The entry that counts for the name of each entry: the last one of that name.
    counted: Vec<usize>,
    /// For an entry that counts: the document's value of its name.
    found: Vec<Option<&'d Value>>,
    /// For an entry that counts: whether its name stays.
    stays: Vec<bool>,
    /// The entries that stay (positions), in file order.
    kept: Vec<usize>,
    /// The entries of the document that the file does not have yet, in name order.
    new: Vec<(&'d str, &'d Value)>,
    /// The canonical text of a value, to compare with the file's.
    value: String,
}

/// Edits the group `group` of the file, whose entries are `entries` (in file order), into
/// `data`, pushing its kept sub-groups for later.
///
/// The group's entries, sorted by name once (not at all when they are in name order already,
/// as written by sipcfg or the reference), are walked side by side with the document's, which
/// are in name order: no look-up by name, which for a group of very many entries (a file's
/// accounts) would cost a binary search for each of them, several times over.
#[allow(clippy::too_many_arguments)]
fn edit_group<'d>(
    file: &FileLines<'_>,
    entries: &[Entry<'_>],
    edits: &mut Edits,
    group: &GroupAt,
    data: &'d Data,
    depth: usize,
    stack: &mut Vec<(GroupAt, &'d Data, usize)>,
    scratch: &mut Scratch<'d>,
) -> Result<(), WriteError> {
    let count = entries.len();
    let name_of = |at: usize| entries.get(at).map_or("", |entry| entry.name.as_ref());
    // How many groups end with the entry at `at` (see `GroupAt::ending`): its group's, plus
    // the group itself, if it is the group's last entry.
    let ending_of = |at: usize| {
        if !group.is_top() && at + 1 == count {
            group.ending + 1
        } else {
            0
        }
    };
    scratch.order.clear();
    scratch.order.extend(0..count);
    if !(1..count).all(|at| name_of(at - 1) < name_of(at)) {
        scratch
            .order
            .sort_unstable_by(|&a, &b| name_of(a).cmp(name_of(b)).then(b.cmp(&a)));
    }
    // The entry that counts for each name (the first of its run: the last in the file), and
    // the document's value of that name.
    scratch.counted.clear();
    scratch.counted.resize(count, 0);
    scratch.found.clear();
    scratch.found.resize(count, None);
    let mut values = data.iter().peekable();
    let mut run: Option<(&str, usize)> = None;
    for &at in &scratch.order {
        let name = name_of(at);
        if let Some((_, counted)) = run.filter(|(run_name, _)| *run_name == name) {
            if let Some(slot) = scratch.counted.get_mut(at) {
                *slot = counted;
            }
            continue;
        }
        run = Some((name, at));
        if let Some(slot) = scratch.counted.get_mut(at) {
            *slot = at;
        }
        while values.next_if(|(entry, _)| entry.as_str() < name).is_some() {}
        if let Some(slot) = scratch.found.get_mut(at) {
            *slot = values
                .peek()
                .filter(|(entry, _)| entry.as_str() == name)
                .map(|&(_, value)| value);
        }
    }
    // Which names stay (a setting, possibly with a new value, or a group), in file order.
    scratch.stays.clear();
    scratch.stays.resize(count, false);
    for at in 0..count {
        if scratch.counted.get(at) != Some(&at) {
            continue;
        }
        let Some(entry) = entries.get(at) else {
            continue;
        };
        let stays = match (&entry.kind, scratch.found.get(at).copied().flatten()) {
            (Kind::Group { .. }, Some(Value::Group(sub))) => {
                let sub_group = GroupAt {
                    line: entry.line as usize,
                    indent: entry.indent as usize,
                    ending: ending_of(at),
                };
                stack.push((sub_group, sub, depth + 1));
                true
            }
            (Kind::Setting { .. }, Some(Value::Group(_))) | (_, None) => false,
            (
                Kind::Setting {
                    nothing,
                    equals,
                    start,
                    end,
                },
                Some(new_value),
            ) => {
                let line = entry.line as usize;
                let text = file.line_text(line);
                let (equals, start, end) = (*equals as usize, *start as usize, *end as usize);
                if !value_unchanged(text, *nothing, start, end, new_value, &mut scratch.value) {
                    // The old value is read again from its line (it was read once already, so
                    // this cannot fail): the table keeps where values are, not a second
                    // document.
                    let value = if *nothing {
                        Value::Nothing
                    } else {
                        file_format::read_value(text, start).unwrap_or(Value::Nothing)
                    };
                    if value != *new_value {
                        let replaced = replace_value(text, &value, new_value, equals, start, end);
                        edits.replaced.push((line, replaced));
                    }
                }
                true
            }
            (Kind::Group { .. }, Some(_)) => false,
        };
        if let Some(slot) = scratch.stays.get_mut(at) {
            *slot = stays;
        }
    }
    // Every entry of a name that goes (or changes kind) goes, the ignored earlier ones too.
    scratch.kept.clear();
    for (at, entry) in entries.iter().enumerate() {
        let counted = scratch.counted.get(at).copied().unwrap_or(at);
        if scratch.stays.get(counted).copied().unwrap_or(false) {
            scratch.kept.push(at);
        } else {
            let (start, end) = (file.start_of(entry), file.removal_end(entry, ending_of(at)));
            for deleted in edits.deleted.iter_mut().take(end).skip(start) {
                *deleted = true;
            }
        }
    }
    // The document's entries whose name does not stay: both are in name order.
    scratch.new.clear();
    let counted = &scratch.counted;
    let mut staying = scratch
        .order
        .iter()
        .filter(|&&at| counted.get(at) == Some(&at))
        .filter(|&&at| scratch.stays.get(at).copied().unwrap_or(false))
        .map(|&at| name_of(at))
        .peekable();
    for (name, value) in data {
        let name = name.as_str();
        while staying.next_if(|staying| *staying < name).is_some() {}
        if staying.peek() != Some(&name) {
            scratch.new.push((name, value));
        }
    }
    let kept = &scratch.kept;
    let kept_entry = |at: usize| kept.get(at).and_then(|&position| entries.get(position));
    // New entries, in canonical order; each goes before the first kept entry sorting after it.
    let settings = scratch
        .new
        .iter()
        .filter(|(_, value)| value.as_group().is_none());
    let groups = scratch
        .new
        .iter()
        .filter(|(_, value)| value.as_group().is_some());
    let mut next = 0;
    for &(name, value) in settings.chain(groups) {
        let key = canonical_key(value.as_group().is_some(), name);
        while let Some(entry) = kept_entry(next) {
            if canonical_key(entry.is_group(), &entry.name) > key {
                break;
            }
            next += 1;
        }
        let is_group = value.as_group().is_some();
        let previous = next
            .checked_sub(1)
            .and_then(kept_entry)
            .filter(|previous| previous.is_group() == is_group);
        let (slot, indentation) = match (previous, kept_entry(next)) {
            (Some(after), _) => (
                file.end_of(after),
                file.indentation_of(after.line as usize).to_owned(),
            ),
            (None, Some(before)) => (
                file.start_of(before),
                file.indentation_of(before.line as usize).to_owned(),
            ),
            (None, None) => match entries.last() {
                Some(last) => (
                    file.end_of(last),
                    file.indentation_of(last.line as usize).to_owned(),
                ),
                None if group.is_top() => (file.lines.len(), String::new()),
                None => {
                    let mut indentation = file.indentation_of(group.line).to_owned();
                    indentation.push_str("    ");
                    (group.line + 1, indentation)
                }
            },
        };
        let text = render_entry(name, value, &indentation, edits.newline)?;
        let seq = edits.inserts.len();
        edits.inserts.push(Insert {
            slot,
            depth,
            seq,
            text,
        });
    }
    Ok(())
}

/// Whether the value of a setting's line `text` (at `start..end`; `nothing` if it has none) is
/// `new` already, found without reading it: when the line holds `new` as it is written in
/// canonical form (as most lines do), it reads as `new`. `false` means "not found so": the
/// caller then reads the value and compares.
fn value_unchanged(
    text: &str,
    nothing: bool,
    start: usize,
    end: usize,
    new: &Value,
    canonical: &mut String,
) -> bool {
    if nothing || new.is_nothing() {
        return nothing && new.is_nothing();
    }
    canonical.clear();
    file_format::push_value(canonical, new);
    text.get(start..end) == Some(canonical.as_str())
}

/// The line `text` of a setting with its value `old` (at `start..end`, `=` at `equals`) made
/// `new`, in canonical form; the rest of the line is kept.
fn replace_value(
    text: &str,
    old: &Value,
    new: &Value,
    equals: usize,
    start: usize,
    end: usize,
) -> String {
    let after_equals = equals + 1;
    let mut out = String::with_capacity(text.len() + 16);
    if new.is_nothing() {
        out.push_str(text.get(..after_equals).unwrap_or_default());
        out.push_str(text.get(end..).unwrap_or_default());
    } else if old.is_nothing() {
        out.push_str(text.get(..after_equals).unwrap_or_default());
        out.push(' ');
        file_format::push_value(&mut out, new);
        out.push_str(text.get(after_equals..).unwrap_or_default());
    } else {
        out.push_str(text.get(..start).unwrap_or_default());
        file_format::push_value(&mut out, new);
        out.push_str(text.get(end..).unwrap_or_default());
    }
    out
}

/// The lines of a new entry in canonical form, each indented by `indentation` more.
fn render_entry(
    name: &str,
    value: &Value,
    indentation: &str,
    newline: &str,
) -> Result<String, WriteError> {
    let mut canonical = String::new();
    if value.as_group().is_some() {
        let mut single = Data::new();
        single.insert(name, value.clone());
        canonical = file_format::write(&single)?;
    } else {
        file_format::push_escaped(&mut canonical, name);
        if value.is_nothing() {
            canonical.push_str(" =");
        } else {
            canonical.push_str(" = ");
            file_format::push_value(&mut canonical, value);
        }
        canonical.push('\n');
    }
    let mut out = String::with_capacity(canonical.len() + indentation.len() * 4);
    for line in canonical.split_inclusive('\n') {
        if line != "\n" {
            out.push_str(indentation);
        }
        out.push_str(line.strip_suffix('\n').unwrap_or(line));
        out.push_str(newline);
    }
    Ok(out)
}

impl Edits {
    /// The edited text of `source`, which has `count` lines (found again from the text, as
    /// [`FileLines::read`] found them: the line table is freed before this text is built),
    /// after `prefix`.
    fn apply(mut self, prefix: &str, source: &str, count: usize) -> String {
        self.inserts
            .sort_by_key(|insert| (insert.slot, Reverse(insert.depth), insert.seq));
        // At most this long (replaced lines are counted twice): one allocation.
        let size = prefix.len()
            + source.len()
            + self.newline.len()
            + self
                .inserts
                .iter()
                .map(|insert| insert.text.len())
                .sum::<usize>()
            + self
                .replaced
                .iter()
                .map(|(_, text)| text.len())
                .sum::<usize>();
        let mut out = String::with_capacity(size);
        out.push_str(prefix);
        // Whether the last line written has no line ending yet (the file's last line).
        let mut unterminated = false;
        let mut inserts = self.inserts.iter().peekable();
        self.replaced.sort_unstable_by_key(|&(line, _)| line);
        let mut replaced = self.replaced.iter().peekable();
        let mut start = 0;
        for slot in 0..=count {
            while let Some(insert) = inserts.next_if(|insert| insert.slot == slot) {
                if unterminated {
                    out.push_str(self.newline);
                    unterminated = false;
                }
                out.push_str(&insert.text);
            }
            if slot == count || start >= source.len() {
                break;
            }
            let (line, next) = Line::at(source, start);
            start = next;
            let new_text = replaced.next_if(|&&(line, _)| line == slot);
            if self.deleted.get(slot).copied().unwrap_or(false) {
                continue;
            }
            match new_text {
                Some((_, text)) => out.push_str(text),
                None => out.push_str(line.text(source)),
            }
            let ending = line.ending(source);
            out.push_str(ending);
            unterminated = ending.is_empty();
        }
        if out.len() == prefix.len() {
            out.push_str(self.newline);
        }
        out
    }
}
