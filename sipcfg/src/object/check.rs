//! Reading stored objects as loading reads them, without making them live
//! ([`Object::check_stored`], [`Object::read_stored`]).
//!
//! A tool that lists or checks many objects (`sip-settings` with 100,000 accounts) but changes
//! one or none needs what loading would find in each stored entry (its values, and the values
//! that do not convert) without keeping a live object for each: a live object holds its slots,
//! its core and a place in the registry for as long as the manager lives. Here each entry is
//! read into the same slots as loading reads it (`state::load_slots`), looked at, and dropped.
//!
//! The reading follows `registry::build` step by step (a whole entry that is not a group, the
//! slots, groups stored as something else); the tests compare both, notification by
//! notification.

use std::ops::ControlFlow;
use std::sync::Arc;

use super::registry::{normal_id, read_entry};
use super::state::{LoadNote, SharedValues, Slots};
use super::sync::{post_all, Post};
use super::{Object, ObjectCore, ObjectInfo, SettingsObject};
use crate::layout::{Entry, Layout};
use crate::notification::{NotificationKind, Origin, Sender};
use crate::setting_type::{SettingType, SharedValue};
use crate::{ConfigurationError, ConfigurationManager, Value};

/// How many objects are read under one read of the document. Their reports are posted after
/// the document is released, a chunk at a time: reading a million entries never holds a
/// million reports at once, and observers may read the document themselves.
const CHUNK: usize = 256;

/// One object of [`Object::check_stored`] or [`Object::read_stored`]: a live object as it is
/// now, or a stored entry read as loading would read it (its values converted, a value that
/// does not convert replaced by the setting's default), and not kept.
pub struct StoredObject<'a> {
    id: &'a str,
    source: Source,
    /// The settings read ([`Object::read_stored`]; `values` of [`Source::Picked`]).
    paths: &'a [&'a str],
}

enum Source {
    /// The stored entry, read into slots as loading reads it.
    Stored { layout: Arc<Layout>, slots: Slots },
    /// The values of the settings asked for, in their order (None: not a setting).
    Picked(Vec<Option<SharedValue>>),
    /// The live object of this id.
    Live(Arc<ObjectCore>),
}

impl StoredObject<'_> {
    /// The object's id, in its stored form.
    pub fn id(&self) -> &str {
        self.id
    }

    /// Whether this is a live object (its current values, saved or not), rather than a stored
    /// entry read for this call.
    pub fn is_live(&self) -> bool {
        matches!(self.source, Source::Live(_))
    }

    /// The value of the setting at the dotted `path` (`enabled`, `rtp.port_range`) as the
    /// loaded object would have it: its stored value if that converts, else its default. `None`
    /// if the object has no setting at `path` or it is not a `V`, and, from
    /// [`read_stored`](Object::read_stored), if `path` is not among the settings read.
    pub fn get<V: SettingType>(&self, path: &str) -> Option<V> {
        let value = |layout: &Layout, value_of: &dyn Fn(usize) -> SharedValue| -> Option<V> {
            match layout.lookup(path)? {
                Entry::Setting(slot) => value_of(slot as usize).downcast_ref::<V>().cloned(),
                Entry::Group(_) => None,
            }
        };
        match &self.source {
            Source::Picked(values) => {
                let at = self.paths.iter().position(|read| *read == path)?;
                values.get(at)?.as_ref()?.downcast_ref::<V>().cloned()
            }
            Source::Stored { layout, slots } => value(layout, &|slot| match slots.get(slot) {
                Some(state) => state.value.clone(),
                None => layout.slots[slot].default.clone(),
            }),
            Source::Live(core) => {
                let state = core.state.read();
                value(&state.layout, &|slot| state.value(slot).clone())
            }
        }
    }
}

impl<T: SettingsObject> Object<T> {
    /// Reads the objects `ids` of `T` one at a time, as [`get_existing`](Self::get_existing)
    /// would give each, without making any of them live, and calls `visit` with each in the
    /// order of `ids` (until it breaks): a live object as it is, a stored one read from its
    /// entry as loading reads it; ids with neither are skipped, and an id given twice is read
    /// once.
    ///
    /// What loading each stored entry reports is posted, in the same order and with the same
    /// sender, as loading it posts it: `ManagerLoadFailed` for every stored value that does not
    /// convert (its path, the stored value, the reason; the value stays in storage untouched)
    /// and `SettingWasMoved`. `SettingsObjectWasActivated` is not posted: the object is not
    /// live. Live objects were reported when they were loaded and are not reported again; an
    /// object obtained after this call is loaded then, and reports again.
    ///
    /// For a command that checks a whole file but changes a few objects: the stored entries
    /// are read a chunk at a time and dropped, so this holds neither an object nor a report per
    /// id. Every id is checked first, as by [`get_or_create_many`](Self::get_or_create_many):
    /// if one is not an id of `T`, or is the stored id of an object renamed but not yet saved,
    /// the call fails and reads nothing.
    pub fn check_stored<S: AsRef<str>>(
        manager: &ConfigurationManager,
        ids: &[S],
        visit: impl FnMut(&StoredObject<'_>) -> ControlFlow<()>,
    ) -> Result<(), ConfigurationError> {
        read(manager, ObjectInfo::of::<T>(), ids, None, visit)
    }

    /// [`check_stored`](Self::check_stored) for the settings at `paths` only, without
    /// reporting anything: the values of objects that are not loaded, as loading would give
    /// them, without converting the rest of their entries (listing 100,000 accounts' `enabled`
    /// flags converts 100,000 values, not every value of the file). The visitor's
    /// [`get`](StoredObject::get) answers for `paths` (for a live object, for any path).
    pub fn read_stored<S: AsRef<str>>(
        manager: &ConfigurationManager,
        ids: &[S],
        paths: &[&str],
        visit: impl FnMut(&StoredObject<'_>) -> ControlFlow<()>,
    ) -> Result<(), ConfigurationError> {
        read(manager, ObjectInfo::of::<T>(), ids, Some(paths), visit)
    }
}

/// One object of a chunk, between reading the document and visiting.
struct Read {
    /// Index into the ids.
    at: usize,
    source: Source,
    notes: Vec<LoadNote>,
}

/// Reads `ids`: with `picked`, the settings at those paths without reporting; without, whole
/// entries, reporting as loading does.
fn read<S: AsRef<str>>(
    manager: &ConfigurationManager,
    info: ObjectInfo,
    ids: &[S],
    picked: Option<&[&str]>,
    mut visit: impl FnMut(&StoredObject<'_>) -> ControlFlow<()>,
) -> Result<(), ConfigurationError> {
    let report = picked.is_none();
    if !manager.is_started() {
        return Err(ConfigurationError::NotStarted);
    }
    let ids = ids
        .iter()
        .map(|id| normal_id(&info, id.as_ref()))
        .collect::<Result<Vec<String>, _>>()?;
    // An id given twice (also `sip:a@x` beside `a@x`) is read and reported once, as
    // `get_or_create_many` loads it once. Listed ids are sorted and distinct: no set then.
    let ids = if ids.windows(2).all(|pair| pair[0] < pair[1]) {
        ids
    } else {
        let mut seen = std::collections::HashSet::with_capacity(ids.len());
        ids.into_iter()
            .filter(|id| seen.insert(id.clone()))
            .collect()
    };
    {
        let registry = manager.inner.objects.inner.lock();
        if !registry.renamed.is_empty() {
            for id in &ids {
                let key = (info.type_id, id.clone());
                if !registry.live.contains_key(&key) && registry.renamed.contains_key(&key) {
                    return Err(ConfigurationError::DuplicateId {
                        type_name: info.type_name,
                        id: key.1,
                    });
                }
            }
        }
    }
    let layout = manager.inner.extensions.layout(info.schema);
    let paths = picked.unwrap_or_default();
    let picked_slots: Vec<Option<usize>> = paths
        .iter()
        .map(|path| match layout.lookup(path) {
            Some(Entry::Setting(slot)) => Some(slot as usize),
            _ => None,
        })
        .collect();
    for (chunk_index, chunk) in ids.chunks(CHUNK).enumerate() {
        let first = chunk_index * CHUNK;
        let mut read: Vec<Read> = Vec::with_capacity(chunk.len());
        let mut is_live = vec![false; chunk.len()];
        {
            let registry = manager.inner.objects.inner.lock();
            for (offset, id) in chunk.iter().enumerate() {
                if let Some(core) = registry.live.find(info.type_id, id) {
                    is_live[offset] = true;
                    read.push(Read {
                        at: first + offset,
                        source: Source::Live(core.clone()),
                        notes: Vec::new(),
                    });
                }
            }
        }
        let mut stored: Vec<Read> = Vec::new();
        manager.with_data(|data| {
            let group = match info.group {
                Some(group) => data.group(group),
                None => Some(data),
            };
            let Some(group) = group else {
                return;
            };
            let mut shared = SharedValues::new(layout.slots.len());
            for (offset, id) in chunk.iter().enumerate() {
                if is_live[offset] {
                    continue;
                }
                let Some(entry) = group.get(id) else {
                    continue;
                };
                if picked.is_some() {
                    let values = picked_slots
                        .iter()
                        .map(|slot| slot.map(|slot| picked_value(&layout, entry, slot)))
                        .collect();
                    stored.push(Read {
                        at: first + offset,
                        source: Source::Picked(values),
                        notes: Vec::new(),
                    });
                    continue;
                }
                let (slots, notes, _) = read_entry(&layout, Some(entry), Some(&mut shared));
                stored.push(Read {
                    at: first + offset,
                    source: Source::Stored {
                        layout: layout.clone(),
                        slots,
                    },
                    notes,
                });
            }
        })?;
        if !stored.is_empty() {
            read.extend(stored);
            read.sort_unstable_by_key(|r| r.at);
        }
        for one in read {
            let id = ids[one.at].as_str();
            if report && !one.notes.is_empty() {
                post_all(manager, posts(info.type_name, id, one.notes));
            }
            let object = StoredObject {
                id,
                source: one.source,
                paths,
            };
            if visit(&object).is_break() {
                return Ok(());
            }
        }
    }
    Ok(())
}

/// The value of `slot` of an object whose stored entry is `entry`, as loading gives it
/// (`load_slots`, `load_moved`): the stored value if it converts, else (nothing stored) the first
/// old place of a moved setting whose value converts, else the default. A runtime setting, or
/// any setting of an entry that is not a group, has its default.
fn picked_value(layout: &Layout, entry: &Value, slot: usize) -> SharedValue {
    let info = &layout.slots[slot];
    let Some(stored) = entry.as_group().filter(|_| !info.schema.runtime) else {
        return info.default.clone();
    };
    let convert = info.schema.ops.from_stored;
    if let Some(raw) = stored.get_path(&info.store_path) {
        return convert(raw).unwrap_or_else(|_| info.default.clone());
    }
    info.was_paths
        .iter()
        .filter_map(|old| stored.get_path(old))
        .find_map(|raw| convert(raw).ok())
        .unwrap_or_else(|| info.default.clone())
}

/// The notifications of `notes` for object `id`, as loading posts them.
fn posts(type_name: &'static str, id: &str, notes: Vec<LoadNote>) -> Vec<Post> {
    notes
        .into_iter()
        .map(|note| {
            let sender = Sender {
                type_name,
                id: id.to_owned(),
            };
            let kind = match note {
                LoadNote::Failed(failure) => NotificationKind::ManagerLoadFailed {
                    path: failure.path,
                    raw: failure.raw,
                    error: failure.error,
                },
                LoadNote::Moved { path, from } => NotificationKind::SettingWasMoved { path, from },
            };
            (Origin::Local, sender, kind)
        })
        .collect()
}
