//! The dashboard's views: each computes its report(s) through `report` and writes the page body
//! (headline figures, SVG charts, tables with their CSV links) in the person's language.
//!
//! Views only present: every figure shown is a field of a report (the same one
//! `/v1/reports/…` returns), so the page and the API cannot disagree.

use crate::date;
use crate::report::{self, funnel, lifecycle, milestones, overview, surveys, targets, Context, Kind, Output, Query, ReportError};

use super::chart::{self, HBar, Series};
use super::html::{card, empty, esc, href, kpi, select, short_day, table, Frame};
use super::i18n::{Lang, M};

/// The parameters of a view besides range and segment (kept across filter changes).
pub fn own_params(q: &Query, kind: Kind) -> Vec<(String, String)> {
    kind.params().iter().filter_map(|p| q.param(p).map(|v| ((*p).to_owned(), v.to_owned()))).filter(|(k, _)| k != "offset").collect()
}

/// The table, or the "nothing here" line when it has no rows.
fn pick(lang: Lang, is_empty: bool, table: &str) -> String {
    if is_empty {
        empty(lang)
    } else {
        table.to_owned()
    }
}

fn n(lang: Lang, v: u64) -> String {
    lang.int(v)
}

fn csv_tip(f: &Frame<'_>) -> &'static str {
    f.t(M::DownloadCsvTitle)
}

fn ms(lang: Lang, v: Option<f64>) -> String {
    v.map_or_else(|| "–".to_owned(), |v| lang.duration(v))
}

fn legend(items: &[(&str, &str)]) -> String {
    let mut s = String::from(r#"<ul class="legend">"#);
    for (name, class) in items {
        s.push_str(&format!(r#"<li><span class="swatch {class}"></span>{}</li>"#, esc(name)));
    }
    s.push_str("</ul>");
    s
}

pub async fn overview(ctx: &Context, q: &Query, mut f: Frame<'_>) -> Result<String, ReportError> {
    let r = overview::compute(ctx, q).await?;
    let lang = f.lang;
    f.own_params = Vec::new();
    let mut b = String::from(r#"<section class="kpis">"#);
    b.push_str(&kpi(f.t(M::ActiveUsers), &n(lang, r.active_users), "", "active_users"));
    b.push_str(&kpi(f.t(M::NewUsers), &n(lang, r.new_users), "", "new_users"));
    b.push_str(&kpi(f.t(M::Events), &n(lang, r.events), "", "events"));
    b.push_str(&kpi(f.t(M::LiveFlows), &n(lang, r.live_flows), "", "live_flows"));
    b.push_str("</section>");
    let x: Vec<String> = (0..r.daily.len()).map(|i| short_day(q.range.from + i as i64)).collect();
    let events: Vec<f64> = r.daily.iter().map(|d| d.events as f64).collect();
    let active: Vec<f64> = r.daily.iter().map(|d| d.active_users as f64).collect();
    let fmt = |v: f64| lang.int(v.round().max(0.0) as u64);
    let chart = chart::bars_and_line(
        "daily",
        f.t(M::EventsPerDay),
        f.t(M::EventsPerDayDesc),
        &x,
        &Series { name: f.t(M::Events), values: &events, class: "s1" },
        Some(&Series { name: f.t(M::ActiveUsers), values: &active, class: "s2" }),
        &fmt,
    );
    let inner = format!("{}{chart}", legend(&[(f.t(M::Events), "s1"), (f.t(M::ActiveUsers), "s2")]));
    b.push_str(&card(f.t(M::EventsPerDay), Some((&f.csv("overview", "daily", &[]), csv_tip(&f))), &inner, "daily"));
    let rows: Vec<Vec<String>> = r
        .flows
        .iter()
        .map(|fl| {
            let name = if fl.live || !fl.kind.is_empty() {
                esc(&fl.name)
            } else {
                format!(r#"{} <span class="badge muted">{}</span>"#, esc(&fl.name), esc(f.t(M::NotInSpec)))
            };
            vec![
                format!(
                    r#"<a href="{}">{name}</a> <code class="id">{}</code>"#,
                    esc(&f.link("/dashboard/funnel", &[("flow".into(), fl.flow_id.clone())])),
                    esc(&fl.flow_id)
                ),
                esc(lang.kind(&fl.kind)),
                esc(f.t(if fl.live { M::Yes } else { M::No })),
                n(lang, fl.started),
                n(lang, fl.completed),
                n(lang, fl.dismissed),
                meter(lang, fl.completion_rate),
            ]
        })
        .collect();
    let t = table(
        "flows",
        &[(f.t(M::Flow), false), (f.t(M::Kind), false), (f.t(M::Live), false), (f.t(M::Started), true), (f.t(M::Completed), true), (f.t(M::Dismissed), true), (f.t(M::CompletionRate), true)],
        &rows,
    );
    b.push_str(&card(f.t(M::Flows), Some((&f.csv("overview", "flows", &[]), csv_tip(&f))), &pick(lang, rows.is_empty(), &t), "flows"));
    Ok(f.page(M::Overview, M::OverviewSub, &b))
}

/// A percentage with a small bar behind it.
fn meter(lang: Lang, share: f64) -> String {
    let tenth = (share * 10.0).round().clamp(0.0, 10.0) as u32;
    format!(r#"<span class="meter m{tenth}">{}</span>"#, esc(&lang.pct(share)))
}

pub async fn funnel(ctx: &Context, q: &Query, mut f: Frame<'_>) -> Result<String, ReportError> {
    let lang = f.lang;
    let mut q = q.clone();
    if q.param("flow").is_none() {
        let first = ctx.catalog.flows.iter().find(|x| x.kind == "tour").or_else(|| ctx.catalog.flows.first());
        match first {
            Some(fl) => {
                q.params.insert("flow".into(), fl.id.clone());
            }
            None => {
                f.own_params = Vec::new();
                return Ok(f.page(M::Funnel, M::FunnelSub, &empty(lang)));
            }
        }
    }
    let r = funnel::compute(ctx, &q).await?;
    f.own_params = own_params(&q, Kind::Funnel);
    let mut flows: Vec<(String, String)> = ctx.catalog.flows.iter().map(|x| (x.id.clone(), format!("{} ({})", x.name, lang.kind(x.kind)))).collect();
    if !flows.iter().any(|(id, _)| *id == r.flow.id) {
        flows.push((r.flow.id.clone(), r.flow.id.clone()));
    }
    let mut revs = vec![(String::new(), f.t(M::AllRevisions).to_owned())];
    revs.extend(r.revisions.iter().map(|x| (x.revision.clone(), x.revision.clone())));
    if let Some(w) = &r.revision {
        if !revs.iter().any(|(v, _)| v == w) {
            revs.push((w.clone(), w.clone()));
        }
    }
    f.own_filters = format!(
        "{}{}",
        select(f.t(M::Flow), "flow", &flows, &r.flow.id),
        select(f.t(M::Revision), "revision", &revs, r.revision.as_deref().unwrap_or(""))
    );
    let mut b = String::from(r#"<section class="kpis">"#);
    b.push_str(&kpi(f.t(M::Started), &n(lang, r.started), "", "started"));
    b.push_str(&kpi(f.t(M::Completed), &n(lang, r.completed), "", "completed"));
    b.push_str(&kpi(f.t(M::CompletionRate), &lang.pct(r.completion_rate), "", "completion_rate"));
    b.push_str(&kpi(f.t(M::MedianFlowTime), &ms(lang, r.median_ms), "", "median_ms"));
    match r.flow.kind.as_str() {
        "hint" => b.push_str(&kpi(f.t(M::Opened), &n(lang, r.opened), "", "opened")),
        "survey" => b.push_str(&kpi(f.t(M::Answered), &n(lang, r.answered), "", "answered")),
        _ => b.push_str(&kpi(f.t(M::Dismissed), &n(lang, r.dismissed), "", "dismissed")),
    }
    b.push_str("</section>");
    if r.steps.is_empty() {
        b.push_str(&card(f.t(M::FunnelChart), None, &format!(r#"<p class="empty">{}</p>"#, esc(f.t(M::NoSteps))), "steps"));
    } else {
        let max = r.steps.iter().map(|s| s.viewed).max().unwrap_or(0) as f64;
        let bars: Vec<HBar<'_>> = r
            .steps
            .iter()
            .map(|s| HBar {
                label: &s.step_id,
                value: s.viewed as f64,
                inner: Some(s.completed as f64),
                text: format!("{} · −{}", lang.int(s.viewed), lang.pct(s.drop_off_rate)),
                tip: format!(
                    "{}: {} {}, {} {}, {} {}",
                    s.step_id,
                    lang.int(s.viewed),
                    f.t(M::Viewed),
                    lang.int(s.completed),
                    f.t(M::Completed),
                    lang.pct(s.drop_off_rate),
                    f.t(M::DropOff)
                ),
            })
            .collect();
        let chart = chart::hbars("funnel", f.t(M::FunnelChart), f.t(M::FunnelChartDesc), &bars, max, "s1");
        let inner = format!("{}{chart}", legend(&[(f.t(M::Viewed), "s1"), (f.t(M::Completed), "s1 inner")]));
        b.push_str(&card(f.t(M::FunnelChart), None, &inner, "chart"));
        let rows: Vec<Vec<String>> = r
            .steps
            .iter()
            .map(|s| {
                vec![
                    format!(r#"<code class="id">{}</code>"#, esc(&s.step_id)),
                    n(lang, s.viewed),
                    n(lang, s.completed),
                    n(lang, s.dismissed),
                    n(lang, s.dropped),
                    esc(&lang.pct(s.drop_off_rate)),
                    esc(&lang.pct(s.reach_rate)),
                    esc(&ms(lang, s.median_ms)),
                ]
            })
            .collect();
        let t = table(
            "steps",
            &[
                (f.t(M::Step), false),
                (f.t(M::Viewed), true),
                (f.t(M::Completed), true),
                (f.t(M::Dismissed), true),
                (f.t(M::Dropped), true),
                (f.t(M::DropOff), true),
                (f.t(M::Reach), true),
                (f.t(M::MedianTime), true),
            ],
            &rows,
        );
        b.push_str(&card(f.t(M::Step), Some((&f.csv("funnel", "steps", &[]), csv_tip(&f))), &t, "steps"));
    }
    let rows: Vec<Vec<String>> = r
        .revisions
        .iter()
        .map(|x| {
            let mut own = vec![("flow".to_string(), r.flow.id.clone()), ("revision".to_string(), x.revision.clone())];
            own.retain(|(_, v)| !v.is_empty());
            vec![
                format!(r#"<a href="{}"><code class="id">{}</code></a>"#, esc(&f.link("/dashboard/funnel", &own)), esc(if x.revision.is_empty() { "–" } else { &x.revision })),
                n(lang, x.started),
                n(lang, x.completed),
                meter(lang, x.completion_rate),
                esc(&ms(lang, x.median_ms)),
            ]
        })
        .collect();
    let t = table(
        "revisions",
        &[(f.t(M::Revision), false), (f.t(M::Started), true), (f.t(M::Completed), true), (f.t(M::CompletionRate), true), (f.t(M::MedianFlowTime), true)],
        &rows,
    );
    b.push_str(&card(f.t(M::Revisions), Some((&f.csv("funnel", "revisions", &[]), csv_tip(&f))), &pick(lang, rows.is_empty(), &t), "revisions"));
    Ok(f.page(M::Funnel, M::FunnelSub, &b))
}

/// Why the target was missing: out of sight (the tour's order or the page's state) or not on
/// the page (the selector or the page), with what to do in the tooltip.
fn reason_badge(lang: Lang, reason: &str) -> String {
    let (m, help, class) = if reason == "hidden" { (M::ReasonHidden, M::ReasonHiddenHelp, "warn") } else { (M::ReasonAbsent, M::ReasonAbsentHelp, "muted") };
    format!(r#"<span class="badge {class}" data-reason="{}" title="{}">{}</span>"#, esc(reason), esc(lang.t(help)), esc(lang.t(m)))
}

fn trend_badge(lang: Lang, t: &str) -> String {
    let (m, class) = match t {
        "new" => (M::TrendNew, "bad"),
        "rising" => (M::TrendRising, "bad"),
        "falling" => (M::TrendFalling, "good"),
        _ => (M::TrendSteady, "muted"),
    };
    format!(r#"<span class="badge {class}" data-trend="{}">{}</span>"#, esc(t), esc(lang.t(m)))
}

pub async fn targets(ctx: &Context, q: &Query, mut f: Frame<'_>) -> Result<String, ReportError> {
    let lang = f.lang;
    let r = targets::compute(ctx, q).await?;
    f.own_params = own_params(q, Kind::Targets);
    let mut flows = vec![(String::new(), f.t(M::All).to_owned())];
    flows.extend(ctx.catalog.flows.iter().filter(|x| x.kind == "tour" || x.kind == "hint").map(|x| (x.id.clone(), x.name.clone())));
    f.own_filters = select(f.t(M::Flow), "flow", &flows, q.param("flow").unwrap_or(""));
    let rising = r.rows.iter().filter(|x| x.trend == "rising" || x.trend == "new").count() as u64;
    let mut b = String::from(r#"<section class="kpis">"#);
    b.push_str(&kpi(f.t(M::MissingEvents), &n(lang, r.events), "", "events"));
    b.push_str(&kpi(f.t(M::AffectedUsers), &n(lang, r.users), "", "users"));
    b.push_str(&kpi(f.t(M::Problems), &n(lang, r.rows.len() as u64), "", "problems"));
    b.push_str(&kpi(f.t(M::Rising), &n(lang, rising), "", "rising"));
    b.push_str("</section>");
    let x: Vec<String> = r.daily.iter().enumerate().map(|(i, _)| short_day(q.range.from + i as i64)).collect();
    let v: Vec<f64> = r.daily.iter().map(|d| d.events as f64).collect();
    let chart = chart::bars_and_line(
        "targets-daily",
        f.t(M::TargetsPerDay),
        f.t(M::TargetsSub),
        &x,
        &Series { name: f.t(M::MissingEvents), values: &v, class: "s4" },
        None,
        &|v| lang.int(v.round().max(0.0) as u64),
    );
    b.push_str(&card(f.t(M::TargetsPerDay), Some((&f.csv("targets", "daily", &[]), csv_tip(&f))), &chart, "daily"));
    let rows: Vec<Vec<String>> = r
        .rows
        .iter()
        .map(|t| {
            let step = if t.step_id.is_empty() { String::new() } else { format!(r#" · <code class="id">{}</code>"#, esc(&t.step_id)) };
            vec![
                format!(
                    r#"<a href="{}">{}</a>{step}"#,
                    esc(&f.link("/dashboard/funnel", &[("flow".into(), t.flow_id.clone())])),
                    esc(&t.flow_name)
                ),
                format!(r#"<code class="sel">{}</code><div class="why">{}</div>"#, esc(&t.selector), reason_badge(lang, &t.reason)),
                format!(r#"<code class="id">{}</code>"#, esc(&t.page)),
                n(lang, t.events),
                n(lang, t.users),
                format!(r#"<span title="{}">{}</span>"#, esc(f.t(M::FailureRateHelp)), esc(&lang.pct(t.failure_rate))),
                trend_badge(lang, t.trend),
                chart::sparkline(&format!("{} {}", t.events, f.t(M::Events)), &t.daily),
                esc(&t.last_day),
            ]
        })
        .collect();
    let t = table(
        "targets",
        &[
            (f.t(M::Flow), false),
            (f.t(M::Selector), false),
            (f.t(M::Page), false),
            (f.t(M::Events), true),
            (f.t(M::Users), true),
            (f.t(M::FailureRate), true),
            (f.t(M::Trend), false),
            (f.t(M::TargetsPerDay), false),
            (f.t(M::LastSeen), true),
        ],
        &rows,
    );
    b.push_str(&card(f.t(M::Targets), Some((&f.csv("targets", "targets", &[]), csv_tip(&f))), &pick(lang, rows.is_empty(), &t), "targets"));
    Ok(f.page(M::Targets, M::TargetsSub, &b))
}

fn by_options(f: &Frame<'_>, cohort: bool, none: bool) -> Vec<(String, String)> {
    let mut v = Vec::new();
    if none {
        v.push(("none".to_owned(), f.t(M::NoGrouping).to_owned()));
    }
    v.push(("tier".to_owned(), f.t(M::Tier).to_owned()));
    v.push(("plan".to_owned(), f.t(M::Plan).to_owned()));
    if cohort {
        v.push(("cohort".to_owned(), f.t(M::Cohort).to_owned()));
    }
    for name in f.users.trait_names() {
        if name != "tier" && name != "plan" && name != "signed_up_at" {
            v.push((format!("trait:{name}"), format!("{}: {name}", f.t(M::TraitFilter))));
        }
    }
    v
}

fn group_label(f: &Frame<'_>, by: &str, key: &str) -> String {
    match (by, key) {
        (_, milestones::NONE) => f.t(M::None_).to_owned(),
        ("tier", k) => f.tier_label(k),
        _ => key.to_owned(),
    }
}

pub async fn milestones(ctx: &Context, q: &Query, mut f: Frame<'_>) -> Result<String, ReportError> {
    let lang = f.lang;
    let r = milestones::compute(ctx, q).await?;
    f.own_params = own_params(q, Kind::Milestones);
    let within: Vec<(String, String)> = std::iter::once((String::new(), f.t(M::Any).to_owned()))
        .chain([7u32, 14, 30, 60].iter().map(|d| (d.to_string(), lang.whole_days(*d))))
        .collect();
    f.own_filters = format!(
        "{}{}",
        select(f.t(M::GroupBy), "by", &by_options(&f, true, true), &r.by),
        select(f.t(M::Within), "within", &within, &r.within.map(|w| w.to_string()).unwrap_or_default())
    );
    let label = |id: &str| -> String {
        r.milestones.iter().find(|m| m.id == id).map_or_else(|| id.to_owned(), |m| m.label.get(lang.code(), id).to_owned())
    };
    let mut b = String::from(r#"<section class="kpis">"#);
    b.push_str(&kpi(f.t(if r.by == "cohort" { M::NewUsers } else { M::ActiveUsers }), &n(lang, r.overall.users), "", "users"));
    for m in r.overall.milestones.iter().take(3) {
        b.push_str(&kpi(&label(&m.id), &lang.pct(m.share), &format!("{} / {}", lang.int(m.reached), lang.int(r.overall.users)), &m.id));
    }
    b.push_str("</section>");
    let bars: Vec<HBar<'_>> = r
        .overall
        .milestones
        .iter()
        .map(|m| HBar {
            label: r.milestones.iter().find(|x| x.id == m.id).map_or(m.id.as_str(), |x| x.label.get(lang.code(), &m.id)),
            value: m.share,
            inner: None,
            text: format!("{} · {}", lang.pct(m.share), lang.int(m.reached)),
            tip: format!("{}: {} / {}", m.id, lang.int(m.reached), lang.int(r.overall.users)),
        })
        .collect();
    let chart = chart::hbars("milestones", f.t(M::MilestoneShare), f.t(M::MilestoneShareDesc), &bars, 1.0, "s1");
    b.push_str(&card(f.t(M::MilestoneShare), None, &format!(r#"<p class="hint">{}</p>{chart}"#, esc(f.t(M::MilestoneShareDesc))), "chart"));
    if !r.groups.is_empty() {
        let mut head: Vec<(String, bool)> = vec![(f.t(if r.by == "cohort" { M::Cohort } else { M::Group }).to_owned(), false), (f.t(M::Users).to_owned(), true)];
        head.extend(r.milestones.iter().map(|m| (label(&m.id), true)));
        let head_ref: Vec<(&str, bool)> = head.iter().map(|(h, b)| (h.as_str(), *b)).collect();
        let rows: Vec<Vec<String>> = r
            .groups
            .iter()
            .map(|g| {
                let mut row = vec![esc(&group_label(&f, &r.by, &g.key)), n(lang, g.users)];
                for m in &g.milestones {
                    let heat = (m.share * 10.0).round().clamp(0.0, 10.0) as u32;
                    row.push(format!(
                        r#"<span class="heat h{heat}" title="{} / {}" data-milestone="{}">{}</span>"#,
                        lang.int(m.reached),
                        lang.int(g.users),
                        esc(&m.id),
                        esc(&lang.pct(m.share))
                    ));
                }
                row
            })
            .collect();
        b.push_str(&card(f.t(M::ByGroup), Some((&f.csv("milestones", "milestones", &[]), csv_tip(&f))), &table("groups", &head_ref, &rows), "groups"));
    }
    let rows: Vec<Vec<String>> = r
        .overall
        .milestones
        .iter()
        .map(|m| {
            vec![
                format!(r#"{} <code class="id">{}</code>"#, esc(&label(&m.id)), esc(&m.id)),
                n(lang, m.reached),
                meter(lang, m.share),
                m.median_days.map_or_else(|| "–".to_owned(), |d| esc(&lang.days(d))),
            ]
        })
        .collect();
    let t = table("overall", &[(f.t(M::Milestone), false), (f.t(M::Reached), true), (f.t(M::Share), true), (f.t(M::MedianDays), true)], &rows);
    b.push_str(&card(f.t(M::Overall), Some((&f.csv("milestones", "milestones", &[]), csv_tip(&f))), &pick(lang, rows.is_empty(), &t), "overall"));
    Ok(f.page(M::Milestones, M::MilestonesSub, &b))
}

const STAGE_CLASSES: [&str; 6] = ["st0", "st1", "st2", "st3", "st4", "st5"];

pub async fn lifecycle(ctx: &Context, q: &Query, mut f: Frame<'_>) -> Result<String, ReportError> {
    let lang = f.lang;
    let r = lifecycle::compute(ctx, q).await?;
    f.own_params = own_params(q, Kind::Lifecycle);
    f.own_filters = select(f.t(M::GroupBy), "by", &by_options(&f, false, true), &r.by);
    let label = |id: &str| -> String { r.stages.iter().find(|s| s.id == id).map_or_else(|| id.to_owned(), |s| s.label.get(lang.code(), id).to_owned()) };
    let mut b = String::from(r#"<section class="kpis">"#);
    b.push_str(&kpi(f.t(M::Population), &n(lang, r.population), "", "population"));
    for c in &r.distribution {
        b.push_str(&kpi(&label(&c.stage), &n(lang, c.users), &lang.pct(c.share), &c.stage));
    }
    b.push_str("</section>");
    let parts_owned: Vec<(String, &str)> = r.stages.iter().enumerate().map(|(i, s)| (label(&s.id), STAGE_CLASSES.get(i).copied().unwrap_or("st5"))).collect();
    let parts: Vec<(&str, &str)> = parts_owned.iter().map(|(n, c)| (n.as_str(), *c)).collect();
    let mut rows: Vec<(String, Vec<f64>)> = vec![(f.t(M::Overall).to_owned(), r.distribution.iter().map(|c| c.users as f64).collect())];
    for g in &r.groups {
        rows.push((group_label(&f, &r.by, &g.key), g.stages.iter().map(|c| c.users as f64).collect()));
    }
    let chart = chart::stacked_hbars("stages", f.t(M::StageNow), f.t(M::LifecycleSub), &rows, &parts);
    b.push_str(&card(f.t(M::StageNow), Some((&f.csv("lifecycle", "distribution", &[]), csv_tip(&f))), &format!("{}{chart}", legend(&parts)), "distribution"));
    let x: Vec<String> = r.timeline.iter().map(|p| date::parse_ymd(&p.day).map(short_day).unwrap_or_default()).collect();
    let series_vals: Vec<Vec<f64>> = (0..r.stages.len()).map(|i| r.timeline.iter().map(|p| p.users.get(i).copied().unwrap_or(0) as f64).collect()).collect();
    let series: Vec<Series<'_>> = parts_owned.iter().zip(&series_vals).map(|((name, class), v)| Series { name, values: v, class }).collect();
    let chart = chart::stacked_columns("timeline", f.t(M::StageOverTime), f.t(M::StageOverTimeDesc), &x, &series);
    b.push_str(&card(f.t(M::StageOverTime), Some((&f.csv("lifecycle", "timeline", &[]), csv_tip(&f))), &format!("{}{chart}", legend(&parts)), "timeline"));
    let rows: Vec<Vec<String>> = r
        .movement
        .iter()
        .map(|m| {
            vec![
                if m.from.is_empty() { esc(f.t(M::FirstStage)) } else { esc(&label(&m.from)) },
                esc(&label(&m.to)),
                n(lang, m.users),
                n(lang, m.events),
            ]
        })
        .collect();
    let t = table("movement", &[(f.t(M::FromStage), false), (f.t(M::ToStage), false), (f.t(M::Users), true), (f.t(M::Events), true)], &rows);
    b.push_str(&card(f.t(M::Movement), Some((&f.csv("lifecycle", "movement", &[]), csv_tip(&f))), &pick(lang, rows.is_empty(), &t), "movement"));
    let rows: Vec<Vec<String>> =
        r.time_to.iter().map(|t| vec![esc(&label(&t.stage)), n(lang, t.users), t.median_days.map_or_else(|| "–".to_owned(), |d| esc(&lang.days(d)))]).collect();
    let t = table("time_to", &[(f.t(M::Stage), false), (f.t(M::Users), true), (f.t(M::MedianDaysFromStart), true)], &rows);
    b.push_str(&card(f.t(M::TimeTo), Some((&f.csv("lifecycle", "time_to", &[]), csv_tip(&f))), &pick(lang, rows.is_empty(), &t), "time_to"));
    Ok(f.page(M::Lifecycle, M::LifecycleSub, &b))
}

pub async fn checklists(ctx: &Context, q: &Query, mut f: Frame<'_>) -> Result<String, ReportError> {
    let lang = f.lang;
    let Output::Checklists(r) = report::compute(ctx, Kind::Checklists, q).await? else { return Ok(String::new()) };
    f.own_params = Vec::new();
    let mut b = String::new();
    if r.checklists.is_empty() {
        b.push_str(&format!(r#"<p class="empty">{}</p>"#, esc(f.t(M::NoChecklists))));
    }
    for c in &r.checklists {
        b.push_str(r#"<section class="kpis">"#);
        b.push_str(&kpi(f.t(M::ShownTo), &n(lang, c.users), &c.name, "users"));
        b.push_str(&kpi(f.t(M::Completed), &n(lang, c.completed), "", "completed"));
        b.push_str(&kpi(f.t(M::CompletionRate), &lang.pct(c.completion_rate), "", "completion_rate"));
        b.push_str(&kpi(f.t(M::Dismissed), &n(lang, c.dismissed), "", "dismissed"));
        b.push_str("</section>");
        let bars: Vec<HBar<'_>> = c
            .items
            .iter()
            .map(|i| HBar {
                label: i.label.get(lang.code(), &i.item_id),
                value: i.share,
                inner: None,
                text: format!("{} · {}", lang.pct(i.share), lang.int(i.users)),
                tip: format!("{}: {} / {}", i.item_id, lang.int(i.users), lang.int(c.users)),
            })
            .collect();
        let chart = chart::hbars(&format!("cl-{}", c.flow_id), &c.name, f.t(M::ChecklistsSub), &bars, 1.0, "s2");
        let rows: Vec<Vec<String>> = c
            .items
            .iter()
            .map(|i| vec![format!(r#"{} <code class="id">{}</code>"#, esc(i.label.get(lang.code(), &i.item_id)), esc(&i.item_id)), n(lang, i.users), meter(lang, i.share)])
            .collect();
        let t = table(&format!("items-{}", c.flow_id), &[(f.t(M::Item), false), (f.t(M::ItemsDone), true), (f.t(M::Share), true)], &rows);
        let title = format!("{}: {}", f.t(M::Checklist), c.name);
        b.push_str(&card(&title, Some((&f.csv("checklists", "items", &[]), csv_tip(&f))), &format!("{chart}{t}"), &format!("checklist-{}", c.flow_id)));
    }
    Ok(f.page(M::Checklists, M::ChecklistsSub, &b))
}

fn sentiment_class(s: &str) -> &'static str {
    match s {
        "positive" => "good",
        "negative" => "bad",
        _ => "muted",
    }
}

/// Comments per page of the surveys view.
const PAGE: u64 = 20;

pub async fn surveys(ctx: &Context, q: &Query, mut f: Frame<'_>) -> Result<String, ReportError> {
    let lang = f.lang;
    let mut paged = q.clone();
    paged.params.entry("limit".into()).or_insert_with(|| PAGE.to_string());
    let (r, c) = tokio::join!(surveys::compute(ctx, q), surveys::comments(ctx, &paged));
    let (r, c) = (r?, c?);
    f.own_params = own_params(q, Kind::Comments);
    let opt = |v: &str, m: M| (v.to_owned(), f.t(m).to_owned());
    f.own_filters = format!(
        "{}{}{}{}",
        select(f.t(M::Scale), "scale", &[opt("", M::All), ("nps".into(), "NPS".into()), ("csat".into(), "CSAT".into()), ("ces".into(), "CES".into())], q.param("scale").unwrap_or("")),
        select(f.t(M::Sentiment), "sentiment", &[opt("", M::All), opt("positive", M::Positive), opt("neutral", M::Neutral), opt("negative", M::Negative)], q.param("sentiment").unwrap_or("")),
        select(f.t(M::Locale), "locale", &[opt("", M::All), ("en".into(), "English".into()), ("ja".into(), "日本語".into())], q.param("locale").unwrap_or("")),
        format!(r#"<label>{}<input type="search" name="q" value="{}" size="14"></label>"#, esc(f.t(M::Search)), esc(q.param("q").unwrap_or("")))
    );
    let mut b = String::from(r#"<section class="kpis">"#);
    b.push_str(&kpi("NPS", &r.nps.score.map_or_else(|| "–".to_owned(), |s| format!("{s:+.1}")), &format!("{} {}", lang.int(r.nps.responses), f.t(M::Responses)), "nps"));
    b.push_str(&kpi(
        &format!("CSAT · {}", f.t(M::Satisfied)),
        &if r.csat.responses > 0 { lang.pct(r.csat.good_share) } else { "–".to_owned() },
        &format!("{} {} · {} {}", lang.int(r.csat.responses), f.t(M::Responses), f.t(M::Mean), r.csat.mean.map_or("–".to_owned(), |m| format!("{m:.2}"))),
        "csat",
    ));
    b.push_str(&kpi(
        &format!("CES · {}", f.t(M::Mean)),
        &r.ces.mean.map_or_else(|| "–".to_owned(), |m| format!("{m:.2}")),
        &format!("{} {} · {} {}", lang.int(r.ces.responses), f.t(M::Responses), f.t(M::Easy), lang.pct(r.ces.good_share)),
        "ces",
    ));
    b.push_str("</section>");
    // NPS: composition, trend, distribution.
    let parts = [(f.t(M::Detractors), "bad"), (f.t(M::Passives), "muted"), (f.t(M::Promoters), "good")];
    let comp = chart::stacked_hbars(
        "nps-mix",
        "NPS",
        f.t(M::SurveysSub),
        &[("NPS".to_owned(), vec![r.nps.detractors as f64, r.nps.passives as f64, r.nps.promoters as f64])],
        &parts,
    );
    let x: Vec<String> = r.nps.weekly.iter().map(|w| date::parse_ymd(&w.week).map(short_day).unwrap_or_default()).collect();
    // A week of two answers swings between −100 and +100: such weeks are left out of the line.
    let v: Vec<Option<f64>> = r.nps.weekly.iter().map(|w| w.score.filter(|_| w.responses >= 5)).collect();
    let trend = chart::line("nps-trend", f.t(M::NpsTrend), f.t(M::SmallWeeks), &x, &v, -100.0, 100.0, &|v| format!("{v:+.0}"));
    let scores: Vec<String> = (0..=10).map(|s| s.to_string()).collect();
    let dist: Vec<f64> = r.nps.distribution.iter().map(|n| *n as f64).collect();
    let classes: Vec<&str> = (0..=10).map(|s| if s >= 9 { "good" } else if s >= 7 { "muted" } else { "bad" }).collect();
    let hist = chart::columns("nps-dist", f.t(M::Distribution), "NPS 0–10", &scores, &dist, &classes, 760.0);
    let mix = format!(
        r#"<dl class="mix"><div><dt>{}</dt><dd>{}</dd></div><div><dt>{}</dt><dd>{}</dd></div><div><dt>{}</dt><dd>{}</dd></div></dl>"#,
        esc(f.t(M::Promoters)),
        n(lang, r.nps.promoters),
        esc(f.t(M::Passives)),
        n(lang, r.nps.passives),
        esc(f.t(M::Detractors)),
        n(lang, r.nps.detractors)
    );
    b.push_str(&card(
        "NPS",
        Some((&f.csv("surveys", "nps_weekly", &[]), csv_tip(&f))),
        &format!(
            r#"{mix}{}{comp}<h3>{}</h3>{trend}<p class="hint">{}</p><h3>{}</h3>{hist}"#,
            legend(&parts),
            esc(f.t(M::NpsTrend)),
            esc(f.t(M::SmallWeeks)),
            esc(f.t(M::Distribution))
        ),
        "nps",
    ));
    let mut pair = String::from(r#"<div class="pair">"#);
    for (name, s, lo, good_from, id) in [("CSAT", &r.csat, 1, 4, "csat"), ("CES", &r.ces, 1, 5, "ces")] {
        let labels: Vec<String> = (0..s.distribution.len()).map(|i| (lo + i).to_string()).collect();
        let vals: Vec<f64> = s.distribution.iter().map(|n| *n as f64).collect();
        let classes: Vec<&str> = (0..s.distribution.len()).map(|i| if lo + i >= good_from { "good" } else if lo + i + 1 >= good_from { "muted" } else { "bad" }).collect();
        let hist = chart::columns(&format!("{id}-dist"), &format!("{name}: {}", f.t(M::Distribution)), name, &labels, &vals, &classes, 440.0);
        let summary = format!(
            r#"<p class="figure"><b>{}</b> {} · {} {}</p>"#,
            s.mean.map_or("–".to_owned(), |m| format!("{m:.2}")),
            esc(f.t(M::Mean)),
            lang.int(s.responses),
            esc(f.t(M::Responses))
        );
        let inner = if s.responses == 0 { format!(r#"<p class="empty">{}</p>"#, esc(f.t(M::NoAnswers))) } else { format!("{summary}{hist}") };
        pair.push_str(&card(name, Some((&f.csv("surveys", "distribution", &[]), csv_tip(&f))), &inner, id));
    }
    pair.push_str("</div>");
    b.push_str(&pair);
    let rows: Vec<Vec<String>> = r
        .flows
        .iter()
        .map(|s| {
            let figure = match (s.scale.as_str(), s.figure) {
                (_, None) => "–".to_owned(),
                ("nps", Some(v)) => format!("NPS {v:+.1}"),
                ("csat", Some(v)) => format!("CSAT {}", lang.pct(v)),
                (_, Some(v)) => format!("CES {v:.2}"),
            };
            vec![format!(r#"{} <code class="id">{}</code>"#, esc(&s.name), esc(&s.flow_id)), esc(&s.scale.to_uppercase()), n(lang, s.responses), esc(&figure), n(lang, s.comments)]
        })
        .collect();
    let t = table("survey-flows", &[(f.t(M::Flow), false), (f.t(M::Scale), false), (f.t(M::Responses), true), (f.t(M::Figure), true), (f.t(M::CommentsCount), true)], &rows);
    b.push_str(&card(f.t(M::SurveyFlows), Some((&f.csv("surveys", "flows", &[]), csv_tip(&f))), &pick(lang, rows.is_empty(), &t), "survey-flows"));
    // Voice of the customer.
    let rows: Vec<Vec<String>> = c
        .comments
        .iter()
        .map(|x| {
            let who = [Some(x.user.clone()), x.tier.as_ref().map(|t| f.tier_label(t)), x.plan.clone()].into_iter().flatten().collect::<Vec<_>>().join(" · ");
            vec![
                esc(&x.at.replace('T', " ").get(..16).unwrap_or(&x.at).to_owned()),
                format!(r#"<span class="badge {}">{} {}</span>"#, sentiment_class(x.sentiment), esc(&x.scale.to_uppercase()), x.score),
                format!(r#"<blockquote lang="{}">{}</blockquote>"#, esc(x.locale.as_deref().unwrap_or("")), esc(&x.comment)),
                esc(&who),
                format!(r#"<code class="id">{}</code>"#, esc(&x.flow_id)),
            ]
        })
        .collect();
    let shown_to = c.offset + c.comments.len() as u64;
    let mut nav = format!(
        r#"<p class="pager" data-total="{}">{} {}–{} {} {}"#,
        c.total,
        esc(f.t(M::Showing)),
        if c.comments.is_empty() { 0 } else { c.offset + 1 },
        shown_to,
        esc(f.t(M::Of)),
        lang.int(c.total)
    );
    let page_link = |offset: u64| {
        let mut pairs = q.common_query();
        pairs.extend(own_params(q, Kind::Comments));
        pairs.push(("offset".into(), offset.to_string()));
        href("/dashboard/surveys", &pairs)
    };
    let limit = q.param("limit").and_then(|l| l.parse::<u64>().ok()).unwrap_or(PAGE);
    if c.offset > 0 {
        nav.push_str(&format!(r#" <a href="{}">← {}</a>"#, esc(&page_link(c.offset.saturating_sub(limit))), esc(f.t(M::Newer))));
    }
    if shown_to < c.total {
        nav.push_str(&format!(r#" <a href="{}">{} →</a>"#, esc(&page_link(shown_to)), esc(f.t(M::Older))));
    }
    nav.push_str("</p>");
    let t = table("comments", &[(f.t(M::When), false), (f.t(M::Score), false), (f.t(M::Comment), false), (f.t(M::User), false), (f.t(M::Flow), false)], &rows);
    let body = if rows.is_empty() { format!(r#"<p class="empty">{}</p>"#, esc(f.t(M::NoComments))) } else { format!("{nav}{t}") };
    let csv = f.csv("comments", "comments", &[("limit".into(), surveys::MAX_COMMENTS.to_string())]);
    b.push_str(&card(f.t(M::Voice), Some((&csv, csv_tip(&f))), &body, "comments"));
    Ok(f.page(M::Surveys, M::SurveysSub, &b))
}
