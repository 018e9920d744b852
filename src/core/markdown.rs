//! The Markdown subset of spec text: paragraphs, bullet and numbered lists, line breaks,
//! **bold**, *italic*, `code` and [links](https://…). The parse result is a tree that the DOM
//! layer builds with `createElement`/`createTextNode`; nothing here produces HTML, so text in a
//! spec can never inject markup.
//!
//! Also decides which link targets are safe: `http(s)`, `mailto` and relative URLs only.

#[derive(Clone, Debug, PartialEq)]
pub enum Inline {
    Text(String),
    Bold(Vec<Inline>),
    Italic(Vec<Inline>),
    Code(String),
    /// A link whose URL passed [`is_safe_link`]; unsafe links are rendered as their label.
    Link { href: String, label: Vec<Inline> },
    Break,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Block {
    Para(Vec<Inline>),
    Bullets(Vec<Vec<Inline>>),
    Numbered(Vec<Vec<Inline>>),
}

/// True for `http:`, `https:`, `mailto:` and relative URLs. Browsers ignore tabs and newlines
/// inside a scheme and leading spaces and control characters, so those are removed first.
pub fn is_safe_link(url: &str) -> bool {
    let cleaned: String = url.trim_start_matches(|c: char| c <= ' ').chars().filter(|c| !matches!(c, '\t' | '\n' | '\r')).collect();
    if cleaned.is_empty() {
        return false;
    }
    // A scheme is letters, digits, + - . before the first ':' that comes before any / ? #.
    let end = cleaned.find(['/', '?', '#']).unwrap_or(cleaned.len());
    match cleaned.get(..end).and_then(|head| head.find(':')) {
        None => true,
        Some(colon) => {
            let scheme = cleaned.get(..colon).unwrap_or("").to_ascii_lowercase();
            matches!(scheme.as_str(), "http" | "https" | "mailto")
        }
    }
}

/// Every link URL in `text`, safe or not, for the validator.
pub fn links(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    // A link needs `](`: most texts have none, and validation calls this for every text.
    if !crate::core::text::contains(text, "](") {
        return out;
    }
    for b in parse(text, true) {
        let lines: Vec<Vec<Inline>> = match b {
            Block::Para(i) => vec![i],
            Block::Bullets(l) | Block::Numbered(l) => l,
        };
        for l in lines {
            collect_links(&l, &mut out);
        }
    }
    out
}

fn collect_links(inl: &[Inline], out: &mut Vec<String>) {
    for i in inl {
        match i {
            Inline::Link { href, label } => {
                out.push(href.clone());
                collect_links(label, out);
            }
            Inline::Bold(c) | Inline::Italic(c) => collect_links(c, out),
            _ => {}
        }
    }
}

/// Parses the subset. `keep_unsafe` keeps unsafe links as links (for the validator to name).
pub fn parse(text: &str, keep_unsafe: bool) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut para: Vec<&str> = Vec::new();
    let mut list: Option<(bool, Vec<Vec<Inline>>)> = None;
    let flush_para = |para: &mut Vec<&str>, blocks: &mut Vec<Block>| {
        if !para.is_empty() {
            let mut inl = Vec::new();
            for (i, l) in para.iter().enumerate() {
                if i > 0 {
                    inl.push(Inline::Break);
                }
                inl.extend(inline(l, keep_unsafe, 0));
            }
            blocks.push(Block::Para(inl));
            para.clear();
        }
    };
    let flush_list = |list: &mut Option<(bool, Vec<Vec<Inline>>)>, blocks: &mut Vec<Block>| {
        if let Some((numbered, items)) = list.take() {
            blocks.push(if numbered { Block::Numbered(items) } else { Block::Bullets(items) });
        }
    };
    for raw in text.split('\n') {
        let line = raw.trim_end_matches('\r');
        let t = line.trim_start();
        if t.trim().is_empty() {
            flush_para(&mut para, &mut blocks);
            flush_list(&mut list, &mut blocks);
            continue;
        }
        let item = list_item(t);
        match item {
            Some((numbered, rest)) => {
                flush_para(&mut para, &mut blocks);
                if list.as_ref().is_some_and(|(n, _)| *n != numbered) {
                    flush_list(&mut list, &mut blocks);
                }
                list.get_or_insert_with(|| (numbered, Vec::new())).1.push(inline(rest, keep_unsafe, 0));
            }
            None => {
                flush_list(&mut list, &mut blocks);
                para.push(line);
            }
        }
    }
    flush_para(&mut para, &mut blocks);
    flush_list(&mut list, &mut blocks);
    blocks
}

fn list_item(t: &str) -> Option<(bool, &str)> {
    if let Some(rest) = t.strip_prefix("- ").or_else(|| t.strip_prefix("* ")) {
        return Some((false, rest));
    }
    let digits = t.bytes().take_while(|b| b.is_ascii_digit()).count();
    if digits > 0 && digits < 4 {
        if let Some(rest) = t.get(digits..).and_then(|r| r.strip_prefix(". ")) {
            return Some((true, rest));
        }
    }
    None
}

/// Parses inline markup. Unclosed markers stay literal text.
fn inline(s: &str, keep_unsafe: bool, depth: u8) -> Vec<Inline> {
    let mut out: Vec<Inline> = Vec::new();
    let mut text = String::new();
    let mut i = 0;
    let push_text = |text: &mut String, out: &mut Vec<Inline>| {
        if !text.is_empty() {
            out.push(Inline::Text(std::mem::take(text)));
        }
    };
    while let Some(rest) = s.get(i..) {
        let Some(c) = rest.chars().next() else { break };
        if depth < 4 {
            if c == '\\' {
                if let Some(n) = rest.chars().nth(1) {
                    if matches!(n, '\\' | '*' | '_' | '`' | '[' | ']' | '(' | ')') {
                        text.push(n);
                        i += 1 + n.len_utf8();
                        continue;
                    }
                }
            }
            if let Some(body) = (c == '*').then(|| rest.strip_prefix("**")).flatten() {
                if let Some(end) = crate::core::text::find(body, "**").filter(|e| *e > 0) {
                    push_text(&mut text, &mut out);
                    out.push(Inline::Bold(inline(body.get(..end).unwrap_or(""), keep_unsafe, depth + 1)));
                    i += 4 + end;
                    continue;
                }
            }
            if c == '*' || c == '_' {
                let body = rest.get(1..).unwrap_or("");
                // Intraword underscores (snake_case, __dunder) are text, as in CommonMark: an
                // opening `_` must not follow a letter, digit or `_`, and a closing one must not
                // be followed by one.
                let word = |ch: char| ch.is_ascii_alphanumeric() || !ch.is_ascii() || ch == '_';
                let prev_word = s.get(..i).and_then(|p| p.chars().last()).is_some_and(word);
                let closer = body.char_indices().find(|(k, ch)| {
                    *ch == c && *k > 0 && (c == '*' || !body.get(k + 1..).and_then(|r| r.chars().next()).is_some_and(word))
                });
                if !(c == '_' && prev_word) && !body.starts_with([' ', c]) {
                    if let Some(end) = closer.map(|(k, _)| k) {
                        push_text(&mut text, &mut out);
                        out.push(Inline::Italic(inline(body.get(..end).unwrap_or(""), keep_unsafe, depth + 1)));
                        i += 2 + end;
                        continue;
                    }
                }
            }
            if c == '`' {
                if let Some(end) = rest.get(1..).and_then(|b| b.find('`')) {
                    push_text(&mut text, &mut out);
                    out.push(Inline::Code(rest.get(1..1 + end).unwrap_or("").to_string()));
                    i += 2 + end;
                    continue;
                }
            }
            if c == '[' {
                if let Some((label, href, used)) = link_at(rest) {
                    push_text(&mut text, &mut out);
                    let label_inl = inline(label, keep_unsafe, depth + 1);
                    if keep_unsafe || is_safe_link(href) {
                        out.push(Inline::Link { href: href.to_string(), label: label_inl });
                    } else {
                        out.extend(label_inl);
                    }
                    i += used;
                    continue;
                }
            }
        }
        text.push(c);
        i += c.len_utf8();
    }
    push_text(&mut text, &mut out);
    out
}

/// `[label](href)` at the start of `s`: returns label, href and the bytes used.
fn link_at(s: &str) -> Option<(&str, &str, usize)> {
    let close = crate::core::text::find(s, "](")?;
    let label = s.get(1..close)?;
    if label.bytes().any(|b| b == b'[') {
        return None;
    }
    let after = s.get(close + 2..)?;
    let end = after.find(')')?;
    let href = after.get(..end)?.trim();
    Some((label, href, close + 3 + end))
}

/// The plain text of inlines, for accessible names and the live region.
pub fn plain(inl: &[Inline]) -> String {
    let mut s = String::new();
    for i in inl {
        match i {
            Inline::Text(t) | Inline::Code(t) => s.push_str(t),
            Inline::Bold(c) | Inline::Italic(c) | Inline::Link { label: c, .. } => s.push_str(&plain(c)),
            Inline::Break => s.push(' '),
        }
    }
    s
}

/// The plain text of a whole Markdown string.
pub fn plain_text(text: &str) -> String {
    let mut out = Vec::new();
    for b in parse(text, false) {
        match b {
            Block::Para(i) => out.push(plain(&i)),
            Block::Bullets(l) | Block::Numbered(l) => out.extend(l.iter().map(|i| plain(i))),
        }
    }
    crate::core::text::join(&out, " ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use Inline::*;

    fn t(s: &str) -> Inline {
        Text(s.into())
    }

    #[test]
    fn inline_markup() {
        let cases: Vec<(&str, Vec<Inline>)> = vec![
            ("Create your **first project**.", vec![t("Create your "), Bold(vec![t("first project")]), t(".")]),
            ("*a* and _b_", vec![Italic(vec![t("a")]), t(" and "), Italic(vec![t("b")])]),
            ("use `a*b`", vec![t("use "), Code("a*b".into())]),
            ("snake_case_name", vec![t("snake_case_name")]),
            ("window.__xss and _it_", vec![t("window.__xss and "), Italic(vec![t("it")])]),
            ("_a_b_ c", vec![Italic(vec![t("a_b")]), t(" c")]),
            ("2 * 3 * 4", vec![t("2 * 3 * 4")]),
            ("**unclosed", vec![t("**unclosed")]),
            ("\\*lit\\*", vec![t("*lit*")]),
            ("[Docs](https://x.dev/a)", vec![Link { href: "https://x.dev/a".into(), label: vec![t("Docs")] }]),
            ("[bad](javascript:alert(1))", vec![t("bad"), t(")")]),
            ("<img src=x onerror=alert(1)>", vec![t("<img src=x onerror=alert(1)>")]),
        ];
        for (src, want) in cases {
            match parse(src, false).first() {
                Some(Block::Para(got)) => assert_eq!(got, &want, "{src}"),
                other => panic!("{src}: {other:?}"),
            }
        }
    }

    #[test]
    fn blocks() {
        let b = parse("Intro\nsecond line\n\n- one\n- **two**\n\n1. a\n2. b", false);
        assert_eq!(b.len(), 3);
        assert_eq!(b[0], Block::Para(vec![t("Intro"), Break, t("second line")]));
        assert_eq!(b[1], Block::Bullets(vec![vec![t("one")], vec![Bold(vec![t("two")])]]));
        assert_eq!(b[2], Block::Numbered(vec![vec![t("a")], vec![t("b")]]));
    }

    #[test]
    fn link_safety() {
        for ok in ["https://a.b", "http://a", "mailto:x@y.z", "/app/x", "./a", "../b", "#frag", "?q=1", "page.html", "a/b:c"] {
            assert!(is_safe_link(ok), "{ok}");
        }
        for bad in ["javascript:alert(1)", "JAVASCRIPT:x", " javascript:x", "java\tscript:x", "data:text/html,x", "vbscript:x", "file:///etc", ""] {
            assert!(!is_safe_link(bad), "{bad}");
        }
        assert_eq!(links("see [a](javascript:x) and [b](/ok)"), vec!["javascript:x".to_string(), "/ok".to_string()]);
    }

    #[test]
    fn plain_text_for_labels() {
        assert_eq!(plain_text("**Hi** [there](/x)\n- a"), "Hi there a");
    }
}
