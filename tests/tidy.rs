//! Tidy checks that guard the architecture's invariants in the source itself:
//! the core stays pure, every module says what it owns, library code does not unwrap,
//! closures are not leaked outside the one documented place, and versions agree.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(rust_files(&p));
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The code of a file before its `#[cfg(test)]` module, without comment lines.
fn library_code(src: &str) -> String {
    let end = src.find("#[cfg(test)]").unwrap_or(src.len());
    src[..end].lines().filter(|l| !l.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n")
}

#[test]
fn core_is_pure() {
    for f in rust_files(&root().join("src/core")) {
        let src = std::fs::read_to_string(&f).unwrap_or_default();
        for banned in ["web_sys", "js_sys", "wasm_bindgen", "std::time::", "SystemTime", "Instant::now", "thread_rng", "getrandom"] {
            let code = library_code(&src);
            assert!(!code.contains(banned), "{} uses `{}`: the core takes time, randomness and the browser as inputs", f.display(), banned);
        }
    }
}

#[test]
fn every_module_opens_with_a_doc_comment() {
    let mut files = rust_files(&root().join("src"));
    files.extend(rust_files(&root().join("collector/src")));
    files.extend(rust_files(&root().join("tests")));
    for f in files {
        let src = std::fs::read_to_string(&f).unwrap_or_default();
        let first = src.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        assert!(first.starts_with("//!"), "{} must open with a `//!` comment saying what it owns", f.display());
    }
}

#[test]
fn library_code_does_not_unwrap() {
    // unwrap/expect pull in panic machinery and would crash the host page on bad input.
    for f in rust_files(&root().join("src")) {
        // `*_tests.rs` files are test modules included with #[path] under #[cfg(test)].
        if f.to_string_lossy().ends_with("_tests.rs") {
            continue;
        }
        let code = library_code(&std::fs::read_to_string(&f).unwrap_or_default());
        for (i, line) in code.lines().enumerate() {
            for banned in [".unwrap()", ".expect(", "panic!(", "unreachable!(", "todo!(", "unimplemented!("] {
                assert!(!line.contains(banned), "{}:{}: `{}` in library code: handle the case instead", f.display(), i + 1, banned);
            }
        }
    }
}

#[test]
fn closures_are_not_forgotten() {
    // Browser callbacks are owned by values that drop them (STYLE: resources are values). The
    // only leak allowed is in src/dom/listener.rs, documented there.
    for f in rust_files(&root().join("src")) {
        let code = library_code(&std::fs::read_to_string(&f).unwrap_or_default());
        if code.contains(".forget()") || code.contains("Closure::forget") || code.contains("mem::forget") {
            assert!(f.ends_with("src/dom/listener.rs"), "{} leaks a closure with forget()", f.display());
        }
    }
}

#[test]
fn versions_agree() {
    let cargo = std::fs::read_to_string(root().join("Cargo.toml")).unwrap_or_default();
    let pkg = std::fs::read_to_string(root().join("package.json")).unwrap_or_default();
    let cv = cargo.lines().find(|l| l.starts_with("version = ")).unwrap_or("").trim_start_matches("version = ").trim_matches('"').to_string();
    assert!(pkg.contains(&format!("\"version\": \"{}\"", cv)), "package.json and Cargo.toml must have the same version ({})", cv);
}
