//! Evaluates targeting conditions against what is known about the user and the moment
//! ([`Facts`]), and explains in words a CS person can act on why a condition does not hold
//! (for debug mode). Pure: the current time is a field of the facts.

use crate::core::text::join;
use crate::core::duration::DAY;
use crate::core::json::Json;
use crate::core::model::{Cond, Model};
use crate::core::spec::types::{FlowState, StageCmp, TraitOp};
use crate::core::{glob, time};

/// Per-flow history the conditions can ask about.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct FlowFacts {
    pub seen: bool,
    pub completed: bool,
    pub dismissed: bool,
}

/// What conditions are evaluated against.
pub struct Facts<'a> {
    /// The user's traits (a JSON object; anything else is treated as no traits).
    pub traits: &'a Json,
    /// Index of the current stage in `model.stages`, if the spec has stages.
    pub stage: Option<usize>,
    /// Whether each milestone (by model index) is reached.
    pub milestones: &'a [bool],
    /// Per-flow history, by model index.
    pub flows: &'a [FlowFacts],
    pub path: &'a str,
    pub query: &'a str,
    pub locale: &'a str,
    pub now: f64,
}

/// Looks up a trait by name; `company.plan` reads nested objects.
pub fn trait_value<'a>(traits: &'a Json, name: &str) -> Option<&'a Json> {
    if let Some(v) = traits.get(name) {
        return Some(v);
    }
    let mut cur = traits;
    for part in name.split('.') {
        cur = cur.get(part)?;
    }
    Some(cur)
}

fn json_eq(a: &Json, b: &Json) -> bool {
    match (a, b) {
        (Json::Num(x), Json::Num(y)) => x == y,
        (Json::Str(x), Json::Str(y)) => x == y,
        (Json::Bool(x), Json::Bool(y)) => x == y,
        (Json::Null, Json::Null) => true,
        _ => false,
    }
}

/// A trait or comparison value as a time in ms: ISO text or a number of ms.
fn as_time(v: &Json) -> Option<f64> {
    match v {
        Json::Num(n) => Some(*n),
        Json::Str(s) => time::parse_date(s),
        _ => None,
    }
}

fn compare(op: TraitOp, have: &Json, want: &Json) -> bool {
    let ord = match (have, want) {
        (Json::Num(a), Json::Num(b)) => a.partial_cmp(b),
        _ => match (as_time(have), as_time(want)) {
            (Some(a), Some(b)) => a.partial_cmp(&b),
            _ => None,
        },
    };
    let Some(o) = ord else { return false };
    match op {
        TraitOp::Gt => o.is_gt(),
        TraitOp::Gte => o.is_ge(),
        TraitOp::Lt => o.is_lt(),
        TraitOp::Lte => o.is_le(),
        _ => false,
    }
}

fn trait_holds(op: TraitOp, have: Option<&Json>, want: &Json, now: f64) -> bool {
    let present = have.filter(|v| !matches!(v, Json::Null));
    match op {
        TraitOp::Exists => present.is_some() == matches!(want, Json::Bool(true)),
        TraitOp::Eq => present.is_some_and(|h| json_eq(h, want)),
        TraitOp::Ne => !present.is_some_and(|h| json_eq(h, want)),
        TraitOp::In => present.is_some_and(|h| want.as_arr().is_some_and(|l| l.iter().any(|x| json_eq(h, &x.v)))),
        TraitOp::Nin => !present.is_some_and(|h| want.as_arr().is_some_and(|l| l.iter().any(|x| json_eq(h, &x.v)))),
        TraitOp::Gt | TraitOp::Gte | TraitOp::Lt | TraitOp::Lte => present.is_some_and(|h| compare(op, h, want)),
        TraitOp::Contains => match present {
            Some(Json::Str(s)) => match want {
                Json::Str(w) => crate::core::text::contains(&s.to_ascii_lowercase(), &w.to_ascii_lowercase()),
                _ => false,
            },
            Some(Json::Arr(items)) => items.iter().any(|i| json_eq(&i.v, want)),
            _ => false,
        },
        TraitOp::WithinDays | TraitOp::OlderThanDays => {
            let (Some(t), Some(days)) = (present.and_then(as_time), want.as_f64()) else { return false };
            let age = now - t;
            if op == TraitOp::WithinDays {
                // A date a little in the future (clock skew) still counts as recent.
                age <= days * DAY as f64 && age >= -(DAY as f64)
            } else {
                age > days * DAY as f64
            }
        }
    }
}

/// Whether `c` holds. `depth` guards against audiences that refer to each other (the validator
/// rejects cycles; this keeps a hand-built model from recursing forever).
pub fn holds(c: &Cond, m: &Model, f: &Facts) -> bool {
    eval(c, m, f, 0)
}

fn eval(c: &Cond, m: &Model, f: &Facts, depth: u8) -> bool {
    if depth > 32 {
        return false;
    }
    match c {
        Cond::All(v) => v.iter().all(|c| eval(c, m, f, depth + 1)),
        Cond::Any(v) => v.iter().any(|c| eval(c, m, f, depth + 1)),
        Cond::Not(c) => !eval(c, m, f, depth + 1),
        Cond::Trait { name, op, value } => trait_holds(*op, trait_value(f.traits, name), value, f.now),
        Cond::Stage { cmp, stage } => match f.stage {
            Some(cur) => match cmp {
                StageCmp::Is => cur == *stage,
                StageCmp::AtLeast => cur >= *stage,
                StageCmp::Before => cur < *stage,
            },
            None => false,
        },
        Cond::Milestone(i) => f.milestones.get(*i).copied().unwrap_or(false),
        Cond::Flow { state, flow } => {
            let ff = f.flows.get(*flow).copied().unwrap_or_default();
            match state {
                FlowState::Seen => ff.seen,
                FlowState::Completed => ff.completed,
                FlowState::Dismissed => ff.dismissed,
            }
        }
        Cond::Page(g) => glob::matches(g, f.path, f.query),
        Cond::Locale(ls) => {
            let lang = f.locale.split('-').next().unwrap_or(f.locale);
            ls.iter().any(|l| l == f.locale || l == lang)
        }
        Cond::Audience(i) => m.audiences.get(*i).is_some_and(|(_, c)| eval(c, m, f, depth + 1)),
        Cond::Missing => false,
    }
}

fn show(v: Option<&Json>) -> String {
    match v {
        None | Some(Json::Null) => "missing".into(),
        Some(Json::Str(s)) => format!("\"{}\"", s),
        Some(v) => v.write(false),
    }
}

/// Why `c` does not hold, as a sentence; `None` when it holds.
pub fn explain(c: &Cond, m: &Model, f: &Facts) -> Option<String> {
    why(c, m, f, 0)
}

fn why(c: &Cond, m: &Model, f: &Facts, depth: u8) -> Option<String> {
    if depth > 32 || eval(c, m, f, depth) {
        return None;
    }
    let stage_id = |i: usize| m.stages.get(i).map(|s| s.id.as_str()).unwrap_or("?");
    Some(match c {
        Cond::All(v) => return v.iter().find_map(|c| why(c, m, f, depth + 1)),
        Cond::Any(v) if v.is_empty() => "an empty `any` never holds".into(),
        Cond::Any(v) => {
            let parts: Vec<String> = v.iter().filter_map(|c| why(c, m, f, depth + 1)).collect();
            format!("none of these holds: {}", join(&parts, "; "))
        }
        Cond::Not(inner) => format!("it must not be true that {}", describe(inner, m)),
        Cond::Trait { name, op, value } => {
            let have = trait_value(f.traits, name);
            let want = value.write(false);
            let need = match op {
                TraitOp::Eq => format!("equal to {}", want),
                TraitOp::Ne => format!("anything but {}", want),
                TraitOp::In => format!("one of {}", want),
                TraitOp::Nin => format!("none of {}", want),
                TraitOp::Gt => format!("greater than {}", want),
                TraitOp::Gte => format!("at least {}", want),
                TraitOp::Lt => format!("less than {}", want),
                TraitOp::Lte => format!("at most {}", want),
                TraitOp::Exists => (if matches!(value, Json::Bool(true)) { "present" } else { "absent" }).to_string(),
                TraitOp::Contains => format!("to contain {}", want),
                TraitOp::WithinDays => format!("a date within the last {} days", want),
                TraitOp::OlderThanDays => format!("a date more than {} days ago", want),
            };
            format!("the trait `{}` is {}, but the audience needs it {}", name, show(have), need)
        }
        Cond::Stage { cmp, stage } => {
            let cur = f.stage.map(stage_id).unwrap_or("none");
            let need = match cmp {
                StageCmp::Is => format!("`{}`", stage_id(*stage)),
                StageCmp::AtLeast => format!("`{}` or later", stage_id(*stage)),
                StageCmp::Before => format!("before `{}`", stage_id(*stage)),
            };
            format!("the user's stage is `{}`, but the audience needs {}", cur, need)
        }
        Cond::Milestone(i) => format!("the user has not reached the milestone `{}`", m.milestones.get(*i).map(|x| x.id.as_str()).unwrap_or("?")),
        Cond::Flow { state, flow } => {
            let id = m.flows.get(*flow).map(|x| x.id.as_str()).unwrap_or("?");
            let s = match state {
                FlowState::Seen => "seen",
                FlowState::Completed => "completed",
                FlowState::Dismissed => "dismissed",
            };
            format!("the user has not {} the flow `{}`", s, id)
        }
        Cond::Page(g) => format!("the page is {}, which does not match {}", f.path, g),
        Cond::Locale(ls) => format!("the language is {}, not {}", f.locale, join(ls, " or ")),
        Cond::Audience(i) => {
            let (name, c) = m.audiences.get(*i).map(|(n, c)| (n.as_str(), Some(c))).unwrap_or(("?", None));
            let inner = c.and_then(|c| why(c, m, f, depth + 1)).unwrap_or_default();
            format!("the user is not in the audience `{}`: {}", name, inner)
        }
        Cond::Missing => "the audience refers to something the spec does not define (see the validator's warnings)".into(),
    })
}

/// A short description of a condition, for "it must not be true that …".
fn describe(c: &Cond, m: &Model) -> String {
    match c {
        Cond::Milestone(i) => format!("the milestone `{}` is reached", m.milestones.get(*i).map(|x| x.id.as_str()).unwrap_or("?")),
        Cond::Trait { name, op, value } => {
            let word = match op {
                TraitOp::Eq => "equals",
                TraitOp::Ne => "differs from",
                TraitOp::In => "is one of",
                TraitOp::Nin => "is none of",
                TraitOp::Gt => "is greater than",
                TraitOp::Gte => "is at least",
                TraitOp::Lt => "is less than",
                TraitOp::Lte => "is at most",
                TraitOp::Exists => "exists:",
                TraitOp::Contains => "contains",
                TraitOp::WithinDays => "is within the last N days, N =",
                TraitOp::OlderThanDays => "is older than N days, N =",
            };
            format!("the trait `{}` {} {}", name, word, value.write(false))
        }
        Cond::Stage { stage, .. } => format!("the stage is `{}`", m.stages.get(*stage).map(|s| s.id.as_str()).unwrap_or("?")),
        Cond::Flow { state, flow } => {
            let s = match state {
                FlowState::Seen => "seen",
                FlowState::Completed => "completed",
                FlowState::Dismissed => "dismissed",
            };
            format!("the flow `{}` is {}", m.flows.get(*flow).map(|x| x.id.as_str()).unwrap_or("?"), s)
        }
        Cond::Audience(i) => format!("the user is in the audience `{}`", m.audiences.get(*i).map(|(n, _)| n.as_str()).unwrap_or("?")),
        Cond::Page(g) => format!("the page matches {}", g),
        Cond::Locale(ls) => format!("the language is {}", join(ls, " or ")),
        _ => "the inner condition holds".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::spec::validate;

    fn model(audiences: &str) -> Model {
        let src = format!(
            r#"{{"version":1,"product":"t","milestones":[{{"id":"m1","when":{{"event":"a"}}}},{{"id":"m2","when":{{"event":"b"}}}}],
            "stages":[{{"id":"on"}},{{"id":"ad","when":{{"milestones":["m1"]}}}},{{"id":"self","when":{{"milestones":["m1","m2"]}}}}],
            "audiences":{},"flows":[{{"id":"f","kind":"tour","steps":[{{"id":"s"}}]}}]}}"#,
            audiences
        );
        let v = validate(&src);
        v.model.unwrap_or_else(|| panic!("{:?}", v.diagnostics))
    }

    fn traits(s: &str) -> Json {
        crate::core::json::parse(s).map(|(n, _)| n.v).unwrap_or(Json::Null)
    }

    const NOW: f64 = 1_795_305_600_000.0; // 2026-11-22

    fn facts<'a>(t: &'a Json, ms: &'a [bool], fl: &'a [FlowFacts]) -> Facts<'a> {
        Facts { traits: t, stage: Some(1), milestones: ms, flows: fl, path: "/app/dashboard", query: "?tab=2", locale: "ja-JP", now: NOW }
    }

    #[test]
    fn trait_operators() {
        let t = traits(r#"{"plan":"free","tier":"tech","seats":5,"signed_up_at":"2026-11-01","last_seen":1790000000000,"email":"Kim@Acme.com","tags":["beta","vip"],"company":{"size":"smb"},"nothing":null}"#);
        let cases: Vec<(&str, bool)> = vec![
            (r#"{"trait":"plan","eq":"free"}"#, true),
            (r#"{"trait":"plan","eq":"pro"}"#, false),
            (r#"{"trait":"plan","ne":"pro"}"#, true),
            (r#"{"trait":"missing","ne":"pro"}"#, true),
            (r#"{"trait":"plan","in":["free","starter"]}"#, true),
            (r#"{"trait":"plan","nin":["free"]}"#, false),
            (r#"{"trait":"missing","nin":["free"]}"#, true),
            (r#"{"trait":"seats","gt":4}"#, true),
            (r#"{"trait":"seats","gte":5}"#, true),
            (r#"{"trait":"seats","lt":5}"#, false),
            (r#"{"trait":"seats","lte":5}"#, true),
            (r#"{"trait":"plan","gt":1}"#, false),
            (r#"{"trait":"signed_up_at","gt":"2026-10-31"}"#, true),
            (r#"{"trait":"signed_up_at","lt":"2026-10-31"}"#, false),
            (r#"{"trait":"plan","exists":true}"#, true),
            (r#"{"trait":"nothing","exists":true}"#, false),
            (r#"{"trait":"missing","exists":false}"#, true),
            (r#"{"trait":"email","contains":"@acme.com"}"#, true),
            (r#"{"trait":"tags","contains":"vip"}"#, true),
            (r#"{"trait":"tags","contains":"gold"}"#, false),
            (r#"{"trait":"signed_up_at","withinDays":30}"#, true),
            (r#"{"trait":"signed_up_at","withinDays":7}"#, false),
            (r#"{"trait":"last_seen","olderThanDays":30}"#, true),
            (r#"{"trait":"signed_up_at","olderThanDays":30}"#, false),
            (r#"{"trait":"company.size","eq":"smb"}"#, true),
            (r#"{"trait":"seats","eq":"5"}"#, false),
        ];
        for (cond, want) in cases {
            let m = model(&format!(r#"{{"x":{}}}"#, cond));
            let c = &m.audiences[0].1;
            assert_eq!(holds(c, &m, &facts(&t, &[false, false], &[FlowFacts::default()])), want, "{}", cond);
        }
    }

    #[test]
    fn structure_stage_milestone_flow_page_locale() {
        let t = traits(r#"{"tier":"tech","plan":"free"}"#);
        let ms = [true, false];
        let fl = [FlowFacts { seen: true, completed: false, dismissed: true }];
        let cases: Vec<(&str, bool)> = vec![
            (r#"{"all":[]}"#, true),
            (r#"{"any":[]}"#, false),
            (r#"{"not":{"milestone":"m2"}}"#, true),
            (r#"{"all":[{"trait":"tier","eq":"tech"},{"trait":"plan","in":["free"]}]}"#, true),
            (r#"{"any":[{"trait":"tier","eq":"high"},{"milestone":"m1"}]}"#, true),
            (r#"{"stage":"ad"}"#, true),
            (r#"{"stage":"on"}"#, false),
            (r#"{"stage":{"atLeast":"on"}}"#, true),
            (r#"{"stage":{"atLeast":"self"}}"#, false),
            (r#"{"stage":{"before":"self"}}"#, true),
            (r#"{"stage":{"before":"ad"}}"#, false),
            (r#"{"flow":{"seen":"f"}}"#, true),
            (r#"{"flow":{"completed":"f"}}"#, false),
            (r#"{"flow":{"dismissed":"f"}}"#, true),
            (r#"{"page":"/app/*"}"#, true),
            (r#"{"page":"/settings*"}"#, false),
            (r#"{"locale":"ja"}"#, true),
            (r#"{"locale":["en","ko"]}"#, false),
        ];
        for (cond, want) in cases {
            let m = model(&format!(r#"{{"x":{}}}"#, cond));
            assert_eq!(holds(&m.audiences[0].1, &m, &facts(&t, &ms, &fl)), want, "{}", cond);
        }
        // Named audiences compose.
        let m = model(r#"{"tech":{"trait":"tier","eq":"tech"},"tech_free":{"all":[{"audience":"tech"},{"trait":"plan","eq":"free"}]}}"#);
        assert!(holds(&m.audiences[1].1, &m, &facts(&t, &ms, &fl)));
    }

    #[test]
    fn explanations_name_the_failing_part() {
        let t = traits(r#"{"tier":"high","plan":"pro"}"#);
        let m = model(r#"{"tech_touch":{"all":[{"trait":"tier","eq":"tech"},{"trait":"plan","in":["free","starter"]}]},"x":{"all":[{"audience":"tech_touch"},{"stage":"on"}]}}"#);
        let why = explain(&m.audiences[1].1, &m, &facts(&t, &[true, false], &[FlowFacts::default()]));
        assert_eq!(why.as_deref(), Some("the user is not in the audience `tech_touch`: the trait `tier` is \"high\", but the audience needs it equal to \"tech\""));
        let m = model(r#"{"x":{"stage":{"atLeast":"self"}}}"#);
        assert_eq!(explain(&m.audiences[0].1, &m, &facts(&t, &[true, false], &[FlowFacts::default()])).as_deref(), Some("the user's stage is `ad`, but the audience needs `self` or later"));
        let m = model(r#"{"x":{"trait":"plan","exists":true}}"#);
        assert_eq!(explain(&m.audiences[0].1, &m, &facts(&t, &[true, false], &[FlowFacts::default()])), None);
    }
}
