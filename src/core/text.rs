//! Substring search and replace without std's `&str` patterns, and joining.
//!
//! Why: `str::find(&str)`, `contains(&str)` and `replace(&str, …)` use std's Two-Way searcher,
//! which, like slicing a `str` by index, can panic with a message that prints a `char` with
//! `{:?}` — and that links the Unicode "printable" tables and the code around them into the
//! wasm (about 8 KB raw). Shirube searches short texts (templates, Markdown, conditions), where a
//! plain search is as fast. Matches of a valid UTF-8 needle in valid UTF-8 text always start
//! and end on character boundaries, so the pieces are taken with `get` and never fail.

/// The byte offset of the first `needle` in `hay`.
pub fn find(hay: &str, needle: &str) -> Option<usize> {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    let Some((&first, tail)) = n.split_first() else { return Some(0) };
    if n.len() > h.len() {
        return None;
    }
    // Scan for the first byte; compare the rest only there.
    (0..=h.len() - n.len()).find(|&i| h[i] == first && h.get(i + 1..i + n.len()) == Some(tail))
}

/// Whether `needle` occurs in `hay`.
pub fn contains(hay: &str, needle: &str) -> bool {
    find(hay, needle).is_some()
}

/// `hay` with every `from` replaced by `to` (left to right, not overlapping).
pub fn replace(hay: &str, from: &str, to: &str) -> String {
    if from.is_empty() {
        return hay.to_string();
    }
    let mut out = String::with_capacity(hay.len());
    let mut rest = hay;
    while let Some(i) = find(rest, from) {
        out.push_str(rest.get(..i).unwrap_or(""));
        out.push_str(to);
        rest = rest.get(i + from.len()..).unwrap_or("");
    }
    out.push_str(rest);
    out
}

/// `parts` with `sep` between them. std's `join` instantiates its copying code (about 1 KB of
/// wasm) once per element type; this loop is a tenth of that.
pub fn join<S: AsRef<str>>(parts: &[S], sep: &str) -> String {
    let mut out = String::new();
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            out.push_str(sep);
        }
        out.push_str(p.as_ref());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agrees_with_std() {
        let cases = [
            ("", ""), ("", "a"), ("a", ""), ("abc", "c"), ("abcabc", "ca"), ("aaa", "aa"), ("héllo wörld", "ö"), ("日本語のテキスト", "テキ"),
            ("**bold** and **more**", "**"), ("[a](b) [c](d)", "]("), ("step {n} of {m}", "{n}"), ("no match here", "xyz"), ("ab", "abc"),
        ];
        for (h, n) in cases {
            assert_eq!(find(h, n), h.find(n), "find({h:?}, {n:?})");
            assert_eq!(contains(h, n), h.contains(n));
            for to in ["", "X", "ふたつ", n] {
                if !n.is_empty() {
                    assert_eq!(replace(h, n, to), h.replace(n, to), "replace({h:?}, {n:?}, {to:?})");
                }
            }
        }
        assert_eq!(replace("abc", "", "X"), "abc");
        for parts in [&[][..], &["a"][..], &["a", "", "ふた"][..]] {
            assert_eq!(join(parts, ", "), parts.join(", "));
            let owned: Vec<String> = parts.iter().map(|s| s.to_string()).collect();
            assert_eq!(join(&owned, " → "), owned.join(" → "));
        }
    }
}
