//! The adoption reports behind `/v1/reports/…` and the dashboard: what each figure means, how
//! it is computed, and the query that selects it (a date range and a user segment).
//!
//! Every report reads rollup rows (`store::rollup`) and the `users` table through
//! `Store::scan`, then aggregates in Rust here, so a figure has one definition and the same value
//! on SQLite and PostgreSQL. Definitions are written next to the code that computes them and
//! in docs/dashboard.md; the integration tests recompute them independently from raw events.
//!
//! Shared vocabulary:
//! - a **user** is `u:<user_id>`, or `a:<anonymous_id>` for someone never identified;
//! - days are UTC days of an event's `corrected_at` (its time on the server's clock);
//! - the **range** `from`–`to` is inclusive, whole days;
//! - the **segment** keeps users whose latest traits (the `users` table) match every filter;
//! - **active users** are segment users with at least one event in the range.
//!
//! This module must not know HTTP or HTML: `dashboard` turns its results into responses.

pub mod catalog;
pub mod checklists;
pub mod funnel;
pub mod lifecycle;
pub mod milestones;
pub mod overview;
pub mod surveys;
pub mod table;
pub mod targets;
pub mod users;

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::date::{self, DAY_MS};
use crate::store::rollup::{Columns, Scan, TableDef};
use crate::store::{Store, StoreError};

pub use catalog::Catalog;

/// Maps and sets keyed by user indices and codes, with a fast hasher (see `rollup::FxHasher`).
pub type HashMap<K, V> = std::collections::HashMap<K, V, crate::store::rollup::FxBuild>;
pub type HashSet<K> = std::collections::HashSet<K, crate::store::rollup::FxBuild>;
pub use table::Table;
pub use users::Users;

/// Longest range a report accepts (ten years): enough for any history, and a typo such as
/// `from=1026-01-01` fails clearly instead of scanning everything.
pub const MAX_RANGE_DAYS: i64 = 3_660;
/// The range when none is given: the last 30 days, today included.
pub const DEFAULT_DAYS: i64 = 30;

/// The reports, by the name in `/v1/reports/{name}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Overview,
    Funnel,
    Targets,
    Milestones,
    Lifecycle,
    Checklists,
    Surveys,
    Comments,
}

impl Kind {
    pub const ALL: [Kind; 8] =
        [Kind::Overview, Kind::Funnel, Kind::Targets, Kind::Milestones, Kind::Lifecycle, Kind::Checklists, Kind::Surveys, Kind::Comments];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Overview => "overview",
            Kind::Funnel => "funnel",
            Kind::Targets => "targets",
            Kind::Milestones => "milestones",
            Kind::Lifecycle => "lifecycle",
            Kind::Checklists => "checklists",
            Kind::Surveys => "surveys",
            Kind::Comments => "comments",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Parameters this report takes besides the range and the segment.
    pub fn params(self) -> &'static [&'static str] {
        match self {
            Kind::Overview | Kind::Checklists | Kind::Surveys => &[],
            Kind::Funnel => &["flow", "revision"],
            Kind::Targets => &["flow"],
            Kind::Milestones => &["by", "within"],
            Kind::Lifecycle => &["by"],
            Kind::Comments => &["scale", "flow", "sentiment", "locale", "q", "limit", "offset"],
        }
    }
}

/// A request that cannot be answered, with the status it maps to.
#[derive(Debug)]
pub enum ReportError {
    /// 400: a parameter is missing or wrong; the text says which and what to write.
    BadQuery(String),
    /// 404: the flow is neither in a published spec nor in the range's events.
    UnknownFlow { flow: String, known: Vec<String> },
    /// 503: storage failed.
    Store(StoreError),
}

impl From<StoreError> for ReportError {
    fn from(e: StoreError) -> Self {
        ReportError::Store(e)
    }
}

fn bad<T>(msg: impl Into<String>) -> Result<T, ReportError> {
    Err(ReportError::BadQuery(msg.into()))
}

/// Whole UTC days, `from` and `to` included.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Range {
    pub from: i64,
    pub to: i64,
}

impl Range {
    pub fn days(&self) -> i64 {
        self.to - self.from + 1
    }
    pub fn start_ms(&self) -> i64 {
        self.from * DAY_MS
    }
    /// The last millisecond of `to`.
    pub fn end_ms(&self) -> i64 {
        (self.to + 1) * DAY_MS - 1
    }
    pub fn contains_day(&self, day: i64) -> bool {
        day >= self.from && day <= self.to
    }
    pub fn contains_ms(&self, ms: i64) -> bool {
        ms >= self.start_ms() && ms <= self.end_ms()
    }
}

/// Trait filters: a user is in the segment when, for every filter, the user's trait (as text)
/// is one of the filter's values.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Segment {
    pub filters: Vec<(String, Vec<String>)>,
}

impl Segment {
    pub fn is_all(&self) -> bool {
        self.filters.is_empty()
    }
    pub fn values(&self, name: &str) -> Option<&[String]> {
        self.filters.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_slice())
    }
}

/// A parsed report request: range, segment, and the report's own parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct Query {
    pub range: Range,
    pub segment: Segment,
    pub params: BTreeMap<String, String>,
}

impl Query {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params.get(name).map(String::as_str).filter(|v| !v.is_empty())
    }

    /// The query string that selects the same range and segment (for links and exports).
    pub fn common_query(&self) -> Vec<(String, String)> {
        let mut out = vec![("from".to_string(), date::ymd(self.range.from)), ("to".to_string(), date::ymd(self.range.to))];
        for (name, values) in &self.segment.filters {
            let key = match name.as_str() {
                "tier" | "plan" => name.clone(),
                _ => format!("trait.{name}"),
            };
            out.push((key, values.join(",")));
        }
        out
    }
}

/// Parses `from`, `to`, `tier`, `plan`, `trait.<name>` and the report's own parameters (see
/// [`Kind::params`]); anything else is refused, so a misspelt filter cannot silently widen a
/// figure. `extra` names parameters the caller handles itself (`table` for CSV).
pub fn parse_query(kind: Kind, params: &[(String, String)], today: i64, extra: &[&str]) -> Result<Query, ReportError> {
    let mut from = None;
    let mut to = None;
    let mut segment = Segment::default();
    let mut own = BTreeMap::new();
    for (k, v) in params {
        let v = v.trim();
        match k.as_str() {
            "from" | "to" => {
                let Some(d) = date::parse_ymd(v) else {
                    return bad(format!("{k}={v:?} is not a date; write it as YYYY-MM-DD (UTC)"));
                };
                if k == "from" {
                    from = Some(d);
                } else {
                    to = Some(d);
                }
            }
            "tier" | "plan" => add_filter(&mut segment, k, v)?,
            t if t.starts_with("trait.") => {
                let name = &t["trait.".len()..];
                if name.is_empty() || name.len() > 128 {
                    return bad("a trait filter is written trait.<name>=<value>[,<value>…], e.g. trait.role=admin");
                }
                add_filter(&mut segment, name, v)?;
            }
            p if kind.params().contains(&p) || extra.contains(&p) => {
                if v.len() > 512 {
                    return bad(format!("{p} is longer than 512 characters"));
                }
                own.insert(p.to_owned(), v.to_owned());
            }
            other => {
                let mut allowed = vec!["from", "to", "tier", "plan", "trait.<name>"];
                allowed.extend(kind.params());
                allowed.extend(extra);
                return bad(format!("unknown parameter {other:?} for the {} report; it takes {}", kind.as_str(), allowed.join(", ")));
            }
        }
    }
    let to = to.unwrap_or(today);
    let from = from.unwrap_or(to - (DEFAULT_DAYS - 1));
    if from > to {
        return bad(format!("from ({}) is after to ({}); swap them", date::ymd(from), date::ymd(to)));
    }
    if to - from + 1 > MAX_RANGE_DAYS {
        return bad(format!("the range is {} days; ask for at most {MAX_RANGE_DAYS}", to - from + 1));
    }
    Ok(Query { range: Range { from, to }, segment, params: own })
}

fn add_filter(segment: &mut Segment, name: &str, v: &str) -> Result<(), ReportError> {
    let values: Vec<String> = v.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect();
    if values.is_empty() {
        // `tier=` (the "all" choice of a form) means no filter.
        return Ok(());
    }
    if segment.filters.iter().any(|(n, _)| n == name) {
        return bad(format!("the trait {name} is filtered twice; give one list of values: {name}=a,b"));
    }
    segment.filters.push((name.to_owned(), values));
    Ok(())
}

/// What every report of one request shares: the project's users with the segment applied, and
/// what its published specs say about flows, milestones and stages.
pub struct Context {
    pub store: Arc<dyn Store>,
    pub project_id: i64,
    pub users: Users,
    pub catalog: Catalog,
}

impl Context {
    pub async fn load(store: Arc<dyn Store>, project_id: i64, segment: &Segment) -> Result<Context, ReportError> {
        let (users, specs) = tokio::join!(store.scan(Scan { table: &crate::store::rollup::USERS, project_id, range: None, flow_id: None }), store.project_specs(project_id));
        let users = Users::new(users?, segment);
        let catalog = Catalog::from_specs(&specs?);
        Ok(Context { store, project_id, users, catalog })
    }

    pub async fn scan(&self, table: &'static TableDef, range: Option<(i64, i64)>, flow: Option<&str>) -> Result<Columns, ReportError> {
        Ok(self.store.scan(Scan { table, project_id: self.project_id, range, flow_id: flow.map(str::to_owned) }).await?)
    }
}

/// A computed report, ready to be written as JSON or as CSV tables.
pub enum Output {
    Overview(overview::Overview),
    Funnel(funnel::Funnel),
    Targets(targets::Targets),
    Milestones(milestones::Milestones),
    Lifecycle(lifecycle::Lifecycle),
    Checklists(checklists::Checklists),
    Surveys(surveys::Surveys),
    Comments(surveys::Comments),
}

impl Output {
    pub fn to_json(&self, q: &Query) -> String {
        let body = match self {
            Output::Overview(r) => serde_json::to_value(r),
            Output::Funnel(r) => serde_json::to_value(r),
            Output::Targets(r) => serde_json::to_value(r),
            Output::Milestones(r) => serde_json::to_value(r),
            Output::Lifecycle(r) => serde_json::to_value(r),
            Output::Checklists(r) => serde_json::to_value(r),
            Output::Surveys(r) => serde_json::to_value(r),
            Output::Comments(r) => serde_json::to_value(r),
        };
        let mut v = body.unwrap_or_else(|e| serde_json::json!({ "error": e.to_string() }));
        if let Some(o) = v.as_object_mut() {
            o.insert("range".into(), serde_json::json!({ "from": date::ymd(q.range.from), "to": date::ymd(q.range.to), "days": q.range.days() }));
            let seg: serde_json::Map<String, serde_json::Value> =
                q.segment.filters.iter().map(|(n, v)| (n.clone(), serde_json::json!(v))).collect();
            o.insert("segment".into(), serde_json::Value::Object(seg));
        }
        v.to_string()
    }

    pub fn tables(&self) -> Vec<Table> {
        match self {
            Output::Overview(r) => r.tables(),
            Output::Funnel(r) => r.tables(),
            Output::Targets(r) => r.tables(),
            Output::Milestones(r) => r.tables(),
            Output::Lifecycle(r) => r.tables(),
            Output::Checklists(r) => r.tables(),
            Output::Surveys(r) => r.tables(),
            Output::Comments(r) => r.tables(),
        }
    }
}

/// Computes one report.
pub async fn compute(ctx: &Context, kind: Kind, q: &Query) -> Result<Output, ReportError> {
    Ok(match kind {
        Kind::Overview => Output::Overview(overview::compute(ctx, q).await?),
        Kind::Funnel => Output::Funnel(funnel::compute(ctx, q).await?),
        Kind::Targets => Output::Targets(targets::compute(ctx, q).await?),
        Kind::Milestones => Output::Milestones(milestones::compute(ctx, q).await?),
        Kind::Lifecycle => Output::Lifecycle(lifecycle::compute(ctx, q).await?),
        Kind::Checklists => Output::Checklists(checklists::compute(ctx, q).await?),
        Kind::Surveys => Output::Surveys(surveys::compute(ctx, q).await?),
        Kind::Comments => Output::Comments(surveys::comments(ctx, q).await?),
    })
}

/// `part / whole`, 0 when there is no whole.
pub fn share(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

/// The median of some values (the mean of the two middle ones for an even count), or `None`.
pub fn median(values: &mut [i64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let n = values.len();
    let hi = *values.get(n / 2)?;
    Some(if n % 2 == 1 { hi as f64 } else { (*values.get(n / 2 - 1)? as f64 + hi as f64) / 2.0 })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Vec<(String, String)> {
        s.split('&').filter(|x| !x.is_empty()).map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (k.to_owned(), v.to_owned())
        }).collect()
    }

    #[test]
    fn queries() {
        let today = date::days_from_civil(2026, 11, 22);
        let q = parse_query(Kind::Overview, &p(""), today, &[]).expect("defaults");
        assert_eq!(q.range, Range { from: today - 29, to: today });
        let q = parse_query(Kind::Milestones, &p("from=2026-10-01&to=2026-10-31&tier=high,low&trait.role=admin&by=plan"), today, &[]).expect("full");
        assert_eq!(q.range.days(), 31);
        assert_eq!(q.segment.filters, vec![("tier".into(), vec!["high".into(), "low".into()]), ("role".into(), vec!["admin".into()])]);
        assert_eq!(q.param("by"), Some("plan"));
        assert!(parse_query(Kind::Overview, &p("tier="), today, &[]).expect("empty filter").segment.is_all());
        let err = |s: &str| match parse_query(Kind::Overview, &p(s), today, &[]) {
            Err(ReportError::BadQuery(m)) => m,
            other => panic!("{s}: {other:?}"),
        };
        assert!(err("from=2026-13-01").contains("not a date"));
        assert!(err("from=2026-11-02&to=2026-11-01").contains("after"));
        assert!(err("from=2001-01-01").contains("at most"));
        assert!(err("teir=high").contains("unknown parameter \"teir\""));
        assert!(err("flow=welcome").contains("unknown parameter"), "flow belongs to the funnel");
        assert!(err("trait.=x").contains("trait.<name>"));
        assert!(err("tier=high&trait.tier=low").contains("twice"));
        assert!(parse_query(Kind::Overview, &p("table=daily"), today, &["table"]).is_ok());
    }

    #[test]
    fn medians_and_shares() {
        assert_eq!(median(&mut []), None);
        assert_eq!(median(&mut [5]), Some(5.0));
        assert_eq!(median(&mut [9, 1, 4, 2]), Some(3.0));
        assert_eq!(share(1, 0), 0.0);
        assert_eq!(share(1, 4), 0.25);
    }
}
