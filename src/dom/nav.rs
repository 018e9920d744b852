//! Noticing navigation in single-page apps: the Navigation API's `currententrychange` where the
//! browser has it (it also fires for `history.pushState`), else `popstate`, `hashchange` and a
//! light poll of `location` every 250 ms. The page's `history` is never patched, so `destroy()`
//! has nothing to restore. Reports "the URL may have changed"; the runtime compares. (The
//! runtime also compares in the frame after the DOM changes, which is how an app rendering its
//! new route gets noticed at once without the Navigation API; the poll catches the rest.)

use super::listener::Listener;
use super::timer::Interval;
use wasm_bindgen::JsCast;
use web_sys::{EventTarget, Window};

pub struct NavWatch {
    _listeners: Vec<Listener>,
    _poll: Option<Interval>,
}

impl NavWatch {
    pub fn new(win: &Window, changed: impl Fn() + Clone + 'static) -> NavWatch {
        let mut listeners = Vec::new();
        let nav = js_sys::Reflect::get(win, &"navigation".into()).ok().filter(|v| v.is_object()).and_then(|v| v.dyn_into::<EventTarget>().ok());
        let mut poll = None;
        match nav {
            Some(n) => {
                let c = changed.clone();
                listeners.extend(Listener::new(&n, "currententrychange", false, true, move |_| c()));
            }
            None => {
                let c = changed.clone();
                poll = Interval::new(250, move || c());
            }
        }
        for kind in ["popstate", "hashchange"] {
            let c = changed.clone();
            listeners.extend(Listener::new(win, kind, false, true, move |_| c()));
        }
        NavWatch { _listeners: listeners, _poll: poll }
    }
}

/// The current path and query.
pub fn location(win: &Window) -> (String, String) {
    let l = win.location();
    (l.pathname().unwrap_or_else(|_| "/".into()), l.search().unwrap_or_default())
}
