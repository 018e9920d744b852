//! Report rollups: the small tables the adoption dashboard reads instead of scanning `events`,
//! and the deltas an ingest transaction adds to them.
//!
//! Each stored event is turned into a few rollup rows here, in one place, for both databases:
//! the SQLite and PostgreSQL writers call [`deltas`] on the events they actually inserted (after
//! deduplication) and apply the result in the same transaction as the events, so a rollup can
//! never count an event that was not stored, nor miss one that was. Rows are keyed per user and
//! per UTC day, so every report can still be cut by date range and by any user segment; the
//! reports aggregate them in Rust (`crate::report`), with identical semantics on both databases.
//!
//! Tables are described once ([`TableDef`]): the writers build their upserts from the
//! description and the store's generic [`Scan`] reads them back as [`Columns`]. The DDL lives in
//! the migrations of each backend; a test checks that it matches the descriptions.
//!
//! This module must not know SQL dialects or HTTP.

use std::collections::HashMap;

use serde_json::Value;

use super::EventRow;

/// Milliseconds in a day: rollups are keyed by UTC day numbers (days since 1970-01-01).
pub const DAY_MS: i64 = crate::date::DAY_MS;

/// Longest text kept in a rollup key (selectors, pages, milestone and item ids): keys stay
/// small, and a longer value is cut at a character boundary.
pub const MAX_KEY_TEXT: usize = 512;
/// Longest survey comment kept for the voice-of-the-customer view (the SDK sends at most 2,000
/// characters; the event itself may hold more).
pub const MAX_COMMENT: usize = 4_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ty {
    Int,
    Text,
}

/// How a column behaves when a delta meets an existing row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Part of the primary key (after `project_id`).
    Key,
    /// Added to the stored value.
    Sum,
    /// The smaller of the stored and the new value stays.
    Min,
    /// Written once (tables without keys are append-only).
    Value,
}

#[derive(Clone, Copy, Debug)]
pub struct Col {
    pub name: &'static str,
    pub ty: Ty,
    pub role: Role,
}

const fn col(name: &'static str, ty: Ty, role: Role) -> Col {
    Col { name, ty, role }
}

/// A table the reports scan: its columns after `project_id`, the column a date range applies to
/// and whether scans can be limited to one flow.
#[derive(Debug)]
pub struct TableDef {
    pub name: &'static str,
    pub cols: &'static [Col],
    /// `day` (UTC day number) or a time in ms; `None` for tables scanned whole.
    pub range: Option<&'static str>,
    /// Whether the table has a `flow_id` column a scan may filter on.
    pub by_flow: bool,
}

impl TableDef {
    pub fn keyed(&self) -> bool {
        self.cols.iter().any(|c| c.role == Role::Key)
    }

    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.cols.iter().position(|c| c.name == name)
    }
}

use Role::{Key, Min, Sum, Value as Val_};
use Ty::{Int, Text};

/// Every event, per user and day.
pub static ACTIVITY: TableDef = TableDef {
    name: "rollup_activity",
    cols: &[col("day", Int, Key), col("user_key", Text, Key), col("events", Int, Sum)],
    range: Some("day"),
    by_flow: false,
};

/// Flow-level events per flow, day, user and spec revision.
pub static FLOWS: TableDef = TableDef {
    name: "rollup_flows",
    cols: &[
        col("flow_id", Text, Key),
        col("day", Int, Key),
        col("user_key", Text, Key),
        col("revision", Text, Key),
        col("started", Int, Sum),
        col("completed", Int, Sum),
        col("dismissed", Int, Sum),
        col("opened", Int, Sum),
        col("answered", Int, Sum),
    ],
    range: Some("day"),
    by_flow: true,
};

/// Tour steps per flow, day, user, revision and step.
pub static STEPS: TableDef = TableDef {
    name: "rollup_steps",
    cols: &[
        col("flow_id", Text, Key),
        col("day", Int, Key),
        col("user_key", Text, Key),
        col("revision", Text, Key),
        col("step_id", Text, Key),
        col("viewed", Int, Sum),
        col("completed", Int, Sum),
        col("dismissed", Int, Sum),
    ],
    range: Some("day"),
    by_flow: true,
};

/// One row per `step_completed` (`step_id` set) or `flow_completed` (`step_id` empty) that
/// carried a duration, so medians are exact.
pub static TIMINGS: TableDef = TableDef {
    name: "rollup_timings",
    cols: &[
        col("flow_id", Text, Val_),
        col("day", Int, Val_),
        col("user_key", Text, Val_),
        col("revision", Text, Val_),
        col("step_id", Text, Val_),
        col("duration_ms", Int, Val_),
    ],
    range: Some("day"),
    by_flow: true,
};

/// The first time each user reached each milestone.
pub static MILESTONES: TableDef = TableDef {
    name: "rollup_milestones",
    cols: &[col("user_key", Text, Key), col("milestone_id", Text, Key), col("first_at", Int, Min)],
    range: Some("first_at"),
    by_flow: false,
};

/// Every stage change.
pub static STAGES: TableDef = TableDef {
    name: "rollup_stages",
    cols: &[col("at", Int, Val_), col("user_key", Text, Val_), col("from_stage", Text, Val_), col("to_stage", Text, Val_)],
    range: Some("at"),
    by_flow: false,
};

/// The first time each user completed each checklist item.
pub static CHECKLIST: TableDef = TableDef {
    name: "rollup_checklist",
    cols: &[col("flow_id", Text, Key), col("item_id", Text, Key), col("user_key", Text, Key), col("first_at", Int, Min)],
    range: Some("first_at"),
    by_flow: true,
};

/// Every survey answer with a score inside its scale's range.
pub static SURVEYS: TableDef = TableDef {
    name: "rollup_surveys",
    cols: &[
        col("at", Int, Val_),
        col("user_key", Text, Val_),
        col("flow_id", Text, Val_),
        col("revision", Text, Val_),
        col("scale", Text, Val_),
        col("score", Int, Val_),
        col("comment", Text, Val_),
        col("locale", Text, Val_),
    ],
    range: Some("at"),
    by_flow: false,
};

/// `target_missing` per day, flow, step, selector, page, reason and user. `reason`: `hidden`
/// (on the page but out of sight: a closed drawer, a collapsed panel) or `absent` (not on the
/// page; also every event from SDKs that sent no reason, which could only tell that).
pub static TARGETS: TableDef = TableDef {
    name: "rollup_targets",
    cols: &[
        col("day", Int, Key),
        col("flow_id", Text, Key),
        col("step_id", Text, Key),
        col("selector", Text, Key),
        col("page", Text, Key),
        col("reason", Text, Key),
        col("user_key", Text, Key),
        col("n", Int, Sum),
    ],
    range: Some("day"),
    by_flow: false,
};

/// The `users` table as the reports read it (latest traits, first time seen).
pub static USERS: TableDef = TableDef {
    name: "users",
    cols: &[col("user_key", Text, Key), col("traits", Text, Val_), col("first_seen", Int, Val_)],
    range: None,
    by_flow: false,
};

/// Which rollups a database at migration `current` must fill from its stored events once
/// migrated: all of them (`Some(vec![])`) if it predates `all_from`, the migration that
/// created them; else the tables made again by a later migration (`tables`: version, table);
/// `None`: nothing to fill.
pub fn to_rebuild(current: i64, all_from: i64, tables: &[(i64, &'static TableDef)]) -> Option<Vec<&'static TableDef>> {
    if current < all_from {
        return Some(Vec::new());
    }
    let only: Vec<&'static TableDef> = tables.iter().filter(|(v, _)| *v > current).map(|(_, t)| *t).collect();
    (!only.is_empty()).then_some(only)
}

/// The rollup tables in the order writers apply them (a fixed order, so two PostgreSQL writers
/// take row locks in the same order and cannot deadlock).
pub static ROLLUPS: [&TableDef; 9] = [&ACTIVITY, &FLOWS, &STEPS, &TIMINGS, &MILESTONES, &STAGES, &CHECKLIST, &SURVEYS, &TARGETS];

/// A value bound to a rollup column. `Null` only appears in non-key text columns.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Cell {
    Int(i64),
    Text(String),
    Null,
}

impl Cell {
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Cell::Int(v) => Some(*v),
            _ => None,
        }
    }
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Cell::Text(s) => Some(s),
            _ => None,
        }
    }
}

/// The rows one transaction adds to one table, in key order, each key once.
#[derive(Debug)]
pub struct TableDelta {
    pub table: &'static TableDef,
    pub rows: Vec<Vec<Cell>>,
}

/// What a stored event needs to say for the rollups, whether it was just received or read back
/// from `events` (rebuilding rollups of an older database).
#[derive(Clone, Copy, Debug)]
pub struct Fact<'a> {
    pub name: &'a str,
    pub user_key: &'a str,
    pub corrected_at: i64,
    pub flow_id: Option<&'a str>,
    pub step_id: Option<&'a str>,
    pub spec_revision: Option<&'a str>,
    /// The `properties` object as JSON text.
    pub properties: &'a str,
    /// The `context` object as JSON text.
    pub context: Option<&'a str>,
    pub locale: Option<&'a str>,
}

/// `u:<user_id>` for identified users, `a:<anonymous_id>` for anonymous ones (the `users` key).
pub fn user_key(user_id: Option<&str>, anonymous_id: &str) -> String {
    match user_id {
        Some(u) => format!("u:{u}"),
        None => format!("a:{anonymous_id}"),
    }
}

impl<'a> Fact<'a> {
    pub fn of(row: &'a EventRow, user_key: &'a str) -> Fact<'a> {
        let r = &row.record;
        Fact {
            name: r.name,
            user_key,
            corrected_at: row.corrected_at,
            flow_id: r.flow_id.as_deref(),
            step_id: r.step_id.as_deref(),
            spec_revision: r.spec_revision.as_deref(),
            properties: &r.properties,
            context: r.context.as_deref(),
            locale: r.locale.as_deref(),
        }
    }
}

/// The UTC day number of a time in ms.
pub fn day_of(ms: i64) -> i64 {
    crate::date::day_of_ms(ms)
}

fn cut(s: &str, max: usize) -> String {
    crate::batch::truncate(s, max).to_owned()
}

fn text(s: Option<&str>) -> Cell {
    Cell::Text(cut(s.unwrap_or(""), MAX_KEY_TEXT))
}

/// A non-negative whole number of ms from a JSON number (the SDK rounds durations).
fn duration(v: Option<&Value>) -> Option<i64> {
    let f = v?.as_f64()?;
    (f.is_finite() && f >= 0.0 && f < 1e15).then(|| f.round() as i64)
}

/// The score of a survey answer when it is a whole number inside its scale's range.
pub fn valid_score(scale: &str, score: f64) -> Option<i64> {
    let (lo, hi) = match scale {
        "nps" => (0.0, 10.0),
        "csat" => (1.0, 5.0),
        "ces" => (1.0, 7.0),
        _ => return None,
    };
    (score.fract() == 0.0 && score >= lo && score <= hi).then_some(score as i64)
}

/// Accumulates keyed rows (merging by key) and append-only rows.
struct Acc {
    keyed: HashMap<Vec<Cell>, Vec<Cell>, foldhash::fast::RandomState>,
    append: Vec<Vec<Cell>>,
}

impl Acc {
    fn new() -> Acc {
        Acc { keyed: HashMap::default(), append: Vec::new() }
    }

    /// Merges a full row (columns in table order) into the accumulator.
    fn add(&mut self, table: &TableDef, row: Vec<Cell>) {
        if !table.keyed() {
            self.append.push(row);
            return;
        }
        let key: Vec<Cell> = table.cols.iter().zip(&row).filter(|(c, _)| c.role == Key).map(|(_, v)| v.clone()).collect();
        match self.keyed.get_mut(&key) {
            None => {
                self.keyed.insert(key, row);
            }
            Some(existing) => {
                for ((c, old), new) in table.cols.iter().zip(existing.iter_mut()).zip(row) {
                    match (c.role, &*old, new) {
                        (Sum, Cell::Int(a), Cell::Int(b)) => *old = Cell::Int(a + b),
                        (Min, Cell::Int(a), Cell::Int(b)) => *old = Cell::Int((*a).min(b)),
                        _ => {}
                    }
                }
            }
        }
    }

    fn rows(self) -> Vec<Vec<Cell>> {
        if self.append.is_empty() {
            let mut rows: Vec<Vec<Cell>> = self.keyed.into_values().collect();
            rows.sort();
            rows
        } else {
            self.append
        }
    }
}

/// The rollup rows implied by `facts` (events just stored), merged by key, one delta per table
/// that has rows, in [`ROLLUPS`] order.
pub fn deltas<'a>(facts: impl IntoIterator<Item = (i64, Fact<'a>)>) -> Vec<(i64, TableDelta)> {
    // Per project, per table.
    let mut acc: HashMap<(i64, usize), Acc, foldhash::fast::RandomState> = HashMap::default();
    let mut add = |project: i64, t: usize, row: Vec<Cell>| {
        let table = ROLLUPS[t];
        acc.entry((project, t)).or_insert_with(Acc::new).add(table, row);
    };
    for (project, f) in facts {
        let day = day_of(f.corrected_at);
        let uk = Cell::Text(f.user_key.to_owned());
        add(project, 0, vec![Cell::Int(day), uk.clone(), Cell::Int(1)]);
        let flow = text(f.flow_id);
        let rev = text(f.spec_revision);
        let step = text(f.step_id);
        let props = || serde_json::from_str::<Value>(f.properties).ok();
        let flow_row = |started, completed, dismissed, opened, answered| {
            vec![flow.clone(), Cell::Int(day), uk.clone(), rev.clone(), Cell::Int(started), Cell::Int(completed), Cell::Int(dismissed), Cell::Int(opened), Cell::Int(answered)]
        };
        let step_row = |viewed, completed, dismissed| {
            vec![flow.clone(), Cell::Int(day), uk.clone(), rev.clone(), step.clone(), Cell::Int(viewed), Cell::Int(completed), Cell::Int(dismissed)]
        };
        let timing = |step: Cell, ms: i64| vec![flow.clone(), Cell::Int(day), uk.clone(), rev.clone(), step, Cell::Int(ms)];
        match f.name {
            "flow_started" => add(project, 1, flow_row(1, 0, 0, 0, 0)),
            "flow_completed" => {
                add(project, 1, flow_row(0, 1, 0, 0, 0));
                if let Some(ms) = props().and_then(|p| duration(p.get("duration_ms"))) {
                    add(project, 3, timing(Cell::Text(String::new()), ms));
                }
            }
            "flow_dismissed" => {
                add(project, 1, flow_row(0, 0, 1, 0, 0));
                if f.step_id.is_some() {
                    add(project, 2, step_row(0, 0, 1));
                }
            }
            "hint_opened" => add(project, 1, flow_row(0, 0, 0, 1, 0)),
            "step_viewed" => add(project, 2, step_row(1, 0, 0)),
            "step_completed" => {
                add(project, 2, step_row(0, 1, 0));
                if let Some(ms) = props().and_then(|p| duration(p.get("duration_ms"))) {
                    add(project, 3, timing(step.clone(), ms));
                }
            }
            "milestone_reached" => {
                if let Some(id) = props().as_ref().and_then(|p| p.get("milestone_id")).and_then(Value::as_str).filter(|s| !s.is_empty()) {
                    add(project, 4, vec![uk.clone(), Cell::Text(cut(id, MAX_KEY_TEXT)), Cell::Int(f.corrected_at)]);
                }
            }
            "stage_changed" => {
                let p = props();
                let get = |k: &str| p.as_ref().and_then(|p| p.get(k)).and_then(Value::as_str).map(|s| cut(s, MAX_KEY_TEXT));
                if let Some(to) = get("to").filter(|s| !s.is_empty()) {
                    add(project, 5, vec![Cell::Int(f.corrected_at), uk.clone(), Cell::Text(get("from").unwrap_or_default()), Cell::Text(to)]);
                }
            }
            "checklist_item_completed" => {
                if let Some(item) = props().as_ref().and_then(|p| p.get("item_id")).and_then(Value::as_str).filter(|s| !s.is_empty()) {
                    add(project, 6, vec![flow.clone(), Cell::Text(cut(item, MAX_KEY_TEXT)), uk.clone(), Cell::Int(f.corrected_at)]);
                }
            }
            "survey_answered" => {
                add(project, 1, flow_row(0, 0, 0, 0, 1));
                let p = props();
                let scale = p.as_ref().and_then(|p| p.get("scale")).and_then(Value::as_str).unwrap_or("");
                let score = p.as_ref().and_then(|p| p.get("score")).and_then(Value::as_f64).and_then(|s| valid_score(scale, s));
                if let Some(score) = score {
                    let comment = p
                        .as_ref()
                        .and_then(|p| p.get("comment"))
                        .and_then(Value::as_str)
                        .map(str::trim)
                        .filter(|c| !c.is_empty())
                        .map_or(Cell::Null, |c| Cell::Text(cut(c, MAX_COMMENT)));
                    let locale = f.locale.filter(|l| !l.is_empty()).map_or(Cell::Null, |l| Cell::Text(l.to_owned()));
                    add(project, 7, vec![Cell::Int(f.corrected_at), uk.clone(), flow.clone(), rev.clone(), Cell::Text(scale.to_owned()), Cell::Int(score), comment, locale]);
                }
            }
            "target_missing" => {
                let p = props();
                let selector = p.as_ref().and_then(|p| p.get("selector")).and_then(Value::as_str);
                // The SDK puts the page in `properties.path`; older events only in the context.
                let page = p.as_ref().and_then(|p| p.get("path")).and_then(Value::as_str).map(str::to_owned).or_else(|| {
                    f.context
                        .and_then(|c| serde_json::from_str::<Value>(c).ok())
                        .and_then(|c| c.get("path").and_then(Value::as_str).map(str::to_owned))
                });
                let hidden = p.as_ref().and_then(|p| p.get("reason")).and_then(Value::as_str) == Some("hidden");
                let reason = Cell::Text(if hidden { "hidden" } else { "absent" }.to_owned());
                add(project, 8, vec![Cell::Int(day), flow.clone(), step.clone(), text(selector), text(page.as_deref()), reason, uk.clone(), Cell::Int(1)]);
            }
            _ => {}
        }
    }
    let mut out: Vec<(i64, TableDelta)> = acc
        .into_iter()
        .map(|((project, t), a)| (project, TableDelta { table: ROLLUPS[t], rows: a.rows() }))
        .collect();
    out.sort_by_key(|(p, d)| (ROLLUPS.iter().position(|t| std::ptr::eq(*t, d.table)).unwrap_or(usize::MAX), *p));
    out
}

/// Which rows a report reads: one table of one project, optionally a range on its range column
/// (inclusive) and one flow.
#[derive(Clone, Debug)]
pub struct Scan {
    pub table: &'static TableDef,
    pub project_id: i64,
    pub range: Option<(i64, i64)>,
    pub flow_id: Option<String>,
}

/// A fast hasher for interning short keys in one request (FxHash's multiply-rotate). Not
/// resistant to chosen collisions, which is fine: keys come from the project's own rollups and
/// a worst case only slows one report down.
#[derive(Clone, Copy, Default)]
pub struct FxHasher(u64);

impl std::hash::Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(K);
        }
        for b in chunks.remainder() {
            self.0 = (self.0.rotate_left(5) ^ u64::from(*b)).wrapping_mul(K);
        }
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

pub type FxBuild = std::hash::BuildHasherDefault<FxHasher>;

/// Scanned rows, column by column. Text is dictionary-coded per scan (`0` is NULL), so a scan of
/// many rows repeating a few flow ids allocates each id once.
#[derive(Debug, Default)]
pub struct Columns {
    pub len: usize,
    pub ints: Vec<Vec<i64>>,
    pub texts: Vec<Vec<u32>>,
    /// For each column of the table: `(is_text, index into ints or texts)`.
    pub slots: Vec<(bool, usize)>,
    pub dict: Vec<String>,
    /// Interning without a second copy of each text: hash → first code with that hash, and
    /// `chain[code]` → the next code with the same hash (0 ends the chain).
    lookup: HashMap<u64, u32, FxBuild>,
    chain: Vec<u32>,
    /// Per text column, the code of the previous row: rows come in key order, so neighbours
    /// often repeat a value and need no lookup.
    last: Vec<u32>,
}

impl Columns {
    pub fn new(table: &TableDef) -> Columns {
        let mut c = Columns { dict: vec![String::new()], chain: vec![0], ..Default::default() };
        for col in table.cols {
            match col.ty {
                Ty::Int => {
                    c.slots.push((false, c.ints.len()));
                    c.ints.push(Vec::new());
                }
                Ty::Text => {
                    c.slots.push((true, c.texts.len()));
                    c.texts.push(Vec::new());
                    c.last.push(0);
                }
            }
        }
        c
    }

    fn hash(s: &str) -> u64 {
        use std::hash::{BuildHasher, Hasher};
        let mut h = FxBuild::default().build_hasher();
        h.write(s.as_bytes());
        h.finish()
    }

    /// The code of a text value already in the dictionary.
    pub fn find(&self, s: &str) -> Option<u32> {
        let mut code = self.lookup.get(&Columns::hash(s)).copied().unwrap_or(0);
        while code != 0 {
            if self.dict.get(code as usize).is_some_and(|d| d == s) {
                return Some(code);
            }
            code = self.chain.get(code as usize).copied().unwrap_or(0);
        }
        None
    }

    /// The code of a text value, adding it to the dictionary on first sight.
    pub fn code(&mut self, s: Option<&str>) -> u32 {
        let Some(s) = s else { return 0 };
        if let Some(c) = self.find(s) {
            return c;
        }
        let c = self.dict.len() as u32;
        let h = Columns::hash(s);
        self.dict.push(s.to_owned());
        self.chain.push(self.lookup.get(&h).copied().unwrap_or(0));
        self.lookup.insert(h, c);
        c
    }

    pub fn push_int(&mut self, col: usize, v: i64) {
        if let Some((false, i)) = self.slots.get(col).copied() {
            if let Some(c) = self.ints.get_mut(i) {
                c.push(v);
            }
        }
    }

    pub fn push_text(&mut self, col: usize, v: Option<&str>) {
        let Some((true, i)) = self.slots.get(col).copied() else { return };
        let prev = self.last.get(i).copied().unwrap_or(0);
        let code = match v {
            Some(s) if prev != 0 && self.dict.get(prev as usize).is_some_and(|p| p == s) => prev,
            _ => self.code(v),
        };
        if let Some(c) = self.texts.get_mut(i) {
            c.push(code);
        }
        if let Some(l) = self.last.get_mut(i) {
            *l = code;
        }
    }

    /// The integers of column `col` (empty when it is not an integer column).
    pub fn int_col(&self, col: usize) -> &[i64] {
        match self.slots.get(col) {
            Some((false, i)) => self.ints.get(*i).map(Vec::as_slice).unwrap_or(&[]),
            _ => &[],
        }
    }

    /// The text codes of column `col` (empty when it is not a text column).
    pub fn text_col(&self, col: usize) -> &[u32] {
        match self.slots.get(col) {
            Some((true, i)) => self.texts.get(*i).map(Vec::as_slice).unwrap_or(&[]),
            _ => &[],
        }
    }

    /// The text of a code; `None` for NULL.
    pub fn text(&self, code: u32) -> Option<&str> {
        if code == 0 {
            return None;
        }
        self.dict.get(code as usize).map(String::as_str)
    }

    /// The rows of one column as text (tests, debugging).
    pub fn texts_of(&self, col: usize) -> Vec<Option<&str>> {
        self.text_col(col).iter().map(|c| self.text(*c)).collect()
    }
}

/// SQL for scanning a table: the columns in table order, with `project_id` the first parameter,
/// then the range bounds and the flow when the scan has them. `ph(n)` writes placeholder `n`.
pub fn scan_sql(scan: &Scan, ph: &dyn Fn(usize) -> String) -> String {
    let t = scan.table;
    let cols: Vec<&str> = t.cols.iter().map(|c| c.name).collect();
    let mut sql = format!("SELECT {} FROM {} WHERE project_id = {}", cols.join(", "), t.name, ph(1));
    let mut n = 1;
    if let (Some(col), Some(_)) = (t.range, scan.range) {
        sql.push_str(&format!(" AND {col} BETWEEN {} AND {}", ph(n + 1), ph(n + 2)));
        n += 2;
    }
    if t.by_flow && scan.flow_id.is_some() {
        sql.push_str(&format!(" AND flow_id = {}", ph(n + 1)));
    }
    sql
}

/// SQL that adds one delta row: a plain insert for append-only tables, an upsert that sums or
/// keeps the minimum for keyed ones. `min` is the dialect's two-argument minimum (`min` in
/// SQLite, `LEAST` in PostgreSQL).
pub fn upsert_sql(t: &TableDef, values: &str, min: &str) -> String {
    let cols: Vec<&str> = t.cols.iter().map(|c| c.name).collect();
    let mut sql = format!("INSERT INTO {} (project_id, {}) {values}", t.name, cols.join(", "));
    if t.keyed() {
        let keys: Vec<&str> = t.cols.iter().filter(|c| c.role == Key).map(|c| c.name).collect();
        let sets: Vec<String> = t
            .cols
            .iter()
            .filter_map(|c| match c.role {
                Sum => Some(format!("{0} = {1}.{0} + excluded.{0}", c.name, t.name)),
                Min => Some(format!("{0} = {min}({1}.{0}, excluded.{0})", c.name, t.name)),
                _ => None,
            })
            .collect();
        sql.push_str(&format!(" ON CONFLICT (project_id, {}) DO UPDATE SET {}", keys.join(", "), sets.join(", ")));
    }
    sql
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fact<'a>(name: &'a str, uk: &'a str, at: i64, flow: Option<&'a str>, step: Option<&'a str>, props: &'a str) -> Fact<'a> {
        Fact { name, user_key: uk, corrected_at: at, flow_id: flow, step_id: step, spec_revision: Some("r1"), properties: props, context: None, locale: Some("ja") }
    }

    fn rows<'a>(d: &'a [(i64, TableDelta)], project: i64, t: &TableDef) -> &'a [Vec<Cell>] {
        d.iter().find(|(p, x)| *p == project && std::ptr::eq(x.table, t)).map(|(_, x)| x.rows.as_slice()).unwrap_or(&[])
    }

    fn table<'a>(d: &'a [(i64, TableDelta)], t: &TableDef) -> &'a [Vec<Cell>] {
        rows(d, 1, t)
    }

    #[test]
    fn what_a_migrated_database_fills_from_its_events() {
        let names = |v: Option<Vec<&TableDef>>| v.map(|v| v.iter().map(|t| t.name).collect::<Vec<_>>());
        let tables: &[(i64, &TableDef)] = &[(5, &TARGETS)];
        assert_eq!(names(to_rebuild(0, 2, tables)), Some(vec![]), "a new or pre-rollup database: every rollup");
        assert_eq!(names(to_rebuild(1, 2, tables)), Some(vec![]));
        assert_eq!(names(to_rebuild(2, 2, tables)), Some(vec!["rollup_targets"]), "before reasons: the targets only");
        assert_eq!(names(to_rebuild(4, 2, tables)), Some(vec!["rollup_targets"]));
        assert_eq!(names(to_rebuild(5, 2, tables)), None, "up to date: nothing");
    }

    #[test]
    fn events_become_rows_merged_by_key() {
        let day = 20_000;
        let t = day * DAY_MS + 5_000;
        let facts = vec![
            (1, fact("step_viewed", "u:a", t, Some("welcome"), Some("intro"), "{}")),
            (1, fact("step_viewed", "u:a", t + 1, Some("welcome"), Some("intro"), "{}")),
            (1, fact("step_completed", "u:a", t + 2, Some("welcome"), Some("intro"), r#"{"duration_ms":1500.4}"#)),
            (1, fact("flow_dismissed", "u:a", t + 3, Some("welcome"), Some("create"), "{}")),
            (1, fact("milestone_reached", "u:a", t + 9, None, None, r#"{"milestone_id":"first_project"}"#)),
            (1, fact("milestone_reached", "u:a", t + 4, None, None, r#"{"milestone_id":"first_project"}"#)),
            (1, fact("survey_answered", "u:b", t, Some("nps"), None, r#"{"scale":"nps","score":9,"comment":"  great  "}"#)),
            (1, fact("survey_answered", "u:b", t, Some("nps"), None, r#"{"scale":"nps","score":11}"#)),
            (1, fact("target_missing", "u:b", t, Some("welcome"), Some("import"), r##"{"selector":"#import","path":"/app"}"##)),
            (1, fact("target_missing", "u:b", t, Some("welcome"), Some("import"), r##"{"selector":"#import","path":"/app","reason":"hidden"}"##)),
            (1, fact("target_missing", "u:b", t, Some("welcome"), Some("import"), r##"{"selector":"#import","path":"/app","reason":"absent"}"##)),
            (2, fact("event_tracked", "u:a", t - DAY_MS, None, None, "{}")),
        ];
        let d = deltas(facts);
        let act = table(&d, &ACTIVITY);
        assert!(act.contains(&vec![Cell::Int(day), Cell::Text("u:a".into()), Cell::Int(6)]), "{act:?}");
        assert!(act.contains(&vec![Cell::Int(day), Cell::Text("u:b".into()), Cell::Int(5)]));
        assert_eq!(act.len(), 2);
        assert_eq!(rows(&d, 2, &ACTIVITY), &[vec![Cell::Int(day - 1), Cell::Text("u:a".into()), Cell::Int(1)]], "project 2 has its own row");
        let steps = table(&d, &STEPS);
        let t = |s: &str| Cell::Text(s.into());
        assert!(steps.contains(&vec![t("welcome"), Cell::Int(day), t("u:a"), t("r1"), t("intro"), Cell::Int(2), Cell::Int(1), Cell::Int(0)]), "{steps:?}");
        assert!(steps.contains(&vec![t("welcome"), Cell::Int(day), t("u:a"), t("r1"), t("create"), Cell::Int(0), Cell::Int(0), Cell::Int(1)]));
        assert_eq!(table(&d, &TIMINGS), &[vec![t("welcome"), Cell::Int(day), t("u:a"), t("r1"), t("intro"), Cell::Int(1500)]]);
        assert_eq!(table(&d, &MILESTONES), &[vec![t("u:a"), t("first_project"), Cell::Int(day * DAY_MS + 5_004)]], "the earliest reach stays");
        let surveys = table(&d, &SURVEYS);
        assert_eq!(surveys.len(), 1, "a score outside 0–10 is not an NPS answer");
        assert_eq!(surveys[0][6], t("great"));
        assert_eq!(surveys[0][7], t("ja"));
        // Without a reason (older SDKs): absent, the only thing they could tell.
        let targets = table(&d, &TARGETS);
        assert!(targets.contains(&vec![Cell::Int(day), t("welcome"), t("import"), t("#import"), t("/app"), t("absent"), t("u:b"), Cell::Int(2)]), "{targets:?}");
        assert!(targets.contains(&vec![Cell::Int(day), t("welcome"), t("import"), t("#import"), t("/app"), t("hidden"), t("u:b"), Cell::Int(1)]));
        assert_eq!(targets.len(), 2);
        let flows = table(&d, &FLOWS);
        assert!(flows.iter().any(|r| r[0] == t("nps") && r[8] == Cell::Int(2)), "every answer counts in the flow, valid or not");
    }

    #[test]
    fn scores_outside_the_scale_are_refused() {
        assert_eq!(valid_score("nps", 0.0), Some(0));
        assert_eq!(valid_score("nps", 10.0), Some(10));
        assert_eq!(valid_score("nps", 10.5), None);
        assert_eq!(valid_score("csat", 0.0), None);
        assert_eq!(valid_score("ces", 7.0), Some(7));
        assert_eq!(valid_score("ces", 8.0), None);
        assert_eq!(valid_score("stars", 3.0), None);
    }

    #[test]
    fn sql_shapes() {
        let s = upsert_sql(&ACTIVITY, "VALUES (?1, ?2, ?3, ?4)", "min");
        assert_eq!(
            s,
            "INSERT INTO rollup_activity (project_id, day, user_key, events) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (project_id, day, user_key) DO UPDATE SET events = rollup_activity.events + excluded.events"
        );
        assert!(!upsert_sql(&STAGES, "VALUES (?1)", "min").contains("ON CONFLICT"));
        assert!(upsert_sql(&MILESTONES, "", "LEAST").contains("first_at = LEAST(rollup_milestones.first_at, excluded.first_at)"));
        let scan = Scan { table: &STEPS, project_id: 1, range: Some((1, 2)), flow_id: Some("f".into()) };
        assert_eq!(
            scan_sql(&scan, &|n| format!("${n}")),
            "SELECT flow_id, day, user_key, revision, step_id, viewed, completed, dismissed FROM rollup_steps \
             WHERE project_id = $1 AND day BETWEEN $2 AND $3 AND flow_id = $4"
        );
    }

    #[test]
    fn columns_code_text_once() {
        let mut c = Columns::new(&ACTIVITY);
        for (d, u) in [(1, "u:a"), (2, "u:a"), (2, "u:b")] {
            c.push_int(0, d);
            c.push_text(1, Some(u));
            c.push_int(2, 1);
            c.len += 1;
        }
        assert_eq!(c.int_col(0), &[1, 2, 2]);
        assert_eq!(c.texts_of(1), vec![Some("u:a"), Some("u:a"), Some("u:b")]);
        assert_eq!(c.dict.len(), 3, "NULL plus two distinct keys");
        assert!(c.int_col(1).is_empty() && c.text_col(0).is_empty());
    }
}
