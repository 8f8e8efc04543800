//! Cross-origin calls from browser applications (CORS), for the API
//! routes only, when origins are configured (`TELLONCE_CORS_ORIGINS`).
//! Exact origins, never a wildcard; no credentials (the API takes bearer
//! tokens, never cookies), so a page elsewhere can call the API only with
//! a token its user has.

use std::time::Duration;

use axum::http::{HeaderName, HeaderValue, Method, header};
use tower_http::cors::{AllowOrigin, CorsLayer};

use super::auth::PURPOSE;
use super::request_id::REQUEST_ID;

/// How long a browser may remember a preflight's answer.
pub const PREFLIGHT_MAX_AGE: Duration = Duration::from_secs(3600);

/// The layer for the configured origins; `None` when there are none (then
/// no response carries CORS headers and preflights are not answered).
pub fn layer(origins: &[String]) -> Option<CorsLayer> {
    let origins: Vec<HeaderValue> = origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o).ok())
        .collect();
    if origins.is_empty() {
        return None;
    }
    Some(
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(origins))
            .allow_methods([Method::GET, Method::POST])
            .allow_headers([
                header::AUTHORIZATION,
                header::CONTENT_TYPE,
                header::ACCEPT,
                HeaderName::from_static(PURPOSE),
            ])
            .expose_headers([REQUEST_ID])
            .allow_credentials(false)
            .max_age(PREFLIGHT_MAX_AGE),
    )
}
