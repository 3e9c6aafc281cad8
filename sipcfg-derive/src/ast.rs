//! The model of a settings declaration: the struct, its kind, and its setting and group fields.

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, Ident, Type, Visibility};

use crate::attr::{self, Errors, SettingAttrs, StructAttrs};

/// What is being declared.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Object,
    Group,
    Extension,
}

pub struct Input<'a> {
    pub ident: &'a Ident,
    pub vis: &'a Visibility,
    pub generics: &'a syn::Generics,
    pub doc: String,
    pub kind: Kind,
    pub attrs: StructAttrs,
    pub fields: Vec<Field<'a>>,
    /// A unit struct (an empty group).
    pub is_unit: bool,
}

pub struct Field<'a> {
    pub ident: &'a Ident,
    /// The field's visibility, which its accessors take.
    pub vis: &'a Visibility,
    pub ty: &'a Type,
    pub doc: String,
    /// The stored name.
    pub name: String,
    pub name_span: Span,
    pub role: Role,
    /// `was = "..."` of the setting or group: the paths (from the object's top) where it used
    /// to be stored.
    pub was: Vec<syn::LitStr>,
}

pub enum Role {
    Setting(Box<SettingAttrs>),
    Group,
}

impl Field<'_> {
    pub fn setting(&self) -> Option<&SettingAttrs> {
        match &self.role {
            Role::Setting(attrs) => Some(attrs.as_ref()),
            Role::Group => None,
        }
    }
}

impl<'a> Input<'a> {
    /// Builds the model from a derive input; shape errors (enum, union) are reported.
    pub fn from_derive(input: &'a DeriveInput, kind: Kind, errors: &mut Errors) -> Option<Self> {
        let fields = match &input.data {
            Data::Struct(data) => &data.fields,
            Data::Enum(data) => {
                errors.spanned(data.enum_token.span(), shape_error(kind, "an enum"));
                return None;
            }
            Data::Union(data) => {
                errors.spanned(data.union_token.span(), shape_error(kind, "a union"));
                return None;
            }
        };
        Self::build(
            &input.ident,
            &input.vis,
            &input.generics,
            &input.attrs,
            fields,
            kind,
            errors,
        )
    }

    pub fn build(
        ident: &'a Ident,
        vis: &'a Visibility,
        generics: &'a syn::Generics,
        attrs: &'a [syn::Attribute],
        fields: &'a Fields,
        kind: Kind,
        errors: &mut Errors,
    ) -> Option<Self> {
        // The struct's attributes first, so that errors are reported in source order.
        let struct_attrs = attr::struct_attrs(attrs, errors);
        let named = match fields {
            Fields::Named(named) => &named.named,
            Fields::Unnamed(unnamed) => {
                errors.spanned(unnamed.span(), shape_error(kind, "a tuple struct"));
                return None;
            }
            Fields::Unit => {
                // A unit struct declares an empty group (spec: `chat`, `desktop_sharing`).
                return Some(Input {
                    ident,
                    vis,
                    generics,
                    doc: attr::doc(attrs),
                    kind,
                    attrs: struct_attrs,
                    fields: Vec::new(),
                    is_unit: true,
                });
            }
        };
        let mut model = Vec::new();
        for field in named {
            let Some(field_ident) = &field.ident else {
                continue;
            };
            let setting = attr::setting_attrs(&field.attrs, errors);
            let group = attr::group_attrs(&field.attrs, errors);
            let (role, rename, was) = match (setting, group) {
                (setting, Some(group)) => {
                    if let Some(span) = setting.span {
                        errors.spanned(
                            span,
                            "a field is either a `#[setting]` or a `#[group]`, not both",
                        );
                    }
                    let rename = group.name.clone();
                    (Role::Group, rename, group.was)
                }
                (setting, None) => {
                    let rename = setting.name.clone();
                    let was = setting.was.clone();
                    (Role::Setting(Box::new(setting)), rename, was)
                }
            };
            let (name, name_span) = match rename {
                Some(lit) => (lit.value(), lit.span()),
                None => (
                    field_ident.to_string().trim_start_matches("r#").to_owned(),
                    field_ident.span(),
                ),
            };
            model.push(Field {
                ident: field_ident,
                vis: &field.vis,
                ty: &field.ty,
                doc: attr::doc(&field.attrs),
                name,
                name_span,
                role,
                was,
            });
        }
        Some(Input {
            ident,
            vis,
            generics,
            doc: attr::doc(attrs),
            kind,
            attrs: struct_attrs,
            fields: model,
            is_unit: false,
        })
    }

    pub fn settings(&self) -> impl Iterator<Item = (&Field<'a>, &SettingAttrs)> {
        self.fields
            .iter()
            .filter_map(|f| f.setting().map(|attrs| (f, attrs)))
    }

    pub fn groups(&self) -> impl Iterator<Item = &Field<'a>> {
        self.fields.iter().filter(|f| matches!(f.role, Role::Group))
    }
}

/// "`SettingsObject` can only be derived on a struct with named fields, not {what}".
pub fn shape_error(kind: Kind, not: &str) -> String {
    match kind {
        Kind::Object => {
            format!("`SettingsObject` can only be derived on a struct with named fields, not {not}")
        }
        Kind::Group => {
            format!("`SettingsGroup` can only be derived on a struct with named fields, not {not}")
        }
        Kind::Extension => {
            format!("`#[extend(...)]` can only be used on a struct with named fields, not {not}")
        }
    }
}

/// The `T` of `Option<T>`, if `ty` is written as an `Option`.
pub fn option_inner(ty: &Type) -> Option<&Type> {
    let Type::Path(path) = ty else {
        return None;
    };
    if path.qself.is_some() {
        return None;
    }
    let last = path.path.segments.last()?;
    if last.ident != "Option" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first() {
        Some(syn::GenericArgument::Type(inner)) if args.args.len() == 1 => Some(inner),
        _ => None,
    }
}
