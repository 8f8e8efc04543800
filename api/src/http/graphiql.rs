//! GraphiQL on `GET /graphql` when introspection is on, served from the
//! binary: the page, its start-up script and stylesheet, and pinned copies
//! of GraphiQL and React (`api/assets/graphiql/README.md` says which, and
//! how to refresh them). Nothing is loaded from elsewhere, so it works
//! offline, and every response carries a Content-Security-Policy that allows
//! the hub's own origin only. With introspection off the page answers 405
//! and the assets 404, as if they were not there.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::error::code;
use crate::http::error::error_response;
use crate::http::state::AppState;

/// Scripts, styles and requests to the hub only; no inline script or
/// style, nothing framed, no form or `<base>` pointing elsewhere. `data:` is
/// no origin: GraphiQL's CSS carries its icons and fonts (Roboto, Fira Code)
/// as `data:` URLs, which `img-src`/`font-src 'self'` alone would block.
/// Checked in Chromium: GraphiQL renders, runs queries and shows the schema
/// with no `'unsafe-inline'`; the one thing refused is the `<style>` element
/// its dialogs add to stop the page scrolling behind them, and this page
/// does not scroll.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// Vendored files have their version in their path, so they never change
/// under it.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// The hub's own page, script and stylesheet change with the hub.
const REVALIDATE: &str = "no-cache";

const JAVASCRIPT: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const HTML: &str = "text/html; charset=utf-8";

const PAGE: &str = include_str!("../../assets/graphiql/index.html");

/// A file under `/graphiql/`.
#[derive(Debug)]
struct Asset {
    name: &'static str,
    body: &'static [u8],
    content_type: &'static str,
    cache: &'static str,
}

const ASSETS: &[Asset] = &[
    Asset {
        name: "react-18.3.1.production.min.js",
        body: include_bytes!("../../assets/graphiql/react@18.3.1/react.production.min.js"),
        content_type: JAVASCRIPT,
        cache: IMMUTABLE,
    },
    Asset {
        name: "react-dom-18.3.1.production.min.js",
        body: include_bytes!("../../assets/graphiql/react-dom@18.3.1/react-dom.production.min.js"),
        content_type: JAVASCRIPT,
        cache: IMMUTABLE,
    },
    Asset {
        name: "graphiql-3.8.3.min.js",
        body: include_bytes!("../../assets/graphiql/graphiql@3.8.3/graphiql.min.js"),
        content_type: JAVASCRIPT,
        cache: IMMUTABLE,
    },
    Asset {
        name: "graphiql-3.8.3.min.css",
        body: include_bytes!("../../assets/graphiql/graphiql@3.8.3/graphiql.min.css"),
        content_type: CSS,
        cache: IMMUTABLE,
    },
    Asset {
        name: "start.js",
        body: include_bytes!("../../assets/graphiql/start.js"),
        content_type: JAVASCRIPT,
        cache: REVALIDATE,
    },
    Asset {
        name: "page.css",
        body: include_bytes!("../../assets/graphiql/page.css"),
        content_type: CSS,
        cache: REVALIDATE,
    },
];

/// `GET /graphql`: the GraphiQL page; paste a demo token into its headers
/// pane.
pub async fn page(State(state): State<AppState>) -> Response {
    if !state.introspection {
        return error_response(
            StatusCode::METHOD_NOT_ALLOWED,
            code::BAD_USER_INPUT,
            "GraphiQL is off: POST GraphQL requests to /graphql",
        );
    }
    respond(PAGE.as_bytes(), HTML, REVALIDATE)
}

/// `GET /graphiql/{asset}`: one of the embedded assets.
pub async fn asset(State(state): State<AppState>, Path(name): Path<String>) -> Response {
    match ASSETS.iter().find(|a| a.name == name) {
        Some(a) if state.introspection => respond(a.body, a.content_type, a.cache),
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

fn respond(body: &'static [u8], content_type: &'static str, cache: &'static str) -> Response {
    let mut response = Body::from(body).into_response();
    let headers = response.headers_mut();
    for (name, value) in [
        (header::CONTENT_TYPE, content_type),
        (header::CACHE_CONTROL, cache),
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The page names each asset, and nothing else under `/graphiql/`.
    #[test]
    fn the_page_and_the_assets_agree() {
        let named: Vec<&str> = PAGE
            .split("\"/graphiql/")
            .skip(1)
            .map(|rest| &rest[..rest.find('"').unwrap_or(rest.len())])
            .collect();
        let mut served: Vec<&str> = ASSETS.iter().map(|a| a.name).collect();
        let mut named_sorted = named.clone();
        named_sorted.sort_unstable();
        served.sort_unstable();
        assert_eq!(named_sorted, served);
    }
}
