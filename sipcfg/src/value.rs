//! The configuration document: a tree of groups whose leaves are nothing, strings and lists of
//! strings (spec section "ConfigurationManager").
//!
//! [`Data`] is a group (names to values) and [`Value`] is one of the spec's four kinds. Both are
//! plain data: backends load and save them, the [`ConfigurationManager`](crate::ConfigurationManager)
//! keeps one of them as the whole document.
//!
//! Documents can be nested as deeply as a file says (a hostile file may nest 100,000 levels), so
//! dropping, cloning and comparing never recurse: they walk the tree with an explicit stack.

use std::borrow::Borrow;
use std::fmt;
use std::ops::Deref;

/// One value of the configuration document.
///
/// The spec's four kinds, and nothing else: `Nothing` is the spec's `None` (a setting written
/// `name =`), `String` a Unicode string, `List` a list of strings, `Group` a nested group.
///
/// Its `Debug` output shows the value, which may be a password: see
/// [`Data`'s note on secrets](Data#secrets-in-debug).
#[derive(Debug, Default)]
pub enum Value {
    /// The spec's `None`: written `name =` in the text file.
    #[default]
    Nothing,
    /// A Unicode string.
    String(String),
    /// A list of strings (possibly empty).
    List(Vec<String>),
    /// A group of named values.
    Group(Data),
}

/// A group of the configuration document: names (Unicode) to [`Value`]s, kept sorted by name.
///
/// A group is one sorted vector of `(name, value)` pairs (looked up by binary search), and its
/// names are [`Name`]s, which share one copy of their text: the parser gives every setting of
/// every object the same copy of, say, `display_name` (see `docs/design.md`, "Memory layout").
///
/// ```
/// use sipcfg::{Data, Value};
///
/// let mut account = Data::new();
/// account.insert("display_name", "Alice");
/// account.insert("stun_server_list", vec!["stun1.example.com".to_string()]);
/// let mut doc = Data::new();
/// doc.insert("Accounts", Data::from_iter([("alice@example.com", Value::Group(account))]));
///
/// assert_eq!(
///     doc.get_path(&["Accounts", "alice@example.com", "display_name"]).and_then(Value::as_str),
///     Some("Alice"),
/// );
/// ```
///
/// # Secrets in `Debug`
///
/// `Data` and [`Value`] are plain data: their `Debug` output shows every name and value, and a
/// configuration document holds account passwords. Do not log a document or a value with
/// `{:?}`. The types that hold a document for you never print it: the
/// [`ConfigurationManager`](crate::ConfigurationManager)'s `Debug` shows whether it is started,
/// [`MemoryBackend`](crate::backend::MemoryBackend)'s the number of top-level names and
/// [`FileBackend`](crate::backend::FileBackend)'s its path, encoding and size limit.
#[derive(Default)]
pub struct Data {
    /// Sorted by name, no name twice.
    entries: Vec<(Name, Value)>,
}

/// The name of an entry of a [`Data`] group: an immutable string that clones without copying
/// its text (shared, reference-counted). Reads as a `&str` (`Deref`, [`as_str`](Name::as_str)),
/// compares, orders and hashes as that `&str`.
///
/// It is one pointer (8 bytes): the length is kept with the text in the shared allocation, so a
/// group entry `(Name, Value)` is 40 bytes (see `docs/design.md`, "Memory layout").
pub struct Name(thin::ThinStr);

impl Name {
    /// The name as a string slice.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl Clone for Name {
    fn clone(&self) -> Self {
        Name(self.0.clone())
    }
}

impl PartialEq for Name {
    fn eq(&self, other: &Self) -> bool {
        // Shared names (the parser's interned setting names) are the same allocation.
        self.0.ptr_eq(&other.0) || self.as_str() == other.as_str()
    }
}

impl Eq for Name {}

impl PartialOrd for Name {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Name {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl std::hash::Hash for Name {
    // As `str` hashes: `Borrow<str>` look-ups in hash maps rely on it.
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl Deref for Name {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Name {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl Borrow<str> for Name {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl From<&str> for Name {
    fn from(name: &str) -> Self {
        Name(thin::ThinStr::new(name))
    }
}

impl From<String> for Name {
    fn from(name: String) -> Self {
        Name(thin::ThinStr::new(&name))
    }
}

impl From<&String> for Name {
    fn from(name: &String) -> Self {
        Name(thin::ThinStr::new(name))
    }
}

impl From<&Name> for Name {
    fn from(name: &Name) -> Self {
        name.clone()
    }
}

impl PartialEq<str> for Name {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Name {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for Name {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other.as_str()
    }
}

impl PartialEq<Name> for str {
    fn eq(&self, other: &Name) -> bool {
        self == other.as_str()
    }
}

impl PartialEq<Name> for String {
    fn eq(&self, other: &Name) -> bool {
        self.as_str() == other.as_str()
    }
}

impl PartialEq<Name> for &str {
    fn eq(&self, other: &Name) -> bool {
        *self == other.as_str()
    }
}

// The crate's only unsafe code (see `lib.rs`): viewing the shared bytes as the `str` they were.
#[allow(unsafe_code)]
mod thin {
    //! A shared immutable string behind one thin pointer: the reference count, the length and
    //! the bytes in one allocation (`triomphe`'s `ThinArc`). `Arc<str>` is a fat pointer (16
    //! bytes); a million accounts hold 17 names each, so the 8 bytes saved per name are about
    //! 136 bytes an account.

    use triomphe::ThinArc;

    /// A reference-counted `str` whose length lives in the allocation.
    #[derive(Clone)]
    pub(super) struct ThinStr(ThinArc<(), u8>);

    impl ThinStr {
        /// A new allocation holding a copy of `text`, with a count of one.
        pub(super) fn new(text: &str) -> Self {
            ThinStr(ThinArc::from_header_and_slice((), text.as_bytes()))
        }

        /// The text.
        #[inline]
        pub(super) fn as_str(&self) -> &str {
            // SAFETY: the bytes are a copy of the `str` given to `new` (valid UTF-8), and a
            // `ThinArc`'s slice is never changed after it is made (this type gives no `&mut`).
            unsafe { std::str::from_utf8_unchecked(&self.0.slice) }
        }

        /// Whether both point to the same allocation.
        #[inline]
        pub(super) fn ptr_eq(&self, other: &Self) -> bool {
            self.0.ptr() == other.0.ptr()
        }
    }

    #[cfg(test)]
    mod tests {
        use super::ThinStr;

        #[test]
        fn one_thin_pointer() {
            assert_eq!(std::mem::size_of::<ThinStr>(), 8);
            assert_eq!(std::mem::size_of::<Option<ThinStr>>(), 8);
        }

        #[test]
        fn texts_of_any_length_survive_clones_and_drops_on_other_threads() {
            let texts = ["", "a", "display_name", "é☃ unicode", &"x".repeat(10_000)];
            for text in texts {
                let first = ThinStr::new(text);
                let clones: Vec<ThinStr> = (0..8).map(|_| first.clone()).collect();
                assert!(clones.iter().all(|c| c.ptr_eq(&first)));
                drop(first);
                let handles: Vec<_> = clones
                    .into_iter()
                    .map(|c| {
                        std::thread::spawn(move || {
                            let more: Vec<ThinStr> = (0..1000).map(|_| c.clone()).collect();
                            assert!(more.iter().all(|m| m.as_str() == c.as_str()));
                            c.as_str().to_owned()
                        })
                    })
                    .collect();
                for handle in handles {
                    assert_eq!(handle.join().unwrap(), text);
                }
            }
        }

        #[test]
        fn the_last_drop_frees_and_others_keep_the_text() {
            let a = ThinStr::new("password");
            let b = a.clone();
            assert_eq!(triomphe::ThinArc::strong_count(&a.0), 2);
            drop(a);
            assert_eq!(triomphe::ThinArc::strong_count(&b.0), 1);
            assert_eq!(b.as_str(), "password");
            assert!(!b.ptr_eq(&ThinStr::new("password")));
        }
    }
}

/// The entries of a [`Data`] group in name order ([`Data::iter`]).
#[derive(Clone)]
pub struct Iter<'a>(std::slice::Iter<'a, (Name, Value)>);

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a Name, &'a Value);
    fn next(&mut self) -> Option<Self::Item> {
        self.0.next().map(|(name, value)| (name, value))
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl DoubleEndedIterator for Iter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.0.next_back().map(|(name, value)| (name, value))
    }
}

impl ExactSizeIterator for Iter<'_> {}

/// The entries of a [`Data`] group in name order, with mutable values ([`Data::iter_mut`]).
pub struct IterMut<'a>(std::slice::IterMut<'a, (Name, Value)>);

impl<'a> Iterator for IterMut<'a> {
    type Item = (&'a Name, &'a mut Value);
    fn next(&mut self) -> Option<Self::Item> {
        self.0.next().map(|(name, value)| (&*name, value))
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl DoubleEndedIterator for IterMut<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.0.next_back().map(|(name, value)| (&*name, value))
    }
}

impl ExactSizeIterator for IterMut<'_> {}

impl Value {
    /// The string, if this value is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The items, if this value is a list.
    pub fn as_list(&self) -> Option<&[String]> {
        match self {
            Value::List(items) => Some(items),
            _ => None,
        }
    }

    /// The group, if this value is a group.
    pub fn as_group(&self) -> Option<&Data> {
        match self {
            Value::Group(group) => Some(group),
            _ => None,
        }
    }

    /// The group, mutably, if this value is a group.
    pub fn as_group_mut(&mut self) -> Option<&mut Data> {
        match self {
            Value::Group(group) => Some(group),
            _ => None,
        }
    }

    /// This value as a group, replaced by an empty group first if it is not one (what merging
    /// a patch into it does).
    pub(crate) fn make_group(&mut self) -> &mut Data {
        if !matches!(self, Value::Group(_)) {
            *self = Value::Group(Data::new());
        }
        match self {
            Value::Group(group) => group,
            // The line above made it a group.
            _ => unreachable!("the value was just made a group"),
        }
    }

    /// Whether this is the spec's `None`.
    pub fn is_nothing(&self) -> bool {
        matches!(self, Value::Nothing)
    }

    /// A word for the kind of value, for error messages: `nothing`, `a string`, `a list`, `a group`.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Nothing => "nothing",
            Value::String(_) => "a string",
            Value::List(_) => "a list",
            Value::Group(_) => "a group",
        }
    }
}

impl Clone for Value {
    fn clone(&self) -> Self {
        match self {
            Value::Nothing => Value::Nothing,
            Value::String(s) => Value::String(s.clone()),
            Value::List(items) => Value::List(items.clone()),
            Value::Group(group) => Value::Group(group.clone()),
        }
    }
}

impl PartialEq for Value {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Value::Nothing, Value::Nothing) => true,
            (Value::String(a), Value::String(b)) => a == b,
            (Value::List(a), Value::List(b)) => a == b,
            (Value::Group(a), Value::Group(b)) => a == b,
            _ => false,
        }
    }
}

impl Eq for Value {}

impl From<&str> for Value {
    fn from(value: &str) -> Self {
        Value::String(value.to_owned())
    }
}

impl From<String> for Value {
    fn from(value: String) -> Self {
        Value::String(value)
    }
}

impl From<Vec<String>> for Value {
    fn from(value: Vec<String>) -> Self {
        Value::List(value)
    }
}

impl From<Vec<&str>> for Value {
    fn from(value: Vec<&str>) -> Self {
        Value::List(value.into_iter().map(str::to_owned).collect())
    }
}

impl From<Data> for Value {
    fn from(value: Data) -> Self {
        Value::Group(value)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    /// `None` becomes [`Value::Nothing`].
    fn from(value: Option<T>) -> Self {
        value.map_or(Value::Nothing, Into::into)
    }
}

impl Data {
    /// An empty group.
    pub fn new() -> Self {
        Data::default()
    }

    /// A group of `entries` in any order; of entries with the same name, the last one is kept.
    /// Takes one sort (none if already sorted), where inserting one by one into a large group
    /// would move the entries after each insertion point.
    pub(crate) fn from_entries(mut entries: Vec<(Name, Value)>) -> Self {
        sort_entries(&mut entries);
        entries.shrink_to_fit();
        Data { entries }
    }

    /// A group of `entries` that [`sort_entries`] has sorted; keeps the vector as it is.
    pub(crate) fn from_sorted(entries: Vec<(Name, Value)>) -> Self {
        debug_assert!(entries.windows(2).all(|pair| pair[0].0 < pair[1].0));
        Data { entries }
    }

    fn position(&self, name: &str) -> Result<usize, usize> {
        self.entries
            .binary_search_by(|(entry, _)| entry.as_str().cmp(name))
    }

    /// The number of names in this group (not counting nested groups' contents).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether this group holds no names.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The value stored under `name`.
    pub fn get(&self, name: &str) -> Option<&Value> {
        let at = self.position(name).ok()?;
        Some(&self.entries[at].1)
    }

    /// The value stored under `name`, mutably.
    pub fn get_mut(&mut self, name: &str) -> Option<&mut Value> {
        let at = self.position(name).ok()?;
        Some(&mut self.entries[at].1)
    }

    /// Whether `name` is stored in this group.
    pub fn contains_key(&self, name: &str) -> bool {
        self.position(name).is_ok()
    }

    /// Stores `value` under `name`, returning what was there before.
    ///
    /// Appending names in sorted order is the fast case (no entry moves); inserting elsewhere
    /// moves the entries after the insertion point.
    pub fn insert(&mut self, name: impl Into<Name>, value: impl Into<Value>) -> Option<Value> {
        let name = name.into();
        let value = value.into();
        if self.entries.last().is_none_or(|(last, _)| *last < name) {
            self.entries.push((name, value));
            return None;
        }
        match self.position(&name) {
            Ok(at) => Some(std::mem::replace(&mut self.entries[at].1, value)),
            Err(at) => {
                self.entries.insert(at, (name, value));
                None
            }
        }
    }

    /// Removes `name`, returning its value.
    pub fn remove(&mut self, name: &str) -> Option<Value> {
        let at = self.position(name).ok()?;
        Some(self.entries.remove(at).1)
    }

    /// The group stored under `name`, if there is one and it is a group.
    pub fn group(&self, name: &str) -> Option<&Data> {
        self.get(name).and_then(Value::as_group)
    }

    /// The group stored under `name`, mutably, if there is one and it is a group.
    pub fn group_mut(&mut self, name: &str) -> Option<&mut Data> {
        self.get_mut(name).and_then(Value::as_group_mut)
    }

    /// The group under `name`, created (replacing any non-group value) when missing.
    pub fn group_entry(&mut self, name: &str) -> &mut Data {
        let at = match self.position(name) {
            Ok(at) => at,
            Err(at) => {
                self.entries
                    .insert(at, (Name::from(name), Value::Group(Data::new())));
                at
            }
        };
        self.entries[at].1.make_group()
    }

    /// The value at a path of names, each but the last naming a group.
    pub fn get_path<S: AsRef<str>>(&self, path: &[S]) -> Option<&Value> {
        let (last, parents) = path.split_last()?;
        let mut group = self;
        for name in parents {
            group = group.group(name.as_ref())?;
        }
        group.get(last.as_ref())
    }

    /// The names of this group, in sorted order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(name, _)| name.as_str())
    }

    /// The entries of this group, sorted by name.
    pub fn iter(&self) -> Iter<'_> {
        Iter(self.entries.iter())
    }

    /// The entries of this group, sorted by name, with mutable values.
    pub fn iter_mut(&mut self) -> IterMut<'_> {
        IterMut(self.entries.iter_mut())
    }

    /// Keeps only the entries for which `keep` returns true.
    pub fn retain(&mut self, mut keep: impl FnMut(&str, &mut Value) -> bool) {
        self.entries.retain_mut(|(name, value)| keep(name, value));
    }

    /// Takes the entries out, sorted by name (a `Data` cannot be destructured: it has a `Drop`).
    pub(crate) fn take_entries(&mut self) -> Vec<(Name, Value)> {
        std::mem::take(&mut self.entries)
    }

    /// The depth of the deepest group below this one (0 for a group without sub-groups).
    pub fn depth(&self) -> usize {
        let mut deepest = 0;
        let mut stack = vec![(self, 0usize)];
        while let Some((group, depth)) = stack.pop() {
            deepest = deepest.max(depth);
            for (_, value) in &group.entries {
                if let Value::Group(child) = value {
                    stack.push((child, depth + 1));
                }
            }
        }
        deepest
    }
}

/// Sorts `entries` by name in place, keeping the last of entries with the same name (in their
/// order before the sort), without allocating; nothing moves if they are already sorted.
/// Returns whether any entry was dropped as a duplicate.
pub(crate) fn sort_entries(entries: &mut Vec<(Name, Value)>) -> bool {
    if entries.windows(2).all(|pair| pair[0].0 < pair[1].0) {
        return false;
    }
    // Stable: equal names stay in their order, so the last of each run is the latest. (An
    // insertion sort for small groups: no allocation.)
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    let before = entries.len();
    // `dedup_by` keeps the first of a run and passes each later one as `later`: move the later
    // value into the kept entry, so the kept entry ends with the last value.
    entries.dedup_by(|later, kept| {
        if later.0 != kept.0 {
            return false;
        }
        std::mem::swap(&mut later.1, &mut kept.1);
        true
    });
    entries.len() != before
}

impl Drop for Data {
    // Dropping a 100,000-level document recursively would overflow the stack: take the nested
    // groups out one level at a time and drop them from a heap-allocated list instead.
    fn drop(&mut self) {
        let mut pending: Vec<Data> = Vec::new();
        take_child_groups(&mut self.entries, &mut pending);
        while let Some(mut group) = pending.pop() {
            take_child_groups(&mut group.entries, &mut pending);
            // `group` now has no nested groups left: its own drop does not recurse.
        }
    }
}

fn take_child_groups(entries: &mut [(Name, Value)], into: &mut Vec<Data>) {
    for (_, value) in entries.iter_mut() {
        if let Value::Group(group) = value {
            if group
                .entries
                .iter()
                .any(|(_, v)| matches!(v, Value::Group(_)))
            {
                into.push(std::mem::take(group));
            }
        }
    }
}

impl Clone for Data {
    // Iterative: a deep document must not overflow the stack when copied.
    fn clone(&self) -> Self {
        // Each frame: the source group, the iterator position over it, and the copy being built.
        struct Frame<'a> {
            source: std::slice::Iter<'a, (Name, Value)>,
            copy: Data,
            name_in_parent: Option<Name>,
        }
        let mut stack = vec![Frame {
            source: self.entries.iter(),
            copy: Data {
                entries: Vec::with_capacity(self.entries.len()),
            },
            name_in_parent: None,
        }];
        loop {
            let top = stack
                .last_mut()
                .expect("the root frame is popped only at the end");
            match top.source.next() {
                Some((name, Value::Group(child))) => stack.push(Frame {
                    source: child.entries.iter(),
                    copy: Data {
                        entries: Vec::with_capacity(child.entries.len()),
                    },
                    name_in_parent: Some(name.clone()),
                }),
                // The source is sorted: pushing keeps the copy sorted.
                Some((name, leaf)) => {
                    top.copy.entries.push((name.clone(), leaf.clone()));
                }
                None => {
                    let mut done = stack.pop().expect("checked above");
                    match (stack.last_mut(), done.name_in_parent.take()) {
                        (Some(parent), Some(name)) => {
                            parent
                                .copy
                                .entries
                                .push((name, Value::Group(std::mem::take(&mut done.copy))));
                        }
                        _ => return std::mem::take(&mut done.copy),
                    }
                }
            }
        }
    }
}

impl PartialEq for Data {
    // Iterative, for the same reason as `clone`.
    fn eq(&self, other: &Self) -> bool {
        let mut pending = vec![(self, other)];
        while let Some((a, b)) = pending.pop() {
            if a.entries.len() != b.entries.len() {
                return false;
            }
            for ((name_a, value_a), (name_b, value_b)) in a.entries.iter().zip(b.entries.iter()) {
                if name_a != name_b {
                    return false;
                }
                match (value_a, value_b) {
                    (Value::Group(ga), Value::Group(gb)) => pending.push((ga, gb)),
                    (Value::Group(_), _) | (_, Value::Group(_)) => return false,
                    (va, vb) => {
                        if va != vb {
                            return false;
                        }
                    }
                }
            }
        }
        true
    }
}

impl Eq for Data {}

impl fmt::Debug for Data {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.depth() > 64 {
            return write!(f, "Data {{ .. {} levels deep .. }}", self.depth());
        }
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<K: Into<Name>, V: Into<Value>> FromIterator<(K, V)> for Data {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        Data::from_entries(
            iter.into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )
    }
}

impl<K: Into<Name>, V: Into<Value>> Extend<(K, V)> for Data {
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, iter: I) {
        for (k, v) in iter {
            self.insert(k, v);
        }
    }
}

impl<'a> IntoIterator for &'a Data {
    type Item = (&'a Name, &'a Value);
    type IntoIter = Iter<'a>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

mod serde_impls {
    //! The JSON mapping of the issue: group = object, string = string, list = array of strings,
    //! nothing = null. Numbers, booleans and arrays holding anything but strings are rejected.
    use super::{Data, Value};
    use serde::de::{self, MapAccess, SeqAccess, Visitor};
    use serde::ser::{SerializeMap, SerializeSeq};
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use std::fmt;

    /// How deep a document may be serialized: serializers recurse, so deeper documents are
    /// refused with an error instead of overflowing the stack.
    pub const MAX_SERIALIZE_DEPTH: usize = 256;

    /// A value with the number of group levels it may still open.
    struct Limited<'a, T>(&'a T, usize);

    impl Serialize for Limited<'_, Value> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            match self.0 {
                Value::Group(group) => Limited(group, self.1).serialize(serializer),
                other => other.serialize(serializer),
            }
        }
    }

    impl Serialize for Limited<'_, Data> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            let Some(remaining) = self.1.checked_sub(1) else {
                return Err(serde::ser::Error::custom(format!(
                    "the document is nested deeper than {MAX_SERIALIZE_DEPTH} groups"
                )));
            };
            let mut map = serializer.serialize_map(Some(self.0.len()))?;
            for (name, value) in self.0 {
                map.serialize_entry(name.as_str(), &Limited(value, remaining))?;
            }
            map.end()
        }
    }

    impl Serialize for Value {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            match self {
                Value::Nothing => serializer.serialize_unit(),
                Value::String(s) => serializer.serialize_str(s),
                Value::List(items) => {
                    let mut seq = serializer.serialize_seq(Some(items.len()))?;
                    for item in items {
                        seq.serialize_element(item)?;
                    }
                    seq.end()
                }
                Value::Group(group) => group.serialize(serializer),
            }
        }
    }

    impl Serialize for Data {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            Limited(self, MAX_SERIALIZE_DEPTH).serialize(serializer)
        }
    }

    struct ValueVisitor;

    impl<'de> Visitor<'de> for ValueVisitor {
        type Value = Value;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("null, a string, an array of strings or an object")
        }

        fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
            Ok(Value::Nothing)
        }

        fn visit_none<E: de::Error>(self) -> Result<Value, E> {
            Ok(Value::Nothing)
        }

        fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
            deserializer.deserialize_any(self)
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
            Ok(Value::String(v.to_owned()))
        }

        fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
            Ok(Value::String(v))
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
            let mut items = Vec::new();
            while let Some(item) = seq.next_element::<String>()? {
                items.push(item);
            }
            Ok(Value::List(items))
        }

        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Value, A::Error> {
            DataVisitor.visit_map(map).map(Value::Group)
        }
    }

    struct DataVisitor;

    impl<'de> Visitor<'de> for DataVisitor {
        type Value = Data;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an object (a configuration group)")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Data, A::Error> {
            let mut entries = Vec::new();
            while let Some((name, value)) = map.next_entry::<String, Value>()? {
                entries.push((name.into(), value));
            }
            Ok(Data::from_entries(entries))
        }
    }

    impl<'de> Deserialize<'de> for Value {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Value, D::Error> {
            deserializer.deserialize_any(ValueVisitor)
        }
    }

    impl<'de> Deserialize<'de> for Data {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Data, D::Error> {
            deserializer.deserialize_map(DataVisitor)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nested(depth: usize) -> Data {
        let mut root = Data::new();
        root.insert("leaf", "x");
        for level in 0..depth {
            let mut parent = Data::new();
            parent.insert(format!("g{level}"), root);
            root = parent;
        }
        root
    }

    #[test]
    fn deep_documents_clone_compare_and_drop_without_overflow() {
        let deep = nested(200_000);
        let copy = deep.clone();
        assert_eq!(deep, copy);
        assert_eq!(copy.depth(), 200_000);
        let other = nested(199_999);
        assert_ne!(deep, other);
    }

    #[test]
    fn serializing_a_too_deep_document_is_an_error_not_an_overflow() {
        let deep = nested(100_000);
        let error = serde_json::to_string(&deep).unwrap_err();
        assert!(error.to_string().contains("nested deeper"), "{error}");
        assert!(serde_json::to_string(&nested(200)).is_ok());
    }

    #[test]
    fn json_mapping_is_exactly_the_four_kinds() {
        let json = r#"{"a": null, "b": "s", "c": ["x", "y"], "d": {"e": []}}"#;
        let data: Data = serde_json::from_str(json).unwrap();
        assert_eq!(data.get("a"), Some(&Value::Nothing));
        assert_eq!(data.get("b"), Some(&Value::from("s")));
        assert_eq!(data.get("c"), Some(&Value::from(vec!["x", "y"])));
        assert_eq!(data.get_path(&["d", "e"]), Some(&Value::List(Vec::new())));
        let back: serde_json::Value = serde_json::to_value(&data).unwrap();
        assert_eq!(
            back,
            serde_json::from_str::<serde_json::Value>(json).unwrap()
        );
        assert!(serde_json::from_str::<Data>(r#"{"a": 1}"#).is_err());
        assert!(serde_json::from_str::<Data>(r#"{"a": true}"#).is_err());
        assert!(serde_json::from_str::<Data>(r#"{"a": [1]}"#).is_err());
        assert!(serde_json::from_str::<Data>(r#"["a"]"#).is_err());
    }

    #[test]
    fn entries_in_any_order_are_sorted_and_the_last_of_a_name_wins() {
        let data = Data::from_iter([("b", "1"), ("a", "2"), ("b", "3"), ("c", "4")]);
        assert_eq!(data.names().collect::<Vec<_>>(), ["a", "b", "c"]);
        assert_eq!(data.get("b"), Some(&Value::from("3")));
        let mut grown = Data::new();
        for name in ["m", "z", "a", "m"] {
            grown.insert(name, name);
        }
        assert_eq!(grown.names().collect::<Vec<_>>(), ["a", "m", "z"]);
        assert_eq!(grown.remove("m"), Some(Value::from("m")));
        assert!(!grown.contains_key("m"));
    }

    #[test]
    fn parsed_setting_names_share_one_copy() {
        let text =
            "Accounts:\n    a@x:\n        enabled = true\n    b@x:\n        enabled = false\n";
        let data = crate::file_format::parse(text, std::path::Path::new("config")).unwrap();
        let name_of = |id: &str| {
            let account = data.get_path(&["Accounts", id]).and_then(Value::as_group);
            account.and_then(|group| group.iter().next().map(|(name, _)| name.clone()))
        };
        let (a, b) = (name_of("a@x").unwrap(), name_of("b@x").unwrap());
        assert_eq!(a, "enabled");
        assert!(std::ptr::eq(a.as_str(), b.as_str()), "one shared copy");
    }

    #[test]
    fn names_are_thin_and_entries_40_bytes() {
        assert_eq!(std::mem::size_of::<Name>(), 8);
        assert_eq!(std::mem::size_of::<Option<Name>>(), 8);
        assert_eq!(std::mem::size_of::<(Name, Value)>(), 40);
    }

    #[test]
    fn names_compare_hash_and_borrow_as_their_text() {
        use std::collections::{BTreeSet, HashSet};
        use std::hash::{BuildHasher, RandomState};
        let names: Vec<Name> = ["b", "a", "", "é", "ab", "a"]
            .into_iter()
            .map(Name::from)
            .collect();
        let state = RandomState::new();
        for x in &names {
            assert_eq!(state.hash_one(x), state.hash_one(x.as_str()));
            for y in &names {
                assert_eq!(x == y, x.as_str() == y.as_str());
                assert_eq!(x.cmp(y), x.as_str().cmp(y.as_str()));
            }
        }
        let set: HashSet<Name> = names.iter().cloned().collect();
        assert!(set.contains("é") && !set.contains("c"));
        let sorted: BTreeSet<Name> = names.iter().cloned().collect();
        assert_eq!(
            sorted.iter().map(Name::as_str).collect::<Vec<_>>(),
            ["", "a", "ab", "b", "é"]
        );
        let name = Name::from(String::from("display_name"));
        assert_eq!(format!("{name} {name:?}"), "display_name \"display_name\"");
        assert_eq!(&*name, "display_name");
        assert_eq!(name, "display_name");
        assert_eq!("display_name", name);
    }

    #[test]
    fn sorting_entries_keeps_the_last_of_each_name() {
        let mut entries: Vec<(Name, Value)> =
            [("b", "1"), ("a", "2"), ("b", "3"), ("b", "4"), ("a", "5")]
                .into_iter()
                .map(|(n, v)| (Name::from(n), Value::from(v)))
                .collect();
        assert!(sort_entries(&mut entries));
        assert_eq!(
            entries,
            [
                (Name::from("a"), Value::from("5")),
                (Name::from("b"), Value::from("4"))
            ]
        );
        assert!(!sort_entries(&mut entries));
    }

    #[test]
    fn group_entry_replaces_non_groups() {
        let mut data = Data::new();
        data.insert("g", "string");
        data.group_entry("g").insert("k", "v");
        assert_eq!(data.get_path(&["g", "k"]), Some(&Value::from("v")));
    }
}
