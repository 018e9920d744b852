//! Event listeners as values: [`Listener`] adds a browser event listener and removes it when
//! dropped, so a listener can never outlive what owns it and `destroy()` (dropping the runtime)
//! leaves nothing behind. This file is also the one place allowed to leak a closure, and it
//! does not need to: the tidy test enforces that no other file calls `forget()`.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{AddEventListenerOptions, Event, EventTarget};

#[must_use = "a Listener removes its listener when dropped"]
pub struct Listener {
    target: EventTarget,
    kind: &'static str,
    capture: bool,
    closure: Closure<dyn Fn(Event)>,
}

impl Listener {
    /// Listens for `kind` on `target`. `capture` listens in the capture phase (to see scrolls of
    /// every element, and keys before the page's handlers); listeners are passive unless
    /// `passive` is false (they then may call preventDefault).
    pub fn new(target: &EventTarget, kind: &'static str, capture: bool, passive: bool, f: impl Fn(Event) + 'static) -> Option<Listener> {
        let closure = Closure::wrap(Box::new(f) as Box<dyn Fn(Event)>);
        let opts = AddEventListenerOptions::new();
        opts.set_capture(capture);
        opts.set_passive(passive);
        target.add_event_listener_with_callback_and_add_event_listener_options(kind, closure.as_ref().unchecked_ref(), &opts).ok()?;
        Some(Listener { target: target.clone(), kind, capture, closure })
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = self.target.remove_event_listener_with_callback_and_bool(self.kind, self.closure.as_ref().unchecked_ref(), self.capture);
    }
}
