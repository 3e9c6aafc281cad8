//! Code generation: the static schema, the typed accessors and the trait impls.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{DeriveInput, Item};

use crate::ast::{option_inner, shape_error, Field, Input, Kind, Role};
use crate::attr::{Errors, SettingAttrs};
use crate::valid;

pub fn derive(input: &DeriveInput, kind: Kind) -> TokenStream {
    let mut errors = Errors::default();
    let Some(model) = Input::from_derive(input, kind, &mut errors) else {
        return errors_to_tokens(errors);
    };
    valid::check(&model, &mut errors);
    let undecided = undecided_fields(&model);
    if let Err(error) = errors.finish() {
        let error = error.to_compile_error();
        return quote!(#error #undecided);
    }
    if let Some(checks) = undecided {
        return checks;
    }
    match kind {
        Kind::Object => object(&model),
        Kind::Group => group(&model),
        Kind::Extension => unreachable!("extensions go through `extension`"),
    }
}

/// Fields without any attribute, not `Option`, without default: a setting missing its default
/// or a group missing its `#[group]`, which only the type tells. If there are some, the checks
/// that say which (one error per field, at its type) replace the generated code.
fn undecided_fields(input: &Input) -> Option<TokenStream> {
    let undecided: Vec<&Field> = input
        .settings()
        .filter(|(field, attrs)| {
            attrs.span.is_none()
                && attrs.default.is_none()
                && attrs.override_default.is_none()
                && option_inner(field.ty).is_none()
                && !surely_a_setting_type(field.ty)
        })
        .map(|(field, _)| field)
        .collect();
    if undecided.is_empty() {
        return None;
    }
    let checks = undecided.iter().map(|field| {
        let ty = field.ty;
        let name = field_name(field);
        let ty_text = escape_braces(&text(ty));
        let group = compile_check(
            ty.span(),
            &quote!(!<#ty>::__SIPCFG_IS_GROUP),
            &lit(&format!(
                "`{ty_text}` is a settings group: mark the field `{name}` with `#[group]`"
            )),
            &lit("a settings group, not a setting"),
        );
        let setting = compile_check(
            ty.span(),
            &quote!(<#ty>::__SIPCFG_IS_GROUP),
            &lit(&format!(
                "setting `{name}` is not nillable and has no default: add \
                 `#[setting(default = ...)]` or make it an `Option<...>`"
            )),
            &lit("a setting needs a default or an `Option` type"),
        );
        quote!(#group #setting)
    });
    Some(quote! {
        #[allow(dead_code, non_snake_case)]
        const _: () = {
            trait __SipcfgNotAGroup {
                const __SIPCFG_IS_GROUP: bool = false;
            }
            impl<T: ?::core::marker::Sized> __SipcfgNotAGroup for T {}
            #(#checks)*
        };
    })
}

/// Built-in setting types, never groups: `bool`, the numbers, `String`, `Vec<..>`.
pub fn surely_a_setting_type(ty: &syn::Type) -> bool {
    if number_type(ty).is_some() {
        return true;
    }
    let syn::Type::Path(path) = ty else {
        return false;
    };
    path.qself.is_none()
        && path.path.segments.last().is_some_and(|last| {
            ["bool", "String", "Vec"].contains(&last.ident.to_string().as_str())
        })
}

/// `#[extend(Target)]` on `item`. `target` is the parsed argument, or why it did not parse.
pub fn extension(item: Item, args: syn::Result<crate::attr::ExtendArgs>) -> TokenStream {
    let mut errors = Errors::default();
    let args = args.map_err(|error| errors.push(error)).ok();
    let linked = args.as_ref().is_some_and(|a| a.linked);
    let target = args.map(|a| a.target);
    let mut item = match item {
        Item::Struct(item) => item,
        Item::Enum(mut item) => {
            errors.spanned(
                item.enum_token.span,
                shape_error(Kind::Extension, "an enum"),
            );
            strip_helper_attrs(&mut item.attrs);
            for variant in &mut item.variants {
                for field in variant.fields.iter_mut() {
                    strip_helper_attrs(&mut field.attrs);
                }
            }
            let errors = errors_to_tokens(errors);
            return quote!(#item #errors);
        }
        Item::Union(mut item) => {
            errors.spanned(
                item.union_token.span,
                shape_error(Kind::Extension, "a union"),
            );
            strip_helper_attrs(&mut item.attrs);
            for field in item.fields.named.iter_mut() {
                strip_helper_attrs(&mut field.attrs);
            }
            let errors = errors_to_tokens(errors);
            return quote!(#item #errors);
        }
        other => {
            errors.spanned(
                Span::call_site(),
                "`#[extend(...)]` can only be used on a struct with named fields",
            );
            let errors = errors_to_tokens(errors);
            return quote!(#other #errors);
        }
    };
    // An attribute macro sees fields before `#[cfg]` removes them: the generated code would
    // name fields that do not exist.
    let mut has_cfg_field = false;
    for field in item.fields.iter() {
        if let Some(cfg) = field.attrs.iter().find(|a| a.path().is_ident("cfg")) {
            has_cfg_field = true;
            errors.push(syn::Error::new_spanned(
                cfg,
                "`#[cfg]` on a field of an extension is not supported: put the optional settings \
                 in an extension of their own and `#[cfg]` that extension",
            ));
        }
    }
    let generated = if has_cfg_field {
        None
    } else {
        let model = Input::build(
            &item.ident,
            &item.vis,
            &item.generics,
            &item.attrs,
            &item.fields,
            Kind::Extension,
            &mut errors,
        );
        match model {
            Some(model) => {
                valid::check(&model, &mut errors);
                undecided_fields(&model).or_else(|| {
                    target
                        .as_ref()
                        .map(|target| extension_impls(&model, target, linked))
                })
            }
            None => None,
        }
    };
    // The helper attributes are ours: remove them from the struct we hand back.
    strip_helper_attrs(&mut item.attrs);
    for field in item.fields.iter_mut() {
        strip_helper_attrs(&mut field.attrs);
    }
    let errors = errors_to_tokens(errors);
    let generated = generated.unwrap_or_default();
    quote! {
        #[allow(dead_code)]
        #item
        #errors
        #generated
    }
}

/// Removes `#[settings]`, `#[setting]` and `#[group]`, which only `#[extend]` understands.
fn strip_helper_attrs(attrs: &mut Vec<syn::Attribute>) {
    attrs.retain(|a| {
        !a.path().is_ident("settings")
            && !a.path().is_ident("setting")
            && !a.path().is_ident("group")
    });
}

fn errors_to_tokens(errors: Errors) -> TokenStream {
    match errors.finish() {
        Ok(()) => TokenStream::new(),
        Err(error) => error.to_compile_error(),
    }
}

fn lit(text: &str) -> syn::LitStr {
    syn::LitStr::new(text, Span::call_site())
}

/// `tokens` as compact text, for messages: `Option<String>`, `crate::App`.
fn text(tokens: &impl quote::ToTokens) -> String {
    tokens
        .to_token_stream()
        .to_string()
        .replace(' ', "")
        .replace(",", ", ")
}

/// `text` for a `#[diagnostic::on_unimplemented]` message, where braces are placeholders.
fn escape_braces(text: &str) -> String {
    text.replace('{', "{{").replace('}', "}}")
}

/// The field's Rust name, for messages.
fn field_name(field: &Field) -> String {
    field.ident.to_string().trim_start_matches("r#").to_owned()
}

/// The hidden function of a target naming the type of its setting stored as `name`. Stored
/// names may hold any character: `_` is written `__`, other non-alphanumerics `_x{hex}_`.
fn marker_ident(name: &str) -> syn::Ident {
    let mut ident = String::from("__sipcfg_type_of_");
    for c in name.chars() {
        match c {
            c if c.is_ascii_alphanumeric() => ident.push(c),
            '_' => ident.push_str("__"),
            c => ident.push_str(&format!("_x{:x}_", u32::from(c))),
        }
    }
    format_ident!("{}", ident)
}

/// `<ty as Setting>::Type`, spanned at the field's type: every generated use of a setting's
/// type goes through this projection, so that a type that is not a `SettingType` is reported
/// once, at the type (the failed projection silences the uses that follow from it).
fn setting_ty(ty: &syn::Type) -> TokenStream {
    quote_spanned! {ty.span()=> <#ty as ::sipcfg::__private::Setting>::Type }
}

/// `static SCHEMA: OnceLock<GroupSchema>` and the function returning it.
fn schema_fn(input: &Input) -> TokenStream {
    let ident = input.ident;
    let type_name = lit(&ident.to_string());
    let doc = lit(&input.doc);
    let settings = input
        .settings()
        .map(|(field, attrs)| setting_schema(input, field, attrs));
    let groups = input.groups().map(|field| {
        let name = lit(&field.name);
        let doc = lit(&field.doc);
        let ty = field.ty;
        let was = &field.was;
        quote_spanned! {ty.span()=>
            ::sipcfg::__private::GroupField {
                name: #name,
                doc: #doc,
                schema: <#ty as ::sipcfg::SettingsDeclaration>::schema,
                was: &[#(#was),*],
            }
        }
    });
    quote! {
        fn schema() -> &'static ::sipcfg::__private::GroupSchema {
            static SCHEMA: ::sipcfg::__private::OnceLock<::sipcfg::__private::GroupSchema> =
                ::sipcfg::__private::OnceLock::new();
            SCHEMA.get_or_init(|| ::sipcfg::__private::GroupSchema {
                type_name: #type_name,
                type_id: ::sipcfg::__private::TypeId::of::<#ident>,
                doc: #doc,
                settings: ::std::vec![#(#settings),*],
                groups: ::std::vec![#(#groups),*],
            })
        }
    }
}

fn setting_schema(input: &Input, field: &Field, attrs: &SettingAttrs) -> TokenStream {
    let ty = field.ty;
    let name = lit(&field.name);
    let doc = lit(&field.doc);
    let rust_type = lit(&quote!(#ty).to_string().replace(' ', ""));
    let nillable = option_inner(ty).is_some();
    let runtime = attrs.runtime.is_some();
    let secret = attrs.secret.is_some();
    let override_default = attrs.override_default.is_some();
    let default = default_fn(field, attrs);
    let was = &field.was;
    let checked = setting_ty(ty);
    let correlation = match &attrs.check {
        None => quote!(::core::option::Option::None),
        Some(check) => {
            let sibling = input
                .fields
                .iter()
                .find(|f| *f.ident == check.sibling)
                .expect("validated: the sibling exists");
            let sibling_name = lit(&sibling.name);
            let sibling_ty = sibling.ty;
            let with = &check.with;
            let checked = setting_ty(ty);
            let sibling_checked = setting_ty(sibling_ty);
            let signature = format!("fn(&{}, &{}) -> Result<(), E>", text(ty), text(sibling_ty));
            let message = lit(&escape_braces(&format!(
                "`{}` cannot check setting `{}` against `{}`: expected a function `{signature}` \
                 taking the setting's value and its sibling's, with `E: Into<sipcfg::ValueError>`",
                text(with),
                field_name(field),
                check.sibling,
            )));
            let label = lit(&escape_braces(&format!("expected a `{signature}`")));
            // The check goes through a trait of ours, so that a function of the wrong shape is
            // reported at `with = ...` by the compiler's signature comparison or this message.
            quote_spanned! {with.span()=>
                ::core::option::Option::Some(::sipcfg::__private::Correlation {
                    sibling: #sibling_name,
                    check: |value, sibling| {
                        #[diagnostic::on_unimplemented(message = #message, label = #label)]
                        trait __SipcfgCheck<T, S> {
                            fn __sipcfg_check(
                                &self,
                                value: &T,
                                sibling: &S,
                            ) -> ::core::result::Result<(), ::sipcfg::ValueError>;
                        }
                        impl<T, S, E, F> __SipcfgCheck<T, S> for F
                        where
                            E: ::core::convert::Into<::sipcfg::ValueError>,
                            F: ::core::ops::Fn(&T, &S) -> ::core::result::Result<(), E>,
                        {
                            fn __sipcfg_check(
                                &self,
                                value: &T,
                                sibling: &S,
                            ) -> ::core::result::Result<(), ::sipcfg::ValueError> {
                                (self)(value, sibling).map_err(::core::convert::Into::into)
                            }
                        }
                        ::sipcfg::__private::correlate::<#checked, #sibling_checked, ::sipcfg::ValueError>(
                            |value, sibling| {
                                __SipcfgCheck::<#checked, #sibling_checked>::__sipcfg_check(
                                    &#with, value, sibling,
                                )
                            },
                            value,
                            sibling,
                        )
                    },
                })
            }
        }
    };
    quote! {
        ::sipcfg::__private::SettingSchema {
            name: #name,
            doc: #doc,
            rust_type: #rust_type,
            nillable: #nillable,
            runtime: #runtime,
            secret: #secret,
            override_default: #override_default,
            default: #default,
            ops: ::sipcfg::__private::SettingOps::of::<#checked>(),
            correlation: #correlation,
            was: &[#(#was),*],
        }
    }
}

/// The default as a `fn() -> SharedValue`; type errors point at the user's expression and name
/// the setting.
fn default_fn(field: &Field, attrs: &SettingAttrs) -> TokenStream {
    let ty = field.ty;
    let checked = setting_ty(ty);
    let inner = option_inner(ty);
    let Some(expr) = &attrs.default else {
        return match inner {
            Some(_) => quote! {
                || ::sipcfg::__private::shared::<#checked>(::core::option::Option::None)
            },
            // Refused by validation, except for overrides without default (also refused).
            None => quote! {
                || ::core::unreachable!("validated: non-nillable settings have a default")
            },
        };
    };
    let value_ty = inner.unwrap_or(ty);
    // A plain number literal takes the setting's number type, as serde and clap accept it:
    // `default = 5060` on a `u16` is `5060u16` (its range was checked by validation).
    let coerced = number_type(value_ty).and_then(|number| coerce_literal(expr, &number));
    let expr = coerced.as_ref().unwrap_or(expr);
    let value_text = escape_braces(&text(value_ty));
    let message = lit(&format!(
        "the default of setting `{}` must be a `{value_text}` or convert into one with `Into`, \
         not `{{V}}`",
        field_name(field),
    ));
    let label = lit(&format!("expected a `{value_text}`"));
    // A plain number literal on a type that is not a primitive number stays an `i32`/`f64`.
    let note = if coerced.is_none() && unsuffixed_number(expr).is_some() {
        let note = lit(&format!(
            "a plain number literal takes the setting's type only when that type is a primitive \
             number (`u8` ... `f64`): for a `{value_text}`, write an expression of that type"
        ));
        quote!(, note = #note)
    } else {
        TokenStream::new()
    };
    let value = match inner {
        Some(_) => quote_spanned!(expr.span()=> ::core::option::Option::Some(value)),
        None => quote_spanned!(expr.span()=> value),
    };
    quote_spanned! {expr.span()=>
        || {
            #[diagnostic::on_unimplemented(message = #message, label = #label #note)]
            trait __SipcfgDefault<V> {
                fn __sipcfg_default(value: V) -> Self;
            }
            impl<T, V: ::core::convert::Into<T>> __SipcfgDefault<V> for T {
                fn __sipcfg_default(value: V) -> T {
                    ::core::convert::Into::into(value)
                }
            }
            let value: #value_ty = __SipcfgDefault::__sipcfg_default(#expr);
            ::sipcfg::__private::shared::<#checked>(#value)
        }
    }
}

/// `expr`, an unsuffixed number literal (possibly negated), with the suffix of `number`,
/// spanned at the literal. `None` if `expr` is not such a literal, or is a float literal for an
/// integer type (left to the type error).
fn coerce_literal(expr: &syn::Expr, number: &str) -> Option<syn::Expr> {
    let is_float_type = number.starts_with('f');
    match expr {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(lit),
            attrs,
        }) if lit.suffix().is_empty() => {
            let digits = lit.base10_digits();
            let lit = if is_float_type {
                syn::Lit::Float(syn::LitFloat::new(
                    &format!("{digits}.0{number}"),
                    lit.span(),
                ))
            } else {
                syn::Lit::Int(syn::LitInt::new(&format!("{digits}{number}"), lit.span()))
            };
            Some(syn::Expr::Lit(syn::ExprLit {
                lit,
                attrs: attrs.clone(),
            }))
        }
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Float(lit),
            attrs,
        }) if lit.suffix().is_empty() && is_float_type => {
            let text = format!("{}{number}", lit.base10_digits());
            Some(syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Float(syn::LitFloat::new(&text, lit.span())),
                attrs: attrs.clone(),
            }))
        }
        syn::Expr::Unary(
            unary @ syn::ExprUnary {
                op: syn::UnOp::Neg(_),
                ..
            },
        ) => coerce_literal(&unary.expr, number).map(|inner| {
            syn::Expr::Unary(syn::ExprUnary {
                expr: Box::new(inner),
                ..unary.clone()
            })
        }),
        _ => None,
    }
}

/// The name of a primitive number type, if `ty` is written as one.
pub fn number_type(ty: &syn::Type) -> Option<String> {
    const NUMBERS: [&str; 14] = [
        "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128", "isize",
        "f32", "f64",
    ];
    let syn::Type::Path(path) = ty else {
        return None;
    };
    let ident = path.path.get_ident()?.to_string();
    NUMBERS.contains(&ident.as_str()).then_some(ident)
}

/// `5`, `-5`, `2.5`: a number literal whose type the compiler has to guess. `Some(true)` for a
/// float.
fn unsuffixed_number(expr: &syn::Expr) -> Option<bool> {
    match expr {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(lit),
            ..
        }) => lit.suffix().is_empty().then_some(false),
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Float(lit),
            ..
        }) => lit.suffix().is_empty().then_some(true),
        syn::Expr::Unary(syn::ExprUnary {
            op: syn::UnOp::Neg(_),
            expr,
            ..
        }) => unsuffixed_number(expr),
        _ => None,
    }
}

/// The accessor methods of every field, reading through `group` (an expression of type
/// `GroupRef<'lifetime>`).
fn accessors(input: &Input, group: &TokenStream, lifetime: &TokenStream) -> TokenStream {
    let mut methods = Vec::new();
    for (ordinal, (field, _attrs)) in input.settings().enumerate() {
        let ident = field.ident;
        let vis = field.vis;
        let ty = field.ty;
        let checked = setting_ty(ty);
        let set = format_ident!("set_{}", ident.to_string().trim_start_matches("r#"));
        let reset = format_ident!("reset_{}", ident.to_string().trim_start_matches("r#"));
        let doc = if field.doc.is_empty() {
            format!("The `{}` setting.", field.name)
        } else {
            field.doc.clone()
        };
        let set_doc = match option_inner(ty) {
            Some(inner) => format!(
                "Assigns `{}`: a value accepted for `{}` (see `sipcfg::IntoSetting`) sets it, \
                 `None` clears it. A value that does not convert changes nothing and is returned \
                 as an error (`ConfigurationError::Setting`).",
                field.name,
                quote!(#inner).to_string().replace(' ', "")
            ),
            None => format!(
                "Assigns `{}`: a `{}` or a value with a checked conversion into it (see \
                 `sipcfg::IntoSetting`). A value that does not convert changes nothing and is \
                 returned as an error (`ConfigurationError::Setting`).",
                field.name,
                quote!(#ty).to_string().replace(' ', "")
            ),
        };
        let reset_doc = format!(
            "Resets `{}` to its default: its explicit value is removed from storage at the next save.",
            field.name
        );
        let setter = match option_inner(ty) {
            Some(inner) => quote! {
                #[doc = #set_doc]
                #vis fn #set<M>(
                    &self,
                    value: impl ::sipcfg::IntoNillable<#inner, M>,
                ) -> ::core::result::Result<(), ::sipcfg::ConfigurationError> {
                    #group
                        .set_converted::<#checked>(#ordinal, ::sipcfg::IntoNillable::into_nillable(value))
                        .map_err(::core::convert::From::from)
                }
            },
            None => quote! {
                #[doc = #set_doc]
                #vis fn #set(
                    &self,
                    value: impl ::sipcfg::IntoSetting<#ty>,
                ) -> ::core::result::Result<(), ::sipcfg::ConfigurationError> {
                    #group
                        .set::<#checked>(#ordinal, value)
                        .map_err(::core::convert::From::from)
                }
            },
        };
        let modified = format_ident!("{}_modified", ident.to_string().trim_start_matches("r#"));
        let modified_doc = format!(
            "The old and new value of `{}` if it changed since the last save (the typed form of \
             its `get_modified()` entry).",
            field.name
        );
        methods.push(quote! {
            #[doc = #doc]
            #vis fn #ident(&self) -> #ty {
                #group.get::<#checked>(#ordinal)
            }
            #[doc = #modified_doc]
            #vis fn #modified(&self) -> ::core::option::Option<::sipcfg::Change<#ty>> {
                #group.modified::<#checked>(#ordinal)
            }
            #setter
            #[doc = #reset_doc]
            #vis fn #reset(&self) {
                #group.reset(#ordinal)
            }
        });
    }
    for (ordinal, field) in input.groups().enumerate() {
        let ident = field.ident;
        let vis = field.vis;
        let ty = field.ty;
        let doc = if field.doc.is_empty() {
            format!("The `{}` group.", field.name)
        } else {
            field.doc.clone()
        };
        // Only the type carries the user's span (so that "not a settings group" points at it);
        // the method itself is the macro's, so lints about it do not land on the user's code.
        let returned = quote_spanned! {ty.span()=>
            <#ty as ::sipcfg::SettingsGroup>::Ref<#lifetime>
        };
        methods.push(quote! {
            #[doc = #doc]
            #vis fn #ident(&self) -> #returned {
                ::core::convert::From::from(#group.group(#ordinal))
            }
        });
    }
    quote!(#(#methods)*)
}

/// Hidden functions naming each setting's type, so that an extension's override is checked
/// against the target's type by the compiler.
fn type_markers(input: &Input) -> TokenStream {
    let ident = input.ident;
    let markers = input.settings().map(|(field, _)| {
        let marker = marker_ident(&field.name);
        let ty = field.ty;
        quote! {
            #[doc(hidden)]
            #[allow(non_snake_case)]
            pub fn #marker() -> ::core::marker::PhantomData<#ty> {
                ::core::marker::PhantomData
            }
        }
    });
    let names = input.fields.iter().map(|f| lit(&f.name));
    let setting_names = input.settings().map(|(f, _)| lit(&f.name));
    quote! {
        impl #ident {
            /// Every stored name this type declares (for extension checks).
            #[doc(hidden)]
            pub const __SIPCFG_NAMES: &'static [&'static str] = &[#(#names),*];
            /// The stored names of its settings (for extension checks).
            #[doc(hidden)]
            pub const __SIPCFG_SETTING_NAMES: &'static [&'static str] = &[#(#setting_names),*];
            /// Extensions may target this type.
            #[doc(hidden)]
            pub const __SIPCFG_IS_TARGET: bool = true;
            #(#markers)*
        }
        impl ::sipcfg::ExtensionTarget for #ident {}
    }
}

/// The `{Name}Ref<'a>` accessor type shared by groups and extensions.
fn ref_type(input: &Input, target_for_ext: &TokenStream) -> (syn::Ident, TokenStream) {
    let ident = input.ident;
    let vis = input.vis;
    let reference = format_ident!("{}Ref", ident);
    let group = quote!(self.0);
    let methods = accessors(input, &group, &quote!('a));
    let doc = format!("Typed accessors of the settings of [`{ident}`] in one object.");
    let tokens = quote! {
        #[doc = #doc]
        #[derive(Clone, Copy, Debug)]
        #vis struct #reference<'a>(::sipcfg::GroupRef<'a>);

        impl<'a> ::core::convert::From<::sipcfg::GroupRef<'a>> for #reference<'a> {
            fn from(group: ::sipcfg::GroupRef<'a>) -> Self {
                #reference(group)
            }
        }

        impl<'a> #reference<'a> {
            #methods

            /// A plain copy of the current values.
            pub fn snapshot(&self) -> #ident {
                <#ident as ::sipcfg::SettingsDeclaration>::snapshot(self.0)
            }

            /// The untyped view of this group.
            pub fn group_ref(&self) -> ::sipcfg::GroupRef<'a> {
                self.0
            }

            /// The accessors of extension `E` of this group.
            pub fn ext<E: ::sipcfg::Extension<Target = #target_for_ext>>(&self) -> E::Ref<'a> {
                ::core::convert::From::from(self.0.ext::<E>())
            }
        }
    };
    (reference, tokens)
}

fn group(input: &Input) -> TokenStream {
    let ident = input.ident;
    let schema = schema_fn(input);
    let (reference, ref_tokens) = ref_type(input, &quote!(#ident));
    let markers = type_markers(input);
    let snapshot = snapshot_fn(input);
    let from_data = from_data_fn(input);
    let debug_fn = debug_fn(input);
    let std_impls = std_impls(input);
    quote! {
        #ref_tokens
        #std_impls

        impl ::sipcfg::SettingsDeclaration for #ident {
            #schema
            #snapshot
            #from_data
            #debug_fn
        }

        impl ::sipcfg::SettingsGroup for #ident {
            type Ref<'a> = #reference<'a>;
        }

        impl #ident {
            /// A settings group (for the check that group fields are marked `#[group]`).
            #[doc(hidden)]
            pub const __SIPCFG_IS_GROUP: bool = true;

            /// Registers extension `E` of this group with `manager` (spec:
            /// `register_extension`); the same as `manager.register_extension::<E>()`.
            pub fn register_extension<E: ::sipcfg::Extension<Target = Self>>(
                manager: &::sipcfg::ConfigurationManager,
            ) -> ::core::result::Result<(), ::sipcfg::ConfigurationError> {
                manager.register_extension::<E>()
            }
        }

        #markers
    }
}

fn object(input: &Input) -> TokenStream {
    let ident = input.ident;
    let vis = input.vis;
    let schema = schema_fn(input);
    let handle = format_ident!("{}Handle", ident);
    let group_expr = quote!(self.0.root());
    let methods = accessors(input, &group_expr, &quote!('_));
    let markers = type_markers(input);
    let snapshot = snapshot_fn(input);
    let from_data = from_data_fn(input);
    let debug_fn = debug_fn(input);
    let group = match &input.attrs.group {
        Some(group) => quote!(::core::option::Option::Some(#group)),
        None => quote!(::core::option::Option::None),
    };
    let id_type = match &input.attrs.id_type {
        // Spanned at the user's type, so that a type without `ObjectId` is reported there.
        Some(id_type) => quote_spanned!(id_type.span()=> #id_type),
        None => quote!(::std::string::String),
    };
    let (id, obtain) = match &input.attrs.id {
        Some(id) => (
            quote!(::core::option::Option::Some(#id)),
            quote! {
                /// The object in `manager` (loaded and activated at first use).
                pub fn get(
                    manager: &::sipcfg::ConfigurationManager,
                ) -> ::core::result::Result<::sipcfg::Object<Self>, ::sipcfg::ConfigurationError> {
                    ::sipcfg::Object::global(manager)
                }
            },
        ),
        None => (
            quote!(::core::option::Option::None),
            quote! {
                /// The object `id` in `manager`: the live one, else the stored one, else a new one
                /// (stored at its first save). The id is checked (and normalised) with the id
                /// type: one that does not convert is an error.
                pub fn get(
                    manager: &::sipcfg::ConfigurationManager,
                    id: &str,
                ) -> ::core::result::Result<::sipcfg::Object<Self>, ::sipcfg::ConfigurationError> {
                    ::sipcfg::Object::get_or_create(manager, id)
                }

                /// The object `id` in `manager` if it is live or stored (the id is checked as by
                /// `get`).
                pub fn get_existing(
                    manager: &::sipcfg::ConfigurationManager,
                    id: &str,
                ) -> ::core::result::Result<
                    ::core::option::Option<::sipcfg::Object<Self>>,
                    ::sipcfg::ConfigurationError,
                > {
                    ::sipcfg::Object::get_existing(manager, id)
                }

                /// The ids of every stored or live object of this type, sorted. Stored entries
                /// whose names are not ids are reported (`ManagerLoadFailed`), kept, and listed by
                /// `invalid_ids`.
                pub fn ids(
                    manager: &::sipcfg::ConfigurationManager,
                ) -> ::core::result::Result<
                    ::std::vec::Vec<<Self as ::sipcfg::SettingsObject>::Id>,
                    ::sipcfg::ConfigurationError,
                > {
                    ::sipcfg::Object::<Self>::ids(manager)
                }

                /// The stored entries of this type's group whose names are not ids of it, with
                /// the reason; they are kept in storage untouched.
                pub fn invalid_ids(
                    manager: &::sipcfg::ConfigurationManager,
                ) -> ::core::result::Result<
                    ::std::vec::Vec<(::std::string::String, ::sipcfg::ValueError)>,
                    ::sipcfg::ConfigurationError,
                > {
                    ::sipcfg::Object::<Self>::invalid_ids(manager)
                }
            },
        ),
    };
    let std_impls = std_impls(input);
    let handle_doc = format!(
        "Typed accessors of a [`{ident}`] object, reached through `Object<{ident}>`'s `Deref`."
    );
    quote! {
        #[doc = #handle_doc]
        #[derive(Clone)]
        #vis struct #handle(::sipcfg::RawObject);

        impl ::core::convert::From<::sipcfg::RawObject> for #handle {
            fn from(raw: ::sipcfg::RawObject) -> Self {
                #handle(raw)
            }
        }

        impl ::core::convert::AsRef<::sipcfg::RawObject> for #handle {
            fn as_ref(&self) -> &::sipcfg::RawObject {
                &self.0
            }
        }

        impl ::core::fmt::Debug for #handle {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                ::core::fmt::Debug::fmt(&self.0, f)
            }
        }

        impl #handle {
            #methods
        }

        #std_impls

        impl ::sipcfg::SettingsDeclaration for #ident {
            #schema
            #snapshot
            #from_data
            #debug_fn
        }

        impl ::sipcfg::SettingsObject for #ident {
            const GROUP: ::core::option::Option<&'static str> = #group;
            const ID: ::core::option::Option<&'static str> = #id;
            type Id = #id_type;
            type Handle = #handle;
        }

        impl #ident {
            #obtain

            /// Registers extension `E` of this object with `manager` (spec: `register_extension`).
            pub fn register_extension<E: ::sipcfg::Extension<Target = Self>>(
                manager: &::sipcfg::ConfigurationManager,
            ) -> ::core::result::Result<(), ::sipcfg::ConfigurationError> {
                manager.register_extension::<E>()
            }
        }

        #markers
    }
}

fn extension_impls(input: &Input, target: &syn::Path, linked: bool) -> TokenStream {
    let ident = input.ident;
    let schema = schema_fn(input);
    let (reference, ref_tokens) = ref_type(input, &quote!(#target));
    let snapshot = snapshot_fn(input);
    let from_data = from_data_fn(input);
    let debug_fn = debug_fn(input);
    let target_text = text(target);
    // Names must not clash with the target's own, unless overriding a default; an override must
    // name a setting of the target, of the same type. The target's hidden items come from its
    // derive (`type_markers`); if it has none, it is not a settings type, which the
    // `ExtensionTarget` bound reports: `__SipcfgNotATarget` then stands in, so nothing else is.
    let mut fallback_markers = Vec::new();
    let checks = input.settings().map(|(field, attrs)| {
        let name = lit(&field.name);
        let ty = field.ty;
        if attrs.override_default.is_some() {
            let marker = marker_ident(&field.name);
            fallback_markers.push(quote! {
                fn #marker() -> ::core::marker::PhantomData<#ty> {
                    ::core::marker::PhantomData
                }
            });
            let missing = lit(&format!(
                "extension `{ident}` overrides the default of `{}`, but `{target_text}` has no \
                 setting stored as \"{}\"",
                field_name(field),
                field.name,
            ));
            // `{Self}` and `{T}` are filled in by the compiler.
            let message = lit(&format!(
                "extension `{ident}` overrides `{}` as a `{{Self}}`, but `{}` declares it as a \
                 `{{T}}`",
                field_name(field),
                escape_braces(&target_text),
            ));
            let label = lit(&format!(
                "must be `{{T}}`, the type of `{}` in `{}`",
                escape_braces(&field.name),
                escape_braces(&target_text)
            ));
            let exists = compile_check(
                field.name_span,
                &quote! {
                    !<#target>::__SIPCFG_IS_TARGET
                        || ::sipcfg::__private::contains(<#target>::__SIPCFG_SETTING_NAMES, #name)
                },
                &missing,
                &lit("no such setting in the target"),
            );
            let same_type = quote_spanned! {ty.span()=>
                const _: () = {
                    #[diagnostic::on_unimplemented(message = #message, label = #label)]
                    trait __SipcfgSameType<T> {}
                    impl<T> __SipcfgSameType<T> for T {}
                    // A second impl, so that the compiler does not infer `T` from the first one
                    // before it sees the target's type.
                    struct __SipcfgNever<T>(T);
                    impl<T> __SipcfgSameType<__SipcfgNever<T>> for T {}
                    fn __sipcfg_same<A: __SipcfgSameType<B>, B>(_: ::core::marker::PhantomData<B>) {}
                    fn __sipcfg_check() {
                        __sipcfg_same::<#ty, _>(<#target>::#marker());
                    }
                };
            };
            quote!(#exists #same_type)
        } else {
            let setting = lit(&format!(
                "extension `{ident}` declares `{}`, a setting `{target_text}` already has: add \
                 `override_default` to give it a new default",
                field.name
            ));
            let group = lit(&format!(
                "extension `{ident}` declares `{}`, the name of a group of `{target_text}`: a \
                 setting cannot replace a group",
                field.name
            ));
            clash_asserts(target, &name, field.name_span, &setting, &group)
        }
    });
    let checks: Vec<TokenStream> = checks.collect();
    let group_checks = input.groups().map(|field| {
        let name = lit(&field.name);
        let setting = lit(&format!(
            "extension `{ident}` declares the group `{}`, the name of a setting of \
             `{target_text}`: choose another name",
            field.name
        ));
        let group = lit(&format!(
            "extension `{ident}` declares the group `{}`, which `{target_text}` already has: \
             extend the type of that group instead",
            field.name
        ));
        clash_asserts(target, &name, field.name_span, &setting, &group)
    });
    let target_check = quote_spanned! {target.span()=>
        impl ::sipcfg::Extension for #ident {
            type Target = #target;
            type Ref<'a> = #reference<'a>;
        }
    };
    let declaration = quote! {
        impl ::sipcfg::SettingsDeclaration for #ident {
            #schema
            #snapshot
            #from_data
            #debug_fn
        }
    };
    let link = if linked {
        quote! {
            ::sipcfg::__private::inventory::submit! {
                ::sipcfg::LinkedExtension {
                    info: ::sipcfg::ExtensionInfo::of::<#ident>,
                }
            }
        }
    } else {
        TokenStream::new()
    };
    let std_impls = std_impls(input);
    quote! {
        #ref_tokens
        #declaration
        #std_impls
        #target_check
        #link
        #[allow(dead_code, non_snake_case)]
        const _: () = {
            trait __SipcfgNotATarget {
                const __SIPCFG_NAMES: &'static [&'static str] = &[];
                const __SIPCFG_SETTING_NAMES: &'static [&'static str] = &[];
                const __SIPCFG_IS_TARGET: bool = false;
                #(#fallback_markers)*
            }
            impl<T: ?::core::marker::Sized> __SipcfgNotATarget for T {}

            #(#checks)*
            #(#group_checks)*
        };
    }
}

/// Compile-time checks that the extension's `name` is neither a setting of `target` (failing
/// with `setting_message`) nor a group of it (failing with `group_message`), spanned at the
/// extension's field.
fn clash_asserts(
    target: &syn::Path,
    name: &syn::LitStr,
    span: Span,
    setting_message: &syn::LitStr,
    group_message: &syn::LitStr,
) -> TokenStream {
    let setting = compile_check(
        span,
        &quote!(!::sipcfg::__private::contains(<#target>::__SIPCFG_SETTING_NAMES, #name)),
        setting_message,
        &lit("the target already has this setting"),
    );
    let group = compile_check(
        span,
        &quote! {
            ::sipcfg::__private::contains(<#target>::__SIPCFG_SETTING_NAMES, #name)
                || !::sipcfg::__private::contains(<#target>::__SIPCFG_NAMES, #name)
        },
        group_message,
        &lit("the target has a group of this name"),
    );
    quote!(#setting #group)
}

/// A check of a constant `condition` that fails as a plain compile error with `message` and
/// `label` at `span` (a trait bound with `#[diagnostic::on_unimplemented]`), not as a panic in
/// constant evaluation.
fn compile_check(
    span: Span,
    condition: &TokenStream,
    message: &syn::LitStr,
    label: &syn::LitStr,
) -> TokenStream {
    let check = quote_spanned! {span=> __SipcfgCheck<{ #condition }> };
    quote! {
        const _: () = {
            struct __SipcfgCheck<const HOLDS: bool>;
            #[diagnostic::on_unimplemented(message = #message, label = #label)]
            trait __SipcfgHolds {}
            #[diagnostic::do_not_recommend]
            impl __SipcfgHolds for __SipcfgCheck<true> {}
            fn __sipcfg_holds<T: __SipcfgHolds>() {}
            fn __sipcfg_check() {
                __sipcfg_holds::<#check>();
            }
        };
    }
}

/// `Debug` of the declaration's struct (a snapshot), secrets masked; with sipcfg's `serde`
/// feature, `Serialize` and `Deserialize` by stored names, values in their stored form,
/// deserialized values checked as stored values are and absent ones taking their defaults.
fn std_impls(input: &Input) -> TokenStream {
    let ident = input.ident;
    quote! {
        impl ::core::fmt::Debug for #ident {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                <Self as ::sipcfg::SettingsDeclaration>::__sipcfg_debug(self, f)
            }
        }

        ::sipcfg::__sipcfg_if_serde! {
            impl ::sipcfg::__private::serde::Serialize for #ident {
                fn serialize<__S: ::sipcfg::__private::serde::Serializer>(
                    &self,
                    serializer: __S,
                ) -> ::core::result::Result<__S::Ok, __S::Error> {
                    ::sipcfg::__private::serde::Serialize::serialize(
                        &<Self as ::sipcfg::SettingsDeclaration>::__sipcfg_to_data(self),
                        serializer,
                    )
                }
            }

            impl<'de> ::sipcfg::__private::serde::Deserialize<'de> for #ident {
                fn deserialize<__D: ::sipcfg::__private::serde::Deserializer<'de>>(
                    deserializer: __D,
                ) -> ::core::result::Result<Self, __D::Error> {
                    let data: ::sipcfg::Data =
                        ::sipcfg::__private::serde::Deserialize::deserialize(deserializer)?;
                    <Self as ::sipcfg::SettingsDeclaration>::__sipcfg_from_data(&data, "").map_err(
                        <__D::Error as ::sipcfg::__private::serde::de::Error>::custom,
                    )
                }
            }

        }
    }
}

/// `SettingsDeclaration::__sipcfg_debug`: the struct's fields, secrets masked.
fn debug_fn(input: &Input) -> TokenStream {
    let ident = input.ident;
    let type_name = lit(&ident.to_string());
    let debug_fields = input.fields.iter().map(|field| {
        let member = field.ident;
        let name = lit(&field_name(field));
        match &field.role {
            Role::Setting(attrs) if attrs.secret.is_some() => {
                quote!(.field(#name, &::sipcfg::__private::Masked))
            }
            Role::Setting(_) => {
                let checked = setting_ty(field.ty);
                quote!(.field(#name, ::sipcfg::__private::debug_setting::<#checked>(&self.#member)))
            }
            Role::Group => {
                let ty = field.ty;
                // Through the declaration, so that a type that is not one is reported once.
                let debug = quote_spanned! {ty.span()=>
                    <#ty as ::sipcfg::SettingsDeclaration>::__sipcfg_debug
                };
                quote!(.field(#name, &::sipcfg::__private::GroupDebug(&self.#member, #debug)))
            }
        }
    });
    let debug_body = if input.is_unit {
        quote!(f.write_str(#type_name))
    } else {
        quote!(f.debug_struct(#type_name) #(#debug_fields)* .finish())
    };
    quote! {
        fn __sipcfg_debug(
            &self,
            f: &mut ::core::fmt::Formatter<'_>,
        ) -> ::core::fmt::Result {
            #debug_body
        }
    }
}

/// `SettingsDeclaration::__sipcfg_from_data` with sipcfg's `serde` feature (inside the impl).
fn from_data_fn(input: &Input) -> TokenStream {
    let mut setting_ordinal = 0usize;
    let inits = input.fields.iter().map(|field| {
        let member = field.ident;
        let name = lit(&field.name);
        let ty = field.ty;
        match &field.role {
            Role::Setting(_) => {
                let ordinal = setting_ordinal;
                setting_ordinal += 1;
                let checked = setting_ty(ty);
                quote! {
                    #member: ::sipcfg::__private::setting_from_data::<#checked>(
                        data, path, #name, schema.settings[#ordinal].default,
                    )?
                }
            }
            Role::Group => quote_spanned! {ty.span()=>
                #member: <#ty as ::sipcfg::SettingsDeclaration>::__sipcfg_from_data(
                    ::sipcfg::__private::subgroup(data, path, #name)?,
                    &::sipcfg::__private::join(path, #name),
                )?
            },
        }
    });
    let body = if input.is_unit {
        quote!(::core::result::Result::Ok(Self))
    } else {
        quote! {
            let schema = <Self as ::sipcfg::SettingsDeclaration>::schema();
            let _ = &schema;
            ::core::result::Result::Ok(Self { #(#inits),* })
        }
    };
    let entries = input.fields.iter().map(|field| {
        let member = field.ident;
        let name = lit(&field.name);
        let ty = field.ty;
        match &field.role {
            Role::Setting(_) => {
                let checked = setting_ty(ty);
                quote!(data.insert(#name, ::sipcfg::__private::stored::<#checked>(&self.#member));)
            }
            Role::Group => {
                let to_data = quote_spanned! {ty.span()=>
                    <#ty as ::sipcfg::SettingsDeclaration>::__sipcfg_to_data
                };
                quote!(data.insert(#name, ::sipcfg::Value::Group(#to_data(&self.#member)));)
            }
        }
    });
    quote! {
        ::sipcfg::__sipcfg_if_serde! {
            fn __sipcfg_to_data(&self) -> ::sipcfg::Data {
                #[allow(unused_mut)]
                let mut data = ::sipcfg::Data::new();
                #(#entries)*
                data
            }

            fn __sipcfg_from_data(
                data: &::sipcfg::Data,
                path: &str,
            ) -> ::core::result::Result<Self, ::std::string::String> {
                let _ = (&data, &path);
                #body
            }
        }
    }
}

/// `fn snapshot(group: GroupRef<'_>) -> Self`: a plain copy of the current values.
fn snapshot_fn(input: &Input) -> TokenStream {
    let mut setting_ordinal = 0usize;
    let mut group_ordinal = 0usize;
    let inits = input.fields.iter().map(|field| {
        let ident = field.ident;
        let ty = field.ty;
        match field.role {
            Role::Setting(_) => {
                let ordinal = setting_ordinal;
                setting_ordinal += 1;
                let checked = setting_ty(ty);
                quote!(#ident: group.get::<#checked>(#ordinal))
            }
            Role::Group => {
                let ordinal = group_ordinal;
                group_ordinal += 1;
                quote_spanned! {ty.span()=>
                    #ident: <#ty as ::sipcfg::SettingsDeclaration>::snapshot(group.group(#ordinal))
                }
            }
        }
    });
    let body = if input.fields.is_empty() && input.is_unit {
        quote!(Self)
    } else {
        quote!(Self { #(#inits),* })
    };
    let reads = input.fields.iter().map(|field| {
        let ident = field.ident;
        quote!(let _ = &self.#ident;)
    });
    quote! {
        fn snapshot(group: ::sipcfg::GroupRef<'_>) -> Self {
            let _ = &group;
            #body
        }

        fn __sipcfg_read_fields(&self) {
            #(#reads)*
        }
    }
}
