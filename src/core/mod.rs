//! The pure core: everything Shirube decides, as functions of their inputs. No web-sys, no
//! js-sys, no wasm-bindgen, no clock and no randomness (time and random bits are passed in),
//! so all of it runs and is tested natively with `cargo test`. A tidy test enforces this.

pub mod condition;
pub mod cssmin;
pub mod delivery;
pub mod diagnostic;
pub mod duration;
pub mod engine;
pub mod float;
pub mod event;
pub mod glob;
pub mod i18n;
pub mod json;
pub mod markdown;
pub mod model;
pub mod position;
pub mod progress;
pub mod selector;
pub mod sort;
pub mod text;
pub mod spec;
pub mod time;
pub mod view;
