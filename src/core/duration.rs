//! Durations written in a spec: `"90d"`, `"12h"`, `"1h30m"`, `"500ms"`, `"2w"`.
//! Parsing only; the scheduler compares milliseconds.

pub const MS: u64 = 1;
pub const SECOND: u64 = 1000;
pub const MINUTE: u64 = 60 * SECOND;
pub const HOUR: u64 = 60 * MINUTE;
pub const DAY: u64 = 24 * HOUR;
pub const WEEK: u64 = 7 * DAY;

/// Parses a duration into milliseconds; `Err` says what is wrong.
pub fn parse(s: &str) -> Result<u64, String> {
    let t = s.trim();
    if t.is_empty() {
        return Err("the duration is empty".into());
    }
    let b = t.as_bytes();
    let mut i = 0;
    let mut total: u64 = 0;
    while i < b.len() {
        let start = i;
        while b.get(i).is_some_and(|c| c.is_ascii_digit()) {
            i += 1;
        }
        if i == start {
            return Err(format!("`{}` is not a duration: each part is a whole number followed by a unit", t));
        }
        let n: u64 = t.get(start..i).and_then(|d| d.parse().ok()).ok_or_else(|| "the number is too large".to_string())?;
        let ustart = i;
        while b.get(i).is_some_and(|c| c.is_ascii_alphabetic()) {
            i += 1;
        }
        let unit = match t.get(ustart..i).unwrap_or("") {
            "ms" => MS,
            "s" => SECOND,
            "m" => MINUTE,
            "h" => HOUR,
            "d" => DAY,
            "w" => WEEK,
            "" => return Err(format!("`{}` has a number without a unit", t)),
            u => return Err(format!("`{}` is not a unit of time", u)),
        };
        total = n.checked_mul(unit).and_then(|v| total.checked_add(v)).ok_or_else(|| "the duration is too long".to_string())?;
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses() {
        assert_eq!(parse("90d"), Ok(90 * DAY));
        assert_eq!(parse("1h30m"), Ok(HOUR + 30 * MINUTE));
        assert_eq!(parse("500ms"), Ok(500));
        assert_eq!(parse("2w"), Ok(2 * WEEK));
        assert_eq!(parse("0s"), Ok(0));
    }

    #[test]
    fn rejects() {
        assert!(parse("").is_err());
        assert!(parse("90").unwrap_err().contains("without a unit"));
        assert!(parse("3 days").is_err());
        assert_eq!(parse("5y"), Err("`y` is not a unit of time".into()));
        assert!(parse("d").is_err());
        assert!(parse("99999999999999999999d").is_err());
        assert!(parse("999999999999999d").is_err());
    }
}
