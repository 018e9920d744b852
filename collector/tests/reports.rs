//! The adoption reports on SQLite and PostgreSQL, checked against figures recomputed here,
//! independently, from the raw events of `GET /v1/export`: a seeded population (through the
//! seed's store path) plus hand-written edge cases sent through `POST /v1/batch`
//! (anonymous users, step ids the spec does not have, out-of-scale scores, duplicates, another
//! project's events). Also: every view's CSV, query errors, the sign-in flow, the dashboard's
//! headers, and rebuilding the rollups of a database that predates them.
//!
//! The recomputation below follows docs/dashboard.md's definitions on plain events; it shares
//! no code with `collector/src/report`.

mod common;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use common::*;
use serde_json::{json, Value};
use shirube_collector::{date, seed};

const DAY: i64 = 86_400_000;

#[derive(Clone, Debug)]
struct Ev {
    name: String,
    user: String,
    at: i64,
    flow: Option<String>,
    step: Option<String>,
    rev: String,
    props: Value,
    ctx: Value,
}

impl Ev {
    fn day(&self) -> i64 {
        self.at.div_euclid(DAY)
    }
    fn p(&self, k: &str) -> &Value {
        &self.props[k]
    }
}

/// The project's events as exported, and what each user looks like.
struct World {
    events: Vec<Ev>,
    traits: HashMap<String, Value>,
    first_seen: HashMap<String, i64>,
}

impl World {
    fn new(lines: &str) -> World {
        let mut events = Vec::new();
        for l in lines.lines().filter(|l| !l.is_empty()) {
            let v: Value = serde_json::from_str(l).expect("export line");
            let user = match v["user_id"].as_str() {
                Some(u) => format!("u:{u}"),
                None => format!("a:{}", v["anonymous_id"].as_str().unwrap_or("")),
            };
            events.push(Ev {
                name: v["name"].as_str().unwrap_or("").into(),
                user,
                at: v["corrected_at"].as_i64().expect("corrected_at"),
                flow: v["flow_id"].as_str().map(str::to_owned),
                step: v["step_id"].as_str().map(str::to_owned),
                rev: v["spec_revision"].as_str().unwrap_or("").into(),
                props: v["properties"].clone(),
                ctx: v["context"].clone(),
            });
        }
        // Latest traits by event time; first seen = earliest event.
        let mut traits: HashMap<String, (i64, Value)> = HashMap::new();
        let mut first_seen: HashMap<String, i64> = HashMap::new();
        for e in &events {
            let f = first_seen.entry(e.user.clone()).or_insert(e.at);
            *f = (*f).min(e.at);
            if e.ctx["traits"].is_object() {
                let t = traits.entry(e.user.clone()).or_insert((i64::MIN, Value::Null));
                if e.at >= t.0 {
                    *t = (e.at, e.ctx["traits"].clone());
                }
            }
        }
        World { events, traits: traits.into_iter().map(|(k, (_, v))| (k, v)).collect(), first_seen }
    }

    fn trait_of(&self, user: &str, name: &str) -> Option<String> {
        match self.traits.get(user).map(|t| &t[name]) {
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            Some(Value::Bool(b)) => Some(b.to_string()),
            _ => None,
        }
    }

    fn in_seg(&self, user: &str, seg: &[(&str, &str)]) -> bool {
        seg.iter().all(|(k, v)| self.trait_of(user, k).is_some_and(|t| v.split(',').any(|x| x == t)))
    }

    fn users(&self) -> Vec<String> {
        let mut u: Vec<String> = self.first_seen.keys().cloned().collect();
        u.sort();
        u
    }
}

#[derive(Clone, Copy)]
struct R {
    from: i64,
    to: i64,
}

impl R {
    fn has(&self, e: &Ev) -> bool {
        e.day() >= self.from && e.day() <= self.to
    }
    fn end(&self) -> i64 {
        (self.to + 1) * DAY - 1
    }
    fn q(&self) -> String {
        format!("from={}&to={}", date::ymd(self.from), date::ymd(self.to))
    }
}

fn median(mut v: Vec<i64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort();
    let n = v.len();
    Some(if n % 2 == 1 { v[n / 2] as f64 } else { (v[n / 2 - 1] + v[n / 2]) as f64 / 2.0 })
}

fn rate(a: usize, b: usize) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

#[track_caller]
fn close(got: &Value, want: f64, what: &str) {
    let g = got.as_f64().unwrap_or_else(|| panic!("{what}: not a number: {got}"));
    assert!((g - want).abs() < 1e-9, "{what}: got {g}, want {want}");
}

#[track_caller]
fn eq_n(got: &Value, want: usize, what: &str) {
    assert_eq!(got.as_u64(), Some(want as u64), "{what}: got {got}");
}

#[track_caller]
fn opt(got: &Value, want: Option<f64>, what: &str) {
    match want {
        None => assert!(got.is_null(), "{what}: got {got}, want null"),
        Some(w) => close(got, w, what),
    }
}

async fn report(s: &Server, path: &str) -> Value {
    let r = s.req("GET", &format!("/v1/reports/{path}"), &[("Authorization", &format!("Bearer {ADMIN}"))], b"").await;
    assert_eq!(r.status, 200, "{path}: {}", r.text());
    r.json()
}

fn seg_q(seg: &[(&str, &str)]) -> String {
    seg.iter().map(|(k, v)| if *k == "tier" || *k == "plan" { format!("&{k}={v}") } else { format!("&trait.{k}={v}") }).collect()
}

/// Seeds the `acme` test project and adds hand-written edge cases through HTTP.
async fn populate(s: &Server, users: usize) -> i64 {
    let project = s.store.projects().await.expect("projects").into_iter().find(|p| p.name == "acme").expect("acme").id;
    let r = s.req("PUT", "/v1/specs/acme", &[("Authorization", &format!("Bearer {ADMIN}"))], seed::ACME_SPEC.as_bytes()).await;
    assert_eq!(r.status, 201, "{}", r.text());
    let today = date::day_of_ms(shirube_collector::now_ms());
    let mut opts = seed::Options::new(users, 60, today);
    opts.seed = 7;
    opts.not_after = shirube_collector::now_ms();
    let summary = seed::run(s.store.clone(), project, &opts, &mut |_| {}).await.expect("seed");
    assert!(summary.events > users as u64 * 20, "{summary:?}");
    assert_eq!(summary.duplicates, 0);

    let now = shirube_collector::now_ms();
    let sd = seed();
    let ev = |n: u64, body: Value| -> String {
        let mut v = body;
        v["event_id"] = json!(uuid(sd, n));
        v["timestamp"] = json!(now - 5_000 + n as i64);
        v.to_string()
    };
    let ctx = |tier: &str| json!({ "traits": { "tier": tier, "plan": "free", "signed_up_at": date::ymd(today) }, "locale": "ja", "path": "/app/x", "stage": "onboarding" });
    let events = vec![
        // An anonymous user in the welcome tour, on a step the spec does not have.
        ev(1, json!({ "name": "flow_started", "anonymous_id": "a_edge", "flow_id": "welcome", "spec_revision": "r-edge", "properties": { "kind": "tour" }, "context": ctx("tech") })),
        ev(2, json!({ "name": "step_viewed", "anonymous_id": "a_edge", "flow_id": "welcome", "step_id": "ghost", "spec_revision": "r-edge", "properties": {}, "context": ctx("tech") })),
        ev(3, json!({ "name": "step_completed", "anonymous_id": "a_edge", "flow_id": "welcome", "step_id": "ghost", "spec_revision": "r-edge", "properties": { "duration_ms": 1234.6 }, "context": ctx("tech") })),
        // An NPS answer outside 0–10 counts as an answer in the flow but not in NPS.
        ev(4, json!({ "name": "survey_answered", "user_id": "u_edge", "anonymous_id": "a_e2", "flow_id": "nps", "properties": { "scale": "nps", "score": 11, "comment": "broken scale" }, "context": ctx("high") })),
        ev(5, json!({ "name": "survey_answered", "user_id": "u_edge", "anonymous_id": "a_e2", "flow_id": "nps", "properties": { "scale": "nps", "score": 0, "comment": "=cmd|' /C calc'!A0" }, "context": ctx("high") })),
        // A missing target whose page is only in the context.
        ev(6, json!({ "name": "target_missing", "user_id": "u_edge", "anonymous_id": "a_e2", "flow_id": "welcome", "step_id": "create", "properties": { "selector": "#gone", "policy": "skip" }, "context": ctx("high") })),
        // The same target out of sight: a row of its own (reason `hidden`); the one above has
        // no reason (an older SDK) and counts as `absent`.
        ev(10, json!({ "name": "target_missing", "user_id": "u_edge", "anonymous_id": "a_e2", "flow_id": "welcome", "step_id": "create", "properties": { "selector": "#gone", "reason": "hidden", "waited_ms": 3000, "path": "/app/x" }, "context": ctx("high") })),
        ev(7, json!({ "name": "milestone_reached", "user_id": "u_edge", "anonymous_id": "a_e2", "properties": { "milestone_id": "first_project" }, "context": ctx("high") })),
        // A checklist this user was never shown (no flow_started): not in its population.
        ev(8, json!({ "name": "flow_dismissed", "user_id": "u_edge", "anonymous_id": "a_e2", "flow_id": "getting-started", "properties": { "kind": "checklist" }, "context": ctx("high") })),
    ];
    let r = s.post("/v1/batch", &batch(KEY, &events)).await;
    assert_eq!(r.json()["accepted"], 9, "{}", r.text());
    // The same batch again: duplicates change nothing.
    let r = s.post("/v1/batch", &batch(KEY, &events)).await;
    assert_eq!(r.json()["duplicates"], 9, "{}", r.text());
    // Another project's events never show.
    let other = ev(9, json!({ "name": "flow_started", "user_id": "u_other", "anonymous_id": "a_o", "flow_id": "welcome", "properties": {}, "context": ctx("tech") }));
    assert_eq!(s.post("/v1/batch", &batch(OTHER_KEY, &[other])).await.json()["accepted"], 1);
    project
}

async fn world(s: &Server) -> World {
    let r = s.req("GET", "/v1/export", &[("Authorization", &format!("Bearer {ADMIN}"))], b"").await;
    assert_eq!(r.status, 200);
    World::new(&r.text())
}

fn check_overview(w: &World, got: &Value, r: R, seg: &[(&str, &str)]) {
    let mut active = HashSet::new();
    let mut events = 0;
    let n = (r.to - r.from + 1) as usize;
    let mut daily = vec![(0usize, HashSet::new(), 0usize); n];
    let mut flows: BTreeMap<String, [HashSet<String>; 3]> = BTreeMap::new();
    for e in w.events.iter().filter(|e| r.has(e) && w.in_seg(&e.user, seg)) {
        events += 1;
        active.insert(e.user.clone());
        let d = &mut daily[(e.day() - r.from) as usize];
        d.0 += 1;
        d.1.insert(e.user.clone());
        let slot = match e.name.as_str() {
            "flow_started" => 0,
            "flow_completed" => 1,
            "flow_dismissed" => 2,
            _ => continue,
        };
        flows.entry(e.flow.clone().unwrap_or_default()).or_default()[slot].insert(e.user.clone());
    }
    let mut new_users = 0;
    for (u, first) in &w.first_seen {
        let d = first.div_euclid(DAY);
        if d >= r.from && d <= r.to && w.in_seg(u, seg) {
            new_users += 1;
            daily[(d - r.from) as usize].2 += 1;
        }
    }
    eq_n(&got["active_users"], active.len(), "active_users");
    eq_n(&got["events"], events, "events");
    eq_n(&got["new_users"], new_users, "new_users");
    let gd = got["daily"].as_array().expect("daily");
    assert_eq!(gd.len(), n);
    for (i, d) in daily.iter().enumerate() {
        assert_eq!(gd[i]["day"], date::ymd(r.from + i as i64));
        eq_n(&gd[i]["events"], d.0, "daily events");
        eq_n(&gd[i]["active_users"], d.1.len(), "daily active");
        eq_n(&gd[i]["new_users"], d.2, "daily new");
    }
    for (flow, [s, c, d]) in &flows {
        let row = got["flows"].as_array().and_then(|a| a.iter().find(|f| f["flow_id"] == flow.as_str())).unwrap_or_else(|| panic!("flow {flow}"));
        eq_n(&row["started"], s.len(), "started");
        eq_n(&row["completed"], c.len(), "completed");
        eq_n(&row["dismissed"], d.len(), "dismissed");
        close(&row["completion_rate"], rate(s.intersection(c).count(), s.len()), "completion_rate");
    }
}

fn check_funnel(w: &World, got: &Value, r: R, seg: &[(&str, &str)], flow: &str, rev: Option<&str>) {
    let evs: Vec<&Ev> = w.events.iter().filter(|e| r.has(e) && w.in_seg(&e.user, seg) && e.flow.as_deref() == Some(flow)).collect();
    let sel: Vec<&&Ev> = evs.iter().filter(|e| rev.is_none_or(|x| x == e.rev)).collect();
    let users = |name: &str| -> HashSet<String> { sel.iter().filter(|e| e.name == name).map(|e| e.user.clone()).collect() };
    let (started, completed) = (users("flow_started"), users("flow_completed"));
    eq_n(&got["started"], started.len(), "started");
    eq_n(&got["completed"], completed.len(), "completed");
    eq_n(&got["dismissed"], users("flow_dismissed").len(), "dismissed");
    eq_n(&got["answered"], users("survey_answered").len(), "answered");
    close(&got["completion_rate"], rate(started.intersection(&completed).count(), started.len()), "completion_rate");
    let dur = |name: &str, step: Option<&str>| -> Option<f64> {
        median(sel.iter().filter(|e| e.name == name && e.step.as_deref() == step).filter_map(|e| e.p("duration_ms").as_f64()).map(|d| d.round() as i64).collect())
    };
    opt(&got["median_ms"], dur("flow_completed", None), "flow median");
    let mut steps: BTreeMap<String, [HashSet<String>; 3]> = BTreeMap::new();
    for e in &sel {
        let Some(step) = &e.step else { continue };
        let slot = match e.name.as_str() {
            "step_viewed" => 0,
            "step_completed" => 1,
            "flow_dismissed" => 2,
            _ => continue,
        };
        steps.entry(step.clone()).or_default()[slot].insert(e.user.clone());
    }
    let got_steps = got["steps"].as_array().expect("steps");
    for (step, [v, c, d]) in &steps {
        let row = got_steps.iter().find(|s| s["step_id"] == step.as_str()).unwrap_or_else(|| panic!("step {step}"));
        eq_n(&row["viewed"], v.len(), &format!("{step} viewed"));
        eq_n(&row["completed"], c.len(), &format!("{step} completed"));
        eq_n(&row["dismissed"], d.len(), &format!("{step} dismissed"));
        let dropped = v.difference(c).count();
        eq_n(&row["dropped"], dropped, &format!("{step} dropped"));
        close(&row["drop_off_rate"], rate(dropped, v.len()), "drop_off_rate");
        opt(&row["median_ms"], dur("step_completed", Some(step)), &format!("{step} median"));
    }
    // The spec's steps come first, in order.
    let order: Vec<&str> = got_steps.iter().filter_map(|s| s["step_id"].as_str()).collect();
    if flow == "welcome" {
        assert_eq!(&order[..5], ["intro", "create", "import", "reports", "done"]);
    }
    // Revisions: every revision, whatever `revision` selects.
    let mut revs: BTreeMap<String, (HashSet<String>, HashSet<String>, Vec<i64>)> = BTreeMap::new();
    for e in &evs {
        let r = revs.entry(e.rev.clone()).or_default();
        match e.name.as_str() {
            "flow_started" => {
                r.0.insert(e.user.clone());
            }
            "flow_completed" => {
                r.1.insert(e.user.clone());
                if let Some(d) = e.p("duration_ms").as_f64() {
                    r.2.push(d.round() as i64);
                }
            }
            _ => {}
        }
    }
    let got_revs = got["revisions"].as_array().expect("revisions");
    for (rev, (s, c, d)) in revs.into_iter().filter(|(_, (s, c, _))| !s.is_empty() || !c.is_empty()) {
        let row = got_revs.iter().find(|x| x["revision"] == rev.as_str()).unwrap_or_else(|| panic!("revision {rev}"));
        eq_n(&row["started"], s.len(), "rev started");
        eq_n(&row["completed"], s.intersection(&c).count(), "rev started and completed");
        opt(&row["median_ms"], median(d), "rev median");
    }
}

fn check_targets(w: &World, got: &Value, r: R, seg: &[(&str, &str)]) {
    type Key = (String, String, String, String, String);
    let mut rows: BTreeMap<Key, (usize, HashSet<String>, usize, usize)> = BTreeMap::new();
    let mut missing_by_step: HashMap<(String, String), usize> = HashMap::new();
    for e in w.events.iter().filter(|e| e.name == "target_missing" && w.in_seg(&e.user, seg)) {
        let page = e.p("path").as_str().or(e.ctx["path"].as_str()).unwrap_or("").to_owned();
        // Events without a reason (older SDKs) count as absent.
        let reason = if e.p("reason").as_str() == Some("hidden") { "hidden" } else { "absent" };
        let key = (e.flow.clone().unwrap_or_default(), e.step.clone().unwrap_or_default(), e.p("selector").as_str().unwrap_or("").to_owned(), page, reason.to_owned());
        let row = rows.entry(key.clone()).or_default();
        if e.day() > r.to - 7 && e.day() <= r.to {
            row.2 += 1;
        } else if e.day() > r.to - 14 && e.day() <= r.to - 7 {
            row.3 += 1;
        }
        if r.has(e) {
            row.0 += 1;
            row.1.insert(e.user.clone());
            *missing_by_step.entry((key.0, key.1)).or_default() += 1;
        }
    }
    let mut shown: HashMap<(String, String), usize> = HashMap::new();
    for e in w.events.iter().filter(|e| r.has(e) && w.in_seg(&e.user, seg)) {
        let key = match e.name.as_str() {
            "step_viewed" => (e.flow.clone().unwrap_or_default(), e.step.clone().unwrap_or_default()),
            "flow_started" => (e.flow.clone().unwrap_or_default(), String::new()),
            _ => continue,
        };
        *shown.entry(key).or_default() += 1;
    }
    let got_rows = got["rows"].as_array().expect("rows");
    let in_range: Vec<_> = rows.iter().filter(|(_, v)| v.0 > 0).collect();
    assert_eq!(got_rows.len(), in_range.len(), "one row per flow, step, selector, page and reason");
    if seg.is_empty() {
        assert!(in_range.iter().any(|(k, _)| k.4 == "hidden") && in_range.iter().any(|(k, _)| k.4 == "absent"), "both reasons in the data");
    }
    eq_n(&got["events"], in_range.iter().map(|(_, v)| v.0).sum(), "total missing");
    let all_users: HashSet<&String> = in_range.iter().flat_map(|(_, v)| v.1.iter()).collect();
    eq_n(&got["users"], all_users.len(), "affected users");
    for ((f, s, sel, page, why), (n, users, last7, prev7)) in in_range {
        let row = got_rows
            .iter()
            .find(|x| x["flow_id"] == f.as_str() && x["step_id"] == s.as_str() && x["selector"] == sel.as_str() && x["page"] == page.as_str() && x["reason"] == why.as_str())
            .unwrap_or_else(|| panic!("row {f} {s} {sel} {page} {why}"));
        eq_n(&row["events"], *n, "events");
        eq_n(&row["users"], users.len(), "users");
        eq_n(&row["last_7d"], *last7, "last_7d");
        eq_n(&row["prev_7d"], *prev7, "prev_7d");
        let m = missing_by_step[&(f.clone(), s.clone())];
        close(&row["failure_rate"], rate(m, m + shown.get(&(f.clone(), s.clone())).copied().unwrap_or(0)), "failure_rate");
    }
    // Sorted by events, most first.
    let counts: Vec<u64> = got_rows.iter().filter_map(|x| x["events"].as_u64()).collect();
    assert!(counts.windows(2).all(|w| w[0] >= w[1]));
}

fn first_reach(w: &World, end: i64) -> HashMap<(String, String), i64> {
    let mut m = HashMap::new();
    for e in w.events.iter().filter(|e| e.name == "milestone_reached" && e.at <= end) {
        if let Some(id) = e.p("milestone_id").as_str() {
            let slot = m.entry((e.user.clone(), id.to_owned())).or_insert(e.at);
            *slot = (*slot).min(e.at);
        }
    }
    m
}

fn check_milestones_by_tier(w: &World, got: &Value, r: R, seg: &[(&str, &str)]) {
    let active: HashSet<String> = w.events.iter().filter(|e| r.has(e) && w.in_seg(&e.user, seg)).map(|e| e.user.clone()).collect();
    let reach = first_reach(w, r.end());
    let mut groups: BTreeMap<String, Vec<&String>> = BTreeMap::new();
    for u in &active {
        groups.entry(w.trait_of(u, "tier").unwrap_or_else(|| "(none)".into())).or_default().push(u);
    }
    eq_n(&got["overall"]["users"], active.len(), "population");
    let got_groups = got["groups"].as_array().expect("groups");
    assert_eq!(got_groups.len(), groups.len());
    for (key, members) in &groups {
        let g = got_groups.iter().find(|g| g["key"] == key.as_str()).unwrap_or_else(|| panic!("group {key}"));
        eq_n(&g["users"], members.len(), "group users");
        for m in g["milestones"].as_array().expect("milestones") {
            let id = m["id"].as_str().unwrap_or("");
            let days: Vec<i64> = members.iter().filter_map(|u| reach.get(&((*u).clone(), id.to_owned())).map(|at| at - w.first_seen[*u])).collect();
            eq_n(&m["reached"], days.len(), &format!("{key} {id} reached"));
            close(&m["share"], rate(days.len(), members.len()), "share");
            opt(&m["median_days"], median(days).map(|d| (d / DAY as f64 * 10.0).round() / 10.0), &format!("{key} {id} median days"));
        }
    }
}

fn check_cohorts(w: &World, got: &Value, r: R, within: i64) {
    let reach = first_reach(w, r.end());
    let mut cohorts: BTreeMap<i64, Vec<(String, i64)>> = BTreeMap::new();
    for u in w.users() {
        let day = w.traits.get(&u).and_then(|t| t["signed_up_at"].as_str()).and_then(date::parse_ymd).unwrap_or(w.first_seen[&u].div_euclid(DAY));
        if day >= r.from && day <= r.to {
            cohorts.entry(date::week_start(day)).or_default().push((u, day));
        }
    }
    let got_groups = got["groups"].as_array().expect("groups");
    assert_eq!(got_groups.len(), cohorts.len());
    for (week, members) in &cohorts {
        let g = got_groups.iter().find(|g| g["key"] == date::ymd(*week)).unwrap_or_else(|| panic!("cohort {week}"));
        eq_n(&g["users"], members.len(), "cohort users");
        for m in g["milestones"].as_array().expect("milestones") {
            let id = m["id"].as_str().unwrap_or("");
            let n = members.iter().filter(|(u, day)| reach.get(&(u.clone(), id.to_owned())).is_some_and(|at| at - day * DAY <= within * DAY)).count();
            eq_n(&m["reached"], n, &format!("cohort {} {id}", date::ymd(*week)));
        }
    }
}

fn check_lifecycle(w: &World, got: &Value, r: R, seg: &[(&str, &str)]) {
    let mut per_user: BTreeMap<String, Vec<(i64, String, String)>> = BTreeMap::new();
    for e in w.events.iter().filter(|e| e.name == "stage_changed" && e.at <= r.end() && w.in_seg(&e.user, seg)) {
        if let Some(to) = e.p("to").as_str() {
            per_user.entry(e.user.clone()).or_default().push((e.at, e.p("from").as_str().unwrap_or("").to_owned(), to.to_owned()));
        }
    }
    let mut dist: BTreeMap<String, usize> = BTreeMap::new();
    let mut by_tier: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut moves: BTreeMap<(String, String), (usize, HashSet<String>)> = BTreeMap::new();
    for (u, v) in per_user.iter_mut() {
        v.sort();
        let last = v.last().map(|x| x.2.clone()).unwrap_or_default();
        *dist.entry(last.clone()).or_default() += 1;
        *by_tier.entry((w.trait_of(u, "tier").unwrap_or_else(|| "(none)".into()), last)).or_default() += 1;
        for (at, from, to) in v.iter() {
            if *at >= r.from * DAY && *at <= r.end() {
                let m = moves.entry((from.clone(), to.clone())).or_default();
                m.0 += 1;
                m.1.insert(u.clone());
            }
        }
    }
    eq_n(&got["population"], per_user.len(), "population");
    for c in got["distribution"].as_array().expect("distribution") {
        let stage = c["stage"].as_str().unwrap_or("");
        eq_n(&c["users"], dist.get(stage).copied().unwrap_or(0), &format!("stage {stage}"));
    }
    for g in got["groups"].as_array().expect("groups") {
        let key = g["key"].as_str().unwrap_or("");
        for c in g["stages"].as_array().expect("stages") {
            let stage = c["stage"].as_str().unwrap_or("");
            eq_n(&c["users"], by_tier.get(&(key.to_owned(), stage.to_owned())).copied().unwrap_or(0), &format!("{key} {stage}"));
        }
    }
    let got_moves = got["movement"].as_array().expect("movement");
    assert_eq!(got_moves.len(), moves.len());
    for ((from, to), (n, users)) in &moves {
        let m = got_moves.iter().find(|m| m["from"] == from.as_str() && m["to"] == to.as_str()).unwrap_or_else(|| panic!("move {from}->{to}"));
        eq_n(&m["events"], *n, "move events");
        eq_n(&m["users"], users.len(), "move users");
    }
    // The last point of the timeline is the distribution at `to`.
    let last = got["timeline"].as_array().and_then(|t| t.last()).expect("timeline");
    assert_eq!(last["day"], date::ymd(r.to));
    let dist_users: Vec<u64> = got["distribution"].as_array().expect("d").iter().filter_map(|c| c["users"].as_u64()).collect();
    assert_eq!(last["users"].as_array().expect("users").iter().filter_map(Value::as_u64).collect::<Vec<_>>(), dist_users);
}

fn check_checklists(w: &World, got: &Value, r: R, seg: &[(&str, &str)]) {
    let active: HashSet<String> = w.events.iter().filter(|e| r.has(e) && w.in_seg(&e.user, seg)).map(|e| e.user.clone()).collect();
    let flow = "getting-started";
    let of = |name: &str| -> HashSet<String> {
        w.events.iter().filter(|e| e.name == name && e.flow.as_deref() == Some(flow) && e.day() <= r.to && active.contains(&e.user)).map(|e| e.user.clone()).collect()
    };
    let shown = of("flow_started");
    let c = got["checklists"].as_array().and_then(|a| a.iter().find(|c| c["flow_id"] == flow)).expect("getting-started");
    eq_n(&c["users"], shown.len(), "shown");
    eq_n(&c["completed"], of("flow_completed").intersection(&shown).count(), "completed");
    eq_n(&c["dismissed"], of("flow_dismissed").intersection(&shown).count(), "dismissed");
    for item in c["items"].as_array().expect("items") {
        let id = item["item_id"].as_str().unwrap_or("");
        let n: HashSet<&String> = w
            .events
            .iter()
            .filter(|e| e.name == "checklist_item_completed" && e.flow.as_deref() == Some(flow) && e.at <= r.end() && e.p("item_id") == id && shown.contains(&e.user))
            .map(|e| &e.user)
            .collect();
        eq_n(&item["users"], n.len(), &format!("item {id}"));
    }
}

fn check_surveys(w: &World, got: &Value, r: R, seg: &[(&str, &str)]) {
    let answers: Vec<(&Ev, String, i64)> = w
        .events
        .iter()
        .filter(|e| e.name == "survey_answered" && r.has(e) && w.in_seg(&e.user, seg))
        .filter_map(|e| {
            let scale = e.p("scale").as_str()?.to_owned();
            let score = e.p("score").as_f64()?;
            let (lo, hi) = match scale.as_str() {
                "nps" => (0.0, 10.0),
                "csat" => (1.0, 5.0),
                "ces" => (1.0, 7.0),
                _ => return None,
            };
            (score.fract() == 0.0 && score >= lo && score <= hi).then_some((e, scale, score as i64))
        })
        .collect();
    let nps: Vec<i64> = answers.iter().filter(|a| a.1 == "nps").map(|a| a.2).collect();
    let (p, d) = (nps.iter().filter(|s| **s >= 9).count(), nps.iter().filter(|s| **s <= 6).count());
    eq_n(&got["nps"]["responses"], nps.len(), "nps responses");
    eq_n(&got["nps"]["promoters"], p, "promoters");
    eq_n(&got["nps"]["detractors"], d, "detractors");
    opt(&got["nps"]["score"], (!nps.is_empty()).then(|| (p as f64 - d as f64) / nps.len() as f64 * 100.0), "nps score");
    let csat: Vec<i64> = answers.iter().filter(|a| a.1 == "csat").map(|a| a.2).collect();
    eq_n(&got["csat"]["responses"], csat.len(), "csat responses");
    opt(&got["csat"]["mean"], (!csat.is_empty()).then(|| csat.iter().sum::<i64>() as f64 / csat.len() as f64), "csat mean");
    eq_n(&got["csat"]["good"], csat.iter().filter(|s| **s >= 4).count(), "csat satisfied");
    for (i, n) in got["csat"]["distribution"].as_array().expect("dist").iter().enumerate() {
        eq_n(n, csat.iter().filter(|s| **s == i as i64 + 1).count(), "csat distribution");
    }
}

fn negative_comments(w: &World, r: R, needle: &str) -> usize {
    w.events
        .iter()
        .filter(|e| e.name == "survey_answered" && r.has(e))
        .filter(|e| e.p("comment").as_str().is_some_and(|c| !c.trim().is_empty() && c.to_lowercase().contains(needle)))
        .filter(|e| {
            let s = e.p("score").as_i64().unwrap_or(-1);
            match e.p("scale").as_str() {
                Some("nps") => (0..=6).contains(&s),
                Some("csat") => (1..=2).contains(&s),
                Some("ces") => (1..=3).contains(&s),
                _ => false,
            }
        })
        .count()
}

async fn figures_match_the_raw_events(b: Backend) {
    let s = Server::start(&b).await;
    populate(&s, 140).await;
    let w = world(&s).await;
    assert!(!w.events.iter().any(|e| e.user == "u:u_other"), "another project's events are not exported here");
    let today = date::day_of_ms(shirube_collector::now_ms());
    let all = R { from: today - 59, to: today };
    let recent = R { from: today - 13, to: today };
    for (r, seg) in [(all, vec![]), (recent, vec![]), (all, vec![("tier", "tech")]), (all, vec![("plan", "free,starter")]), (recent, vec![("role", "admin")])] {
        let sq = seg_q(&seg);
        let q = r.q();
        check_overview(&w, &report(&s, &format!("overview?{q}{sq}")).await, r, &seg);
        check_funnel(&w, &report(&s, &format!("funnel?flow=welcome&{q}{sq}")).await, r, &seg, "welcome", None);
        check_funnel(&w, &report(&s, &format!("funnel?flow=nps&{q}{sq}")).await, r, &seg, "nps", None);
        check_targets(&w, &report(&s, &format!("targets?{q}{sq}")).await, r, &seg);
        check_milestones_by_tier(&w, &report(&s, &format!("milestones?by=tier&{q}{sq}")).await, r, &seg);
        check_lifecycle(&w, &report(&s, &format!("lifecycle?{q}{sq}")).await, r, &seg);
        check_checklists(&w, &report(&s, &format!("checklists?{q}{sq}")).await, r, &seg);
        check_surveys(&w, &report(&s, &format!("surveys?{q}{sq}")).await, r, &seg);
    }
    // One revision at a time.
    let revs: BTreeMap<&str, usize> = w.events.iter().filter(|e| e.flow.as_deref() == Some("welcome") && !e.rev.is_empty()).fold(BTreeMap::new(), |mut m, e| {
        *m.entry(e.rev.as_str()).or_default() += 1;
        m
    });
    assert!(revs.len() >= 2, "the seed spans two spec revisions: {revs:?}");
    for rev in revs.keys() {
        check_funnel(&w, &report(&s, &format!("funnel?flow=welcome&revision={rev}&{}", all.q())).await, all, &[], "welcome", Some(rev));
    }
    // The anonymous edge user's step the spec does not have is listed after the spec's steps.
    let f = report(&s, &format!("funnel?flow=welcome&{}", all.q())).await;
    assert_eq!(f["steps"].as_array().and_then(|a| a.last()).map(|s| s["step_id"].clone()), Some(json!("ghost")));
    check_cohorts(&w, &report(&s, &format!("milestones?by=cohort&within=14&{}", all.q())).await, all, 14);
    // Comments: filtered, newest first, the out-of-scale answer left out.
    let c = report(&s, &format!("comments?sentiment=negative&{}", all.q())).await;
    eq_n(&c["total"], negative_comments(&w, all, ""), "negative comments");
    let c = report(&s, &format!("comments?q=BROKEN&{}", all.q())).await;
    eq_n(&c["total"], 0, "the score-11 answer is not a comment of any scale");
    let c = report(&s, &format!("comments?limit=3&offset=1&{}", all.q())).await;
    let ats: Vec<&str> = c["comments"].as_array().expect("comments").iter().filter_map(|x| x["at"].as_str()).collect();
    assert_eq!(ats.len(), 3);
    assert!(ats.windows(2).all(|p| p[0] >= p[1]), "newest first: {ats:?}");
    let _ = s.stop().await;
}

async fn csv_exports_match_json(b: Backend) {
    let s = Server::start(&b).await;
    populate(&s, 40).await;
    let auth = format!("Bearer {ADMIN}");
    let h = [("Authorization", auth.as_str())];
    let r = s.req("GET", "/v1/reports/overview.csv?table=daily&from=2020-01-01&to=2100-12-31", &h, b"").await;
    assert_eq!((r.status, r.code()), (400, "bad_query".into()), "ten years at most: {}", r.text());
    let today = date::day_of_ms(shirube_collector::now_ms());
    let q = format!("from={}&to={}", date::ymd(today - 59), date::ymd(today));
    let j2 = report(&s, &format!("overview?{q}")).await;
    assert_eq!(j2["daily"].as_array().map(Vec::len), Some(60));
    let r = s.req("GET", &format!("/v1/reports/overview.csv?table=daily&{q}"), &h, b"").await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("content-type"), Some("text/csv; charset=utf-8"));
    assert!(r.header("content-disposition").unwrap_or("").contains(&format!("shirube-overview-daily-{}-{}.csv", date::ymd(today - 59), date::ymd(today))));
    let text = r.text();
    let mut lines = text.trim_start_matches('\u{feff}').lines();
    assert_eq!(lines.next(), Some("day,events,active_users,new_users"));
    for (line, d) in lines.zip(j2["daily"].as_array().expect("daily")) {
        assert_eq!(line, format!("{},{},{},{}", d["day"].as_str().unwrap_or(""), d["events"], d["active_users"], d["new_users"]));
    }
    // Every table of every report exports.
    for (name, params) in [
        ("overview", ""),
        ("funnel", "&flow=welcome"),
        ("targets", ""),
        ("milestones", "&by=plan"),
        ("lifecycle", ""),
        ("checklists", ""),
        ("surveys", ""),
        ("comments", ""),
    ] {
        let tables = match name {
            "overview" => vec!["daily", "flows"],
            "funnel" => vec!["steps", "revisions"],
            "targets" => vec!["targets", "daily"],
            "milestones" => vec!["milestones"],
            "lifecycle" => vec!["distribution", "timeline", "movement", "time_to"],
            "checklists" => vec!["checklists", "items"],
            "surveys" => vec!["summary", "nps", "nps_weekly", "distribution", "flows"],
            _ => vec!["comments"],
        };
        for t in tables {
            let r = s.req("GET", &format!("/v1/reports/{name}.csv?table={t}&{q}{params}"), &h, b"").await;
            assert_eq!(r.status, 200, "{name}/{t}: {}", r.text());
            assert!(r.text().lines().count() >= 2 || t == "comments", "{name}/{t} has rows");
        }
    }
    // A comment that looks like a formula is neutralised in CSV.
    let r = s.req("GET", &format!("/v1/reports/comments.csv?limit=100000&{q}"), &h, b"").await;
    assert!(r.text().contains("'=cmd|"), "formula guarded");
    let r = s.req("GET", &format!("/v1/reports/funnel.csv?flow=welcome&{q}"), &h, b"").await;
    assert_eq!((r.status, r.code()), (400, "bad_query".into()), "several tables need ?table=");
    let _ = s.stop().await;
}

async fn bad_requests_get_clear_errors(b: Backend) {
    let s = Server::start(&b).await;
    populate(&s, 5).await;
    let auth = format!("Bearer {ADMIN}");
    let h = [("Authorization", auth.as_str())];
    for (path, status, code, words) in [
        ("/v1/reports/overview?from=2026-02-30", 400, "bad_query", "not a date"),
        ("/v1/reports/overview?from=2026-11-10&to=2026-11-01", 400, "bad_query", "after"),
        ("/v1/reports/overview?teir=high", 400, "bad_query", "unknown parameter"),
        ("/v1/reports/funnel", 400, "bad_query", "welcome"),
        ("/v1/reports/funnel?flow=nope", 404, "unknown_flow", "reports-tour"),
        ("/v1/reports/milestones?by=colour", 400, "bad_query", "trait:<name>"),
        ("/v1/reports/milestones?within=0", 400, "bad_query", "within"),
        ("/v1/reports/comments?sentiment=angry", 400, "bad_query", "positive"),
        ("/v1/reports/comments?limit=-1", 400, "bad_query", "limit"),
        ("/v1/reports/nothing", 404, "unknown_report", "overview"),
        ("/v1/reports/targets.csv?table=nope", 400, "bad_query", "daily"),
    ] {
        let r = s.req("GET", path, &h, b"").await;
        assert_eq!((r.status, r.code()), (status, code.to_owned()), "{path}: {}", r.text());
        assert!(r.json()["message"].as_str().unwrap_or("").contains(words), "{path}: {}", r.text());
    }
    let r = s.req("GET", "/v1/reports/overview", &[], b"").await;
    assert_eq!((r.status, r.code()), (401, "missing_token".into()));
    let r = s.req("GET", "/v1/reports/overview", &[("Authorization", "Bearer sb_admin_wrong")], b"").await;
    assert_eq!((r.status, r.code()), (401, "bad_token".into()));
    // Another project's token sees only its own (nearly empty) data.
    let other = format!("Bearer {OTHER_ADMIN}");
    let today = date::day_of_ms(shirube_collector::now_ms());
    let r = s.req("GET", &format!("/v1/reports/overview?from={}", date::ymd(today - 59)), &[("Authorization", other.as_str())], b"").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["events"], 1, "the other project has its one event");
    let r = s.req("GET", "/v1/dev/seed", &h, b"").await;
    assert_eq!(r.status, 405);
    let r = s.req("POST", "/v1/dev/seed", &h, b"").await;
    assert_eq!((r.status, r.code()), (404, "not_found".into()), "no dev seeding outside serve --dev");
    let _ = s.stop().await;
}

fn set_cookie(r: &Resp) -> Option<String> {
    r.headers.iter().find(|(k, v)| k == "set-cookie" && v.starts_with("sb_session=")).map(|(_, v)| v.split(';').next().unwrap_or("").to_owned())
}

async fn sign_in_sessions_and_pages(b: Backend) {
    let s = Server::start(&b).await;
    populate(&s, 30).await;
    // Without a session, `/` is the sign-in page and the views redirect to it.
    let r = s.req("GET", "/", &[], b"").await;
    assert_eq!(r.status, 200);
    assert!(r.text().contains(r#"name="token""#));
    assert_eq!(r.header("content-security-policy"), Some(shirube_collector::dashboard::CSP));
    let r = s.req("GET", "/dashboard/funnel?flow=welcome", &[], b"").await;
    assert_eq!(r.status, 303);
    assert_eq!(r.header("location"), Some("/dashboard/login?next=%2Fdashboard%2Ffunnel%3Fflow%3Dwelcome"));
    // A wrong token, a cross-site form, then the right token.
    let form = [("Content-Type", "application/x-www-form-urlencoded")];
    let r = s.req("POST", "/dashboard/login", &form, b"token=sb_admin_nope&next=%2F").await;
    assert_eq!(r.status, 401);
    assert!(r.text().contains("not an admin token"));
    let evil = [("Content-Type", "application/x-www-form-urlencoded"), ("Origin", "https://evil.example")];
    let r = s.req("POST", "/dashboard/login", &evil, format!("token={ADMIN}").as_bytes()).await;
    assert_eq!(r.status, 403);
    let r = s.req("POST", "/dashboard/login", &form, format!("token={ADMIN}&next=%2Fdashboard%2Fsurveys").as_bytes()).await;
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(r.header("location"), Some("/dashboard/surveys"));
    let set = r.headers.iter().find(|(k, _)| k == "set-cookie").map(|(_, v)| v.clone()).unwrap_or_default();
    assert!(set.contains("HttpOnly") && set.contains("SameSite=Strict") && set.contains("Max-Age=43200"), "{set}");
    let cookie = set_cookie(&r).expect("session cookie");
    let sid = cookie.trim_start_matches("sb_session=");
    let stored = s.db.scalar(&format!("SELECT count(*) FROM dashboard_sessions WHERE id_sha256 = '{}'", shirube_collector::project::sha256_hex(sid))).await;
    assert_eq!(stored, 1, "the database keeps the session's hash");
    let c = [("Cookie", cookie.as_str())];
    // Every view renders, with its figures from the same report as the API.
    let today = date::day_of_ms(shirube_collector::now_ms());
    let q = format!("from={}&to={}", date::ymd(today - 29), date::ymd(today));
    for path in ["/", "/dashboard/funnel", "/dashboard/targets", "/dashboard/milestones?by=cohort", "/dashboard/lifecycle", "/dashboard/checklists", "/dashboard/surveys"] {
        let sep = if path.contains('?') { '&' } else { '?' };
        let r = s.req("GET", &format!("{path}{sep}{q}"), &c, b"").await;
        assert_eq!(r.status, 200, "{path}: {}", r.text());
        let html = r.text();
        assert!(html.contains("<svg") || path.contains("checklists"), "{path} draws charts");
        assert!(!html.contains("style=\"") && !html.contains("<script>"), "{path}: no inline style or script");
        assert_eq!(r.header("cache-control"), Some("no-store"));
    }
    let overview = report(&s, &format!("overview?{q}")).await;
    let html = s.req("GET", &format!("/?{q}"), &c, b"").await.text();
    let kpi = format!(r#"data-kpi="active_users"><div class="label">Active users</div><div class="value">{}</div>"#, thousands(overview["active_users"].as_u64().unwrap_or(0)));
    assert!(html.contains(&kpi), "the page shows the report's figure");
    // Japanese.
    let r = s.req("GET", "/dashboard/lang/ja?next=%2F", &c, b"").await;
    assert_eq!(r.status, 303);
    assert!(r.headers.iter().any(|(k, v)| k == "set-cookie" && v.starts_with("sb_lang=ja")));
    let ja = [("Cookie", format!("{cookie}; sb_lang=ja"))];
    let ja: Vec<(&str, &str)> = ja.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let html = s.req("GET", &format!("/?{q}"), &ja, b"").await.text();
    assert!(html.contains(r#"<html lang="ja">"#) && html.contains("アクティブユーザー") && html.contains("ログアウト"));
    // The session reads the API too; signing out ends it.
    assert_eq!(s.req("GET", "/v1/reports/overview", &c, b"").await.status, 200);
    let r = s.req("POST", "/dashboard/logout", &c, b"").await;
    assert_eq!(r.status, 303);
    assert_eq!(s.req("GET", "/v1/reports/overview", &c, b"").await.status, 401);
    assert_eq!(s.req("GET", "/dashboard/lifecycle", &c, b"").await.status, 303);
    // Bearer tokens work on the HTML views too (DESIGN.md).
    let auth = format!("Bearer {ADMIN}");
    let r = s.req("GET", "/dashboard/targets", &[("Authorization", auth.as_str())], b"").await;
    assert_eq!(r.status, 200);
    // Assets are served with a type and no inline code needed.
    let r = s.req("GET", "/dashboard/assets/dashboard.css", &[], b"").await;
    assert_eq!((r.status, r.header("content-type")), (200, Some("text/css; charset=utf-8")));
    // Rotating the admin token (a leak) ends the sessions opened with the old one.
    let r = s.req("POST", "/dashboard/login", &form, format!("token={ADMIN}").as_bytes()).await;
    let cookie = set_cookie(&r).expect("session cookie");
    let c = [("Cookie", cookie.as_str())];
    assert_eq!(s.req("GET", "/v1/reports/overview", &c, b"").await.status, 200);
    let mut rotated = projects();
    rotated.retain(|p| p.name == "acme");
    rotated[0].admin_token = "sb_admin_acme_rotated".into();
    shirube_collector::sync_projects(s.store.as_ref(), &rotated).await.expect("rotate");
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(s.req("GET", "/v1/reports/overview", &c, b"").await.status, 401, "the old token's session is over");
    assert_eq!(s.req("GET", "/v1/reports/overview", &[("Authorization", "Bearer sb_admin_acme_rotated")], b"").await.status, 200);
    let _ = s.stop().await;
}

fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A database written before the rollups existed gets them built from its events when the
/// collector opens it: drop the rollups and forget the migration, reopen, compare.
async fn rollups_are_rebuilt_for_older_databases(b: Backend) {
    let s = Server::start(&b).await;
    populate(&s, 25).await;
    let today = date::day_of_ms(shirube_collector::now_ms());
    let q = format!("from={}&to={}", date::ymd(today - 59), date::ymd(today));
    let paths = [format!("overview?{q}"), format!("funnel?flow=welcome&{q}"), format!("targets?{q}"), format!("milestones?by=plan&{q}"), format!("lifecycle?{q}"), format!("surveys?{q}")];
    let mut before = Vec::new();
    for p in &paths {
        before.push(report(&s, p).await);
    }
    let db = s.stop().await;
    let drop = "DROP TABLE rollup_activity; DROP TABLE rollup_flows; DROP TABLE rollup_steps; DROP TABLE rollup_timings; \
                DROP TABLE rollup_milestones; DROP TABLE rollup_stages; DROP TABLE rollup_checklist; DROP TABLE rollup_surveys; \
                DROP TABLE rollup_targets; DROP TABLE dashboard_sessions; DELETE FROM schema_migrations WHERE version >= 2;";
    match &db.backend {
        Backend::Sqlite => {
            let path = db.sqlite_path().expect("path");
            tokio::task::spawn_blocking(move || rusqlite::Connection::open(path).expect("open").execute_batch(drop).expect("drop"))
                .await
                .expect("join");
        }
        Backend::Postgres(_) => {
            let (client, conn) = tokio_postgres::connect(&db.url, tokio_postgres::NoTls).await.expect("connect");
            tokio::spawn(conn);
            client.batch_execute(drop).await.expect("drop");
        }
    }
    let s = Server::on(db, |_| {}).await;
    for (p, want) in paths.iter().zip(before) {
        assert_eq!(report(&s, p).await, want, "{p} after rebuilding");
    }
    let _ = s.stop().await;
}

/// A database from before broken targets had a reason (migration 5) gets that rollup made again
/// from its events when the collector opens it: the old table (no `reason`, and a stray row
/// the events do not back) is replaced, the other rollups are left as they were.
async fn targets_get_their_reason_in_older_databases(b: Backend) {
    let s = Server::start(&b).await;
    populate(&s, 25).await;
    let today = date::day_of_ms(shirube_collector::now_ms());
    let q = format!("from={}&to={}", date::ymd(today - 59), date::ymd(today));
    let paths = [format!("targets?{q}"), format!("overview?{q}"), format!("funnel?flow=welcome&{q}")];
    let mut before = Vec::new();
    for p in &paths {
        before.push(report(&s, p).await);
    }
    assert!(before[0]["rows"].as_array().expect("rows").iter().any(|r| r["reason"] == "hidden"), "a hidden row to rebuild");
    let db = s.stop().await;
    let old = |int: &str, rowid: &str| {
        format!(
            "DROP TABLE rollup_targets;
             CREATE TABLE rollup_targets (
                 project_id {int} NOT NULL, day {int} NOT NULL, flow_id TEXT NOT NULL, step_id TEXT NOT NULL,
                 selector TEXT NOT NULL, page TEXT NOT NULL, user_key TEXT NOT NULL, n {int} NOT NULL,
                 PRIMARY KEY (project_id, day, flow_id, step_id, selector, page, user_key)
             ){rowid};
             INSERT INTO rollup_targets VALUES (1, {today}, 'welcome', 'create', '#stray', '/app', 'u:stray', 7);
             DELETE FROM schema_migrations WHERE version >= 5;"
        )
    };
    match &db.backend {
        Backend::Sqlite => {
            let path = db.sqlite_path().expect("path");
            let sql = old("INTEGER", " WITHOUT ROWID");
            tokio::task::spawn_blocking(move || rusqlite::Connection::open(path).expect("open").execute_batch(&sql).expect("old table"))
                .await
                .expect("join");
        }
        Backend::Postgres(_) => {
            let (client, conn) = tokio_postgres::connect(&db.url, tokio_postgres::NoTls).await.expect("connect");
            tokio::spawn(conn);
            client.batch_execute(&old("BIGINT", "")).await.expect("old table");
        }
    }
    let s = Server::on(db, |_| {}).await;
    for (p, want) in paths.iter().zip(before) {
        assert_eq!(report(&s, p).await, want, "{p} after the migration");
    }
    let _ = s.stop().await;
}

/// Seeding is deterministic, and seeding twice with the same options stores nothing new.
async fn seeding_twice_is_idempotent(b: Backend) {
    let s = Server::start(&b).await;
    let project = s.store.projects().await.expect("projects").into_iter().find(|p| p.name == "acme").expect("acme").id;
    let opts = seed::Options::new(20, 30, date::days_from_civil(2026, 11, 22));
    let store: Arc<dyn shirube_collector::store::Store> = s.store.clone();
    let first = seed::run(store.clone(), project, &opts, &mut |_| {}).await.expect("seed");
    let second = seed::run(store, project, &opts, &mut |_| {}).await.expect("seed again");
    assert_eq!(first.events, second.events);
    assert_eq!(second.duplicates, second.events, "the same event ids again");
    let db = s.stop().await;
    assert_eq!(db.count_events().await, first.events as i64);
}

both!(figures_match_the_raw_events, csv_exports_match_json, bad_requests_get_clear_errors, sign_in_sessions_and_pages, rollups_are_rebuilt_for_older_databases, targets_get_their_reason_in_older_databases, seeding_twice_is_idempotent);
