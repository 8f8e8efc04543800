//! A small OpenID Connect provider for the tests, on 127.0.0.1:0: discovery,
//! a JWKS with an RSA key made at run time, `/authorize` without a UI (it
//! answers at once with a code for the identity the test chose, remembering
//! the nonce and the PKCE challenge) and `/token` (the code once, the
//! client's id and secret, the PKCE verifier against the challenge, the
//! redirect URI), which returns an ID token with the nonce. A test can make
//! it misbehave ([`Misbehave`]) to check the hub refuses what it should.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD as B64};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::helpers::RsaKey;

pub const CLIENT_ID: &str = "tellonce-pages";
pub const CLIENT_SECRET: &str = "test-client-secret";

/// What the provider gets wrong in the next ID token, on purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Misbehave {
    Nothing,
    WrongNonce,
    WrongAudience,
    WrongIssuer,
    Expired,
    /// Signed with a key that is not in the JWKS, under the JWKS key's id.
    BadSignature,
}

struct Pending {
    nonce: String,
    challenge: String,
    redirect_uri: String,
    identity: Value,
}

struct Inner {
    issuer: String,
    key: RsaKey,
    /// Not published: tokens it signs must be refused.
    impostor: RsaKey,
    identity: Mutex<Value>,
    misbehave: Mutex<Misbehave>,
    codes: Mutex<HashMap<String, Pending>>,
    /// Token requests refused, with why.
    refusals: Mutex<Vec<String>>,
}

/// The running provider.
pub struct Provider {
    pub issuer: String,
    inner: Arc<Inner>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for Provider {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl Provider {
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let issuer = format!("http://{}", listener.local_addr().expect("addr"));
        let inner = Arc::new(Inner {
            issuer: issuer.clone(),
            key: RsaKey::generate("idp-1"),
            impostor: RsaKey::generate("idp-1"),
            identity: Mutex::new(json!({})),
            misbehave: Mutex::new(Misbehave::Nothing),
            codes: Mutex::new(HashMap::new()),
            refusals: Mutex::new(Vec::new()),
        });
        let app = Router::new()
            .route("/.well-known/openid-configuration", get(discovery))
            .route("/jwks", get(jwks))
            .route("/authorize", get(authorize))
            .route("/token", post(token))
            .with_state(inner.clone());
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self {
            issuer,
            inner,
            server,
        }
    }

    /// The hub's settings for this provider, sending people back to
    /// `{public_url}/signin/callback`.
    pub fn settings(&self, public_url: &str) -> api::config::OidcSettings {
        api::config::OidcSettings {
            issuer: self.issuer.clone(),
            client_id: CLIENT_ID.to_owned(),
            client_secret: Some(api::config::Secret::new(CLIENT_SECRET)),
            scopes: vec!["profile".to_owned()],
            redirect_url: format!("{public_url}/signin/callback"),
            timeout: Duration::from_secs(5),
        }
    }

    /// Whoever signs in next at `/authorize` (identity claims: `sub`,
    /// `roles`, `person_id`, …; the provider adds `iss`, `aud`, `exp`,
    /// `iat` and `nonce`).
    pub fn will_sign_in(&self, identity: Value) {
        *self.inner.identity.lock().expect("lock") = identity;
    }

    pub fn misbehave(&self, how: Misbehave) {
        *self.inner.misbehave.lock().expect("lock") = how;
    }

    /// Why token requests were refused so far.
    pub fn refusals(&self) -> Vec<String> {
        self.inner.refusals.lock().expect("lock").clone()
    }
}

async fn discovery(State(p): State<Arc<Inner>>) -> Json<Value> {
    let i = &p.issuer;
    Json(json!({
        "issuer": i,
        "authorization_endpoint": format!("{i}/authorize"),
        "token_endpoint": format!("{i}/token"),
        "jwks_uri": format!("{i}/jwks"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic"],
        "scopes_supported": ["openid", "profile"],
    }))
}

async fn jwks(State(p): State<Arc<Inner>>) -> Json<Value> {
    Json(json!({ "keys": [p.key.jwk] }))
}

#[derive(Debug, Deserialize)]
struct AuthorizeQuery {
    response_type: String,
    client_id: String,
    redirect_uri: String,
    scope: String,
    state: String,
    nonce: String,
    code_challenge: String,
    code_challenge_method: String,
}

async fn authorize(State(p): State<Arc<Inner>>, Query(q): Query<AuthorizeQuery>) -> Response {
    if q.response_type != "code"
        || q.client_id != CLIENT_ID
        || q.code_challenge_method != "S256"
        || !q.scope.split(' ').any(|s| s == "openid")
    {
        return (StatusCode::BAD_REQUEST, "bad authorization request").into_response();
    }
    let code = format!("code-{}", uuid::Uuid::new_v4().simple());
    let identity = p.identity.lock().expect("lock").clone();
    p.codes.lock().expect("lock").insert(
        code.clone(),
        Pending {
            nonce: q.nonce,
            challenge: q.code_challenge,
            redirect_uri: q.redirect_uri.clone(),
            identity,
        },
    );
    let to = format!(
        "{}?code={code}&state={}",
        q.redirect_uri,
        form_encode(&q.state)
    );
    Redirect::to(&to).into_response()
}

fn form_encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[derive(Debug, Deserialize)]
struct TokenForm {
    grant_type: String,
    code: String,
    redirect_uri: String,
    code_verifier: Option<String>,
}

fn refuse(p: &Inner, why: &str) -> Response {
    p.refusals.lock().expect("lock").push(why.to_owned());
    (
        StatusCode::BAD_REQUEST,
        Json(json!({ "error": "invalid_grant", "error_description": why })),
    )
        .into_response()
}

async fn token(
    State(p): State<Arc<Inner>>,
    headers: HeaderMap,
    Form(form): Form<TokenForm>,
) -> Response {
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|v| STANDARD.decode(v).ok())
        .and_then(|v| String::from_utf8(v).ok());
    if basic.as_deref() != Some(&format!("{CLIENT_ID}:{CLIENT_SECRET}")) {
        return refuse(&p, "client authentication");
    }
    if form.grant_type != "authorization_code" {
        return refuse(&p, "grant type");
    }
    // A code works once.
    let Some(pending) = p.codes.lock().expect("lock").remove(&form.code) else {
        return refuse(&p, "unknown code");
    };
    if form.redirect_uri != pending.redirect_uri {
        return refuse(&p, "redirect uri");
    }
    let verified = form
        .code_verifier
        .as_deref()
        .is_some_and(|v| B64.encode(Sha256::digest(v.as_bytes())) == pending.challenge);
    if !verified {
        return refuse(&p, "pkce");
    }
    let how = *p.misbehave.lock().expect("lock");
    let now = chrono::Utc::now().timestamp();
    let mut claims = pending.identity;
    claims["iss"] = json!(p.issuer);
    claims["aud"] = json!(CLIENT_ID);
    claims["iat"] = json!(now);
    claims["exp"] = json!(now + 300);
    claims["nonce"] = json!(pending.nonce);
    match how {
        Misbehave::Nothing | Misbehave::BadSignature => {}
        Misbehave::WrongNonce => claims["nonce"] = json!("not-the-nonce"),
        Misbehave::WrongAudience => claims["aud"] = json!("someone-else"),
        Misbehave::WrongIssuer => claims["iss"] = json!("https://elsewhere.example"),
        Misbehave::Expired => {
            claims["iat"] = json!(now - 7200);
            claims["exp"] = json!(now - 3600);
        }
    }
    let id_token = if how == Misbehave::BadSignature {
        p.impostor.sign(&claims)
    } else {
        p.key.sign(&claims)
    };
    Json(json!({
        "access_token": format!("at-{}", uuid::Uuid::new_v4().simple()),
        "token_type": "Bearer",
        "expires_in": 300,
        "id_token": id_token,
    }))
    .into_response()
}
