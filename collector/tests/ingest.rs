//! `POST /v1/batch` end to end over real sockets, on SQLite and on PostgreSQL: deduplication,
//! per-event rejection, limits, abuse, keys, origins, rate limits, timeouts, storage failure,
//! and what ends up in `events`, `users` and `quarantine`.

mod common;

use std::io::Write;
use std::time::Duration;

use common::*;
use tokio::io::AsyncWriteExt;

async fn duplicates_within_and_across_batches(b: Backend) {
    let s = Server::start(&b).await;
    let seed = seed();
    let (a, c) = (uuid(seed, 1), uuid(seed, 2));
    let r = s.post("/v1/batch", &batch(KEY, &[event(&a), event(&a), event(&c)])).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json(), serde_json::json!({"accepted": 2, "duplicates": 1, "rejected": []}));
    // A retry of the same batch (attempt 1) is all duplicates, and counts as delivered.
    let r = s.post("/v1/batch", &batch(KEY, &[event(&a), event(&c)])).await;
    assert_eq!(r.json(), serde_json::json!({"accepted": 0, "duplicates": 2, "rejected": []}));
    // Upper-case spelling of the same UUID is the same event.
    let r = s.post("/v1/batch", &batch(KEY, &[event(&a.to_uppercase())])).await;
    assert_eq!(r.json()["duplicates"], 1);
    // The same id in another project is another event.
    let r = s.post("/v1/batch", &batch(OTHER_KEY, &[event(&a)])).await;
    assert_eq!(r.json()["accepted"], 1);
    let db = s.stop().await;
    assert_eq!(db.count_events().await, 3);
}

async fn fifty_concurrent_requests_with_one_id(b: Backend) {
    let s = Server::start(&b).await;
    let id = uuid(seed(), 7);
    let body = batch(KEY, &[event(&id)]);
    let mut tasks = Vec::new();
    for _ in 0..50 {
        let (addr, body) = (s.addr, body.clone());
        tasks.push(tokio::spawn(async move {
            request(addr, "POST", "/v1/batch", &[("Content-Type", "text/plain")], body.as_bytes()).await
        }));
    }
    let (mut accepted, mut duplicates) = (0, 0);
    for t in tasks {
        let r = t.await.expect("task");
        assert_eq!(r.status, 200, "{}", r.text());
        accepted += r.json()["accepted"].as_i64().unwrap_or(-100);
        duplicates += r.json()["duplicates"].as_i64().unwrap_or(-100);
    }
    assert_eq!((accepted, duplicates), (1, 49));
    let db = s.stop().await;
    assert_eq!(db.count_events().await, 1);
}

async fn two_collectors_on_one_database(b: Backend) {
    let s1 = Server::start(&b).await;
    // A second server on the same database, as a second process would be.
    let same = Db::reuse(&s1.db);
    let s2 = Server::on(same, |_| {}).await;
    let seed = seed();
    let ids: Vec<String> = (0..20).map(|n| uuid(seed, n)).collect();
    let mut tasks = Vec::new();
    for round in 0..10 {
        for addr in [s1.addr, s2.addr] {
            // Overlapping batches in different orders: the case that deadlocks naive writers.
            let mut evs: Vec<String> = ids.iter().map(|i| event(i)).collect();
            if round % 2 == 1 {
                evs.reverse();
            }
            let body = batch(KEY, &evs);
            tasks.push(tokio::spawn(async move { request(addr, "POST", "/v1/batch", &[], body.as_bytes()).await }));
        }
    }
    let mut accepted = 0;
    for t in tasks {
        let r = t.await.expect("task");
        assert_eq!(r.status, 200, "{}", r.text());
        accepted += r.json()["accepted"].as_i64().unwrap_or(-100);
    }
    assert_eq!(accepted, 20, "each event is accepted exactly once across both collectors");
    s2.stop().await;
    let db = s1.stop().await;
    assert_eq!(db.count_events().await, 20);
}

async fn partly_invalid_batch(b: Backend) {
    let s = Server::start(&b).await;
    let seed = seed();
    let good = |n| event(&uuid(seed, n));
    let events = vec![
        good(1),
        r#"{"name":"step_viewed","timestamp":1763799990456,"anonymous_id":"a"}"#.to_string(),
        good(2),
        event("not-a-uuid"),
        event(&uuid(seed, 3)).replace("step_viewed", "step_seen"),
        event(&uuid(seed, 4)).replace("1763799990456", "17637999904560000"),
        event(&uuid(seed, 5)).replace("\"seq\":17", "\"seq\":\"17\""),
        good(6),
    ];
    let r = s.post("/v1/batch", &batch(KEY, &events)).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        r.json(),
        serde_json::json!({"accepted": 3, "duplicates": 0, "rejected": [
            {"i": 1, "code": "missing_field"}, {"i": 3, "code": "bad_event_id"}, {"i": 4, "code": "bad_name"},
            {"i": 5, "code": "bad_timestamp"}, {"i": 6, "code": "bad_field"}]})
    );
    let db = s.stop().await;
    assert_eq!(db.count_events().await, 3);
    assert_eq!(db.scalar("SELECT count(*) FROM quarantine").await, 5);
    assert_eq!(db.scalar("SELECT count(*) FROM quarantine WHERE code = 'bad_name' AND idx = 4").await, 1);
    let kept = db.text("SELECT raw FROM quarantine WHERE code = 'bad_name'").await.unwrap_or_default();
    assert!(kept.contains("step_seen"), "the quarantine keeps the event text: {kept}");
    // The hourly purge keeps rejections younger than the retention and deletes older ones.
    let metrics = std::sync::Arc::new(shirube_collector::metrics::Metrics::default());
    let store = shirube_collector::store::open(&db.url, metrics).await.expect("open");
    let now = shirube_collector::now_ms();
    assert_eq!(store.purge_quarantine(now - 7 * 86_400_000).await.expect("purge"), 0);
    assert_eq!(store.purge_quarantine(now + 1_000).await.expect("purge"), 5);
    store.close().await;
    assert_eq!(db.scalar("SELECT count(*) FROM quarantine").await, 0);
    assert_eq!(db.count_events().await, 3, "events are not touched by the purge");
}

async fn oversize_bodies(b: Backend) {
    let s = Server::start(&b).await;
    // Declared: refused from the head alone, nothing read.
    let r = s
        .req("POST", "/v1/batch", &[("Content-Length", "600000")], b"")
        .await;
    assert_eq!((r.status, r.code()), (413, "too_large".into()), "{}", r.text());
    // Chunked, no length declared: refused once 512 KiB have been read.
    let big = batch(KEY, &[format!(r#"{{"pad":"{}"}}"#, "x".repeat(600 * 1024))]);
    let mut chunked = Vec::new();
    for part in big.as_bytes().chunks(16 * 1024) {
        write!(chunked, "{:x}\r\n", part.len()).ok();
        chunked.extend_from_slice(part);
        chunked.extend_from_slice(b"\r\n");
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    let r = s.req("POST", "/v1/batch", &[("Transfer-Encoding", "chunked")], &chunked).await;
    assert_eq!((r.status, r.code()), (413, "too_large".into()));
    // Gzip that inflates past the limit (a bomb of 10 MiB) is refused while inflating.
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(format!(r#"{{"write_key":"{KEY}","events":[],"pad":"{}"}}"#, " ".repeat(10 << 20)).as_bytes()).ok();
    let bomb = e.finish().expect("gzip");
    let r = s.req("POST", "/v1/batch", &[("Content-Encoding", "gzip")], &bomb).await;
    assert_eq!((r.status, r.code()), (413, "too_large".into()));
    // Gzip within the limit is accepted.
    let seed = seed();
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(batch(KEY, &[event(&uuid(seed, 1))]).as_bytes()).ok();
    let r = s.req("POST", "/v1/batch", &[("Content-Encoding", "gzip")], &e.finish().expect("gzip")).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["accepted"], 1);
    // More than 500 events: 413 so the SDK splits the batch.
    let many: Vec<String> = (0..501).map(|n| event(&uuid(seed, 100 + n))).collect();
    let body = batch(KEY, &many);
    assert!(body.len() < 512 * 1024);
    let r = s.post("/v1/batch", &body).await;
    assert_eq!((r.status, r.code()), (413, "too_many_events".into()));
    // One event over 32 KiB is rejected alone.
    let fat = event(&uuid(seed, 2)).replace("\"index\":0", &format!("\"pad\":\"{}\"", "y".repeat(33 * 1024)));
    let r = s.post("/v1/batch", &batch(KEY, &[fat, event(&uuid(seed, 3))])).await;
    assert_eq!(r.json(), serde_json::json!({"accepted": 1, "duplicates": 0, "rejected": [{"i": 0, "code": "too_large"}]}));
    let r = s.req("POST", "/v1/batch", &[("Content-Encoding", "br")], b"{}").await;
    assert_eq!((r.status, r.code()), (415, "unsupported_encoding".into()));
    let db = s.stop().await;
    assert_eq!(db.count_events().await, 2);
}

async fn malformed_and_abusive_input(b: Backend) {
    let s = Server::start(&b).await;
    for (body, what) in [
        ("", "empty"),
        ("not json", "text"),
        ("[]", "an array"),
        ("{\"write_key\":\"sb_pub_acme_test\"}", "no events"),
        ("{\"write_key\":\"sb_pub_acme_test\",\"events\":[NaN]}", "NaN"),
        ("{\"write_key\":\"sb_pub_acme_test\",\"events\":[Infinity]}", "Infinity"),
        ("{\"write_key\":\"sb_pub_acme_test\",\"events\":[{\"a\":1}", "truncated"),
        ("{\"write_key\":\"sb_pub_acme_test\",\"events\":{}}", "events not an array"),
    ] {
        let r = s.post("/v1/batch", body).await;
        assert_eq!((r.status, r.code()), (400, "malformed".into()), "{what}: {}", r.text());
        assert!(!r.json()["message"].as_str().unwrap_or("").is_empty());
    }
    let r = s.req("POST", "/v1/batch", &[], b"{\"events\":[\xff\xfe]}").await;
    assert_eq!(r.status, 400, "invalid UTF-8");
    // Nesting 100 000 deep outside the events: refused as malformed, no stack overflow.
    let deep = format!("{{\"write_key\":\"{KEY}\",\"sdk\":{}1{},\"events\":[]}}", "[".repeat(100_000), "]".repeat(100_000));
    let r = s.post("/v1/batch", &deep).await;
    assert_eq!(r.status, 400);
    let seed = seed();
    let id = |n| uuid(seed, n);
    let events = vec![
        // Nesting inside an event: that event alone.
        event(&id(1)).replace("\"index\":0", &format!("\"deep\":{}0{}", "[".repeat(40), "]".repeat(40))),
        // A huge string in a bounded field.
        event(&id(2)).replace("\"u_42\"", &format!("\"{}\"", "u".repeat(10_000))),
        // A lone surrogate escape.
        event(&id(3)).replace("\"a_1\"", "\"\\udc00\""),
        // Integers beyond i64 and beyond f64.
        event(&id(4)).replace("1763799990456", "123456789012345678901234567890"),
        event(&id(5)).replace("\"index\":0", "\"n\":1e400"),
        // Wrong types.
        event(&id(6)).replace("\"properties\":{\"index\":0,\"total\":2}", "\"properties\":\"x\""),
        event(&id(7)).replace("\"context\":{", "\"context\":[{").replace("\"onboarding\"}", "\"onboarding\"}]"),
        "null".into(),
        "\"text\"".into(),
        // Fine, to show the rest of the batch still lands.
        event(&id(8)),
        // Unicode, escapes and huge-but-valid numbers inside properties are stored as given.
        event(&id(9)).replace("\"index\":0", "\"name\":\"日本語 \\ud83d\\ude00 \\u0000\",\"big\":12345678901234567890"),
    ];
    let r = s.post("/v1/batch", &batch(KEY, &events)).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        r.json()["rejected"],
        serde_json::json!([{"i":0,"code":"too_deep"},{"i":1,"code":"bad_field"},{"i":2,"code":"bad_field"},
            {"i":3,"code":"bad_timestamp"},{"i":4,"code":"bad_field"},{"i":5,"code":"bad_field"},{"i":6,"code":"bad_field"},
            {"i":7,"code":"bad_field"},{"i":8,"code":"bad_field"}])
    );
    assert_eq!(r.json()["accepted"], 2);
    let exported = s.req("GET", "/v1/export", &[("Authorization", &format!("Bearer {ADMIN}"))], b"").await;
    let line = exported.text().lines().find(|l| l.contains(&id(9))).map(str::to_owned).expect("event 9 exported");
    let v: serde_json::Value = serde_json::from_str(&line).expect("json line");
    assert_eq!(v["properties"]["name"], "日本語 😀 \u{0}");
    let _ = s.stop().await;
}

async fn keys_and_origins(b: Backend) {
    let s = Server::start(&b).await;
    let seed = seed();
    let body = batch(KEY, &[event(&uuid(seed, 1))]);
    let r = s.post("/v1/batch", &body.replace(KEY, "")).await;
    assert_eq!((r.status, r.code()), (401, "missing_key".into()));
    let r = s.post("/v1/batch", &body.replace(&format!("\"write_key\":\"{KEY}\","), "")).await;
    assert_eq!((r.status, r.code()), (401, "missing_key".into()));
    let r = s.post("/v1/batch", &body.replace(KEY, "sb_pub_nope")).await;
    assert_eq!((r.status, r.code()), (401, "unknown_key".into()));
    // ?wk= for sendBeacon, with no key in the body.
    let beacon = batch("", &[event(&uuid(seed, 2))]);
    let r = s.post(&format!("/v1/batch?wk={KEY}"), &beacon).await;
    assert_eq!((r.status, r.json()["accepted"].as_i64()), (200, Some(1)), "{}", r.text());
    // A bad ?wk= is refused before the body is read.
    let r = s.req("POST", "/v1/batch?wk=sb_pub_nope", &[("Content-Length", "100")], b"").await;
    assert_eq!(r.status, 401);
    // Origins: allowed ones get CORS headers; others 403 (with CORS headers, so the SDK can read it).
    let r = s.req("POST", "/v1/batch", &[("Origin", ORIGIN)], body.as_bytes()).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("access-control-allow-origin"), Some(ORIGIN));
    let r = s.req("POST", "/v1/batch", &[("Origin", "https://evil.example")], body.as_bytes()).await;
    assert_eq!((r.status, r.code()), (403, "origin_not_allowed".into()));
    assert_eq!(r.header("access-control-allow-origin"), Some("https://evil.example"));
    // Preflight.
    let r = s
        .req("OPTIONS", "/v1/specs/acme", &[("Origin", ORIGIN), ("Access-Control-Request-Method", "GET"), ("Access-Control-Request-Headers", "if-none-match")], b"")
        .await;
    assert_eq!(r.status, 204);
    assert!(r.header("access-control-allow-headers").unwrap_or("").contains("if-none-match"));
    assert!(r.header("access-control-allow-methods").unwrap_or("").contains("PUT"));
    let db = s.stop().await;
    assert_eq!(db.count_events().await, 2);
}

async fn rate_limit(b: Backend) {
    let s = Server::with_limits(&b, |l| {
        l.rate_per_second = 0.5;
        l.burst = 3.0;
    })
    .await;
    let seed = seed();
    for n in 0..3 {
        let r = s.post("/v1/batch", &batch(KEY, &[event(&uuid(seed, n))])).await;
        assert_eq!(r.status, 200, "within the burst");
    }
    let r = s.post("/v1/batch", &batch(KEY, &[event(&uuid(seed, 9))])).await;
    assert_eq!((r.status, r.code()), (429, "rate_limited".into()));
    let retry: u64 = r.header("retry-after").and_then(|v| v.parse().ok()).expect("Retry-After");
    assert!((1..=2).contains(&retry), "retry after {retry}");
    // Another key has its own bucket.
    let r = s.post("/v1/batch", &batch(OTHER_KEY, &[event(&uuid(seed, 10))])).await;
    assert_eq!(r.status, 200);
    let metrics = s.req("GET", "/metrics", &[], b"").await.text();
    assert!(metrics.contains("shirube_http_responses_total{status=\"429\"} 1"), "{metrics}");
    let db = s.stop().await;
    assert_eq!(db.count_events().await, 4);
}

async fn slow_clients_get_408(b: Backend) {
    let s = Server::with_limits(&b, |l| {
        l.header_timeout = Duration::from_millis(400);
        l.body_timeout = Duration::from_millis(400);
    })
    .await;
    // Slow head: part of a request line, then nothing.
    let mut c = tokio::net::TcpStream::connect(s.addr).await.expect("connect");
    c.write_all(b"POST /v1/batch HTTP/1.1\r\nHost: x\r\n").await.expect("write");
    let r = read_response(&mut c).await;
    assert_eq!(r.status, 408);
    assert_eq!(r.code(), "timeout");
    // Slow body: a head promising 100 bytes, then 10.
    let mut c = tokio::net::TcpStream::connect(s.addr).await.expect("connect");
    c.write_all(b"POST /v1/batch HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"events\"").await.expect("write");
    let r = read_response(&mut c).await;
    assert_eq!((r.status, r.code()), (408, "timeout".into()));
    // An idle connection is closed without a response.
    let mut c = tokio::net::TcpStream::connect(s.addr).await.expect("connect");
    let mut buf = Vec::new();
    let n = tokio::time::timeout(Duration::from_secs(5), tokio::io::AsyncReadExt::read_to_end(&mut c, &mut buf)).await;
    assert!(matches!(n, Ok(Ok(0))), "idle connection closed quietly: {n:?} {buf:?}");
    let _ = s.stop().await;
}

async fn concurrency_limit_sheds_load(b: Backend) {
    let s = Server::with_limits(&b, |l| {
        l.max_in_flight = 1;
        l.body_timeout = Duration::from_secs(5);
    })
    .await;
    // One request holds the only slot while its body trickles in.
    let mut slow = tokio::net::TcpStream::connect(s.addr).await.expect("connect");
    slow.write_all(b"POST /v1/batch HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\n{").await.expect("write");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let r = s.post("/v1/batch", &batch(KEY, &[])).await;
    assert_eq!((r.status, r.code()), (503, "overloaded".into()));
    assert_eq!(r.header("retry-after"), Some("1"));
    // Health checks are not subject to the limit.
    assert_eq!(s.req("GET", "/healthz", &[], b"").await.status, 200);
    drop(slow);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let r = s.post("/v1/batch", &batch(KEY, &[])).await;
    assert_eq!(r.status, 200, "the slot is free again: {}", r.text());
    let _ = s.stop().await;
}

async fn storage_unavailable_is_503(b: Backend) {
    let s = Server::start(&b).await;
    let seed = seed();
    assert_eq!(s.req("GET", "/readyz", &[], b"").await.status, 200);
    match &b {
        Backend::Sqlite => {
            // Another process holds SQLite's write lock (a backup tool, an operator's shell).
            let path = s.db.sqlite_path().expect("path");
            let (locked_tx, locked_rx) = std::sync::mpsc::channel();
            let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
            let holder = std::thread::spawn(move || {
                let c = rusqlite::Connection::open(path).expect("open");
                c.execute_batch("BEGIN EXCLUSIVE").expect("lock");
                locked_tx.send(()).ok();
                release_rx.recv().ok();
                c.execute_batch("ROLLBACK").expect("unlock");
            });
            locked_rx.recv().expect("locked");
            let r = s.post("/v1/batch", &batch(KEY, &[event(&uuid(seed, 1))])).await;
            assert_eq!((r.status, r.code()), (503, "storage_unavailable".into()), "{}", r.text());
            assert!(r.header("retry-after").is_some());
            let r = s.req("GET", "/readyz", &[], b"").await;
            assert_eq!(r.status, 503);
            release_tx.send(()).ok();
            holder.join().expect("holder");
        }
        Backend::Postgres(admin) => {
            // The database turns read-only (a failover to a replica, a full disk policy).
            let (c, conn) = tokio_postgres::connect(admin, tokio_postgres::NoTls).await.expect("connect");
            tokio::spawn(conn);
            let name = s.db.url.rsplit('/').next().unwrap_or("").to_owned();
            let kick = format!("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'");
            c.batch_execute(&format!("ALTER DATABASE {name} SET default_transaction_read_only = on")).await.expect("alter");
            c.batch_execute(&kick).await.expect("terminate");
            let mut last = 0;
            for _ in 0..3 {
                let r = s.post("/v1/batch", &batch(KEY, &[event(&uuid(seed, 1))])).await;
                last = r.status;
                assert_eq!((r.status, r.code()), (503, "storage_unavailable".into()), "{}", r.text());
            }
            assert_eq!(last, 503);
            assert_eq!(s.req("GET", "/readyz", &[], b"").await.status, 503);
            c.batch_execute(&format!("ALTER DATABASE {name} RESET default_transaction_read_only")).await.expect("reset");
            c.batch_execute(&kick).await.expect("terminate");
        }
    }
    // Storage comes back: the same event is accepted (it was never stored).
    let mut ok = None;
    for _ in 0..50 {
        let r = s.post("/v1/batch", &batch(KEY, &[event(&uuid(seed, 1))])).await;
        if r.status == 200 {
            ok = Some(r);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let r = ok.expect("storage recovered");
    assert_eq!(r.json()["accepted"], 1);
    assert_eq!(s.req("GET", "/readyz", &[], b"").await.status, 200);
    let db = s.stop().await;
    assert_eq!(db.count_events().await, 1);
}

async fn what_is_stored(b: Backend) {
    let s = Server::start(&b).await;
    let seed = seed();
    // Client clock 1 h fast; event created 10 s before the batch left.
    let now = shirube_collector::now_ms();
    let skewed = format!(
        r#"{{"write_key":"{KEY}","sent_at":{},"events":[{}]}}"#,
        now + 3_600_000,
        event(&uuid(seed, 1)).replace("1763799990456", &(now + 3_600_000 - 10_000).to_string())
    );
    let r = s.post("/v1/batch", &skewed).await;
    assert_eq!(r.status, 200);
    // No sent_at: flagged, receive time stands in.
    let r = s.post("/v1/batch", &format!(r#"{{"write_key":"{KEY}","events":[{}]}}"#, event(&uuid(seed, 2)))).await;
    assert_eq!(r.status, 200);
    let anon = format!(
        r#"{{"event_id":"{}","name":"event_tracked","event":"project_created","timestamp":{now},"user_id":null,"anonymous_id":"a_9","properties":{{"template":"blank"}}}}"#,
        uuid(seed, 3)
    );
    let r = s.post("/v1/batch", &batch(KEY, &[anon])).await;
    assert_eq!(r.json()["accepted"], 1);
    let exp = s.req("GET", "/v1/export", &[("Authorization", &format!("Bearer {ADMIN}"))], b"").await;
    assert_eq!(exp.status, 200);
    assert_eq!(exp.header("content-type"), Some("application/x-ndjson"));
    let lines: Vec<serde_json::Value> = exp.text().lines().map(|l| serde_json::from_str(l).expect("ndjson")).collect();
    assert_eq!(lines.len(), 3);
    let first = &lines[0];
    let received = first["received_at"].as_i64().expect("received_at");
    assert!((received - now).abs() < 60_000);
    assert_eq!(first["corrected_at"].as_i64(), Some(received - 10_000), "skew corrected");
    assert_eq!(first["time_flag"], serde_json::Value::Null);
    assert_eq!(first["context"]["traits"]["plan"], "free");
    assert_eq!(first["sdk_version"], serde_json::Value::Null, "that batch had no sdk");
    assert_eq!(lines[2]["sdk_version"], "0.1.0");
    assert_eq!(first["event_id"], uuid(seed, 1));
    assert_eq!(lines[1]["time_flag"], "no_sent_at");
    assert_eq!(lines[2]["event"], "project_created");
    assert_eq!(lines[2]["properties"]["template"], "blank");
    // since= filters on receive time.
    let later = s
        .req("GET", &format!("/v1/export?since={}", received + 3_600_000), &[("Authorization", &format!("Bearer {ADMIN}"))], b"")
        .await;
    assert_eq!((later.status, later.text()), (200, String::new()));
    // Another project's token sees none of them; a bad token nothing at all.
    let other = s.req("GET", "/v1/export", &[("Authorization", &format!("Bearer {OTHER_ADMIN}"))], b"").await;
    assert_eq!(other.text(), "");
    assert_eq!(s.req("GET", "/v1/export", &[("Authorization", "Bearer nope")], b"").await.status, 401);
    assert_eq!(s.req("GET", "/v1/export", &[], b"").await.code(), "missing_token");
    assert_eq!(s.req("GET", "/v1/export?since=yesterday", &[("Authorization", &format!("Bearer {ADMIN}"))], b"").await.status, 400);
    let db = s.stop().await;
    // users: one identified user (u_42) and one anonymous (a_9), with the latest context.
    assert_eq!(db.scalar("SELECT count(*) FROM users").await, 2);
    assert_eq!(db.text("SELECT stage FROM users WHERE user_key = 'u:u_42'").await.as_deref(), Some("onboarding"));
    assert_eq!(db.text("SELECT traits FROM users WHERE user_key = 'u:u_42'").await.as_deref(), Some(r#"{"plan":"free","tier":"tech"}"#));
    assert_eq!(db.scalar("SELECT count(*) FROM users WHERE user_key = 'a:a_9' AND user_id IS NULL").await, 1);
}

async fn health_metrics_and_openapi(b: Backend) {
    let s = Server::start(&b).await;
    let seed = seed();
    assert_eq!(s.req("GET", "/healthz", &[], b"").await.json()["status"], "ok");
    let r = s.req("GET", "/readyz", &[], b"").await;
    assert_eq!(r.json()["status"], "ready");
    let r = s.post("/v1/batch", &batch(KEY, &[event(&uuid(seed, 1)), event(&uuid(seed, 1)), "{}".into()])).await;
    assert_eq!(r.status, 200);
    let m = s.req("GET", "/metrics", &[], b"").await;
    assert_eq!(m.header("content-type"), Some("text/plain; version=0.0.4"));
    let m = m.text();
    for want in [
        "shirube_events_received_total 3",
        "shirube_events_accepted_total 1",
        "shirube_events_duplicate_total 1",
        "shirube_events_rejected_total{reason=\"missing_field\"} 1",
        "shirube_http_request_duration_seconds_count{route=\"batch\"} 1",
    ] {
        assert!(m.contains(want), "metrics lack {want:?}:\n{m}");
    }
    let api = s.req("GET", "/openapi.json", &[], b"").await.json();
    assert_eq!(api["openapi"].as_str().map(|v| v.starts_with("3.")), Some(true));
    let mut paths: Vec<&str> = api["paths"].as_object().expect("paths").keys().map(String::as_str).collect();
    paths.sort_unstable();
    assert_eq!(
        paths,
        [
            "/",
            "/dashboard/assets/{file}",
            "/dashboard/lang/{lang}",
            "/dashboard/login",
            "/dashboard/logout",
            "/dashboard/{view}",
            "/healthz",
            "/metrics",
            "/openapi.json",
            "/readyz",
            "/v1/batch",
            "/v1/dev/seed",
            "/v1/export",
            "/v1/reports/{report}",
            "/v1/specs/{product}",
            "/v1/specs/{product}/versions",
            "/v1/specs/{product}/versions/{version}",
            "/v1/state/{product}/{user_id}"
        ]
    );
    assert_eq!(s.req("GET", "/", &[], b"").await.status, 200);
    let r = s.req("GET", "/v1/batch", &[], b"").await;
    assert_eq!((r.status, r.code()), (405, "method_not_allowed".into()));
    let _ = s.stop().await;
}

both!(
    duplicates_within_and_across_batches,
    fifty_concurrent_requests_with_one_id,
    two_collectors_on_one_database,
    partly_invalid_batch,
    oversize_bodies,
    malformed_and_abusive_input,
    keys_and_origins,
    rate_limit,
    slow_clients_get_408,
    concurrency_limit_sheds_load,
    storage_unavailable_is_503,
    what_is_stored,
    health_metrics_and_openapi,
);
