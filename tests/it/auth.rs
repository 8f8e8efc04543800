use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::routing::get;
use domain::AgencyKind;
use serde_json::{Value, json};
use tokio::sync::RwLock;

use crate::helpers::*;

/// Claims of a practitioner of a `kind` agency, put in the register.
async fn practitioner_claims(app: &TestApp, kind: AgencyKind) -> Value {
    let agency = app.agency(kind).create().await;
    app.practitioner(&agency).claims()
}

const ME: &str = "{ me { subject roles agencyKind } }";

async fn rejected(app: &TestApp, token: Option<&str>, expect: &str) {
    let answer = app.graphql_as(token, None, ME, json!({})).await;
    assert_eq!(answer.status, 401, "{answer:?}");
    assert_eq!(answer.codes(), vec!["UNAUTHENTICATED"], "{answer:?}");
    let message = answer.message();
    assert!(
        message.contains(expect),
        "expected '{expect}' in '{message}'"
    );
    if let Some(token) = token {
        // Neither the token nor any part of it is echoed.
        for part in token.split('.').filter(|p| p.len() > 8) {
            assert!(
                !answer.body.to_string().contains(part),
                "token part echoed: {answer:?}"
            );
        }
    }
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

#[tokio::test]
async fn missing_and_malformed_tokens_are_refused() {
    let app = spawn_app().await;
    rejected(&app, None, "missing bearer token").await;
    rejected(&app, Some("not-a-jwt"), "malformed token").await;
    rejected(&app, Some("a.b.c"), "").await;
    // Basic auth is not a bearer token.
    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .header("authorization", "Basic dXNlcjpwYXNz")
        .body(r#"{"query":"{ me { subject } }"}"#)
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status().as_u16(), 401);
    assert!(response.headers().get("www-authenticate").is_some());
}

#[tokio::test]
async fn expired_and_not_yet_valid_tokens_are_refused() {
    let app = spawn_app().await;
    let mut claims = practitioner_claims(&app, AgencyKind::School).await;
    claims["exp"] = json!(now() - 3600);
    rejected(&app, Some(&app.hs256(&claims)), "token expired").await;
    let mut claims = practitioner_claims(&app, AgencyKind::School).await;
    claims["nbf"] = json!(now() + 3600);
    rejected(&app, Some(&app.hs256(&claims)), "not yet valid").await;
}

#[tokio::test]
async fn wrong_signature_issuer_and_audience_are_refused() {
    let app = spawn_app().await;
    let claims = practitioner_claims(&app, AgencyKind::School).await;
    let forged = forge_hs(
        &json!({"alg": "HS256", "typ": "JWT"}),
        &claims,
        b"not-the-secret",
    );
    rejected(&app, Some(&forged), "bad token signature").await;

    let mut wrong_iss = claims.clone();
    wrong_iss["iss"] = json!("https://evil.example");
    rejected(&app, Some(&app.hs256(&wrong_iss)), "wrong token issuer").await;

    let mut wrong_aud = claims.clone();
    wrong_aud["aud"] = json!("some-other-api");
    rejected(&app, Some(&app.hs256(&wrong_aud)), "wrong token audience").await;

    // A valid token still works, so the refusals above are about the token.
    let ok = app
        .graphql_as(Some(&app.hs256(&claims)), None, ME, json!({}))
        .await;
    assert_eq!(ok.status, 200, "{ok:?}");
    assert_eq!(ok.body["data"]["me"]["agencyKind"], "SCHOOL");
}

#[tokio::test]
async fn missing_claims_are_named() {
    let app = spawn_app().await;
    for (claim, expect) in [
        ("sub", "'sub'"),
        ("exp", "'exp'"),
        ("roles", "'roles'"),
        ("agency_kind", "'agency_kind'"),
        ("agency_id", "'agency_id'"),
    ] {
        let mut claims = practitioner_claims(&app, AgencyKind::Camhs).await;
        claims.as_object_mut().expect("object").remove(claim);
        rejected(&app, Some(&app.hs256(&claims)), expect).await;
    }
    let mut parent = app.family_member("parent-1").claims();
    parent.as_object_mut().expect("object").remove("person_id");
    rejected(&app, Some(&app.hs256(&parent)), "'person_id'").await;
    let mut bad_kind = practitioner_claims(&app, AgencyKind::Camhs).await;
    bad_kind["agency_kind"] = json!("police");
    rejected(&app, Some(&app.hs256(&bad_kind)), "agency_kind").await;
}

#[tokio::test]
async fn alg_none_and_algorithm_confusion_are_refused() {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let app = spawn_app().await;
    let claims = practitioner_claims(&app, AgencyKind::School).await;
    let none = format!(
        "{}.{}.",
        b64.encode(json!({"alg": "none", "typ": "JWT"}).to_string()),
        b64.encode(claims.to_string())
    );
    rejected(&app, Some(&none), "unsupported token algorithm").await;

    // HS256 signed with the RSA public key, labelled with the RSA key's kid.
    let confused = forge_hs(
        &json!({"alg": "HS256", "typ": "JWT", "kid": app.rsa_key.kid}),
        &claims,
        &app.rsa_key.public_der,
    );
    rejected(&app, Some(&confused), "bad token signature").await;

    // A token claiming RS256 for the EC key.
    let mismatched = forge_hs(
        &json!({"alg": "RS256", "kid": app.ec_key.kid}),
        &claims,
        b"x",
    );
    rejected(&app, Some(&mismatched), "unsupported token algorithm").await;

    // With no HS256 secret configured, HS256 is refused outright.
    let jwks_only = spawn_app_with(|s| s.jwt.secret = None).await;
    let hs = forge_hs(
        &json!({"alg": "HS256", "typ": "JWT"}),
        &claims,
        &app.rsa_key.public_der,
    );
    rejected(&jwks_only, Some(&hs), "unsupported token algorithm HS256").await;
}

#[tokio::test]
async fn es256_and_rs256_through_the_jwks_file() {
    let app = spawn_app_with(|s| s.jwt.secret = None).await;
    let claims = practitioner_claims(&app, AgencyKind::Ep).await;
    for token in [app.ec_key.sign(&claims), app.rsa_key.sign(&claims)] {
        let answer = app.graphql_as(Some(&token), None, ME, json!({})).await;
        assert_eq!(answer.status, 200, "{answer:?}");
        assert_eq!(answer.body["data"]["me"]["agencyKind"], "EP");
    }
    let stranger = EcKey::generate("not-in-the-set");
    rejected(&app, Some(&stranger.sign(&claims)), "unknown signing key").await;
    // Same kid, different key: the signature does not verify.
    let impostor = EcKey::generate(&app.ec_key.kid);
    rejected(&app, Some(&impostor.sign(&claims)), "bad token signature").await;
}

/// A JWKS endpoint on 127.0.0.1 whose key set the test can change.
struct JwksServer {
    url: String,
    keys: Arc<RwLock<Value>>,
    fetches: Arc<AtomicUsize>,
}

async fn jwks_server(initial: Value) -> JwksServer {
    let keys = Arc::new(RwLock::new(initial));
    let fetches = Arc::new(AtomicUsize::new(0));
    let (k, f) = (keys.clone(), fetches.clone());
    let router = Router::new().route(
        "/jwks.json",
        get(move || {
            let (k, f) = (k.clone(), f.clone());
            async move {
                f.fetch_add(1, Ordering::SeqCst);
                axum::Json(k.read().await.clone())
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/jwks.json", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, router).await });
    JwksServer { url, keys, fetches }
}

#[tokio::test]
async fn jwks_url_rotation_picks_up_the_new_key() {
    let old = EcKey::generate("2026-old");
    let new = EcKey::generate("2026-new");
    let server = jwks_server(json!({ "keys": [old.jwk] })).await;
    let url = server.url.clone();
    let app = spawn_app_with(|s| {
        s.jwt.secret = None;
        s.jwt.jwks_file = None;
        s.jwt.jwks_url = Some(url);
        s.jwt.jwks_min_refresh = Duration::ZERO;
    })
    .await;
    let claims = practitioner_claims(&app, AgencyKind::Slt).await;
    assert_eq!(
        app.graphql_as(Some(&old.sign(&claims)), None, ME, json!({}))
            .await
            .status,
        200
    );

    // The identity provider rotates: only the new key is published.
    *server.keys.write().await = json!({ "keys": [new.jwk] });
    let answer = app
        .graphql_as(Some(&new.sign(&claims)), None, ME, json!({}))
        .await;
    assert_eq!(answer.status, 200, "{answer:?}");
    rejected(&app, Some(&old.sign(&claims)), "unknown signing key").await;
}

#[tokio::test]
async fn unknown_kids_refetch_at_most_once_per_interval() {
    let key = EcKey::generate("k1");
    let server = jwks_server(json!({ "keys": [key.jwk] })).await;
    let url = server.url.clone();
    let app = spawn_app_with(|s| {
        s.jwt.secret = None;
        s.jwt.jwks_file = None;
        s.jwt.jwks_url = Some(url);
        s.jwt.jwks_min_refresh = Duration::from_secs(60);
    })
    .await;
    assert_eq!(
        server.fetches.load(Ordering::SeqCst),
        1,
        "loaded once at start-up"
    );
    let claims = practitioner_claims(&app, AgencyKind::Ot).await;
    for i in 0..5 {
        let stranger = EcKey::generate(&format!("unknown-{i}"));
        rejected(&app, Some(&stranger.sign(&claims)), "unknown signing key").await;
    }
    assert_eq!(
        server.fetches.load(Ordering::SeqCst),
        1,
        "no refetch within the interval"
    );
    assert_eq!(
        app.graphql_as(Some(&key.sign(&claims)), None, ME, json!({}))
            .await
            .status,
        200
    );
}

/// RFC 7515 §4.1.11: a `crit` header names extensions the recipient must
/// understand; this hub understands none, so any `crit` is refused.
#[tokio::test]
async fn crit_headers_are_refused() {
    let app = spawn_app().await;
    let claims = practitioner_claims(&app, AgencyKind::School).await;
    for header in [
        json!({"alg": "HS256", "typ": "JWT", "crit": ["exp"], "exp": 1}),
        json!({"alg": "HS256", "typ": "JWT", "crit": ["b64"], "b64": false}),
        // Empty or not an array: malformed per the RFC, still named.
        json!({"alg": "HS256", "typ": "JWT", "crit": []}),
        json!({"alg": "HS256", "typ": "JWT", "crit": "b64"}),
    ] {
        let token = forge_hs(&header, &claims, app.secret());
        rejected(&app, Some(&token), "'crit'").await;
    }
    // Positive control: the same header without `crit`, the same secret.
    let token = forge_hs(
        &json!({"alg": "HS256", "typ": "JWT", "exp": 1}),
        &claims,
        app.secret(),
    );
    let ok = app.graphql_as(Some(&token), None, ME, json!({})).await;
    assert_eq!(ok.status, 200, "{ok:?}");
    assert_eq!(ok.body["data"]["me"]["agencyKind"], "SCHOOL");
}

#[tokio::test]
async fn tokens_that_are_not_jwts_are_malformed() {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let app = spawn_app().await;
    let claims = b64.encode(
        practitioner_claims(&app, AgencyKind::School)
            .await
            .to_string(),
    );
    for token in [
        "abc".to_owned(),
        "a.b.c".to_owned(),
        "a.b".to_owned(),
        // Base64url, but the header is not JSON.
        format!("{}.{claims}.c2ln", b64.encode("not json at all")),
        // JSON, but not an object.
        format!("{}.{claims}.c2ln", b64.encode("[\"HS256\"]")),
        format!("{}.{claims}.c2ln", b64.encode("\"HS256\"")),
        // A good header over a payload that is not JSON.
        format!(
            "{}.{}.c2ln",
            b64.encode(r#"{"alg":"HS256"}"#),
            b64.encode("{not json")
        ),
        // Four segments.
        format!("{}.{claims}.c2ln.c2ln", b64.encode(r#"{"alg":"HS256"}"#)),
    ] {
        rejected(&app, Some(&token), "malformed token").await;
    }
    // A JSON header with an unknown algorithm is still about the algorithm.
    let unknown = forge_hs(
        &json!({"alg": "XS999"}),
        &practitioner_claims(&app, AgencyKind::School).await,
        b"x",
    );
    rejected(&app, Some(&unknown), "unsupported token algorithm").await;
}

#[tokio::test]
async fn non_numeric_time_claims_are_invalid_not_missing() {
    let app = spawn_app().await;
    for claim in ["exp", "nbf", "iat"] {
        let mut claims = practitioner_claims(&app, AgencyKind::School).await;
        claims[claim] = json!("tomorrow");
        let answer = app
            .graphql_as(Some(&app.hs256(&claims)), None, ME, json!({}))
            .await;
        assert_eq!(answer.status, 401, "{answer:?}");
        assert_eq!(answer.codes(), vec!["UNAUTHENTICATED"], "{answer:?}");
        assert_eq!(
            answer.message(),
            format!("token claim '{claim}' is invalid: must be a number of seconds since 1970"),
        );
    }
}

#[tokio::test]
async fn a_missing_kid_is_a_header_problem() {
    let app = spawn_app_with(|s| s.jwt.secret = None).await;
    let claims = practitioner_claims(&app, AgencyKind::Ep).await;
    let es = app.ec_key.sign_with_header(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::ES256),
        &claims,
    );
    let rs = app
        .rsa_key
        .sign_with_header(&json!({"alg": "RS256", "typ": "JWT"}), &claims);
    for token in [es, rs] {
        rejected(&app, Some(&token), "token header is missing 'kid'").await;
    }
}
