//! Sessions of the pages: a random value in an HttpOnly cookie, the
//! session itself in the hub's database (`web_session`, keyed by the
//! value's SHA-256), with an idle and an absolute end. The principal is
//! derived from the session's identity claims on every request, with the
//! same claims map and agency-register check as an API
//! token, so a practitioner whose agency leaves the register is signed out
//! at their next click.
//!
//! Every form carries the session's CSRF token ([`Visitor::check_csrf`]);
//! the sign-in form, before any session exists, carries a token that must
//! match a cookie of its own ([`SigninGuard`]).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts, OriginalUri};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine as _;
use chrono::{DateTime, Utc};
use consent::{Principal, Role};
use serde_json::Value;
use sha2::{Digest, Sha256};
use store::WebSession;

use super::view::{PageError, Who};
use crate::http::auth::registered;
use crate::http::request_id::request_id_of;
use crate::http::state::AppState;

/// The session cookie.
pub const SESSION_COOKIE: &str = "tellonce_session";
/// The sign-in form's own token (login CSRF), before a session exists.
pub const SIGNIN_COOKIE: &str = "tellonce_signin";

/// 32 random bytes, base64url.
pub fn random_token() -> String {
    let bytes: [u8; 32] = rand::random();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// SHA-256, hex: what the database keeps of a cookie or `state` value.
pub fn hash(value: &str) -> String {
    Sha256::digest(value.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Equal in constant time (for tokens of the same length).
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// A cookie's value from the request's `Cookie` headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Lax, path `/`, `Secure` when
/// the hub is served over TLS; `max_age` 0 clears it.
pub fn set_cookie(state: &AppState, name: &str, value: &str, max_age: i64) -> HeaderValue {
    let secure = if state.web.secure_cookies() {
        "; Secure"
    } else {
        ""
    };
    let text = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}");
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// "now" for the pages: the hub's fixed clock in tests and demos.
pub fn now(state: &AppState) -> DateTime<Utc> {
    state.clock.unwrap_or_else(Utc::now)
}

/// A signed-in person on a page.
#[derive(Debug, Clone)]
pub struct Visitor {
    pub principal: Principal,
    pub session: WebSession,
    pub request_id: String,
    /// How the page greets them.
    pub name: String,
    pub source: IpAddr,
}

/// Which portal a visitor belongs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Portal {
    Family,
    Provider,
}

impl Visitor {
    pub fn portal(&self) -> Option<Portal> {
        if self.principal.has(Role::Family) || self.principal.has(Role::YoungPerson) {
            Some(Portal::Family)
        } else if self.principal.is_practitioner() {
            Some(Portal::Provider)
        } else {
            None
        }
    }

    /// A young person deciding for themselves (not a parent).
    pub fn is_young_person(&self) -> bool {
        self.principal.has(Role::YoungPerson)
    }

    /// Refuses a form whose CSRF token is not this session's.
    pub fn check_csrf(&self, token: &str) -> Result<(), PageError> {
        if same(token, &self.session.csrf) {
            Ok(())
        } else {
            Err(PageError::Expired)
        }
    }

    /// This visitor, for a family page: refused for anyone else.
    pub fn family(self) -> Result<Self, PageError> {
        match self.portal() {
            Some(Portal::Family) => Ok(self),
            _ => Err(PageError::WrongPortal),
        }
    }

    /// This visitor, for a provider page: refused for anyone else.
    pub fn practitioner(self) -> Result<Self, PageError> {
        match self.portal() {
            Some(Portal::Provider) => Ok(self),
            _ => Err(PageError::WrongPortal),
        }
    }
}

impl From<&Visitor> for Who {
    fn from(v: &Visitor) -> Self {
        Who {
            name: v.name.clone(),
            portal: match v.portal() {
                Some(Portal::Family) => "family",
                Some(Portal::Provider) => "provider",
                None => "",
            },
            young_person: v.is_young_person(),
            csrf: v.session.csrf.clone(),
        }
    }
}

/// The way back in: to the sign-in page, remembering where they were.
fn to_signin(parts: &Parts, ended: bool) -> Response {
    let next = parts
        .extensions
        .get::<OriginalUri>()
        .map_or_else(|| parts.uri.path().to_owned(), |u| u.0.path().to_owned());
    let next = safe_next(&next).unwrap_or("/");
    let mut url = format!("/signin?next={}", urlencode(next));
    if ended {
        url.push_str("&ended=1");
    }
    Redirect::to(&url).into_response()
}

/// `next` if it is a path on this hub's pages (no scheme, no host, no
/// `//`), so sign-in never redirects elsewhere.
pub fn safe_next(next: &str) -> Option<&str> {
    let ok = (next.starts_with("/family") || next.starts_with("/provider"))
        && !next.contains("//")
        && !next.contains('\\')
        && next
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/-_.".contains(&b));
    ok.then_some(next)
}

/// Percent-encodes everything but unreserved characters and `/`.
pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_./~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The display name from identity claims: `name`, else given and family
/// names, else the subject.
pub fn display_name(claims: &Value) -> String {
    let text = |k: &str| claims.get(k).and_then(Value::as_str).map(str::to_owned);
    text("name")
        .or_else(|| match (text("given_name"), text("family_name")) {
            (Some(g), Some(f)) => Some(format!("{g} {f}")),
            (Some(g), None) => Some(g),
            _ => None,
        })
        .or_else(|| text("sub"))
        .unwrap_or_default()
}

impl FromRequestParts<AppState> for Visitor {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let Some(token) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(to_signin(parts, false));
        };
        let token_hash = hash(token);
        let now = now(state);
        let session = match state.store.web_session(&token_hash, now).await {
            Ok(Some(s)) => s,
            Ok(None) => {
                let mut r = to_signin(parts, true);
                r.headers_mut()
                    .append(header::SET_COOKIE, set_cookie(state, SESSION_COOKIE, "", 0));
                return Err(r);
            }
            Err(e) => {
                tracing::error!(error = ?e, "reading a web session failed");
                return Err(PageError::Internal.into_response());
            }
        };
        let claims: Value = serde_json::from_str(&session.claims).unwrap_or(Value::Null);
        let principal = match state.auth.map_session_claims(&claims) {
            Ok(identity) => registered(state, identity).await,
            Err(e) => Err(Some(e)),
        };
        let principal = match principal {
            Ok(p) => p,
            Err(None) => return Err(PageError::Internal.into_response()),
            Err(Some(e)) => {
                // The claims no longer make a principal the hub accepts (an
                // agency left the register): the session ends.
                tracing::info!(reason = e.code(), "web session refused");
                let _ = state.store.delete_web_session(&token_hash).await;
                let mut r = to_signin(parts, true);
                r.headers_mut()
                    .append(header::SET_COOKIE, set_cookie(state, SESSION_COOKIE, "", 0));
                return Err(r);
            }
        };
        let idle = chrono::Duration::from_std(state.web.session_idle)
            .unwrap_or(chrono::Duration::minutes(30));
        let idle_until = (now + idle).min(session.expires_at);
        // Moved on at most once a minute (or half the idle time, if that is
        // shorter): a page's clicks do not each write.
        let step = (idle / 2).min(chrono::Duration::minutes(1));
        if idle_until - session.idle_until >= step
            && let Err(e) = state.store.touch_web_session(&token_hash, idle_until).await
        {
            tracing::error!(error = ?e, "touching a web session failed");
        }
        let source = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0.ip());
        Ok(Visitor {
            name: display_name(&claims),
            principal,
            session,
            request_id: request_id_of(&parts.headers),
            source,
        })
    }
}

/// Starts a session for these identity claims (already verified: an ID
/// token's, or a demo persona's): a fresh random cookie value, so a value
/// planted before sign-in is never the session's. Returns the cookie.
pub async fn start(
    state: &AppState,
    claims: &Value,
    provider: &str,
) -> Result<HeaderValue, PageError> {
    let token = random_token();
    let now = now(state);
    let max =
        chrono::Duration::from_std(state.web.session_max).unwrap_or(chrono::Duration::hours(8));
    let idle =
        chrono::Duration::from_std(state.web.session_idle).unwrap_or(chrono::Duration::minutes(30));
    let session = WebSession {
        token_hash: hash(&token),
        claims: claims.to_string(),
        csrf: random_token(),
        provider: provider.to_owned(),
        signed_in_at: now,
        idle_until: now + idle.min(max),
        expires_at: now + max,
    };
    state
        .store
        .create_web_session(&session)
        .await
        .map_err(|e| {
            tracing::error!(error = ?e, "keeping a web session failed");
            PageError::Internal
        })?;
    Ok(set_cookie(state, SESSION_COOKIE, &token, max.num_seconds()))
}

/// Ends the session of this request's cookie, if any; returns the cookie
/// that clears it.
pub async fn end(state: &AppState, headers: &HeaderMap) -> HeaderValue {
    if let Some(token) = cookie(headers, SESSION_COOKIE)
        && let Err(e) = state.store.delete_web_session(&hash(token)).await
    {
        tracing::error!(error = ?e, "ending a web session failed");
    }
    set_cookie(state, SESSION_COOKIE, "", 0)
}

/// Deletes ended sessions and abandoned sign-ins every ten minutes, for as
/// long as the runtime runs (their rows are refused once ended anyway:
/// this only keeps the table small).
pub fn spawn_sweeper(store: store::Store, clock: Option<DateTime<Utc>>) {
    tokio::spawn(async move {
        // The first sweep a period after start, not while the hub starts.
        let period = std::time::Duration::from_secs(600);
        let mut every = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
        loop {
            every.tick().await;
            match store
                .sweep_web_sessions(clock.unwrap_or_else(Utc::now))
                .await
            {
                Ok(0) => {}
                Ok(n) => tracing::debug!(rows = n, "swept ended web sessions"),
                Err(e) => tracing::warn!(error = ?e, "sweeping web sessions failed"),
            }
        }
    });
}

/// The sign-in form's token: read from its cookie, or made afresh (the
/// page then sets the cookie).
#[derive(Debug, Clone)]
pub struct SigninGuard {
    pub token: String,
    /// Whether the cookie must be set by this response.
    pub fresh: bool,
}

impl SigninGuard {
    pub fn of(headers: &HeaderMap) -> Self {
        match cookie(headers, SIGNIN_COOKIE).filter(|v| v.len() == 43) {
            Some(t) => Self {
                token: t.to_owned(),
                fresh: false,
            },
            None => Self {
                token: random_token(),
                fresh: true,
            },
        }
    }

    /// The form's token matches the cookie's.
    pub fn check(headers: &HeaderMap, form_token: &str) -> Result<(), PageError> {
        match cookie(headers, SIGNIN_COOKIE) {
            Some(t) if t.len() == 43 && same(t, form_token) => Ok(()),
            _ => Err(PageError::Expired),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_is_only_ever_a_page_of_this_hub() {
        assert_eq!(safe_next("/family/children"), Some("/family/children"));
        assert_eq!(safe_next("/provider"), Some("/provider"));
        for bad in [
            "//evil.example/family",
            "https://evil.example/family",
            "/family//evil",
            "/graphql",
            "/family\\..\\x",
            "/family?x=1",
            "",
        ] {
            assert_eq!(safe_next(bad), None, "{bad}");
        }
    }

    #[test]
    fn cookies_are_read_by_exact_name() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("x_tellonce_session=bad; tellonce_session=good"),
        );
        assert_eq!(cookie(&h, SESSION_COOKIE), Some("good"));
        assert_eq!(cookie(&h, SIGNIN_COOKIE), None);
    }

    #[test]
    fn tokens_compare_whole() {
        assert!(same("abc", "abc"));
        assert!(!same("abc", "abd"));
        assert!(!same("abc", "ab"));
        assert_eq!(random_token().len(), 43);
        assert_ne!(random_token(), random_token());
    }
}
