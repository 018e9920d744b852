//! The storage boundary: one [`Store`] trait that SQLite ([`sqlite`]) and PostgreSQL
//! ([`postgres`]) implement with identical semantics, the rows that cross it, and the
//! group-commit planning both backends share.
//!
//! What the trait promises (the integration suite checks both backends against it):
//! - `ingest` returns only after its events are committed durably, and stores each
//!   `(project, event_id)` once, however many requests, batches or processes carry it;
//! - concurrent `ingest` calls are grouped into one transaction by a single writer per process;
//! - state sync uses optimistic concurrency on `version`;
//! - spec versions are append-only, numbered from 1 per product;
//! - the report rollups ([`rollup`]) are updated in the same transaction as the events they
//!   count, from the events actually inserted, so they always agree with `events`;
//! - dashboard sessions are stored by the SHA-256 of their id and expire.
//!
//! This module must not know HTTP; handlers turn [`StoreError`] into 503.

pub mod postgres;
pub mod rollup;
pub mod sqlite;

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;

use tokio::sync::{mpsc, oneshot};

use crate::batch::{EventRecord, Rejection};

pub type BoxFut<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Storage failed or is not writable: the caller answers 503 and the client retries.
#[derive(Debug, Clone)]
pub struct StoreError(pub String);

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StoreError {}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError(format!("sqlite: {e}"))
    }
}

impl From<rusqlite::types::FromSqlError> for StoreError {
    fn from(e: rusqlite::types::FromSqlError) -> Self {
        StoreError(format!("sqlite: unexpected column type: {e}"))
    }
}

impl From<tokio_postgres::Error> for StoreError {
    fn from(e: tokio_postgres::Error) -> Self {
        // The Display of a db error is just "db error"; the source carries the server's text.
        let detail = e.as_db_error().map(|d| format!("{}: {}", d.code().code(), d.message()));
        StoreError(format!("postgres: {}", detail.unwrap_or_else(|| e.to_string())))
    }
}

/// A project as stored. Secrets other than the admin token are kept in clear because the
/// collector needs them (the write key is public; the identity secret signs HMACs).
#[derive(Clone, Debug, PartialEq)]
pub struct ProjectRow {
    pub id: i64,
    pub name: String,
    pub write_key: String,
    /// Hex SHA-256 of the admin token: a leaked database does not leak admin access.
    pub admin_token_sha256: String,
    pub identity_secret: Option<String>,
    /// Allowed `Origin` values; `*` allows any.
    pub origins: Vec<String>,
    pub created_at: i64,
}

/// One stored event: the validated record plus the corrected time the collector adds.
#[derive(Clone, Debug)]
pub struct EventRow {
    pub record: EventRecord,
    pub corrected_at: i64,
    pub time_flag: Option<&'static str>,
}

/// One request's worth of work for the writer; the batch-level fields are stored on each of
/// its events.
#[derive(Debug)]
pub struct IngestBatch {
    pub project_id: i64,
    pub received_at: i64,
    pub sent_at: Option<i64>,
    pub sdk_version: Option<String>,
    pub events: Vec<EventRow>,
    pub rejected: Vec<Rejection>,
}

impl IngestBatch {
    /// A batch with nothing in it: the readiness probe.
    pub fn probe() -> IngestBatch {
        IngestBatch { project_id: 0, received_at: crate::now_ms(), sent_at: None, sdk_version: None, events: Vec::new(), rejected: Vec::new() }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IngestOutcome {
    pub accepted: u64,
    pub duplicates: u64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct StateRow {
    pub state: String,
    pub version: i64,
    pub updated_at: i64,
}

#[derive(Clone, Debug, PartialEq)]
pub enum StatePut {
    Stored { version: i64, updated_at: i64 },
    Conflict(StateRow),
}

#[derive(Clone, Debug, PartialEq)]
pub struct SpecRow {
    pub version: i64,
    pub body: String,
    pub etag: String,
    pub revision: Option<String>,
    pub created_at: i64,
}

#[derive(Clone, Debug, PartialEq)]
pub enum SpecPut {
    Stored { version: i64 },
    /// The product name belongs to another project on this collector.
    OwnedByOther,
}

/// A dashboard session as stored: nothing in it can be used to sign in (hashes only).
#[derive(Clone, Debug, PartialEq)]
pub struct SessionRow {
    pub id_sha256: String,
    pub project_id: i64,
    /// The admin token it was opened with: rotating the token ends the session.
    pub token_sha256: String,
    pub created_at: i64,
    pub expires_at: i64,
}

/// Lines of NDJSON (each ends with `\n`), in chunks, or the error that stopped the export.
pub type ExportStream = mpsc::Receiver<Result<String, StoreError>>;

/// Everything the collector stores, behind one interface.
pub trait Store: Send + Sync + 'static {
    /// `sqlite` or `postgres`, for logs and metrics.
    fn backend(&self) -> &'static str;
    /// Stores a request's events and quarantined rejections; returns after the commit.
    fn ingest(&self, batch: IngestBatch) -> BoxFut<'_, Result<IngestOutcome, StoreError>>;
    /// Proves storage is writable now, with a real write through the same writer as ingest.
    fn check_writable(&self) -> BoxFut<'_, Result<(), StoreError>>;
    fn projects(&self) -> BoxFut<'_, Result<Vec<ProjectRow>, StoreError>>;
    /// Creates a project; `Ok(false)` when the name, write key or admin token is taken.
    fn create_project(&self, p: ProjectRow) -> BoxFut<'_, Result<bool, StoreError>>;
    /// Creates or updates the project with this name (configuration files and `--dev`).
    fn upsert_project(&self, p: ProjectRow) -> BoxFut<'_, Result<(), StoreError>>;
    /// Streams the project's events as NDJSON, oldest receive time first.
    fn export(&self, project_id: i64, since: Option<i64>) -> ExportStream;
    fn state_get(&self, project_id: i64, product: String, user_id: String) -> BoxFut<'_, Result<Option<StateRow>, StoreError>>;
    fn state_put(
        &self,
        project_id: i64,
        product: String,
        user_id: String,
        state: String,
        base_version: i64,
        now: i64,
    ) -> BoxFut<'_, Result<StatePut, StoreError>>;
    fn spec_put(
        &self,
        project_id: i64,
        product: String,
        body: String,
        etag: String,
        revision: Option<String>,
        now: i64,
    ) -> BoxFut<'_, Result<SpecPut, StoreError>>;
    /// The current (latest) version of a product's spec, whoever owns it (public).
    fn spec_current(&self, product: String) -> BoxFut<'_, Result<Option<SpecRow>, StoreError>>;
    /// All versions of a product owned by this project, newest first; bodies left empty.
    fn spec_versions(&self, project_id: i64, product: String) -> BoxFut<'_, Result<Vec<SpecRow>, StoreError>>;
    fn spec_version(&self, project_id: i64, product: String, version: i64) -> BoxFut<'_, Result<Option<SpecRow>, StoreError>>;
    /// Deletes quarantined events received before `before`; returns how many.
    fn purge_quarantine(&self, before: i64) -> BoxFut<'_, Result<u64, StoreError>>;
    /// Counts stored events of a project (tests, `project list`).
    fn count_events(&self, project_id: i64) -> BoxFut<'_, Result<i64, StoreError>>;
    /// Reads the rows of a report table (a rollup or `users`) for one project.
    fn scan(&self, scan: rollup::Scan) -> BoxFut<'_, Result<rollup::Columns, StoreError>>;
    /// The current spec of every product this project publishes, by product name.
    fn project_specs(&self, project_id: i64) -> BoxFut<'_, Result<Vec<(String, SpecRow)>, StoreError>>;
    /// Stores a dashboard session (by the SHA-256 of its id, with the SHA-256 of the admin token
    /// it was opened with) and deletes expired ones.
    fn session_create(&self, session: SessionRow) -> BoxFut<'_, Result<(), StoreError>>;
    /// The project and admin-token hash of a session that has not expired at `now` and whose
    /// token is still the project's current admin token (read from the database, not a cache).
    fn session_project(&self, id_sha256: String, now: i64) -> BoxFut<'_, Result<Option<(i64, String)>, StoreError>>;
    fn session_delete(&self, id_sha256: String) -> BoxFut<'_, Result<(), StoreError>>;
    /// Finishes queued writes and stops the writer. Later calls fail with an error.
    fn close(&self) -> BoxFut<'_, ()>;
}

/// A request waiting in the writer's queue.
pub(crate) struct IngestJob {
    pub batch: IngestBatch,
    pub reply: oneshot::Sender<Result<IngestOutcome, StoreError>>,
}

/// Most events one group transaction takes; the rest wait for the next one, so one commit's
/// latency stays bounded under load.
pub(crate) const MAX_GROUP_EVENTS: usize = 5_000;

/// Takes what is already queued behind `first`, up to [`MAX_GROUP_EVENTS`] events.
pub(crate) fn drain_group(first: IngestJob, rx: &mut mpsc::Receiver<IngestJob>) -> Vec<IngestJob> {
    let mut n = first.batch.events.len();
    let mut jobs = vec![first];
    while n < MAX_GROUP_EVENTS {
        match rx.try_recv() {
            Ok(job) => {
                n += job.batch.events.len();
                jobs.push(job);
            }
            Err(_) => break,
        }
    }
    jobs
}

/// Events of a group in the order they are inserted, each with the job it came from.
/// Repeats of one `(project, event_id)` inside the group are counted as duplicates here, so a
/// statement never sees the same key twice and the first request to carry an event owns it.
pub(crate) struct GroupPlan<'a> {
    pub candidates: Vec<(usize, &'a EventRow)>,
    pub outcomes: Vec<IngestOutcome>,
}

pub(crate) fn plan_group(jobs: &[IngestJob]) -> GroupPlan<'_> {
    let mut seen: HashMap<(i64, &str), (), foldhash::fast::RandomState> = HashMap::default();
    let mut candidates = Vec::new();
    let mut outcomes = vec![IngestOutcome::default(); jobs.len()];
    for (j, job) in jobs.iter().enumerate() {
        for ev in &job.batch.events {
            if seen.insert((job.batch.project_id, ev.record.event_id.as_str()), ()).is_some() {
                if let Some(o) = outcomes.get_mut(j) {
                    o.duplicates += 1;
                }
            } else {
                candidates.push((j, ev));
            }
        }
    }
    // One lock order for every writer: two PostgreSQL processes inserting overlapping sets
    // cannot deadlock on the unique index when both go in key order.
    candidates.sort_by(|a, b| {
        let ka = (jobs.get(a.0).map(|j| j.batch.project_id), a.1.record.event_id.as_str());
        let kb = (jobs.get(b.0).map(|j| j.batch.project_id), b.1.record.event_id.as_str());
        ka.cmp(&kb)
    });
    GroupPlan { candidates, outcomes }
}

/// The `users` row an inserted event implies: identified users by `user_id`, anonymous ones by
/// `anonymous_id` (docs/collector.md, "Schema").
#[derive(Clone, Debug)]
pub(crate) struct UserUpsert<'a> {
    pub project_id: i64,
    pub user_key: String,
    pub user_id: Option<&'a str>,
    pub anonymous_id: &'a str,
    pub traits: Option<&'a str>,
    pub locale: Option<&'a str>,
    pub stage: Option<&'a str>,
    pub first_seen: i64,
    pub last_seen: i64,
}

/// One upsert per user for the events actually inserted, keeping the newest context.
pub(crate) fn users_of<'a>(inserted: impl Iterator<Item = (i64, &'a EventRow)>) -> Vec<UserUpsert<'a>> {
    let mut by_key: HashMap<(i64, String), UserUpsert<'a>, foldhash::fast::RandomState> = HashMap::default();
    for (project_id, ev) in inserted {
        let r = &ev.record;
        let user_key = match &r.user_id {
            Some(u) => format!("u:{u}"),
            None => format!("a:{}", r.anonymous_id),
        };
        let t = ev.corrected_at;
        let entry = by_key.entry((project_id, user_key.clone())).or_insert_with(|| UserUpsert {
            project_id,
            user_key,
            user_id: r.user_id.as_deref(),
            anonymous_id: &r.anonymous_id,
            traits: r.traits.as_deref(),
            locale: r.locale.as_deref(),
            stage: r.stage.as_deref(),
            first_seen: t,
            last_seen: t,
        });
        entry.first_seen = entry.first_seen.min(t);
        if t >= entry.last_seen {
            entry.last_seen = t;
            entry.anonymous_id = &r.anonymous_id;
            entry.traits = r.traits.as_deref().or(entry.traits);
            entry.locale = r.locale.as_deref().or(entry.locale);
            entry.stage = r.stage.as_deref().or(entry.stage);
        }
    }
    let mut v: Vec<_> = by_key.into_values().collect();
    v.sort_by(|a, b| (a.project_id, &a.user_key).cmp(&(b.project_id, &b.user_key)));
    v
}

/// An event read back from `events` to rebuild the rollups of a database that predates them.
pub(crate) struct StoredFact {
    pub project_id: i64,
    pub name: String,
    pub user_key: String,
    pub corrected_at: i64,
    pub flow_id: Option<String>,
    pub step_id: Option<String>,
    pub spec_revision: Option<String>,
    pub properties: String,
    pub context: Option<String>,
}

impl StoredFact {
    /// `context.locale`, read only where a rollup keeps it (survey answers).
    pub fn locale(&self) -> Option<String> {
        if self.name != "survey_answered" {
            return None;
        }
        let ctx: serde_json::Value = serde_json::from_str(self.context.as_deref()?).ok()?;
        ctx.get("locale")?.as_str().map(str::to_owned)
    }

    pub fn fact<'a>(&'a self, locale: Option<&'a str>) -> rollup::Fact<'a> {
        rollup::Fact {
            name: &self.name,
            user_key: &self.user_key,
            corrected_at: self.corrected_at,
            flow_id: self.flow_id.as_deref(),
            step_id: self.step_id.as_deref(),
            spec_revision: self.spec_revision.as_deref(),
            properties: &self.properties,
            context: self.context.as_deref(),
            locale,
        }
    }
}

/// One exported event as a JSON line: the stored columns under their wire names, plus
/// `received_at`, `sent_at`, `corrected_at`, `time_flag` and `sdk_version`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn export_line(out: &mut String, c: &ExportCols<'_>) {
    use serde_json::Value;
    let mut m = serde_json::Map::new();
    let s = |v: Option<&str>| v.map_or(Value::Null, |s| Value::String(s.to_owned()));
    m.insert("event_id".into(), Value::String(c.event_id.to_owned()));
    m.insert("name".into(), Value::String(c.name.to_owned()));
    m.insert("timestamp".into(), c.timestamp.into());
    m.insert("user_id".into(), s(c.user_id));
    m.insert("anonymous_id".into(), Value::String(c.anonymous_id.to_owned()));
    m.insert("session_id".into(), s(c.session_id));
    m.insert("seq".into(), c.seq.map_or(Value::Null, Value::from));
    m.insert("spec_revision".into(), s(c.spec_revision));
    m.insert("flow_id".into(), s(c.flow_id));
    m.insert("step_id".into(), s(c.step_id));
    m.insert("event".into(), s(c.event));
    // Stored JSON was produced by serde_json, so it parses; an unreadable value (a database
    // edited by hand) is exported as a string rather than dropped.
    let json = |t: &str| serde_json::from_str::<Value>(t).unwrap_or_else(|_| Value::String(t.to_owned()));
    m.insert("properties".into(), json(c.properties));
    m.insert("context".into(), c.context.map_or(Value::Null, json));
    m.insert("sent_at".into(), c.sent_at.map_or(Value::Null, Value::from));
    m.insert("received_at".into(), c.received_at.into());
    m.insert("corrected_at".into(), c.corrected_at.into());
    m.insert("time_flag".into(), s(c.time_flag));
    m.insert("sdk_version".into(), s(c.sdk_version));
    out.push_str(&Value::Object(m).to_string());
    out.push('\n');
}

pub(crate) struct ExportCols<'a> {
    pub event_id: &'a str,
    pub name: &'a str,
    pub timestamp: i64,
    pub user_id: Option<&'a str>,
    pub anonymous_id: &'a str,
    pub session_id: Option<&'a str>,
    pub seq: Option<i64>,
    pub spec_revision: Option<&'a str>,
    pub flow_id: Option<&'a str>,
    pub step_id: Option<&'a str>,
    pub event: Option<&'a str>,
    pub properties: &'a str,
    pub context: Option<&'a str>,
    pub sent_at: Option<i64>,
    pub received_at: i64,
    pub corrected_at: i64,
    pub time_flag: Option<&'a str>,
    pub sdk_version: Option<&'a str>,
}

/// The columns of `events` in the order every INSERT and SELECT uses.
pub(crate) const EVENT_COLUMNS: &str = "project_id, event_id, name, timestamp, user_id, anonymous_id, session_id, seq, \
     spec_revision, flow_id, step_id, event, properties, context, sent_at, received_at, corrected_at, time_flag, sdk_version";

/// Opens the store a database URL names: `sqlite:PATH` (or a bare path) or `postgres://…`.
pub async fn open(url: &str, metrics: std::sync::Arc<crate::metrics::Metrics>) -> Result<std::sync::Arc<dyn Store>, StoreError> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(std::sync::Arc::new(postgres::PgStore::open(url, metrics).await?))
    } else {
        let path = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url);
        if path.is_empty() {
            return Err(StoreError("the SQLite database URL has no path; use sqlite:/path/to/collector.db".into()));
        }
        let path = std::path::PathBuf::from(path);
        let store = tokio::task::spawn_blocking(move || sqlite::SqliteStore::open(&path, metrics))
            .await
            .map_err(|e| StoreError(format!("opening SQLite: {e}")))??;
        Ok(std::sync::Arc::new(store))
    }
}
