//! Test harness for the collector's integration tests: a fresh database per test on SQLite or
//! on the real PostgreSQL server named by `SHIRUBE_TEST_PG_URL`, an in-process server on
//! 127.0.0.1 with an ephemeral port, a raw HTTP/1.1 client (so tests control every byte:
//! slow heads, chunked bodies, missing bodies), direct SQL for checking what was stored, and
//! a way to spawn the real binary.
//!
//! Nothing here binds anything but 127.0.0.1.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use shirube_collector::config::{Limits, ProjectConfig};
use shirube_collector::metrics::Metrics;
use shirube_collector::server::{self, Running};
use shirube_collector::store::{self, Store};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

pub const KEY: &str = "sb_pub_acme_test";
pub const ADMIN: &str = "sb_admin_acme_test";
pub const SECRET: &str = "sb_secret_acme";
pub const ORIGIN: &str = "https://app.acme.com";
pub const OTHER_KEY: &str = "sb_pub_other_test";
pub const OTHER_ADMIN: &str = "sb_admin_other_test";

#[derive(Clone, Debug)]
pub enum Backend {
    Sqlite,
    Postgres(String),
}

impl Backend {
    /// The PostgreSQL backend when `SHIRUBE_TEST_PG_URL` is set. When it is not, the test is
    /// skipped loudly (scripts/test-collector.sh always sets it); `SHIRUBE_REQUIRE_PG=1` turns
    /// the skip into a failure.
    pub fn postgres() -> Option<Backend> {
        match std::env::var("SHIRUBE_TEST_PG_URL") {
            Ok(u) if !u.is_empty() => Some(Backend::Postgres(u)),
            _ => {
                assert!(std::env::var("SHIRUBE_REQUIRE_PG").is_err(), "SHIRUBE_REQUIRE_PG is set but SHIRUBE_TEST_PG_URL is not");
                eprintln!("SKIPPED (PostgreSQL): SHIRUBE_TEST_PG_URL is not set; run scripts/test-collector.sh to test on PostgreSQL");
                None
            }
        }
    }
}

/// Runs a scenario as two tests, on SQLite and on PostgreSQL.
#[macro_export]
macro_rules! both {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name($crate::common::Backend::Sqlite).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    if let Some(b) = $crate::common::Backend::postgres() {
                        super::$name(b).await
                    }
                }
            }
        )*
    };
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

pub fn unique() -> String {
    format!("{}_{}_{}", std::process::id(), shirube_collector::now_ms(), COUNTER.fetch_add(1, Ordering::Relaxed))
}

/// A database of its own for one test: a file in a temporary directory, or a new PostgreSQL
/// database on the test server.
pub struct Db {
    pub url: String,
    pub backend: Backend,
    dir: Option<PathBuf>,
    /// Whether dropping this handle removes the SQLite directory (the first handle does).
    owned: bool,
}

impl Db {
    pub async fn fresh(backend: &Backend) -> Db {
        match backend {
            Backend::Sqlite => {
                let dir = std::env::temp_dir().join(format!("shirube-test-{}", unique()));
                std::fs::create_dir_all(&dir).expect("temp dir");
                Db { url: format!("sqlite:{}", dir.join("c.db").display()), backend: backend.clone(), dir: Some(dir), owned: true }
            }
            Backend::Postgres(admin_url) => {
                let name = format!("t_{}", unique());
                let (client, conn) = tokio_postgres::connect(admin_url, tokio_postgres::NoTls).await.expect("connect to test PostgreSQL");
                tokio::spawn(conn);
                client.batch_execute(&format!("CREATE DATABASE {name}")).await.expect("create database");
                let base = admin_url.rsplit_once('/').map(|(b, _)| b).unwrap_or(admin_url);
                Db { url: format!("{base}/{name}"), backend: backend.clone(), dir: None, owned: true }
            }
        }
    }

    /// Another handle on the same database, for a second server.
    pub fn reuse(&self) -> Db {
        Db { url: self.url.clone(), backend: self.backend.clone(), dir: self.dir.clone(), owned: false }
    }

    pub fn sqlite_path(&self) -> Option<PathBuf> {
        self.dir.as_ref().map(|d| d.join("c.db"))
    }

    /// One integer from SQL run directly on the database (not through the collector).
    pub async fn scalar(&self, sql: &str) -> i64 {
        match &self.backend {
            Backend::Sqlite => {
                let path = self.sqlite_path().expect("sqlite path");
                let sql = sql.to_owned();
                tokio::task::spawn_blocking(move || {
                    let c = rusqlite::Connection::open(path).expect("open sqlite");
                    c.query_row(&sql, [], |r| r.get::<_, i64>(0)).expect("query")
                })
                .await
                .expect("join")
            }
            Backend::Postgres(_) => {
                let (client, conn) = tokio_postgres::connect(&self.url, tokio_postgres::NoTls).await.expect("connect");
                tokio::spawn(conn);
                let row = client.query_one(&format!("SELECT ({sql})::BIGINT"), &[]).await.expect("query");
                row.get(0)
            }
        }
    }

    /// One text value (or None for NULL) from SQL run directly on the database.
    pub async fn text(&self, sql: &str) -> Option<String> {
        match &self.backend {
            Backend::Sqlite => {
                let path = self.sqlite_path().expect("sqlite path");
                let sql = sql.to_owned();
                tokio::task::spawn_blocking(move || {
                    let c = rusqlite::Connection::open(path).expect("open sqlite");
                    c.query_row(&sql, [], |r| r.get::<_, Option<String>>(0)).expect("query")
                })
                .await
                .expect("join")
            }
            Backend::Postgres(_) => {
                let (client, conn) = tokio_postgres::connect(&self.url, tokio_postgres::NoTls).await.expect("connect");
                tokio::spawn(conn);
                client.query_one(sql, &[]).await.expect("query").get(0)
            }
        }
    }

    pub async fn count_events(&self) -> i64 {
        self.scalar("SELECT count(*) FROM events").await
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        if let (Some(d), true) = (&self.dir, self.owned) {
            let _ = std::fs::remove_dir_all(d);
        }
    }
}

pub fn projects() -> Vec<ProjectConfig> {
    vec![
        ProjectConfig {
            name: "acme".into(),
            write_key: KEY.into(),
            admin_token: ADMIN.into(),
            identity_secret: Some(SECRET.into()),
            origins: vec![ORIGIN.into()],
        },
        ProjectConfig {
            name: "other".into(),
            write_key: OTHER_KEY.into(),
            admin_token: OTHER_ADMIN.into(),
            identity_secret: None,
            origins: vec!["*".into()],
        },
    ]
}

/// A collector running in this test process on its own database.
pub struct Server {
    pub addr: SocketAddr,
    pub db: Db,
    pub store: Arc<dyn Store>,
    running: Option<Running>,
}

impl Server {
    pub async fn start(backend: &Backend) -> Server {
        Server::with_limits(backend, |_| {}).await
    }

    pub async fn with_limits(backend: &Backend, tweak: impl FnOnce(&mut Limits)) -> Server {
        let db = Db::fresh(backend).await;
        Server::on(db, tweak).await
    }

    /// A server on an existing database (a second process's view of it).
    pub async fn on(db: Db, tweak: impl FnOnce(&mut Limits)) -> Server {
        let mut limits = Limits::default();
        tweak(&mut limits);
        let metrics = Arc::new(Metrics::default());
        let store = store::open(&db.url, metrics.clone()).await.expect("open store");
        shirube_collector::sync_projects(store.as_ref(), &projects()).await.expect("projects");
        let running = server::start("127.0.0.1:0".parse().expect("addr"), store.clone(), metrics, limits).await.expect("start");
        Server { addr: running.addr, db, store, running: Some(running) }
    }

    pub async fn stop(mut self) -> Db {
        if let Some(r) = self.running.take() {
            r.shutdown().await;
        }
        self.store.close().await;
        let Server { db, .. } = self;
        db
    }

    pub async fn post(&self, path: &str, body: &str) -> Resp {
        request(self.addr, "POST", path, &[("Content-Type", "text/plain")], body.as_bytes()).await
    }

    pub async fn req(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Resp {
        request(self.addr, method, path, headers, body).await
    }
}

/// A canonical UUID unique to this test run: `seed` separates tests, `n` events.
pub fn uuid(seed: u32, n: u64) -> String {
    format!("{seed:08x}-0000-7000-8000-{n:012x}")
}

pub fn seed() -> u32 {
    (COUNTER.fetch_add(1, Ordering::Relaxed) as u32).wrapping_mul(2_654_435_761) ^ (std::process::id() << 8) ^ shirube_collector::now_ms() as u32
}

/// A valid event of every-day shape.
pub fn event(id: &str) -> String {
    format!(
        r#"{{"event_id":"{id}","name":"step_viewed","timestamp":1763799990456,"user_id":"u_42","anonymous_id":"a_1",
            "session_id":"s_1","seq":17,"spec_revision":"2026-11-22.3","flow_id":"welcome","step_id":"create",
            "properties":{{"index":0,"total":2}},
            "context":{{"traits":{{"plan":"free","tier":"tech"}},"locale":"ja","path":"/app/dashboard","stage":"onboarding"}}}}"#
    )
}

pub fn batch(key: &str, events: &[String]) -> String {
    format!(
        r#"{{"write_key":"{key}","sent_at":1763800000123,"attempt":0,"sdk":{{"name":"shirube","version":"0.1.0"}},"events":[{}]}}"#,
        events.join(",")
    )
}

#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("response is not JSON ({e}): {:?}", self.text()))
    }

    /// The error code of a JSON error body.
    pub fn code(&self) -> String {
        self.json().get("error").and_then(|v| v.as_str()).unwrap_or("").to_owned()
    }
}

/// One request on a new connection (`Connection: close`), response read to the end.
pub async fn request(addr: SocketAddr, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Resp {
    let mut s = TcpStream::connect(addr).await.expect("connect");
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    let mut has_len = false;
    for (k, v) in headers {
        has_len |= k.eq_ignore_ascii_case("content-length") || k.eq_ignore_ascii_case("transfer-encoding");
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    if !has_len && (method != "GET" || !body.is_empty()) {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).await.expect("write head");
    // The server may answer (413) and close before taking the whole body; that is fine.
    let _ = s.write_all(body).await;
    read_response(&mut s).await
}

/// Reads a whole response from a connection the server closes after it.
pub async fn read_response(s: &mut TcpStream) -> Resp {
    let mut raw = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(30), s.read_to_end(&mut raw)).await.expect("response within 30 s");
    parse_response(&raw)
}

pub fn parse_response(raw: &[u8]) -> Resp {
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap_or_else(|| panic!("no response head in {:?}", String::from_utf8_lossy(raw)));
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or("");
    let status = status_line.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("bad status line {status_line:?}"));
    let headers: Vec<(String, String)> =
        lines.filter_map(|l| l.split_once(':')).map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned())).collect();
    let rest = &raw[split + 4..];
    let chunked = headers.iter().any(|(k, v)| k == "transfer-encoding" && v.contains("chunked"));
    let body = if chunked { dechunk(rest) } else { rest.to_vec() };
    Resp { status, headers, body }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = data.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(String::from_utf8_lossy(&data[..eol]).trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        let start = eol + 2;
        let end = (start + size).min(data.len());
        out.extend_from_slice(&data[start..end]);
        data = &data[(end + 2).min(data.len())..];
    }
    out
}

/// A keep-alive connection for sending many requests (load and concurrency tests).
pub struct Conn {
    r: BufReader<TcpStream>,
    addr: SocketAddr,
}

impl Conn {
    pub async fn open(addr: SocketAddr) -> std::io::Result<Conn> {
        let s = TcpStream::connect(addr).await?;
        s.set_nodelay(true)?;
        Ok(Conn { r: BufReader::new(s), addr })
    }

    /// POSTs `body` to `path`; returns the status and body.
    pub async fn post(&mut self, path: &str, body: &[u8]) -> std::io::Result<(u16, Vec<u8>)> {
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n",
            self.addr,
            body.len()
        );
        let s = self.r.get_mut();
        s.write_all(head.as_bytes()).await?;
        s.write_all(body).await?;
        let mut line = String::new();
        if self.r.read_line(&mut line).await? == 0 {
            return Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "connection closed"));
        }
        let status = line.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
        let mut len = 0usize;
        loop {
            line.clear();
            if self.r.read_line(&mut line).await? == 0 {
                return Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "connection closed in head"));
            }
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            if let Some((k, v)) = l.split_once(':') {
                if k.eq_ignore_ascii_case("content-length") {
                    len = v.trim().parse().unwrap_or(0);
                }
            }
        }
        let mut body = vec![0; len];
        self.r.read_exact(&mut body).await?;
        Ok((status, body))
    }
}

/// The real binary, spawned with arguments; its banner tells the bound address.
pub struct Proc {
    pub child: std::process::Child,
    pub addr: SocketAddr,
}

impl Proc {
    pub fn spawn(database: &str, extra: &[&str]) -> Proc {
        use std::io::BufRead;
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_shirube-collector"))
            .args(["serve", "--listen", "127.0.0.1:0", "--database", database, "--log-level", "warn"])
            .args(extra)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::inherit())
            .spawn()
            .expect("spawn the collector");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = std::io::BufReader::new(stdout).lines();
        let first = lines.next().and_then(|l| l.ok()).unwrap_or_default();
        let addr = first
            .split("http://")
            .nth(1)
            .and_then(|a| a.trim().parse().ok())
            .unwrap_or_else(|| panic!("no address in the banner {first:?}"));
        // Keep draining stdout so the child never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Proc { child, addr }
    }

    pub fn signal(&self, sig: &str) {
        let ok = std::process::Command::new("kill").args([sig, &self.child.id().to_string()]).status().map(|s| s.success());
        assert_eq!(ok.ok(), Some(true), "kill {sig} failed");
    }

    /// Waits for the process to exit; `None` if it is still running after `limit`.
    pub fn wait_timeout(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let t0 = std::time::Instant::now();
        while t0.elapsed() < limit {
            if let Ok(Some(s)) = self.child.try_wait() {
                return Some(s);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        // Only this child, by its own handle: never a broad kill.
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Writes a configuration file declaring the test projects, for spawned binaries.
pub fn config_file(dir: &std::path::Path, limits: &str) -> PathBuf {
    let mut t = String::from(limits);
    t.push('\n');
    for p in projects() {
        t.push_str(&format!(
            "[[projects]]\nname = \"{}\"\nwrite_key = \"{}\"\nadmin_token = \"{}\"\n{}origins = [{}]\n\n",
            p.name,
            p.write_key,
            p.admin_token,
            p.identity_secret.map(|s| format!("identity_secret = \"{s}\"\n")).unwrap_or_default(),
            p.origins.iter().map(|o| format!("\"{o}\"")).collect::<Vec<_>>().join(", ")
        ));
    }
    let path = dir.join(format!("collector-{}.toml", unique()));
    std::fs::write(&path, t).expect("write config");
    path
}
