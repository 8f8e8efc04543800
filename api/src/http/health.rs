//! Health endpoints for an orchestrator: `/healthz` (the process is up;
//! never touches the database) and `/readyz` (the database takes writes,
//! answered within [`store::READY_WITHIN`]).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::http::state::AppState;

/// Liveness: 200 while the process serves HTTP.
pub async fn healthz() -> Json<serde_json::Value> {
    Json(json!({ "status": "ok" }))
}

/// Readiness: 200 `{"status":"ready"}`, or 503
/// `{"status":"unavailable","reason":…}` saying why.
pub async fn readyz(State(state): State<AppState>) -> Response {
    match state.store.ready().await.reason() {
        None => Json(json!({ "status": "ready" })).into_response(),
        Some(reason) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "unavailable", "reason": reason })),
        )
            .into_response(),
    }
}
