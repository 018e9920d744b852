//! The request parser for `POST /v1/batch`: bytes in, a [`ParsedBatch`] out, where every event
//! is either a validated [`EventRecord`] ready to store or a [`Rejection`] with its contract
//! code (docs/events.md). It owns the per-event limits (size, depth, string bounds) and the
//! clock-skew correction.
//!
//! It must not touch storage, keys or HTTP: it is pure so that it can be fuzzed
//! (collector/fuzz) and property-tested without a server. It never panics on any input:
//! no unwrap, no indexing into client data.

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;

/// Largest request body, compressed or not (contract: 413 above it).
pub const MAX_BODY_BYTES: usize = 512 * 1024;
/// Most events in one batch; more is answered 413 `too_many_events` so the SDK splits it.
pub const MAX_EVENTS: usize = 500;
/// Largest single event, as its JSON text in the batch.
pub const MAX_EVENT_BYTES: usize = 32 * 1024;
/// Deepest nesting of arrays and objects in one event; the event object itself is level 1.
pub const MAX_DEPTH: usize = 32;
/// How much of a rejected event's text the quarantine keeps.
pub const MAX_QUARANTINE_BYTES: usize = 8 * 1024;

/// Bounds on string fields, in bytes of UTF-8. Values are chosen to fit any sane id while
/// keeping a row small; `properties` and `traits` are bounded by the event size instead.
pub const MAX_ID: usize = 256;
pub const MAX_NAME_FIELD: usize = 128;
pub const MAX_LOCALE: usize = 35;
pub const MAX_PATH: usize = 2048;
pub const MAX_SDK_VERSION: usize = 64;

/// The contract's event names (DESIGN.md, "Events on the wire").
pub const EVENT_NAMES: [&str; 12] = [
    "flow_started",
    "step_viewed",
    "step_completed",
    "flow_completed",
    "flow_dismissed",
    "target_missing",
    "hint_opened",
    "checklist_item_completed",
    "milestone_reached",
    "stage_changed",
    "survey_answered",
    "event_tracked",
];

/// Earliest and latest timestamps accepted (2000-01-01 and 2100-01-01 in ms): anything else is
/// a unit mistake (seconds, microseconds) or garbage.
pub const MIN_TIMESTAMP_MS: i64 = 946_684_800_000;
pub const MAX_TIMESTAMP_MS: i64 = 4_102_444_800_000;

/// How old an event may be when its batch is sent (offline queues) before its corrected time is
/// no longer trusted.
pub const MAX_QUEUE_AGE_MS: i64 = 7 * 24 * 3600 * 1000;

/// Per-event rejection codes (contract, docs/events.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RejectCode {
    MissingField,
    BadEventId,
    BadName,
    BadTimestamp,
    TooLarge,
    TooDeep,
    BadField,
}

impl RejectCode {
    pub const ALL: [RejectCode; 7] = [
        RejectCode::MissingField,
        RejectCode::BadEventId,
        RejectCode::BadName,
        RejectCode::BadTimestamp,
        RejectCode::TooLarge,
        RejectCode::TooDeep,
        RejectCode::BadField,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RejectCode::MissingField => "missing_field",
            RejectCode::BadEventId => "bad_event_id",
            RejectCode::BadName => "bad_name",
            RejectCode::BadTimestamp => "bad_timestamp",
            RejectCode::TooLarge => "too_large",
            RejectCode::TooDeep => "too_deep",
            RejectCode::BadField => "bad_field",
        }
    }
}

/// Why a whole batch is refused (it maps to 400 or 413).
#[derive(Debug, PartialEq, Eq)]
pub enum BatchError {
    /// Not a batch at all: not JSON, not an object, no `events` array. The text says what.
    Malformed(String),
    /// More than [`MAX_EVENTS`] events.
    TooManyEvents(usize),
}

/// One event that passed validation, with its JSON parts re-serialised compactly.
#[derive(Clone, Debug, PartialEq)]
pub struct EventRecord {
    /// Lower-case canonical UUID text.
    pub event_id: String,
    pub name: &'static str,
    pub timestamp: i64,
    pub user_id: Option<String>,
    pub anonymous_id: String,
    pub session_id: Option<String>,
    pub seq: Option<i64>,
    pub spec_revision: Option<String>,
    pub flow_id: Option<String>,
    pub step_id: Option<String>,
    pub event: Option<String>,
    /// JSON object text as sent (checked to be readable by any JSON parser); `{}` when absent.
    pub properties: String,
    /// JSON object text of `context` as sent, when given.
    pub context: Option<String>,
    /// Parts of `context` the `users` table keeps.
    pub traits: Option<String>,
    pub locale: Option<String>,
    pub stage: Option<String>,
}

/// One event that failed validation: its index in the batch, its code, and what the
/// quarantine keeps (the event id when readable, and a bounded prefix of its text).
#[derive(Clone, Debug, PartialEq)]
pub struct Rejection {
    pub index: usize,
    pub code: RejectCode,
    pub event_id: Option<String>,
    pub detail: String,
    pub raw: String,
}

#[derive(Debug, Default)]
pub struct ParsedBatch {
    pub write_key: Option<String>,
    pub sent_at: Option<i64>,
    pub attempt: Option<u64>,
    pub sdk_version: Option<String>,
    /// In batch order; `Ok(i, record)` or `Err(rejection)`.
    pub events: Vec<Result<(usize, EventRecord), Rejection>>,
    /// `sdk_stats.dropped`, summed into metrics: (reason, count) for the known reasons.
    pub dropped: Vec<(&'static str, u64)>,
}

/// The reasons the SDK reports in `sdk_stats.dropped` (docs/events.md).
pub const DROP_REASONS: [&str; 5] = ["queue_overflow", "too_large", "rate_limited", "expired", "rejected"];

#[derive(Deserialize)]
struct WireBatch<'a> {
    #[serde(default)]
    write_key: Option<Value>,
    #[serde(default)]
    sent_at: Option<Value>,
    #[serde(default)]
    attempt: Option<Value>,
    #[serde(default)]
    sdk: Option<Value>,
    #[serde(borrow)]
    events: Option<Vec<&'a RawValue>>,
    #[serde(default)]
    sdk_stats: Option<Value>,
}

/// Parses a batch body (already decompressed and within [`MAX_BODY_BYTES`]).
pub fn parse_batch(body: &[u8]) -> Result<ParsedBatch, BatchError> {
    let text = std::str::from_utf8(body).map_err(|e| {
        BatchError::Malformed(format!("the body is not UTF-8 text (invalid byte at offset {})", e.valid_up_to()))
    })?;
    if text.trim().is_empty() {
        return Err(BatchError::Malformed("the body is empty; send a JSON batch object".into()));
    }
    if !text.trim_start().starts_with('{') {
        return Err(BatchError::Malformed("the body must be a JSON object with an `events` array".into()));
    }
    let wire: WireBatch<'_> = serde_json::from_str(text)
        .map_err(|e| BatchError::Malformed(format!("the body is not a valid batch: {e}")))?;
    let events = wire
        .events
        .ok_or_else(|| BatchError::Malformed("the batch has no `events` array".into()))?;
    if events.len() > MAX_EVENTS {
        return Err(BatchError::TooManyEvents(events.len()));
    }
    let mut out = ParsedBatch {
        write_key: wire.write_key.as_ref().and_then(Value::as_str).map(str::to_owned),
        sent_at: wire.sent_at.as_ref().and_then(Value::as_i64).filter(|t| (MIN_TIMESTAMP_MS..=MAX_TIMESTAMP_MS).contains(t)),
        attempt: wire.attempt.as_ref().and_then(Value::as_u64),
        sdk_version: wire
            .sdk
            .as_ref()
            .and_then(|s| s.get("version"))
            .and_then(Value::as_str)
            .filter(|v| v.len() <= MAX_SDK_VERSION)
            .map(str::to_owned),
        events: Vec::with_capacity(events.len()),
        dropped: Vec::new(),
    };
    if let Some(dropped) = wire.sdk_stats.as_ref().and_then(|s| s.get("dropped")).and_then(Value::as_object) {
        for reason in DROP_REASONS {
            if let Some(n) = dropped.get(reason).and_then(Value::as_u64).filter(|n| *n > 0) {
                out.dropped.push((reason, n));
            }
        }
    }
    for (i, raw) in events.into_iter().enumerate() {
        out.events.push(parse_event(i, raw.get()).map(|r| (i, r)));
    }
    Ok(out)
}

/// An event as it arrives: every field still raw JSON, borrowed from the body, so reading it
/// allocates nothing. `null` reads as absent.
#[derive(Deserialize)]
struct WireEvent<'a> {
    #[serde(borrow, default)]
    event_id: Option<&'a RawValue>,
    #[serde(borrow, default)]
    name: Option<&'a RawValue>,
    #[serde(borrow, default)]
    timestamp: Option<&'a RawValue>,
    #[serde(borrow, default)]
    user_id: Option<&'a RawValue>,
    #[serde(borrow, default)]
    anonymous_id: Option<&'a RawValue>,
    #[serde(borrow, default)]
    session_id: Option<&'a RawValue>,
    #[serde(borrow, default)]
    seq: Option<&'a RawValue>,
    #[serde(borrow, default)]
    spec_revision: Option<&'a RawValue>,
    #[serde(borrow, default)]
    flow_id: Option<&'a RawValue>,
    #[serde(borrow, default)]
    step_id: Option<&'a RawValue>,
    #[serde(borrow, default)]
    event: Option<&'a RawValue>,
    #[serde(borrow, default)]
    properties: Option<&'a RawValue>,
    #[serde(borrow, default)]
    context: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct WireContext<'a> {
    #[serde(borrow, default)]
    traits: Option<&'a RawValue>,
    #[serde(default)]
    locale: Option<String>,
    #[serde(default)]
    stage: Option<String>,
    #[serde(default)]
    path: Option<String>,
}

/// Reads any JSON value and keeps nothing, but decodes every string (so lone surrogates and bad
/// escapes fail) and every number (so values beyond f64 fail). Objects stored as text pass
/// through it, which guarantees that what the collector stores is JSON every parser reads.
struct Checked;

impl<'de> Deserialize<'de> for Checked {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(CheckedVisitor)
    }
}

struct CheckedVisitor;

impl<'de> serde::de::Visitor<'de> for CheckedVisitor {
    type Value = Checked;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Checked, E> {
        if v.is_finite() {
            Ok(Checked)
        } else {
            Err(E::custom("number out of range"))
        }
    }
    fn visit_str<E>(self, _: &str) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_unit<E>(self) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_none<E>(self) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Checked, A::Error> {
        while seq.next_element::<Checked>()?.is_some() {}
        Ok(Checked)
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Checked, A::Error> {
        while map.next_entry::<Checked, Checked>()?.is_some() {}
        Ok(Checked)
    }
}

/// A JSON object's text, checked to be one that every parser reads.
fn checked_object(raw: &RawValue) -> Option<String> {
    let text = raw.get();
    if !text.starts_with('{') || serde_json::from_str::<Checked>(text).is_err() {
        return None;
    }
    Some(text.to_owned())
}

/// A string field: `Ok(None)` when absent, `Err(())` when not a string or longer than `bound`.
fn string_field(raw: Option<&RawValue>, bound: usize) -> Result<Option<String>, ()> {
    match raw {
        None => Ok(None),
        Some(r) => match serde_json::from_str::<String>(r.get()) {
            Ok(s) if s.len() <= bound => Ok(Some(s)),
            _ => Err(()),
        },
    }
}

/// Validates one event's JSON text.
pub fn parse_event(index: usize, raw: &str) -> Result<EventRecord, Rejection> {
    let reject = |code: RejectCode, event_id: Option<String>, detail: String| Rejection {
        index,
        code,
        event_id,
        detail,
        raw: truncate(raw, MAX_QUARANTINE_BYTES).to_owned(),
    };
    if raw.len() > MAX_EVENT_BYTES {
        return Err(reject(RejectCode::TooLarge, None, format!("{} bytes, over {MAX_EVENT_BYTES}", raw.len())));
    }
    let depth = json_depth(raw.as_bytes());
    if depth > MAX_DEPTH {
        return Err(reject(RejectCode::TooDeep, None, format!("nested {depth} deep, over {MAX_DEPTH}")));
    }
    if !raw.starts_with('{') {
        return Err(reject(RejectCode::BadField, None, "an event must be a JSON object".into()));
    }
    let w: WireEvent<'_> = match serde_json::from_str(raw) {
        Ok(w) => w,
        // A repeated key and the like: the batch parsed, this event did not.
        Err(e) => return Err(reject(RejectCode::BadField, None, format!("unreadable event: {e}"))),
    };

    let event_id = match w.event_id {
        None => return Err(reject(RejectCode::MissingField, None, "event_id is missing".into())),
        Some(r) => match serde_json::from_str::<String>(r.get()).ok().and_then(|s| canonical_uuid(&s)) {
            Some(id) => id,
            None => return Err(reject(RejectCode::BadEventId, None, "event_id must be a UUID string".into())),
        },
    };
    let id = Some(event_id.clone());
    let name = match w.name {
        None => return Err(reject(RejectCode::MissingField, id, "name is missing".into())),
        Some(r) => match serde_json::from_str::<String>(r.get()).ok().and_then(|s| EVENT_NAMES.iter().find(|n| **n == s)) {
            Some(n) => *n,
            None => return Err(reject(RejectCode::BadName, id, format!("unknown event name {}", truncate(r.get(), 64)))),
        },
    };
    let timestamp = match w.timestamp {
        None => return Err(reject(RejectCode::MissingField, id, "timestamp is missing".into())),
        Some(r) => match serde_json::from_str::<i64>(r.get()).ok().filter(|t| (MIN_TIMESTAMP_MS..=MAX_TIMESTAMP_MS).contains(t)) {
            Some(t) => t,
            None => {
                return Err(reject(RejectCode::BadTimestamp, id, "timestamp must be integer milliseconds since 1970 between 2000 and 2100".into()))
            }
        },
    };
    let anonymous_id = match string_field(w.anonymous_id, MAX_ID) {
        Ok(None) => return Err(reject(RejectCode::MissingField, id, "anonymous_id is missing".into())),
        Ok(Some(s)) if !s.is_empty() => s,
        _ => return Err(reject(RejectCode::BadField, id, format!("anonymous_id must be a non-empty string of at most {MAX_ID} bytes"))),
    };
    let field = |key: &str, raw: Option<&RawValue>, bound: usize| -> Result<Option<String>, Rejection> {
        string_field(raw, bound).map_err(|_| reject(RejectCode::BadField, id.clone(), format!("{key} must be a string of at most {bound} bytes")))
    };
    let user_id = field("user_id", w.user_id, MAX_ID)?;
    let session_id = field("session_id", w.session_id, MAX_ID)?;
    let spec_revision = field("spec_revision", w.spec_revision, MAX_NAME_FIELD)?;
    let flow_id = field("flow_id", w.flow_id, MAX_NAME_FIELD)?;
    let step_id = field("step_id", w.step_id, MAX_NAME_FIELD)?;
    let event = field("event", w.event, MAX_NAME_FIELD)?;

    let seq = match w.seq {
        None => None,
        Some(r) => match serde_json::from_str::<i64>(r.get()).ok().filter(|n| *n >= 0) {
            Some(n) => Some(n),
            None => return Err(reject(RejectCode::BadField, id, "seq must be a non-negative integer".into())),
        },
    };
    let properties = match w.properties {
        None => "{}".to_owned(),
        Some(r) => match checked_object(r) {
            Some(text) => text,
            None => return Err(reject(RejectCode::BadField, id, "properties must be a JSON object".into())),
        },
    };
    let (context, traits, locale, stage) = match w.context {
        None => (None, None, None, None),
        Some(r) => {
            let Some(text) = checked_object(r) else {
                return Err(reject(RejectCode::BadField, id, "context must be a JSON object".into()));
            };
            let ctx: WireContext<'_> = match serde_json::from_str(r.get()) {
                Ok(c) => c,
                Err(e) => return Err(reject(RejectCode::BadField, id, format!("context: {e}"))),
            };
            let traits = match ctx.traits {
                None => None,
                Some(t) if t.get().starts_with('{') => Some(t.get().to_owned()),
                Some(_) => return Err(reject(RejectCode::BadField, id, "context.traits must be an object".into())),
            };
            let bounded = |v: &Option<String>, key: &str, bound: usize| {
                if v.as_ref().is_some_and(|s| s.len() > bound) {
                    Err(reject(RejectCode::BadField, id.clone(), format!("context.{key} must be a string of at most {bound} bytes")))
                } else {
                    Ok(())
                }
            };
            bounded(&ctx.locale, "locale", MAX_LOCALE)?;
            bounded(&ctx.stage, "stage", MAX_NAME_FIELD)?;
            bounded(&ctx.path, "path", MAX_PATH)?;
            (Some(text), traits, ctx.locale, ctx.stage)
        }
    };

    // Fields the contract's table lists for each name (docs/events.md), so reports can rely on them.
    let needs_flow = !matches!(name, "milestone_reached" | "stage_changed" | "event_tracked");
    let needs_step = matches!(name, "step_viewed" | "step_completed");
    if needs_flow && flow_id.is_none() {
        return Err(reject(RejectCode::MissingField, id, format!("{name} needs flow_id")));
    }
    if needs_step && step_id.is_none() {
        return Err(reject(RejectCode::MissingField, id, format!("{name} needs step_id")));
    }
    if name == "event_tracked" && event.is_none() {
        return Err(reject(RejectCode::MissingField, id, "event_tracked needs event (the host's event name)".into()));
    }

    Ok(EventRecord {
        event_id,
        name,
        timestamp,
        user_id,
        anonymous_id,
        session_id,
        seq,
        spec_revision,
        flow_id,
        step_id,
        event,
        properties,
        context,
        traits,
        locale,
        stage,
    })
}

/// The longest prefix of `s` of at most `max` bytes that ends on a character boundary.
pub fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while end > 0 && !s.is_char_boundary(end) {
        end -= 1;
    }
    s.get(..end).unwrap_or("")
}

/// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` in hex, any case; returns it in lower case.
/// Any UUID version is accepted: the SDK sends v7, other clients may not.
pub fn canonical_uuid(s: &str) -> Option<String> {
    if s.len() != 36 {
        return None;
    }
    let ok = s.bytes().enumerate().all(|(i, b)| match i {
        8 | 13 | 18 | 23 => b == b'-',
        _ => b.is_ascii_hexdigit(),
    });
    ok.then(|| s.to_ascii_lowercase())
}

/// Maximum nesting depth of arrays and objects in JSON text, ignoring brackets inside strings.
/// Works on any bytes (it does not validate), in one pass and constant memory.
pub fn json_depth(bytes: &[u8]) -> usize {
    let (mut depth, mut max) = (0usize, 0usize);
    let (mut in_str, mut escaped) = (false, false);
    for &b in bytes {
        if in_str {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_str = false;
            }
            continue;
        }
        match b {
            b'"' => in_str = true,
            b'[' | b'{' => {
                depth += 1;
                max = max.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

/// Why an event's corrected time could not be trusted; stored as `time_flag`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeFlag {
    /// The batch had no usable `sent_at`.
    NoSentAt,
    /// `timestamp` is after `sent_at`: the client clock jumped back, or the data is made up.
    AfterSentAt,
    /// The event waited longer than [`MAX_QUEUE_AGE_MS`] in the client's queue.
    TooOld,
}

impl TimeFlag {
    pub fn as_str(self) -> &'static str {
        match self {
            TimeFlag::NoSentAt => "no_sent_at",
            TimeFlag::AfterSentAt => "after_sent_at",
            TimeFlag::TooOld => "too_old",
        }
    }
}

/// Clock-skew correction: the client's clock may be off, but the time between creating an event
/// and sending its batch is measured on one clock, so `received − (sent_at − timestamp)` places
/// the event on the server's clock (network latency aside). When that is not sane the receive
/// time stands in, and the flag says why.
pub fn corrected_time(timestamp: i64, sent_at: Option<i64>, received_at: i64) -> (i64, Option<TimeFlag>) {
    let Some(sent_at) = sent_at else {
        return (received_at, Some(TimeFlag::NoSentAt));
    };
    let age = sent_at.saturating_sub(timestamp);
    if age < 0 {
        return (received_at, Some(TimeFlag::AfterSentAt));
    }
    if age > MAX_QUEUE_AGE_MS {
        return (received_at, Some(TimeFlag::TooOld));
    }
    (received_at.saturating_sub(age), None)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";

    fn ev(extra: &str) -> String {
        format!(
            r#"{{"event_id":"{ID}","name":"flow_started","timestamp":1763799990456,"anonymous_id":"a1","flow_id":"welcome"{extra}}}"#
        )
    }

    fn code(raw: &str) -> Option<&'static str> {
        parse_event(0, raw).err().map(|r| r.code.as_str())
    }

    #[test]
    fn a_complete_event_is_accepted_with_its_parts() {
        let raw = r#"{"event_id":"0193A1B2-C3D4-7E5F-8A9B-0C1D2E3F4A5B","name":"step_viewed","timestamp":1763799990456,
            "user_id":"u_42","anonymous_id":"a_1","session_id":"s_1","seq":17,"spec_revision":"2026-11-22.3",
            "flow_id":"welcome","step_id":"create","properties":{"index":0,"total":2},
            "context":{"traits":{"plan":"free"},"locale":"ja","path":"/app","stage":"onboarding"}}"#;
        let r = parse_event(3, raw).expect("valid");
        assert_eq!(r.event_id, ID);
        assert_eq!(r.name, "step_viewed");
        assert_eq!(r.user_id.as_deref(), Some("u_42"));
        assert_eq!(r.seq, Some(17));
        assert_eq!(r.properties, r#"{"index":0,"total":2}"#);
        assert_eq!(r.traits.as_deref(), Some(r#"{"plan":"free"}"#));
        assert_eq!(r.locale.as_deref(), Some("ja"));
        assert_eq!(r.stage.as_deref(), Some("onboarding"));
    }

    #[test]
    fn each_rule_has_its_code() {
        let cases: &[(&str, Option<&str>)] = &[
            (&ev(""), None),
            (r#"{"name":"flow_started","timestamp":1763799990456,"anonymous_id":"a","flow_id":"f"}"#, Some("missing_field")),
            (&ev("").replace(ID, "not-a-uuid"), Some("bad_event_id")),
            (&ev("").replace("\"event_id\":\"0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b\"", "\"event_id\":7"), Some("bad_event_id")),
            (&ev("").replace("flow_started", "flow_begun"), Some("bad_name")),
            (&ev("").replace("1763799990456", "1763799990"), Some("bad_timestamp")),
            (&ev("").replace("1763799990456", "1763799990456.5"), Some("bad_timestamp")),
            (&ev("").replace("1763799990456", "99999999999999999999999999"), Some("bad_timestamp")),
            (&ev("").replace("1763799990456", "\"1763799990456\""), Some("bad_timestamp")),
            (&ev(r#","properties":[]"#), Some("bad_field")),
            (&ev(r#","seq":-1"#), Some("bad_field")),
            (&ev(r#","user_id":{"a":1}"#), Some("bad_field")),
            (&ev(&format!(r#","user_id":"{}""#, "u".repeat(MAX_ID + 1))), Some("bad_field")),
            (&ev(r#","context":{"locale":"this-locale-tag-is-far-too-long-to-be-real"}"#), Some("bad_field")),
            (&ev(r#","context":{"traits":"plan"}"#), Some("bad_field")),
            (&ev("").replace(",\"flow_id\":\"welcome\"", ""), Some("missing_field")),
            (r#"[1,2]"#, Some("bad_field")),
            (&ev(r#","properties":{"s":"\ud800"}"#), Some("bad_field")),
            (&ev(r#","properties":{"n":1e999}"#), Some("bad_field")),
        ];
        for (raw, want) in cases {
            assert_eq!(code(raw), *want, "{raw}");
        }
    }

    #[test]
    fn size_and_depth_limits() {
        let deep = format!(r#","properties":{}1{}"#, "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert_eq!(code(&ev(&deep)), Some("too_deep"));
        // The event object is level 1 and properties level 2, so 30 more levels still fit.
        let ok = format!(r#","properties":{{"a":{}1{}}}"#, "[".repeat(MAX_DEPTH - 2), "]".repeat(MAX_DEPTH - 2));
        assert_eq!(code(&ev(&ok)), None);
        let big = format!(r#","properties":{{"s":"{}"}}"#, "x".repeat(MAX_EVENT_BYTES));
        assert_eq!(code(&ev(&big)), Some("too_large"));
        assert_eq!(json_depth(br#"{"a":"[[[[{{{{"}"#), 1);
        assert_eq!(json_depth(br#"{"a":"\"[[["}"#), 1);
    }

    #[test]
    fn per_name_fields_are_required() {
        let tracked = format!(r#"{{"event_id":"{ID}","name":"event_tracked","timestamp":1763799990456,"anonymous_id":"a"}}"#);
        assert_eq!(code(&tracked), Some("missing_field"));
        assert_eq!(code(&tracked.replace("\"anonymous_id\"", "\"event\":\"x\",\"anonymous_id\"")), None);
        let step = ev("").replace("flow_started", "step_viewed");
        assert_eq!(code(&step), Some("missing_field"));
        let milestone = format!(r#"{{"event_id":"{ID}","name":"milestone_reached","timestamp":1763799990456,"anonymous_id":"a"}}"#);
        assert_eq!(code(&milestone), None);
    }

    #[test]
    fn batch_level_errors() {
        assert!(matches!(parse_batch(b""), Err(BatchError::Malformed(_))));
        assert!(matches!(parse_batch(b"[]"), Err(BatchError::Malformed(_))));
        assert!(matches!(parse_batch(b"{\"events\":{}}"), Err(BatchError::Malformed(_))));
        assert!(matches!(parse_batch(b"{\"write_key\":\"k\"}"), Err(BatchError::Malformed(_))));
        assert!(matches!(parse_batch(b"{\"events\":[NaN]}"), Err(BatchError::Malformed(_))));
        assert!(matches!(parse_batch(b"{\"events\":[],\"events\":[]}"), Err(BatchError::Malformed(_))));
        assert!(matches!(parse_batch(b"\xff\xfe{}"), Err(BatchError::Malformed(_))));
        let many = format!("{{\"events\":[{}0]}}", "0,".repeat(MAX_EVENTS));
        assert_eq!(parse_batch(many.as_bytes()).err(), Some(BatchError::TooManyEvents(MAX_EVENTS + 1)));
        // Nesting far beyond serde_json's recursion limit inside an event is a per-event rejection.
        let deep = format!("{{\"events\":[{}{}]}}", "[".repeat(5000), "]".repeat(5000));
        let b = parse_batch(deep.as_bytes()).expect("batch parses");
        assert!(matches!(&b.events[..], [Err(r)] if r.code == RejectCode::TooDeep));
    }

    #[test]
    fn batch_fields_are_read_leniently() {
        let body = format!(
            r#"{{"write_key":"sb_pub_x","sent_at":1763800000123,"attempt":2,"sdk":{{"name":"shirube","version":"0.1.0"}},
                "events":[{},{{"nope":1}}],"sdk_stats":{{"dropped":{{"queue_overflow":3,"expired":0}}}}}}"#,
            ev("")
        );
        let b = parse_batch(body.as_bytes()).expect("valid batch");
        assert_eq!(b.write_key.as_deref(), Some("sb_pub_x"));
        assert_eq!(b.sent_at, Some(1763800000123));
        assert_eq!(b.attempt, Some(2));
        assert_eq!(b.sdk_version.as_deref(), Some("0.1.0"));
        assert_eq!(b.dropped, vec![("queue_overflow", 3)]);
        assert!(b.events[0].is_ok());
        assert!(matches!(&b.events[1], Err(r) if r.index == 1 && r.code == RejectCode::MissingField));
    }

    #[test]
    fn skew_correction() {
        // Client clock 1 h slow: event created 10 s before sending; server receives at R.
        let r = 1_763_800_000_000;
        assert_eq!(corrected_time(r - 3_600_000 - 10_000, Some(r - 3_600_000), r), (r - 10_000, None));
        assert_eq!(corrected_time(r, None, r + 5), (r + 5, Some(TimeFlag::NoSentAt)));
        assert_eq!(corrected_time(r + 1, Some(r), r), (r, Some(TimeFlag::AfterSentAt)));
        assert_eq!(corrected_time(r - MAX_QUEUE_AGE_MS - 1, Some(r), r), (r, Some(TimeFlag::TooOld)));
    }

    #[test]
    fn truncate_respects_characters() {
        assert_eq!(truncate("あいう", 4), "あ");
        assert_eq!(truncate("abc", 10), "abc");
    }
}
