//! Milestones: which share of users reach each adoption milestone, overall and by segment (tier,
//! plan, any trait) or by sign-up cohort, and how long it takes them.
//!
//! Definitions (range and segment as in `report`):
//! - population, by default and with `by=tier|plan|trait:<name>`: the **active users** of the
//!   range (segment users with an event in it); with `by=cohort`: segment users whose sign-up
//!   day is in the range, grouped by the week (Monday) it falls in. The sign-up day is the
//!   `signed_up_at` trait when it holds a date (or ms since 1970), else the day the user was
//!   first seen;
//! - `reached` = population users whose first `milestone_reached` for the milestone is at or
//!   before the end of `to`; with `within=N`, only those who reached it at most N days after
//!   their start (sign-up day for cohorts, first seen otherwise);
//! - `share` = reached ÷ users of the group;
//! - `median_days` = median time from the start to the first reach, in days, over reached users;
//! - users without the grouping trait form the group `(none)`.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::date::{self, DAY_MS};
use crate::store::rollup::{ACTIVITY, MILESTONES};

use super::HashMap;
use super::catalog::Label;
use super::table::{Table, V};
use super::users::NO_USER;
use super::{median, share, Catalog, Context, Query, ReportError};

/// The group users without the trait fall into.
pub const NONE: &str = "(none)";

#[derive(Debug, Serialize)]
pub struct MilestoneInfo {
    pub id: String,
    pub label: Label,
}

#[derive(Debug, Serialize)]
pub struct Reach {
    pub id: String,
    pub reached: u64,
    pub share: f64,
    pub median_days: Option<f64>,
}

#[derive(Debug, Serialize)]
pub struct Group {
    pub key: String,
    pub users: u64,
    pub milestones: Vec<Reach>,
}

#[derive(Debug, Serialize)]
pub struct Milestones {
    pub by: String,
    pub within: Option<i64>,
    pub milestones: Vec<MilestoneInfo>,
    pub overall: Group,
    pub groups: Vec<Group>,
}

/// How users are grouped.
#[derive(Clone, Debug, PartialEq)]
pub enum By {
    None,
    Trait(String),
    Cohort,
}

pub fn parse_by(v: Option<&str>, allow_cohort: bool) -> Result<By, ReportError> {
    match v {
        None | Some("none") => Ok(By::None),
        Some("tier") | Some("plan") => Ok(By::Trait(v.unwrap_or_default().to_owned())),
        Some("cohort") if allow_cohort => Ok(By::Cohort),
        Some(s) if s.starts_with("trait:") && s.len() > 6 => Ok(By::Trait(s[6..].to_owned())),
        Some(s) => Err(ReportError::BadQuery(format!(
            "by={s:?} is not understood; use tier, plan, trait:<name>{}",
            if allow_cohort { " or cohort" } else { "" }
        ))),
    }
}

pub fn by_name(by: &By) -> String {
    match by {
        By::None => "none".into(),
        By::Cohort => "cohort".into(),
        By::Trait(t) if t == "tier" || t == "plan" => t.clone(),
        By::Trait(t) => format!("trait:{t}"),
    }
}

/// The day a user's cohort starts: the `signed_up_at` trait's date, else first seen.
pub fn signup_day(ctx: &Context, u: u32) -> i64 {
    ctx.users
        .trait_value(u, "signed_up_at")
        .and_then(date::day_of_trait)
        .unwrap_or_else(|| date::day_of_ms(ctx.users.first_seen.get(u as usize).copied().unwrap_or(0)))
}

pub async fn compute(ctx: &Context, q: &Query) -> Result<Milestones, ReportError> {
    let by = parse_by(q.param("by"), true)?;
    let within = match q.param("within") {
        None => None,
        Some(w) => match w.parse::<i64>() {
            Ok(n) if (1..=3_650).contains(&n) => Some(n),
            _ => return Err(ReportError::BadQuery(format!("within={w:?} must be a number of days from 1 to 3650"))),
        },
    };
    let r = q.range;
    let users = &ctx.users;
    let (activity, reached) = tokio::join!(
        async {
            if by == By::Cohort {
                Ok(None)
            } else {
                ctx.scan(&ACTIVITY, Some((r.from, r.to)), None).await.map(Some)
            }
        },
        ctx.scan(&MILESTONES, Some((i64::MIN, r.end_ms())), None),
    );
    let (activity, reached) = (activity?, reached?);

    // The population, with each member's group and start time.
    let mut member: HashMap<u32, (String, i64)> = HashMap::default();
    match &activity {
        Some(act) => {
            let ucode = users.map_codes(act);
            for code in act.text_col(1) {
                let u = ucode.get(*code as usize).copied().unwrap_or(NO_USER);
                if users.inside(u) && !member.contains_key(&u) {
                    let key = match &by {
                        By::Trait(t) => users.trait_of(u, t).unwrap_or_else(|| NONE.to_owned()),
                        _ => String::new(),
                    };
                    member.insert(u, (key, users.first_seen.get(u as usize).copied().unwrap_or(0)));
                }
            }
        }
        None => {
            for u in 0..users.len() as u32 {
                let day = signup_day(ctx, u);
                if users.inside(u) && r.contains_day(day) {
                    member.insert(u, (date::ymd(date::week_start(day)), day * DAY_MS));
                }
            }
        }
    }

    // First reach per (milestone, user) among members.
    let ucode = users.map_codes(&reached);
    let (keys, ids, at) = (reached.text_col(0), reached.text_col(1), reached.int_col(2));
    let mut firsts: BTreeMap<String, Vec<(u32, i64)>> = BTreeMap::new();
    for i in 0..reached.len {
        let (Some(code), Some(id), Some(at)) = (keys.get(i), ids.get(i), at.get(i)) else { continue };
        let u = ucode.get(*code as usize).copied().unwrap_or(NO_USER);
        let Some((_, start)) = member.get(&u) else { continue };
        if within.is_some_and(|w| *at - start > w * DAY_MS) {
            continue;
        }
        firsts.entry(reached.text(*id).unwrap_or("").to_owned()).or_default().push((u, (*at - start).max(0)));
    }
    let spec_ids: Vec<String> = ctx.catalog.milestones.iter().map(|(id, _)| id.clone()).collect();
    let order = Catalog::order(&spec_ids, firsts.keys().cloned());

    let group = |key: &str, filter: &dyn Fn(&str) -> bool| -> Group {
        let n = member.values().filter(|(k, _)| filter(k)).count() as u64;
        let milestones = order
            .iter()
            .map(|id| {
                let mut ms: Vec<i64> = firsts
                    .get(id)
                    .map(|v| v.iter().filter(|(u, _)| member.get(u).is_some_and(|(k, _)| filter(k))).map(|(_, ms)| *ms).collect())
                    .unwrap_or_default();
                let reached = ms.len() as u64;
                Reach {
                    id: id.clone(),
                    reached,
                    share: share(reached, n),
                    median_days: median(&mut ms).map(|m| (m / DAY_MS as f64 * 10.0).round() / 10.0),
                }
            })
            .collect();
        Group { key: key.to_owned(), users: n, milestones }
    };
    let overall = group("all", &|_| true);
    let mut keys: Vec<(String, u64)> = Vec::new();
    if by != By::None {
        let mut counts: BTreeMap<&str, u64> = BTreeMap::new();
        for (k, _) in member.values() {
            *counts.entry(k.as_str()).or_default() += 1;
        }
        keys = counts.into_iter().map(|(k, n)| (k.to_owned(), n)).collect();
        if by != By::Cohort {
            // Largest groups first, `(none)` last.
            keys.sort_by(|a, b| (a.0 == NONE).cmp(&(b.0 == NONE)).then(b.1.cmp(&a.1)).then_with(|| a.0.cmp(&b.0)));
        }
    }
    let groups = keys.iter().map(|(k, _)| group(k, &|x| x == k)).collect();
    Ok(Milestones {
        by: by_name(&by),
        within,
        milestones: order
            .iter()
            .map(|id| MilestoneInfo {
                id: id.clone(),
                label: ctx.catalog.milestones.iter().find(|(m, _)| m == id).map(|(_, l)| l.clone()).unwrap_or_default(),
            })
            .collect(),
        overall,
        groups,
    })
}

impl Milestones {
    pub fn tables(&self) -> Vec<Table> {
        let mut t = Table::new("milestones", &["group", "milestone_id", "users", "reached", "share", "median_days"]);
        for g in std::iter::once(&self.overall).chain(&self.groups) {
            for m in &g.milestones {
                t.push(vec![V::text(&g.key), V::text(&m.id), g.users.into(), m.reached.into(), V::Num(m.share), V::opt(m.median_days)]);
            }
        }
        vec![t]
    }
}
