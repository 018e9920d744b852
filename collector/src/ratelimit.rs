//! Per-write-key token buckets: each key earns `rate` tokens a second up to `burst`, and each
//! request spends one. An empty bucket means 429 with `Retry-After` set to the whole seconds
//! until a token is back.
//!
//! Buckets live in this process only: with N collector processes behind a load balancer a key
//! gets up to N times the rate (docs/collector.md says so). Only known keys get a bucket, so
//! the map is bounded by the number of projects.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

pub struct RateLimiter {
    rate: f64,
    burst: f64,
    buckets: Mutex<HashMap<i64, (f64, Instant)>>,
}

impl RateLimiter {
    pub fn new(rate: f64, burst: f64) -> RateLimiter {
        RateLimiter { rate, burst: burst.max(1.0), buckets: Mutex::new(HashMap::new()) }
    }

    /// Spends a token of `project`'s bucket. `Err(seconds)` says when to retry.
    pub fn check(&self, project: i64, now: Instant) -> Result<(), u64> {
        let Ok(mut buckets) = self.buckets.lock() else { return Ok(()) };
        let (tokens, last) = buckets.entry(project).or_insert((self.burst, now));
        let earned = now.saturating_duration_since(*last).as_secs_f64() * self.rate;
        *tokens = (*tokens + earned).min(self.burst);
        *last = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            let wait = (1.0 - *tokens) / self.rate;
            Err((wait.ceil() as u64).max(1))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn burst_then_refill() {
        let rl = RateLimiter::new(2.0, 3.0);
        let t = Instant::now();
        assert!(rl.check(1, t).is_ok());
        assert!(rl.check(1, t).is_ok());
        assert!(rl.check(1, t).is_ok());
        assert_eq!(rl.check(1, t), Err(1));
        assert!(rl.check(2, t).is_ok(), "keys have separate buckets");
        assert!(rl.check(1, t + Duration::from_millis(500)).is_ok());
        assert_eq!(rl.check(1, t + Duration::from_millis(500)), Err(1));
        let slow = RateLimiter::new(0.1, 1.0);
        assert!(slow.check(1, t).is_ok());
        assert_eq!(slow.check(1, t), Err(10));
    }
}
