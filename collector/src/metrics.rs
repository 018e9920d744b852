//! Counters and histograms of one collector process, rendered in the Prometheus text format
//! (version 0.0.4) at `GET /metrics`. Lock-free atomics, so recording costs a few nanoseconds
//! on the ingest path.
//!
//! It owns no global state: each server owns its `Metrics`, so two servers in one process
//! (the tests) do not mix their figures. It must not know HTTP routing beyond route labels.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering::Relaxed};
use std::time::Duration;

use crate::batch::{RejectCode, DROP_REASONS};

/// Upper bounds in seconds for request and commit latency.
const LATENCY_BUCKETS: [f64; 14] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];
/// Upper bounds for the number of requests grouped into one commit.
const GROUP_BUCKETS: [f64; 9] = [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0];

/// Route labels for the request histogram.
pub const ROUTES: [&str; 7] = ["batch", "state", "specs", "export", "health", "metrics", "other"];

pub struct Histogram {
    bounds: &'static [f64],
    counts: Vec<AtomicU64>,
    /// Sum in micro-units (microseconds, or millionths of a count), to stay integral.
    sum_micros: AtomicU64,
    count: AtomicU64,
}

impl Histogram {
    fn new(bounds: &'static [f64]) -> Histogram {
        Histogram { bounds, counts: bounds.iter().map(|_| AtomicU64::new(0)).collect(), sum_micros: AtomicU64::new(0), count: AtomicU64::new(0) }
    }

    pub fn observe(&self, v: f64) {
        if let Some(i) = self.bounds.iter().position(|b| v <= *b) {
            if let Some(c) = self.counts.get(i) {
                c.fetch_add(1, Relaxed);
            }
        }
        self.sum_micros.fetch_add((v * 1e6) as u64, Relaxed);
        self.count.fetch_add(1, Relaxed);
    }

    fn render(&self, out: &mut String, name: &str, labels: &str) {
        let sep = if labels.is_empty() { "" } else { "," };
        let mut cumulative = 0;
        for (b, c) in self.bounds.iter().zip(&self.counts) {
            cumulative += c.load(Relaxed);
            let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"{b}\"}} {cumulative}");
        }
        let count = self.count.load(Relaxed);
        let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {count}");
        let braces = if labels.is_empty() { String::new() } else { format!("{{{labels}}}") };
        let _ = writeln!(out, "{name}_sum{braces} {}", self.sum_micros.load(Relaxed) as f64 / 1e6);
        let _ = writeln!(out, "{name}_count{braces} {count}");
    }
}

pub struct Metrics {
    pub events_received: AtomicU64,
    pub events_accepted: AtomicU64,
    pub events_duplicate: AtomicU64,
    rejected: [AtomicU64; 7],
    sdk_dropped: [AtomicU64; 5],
    responses: Vec<AtomicU64>,
    latency: Vec<Histogram>,
    commit_latency: Histogram,
    commit_group: Histogram,
    pub in_flight: AtomicI64,
    pub rate_limited: AtomicU64,
    pub shed: AtomicU64,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics {
            events_received: AtomicU64::new(0),
            events_accepted: AtomicU64::new(0),
            events_duplicate: AtomicU64::new(0),
            rejected: Default::default(),
            sdk_dropped: Default::default(),
            responses: (0..600).map(|_| AtomicU64::new(0)).collect(),
            latency: ROUTES.iter().map(|_| Histogram::new(&LATENCY_BUCKETS)).collect(),
            commit_latency: Histogram::new(&LATENCY_BUCKETS),
            commit_group: Histogram::new(&GROUP_BUCKETS),
            in_flight: AtomicI64::new(0),
            rate_limited: AtomicU64::new(0),
            shed: AtomicU64::new(0),
        }
    }
}

impl Metrics {
    pub fn reject(&self, code: RejectCode) {
        if let Some(i) = RejectCode::ALL.iter().position(|c| *c == code) {
            if let Some(c) = self.rejected.get(i) {
                c.fetch_add(1, Relaxed);
            }
        }
    }

    pub fn sdk_dropped(&self, reason: &str, n: u64) {
        if let Some(i) = DROP_REASONS.iter().position(|r| *r == reason) {
            if let Some(c) = self.sdk_dropped.get(i) {
                c.fetch_add(n, Relaxed);
            }
        }
    }

    pub fn response(&self, route: &str, status: u16, elapsed: Duration) {
        if let Some(c) = self.responses.get(usize::from(status)) {
            c.fetch_add(1, Relaxed);
        }
        let i = ROUTES.iter().position(|r| *r == route).unwrap_or(ROUTES.len() - 1);
        if let Some(h) = self.latency.get(i) {
            h.observe(elapsed.as_secs_f64());
        }
    }

    pub fn observe_commit(&self, requests: usize, elapsed: Duration) {
        self.commit_latency.observe(elapsed.as_secs_f64());
        self.commit_group.observe(requests as f64);
    }

    /// The Prometheus text exposition of every metric.
    pub fn render(&self, backend: &str) -> String {
        let mut o = String::with_capacity(8 * 1024);
        let counter = |o: &mut String, name: &str, help: &str, v: u64| {
            let _ = writeln!(o, "# HELP {name} {help}\n# TYPE {name} counter\n{name} {v}");
        };
        let _ = writeln!(o, "# HELP shirube_info The collector's version and storage backend.\n# TYPE shirube_info gauge");
        let _ = writeln!(o, "shirube_info{{version=\"{}\",backend=\"{backend}\"}} 1", env!("CARGO_PKG_VERSION"));
        counter(&mut o, "shirube_events_received_total", "Events received in well-formed batches from known keys.", self.events_received.load(Relaxed));
        counter(&mut o, "shirube_events_accepted_total", "Events newly stored (committed durably).", self.events_accepted.load(Relaxed));
        counter(&mut o, "shirube_events_duplicate_total", "Events already stored, acknowledged without storing again.", self.events_duplicate.load(Relaxed));
        let _ = writeln!(o, "# HELP shirube_events_rejected_total Events rejected one by one, by reason.\n# TYPE shirube_events_rejected_total counter");
        for (code, c) in RejectCode::ALL.iter().zip(&self.rejected) {
            let _ = writeln!(o, "shirube_events_rejected_total{{reason=\"{}\"}} {}", code.as_str(), c.load(Relaxed));
        }
        let _ = writeln!(o, "# HELP shirube_sdk_dropped_total Events the SDKs report they dropped before sending, by reason.\n# TYPE shirube_sdk_dropped_total counter");
        for (reason, c) in DROP_REASONS.iter().zip(&self.sdk_dropped) {
            let _ = writeln!(o, "shirube_sdk_dropped_total{{reason=\"{reason}\"}} {}", c.load(Relaxed));
        }
        let _ = writeln!(o, "# HELP shirube_http_responses_total HTTP responses by status code.\n# TYPE shirube_http_responses_total counter");
        for (status, c) in self.responses.iter().enumerate() {
            let v = c.load(Relaxed);
            if v > 0 {
                let _ = writeln!(o, "shirube_http_responses_total{{status=\"{status}\"}} {v}");
            }
        }
        counter(&mut o, "shirube_rate_limited_total", "Requests answered 429 by the per-key token bucket.", self.rate_limited.load(Relaxed));
        counter(&mut o, "shirube_shed_total", "Requests answered 503 because the concurrency limit was reached.", self.shed.load(Relaxed));
        let _ = writeln!(o, "# HELP shirube_in_flight_requests Requests being handled now.\n# TYPE shirube_in_flight_requests gauge");
        let _ = writeln!(o, "shirube_in_flight_requests {}", self.in_flight.load(Relaxed));
        let _ = writeln!(o, "# HELP shirube_http_request_duration_seconds Time from request head to response head, by route.\n# TYPE shirube_http_request_duration_seconds histogram");
        for (route, h) in ROUTES.iter().zip(&self.latency) {
            h.render(&mut o, "shirube_http_request_duration_seconds", &format!("route=\"{route}\""));
        }
        let _ = writeln!(o, "# HELP shirube_commit_duration_seconds Time of one group-commit transaction.\n# TYPE shirube_commit_duration_seconds histogram");
        self.commit_latency.render(&mut o, "shirube_commit_duration_seconds", "");
        let _ = writeln!(o, "# HELP shirube_commit_group_requests Requests grouped into one commit.\n# TYPE shirube_commit_group_requests histogram");
        self.commit_group.render(&mut o, "shirube_commit_group_requests", "");
        o
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_is_cumulative_and_text_is_well_formed() {
        let m = Metrics::default();
        m.response("batch", 200, Duration::from_micros(300));
        m.response("batch", 200, Duration::from_millis(30));
        m.response("batch", 429, Duration::from_secs(60));
        m.reject(RejectCode::TooDeep);
        let t = m.render("sqlite");
        assert!(t.contains("shirube_http_request_duration_seconds_bucket{route=\"batch\",le=\"0.0005\"} 1\n"), "{t}");
        assert!(t.contains("shirube_http_request_duration_seconds_bucket{route=\"batch\",le=\"0.05\"} 2\n"));
        assert!(t.contains("shirube_http_request_duration_seconds_bucket{route=\"batch\",le=\"+Inf\"} 3\n"));
        assert!(t.contains("shirube_http_responses_total{status=\"429\"} 1\n"));
        assert!(t.contains("shirube_events_rejected_total{reason=\"too_deep\"} 1\n"));
        for line in t.lines().filter(|l| !l.starts_with('#')) {
            let value = line.rsplit(' ').next().unwrap_or("");
            assert!(value.parse::<f64>().is_ok(), "bad sample line {line:?}");
        }
    }
}
