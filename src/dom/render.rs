//! Builds the elements of a flow on screen from its [`View`], with `createElement` and text
//! nodes only: spec text (Markdown) becomes a DOM tree, never HTML, so it cannot inject markup.
//! Elements carry the contract markers (`role="dialog"`, `data-shirube-flow`, `-step`,
//! `-action`, `-beacon`, `-checklist`, `-item` with `aria-checked`, `-score`) and `part` names
//! for `::part()` styling. Positioning is not done here (see `layout`).

use super::mount::el;
use crate::core::markdown::{self, Block, Inline};
use crate::core::spec::types::AnnouncementStyle;
use crate::core::view::{Button, Kind, SurveyPhase, View};
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, HtmlElement};

/// A flow's elements, kept for positioning and for removal.
pub struct Widget {
    pub flow: usize,
    pub root: Element,
    /// The positioned card (tour step, hint tooltip, modal, panel), if any.
    pub card: Option<HtmlElement>,
    pub arrow: Option<HtmlElement>,
    /// The card's body, which scrolls when the layout limits the card's height.
    pub scroller: Option<HtmlElement>,
    pub beacon: Option<HtmlElement>,
    /// The overlay's `<path>`, and its `<svg>`, which the layout moves.
    pub overlay: Option<Element>,
    pub overlay_layer: Option<web_sys::SvgElement>,
    pub view: View,
    /// Laid out right to left (the card's `dir`).
    pub rtl: bool,
    /// What the layout last wrote, so a frame writes only what changed: while the page
    /// scrolls, only the position moves, and an unchanged attribute write would still make the
    /// browser recompute the card's style.
    pub written: Written,
}

/// Where the layout puts a fixed element: at a viewport position, or at an offset from the
/// target it is anchored to (`dom::anchor`; the browser then keeps it there while anything
/// scrolls, and a frame that only scrolled writes nothing).
#[derive(Clone, Copy, PartialEq)]
pub enum At {
    Viewport(i64, i64),
    Anchor(i64, i64),
}

impl At {
    /// `(x, y)` in the viewport; anchored when `origin` (the target's top left) is given.
    pub fn new(x: f64, y: f64, origin: Option<(f64, f64)>) -> At {
        match origin {
            Some((ox, oy)) => At::Anchor((x - ox).round() as i64, (y - oy).round() as i64),
            None => At::Viewport(x as i64, y as i64),
        }
    }
}

/// The values the last layout wrote into a widget's DOM (`None`: not written yet).
#[derive(Default)]
pub struct Written {
    pub paused: Option<bool>,
    pub card_at: Option<At>,
    pub card_hidden: Option<bool>,
    pub side: &'static str,
    pub arrow: Option<(bool, i64)>,
    pub beacon_at: Option<At>,
    pub beacon_hidden: Option<bool>,
    pub overlay: String,
    pub overlay_at: Option<At>,
    /// Where the target was (its top left in the viewport) when this was written.
    pub target_at: Option<(f64, f64)>,
    /// The card's size when this was written: its width, and its height as fitted.
    pub size: Option<(f64, f64)>,
    /// The card's height limit (`max-height`), if it has one.
    pub max_h: Option<f64>,
    /// When (ms) the target was last seen at another place (or first seen).
    pub target_since: f64,
}

impl Drop for Widget {
    fn drop(&mut self) {
        self.root.remove();
    }
}

/// Appends `child` to `parent`.
fn add(parent: &Element, child: Option<Element>) -> Option<()> {
    let child = child?;
    parent.append_child(&child).ok().map(|_| ())
}

fn set(e: &Element, k: &str, v: &str) {
    let _ = e.set_attribute(k, v);
}

fn text_el(doc: &Document, tag: &str, class: &str, text: &str) -> Option<Element> {
    let e = el(doc, tag, class)?;
    e.set_text_content(Some(text));
    Some(e)
}

fn html(e: Element) -> Option<HtmlElement> {
    e.dyn_into().ok()
}

/// Renders spec text (the Markdown subset) into `parent`.
pub fn markdown_into(doc: &Document, parent: &Element, text: &str) {
    for b in markdown::parse(text, false) {
        let node = match b {
            Block::Para(inl) => {
                let p = el(doc, "p", "");
                if let Some(p) = &p {
                    inlines(doc, p, &inl);
                }
                p
            }
            b @ (Block::Bullets(_) | Block::Numbered(_)) => {
                let (numbered, items) = match b {
                    Block::Numbered(items) => (true, items),
                    Block::Bullets(items) => (false, items),
                    Block::Para(_) => (false, Vec::new()),
                };
                let list = el(doc, if numbered { "ol" } else { "ul" }, "");
                if let Some(l) = &list {
                    for it in items {
                        if let Some(li) = el(doc, "li", "") {
                            inlines(doc, &li, &it);
                            let _ = l.append_child(&li);
                        }
                    }
                }
                list
            }
        };
        if let Some(n) = node {
            let _ = parent.append_child(&n);
        }
    }
}

fn inlines(doc: &Document, parent: &Element, inl: &[Inline]) {
    for i in inl {
        let node: Option<web_sys::Node> = match i {
            Inline::Text(t) => Some(doc.create_text_node(t).into()),
            Inline::Break => el(doc, "br", "").map(Into::into),
            Inline::Code(t) => text_el(doc, "code", "", t).map(Into::into),
            Inline::Bold(c) | Inline::Italic(c) => {
                let e = el(doc, if matches!(i, Inline::Bold(_)) { "strong" } else { "em" }, "");
                if let Some(e) = &e {
                    inlines(doc, e, c);
                }
                e.map(Into::into)
            }
            Inline::Link { href, label } => {
                let a = el(doc, "a", "");
                if let Some(a) = &a {
                    set(a, "href", href);
                    // Links that leave the app open in a new tab, so the tour is not lost.
                    if href.starts_with("http://") || href.starts_with("https://") {
                        set(a, "target", "_blank");
                        set(a, "rel", "noopener noreferrer");
                    }
                    inlines(doc, a, label);
                }
                a.map(Into::into)
            }
        };
        if let Some(n) = node {
            let _ = parent.append_child(&n);
        }
    }
}

fn button(doc: &Document, b: &Button) -> Option<Element> {
    let e = text_el(doc, "button", if b.primary { "btn primary" } else { "btn" }, &b.label)?;
    set(&e, "type", "button");
    set(&e, "data-shirube-action", b.role);
    set(&e, "part", if b.primary { "button button-primary" } else { "button" });
    Some(e)
}

fn close_button(doc: &Document, label: &str) -> Option<Element> {
    let e = text_el(doc, "button", "close", "×")?;
    set(&e, "type", "button");
    set(&e, "data-shirube-action", "dismiss");
    set(&e, "aria-label", label);
    set(&e, "part", "close");
    Some(e)
}

/// The title and body of a card, labelling the dialog; returns the body.
fn heading_and_body(doc: &Document, card: &Element, id: &str, title: Option<&str>, body: Option<&str>) -> Option<HtmlElement> {
    if let Some(t) = title {
        if let Some(h) = el(doc, "h2", "") {
            set(&h, "id", &[id, "-t"].concat());
            set(&h, "part", "title");
            // Each text takes its own direction (English on a right-to-left page stays readable).
            set(&h, "dir", "auto");
            markdown_inline_into(doc, &h, t);
            set(card, "aria-labelledby", &[id, "-t"].concat());
            let _ = card.append_child(&h);
        }
    }
    if let Some(b) = body {
        if let Some(d) = el(doc, "div", "body") {
            set(&d, "id", &[id, "-b"].concat());
            set(&d, "part", "body");
            set(&d, "dir", "auto");
            markdown_into(doc, &d, b);
            set(card, "aria-describedby", &[id, "-b"].concat());
            let _ = card.append_child(&d);
            return html(d);
        }
    }
    None
}

/// A title: inline Markdown only (no paragraphs inside a heading).
fn markdown_inline_into(doc: &Document, parent: &Element, text: &str) {
    for b in markdown::parse(text, false) {
        if let Block::Para(inl) = b {
            inlines(doc, parent, &inl);
        }
    }
}

fn card(doc: &Document, class: &str, v: &View, modal: bool, part: &str) -> Option<Element> {
    let c = el(doc, "div", class)?;
    set(&c, "role", "dialog");
    set(&c, "aria-modal", if modal { "true" } else { "false" });
    set(&c, "data-shirube-flow", &v.flow_id);
    set(&c, "tabindex", "-1");
    set(&c, "part", part);
    if !v.label.is_empty() {
        set(&c, "aria-label", &v.label);
    }
    Some(c)
}

/// Builds the widget for `v`. `uid` makes element ids unique within the shadow root.
pub fn build(doc: &Document, v: &View, rtl: bool, uid: u32) -> Option<Widget> {
    let root = el(doc, "div", "flow")?;
    set(&root, "data-flow-index", &v.flow.to_string());
    let mut id = String::from("sb");
    crate::core::json::write_int(&mut id, uid as i64);
    let mut w = Widget { flow: v.flow, root: root.clone(), card: None, arrow: None, scroller: None, beacon: None, overlay: None, overlay_layer: None, view: v.clone(), rtl, written: Written::default() };
    let dir = if rtl { "rtl" } else { "ltr" };
    match &v.kind {
        Kind::Step(s) => {
            if s.overlay {
                let svg = doc.create_element_ns(Some("http://www.w3.org/2000/svg"), "svg").ok()?;
                set(&svg, "class", if s.modal { "overlay" } else { "overlay passthrough" });
                set(&svg, "aria-hidden", "true");
                set(&svg, "part", "overlay");
                let path = doc.create_element_ns(Some("http://www.w3.org/2000/svg"), "path").ok()?;
                let _ = svg.append_child(&path);
                let _ = root.append_child(&svg);
                w.overlay = Some(path);
                w.overlay_layer = svg.dyn_into().ok();
            }
            let c = card(doc, if s.centered { "card step centered" } else { "card step" }, v, s.modal, "tooltip")?;
            set(&c, "data-shirube-step", &s.step_id);
            set(&c, "dir", dir);
            if !s.centered {
                let a = el(doc, "div", "arrow")?;
                set(&a, "part", "arrow");
                let _ = c.append_child(&a);
                w.arrow = html(a);
            }
            if s.dismissible {
                add(&c, close_button(doc, v.close_label))?;
            }
            w.scroller = heading_and_body(doc, &c, &id, s.title.as_deref(), s.body.as_deref());
            let footer = el(doc, "div", "footer")?;
            if let Some(p) = &s.progress {
                let prog = text_el(doc, "span", "progress", p)?;
                set(&prog, "dir", "auto");
                add(&footer, Some(prog))?;
            }
            let bs = el(doc, "div", "buttons")?;
            for b in &s.buttons {
                add(&bs, button(doc, b))?;
            }
            let _ = footer.append_child(&bs);
            let _ = c.append_child(&footer);
            let _ = root.append_child(&c);
            w.card = html(c);
        }
        Kind::Hint(h) => {
            let b = el(doc, "button", "beacon")?;
            set(&b, "type", "button");
            set(&b, "data-shirube-beacon", &v.flow_id);
            set(&b, "aria-label", &h.beacon_label);
            set(&b, "aria-expanded", if h.open { "true" } else { "false" });
            set(&b, "part", "beacon");
            let _ = root.append_child(&b);
            w.beacon = html(b);
            if h.open {
                let c = card(doc, "card hint", v, false, "tooltip")?;
                set(&c, "dir", dir);
                let a = el(doc, "div", "arrow")?;
                let _ = c.append_child(&a);
                w.arrow = html(a);
                add(&c, close_button(doc, v.close_label))?;
                w.scroller = heading_and_body(doc, &c, &id, h.title.as_deref(), Some(&h.body));
                let _ = root.append_child(&c);
                w.card = html(c);
            }
        }
        Kind::Announcement(a) => {
            let modal = a.style == AnnouncementStyle::Modal;
            let class = match a.style {
                AnnouncementStyle::Modal => "card modal",
                AnnouncementStyle::Banner => "banner",
                AnnouncementStyle::Slideout => "card slideout",
            };
            if modal {
                add(&root, el(doc, "div", "backdrop"))?;
            }
            let c = card(doc, class, v, modal, if a.style == AnnouncementStyle::Banner { "banner" } else { "announcement" })?;
            set(&c, "dir", dir);
            if a.dismissible {
                add(&c, close_button(doc, v.close_label))?;
            }
            let body = heading_and_body(doc, &c, &id, a.title.as_deref(), Some(&a.body));
            if !a.buttons.is_empty() {
                let bs = el(doc, "div", if a.style == AnnouncementStyle::Banner { "buttons" } else { "footer" })?;
                let inner = if a.style == AnnouncementStyle::Banner { bs.clone() } else { el(doc, "div", "buttons")? };
                for b in &a.buttons {
                    add(&inner, button(doc, b))?;
                }
                if inner != bs {
                    let _ = bs.append_child(&inner);
                }
                let _ = c.append_child(&bs);
            }
            let _ = root.append_child(&c);
            if modal {
                w.card = html(c);
                w.scroller = body;
            }
        }
        Kind::Checklist(c) => {
            let launcher = el(doc, "button", "launcher")?;
            set(&launcher, "type", "button");
            set(&launcher, "data-shirube-toggle", &v.flow_id);
            set(&launcher, "aria-expanded", if c.open { "true" } else { "false" });
            set(&launcher, "aria-controls", &[&id[..], "-panel"].concat());
            set(&launcher, "part", "launcher");
            // The accessible name starts with the visible text (WCAG "label in name"); the
            // progress in words and the action follow for screen readers.
            launcher.set_text_content(Some(&crate::core::markdown::plain_text(&c.title)));
            add(&launcher, text_el(doc, "span", "count", &format!("{}/{}", c.done, c.total)))?;
            add(&launcher, text_el(doc, "span", "sr", &format!(" ({}; {})", c.progress, c.toggle_label)))?;
            let _ = root.append_child(&launcher);
            if c.open {
                let p = el(doc, "div", "card panel")?;
                set(&p, "id", &[&id[..], "-panel"].concat());
                set(&p, "role", "dialog");
                set(&p, "aria-modal", "false");
                set(&p, "aria-label", &v.label);
                set(&p, "data-shirube-flow", &v.flow_id);
                set(&p, "data-shirube-checklist", &v.flow_id);
                set(&p, "part", "checklist");
                set(&p, "dir", dir);
                set(&p, "tabindex", "-1");
                if c.dismissible {
                    add(&p, close_button(doc, v.close_label))?;
                }
                heading_and_body(doc, &p, &id, Some(&c.title), c.description.as_deref());
                let prog = text_el(doc, "div", "progress", &c.progress)?;
                let _ = p.append_child(&prog);
                let meter = el(doc, "div", "meter")?;
                set(&meter, "role", "progressbar");
                set(&meter, "aria-valuemin", "0");
                set(&meter, "aria-valuemax", &c.total.to_string());
                set(&meter, "aria-valuenow", &c.done.to_string());
                set(&meter, "aria-label", &c.progress);
                let fill = el(doc, "div", "")?;
                if let Some(f) = fill.dyn_ref::<HtmlElement>() {
                    let pct = if c.total == 0 { 0 } else { c.done * 100 / c.total };
                    let _ = f.style().set_property("width", &format!("{}%", pct));
                }
                let _ = meter.append_child(&fill);
                let _ = p.append_child(&meter);
                let list = el(doc, "div", "items")?;
                set(&list, "role", "group");
                set(&list, "aria-label", &v.label);
                for it in &c.items {
                    let item = el(doc, "div", "item")?;
                    set(&item, "role", "checkbox");
                    set(&item, "aria-checked", if it.done { "true" } else { "false" });
                    set(&item, "aria-readonly", "true");
                    set(&item, "tabindex", "0");
                    set(&item, "data-shirube-item", &it.id);
                    set(&item, "part", "item");
                    add(&item, el(doc, "span", "tick"))?;
                    let txt = el(doc, "span", "")?;
                    let label = el(doc, "span", "label")?;
                    markdown_inline_into(doc, &label, &it.label);
                    let _ = txt.append_child(&label);
                    if let Some(d) = &it.description {
                        let desc = el(doc, "span", "desc")?;
                        markdown_inline_into(doc, &desc, d);
                        let _ = txt.append_child(&desc);
                    }
                    let _ = item.append_child(&txt);
                    let _ = list.append_child(&item);
                }
                let _ = p.append_child(&list);
                if let Some(msg) = &c.celebrate {
                    add(&p, text_el(doc, "p", "celebrate", msg))?;
                }
                let _ = root.append_child(&p);
            }
        }
        Kind::Survey(s) => {
            let c = card(doc, "card survey", v, false, "survey")?;
            set(&c, "dir", dir);
            add(&c, close_button(doc, v.close_label))?;
            match &s.phase {
                SurveyPhase::Thanks => {
                    let t = text_el(doc, "p", "thanks", "")?;
                    markdown_inline_into(doc, &t, &s.thanks);
                    let _ = c.append_child(&t);
                }
                phase => {
                    heading_and_body(doc, &c, &id, Some(&s.question), None);
                    let chosen = if let SurveyPhase::Comment(n) = phase { Some(*n) } else { None };
                    let group = el(doc, "div", "scores")?;
                    set(&group, "role", "radiogroup");
                    set(&group, "aria-labelledby", &[&id[..], "-t"].concat());
                    for n in s.low..=s.high {
                        let b = text_el(doc, "button", "score", &n.to_string())?;
                        set(&b, "type", "button");
                        set(&b, "role", "radio");
                        set(&b, "aria-checked", if chosen == Some(n) { "true" } else { "false" });
                        set(&b, "data-shirube-score", &n.to_string());
                        set(&b, "aria-label", &crate::core::text::replace(&s.score_label, "{n}", &n.to_string()));
                        set(&b, "part", "score");
                        let _ = group.append_child(&b);
                    }
                    let _ = c.append_child(&group);
                    let ends = el(doc, "div", "ends")?;
                    add(&ends, text_el(doc, "span", "", s.low_label))?;
                    add(&ends, text_el(doc, "span", "", s.high_label))?;
                    set(&ends, "aria-hidden", "true");
                    let _ = c.append_child(&ends);
                    if let (Some(_), Some(q)) = (chosen, &s.follow_up) {
                        let label = el(doc, "label", "")?;
                        set(&label, "for", &[&id[..], "-c"].concat());
                        markdown_inline_into(doc, &label, q);
                        let _ = c.append_child(&label);
                        let ta = el(doc, "textarea", "")?;
                        set(&ta, "id", &[&id[..], "-c"].concat());
                        set(&ta, "maxlength", "2000");
                        set(&ta, "part", "comment");
                        let _ = c.append_child(&ta);
                        let footer = el(doc, "div", "footer")?;
                        let bs = el(doc, "div", "buttons")?;
                        let send = text_el(doc, "button", "btn primary", s.send_label)?;
                        set(&send, "type", "button");
                        set(&send, "data-shirube-action", "done");
                        set(&send, "part", "button button-primary");
                        let _ = bs.append_child(&send);
                        let _ = footer.append_child(&bs);
                        let _ = c.append_child(&footer);
                    }
                }
            }
            let _ = root.append_child(&c);
        }
    }
    Some(w)
}
