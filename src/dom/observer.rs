//! Mutation and resize observers as values: dropping one disconnects it. (Dropping the JS handle
//! alone would leave the observer registered on the page's nodes.)

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{Element, MutationObserver, MutationObserverInit, MutationRecord, ResizeObserver};

#[must_use = "a Mutations observer disconnects when dropped"]
pub struct Mutations {
    observer: MutationObserver,
    /// The shadow roots' observer: their changes also void what the search knows is absent
    /// from them (`layout::shadows_changed`).
    shadows: MutationObserver,
    init: MutationObserverInit,
    _closures: [Closure<dyn Fn(js_sys::Array, MutationObserver)>; 2],
}

impl Mutations {
    /// Watches `root`'s subtree: children added or removed, and the `attributes` listed. `f`
    /// hears whether a batch added elements (not only text or attribute changes).
    pub fn new(root: &Element, attributes: &[&str], f: impl Fn(bool) + 'static) -> Option<Mutations> {
        let f = std::rc::Rc::new(f);
        let g = f.clone();
        let closure: Closure<dyn Fn(js_sys::Array, MutationObserver)> = Closure::wrap(Box::new(move |records, _obs| f(adds_elements(&records))));
        let in_shadows: Closure<dyn Fn(js_sys::Array, MutationObserver)> = Closure::wrap(Box::new(move |records, _obs| {
            super::layout::shadows_changed();
            g(adds_elements(&records))
        }));
        let observer = MutationObserver::new(closure.as_ref().unchecked_ref()).ok()?;
        let shadows = MutationObserver::new(in_shadows.as_ref().unchecked_ref()).ok()?;
        let init = MutationObserverInit::new();
        init.set_child_list(true);
        init.set_subtree(true);
        if !attributes.is_empty() {
            init.set_attributes(true);
            let list = js_sys::Array::new();
            for a in attributes {
                list.push(&(*a).into());
            }
            init.set_attribute_filter(&list);
        }
        observer.observe_with_options(root, &init).ok()?;
        Some(Mutations { observer, shadows, init, _closures: [closure, in_shadows] })
    }

    /// Watches another subtree the same way (a web component's shadow root, which the
    /// document's subtree does not include). Watching one twice is harmless.
    pub fn observe(&self, root: &web_sys::Node) {
        let _ = self.shadows.observe_with_options(root, &self.init);
    }
}

/// Whether mutation records added an element (a clock's text changing every second does not).
fn adds_elements(records: &js_sys::Array) -> bool {
    records.iter().any(|r| {
        let added = r.unchecked_into::<MutationRecord>().added_nodes();
        (0..added.length()).any(|i| added.item(i).is_some_and(|n| n.node_type() == web_sys::Node::ELEMENT_NODE))
    })
}

impl Drop for Mutations {
    fn drop(&mut self) {
        self.observer.disconnect();
        self.shadows.disconnect();
    }
}

#[must_use = "a Resizes observer disconnects when dropped"]
pub struct Resizes {
    observer: ResizeObserver,
    _closure: Closure<dyn Fn(js_sys::Array, ResizeObserver)>,
}

impl Resizes {
    pub fn new(f: impl Fn() + 'static) -> Option<Resizes> {
        let closure: Closure<dyn Fn(js_sys::Array, ResizeObserver)> = Closure::wrap(Box::new(move |_entries, _obs| f()));
        let observer = ResizeObserver::new(closure.as_ref().unchecked_ref()).ok()?;
        Some(Resizes { observer, _closure: closure })
    }
    pub fn observe(&self, e: &Element) {
        self.observer.observe(e);
    }
    pub fn unobserve(&self, e: &Element) {
        self.observer.unobserve(e);
    }
}

impl Drop for Resizes {
    fn drop(&mut self) {
        self.observer.disconnect();
    }
}
