//! Static assets, embedded in the binary: GOV.UK Frontend (see
//! `api/assets/govuk-frontend/README.md`) and the hub's own additions.

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

/// (name, content type, body).
const ASSETS: &[(&str, &str, &str)] = &[
    (
        "govuk-frontend.min.css",
        "text/css; charset=utf-8",
        include_str!("../../assets/govuk-frontend/govuk-frontend.min.css"),
    ),
    (
        "govuk-frontend.min.js",
        "text/javascript; charset=utf-8",
        include_str!("../../assets/govuk-frontend/govuk-frontend.min.js"),
    ),
    (
        "tellonce.css",
        "text/css; charset=utf-8",
        include_str!("../../assets/tellonce.css"),
    ),
    (
        "init.js",
        "text/javascript; charset=utf-8",
        include_str!("../../assets/init.js"),
    ),
];

/// `GET /assets/{file}`: an embedded asset, cached for a day.
pub async fn asset(Path(file): Path<String>) -> Response {
    match ASSETS.iter().find(|(name, _, _)| *name == file) {
        Some((_, kind, body)) => (
            [
                (header::CONTENT_TYPE, *kind),
                (header::CACHE_CONTROL, "public, max-age=86400"),
            ],
            *body,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "no such asset").into_response(),
    }
}
