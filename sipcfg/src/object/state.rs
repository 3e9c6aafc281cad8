//! The state of an object's slots and the rules that change it: assignment (with correlated
//! checks), reset, dirty state and diffs, the patch a save stores, loading from storage, and
//! moving to a grown layout.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::{Lifecycle, ObjectCore, ObjectState, SlotState};
use crate::layout::{Entry, Layout};
use crate::modified::{Modified, ModifiedValue};
use crate::setting_type::{DynValue, SharedValue};
use crate::{ConfigurationManager, Data, Patch, SettingError, Value, ValueError};

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
            let sibling_value = &state.slots[sibling as usize].value;
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
    let current = &mut state.slots[slot];
    if current.explicit && current.value.eq_dyn(&*value) {
        return;
    }
    current.value = value;
    current.explicit = true;
    if current.keeps_raw {
        // The kept stored value is replaced at the next save, or removed if reset before.
        current.keeps_raw = false;
        current.drops_raw = true;
    }
    let path = &state.layout.slots[slot].store_path;
    state.blocked.retain(|blocked| !path.starts_with(blocked));
}

pub(super) fn reset(state: &mut ObjectState, slot: usize) {
    let default = state.layout.slots[slot].default.clone();
    let current = &mut state.slots[slot];
    current.value = default;
    current.explicit = false;
    if current.keeps_raw {
        current.keeps_raw = false;
        current.drops_raw = true;
    }
    if current.moved_from.is_some() && current.stored.is_none() {
        // The old place of a moved value is still to be emptied by a save.
        current.drops_raw = true;
    }
}

impl ObjectCore {
    /// Moves to the manager's current layout if it has grown (an extension was registered):
    /// keeps every slot's state, loads the new slots from storage, and applies changed defaults.
    pub(super) fn refresh_layout(&self, manager: &ConfigurationManager) -> Vec<LoadNote> {
        let mut state = self.state.write();
        let layout = manager.inner.extensions.layout(self.info.schema);
        if layout.slots.len() <= state.slots.len() && layout.nodes.len() <= state.layout.nodes.len()
        {
            return Vec::new();
        }
        let stored = match manager.get(self.info.group, &state.stored_id) {
            Ok(Value::Group(data)) => Some(data),
            _ => None,
        };
        let (old_slots, old_nodes) = (state.slots.len(), state.layout.nodes.len());
        let mut failures = Vec::new();
        let mut fresh = load_slots(&layout, stored.as_ref(), &mut failures, old_slots);
        let mut blocked = std::mem::take(&mut state.blocked);
        block_non_groups(
            &layout,
            old_nodes,
            stored.as_ref(),
            &mut blocked,
            &mut failures,
        );
        state.blocked = blocked;
        for (index, slot) in state.slots.iter_mut().enumerate() {
            if !slot.explicit {
                slot.value = layout.slots[index].default.clone();
            }
        }
        state.slots.append(&mut fresh);
        state.layout = layout;
        failures
    }
}

pub(super) fn modified_of(state: &ObjectState) -> Modified {
    let mut modified = BTreeMap::new();
    for (slot, info) in state.slots.iter().zip(&state.layout.slots) {
        if slot.is_dirty() {
            let old = slot.stored.clone().unwrap_or_else(|| info.default.clone());
            modified.insert(
                info.path.clone(),
                ModifiedValue::new(old, slot.value.clone(), info.schema.secret),
            );
        }
    }
    if state.id != state.stored_id && state.lifecycle != Lifecycle::New {
        modified.insert(
            "__id__".to_owned(),
            ModifiedValue::new(
                Arc::new(state.stored_id.clone()),
                Arc::new(state.id.clone()),
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
    for (slot, info) in state.slots.iter().zip(&state.layout.slots) {
        if info.schema.runtime || slot.keeps_raw || !slot.is_dirty() {
            continue;
        }
        let (parents, name) = match info.store_path.split_last() {
            Some((name, parents)) => (parents, *name),
            None => continue,
        };
        if !slot.explicit
            && state
                .blocked
                .iter()
                .any(|blocked| info.store_path.starts_with(blocked))
        {
            continue;
        }
        let mut group = &mut patch;
        for parent in parents {
            group = group.group_mut(parent);
        }
        if slot.explicit {
            group.set(name, slot.value.to_stored());
        } else {
            group.reset(name);
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

/// Loads the slots from `first` on from the object's stored entry.
pub(super) fn load_slots(
    layout: &Layout,
    stored: Option<&Data>,
    failures: &mut Vec<LoadNote>,
    first: usize,
) -> Vec<SlotState> {
    let mut slots = Vec::with_capacity(layout.slots.len().saturating_sub(first));
    for info in &layout.slots[first..] {
        let mut slot = SlotState::default_of(info.default.clone());
        if let (false, Some(stored)) = (info.schema.runtime, stored) {
            if let Some(raw) = stored.get_path(&info.store_path) {
                match (info.schema.ops.from_stored)(raw) {
                    Ok(value) => {
                        slot.value = value.clone();
                        slot.explicit = true;
                        slot.stored = Some(value);
                    }
                    Err(error) => {
                        slot.keeps_raw = true;
                        failures.push(
                            LoadFailure {
                                path: info.path.clone(),
                                raw: raw.clone(),
                                error,
                            }
                            .into(),
                        );
                    }
                }
            } else {
                load_moved(info, stored, &mut slot, failures);
            }
        }
        slots.push(slot);
    }
    slots
}

/// Group paths of `layout` that hold something other than a group in `stored`.
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
    for (slot, info) in state.slots.iter_mut().zip(&layout.slots) {
        if info.schema.runtime || slot.is_dirty() {
            continue;
        }
        let old = slot.value.clone();
        match stored.and_then(|data| data.get_path(&info.store_path)) {
            None => {
                if !slot.explicit && !slot.keeps_raw {
                    continue;
                }
                *slot = SlotState::default_of(info.default.clone());
            }
            Some(raw) => match (info.schema.ops.from_stored)(raw) {
                Ok(value) => {
                    if slot.explicit && slot.value.eq_dyn(&*value) {
                        continue;
                    }
                    *slot = SlotState {
                        value: value.clone(),
                        explicit: true,
                        stored: Some(value),
                        keeps_raw: false,
                        drops_raw: false,
                        moved_from: None,
                    };
                }
                Err(error) => {
                    *slot = SlotState::default_of(info.default.clone());
                    slot.keeps_raw = true;
                    failures.push(LoadFailure {
                        path: info.path.clone(),
                        raw: raw.clone(),
                        error,
                    });
                }
            },
        }
        if !old.eq_dyn(&*slot.value) {
            modified.insert(
                info.path.clone(),
                ModifiedValue::new(old, slot.value.clone(), info.schema.secret),
            );
        }
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
                slot.value = value;
                slot.explicit = true;
                slot.moved_from = Some(old.clone());
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
    for slot in &state.slots {
        let Some((name, parents)) = slot
            .moved_from
            .as_ref()
            .filter(|_| slot.stored.is_none())
            .and_then(|old| old.split_last())
        else {
            continue;
        };
        let mut group = &mut *patch;
        for parent in parents {
            group = group.group_mut(parent);
        }
        group.reset(*name);
    }
}
