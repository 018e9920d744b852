//! A user's lasting progress in one product: milestones reached, event counters, each flow's
//! history (shown, completed, dismissed, snoozed, the step of a tour in progress, checklist items
//! ticked) and survey answers. It is what localStorage and the collector's state sync keep.
//!
//! Two copies (two tabs, two devices) combine with [`Progress::merge`], a join: commutative,
//! associative and idempotent, so copies converge whatever order they meet in. Counters are
//! kept per device and summed, so increments on a laptop and a phone add up instead of one
//! overwriting the other. This module does not touch storage; `src/store.rs` does.

use crate::core::json::{self, Json, Key, Node};

/// Version of the stored format; bump with a migration in [`Progress::from_json`].
pub const FORMAT: u32 = 1;
/// Survey answers kept per user.
const MAX_SURVEYS: usize = 50;

/// A small ordered map over a sorted vector: deterministic JSON and cheap code.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Map<T>(pub Vec<(String, T)>);

impl<T> Map<T> {
    pub fn get(&self, k: &str) -> Option<&T> {
        self.0.binary_search_by(|(x, _)| x.as_str().cmp(k)).ok().and_then(|i| self.0.get(i)).map(|(_, v)| v)
    }
    pub fn get_mut(&mut self, k: &str) -> Option<&mut T> {
        match self.0.binary_search_by(|(x, _)| x.as_str().cmp(k)) {
            Ok(i) => self.0.get_mut(i).map(|(_, v)| v),
            Err(_) => None,
        }
    }
    pub fn entry(&mut self, k: &str, make: impl FnOnce() -> T) -> &mut T {
        let i = match self.0.binary_search_by(|(x, _)| x.as_str().cmp(k)) {
            Ok(i) => i,
            Err(i) => {
                self.0.insert(i, (k.to_string(), make()));
                i
            }
        };
        // `i` is in bounds: found or just inserted.
        &mut self.0[i].1
    }
    pub fn contains(&self, k: &str) -> bool {
        self.get(k).is_some()
    }
}

/// Where a tour (or any flow) in progress stands, for resuming after a reload. The latest
/// record by `at` wins when copies merge; `active: false` records that the run ended.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct RunRecord {
    pub step: u32,
    pub at: f64,
    pub active: bool,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct FlowProgress {
    /// Times the flow started.
    pub shown: u32,
    /// When it last started (ms), 0 if never.
    pub last_shown: f64,
    /// When it was first completed, 0 if never.
    pub completed_at: f64,
    /// When it was last dismissed, 0 if never.
    pub dismissed_at: f64,
    /// Not before this time (ms) after a dismissal with `snooze`.
    pub snoozed_until: f64,
    pub run: Option<RunRecord>,
    /// Checklist items ticked (reported once each), sorted.
    pub items: Vec<String>,
    /// A hint whose tooltip was opened.
    pub opened: bool,
}

impl FlowProgress {
    fn merge(&mut self, o: &FlowProgress) {
        self.shown = self.shown.max(o.shown);
        self.last_shown = self.last_shown.max(o.last_shown);
        self.completed_at = min_nonzero(self.completed_at, o.completed_at);
        self.dismissed_at = self.dismissed_at.max(o.dismissed_at);
        self.snoozed_until = self.snoozed_until.max(o.snoozed_until);
        self.run = match (self.run, o.run) {
            (Some(a), Some(b)) => Some(if (b.at, b.step, b.active) > (a.at, a.step, a.active) { b } else { a }),
            (a, b) => a.or(b),
        };
        for i in &o.items {
            if let Err(pos) = self.items.binary_search(i) {
                self.items.insert(pos, i.clone());
            }
        }
        self.opened |= o.opened;
    }
}

fn min_nonzero(a: f64, b: f64) -> f64 {
    if a == 0.0 {
        b
    } else if b == 0.0 {
        a
    } else {
        a.min(b)
    }
}

/// One survey answer, kept for re-ask intervals and `state()`.
#[derive(Clone, Debug, PartialEq)]
pub struct SurveyRecord {
    pub flow: String,
    pub score: u32,
    pub at: f64,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Progress {
    /// Milestone id → when first reached.
    pub milestones: Map<f64>,
    /// Event name → device id → count on that device.
    pub counters: Map<Map<u32>>,
    pub flows: Map<FlowProgress>,
    /// Sorted by time, at most 50.
    pub surveys: Vec<SurveyRecord>,
    /// UTC day number and how many automatic blocking flows started that day (the daily cap).
    pub day: i64,
    pub shown_today: u32,
    /// The last stage reported with `stage_changed`, and when (the latest wins on merge).
    pub stage: Option<String>,
    pub stage_at: f64,
    /// Last local change (ms), for telling which copy is newer in logs; not used to merge.
    pub updated_at: f64,
}

impl Progress {
    /// The total count of an event across devices.
    pub fn count(&self, event: &str) -> u32 {
        self.counters.get(event).map(|d| d.0.iter().map(|(_, c)| *c).fold(0u32, u32::saturating_add)).unwrap_or(0)
    }

    /// Adds one to this device's counter of `event`; returns the new total.
    pub fn increment(&mut self, event: &str, device: &str) -> u32 {
        let c = self.counters.entry(event, Map::default).entry(device, || 0);
        *c = c.saturating_add(1);
        self.count(event)
    }

    pub fn flow(&self, id: &str) -> Option<&FlowProgress> {
        self.flows.get(id)
    }

    pub fn flow_mut(&mut self, id: &str) -> &mut FlowProgress {
        self.flows.entry(id, FlowProgress::default)
    }

    /// The number of automatic blocking flows started on `day`.
    pub fn shown_on(&self, day: i64) -> u32 {
        if self.day == day {
            self.shown_today
        } else {
            0
        }
    }

    pub fn count_shown(&mut self, day: i64) {
        if self.day != day {
            self.day = day;
            self.shown_today = 0;
        }
        self.shown_today += 1;
    }

    /// Combines another copy into this one (a join: the result does not depend on order).
    pub fn merge(&mut self, o: &Progress) {
        for (k, t) in &o.milestones.0 {
            let cur = self.milestones.entry(k, || *t);
            *cur = cur.min(*t);
        }
        for (ev, devices) in &o.counters.0 {
            let mine = self.counters.entry(ev, Map::default);
            for (d, c) in &devices.0 {
                let v = mine.entry(d, || *c);
                *v = (*v).max(*c);
            }
        }
        for (k, f) in &o.flows.0 {
            self.flows.entry(k, FlowProgress::default).merge(f);
        }
        for s in &o.surveys {
            if !self.surveys.iter().any(|x| x.flow == s.flow && x.at == s.at) {
                self.surveys.push(s.clone());
            }
        }
        crate::core::sort::sort_by(&mut self.surveys, |a, b| a.at.total_cmp(&b.at).then_with(|| a.flow.cmp(&b.flow)));
        let extra = self.surveys.len().saturating_sub(MAX_SURVEYS);
        self.surveys.drain(..extra);
        if o.day > self.day {
            self.day = o.day;
            self.shown_today = o.shown_today;
        } else if o.day == self.day {
            self.shown_today = self.shown_today.max(o.shown_today);
        }
        if (o.stage_at, &o.stage) > (self.stage_at, &self.stage) {
            self.stage = o.stage.clone();
            self.stage_at = o.stage_at;
        }
        self.updated_at = self.updated_at.max(o.updated_at);
    }

    pub fn add_survey(&mut self, flow: &str, score: u32, at: f64) {
        self.surveys.push(SurveyRecord { flow: flow.to_string(), score, at });
        let extra = self.surveys.len().saturating_sub(MAX_SURVEYS);
        self.surveys.drain(..extra);
    }

    pub fn to_json(&self) -> Json {
        let num = Json::Num;
        let obj = |pairs: Vec<(String, Json)>| Json::Obj(pairs.into_iter().map(|(k, v)| (Key { s: k, at: 0 }, Node { v, at: 0 })).collect());
        let flows = self
            .flows
            .0
            .iter()
            .map(|(k, f)| {
                let mut p: Vec<(String, Json)> = Vec::new();
                let mut put = |k: &str, v: f64| {
                    if v != 0.0 {
                        p.push((k.to_string(), num(v)));
                    }
                };
                put("shown", f.shown as f64);
                put("last", f.last_shown);
                put("done", f.completed_at);
                put("dismissed", f.dismissed_at);
                put("snooze", f.snoozed_until);
                if let Some(r) = f.run {
                    p.push(("run".into(), obj(vec![("step".into(), num(r.step as f64)), ("at".into(), num(r.at)), ("active".into(), Json::Bool(r.active))])));
                }
                if !f.items.is_empty() {
                    p.push(("items".into(), Json::arr(f.items.iter().map(|i| Json::str(i)).collect())));
                }
                if f.opened {
                    p.push(("opened".into(), Json::Bool(true)));
                }
                (k.clone(), obj(p))
            })
            .collect();
        obj(vec![
            ("v".into(), num(FORMAT as f64)),
            ("updated_at".into(), num(self.updated_at)),
            ("milestones".into(), obj(self.milestones.0.iter().map(|(k, t)| (k.clone(), num(*t))).collect())),
            ("counters".into(), obj(self.counters.0.iter().map(|(k, d)| (k.clone(), obj(d.0.iter().map(|(dv, c)| (dv.clone(), num(*c as f64))).collect()))).collect())),
            ("flows".into(), obj(flows)),
            (
                "surveys".into(),
                Json::arr(self.surveys.iter().map(|s| obj(vec![("flow".into(), Json::str(&s.flow)), ("score".into(), num(s.score as f64)), ("at".into(), num(s.at))])).collect()),
            ),
            ("day".into(), num(self.day as f64)),
            ("today".into(), num(self.shown_today as f64)),
            ("stage".into(), self.stage.as_ref().map(|s| Json::str(s)).unwrap_or(Json::Null)),
            ("stage_at".into(), num(self.stage_at)),
        ])
    }

    pub fn to_text(&self) -> String {
        self.to_json().write(false)
    }

    /// Reads a stored copy. Unknown keys are ignored and malformed parts skipped, so a partly
    /// damaged copy loses only what is damaged; `Err` means nothing usable was there.
    pub fn from_json(v: &Json) -> Result<Progress, String> {
        let fmt = v.get("v").and_then(|x| x.as_f64()).ok_or("no format version")?;
        if fmt as u32 != FORMAT {
            let mut msg = String::from("unknown format version ");
            crate::core::json::write_num(&mut msg, fmt);
            return Err(msg);
        }
        let mut p = Progress {
            updated_at: num_at(v, "updated_at"),
            day: num_at(v, "day") as i64,
            shown_today: num_at(v, "today") as u32,
            stage: v.get("stage").and_then(|s| s.as_str()).map(String::from),
            stage_at: num_at(v, "stage_at"),
            ..Default::default()
        };
        for (k, n) in v.get("milestones").and_then(|m| m.as_obj()).unwrap_or(&[]) {
            if let Some(t) = n.v.as_f64() {
                *p.milestones.entry(&k.s, || t) = t;
            }
        }
        for (ev, devs) in v.get("counters").and_then(|m| m.as_obj()).unwrap_or(&[]) {
            for (d, c) in devs.v.as_obj().unwrap_or(&[]) {
                if let Some(c) = c.v.as_f64().filter(|c| *c >= 0.0) {
                    *p.counters.entry(&ev.s, Map::default).entry(&d.s, || 0) = c as u32;
                }
            }
        }
        for (k, f) in v.get("flows").and_then(|m| m.as_obj()).unwrap_or(&[]) {
            let f = &f.v;
            let run = f.get("run").map(|r| RunRecord { step: num_at(r, "step") as u32, at: num_at(r, "at"), active: r.get("active").and_then(|a| a.as_bool()).unwrap_or(false) });
            let mut items: Vec<String> = f.get("items").and_then(|i| i.as_arr()).unwrap_or(&[]).iter().filter_map(|i| i.v.as_str().map(String::from)).collect();
            crate::core::sort::sort(&mut items);
            items.dedup();
            *p.flows.entry(&k.s, FlowProgress::default) = FlowProgress {
                shown: num_at(f, "shown") as u32,
                last_shown: num_at(f, "last"),
                completed_at: num_at(f, "done"),
                dismissed_at: num_at(f, "dismissed"),
                snoozed_until: num_at(f, "snooze"),
                run,
                items,
                opened: f.get("opened").and_then(|o| o.as_bool()).unwrap_or(false),
            };
        }
        for s in v.get("surveys").and_then(|s| s.as_arr()).unwrap_or(&[]) {
            if let Some(flow) = s.v.get("flow").and_then(|f| f.as_str()) {
                p.surveys.push(SurveyRecord { flow: flow.to_string(), score: num_at(&s.v, "score") as u32, at: num_at(&s.v, "at") });
            }
        }
        crate::core::sort::sort_by(&mut p.surveys, |a, b| a.at.total_cmp(&b.at));
        Ok(p)
    }

    pub fn from_text(text: &str) -> Result<Progress, String> {
        let (n, _) = json::parse(text).map_err(|e| e.last().map(|i| i.message.clone()).unwrap_or_default())?;
        Progress::from_json(&n.v)
    }
}

fn num_at(v: &Json, k: &str) -> f64 {
    v.get(k).and_then(|x| x.as_f64()).filter(|x| x.is_finite()).unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(device: &str, t: f64) -> Progress {
        let mut p = Progress::default();
        *p.milestones.entry("first_project", || t) = t;
        p.increment("member_invited", device);
        let f = p.flow_mut("welcome");
        f.shown = 1;
        f.last_shown = t;
        f.run = Some(RunRecord { step: 2, at: t, active: true });
        f.items = vec!["a".into()];
        p.add_survey("nps", 9, t);
        p.count_shown(20_000);
        p.stage = Some("onboarding".into());
        p.stage_at = t;
        p.updated_at = t;
        p
    }

    #[test]
    fn round_trips_through_json() {
        let p = sample("d1", 1000.0);
        let back = Progress::from_text(&p.to_text());
        assert_eq!(back, Ok(p));
    }

    #[test]
    fn merge_is_a_join() {
        let mut a = sample("laptop", 1000.0);
        a.increment("member_invited", "laptop");
        a.flow_mut("welcome").completed_at = 1500.0;
        let mut b = sample("phone", 2000.0);
        b.flow_mut("welcome").run = Some(RunRecord { step: 3, at: 2500.0, active: false });
        b.flow_mut("welcome").items.push("b".into());
        *b.milestones.entry("team_invited", || 2100.0) = 2100.0;
        b.count_shown(20_001);
        let c = sample("tablet", 500.0);

        let mut ab = a.clone();
        ab.merge(&b);
        let mut ba = b.clone();
        ba.merge(&a);
        assert_eq!(ab, ba, "commutative");
        let mut ab_c = ab.clone();
        ab_c.merge(&c);
        let mut bc = b.clone();
        bc.merge(&c);
        let mut a_bc = a.clone();
        a_bc.merge(&bc);
        assert_eq!(ab_c, a_bc, "associative");
        let mut aa = ab.clone();
        aa.merge(&ab);
        assert_eq!(aa, ab, "idempotent");

        // Counters add up across devices; milestones keep the first time; the latest run wins.
        assert_eq!(ab.count("member_invited"), 3);
        assert_eq!(ab.milestones.get("first_project"), Some(&1000.0));
        assert!(ab.milestones.contains("team_invited"));
        let w = ab.flow("welcome").cloned().unwrap_or_default();
        assert_eq!(w.run, Some(RunRecord { step: 3, at: 2500.0, active: false }));
        assert_eq!(w.completed_at, 1500.0);
        assert_eq!(w.items, vec!["a".to_string(), "b".to_string()]);
        assert_eq!((ab.day, ab.shown_today), (20_001, 1));
        assert_eq!(ab.surveys.len(), 2);
    }

    #[test]
    fn damaged_copies_are_read_as_far_as_possible() {
        assert!(Progress::from_text("not json").is_err());
        assert!(Progress::from_text("{\"v\": 99}").is_err());
        let p = Progress::from_text(r#"{"v":1,"milestones":{"a":5,"b":"x"},"flows":{"f":{"shown":"lots","done":7}},"counters":{"e":{"d":-3,"d2":2}}}"#).unwrap_or_default();
        assert_eq!(p.milestones.0, vec![("a".to_string(), 5.0)]);
        assert_eq!(p.flow("f").map(|f| (f.shown, f.completed_at)), Some((0, 7.0)));
        assert_eq!(p.count("e"), 2);
    }

    #[test]
    fn daily_count_resets_on_a_new_day() {
        let mut p = Progress::default();
        p.count_shown(10);
        p.count_shown(10);
        assert_eq!(p.shown_on(10), 2);
        assert_eq!(p.shown_on(11), 0);
        p.count_shown(11);
        assert_eq!((p.day, p.shown_today), (11, 1));
    }
}
