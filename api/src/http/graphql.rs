//! `POST /graphql`: batches in order, every document guarded, nothing
//! sent before its trace entries are durable.

use async_graphql::BatchRequest;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::Utc;

use super::auth::{Caller, context_for};
use super::error::error_response;
use super::state::AppState;
use crate::access::RequestContext;
use crate::error::{INTERNAL_MESSAGE, code};
use crate::graphql::AppSchema;
use crate::graphql::guard::{self, DocumentLimits};

async fn execute_in_order(
    schema: &AppSchema,
    request: BatchRequest,
    context: RequestContext,
) -> async_graphql::BatchResponse {
    match request {
        BatchRequest::Single(r) => {
            async_graphql::BatchResponse::Single(schema.execute(r.data(context)).await)
        }
        BatchRequest::Batch(requests) => {
            let mut responses = Vec::with_capacity(requests.len());
            for r in requests {
                responses.push(schema.execute(r.data(context.clone())).await);
            }
            async_graphql::BatchResponse::Batch(responses)
        }
    }
}

/// Checks every document of the request with the guard (bounded work) and
/// keeps the parsed document, so nothing parses a document twice or before
/// the guard. Returns the span for the request: operation name(s) and
/// type(s), never the query text or variables (they can hold identifiers).
/// A refused document carries its refusal, which the schema's guard answers.
fn checked_and_span(
    request: &mut BatchRequest,
    limits: &DocumentLimits,
    allowed_names: &std::collections::BTreeSet<String>,
) -> tracing::Span {
    let requests: Vec<&mut async_graphql::Request> = match request {
        BatchRequest::Single(r) => vec![r],
        BatchRequest::Batch(rs) => rs.iter_mut().collect(),
    };
    let mut names = Vec::new();
    let mut types = Vec::new();
    for r in requests {
        let doc = match guard::check(&r.query, &r.variables, limits) {
            Ok(doc) => doc,
            Err(refusal) => {
                names.push(String::new());
                types.push("invalid");
                r.data.insert(guard::Checked::Refused(refusal));
                continue;
            }
        };
        for (name, op) in doc.operations.iter() {
            if r.operation_name.is_some() && name.map(|n| n.as_str()) != r.operation_name.as_deref()
            {
                continue;
            }
            names.push(name.map_or_else(|| "anonymous".to_owned(), |n| n.to_string()));
            types.push(match op.node.ty {
                async_graphql::parser::types::OperationType::Query => "query",
                async_graphql::parser::types::OperationType::Mutation => "mutation",
                async_graphql::parser::types::OperationType::Subscription => "subscription",
            });
        }
        r.set_parsed_query(doc);
        r.data.insert(guard::Checked::Passed);
    }
    crate::telemetry::graphql_span(&names, &types, allowed_names)
}

pub async fn graphql(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let body = match body {
        Ok(body) => body,
        Err(rejection) => {
            let status = rejection.status();
            let message = if status == StatusCode::PAYLOAD_TOO_LARGE {
                "request body is too large".to_owned()
            } else {
                rejection.body_text()
            };
            return error_response(status, code::BAD_USER_INPUT, &message);
        }
    };
    let Caller {
        principal,
        request_id,
    } = caller;
    let request: BatchRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => {
            let message = format!(
                "the body is not a GraphQL request (JSON with a \"query\"): error at line {}, column {}",
                e.line(),
                e.column()
            );
            return error_response(StatusCode::BAD_REQUEST, code::BAD_USER_INPUT, &message);
        }
    };
    if let BatchRequest::Batch(items) = &request
        && items.len() > state.max_batch
    {
        let message = format!("at most {} operations per batch", state.max_batch);
        return error_response(StatusCode::BAD_REQUEST, code::BAD_USER_INPUT, &message);
    }
    let now = state.clock.unwrap_or_else(Utc::now);
    let trace_id = crate::telemetry::current_trace_id();
    let mut request = request;
    let span = checked_and_span(
        &mut request,
        &state.document_limits,
        &state.otel_operation_names,
    );
    let context = context_for(&state, principal, request_id, trace_id, now);
    // A batch runs one operation after another, in order, so a read that
    // follows a withdrawal in the same batch sees it.
    let response = tracing::Instrument::instrument(
        execute_in_order(&state.schema, request, context.clone()),
        span.clone(),
    )
    .await;
    crate::telemetry::graphql_outcome(&span, &response);
    // Nothing leaves the hub before its trace entries are durable.
    if context.finish().await.is_err() {
        return error_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            code::INTERNAL,
            INTERNAL_MESSAGE,
        );
    }
    // A document refused before execution (syntax, bounds, validation) is
    // the client's error: 400, as GraphQL over HTTP says.
    let status = if refused_before_execution(&response) {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    (status, Json(response)).into_response()
}

/// Every operation failed before execution: no data, and errors at no path.
fn refused_before_execution(response: &async_graphql::BatchResponse) -> bool {
    let refused = |r: &async_graphql::Response| {
        r.data == async_graphql::Value::Null
            && !r.errors.is_empty()
            && r.errors.iter().all(|e| e.path.is_empty())
    };
    match response {
        async_graphql::BatchResponse::Single(r) => refused(r),
        async_graphql::BatchResponse::Batch(rs) => !rs.is_empty() && rs.iter().all(refused),
    }
}
