//! Onboarding spec v1: wire types (`types`, `leaf`), the decoding and schema machinery
//! (`wire`), and validation into the model (`validate`). Nothing here touches the browser.

pub mod leaf;
pub mod types;
pub mod validate;
pub mod wire;

pub use validate::{validate, Validation};
