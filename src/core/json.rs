//! JSON text to a tree of [`Node`]s that remember where they came from, and back to text.
//!
//! The spec validator needs the byte offset of every value and key so that each diagnostic can
//! name a line and column; serde does not keep those, so the core carries this small parser
//! instead (and saves the wasm the size of serde). It accepts JSON plus `//` and `/* */`
//! comments and reports trailing commas as warnings, because CS teams write specs by hand.
//!
//! It must never panic, whatever the input: no indexing or unwrapping on input paths, and the
//! nesting depth is bounded so hostile input cannot exhaust the stack.

use std::fmt::Write as _;

/// Deepest nesting the parser accepts before it reports an error.
pub const MAX_DEPTH: usize = 128;

/// A JSON value with the byte offset in the source where it starts.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub v: Json,
    pub at: u32,
}

/// An object key with the byte offset of its opening quote.
#[derive(Clone, Debug, PartialEq)]
pub struct Key {
    pub s: String,
    pub at: u32,
}

/// A JSON value. Objects keep their keys in source order.
#[derive(Clone, Debug, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    Arr(Vec<Node>),
    Obj(Vec<(Key, Node)>),
}

impl Json {
    /// A short noun for the type, used in "expected a string, found a number".
    pub fn kind(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "a boolean",
            Json::Num(_) => "a number",
            Json::Str(_) => "a string",
            Json::Arr(_) => "a list",
            Json::Obj(_) => "an object",
        }
    }
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::Str(s) => Some(s),
            _ => None,
        }
    }
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Json::Num(n) => Some(*n),
            _ => None,
        }
    }
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Json::Bool(b) => Some(*b),
            _ => None,
        }
    }
    pub fn as_arr(&self) -> Option<&[Node]> {
        match self {
            Json::Arr(a) => Some(a),
            _ => None,
        }
    }
    pub fn as_obj(&self) -> Option<&[(Key, Node)]> {
        match self {
            Json::Obj(o) => Some(o),
            _ => None,
        }
    }
    /// The value of `key` when this is an object that has it.
    pub fn get(&self, key: &str) -> Option<&Json> {
        self.as_obj()?.iter().find(|(k, _)| k.s == key).map(|(_, n)| &n.v)
    }
    /// Builds an object from pairs; offsets are zero because it has no source.
    pub fn obj(pairs: Vec<(&str, Json)>) -> Json {
        Json::Obj(pairs.into_iter().map(|(k, v)| (Key { s: k.to_string(), at: 0 }, Node { v, at: 0 })).collect())
    }
    pub fn arr(items: Vec<Json>) -> Json {
        Json::Arr(items.into_iter().map(|v| Node { v, at: 0 }).collect())
    }
    pub fn str(s: &str) -> Json {
        Json::Str(s.to_string())
    }
    /// Serialises compactly (`pretty == false`) or with two-space indentation.
    pub fn write(&self, pretty: bool) -> String {
        let mut out = String::new();
        write_value(&mut out, self, if pretty { Some(0) } else { None });
        out
    }
}

/// A problem that stopped parsing, or a tolerated irregularity (trailing comma).
#[derive(Clone, Debug, PartialEq)]
pub struct ParseIssue {
    pub at: u32,
    pub message: String,
    pub fatal: bool,
}

/// Parses `src`. On success returns the tree and any tolerated irregularities; on failure the
/// first fatal problem (and the earlier tolerated ones).
pub fn parse(src: &str) -> Result<(Node, Vec<ParseIssue>), Vec<ParseIssue>> {
    let mut p = Parser { s: src.as_bytes(), i: 0, issues: Vec::new(), depth: 0 };
    // A UTF-8 byte order mark is common in files saved by Windows editors.
    if src.starts_with('\u{feff}') {
        p.i = 3;
    }
    let res = p.value().and_then(|n| {
        p.ws()?;
        if p.i < p.s.len() {
            Err(p.fail(p.i, "unexpected text after the end of the document"))
        } else {
            Ok(n)
        }
    });
    match res {
        Ok(n) => Ok((n, p.issues)),
        Err(e) => {
            p.issues.push(e);
            Err(p.issues)
        }
    }
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
    issues: Vec<ParseIssue>,
    depth: usize,
}

type R<T> = Result<T, ParseIssue>;

impl Parser<'_> {
    fn fail(&self, at: usize, msg: &str) -> ParseIssue {
        ParseIssue { at: at as u32, message: msg.to_string(), fatal: true }
    }
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }
    /// Skips whitespace and comments.
    fn ws(&mut self) -> R<()> {
        loop {
            match self.peek() {
                Some(b' ' | b'\t' | b'\n' | b'\r') => self.i += 1,
                Some(b'/') => match self.s.get(self.i + 1) {
                    Some(b'/') => {
                        while let Some(c) = self.peek() {
                            if c == b'\n' {
                                break;
                            }
                            self.i += 1;
                        }
                    }
                    Some(b'*') => {
                        let start = self.i;
                        self.i += 2;
                        loop {
                            match self.peek() {
                                None => return Err(self.fail(start, "this /* comment is never closed with */")),
                                Some(b'*') if self.s.get(self.i + 1) == Some(&b'/') => {
                                    self.i += 2;
                                    break;
                                }
                                Some(_) => self.i += 1,
                            }
                        }
                    }
                    _ => return Err(self.fail(self.i, "unexpected `/`; comments start with // or /*")),
                },
                _ => return Ok(()),
            }
        }
    }

    fn value(&mut self) -> R<Node> {
        self.ws()?;
        let at = self.i;
        let v = match self.peek() {
            None => return Err(self.fail(at, "the document ends where a value was expected")),
            Some(b'{') => self.object()?,
            Some(b'[') => self.array()?,
            Some(b'"') => Json::Str(self.string()?),
            Some(b't') => self.word("true", Json::Bool(true))?,
            Some(b'f') => self.word("false", Json::Bool(false))?,
            Some(b'n') => self.word("null", Json::Null)?,
            Some(b'-' | b'0'..=b'9') => self.number()?,
            Some(b'\'') => return Err(self.fail(at, "strings need double quotes (\"), not single quotes")),
            Some(b'}' | b']') => return Err(self.fail(at, "a value is missing here")),
            Some(_) => return Err(self.fail(at, "unexpected character; expected a value (text in double quotes, a number, true, false, null, [ or {)")),
        };
        Ok(Node { v, at: at as u32 })
    }

    fn word(&mut self, w: &str, v: Json) -> R<Json> {
        if self.s.get(self.i..self.i + w.len()) == Some(w.as_bytes()) {
            self.i += w.len();
            Ok(v)
        } else {
            Err(self.fail(self.i, "unexpected word; text values need double quotes"))
        }
    }

    fn enter(&mut self, at: usize) -> R<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.fail(at, "the document is nested too deeply (more than 128 levels)"));
        }
        Ok(())
    }

    fn object(&mut self) -> R<Json> {
        let open = self.i;
        self.enter(open)?;
        self.i += 1;
        let mut out: Vec<(Key, Node)> = Vec::new();
        self.ws()?;
        if self.peek() == Some(b'}') {
            self.i += 1;
            self.depth -= 1;
            return Ok(Json::Obj(out));
        }
        loop {
            self.ws()?;
            let kat = self.i;
            match self.peek() {
                Some(b'"') => {}
                None => return Err(self.fail(open, "this { is never closed with }")),
                Some(b'\'') => return Err(self.fail(kat, "keys need double quotes (\"), not single quotes")),
                Some(_) => return Err(self.fail(kat, "expected a key in double quotes")),
            }
            let k = self.string()?;
            self.ws()?;
            if self.peek() != Some(b':') {
                return Err(self.fail(self.i, "expected `:` after the key"));
            }
            self.i += 1;
            let v = self.value()?;
            out.push((Key { s: k, at: kat as u32 }, v));
            self.ws()?;
            match self.peek() {
                Some(b',') => {
                    let comma = self.i;
                    self.i += 1;
                    self.ws()?;
                    if self.peek() == Some(b'}') {
                        self.issues.push(ParseIssue {
                            at: comma as u32,
                            message: "trailing comma before }; strict JSON tools reject it".into(),
                            fatal: false,
                        });
                        self.i += 1;
                        break;
                    }
                }
                Some(b'}') => {
                    self.i += 1;
                    break;
                }
                None => return Err(self.fail(open, "this { is never closed with }")),
                Some(_) => return Err(self.fail(self.i, "expected `,` or `}` after this value")),
            }
        }
        self.depth -= 1;
        Ok(Json::Obj(out))
    }

    fn array(&mut self) -> R<Json> {
        let open = self.i;
        self.enter(open)?;
        self.i += 1;
        let mut out = Vec::new();
        self.ws()?;
        if self.peek() == Some(b']') {
            self.i += 1;
            self.depth -= 1;
            return Ok(Json::Arr(out));
        }
        loop {
            if self.peek().is_none() {
                return Err(self.fail(open, "this [ is never closed with ]"));
            }
            out.push(self.value()?);
            self.ws()?;
            match self.peek() {
                Some(b',') => {
                    let comma = self.i;
                    self.i += 1;
                    self.ws()?;
                    if self.peek() == Some(b']') {
                        self.issues.push(ParseIssue {
                            at: comma as u32,
                            message: "trailing comma before ]; strict JSON tools reject it".into(),
                            fatal: false,
                        });
                        self.i += 1;
                        break;
                    }
                }
                Some(b']') => {
                    self.i += 1;
                    break;
                }
                None => return Err(self.fail(open, "this [ is never closed with ]")),
                Some(_) => return Err(self.fail(self.i, "expected `,` or `]` after this value")),
            }
        }
        self.depth -= 1;
        Ok(Json::Arr(out))
    }

    fn hex4(&mut self) -> R<u32> {
        let mut v = 0u32;
        for _ in 0..4 {
            let d = match self.peek() {
                Some(c @ b'0'..=b'9') => c - b'0',
                Some(c @ b'a'..=b'f') => c - b'a' + 10,
                Some(c @ b'A'..=b'F') => c - b'A' + 10,
                _ => return Err(self.fail(self.i, "\\u must be followed by four hex digits")),
            };
            v = v * 16 + d as u32;
            self.i += 1;
        }
        Ok(v)
    }

    fn string(&mut self) -> R<String> {
        let open = self.i;
        self.i += 1;
        let mut out = String::new();
        loop {
            // Copy the longest run of plain bytes at once; the input is valid UTF-8 and runs
            // end only at ASCII bytes, so slicing at these points stays on char boundaries.
            let run = self.i;
            while let Some(c) = self.peek() {
                if c == b'"' || c == b'\\' || c < 0x20 {
                    break;
                }
                self.i += 1;
            }
            if let Some(bytes) = self.s.get(run..self.i) {
                out.push_str(std::str::from_utf8(bytes).unwrap_or("\u{fffd}"));
            }
            match self.peek() {
                None => return Err(self.fail(open, "this text is never closed with \"")),
                Some(b'"') => {
                    self.i += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    let esc = self.i;
                    self.i += 1;
                    let c = self.peek();
                    self.i += 1;
                    match c {
                        Some(b'"') => out.push('"'),
                        Some(b'\\') => out.push('\\'),
                        Some(b'/') => out.push('/'),
                        Some(b'b') => out.push('\u{8}'),
                        Some(b'f') => out.push('\u{c}'),
                        Some(b'n') => out.push('\n'),
                        Some(b'r') => out.push('\r'),
                        Some(b't') => out.push('\t'),
                        Some(b'u') => {
                            let hi = self.hex4()?;
                            let cp = if (0xD800..0xDC00).contains(&hi) {
                                if self.s.get(self.i..self.i + 2) != Some(b"\\u") {
                                    return Err(self.fail(esc, "unpaired surrogate in \\u escape"));
                                }
                                self.i += 2;
                                let lo = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&lo) {
                                    return Err(self.fail(esc, "unpaired surrogate in \\u escape"));
                                }
                                0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                            } else if (0xDC00..0xE000).contains(&hi) {
                                return Err(self.fail(esc, "unpaired surrogate in \\u escape"));
                            } else {
                                hi
                            };
                            out.push(char::from_u32(cp).unwrap_or('\u{fffd}'));
                        }
                        _ => return Err(self.fail(esc, "unknown escape; use \\\" \\\\ \\/ \\b \\f \\n \\r \\t or \\uXXXX")),
                    }
                }
                Some(_) => {
                    return Err(self.fail(self.i, "line breaks and control characters inside text must be escaped (write \\n)"))
                }
            }
        }
    }

    fn number(&mut self) -> R<Json> {
        let start = self.i;
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        match self.peek() {
            Some(b'0') => {
                self.i += 1;
                if matches!(self.peek(), Some(b'0'..=b'9')) {
                    return Err(self.fail(start, "numbers cannot have leading zeros"));
                }
            }
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(self.fail(start, "a number needs digits after `-`")),
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.fail(start, "a number needs digits after the decimal point"));
            }
            self.digits();
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.fail(start, "a number needs digits in its exponent"));
            }
            self.digits();
        }
        let text = self.s.get(start..self.i).and_then(|b| std::str::from_utf8(b).ok()).unwrap_or("");
        match crate::core::float::parse(text) {
            Some(n) if n.is_finite() => Ok(Json::Num(n)),
            _ => Err(self.fail(start, "this number is too large")),
        }
    }

    fn digits(&mut self) {
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.i += 1;
        }
    }
}

/// Maps byte offsets to 1-based line and column (counted in characters).
pub struct LineIndex<'a> {
    src: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    pub fn new(src: &'a str) -> Self {
        let mut starts = vec![0];
        for (i, b) in src.bytes().enumerate() {
            if b == b'\n' {
                starts.push(i + 1);
            }
        }
        LineIndex { src, starts }
    }
    pub fn line_col(&self, at: u32) -> (u32, u32) {
        let at = (at as usize).min(self.src.len());
        let line = match self.starts.binary_search(&at) {
            Ok(l) => l,
            Err(l) => l.saturating_sub(1),
        };
        let start = self.starts.get(line).copied().unwrap_or(0);
        let col = self.src.get(start..at).map(|s| s.chars().count()).unwrap_or(at - start);
        (line as u32 + 1, col as u32 + 1)
    }
}

/// Appends one JSON pointer segment (RFC 6901 escaping) to `ptr`.
pub fn push_pointer(ptr: &mut String, seg: &str) {
    ptr.push('/');
    for c in seg.chars() {
        match c {
            '~' => ptr.push_str("~0"),
            '/' => ptr.push_str("~1"),
            c => ptr.push(c),
        }
    }
}

/// Writes `s` as a JSON string literal.
pub fn write_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\u{2028}' || c == '\u{2029}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Writes an integer in decimal without `core::fmt` (the layout writes pixel values with it
/// every frame).
pub fn write_int(out: &mut String, n: i64) {
    let mut digits = [0u8; 20];
    let mut len = 0;
    let mut v = n.unsigned_abs();
    loop {
        if let Some(d) = digits.get_mut(len) {
            *d = b'0' + (v % 10) as u8;
        }
        len += 1;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    if n < 0 {
        out.push('-');
    }
    for d in digits.iter().take(len).rev() {
        out.push(char::from(*d));
    }
}

/// Writes a number. Integers (the common case: timestamps, counts, scores) are written
/// exactly without float formatting; other values use the shortest round-trip form.
pub fn write_num(out: &mut String, n: f64) {
    if !n.is_finite() {
        out.push_str("null");
    } else if n.fract() == 0.0 && n.abs() < 9.007_199_254_740_992e15 {
        write_int(out, n as i64);
    } else {
        out.push_str(ryu::Buffer::new().format_finite(n));
    }
}

fn indent(out: &mut String, level: Option<usize>) {
    if let Some(l) = level {
        out.push('\n');
        for _ in 0..l {
            out.push_str("  ");
        }
    }
}

fn write_value(out: &mut String, v: &Json, level: Option<usize>) {
    match v {
        Json::Null => out.push_str("null"),
        Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Json::Num(n) => write_num(out, *n),
        Json::Str(s) => write_str(out, s),
        Json::Arr(items) => {
            if items.is_empty() {
                out.push_str("[]");
                return;
            }
            out.push('[');
            for (i, it) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                indent(out, level.map(|l| l + 1));
                write_value(out, &it.v, level.map(|l| l + 1));
            }
            indent(out, level);
            out.push(']');
        }
        Json::Obj(pairs) => {
            if pairs.is_empty() {
                out.push_str("{}");
                return;
            }
            out.push('{');
            for (i, (k, n)) in pairs.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                indent(out, level.map(|l| l + 1));
                write_str(out, &k.s);
                out.push(':');
                if level.is_some() {
                    out.push(' ');
                }
                write_value(out, &n.v, level.map(|l| l + 1));
            }
            indent(out, level);
            out.push('}');
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn integers_without_fmt() {
        for n in [0i64, 7, -7, 10, 1_700_000_000_000, -1_234_567, i64::MAX, i64::MIN] {
            let mut s = String::new();
            write_int(&mut s, n);
            assert_eq!(s, n.to_string());
        }
    }

    use super::*;

    fn ok(src: &str) -> Json {
        parse(src).map(|(n, _)| n.v).unwrap_or(Json::Null)
    }
    fn err(src: &str) -> (u32, String) {
        match parse(src) {
            Err(e) => e.last().map(|i| (i.at, i.message.clone())).unwrap_or_default(),
            Ok(_) => (u32::MAX, "parsed".into()),
        }
    }

    #[test]
    fn parses_values_and_offsets() {
        let (n, issues) = parse("{ \"a\": [1, -2.5e3, true, null], \"b\": \"x\\u00e9\\ud83d\\ude00\" }").unwrap_or((Node { v: Json::Null, at: 0 }, vec![]));
        assert!(issues.is_empty());
        let o = n.v.as_obj().unwrap_or(&[]);
        assert_eq!(o.len(), 2);
        assert_eq!(o[0].0.at, 2);
        assert_eq!(o[0].1.at, 7);
        assert_eq!(o[0].1.v.clone().strip(), Json::arr(vec![Json::Num(1.0), Json::Num(-2500.0), Json::Bool(true), Json::Null]));
        assert_eq!(o[1].1.v, Json::str("xé😀"));
    }

    #[test]
    fn comments_and_trailing_commas() {
        let r = parse("// head\n{ /* c */ \"a\": 1, }");
        let (n, issues) = r.unwrap_or((Node { v: Json::Null, at: 0 }, vec![]));
        assert_eq!(n.v.get("a"), Some(&Json::Num(1.0)));
        assert_eq!(issues.len(), 1);
        assert!(!issues[0].fatal);
    }

    #[test]
    fn errors_name_the_place() {
        assert_eq!(err("{\"a\" 1}"), (5, "expected `:` after the key".into()));
        assert_eq!(err("[1, 2"), (0, "this [ is never closed with ]".into()));
        assert_eq!(err("{'a': 1}").0, 1);
        assert_eq!(err("\"a\nb\"").0, 2);
        assert_eq!(err("01").0, 0);
        assert_eq!(err("1e999").1, "this number is too large");
        assert_eq!(err("\"\\ud800\"").0, 1);
        assert_eq!(err("[] x").1, "unexpected text after the end of the document");
        assert_eq!(err("").1, "the document ends where a value was expected");
        assert_eq!(err("/* open").1, "this /* comment is never closed with */");
    }

    #[test]
    fn depth_is_bounded() {
        let deep = "[".repeat(100_000);
        assert!(err(&deep).1.contains("nested too deeply"));
        let fine = format!("{}{}", "[".repeat(100), "]".repeat(100));
        assert!(parse(&fine).is_ok());
    }

    #[test]
    fn line_and_column_count_characters() {
        let src = "{\n  \"日本\": x\n}";
        let idx = LineIndex::new(src);
        let at = src.find('x').unwrap_or(0) as u32;
        assert_eq!(idx.line_col(at), (2, 9));
        assert_eq!(idx.line_col(0), (1, 1));
        assert_eq!(idx.line_col(10_000), (3, 2));
    }

    #[test]
    fn writes_round_trip() {
        let src = r#"{"a":[1,2.5,-0.001,1e21],"b":"q\"\\\n\u0001","c":{},"d":[]}"#;
        let v = ok(src);
        let text = v.write(false);
        assert_eq!(text, r#"{"a":[1,2.5,-0.001,1e21],"b":"q\"\\\n\u0001","c":{},"d":[]}"#);
        assert_eq!(ok(&text).strip(), v.clone().strip());
        assert_eq!(ok(&v.write(true)).strip(), v.strip());
    }

    #[test]
    fn pointer_escapes() {
        let mut p = String::new();
        push_pointer(&mut p, "a/b~c");
        assert_eq!(p, "/a~1b~0c");
    }

    impl Json {
        /// Drops offsets so trees from different sources compare equal.
        fn strip(self) -> Json {
            match self {
                Json::Arr(a) => Json::Arr(a.into_iter().map(|n| Node { v: n.v.strip(), at: 0 }).collect()),
                Json::Obj(o) => Json::Obj(o.into_iter().map(|(k, n)| (Key { s: k.s, at: 0 }, Node { v: n.v.strip(), at: 0 })).collect()),
                v => v,
            }
        }
    }
}
