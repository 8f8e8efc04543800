//! GraphQL-shaped answers outside execution, and the time limit.

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::error::code;

/// A request that takes longer than the limit answers 408 with a
/// GraphQL-shaped body, like every other error. (An export's body streams on
/// after its headers; only the time to the first byte is limited.)
pub async fn time_limit(
    State(limit): State<Duration>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => error_response(
            StatusCode::REQUEST_TIMEOUT,
            code::TIMEOUT,
            &format!(
                "the request took longer than {} s and was stopped",
                limit.as_secs_f64()
            ),
        ),
    }
}

/// A GraphQL-shaped error response outside execution (auth, transport).
pub(crate) fn error_response(status: StatusCode, code: &str, message: &str) -> Response {
    let body = Json(json!({ "errors": [{ "message": message, "extensions": { "code": code } }] }));
    let mut response = (status, body).into_response();
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer error=\"invalid_token\""),
        );
    }
    response
}
