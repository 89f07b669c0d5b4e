//! The hash index: for a table of many rows, which rows can match a value of the
//! column most rows test for equality, so the row engine visits only those.

use crate::compile::{Row, Test};
use crate::value::Value;
use std::collections::HashMap;

/// Rows that test one column for equality, at least this many, get a hash index.
pub const INDEX_MIN_ROWS: usize = 16;

/// A hash index on one column: which rows can match a value of it.
#[derive(Clone, Debug, Default)]
pub struct Index {
    /// The indexed column.
    pub column: u32,
    /// Rows whose test on the column is an equality or membership, by value.
    pub by_value: HashMap<Value, Vec<u32>>,
    /// Rows without such a test on the column: candidates for every value.
    pub others: Vec<u32>,
}

/// Indexes the column that the most rows test with `=` or `in`, if at least
/// `min_rows` do ([`INDEX_MIN_ROWS`] for [`super::Engine::Auto`]).
pub fn build(rows: &[Row], min_rows: usize) -> Option<Index> {
    let mut counts: HashMap<u32, usize> = HashMap::new();
    for r in rows {
        for (c, t) in &r.tests {
            if matches!(t, Test::Eq(_) | Test::In(_)) {
                *counts.entry(*c).or_default() += 1;
            }
        }
    }
    let (&column, &count) = counts
        .iter()
        .max_by_key(|(c, n)| (**n, std::cmp::Reverse(**c)))?;
    if count < min_rows.max(1) {
        return None;
    }
    let mut index = Index {
        column,
        ..Index::default()
    };
    for (i, r) in rows.iter().enumerate() {
        let values: Option<Vec<&Value>> = r.tests.iter().find_map(|(c, t)| match t {
            Test::Eq(v) if *c == column => Some(vec![v]),
            Test::In(vs) if *c == column => Some(vs.iter().collect()),
            _ => None,
        });
        match values {
            Some(vs) => {
                for v in vs {
                    let list = index.by_value.entry(v.clone()).or_default();
                    if list.last() != Some(&(i as u32)) {
                        list.push(i as u32);
                    }
                }
            }
            None => index.others.push(i as u32),
        }
    }
    Some(index)
}
