// Embeds the SDK's stylesheet minified (src/core/cssmin.rs, tested natively): the wasm carries
// `OUT_DIR/style.css`, which src/dom/mount.rs includes.
#[path = "src/core/cssmin.rs"]
mod cssmin;

fn main() {
    println!("cargo:rerun-if-changed=src/dom/style.css");
    println!("cargo:rerun-if-changed=src/core/cssmin.rs");
    let css = std::fs::read_to_string("src/dom/style.css").expect("src/dom/style.css");
    let out = std::path::PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR")).join("style.css");
    std::fs::write(out, cssmin::minify(&css)).expect("write the minified stylesheet");
}
