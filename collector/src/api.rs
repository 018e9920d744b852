//! The HTTP API of docs/events.md: routes, handlers and the middleware around them (CORS,
//! the concurrency limit, metrics and request logs). Handlers check keys, origins and rate
//! limits, call the pure parser in `batch` and the store, and turn every outcome into a status
//! with a JSON body.
//!
//! It must not touch SQL or sockets: storage is behind `store::Store`, connections are
//! `server`'s.

use std::collections::HashMap;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use tokio::sync::Semaphore;

use crate::batch::{self, corrected_time, BatchError, MAX_BODY_BYTES};
use crate::config::Limits;
use crate::http::{json, read_body, ApiError, NdjsonBody};
use crate::metrics::Metrics;
use crate::project::{Project, Registry};
use crate::ratelimit::RateLimiter;
use crate::store::{EventRow, IngestBatch, SpecPut, StatePut, Store};

/// Largest state document (contract: 413 above it), and the body that carries it.
pub const MAX_STATE_BYTES: usize = 64 * 1024;
const MAX_STATE_BODY: usize = MAX_STATE_BYTES + 1024;
/// Largest spec accepted by `PUT /v1/specs/{product}`.
pub const MAX_SPEC_BYTES: usize = 1024 * 1024;
const MAX_PRODUCT: usize = 128;
const MAX_USER_ID: usize = 256;

pub const OPENAPI: &str = include_str!("../openapi.json");

/// Everything a handler needs, shared by all connections of one server.
pub struct App {
    pub store: Arc<dyn Store>,
    pub projects: Registry,
    pub metrics: Arc<Metrics>,
    pub limits: Limits,
    pub limiter: RateLimiter,
    pub in_flight: Arc<Semaphore>,
    /// Dashboard sign-in attempts, all together: a guessing attacker gets a few a second.
    pub logins: RateLimiter,
    /// `serve --dev`: `POST /v1/dev/seed` exists.
    pub dev: bool,
}

impl App {
    pub fn new(store: Arc<dyn Store>, metrics: Arc<Metrics>, limits: Limits) -> App {
        App {
            store,
            projects: Registry::new(),
            metrics,
            limiter: RateLimiter::new(limits.rate_per_second, limits.burst),
            in_flight: Arc::new(Semaphore::new(limits.max_in_flight)),
            limits,
            logins: RateLimiter::new(5.0, 20.0),
            dev: false,
        }
    }
}

pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .merge(crate::dashboard::router())
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/openapi.json", get(openapi))
        .route("/v1/batch", post(ingest))
        .route("/v1/export", get(export))
        .route("/v1/state/{product}/{user_id}", get(state_get).post(state_post))
        .route("/v1/specs/{product}", get(spec_get).put(spec_put))
        .route("/v1/specs/{product}/versions", get(spec_versions))
        .route("/v1/specs/{product}/versions/{version}", get(spec_version))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(app.clone(), around))
        .with_state(app)
}

fn route_label(path: &str) -> &'static str {
    match path {
        "/v1/batch" => "batch",
        "/v1/export" => "export",
        "/healthz" | "/readyz" => "health",
        "/metrics" => "metrics",
        p if p.starts_with("/v1/reports/") => "reports",
        "/" => "dashboard",
        p if p.starts_with("/dashboard/") => "dashboard",
        p if p.starts_with("/v1/state/") => "state",
        p if p.starts_with("/v1/specs/") => "specs",
        _ => "other",
    }
}

/// Runs around every request: preflight, the concurrency limit, CORS headers, metrics, logs.
async fn around(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    let t0 = Instant::now();
    let route = route_label(req.uri().path());
    let origin = req.headers().get(header::ORIGIN).cloned();
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let mut resp = if method == Method::OPTIONS {
        preflight()
    } else if matches!(route, "health" | "metrics") {
        // Monitoring keeps working when the server is saturated.
        next.run(req).await
    } else {
        match app.in_flight.clone().try_acquire_owned() {
            Ok(permit) => {
                app.metrics.in_flight.fetch_add(1, Relaxed);
                let r = next.run(req).await;
                app.metrics.in_flight.fetch_sub(1, Relaxed);
                drop(permit);
                r
            }
            Err(_) => {
                app.metrics.shed.fetch_add(1, Relaxed);
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "overloaded", "the collector is at its concurrency limit; retry after the delay in Retry-After")
                    .retry(1)
                    .into_response()
            }
        }
    };
    // Every response carries CORS headers, errors included, so the SDK in a page can read a
    // 429's Retry-After or a 403's reason instead of seeing an opaque network error. No
    // credentials are ever allowed, and admin endpoints need a bearer token a browser does
    // not send by itself, so echoing the origin opens nothing.
    if let Some(o) = origin {
        let h = resp.headers_mut();
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, o);
        h.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, HeaderValue::from_static("ETag, Retry-After"));
        h.append(header::VARY, HeaderValue::from_static("Origin"));
    }
    let status = resp.status().as_u16();
    let elapsed = t0.elapsed();
    app.metrics.response(route, status, elapsed);
    if status >= 500 {
        tracing::warn!(%method, path, status, micros = elapsed.as_micros() as u64, "request");
    } else {
        tracing::debug!(%method, path, status, micros = elapsed.as_micros() as u64, "request");
    }
    resp
}

fn preflight() -> Response {
    let mut r = StatusCode::NO_CONTENT.into_response();
    let h = r.headers_mut();
    h.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("GET, POST, PUT, OPTIONS"));
    h.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("content-type, content-encoding, authorization, if-none-match"),
    );
    h.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("86400"));
    r
}

async fn not_found(uri: Uri) -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", format!("no endpoint at {}; see /openapi.json", uri.path()))
}

async fn method_not_allowed(method: Method, uri: Uri) -> ApiError {
    ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", format!("{method} is not allowed on {}; see /openapi.json", uri.path()))
}

async fn healthz() -> Response {
    json(StatusCode::OK, r#"{"status":"ok"}"#.into())
}

async fn readyz(State(app): State<Arc<App>>) -> Response {
    match tokio::time::timeout(Duration::from_secs(5), app.store.check_writable()).await {
        Ok(Ok(())) => json(StatusCode::OK, format!(r#"{{"status":"ready","backend":"{}"}}"#, app.store.backend())),
        Ok(Err(e)) => ApiError::storage(&e).into_response(),
        Err(_) => ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "storage_unavailable", "a test write did not finish within 5 s")
            .retry(5)
            .into_response(),
    }
}

async fn metrics(State(app): State<Arc<App>>) -> Response {
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], app.metrics.render(app.store.backend())).into_response()
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

fn query(uri: &Uri) -> HashMap<String, String> {
    Query::<HashMap<String, String>>::try_from_uri(uri).map(|q| q.0).unwrap_or_default()
}

/// The project of a write key, allowed for this origin and within its rate limit.
async fn authorize_write_key(app: &App, key: Option<&str>, headers: &HeaderMap) -> Result<Arc<Project>, ApiError> {
    let key = key.filter(|k| !k.is_empty()).ok_or_else(|| {
        ApiError::new(StatusCode::UNAUTHORIZED, "missing_key", "no write key: send it as write_key in the batch or as ?wk= in the URL")
    })?;
    let project = app
        .projects
        .by_write_key(app.store.as_ref(), key)
        .await
        .ok_or_else(|| ApiError::new(StatusCode::UNAUTHORIZED, "unknown_key", "this write key is not known to the collector; check the key in Shirube.init"))?;
    if let Some(origin) = headers.get(header::ORIGIN) {
        let origin = origin.to_str().unwrap_or("");
        if !project.allows_origin(origin) {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "origin_not_allowed",
                format!("origin {origin:?} is not allowed for project {}; add it to the project's origins", project.name),
            ));
        }
    }
    if let Err(secs) = app.limiter.check(project.id, Instant::now()) {
        app.metrics.rate_limited.fetch_add(1, Relaxed);
        return Err(ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", "too many requests for this write key; retry after the delay in Retry-After")
            .retry(secs));
    }
    Ok(project)
}

/// The project whose admin token is the request's bearer token.
pub(crate) async fn authorize_admin(app: &App, headers: &HeaderMap) -> Result<Arc<Project>, ApiError> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| ApiError::new(StatusCode::UNAUTHORIZED, "missing_token", "send the project's admin token as Authorization: Bearer <token>"))?;
    app.projects
        .by_admin_token(app.store.as_ref(), token)
        .await
        .ok_or_else(|| ApiError::new(StatusCode::UNAUTHORIZED, "bad_token", "this admin token is not known to the collector"))
}

/// `POST /v1/batch`: validate, store what is valid, answer only after the commit.
async fn ingest(State(app): State<Arc<App>>, headers: HeaderMap, uri: Uri, body: Body) -> Result<Response, ApiError> {
    let received_at = crate::now_ms();
    let q = query(&uri);
    // With ?wk= (sendBeacon) the key is checked before reading the body.
    let early = match q.get("wk") {
        Some(k) => Some(authorize_write_key(&app, Some(k), &headers).await?),
        None => None,
    };
    let bytes = read_body(&headers, body, MAX_BODY_BYTES, app.limits.body_timeout).await?;
    let parsed = batch::parse_batch(&bytes).map_err(|e| match e {
        BatchError::Malformed(m) => ApiError::malformed(m),
        BatchError::TooManyEvents(n) => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_many_events",
            format!("the batch has {n} events; send at most {} per batch", batch::MAX_EVENTS),
        ),
    })?;
    let project = match early {
        Some(p) => p,
        None => authorize_write_key(&app, parsed.write_key.as_deref(), &headers).await?,
    };
    for (reason, n) in &parsed.dropped {
        app.metrics.sdk_dropped(reason, *n);
    }
    let n = parsed.events.len();
    app.metrics.events_received.fetch_add(n as u64, Relaxed);
    let mut events = Vec::with_capacity(n);
    let mut rejected = Vec::new();
    for e in parsed.events {
        match e {
            Ok((_, record)) => {
                let (corrected_at, flag) = corrected_time(record.timestamp, parsed.sent_at, received_at);
                events.push(EventRow { record, corrected_at, time_flag: flag.map(|f| f.as_str()) });
            }
            Err(r) => {
                app.metrics.reject(r.code);
                rejected.push(r);
            }
        }
    }
    let mut body = String::with_capacity(64 + rejected.len() * 32);
    let rejected_json = rejected.iter().map(|r| format!(r#"{{"i":{},"code":"{}"}}"#, r.index, r.code.as_str())).collect::<Vec<_>>().join(",");
    let outcome = if events.is_empty() && rejected.is_empty() {
        Default::default()
    } else {
        let batch = IngestBatch {
            project_id: project.id,
            received_at,
            sent_at: parsed.sent_at,
            sdk_version: parsed.sdk_version,
            events,
            rejected,
        };
        app.store.ingest(batch).await.map_err(|e| ApiError::storage(&e))?
    };
    app.metrics.events_accepted.fetch_add(outcome.accepted, Relaxed);
    app.metrics.events_duplicate.fetch_add(outcome.duplicates, Relaxed);
    body.push_str(&format!(r#"{{"accepted":{},"duplicates":{},"rejected":[{rejected_json}]}}"#, outcome.accepted, outcome.duplicates));
    Ok(json(StatusCode::OK, body))
}

/// `GET /v1/export`: the admin's project's events as NDJSON.
async fn export(State(app): State<Arc<App>>, headers: HeaderMap, uri: Uri) -> Result<Response, ApiError> {
    let project = authorize_admin(&app, &headers).await?;
    let since = match query(&uri).get("since") {
        None => None,
        Some(s) => Some(s.parse::<i64>().map_err(|_| ApiError::malformed(format!("since={s:?} is not a time in milliseconds since 1970")))?),
    };
    let rx = app.store.export(project.id, since);
    let mut r = Response::new(Body::new(NdjsonBody(rx)));
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/x-ndjson"));
    Ok(r)
}

fn check_path(product: &str, user_id: Option<&str>) -> Result<(), ApiError> {
    if product.is_empty() || product.len() > MAX_PRODUCT {
        return Err(ApiError::malformed(format!("the product name must be 1 to {MAX_PRODUCT} bytes")));
    }
    if let Some(u) = user_id {
        if u.is_empty() || u.len() > MAX_USER_ID {
            return Err(ApiError::malformed(format!("the user id must be 1 to {MAX_USER_ID} bytes")));
        }
    }
    Ok(())
}

fn path_error(e: PathRejection) -> ApiError {
    ApiError::malformed(format!("the URL path could not be read: {e}"))
}

/// Key, origin, rate limit and the signed user id, for both state endpoints.
async fn authorize_state(app: &App, uri: &Uri, headers: &HeaderMap, user_id: &str) -> Result<Arc<Project>, ApiError> {
    let q = query(uri);
    let project = authorize_write_key(app, q.get("wk").map(String::as_str), headers).await?;
    let hash = q.get("h").map(String::as_str).unwrap_or("");
    match project.verify_user(user_id, hash) {
        None => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "state_sync_off",
            format!("project {} has no identity secret, so state sync is off", project.name),
        )),
        Some(false) => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "bad_hash",
            "h must be hex(HMAC-SHA256(identity secret, user id)) computed by your backend",
        )),
        Some(true) => Ok(project),
    }
}

async fn state_get(
    State(app): State<Arc<App>>,
    path: Result<Path<(String, String)>, PathRejection>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, ApiError> {
    let Path((product, user_id)) = path.map_err(path_error)?;
    check_path(&product, Some(&user_id))?;
    let project = authorize_state(&app, &uri, &headers, &user_id).await?;
    match app.store.state_get(project.id, product, user_id).await.map_err(|e| ApiError::storage(&e))? {
        // No state yet is a normal answer, not an error: a 404 would show up as a failed request
        // in every new user's browser console.
        None => Ok(json(StatusCode::OK, r#"{"state":null,"version":0,"updated_at":null}"#.to_string())),
        Some(s) => {
            let mut r = json(StatusCode::OK, format!(r#"{{"state":{},"version":{},"updated_at":{}}}"#, s.state, s.version, s.updated_at));
            if let Ok(v) = HeaderValue::from_str(&format!("\"{}\"", s.version)) {
                r.headers_mut().insert(header::ETAG, v);
            }
            Ok(r)
        }
    }
}

#[derive(serde::Deserialize)]
struct StateBody {
    state: serde_json::Value,
    base_version: i64,
}

async fn state_post(
    State(app): State<Arc<App>>,
    path: Result<Path<(String, String)>, PathRejection>,
    headers: HeaderMap,
    uri: Uri,
    body: Body,
) -> Result<Response, ApiError> {
    let Path((product, user_id)) = path.map_err(path_error)?;
    check_path(&product, Some(&user_id))?;
    let project = authorize_state(&app, &uri, &headers, &user_id).await?;
    let bytes = read_body(&headers, body, MAX_STATE_BODY, app.limits.body_timeout).await.map_err(|e| {
        if e.status == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", format!("the state is over {MAX_STATE_BYTES} bytes"))
        } else {
            e
        }
    })?;
    if batch::json_depth(&bytes) > batch::MAX_DEPTH {
        return Err(ApiError::malformed(format!("the state is nested deeper than {}", batch::MAX_DEPTH)));
    }
    let parsed: StateBody = serde_json::from_slice(&bytes)
        .map_err(|e| ApiError::malformed(format!("the body must be {{\"state\": {{...}}, \"base_version\": n}}: {e}")))?;
    if !parsed.state.is_object() || parsed.base_version < 0 {
        return Err(ApiError::malformed("state must be an object and base_version a non-negative integer"));
    }
    let state = parsed.state.to_string();
    if state.len() > MAX_STATE_BYTES {
        return Err(ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", format!("the state is over {MAX_STATE_BYTES} bytes")));
    }
    let now = crate::now_ms();
    match app.store.state_put(project.id, product, user_id, state, parsed.base_version, now).await.map_err(|e| ApiError::storage(&e))? {
        StatePut::Stored { version, updated_at } => Ok(json(StatusCode::OK, format!(r#"{{"version":{version},"updated_at":{updated_at}}}"#))),
        StatePut::Conflict(cur) => Ok(json(
            StatusCode::CONFLICT,
            format!(r#"{{"error":"conflict","message":"someone else wrote first: merge and retry with base_version = version","state":{},"version":{}}}"#, cur.state, cur.version),
        )),
    }
}

fn etag_of(body: &str) -> String {
    let h = crate::project::sha256_hex(body);
    format!("\"{}\"", h.get(..32).unwrap_or(&h))
}

fn if_none_match(headers: &HeaderMap, etag: &str) -> bool {
    headers.get_all(header::IF_NONE_MATCH).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')).any(|t| {
        let t = t.trim();
        t == "*" || t.strip_prefix("W/").unwrap_or(t) == etag
    })
}

async fn spec_put(
    State(app): State<Arc<App>>,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let Path(product) = path.map_err(path_error)?;
    check_path(&product, None)?;
    let project = authorize_admin(&app, &headers).await?;
    let bytes = read_body(&headers, body, MAX_SPEC_BYTES, app.limits.body_timeout).await?;
    let text = String::from_utf8(bytes.to_vec()).map_err(|_| ApiError::malformed("the spec is not UTF-8 text"))?;
    // The same validator as the CLI and the SDK, so the diagnostics are the same.
    let v = shirube::validate(&text);
    let diagnostics = shirube::core::diagnostic::to_json_array(&v.diagnostics);
    if !v.ok() {
        return Ok(json(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!(r#"{{"error":"invalid_spec","message":"the spec has errors; fix them and publish again","diagnostics":{diagnostics}}}"#),
        ));
    }
    let Some(model) = v.model else {
        return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_spec", "the spec could not be read"));
    };
    if model.product != product {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "product_mismatch",
            format!("the spec says \"product\": {:?} but was sent to /v1/specs/{product}", model.product),
        ));
    }
    let etag = etag_of(&text);
    let revision = Some(model.revision.clone()).filter(|r| !r.is_empty());
    match app
        .store
        .spec_put(project.id, product.clone(), text, etag.clone(), revision, crate::now_ms())
        .await
        .map_err(|e| ApiError::storage(&e))?
    {
        SpecPut::Stored { version } => {
            tracing::info!(project = project.name, product, version, "spec published");
            let etag_json = serde_json::Value::from(etag.as_str()).to_string();
            let mut r = json(StatusCode::CREATED, format!(r#"{{"version":{version},"etag":{etag_json},"diagnostics":{diagnostics}}}"#));
            if let Ok(v) = HeaderValue::from_str(&etag) {
                r.headers_mut().insert(header::ETAG, v);
            }
            Ok(r)
        }
        SpecPut::OwnedByOther => Err(ApiError::new(
            StatusCode::CONFLICT,
            "product_taken",
            format!("the product {product:?} is published by another project on this collector; choose another product name"),
        )),
    }
}

async fn spec_get(State(app): State<Arc<App>>, path: Result<Path<String>, PathRejection>, headers: HeaderMap) -> Result<Response, ApiError> {
    let Path(product) = path.map_err(path_error)?;
    check_path(&product, None)?;
    let spec = app
        .store
        .spec_current(product)
        .await
        .map_err(|e| ApiError::storage(&e))?
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "not_found", "no spec is published for this product"))?;
    let etag = HeaderValue::from_str(&spec.etag).unwrap_or_else(|_| HeaderValue::from_static("\"\""));
    let mut r = if if_none_match(&headers, &spec.etag) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        ([(header::CONTENT_TYPE, "application/json")], spec.body).into_response()
    };
    r.headers_mut().insert(header::ETAG, etag);
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    Ok(r)
}

async fn spec_versions(State(app): State<Arc<App>>, path: Result<Path<String>, PathRejection>, headers: HeaderMap) -> Result<Response, ApiError> {
    let Path(product) = path.map_err(path_error)?;
    check_path(&product, None)?;
    let project = authorize_admin(&app, &headers).await?;
    let rows = app.store.spec_versions(project.id, product).await.map_err(|e| ApiError::storage(&e))?;
    if rows.is_empty() {
        return Err(ApiError::new(StatusCode::NOT_FOUND, "not_found", "this project has published no spec for this product"));
    }
    let list: Vec<serde_json::Value> = rows
        .iter()
        .map(|r| serde_json::json!({ "version": r.version, "etag": r.etag, "created_at": r.created_at, "revision": r.revision }))
        .collect();
    Ok(json(StatusCode::OK, serde_json::Value::from(list).to_string()))
}

async fn spec_version(
    State(app): State<Arc<App>>,
    path: Result<Path<(String, String)>, PathRejection>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let Path((product, version)) = path.map_err(path_error)?;
    check_path(&product, None)?;
    let project = authorize_admin(&app, &headers).await?;
    let version: i64 = version.parse().map_err(|_| ApiError::malformed(format!("version {version:?} is not a number")))?;
    let spec = app
        .store
        .spec_version(project.id, product, version)
        .await
        .map_err(|e| ApiError::storage(&e))?
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such version"))?;
    let mut r = ([(header::CONTENT_TYPE, "application/json")], spec.body).into_response();
    if let Ok(v) = HeaderValue::from_str(&spec.etag) {
        r.headers_mut().insert(header::ETAG, v);
    }
    Ok(r)
}
