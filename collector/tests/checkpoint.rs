//! SQLite: the WAL is copied into the database file by the checkpointer thread, not left to
//! grow until the writer stops to do it (the writer's own threshold is 16,384 pages).
use std::sync::Arc;
use std::time::{Duration, Instant};

use shirube_collector::batch::{corrected_time, parse_batch};
use shirube_collector::metrics::Metrics;
use shirube_collector::store::{EventRow, IngestBatch};

fn batch(from: usize, n: usize) -> IngestBatch {
    let now = shirube_collector::now_ms();
    let events: Vec<String> = (from..from + n)
        .map(|i| {
            format!(
                r#"{{"event_id":"0190a000-0000-7000-8000-{i:012x}","name":"step_viewed","timestamp":{now},"user_id":"u_{}","anonymous_id":"a_1","session_id":"s_1","seq":{i},"flow_id":"welcome","step_id":"create","properties":{{"index":0,"total":2,"pad":"{}"}},"context":{{"traits":{{"plan":"free"}},"locale":"en","path":"/app","stage":"onboarding"}}}}"#,
                i % 50,
                "x".repeat(300)
            )
        })
        .collect();
    let body = format!(r#"{{"write_key":"k","sent_at":{now},"events":[{}]}}"#, events.join(","));
    let parsed = parse_batch(body.as_bytes()).expect("valid batch");
    let rows = parsed
        .events
        .into_iter()
        .map(|e| {
            let (_, record) = e.expect("valid event");
            let (corrected_at, flag) = corrected_time(record.timestamp, parsed.sent_at, now);
            EventRow { record, corrected_at, time_flag: flag.map(|f| f.as_str()) }
        })
        .collect();
    IngestBatch { project_id: 1, received_at: now, sent_at: parsed.sent_at, sdk_version: None, events: rows, rejected: Vec::new() }
}

#[tokio::test]
async fn the_checkpointer_moves_the_wal_into_the_database_file() {
    let dir = std::env::temp_dir().join(format!("shirube-checkpoint-{}-{}", std::process::id(), shirube_collector::now_ms()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("c.db");
    let store = shirube_collector::store::open(&format!("sqlite:{}", db.display()), Arc::new(Metrics::default())).await.unwrap();
    let empty = std::fs::metadata(&db).unwrap().len();
    // About 1,000 pages of WAL: far below the writer's own threshold.
    for k in 0..20 {
        let out = store.ingest(batch(k * 100, 100)).await.unwrap();
        assert_eq!(out.accepted, 100);
    }
    let t0 = Instant::now();
    let mut size = empty;
    while t0.elapsed() < Duration::from_secs(5) {
        size = std::fs::metadata(&db).unwrap().len();
        if size > empty + 1_000_000 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    store.close().await;
    let _ = std::fs::remove_dir_all(&dir);
    assert!(size > empty + 1_000_000, "the database file grew from {empty} to only {size} bytes: the WAL was not checkpointed");
}
