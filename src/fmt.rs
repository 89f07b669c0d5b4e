//! Canonical formatting (see print).
