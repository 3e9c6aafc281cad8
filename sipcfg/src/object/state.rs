//! The state of an object's slots and the rules that change it: assignment (with correlated
//! checks), reset, dirty state and diffs, the patch a save stores, loading from storage, and
//! moving to a grown layout.

use std::collections::{BTreeMap, HashMap};
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use super::registry::FastHash;
use super::{Lifecycle, ObjectCore, ObjectState, SlotState};
use crate::layout::{Entry, Layout, SlotInfo};
use crate::modified::{Modified, ModifiedValue};
use crate::setting_type::{DynValue, SharedValue};
use crate::{ConfigurationManager, Data, Patch, SettingError, Value, ValueError};

/// The slots of an object that differ from a plain default (no explicit value, nothing
/// stored, no kept raw value), sorted by slot number. A slot that is not here has its layout's
/// default as its value: an account of 60 settings with 10 set holds 10 entries, not 60.
///
/// The slot numbers are a slice of their own, beside the states: a read searches ten `u32`s
/// in one cache line instead of stepping through entries of 24 bytes each.
///
/// Both are boxed slices, not vectors: a million objects each save the two capacities (16
/// bytes), and a slot is added or removed only by an assignment, a reset or a save, where
/// resizing both allocations costs nothing that matters (see [`edit`](Self::edit)).
#[derive(Clone, Default)]
pub(super) struct Slots {
    /// Sorted, no number twice; `states[i]` is the state of slot `numbers[i]`.
    numbers: Box<[u32]>,
    states: Box<[SlotState]>,
}

impl Slots {
    /// Builds from the numbers (sorted, distinct) and their states, in the same order.
    fn from_vecs(numbers: Vec<u32>, states: Vec<SlotState>) -> Self {
        debug_assert_eq!(numbers.len(), states.len());
        Slots {
            numbers: numbers.into_boxed_slice(),
            states: states.into_boxed_slice(),
        }
    }

    /// Changes the slots as vectors, then boxes them again at their exact size.
    ///
    /// `change` must not panic: the slots are taken out of the object while it runs, and the
    /// object's lock does not poison, so a panic would leave the object without its slots
    /// (every unsaved change gone). The callers only insert, remove and replace at positions
    /// found by `position`, in step in both vectors.
    fn edit<R>(&mut self, change: impl FnOnce(&mut Vec<u32>, &mut Vec<SlotState>) -> R) -> R {
        let mut numbers = std::mem::take(&mut self.numbers).into_vec();
        let mut states = std::mem::take(&mut self.states).into_vec();
        let result = change(&mut numbers, &mut states);
        *self = Slots::from_vecs(numbers, states);
        result
    }

    fn position(&self, slot: usize) -> Result<usize, usize> {
        self.numbers
            .binary_search_by(|index| (*index as usize).cmp(&slot))
    }

    /// The state of `slot`, if it is not a plain default.
    pub(super) fn get(&self, slot: usize) -> Option<&SlotState> {
        let at = self.position(slot).ok()?;
        self.states.get(at)
    }

    /// Whether `slot` has an explicit value.
    pub(super) fn explicit(&self, slot: usize) -> bool {
        self.get(slot).is_some_and(SlotState::explicit)
    }

    /// The state of `slot`, made present (as a plain default of `default`) if it was not.
    pub(super) fn entry(&mut self, slot: usize, default: &SharedValue) -> &mut SlotState {
        let at = match self.position(slot) {
            Ok(at) => at,
            Err(at) => {
                self.edit(|numbers, states| {
                    numbers.insert(at, slot as u32);
                    states.insert(at, SlotState::default_of(default.clone()));
                });
                at
            }
        };
        &mut self.states[at]
    }

    /// Sets the state of `slot`; a plain default is not kept.
    pub(super) fn put(&mut self, slot: usize, state: SlotState) {
        match (self.position(slot), state.is_plain_default()) {
            (Ok(at), true) => self.edit(|numbers, states| {
                numbers.remove(at);
                states.remove(at);
            }),
            (Ok(at), false) => self.states[at] = state,
            (Err(at), false) => self.edit(|numbers, states| {
                numbers.insert(at, slot as u32);
                states.insert(at, state);
            }),
            (Err(_), true) => {}
        }
    }

    /// Drops the entries that became plain defaults.
    pub(super) fn tidy(&mut self) {
        if !self.states.iter().any(SlotState::is_plain_default) {
            return;
        }
        self.edit(|numbers, states| {
            let mut keep = states.iter().map(|state| !state.is_plain_default());
            numbers.retain(|_| keep.next().unwrap_or(true));
            states.retain(|state| !state.is_plain_default());
        });
    }

    /// The slots that are not plain defaults, with their numbers.
    pub(super) fn iter(&self) -> impl Iterator<Item = (usize, &SlotState)> {
        self.numbers
            .iter()
            .map(|index| *index as usize)
            .zip(self.states.iter())
    }

    /// The slots that are not plain defaults, mutably.
    pub(super) fn iter_mut(&mut self) -> impl Iterator<Item = (usize, &mut SlotState)> {
        self.numbers
            .iter()
            .map(|index| *index as usize)
            .zip(self.states.iter_mut())
    }

    /// Adds slots numbered after every slot here (the new slots of a grown layout).
    fn append(&mut self, later: Slots) {
        self.edit(|numbers, states| {
            numbers.extend(later.numbers);
            states.extend(later.states);
        });
    }
}

impl ObjectState {
    /// The value of `slot`: its explicit value, or the default in force.
    pub(super) fn value(&self, slot: usize) -> &SharedValue {
        match self.slots.get(slot) {
            Some(state) => state.value(),
            None => &self.layout.slots[slot].default,
        }
    }
}

/// Checks `value` for `slot` against the current value of the slot's correlated sibling.
pub(super) fn check_correlation(
    state: &ObjectState,
    slot: usize,
    value: &dyn DynValue,
) -> Result<(), SettingError> {
    let info = &state.layout.slots[slot];
    let Some(correlation) = info.schema.correlation else {
        return Ok(());
    };
    let parent = &info.store_path[..info.store_path.len() - 1];
    let sibling_path: Vec<&str> = parent
        .iter()
        .copied()
        .chain(std::iter::once(correlation.sibling))
        .collect();
    match state.layout.lookup(&sibling_path.join(".")) {
        Some(Entry::Setting(sibling)) => {
            let sibling_value = state.value(sibling as usize);
            (correlation.check)(value, &**sibling_value).map_err(|error| SettingError::Invalid {
                path: info.path.clone(),
                error,
            })
        }
        _ => Ok(()),
    }
}

/// Checks and stores an explicit value.
pub(super) fn assign(
    state: &mut ObjectState,
    slot: usize,
    value: SharedValue,
) -> Result<(), SettingError> {
    check_correlation(state, slot, &*value)?;
    store(state, slot, value);
    Ok(())
}

/// Stores an explicit value (checks are the caller's).
pub(super) fn store(state: &mut ObjectState, slot: usize, value: SharedValue) {
    let current = state.slots.entry(slot, &state.layout.slots[slot].default);
    if current.explicit() && current.value().eq_dyn(&*value) {
        return;
    }
    current.update(|current, rest| {
        *current = value;
        rest.explicit = true;
        if rest.keeps_raw {
            // The kept stored value is replaced at the next save, or removed if reset before.
            rest.keeps_raw = false;
            rest.drops_raw = true;
        }
    });
    let path = &state.layout.slots[slot].store_path;
    if state
        .blocked()
        .iter()
        .any(|blocked| path.starts_with(blocked))
    {
        let kept = state
            .blocked()
            .iter()
            .filter(|blocked| !path.starts_with(blocked))
            .cloned()
            .collect();
        state.set_blocked(kept);
    }
}

pub(super) fn reset(state: &mut ObjectState, slot: usize) {
    let default = &state.layout.slots[slot].default;
    let Some(mut current) = state.slots.get(slot).cloned() else {
        return;
    };
    current.update(|value, rest| {
        *value = default.clone();
        rest.explicit = false;
        if rest.keeps_raw {
            rest.keeps_raw = false;
            rest.drops_raw = true;
        }
        if rest.moved_from.is_some() && rest.stored.is_none() {
            // The old place of a moved value is still to be emptied by a save.
            rest.drops_raw = true;
        }
    });
    state.slots.put(slot, current);
}

impl ObjectCore {
    /// Moves to the manager's current layout if it has grown (an extension was registered):
    /// keeps every slot's state, loads the new slots from storage, and applies changed defaults.
    pub(super) fn refresh_layout(&self, manager: &ConfigurationManager) -> Vec<LoadNote> {
        let mut state = self.state.write();
        let layout = manager.inner.extensions.layout(self.info().schema);
        if layout.slots.len() <= state.layout.slots.len()
            && layout.nodes.len() <= state.layout.nodes.len()
        {
            return Vec::new();
        }
        let stored = match manager.get(self.info().group, &state.stored_id) {
            Ok(Value::Group(data)) => Some(data),
            _ => None,
        };
        let (old_slots, old_nodes) = (state.layout.slots.len(), state.layout.nodes.len());
        let mut failures = Vec::new();
        let fresh = load_slots(
            &layout,
            stored.as_ref(),
            &mut failures,
            old_slots,
            None,
            &mut false,
        );
        let mut blocked = state.blocked().to_vec();
        block_non_groups(
            &layout,
            old_nodes,
            stored.as_ref(),
            &mut blocked,
            &mut failures,
        );
        state.set_blocked(blocked);
        for (index, slot) in state.slots.iter_mut() {
            if !slot.explicit() {
                slot.update(|value, _| *value = layout.slots[index].default.clone());
            }
        }
        state.slots.append(fresh);
        state.layout = layout;
        failures
    }
}

pub(super) fn modified_of(state: &ObjectState) -> Modified {
    let mut modified = BTreeMap::new();
    for (index, slot) in state.slots.iter() {
        let info = &state.layout.slots[index];
        if slot.is_dirty() {
            let old = slot.stored().unwrap_or(&info.default).clone();
            modified.insert(
                info.path.clone(),
                ModifiedValue::new(old, slot.value().clone(), info.schema.secret),
            );
        }
    }
    if state.id != state.stored_id && state.lifecycle != Lifecycle::New {
        modified.insert(
            "__id__".to_owned(),
            ModifiedValue::new(
                Arc::new(state.stored_id.to_string()),
                Arc::new(state.id.to_string()),
                false,
            ),
        );
    }
    modified
}

/// The partial data that stores the object's changes: changed explicit values set, settings
/// reset to their default removed; settings not changed since they were loaded or stored, and
/// unconvertible stored values, are left alone (so a merge keeps what another writer stored
/// for them).
pub(super) fn patch_of(state: &ObjectState) -> Patch {
    let mut patch = Patch::new();
    for (index, slot) in state.slots.iter() {
        let info = &state.layout.slots[index];
        if info.schema.runtime || slot.keeps_raw() || !slot.is_dirty() {
            continue;
        }
        let (parents, name) = match info.store_path.split_last() {
            Some((name, parents)) => (parents, *name),
            None => continue,
        };
        if !slot.explicit()
            && state
                .blocked()
                .iter()
                .any(|blocked| info.store_path.starts_with(blocked))
        {
            continue;
        }
        let mut group = &mut patch;
        for parent in parents {
            group = group.declared_group_mut(parent);
        }
        if slot.explicit() {
            group.set_declared(name, slot.value().to_stored());
        } else {
            group.reset_declared(name);
        }
    }
    remove_moved(state, &mut patch);
    patch
}

/// A stored value that failed to convert.
pub(super) struct LoadFailure {
    pub(super) path: String,
    pub(super) raw: Value,
    pub(super) error: ValueError,
}

/// What loading reports, once, as a notification.
pub(super) enum LoadNote {
    /// `ManagerLoadFailed`.
    Failed(LoadFailure),
    /// `SettingWasMoved`: the setting at `path` was read from `from`, where it used to be.
    Moved { path: String, from: String },
}

impl From<LoadFailure> for LoadNote {
    fn from(failure: LoadFailure) -> Self {
        LoadNote::Failed(failure)
    }
}

/// Typed values converted while loading many objects at once ([`obtain_many`]), shared
/// between the objects whose stored value of a setting is the same text: a thousand accounts
/// with the same outbound proxy, codec list or `enabled = true` hold one typed value each
/// between them instead of a thousand. A value is immutable once converted (an assignment
/// replaces it), so sharing it changes nothing that can be observed.
///
/// It borrows the stored values from the document and lives only while the objects load.
/// A setting whose values do not repeat (a password, a display name) stops being looked up
/// after [`SHARED_PER_SLOT`] different values, so this costs little time and memory there.
///
/// [`obtain_many`]: super::registry::obtain_many
pub(super) struct SharedValues<'d> {
    values: HashMap<(u32, RawKey<'d>), SharedValue, FastHash>,
    /// For each slot: the values kept, and how often a kept value was found again.
    counts: Vec<(u32, u32)>,
}

/// How many different values of one setting [`SharedValues`] keeps.
const SHARED_PER_SLOT: u32 = 64;

/// A stored value as a hash key (strings and lists: a group is never a setting's value).
#[derive(PartialEq, Eq)]
struct RawKey<'d>(&'d Value);

impl Hash for RawKey<'_> {
    fn hash<H: Hasher>(&self, hasher: &mut H) {
        match self.0 {
            Value::Nothing => hasher.write_u8(0),
            Value::String(text) => {
                hasher.write_u8(1);
                text.hash(hasher);
            }
            Value::List(items) => {
                hasher.write_u8(2);
                items.hash(hasher);
            }
            Value::Group(group) => {
                hasher.write_u8(3);
                hasher.write_usize(group.len());
            }
        }
    }
}

impl<'d> SharedValues<'d> {
    /// An empty set for a layout of `slots` slots.
    pub(super) fn new(slots: usize) -> Self {
        SharedValues {
            values: HashMap::default(),
            counts: vec![(0, 0); slots],
        }
    }

    /// The typed value of `raw` for `slot`: one converted before for the same text, or a new
    /// conversion. A value that fails to convert is not kept (each object reports it).
    fn convert(
        &mut self,
        slot: usize,
        info: &SlotInfo,
        raw: &'d Value,
    ) -> Result<SharedValue, ValueError> {
        let convert = info.schema.ops.from_stored;
        let Some((kept, found)) = self.counts.get_mut(slot) else {
            return convert(raw);
        };
        if matches!(raw, Value::Group(_)) || (*kept >= SHARED_PER_SLOT && *found < *kept) {
            // Not a setting's value, or a setting whose values do not repeat.
            return convert(raw);
        }
        let key = (slot as u32, RawKey(raw));
        if let Some(value) = self.values.get(&key) {
            *found += 1;
            return Ok(value.clone());
        }
        let value = convert(raw)?;
        if *kept < SHARED_PER_SLOT {
            *kept += 1;
            self.values.insert(key, value.clone());
        }
        Ok(value)
    }
}

/// Loads the slots from `first` on from the object's stored entry; with `shared`, typed
/// values already converted for another object of the same load are reused. Sets
/// `non_groups` if a group of the layout is stored as something else than a group (see
/// [`block_non_groups`]).
pub(super) fn load_slots<'d>(
    layout: &Layout,
    stored: Option<&'d Data>,
    failures: &mut Vec<LoadNote>,
    first: usize,
    mut shared: Option<&mut SharedValues<'d>>,
    non_groups: &mut bool,
) -> Slots {
    // Without a stored entry every slot is a plain default, which `Slots` does not hold.
    let Some(stored) = stored else {
        return Slots::default();
    };
    // The stored values of the layout's settings, found by walking the stored entry (an
    // account stores some 16 names) instead of looking up the path of every slot of the
    // layout (some 60, most of them not stored).
    let mut found: Vec<(u32, Option<&'d Value>)> = Vec::with_capacity(16);
    stored_settings(layout, 0, stored, first, &mut found, non_groups);
    // A setting that moved is looked for at its old places when its place is empty.
    for &slot in &layout.moved {
        if slot as usize >= first && !found.iter().any(|(index, _)| *index == slot) {
            found.push((slot, None));
        }
    }
    // In slot order, as `Slots` keeps them (and as failures are reported).
    found.sort_unstable_by_key(|(index, _)| *index);
    let mut numbers = Vec::with_capacity(found.len());
    let mut states = Vec::with_capacity(found.len());
    for (index, raw) in found {
        let index = index as usize;
        let info = &layout.slots[index];
        if info.schema.runtime {
            continue;
        }
        if let Some(raw) = raw {
            let converted = match shared.as_deref_mut() {
                Some(shared) => shared.convert(index, info, raw),
                None => (info.schema.ops.from_stored)(raw),
            };
            let slot = match converted {
                Ok(value) => SlotState::stored_as(value),
                Err(error) => {
                    failures.push(
                        LoadFailure {
                            path: info.path.clone(),
                            raw: raw.clone(),
                            error,
                        }
                        .into(),
                    );
                    let mut slot = SlotState::default_of(info.default.clone());
                    slot.update(|_, rest| rest.keeps_raw = true);
                    slot
                }
            };
            numbers.push(index as u32);
            states.push(slot);
        } else {
            let mut slot = SlotState::default_of(info.default.clone());
            load_moved(info, stored, &mut slot, failures);
            if !slot.is_plain_default() {
                numbers.push(index as u32);
                states.push(slot);
            }
        }
    }
    // Boxed at the exact size (the vectors had room for every stored setting found).
    Slots::from_vecs(numbers, states)
}

/// Adds to `found` the slots (from `first` on) of the settings of `node` and the groups below
/// it that `stored` (the node's stored group) holds, with their stored values; sets
/// `non_groups` if a group of the layout is stored as something else than a group.
fn stored_settings<'d>(
    layout: &Layout,
    node: u32,
    stored: &'d Data,
    first: usize,
    found: &mut Vec<(u32, Option<&'d Value>)>,
    non_groups: &mut bool,
) {
    let entries = &layout.nodes[node as usize].entries;
    for (name, value) in stored.iter() {
        match (entries.get(name.as_str()), value) {
            (Some(Entry::Setting(slot)), _) if *slot as usize >= first => {
                found.push((*slot, Some(value)));
            }
            (Some(Entry::Group(child)), Value::Group(group)) => {
                // As deep as the layout's groups, never as deep as the file.
                stored_settings(layout, *child, group, first, found, non_groups);
            }
            (Some(Entry::Group(_)), _) => *non_groups = true,
            _ => {}
        }
    }
}

/// Group paths of `layout` (from node `first` on) that hold something other than a group in
/// `stored`, added to `blocked` and reported in `failures`.
pub(super) fn block_non_groups(
    layout: &Layout,
    first: usize,
    stored: Option<&Data>,
    blocked: &mut Vec<Vec<&'static str>>,
    failures: &mut Vec<LoadNote>,
) {
    let Some(stored) = stored else {
        return;
    };
    for node in layout.nodes[first..]
        .iter()
        .filter(|n| n.extension.is_none() && !n.path.is_empty())
    {
        if let Some(raw) = stored.get_path(&node.path) {
            if !matches!(raw, Value::Group(_))
                && !blocked.iter().any(|b: &Vec<&str>| node.path.starts_with(b))
            {
                failures.push(
                    LoadFailure {
                        path: node.path.join("."),
                        raw: raw.clone(),
                        error: ValueError::new(format!(
                            "expected a group of settings, found {}",
                            raw.kind()
                        )),
                    }
                    .into(),
                );
                blocked.push(node.path.clone());
            }
        }
    }
}

/// Takes the values that another writer stored (`stored`: the object's entry now; `None`: it
/// has none) for every setting that is not changed here. Returns the settings whose value
/// changed, with old and new values, and the stored values that failed to convert.
pub(super) fn refresh_from_storage(
    state: &mut ObjectState,
    stored: Option<&Data>,
) -> (Modified, Vec<LoadFailure>) {
    let mut modified = BTreeMap::new();
    let mut failures = Vec::new();
    let layout = state.layout.clone();
    for (index, info) in layout.slots.iter().enumerate() {
        if info.schema.runtime {
            continue;
        }
        let raw = stored.and_then(|data| data.get_path(&info.store_path));
        let mut slot = match state.slots.get(index) {
            Some(slot) => slot.clone(),
            // A plain default with nothing stored stays one: no state is built for it (most
            // slots of every object refreshed after another writer's change or a reload).
            None if raw.is_none() => continue,
            None => SlotState::default_of(info.default.clone()),
        };
        let slot = &mut slot;
        if slot.is_dirty() {
            continue;
        }
        let old = slot.value().clone();
        match raw {
            None => {
                if !slot.explicit() && !slot.keeps_raw() {
                    continue;
                }
                *slot = SlotState::default_of(info.default.clone());
            }
            Some(raw) => match (info.schema.ops.from_stored)(raw) {
                Ok(value) => {
                    if slot.explicit() && slot.value().eq_dyn(&*value) {
                        continue;
                    }
                    *slot = SlotState::stored_as(value);
                }
                Err(error) => {
                    *slot = SlotState::default_of(info.default.clone());
                    slot.update(|_, rest| rest.keeps_raw = true);
                    failures.push(LoadFailure {
                        path: info.path.clone(),
                        raw: raw.clone(),
                        error,
                    });
                }
            },
        }
        if !old.eq_dyn(&**slot.value()) {
            modified.insert(
                info.path.clone(),
                ModifiedValue::new(old, slot.value().clone(), info.schema.secret),
            );
        }
        state.slots.put(index, slot.clone());
    }
    (modified, failures)
}

// ---------------------------------------------------------------------------------------------
// Settings that moved (`#[setting(was = ...)]`, `#[group(was = ...)]`)
// ---------------------------------------------------------------------------------------------

/// Loads a setting missing from its place from the first place it used to be that holds a
/// value that converts. The value counts as not stored at its current place (so the object has
/// a change to save); the next save writes it there and removes the old one (see
/// [`patch_of`]). A value at an old place that does not convert is reported and left alone.
fn load_moved(
    info: &crate::layout::SlotInfo,
    stored: &Data,
    slot: &mut SlotState,
    notes: &mut Vec<LoadNote>,
) {
    for old in &info.was_paths {
        let Some(raw) = stored.get_path(old) else {
            continue;
        };
        match (info.schema.ops.from_stored)(raw) {
            Ok(value) => {
                slot.update(|current, rest| {
                    *current = value;
                    rest.explicit = true;
                    rest.moved_from = Some(old.clone());
                });
                notes.push(LoadNote::Moved {
                    path: info.path.clone(),
                    from: old.join("."),
                });
                return;
            }
            Err(error) => notes.push(
                LoadFailure {
                    path: old.join("."),
                    raw: raw.clone(),
                    error,
                }
                .into(),
            ),
        }
    }
}

/// Adds to `patch` the removal of the old places of moved settings that are not yet stored at
/// their current place.
fn remove_moved(state: &ObjectState, patch: &mut Patch) {
    for (_, slot) in state.slots.iter() {
        let Some((name, parents)) = slot
            .moved_from()
            .filter(|_| slot.stored().is_none())
            .and_then(|old| old.split_last())
        else {
            continue;
        };
        let mut group = &mut *patch;
        for parent in parents {
            group = group.declared_group_mut(parent);
        }
        group.reset_declared(name);
    }
}
