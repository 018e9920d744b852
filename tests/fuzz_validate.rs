//! Mutation fuzzing of the validator: every fixture spec, mutated with JSON-aware edits
//! (structural tokens, spec keys, hostile numbers and escapes, splices, truncations), must
//! validate without panicking, and every result must be coherent: positions inside the text,
//! pointers well-formed, a model exactly when there are no errors, and the same answer twice.
//!
//! `cargo test --test fuzz_validate` runs a bounded, deterministic number of cases in CI.
//! Longer runs: `SHIRUBE_FUZZ_ITERS=2000000 SHIRUBE_FUZZ_SEED=7 cargo test --release --test fuzz_validate -- --nocapture`.

use shirube::core::diagnostic::Severity;
use std::path::Path;

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*: deterministic and dependency-free.
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

const TOKENS: &[&str] = &[
    "{", "}", "[", "]", "\"", ",", ":", "null", "true", "false", "0", "-0", "1e400", "-1e-400", "0.5", "1.5", "-1", "18446744073709551616", "NaN", "\\u", "\\ud800", "\\udc00",
    "\\ud83d\\ude00", "\\\"", "\n", "\t", "//", "/*", "*/", "\u{feff}", "日本語", "\u{0}", "\"kind\"", "\"tour\"", "\"hint\"", "\"checklist\"", "\"survey\"", "\"announcement\"",
    "\"steps\"", "\"target\"", "\"all\"", "\"any\"", "\"not\"", "\"audience\"", "\"trait\"", "\"eq\"", "\"in\"", "\"stage\"", "\"milestone\"", "\"flow\"", "\"page\"",
    "\"startFlow\"", "\"goTo\"", "\"atStep\"", "\"when\"", "\"milestones\"", "\"every\"", "\"90d\"", "\"id\"", "\"welcome\"", "\"[data-x=\"", "\":not(\"", "\"javascript:x\"",
    "\"/app/*\"", "\"en\"", "\"ja\"", "{\"audience\":\"a\"}", "{\"all\":[]}", "{\"any\":[]}", "{\"not\":{}}", "[[[[[[[[", "]]]]]]]]", "{\"a\":{\"a\":{\"a\":",
];

fn mutate(rng: &mut Rng, input: &[u8], seeds: &[Vec<u8>]) -> Vec<u8> {
    let mut v = input.to_vec();
    let edits = 1 + rng.below(4);
    for _ in 0..edits {
        let len = v.len();
        match rng.below(8) {
            0 if len > 0 => {
                let i = rng.below(len);
                v[i] ^= 1 << rng.below(8);
            }
            1 if len > 0 => {
                let a = rng.below(len);
                let b = (a + 1 + rng.below(16)).min(len);
                v.drain(a..b);
            }
            2 => {
                let t = TOKENS[rng.below(TOKENS.len())].as_bytes();
                let at = rng.below(len + 1);
                v.splice(at..at, t.iter().copied());
            }
            3 if len > 0 => {
                let a = rng.below(len);
                let b = (a + 1 + rng.below(64)).min(len);
                let chunk = v[a..b].to_vec();
                let at = rng.below(len + 1);
                v.splice(at..at, chunk);
            }
            4 if !seeds.is_empty() => {
                let other = &seeds[rng.below(seeds.len())];
                let cut_a = rng.below(len + 1);
                let cut_b = rng.below(other.len() + 1);
                v.truncate(cut_a);
                v.extend_from_slice(&other[cut_b..]);
            }
            5 if len > 0 => v.truncate(rng.below(len)),
            6 => {
                // Replace a quoted string's contents with a token, keeping the quotes.
                if let Some(q) = v.iter().enumerate().skip(rng.below(len + 1)).find(|(_, c)| **c == b'"').map(|(i, _)| i) {
                    if let Some(end) = v[q + 1..].iter().position(|c| *c == b'"') {
                        let t = TOKENS[rng.below(TOKENS.len())].trim_matches('"').as_bytes().to_vec();
                        v.splice(q + 1..q + 1 + end, t);
                    }
                }
            }
            _ => {
                let at = rng.below(len + 1);
                let b = (rng.next() & 0xff) as u8;
                v.insert(at, b);
            }
        }
    }
    v
}

fn check(src: &str) {
    let v = shirube::validate(src);
    let lines = src.split('\n').count() as u32;
    for d in &v.diagnostics {
        assert!(d.line >= 1 && d.line <= lines.max(1), "line {} out of 1..={} for {:?}", d.line, lines, d);
        assert!(d.column >= 1, "{:?}", d);
        assert!(d.path.is_empty() || d.path.starts_with('/'), "{:?}", d);
        assert!(!d.message.is_empty() && !d.code.is_empty(), "{:?}", d);
        assert!((d.at as usize) <= src.len(), "{:?}", d);
    }
    let has_error = v.diagnostics.iter().any(|d| d.severity == Severity::Error);
    assert_eq!(v.model.is_some(), !has_error, "a model exactly when there are no errors");
}

#[test]
fn mutated_specs_never_panic_and_stay_coherent() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut seeds: Vec<Vec<u8>> = Vec::new();
    for dir in ["tests/fixtures/spec/valid", "tests/fixtures/spec/invalid"] {
        let mut files: Vec<_> = std::fs::read_dir(root.join(dir)).map(|r| r.filter_map(|e| e.ok().map(|e| e.path())).collect()).unwrap_or_default();
        files.sort();
        for f in files {
            if f.extension().is_some_and(|e| e == "json") {
                seeds.push(std::fs::read(&f).unwrap_or_default());
            }
        }
    }
    seeds.push(std::fs::read(root.join("examples/saas-app/onboarding.json")).unwrap_or_default());
    assert!(seeds.len() > 60);
    let iters: usize = std::env::var("SHIRUBE_FUZZ_ITERS").ok().and_then(|s| s.parse().ok()).unwrap_or(20_000);
    let seed: u64 = std::env::var("SHIRUBE_FUZZ_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x5eed_1234);
    let mut rng = Rng(seed | 1);
    let start = std::time::Instant::now();
    let mut corpus = seeds.clone();
    for i in 0..iters {
        let base = &corpus[rng.below(corpus.len())];
        let bytes = mutate(&mut rng, base, &seeds);
        let src = String::from_utf8_lossy(&bytes).into_owned();
        check(&src);
        // Keep some mutants so later rounds mutate further away from the seeds.
        if i % 7 == 0 && corpus.len() < 5000 {
            corpus.push(bytes);
        }
        // Determinism on a sample.
        if i % 997 == 0 {
            let a = shirube::validate(&src).diagnostics;
            let b = shirube::validate(&src).diagnostics;
            assert_eq!(a, b);
        }
    }
    eprintln!("fuzz: {} cases in {:.1} s (seed {})", iters, start.elapsed().as_secs_f64(), seed);
}

#[test]
fn hostile_inputs() {
    let deep_arr = "[".repeat(50_000);
    let deep_cond = format!("{{\"version\":1,\"product\":\"a\",\"flows\":[{{\"id\":\"t\",\"kind\":\"tour\",\"steps\":[{{\"id\":\"s\"}}],\"audience\":{}1{}}}]}}", "{\"not\":".repeat(120), "}".repeat(120));
    let huge_string = format!("{{\"version\":1,\"product\":\"{}\",\"flows\":[]}}", "x".repeat(2_000_000));
    let many_keys = format!("{{{}\"version\":1}}", (0..20_000).map(|i| format!("\"k{}\":{},", i, i)).collect::<String>());
    let dup_keys = format!("{{{}\"version\":1}}", "\"a\":1,".repeat(3_000));
    for src in [deep_arr.as_str(), &deep_cond, &huge_string, &many_keys, &dup_keys, "\u{feff}", "\"\\ud800\\u0041\"", "1e999", "-", "{\"version\":1e400}", "{\"flows\":[{\"kind\":\"tour\",\"steps\":[{\"target\":\"\\\\\"}]}]}"] {
        check(src);
    }
}
