//! `sip-settings`: show and change the SIP SIMPLE settings and accounts. See
//! `sip-settings --help` and `docs/sip-settings.md`.

fn main() -> std::process::ExitCode {
    fixed_mmap_threshold();
    catch_file_size_limit();
    sipcfg_settings::cli::main()
}

/// glibc's allocator raises its mmap threshold to the size of any large block that is freed
/// (up to 32 MB): once the file's bytes (27 MB for 100,000 accounts) are freed after parsing,
/// every later buffer below that size (the new text of a `set`, grown by doubling) is carved
/// from the heap, whose holes stay resident. A fixed threshold (glibc's default, 128 KiB)
/// keeps large buffers in their own mappings, returned when freed: `set` on a canonical file
/// of 100,000 accounts peaks at 107 MB instead of 138 MB (see docs/PERFORMANCE.md).
fn fixed_mmap_threshold() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        /// `M_MMAP_THRESHOLD` of glibc's `<malloc.h>`.
        const M_MMAP_THRESHOLD: std::os::raw::c_int = -3;
        extern "C" {
            fn mallopt(
                param: std::os::raw::c_int,
                value: std::os::raw::c_int,
            ) -> std::os::raw::c_int;
        }
        // SAFETY: `mallopt` is glibc's documented tuning call (this binary links glibc: the
        // cfg above); it takes two integers, touches only the allocator's parameters, and is
        // called first thing in `main`, before any thread exists. Failing (0) leaves glibc's
        // defaults, which are correct too.
        let _ = unsafe { mallopt(M_MMAP_THRESHOLD, 128 * 1024) };
    }
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
