//! The adoption dashboard served by the collector: the HTML views at `/` and `/dashboard/…`,
//! sign-in with the project's admin token, the JSON and CSV reports at `/v1/reports/…`, the
//! stylesheet and script (embedded in the binary), and `POST /v1/dev/seed` under `serve --dev`.
//!
//! Authentication: `Authorization: Bearer <admin token>` works everywhere (DESIGN.md contract).
//! People sign in on a form with the same token; the collector then keeps a session (128 random
//! bits in an `HttpOnly`, `SameSite=Strict` cookie; the database stores only its SHA-256) for
//! 12 hours, until they sign out, or until the project's admin token changes. Either way the
//! token's project is the only one visible.
//!
//! Every HTML response carries a strict Content-Security-Policy (`default-src 'self'`, no
//! inline script or style), `X-Frame-Options: DENY` and `no-store`. Sign-in and sign-out are
//! POSTs whose `Origin`, when sent, must be this host.
//!
//! It must not compute figures (that is `report`) nor touch SQL (that is `store`).

pub mod chart;
pub mod html;
pub mod i18n;
pub mod views;

use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

use crate::api::{authorize_admin, App};
use crate::date;
use crate::http::{json, read_body, ApiError};
use crate::project::{generate_key, sha256_hex, Project};
use crate::report::{self, Context, Kind, ReportError};
use crate::store::{SessionRow, StoreError};

use html::{esc, href, Frame};
use i18n::{Lang, M};

const SESSION_COOKIE: &str = "sb_session";
const LANG_COOKIE: &str = "sb_lang";
/// How long a dashboard session lasts.
pub const SESSION_MS: i64 = 12 * 3_600_000;

pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; \
     connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

const CSS: &str = include_str!("../../static/dashboard.css");
const JS: &str = include_str!("../../static/dashboard.js");
const FAVICON: &str = include_str!("../../static/favicon.svg");

pub fn router() -> Router<Arc<App>> {
    Router::new()
        .route("/", get(overview))
        .route("/dashboard/{view}", get(view))
        .route("/dashboard/login", get(login_page).post(login))
        .route("/dashboard/logout", post(logout))
        .route("/dashboard/lang/{lang}", get(set_lang))
        .route("/dashboard/assets/{file}", get(asset))
        .route("/v1/reports/{name}", get(report_api))
        .route("/v1/dev/seed", post(dev_seed))
}

/// Headers of every dashboard page.
fn secure(mut r: Response, cache: bool) -> Response {
    let h = r.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    if !cache {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    r
}

fn html_response(status: StatusCode, body: String) -> Response {
    secure((status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response(), false)
}

fn redirect(to: &str) -> Response {
    let mut r = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(to) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    secure(r, false)
}

/// A cookie's value from the request's `Cookie` headers.
fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
}

fn lang_of(headers: &HeaderMap) -> Lang {
    cookie(headers, LANG_COOKIE)
        .and_then(Lang::parse)
        .unwrap_or_else(|| Lang::from_accept(headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).unwrap_or("")))
}

/// Whether the request came through a TLS-terminating proxy that says so (then the session
/// cookie is `Secure`).
fn https(headers: &HeaderMap) -> bool {
    headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok()).is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

/// The project this request may see: by bearer token, else by session cookie. `Ok(None)` when
/// it has neither; a bearer token that is not an admin token is `Err`.
async fn authenticate(app: &App, headers: &HeaderMap) -> Result<Option<Arc<Project>>, ApiError> {
    if headers.contains_key(header::AUTHORIZATION) {
        return authorize_admin(app, headers).await.map(Some);
    }
    let Some(sid) = cookie(headers, SESSION_COOKIE).filter(|s| s.len() == 32 && s.bytes().all(|b| b.is_ascii_hexdigit())) else {
        return Ok(None);
    };
    let session = app.store.session_project(sha256_hex(sid), crate::now_ms()).await.map_err(|e| ApiError::storage(&e))?;
    let Some((project_id, token_sha256)) = session else { return Ok(None) };
    // The project must still have the token the session was opened with.
    Ok(app.projects.by_admin_sha256(app.store.as_ref(), &token_sha256).await.filter(|p| p.id == project_id))
}

fn query_pairs(uri: &Uri) -> Vec<(String, String)> {
    axum::extract::Query::<Vec<(String, String)>>::try_from_uri(uri).map(|q| q.0).unwrap_or_default()
}

/// The request's path and query, for coming back after signing in.
fn here(uri: &Uri) -> String {
    uri.path_and_query().map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned())
}

/// Only same-site paths are followed after sign-in (no open redirect).
fn safe_next(next: &str) -> &str {
    if next.starts_with('/') && !next.starts_with("//") && !next.starts_with("/\\") {
        next
    } else {
        "/"
    }
}

/// POSTs from a browser carry `Origin`; it must be this host (a form on another site cannot
/// sign people in or out).
fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else { return true };
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
    origin.split_once("://").is_some_and(|(_, h)| h.eq_ignore_ascii_case(host))
}

/// Decodes an `application/x-www-form-urlencoded` body (`+` is a space, `%XX` a byte).
fn form_decode(body: &str) -> Vec<(String, String)> {
    let decode = |s: &str| -> String {
        let bytes = s.as_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while let Some(b) = bytes.get(i) {
            match b {
                b'+' => out.push(b' '),
                b'%' => {
                    let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok()).and_then(|h| u8::from_str_radix(h, 16).ok());
                    match hex {
                        Some(v) => {
                            out.push(v);
                            i += 2;
                        }
                        None => out.push(b'%'),
                    }
                }
                b => out.push(*b),
            }
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    };
    body.split('&').filter(|p| !p.is_empty()).map(|p| {
        let (k, v) = p.split_once('=').unwrap_or((p, ""));
        (decode(k), decode(v))
    }).collect()
}

fn login_html(lang: Lang, next: &str, error: Option<M>) -> String {
    let err = error.map_or(String::new(), |m| format!(r#"<p class="error" role="alert">{}</p>"#, esc(lang.t(m))));
    let switch = |l: Lang, text: &str| {
        let cls = if l == lang { r#" class="on""# } else { "" };
        format!(r#"<a{cls} href="{}">{text}</a>"#, esc(&href(&format!("/dashboard/lang/{}", l.code()), &[("next".into(), format!("/dashboard/login?next={}", html::enc(next)))])))
    };
    format!(
        r#"<!doctype html><html lang="{}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{}</title><link rel="stylesheet" href="/dashboard/assets/dashboard.css"><link rel="icon" href="/dashboard/assets/favicon.svg" type="image/svg+xml"></head><body class="login"><main class="login-box"><p class="brand"><span class="mark" aria-hidden="true">◆</span> Shirube</p><h1>{}</h1><p>{}</p>{err}<form method="post" action="/dashboard/login"><label for="token">{}</label><input id="token" name="token" type="password" autocomplete="current-password" required autofocus spellcheck="false"><input type="hidden" name="next" value="{}"><button type="submit">{}</button></form><nav class="lang">{}{}</nav></main></body></html>"#,
        lang.code(),
        esc(lang.t(M::SignInTitle)),
        esc(lang.t(M::SignInTitle)),
        esc(lang.t(M::SignInHelp)),
        esc(lang.t(M::AdminToken)),
        esc(next),
        esc(lang.t(M::SignIn)),
        switch(Lang::En, "English"),
        switch(Lang::Ja, "日本語"),
    )
}

async fn login_page(headers: HeaderMap, uri: Uri) -> Response {
    let next = query_pairs(&uri).into_iter().find(|(k, _)| k == "next").map(|(_, v)| v).unwrap_or_else(|| "/".into());
    html_response(StatusCode::OK, login_html(lang_of(&headers), safe_next(&next), None))
}

async fn login(State(app): State<Arc<App>>, headers: HeaderMap, body: Body) -> Response {
    let lang = lang_of(&headers);
    if !same_origin(&headers) {
        return ApiError::new(StatusCode::FORBIDDEN, "cross_origin", "sign in from the dashboard's own page").into_response();
    }
    let bytes = match read_body(&headers, body, 4 * 1024, app.limits.body_timeout).await {
        Ok(b) => b,
        Err(e) => return e.into_response(),
    };
    let form = form_decode(&String::from_utf8_lossy(&bytes));
    let field = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.trim().to_owned()).unwrap_or_default();
    let next = field("next");
    let next = safe_next(&next).to_owned();
    if app.logins.check(0, Instant::now()).is_err() {
        return html_response(StatusCode::TOO_MANY_REQUESTS, login_html(lang, &next, Some(M::TooManyAttempts)));
    }
    let token = field("token");
    let Some(project) = (if token.is_empty() { None } else { app.projects.by_admin_token(app.store.as_ref(), &token).await }) else {
        tracing::info!("dashboard sign-in with an unknown token");
        return html_response(StatusCode::UNAUTHORIZED, login_html(lang, &next, Some(M::BadToken)));
    };
    let sid = match generate_key("") {
        Ok(s) => s,
        Err(e) => return ApiError::storage(&e).into_response(),
    };
    let now = crate::now_ms();
    let row = SessionRow { id_sha256: sha256_hex(&sid), project_id: project.id, token_sha256: sha256_hex(&token), created_at: now, expires_at: now + SESSION_MS };
    if let Err(e) = app.store.session_create(row).await {
        return ApiError::storage(&e).into_response();
    }
    tracing::info!(project = project.name, "dashboard sign-in");
    let mut r = redirect(&next);
    let secure_flag = if https(&headers) { "; Secure" } else { "" };
    if let Ok(v) = HeaderValue::from_str(&format!("{SESSION_COOKIE}={sid}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{secure_flag}", SESSION_MS / 1000)) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

async fn logout(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    if !same_origin(&headers) {
        return ApiError::new(StatusCode::FORBIDDEN, "cross_origin", "sign out from the dashboard's own page").into_response();
    }
    if let Some(sid) = cookie(&headers, SESSION_COOKIE) {
        if let Err(e) = app.store.session_delete(sha256_hex(sid)).await {
            return ApiError::storage(&e).into_response();
        }
    }
    let mut r = redirect("/dashboard/login");
    r.headers_mut().append(header::SET_COOKIE, HeaderValue::from_static("sb_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"));
    r
}

async fn set_lang(Path(lang): Path<String>, uri: Uri) -> Response {
    let Some(lang) = Lang::parse(&lang) else {
        return ApiError::new(StatusCode::NOT_FOUND, "not_found", "the dashboard speaks en and ja").into_response();
    };
    let next = query_pairs(&uri).into_iter().find(|(k, _)| k == "next").map(|(_, v)| v).unwrap_or_else(|| "/".into());
    let mut r = redirect(safe_next(&next));
    if let Ok(v) = HeaderValue::from_str(&format!("{LANG_COOKIE}={}; Path=/; SameSite=Lax; Max-Age=31536000", lang.code())) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

async fn asset(Path(file): Path<String>) -> Response {
    let (body, ty) = match file.as_str() {
        "dashboard.css" => (CSS, "text/css; charset=utf-8"),
        "dashboard.js" => (JS, "text/javascript; charset=utf-8"),
        "favicon.svg" => (FAVICON, "image/svg+xml"),
        _ => return ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such dashboard asset").into_response(),
    };
    let mut r = ([(header::CONTENT_TYPE, ty)], body).into_response();
    // Assets change only with the binary; an hour of caching keeps pages fast and upgrades quick.
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
    secure(r, true)
}

async fn overview(state: State<Arc<App>>, headers: HeaderMap, uri: Uri) -> Response {
    page(state, headers, uri, "/").await
}

async fn view(state: State<Arc<App>>, Path(view): Path<String>, headers: HeaderMap, uri: Uri) -> Response {
    if !html::VIEWS.iter().any(|(p, _, _)| p.strip_prefix("/dashboard/") == Some(view.as_str())) {
        return html_response(StatusCode::NOT_FOUND, format!("<!doctype html><title>404</title><p>No dashboard view {}. <a href=\"/\">Overview</a></p>", esc(&view)));
    }
    page(state, headers, uri, &format!("/dashboard/{view}")).await
}

fn error_page(lang: Lang, status: StatusCode, message: &str) -> Response {
    html_response(
        status,
        format!(
            r#"<!doctype html><html lang="{}"><head><meta charset="utf-8"><title>{}</title><link rel="stylesheet" href="/dashboard/assets/dashboard.css"></head><body class="login"><main class="login-box"><h1>{}</h1><p class="error" role="alert">{}</p><p><a href="/">{}</a></p></main></body></html>"#,
            lang.code(),
            esc(lang.t(M::ErrorTitle)),
            esc(lang.t(M::ErrorTitle)),
            esc(message),
            esc(lang.t(M::Overview))
        ),
    )
}

/// One HTML view: authenticate, parse the filters, load the context, render.
async fn page(State(app): State<Arc<App>>, headers: HeaderMap, uri: Uri, path: &str) -> Response {
    let lang = lang_of(&headers);
    let project = match authenticate(&app, &headers).await {
        Ok(Some(p)) => p,
        Ok(None) if path == "/" && uri.query().is_none() => return html_response(StatusCode::OK, login_html(lang, "/", None)),
        Ok(None) => return redirect(&href("/dashboard/login", &[("next".into(), here(&uri))])),
        Err(e) => return e.into_response(),
    };
    let kind = match path {
        "/" => Kind::Overview,
        "/dashboard/surveys" => Kind::Comments,
        p => p.strip_prefix("/dashboard/").and_then(Kind::parse).unwrap_or(Kind::Overview),
    };
    // The form's free trait filter arrives as `tn` (name) and `tv` (value).
    let mut params = query_pairs(&uri);
    let tn = params.iter().find(|(k, _)| k == "tn").map(|(_, v)| v.clone()).unwrap_or_default();
    let tv = params.iter().find(|(k, _)| k == "tv").map(|(_, v)| v.clone()).unwrap_or_default();
    params.retain(|(k, _)| k != "tn" && k != "tv");
    if !tn.is_empty() && !tv.is_empty() && !params.iter().any(|(k, _)| *k == format!("trait.{tn}")) {
        params.push((format!("trait.{tn}"), tv));
    }
    let today = date::day_of_ms(crate::now_ms());
    let q = match report::parse_query(kind, &params, today, &[]) {
        Ok(q) => q,
        Err(ReportError::BadQuery(m)) => return error_page(lang, StatusCode::BAD_REQUEST, &m),
        Err(e) => return report_error(e).into_response(),
    };
    let ctx = match Context::load(app.store.clone(), project.id, &q.segment).await {
        Ok(c) => c,
        Err(e) => return report_page_error(lang, e),
    };
    let frame = Frame {
        lang,
        project: &project.name,
        specs: &ctx.catalog.specs,
        view: path,
        query: &q,
        users: &ctx.users,
        today,
        own_filters: String::new(),
        own_params: Vec::new(),
    };
    let out = match path {
        "/" => views::overview(&ctx, &q, frame).await,
        "/dashboard/funnel" => views::funnel(&ctx, &q, frame).await,
        "/dashboard/targets" => views::targets(&ctx, &q, frame).await,
        "/dashboard/milestones" => views::milestones(&ctx, &q, frame).await,
        "/dashboard/lifecycle" => views::lifecycle(&ctx, &q, frame).await,
        "/dashboard/checklists" => views::checklists(&ctx, &q, frame).await,
        _ => views::surveys(&ctx, &q, frame).await,
    };
    match out {
        Ok(body) => html_response(StatusCode::OK, body),
        Err(e) => report_page_error(lang, e),
    }
}

fn report_page_error(lang: Lang, e: ReportError) -> Response {
    match e {
        ReportError::BadQuery(m) => error_page(lang, StatusCode::BAD_REQUEST, &m),
        ReportError::UnknownFlow { flow, known } => {
            error_page(lang, StatusCode::NOT_FOUND, &format!("{}: {flow} — {}", lang.t(M::PickFlow), known.join(", ")))
        }
        ReportError::Store(e) => {
            tracing::warn!(error = %e, "a dashboard page failed to read storage");
            error_page(lang, StatusCode::SERVICE_UNAVAILABLE, lang.t(M::StorageError))
        }
    }
}

fn report_error(e: ReportError) -> ApiError {
    match e {
        ReportError::BadQuery(m) => ApiError::new(StatusCode::BAD_REQUEST, "bad_query", m),
        ReportError::UnknownFlow { flow, known } => ApiError::new(
            StatusCode::NOT_FOUND,
            "unknown_flow",
            format!("no flow {flow:?} in the published spec or in this range's events; flows: {}", known.join(", ")),
        ),
        ReportError::Store(e) => ApiError::storage(&e),
    }
}

/// `GET /v1/reports/{name}` (JSON) and `GET /v1/reports/{name}.csv?table=…` (CSV).
async fn report_api(State(app): State<Arc<App>>, Path(name): Path<String>, headers: HeaderMap, uri: Uri) -> Result<Response, ApiError> {
    let (base, csv) = match name.strip_suffix(".csv") {
        Some(b) => (b, true),
        None => (name.as_str(), false),
    };
    let kind = Kind::parse(base).ok_or_else(|| {
        let names: Vec<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
        ApiError::new(StatusCode::NOT_FOUND, "unknown_report", format!("no report {base:?}; reports: {}", names.join(", ")))
    })?;
    let project = authenticate(&app, &headers)
        .await?
        .ok_or_else(|| ApiError::new(StatusCode::UNAUTHORIZED, "missing_token", "send the project's admin token as Authorization: Bearer <token>, or sign in to the dashboard"))?;
    let today = date::day_of_ms(crate::now_ms());
    let extra: &[&str] = if csv { &["table"] } else { &[] };
    let q = report::parse_query(kind, &query_pairs(&uri), today, extra).map_err(report_error)?;
    let ctx = Context::load(app.store.clone(), project.id, &q.segment).await.map_err(report_error)?;
    let out = report::compute(&ctx, kind, &q).await.map_err(report_error)?;
    if !csv {
        let mut r = json(StatusCode::OK, out.to_json(&q));
        r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        return Ok(r);
    }
    let tables = out.tables();
    let names: Vec<&str> = tables.iter().map(|t| t.name).collect();
    let table = match (q.param("table"), tables.as_slice()) {
        (Some(t), _) => tables.iter().find(|x| x.name == t).ok_or_else(|| {
            ApiError::new(StatusCode::BAD_REQUEST, "bad_query", format!("the {} report has no table {t:?}; tables: {}", kind.as_str(), names.join(", ")))
        })?,
        (None, [only]) => only,
        (None, _) => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "bad_query",
                format!("the {} report has several tables; add ?table= with one of: {}", kind.as_str(), names.join(", ")),
            ))
        }
    };
    let file = format!("shirube-{}-{}-{}-{}.csv", kind.as_str(), table.name, date::ymd(q.range.from), date::ymd(q.range.to));
    let mut r = ([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], table.to_csv()).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{file}\"")) {
        r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(r)
}

/// `POST /v1/dev/seed?users=N&days=D&seed=S&end=YYYY-MM-DD` (only under `serve --dev`): demo
/// data for the token's project, simulated from its published spec (the Acme program when it
/// has none), exactly as `shirube-collector seed` with the same options would write it.
async fn dev_seed(State(app): State<Arc<App>>, headers: HeaderMap, uri: Uri) -> Result<Response, ApiError> {
    if !app.dev {
        return Err(ApiError::new(StatusCode::NOT_FOUND, "not_found", "POST /v1/dev/seed exists only under serve --dev; use `shirube-collector seed`"));
    }
    let project = authorize_admin(&app, &headers).await?;
    let params = query_pairs(&uri);
    let num = |k: &str, default: u64, max: u64| -> Result<u64, ApiError> {
        match params.iter().find(|(n, _)| n == k) {
            None => Ok(default),
            Some((_, v)) => v.parse::<u64>().ok().filter(|n| (1..=max).contains(n)).ok_or_else(|| ApiError::malformed(format!("{k}={v:?} must be a number from 1 to {max}"))),
        }
    };
    let users = num("users", 3_000, 50_000)? as usize;
    let days = num("days", 90, 3_650)? as u32;
    let seed = num("seed", 42, u64::MAX)?;
    let now = crate::now_ms();
    let end_day = match params.iter().find(|(n, _)| n == "end") {
        None => date::day_of_ms(now),
        Some((_, v)) => date::parse_ymd(v).ok_or_else(|| ApiError::malformed(format!("end={v:?} is not a date; write it as YYYY-MM-DD")))?,
    };
    let specs = app.store.project_specs(project.id).await.map_err(|e| ApiError::storage(&e))?;
    let spec = match specs.as_slice() {
        [(_, row)] => row.body.clone(),
        _ => crate::seed::ACME_SPEC.to_owned(),
    };
    let opts = crate::seed::Options { users, days, end_day, seed, spec, not_after: now };
    let t0 = Instant::now();
    let s = crate::seed::run(app.store.clone(), project.id, &opts, &mut |_| {}).await.map_err(|e| ApiError::storage(&StoreError(e)))?;
    tracing::info!(project = project.name, users = s.users, events = s.events, "seeded demo data");
    Ok(json(
        StatusCode::OK,
        serde_json::json!({ "users": s.users, "events": s.events, "batches": s.batches, "duplicates": s.duplicates, "seconds": t0.elapsed().as_secs_f64() }).to_string(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_and_redirect_targets() {
        let mut h = HeaderMap::new();
        h.append(header::COOKIE, HeaderValue::from_static("a=1; sb_session=abc ; sb_lang=ja"));
        assert_eq!(cookie(&h, SESSION_COOKIE), Some("abc"));
        assert_eq!(lang_of(&h), Lang::Ja);
        assert_eq!(cookie(&h, "nope"), None);
        assert_eq!(safe_next("/dashboard/funnel?flow=x"), "/dashboard/funnel?flow=x");
        assert_eq!(safe_next("//evil.example/"), "/");
        assert_eq!(safe_next("https://evil.example/"), "/");
        assert_eq!(safe_next("/\\evil"), "/");
    }

    #[test]
    fn forms() {
        assert_eq!(
            form_decode("token=sb_admin_%41b+c&next=%2Fdashboard%2Ffunnel%3Fflow%3Dx&bad=%zz"),
            vec![("token".into(), "sb_admin_Ab c".into()), ("next".into(), "/dashboard/funnel?flow=x".into()), ("bad".into(), "%zz".into())]
        );
    }

    #[test]
    fn origin_must_match_host() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8787"));
        assert!(same_origin(&h), "no Origin: not a cross-site form");
        h.insert(header::ORIGIN, HeaderValue::from_static("http://127.0.0.1:8787"));
        assert!(same_origin(&h));
        h.insert(header::ORIGIN, HeaderValue::from_static("https://evil.example"));
        assert!(!same_origin(&h));
    }
}
