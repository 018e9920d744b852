//! Broken targets: where the SDK could not find the element a tour step or hint points at
//! (`target_missing`), by flow, step, selector and page, with how often it fails and whether it
//! is getting worse, so CS can fix a tour before customers notice.
//!
//! Definitions (range and segment as in `report`; `flow` narrows to one flow):
//! - per (flow, step, selector, page, reason): `events` = `target_missing` events in the range;
//!   `reason` = `hidden` (on the page but out of sight, where no scrolling reaches: a closed
//!   drawer or menu, a collapsed panel; the tour's order or the page's state is at fault, not
//!   the selector) or `absent` (not on the page; also events from SDKs that sent no reason);
//!   `users` = distinct segment users they happened to; `first_day` / `last_day` = first and
//!   last day with one in the range; `daily[]` = events per day of the range;
//! - `failure_rate` (per flow and step, repeated on each of its rows) = `target_missing` events
//!   ÷ (`target_missing` events + times the step was shown: `step_viewed` events for tour steps,
//!   `flow_started` events for hints and other flows);
//! - `last_7d` / `prev_7d` = events in the 7 days ending `to` and the 7 days before (these may
//!   reach before `from`: a trend needs two weeks); `trend` is `new` when nothing happened
//!   before the last 7 days, `rising` when the last 7 days have at least twice as many and 5
//!   more than the 7 before (a growing user base alone does not double in a week), `falling`
//!   when at most half of them (of at least 5), else `steady`;
//! - `events` / `users` at the top: all rows together; `daily[]` at the top: events per day.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::date;
use crate::store::rollup::{FLOWS, STEPS, TARGETS};

use super::{HashMap, HashSet};
use super::table::{Table, V};
use super::users::NO_USER;
use super::{share, Context, Query, ReportError};

#[derive(Debug, Serialize)]
pub struct Row {
    pub flow_id: String,
    pub flow_name: String,
    pub step_id: String,
    pub selector: String,
    pub page: String,
    pub reason: String,
    pub events: u64,
    pub users: u64,
    pub first_day: String,
    pub last_day: String,
    pub last_7d: u64,
    pub prev_7d: u64,
    pub trend: &'static str,
    pub failure_rate: f64,
    pub daily: Vec<u64>,
}

#[derive(Debug, Serialize)]
pub struct DayCount {
    pub day: String,
    pub events: u64,
}

#[derive(Debug, Serialize)]
pub struct Targets {
    pub events: u64,
    pub users: u64,
    pub daily: Vec<DayCount>,
    pub rows: Vec<Row>,
}

#[derive(Default)]
struct Acc {
    events: u64,
    users: HashSet<u32>,
    first: Option<i64>,
    last: Option<i64>,
    last7: u64,
    prev7: u64,
    daily: Vec<u64>,
}

pub fn trend(first_day: i64, to: i64, last7: u64, prev7: u64) -> &'static str {
    if last7 > 0 && prev7 == 0 && first_day > to - 7 {
        "new"
    } else if last7 >= prev7 * 2 && last7 >= prev7 + 5 {
        "rising"
    } else if prev7 >= 5 && last7 * 2 <= prev7 {
        "falling"
    } else {
        "steady"
    }
}

pub async fn compute(ctx: &Context, q: &Query) -> Result<Targets, ReportError> {
    let r = q.range;
    let flow = q.param("flow");
    // Two weeks before `to` at least, for the trend.
    let scan_from = r.from.min(r.to - 13);
    let (targets, steps, flows) = tokio::join!(
        ctx.scan(&TARGETS, Some((scan_from, r.to)), None),
        ctx.scan(&STEPS, Some((r.from, r.to)), flow),
        ctx.scan(&FLOWS, Some((r.from, r.to)), flow),
    );
    let (targets, steps, flows) = (targets?, steps?, flows?);
    let users = &ctx.users;
    let n_days = r.days() as usize;

    let ucode = users.map_codes(&targets);
    let (days, fl, st, sel, page, why, keys, n) = (
        targets.int_col(0),
        targets.text_col(1),
        targets.text_col(2),
        targets.text_col(3),
        targets.text_col(4),
        targets.text_col(5),
        targets.text_col(6),
        targets.int_col(7),
    );
    let mut acc: BTreeMap<(u32, u32, u32, u32, u32), Acc> = BTreeMap::new();
    let mut daily = vec![0u64; n_days];
    let mut all_users: HashSet<u32> = HashSet::default();
    let mut missing_by_step: HashMap<(String, String), u64> = HashMap::default();
    for i in 0..targets.len {
        let (Some(day), Some(f), Some(s), Some(se), Some(p), Some(w), Some(code), Some(count)) =
            (days.get(i), fl.get(i), st.get(i), sel.get(i), page.get(i), why.get(i), keys.get(i), n.get(i))
        else {
            continue;
        };
        if flow.is_some_and(|w| Some(w) != targets.text(*f)) {
            continue;
        }
        let u = ucode.get(*code as usize).copied().unwrap_or(NO_USER);
        if !users.inside(u) {
            continue;
        }
        let count = u64::try_from(*count).unwrap_or(0);
        let a = acc.entry((*f, *s, *se, *p, *w)).or_default();
        if *day > r.to - 7 {
            a.last7 += count;
        } else if *day > r.to - 14 {
            a.prev7 += count;
        }
        if !r.contains_day(*day) {
            continue;
        }
        if a.daily.is_empty() {
            a.daily = vec![0; n_days];
        }
        if let Some(d) = a.daily.get_mut((day - r.from) as usize) {
            *d += count;
        }
        if let Some(d) = daily.get_mut((day - r.from) as usize) {
            *d += count;
        }
        a.events += count;
        a.users.insert(u);
        all_users.insert(u);
        a.first = Some(a.first.map_or(*day, |x| x.min(*day)));
        a.last = Some(a.last.map_or(*day, |x| x.max(*day)));
        let key = (targets.text(*f).unwrap_or("").to_owned(), targets.text(*s).unwrap_or("").to_owned());
        *missing_by_step.entry(key).or_default() += count;
    }

    // How often each step (or flow, for hints) was shown, for the failure rate.
    let mut shown: HashMap<(String, String), u64> = HashMap::default();
    let ucode_s = users.map_codes(&steps);
    let (s_fl, s_keys, s_steps, s_viewed) = (steps.text_col(0), steps.text_col(2), steps.text_col(4), steps.int_col(5));
    for i in 0..steps.len {
        let (Some(f), Some(code), Some(s), Some(v)) = (s_fl.get(i), s_keys.get(i), s_steps.get(i), s_viewed.get(i)) else { continue };
        if !users.inside(ucode_s.get(*code as usize).copied().unwrap_or(NO_USER)) {
            continue;
        }
        let key = (steps.text(*f).unwrap_or("").to_owned(), steps.text(*s).unwrap_or("").to_owned());
        if missing_by_step.contains_key(&key) {
            *shown.entry(key).or_default() += u64::try_from(*v).unwrap_or(0);
        }
    }
    let ucode_f = users.map_codes(&flows);
    let (f_fl, f_keys, f_started) = (flows.text_col(0), flows.text_col(2), flows.int_col(4));
    for i in 0..flows.len {
        let (Some(f), Some(code), Some(v)) = (f_fl.get(i), f_keys.get(i), f_started.get(i)) else { continue };
        if !users.inside(ucode_f.get(*code as usize).copied().unwrap_or(NO_USER)) {
            continue;
        }
        let key = (flows.text(*f).unwrap_or("").to_owned(), String::new());
        if missing_by_step.contains_key(&key) {
            *shown.entry(key).or_default() += u64::try_from(*v).unwrap_or(0);
        }
    }

    let mut rows: Vec<Row> = acc
        .into_iter()
        .filter(|(_, a)| a.events > 0)
        .map(|((f, s, se, p, w), a)| {
            let flow_id = targets.text(f).unwrap_or("").to_owned();
            let step_id = targets.text(s).unwrap_or("").to_owned();
            let key = (flow_id.clone(), step_id.clone());
            let missing = missing_by_step.get(&key).copied().unwrap_or(0);
            let first = a.first.unwrap_or(r.from);
            Row {
                flow_name: ctx.catalog.flow_name(&flow_id),
                failure_rate: share(missing, missing + shown.get(&key).copied().unwrap_or(0)),
                flow_id,
                step_id,
                selector: targets.text(se).unwrap_or("").to_owned(),
                page: targets.text(p).unwrap_or("").to_owned(),
                reason: targets.text(w).unwrap_or("").to_owned(),
                events: a.events,
                users: a.users.len() as u64,
                first_day: date::ymd(first),
                last_day: date::ymd(a.last.unwrap_or(r.to)),
                last_7d: a.last7,
                prev_7d: a.prev7,
                trend: trend(first, r.to, a.last7, a.prev7),
                daily: a.daily,
            }
        })
        .collect();
    rows.sort_by(|a, b| {
        b.events.cmp(&a.events).then_with(|| (&a.flow_id, &a.step_id, &a.selector, &a.page, &a.reason).cmp(&(&b.flow_id, &b.step_id, &b.selector, &b.page, &b.reason)))
    });
    Ok(Targets {
        events: daily.iter().sum(),
        users: all_users.len() as u64,
        daily: daily.iter().enumerate().map(|(i, n)| DayCount { day: date::ymd(r.from + i as i64), events: *n }).collect(),
        rows,
    })
}

impl Targets {
    pub fn tables(&self) -> Vec<Table> {
        let mut t = Table::new(
            "targets",
            &["flow_id", "step_id", "selector", "page", "reason", "events", "users", "failure_rate", "first_day", "last_day", "last_7d", "prev_7d", "trend"],
        );
        for r in &self.rows {
            t.push(vec![
                V::text(&r.flow_id),
                V::text(&r.step_id),
                V::text(&r.selector),
                V::text(&r.page),
                V::text(&r.reason),
                r.events.into(),
                r.users.into(),
                V::Num(r.failure_rate),
                V::text(&r.first_day),
                V::text(&r.last_day),
                r.last_7d.into(),
                r.prev_7d.into(),
                V::text(r.trend),
            ]);
        }
        let mut d = Table::new("daily", &["day", "events"]);
        for x in &self.daily {
            d.push(vec![V::text(&x.day), x.events.into()]);
        }
        vec![t, d]
    }
}

#[cfg(test)]
mod tests {
    use super::trend;

    #[test]
    fn trends() {
        assert_eq!(trend(95, 100, 3, 0), "new");
        assert_eq!(trend(80, 100, 3, 0), "steady", "old problem, quiet fortnight");
        assert_eq!(trend(80, 100, 20, 10), "rising");
        assert_eq!(trend(80, 100, 15, 10), "steady", "growth, not a breakage");
        assert_eq!(trend(80, 100, 8, 4), "steady", "twice but fewer than 5 more");
        assert_eq!(trend(80, 100, 4, 10), "falling");
        assert_eq!(trend(80, 100, 2, 4), "steady", "too few to call");
    }
}
