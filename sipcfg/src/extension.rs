//! Extensions (spec section "SettingsObjectExtension"): settings that an application adds to a
//! settings object or group defined elsewhere, stored inside the target object's entry exactly
//! where the target's own settings would be.
//!
//! Extensions are registered per [`ConfigurationManager`](crate::ConfigurationManager) (so tests
//! and applications with several managers stay independent). Registering after objects of the
//! target were loaded gives them the extension's values from storage.

use std::any::TypeId;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::Arc;

use parking_lot::Mutex;

use crate::layout::Layout;
use crate::schema::GroupSchema;
use crate::{ExtensionError, GroupRef, SettingsDeclaration};

/// A settings object or group that extensions may target. Implemented by
/// `#[derive(SettingsObject)]` and `#[derive(SettingsGroup)]`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a settings object or group, so it cannot be extended",
    label = "not a settings object or group",
    note = "only types with #[derive(SettingsObject)] or #[derive(SettingsGroup)] can be extended"
)]
pub trait ExtensionTarget: SettingsDeclaration {}

/// An extension: a struct marked `#[extend(Target)]`.
pub trait Extension: SettingsDeclaration {
    /// The extended settings object or group.
    type Target: ExtensionTarget;
    /// The typed accessors of the extension's settings.
    type Ref<'a>: From<GroupRef<'a>>;
}

/// An extension without its type parameter.
#[derive(Clone, Copy)]
pub struct ExtensionInfo {
    /// The extension's Rust type name.
    pub name: &'static str,
    /// The extension's `TypeId`.
    pub type_id: fn() -> TypeId,
    /// The target's Rust type name.
    pub target_name: &'static str,
    /// The target's `TypeId`.
    pub target_type_id: fn() -> TypeId,
    /// The extension's declared settings.
    pub schema: fn() -> &'static GroupSchema,
    /// The target's own declared settings.
    pub target_schema: fn() -> &'static GroupSchema,
}

impl ExtensionInfo {
    /// The description of `E`.
    pub fn of<E: Extension>() -> Self {
        ExtensionInfo {
            name: E::schema().type_name,
            type_id: TypeId::of::<E>,
            target_name: <E::Target as SettingsDeclaration>::schema().type_name,
            target_type_id: TypeId::of::<E::Target>,
            schema: E::schema,
            target_schema: <E::Target as SettingsDeclaration>::schema,
        }
    }
}

impl fmt::Debug for ExtensionInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ExtensionInfo({} extends {})",
            self.name, self.target_name
        )
    }
}

/// An extension declared `#[extend(Target, linked)]`: every manager registers it when it
/// starts, without a call.
pub struct LinkedExtension {
    /// Describes the extension.
    pub info: fn() -> ExtensionInfo,
}

inventory::collect!(LinkedExtension);

/// Every extension linked into this program.
pub(crate) fn linked_extensions() -> impl Iterator<Item = ExtensionInfo> {
    inventory::iter::<LinkedExtension>
        .into_iter()
        .map(|linked| (linked.info)())
}

/// The extensions registered with one manager, and the layouts of its object types.
#[derive(Default)]
pub(crate) struct ExtensionRegistry {
    inner: Mutex<RegistryInner>,
    /// Serializes registrations with the upgrades of live objects that follow them.
    pub(crate) registration: Mutex<()>,
}

#[derive(Default)]
struct RegistryInner {
    /// In registration order.
    order: Vec<ExtensionInfo>,
    /// Object type to its layout with every extension of `order` applied.
    layouts: HashMap<TypeId, Arc<Layout>>,
}

impl ExtensionRegistry {
    /// Registers `extension`. Returns `Ok(false)` if it was registered already.
    pub(crate) fn register(&self, extension: ExtensionInfo) -> Result<bool, ExtensionError> {
        let mut inner = self.inner.lock();
        let ext_type = (extension.type_id)();
        if inner.order.iter().any(|e| (e.type_id)() == ext_type) {
            return Ok(false);
        }
        check_compatible(&inner.order, &extension)?;
        inner.order.push(extension);
        inner.layouts.clear();
        Ok(true)
    }

    /// Whether `extension` is registered.
    pub(crate) fn is_registered(&self, extension: TypeId) -> bool {
        self.inner
            .lock()
            .order
            .iter()
            .any(|e| (e.type_id)() == extension)
    }

    /// The layout of the object type whose schema is `root`.
    pub(crate) fn layout(&self, root: &'static GroupSchema) -> Arc<Layout> {
        let mut inner = self.inner.lock();
        let key = (root.type_id)();
        if let Some(layout) = inner.layouts.get(&key) {
            return layout.clone();
        }
        let layout = Arc::new(Layout::build(root, &inner.order));
        inner.layouts.insert(key, layout.clone());
        layout
    }

    /// The registered extensions, in registration order.
    pub(crate) fn registered(&self) -> Vec<ExtensionInfo> {
        self.inner.lock().order.clone()
    }
}

/// Checks `new` against the target's own names and the extensions registered for the same target.
fn check_compatible(
    registered: &[ExtensionInfo],
    new: &ExtensionInfo,
) -> Result<(), ExtensionError> {
    let target = (new.target_schema)();
    let schema = (new.schema)();
    // Who owns each name at the target: the target itself, or an extension.
    let mut owners: BTreeMap<&str, &'static str> = BTreeMap::new();
    for name in target
        .settings
        .iter()
        .map(|s| s.name)
        .chain(target.groups.iter().map(|g| g.name))
    {
        owners.insert(name, target.type_name);
    }
    let mut overridden: BTreeMap<&str, &'static str> = BTreeMap::new();
    for other in registered
        .iter()
        .filter(|e| (e.target_type_id)() == (new.target_type_id)())
    {
        let other_schema = (other.schema)();
        for setting in &other_schema.settings {
            if setting.override_default {
                overridden.insert(setting.name, other.name);
            } else {
                owners.insert(setting.name, other.name);
            }
        }
        for group in &other_schema.groups {
            owners.insert(group.name, other.name);
        }
    }
    for setting in &schema.settings {
        if setting.override_default {
            let Some(own) = target.setting(setting.name) else {
                return Err(ExtensionError::BadOverride {
                    target: target.type_name,
                    name: setting.name.to_owned(),
                    extension: schema.type_name,
                    reason: "the target declares no setting of that name".to_owned(),
                });
            };
            if (own.ops.type_id)() != (setting.ops.type_id)() {
                return Err(ExtensionError::BadOverride {
                    target: target.type_name,
                    name: setting.name.to_owned(),
                    extension: schema.type_name,
                    reason: format!(
                        "the target's setting is a {}, the override a {}",
                        own.rust_type, setting.rust_type
                    ),
                });
            }
            if let Some(first) = overridden.get(setting.name) {
                return Err(ExtensionError::Clash {
                    target: target.type_name,
                    name: setting.name.to_owned(),
                    first,
                    second: schema.type_name,
                });
            }
            continue;
        }
        if let Some(first) = owners.get(setting.name) {
            return Err(ExtensionError::Clash {
                target: target.type_name,
                name: setting.name.to_owned(),
                first,
                second: schema.type_name,
            });
        }
    }
    for group in &schema.groups {
        if let Some(first) = owners.get(group.name) {
            return Err(ExtensionError::Clash {
                target: target.type_name,
                name: group.name.to_owned(),
                first,
                second: schema.type_name,
            });
        }
    }
    Ok(())
}
