//! Progress across devices: with a collector and a signed user id (`user.hash`, an HMAC of the
//! id that the host's backend computes with the project's identity secret), the user's progress
//! is loaded from the collector at start and saved there after changes, so a tour finished on a
//! laptop is not shown again on a phone. Saves use optimistic concurrency: on a conflict the
//! collector's copy is merged (progress merges are joins, see `core::progress`) and saved again.
//! Endpoints: docs/events.md ("Per-user state sync"). Anonymous users keep progress locally.

use crate::core::json::{self, Json};
use crate::core::progress::Progress;
use crate::dom::timer::Timeout;
use crate::runtime::{Job, Shell};
use crate::transport::encode;
use std::rc::Weak;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{RequestInit, Response, Window};

/// Wait this long after a change before saving (changes come in bursts).
const SAVE_DELAY_MS: u32 = 1500;
const RETRY_MS: u32 = 5000;
const MAX_FAILURES: u32 = 8;

pub struct Sync {
    url: String,
    win: Window,
    fetch: Option<js_sys::Function>,
    /// The collector's version of the state this copy is based on (0: none yet).
    version: u64,
    /// The first load has answered (saves wait for it, so a new device does not overwrite).
    loaded: bool,
    dirty: bool,
    busy: bool,
    failures: u32,
    timer: Option<Timeout>,
    pending: Vec<(Closure<dyn FnMut(JsValue)>, Closure<dyn FnMut(JsValue)>)>,
    /// Set when the collector refuses (401/403/404 project): sync stays off for this page.
    pub off: Option<String>,
}

/// What a sync request came back with.
pub enum Reply {
    Loaded { status: u16, body: String },
    Saved { status: u16, body: String },
    Failed,
}

impl Sync {
    pub fn new(win: &Window, collector: &str, write_key: &str, product: &str, user: &str, hash: &str) -> Sync {
        let fetch = js_sys::Reflect::get(win, &"fetch".into()).ok().and_then(|f| f.dyn_into::<js_sys::Function>().ok());
        let url = format!("{}/v1/state/{}/{}?wk={}&h={}", collector.trim_end_matches('/'), encode(product), encode(user), encode(write_key), encode(hash));
        Sync { url, win: win.clone(), fetch, version: 0, loaded: false, dirty: false, busy: false, failures: 0, timer: None, pending: Vec::new(), off: None }
    }

    fn request(&mut self, shell: Weak<Shell>, method: &str, body: Option<String>, load: bool) {
        let Some(fetch) = self.fetch.clone() else { return };
        let init = RequestInit::new();
        init.set_method(method);
        init.set_credentials(web_sys::RequestCredentials::Omit);
        init.set_cache(web_sys::RequestCache::NoStore);
        if let Some(b) = &body {
            init.set_body(&JsValue::from_str(b));
        }
        let w = shell.clone();
        let ok = Closure::wrap(Box::new(move |resp: JsValue| {
            if let Some(s) = w.upgrade() {
                s.dispatch(Job::SyncResponse(load, resp));
            }
        }) as Box<dyn FnMut(JsValue)>);
        let w = shell;
        let err = Closure::wrap(Box::new(move |_e: JsValue| {
            if let Some(s) = w.upgrade() {
                s.dispatch(Job::Sync(Reply::Failed));
            }
        }) as Box<dyn FnMut(JsValue)>);
        let promise = fetch.call2(&self.win, &JsValue::from_str(&self.url), &init).ok().and_then(|p| p.dyn_into::<js_sys::Promise>().ok());
        if let Some(p) = promise {
            let _ = p.then2(&ok, &err);
            self.busy = true;
            // Keep the callbacks alive until the reply; a handful at most.
            if self.pending.len() > 8 {
                self.pending.remove(0);
            }
            self.pending.push((ok, err));
        }
    }

    /// A response arrived: read its body (the callbacks are owned here until they run).
    pub fn response(&mut self, shell: Weak<Shell>, load: bool, resp: JsValue) {
        let Ok(r) = resp.dyn_into::<Response>() else {
            self.busy = false;
            return;
        };
        let status = r.status();
        let w = shell.clone();
        let ok = Closure::wrap(Box::new(move |text: JsValue| {
            let body = text.as_string().unwrap_or_default();
            if let Some(s) = w.upgrade() {
                s.dispatch(Job::Sync(if load { Reply::Loaded { status, body } } else { Reply::Saved { status, body } }));
            }
        }) as Box<dyn FnMut(JsValue)>);
        let w = shell;
        let err = Closure::wrap(Box::new(move |_e: JsValue| {
            if let Some(s) = w.upgrade() {
                s.dispatch(Job::Sync(Reply::Failed));
            }
        }) as Box<dyn FnMut(JsValue)>);
        if let Ok(p) = r.text() {
            let _ = p.then2(&ok, &err);
            if self.pending.len() > 8 {
                self.pending.remove(0);
            }
            self.pending.push((ok, err));
        }
    }

    /// Loads the collector's copy.
    pub fn load(&mut self, shell: Weak<Shell>) {
        self.request(shell, "GET", None, true);
    }

    /// Progress changed: save it after a short delay.
    pub fn changed(&mut self, shell: Weak<Shell>) {
        if self.off.is_some() {
            return;
        }
        self.dirty = true;
        if self.timer.is_none() && !self.busy && self.loaded {
            let w = shell.clone();
            self.timer = Timeout::new(SAVE_DELAY_MS, move || {
                if let Some(s) = w.upgrade() {
                    s.dispatch(Job::SyncSave);
                }
            });
        }
    }

    /// Saves `progress` now (the debounce fired).
    pub fn save(&mut self, shell: Weak<Shell>, progress: &Progress) {
        self.timer = None;
        if !self.dirty || self.busy || !self.loaded || self.off.is_some() {
            return;
        }
        self.dirty = false;
        let body = format!("{{\"state\":{},\"base_version\":{}}}", progress.to_text(), self.version);
        self.request(shell, "POST", Some(body), false);
    }

    /// Handles a reply; returns a copy of the collector's progress to merge, if it sent one.
    pub fn reply(&mut self, shell: Weak<Shell>, r: Reply) -> Option<Progress> {
        self.busy = false;
        let parse = |body: &str| json::parse(body).ok().map(|(n, _)| n.v).unwrap_or(Json::Null);
        let version_of = |v: &Json| v.get("version").and_then(|x| x.as_f64()).unwrap_or(0.0) as u64;
        let mut merge = None;
        match r {
            Reply::Loaded { status: 200, body } => {
                let v = parse(&body);
                self.version = version_of(&v);
                // `state` is null when nothing is stored yet.
                merge = v.get("state").filter(|s| !matches!(s, Json::Null)).and_then(|s| Progress::from_json(s).ok());
                self.loaded = true;
                self.failures = 0;
                // Local progress from before (this device) goes up too.
                self.dirty = true;
            }
            Reply::Loaded { status: 404, .. } => {
                self.loaded = true;
                self.dirty = true;
            }
            Reply::Saved { status: 200, body } => {
                self.version = version_of(&parse(&body));
                self.failures = 0;
            }
            Reply::Saved { status: 409, body } => {
                // Someone else saved first: merge theirs and save again on top of it.
                let v = parse(&body);
                self.version = version_of(&v);
                merge = v.get("state").and_then(|s| Progress::from_json(s).ok());
                self.dirty = true;
            }
            Reply::Loaded { status, .. } | Reply::Saved { status, .. } if matches!(status, 401 | 403) => {
                self.off = Some(if status == 401 {
                    "the collector refused the signed user id (user.hash): progress is kept on this device only".to_string()
                } else {
                    "the collector refused state sync (403: the project has no identity secret, or this page's origin is not in its allow-list): progress is kept on this device only".to_string()
                });
            }
            Reply::Loaded { status: 413, .. } | Reply::Saved { status: 413, .. } => {
                self.off = Some("this user's progress is larger than the collector accepts (64 KiB): it is kept on this device only".to_string());
            }
            _ => {
                self.failures += 1;
                if self.failures >= MAX_FAILURES {
                    self.off = Some("the collector's state endpoint keeps failing: progress is kept on this device for now".to_string());
                    return None;
                }
                if !self.loaded {
                    // Retry the first load later; meanwhile local progress is used.
                    let w = shell.clone();
                    self.timer = Timeout::new(RETRY_MS, move || {
                        if let Some(s) = w.upgrade() {
                            s.dispatch(Job::SyncLoad);
                        }
                    });
                    return None;
                }
                self.dirty = true;
            }
        }
        if self.dirty && self.off.is_none() && self.loaded {
            let w = shell.clone();
            let delay = if self.failures > 0 { RETRY_MS } else { 10 };
            self.timer = Timeout::new(delay, move || {
                if let Some(s) = w.upgrade() {
                    s.dispatch(Job::SyncSave);
                }
            });
        }
        merge
    }
}
