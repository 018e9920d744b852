//! Shirube: an in-product onboarding SDK. The crate is both a native library (the pure core,
//! used by the collector and the tests) and, on wasm32, the browser runtime with its JS API.
//!
//! Layout: `core` is pure and portable; `dom`, `store`, `transport`, `runtime` and `api` exist
//! only on wasm32 and own every browser resource. See ARCHITECTURE.md.

pub mod core;

// The browser build's allocator (see Cargo.toml): single-threaded wasm, memory grown on demand.
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

pub use crate::core::spec::{validate, Validation};

#[cfg(target_arch = "wasm32")]
pub mod api;
#[cfg(target_arch = "wasm32")]
pub mod dom;
#[cfg(target_arch = "wasm32")]
pub mod runtime;
#[cfg(target_arch = "wasm32")]
pub mod store;
#[cfg(target_arch = "wasm32")]
pub mod sync;
#[cfg(target_arch = "wasm32")]
pub mod transport;
