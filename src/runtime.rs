//! The runtime: feeds the engine (`core::engine`) with what happens in the browser and carries
//! out its effects. It owns every browser resource of one SDK instance (the mount point,
//! widgets, listeners, observers, timers, the animation frame) inside [`Inner`]; destroying the
//! instance drops `Inner`, which removes every node, listener, observer and timer.
//!
//! Re-entrancy: browser callbacks and API calls go through [`Shell::dispatch`], which queues the
//! job and, unless a job is already running, runs the queue. Calls into the host's JavaScript
//! (event listeners, registered actions) happen after the state is released, so a host handler
//! may call the SDK again safely. Nothing here throws into the page.
//!
//! Layout runs once per animation frame when something moved (scroll of any element, resize,
//! DOM mutations, a flow shown), in every frame while the page's CSS transitions and animations
//! run, and when a light check every `WATCH_MS` finds a target moved with nothing to report it:
//! it measures everything first, then writes positions.

use crate::core::engine::{Effect, Engine, Input, Target, Ui, Via};
use crate::core::event::{self, Stamp};
use crate::core::json::{self, Json};
use crate::core::position::{self, Request};
use crate::core::progress::Progress;
use crate::core::view::{self, Kind};
use crate::dom::anchor::Anchors;
use crate::dom::focus::Focus;
use crate::dom::layout;
use crate::dom::listener::Listener;
use crate::dom::mount::Mount;
use crate::dom::nav::{self, NavWatch};
use crate::dom::observer::{Batch, Mutations, Resizes};
use crate::dom::render::{self, At, Widget};
use crate::dom::timer::{Frame, Idle, Timeout};
use crate::store::{self, Store, PREFIX};
use crate::transport::{Consent, Transport};
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::{Rc, Weak};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Document, Element, Event, HtmlElement, KeyboardEvent, Window};

/// Session length without activity.
const SESSION_IDLE_MS: f64 = 30.0 * 60.0 * 1000.0;

/// The host's callbacks, given by the JS wrapper.
pub struct Hooks {
    /// `emit(name, jsonText)`: every event, and `error` events.
    pub emit: js_sys::Function,
    /// `call(actionName)` → true when a handler was registered.
    pub call: js_sys::Function,
    /// `navigate(url)` → true when the host's router handled it.
    pub navigate: js_sys::Function,
}

/// What runs on the queue.
pub enum Job {
    Engine(Input),
    /// Something moved (the window or an observed element resized): lay out in the next
    /// animation frame.
    Moved,
    /// Something scrolled (the page or any element): targets moved.
    Scrolled,
    /// A CSS transition or animation of the page started (`true`) or ended: a target may move
    /// with no scroll, resize or DOM change (a drawer sliding in).
    Motion(bool),
    /// The light check for targets that moved unnoticed (see `WATCH_MS`).
    Watch,
    /// The slow look for awaited targets that nothing reported (see `SEEK_MS`).
    Seek,
    /// The page's state changed with no DOM change the observers report: a checkbox checked
    /// (`:checked`), a popover shown (`:popover-open`), focus moved (`:focus-within`), an image
    /// loaded, the viewport resized past a media query, a fragment navigation (`:target`). What is known absent may match now,
    /// and a shown target may have gone out of sight: look again in the next frame.
    State,
    /// The page is idle after the first evaluation: rehearse the first tour step's card.
    Rehearse,
    /// The animation frame: measure, then place.
    Frame,
    /// Something in the DOM changed: check in the next animation frame.
    Mutations,
    /// The frame after DOM changes: awaited targets, trigger elements, removed targets.
    Check,
    /// The URL may have changed.
    Url,
    /// Another tab wrote to localStorage.
    Storage(String, Option<String>),
    /// `identify(userId, traits)`: the same user gets new traits; another user gets their own
    /// progress, and nothing of the previous user's stays on screen.
    Identify(Option<String>, Json, Option<String>),
    /// Delivery: send what is due; the page is hidden; heartbeat; take over a dead tab's queue;
    /// a response arrived; an event passed the host's beforeSend; consent changed; flush.
    Send,
    Hide,
    Heartbeat,
    Reclaim(String),
    Net { req: u32, status: Option<u16>, retry_after: Option<String> },
    Enqueue(String, String),
    Consent(Consent),
    Flush(js_sys::Function),
    /// Call a JS function once the state is released (flush promises).
    Resolve(js_sys::Function),
    /// State sync: load again, save now, a response arrived (is it the load?), its body was read.
    SyncLoad,
    SyncSave,
    SyncResponse(bool, JsValue),
    Sync(crate::sync::Reply),
    Destroy,
}

enum Out {
    Emit(String, String),
    Call(String),
    Navigate(String),
}

pub struct Shell {
    me: Weak<Shell>,
    inner: RefCell<Option<Inner>>,
    queue: RefCell<VecDeque<Job>>,
    busy: Cell<bool>,
    hooks: Hooks,
}

/// Who is signed in and how events are stamped.
struct Ids {
    user_id: Option<String>,
    anonymous_id: String,
    device: String,
    session: String,
    session_at: f64,
    seq: u64,
}

pub struct Inner {
    pub engine: Engine,
    doc: Document,
    win: Window,
    mount: Mount,
    /// Targets the widgets are anchored to with CSS anchor positioning (`dom::anchor`).
    anchors: Anchors,
    widgets: Vec<Widget>,
    /// Resolved targets of flows on screen: (flow, element, clipping ancestors and whether it
    /// is fixed (`layout::clippers`), until when (ms) to check whether a sticky or fixed header
    /// covers it, 0 once checked or corrected).
    targets: Vec<(usize, Element, layout::Scope, f64)>,
    timers: Vec<(u32, Timeout)>,
    /// Awaited targets: (flow, step, the target is on the page but out of sight (told to the
    /// engine as `Target::Hidden`)).
    waits: Vec<(usize, usize, bool)>,
    /// The last step target `look` found in reach, with its clipping ancestors: `show`, which
    /// follows in the same dispatch, takes them instead of walking the ancestors' styles again.
    located: Option<(Element, layout::Scope)>,
    watches: Vec<(usize, String, bool)>,
    listeners: Vec<Listener>,
    mutations: Option<Mutations>,
    resize: Option<Resizes>,
    nav: Option<NavWatch>,
    frame: Option<Frame>,
    check: Option<Frame>,
    /// The page's CSS transitions and animations running (started, not yet ended or
    /// cancelled) and when the last one started: while any runs, layout follows every frame.
    motion: (u32, f64),
    /// The next light check for targets that moved unnoticed; `chase`: it found one, and
    /// layout follows every frame until the targets stand still; `scrolled_at`: the last
    /// scroll, which reports its own moves.
    watch: Option<Timeout>,
    /// The next slow look for awaited targets (`SEEK_MS`), and the listing of the page's shadow
    /// roots (`layout::shadows_since`) the mutation observer watches.
    seek: Option<Timeout>,
    shadows: u32,
    chase: bool,
    scrolled_at: f64,
    /// The viewport's size at the last layout (a scroll does not change it).
    viewport: Option<position::Rect>,
    /// The page's header bars fixed or stuck at the top of the viewport, top down (a fixed
    /// banner above the app's header; `layout::top_bar`), looked for once per page and
    /// viewport size, at the first layout with a target: `None` not yet, empty none. Cards are
    /// kept below them, and hide when their target is under them.
    header: Option<Vec<Element>>,
    /// The page's `<dialog>` elements (a live collection, fetched once).
    dialogs: Option<web_sys::HtmlCollection>,
    store: Store,
    progress_key: String,
    ids: Ids,
    focus: Focus,
    uid: u32,
    url: (String, String),
    out: Vec<Out>,
    reduced_motion: bool,
    pub debug: bool,
    spec_revision: String,
    /// The deferred first evaluation.
    start: Option<Timeout>,
    /// The rehearsal of a tour's first card, once the page is idle (`rehearse`).
    rehearsal: Option<Idle>,
    /// Whether the first evaluation (`Input::Load`) has been dispatched.
    started: bool,
    /// Delivery to the collector, when one is configured.
    transport: Option<Transport>,
    /// Progress across devices, with a collector and a signed user id.
    sync: Option<crate::sync::Sync>,
    /// The collector and write key, kept to set up sync again after identify().
    collector: Option<(String, String)>,
}

/// How long a target must stand still before the layout judges whether its anchored widgets
/// are in place (see `layout_for`): longer than a frame.
const STILL_MS: f64 = 30.0;

/// How long after a step's target is found the layout looks for a header covering it.
const HEADER_CHECK_MS: f64 = 1500.0;

/// How long layout follows every frame after the page's last transition or animation started
/// when no end comes (an element removed mid-transition, an infinite spinner).
const MOTION_MS: f64 = 3000.0;

/// When to rehearse in browsers without `requestIdleCallback` (see `Inner::rehearse`).
const REHEARSE_MS: u32 = 2000;

/// How often a shown target is measured to catch moves that nothing reports: an image above it
/// loading, a font swapping in, a Web Animations API animation. A rect read, nothing written.
const WATCH_MS: u32 = 400;

/// How often targets still awaited (a step waiting; `SEEK_IDLE_MS` when only an `element`
/// trigger is absent) are looked for when no DOM change came: ones revealed by what the
/// mutation observer does not see (a class on `<html>` and the page's CSS, a component
/// upgraded by a late `customElements.define`).
const SEEK_MS: u32 = 1000;
const SEEK_IDLE_MS: u32 = 3000;

/// `12` → `"12px"`, without `format!`.
fn px(n: i64) -> String {
    let mut s = String::with_capacity(8);
    json::write_int(&mut s, n);
    s.push_str("px");
    s
}

/// Switches an element between viewport and anchored positioning: the `data-anchored`
/// attribute selects the stylesheet's `anchor()` rules, and a `part` of the anchor's name lets
/// the document's rule give it its `position-anchor`.
fn anchor_mode(e: &Element, st: &web_sys::CssStyleDeclaration, name: Option<&str>, px_props: &[&str]) {
    let mut part = String::new();
    for t in e.get_attribute("part").unwrap_or_default().split(' ').filter(|t| !t.is_empty() && !t.starts_with("shirube-")) {
        if !part.is_empty() {
            part.push(' ');
        }
        part.push_str(t);
    }
    match name {
        Some(n) => {
            part.push(' ');
            part.push_str(n.get(2..).unwrap_or(""));
            let _ = e.set_attribute("data-anchored", "");
            for p in px_props {
                let _ = st.remove_property(p);
            }
        }
        None => {
            let _ = e.remove_attribute("data-anchored");
            let _ = st.remove_property("--sb-ax");
            let _ = st.remove_property("--sb-ay");
        }
    }
    let _ = e.set_attribute("part", &part);
}

/// Moves a fixed element to `pos` unless `at` (what was last written) is already there: in the
/// viewport by `left`/`top`, or by `transform` when `translated` (the overlay's layer); anchored,
/// by its offset from the target, switching modes as needed.
fn move_to(e: &Element, st: &web_sys::CssStyleDeclaration, pos: At, anchor: Option<&str>, at: &mut Option<At>, translated: bool) {
    if *at == Some(pos) {
        return;
    }
    let was_anchored = matches!(at, Some(At::Anchor(..)));
    match pos {
        At::Viewport(x, y) => {
            if was_anchored || at.is_none() {
                anchor_mode(e, st, None, &[]);
            }
            if translated {
                let _ = st.set_property("transform", &translate((x, y)));
            } else {
                let _ = st.set_property("left", &px(x));
                let _ = st.set_property("top", &px(y));
            }
        }
        At::Anchor(x, y) => {
            if !was_anchored {
                anchor_mode(e, st, anchor, if translated { &["transform"] } else { &["left", "top"] });
            }
            let _ = st.set_property("--sb-ax", &px(x));
            let _ = st.set_property("--sb-ay", &px(y));
        }
    }
    *at = Some(pos);
}

/// Writes a fixed element's place and visibility when they differ from what was last written
/// (`at` and `was_hidden` remember it).
fn place(e: &HtmlElement, pos: At, anchor: Option<&str>, hidden: bool, at: &mut Option<At>, was_hidden: &mut Option<bool>) {
    if *at == Some(pos) && *was_hidden == Some(hidden) {
        return;
    }
    let st = &e.style();
    move_to(e, st, pos, anchor, at, false);
    if *was_hidden != Some(hidden) {
        let _ = st.set_property("visibility", if hidden { "hidden" } else { "visible" });
        *was_hidden = Some(hidden);
    }
}

/// `(12, 40)` → `"translate(12px, 40px)"`.
fn translate((x, y): (i64, i64)) -> String {
    let mut s = String::from("translate(");
    s.push_str(&px(x));
    s.push_str(", ");
    s.push_str(&px(y));
    s.push(')');
    s
}

fn now() -> f64 {
    js_sys::Date::now()
}

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    let ok = web_sys::window().and_then(|w| w.crypto().ok()).is_some_and(|c| c.get_random_values_with_u8_array(&mut b).is_ok());
    if !ok {
        // No Web Crypto (very old browsers): Math.random is enough for ids, not for secrets.
        for x in b.iter_mut() {
            *x = (js_sys::Math::random() * 256.0) as u8;
        }
    }
    b
}

fn new_id() -> String {
    event::uuid_v7(now(), random_bytes::<10>())
}

/// What the JS wrapper passes to `init` (besides the spec text).
pub struct Options {
    pub user_id: Option<String>,
    pub traits: Json,
    pub locale: Option<String>,
    pub debug: bool,
    pub instance: u32,
    /// `collector: { url, writeKey }`.
    pub collector: Option<(String, String)>,
    pub consent: Consent,
    /// `user.hash`: the HMAC of the user id from the host's backend, for state sync.
    pub user_hash: Option<String>,
}

impl Options {
    pub fn from_json(v: &Json) -> Options {
        let user = v.get("user");
        Options {
            user_id: user.and_then(|u| u.get("id")).and_then(|i| match i {
                Json::Str(s) if !s.is_empty() => Some(s.clone()),
                Json::Num(n) => Some(json::Json::Num(*n).write(false)),
                _ => None,
            }),
            traits: user.and_then(|u| u.get("traits")).filter(|t| matches!(t, Json::Obj(_))).cloned().unwrap_or(Json::obj(vec![])),
            locale: v.get("locale").and_then(|l| l.as_str()).map(String::from),
            debug: v.get("debug").and_then(|d| d.as_bool()).unwrap_or(false),
            instance: v.get("instance").and_then(|d| d.as_f64()).unwrap_or(0.0) as u32,
            collector: v.get("collector").and_then(|c| {
                let url = c.get("url").and_then(|u| u.as_str()).filter(|u| !u.is_empty())?;
                let key = c.get("writeKey").and_then(|k| k.as_str()).filter(|k| !k.is_empty())?;
                Some((url.to_string(), key.to_string()))
            }),
            consent: Consent::parse(v.get("consent").and_then(|c| c.as_str()).unwrap_or("granted")),
            user_hash: user.and_then(|u| u.get("hash")).and_then(|h| h.as_str()).filter(|h| !h.is_empty()).map(String::from),
        }
    }
}

impl Shell {
    /// Builds a running instance, or `Err` with a reason for the `error` event.
    pub fn start(model: crate::core::model::Model, opts: Options, hooks: Hooks) -> Result<Rc<Shell>, String> {
        let win = web_sys::window().ok_or("no window: Shirube.init needs a browser")?;
        let doc = win.document().ok_or("no document")?;
        if doc.body().is_none() {
            return Err("document.body does not exist yet: call Shirube.init after the page's <body> is parsed".into());
        }
        let (opts_collector, opts_user, opts_hash) = (opts.collector.clone(), opts.user_id.clone(), opts.user_hash.clone());
        let mut store = Store::new();
        let device = store.get(&[PREFIX, "device"].concat()).unwrap_or_else(|| {
            let id = new_id();
            store.set(&[PREFIX, "device"].concat(), &id);
            id
        });
        let anonymous_id = store.get(&[PREFIX, "anon"].concat()).unwrap_or_else(|| {
            let id = new_id();
            store.set(&[PREFIX, "anon"].concat(), &id);
            id
        });
        let (session, session_at) = session(&mut store);
        let user_key = opts.user_id.clone().map(|u| ["u:", u.as_str()].concat()).unwrap_or_else(|| ["a:", anonymous_id.as_str()].concat());
        let progress_key = store::progress_key(&model.product, &user_key);
        let progress = load_progress(&store, &progress_key);
        let mount = Mount::new(&doc, &model.theme, opts.instance).ok_or("could not create the host element")?;
        let anchors = Anchors::new(&doc, opts.instance);
        let locale = pick_locale(&win, opts.locale.as_deref(), &model);
        let spec_revision = model.revision.clone();
        let engine = Engine::new(model, progress, crate::core::engine::User { key: user_key, device: device.clone(), traits: opts.traits }, locale);
        let reduced_motion = win.match_media("(prefers-reduced-motion: reduce)").ok().flatten().is_some_and(|m| m.matches());
        let inner = Inner {
            engine,
            doc,
            win,
            mount,
            anchors,
            widgets: Vec::new(),
            targets: Vec::new(),
            timers: Vec::new(),
            waits: Vec::new(),
            located: None,
            watches: Vec::new(),
            listeners: Vec::new(),
            mutations: None,
            resize: None,
            nav: None,
            frame: None,
            check: None,
            motion: (0, 0.0),
            watch: None,
            seek: None,
            shadows: 0,
            rehearsal: None,
            chase: false,
            scrolled_at: 0.0,
            dialogs: None,
            viewport: None,
            header: None,
            store,
            progress_key,
            ids: Ids { user_id: opts.user_id, anonymous_id, device, session, session_at, seq: 0 },
            focus: Focus::default(),
            uid: 0,
            url: (String::new(), String::new()),
            out: Vec::new(),
            reduced_motion,
            debug: opts.debug,
            spec_revision,
            start: None,
            started: false,
            transport: None,
            sync: None,
            collector: opts.collector.clone(),
        };
        let collector = opts.collector.clone();
        let consent = opts.consent;
        let shell = Rc::new_cyclic(|me| Shell { me: me.clone(), inner: RefCell::new(Some(inner)), queue: RefCell::new(VecDeque::new()), busy: Cell::new(false), hooks });
        shell.install();
        if let Some((url, key)) = collector {
            let weak = shell.weak();
            shell.with(|i| {
                let mut t = Transport::new(&i.win, &url, &key, consent, new_id(), now(), env!("CARGO_PKG_VERSION").to_string());
                t.install(weak, &mut i.store, now());
                i.transport = Some(t);
            });
        }
        if let (Some((url, key)), Some(user), Some(hash)) = (&opts_collector, &opts_user, &opts_hash) {
            let weak = shell.weak();
            shell.with(|i| {
                let mut s = crate::sync::Sync::new(&i.win, url, key, &i.engine.model.product, user, hash);
                s.load(weak);
                i.sync = Some(s);
            });
        }
        // Say once, at start, if progress and events cannot be kept across reloads.
        let w = shell.weak();
        shell.with(|i| i.report_storage(&w));
        let (path, query) = shell.with(|i| nav::location(&i.win)).unwrap_or_default();
        shell.with(|i| i.url = (path.clone(), query.clone()));
        // The first evaluation waits one task, so listeners the host attaches right after
        // `await Shirube.init()` see the first events too.
        // An API call before then (track() right after init) runs it first: see `ensure_started`.
        let w = shell.weak();
        let first = Timeout::new(0, move || {
            if let Some(s) = w.upgrade() {
                if s.with(|i| !std::mem::replace(&mut i.started, true)) == Some(true) {
                    s.dispatch(Job::Engine(Input::Load { path: path.clone(), query: query.clone() }));
                }
            }
        });
        // Once the page is idle (where browsers cannot tell, after REHEARSE_MS).
        let w = shell.weak();
        let rehearsal = Idle::new(REHEARSE_MS, move || {
            if let Some(s) = w.upgrade() {
                s.dispatch(Job::Rehearse);
            }
        });
        shell.with(|i| {
            i.start = first;
            i.rehearsal = rehearsal;
        });
        Ok(shell)
    }

    /// Runs the first evaluation now if it has not run yet: a call such as `track()` made in
    /// the same task as `init` must meet a loaded engine (or its event trigger would be lost).
    pub fn ensure_started(&self) {
        let pending = self.with(|i| {
            if std::mem::replace(&mut i.started, true) {
                return None;
            }
            i.start = None;
            Some(i.url.clone())
        });
        if let Some(Some((path, query))) = pending {
            self.dispatch(Job::Engine(Input::Load { path, query }));
        }
    }

    /// Runs `f` on the state when it is not borrowed (for reads from the API).
    pub fn with<R>(&self, f: impl FnOnce(&mut Inner) -> R) -> Option<R> {
        let mut g = self.inner.try_borrow_mut().ok()?;
        g.as_mut().map(f)
    }

    fn weak(&self) -> Weak<Shell> {
        self.me.clone()
    }

    pub fn weak_ref(&self) -> Weak<Shell> {
        self.me.clone()
    }

    /// Calls `f` after the current job, outside the state.
    pub fn later(&self, f: js_sys::Function) {
        self.queue.borrow_mut().push_back(Job::Resolve(f));
    }

    /// Queues a job and runs the queue unless it is already running.
    pub fn dispatch(&self, job: Job) {
        self.queue.borrow_mut().push_back(job);
        if self.busy.get() {
            return;
        }
        self.busy.set(true);
        loop {
            let next = self.queue.borrow_mut().pop_front();
            let Some(job) = next else { break };
            if let Job::Resolve(f) = job {
                let _ = f.call0(&JsValue::NULL);
                continue;
            }
            let out = match self.inner.try_borrow_mut() {
                Ok(mut g) => {
                    if matches!(job, Job::Destroy) {
                        // Dropping Inner releases every node, listener, observer and timer.
                        let inner = g.take();
                        drop(g);
                        drop(inner);
                        // Holds none of the page's shadow roots (the list is shared by instances).
                        layout::forget_shadows();
                        self.queue.borrow_mut().clear();
                        Vec::new()
                    } else {
                        match g.as_mut() {
                            Some(inner) => {
                                inner.run(job, self);
                                std::mem::take(&mut inner.out)
                            }
                            None => Vec::new(),
                        }
                    }
                }
                Err(_) => Vec::new(),
            };
            for o in out {
                self.call_out(o);
            }
        }
        self.busy.set(false);
    }

    fn call_out(&self, o: Out) {
        let r = match o {
            Out::Emit(name, json) => {
                // The wrapper applies the denylist and beforeSend and returns what to send.
                let r = self.hooks.emit.call2(&JsValue::NULL, &name.clone().into(), &json.into());
                if let Ok(v) = &r {
                    if let Some(text) = v.as_string() {
                        self.queue.borrow_mut().push_back(Job::Enqueue(name, text));
                    }
                }
                r.map(|_| ())
            }
            Out::Call(name) => match self.hooks.call.call1(&JsValue::NULL, &name.clone().into()) {
                Ok(v) if v.as_bool() == Some(true) => Ok(()),
                Ok(_) => {
                    self.error("no_action_handler", &format!("the spec calls the action \"{}\", but the app registered no handler with sb.registerAction(\"{}\", fn)", name, name));
                    Ok(())
                }
                Err(e) => Err(e),
            },
            Out::Navigate(url) => {
                let handled = self.hooks.navigate.call1(&JsValue::NULL, &url.clone().into()).map(|v| v.as_bool() == Some(true)).unwrap_or(false);
                if !handled {
                    navigate(&url);
                }
                Ok(())
            }
        };
        // A host handler that throws must not break the SDK; the wrapper already catches, this
        // is the last line.
        let _ = r;
    }

    /// Reports an error to the host's `error` listeners, with a stable `code`.
    pub fn error(&self, code: &str, message: &str) {
        let mut s = String::from("{\"code\":");
        json::write_str(&mut s, code);
        s.push_str(",\"message\":");
        json::write_str(&mut s, message);
        s.push('}');
        let _ = self.hooks.emit.call2(&JsValue::NULL, &"error".into(), &s.into());
    }

    /// Listeners and observers for the whole page.
    fn install(&self) {
        let weak = self.weak();
        let Some((win, doc, root)) = self.with(|i| (i.win.clone(), i.doc.clone(), i.mount.root.clone())) else { return };
        let mut ls: Vec<Listener> = Vec::new();
        let job = |w: &Weak<Shell>, j: fn(&Event) -> Option<Job>| {
            let w = w.clone();
            move |e: Event| {
                if let (Some(s), Some(job)) = (w.upgrade(), j(&e)) {
                    s.dispatch(job);
                }
            }
        };
        // Scrolling any element (capture) and resizing move targets.
        ls.extend(Listener::new(&doc, "scroll", true, true, job(&weak, |_| Some(Job::Scrolled))));
        ls.extend(Listener::new(&win, "resize", false, true, job(&weak, |_| Some(Job::Moved))));
        // The page's CSS transitions and animations move targets without scrolling, resizing or
        // changing the DOM (a drawer sliding in). These events bubble; Shirube's own, inside its
        // shadow root, are not composed and never reach the document.
        for kind in ["transitionrun", "transitionend", "transitioncancel", "animationstart", "animationend", "animationcancel"] {
            ls.extend(Listener::new(&doc, kind, true, true, job(&weak, |e| Some(Job::Motion(matches!(e.type_().as_str(), "transitionrun" | "animationstart"))))));
        }
        // State changes that reveal or hide elements through the page's CSS with no DOM change
        // (`Job::State`): `:checked` (change), `:placeholder-shown`/`:valid` (input),
        // `:popover-open` (toggle, which does not bubble: capture), `:focus-within`
        // (focusin/focusout), an image loaded (load, capture). Shirube's own inputs, focus moves
        // and popover toggles (retargeted to its host) are not the page's.
        for kind in ["change", "input", "toggle", "focusin", "focusout", "load"] {
            ls.extend(Listener::new(&doc, kind, true, true, job(&weak, |e| {
                let ours = e.target().and_then(|t| t.dyn_into::<Element>().ok()).is_some_and(|t| t.has_attribute("data-shirube-root"));
                (!ours).then_some(Job::State)
            })));
        }
        // A fragment navigation changes which element is the page's `:target` (tabs and panels
        // shown by `section:target`; `pushState` does not), and a window resized may cross one
        // of the page's media queries (the resize also moves widgets: `Job::Moved` above).
        for kind in ["hashchange", "resize"] {
            ls.extend(Listener::new(&win, kind, false, true, job(&weak, |_| Some(Job::State))));
        }
        // Clicks inside Shirube's UI (delegated: one listener for every widget).
        {
            let w = weak.clone();
            ls.extend(Listener::new(&root, "click", false, false, move |e| {
                if let Some(s) = w.upgrade() {
                    s.on_click(&e);
                }
            }));
        }
        {
            let w = weak.clone();
            ls.extend(Listener::new(&root, "keydown", false, false, move |e| {
                if let (Some(s), Some(k)) = (w.upgrade(), e.dyn_ref::<KeyboardEvent>()) {
                    s.on_key(k, true);
                }
            }));
        }
        // Esc on the page closes the blocking flow, unless the page handled it first.
        {
            let w = weak.clone();
            ls.extend(Listener::new(&doc, "keydown", false, false, move |e| {
                if let (Some(s), Some(k)) = (w.upgrade(), e.dyn_ref::<KeyboardEvent>()) {
                    if !k.default_prevented() {
                        s.on_key(k, false);
                    }
                }
            }));
        }
        // Clicks on the page: a step that advances when its target is clicked.
        {
            let w = weak.clone();
            ls.extend(Listener::new(&doc, "click", true, true, move |e| {
                if let Some(s) = w.upgrade() {
                    s.on_page_click(&e);
                }
            }));
        }
        // Another tab changed this user's progress.
        {
            let w = weak.clone();
            ls.extend(Listener::new(&win, "storage", false, true, move |e| {
                if let (Some(s), Some(se)) = (w.upgrade(), e.dyn_ref::<web_sys::StorageEvent>()) {
                    if let Some(k) = se.key() {
                        s.dispatch(Job::Storage(k, se.new_value()));
                    }
                }
            }));
        }
        let nav_w = weak.clone();
        let navw = NavWatch::new(&win, move || {
            if let Some(s) = nav_w.upgrade() {
                s.dispatch(Job::Url);
            }
        });
        // DOM changes: late targets, trigger elements, removed targets, dialogs opening. Every
        // attribute: many apps show an element by changing its inline `style` only, and
        // component libraries open menus and panels through an attribute their CSS reads
        // (`data-state="open"`, `aria-expanded`, `data-open`). (Shirube's own writes happen
        // inside its shadow root, which this observer does not see; bursts are looked at once
        // per frame.) The whole document, not only the body: Turbo Drive and other visits that
        // swap the page replace the `<body>` element itself, and a stylesheet added to the head
        // can reveal a target.
        let mw = weak.clone();
        let mutations = doc.document_element().and_then(|root| {
            Mutations::new(&root, move |batch| {
                if batch == Batch::Added {
                    // Perhaps a web component: its shadow root is searched for targets.
                    layout::forget_shadows();
                }
                if let Some(s) = mw.upgrade() {
                    s.dispatch(Job::Mutations);
                }
            })
        });
        let rw = weak.clone();
        let resize = Resizes::new(move || {
            if let Some(s) = rw.upgrade() {
                s.dispatch(Job::Moved);
            }
        });
        self.with(|i| {
            i.listeners = ls;
            i.nav = Some(navw);
            i.mutations = mutations;
            i.resize = resize;
        });
    }

    fn on_click(&self, e: &Event) {
        let Some(t) = e.target().and_then(|t| t.dyn_into::<Element>().ok()) else { return };
        let Some(flow_el) = t.closest("[data-flow-index]").ok().flatten() else { return };
        let Some(flow) = flow_el.get_attribute("data-flow-index").and_then(|f| f.parse::<usize>().ok()) else { return };
        let action = if let Some(b) = t.closest("[data-shirube-action]").ok().flatten() {
            let role = b.get_attribute("data-shirube-action").unwrap_or_default();
            if role == "done" && flow_el.query_selector("textarea").ok().flatten().is_some() {
                let text = flow_el.query_selector("textarea").ok().flatten().and_then(|ta| ta.dyn_into::<web_sys::HtmlTextAreaElement>().ok()).map(|ta| ta.value());
                Some(Ui::Submit(text))
            } else {
                view::action_for(&role)
            }
        } else if let Some(s) = t.closest("[data-shirube-score]").ok().flatten() {
            s.get_attribute("data-shirube-score").and_then(|n| n.parse().ok()).map(Ui::Score)
        } else if let Some(it) = t.closest("[data-shirube-item]").ok().flatten() {
            let id = it.get_attribute("data-shirube-item").unwrap_or_default();
            self.with(|i| i.item_index(flow, &id)).flatten().map(Ui::Item)
        } else if let Some(b) = t.closest("[data-shirube-beacon]").ok().flatten() {
            Some(if b.get_attribute("aria-expanded").as_deref() == Some("true") { Ui::Close } else { Ui::Open })
        } else if t.closest("[data-shirube-toggle]").ok().flatten().is_some() {
            Some(Ui::Toggle)
        } else {
            None
        };
        if let Some(a) = action {
            self.dispatch(Job::Engine(Input::Ui { flow, action: a }));
        }
    }

    /// Keys: Esc closes, arrows move through a tour, Tab stays inside a modal step, Enter or
    /// Space activates a checklist item.
    fn on_key(&self, k: &KeyboardEvent, inside: bool) {
        let key = k.key();
        let Some((blocking, modal, rtl, card, hint_open)) = self.with(|i| {
            let cur = i.engine.current().map(|r| r.flow);
            let w = cur.and_then(|f| i.widgets.iter().find(|w| w.flow == f));
            let modal = w.is_some_and(|w| matches!(&w.view.kind, Kind::Step(s) if s.modal) || matches!(&w.view.kind, Kind::Announcement(a) if a.style == crate::core::spec::types::AnnouncementStyle::Modal));
            let hint_open = i.widgets.iter().find(|w| matches!(&w.view.kind, Kind::Hint(h) if h.open)).map(|w| w.flow);
            (cur, modal, i.mount.rtl(None), w.and_then(|w| w.card.clone()), hint_open)
        }) else {
            return;
        };
        let active_inside = || self.with(|i| i.mount.root.active_element()).flatten();
        match key.as_str() {
            "Escape" => {
                if inside {
                    if let Some(h) = hint_open {
                        k.prevent_default();
                        self.dispatch(Job::Engine(Input::Ui { flow: h, action: Ui::Close }));
                        return;
                    }
                    let panel = k.target().and_then(|t| t.dyn_into::<Element>().ok()).and_then(|t| t.closest("[data-flow-index]").ok().flatten());
                    if let Some(f) = panel.and_then(|p| p.get_attribute("data-flow-index")).and_then(|f| f.parse::<usize>().ok()) {
                        if Some(f) != blocking {
                            k.prevent_default();
                            self.dispatch(Job::Engine(Input::Ui { flow: f, action: Ui::Dismiss(Via::Escape) }));
                            return;
                        }
                    }
                }
                if let Some(f) = blocking {
                    k.prevent_default();
                    self.dispatch(Job::Engine(Input::Ui { flow: f, action: Ui::Dismiss(Via::Escape) }));
                }
            }
            "ArrowRight" | "ArrowLeft" if inside => {
                let forward = (key == "ArrowRight") != rtl;
                if let (Some(f), true) = (blocking, card.is_some()) {
                    k.prevent_default();
                    self.dispatch(Job::Engine(Input::Ui { flow: f, action: if forward { Ui::Next } else { Ui::Back } }));
                }
            }
            "Tab" if modal && inside => {
                if let Some(c) = card {
                    if Focus::trap(&c, active_inside(), k.shift_key()) {
                        k.prevent_default();
                    }
                }
            }
            "Enter" | " " if inside => {
                let item = k.target().and_then(|t| t.dyn_into::<Element>().ok()).filter(|t| t.has_attribute("data-shirube-item"));
                if let Some(it) = item {
                    k.prevent_default();
                    if let Some(h) = it.dyn_ref::<HtmlElement>() {
                        h.click();
                    }
                }
            }
            _ => {}
        }
    }

    fn on_page_click(&self, e: &Event) {
        let path = e.composed_path();
        let hit = self.with(|i| {
            i.targets.iter().find_map(|(flow, el, _, _)| {
                let wants = i.widgets.iter().any(|w| w.flow == *flow && matches!(&w.view.kind, Kind::Step(s) if s.click_target));
                let step = i.engine.run(*flow).map(|r| r.step)?;
                (wants && (0..path.length()).any(|k| &path.get(k) == AsRef::<JsValue>::as_ref(el))).then_some((*flow, step))
            })
        });
        if let Some(Some((flow, step))) = hit {
            self.dispatch(Job::Engine(Input::Target { flow, step, what: Target::Clicked }));
        }
    }
}

fn navigate(url: &str) {
    let Some(w) = web_sys::window() else { return };
    let same_origin = url.starts_with('/') && !url.starts_with("//") || url.starts_with('?') || url.starts_with('#');
    if same_origin {
        // A single-page app's router follows history changes announced with popstate.
        if w.history().and_then(|h| h.push_state_with_url(&JsValue::NULL, "", Some(url))).is_ok() {
            if let Ok(ev) = web_sys::PopStateEvent::new("popstate") {
                let _ = w.dispatch_event(&ev);
            }
            return;
        }
    }
    let _ = w.location().assign(url);
}

fn load_progress(store: &Store, key: &str) -> Progress {
    store.get(key).and_then(|t| Progress::from_text(&t).ok()).unwrap_or_default()
}

fn session(store: &mut Store) -> (String, f64) {
    let key = [PREFIX, "session"].concat();
    let t = now();
    let old = store.get(&key).and_then(|s| {
        let (id, at) = s.split_once('|')?;
        Some((id.to_string(), crate::core::float::parse(at)?))
    });
    let (id, _) = match old {
        Some((id, at)) if t - at < SESSION_IDLE_MS => (id, at),
        _ => (new_id(), t),
    };
    store.set(&key, &format!("{}|{}", id, t as u64));
    (id, t)
}

fn pick_locale(win: &Window, wanted: Option<&str>, m: &crate::core::model::Model) -> String {
    let mut list: Vec<String> = Vec::new();
    if let Some(w) = wanted {
        list.push(w.to_string());
    }
    let nav = win.navigator();
    for l in nav.languages().iter() {
        if let Some(s) = l.as_string() {
            list.push(s);
        }
    }
    if let Some(l) = nav.language() {
        list.push(l);
    }
    crate::core::i18n::negotiate(&list, &m.supported, &m.default_locale)
}

impl Inner {
    fn run(&mut self, job: Job, shell: &Shell) {
        let explains = matches!(job, Job::Engine(_) | Job::Url | Job::Check | Job::Storage(..) | Job::Identify(..));
        self.job(job, shell);
        // Storage may have failed in any job (a full quota when the queue grew): say so once.
        self.report_storage(&shell.weak_ref());
        if self.debug && explains {
            // The debug overlay (js/debug.js, loaded only in debug mode) draws itself again
            // from `explain()`.
            self.out.push(Out::Emit("_debug".into(), String::new()));
        }
    }

    fn job(&mut self, job: Job, shell: &Shell) {
        match job {
            Job::Engine(input) => {
                let fx = self.engine.handle(now(), input);
                self.apply(fx, shell);
            }
            Job::Moved => {
                if !self.widgets.is_empty() {
                    self.schedule_frame(shell);
                }
            }
            Job::State => self.state_changed(shell),
            // The browser dispatches scroll events in a frame's rendering steps, before the
            // animation frame callbacks, style, layout and paint: laid out here, the change is
            // in this very frame, without scheduling one. Only widgets at a target move.
            Job::Scrolled => {
                // Scrolling moves targets and reports it in every frame it does: while the page
                // scrolls, the light check stands aside (it would see the scroll's moves a frame
                // early and lay out again, in every frame of the scroll).
                self.chase = false;
                self.scrolled_at = now();
                if !self.targets.is_empty() {
                    self.layout_for(shell, true);
                }
            }
            Job::Frame => {
                self.frame = None;
                // A step waiting for its target to come into sight (a drawer sliding in): shown
                // in the first frame that has it in reach, not at the transition's end.
                if self.motion.0 > 0 && !self.waits.is_empty() {
                    self.check_waits(shell);
                }
                self.layout(shell);
            }
            Job::Motion(started) => {
                if started {
                    self.motion = (self.motion.0 + 1, now());
                    if !self.targets.is_empty() || !self.waits.is_empty() {
                        self.schedule_frame(shell);
                    }
                } else {
                    // One ended: where things came to rest, look again as after a DOM change
                    // (an awaited target an animation revealed, then the layout).
                    self.motion.0 = self.motion.0.saturating_sub(1);
                    self.job(Job::Mutations, shell);
                }
            }
            Job::Rehearse => self.rehearse(shell),
            Job::Watch => {
                self.watch = None;
                let scrolling = now() - self.scrolled_at < WATCH_MS as f64;
                let moved = !scrolling && self.targets.iter().any(|(f, t, _, _)| {
                    let r = layout::rect(t);
                    self.widgets.iter().any(|w| w.flow == *f && w.written.target_at != Some((r.x, r.y)))
                });
                if moved {
                    self.chase = true;
                    self.schedule_frame(shell);
                } else {
                    self.arm_watch(shell);
                }
            }
            Job::Mutations => self.schedule_check(shell),
            Job::Seek => {
                self.seek = None;
                // (In this task: no frame is asked of an idle page. A component defined since
                // the shadow roots were listed is looked into at once.)
                layout::check_shadows(&self.doc);
                self.job(Job::Check, shell);
            }
            Job::Check => {
                self.check = None;
                // A single-page app renders its new route: the DOM changing is when a browser
                // without the Navigation API (Safari) can see a `pushState` soonest, so the URL
                // is compared here too, before the targets are looked up (else the 250 ms poll
                // of `dom::nav` would notice it).
                self.url_changed(shell);
                // What the observers hold is handed over first (a handler of an event emitted
                // since changed the DOM); then what is known absent is trusted (`layout::Absent`):
                // a page whose text changes in every frame runs no query for absent targets.
                match &self.mutations {
                    Some(m) => {
                        m.flush();
                        layout::trusting(|| self.check_watches(shell));
                    }
                    None => self.check_watches(shell),
                }
                self.layout(shell);
            }
            Job::Url => self.url_changed(shell),
            Job::Storage(key, value) => {
                if key == self.progress_key {
                    if let Some(p) = value.and_then(|v| Progress::from_text(&v).ok()) {
                        let fx = self.engine.handle(now(), Input::Progress(p));
                        self.apply(fx, shell);
                    }
                }
            }
            Job::Identify(user, traits, hash) => self.identify(user, traits, hash, shell),
            Job::Send => {
                if let Some(t) = self.transport.as_mut() {
                    t.send(shell, now(), false);
                }
            }
            Job::Hide => {
                self.persist(shell);
                if let Some(t) = self.transport.as_mut() {
                    t.hide(shell, &mut self.store, now());
                }
            }
            Job::Heartbeat => {
                if let Some(t) = self.transport.as_mut() {
                    t.heartbeat(shell.weak_ref(), &mut self.store, now());
                }
            }
            Job::Reclaim(tab) => {
                if let Some(t) = self.transport.as_mut() {
                    if t.reclaim(&tab, &mut self.store, now()) {
                        t.send(shell, now(), true);
                    }
                }
            }
            Job::Net { req, status, retry_after } => {
                if let Some(t) = self.transport.as_mut() {
                    t.result(shell, &mut self.store, req, status, retry_after, now());
                }
            }
            Job::Enqueue(name, text) => {
                if let Some(t) = self.transport.as_mut() {
                    t.enqueue(shell, &mut self.store, &name, text, now());
                }
            }
            Job::Consent(c) => {
                if let Some(t) = self.transport.as_mut() {
                    t.set_consent(shell, &mut self.store, c, now());
                }
            }
            Job::Flush(f) => match self.transport.as_mut() {
                Some(t) => t.flush(shell, f, now()),
                None => shell.later(f),
            },
            Job::SyncLoad => {
                if let Some(s) = self.sync.as_mut() {
                    s.load(shell.weak_ref());
                }
            }
            Job::SyncSave => {
                if let Some(s) = self.sync.as_mut() {
                    s.save(shell.weak_ref(), &self.engine.progress);
                }
            }
            Job::SyncResponse(load, resp) => {
                if let Some(s) = self.sync.as_mut() {
                    s.response(shell.weak_ref(), load, resp);
                }
            }
            Job::Sync(reply) => {
                let merged = self.sync.as_mut().and_then(|s| s.reply(shell.weak_ref(), reply));
                if let Some(p) = merged {
                    let fx = self.engine.handle(now(), Input::Progress(p));
                    self.apply(fx, shell);
                }
                let off = self.sync.as_ref().and_then(|s| s.off.clone());
                if let Some(reason) = off {
                    self.sync = None;
                    let mut s = String::from("{\"message\":");
                    json::write_str(&mut s, &reason);
                    s.push_str(",\"code\":\"sync_off\"}");
                    self.out.push(Out::Emit("error".into(), s));
                }
            }
            Job::Resolve(_) | Job::Destroy => {}
        }
    }

    fn identify(&mut self, user: Option<String>, traits: Json, hash: Option<String>, shell: &Shell) {
        let mut merged = self.engine.user.traits.clone();
        if user == self.ids.user_id {
            if let (Json::Obj(cur), Json::Obj(new)) = (&mut merged, traits) {
                for (k, v) in new {
                    match cur.iter_mut().find(|(ck, _)| ck.s == k.s) {
                        Some(slot) => slot.1 = v,
                        None => cur.push((k, v)),
                    }
                }
            }
            let fx = self.engine.handle(now(), Input::Traits(merged));
            self.apply(fx, shell);
            return;
        }
        let fx = self.engine.shutdown();
        self.apply(fx, shell);
        self.persist(shell);
        let key = user.clone().map(|u| ["u:", u.as_str()].concat()).unwrap_or_else(|| ["a:", self.ids.anonymous_id.as_str()].concat());
        self.progress_key = store::progress_key(&self.engine.model.product, &key);
        let progress = load_progress(&self.store, &self.progress_key);
        let traits = if matches!(traits, Json::Obj(_)) { traits } else { Json::obj(vec![]) };
        let engine = Engine::new(self.engine.model.clone(), progress, crate::core::engine::User { key, device: self.ids.device.clone(), traits }, self.engine.locale.clone());
        self.engine = engine;
        // State sync follows the user when the host passes the new user's signed id.
        self.sync = match (&self.collector, &user, &hash) {
            (Some((url, key)), Some(u), Some(h)) => {
                let mut s = crate::sync::Sync::new(&self.win, url, key, &self.engine.model.product, u, h);
                s.load(shell.weak_ref());
                Some(s)
            }
            _ => None,
        };
        self.ids.user_id = user;
        self.widgets.clear();
        self.targets.clear();
        for f in self.anchors.flows() {
            self.anchors.forget(f);
        }
        self.waits.clear();
        self.timers.clear();
        let (path, query) = self.url.clone();
        let fx = self.engine.handle(now(), Input::Load { path, query });
        self.apply(fx, shell);
    }

    pub fn delivery_summary(&self) -> Option<String> {
        let t = self.transport.as_ref()?;
        let (queued, inflight, stats, stopped) = t.summary();
        Some(format!(
            "{{\"queued\":{},\"inflight\":{},\"stopped\":{},\"dropped\":{{\"queue_overflow\":{},\"too_large\":{},\"rate_limited\":{},\"expired\":{},\"rejected\":{}}}}}",
            queued, inflight, stopped, stats.queue_overflow, stats.too_large, stats.rate_limited, stats.expired, stats.rejected
        ))
    }

    pub fn item_index(&self, flow: usize, id: &str) -> Option<usize> {
        match self.engine.model.flows.get(flow).map(|f| &f.body) {
            Some(crate::core::model::Body::Checklist(c)) => c.items.iter().position(|i| i.id == id),
            _ => None,
        }
    }

    /// Carries out the engine's effects. Inputs they produce (a target found now) go back on the
    /// queue, so they are handled in order after these.
    fn apply(&mut self, fx: Vec<Effect>, shell: &Shell) {
        let mut persist = false;
        for f in fx {
            match f {
                Effect::Show { flow } => self.show(flow, shell),
                Effect::Hide { flow } => self.hide(flow),
                Effect::Locate { flow, step } => {
                    let what = self.look(flow, step);
                    shell.queue.borrow_mut().push_back(Job::Engine(Input::Target { flow, step, what }));
                }
                Effect::Wait { flow, step, .. } => {
                    self.waits.retain(|w| w.0 != flow);
                    let hidden = self.engine.run(flow).is_some_and(|r| r.hidden);
                    self.waits.push((flow, step, hidden));
                    // Looked for again in the next frame: a target lost in a batch of changes
                    // that also brought what now matches would otherwise wait for a later one.
                    self.schedule_check(shell);
                }
                Effect::WatchElements(list) => {
                    self.watches = list.into_iter().map(|(f, s)| (f, s, false)).collect();
                    self.check_watches(shell);
                }
                Effect::SetTimer { id, ms } => {
                    let w = shell.weak();
                    if let Some(t) = Timeout::new(ms, move || {
                        if let Some(s) = w.upgrade() {
                            s.dispatch(Job::Engine(Input::Timer(id)));
                        }
                    }) {
                        self.timers.push((id, t));
                    }
                }
                Effect::CancelTimer { id } => self.timers.retain(|(t, _)| *t != id),
                Effect::Emit(ev) => {
                    let t = now();
                    if t - self.ids.session_at > SESSION_IDLE_MS {
                        self.ids.session = new_id();
                    }
                    self.ids.session_at = t;
                    self.ids.seq += 1;
                    let stamp = Stamp {
                        event_id: new_id(),
                        seq: self.ids.seq,
                        session_id: self.ids.session.clone(),
                        user_id: self.ids.user_id.clone(),
                        anonymous_id: self.ids.anonymous_id.clone(),
                        spec_revision: self.spec_revision.clone(),
                    };
                    let mut text = String::new();
                    event::write(&mut text, &ev, &stamp);
                    self.out.push(Out::Emit(ev.name.to_string(), text));
                }
                Effect::Persist => persist = true,
                Effect::Announce(t) => self.mount.announce(&t),
                Effect::Navigate(u) => self.out.push(Out::Navigate(u)),
                Effect::OpenUrl { url, new_tab } => {
                    if new_tab {
                        let _ = self.win.open_with_url_and_target_and_features(&url, "_blank", "noopener,noreferrer");
                    } else {
                        let _ = self.win.location().assign(&url);
                    }
                }
                Effect::Call(name) => self.out.push(Out::Call(name)),
            }
        }
        if persist {
            self.persist(shell);
        }
    }

    fn persist(&mut self, shell: &Shell) {
        let text = self.engine.progress.to_text();
        self.store.set(&self.progress_key, &text);
        if let Some(s) = self.sync.as_mut() {
            s.changed(shell.weak_ref());
        }
        self.report_storage(&shell.weak_ref());
    }

    /// Reports, once, that storage is blocked or full (the SDK keeps working from memory).
    fn report_storage(&mut self, shell: &Weak<Shell>) {
        if let (Some(p), false) = (&self.store.problem, self.store.reported) {
            self.store.reported = true;
            let msg = [p.as_str(), ": progress and unsent events are kept in memory for this page only, so flows may show again after a reload"].concat();
            let mut s = String::from("{\"message\":");
            json::write_str(&mut s, &msg);
            s.push_str(",\"code\":\"storage_unavailable\"}");
            // Outside a job (at start) the hook is called directly; inside one, after it.
            match shell.upgrade() {
                Some(sh) if !sh.busy.get() => {
                    let _ = sh.hooks.emit.call2(&JsValue::NULL, &"error".into(), &s.into());
                }
                _ => self.out.push(Out::Emit("error".into(), s)),
            }
        }
    }

    /// Whether a step's or hint's target is on the page. A tour step's must also be in sight or
    /// within scrolling reach (`layout::reachable`): a step shown at a target in a closed
    /// drawer would dim the page with its card hidden until the drawer opens, which it may never.
    /// (A hint's beacon simply stays hidden until then: nothing else is covered.)
    fn look(&mut self, flow: usize, step: usize) -> Target {
        self.located = None;
        let Some(t) = self.selectors(flow, step).and_then(|s| layout::find(&self.doc, &s)) else { return Target::Absent };
        if self.is_tour(flow) {
            let scope = layout::clippers(&self.doc, &t);
            if !layout::reachable(&self.doc, &t, &scope) {
                return Target::Hidden;
            }
            self.located = Some((t, scope));
        }
        Target::Found
    }

    /// Builds the card of the first tour's first step once, lays it out as `show` would (at its
    /// target when that is in reach, else at the centre), and removes it,
    /// all in one task while the page is idle after the first evaluation: the browser paints
    /// none of it, and nothing of the engine, the page or the events changes. A card's first
    /// show is otherwise several times slower than later ones: V8 compiles each wasm function
    /// at its first call, and the browser resolves the card's fonts and styles at its first
    /// layout. Skipped when a tour already runs (its own show did that work) or the spec has
    /// no tour. Measured in BENCHMARKS.md ("Tours").
    fn rehearse(&mut self, shell: &Shell) {
        self.rehearsal = None;
        let flows = self.engine.model.flows.len();
        if !self.started || !self.waits.is_empty() || (0..flows).any(|f| self.is_tour(f) && self.engine.run(f).is_some()) {
            return;
        }
        let Some(v) = view::rehearsal(&self.engine) else { return };
        let target = match &v.kind {
            Kind::Step(s) => layout::find(&self.doc, &s.targets),
            _ => None,
        };
        let rtl = self.mount.rtl(target.as_ref());
        let Some(w) = render::build(&self.doc, &v, rtl, 0) else { return };
        let flow = w.flow;
        let _ = self.mount.layer.append_child(&w.root);
        self.widgets.push(w);
        // At its target when it is in reach, else at the centre; never anchored (anchoring
        // writes to the target), and no check for a covering header (it hits the page).
        if let Some(t) = target {
            let scope = layout::clippers(&self.doc, &t);
            if layout::reachable(&self.doc, &t, &scope) {
                self.anchors.keep_off(flow, &t);
                self.targets.push((flow, t, scope, 0.0));
            }
        }
        let watching = self.watch.is_some();
        self.layout(shell);
        self.targets.retain(|x| x.0 != flow);
        self.anchors.forget(flow);
        if !watching {
            self.watch = None;
        }
        // Dropping the widget takes its elements out.
        self.widgets.pop();
        let _ = self.engine.progress.to_text();
    }

    fn is_tour(&self, flow: usize) -> bool {
        matches!(self.engine.model.flows.get(flow).map(|f| &f.body), Some(crate::core::model::Body::Tour(_)))
    }

    fn selectors(&self, flow: usize, step: usize) -> Option<Vec<String>> {
        match self.engine.model.flows.get(flow).map(|f| &f.body) {
            Some(crate::core::model::Body::Tour(t)) => t.steps.get(step).map(|s| s.target.clone()),
            Some(crate::core::model::Body::Hint(h)) => Some(h.target.clone()),
            _ => None,
        }
    }

    fn show(&mut self, flow: usize, shell: &Shell) {
        let Some(v) = view::view(&self.engine, flow) else { return };
        // Resolve the target first: the widget is positioned against it.
        let targets: Vec<String> = match &v.kind {
            Kind::Step(s) if !s.centered => s.targets.clone(),
            Kind::Hint(h) => h.targets.clone(),
            _ => Vec::new(),
        };
        let target = if targets.is_empty() { None } else { layout::find(&self.doc, &targets) };
        if !targets.is_empty() && target.is_none() {
            // Gone between the lookup and now: let the engine apply the step's policy.
            if let Some(step) = self.engine.run(flow).map(|r| r.step) {
                shell.queue.borrow_mut().push_back(Job::Engine(Input::Target { flow, step, what: Target::Lost }));
            }
            return;
        }
        let focused_key = self.focused_key();
        self.widgets.retain(|w| w.flow != flow);
        self.mount.raise();
        let rtl = self.mount.rtl(target.as_ref());
        self.uid += 1;
        let Some(w) = render::build(&self.doc, &v, rtl, self.uid) else { return };
        let _ = self.mount.layer.append_child(&w.root);
        let (modal, takes_focus) = match &v.kind {
            Kind::Step(s) => (s.modal, true),
            Kind::Announcement(a) => {
                let m = a.style == crate::core::spec::types::AnnouncementStyle::Modal;
                (m, m)
            }
            Kind::Hint(h) => (false, h.open),
            _ => (false, false),
        };
        let card = w.card.clone();
        let new_target = match (&target, self.targets.iter().find(|(f, _, _, _)| *f == flow)) {
            (Some(t), Some((_, old, _, _))) => t != old,
            (Some(_), None) => true,
            _ => false,
        };
        self.widgets.push(w);
        self.mark_corner();
        match target {
            Some(t) => {
                if new_target {
                    let clippers = match self.located.take() {
                        Some((e, scope)) if e == t => scope,
                        _ => layout::clippers(&self.doc, &t),
                    };
                    if matches!(&v.kind, Kind::Step(_)) {
                        layout::scroll_into_view(&self.doc, &t, &clippers.0, !self.reduced_motion);
                    }
                    if let Some(ro) = &self.resize {
                        ro.observe(&t);
                    }
                    self.targets.retain(|(f, _, _, _)| *f != flow);
                    // Look for a covering header while the scroll into view settles (a smooth
                    // scroll takes a few hundred ms), not on every later frame: the check hits
                    // the page (elementsFromPoint), and the user's own scrolling is theirs.
                    self.targets.push((flow, t, clippers, now() + HEADER_CHECK_MS));
                }
            }
            None => self.targets.retain(|(f, _, _, _)| *f != flow),
        }
        if let (Some(ro), Some(c)) = (&self.resize, &card) {
            ro.observe(c);
        }
        // Measure and place before the browser paints, so nothing flashes at 0,0. Anchored, the
        // next frame (still before the first paint) checks the card is where its offset says.
        self.layout(shell);
        if self.anchors.name(flow).is_some() {
            self.schedule_frame(shell);
        }
        // Focus first, then the page goes inert: focus() brings style and layout up to date,
        // and with only the card's writes pending that is a small update of the top layer;
        // after the inert attributes it would restyle the whole page a second time before the
        // first paint (the browser's own frame does that once).
        // A step that is not modal leaves focus in a field of the page the user is typing in
        // (their next keys are not the card's), and with it what the page shows while the
        // field has focus (suggestions under a search box: `:focus-within`), which the step
        // may point at. The live region still announces the step.
        let takes_focus = takes_focus && (modal || !crate::dom::focus::typing(&self.doc, &self.mount.host));
        match (focused_key, &card) {
            (Some(k), _) => self.refocus(flow, &k),
            (None, Some(c)) if takes_focus => self.focus.take(&self.doc, &self.mount.host, c),
            _ => {}
        }
        self.focus.inert(&self.doc, &self.mount.host, self.any_modal());
        if modal {
            self.focus.inert(&self.doc, &self.mount.host, true);
        }
    }

    /// `data-checklist` on the layer while a checklist shows: its launcher and panel hold the
    /// bottom corner, and a slideout takes the other one (style.css). An attribute, not
    /// `:has()`: WebKit does not restyle a `:has()` match in a shadow tree when it changes.
    fn mark_corner(&self) {
        let _ = match self.widgets.iter().find_map(|w| match &w.view.kind {
            Kind::Checklist(c) => Some(c.open),
            _ => None,
        }) {
            Some(open) => self.mount.layer.set_attribute("data-checklist", if open { "open" } else { "" }),
            None => self.mount.layer.remove_attribute("data-checklist"),
        };
    }

    fn any_modal(&self) -> bool {
        self.widgets.iter().any(|w| matches!(&w.view.kind, Kind::Step(s) if s.modal) || matches!(&w.view.kind, Kind::Announcement(a) if a.style == crate::core::spec::types::AnnouncementStyle::Modal))
    }

    /// The data attribute of the focused element inside Shirube, to restore focus after a
    /// re-render.
    fn focused_key(&self) -> Option<(String, String)> {
        let a = self.mount.root.active_element()?;
        for attr in ["data-shirube-item", "data-shirube-score", "data-shirube-action", "data-shirube-toggle", "data-shirube-beacon"] {
            if let Some(v) = a.get_attribute(attr) {
                return Some((attr.to_string(), v));
            }
        }
        None
    }

    fn refocus(&self, flow: usize, key: &(String, String)) {
        let Some(w) = self.widgets.iter().find(|w| w.flow == flow) else { return };
        let sel = ["[", key.0.as_str(), "=\"", &key.1.replace('"', ""), "\"]"].concat();
        if let Some(e) = w.root.query_selector(&sel).ok().flatten().and_then(|e| e.dyn_into::<HtmlElement>().ok()) {
            crate::dom::focus::focus_in_place(&e);
        } else if let Some(c) = &w.card {
            crate::dom::focus::focus_in_place(c);
        }
    }

    fn hide(&mut self, flow: usize) {
        let had = self.widgets.iter().any(|w| w.flow == flow);
        let took_focus = self.widgets.iter().any(|w| w.flow == flow && (matches!(&w.view.kind, Kind::Step(_)) || matches!(&w.view.kind, Kind::Announcement(a) if a.style == crate::core::spec::types::AnnouncementStyle::Modal)));
        self.widgets.retain(|w| w.flow != flow);
        self.mark_corner();
        if let Some(ro) = &self.resize {
            if let Some((_, t, _, _)) = self.targets.iter().find(|(f, _, _, _)| *f == flow) {
                ro.unobserve(t);
            }
        }
        self.targets.retain(|(f, _, _, _)| *f != flow);
        self.anchors.forget(flow);
        self.waits.retain(|w| w.0 != flow);
        if !self.any_modal() {
            self.focus.inert(&self.doc, &self.mount.host, false);
        }
        if had && took_focus && self.engine.run(flow).is_none() {
            self.focus.give_back();
        }
    }

    /// Element triggers and awaited targets, after DOM changes.
    fn check_watches(&mut self, shell: &Shell) {
        for (flow, sel, present) in self.watches.iter_mut() {
            let now_present = layout::find(&self.doc, std::slice::from_ref(sel)).is_some();
            if now_present != *present {
                *present = now_present;
                shell.queue.borrow_mut().push_back(Job::Engine(Input::Element { flow: *flow, present: now_present }));
            }
        }
        self.check_waits(shell);
        // The web components' shadow roots the search listed are watched too: a target one
        // renders later is seen at once.
        if let Some(m) = &self.mutations {
            self.shadows = layout::shadows_since(self.shadows, |r| m.observe(r));
        }
        // Still awaiting something: looked for again in `SEEK_MS` if no DOM change comes first
        // (a waiting step, which the user is in the middle of), else in `SEEK_IDLE_MS` (an
        // element trigger, which may stay absent for the whole visit).
        if self.seek.is_none() && (!self.waits.is_empty() || self.watches.iter().any(|w| !w.2)) {
            let w = shell.weak();
            let ms = if self.waits.is_empty() { SEEK_IDLE_MS } else { SEEK_MS };
            self.seek = Timeout::new(ms, move || {
                if let Some(s) = w.upgrade() {
                    s.dispatch(Job::Seek);
                }
            });
        }
        // Targets that left the page or went out of sight, and dialogs opened by the page.
        let lost: Vec<(usize, Target)> = self
            .targets
            .iter()
            .filter_map(|(f, t, scope, _)| {
                if !t.is_connected() || t.get_client_rects().length() == 0 {
                    Some((*f, Target::Lost))
                } else if self.is_tour(*f) && !layout::reachable(&self.doc, t, scope) {
                    Some((*f, Target::Hidden))
                } else {
                    None
                }
            })
            .collect();
        // One that another element matching the step's selectors stands in for (a framework
        // rendered the target again; a responsive page swapped its desktop copy for its phone
        // copy) is followed there: the widget stays up, focus where it was, no event.
        let lost: Vec<(usize, Target)> = lost.into_iter().filter(|(flow, _)| !self.follow(*flow)).collect();
        for (flow, what) in lost {
            self.targets.retain(|(f, _, _, _)| *f != flow);
            if let Some(step) = self.engine.run(flow).map(|r| r.step) {
                shell.queue.borrow_mut().push_back(Job::Engine(Input::Target { flow, step, what }));
            }
        }
        if !self.widgets.is_empty() {
            self.mount.raise();
        }
    }

    /// The page's state changed with no DOM change the observers report (`Job::State`): while
    /// a target is awaited or shown, what is known absent is forgotten and the page looked at
    /// again in the next frame.
    fn state_changed(&mut self, shell: &Shell) {
        if !self.waits.is_empty() || !self.targets.is_empty() || !self.watches.is_empty() {
            layout::forget_absent();
            self.schedule_check(shell);
        }
    }

    /// Looks at the page again (`Job::Check`) in the next frame. Mutations come in bursts:
    /// once per frame.
    fn schedule_check(&mut self, shell: &Shell) {
        if self.check.is_none() {
            let w = shell.weak();
            self.check = Frame::new(move || {
                if let Some(s) = w.upgrade() {
                    s.dispatch(Job::Check);
                }
            });
        }
    }

    /// Moves `flow`'s shown widget to the element its selectors find now, when that is another
    /// one and, for a tour step, in reach. Whether it did.
    fn follow(&mut self, flow: usize) -> bool {
        let Some(step) = self.engine.run(flow).map(|r| r.step) else { return false };
        if self.look(flow, step) != Target::Found {
            return false;
        }
        let found = match self.located.take() {
            Some(x) => Some(x),
            None => self.selectors(flow, step).and_then(|s| layout::find(&self.doc, &s)).map(|t| {
                let scope = layout::clippers(&self.doc, &t);
                (t, scope)
            }),
        };
        let Some((t, scope)) = found else { return false };
        let Some(i) = self.targets.iter().position(|x| x.0 == flow && x.1 != t) else { return false };
        if let Some(ro) = &self.resize {
            ro.unobserve(&self.targets[i].1);
            ro.observe(&t);
        }
        let until = self.targets[i].3;
        self.targets[i] = (flow, t, scope, until);
        true
    }

    /// Awaited targets: found (and for a step, in reach), or now out of sight rather than absent
    /// (or back to absent), which the engine keeps for `target_missing` and the debug overlay.
    fn check_waits(&mut self, shell: &Shell) {
        for (flow, step, hidden) in self.waits.clone() {
            let what = self.look(flow, step);
            if what == Target::Found {
                self.waits.retain(|w| w.0 != flow);
            } else if (what == Target::Hidden) != hidden {
                if let Some(w) = self.waits.iter_mut().find(|w| w.0 == flow) {
                    w.2 = !hidden;
                }
            } else {
                continue;
            }
            shell.queue.borrow_mut().push_back(Job::Engine(Input::Target { flow, step, what }));
        }
    }

    /// The page's path or query changed since it was last seen: a page view for the engine.
    fn url_changed(&mut self, shell: &Shell) {
        let (p, q) = nav::location(&self.win);
        if p != self.url.0 || q != self.url.1 {
            self.url = (p.clone(), q.clone());
            self.header = None;
            let fx = self.engine.handle(now(), Input::PageView { path: p, query: q });
            self.apply(fx, shell);
        }
    }

    /// Measures every positioned widget, then writes the positions (one read pass, one write
    /// pass, so the browser lays out once). A widget next to a target is anchored to it where
    /// the browser can (`dom::anchor`): then it is written as an offset from the target, which
    /// scrolling does not change, so a frame that only scrolled writes nothing.
    fn layout(&mut self, shell: &Shell) {
        self.layout_for(shell, false);
    }

    /// `scrolled`: only scroll positions changed since the last layout, so the viewport's and
    /// the cards' sizes and the anchors are as they were (read again on every other layout:
    /// show, resize, observed size changes, DOM changes).
    fn layout_for(&mut self, shell: &Shell, scrolled: bool) {
        // With nothing shown, nothing is measured: reading the viewport's size right after the
        // page changed its DOM would make the browser lay the page out in this frame for
        // nothing (a dashboard whose clock ticks in every frame, while hints wait for targets).
        let vp = match self.viewport {
            Some(v) if scrolled || self.widgets.is_empty() => v,
            _ if self.widgets.is_empty() => position::Rect::new(0.0, 0.0, 0.0, 0.0),
            _ => {
                self.mount.unzoom();
                let v = layout::viewport(&self.doc);
                if self.viewport.is_some_and(|o| (o.w, o.h) != (v.w, v.h)) {
                    self.header = None;
                }
                self.viewport = Some(v);
                v
            }
        };
        // Looked for again when the page rendered its bar anew (an app shell re-rendered).
        if self.header.as_ref().is_some_and(|s| s.iter().any(|h| !h.is_connected())) {
            self.header = None;
        }
        if self.header.is_none() && !scrolled && !self.targets.is_empty() {
            self.header = Some(layout::top_bar(&self.doc, &self.mount.host));
        }
        // The header bars' bottom edge, while they cover the top of the viewport, each where
        // the one above ends (one that slid away as the page scrolled down covers nothing).
        let bar = self.header.as_ref().and_then(|stack| {
            let mut bottom = 0.0;
            for h in stack {
                let r = layout::rect(h);
                if r.y > bottom + 1.0 || r.bottom() <= bottom {
                    break;
                }
                bottom = r.bottom();
            }
            (bottom > 0.0).then_some((stack, bottom))
        });
        struct Plan {
            flow: usize,
            card: Option<(At, &'static str, f64, bool)>,
            beacon: Option<(At, bool)>,
            overlay: Option<(position::Cutout, Option<(i64, i64)>)>,
            anchored: bool,
            target_at: Option<(f64, f64)>,
            size: Option<(f64, f64)>,
            /// The card's height limit (`position::fit`), its body scrolling; `None`: none.
            max_h: Option<f64>,
        }
        // Anchors of flows that no longer show a widget at a target go back first.
        // (A scroll changes neither, so its layouts skip this.)
        if !scrolled {
            for f in self.anchors.flows() {
                if !self.widgets.iter().any(|w| w.flow == f) || !self.targets.iter().any(|t| t.0 == f) {
                    self.anchors.release(f);
                }
            }
        }
        let mut plans: Vec<Plan> = Vec::new();
        let mut covered: Vec<(usize, f64)> = Vec::new();
        let mut checked: Vec<usize> = Vec::new();
        let mut settling = false;
        // While the page shows a modal dialog, only what points into it shows; the rest waits
        // until the dialog closes (it would sit on the dialog and block it).
        // Most pages have no <dialog> at all: a live collection's length answers that without
        // running the `:modal` query in every frame.
        let has_dialogs = self.dialogs.get_or_insert_with(|| self.doc.get_elements_by_tag_name("dialog")).length() > 0;
        let dialog: Option<Element> = if has_dialogs {
            self.doc.query_selector_all("dialog:modal").ok().and_then(|l| if l.length() > 0 { l.item(l.length() - 1) } else { None }).and_then(|n| n.dyn_into().ok())
        } else {
            None
        };
        let mut paused: Vec<(usize, bool)> = Vec::new();
        for w in &self.widgets {
            let target_el = self.targets.iter().find(|(f, _, _, _)| *f == w.flow).map(|(_, t, _, _)| t);
            paused.push((w.flow, dialog.as_ref().is_some_and(|d| !target_el.is_some_and(|t| d.contains(Some(t))))));
        }
        for w in &self.widgets {
            let target = self.targets.iter().find(|(f, _, _, _)| *f == w.flow);
            let (trect, clip, check_header) = match target {
                Some((_, t, cl, until)) => (Some(layout::rect(t)), layout::clip(vp, &cl.0), *until > 0.0 && now() < *until),
                None => (None, vp, false),
            };
            // Below the header bar, for a target that scrolls under it (not one in the bar or
            // in something fixed): where the card may go, and what of the target can be seen.
            let under = match (&bar, target) {
                (Some((bars, y)), Some((_, t, cl, _))) if !cl.1 && !bars.iter().any(|h| h.contains(Some(t))) => *y,
                _ => 0.0,
            };
            let below = |r: position::Rect| if under > r.y { position::Rect::new(r.x, under, r.w, (r.bottom() - under).max(0.0)) } else { r };
            let (seen, clip, room) = (clip, below(clip), below(vp));
            // The card's natural size: a body that scrolls because of an earlier limit counts
            // whole. A scroll changes neither, and reuses the size as fitted.
            let size = match w.written.size {
                Some(s) if scrolled => Some(s),
                _ => w.card.as_ref().map(|c| {
                    let hidden = w.scroller.as_ref().map_or(0, |b| b.scroll_height() - b.client_height()).max(0);
                    (c.offset_width() as f64, (c.offset_height() + hidden) as f64)
                }),
            };
            // Judged again on every layout but a scroll's (the room beside the target changes
            // as it scrolls, but writing the limit in every frame of a scroll would restyle the
            // card in each).
            let limit = |fitted: Option<f64>| if scrolled { w.written.max_h } else { fitted };
            let mut anchored = match (target, &w.view.kind) {
                (Some((f, _, _, _)), _) if scrolled => self.anchors.name(*f).is_some(),
                (Some((f, t, _, _)), Kind::Step(s)) if !s.centered => self.anchors.hold(*f, t).is_some(),
                (Some((f, t, _, _)), Kind::Hint(_)) => self.anchors.hold(*f, t).is_some(),
                _ => false,
            };
            // An anchored card that is not where its offset says (an ancestor of the target was
            // transformed after anchoring, which anchor() ignores, or the page replaced the
            // target's style; a transform already there is seen before anchoring):
            // this target is positioned by viewport coordinates from now on.
            // Judged only when the target has stood still for STILL_MS: while anything scrolls,
            // browsers move anchored elements from a snapshot of the scroll offsets that
            // getBoundingClientRect can see a frame late (Chromium), or a scroll step behind for
            // a whole smooth scroll inside a scroll container (Firefox), with layouts that see the
            // target unmoved twice in one frame. Not yet still: look again in the next frame.
            // The card, the beacon and the overlay's layer are each judged: a browser can leave
            // one of them behind (Chromium, the overlay's layer after its target was taken out
            // of the page and put back).
            if let Some(r) = trect {
                if anchored && w.written.paused == Some(false) && w.written.target_at == Some((r.x, r.y)) {
                    let placed: [(Option<&Element>, Option<At>); 3] = [
                        (w.card.as_ref().map(|c| c.as_ref()), w.written.card_at),
                        (w.beacon.as_ref().map(|b| b.as_ref()), w.written.beacon_at),
                        (w.overlay_layer.as_ref().map(|s| s.as_ref()), w.written.overlay_at),
                    ];
                    if now() - w.written.target_since < STILL_MS {
                        settling = true;
                    } else if placed.iter().any(|(e, at)| match (e, at) {
                        (Some(e), Some(At::Anchor(dx, dy))) => {
                            let got = e.get_bounding_client_rect();
                            got.width() > 0.0 && ((got.x() - (r.x + *dx as f64)).abs() > 1.5 || (got.y() - (r.y + *dy as f64)).abs() > 1.5)
                        }
                        _ => false,
                    }) {
                        self.anchors.refuse(w.flow);
                        anchored = false;
                    }
                }
            }
            let origin = match (anchored, trect) {
                (true, Some(r)) => Some((r.x, r.y)),
                _ => None,
            };
            let mut plan = Plan { flow: w.flow, card: None, beacon: None, overlay: None, anchored, target_at: trect.map(|r| (r.x, r.y)), size, max_h: None };
            let rtl = w.rtl;
            match &w.view.kind {
                Kind::Step(s) => {
                    if let (Some(size), Some(r)) = (size, trect.filter(|_| !s.centered)) {
                        let mut q = Request { reference: r, clip, viewport: room, size, placement: s.placement, offset: s.offset as f64, margin: 8.0, arrow_inset: 16.0, rtl };
                        plan.max_h = limit(position::fit(&q));
                        q.size.1 = plan.max_h.map_or(size.1, |m| m.min(size.1));
                        plan.size = Some(q.size);
                        let p = position::compute(&q);
                        plan.card = Some((At::new(p.x, p.y, origin), p.side.as_str(), p.arrow, p.hidden));
                        if w.overlay.is_some() {
                            let hole = r.intersect(&clip);
                            let c = position::cutout(&vp, hole.as_ref(), s.padding as f64, 8.0);
                            let off = origin.map(|(ox, oy)| ((c.at.0 as f64 - ox).round() as i64, (c.at.1 as f64 - oy).round() as i64));
                            plan.overlay = Some((c, off));
                        }
                        // Once the target stands still (the scroll into view has settled): it
                        // hits the page (elementsFromPoint), so not in every frame of a scroll.
                        // A card hidden only because its target is under the header bar is
                        // checked too, once the target has stood still for STILL_MS (not in
                        // a frame of a scroll that passes under the bar): the page itself may
                        // have put it there (a link to a fragment scrolls its element to the
                        // very top, under a sticky bar).
                        let under_bar = p.hidden && r.y < under && r.intersect(&seen).is_some();
                        let check = check_header && (!p.hidden || under_bar);
                        if check && (w.written.target_at != Some((r.x, r.y)) || (under_bar && now() - w.written.target_since < STILL_MS)) {
                            settling = true;
                        } else if check {
                            if let Some((_, t, _, _)) = target {
                                // Under the header bar: known without hit testing (which the
                                // inert page behind a modal step escapes); else whatever fixed
                                // or sticky element covers the target's top.
                                let d = if r.y < under { Some(under - r.y + 8.0) } else { layout::covered_by_header(&self.doc, t, &self.mount.host) };
                                if let Some(d) = d {
                                    covered.push((w.flow, d));
                                }
                                checked.push(w.flow);
                            }
                        }
                    } else if let Some(mut size) = size {
                        plan.max_h = limit(position::fit_centered(&vp, size.1, 8.0));
                        size.1 = plan.max_h.map_or(size.1, |m| m.min(size.1));
                        plan.size = Some(size);
                        let (x, y) = position::center(&vp, size);
                        plan.card = Some((At::new(x, y, None), "", 0.0, false));
                        if w.overlay.is_some() {
                            plan.overlay = Some((position::cutout(&vp, None, 0.0, 0.0), None));
                        }
                    }
                }
                Kind::Hint(h) => {
                    if let Some(r) = trect {
                        let hidden = r.intersect(&clip).is_none();
                        // The beacon sits on the target's top corner at the reading end.
                        let bx = if rtl { r.x - 10.0 } else { r.right() - 10.0 };
                        plan.beacon = Some((At::new(bx.round(), (r.y - 10.0).round(), origin), hidden));
                        if let Some(size) = size {
                            let mut q = Request { reference: r, clip, viewport: room, size, placement: h.placement, offset: 14.0, margin: 8.0, arrow_inset: 16.0, rtl };
                            plan.max_h = limit(position::fit(&q));
                            q.size.1 = plan.max_h.map_or(size.1, |m| m.min(size.1));
                            plan.size = Some(q.size);
                            let p = position::compute(&q);
                            plan.card = Some((At::new(p.x, p.y, origin), p.side.as_str(), p.arrow, p.hidden));
                        }
                    }
                }
                Kind::Announcement(_) => {
                    if let Some(mut size) = size {
                        plan.max_h = limit(position::fit_centered(&vp, size.1, 8.0));
                        size.1 = plan.max_h.map_or(size.1, |m| m.min(size.1));
                        plan.size = Some(size);
                        let (x, y) = position::center(&vp, size);
                        plan.card = Some((At::new(x, y, None), "", 0.0, false));
                    }
                }
                _ => {}
            }
            plans.push(plan);
        }
        // Write pass: only what changed since the last frame.
        for (flow, pause) in &paused {
            if let Some(w) = self.widgets.iter_mut().find(|w| w.flow == *flow) {
                if w.written.paused != Some(*pause) {
                    let _ = w.root.set_attribute("class", if *pause { "flow hidden" } else { "flow" });
                    w.written.paused = Some(*pause);
                }
            }
        }
        let mut moved = false;
        for plan in plans {
            let Some(w) = self.widgets.iter_mut().find(|w| w.flow == plan.flow) else { continue };
            let done = &mut w.written;
            if done.target_at != plan.target_at {
                done.target_since = now();
                moved = true;
            }
            done.target_at = plan.target_at;
            done.size = plan.size;
            let anchor = if plan.anchored { self.anchors.name(plan.flow) } else { None };
            if let (Some((at, side, arrow, hidden)), Some(card)) = (plan.card, &w.card) {
                // Too tall for the room it has: limited, its body scrolls (and can be reached
                // with the keyboard), its title and buttons stay in view.
                if done.max_h != plan.max_h {
                    let st = card.style();
                    match plan.max_h {
                        Some(h) => drop(st.set_property("max-height", &px(h as i64))),
                        None => drop(st.remove_property("max-height")),
                    }
                    if let Some(b) = &w.scroller {
                        let _ = match plan.max_h {
                            Some(_) => b.set_attribute("tabindex", "0"),
                            None => b.remove_attribute("tabindex"),
                        };
                    }
                    done.max_h = plan.max_h;
                }
                place(card, at, anchor, hidden, &mut done.card_at, &mut done.card_hidden);
                if !side.is_empty() && done.side != side {
                    let _ = card.set_attribute("data-side", side);
                    done.side = side;
                }
                if let Some(a) = &w.arrow {
                    let vertical = side == "top" || side == "bottom";
                    let key = (vertical, arrow as i64 - 6);
                    if done.arrow != Some(key) {
                        let ast = a.style();
                        let _ = ast.set_property(if vertical { "left" } else { "top" }, &px(key.1));
                        let _ = ast.remove_property(if vertical { "top" } else { "left" });
                        done.arrow = Some(key);
                    }
                }
            }
            if let (Some((at, hidden)), Some(b)) = (plan.beacon, &w.beacon) {
                place(b, at, anchor, hidden, &mut done.beacon_at, &mut done.beacon_hidden);
            }
            if let (Some((c, off)), Some(p)) = (plan.overlay, &w.overlay) {
                // The path is rewritten only when the hole's size or the viewport changes; a
                // scroll moves the overlay's own layer (see `position::cutout`): anchored, the
                // browser does it; else the layout translates it.
                if done.overlay != c.d {
                    let _ = p.set_attribute("d", &c.d);
                    done.overlay = c.d;
                }
                if let Some(svg) = &w.overlay_layer {
                    let at = match off {
                        Some((x, y)) => At::Anchor(x, y),
                        None => At::Viewport(c.at.0, c.at.1),
                    };
                    if done.overlay_at != Some(at) {
                        move_to(svg, &svg.style(), at, anchor, &mut done.overlay_at, true);
                    }
                }
            }
        }
        // A sticky or fixed header covers the target: scroll once so it shows below it. Checked
        // once; a target still moving is looked at again in the next frame.
        for flow in checked {
            if let Some(entry) = self.targets.iter_mut().find(|(f, _, _, _)| *f == flow) {
                entry.3 = 0.0;
            }
        }
        for (flow, delta) in covered {
            if let Some(entry) = self.targets.iter().find(|(f, _, _, _)| *f == flow) {
                layout::scroll_by(&self.doc, &(entry.2).0, delta);
            }
        }
        // A target moved with nothing to report it (an animation of the Web Animations API):
        // follow it every frame until it stands still.
        if self.chase {
            self.chase = moved;
            settling |= moved;
        }
        // The page's transitions and animations are running: follow them every frame.
        if self.motion.0 > 0 && (!self.targets.is_empty() || !self.waits.is_empty()) {
            if now() - self.motion.1 < MOTION_MS {
                settling = true;
            } else {
                self.motion.0 = 0;
            }
        }
        if settling {
            self.schedule_frame(shell);
        } else {
            self.arm_watch(shell);
        }
        self.focus.retry(&self.doc);
    }

    /// Measures the shown targets again in `WATCH_MS` (while no frame is due anyway).
    fn arm_watch(&mut self, shell: &Shell) {
        if self.watch.is_none() && !self.targets.is_empty() {
            let w = shell.weak();
            self.watch = Timeout::new(WATCH_MS, move || {
                if let Some(s) = w.upgrade() {
                    s.dispatch(Job::Watch);
                }
            });
        }
    }

    pub fn schedule_frame(&mut self, shell: &Shell) {
        if self.frame.is_none() {
            let w = shell.weak();
            self.frame = Frame::new(move || {
                if let Some(s) = w.upgrade() {
                    s.dispatch(Job::Frame);
                }
            });
        }
    }
}
