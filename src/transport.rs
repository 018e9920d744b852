//! Event delivery to the collector (the I/O; decisions are `core::delivery`'s): a queue per tab
//! written through to localStorage at enqueue, batches sent with the `fetch` captured at init
//! (`text/plain`, no custom headers, no credentials, 10 s timeout, `keepalive` within the
//! in-flight budget), `sendBeacon` in chunks when the page is hidden, retries with backoff,
//! pauses on `Retry-After`, nothing while offline, consent modes, and a heartbeat so a tab that
//! loads can reclaim, exactly once, the queue of a tab that died.
//!
//! Events leave the queue only on a 2xx (or a counted drop); beaconed events stay until a real
//! 2xx or the next load resends them. Nothing here throws into the page.

use crate::core::delivery::{self as d, Outcome, Queue, Queued, RateLimit};
use crate::dom::listener::Listener;
use crate::dom::timer::{Interval, Timeout};
use crate::runtime::{Job, Shell};
use crate::store::{Store, PREFIX};
use std::rc::Weak;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{AbortController, RequestInit, Response, Window};

/// A tab whose heartbeat is older than this is gone.
const DEAD_AFTER_MS: f64 = 15_000.0;
const HEARTBEAT_MS: u32 = 5_000;
/// Browsers cap keepalive requests and beacons in flight at 64 KiB in all. Regular sends use at
/// most half, so beacons at page hide still have room.
const KEEPALIVE_BUDGET: usize = 32 * 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Consent {
    /// Keep events in memory only; send nothing until granted.
    Pending,
    Granted,
    /// Keep and send nothing.
    Denied,
}

impl Consent {
    pub fn parse(s: &str) -> Consent {
        match s {
            "pending" => Consent::Pending,
            "denied" => Consent::Denied,
            _ => Consent::Granted,
        }
    }
}

struct Req {
    id: u32,
    ids: Vec<String>,
    bytes: usize,
    keepalive: bool,
    _ok: Closure<dyn FnMut(JsValue)>,
    _err: Closure<dyn FnMut(JsValue)>,
    _timeout: Option<Timeout>,
}

pub struct Transport {
    url: String,
    key: String,
    tab: String,
    win: Window,
    pub queue: Queue,
    consent: Consent,
    inflight: Vec<Req>,
    next_req: u32,
    timer: Option<Timeout>,
    /// No sending before this time (backoff or Retry-After).
    hold_until: f64,
    attempts: u32,
    /// 401/403: the collector refuses this key or origin for this page.
    stopped: bool,
    gave_up: bool,
    /// Events per request: halved after a 413, doubled back after each success.
    batch_max: usize,
    limiter: RateLimit,
    fetch: Option<js_sys::Function>,
    beacon: Option<js_sys::Function>,
    listeners: Vec<Listener>,
    heartbeat: Option<Interval>,
    claims: Vec<Timeout>,
    /// Events already beaconed since the page was last visible (visibilitychange and pagehide
    /// both fire on close; each event is beaconed once).
    beaconed: Vec<String>,
    waiters: Vec<js_sys::Function>,
    version: String,
    /// A handler that swallows the rejection of fire-and-forget requests.
    ignore: Closure<dyn FnMut(JsValue)>,
}

fn qkey(wk: &str, tab: &str) -> String {
    format!("{}q:{}:{}", PREFIX, wk, tab)
}
fn hbkey(wk: &str, tab: &str) -> String {
    format!("{}hb:{}:{}", PREFIX, wk, tab)
}
fn claimkey(wk: &str, tab: &str) -> String {
    format!("{}claim:{}:{}", PREFIX, wk, tab)
}

fn online(win: &Window) -> bool {
    win.navigator().on_line()
}

impl Transport {
    pub fn new(win: &Window, url: &str, key: &str, consent: Consent, tab: String, now: f64, version: String) -> Transport {
        // Captured now, so a host that later patches fetch or sendBeacon cannot break delivery.
        let fetch = js_sys::Reflect::get(win, &"fetch".into()).ok().and_then(|f| f.dyn_into::<js_sys::Function>().ok());
        let beacon = js_sys::Reflect::get(&win.navigator(), &"sendBeacon".into()).ok().and_then(|f| f.dyn_into::<js_sys::Function>().ok());
        Transport {
            url: url.trim_end_matches('/').to_string(),
            key: key.to_string(),
            tab,
            win: win.clone(),
            queue: Queue::default(),
            consent,
            inflight: Vec::new(),
            next_req: 1,
            timer: None,
            hold_until: 0.0,
            attempts: 0,
            stopped: false,
            gave_up: false,
            batch_max: d::BATCH_EVENTS,
            limiter: RateLimit::new(now),
            fetch,
            beacon,
            listeners: Vec::new(),
            heartbeat: None,
            claims: Vec::new(),
            beaconed: Vec::new(),
            waiters: Vec::new(),
            version,
            ignore: Closure::wrap(Box::new(|_: JsValue| {}) as Box<dyn FnMut(JsValue)>),
        }
    }

    /// Listeners (online, page hide), the heartbeat, and reclaiming dead tabs' queues.
    pub fn install(&mut self, shell: Weak<Shell>, store: &mut Store, now: f64) {
        let job = |w: &Weak<Shell>, j: fn() -> Job| {
            let w = w.clone();
            move |_e: web_sys::Event| {
                if let Some(s) = w.upgrade() {
                    s.dispatch(j());
                }
            }
        };
        self.listeners.extend(Listener::new(&self.win, "online", false, true, job(&shell, || Job::Send)));
        self.listeners.extend(Listener::new(&self.win, "pagehide", false, true, job(&shell, || Job::Hide)));
        if let Some(doc) = self.win.document() {
            let w = shell.clone();
            let d2 = doc.clone();
            self.listeners.extend(Listener::new(&doc, "visibilitychange", false, true, move |_| {
                if let Some(s) = w.upgrade() {
                    s.dispatch(if d2.visibility_state() == web_sys::VisibilityState::Hidden { Job::Hide } else { Job::Send });
                }
            }));
        }
        let w = shell.clone();
        self.heartbeat = Interval::new(HEARTBEAT_MS, move || {
            if let Some(s) = w.upgrade() {
                s.dispatch(Job::Heartbeat);
            }
        });
        if self.consent == Consent::Granted {
            self.beat(store, now);
            self.find_dead(shell, store, now);
        }
    }

    fn beat(&self, store: &mut Store, now: f64) {
        store.set(&hbkey(&self.key, &self.tab), &(now as u64).to_string());
    }

    /// Every few seconds: say this tab is alive, and look for tabs that died since.
    pub fn heartbeat(&mut self, shell: Weak<Shell>, store: &mut Store, now: f64) {
        if self.consent == Consent::Granted {
            self.beat(store, now);
            if self.claims.len() > 32 {
                self.claims.clear();
            }
            self.find_dead(shell, store, now);
        }
    }

    /// Queues of other tabs whose heartbeat stopped: claim each, and take it over if the
    /// claim still stands a moment later (so two tabs loading together take it once).
    fn find_dead(&mut self, shell: Weak<Shell>, store: &mut Store, now: f64) {
        let prefix = format!("{}q:{}:", PREFIX, self.key);
        for k in store.keys(&prefix) {
            let Some(tab) = k.strip_prefix(&prefix).map(String::from) else { continue };
            if tab == self.tab {
                continue;
            }
            let hb = store.get(&hbkey(&self.key, &tab)).and_then(|v| crate::core::float::parse(&v)).unwrap_or(0.0);
            if now - hb < DEAD_AFTER_MS {
                continue;
            }
            store.set(&claimkey(&self.key, &tab), &self.tab);
            let w = shell.clone();
            let t = tab.clone();
            if let Some(timer) = Timeout::new(120, move || {
                if let Some(s) = w.upgrade() {
                    s.dispatch(Job::Reclaim(t.clone()));
                }
            }) {
                self.claims.push(timer);
            }
        }
    }

    /// Takes over a dead tab's queue if our claim on it stood.
    pub fn reclaim(&mut self, tab: &str, store: &mut Store, now: f64) -> bool {
        if store.get(&claimkey(&self.key, tab)).as_deref() != Some(self.tab.as_str()) {
            return false;
        }
        let theirs = store.get(&qkey(&self.key, tab)).and_then(|t| Queue::from_text(&t).ok());
        store.remove(&qkey(&self.key, tab));
        store.remove(&hbkey(&self.key, tab));
        store.remove(&claimkey(&self.key, tab));
        let Some(q) = theirs else { return false };
        self.queue.stats.merge(&q.stats);
        for e in q.events {
            self.queue.push(e);
        }
        self.queue.expire(now);
        self.persist(store);
        true
    }

    fn persist(&self, store: &mut Store) {
        match self.consent {
            Consent::Granted => store.set(&qkey(&self.key, &self.tab), &self.queue.to_text()),
            Consent::Pending => {}
            Consent::Denied => store.remove(&qkey(&self.key, &self.tab)),
        }
    }

    /// Adds an event (its wire JSON). Priority events skip the rate limit and go at once.
    pub fn enqueue(&mut self, shell: &Shell, store: &mut Store, name: &str, text: String, now: f64) {
        if self.consent == Consent::Denied {
            return;
        }
        let priority = crate::core::event::is_priority(name);
        if !priority && !self.limiter.take(now) {
            self.queue.stats.rate_limited += 1;
            return;
        }
        let id = crate::core::json::parse(&text).ok().and_then(|(n, _)| n.v.get("event_id").and_then(|i| i.as_str()).map(String::from)).unwrap_or_default();
        self.queue.push(Queued { id, created: now, priority, text });
        self.persist(store);
        self.schedule(shell, now);
    }

    /// Sends now if something is urgent, else after the batch delay.
    fn schedule(&mut self, shell: &Shell, now: f64) {
        let busy = self.busy();
        if self.queue.urgent(&busy) {
            self.send(shell, now, false);
        } else if self.timer.is_none() && !self.queue.events.is_empty() {
            self.arm(shell, d::BATCH_DELAY_MS as f64);
        }
    }

    fn arm(&mut self, shell: &Shell, ms: f64) {
        let w = shell_weak(shell);
        self.timer = Timeout::new(ms.max(0.0) as u32, move || {
            if let Some(s) = w.upgrade() {
                s.dispatch(Job::Send);
            }
        });
    }

    fn busy(&self) -> Vec<String> {
        self.inflight.iter().flat_map(|r| r.ids.iter().cloned()).collect()
    }

    fn blocked(&self, now: f64) -> bool {
        self.stopped || self.gave_up || self.consent != Consent::Granted || !online(&self.win) || now < self.hold_until || self.fetch.is_none()
    }

    /// Sends what can go now. `all` sends every waiting event (flush); otherwise one batch of
    /// up to 10 at a time.
    pub fn send(&mut self, shell: &Shell, now: f64, all: bool) {
        self.timer = None;
        self.beaconed.clear();
        if self.blocked(now) {
            if now < self.hold_until && !self.stopped && !self.gave_up {
                self.arm(shell, self.hold_until - now);
            }
            self.resolve_if_idle(shell, now);
            return;
        }
        self.queue.expire(now);
        loop {
            let busy = self.busy();
            let batch = self.queue.next_batch(&busy, self.batch_max, d::MAX_REQUEST_BYTES);
            if batch.is_empty() {
                break;
            }
            self.request(shell, batch, now);
            if !all && !self.queue.urgent(&self.busy()) {
                break;
            }
        }
        if self.timer.is_none() && self.queue.events.len() > self.busy().len() {
            self.arm(shell, d::BATCH_DELAY_MS as f64);
        }
        self.resolve_if_idle(shell, now);
    }

    fn request(&mut self, shell: &Shell, batch: Vec<usize>, now: f64) {
        let Some(fetch) = self.fetch.clone() else { return };
        let events: Vec<&Queued> = batch.iter().filter_map(|i| self.queue.events.get(*i)).collect();
        let ids: Vec<String> = events.iter().map(|e| e.id.clone()).collect();
        let body = d::body(&self.key, now, self.attempts, &self.version, &events, &self.queue.stats);
        let bytes = body.len();
        let inflight_keepalive: usize = self.inflight.iter().filter(|r| r.keepalive).map(|r| r.bytes).sum();
        let keepalive = inflight_keepalive + bytes <= KEEPALIVE_BUDGET;
        let id = self.next_req;
        self.next_req = self.next_req.wrapping_add(1);
        let init = RequestInit::new();
        init.set_method("POST");
        init.set_body(&JsValue::from_str(&body));
        init.set_credentials(web_sys::RequestCredentials::Omit);
        init.set_mode(web_sys::RequestMode::Cors);
        let _ = js_sys::Reflect::set(&init, &"keepalive".into(), &JsValue::from_bool(keepalive));
        let controller = AbortController::new().ok();
        if let Some(c) = &controller {
            init.set_signal(Some(&c.signal()));
        }
        let w = shell_weak(shell);
        let ignore: JsValue = self.ignore.as_ref().clone();
        let ok = Closure::wrap(Box::new(move |resp: JsValue| {
            let (status, ra) = match resp.dyn_into::<Response>() {
                Ok(r) => {
                    // Reading the body ends the request, which releases the browser's keepalive
                    // quota for beacons.
                    if let Ok(p) = r.array_buffer() {
                        swallow(&p, &ignore);
                    }
                    (Some(r.status()), r.headers().get("Retry-After").ok().flatten())
                }
                Err(_) => (None, None),
            };
            if let Some(s) = w.upgrade() {
                s.dispatch(Job::Net { req: id, status, retry_after: ra });
            }
        }) as Box<dyn FnMut(JsValue)>);
        let w = shell_weak(shell);
        let err = Closure::wrap(Box::new(move |_e: JsValue| {
            if let Some(s) = w.upgrade() {
                s.dispatch(Job::Net { req: id, status: None, retry_after: None });
            }
        }) as Box<dyn FnMut(JsValue)>);
        let url = format!("{}/v1/batch", self.url);
        let promise = fetch.call2(&self.win, &JsValue::from_str(&url), &init).ok().and_then(|p| p.dyn_into::<js_sys::Promise>().ok());
        let Some(promise) = promise else { return };
        let _ = promise.then2(&ok, &err);
        let timeout = controller.map(|c| Timeout::new(d::TIMEOUT_MS, move || c.abort())).flatten();
        self.inflight.push(Req { id, ids, bytes, keepalive, _ok: ok, _err: err, _timeout: timeout });
    }

    /// A response (or a network error, `status` None) for request `req`.
    pub fn result(&mut self, shell: &Shell, store: &mut Store, req: u32, status: Option<u16>, retry_after: Option<String>, now: f64) {
        let Some(pos) = self.inflight.iter().position(|r| r.id == req) else { return };
        let r = self.inflight.remove(pos);
        self.attempts += u32::from(!matches!(status, Some(200..=299)));
        let ra = retry_after.and_then(|v| d::retry_after(&v, now));
        let jitter = js_sys::Math::random();
        match d::classify(status, ra, self.attempts.max(1), jitter) {
            Outcome::Delivered => {
                self.queue.remove(&r.ids);
                self.attempts = 0;
                self.batch_max = (self.batch_max * 2).min(d::BATCH_EVENTS);
            }
            Outcome::Retry(ms) => self.hold_until = self.hold_until.max(now + ms),
            Outcome::Pause(ms) => self.hold_until = now + ms,
            Outcome::Split => {
                if r.ids.len() > 1 {
                    // Too large for the collector: send half as many events per request.
                    self.batch_max = (r.ids.len() / 2).max(1);
                } else {
                    // A single event the collector finds too large: it will never fit.
                    self.queue.remove(&r.ids);
                    self.queue.stats.too_large += 1;
                }
            }
            Outcome::Drop => {
                self.queue.remove(&r.ids);
                self.queue.stats.rejected += r.ids.len() as u32;
            }
            Outcome::Stop => self.stopped = true,
            Outcome::GiveUp => self.gave_up = true,
        }
        self.persist(store);
        self.send(shell, now, !self.waiters.is_empty());
    }

    /// The page is being hidden or unloaded: persist, then beacon everything in chunks, halving
    /// a refused chunk down to 16 KiB, then plain `fetch` with keepalive. Events stay queued.
    pub fn hide(&mut self, shell: &Shell, store: &mut Store, now: f64) {
        self.persist(store);
        if self.consent != Consent::Granted {
            return;
        }
        // Let the next page reclaim this queue at once if this one does not come back.
        store.set(&hbkey(&self.key, &self.tab), "0");
        if self.stopped || !online(&self.win) {
            return;
        }
        let url = format!("{}/v1/batch?wk={}", self.url, encode(&self.key));
        let mut limit = d::BEACON_MAX;
        let mut start = 0;
        let all: Vec<Queued> = self.queue.events.iter().filter(|e| !self.beaconed.contains(&e.id)).cloned().collect();
        self.beaconed.extend(all.iter().map(|e| e.id.clone()));
        while start < all.len() {
            let rest = Queue { events: all.get(start..).map(|s| s.to_vec()).unwrap_or_default(), stats: self.queue.stats.clone() };
            let chunk = rest.chunks(limit).into_iter().next().unwrap_or_default();
            let events: Vec<&Queued> = chunk.iter().filter_map(|i| rest.events.get(*i)).collect();
            if events.is_empty() {
                break;
            }
            let body = d::body(&self.key, now, self.attempts, &self.version, &events, &self.queue.stats);
            let sent = self.beacon.as_ref().and_then(|b| b.call2(&self.win.navigator(), &JsValue::from_str(&url), &JsValue::from_str(&body)).ok()).and_then(|v| v.as_bool()).unwrap_or(false);
            if sent {
                start += events.len();
                limit = d::BEACON_MAX;
            } else if limit > d::BEACON_MIN {
                limit /= 2;
            } else {
                // The beacon quota is used up: a plain fetch. On a hidden tab it completes; on
                // a closing page the browser may cancel it, and the events stay queued for the
                // next load. Its outcome is ignored, but a failure must not reach the page as
                // an unhandled rejection.
                if let Some(f) = &self.fetch {
                    let init = RequestInit::new();
                    init.set_method("POST");
                    init.set_body(&JsValue::from_str(&body));
                    init.set_credentials(web_sys::RequestCredentials::Omit);
                    if let Ok(p) = f.call2(&self.win, &JsValue::from_str(&url), &init) {
                        swallow(&p, self.ignore.as_ref());
                    }
                }
                start += events.len();
                limit = d::BEACON_MAX;
            }
        }
        let _ = shell;
    }

    pub fn set_consent(&mut self, shell: &Shell, store: &mut Store, c: Consent, now: f64) {
        self.consent = c;
        match c {
            Consent::Denied => {
                self.queue.events.clear();
                store.remove(&qkey(&self.key, &self.tab));
                store.remove(&hbkey(&self.key, &self.tab));
            }
            Consent::Granted => {
                self.beat(store, now);
                self.persist(store);
                self.send(shell, now, true);
            }
            Consent::Pending => store.remove(&qkey(&self.key, &self.tab)),
        }
    }

    /// `flush()`: send everything now; `resolve` is called when nothing more can be sent now.
    pub fn flush(&mut self, shell: &Shell, resolve: js_sys::Function, now: f64) {
        self.waiters.push(resolve);
        if now < self.hold_until && !self.stopped {
            // A flush asked by the host sends now: it ends a backoff wait and a Retry-After pause
            // alike (not a stop after 401/403).
            self.hold_until = 0.0;
        }
        self.send(shell, now, true);
    }

    fn resolve_if_idle(&mut self, shell: &Shell, now: f64) {
        if self.waiters.is_empty() || !self.inflight.is_empty() {
            return;
        }
        if self.queue.events.is_empty() || self.blocked(now) {
            for f in self.waiters.drain(..) {
                shell.later(f);
            }
        }
    }

    /// For `state()` and tests: waiting, in flight, and dropped counts.
    pub fn summary(&self) -> (usize, usize, &d::Stats, bool) {
        (self.queue.events.len(), self.inflight.len(), &self.queue.stats, self.stopped)
    }
}

/// `promise.catch(ignore)`: a fire-and-forget request's failure must not surface in the page as
/// an unhandled rejection.
fn swallow(promise: &JsValue, ignore: &JsValue) {
    if let Ok(catch) = js_sys::Reflect::get(promise, &"catch".into()).and_then(|c| c.dyn_into::<js_sys::Function>()) {
        let _ = catch.call1(promise, ignore);
    }
}

fn shell_weak(shell: &Shell) -> Weak<Shell> {
    shell.weak_ref()
}

/// Percent-encodes a path segment or query value (keys, product and user ids, hashes):
/// everything but unreserved characters.
pub fn encode(s: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 15)] as char);
        }
    }
    out
}
