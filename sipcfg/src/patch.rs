//! [`Patch`]: partial data merged into the document by
//! [`ConfigurationManager::update`](crate::ConfigurationManager::update).
//!
//! The spec's `update` takes "partial data": a setting's new value, the marker that resets a
//! setting to its default (which removes it from storage), or a nested group to merge. A plain
//! [`Data`] converts into a patch that sets every value it holds and merges every group.

use std::borrow::Cow;
use std::collections::BTreeMap;

use crate::{Data, Value};

/// What to do with one name of a group when merging.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PatchValue {
    /// Store this value (a [`Value::Group`] replaces the whole stored group).
    Set(Value),
    /// Reset to the default: remove the name from storage (the spec's `DefaultValue`).
    Default,
    /// Merge into the stored group of this name (created if missing, replacing a non-group).
    Merge(Patch),
}

/// Partial data for a group: names to [`PatchValue`]s. Names not mentioned are left as stored.
///
/// ```
/// use sipcfg::{Patch, PatchValue, Value};
///
/// let mut tls = Patch::new();
/// tls.set("verify_server", "true");
/// let mut patch = Patch::new();
/// patch.reset("display_name");
/// patch.merge("tls", tls);
/// assert_eq!(patch.get("display_name"), Some(&PatchValue::Default));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Patch {
    /// By name. The names of declared settings and groups (what objects save) are kept as the
    /// static strings they are, without a copy each.
    entries: BTreeMap<Cow<'static, str>, PatchValue>,
}

impl Patch {
    /// An empty patch (changes nothing).
    pub fn new() -> Self {
        Patch::default()
    }

    /// Whether the patch changes nothing.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Stores `value` under `name`.
    pub fn set(&mut self, name: impl Into<String>, value: impl Into<Value>) -> &mut Self {
        self.entries
            .insert(Cow::Owned(name.into()), PatchValue::Set(value.into()));
        self
    }

    /// Removes `name` from storage.
    pub fn reset(&mut self, name: impl Into<String>) -> &mut Self {
        self.entries
            .insert(Cow::Owned(name.into()), PatchValue::Default);
        self
    }

    /// Merges `patch` into the group `name`.
    pub fn merge(&mut self, name: impl Into<String>, patch: Patch) -> &mut Self {
        self.entries
            .insert(Cow::Owned(name.into()), PatchValue::Merge(patch));
        self
    }

    /// The sub-patch for group `name`, created when missing (replacing any other entry).
    pub fn group_mut(&mut self, name: &str) -> &mut Patch {
        self.group_entry(Cow::Owned(name.to_owned()))
    }

    /// [`set`](Self::set) for a declared setting's name, kept without a copy.
    pub(crate) fn set_declared(&mut self, name: &'static str, value: Value) {
        self.entries
            .insert(Cow::Borrowed(name), PatchValue::Set(value));
    }

    /// [`reset`](Self::reset) for a declared setting's name, kept without a copy.
    pub(crate) fn reset_declared(&mut self, name: &'static str) {
        self.entries
            .insert(Cow::Borrowed(name), PatchValue::Default);
    }

    /// [`group_mut`](Self::group_mut) for a declared group's name, kept without a copy.
    pub(crate) fn declared_group_mut(&mut self, name: &'static str) -> &mut Patch {
        self.group_entry(Cow::Borrowed(name))
    }

    fn group_entry(&mut self, name: Cow<'static, str>) -> &mut Patch {
        let entry = self
            .entries
            .entry(name)
            .or_insert_with(|| PatchValue::Merge(Patch::new()));
        if !matches!(entry, PatchValue::Merge(_)) {
            *entry = PatchValue::Merge(Patch::new());
        }
        match entry {
            PatchValue::Merge(patch) => patch,
            _ => unreachable!("entry was just made a merge"),
        }
    }

    /// What the patch does to `name`.
    pub fn get(&self, name: &str) -> Option<&PatchValue> {
        self.entries.get(name)
    }

    /// The entries, sorted by name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &PatchValue)> {
        self.entries.iter().map(|(k, v)| (k.as_ref(), v))
    }

    /// The first empty name in the patch, as a path of names, if any.
    pub(crate) fn find_empty_name(&self) -> Option<Vec<String>> {
        for (name, value) in &self.entries {
            if name.is_empty() {
                return Some(vec![String::new()]);
            }
            if let PatchValue::Merge(inner) = value {
                if let Some(mut path) = inner.find_empty_name() {
                    path.insert(0, name.to_string());
                    return Some(path);
                }
            }
        }
        None
    }

    /// Applies the patch to `group`. Groups that end up empty because of it are removed, except
    /// `group` itself (its caller decides).
    pub(crate) fn apply_to(&self, group: &mut Data) {
        for (name, change) in &self.entries {
            match change {
                // A name already stored keeps its shared copy: no new one is allocated.
                PatchValue::Set(value) => match group.get_mut(name) {
                    Some(stored) => *stored = value.clone(),
                    None => {
                        group.insert(&**name, value.clone());
                    }
                },
                PatchValue::Default => {
                    group.remove(name);
                }
                PatchValue::Merge(inner) => {
                    let child = group.group_entry(name);
                    inner.apply_to(child);
                    if child.is_empty() {
                        group.remove(name);
                    }
                }
            }
        }
    }
}

impl From<Data> for Patch {
    /// Every value of `data` is set, every group merged. Iterative: a document of any depth
    /// converts without recursion.
    fn from(mut data: Data) -> Self {
        struct Frame {
            entries: std::vec::IntoIter<(crate::value::Name, Value)>,
            patch: Patch,
            name: Option<String>,
        }
        let mut stack = vec![Frame {
            entries: data.take_entries().into_iter(),
            patch: Patch::new(),
            name: None,
        }];
        loop {
            let Some(top) = stack.last_mut() else {
                return Patch::new();
            };
            match top.entries.next() {
                Some((name, Value::Group(mut group))) => stack.push(Frame {
                    entries: group.take_entries().into_iter(),
                    patch: Patch::new(),
                    name: Some(name.to_string()),
                }),
                Some((name, leaf)) => {
                    top.patch
                        .entries
                        .insert(Cow::Owned(name.to_string()), PatchValue::Set(leaf));
                }
                None => {
                    let Some(mut done) = stack.pop() else {
                        return Patch::new();
                    };
                    let patch = std::mem::take(&mut done.patch);
                    match (stack.last_mut(), done.name) {
                        (Some(parent), Some(name)) => {
                            parent
                                .patch
                                .entries
                                .insert(Cow::Owned(name), PatchValue::Merge(patch));
                        }
                        _ => return patch,
                    }
                }
            }
        }
    }
}

impl Patch {
    /// The depth of the deepest merge below this patch (0 for a flat patch).
    pub(crate) fn depth(&self) -> usize {
        let mut deepest = 0;
        let mut stack = vec![(self, 0usize)];
        while let Some((patch, depth)) = stack.pop() {
            deepest = deepest.max(depth);
            for value in patch.entries.values() {
                if let PatchValue::Merge(inner) = value {
                    stack.push((inner, depth + 1));
                }
            }
        }
        deepest
    }
}

impl Drop for Patch {
    // Iterative, like `Data`'s: a deep patch must not overflow the stack when dropped.
    fn drop(&mut self) {
        // A shallow patch (groups of plain entries, what objects save) drops without the
        // work list: its groups' own drops recurse one level at most.
        let shallow = self.entries.values().all(|value| match value {
            PatchValue::Merge(inner) => !inner
                .entries
                .values()
                .any(|value| matches!(value, PatchValue::Merge(_))),
            _ => true,
        });
        if shallow {
            return;
        }
        let mut pending: Vec<Patch> = Vec::new();
        let take_children = |entries: &mut BTreeMap<Cow<'static, str>, PatchValue>,
                             into: &mut Vec<Patch>| {
            for value in entries.values_mut() {
                if let PatchValue::Merge(inner) = value {
                    into.push(std::mem::take(inner));
                }
            }
        };
        take_children(&mut self.entries, &mut pending);
        while let Some(mut patch) = pending.pop() {
            take_children(&mut patch.entries, &mut pending);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_sets_resets_and_prunes_empty_groups() {
        let mut stored = Data::new();
        stored.insert("keep", "1");
        stored.insert("drop", "2");
        let mut inner = Data::new();
        inner.insert("only", "x");
        stored.insert("grp", inner);

        let mut grp = Patch::new();
        grp.reset("only");
        let mut patch = Patch::new();
        patch.reset("drop").set("new", "3").merge("grp", grp);
        patch.apply_to(&mut stored);

        let expected: Data = [("keep", "1"), ("new", "3")].into_iter().collect();
        assert_eq!(stored, expected);
    }

    #[test]
    fn deep_data_converts_and_drops_without_recursion() {
        let mut data = Data::new();
        data.insert("leaf", "x");
        for level in 0..100_000 {
            let mut parent = Data::new();
            parent.insert(format!("g{level}"), data);
            data = parent;
        }
        let patch = Patch::from(data);
        assert_eq!(patch.depth(), 100_000);
    }

    #[test]
    fn merge_replaces_a_non_group_value() {
        let mut stored: Data = [("g", "scalar")].into_iter().collect();
        let mut g = Patch::new();
        g.set("k", "v");
        let mut patch = Patch::new();
        patch.merge("g", g);
        patch.apply_to(&mut stored);
        assert_eq!(stored.get_path(&["g", "k"]), Some(&Value::from("v")));
    }
}
