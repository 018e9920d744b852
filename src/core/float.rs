//! Decimal text to `f64`, correctly rounded (round half to even), without std's parser.
//!
//! Why our own: `str::parse::<f64>` links the Eisel–Lemire tables (696 128-bit powers of five,
//! 11 KB of data that barely compresses) and the code around them — about 14.7 KB of the SDK's
//! gzipped size. Numbers in specs, progress and events are nearly all short, which the exact
//! fast path answers with one multiplication or division; the rest are decided exactly with
//! small big integers (Clinger's "AlgorithmR"): start from a close approximation, compare the
//! decimal value with the halfway points to the neighbouring doubles, step until it lies
//! between them. Tested natively against std on fixed cases and on random inputs.
//!
//! Accepted: an optional sign, digits with an optional `.`, at least one digit, an optional
//! exponent (`e`/`E`, optional sign, digits). No `inf`, `NaN` or surrounding whitespace.
//! Values too large give ±infinity (callers reject them), too small ±0.

/// Parses `s`; `None` when it is not a decimal number.
pub fn parse(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    let mut i = 0;
    let neg = sign(b, &mut i);
    // Significant digits (leading zeros dropped), at most MAX_DIGITS kept; the rest only tell
    // whether anything non-zero was cut off.
    let mut digits: Vec<u8> = Vec::new();
    let mut exp10: i64 = 0;
    let mut seen = false;
    let mut cut = false;
    let mut dot = false;
    while i < b.len() {
        match b[i] {
            c @ b'0'..=b'9' => {
                seen = true;
                if dot {
                    exp10 -= 1;
                }
                if c == b'0' && digits.is_empty() {
                    // A leading zero: nothing to keep.
                } else if digits.len() < MAX_DIGITS {
                    digits.push(c - b'0');
                } else {
                    exp10 += 1;
                    cut |= c != b'0';
                }
            }
            b'.' if !dot => dot = true,
            _ => break,
        }
        i += 1;
    }
    if !seen {
        return None;
    }
    if i < b.len() {
        if b[i] != b'e' && b[i] != b'E' {
            return None;
        }
        i += 1;
        let eneg = sign(b, &mut i);
        let start = i;
        let mut e: i64 = 0;
        while i < b.len() && b[i].is_ascii_digit() {
            e = (e * 10 + (b[i] - b'0') as i64).min(1_000_000);
            i += 1;
        }
        if i == start || i < b.len() {
            return None;
        }
        exp10 += if eneg { -e } else { e };
    }
    // Trailing zeros of the kept digits go into the exponent.
    while digits.last() == Some(&0) {
        digits.pop();
        exp10 += 1;
    }
    let v = magnitude(&digits, exp10, cut);
    Some(if neg { -v } else { v })
}

/// An optional `+` or `-` at `b[*i]` (stepped over): whether it was `-`.
fn sign(b: &[u8], i: &mut usize) -> bool {
    match b.get(*i) {
        Some(c @ (b'-' | b'+')) => {
            *i += 1;
            *c == b'-'
        }
        _ => false,
    }
}

const MAX_DIGITS: usize = 800;

/// |value| of `digits` × 10^`exp10` (plus a non-zero tail below the last digit when `cut`).
fn magnitude(digits: &[u8], exp10: i64, cut: bool) -> f64 {
    if digits.is_empty() {
        return 0.0;
    }
    let n = digits.len() as i64;
    if n + exp10 > 310 {
        return f64::INFINITY;
    }
    if n + exp10 < -330 {
        return 0.0;
    }
    // Exact: an integer below 2^53 times or over an exactly representable power of ten.
    if !cut && n <= 15 && exp10.abs() <= 22 {
        let m = digits.iter().fold(0u64, |a, d| a * 10 + *d as u64) as f64;
        let p = POW10[exp10.unsigned_abs() as usize];
        return if exp10 < 0 { m / p } else { m * p };
    }
    // A close first guess from the leading 19 digits, then exact steps.
    let k = digits.len().min(19);
    let lead = digits[..k].iter().fold(0u64, |a, d| a * 10 + *d as u64) as f64;
    let mut z = scale10(lead, exp10 + (digits.len() - k) as i64);
    let exact = Big::from_digits(digits);
    for _ in 0..64 {
        if z.is_infinite() {
            z = f64::MAX;
        }
        let (m, e) = split(z);
        // The decimal value against the halfway point to the next double up.
        match compare(&exact, exp10, cut, 2 * m + 1, e - 1) {
            // Past the largest double's upper halfway point (its mantissa is odd, so a tie
            // rounds up too): infinity.
            core::cmp::Ordering::Greater | core::cmp::Ordering::Equal if z == f64::MAX => return f64::INFINITY,
            core::cmp::Ordering::Greater => {
                z = next_up(z);
                continue;
            }
            core::cmp::Ordering::Equal => return if m & 1 == 1 { next_up(z) } else { z },
            core::cmp::Ordering::Less => {}
        }
        if m == 0 {
            return z;
        }
        // …and against the halfway point to the next double down (half as far below a power
        // of two, where the spacing halves).
        let (lm, le) = if m == 1 << 52 && e > -1074 { (4 * m - 1, e - 2) } else { (2 * m - 1, e - 1) };
        match compare(&exact, exp10, cut, lm, le) {
            core::cmp::Ordering::Less => z = next_down(z),
            core::cmp::Ordering::Equal => return if m & 1 == 1 { next_down(z) } else { z },
            core::cmp::Ordering::Greater => return z,
        }
    }
    z
}

const POW10: [f64; 23] = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

/// `x` × 10^`e`, approximately (within a few units in the last place), without overflowing
/// or underflowing on the way where the result is representable.
fn scale10(mut x: f64, mut e: i64) -> f64 {
    while e > 22 {
        x *= 1e22;
        e -= 22;
    }
    while e < -22 {
        x /= 1e22;
        e += 22;
    }
    if e < 0 {
        x / POW10[(-e) as usize]
    } else {
        x * POW10[e as usize]
    }
}

/// A positive finite double (or zero) as `m` × 2^`e`, `m` below 2^53.
fn split(z: f64) -> (u64, i64) {
    let bits = z.to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i64;
    let frac = bits & ((1 << 52) - 1);
    if exp == 0 {
        (frac, -1074)
    } else {
        (frac | (1 << 52), exp - 1075)
    }
}

fn next_up(z: f64) -> f64 {
    f64::from_bits(z.to_bits() + 1)
}

fn next_down(z: f64) -> f64 {
    if z == 0.0 {
        0.0
    } else {
        f64::from_bits(z.to_bits() - 1)
    }
}

/// Compares `digits` × 10^`exp10` (plus a tail when `cut`) with `m` × 2^`e`.
fn compare(digits: &Big, exp10: i64, cut: bool, m: u64, e: i64) -> core::cmp::Ordering {
    let mut left = digits.clone();
    let mut right = Big::from_u64(m);
    if exp10 >= 0 {
        left.mul_pow10(exp10 as u32);
    } else {
        right.mul_pow10((-exp10) as u32);
    }
    if e >= 0 {
        right.shl(e as u32);
    } else {
        left.shl((-e) as u32);
    }
    match left.cmp(&right) {
        core::cmp::Ordering::Equal if cut => core::cmp::Ordering::Greater,
        o => o,
    }
}

/// A non-negative big integer, little-endian 32-bit limbs, no high zero limbs.
#[derive(Clone)]
struct Big(Vec<u32>);

impl Big {
    fn from_u64(v: u64) -> Big {
        let mut b = Big(vec![v as u32, (v >> 32) as u32]);
        b.trim();
        b
    }

    fn from_digits(d: &[u8]) -> Big {
        let mut b = Big(Vec::new());
        for chunk in d.chunks(9) {
            let mut v = 0u32;
            for x in chunk {
                v = v * 10 + *x as u32;
            }
            b.mul_add(10u32.pow(chunk.len() as u32), v);
        }
        b
    }

    fn trim(&mut self) {
        while self.0.last() == Some(&0) {
            self.0.pop();
        }
    }

    /// self = self × k + add.
    fn mul_add(&mut self, k: u32, add: u32) {
        let mut carry = add as u64;
        for x in self.0.iter_mut() {
            let v = *x as u64 * k as u64 + carry;
            *x = v as u32;
            carry = v >> 32;
        }
        if carry > 0 {
            self.0.push(carry as u32);
        }
    }

    fn mul_pow10(&mut self, mut n: u32) {
        while n >= 9 {
            self.mul_add(1_000_000_000, 0);
            n -= 9;
        }
        if n > 0 {
            self.mul_add(10u32.pow(n), 0);
        }
    }

    fn shl(&mut self, n: u32) {
        if self.0.is_empty() {
            return;
        }
        let (limbs, bits) = ((n / 32) as usize, n % 32);
        if bits > 0 {
            let mut carry = 0u32;
            for x in self.0.iter_mut() {
                let v = (*x << bits) | carry;
                carry = *x >> (32 - bits);
                *x = v;
            }
            if carry > 0 {
                self.0.push(carry);
            }
        }
        if limbs > 0 {
            self.0.splice(0..0, core::iter::repeat_n(0, limbs));
        }
    }

    fn cmp(&self, o: &Big) -> core::cmp::Ordering {
        self.0.len().cmp(&o.0.len()).then_with(|| self.0.iter().rev().cmp(o.0.iter().rev()))
    }
}

#[cfg(test)]
mod tests {
    use super::parse;

    fn same(s: &str) {
        let want = s.parse::<f64>().ok();
        let got = parse(s);
        assert_eq!(got.map(f64::to_bits), want.map(f64::to_bits), "{s}: {got:?} vs std {want:?}");
    }

    #[test]
    fn fixed_cases_match_std() {
        for s in [
            "0", "-0", "0.0", "1", "-1", "+1", "0.1", "0.2", "0.3", "0.30000000000000004", "1.5", "12.5", "100", "1e3", "1E3", "1e+3", "1e-3",
            "123456789012345678901234567890", "9007199254740992", "9007199254740993", "9007199254740995", "1e22", "1e23", "8.98846567431158e307",
            "1.7976931348623157e308", "1.7976931348623158e308", "1.7976931348623159e308", "2e308", "1e400", "2.2250738585072011e-308",
            "2.2250738585072014e-308", "4.9e-324", "5e-324", "2.4703282292062327e-324", "2.4703282292062328e-324", "1e-400", "0.000001",
            "1795380498424", "3.141592653589793", "2.718281828459045", "0.1e1", "00012", "5.", ".5", "1.", "123.456e-7", "7.038531e-26",
            "4.35679732e-310", "1.00000000000000011102230246251565404236316680908203125",
            "1.00000000000000011102230246251565404236316680908203124", "1.00000000000000011102230246251565404236316680908203126",
            "2.0000000000000004440892098500626161694526672363281250000000000000000001",
        ] {
            same(s);
        }
        // Beyond the 800 kept digits: only whether the cut-off tail is zero matters.
        let half = "1.00000000000000011102230246251565404236316680908203125";
        for tail in ["", "1", "0000001"] {
            same(&format!("{half}{}{tail}", "0".repeat(900)));
        }
        same(&format!("1{}e-999", "0".repeat(999)));
        same(&format!("0.{}1e400", "0".repeat(400)));
        same(&format!("{}e-1000", "9".repeat(1200)));
        for s in ["1e999999999", "1e-999999999", "0e999999", "-1e-999999999", "1e0000000000000000000000001"] {
            same(s);
        }
        for bad in ["", "-", "+", ".", "e5", "1e", "1e+", "1.2.3", "1x", " 1", "1 ", "inf", "NaN", "--1", "0x10"] {
            assert_eq!(parse(bad), None, "{bad:?}");
        }
    }

    /// xorshift64*: a fixed sequence, so a failure is reproducible.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }
    }

    #[test]
    fn random_doubles_round_trip_and_match_std() {
        let mut r = Rng(0x9e37_79b9_7f4a_7c15);
        for _ in 0..40_000 {
            let v = f64::from_bits(r.next());
            if !v.is_finite() {
                continue;
            }
            // The shortest text (what JS and ryu write) comes back to the same double…
            let mut b = ryu::Buffer::new();
            let s = b.format_finite(v);
            assert_eq!(parse(s).map(f64::to_bits), Some(v.to_bits()), "{s}");
            // …and longer texts, which fall between doubles, round as std rounds them.
            same(&format!("{:.30e}", v));
            same(&format!("{:.17e}", v));
        }
    }

    #[test]
    fn random_digit_strings_match_std() {
        let mut r = Rng(42);
        for _ in 0..40_000 {
            let n = 1 + (r.next() % 40) as usize;
            let mut s = String::new();
            for k in 0..n {
                s.push((b'0' + (r.next() % 10) as u8) as char);
                if k == 0 && r.next() % 3 == 0 {
                    s.push('.');
                }
            }
            let e = (r.next() % 700) as i64 - 350;
            s.push('e');
            s.push_str(&e.to_string());
            same(&s);
        }
    }

    #[test]
    fn halfway_cases_round_to_even() {
        // Integers from 2^53 to 2^60, where doubles are 2 to 256 apart: many are exactly halfway.
        let mut r = Rng(7);
        for k in 0..4_000u64 {
            let n = (1u64 << (53 + k % 8)) + (r.next() % 4096);
            same(&n.to_string());
        }
        // 1 + 2^-53, exactly halfway between 1 and the next double, and just either side.
        same("1.00000000000000011102230246251565404236316680908203125");
        same("1.000000000000000111022302462515654042363166809082031250000001");
    }
}
