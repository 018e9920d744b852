//! Browser tests of the wasm build, run by wasm-bindgen-test in headless Chromium
//! (`cargo test --target wasm32-unknown-unknown --test web`). They check what only the wasm
//! build can show: the exported API behaves like the native core, and the core's text handling
//! is correct on wasm32.
#![cfg(target_arch = "wasm32")]

use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn validate_export_reports_diagnostics_as_json() {
    let out = shirube::api::validate_spec(r#"{"version": 1, "product": "acme", "flows": [{"id": "t", "kind": "tour", "steps": [{"id": "a", "tittle": "x"}]}]}"#);
    assert!(out.starts_with("{\"ok\":false"), "{}", out);
    assert!(out.contains("\"code\":\"unknown-key\""), "{}", out);
    assert!(out.contains("\"hint\":\"did you mean `title`?\""), "{}", out);
    assert!(out.contains("\"line\":1"), "{}", out);
}

#[wasm_bindgen_test]
fn the_example_spec_validates_in_the_browser() {
    let src = include_str!("../examples/saas-app/onboarding.json");
    let out = shirube::api::validate_spec(src);
    assert_eq!(out, "{\"ok\":true,\"diagnostics\":[]}");
}

#[wasm_bindgen_test]
fn japanese_text_columns_count_characters() {
    let src = "{\n  \"version\": 1, \"product\": \"日本語\", \"flows\": [], \"x\": 1\n}";
    let v = shirube::validate(src);
    let d = v.diagnostics.iter().find(|d| d.code == "unknown-key");
    assert_eq!(d.map(|d| (d.line, d.column)), Some((2, 48)));
}

#[wasm_bindgen_test]
fn sdk_version_matches_the_crate() {
    assert_eq!(shirube::api::sdk_version(), env!("CARGO_PKG_VERSION"));
}
