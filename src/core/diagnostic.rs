//! Diagnostics: what the validator says about a spec, with a stable code, a JSON pointer,
//! a line and column, a sentence a CS person understands, and a hint for what to do.
//!
//! This module only defines the shape and the did-you-mean helper; it does not decide what
//! is wrong (that is `spec::validate`).

use crate::core::json::{write_str, LineIndex};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Stable, documented in docs/spec.md ("Diagnostics"); tools may match on it.
    pub code: &'static str,
    /// JSON pointer (RFC 6901) of the value or key concerned; "" is the whole document.
    pub path: String,
    /// Byte offset in the source text.
    pub at: u32,
    /// 1-based line and column (in characters) of `at`; filled by [`locate`].
    pub line: u32,
    pub column: u32,
    pub message: String,
    pub hint: Option<String>,
}

impl Diagnostic {
    /// `line:column: severity code: message (hint)` — the CLI's format after the file name.
    pub fn display(&self) -> String {
        let mut s = format!("{}:{}: {} {}: {}", self.line, self.column, self.severity.as_str(), self.code, self.message);
        if let Some(h) = &self.hint {
            s.push_str(" (");
            s.push_str(h);
            s.push(')');
        }
        s
    }

    pub fn to_json(&self, out: &mut String) {
        out.push_str("{\"severity\":");
        write_str(out, self.severity.as_str());
        out.push_str(",\"code\":");
        write_str(out, self.code);
        out.push_str(",\"path\":");
        write_str(out, &self.path);
        out.push_str(&format!(",\"line\":{},\"column\":{}", self.line, self.column));
        out.push_str(",\"message\":");
        write_str(out, &self.message);
        if let Some(h) = &self.hint {
            out.push_str(",\"hint\":");
            write_str(out, h);
        }
        out.push('}');
    }
}

/// Fills line and column from the byte offsets and sorts by position, errors first on ties.
pub fn locate(src: &str, diags: &mut [Diagnostic]) {
    let idx = LineIndex::new(src);
    for d in diags.iter_mut() {
        let (l, c) = idx.line_col(d.at);
        d.line = l;
        d.column = c;
    }
    crate::core::sort::sort_by(diags, |a, b| (a.at, a.severity, a.code).cmp(&(b.at, b.severity, b.code)));
}

/// Serialises diagnostics as a JSON array.
pub fn to_json_array(diags: &[Diagnostic]) -> String {
    let mut out = String::from("[");
    for (i, d) in diags.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        d.to_json(&mut out);
    }
    out.push(']');
    out
}

/// The closest candidate to `word`, if it is close enough to be a likely typo: same letters
/// in another case or separator style (`if_missing` for `ifMissing`), or a small edit distance.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let norm = |s: &str| s.chars().filter(|c| *c != '_' && *c != '-').map(|c| c.to_ascii_lowercase()).collect::<String>();
    let w = norm(word);
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        if c == word {
            continue;
        }
        let d = if norm(c) == w { 0 } else { edit_distance(&w, &norm(c)) };
        let limit = (w.chars().count().max(c.chars().count()) / 3).max(1);
        if d <= limit && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

/// Optimal string alignment distance (Levenshtein plus adjacent transpositions).
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().take(64).collect();
    let b: Vec<char> = b.chars().take(64).collect();
    let w = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * w];
    for i in 0..=a.len() {
        d[i * w] = i;
    }
    for j in 0..=b.len() {
        d[j] = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[(i - 1) * w + j] + 1).min(d[i * w + j - 1] + 1).min(d[(i - 1) * w + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[(i - 2) * w + j - 2] + 1);
            }
            d[i * w + j] = v;
        }
    }
    d[a.len() * w + b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions() {
        let keys = ["id", "kind", "steps", "trigger", "ifMissing", "placement", "frequency"];
        assert_eq!(did_you_mean("stpes", keys), Some("steps"));
        assert_eq!(did_you_mean("if_missing", keys), Some("ifMissing"));
        assert_eq!(did_you_mean("Placement", keys), Some("placement"));
        assert_eq!(did_you_mean("frequncy", keys), Some("frequency"));
        assert_eq!(did_you_mean("colour", keys), None);
        assert_eq!(did_you_mean("i", keys), Some("id"));
    }

    #[test]
    fn distance() {
        assert_eq!(edit_distance("abc", "abc"), 0);
        assert_eq!(edit_distance("abc", "acb"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
