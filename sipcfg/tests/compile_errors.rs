//! Compile-fail UI tests of the derive macros: every misuse of `#[derive(SettingsObject)]`,
//! `#[derive(SettingsGroup)]` and `#[extend(Target)]` is refused with a message that says what
//! is wrong, pointing at the offending token. The expected messages are the `.stderr` files
//! beside each case in `tests/ui/`; regenerate them with
//! `TRYBUILD=overwrite cargo test -p sipcfg --test compile_errors` and review the diff.
//!
//! The `tests/ui-pass/` cases are valid declarations that must keep compiling.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui-pass/*.rs");
    t.compile_fail("tests/ui/*.rs");
}
