//! Identity providers: tokens of Entra ID's, Keycloak's and NHS CIS2's
//! shapes, signed by keys an IdP served from 127.0.0.1 publishes through a
//! discovery document and a JWKS, mapped by the documented configs in
//! `docs/idp/*.toml`; several issuers side by side; the JWKS cache
//! (rotation, removal after the TTL, unknown-kid rate limit, a provider down
//! at start).

mod cache;
mod pages;
mod shapes;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use api::config::{ConfigArgs, IssuerSettings, KeySource, Mode};
use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set};
use serde_json::{Value, json};
use tokio::sync::RwLock;
use uuid::Uuid;

use crate::helpers::{TestApp, spawn_app_with};

pub const ME: &str = "{ me { subject agencyId agencyKind roles personId } }";

/// An identity provider on 127.0.0.1: `{issuer}/.well-known/openid-configuration`
/// and `{issuer}/keys`, with a `Cache-Control` the test sets; JWKS hits counted.
pub struct Idp {
    pub issuer: String,
    pub keys: Arc<RwLock<Value>>,
    pub cache_control: Arc<RwLock<String>>,
    pub jwks_hits: Arc<AtomicUsize>,
    /// Off: both endpoints answer 503.
    pub up: Arc<std::sync::atomic::AtomicBool>,
}

impl Idp {
    /// Serves under `path` (e.g. `/{tenant}/v2.0`), the issuer being
    /// `http://127.0.0.1:{port}{path}`.
    pub async fn start(path: &str, keys: Value) -> Self {
        Self::start_claiming(path, keys, None).await
    }

    /// As [`Idp::start`], its discovery document naming `claimed` as the
    /// issuer instead of its own address.
    pub async fn start_claiming(path: &str, keys: Value, claimed: Option<&str>) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let issuer = format!("http://{}{path}", listener.local_addr().expect("addr"));
        let keys = Arc::new(RwLock::new(keys));
        let cache_control = Arc::new(RwLock::new("public, max-age=3600".to_owned()));
        let jwks_hits = Arc::new(AtomicUsize::new(0));
        let up = Arc::new(std::sync::atomic::AtomicBool::new(true));
        let discovery = json!({
            "issuer": claimed.unwrap_or(&issuer),
            "jwks_uri": format!("{issuer}/keys"),
            "authorization_endpoint": format!("{issuer}/authorize"),
            "token_endpoint": format!("{issuer}/token"),
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256", "ES256"],
        });
        let router = Router::new()
            .route(
                &format!("{path}/.well-known/openid-configuration"),
                get({
                    let up = up.clone();
                    move || async move {
                        if !up.load(Ordering::SeqCst) {
                            return axum::http::StatusCode::SERVICE_UNAVAILABLE.into_response();
                        }
                        axum::Json(discovery.clone()).into_response()
                    }
                }),
            )
            .route(
                &format!("{path}/keys"),
                get({
                    let (keys, cache, hits, up) = (
                        keys.clone(),
                        cache_control.clone(),
                        jwks_hits.clone(),
                        up.clone(),
                    );
                    move || async move {
                        hits.fetch_add(1, Ordering::SeqCst);
                        if !up.load(Ordering::SeqCst) {
                            return axum::http::StatusCode::SERVICE_UNAVAILABLE.into_response();
                        }
                        (
                            [(header::CACHE_CONTROL, cache.read().await.clone())],
                            axum::Json(keys.read().await.clone()),
                        )
                            .into_response()
                    }
                }),
            );
        tokio::spawn(async move { axum::serve(listener, router).await });
        Self {
            issuer,
            keys,
            cache_control,
            jwks_hits,
            up,
        }
    }

    pub fn hits(&self) -> usize {
        self.jwks_hits.load(Ordering::SeqCst)
    }
}

/// The first `[[issuers]]` table of a documented config in `docs/idp/`,
/// pointed at the local IdP (its discovery document).
pub fn documented_issuer(file: &str, idp: &Idp) -> IssuerSettings {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../docs/idp")
        .join(file);
    let settings = ConfigArgs {
        config: Some(path),
        ..Default::default()
    }
    .load(Mode::Serve)
    .expect("the documented config loads");
    let mut issuer = settings.jwt.issuers[0].clone();
    issuer.issuer = idp.issuer.clone();
    issuer.keys = KeySource::Discovery;
    issuer
}

/// A hub trusting these issuers besides the test issuer (with the
/// configuration's default: no floor between key-set fetches).
pub async fn hub_trusting(issuers: Vec<IssuerSettings>) -> TestApp {
    hub_trusting_with(issuers, |_| {}).await
}

/// As [`hub_trusting`], after letting the test adjust the settings.
pub async fn hub_trusting_with(
    issuers: Vec<IssuerSettings>,
    adjust: impl FnOnce(&mut api::config::Settings),
) -> TestApp {
    spawn_app_with(move |s| {
        s.jwt.issuers = issuers;
        s.jwt.jwks_min_refresh = std::time::Duration::ZERO;
        adjust(s);
    })
    .await
}

/// Gives an agency an identifier in the register.
pub async fn identify(app: &TestApp, agency: Uuid, scheme: &str, value: &str) {
    store::entities::agency_identifier::ActiveModel {
        agency_id: Set(agency),
        scheme: Set(scheme.to_owned()),
        value: Set(value.to_owned()),
    }
    .insert(app.store.connection())
    .await
    .expect("insert identifier");
}

/// Retires an agency from the register.
pub async fn retire(app: &TestApp, agency: Uuid) {
    let row = store::entities::agency::Entity::find_by_id(agency)
        .one(app.store.connection())
        .await
        .expect("read agency")
        .expect("agency");
    let mut row = row.into_active_model();
    row.retired_at = Set(Some(chrono::Utc::now()));
    row.update(app.store.connection())
        .await
        .expect("retire agency");
}

/// Seconds since 1970, now.
pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// A request's answer, asserted 401 with `expect` in the message.
pub async fn refused(app: &TestApp, token: &str, expect: &str) {
    let answer = app.graphql_as(Some(token), None, ME, json!({})).await;
    assert_eq!(answer.status, 401, "{answer:?}");
    assert_eq!(answer.codes(), vec!["UNAUTHENTICATED"], "{answer:?}");
    let message = answer.message();
    assert!(
        message.contains(expect),
        "expected '{expect}' in '{message}'"
    );
}

/// `me` for this token, asserted 200.
pub async fn me(app: &TestApp, token: &str) -> Value {
    let answer = app.graphql_as(Some(token), None, ME, json!({})).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert!(answer.body["errors"].is_null(), "{answer:?}");
    answer.body["data"]["me"].clone()
}
