//! Notifications (spec: the `CFG*` notifications of SettingsObject): a [`NotificationCenter`] per
//! manager, typed [`Notification`]s with their sender and a UTC timestamp.
//!
//! Observers are called synchronously on the thread that posts, after every lock of the
//! configuration is released, so an observer may read, set and save settings itself.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};

use chrono::{DateTime, Utc};
use parking_lot::RwLock;

use crate::modified::Modified;
use crate::{ConfigurationError, Value, ValueError};

/// Who sent a notification: a settings object, named by its type and id.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Sender {
    /// The settings object's Rust type name, e.g. `Account`.
    pub type_name: &'static str,
    /// The object's id, e.g. `alice@example.com` (for global objects, their static id).
    pub id: String,
}

impl fmt::Display for Sender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.type_name, self.id)
    }
}

/// A notification: what happened, to which object, when.
#[derive(Debug, Clone)]
pub struct Notification {
    /// The object concerned.
    pub sender: Sender,
    /// When it was posted.
    pub timestamp: DateTime<Utc>,
    /// What happened, with its data.
    pub kind: NotificationKind,
    /// Whether this manager made the change, or another program (or manager) did and this
    /// manager learnt it from storage.
    pub origin: Origin,
}

/// Where the change a notification reports was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Origin {
    /// Through this manager (its objects' `save` and `delete`, its own loads).
    #[default]
    Local,
    /// By another writer of the same storage (another process, or another manager), seen when
    /// this manager saved, reloaded, or its watcher reloaded. `SettingsObjectDidChange` then
    /// carries the old and new values of the settings that changed in storage.
    External,
}

/// Whether a failed save came from `save` or `delete`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// [`Object::save`](crate::Object::save).
    Save,
    /// [`Object::delete`](crate::Object::delete).
    Delete,
}

/// What a notification says.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum NotificationKind {
    /// `save` stored changed settings (not sent on an object's first save).
    SettingsObjectDidChange {
        /// The changed settings, by dotted path.
        modified: Modified,
    },
    /// A per-id object was saved for the first time.
    SettingsObjectWasCreated,
    /// A global object was first used, or a per-id object was loaded from storage or saved for
    /// the first time (before `WasCreated`).
    SettingsObjectWasActivated,
    /// A per-id object was deleted.
    SettingsObjectWasDeleted,
    /// The backend failed to store the document after a `save` or `delete`.
    ManagerSaveFailed {
        /// The settings that were being saved (`None` for a first save or a delete).
        modified: Option<Modified>,
        /// The error.
        error: Arc<ConfigurationError>,
        /// What was being done.
        operation: Operation,
    },
    /// A stored value could not be converted when the object was loaded. The setting reads as
    /// its default and the stored value is kept untouched until the setting is assigned.
    ManagerLoadFailed {
        /// The dotted path of the setting (or group) relative to the object.
        path: String,
        /// The stored value.
        raw: Value,
        /// Why it was refused.
        error: ValueError,
    },
    /// A setting missing from its place was loaded from where it used to be stored (declared
    /// with `was`). Posted once, when the object is loaded; the next save stores the value at
    /// its place and removes the old one.
    SettingWasMoved {
        /// The dotted path of the setting, relative to the object.
        path: String,
        /// The dotted path it was read from.
        from: String,
    },
}

/// The kinds of notification, for filtering.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NotificationName {
    /// [`NotificationKind::SettingsObjectDidChange`].
    SettingsObjectDidChange,
    /// [`NotificationKind::SettingsObjectWasCreated`].
    SettingsObjectWasCreated,
    /// [`NotificationKind::SettingsObjectWasActivated`].
    SettingsObjectWasActivated,
    /// [`NotificationKind::SettingsObjectWasDeleted`].
    SettingsObjectWasDeleted,
    /// [`NotificationKind::ManagerSaveFailed`].
    ManagerSaveFailed,
    /// [`NotificationKind::ManagerLoadFailed`].
    ManagerLoadFailed,
    /// [`NotificationKind::SettingWasMoved`].
    SettingWasMoved,
}

impl NotificationKind {
    /// The kind's name.
    pub fn name(&self) -> NotificationName {
        match self {
            NotificationKind::SettingsObjectDidChange { .. } => {
                NotificationName::SettingsObjectDidChange
            }
            NotificationKind::SettingsObjectWasCreated => {
                NotificationName::SettingsObjectWasCreated
            }
            NotificationKind::SettingsObjectWasActivated => {
                NotificationName::SettingsObjectWasActivated
            }
            NotificationKind::SettingsObjectWasDeleted => {
                NotificationName::SettingsObjectWasDeleted
            }
            NotificationKind::ManagerSaveFailed { .. } => NotificationName::ManagerSaveFailed,
            NotificationKind::ManagerLoadFailed { .. } => NotificationName::ManagerLoadFailed,
            NotificationKind::SettingWasMoved { .. } => NotificationName::SettingWasMoved,
        }
    }
}

impl fmt::Display for NotificationName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

impl fmt::Display for Notification {
    /// One line; secrets are masked.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} from {}",
            self.timestamp.to_rfc3339(),
            self.kind.name(),
            self.sender
        )?;
        if self.origin == Origin::External {
            f.write_str(" (external)")?;
        }
        let show_modified = |f: &mut fmt::Formatter<'_>, modified: &Modified| {
            for (path, change) in modified {
                write!(f, "; {path}: {change}")?;
            }
            Ok(())
        };
        match &self.kind {
            NotificationKind::SettingsObjectDidChange { modified } => show_modified(f, modified),
            NotificationKind::ManagerSaveFailed {
                modified,
                error,
                operation,
            } => {
                write!(f, ": {operation:?} failed: {error}")?;
                modified.as_ref().map_or(Ok(()), |m| show_modified(f, m))
            }
            NotificationKind::ManagerLoadFailed { path, error, .. } => {
                write!(f, ": {path}: {error}")
            }
            NotificationKind::SettingWasMoved { path, from } => {
                write!(f, ": {path} read from {from}")
            }
            _ => Ok(()),
        }
    }
}

/// Which notifications an observer receives. The default receives everything.
///
/// ```
/// use sipcfg::{NotificationFilter, NotificationName};
/// let filter = NotificationFilter::new()
///     .name(NotificationName::SettingsObjectDidChange)
///     .sender_type("Account");
/// ```
#[derive(Debug, Clone, Default)]
pub struct NotificationFilter {
    names: Vec<NotificationName>,
    sender_type: Option<&'static str>,
    sender_id: Option<String>,
}

impl NotificationFilter {
    /// A filter that lets everything through.
    pub fn new() -> Self {
        NotificationFilter::default()
    }

    /// Also accept notifications of this kind (with no kind named, every kind is accepted).
    pub fn name(mut self, name: NotificationName) -> Self {
        self.names.push(name);
        self
    }

    /// Only notifications from objects of this type (its Rust type name).
    pub fn sender_type(mut self, type_name: &'static str) -> Self {
        self.sender_type = Some(type_name);
        self
    }

    /// Only notifications from the object with this id.
    pub fn sender_id(mut self, id: impl Into<String>) -> Self {
        self.sender_id = Some(id.into());
        self
    }

    /// Whether `notification` passes.
    pub fn matches(&self, notification: &Notification) -> bool {
        (self.names.is_empty() || self.names.contains(&notification.kind.name()))
            && self
                .sender_type
                .is_none_or(|t| t == notification.sender.type_name)
            && self
                .sender_id
                .as_deref()
                .is_none_or(|id| id == notification.sender.id)
    }
}

type Callback = Arc<dyn Fn(&Notification) + Send + Sync>;

#[derive(Default)]
struct CenterInner {
    observers: RwLock<Vec<(u64, NotificationFilter, Callback)>>,
    next_id: AtomicU64,
}

/// Delivers notifications to observers. One per [`ConfigurationManager`](crate::ConfigurationManager).
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use sipcfg::{NotificationCenter, NotificationFilter};
///
/// let center = NotificationCenter::default();
/// let seen = Arc::new(Mutex::new(Vec::new()));
/// let sink = seen.clone();
/// let id = center.observe(NotificationFilter::new(), move |n| {
///     sink.lock().unwrap().push(n.kind.name())
/// });
/// center.remove_observer(id); // observers live until removed
///
/// let _observer = center.observe_scoped(NotificationFilter::new(), |n| println!("{n}"));
/// // observes until `_observer` goes out of scope
/// ```
#[derive(Clone, Default)]
pub struct NotificationCenter {
    inner: Arc<CenterInner>,
}

impl fmt::Debug for NotificationCenter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NotificationCenter")
            .field("observers", &self.inner.observers.read().len())
            .finish()
    }
}

/// The id of an observer added with [`NotificationCenter::observe`], to remove it with
/// [`NotificationCenter::remove_observer`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ObserverId(u64);

/// Keeps an observer added with [`NotificationCenter::observe_scoped`] registered; dropping it
/// removes the observer.
#[must_use = "the observer is removed when the guard is dropped"]
pub struct ObserverGuard {
    center: Weak<CenterInner>,
    id: u64,
}

impl fmt::Debug for ObserverGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ObserverGuard")
            .field("id", &self.id)
            .finish()
    }
}

impl Drop for ObserverGuard {
    fn drop(&mut self) {
        if let Some(center) = self.center.upgrade() {
            center.observers.write().retain(|(id, _, _)| *id != self.id);
        }
    }
}

impl NotificationCenter {
    /// Calls `callback` for every notification that passes `filter`, until
    /// [`remove_observer`](Self::remove_observer) is called with the returned id (or the center
    /// is dropped). Ignoring the id is fine: `let _ = center.observe(..)` keeps observing.
    /// For an observer that ends with a scope, use [`observe_scoped`](Self::observe_scoped).
    pub fn observe(
        &self,
        filter: NotificationFilter,
        callback: impl Fn(&Notification) + Send + Sync + 'static,
    ) -> ObserverId {
        let id = self.inner.next_id.fetch_add(1, Ordering::Relaxed);
        self.inner
            .observers
            .write()
            .push((id, filter, Arc::new(callback)));
        ObserverId(id)
    }

    /// Like [`observe`](Self::observe), until the returned guard is dropped. Bind the guard to
    /// a named variable (`let _observer = ...`): `let _ = ...` drops it at once.
    pub fn observe_scoped(
        &self,
        filter: NotificationFilter,
        callback: impl Fn(&Notification) + Send + Sync + 'static,
    ) -> ObserverGuard {
        let ObserverId(id) = self.observe(filter, callback);
        ObserverGuard {
            center: Arc::downgrade(&self.inner),
            id,
        }
    }

    /// Stops the observer `id`; `false` if it was already removed.
    pub fn remove_observer(&self, id: ObserverId) -> bool {
        let mut observers = self.inner.observers.write();
        let before = observers.len();
        observers.retain(|(observer, _, _)| *observer != id.0);
        observers.len() != before
    }

    /// Whether any observer is registered. Senders whose notifications are costly to build
    /// may skip building them when nobody observes.
    pub fn has_observers(&self) -> bool {
        !self.inner.observers.read().is_empty()
    }

    /// Delivers `notification` to the matching observers, in the order they were added.
    pub fn post(&self, notification: Notification) {
        let observers = self.inner.observers.read();
        if observers.is_empty() {
            return;
        }
        let targets: Vec<Callback> = observers
            .iter()
            .filter(|(_, filter, _)| filter.matches(&notification))
            .map(|(_, _, callback)| callback.clone())
            .collect();
        drop(observers);
        for callback in targets {
            callback(&notification);
        }
    }

    /// Posts a notification of `kind` from `sender`, stamped now.
    pub fn post_kind(&self, sender: Sender, kind: NotificationKind) {
        self.post_from(Origin::Local, sender, kind);
    }

    /// Posts a notification of `kind` from `sender`, made at `origin`, stamped now.
    pub fn post_from(&self, origin: Origin, sender: Sender, kind: NotificationKind) {
        if !self.has_observers() {
            // Nobody to deliver to: no timestamp to take.
            return;
        }
        self.post(Notification {
            sender,
            timestamp: Utc::now(),
            kind,
            origin,
        });
    }
}
