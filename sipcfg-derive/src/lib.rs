//! Derive macros of [sipcfg](https://docs.rs/sipcfg): `#[derive(SettingsObject)]`,
//! `#[derive(SettingsGroup)]` and `#[extend(Target)]`. Use them through the `sipcfg` crate,
//! which re-exports them; its user guide (`docs/user-guide.md`, "What the derives generate")
//! lists the generated types, accessors and reserved names.
//!
//! The crate reads like serde_derive: `ast` parses the input (with `attr` for the
//! attributes) into a small model, `valid` checks it, `expand` generates the code. Every
//! mistake in the user's declaration becomes a `syn::Error` spanning the offending tokens, and
//! all of them are reported together.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod ast;
mod attr;
mod expand;
mod valid;

use proc_macro::TokenStream;
use syn::{parse_macro_input, DeriveInput, Item};

/// Derives a settings object: a struct whose fields are settings (`#[setting(...)]`) and groups
/// (`#[group]`), stored under `#[settings(group = "...", id = "...")]`.
#[proc_macro_derive(SettingsObject, attributes(settings, setting, group))]
pub fn derive_settings_object(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand::derive(&input, ast::Kind::Object).into()
}

/// Derives a group of settings, used as a `#[group]` field of objects and other groups.
#[proc_macro_derive(SettingsGroup, attributes(settings, setting, group))]
pub fn derive_settings_group(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand::derive(&input, ast::Kind::Group).into()
}

/// Declares an extension of a settings object or group: `#[extend(Target)]` on a struct whose
/// fields are declared like a group's. `#[extend(Target, linked)]` also registers it with every
/// manager at start, without a call.
#[proc_macro_attribute]
pub fn extend(args: TokenStream, input: TokenStream) -> TokenStream {
    let item = parse_macro_input!(input as Item);
    let args = syn::parse::<attr::ExtendArgs>(args);
    expand::extension(item, args).into()
}
