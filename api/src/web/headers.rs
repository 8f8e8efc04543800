//! The headers every page and asset carries.

use axum::http::{HeaderValue, header};
use axum::response::Response;

/// Nothing from another origin: styles, scripts, images and fonts come
/// from the hub; no inline script or style; forms post only here; no
/// framing.
pub const CSP: &str = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Adds the Content-Security-Policy and its companions; pages (not
/// assets) are never stored by caches or the browser's history cache, as
/// they hold a child's information. A response that sets its own policy
/// keeps it: the plan document's (no scripts or resources at all, only its
/// one inline style), served on the family pages too.
pub async fn secure(mut response: Response) -> Response {
    let h = response.headers_mut();
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        );
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}
