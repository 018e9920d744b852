//! The real binary under faults, on SQLite and PostgreSQL: `kill -9` in the middle of a load
//! must lose no event that was answered 200, and SIGTERM must stop accepting, finish what is in
//! flight and exit 0 within the grace period.

mod common;

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use tokio::io::AsyncWriteExt;

const LIMITS: &str = "[limits]\nrate_per_second = 1000000\nburst = 1000000\n";

fn temp_dir() -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("shirube-proc-{}", unique()));
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

async fn exported_ids(addr: std::net::SocketAddr) -> HashSet<String> {
    let r = request(addr, "GET", "/v1/export", &[("Authorization", &format!("Bearer {ADMIN}"))], b"").await;
    assert_eq!(r.status, 200);
    r.text()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("ndjson")["event_id"].as_str().unwrap_or("").to_owned())
        .collect()
}

async fn kill_9_under_load_loses_nothing_acknowledged(b: Backend) {
    let db = Db::fresh(&b).await;
    let dir = temp_dir();
    let config = config_file(&dir, LIMITS);
    let config_arg = config.display().to_string();
    let mut proc = Proc::spawn(&db.url, &["--config", &config_arg]);
    let acked = Arc::new(Mutex::new(Vec::<String>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let seed = seed();
    let mut tasks = Vec::new();
    for t in 0..4u64 {
        let (acked, stop, addr) = (acked.clone(), stop.clone(), proc.addr);
        tasks.push(tokio::spawn(async move {
            let Ok(mut conn) = Conn::open(addr).await else { return };
            let mut n = 0u64;
            // Bounded: at most 10 s, and it stops at the kill anyway.
            let t0 = Instant::now();
            while !stop.load(Ordering::Relaxed) && t0.elapsed() < Duration::from_secs(10) {
                let ids: Vec<String> = (0..10).map(|i| uuid(seed, t * 1_000_000 + n * 10 + i)).collect();
                n += 1;
                let body = batch(KEY, &ids.iter().map(|i| event(i)).collect::<Vec<_>>());
                match conn.post("/v1/batch", body.as_bytes()).await {
                    Ok((200, _)) => acked.lock().expect("lock").extend(ids),
                    Ok((status, body)) => panic!("unexpected {status}: {}", String::from_utf8_lossy(&body)),
                    Err(_) => break, // the process died mid-request: no answer, no promise
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    proc.child.kill().expect("SIGKILL"); // std's kill is SIGKILL
    let _ = proc.child.wait();
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        t.await.expect("load task");
    }
    let acked: Vec<String> = acked.lock().expect("lock").clone();
    assert!(acked.len() >= 100, "the load ran: {} events acknowledged", acked.len());

    // Restart on the same database: recovery, then every acknowledged event is there.
    let mut again = Proc::spawn(&db.url, &["--config", &config_arg]);
    let stored = exported_ids(again.addr).await;
    let missing: Vec<&String> = acked.iter().filter(|id| !stored.contains(*id)).collect();
    assert!(missing.is_empty(), "{} of {} acknowledged events lost, e.g. {:?}", missing.len(), acked.len(), missing.first());
    assert!(stored.len() >= acked.len());
    eprintln!("kill -9: {} acknowledged, {} stored after restart", acked.len(), stored.len());
    again.signal("-TERM");
    assert!(again.wait_timeout(Duration::from_secs(15)).is_some_and(|s| s.success()));
    let _ = std::fs::remove_dir_all(dir);
}

async fn sigterm_drains_in_flight_requests(b: Backend) {
    let db = Db::fresh(&b).await;
    let dir = temp_dir();
    let config = config_file(&dir, LIMITS);
    let mut proc = Proc::spawn(&db.url, &["--config", &config.display().to_string()]);
    let id = uuid(seed(), 1);
    let body = batch(KEY, &[event(&id)]);
    let (first, rest) = body.as_bytes().split_at(body.len() / 2);
    let mut c = tokio::net::TcpStream::connect(proc.addr).await.expect("connect");
    c.write_all(format!("POST /v1/batch HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n", body.len()).as_bytes()).await.expect("head");
    c.write_all(first).await.expect("first half");
    tokio::time::sleep(Duration::from_millis(200)).await;
    let t0 = Instant::now();
    proc.signal("-TERM");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(tokio::net::TcpStream::connect(proc.addr).await.is_err(), "no new connections after SIGTERM");
    // The request in flight still completes, and is stored.
    c.write_all(rest).await.expect("second half");
    let r = read_response(&mut c).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["accepted"], 1);
    let status = proc.wait_timeout(Duration::from_secs(10)).expect("exits within the grace period");
    assert!(status.success(), "exit status {status:?}");
    assert!(t0.elapsed() < Duration::from_secs(10));
    assert_eq!(db.count_events().await, 1);
    let _ = std::fs::remove_dir_all(dir);
}

async fn sigterm_gives_up_on_stuck_requests_after_the_grace(b: Backend) {
    let db = Db::fresh(&b).await;
    let dir = temp_dir();
    let config = config_file(&dir, "[limits]\nshutdown_grace_ms = 1000\nbody_timeout_ms = 60000\n");
    let mut proc = Proc::spawn(&db.url, &["--config", &config.display().to_string()]);
    let mut c = tokio::net::TcpStream::connect(proc.addr).await.expect("connect");
    c.write_all(b"POST /v1/batch HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{").await.expect("head");
    tokio::time::sleep(Duration::from_millis(200)).await;
    let t0 = Instant::now();
    proc.signal("-TERM");
    let status = proc.wait_timeout(Duration::from_secs(8)).expect("exits soon after the grace period");
    assert!(status.success());
    assert!(t0.elapsed() >= Duration::from_millis(900), "it waited for the grace period: {:?}", t0.elapsed());
    drop(c);
    let _ = std::fs::remove_dir_all(dir);
}

both!(
    kill_9_under_load_loses_nothing_acknowledged,
    sigterm_drains_in_flight_requests,
    sigterm_gives_up_on_stuck_requests_after_the_grace,
);

/// `serve --dev` as DESIGN.md's contract says: SQLite in a temporary directory, the project
/// `demo` with its keys printed, any origin, state sync with `sb_secret_demo`; the directory is
/// removed on exit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_dev_is_the_contract() {
    use std::io::BufRead;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_shirube-collector"))
        .args(["serve", "--dev", "--listen", "127.0.0.1:0", "--log-level", "warn"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let stdout = child.stdout.take().expect("stdout");
    let banner: Vec<String> = std::io::BufReader::new(stdout).lines().take(7).map(|l| l.unwrap_or_default()).collect();
    let text = banner.join("\n");
    for want in ["sb_pub_demo", "sb_admin_demo", "sb_secret_demo", "project   demo"] {
        assert!(text.contains(want), "banner lacks {want}: {text}");
    }
    let addr: std::net::SocketAddr = banner[0].split("http://").nth(1).and_then(|a| a.trim().parse().ok()).expect("address");
    let db_path = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("database  sqlite:"))
        .and_then(|l| l.split(' ').next())
        .map(std::path::PathBuf::from)
        .expect("database path");
    assert!(db_path.exists() && db_path.starts_with(std::env::temp_dir()), "{db_path:?}");
    let id = uuid(seed(), 1);
    let r = request(addr, "POST", "/v1/batch", &[("Origin", "https://anything.example")], batch("sb_pub_demo", &[event(&id)]).as_bytes()).await;
    assert_eq!((r.status, r.json()["accepted"].as_i64()), (200, Some(1)), "{}", r.text());
    let exp = request(addr, "GET", "/v1/export", &[("Authorization", "Bearer sb_admin_demo")], b"").await;
    assert!(exp.text().contains(&id));
    let h = shirube_collector::project::sign_user("sb_secret_demo", "u_1");
    let r = request(addr, "POST", &format!("/v1/state/demo/u_1?wk=sb_pub_demo&h={h}"), &[], br#"{"state":{"a":1},"base_version":0}"#).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let ok = std::process::Command::new("kill").args(["-TERM", &child.id().to_string()]).status().map(|s| s.success());
    assert_eq!(ok.ok(), Some(true));
    let status = child.wait().expect("wait");
    assert!(status.success());
    assert!(!db_path.exists(), "the temporary database is removed at exit");
}

/// `project create` prints keys that work at once against a running collector on the same
/// database (it re-reads projects on an unknown key), and refuses a second project of that name.
async fn project_create_then_use(b: Backend) {
    let db = Db::fresh(&b).await;
    let mut server = Proc::spawn(&db.url, &[]);
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_shirube-collector"))
            .args(args)
            .args(["--database", &db.url, "--log-level", "warn"])
            .output()
            .expect("run the CLI")
    };
    let out = run(&["project", "create", "shop", "--origin", "https://shop.example.com"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.trim().strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .map(str::to_owned)
            .unwrap_or_else(|| panic!("no {name} in {text}"))
    };
    let (key, admin, secret) = (field("write key"), field("admin token"), field("identity secret"));
    assert!(key.starts_with("sb_pub_") && admin.starts_with("sb_admin_") && secret.starts_with("sb_secret_"), "{text}");
    let id = uuid(seed(), 1);
    // The running collector re-reads projects on an unknown key at most every 250 ms.
    let t0 = std::time::Instant::now();
    let r = loop {
        let r = request(server.addr, "POST", "/v1/batch", &[("Origin", "https://shop.example.com")], batch(&key, &[event(&id)]).as_bytes()).await;
        if r.status != 401 || t0.elapsed() > Duration::from_secs(1) {
            break r;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(r.status, 200, "{}", r.text());
    let r = request(server.addr, "POST", "/v1/batch", &[("Origin", "https://other.example.com")], batch(&key, &[event(&id)]).as_bytes()).await;
    assert_eq!(r.status, 403);
    let exp = request(server.addr, "GET", "/v1/export", &[("Authorization", &format!("Bearer {admin}"))], b"").await;
    assert!(exp.text().contains(&id));
    let again = run(&["project", "create", "shop"]);
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
    let list = run(&["project", "list"]);
    let listed = String::from_utf8_lossy(&list.stdout);
    assert!(listed.contains("shop") && listed.contains(&key) && listed.contains("events 1"), "{listed}");
    assert_eq!(run(&["project", "create", "bad name!"]).status.code(), Some(2));
    server.signal("-TERM");
    assert!(server.wait_timeout(Duration::from_secs(15)).is_some_and(|s| s.success()));
}

both!(project_create_then_use);
