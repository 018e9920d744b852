//! Overview: how many users were active, how many were new, how many events arrived per day,
//! and how each flow of the program did in the range.
//!
//! Definitions (range and segment as in `report`):
//! - `active_users`: segment users with at least one event in the range;
//! - `new_users`: segment users first seen (their earliest event) in the range;
//! - `events`: events of segment users in the range;
//! - `daily[]`: the same three per day (`active_users` of a day are that day's distinct users);
//! - `flows[]`, per flow: `started`, `completed`, `dismissed` count segment users with a
//!   `flow_started`, `flow_completed`, `flow_dismissed` of the flow in the range;
//!   `completion_rate` = users who started **and** completed it in the range ÷ users who
//!   started it; `live` says the flow is enabled in a currently published spec;
//! - `live_flows`: how many flows are live.


use serde::Serialize;

use crate::date;
use crate::store::rollup::{ACTIVITY, FLOWS};

use super::HashMap;
use super::table::{Table, V};
use super::{share, Catalog, Context, Query, ReportError};

#[derive(Debug, Serialize)]
pub struct Day {
    pub day: String,
    pub events: u64,
    pub active_users: u64,
    pub new_users: u64,
}

#[derive(Debug, Serialize)]
pub struct FlowRow {
    pub flow_id: String,
    pub name: String,
    pub kind: String,
    pub live: bool,
    pub started: u64,
    pub completed: u64,
    pub dismissed: u64,
    pub completion_rate: f64,
}

#[derive(Debug, Serialize)]
pub struct Overview {
    pub active_users: u64,
    pub new_users: u64,
    pub events: u64,
    pub live_flows: u64,
    pub daily: Vec<Day>,
    pub flows: Vec<FlowRow>,
}

pub async fn compute(ctx: &Context, q: &Query) -> Result<Overview, ReportError> {
    let r = q.range;
    let (activity, flows) = tokio::join!(ctx.scan(&ACTIVITY, Some((r.from, r.to)), None), ctx.scan(&FLOWS, Some((r.from, r.to)), None));
    let (activity, flows) = (activity?, flows?);
    let users = &ctx.users;
    let n_days = r.days() as usize;
    let mut daily: Vec<Day> = (0..n_days).map(|i| Day { day: date::ymd(r.from + i as i64), events: 0, active_users: 0, new_users: 0 }).collect();

    let ucode = users.map_codes(&activity);
    let mut active = vec![false; users.len()];
    let mut events = 0u64;
    let (days, keys, counts) = (activity.int_col(0), activity.text_col(1), activity.int_col(2));
    for i in 0..activity.len {
        let (Some(day), Some(code), Some(n)) = (days.get(i), keys.get(i), counts.get(i)) else { continue };
        let u = ucode.get(*code as usize).copied().unwrap_or(super::users::NO_USER);
        if !users.inside(u) {
            continue;
        }
        let n = u64::try_from(*n).unwrap_or(0);
        events += n;
        if let Some(d) = daily.get_mut((day - r.from) as usize) {
            d.events += n;
            // One rollup row per (day, user): each row is one active user of that day.
            d.active_users += 1;
        }
        if let Some(a) = active.get_mut(u as usize) {
            *a = true;
        }
    }
    let mut new_users = 0u64;
    for (u, first) in users.first_seen.iter().enumerate() {
        let day = date::day_of_ms(*first);
        if users.in_segment.get(u).copied().unwrap_or(false) && r.contains_day(day) {
            new_users += 1;
            if let Some(d) = daily.get_mut((day - r.from) as usize) {
                d.new_users += 1;
            }
        }
    }

    // Per flow: bit 0 started, 1 completed, 2 dismissed, per user.
    let ucode = users.map_codes(&flows);
    let mut per_flow: HashMap<u32, HashMap<u32, u8>> = HashMap::default();
    let (fl, keys) = (flows.text_col(0), flows.text_col(2));
    let (started, completed, dismissed) = (flows.int_col(4), flows.int_col(5), flows.int_col(6));
    for i in 0..flows.len {
        let (Some(f), Some(code)) = (fl.get(i), keys.get(i)) else { continue };
        let u = ucode.get(*code as usize).copied().unwrap_or(super::users::NO_USER);
        if !users.inside(u) {
            continue;
        }
        let mut bits = 0u8;
        if started.get(i).copied().unwrap_or(0) > 0 {
            bits |= 1;
        }
        if completed.get(i).copied().unwrap_or(0) > 0 {
            bits |= 2;
        }
        if dismissed.get(i).copied().unwrap_or(0) > 0 {
            bits |= 4;
        }
        if bits != 0 {
            *per_flow.entry(*f).or_default().entry(u).or_default() |= bits;
        }
    }
    let seen: HashMap<String, &HashMap<u32, u8>> = per_flow.iter().filter_map(|(code, m)| flows.text(*code).map(|id| (id.to_owned(), m))).collect();
    let spec_ids: Vec<String> = ctx.catalog.flows.iter().map(|f| f.id.clone()).collect();
    let empty = HashMap::default();
    let rows = Catalog::order(&spec_ids, seen.keys().cloned())
        .into_iter()
        .map(|id| {
            let m = seen.get(&id).copied().unwrap_or(&empty);
            let count = |bit: u8| m.values().filter(|b| *b & bit != 0).count() as u64;
            let (s, c, d) = (count(1), count(2), count(4));
            let both = m.values().filter(|b| *b & 3 == 3).count() as u64;
            let desc = ctx.catalog.flow(&id);
            FlowRow {
                name: ctx.catalog.flow_name(&id),
                kind: desc.map_or("", |f| f.kind).to_owned(),
                live: desc.is_some_and(|f| f.enabled),
                flow_id: id,
                started: s,
                completed: c,
                dismissed: d,
                completion_rate: share(both, s),
            }
        })
        .collect();
    Ok(Overview {
        active_users: active.iter().filter(|a| **a).count() as u64,
        new_users,
        events,
        live_flows: ctx.catalog.flows.iter().filter(|f| f.enabled).count() as u64,
        daily,
        flows: rows,
    })
}

impl Overview {
    pub fn tables(&self) -> Vec<Table> {
        let mut daily = Table::new("daily", &["day", "events", "active_users", "new_users"]);
        for d in &self.daily {
            daily.push(vec![V::text(&d.day), d.events.into(), d.active_users.into(), d.new_users.into()]);
        }
        let mut flows = Table::new("flows", &["flow_id", "name", "kind", "live", "started", "completed", "dismissed", "completion_rate"]);
        for f in &self.flows {
            flows.push(vec![
                V::text(&f.flow_id),
                V::text(&f.name),
                V::text(&f.kind),
                V::text(if f.live { "yes" } else { "no" }),
                f.started.into(),
                f.completed.into(),
                f.dismissed.into(),
                V::Num(f.completion_rate),
            ]);
        }
        vec![daily, flows]
    }
}
