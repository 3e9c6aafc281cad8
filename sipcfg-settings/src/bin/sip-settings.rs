//! `sip-settings`: show and change the SIP SIMPLE settings and accounts. See
//! `sip-settings --help` and `docs/sip-settings.md`.

fn main() -> std::process::ExitCode {
    catch_file_size_limit();
    sipcfg_settings::cli::main()
}

/// Writing past the file size limit (`ulimit -f`) raises SIGXFSZ, which kills the process by
/// default, mid-save. Catching it (with a handler that only sets a flag nobody reads: the
/// effect is that of ignoring it) makes the write fail with EFBIG instead, which is reported
/// like any other write failure (exit status 3), the temporary file removed and the old file
/// kept.
fn catch_file_size_limit() {
    #[cfg(unix)]
    {
        static CAUGHT: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
        // Failing to install it only leaves the default behaviour.
        let _ = signal_hook::flag::register(signal_hook::consts::SIGXFSZ, &CAUGHT);
    }
}
