//! Focus and inertness for modal steps: focus moves into the step and returns where it was;
//! Tab cycles inside it; the rest of the page is `inert` while it shows, and exactly the
//! elements Shirube made inert are restored afterwards.

use wasm_bindgen::JsCast;
use web_sys::{Document, Element, HtmlElement};

const FOCUSABLE: &str = "button:not([disabled]), [href], textarea, input, select, [tabindex]:not([tabindex=\"-1\"])";

/// Focuses `e` without scrolling anything: Shirube's cards are fixed and placed in view by the
/// layout, and a focus that scrolled would move the page (and the target) under a card whose
/// buttons were still below the fold while it was being fitted.
pub fn focus_in_place(e: &HtmlElement) {
    let o = web_sys::FocusOptions::new();
    o.set_prevent_scroll(true);
    let _ = e.focus_with_options(&o);
}

/// Whether the user is typing in a field of the page: the focused element (inside the open
/// shadow roots of the page's components too) is editable text, `:read-write` (a text-like
/// `<input>`, a `<textarea>`, a `contenteditable` element; not a checkbox, a button or a
/// read-only field). A step that is not modal then leaves focus there (see `Focus::take`).
pub fn typing(doc: &Document, host: &Element) -> bool {
    let mut a = doc.active_element();
    while let Some(e) = a.take() {
        if &e == host {
            return false;
        }
        match e.shadow_root().and_then(|r| r.active_element()) {
            Some(inner) => a = Some(inner),
            None => return e.matches(":read-write").unwrap_or(false),
        }
    }
    false
}

#[derive(Default)]
pub struct Focus {
    /// Where focus was before a blocking flow took it.
    back_to: Option<HtmlElement>,
    /// Page elements Shirube made inert (and only those).
    inerted: Vec<HtmlElement>,
    /// Where focus should go once it can: a step whose target is still being scrolled into view
    /// is hidden (`visibility: hidden`) until the target shows, and a hidden element cannot take
    /// focus (Firefox refuses it). With what was focused at the time: if the user moves focus
    /// meanwhile, it is theirs.
    pending: Option<(HtmlElement, Option<Element>)>,
}

impl Focus {
    /// Moves focus into `card` (its primary button, else the card), remembering where it was.
    pub fn take(&mut self, doc: &Document, host: &Element, card: &HtmlElement) {
        if self.back_to.is_none() {
            if let Some(a) = doc.active_element().and_then(|a| a.dyn_into::<HtmlElement>().ok()) {
                let a_el: &Element = &a;
                if a_el != host && !host.contains(Some(a_el)) {
                    self.back_to = Some(a);
                }
            }
        }
        let target = card
            .query_selector(".btn.primary")
            .ok()
            .flatten()
            .or_else(|| card.query_selector(FOCUSABLE).ok().flatten())
            .and_then(|e| e.dyn_into::<HtmlElement>().ok())
            .unwrap_or_else(|| card.clone());
        focus_in_place(&target);
        let landed = card.get_root_node().dyn_into::<web_sys::ShadowRoot>().ok().and_then(|r| r.active_element());
        self.pending = if landed.as_ref() == Some(target.as_ref()) { None } else { Some((target, doc.active_element())) };
    }

    /// Moves focus where `take` could not yet (the layout calls this after it showed a card),
    /// unless the user moved it meanwhile or the element is gone.
    pub fn retry(&mut self, doc: &Document) {
        let Some((target, before)) = self.pending.take() else { return };
        if !target.is_connected() || doc.active_element() != before {
            return;
        }
        focus_in_place(&target);
        if doc.active_element() == before {
            self.pending = Some((target, before));
        }
    }

    /// Returns focus to where it was, if that element is still on the page.
    pub fn give_back(&mut self) {
        self.pending = None;
        if let Some(e) = self.back_to.take() {
            if e.is_connected() {
                let _ = e.focus();
            }
        }
    }

    /// Makes everything in the body but the host inert (or restores it).
    pub fn inert(&mut self, doc: &Document, host: &Element, on: bool) {
        if !on {
            for e in self.inerted.drain(..) {
                e.set_inert(false);
            }
            return;
        }
        if !self.inerted.is_empty() {
            return;
        }
        // Inside a modal dialog the page is already inert, and the dialog holds the host.
        if host.parent_element().is_some_and(|p| p.tag_name().eq_ignore_ascii_case("dialog")) {
            return;
        }
        let Some(body) = doc.body() else { return };
        let kids = body.children();
        for i in 0..kids.length() {
            let Some(k) = kids.item(i) else { continue };
            if &k == host {
                continue;
            }
            if let Ok(h) = k.dyn_into::<HtmlElement>() {
                if !h.inert() {
                    h.set_inert(true);
                    self.inerted.push(h);
                }
            }
        }
    }

    /// Tab / Shift+Tab inside `card`: returns true when it moved focus (the key is handled).
    pub fn trap(card: &HtmlElement, root_active: Option<Element>, backwards: bool) -> bool {
        let Ok(list) = card.query_selector_all(FOCUSABLE) else { return false };
        let items: Vec<HtmlElement> = (0..list.length()).filter_map(|i| list.item(i)).filter_map(|n| n.dyn_into::<HtmlElement>().ok()).collect();
        let (Some(first), Some(last)) = (items.first(), items.last()) else {
            let _ = card.focus();
            return true;
        };
        let active = root_active;
        let at_first = active.as_ref().is_some_and(|a| a == &**first) || active.as_ref().is_some_and(|a| a == &**card);
        let at_last = active.as_ref().is_some_and(|a| a == &**last);
        let outside = active.as_ref().is_none_or(|a| !card.contains(Some(a)));
        if backwards && (at_first || outside) {
            let _ = last.focus();
            return true;
        }
        if !backwards && (at_last || outside) {
            let _ = first.focus();
            return true;
        }
        false
    }
}

impl Drop for Focus {
    fn drop(&mut self) {
        for e in self.inerted.drain(..) {
            e.set_inert(false);
        }
    }
}
