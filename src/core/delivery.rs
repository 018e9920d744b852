//! Delivery decisions, without the network: the bounded event queue (what to keep, what to
//! evict when full, what has expired), how to cut it into requests, what a response means
//! (delivered, retry after a backoff, pause, split, drop, stop), the client rate limit, and the
//! batch body. `src/transport.rs` does the I/O; everything it decides is decided here.
//!
//! Delivery is at least once: an event leaves the queue only on a 2xx (or when it must be
//! dropped, which is counted); the collector deduplicates by `event_id`.

use crate::core::json::{self, write_num, write_str, Json};

pub const MAX_EVENTS: usize = 500;
pub const MAX_QUEUE_BYTES: usize = 256 * 1024;
pub const MAX_EVENT_BYTES: usize = 32 * 1024;
pub const MAX_REQUEST_BYTES: usize = 48 * 1024;
pub const BATCH_EVENTS: usize = 10;
pub const BATCH_DELAY_MS: u32 = 2000;
pub const EXPIRE_MS: f64 = 7.0 * 24.0 * 3600.0 * 1000.0;
pub const BEACON_MAX: usize = 64 * 1024;
pub const BEACON_MIN: usize = 16 * 1024;
pub const MAX_ATTEMPTS: u32 = 10;
pub const TIMEOUT_MS: u32 = 10_000;
pub const RETRY_AFTER_CAP_MS: f64 = 300_000.0;

/// One event waiting to be delivered.
#[derive(Clone, Debug, PartialEq)]
pub struct Queued {
    pub id: String,
    pub created: f64,
    /// Milestones, survey answers and stage changes: sent at once, evicted last.
    pub priority: bool,
    /// The event's JSON text (the wire form).
    pub text: String,
}

/// Events dropped on purpose, by reason; sent with every batch as `sdk_stats`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Stats {
    pub queue_overflow: u32,
    pub too_large: u32,
    pub rate_limited: u32,
    pub expired: u32,
    pub rejected: u32,
}

impl Stats {
    pub fn merge(&mut self, o: &Stats) {
        self.queue_overflow += o.queue_overflow;
        self.too_large += o.too_large;
        self.rate_limited += o.rate_limited;
        self.expired += o.expired;
        self.rejected += o.rejected;
    }
    fn write(&self, out: &mut String) {
        out.push_str("{\"dropped\":{");
        for (i, (k, v)) in [("queue_overflow", self.queue_overflow), ("too_large", self.too_large), ("rate_limited", self.rate_limited), ("expired", self.expired), ("rejected", self.rejected)].iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            write_str(out, k);
            out.push(':');
            write_num(out, *v as f64);
        }
        out.push_str("}}");
    }
    fn read(v: &Json) -> Stats {
        let d = v.get("dropped");
        let n = |k: &str| d.and_then(|d| d.get(k)).and_then(|x| x.as_f64()).filter(|x| *x >= 0.0).unwrap_or(0.0) as u32;
        Stats { queue_overflow: n("queue_overflow"), too_large: n("too_large"), rate_limited: n("rate_limited"), expired: n("expired"), rejected: n("rejected") }
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Queue {
    pub events: Vec<Queued>,
    pub stats: Stats,
}

impl Queue {
    pub fn bytes(&self) -> usize {
        self.events.iter().map(|e| e.text.len() + 1).sum()
    }

    /// Adds an event, keeping the queue within its bounds: an event over 32 KiB is dropped;
    /// when the queue is full, the oldest events that are not priority go first (and, if only
    /// priority events are left, the oldest of those). Returns false if `e` itself was dropped.
    pub fn push(&mut self, e: Queued) -> bool {
        if e.text.len() > MAX_EVENT_BYTES {
            self.stats.too_large += 1;
            return false;
        }
        if self.events.iter().any(|x| x.id == e.id) {
            return true;
        }
        self.events.push(e);
        while self.events.len() > MAX_EVENTS || self.bytes() > MAX_QUEUE_BYTES {
            let victim = self.events.iter().position(|x| !x.priority).unwrap_or(0);
            self.events.remove(victim);
            self.stats.queue_overflow += 1;
        }
        true
    }

    /// Drops events older than 7 days (a browser closed for a week, or a broken collector).
    pub fn expire(&mut self, now: f64) {
        let before = self.events.len();
        self.events.retain(|e| now - e.created <= EXPIRE_MS);
        self.stats.expired += (before - self.events.len()) as u32;
    }

    pub fn remove(&mut self, ids: &[String]) {
        self.events.retain(|e| !ids.contains(&e.id));
    }

    /// The next request: up to `max_events` oldest events not in `busy`, within `max_bytes`
    /// of body (always at least one).
    pub fn next_batch(&self, busy: &[String], max_events: usize, max_bytes: usize) -> Vec<usize> {
        let mut out = Vec::new();
        let mut size = BODY_OVERHEAD;
        for (i, e) in self.events.iter().enumerate() {
            if busy.contains(&e.id) {
                continue;
            }
            if !out.is_empty() && (out.len() >= max_events || size + e.text.len() + 1 > max_bytes) {
                break;
            }
            size += e.text.len() + 1;
            out.push(i);
        }
        out
    }

    /// Whether anything waiting should go now rather than after the batch delay.
    pub fn urgent(&self, busy: &[String]) -> bool {
        let waiting: Vec<&Queued> = self.events.iter().filter(|e| !busy.contains(&e.id)).collect();
        waiting.len() >= BATCH_EVENTS || waiting.iter().any(|e| e.priority)
    }

    /// Chunks of the whole queue for `sendBeacon` on page hide, each body at most `limit` bytes.
    pub fn chunks(&self, limit: usize) -> Vec<Vec<usize>> {
        let mut out: Vec<Vec<usize>> = Vec::new();
        let mut cur: Vec<usize> = Vec::new();
        let mut size = BODY_OVERHEAD;
        for (i, e) in self.events.iter().enumerate() {
            if !cur.is_empty() && size + e.text.len() + 1 > limit {
                out.push(std::mem::take(&mut cur));
                size = BODY_OVERHEAD;
            }
            size += e.text.len() + 1;
            cur.push(i);
        }
        if !cur.is_empty() {
            out.push(cur);
        }
        out
    }

    /// The stored form (localStorage): events as raw JSON, plus the drop counters.
    pub fn to_text(&self) -> String {
        let mut out = String::from("{\"v\":1,\"stats\":");
        self.stats.write(&mut out);
        out.push_str(",\"events\":[");
        for (i, e) in self.events.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str("{\"c\":");
            write_num(&mut out, e.created.floor());
            if e.priority {
                out.push_str(",\"p\":1");
            }
            out.push_str(",\"e\":");
            out.push_str(&e.text);
            out.push('}');
        }
        out.push_str("]}");
        out
    }

    /// Reads a stored queue. A damaged one yields whatever events are intact (`Err` only when
    /// nothing is readable); events without an id are skipped.
    pub fn from_text(text: &str) -> Result<Queue, String> {
        let (n, _) = json::parse(text).map_err(|e| e.last().map(|i| i.message.clone()).unwrap_or_default())?;
        let v = n.v;
        if v.get("v").and_then(|x| x.as_f64()) != Some(1.0) {
            return Err("unknown queue format".into());
        }
        let mut q = Queue { stats: v.get("stats").map(Stats::read).unwrap_or_default(), events: Vec::new() };
        for item in v.get("events").and_then(|e| e.as_arr()).unwrap_or(&[]) {
            let Some(e) = item.v.get("e") else { continue };
            let Some(id) = e.get("event_id").and_then(|i| i.as_str()) else { continue };
            let created = item.v.get("c").and_then(|c| c.as_f64()).unwrap_or(0.0);
            let priority = item.v.get("p").is_some();
            q.events.push(Queued { id: id.to_string(), created, priority, text: e.write(false) });
        }
        Ok(q)
    }
}

/// Bytes of a batch body besides the events (keys, write key, sdk, stats), with room to spare.
pub const BODY_OVERHEAD: usize = 512;

/// The body of `POST /v1/batch` (docs/events.md).
pub fn body(write_key: &str, sent_at: f64, attempt: u32, version: &str, events: &[&Queued], stats: &Stats) -> String {
    let mut out = String::from("{\"write_key\":");
    write_str(&mut out, write_key);
    out.push_str(",\"sent_at\":");
    write_num(&mut out, sent_at.floor());
    out.push_str(",\"attempt\":");
    write_num(&mut out, attempt as f64);
    out.push_str(",\"sdk\":{\"name\":\"shirube\",\"version\":");
    write_str(&mut out, version);
    out.push_str("},\"events\":[");
    for (i, e) in events.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&e.text);
    }
    out.push_str("],\"sdk_stats\":");
    stats.write(&mut out);
    out.push('}');
    out
}

/// What to do after a request.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// 2xx: remove the events.
    Delivered,
    /// Try again after this many ms (network error, timeout, 408, 429, 5xx).
    Retry(f64),
    /// The collector asked everyone to wait (429/503 with Retry-After): pause all sending.
    Pause(f64),
    /// 413: the request was too large; send the events in smaller requests.
    Split,
    /// Other 4xx: the events will never be accepted; drop and count them.
    Drop,
    /// 401/403: the key or origin is refused; stop sending for this page, keep the events.
    Stop,
    /// Ten attempts failed this page life: keep the events for the next load.
    GiveUp,
}

/// Exponential backoff from 1 s doubling to 60 s, with ±20% jitter (`jitter01` in [0, 1)).
pub fn backoff(attempt: u32, jitter01: f64) -> f64 {
    let base = (1000.0 * 2f64.powi(attempt.min(16) as i32)).min(60_000.0);
    // max/min, not f64::clamp: its panic message would link float formatting into the wasm.
    (base * (0.8 + 0.4 * jitter01.max(0.0).min(1.0))).round()
}

/// `Retry-After` as seconds or an HTTP date, in ms from `now`, capped at 5 minutes.
pub fn retry_after(value: &str, now: f64) -> Option<f64> {
    let v = value.trim();
    let ms = if let Some(s) = crate::core::float::parse(v) {
        if !s.is_finite() || s < 0.0 {
            return None;
        }
        s * 1000.0
    } else {
        http_date(v)? - now
    };
    Some(ms.max(0.0).min(RETRY_AFTER_CAP_MS))
}

/// Parses an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) to ms.
fn http_date(s: &str) -> Option<f64> {
    let mut it = s.split_whitespace();
    let _weekday = it.next()?;
    let day: u32 = it.next()?.parse().ok()?;
    let mon = match it.next()? {
        "Jan" => 1,
        "Feb" => 2,
        "Mar" => 3,
        "Apr" => 4,
        "May" => 5,
        "Jun" => 6,
        "Jul" => 7,
        "Aug" => 8,
        "Sep" => 9,
        "Oct" => 10,
        "Nov" => 11,
        "Dec" => 12,
        _ => return None,
    };
    let year: u32 = it.next()?.parse().ok()?;
    let time = it.next()?;
    if it.next()? != "GMT" {
        return None;
    }
    crate::core::time::parse_date(&format!("{:04}-{:02}-{:02}T{}Z", year, mon, day, time))
}

/// Classifies a response (`status` None for a network error or timeout). `attempt` counts the
/// attempts this page life, including this one.
pub fn classify(status: Option<u16>, retry_after_ms: Option<f64>, attempt: u32, jitter01: f64) -> Outcome {
    let retry = || if attempt >= MAX_ATTEMPTS { Outcome::GiveUp } else { Outcome::Retry(backoff(attempt.saturating_sub(1), jitter01)) };
    match status {
        Some(s) if (200..300).contains(&s) => Outcome::Delivered,
        Some(401 | 403) => Outcome::Stop,
        Some(413) => Outcome::Split,
        Some(429 | 503) => match retry_after_ms {
            Some(ms) if attempt < MAX_ATTEMPTS => Outcome::Pause(ms.max(backoff(0, jitter01))),
            _ => retry(),
        },
        Some(408) => retry(),
        Some(501 | 505 | 511) => Outcome::Drop,
        Some(s) if (500..600).contains(&s) => retry(),
        Some(s) if (400..500).contains(&s) => Outcome::Drop,
        Some(_) => retry(),
        None => retry(),
    }
}

/// The client rate limit: a token bucket of 100 events refilled at 10 per second.
#[derive(Clone, Debug, PartialEq)]
pub struct RateLimit {
    tokens: f64,
    last: f64,
}

impl RateLimit {
    pub const RATE: f64 = 10.0;
    pub const BURST: f64 = 100.0;

    pub fn new(now: f64) -> RateLimit {
        RateLimit { tokens: Self::BURST, last: now }
    }

    /// Takes a token; false when the event must be dropped.
    pub fn take(&mut self, now: f64) -> bool {
        let dt = ((now - self.last) / 1000.0).max(0.0);
        self.tokens = (self.tokens + dt * Self::RATE).min(Self::BURST);
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(i: usize, priority: bool, size: usize) -> Queued {
        let pad = "x".repeat(size.saturating_sub(40));
        Queued { id: format!("id{}", i), created: i as f64, priority, text: format!("{{\"event_id\":\"id{}\",\"p\":\"{}\"}}", i, pad) }
    }

    #[test]
    fn bounded_by_count_and_bytes_evicting_non_priority_first() {
        let mut q = Queue::default();
        q.push(ev(0, true, 100));
        for i in 1..=520 {
            q.push(ev(i, false, 100));
        }
        assert_eq!(q.events.len(), 500);
        assert_eq!(q.stats.queue_overflow, 21);
        assert_eq!(q.events[0].id, "id0", "the milestone survives");
        assert_eq!(q.events[1].id, "id22");
        // Bytes: 20 events of 16 KiB exceed 256 KiB.
        let mut q = Queue::default();
        for i in 0..20 {
            q.push(ev(i, false, 16 * 1024));
        }
        assert!(q.bytes() <= MAX_QUEUE_BYTES);
        assert_eq!(q.events.len(), 16, "16 events of just under 16 KiB fit in 256 KiB");
        // A single event over 32 KiB is dropped and counted.
        assert!(!q.push(ev(99, false, 33 * 1024)));
        assert_eq!(q.stats.too_large, 1);
        // Pushing the same id twice keeps one.
        let mut q = Queue::default();
        q.push(ev(1, false, 50));
        q.push(ev(1, false, 50));
        assert_eq!(q.events.len(), 1);
    }

    #[test]
    fn expiry_after_seven_days() {
        let mut q = Queue::default();
        q.push(Queued { created: 0.0, ..ev(1, false, 50) });
        q.push(Queued { created: EXPIRE_MS, ..ev(2, false, 50) });
        q.expire(EXPIRE_MS + 1.0);
        assert_eq!(q.events.len(), 1);
        assert_eq!(q.stats.expired, 1);
    }

    #[test]
    fn batches_and_chunks_respect_limits() {
        let mut q = Queue::default();
        for i in 0..25 {
            q.push(ev(i, false, 6000));
        }
        let b = q.next_batch(&[], BATCH_EVENTS, MAX_REQUEST_BYTES);
        assert_eq!(b.len(), 8, "8 × 6 KB fit in 48 KiB (49,152 bytes) with the envelope");
        let busy: Vec<String> = b.iter().map(|i| q.events[*i].id.clone()).collect();
        assert_eq!(q.next_batch(&busy, BATCH_EVENTS, MAX_REQUEST_BYTES).first(), Some(&8));
        let chunks = q.chunks(BEACON_MAX);
        assert!(chunks.iter().all(|c| c.iter().map(|i| q.events[*i].text.len() + 1).sum::<usize>() + BODY_OVERHEAD <= BEACON_MAX));
        assert_eq!(chunks.iter().map(|c| c.len()).sum::<usize>(), 25);
        // An event larger than the limit still gets a chunk of its own.
        let mut q = Queue::default();
        q.push(ev(1, false, 30 * 1024));
        assert_eq!(q.chunks(BEACON_MIN), vec![vec![0]]);
    }

    #[test]
    fn urgency() {
        let mut q = Queue::default();
        q.push(ev(1, false, 50));
        assert!(!q.urgent(&[]));
        q.push(ev(2, true, 50));
        assert!(q.urgent(&[]));
        assert!(!q.urgent(&["id2".to_string()]));
    }

    #[test]
    fn stored_form_round_trips_and_survives_damage() {
        let mut q = Queue::default();
        q.push(ev(1, true, 80));
        q.push(ev(2, false, 80));
        q.stats.rejected = 3;
        let back = Queue::from_text(&q.to_text());
        assert_eq!(back, Ok(q));
        assert!(Queue::from_text("{\"v\":1,\"events\":[{\"c\":1},{\"e\":{\"no\":\"id\"}},{\"e\":{\"event_id\":\"ok\"}}]}").is_ok_and(|q| q.events.len() == 1));
        assert!(Queue::from_text("garbage").is_err());
        assert!(Queue::from_text("{\"v\":2}").is_err());
    }

    #[test]
    fn status_matrix() {
        use Outcome::*;
        let cases: Vec<(Option<u16>, Option<f64>, u32, Outcome)> = vec![
            (Some(200), None, 1, Delivered),
            (Some(204), None, 1, Delivered),
            (Some(400), None, 1, Drop),
            (Some(404), None, 1, Drop),
            (Some(401), None, 1, Stop),
            (Some(403), None, 1, Stop),
            (Some(413), None, 1, Split),
            (Some(408), None, 1, Retry(1000.0)),
            (Some(429), None, 2, Retry(2000.0)),
            (Some(429), Some(30_000.0), 1, Pause(30_000.0)),
            (Some(503), Some(5_000.0), 1, Pause(5_000.0)),
            (Some(503), None, 3, Retry(4000.0)),
            (Some(500), None, 1, Retry(1000.0)),
            (Some(502), None, 7, Retry(60_000.0)),
            (Some(501), None, 1, Drop),
            (Some(505), None, 1, Drop),
            (Some(511), None, 1, Drop),
            (None, None, 1, Retry(1000.0)),
            (None, None, 10, GiveUp),
            (Some(500), None, 10, GiveUp),
        ];
        for (status, ra, attempt, want) in cases {
            assert_eq!(classify(status, ra, attempt, 0.5), want, "{:?} attempt {}", status, attempt);
        }
    }

    #[test]
    fn backoff_and_retry_after() {
        assert_eq!(backoff(0, 0.0), 800.0);
        assert_eq!(backoff(0, 1.0), 1200.0);
        assert_eq!(backoff(3, 0.5), 8000.0);
        assert_eq!(backoff(9, 0.5), 60_000.0);
        assert_eq!(retry_after("120", 0.0), Some(120_000.0));
        assert_eq!(retry_after("9999", 0.0), Some(RETRY_AFTER_CAP_MS));
        assert_eq!(retry_after("-1", 0.0), None);
        let now = crate::core::time::parse_date("2026-11-22T10:00:00Z").unwrap_or(0.0);
        assert_eq!(retry_after("Sun, 22 Nov 2026 10:00:30 GMT", now), Some(30_000.0));
        assert_eq!(retry_after("soon", now), None);
    }

    #[test]
    fn rate_limit_10_per_second_burst_100() {
        let mut r = RateLimit::new(0.0);
        let burst = (0..150).filter(|_| r.take(0.0)).count();
        assert_eq!(burst, 100);
        assert!(!r.take(50.0));
        assert!(r.take(100.0), "one token after 100 ms");
        let later = (0..30).filter(|_| r.take(2100.0)).count();
        assert_eq!(later, 20);
    }

    #[test]
    fn body_shape() {
        let q = vec![ev(1, false, 50)];
        let refs: Vec<&Queued> = q.iter().collect();
        let b = body("sb_pub_x", 1763800000123.4, 2, "0.1.0", &refs, &Stats { too_large: 1, ..Default::default() });
        let v = json::parse(&b).map(|(n, _)| n.v).unwrap_or(Json::Null);
        assert_eq!(v.get("write_key"), Some(&Json::str("sb_pub_x")));
        assert_eq!(v.get("sent_at"), Some(&Json::Num(1763800000123.0)));
        assert_eq!(v.get("attempt"), Some(&Json::Num(2.0)));
        assert_eq!(v.get("events").and_then(|e| e.as_arr()).map(|a| a.len()), Some(1));
        assert_eq!(v.get("sdk_stats").and_then(|s| s.get("dropped")).and_then(|d| d.get("too_large")), Some(&Json::Num(1.0)));
    }
}
