//! Signing in to the pages with the OpenID Connect provider:
//! `GET /signin/oidc?next=…` sends the browser to the provider,
//! `GET /signin/callback?code&state` comes back, and a verified ID token's
//! claims start a session exactly as an API token's would make a principal
//! (the claims map of the trusted issuer of its `iss`, then the agency register).
//!
//! The sign-in in flight is kept server-side (`web_login`, 10 minutes, taken
//! once) under the hash of `state` joined to a random value in a cookie of
//! its own, so a callback only completes in the browser that started it: a
//! `state` carried to another browser (a login-CSRF or a leaked link) finds
//! nothing.

use std::net::{IpAddr, SocketAddr};

use axum::extract::rejection::QueryRejection;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use consent::Role;
use minijinja::context;
use serde::Deserialize;
use store::WebLogin;

use super::session::{self, cookie, hash, now, random_token, safe_next, set_cookie};
use super::view::{PageError, render};
use crate::http::auth::registered;
use crate::http::request_id::request_id_of;
use crate::http::state::AppState;
use crate::oidc::OidcError;

/// The cookie that binds a sign-in in flight to this browser.
pub const BIND_COOKIE: &str = "tellonce_oidc";
/// How long a sign-in may take at the provider.
const LOGIN_MINUTES: i64 = 10;

/// The key a sign-in in flight is kept under: `state` and this browser's
/// binding value, hashed together.
fn login_key(state: &str, bind: &str) -> String {
    hash(&format!("{state}.{bind}"))
}

/// A sign-in that did not work: the error page, in words.
fn failed(status: StatusCode, title: &str, message: &str) -> Response {
    match render(
        "error.html",
        context! { title => title, message => message, status => status.as_u16() },
    ) {
        Ok(html) => {
            let mut r = (status, html).into_response();
            r.headers_mut()
                .append(header::CACHE_CONTROL, "no-store".parse().expect("header"));
            r
        }
        Err(e) => e.into_response(),
    }
}

fn bad_address() -> PageError {
    PageError::BadRequest(format!(
        "This web address is not one we sent. {START_AGAIN}"
    ))
}

const START_AGAIN: &str = "Go back to the start and sign in again.";

fn unavailable() -> Response {
    failed(
        StatusCode::SERVICE_UNAVAILABLE,
        "Sorry, you cannot sign in right now",
        "We cannot reach the sign-in service at the moment. Try again in a few minutes.",
    )
}

#[derive(Debug, Deserialize)]
pub struct StartQuery {
    next: Option<String>,
}

/// `GET /signin/oidc`: to the provider, with PKCE, `state` and `nonce`.
pub async fn start(
    State(state): State<AppState>,
    q: Result<Query<StartQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let Query(q) = q.map_err(|_| bad_address())?;
    let Some(oidc) = state.oidc.clone() else {
        return Err(PageError::NotFound);
    };
    let started = match oidc.start().await {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(error = %e, "starting an OpenID Connect sign-in failed");
            return Ok(unavailable());
        }
    };
    let bind = random_token();
    let now = now(&state);
    let login = WebLogin {
        state_hash: login_key(&started.state, &bind),
        nonce: started.nonce,
        pkce_verifier: started.pkce_verifier,
        return_to: q
            .next
            .as_deref()
            .and_then(safe_next)
            .unwrap_or("")
            .to_owned(),
        created_at: now,
        expires_at: now + chrono::Duration::minutes(LOGIN_MINUTES),
    };
    state.store.create_web_login(&login).await.map_err(|e| {
        tracing::error!(error = ?e, "keeping a sign-in in flight failed");
        PageError::Internal
    })?;
    let mut response = Redirect::to(&started.url).into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(&state, BIND_COOKIE, &bind, LOGIN_MINUTES * 60),
    );
    Ok(response)
}

#[derive(Debug, Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// `GET /signin/callback`: the provider's answer. The sign-in in flight is
/// taken once; the code is exchanged, the ID token verified, its claims
/// checked as an API token's are, and a session starts.
pub async fn callback(
    State(state): State<AppState>,
    headers: HeaderMap,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    q: Result<Query<CallbackQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let Query(q) = q.map_err(|_| bad_address())?;
    let Some(oidc) = state.oidc.clone() else {
        return Err(PageError::NotFound);
    };
    let bind = cookie(&headers, BIND_COOKIE).map(str::to_owned);
    let login = match (&q.state, &bind) {
        (Some(s), Some(b)) => state
            .store
            .take_web_login(&login_key(s, b), now(&state))
            .await
            .map_err(|e| {
                tracing::error!(error = ?e, "reading a sign-in in flight failed");
                PageError::Internal
            })?,
        _ => None,
    };
    if let Some(error) = &q.error {
        tracing::info!(error = %error.chars().take(64).collect::<String>(), "the identity provider returned an error");
        let message = if error == "access_denied" {
            "You did not finish signing in, so you are not signed in. Go back to the start to try again."
        } else {
            "The sign-in service could not sign you in. Go back to the start and try again."
        };
        return Ok(clear_bind(
            &state,
            failed(StatusCode::BAD_REQUEST, "You are not signed in", message),
        ));
    }
    if bind.is_none() {
        return Ok(failed(
            StatusCode::BAD_REQUEST,
            "We could not sign you in",
            "Sign in from the same web browser you started in, with cookies turned on. Go back to the start and sign in again.",
        ));
    }
    let (Some(login), Some(code)) = (login, q.code.as_deref()) else {
        return Ok(failed(
            StatusCode::BAD_REQUEST,
            "This sign-in link has expired",
            &format!(
                "The link has already been used, is too old, or is not one we sent. {START_AGAIN}"
            ),
        ));
    };
    let source = peer.ip();
    let request_id = request_id_of(&headers);
    let claims = match oidc.finish(code, &login.pkce_verifier, &login.nonce).await {
        Ok(c) => c,
        Err(OidcError::Unavailable(e)) => {
            tracing::warn!(error = %e, "finishing an OpenID Connect sign-in failed");
            return Ok(clear_bind(&state, unavailable()));
        }
        Err(OidcError::Refused(e)) => {
            tracing::info!(error = %e, "the identity provider refused the code");
            return Ok(clear_bind(
                &state,
                failed(
                    StatusCode::BAD_REQUEST,
                    "We could not sign you in",
                    &format!("The sign-in service did not confirm who you are. {START_AGAIN}"),
                ),
            ));
        }
        Err(OidcError::Token(reason)) => {
            tracing::info!(reason, "an ID token was refused");
            record_failure(&state, source, reason, &request_id).await?;
            return Ok(clear_bind(
                &state,
                failed(
                    StatusCode::BAD_REQUEST,
                    "We could not sign you in",
                    &format!(
                        "We could not check who you are with the sign-in service. {START_AGAIN}"
                    ),
                ),
            ));
        }
    };
    let principal = match state.auth.map_session_claims(&claims) {
        Ok(identity) => registered(&state, identity).await,
        Err(e) => Err(Some(e)),
    };
    let principal = match principal {
        Ok(p) => p,
        Err(None) => return Err(PageError::Internal),
        Err(Some(e)) => {
            tracing::info!(reason = e.code(), "a signed-in identity was refused");
            record_failure(&state, source, e.code(), &request_id).await?;
            return Ok(clear_bind(
                &state,
                failed(
                    StatusCode::FORBIDDEN,
                    "Your account cannot use tellonce",
                    "You signed in, but your account is not set up to use tellonce here. If you work for a service, ask whoever manages your account to check your organisation is registered. If you are a parent or young person, contact the council's SEND team.",
                ),
            ));
        }
    };
    let home = if principal.has(Role::Family) || principal.has(Role::YoungPerson) {
        "/family"
    } else if principal.is_practitioner() {
        "/provider"
    } else {
        return Ok(clear_bind(
            &state,
            failed(
                StatusCode::FORBIDDEN,
                "This account has no pages in tellonce",
                "The family and provider pages are for families and practitioners. Your account uses tellonce in other ways.",
            ),
        ));
    };
    let mut claims = claims;
    if claims.get("name").is_none() {
        claims["name"] = serde_json::Value::String(session::display_name(&claims));
    }
    // A session this browser had ends: one person, one session.
    session::end(&state, &headers).await;
    let session_cookie = session::start(&state, &claims, "OIDC").await?;
    let to = safe_next(&login.return_to).unwrap_or(home);
    let mut response = Redirect::to(to).into_response();
    response
        .headers_mut()
        .append(header::SET_COOKIE, session_cookie);
    Ok(clear_bind(&state, response))
}

/// Records a refused sign-in as the API records a failed authentication.
async fn record_failure(
    state: &AppState,
    source: IpAddr,
    reason: &'static str,
    request_id: &str,
) -> Result<(), PageError> {
    state
        .failed_auth
        .record(source, reason, request_id, now(state))
        .await
        .map_err(|e| {
            tracing::error!(error = ?e, "recording a failed sign-in failed");
            PageError::Internal
        })
}

/// The response, clearing the binding cookie (the sign-in in flight is
/// spent either way).
fn clear_bind(state: &AppState, mut response: Response) -> Response {
    response
        .headers_mut()
        .append(header::SET_COOKIE, set_cookie(state, BIND_COOKIE, "", 0));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_login_is_keyed_by_state_and_browser_together() {
        assert_eq!(login_key("s", "b"), login_key("s", "b"));
        assert_ne!(login_key("s", "b"), login_key("s", "c"));
        assert_ne!(login_key("s", "b"), login_key("t", "b"));
        assert_eq!(login_key("s", "b").len(), 64);
    }
}
