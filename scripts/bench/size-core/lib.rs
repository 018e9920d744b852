// Used by scripts/bench/size-core.sh (not part of the package).
//! Size experiment: the pure core (spec decoding and validation, engine, views, Markdown,
//! JSON, progress) behind one export, without the DOM layer, delivery or state sync.
use shirube::core::engine::{Engine, Input, User};
use shirube::core::json;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
pub fn run(spec: &str, events: &str) -> String {
    let v = shirube::validate(spec);
    let mut out = shirube::core::diagnostic::to_json_array(&v.diagnostics);
    let Some(model) = v.model else { return out };
    let n = model.flows.len();
    let user = User { key: "u".into(), device: "d".into(), traits: json::Json::Null };
    let mut e = Engine::new(model, Default::default(), user, "en".into());
    let mut fx = e.handle(0.0, Input::Load { path: "/".into(), query: String::new() });
    if let Ok((list, _)) = json::parse(events) {
        if let Some(items) = list.v.as_arr() {
            for (i, it) in items.iter().enumerate() {
                if let Some(name) = it.v.as_str() {
                    fx.extend(e.handle(i as f64, Input::Track { name: name.to_string(), properties: json::Json::Null }));
                }
            }
        }
    }
    for f in 0..n {
        if let Some(view) = shirube::core::view::view(&e, f) {
            out.push_str(&view.label);
        }
    }
    out.push_str(&fx.len().to_string());
    out.push_str(&e.state().write(false));
    for s in e.explain() {
        out.push_str(&s.why);
    }
    out
}
