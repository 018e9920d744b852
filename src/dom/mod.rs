//! The browser shell's DOM parts (wasm32 only): the mount point, rendering, measuring,
//! observers, navigation, focus, listeners and timers. Each owns the browser resources it
//! creates and releases them on drop. Decisions are the core's; these modules carry them out.

pub mod anchor;
pub mod focus;
pub mod layout;
pub mod listener;
pub mod mount;
pub mod nav;
pub mod observer;
pub mod render;
pub mod timer;
