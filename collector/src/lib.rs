//! The Shirube collector as a library: the binary (`main.rs`), the integration tests and the
//! fuzz targets all use it. See docs/collector.md for operations and docs/events.md for the
//! HTTP contract.
//!
//! Map: `config` (flags, environment, TOML) → `server` (sockets, shutdown) → `api` (routes,
//! handlers) → `batch` (pure request parsing) and `store` (SQLite or PostgreSQL behind one
//! trait, with the report rollups in `store::rollup`). The adoption dashboard is `dashboard`
//! (HTML, sign-in, `/v1/reports/…`) over `report` (what each figure means and its computation);
//! `seed` writes demo data through the store; `date` is calendar arithmetic. `project`,
//! `ratelimit`, `metrics` and `http` are the pieces handlers share.

pub mod api;
pub mod batch;
pub mod config;
pub mod dashboard;
pub mod date;
pub mod http;
pub mod metrics;
pub mod project;
pub mod ratelimit;
pub mod report;
pub mod seed;
pub mod server;
pub mod store;

use crate::config::{ProjectConfig, DEV_ADMIN_TOKEN, DEV_IDENTITY_SECRET, DEV_PROJECT, DEV_WRITE_KEY};
use crate::store::{ProjectRow, Store, StoreError};

/// Milliseconds since 1970 on the server's clock.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// The project `serve --dev` creates (DESIGN.md contract): any origin, state sync on.
pub fn dev_project() -> ProjectConfig {
    ProjectConfig {
        name: DEV_PROJECT.into(),
        write_key: DEV_WRITE_KEY.into(),
        admin_token: DEV_ADMIN_TOKEN.into(),
        identity_secret: Some(DEV_IDENTITY_SECRET.into()),
        origins: vec!["*".into()],
    }
}

/// Writes projects declared in configuration to the database, creating or updating each by
/// name, so the file stays the source of truth for them.
pub async fn sync_projects(store: &dyn Store, projects: &[ProjectConfig]) -> Result<(), StoreError> {
    for p in projects {
        store
            .upsert_project(ProjectRow {
                id: 0,
                name: p.name.clone(),
                write_key: p.write_key.clone(),
                admin_token_sha256: project::sha256_hex(&p.admin_token),
                identity_secret: p.identity_secret.clone(),
                origins: p.origins.clone(),
                created_at: now_ms(),
            })
            .await?;
    }
    Ok(())
}
