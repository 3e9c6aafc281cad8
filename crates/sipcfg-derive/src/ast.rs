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
    pub ty: &'a Type,
    pub doc: String,
    /// The stored name.
    pub name: String,
    pub name_span: Span,
    pub role: Role,
}

pub enum Role {
    Setting(SettingAttrs),
    Group,
}

impl Field<'_> {
    pub fn setting(&self) -> Option<&SettingAttrs> {
        match &self.role {
            Role::Setting(attrs) => Some(attrs),
            Role::Group => None,
        }
    }
}

impl<'a> Input<'a> {
    /// Builds the model from a derive input; shape errors (enum, tuple struct) are reported.
    pub fn from_derive(input: &'a DeriveInput, kind: Kind, errors: &mut Errors) -> Option<Self> {
        let what = match kind {
            Kind::Object => "SettingsObject",
            Kind::Group => "SettingsGroup",
            Kind::Extension => "an extension",
        };
        let fields = match &input.data {
            Data::Struct(data) => &data.fields,
            Data::Enum(data) => {
                errors.spanned(
                    data.enum_token.span(),
                    format!(
                        "{what} can only be derived on a struct with named fields, not an enum"
                    ),
                );
                return None;
            }
            Data::Union(data) => {
                errors.spanned(
                    data.union_token.span(),
                    format!(
                        "{what} can only be derived on a struct with named fields, not a union"
                    ),
                );
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
        let named = match fields {
            Fields::Named(named) => &named.named,
            Fields::Unnamed(unnamed) => {
                errors.spanned(
                    unnamed.span(),
                    "settings must be named fields: a tuple struct cannot declare settings",
                );
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
                    attrs: attr::struct_attrs(attrs, errors),
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
            let (role, rename) = match (setting, group) {
                (setting, Some(group)) => {
                    if let Some(span) = setting.span {
                        errors.spanned(
                            span,
                            "a field is either a `#[setting]` or a `#[group]`, not both",
                        );
                    }
                    let rename = group.name.clone();
                    (Role::Group, rename)
                }
                (setting, None) => {
                    let rename = setting.name.clone();
                    (Role::Setting(setting), rename)
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
                ty: &field.ty,
                doc: attr::doc(&field.attrs),
                name,
                name_span,
                role,
            });
        }
        Some(Input {
            ident,
            vis,
            generics,
            doc: attr::doc(attrs),
            kind,
            attrs: attr::struct_attrs(attrs, errors),
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
