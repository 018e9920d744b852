//! The Shirube collector binary. The HTTP server arrives with the collector issue; until then
//! this entry point only validates spec files with the shared validator, so the workspace
//! member builds and uses the same core as the SDK.

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) != Some("validate") || args.len() < 2 {
        eprintln!("usage: shirube-collector validate <spec.json>...");
        std::process::exit(2);
    }
    let mut code = 0;
    for file in &args[1..] {
        match std::fs::read_to_string(file) {
            Ok(src) => {
                let v = shirube::validate(&src);
                for d in &v.diagnostics {
                    println!("{}:{}", file, d.display());
                }
                if !v.ok() {
                    code = code.max(1);
                }
            }
            Err(e) => {
                eprintln!("{}: cannot read: {}", file, e);
                code = 2;
            }
        }
    }
    std::process::exit(code);
}
