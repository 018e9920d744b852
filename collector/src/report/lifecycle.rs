//! Lifecycle: how many users are in each stage (onboarding → adoption → self-sufficient), how
//! that changed over the range, by tier or any trait, and how long moving on takes.
//!
//! Definitions (segment as in `report`; stages come from `stage_changed` events):
//! - population: segment users with a `stage_changed` at or before the end of `to` (users the
//!   SDK has placed in a stage), whether or not they were active in the range;
//! - a user's stage at a moment is the `to` of their latest `stage_changed` at or before it;
//! - `distribution[]`: users per stage at the end of `to`; `share` = ÷ population;
//! - `groups[]` (`by=tier` by default, `plan`, `trait:<name>`, `none`): the same per group;
//! - `timeline[]`: the distribution at the end of each day of the range (ranges up to 31 days),
//!   or of every 7th day counting back from `to`;
//! - `movement[]`: per (from, to) pair, `stage_changed` events in the range and the distinct
//!   users they belong to (`from` is empty for a user's first stage);
//! - `time_to[]`: per stage, users who entered it in the range (not as their first stage) and
//!   the median days from their first stage to entering it.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::date::{self, DAY_MS};
use crate::store::rollup::STAGES;

use super::HashMap;
use super::catalog::Label;
use super::milestones::{by_name, parse_by, By, NONE};
use super::table::{Table, V};
use super::users::NO_USER;
use super::{median, share, Catalog, Context, Query, ReportError};

#[derive(Debug, Serialize)]
pub struct StageInfo {
    pub id: String,
    pub label: Label,
}

#[derive(Debug, Serialize)]
pub struct Count {
    pub stage: String,
    pub users: u64,
    pub share: f64,
}

#[derive(Debug, Serialize)]
pub struct Group {
    pub key: String,
    pub users: u64,
    pub stages: Vec<Count>,
}

#[derive(Debug, Serialize)]
pub struct Point {
    pub day: String,
    pub users: Vec<u64>,
}

#[derive(Debug, Serialize)]
pub struct Move {
    pub from: String,
    pub to: String,
    pub users: u64,
    pub events: u64,
}

#[derive(Debug, Serialize)]
pub struct TimeTo {
    pub stage: String,
    pub users: u64,
    pub median_days: Option<f64>,
}

#[derive(Debug, Serialize)]
pub struct Lifecycle {
    pub by: String,
    pub stages: Vec<StageInfo>,
    pub population: u64,
    pub distribution: Vec<Count>,
    pub groups: Vec<Group>,
    pub timeline: Vec<Point>,
    pub movement: Vec<Move>,
    pub time_to: Vec<TimeTo>,
}

pub async fn compute(ctx: &Context, q: &Query) -> Result<Lifecycle, ReportError> {
    let by = parse_by(Some(q.param("by").unwrap_or("tier")), false)?;
    let r = q.range;
    let rows = ctx.scan(&STAGES, Some((i64::MIN, r.end_ms())), None).await?;
    let users = &ctx.users;
    let ucode = users.map_codes(&rows);
    let (at, keys, from_c, to_c) = (rows.int_col(0), rows.text_col(1), rows.text_col(2), rows.text_col(3));
    // Per user: (time, from code, to code), sorted by time.
    let mut per_user: HashMap<u32, Vec<(i64, u32, u32)>> = HashMap::default();
    for i in 0..rows.len {
        let (Some(t), Some(code), Some(f), Some(to)) = (at.get(i), keys.get(i), from_c.get(i), to_c.get(i)) else { continue };
        let u = ucode.get(*code as usize).copied().unwrap_or(NO_USER);
        if users.inside(u) {
            per_user.entry(u).or_default().push((*t, *f, *to));
        }
    }
    for v in per_user.values_mut() {
        v.sort_unstable();
    }
    let name = |c: u32| rows.text(c).unwrap_or("").to_owned();
    let spec_ids: Vec<String> = ctx.catalog.stages.iter().map(|(id, _)| id.clone()).collect();
    let order = Catalog::order(&spec_ids, per_user.values().flatten().map(|(_, _, to)| name(*to)));
    let index: HashMap<&str, usize> = order.iter().enumerate().map(|(i, s)| (s.as_str(), i)).collect();
    let stage_at = |v: &Vec<(i64, u32, u32)>, t: i64| -> Option<usize> {
        let n = v.partition_point(|(at, _, _)| *at <= t);
        n.checked_sub(1).and_then(|i| v.get(i)).and_then(|(_, _, to)| rows.text(*to)).and_then(|s| index.get(s).copied())
    };

    let counts_at = |t: i64, filter: &dyn Fn(u32) -> bool| -> Vec<u64> {
        let mut c = vec![0u64; order.len()];
        for (u, v) in &per_user {
            if filter(*u) {
                if let Some(slot) = stage_at(v, t).and_then(|s| c.get_mut(s)) {
                    *slot += 1;
                }
            }
        }
        c
    };
    let to_counts = |c: &[u64]| -> Vec<Count> {
        let total: u64 = c.iter().sum();
        order.iter().zip(c).map(|(s, n)| Count { stage: s.clone(), users: *n, share: share(*n, total) }).collect()
    };
    let end = r.end_ms();
    let all = counts_at(end, &|_| true);
    let population: u64 = all.iter().sum();

    let mut groups = Vec::new();
    if let By::Trait(t) = &by {
        let mut keys: BTreeMap<String, u64> = BTreeMap::new();
        let key_of = |u: u32| users.trait_of(u, t).unwrap_or_else(|| NONE.to_owned());
        for (u, v) in &per_user {
            if stage_at(v, end).is_some() {
                *keys.entry(key_of(*u)).or_default() += 1;
            }
        }
        let mut keys: Vec<(String, u64)> = keys.into_iter().collect();
        keys.sort_by(|a, b| (a.0 == NONE).cmp(&(b.0 == NONE)).then(b.1.cmp(&a.1)).then_with(|| a.0.cmp(&b.0)));
        for (k, n) in keys {
            let c = counts_at(end, &|u| key_of(u) == k);
            groups.push(Group { key: k, users: n, stages: to_counts(&c) });
        }
    }

    let step = if r.days() <= 31 { 1 } else { 7 };
    let mut days: Vec<i64> = (0..).map(|i| r.to - i * step).take_while(|d| *d >= r.from).collect();
    days.reverse();
    let timeline = days.iter().map(|d| Point { day: date::ymd(*d), users: counts_at((d + 1) * DAY_MS - 1, &|_| true) }).collect();

    let mut moves: BTreeMap<(String, String), (u64, std::collections::HashSet<u32>)> = BTreeMap::new();
    let mut time_to: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for (u, v) in &per_user {
        let first = v.first().map(|x| x.0);
        for (t, f, to) in v {
            if !r.contains_ms(*t) {
                continue;
            }
            let e = moves.entry((name(*f), name(*to))).or_default();
            e.0 += 1;
            e.1.insert(*u);
            if let Some(first) = first.filter(|first| first < t) {
                time_to.entry(name(*to)).or_default().push(t - first);
            }
        }
    }
    let rank = |s: &str| index.get(s).copied().unwrap_or(usize::MAX);
    let mut movement: Vec<Move> = moves.into_iter().map(|((from, to), (events, us))| Move { from, to, users: us.len() as u64, events }).collect();
    movement.sort_by(|a, b| (rank(&a.from), rank(&a.to)).cmp(&(rank(&b.from), rank(&b.to))).then_with(|| (&a.from, &a.to).cmp(&(&b.from, &b.to))));

    Ok(Lifecycle {
        by: by_name(&by),
        stages: order
            .iter()
            .map(|id| StageInfo { id: id.clone(), label: ctx.catalog.stages.iter().find(|(s, _)| s == id).map(|(_, l)| l.clone()).unwrap_or_default() })
            .collect(),
        population,
        distribution: to_counts(&all),
        groups,
        timeline,
        movement,
        time_to: order
            .iter()
            .filter_map(|s| {
                let mut v = time_to.remove(s)?;
                Some(TimeTo { stage: s.clone(), users: v.len() as u64, median_days: median(&mut v).map(|m| (m / DAY_MS as f64 * 10.0).round() / 10.0) })
            })
            .collect(),
    })
}

impl Lifecycle {
    pub fn tables(&self) -> Vec<Table> {
        let mut dist = Table::new("distribution", &["group", "stage", "users", "share"]);
        for c in &self.distribution {
            dist.push(vec![V::text("all"), V::text(&c.stage), c.users.into(), V::Num(c.share)]);
        }
        for g in &self.groups {
            for c in &g.stages {
                dist.push(vec![V::text(&g.key), V::text(&c.stage), c.users.into(), V::Num(c.share)]);
            }
        }
        let mut cols = vec!["day".to_string()];
        cols.extend(self.stages.iter().map(|s| s.id.clone()));
        let mut timeline = Table { name: "timeline", columns: cols, rows: Vec::new() };
        for p in &self.timeline {
            let mut row = vec![V::text(&p.day)];
            row.extend(p.users.iter().map(|n| V::from(*n)));
            timeline.push(row);
        }
        let mut movement = Table::new("movement", &["from", "to", "users", "events"]);
        for m in &self.movement {
            movement.push(vec![V::text(&m.from), V::text(&m.to), m.users.into(), m.events.into()]);
        }
        let mut time_to = Table::new("time_to", &["stage", "users", "median_days"]);
        for t in &self.time_to {
            time_to.push(vec![V::text(&t.stage), t.users.into(), V::opt(t.median_days)]);
        }
        vec![dist, timeline, movement, time_to]
    }
}
