//! The validated onboarding program: what `spec::validate` produces from the wire types and
//! what the scheduler, the flow state machines and the renderer read. Defaults are applied and
//! references are resolved to indices, so nothing downstream handles a missing field or an
//! unknown id.

use crate::core::json::Json;
use crate::core::spec::types::{AnnouncementStyle, FlowKind, FlowState, IfMissing, Placement, Scale, StageCmp, ThemeMode, TraitOp};

/// Localized text: `(locale, text)` pairs; the default locale is always present.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Text(pub Vec<(String, String)>);

impl Text {
    /// The text in `locale`, else in its language without region (`pt` for `pt-BR`), else the default.
    pub fn get<'a>(&'a self, locale: &str, default: &str) -> &'a str {
        let lang = locale.split('-').next().unwrap_or(locale);
        self.0
            .iter()
            .find(|(l, _)| l == locale)
            .or_else(|| self.0.iter().find(|(l, _)| l == lang))
            .or_else(|| self.0.iter().find(|(l, _)| l == default))
            .or_else(|| self.0.first())
            .map(|(_, t)| t.as_str())
            .unwrap_or("")
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Model {
    pub product: String,
    pub revision: String,
    pub default_locale: String,
    pub supported: Vec<String>,
    pub theme: Theme,
    pub milestones: Vec<Milestone>,
    pub stages: Vec<Stage>,
    pub audiences: Vec<(String, Cond)>,
    pub flows: Vec<Flow>,
    pub daily_cap: Option<u32>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Theme {
    pub accent: String,
    pub radius: u32,
    pub font: Option<String>,
    pub mode: ThemeMode,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Milestone {
    pub id: String,
    pub label: Option<Text>,
    pub when: MilestoneWhen,
}

#[derive(Clone, Debug, PartialEq)]
pub enum MilestoneWhen {
    Event { name: String, count: u32 },
    FlowCompleted(usize),
    Milestones(Vec<usize>),
    /// Refers to something that does not exist (a warning was reported): never reached.
    Never,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Stage {
    pub id: String,
    pub label: Option<Text>,
    /// Milestone indices that must all be reached.
    pub requires: Vec<usize>,
    /// False when `when` names a milestone that does not exist (a warning was reported).
    pub reachable: bool,
}

/// A compiled condition: ids resolved to indices.
#[derive(Clone, Debug, PartialEq)]
pub enum Cond {
    All(Vec<Cond>),
    Any(Vec<Cond>),
    Not(Box<Cond>),
    Trait { name: String, op: TraitOp, value: Json },
    Stage { cmp: StageCmp, stage: usize },
    Milestone(usize),
    Flow { state: FlowState, flow: usize },
    Page(String),
    Locale(Vec<String>),
    Audience(usize),
    /// Refers to a milestone, stage, flow or audience that does not exist (the validator warned):
    /// never holds.
    Missing,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Trigger {
    pub page: Option<String>,
    pub event: Option<String>,
    pub element: Option<String>,
    pub delay_ms: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Frequency {
    pub once: bool,
    pub every_ms: Option<u64>,
    pub max_times: Option<u32>,
    pub until_completed: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    Next,
    Back,
    Dismiss,
    Complete,
    StartFlow { flow: usize, step: Option<usize> },
    GoTo(usize),
    Navigate(String),
    OpenUrl { url: String, new_tab: bool },
    Track { event: String, properties: Option<Json> },
    Call(String),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Cta {
    pub label: Text,
    pub action: Action,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Flow {
    pub id: String,
    pub name: String,
    pub kind: FlowKind,
    pub audience: Option<Cond>,
    pub trigger: Option<Trigger>,
    pub frequency: Frequency,
    pub priority: i32,
    pub sample: f64,
    pub snooze_ms: Option<u64>,
    pub enabled: bool,
    pub body: Body,
}

impl Flow {
    /// Blocking flows take the user's attention; only one shows at a time.
    pub fn blocking(&self) -> bool {
        match &self.body {
            Body::Tour(_) | Body::Survey(_) => true,
            Body::Announcement(a) => a.style == AnnouncementStyle::Modal,
            Body::Hint(_) | Body::Checklist(_) => false,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Body {
    Tour(Tour),
    Hint(Hint),
    Announcement(Announcement),
    Checklist(Checklist),
    Survey(Survey),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Advance {
    pub event: Option<String>,
    pub click: bool,
    pub page: Option<String>,
}

impl Advance {
    /// True when the Next button moves the step on (no other rule given).
    pub fn by_button(&self) -> bool {
        self.event.is_none() && !self.click && self.page.is_none()
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    pub id: String,
    pub target: Vec<String>,
    pub placement: Placement,
    pub title: Option<Text>,
    pub body: Option<Text>,
    pub advance: Advance,
    pub if_missing: IfMissing,
    pub wait_ms: u32,
    pub page: Option<String>,
    pub offset: u32,
    pub padding: u32,
    pub cta: Option<Cta>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Tour {
    pub steps: Vec<Step>,
    pub overlay: bool,
    pub show_progress: bool,
    pub dismissible: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Hint {
    pub target: Vec<String>,
    pub title: Option<Text>,
    pub body: Text,
    pub placement: Placement,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Announcement {
    pub style: AnnouncementStyle,
    pub title: Option<Text>,
    pub body: Text,
    pub cta: Option<Cta>,
    pub dismissible: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ChecklistItem {
    pub id: String,
    pub label: Text,
    pub description: Option<Text>,
    pub done: Cond,
    pub action: Option<Action>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Checklist {
    pub title: Text,
    pub description: Option<Text>,
    pub items: Vec<ChecklistItem>,
    pub dismissible: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Survey {
    pub scale: Scale,
    pub question: Text,
    pub follow_up: Option<Text>,
    pub thanks: Option<Text>,
}

impl Scale {
    /// The lowest and highest score.
    pub fn range(self) -> (u32, u32) {
        match self {
            Scale::Nps => (0, 10),
            Scale::Csat => (1, 5),
            Scale::Ces => (1, 7),
        }
    }
}

impl Model {
    pub fn flow_index(&self, id: &str) -> Option<usize> {
        self.flows.iter().position(|f| f.id == id)
    }
    pub fn milestone_index(&self, id: &str) -> Option<usize> {
        self.milestones.iter().position(|m| m.id == id)
    }
}
