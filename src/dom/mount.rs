//! The one host element all of Shirube's UI lives under: `<shirube-root data-shirube-root>` with
//! an open shadow root, styled by an adopted (constructed) stylesheet, shown in the top layer
//! with the popover API so no z-index or stacking context of the page can cover it. When the page
//! opens a modal `<dialog>`, the host moves inside it (the rest of the page is inert then) and
//! back out when it closes. Dropping the [`Mount`] removes the host: the page is as before.

use crate::core::model::Theme;
use crate::core::spec::types::ThemeMode;
use wasm_bindgen::JsCast;
use web_sys::{CssStyleSheet, Document, Element, HtmlElement, ShadowRoot, ShadowRootInit, ShadowRootMode};

// The stylesheet, minified by build.rs.
const CSS: &str = include_str!(concat!(env!("OUT_DIR"), "/style.css"));

pub struct Mount {
    pub doc: Document,
    pub host: HtmlElement,
    pub root: ShadowRoot,
    pub layer: Element,
    live: Element,
    /// The zoom around the host that `unzoom` last undid (1: none).
    zoom: std::cell::Cell<f64>,
}

/// Creates an element in the shadow tree's document.
pub fn el(doc: &Document, tag: &str, class: &str) -> Option<Element> {
    let e = doc.create_element(tag).ok()?;
    if !class.is_empty() {
        e.set_class_name(class);
    }
    Some(e)
}

impl Mount {
    pub fn new(doc: &Document, theme: &Theme, instance: u32) -> Option<Mount> {
        let host: HtmlElement = doc.create_element("shirube-root").ok()?.dyn_into().ok()?;
        host.set_attribute("data-shirube-root", "").ok()?;
        host.set_attribute("data-instance", &instance.to_string()).ok()?;
        host.set_attribute(
            "data-mode",
            match theme.mode {
                ThemeMode::Auto => "auto",
                ThemeMode::Light => "light",
                ThemeMode::Dark => "dark",
            },
        )
        .ok()?;
        // The popover attribute puts the host in the top layer when shown. Browsers without the
        // popover API still render it, as a fixed layer with the highest z-index.
        let _ = host.set_popover(Some("manual"));
        let init = ShadowRootInit::new(ShadowRootMode::Open);
        let root = host.attach_shadow(&init).ok()?;
        let sheet = CssStyleSheet::new().ok()?;
        sheet.replace_sync(CSS).ok()?;
        root.set_adopted_style_sheets(&js_sys::Array::of1(&sheet));
        // Theme values go into custom properties through the CSSOM (allowed by a strict CSP).
        let style = host.style();
        let _ = style.set_property("--sb-accent", &theme.accent);
        let _ = style.set_property("--sb-radius", &format!("{}px", theme.radius));
        if let Some(f) = &theme.font {
            let _ = style.set_property("--sb-font", f);
        }
        let layer = el(doc, "div", "layer")?;
        layer.set_attribute("part", "layer").ok()?;
        let live = el(doc, "div", "sr")?;
        live.set_attribute("role", "status").ok()?;
        live.set_attribute("aria-live", "polite").ok()?;
        root.append_child(&layer).ok()?;
        root.append_child(&live).ok()?;
        doc.body()?.append_child(&host).ok()?;
        let m = Mount { doc: doc.clone(), host, root, layer, live, zoom: std::cell::Cell::new(1.0) };
        m.raise();
        Some(m)
    }

    /// Puts the host on top of everything: inside the topmost open modal dialog if there is
    /// one (outside it, the page is inert), else in the body; then (re)shows it as a popover,
    /// which moves it to the top of the top layer.
    pub fn raise(&self) {
        let dialog = self.doc.query_selector_all("dialog:modal").ok().and_then(|l| if l.length() > 0 { l.item(l.length() - 1) } else { None });
        let want: Option<Element> = match dialog {
            Some(d) => d.dyn_into().ok(),
            None => self.doc.body().map(|b| b.into()),
        };
        if let Some(parent) = want {
            if self.host.parent_element().as_ref() != Some(&parent) {
                let _ = self.host.hide_popover();
                let _ = parent.append_child(&self.host);
            } else if others_on_top_layer(&self.doc, &self.host) {
                // Re-showing moves the host above popovers and dialogs opened after it; hide
                // and show happen in one task, so nothing flickers.
                let _ = self.host.hide_popover();
            }
        }
        if !self.host.matches(":popover-open").unwrap_or(true) {
            let _ = self.host.show_popover();
        }
    }

    /// Undoes a CSS `zoom` the page sets around the host (`body { zoom: 0.8 }`, as apps do for
    /// a compact mode or to fit a dashboard to the screen): the layout writes viewport pixels,
    /// as `getBoundingClientRect` gives them, which a zoomed host would scale again, putting
    /// every card off its target. From the parent's `currentCSSZoom` (Chrome 128, Firefox 126,
    /// Safari 26); where that is missing, nothing changes.
    #[inline(never)]
    pub fn unzoom(&self) {
        let Some(p) = self.host.parent_element() else { return };
        let z = super::layout::css_zoom(&p);
        if z == self.zoom.get() {
            return;
        }
        self.zoom.set(z);
        // Through a custom property: the stylesheet's `all: initial !important` on the host
        // would win over the zoom itself (style.css).
        let st = self.host.style();
        let _ = if z == 1.0 {
            st.remove_property("--sb-unzoom").map(drop)
        } else {
            let mut v = String::new();
            crate::core::json::write_num(&mut v, 1.0 / z);
            st.set_property("--sb-unzoom", &v)
        };
    }

    /// Says `text` through the polite live region.
    pub fn announce(&self, text: &str) {
        // Clearing first makes screen readers repeat identical text.
        self.live.set_text_content(None);
        self.live.set_text_content(Some(text));
    }

    /// The reading direction of the page around `near` (or the document).
    pub fn rtl(&self, near: Option<&Element>) -> bool {
        let el = near.cloned().or_else(|| self.doc.document_element());
        let Some(e) = el else { return false };
        let Some(w) = self.doc.default_view() else { return false };
        w.get_computed_style(&e).ok().flatten().and_then(|s| s.get_property_value("direction").ok()).is_some_and(|d| d == "rtl")
    }
}

/// True when another element shares the top layer (an open popover or modal dialog).
fn others_on_top_layer(doc: &Document, host: &HtmlElement) -> bool {
    let host: &Element = host;
    doc.query_selector_all(":popover-open, dialog:modal")
        .map(|l| (0..l.length()).filter_map(|i| l.item(i)).filter_map(|n| n.dyn_into::<Element>().ok()).any(|e| &e != host))
        .unwrap_or(false)
}

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = self.host.hide_popover();
        self.host.remove();
    }
}
