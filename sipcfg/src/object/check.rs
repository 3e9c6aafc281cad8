//! Reading stored objects as loading reads them, without making them live
//! ([`Object::check_stored`], [`Object::read_stored`]).
//!
//! A tool that lists or checks many objects (`sip-settings` with 100,000 accounts) but changes
//! one or none needs what loading would find in each stored entry (its values, and the values
//! that do not convert) without keeping a live object for each: a live object holds its slots,
//! its core and a place in the registry for as long as the manager lives. Here each entry is
//! read into the same slots as loading reads it ([`load_slots`]), looked at, and dropped.
//!
//! The reading follows `registry::build` step by step (a whole entry that is not a group, the
//! slots, groups stored as something else); the tests compare both, notification by
//! notification.

use std::ops::ControlFlow;
use std::sync::Arc;

use super::registry::normal_id;
use super::state::{block_non_groups, load_slots, LoadFailure, LoadNote, SharedValues, Slots};
use super::sync::{post_all, Post};
use super::{Object, ObjectCore, ObjectInfo, SettingsObject};
use crate::layout::{Entry, Layout};
use crate::notification::{NotificationKind, Origin, Sender};
use crate::setting_type::{SettingType, SharedValue};
use crate::{ConfigurationError, ConfigurationManager, Value, ValueError};

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
}

enum Source {
    /// The stored entry, read into slots as loading reads it.
    Stored { layout: Arc<Layout>, slots: Slots },
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
    /// if the object has no setting at `path` or it is not a `V`.
    pub fn get<V: SettingType>(&self, path: &str) -> Option<V> {
        let value = |layout: &Layout, value_of: &dyn Fn(usize) -> SharedValue| -> Option<V> {
            match layout.lookup(path)? {
                Entry::Setting(slot) => value_of(slot as usize).downcast_ref::<V>().cloned(),
                Entry::Group(_) => None,
            }
        };
        match &self.source {
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
    /// entry as loading reads it; ids with neither are skipped.
    ///
    /// What loading each stored entry reports is posted, in the same order and with the same
    /// sender, as loading it posts it: `ManagerLoadFailed` for every stored value that does not
    /// convert (its path, the stored value, the reason; the value stays in storage untouched)
    /// and `SettingWasMoved`. `SettingsObjectWasActivated` is not posted: the object is not
    /// live. Live objects reported when they were loaded and are not reported again; an object
    /// obtained after this call is loaded then, and reports again.
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
        read(manager, ObjectInfo::of::<T>(), ids, true, visit)
    }

    /// [`check_stored`](Self::check_stored) without reporting anything: the values of objects
    /// that are not loaded (which are reported when they are loaded or checked).
    pub fn read_stored<S: AsRef<str>>(
        manager: &ConfigurationManager,
        ids: &[S],
        visit: impl FnMut(&StoredObject<'_>) -> ControlFlow<()>,
    ) -> Result<(), ConfigurationError> {
        read(manager, ObjectInfo::of::<T>(), ids, false, visit)
    }
}

/// One object of a chunk, between reading the document and visiting.
struct Read {
    /// Index into the ids.
    at: usize,
    source: Source,
    notes: Vec<LoadNote>,
}

fn read<S: AsRef<str>>(
    manager: &ConfigurationManager,
    info: ObjectInfo,
    ids: &[S],
    report: bool,
    mut visit: impl FnMut(&StoredObject<'_>) -> ControlFlow<()>,
) -> Result<(), ConfigurationError> {
    if !manager.is_started() {
        return Err(ConfigurationError::NotStarted);
    }
    let ids = ids
        .iter()
        .map(|id| normal_id(&info, id.as_ref()))
        .collect::<Result<Vec<String>, _>>()?;
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
                let (slots, notes) = read_entry(&layout, entry, &mut shared);
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
            };
            if visit(&object).is_break() {
                return Ok(());
            }
        }
    }
    Ok(())
}

/// The slots and load notes of an object whose stored entry is `entry`, as `registry::build`
/// loads them.
fn read_entry<'d>(
    layout: &Layout,
    entry: &'d Value,
    shared: &mut SharedValues<'d>,
) -> (Slots, Vec<LoadNote>) {
    let mut notes = Vec::new();
    let mut blocked = Vec::new();
    let stored = entry.as_group();
    if stored.is_none() {
        // The whole entry is not a group: the object loads as stored with nothing in it.
        notes.push(
            LoadFailure {
                path: String::new(),
                error: ValueError::new(format!(
                    "expected a group of settings for the whole object, found {}",
                    entry.kind()
                )),
                raw: entry.clone(),
            }
            .into(),
        );
        blocked.push(Vec::new());
    }
    let mut non_groups = false;
    let slots = load_slots(layout, stored, &mut notes, 0, Some(shared), &mut non_groups);
    if non_groups {
        block_non_groups(layout, 0, stored, &mut blocked, &mut notes);
    }
    (slots, notes)
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
