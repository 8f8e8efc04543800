//! The JWKS cache of a discovered issuer: a rotated key is trusted at once,
//! a removed key stops being trusted after the set's lifetime, unknown kids
//! hit the IdP a bounded number of times, and a provider down at start
//! does not stop the hub.

use std::sync::atomic::Ordering;
use std::time::Duration;

use domain::AgencyKind;
use serde_json::{Value, json};

use super::{Idp, documented_issuer, hub_trusting, hub_trusting_with, identify, me, refused};
use crate::helpers::{RsaKey, TestApp};

const PATH: &str = "/aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee/v2.0";

/// A practitioner's Entra-shaped claims for `issuer`.
fn claims(issuer: &str) -> Value {
    let t = chrono::Utc::now().timestamp();
    json!({
        "aud": "5c1a3b0e-8f2d-4a7e-9b61-0d3c2e4f5a6b", "iss": issuer,
        "iat": t, "nbf": t, "exp": t + 3600, "oid": "oid-1", "sub": "s-1",
        "roles": ["Tellonce.Practitioner"],
        "extension_5c1a3b0e8f2d4a7e9b610d3c2e4f5a6b_agencyOds": "RBS",
    })
}

async fn with_agency(app: &TestApp) {
    let agency = app.agency(AgencyKind::Health).create().await;
    identify(app, agency.id, "ODS", "RBS").await;
}

/// Polls `ok` every 100 ms, at most 200 times.
async fn eventually(mut ok: impl AsyncFnMut() -> bool) -> bool {
    for _ in 0..200 {
        if Box::pin(ok()).await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

#[tokio::test]
async fn a_rotated_key_is_trusted_at_once() {
    let old = RsaKey::generate("2026-11");
    let new = RsaKey::generate("2026-12");
    let idp = Idp::start(PATH, json!({ "keys": [old.jwk] })).await;
    let app = hub_trusting(vec![documented_issuer("entra-id.toml", &idp)]).await;
    with_agency(&app).await;
    assert_eq!(idp.hits(), 1, "discovered and loaded at start");
    let claims = claims(&idp.issuer);
    me(&app, &old.sign(&claims)).await;

    // The IdP publishes the next key and signs with it straight away.
    *idp.keys.write().await = json!({ "keys": [old.jwk, new.jwk] });
    me(&app, &new.sign(&claims)).await;
    assert_eq!(idp.hits(), 2, "one refetch for the new kid");
    me(&app, &old.sign(&claims)).await;
}

#[tokio::test]
async fn a_removed_key_is_refused_after_the_sets_lifetime() {
    let old = RsaKey::generate("old");
    let new = RsaKey::generate("new");
    let idp = Idp::start(PATH, json!({ "keys": [old.jwk, new.jwk] })).await;
    *idp.cache_control.write().await = "public, max-age=1".into();
    let app = hub_trusting_with(vec![documented_issuer("entra-id.toml", &idp)], |s| {
        s.jwt.jwks_cache.min_ttl = Duration::from_secs(1);
    })
    .await;
    with_agency(&app).await;
    let claims = claims(&idp.issuer);
    me(&app, &old.sign(&claims)).await;

    // The old key is withdrawn (compromised, say).
    *idp.keys.write().await = json!({ "keys": [new.jwk] });
    let token = old.sign(&claims);
    let refused_now = eventually(async || {
        app.graphql_as(Some(&token), None, super::ME, json!({}))
            .await
            .status
            == 401
    })
    .await;
    assert!(refused_now, "the removed key was still trusted");
    refused(&app, &token, "unknown signing key").await;
    me(&app, &new.sign(&claims)).await;
}

#[tokio::test]
async fn unknown_kids_hit_the_identity_provider_a_bounded_number_of_times() {
    let key = RsaKey::generate("k1");
    let idp = Idp::start(PATH, json!({ "keys": [key.jwk] })).await;
    let app = hub_trusting(vec![documented_issuer("entra-id.toml", &idp)]).await;
    with_agency(&app).await;
    let claims = claims(&idp.issuer);
    let stranger = RsaKey::generate("stranger");
    for i in 0..30 {
        let token = stranger.sign_with_header(
            &json!({ "alg": "RS256", "typ": "JWT", "kid": format!("unknown-{i}") }),
            &claims,
        );
        refused(&app, &token, "unknown signing key").await;
    }
    // One load at start, one refetch for the first unknown kid; the rest
    // wait out the backoff (10 s, doubling).
    assert_eq!(idp.hits(), 2);
    me(&app, &key.sign(&claims)).await;
}

#[tokio::test]
async fn a_provider_down_at_start_does_not_stop_the_hub() {
    let key = RsaKey::generate("k1");
    let idp = Idp::start(PATH, json!({ "keys": [key.jwk] })).await;
    idp.up.store(false, Ordering::SeqCst);
    let app = hub_trusting(vec![documented_issuer("entra-id.toml", &idp)]).await;
    with_agency(&app).await;
    let token = key.sign(&claims(&idp.issuer));
    refused(&app, &token, "signing keys are unavailable").await;

    idp.up.store(true, Ordering::SeqCst);
    let served = eventually(async || {
        app.graphql_as(Some(&token), None, super::ME, json!({}))
            .await
            .status
            == 200
    })
    .await;
    assert!(served, "the hub never retried discovery");
}

#[tokio::test]
async fn a_discovery_document_for_another_issuer_is_not_trusted() {
    let key = RsaKey::generate("k1");
    let idp = Idp::start_claiming(
        PATH,
        json!({ "keys": [key.jwk] }),
        Some("https://login.microsoftonline.com/someone-else/v2.0"),
    )
    .await;
    let app = hub_trusting(vec![documented_issuer("entra-id.toml", &idp)]).await;
    let claims = claims(&idp.issuer);
    refused(&app, &key.sign(&claims), "signing keys are unavailable").await;
    assert_eq!(
        idp.hits(),
        0,
        "the JWKS of a mismatched document is never fetched"
    );
}
