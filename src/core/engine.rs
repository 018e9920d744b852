//! The engine: everything Shirube decides at run time, as a pure state machine. It owns the
//! model, the user's progress and the flows in progress, takes [`Input`]s (a page view, a
//! tracked event, a click on Next, a target found or missing, a timer) with the current time,
//! and returns [`Effect`]s for the shell to carry out (show or hide a flow, look for a target,
//! set a timer, record an event, save progress, navigate). It never touches the browser, a
//! clock or randomness, so every behaviour is tested natively with a fake clock.
//!
//! Scheduling: a flow starts when its trigger fires (page view, tracked event, element
//! appearing, delay elapsed) and it is eligible (enabled, audience, sample, frequency, snooze,
//! daily cap). Only one blocking flow (tour, survey, modal announcement) shows at a time, chosen
//! by priority; others triggered meanwhile wait in `pending` and start when it ends.

use crate::core::text::join;
use crate::core::condition::{self, Facts, FlowFacts};
use crate::core::event::Event;
use crate::core::json::{Json, Key, Node};
use crate::core::model::{Action, Body, Model, MilestoneWhen};
use crate::core::progress::{Progress, RunRecord};
use crate::core::spec::types::{FlowKind, IfMissing};
use crate::core::{glob, time};

/// A run still active after a reload resumes only within this time.
pub const RESUME_WINDOW_MS: f64 = 60.0 * 60.0 * 1000.0;
/// How long a checklist shows its "all done" state, and a survey its thanks, before closing.
pub const CELEBRATE_MS: u32 = 4000;
pub const THANKS_MS: u32 = 2500;

/// How a flow was closed without being completed (the `via` property of `flow_dismissed`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Via {
    Close,
    Escape,
    Overlay,
    Action,
    TargetMissing,
    Replaced,
}

impl Via {
    pub fn as_str(self) -> &'static str {
        match self {
            Via::Close => "close",
            Via::Escape => "escape",
            Via::Overlay => "overlay",
            Via::Action => "action",
            Via::TargetMissing => "target_missing",
            Via::Replaced => "replaced",
        }
    }
}

/// What the user did in a flow's UI.
#[derive(Clone, Debug, PartialEq)]
pub enum Ui {
    Next,
    Back,
    Dismiss(Via),
    /// The step's or announcement's extra button.
    Cta,
    /// Open or close a hint's tooltip.
    Open,
    Close,
    /// Show or minimize a checklist's panel.
    Toggle,
    /// Click on a checklist item.
    Item(usize),
    /// A survey score, then optionally a comment.
    Score(u32),
    Submit(Option<String>),
}

/// What the shell found about a step's or hint's target.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Target {
    Found,
    /// Not on the page right now.
    Absent,
    /// Still absent after waiting this many ms.
    Timeout(f64),
    /// It was shown and has gone.
    Lost,
    /// On the page but out of sight, where no scrolling can bring it: off the page's edge (a
    /// closed drawer), in a collapsed container, `visibility: hidden`, `opacity: 0`. Treated as absent (the
    /// step's `ifMissing` applies), and reported as `hidden`.
    Hidden,
    /// The user clicked it.
    Clicked,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Input {
    /// The SDK is ready and the page is `path`: resume flows in progress, fire page triggers.
    Load { path: String, query: String },
    PageView { path: String, query: String },
    Track { name: String, properties: Json },
    Traits(Json),
    /// An element trigger's selector matches (or no longer matches) something on the page.
    Element { flow: usize, present: bool },
    Target { flow: usize, step: usize, what: Target },
    Timer(u32),
    Ui { flow: usize, action: Ui },
    /// The host asked: `sb.start(id)` (optionally at a step).
    Start { flow: usize, step: Option<usize> },
    /// `sb.next()`, `sb.back()`, `sb.dismiss()` apply to the blocking flow on screen.
    Current(Ui),
    /// Progress changed elsewhere (another tab, the collector): merge it.
    Progress(Progress),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    /// Render (or re-render) the flow from [`Engine::view`].
    Show { flow: usize },
    Hide { flow: usize },
    /// Look for the step's target now; answer with `Input::Target` Found or Absent.
    Locate { flow: usize, step: usize },
    /// Watch for the target to appear; answer Found, or Timeout after `ms`.
    Wait { flow: usize, step: usize, ms: u32 },
    /// Watch these selectors for element triggers; answer with `Input::Element`.
    WatchElements(Vec<(usize, String)>),
    SetTimer { id: u32, ms: u32 },
    CancelTimer { id: u32 },
    Emit(Event),
    /// Progress changed: save it.
    Persist,
    /// Text for the screen-reader live region.
    Announce(String),
    Navigate(String),
    OpenUrl { url: String, new_tab: bool },
    /// Call the host's handler registered with `registerAction(name, fn)`.
    Call(String),
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Phase {
    /// Waiting for the shell to say whether the target is there.
    Locate,
    /// Watching for a late target since this time.
    Wait(f64),
    /// The step belongs to another page; waiting for navigation.
    WaitPage,
    /// On screen; `centered` when shown without its target.
    Shown { centered: bool },
    /// A hint's beacon (closed) or tooltip (open).
    Beacon { open: bool },
    /// A checklist's launcher with its panel open or minimized.
    Panel { open: bool },
    /// A checklist whose items are all done, showing its congratulations.
    Celebrate,
    /// A survey asking for a score, then for a comment, then thanking.
    Ask,
    Comment(u32),
    Thanks(u32),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Run {
    pub flow: usize,
    pub step: usize,
    pub phase: Phase,
    pub started_at: f64,
    pub step_at: f64,
    /// `step_viewed` was reported for the current step.
    pub viewed: bool,
    pub trigger: &'static str,
    /// A timer this run owns (target wait, thanks, celebration).
    pub timer: Option<u32>,
    /// The step's target was last seen on the page but out of sight (`Target::Hidden`), not
    /// absent: said by `target_missing` and the debug overlay.
    pub hidden: bool,
}

/// Why a flow is or is not showing, for debug mode.
#[derive(Clone, Debug, PartialEq)]
pub struct Status {
    pub flow: usize,
    pub showing: bool,
    /// A sentence a CS person can act on.
    pub why: String,
}

#[derive(Clone, Debug, PartialEq)]
enum Occasion {
    Load,
    Page,
    Event(String),
    Element(usize),
    Delay(usize),
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum TimerFor {
    /// A trigger's `delayMs` for this flow.
    Delay(usize),
    /// A run's own timer.
    Run(usize),
}

/// Who the user is, as far as the engine needs to know.
#[derive(Clone, Debug, PartialEq)]
pub struct User {
    /// Stable key for sampling: the user id, or the anonymous id.
    pub key: String,
    /// This browser profile, for per-device counters.
    pub device: String,
    pub traits: Json,
}

pub struct Engine {
    pub model: Model,
    pub progress: Progress,
    pub user: User,
    pub locale: String,
    pub path: String,
    pub query: String,
    now: f64,
    reached: Vec<bool>,
    flow_facts: Vec<FlowFacts>,
    stage: Option<usize>,
    runs: Vec<Run>,
    pending: Vec<usize>,
    present: Vec<bool>,
    timers: Vec<(u32, TimerFor)>,
    next_timer: u32,
    loaded: bool,
    changed: bool,
}

/// FNV-1a: a stable hash for sampling, identical on every platform and release.
/// Why a flow may not show now (see `Engine::blocker`).
#[derive(Clone, Copy, Debug, PartialEq)]
enum Blocker {
    Unknown,
    Disabled,
    Audience,
    Sample(f64),
    Once,
    Completed,
    MaxTimes(u32, u32),
    Every(f64),
    Snoozed,
    DailyCap(u32),
}

pub fn hash01(text: &str) -> f64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    // Top 53 bits → [0, 1).
    (h >> 11) as f64 / (1u64 << 53) as f64
}

fn obj(pairs: Vec<(&str, Json)>) -> Json {
    Json::obj(pairs)
}

impl Engine {
    pub fn new(model: Model, progress: Progress, user: User, locale: String) -> Engine {
        let n = model.flows.len();
        let mut e = Engine {
            reached: vec![false; model.milestones.len()],
            flow_facts: vec![FlowFacts::default(); n],
            present: vec![false; n],
            model,
            progress,
            user,
            locale,
            path: "/".into(),
            query: String::new(),
            now: 0.0,
            stage: None,
            runs: Vec::new(),
            pending: Vec::new(),
            timers: Vec::new(),
            next_timer: 1,
            loaded: false,
            changed: false,
        };
        e.refresh_caches();
        e
    }

    pub fn runs(&self) -> &[Run] {
        &self.runs
    }
    pub fn run(&self, flow: usize) -> Option<&Run> {
        self.runs.iter().find(|r| r.flow == flow)
    }
    pub fn stage(&self) -> Option<usize> {
        self.stage
    }
    pub fn reached(&self) -> &[bool] {
        &self.reached
    }
    pub fn now(&self) -> f64 {
        self.now
    }

    /// The blocking flow on screen, if any.
    pub fn current(&self) -> Option<&Run> {
        self.runs.iter().find(|r| self.model.flows.get(r.flow).is_some_and(|f| f.blocking()))
    }

    fn facts(&self) -> Facts<'_> {
        Facts {
            traits: &self.user.traits,
            stage: self.stage,
            milestones: &self.reached,
            flows: &self.flow_facts,
            path: &self.path,
            query: &self.query,
            locale: &self.locale,
            now: self.now,
        }
    }

    /// Recomputes milestone, flow and stage caches from progress.
    fn refresh_caches(&mut self) {
        for (i, m) in self.model.milestones.iter().enumerate() {
            if let Some(r) = self.reached.get_mut(i) {
                *r = self.progress.milestones.contains(&m.id);
            }
        }
        for (i, f) in self.model.flows.iter().enumerate() {
            let p = self.progress.flow(&f.id);
            if let Some(ff) = self.flow_facts.get_mut(i) {
                *ff = FlowFacts {
                    seen: p.is_some_and(|p| p.shown > 0),
                    completed: p.is_some_and(|p| p.completed_at > 0.0),
                    dismissed: p.is_some_and(|p| p.dismissed_at > 0.0),
                };
            }
        }
        self.stage = self.compute_stage();
    }

    fn compute_stage(&self) -> Option<usize> {
        let mut cur = None;
        for (i, s) in self.model.stages.iter().enumerate() {
            if s.reachable && s.requires.iter().all(|m| self.reached.get(*m).copied().unwrap_or(false)) {
                cur = Some(i);
            }
        }
        cur
    }

    // -----------------------------------------------------------------------------------------
    // Inputs

    /// Handles one input at time `now` and returns what the shell must do.
    pub fn handle(&mut self, now: f64, input: Input) -> Vec<Effect> {
        self.now = now;
        self.changed = false;
        let mut fx = Vec::new();
        match input {
            Input::Load { path, query } => self.load(path, query, &mut fx),
            Input::PageView { path, query } => self.page_view(path, query, &mut fx),
            Input::Track { name, properties } => self.track(&name, properties, &mut fx),
            Input::Traits(t) => self.user.traits = t,
            Input::Element { flow, present } => {
                let was = self.present.get(flow).copied().unwrap_or(false);
                if let Some(p) = self.present.get_mut(flow) {
                    *p = present;
                }
                if present && !was && self.loaded {
                    self.schedule(Occasion::Element(flow), &mut fx);
                }
            }
            Input::Target { flow, step, what } => self.target(flow, step, what, &mut fx),
            Input::Timer(id) => self.timer(id, &mut fx),
            Input::Ui { flow, action } => self.ui(flow, action, &mut fx),
            Input::Current(action) => {
                if let Some(flow) = self.current().map(|r| r.flow) {
                    self.ui(flow, action, &mut fx);
                }
            }
            Input::Start { flow, step } => self.start_manual(flow, step, "manual", &mut fx),
            Input::Progress(other) => self.merge_progress(other, &mut fx),
        }
        if self.changed {
            self.progress.updated_at = now;
            fx.push(Effect::Persist);
        }
        fx
    }

    fn load(&mut self, path: String, query: String, fx: &mut Vec<Effect>) {
        self.path = path;
        self.query = query;
        self.loaded = true;
        self.update_stage(fx);
        let watch: Vec<(usize, String)> = self.model.flows.iter().enumerate().filter_map(|(i, f)| f.trigger.as_ref().and_then(|t| t.element.clone()).map(|s| (i, s))).collect();
        if !watch.is_empty() {
            fx.push(Effect::WatchElements(watch));
        }
        // Resume flows that were on screen when the page unloaded, if recent.
        let mut resume: Vec<(usize, u32)> = Vec::new();
        for (i, f) in self.model.flows.iter().enumerate() {
            if let Some(r) = self.progress.flow(&f.id).and_then(|p| p.run) {
                if r.active {
                    if self.now - r.at <= RESUME_WINDOW_MS && f.enabled {
                        resume.push((i, r.step));
                    } else {
                        self.progress.flow_mut(&f.id).run = Some(RunRecord { active: false, at: self.now, ..r });
                        self.changed = true;
                    }
                }
            }
        }
        // A blocking flow first (the most recent), then the others.
        crate::core::sort::sort_by_key(&mut resume, |(i, _)| !self.model.flows.get(*i).is_some_and(|f| f.blocking()));
        let mut blocking_taken = false;
        for (i, step) in resume {
            let blocking = self.model.flows.get(i).is_some_and(|f| f.blocking());
            if blocking && blocking_taken {
                continue;
            }
            blocking_taken |= blocking;
            self.begin(i, step as usize, "resume", false, fx);
        }
        self.schedule(Occasion::Load, fx);
    }

    fn page_view(&mut self, path: String, query: String, fx: &mut Vec<Effect>) {
        if path == self.path && query == self.query && self.loaded {
            return;
        }
        self.path = path;
        self.query = query;
        // Cancel delayed triggers whose page no longer matches.
        let stale: Vec<u32> = self
            .timers
            .iter()
            .filter(|(_, t)| matches!(t, TimerFor::Delay(f) if !self.page_ok(*f)))
            .map(|(id, _)| *id)
            .collect();
        for id in stale {
            self.cancel_timer(id, fx);
        }
        let runs: Vec<usize> = self.runs.iter().map(|r| r.flow).collect();
        for flow in runs {
            let Some(f) = self.model.flows.get(flow) else { continue };
            match &f.body {
                Body::Tour(t) => {
                    let Some(run) = self.run(flow).cloned() else { continue };
                    let step = t.steps.get(run.step);
                    let advance_page = step.and_then(|s| s.advance.page.clone());
                    if let Some(g) = advance_page {
                        if glob::matches(&g, &self.path, &self.query) && matches!(run.phase, Phase::Shown { .. } | Phase::Locate | Phase::Wait(_)) {
                            self.next(flow, fx);
                            continue;
                        }
                    }
                    match run.phase {
                        Phase::WaitPage => self.enter_step(flow, run.step, fx),
                        _ if step.and_then(|s| s.page.as_ref()).is_some_and(|g| !glob::matches(g, &self.path, &self.query)) => {
                            // The user left the step's page: hide and wait to come back.
                            self.set_phase(flow, Phase::WaitPage);
                            self.clear_run_timer(flow, fx);
                            fx.push(Effect::Hide { flow });
                        }
                        Phase::Shown { .. } | Phase::Wait(_) => {
                            // Same step on a new page: look for the target again.
                            if step.is_some_and(|s| !s.target.is_empty()) {
                                self.set_phase(flow, Phase::Locate);
                                fx.push(Effect::Locate { flow, step: run.step });
                            }
                        }
                        _ => {}
                    }
                }
                _ if !f.blocking() => {
                    // Hints, banners, slideouts and checklists belong to their trigger's pages.
                    let leaves = f.trigger.as_ref().and_then(|t| t.page.as_ref()).is_some_and(|g| !glob::matches(g, &self.path, &self.query));
                    if leaves {
                        self.stop(flow, fx);
                    } else if matches!(f.body, Body::Hint(_)) {
                        self.set_phase(flow, Phase::Locate);
                        fx.push(Effect::Locate { flow, step: 0 });
                    }
                }
                _ => {}
            }
        }
        self.schedule(Occasion::Page, fx);
    }

    fn track(&mut self, name: &str, properties: Json, fx: &mut Vec<Effect>) {
        let props = if matches!(properties, Json::Obj(_)) { properties } else { obj(vec![]) };
        fx.push(Effect::Emit(self.event("event_tracked", None, None, Some(name.to_string()), props)));
        self.reach_by_event(name, fx);
        // Tours waiting for this event move on.
        let waiting: Vec<usize> = self
            .runs
            .iter()
            .filter(|r| match self.model.flows.get(r.flow).map(|f| &f.body) {
                Some(Body::Tour(t)) => t.steps.get(r.step).is_some_and(|s| s.advance.event.as_deref() == Some(name)),
                _ => false,
            })
            .map(|r| r.flow)
            .collect();
        for flow in waiting {
            self.next(flow, fx);
        }
        self.schedule(Occasion::Event(name.to_string()), fx);
    }

    fn timer(&mut self, id: u32, fx: &mut Vec<Effect>) {
        let Some(pos) = self.timers.iter().position(|(t, _)| *t == id) else { return };
        let (_, what) = self.timers.remove(pos);
        match what {
            TimerFor::Delay(flow) => self.schedule(Occasion::Delay(flow), fx),
            TimerFor::Run(flow) => {
                let Some(run) = self.run(flow).cloned() else { return };
                if run.timer != Some(id) {
                    return;
                }
                self.set_timer_of(flow, None);
                match run.phase {
                    Phase::Wait(since) => self.target(flow, run.step, Target::Timeout(self.now - since), fx),
                    Phase::Thanks(_) => self.complete(flow, fx),
                    Phase::Celebrate => self.stop(flow, fx),
                    _ => {}
                }
            }
        }
    }

    fn merge_progress(&mut self, other: Progress, fx: &mut Vec<Effect>) {
        let before = self.progress.clone();
        self.progress.merge(&other);
        // Only what the other side knew and this one did not is a change. A newer `updated_at`
        // alone is not: counting it would bump `updated_at` and write, and the other tab, hearing
        // that write, would do the same — forever.
        let mut same = self.progress.clone();
        same.updated_at = before.updated_at;
        if same == before {
            return;
        }
        self.refresh_caches();
        self.changed = true;
        // Counters from other devices may now reach an event milestone.
        let hits: Vec<usize> = self
            .model
            .milestones
            .iter()
            .enumerate()
            .filter(|(i, m)| !self.reached.get(*i).copied().unwrap_or(true) && matches!(&m.when, MilestoneWhen::Event { name, count } if self.progress.count(name) >= *count))
            .map(|(i, _)| i)
            .collect();
        for i in hits {
            self.reach(i, fx);
        }
        self.after_milestones(fx);
        // Flows finished elsewhere (another tab) close here too, without new events.
        let ended: Vec<usize> = self
            .runs
            .iter()
            .filter(|r| {
                let id = self.model.flows.get(r.flow).map(|f| f.id.as_str()).unwrap_or("");
                let (b, a) = (before.flow(id), self.progress.flow(id));
                let done_elsewhere = a.is_some_and(|a| a.completed_at > 0.0) && !b.is_some_and(|b| b.completed_at > 0.0);
                let dismissed_elsewhere = a.map(|a| a.dismissed_at).unwrap_or(0.0) > b.map(|b| b.dismissed_at).unwrap_or(0.0);
                done_elsewhere || dismissed_elsewhere
            })
            .map(|r| r.flow)
            .collect();
        for flow in ended {
            self.clear_run_timer(flow, fx);
            self.runs.retain(|r| r.flow != flow);
            fx.push(Effect::Hide { flow });
        }
        // Checklists re-render with items ticked elsewhere.
        let shown: Vec<usize> = self.runs.iter().map(|r| r.flow).collect();
        for flow in shown {
            if matches!(self.model.flows.get(flow).map(|f| &f.body), Some(Body::Checklist(_))) {
                self.tick_checklist(flow, fx);
                fx.push(Effect::Show { flow });
            }
        }
    }

    // -----------------------------------------------------------------------------------------
    // Scheduling

    fn page_ok(&self, flow: usize) -> bool {
        self.model.flows.get(flow).and_then(|f| f.trigger.as_ref()).and_then(|t| t.page.as_ref()).is_none_or(|g| glob::matches(g, &self.path, &self.query))
    }

    /// Whether `flow`'s trigger fires on this occasion (ignoring its delay).
    fn fires(&self, flow: usize, occ: &Occasion) -> bool {
        let Some(t) = self.model.flows.get(flow).and_then(|f| f.trigger.as_ref()) else { return false };
        if !self.page_ok(flow) {
            return false;
        }
        if t.element.is_some() && !self.present.get(flow).copied().unwrap_or(false) {
            return false;
        }
        match (&t.event, occ) {
            (_, Occasion::Delay(f)) => *f == flow,
            (Some(e), Occasion::Event(name)) => e == name,
            (Some(_), _) => false,
            (None, Occasion::Event(_)) => false,
            (None, Occasion::Element(f)) => *f == flow,
            (None, _) => true,
        }
    }

    /// Whether the flow may show now; `Err` says why not, in words for the debug overlay.
    /// `auto` counts the daily cap.
    fn eligible(&self, flow: usize, auto: bool) -> Result<(), String> {
        match self.blocker(flow, auto) {
            None => Ok(()),
            Some(b) => Err(self.describe(flow, b)),
        }
    }

    /// What keeps the flow from showing now, if anything. The scheduler asks this for every
    /// flow on every occasion, so it allocates nothing; `describe` puts it in words.
    fn blocker(&self, flow: usize, auto: bool) -> Option<Blocker> {
        let Some(f) = self.model.flows.get(flow) else { return Some(Blocker::Unknown) };
        if !f.enabled {
            return Some(Blocker::Disabled);
        }
        if let Some(a) = &f.audience {
            if !condition::holds(a, &self.model, &self.facts()) {
                return Some(Blocker::Audience);
            }
        }
        if f.sample < 1.0 && hash01(&format!("{}:{}", self.user.key, f.id)) >= f.sample {
            return Some(Blocker::Sample(f.sample));
        }
        let fr = &f.frequency;
        if let Some(p) = self.progress.flow(&f.id) {
            if fr.once && p.shown > 0 {
                return Some(Blocker::Once);
            }
            if fr.until_completed && p.completed_at > 0.0 {
                return Some(Blocker::Completed);
            }
            if let Some(max) = fr.max_times {
                if p.shown >= max {
                    return Some(Blocker::MaxTimes(p.shown, max));
                }
            }
            if let Some(every) = fr.every_ms {
                let wait = every as f64 - (self.now - p.last_shown);
                if p.shown > 0 && wait > 0.0 {
                    return Some(Blocker::Every(wait));
                }
            }
            if p.snoozed_until > self.now {
                return Some(Blocker::Snoozed);
            }
        } else if fr.max_times == Some(0) {
            return Some(Blocker::MaxTimes(0, 0));
        }
        if auto && f.blocking() {
            if let Some(cap) = self.model.daily_cap {
                if self.progress.shown_on(time::day_of(self.now)) >= cap {
                    return Some(Blocker::DailyCap(cap));
                }
            }
        }
        None
    }

    fn describe(&self, flow: usize, b: Blocker) -> String {
        match b {
            Blocker::Unknown => "unknown flow".into(),
            Blocker::Disabled => "it is switched off (\"enabled\": false)".into(),
            Blocker::Audience => {
                let why = self.model.flows.get(flow).and_then(|f| f.audience.as_ref()).and_then(|a| condition::explain(a, &self.model, &self.facts()));
                format!("audience: {}", why.unwrap_or_default())
            }
            Blocker::Sample(sample) => format!("this user is outside the sample ({}% of users see it)", (sample * 100.0).round() as i64),
            Blocker::Once => "it shows once, and it was already shown".into(),
            Blocker::Completed => "the user already completed it".into(),
            Blocker::MaxTimes(shown, max) => format!("it was already shown {} times (maxTimes: {})", shown, max),
            Blocker::Every(wait) => {
                let hours = (wait / 3_600_000.0).ceil();
                let when = if hours > 48.0 { format!("{} days", (hours / 24.0).ceil() as i64) } else { format!("{} hours", hours as i64) };
                format!("it shows again once `every` has passed since it last showed (in {})", when)
            }
            Blocker::Snoozed => "the user dismissed it and it is snoozed".into(),
            Blocker::DailyCap(cap) => format!("the daily cap of {} automatic flows is reached", cap),
        }
    }

    fn schedule(&mut self, occ: Occasion, fx: &mut Vec<Effect>) {
        if !self.loaded {
            return;
        }
        let mut blocking: Vec<usize> = Vec::new();
        for i in 0..self.model.flows.len() {
            if self.run(i).is_some() || !self.fires(i, &occ) || self.blocker(i, true).is_some() {
                continue;
            }
            let delay = self.model.flows.get(i).and_then(|f| f.trigger.as_ref()).map(|t| t.delay_ms).unwrap_or(0);
            if delay > 0 && occ != Occasion::Delay(i) {
                if !self.timers.iter().any(|(_, t)| *t == TimerFor::Delay(i)) {
                    self.set_timer(TimerFor::Delay(i), delay, fx);
                }
                continue;
            }
            if self.model.flows.get(i).is_some_and(|f| f.blocking()) {
                blocking.push(i);
            } else {
                self.begin(i, 0, trigger_name(&occ), true, fx);
            }
        }
        if blocking.is_empty() {
            return;
        }
        crate::core::sort::sort_by_key(&mut blocking, |i| (std::cmp::Reverse(self.model.flows.get(*i).map(|f| f.priority).unwrap_or(0)), *i));
        let mut rest = blocking.into_iter();
        if self.current().is_none() {
            if let Some(first) = rest.next() {
                self.begin(first, 0, trigger_name(&occ), true, fx);
            }
        }
        for i in rest {
            if !self.pending.contains(&i) {
                self.pending.push(i);
            }
        }
    }

    /// After a blocking flow ends: start the best pending one that still applies.
    fn start_pending(&mut self, fx: &mut Vec<Effect>) {
        if self.current().is_some() {
            return;
        }
        let mut pending = std::mem::take(&mut self.pending);
        pending.retain(|i| self.run(*i).is_none() && self.page_ok(*i) && self.blocker(*i, true).is_none());
        crate::core::sort::sort_by_key(&mut pending, |i| (std::cmp::Reverse(self.model.flows.get(*i).map(|f| f.priority).unwrap_or(0)), *i));
        let mut it = pending.into_iter();
        if let Some(first) = it.next() {
            self.begin(first, 0, "pending", true, fx);
        }
        self.pending = it.collect();
    }

    /// Starts a flow on request: `trigger` is "manual" (sb.start) or "action" (another flow's action).
    fn start_manual(&mut self, flow: usize, step: Option<usize>, trigger: &'static str, fx: &mut Vec<Effect>) {
        let Some(f) = self.model.flows.get(flow) else { return };
        if !f.enabled {
            return;
        }
        if self.run(flow).is_some() {
            // Already showing: jump to the requested step, or bring a checklist's panel up.
            if let Some(s) = step {
                self.go_to(flow, s, fx);
            } else if matches!(f.body, Body::Checklist(_)) {
                self.set_phase(flow, Phase::Panel { open: true });
                fx.push(Effect::Show { flow });
            }
            return;
        }
        if f.blocking() {
            if let Some(cur) = self.current().map(|r| r.flow) {
                self.dismiss(cur, Via::Replaced, fx);
            }
        }
        self.begin(flow, step.unwrap_or(0), trigger, false, fx);
    }

    /// Starts a flow.
    fn begin(&mut self, flow: usize, step: usize, trigger: &'static str, auto: bool, fx: &mut Vec<Effect>) {
        let Some(f) = self.model.flows.get(flow) else { return };
        let (id, kind, blocking) = (f.id.clone(), f.kind, f.blocking());
        let phase = match &f.body {
            Body::Tour(_) => Phase::Locate,
            Body::Hint(_) => Phase::Locate,
            Body::Checklist(_) => Phase::Panel { open: self.progress.flow(&id).is_none_or(|p| p.shown == 0) },
            Body::Survey(_) => Phase::Ask,
            Body::Announcement(_) => Phase::Shown { centered: true },
        };
        let step = match &f.body {
            Body::Tour(t) => step.min(t.steps.len().saturating_sub(1)),
            _ => 0,
        };
        self.pending.retain(|p| *p != flow);
        self.runs.push(Run { flow, step, phase, started_at: self.now, step_at: self.now, viewed: false, trigger, timer: None, hidden: false });
        if trigger != "resume" {
            let p = self.progress.flow_mut(&id);
            p.shown += 1;
            p.last_shown = self.now;
            if auto && blocking {
                self.progress.count_shown(time::day_of(self.now));
            }
            if let Some(ff) = self.flow_facts.get_mut(flow) {
                ff.seen = true;
            }
            let props = obj(vec![("kind", Json::str(kind.as_str())), ("trigger", Json::str(trigger))]);
            fx.push(Effect::Emit(self.event("flow_started", Some(&id), None, None, props)));
        }
        self.record_run(flow, true);
        match kind {
            FlowKind::Tour => self.enter_step(flow, step, fx),
            FlowKind::Hint => fx.push(Effect::Locate { flow, step: 0 }),
            FlowKind::Checklist => {
                self.tick_checklist(flow, fx);
                fx.push(Effect::Show { flow });
            }
            _ => fx.push(Effect::Show { flow }),
        }
    }

    // -----------------------------------------------------------------------------------------
    // Flow state machines

    fn set_phase(&mut self, flow: usize, phase: Phase) {
        if let Some(r) = self.runs.iter_mut().find(|r| r.flow == flow) {
            r.phase = phase;
        }
    }

    fn set_timer_of(&mut self, flow: usize, t: Option<u32>) {
        if let Some(r) = self.runs.iter_mut().find(|r| r.flow == flow) {
            r.timer = t;
        }
    }

    fn record_run(&mut self, flow: usize, active: bool) {
        let Some(id) = self.model.flows.get(flow).map(|f| f.id.clone()) else { return };
        let step = self.run(flow).map(|r| r.step as u32).unwrap_or(0);
        self.progress.flow_mut(&id).run = Some(RunRecord { step, at: self.now, active });
        self.changed = true;
    }

    fn enter_step(&mut self, flow: usize, step: usize, fx: &mut Vec<Effect>) {
        let Some(Body::Tour(t)) = self.model.flows.get(flow).map(|f| &f.body) else { return };
        let Some(s) = t.steps.get(step) else { return };
        let (has_target, page) = (!s.target.is_empty(), s.page.clone());
        self.clear_run_timer(flow, fx);
        if let Some(r) = self.runs.iter_mut().find(|r| r.flow == flow) {
            if r.step != step {
                r.viewed = false;
            }
            r.step = step;
            r.step_at = self.now;
        }
        self.record_run(flow, true);
        if page.is_some_and(|g| !glob::matches(&g, &self.path, &self.query)) {
            self.set_phase(flow, Phase::WaitPage);
            fx.push(Effect::Hide { flow });
        } else if has_target {
            self.set_phase(flow, Phase::Locate);
            fx.push(Effect::Locate { flow, step });
        } else {
            self.show_step(flow, true, fx);
        }
    }

    fn show_step(&mut self, flow: usize, centered: bool, fx: &mut Vec<Effect>) {
        self.set_phase(flow, Phase::Shown { centered });
        fx.push(Effect::Show { flow });
        let Some(run) = self.run(flow).cloned() else { return };
        if run.viewed {
            return;
        }
        if let Some(r) = self.runs.iter_mut().find(|r| r.flow == flow) {
            r.viewed = true;
        }
        let Some(f) = self.model.flows.get(flow) else { return };
        let Body::Tour(t) = &f.body else { return };
        let Some(s) = t.steps.get(run.step) else { return };
        let total = t.steps.len();
        let title = s.title.as_ref().or(s.body.as_ref()).map(|x| crate::core::markdown::plain_text(x.get(&self.locale, &self.model.default_locale))).unwrap_or_default();
        let announce = crate::core::i18n::fill(crate::core::i18n::text(&self.locale, crate::core::i18n::Msg::StepAnnounce), run.step + 1, total, &title);
        let props = obj(vec![("index", Json::Num(run.step as f64)), ("total", Json::Num(total as f64))]);
        let (fid, sid) = (f.id.clone(), s.id.clone());
        fx.push(Effect::Emit(self.event("step_viewed", Some(&fid), Some(&sid), None, props)));
        fx.push(Effect::Announce(announce));
    }

    fn target(&mut self, flow: usize, step: usize, what: Target, fx: &mut Vec<Effect>) {
        let Some(run) = self.run(flow).cloned() else { return };
        if run.step != step {
            return;
        }
        let Some(f) = self.model.flows.get(flow) else { return };
        let (policy, wait_ms, selectors, click) = match &f.body {
            Body::Tour(t) => match t.steps.get(step) {
                Some(s) => (s.if_missing, s.wait_ms, join(&s.target, " || "), s.advance.click),
                None => return,
            },
            Body::Hint(h) => (IfMissing::Wait, 5000, join(&h.target, " || "), false),
            _ => return,
        };
        let is_hint = matches!(f.body, Body::Hint(_));
        match what {
            Target::Found => {
                if matches!(run.phase, Phase::Locate | Phase::Wait(_)) {
                    if let Some(r) = self.runs.iter_mut().find(|r| r.flow == flow) {
                        r.hidden = false;
                    }
                    self.clear_run_timer(flow, fx);
                    if is_hint {
                        self.set_phase(flow, Phase::Beacon { open: false });
                        fx.push(Effect::Show { flow });
                    } else {
                        self.show_step(flow, false, fx);
                    }
                }
            }
            Target::Clicked => {
                if click && matches!(run.phase, Phase::Shown { .. }) {
                    self.next(flow, fx);
                }
            }
            Target::Absent | Target::Lost | Target::Hidden => {
                let hidden = what == Target::Hidden;
                if let Some(r) = self.runs.iter_mut().find(|r| r.flow == flow) {
                    r.hidden = hidden;
                }
                // Waiting already: only what the target is now (absent or out of sight) changed.
                if !matches!(run.phase, Phase::Locate | Phase::Shown { centered: false } | Phase::Beacon { .. }) {
                    return;
                }
                // Nothing of the flow stays up while it waits or moves on: the card it was
                // showing (this step's, or the one before when `next` led here).
                fx.push(Effect::Hide { flow });
                // A hint that has shown belongs to its page and its target: one the page takes
                // away (a panel closed, a filter hidden, a list re-rendered) is waited for as
                // long as the page lasts, with no deadline and no `target_missing` (the target
                // was found: it is not broken), and the beacon comes back with it.
                if is_hint && matches!(run.phase, Phase::Beacon { .. }) {
                    self.set_phase(flow, Phase::Wait(self.now));
                    fx.push(Effect::Wait { flow, step, ms: 0 });
                    return;
                }
                match policy {
                    IfMissing::Wait => {
                        self.set_phase(flow, Phase::Wait(self.now));
                        let id = self.set_timer(TimerFor::Run(flow), wait_ms, fx);
                        self.set_timer_of(flow, Some(id));
                        fx.push(Effect::Wait { flow, step, ms: wait_ms });
                    }
                    IfMissing::Skip => {
                        self.missing(flow, step, &selectors, 0.0, policy, fx);
                        self.next(flow, fx);
                    }
                    IfMissing::Center => {
                        self.missing(flow, step, &selectors, 0.0, policy, fx);
                        self.show_step(flow, true, fx);
                    }
                    IfMissing::End => {
                        self.missing(flow, step, &selectors, 0.0, policy, fx);
                        self.dismiss(flow, Via::TargetMissing, fx);
                    }
                }
            }
            Target::Timeout(waited) => {
                if !matches!(run.phase, Phase::Wait(_)) {
                    return;
                }
                self.missing(flow, step, &selectors, waited, IfMissing::Wait, fx);
                if is_hint {
                    self.stop(flow, fx);
                } else {
                    self.dismiss(flow, Via::TargetMissing, fx);
                }
            }
        }
    }

    fn missing(&mut self, flow: usize, step: usize, selectors: &str, waited: f64, policy: IfMissing, fx: &mut Vec<Effect>) {
        let Some(f) = self.model.flows.get(flow) else { return };
        let sid = match &f.body {
            Body::Tour(t) => t.steps.get(step).map(|s| s.id.clone()),
            _ => None,
        };
        let fid = f.id.clone();
        let props = obj(vec![
            ("selector", Json::str(selectors)),
            ("waited_ms", Json::Num(waited.round())),
            ("reason", Json::str(if self.run(flow).is_some_and(|r| r.hidden) { "hidden" } else { "absent" })),
            ("policy", Json::str(match policy {
                IfMissing::Wait => "wait",
                IfMissing::Skip => "skip",
                IfMissing::Center => "center",
                IfMissing::End => "end",
            })),
            ("path", Json::str(&self.path)),
        ]);
        fx.push(Effect::Emit(self.event("target_missing", Some(&fid), sid.as_deref(), None, props)));
    }

    fn step_completed(&mut self, flow: usize, fx: &mut Vec<Effect>) {
        let Some(run) = self.run(flow).cloned() else { return };
        let Some(f) = self.model.flows.get(flow) else { return };
        let Body::Tour(t) = &f.body else { return };
        let Some(s) = t.steps.get(run.step) else { return };
        let props = obj(vec![
            ("index", Json::Num(run.step as f64)),
            ("total", Json::Num(t.steps.len() as f64)),
            ("duration_ms", Json::Num((self.now - run.step_at).max(0.0).round())),
        ]);
        let (fid, sid) = (f.id.clone(), s.id.clone());
        fx.push(Effect::Emit(self.event("step_completed", Some(&fid), Some(&sid), None, props)));
    }

    fn next(&mut self, flow: usize, fx: &mut Vec<Effect>) {
        let Some(run) = self.run(flow).cloned() else { return };
        let Some(Body::Tour(t)) = self.model.flows.get(flow).map(|f| &f.body) else { return };
        let total = t.steps.len();
        if run.viewed {
            self.step_completed(flow, fx);
        }
        if run.step + 1 < total {
            self.enter_step(flow, run.step + 1, fx);
        } else {
            self.complete(flow, fx);
        }
    }

    fn go_to(&mut self, flow: usize, step: usize, fx: &mut Vec<Effect>) {
        let Some(run) = self.run(flow).cloned() else { return };
        if step == run.step {
            return;
        }
        if run.viewed && step > run.step {
            self.step_completed(flow, fx);
        }
        self.enter_step(flow, step, fx);
    }

    fn ui(&mut self, flow: usize, action: Ui, fx: &mut Vec<Effect>) {
        let Some(run) = self.run(flow).cloned() else { return };
        let Some(f) = self.model.flows.get(flow) else { return };
        let (body, flow_id) = (f.body.clone(), f.id.clone());
        match (&body, action) {
            (_, Ui::Dismiss(via)) => match (&body, run.phase) {
                // Closing after a score still records the answer.
                (Body::Survey(_), Phase::Comment(score)) => self.answer(flow, score, None, fx),
                (Body::Survey(_), Phase::Thanks(_)) => self.complete(flow, fx),
                (Body::Checklist(_), Phase::Celebrate) => self.stop(flow, fx),
                (Body::Hint(_), Phase::Beacon { open: true }) => self.complete(flow, fx),
                _ => {
                    let dismissible = match &body {
                        Body::Tour(t) => t.dismissible,
                        Body::Announcement(a) => a.dismissible,
                        Body::Checklist(c) => c.dismissible,
                        _ => true,
                    };
                    if dismissible || via == Via::Action || via == Via::Replaced {
                        self.dismiss(flow, via, fx);
                    }
                }
            },
            (Body::Tour(_), Ui::Next) => {
                if matches!(run.phase, Phase::Shown { .. }) {
                    self.next(flow, fx);
                }
            }
            (Body::Tour(_), Ui::Back) => {
                if run.step > 0 {
                    self.enter_step(flow, run.step - 1, fx);
                }
            }
            (Body::Tour(t), Ui::Cta) => {
                if let Some(a) = t.steps.get(run.step).and_then(|s| s.cta.as_ref()).map(|c| c.action.clone()) {
                    self.act(flow, &a, fx);
                }
            }
            (Body::Announcement(a), Ui::Cta) => {
                let action = a.cta.as_ref().map(|c| c.action.clone());
                self.complete(flow, fx);
                if let Some(a) = action {
                    self.act(flow, &a, fx);
                }
            }
            (Body::Announcement(_), Ui::Next) => self.complete(flow, fx),
            (Body::Hint(_), Ui::Open) => {
                if matches!(run.phase, Phase::Beacon { open: false }) {
                    self.set_phase(flow, Phase::Beacon { open: true });
                    let id = flow_id;
                    self.progress.flow_mut(&id).opened = true;
                    self.changed = true;
                    fx.push(Effect::Emit(self.event("hint_opened", Some(&id), None, None, obj(vec![]))));
                    fx.push(Effect::Show { flow });
                }
            }
            (Body::Hint(_), Ui::Close | Ui::Next) => {
                if matches!(run.phase, Phase::Beacon { open: true }) {
                    self.complete(flow, fx);
                }
            }
            (Body::Checklist(_), Ui::Toggle) => {
                if let Phase::Panel { open } = run.phase {
                    self.set_phase(flow, Phase::Panel { open: !open });
                    fx.push(Effect::Show { flow });
                }
            }
            (Body::Checklist(c), Ui::Item(i)) => {
                if let Some(a) = c.items.get(i).and_then(|it| it.action.clone()) {
                    if matches!(a, Action::StartFlow { .. } | Action::Navigate(_)) {
                        self.set_phase(flow, Phase::Panel { open: false });
                        fx.push(Effect::Show { flow });
                    }
                    self.act(flow, &a, fx);
                }
            }
            (Body::Survey(s), Ui::Score(score)) => {
                let (lo, hi) = s.scale.range();
                if matches!(run.phase, Phase::Ask | Phase::Comment(_)) && (lo..=hi).contains(&score) {
                    if s.follow_up.is_some() {
                        self.set_phase(flow, Phase::Comment(score));
                        fx.push(Effect::Show { flow });
                    } else {
                        self.answer(flow, score, None, fx);
                    }
                }
            }
            (Body::Survey(_), Ui::Submit(comment)) => {
                if let Phase::Comment(score) = run.phase {
                    let comment = comment.map(|c| c.trim().chars().take(2000).collect::<String>()).filter(|c| !c.is_empty());
                    self.answer(flow, score, comment, fx);
                }
            }
            (Body::Survey(_), Ui::Next) => {
                if let Phase::Thanks(_) = run.phase {
                    self.complete(flow, fx);
                }
            }
            _ => {}
        }
    }

    fn answer(&mut self, flow: usize, score: u32, comment: Option<String>, fx: &mut Vec<Effect>) {
        let Some(f) = self.model.flows.get(flow) else { return };
        let Body::Survey(s) = &f.body else { return };
        let id = f.id.clone();
        let props = obj(vec![
            ("scale", Json::str(match s.scale {
                crate::core::spec::types::Scale::Nps => "nps",
                crate::core::spec::types::Scale::Csat => "csat",
                crate::core::spec::types::Scale::Ces => "ces",
            })),
            ("score", Json::Num(score as f64)),
            ("comment", comment.map(Json::Str).unwrap_or(Json::Null)),
        ]);
        fx.push(Effect::Emit(self.event("survey_answered", Some(&id), None, None, props)));
        self.progress.add_survey(&id, score, self.now);
        self.changed = true;
        self.set_phase(flow, Phase::Thanks(score));
        fx.push(Effect::Show { flow });
        let t = self.set_timer(TimerFor::Run(flow), THANKS_MS, fx);
        self.set_timer_of(flow, Some(t));
    }

    /// Carries out a spec action from a button or checklist item.
    fn act(&mut self, flow: usize, a: &Action, fx: &mut Vec<Effect>) {
        match a {
            Action::Next => {
                if matches!(self.model.flows.get(flow).map(|f| &f.body), Some(Body::Tour(_))) {
                    self.next(flow, fx)
                } else {
                    self.complete(flow, fx)
                }
            }
            Action::Back => self.ui(flow, Ui::Back, fx),
            Action::Dismiss => self.dismiss(flow, Via::Action, fx),
            Action::Complete => {
                if self.run(flow).is_some() {
                    self.complete(flow, fx)
                }
            }
            Action::GoTo(s) => self.go_to(flow, *s, fx),
            Action::StartFlow { flow: target, step } => {
                // A blocking flow that starts another blocking flow hands over to it.
                let target_blocking = self.model.flows.get(*target).is_some_and(|f| f.blocking());
                let own_blocking = self.model.flows.get(flow).is_some_and(|f| f.blocking());
                if target_blocking && own_blocking && self.run(flow).is_some() && *target != flow {
                    self.complete(flow, fx);
                }
                if *target == flow && self.run(flow).is_some() {
                    self.go_to(flow, step.unwrap_or(0), fx);
                } else {
                    self.start_manual(*target, *step, "action", fx);
                }
            }
            Action::Navigate(url) => fx.push(Effect::Navigate(url.clone())),
            Action::OpenUrl { url, new_tab } => fx.push(Effect::OpenUrl { url: url.clone(), new_tab: *new_tab }),
            Action::Track { event, properties } => self.track(event, properties.clone().unwrap_or(Json::Null), fx),
            Action::Call(name) => fx.push(Effect::Call(name.clone())),
        }
    }

    /// Ends a flow as completed: records it, reports it, reaches milestones.
    fn complete(&mut self, flow: usize, fx: &mut Vec<Effect>) {
        let Some(run) = self.run(flow).cloned() else { return };
        let Some(f) = self.model.flows.get(flow) else { return };
        let (id, kind) = (f.id.clone(), f.kind);
        let props = obj(vec![("kind", Json::str(kind.as_str())), ("duration_ms", Json::Num((self.now - run.started_at).max(0.0).round()))]);
        fx.push(Effect::Emit(self.event("flow_completed", Some(&id), None, None, props)));
        let p = self.progress.flow_mut(&id);
        if p.completed_at == 0.0 {
            p.completed_at = self.now;
        }
        if let Some(ff) = self.flow_facts.get_mut(flow) {
            ff.completed = true;
        }
        self.end(flow, fx);
        self.reach_by_flow(flow, fx);
        self.start_pending(fx);
    }

    /// Ends a flow as dismissed.
    fn dismiss(&mut self, flow: usize, via: Via, fx: &mut Vec<Effect>) {
        let Some(run) = self.run(flow).cloned() else { return };
        let Some(f) = self.model.flows.get(flow) else { return };
        let (id, kind, snooze) = (f.id.clone(), f.kind, f.snooze_ms);
        let mut props = vec![("kind", Json::str(kind.as_str())), ("via", Json::str(via.as_str()))];
        let mut step_id = None;
        if let Body::Tour(t) = &f.body {
            props.push(("index", Json::Num(run.step as f64)));
            props.push(("total", Json::Num(t.steps.len() as f64)));
            step_id = t.steps.get(run.step).map(|s| s.id.clone());
        }
        fx.push(Effect::Emit(self.event("flow_dismissed", Some(&id), step_id.as_deref(), None, obj(props))));
        let now = self.now;
        let p = self.progress.flow_mut(&id);
        p.dismissed_at = now;
        if let Some(s) = snooze {
            p.snoozed_until = now + s as f64;
        }
        if let Some(ff) = self.flow_facts.get_mut(flow) {
            ff.dismissed = true;
        }
        self.end(flow, fx);
        self.start_pending(fx);
    }

    /// Takes a flow off the screen without completing or dismissing it (its page was left, its
    /// celebration is over).
    fn stop(&mut self, flow: usize, fx: &mut Vec<Effect>) {
        if self.run(flow).is_none() {
            return;
        }
        self.end(flow, fx);
        self.start_pending(fx);
    }

    fn end(&mut self, flow: usize, fx: &mut Vec<Effect>) {
        self.clear_run_timer(flow, fx);
        self.record_run(flow, false);
        self.runs.retain(|r| r.flow != flow);
        fx.push(Effect::Hide { flow });
        self.changed = true;
    }

    // -----------------------------------------------------------------------------------------
    // Milestones, stages, checklists

    fn reach_by_event(&mut self, name: &str, fx: &mut Vec<Effect>) {
        let counts = self.model.milestones.iter().any(|m| matches!(&m.when, MilestoneWhen::Event { name: n, .. } if n == name));
        if !counts {
            return;
        }
        let device = self.user.device.clone();
        let total = self.progress.increment(name, &device);
        self.changed = true;
        let hits: Vec<usize> = self
            .model
            .milestones
            .iter()
            .enumerate()
            .filter(|(i, m)| !self.reached.get(*i).copied().unwrap_or(true) && matches!(&m.when, MilestoneWhen::Event { name: n, count } if n == name && total >= *count))
            .map(|(i, _)| i)
            .collect();
        for i in hits {
            self.reach(i, fx);
        }
        self.after_milestones(fx);
    }

    fn reach_by_flow(&mut self, flow: usize, fx: &mut Vec<Effect>) {
        let hits: Vec<usize> = self
            .model
            .milestones
            .iter()
            .enumerate()
            .filter(|(i, m)| !self.reached.get(*i).copied().unwrap_or(true) && m.when == MilestoneWhen::FlowCompleted(flow))
            .map(|(i, _)| i)
            .collect();
        for i in hits {
            self.reach(i, fx);
        }
        self.after_milestones(fx);
    }

    fn reach(&mut self, i: usize, fx: &mut Vec<Effect>) {
        let Some(id) = self.model.milestones.get(i).map(|m| m.id.clone()) else { return };
        if let Some(r) = self.reached.get_mut(i) {
            *r = true;
        }
        let now = self.now;
        *self.progress.milestones.entry(&id, || now) = now;
        self.changed = true;
        fx.push(Effect::Emit(self.event("milestone_reached", None, None, None, obj(vec![("milestone_id", Json::str(&id))]))));
    }

    /// Composite milestones, the stage, and the checklists on screen.
    fn after_milestones(&mut self, fx: &mut Vec<Effect>) {
        loop {
            let next = self.model.milestones.iter().enumerate().find(|(i, m)| {
                !self.reached.get(*i).copied().unwrap_or(true) && matches!(&m.when, MilestoneWhen::Milestones(req) if req.iter().all(|r| self.reached.get(*r).copied().unwrap_or(false)))
            });
            match next.map(|(i, _)| i) {
                Some(i) => self.reach(i, fx),
                None => break,
            }
        }
        self.update_stage(fx);
        let lists: Vec<usize> = self.runs.iter().filter(|r| matches!(self.model.flows.get(r.flow).map(|f| &f.body), Some(Body::Checklist(_)))).map(|r| r.flow).collect();
        for flow in lists {
            self.tick_checklist(flow, fx);
            if self.run(flow).is_some() {
                fx.push(Effect::Show { flow });
            }
        }
    }

    fn update_stage(&mut self, fx: &mut Vec<Effect>) {
        let stage = self.compute_stage();
        self.stage = stage;
        let Some(to) = stage.and_then(|s| self.model.stages.get(s)).map(|s| s.id.clone()) else { return };
        let from = self.progress.stage.clone();
        if from.as_deref() == Some(to.as_str()) {
            return;
        }
        self.progress.stage = Some(to.clone());
        self.progress.stage_at = self.now;
        self.changed = true;
        let props = obj(vec![("from", from.map(Json::Str).unwrap_or(Json::Null)), ("to", Json::Str(to))]);
        fx.push(Effect::Emit(self.event("stage_changed", None, None, None, props)));
    }

    /// Reports newly done items of a checklist and completes it when all are done.
    fn tick_checklist(&mut self, flow: usize, fx: &mut Vec<Effect>) {
        let Some(f) = self.model.flows.get(flow) else { return };
        let Body::Checklist(c) = &f.body else { return };
        let id = f.id.clone();
        let facts = self.facts();
        let done: Vec<(String, bool)> = c.items.iter().map(|it| (it.id.clone(), condition::holds(&it.done, &self.model, &facts))).collect();
        for (item, is_done) in &done {
            if *is_done && self.progress.flow(&id).is_none_or(|p| p.items.binary_search(item).is_err()) {
                let p = self.progress.flow_mut(&id);
                if let Err(pos) = p.items.binary_search(item) {
                    p.items.insert(pos, item.clone());
                }
                self.changed = true;
                fx.push(Effect::Emit(self.event("checklist_item_completed", Some(&id), None, None, obj(vec![("item_id", Json::str(item))]))));
            }
        }
        let all = !done.is_empty() && done.iter().all(|(_, d)| *d);
        if all && self.run(flow).is_some_and(|r| !matches!(r.phase, Phase::Celebrate)) {
            let Some(run) = self.run(flow).cloned() else { return };
            let props = obj(vec![("kind", Json::str("checklist")), ("duration_ms", Json::Num((self.now - run.started_at).max(0.0).round()))]);
            fx.push(Effect::Emit(self.event("flow_completed", Some(&id), None, None, props)));
            let now = self.now;
            let p = self.progress.flow_mut(&id);
            if p.completed_at == 0.0 {
                p.completed_at = now;
            }
            if let Some(ff) = self.flow_facts.get_mut(flow) {
                ff.completed = true;
            }
            self.set_phase(flow, Phase::Celebrate);
            self.record_run(flow, false);
            let t = self.set_timer(TimerFor::Run(flow), CELEBRATE_MS, fx);
            self.set_timer_of(flow, Some(t));
            self.reach_by_flow(flow, fx);
        }
    }

    // -----------------------------------------------------------------------------------------
    // Timers and events

    fn set_timer(&mut self, what: TimerFor, ms: u32, fx: &mut Vec<Effect>) -> u32 {
        let id = self.next_timer;
        self.next_timer = self.next_timer.wrapping_add(1).max(1);
        self.timers.push((id, what));
        fx.push(Effect::SetTimer { id, ms });
        id
    }

    fn cancel_timer(&mut self, id: u32, fx: &mut Vec<Effect>) {
        self.timers.retain(|(t, _)| *t != id);
        fx.push(Effect::CancelTimer { id });
    }

    fn clear_run_timer(&mut self, flow: usize, fx: &mut Vec<Effect>) {
        if let Some(id) = self.run(flow).and_then(|r| r.timer) {
            self.cancel_timer(id, fx);
            self.set_timer_of(flow, None);
        }
    }

    /// The context every event carries (docs/events.md).
    pub fn context(&self) -> Json {
        let stage = self.stage.and_then(|s| self.model.stages.get(s)).map(|s| Json::str(&s.id)).unwrap_or(Json::Null);
        obj(vec![("traits", self.user.traits.clone()), ("locale", Json::str(&self.locale)), ("path", Json::str(&self.path)), ("stage", stage)])
    }

    fn event(&self, name: &'static str, flow: Option<&str>, step: Option<&str>, event: Option<String>, properties: Json) -> Event {
        Event { name, timestamp: self.now, flow_id: flow.map(String::from), step_id: step.map(String::from), event, properties, context: self.context() }
    }

    // -----------------------------------------------------------------------------------------
    // Introspection

    /// Why each flow is or is not showing right now (debug mode).
    pub fn explain(&self) -> Vec<Status> {
        let mut out = Vec::new();
        for (i, f) in self.model.flows.iter().enumerate() {
            if let Some(r) = self.run(i) {
                let why = match r.phase {
                    Phase::Locate => "starting: looking for its target".to_string(),
                    Phase::Wait(_) => {
                        let sel = match &f.body {
                            Body::Tour(t) => t.steps.get(r.step).map(|s| join(&s.target, " || ")).unwrap_or_default(),
                            Body::Hint(h) => join(&h.target, " || "),
                            _ => String::new(),
                        };
                        if r.hidden {
                            format!("waiting for its target: `{}` matches an element out of sight (a closed drawer or menu); it shows once in view", sel)
                        } else {
                            format!("waiting for its target: nothing on this page matches `{}`", sel)
                        }
                    }
                    Phase::WaitPage => "paused: the current step belongs to another page".to_string(),
                    _ => "showing".to_string(),
                };
                out.push(Status { flow: i, showing: !matches!(r.phase, Phase::Locate | Phase::Wait(_) | Phase::WaitPage), why });
                continue;
            }
            let why = match self.eligible(i, true) {
                Err(e) => e,
                Ok(()) => match &f.trigger {
                    None => "ready, but it has no trigger: it starts only from sb.start(\"id\") or an action".to_string(),
                    Some(t) => {
                        if !self.page_ok(i) {
                            format!("waiting for a page matching {}", t.page.as_deref().unwrap_or(""))
                        } else if t.element.is_some() && !self.present.get(i).copied().unwrap_or(false) {
                            format!("waiting for an element matching `{}` to appear", t.element.as_deref().unwrap_or(""))
                        } else if let Some(e) = &t.event {
                            format!("waiting for the event `{}` (sb.track(\"{}\"))", e, e)
                        } else if self.pending.contains(&i) {
                            "waiting for the flow on screen to end (one blocking flow at a time)".to_string()
                        } else if self.timers.iter().any(|(_, w)| *w == TimerFor::Delay(i)) {
                            format!("starting after its delay of {} ms", t.delay_ms)
                        } else if f.blocking() && self.current().is_some() {
                            "another flow is on screen; it shows on the next page view".to_string()
                        } else {
                            "ready: it shows on the next page view".to_string()
                        }
                    }
                },
            };
            out.push(Status { flow: i, showing: false, why });
        }
        out
    }

    /// The selector lists of flow `flow` that matter on this page, each with what it is for
    /// (`step `id``, `target`, `trigger`): the steps of a tour whose page pattern matches the
    /// current page (or that have none), a hint's target, the trigger's element. The debug
    /// overlay lists those that match nothing on the page.
    pub fn selectors_here(&self, flow: usize) -> Vec<(String, Vec<String>)> {
        let Some(f) = self.model.flows.get(flow) else { return Vec::new() };
        let mut out: Vec<(String, Vec<String>)> = match &f.body {
            Body::Tour(t) => t
                .steps
                .iter()
                .filter(|s| !s.target.is_empty() && s.page.as_deref().is_none_or(|g| glob::matches(g, &self.path, &self.query)))
                .map(|s| (["step `", s.id.as_str(), "`"].concat(), s.target.clone()))
                .collect(),
            Body::Hint(h) => vec![("target".to_string(), h.target.clone())],
            _ => Vec::new(),
        };
        if let Some(sel) = f.trigger.as_ref().and_then(|t| t.element.as_ref()) {
            out.push(("trigger".to_string(), vec![sel.clone()]));
        }
        out
    }

    /// `sb.state()`: what is on screen, milestones, stage and checklist progress, as JSON.
    pub fn state(&self) -> Json {
        let cur = self.current();
        let active = cur.and_then(|r| self.model.flows.get(r.flow)).map(|f| Json::str(&f.id)).unwrap_or(Json::Null);
        let step = cur
            .and_then(|r| match self.model.flows.get(r.flow).map(|f| &f.body) {
                Some(Body::Tour(t)) => t.steps.get(r.step).map(|s| Json::str(&s.id)),
                _ => None,
            })
            .unwrap_or(Json::Null);
        let reached: Vec<Json> = self.model.milestones.iter().enumerate().filter(|(i, _)| self.reached.get(*i).copied().unwrap_or(false)).map(|(_, m)| Json::str(&m.id)).collect();
        let stage = self.stage.and_then(|s| self.model.stages.get(s)).map(|s| Json::str(&s.id)).unwrap_or(Json::Null);
        let facts = self.facts();
        let mut lists = Vec::new();
        for f in &self.model.flows {
            if let Body::Checklist(c) = &f.body {
                let items: Vec<(String, bool)> = c.items.iter().map(|it| (it.id.clone(), condition::holds(&it.done, &self.model, &facts))).collect();
                let done = items.iter().filter(|(_, d)| *d).count();
                let item_json = Json::Obj(items.iter().map(|(k, d)| (Key { s: k.clone(), at: 0 }, Node { v: Json::Bool(*d), at: 0 })).collect());
                lists.push((f.id.clone(), obj(vec![("done", Json::Num(done as f64)), ("total", Json::Num(items.len() as f64)), ("items", item_json)])));
            }
        }
        let showing: Vec<Json> = self.runs.iter().filter_map(|r| self.model.flows.get(r.flow)).map(|f| Json::str(&f.id)).collect();
        obj(vec![
            ("activeFlow", active),
            ("activeStep", step),
            ("showing", Json::arr(showing)),
            ("milestones", Json::arr(reached)),
            ("stage", stage),
            ("checklists", Json::Obj(lists.into_iter().map(|(k, v)| (Key { s: k, at: 0 }, Node { v, at: 0 })).collect())),
            ("locale", Json::str(&self.locale)),
            ("spec", obj(vec![("product", Json::str(&self.model.product)), ("revision", Json::str(&self.model.revision))])),
        ])
    }

    /// Takes everything off the screen (identify with another user, destroy).
    pub fn shutdown(&mut self) -> Vec<Effect> {
        let mut fx = Vec::new();
        for r in std::mem::take(&mut self.runs) {
            fx.push(Effect::Hide { flow: r.flow });
        }
        for (id, _) in std::mem::take(&mut self.timers) {
            fx.push(Effect::CancelTimer { id });
        }
        fx
    }
}

fn trigger_name(occ: &Occasion) -> &'static str {
    match occ {
        Occasion::Load | Occasion::Page => "page",
        Occasion::Event(_) => "event",
        Occasion::Element(_) => "element",
        Occasion::Delay(_) => "delay",
    }
}

#[cfg(test)]
#[path = "engine_tests.rs"]
mod tests;
