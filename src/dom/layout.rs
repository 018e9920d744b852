//! Measuring the page for positioning: finding a target by selector (with fallbacks, through
//! open shadow roots), the ancestors that clip it (scroll containers), the visible viewport,
//! scrolling a target into view, and noticing when a sticky or fixed header covers it. The
//! decisions (where the tooltip goes) are `core::position`'s; this only reads the page.

use crate::core::position::{self, Rect};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Document, Element, ScrollBehavior, ScrollIntoViewOptions, ScrollLogicalPosition};

pub fn rect(e: &Element) -> Rect {
    let r = e.get_bounding_client_rect();
    Rect::new(r.x(), r.y(), r.width(), r.height())
}

/// The viewport without scrollbars, in CSS pixels.
pub fn viewport(doc: &Document) -> Rect {
    match doc.document_element() {
        Some(d) => Rect::new(0.0, 0.0, d.client_width() as f64, d.client_height() as f64),
        None => Rect::new(0.0, 0.0, 1024.0, 768.0),
    }
}

/// Rendered at all (not `display: none`, not detached).
fn rendered(e: &Element) -> bool {
    e.is_connected() && e.get_client_rects().length() > 0
}

/// At most this many matches of one selector are considered (a selector matching every row of
/// a long table points at one of the first).
const MATCHES: u32 = 64;

/// The element for a target's selectors: the first selector that matches a rendered element,
/// in the document, else in open shadow roots. Where it matches several (a responsive page's
/// desktop toolbar and phone menu each with the same button, one of them hidden or off-canvas),
/// the first in sight or within scrolling reach (`reachable`), else the first rendered. A match
/// with `display: contents` stands for its first child with a box (`contents_box`). An
/// invalid selector matches nothing (the validator reports it; `querySelector` would throw).
pub fn find(doc: &Document, selectors: &[String]) -> Option<Element> {
    for sel in selectors {
        let mut found = Vec::new();
        if !known_absent(sel, false) {
            match doc.query_selector_all(sel) {
                Ok(list) if list.length() > 0 => rendered_in(&list, &mut found),
                _ => note_absent(sel, false),
            }
        }
        if found.is_empty() {
            find_in_shadows(doc, sel, &mut found);
        }
        if found.len() > 1 {
            if let Some(e) = found.iter().find(|e| reachable(doc, e, &clippers(doc, e))) {
                return Some(e.clone());
            }
        }
        if !found.is_empty() {
            return Some(found.swap_remove(0));
        }
    }
    None
}

/// Adds the rendered elements of `list` to `out`, up to `MATCHES` in all.
fn rendered_in(list: &web_sys::NodeList, out: &mut Vec<Element>) {
    for i in 0..list.length() {
        if out.len() as u32 >= MATCHES {
            return;
        }
        if let Some(e) = list.item(i).and_then(|n| n.dyn_into::<Element>().ok()) {
            if rendered(&e) {
                out.push(e);
            } else if let Some(c) = (i < MATCHES).then(|| contents_box(&e, 4)).flatten() {
                // (Only among the first matches: a selector matching thousands of hidden rows
                // reads no style for each in every frame it is awaited.)
                out.push(c);
            }
        }
    }
}

/// For an element with `display: contents` (a wrapper a framework renders without a box of
/// its own, so it has no rectangle to point at): its first child that has a box, looking
/// `depth` wrappers deep.
fn contents_box(e: &Element, depth: u8) -> Option<Element> {
    let w = e.owner_document()?.default_view()?;
    if depth == 0 || !e.is_connected() || w.get_computed_style(e).ok()??.get_property_value("display").ok()? != "contents" {
        return None;
    }
    let mut c = e.first_element_child();
    while let Some(k) = c {
        if rendered(&k) {
            return Some(k);
        }
        if let Some(inner) = contents_box(&k, depth - 1) {
            return Some(inner);
        }
        c = k.next_element_sibling();
    }
    None
}

/// How long the list of the page's shadow roots is reused while no element is added and no
/// custom element is defined (`check_shadows`): a shadow root attached to an element already
/// in the page (a built-in one) changes nothing the mutation observer sees.
const SHADOWS_MS: f64 = 5000.0;

/// The page's open shadow roots, nested ones too, in document order; when they were listed
/// (`at`), which listing this is, and how many custom elements were not yet defined then.
/// Shared by every selector looked for (a page waiting for ten absent targets lists its roots
/// once, not ten times, in every frame that changes the DOM) and by instances.
struct Shadows {
    at: f64,
    listing: u32,
    roots: Vec<web_sys::ShadowRoot>,
    undefined: u32,
}

/// Selectors known to match no element in the document (`doc`) and in the listed shadow roots
/// (`shadows`), kept until the observers report a change there other than text
/// (`observer::Batch`), elements are added, or the slow look (a match can also come with no
/// change the observers report: a state like `:checked` or `:popover-open`). So
/// a page whose clock ticks in every frame, while ten hints wait for elements it lacks, runs
/// no query for them in each frame. Trusted only while `trusting` (the look after DOM changes,
/// once the observers have handed over what they held): a search right after a page's script
/// changed the DOM runs its queries.
struct Absent {
    trusted: bool,
    doc: Vec<String>,
    shadows: Vec<String>,
}

std::thread_local! {
    static SHADOWS: std::cell::RefCell<Shadows> = const { std::cell::RefCell::new(Shadows { at: f64::NEG_INFINITY, listing: 0, roots: Vec::new(), undefined: 0 }) };
    static ABSENT: std::cell::RefCell<Absent> = const { std::cell::RefCell::new(Absent { trusted: false, doc: Vec::new(), shadows: Vec::new() }) };
}

/// Whether `sel` is known to match nothing in the document (else the shadow roots), and that
/// is trusted now (`Absent`).
fn known_absent(sel: &str, in_shadows: bool) -> bool {
    ABSENT.with(|a| {
        let a = a.borrow();
        a.trusted && if in_shadows { &a.shadows } else { &a.doc }.iter().any(|x| x == sel)
    })
}

/// `sel` matched no element in the document (else in any listed shadow root).
fn note_absent(sel: &str, in_shadows: bool) {
    if crate::core::selector::reads_text(sel) {
        return;
    }
    ABSENT.with(|a| {
        let mut a = a.borrow_mut();
        let list = if in_shadows { &mut a.shadows } else { &mut a.doc };
        if list.len() < 64 && !list.iter().any(|x| x == sel) {
            list.push(sel.to_owned());
        }
    });
}

/// The observers reported a change other than text in the document (else in a shadow root):
/// what is known absent there may match now.
pub fn changed(in_shadows: bool) {
    ABSENT.with(|a| {
        let mut a = a.borrow_mut();
        if in_shadows { &mut a.shadows } else { &mut a.doc }.clear();
    });
}

/// Runs `f` trusting what is known absent (`Absent`): the look after DOM changes.
pub fn trusting<T>(f: impl FnOnce() -> T) -> T {
    let set = |on| ABSENT.with(|a| a.borrow_mut().trusted = on);
    set(true);
    let out = f();
    set(false);
    out
}

/// Forgets what is known absent (`Absent`): everywhere, as after a change of the page's state
/// that its CSS may show elements by (`Job::State`).
pub fn forget_absent() {
    ABSENT.with(|a| {
        let mut a = a.borrow_mut();
        a.doc.clear();
        a.shadows.clear();
    });
}

/// Custom elements in the page not yet defined (`:not(:defined)`): one fewer when a lazily
/// loaded component is defined, which may attach a shadow root.
fn undefined(doc: &Document) -> u32 {
    doc.query_selector_all(":not(:defined)").map_or(0, |l| l.length())
}

/// Elements were added to the page (or an instance is going away, and with it the observers
/// that keep `Absent` true): the shadow roots are listed again at the next search, and what
/// was known absent is looked for again.
pub fn forget_shadows() {
    SHADOWS.with(|s| {
        let mut s = s.borrow_mut();
        s.at = f64::NEG_INFINITY;
        s.roots.clear();
    });
    forget_absent();
}

/// At the slow look for awaited targets (not in every frame: it walks the page): a custom
/// element defined since the shadow roots were listed may have attached one, so they are
/// listed again; and what is known absent from them is looked for again (a match can also come
/// with no change the observers report: a state like `:checked` or `:popover-open`).
pub fn check_shadows(doc: &Document) {
    forget_absent();
    let listed = SHADOWS.with(|s| {
        let s = s.borrow();
        (s.at.is_finite()).then_some(s.undefined)
    });
    if listed.is_some_and(|n| n != undefined(doc)) {
        forget_shadows();
    }
}

/// Calls `f` with each shadow root listed, when they were listed again since listing `seen`;
/// the listing they are from. (An instance watches them for changes, which the document's
/// mutation observer does not see: a component rendering a target late.)
pub fn shadows_since(seen: u32, mut f: impl FnMut(&web_sys::ShadowRoot)) -> u32 {
    SHADOWS.with(|s| {
        let s = s.borrow();
        if s.listing != seen {
            s.roots.iter().for_each(&mut f);
        }
        s.listing
    })
}

/// The open shadow roots of the page (not Shirube's own), found by one bounded walk.
fn list_shadows(doc: &Document) -> Vec<web_sys::ShadowRoot> {
    let mut out = Vec::new();
    let mut stack: Vec<web_sys::ShadowRoot> = Vec::new();
    let push_hosts = |list: web_sys::NodeList, stack: &mut Vec<web_sys::ShadowRoot>| {
        // `querySelectorAll("*")` holds elements only: no type check per node.
        for i in (0..list.length().min(20_000)).rev() {
            if let Some(sr) = list.item(i).and_then(|n| n.unchecked_into::<Element>().shadow_root()) {
                if !sr.host().has_attribute("data-shirube-root") {
                    stack.push(sr);
                }
            }
        }
    };
    // Pages without web components have no shadow roots: only one cheap scan.
    if let Ok(all) = doc.query_selector_all("*") {
        push_hosts(all, &mut stack);
    }
    while let Some(sr) = stack.pop() {
        if out.len() >= 500 {
            break;
        }
        if let Ok(list) = sr.query_selector_all("*") {
            push_hosts(list, &mut stack);
        }
        out.push(sr);
    }
    out
}

/// Searches open shadow roots (web components) for `sel`: their rendered matches, in the order
/// of the roots. A selector that matched no element in any of them is noted (`Absent`): on a
/// page with many components, each frame with a DOM change outside them costs no query per
/// root and selector.
fn find_in_shadows(doc: &Document, sel: &str, out: &mut Vec<Element>) {
    // (Known absent: not even the clock is read. A listing gone stale meanwhile is renewed at the
    // next search that queries, at the latest after the slow look forgets what is absent.)
    if known_absent(sel, true) {
        return;
    }
    let now = js_sys::Date::now();
    SHADOWS.with(|s| {
        let mut s = s.borrow_mut();
        if !(now - s.at < SHADOWS_MS && now >= s.at) {
            *s = Shadows { at: now, listing: s.listing.wrapping_add(1), roots: list_shadows(doc), undefined: undefined(doc) };
            changed(true);
        }
        // (Querying runs no page script: nothing can reach the list while it is borrowed.)
        let mut any = false;
        for sr in &s.roots {
            if let Ok(list) = sr.query_selector_all(sel) {
                any |= list.length() > 0;
                rendered_in(&list, out);
            }
        }
        if !any {
            note_absent(sel, true);
        }
    });
}

/// The CSS zoom `e` is drawn at (`currentCSSZoom`: the product of its ancestors' and its own
/// `zoom`); 1 where the browser lacks it (before Chrome 128, Firefox 126, Safari 26).
pub fn css_zoom(e: &Element) -> f64 {
    js_sys::Reflect::get(e, &"currentCSSZoom".into()).ok().and_then(|z| z.as_f64()).filter(|z| *z > 0.0).unwrap_or(1.0)
}

/// The parent in the flat tree: through a shadow root to its host.
fn parent(e: &Element) -> Option<Element> {
    if let Some(p) = e.parent_element() {
        return Some(p);
    }
    let root = e.get_root_node();
    root.dyn_ref::<web_sys::ShadowRoot>().map(|sr| sr.host())
}

/// Where a target sits: the ancestors whose overflow clips it, nearest first; whether it or an
/// ancestor is fixed; and it or the ancestors with a `clip-path: inset()` or `clip: rect()`
/// (`position::clip_shape`), which `reachable` reads again as they change (a menu animating
/// its clip path open).
pub type Scope = (Vec<Element>, bool, Vec<Element>);

/// The scope of `e` (`Scope`). The walk stops at a fixed element: its containing block is the
/// viewport, and scrolling the page does not move it.
pub fn clippers(doc: &Document, e: &Element) -> Scope {
    let mut out = Vec::new();
    let mut shaped = Vec::new();
    let Some(w) = doc.default_view() else { return (out, false, shaped) };
    let mut cur = Some(e.clone());
    let root = doc.document_element();
    while let Some(a) = cur {
        if Some(&a) == root.as_ref() || doc.body().map(|b| b.unchecked_into::<Element>()).as_ref() == Some(&a) {
            break;
        }
        if let Ok(Some(st)) = w.get_computed_style(&a) {
            let ox = st.get_property_value("overflow-x").unwrap_or_default();
            let oy = st.get_property_value("overflow-y").unwrap_or_default();
            if &a != e && (ox != "visible" || oy != "visible") {
                out.push(a.clone());
            }
            let pos = st.get_property_value("position").unwrap_or_default();
            if clip_shapes(&st, Some(&pos)).is_some() {
                shaped.push(a.clone());
            }
            if pos == "fixed" {
                return (out, true, shaped);
            }
        }
        cur = parent(&a);
    }
    (out, false, shaped)
}

/// The computed `clip-path` and `clip` of an element that has a shape to compute
/// (`position::clip_shape`): `clip` counts only where it applies, on an absolutely positioned
/// or fixed element.
/// `pos`: the computed `position`, where the caller has read it already.
fn clip_shapes(st: &web_sys::CssStyleDeclaration, pos: Option<&str>) -> Option<[String; 2]> {
    let get = |p: &str| st.get_property_value(p).unwrap_or_default();
    let path = get("clip-path");
    let pos = pos.map_or_else(|| get("position"), str::to_owned);
    let clip = if pos == "absolute" || pos == "fixed" { get("clip") } else { String::new() };
    let shape = |v: &str| ["inset(", "rect(", "circle(", "ellipse(", "polygon("].iter().any(|p| v.starts_with(p));
    (shape(&path) || shape(&clip)).then_some([path, clip])
}

#[wasm_bindgen]
extern "C" {
    /// An element, as far as `checkVisibility` goes (web-sys does not bind it).
    type Checked;
    /// `Element.checkVisibility(options)`: Chromium 121, Firefox 125, Safari 17.4. Older
    /// browsers have none, which the binding reports as an error.
    #[wasm_bindgen(method, catch, js_name = checkVisibility)]
    fn check_visibility(this: &Checked, options: &JsValue) -> Result<bool, JsValue>;
}

/// Whether `e` is drawn: not `visibility: hidden`, and neither it nor an ancestor (through
/// shadow roots) at `opacity: 0`, as a menu or popover faded out (browsers without
/// `checkVisibility`: visibility only).
fn drawn(doc: &Document, e: &Element) -> bool {
    let o = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&o, &"opacityProperty".into(), &JsValue::TRUE);
    let _ = js_sys::Reflect::set(&o, &"visibilityProperty".into(), &JsValue::TRUE);
    e.unchecked_ref::<Checked>().check_visibility(&o).unwrap_or_else(|_| {
        doc.default_view().and_then(|w| w.get_computed_style(e).ok().flatten()).and_then(|st| st.get_property_value("visibility").ok()).is_none_or(|v| v == "visible")
    })
}

/// Whether `e` can be seen now or after scrolling: inside the area its nearest clipping
/// ancestor can scroll over, that ancestor inside the next one's, and so on up to the page's
/// (the viewport, under a fixed ancestor); and drawn (`drawn`). Not so: a drawer slid off the
/// page's edge, a bottom sheet below a fixed viewport, a collapsed accordion, a menu hidden by
/// `visibility` or faded out to `opacity: 0`. A target the user has merely scrolled away stays
/// reachable.
/// (Horizontally each area extends both ways by what overflows, so right-to-left scrolling is
/// covered without reading the direction.)
pub fn reachable(doc: &Document, e: &Element, (clippers, fixed, shaped): &Scope) -> bool {
    // Overlap with an area; a box without width or height is a line or a point.
    let over = |r: Rect, a: Rect| {
        let x = if r.w > 0.0 { r.x < a.right() && r.right() > a.x } else { r.x > a.x && r.x < a.right() };
        let y = if r.h > 0.0 { r.y < a.bottom() && r.bottom() > a.y } else { r.y > a.y && r.y < a.bottom() };
        x && y && a.w > 0.0 && a.h > 0.0
    };
    // What an element can scroll over, where it is now: its padding box, moved back by its
    // scroll offsets, as large as its scrollable overflow; `at`: where that box is.
    let area = |c: &Element, at: Rect| {
        let more = (c.scroll_width() as f64 - at.w).max(0.0);
        Rect::new(at.x - c.scroll_left() as f64 - more, at.y - c.scroll_top() as f64, at.w + 2.0 * more, (c.scroll_height() as f64).max(at.h))
    };
    let target = rect(e);
    let mut r = target;
    for c in clippers {
        let b = rect(c);
        let inner = padding_box(c, b);
        // Collapsed (an accordion's closed panel): nothing in it can be seen.
        if inner.w == 0.0 || inner.h == 0.0 || !over(r, area(c, inner)) {
            return false;
        }
        // Scrolling this ancestor brings any of that area into its box: the box is what the
        // next one out has to show.
        r = b;
    }
    let vp = viewport(doc);
    // The page's area; or the body's, where it scrolls instead (an app shell with
    // `html { overflow: hidden }`: `clippers` stops below the body).
    let page = if *fixed {
        over(r, vp)
    } else {
        doc.scrolling_element().is_some_and(|s| over(r, area(&s, vp))) || doc.body().is_some_and(|b| over(r, area(&b, padding_box(&b, rect(&b)))))
    };
    // Clipped away by a shape: the visually hidden pattern, a menu whose clip path is closed.
    let shown = || {
        let Some(w) = doc.default_view() else { return true };
        shaped.iter().all(|s| {
            let Some(values) = w.get_computed_style(s).ok().flatten().and_then(|st| clip_shapes(&st, None)) else { return true };
            let b = rect(s);
            // (Its px lengths are CSS px, scaled by a zoom the page sets.)
            values.iter().all(|v| position::clip_shape(v, b, css_zoom(s)).is_none_or(|c| over(target, c)))
        })
    };
    page && drawn(doc, e) && shown()
}

/// The padding box of `c`, whose border box is `b`: the border box minus borders (client*
/// gives the inner size).
fn padding_box(c: &Element, b: Rect) -> Rect {
    Rect::new(b.x + c.client_left() as f64, b.y + c.client_top() as f64, c.client_width() as f64, c.client_height() as f64)
}

/// Where the target can be seen: the viewport (`vp`) intersected with its clipping ancestors.
pub fn clip(vp: Rect, clippers: &[Element]) -> Rect {
    let mut r = vp;
    for c in clippers {
        match r.intersect(&padding_box(c, rect(c))) {
            Some(x) => r = x,
            None => return Rect::new(0.0, 0.0, 0.0, 0.0),
        }
    }
    r
}

/// Scrolls every scroll container (and the page) so the target is in view, centred, unless it
/// is already fully visible.
pub fn scroll_into_view(doc: &Document, e: &Element, clippers: &[Element], smooth: bool) {
    let r = rect(e);
    let c = clip(viewport(doc), clippers);
    let visible = c.intersect(&r).is_some_and(|v| (v.w - r.w).abs() < 1.0 && (v.h - r.h).abs() < 1.0);
    if visible {
        return;
    }
    let opts = ScrollIntoViewOptions::new();
    opts.set_block(ScrollLogicalPosition::Center);
    opts.set_inline(ScrollLogicalPosition::Nearest);
    opts.set_behavior(if smooth { ScrollBehavior::Smooth } else { ScrollBehavior::Instant });
    e.scroll_into_view_with_scroll_into_view_options(&opts);
}

/// How far a fixed or sticky element covers the top of the target (in px), if it does: the
/// page then scrolls by that much so the target sits below the header.
pub fn covered_by_header(doc: &Document, target: &Element, host: &Element) -> Option<f64> {
    let r = rect(target);
    let w = doc.default_view()?;
    let x = r.x + r.w / 2.0;
    let y = r.y + 2.0_f64.min(r.h / 2.0);
    let vp = viewport(doc);
    if x < 0.0 || y < 0.0 || x > vp.w || y > vp.h {
        return None;
    }
    let hits = doc.elements_from_point(x as f32, y as f32);
    for i in 0..hits.length() {
        let Some(hit) = hits.get(i).dyn_into::<Element>().ok() else { continue };
        if &hit == host || host.contains(Some(&hit)) {
            continue;
        }
        if &hit == target || target.contains(Some(&hit)) || hit.contains(Some(target)) {
            return None;
        }
        // Walk up to see whether this element is part of something fixed or sticky.
        let mut cur = Some(hit.clone());
        while let Some(a) = cur {
            if let Ok(Some(st)) = w.get_computed_style(&a) {
                let pos = st.get_property_value("position").unwrap_or_default();
                if pos == "fixed" || pos == "sticky" {
                    let cover = rect(&a);
                    let delta = cover.bottom() - r.y + 8.0;
                    return (delta > 0.0).then_some(delta);
                }
            }
            cur = a.parent_element();
        }
        return None;
    }
    None
}

/// The page's header bars, top down: the fixed or sticky element at the top centre of the
/// viewport, if it sits at the top, spans at least half the viewport's width and at most 40% of
/// its height (a fixed sidebar or a full-screen layer is not a header); and under it, another
/// such bar just below, and so on (a fixed announcement banner above the app's fixed or sticky
/// header). Found by walking down from the body through the elements whose box holds that
/// point, not by hit testing, which skips the `inert` page behind a modal step. When the top of
/// the page is something in the flow (an announcement banner above the app's header), the walk
/// is made again just below it, where a sticky header with a `top` waits to stick once the
/// banner scrolls away.
pub fn top_bar(doc: &Document, host: &Element) -> Vec<Element> {
    let mut stack = Vec::new();
    let (Some(w), Some(body)) = (doc.default_view(), doc.body()) else { return stack };
    let vp = viewport(doc);
    let x = vp.w / 2.0;
    let mut y = 1.0;
    'probe: for probe in 0..4 {
        let mut cur: Element = body.clone().into();
        let mut low = f64::INFINITY;
        for _ in 0..24 {
            let kids = cur.children();
            let mut next = None;
            // Later siblings are drawn over earlier ones.
            for i in (0..kids.length().min(400)).rev() {
                let Some(k) = kids.item(i).filter(|k| k != host) else { continue };
                let r = rect(&k);
                if !(r.x <= x && x < r.right() && r.y <= y && y < r.bottom()) {
                    continue;
                }
                let st = w.get_computed_style(&k).ok().flatten();
                let prop = |p: &str| st.as_ref().and_then(|st| st.get_property_value(p).ok()).unwrap_or_default();
                let pos = prop("position");
                if pos == "fixed" || (pos == "sticky" && (probe == 0 || prop("top").ends_with("px"))) {
                    // Below an in-flow box only a sticky header (a fixed one there is not at
                    // the top); below a bar, either.
                    if !(r.w >= vp.w / 2.0 && r.h <= vp.h * 0.4 && (probe == 0 || pos == "sticky" || !stack.is_empty())) {
                        return stack;
                    }
                    y = r.bottom() + 1.0;
                    stack.push(k);
                    continue 'probe;
                }
                if next.is_none() {
                    // The outermost box near the top (not the app's whole page).
                    if !(low < vp.h * 0.4) {
                        low = r.bottom();
                    }
                    next = Some(k);
                }
            }
            let Some(n) = next else { break };
            cur = n;
        }
        // Below the innermost in-flow box at the probe, if that is still near the top and no
        // bar was found above it.
        if !stack.is_empty() || !(low < vp.h * 0.4) {
            return stack;
        }
        y = low + 1.0;
    }
    stack
}

/// Scrolls the nearest scrollable ancestor of `e` (or the page) up by `delta` px, so content
/// moves down from under a header.
pub fn scroll_by(doc: &Document, clippers: &[Element], delta: f64) {
    for c in clippers {
        if c.scroll_height() > c.client_height() {
            c.set_scroll_top(c.scroll_top() - delta.round() as i32);
            return;
        }
    }
    if let Some(w) = doc.default_view() {
        w.scroll_by_with_x_and_y(0.0, -delta);
    }
}
