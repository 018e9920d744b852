//! Native validation benchmark: validates the spec in target/bench/spec.json (written by
//! scripts/bench/validate.mjs) repeatedly and prints the median time, next to the median of
//! parsing the same text only (the baseline, measured in the same run).
use std::time::Instant;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn main() {
    let path = std::env::var("SHIRUBE_BENCH_SPEC").unwrap_or_else(|_| "target/bench/spec.json".into());
    let src = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {} (run node scripts/bench/validate.mjs)", path, e));
    let runs = 41;
    let v = shirube::validate(&src);
    assert!(v.ok(), "bench spec must be valid: {:?}", v.diagnostics.first());
    let mut parse = Vec::new();
    let mut full = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        let p = shirube::core::json::parse(&src);
        parse.push(t.elapsed().as_secs_f64() * 1e3);
        drop(p);
        let t = Instant::now();
        let v = shirube::validate(&src);
        full.push(t.elapsed().as_secs_f64() * 1e3);
        drop(v);
    }
    let (p, f) = (median(parse), median(full));
    println!("{{\"bytes\":{},\"flows\":{},\"runs\":{},\"parse_ms\":{:.3},\"validate_ms\":{:.3},\"ratio\":{:.2}}}", src.len(), v.model.map(|m| m.flows.len()).unwrap_or(0), runs, p, f, f / p);
}
