//! Fuzzes the ingest request parser (`batch::parse_batch`) and the gzip reader with arbitrary
//! bytes: neither may panic, hang or allocate without bound, and whatever the parser accepts
//! must satisfy the invariants the store relies on.

#![no_main]

use libfuzzer_sys::fuzz_target;
use shirube_collector::batch::{self, parse_batch, EVENT_NAMES};

fuzz_target!(|data: &[u8]| {
    if data.len() > batch::MAX_BODY_BYTES {
        return;
    }
    if let Ok(b) = parse_batch(data) {
        assert!(b.events.len() <= batch::MAX_EVENTS);
        for (i, e) in b.events.iter().enumerate() {
            match e {
                Ok((idx, r)) => {
                    assert_eq!(*idx, i);
                    assert_eq!(batch::canonical_uuid(&r.event_id).as_deref(), Some(r.event_id.as_str()));
                    assert!(EVENT_NAMES.contains(&r.name));
                    assert!((batch::MIN_TIMESTAMP_MS..=batch::MAX_TIMESTAMP_MS).contains(&r.timestamp));
                    assert!(matches!(serde_json::from_str::<serde_json::Value>(&r.properties), Ok(serde_json::Value::Object(_))));
                    if let Some(c) = &r.context {
                        assert!(matches!(serde_json::from_str::<serde_json::Value>(c), Ok(serde_json::Value::Object(_))));
                    }
                    assert!(r.anonymous_id.len() <= batch::MAX_ID && !r.anonymous_id.is_empty());
                }
                Err(rej) => {
                    assert_eq!(rej.index, i);
                    assert!(rej.raw.len() <= batch::MAX_QUARANTINE_BYTES);
                }
            }
        }
    }
    let _ = shirube_collector::http::gunzip(data, 64 * 1024);
});
