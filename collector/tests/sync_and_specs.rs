//! Per-user state sync (HMAC-signed user ids, optimistic concurrency) and spec hosting
//! (validation with the SDK's own validator, versions, ETag / 304), on SQLite and PostgreSQL.

mod common;

use common::*;
use shirube_collector::project::sign_user;

fn state_path(user: &str, hash: &str) -> String {
    format!("/v1/state/acme/{user}?wk={KEY}&h={hash}")
}

async fn state_sync(b: Backend) {
    let s = Server::start(&b).await;
    let h = sign_user(SECRET, "u_42");
    let r = s.req("GET", &state_path("u_42", &h), &[], b"").await;
    assert_eq!(r.status, 200, "no state yet is a 200 with null state");
    assert_eq!((r.json()["state"].clone(), r.json()["version"].clone()), (serde_json::Value::Null, serde_json::json!(0)));
    let r = s.post(&state_path("u_42", &h), r#"{"state":{"milestones":["first_project"]},"base_version":0}"#).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["version"], 1);
    let r = s.req("GET", &state_path("u_42", &h), &[("Origin", ORIGIN)], b"").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["state"]["milestones"][0], "first_project");
    assert_eq!(r.json()["version"], 1);
    assert_eq!(r.header("etag"), Some("\"1\""));
    // A second device that never saw version 1 writes from 0: conflict, with what to merge.
    let r = s.post(&state_path("u_42", &h), r#"{"state":{"milestones":["toured"]},"base_version":0}"#).await;
    assert_eq!(r.status, 409);
    assert_eq!(r.json()["version"], 1);
    assert_eq!(r.json()["state"]["milestones"][0], "first_project");
    let r = s.post(&state_path("u_42", &h), r#"{"state":{"milestones":["first_project","toured"]},"base_version":1}"#).await;
    assert_eq!(r.json()["version"], 2);
    // A stale base after that is a conflict again.
    assert_eq!(s.post(&state_path("u_42", &h), r#"{"state":{},"base_version":1}"#).await.status, 409);
    // Another user's state cannot be read or written with this user's hash, nor without one.
    let r = s.req("GET", &state_path("u_43", &h), &[], b"").await;
    assert_eq!((r.status, r.code()), (401, "bad_hash".into()));
    assert_eq!(s.req("GET", &format!("/v1/state/acme/u_42?wk={KEY}"), &[], b"").await.status, 401);
    assert_eq!(s.post(&state_path("u_43", &h), r#"{"state":{},"base_version":0}"#).await.status, 401);
    // Key and origin rules apply as for ingest.
    assert_eq!(s.req("GET", &format!("/v1/state/acme/u_42?h={h}"), &[], b"").await.status, 401);
    assert_eq!(s.req("GET", &state_path("u_42", &h), &[("Origin", "https://evil.example")], b"").await.status, 403);
    // A project without an identity secret has state sync off.
    let r = s.req("GET", &format!("/v1/state/acme/u_42?wk={OTHER_KEY}&h={h}"), &[], b"").await;
    assert_eq!((r.status, r.code()), (403, "state_sync_off".into()));
    // Limits and shape.
    let big = format!(r#"{{"state":{{"x":"{}"}},"base_version":2}}"#, "x".repeat(70 * 1024));
    assert_eq!(s.post(&state_path("u_42", &h), &big).await.status, 413);
    for bad in [r#"{"state":[],"base_version":2}"#, r#"{"state":{}}"#, r#"{"state":{},"base_version":-1}"#, "nope"] {
        let r = s.post(&state_path("u_42", &h), bad).await;
        assert_eq!((r.status, r.code()), (400, "malformed".into()), "{bad}");
    }
    // Concurrent writers from one base: exactly one wins.
    let mut tasks = Vec::new();
    for n in 0..10 {
        let (addr, path) = (s.addr, state_path("u_42", &h));
        tasks.push(tokio::spawn(async move {
            let body = format!(r#"{{"state":{{"n":{n}}},"base_version":2}}"#);
            request(addr, "POST", &path, &[], body.as_bytes()).await.status
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.expect("task"));
    }
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409, 409, 409, 409, 409, 409, 409, 409, 409]);
    let r = s.req("GET", &state_path("u_42", &h), &[], b"").await;
    assert_eq!(r.json()["version"], 3);
    let _ = s.stop().await;
}

fn fixture(name: &str) -> String {
    let path = format!("{}/../tests/fixtures/spec/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

async fn spec_hosting(b: Backend) {
    let s = Server::start(&b).await;
    let auth = format!("Bearer {ADMIN}");
    let put = |body: String| {
        let auth = auth.clone();
        let addr = s.addr;
        async move { request(addr, "PUT", "/v1/specs/acme", &[("Authorization", &auth), ("Content-Type", "application/json")], body.as_bytes()).await }
    };
    assert_eq!(s.req("GET", "/v1/specs/acme", &[], b"").await.status, 404);
    // An invalid spec: 422 with exactly the validator's diagnostics (what the CLI prints).
    let bad = fixture("invalid/comment-and-typo.json");
    let r = put(bad.clone()).await;
    assert_eq!((r.status, r.code()), (422, "invalid_spec".into()), "{}", r.text());
    let expected: serde_json::Value =
        serde_json::from_str(&shirube::core::diagnostic::to_json_array(&shirube::validate(&bad).diagnostics)).expect("json");
    assert_eq!(r.json()["diagnostics"], expected);
    assert_eq!(r.json()["diagnostics"][0]["code"], "unknown-key");
    // The design example publishes as version 1.
    let good = fixture("valid/design-example.json");
    let r = put(good.clone()).await;
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.json()["version"], 1);
    let etag1 = r.json()["etag"].as_str().expect("etag").to_owned();
    assert_eq!(r.header("etag"), Some(etag1.as_str()));
    // The public GET serves the text as published, with ETag, and 304 when unchanged.
    let r = s.req("GET", "/v1/specs/acme", &[("Origin", ORIGIN)], b"").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.text(), good);
    assert_eq!(r.header("etag"), Some(etag1.as_str()));
    assert_eq!(r.header("cache-control"), Some("no-cache"));
    assert_eq!(r.header("access-control-allow-origin"), Some(ORIGIN));
    let r = s.req("GET", "/v1/specs/acme", &[("If-None-Match", &etag1)], b"").await;
    assert_eq!((r.status, r.body.len()), (304, 0));
    assert_eq!(s.req("GET", "/v1/specs/acme", &[("If-None-Match", &format!("W/{etag1}"))], b"").await.status, 304);
    assert_eq!(s.req("GET", "/v1/specs/acme", &[("If-None-Match", "\"stale\"")], b"").await.status, 200);
    // A new revision becomes version 2 and the current one; version 1 is kept.
    let v2 = good.replace("2026-11-22.3", "2026-11-23.1");
    assert_ne!(v2, good, "the fixture has the revision this test edits");
    let r = put(v2.clone()).await;
    assert_eq!(r.json()["version"], 2);
    let etag2 = r.json()["etag"].as_str().expect("etag").to_owned();
    assert_ne!(etag1, etag2);
    let r = s.req("GET", "/v1/specs/acme", &[("If-None-Match", &etag1)], b"").await;
    assert_eq!((r.status, r.text()), (200, v2.clone()));
    let r = s.req("GET", "/v1/specs/acme/versions", &[("Authorization", &auth)], b"").await;
    let versions = r.json();
    assert_eq!(versions[0]["version"], 2);
    assert_eq!(versions[0]["revision"], "2026-11-23.1");
    assert_eq!(versions[1]["version"], 1);
    assert_eq!(versions[1]["etag"], etag1.as_str());
    let r = s.req("GET", "/v1/specs/acme/versions/1", &[("Authorization", &auth)], b"").await;
    assert_eq!(r.text(), good);
    assert_eq!(s.req("GET", "/v1/specs/acme/versions/9", &[("Authorization", &auth)], b"").await.status, 404);
    assert_eq!(s.req("GET", "/v1/specs/acme/versions/x", &[("Authorization", &auth)], b"").await.status, 400);
    // Admin endpoints need the token; another project cannot take over the product.
    assert_eq!(s.req("PUT", "/v1/specs/acme", &[], good.as_bytes()).await.code(), "missing_token");
    assert_eq!(s.req("GET", "/v1/specs/acme/versions", &[], b"").await.status, 401);
    let r = s.req("PUT", "/v1/specs/acme", &[("Authorization", &format!("Bearer {OTHER_ADMIN}"))], good.as_bytes()).await;
    assert_eq!((r.status, r.code()), (409, "product_taken".into()));
    assert_eq!(s.req("GET", "/v1/specs/acme/versions", &[("Authorization", &format!("Bearer {OTHER_ADMIN}"))], b"").await.status, 404);
    // The product in the URL must be the spec's.
    let r = s.req("PUT", "/v1/specs/other", &[("Authorization", &auth)], good.as_bytes()).await;
    assert_eq!((r.status, r.code()), (422, "product_mismatch".into()));
    let _ = s.stop().await;
}

both!(state_sync, spec_hosting);
