//! The plain-text file format (placeholder: being written).
