//! `sip-settings`: show and change the SIP SIMPLE settings and accounts. See
//! `sip-settings --help` and `docs/sip-settings.md`.

fn main() -> std::process::ExitCode {
    sipcfg_settings::cli::main()
}
