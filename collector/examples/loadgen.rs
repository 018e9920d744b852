//! The benchmark load generator behind BENCHMARKS.md ("Collector"). Two modes:
//!
//! `raw`  — the ceiling for this design: batched inserts straight into the same database, same
//!          table, same indexes, same statement with every column bound, same durability
//!          settings; no HTTP and no JSON.
//!          loadgen raw --database URL --batch 500 --events 200000
//! `store` — the same database work as the collector, without HTTP and JSON: batches of N
//!          events, parsed and prepared before the clock starts, handed to the collector's own
//!          `Store::ingest` by C concurrent tasks (so the writer groups them into transactions
//!          as it does under HTTP): events, the `users` upsert and the dashboard's rollups.
//!          loadgen store --database URL --batch 10 --events 200000 --connections 32
//! `http` — sustained ingest through a running collector: C keep-alive connections, each with
//!          one request in flight at a time (a closed loop, so the load is bounded), batches of
//!          N unique events, for D seconds. Reports events/s and request latency p50 / p99.
//!          loadgen http --addr 127.0.0.1:8787 --key sb_pub_demo --batch 10 --connections 32 --seconds 10
//!          With `--users N`, events are spread over N users (the default puts every event on
//!          one user, which makes the dashboard's per-user rollups nearly free: see
//!          BENCHMARKS.md, "Dashboard").
//!
//! Every run prints one JSON line, so scripts can take medians.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use shirube_collector::metrics::Metrics;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned()
}

fn num(args: &[String], name: &str, default: u64) -> u64 {
    arg(args, name).and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn uuid(run: u32, n: u64) -> String {
    format!("{run:08x}-0000-7000-8000-{n:012x}")
}

/// An event of user `u_<user>` (spread over many users with `--users`).
fn event_of(id: &str, ts: i64, user: u64) -> String {
    event(id, ts).replacen("\"user_id\":\"u_1\"", &format!("\"user_id\":\"u_{user}\""), 1)
}

fn event(id: &str, ts: i64) -> String {
    format!(
        r#"{{"event_id":"{id}","name":"step_viewed","timestamp":{ts},"user_id":"u_{}","anonymous_id":"a_1","session_id":"s_1","seq":17,"spec_revision":"2026-11-22.3","flow_id":"welcome","step_id":"create","properties":{{"index":0,"total":2}},"context":{{"traits":{{"plan":"free","tier":"tech"}},"locale":"ja","path":"/app/dashboard","stage":"onboarding"}}}}"#,
        id.len() % 7
    )
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let out = match args.first().map(String::as_str) {
        Some("raw") => rt.block_on(raw(&args)),
        Some("http") => rt.block_on(http(&args)),
        Some("store") => rt.block_on(store_mode(&args)),
        _ => Err("usage: loadgen raw --database URL [--batch N] [--events N] | loadgen store --database URL [--batch N] [--events N] [--connections C] [--users N] | loadgen http --addr A --key K [--batch N] [--connections C] [--seconds S] [--users N]".into()),
    };
    match out {
        Ok(line) => println!("{line}"),
        Err(e) => {
            eprintln!("loadgen: {e}");
            std::process::exit(1);
        }
    }
}

fn run_id() -> u32 {
    (shirube_collector::now_ms() as u32) ^ (std::process::id() << 16)
}

async fn raw(args: &[String]) -> Result<String, String> {
    let url = arg(args, "--database").ok_or("--database is required")?;
    let batch = num(args, "--batch", 500).max(1) as usize;
    let total = num(args, "--events", 200_000) as usize;
    // Create the schema exactly as the collector does, then step aside.
    let store = shirube_collector::store::open(&url, Arc::new(Metrics::default())).await.map_err(|e| e.to_string())?;
    store.close().await;
    let run = run_id();
    let now = shirube_collector::now_ms();
    let t0 = Instant::now();
    if let Some(path) = url.strip_prefix("sqlite:") {
        let path = path.to_owned();
        tokio::task::spawn_blocking(move || raw_sqlite(&path, run, now, batch, total)).await.map_err(|e| e.to_string())??;
    } else {
        raw_pg(&url, run, now, batch, total).await?;
    }
    let secs = t0.elapsed().as_secs_f64();
    Ok(format!(r#"{{"mode":"raw","batch":{batch},"events":{total},"seconds":{secs:.3},"events_per_s":{:.0}}}"#, total as f64 / secs))
}

async fn store_mode(args: &[String]) -> Result<String, String> {
    use shirube_collector::batch::{corrected_time, parse_batch};
    use shirube_collector::store::{EventRow, IngestBatch};
    let url = arg(args, "--database").ok_or("--database is required")?;
    let batch = num(args, "--batch", 10).max(1) as usize;
    let total = num(args, "--events", 200_000) as usize;
    let conns = num(args, "--connections", 32).max(1) as usize;
    let users = num(args, "--users", 0);
    let store = shirube_collector::store::open(&url, Arc::new(Metrics::default())).await.map_err(|e| e.to_string())?;
    let run = run_id();
    // Prepare every batch first: the clock measures the database work only.
    let mut batches = Vec::with_capacity(total / batch + 1);
    let mut n = 0usize;
    while n < total {
        let ts = shirube_collector::now_ms();
        let mut body = format!(r#"{{"write_key":"sb_pub_bench","sent_at":{ts},"events":["#);
        for i in n..(n + batch).min(total) {
            if i > n {
                body.push(',');
            }
            let id = uuid(run, i as u64);
            body.push_str(&if users > 0 { event_of(&id, ts - 5, i as u64 % users) } else { event(&id, ts - 5) });
        }
        body.push_str("]}");
        let parsed = parse_batch(body.as_bytes()).map_err(|e| format!("{e:?}"))?;
        let received_at = shirube_collector::now_ms();
        let events = parsed
            .events
            .into_iter()
            .filter_map(Result::ok)
            .map(|(_, record)| {
                let (corrected_at, flag) = corrected_time(record.timestamp, parsed.sent_at, received_at);
                EventRow { record, corrected_at, time_flag: flag.map(|f| f.as_str()) }
            })
            .collect::<Vec<_>>();
        batches.push(IngestBatch { project_id: 1, received_at, sent_at: parsed.sent_at, sdk_version: parsed.sdk_version, events, rejected: Vec::new() });
        n += batch;
    }
    let queue = Arc::new(std::sync::Mutex::new(batches));
    let t0 = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..conns {
        let (queue, store) = (queue.clone(), store.clone());
        tasks.push(tokio::spawn(async move {
            let mut stored = 0u64;
            loop {
                let next = queue.lock().map_err(|e| e.to_string())?.pop();
                let Some(b) = next else { break };
                stored += store.ingest(b).await.map_err(|e| e.to_string())?.accepted;
            }
            Ok::<u64, String>(stored)
        }));
    }
    let mut stored = 0;
    for t in tasks {
        stored += t.await.map_err(|e| e.to_string())??;
    }
    let secs = t0.elapsed().as_secs_f64();
    store.close().await;
    if stored != total as u64 {
        return Err(format!("stored {stored} of {total} events"));
    }
    Ok(format!(r#"{{"mode":"store","batch":{batch},"events":{total},"connections":{conns},"seconds":{secs:.3},"events_per_s":{:.0}}}"#, total as f64 / secs))
}

const COLS: &str = "project_id, event_id, name, timestamp, user_id, anonymous_id, session_id, seq, spec_revision, flow_id, step_id, event, properties, context, sent_at, received_at, corrected_at, time_flag, sdk_version";
const PROPS: &str = r#"{"index":0,"total":2}"#;
const CTX: &str = r#"{"traits":{"plan":"free","tier":"tech"},"locale":"ja","path":"/app/dashboard","stage":"onboarding"}"#;

/// The ceiling binds every column as the collector does (no constants folded into the SQL),
/// so it measures the same rows through the same statement shape.
fn raw_sqlite(path: &str, run: u32, now: i64, batch: usize, total: usize) -> Result<(), String> {
    let mut c = rusqlite::Connection::open(path).map_err(|e| e.to_string())?;
    // The collector's own connection settings (WAL, synchronous=FULL, cache size).
    c.execute_batch("PRAGMA journal_mode=WAL;").map_err(|e| e.to_string())?;
    c.execute_batch(shirube_collector::store::sqlite::PRAGMAS).map_err(|e| e.to_string())?;
    let mut n = 0;
    while n < total {
        let tx = c.transaction().map_err(|e| e.to_string())?;
        {
            let mut st = tx
                .prepare_cached(&format!(
                    "INSERT INTO events ({COLS}) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19) \
                     ON CONFLICT (project_id, event_id) DO NOTHING"
                ))
                .map_err(|e| e.to_string())?;
            for i in n..(n + batch).min(total) {
                st.execute(rusqlite::params![
                    1i64,
                    uuid(run, i as u64),
                    "step_viewed",
                    now - 5,
                    format!("u_{}", i % 7),
                    "a_1",
                    "s_1",
                    17i64,
                    "2026-11-22.3",
                    "welcome",
                    "create",
                    Option::<String>::None,
                    PROPS,
                    CTX,
                    now,
                    now,
                    now - 5,
                    Option::<String>::None,
                    "0.1.0"
                ])
                .map_err(|e| e.to_string())?;
            }
        }
        tx.commit().map_err(|e| e.to_string())?;
        n += batch;
    }
    Ok(())
}

async fn raw_pg(url: &str, run: u32, now: i64, batch: usize, total: usize) -> Result<(), String> {
    let (mut c, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls).await.map_err(|e| e.to_string())?;
    tokio::spawn(conn);
    let sql = format!(
        "INSERT INTO events ({COLS})
         SELECT * FROM unnest($1::BIGINT[], $2::TEXT[], $3::TEXT[], $4::BIGINT[], $5::TEXT[], $6::TEXT[], $7::TEXT[],
           $8::BIGINT[], $9::TEXT[], $10::TEXT[], $11::TEXT[], $12::TEXT[], $13::TEXT[], $14::TEXT[], $15::BIGINT[],
           $16::BIGINT[], $17::BIGINT[], $18::TEXT[], $19::TEXT[])
         ON CONFLICT (project_id, event_id) DO NOTHING
         RETURNING project_id, event_id"
    );
    let mut n = 0;
    while n < total {
        let end = (n + batch).min(total);
        let k = end - n;
        let ids: Vec<String> = (n..end).map(|i| uuid(run, i as u64)).collect();
        let users: Vec<Option<String>> = (n..end).map(|i| Some(format!("u_{}", i % 7))).collect();
        let none: Vec<Option<&str>> = vec![None; k];
        let tx = c.transaction().await.map_err(|e| e.to_string())?;
        tx.query(
            &sql,
            &[
                &vec![1i64; k],
                &ids,
                &vec!["step_viewed"; k],
                &vec![now - 5; k],
                &users,
                &vec!["a_1"; k],
                &vec![Some("s_1"); k],
                &vec![Some(17i64); k],
                &vec![Some("2026-11-22.3"); k],
                &vec![Some("welcome"); k],
                &vec![Some("create"); k],
                &none,
                &vec![PROPS; k],
                &vec![Some(CTX); k],
                &vec![Some(now); k],
                &vec![now; k],
                &vec![now - 5; k],
                &none,
                &vec![Some("0.1.0"); k],
            ],
        )
        .await
        .map_err(|e| e.to_string())?;
        tx.commit().await.map_err(|e| e.to_string())?;
        n = end;
    }
    Ok(())
}

async fn http(args: &[String]) -> Result<String, String> {
    let addr: SocketAddr = arg(args, "--addr").ok_or("--addr is required")?.parse().map_err(|e| format!("--addr: {e}"))?;
    let key = arg(args, "--key").unwrap_or_else(|| "sb_pub_demo".into());
    let batch = num(args, "--batch", 10) as usize;
    let conns = num(args, "--connections", 32) as usize;
    let seconds = num(args, "--seconds", 10).clamp(1, 120);
    let users = num(args, "--users", 0);
    let run = run_id();
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for c in 0..conns {
        let key = key.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let (mut ok, mut failed) = (0u64, 0u64);
            let s = TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
            s.set_nodelay(true).map_err(|e| e.to_string())?;
            let mut r = BufReader::new(s);
            let mut n = 0u64;
            // One buffer per connection, reused: the generator should cost the machine as
            // little as possible, since it shares the two cores with the collector.
            let mut req = String::with_capacity(64 * 1024);
            let prefix = format!(r#"{{"write_key":"{key}","attempt":0,"sdk":{{"name":"shirube","version":"0.1.0"}},"sent_at":"#);
            while Instant::now() < deadline {
                use std::fmt::Write as _;
                let ts = shirube_collector::now_ms();
                let mut body = String::with_capacity(batch * 480 + 128);
                body.push_str(&prefix);
                let _ = write!(body, "{ts},\"events\":[");
                for i in 0..batch {
                    if i > 0 {
                        body.push(',');
                    }
                    let id = uuid(run, (c as u64) << 32 | (n * batch as u64 + i as u64));
                    if users > 0 {
                        let k = (c as u64).wrapping_mul(7_919).wrapping_add(n * batch as u64 + i as u64) % users;
                        body.push_str(&event_of(&id, ts - 5, k));
                    } else {
                        body.push_str(&event(&id, ts - 5));
                    }
                }
                body.push_str("]}");
                n += 1;
                req.clear();
                let _ = write!(req, "POST /v1/batch HTTP/1.1\r\nHost: {addr}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n", body.len());
                req.push_str(&body);
                let t0 = Instant::now();
                r.get_mut().write_all(req.as_bytes()).await.map_err(|e| e.to_string())?;
                let mut line = String::new();
                r.read_line(&mut line).await.map_err(|e| e.to_string())?;
                let status: u16 = line.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
                let mut len = 0usize;
                loop {
                    line.clear();
                    if r.read_line(&mut line).await.map_err(|e| e.to_string())? == 0 {
                        return Err("connection closed".to_string());
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
                let mut buf = vec![0; len];
                r.read_exact(&mut buf).await.map_err(|e| e.to_string())?;
                lat.push(t0.elapsed());
                if status == 200 {
                    ok += 1;
                } else {
                    failed += 1;
                }
            }
            Ok::<_, String>((lat, ok, failed))
        }));
    }
    let t0 = Instant::now();
    let mut lat = Vec::new();
    let (mut ok, mut failed) = (0, 0);
    for t in tasks {
        let (l, o, f) = t.await.map_err(|e| e.to_string())??;
        lat.extend(l);
        ok += o;
        failed += f;
    }
    let secs = t0.elapsed().as_secs_f64().max(seconds as f64);
    lat.sort_unstable();
    let pct = |p: f64| lat.get(((lat.len() as f64 - 1.0) * p).round() as usize).map_or(0.0, |d| d.as_secs_f64() * 1000.0);
    Ok(format!(
        r#"{{"mode":"http","batch":{batch},"connections":{conns},"seconds":{secs:.2},"requests_ok":{ok},"requests_failed":{failed},"events_per_s":{:.0},"p50_ms":{:.2},"p99_ms":{:.2}}}"#,
        (ok * batch as u64) as f64 / secs,
        pct(0.5),
        pct(0.99)
    ))
}
