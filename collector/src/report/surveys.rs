//! Surveys and the voice of the customer: NPS, CSAT and CES from `survey_answered` events, and
//! the free-text comments with filters.
//!
//! Definitions (range and segment as in `report`; an answer counts when its score is a whole
//! number inside its scale, 0–10 for NPS, 1–5 for CSAT, 1–7 for CES; every answer counts, so a
//! user who answers twice counts twice):
//! - NPS: `promoters` score 9–10, `passives` 7–8, `detractors` 0–6;
//!   `score` = (promoters − detractors) ÷ responses × 100; `weekly[]` per ISO week (Monday) of
//!   the range, the first and last possibly partial;
//! - CSAT: `mean` score; `satisfied` = answers of 4–5; `satisfied_share` = ÷ responses;
//! - CES: `mean` score (7 = easiest); `easy` = answers of 5–7; `easy_share` = ÷ responses;
//! - `distribution[]`: answers per score, lowest first;
//! - `flows[]`: per survey flow, responses, its headline figure (NPS score, CSAT satisfied share
//!   or CES mean) and how many answers have a comment;
//! - comments: answers with a non-empty comment, newest first, filtered by `scale`, `flow`,
//!   `sentiment` (`positive`: NPS 9–10, CSAT 4–5, CES 5–7; `negative`: NPS 0–6, CSAT 1–2,
//!   CES 1–3; `neutral`: the rest), `locale`, and `q` (text contained, ignoring case), paged
//!   with `limit` (default 50, at most 100,000) and `offset`.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::date;
use crate::store::rollup::SURVEYS;

use super::table::{Table, V};
use super::users::NO_USER;
use super::{share, Context, Query, ReportError};

pub const SCALES: [&str; 3] = ["nps", "csat", "ces"];

pub fn sentiment(scale: &str, score: i64) -> &'static str {
    let (pos, neg) = match scale {
        "nps" => (9, 6),
        "csat" => (4, 2),
        _ => (5, 3),
    };
    if score >= pos {
        "positive"
    } else if score <= neg {
        "negative"
    } else {
        "neutral"
    }
}

#[derive(Debug, Default, Serialize)]
pub struct Nps {
    pub responses: u64,
    pub promoters: u64,
    pub passives: u64,
    pub detractors: u64,
    pub score: Option<f64>,
    pub distribution: Vec<u64>,
    pub weekly: Vec<Week>,
}

#[derive(Debug, Serialize)]
pub struct Week {
    pub week: String,
    pub responses: u64,
    pub score: Option<f64>,
}

#[derive(Debug, Default, Serialize)]
pub struct Scored {
    pub responses: u64,
    pub mean: Option<f64>,
    /// CSAT: answers of 4–5; CES: answers of 5–7.
    pub good: u64,
    pub good_share: f64,
    pub distribution: Vec<u64>,
}

#[derive(Debug, Serialize)]
pub struct FlowSummary {
    pub flow_id: String,
    pub name: String,
    pub scale: String,
    pub responses: u64,
    pub figure: Option<f64>,
    pub comments: u64,
}

#[derive(Debug, Serialize)]
pub struct Surveys {
    pub nps: Nps,
    pub csat: Scored,
    pub ces: Scored,
    pub flows: Vec<FlowSummary>,
}

#[derive(Debug, Serialize)]
pub struct Comment {
    pub at: String,
    pub flow_id: String,
    pub scale: String,
    pub score: i64,
    pub sentiment: &'static str,
    pub comment: String,
    pub locale: Option<String>,
    pub user: String,
    pub tier: Option<String>,
    pub plan: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Comments {
    pub total: u64,
    pub offset: u64,
    pub comments: Vec<Comment>,
}

/// One answer of the range, by a segment user.
struct Answer {
    at: i64,
    user: u32,
    flow: String,
    scale: String,
    score: i64,
    comment: Option<String>,
    locale: Option<String>,
}

async fn answers(ctx: &Context, q: &Query) -> Result<Vec<Answer>, ReportError> {
    let r = q.range;
    let rows = ctx.scan(&SURVEYS, Some((r.start_ms(), r.end_ms())), None).await?;
    let users = &ctx.users;
    let ucode = users.map_codes(&rows);
    let (at, keys, fl, scale, score, comment, locale) =
        (rows.int_col(0), rows.text_col(1), rows.text_col(2), rows.text_col(4), rows.int_col(5), rows.text_col(6), rows.text_col(7));
    let mut out = Vec::new();
    for i in 0..rows.len {
        let (Some(t), Some(code), Some(f), Some(s), Some(sc), Some(c), Some(l)) =
            (at.get(i), keys.get(i), fl.get(i), scale.get(i), score.get(i), comment.get(i), locale.get(i))
        else {
            continue;
        };
        let u = ucode.get(*code as usize).copied().unwrap_or(NO_USER);
        if !users.inside(u) {
            continue;
        }
        out.push(Answer {
            at: *t,
            user: u,
            flow: rows.text(*f).unwrap_or("").to_owned(),
            scale: rows.text(*s).unwrap_or("").to_owned(),
            score: *sc,
            comment: rows.text(*c).map(str::to_owned),
            locale: rows.text(*l).map(str::to_owned),
        });
    }
    Ok(out)
}

fn nps_score(promoters: u64, detractors: u64, responses: u64) -> Option<f64> {
    (responses > 0).then(|| (promoters as f64 - detractors as f64) / responses as f64 * 100.0)
}

fn scored(answers: &[&Answer], max: i64, good_from: i64) -> Scored {
    let mut distribution = vec![0u64; max as usize];
    let mut sum = 0i64;
    for a in answers {
        if let Some(d) = distribution.get_mut((a.score - 1) as usize) {
            *d += 1;
        }
        sum += a.score;
    }
    let n = answers.len() as u64;
    let good = answers.iter().filter(|a| a.score >= good_from).count() as u64;
    Scored { responses: n, mean: (n > 0).then(|| sum as f64 / n as f64), good, good_share: share(good, n), distribution }
}

pub async fn compute(ctx: &Context, q: &Query) -> Result<Surveys, ReportError> {
    let all = answers(ctx, q).await?;
    let r = q.range;
    let of = |s: &str| all.iter().filter(|a| a.scale == s).collect::<Vec<_>>();
    let nps_answers = of("nps");
    let mut nps = Nps { distribution: vec![0; 11], ..Nps::default() };
    let mut weeks: BTreeMap<i64, (u64, u64, u64)> = BTreeMap::new();
    let mut w = date::week_start(r.from);
    while w <= r.to {
        weeks.insert(w, (0, 0, 0));
        w += 7;
    }
    for a in &nps_answers {
        nps.responses += 1;
        if let Some(d) = nps.distribution.get_mut(a.score as usize) {
            *d += 1;
        }
        let e = weeks.entry(date::week_start(date::day_of_ms(a.at))).or_default();
        e.0 += 1;
        match a.score {
            9.. => {
                nps.promoters += 1;
                e.1 += 1;
            }
            7 | 8 => nps.passives += 1,
            _ => {
                nps.detractors += 1;
                e.2 += 1;
            }
        }
    }
    nps.score = nps_score(nps.promoters, nps.detractors, nps.responses);
    nps.weekly = weeks.into_iter().map(|(w, (n, p, d))| Week { week: date::ymd(w), responses: n, score: nps_score(p, d, n) }).collect();

    let csat = scored(&of("csat"), 5, 4);
    let ces = scored(&of("ces"), 7, 5);

    // Survey flows: the spec's, then any others answered in the range.
    let mut ids: Vec<(String, String)> =
        ctx.catalog.flows.iter().filter_map(|f| f.scale.map(|s| (f.id.clone(), s.to_owned()))).collect();
    for a in &all {
        if !ids.iter().any(|(id, _)| *id == a.flow) {
            ids.push((a.flow.clone(), a.scale.clone()));
        }
    }
    let flows = ids
        .into_iter()
        .map(|(id, scale)| {
            let mine: Vec<&Answer> = all.iter().filter(|a| a.flow == id).collect();
            let n = mine.len() as u64;
            let figure = match scale.as_str() {
                "nps" => {
                    let p = mine.iter().filter(|a| a.score >= 9).count() as u64;
                    let d = mine.iter().filter(|a| a.score <= 6).count() as u64;
                    nps_score(p, d, n)
                }
                "csat" => (n > 0).then(|| share(mine.iter().filter(|a| a.score >= 4).count() as u64, n)),
                _ => (n > 0).then(|| mine.iter().map(|a| a.score as f64).sum::<f64>() / n as f64),
            };
            FlowSummary {
                name: ctx.catalog.flow_name(&id),
                comments: mine.iter().filter(|a| a.comment.is_some()).count() as u64,
                flow_id: id,
                scale,
                responses: n,
                figure,
            }
        })
        .collect();
    Ok(Surveys { nps, csat, ces, flows })
}

pub const MAX_COMMENTS: u64 = 100_000;

pub async fn comments(ctx: &Context, q: &Query) -> Result<Comments, ReportError> {
    let scale = q.param("scale");
    if let Some(s) = scale {
        if !SCALES.contains(&s) {
            return Err(ReportError::BadQuery(format!("scale={s:?} must be nps, csat or ces")));
        }
    }
    let want_sentiment = q.param("sentiment");
    if let Some(s) = want_sentiment {
        if !["positive", "neutral", "negative"].contains(&s) {
            return Err(ReportError::BadQuery(format!("sentiment={s:?} must be positive, neutral or negative")));
        }
    }
    let num = |name: &str, default: u64, max: u64| -> Result<u64, ReportError> {
        match q.param(name) {
            None => Ok(default),
            Some(v) => match v.parse::<u64>() {
                Ok(n) if n <= max => Ok(n),
                _ => Err(ReportError::BadQuery(format!("{name}={v:?} must be a whole number up to {max}"))),
            },
        }
    };
    let limit = num("limit", 50, MAX_COMMENTS)?;
    let offset = num("offset", 0, u64::MAX / 2)?;
    let needle = q.param("q").map(str::to_lowercase);
    let flow = q.param("flow");
    let locale = q.param("locale");
    let mut matching: Vec<Answer> = answers(ctx, q)
        .await?
        .into_iter()
        .filter(|a| {
            a.comment.is_some()
                && scale.is_none_or(|s| a.scale == s)
                && flow.is_none_or(|f| a.flow == f)
                && locale.is_none_or(|l| a.locale.as_deref().is_some_and(|x| x == l || x.split('-').next() == Some(l)))
                && want_sentiment.is_none_or(|s| sentiment(&a.scale, a.score) == s)
                && needle.as_ref().is_none_or(|n| a.comment.as_ref().is_some_and(|c| c.to_lowercase().contains(n.as_str())))
        })
        .collect();
    matching.sort_by(|a, b| b.at.cmp(&a.at).then_with(|| a.user.cmp(&b.user)));
    let total = matching.len() as u64;
    let users = &ctx.users;
    let comments = matching
        .into_iter()
        .skip(usize::try_from(offset).unwrap_or(usize::MAX))
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
        .map(|a| Comment {
            at: date::iso_datetime(a.at),
            sentiment: sentiment(&a.scale, a.score),
            user: users.display(a.user),
            tier: users.trait_of(a.user, "tier"),
            plan: users.trait_of(a.user, "plan"),
            flow_id: a.flow,
            scale: a.scale,
            score: a.score,
            comment: a.comment.unwrap_or_default(),
            locale: a.locale,
        })
        .collect();
    Ok(Comments { total, offset, comments })
}

impl Surveys {
    pub fn tables(&self) -> Vec<Table> {
        let mut summary = Table::new("summary", &["scale", "responses", "figure", "good", "good_share", "mean"]);
        let n = &self.nps;
        summary.push(vec![V::text("nps"), n.responses.into(), V::opt(n.score), n.promoters.into(), V::Num(share(n.promoters, n.responses)), V::Null]);
        for (name, s) in [("csat", &self.csat), ("ces", &self.ces)] {
            let figure = if name == "csat" { Some(s.good_share) } else { s.mean };
            summary.push(vec![V::text(name), s.responses.into(), V::opt(figure.filter(|_| s.responses > 0)), s.good.into(), V::Num(s.good_share), V::opt(s.mean)]);
        }
        let mut nps = Table::new("nps", &["responses", "promoters", "passives", "detractors", "score"]);
        nps.push(vec![n.responses.into(), n.promoters.into(), n.passives.into(), n.detractors.into(), V::opt(n.score)]);
        let mut weekly = Table::new("nps_weekly", &["week", "responses", "score"]);
        for w in &n.weekly {
            weekly.push(vec![V::text(&w.week), w.responses.into(), V::opt(w.score)]);
        }
        let mut dist = Table::new("distribution", &["scale", "score", "answers"]);
        for (name, d, lo) in [("nps", &n.distribution, 0), ("csat", &self.csat.distribution, 1), ("ces", &self.ces.distribution, 1)] {
            for (i, c) in d.iter().enumerate() {
                dist.push(vec![V::text(name), V::Int(lo + i as i64), (*c).into()]);
            }
        }
        let mut flows = Table::new("flows", &["flow_id", "name", "scale", "responses", "figure", "comments"]);
        for f in &self.flows {
            flows.push(vec![V::text(&f.flow_id), V::text(&f.name), V::text(&f.scale), f.responses.into(), V::opt(f.figure), f.comments.into()]);
        }
        vec![summary, nps, weekly, dist, flows]
    }
}

impl Comments {
    pub fn tables(&self) -> Vec<Table> {
        let mut t = Table::new("comments", &["at", "flow_id", "scale", "score", "sentiment", "comment", "locale", "user", "tier", "plan"]);
        for c in &self.comments {
            let o = |s: &Option<String>| s.as_ref().map_or(V::Null, V::text);
            t.push(vec![
                V::text(&c.at),
                V::text(&c.flow_id),
                V::text(&c.scale),
                V::Int(c.score),
                V::text(c.sentiment),
                V::text(&c.comment),
                o(&c.locale),
                V::text(&c.user),
                o(&c.tier),
                o(&c.plan),
            ]);
        }
        vec![t]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentiments_and_scores() {
        assert_eq!(sentiment("nps", 9), "positive");
        assert_eq!(sentiment("nps", 7), "neutral");
        assert_eq!(sentiment("nps", 6), "negative");
        assert_eq!(sentiment("csat", 3), "neutral");
        assert_eq!(sentiment("ces", 5), "positive");
        assert_eq!(sentiment("ces", 3), "negative");
        assert_eq!(nps_score(6, 2, 10), Some(40.0));
        assert_eq!(nps_score(0, 0, 0), None);
    }
}
