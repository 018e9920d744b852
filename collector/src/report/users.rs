//! The project's users as the reports see them: a dense index per user key, their latest
//! traits, when they were first seen, and whether they are in the request's segment. Rollup
//! scans map their `user_key` column to this index once per distinct key.
//!
//! Trait values are compared as text: strings as they are, numbers and booleans as JSON writes
//! them (`3`, `2.5`, `true`); objects, arrays and null match nothing.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde_json::{Map, Value};

use crate::store::rollup::Columns;

use super::Segment;

/// Marks a rollup row whose user is not in `users` (cannot happen: both are written in one
/// transaction) so it is left out rather than misattributed.
pub const NO_USER: u32 = u32::MAX;

pub struct Users {
    /// The scan of `users`: keys and traits text, dictionary-coded.
    cols: Columns,
    key_code: Vec<u32>,
    traits_code: Vec<u32>,
    /// Dictionary code of a key → user index.
    user_of_code: Vec<u32>,
    /// Traits are parsed when first needed (a segment, a grouping, a label): most requests
    /// need none of them.
    parsed: Vec<OnceLock<Option<Map<String, Value>>>>,
    pub first_seen: Vec<i64>,
    pub in_segment: Vec<bool>,
}

/// A trait value as text, when it has one.
pub fn trait_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

impl Users {
    /// From a scan of [`crate::store::rollup::USERS`].
    pub fn new(cols: Columns, segment: &Segment) -> Users {
        let n = cols.len;
        let key_code = cols.text_col(0).to_vec();
        let traits_code = cols.text_col(1).to_vec();
        let first_seen = cols.int_col(2).to_vec();
        let mut user_of_code = vec![NO_USER; cols.dict.len()];
        for (u, c) in key_code.iter().enumerate() {
            if let Some(slot) = user_of_code.get_mut(*c as usize) {
                *slot = u as u32;
            }
        }
        let mut u = Users {
            cols,
            key_code,
            traits_code,
            user_of_code,
            parsed: (0..n).map(|_| OnceLock::new()).collect(),
            first_seen,
            in_segment: Vec::new(),
        };
        u.in_segment = (0..n as u32)
            .map(|i| segment.filters.iter().all(|(name, values)| u.trait_of(i, name).is_some_and(|v| values.contains(&v))))
            .collect();
        u
    }

    fn traits(&self, u: u32) -> Option<&Map<String, Value>> {
        let cell = self.parsed.get(u as usize)?;
        cell.get_or_init(|| {
            let text = self.cols.text(*self.traits_code.get(u as usize)?)?;
            match serde_json::from_str::<Value>(text).ok()? {
                Value::Object(m) => Some(m),
                _ => None,
            }
        })
        .as_ref()
    }

    pub fn len(&self) -> usize {
        self.key_code.len()
    }

    pub fn is_empty(&self) -> bool {
        self.key_code.is_empty()
    }

    /// For a scanned text column of user keys: dictionary code → user index.
    pub fn map_codes(&self, cols: &Columns) -> Vec<u32> {
        cols.dict
            .iter()
            .enumerate()
            .map(|(code, k)| {
                if code == 0 {
                    return NO_USER;
                }
                self.cols.find(k).and_then(|c| self.user_of_code.get(c as usize).copied()).unwrap_or(NO_USER)
            })
            .collect()
    }

    /// Whether user `u` (an index, possibly [`NO_USER`]) is in the segment.
    pub fn inside(&self, u: u32) -> bool {
        self.in_segment.get(u as usize).copied().unwrap_or(false)
    }

    /// A trait of user `u`, as text.
    pub fn trait_of(&self, u: u32, name: &str) -> Option<String> {
        self.traits(u)?.get(name).and_then(trait_text)
    }

    pub fn trait_value(&self, u: u32, name: &str) -> Option<&Value> {
        self.traits(u)?.get(name)
    }

    /// The user id a person recognises: the `user_id`, or `anonymous` plus the anonymous id.
    pub fn display(&self, u: u32) -> String {
        match self.key_code.get(u as usize).and_then(|c| self.cols.text(*c)) {
            Some(k) => match k.split_once(':') {
                Some(("u", id)) => id.to_owned(),
                Some(("a", id)) => format!("anonymous {id}"),
                _ => k.to_owned(),
            },
            None => String::new(),
        }
    }

    /// Values of a trait across all users (not only the segment) with how many users have each,
    /// most common first: the choices of the dashboard's filters.
    pub fn facet(&self, name: &str) -> Vec<(String, u64)> {
        let mut counts: BTreeMap<String, u64> = BTreeMap::new();
        for u in 0..self.len() as u32 {
            if let Some(v) = self.trait_of(u, name) {
                *counts.entry(v).or_default() += 1;
            }
        }
        let mut v: Vec<(String, u64)> = counts.into_iter().collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        v
    }

    /// Names of traits users have, for the "any trait" filter and grouping.
    pub fn trait_names(&self) -> Vec<String> {
        let mut names: BTreeMap<&str, u64> = BTreeMap::new();
        for t in (0..self.len() as u32).filter_map(|u| self.traits(u)) {
            for (k, v) in t {
                if trait_text(v).is_some() {
                    *names.entry(k.as_str()).or_default() += 1;
                }
            }
        }
        names.into_keys().map(str::to_owned).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::rollup::USERS;

    fn users(rows: &[(&str, &str)], segment: &Segment) -> Users {
        let mut c = Columns::new(&USERS);
        for (i, (k, t)) in rows.iter().enumerate() {
            c.push_text(0, Some(k));
            c.push_text(1, Some(t));
            c.push_int(2, i as i64);
            c.len += 1;
        }
        Users::new(c, segment)
    }

    #[test]
    fn segments_match_traits_as_text() {
        let rows = [
            ("u:a", r#"{"tier":"high","seats":3,"beta":true}"#),
            ("u:b", r#"{"tier":"tech","seats":3.5}"#),
            ("a:c", "not json"),
            ("u:d", r#"{"tier":["high"]}"#),
        ];
        let seg = Segment { filters: vec![("tier".into(), vec!["high".into(), "tech".into()])] };
        let u = users(&rows, &seg);
        assert_eq!(u.in_segment, vec![true, true, false, false]);
        let seg = Segment { filters: vec![("seats".into(), vec!["3".into()]), ("beta".into(), vec!["true".into()])] };
        assert_eq!(users(&rows, &seg).in_segment, vec![true, false, false, false]);
        let all = users(&rows, &Segment::default());
        assert_eq!(all.in_segment, vec![true; 4]);
        assert_eq!(all.facet("tier"), vec![("high".into(), 1), ("tech".into(), 1)]);
        assert_eq!(all.display(2), "anonymous c");
        assert_eq!(all.display(0), "a");
        assert_eq!(all.trait_names(), vec!["beta", "seats", "tier"]);
    }
}
