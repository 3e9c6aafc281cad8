//! SIP SIMPLE settings (placeholder).

pub mod datatypes;
