//! The `#[wasm_bindgen]` surface: the only functions JS can call. Values cross as JSON text or
//! numbers (no serde-wasm-bindgen: it costs size and the core already speaks JSON). Errors
//! leave as JS errors or `error` events; nothing here may panic into the host page.

use wasm_bindgen::prelude::*;

/// Validates spec text; returns `{"ok": bool, "diagnostics": [...]}` as JSON text.
#[wasm_bindgen(js_name = validateSpec)]
pub fn validate_spec(src: &str) -> String {
    let v = crate::core::spec::validate(src);
    let mut out = String::from("{\"ok\":");
    out.push_str(if v.ok() { "true" } else { "false" });
    out.push_str(",\"diagnostics\":");
    out.push_str(&crate::core::diagnostic::to_json_array(&v.diagnostics));
    out.push('}');
    out
}

/// The crate version, for `sdk.version` on the wire.
#[wasm_bindgen(js_name = sdkVersion)]
pub fn sdk_version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}
