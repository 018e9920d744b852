//! Mutation and resize observers as values: dropping one disconnects it. (Dropping the JS handle
//! alone would leave the observer registered on the page's nodes.)

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{Element, MutationObserver, MutationObserverInit, MutationRecord, ResizeObserver};

/// What a batch of mutation records did, as far as finding targets goes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Batch {
    /// Only text changed (text nodes added or removed: a clock, a counter, a ticker): no
    /// selector that ignores text (`core::selector::reads_text`) matches anything new.
    Text,
    /// Elements removed or a watched attribute changed.
    Changed,
    /// Elements added (perhaps a web component with a shadow root).
    Added,
}

type Handler = std::rc::Rc<dyn Fn(js_sys::Array, bool)>;

#[must_use = "a Mutations observer disconnects when dropped"]
pub struct Mutations {
    observer: MutationObserver,
    /// The shadow roots' observer (the document's subtree does not include them).
    shadows: MutationObserver,
    init: MutationObserverInit,
    handler: Handler,
    _closures: [Closure<dyn Fn(js_sys::Array, MutationObserver)>; 2],
}

impl Mutations {
    /// Watches `root`'s subtree: children added or removed, and every attribute. `f` hears what
    /// each batch did (`Batch`). A batch other than text also voids what the search knows is
    /// absent from the tree it changed (`layout::changed`).
    pub fn new(root: &Element, f: impl Fn(Batch) + 'static) -> Option<Mutations> {
        let handler: Handler = std::rc::Rc::new(move |records, in_shadows| {
            let batch = batch(&records);
            if batch != Batch::Text {
                super::layout::changed(in_shadows);
            }
            f(batch)
        });
        let (h, g) = (handler.clone(), handler.clone());
        let closure: Closure<dyn Fn(js_sys::Array, MutationObserver)> = Closure::wrap(Box::new(move |records, _obs| h(records, false)));
        let in_shadows: Closure<dyn Fn(js_sys::Array, MutationObserver)> = Closure::wrap(Box::new(move |records, _obs| g(records, true)));
        let observer = MutationObserver::new(closure.as_ref().unchecked_ref()).ok()?;
        let shadows = MutationObserver::new(in_shadows.as_ref().unchecked_ref()).ok()?;
        let init = MutationObserverInit::new();
        init.set_child_list(true);
        init.set_subtree(true);
        init.set_attributes(true);
        observer.observe_with_options(root, &init).ok()?;
        Some(Mutations { observer, shadows, init, handler, _closures: [closure, in_shadows] })
    }

    /// Watches another subtree the same way (a web component's shadow root, which the
    /// document's subtree does not include). Watching one twice is harmless.
    pub fn observe(&self, root: &web_sys::Node) {
        let _ = self.shadows.observe_with_options(root, &self.init);
    }

    /// Hands over now what the observers hold but have not reported yet (a page's handler of
    /// an event Shirube emitted changed the DOM a moment ago), so what follows knows of it.
    pub fn flush(&self) {
        for (o, in_shadows) in [(&self.observer, false), (&self.shadows, true)] {
            let records = o.take_records();
            if records.length() > 0 {
                (self.handler)(records, in_shadows);
            }
        }
    }
}

/// What mutation records did (a clock's text changing every second is `Batch::Text`).
fn batch(records: &js_sys::Array) -> Batch {
    let mut out = Batch::Text;
    for r in records.iter() {
        let r = r.unchecked_into::<MutationRecord>();
        if r.attribute_name().is_some() {
            out = Batch::Changed;
            continue;
        }
        let elements = |list: web_sys::NodeList| (0..list.length()).any(|i| list.item(i).is_some_and(|n| n.node_type() == web_sys::Node::ELEMENT_NODE));
        if elements(r.added_nodes()) {
            return Batch::Added;
        }
        if elements(r.removed_nodes()) {
            out = Batch::Changed;
        }
    }
    out
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
