//! The edit as it was before it kept the tables of one group at a time (whole-file line and
//! entry tables): its tree and group edit kept as the oracle of the differential tests (`tests.rs`), which
//! check that the new edit gives the same bytes and the same errors. The helpers that did not
//! change (rendering and comparing one value, names, line endings) are the edit's own.

#![allow(dead_code)]

use std::borrow::Cow;
use std::cmp::Reverse;
use std::path::Path;

use super::{
    canonical_key, check_names, render_entry, replace_value, small, value_end, value_unchanged,
    with_newline, EditError, Shape, Small, NONE, SMALL_NONE,
};
use crate::file_format::{self, WriteError, SEPARATOR};
use crate::{Data, ParseError, ParseErrorKind, Value};

/// The edit itself, on a text without a byte order mark (no safety net).
pub(super) fn edit(text: &str, path: &Path, new: &Data) -> Result<String, EditError> {
    check_names(new)?;
    if small(text.len()) == SMALL_NONE {
        // Beyond what the tables number (4 GiB, far beyond a backend's size limit): the
        // canonical text, with the file's line endings.
        let newline = match text.split('\n').next() {
            Some(first) if first.ends_with('\r') => "\r\n",
            _ => "\n",
        };
        return Ok(with_newline(&file_format::write(new)?, newline));
    }
    let file = FileTree::read(text, path)?;
    let newline = match file.lines.first() {
        Some(line) if line.ending(text) == "\r\n" => "\r\n",
        _ => "\n",
    };
    if file.blank {
        return Ok(with_newline(&file_format::write(new)?, newline));
    }
    let mut edits = Edits {
        deleted: vec![false; file.lines.len()],
        replaced: Vec::new(),
        inserts: Vec::new(),
        newline,
    };
    {
        let mut stack: Vec<(usize, &Data, usize)> = vec![(ROOT, new, 0)];
        let mut scratch = Scratch::default();
        while let Some((group, data, depth)) = stack.pop() {
            edit_group(
                &file,
                &mut edits,
                group,
                data,
                depth,
                &mut stack,
                &mut scratch,
            )?;
        }
    }
    // The entries are no longer needed: freed before the new text is built (the lines are).
    let FileTree { lines, nodes, .. } = file;
    drop(nodes);
    Ok(edits.apply(text, &lines))
}

// ---------------------------------------------------------------------------------------------
// The file as lines and entries
// ---------------------------------------------------------------------------------------------

/// The node id of the file's top level.
const ROOT: usize = 0;

/// A number of the tables ([`SMALL_NONE`] as [`NONE`]).
fn wide(value: Small) -> usize {
    if value == SMALL_NONE {
        NONE
    } else {
        value as usize
    }
}

/// One line of the original text: where it is. A file has as many as it has lines: 8 bytes
/// each; what a line is (blank, a comment, an entry) is found again from its text when asked,
/// which only the lines around a removed or added entry are.
struct Line {
    /// The byte offsets of the line in the text, without its line ending.
    start: Small,
    end: Small,
}

impl Line {
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

/// A setting or group of the file (including the earlier of repeated names, which reading
/// ignores), or the file's top level. A file has one for each of its lines that is an entry
/// (64 bytes each: the numbers are [`Small`]); the entries of a group are linked (first, last, next), not listed in a
/// vector of their own.
struct Node<'a> {
    /// Borrowed from the line unless it was quoted or escaped.
    name: Cow<'a, str>,
    /// The line of the setting or group header ([`SMALL_NONE`] for the top level).
    line: Small,
    /// The indentation in characters (what nesting is decided on).
    indent: Small,
    kind: Kind,
    /// The next entry of the same group, in file order ([`SMALL_NONE`] for the last).
    next_sibling: Small,
    /// The last line that is neither blank nor a comment, of the entry and all it contains.
    last_line: Small,
    /// The group holding it (the top level for itself).
    parent: Small,
}

impl Node<'_> {
    /// The line of the setting or group header (none for the top level).
    fn line(&self) -> Option<usize> {
        (self.line != SMALL_NONE).then_some(self.line as usize)
    }

    /// The last entry of a group.
    fn last_child(&self) -> Option<usize> {
        match self.kind {
            Kind::Group { last_child, .. } if last_child != SMALL_NONE => Some(last_child as usize),
            _ => None,
        }
    }

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
        /// The first and last entries, in file order ([`SMALL_NONE`] without entries).
        first_child: Small,
        last_child: Small,
        /// The blank lines that close it in the canonical layout (1, plus those of its last
        /// entry if that is a group).
        closing: Small,
    },
}

/// A group without entries, closed by no blank line yet.
const EMPTY_GROUP: Kind = Kind::Group {
    first_child: SMALL_NONE,
    last_child: SMALL_NONE,
    closing: 0,
};

/// The original text read as lines and a tree of entries.
struct FileTree<'a> {
    text: &'a str,
    lines: Vec<Line>,
    nodes: Vec<Node<'a>>,
    /// Whether every line is blank (white space only).
    blank: bool,
}

/// The entries of a group, in file order.
struct Children<'t, 'a> {
    tree: &'t FileTree<'a>,
    next: usize,
}

impl Iterator for Children<'_, '_> {
    type Item = usize;

    fn next(&mut self) -> Option<usize> {
        let id = self.next;
        let node = self.tree.nodes.get(id)?;
        self.next = wide(node.next_sibling);
        Some(id)
    }
}

impl<'a> FileTree<'a> {
    /// Reads `text` as [`parse`](crate::file_format::parse) does, keeping where everything is.
    ///
    /// The line and entry tables are sized exactly before they are filled (they are the size of
    /// the file several times over: a vector grown by doubling would hold up to twice that).
    fn read(text: &'a str, path: &Path) -> Result<Self, ParseError> {
        let newlines = text.bytes().filter(|&byte| byte == b'\n').count();
        let mut lines = Vec::with_capacity(newlines + 1);
        // Lines that hold something other than white space and a comment: entries, or errors.
        let mut entries = 0;
        let mut start = 0;
        while start < text.len() {
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
            if matches!(line.shape(text), Shape::Entry) {
                entries += 1;
            }
            lines.push(line);
            start = next;
        }
        let mut nodes = Vec::with_capacity(entries + 1);
        nodes.push(Node {
            name: Cow::Borrowed(""),
            line: SMALL_NONE,
            indent: 0,
            kind: EMPTY_GROUP,
            next_sibling: SMALL_NONE,
            last_line: 0,
            parent: small(ROOT),
        });
        let mut tree = FileTree {
            text,
            lines,
            nodes,
            blank: true,
        };
        // The open groups, innermost last (the top level is always open and not listed).
        let mut open: Vec<usize> = Vec::new();
        for index in 0..tree.lines.len() {
            let raw = tree.lines.get(index).map_or("", |line| line.text(text));
            match classify(raw) {
                Ok(Classified::Blank) => {}
                Ok(Classified::Comment) => tree.blank = false,
                Ok(Classified::Entry(mut node)) => {
                    tree.blank = false;
                    tree.close_to(&mut open, node.indent as usize);
                    let parent = open.last().copied().unwrap_or(ROOT);
                    let id = tree.nodes.len();
                    node.line = small(index);
                    node.last_line = small(index);
                    node.parent = small(parent);
                    let is_group = node.is_group();
                    tree.nodes.push(node);
                    let previous = tree.nodes.get(parent).and_then(Node::last_child);
                    if let Some(previous) = previous.and_then(|at| tree.nodes.get_mut(at)) {
                        previous.next_sibling = small(id);
                    }
                    if let Some(parent) = tree.nodes.get_mut(parent) {
                        // The parent is an open group: the top level, or a group header.
                        if let Kind::Group {
                            first_child,
                            last_child,
                            ..
                        } = &mut parent.kind
                        {
                            if *first_child == SMALL_NONE {
                                *first_child = small(id);
                            }
                            *last_child = small(id);
                        }
                        parent.last_line = small(index);
                    }
                    if is_group {
                        open.push(id);
                    }
                }
                Err(error) => return Err(file_format::line_error(path, index, raw, error)),
            }
        }
        tree.close_to(&mut open, 0);
        Ok(tree)
    }

    /// Closes the open groups indented at least `indent`: their closing blank lines are known,
    /// and their last line is their parent's too.
    fn close_to(&mut self, open: &mut Vec<usize>, indent: usize) {
        while let Some(&id) = open.last() {
            if self
                .nodes
                .get(id)
                .is_none_or(|node| (node.indent as usize) < indent)
            {
                break;
            }
            open.pop();
            let last_child_closing = self
                .nodes
                .get(id)
                .and_then(Node::last_child)
                .and_then(|child| self.nodes.get(child))
                .map_or(0, |child| match child.kind {
                    Kind::Group { closing, .. } => closing,
                    Kind::Setting { .. } => 0,
                });
            let last_line = self.nodes.get(id).map_or(0, |node| node.last_line);
            if let Some(Kind::Group { closing, .. }) =
                self.nodes.get_mut(id).map(|node| &mut node.kind)
            {
                *closing = 1 + last_child_closing;
            }
            let parent = open.last().copied().unwrap_or(ROOT);
            if let Some(parent) = self.nodes.get_mut(parent) {
                parent.last_line = parent.last_line.max(last_line);
            }
        }
    }

    /// The entries of the group `id`, in file order.
    fn children(&self, id: usize) -> Children<'_, 'a> {
        Children {
            tree: self,
            next: match self.nodes.get(id).map(|node| &node.kind) {
                Some(Kind::Group { first_child, .. }) => wide(*first_child),
                _ => NONE,
            },
        }
    }

    fn node(&self, id: usize) -> &Node<'a> {
        // Ids come from this tree only.
        &self.nodes[id]
    }

    fn is_blank(&self, index: usize) -> bool {
        self.lines
            .get(index)
            .is_some_and(|line| matches!(line.shape(self.text), Shape::Blank))
    }

    /// The line after an entry: after its last line and, for a group, the comment lines after
    /// its contents that are indented more than its header (blank lines may come between) and
    /// the blank lines that close it.
    fn end_of(&self, id: usize) -> usize {
        self.end_with_closing(id, false)
    }

    /// Like [`end_of`](Self::end_of), for removing the entry: of the blank lines after it, it
    /// takes none that the groups ending with it need (one each), so that their separation
    /// from what follows stays.
    fn removal_end(&self, id: usize) -> usize {
        self.end_with_closing(id, true)
    }

    fn end_with_closing(&self, id: usize, spare_enclosing: bool) -> usize {
        let node = self.node(id);
        let mut end = node.last_line as usize + 1;
        if let Kind::Group { closing, .. } = node.kind {
            let mut scan = end;
            while let Some(line) = self.lines.get(scan) {
                match line.shape(self.text) {
                    Shape::Blank => scan += 1,
                    Shape::Comment { indent } if indent > node.indent as usize => {
                        scan += 1;
                        end = scan;
                    }
                    _ => break,
                }
            }
            let mut closing = closing as usize;
            if spare_enclosing {
                let mut available = 0;
                while self.is_blank(end + available) {
                    available += 1;
                }
                closing = closing.min(available.saturating_sub(self.groups_ending_with(id)));
            }
            while closing > 0 && self.is_blank(end) {
                end += 1;
                closing -= 1;
            }
        }
        end
    }

    /// How many groups (not the top level) have `id` as their last entry, directly or through
    /// their last entries.
    fn groups_ending_with(&self, mut id: usize) -> usize {
        let mut count = 0;
        loop {
            let parent = self.node(id).parent as usize;
            if parent == ROOT || self.node(parent).last_child() != Some(id) {
                return count;
            }
            count += 1;
            id = parent;
        }
    }

    /// The first line of an entry's block: its own line, or the first of the comment lines
    /// directly above it that are indented no more than it.
    fn start_of(&self, id: usize) -> usize {
        let node = self.node(id);
        let mut start = node.line().unwrap_or(0);
        while let Some(above) = start.checked_sub(1) {
            match self.lines.get(above).map(|line| line.shape(self.text)) {
                Some(Shape::Comment { indent }) if indent <= node.indent as usize => start = above,
                _ => break,
            }
        }
        start
    }

    /// The indentation of an entry's line, as written (none for the top level).
    fn indentation_of(&self, id: usize) -> &'a str {
        self.node(id)
            .line()
            .and_then(|line| self.lines.get(line))
            .map_or("", |line| {
                let text = line.text(self.text);
                let (_, length) = file_format::indentation(text);
                text.get(..length).unwrap_or_default()
            })
    }
}

/// A line as [`classify`] sees it.
enum Classified<'a> {
    Blank,
    Comment,
    Entry(Node<'a>),
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
        EMPTY_GROUP
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
    Ok(Classified::Entry(Node {
        name,
        line: SMALL_NONE,
        indent: small(indent),
        kind,
        next_sibling: SMALL_NONE,
        last_line: 0,
        parent: small(ROOT),
    }))
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

/// Buffers that [`edit_group`] uses for every group, allocated once for the whole file. Indexed
/// by the position of an entry in its group (file order) unless said otherwise.
#[derive(Default)]
struct Scratch<'f, 'd> {
    /// The group's entries (node ids).
    children: Vec<usize>,
    /// Name and position of every entry, sorted by name, the later entries of a name first.
    order: Vec<(&'f str, usize)>,
    /// The entry that counts for the name of each entry: the last one of that name.
    counted: Vec<usize>,
    /// For an entry that counts: the document's value of its name.
    found: Vec<Option<&'d Value>>,
    /// For an entry that counts: whether its name stays.
    stays: Vec<bool>,
    /// The entries that stay (node ids), in file order.
    kept: Vec<usize>,
    /// The entries of the document that the file does not have yet, in name order.
    new: Vec<(&'d str, &'d Value)>,
    /// The canonical text of a value, to compare with the file's.
    value: String,
}

/// Edits the group `group` of the file into `data`, pushing its kept sub-groups for later.
///
/// The group's entries, sorted by name once (not at all when they are in name order already,
/// as written by sipcfg or the reference), are walked side by side with the document's, which
/// are in name order: no look-up by name, which for a group of very many entries (a file's
/// accounts) would cost a binary search for each of them, several times over.
fn edit_group<'f, 'd>(
    file: &'f FileTree<'_>,
    edits: &mut Edits,
    group: usize,
    data: &'d Data,
    depth: usize,
    stack: &mut Vec<(usize, &'d Data, usize)>,
    scratch: &mut Scratch<'f, 'd>,
) -> Result<(), WriteError> {
    let node = file.node(group);
    scratch.children.clear();
    scratch.children.extend(file.children(group));
    let count = scratch.children.len();
    scratch.order.clear();
    scratch.order.extend(
        scratch
            .children
            .iter()
            .enumerate()
            .map(|(at, &child)| (file.node(child).name.as_ref(), at)),
    );
    if !scratch.order.windows(2).all(|pair| pair[0].0 < pair[1].0) {
        scratch
            .order
            .sort_unstable_by(|a, b| a.0.cmp(b.0).then(b.1.cmp(&a.1)));
    }
    // The entry that counts for each name (the first of its run: the last in the file), and
    // the document's value of that name.
    scratch.counted.clear();
    scratch.counted.resize(count, 0);
    scratch.found.clear();
    scratch.found.resize(count, None);
    let mut entries = data.iter().peekable();
    let mut run: Option<(&str, usize)> = None;
    for &(name, at) in &scratch.order {
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
        while entries
            .next_if(|(entry, _)| entry.as_str() < name)
            .is_some()
        {}
        if let Some(slot) = scratch.found.get_mut(at) {
            *slot = entries
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
        let Some(&child) = scratch.children.get(at) else {
            continue;
        };
        let entry = file.node(child);
        let stays = match (&entry.kind, scratch.found.get(at).copied().flatten()) {
            (Kind::Group { .. }, Some(Value::Group(sub))) => {
                stack.push((child, sub, depth + 1));
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
                let text = entry
                    .line()
                    .and_then(|line| file.lines.get(line))
                    .map_or("", |line| line.text(file.text));
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
                        if let Some(line) = entry.line() {
                            edits.replaced.push((line, replaced));
                        }
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
    for (at, &child) in scratch.children.iter().enumerate() {
        let counted = scratch.counted.get(at).copied().unwrap_or(at);
        if scratch.stays.get(counted).copied().unwrap_or(false) {
            scratch.kept.push(child);
        } else {
            let (start, end) = (file.start_of(child), file.removal_end(child));
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
        .filter(|&&(_, at)| counted.get(at) == Some(&at))
        .filter(|&&(_, at)| scratch.stays.get(at).copied().unwrap_or(false))
        .map(|&(name, _)| name)
        .peekable();
    for (name, value) in data {
        let name = name.as_str();
        while staying.next_if(|staying| *staying < name).is_some() {}
        if staying.peek() != Some(&name) {
            scratch.new.push((name, value));
        }
    }
    let kept = &scratch.kept;
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
        while let Some(&entry) = kept.get(next) {
            let entry = file.node(entry);
            if canonical_key(entry.is_group(), &entry.name) > key {
                break;
            }
            next += 1;
        }
        let is_group = value.as_group().is_some();
        let previous = next
            .checked_sub(1)
            .and_then(|previous| kept.get(previous))
            .copied()
            .filter(|&previous| file.node(previous).is_group() == is_group);
        let (slot, indentation) = match (previous, kept.get(next)) {
            (Some(after), _) => (file.end_of(after), file.indentation_of(after).to_owned()),
            (None, Some(&before)) => (
                file.start_of(before),
                file.indentation_of(before).to_owned(),
            ),
            (None, None) => match node.last_child() {
                Some(last) => (file.end_of(last), file.indentation_of(last).to_owned()),
                None => match node.line() {
                    Some(header) => {
                        let mut indentation = file.indentation_of(group).to_owned();
                        indentation.push_str("    ");
                        (header + 1, indentation)
                    }
                    None => (file.lines.len(), String::new()),
                },
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

impl Edits {
    /// The edited text of `source`, read as `lines`.
    fn apply(mut self, source: &str, lines: &[Line]) -> String {
        self.inserts
            .sort_by_key(|insert| (insert.slot, Reverse(insert.depth), insert.seq));
        // At most this long (replaced lines are counted twice): one allocation.
        let size = source.len()
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
        // Whether the last line written has no line ending yet (the file's last line).
        let mut unterminated = false;
        let mut inserts = self.inserts.iter().peekable();
        self.replaced.sort_unstable_by_key(|&(line, _)| line);
        let mut replaced = self.replaced.iter().peekable();
        for slot in 0..=lines.len() {
            while let Some(insert) = inserts.next_if(|insert| insert.slot == slot) {
                if unterminated {
                    out.push_str(self.newline);
                    unterminated = false;
                }
                out.push_str(&insert.text);
            }
            let Some(line) = lines.get(slot) else { break };
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
        if out.is_empty() {
            out.push_str(self.newline);
        }
        out
    }
}
