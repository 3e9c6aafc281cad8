//! Parsing of the attributes: `#[settings(...)]` on the struct, `#[setting(...)]` and
//! `#[group]` on fields, and doc comments.

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{Attribute, Expr, Ident, LitStr, Path};

/// Collects errors so that all of them are reported, not the first only.
#[derive(Default)]
pub struct Errors {
    error: Option<syn::Error>,
    count: usize,
}

impl Errors {
    pub fn push(&mut self, error: syn::Error) {
        self.count += 1;
        match &mut self.error {
            Some(existing) => existing.combine(error),
            None => self.error = Some(error),
        }
    }

    pub fn spanned(&mut self, span: Span, message: impl std::fmt::Display) {
        self.push(syn::Error::new(span, message));
    }

    /// How many errors were pushed so far (to tell whether a step added any).
    pub fn count(&self) -> usize {
        self.count
    }

    pub fn finish(self) -> Result<(), syn::Error> {
        self.error.map_or(Ok(()), Err)
    }
}

/// `#[settings(group = "...", id = "...")]` on a struct.
#[derive(Default)]
pub struct StructAttrs {
    pub group: Option<LitStr>,
    pub id: Option<LitStr>,
    /// `id_type = Type`: the type of a per-id object's ids.
    pub id_type: Option<syn::Type>,
}

/// `#[setting(...)]` on a field.
#[derive(Default)]
pub struct SettingAttrs {
    /// The span of the `setting` word of the `#[setting]` attribute, if present.
    pub span: Option<Span>,
    /// The attribute had errors (an unknown or malformed key): checks that could be their
    /// consequence, like a missing default after a misspelled `default`, are not reported.
    pub malformed: bool,
    pub default: Option<Expr>,
    pub nillable: Option<Span>,
    pub runtime: Option<Span>,
    pub secret: Option<Span>,
    pub override_default: Option<Span>,
    pub name: Option<LitStr>,
    pub check: Option<Check>,
    /// `was = "old.path"`, any number of times: where the setting used to be stored.
    pub was: Vec<LitStr>,
}

/// `check(sibling = other_setting, with = path::to::function)`.
pub struct Check {
    pub sibling: Ident,
    pub with: Path,
}

/// `#[group]` or `#[group(name = "...", was = "...")]` on a field.
pub struct GroupAttrs {
    pub name: Option<LitStr>,
    /// `was = "old.path"`, any number of times: where the group used to be stored.
    pub was: Vec<LitStr>,
}

/// The text of the `///` comments, lines trimmed and joined with newlines.
pub fn doc(attrs: &[Attribute]) -> String {
    let mut lines = Vec::new();
    for attr in attrs {
        if !attr.path().is_ident("doc") {
            continue;
        }
        if let syn::Meta::NameValue(nv) = &attr.meta {
            if let Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) = &nv.value
            {
                lines.push(s.value().trim().to_owned());
            }
        }
    }
    lines.join("\n").trim().to_owned()
}

/// Remembers `span` in `slot`, or reports a duplicate.
fn once<T>(slot: &mut Option<T>, value: T, key: &Ident, errors: &mut Errors) {
    if slot.is_some() {
        errors.spanned(key.span(), format!("duplicate `{key}`"));
    } else {
        *slot = Some(value);
    }
}

pub fn struct_attrs(attrs: &[Attribute], errors: &mut Errors) -> StructAttrs {
    let mut result = StructAttrs::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident("settings")) {
        let parsed = attr.parse_nested_meta(|meta| {
            let key = meta.path.get_ident().cloned().ok_or_else(|| {
                meta.error("expected `group = \"...\"`, `id = \"...\"` or `id_type = Type`")
            })?;
            match key.to_string().as_str() {
                "group" => {
                    let value: LitStr = meta.value()?.parse()?;
                    once(&mut result.group, value, &key, errors);
                }
                "id" => {
                    let value: LitStr = meta.value()?.parse()?;
                    once(&mut result.id, value, &key, errors);
                }
                "id_type" => {
                    let value: syn::Type = meta.value()?.parse()?;
                    once(&mut result.id_type, value, &key, errors);
                }
                other => {
                    errors.spanned(
                        key.span(),
                        format!(
                            "unknown settings attribute `{other}`: expected `group`, `id` or \
                             `id_type`"
                        ),
                    );
                    if meta.input.peek(syn::Token![=]) {
                        let _: Expr = meta.value()?.parse()?;
                    }
                }
            }
            Ok(())
        });
        if let Err(error) = parsed {
            errors.push(error);
        }
    }
    result
}

pub fn setting_attrs(attrs: &[Attribute], errors: &mut Errors) -> SettingAttrs {
    let mut result = SettingAttrs::default();
    let before = errors.count();
    for attr in attrs.iter().filter(|a| a.path().is_ident("setting")) {
        if result.span.is_some() {
            errors.push(syn::Error::new_spanned(
                attr,
                "duplicate `#[setting]` attribute: give all of a setting's options in one \
                 `#[setting(...)]`",
            ));
            continue;
        }
        result.span = Some(attr.path().span());
        if matches!(attr.meta, syn::Meta::Path(_)) {
            continue;
        }
        let parsed = attr.parse_nested_meta(|meta| {
            let key = meta
                .path
                .get_ident()
                .cloned()
                .ok_or_else(|| meta.error("expected a setting attribute"))?;
            match key.to_string().as_str() {
                "default" => {
                    let value: Expr = meta.value()?.parse()?;
                    once(&mut result.default, value, &key, errors);
                }
                "name" => {
                    let value: LitStr = meta.value()?.parse()?;
                    once(&mut result.name, value, &key, errors);
                }
                "was" => result.was.push(meta.value()?.parse()?),
                "nillable" => once(&mut result.nillable, key.span(), &key, errors),
                "runtime" => once(&mut result.runtime, key.span(), &key, errors),
                "secret" => once(&mut result.secret, key.span(), &key, errors),
                "override_default" => once(&mut result.override_default, key.span(), &key, errors),
                "check" => {
                    let mut sibling = None;
                    let mut with = None;
                    meta.parse_nested_meta(|inner| {
                        let Some(inner_key) = inner.path.get_ident().cloned() else {
                            return Err(inner
                                .error("expected `sibling = setting_name` or `with = function`"));
                        };
                        match inner_key.to_string().as_str() {
                            "sibling" => {
                                let value = inner.value()?.parse::<Ident>()?;
                                once(&mut sibling, value, &inner_key, errors);
                            }
                            "with" => {
                                let value = inner.value()?.parse::<Path>()?;
                                once(&mut with, value, &inner_key, errors);
                            }
                            other => {
                                return Err(syn::Error::new(
                                    inner_key.span(),
                                    format!(
                                        "unknown check attribute `{other}`: expected \
                                         `sibling = setting_name` or `with = function`"
                                    ),
                                ))
                            }
                        }
                        Ok(())
                    })?;
                    match (sibling, with) {
                        (Some(sibling), Some(with)) => {
                            once(&mut result.check, Check { sibling, with }, &key, errors)
                        }
                        _ => errors.spanned(
                            key.span(),
                            "`check` needs both `sibling = setting_name` and `with = function`",
                        ),
                    }
                }
                other => {
                    errors.spanned(
                        key.span(),
                        format!(
                            "unknown setting attribute `{other}`: expected one of `default`, \
                             `nillable`, `runtime`, `secret`, `name`, `check`, `override_default`, \
                             `was`"
                        ),
                    );
                    if meta.input.peek(syn::Token![=]) {
                        let _: Expr = meta.value()?.parse()?;
                    }
                }
            }
            Ok(())
        });
        if let Err(error) = parsed {
            errors.push(error);
        }
    }
    result.malformed = errors.count() > before;
    result
}

pub fn group_attrs(attrs: &[Attribute], errors: &mut Errors) -> Option<GroupAttrs> {
    let mut result: Option<GroupAttrs> = None;
    for attr in attrs.iter().filter(|a| a.path().is_ident("group")) {
        if result.is_some() {
            errors.push(syn::Error::new_spanned(
                attr,
                "duplicate `#[group]` attribute",
            ));
            continue;
        }
        let mut group = GroupAttrs {
            name: None,
            was: Vec::new(),
        };
        if !matches!(attr.meta, syn::Meta::Path(_)) {
            let parsed = attr.parse_nested_meta(|meta| {
                let key = meta
                    .path
                    .get_ident()
                    .cloned()
                    .ok_or_else(|| meta.error("expected `name = \"...\"`"))?;
                if key == "name" {
                    let value: LitStr = meta.value()?.parse()?;
                    once(&mut group.name, value, &key, errors);
                } else if key == "was" {
                    group.was.push(meta.value()?.parse()?);
                } else {
                    errors.spanned(
                        key.span(),
                        format!(
                            "unknown group attribute `{key}`: expected `name = \"...\"` or \
                             `was = \"...\"`"
                        ),
                    );
                    if meta.input.peek(syn::Token![=]) {
                        let _: Expr = meta.value()?.parse()?;
                    }
                }
                Ok(())
            });
            if let Err(error) = parsed {
                errors.push(error);
            }
        }
        result = Some(group);
    }
    result
}

/// The arguments of `#[extend(Target)]` or `#[extend(Target, linked)]`.
pub struct ExtendArgs {
    pub target: syn::Path,
    /// Registered with every manager at start (linked in at build time).
    pub linked: bool,
}

impl syn::parse::Parse for ExtendArgs {
    fn parse(input: syn::parse::ParseStream) -> syn::Result<Self> {
        let target: syn::Path = input.parse().map_err(|error| {
            syn::Error::new(
                error.span(),
                "`#[extend]` needs the settings object or group it extends: \
                 `#[extend(SIPSimpleSettings)]`",
            )
        })?;
        let mut linked = false;
        while input.parse::<Option<syn::Token![,]>>()?.is_some() {
            if input.is_empty() {
                break;
            }
            let option: Ident = input.parse()?;
            if option == "linked" && !linked {
                linked = true;
            } else if option == "linked" {
                return Err(syn::Error::new(option.span(), "duplicate `linked`"));
            } else {
                return Err(syn::Error::new(
                    option.span(),
                    format!("unknown extension option `{option}`: expected `linked`"),
                ));
            }
        }
        if !input.is_empty() {
            return Err(input.error("expected `#[extend(Target)]` or `#[extend(Target, linked)]`"));
        }
        Ok(ExtendArgs { target, linked })
    }
}
