//! A deterministic mutation fuzzer for the request parser that runs in every test run (the
//! long coverage-guided run is `cargo fuzz run parse_batch`, see docs/collector.md): valid
//! batches are corrupted by a seeded generator (byte flips, structural characters, splices,
//! truncation, deep nesting, huge numbers and strings) and the parser must neither panic nor
//! break the invariants the store relies on. Failures print the seed and the input.

use shirube_collector::batch::{self, parse_batch, EVENT_NAMES};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*: fast, deterministic, good enough to spread mutations.
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

const SEEDS: [&str; 2] = [include_str!("../fuzz/seeds/batch.json"), include_str!("../fuzz/seeds/rejects.json")];
const TOKENS: [&str; 16] = [
    "{", "}", "[", "]", ",", ":", "\"", "\\", "null", "1e999", "-0", "\\ud800", "12345678901234567890123", "NaN", "\u{0}", "\"event_id\"",
];

fn mutate(rng: &mut Rng, input: &[u8]) -> Vec<u8> {
    let mut v = input.to_vec();
    for _ in 0..=rng.below(4) {
        let at = rng.below(v.len() + 1);
        match rng.below(7) {
            0 if !v.is_empty() => {
                let i = rng.below(v.len());
                v[i] ^= 1 << rng.below(8);
            }
            1 => {
                let t = TOKENS[rng.below(TOKENS.len())].as_bytes();
                v.splice(at..at, t.iter().copied());
            }
            2 if !v.is_empty() => {
                let end = (at + rng.below(16)).min(v.len());
                v.drain(at.min(end)..end);
            }
            3 => v.truncate(at),
            4 => {
                let n = 1 + rng.below(200);
                let open = if rng.below(2) == 0 { b'[' } else { b'{' };
                v.splice(at..at, std::iter::repeat_n(open, n));
            }
            5 => {
                let s = format!("\"{}\"", "x".repeat(rng.below(40_000)));
                v.splice(at..at, s.into_bytes());
            }
            _ => {
                // Splice a slice of the input elsewhere (duplicates keys and events).
                let from = rng.below(v.len());
                let to = (from + rng.below(64)).min(v.len());
                let piece: Vec<u8> = v[from..to].to_vec();
                let at = at.min(v.len());
                v.splice(at..at, piece);
            }
        }
    }
    v
}

fn check(input: &[u8]) {
    let Ok(b) = parse_batch(input) else { return };
    assert!(b.events.len() <= batch::MAX_EVENTS);
    for (i, e) in b.events.iter().enumerate() {
        match e {
            Ok((idx, r)) => {
                assert_eq!(*idx, i);
                assert_eq!(batch::canonical_uuid(&r.event_id).as_deref(), Some(r.event_id.as_str()));
                assert!(EVENT_NAMES.contains(&r.name));
                assert!((batch::MIN_TIMESTAMP_MS..=batch::MAX_TIMESTAMP_MS).contains(&r.timestamp));
                assert!(serde_json::from_str::<serde_json::Value>(&r.properties).is_ok_and(|v| v.is_object()));
                assert!(r.user_id.as_ref().is_none_or(|u| u.len() <= batch::MAX_ID));
            }
            Err(rej) => {
                assert_eq!(rej.index, i);
                assert!(rej.raw.len() <= batch::MAX_QUARANTINE_BYTES);
            }
        }
    }
}

#[test]
fn mutated_batches_never_panic_and_keep_invariants() {
    let iterations: u64 = std::env::var("SHIRUBE_MUTATIONS").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let mut accepted_some = 0;
    for seed in 1..=iterations {
        let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        let base = SEEDS[rng.below(SEEDS.len())].trim().as_bytes();
        let input = mutate(&mut rng, base);
        let outcome = std::panic::catch_unwind(|| check(&input));
        if outcome.is_err() {
            panic!("seed {seed} broke the parser with input {:?}", String::from_utf8_lossy(&input));
        }
        if parse_batch(&input).is_ok_and(|b| b.events.iter().any(|e| e.is_ok())) {
            accepted_some += 1;
        }
    }
    // The mutations must leave many inputs parseable, or the test only exercises the error path.
    assert!(accepted_some > iterations / 20, "only {accepted_some} of {iterations} mutated inputs kept a valid event");
}
