//! Data-driven validator tests: every spec under tests/fixtures/spec/valid must validate with
//! no errors (and exactly the warnings in its `.expected` file, if it has one); every spec under
//! tests/fixtures/spec/invalid must produce exactly the diagnostics in its `.expected` file,
//! one per line as `line:column severity code path`.
//!
//! Run with `SHIRUBE_BLESS=1` to rewrite the `.expected` files after a deliberate change, then
//! review the diff: the files are the test's assertions.

use std::fs;
use std::path::{Path, PathBuf};

fn render(src: &str) -> String {
    let v = shirube::validate(src);
    let mut out = String::new();
    for d in &v.diagnostics {
        out.push_str(&format!("{}:{} {} {} {}\n    {}\n", d.line, d.column, d.severity.as_str(), d.code, if d.path.is_empty() { "/" } else { &d.path }, d.message));
        if let Some(h) = &d.hint {
            out.push_str(&format!("    hint: {}\n", h));
        }
    }
    out
}

fn specs(dir: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/spec").join(dir);
    let mut v: Vec<PathBuf> = fs::read_dir(&root).map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.extension().is_some_and(|x| x == "json")).collect()).unwrap_or_default();
    v.sort();
    v
}

fn check_dir(dir: &str, min: usize, invalid: bool) {
    let bless = std::env::var_os("SHIRUBE_BLESS").is_some();
    let files = specs(dir);
    assert!(files.len() >= min, "{} has {} specs, expected at least {}", dir, files.len(), min);
    let mut failures = Vec::new();
    for f in files {
        let src = fs::read_to_string(&f).unwrap_or_default();
        let got = render(&src);
        let exp_path = f.with_extension("expected");
        let v = shirube::validate(&src);
        let has_error = v.diagnostics.iter().any(|d| d.severity == shirube::core::diagnostic::Severity::Error);
        // Valid specs have no errors; invalid ones have at least one diagnostic (a missing
        // reference or a flow that can never show is a warning: the spec still runs).
        let as_expected = if invalid { !v.diagnostics.is_empty() } else { !has_error };
        if !as_expected {
            failures.push(format!("{}: expected {}, got:\n{}", f.display(), if invalid { "diagnostics" } else { "no errors" }, got));
            continue;
        }
        if bless {
            if !got.is_empty() || exp_path.exists() {
                let _ = fs::write(&exp_path, &got);
            }
            continue;
        }
        let want = fs::read_to_string(&exp_path).unwrap_or_default();
        if got != want {
            failures.push(format!("{}:\n--- expected\n{}--- got\n{}", f.display(), want, got));
        }
    }
    assert!(failures.is_empty(), "{} fixture(s) differ:\n\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn valid_specs_have_no_errors() {
    check_dir("valid", 5, false);
}

#[test]
fn invalid_specs_report_exactly_their_diagnostics() {
    check_dir("invalid", 40, true);
}

#[test]
fn example_specs_are_clean() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for rel in ["examples/saas-app/onboarding.json"] {
        let src = fs::read_to_string(root.join(rel)).unwrap_or_default();
        assert!(!src.is_empty(), "{} is missing", rel);
        let got = render(&src);
        assert_eq!(got, "", "{} must validate with no diagnostics", rel);
    }
}
