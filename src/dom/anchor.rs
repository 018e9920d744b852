//! CSS anchor positioning for widgets next to a target, so that scrolling moves them without
//! any work of ours. The layout still decides where a card goes (`core::position`), but it
//! writes the card's offset from its target instead of a viewport position; the browser keeps
//! the card at that offset while the page or any scroll container scrolls, and a frame in
//! which nothing but the scroll position changed writes nothing (no style recalculation).
//!
//! How the card reaches a target outside the shadow root: an anchor name is tree-scoped, so the
//! name is put on the target with an inline `anchor-name` (CSSOM, allowed by a strict CSP), the
//! card carries a `part` of the same name, and one adopted stylesheet in the document sets
//! `::part(name) { position-anchor: name }` — a rule of the document's scope, where the name
//! resolves. The shadow stylesheet's `[data-anchored]` rules then use `anchor()` of that default
//! anchor. Each held target is given back as it was: our name removed from its inline
//! `anchor-name` (keeping the page's own names) and, if it had no `style` attribute, none.
//!
//! Not used (the layout writes viewport positions every frame, as before) when the browser has
//! no anchor positioning, for a target inside a shadow root (the name would not resolve from
//! the document), for a target that is transformed or has a transformed ancestor (anchor()
//! ignores transforms; seen in the computed style before anchoring), and for a target whose
//! anchored position the layout sees differ from the one it computed (a transform added
//! later, the page replacing the target's style).

use crate::core::text::join;
use web_sys::{CssStyleSheet, Document, Element, HtmlElement};
use wasm_bindgen::{JsCast, JsValue};

struct Held {
    flow: usize,
    el: HtmlElement,
    name: String,
    /// The target's own inline `anchor-name` and its priority, and whether it had a `style`
    /// attribute at all.
    before: (String, String),
    had_style: bool,
}

pub struct Anchors {
    doc: Document,
    instance: u32,
    supported: bool,
    sheet: Option<CssStyleSheet>,
    held: Vec<Held>,
    /// The names the document's sheet has a rule for.
    ruled: Vec<String>,
    /// Flows whose current target the layout saw misplaced while anchored: not anchored again.
    refused: Vec<(usize, Element)>,
}

impl Anchors {
    pub fn new(doc: &Document, instance: u32) -> Anchors {
        // A property the browser does not know is dropped by setProperty.
        let supported = doc.create_element("i").ok().and_then(|e| e.dyn_into::<HtmlElement>().ok()).is_some_and(|e| {
            let st = e.style();
            let _ = st.set_property("anchor-name", "--a");
            st.get_property_value("anchor-name").is_ok_and(|v| v == "--a")
        });
        Anchors { doc: doc.clone(), instance, supported, sheet: None, held: Vec::new(), ruled: Vec::new(), refused: Vec::new() }
    }

    /// The anchor name (and `part` token) of `flow`'s target, when it is anchored.
    pub fn name(&self, flow: usize) -> Option<&str> {
        self.held.iter().find(|h| h.flow == flow).map(|h| h.name.as_str())
    }

    /// Anchors `flow`'s widgets to `target` (releasing a previous target). Returns the name, or
    /// `None` when this target cannot be anchored.
    pub fn hold(&mut self, flow: usize, target: &Element) -> Option<&str> {
        if let Some(i) = self.held.iter().position(|h| h.flow == flow) {
            if self.held[i].el.unchecked_ref::<Element>() == target {
                return Some(self.held[i].name.as_str());
            }
            self.release(flow);
        }
        if !self.supported || self.refused.iter().any(|(f, e)| *f == flow && e == target) {
            return None;
        }
        // Only a target in the document itself: a name set inside another shadow tree would
        // not resolve from the document's rule.
        if target.get_root_node() != *self.doc.unchecked_ref::<web_sys::Node>() {
            return None;
        }
        // anchor() ignores transforms: under a transformed ancestor (or transformed itself) the
        // target is not where anchor() would put the card, so it is never anchored, and the
        // card is right from its first frame (the layout's misplacement check would catch it
        // only once the target stood still, after showing it in the wrong place).
        if self.transformed(target) {
            self.refused.push((flow, target.clone()));
            return None;
        }
        let el: HtmlElement = target.clone().dyn_into().ok()?;
        let st = el.style();
        let mut name = String::from("--shirube-");
        crate::core::json::write_int(&mut name, self.instance as i64);
        name.push('-');
        let ours = name.clone();
        crate::core::json::write_int(&mut name, flow as i64);
        // What to give back: as the element was before the first of our flows held it. Names of
        // ours it has without being held came with a copy of a held element (`cloneNode`, as
        // some libraries render again): not the page's.
        let (before, had_style) = match self.held.iter().find(|h| h.el == el) {
            Some(h) => (h.before.clone(), h.had_style),
            None => {
                let v = st.get_property_value("anchor-name").unwrap_or_default();
                ((names_but(&v, &ours), st.get_property_priority("anchor-name")), el.has_attribute("style"))
            }
        };
        // Keep the names the element already has (the page's, inline or from its stylesheets,
        // and another flow's).
        let page = self.doc.default_view().and_then(|w| w.get_computed_style(target).ok().flatten()).and_then(|c| c.get_property_value("anchor-name").ok()).unwrap_or_default();
        let mut value = String::new();
        for n in page.split(',').map(str::trim).filter(|n| !n.is_empty() && *n != "none" && *n != name) {
            value.push_str(n);
            value.push_str(", ");
        }
        value.push_str(&name);
        let _ = st.set_property_with_priority("anchor-name", &value, &before.1);
        self.rule(&name);
        self.held.push(Held { flow, el, name, before, had_style });
        self.held.last().map(|h| h.name.as_str())
    }

    /// Stops anchoring `flow`'s widgets and gives its target back as it was (or, while another
    /// flow holds it too, takes only this flow's name off).
    pub fn release(&mut self, flow: usize) {
        let Some(i) = self.held.iter().position(|h| h.flow == flow) else { return };
        let h = self.held.remove(i);
        if self.held.iter().any(|o| o.el == h.el) {
            let st = h.el.style();
            let cur = st.get_property_value("anchor-name").unwrap_or_default();
            let _ = st.set_property_with_priority("anchor-name", &names_but(&cur, &h.name), &h.before.1);
        } else {
            restore(&h);
        }
    }

    /// The flows whose targets are held.
    pub fn flows(&self) -> Vec<usize> {
        self.held.iter().map(|h| h.flow).collect()
    }

    /// `flow` ended or left the screen: release its target and forget what was refused.
    pub fn forget(&mut self, flow: usize) {
        self.refused.retain(|(f, _)| *f != flow);
        self.release(flow);
    }

    /// Never anchors `flow`'s widgets to `target` until `forget` (the runtime's rehearsal lays
    /// a card out at its target without writing to it).
    pub fn keep_off(&mut self, flow: usize, target: &Element) {
        self.refused.push((flow, target.clone()));
    }

    /// The layout saw `flow`'s anchored widget away from where it computed: position this
    /// target's widgets by viewport coordinates from now on.
    pub fn refuse(&mut self, flow: usize) {
        if let Some(h) = self.held.iter().find(|h| h.flow == flow) {
            self.refused.retain(|(f, _)| *f != flow);
            self.refused.push((flow, h.el.clone().into()));
        }
        self.release(flow);
    }

    /// Whether `target` or one of its ancestors has a transform (`transform`, `translate`,
    /// `rotate` or `scale`), read from the computed style once per target.
    fn transformed(&self, target: &Element) -> bool {
        let Some(w) = self.doc.default_view() else { return false };
        let mut cur = Some(target.clone());
        while let Some(e) = cur {
            if let Ok(Some(st)) = w.get_computed_style(&e) {
                if ["transform", "translate", "rotate", "scale"].iter().any(|p| st.get_property_value(p).is_ok_and(|v| !v.is_empty() && v != "none")) {
                    return true;
                }
            }
            cur = e.parent_element();
        }
        false
    }

    /// The document's rule for `name`: `::part(name) { position-anchor: name }`, added the first
    /// time a flow is anchored and kept until the instance is destroyed (an unused rule matches
    /// nothing), so that a step change does not restyle the document.
    fn rule(&mut self, name: &str) {
        if self.ruled.iter().any(|n| n == name) {
            return;
        }
        if self.sheet.is_none() {
            let Ok(sheet) = CssStyleSheet::new() else { return };
            let list = self.doc.adopted_style_sheets();
            list.push(&sheet);
            self.doc.set_adopted_style_sheets(&list);
            self.sheet = Some(sheet);
        }
        let mut css = String::from("::part(");
        css.push_str(name.get(2..).unwrap_or(""));
        css.push_str("){position-anchor:");
        css.push_str(name);
        css.push('}');
        if let Some(s) = &self.sheet {
            let _ = s.insert_rule(&css);
        }
        self.ruled.push(name.to_string());
    }
}

/// A list of anchor names without `name`, or without every name starting with it when it ends
/// with `-` (an instance's prefix).
fn names_but(list: &str, name: &str) -> String {
    let kept: Vec<&str> = list.split(',').map(str::trim).filter(|n| !n.is_empty() && !(n.starts_with(name) && (name.ends_with('-') || n.len() == name.len()))).collect();
    join(&kept, ", ")
}

fn restore(h: &Held) {
    let st = h.el.style();
    if h.before.0.is_empty() {
        let _ = st.remove_property("anchor-name");
    } else {
        let _ = st.set_property_with_priority("anchor-name", &h.before.0, &h.before.1);
    }
    if !h.had_style && st.length() == 0 {
        // Reading the attribute first: Chromium writes a CSSOM change into the attribute lazily,
        // and a pending write would otherwise bring back `style=""` after the removal.
        let _ = h.el.get_attribute("style");
        let _ = h.el.remove_attribute("style");
    }
}

impl Drop for Anchors {
    fn drop(&mut self) {
        for (i, h) in self.held.iter().enumerate() {
            if !self.held[..i].iter().any(|o| o.el == h.el) {
                restore(h);
            }
        }
        if let Some(sheet) = &self.sheet {
            let list = self.doc.adopted_style_sheets();
            let kept = js_sys::Array::new();
            for s in list.iter() {
                if &s != sheet.unchecked_ref::<JsValue>() {
                    kept.push(&s);
                }
            }
            self.doc.set_adopted_style_sheets(&kept);
        }
    }
}
