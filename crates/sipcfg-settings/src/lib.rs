//! SIP SIMPLE settings (placeholder).
