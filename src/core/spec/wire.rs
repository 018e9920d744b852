//! The machinery that turns JSON nodes into spec wire types while collecting diagnostics,
//! and that describes the same types as JSON Schema, so the schema, the docs and the decoder
//! can never disagree.
//!
//! Decoding never stops at the first problem: a value of the wrong type becomes `None` with a
//! diagnostic and the decoder goes on, so one run reports every mistake in a spec.
//! It owns no knowledge of particular spec fields; `spec::types` declares those.

use crate::core::diagnostic::{did_you_mean, Diagnostic, Severity};
use crate::core::json::{push_pointer, Json, Key, Node};

/// Decoding context: the JSON pointer of the current value and the diagnostics so far.
pub struct Cx {
    pub diags: Vec<Diagnostic>,
    path: String,
    marks: Vec<usize>,
}

impl Default for Cx {
    fn default() -> Self {
        Self::new()
    }
}

impl Cx {
    pub fn new() -> Self {
        Cx { diags: Vec::new(), path: String::new(), marks: Vec::new() }
    }
    pub fn push(&mut self, seg: &str) {
        self.marks.push(self.path.len());
        push_pointer(&mut self.path, seg);
    }
    pub fn push_index(&mut self, i: usize) {
        self.push(&i.to_string());
    }
    pub fn pop(&mut self) {
        if let Some(m) = self.marks.pop() {
            self.path.truncate(m);
        }
    }
    pub fn path(&self) -> &str {
        &self.path
    }
    pub fn report(&mut self, severity: Severity, at: u32, code: &'static str, message: String, hint: Option<String>) {
        self.diags.push(Diagnostic { severity, code, path: self.path.clone(), at, line: 0, column: 0, message, hint });
    }
    pub fn error(&mut self, at: u32, code: &'static str, message: String, hint: Option<String>) {
        self.report(Severity::Error, at, code, message, hint);
    }
    pub fn warn(&mut self, at: u32, code: &'static str, message: String, hint: Option<String>) {
        self.report(Severity::Warning, at, code, message, hint);
    }
    /// Reports that `n` has the wrong type; `what` names the expected shape.
    pub fn wrong_type(&mut self, n: &Node, what: &str) {
        // The commonest slip: a number or true/false written in quotes.
        let hint = match &n.v {
            Json::Str(s) if (crate::core::text::contains(what, "number") || crate::core::text::contains(what, "version")) && crate::core::float::parse(s.trim()).is_some() => Some(format!("write {} without quotes", s.trim())),
            Json::Str(s) if crate::core::text::contains(what, "true or false") && (s == "true" || s == "false") => Some(format!("write {} without quotes", s)),
            _ => None,
        };
        self.error(n.at, "wrong-type", format!("expected {}, found {}", what, n.v.kind()), hint);
    }
    pub fn has_errors(&self) -> bool {
        self.diags.iter().any(|d| d.severity == Severity::Error)
    }
}

/// A value remembered with where it was written, for diagnostics raised after decoding
/// (a reference to a missing flow, a duplicate id).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Sp<T> {
    pub v: T,
    pub at: u32,
    pub ptr: String,
}

/// A spec type that can be decoded from JSON and described as JSON Schema.
pub trait Wire: Sized {
    /// Decodes `n`, reporting every problem to `cx`; `None` when the value is unusable.
    fn decode(n: &Node, cx: &mut Cx) -> Option<Self>;
    /// The JSON Schema of this type; named types register themselves in `g` and return a `$ref`.
    fn schema(g: &mut SchemaGen) -> Json;
}

/// A type decoded from the keys of an object, possibly sharing the object with others
/// (the common keys of every flow kind).
pub trait Fields: Sized {
    fn decode_fields(o: &mut Obj, cx: &mut Cx) -> Self;
    /// Adds `(key, schema, required)` triples.
    fn schema_fields(g: &mut SchemaGen, out: &mut Vec<(&'static str, Json, bool)>);
}

/// Reads the keys of one object, remembering which were used so the rest can be reported.
pub struct Obj<'a> {
    pub node: &'a Node,
    pub entries: &'a [(Key, Node)],
    used: Vec<bool>,
}

impl<'a> Obj<'a> {
    /// Opens `n` as an object, or reports `wrong-type` naming `what`.
    pub fn open(n: &'a Node, cx: &mut Cx, what: &str) -> Option<Obj<'a>> {
        match &n.v {
            Json::Obj(entries) => {
                // Duplicate keys are reported here; the first occurrence wins. Sorting keeps
                // this O(n log n) for hostile documents with thousands of keys.
                let mut order: Vec<usize> = (0..entries.len()).collect();
                crate::core::sort::sort_by(&mut order, |a, b| entries.get(*a).map(|e| &e.0.s).cmp(&entries.get(*b).map(|e| &e.0.s)).then(a.cmp(b)));
                let mut dups: Vec<usize> = order.windows(2).filter(|w| entries.get(w[0]).map(|e| &e.0.s) == entries.get(w[1]).map(|e| &e.0.s)).map(|w| w[1]).collect();
                crate::core::sort::sort(&mut dups);
                for (k, _) in dups.iter().filter_map(|i| entries.get(*i)) {
                    {
                        cx.push(&k.s);
                        cx.error(k.at, "duplicate-key", format!("the key `{}` appears twice in this object", k.s), Some("remove one of them; only the first is used".into()));
                        cx.pop();
                    }
                }
                Some(Obj { node: n, entries, used: vec![false; entries.len()] })
            }
            _ => {
                cx.wrong_type(n, &format!("{} (an object in {{ }})", what));
                None
            }
        }
    }

    /// The node of `key`, marking it used.
    pub fn node(&mut self, key: &str) -> Option<&'a Node> {
        let i = self.entries.iter().position(|(k, _)| k.s == key)?;
        if let Some(u) = self.used.get_mut(i) {
            *u = true;
        }
        self.entries.get(i).map(|(_, n)| n)
    }

    pub fn has(&self, key: &str) -> bool {
        self.entries.iter().any(|(k, _)| k.s == key)
    }

    /// Decodes an optional key.
    pub fn opt<T: Wire>(&mut self, cx: &mut Cx, key: &str) -> Option<T> {
        let n = self.node(key)?;
        cx.push(key);
        let v = T::decode(n, cx);
        cx.pop();
        v
    }

    /// Decodes a required key, reporting `missing-key` when it is absent.
    pub fn req<T: Wire>(&mut self, cx: &mut Cx, key: &str, what: &str) -> Option<T> {
        if !self.has(key) {
            cx.error(self.node.at, "missing-key", format!("{} needs the key `{}`", what, key), None);
            return None;
        }
        self.opt(cx, key)
    }

    /// Marks a key as known without decoding it.
    pub fn allow(&mut self, key: &str) {
        let _ = self.node(key);
    }

    /// Reports every key that was not read, with a did-you-mean among `known`, or `elsewhere`
    /// (keys valid on another kind of the same object) with `elsewhere_hint`.
    pub fn finish(self, cx: &mut Cx, what: &str, known: &[&str], elsewhere: &dyn Fn(&str) -> Option<String>) {
        for (i, (k, _)) in self.entries.iter().enumerate() {
            if self.used.get(i).copied().unwrap_or(true) || known.contains(&k.s.as_str()) {
                continue;
            }
            cx.push(&k.s);
            let hint = match did_you_mean(&k.s, known.iter().copied()) {
                Some(s) => Some(format!("did you mean `{}`?", s)),
                None => elsewhere(&k.s).or_else(|| Some(format!("known keys here: {}", crate::core::text::join(known, ", ")))),
            };
            cx.error(k.at, "unknown-key", format!("`{}` is not a key of {}", k.s, what), hint);
            cx.pop();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// JSON Schema generation

/// Collects named definitions while a schema is generated.
#[derive(Default)]
pub struct SchemaGen {
    pub defs: Vec<(&'static str, Json)>,
}

impl SchemaGen {
    /// Returns a `$ref` to the named definition, building it the first time.
    pub fn named(&mut self, name: &'static str, build: fn(&mut SchemaGen) -> Json) -> Json {
        if !self.defs.iter().any(|(n, _)| *n == name) {
            // Insert a placeholder first so recursive types (conditions) terminate.
            self.defs.push((name, Json::Null));
            let s = build(self);
            if let Some(slot) = self.defs.iter_mut().find(|(n, _)| *n == name) {
                slot.1 = s;
            }
        }
        Json::obj(vec![("$ref", Json::Str(format!("#/definitions/{}", name)))])
    }
}

/// Joins doc-comment lines (each starting with a space) into one description.
pub fn doc(lines: &[&str]) -> String {
    let mut out = String::new();
    for l in lines {
        let l = l.strip_prefix(' ').unwrap_or(l);
        if l.is_empty() {
            out.push_str("\n\n");
        } else {
            if !out.is_empty() && !out.ends_with('\n') {
                out.push(' ');
            }
            out.push_str(l);
        }
    }
    out.trim().to_string()
}

/// Builds an object schema from fields.
pub fn object_schema(title: &str, description: String, fields: Vec<(&'static str, Json, bool)>) -> Json {
    let required: Vec<Json> = fields.iter().filter(|f| f.2).map(|f| Json::str(f.0)).collect();
    let props = Json::Obj(
        fields
            .into_iter()
            .map(|(k, s, _)| (Key { s: k.to_string(), at: 0 }, Node { v: s, at: 0 }))
            .collect(),
    );
    let mut pairs = vec![("title", Json::str(title)), ("description", Json::Str(description)), ("type", Json::str("object")), ("properties", props)];
    if !required.is_empty() {
        pairs.push(("required", Json::Arr(required.into_iter().map(|v| Node { v, at: 0 }).collect())));
    }
    pairs.push(("additionalProperties", Json::Bool(false)));
    Json::obj(pairs)
}

/// Adds `description`, `default` and `examples` (given as JSON text) to a field's schema.
pub fn describe_field(mut s: Json, description: String, default: Option<&str>, example: Option<&str>) -> Json {
    let parse = |t: &str| crate::core::json::parse(t).ok().map(|(n, _)| n.v);
    let mut extra: Vec<(&str, Json)> = Vec::new();
    if !description.is_empty() {
        extra.push(("description", Json::Str(description)));
    }
    if let Some(d) = default.and_then(parse) {
        extra.push(("default", d));
    }
    if let Some(e) = example.and_then(parse) {
        extra.push(("examples", Json::arr(vec![e])));
    }
    if extra.is_empty() {
        return s;
    }
    // A `$ref` cannot carry siblings in older drafts that editors use, so wrap it in allOf.
    if s.get("$ref").is_some() {
        s = Json::obj(vec![("allOf", Json::arr(vec![s]))]);
    }
    if let Json::Obj(pairs) = &mut s {
        for (k, v) in extra {
            pairs.push((Key { s: k.to_string(), at: 0 }, Node { v, at: 0 }));
        }
    }
    s
}

// ---------------------------------------------------------------------------------------------
// Primitive wire types

impl Wire for String {
    fn decode(n: &Node, cx: &mut Cx) -> Option<Self> {
        match &n.v {
            Json::Str(s) => Some(s.clone()),
            _ => {
                cx.wrong_type(n, "text in double quotes");
                None
            }
        }
    }
    fn schema(_: &mut SchemaGen) -> Json {
        Json::obj(vec![("type", Json::str("string"))])
    }
}

impl Wire for bool {
    fn decode(n: &Node, cx: &mut Cx) -> Option<Self> {
        match &n.v {
            Json::Bool(b) => Some(*b),
            _ => {
                cx.wrong_type(n, "true or false");
                None
            }
        }
    }
    fn schema(_: &mut SchemaGen) -> Json {
        Json::obj(vec![("type", Json::str("boolean"))])
    }
}

impl Wire for f64 {
    fn decode(n: &Node, cx: &mut Cx) -> Option<Self> {
        match &n.v {
            Json::Num(x) => Some(*x),
            _ => {
                cx.wrong_type(n, "a number");
                None
            }
        }
    }
    fn schema(_: &mut SchemaGen) -> Json {
        Json::obj(vec![("type", Json::str("number"))])
    }
}

/// A whole number ≥ 0 (pixels, milliseconds, priorities).
impl Wire for u32 {
    fn decode(n: &Node, cx: &mut Cx) -> Option<Self> {
        match &n.v {
            Json::Num(x) if x.fract() == 0.0 && *x >= 0.0 && *x <= u32::MAX as f64 => Some(*x as u32),
            Json::Num(_) => {
                cx.error(n.at, "wrong-type", "expected a whole number of zero or more".into(), None);
                None
            }
            _ => {
                cx.wrong_type(n, "a whole number");
                None
            }
        }
    }
    fn schema(_: &mut SchemaGen) -> Json {
        Json::obj(vec![("type", Json::str("integer")), ("minimum", Json::Num(0.0))])
    }
}

/// A whole number that may be negative (priorities, offsets).
impl Wire for i32 {
    fn decode(n: &Node, cx: &mut Cx) -> Option<Self> {
        match &n.v {
            Json::Num(x) if x.fract() == 0.0 && x.abs() <= i32::MAX as f64 => Some(*x as i32),
            Json::Num(_) => {
                cx.error(n.at, "wrong-type", "expected a whole number".into(), None);
                None
            }
            _ => {
                cx.wrong_type(n, "a whole number");
                None
            }
        }
    }
    fn schema(_: &mut SchemaGen) -> Json {
        Json::obj(vec![("type", Json::str("integer"))])
    }
}

impl<T: Wire> Wire for Vec<T> {
    fn decode(n: &Node, cx: &mut Cx) -> Option<Self> {
        match &n.v {
            Json::Arr(items) => {
                let mut out = Vec::with_capacity(items.len());
                for (i, it) in items.iter().enumerate() {
                    cx.push_index(i);
                    if let Some(v) = T::decode(it, cx) {
                        out.push(v);
                    }
                    cx.pop();
                }
                Some(out)
            }
            _ => {
                cx.wrong_type(n, "a list in [ ]");
                None
            }
        }
    }
    fn schema(g: &mut SchemaGen) -> Json {
        Json::obj(vec![("type", Json::str("array")), ("items", T::schema(g))])
    }
}

impl<T: Wire> Wire for Sp<T> {
    fn decode(n: &Node, cx: &mut Cx) -> Option<Self> {
        let v = T::decode(n, cx)?;
        Some(Sp { v, at: n.at, ptr: cx.path().to_string() })
    }
    fn schema(g: &mut SchemaGen) -> Json {
        T::schema(g)
    }
}

/// An object whose keys are chosen by the author (named audiences).
#[derive(Clone, Debug, PartialEq)]
pub struct Map<T>(pub Vec<(Sp<String>, T)>);

impl<T: Wire> Wire for Map<T> {
    fn decode(n: &Node, cx: &mut Cx) -> Option<Self> {
        let o = Obj::open(n, cx, "a map of names to values")?;
        let mut out = Vec::new();
        for (k, v) in o.entries {
            cx.push(&k.s);
            let key = Sp { v: k.s.clone(), at: k.at, ptr: cx.path().to_string() };
            if let Some(t) = T::decode(v, cx) {
                out.push((key, t));
            }
            cx.pop();
        }
        Some(Map(out))
    }
    fn schema(g: &mut SchemaGen) -> Json {
        Json::obj(vec![("type", Json::str("object")), ("additionalProperties", T::schema(g))])
    }
}

/// Declares a spec object type: the struct, its decoder and its schema, from one list of
/// documented fields. Each field is `req|opt|flat "jsonKey" => rust_name: Type [= "default"] [; "example"]`.
/// `flat` embeds another [`Fields`] type's keys in the same object.
#[macro_export]
macro_rules! wire_struct {
    (
        $(#[doc = $sdoc:literal])*
        $name:ident as $what:literal {
            $(
                $(#[doc = $fdoc:literal])*
                $mode:ident $key:literal => $field:ident : $ty:ty $(= $default:literal)? $(; $example:literal)?
            ),* $(,)?
        }
    ) => {
        $(#[doc = $sdoc])*
        #[derive(Clone, Debug, PartialEq, Default)]
        pub struct $name {
            $( $(#[doc = $fdoc])* pub $field: $crate::wire_struct!(@ty $mode $ty), )*
        }

        impl $crate::core::spec::wire::Fields for $name {
            fn decode_fields(o: &mut $crate::core::spec::wire::Obj, cx: &mut $crate::core::spec::wire::Cx) -> Self {
                $name { $( $field: $crate::wire_struct!(@get $mode o cx $key $ty, $what), )* }
            }
            fn schema_fields(g: &mut $crate::core::spec::wire::SchemaGen, out: &mut Vec<(&'static str, $crate::core::json::Json, bool)>) {
                $( $crate::wire_struct!(@schema $mode g out $key $ty, [$($fdoc),*], [$($default)?], [$($example)?]); )*
            }
        }

        impl $name {
            /// Every JSON key of this type, including embedded ones.
            pub fn keys() -> Vec<&'static str> {
                let mut k: Vec<&'static str> = Vec::new();
                $( $crate::wire_struct!(@key $mode k $key $ty); )*
                k
            }
            pub const WHAT: &'static str = $what;
            pub fn description() -> String {
                $crate::core::spec::wire::doc(&[$($sdoc),*])
            }
        }

        impl $crate::core::spec::wire::Wire for $name {
            fn decode(n: &$crate::core::json::Node, cx: &mut $crate::core::spec::wire::Cx) -> Option<Self> {
                let mut o = $crate::core::spec::wire::Obj::open(n, cx, $what)?;
                let v = <$name as $crate::core::spec::wire::Fields>::decode_fields(&mut o, cx);
                o.finish(cx, $what, &$name::keys(), &|_| None);
                Some(v)
            }
            fn schema(g: &mut $crate::core::spec::wire::SchemaGen) -> $crate::core::json::Json {
                g.named(stringify!($name), |g| {
                    let mut f = Vec::new();
                    <$name as $crate::core::spec::wire::Fields>::schema_fields(g, &mut f);
                    $crate::core::spec::wire::object_schema($what, $name::description(), f)
                })
            }
        }
    };

    (@ty flat $ty:ty) => { $ty };
    (@ty $mode:ident $ty:ty) => { Option<$ty> };

    (@get flat $o:ident $cx:ident $key:literal $ty:ty, $what:literal) => {
        <$ty as $crate::core::spec::wire::Fields>::decode_fields($o, $cx)
    };
    (@get req $o:ident $cx:ident $key:literal $ty:ty, $what:literal) => { $o.req::<$ty>($cx, $key, $what) };
    (@get opt $o:ident $cx:ident $key:literal $ty:ty, $what:literal) => { $o.opt::<$ty>($cx, $key) };

    (@key flat $k:ident $key:literal $ty:ty) => { $k.extend(<$ty>::keys()) };
    (@key $mode:ident $k:ident $key:literal $ty:ty) => { $k.push($key) };

    (@schema flat $g:ident $out:ident $key:literal $ty:ty, [$($fdoc:literal),*], [$($default:literal)?], [$($example:literal)?]) => {
        <$ty as $crate::core::spec::wire::Fields>::schema_fields($g, $out)
    };
    (@schema $mode:ident $g:ident $out:ident $key:literal $ty:ty, [$($fdoc:literal),*], [$($default:literal)?], [$($example:literal)?]) => {
        $out.push((
            $key,
            $crate::core::spec::wire::describe_field(
                <$ty as $crate::core::spec::wire::Wire>::schema($g),
                $crate::core::spec::wire::doc(&[$($fdoc),*]),
                [$($default)?].first().copied(),
                [$($example)?].first().copied(),
            ),
            stringify!($mode) == "req",
        ))
    };
}

/// Declares a closed set of words (`"bottom-start"`, `"wait"`), decoded with did-you-mean.
#[macro_export]
macro_rules! wire_enum {
    (
        $(#[doc = $sdoc:literal])*
        $name:ident as $what:literal { $( $(#[doc = $vdoc:literal])* $variant:ident = $word:literal ),* $(,)? }
    ) => {
        $(#[doc = $sdoc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum $name { $( $(#[doc = $vdoc])* $variant ),* }

        impl $name {
            pub const WORDS: &'static [&'static str] = &[$($word),*];
            pub fn as_str(self) -> &'static str {
                match self { $( $name::$variant => $word ),* }
            }
            pub fn parse(s: &str) -> Option<Self> {
                match s { $( $word => Some($name::$variant), )* _ => None }
            }
        }

        impl $crate::core::spec::wire::Wire for $name {
            fn decode(n: &$crate::core::json::Node, cx: &mut $crate::core::spec::wire::Cx) -> Option<Self> {
                let s = match &n.v {
                    $crate::core::json::Json::Str(s) => s,
                    _ => {
                        cx.wrong_type(n, &format!("{}: one of {}", $what, $crate::core::text::join(&Self::WORDS, ", ")));
                        return None;
                    }
                };
                match Self::parse(s) {
                    Some(v) => Some(v),
                    None => {
                        // People say left and right where the spec says start and end.
                        let logical = $crate::core::text::replace(&$crate::core::text::replace(s, "left", "start"), "right", "end");
                        let hint = match $crate::core::diagnostic::did_you_mean(s, Self::WORDS.iter().copied()) {
                            _ if logical != *s && Self::parse(&logical).is_some() => format!("did you mean `{}`? start and end follow the reading direction", logical),
                            Some(w) => format!("did you mean `{}`?", w),
                            None => format!("use one of: {}", $crate::core::text::join(&Self::WORDS, ", ")),
                        };
                        cx.error(n.at, "unknown-value", format!("`{}` is not a valid {}", s, $what), Some(hint));
                        None
                    }
                }
            }
            fn schema(g: &mut $crate::core::spec::wire::SchemaGen) -> $crate::core::json::Json {
                g.named(stringify!($name), |_| {
                    use $crate::core::json::Json;
                    let docs: &[(&str, String)] = &[ $( ($word, $crate::core::spec::wire::doc(&[$($vdoc),*])) ),* ];
                    let mut desc = $crate::core::spec::wire::doc(&[$($sdoc),*]);
                    for (w, d) in docs {
                        if !d.is_empty() {
                            desc.push_str(&format!("\n\n- `{}`: {}", w, d));
                        }
                    }
                    Json::obj(vec![
                        ("title", Json::str($what)),
                        ("description", Json::Str(desc)),
                        ("type", Json::str("string")),
                        ("enum", Json::arr(Self::WORDS.iter().map(|w| Json::str(w)).collect())),
                    ])
                })
            }
        }
    };
}
