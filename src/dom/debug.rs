//! The debug overlay (`debug: true` or `?shirube_debug=1`): a panel listing every flow with
//! whether it shows now and why not, in words a CS person can act on (the failed condition,
//! the cap or snooze holding it, the selectors that match nothing on this page), plus who the
//! user is to Shirube (stage, milestones, language, spec revision). Rebuilt after every change.

use super::layout;
use super::mount::el;
use crate::core::engine::Engine;
use crate::core::model::Body;
use web_sys::{Document, Element};

fn add(parent: &Element, child: Option<Element>) {
    if let Some(c) = child {
        let _ = parent.append_child(&c);
    }
}

fn text(doc: &Document, tag: &str, class: &str, t: &str) -> Option<Element> {
    let e = el(doc, tag, class)?;
    e.set_text_content(Some(t));
    Some(e)
}

/// The selectors of a flow that match nothing on the page now.
fn missing(doc: &Document, engine: &Engine, flow: usize) -> Vec<String> {
    let Some(f) = engine.model.flows.get(flow) else { return Vec::new() };
    let lists: Vec<(String, Vec<String>)> = match &f.body {
        Body::Tour(t) => t.steps.iter().filter(|s| !s.target.is_empty() && s.page.as_deref().is_none_or(|g| crate::core::glob::matches(g, &engine.path, &engine.query))).map(|s| (format!("step `{}`", s.id), s.target.clone())).collect(),
        Body::Hint(h) => vec![("target".to_string(), h.target.clone())],
        _ => Vec::new(),
    };
    let mut out = Vec::new();
    for (what, sels) in lists {
        if layout::find(doc, &sels).is_none() {
            out.push(format!("{}: nothing on this page matches `{}`", what, sels.join("` or `")));
        }
    }
    if let Some(sel) = f.trigger.as_ref().and_then(|t| t.element.as_ref()) {
        if layout::find(doc, std::slice::from_ref(sel)).is_none() {
            out.push(format!("trigger: nothing on this page matches `{}`", sel));
        }
    }
    out
}

/// Builds (or rebuilds) the overlay inside `layer`. `open` keeps the panel expanded.
pub fn render(doc: &Document, layer: &Element, engine: &Engine, open: bool, delivery: Option<String>) -> Option<Element> {
    let panel = el(doc, "section", "debug")?;
    let _ = panel.set_attribute("aria-label", "Shirube debug");
    let _ = panel.set_attribute("part", "debug");
    let _ = panel.set_attribute("data-shirube-debug", "");
    let head = el(doc, "div", "debug-head")?;
    add(&head, text(doc, "strong", "", "Shirube debug"));
    let toggle = text(doc, "button", "debug-toggle", if open { "Hide" } else { "Show" })?;
    let _ = toggle.set_attribute("type", "button");
    let _ = toggle.set_attribute("data-shirube-debug-toggle", "");
    let _ = toggle.set_attribute("aria-expanded", if open { "true" } else { "false" });
    add(&head, Some(toggle));
    add(&panel, Some(head));
    if open {
        let stage = engine.stage().and_then(|s| engine.model.stages.get(s)).map(|s| s.id.as_str()).unwrap_or("none");
        let reached: Vec<&str> = engine.model.milestones.iter().enumerate().filter(|(i, _)| engine.reached().get(*i).copied().unwrap_or(false)).map(|(_, m)| m.id.as_str()).collect();
        let who = format!(
            "page {} · language {} · stage {} · milestones: {} · spec {}{}",
            engine.path,
            engine.locale,
            stage,
            if reached.is_empty() { "none".to_string() } else { reached.join(", ") },
            engine.model.product,
            if engine.model.revision.is_empty() { String::new() } else { format!(" ({})", engine.model.revision) }
        );
        add(&panel, text(doc, "p", "debug-who", &who));
        if let Some(d) = delivery {
            add(&panel, text(doc, "p", "debug-who", &d));
        }
        let list = el(doc, "ul", "debug-list")?;
        for st in engine.explain() {
            let Some(f) = engine.model.flows.get(st.flow) else { continue };
            let li = el(doc, "li", if st.showing { "on" } else if st.why.starts_with("waiting") || st.why.starts_with("ready") || st.why.starts_with("starting") { "wait" } else { "off" })?;
            let _ = li.set_attribute("data-flow", &f.id);
            add(&li, text(doc, "code", "", &format!("{} ({})", f.id, f.kind.as_str())));
            add(&li, text(doc, "span", "why", &st.why));
            for m in missing(doc, engine, st.flow) {
                add(&li, text(doc, "span", "why missing", &m));
            }
            let _ = list.append_child(&li);
        }
        add(&panel, Some(list));
    }
    let _ = layer.append_child(&panel);
    Some(panel)
}
