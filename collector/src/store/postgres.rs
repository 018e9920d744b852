//! The PostgreSQL store, for customers who outgrow one machine: several stateless collector
//! processes share one database.
//!
//! What a 200 promises on PostgreSQL: the group's `COMMIT` has returned with the server's
//! `synchronous_commit` at its default `on`, so the WAL record is flushed on the primary (and on
//! synchronous standbys, if the operator configured any) before the collector answers.
//!
//! Each process has one writer task with its own connection that groups queued ingest requests
//! into one transaction and inserts each table with a single `unnest` statement. Several
//! processes are safe because deduplication is the database's `UNIQUE (project_id, event_id)`
//! with `ON CONFLICT DO NOTHING`, and every writer inserts in key order so two of them cannot
//! deadlock; a deadlock or serialization failure is retried anyway. Everything else runs on a
//! tiny pool of connections.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{mpsc, oneshot, Semaphore};
use tokio_postgres::{Client, NoTls, Statement};

use crate::metrics::Metrics;

use super::rollup::{self, Cell, Columns, Fact, Scan, TableDelta, Ty};
use super::{
    drain_group, export_line, plan_group, users_of, BoxFut, ExportCols, ExportStream, IngestBatch, IngestJob,
    IngestOutcome, ProjectRow, SessionRow, SpecPut, SpecRow, StatePut, StateRow, StoredFact, Store, StoreError, EVENT_COLUMNS,
};

const QUEUE: usize = 1_024;
const POOL_SIZE: usize = 8;
/// Statements that wait longer than this (a lock held elsewhere, a stuck server) fail, and the
/// request is answered 503 instead of hanging.
const STATEMENT_TIMEOUT_MS: u64 = 10_000;
/// An advisory lock id shared by every collector process, held while migrating.
const MIGRATION_LOCK: i64 = 0x0053_4849_5255_4245; // "SHIRUBE" in ASCII

const MIGRATIONS: &[(i64, &str)] = &[(
    1,
    "CREATE TABLE projects (
        id BIGSERIAL PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        write_key TEXT NOT NULL UNIQUE,
        admin_token_sha256 TEXT NOT NULL UNIQUE,
        identity_secret TEXT,
        origins TEXT NOT NULL,
        created_at BIGINT NOT NULL
    );
    CREATE TABLE events (
        id BIGSERIAL PRIMARY KEY,
        project_id BIGINT NOT NULL,
        event_id TEXT NOT NULL,
        name TEXT NOT NULL,
        timestamp BIGINT NOT NULL,
        user_id TEXT,
        anonymous_id TEXT NOT NULL,
        session_id TEXT,
        seq BIGINT,
        spec_revision TEXT,
        flow_id TEXT,
        step_id TEXT,
        event TEXT,
        properties TEXT NOT NULL,
        context TEXT,
        sent_at BIGINT,
        received_at BIGINT NOT NULL,
        corrected_at BIGINT NOT NULL,
        time_flag TEXT,
        sdk_version TEXT,
        UNIQUE (project_id, event_id)
    );
    CREATE INDEX events_received ON events (project_id, received_at);
    CREATE INDEX events_name_time ON events (project_id, name, corrected_at);
    CREATE INDEX events_user_time ON events (project_id, user_id, corrected_at);
    CREATE INDEX events_flow_step ON events (project_id, flow_id, step_id);
    CREATE TABLE users (
        project_id BIGINT NOT NULL,
        user_key TEXT NOT NULL,
        user_id TEXT,
        anonymous_id TEXT NOT NULL,
        traits TEXT,
        locale TEXT,
        stage TEXT,
        first_seen BIGINT NOT NULL,
        last_seen BIGINT NOT NULL,
        PRIMARY KEY (project_id, user_key)
    );
    CREATE TABLE quarantine (
        id BIGSERIAL PRIMARY KEY,
        project_id BIGINT NOT NULL,
        received_at BIGINT NOT NULL,
        idx BIGINT NOT NULL,
        code TEXT NOT NULL,
        detail TEXT NOT NULL,
        event_id TEXT,
        raw TEXT NOT NULL
    );
    CREATE INDEX quarantine_received ON quarantine (received_at);
    CREATE TABLE user_state (
        project_id BIGINT NOT NULL,
        product TEXT NOT NULL,
        user_id TEXT NOT NULL,
        state TEXT NOT NULL,
        version BIGINT NOT NULL,
        updated_at BIGINT NOT NULL,
        PRIMARY KEY (project_id, product, user_id)
    );
    CREATE TABLE spec_products (
        product TEXT PRIMARY KEY,
        project_id BIGINT NOT NULL
    );
    CREATE TABLE spec_versions (
        product TEXT NOT NULL,
        version BIGINT NOT NULL,
        project_id BIGINT NOT NULL,
        body TEXT NOT NULL,
        etag TEXT NOT NULL,
        revision TEXT,
        created_at BIGINT NOT NULL,
        PRIMARY KEY (product, version)
    );
    CREATE TABLE writer_heartbeat (
        writer TEXT PRIMARY KEY,
        at BIGINT NOT NULL
    );",
), (
    // The adoption dashboard: rollups (see store/rollup.rs), filled from existing events by
    // `backfill` in the same transaction, and login sessions.
    2,
    "CREATE TABLE rollup_activity (
        project_id BIGINT NOT NULL, day BIGINT NOT NULL, user_key TEXT NOT NULL, events BIGINT NOT NULL,
        PRIMARY KEY (project_id, day, user_key)
    );
    CREATE TABLE rollup_flows (
        project_id BIGINT NOT NULL, flow_id TEXT NOT NULL, day BIGINT NOT NULL, user_key TEXT NOT NULL,
        revision TEXT NOT NULL, started BIGINT NOT NULL, completed BIGINT NOT NULL, dismissed BIGINT NOT NULL,
        opened BIGINT NOT NULL, answered BIGINT NOT NULL,
        PRIMARY KEY (project_id, flow_id, day, user_key, revision)
    );
    CREATE TABLE rollup_steps (
        project_id BIGINT NOT NULL, flow_id TEXT NOT NULL, day BIGINT NOT NULL, user_key TEXT NOT NULL,
        revision TEXT NOT NULL, step_id TEXT NOT NULL, viewed BIGINT NOT NULL, completed BIGINT NOT NULL,
        dismissed BIGINT NOT NULL,
        PRIMARY KEY (project_id, flow_id, day, user_key, revision, step_id)
    );
    CREATE TABLE rollup_timings (
        id BIGSERIAL PRIMARY KEY, project_id BIGINT NOT NULL, flow_id TEXT NOT NULL, day BIGINT NOT NULL,
        user_key TEXT NOT NULL, revision TEXT NOT NULL, step_id TEXT NOT NULL, duration_ms BIGINT NOT NULL
    );
    CREATE INDEX rollup_timings_flow_day ON rollup_timings (project_id, flow_id, day);
    CREATE TABLE rollup_milestones (
        project_id BIGINT NOT NULL, user_key TEXT NOT NULL, milestone_id TEXT NOT NULL, first_at BIGINT NOT NULL,
        PRIMARY KEY (project_id, user_key, milestone_id)
    );
    CREATE TABLE rollup_stages (
        id BIGSERIAL PRIMARY KEY, project_id BIGINT NOT NULL, at BIGINT NOT NULL, user_key TEXT NOT NULL,
        from_stage TEXT NOT NULL, to_stage TEXT NOT NULL
    );
    CREATE INDEX rollup_stages_at ON rollup_stages (project_id, at);
    CREATE TABLE rollup_checklist (
        project_id BIGINT NOT NULL, flow_id TEXT NOT NULL, item_id TEXT NOT NULL, user_key TEXT NOT NULL,
        first_at BIGINT NOT NULL,
        PRIMARY KEY (project_id, flow_id, item_id, user_key)
    );
    CREATE TABLE rollup_surveys (
        id BIGSERIAL PRIMARY KEY, project_id BIGINT NOT NULL, at BIGINT NOT NULL, user_key TEXT NOT NULL,
        flow_id TEXT NOT NULL, revision TEXT NOT NULL, scale TEXT NOT NULL, score BIGINT NOT NULL, comment TEXT, locale TEXT
    );
    CREATE INDEX rollup_surveys_at ON rollup_surveys (project_id, at);
    CREATE TABLE rollup_targets (
        project_id BIGINT NOT NULL, day BIGINT NOT NULL, flow_id TEXT NOT NULL, step_id TEXT NOT NULL,
        selector TEXT NOT NULL, page TEXT NOT NULL, user_key TEXT NOT NULL, n BIGINT NOT NULL,
        PRIMARY KEY (project_id, day, flow_id, step_id, selector, page, user_key)
    );
    CREATE TABLE dashboard_sessions (
        id_sha256 TEXT PRIMARY KEY, project_id BIGINT NOT NULL, created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL
    );
    CREATE INDEX dashboard_sessions_expiry ON dashboard_sessions (expires_at);",
), (
    // The dashboard reads rollups, not `events`: these three indexes (meant for funnel,
    // milestone and per-user queries on `events`) have no reader left, and every insert paid
    // for them. Export uses `events_received`; deduplication the unique key.
    3,
    "DROP INDEX IF EXISTS events_name_time;
    DROP INDEX IF EXISTS events_user_time;
    DROP INDEX IF EXISTS events_flow_step;",
), (
    // A session remembers the hash of the admin token it was opened with, so rotating a
    // leaked token ends its sessions. Sessions are short-lived: older ones are simply dropped
    // (their holders sign in again).
    4,
    "DROP TABLE dashboard_sessions;
    CREATE TABLE dashboard_sessions (
        id_sha256 TEXT PRIMARY KEY, project_id BIGINT NOT NULL, token_sha256 TEXT NOT NULL,
        created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL
    );
    CREATE INDEX dashboard_sessions_expiry ON dashboard_sessions (expires_at);",
), (
    // Broken targets by reason: `hidden` (out of sight) or `absent`. The key changes, so the
    // table is made again and filled from the stored `target_missing` events.
    5,
    "DROP TABLE rollup_targets;
    CREATE TABLE rollup_targets (
        project_id BIGINT NOT NULL, day BIGINT NOT NULL, flow_id TEXT NOT NULL, step_id TEXT NOT NULL,
        selector TEXT NOT NULL, page TEXT NOT NULL, reason TEXT NOT NULL, user_key TEXT NOT NULL, n BIGINT NOT NULL,
        PRIMARY KEY (project_id, day, flow_id, step_id, selector, page, reason, user_key)
    );",
)];

/// The migration that created the rollups: a database migrated past it from an older version
/// gets its rollups rebuilt from `events` in the same transaction.
const ROLLUP_MIGRATION: i64 = 2;
/// The migrations that made one rollup table again: it is filled from `events` (by the same
/// code as ingest, one table only) unless every rollup is being rebuilt anyway.
const TABLE_MIGRATIONS: &[(i64, &rollup::TableDef)] = &[(5, &rollup::TARGETS)];

async fn connect(url: &str) -> Result<Client, StoreError> {
    let (client, conn) = tokio::time::timeout(Duration::from_secs(10), tokio_postgres::connect(url, NoTls))
        .await
        .map_err(|_| StoreError("postgres: connecting timed out after 10 s".into()))??;
    tokio::spawn(async move {
        if let Err(e) = conn.await {
            tracing::warn!(error = %e, "postgres connection closed");
        }
    });
    client.batch_execute(&format!("SET statement_timeout = {STATEMENT_TIMEOUT_MS}")).await?;
    Ok(client)
}

/// A handful of connections, reconnected when broken. Small on purpose: the writer does the
/// heavy lifting on its own connection.
struct Pool {
    url: String,
    idle: Mutex<Vec<Client>>,
    permits: Semaphore,
}

struct Pooled<'a> {
    pool: &'a Pool,
    client: Option<Client>,
    _permit: tokio::sync::SemaphorePermit<'a>,
}

impl Pooled<'_> {
    fn client(&mut self) -> Result<&mut Client, StoreError> {
        self.client.as_mut().ok_or_else(|| StoreError("postgres: no connection".into()))
    }
}

impl Drop for Pooled<'_> {
    fn drop(&mut self) {
        if let Some(c) = self.client.take() {
            if !c.is_closed() {
                if let Ok(mut idle) = self.pool.idle.lock() {
                    idle.push(c);
                }
            }
        }
    }
}

impl Pool {
    async fn get(&self) -> Result<Pooled<'_>, StoreError> {
        let permit = self.permits.acquire().await.map_err(|_| StoreError("postgres: pool closed".into()))?;
        let idle = self.idle.lock().ok().and_then(|mut v| v.pop()).filter(|c| !c.is_closed());
        let client = match idle {
            Some(c) => c,
            None => connect(&self.url).await?,
        };
        Ok(Pooled { pool: self, client: Some(client), _permit: permit })
    }
}

pub struct PgStore {
    pool: Arc<Pool>,
    writer: Mutex<Option<mpsc::Sender<IngestJob>>>,
    writer_done: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

async fn migrate(client: &mut Client) -> Result<(), StoreError> {
    let tx = client.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK]).await?;
    tx.batch_execute("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)")
        .await?;
    let current: i64 = tx.query_one("SELECT coalesce(max(version), 0)::BIGINT FROM schema_migrations", &[]).await?.get(0);
    for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > current) {
        tx.batch_execute(sql).await?;
        tx.execute("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)", &[version, &crate::now_ms()]).await?;
    }
    // Rollups are filled after the last migration, against the final tables.
    if let Some(only) = rollup::to_rebuild(current, ROLLUP_MIGRATION, TABLE_MIGRATIONS) {
        backfill(&tx, &only).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Fills the rollups (`only` these tables, or all if empty) from every stored event, in pages,
/// with the same code as ingest.
async fn backfill(tx: &tokio_postgres::Transaction<'_>, only: &[&rollup::TableDef]) -> Result<(), tokio_postgres::Error> {
    const PAGE: i64 = 20_000;
    let mut prepared = Prepared::default();
    let mut after = 0i64;
    let mut total = 0usize;
    loop {
        let rows = tx
            .query(
                "SELECT id, project_id, name, user_id, anonymous_id, corrected_at, flow_id, step_id, spec_revision, properties, context
                 FROM events WHERE id > $1 ORDER BY id LIMIT $2",
                &[&after, &PAGE],
            )
            .await?;
        if rows.is_empty() {
            break;
        }
        let mut page = Vec::with_capacity(rows.len());
        for r in &rows {
            after = r.try_get(0)?;
            page.push(StoredFact {
                project_id: r.try_get(1)?,
                name: r.try_get(2)?,
                user_key: rollup::user_key(r.try_get(3)?, r.try_get(4)?),
                corrected_at: r.try_get(5)?,
                flow_id: r.try_get(6)?,
                step_id: r.try_get(7)?,
                spec_revision: r.try_get(8)?,
                properties: r.try_get(9)?,
                context: r.try_get(10)?,
            });
        }
        total += page.len();
        let locales: Vec<Option<String>> = page.iter().map(StoredFact::locale).collect();
        let mut deltas = rollup::deltas(page.iter().zip(&locales).map(|(f, l)| (f.project_id, f.fact(l.as_deref()))));
        deltas.retain(|(_, d)| only.is_empty() || only.iter().any(|t| std::ptr::eq(*t, d.table)));
        apply_rollups(tx, &mut prepared, &deltas).await?;
    }
    if total > 0 {
        tracing::info!(events = total, "built the report rollups from stored events");
    }
    Ok(())
}

/// Statements prepared on one connection, by their SQL. tokio-postgres prepares a statement
/// given as text again on every call, which costs a round trip per statement; the writer keeps
/// its statements for as long as its connection lives (and forgets them after any failure).
#[derive(Default)]
struct Prepared(HashMap<String, Statement>);

impl Prepared {
    async fn get(&mut self, tx: &tokio_postgres::Transaction<'_>, sql: &str) -> Result<Statement, tokio_postgres::Error> {
        if let Some(s) = self.0.get(sql) {
            return Ok(s.clone());
        }
        let s = tx.prepare(sql).await?;
        self.0.insert(sql.to_owned(), s.clone());
        Ok(s)
    }
}

/// Adds rollup deltas inside the caller's transaction: one `unnest` statement per table.
async fn apply_rollups(tx: &tokio_postgres::Transaction<'_>, prepared: &mut Prepared, deltas: &[(i64, TableDelta)]) -> Result<(), tokio_postgres::Error> {
    use tokio_postgres::types::ToSql;
    for (project_id, d) in deltas {
        let mut arrays: Vec<Box<dyn ToSql + Sync + Send>> = vec![Box::new(vec![*project_id; d.rows.len()])];
        let mut casts = vec!["$1::BIGINT[]".to_string()];
        for (i, c) in d.table.cols.iter().enumerate() {
            match c.ty {
                Ty::Int => {
                    let v: Vec<Option<i64>> = d.rows.iter().map(|r| r.get(i).and_then(Cell::as_int)).collect();
                    arrays.push(Box::new(v));
                    casts.push(format!("${}::BIGINT[]", i + 2));
                }
                Ty::Text => {
                    let v: Vec<Option<String>> = d.rows.iter().map(|r| r.get(i).and_then(Cell::as_text).map(str::to_owned)).collect();
                    arrays.push(Box::new(v));
                    casts.push(format!("${}::TEXT[]", i + 2));
                }
            }
        }
        let sql = rollup::upsert_sql(d.table, &format!("SELECT * FROM unnest({})", casts.join(", ")), "LEAST");
        let params: Vec<&(dyn ToSql + Sync)> = arrays.iter().map(|b| b.as_ref() as &(dyn ToSql + Sync)).collect();
        let st = prepared.get(tx, &sql).await?;
        tx.execute(&st, &params).await?;
    }
    Ok(())
}

impl PgStore {
    pub async fn open(url: &str, metrics: Arc<Metrics>) -> Result<PgStore, StoreError> {
        let mut client = connect(url).await?;
        migrate(&mut client).await?;
        let (tx, rx) = mpsc::channel(QUEUE);
        let writer_url = url.to_owned();
        let handle = tokio::spawn(writer_loop(writer_url, Some(client), rx, metrics));
        Ok(PgStore {
            pool: Arc::new(Pool { url: url.to_owned(), idle: Mutex::new(Vec::new()), permits: Semaphore::new(POOL_SIZE) }),
            writer: Mutex::new(Some(tx)),
            writer_done: Mutex::new(Some(handle)),
        })
    }

    fn sender(&self) -> Option<mpsc::Sender<IngestJob>> {
        self.writer.lock().ok().and_then(|w| w.clone())
    }
}

fn is_retryable(e: &tokio_postgres::Error) -> bool {
    e.code().is_some_and(|c| c.code() == "40P01" || c.code() == "40001")
}

async fn writer_loop(url: String, mut client: Option<Client>, mut rx: mpsc::Receiver<IngestJob>, metrics: Arc<Metrics>) {
    let writer_id = format!("pg-{}-{:x}", std::process::id(), crate::now_ms());
    let mut prepared = Prepared::default();
    while let Some(first) = rx.recv().await {
        let jobs = drain_group(first, &mut rx);
        let t0 = std::time::Instant::now();
        let mut result = Err(StoreError("postgres: not attempted".into()));
        for attempt in 0..3 {
            if client.as_ref().is_none_or(|c| c.is_closed()) {
                prepared = Prepared::default();
                client = match connect(&url).await {
                    Ok(c) => Some(c),
                    Err(e) => {
                        result = Err(e);
                        break;
                    }
                };
            }
            let Some(c) = client.as_mut() else { break };
            match commit_group(c, &mut prepared, &jobs, &writer_id).await {
                Ok(o) => {
                    result = Ok(o);
                    break;
                }
                Err(e) if is_retryable(&e) && attempt < 2 => {
                    prepared = Prepared::default();
                    tracing::warn!(error = %StoreError::from(e), "postgres group commit conflicted; retrying");
                }
                Err(e) => {
                    prepared = Prepared::default();
                    result = Err(StoreError::from(e));
                    break;
                }
            }
        }
        metrics.observe_commit(jobs.len(), t0.elapsed());
        match result {
            Ok(outcomes) => {
                for (job, outcome) in jobs.into_iter().zip(outcomes) {
                    let _ = job.reply.send(Ok(outcome));
                }
            }
            Err(e) => {
                tracing::error!(error = %e, requests = jobs.len(), "postgres group commit failed; answering 503");
                for job in jobs {
                    let _ = job.reply.send(Err(e.clone()));
                }
            }
        }
    }
}

async fn commit_group(client: &mut Client, prepared: &mut Prepared, jobs: &[IngestJob], writer_id: &str) -> Result<Vec<IngestOutcome>, tokio_postgres::Error> {
    let plan = plan_group(jobs);
    let mut outcomes = plan.outcomes;
    let n = plan.candidates.len();
    let project = |j: usize| jobs.get(j).map(|job| job.batch.project_id).unwrap_or_default();

    let mut c_project = Vec::with_capacity(n);
    let mut c_event_id = Vec::with_capacity(n);
    let mut c_name = Vec::with_capacity(n);
    let mut c_timestamp = Vec::with_capacity(n);
    let mut c_user_id = Vec::with_capacity(n);
    let mut c_anonymous_id = Vec::with_capacity(n);
    let mut c_session_id = Vec::with_capacity(n);
    let mut c_seq = Vec::with_capacity(n);
    let mut c_spec_revision = Vec::with_capacity(n);
    let mut c_flow_id = Vec::with_capacity(n);
    let mut c_step_id = Vec::with_capacity(n);
    let mut c_event = Vec::with_capacity(n);
    let mut c_properties = Vec::with_capacity(n);
    let mut c_context = Vec::with_capacity(n);
    let mut c_sent_at = Vec::with_capacity(n);
    let mut c_received_at = Vec::with_capacity(n);
    let mut c_corrected_at = Vec::with_capacity(n);
    let mut c_time_flag = Vec::with_capacity(n);
    let mut c_sdk_version = Vec::with_capacity(n);
    for (j, ev) in &plan.candidates {
        let r = &ev.record;
        let Some(b) = jobs.get(*j).map(|job| &job.batch) else { continue };
        c_project.push(b.project_id);
        c_event_id.push(r.event_id.as_str());
        c_name.push(r.name);
        c_timestamp.push(r.timestamp);
        c_user_id.push(r.user_id.as_deref());
        c_anonymous_id.push(r.anonymous_id.as_str());
        c_session_id.push(r.session_id.as_deref());
        c_seq.push(r.seq);
        c_spec_revision.push(r.spec_revision.as_deref());
        c_flow_id.push(r.flow_id.as_deref());
        c_step_id.push(r.step_id.as_deref());
        c_event.push(r.event.as_deref());
        c_properties.push(r.properties.as_str());
        c_context.push(r.context.as_deref());
        c_sent_at.push(b.sent_at);
        c_received_at.push(b.received_at);
        c_corrected_at.push(ev.corrected_at);
        c_time_flag.push(ev.time_flag);
        c_sdk_version.push(b.sdk_version.as_deref());
    }

    let tx = client.transaction().await?;
    let mut inserted_keys: HashSet<(i64, String), foldhash::fast::RandomState> = HashSet::default();
    if n > 0 {
        let st = prepared
            .get(
                &tx,
                &format!(
                    "INSERT INTO events ({EVENT_COLUMNS})
                     SELECT * FROM unnest($1::BIGINT[], $2::TEXT[], $3::TEXT[], $4::BIGINT[], $5::TEXT[], $6::TEXT[], $7::TEXT[],
                       $8::BIGINT[], $9::TEXT[], $10::TEXT[], $11::TEXT[], $12::TEXT[], $13::TEXT[], $14::TEXT[], $15::BIGINT[],
                       $16::BIGINT[], $17::BIGINT[], $18::TEXT[], $19::TEXT[])
                     ON CONFLICT (project_id, event_id) DO NOTHING
                     RETURNING project_id, event_id"
                ),
            )
            .await?;
        let rows = tx
            .query(
                &st,
                &[
                    &c_project,
                    &c_event_id,
                    &c_name,
                    &c_timestamp,
                    &c_user_id,
                    &c_anonymous_id,
                    &c_session_id,
                    &c_seq,
                    &c_spec_revision,
                    &c_flow_id,
                    &c_step_id,
                    &c_event,
                    &c_properties,
                    &c_context,
                    &c_sent_at,
                    &c_received_at,
                    &c_corrected_at,
                    &c_time_flag,
                    &c_sdk_version,
                ],
            )
            .await?;
        for row in rows {
            inserted_keys.insert((row.try_get(0)?, row.try_get(1)?));
        }
    }
    let mut inserted = Vec::with_capacity(inserted_keys.len());
    for (j, ev) in &plan.candidates {
        let p = project(*j);
        let Some(o) = outcomes.get_mut(*j) else { continue };
        if inserted_keys.contains(&(p, ev.record.event_id.clone())) {
            o.accepted += 1;
            inserted.push((p, *ev));
        } else {
            o.duplicates += 1;
        }
    }

    // Rollups first (they borrow the inserted events), then the users they belong to.
    let keys: Vec<String> =
        inserted.iter().map(|(_, ev)| rollup::user_key(ev.record.user_id.as_deref(), &ev.record.anonymous_id)).collect();
    let deltas = rollup::deltas(inserted.iter().zip(&keys).map(|((p, ev), k)| (*p, Fact::of(ev, k))));
    apply_rollups(&tx, prepared, &deltas).await?;
    let users = users_of(inserted.into_iter());
    if !users.is_empty() {
        let u_project: Vec<i64> = users.iter().map(|u| u.project_id).collect();
        let u_key: Vec<&str> = users.iter().map(|u| u.user_key.as_str()).collect();
        let u_user: Vec<Option<&str>> = users.iter().map(|u| u.user_id).collect();
        let u_anon: Vec<&str> = users.iter().map(|u| u.anonymous_id).collect();
        let u_traits: Vec<Option<&str>> = users.iter().map(|u| u.traits).collect();
        let u_locale: Vec<Option<&str>> = users.iter().map(|u| u.locale).collect();
        let u_stage: Vec<Option<&str>> = users.iter().map(|u| u.stage).collect();
        let u_first: Vec<i64> = users.iter().map(|u| u.first_seen).collect();
        let u_last: Vec<i64> = users.iter().map(|u| u.last_seen).collect();
        let st = prepared
            .get(
                &tx,
            "INSERT INTO users (project_id, user_key, user_id, anonymous_id, traits, locale, stage, first_seen, last_seen)
             SELECT * FROM unnest($1::BIGINT[], $2::TEXT[], $3::TEXT[], $4::TEXT[], $5::TEXT[], $6::TEXT[], $7::TEXT[],
               $8::BIGINT[], $9::BIGINT[])
             ON CONFLICT (project_id, user_key) DO UPDATE SET
               user_id = coalesce(excluded.user_id, users.user_id),
               anonymous_id = CASE WHEN excluded.last_seen >= users.last_seen THEN excluded.anonymous_id ELSE users.anonymous_id END,
               traits = CASE WHEN excluded.last_seen >= users.last_seen AND excluded.traits IS NOT NULL THEN excluded.traits ELSE users.traits END,
               locale = CASE WHEN excluded.last_seen >= users.last_seen AND excluded.locale IS NOT NULL THEN excluded.locale ELSE users.locale END,
               stage = CASE WHEN excluded.last_seen >= users.last_seen AND excluded.stage IS NOT NULL THEN excluded.stage ELSE users.stage END,
               first_seen = LEAST(users.first_seen, excluded.first_seen),
               last_seen = GREATEST(users.last_seen, excluded.last_seen)",
            )
            .await?;
        tx.execute(
            &st,
            &[&u_project, &u_key, &u_user, &u_anon, &u_traits, &u_locale, &u_stage, &u_first, &u_last],
        )
        .await?;
    }

    let rejected: Vec<(&IngestBatch, &crate::batch::Rejection)> =
        jobs.iter().flat_map(|j| j.batch.rejected.iter().map(move |r| (&j.batch, r))).collect();
    if !rejected.is_empty() {
        let q_project: Vec<i64> = rejected.iter().map(|(b, _)| b.project_id).collect();
        let q_received: Vec<i64> = rejected.iter().map(|(b, _)| b.received_at).collect();
        let q_idx: Vec<i64> = rejected.iter().map(|(_, r)| r.index as i64).collect();
        let q_code: Vec<&str> = rejected.iter().map(|(_, r)| r.code.as_str()).collect();
        let q_detail: Vec<&str> = rejected.iter().map(|(_, r)| r.detail.as_str()).collect();
        let q_event_id: Vec<Option<&str>> = rejected.iter().map(|(_, r)| r.event_id.as_deref()).collect();
        // PostgreSQL text cannot hold NUL; the quarantine is for reading, so NULs become U+FFFD.
        let q_raw: Vec<String> = rejected.iter().map(|(_, r)| r.raw.replace('\0', "\u{fffd}")).collect();
        tx.execute(
            "INSERT INTO quarantine (project_id, received_at, idx, code, detail, event_id, raw)
             SELECT * FROM unnest($1::BIGINT[], $2::BIGINT[], $3::BIGINT[], $4::TEXT[], $5::TEXT[], $6::TEXT[], $7::TEXT[])",
            &[&q_project, &q_received, &q_idx, &q_code, &q_detail, &q_event_id, &q_raw],
        )
        .await?;
    }
    if n == 0 && rejected.is_empty() {
        tx.execute(
            "INSERT INTO writer_heartbeat (writer, at) VALUES ($1, $2) ON CONFLICT (writer) DO UPDATE SET at = excluded.at",
            &[&writer_id, &crate::now_ms()],
        )
        .await?;
    }
    tx.commit().await?;
    Ok(outcomes)
}

fn project_from_row(r: &tokio_postgres::Row) -> Result<ProjectRow, tokio_postgres::Error> {
    let origins: String = r.try_get(5)?;
    Ok(ProjectRow {
        id: r.try_get(0)?,
        name: r.try_get(1)?,
        write_key: r.try_get(2)?,
        admin_token_sha256: r.try_get(3)?,
        identity_secret: r.try_get(4)?,
        origins: serde_json::from_str(&origins).unwrap_or_default(),
        created_at: r.try_get(6)?,
    })
}

fn spec_row(r: &tokio_postgres::Row) -> Result<SpecRow, tokio_postgres::Error> {
    Ok(SpecRow { version: r.try_get(0)?, body: r.try_get(1)?, etag: r.try_get(2)?, revision: r.try_get(3)?, created_at: r.try_get(4)? })
}

fn origins_json(origins: &[String]) -> String {
    serde_json::Value::from(origins.to_vec()).to_string()
}

impl Store for PgStore {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    fn ingest(&self, batch: IngestBatch) -> BoxFut<'_, Result<IngestOutcome, StoreError>> {
        let sender = self.sender();
        Box::pin(async move {
            let sender = sender.ok_or_else(|| StoreError("the store is closed".into()))?;
            let (reply, rx) = oneshot::channel();
            sender.send(IngestJob { batch, reply }).await.map_err(|_| StoreError("the writer has stopped".into()))?;
            rx.await.map_err(|_| StoreError("the writer stopped before answering".into()))?
        })
    }

    fn check_writable(&self) -> BoxFut<'_, Result<(), StoreError>> {
        Box::pin(async move {
            self.ingest(IngestBatch::probe())
                .await
                .map(|_| ())
        })
    }

    fn projects(&self) -> BoxFut<'_, Result<Vec<ProjectRow>, StoreError>> {
        Box::pin(async move {
            let mut c = self.pool.get().await?;
            let rows = c
                .client()?
                .query("SELECT id, name, write_key, admin_token_sha256, identity_secret, origins, created_at FROM projects ORDER BY id", &[])
                .await?;
            Ok(rows.iter().map(project_from_row).collect::<Result<Vec<_>, _>>()?)
        })
    }

    fn create_project(&self, p: ProjectRow) -> BoxFut<'_, Result<bool, StoreError>> {
        Box::pin(async move {
            let mut c = self.pool.get().await?;
            let n = c
                .client()?
                .execute(
                    "INSERT INTO projects (name, write_key, admin_token_sha256, identity_secret, origins, created_at)
                     VALUES ($1,$2,$3,$4,$5,$6) ON CONFLICT DO NOTHING",
                    &[&p.name, &p.write_key, &p.admin_token_sha256, &p.identity_secret, &origins_json(&p.origins), &p.created_at],
                )
                .await?;
            Ok(n == 1)
        })
    }

    fn upsert_project(&self, p: ProjectRow) -> BoxFut<'_, Result<(), StoreError>> {
        Box::pin(async move {
            let mut c = self.pool.get().await?;
            c.client()?
                .execute(
                    "INSERT INTO projects (name, write_key, admin_token_sha256, identity_secret, origins, created_at)
                     VALUES ($1,$2,$3,$4,$5,$6)
                     ON CONFLICT (name) DO UPDATE SET write_key = excluded.write_key,
                       admin_token_sha256 = excluded.admin_token_sha256, identity_secret = excluded.identity_secret,
                       origins = excluded.origins",
                    &[&p.name, &p.write_key, &p.admin_token_sha256, &p.identity_secret, &origins_json(&p.origins), &p.created_at],
                )
                .await?;
            Ok(())
        })
    }

    fn export(&self, project_id: i64, since: Option<i64>) -> ExportStream {
        let (tx, rx) = mpsc::channel(4);
        let pool = self.pool.clone();
        tokio::spawn(async move {
            let run = async {
                let mut c = pool.get().await?;
                let client = c.client()?;
                // A portal fetched in pages keeps memory flat however many events there are.
                let t = client.transaction().await?;
                let st = t
                    .prepare(&format!(
                        "SELECT {EVENT_COLUMNS} FROM events WHERE project_id = $1 AND received_at >= $2 ORDER BY received_at, id"
                    ))
                    .await?;
                let since = since.unwrap_or(i64::MIN);
                let portal = t.bind(&st, &[&project_id, &since]).await?;
                loop {
                    let rows = t.query_portal(&portal, 2_000).await?;
                    if rows.is_empty() {
                        break;
                    }
                    let mut chunk = String::new();
                    for r in &rows {
                        let cols = ExportCols {
                            event_id: r.try_get(1)?,
                            name: r.try_get(2)?,
                            timestamp: r.try_get(3)?,
                            user_id: r.try_get(4)?,
                            anonymous_id: r.try_get(5)?,
                            session_id: r.try_get(6)?,
                            seq: r.try_get(7)?,
                            spec_revision: r.try_get(8)?,
                            flow_id: r.try_get(9)?,
                            step_id: r.try_get(10)?,
                            event: r.try_get(11)?,
                            properties: r.try_get(12)?,
                            context: r.try_get(13)?,
                            sent_at: r.try_get(14)?,
                            received_at: r.try_get(15)?,
                            corrected_at: r.try_get(16)?,
                            time_flag: r.try_get(17)?,
                            sdk_version: r.try_get(18)?,
                        };
                        export_line(&mut chunk, &cols);
                    }
                    if tx.send(Ok(chunk)).await.is_err() {
                        return Ok(()); // the client went away
                    }
                }
                t.commit().await?;
                Ok::<(), StoreError>(())
            };
            if let Err(e) = run.await {
                let _ = tx.send(Err(e)).await;
            }
        });
        rx
    }

    fn state_get(&self, project_id: i64, product: String, user_id: String) -> BoxFut<'_, Result<Option<StateRow>, StoreError>> {
        Box::pin(async move {
            let mut c = self.pool.get().await?;
            let row = c
                .client()?
                .query_opt(
                    "SELECT state, version, updated_at FROM user_state WHERE project_id = $1 AND product = $2 AND user_id = $3",
                    &[&project_id, &product, &user_id],
                )
                .await?;
            Ok(match row {
                Some(r) => Some(StateRow { state: r.try_get(0)?, version: r.try_get(1)?, updated_at: r.try_get(2)? }),
                None => None,
            })
        })
    }

    fn state_put(
        &self,
        project_id: i64,
        product: String,
        user_id: String,
        state: String,
        base_version: i64,
        now: i64,
    ) -> BoxFut<'_, Result<StatePut, StoreError>> {
        Box::pin(async move {
            let mut c = self.pool.get().await?;
            let client = c.client()?;
            // Compare-and-set in one statement: it updates only from the expected version, or
            // inserts version 1 when the client saw none; concurrent writers are serialised by
            // the row lock (or the primary key for the first insert).
            let stored = if base_version == 0 {
                client
                    .query_opt(
                        "INSERT INTO user_state (project_id, product, user_id, state, version, updated_at)
                         VALUES ($1, $2, $3, $4, 1, $5) ON CONFLICT DO NOTHING RETURNING version",
                        &[&project_id, &product, &user_id, &state, &now],
                    )
                    .await?
            } else {
                client
                    .query_opt(
                        "UPDATE user_state SET state = $4, version = version + 1, updated_at = $5
                         WHERE project_id = $1 AND product = $2 AND user_id = $3 AND version = $6 RETURNING version",
                        &[&project_id, &product, &user_id, &state, &now, &base_version],
                    )
                    .await?
            };
            if let Some(r) = stored {
                return Ok(StatePut::Stored { version: r.try_get(0)?, updated_at: now });
            }
            let current = client
                .query_opt(
                    "SELECT state, version, updated_at FROM user_state WHERE project_id = $1 AND product = $2 AND user_id = $3",
                    &[&project_id, &product, &user_id],
                )
                .await?;
            Ok(StatePut::Conflict(match current {
                Some(r) => StateRow { state: r.try_get(0)?, version: r.try_get(1)?, updated_at: r.try_get(2)? },
                None => StateRow { state: "{}".into(), version: 0, updated_at: 0 },
            }))
        })
    }

    fn spec_put(
        &self,
        project_id: i64,
        product: String,
        body: String,
        etag: String,
        revision: Option<String>,
        now: i64,
    ) -> BoxFut<'_, Result<SpecPut, StoreError>> {
        Box::pin(async move {
            let mut c = self.pool.get().await?;
            let client = c.client()?;
            let tx = client.transaction().await?;
            tx.execute("INSERT INTO spec_products (product, project_id) VALUES ($1, $2) ON CONFLICT DO NOTHING", &[&product, &project_id])
                .await?;
            // The product row lock serialises version numbering between processes.
            let owner: i64 =
                tx.query_one("SELECT project_id FROM spec_products WHERE product = $1 FOR UPDATE", &[&product]).await?.try_get(0)?;
            if owner != project_id {
                return Ok(SpecPut::OwnedByOther);
            }
            let version: i64 = tx
                .query_one("SELECT (coalesce(max(version), 0) + 1)::BIGINT FROM spec_versions WHERE product = $1", &[&product])
                .await?
                .try_get(0)?;
            tx.execute(
                "INSERT INTO spec_versions (product, version, project_id, body, etag, revision, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7)",
                &[&product, &version, &project_id, &body, &etag, &revision, &now],
            )
            .await?;
            tx.commit().await?;
            Ok(SpecPut::Stored { version })
        })
    }

    fn spec_current(&self, product: String) -> BoxFut<'_, Result<Option<SpecRow>, StoreError>> {
        Box::pin(async move {
            let mut c = self.pool.get().await?;
            let row = c
                .client()?
                .query_opt(
                    "SELECT version, body, etag, revision, created_at FROM spec_versions WHERE product = $1 ORDER BY version DESC LIMIT 1",
                    &[&product],
                )
                .await?;
            Ok(match row {
                Some(r) => Some(spec_row(&r)?),
                None => None,
            })
        })
    }

    fn spec_versions(&self, project_id: i64, product: String) -> BoxFut<'_, Result<Vec<SpecRow>, StoreError>> {
        Box::pin(async move {
            let mut c = self.pool.get().await?;
            let rows = c
                .client()?
                .query(
                    "SELECT version, '' AS body, etag, revision, created_at FROM spec_versions
                     WHERE product = $1 AND project_id = $2 ORDER BY version DESC",
                    &[&product, &project_id],
                )
                .await?;
            Ok(rows.iter().map(spec_row).collect::<Result<Vec<_>, _>>()?)
        })
    }

    fn spec_version(&self, project_id: i64, product: String, version: i64) -> BoxFut<'_, Result<Option<SpecRow>, StoreError>> {
        Box::pin(async move {
            let mut c = self.pool.get().await?;
            let row = c
                .client()?
                .query_opt(
                    "SELECT version, body, etag, revision, created_at FROM spec_versions WHERE product = $1 AND project_id = $2 AND version = $3",
                    &[&product, &project_id, &version],
                )
                .await?;
            Ok(match row {
                Some(r) => Some(spec_row(&r)?),
                None => None,
            })
        })
    }

    fn purge_quarantine(&self, before: i64) -> BoxFut<'_, Result<u64, StoreError>> {
        Box::pin(async move {
            let mut c = self.pool.get().await?;
            Ok(c.client()?.execute("DELETE FROM quarantine WHERE received_at < $1", &[&before]).await?)
        })
    }

    fn count_events(&self, project_id: i64) -> BoxFut<'_, Result<i64, StoreError>> {
        Box::pin(async move {
            let mut c = self.pool.get().await?;
            Ok(c.client()?.query_one("SELECT count(*) FROM events WHERE project_id = $1", &[&project_id]).await?.try_get(0)?)
        })
    }

    fn scan(&self, scan: Scan) -> BoxFut<'_, Result<Columns, StoreError>> {
        Box::pin(async move {
            use tokio_postgres::types::ToSql;
            let mut c = self.pool.get().await?;
            let sql = rollup::scan_sql(&scan, &|n| format!("${n}"));
            let mut args: Vec<Box<dyn ToSql + Sync + Send>> = vec![Box::new(scan.project_id)];
            if let (Some(_), Some((lo, hi))) = (scan.table.range, scan.range) {
                args.push(Box::new(lo));
                args.push(Box::new(hi));
            }
            if let (true, Some(f)) = (scan.table.by_flow, &scan.flow_id) {
                args.push(Box::new(f.clone()));
            }
            let params: Vec<&(dyn ToSql + Sync)> = args.iter().map(|b| b.as_ref() as &(dyn ToSql + Sync)).collect();
            let rows = c.client()?.query(&sql, &params).await?;
            let mut out = Columns::new(scan.table);
            for r in &rows {
                for (i, col) in scan.table.cols.iter().enumerate() {
                    match col.ty {
                        Ty::Int => out.push_int(i, r.try_get(i)?),
                        Ty::Text => out.push_text(i, r.try_get::<_, Option<&str>>(i)?),
                    }
                }
                out.len += 1;
            }
            Ok(out)
        })
    }

    fn project_specs(&self, project_id: i64) -> BoxFut<'_, Result<Vec<(String, SpecRow)>, StoreError>> {
        Box::pin(async move {
            let mut c = self.pool.get().await?;
            let rows = c
                .client()?
                .query(
                    "SELECT p.product, v.version, v.body, v.etag, v.revision, v.created_at FROM spec_products p
                     JOIN spec_versions v ON v.product = p.product
                     WHERE p.project_id = $1 AND v.version = (SELECT max(version) FROM spec_versions WHERE product = p.product)
                     ORDER BY p.product",
                    &[&project_id],
                )
                .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                out.push((
                    r.try_get(0)?,
                    SpecRow { version: r.try_get(1)?, body: r.try_get(2)?, etag: r.try_get(3)?, revision: r.try_get(4)?, created_at: r.try_get(5)? },
                ));
            }
            Ok(out)
        })
    }

    fn session_create(&self, s: SessionRow) -> BoxFut<'_, Result<(), StoreError>> {
        Box::pin(async move {
            let mut c = self.pool.get().await?;
            let client = c.client()?;
            client.execute("DELETE FROM dashboard_sessions WHERE expires_at <= $1", &[&s.created_at]).await?;
            client
                .execute(
                    "INSERT INTO dashboard_sessions (id_sha256, project_id, token_sha256, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
                    &[&s.id_sha256, &s.project_id, &s.token_sha256, &s.created_at, &s.expires_at],
                )
                .await?;
            Ok(())
        })
    }

    fn session_project(&self, id_sha256: String, now: i64) -> BoxFut<'_, Result<Option<(i64, String)>, StoreError>> {
        Box::pin(async move {
            let mut c = self.pool.get().await?;
            let row = c
                .client()?
                .query_opt("SELECT s.project_id, s.token_sha256 FROM dashboard_sessions s JOIN projects p \
                 ON p.id = s.project_id AND p.admin_token_sha256 = s.token_sha256 \
                 WHERE s.id_sha256 = $1 AND s.expires_at > $2", &[&id_sha256, &now])
                .await?;
            Ok(match row {
                Some(r) => Some((r.try_get(0)?, r.try_get(1)?)),
                None => None,
            })
        })
    }

    fn session_delete(&self, id_sha256: String) -> BoxFut<'_, Result<(), StoreError>> {
        Box::pin(async move {
            let mut c = self.pool.get().await?;
            c.client()?.execute("DELETE FROM dashboard_sessions WHERE id_sha256 = $1", &[&id_sha256]).await?;
            Ok(())
        })
    }

    fn close(&self) -> BoxFut<'_, ()> {
        let sender = self.writer.lock().ok().and_then(|mut w| w.take());
        drop(sender);
        let handle = self.writer_done.lock().ok().and_then(|mut h| h.take());
        Box::pin(async move {
            if let Some(h) = handle {
                let _ = h.await;
            }
        })
    }
}
