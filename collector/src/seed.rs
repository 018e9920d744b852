//! Demo data for the adoption dashboard: `shirube-collector seed` (and, in `serve --dev`,
//! `POST /v1/dev/seed`) simulates a population of users going through an onboarding program
//! and stores the events they would have sent.
//!
//! What it owns: a deterministic simulation (a seeded RNG; the same options give the same
//! events) of users of the three touch tiers and four plans over N days, driven by the spec it
//! is given (the Acme demo program by default): its tours and their steps, selectors and
//! missing-target policies, hints, announcements, the checklist and its items, surveys and their
//! scales, milestones and stages are read from the validated model, so the data cannot name a
//! flow, step or milestone the program does not have. The product side (which host events a
//! user sends, how often, who churns) is the simulation's own model, written below as numbers.
//!
//! What it must not do: write around the collector. Every event is written as the SDK writes it,
//! batched per session with client clocks (some skewed), parsed by the same `batch::parse_batch`
//! as `POST /v1/batch`, clock-corrected by `batch::corrected_time`, and stored through
//! `Store::ingest`, so seeded data, rollups included, is exactly what ingest would have stored.

use std::sync::Arc;

use serde_json::{json, Value};
use shirube::core::model::{Body, Cond, Flow, MilestoneWhen, Model};

use crate::batch::{self, corrected_time};
use crate::date::{self, DAY_MS};
use crate::store::{EventRow, IngestBatch, Store};

/// The Acme demo program (examples/saas-app/onboarding.json), the default spec.
pub const ACME_SPEC: &str = include_str!("../../examples/saas-app/onboarding.json");

#[derive(Clone, Debug)]
pub struct Options {
    pub users: usize,
    pub days: u32,
    /// The last simulated UTC day (day number); usually today.
    pub end_day: i64,
    pub seed: u64,
    /// Spec text: flows, steps, milestones and stages come from it.
    pub spec: String,
    /// Nothing happens after this time (ms): seeding "until today" stops at the present.
    pub not_after: i64,
}

impl Options {
    pub fn new(users: usize, days: u32, end_day: i64) -> Options {
        Options { users, days, end_day, seed: 42, spec: ACME_SPEC.to_owned(), not_after: i64::MAX }
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Summary {
    pub users: usize,
    pub events: u64,
    pub batches: u64,
    pub duplicates: u64,
}

/// Most sessions a seed keeps in flight at once: enough for the store's group commit to take
/// thousands of events per transaction.
const IN_FLIGHT: usize = 128;

/// Simulates `opts.users` users and stores their events in `project_id`. `progress` is called
/// after each user with the running totals.
pub async fn run(store: Arc<dyn Store>, project_id: i64, opts: &Options, progress: &mut (dyn FnMut(&Summary) + Send)) -> Result<Summary, String> {
    let program = Program::from_spec(&opts.spec, opts)?;
    let mut summary = Summary::default();
    let permits = Arc::new(tokio::sync::Semaphore::new(IN_FLIGHT));
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..opts.users {
        let sessions = simulate(&program, i, opts);
        for s in sessions {
            for batch in s.batches(project_id)? {
                summary.events += batch.events.len() as u64;
                summary.batches += 1;
                let permit = permits.clone().acquire_owned().await.map_err(|e| e.to_string())?;
                let store = store.clone();
                tasks.spawn(async move {
                    let out = store.ingest(batch).await;
                    drop(permit);
                    out
                });
            }
        }
        while let Some(done) = tasks.try_join_next() {
            summary.duplicates += done.map_err(|e| e.to_string())?.map_err(|e| e.to_string())?.duplicates;
        }
        summary.users = i + 1;
        progress(&summary);
    }
    while let Some(done) = tasks.join_next().await {
        summary.duplicates += done.map_err(|e| e.to_string())?.map_err(|e| e.to_string())?.duplicates;
    }
    Ok(summary)
}

// ---------------------------------------------------------------------------------------------
// Randomness: splitmix64, seeded per user so users are independent of each other.

struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    fn f(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn chance(&mut self, p: f64) -> bool {
        self.f() < p
    }
    /// Uniform in [lo, hi].
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        lo + (self.next() % (hi - lo + 1) as u64) as i64
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> Option<&'a T> {
        if xs.is_empty() {
            return None;
        }
        xs.get((self.next() % xs.len() as u64) as usize)
    }
    fn weighted(&mut self, ws: &[f64]) -> usize {
        let total: f64 = ws.iter().sum();
        let mut x = self.f() * total;
        for (i, w) in ws.iter().enumerate() {
            if x < *w {
                return i;
            }
            x -= w;
        }
        ws.len().saturating_sub(1)
    }
    fn normal(&mut self) -> f64 {
        let u = self.f().max(1e-12);
        let v = self.f();
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }
    /// A duration around `median_ms`, log-normally spread.
    fn duration(&mut self, median_ms: f64, sigma: f64) -> i64 {
        (median_ms * (sigma * self.normal()).exp()).round().clamp(200.0, 3_600_000.0) as i64
    }
    fn poisson(&mut self, lambda: f64) -> u32 {
        let l = (-lambda).exp();
        let (mut k, mut p) = (0u32, 1.0);
        loop {
            p *= self.f();
            if p <= l || k > 200 {
                return k;
            }
            k += 1;
        }
    }
    fn hex(&mut self, n: usize) -> String {
        let mut s = String::with_capacity(n);
        while s.len() < n {
            s.push_str(&format!("{:016x}", self.next()));
        }
        s.truncate(n);
        s
    }
    /// A UUIDv7 for a creation time in ms.
    fn uuid_v7(&mut self, ms: i64) -> String {
        let t = (ms.max(0) as u64) & 0xFFFF_FFFF_FFFF;
        let r = self.next();
        let r2 = self.next();
        format!(
            "{:08x}-{:04x}-7{:03x}-{:04x}-{:012x}",
            t >> 16,
            t & 0xFFFF,
            r & 0xFFF,
            0x8000 | ((r >> 12) & 0x3FFF),
            r2 & 0xFFFF_FFFF_FFFF
        )
    }
}

// ---------------------------------------------------------------------------------------------
// The program, as read from the spec.

struct StepInfo {
    id: String,
    selectors: String,
    if_missing: &'static str,
    advance_event: Option<String>,
}

enum Kind {
    Tour(Vec<StepInfo>),
    Hint { selectors: String },
    Announcement,
    Checklist(Vec<(String, Option<usize>)>),
    Survey { scale: &'static str, trigger_event: Option<String>, stage: Option<usize> },
}

struct FlowInfo {
    id: String,
    kind: Kind,
    kind_str: &'static str,
}

enum Rule {
    Event { name: String, count: u32 },
    Flow(String),
    All(Vec<usize>),
    Never,
}

struct Program {
    milestones: Vec<(String, Rule)>,
    /// Stage ids with the milestone indices each requires.
    stages: Vec<(String, Vec<usize>)>,
    flows: Vec<FlowInfo>,
    revision: String,
    old_revision: String,
    /// Events before this day carry `old_revision` (an earlier spec whose welcome tour ended
    /// when the import button was missing instead of skipping the step).
    switch_day: i64,
    /// From this day the reports tour's share button is gone from the page (a frontend
    /// release renamed it), so its step shows centred and `target_missing` climbs.
    break_day: i64,
    start_day: i64,
    end_day: i64,
}

fn stage_of(c: &Cond) -> Option<usize> {
    match c {
        Cond::Stage { stage, .. } => Some(*stage),
        Cond::All(v) | Cond::Any(v) => v.iter().find_map(stage_of),
        _ => None,
    }
}

impl Program {
    fn from_spec(text: &str, opts: &Options) -> Result<Program, String> {
        let v = shirube::validate(text);
        let model: Model = match (v.ok(), v.model) {
            (true, Some(m)) => m,
            _ => {
                let first = v.diagnostics.iter().map(|d| d.display()).next().unwrap_or_default();
                return Err(format!("the seed's spec does not validate: {first}"));
            }
        };
        let flow_id = |i: usize| model.flows.get(i).map(|f| f.id.clone()).unwrap_or_default();
        let milestones = model
            .milestones
            .iter()
            .map(|m| {
                let rule = match &m.when {
                    MilestoneWhen::Event { name, count } => Rule::Event { name: name.clone(), count: *count },
                    MilestoneWhen::FlowCompleted(f) => Rule::Flow(flow_id(*f)),
                    MilestoneWhen::Milestones(v) => Rule::All(v.clone()),
                    MilestoneWhen::Never => Rule::Never,
                };
                (m.id.clone(), rule)
            })
            .collect();
        // Indices stay those of the model (audiences refer to stages by index); a stage that
        // refers to a missing milestone can never be reached.
        let stages = model
            .stages
            .iter()
            .map(|s| (s.id.clone(), if s.reachable { s.requires.clone() } else { vec![usize::MAX] }))
            .collect();
        let flows = model.flows.iter().filter(|f| f.enabled).map(flow_info).collect();
        let start_day = opts.end_day - i64::from(opts.days.max(1)) + 1;
        let switch_day = opts.end_day - i64::from(opts.days.max(1)).min(90) * 35 / 90;
        Ok(Program {
            milestones,
            stages,
            flows,
            revision: model.revision.clone(),
            old_revision: format!("{}.1", date::ymd(switch_day - 30)),
            switch_day,
            break_day: opts.end_day - 12,
            start_day,
            end_day: opts.end_day,
        })
    }

    fn flow(&self, id: &str) -> Option<&FlowInfo> {
        self.flows.iter().find(|f| f.id == id)
    }

    fn milestone(&self, id: &str) -> Option<usize> {
        self.milestones.iter().position(|(m, _)| m == id)
    }

    fn revision(&self, day: i64) -> &str {
        if day < self.switch_day {
            &self.old_revision
        } else {
            &self.revision
        }
    }
}

fn flow_info(f: &Flow) -> FlowInfo {
    let kind = match &f.body {
        Body::Tour(t) => Kind::Tour(
            t.steps
                .iter()
                .map(|s| StepInfo {
                    id: s.id.clone(),
                    selectors: s.target.join(" || "),
                    if_missing: s.if_missing.as_str(),
                    advance_event: s.advance.event.clone(),
                })
                .collect(),
        ),
        Body::Hint(h) => Kind::Hint { selectors: h.target.join(" || ") },
        Body::Announcement(_) => Kind::Announcement,
        Body::Checklist(c) => Kind::Checklist(
            c.items
                .iter()
                .map(|it| (it.id.clone(), if let Cond::Milestone(m) = it.done { Some(m) } else { None }))
                .collect(),
        ),
        Body::Survey(s) => Kind::Survey {
            scale: match s.scale.range() {
                (0, 10) => "nps",
                (1, 5) => "csat",
                _ => "ces",
            },
            trigger_event: f.trigger.as_ref().and_then(|t| t.event.clone()),
            stage: f.audience.as_ref().and_then(stage_of),
        },
    };
    FlowInfo { id: f.id.clone(), kind, kind_str: f.kind.as_str() }
}

// ---------------------------------------------------------------------------------------------
// The product model: who the users are and what they do.

#[derive(Clone, Copy, PartialEq)]
enum Tier {
    High,
    Low,
    Tech,
}

impl Tier {
    fn as_str(self) -> &'static str {
        match self {
            Tier::High => "high",
            Tier::Low => "low",
            Tier::Tech => "tech",
        }
    }
    fn i(self) -> usize {
        match self {
            Tier::High => 0,
            Tier::Low => 1,
            Tier::Tech => 2,
        }
    }
}

/// Host events of the Acme app that milestones count, with the share of users (high, low,
/// tech touch) who ever do them and the chance per active day once they are ready to.
const JOURNEY: [(&str, [f64; 3], f64, &str); 4] = [
    ("project_created", [0.96, 0.88, 0.72], 0.65, "/app/projects"),
    ("csv_imported", [0.86, 0.66, 0.42], 0.25, "/app/projects"),
    ("report_created", [0.86, 0.64, 0.46], 0.24, "/app/reports/new"),
    ("member_invited", [0.78, 0.52, 0.32], 0.2, "/app/settings/team"),
];

/// Everyday host events, with the page they happen on.
const ROUTINE: [(&str, &str); 7] = [
    ("task_created", "/app/projects"),
    ("task_completed", "/app/projects"),
    ("comment_added", "/app/projects"),
    ("report_viewed", "/app/reports"),
    ("search_used", "/app/dashboard"),
    ("task_created", "/app/projects"),
    ("file_uploaded", "/app/projects"),
];

struct Session {
    /// Events as the SDK writes them, with the true time each was created.
    events: Vec<(i64, String)>,
    skew_ms: i64,
    /// Extra delay before the batch leaves (offline queues).
    delay_ms: i64,
    rng_seed: u64,
}

impl Session {
    /// The session's events as the SDK would have sent them: batches of at most 50, each with
    /// its client-clock `sent_at`, parsed and clock-corrected exactly as `POST /v1/batch` does.
    fn batches(&self, project_id: i64) -> Result<Vec<IngestBatch>, String> {
        let mut rng = Rng::new(self.rng_seed);
        let mut out = Vec::new();
        for chunk in self.events.chunks(50) {
            let Some((last_t, _)) = chunk.last() else { continue };
            let send_true = last_t + rng.range(300, 4_000) + self.delay_ms;
            let sent_at = send_true + self.skew_ms;
            let received_at = send_true + rng.range(30, 400);
            let mut body = format!(r#"{{"write_key":"seed","sent_at":{sent_at},"attempt":0,"sdk":{{"name":"shirube","version":"0.1.0"}},"events":["#);
            for (i, (_, ev)) in chunk.iter().enumerate() {
                if i > 0 {
                    body.push(',');
                }
                body.push_str(ev);
            }
            body.push_str("]}");
            let parsed = batch::parse_batch(body.as_bytes()).map_err(|e| format!("the seed wrote an invalid batch: {e:?}"))?;
            let mut events = Vec::with_capacity(parsed.events.len());
            for e in parsed.events {
                match e {
                    Ok((_, record)) => {
                        let (corrected_at, flag) = corrected_time(record.timestamp, parsed.sent_at, received_at);
                        events.push(EventRow { record, corrected_at, time_flag: flag.map(|f| f.as_str()) });
                    }
                    Err(r) => return Err(format!("the seed wrote an invalid event ({}): {}", r.code.as_str(), r.detail)),
                }
            }
            out.push(IngestBatch { project_id, received_at, sent_at: parsed.sent_at, sdk_version: parsed.sdk_version, events, rejected: Vec::new() });
        }
        Ok(out)
    }
}

struct Sim<'a> {
    p: &'a Program,
    rng: Rng,
    user_id: Option<String>,
    anonymous_id: String,
    tier: Tier,
    plan: &'static str,
    role: &'static str,
    signed_up: String,
    locale: &'static str,
    skew_ms: i64,
    seq: u64,
    session_id: String,
    t: i64,
    day: i64,
    path: &'static str,
    stage: Option<usize>,
    stage_day: i64,
    reached: Vec<bool>,
    counts: Vec<(String, u32)>,
    /// Host events this user will do at some point (the journey's "destiny").
    destined: [bool; 4],
    done: Vec<String>,
    shown: Vec<(String, u32, i64)>,
    checklist_on: bool,
    items_done: Vec<String>,
    pending: Vec<String>,
    upgrade_day: Option<i64>,
    not_after: i64,
    sessions: Vec<Session>,
    events: Vec<(i64, String)>,
}

/// All sessions of user `i`.
fn simulate(p: &Program, i: usize, opts: &Options) -> Vec<Session> {
    let mut rng = Rng::new(opts.seed ^ (i as u64 + 1).wrapping_mul(0xD1B5_4A32_D192_ED03));
    let tier = match rng.weighted(&[0.08, 0.24, 0.68]) {
        0 => Tier::High,
        1 => Tier::Low,
        _ => Tier::Tech,
    };
    let plan = match tier {
        Tier::High => ["enterprise", "pro"][rng.weighted(&[0.7, 0.3])],
        Tier::Low => ["pro", "starter", "enterprise"][rng.weighted(&[0.5, 0.42, 0.08])],
        Tier::Tech => ["free", "starter", "pro"][rng.weighted(&[0.62, 0.28, 0.10])],
    };
    let role = ["admin", "member", "viewer"][rng.weighted(&[0.3, 0.58, 0.12])];
    let locale = if rng.chance(0.45) { "ja" } else { "en" };
    // Sign-ups grow over the period and slow down at weekends.
    let span = (p.end_day - p.start_day).max(0);
    let mut signup = p.start_day + ((1.0 - rng.f().powf(1.35)) * span as f64) as i64;
    if date::weekday(signup) >= 5 && rng.chance(0.6) {
        signup = (signup + 2).min(p.end_day);
    }
    let skew_ms = match rng.weighted(&[0.88, 0.11, 0.01]) {
        0 => rng.range(-1_500, 1_500),
        1 => rng.range(-300_000, 300_000),
        _ => rng.range(-3 * 3_600_000, 3 * 3_600_000),
    };
    let t = tier.i();
    let mut destined = [false; 4];
    for (k, (_, share, _, _)) in JOURNEY.iter().enumerate() {
        let plan_factor = match plan {
            "free" => 0.85,
            "pro" | "enterprise" => 1.08,
            _ => 1.0,
        };
        destined[k] = rng.chance((share[t] * plan_factor).min(0.99));
    }
    // Later milestones need a project first.
    if !destined[0] {
        destined = [false; 4];
    }
    let mut sim = Sim {
        p,
        user_id: if rng.chance(0.04) { None } else { Some(format!("u_{:06}", i + 1)) },
        anonymous_id: format!("a_{}", rng.hex(20)),
        rng,
        tier,
        plan,
        role,
        signed_up: date::ymd(signup),
        locale,
        skew_ms,
        seq: 0,
        session_id: String::new(),
        t: 0,
        day: signup,
        path: "/app/dashboard",
        stage: None,
        stage_day: signup,
        reached: vec![false; p.milestones.len()],
        counts: Vec::new(),
        destined,
        done: Vec::new(),
        shown: Vec::new(),
        checklist_on: false,
        items_done: Vec::new(),
        pending: Vec::new(),
        upgrade_day: None,
        not_after: opts.not_after,
        sessions: Vec::new(),
        events: Vec::new(),
    };
    sim.live(signup);
    sim.sessions
}

impl Sim<'_> {
    fn live(&mut self, signup: i64) {
        let t = self.tier.i();
        let mean_life = [150.0, 70.0, 40.0][t];
        let mut life = (-self.rng.f().max(1e-9).ln() * mean_life) as i64 + 3;
        let p_active = [0.72, 0.55, 0.45][t];
        let mut day = signup;
        while day <= self.p.end_day && day - signup <= life {
            let weekend = date::weekday(day) >= 5;
            let p = if day == signup { 1.0 } else if weekend { p_active * 0.22 } else { p_active };
            if self.rng.chance(p) {
                self.session(day, day == signup);
                // Users who make it to self-sufficiency stay.
                if self.stage_id() == Some("self_sufficient") {
                    life = life.max(day - signup + 60);
                }
            }
            day += 1;
        }
    }

    fn stage_id(&self) -> Option<&str> {
        self.stage.and_then(|s| self.p.stages.get(s)).map(|(id, _)| id.as_str())
    }

    fn stage_rank(&self) -> usize {
        self.stage.map_or(0, |s| s + 1)
    }

    fn session(&mut self, day: i64, first: bool) {
        self.day = day;
        // Working hours in the user's time zone (Japan is UTC+9).
        let hour = if self.locale == "ja" { self.rng.range(0, 9) } else { self.rng.range(13, 22) };
        self.t = day * DAY_MS + hour * 3_600_000 + self.rng.range(0, 3_599_999);
        if self.t > self.not_after {
            return;
        }
        self.session_id = format!("s_{}", self.rng.hex(16));
        self.path = "/app/dashboard";
        if first {
            self.update_stage();
        }
        if let Some(d) = self.upgrade_day {
            if day >= d && self.plan == "free" {
                self.plan = if self.rng.chance(0.7) { "starter" } else { "pro" };
            }
        }
        self.dashboard_flows(first);
        let lambda = [9.0, 7.0, 5.0][self.tier.i()] * [0.7, 0.7, 1.0, 1.3].get(self.stage_rank()).copied().unwrap_or(1.3);
        let n = self.rng.poisson(lambda);
        // One step of the product journey per visit, somewhere among the routine work.
        let journey_at = self.rng.range(0, i64::from(n)) as u32;
        for i in 0..=n {
            self.gap(8_000, 1.0);
            if i == journey_at {
                self.journey_step();
            }
            if i == n {
                break;
            }
            if let Some(&(name, path)) = self.rng.pick(&ROUTINE) {
                self.path = path;
                self.track(name, json!({}));
                self.page_flows();
            }
        }
        self.run_pending();
        let delay = if self.rng.chance(0.02) { self.rng.range(3_600_000, 30 * 3_600_000) } else { 0 };
        let seed = self.rng.next();
        let mut events = std::mem::take(&mut self.events);
        // A visit still going on now is cut at the present.
        events.retain(|(t, _)| *t <= self.not_after);
        self.sessions.push(Session { events, skew_ms: self.skew_ms, delay_ms: delay, rng_seed: seed });
    }

    /// Moves the clock on by a log-normal gap.
    fn gap(&mut self, median_ms: i64, sigma: f64) {
        self.t += self.rng.duration(median_ms as f64, sigma);
    }

    fn traits(&self) -> Value {
        json!({ "plan": self.plan, "tier": self.tier.as_str(), "role": self.role, "signed_up_at": self.signed_up })
    }

    fn emit(&mut self, name: &str, flow: Option<&str>, step: Option<&str>, event: Option<&str>, props: Value) {
        self.seq += 1;
        self.t += self.rng.range(5, 400);
        let client_t = self.t + self.skew_ms;
        let mut ev = serde_json::Map::new();
        ev.insert("event_id".into(), json!(self.rng.uuid_v7(client_t)));
        ev.insert("name".into(), json!(name));
        ev.insert("timestamp".into(), json!(client_t));
        ev.insert("user_id".into(), json!(self.user_id));
        ev.insert("anonymous_id".into(), json!(self.anonymous_id));
        ev.insert("session_id".into(), json!(self.session_id));
        ev.insert("seq".into(), json!(self.seq));
        ev.insert("spec_revision".into(), json!(self.p.revision(self.day)));
        if let Some(f) = flow {
            ev.insert("flow_id".into(), json!(f));
        }
        if let Some(s) = step {
            ev.insert("step_id".into(), json!(s));
        }
        if let Some(e) = event {
            ev.insert("event".into(), json!(e));
        }
        ev.insert("properties".into(), props);
        ev.insert(
            "context".into(),
            json!({ "traits": self.traits(), "locale": self.locale, "path": self.path, "stage": self.stage_id() }),
        );
        self.events.push((self.t, Value::Object(ev).to_string()));
    }

    fn track(&mut self, name: &str, props: Value) {
        self.emit("event_tracked", None, None, Some(name), props);
        if let Some(c) = self.counts.iter_mut().find(|(n, _)| n == name) {
            c.1 += 1;
        } else {
            self.counts.push((name.to_owned(), 1));
        }
        let count = self.counts.iter().find(|(n, _)| n == name).map_or(0, |c| c.1);
        let hits: Vec<usize> = self
            .p
            .milestones
            .iter()
            .enumerate()
            .filter(|(i, (_, r))| !self.reached.get(*i).copied().unwrap_or(true) && matches!(r, Rule::Event { name: n, count: c } if n == name && count >= *c))
            .map(|(i, _)| i)
            .collect();
        for m in hits {
            self.reach(m);
        }
        // Surveys triggered by this host event wait until nothing else is on screen.
        let triggered: Vec<String> = self
            .p
            .flows
            .iter()
            .filter(|f| matches!(&f.kind, Kind::Survey { trigger_event: Some(e), .. } if e == name))
            .map(|f| f.id.clone())
            .collect();
        for f in triggered {
            if !self.done.contains(&f) && !self.pending.contains(&f) {
                self.pending.push(f);
            }
        }
    }

    fn reach(&mut self, m: usize) {
        if self.reached.get(m).copied().unwrap_or(true) {
            return;
        }
        if let Some(r) = self.reached.get_mut(m) {
            *r = true;
        }
        let id = self.p.milestones.get(m).map(|(id, _)| id.clone()).unwrap_or_default();
        self.emit("milestone_reached", None, None, None, json!({ "milestone_id": id }));
        // Composite milestones.
        let composite: Vec<usize> = self
            .p
            .milestones
            .iter()
            .enumerate()
            .filter(|(i, (_, r))| !self.reached.get(*i).copied().unwrap_or(true) && matches!(r, Rule::All(v) if v.iter().all(|x| self.reached.get(*x).copied().unwrap_or(false))))
            .map(|(i, _)| i)
            .collect();
        for c in composite {
            self.reach(c);
        }
        self.tick_checklist();
        self.update_stage();
    }

    fn flow_completed_milestones(&mut self, flow: &str) {
        let hits: Vec<usize> = self
            .p
            .milestones
            .iter()
            .enumerate()
            .filter(|(i, (_, r))| !self.reached.get(*i).copied().unwrap_or(true) && matches!(r, Rule::Flow(f) if f == flow))
            .map(|(i, _)| i)
            .collect();
        for m in hits {
            self.reach(m);
        }
    }

    fn update_stage(&mut self) {
        let mut cur = None;
        for (i, (_, req)) in self.p.stages.iter().enumerate() {
            if req.iter().all(|m| self.reached.get(*m).copied().unwrap_or(false)) {
                cur = Some(i);
            }
        }
        if cur == self.stage || cur.is_none() {
            return;
        }
        let from = self.stage_id().map(str::to_owned);
        self.stage = cur;
        self.stage_day = self.day;
        let to = self.stage_id().map(str::to_owned);
        self.emit("stage_changed", None, None, None, json!({ "from": from, "to": to }));
    }

    fn tick_checklist(&mut self) {
        if !self.checklist_on {
            return;
        }
        let Some((id, items)) = self.p.flows.iter().find_map(|f| if let Kind::Checklist(items) = &f.kind { Some((f.id.clone(), items)) } else { None }) else {
            return;
        };
        let newly: Vec<String> = items
            .iter()
            .filter(|(item, m)| !self.items_done.contains(item) && m.is_some_and(|m| self.reached.get(m).copied().unwrap_or(false)))
            .map(|(item, _)| item.clone())
            .collect();
        for item in newly {
            self.emit("checklist_item_completed", Some(&id), None, None, json!({ "item_id": item }));
            self.items_done.push(item);
        }
        if !items.is_empty() && items.iter().all(|(item, _)| self.items_done.contains(item)) {
            let started = self.shown.iter().find(|(f, _, _)| *f == id).map_or(self.t, |s| s.2);
            self.emit("flow_completed", Some(&id), None, None, json!({ "kind": "checklist", "duration_ms": (self.t - started).max(0) }));
            self.checklist_on = false;
            self.done.push(id.clone());
            self.flow_completed_milestones(&id);
        }
    }

    fn start(&mut self, flow: &str, trigger: &str) {
        let Some(kind) = self.p.flow(flow).map(|f| f.kind_str) else { return };
        self.emit("flow_started", Some(flow), None, None, json!({ "kind": kind, "trigger": trigger }));
        match self.shown.iter_mut().find(|(f, _, _)| f == flow) {
            Some(s) => {
                s.1 += 1;
                s.2 = self.t;
            }
            None => self.shown.push((flow.to_owned(), 1, self.t)),
        }
    }

    fn times_shown(&self, flow: &str) -> u32 {
        self.shown.iter().find(|(f, _, _)| f == flow).map_or(0, |s| s.1)
    }

    fn eligible(&self, flow: &str) -> bool {
        self.p.flow(flow).is_some() && !self.done.contains(&flow.to_owned())
    }

    fn complete(&mut self, flow: &str, kind: &str) {
        let started = self.shown.iter().find(|(f, _, _)| f == flow).map_or(self.t, |s| s.2);
        self.emit("flow_completed", Some(flow), None, None, json!({ "kind": kind, "duration_ms": (self.t - started).max(0) }));
        self.done.push(flow.to_owned());
        self.flow_completed_milestones(flow);
    }

    fn dismiss(&mut self, flow: &str, kind: &str, via: &str) {
        self.emit("flow_dismissed", Some(flow), None, None, json!({ "kind": kind, "via": via }));
        self.done.push(flow.to_owned());
    }

    fn dashboard_flows(&mut self, first: bool) {
        let tech_touch = self.tier == Tier::Tech && matches!(self.plan, "free" | "starter");
        if first && self.tier == Tier::High && self.eligible("csm-intro") {
            self.gap(1_500, 0.5);
            self.start("csm-intro", "page");
            self.gap(9_000, 0.7);
            if self.rng.chance(0.72) {
                self.complete("csm-intro", "announcement");
            } else {
                self.dismiss("csm-intro", "announcement", "close");
            }
        }
        if first && (tech_touch || self.tier == Tier::Low) && self.stage_id() == Some("onboarding") && self.eligible("welcome") {
            self.gap(900, 0.3);
            self.tour("welcome", "page");
        }
        if first && self.tier != Tier::High && self.eligible("getting-started") {
            self.gap(1_200, 0.5);
            self.start("getting-started", "page");
            self.checklist_on = true;
            self.tick_checklist();
        }
        // Some users close the checklist for good.
        if self.checklist_on && !first && self.rng.chance(0.008) {
            self.checklist_on = false;
            self.dismiss("getting-started", "checklist", "close");
        }
        // A few ask for the activity panel's tour from the sidebar (`sb.start`, a manual start).
        if !first && self.eligible("activity-tour") && self.rng.chance(0.03) {
            self.gap(4_000, 0.6);
            self.tour("activity-tour", "manual");
        }
        if self.stage_rank() >= 2 && !self.milestone_reached("first_report") && self.eligible("reports-launch") {
            self.gap(2_000, 0.5);
            self.start("reports-launch", "page");
            self.gap(6_000, 0.8);
            match self.rng.weighted(&[0.36, 0.44, 0.20]) {
                0 => {
                    self.complete("reports-launch", "announcement");
                    self.tour("reports-tour", "action");
                }
                1 => self.dismiss("reports-launch", "announcement", "close"),
                _ => self.done.push("reports-launch".into()),
            }
        }
        let nps: Vec<String> = self
            .p
            .flows
            .iter()
            .filter(|f| matches!(f.kind, Kind::Survey { trigger_event: None, stage: Some(s), .. } if Some(s) == self.stage))
            .map(|f| f.id.clone())
            .collect();
        for f in nps {
            let last = self.shown.iter().find(|(x, _, _)| *x == f).map(|s| s.2);
            let due = last.is_none_or(|t| self.t - t >= 90 * DAY_MS);
            if self.day > self.stage_day && due {
                self.gap(800, 0.3);
                self.survey(&f, "page");
            }
        }
    }

    fn milestone_reached(&self, id: &str) -> bool {
        self.p.milestone(id).and_then(|m| self.reached.get(m).copied()).unwrap_or(false)
    }

    /// Flows shown on the page the user just went to.
    fn page_flows(&mut self) {
        match self.path {
            "/app/projects" if !self.milestone_reached("csv_imported") && self.times_shown("import-hint") < 3 && self.eligible("import-hint") => {
                self.hint("import-hint", "page");
            }
            "/app/reports" | "/app/reports/new" if self.times_shown("filters-hint") < 2 && self.eligible("filters-hint") => {
                self.hint("filters-hint", "page");
            }
            _ => {}
        }
        // The owner filter shows when the user ticks "More filters": its hint starts then (an
        // element trigger), for about a third of the visits.
        if self.path == "/app/reports" && self.times_shown("owner-hint") < 2 && self.eligible("owner-hint") && self.rng.chance(0.3) {
            self.gap(8_000, 0.8);
            self.hint("owner-hint", "element");
        }
        if self.path.starts_with("/app/reports") && self.plan == "free" && self.role == "admin" && self.stage_rank() >= 2 && self.eligible("upgrade") {
            let last = self.shown.iter().find(|(f, _, _)| f == "upgrade").map(|s| s.2);
            if self.times_shown("upgrade") < 3 && last.is_none_or(|t| self.t - t >= 14 * DAY_MS) {
                self.gap(1_500, 0.2);
                self.start("upgrade", "page");
                self.gap(5_000, 0.8);
                match self.rng.weighted(&[0.14, 0.56, 0.30]) {
                    0 => {
                        self.complete("upgrade", "announcement");
                        self.upgrade_day = Some(self.day + self.rng.range(0, 3));
                    }
                    1 => self.emit("flow_dismissed", Some("upgrade"), None, None, json!({ "kind": "announcement", "via": "close" })),
                    _ => {}
                }
            }
        }
    }

    fn hint(&mut self, flow: &str, trigger: &str) {
        let Some(FlowInfo { kind: Kind::Hint { selectors }, .. }) = self.p.flow(flow) else { return };
        let selectors = selectors.clone();
        self.start(flow, trigger);
        // The filters bar is not on the "new report" page.
        if flow == "filters-hint" && self.path == "/app/reports/new" && self.rng.chance(0.5) {
            let waited = self.rng.range(5_000, 8_000);
            self.t += waited;
            self.emit("target_missing", Some(flow), None, None, json!({ "selector": selectors, "reason": "absent", "waited_ms": waited, "policy": "wait", "path": self.path }));
            return;
        }
        if self.rng.chance(0.55) {
            self.gap(4_000, 0.8);
            self.emit("hint_opened", Some(flow), None, None, json!({}));
            self.gap(6_000, 0.8);
            if self.rng.chance(0.9) {
                self.complete(flow, "hint");
            }
        }
    }

    /// One step of the product journey: does the user take the next milestone action today?
    fn journey_step(&mut self) {
        for (k, (name, _, per_day, path)) in JOURNEY.iter().enumerate() {
            if !self.destined.get(k).copied().unwrap_or(false) {
                continue;
            }
            let count = self.counts.iter().find(|(n, _)| n == name).map_or(0, |c| c.1);
            let need = if *name == "member_invited" { 3 } else { 1 };
            if count >= need || (k > 0 && !self.milestone_reached("first_project")) {
                continue;
            }
            if self.rng.chance(*per_day) {
                self.path = path;
                let props = match *name {
                    "project_created" => {
                        let t = ["blank", "kanban", "crm"][self.rng.weighted(&[0.5, 0.3, 0.2])];
                        json!({ "template": t })
                    }
                    "csv_imported" => json!({ "rows": self.rng.range(12, 4_000) }),
                    "report_created" => {
                        let t = ["burndown", "velocity", "pipeline"][self.rng.weighted(&[0.4, 0.35, 0.25])];
                        json!({ "template": t })
                    }
                    _ => json!({ "role": "member" }),
                };
                // Teammates are often invited several at a time.
                let times = if *name == "member_invited" { self.rng.range(1, 3) } else { 1 };
                for _ in 0..times {
                    self.track(name, props.clone());
                    self.gap(4_000, 0.5);
                }
                self.page_flows();
                self.run_pending();
                return;
            }
        }
        // Some users invite one or two teammates and stop there.
        if !self.destined[3] && self.milestone_reached("first_project") && self.rng.chance(0.01) {
            let count = self.counts.iter().find(|(n, _)| n == "member_invited").map_or(0, |c| c.1);
            if count < 2 {
                self.path = "/app/settings/team";
                self.track("member_invited", json!({ "role": "member" }));
            }
        }
    }

    fn run_pending(&mut self) {
        while let Some(f) = self.pending.pop() {
            self.gap(1_200, 0.2);
            self.survey(&f, "event");
        }
    }

    fn survey(&mut self, flow: &str, trigger: &str) {
        let Some(FlowInfo { kind: Kind::Survey { scale, trigger_event, .. }, .. }) = self.p.flow(flow) else { return };
        let (scale, once) = (*scale, trigger_event.is_some());
        self.start(flow, trigger);
        self.gap(7_000, 0.7);
        let answer_p = if scale == "nps" { 0.58 } else { 0.64 };
        if !self.rng.chance(answer_p) {
            self.emit("flow_dismissed", Some(flow), None, None, json!({ "kind": "survey", "via": "close" }));
            if once {
                self.done.push(flow.to_owned());
            }
            return;
        }
        let score = self.score(scale);
        let comment = if self.rng.chance(if scale == "nps" { 0.42 } else { 0.36 }) { self.comment(scale, score) } else { None };
        if comment.is_some() {
            self.gap(25_000, 0.6);
        }
        self.emit("survey_answered", Some(flow), None, None, json!({ "scale": scale, "score": score, "comment": comment }));
        self.gap(2_500, 0.3);
        let started = self.shown.iter().find(|(f, _, _)| f == flow).map_or(self.t, |s| s.2);
        self.emit("flow_completed", Some(flow), None, None, json!({ "kind": "survey", "duration_ms": (self.t - started).max(0) }));
        if once {
            self.done.push(flow.to_owned());
        }
    }

    fn score(&mut self, scale: &str) -> i64 {
        match scale {
            "nps" => {
                // Promoters grow after the current revision went live (a better first week).
                let lift = if self.day >= self.p.switch_day { 0.06 } else { 0.0 };
                let (pro, pas) = match self.tier {
                    Tier::High => (0.58 + lift, 0.30),
                    Tier::Low => (0.44 + lift, 0.34),
                    Tier::Tech => (0.31 + lift, 0.37),
                };
                match self.rng.weighted(&[pro, pas, (1.0 - pro - pas).max(0.02)]) {
                    0 => self.rng.range(9, 10),
                    1 => self.rng.range(7, 8),
                    _ => [0, 1, 2, 3, 4, 5, 6][self.rng.weighted(&[0.03, 0.03, 0.06, 0.1, 0.16, 0.26, 0.36])],
                }
            }
            "csat" => [1, 2, 3, 4, 5][self.rng.weighted(&[0.06, 0.09, 0.15, 0.32, 0.38])],
            _ => [1, 2, 3, 4, 5, 6, 7][self.rng.weighted(&[0.03, 0.05, 0.08, 0.14, 0.24, 0.28, 0.18])],
        }
    }

    fn comment(&mut self, scale: &str, score: i64) -> Option<String> {
        let positive = match scale {
            "nps" => score >= 9,
            "csat" => score >= 4,
            _ => score >= 5,
        };
        let negative = match scale {
            "nps" => score <= 6,
            "csat" => score <= 2,
            _ => score <= 3,
        };
        let bank: &[&str] = match (self.locale, positive, negative) {
            ("ja", true, _) => COMMENTS_JA_GOOD,
            ("ja", _, true) => COMMENTS_JA_BAD,
            ("ja", _, _) => COMMENTS_JA_MID,
            (_, true, _) => COMMENTS_EN_GOOD,
            (_, _, true) => COMMENTS_EN_BAD,
            _ => COMMENTS_EN_MID,
        };
        self.rng.pick(bank).map(|s| (*s).to_owned())
    }

    /// A tour from its first step: views, completions, drop-off, and targets that are missing.
    fn tour(&mut self, flow: &str, trigger: &str) {
        let Some(FlowInfo { kind: Kind::Tour(steps), .. }) = self.p.flow(flow) else { return };
        let steps: Vec<(String, String, &'static str, Option<String>)> =
            steps.iter().map(|s| (s.id.clone(), s.selectors.clone(), s.if_missing, s.advance_event.clone())).collect();
        let total = steps.len();
        self.start(flow, trigger);
        let started = self.t;
        let old = self.day < self.p.switch_day;
        for (index, (step, selectors, policy, advance)) in steps.iter().enumerate() {
            let has_target = !selectors.is_empty();
            // Which targets are missing: the import button is hidden from viewers and on small
            // screens; the share button disappeared in a recent release; anything can flake.
            let p_missing = match (flow, step.as_str()) {
                ("welcome", "import") if self.role == "viewer" => 1.0,
                ("welcome", "import") => 0.16,
                ("reports-tour", "share") if self.day >= self.p.break_day => 0.7,
                // The step in the activity panel waits for the panel to slide in: some users
                // never open it, and its target stays out of sight.
                ("activity-tour", "catch-up") => 0.12,
                _ if has_target => 0.008,
                _ => 0.0,
            };
            // The earlier revision ended the welcome tour when the import button was missing.
            let policy = if old && flow == "welcome" && step == "import" { "wait" } else { policy };
            let props = json!({ "index": index, "total": total });
            if has_target && self.rng.chance(p_missing) {
                let hidden = flow == "activity-tour";
                let waited = if hidden { 10_000 } else if policy == "wait" { self.rng.range(4_000, 8_000) } else { self.rng.range(200, 1_500) };
                self.t += waited;
                let reason = if hidden { "hidden" } else { "absent" };
                self.emit("target_missing", Some(flow), Some(step), None, json!({ "selector": selectors, "reason": reason, "waited_ms": waited, "policy": policy, "path": self.path }));
                match policy {
                    "skip" => continue,
                    "center" => {}
                    _ => {
                        self.emit("flow_dismissed", Some(flow), Some(step), None, json!({ "index": index, "total": total, "kind": "tour", "via": "target_missing" }));
                        self.done.push(flow.to_owned());
                        return;
                    }
                }
            }
            self.emit("step_viewed", Some(flow), Some(step), None, props);
            let viewed_at = self.t;
            let go_on = match advance.as_deref() {
                Some(event) => {
                    let k = JOURNEY.iter().position(|(n, _, _, _)| *n == event);
                    let will = k.and_then(|k| self.destined.get(k).copied()).unwrap_or(false) && self.rng.chance(0.86);
                    if will {
                        self.gap(45_000, 0.6);
                        let path = k.and_then(|k| JOURNEY.get(k)).map_or(self.path, |j| j.3);
                        self.path = path;
                        self.track(event, json!({ "template": "blank" }));
                    }
                    will
                }
                None => {
                    let base = if index == 0 { 0.87 } else { 0.93 };
                    let tier_bonus = match self.tier {
                        Tier::High => 0.04,
                        Tier::Low => 0.02,
                        Tier::Tech => 0.0,
                    };
                    let rev_bonus = if old { -0.03 } else { 0.0 };
                    self.gap(6_500, 0.7);
                    self.rng.chance(base + tier_bonus + rev_bonus)
                }
            };
            if !go_on {
                if self.rng.chance(0.6) {
                    self.gap(3_000, 0.8);
                    let via = ["close", "escape", "overlay"][self.rng.weighted(&[0.7, 0.2, 0.1])];
                    self.emit("flow_dismissed", Some(flow), Some(step), None, json!({ "index": index, "total": total, "kind": "tour", "via": via }));
                }
                self.done.push(flow.to_owned());
                return;
            }
            if advance.as_deref() == Some("report_created") || (flow, step.as_str()) == ("reports-tour", "open") {
                self.path = "/app/reports";
            }
            self.emit("step_completed", Some(flow), Some(step), None, json!({ "index": index, "total": total, "duration_ms": (self.t - viewed_at).max(0) }));
        }
        self.emit("flow_completed", Some(flow), None, None, json!({ "kind": "tour", "duration_ms": (self.t - started).max(0) }));
        self.done.push(flow.to_owned());
        self.flow_completed_milestones(flow);
        self.run_pending();
    }
}

const COMMENTS_EN_GOOD: &[&str] = &[
    "The welcome tour got our team running in a day.",
    "Reports are exactly what we needed for the Monday meeting.",
    "Importing our spreadsheet just worked. Love it.",
    "Clean, fast, and the checklist kept me on track.",
    "Our CSM was great and the product is even better.",
    "Best project tool we have tried this year.",
    "Scheduling reports saves me an hour every week.",
    "Setup was painless, the hints showed up exactly when I needed them.",
    "We moved the whole team over in a week.",
    "Simple enough for the sales team, powerful enough for ops.",
];
const COMMENTS_EN_MID: &[&str] = &[
    "Good overall, but the report builder has a learning curve.",
    "Fine for now. I wish filters were saved per user.",
    "Does the job. Mobile could be better.",
    "Nice, though inviting people took me a while to find.",
    "OK. The CSV import choked on our date format at first.",
    "Useful, but I still export to Excel for charts.",
    "Decent. Would like more report templates.",
];
const COMMENTS_EN_BAD: &[&str] = &[
    "I could not find how to share a report with my team.",
    "The tour pointed at a button that was not there.",
    "Too many popups in the first week.",
    "Import failed twice with no explanation.",
    "Too expensive for what we use.",
    "Reports are slow with a large project.",
    "I got lost after creating the first project.",
    "Permissions are confusing: viewers cannot import anything.",
];
const COMMENTS_JA_GOOD: &[&str] = &[
    "ウェルカムツアーのおかげで初日から使いこなせました。",
    "レポート機能が週次会議にぴったりです。",
    "CSVインポートが一発で成功して感動しました。",
    "チェックリストのおかげで迷わず設定できました。",
    "担当のカスタマーサクセスの方がとても親切でした。",
    "チーム全員がすぐに使い始められました。",
    "定期配信で毎週の報告作業が楽になりました。",
    "シンプルで分かりやすく、動作も速いです。",
    "ヒントが必要なタイミングで表示されて助かりました。",
];
const COMMENTS_JA_MID: &[&str] = &[
    "全体的に良いですが、レポート作成に少し慣れが必要です。",
    "便利ですが、フィルターをユーザーごとに保存したいです。",
    "スマホ版の使い勝手がもう少し良くなると嬉しいです。",
    "メンバー招待の場所が分かりにくかったです。",
    "テンプレートがもっと増えると嬉しいです。",
    "最初は日付形式のせいでインポートに失敗しました。",
];
const COMMENTS_JA_BAD: &[&str] = &[
    "レポートをチームに共有する方法が分かりませんでした。",
    "ツアーが存在しないボタンを指していました。",
    "最初の週はポップアップが多すぎます。",
    "インポートがエラーの説明なしに失敗しました。",
    "料金が高いと感じます。",
    "大きなプロジェクトだとレポートが遅いです。",
    "閲覧者権限ではインポートできず困りました。",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(users: usize) -> Options {
        Options::new(users, 90, date::days_from_civil(2026, 11, 22))
    }

    #[test]
    fn deterministic_and_valid() {
        let o = opts(40);
        let p = Program::from_spec(&o.spec, &o).expect("the Acme spec validates");
        let a: Vec<String> = (0..40).flat_map(|i| simulate(&p, i, &o)).flat_map(|s| s.events.into_iter().map(|e| e.1)).collect();
        let b: Vec<String> = (0..40).flat_map(|i| simulate(&p, i, &o)).flat_map(|s| s.events.into_iter().map(|e| e.1)).collect();
        assert_eq!(a, b, "the same options give the same events");
        assert!(a.len() > 40 * 20, "{} events for 40 users", a.len());
        // Every session parses as a valid batch (no rejections), through the ingest parser.
        let mut n = 0;
        for i in 0..40 {
            for s in simulate(&p, i, &o) {
                for b in s.batches(1).expect("valid batches") {
                    n += b.events.len();
                    for e in &b.events {
                        let day = date::day_of_ms(e.corrected_at);
                        assert!(day >= p.start_day && day <= p.end_day + 2, "event on day {day} outside the period");
                    }
                }
            }
        }
        assert_eq!(n, a.len());
    }

    #[test]
    fn names_come_from_the_spec() {
        let o = opts(300);
        let p = Program::from_spec(&o.spec, &o).expect("spec");
        let mut flows = std::collections::BTreeSet::new();
        let mut milestones = std::collections::BTreeSet::new();
        let mut names = std::collections::BTreeSet::new();
        for i in 0..300 {
            for s in simulate(&p, i, &o) {
                for (_, e) in s.events {
                    let v: Value = serde_json::from_str(&e).expect("json");
                    names.insert(v["name"].as_str().unwrap_or("").to_owned());
                    if let Some(f) = v["flow_id"].as_str() {
                        flows.insert(f.to_owned());
                    }
                    if let Some(m) = v["properties"]["milestone_id"].as_str() {
                        milestones.insert(m.to_owned());
                    }
                }
            }
        }
        let spec_flows: std::collections::BTreeSet<String> = p.flows.iter().map(|f| f.id.clone()).collect();
        assert!(flows.is_subset(&spec_flows), "{flows:?}");
        assert_eq!(flows.len(), spec_flows.len(), "every flow of the Acme program appears: {flows:?}");
        let spec_ms: std::collections::BTreeSet<String> = p.milestones.iter().map(|m| m.0.clone()).collect();
        assert_eq!(milestones, spec_ms);
        for n in batch::EVENT_NAMES {
            assert!(names.contains(n), "{n} never happens");
        }
    }

    #[test]
    fn a_spec_that_does_not_validate_is_refused() {
        let mut o = opts(1);
        o.spec = "{\"version\": 1}".into();
        assert!(Program::from_spec(&o.spec, &o).err().unwrap_or_default().contains("does not validate"));
    }
}
