//! The `#[wasm_bindgen]` surface: the only functions JS can call. Values cross as JSON text or
//! numbers (no serde-wasm-bindgen: it costs size and the core already speaks JSON). Errors
//! leave as JS errors or `error` events; nothing here may panic into the host page.

use crate::core::json::{self, Json};
use crate::core::engine::{Input, Ui, Via};
use crate::runtime::{Hooks, Job, Options, Shell};
use std::rc::Rc;
use wasm_bindgen::prelude::*;

/// Validates spec text; returns `{"ok": bool, "diagnostics": [...]}` as JSON text.
#[wasm_bindgen(js_name = validateSpec)]
pub fn validate_spec(src: &str) -> String {
    let v = crate::core::spec::validate(src);
    let mut out = String::from("{\"ok\":");
    out.push_str(if v.ok() { "true" } else { "false" });
    out.push_str(",\"diagnostics\":");
    out.push_str(&crate::core::diagnostic::to_json_array(&v.diagnostics));
    out.push('}');
    out
}

/// The crate version, for `sdk.version` on the wire.
#[wasm_bindgen(js_name = sdkVersion)]
pub fn sdk_version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

/// One running SDK instance. Dropping it (or `destroy()`) removes everything it added.
#[wasm_bindgen]
pub struct Sdk {
    shell: Option<Rc<Shell>>,
}

fn parse(text: &str) -> Json {
    json::parse(text).map(|(n, _)| n.v).unwrap_or(Json::Null)
}

#[wasm_bindgen]
impl Sdk {
    /// Validates the spec and starts. On an invalid spec, throws the validation result as JSON
    /// text (`{"ok": false, "diagnostics": [...]}`) and shows nothing.
    pub fn create(spec: &str, options: &str, emit: js_sys::Function, call: js_sys::Function, navigate: js_sys::Function) -> Result<Sdk, JsValue> {
        let v = crate::core::spec::validate(spec);
        let Some(model) = v.model else {
            return Err(JsValue::from_str(&validate_spec(spec)));
        };
        let opts = Options::from_json(&parse(options));
        match Shell::start(model, opts, Hooks { emit, call, navigate }) {
            Ok(shell) => Ok(Sdk { shell: Some(shell) }),
            Err(msg) => {
                let mut s = String::from("{\"ok\":true,\"message\":");
                json::write_str(&mut s, &msg);
                s.push('}');
                Err(JsValue::from_str(&s))
            }
        }
    }

    fn send(&self, job: Job) {
        if let Some(s) = &self.shell {
            s.ensure_started();
            s.dispatch(job);
        }
    }

    fn started(&self) -> Option<&std::rc::Rc<Shell>> {
        let s = self.shell.as_ref()?;
        s.ensure_started();
        Some(s)
    }

    fn flow_index(&self, id: &str) -> Option<usize> {
        self.shell.as_ref()?.with(|i| i.engine.model.flow_index(id)).flatten()
    }

    /// `track(name, propertiesJson)`.
    pub fn track(&self, name: &str, properties: &str) {
        self.send(Job::Engine(Input::Track { name: name.to_string(), properties: parse(properties) }));
    }

    /// Starts a flow by id, optionally at a tour step; false when there is no such flow or it
    /// is switched off (`"enabled": false`).
    pub fn start(&self, flow: &str, step: Option<String>) -> bool {
        let Some(f) = self.flow_index(flow) else { return false };
        if self.shell.as_ref().and_then(|s| s.with(|i| i.engine.model.flows.get(f).is_some_and(|x| x.enabled))) != Some(true) {
            return false;
        }
        let step_index = step.and_then(|s| {
            self.shell.as_ref()?.with(|i| match i.engine.model.flows.get(f).map(|x| &x.body) {
                Some(crate::core::model::Body::Tour(t)) => t.steps.iter().position(|x| x.id == s),
                _ => None,
            })?
        });
        self.send(Job::Engine(Input::Start { flow: f, step: step_index }));
        true
    }

    pub fn next(&self) {
        self.send(Job::Engine(Input::Current(Ui::Next)));
    }

    pub fn back(&self) {
        self.send(Job::Engine(Input::Current(Ui::Back)));
    }

    pub fn dismiss(&self) {
        self.send(Job::Engine(Input::Current(Ui::Dismiss(Via::Action))));
    }

    /// `identify(userId or null, traitsJson, userHash)`.
    pub fn identify(&self, user: Option<String>, traits: &str, hash: Option<String>) {
        self.send(Job::Identify(user.filter(|u| !u.is_empty()), parse(traits), hash.filter(|h| !h.is_empty())));
    }

    /// What is on screen, milestones, stage and checklist progress, as JSON text.
    pub fn state(&self) -> String {
        self.started().and_then(|s| s.with(|i| i.engine.state().write(false))).unwrap_or_else(|| "null".into())
    }

    /// For each flow, whether it shows and why (debug mode), as JSON text.
    pub fn explain(&self) -> String {
        self.started()
            .and_then(|s| {
                s.with(|i| {
                    let list: Vec<Json> = i
                        .engine
                        .explain()
                        .into_iter()
                        .map(|st| {
                            let f = i.engine.model.flows.get(st.flow);
                            let checks = i.engine.selectors_here(st.flow).into_iter().map(|(what, sels)| Json::obj(vec![("what", Json::Str(what)), ("selectors", Json::arr(sels.into_iter().map(Json::Str).collect()))])).collect();
                            Json::obj(vec![
                                ("flow", Json::str(f.map(|f| f.id.as_str()).unwrap_or(""))),
                                ("kind", Json::str(f.map(|f| f.kind.as_str()).unwrap_or(""))),
                                ("showing", Json::Bool(st.showing)),
                                ("why", Json::Str(st.why)),
                                ("targets", Json::arr(checks)),
                            ])
                        })
                        .collect();
                    Json::arr(list).write(false)
                })
            })
            .unwrap_or_else(|| "[]".into())
    }

    /// `consent("pending" | "granted" | "denied")`.
    pub fn consent(&self, mode: &str) {
        self.send(Job::Consent(crate::transport::Consent::parse(mode)));
    }

    /// Sends queued events now; calls `done` when nothing more can be sent now.
    pub fn flush(&self, done: js_sys::Function) {
        match &self.shell {
            Some(s) => s.dispatch(Job::Flush(done)),
            None => {
                let _ = done.call0(&JsValue::NULL);
            }
        }
    }

    /// Delivery state as JSON: `{"queued": n, "inflight": n, "stopped": bool, "dropped": {...}}`.
    pub fn delivery(&self) -> String {
        self.shell
            .as_ref()
            .and_then(|s| {
                s.with(|i| {
                    i.delivery_summary()
                })
            })
            .flatten()
            .unwrap_or_else(|| "null".into())
    }

    /// Removes every node, listener, observer and timer this instance added.
    pub fn destroy(&mut self) {
        if let Some(s) = self.shell.take() {
            s.dispatch(Job::Destroy);
        }
    }
}
