//! Calendar arithmetic on milliseconds since 1970 (UTC), without a clock: the runtime passes
//! the current time in. Parses the ISO 8601 dates that traits such as `signed_up_at` carry.

use crate::core::duration::DAY;

/// Days from 1970-01-01 to the given civil date (proleptic Gregorian), after Howard Hinnant.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day number, the inverse of [`days_from_civil`].
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn num(s: &str, a: usize, b: usize) -> Option<u32> {
    let t = s.get(a..b)?;
    if t.bytes().all(|c| c.is_ascii_digit()) {
        t.parse().ok()
    } else {
        None
    }
}

/// Parses `YYYY-MM-DD`, optionally followed by `THH:MM[:SS[.sss]]` and `Z` or `±HH:MM`
/// (no offset means UTC), into milliseconds since 1970.
pub fn parse_date(s: &str) -> Option<f64> {
    let s = s.trim();
    if s.len() < 10 || s.as_bytes().get(4) != Some(&b'-') || s.as_bytes().get(7) != Some(&b'-') {
        return None;
    }
    let y = num(s, 0, 4)? as i64;
    let m = num(s, 5, 7)?;
    let d = num(s, 8, 10)?;
    if !(1..=12).contains(&m) || d < 1 || d > days_in_month(y, m) {
        return None;
    }
    let mut ms = days_from_civil(y, m, d) as f64 * DAY as f64;
    let rest = s.get(10..)?;
    if rest.is_empty() {
        return Some(ms);
    }
    let rest = rest.strip_prefix('T').or_else(|| rest.strip_prefix(' '))?;
    let hh = num(rest, 0, 2)?;
    if rest.as_bytes().get(2) != Some(&b':') {
        return None;
    }
    let mi = num(rest, 3, 5)?;
    let mut i = 5;
    let mut sec = 0.0;
    if rest.as_bytes().get(5) == Some(&b':') {
        sec = num(rest, 6, 8)? as f64;
        i = 8;
        if rest.as_bytes().get(8) == Some(&b'.') {
            let frac_end = rest.get(9..)?.bytes().take_while(|c| c.is_ascii_digit()).count() + 9;
            let frac = rest.get(9..frac_end)?;
            if !frac.is_empty() {
                sec += crate::core::float::parse(frac.get(..frac.len().min(3))?)? / 10f64.powi(frac.len().min(3) as i32);
            }
            i = frac_end;
        }
    }
    if hh > 23 || mi > 59 || sec >= 61.0 {
        return None;
    }
    ms += (hh as f64 * 3600.0 + mi as f64 * 60.0 + sec) * 1000.0;
    let tz = rest.get(i..)?;
    match tz {
        "" | "Z" | "z" => Some(ms),
        _ => {
            let sign = match tz.as_bytes().first()? {
                b'+' => 1.0,
                b'-' => -1.0,
                _ => return None,
            };
            let oh = num(tz, 1, 3)? as f64;
            let om = match tz.len() {
                3 => 0.0,
                6 if tz.as_bytes().get(3) == Some(&b':') => num(tz, 4, 6)? as f64,
                5 => num(tz, 3, 5)? as f64,
                _ => return None,
            };
            Some(ms - sign * (oh * 3600.0 + om * 60.0) * 1000.0)
        }
    }
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// The UTC day number of a time, used for per-day caps.
pub fn day_of(ms: f64) -> i64 {
    (ms / DAY as f64).floor() as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(parse_date("1970-01-01"), Some(0.0));
        assert_eq!(parse_date("2026-11-22"), Some(1_795_305_600_000.0));
        assert_eq!(parse_date("2026-11-22T10:30:00Z"), Some(1_795_305_600_000.0 + 37_800_000.0));
        assert_eq!(parse_date("2026-11-22T10:30:00+09:00"), Some(1_795_305_600_000.0 + 37_800_000.0 - 32_400_000.0));
        assert_eq!(parse_date("2026-11-22T10:30:00.250Z"), Some(1_795_305_600_000.0 + 37_800_250.0));
        assert_eq!(parse_date("2024-02-29"), Some(1_709_164_800_000.0));
        for bad in ["2023-02-29", "2026-13-01", "2026-1-1", "yesterday", "2026-11-22T25:00", "2026-11-22X", ""] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn civil_round_trip() {
        for d in [-800_000i64, -1, 0, 1, 19_000, 20_414, 2_000_000] {
            let (y, m, dd) = civil_from_days(d);
            assert_eq!(days_from_civil(y, m, dd), d);
        }
        assert_eq!(day_of(1_795_305_600_000.0 + 1.0), 20_779);
    }
}
