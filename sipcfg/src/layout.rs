//! The resolved shape of a settings object in one manager: its own settings and groups, plus the
//! extensions registered with that manager, flattened into numbered slots (one per setting) and
//! nodes (one per group, plus one "view" per extension attached to a group).
//!
//! Typed accessors address a setting by `(node, ordinal)`: the node's table gives the slot. A
//! layout only ever grows: registering an extension appends nodes and slots, so indices handed
//! out before stay valid.

use std::any::TypeId;
use std::collections::BTreeMap;

use crate::extension::ExtensionInfo;
use crate::schema::{GroupSchema, SettingSchema};
use crate::setting_type::SharedValue;

/// A setting of the object.
pub(crate) struct SlotInfo {
    pub(crate) schema: &'static SettingSchema,
    /// Dotted path relative to the object, e.g. `tls.verify_server`.
    pub(crate) path: String,
    /// Names from the object's entry to the setting.
    pub(crate) store_path: Vec<&'static str>,
    /// The default in force (an extension may override the declared one).
    pub(crate) default: SharedValue,
    /// The extension that added the setting.
    pub(crate) extension: Option<&'static str>,
    /// Where the setting used to be stored, from the object's entry, in the order loading tries
    /// them: its own `was` paths, then those implied by `was` paths of the groups holding it.
    /// Paths of current settings or groups are left out.
    pub(crate) was_paths: Vec<Vec<&'static str>>,
}

/// What a name of a group is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Entry {
    Setting(u32),
    Group(u32),
}

/// A group of the object, or the view of one extension attached to a group.
pub(crate) struct NodeInfo {
    pub(crate) schema: &'static GroupSchema,
    /// Names from the object's entry to the group.
    pub(crate) path: Vec<&'static str>,
    /// Declared setting ordinal to slot.
    pub(crate) settings: Vec<u32>,
    /// Declared group ordinal to node.
    pub(crate) groups: Vec<u32>,
    /// Extension type to its view node (only on group nodes).
    pub(crate) extensions: Vec<(TypeId, u32)>,
    /// Every name of the group, its extensions' included (only on group nodes).
    pub(crate) entries: BTreeMap<&'static str, Entry>,
    /// The extension of a view node.
    pub(crate) extension: Option<&'static str>,
    /// Where the group used to be stored (`#[group(was = ...)]`).
    pub(crate) was: &'static [&'static str],
}

/// How deep extension-added groups may nest extensions of their own.
const MAX_EXTENSION_DEPTH: usize = 32;

impl NodeInfo {
    /// A node with nothing in it yet: a group, or with `extension` the view of one.
    fn empty(
        schema: &'static GroupSchema,
        path: Vec<&'static str>,
        extension: Option<&'static str>,
    ) -> Self {
        NodeInfo {
            schema,
            path,
            settings: Vec::new(),
            groups: Vec::new(),
            extensions: Vec::new(),
            entries: BTreeMap::new(),
            extension,
            was: &[],
        }
    }
}

pub(crate) struct Layout {
    pub(crate) slots: Vec<SlotInfo>,
    pub(crate) nodes: Vec<NodeInfo>,
    /// The slots that have `was_paths` (settings that moved), in slot order: loading looks
    /// for them at their old places when their place is empty.
    pub(crate) moved: Vec<u32>,
}

impl Layout {
    /// The layout of `root` with `extensions` applied in registration order.
    pub(crate) fn build(root: &'static GroupSchema, extensions: &[ExtensionInfo]) -> Layout {
        let mut layout = Layout {
            slots: Vec::new(),
            nodes: Vec::new(),
            moved: Vec::new(),
        };
        layout.add_group(root, Vec::new(), &[], None);
        for (index, extension) in extensions.iter().enumerate() {
            let target = (extension.target_type_id)();
            let targets: Vec<u32> = (0..layout.nodes.len() as u32)
                .filter(|&n| {
                    let node = &layout.nodes[n as usize];
                    node.extension.is_none() && (node.schema.type_id)() == target
                })
                .collect();
            for node in targets {
                layout.attach(node, extension, &extensions[..=index]);
            }
        }
        layout.resolve_moves();
        layout
    }

    /// Fills in every slot's `was_paths`.
    fn resolve_moves(&mut self) {
        for index in 0..self.slots.len() {
            let info = &self.slots[index];
            let mut paths: Vec<Vec<&'static str>> = info
                .schema
                .was
                .iter()
                .map(|was| was.split('.').collect())
                .collect();
            // A moved group moves what it holds: `was` of the group at each level above.
            for depth in 1..info.store_path.len() {
                let (group, below) = info.store_path.split_at(depth);
                let Some(Entry::Group(node)) = self.lookup(&group.join(".")) else {
                    continue;
                };
                for was in self.nodes[node as usize].was {
                    let mut path: Vec<&'static str> = was.split('.').collect();
                    path.extend_from_slice(below);
                    paths.push(path);
                }
            }
            let mut kept: Vec<Vec<&'static str>> = Vec::with_capacity(paths.len());
            for path in paths {
                if !self.is_taken(&path) && !kept.contains(&path) {
                    kept.push(path);
                }
            }
            if !kept.is_empty() {
                self.moved.push(index as u32);
            }
            self.slots[index].was_paths = kept;
        }
    }

    /// Whether `path` is (or is inside, or holds) a current setting or group: a `was` path there
    /// would take a current value on load and remove it on save.
    fn is_taken(&self, path: &[&str]) -> bool {
        if path.is_empty() || path.iter().any(|name| name.is_empty()) {
            return true;
        }
        let mut node = 0u32;
        for name in path {
            match self.nodes[node as usize].entries.get(name) {
                None => return false,
                Some(Entry::Setting(_)) => return true,
                Some(Entry::Group(child)) => node = *child,
            }
        }
        true
    }

    /// Adds a group node for `schema` at `path` (with its sub-groups) and applies the already
    /// registered `extensions` that target any of them.
    fn add_group(
        &mut self,
        schema: &'static GroupSchema,
        path: Vec<&'static str>,
        extensions: &[ExtensionInfo],
        added_by: Option<&'static str>,
    ) -> u32 {
        let node = self.nodes.len() as u32;
        self.nodes.push(NodeInfo::empty(schema, path.clone(), None));
        for setting in &schema.settings {
            let slot = self.add_slot(setting, &path, added_by);
            self.nodes[node as usize].settings.push(slot);
            self.nodes[node as usize]
                .entries
                .insert(setting.name, Entry::Setting(slot));
        }
        for group in &schema.groups {
            let mut child_path = path.clone();
            child_path.push(group.name);
            let child = self.add_group((group.schema)(), child_path, extensions, added_by);
            self.nodes[child as usize].was = group.was;
            self.nodes[node as usize].groups.push(child);
            self.nodes[node as usize]
                .entries
                .insert(group.name, Entry::Group(child));
        }
        // An extension never attaches inside what it added itself, and nesting stops growing
        // past `MAX_EXTENSION_DEPTH` (extensions adding each other's targets would loop).
        let extensions = if path.len() > MAX_EXTENSION_DEPTH {
            &[]
        } else {
            extensions
        };
        for extension in extensions {
            if (extension.target_type_id)() == (schema.type_id)() {
                self.attach(node, extension, extensions);
            }
        }
        node
    }

    fn add_slot(
        &mut self,
        schema: &'static SettingSchema,
        parent: &[&'static str],
        extension: Option<&'static str>,
    ) -> u32 {
        let mut store_path = parent.to_vec();
        store_path.push(schema.name);
        self.slots.push(SlotInfo {
            schema,
            path: store_path.join("."),
            store_path,
            default: (schema.default)(),
            extension,
            was_paths: Vec::new(),
        });
        (self.slots.len() - 1) as u32
    }

    /// Attaches `extension` to the group node `node`.
    fn attach(&mut self, node: u32, extension: &ExtensionInfo, applied: &[ExtensionInfo]) {
        let ext_type = (extension.type_id)();
        if self.nodes[node as usize]
            .extensions
            .iter()
            .any(|(t, _)| *t == ext_type)
        {
            return;
        }
        let schema = (extension.schema)();
        let path = self.nodes[node as usize].path.clone();
        let view = self.nodes.len() as u32;
        self.nodes
            .push(NodeInfo::empty(schema, path.clone(), Some(extension.name)));
        for setting in &schema.settings {
            let existing = self.nodes[node as usize].entries.get(setting.name).copied();
            let slot = match (setting.override_default, existing) {
                (true, Some(Entry::Setting(slot))) => {
                    // Registration checked that the types agree.
                    self.slots[slot as usize].default = (setting.default)();
                    slot
                }
                _ => {
                    let slot = self.add_slot(setting, &path, Some(extension.name));
                    self.nodes[node as usize]
                        .entries
                        .insert(setting.name, Entry::Setting(slot));
                    slot
                }
            };
            self.nodes[view as usize].settings.push(slot);
        }
        let others: Vec<ExtensionInfo> = applied
            .iter()
            .filter(|e| (e.type_id)() != ext_type)
            .copied()
            .collect();
        for group in &schema.groups {
            let mut child_path = path.clone();
            child_path.push(group.name);
            let child = self.add_group((group.schema)(), child_path, &others, Some(extension.name));
            self.nodes[child as usize].was = group.was;
            self.nodes[view as usize].groups.push(child);
            self.nodes[node as usize]
                .entries
                .insert(group.name, Entry::Group(child));
        }
        self.nodes[node as usize].extensions.push((ext_type, view));
    }

    /// The view node of extension `ext` on `node`.
    pub(crate) fn extension_view(&self, node: u32, ext: TypeId) -> Option<u32> {
        self.nodes[node as usize]
            .extensions
            .iter()
            .find(|(t, _)| *t == ext)
            .map(|(_, view)| *view)
    }

    /// Whether a group of type `group` appears anywhere in this layout.
    pub(crate) fn contains_group_type(&self, group: TypeId) -> bool {
        self.nodes
            .iter()
            .any(|n| n.extension.is_none() && (n.schema.type_id)() == group)
    }

    /// Finds the entry at a dotted path.
    pub(crate) fn lookup(&self, path: &str) -> Option<Entry> {
        let mut entry = Entry::Group(0);
        for name in path.split('.') {
            let Entry::Group(node) = entry else {
                return None;
            };
            entry = *self.nodes[node as usize].entries.get(name)?;
        }
        Some(entry)
    }
}
