//! Scenario tests of the engine with a fake clock and a fake shell: the shell answers target
//! lookups from a set of selectors "on the page", fires timers as the clock moves (over days
//! and weeks), and collects the events. Each test reads as a story a CS person would tell.

use super::*;
use crate::core::duration::{DAY, HOUR};
use crate::core::spec::validate;

const T0: f64 = 1_795_305_600_000.0; // 2026-11-22 00:00 UTC

struct H {
    e: Engine,
    now: f64,
    dom: Vec<String>,
    /// Of `dom`: on the page but out of sight (in a closed drawer).
    hidden: Vec<String>,
    timers: Vec<(u32, f64)>,
    waits: Vec<(usize, usize)>,
    shown: Vec<usize>,
    events: Vec<Event>,
    calls: Vec<String>,
    navigations: Vec<String>,
    watched: Vec<(usize, String)>,
}

fn model(src: &str) -> Model {
    let v = validate(src);
    match v.model {
        Some(m) => m,
        None => panic!("spec invalid: {:?}", v.diagnostics),
    }
}

fn traits(s: &str) -> Json {
    crate::core::json::parse(s).map(|(n, _)| n.v).unwrap_or(Json::Null)
}

impl H {
    fn new(spec: &str, user_traits: &str) -> H {
        H::with(model(spec), Progress::default(), "u1", user_traits)
    }

    fn with(m: Model, p: Progress, user: &str, user_traits: &str) -> H {
        let e = Engine::new(m, p, User { key: user.into(), device: "d1".into(), traits: traits(user_traits) }, "en".into());
        H { e, now: T0, dom: Vec::new(), hidden: Vec::new(), timers: Vec::new(), waits: Vec::new(), shown: Vec::new(), events: Vec::new(), calls: Vec::new(), navigations: Vec::new(), watched: Vec::new() }
    }

    fn flow(&self, id: &str) -> usize {
        self.e.model.flow_index(id).unwrap_or(usize::MAX)
    }

    fn send(&mut self, input: Input) {
        let fx = self.e.handle(self.now, input);
        self.apply(fx);
    }

    fn apply(&mut self, fx: Vec<Effect>) {
        let mut queue: Vec<Input> = Vec::new();
        for f in fx {
            match f {
                Effect::Show { flow } => {
                    if !self.shown.contains(&flow) {
                        self.shown.push(flow);
                    }
                }
                Effect::Hide { flow } => self.shown.retain(|x| *x != flow),
                Effect::Locate { flow, step } => {
                    let what = self.look(flow, step);
                    queue.push(Input::Target { flow, step, what });
                }
                Effect::Wait { flow, step, .. } => self.waits.push((flow, step)),
                Effect::WatchElements(w) => self.watched = w,
                Effect::SetTimer { id, ms } => self.timers.push((id, self.now + ms as f64)),
                Effect::CancelTimer { id } => self.timers.retain(|(t, _)| *t != id),
                Effect::Emit(ev) => self.events.push(ev),
                Effect::Call(name) => self.calls.push(name),
                Effect::Navigate(url) => self.navigations.push(url),
                Effect::Persist | Effect::Announce(_) | Effect::OpenUrl { .. } => {}
            }
        }
        for i in queue {
            self.send(i);
        }
    }

    fn selectors(&self, flow: usize, step: usize) -> Vec<String> {
        match self.e.model.flows.get(flow).map(|f| &f.body) {
            Some(Body::Tour(t)) => t.steps.get(step).map(|s| s.target.clone()).unwrap_or_default(),
            Some(Body::Hint(h)) => h.target.clone(),
            _ => vec![],
        }
    }

    /// What the runtime's `look` answers: a target out of sight is `Hidden`.
    fn look(&self, flow: usize, step: usize) -> Target {
        let sels = self.selectors(flow, step);
        if sels.iter().any(|s| self.dom.contains(s) && !self.hidden.contains(s)) {
            Target::Found
        } else if sels.iter().any(|s| self.dom.contains(s)) {
            Target::Hidden
        } else {
            Target::Absent
        }
    }

    /// The element comes into sight (the drawer opens): an awaited target is found.
    fn reveal(&mut self, sel: &str) {
        self.hidden.retain(|s| s != sel);
        self.answer_waits();
    }

    /// Puts an element on the page; watchers for it are answered.
    fn add(&mut self, sel: &str) {
        self.dom.push(sel.to_string());
        self.answer_waits();
        let hits: Vec<usize> = self.watched.iter().filter(|(_, s)| s == sel).map(|(f, _)| *f).collect();
        for flow in hits {
            self.send(Input::Element { flow, present: true });
        }
    }

    fn answer_waits(&mut self) {
        let waits = std::mem::take(&mut self.waits);
        for (flow, step) in waits {
            if self.look(flow, step) == Target::Found {
                self.send(Input::Target { flow, step, what: Target::Found });
            } else {
                self.waits.push((flow, step));
            }
        }
    }

    fn remove(&mut self, sel: &str) {
        self.dom.retain(|s| s != sel);
    }

    /// Moves the clock, firing due timers in order.
    fn advance(&mut self, ms: f64) {
        let until = self.now + ms;
        loop {
            self.timers.sort_by(|a, b| a.1.total_cmp(&b.1));
            match self.timers.first().copied() {
                Some((id, due)) if due <= until => {
                    self.timers.remove(0);
                    self.now = due;
                    self.send(Input::Timer(id));
                }
                _ => break,
            }
        }
        self.now = until;
    }

    fn load(&mut self, path: &str) {
        self.send(Input::Load { path: path.into(), query: String::new() });
    }
    fn page(&mut self, path: &str) {
        self.send(Input::PageView { path: path.into(), query: String::new() });
    }
    fn track(&mut self, name: &str) {
        self.send(Input::Track { name: name.into(), properties: Json::Null });
    }
    fn ui(&mut self, flow: &str, action: Ui) {
        let f = self.flow(flow);
        self.send(Input::Ui { flow: f, action });
    }

    /// Event names so far (then cleared), with flow/step where present.
    fn take(&mut self) -> Vec<String> {
        std::mem::take(&mut self.events)
            .into_iter()
            .map(|e| {
                let mut s = e.name.to_string();
                for part in [e.flow_id, e.step_id, e.event] {
                    if let Some(p) = part {
                        s.push(':');
                        s.push_str(&p);
                    }
                }
                if let Some(m) = e.properties.get("milestone_id").and_then(|m| m.as_str()) {
                    s.push_str(&format!(":{}", m));
                }
                if let Some(to) = e.properties.get("to").and_then(|m| m.as_str()) {
                    s.push_str(&format!(":{}", to));
                }
                if let Some(i) = e.properties.get("item_id").and_then(|m| m.as_str()) {
                    s.push_str(&format!(":{}", i));
                }
                s
            })
            .collect()
    }

    fn showing(&self, id: &str) -> bool {
        self.shown.contains(&self.flow(id))
    }

    /// A fresh engine with the same model and progress, as after a full reload.
    fn reload(&self, user_traits: &str) -> H {
        let mut h = H::with(self.e.model.clone(), self.e.progress.clone(), &self.e.user.key, user_traits);
        h.now = self.now;
        h.dom = self.dom.clone();
        h
    }
}

const DESIGN: &str = include_str!("../../tests/fixtures/spec/valid/design-example.json");
const ACME: &str = include_str!("../../examples/saas-app/onboarding.json");
const TECH_FREE: &str = r#"{"tier":"tech","plan":"free","role":"admin","signed_up_at":"2026-11-01"}"#;

#[test]
fn the_design_example_welcome_tour_runs_once() {
    let mut h = H::new(DESIGN, TECH_FREE);
    h.dom.push("[data-tour=new-project]".into());
    h.load("/app/dashboard");
    assert_eq!(h.take(), vec!["stage_changed:onboarding", "flow_started:welcome", "step_viewed:welcome:create"]);
    assert!(h.showing("welcome"));
    // The step advances on the product event, which also reaches a milestone and the next stage.
    h.track("project_created");
    assert_eq!(
        h.take(),
        vec![
            "event_tracked:project_created",
            "milestone_reached:first_project",
            "stage_changed:adoption",
            "step_completed:welcome:create",
            "step_viewed:welcome:done"
        ]
    );
    h.ui("welcome", Ui::Next);
    assert_eq!(h.take(), vec!["step_completed:welcome:done", "flow_completed:welcome", "milestone_reached:toured"]);
    assert!(!h.showing("welcome"));
    // After a reload on the same page, nothing shows twice and no stage change is repeated.
    let mut r = h.reload(TECH_FREE);
    r.load("/app/dashboard");
    assert_eq!(r.take(), Vec::<String>::new());
    assert!(!r.showing("welcome"));
}

#[test]
fn audiences_by_tier_and_plan() {
    // A high-touch customer does not get the tech-touch tour, and debug mode says why.
    let mut h = H::new(DESIGN, r#"{"tier":"high","plan":"enterprise"}"#);
    h.load("/app/dashboard");
    assert!(!h.showing("welcome"));
    let why = h.e.explain().into_iter().find(|s| s.flow == h.flow("welcome")).map(|s| s.why).unwrap_or_default();
    assert_eq!(why, "audience: the user is not in the audience `tech_touch`: the trait `tier` is \"high\", but the audience needs it equal to \"tech\"");
    // A tech-touch customer on a paid plan is outside it too.
    let mut h = H::new(DESIGN, r#"{"tier":"tech","plan":"pro"}"#);
    h.load("/app/dashboard");
    assert!(!h.showing("welcome"));
    // In the Acme program, high touch sees the CSM introduction instead.
    let mut h = H::new(ACME, r#"{"tier":"high","plan":"enterprise","role":"admin"}"#);
    h.load("/app/dashboard");
    assert!(h.showing("csm-intro"));
    assert!(!h.showing("welcome"));
    assert!(!h.showing("getting-started"), "the checklist is not for high touch");
    h.ui("csm-intro", Ui::Cta);
    assert_eq!(h.calls, vec!["openChat".to_string()]);
}

#[test]
fn a_user_moves_through_the_stages_over_weeks() {
    let mut h = H::new(ACME, TECH_FREE);
    h.load("/app/settings");
    assert_eq!(h.e.state().get("stage").and_then(|s| s.as_str()), Some("onboarding"));
    h.advance(3.0 * DAY as f64);
    h.track("project_created");
    assert_eq!(h.e.state().get("stage").and_then(|s| s.as_str()), Some("adoption"));
    h.advance(7.0 * DAY as f64);
    for _ in 0..2 {
        h.track("member_invited");
    }
    assert!(!h.e.reached()[h.e.model.milestone_index("team_invited").unwrap_or(0)]);
    h.advance(DAY as f64);
    h.track("member_invited");
    h.track("report_created");
    let evs = h.take();
    assert!(evs.contains(&"milestone_reached:team_invited".to_string()), "{:?}", evs);
    assert!(evs.contains(&"stage_changed:self_sufficient".to_string()), "{:?}", evs);
    // Reported at first load (onboarding), then adoption, then self-sufficient.
    assert_eq!(evs.iter().filter(|e| e.starts_with("stage_changed")).count(), 3);
}

#[test]
fn nps_shows_only_in_the_last_stage_and_again_after_90_days() {
    let mut h = H::new(ACME, TECH_FREE);
    h.load("/app/settings");
    h.ui("getting-started", Ui::Dismiss(Via::Close));
    h.advance(2000.0);
    assert!(!h.showing("nps"), "not in the last stage yet");
    for e in ["project_created", "member_invited", "member_invited", "member_invited", "report_created"] {
        h.track(e);
    }
    // The CSAT survey for the report shows first (it is blocking); answer it.
    h.advance(1300.0);
    assert!(h.showing("report-csat"));
    h.ui("report-csat", Ui::Score(5));
    h.ui("report-csat", Ui::Submit(None));
    h.advance(3000.0);
    h.take();
    // Page triggers fire on navigation: the next page view in the last stage asks NPS.
    h.page("/app/projects");
    h.advance(900.0);
    assert!(h.showing("nps"));
    h.ui("nps", Ui::Score(9));
    h.ui("nps", Ui::Submit(Some("  Great reports  ".into())));
    let answered = h.events.iter().find(|e| e.name == "survey_answered").cloned();
    let props = answered.map(|e| e.properties).unwrap_or(Json::Null);
    assert_eq!(props.get("score"), Some(&Json::Num(9.0)));
    assert_eq!(props.get("comment"), Some(&Json::str("Great reports")));
    assert_eq!(props.get("scale"), Some(&Json::str("nps")));
    h.advance(3000.0);
    assert!(!h.showing("nps"));
    assert!(h.take().contains(&"flow_completed:nps".to_string()));
    // 30 days later: not again. 91 days later: again.
    h.advance(30.0 * DAY as f64);
    h.page("/app/reports");
    h.page("/app/projects");
    h.advance(900.0);
    assert!(!h.showing("nps"));
    let why = h.e.explain().into_iter().find(|s| s.flow == h.flow("nps")).map(|s| s.why).unwrap_or_default();
    assert!(why.starts_with("it shows again once `every` has passed"), "{}", why);
    h.advance(61.0 * DAY as f64);
    h.page("/app/dashboard");
    h.advance(900.0);
    assert!(h.showing("nps"));
    assert_eq!(h.e.progress.surveys.len(), 2, "the CSAT and the first NPS answer are kept");
}

#[test]
fn hints_show_until_completed_and_snooze() {
    let spec = r##"{"version":1,"product":"t","flows":[
      {"id":"h","kind":"hint","target":"#import","body":"Import","trigger":{"page":"/p*"},"frequency":{"untilCompleted":true},"snooze":"3d"}]}"##;
    let mut h = H::new(spec, "{}");
    h.dom.push("#import".into());
    h.load("/p");
    assert!(h.showing("h"));
    // Leaving the page hides it without counting as dismissed; coming back shows it again.
    h.page("/q");
    assert!(!h.showing("h"));
    h.page("/p");
    assert!(h.showing("h"));
    // Dismissing snoozes it for 3 days.
    h.ui("h", Ui::Dismiss(Via::Close));
    h.page("/q");
    h.page("/p");
    assert!(!h.showing("h"));
    h.advance(3.0 * DAY as f64 + 1.0);
    h.page("/q");
    h.page("/p");
    assert!(h.showing("h"));
    // Opening and closing the tooltip completes it: never again.
    h.ui("h", Ui::Open);
    h.ui("h", Ui::Close);
    assert!(h.take().ends_with(&["hint_opened:h".to_string(), "flow_completed:h".to_string()]));
    h.page("/q");
    h.page("/p");
    assert!(!h.showing("h"));
}

#[test]
fn a_hint_whose_target_the_page_takes_away_comes_back_with_it_without_a_deadline() {
    let spec = r##"{"version":1,"product":"t","flows":[
      {"id":"h","kind":"hint","target":"#owner","body":"Owner","trigger":{"page":"/p*"},"frequency":{"untilCompleted":true}},
      {"id":"never","kind":"hint","target":"#gone","body":"Gone","trigger":{"page":"/p*"}}]}"##;
    let mut h = H::new(spec, "{}");
    h.dom.push("#owner".into());
    h.load("/p");
    assert!(h.showing("h"));
    // The page hides the target (a filter panel closed): the beacon goes, and a minute later
    // nothing has ended the hint or reported its target missing.
    h.hidden.push("#owner".into());
    h.send(Input::Target { flow: h.flow("h"), step: 0, what: Target::Hidden });
    assert!(!h.showing("h"));
    h.advance(60_000.0);
    let missing: Vec<String> = h.events.iter().filter(|e| e.name == "target_missing").map(|e| e.flow_id.clone().unwrap_or_default()).collect();
    assert_eq!(missing, vec!["never".to_string()], "only the hint whose target never came is reported");
    assert!(h.e.run(h.flow("h")).is_some(), "the hint still runs");
    // The panel opens again: the beacon is back.
    h.reveal("#owner");
    assert!(h.showing("h"));
    // Removed from the page altogether, then rendered again: the same.
    h.send(Input::Target { flow: h.flow("h"), step: 0, what: Target::Lost });
    assert!(!h.showing("h"));
    h.advance(10_000.0);
    h.answer_waits();
    assert!(h.showing("h"));
    // Leaving the page ends the wait as it ends the hint's stay there.
    h.send(Input::Target { flow: h.flow("h"), step: 0, what: Target::Absent });
    h.page("/q");
    assert!(h.e.run(h.flow("h")).is_none());
    assert_eq!(h.events.iter().filter(|e| e.name == "target_missing").count(), 1);
}

#[test]
fn several_hints_at_once_and_one_blocking_flow_by_priority() {
    let spec = r##"{"version":1,"product":"t","flows":[
      {"id":"low","kind":"tour","priority":1,"trigger":{"page":"/"},"steps":[{"id":"a"}]},
      {"id":"high","kind":"tour","priority":5,"trigger":{"page":"/"},"steps":[{"id":"a"}]},
      {"id":"h1","kind":"hint","target":"#a","body":"A","trigger":{"page":"/"}},
      {"id":"h2","kind":"hint","target":"#b","body":"B","trigger":{"page":"/"}}]}"##;
    let mut h = H::new(spec, "{}");
    h.dom = vec!["#a".into(), "#b".into()];
    h.load("/");
    assert!(h.showing("high") && h.showing("h1") && h.showing("h2"));
    assert!(!h.showing("low"));
    let why = h.e.explain().into_iter().find(|s| s.flow == h.flow("low")).map(|s| s.why).unwrap_or_default();
    assert_eq!(why, "waiting for the flow on screen to end (one blocking flow at a time)");
    // When the first ends, the waiting one starts.
    h.ui("high", Ui::Next);
    assert!(h.showing("low"));
    assert!(h.take().contains(&"flow_started:low".to_string()));
}

#[test]
fn the_daily_cap_limits_automatic_flows() {
    let spec = r##"{"version":1,"product":"t","dailyCap":1,"flows":[
      {"id":"a","kind":"tour","trigger":{"page":"/a"},"steps":[{"id":"x"}]},
      {"id":"b","kind":"survey","scale":"csat","question":"Q","trigger":{"page":"/b"}}]}"##;
    let mut h = H::new(spec, "{}");
    h.load("/a");
    assert!(h.showing("a"));
    h.ui("a", Ui::Next);
    h.page("/b");
    assert!(!h.showing("b"));
    let why = h.e.explain().into_iter().find(|s| s.flow == h.flow("b")).map(|s| s.why).unwrap_or_default();
    assert_eq!(why, "the daily cap of 1 automatic flows is reached");
    // The host may still start it by hand, and the next day it shows by itself.
    h.advance(DAY as f64);
    h.page("/a");
    h.page("/b");
    assert!(h.showing("b"));
}

#[test]
fn sampling_is_stable_per_user() {
    let spec = r##"{"version":1,"product":"t","flows":[{"id":"s","kind":"survey","scale":"nps","question":"Q","sample":0.2,"trigger":{"page":"/"}}]}"##;
    let m = model(spec);
    let mut inside = 0;
    for u in 0..2000 {
        let mut h = H::with(m.clone(), Progress::default(), &format!("user-{}", u), "{}");
        h.load("/");
        let first = h.showing("s");
        // The same user gets the same answer on another device.
        let mut again = H::with(m.clone(), Progress::default(), &format!("user-{}", u), "{}");
        again.load("/");
        assert_eq!(first, again.showing("s"));
        inside += usize::from(first);
    }
    assert!((320..=480).contains(&inside), "{} of 2000 users sampled at 20%", inside);
}

#[test]
fn missing_target_policies() {
    let spec = r##"{"version":1,"product":"t","flows":[{"id":"t","kind":"tour","trigger":{"page":"/"},"steps":[
      {"id":"wait","target":"#late","waitMs":3000},
      {"id":"skip","target":"#nope","ifMissing":"skip"},
      {"id":"center","target":"#nope","ifMissing":"center"},
      {"id":"end","target":"#nope","ifMissing":"end"}]}]}"##;
    // A late target within the wait shows the step.
    let mut h = H::new(spec, "{}");
    h.load("/");
    assert!(!h.showing("t"));
    h.advance(1500.0);
    h.add("#late");
    assert!(h.showing("t"));
    h.take();
    // Skip reports and moves on; center reports and shows in the middle; end reports and ends.
    h.ui("t", Ui::Next);
    let evs = h.take();
    assert_eq!(evs, vec!["step_completed:t:wait", "target_missing:t:skip", "target_missing:t:center", "step_viewed:t:center"]);
    assert_eq!(h.e.run(0).map(|r| r.phase), Some(Phase::Shown { centered: true }));
    h.ui("t", Ui::Next);
    assert_eq!(h.take(), vec!["step_completed:t:center", "target_missing:t:end", "flow_dismissed:t:end"]);
    // A target that never renders: after waitMs the tour ends and says how long it waited.
    let mut h = H::new(spec, "{}");
    h.load("/");
    h.advance(3500.0);
    let missing = h.events.iter().find(|e| e.name == "target_missing").cloned();
    let p = missing.map(|e| e.properties).unwrap_or(Json::Null);
    assert_eq!(p.get("waited_ms"), Some(&Json::Num(3000.0)));
    assert_eq!(p.get("selector"), Some(&Json::str("#late")));
    assert_eq!(p.get("policy"), Some(&Json::str("wait")));
    let dismissed = h.events.iter().find(|e| e.name == "flow_dismissed").map(|e| e.properties.clone()).unwrap_or(Json::Null);
    assert_eq!(dismissed.get("via"), Some(&Json::str("target_missing")));
    assert!(!h.showing("t"));
}

#[test]
fn a_target_removed_during_its_step_is_waited_for() {
    let spec = r##"{"version":1,"product":"t","flows":[{"id":"t","kind":"tour","trigger":{"page":"/"},"steps":[{"id":"a","target":"#x","waitMs":2000},{"id":"b"}]}]}"##;
    let mut h = H::new(spec, "{}");
    h.dom.push("#x".into());
    h.load("/");
    assert!(h.showing("t"));
    h.remove("#x");
    h.send(Input::Target { flow: 0, step: 0, what: Target::Lost });
    assert!(!h.showing("t"));
    h.advance(500.0);
    h.add("#x");
    assert!(h.showing("t"));
    // step_viewed is reported once per step, not again when it comes back.
    assert_eq!(h.take().iter().filter(|e| e.starts_with("step_viewed")).count(), 1);
}

#[test]
fn a_target_out_of_sight_is_waited_for_like_an_absent_one() {
    let spec = r##"{"version":1,"product":"t","flows":[{"id":"t","kind":"tour","trigger":{"page":"/"},"steps":[{"id":"a","target":"#menu","waitMs":3000},{"id":"b","target":"#in-drawer","waitMs":3000},{"id":"c"}]}]}"##;
    // The step's target is in a drawer that is still closed: nothing shows, nothing is said to
    // have been viewed; the debug overlay says why; the drawer opens and the step shows.
    let mut h = H::new(spec, "{}");
    h.dom = vec!["#menu".into(), "#in-drawer".into()];
    h.hidden = vec!["#in-drawer".into()];
    h.load("/");
    assert!(h.showing("t"));
    h.ui("t", Ui::Next);
    assert!(!h.showing("t"), "the first step's card does not stay up while the second waits");
    assert_eq!(h.take(), vec!["flow_started:t", "step_viewed:t:a", "step_completed:t:a"]);
    let why = h.e.explain().into_iter().find(|s| s.flow == 0).map(|s| s.why).unwrap_or_default();
    assert!(why.contains("`#in-drawer` matches an element out of sight"), "{why}");
    h.advance(1000.0);
    h.reveal("#in-drawer");
    assert!(h.showing("t"));
    assert_eq!(h.e.run(0).map(|r| r.step), Some(1));
    assert_eq!(h.take(), vec!["step_viewed:t:b"]);
    // The drawer closes during the step: the card goes, the step waits; it opens again: the
    // card comes back, with no second `step_viewed`.
    h.hidden.push("#in-drawer".into());
    h.send(Input::Target { flow: 0, step: 1, what: Target::Hidden });
    assert!(!h.showing("t"));
    h.advance(500.0);
    h.reveal("#in-drawer");
    assert!(h.showing("t"));
    assert!(h.take().is_empty());
    // Never opened: the wait ends the tour, and `target_missing` says the element was there
    // but out of sight.
    let mut h = H::new(spec, "{}");
    h.dom = vec!["#menu".into(), "#in-drawer".into()];
    h.hidden = vec!["#in-drawer".into()];
    h.load("/");
    h.ui("t", Ui::Next);
    h.advance(3500.0);
    let missing = h.events.iter().find(|e| e.name == "target_missing").map(|e| e.properties.clone()).unwrap_or(Json::Null);
    assert_eq!(missing.get("reason"), Some(&Json::str("hidden")));
    assert_eq!(missing.get("waited_ms"), Some(&Json::Num(3000.0)));
    assert!(!h.showing("t"));
    // Out of sight, then taken out of the page while waited for: reported as absent.
    let mut h = H::new(spec, "{}");
    h.dom = vec!["#menu".into(), "#in-drawer".into()];
    h.hidden = vec!["#in-drawer".into()];
    h.load("/");
    h.ui("t", Ui::Next);
    h.remove("#in-drawer");
    h.send(Input::Target { flow: 0, step: 1, what: Target::Absent });
    h.advance(3500.0);
    let missing = h.events.iter().find(|e| e.name == "target_missing").map(|e| e.properties.clone()).unwrap_or(Json::Null);
    assert_eq!(missing.get("reason"), Some(&Json::str("absent")));
    // Other policies apply to it as to an absent target: `skip` moves on at once.
    let skip = spec.replace(r##""target":"#in-drawer","waitMs":3000"##, r##""target":"#in-drawer","ifMissing":"skip""##);
    let mut h = H::new(&skip, "{}");
    h.dom = vec!["#menu".into(), "#in-drawer".into()];
    h.hidden = vec!["#in-drawer".into()];
    h.load("/");
    h.ui("t", Ui::Next);
    assert_eq!(h.e.run(0).map(|r| r.step), Some(2));
    assert!(h.showing("t"));
}

#[test]
fn multi_page_tours_and_resume_after_reload() {
    let mut h = H::new(ACME, TECH_FREE);
    h.dom = vec!["[data-tour=nav-reports]".into()];
    h.load("/app/settings");
    h.ui("getting-started", Ui::Dismiss(Via::Close));
    h.send(Input::Start { flow: h.flow("reports-tour"), step: None });
    assert!(h.showing("reports-tour"));
    // The first step advances when the user reaches the reports page.
    h.dom.push("[data-tour=new-report]".into());
    h.page("/app/reports");
    assert_eq!(h.e.run(h.flow("reports-tour")).map(|r| r.step), Some(1));
    assert!(h.showing("reports-tour"));
    // Leaving the step's page pauses the tour; coming back resumes it.
    h.page("/app/projects");
    assert!(!h.showing("reports-tour"));
    h.page("/app/reports");
    assert!(h.showing("reports-tour"));
    h.take();
    // A full reload in the middle: the tour resumes at the same step, without a new flow_started.
    let mut r = h.reload(TECH_FREE);
    r.advance(60_000.0);
    r.load("/app/reports");
    assert!(r.showing("reports-tour"));
    assert_eq!(r.e.run(r.flow("reports-tour")).map(|x| x.step), Some(1));
    let evs = r.take();
    assert!(!evs.iter().any(|e| e.starts_with("flow_started")), "{:?}", evs);
    // After more than an hour away, it does not resume.
    let mut late = h.reload(TECH_FREE);
    late.advance(2.0 * HOUR as f64);
    late.load("/app/reports");
    assert!(!late.showing("reports-tour"));
}

#[test]
fn checklists_tick_items_including_earlier_milestones() {
    let mut h = H::new(ACME, TECH_FREE);
    h.load("/signup");
    h.track("project_created");
    h.track("csv_imported");
    h.take();
    h.page("/app/projects");
    assert!(h.showing("getting-started"));
    let evs = h.take();
    assert!(evs.contains(&"checklist_item_completed:getting-started:project".to_string()), "{:?}", evs);
    assert!(evs.contains(&"checklist_item_completed:getting-started:import".to_string()), "{:?}", evs);
    let st = h.e.state();
    let gs = st.get("checklists").and_then(|c| c.get("getting-started")).cloned().unwrap_or(Json::Null);
    assert_eq!(gs.get("done"), Some(&Json::Num(2.0)));
    assert_eq!(gs.get("total"), Some(&Json::Num(4.0)));
    // An item's action runs; clicking does not tick it, its milestone does.
    h.ui("getting-started", Ui::Item(3));
    assert_eq!(h.navigations, vec!["/app/settings/team".to_string()]);
    for _ in 0..3 {
        h.track("member_invited");
    }
    h.track("report_created");
    let evs = h.take();
    assert!(evs.contains(&"checklist_item_completed:getting-started:team".to_string()));
    assert!(evs.contains(&"flow_completed:getting-started".to_string()));
    assert!(evs.contains(&"milestone_reached:set_up".to_string()), "the completion milestone: {:?}", evs);
    // It celebrates, then closes.
    assert!(h.showing("getting-started"));
    h.advance(CELEBRATE_MS as f64 + 1.0);
    assert!(!h.showing("getting-started"));
    // Each item is reported once, ever.
    h.page("/app/reports");
    assert!(!h.take().iter().any(|e| e.starts_with("checklist_item_completed")));
}

#[test]
fn checklist_dismiss_and_reopen() {
    let mut h = H::new(ACME, TECH_FREE);
    h.load("/app/projects");
    let gs = h.flow("getting-started");
    assert_eq!(h.e.run(gs).map(|r| r.phase), Some(Phase::Panel { open: true }));
    h.ui("getting-started", Ui::Toggle);
    assert_eq!(h.e.run(gs).map(|r| r.phase), Some(Phase::Panel { open: false }));
    h.ui("getting-started", Ui::Toggle);
    h.ui("getting-started", Ui::Dismiss(Via::Close));
    assert!(!h.showing("getting-started"));
    // untilCompleted: it comes back on the next page view, minimized.
    h.page("/app/reports");
    assert!(h.showing("getting-started"));
    assert_eq!(h.e.run(gs).map(|r| r.phase), Some(Phase::Panel { open: false }));
}

#[test]
fn surveys_without_follow_up_and_closing_after_a_score() {
    let spec = r##"{"version":1,"product":"t","flows":[
      {"id":"c","kind":"survey","scale":"ces","question":"Easy?","trigger":{"page":"/"}},
      {"id":"n","kind":"survey","scale":"nps","question":"Q","followUp":"Why?"}]}"##;
    let mut h = H::new(spec, "{}");
    h.load("/");
    h.ui("c", Ui::Score(9));
    assert!(!h.events.iter().any(|e| e.name == "survey_answered"), "9 is outside CES 1–7");
    h.ui("c", Ui::Score(6));
    assert_eq!(h.e.run(0).map(|r| r.phase), Some(Phase::Thanks(6)));
    h.advance(THANKS_MS as f64);
    assert!(h.take().ends_with(&["survey_answered:c".to_string(), "flow_completed:c".to_string()]));
    // A score given then the survey closed: the score is still recorded.
    h.send(Input::Start { flow: 1, step: None });
    h.ui("n", Ui::Score(3));
    h.ui("n", Ui::Dismiss(Via::Escape));
    let evs = h.take();
    assert!(evs.contains(&"survey_answered:n".to_string()), "{:?}", evs);
    assert!(!evs.iter().any(|e| e.starts_with("flow_dismissed")));
}

#[test]
fn two_tabs_converge() {
    let m = model(ACME);
    let mut a = H::with(m.clone(), Progress::default(), "u1", TECH_FREE);
    let mut b = H::with(m, Progress::default(), "u1", TECH_FREE);
    for h in [&mut a, &mut b] {
        h.dom = vec!["[data-tour=new-project]".into(), "#import".into(), "[data-tour=nav-reports]".into()];
        h.load("/app/dashboard");
    }
    a.advance(500.0);
    b.advance(500.0);
    assert!(a.showing("welcome") && b.showing("welcome"));
    // Tab A finishes the tour; tab B hears about it through storage and closes it.
    a.send(Input::Current(Ui::Dismiss(Via::Close)));
    b.send(Input::Progress(a.e.progress.clone()));
    assert!(!b.showing("welcome"));
    b.take();
    // A milestone in tab A ticks the checklist in tab B without reporting the milestone twice.
    a.track("project_created");
    b.send(Input::Progress(a.e.progress.clone()));
    let evs = b.take();
    assert!(!evs.iter().any(|e| e.starts_with("milestone_reached")), "{:?}", evs);
    let done = b.e.state().get("checklists").and_then(|c| c.get("getting-started")).and_then(|g| g.get("done")).cloned();
    assert_eq!(done, Some(Json::Num(1.0)));
    // Counters from two tabs of two devices add up.
    let mut c = H::with(model(ACME), Progress::default(), "u1", TECH_FREE);
    c.e.user.device = "phone".into();
    c.load("/x");
    c.track("member_invited");
    c.track("member_invited");
    a.track("member_invited");
    a.send(Input::Progress(c.e.progress.clone()));
    assert_eq!(a.e.progress.count("member_invited"), 3);
    assert!(a.take().contains(&"milestone_reached:team_invited".to_string()), "counts that add up across devices reach the milestone");
}

/// Two tabs hear each other's writes (the storage event): merging what the other wrote must not
/// count as a change of its own, or each write answers the other's forever. (It did: the merge
/// took the newer `updated_at`, which made the merged progress differ, which bumped
/// `updated_at` and wrote again — about 200 writes a second in the demo with two tabs open.)
#[test]
fn two_tabs_stop_writing_once_they_agree() {
    let m = model(ACME);
    let mut a = H::with(m.clone(), Progress::default(), "u1", TECH_FREE);
    let mut b = H::with(m, Progress::default(), "u1", TECH_FREE);
    for h in [&mut a, &mut b] {
        h.dom = vec!["[data-tour=new-project]".into(), "#import".into(), "[data-tour=nav-reports]".into()];
        h.load("/app/projects");
        h.advance(500.0);
    }
    // Tab A reaches a milestone; from then on each tab hears every progress the other writes.
    a.track("project_created");
    let persisted = |fx: &[Effect]| fx.iter().any(|f| matches!(f, Effect::Persist));
    let mut writes = 0;
    let mut from_a = Some(a.e.progress.clone());
    let mut from_b: Option<Progress> = None;
    for _ in 0..20 {
        if let Some(p) = from_a.take() {
            b.now += 7.0;
            let fx = b.e.handle(b.now, Input::Progress(p));
            if persisted(&fx) {
                writes += 1;
                from_b = Some(b.e.progress.clone());
            }
        }
        if let Some(p) = from_b.take() {
            a.now += 13.0;
            let fx = a.e.handle(a.now, Input::Progress(p));
            if persisted(&fx) {
                writes += 1;
                from_a = Some(a.e.progress.clone());
            }
        }
    }
    assert!(writes <= 2, "the tabs wrote {writes} times in answer to each other");
    let strip = |p: &Progress| {
        let mut p = p.clone();
        p.updated_at = 0.0;
        p
    };
    assert!(strip(&a.e.progress) == strip(&b.e.progress), "and agree");
    assert_eq!(b.e.progress.count("project_created"), 1);
}

#[test]
fn delayed_event_and_element_triggers() {
    let spec = r##"{"version":1,"product":"t","flows":[
      {"id":"d","kind":"survey","scale":"csat","question":"Q","trigger":{"event":"report_created","delayMs":1200}},
      {"id":"p","kind":"announcement","style":"banner","body":"B","trigger":{"page":"/r*","delayMs":1000}},
      {"id":"e","kind":"hint","target":"#late","body":"E","trigger":{"element":"#late"}}]}"##;
    let mut h = H::new(spec, "{}");
    h.load("/home");
    assert_eq!(h.watched, vec![(2, "#late".to_string())]);
    h.track("report_created");
    h.advance(1000.0);
    assert!(!h.showing("d"));
    h.advance(300.0);
    assert!(h.showing("d"));
    // A page trigger's delay is cancelled when the user leaves before it elapses.
    h.page("/reports");
    h.advance(500.0);
    h.page("/home");
    h.advance(1000.0);
    assert!(!h.showing("p"));
    h.page("/reports");
    h.advance(1000.0);
    assert!(h.showing("p"));
    // The element trigger starts the hint when its element appears.
    assert!(!h.showing("e"));
    h.add("#late");
    assert!(h.showing("e"));
}

#[test]
fn manual_start_and_actions() {
    let mut h = H::new(ACME, r#"{"tier":"tech","plan":"free","role":"admin"}"#);
    h.dom = vec!["[data-tour=new-project]".into(), "[data-tour=nav-reports]".into()];
    h.load("/app/dashboard");
    h.advance(500.0);
    assert!(h.showing("welcome"));
    // Starting another tour by hand replaces the one on screen.
    h.send(Input::Start { flow: h.flow("reports-tour"), step: None });
    assert!(h.showing("reports-tour") && !h.showing("welcome"));
    let dismissed = h.events.iter().find(|e| e.name == "flow_dismissed").map(|e| e.properties.get("via").cloned());
    assert_eq!(dismissed, Some(Some(Json::str("replaced"))));
    // A checklist item starts the welcome tour at a given step, even though it was seen.
    h.send(Input::Current(Ui::Dismiss(Via::Close)));
    let gs = h.flow("getting-started");
    h.send(Input::Ui { flow: gs, action: Ui::Item(0) });
    assert!(h.showing("welcome"));
    assert_eq!(h.e.run(h.flow("welcome")).map(|r| (r.step, r.trigger)), Some((1, "action")));
    let started = h.events.iter().rev().find(|e| e.name == "flow_started" && e.flow_id.as_deref() == Some("welcome"));
    assert_eq!(started.and_then(|e| e.properties.get("trigger").cloned()), Some(Json::str("action")), "the event says what started it");
    // The banner's button completes it and starts the reports tour.
    h.send(Input::Current(Ui::Dismiss(Via::Close)));
    h.track("project_created");
    h.take();
    h.page("/app/projects");
    assert!(h.showing("reports-launch"));
    h.ui("reports-launch", Ui::Cta);
    assert!(!h.showing("reports-launch"));
    assert!(h.showing("reports-tour"));
    let evs = h.take();
    assert!(evs.contains(&"flow_completed:reports-launch".to_string()), "{:?}", evs);
}

#[test]
fn tour_navigation_back_goto_and_undismissible() {
    let spec = r##"{"version":1,"product":"t","flows":[{"id":"t","kind":"tour","dismissible":false,"trigger":{"page":"/"},"steps":[
      {"id":"a","cta":{"label":"Skip","action":{"goTo":"c"}}},{"id":"b"},{"id":"c"}]}]}"##;
    let mut h = H::new(spec, "{}");
    h.load("/");
    h.ui("t", Ui::Cta);
    assert_eq!(h.e.run(0).map(|r| r.step), Some(2));
    h.ui("t", Ui::Back);
    assert_eq!(h.e.run(0).map(|r| r.step), Some(1));
    h.ui("t", Ui::Dismiss(Via::Escape));
    assert!(h.showing("t"), "an undismissible tour ignores Esc");
    h.ui("t", Ui::Next);
    h.ui("t", Ui::Next);
    assert!(!h.showing("t"));
    let evs = h.take();
    assert_eq!(evs.last().map(String::as_str), Some("flow_completed:t"));
}

#[test]
fn events_carry_context() {
    let mut h = H::new(DESIGN, TECH_FREE);
    h.load("/app/dashboard");
    let e = h.events.iter().find(|e| e.name == "flow_started").cloned();
    let ctx = e.map(|e| e.context).unwrap_or(Json::Null);
    assert_eq!(ctx.get("path"), Some(&Json::str("/app/dashboard")));
    assert_eq!(ctx.get("stage"), Some(&Json::str("onboarding")));
    assert_eq!(ctx.get("locale"), Some(&Json::str("en")));
    assert_eq!(ctx.get("traits").and_then(|t| t.get("tier")), Some(&Json::str("tech")));
}

#[test]
fn missing_references_are_inert() {
    // In the DESIGN example the last stage needs a milestone that does not exist, so NPS never
    // shows, and the banner's button only closes the banner.
    let mut h = H::new(DESIGN, TECH_FREE);
    h.load("/app/x");
    h.send(Input::Start { flow: h.flow("reports-launch"), step: None });
    h.ui("reports-launch", Ui::Cta);
    assert!(h.e.runs().is_empty());
    for e in ["project_created", "member_invited", "member_invited", "member_invited"] {
        h.track(e);
    }
    assert_eq!(h.e.state().get("stage").and_then(|s| s.as_str()), Some("adoption"));
}

#[test]
fn hash_is_stable() {
    assert_eq!(hash01(""), hash01(""));
    assert!(hash01("u1:nps") != hash01("u2:nps"));
    let v = hash01("user-1:s");
    assert!((0.0..1.0).contains(&v));
}

#[test]
fn the_debug_overlay_checks_the_selectors_that_matter_on_this_page() {
    let spec = r##"{"version":1,"product":"t","flows":[
      {"id":"t","kind":"tour","steps":[
        {"id":"a","target":"#a","body":"A"},
        {"id":"b","target":["#b", ".b"],"page":"/reports*","body":"B"},
        {"id":"c","body":"no target"}]},
      {"id":"h","kind":"hint","target":"#h","body":"H","trigger":{"element":"#shown-when"}},
      {"id":"n","kind":"announcement","style":"banner","body":"N"}]}"##;
    let mut h = H::new(spec, "{}");
    h.load("/app");
    let lists = |h: &H, f: &str| h.e.selectors_here(h.flow(f));
    assert_eq!(lists(&h, "t"), vec![("step `a`".to_string(), vec!["#a".to_string()])], "step b belongs to another page, c has no target");
    h.page("/reports/2026");
    assert_eq!(lists(&h, "t"), vec![("step `a`".to_string(), vec!["#a".to_string()]), ("step `b`".to_string(), vec!["#b".to_string(), ".b".to_string()])]);
    assert_eq!(lists(&h, "h"), vec![("target".to_string(), vec!["#h".to_string()]), ("trigger".to_string(), vec!["#shown-when".to_string()])]);
    assert!(lists(&h, "n").is_empty());
    assert!(h.e.selectors_here(99).is_empty());
}
