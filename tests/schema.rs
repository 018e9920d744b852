//! The JSON Schema (`schema/spec.v1.json`) and the field reference (the part of `docs/spec.md`
//! between the `reference` markers) are generated from the Rust wire types. These tests fail
//! when either is stale;
//! `SHIRUBE_BLESS=1 cargo test --test schema` regenerates both.

use shirube::core::json::Json;
use shirube::core::spec::types::schema_document;
use std::path::Path;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn check_file(rel: &str, want: &str) {
    let path = root().join(rel);
    if std::env::var_os("SHIRUBE_BLESS").is_some() {
        std::fs::write(&path, want).unwrap_or_else(|e| panic!("cannot write {}: {}", rel, e));
        return;
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(have == want, "{} is stale: run `SHIRUBE_BLESS=1 cargo test --test schema` and commit the result", rel);
}

#[test]
fn schema_file_is_fresh() {
    check_file("schema/spec.v1.json", &(schema_document().write(true) + "\n"));
}

const START: &str = "<!-- reference:start (generated from src/core/spec/types.rs; do not edit) -->\n";
const END: &str = "<!-- reference:end -->";

#[test]
fn reference_doc_is_fresh() {
    let path = root().join("docs/spec.md");
    let doc = std::fs::read_to_string(&path).unwrap_or_default();
    let (Some(a), Some(b)) = (doc.find(START), doc.find(END)) else {
        panic!("docs/spec.md must contain the reference markers");
    };
    let want = format!("{}{}{}{}", &doc[..a], START, reference(&schema_document()), &doc[b..]);
    check_file("docs/spec.md", &want);
}

#[test]
fn typescript_types_are_fresh() {
    check_file("js/spec.d.ts", &typescript(&schema_document()));
}

#[test]
fn schema_describes_every_field() {
    // Every property in the schema carries a description, so editors explain each key.
    let doc = schema_document();
    let mut missing = Vec::new();
    walk(&doc, "", &mut missing);
    assert!(missing.is_empty(), "properties without a description: {:?}", missing);
}

fn walk(v: &Json, path: &str, missing: &mut Vec<String>) {
    if let Some(props) = v.get("properties").and_then(|p| p.as_obj()) {
        for (k, n) in props {
            let p = format!("{}/{}", path, k.s);
            let described = n.v.get("description").is_some() || n.v.get("$ref").is_some() || n.v.get("const").is_some();
            if !described {
                missing.push(p.clone());
            }
            walk(&n.v, &p, missing);
        }
    }
    if let Some(defs) = v.get("definitions").and_then(|d| d.as_obj()) {
        for (k, n) in defs {
            walk(&n.v, &format!("#{}", k.s), missing);
        }
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(items) = v.get(key).and_then(|i| i.as_arr()) {
            for (i, it) in items.iter().enumerate() {
                walk(&it.v, &format!("{}/{}{}", path, key, i), missing);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The reference document

fn s<'a>(v: &'a Json, k: &str) -> &'a str {
    v.get(k).and_then(|x| x.as_str()).unwrap_or("")
}

fn anchor(name: &str) -> String {
    name.to_ascii_lowercase()
}

/// A short type for the table: `text`, `number`, a link to a definition, `A | B`.
fn type_of(v: &Json) -> String {
    if let Some(r) = v.get("$ref").and_then(|r| r.as_str()) {
        let name = r.rsplit('/').next().unwrap_or(r);
        return format!("[{}](#{})", name, anchor(name));
    }
    if let Some(all) = v.get("allOf").and_then(|a| a.as_arr()) {
        if let Some(first) = all.first() {
            return type_of(&first.v);
        }
    }
    if let Some(c) = v.get("const") {
        return format!("`{}`", c.write(false));
    }
    if let Some(e) = v.get("enum").and_then(|e| e.as_arr()) {
        return e.iter().map(|x| format!("`{}`", x.v.write(false))).collect::<Vec<_>>().join(" \\| ");
    }
    if let Some(alts) = v.get("anyOf").or_else(|| v.get("oneOf")).and_then(|a| a.as_arr()) {
        return alts.iter().map(|a| type_of(&a.v)).collect::<Vec<_>>().join(" or ");
    }
    match s(v, "type") {
        "array" => format!("list of {}", v.get("items").map(type_of).unwrap_or_else(|| "values".into())),
        "object" => match v.get("additionalProperties") {
            Some(ap) if !matches!(ap, Json::Bool(_)) => format!("map of name → {}", type_of(ap)),
            _ => "object".into(),
        },
        "string" => "text".into(),
        "integer" => "whole number".into(),
        "" => "any".into(),
        t => t.into(),
    }
}

fn cell(t: &str) -> String {
    t.replace('|', "\\|").replace("\n\n", "<br>").replace('\n', " ")
}

fn table(out: &mut String, schema: &Json) {
    let Some(props) = schema.get("properties").and_then(|p| p.as_obj()) else { return };
    let required: Vec<&str> = schema.get("required").and_then(|r| r.as_arr()).map(|r| r.iter().filter_map(|x| x.v.as_str()).collect()).unwrap_or_default();
    out.push_str("| key | type | default | description |\n|---|---|---|---|\n");
    for (k, n) in props {
        let v = &n.v;
        let default = match v.get("default") {
            Some(d) => format!("`{}`", d.write(false)),
            None if required.contains(&k.s.as_str()) => "**required**".into(),
            None => "—".into(),
        };
        let mut desc = s(v, "description").to_string();
        if let Some(e) = v.get("examples").and_then(|e| e.as_arr()).and_then(|e| e.first()) {
            desc.push_str(&format!(" Example: `{}`", e.v.write(false)));
        }
        out.push_str(&format!("| `{}` | {} | {} | {} |\n", k.s, type_of(v), default, cell(&desc)));
    }
    out.push('\n');
}

fn reference(doc: &Json) -> String {
    let mut out = String::from("### The spec (top level)\n\n");
    table(&mut out, doc);
    let defs = doc.get("definitions").and_then(|d| d.as_obj()).unwrap_or(&[]);
    for (name, n) in defs {
        let v = &n.v;
        out.push_str(&format!("### {}\n\n", name.s));
        let d = s(v, "description");
        if !d.is_empty() {
            out.push_str(d);
            out.push_str("\n\n");
        }
        if v.get("properties").is_some() {
            table(&mut out, v);
        } else if let Some(variants) = v.get("oneOf").and_then(|o| o.as_arr()) {
            for var in variants {
                let title = s(&var.v, "title");
                if var.v.get("properties").is_some() {
                    out.push_str(&format!("#### {} — {}\n\n{}\n\n", name.s, title, s(&var.v, "description")));
                    table(&mut out, &var.v);
                } else {
                    out.push_str(&format!("- {}\n\n", type_of(&var.v)));
                }
            }
        } else {
            out.push_str(&format!("Type: {}\n\n", type_of(v)));
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// TypeScript types for the spec (js/spec.d.ts), from the same schema

fn ts_type(v: &Json) -> String {
    if let Some(r) = v.get("$ref").and_then(|r| r.as_str()) {
        return r.rsplit('/').next().unwrap_or("unknown").to_string();
    }
    if let Some(all) = v.get("allOf").and_then(|a| a.as_arr()) {
        if let Some(first) = all.first() {
            return ts_type(&first.v);
        }
    }
    if let Some(c) = v.get("const") {
        return c.write(false);
    }
    if let Some(e) = v.get("enum").and_then(|e| e.as_arr()) {
        return e.iter().map(|x| x.v.write(false)).collect::<Vec<_>>().join(" | ");
    }
    if let Some(alts) = v.get("anyOf").or_else(|| v.get("oneOf")).and_then(|a| a.as_arr()) {
        return alts.iter().map(|a| ts_type(&a.v)).collect::<Vec<_>>().join(" | ");
    }
    match s(v, "type") {
        "array" => format!("Array<{}>", v.get("items").map(ts_type).unwrap_or_else(|| "unknown".into())),
        "object" => match (v.get("properties"), v.get("additionalProperties")) {
            (Some(_), _) => ts_object(v, 0),
            (None, Some(ap)) if !matches!(ap, Json::Bool(_)) => format!("{{ [name: string]: {} }}", ts_type(ap)),
            _ => "Record<string, unknown>".into(),
        },
        "string" => "string".into(),
        "integer" | "number" => "number".into(),
        "boolean" => "boolean".into(),
        _ => "unknown".into(),
    }
}

fn ts_object(v: &Json, indent: usize) -> String {
    let pad = "  ".repeat(indent + 1);
    let required: Vec<&str> = v.get("required").and_then(|r| r.as_arr()).map(|r| r.iter().filter_map(|x| x.v.as_str()).collect()).unwrap_or_default();
    let mut out = String::from("{\n");
    for (k, n) in v.get("properties").and_then(|p| p.as_obj()).unwrap_or(&[]) {
        let d = s(&n.v, "description");
        if !d.is_empty() {
            out.push_str(&format!("{}/** {} */\n", pad, d.replace("*/", "*\\/").replace('\n', " ")));
        }
        let key = if k.s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') { k.s.clone() } else { format!("\"{}\"", k.s) };
        let opt = if required.contains(&k.s.as_str()) { "" } else { "?" };
        out.push_str(&format!("{}{}{}: {};\n", pad, key, opt, ts_type(&n.v)));
    }
    out.push_str(&"  ".repeat(indent));
    out.push('}');
    out
}

fn typescript(doc: &Json) -> String {
    let mut out = String::from(
        "// TypeScript types for Shirube onboarding spec v1. Generated from the Rust wire types\n\
         // (src/core/spec/types.rs) by `SHIRUBE_BLESS=1 cargo test --test schema`; do not edit.\n\n",
    );
    out.push_str(&format!("/** {} */\nexport interface Spec {}\n\n", s(doc, "description"), ts_object(doc, 0)));
    for (name, n) in doc.get("definitions").and_then(|d| d.as_obj()).unwrap_or(&[]) {
        let v = &n.v;
        let d = s(v, "description");
        if !d.is_empty() {
            out.push_str(&format!("/** {} */\n", d.replace("*/", "*\\/").replace('\n', " ")));
        }
        if v.get("properties").is_some() {
            out.push_str(&format!("export interface {} {}\n\n", name.s, ts_object(v, 0)));
        } else if let Some(variants) = v.get("oneOf").and_then(|o| o.as_arr()) {
            let alts: Vec<String> = variants.iter().map(|x| if x.v.get("properties").is_some() { ts_object(&x.v, 1) } else { ts_type(&x.v) }).collect();
            out.push_str(&format!("export type {} =\n  | {};\n\n", name.s, alts.join("\n  | ")));
        } else {
            out.push_str(&format!("export type {} = {};\n\n", name.s, ts_type(v)));
        }
    }
    out
}
