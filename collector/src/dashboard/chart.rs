//! Charts as SVG drawn on the server: daily bars with a line, horizontal and stacked bars,
//! stacked columns, lines with gaps, histograms and sparklines.
//!
//! Every chart is an `<svg role="img">` labelled by its `<title>` and `<desc>`, and every mark
//! carries a `<title>` with its exact value, so figures are readable without hovering tricks
//! and by screen readers. Colours and fonts come from classes styled by the dashboard's
//! stylesheet (no inline styles: the pages run under a strict CSP). Charts scale with their
//! container through `viewBox`.
//!
//! Pure functions of their inputs; text is escaped here.

use super::html::esc;

/// Width and height of the drawing coordinates (the SVG scales to its container).
const W: f64 = 760.0;

/// A "nice" axis maximum and step (1, 2 or 5 × 10^k) for values up to `max`.
pub fn nice_scale(max: f64, ticks: u32) -> (f64, f64) {
    if !(max.is_finite()) || max <= 0.0 {
        return (1.0, 1.0);
    }
    let raw = max / f64::from(ticks.max(1));
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0].iter().map(|m| m * mag).find(|s| *s >= raw).unwrap_or(10.0 * mag);
    let top = (max / step).ceil() * step;
    (top, step)
}

fn f(v: f64) -> String {
    let s = format!("{v:.1}");
    s.strip_suffix(".0").map(str::to_owned).unwrap_or(s)
}

fn open(id: &str, title: &str, desc: &str, w: f64, h: f64, class: &str) -> String {
    format!(
        r#"<svg class="chart {class}" viewBox="0 0 {w} {h}" role="img" aria-labelledby="{id}-t {id}-d" preserveAspectRatio="xMidYMid meet"><title id="{id}-t">{}</title><desc id="{id}-d">{}</desc>"#,
        esc(title),
        esc(desc)
    )
}

/// Which of `n` x labels to print so that at most `max` show, always the last one.
fn label_every(n: usize, max: usize) -> usize {
    n.div_ceil(max.max(1)).max(1)
}

pub struct Series<'a> {
    pub name: &'a str,
    pub values: &'a [f64],
    pub class: &'a str,
}

/// Bars (left axis) and an optional line (right axis) over categories such as days.
pub fn bars_and_line(id: &str, title: &str, desc: &str, x: &[String], bars: &Series<'_>, line: Option<&Series<'_>>, fmt: &dyn Fn(f64) -> String) -> String {
    let h = 260.0;
    let (l, r, t, b) = (56.0, if line.is_some() { 56.0 } else { 16.0 }, 14.0, 30.0);
    let (pw, ph) = (W - l - r, h - t - b);
    let n = x.len().max(1);
    let bmax = bars.values.iter().cloned().fold(0.0, f64::max);
    let (btop, bstep) = nice_scale(bmax, 4);
    let mut s = open(id, title, desc, W, h, "timeseries");
    // Grid and left axis labels.
    let mut v = 0.0;
    while v <= btop + 1e-9 {
        let y = t + ph - v / btop * ph;
        s.push_str(&format!(r#"<line class="grid" x1="{l}" x2="{}" y1="{}" y2="{}"/>"#, f(l + pw), f(y), f(y)));
        s.push_str(&format!(r#"<text class="axis" x="{}" y="{}" text-anchor="end">{}</text>"#, f(l - 6.0), f(y + 4.0), esc(&fmt(v))));
        v += bstep;
    }
    let slot = pw / n as f64;
    let bw = (slot * 0.72).max(1.0);
    for (i, val) in bars.values.iter().enumerate() {
        let bh = if btop > 0.0 { val / btop * ph } else { 0.0 };
        let xi = l + slot * i as f64 + (slot - bw) / 2.0;
        let label = x.get(i).map(String::as_str).unwrap_or("");
        s.push_str(&format!(
            r#"<rect class="{}" x="{}" y="{}" width="{}" height="{}"><title>{}: {} {}</title></rect>"#,
            bars.class,
            f(xi),
            f(t + ph - bh),
            f(bw),
            f(bh.max(0.0)),
            esc(label),
            esc(&fmt(*val)),
            esc(bars.name)
        ));
    }
    if let Some(line) = line {
        let lmax = line.values.iter().cloned().fold(0.0, f64::max);
        let (ltop, lstep) = nice_scale(lmax, 4);
        let mut v = 0.0;
        while v <= ltop + 1e-9 {
            let y = t + ph - v / ltop * ph;
            s.push_str(&format!(r#"<text class="axis {}" x="{}" y="{}">{}</text>"#, line.class, f(l + pw + 6.0), f(y + 4.0), esc(&fmt(v))));
            v += lstep;
        }
        let pts: Vec<String> = line
            .values
            .iter()
            .enumerate()
            .map(|(i, v)| format!("{},{}", f(l + slot * (i as f64 + 0.5)), f(t + ph - v / ltop * ph)))
            .collect();
        s.push_str(&format!(r#"<polyline class="line {}" points="{}"/>"#, line.class, pts.join(" ")));
        for (i, v) in line.values.iter().enumerate() {
            let label = x.get(i).map(String::as_str).unwrap_or("");
            s.push_str(&format!(
                r#"<circle class="dot {}" cx="{}" cy="{}" r="2.5"><title>{}: {} {}</title></circle>"#,
                line.class,
                f(l + slot * (i as f64 + 0.5)),
                f(t + ph - v / ltop * ph),
                esc(label),
                esc(&fmt(*v)),
                esc(line.name)
            ));
        }
    }
    x_labels(&mut s, x, l, slot, t + ph + 18.0);
    s.push_str("</svg>");
    s
}

fn x_labels(s: &mut String, x: &[String], l: f64, slot: f64, y: f64) {
    let every = label_every(x.len(), 10);
    for (i, label) in x.iter().enumerate() {
        if (x.len() - 1 - i) % every == 0 {
            s.push_str(&format!(r#"<text class="axis" x="{}" y="{}" text-anchor="middle">{}</text>"#, f(l + slot * (i as f64 + 0.5)), f(y), esc(label)));
        }
    }
}

pub struct HBar<'a> {
    pub label: &'a str,
    pub value: f64,
    /// A darker part of the bar (e.g. completed out of viewed).
    pub inner: Option<f64>,
    /// Text written after the bar.
    pub text: String,
    /// Tooltip.
    pub tip: String,
}

/// Horizontal bars scaled to `max`, one row per item.
pub fn hbars(id: &str, title: &str, desc: &str, rows: &[HBar<'_>], max: f64, class: &str) -> String {
    let row_h = 34.0;
    let h = 16.0 + row_h * rows.len().max(1) as f64;
    let (l, r) = (190.0, 150.0);
    let pw = W - l - r;
    let max = if max > 0.0 { max } else { 1.0 };
    let mut s = open(id, title, desc, W, h, "hbars");
    for (i, row) in rows.iter().enumerate() {
        let y = 8.0 + row_h * i as f64;
        let bw = (row.value / max * pw).max(0.0);
        s.push_str(&format!(r#"<g><title>{}</title>"#, esc(&row.tip)));
        s.push_str(&format!(r#"<text class="label" x="{}" y="{}" text-anchor="end">{}</text>"#, f(l - 10.0), f(y + 19.0), esc(&truncate(row.label, 26))));
        s.push_str(&format!(r#"<rect class="track" x="{l}" y="{}" width="{}" height="22" rx="3"/>"#, f(y + 4.0), f(pw)));
        s.push_str(&format!(r#"<rect class="{class}" x="{l}" y="{}" width="{}" height="22" rx="3"/>"#, f(y + 4.0), f(bw)));
        if let Some(inner) = row.inner {
            let iw = (inner / max * pw).max(0.0);
            s.push_str(&format!(r#"<rect class="{class} inner" x="{l}" y="{}" width="{}" height="22" rx="3"/>"#, f(y + 4.0), f(iw)));
        }
        s.push_str(&format!(r#"<text class="value" x="{}" y="{}">{}</text></g>"#, f(l + pw + 10.0), f(y + 19.0), esc(&row.text)));
    }
    s.push_str("</svg>");
    s
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(n - 1).collect();
        t.push('…');
        t
    }
}

/// Horizontal bars split into parts (shares adding up to the row's total), one row per group.
pub fn stacked_hbars(id: &str, title: &str, desc: &str, rows: &[(String, Vec<f64>)], parts: &[(&str, &str)]) -> String {
    let row_h = 34.0;
    let h = 16.0 + row_h * rows.len().max(1) as f64;
    let (l, r) = (150.0, 20.0);
    let pw = W - l - r;
    let mut s = open(id, title, desc, W, h, "stacked");
    for (i, (label, values)) in rows.iter().enumerate() {
        let y = 8.0 + row_h * i as f64;
        let total: f64 = values.iter().sum();
        s.push_str(&format!(r#"<text class="label" x="{}" y="{}" text-anchor="end">{}</text>"#, f(l - 10.0), f(y + 19.0), esc(&truncate(label, 20))));
        s.push_str(&format!(r#"<rect class="track" x="{l}" y="{}" width="{}" height="22" rx="3"/>"#, f(y + 4.0), f(pw)));
        let mut x = l;
        for (j, v) in values.iter().enumerate() {
            let (name, class) = parts.get(j).copied().unwrap_or(("", "s0"));
            let share = if total > 0.0 { v / total } else { 0.0 };
            let w = share * pw;
            if w <= 0.0 {
                continue;
            }
            s.push_str(&format!(
                r#"<rect class="{class}" x="{}" y="{}" width="{}" height="22"><title>{}: {} — {} ({:.1}%)</title></rect>"#,
                f(x),
                f(y + 4.0),
                f(w),
                esc(label),
                esc(name),
                f(*v),
                share * 100.0
            ));
            if w > 44.0 {
                s.push_str(&format!(r#"<text class="inbar" x="{}" y="{}" text-anchor="middle">{:.0}%</text>"#, f(x + w / 2.0), f(y + 19.0), share * 100.0));
            }
            x += w;
        }
    }
    s.push_str("</svg>");
    s
}

/// Stacked columns over categories (e.g. users per stage per day).
pub fn stacked_columns(id: &str, title: &str, desc: &str, x: &[String], series: &[Series<'_>]) -> String {
    let h = 260.0;
    let (l, r, t, b) = (56.0, 16.0, 14.0, 30.0);
    let (pw, ph) = (W - l - r, h - t - b);
    let n = x.len().max(1);
    let totals: Vec<f64> = (0..n).map(|i| series.iter().map(|s| s.values.get(i).copied().unwrap_or(0.0)).sum()).collect();
    let (top, step) = nice_scale(totals.iter().cloned().fold(0.0, f64::max), 4);
    let mut s = open(id, title, desc, W, h, "timeseries");
    let mut v = 0.0;
    while v <= top + 1e-9 {
        let y = t + ph - v / top * ph;
        s.push_str(&format!(r#"<line class="grid" x1="{l}" x2="{}" y1="{}" y2="{}"/>"#, f(l + pw), f(y), f(y)));
        s.push_str(&format!(r#"<text class="axis" x="{}" y="{}" text-anchor="end">{}</text>"#, f(l - 6.0), f(y + 4.0), f(v)));
        v += step;
    }
    let slot = pw / n as f64;
    let bw = (slot * 0.7).max(1.0);
    for i in 0..n {
        let mut base = t + ph;
        let label = x.get(i).map(String::as_str).unwrap_or("");
        for se in series {
            let val = se.values.get(i).copied().unwrap_or(0.0);
            let bh = val / top * ph;
            if bh <= 0.0 {
                continue;
            }
            base -= bh;
            s.push_str(&format!(
                r#"<rect class="{}" x="{}" y="{}" width="{}" height="{}"><title>{}: {} {}</title></rect>"#,
                se.class,
                f(l + slot * i as f64 + (slot - bw) / 2.0),
                f(base),
                f(bw),
                f(bh),
                esc(label),
                f(val),
                esc(se.name)
            ));
        }
    }
    x_labels(&mut s, x, l, slot, t + ph + 18.0);
    s.push_str("</svg>");
    s
}

/// A line over categories with gaps where a value is missing, on a fixed y range.
pub fn line(id: &str, title: &str, desc: &str, x: &[String], values: &[Option<f64>], y_min: f64, y_max: f64, fmt: &dyn Fn(f64) -> String) -> String {
    let h = 240.0;
    let (l, r, t, b) = (56.0, 16.0, 14.0, 30.0);
    let (pw, ph) = (W - l - r, h - t - b);
    let n = x.len().max(1);
    let span = if y_max > y_min { y_max - y_min } else { 1.0 };
    let y_of = |v: f64| t + ph - (v.clamp(y_min, y_max) - y_min) / span * ph;
    let mut s = open(id, title, desc, W, h, "timeseries");
    let steps = 4;
    for k in 0..=steps {
        let v = y_min + span * f64::from(k) / f64::from(steps);
        let y = y_of(v);
        s.push_str(&format!(r#"<line class="grid{}" x1="{l}" x2="{}" y1="{}" y2="{}"/>"#, if v == 0.0 { " zero" } else { "" }, f(l + pw), f(y), f(y)));
        s.push_str(&format!(r#"<text class="axis" x="{}" y="{}" text-anchor="end">{}</text>"#, f(l - 6.0), f(y + 4.0), esc(&fmt(v))));
    }
    let slot = pw / n as f64;
    let mut run: Vec<String> = Vec::new();
    let flush = |run: &mut Vec<String>, s: &mut String| {
        if run.len() > 1 {
            s.push_str(&format!(r#"<polyline class="line s1" points="{}"/>"#, run.join(" ")));
        }
        run.clear();
    };
    for (i, v) in values.iter().enumerate() {
        match v {
            Some(v) => run.push(format!("{},{}", f(l + slot * (i as f64 + 0.5)), f(y_of(*v)))),
            None => flush(&mut run, &mut s),
        }
    }
    flush(&mut run, &mut s);
    for (i, v) in values.iter().enumerate() {
        if let Some(v) = v {
            let label = x.get(i).map(String::as_str).unwrap_or("");
            s.push_str(&format!(r#"<circle class="dot s1" cx="{}" cy="{}" r="3.5"><title>{}: {}</title></circle>"#, f(l + slot * (i as f64 + 0.5)), f(y_of(*v)), esc(label), esc(&fmt(*v))));
        }
    }
    x_labels(&mut s, x, l, slot, t + ph + 18.0);
    s.push_str("</svg>");
    s
}

/// Columns for a histogram of answers per score, each with its own class (e.g. by sentiment),
/// drawn `width` units wide (narrower for half-width cards, so text keeps its size).
#[allow(clippy::too_many_arguments)]
pub fn columns(id: &str, title: &str, desc: &str, x: &[String], values: &[f64], classes: &[&str], width: f64) -> String {
    let h = 200.0;
    let (l, r, t, b) = (44.0, 8.0, 14.0, 28.0);
    let (pw, ph) = (width - l - r, h - t - b);
    let n = x.len().max(1);
    let (top, step) = nice_scale(values.iter().cloned().fold(0.0, f64::max), 3);
    let mut s = open(id, title, desc, width, h, "columns");
    let mut v = 0.0;
    while v <= top + 1e-9 {
        let y = t + ph - v / top * ph;
        s.push_str(&format!(r#"<line class="grid" x1="{l}" x2="{}" y1="{}" y2="{}"/>"#, f(l + pw), f(y), f(y)));
        s.push_str(&format!(r#"<text class="axis" x="{}" y="{}" text-anchor="end">{}</text>"#, f(l - 6.0), f(y + 4.0), f(v)));
        v += step;
    }
    let slot = pw / n as f64;
    let bw = slot * 0.66;
    for (i, val) in values.iter().enumerate() {
        let bh = val / top * ph;
        let label = x.get(i).map(String::as_str).unwrap_or("");
        let class = classes.get(i).copied().unwrap_or("s1");
        s.push_str(&format!(
            r#"<rect class="{class}" x="{}" y="{}" width="{}" height="{}"><title>{}: {}</title></rect>"#,
            f(l + slot * i as f64 + (slot - bw) / 2.0),
            f(t + ph - bh),
            f(bw),
            f(bh.max(0.0)),
            esc(label),
            f(*val)
        ));
        s.push_str(&format!(r#"<text class="axis" x="{}" y="{}" text-anchor="middle">{}</text>"#, f(l + slot * (i as f64 + 0.5)), f(t + ph + 18.0), esc(label)));
    }
    s.push_str("</svg>");
    s
}

/// A small trend line of daily counts for a table cell.
pub fn sparkline(title: &str, values: &[u64]) -> String {
    let (w, h) = (120.0, 28.0);
    let max = values.iter().copied().max().unwrap_or(0).max(1) as f64;
    let n = values.len().max(2) as f64 - 1.0;
    let pts: Vec<String> =
        values.iter().enumerate().map(|(i, v)| format!("{},{}", f(2.0 + (w - 4.0) * i as f64 / n), f(h - 3.0 - (*v as f64 / max) * (h - 6.0)))).collect();
    format!(
        r#"<svg class="spark" viewBox="0 0 {w} {h}" role="img" aria-label="{t}"><title>{t}</title><polyline class="line s3" points="{}"/></svg>"#,
        pts.join(" "),
        t = esc(title)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales_are_round() {
        assert_eq!(nice_scale(87.0, 4), (100.0, 25.0));
        assert_eq!(nice_scale(1_234.0, 4), (1_500.0, 500.0));
        assert_eq!(nice_scale(0.0, 4), (1.0, 1.0));
        assert_eq!(nice_scale(3.0, 4), (3.0, 1.0));
    }

    #[test]
    fn charts_are_labelled_and_escaped() {
        let x: Vec<String> = (1..=30).map(|d| format!("11/{d:02}")).collect();
        let bars: Vec<f64> = (1..=30).map(f64::from).collect();
        let svg = bars_and_line("c1", "Events <per> day", "desc & more", &x, &Series { name: "events", values: &bars, class: "s1" }, None, &|v| format!("{v:.0}"));
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains(r#"aria-labelledby="c1-t c1-d""#));
        assert!(svg.contains("<title id=\"c1-t\">Events &lt;per&gt; day</title>"));
        assert_eq!(svg.matches("<rect").count(), 30, "one bar per day");
        assert!(svg.contains("<title>11/30: 30 events</title>"));
        // The tallest bar reaches the top of the plot (30 of a nice maximum of 30).
        assert!(svg.contains(r#"y="14" width="#), "{svg}");
        assert!(!svg.contains("style="), "no inline styles under the CSP");
        let h = hbars("c2", "t", "d", &[HBar { label: "<b>", value: 50.0, inner: Some(25.0), text: "50".into(), tip: "x".into() }], 100.0, "s1");
        assert!(h.contains("&lt;b&gt;") && h.contains(r#"width="210""#), "half of the 420-unit track: {h}");
        let l = line("c3", "t", "d", &["a".into(), "b".into(), "c".into()], &[Some(10.0), None, Some(-20.0)], -100.0, 100.0, &|v| format!("{v:.0}"));
        assert_eq!(l.matches("<polyline").count(), 0, "a gap leaves single points, no line");
        assert_eq!(l.matches("<circle").count(), 2);
        let sp = sparkline("7 a day", &[0, 3, 7]);
        assert!(sp.contains(r#"points="2,25 60,15.6 118,3""#), "{sp}");
    }
}
