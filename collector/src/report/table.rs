//! Report tables: named columns and rows of plain values, the form every report's tables take
//! for CSV export and for the dashboard's HTML tables.
//!
//! CSV follows RFC 4180 (comma, CRLF, quotes doubled), starts with a UTF-8 byte order mark so
//! spreadsheet programs read Japanese correctly, and neutralises text that a spreadsheet would
//! run as a formula (a cell starting with `=`, `+`, `-`, `@`, tab or carriage return gets a
//! leading apostrophe), because survey comments are typed by end users.

#[derive(Clone, Debug, PartialEq)]
pub enum V {
    Int(i64),
    /// A ratio or a mean, written with up to 4 decimals.
    Num(f64),
    Text(String),
    Null,
}

impl V {
    pub fn text(s: impl Into<String>) -> V {
        V::Text(s.into())
    }
    pub fn opt(n: Option<f64>) -> V {
        n.map_or(V::Null, V::Num)
    }
}

impl From<u64> for V {
    fn from(n: u64) -> V {
        V::Int(n as i64)
    }
}

impl From<i64> for V {
    fn from(n: i64) -> V {
        V::Int(n)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    /// The name used in `?table=` and in the file name.
    pub name: &'static str,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<V>>,
}

impl Table {
    pub fn new(name: &'static str, columns: &[&str]) -> Table {
        Table { name, columns: columns.iter().map(|c| (*c).to_owned()).collect(), rows: Vec::new() }
    }

    pub fn push(&mut self, row: Vec<V>) {
        self.rows.push(row);
    }

    pub fn to_csv(&self) -> String {
        let mut out = String::from("\u{feff}");
        let header: Vec<String> = self.columns.iter().map(|c| field(c)).collect();
        out.push_str(&header.join(","));
        out.push_str("\r\n");
        for row in &self.rows {
            let cells: Vec<String> = row
                .iter()
                .map(|v| match v {
                    V::Int(n) => n.to_string(),
                    V::Num(f) => number(*f),
                    V::Text(s) => field(s),
                    V::Null => String::new(),
                })
                .collect();
            out.push_str(&cells.join(","));
            out.push_str("\r\n");
        }
        out
    }
}

/// A number with at most 4 decimals and no trailing zeros.
pub fn number(f: f64) -> String {
    if !f.is_finite() {
        return String::new();
    }
    let s = format!("{f:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".to_owned() } else { s.to_owned() }
}

fn field(s: &str) -> String {
    let guarded = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{s}") } else { s.to_owned() };
    if guarded.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_guards_and_numbers() {
        let mut t = Table::new("x", &["day", "text", "rate"]);
        t.push(vec![V::text("2026-11-01"), V::text("He said \"hi\", twice\nthen left"), V::Num(0.5)]);
        t.push(vec![V::Int(3), V::text("=HYPERLINK(\"http://evil\")"), V::Num(1.0 / 3.0)]);
        t.push(vec![V::Int(-2), V::text("レポートが遅い"), V::Null]);
        let csv = t.to_csv();
        assert!(csv.starts_with('\u{feff}'));
        let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').split("\r\n").collect();
        assert_eq!(lines[0], "day,text,rate");
        assert_eq!(lines[1], "2026-11-01,\"He said \"\"hi\"\", twice\nthen left\",0.5");
        assert_eq!(lines[2], "3,\"'=HYPERLINK(\"\"http://evil\"\")\",0.3333");
        assert_eq!(lines[3], "-2,レポートが遅い,");
        assert_eq!(number(2.0), "2");
        assert_eq!(number(-0.00001), "0");
    }
}
