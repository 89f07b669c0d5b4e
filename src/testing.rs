//! Tests and properties inside rule files.
