//! The formatter (todo)
