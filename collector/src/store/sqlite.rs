//! The SQLite store: one file, WAL journal, `synchronous=FULL`.
//!
//! What a 200 promises on SQLite: the events' transaction has been appended to the WAL and the
//! WAL has been fsynced before the writer answers, so the events survive a process crash
//! (`kill -9`), an OS crash and a power cut, provided the disk honours fsync. (With
//! `synchronous=NORMAL` the WAL is only synced at checkpoints and a power cut could lose
//! the last commits; measurements did not force that trade, see BENCHMARKS.md.)
//!
//! One writer thread owns the write connection and groups whatever ingest requests are queued
//! into one transaction (group commit). Everything else (reads, state sync, specs, projects)
//! runs on a small pool of connections in blocking tasks; SQLite serialises their writes with
//! the writer through its lock and `busy_timeout`.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use tokio::sync::{mpsc, oneshot};

use crate::metrics::Metrics;

use super::rollup::{self, Cell, Columns, Fact, Scan, TableDelta, Ty};
use super::{
    drain_group, export_line, plan_group, users_of, BoxFut, ExportCols, ExportStream, IngestBatch, IngestJob,
    IngestOutcome, ProjectRow, SessionRow, SpecPut, SpecRow, StatePut, StateRow, StoredFact, Store, StoreError, EVENT_COLUMNS,
};

/// How long a write waits for SQLite's lock held by another connection or process before the
/// request is answered 503 (and retried by the client).
const BUSY_TIMEOUT: Duration = Duration::from_millis(2_000);
/// Requests that may wait for the writer; beyond this, ingest waits for room (backpressure),
/// bounded by the HTTP concurrency limit.
const QUEUE: usize = 1_024;
const MAX_IDLE_READERS: usize = 4;

/// Settings of every connection, after WAL mode. `synchronous=FULL` is the durability promise
/// above; a 64 MiB page cache keeps the hot index pages of a large `events` table in memory
/// (SQLite's default is 2 MiB), so inserts do not re-read them from the OS on every commit.
pub const PRAGMAS: &str = "PRAGMA synchronous=FULL; PRAGMA cache_size=-65536; PRAGMA foreign_keys=ON;";

/// Schema migrations, applied in order, each once (recorded in `schema_migrations`).
const MIGRATIONS: &[(i64, &str)] = &[(
    1,
    "CREATE TABLE projects (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        write_key TEXT NOT NULL UNIQUE,
        admin_token_sha256 TEXT NOT NULL UNIQUE,
        identity_secret TEXT,
        origins TEXT NOT NULL,
        created_at INTEGER NOT NULL
    );
    CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        project_id INTEGER NOT NULL,
        event_id TEXT NOT NULL,
        name TEXT NOT NULL,
        timestamp INTEGER NOT NULL,
        user_id TEXT,
        anonymous_id TEXT NOT NULL,
        session_id TEXT,
        seq INTEGER,
        spec_revision TEXT,
        flow_id TEXT,
        step_id TEXT,
        event TEXT,
        properties TEXT NOT NULL,
        context TEXT,
        sent_at INTEGER,
        received_at INTEGER NOT NULL,
        corrected_at INTEGER NOT NULL,
        time_flag TEXT,
        sdk_version TEXT,
        UNIQUE (project_id, event_id)
    );
    CREATE INDEX events_received ON events (project_id, received_at);
    CREATE INDEX events_name_time ON events (project_id, name, corrected_at);
    CREATE INDEX events_user_time ON events (project_id, user_id, corrected_at);
    CREATE INDEX events_flow_step ON events (project_id, flow_id, step_id);
    CREATE TABLE users (
        project_id INTEGER NOT NULL,
        user_key TEXT NOT NULL,
        user_id TEXT,
        anonymous_id TEXT NOT NULL,
        traits TEXT,
        locale TEXT,
        stage TEXT,
        first_seen INTEGER NOT NULL,
        last_seen INTEGER NOT NULL,
        PRIMARY KEY (project_id, user_key)
    );
    CREATE TABLE quarantine (
        id INTEGER PRIMARY KEY,
        project_id INTEGER NOT NULL,
        received_at INTEGER NOT NULL,
        idx INTEGER NOT NULL,
        code TEXT NOT NULL,
        detail TEXT NOT NULL,
        event_id TEXT,
        raw TEXT NOT NULL
    );
    CREATE INDEX quarantine_received ON quarantine (received_at);
    CREATE TABLE user_state (
        project_id INTEGER NOT NULL,
        product TEXT NOT NULL,
        user_id TEXT NOT NULL,
        state TEXT NOT NULL,
        version INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (project_id, product, user_id)
    );
    CREATE TABLE spec_products (
        product TEXT PRIMARY KEY,
        project_id INTEGER NOT NULL
    );
    CREATE TABLE spec_versions (
        product TEXT NOT NULL,
        version INTEGER NOT NULL,
        project_id INTEGER NOT NULL,
        body TEXT NOT NULL,
        etag TEXT NOT NULL,
        revision TEXT,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (product, version)
    );
    CREATE TABLE writer_heartbeat (
        writer TEXT PRIMARY KEY,
        at INTEGER NOT NULL
    );",
), (
    // The adoption dashboard: rollups (see store/rollup.rs), filled from existing events by
    // `backfill` in the same transaction, and login sessions. Keyed rollups are clustered on
    // their key (WITHOUT ROWID), so a report's range scan reads neighbouring pages.
    2,
    "CREATE TABLE rollup_activity (
        project_id INTEGER NOT NULL, day INTEGER NOT NULL, user_key TEXT NOT NULL, events INTEGER NOT NULL,
        PRIMARY KEY (project_id, day, user_key)
    ) WITHOUT ROWID;
    CREATE TABLE rollup_flows (
        project_id INTEGER NOT NULL, flow_id TEXT NOT NULL, day INTEGER NOT NULL, user_key TEXT NOT NULL,
        revision TEXT NOT NULL, started INTEGER NOT NULL, completed INTEGER NOT NULL, dismissed INTEGER NOT NULL,
        opened INTEGER NOT NULL, answered INTEGER NOT NULL,
        PRIMARY KEY (project_id, flow_id, day, user_key, revision)
    ) WITHOUT ROWID;
    CREATE TABLE rollup_steps (
        project_id INTEGER NOT NULL, flow_id TEXT NOT NULL, day INTEGER NOT NULL, user_key TEXT NOT NULL,
        revision TEXT NOT NULL, step_id TEXT NOT NULL, viewed INTEGER NOT NULL, completed INTEGER NOT NULL,
        dismissed INTEGER NOT NULL,
        PRIMARY KEY (project_id, flow_id, day, user_key, revision, step_id)
    ) WITHOUT ROWID;
    CREATE TABLE rollup_timings (
        id INTEGER PRIMARY KEY, project_id INTEGER NOT NULL, flow_id TEXT NOT NULL, day INTEGER NOT NULL,
        user_key TEXT NOT NULL, revision TEXT NOT NULL, step_id TEXT NOT NULL, duration_ms INTEGER NOT NULL
    );
    CREATE INDEX rollup_timings_flow_day ON rollup_timings (project_id, flow_id, day);
    CREATE TABLE rollup_milestones (
        project_id INTEGER NOT NULL, user_key TEXT NOT NULL, milestone_id TEXT NOT NULL, first_at INTEGER NOT NULL,
        PRIMARY KEY (project_id, user_key, milestone_id)
    ) WITHOUT ROWID;
    CREATE TABLE rollup_stages (
        id INTEGER PRIMARY KEY, project_id INTEGER NOT NULL, at INTEGER NOT NULL, user_key TEXT NOT NULL,
        from_stage TEXT NOT NULL, to_stage TEXT NOT NULL
    );
    CREATE INDEX rollup_stages_at ON rollup_stages (project_id, at);
    CREATE TABLE rollup_checklist (
        project_id INTEGER NOT NULL, flow_id TEXT NOT NULL, item_id TEXT NOT NULL, user_key TEXT NOT NULL,
        first_at INTEGER NOT NULL,
        PRIMARY KEY (project_id, flow_id, item_id, user_key)
    ) WITHOUT ROWID;
    CREATE TABLE rollup_surveys (
        id INTEGER PRIMARY KEY, project_id INTEGER NOT NULL, at INTEGER NOT NULL, user_key TEXT NOT NULL,
        flow_id TEXT NOT NULL, revision TEXT NOT NULL, scale TEXT NOT NULL, score INTEGER NOT NULL, comment TEXT, locale TEXT
    );
    CREATE INDEX rollup_surveys_at ON rollup_surveys (project_id, at);
    CREATE TABLE rollup_targets (
        project_id INTEGER NOT NULL, day INTEGER NOT NULL, flow_id TEXT NOT NULL, step_id TEXT NOT NULL,
        selector TEXT NOT NULL, page TEXT NOT NULL, user_key TEXT NOT NULL, n INTEGER NOT NULL,
        PRIMARY KEY (project_id, day, flow_id, step_id, selector, page, user_key)
    ) WITHOUT ROWID;
    CREATE TABLE dashboard_sessions (
        id_sha256 TEXT PRIMARY KEY, project_id INTEGER NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL
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
        id_sha256 TEXT PRIMARY KEY, project_id INTEGER NOT NULL, token_sha256 TEXT NOT NULL,
        created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL
    );
    CREATE INDEX dashboard_sessions_expiry ON dashboard_sessions (expires_at);",
), (
    // Broken targets by reason: `hidden` (out of sight) or `absent`. The key changes, so the
    // table is made again and filled from the stored `target_missing` events.
    5,
    "DROP TABLE rollup_targets;
    CREATE TABLE rollup_targets (
        project_id INTEGER NOT NULL, day INTEGER NOT NULL, flow_id TEXT NOT NULL, step_id TEXT NOT NULL,
        selector TEXT NOT NULL, page TEXT NOT NULL, reason TEXT NOT NULL, user_key TEXT NOT NULL, n INTEGER NOT NULL,
        PRIMARY KEY (project_id, day, flow_id, step_id, selector, page, reason, user_key)
    ) WITHOUT ROWID;",
)];

/// The migration that created the rollups: a database migrated past it from an older version
/// gets its rollups rebuilt from `events` in the same transaction.
const ROLLUP_MIGRATION: i64 = 2;
/// The migrations that made one rollup table again: it is filled from `events` (by the same
/// code as ingest, one table only) unless every rollup is being rebuilt anyway.
const TABLE_MIGRATIONS: &[(i64, &rollup::TableDef)] = &[(5, &rollup::TARGETS)];

pub struct SqliteStore {
    path: PathBuf,
    writer: Mutex<Option<mpsc::Sender<IngestJob>>>,
    writer_done: Mutex<Option<std::thread::JoinHandle<()>>>,
    readers: Arc<Mutex<Vec<Connection>>>,
    /// Tells the checkpointer thread to stop (on close and on drop).
    checkpoint_stop: Arc<std::sync::atomic::AtomicBool>,
    checkpointer: Mutex<Option<std::thread::JoinHandle<()>>>,
}

/// How often the checkpointer copies the WAL into the database file.
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(100);
/// The writer checkpoints by itself only past this many WAL pages (about 64 MiB with 4 KiB
/// pages): a backstop for when the checkpointer cannot keep up.
const WRITER_AUTOCHECKPOINT_PAGES: u32 = 16_384;

/// Copies the WAL into the database file from its own thread and connection, so the writer
/// does not stop to do it after a commit (it did, about every 1,000 pages, which cost about a
/// tenth of the writer's time under load). PASSIVE never waits for the writer or readers.
/// Durability does not change: a commit is durable once its WAL frames are synced.
fn checkpointer(path: PathBuf, stop: Arc<std::sync::atomic::AtomicBool>) {
    let conn = match connect(&path) {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(error = %e, "the SQLite checkpointer could not open the database; the writer checkpoints by itself");
            return;
        }
    };
    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
        std::thread::sleep(CHECKPOINT_EVERY);
        if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
            tracing::debug!(error = %e, "SQLite checkpoint skipped");
        }
    }
}

impl Drop for SqliteStore {
    fn drop(&mut self) {
        self.checkpoint_stop.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

fn connect(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    // journal_mode returns a row, so it is read rather than executed.
    let mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError(format!("SQLite refused WAL mode (got {mode}); is {} on a network filesystem?", path.display())));
    }
    conn.execute_batch(PRAGMAS)?;
    Ok(conn)
}

fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute_batch("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)")?;
    let current: i64 = tx.query_row("SELECT coalesce(max(version), 0) FROM schema_migrations", [], |r| r.get(0))?;
    for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > current) {
        tx.execute_batch(sql)?;
        tx.execute("INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2)", params![version, crate::now_ms()])?;
    }
    // Rollups are filled after the last migration, against the final tables.
    if let Some(only) = rollup::to_rebuild(current, ROLLUP_MIGRATION, TABLE_MIGRATIONS) {
        backfill(&tx, &only)?;
    }
    tx.commit()?;
    Ok(())
}

/// Fills the rollups (`only` these tables, or all if empty) from every stored event, in pages,
/// with the same code as ingest.
fn backfill(tx: &rusqlite::Transaction<'_>, only: &[&rollup::TableDef]) -> Result<(), StoreError> {
    const PAGE: i64 = 20_000;
    let mut after = 0i64;
    let mut total = 0usize;
    loop {
        let mut st = tx.prepare_cached(
            "SELECT id, project_id, name, user_id, anonymous_id, corrected_at, flow_id, step_id, spec_revision, properties, context
             FROM events WHERE id > ?1 ORDER BY id LIMIT ?2",
        )?;
        let mut rows = st.query(params![after, PAGE])?;
        let mut page = Vec::new();
        while let Some(r) = rows.next()? {
            after = r.get(0)?;
            page.push(StoredFact {
                project_id: r.get(1)?,
                name: r.get(2)?,
                user_key: rollup::user_key(r.get_ref(3)?.as_str_or_null()?, r.get_ref(4)?.as_str()?),
                corrected_at: r.get(5)?,
                flow_id: r.get(6)?,
                step_id: r.get(7)?,
                spec_revision: r.get(8)?,
                properties: r.get(9)?,
                context: r.get(10)?,
            });
        }
        drop(rows);
        drop(st);
        if page.is_empty() {
            break;
        }
        total += page.len();
        let locales: Vec<Option<String>> = page.iter().map(StoredFact::locale).collect();
        let mut deltas = rollup::deltas(page.iter().zip(&locales).map(|(f, l)| (f.project_id, f.fact(l.as_deref()))));
        deltas.retain(|(_, d)| only.is_empty() || only.iter().any(|t| std::ptr::eq(*t, d.table)));
        apply_rollups(tx, &deltas)?;
    }
    if total > 0 {
        tracing::info!(events = total, "built the report rollups from stored events");
    }
    Ok(())
}

/// Adds rollup deltas inside the caller's transaction.
fn apply_rollups(tx: &rusqlite::Transaction<'_>, deltas: &[(i64, TableDelta)]) -> Result<(), StoreError> {
    for (project_id, d) in deltas {
        let n = d.table.cols.len() + 1;
        let values = format!("VALUES ({})", (1..=n).map(|i| format!("?{i}")).collect::<Vec<_>>().join(", "));
        let mut st = tx.prepare_cached(&rollup::upsert_sql(d.table, &values, "min"))?;
        for row in &d.rows {
            st.execute(rusqlite::params_from_iter(std::iter::once(&Cell::Int(*project_id)).chain(row.iter())))?;
        }
    }
    Ok(())
}

impl rusqlite::ToSql for Cell {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(ToSqlOutput::Borrowed(match self {
            Cell::Int(v) => ValueRef::Integer(*v),
            Cell::Text(s) => ValueRef::Text(s.as_bytes()),
            Cell::Null => ValueRef::Null,
        }))
    }
}

impl SqliteStore {
    /// Opens (creating if needed) the database file and migrates it. Blocking.
    pub fn open(path: &Path, metrics: Arc<Metrics>) -> Result<SqliteStore, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| StoreError(format!("cannot create {}: {e}", dir.display())))?;
        }
        let mut conn = connect(path)?;
        migrate(&mut conn)?;
        conn.execute_batch(&format!("PRAGMA wal_autocheckpoint={WRITER_AUTOCHECKPOINT_PAGES};"))?;
        let (tx, rx) = mpsc::channel(QUEUE);
        let handle = std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || writer_loop(conn, rx, metrics))
            .map_err(|e| StoreError(format!("cannot start the writer thread: {e}")))?;
        let checkpoint_stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (cp_path, cp_stop) = (path.to_owned(), checkpoint_stop.clone());
        let cp = std::thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || checkpointer(cp_path, cp_stop))
            .map_err(|e| StoreError(format!("cannot start the checkpointer thread: {e}")))?;
        Ok(SqliteStore {
            path: path.to_owned(),
            writer: Mutex::new(Some(tx)),
            writer_done: Mutex::new(Some(handle)),
            readers: Arc::new(Mutex::new(Vec::new())),
            checkpoint_stop,
            checkpointer: Mutex::new(Some(cp)),
        })
    }

    /// Runs `f` on a pooled connection in a blocking task.
    fn with_conn<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> BoxFut<'_, Result<T, StoreError>> {
        let pool = self.readers.clone();
        let path = self.path.clone();
        Box::pin(async move {
            tokio::task::spawn_blocking(move || {
                let pooled = pool.lock().ok().and_then(|mut p| p.pop());
                let mut conn = match pooled {
                    Some(c) => c,
                    None => connect(&path)?,
                };
                let out = f(&mut conn);
                // A connection that failed is dropped rather than reused.
                if out.is_ok() {
                    if let Ok(mut p) = pool.lock() {
                        if p.len() < MAX_IDLE_READERS {
                            p.push(conn);
                        }
                    }
                }
                out
            })
            .await
            .map_err(|e| StoreError(format!("blocking task failed: {e}")))?
        })
    }

    fn sender(&self) -> Option<mpsc::Sender<IngestJob>> {
        self.writer.lock().ok().and_then(|w| w.clone())
    }
}

fn writer_loop(mut conn: Connection, mut rx: mpsc::Receiver<IngestJob>, metrics: Arc<Metrics>) {
    let writer_id = format!("sqlite-{}", std::process::id());
    while let Some(first) = rx.blocking_recv() {
        let jobs = drain_group(first, &mut rx);
        let t0 = std::time::Instant::now();
        let result = commit_group(&mut conn, &jobs, &writer_id);
        metrics.observe_commit(jobs.len(), t0.elapsed());
        match result {
            Ok(outcomes) => {
                for (job, outcome) in jobs.into_iter().zip(outcomes) {
                    let _ = job.reply.send(Ok(outcome));
                }
            }
            Err(e) => {
                tracing::error!(error = %e, requests = jobs.len(), "sqlite group commit failed; answering 503");
                for job in jobs {
                    let _ = job.reply.send(Err(e.clone()));
                }
            }
        }
    }
    // Channel closed: every queued job has been answered. Checkpoint so the WAL is folded back
    // into the main file on a clean shutdown.
    let _ = conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)");
}

fn commit_group(conn: &mut Connection, jobs: &[IngestJob], writer_id: &str) -> Result<Vec<IngestOutcome>, StoreError> {
    let plan = plan_group(jobs);
    let mut outcomes = plan.outcomes;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut inserted = Vec::with_capacity(plan.candidates.len());
    {
        let mut ins = tx.prepare_cached(&format!(
            "INSERT INTO events ({EVENT_COLUMNS}) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19) \
             ON CONFLICT (project_id, event_id) DO NOTHING"
        ))?;
        for (j, ev) in &plan.candidates {
            let Some(b) = jobs.get(*j).map(|job| &job.batch) else { continue };
            let project_id = b.project_id;
            let r = &ev.record;
            let n = ins.execute(params![
                project_id,
                r.event_id,
                r.name,
                r.timestamp,
                r.user_id,
                r.anonymous_id,
                r.session_id,
                r.seq,
                r.spec_revision,
                r.flow_id,
                r.step_id,
                r.event,
                r.properties,
                r.context,
                b.sent_at,
                b.received_at,
                ev.corrected_at,
                ev.time_flag,
                b.sdk_version,
            ])?;
            if let Some(o) = outcomes.get_mut(*j) {
                if n == 1 {
                    o.accepted += 1;
                    inserted.push((project_id, *ev));
                } else {
                    o.duplicates += 1;
                }
            }
        }
        let mut up = tx.prepare_cached(
            "INSERT INTO users (project_id, user_key, user_id, anonymous_id, traits, locale, stage, first_seen, last_seen)
             VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9)
             ON CONFLICT (project_id, user_key) DO UPDATE SET
               user_id = coalesce(excluded.user_id, users.user_id),
               anonymous_id = CASE WHEN excluded.last_seen >= users.last_seen THEN excluded.anonymous_id ELSE users.anonymous_id END,
               traits = CASE WHEN excluded.last_seen >= users.last_seen AND excluded.traits IS NOT NULL THEN excluded.traits ELSE users.traits END,
               locale = CASE WHEN excluded.last_seen >= users.last_seen AND excluded.locale IS NOT NULL THEN excluded.locale ELSE users.locale END,
               stage = CASE WHEN excluded.last_seen >= users.last_seen AND excluded.stage IS NOT NULL THEN excluded.stage ELSE users.stage END,
               first_seen = min(users.first_seen, excluded.first_seen),
               last_seen = max(users.last_seen, excluded.last_seen)",
        )?;
        // Rollups first (they borrow the inserted events), then the users they belong to.
        let keys: Vec<String> =
            inserted.iter().map(|(_, ev)| rollup::user_key(ev.record.user_id.as_deref(), &ev.record.anonymous_id)).collect();
        let deltas = rollup::deltas(inserted.iter().zip(&keys).map(|((p, ev), k)| (*p, Fact::of(ev, k))));
        apply_rollups(&tx, &deltas)?;
        for u in users_of(inserted.into_iter()) {
            up.execute(params![u.project_id, u.user_key, u.user_id, u.anonymous_id, u.traits, u.locale, u.stage, u.first_seen, u.last_seen])?;
        }
        let mut q = tx.prepare_cached(
            "INSERT INTO quarantine (project_id, received_at, idx, code, detail, event_id, raw) VALUES (?1,?2,?3,?4,?5,?6,?7)",
        )?;
        let mut writes = plan.candidates.len();
        for job in jobs {
            for r in &job.batch.rejected {
                writes += 1;
                q.execute(params![
                    job.batch.project_id,
                    job.batch.received_at,
                    r.index as i64,
                    r.code.as_str(),
                    r.detail,
                    r.event_id,
                    r.raw
                ])?;
            }
        }
        if writes == 0 {
            // A readiness probe carries nothing to store: write a heartbeat so that its commit
            // proves the database is writable.
            tx.execute(
                "INSERT INTO writer_heartbeat (writer, at) VALUES (?1, ?2) ON CONFLICT (writer) DO UPDATE SET at = excluded.at",
                params![writer_id, crate::now_ms()],
            )?;
        }
    }
    tx.commit()?;
    Ok(outcomes)
}

fn project_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ProjectRow> {
    let origins: String = r.get(5)?;
    Ok(ProjectRow {
        id: r.get(0)?,
        name: r.get(1)?,
        write_key: r.get(2)?,
        admin_token_sha256: r.get(3)?,
        identity_secret: r.get(4)?,
        origins: serde_json::from_str(&origins).unwrap_or_default(),
        created_at: r.get(6)?,
    })
}

fn origins_json(origins: &[String]) -> String {
    serde_json::Value::from(origins.to_vec()).to_string()
}

fn spec_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<SpecRow> {
    Ok(SpecRow { version: r.get(0)?, body: r.get(1)?, etag: r.get(2)?, revision: r.get(3)?, created_at: r.get(4)? })
}

impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
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
        self.with_conn(|c| {
            let mut st = c.prepare_cached(
                "SELECT id, name, write_key, admin_token_sha256, identity_secret, origins, created_at FROM projects ORDER BY id",
            )?;
            let rows = st.query_map([], project_from_row)?.collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
    }

    fn create_project(&self, p: ProjectRow) -> BoxFut<'_, Result<bool, StoreError>> {
        self.with_conn(move |c| {
            let n = c.execute(
                "INSERT INTO projects (name, write_key, admin_token_sha256, identity_secret, origins, created_at)
                 VALUES (?1,?2,?3,?4,?5,?6) ON CONFLICT DO NOTHING",
                params![p.name, p.write_key, p.admin_token_sha256, p.identity_secret, origins_json(&p.origins), p.created_at],
            )?;
            Ok(n == 1)
        })
    }

    fn upsert_project(&self, p: ProjectRow) -> BoxFut<'_, Result<(), StoreError>> {
        self.with_conn(move |c| {
            c.execute(
                "INSERT INTO projects (name, write_key, admin_token_sha256, identity_secret, origins, created_at)
                 VALUES (?1,?2,?3,?4,?5,?6)
                 ON CONFLICT (name) DO UPDATE SET write_key = excluded.write_key,
                   admin_token_sha256 = excluded.admin_token_sha256, identity_secret = excluded.identity_secret,
                   origins = excluded.origins",
                params![p.name, p.write_key, p.admin_token_sha256, p.identity_secret, origins_json(&p.origins), p.created_at],
            )?;
            Ok(())
        })
    }

    fn export(&self, project_id: i64, since: Option<i64>) -> ExportStream {
        let (tx, rx) = mpsc::channel(4);
        let path = self.path.clone();
        tokio::task::spawn_blocking(move || {
            let run = || -> Result<(), StoreError> {
                let conn = connect(&path)?;
                let mut st = conn.prepare(&format!(
                    "SELECT {EVENT_COLUMNS} FROM events WHERE project_id = ?1 AND received_at >= ?2 ORDER BY received_at, id"
                ))?;
                let mut rows = st.query(params![project_id, since.unwrap_or(i64::MIN)])?;
                let mut chunk = String::new();
                while let Some(r) = rows.next()? {
                    let cols = ExportCols {
                        event_id: r.get_ref(1)?.as_str()?,
                        name: r.get_ref(2)?.as_str()?,
                        timestamp: r.get(3)?,
                        user_id: r.get_ref(4)?.as_str_or_null()?,
                        anonymous_id: r.get_ref(5)?.as_str()?,
                        session_id: r.get_ref(6)?.as_str_or_null()?,
                        seq: r.get(7)?,
                        spec_revision: r.get_ref(8)?.as_str_or_null()?,
                        flow_id: r.get_ref(9)?.as_str_or_null()?,
                        step_id: r.get_ref(10)?.as_str_or_null()?,
                        event: r.get_ref(11)?.as_str_or_null()?,
                        properties: r.get_ref(12)?.as_str()?,
                        context: r.get_ref(13)?.as_str_or_null()?,
                        sent_at: r.get(14)?,
                        received_at: r.get(15)?,
                        corrected_at: r.get(16)?,
                        time_flag: r.get_ref(17)?.as_str_or_null()?,
                        sdk_version: r.get_ref(18)?.as_str_or_null()?,
                    };
                    export_line(&mut chunk, &cols);
                    if chunk.len() >= 64 * 1024 && tx.blocking_send(Ok(std::mem::take(&mut chunk))).is_err() {
                        return Ok(()); // the client went away
                    }
                }
                if !chunk.is_empty() {
                    let _ = tx.blocking_send(Ok(chunk));
                }
                Ok(())
            };
            if let Err(e) = run() {
                let _ = tx.blocking_send(Err(e));
            }
        });
        rx
    }

    fn state_get(&self, project_id: i64, product: String, user_id: String) -> BoxFut<'_, Result<Option<StateRow>, StoreError>> {
        self.with_conn(move |c| {
            Ok(c.query_row(
                "SELECT state, version, updated_at FROM user_state WHERE project_id = ?1 AND product = ?2 AND user_id = ?3",
                params![project_id, product, user_id],
                |r| Ok(StateRow { state: r.get(0)?, version: r.get(1)?, updated_at: r.get(2)? }),
            )
            .optional()?)
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
        self.with_conn(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let current = tx
                .query_row(
                    "SELECT state, version, updated_at FROM user_state WHERE project_id = ?1 AND product = ?2 AND user_id = ?3",
                    params![project_id, product, user_id],
                    |r| Ok(StateRow { state: r.get(0)?, version: r.get(1)?, updated_at: r.get(2)? }),
                )
                .optional()?;
            let current_version = current.as_ref().map_or(0, |s| s.version);
            if current_version != base_version {
                return Ok(match current {
                    Some(row) => StatePut::Conflict(row),
                    // The client thinks a version exists that does not: tell it the truth (0).
                    None => StatePut::Conflict(StateRow { state: "{}".into(), version: 0, updated_at: 0 }),
                });
            }
            let version = current_version + 1;
            tx.execute(
                "INSERT INTO user_state (project_id, product, user_id, state, version, updated_at) VALUES (?1,?2,?3,?4,?5,?6)
                 ON CONFLICT (project_id, product, user_id) DO UPDATE SET state = excluded.state, version = excluded.version,
                   updated_at = excluded.updated_at",
                params![project_id, product, user_id, state, version, now],
            )?;
            tx.commit()?;
            Ok(StatePut::Stored { version, updated_at: now })
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
        self.with_conn(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute(
                "INSERT INTO spec_products (product, project_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
                params![product, project_id],
            )?;
            let owner: i64 = tx.query_row("SELECT project_id FROM spec_products WHERE product = ?1", params![product], |r| r.get(0))?;
            if owner != project_id {
                return Ok(SpecPut::OwnedByOther);
            }
            let version: i64 = tx.query_row(
                "SELECT coalesce(max(version), 0) + 1 FROM spec_versions WHERE product = ?1",
                params![product],
                |r| r.get(0),
            )?;
            tx.execute(
                "INSERT INTO spec_versions (product, version, project_id, body, etag, revision, created_at) VALUES (?1,?2,?3,?4,?5,?6,?7)",
                params![product, version, project_id, body, etag, revision, now],
            )?;
            tx.commit()?;
            Ok(SpecPut::Stored { version })
        })
    }

    fn spec_current(&self, product: String) -> BoxFut<'_, Result<Option<SpecRow>, StoreError>> {
        self.with_conn(move |c| {
            Ok(c.query_row(
                "SELECT version, body, etag, revision, created_at FROM spec_versions WHERE product = ?1 ORDER BY version DESC LIMIT 1",
                params![product],
                spec_row,
            )
            .optional()?)
        })
    }

    fn spec_versions(&self, project_id: i64, product: String) -> BoxFut<'_, Result<Vec<SpecRow>, StoreError>> {
        self.with_conn(move |c| {
            let mut st = c.prepare_cached(
                "SELECT version, '', etag, revision, created_at FROM spec_versions WHERE product = ?1 AND project_id = ?2 ORDER BY version DESC",
            )?;
            let rows = st.query_map(params![product, project_id], spec_row)?.collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
    }

    fn spec_version(&self, project_id: i64, product: String, version: i64) -> BoxFut<'_, Result<Option<SpecRow>, StoreError>> {
        self.with_conn(move |c| {
            Ok(c.query_row(
                "SELECT version, body, etag, revision, created_at FROM spec_versions WHERE product = ?1 AND project_id = ?2 AND version = ?3",
                params![product, project_id, version],
                spec_row,
            )
            .optional()?)
        })
    }

    fn purge_quarantine(&self, before: i64) -> BoxFut<'_, Result<u64, StoreError>> {
        self.with_conn(move |c| Ok(c.execute("DELETE FROM quarantine WHERE received_at < ?1", params![before])? as u64))
    }

    fn count_events(&self, project_id: i64) -> BoxFut<'_, Result<i64, StoreError>> {
        self.with_conn(move |c| Ok(c.query_row("SELECT count(*) FROM events WHERE project_id = ?1", params![project_id], |r| r.get(0))?))
    }

    fn scan(&self, scan: Scan) -> BoxFut<'_, Result<Columns, StoreError>> {
        self.with_conn(move |c| {
            let sql = rollup::scan_sql(&scan, &|n| format!("?{n}"));
            let mut st = c.prepare_cached(&sql)?;
            let mut args: Vec<Cell> = vec![Cell::Int(scan.project_id)];
            if let (Some(_), Some((lo, hi))) = (scan.table.range, scan.range) {
                args.push(Cell::Int(lo));
                args.push(Cell::Int(hi));
            }
            if let (true, Some(f)) = (scan.table.by_flow, &scan.flow_id) {
                args.push(Cell::Text(f.clone()));
            }
            let mut rows = st.query(rusqlite::params_from_iter(args.iter()))?;
            let mut out = Columns::new(scan.table);
            while let Some(r) = rows.next()? {
                for (i, col) in scan.table.cols.iter().enumerate() {
                    match col.ty {
                        Ty::Int => out.push_int(i, r.get(i)?),
                        Ty::Text => out.push_text(i, r.get_ref(i)?.as_str_or_null()?),
                    }
                }
                out.len += 1;
            }
            Ok(out)
        })
    }

    fn project_specs(&self, project_id: i64) -> BoxFut<'_, Result<Vec<(String, SpecRow)>, StoreError>> {
        self.with_conn(move |c| {
            let mut st = c.prepare_cached(
                "SELECT p.product, v.version, v.body, v.etag, v.revision, v.created_at FROM spec_products p
                 JOIN spec_versions v ON v.product = p.product
                 WHERE p.project_id = ?1 AND v.version = (SELECT max(version) FROM spec_versions WHERE product = p.product)
                 ORDER BY p.product",
            )?;
            let rows = st
                .query_map(params![project_id], |r| {
                    Ok((r.get(0)?, SpecRow { version: r.get(1)?, body: r.get(2)?, etag: r.get(3)?, revision: r.get(4)?, created_at: r.get(5)? }))
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
    }

    fn session_create(&self, s: SessionRow) -> BoxFut<'_, Result<(), StoreError>> {
        self.with_conn(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute("DELETE FROM dashboard_sessions WHERE expires_at <= ?1", params![s.created_at])?;
            tx.execute(
                "INSERT INTO dashboard_sessions (id_sha256, project_id, token_sha256, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![s.id_sha256, s.project_id, s.token_sha256, s.created_at, s.expires_at],
            )?;
            tx.commit()?;
            Ok(())
        })
    }

    fn session_project(&self, id_sha256: String, now: i64) -> BoxFut<'_, Result<Option<(i64, String)>, StoreError>> {
        self.with_conn(move |c| {
            Ok(c.query_row(
                "SELECT s.project_id, s.token_sha256 FROM dashboard_sessions s JOIN projects p \
                 ON p.id = s.project_id AND p.admin_token_sha256 = s.token_sha256 \
                 WHERE s.id_sha256 = ?1 AND s.expires_at > ?2",
                params![id_sha256, now],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
        })
    }

    fn session_delete(&self, id_sha256: String) -> BoxFut<'_, Result<(), StoreError>> {
        self.with_conn(move |c| {
            c.execute("DELETE FROM dashboard_sessions WHERE id_sha256 = ?1", params![id_sha256])?;
            Ok(())
        })
    }

    fn close(&self) -> BoxFut<'_, ()> {
        // Dropping the sender lets the writer finish what is queued, then stop.
        let sender = self.writer.lock().ok().and_then(|mut w| w.take());
        drop(sender);
        let handle = self.writer_done.lock().ok().and_then(|mut h| h.take());
        let cp = self.checkpointer.lock().ok().and_then(|mut h| h.take());
        let stop = self.checkpoint_stop.clone();
        Box::pin(async move {
            if let Some(h) = handle {
                let _ = tokio::task::spawn_blocking(move || h.join()).await;
            }
            stop.store(true, std::sync::atomic::Ordering::Relaxed);
            if let Some(h) = cp {
                let _ = tokio::task::spawn_blocking(move || h.join()).await;
            }
        })
    }
}
