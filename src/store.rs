//! Progress persistence: localStorage under versioned keys, with an in-memory fallback. When
//! storage is blocked (privacy settings, sandboxed iframes) or full, the SDK keeps working from
//! memory and reports it once; nothing is thrown to the page.
//!
//! Keys (all prefixed `shirube:v1:`): `device` (this browser profile), `anon` (the anonymous
//! id), `session` (id and last activity), `p:{product}:{user}` (a user's progress, see
//! `core::progress`), and the delivery queue's keys (see `transport`).

use web_sys::Storage;

pub const PREFIX: &str = "shirube:v1:";

pub struct Store {
    storage: Option<Storage>,
    /// Keys kept in memory because storage refused them: a handful at most, so a list (a
    /// BTreeMap cost about 6 KB of wasm).
    memory: Vec<(String, String)>,
    /// Why storage is not used, once known; reported once by the runtime.
    pub problem: Option<String>,
    pub reported: bool,
}

impl Store {
    pub fn new() -> Store {
        let (storage, problem) = match web_sys::window().map(|w| w.local_storage()) {
            Some(Ok(Some(s))) => {
                // Some browsers expose storage but refuse writes (Safari private mode, quota 0).
                match s.set_item(&format!("{}probe", PREFIX), "1") {
                    Ok(()) => {
                        let _ = s.remove_item(&format!("{}probe", PREFIX));
                        (Some(s), None)
                    }
                    Err(_) => (None, Some("localStorage refuses writes".to_string())),
                }
            }
            Some(Ok(None)) | None => (None, Some("localStorage is not available".to_string())),
            Some(Err(_)) => (None, Some("localStorage is blocked".to_string())),
        };
        Store { storage, memory: Vec::new(), problem, reported: false }
    }

    pub fn persistent(&self) -> bool {
        self.storage.is_some()
    }

    pub fn get(&self, key: &str) -> Option<String> {
        if let Some((_, v)) = self.memory.iter().find(|(k, _)| k == key) {
            return Some(v.clone());
        }
        self.storage.as_ref().and_then(|s| s.get_item(key).ok().flatten())
    }

    /// Writes `value`; when storage refuses (full), keeps it in memory and records why.
    pub fn set(&mut self, key: &str, value: &str) {
        if let Some(s) = &self.storage {
            if s.set_item(key, value).is_ok() {
                self.memory.retain(|(k, _)| k != key);
                return;
            }
            if self.problem.is_none() {
                self.problem = Some("localStorage is full".to_string());
            }
        }
        match self.memory.iter_mut().find(|(k, _)| k == key) {
            Some((_, v)) => *v = value.to_string(),
            None => self.memory.push((key.to_string(), value.to_string())),
        }
    }

    pub fn remove(&mut self, key: &str) {
        self.memory.retain(|(k, _)| k != key);
        if let Some(s) = &self.storage {
            let _ = s.remove_item(key);
        }
    }

    /// Every stored key starting with `prefix` (for the delivery queues of other tabs).
    pub fn keys(&self, prefix: &str) -> Vec<String> {
        let mut out: Vec<String> = self.memory.iter().map(|(k, _)| k).filter(|k| k.starts_with(prefix)).cloned().collect();
        if let Some(s) = &self.storage {
            let n = s.length().unwrap_or(0);
            for i in 0..n {
                if let Ok(Some(k)) = s.key(i) {
                    if k.starts_with(prefix) && !out.contains(&k) {
                        out.push(k);
                    }
                }
            }
        }
        out
    }
}

impl Default for Store {
    fn default() -> Self {
        Store::new()
    }
}

pub fn progress_key(product: &str, user: &str) -> String {
    format!("{}p:{}:{}", PREFIX, product, user)
}
