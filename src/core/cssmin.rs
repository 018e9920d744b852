//! Shrinks a stylesheet for shipping: comments out, whitespace collapsed, no space around
//! `{`, `}`, `;` or after `,` and `:`, no `;` before `}`. Quoted strings are copied as they
//! are. Nothing else changes, so the rules mean what they meant: spaces that carry meaning
//! (descendant combinators, `calc(a - b)`, `0 0 0 2px`) stay, as single spaces.
//!
//! `build.rs` runs it over `src/dom/style.css` (the SDK embeds the result in the wasm); it is
//! here, in the pure core, to be tested natively.

pub fn minify(css: &str) -> String {
    let b = css.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(b.len());
    let mut i = 0;
    let mut space = false;
    while i < b.len() {
        let c = b[i];
        if c == b'/' && b.get(i + 1) == Some(&b'*') {
            i = match css[i + 2..].find("*/") {
                Some(e) => i + 2 + e + 2,
                None => b.len(),
            };
            space = true;
            continue;
        }
        if c.is_ascii_whitespace() {
            space = true;
            i += 1;
            continue;
        }
        if space {
            let prev = out.last().copied();
            let glue = matches!(prev, None | Some(b'{' | b'}' | b';' | b',' | b':')) || matches!(c, b'{' | b'}' | b';' | b',');
            if !glue {
                out.push(b' ');
            }
            space = false;
        }
        if c == b'"' || c == b'\'' {
            let start = i;
            i += 1;
            while i < b.len() && b[i] != c {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i = (i + 1).min(b.len());
            out.extend_from_slice(&b[start..i]);
            continue;
        }
        if c == b'}' && out.last() == Some(&b';') {
            out.pop();
        }
        out.push(c);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| css.to_string())
}

#[cfg(test)]
mod tests {
    use super::minify;

    #[test]
    fn table() {
        for (src, want) in [
            ("a { color: red; }", "a{color:red}"),
            ("/* c */ .a  .b > .c {\n  margin: 0 0 6px 28px;\n}\n", ".a .b > .c{margin:0 0 6px 28px}"),
            (".x { width: calc(100vw - 16px); max-width: min(360px, calc(100vw - 16px)); }", ".x{width:calc(100vw - 16px);max-width:min(360px,calc(100vw - 16px))}"),
            (":host-context([dir=\"rtl\"]) .card h2, .card[dir=\"rtl\"] h2 { margin: 0 }", ":host-context([dir=\"rtl\"]) .card h2,.card[dir=\"rtl\"] h2{margin:0}"),
            (".b::before { content: \"a  /* not a comment */ b\"; font: 20px/1 \"Segoe UI\", x; }", ".b::before{content:\"a  /* not a comment */ b\";font:20px/1 \"Segoe UI\",x}"),
            ("@media (prefers-reduced-motion: reduce) {\n  .a, .b { animation: none; }\n}", "@media (prefers-reduced-motion:reduce){.a,.b{animation:none}}"),
            ("@keyframes p { 0% { transform: scale(.6); } 100% { opacity: 0; } }", "@keyframes p{0%{transform:scale(.6)}100%{opacity:0}}"),
            ("a { b: c } /* unterminated", "a{b:c}"),
            ("", ""),
        ] {
            assert_eq!(minify(src), want, "{src}");
        }
    }

    /// The shipped stylesheet: smaller, the same rules (every selector and declaration is
    /// still there, in order, once whitespace is ignored).
    #[test]
    fn the_sdk_stylesheet() {
        let css = include_str!("../dom/style.css");
        let min = minify(css);
        assert!(min.len() * 100 < css.len() * 85, "{} → {}", css.len(), min.len());
        let strip = |s: &str| s.chars().filter(|c| !c.is_whitespace() && *c != ';').collect::<String>();
        let mut no_comments = String::new();
        let mut rest = css;
        while let Some(s) = rest.find("/*") {
            no_comments.push_str(&rest[..s]);
            rest = &rest[s + 2..];
            rest = &rest[rest.find("*/").map_or(rest.len(), |e| e + 2)..];
        }
        no_comments.push_str(rest);
        assert_eq!(strip(&min), strip(&no_comments));
    }
}
