//! Timers and animation frames as values: dropping a [`Timeout`] clears it and dropping a
//! [`Frame`] cancels it, so no callback can fire after its owner is gone.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

#[must_use = "a Timeout is cleared when dropped"]
pub struct Timeout {
    id: i32,
    _closure: Closure<dyn Fn()>,
}

impl Timeout {
    pub fn new(ms: u32, f: impl Fn() + 'static) -> Option<Timeout> {
        let closure = Closure::wrap(Box::new(f) as Box<dyn Fn()>);
        let id = web_sys::window()?.set_timeout_with_callback_and_timeout_and_arguments_0(closure.as_ref().unchecked_ref(), ms.min(i32::MAX as u32) as i32).ok()?;
        Some(Timeout { id, _closure: closure })
    }
}

impl Drop for Timeout {
    fn drop(&mut self) {
        if let Some(w) = web_sys::window() {
            w.clear_timeout_with_handle(self.id);
        }
    }
}

#[must_use = "a Frame is cancelled when dropped"]
pub struct Frame {
    id: i32,
    _closure: Closure<dyn Fn()>,
}

impl Frame {
    /// Runs `f` before the next paint.
    pub fn new(f: impl Fn() + 'static) -> Option<Frame> {
        let closure = Closure::wrap(Box::new(f) as Box<dyn Fn()>);
        let id = web_sys::window()?.request_animation_frame(closure.as_ref().unchecked_ref()).ok()?;
        Some(Frame { id, _closure: closure })
    }
}

impl Drop for Frame {
    fn drop(&mut self) {
        if let Some(w) = web_sys::window() {
            let _ = w.cancel_animation_frame(self.id);
        }
    }
}

#[must_use = "an Interval is cleared when dropped"]
pub struct Interval {
    id: i32,
    _closure: Closure<dyn Fn()>,
}

impl Interval {
    pub fn new(ms: u32, f: impl Fn() + 'static) -> Option<Interval> {
        let closure = Closure::wrap(Box::new(f) as Box<dyn Fn()>);
        let id = web_sys::window()?.set_interval_with_callback_and_timeout_and_arguments_0(closure.as_ref().unchecked_ref(), ms.min(i32::MAX as u32) as i32).ok()?;
        Some(Interval { id, _closure: closure })
    }
}

impl Drop for Interval {
    fn drop(&mut self) {
        if let Some(w) = web_sys::window() {
            w.clear_interval_with_handle(self.id);
        }
    }
}

/// A callback for when the browser is idle (`requestIdleCallback`); where there is none
/// (Safari), after `ms`. Dropping it cancels it.
#[must_use = "an Idle is cancelled when dropped"]
pub struct Idle {
    id: u32,
    idle: bool,
    _closure: Closure<dyn Fn()>,
}

impl Idle {
    pub fn new(ms: u32, f: impl Fn() + 'static) -> Option<Idle> {
        let w = web_sys::window()?;
        let closure = Closure::wrap(Box::new(f) as Box<dyn Fn()>);
        let cb: &js_sys::Function = closure.as_ref().unchecked_ref();
        let (id, idle) = match w.request_idle_callback(cb) {
            Ok(id) => (id, true),
            Err(_) => (w.set_timeout_with_callback_and_timeout_and_arguments_0(cb, ms as i32).ok()? as u32, false),
        };
        Some(Idle { id, idle, _closure: closure })
    }
}

impl Drop for Idle {
    fn drop(&mut self) {
        if let Some(w) = web_sys::window() {
            if self.idle {
                w.cancel_idle_callback(self.id);
            } else {
                w.clear_timeout_with_handle(self.id as i32);
            }
        }
    }
}
