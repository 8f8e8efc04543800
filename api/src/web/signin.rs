//! Signing in and out of the pages. With an OpenID Connect provider
//! configured, the sign-in page sends people to it; in development (the
//! demo) a persona picker stands in for the provider. Either way the
//! session holds identity claims that make a principal exactly as an API
//! token's do.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Deserialize;
use serde_json::json;

use super::form::PageForm;
use super::session::{self, SIGNIN_COOKIE, SigninGuard, Visitor, safe_next};
use super::view::{PageError, render};
use crate::http::state::AppState;

/// `GET /`: signed in, to the visitor's portal; otherwise to sign in.
pub async fn home(visitor: Result<Visitor, Response>) -> Response {
    match visitor.ok().and_then(|v| v.portal()) {
        Some(session::Portal::Family) => Redirect::to("/family").into_response(),
        Some(session::Portal::Provider) => Redirect::to("/provider").into_response(),
        None => Redirect::to("/signin").into_response(),
    }
}

#[derive(Debug, Deserialize)]
pub struct SigninQuery {
    next: Option<String>,
    ended: Option<String>,
}

/// `GET /signin`: the way in (the provider's button, or the demo's
/// personas).
pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<SigninQuery>,
) -> Result<Response, PageError> {
    let guard = SigninGuard::of(&headers);
    let next = q.next.as_deref().and_then(safe_next).unwrap_or("");
    let personas = demo_personas(&state);
    let html = render(
        "signin.html",
        context! {
            personas => personas,
            oidc => state.oidc.is_some(),
            next => next,
            ended => q.ended.is_some(),
            signin_token => guard.token,
            error => None::<&str>,
        },
    )?;
    let mut response = html.into_response();
    if guard.fresh {
        response.headers_mut().append(
            header::SET_COOKIE,
            session::set_cookie(&state, SIGNIN_COOKIE, &guard.token, 3600),
        );
    }
    Ok(response)
}

/// The personas the picker offers: families and practitioners (case
/// officers and IG staff work through the API).
fn offered(p: &crate::demo::Persona) -> bool {
    p.roles.iter().any(|r| {
        matches!(
            r,
            consent::Role::Family | consent::Role::YoungPerson | consent::Role::Practitioner
        )
    })
}

/// The picker's choices, families first, as `{name, description, family}`.
fn demo_personas(state: &AppState) -> Vec<minijinja::Value> {
    if !state.web.personas {
        return Vec::new();
    }
    let mut personas: Vec<_> = crate::demo::personas()
        .into_iter()
        .filter(offered)
        .collect();
    personas.sort_by_key(|p| p.agency.is_some());
    personas
        .into_iter()
        .map(|p| {
            context! { name => p.name, description => p.description, family => p.agency.is_none() }
        })
        .collect()
}

#[derive(Debug, Deserialize)]
pub struct DemoForm {
    // Missing fields are refused in words by the handler, not by the
    // extractor's plain-text 422.
    #[serde(default)]
    persona: String,
    #[serde(default)]
    signin_token: String,
    #[serde(default)]
    next: String,
}

/// `POST /signin/demo`: signs in as a demo persona (development only).
pub async fn demo(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageForm(form): PageForm<DemoForm>,
) -> Result<Response, PageError> {
    if !state.web.personas {
        return Err(PageError::NotFound);
    }
    SigninGuard::check(&headers, &form.signin_token)?;
    let Some(persona) = crate::demo::persona(&form.persona).filter(offered) else {
        // The picker again, with the problem next to it.
        let html = render(
            "signin.html",
            context! {
                personas => demo_personas(&state),
                oidc => state.oidc.is_some(),
                next => safe_next(&form.next).unwrap_or(""),
                ended => false,
                signin_token => form.signin_token,
                error => "Choose who you are",
            },
        )?;
        return Ok((axum::http::StatusCode::BAD_REQUEST, html).into_response());
    };
    let mut claims = crate::demo::persona_claims(&persona);
    claims["name"] = json!(persona.description);
    // A session this browser had ends: one person, one session.
    session::end(&state, &headers).await;
    let cookie = session::start(&state, &claims, "DEMO").await?;
    let to = safe_next(&form.next).map_or_else(
        || {
            if persona.agency.is_some() {
                "/provider".to_owned()
            } else {
                "/family".to_owned()
            }
        },
        str::to_owned,
    );
    let mut response = Redirect::to(&to).into_response();
    let h = response.headers_mut();
    h.append(header::SET_COOKIE, cookie);
    h.append(
        header::SET_COOKIE,
        session::set_cookie(&state, SIGNIN_COOKIE, "", 0),
    );
    Ok(response)
}

#[derive(Debug, Deserialize)]
pub struct SignoutForm {
    #[serde(default)]
    csrf: String,
}

/// `POST /signout`: ends the session (its row is deleted, the cookie
/// cleared), then the sign-in page.
pub async fn signout(
    State(state): State<AppState>,
    visitor: Visitor,
    headers: HeaderMap,
    PageForm(form): PageForm<SignoutForm>,
) -> Result<Response, PageError> {
    visitor.check_csrf(&form.csrf)?;
    let cleared = session::end(&state, &headers).await;
    let mut response = Redirect::to("/signin").into_response();
    response.headers_mut().append(header::SET_COOKIE, cleared);
    Ok(response)
}
