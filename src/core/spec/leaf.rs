//! Leaf value types of the spec that check their own syntax while decoding: ids, localized
//! text, selectors, page globs, durations, counts, fractions, links and colours. Each knows its
//! JSON Schema. Cross-references (does that flow exist?) are checked later by `validate`.

use super::wire::{Cx, Obj, SchemaGen, Sp, Wire};
use crate::core::json::{Json, Node};
use crate::core::{duration, glob, markdown, selector};

fn s(pairs: Vec<(&str, Json)>) -> Json {
    Json::obj(pairs)
}

fn string_of<'a>(n: &'a Node, cx: &mut Cx, what: &str) -> Option<&'a str> {
    match &n.v {
        Json::Str(s) => Some(s),
        _ => {
            cx.wrong_type(n, what);
            None
        }
    }
}

/// An id: letters, digits, `_`, `-` and `.`, at most 64 characters. Events and the dashboard
/// show it, so it should stay stable when the wording changes.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Id {
    pub v: String,
    pub at: u32,
    pub ptr: String,
}

impl Wire for Id {
    fn decode(n: &Node, cx: &mut Cx) -> Option<Self> {
        let v = string_of(n, cx, "an id (text such as \"welcome-tour\")")?;
        let bad = v.chars().find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')));
        if v.is_empty() {
            cx.error(n.at, "invalid-id", "the id is empty".into(), Some("use letters, digits, _ - or ., such as \"welcome-tour\"".into()));
            return None;
        }
        if let Some(c) = bad {
            let suggestion: String = v.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.') { c } else { '-' }).collect();
            cx.error(
                n.at,
                "invalid-id",
                format!("the id `{}` contains `{}`; ids may use only letters, digits, _ - and .", v, c),
                Some(format!("for example \"{}\"", suggestion)),
            );
            return None;
        }
        if v.chars().count() > 64 {
            cx.error(n.at, "invalid-id", "the id is longer than 64 characters".into(), Some("ids are keys, not descriptions: keep them short".into()));
            return None;
        }
        Some(Id { v: v.to_string(), at: n.at, ptr: cx.path().to_string() })
    }
    fn schema(g: &mut SchemaGen) -> Json {
        g.named("Id", |_| {
            s(vec![
                ("title", Json::str("id")),
                ("description", Json::str("Letters, digits, `_`, `-` and `.`, at most 64 characters. Stable: events and reports use it.")),
                ("type", Json::str("string")),
                ("pattern", Json::str("^[A-Za-z0-9_.-]{1,64}$")),
            ])
        })
    }
}

/// A reference to something declared elsewhere in the spec (a flow, step, milestone,
/// audience or stage id). Whether it exists is checked by `validate`.
pub type Ref = Sp<String>;

/// Text shown to users: either one string in the default locale, or an object with one string
/// per locale. Supports the Markdown subset in bodies.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Text {
    /// `(locale, text, offset)`; a plain string is stored with the locale `""` (the default).
    pub by_locale: Vec<(String, String, u32)>,
    pub at: u32,
    pub ptr: String,
}

impl Text {
    pub fn get(&self, locale: &str) -> Option<&str> {
        self.by_locale.iter().find(|(l, _, _)| l == locale).map(|(_, t, _)| t.as_str())
    }
}

fn check_links(cx: &mut Cx, at: u32, text: &str) {
    for href in markdown::links(text) {
        if !markdown::is_safe_link(&href) {
            cx.error(
                at,
                "unsafe-link",
                format!("the link `{}` is not allowed", href),
                Some("links may be http(s)://, mailto: or relative (/app/…); other schemes such as javascript: are blocked".into()),
            );
        }
    }
}

impl Wire for Text {
    fn decode(n: &Node, cx: &mut Cx) -> Option<Self> {
        let ptr = cx.path().to_string();
        match &n.v {
            Json::Str(t) => {
                check_links(cx, n.at, t);
                Some(Text { by_locale: vec![(String::new(), t.clone(), n.at)], at: n.at, ptr })
            }
            Json::Obj(pairs) => {
                let mut out = Vec::new();
                for (k, v) in pairs {
                    cx.push(&k.s);
                    if !is_locale_tag(&k.s) {
                        cx.error(k.at, "invalid-locale", format!("`{}` is not a language tag", k.s), Some("use tags such as \"en\", \"ja\" or \"pt-BR\"".into()));
                    } else if let Some(t) = string_of(v, cx, "text in double quotes") {
                        check_links(cx, v.at, t);
                        out.push((k.s.clone(), t.to_string(), v.at));
                    }
                    cx.pop();
                }
                Some(Text { by_locale: out, at: n.at, ptr })
            }
            _ => {
                cx.wrong_type(n, "text, or an object of texts by language such as {\"en\": \"…\", \"ja\": \"…\"}");
                None
            }
        }
    }
    fn schema(g: &mut SchemaGen) -> Json {
        g.named("Text", |_| {
            s(vec![
                ("title", Json::str("text")),
                (
                    "description",
                    Json::str("Text shown to users: a string in the default locale, or an object with one string per locale, such as {\"en\": \"Start here\", \"ja\": \"ここから始めましょう\"}. Titles and bodies support **bold**, *italic*, `code`, [links](https://…), lists and line breaks."),
                ),
                (
                    "anyOf",
                    Json::arr(vec![
                        s(vec![("type", Json::str("string"))]),
                        s(vec![
                            ("type", Json::str("object")),
                            ("propertyNames", s(vec![("pattern", Json::str("^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$"))])),
                            ("additionalProperties", s(vec![("type", Json::str("string"))])),
                        ]),
                    ]),
                ),
            ])
        })
    }
}

/// BCP 47-shaped: a 2–3 letter language and optional subtags.
pub fn is_locale_tag(t: &str) -> bool {
    let mut parts = t.split('-');
    let lang = parts.next().unwrap_or("");
    (2..=3).contains(&lang.len()) && lang.chars().all(|c| c.is_ascii_alphabetic()) && parts.all(|p| (2..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

/// A language tag such as `en` or `ja`.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Locale(pub Sp<String>);

impl Wire for Locale {
    fn decode(n: &Node, cx: &mut Cx) -> Option<Self> {
        let t = string_of(n, cx, "a language tag such as \"en\"")?;
        if !is_locale_tag(t) {
            cx.error(n.at, "invalid-locale", format!("`{}` is not a language tag", t), Some("use tags such as \"en\", \"ja\" or \"pt-BR\"".into()));
            return None;
        }
        Some(Locale(Sp { v: t.to_string(), at: n.at, ptr: cx.path().to_string() }))
    }
    fn schema(_: &mut SchemaGen) -> Json {
        s(vec![("type", Json::str("string")), ("pattern", Json::str("^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$"))])
    }
}

/// A CSS selector, checked for syntax.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Selector(pub Sp<String>);

impl Wire for Selector {
    fn decode(n: &Node, cx: &mut Cx) -> Option<Self> {
        let t = string_of(n, cx, "a CSS selector in double quotes")?;
        if let Err((col, msg)) = selector::check(t) {
            let (code, hint) = if t.trim().is_empty() {
                ("empty-selector", "write a CSS selector such as \"#import\" or \"[data-tour=new-project]\"".to_string())
            } else {
                ("invalid-selector", format!("at character {} of `{}`; test it with document.querySelector in the browser console", col + 1, t))
            };
            cx.error(n.at, code, if code == "empty-selector" { "the selector is empty".into() } else { format!("the selector `{}` is not valid CSS: {}", t, msg) }, Some(hint));
            return None;
        }
        Some(Selector(Sp { v: t.to_string(), at: n.at, ptr: cx.path().to_string() }))
    }
    fn schema(g: &mut SchemaGen) -> Json {
        g.named("Selector", |_| {
            s(vec![
                ("title", Json::str("CSS selector")),
                ("description", Json::str("A CSS selector, such as \"#import\" or \"[data-tour=new-project]\". Prefer attributes you add for the tour (data-tour) over generated class names, which change between releases.")),
                ("type", Json::str("string")),
                ("minLength", Json::Num(1.0)),
            ])
        })
    }
}

/// The element a step or hint points at: one selector, or a list tried in order (fallbacks).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Target(pub Vec<Selector>);

impl Wire for Target {
    fn decode(n: &Node, cx: &mut Cx) -> Option<Self> {
        match &n.v {
            Json::Arr(items) if items.is_empty() => {
                cx.error(n.at, "empty-selector", "the list of selectors is empty".into(), Some("give at least one selector".into()));
                None
            }
            Json::Arr(_) => Vec::<Selector>::decode(n, cx).map(Target),
            _ => Selector::decode(n, cx).map(|s| Target(vec![s])),
        }
    }
    fn schema(g: &mut SchemaGen) -> Json {
        g.named("Target", |g| {
            let one = Selector::schema(g);
            s(vec![
                ("title", Json::str("target")),
                ("description", Json::str("The element to point at: a CSS selector, or a list of selectors tried in order, so a fallback can take over when the first one no longer matches. Selectors reach into open shadow roots. Where a selector matches several elements (a desktop and a phone copy of a control), the first one the user can see is taken.")),
                ("anyOf", Json::arr(vec![one.clone(), s(vec![("type", Json::str("array")), ("items", one), ("minItems", Json::Num(1.0))])])),
            ])
        })
    }
}

/// A page pattern such as `/app/dashboard*`.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Glob(pub Sp<String>);

impl Wire for Glob {
    fn decode(n: &Node, cx: &mut Cx) -> Option<Self> {
        let t = string_of(n, cx, "a page pattern such as \"/app/dashboard*\"")?;
        if let Err((msg, hint)) = glob::check(t) {
            cx.error(n.at, "invalid-glob", format!("`{}`: {}", t, msg), Some(hint));
            return None;
        }
        Some(Glob(Sp { v: t.to_string(), at: n.at, ptr: cx.path().to_string() }))
    }
    fn schema(g: &mut SchemaGen) -> Json {
        g.named("Glob", |_| {
            s(vec![
                ("title", Json::str("page pattern")),
                ("description", Json::str("A pattern for the path of the page's URL. `*` matches any characters, including /. Matched against the path only, or path and query when the pattern contains `?`. A trailing / is ignored.")),
                ("type", Json::str("string")),
                ("pattern", Json::str("^[/*]\\S*$")),
                ("examples", Json::arr(vec![Json::str("/app/dashboard*"), Json::str("/projects/*/settings")])),
            ])
        })
    }
}

/// A duration such as `"90d"`, `"12h"`, `"1h30m"`, `"500ms"` or `"2w"`, in milliseconds.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Duration(pub u64);

impl Wire for Duration {
    fn decode(n: &Node, cx: &mut Cx) -> Option<Self> {
        let t = match &n.v {
            Json::Str(t) => t,
            Json::Num(_) => {
                cx.error(n.at, "invalid-duration", "durations are text with a unit".into(), Some("write \"90d\", \"12h\", \"30m\", \"45s\", \"500ms\" or \"2w\"".into()));
                return None;
            }
            _ => {
                cx.wrong_type(n, "a duration such as \"90d\"");
                return None;
            }
        };
        match duration::parse(t) {
            Ok(ms) => Some(Duration(ms)),
            Err(msg) => {
                cx.error(n.at, "invalid-duration", msg, Some("write a number and a unit: ms, s, m, h, d or w, such as \"90d\" or \"1h30m\"".into()));
                None
            }
        }
    }
    fn schema(g: &mut SchemaGen) -> Json {
        g.named("Duration", |_| {
            s(vec![
                ("title", Json::str("duration")),
                ("description", Json::str("A number and a unit (ms, s, m, h, d, w), parts may be combined: \"90d\", \"12h\", \"1h30m\", \"2w\".")),
                ("type", Json::str("string")),
                ("pattern", Json::str("^([0-9]+(ms|s|m|h|d|w))+$")),
            ])
        })
    }
}

/// A whole number of at least 1.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Count(pub u32);

impl Wire for Count {
    fn decode(n: &Node, cx: &mut Cx) -> Option<Self> {
        match &n.v {
            Json::Num(x) if x.fract() == 0.0 && *x >= 1.0 && *x <= 1_000_000.0 => Some(Count(*x as u32)),
            Json::Num(x) if *x < 1.0 => {
                cx.error(n.at, "non-positive", "this count must be at least 1".into(), Some("to turn something off, remove the key or the flow".into()));
                None
            }
            Json::Num(x) if x.fract() != 0.0 => {
                cx.error(n.at, "wrong-type", "expected a whole number".into(), None);
                None
            }
            Json::Num(_) => {
                cx.error(n.at, "out-of-range", "this count is larger than 1,000,000".into(), None);
                None
            }
            _ => {
                cx.wrong_type(n, "a whole number of 1 or more");
                None
            }
        }
    }
    fn schema(_: &mut SchemaGen) -> Json {
        s(vec![("type", Json::str("integer")), ("minimum", Json::Num(1.0)), ("maximum", Json::Num(1_000_000.0))])
    }
}

/// A share between 0 and 1 (0.2 is 20 %).
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Fraction(pub f64);

impl Wire for Fraction {
    fn decode(n: &Node, cx: &mut Cx) -> Option<Self> {
        match &n.v {
            Json::Num(x) if (0.0..=1.0).contains(x) => Some(Fraction(*x)),
            Json::Num(_) => {
                cx.error(n.at, "sample-range", "the sample must be between 0 and 1".into(), Some("0.2 shows the flow to 20% of users".into()));
                None
            }
            _ => {
                cx.wrong_type(n, "a number between 0 and 1");
                None
            }
        }
    }
    fn schema(_: &mut SchemaGen) -> Json {
        s(vec![("type", Json::str("number")), ("minimum", Json::Num(0.0)), ("maximum", Json::Num(1.0))])
    }
}

/// A link: `http(s)://…`, `mailto:…` or a relative URL such as `/app/settings`.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Link(pub Sp<String>);

impl Wire for Link {
    fn decode(n: &Node, cx: &mut Cx) -> Option<Self> {
        let t = string_of(n, cx, "a URL")?;
        if !markdown::is_safe_link(t) {
            cx.error(
                n.at,
                "unsafe-link",
                format!("the link `{}` is not allowed", t),
                Some("links may be http(s)://, mailto: or relative (/app/…); other schemes such as javascript: are blocked".into()),
            );
            return None;
        }
        Some(Link(Sp { v: t.to_string(), at: n.at, ptr: cx.path().to_string() }))
    }
    fn schema(_: &mut SchemaGen) -> Json {
        s(vec![("type", Json::str("string")), ("description", Json::str("http(s)://, mailto: or a relative URL."))])
    }
}

/// A CSS colour: `#rgb`, `#rrggbb`, `#rrggbbaa`, `rgb()`, `hsl()`, `oklch()`, a colour name or
/// `var(--name)`. Restricted to those shapes because theme values go into CSS.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Color(pub String);

pub fn is_color(t: &str) -> bool {
    let t = t.trim();
    if let Some(hex) = t.strip_prefix('#') {
        return matches!(hex.len(), 3 | 4 | 6 | 8) && hex.chars().all(|c| c.is_ascii_hexdigit());
    }
    if t.chars().all(|c| c.is_ascii_alphabetic()) {
        return (3..=20).contains(&t.len());
    }
    let funcs = ["rgb(", "rgba(", "hsl(", "hsla(", "oklch(", "oklab(", "lab(", "lch(", "color-mix(", "var(--"];
    funcs.iter().any(|f| t.starts_with(f))
        && t.ends_with(')')
        && t.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, ' ' | '#' | '(' | ')' | ',' | '.' | '%' | '/' | '-'))
        && t.matches('(').count() == t.matches(')').count()
        && !crate::core::text::contains(&t.to_ascii_lowercase(), "url")
}

impl Wire for Color {
    fn decode(n: &Node, cx: &mut Cx) -> Option<Self> {
        let t = string_of(n, cx, "a colour such as \"#2563eb\"")?;
        if !is_color(t) {
            cx.error(n.at, "invalid-color", format!("`{}` is not a colour", t), Some("write a hex colour such as \"#2563eb\", rgb(37 99 235) or a colour name".into()));
            return None;
        }
        Some(Color(t.trim().to_string()))
    }
    fn schema(_: &mut SchemaGen) -> Json {
        s(vec![("type", Json::str("string")), ("examples", Json::arr(vec![Json::str("#2563eb")]))])
    }
}

/// Any JSON value, kept as is (trait comparison values, event properties).
#[derive(Clone, Debug, PartialEq)]
pub struct AnyValue(pub Node);

impl Wire for AnyValue {
    fn decode(n: &Node, _: &mut Cx) -> Option<Self> {
        Some(AnyValue(n.clone()))
    }
    fn schema(_: &mut SchemaGen) -> Json {
        s(vec![])
    }
}

/// Reads a key whose value is one of several shapes; used by conditions and actions.
pub fn single_key<'a>(o: &Obj<'a>, keys: &[&'static str]) -> Vec<&'static str> {
    keys.iter().copied().filter(|k| o.has(k)).collect()
}
