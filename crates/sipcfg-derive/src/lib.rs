//! Derive macros for sipcfg (placeholder while the runtime is built).
