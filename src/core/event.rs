//! Events on the wire: what the engine reports (an [`Event`] with everything it knows), the
//! stamp the shell adds when the event is created (UUIDv7 id, per-tab sequence number, session
//! and user ids), and the JSON written to the queue and sent in batches. UUIDv7 is built here
//! from a time and random bytes passed in, so the core stays free of clocks and randomness.

use crate::core::json::{write_num, write_str, Json};

/// An event as the engine produces it.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    /// One of the contract names (`flow_started`, `step_viewed`, …).
    pub name: &'static str,
    pub timestamp: f64,
    pub flow_id: Option<String>,
    pub step_id: Option<String>,
    /// For `event_tracked`: the host's event name.
    pub event: Option<String>,
    /// A JSON object.
    pub properties: Json,
    /// Traits, locale, path and stage at the time (see docs/events.md).
    pub context: Json,
}

/// What the shell adds when an event is created; fixed from then on.
#[derive(Clone, Debug, PartialEq)]
pub struct Stamp {
    pub event_id: String,
    pub seq: u64,
    pub session_id: String,
    pub user_id: Option<String>,
    pub anonymous_id: String,
    pub spec_revision: String,
}

/// Events the queue must send at once and never evict first (docs/events.md).
pub fn is_priority(name: &str) -> bool {
    matches!(name, "milestone_reached" | "survey_answered" | "stage_changed")
}

/// Writes a stamped event as one JSON object (the wire form of docs/events.md).
pub fn write(out: &mut String, e: &Event, s: &Stamp) {
    out.push_str("{\"event_id\":");
    write_str(out, &s.event_id);
    out.push_str(",\"name\":");
    write_str(out, e.name);
    out.push_str(",\"timestamp\":");
    write_num(out, e.timestamp.floor());
    out.push_str(",\"user_id\":");
    match &s.user_id {
        Some(u) => write_str(out, u),
        None => out.push_str("null"),
    }
    out.push_str(",\"anonymous_id\":");
    write_str(out, &s.anonymous_id);
    out.push_str(",\"session_id\":");
    write_str(out, &s.session_id);
    out.push_str(",\"seq\":");
    write_num(out, s.seq as f64);
    out.push_str(",\"spec_revision\":");
    write_str(out, &s.spec_revision);
    for (k, v) in [("flow_id", &e.flow_id), ("step_id", &e.step_id), ("event", &e.event)] {
        if let Some(v) = v {
            out.push_str(",\"");
            out.push_str(k);
            out.push_str("\":");
            write_str(out, v);
        }
    }
    out.push_str(",\"properties\":");
    out.push_str(&e.properties.write(false));
    out.push_str(",\"context\":");
    out.push_str(&e.context.write(false));
    out.push('}');
}

/// A UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then version 7, then 74 random bits with
/// the variant. Sortable by creation time, unique without coordination.
pub fn uuid_v7(ms: f64, random: [u8; 10]) -> String {
    let t = if ms.is_finite() && ms > 0.0 { ms as u64 } else { 0 };
    let mut b = [0u8; 16];
    for (i, byte) in b.iter_mut().take(6).enumerate() {
        *byte = (t >> (40 - 8 * i)) as u8;
    }
    b[6..16].copy_from_slice(&random);
    b[6] = 0x70 | (b[6] & 0x0f);
    b[8] = 0x80 | (b[8] & 0x3f);
    let hex = b"0123456789abcdef";
    let mut s = String::with_capacity(36);
    for (i, byte) in b.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            s.push('-');
        }
        s.push(hex[(byte >> 4) as usize] as char);
        s.push(hex[(byte & 15) as usize] as char);
    }
    s
}

/// True for text shaped like a UUID (any version), lower or upper case.
pub fn is_uuid(s: &str) -> bool {
    s.len() == 36 && s.char_indices().all(|(i, c)| if matches!(i, 8 | 13 | 18 | 23) { c == '-' } else { c.is_ascii_hexdigit() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_v7_layout() {
        let id = uuid_v7(1_763_800_000_123.0, [0xff; 10]);
        assert_eq!(id, "019aaaac-267b-7fff-bfff-ffffffffffff");
        assert!(is_uuid(&id));
        // Time-ordered.
        assert!(uuid_v7(1000.0, [0; 10]) < uuid_v7(1001.0, [0; 10]));
        assert_eq!(&uuid_v7(0.0, [0; 10])[14..15], "7");
    }

    #[test]
    fn wire_form() {
        let e = Event {
            name: "step_viewed",
            timestamp: 1_763_799_990_456.7,
            flow_id: Some("welcome".into()),
            step_id: Some("create".into()),
            event: None,
            properties: Json::obj(vec![("index", Json::Num(0.0)), ("total", Json::Num(2.0))]),
            context: Json::obj(vec![("locale", Json::str("ja"))]),
        };
        let s = Stamp { event_id: "e1".into(), seq: 17, session_id: "s1".into(), user_id: Some("u_42".into()), anonymous_id: "a1".into(), spec_revision: "r\"1".into() };
        let mut out = String::new();
        write(&mut out, &e, &s);
        assert_eq!(
            out,
            r#"{"event_id":"e1","name":"step_viewed","timestamp":1763799990456,"user_id":"u_42","anonymous_id":"a1","session_id":"s1","seq":17,"spec_revision":"r\"1","flow_id":"welcome","step_id":"create","properties":{"index":0,"total":2},"context":{"locale":"ja"}}"#
        );
        assert!(crate::core::json::parse(&out).is_ok());
    }
}
