//! One small stable sort for the whole SDK.
//!
//! The standard library's sorts (driftsort, ipnsort) are fast but large, and every element
//! type and comparison instantiates them again: nine call sites cost about 31 KB of the wasm.
//! Here one non-generic bottom-up merge sort orders indices, and a thin generic wrapper moves
//! the elements once. O(n log n) comparisons, stable, no recursion; the lists Shirube sorts
//! (flows, diagnostics, survey records) have at most a few thousand elements.

use std::cmp::Ordering;

/// The stable order of `0..n` under `less` (`less(a, b)`: element `a` goes before `b`).
fn order(n: usize, less: &mut dyn FnMut(usize, usize) -> bool) -> Vec<usize> {
    let mut src: Vec<usize> = (0..n).collect();
    let mut dst: Vec<usize> = vec![0; n];
    let mut width = 1;
    while width < n {
        let mut lo = 0;
        while lo < n {
            let mid = (lo + width).min(n);
            let hi = (lo + 2 * width).min(n);
            let (mut i, mut j) = (lo, mid);
            for slot in dst.iter_mut().take(hi).skip(lo) {
                // Take from the right run only when it is strictly less, so equal elements
                // keep their order.
                let right = if i < mid && j < hi {
                    matches!((src.get(i), src.get(j)), (Some(&l), Some(&r)) if less(r, l))
                } else {
                    i >= mid
                };
                let from = if right { &mut j } else { &mut i };
                *slot = src.get(*from).copied().unwrap_or(0);
                *from += 1;
            }
            lo = hi;
        }
        std::mem::swap(&mut src, &mut dst);
        width *= 2;
    }
    src
}

/// Sorts `v` stably by `cmp`, like `slice::sort_by`.
pub fn sort_by<T>(v: &mut [T], mut cmp: impl FnMut(&T, &T) -> Ordering) {
    if v.len() < 2 {
        return;
    }
    let mut perm = {
        let items: &[T] = v;
        order(items.len(), &mut |a, b| match (items.get(a), items.get(b)) {
            (Some(x), Some(y)) => cmp(x, y) == Ordering::Less,
            _ => false,
        })
    };
    // `perm[k]` is where the element that belongs at `k` is now: follow each cycle once,
    // swapping, and mark positions done by pointing them at themselves.
    for start in 0..perm.len() {
        let mut cur = start;
        loop {
            let Some(slot) = perm.get_mut(cur) else { break };
            let from = std::mem::replace(slot, cur);
            if from == start || from == cur {
                break;
            }
            v.swap(cur, from);
            cur = from;
        }
    }
}

/// Sorts `v` stably by a key, like `slice::sort_by_key`.
pub fn sort_by_key<T, K: Ord>(v: &mut [T], mut key: impl FnMut(&T) -> K) {
    sort_by(v, |a, b| key(a).cmp(&key(b)));
}

/// Sorts `v` in ascending order (stable), like `slice::sort`.
pub fn sort<T: Ord>(v: &mut [T]) {
    sort_by(v, |a, b| a.cmp(b));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small deterministic generator, so the test needs no dependency.
    fn lcg(seed: &mut u64) -> u64 {
        *seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        *seed >> 33
    }

    #[test]
    fn matches_the_standard_stable_sort() {
        let mut seed = 7;
        for n in (0..70).chain([127, 128, 129, 1000, 4097]) {
            for range in [1, 3, 50, 1_000_000] {
                // (key, original position): equal keys must keep their order.
                let v: Vec<(u64, usize)> = (0..n).map(|i| (lcg(&mut seed) % range, i)).collect();
                let mut want = v.clone();
                want.sort_by_key(|e| e.0);
                let mut got = v.clone();
                sort_by_key(&mut got, |e| e.0);
                assert_eq!(got, want, "n {n} range {range}");
            }
        }
    }

    #[test]
    fn sorted_reversed_and_strings() {
        let mut a: Vec<u32> = (0..300).rev().collect();
        sort(&mut a);
        assert_eq!(a, (0..300).collect::<Vec<_>>());
        let mut s = vec!["b".to_string(), "a".to_string(), "c".to_string(), "a".to_string()];
        sort(&mut s);
        assert_eq!(s, ["a", "a", "b", "c"]);
        let mut e: Vec<u8> = Vec::new();
        sort(&mut e);
        assert!(e.is_empty());
    }
}
