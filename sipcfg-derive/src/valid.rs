//! Checks of a parsed declaration. Every mistake is reported at the tokens that make it.

use std::collections::BTreeMap;

use crate::ast::{option_inner, Input, Kind, Role};
use crate::attr::Errors;

pub fn check(input: &Input, errors: &mut Errors) {
    if let Some(param) = input.generics.params.first() {
        errors.spanned(
            syn::spanned::Spanned::span(param),
            "settings declarations cannot be generic",
        );
    }
    match input.kind {
        Kind::Object => {
            if let (Some(id_type), Some(id)) = (&input.attrs.id_type, &input.attrs.id) {
                errors.spanned(
                    syn::spanned::Spanned::span(id_type),
                    format!(
                        "a global object's id is fixed (`id = {:?}`): `id_type` is only for \
                         per-id objects, declared without `id`",
                        id.value()
                    ),
                );
            }
        }
        Kind::Group => {
            if let Some(group) = &input.attrs.group {
                errors.spanned(
                    group.span(),
                    "a settings group is stored inside its object: only a SettingsObject has a `group`",
                );
            }
            if let Some(id) = &input.attrs.id {
                errors.spanned(
                    id.span(),
                    "a settings group has no id: only a SettingsObject can have a static `id`",
                );
            }
            if let Some(id_type) = &input.attrs.id_type {
                errors.spanned(
                    syn::spanned::Spanned::span(id_type),
                    "a settings group has no id: only a per-id SettingsObject has an `id_type`",
                );
            }
        }
        Kind::Extension => {
            if let Some(group) = &input.attrs.group {
                errors.spanned(
                    group.span(),
                    "an extension is stored in its target's entry: it has no `group`",
                );
            }
            if let Some(id) = &input.attrs.id {
                errors.spanned(
                    id.span(),
                    "an extension has no id of its own: its settings are stored in the target's entry",
                );
            }
            if let Some(id_type) = &input.attrs.id_type {
                errors.spanned(
                    syn::spanned::Spanned::span(id_type),
                    "an extension has no id of its own: its target's declaration has the `id_type`",
                );
            }
        }
    }

    let mut names: BTreeMap<&str, &syn::Ident> = BTreeMap::new();
    for field in &input.fields {
        if let Some(first) = names.get(field.name.as_str()) {
            errors.spanned(
                field.name_span,
                format!(
                    "`{}` is already stored under the name \"{}\" (field `{}`): two fields cannot be stored \
                     under one name",
                    field.ident, field.name, first
                ),
            );
        } else {
            names.insert(&field.name, field.ident);
        }
        if field.name.is_empty() {
            errors.spanned(field.name_span, "a stored name must not be empty");
        }
        if field.name.contains('.') {
            errors.spanned(
                field.name_span,
                "a stored name cannot contain `.`: dotted paths separate groups (`tls.verify_server`)",
            );
        }
        if field.name == "__id__" {
            errors.spanned(field.name_span, "`__id__` is reserved for the object's id");
        }
    }

    check_accessor_names(input, errors);
    check_was(input, errors);

    for (field, attrs) in input.settings() {
        let optional = option_inner(field.ty).is_some();
        if let (Some(span), false) = (attrs.nillable, optional) {
            errors.spanned(
                span,
                format!(
                    "`nillable` needs an `Option<...>` type: declare `{}: Option<...>`",
                    field.ident
                ),
            );
        }
        // After a malformed `#[setting]` (a misspelled `default`, say), a missing default is a
        // consequence of the error already reported.
        // A field without any attribute may be a group missing its `#[group]`: the derive
        // tells the two apart with the type (see `expand::undecided_fields`).
        if attrs.default.is_none()
            && !optional
            && attrs.override_default.is_none()
            && !attrs.malformed
            && (attrs.span.is_some() || crate::expand::surely_a_setting_type(field.ty))
        {
            errors.spanned(
                field.ident.span(),
                format!(
                    "setting `{}` is not nillable and has no default: add `#[setting(default = ...)]` \
                     or make it an `Option<...>`",
                    field.ident
                ),
            );
        }
        if let Some(default) = &attrs.default {
            check_default(field, default, optional, errors);
        }
        if let Some(span) = attrs.override_default {
            if input.kind != Kind::Extension {
                errors.spanned(
                    span,
                    "`override_default` is only for extensions (#[extend(Target)])",
                );
            } else if attrs.default.is_none() {
                errors.spanned(span, "`override_default` replaces the target's default: give the new one with `default = ...`");
            }
        }
        if let Some(check) = &attrs.check {
            let sibling = input.fields.iter().find(|f| *f.ident == check.sibling);
            match sibling.map(|f| &f.role) {
                Some(Role::Setting(_)) => {}
                Some(Role::Group) => errors.spanned(
                    check.sibling.span(),
                    "the sibling of a check must be a setting, not a group",
                ),
                None => errors.spanned(
                    check.sibling.span(),
                    format!(
                        "no setting `{}` in this struct to check against",
                        check.sibling
                    ),
                ),
            }
        }
    }
}

/// Methods of `Object<T>` that would hide a generated accessor of the same name (they are found
/// first through `Deref`).
const OBJECT_METHODS: &[&str] = &[
    "id",
    "set_id",
    "save",
    "delete",
    "discard",
    "raw",
    "ext",
    "snapshot",
    "get_modified",
    "clone",
    "id_text",
    "effective_values",
    "to_json",
];

/// Methods of the generated `{Name}Ref` types.
const REF_METHODS: &[&str] = &["ext", "snapshot", "group_ref"];

/// Every generated accessor must have a name of its own: not one of the handle's methods, and
/// not another field's accessor (`x` next to `set_x`).
fn check_accessor_names(input: &Input, errors: &mut Errors) {
    let reserved = match input.kind {
        Kind::Object => OBJECT_METHODS,
        Kind::Group | Kind::Extension => REF_METHODS,
    };
    let mut taken: BTreeMap<String, &syn::Ident> = BTreeMap::new();
    for field in &input.fields {
        let base = field.ident.to_string().trim_start_matches("r#").to_owned();
        let names = match field.role {
            Role::Setting(_) => vec![
                base.clone(),
                format!("set_{base}"),
                format!("reset_{base}"),
                format!("{base}_modified"),
            ],
            Role::Group => vec![base.clone()],
        };
        for name in names {
            if reserved.contains(&name.as_str()) {
                let owner = if input.kind == Kind::Object {
                    "`Object`"
                } else {
                    "the generated accessor type"
                };
                let attribute = match field.role {
                    Role::Setting(_) => "setting",
                    Role::Group => "group",
                };
                errors.spanned(
                    field.ident.span(),
                    format!(
                        "the accessor `{name}` of `{base}` would be hidden by {owner}'s own \
                         `{name}`: name the field differently and keep the stored name with \
                         `#[{attribute}(name = \"{stored}\")]`",
                        stored = field.name
                    ),
                );
            } else if let Some(other) = taken.get(&name) {
                errors.spanned(
                    field.ident.span(),
                    format!("the accessor `{name}` of `{base}` is also an accessor of `{other}`"),
                );
            } else {
                taken.insert(name, field.ident);
            }
        }
    }
}

/// Checks a default that can be judged from its tokens: `Some(..)`/`None` on a nillable
/// setting, a number literal out of the range of the setting's primitive number type.
fn check_default(
    field: &crate::ast::Field,
    default: &syn::Expr,
    optional: bool,
    errors: &mut Errors,
) {
    let name = field.ident.to_string().trim_start_matches("r#").to_owned();
    if optional {
        if let syn::Expr::Call(call) = default {
            if is_path(&call.func, "Some") && call.args.len() == 1 {
                let inner = &call.args[0];
                errors.spanned(
                    syn::spanned::Spanned::span(default),
                    format!(
                        "the default of the nillable setting `{name}` is its inner value: write \
                         `default = {}` instead of `Some(..)`",
                        quote::ToTokens::to_token_stream(inner)
                    ),
                );
                return;
            }
        }
        if is_path(default, "None") {
            errors.spanned(
                syn::spanned::Spanned::span(default),
                format!(
                    "the nillable setting `{name}` is `None` by default: remove `default = None`"
                ),
            );
            return;
        }
    }
    let value_ty = option_inner(field.ty).unwrap_or(field.ty);
    let Some(number) = crate::expand::number_type(value_ty) else {
        return;
    };
    let (negative, literal) = match default {
        syn::Expr::Unary(syn::ExprUnary {
            op: syn::UnOp::Neg(_),
            expr,
            ..
        }) => (true, expr.as_ref()),
        other => (false, other),
    };
    let syn::Expr::Lit(syn::ExprLit { lit, .. }) = literal else {
        return;
    };
    match lit {
        syn::Lit::Int(int) if int.suffix().is_empty() && !number.starts_with('f') => {
            let Some((min, max)) = integer_range(&number) else {
                return;
            };
            let value = int
                .base10_parse::<u128>()
                .ok()
                .and_then(|v| i128::try_from(v).ok())
                .map(|v| if negative { -v } else { v });
            let in_range = value.is_some_and(|v| v >= min && v <= max);
            if !in_range {
                let sign = if negative { "-" } else { "" };
                errors.spanned(
                    syn::spanned::Spanned::span(default),
                    format!(
                        "`{sign}{}` is out of range for setting `{name}`, a `{number}` ({min} to {max})",
                        int.base10_digits()
                    ),
                );
            }
        }
        syn::Lit::Float(float) if float.suffix().is_empty() && !number.starts_with('f') => {
            errors.spanned(
                float.span(),
                format!(
                    "`{}` is not an integer: setting `{name}` is a `{number}`",
                    float.base10_digits()
                ),
            );
        }
        _ => {}
    }
}

fn is_path(expr: &syn::Expr, name: &str) -> bool {
    matches!(expr, syn::Expr::Path(path) if path.qself.is_none() && path.path.is_ident(name))
}

/// The range of a primitive integer type (`u128` capped at `i128::MAX`).
fn integer_range(number: &str) -> Option<(i128, i128)> {
    Some(match number {
        "u8" => (0, u8::MAX.into()),
        "u16" => (0, u16::MAX.into()),
        "u32" => (0, u32::MAX.into()),
        "u64" | "usize" => (0, u64::MAX.into()),
        "u128" => (0, i128::MAX),
        "i8" => (i8::MIN.into(), i8::MAX.into()),
        "i16" => (i16::MIN.into(), i16::MAX.into()),
        "i32" => (i32::MIN.into(), i32::MAX.into()),
        "i64" | "isize" => (i64::MIN.into(), i64::MAX.into()),
        "i128" => (i128::MIN, i128::MAX),
        _ => return None,
    })
}

/// `was = "..."` paths: well formed, and, where this declaration can tell (an object's own
/// names), not the place of a current setting or group. Paths into groups declared by other
/// types are checked when the object's layout is built (a clashing one is ignored there).
fn check_was(input: &Input, errors: &mut Errors) {
    for field in &input.fields {
        let mut seen: Vec<String> = Vec::new();
        for was in &field.was {
            let path = was.value();
            if path.is_empty() || path.split('.').any(str::is_empty) {
                errors.spanned(
                    was.span(),
                    "a `was` path is dotted names from the top of the object, e.g. \
                     `\"audio.srtp_encryption\"`: none of them may be empty",
                );
                continue;
            }
            if seen.contains(&path) {
                errors.spanned(was.span(), format!("duplicate `was = \"{path}\"`"));
                continue;
            }
            seen.push(path.clone());
            if input.kind != Kind::Object {
                continue;
            }
            let mut names = path.split('.');
            let first = names.next().unwrap_or_default();
            let deeper = names.next().is_some();
            let Some(current) = input.fields.iter().find(|f| f.name == first) else {
                continue;
            };
            let message = match (&current.role, deeper) {
                (Role::Setting(_), false) => format!(
                    "`was = \"{path}\"` clashes with the current setting `{first}` (field `{}`): \
                     loading would take its value and saving would remove it",
                    current.ident
                ),
                (Role::Setting(_), true) => format!(
                    "`was = \"{path}\"` cannot be: `{first}` is a current setting (field `{}`), \
                     not a group",
                    current.ident
                ),
                (Role::Group, false) => format!(
                    "`was = \"{path}\"` clashes with the current group `{first}` (field `{}`)",
                    current.ident
                ),
                (Role::Group, true) => continue,
            };
            errors.spanned(was.span(), message);
        }
    }
}
