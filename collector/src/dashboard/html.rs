//! HTML building blocks of the dashboard: escaping, URL encoding, the page frame (top bar,
//! navigation, filter form) and the parts views repeat (figures, cards, tables with a CSV link).
//!
//! Everything that came from data (flow ids, selectors, comments, trait values) goes through
//! [`esc`] before it is written; attributes are always double-quoted. No inline scripts or
//! styles: the stylesheet and the tiny script are files served by the collector (strict CSP).

use crate::date;
use crate::report::{Query, Users};

use super::i18n::{Lang, M};

/// Escapes text for HTML content and double-quoted attributes.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Percent-encodes a query-string component.
pub fn enc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// `path?k=v&…` with the pairs encoded (pairs with empty values are left out).
pub fn href(path: &str, pairs: &[(String, String)]) -> String {
    let q: Vec<String> = pairs.iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| format!("{}={}", enc(k), enc(v))).collect();
    if q.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{}", q.join("&"))
    }
}

/// The dashboard's views, in navigation order: path, message, report kind name.
pub const VIEWS: [(&str, M, &str); 7] = [
    ("/", M::Overview, "overview"),
    ("/dashboard/funnel", M::Funnel, "funnel"),
    ("/dashboard/targets", M::Targets, "targets"),
    ("/dashboard/milestones", M::Milestones, "milestones"),
    ("/dashboard/lifecycle", M::Lifecycle, "lifecycle"),
    ("/dashboard/checklists", M::Checklists, "checklists"),
    ("/dashboard/surveys", M::Surveys, "surveys"),
];

/// What the frame of every page needs.
pub struct Frame<'a> {
    pub lang: Lang,
    pub project: &'a str,
    /// `(product, version, revision)` of the published specs.
    pub specs: &'a [(String, i64, String)],
    pub view: &'a str,
    pub query: &'a Query,
    pub users: &'a Users,
    pub today: i64,
    /// The view's own filters (selects), written inside the filter form.
    pub own_filters: String,
    /// The view's own parameters, kept when the range or segment changes.
    pub own_params: Vec<(String, String)>,
}

impl Frame<'_> {
    pub fn t(&self, m: M) -> &'static str {
        self.lang.t(m)
    }

    /// A link to a view with the current range and segment (and `extra`).
    pub fn link(&self, path: &str, extra: &[(String, String)]) -> String {
        let mut pairs = self.query.common_query();
        pairs.extend(extra.iter().cloned());
        href(path, &pairs)
    }

    /// A link to this view's CSV export of `table` (API path, same range, segment and params).
    pub fn csv(&self, report: &str, table: &str, extra: &[(String, String)]) -> String {
        let mut pairs = self.query.common_query();
        // Only the parameters that report takes (the surveys page keeps comment filters).
        let takes = crate::report::Kind::parse(report).map_or(&[][..], |k| k.params());
        pairs.extend(self.own_params.iter().filter(|(k, _)| takes.contains(&k.as_str())).cloned());
        pairs.extend(extra.iter().cloned());
        pairs.push(("table".into(), table.into()));
        href(&format!("/v1/reports/{report}.csv"), &pairs)
    }

    /// A tier value as CS says it ("Tech touch"); other values as they are.
    pub fn tier_label(&self, v: &str) -> String {
        match v {
            "high" => self.t(M::TierHigh).to_owned(),
            "low" => self.t(M::TierLow).to_owned(),
            "tech" => self.t(M::TierTech).to_owned(),
            other => other.to_owned(),
        }
    }

    pub fn page(&self, title: M, sub: M, body: &str) -> String {
        let lang = self.lang;
        let mut h = String::with_capacity(body.len() + 8_000);
        h.push_str(&format!(
            r#"<!doctype html><html lang="{}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{} · {}</title><link rel="stylesheet" href="/dashboard/assets/dashboard.css"><link rel="icon" href="/dashboard/assets/favicon.svg" type="image/svg+xml"><script src="/dashboard/assets/dashboard.js" defer></script></head><body>"#,
            lang.code(),
            esc(self.t(title)),
            esc(self.t(M::Product))
        ));
        // Top bar.
        let spec = match self.specs {
            [] => self.t(M::NoSpec).to_owned(),
            specs => specs.iter().map(|(p, v, r)| format!("{p} v{v} · {r}")).collect::<Vec<_>>().join(", "),
        };
        let here = {
            let mut pairs = self.query.common_query();
            pairs.extend(self.own_params.iter().cloned());
            href(self.view, &pairs)
        };
        let lang_link = |l: Lang, text: &str| {
            let cls = if l == lang { r#" class="on" aria-current="true""# } else { "" };
            format!(r#"<a{cls} href="{}" lang="{}">{}</a>"#, esc(&href(&format!("/dashboard/lang/{}", l.code()), &[("next".into(), here.clone())])), l.code(), text)
        };
        h.push_str(&format!(
            r#"<header class="top"><a class="brand" href="{}"><span class="mark" aria-hidden="true">◆</span> Shirube <span class="sub">{}</span></a><div class="meta"><span>{}: <b>{}</b></span><span>{}: {}</span></div><nav class="lang" aria-label="{}">{}{}</nav><form method="post" action="/dashboard/logout" class="logout"><button type="submit" class="quiet">{}</button></form></header>"#,
            esc(&self.link("/", &[])),
            esc(self.t(M::ProductSub)),
            esc(self.t(M::Project)),
            esc(self.project),
            esc(self.t(M::Spec)),
            esc(&spec),
            esc(self.t(M::Language)),
            lang_link(Lang::En, "English"),
            lang_link(Lang::Ja, "日本語"),
            esc(self.t(M::SignOut)),
        ));
        h.push_str(r#"<div class="shell"><nav class="side" aria-label="views">"#);
        for (path, m, _) in VIEWS {
            let on = if path == self.view { r#" class="on" aria-current="page""# } else { "" };
            h.push_str(&format!(r#"<a{on} href="{}" data-view="{}">{}</a>"#, esc(&self.link(path, &[])), esc(path), esc(self.t(m))));
        }
        h.push_str("</nav><main>");
        h.push_str(&format!(r#"<header class="head"><h1>{}</h1><p>{}</p></header>"#, esc(self.t(title)), esc(self.t(sub))));
        h.push_str(&self.filters());
        h.push_str(body);
        h.push_str("</main></div></body></html>");
        h
    }

    fn filters(&self) -> String {
        let q = self.query;
        let mut f = format!(r#"<form class="filters" method="get" action="{}" data-autosubmit>"#, esc(self.view));
        f.push_str(&format!(
            r#"<label>{}<input type="date" name="from" value="{}" required></label><label>{}<input type="date" name="to" value="{}" required></label>"#,
            esc(self.t(M::From)),
            date::ymd(q.range.from),
            esc(self.t(M::To)),
            date::ymd(q.range.to)
        ));
        f.push_str(r#"<span class="presets">"#);
        for (days, m) in [(7, M::Days7), (30, M::Days30), (90, M::Days90)] {
            let mut pairs = vec![("from".to_string(), date::ymd(self.today - days + 1)), ("to".to_string(), date::ymd(self.today))];
            for (k, v) in q.common_query().into_iter().skip(2) {
                pairs.push((k, v));
            }
            pairs.extend(self.own_params.iter().cloned());
            let on = if q.range.to == self.today && q.range.days() == days { r#" class="on""# } else { "" };
            f.push_str(&format!(r#"<a{on} href="{}">{}</a>"#, esc(&href(self.view, &pairs)), esc(self.t(m))));
        }
        f.push_str("</span>");
        for (name, m) in [("tier", M::Tier), ("plan", M::Plan)] {
            let current = q.segment.values(name).map(|v| v.join(",")).unwrap_or_default();
            f.push_str(&format!(r#"<label>{}<select name="{name}"><option value="">{}</option>"#, esc(self.t(m)), esc(self.t(M::All))));
            let mut facet = self.users.facet(name);
            if name == "tier" {
                let rank = |v: &str| ["high", "low", "tech"].iter().position(|x| *x == v).unwrap_or(9);
                facet.sort_by_key(|(v, _)| rank(v));
            }
            if !current.is_empty() && !facet.iter().any(|(v, _)| *v == current) {
                facet.push((current.clone(), 0));
            }
            for (v, _) in facet {
                let label = if name == "tier" { self.tier_label(&v) } else { v.clone() };
                let sel = if v == current { " selected" } else { "" };
                f.push_str(&format!(r#"<option value="{}"{sel}>{}</option>"#, esc(&v), esc(&label)));
            }
            f.push_str("</select></label>");
        }
        // One more trait filter, by name and value.
        let other = q.segment.filters.iter().find(|(n, _)| n != "tier" && n != "plan");
        let (tn, tv) = other.map(|(n, v)| (n.clone(), v.join(","))).unwrap_or_default();
        f.push_str(&format!(r#"<label>{}<select name="tn"><option value=""></option>"#, esc(self.t(M::TraitFilter))));
        for name in self.users.trait_names() {
            if name == "tier" || name == "plan" {
                continue;
            }
            let sel = if name == tn { " selected" } else { "" };
            f.push_str(&format!(r#"<option{sel}>{}</option>"#, esc(&name)));
        }
        f.push_str(&format!(
            r#"</select></label><label>{}<input type="text" name="tv" value="{}" size="8"></label>"#,
            esc(self.t(M::TraitValue)),
            esc(&tv)
        ));
        f.push_str(&self.own_filters);
        f.push_str(&format!(
            r#"<button type="submit">{}</button><a class="reset" href="{}">{}</a></form>"#,
            esc(self.t(M::Apply)),
            esc(self.view),
            esc(self.t(M::Reset))
        ));
        f.push_str(&format!(r#"<p class="note">{}</p>"#, esc(self.t(M::RangeNote))));
        f
    }
}

/// A `<select>` for the filter form.
pub fn select(label: &str, name: &str, options: &[(String, String)], current: &str) -> String {
    let mut s = format!(r#"<label>{}<select name="{}">"#, esc(label), esc(name));
    for (v, text) in options {
        let sel = if v == current { " selected" } else { "" };
        s.push_str(&format!(r#"<option value="{}"{sel}>{}</option>"#, esc(v), esc(text)));
    }
    s.push_str("</select></label>");
    s
}

/// A headline figure.
pub fn kpi(label: &str, value: &str, note: &str, key: &str) -> String {
    format!(
        r#"<div class="kpi" data-kpi="{}"><div class="label">{}</div><div class="value">{}</div><div class="note">{}</div></div>"#,
        esc(key),
        esc(label),
        esc(value),
        esc(note)
    )
}

/// A titled card; `csv` is a link to the table's CSV export.
pub fn card(title: &str, csv: Option<(&str, &str)>, inner: &str, key: &str) -> String {
    let link = csv.map_or(String::new(), |(href, tip)| {
        format!(r#"<a class="csv" href="{}" title="{}" download>CSV ↓</a>"#, esc(href), esc(tip))
    });
    format!(r#"<section class="card" data-card="{}"><header><h2>{}</h2>{link}</header>{inner}</section>"#, esc(key), esc(title))
}

/// A table: headers (with `true` for numeric columns, right-aligned) and rows of cell HTML.
pub fn table(key: &str, head: &[(&str, bool)], rows: &[Vec<String>]) -> String {
    let mut t = format!(r#"<div class="tablewrap"><table data-table="{}"><thead><tr>"#, esc(key));
    for (h, num) in head {
        t.push_str(&format!(r#"<th scope="col"{}>{}</th>"#, if *num { r#" class="num""# } else { "" }, esc(h)));
    }
    t.push_str("</tr></thead><tbody>");
    for row in rows {
        t.push_str("<tr>");
        for (i, cell) in row.iter().enumerate() {
            let num = head.get(i).is_some_and(|(_, n)| *n);
            t.push_str(&format!("<td{}>{cell}</td>", if num { r#" class="num""# } else { "" }));
        }
        t.push_str("</tr>");
    }
    t.push_str("</tbody></table></div>");
    t
}

pub fn empty(lang: Lang) -> String {
    format!(r#"<p class="empty">{}</p>"#, esc(lang.t(M::NoData)))
}

/// `MM/DD` for chart axes.
pub fn short_day(day: i64) -> String {
    let (_, m, d) = date::civil(day);
    format!("{m}/{d}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_and_links() {
        assert_eq!(esc(r#"<a href="x">'&'</a>"#), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
        assert_eq!(enc("a b&c=d/é"), "a%20b%26c%3Dd%2F%C3%A9");
        assert_eq!(href("/x", &[("a".into(), "1".into()), ("b".into(), String::new())]), "/x?a=1");
        assert_eq!(short_day(crate::date::days_from_civil(2026, 11, 2)), "11/2");
    }
}
