//! Spec text → `(Option<Model>, Vec<Diagnostic>)`. Parses, decodes the wire types, then checks
//! what only the whole document can tell: versions, duplicate ids, references to flows, steps,
//! milestones, audiences and stages that do not exist, cycles, texts missing in the default
//! locale, and flows that can never show. A model is returned only when there are no errors.
//!
//! It reports, it never fails: every input, however broken, yields diagnostics and no panic.

use crate::core::text::join;
use super::leaf::{Id, Ref, Text as WText};
use super::types::{self as w, Condition, FlowBody};
use super::wire::{Cx, Wire};
use crate::core::diagnostic::{did_you_mean, locate, Diagnostic, Severity};
use crate::core::json;
use crate::core::model::{self as m, Cond, Model};

/// The outcome of validating one spec.
#[derive(Clone, Debug)]
pub struct Validation {
    pub model: Option<Model>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Validation {
    pub fn ok(&self) -> bool {
        !self.diagnostics.iter().any(|d| d.severity == Severity::Error)
    }
}

/// Validates spec text.
pub fn validate(src: &str) -> Validation {
    let mut cx = Cx::new();
    let root = match json::parse(src) {
        Ok((root, issues)) => {
            for i in issues {
                cx.warn(i.at, "trailing-comma", i.message, Some("remove the comma".into()));
            }
            root
        }
        Err(issues) => {
            for i in issues {
                if i.fatal {
                    cx.error(i.at, "invalid-json", i.message, Some("the spec must be JSON; comments (// and /* */) are allowed".into()));
                } else {
                    cx.warn(i.at, "trailing-comma", i.message, Some("remove the comma".into()));
                }
            }
            let mut diagnostics = cx.diags;
            locate(src, &mut diagnostics);
            return Validation { model: None, diagnostics };
        }
    };
    let wire = w::Spec::decode(&root, &mut cx);
    let model = wire.and_then(|spec| Builder::new(&mut cx).build(&spec));
    let mut diagnostics = cx.diags;
    locate(src, &mut diagnostics);
    let ok = !diagnostics.iter().any(|d| d.severity == Severity::Error);
    Validation { model: if ok { model } else { None }, diagnostics }
}

/// Ids declared in the spec, for resolving references.
#[derive(Default)]
struct Ids {
    flows: Vec<String>,
    milestones: Vec<String>,
    stages: Vec<String>,
    audiences: Vec<String>,
    /// Step ids per flow index (empty for non-tours).
    steps: Vec<Vec<String>>,
}

struct Builder<'c> {
    cx: &'c mut Cx,
    ids: Ids,
    default_locale: String,
    supported: Vec<String>,
}

fn list_hint(kind: &str, ids: &[String], wanted: &str) -> String {
    if let Some(s) = did_you_mean(wanted, ids.iter().map(|s| s.as_str())) {
        return format!("did you mean `{}`?", s);
    }
    if ids.is_empty() {
        return format!("this spec declares no {}", kind);
    }
    let shown: Vec<&str> = ids.iter().take(8).map(|s| s.as_str()).collect();
    let more = if ids.len() > 8 { ", …" } else { "" };
    format!("{} in this spec: {}{}", kind, join(&shown, ", "), more)
}

impl<'c> Builder<'c> {
    fn new(cx: &'c mut Cx) -> Self {
        Builder { cx, ids: Ids::default(), default_locale: "en".into(), supported: vec!["en".into(), "ja".into()] }
    }

    fn error_at(&mut self, at: u32, ptr: &str, code: &'static str, message: String, hint: Option<String>) {
        self.report(Severity::Error, at, ptr, code, message, hint);
    }

    fn report(&mut self, severity: Severity, at: u32, ptr: &str, code: &'static str, message: String, hint: Option<String>) {
        self.cx.diags.push(Diagnostic { severity, code, path: ptr.to_string(), at, line: 0, column: 0, message, hint });
    }

    /// Resolves a reference. A missing target is a warning, not an error: the spec still runs
    /// and the reference is inert (`effect` says how), so one typo cannot take a whole
    /// onboarding program down. `--strict` in the CLI turns warnings into failures.
    fn resolve(&mut self, r: &Ref, which: Which, effect: &str) -> Option<usize> {
        let (list, code, noun, plural) = match which {
            Which::Flow => (&self.ids.flows, "unknown-flow", "flow", "flows"),
            Which::Milestone => (&self.ids.milestones, "unknown-milestone", "milestone", "milestones"),
            Which::Stage => (&self.ids.stages, "unknown-stage", "stage", "stages"),
            Which::Audience => (&self.ids.audiences, "unknown-audience", "audience", "audiences"),
        };
        if let Some(i) = list.iter().position(|x| *x == r.v) {
            return Some(i);
        }
        let hint = list_hint(plural, list, &r.v);
        let (at, ptr) = (r.at, r.ptr.clone());
        self.report(Severity::Warning, at, &ptr, code, format!("there is no {} with the id `{}`, so {}", noun, r.v, effect), Some(hint));
        None
    }

    fn collect_ids<T>(&mut self, items: &[T], get: impl Fn(&T) -> Option<&Id>, what: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for it in items {
            if let Some(id) = get(it) {
                if out.contains(&id.v) {
                    let (at, ptr, v) = (id.at, id.ptr.clone(), id.v.clone());
                    self.error_at(at, &ptr, "duplicate-id", format!("two {} have the id `{}`", what, v), Some("ids must be unique; rename one of them".into()));
                }
                // Keep positions aligned with `items` so indices match; a missing id is "".
                out.push(id.v.clone());
            } else {
                out.push(String::new());
            }
        }
        out
    }

    fn build(mut self, s: &w::Spec) -> Option<Model> {
        if let Some(v) = &s.version {
            if v.v != 1 {
                let (at, ptr) = (v.at, v.ptr.clone());
                self.error_at(at, &ptr, "unsupported-version", format!("spec version {} is not supported", v.v), Some("this version of Shirube reads version 1; set \"version\": 1".into()));
            }
        }
        // Locales first: every text is checked against them.
        if let Some(l) = &s.locales {
            if let Some(d) = &l.default {
                self.default_locale = d.0.v.clone();
            }
            match &l.supported {
                Some(sup) => {
                    self.supported = sup.iter().map(|x| x.0.v.clone()).collect();
                    if !self.supported.contains(&self.default_locale) {
                        if let Some(d) = &l.default {
                            let (at, ptr, v) = (d.0.at, d.0.ptr.clone(), d.0.v.clone());
                            self.report(Severity::Warning, at, &ptr, "unsupported-locale", format!("the default locale `{}` is not in `supported`", v), Some("add it to the supported list".into()));
                        }
                        self.supported.insert(0, self.default_locale.clone());
                    }
                }
                None => {
                    if !self.supported.contains(&self.default_locale) {
                        self.supported.insert(0, self.default_locale.clone());
                    }
                }
            }
        }

        let milestones: &[w::Milestone] = s.milestones.as_deref().unwrap_or(&[]);
        let stages: &[w::Stage] = s.stages.as_deref().unwrap_or(&[]);
        let flows: &[w::Flow] = s.flows.as_deref().unwrap_or(&[]);
        let audiences: &[(Ref, Condition)] = s.audiences.as_ref().map(|a| a.0.as_slice()).unwrap_or(&[]);

        self.ids.milestones = self.collect_ids(milestones, |x| x.id.as_ref(), "milestones");
        self.ids.stages = self.collect_ids(stages, |x| x.id.as_ref(), "stages");
        self.ids.flows = self.collect_ids(flows, |x| x.common.id.as_ref(), "flows");
        self.ids.audiences = audiences.iter().map(|(k, _)| k.v.clone()).collect();
        for f in flows {
            let steps = match &f.body {
                FlowBody::Tour(t) => {
                    let steps: &[w::Step] = t.steps.as_ref().map(|s| s.v.as_slice()).unwrap_or(&[]);
                    self.collect_ids(steps, |x| x.id.as_ref(), "steps of this tour")
                }
                _ => Vec::new(),
            };
            self.ids.steps.push(steps);
        }

        // Milestones.
        let mut ms_model = Vec::new();
        for (i, mi) in milestones.iter().enumerate() {
            let when = mi.when.as_ref().and_then(|wh| self.milestone_when(wh));
            let label = mi.label.as_ref().map(|t| self.text(t));
            ms_model.push(m::Milestone { id: self.ids.milestones.get(i).cloned().unwrap_or_default(), label, when: when.unwrap_or(m::MilestoneWhen::Milestones(vec![])) });
        }
        self.milestone_cycles(&ms_model, milestones);

        // Stages.
        let mut st_model = Vec::new();
        for (i, st) in stages.iter().enumerate() {
            let mut requires = Vec::new();
            let mut reachable = true;
            for r in st.when.as_ref().and_then(|w| w.milestones.as_ref()).map(|v| v.as_slice()).unwrap_or(&[]) {
                match self.resolve(r, Which::Milestone, "no user can reach this stage") {
                    Some(i) => requires.push(i),
                    None => reachable = false,
                }
            }
            let label = st.label.as_ref().map(|t| self.text(t));
            st_model.push(m::Stage { id: self.ids.stages.get(i).cloned().unwrap_or_default(), label, requires, reachable });
        }

        // Audiences, then their cycles.
        let mut aud_model = Vec::new();
        for (k, c) in audiences {
            let compiled = self.cond(c).unwrap_or(Cond::All(vec![]));
            aud_model.push((k.v.clone(), compiled));
        }
        self.audience_cycles(&aud_model, audiences);

        // Flows.
        let mut fl_model = Vec::new();
        for (i, f) in flows.iter().enumerate() {
            if let Some(fm) = self.flow(f, i) {
                fl_model.push(fm);
            }
        }

        let no_theme = w::Theme::default();
        let theme = s.theme.as_ref().unwrap_or(&no_theme);
        let model = Model {
            product: s.product.as_ref().map(|p| p.v.clone()).unwrap_or_default(),
            revision: s.revision.clone().unwrap_or_default(),
            default_locale: self.default_locale.clone(),
            supported: self.supported.clone(),
            theme: m::Theme {
                accent: theme.accent.as_ref().map(|c| c.0.clone()).unwrap_or_else(|| "#2563eb".into()),
                radius: theme.radius.unwrap_or(8),
                font: theme.font.clone(),
                mode: theme.mode.unwrap_or(w::ThemeMode::Auto),
            },
            milestones: ms_model,
            stages: st_model,
            audiences: aud_model,
            flows: fl_model,
            daily_cap: s.daily_cap.map(|c| c.0),
        };
        if self.cx.has_errors() {
            return None;
        }
        self.never_shows(&model, flows);
        Some(model)
    }

    fn milestone_when(&mut self, sp: &super::wire::Sp<w::MilestoneWhen>) -> Option<m::MilestoneWhen> {
        let wh = &sp.v;
        let n = usize::from(wh.event.is_some()) + usize::from(wh.flow_completed.is_some()) + usize::from(wh.milestones.is_some());
        let (at, ptr) = (sp.at, sp.ptr.clone());
        if n != 1 {
            let msg = if n == 0 { "a milestone's `when` needs one of event, flowCompleted, milestones" } else { "a milestone's `when` takes only one of event, flowCompleted, milestones" };
            self.error_at(at, &ptr, "invalid-milestone", msg.into(), Some("for example {\"event\": \"project_created\"} or {\"event\": \"member_invited\", \"count\": 3}".into()));
            return None;
        }
        if wh.count.is_some() && wh.event.is_none() {
            self.report(Severity::Warning, at, &ptr, "unused-key", "`count` only applies to `event`".into(), Some("remove `count`".into()));
        }
        if let Some(ev) = &wh.event {
            if ev.trim().is_empty() {
                self.error_at(at, &ptr, "invalid-event", "the event name is empty".into(), None);
            }
            return Some(m::MilestoneWhen::Event { name: ev.clone(), count: wh.count.map(|c| c.0).unwrap_or(1) });
        }
        if let Some(f) = &wh.flow_completed {
            return Some(self.resolve(f, Which::Flow, "this milestone can never be reached").map(m::MilestoneWhen::FlowCompleted).unwrap_or(m::MilestoneWhen::Never));
        }
        let list = wh.milestones.as_ref()?;
        let mut out = Vec::new();
        for r in list {
            match self.resolve(r, Which::Milestone, "this milestone can never be reached") {
                Some(i) => out.push(i),
                None => return Some(m::MilestoneWhen::Never),
            }
        }
        Some(m::MilestoneWhen::Milestones(out))
    }

    fn milestone_cycles(&mut self, ms: &[m::Milestone], wire: &[w::Milestone]) {
        let edges: Vec<Vec<usize>> = ms.iter().map(|m| if let m::MilestoneWhen::Milestones(v) = &m.when { v.clone() } else { vec![] }).collect();
        for start in cycles(&edges) {
            let path: Vec<&str> = start.iter().filter_map(|i| ms.get(*i).map(|m| m.id.as_str())).collect();
            if let Some(id) = start.first().and_then(|i| wire.get(*i)).and_then(|m| m.id.as_ref()) {
                let (at, ptr) = (id.at, id.ptr.clone());
                self.error_at(at, &ptr, "milestone-cycle", format!("milestones depend on each other in a circle: {} → {}", join(&path, " → "), path.first().unwrap_or(&"")), Some("a milestone made of milestones cannot include itself".into()));
            }
        }
    }

    fn audience_cycles(&mut self, aud: &[(String, Cond)], wire: &[(Ref, Condition)]) {
        fn refs(c: &Cond, out: &mut Vec<usize>) {
            match c {
                Cond::All(v) | Cond::Any(v) => v.iter().for_each(|c| refs(c, out)),
                Cond::Not(c) => refs(c, out),
                Cond::Audience(i) => out.push(*i),
                _ => {}
            }
        }
        let edges: Vec<Vec<usize>> = aud
            .iter()
            .map(|(_, c)| {
                let mut v = Vec::new();
                refs(c, &mut v);
                v
            })
            .collect();
        for cyc in cycles(&edges) {
            let path: Vec<&str> = cyc.iter().filter_map(|i| aud.get(*i).map(|a| a.0.as_str())).collect();
            if let Some((k, _)) = cyc.first().and_then(|i| wire.get(*i)) {
                let (at, ptr) = (k.at, k.ptr.clone());
                self.error_at(at, &ptr, "audience-cycle", format!("audiences refer to each other in a circle: {} → {}", join(&path, " → "), path.first().unwrap_or(&"")), Some("an audience cannot include itself, directly or through others".into()));
            }
        }
    }

    /// Converts text, checking the default locale is present and every locale is supported.
    fn text(&mut self, t: &WText) -> m::Text {
        let mut out = Vec::new();
        for (l, s, at) in &t.by_locale {
            let loc = if l.is_empty() { self.default_locale.clone() } else { l.clone() };
            if !self.supported.contains(&loc) {
                let ptr = format!("{}/{}", t.ptr, l);
                self.report(
                    Severity::Warning,
                    *at,
                    &ptr,
                    "unsupported-locale",
                    format!("text in `{}`, which is not in locales.supported", loc),
                    Some(format!("add \"{}\" to locales.supported, or remove this text (supported: {})", loc, join(&self.supported, ", "))),
                );
            }
            out.push((loc, s.clone()));
        }
        if !out.iter().any(|(l, _)| *l == self.default_locale) {
            let has: Vec<&str> = out.iter().map(|(l, _)| l.as_str()).collect();
            let (at, ptr) = (t.at, t.ptr.clone());
            self.error_at(
                at,
                &ptr,
                "missing-default-locale",
                format!("this text has no `{}` version, the default locale", self.default_locale),
                Some(if has.is_empty() { "add the text".into() } else { format!("it has {}; users in other languages would see nothing", join(&has, ", ")) }),
            );
        }
        m::Text(out)
    }

    fn opt_text(&mut self, t: &Option<WText>) -> Option<m::Text> {
        t.as_ref().map(|t| self.text(t))
    }

    fn cond(&mut self, c: &Condition) -> Option<Cond> {
        Some(match c {
            Condition::All(v, _) => Cond::All(v.iter().filter_map(|c| self.cond(c)).collect()),
            Condition::Any(v, _) => Cond::Any(v.iter().filter_map(|c| self.cond(c)).collect()),
            Condition::Not(c, _) => Cond::Not(Box::new(self.cond(c)?)),
            Condition::Trait { name, op, value, .. } => Cond::Trait { name: name.clone(), op: *op, value: value.v.clone() },
            Condition::Stage { cmp, stage } => match self.resolve(stage, Which::Stage, NEVER) {
                Some(i) => Cond::Stage { cmp: *cmp, stage: i },
                None => Cond::Missing,
            },
            Condition::Milestone(r) => self.resolve(r, Which::Milestone, NEVER).map(Cond::Milestone).unwrap_or(Cond::Missing),
            Condition::Flow { state, flow } => match self.resolve(flow, Which::Flow, NEVER) {
                Some(i) => Cond::Flow { state: *state, flow: i },
                None => Cond::Missing,
            },
            Condition::Page(g) => Cond::Page(g.0.v.clone()),
            Condition::Locale(ls) => {
                for l in ls {
                    if !self.supported.contains(&l.0.v) {
                        let (at, ptr, v) = (l.0.at, l.0.ptr.clone(), l.0.v.clone());
                        self.report(Severity::Warning, at, &ptr, "unsupported-locale", format!("`{}` is not in locales.supported, so no user has it", v), Some(format!("supported: {}", join(&self.supported, ", "))));
                    }
                }
                Cond::Locale(ls.iter().map(|l| l.0.v.clone()).collect())
            }
            Condition::Audience(r) => self.resolve(r, Which::Audience, NEVER).map(Cond::Audience).unwrap_or(Cond::Missing),
        })
    }

    fn action(&mut self, a: &w::Action, tour: Option<usize>) -> Option<m::Action> {
        Some(match a {
            w::Action::Next => m::Action::Next,
            w::Action::Back => m::Action::Back,
            w::Action::Dismiss => m::Action::Dismiss,
            w::Action::Complete => m::Action::Complete,
            w::Action::StartFlow { flow, at_step } => {
                let Some(fi) = self.resolve(flow, Which::Flow, "the button will only close what is showing") else { return Some(m::Action::Complete) };
                let step = match at_step {
                    Some(s) => self.step_ref(fi, s, "the tour starts at its first step"),
                    None => None,
                };
                m::Action::StartFlow { flow: fi, step }
            }
            w::Action::GoTo(s) => match tour {
                Some(t) => match self.step_ref(t, s, "the button goes to the next step") {
                    Some(i) => m::Action::GoTo(i),
                    None => m::Action::Next,
                },
                None => {
                    self.error_at(s.at, &s.ptr, "invalid-action", "`goTo` works only on a button inside a tour step".into(), Some("use {\"startFlow\": \"tour-id\", \"atStep\": \"step-id\"} elsewhere".into()));
                    return None;
                }
            },
            w::Action::Navigate(l) => m::Action::Navigate(l.0.v.clone()),
            w::Action::OpenUrl { url, new_tab } => m::Action::OpenUrl { url: url.0.v.clone(), new_tab: *new_tab },
            w::Action::Track { event, properties } => m::Action::Track { event: event.clone(), properties: properties.as_ref().map(|p| p.v.clone()) },
            w::Action::Call(name) => m::Action::Call(name.v.clone()),
        })
    }

    fn step_ref(&mut self, flow: usize, s: &Ref, effect: &str) -> Option<usize> {
        let steps = self.ids.steps.get(flow).cloned().unwrap_or_default();
        if let Some(i) = steps.iter().position(|x| *x == s.v) {
            return Some(i);
        }
        let fid = self.ids.flows.get(flow).cloned().unwrap_or_default();
        let hint = if steps.is_empty() { format!("`{}` is not a tour, so it has no steps", fid) } else { list_hint("steps", &steps, &s.v) };
        let (at, ptr) = (s.at, s.ptr.clone());
        self.report(Severity::Warning, at, &ptr, "unknown-step", format!("the flow `{}` has no step `{}`, so {}", fid, s.v, effect), Some(hint));
        None
    }

    fn cta(&mut self, c: &w::Cta, tour: Option<usize>) -> Option<m::Cta> {
        let label = self.text(c.label.as_ref()?);
        let action = self.action(c.action.as_ref()?, tour)?;
        Some(m::Cta { label, action })
    }

    fn flow(&mut self, f: &w::Flow, index: usize) -> Option<m::Flow> {
        let c = &f.common;
        let id = c.id.as_ref()?.v.clone();
        let audience = c.audience.as_ref().and_then(|a| self.cond(a));
        let trigger = c.trigger.as_ref().map(|sp| {
            let t = &sp.v;
            let inner_problem = self.cx.diags.iter().any(|d| d.path.starts_with(&sp.ptr));
            if t.page.is_none() && t.event.is_none() && t.element.is_none() && t.delay_ms.is_none() && !inner_problem {
                self.error_at(sp.at, &sp.ptr, "empty-trigger", "the trigger is empty".into(), Some("give page, event, element or delayMs, or remove `trigger` to start the flow only from code".into()));
            }
            m::Trigger { page: t.page.as_ref().map(|g| g.0.v.clone()), event: t.event.clone(), element: t.element.as_ref().map(|s| s.0.v.clone()), delay_ms: t.delay_ms.unwrap_or(0) }
        });
        let frequency = match &c.frequency {
            None => m::Frequency { once: true, every_ms: None, max_times: None, until_completed: false },
            Some(sp) => {
                let fr = &sp.v;
                let others = fr.every.is_some() || fr.max_times.is_some() || fr.until_completed == Some(true);
                if fr.once == Some(true) && others {
                    self.error_at(sp.at, &sp.ptr, "conflicting-keys", "`once: true` cannot be combined with every, maxTimes or untilCompleted".into(), Some("remove `once`".into()));
                }
                m::Frequency {
                    once: fr.once.unwrap_or(!others),
                    every_ms: fr.every.map(|d| d.0),
                    max_times: fr.max_times.map(|c| c.0),
                    until_completed: fr.until_completed.unwrap_or(false),
                }
            }
        };
        let body = match &f.body {
            FlowBody::Tour(t) => {
                let steps: &[w::Step] = t.steps.as_ref().map(|s| s.v.as_slice()).unwrap_or(&[]);
                if let Some(sp) = t.steps.as_ref().filter(|s| s.v.is_empty()) {
                    self.error_at(sp.at, &sp.ptr, "empty-list", "the tour has no steps".into(), Some("add at least one step".into()));
                }
                let mut out = Vec::new();
                for s in steps {
                    let no_rule = w::Advance::default();
                    let adv = s.advance.as_ref().unwrap_or(&no_rule);
                    out.push(m::Step {
                        id: s.id.as_ref().map(|i| i.v.clone()).unwrap_or_default(),
                        target: s.target.as_ref().map(|t| t.0.iter().map(|s| s.0.v.clone()).collect()).unwrap_or_default(),
                        placement: s.placement.unwrap_or(w::Placement::Bottom),
                        title: self.opt_text(&s.title),
                        body: self.opt_text(&s.body),
                        advance: m::Advance { event: adv.event.clone(), click: adv.click.unwrap_or(false), page: adv.page.as_ref().map(|g| g.0.v.clone()) },
                        if_missing: s.if_missing.unwrap_or(w::IfMissing::Wait),
                        wait_ms: s.wait_ms.unwrap_or(5000),
                        page: s.page.as_ref().map(|g| g.0.v.clone()),
                        offset: s.offset.unwrap_or(10),
                        padding: s.padding.unwrap_or(6),
                        cta: s.cta.as_ref().and_then(|c| self.cta(c, Some(index))),
                    });
                }
                m::Body::Tour(m::Tour { steps: out, overlay: t.overlay.unwrap_or(true), show_progress: t.show_progress.unwrap_or(true), dismissible: t.dismissible.unwrap_or(true) })
            }
            FlowBody::Hint(h) => m::Body::Hint(m::Hint {
                target: h.target.as_ref().map(|t| t.0.iter().map(|s| s.0.v.clone()).collect()).unwrap_or_default(),
                title: self.opt_text(&h.title),
                body: self.opt_text(&h.body).unwrap_or_default(),
                placement: h.placement.unwrap_or(w::Placement::Right),
            }),
            FlowBody::Announcement(a) => m::Body::Announcement(m::Announcement {
                style: a.style.unwrap_or(w::AnnouncementStyle::Modal),
                title: self.opt_text(&a.title),
                body: self.opt_text(&a.body).unwrap_or_default(),
                cta: a.cta.as_ref().and_then(|c| self.cta(c, None)),
                dismissible: a.dismissible.unwrap_or(true),
            }),
            FlowBody::Checklist(cl) => {
                let items: &[w::ChecklistItem] = cl.items.as_ref().map(|s| s.v.as_slice()).unwrap_or(&[]);
                if let Some(sp) = cl.items.as_ref().filter(|s| s.v.is_empty()) {
                    self.error_at(sp.at, &sp.ptr, "empty-list", "the checklist has no items".into(), Some("add at least one item".into()));
                }
                let _ = self.collect_ids(items, |x| x.id.as_ref(), "items of this checklist");
                let mut out = Vec::new();
                for it in items {
                    let label = self.opt_text(&it.label).unwrap_or_default();
                    let description = self.opt_text(&it.description);
                    let done = it.done.as_ref().and_then(|d| self.cond(d)).unwrap_or(Cond::Any(vec![]));
                    let action = it.action.as_ref().and_then(|a| self.action(a, None));
                    out.push(m::ChecklistItem { id: it.id.as_ref().map(|i| i.v.clone()).unwrap_or_default(), label, description, done, action });
                }
                m::Body::Checklist(m::Checklist { title: self.opt_text(&cl.title).unwrap_or_default(), description: self.opt_text(&cl.description), items: out, dismissible: cl.dismissible.unwrap_or(true) })
            }
            FlowBody::Survey(sv) => m::Body::Survey(m::Survey {
                scale: sv.scale.unwrap_or(w::Scale::Nps),
                question: self.opt_text(&sv.question).unwrap_or_default(),
                follow_up: self.opt_text(&sv.follow_up),
                thanks: self.opt_text(&sv.thanks),
            }),
        };
        Some(m::Flow {
            name: c.name.clone().unwrap_or_else(|| id.clone()),
            id,
            kind: f.kind(),
            audience,
            trigger,
            frequency,
            priority: c.priority.unwrap_or(0),
            sample: c.sample.map(|s| s.0).unwrap_or(1.0),
            snooze_ms: c.snooze.map(|d| d.0),
            enabled: c.enabled.unwrap_or(true),
            body,
        })
    }

    /// Warns about flows that can never show to anyone, saying why.
    fn never_shows(&mut self, model: &Model, wire: &[w::Flow]) {
        for (fi, f) in model.flows.iter().enumerate() {
            let Some(wf) = wire.iter().find(|w| w.common.id.as_ref().map(|i| i.v.as_str()) == Some(f.id.as_str())) else { continue };
            let reason = if f.sample == 0.0 {
                Some("its `sample` is 0, so no user is ever in the sample".to_string())
            } else {
                f.audience.as_ref().and_then(|a| never(a, model, fi, f.frequency.once, 0))
            };
            if let Some(r) = reason {
                let (at, ptr) = (wf.at, wf.ptr.clone());
                self.report(Severity::Warning, at, &ptr, "never-shows", format!("the flow `{}` can never show: {}", f.id, r), Some("check its audience and sample".into()));
            }
        }
    }
}

const NEVER: &str = "this condition never holds";

#[derive(Clone, Copy)]
enum Which {
    Flow,
    Milestone,
    Stage,
    Audience,
}

/// Why `c` can never hold, if that can be seen without knowing the user.
fn never(c: &Cond, model: &Model, flow: usize, once: bool, depth: u8) -> Option<String> {
    if depth > 16 {
        return None;
    }
    match c {
        Cond::Any(v) if v.is_empty() => Some("its audience has `any: []`, which never holds".into()),
        Cond::Any(v) => {
            let reasons: Vec<String> = v.iter().filter_map(|c| never(c, model, flow, once, depth + 1)).collect();
            (reasons.len() == v.len()).then(|| join(&reasons, "; and "))
        }
        Cond::All(v) => {
            if let Some(r) = v.iter().find_map(|c| never(c, model, flow, once, depth + 1)) {
                return Some(r);
            }
            contradiction(v, model)
        }
        Cond::Not(inner) => match inner.as_ref() {
            Cond::All(v) if v.is_empty() => Some("its audience is `not: {all: []}`, which never holds".into()),
            _ => None,
        },
        Cond::Stage { cmp: w::StageCmp::Before, stage: 0 } => {
            Some(format!("no stage comes before `{}`, the first stage", model.stages.first().map(|s| s.id.as_str()).unwrap_or("")))
        }
        Cond::Stage { cmp: w::StageCmp::Is, stage } if model.stages.get(*stage).is_some_and(|s| !s.reachable) => {
            Some(format!("no user can reach the stage `{}`", model.stages.get(*stage).map(|s| s.id.as_str()).unwrap_or("")))
        }
        Cond::Stage { cmp: w::StageCmp::AtLeast, stage } if model.stages.iter().skip(*stage).all(|s| !s.reachable) => {
            Some(format!("no user can reach the stage `{}` or a later one", model.stages.get(*stage).map(|s| s.id.as_str()).unwrap_or("")))
        }
        Cond::Flow { state: w::FlowState::Completed | w::FlowState::Seen | w::FlowState::Dismissed, flow: f } if *f == flow && once => {
            Some("it requires its own earlier showing, but it shows only once".into())
        }
        Cond::Locale(ls) if !ls.iter().any(|l| model.supported.contains(l)) => Some(format!("the locale {} is not supported, so no user has it", join(ls, ", "))),
        Cond::Audience(i) => model.audiences.get(*i).and_then(|(_, c)| never(c, model, flow, once, depth + 1)),
        _ => None,
    }
}

/// Two conditions in one `all` that cannot both hold.
fn contradiction(v: &[Cond], model: &Model) -> Option<String> {
    let stage_name = |i: usize| model.stages.get(i).map(|s| s.id.clone()).unwrap_or_default();
    for (i, a) in v.iter().enumerate() {
        for b in v.iter().skip(i + 1) {
            match (a, b) {
                (Cond::Stage { cmp: w::StageCmp::Is, stage: x }, Cond::Stage { cmp: w::StageCmp::Is, stage: y }) if x != y => {
                    return Some(format!("it requires the stage to be both `{}` and `{}`", stage_name(*x), stage_name(*y)))
                }
                (Cond::Milestone(x), Cond::Not(n)) | (Cond::Not(n), Cond::Milestone(x)) if matches!(n.as_ref(), Cond::Milestone(y) if y == x) => {
                    return Some(format!("it requires the milestone `{}` both reached and not reached", model.milestones.get(*x).map(|m| m.id.as_str()).unwrap_or("")))
                }
                (Cond::Trait { name: n1, op: w::TraitOp::Eq, value: v1 }, Cond::Trait { name: n2, op: w::TraitOp::Eq, value: v2 }) if n1 == n2 && v1 != v2 => {
                    return Some(format!("it requires the trait `{}` to equal two different values", n1))
                }
                _ => {}
            }
        }
    }
    None
}

/// Every cycle in a directed graph given as adjacency lists, each reported once, as the list
/// of nodes starting from its smallest index.
fn cycles(edges: &[Vec<usize>]) -> Vec<Vec<usize>> {
    let n = edges.len();
    let mut out: Vec<Vec<usize>> = Vec::new();
    // 0 = unvisited, 1 = on stack, 2 = done.
    let mut state = vec![0u8; n];
    let mut stack: Vec<usize> = Vec::new();
    fn dfs(u: usize, edges: &[Vec<usize>], state: &mut [u8], stack: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
        if let Some(s) = state.get_mut(u) {
            *s = 1;
        }
        stack.push(u);
        for &v in edges.get(u).map(|e| e.as_slice()).unwrap_or(&[]) {
            match state.get(v) {
                Some(0) => dfs(v, edges, state, stack, out),
                Some(1) => {
                    if let Some(pos) = stack.iter().position(|x| *x == v) {
                        let mut cyc: Vec<usize> = stack.get(pos..).map(|s| s.to_vec()).unwrap_or_default();
                        if let Some(min_pos) = cyc.iter().enumerate().min_by_key(|(_, x)| **x).map(|(i, _)| i) {
                            cyc.rotate_left(min_pos);
                        }
                        if !out.contains(&cyc) {
                            out.push(cyc);
                        }
                    }
                }
                _ => {}
            }
        }
        stack.pop();
        if let Some(s) = state.get_mut(u) {
            *s = 2;
        }
    }
    for u in 0..n {
        if state.get(u) == Some(&0) {
            dfs(u, edges, &mut state, &mut stack, &mut out);
        }
    }
    out
}


#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cycle_finder() {
        assert_eq!(cycles(&[vec![1], vec![2], vec![0]]), vec![vec![0, 1, 2]]);
        assert_eq!(cycles(&[vec![0]]), vec![vec![0]]);
        assert!(cycles(&[vec![1], vec![], vec![0, 1]]).is_empty());
    }
}
