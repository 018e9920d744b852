//! The wire types of onboarding spec v1: what a CS team writes, field by field, each with its
//! documentation, default and example. The JSON Schema (`schema/spec.v1.json`) and the field
//! reference (`docs/spec-reference.md`) are generated from these declarations, so this file is
//! the one place a field is described.
//!
//! Decoding here checks shapes and syntax only; meaning across the document (references, cycles,
//! flows that can never show) is `validate`'s job.

use crate::core::text::join;
use super::leaf::*;
use super::wire::{describe_field, doc, object_schema, Cx, Fields, Map, Obj, SchemaGen, Sp, Wire};
use crate::core::diagnostic::did_you_mean;
use crate::core::json::{Json, Node};
use crate::{wire_enum, wire_struct};

wire_struct! {
    /// An onboarding spec: one document per product, written by the customer-success team.
    Spec as "the spec" {
        /// The JSON Schema of this document, for completion and checking in editors.
        opt "$schema" => schema: String ; "\"https://unpkg.com/shirube/schema/spec.v1.json\"",
        /// The version of the spec format. Only 1 exists.
        req "version" => version: Sp<u32> ; "1",
        /// The product this spec belongs to; progress is stored per product.
        req "product" => product: Id ; "\"acme\"",
        /// A label for this edition of the spec, stamped on every event so reports can compare editions.
        opt "revision" => revision: String = "\"\"" ; "\"2026-11-22.3\"",
        /// Which languages the texts come in.
        opt "locales" => locales: Locales = "{\"default\": \"en\", \"supported\": [\"en\", \"ja\"]}",
        /// Colours and shapes of the widgets.
        opt "theme" => theme: Theme,
        /// Adoption milestones: the moments that show a customer is getting value.
        opt "milestones" => milestones: Vec<Milestone> = "[]",
        /// Lifecycle stages in order, from the first (onboarding) to the last (self-sufficiency).
        opt "stages" => stages: Vec<Stage> = "[]",
        /// Named conditions that flows can reuse with {"audience": "name"}.
        opt "audiences" => audiences: Map<Condition> = "{}",
        /// Most flows shown automatically per user per day, across the whole spec. Hints, banners and
        /// checklists do not count; flows started by the app or by another flow do not either.
        opt "dailyCap" => daily_cap: Count ; "2",
        /// The tours, hints, announcements, checklists and surveys.
        req "flows" => flows: Vec<Flow>,
    }
}

wire_struct! {
    /// The languages of the spec's texts.
    Locales as "the locales setting" {
        /// The language every text must have; used when the user's language is not supported.
        req "default" => default: Locale ; "\"en\"",
        /// Every language texts may be written in. Defaults to the default locale and English and Japanese.
        opt "supported" => supported: Vec<Locale> = "[\"en\", \"ja\"]" ; "[\"en\", \"ja\"]",
    }
}

wire_enum! {
    /// Light or dark widgets.
    ThemeMode as "theme mode" {
        /// Follow the user's system setting.
        Auto = "auto",
        Light = "light",
        Dark = "dark",
    }
}

wire_struct! {
    /// Colours and shapes. Hosts can restyle further with CSS custom properties and ::part().
    Theme as "the theme" {
        /// The colour of buttons, beacons and progress.
        opt "accent" => accent: Color = "\"#2563eb\"",
        /// Corner radius of tooltips and panels, in pixels.
        opt "radius" => radius: u32 = "8",
        /// The font family; by default the system UI font.
        opt "font" => font: String ; "\"Inter, system-ui, sans-serif\"",
        /// Light, dark or following the system.
        opt "mode" => mode: ThemeMode = "\"auto\"",
    }
}

wire_struct! {
    /// An adoption milestone, reached once per user and kept.
    Milestone as "a milestone" {
        /// Stable id, used by conditions, stages and reports.
        req "id" => id: Id ; "\"first_project\"",
        /// A name for people (the dashboard, checklists).
        opt "label" => label: Text ; "{\"en\": \"Create a project\", \"ja\": \"プロジェクトを作成\"}",
        /// What reaches it.
        req "when" => when: Sp<MilestoneWhen>,
    }
}

wire_struct! {
    /// What reaches a milestone: a product event (counted), a flow completed, or other milestones. Give exactly one of `event`, `flowCompleted` or `milestones`.
    MilestoneWhen as "a milestone's `when`" {
        /// A product event name, as passed to sb.track(name).
        opt "event" => event: String ; "\"project_created\"",
        /// How many times the event must happen.
        opt "count" => count: Count = "1" ; "3",
        /// Reached when this flow is completed.
        opt "flowCompleted" => flow_completed: Ref ; "\"welcome\"",
        /// Reached when all of these milestones are reached.
        opt "milestones" => milestones: Vec<Ref> ; "[\"first_project\", \"team_invited\"]",
    }
}

wire_struct! {
    /// A lifecycle stage. A user is in the last stage (in list order) whose `when` holds; the first stage usually has no `when`.
    Stage as "a stage" {
        /// Stable id, used by conditions and reports.
        req "id" => id: Id ; "\"adoption\"",
        /// A name for people.
        opt "label" => label: Text ; "{\"en\": \"Adoption\", \"ja\": \"活用\"}",
        /// When the user is in this stage; without it, the stage holds from the start.
        opt "when" => when: StageWhen,
    }
}

wire_struct! {
    /// When a user has reached a stage.
    StageWhen as "a stage's `when`" {
        /// All of these milestones are reached.
        req "milestones" => milestones: Vec<Ref> ; "[\"first_project\"]",
    }
}

// ---------------------------------------------------------------------------------------------
// Conditions

wire_enum! {
    /// How a stage condition compares.
    StageCmp as "stage comparison" {
        /// The user is in exactly this stage.
        Is = "is",
        /// The user is in this stage or a later one.
        AtLeast = "atLeast",
        /// The user is in an earlier stage.
        Before = "before",
    }
}

wire_enum! {
    /// A state of a flow for this user.
    FlowState as "flow state" {
        /// The flow was shown at least once.
        Seen = "seen",
        /// The user finished it.
        Completed = "completed",
        /// The user closed it before the end.
        Dismissed = "dismissed",
    }
}

/// A trait comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TraitOp {
    Eq,
    Ne,
    In,
    Nin,
    Gt,
    Gte,
    Lt,
    Lte,
    Exists,
    Contains,
    WithinDays,
    OlderThanDays,
}

pub const TRAIT_OPS: &[(&str, TraitOp, &str)] = &[
    ("eq", TraitOp::Eq, "equals the value"),
    ("ne", TraitOp::Ne, "differs from the value (or the trait is missing)"),
    ("in", TraitOp::In, "is one of the listed values"),
    ("nin", TraitOp::Nin, "is none of the listed values (or missing)"),
    ("gt", TraitOp::Gt, "is greater than the number or date"),
    ("gte", TraitOp::Gte, "is greater than or equal to the number or date"),
    ("lt", TraitOp::Lt, "is less than the number or date"),
    ("lte", TraitOp::Lte, "is less than or equal to the number or date"),
    ("exists", TraitOp::Exists, "is present (true) or absent (false)"),
    ("contains", TraitOp::Contains, "contains the text, or the list contains the value"),
    ("withinDays", TraitOp::WithinDays, "is a date at most this many days ago"),
    ("olderThanDays", TraitOp::OlderThanDays, "is a date more than this many days ago"),
];

/// A condition on the user and the moment. Written as an object with one deciding key.
#[derive(Clone, Debug, PartialEq)]
pub enum Condition {
    All(Vec<Condition>, u32),
    Any(Vec<Condition>, u32),
    Not(Box<Condition>, u32),
    Trait { name: String, op: TraitOp, value: Node, at: u32, ptr: String },
    Stage { cmp: StageCmp, stage: Ref },
    Milestone(Ref),
    Flow { state: FlowState, flow: Ref },
    Page(Glob),
    Locale(Vec<Locale>),
    Audience(Ref),
}

pub const CONDITION_KEYS: &[&str] = &["all", "any", "not", "trait", "stage", "milestone", "flow", "page", "locale", "audience"];

impl Wire for Condition {
    fn decode(n: &Node, cx: &mut Cx) -> Option<Self> {
        let mut o = Obj::open(n, cx, "a condition")?;
        let present = single_key(&o, CONDITION_KEYS);
        let key = match present.as_slice() {
            [k] => *k,
            [] => {
                let (hint, at) = match o.entries.first() {
                    Some((k, _)) => match did_you_mean(&k.s, CONDITION_KEYS.iter().copied()) {
                        Some(s) => (format!("did you mean `{}`?", s), k.at),
                        None => (format!("use one of: {}", join(CONDITION_KEYS, ", ")), k.at),
                    },
                    None => (format!("use one of: {}", join(CONDITION_KEYS, ", ")), n.at),
                };
                cx.error(at, "invalid-condition", "a condition needs one deciding key".into(), Some(hint));
                return None;
            }
            [a, b, ..] => {
                cx.error(
                    n.at,
                    "invalid-condition",
                    format!("one condition object cannot hold both `{}` and `{}`", a, b),
                    Some("combine conditions with {\"all\": [ {…}, {…} ]}".into()),
                );
                return None;
            }
        };
        let out = match key {
            "all" | "any" => {
                let items = o.opt::<Vec<Condition>>(cx, key)?;
                o.finish(cx, "a condition", &[key], &|_| None);
                if key == "all" {
                    Condition::All(items, n.at)
                } else {
                    Condition::Any(items, n.at)
                }
            }
            "not" => {
                let inner = o.opt::<Condition>(cx, "not")?;
                o.finish(cx, "a condition", &["not"], &|_| None);
                Condition::Not(Box::new(inner), n.at)
            }
            "trait" => return decode_trait(n, o, cx),
            "stage" => {
                let sn = o.node("stage")?;
                cx.push("stage");
                let r = match &sn.v {
                    Json::Str(_) => Ref::decode(sn, cx).map(|stage| Condition::Stage { cmp: StageCmp::Is, stage }),
                    Json::Obj(_) => {
                        let mut so = Obj::open(sn, cx, "a stage comparison")?;
                        let ks = single_key(&so, StageCmp::WORDS);
                        let r = match ks.as_slice() {
                            [k] => so.opt::<Ref>(cx, k).map(|stage| Condition::Stage { cmp: StageCmp::parse(k).unwrap_or(StageCmp::Is), stage }),
                            _ => {
                                cx.error(sn.at, "invalid-condition", "a stage comparison needs exactly one of is, atLeast, before".into(), Some("for example {\"stage\": {\"atLeast\": \"adoption\"}}".into()));
                                None
                            }
                        };
                        so.finish(cx, "a stage comparison", StageCmp::WORDS, &|_| None);
                        r
                    }
                    _ => {
                        cx.wrong_type(sn, "a stage id, or {\"atLeast\": \"stage\"} / {\"before\": \"stage\"}");
                        None
                    }
                };
                cx.pop();
                o.finish(cx, "a stage condition", &["stage"], &|_| None);
                r?
            }
            "milestone" => {
                let r = o.opt::<Ref>(cx, "milestone")?;
                o.finish(cx, "a milestone condition", &["milestone"], &|_| None);
                Condition::Milestone(r)
            }
            "flow" => {
                let fnode = o.node("flow")?;
                cx.push("flow");
                let r = (|| {
                    let mut fo = Obj::open(fnode, cx, "a flow-state condition such as {\"completed\": \"welcome\"}")?;
                    let ks = single_key(&fo, FlowState::WORDS);
                    let r = match ks.as_slice() {
                        [k] => fo.opt::<Ref>(cx, k).map(|flow| Condition::Flow { state: FlowState::parse(k).unwrap_or(FlowState::Completed), flow }),
                        _ => {
                            cx.error(fnode.at, "invalid-condition", "a flow condition needs exactly one of seen, completed, dismissed".into(), Some("for example {\"flow\": {\"completed\": \"welcome\"}}".into()));
                            None
                        }
                    };
                    fo.finish(cx, "a flow-state condition", FlowState::WORDS, &|_| None);
                    r
                })();
                cx.pop();
                o.finish(cx, "a flow condition", &["flow"], &|_| None);
                r?
            }
            "page" => {
                let g = o.opt::<Glob>(cx, "page")?;
                o.finish(cx, "a page condition", &["page"], &|_| None);
                Condition::Page(g)
            }
            "locale" => {
                let ln = o.node("locale")?;
                cx.push("locale");
                let r = match &ln.v {
                    Json::Arr(_) => Vec::<Locale>::decode(ln, cx),
                    _ => Locale::decode(ln, cx).map(|l| vec![l]),
                };
                cx.pop();
                o.finish(cx, "a locale condition", &["locale"], &|_| None);
                Condition::Locale(r?)
            }
            _ => {
                let r = o.opt::<Ref>(cx, "audience")?;
                o.finish(cx, "an audience condition", &["audience"], &|_| None);
                Condition::Audience(r)
            }
        };
        Some(out)
    }

    fn schema(g: &mut SchemaGen) -> Json {
        g.named("Condition", |g| {
            let cond = Json::obj(vec![("$ref", Json::str("#/definitions/Condition"))]);
            let one = |key: &str, desc: &str, v: Json| {
                object_schema(key, desc.to_string(), vec![(static_key(key), describe_field(v, desc.to_string(), None, None), true)])
            };
            let str_t = Json::obj(vec![("type", Json::str("string"))]);
            let mut trait_props = vec![(
                "trait",
                describe_field(str_t.clone(), "The name of a user trait given in init({user: {traits}}) or identify().".into(), None, Some("\"plan\"")),
                true,
            )];
            for (k, op, d) in TRAIT_OPS {
                let v = match op {
                    TraitOp::In | TraitOp::Nin => Json::obj(vec![("type", Json::str("array"))]),
                    TraitOp::Exists => Json::obj(vec![("type", Json::str("boolean"))]),
                    TraitOp::WithinDays | TraitOp::OlderThanDays => Json::obj(vec![("type", Json::str("number")), ("minimum", Json::Num(0.0))]),
                    _ => Json::obj(vec![]),
                };
                trait_props.push((static_key(k), describe_field(v, format!("The trait {}.", d), None, None), false));
            }
            let mut trait_schema = object_schema(
                "trait",
                "Compares a user trait with exactly one operator: {\"trait\": \"plan\", \"in\": [\"free\", \"starter\"]}. Dates are ISO 8601 text (2026-11-01) or milliseconds since 1970.".into(),
                trait_props,
            );
            if let Json::Obj(p) = &mut trait_schema {
                p.push((crate::core::json::Key { s: "minProperties".into(), at: 0 }, Node { v: Json::Num(2.0), at: 0 }));
                p.push((crate::core::json::Key { s: "maxProperties".into(), at: 0 }, Node { v: Json::Num(2.0), at: 0 }));
            }
            let stage_cmp = {
                let r = str_t.clone();
                let docs = ["The user is in exactly this stage.", "The user is in this stage or a later one.", "The user is in an earlier stage."];
                let props = StageCmp::WORDS.iter().zip(docs).map(|(w, d)| (static_key(w), describe_field(r.clone(), d.into(), None, None), false)).collect();
                let mut o = object_schema("stage comparison", "Exactly one of is, atLeast, before.".into(), props);
                if let Json::Obj(p) = &mut o {
                    p.push((crate::core::json::Key { s: "maxProperties".into(), at: 0 }, Node { v: Json::Num(1.0), at: 0 }));
                    p.push((crate::core::json::Key { s: "minProperties".into(), at: 0 }, Node { v: Json::Num(1.0), at: 0 }));
                }
                o
            };
            let flow_state = {
                let docs = ["The flow was shown at least once.", "The user finished the flow.", "The user closed the flow before the end."];
                let props = FlowState::WORDS.iter().zip(docs).map(|(w, d)| (static_key(w), describe_field(str_t.clone(), d.into(), None, None), false)).collect();
                let mut o = object_schema("flow state", "Exactly one of seen, completed, dismissed, with a flow id.".into(), props);
                if let Json::Obj(p) = &mut o {
                    p.push((crate::core::json::Key { s: "maxProperties".into(), at: 0 }, Node { v: Json::Num(1.0), at: 0 }));
                    p.push((crate::core::json::Key { s: "minProperties".into(), at: 0 }, Node { v: Json::Num(1.0), at: 0 }));
                }
                o
            };
            let glob = Glob::schema(g);
            let loc = Locale::schema(g);
            Json::obj(vec![
                ("title", Json::str("condition")),
                ("description", Json::Str(doc(&[" A condition on the user and the moment: one object with one deciding key. Combine with all, any and not."]))),
                (
                    "oneOf",
                    Json::arr(vec![
                        one("all", "All of these conditions hold.", Json::obj(vec![("type", Json::str("array")), ("items", cond.clone())])),
                        one("any", "At least one of these conditions holds.", Json::obj(vec![("type", Json::str("array")), ("items", cond.clone())])),
                        one("not", "This condition does not hold.", cond.clone()),
                        trait_schema,
                        one("stage", "The user's lifecycle stage: a stage id (exactly that stage), or {\"atLeast\": id} / {\"before\": id} / {\"is\": id}.", Json::obj(vec![("anyOf", Json::arr(vec![str_t.clone(), stage_cmp]))])),
                        one("milestone", "The user has reached this milestone.", str_t.clone()),
                        one("flow", "The state of a flow for this user: {\"completed\": \"welcome\"}, {\"seen\": …} or {\"dismissed\": …}.", flow_state),
                        one("page", "The current page matches this pattern.", glob),
                        one("locale", "The user's language is this one (or one of these).", Json::obj(vec![("anyOf", Json::arr(vec![loc.clone(), Json::obj(vec![("type", Json::str("array")), ("items", loc)])]))])),
                        one("audience", "The named audience (from `audiences`) holds.", str_t),
                    ]),
                ),
            ])
        })
    }
}

fn decode_trait(n: &Node, mut o: Obj, cx: &mut Cx) -> Option<Condition> {
    let name = o.opt::<String>(cx, "trait")?;
    let ops: Vec<&str> = TRAIT_OPS.iter().map(|(k, _, _)| *k).collect();
    let present: Vec<&(&str, TraitOp, &str)> = TRAIT_OPS.iter().filter(|(k, _, _)| o.has(k)).collect();
    let mut known = vec!["trait"];
    known.extend(ops.iter().copied());
    let (key, op) = match present.as_slice() {
        [(k, op, _)] => (*k, *op),
        [] => {
            let extra = o.entries.iter().find(|(k, _)| k.s != "trait");
            let hint = match extra.and_then(|(k, _)| did_you_mean(&k.s, ops.iter().copied())) {
                Some(s) => format!("did you mean `{}`?", s),
                None => format!("operators: {}", join(&ops, ", ")),
            };
            cx.error(extra.map(|(k, _)| k.at).unwrap_or(n.at), "invalid-condition", format!("the condition on trait `{}` needs one operator", name), Some(hint));
            return None;
        }
        [a, b, ..] => {
            cx.error(n.at, "invalid-condition", format!("the condition on trait `{}` has two operators, `{}` and `{}`", name, a.0, b.0), Some("split it into two conditions inside {\"all\": […]}".into()));
            return None;
        }
    };
    let vn = o.node(key)?;
    o.finish(cx, "a trait condition", &known, &|_| None);
    cx.push(key);
    let ok = match op {
        TraitOp::In | TraitOp::Nin => match &vn.v {
            Json::Arr(items) => {
                let bad = items.iter().find(|i| matches!(i.v, Json::Arr(_) | Json::Obj(_)));
                if let Some(b) = bad {
                    cx.wrong_type(b, "text, a number or true/false");
                    false
                } else {
                    true
                }
            }
            _ => {
                cx.wrong_type(vn, "a list of values");
                false
            }
        },
        TraitOp::Exists => {
            if !matches!(vn.v, Json::Bool(_)) {
                cx.wrong_type(vn, "true or false");
            }
            matches!(vn.v, Json::Bool(_))
        }
        TraitOp::WithinDays | TraitOp::OlderThanDays => match vn.v {
            Json::Num(d) if d >= 0.0 => true,
            Json::Num(_) => {
                cx.error(vn.at, "non-positive", "a number of days cannot be negative".into(), None);
                false
            }
            _ => {
                cx.wrong_type(vn, "a number of days");
                false
            }
        },
        TraitOp::Gt | TraitOp::Gte | TraitOp::Lt | TraitOp::Lte => match &vn.v {
            Json::Num(_) => true,
            Json::Str(s) if crate::core::time::parse_date(s).is_some() => true,
            _ => {
                cx.wrong_type(vn, "a number or an ISO date such as \"2026-11-01\"");
                false
            }
        },
        TraitOp::Eq | TraitOp::Ne | TraitOp::Contains => {
            if matches!(vn.v, Json::Arr(_) | Json::Obj(_)) {
                cx.wrong_type(vn, "text, a number or true/false (use `in` for a list)");
                false
            } else {
                true
            }
        }
    };
    cx.pop();
    ok.then(|| Condition::Trait { name, op, value: vn.clone(), at: n.at, ptr: cx.path().to_string() })
}

/// Schema keys must be `'static`; the few dynamic ones come from static tables.
fn static_key(k: &str) -> &'static str {
    const ALL: &[&str] = &[
        "all", "any", "not", "trait", "stage", "milestone", "flow", "page", "locale", "audience", "is", "atLeast", "before", "seen", "completed", "dismissed", "eq", "ne", "in", "nin", "gt",
        "gte", "lt", "lte", "exists", "contains", "withinDays", "olderThanDays", "next", "back", "dismiss", "complete", "startFlow", "atStep", "goTo", "navigate", "openUrl", "track", "call", "newTab", "properties",
    ];
    ALL.iter().copied().find(|a| *a == k).unwrap_or("?")
}

// ---------------------------------------------------------------------------------------------
// Triggers, frequency, actions

wire_struct! {
    /// When a flow starts by itself. Every key given must hold: `page` and `event` together mean "this event on this page". After they hold, the flow waits `delayMs`. A flow without a trigger starts only from sb.start(id) or an action.
    Trigger as "a trigger" {
        /// The current page matches; re-checked on every navigation, including single-page-app route changes.
        opt "page" => page: Glob ; "\"/app/dashboard*\"",
        /// A product event is tracked with sb.track(name).
        opt "event" => event: String ; "\"report_opened\"",
        /// An element matching this selector appears on the page.
        opt "element" => element: Selector ; "\"#import\"",
        /// Wait this many milliseconds after the rest of the trigger holds.
        opt "delayMs" => delay_ms: u32 = "0" ; "1500",
    }
}

wire_struct! {
    /// How often a flow may show to one user. Without it a flow shows once.
    Frequency as "a frequency" {
        /// Show at most once.
        opt "once" => once: bool = "true",
        /// Show again after this much time has passed since it last showed.
        opt "every" => every: Duration ; "\"90d\"",
        /// Show at most this many times in all.
        opt "maxTimes" => max_times: Count ; "3",
        /// Show again on later triggers until the user completes it.
        opt "untilCompleted" => until_completed: bool ; "true",
    }
}

/// What a button or item does. Actions are data, never code.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    Next,
    Back,
    Dismiss,
    Complete,
    StartFlow { flow: Ref, at_step: Option<Ref> },
    GoTo(Ref),
    Navigate(Link),
    OpenUrl { url: Link, new_tab: bool },
    Track { event: String, properties: Option<Node> },
    Call(Sp<String>),
}

const ACTION_WORDS: &[&str] = &["next", "back", "dismiss", "complete"];
const ACTION_KEYS: &[&str] = &["startFlow", "goTo", "navigate", "openUrl", "track", "call"];

impl Wire for Action {
    fn decode(n: &Node, cx: &mut Cx) -> Option<Self> {
        if let Json::Str(s) = &n.v {
            return match s.as_str() {
                "next" => Some(Action::Next),
                "back" => Some(Action::Back),
                "dismiss" => Some(Action::Dismiss),
                "complete" => Some(Action::Complete),
                other => {
                    let hint = match did_you_mean(other, ACTION_WORDS.iter().chain(ACTION_KEYS).copied()) {
                        Some(w) if ACTION_KEYS.contains(&w) => format!("did you mean {{\"{}\": …}}?", w),
                        Some(w) => format!("did you mean `{}`?", w),
                        None => "use \"next\", \"back\", \"dismiss\", \"complete\", or an object such as {\"startFlow\": \"welcome\"}".into(),
                    };
                    cx.error(n.at, "invalid-action", format!("`{}` is not an action", other), Some(hint));
                    None
                }
            };
        }
        let mut o = Obj::open(n, cx, "an action")?;
        let present = single_key(&o, ACTION_KEYS);
        let key = match present.as_slice() {
            [k] => *k,
            [] => {
                let first = o.entries.first();
                let hint = match first.and_then(|(k, _)| did_you_mean(&k.s, ACTION_KEYS.iter().copied())) {
                    Some(s) => format!("did you mean `{}`?", s),
                    None => format!("use one of: {}", join(ACTION_KEYS, ", ")),
                };
                cx.error(first.map(|(k, _)| k.at).unwrap_or(n.at), "invalid-action", "an action object needs one of startFlow, goTo, navigate, openUrl, track, call".into(), Some(hint));
                return None;
            }
            [a, b, ..] => {
                cx.error(n.at, "invalid-action", format!("one action cannot both `{}` and `{}`", a, b), None);
                return None;
            }
        };
        let r = match key {
            "startFlow" => {
                let flow = o.opt::<Ref>(cx, key);
                let at_step = o.opt::<Ref>(cx, "atStep");
                flow.map(|flow| Action::StartFlow { flow, at_step })
            }
            "goTo" => o.opt::<Ref>(cx, key).map(Action::GoTo),
            "navigate" => o.opt::<Link>(cx, key).map(Action::Navigate),
            "openUrl" => {
                let url = o.opt::<Link>(cx, key);
                let new_tab = o.opt::<bool>(cx, "newTab").unwrap_or(true);
                url.map(|url| Action::OpenUrl { url, new_tab })
            }
            "track" => {
                let ev = o.opt::<String>(cx, key);
                let props = o.node("properties").cloned();
                if let Some(p) = &props {
                    if !matches!(p.v, Json::Obj(_)) {
                        cx.push("properties");
                        cx.wrong_type(p, "an object of event properties");
                        cx.pop();
                    }
                }
                ev.map(|event| Action::Track { event, properties: props })
            }
            _ => o.opt::<Sp<String>>(cx, key).map(Action::Call),
        };
        let known: &[&str] = match key {
            "openUrl" => &["openUrl", "newTab"],
            "startFlow" => &["startFlow", "atStep"],
            "track" => &["track", "properties"],
            k => std::slice::from_ref(ACTION_KEYS.iter().find(|a| **a == k).unwrap_or(&"call")),
        };
        o.finish(cx, "an action", known, &|_| None);
        r
    }
    fn schema(g: &mut SchemaGen) -> Json {
        g.named("Action", |g| {
            let str_t = Json::obj(vec![("type", Json::str("string"))]);
            let link = Link::schema(g);
            let one = |k: &str, d: &str, v: Json, extra: Vec<(&'static str, Json, bool)>| {
                let mut f = vec![(static_key(k), describe_field(v, d.to_string(), None, None), true)];
                f.extend(extra);
                object_schema(k, d.to_string(), f)
            };
            Json::obj(vec![
                ("title", Json::str("action")),
                ("description", Json::str("What a button or checklist item does: \"next\", \"back\", \"dismiss\", \"complete\", or one of the objects. Actions are data, never code.")),
                (
                    "oneOf",
                    Json::arr(vec![
                        Json::obj(vec![("type", Json::str("string")), ("enum", Json::arr(ACTION_WORDS.iter().map(|w| Json::str(w)).collect()))]),
                        one("startFlow", "Start a flow by id (ends the current blocking one), optionally at a step of a tour.", str_t.clone(), vec![("atStep", describe_field(str_t.clone(), "The id of the step to start at (tours only).".into(), None, None), false)]),
                        one("goTo", "Inside a tour: jump to the step with this id.", str_t.clone(), vec![]),
                        one("navigate", "Go to a page of the app (single-page apps get a history entry and a popstate).", link.clone(), vec![]),
                        one("openUrl", "Open a URL, by default in a new tab.", link, vec![("newTab", describe_field(Json::obj(vec![("type", Json::str("boolean"))]), "Open in a new tab.".into(), Some("true"), None), false)]),
                        one("track", "Track a product event, as sb.track(name, properties) would.", str_t.clone(), vec![("properties", describe_field(Json::obj(vec![("type", Json::str("object"))]), "Properties sent with the event.".into(), None, None), false)]),
                        one("call", "Call a handler the app registered with sb.registerAction(name, fn).", str_t, vec![]),
                    ]),
                ),
            ])
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Flows

wire_enum! {
    /// The five kinds of flow.
    FlowKind as "flow kind" {
        /// A sequence of steps pointing at elements of the page.
        Tour = "tour",
        /// A pulsing beacon beside an element; its tooltip opens on click.
        Hint = "hint",
        /// A modal, banner or slideout message with an optional call to action.
        Announcement = "announcement",
        /// A list of tasks that tick themselves as milestones are reached.
        Checklist = "checklist",
        /// An NPS, CSAT or CES question with an optional comment.
        Survey = "survey",
    }
}

wire_struct! {
    /// Keys every flow has.
    FlowCommon as "a flow" {
        /// Stable id, unique in the spec; events and reports use it.
        req "id" => id: Id ; "\"welcome\"",
        /// A name for the dashboard; defaults to the id.
        opt "name" => name: String ; "\"Welcome tour\"",
        /// Who may see the flow. Without it, everyone.
        opt "audience" => audience: Condition ; "{\"all\": [{\"audience\": \"tech_touch\"}, {\"stage\": \"onboarding\"}]}",
        /// When the flow starts by itself. Without it, only sb.start(id) or an action starts it.
        opt "trigger" => trigger: Sp<Trigger>,
        /// How often it may show to one user.
        opt "frequency" => frequency: Sp<Frequency> = "{\"once\": true}",
        /// When several flows want to show at once, the highest priority wins (ties: spec order).
        opt "priority" => priority: i32 = "0" ; "10",
        /// The share of users who may see it, decided once per user by a stable hash of the user id, so a user stays in or out.
        opt "sample" => sample: Fraction = "1" ; "0.2",
        /// After the user dismisses the flow, wait this long before it may show again (with `every` or `untilCompleted`).
        opt "snooze" => snooze: Duration ; "\"3d\"",
        /// Set to false to switch the flow off without deleting it.
        opt "enabled" => enabled: bool = "true",
    }
}

wire_enum! {
    /// Where a tooltip goes relative to its target. `start` and `end` follow the reading direction (left and right are swapped on right-to-left pages).
    Placement as "placement" {
        Top = "top",
        TopStart = "top-start",
        TopEnd = "top-end",
        Bottom = "bottom",
        BottomStart = "bottom-start",
        BottomEnd = "bottom-end",
        Left = "left",
        LeftStart = "left-start",
        LeftEnd = "left-end",
        Right = "right",
        RightStart = "right-start",
        RightEnd = "right-end",
    }
}

wire_enum! {
    /// What a tour step does when its target is not on the page.
    IfMissing as "missing-target policy" {
        /// Wait for the target to appear (up to `waitMs`), then end the tour.
        Wait = "wait",
        /// Go on to the next step.
        Skip = "skip",
        /// Show the step in the middle of the screen.
        Center = "center",
        /// End the tour at once.
        End = "end",
    }
}

wire_struct! {
    /// What moves a step on. Any key given advances the step when it happens; without `advance`, the Next button does.
    Advance as "an advance rule" {
        /// A product event tracked with sb.track(name).
        opt "event" => event: String ; "\"project_created\"",
        /// A click on the step's target.
        opt "click" => click: bool ; "true",
        /// Navigation to a page matching this pattern.
        opt "page" => page: Glob ; "\"/app/projects/*\"",
    }
}

wire_struct! {
    /// One step of a tour: a tooltip next to an element, or a centred dialog without a target.
    Step as "a tour step" {
        /// Stable id, unique in the tour; events and the funnel report use it.
        req "id" => id: Id ; "\"create\"",
        /// The element to point at. Without it the step is a centred dialog.
        opt "target" => target: Target ; "\"[data-tour=new-project]\"",
        /// Where the tooltip goes; it flips to the other side when there is no room.
        opt "placement" => placement: Placement = "\"bottom\"",
        /// The heading.
        opt "title" => title: Text ; "{\"en\": \"Start here\", \"ja\": \"ここから始めましょう\"}",
        /// The text, with the Markdown subset.
        opt "body" => body: Text ; "{\"en\": \"Create your **first project**.\"}",
        /// What moves the tour on; by default the Next button.
        opt "advance" => advance: Advance,
        /// What happens when the target is not on the page, or is out of sight (a closed drawer).
        opt "ifMissing" => if_missing: IfMissing = "\"wait\"",
        /// How long `wait` waits for the target, in milliseconds.
        opt "waitMs" => wait_ms: u32 = "5000",
        /// The page this step belongs to, for tours across pages: the tour pauses until the user navigates there.
        opt "page" => page: Glob ; "\"/app/projects*\"",
        /// Gap between tooltip and target, in pixels.
        opt "offset" => offset: u32 = "10",
        /// Space between the target and the highlighted cut-out, in pixels.
        opt "padding" => padding: u32 = "6",
        /// An extra button, such as {"label": {"en": "Skip to reports"}, "action": {"goTo": "reports"}}.
        opt "cta" => cta: Cta,
    }
}

wire_struct! {
    /// Tour keys.
    Tour as "a tour" {
        /// The steps, in order.
        req "steps" => steps: Sp<Vec<Step>>,
        /// Dim the page around the target and keep the user's focus in the step (a modal tour). With `false`, each step still moves focus into itself, unless the user is typing in a field of the page: focus then stays in the field, and with it what the field opens (suggestions under a search box), which the step may point at.
        opt "overlay" => overlay: bool = "true",
        /// Show "2 of 5".
        opt "showProgress" => show_progress: bool = "true",
        /// Let the user close the tour (close button, Esc).
        opt "dismissible" => dismissible: bool = "true",
    }
}

wire_struct! {
    /// Hint keys.
    Hint as "a hint" {
        /// The element the beacon sits beside.
        req "target" => target: Target ; "\"#import\"",
        /// The tooltip's heading.
        opt "title" => title: Text,
        /// The tooltip's text.
        req "body" => body: Text ; "{\"en\": \"Import a CSV\"}",
        /// Where the tooltip opens.
        opt "placement" => placement: Placement = "\"right\"",
    }
}

wire_enum! {
    /// How an announcement shows.
    AnnouncementStyle as "announcement style" {
        /// A centred dialog that dims the page.
        Modal = "modal",
        /// A bar across the top of the page.
        Banner = "banner",
        /// A card sliding in at the bottom corner (at the reading end; at the other end while a checklist shows, whose launcher holds that corner; on phones above that launcher, and out of sight while the checklist panel is open over it). Taller than the screen, its body scrolls.
        Slideout = "slideout",
    }
}

wire_struct! {
    /// A button that does something.
    Cta as "a call to action" {
        /// The button's text.
        req "label" => label: Text ; "{\"en\": \"Take the tour\"}",
        /// What it does.
        req "action" => action: Action ; "{\"startFlow\": \"reports-tour\"}",
    }
}

wire_struct! {
    /// Announcement keys.
    Announcement as "an announcement" {
        /// Modal, banner or slideout.
        opt "style" => style: AnnouncementStyle = "\"modal\"",
        /// The heading.
        opt "title" => title: Text,
        /// The message.
        req "body" => body: Text ; "{\"en\": \"Reports are here.\"}",
        /// A button that does something; clicking it completes the announcement.
        opt "cta" => cta: Cta,
        /// Let the user close it.
        opt "dismissible" => dismissible: bool = "true",
    }
}

wire_struct! {
    /// One task of a checklist.
    ChecklistItem as "a checklist item" {
        /// Stable id, unique in the checklist.
        req "id" => id: Id ; "\"project\"",
        /// The task, for people.
        req "label" => label: Text ; "{\"en\": \"Create a project\"}",
        /// A line under the label.
        opt "description" => description: Text,
        /// When the task is done; usually {"milestone": "…"}. Ticks by itself, also for milestones reached before the checklist first showed.
        req "done" => done: Condition ; "{\"milestone\": \"first_project\"}",
        /// What clicking the item does.
        opt "action" => action: Action ; "{\"startFlow\": \"welcome\"}",
    }
}

wire_struct! {
    /// Checklist keys.
    Checklist as "a checklist" {
        /// The heading of the panel.
        req "title" => title: Text ; "{\"en\": \"Getting started\"}",
        /// A line under the heading.
        opt "description" => description: Text,
        /// The tasks.
        req "items" => items: Sp<Vec<ChecklistItem>>,
        /// Let the user close the checklist; the launcher reopens it.
        opt "dismissible" => dismissible: bool = "true",
    }
}

wire_enum! {
    /// The survey's scale.
    Scale as "survey scale" {
        /// Net Promoter Score, 0 to 10.
        Nps = "nps",
        /// Customer satisfaction, 1 to 5.
        Csat = "csat",
        /// Customer effort, 1 to 7.
        Ces = "ces",
    }
}

wire_struct! {
    /// Survey keys.
    Survey as "a survey" {
        /// NPS (0–10), CSAT (1–5) or CES (1–7).
        req "scale" => scale: Scale ; "\"nps\"",
        /// The question.
        req "question" => question: Text ; "{\"en\": \"How likely are you to recommend Acme?\"}",
        /// A free-text question asked after the score; without it, no comment box.
        opt "followUp" => follow_up: Text ; "{\"en\": \"What is the main reason for your score?\"}",
        /// Shown after the answer; a built-in thank-you by default.
        opt "thanks" => thanks: Text,
    }
}

/// The kind-specific part of a flow.
#[derive(Clone, Debug, PartialEq)]
pub enum FlowBody {
    Tour(Tour),
    Hint(Hint),
    Announcement(Announcement),
    Checklist(Checklist),
    Survey(Survey),
}

/// A flow: common keys, `kind`, and the keys of that kind.
#[derive(Clone, Debug, PartialEq)]
pub struct Flow {
    pub common: FlowCommon,
    pub at: u32,
    pub ptr: String,
    pub body: FlowBody,
}

fn kind_keys(k: FlowKind) -> Vec<&'static str> {
    match k {
        FlowKind::Tour => Tour::keys(),
        FlowKind::Hint => Hint::keys(),
        FlowKind::Announcement => Announcement::keys(),
        FlowKind::Checklist => Checklist::keys(),
        FlowKind::Survey => Survey::keys(),
    }
}

const KINDS: [FlowKind; 5] = [FlowKind::Tour, FlowKind::Hint, FlowKind::Announcement, FlowKind::Checklist, FlowKind::Survey];

impl Wire for Flow {
    fn decode(n: &Node, cx: &mut Cx) -> Option<Self> {
        let mut o = Obj::open(n, cx, "a flow")?;
        let kind = if o.has("kind") {
            o.opt::<FlowKind>(cx, "kind")
        } else {
            cx.error(n.at, "missing-key", "a flow needs the key `kind`".into(), Some(format!("one of: {}", join(FlowKind::WORDS, ", "))));
            None
        };
        let common = FlowCommon::decode_fields(&mut o, cx);
        let mut known = FlowCommon::keys();
        known.push("kind");
        let ptr = cx.path().to_string();
        let Some(kind) = kind else {
            // Without a usable kind, accept any key some kind has, and report the rest.
            for k in KINDS {
                known.extend(kind_keys(k));
            }
            o.finish(cx, "a flow", &known, &|_| None);
            return None;
        };
        let body = match kind {
            FlowKind::Tour => FlowBody::Tour(Tour::decode_fields(&mut o, cx)),
            FlowKind::Hint => FlowBody::Hint(Hint::decode_fields(&mut o, cx)),
            FlowKind::Announcement => FlowBody::Announcement(Announcement::decode_fields(&mut o, cx)),
            FlowKind::Checklist => FlowBody::Checklist(Checklist::decode_fields(&mut o, cx)),
            FlowKind::Survey => FlowBody::Survey(Survey::decode_fields(&mut o, cx)),
        };
        known.extend(kind_keys(kind));
        let what = format!("a {} flow", kind.as_str());
        let elsewhere = |key: &str| -> Option<String> {
            let owners: Vec<&str> = KINDS.iter().filter(|k| kind_keys(**k).contains(&key)).map(|k| k.as_str()).collect();
            (!owners.is_empty()).then(|| format!("`{}` belongs to {} flows, but this flow's kind is {}", key, join(&owners, " and "), kind.as_str()))
        };
        o.finish(cx, &what, &known, &elsewhere);
        Some(Flow { common, at: n.at, ptr, body })
    }

    fn schema(g: &mut SchemaGen) -> Json {
        g.named("Flow", |g| {
            let mut variants = Vec::new();
            for k in KINDS {
                let mut f: Vec<(&'static str, Json, bool)> = Vec::new();
                f.push(("kind", describe_field(Json::obj(vec![("const", Json::str(k.as_str()))]), "The kind of flow.".into(), None, None), true));
                FlowCommon::schema_fields(g, &mut f);
                let (title, desc) = match k {
                    FlowKind::Tour => {
                        Tour::schema_fields(g, &mut f);
                        ("tour", "A guided tour: steps that point at elements of the page, one after another.")
                    }
                    FlowKind::Hint => {
                        Hint::schema_fields(g, &mut f);
                        ("hint", "A beacon beside an element; clicking it opens a tooltip. Several hints can show at once.")
                    }
                    FlowKind::Announcement => {
                        Announcement::schema_fields(g, &mut f);
                        ("announcement", "A message as a modal, banner or slideout, with an optional call to action.")
                    }
                    FlowKind::Checklist => {
                        Checklist::schema_fields(g, &mut f);
                        ("checklist", "A launcher with progress (n of m) and a panel of tasks that tick themselves as milestones are reached.")
                    }
                    FlowKind::Survey => {
                        Survey::schema_fields(g, &mut f);
                        ("survey", "A micro-survey: NPS, CSAT or CES, with an optional comment.")
                    }
                };
                variants.push(object_schema(title, desc.into(), f));
            }
            Json::obj(vec![
                ("title", Json::str("flow")),
                ("description", Json::str("A tour, hint, announcement, checklist or survey, chosen by `kind`.")),
                ("type", Json::str("object")),
                ("required", Json::arr(vec![Json::str("id"), Json::str("kind")])),
                ("oneOf", Json::Arr(variants.into_iter().map(|v| Node { v, at: 0 }).collect())),
            ])
        })
    }
}

impl Flow {
    pub fn kind(&self) -> FlowKind {
        match self.body {
            FlowBody::Tour(_) => FlowKind::Tour,
            FlowBody::Hint(_) => FlowKind::Hint,
            FlowBody::Announcement(_) => FlowKind::Announcement,
            FlowBody::Checklist(_) => FlowKind::Checklist,
            FlowBody::Survey(_) => FlowKind::Survey,
        }
    }
}

/// The whole schema document for spec v1.
pub fn schema_document() -> Json {
    let mut g = SchemaGen::default();
    let root = Spec::schema(&mut g);
    let _ = root;
    let mut pairs: Vec<(&str, Json)> = vec![
        ("$schema", Json::str("http://json-schema.org/draft-07/schema#")),
        ("$id", Json::str("https://unpkg.com/shirube/schema/spec.v1.json")),
        ("title", Json::str("Shirube onboarding spec v1")),
        ("description", Json::str("An onboarding spec for Shirube: tours, hints, announcements, checklists and surveys, with milestones, stages and audiences. Generated from the Rust types in src/core/spec/types.rs; do not edit by hand.")),
    ];
    // The root is the Spec definition, inlined so editors show its keys at the top level.
    let spec_def = g.defs.iter().find(|(n, _)| *n == "Spec").map(|(_, d)| d.clone()).unwrap_or(Json::Null);
    if let Json::Obj(p) = spec_def {
        for (k, v) in p {
            if k.s != "title" && k.s != "description" {
                let key: &'static str = match k.s.as_str() {
                    "type" => "type",
                    "properties" => "properties",
                    "required" => "required",
                    "additionalProperties" => "additionalProperties",
                    _ => continue,
                };
                pairs.push((key, v.v));
            }
        }
    }
    let defs: Vec<(&str, Json)> = g.defs.into_iter().filter(|(n, _)| *n != "Spec").collect();
    pairs.push(("definitions", Json::obj(defs)));
    Json::obj(pairs)
}
