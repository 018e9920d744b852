//! What to draw for a flow on screen, derived from the engine's state: texts resolved to the
//! user's language, the buttons with their contract action names (`next`, `back`, `dismiss`,
//! `done`, `cta`), progress text, accessible labels, and whether the step is modal. The DOM
//! layer builds elements from a [`View`] and nothing else, so what users see is decided here and
//! tested natively.

use crate::core::engine::{Engine, Phase, Ui, Via};
use crate::core::i18n::{fill, text, Msg};
use crate::core::markdown::plain_text;
use crate::core::model::{Action, Body, Text};
use crate::core::spec::types::{AnnouncementStyle, Placement, Scale};

#[derive(Clone, Debug, PartialEq)]
pub struct Button {
    /// `data-shirube-action`: next, back, dismiss, done or cta.
    pub role: &'static str,
    pub label: String,
    pub ui: Ui,
    pub primary: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct StepView {
    pub step_id: String,
    pub title: Option<String>,
    pub body: Option<String>,
    pub targets: Vec<String>,
    pub centered: bool,
    pub placement: Placement,
    pub offset: u32,
    pub padding: u32,
    /// Dim the page around the target.
    pub overlay: bool,
    /// The page behind is inert and Tab stays in the step. False when the user must use the
    /// page to move on (advance on a click or a product event).
    pub modal: bool,
    /// The step advances when the target is clicked.
    pub click_target: bool,
    pub progress: Option<String>,
    pub buttons: Vec<Button>,
    pub dismissible: bool,
    pub index: usize,
    pub total: usize,
}

#[derive(Clone, Debug, PartialEq)]
pub struct HintView {
    pub targets: Vec<String>,
    pub placement: Placement,
    pub open: bool,
    pub title: Option<String>,
    pub body: String,
    pub beacon_label: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct AnnouncementView {
    pub style: AnnouncementStyle,
    pub title: Option<String>,
    pub body: String,
    pub buttons: Vec<Button>,
    pub dismissible: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ItemView {
    pub id: String,
    pub label: String,
    pub description: Option<String>,
    pub done: bool,
    pub actionable: bool,
    pub state_label: &'static str,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ChecklistView {
    pub title: String,
    pub description: Option<String>,
    pub items: Vec<ItemView>,
    pub done: usize,
    pub total: usize,
    pub progress: String,
    pub open: bool,
    pub celebrate: Option<String>,
    pub dismissible: bool,
    pub toggle_label: String,
}

#[derive(Clone, Debug, PartialEq)]
pub enum SurveyPhase {
    Ask,
    Comment(u32),
    Thanks,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SurveyView {
    pub scale: Scale,
    pub question: String,
    pub phase: SurveyPhase,
    pub low: u32,
    pub high: u32,
    pub low_label: &'static str,
    pub high_label: &'static str,
    pub follow_up: Option<String>,
    pub comment_label: &'static str,
    pub send_label: &'static str,
    pub thanks: String,
    pub score_label: &'static str,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Kind {
    Step(StepView),
    Hint(HintView),
    Announcement(AnnouncementView),
    Checklist(ChecklistView),
    Survey(SurveyView),
}

#[derive(Clone, Debug, PartialEq)]
pub struct View {
    pub flow: usize,
    pub flow_id: String,
    /// The accessible name of the dialog.
    pub label: String,
    pub close_label: &'static str,
    /// Blocking flows take focus and return it when they close.
    pub blocking: bool,
    pub kind: Kind,
}

fn t(e: &Engine, x: &Text) -> String {
    x.get(&e.locale, &e.model.default_locale).to_string()
}

fn ot(e: &Engine, x: &Option<Text>) -> Option<String> {
    x.as_ref().map(|x| t(e, x))
}

/// The view of `flow`, if it is on screen (or about to be).
pub fn view(e: &Engine, flow: usize) -> Option<View> {
    let run = e.run(flow)?;
    view_at(e, flow, run.step, run.phase)
}

/// The view the first tour's first step would have at its target, for the shell's rehearsal
/// (`runtime`'s `Inner::rehearse`): it builds and lays out this card once, hidden, before any
/// tour starts. Nothing in the engine changes.
pub fn rehearsal(e: &Engine) -> Option<View> {
    let flow = e.model.flows.iter().position(|f| f.enabled && matches!(&f.body, Body::Tour(t) if !t.steps.is_empty()))?;
    view_at(e, flow, 0, Phase::Shown { centered: false })
}

fn view_at(e: &Engine, flow: usize, step: usize, phase: Phase) -> Option<View> {
    let f = e.model.flows.get(flow)?;
    let loc = e.locale.as_str();
    let close_label = text(loc, Msg::Close);
    let kind = match &f.body {
        Body::Tour(tour) => {
            let s = tour.steps.get(step)?;
            let total = tour.steps.len();
            let last = step + 1 == total;
            let mut buttons = Vec::new();
            if step > 0 {
                buttons.push(Button { role: "back", label: text(loc, Msg::Back).into(), ui: Ui::Back, primary: false });
            }
            if let Some(c) = &s.cta {
                buttons.push(Button { role: "cta", label: t(e, &c.label), ui: Ui::Cta, primary: false });
            }
            if s.advance.by_button() {
                let (role, msg) = if last { ("done", Msg::Done) } else { ("next", Msg::Next) };
                buttons.push(Button { role, label: text(loc, msg).into(), ui: Ui::Next, primary: true });
            }
            let centered = matches!(phase, Phase::Shown { centered: true }) || s.target.is_empty();
            let interactive = !s.advance.by_button();
            Kind::Step(StepView {
                step_id: s.id.clone(),
                title: ot(e, &s.title),
                body: ot(e, &s.body),
                targets: s.target.clone(),
                centered,
                placement: s.placement,
                offset: s.offset,
                padding: s.padding,
                overlay: tour.overlay,
                modal: tour.overlay && !interactive,
                click_target: s.advance.click,
                progress: (tour.show_progress && total > 1).then(|| fill(text(loc, Msg::StepOf), step + 1, total, "")),
                buttons,
                dismissible: tour.dismissible,
                index: step,
                total,
            })
        }
        Body::Hint(h) => {
            let title = ot(e, &h.title);
            let body = t(e, &h.body);
            let name = title.clone().unwrap_or_else(|| plain_text(&body));
            Kind::Hint(HintView {
                targets: h.target.clone(),
                placement: h.placement,
                open: matches!(phase, Phase::Beacon { open: true }),
                title,
                body,
                beacon_label: fill(text(loc, Msg::OpenHint), 0, 0, &name),
            })
        }
        Body::Announcement(a) => {
            let mut buttons = Vec::new();
            match &a.cta {
                Some(c) => buttons.push(Button { role: "cta", label: t(e, &c.label), ui: Ui::Cta, primary: true }),
                None if a.style == AnnouncementStyle::Modal => buttons.push(Button { role: "done", label: text(loc, Msg::Done).into(), ui: Ui::Next, primary: true }),
                None => {}
            }
            Kind::Announcement(AnnouncementView { style: a.style, title: ot(e, &a.title), body: t(e, &a.body), buttons, dismissible: a.dismissible })
        }
        Body::Checklist(c) => {
            let st = e.state();
            let items_state = st.get("checklists").and_then(|l| l.get(&f.id)).and_then(|x| x.get("items")).cloned();
            let items: Vec<ItemView> = c
                .items
                .iter()
                .map(|it| {
                    let done = items_state.as_ref().and_then(|s| s.get(&it.id)).and_then(|d| d.as_bool()).unwrap_or(false);
                    ItemView {
                        id: it.id.clone(),
                        label: t(e, &it.label),
                        description: ot(e, &it.description),
                        done,
                        actionable: it.action.as_ref().is_some_and(|a| !matches!(a, Action::Dismiss)) && !done,
                        state_label: text(loc, if done { Msg::ItemDone } else { Msg::ItemTodo }),
                    }
                })
                .collect();
            let done = items.iter().filter(|i| i.done).count();
            let total = items.len();
            let (open, celebrate) = match phase {
                Phase::Panel { open } => (open, None),
                Phase::Celebrate => (true, Some(text(loc, Msg::ChecklistDone).to_string())),
                _ => (true, None),
            };
            Kind::Checklist(ChecklistView {
                title: t(e, &c.title),
                description: ot(e, &c.description),
                items,
                done,
                total,
                progress: fill(text(loc, Msg::ChecklistProgress), done, total, ""),
                open,
                celebrate,
                dismissible: c.dismissible,
                toggle_label: text(loc, if open { Msg::ChecklistClose } else { Msg::ChecklistOpen }).to_string(),
            })
        }
        Body::Survey(s) => {
            let (low, high) = s.scale.range();
            let (low_label, high_label) = match s.scale {
                Scale::Nps => (Msg::NpsLow, Msg::NpsHigh),
                Scale::Csat => (Msg::CsatLow, Msg::CsatHigh),
                Scale::Ces => (Msg::CesLow, Msg::CesHigh),
            };
            let phase = match phase {
                Phase::Comment(n) => SurveyPhase::Comment(n),
                Phase::Thanks(_) => SurveyPhase::Thanks,
                _ => SurveyPhase::Ask,
            };
            Kind::Survey(SurveyView {
                scale: s.scale,
                question: t(e, &s.question),
                phase,
                low,
                high,
                low_label: text(loc, low_label),
                high_label: text(loc, high_label),
                follow_up: ot(e, &s.follow_up),
                comment_label: text(loc, Msg::CommentLabel),
                send_label: text(loc, Msg::Send),
                thanks: ot(e, &s.thanks).unwrap_or_else(|| text(loc, Msg::Thanks).to_string()),
                score_label: text(loc, Msg::ScoreLabel),
            })
        }
    };
    let label = match &kind {
        Kind::Step(s) => s.title.as_deref().map(plain_text).unwrap_or_else(|| fill(text(loc, Msg::StepAnnounce), s.index + 1, s.total, "").trim_end_matches([':', '：', ' ']).to_string()),
        Kind::Hint(h) => h.title.as_deref().map(plain_text).unwrap_or_else(|| plain_text(&h.body)),
        Kind::Announcement(a) => a.title.as_deref().map(plain_text).unwrap_or_else(|| plain_text(&a.body)),
        Kind::Checklist(c) => plain_text(&c.title),
        Kind::Survey(s) => plain_text(&s.question),
    };
    Some(View { flow, flow_id: f.id.clone(), label, close_label, blocking: f.blocking(), kind })
}

/// The UI action a button or key means, by its contract name.
pub fn action_for(role: &str) -> Option<Ui> {
    match role {
        "next" | "done" => Some(Ui::Next),
        "back" => Some(Ui::Back),
        "dismiss" => Some(Ui::Dismiss(Via::Close)),
        "cta" => Some(Ui::Cta),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::engine::{Input, User};
    use crate::core::json::Json;
    use crate::core::progress::Progress;
    use crate::core::spec::validate;

    fn engine(spec: &str, locale: &str) -> Engine {
        let m = validate(spec).model.unwrap_or_else(|| panic!("invalid"));
        Engine::new(m, Progress::default(), User { key: "u".into(), device: "d".into(), traits: Json::obj(vec![]) }, locale.into())
    }

    const TOUR: &str = r##"{"version":1,"product":"t","locales":{"default":"en","supported":["en","ja"]},"flows":[{"id":"w","kind":"tour","trigger":{"page":"/"},"steps":[
        {"id":"a","title":{"en":"Start **here**","ja":"ここから"},"body":"Body"},
        {"id":"b","target":"#x","advance":{"click":true}},
        {"id":"c","cta":{"label":{"en":"More","ja":"詳しく"},"action":{"openUrl":"https://x.dev"}}}]}]}"##;

    #[test]
    fn tour_steps_in_both_languages() {
        let mut e = engine(TOUR, "ja");
        e.handle(0.0, Input::Load { path: "/".into(), query: String::new() });
        let v = view(&e, 0).unwrap_or_else(|| panic!("no view"));
        assert_eq!(v.label, "ここから");
        let Kind::Step(s) = v.kind else { panic!("not a step") };
        assert_eq!(s.progress.as_deref(), Some("1 / 3"));
        assert_eq!(s.buttons.iter().map(|b| (b.role, b.label.as_str())).collect::<Vec<_>>(), vec![("next", "次へ")]);
        assert!(s.centered && s.modal);
        // Step b advances on a click of its target: no Next button, not modal.
        e.handle(1.0, Input::Current(Ui::Next));
        e.handle(2.0, Input::Target { flow: 0, step: 1, what: crate::core::engine::Target::Found });
        let Some(Kind::Step(s)) = view(&e, 0).map(|v| v.kind) else { panic!() };
        assert_eq!(s.buttons.iter().map(|b| b.role).collect::<Vec<_>>(), vec!["back"]);
        assert!(!s.modal && s.click_target && !s.centered);
        // The last step says Done and keeps its extra button.
        e.handle(3.0, Input::Target { flow: 0, step: 1, what: crate::core::engine::Target::Clicked });
        let Some(Kind::Step(s)) = view(&e, 0).map(|v| v.kind) else { panic!() };
        assert_eq!(s.buttons.iter().map(|b| (b.role, b.label.as_str())).collect::<Vec<_>>(), vec![("back", "戻る"), ("cta", "詳しく"), ("done", "完了")]);
    }

    #[test]
    fn the_rehearsal_is_the_first_enabled_tours_first_step_at_its_target_and_changes_nothing() {
        let spec = r##"{"version":1,"product":"t","flows":[
          {"id":"off","kind":"tour","enabled":false,"steps":[{"id":"x","target":"#x"}]},
          {"id":"h","kind":"hint","target":"#h","body":"Hint"},
          {"id":"w","kind":"tour","steps":[{"id":"a","target":"#a","title":"First","body":"Body","placement":"right"},{"id":"b","title":"Second"}]}]}"##;
        let mut e = engine(spec, "ja");
        e.handle(0.0, Input::Load { path: "/".into(), query: String::new() });
        let before = e.state();
        let v = rehearsal(&e).unwrap_or_else(|| panic!("no rehearsal"));
        assert_eq!((v.flow, v.flow_id.as_str(), v.label.as_str()), (2, "w", "First"));
        let Kind::Step(s) = v.kind else { panic!("not a step") };
        assert_eq!((s.step_id.as_str(), s.targets.clone(), s.centered, s.placement), ("a", vec!["#a".to_string()], false, Placement::Right));
        assert_eq!(s.buttons.iter().map(|b| (b.role, b.label.as_str())).collect::<Vec<_>>(), vec![("next", "次へ")]);
        assert_eq!(s.progress.as_deref(), Some("1 / 2"));
        // Nothing started: no flow runs, the state is as before.
        assert!(e.run(2).is_none() && view(&e, 2).is_none());
        assert_eq!(e.state(), before);
        // No tour in the spec: nothing to rehearse.
        let e = engine(r##"{"version":1,"product":"t","flows":[{"id":"h","kind":"hint","target":"#h","body":"Hint"}]}"##, "en");
        assert!(rehearsal(&e).is_none());
    }

    #[test]
    fn survey_and_checklist_views() {
        let spec = r##"{"version":1,"product":"t","milestones":[{"id":"m","when":{"event":"e"}}],"flows":[
          {"id":"s","kind":"survey","scale":"csat","question":"Happy?","followUp":"Why?","trigger":{"page":"/"}},
          {"id":"c","kind":"checklist","title":"Start","trigger":{"page":"/"},"items":[{"id":"a","label":"A","done":{"milestone":"m"},"action":{"navigate":"/a"}},{"id":"b","label":"B","done":{"any":[]}}]}]}"##;
        let mut e = engine(spec, "en");
        e.handle(0.0, Input::Track { name: "e".into(), properties: Json::Null });
        e.handle(0.0, Input::Load { path: "/".into(), query: String::new() });
        let Some(Kind::Survey(s)) = view(&e, 0).map(|v| v.kind) else { panic!() };
        assert_eq!((s.low, s.high, s.low_label, s.high_label), (1, 5, "Very dissatisfied", "Very satisfied"));
        e.handle(1.0, Input::Ui { flow: 0, action: Ui::Score(4) });
        let Some(Kind::Survey(s)) = view(&e, 0).map(|v| v.kind) else { panic!() };
        assert_eq!(s.phase, SurveyPhase::Comment(4));
        let Some(Kind::Checklist(c)) = view(&e, 1).map(|v| v.kind) else { panic!() };
        assert_eq!((c.done, c.total, c.progress.as_str(), c.open), (1, 2, "1 of 2 done", true));
        assert_eq!(c.items.iter().map(|i| (i.id.as_str(), i.done, i.actionable)).collect::<Vec<_>>(), vec![("a", true, false), ("b", false, false)]);
    }
}
