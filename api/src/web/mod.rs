//! The hub's own pages: the Parent Portal under `/family` and the Provider
//! Portal under `/provider`, server-rendered, working without JavaScript,
//! with every asset served from here under a strict Content-Security-Policy.
//!
//! A page is an in-process client of the hub's GraphQL schema ([`gql`]):
//! it builds the request's context with the same [`context_for`] as every
//! transport, runs one operation through the same schema (guard, door,
//! decisions) and waits for the trace entries to be durable before it
//! renders a byte. A page can therefore never show what the API would not
//! show the same person, and every disclosure lands on the same trace.
//!
//! [`context_for`]: crate::http::auth::context_for
//!
//! - [`session`]: the session cookie, server-side session rows, the
//!   [`session::Visitor`] extractor and CSRF checks;
//! - [`signin`]: the sign-in page (OIDC, or the demo's persona picker) and
//!   sign-out;
//! - [`oidc`]: signing in with the OpenID Connect provider (the flow's
//!   two ends, the claims checked as an API token's);
//! - [`view`]: the templates (minijinja, auto-escaped), plain-English
//!   filters and the error page;
//! - [`assets`]: GOV.UK Frontend and our own CSS/JS, embedded;
//! - [`family`] and [`provider`]: the two portals.

pub mod assets;
pub mod family;
pub mod form;
pub mod gql;
pub mod headers;
pub mod oidc;
pub mod provider;
pub mod session;
pub mod signin;
pub mod view;

use axum::Router;
use axum::routing::{get, post};

use crate::http::state::AppState;

/// The pages' routes, with their security headers.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(signin::home))
        .route("/signin", get(signin::page))
        .route("/signin/demo", post(signin::demo))
        .route("/signin/oidc", get(oidc::start))
        .route("/signin/callback", get(oidc::callback))
        .route("/signout", post(signin::signout))
        .route("/assets/{file}", get(assets::asset))
        .merge(family::routes())
        .merge(provider::routes())
        .layer(axum::middleware::map_response(headers::secure))
}
