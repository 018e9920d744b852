//! Calendar arithmetic on UTC day numbers (days since 1970-01-01), which is how the report
//! rollups key time: conversion to and from `YYYY-MM-DD`, weekdays and week starts.
//!
//! Pure and total: no clock, no time zone database, no panics on any input.

/// Milliseconds in a day.
pub const DAY_MS: i64 = 86_400_000;

/// The UTC day number of a time in ms since 1970.
pub fn day_of_ms(ms: i64) -> i64 {
    ms.div_euclid(DAY_MS)
}

/// `(year, month 1–12, day 1–31)` of a day number (Howard Hinnant's `civil_from_days`).
pub fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// The day number of a civil date (`days_from_civil`); the date is not checked.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `YYYY-MM-DD` of a day number.
pub fn ymd(days: i64) -> String {
    let (y, m, d) = civil(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// The day number of a `YYYY-MM-DD` date, or `None` when it is not a real date between the
/// years 2000 and 2100.
pub fn parse_ymd(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 10 || b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r).filter(|p| p.bytes().all(|c| c.is_ascii_digit())).and_then(|p| p.parse::<u32>().ok());
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if !(2000..=2100).contains(&y) || !(1..=12).contains(&m) || d == 0 {
        return None;
    }
    let days = days_from_civil(i64::from(y), m, d);
    // A day past the month's end (2026-02-30) comes back as another date.
    (civil(days) == (i64::from(y), m, d)).then_some(days)
}

/// A date at the start of a trait value such as `2026-11-01` or `2026-11-01T09:30:00Z`, or a
/// time in ms since 1970 given as a number: the day number, when it is one.
pub fn day_of_trait(v: &serde_json::Value) -> Option<i64> {
    match v {
        serde_json::Value::String(s) => parse_ymd(s.get(..10)?),
        serde_json::Value::Number(n) => {
            let ms = n.as_f64()?;
            (ms.is_finite() && (946_684_800_000.0..4_102_444_800_000.0).contains(&ms)).then(|| day_of_ms(ms as i64))
        }
        _ => None,
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ` of a time in ms since 1970 (UTC, whole seconds).
pub fn iso_datetime(ms: i64) -> String {
    let secs = ms.div_euclid(1_000);
    let (day, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    format!("{}T{:02}:{:02}:{:02}Z", ymd(day), rem / 3_600, rem % 3_600 / 60, rem % 60)
}

/// 0 = Monday … 6 = Sunday (1970-01-01 was a Thursday).
pub fn weekday(days: i64) -> u32 {
    (days + 3).rem_euclid(7) as u32
}

/// The Monday of the ISO week a day falls in.
pub fn week_start(days: i64) -> i64 {
    days - i64::from(weekday(days))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_known_dates() {
        assert_eq!(ymd(0), "1970-01-01");
        assert_eq!(parse_ymd("2026-11-22"), Some(days_from_civil(2026, 11, 22)));
        assert_eq!(ymd(days_from_civil(2024, 2, 29)), "2024-02-29");
        for d in [10_958, 19_999, 20_000, 20_454, 36_000] {
            assert_eq!(parse_ymd(&ymd(d)), Some(d));
        }
        // 2026-11-23 is a Monday.
        let monday = days_from_civil(2026, 11, 23);
        assert_eq!(weekday(monday), 0);
        assert_eq!(week_start(monday + 6), monday);
        assert_eq!(week_start(monday), monday);
        assert_eq!(weekday(0), 3, "1970-01-01 was a Thursday");
        assert_eq!(iso_datetime(1_763_800_000_123), "2025-11-22T08:26:40Z");
        assert_eq!(iso_datetime(-1), "1969-12-31T23:59:59Z");
    }

    #[test]
    fn bad_dates_are_refused() {
        for s in ["", "2026-1-01", "2026-13-01", "2026-02-30", "2025-02-29", "1999-12-31", "2101-01-01", "2026/11/22", "２０２６-11-22", "2026-11-2x"] {
            assert_eq!(parse_ymd(s), None, "{s}");
        }
    }

    #[test]
    fn trait_dates() {
        use serde_json::json;
        let d = days_from_civil(2026, 11, 1);
        assert_eq!(day_of_trait(&json!("2026-11-01")), Some(d));
        assert_eq!(day_of_trait(&json!("2026-11-01T23:59:00+09:00")), Some(d));
        assert_eq!(day_of_trait(&json!(d * DAY_MS + 5)), Some(d));
        assert_eq!(day_of_trait(&json!("soon")), None);
        assert_eq!(day_of_trait(&json!(true)), None);
        assert_eq!(day_of_trait(&json!(12)), None, "seconds or garbage, not ms");
    }
}
