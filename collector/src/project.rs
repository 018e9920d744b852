//! Projects as the server sees them: a registry looked up by write key and by admin token,
//! refreshed from the database so that several collector processes (and `project create` run
//! while they serve) agree; key generation; origin allow-lists; identity verification for
//! state sync (HMAC-SHA256 of the user id with the project's identity secret).
//!
//! It must not know HTTP statuses: handlers decide what a failed lookup means.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use crate::store::{ProjectRow, Store, StoreError};

#[derive(Debug)]
pub struct Project {
    pub id: i64,
    pub name: String,
    pub write_key: String,
    pub identity_secret: Option<String>,
    origins: Vec<String>,
}

impl Project {
    /// Whether a browser page at `origin` may send to this project. Entries are exact origins,
    /// `*`, or `scheme://*.domain` for every subdomain (not the domain itself).
    pub fn allows_origin(&self, origin: &str) -> bool {
        let origin = origin.to_ascii_lowercase();
        self.origins.iter().any(|allowed| {
            if allowed == "*" || *allowed == origin {
                return true;
            }
            match allowed.split_once("://*.") {
                Some((scheme, domain)) => origin
                    .strip_prefix(scheme)
                    .and_then(|r| r.strip_prefix("://"))
                    .is_some_and(|host| host.len() > domain.len() + 1 && host.ends_with(&format!(".{domain}"))),
                None => false,
            }
        })
    }

    /// Checks `user_hash = hex(HMAC-SHA256(identity_secret, user_id))` in constant time.
    /// `None` when the project has no identity secret (state sync is off).
    pub fn verify_user(&self, user_id: &str, hash_hex: &str) -> Option<bool> {
        let secret = self.identity_secret.as_ref()?;
        let Some(given) = hex_decode(hash_hex) else { return Some(false) };
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else { return Some(false) };
        mac.update(user_id.as_bytes());
        Some(mac.verify_slice(&given).is_ok())
    }
}

/// `hex(HMAC-SHA256(secret, message))`, what a customer's backend computes.
pub fn sign_user(secret: &str, user_id: &str) -> String {
    match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(mut mac) => {
            mac.update(user_id.as_bytes());
            hex(&mac.finalize().into_bytes())
        }
        Err(_) => String::new(),
    }
}

pub fn sha256_hex(s: &str) -> String {
    hex(&Sha256::digest(s.as_bytes()))
}

pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    s
}

fn hex_decode(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) || s.len() > 128 {
        return None;
    }
    let nibble = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    s.as_bytes().chunks(2).map(|p| match p {
        [a, b] => Some(nibble(*a)? << 4 | nibble(*b)?),
        _ => None,
    }).collect()
}

/// `prefix` followed by 32 hex digits from the operating system's random source.
pub fn generate_key(prefix: &str) -> Result<String, StoreError> {
    use std::io::Read;
    let mut buf = [0u8; 16];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut buf))
        .map_err(|e| StoreError(format!("cannot read /dev/urandom for a new key: {e}")))?;
    Ok(format!("{prefix}{}", hex(&buf)))
}

#[derive(Default)]
struct Index {
    by_write_key: HashMap<String, Arc<Project>>,
    by_admin: HashMap<String, Arc<Project>>,
}

/// The projects of this collector, as last read from the database.
pub struct Registry {
    index: RwLock<Arc<Index>>,
    refreshed: tokio::sync::Mutex<Instant>,
}

/// An unknown key triggers a re-read at most this often, so a project created a moment ago
/// works within a fraction of a second, but random keys cannot make every request hit the
/// database (at most four cheap reads a second).
const MISS_REFRESH: Duration = Duration::from_millis(250);

impl Registry {
    pub fn new() -> Registry {
        Registry { index: RwLock::new(Arc::new(Index::default())), refreshed: tokio::sync::Mutex::new(Instant::now()) }
    }

    pub async fn refresh(&self, store: &dyn Store) -> Result<usize, StoreError> {
        let rows = store.projects().await?;
        let n = rows.len();
        let mut ix = Index::default();
        for r in rows {
            let ProjectRow { id, name, write_key, admin_token_sha256, identity_secret, origins, .. } = r;
            let p = Arc::new(Project { id, name, write_key: write_key.clone(), identity_secret, origins });
            ix.by_write_key.insert(write_key, p.clone());
            ix.by_admin.insert(admin_token_sha256, p);
        }
        if let Ok(mut w) = self.index.write() {
            *w = Arc::new(ix);
        }
        *self.refreshed.lock().await = Instant::now();
        Ok(n)
    }

    fn snapshot(&self) -> Arc<Index> {
        self.index.read().map(|g| g.clone()).unwrap_or_default()
    }

    /// The project with this write key, re-reading the database once if it is unknown.
    pub async fn by_write_key(&self, store: &dyn Store, key: &str) -> Option<Arc<Project>> {
        if let Some(p) = self.snapshot().by_write_key.get(key) {
            return Some(p.clone());
        }
        self.refresh_on_miss(store).await;
        self.snapshot().by_write_key.get(key).cloned()
    }

    /// The project whose admin token this is.
    pub async fn by_admin_token(&self, store: &dyn Store, token: &str) -> Option<Arc<Project>> {
        let h = sha256_hex(token);
        if let Some(p) = self.snapshot().by_admin.get(&h) {
            return Some(p.clone());
        }
        self.refresh_on_miss(store).await;
        self.snapshot().by_admin.get(&h).cloned()
    }

    /// The project whose current admin token has this SHA-256 (a dashboard session keeps the
    /// hash of the token it was opened with, so rotating the token ends the session).
    pub async fn by_admin_sha256(&self, store: &dyn Store, hash: &str) -> Option<Arc<Project>> {
        if let Some(p) = self.snapshot().by_admin.get(hash) {
            return Some(p.clone());
        }
        self.refresh_on_miss(store).await;
        self.snapshot().by_admin.get(hash).cloned()
    }

    async fn refresh_on_miss(&self, store: &dyn Store) {
        let last = *self.refreshed.lock().await;
        if last.elapsed() >= MISS_REFRESH {
            if let Err(e) = self.refresh(store).await {
                tracing::warn!(error = %e, "re-reading projects failed");
            }
        }
    }
}

impl Default for Registry {
    fn default() -> Self {
        Registry::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(origins: &[&str], secret: Option<&str>) -> Project {
        Project {
            id: 1,
            name: "p".into(),
            write_key: "k".into(),
            identity_secret: secret.map(str::to_owned),
            origins: origins.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn origins() {
        let p = project(&["https://app.acme.com", "https://*.acme.dev"], None);
        assert!(p.allows_origin("https://app.acme.com"));
        assert!(p.allows_origin("https://APP.acme.com"));
        assert!(!p.allows_origin("http://app.acme.com"));
        assert!(!p.allows_origin("https://app.acme.com.evil.com"));
        assert!(p.allows_origin("https://x.acme.dev"));
        assert!(!p.allows_origin("https://acme.dev"));
        assert!(!p.allows_origin("https://xacme.dev"));
        assert!(project(&["*"], None).allows_origin("https://anything.example"));
        assert!(!project(&[], None).allows_origin("https://app.acme.com"));
    }

    #[test]
    fn identity() {
        // Reference value: printf 'u_42' | openssl dgst -sha256 -hmac sb_secret_demo
        let h = sign_user("sb_secret_demo", "u_42");
        assert_eq!(h.len(), 64);
        let p = project(&[], Some("sb_secret_demo"));
        assert_eq!(p.verify_user("u_42", &h), Some(true));
        assert_eq!(p.verify_user("u_42", &h.to_uppercase()), Some(true));
        assert_eq!(p.verify_user("u_43", &h), Some(false));
        assert_eq!(p.verify_user("u_42", "zz"), Some(false));
        assert_eq!(p.verify_user("u_42", ""), Some(false));
        assert_eq!(project(&[], None).verify_user("u_42", &h), None);
    }

    #[test]
    fn keys_are_random_and_prefixed() {
        let a = generate_key("sb_pub_").expect("urandom");
        let b = generate_key("sb_pub_").expect("urandom");
        assert!(a.starts_with("sb_pub_") && a.len() == 7 + 32);
        assert_ne!(a, b);
    }
}
