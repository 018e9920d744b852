//! Flow funnel: for one flow, who started it, who saw each step, who completed or dismissed it
//! where, how long people spent, and how spec revisions compare.
//!
//! Definitions (range and segment as in `report`; `revision` narrows everything but the
//! `revisions` table to events stamped with that spec revision):
//! - `started` / `completed` / `dismissed` / `opened` (hints) / `answered` (surveys): segment
//!   users with that flow event in the range; `completion_rate` = users who started **and**
//!   completed ÷ users who started;
//! - per step: `viewed`, `completed`, `dismissed` = users with a `step_viewed`,
//!   `step_completed`, `flow_dismissed` on that step; `dropped` = users who viewed the step and
//!   have no `step_completed` for it in the range; `drop_off_rate` = dropped ÷ viewed;
//!   `reach_rate` = viewed ÷ users who viewed the first step;
//! - `median_ms` of a step: median `duration_ms` of its `step_completed` events; of the flow:
//!   median `duration_ms` of its `flow_completed` events (even counts take the mean of the two
//!   middle values);
//! - `revisions[]`: per revision, users who started, who started and completed, the rate and the
//!   median flow time.
//!
//! Steps are listed in the order of the published spec, then any other step ids the events
//! carry (older revisions), sorted.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::store::rollup::{FLOWS, STEPS, TIMINGS};

use super::HashMap;
use super::table::{Table, V};
use super::users::NO_USER;
use super::{median, share, Catalog, Context, Query, ReportError};

#[derive(Debug, Serialize)]
pub struct FlowInfo {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub live: bool,
}

#[derive(Debug, Serialize)]
pub struct Step {
    pub step_id: String,
    pub index: usize,
    pub viewed: u64,
    pub completed: u64,
    pub dismissed: u64,
    pub dropped: u64,
    pub drop_off_rate: f64,
    pub reach_rate: f64,
    pub median_ms: Option<f64>,
}

#[derive(Debug, Serialize)]
pub struct Revision {
    pub revision: String,
    pub started: u64,
    pub completed: u64,
    pub completion_rate: f64,
    pub median_ms: Option<f64>,
}

#[derive(Debug, Serialize)]
pub struct Funnel {
    pub flow: FlowInfo,
    pub revision: Option<String>,
    pub started: u64,
    pub completed: u64,
    pub dismissed: u64,
    pub opened: u64,
    pub answered: u64,
    pub completion_rate: f64,
    pub median_ms: Option<f64>,
    pub steps: Vec<Step>,
    pub revisions: Vec<Revision>,
}

/// The flow a funnel is asked for, or a clear error listing the flows there are.
fn flow_param(ctx: &Context, q: &Query) -> Result<String, ReportError> {
    match q.param("flow") {
        Some(f) => Ok(f.to_owned()),
        None => {
            let known: Vec<&str> = ctx.catalog.flows.iter().map(|f| f.id.as_str()).collect();
            Err(ReportError::BadQuery(format!("the funnel needs ?flow=<flow id>; the published flows are: {}", known.join(", "))))
        }
    }
}

pub async fn compute(ctx: &Context, q: &Query) -> Result<Funnel, ReportError> {
    let flow = flow_param(ctx, q)?;
    let r = q.range;
    let range = Some((r.from, r.to));
    let (flows, steps, timings) =
        tokio::join!(ctx.scan(&FLOWS, range, Some(&flow)), ctx.scan(&STEPS, range, Some(&flow)), ctx.scan(&TIMINGS, range, Some(&flow)));
    let (flows, steps, timings) = (flows?, steps?, timings?);
    let desc = ctx.catalog.flow(&flow);
    if desc.is_none() && flows.len == 0 && steps.len == 0 {
        return Err(ReportError::UnknownFlow { flow, known: ctx.catalog.flows.iter().map(|f| f.id.clone()).collect() });
    }
    let users = &ctx.users;
    let want = q.param("revision");

    // Flow-level events, per revision and user: bits started, completed, dismissed, opened, answered.
    let ucode = users.map_codes(&flows);
    let (keys, revs) = (flows.text_col(2), flows.text_col(3));
    let counts: Vec<&[i64]> = (4..9).map(|c| flows.int_col(c)).collect();
    let mut by_rev: BTreeMap<String, HashMap<u32, u8>> = BTreeMap::new();
    for i in 0..flows.len {
        let (Some(code), Some(rev)) = (keys.get(i), revs.get(i)) else { continue };
        let u = ucode.get(*code as usize).copied().unwrap_or(NO_USER);
        if !users.inside(u) {
            continue;
        }
        let mut bits = 0u8;
        for (b, col) in counts.iter().enumerate() {
            if col.get(i).copied().unwrap_or(0) > 0 {
                bits |= 1 << b;
            }
        }
        *by_rev.entry(flows.text(*rev).unwrap_or("").to_owned()).or_default().entry(u).or_default() |= bits;
    }

    // Durations per revision and step ("" = the whole flow).
    let ucode_t = users.map_codes(&timings);
    let (t_keys, t_revs, t_steps, t_ms) = (timings.text_col(2), timings.text_col(3), timings.text_col(4), timings.int_col(5));
    let mut durations: HashMap<(String, String), Vec<i64>> = HashMap::default();
    for i in 0..timings.len {
        let (Some(code), Some(rev), Some(step), Some(ms)) = (t_keys.get(i), t_revs.get(i), t_steps.get(i), t_ms.get(i)) else { continue };
        if !users.inside(ucode_t.get(*code as usize).copied().unwrap_or(NO_USER)) {
            continue;
        }
        let key = (timings.text(*rev).unwrap_or("").to_owned(), timings.text(*step).unwrap_or("").to_owned());
        durations.entry(key).or_default().push(*ms);
    }
    let durations_for = |rev: Option<&str>, step: &str| -> Vec<i64> {
        durations.iter().filter(|((r, s), _)| s == step && rev.is_none_or(|w| w == r)).flat_map(|(_, v)| v.iter().copied()).collect()
    };

    let revisions: Vec<Revision> = by_rev
        .iter()
        .map(|(rev, m)| {
            let started = m.values().filter(|b| **b & 1 != 0).count() as u64;
            let both = m.values().filter(|b| **b & 3 == 3).count() as u64;
            Revision {
                revision: rev.clone(),
                started,
                completed: both,
                completion_rate: share(both, started),
                median_ms: median(&mut durations_for(Some(rev), "")),
            }
        })
        .collect();

    // The selected revision(s), merged per user.
    let mut merged: HashMap<u32, u8> = HashMap::default();
    for (rev, m) in &by_rev {
        if want.is_none_or(|w| w == rev) {
            for (u, b) in m {
                *merged.entry(*u).or_default() |= *b;
            }
        }
    }
    let count = |bit: u8| merged.values().filter(|b| **b & bit != 0).count() as u64;
    let started = count(1);
    let both = merged.values().filter(|b| **b & 3 == 3).count() as u64;

    // Steps: bits viewed, completed, dismissed per user.
    let ucode_s = users.map_codes(&steps);
    let (s_keys, s_revs, s_steps) = (steps.text_col(2), steps.text_col(3), steps.text_col(4));
    let (viewed, completed, dismissed) = (steps.int_col(5), steps.int_col(6), steps.int_col(7));
    let mut per_step: HashMap<String, HashMap<u32, u8>> = HashMap::default();
    for i in 0..steps.len {
        let (Some(code), Some(rev), Some(step)) = (s_keys.get(i), s_revs.get(i), s_steps.get(i)) else { continue };
        if want.is_some_and(|w| Some(w) != steps.text(*rev)) {
            continue;
        }
        let u = ucode_s.get(*code as usize).copied().unwrap_or(NO_USER);
        if !users.inside(u) {
            continue;
        }
        let mut bits = 0u8;
        if viewed.get(i).copied().unwrap_or(0) > 0 {
            bits |= 1;
        }
        if completed.get(i).copied().unwrap_or(0) > 0 {
            bits |= 2;
        }
        if dismissed.get(i).copied().unwrap_or(0) > 0 {
            bits |= 4;
        }
        *per_step.entry(steps.text(*step).unwrap_or("").to_owned()).or_default().entry(u).or_default() |= bits;
    }
    let spec_steps: Vec<String> = desc.map(|d| d.steps.clone()).unwrap_or_default();
    let order = Catalog::order(&spec_steps, per_step.keys().filter(|s| !s.is_empty()).cloned());
    let empty = HashMap::default();
    let first_viewed = order.first().and_then(|s| per_step.get(s)).map_or(0, |m| m.values().filter(|b| **b & 1 != 0).count() as u64);
    let steps_out: Vec<Step> = order
        .iter()
        .enumerate()
        .map(|(index, s)| {
            let m = per_step.get(s).unwrap_or(&empty);
            let c = |bit: u8| m.values().filter(|b| **b & bit != 0).count() as u64;
            let v = c(1);
            let dropped = m.values().filter(|b| **b & 1 != 0 && **b & 2 == 0).count() as u64;
            Step {
                step_id: s.clone(),
                index,
                viewed: v,
                completed: c(2),
                dismissed: c(4),
                dropped,
                drop_off_rate: share(dropped, v),
                reach_rate: share(v, first_viewed),
                median_ms: median(&mut durations_for(want, s)),
            }
        })
        .collect();
    Ok(Funnel {
        flow: FlowInfo {
            name: ctx.catalog.flow_name(&flow),
            kind: desc.map_or("", |d| d.kind).to_owned(),
            live: desc.is_some_and(|d| d.enabled),
            id: flow,
        },
        revision: want.map(str::to_owned),
        started,
        completed: count(2),
        dismissed: count(4),
        opened: count(8),
        answered: count(16),
        completion_rate: share(both, started),
        median_ms: median(&mut durations_for(want, "")),
        steps: steps_out,
        revisions,
    })
}

impl Funnel {
    pub fn tables(&self) -> Vec<Table> {
        let mut steps = Table::new(
            "steps",
            &["step_id", "index", "viewed", "completed", "dismissed", "dropped", "drop_off_rate", "reach_rate", "median_ms"],
        );
        for s in &self.steps {
            steps.push(vec![
                V::text(&s.step_id),
                V::Int(s.index as i64),
                s.viewed.into(),
                s.completed.into(),
                s.dismissed.into(),
                s.dropped.into(),
                V::Num(s.drop_off_rate),
                V::Num(s.reach_rate),
                V::opt(s.median_ms),
            ]);
        }
        let mut revs = Table::new("revisions", &["revision", "started", "completed", "completion_rate", "median_ms"]);
        for r in &self.revisions {
            revs.push(vec![V::text(&r.revision), r.started.into(), r.completed.into(), V::Num(r.completion_rate), V::opt(r.median_ms)]);
        }
        vec![steps, revs]
    }
}
