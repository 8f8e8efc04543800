//! `POST /graphql` and `GET /graphql?query=…`, by GraphQL over HTTP:
//! batches in order, every document guarded, nothing sent before its trace
//! entries are durable; answers in `application/graphql-response+json` or
//! `application/json` as the client accepts ([`super::media`]), with that
//! media type's status codes; automatic persisted queries
//! ([`super::apq`]).

use async_graphql::BatchRequest;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequest as _, FromRequestParts as _, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;

use super::apq::{self, Lookup};
use super::auth::{Caller, context_for};
use super::error::error_response;
use super::media::{self, Answer};
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

/// `POST /graphql`. Checks, in order: `Accept` (406), the caller (401),
/// `Content-Type` (415), the body (413, 400).
pub async fn graphql(State(state): State<AppState>, request: axum::extract::Request) -> Response {
    let (mut parts, body) = request.into_parts();
    let Ok(answer) = media::negotiate(&parts.headers) else {
        return not_acceptable();
    };
    let caller = match Caller::from_request_parts(&mut parts, &state).await {
        Ok(caller) => caller,
        Err(refused) => return answer.label(refused),
    };
    if let Err(message) = media::check_content_type(&parts.headers) {
        let refused = error_response(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            code::BAD_USER_INPUT,
            message,
        );
        return answer.label(refused);
    }
    let body = Bytes::from_request(axum::extract::Request::from_parts(parts, body), &state).await;
    let body = match body {
        Ok(body) => body,
        Err(rejection) => {
            let status = rejection.status();
            let message = if status == StatusCode::PAYLOAD_TOO_LARGE {
                "request body is too large".to_owned()
            } else {
                rejection.body_text()
            };
            return answer.label(error_response(status, code::BAD_USER_INPUT, &message));
        }
    };
    let request: BatchRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => {
            let message = format!(
                "the body is not a GraphQL request (JSON with a \"query\"): error at line {}, column {}",
                e.line(),
                e.column()
            );
            let refused = error_response(StatusCode::BAD_REQUEST, code::BAD_USER_INPUT, &message);
            return answer.label(refused);
        }
    };
    answer.label(run(&state, caller, request, answer, Method::Post).await)
}

/// The parameters of `GET /graphql`, as GraphQL over HTTP encodes them.
#[derive(Debug, serde::Deserialize)]
struct GetParams {
    query: Option<String>,
    #[serde(rename = "operationName")]
    operation_name: Option<String>,
    /// JSON, URL-encoded.
    variables: Option<String>,
    /// JSON, URL-encoded (persisted queries).
    extensions: Option<String>,
}

/// `GET /graphql`: a query (never a mutation: 405) when the URL carries
/// GraphQL parameters; otherwise GraphiQL for a browser.
pub async fn get(State(state): State<AppState>, request: axum::extract::Request) -> Response {
    let (mut parts, _) = request.into_parts();
    let params = axum::extract::Query::<GetParams>::try_from_uri(&parts.uri);
    let graphql_params = params
        .as_ref()
        .map_or(true, |p| p.0.query.is_some() || p.0.extensions.is_some());
    if !graphql_params && accepts_html(&parts.headers) {
        return super::graphiql::page(State(state)).await;
    }
    let Ok(answer) = media::negotiate(&parts.headers) else {
        return not_acceptable();
    };
    let caller = match Caller::from_request_parts(&mut parts, &state).await {
        Ok(caller) => caller,
        Err(refused) => return answer.label(refused),
    };
    let request = params
        .map_err(|e| e.body_text())
        .and_then(|axum::extract::Query(p)| get_request(p));
    match request {
        Ok(request) => answer.label(
            run(
                &state,
                caller,
                BatchRequest::Single(request),
                answer,
                Method::Get,
            )
            .await,
        ),
        Err(message) => answer.label(error_response(
            StatusCode::BAD_REQUEST,
            code::BAD_USER_INPUT,
            &message,
        )),
    }
}

/// Any other method on `/graphql`: 405, naming the ones it takes.
pub async fn method_not_allowed() -> Response {
    let mut response = error_response(
        StatusCode::METHOD_NOT_ALLOWED,
        code::BAD_USER_INPUT,
        "/graphql takes POST (any operation) and GET (queries only)",
    );
    response
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("GET, POST"));
    response
}

fn not_acceptable() -> Response {
    error_response(
        StatusCode::NOT_ACCEPTABLE,
        code::BAD_USER_INPUT,
        "Accept must allow application/graphql-response+json or application/json",
    )
}

/// A browser asking for a page (GraphiQL): `text/html` accepted, or no
/// preference at all (`*/*`, or no `Accept`).
fn accepts_html(headers: &HeaderMap) -> bool {
    let mut accept = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|r| {
            r.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        })
        .filter(|r| !r.is_empty())
        .peekable();
    accept.peek().is_none() || accept.any(|r| r == "text/html" || r == "text/*" || r == "*/*")
}

/// A GET request's parameters as a GraphQL request (the same shape a POST
/// body has). An empty `operationName` means none, as the specification
/// says.
fn get_request(p: GetParams) -> Result<async_graphql::Request, String> {
    let json_object = |name: &str, text: Option<String>| -> Result<serde_json::Value, String> {
        match text {
            None => Ok(serde_json::Value::Null),
            Some(text) => match serde_json::from_str::<serde_json::Value>(&text) {
                Ok(v @ (serde_json::Value::Object(_) | serde_json::Value::Null)) => Ok(v),
                _ => Err(format!("the {name} parameter must be a JSON object")),
            },
        }
    };
    let body = serde_json::json!({
        "query": p.query.unwrap_or_default(),
        "operationName": p.operation_name.filter(|n| !n.is_empty()),
        "variables": json_object("variables", p.variables)?,
        "extensions": json_object("extensions", p.extensions)?,
    });
    serde_json::from_value(body).map_err(|_| "the parameters are not a GraphQL request".to_owned())
}

/// How the request arrived: GET may not run mutations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Method {
    Get,
    Post,
}

/// What became of one operation of the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// It executed (data present, possibly with field errors).
    Executed,
    /// Refused before execution: syntax, bounds, validation.
    Refused,
    /// A persisted query the hub does not know.
    NotFound,
}

/// Runs a parsed request for a verified caller: persisted queries, the
/// guard, execution in order, the trace, then the answer with the status
/// its media type gives it.
async fn run(
    state: &AppState,
    caller: Caller,
    request: BatchRequest,
    answer: Answer,
    method: Method,
) -> Response {
    let Caller {
        principal,
        request_id,
    } = caller;
    if let BatchRequest::Batch(items) = &request
        && items.len() > state.max_batch
    {
        let message = format!("at most {} operations per batch", state.max_batch);
        return error_response(StatusCode::BAD_REQUEST, code::BAD_USER_INPUT, &message);
    }
    // Persisted queries: the cache is the caller's own.
    let cache_key = format!(
        "{}\u{1f}{}",
        principal.subject,
        principal
            .agency
            .as_ref()
            .map(|a| a.id.to_string())
            .unwrap_or_default()
    );
    let (batch, items) = match request {
        BatchRequest::Single(r) => (false, vec![r]),
        BatchRequest::Batch(rs) => (true, rs),
    };
    let mut lookups = Vec::with_capacity(items.len());
    let mut to_run = Vec::with_capacity(items.len());
    for mut item in items {
        match state.persisted.resolve(&cache_key, &mut item) {
            Ok(Lookup::NotFound) => lookups.push(Lookup::NotFound),
            Ok(lookup) => {
                lookups.push(lookup);
                to_run.push(item);
            }
            Err(refused) => {
                return error_response(
                    StatusCode::BAD_REQUEST,
                    code::BAD_USER_INPUT,
                    &refused.to_string(),
                );
            }
        }
    }
    let mut executed = Vec::new();
    if !to_run.is_empty() {
        let mut request = if batch {
            BatchRequest::Batch(to_run)
        } else {
            BatchRequest::Single(to_run.remove(0))
        };
        let span = checked_and_span(
            &mut request,
            &state.document_limits,
            &state.otel_operation_names,
        );
        // GET is safe: it never changes anything. Checked for every
        // operation before any document is remembered, so a refused
        // request leaves nothing in the cache.
        if method == Method::Get
            && requests_of(&mut request)
                .into_iter()
                .any(|item| passed(item) && is_mutation(item))
        {
            let mut refused = error_response(
                StatusCode::METHOD_NOT_ALLOWED,
                code::BAD_USER_INPUT,
                "mutations are sent by POST, never GET",
            );
            refused
                .headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("POST"));
            return refused;
        }
        {
            let runs = lookups.iter().filter(|l| **l != Lookup::NotFound);
            for (item, lookup) in requests_of(&mut request).into_iter().zip(runs) {
                if passed(item)
                    && let Lookup::Remember(hash) = lookup
                {
                    state
                        .persisted
                        .remember(&cache_key, hash.clone(), &item.query);
                }
            }
        }
        let now = state.clock.unwrap_or_else(Utc::now);
        let trace_id = crate::telemetry::current_trace_id();
        let context = context_for(state, principal, request_id, trace_id, now);
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
        executed = match response {
            async_graphql::BatchResponse::Single(r) => vec![r],
            async_graphql::BatchResponse::Batch(rs) => rs,
        };
    }
    let mut executed = executed.into_iter();
    let answers: Vec<(Outcome, async_graphql::Response)> = lookups
        .iter()
        .map(|lookup| match lookup {
            Lookup::NotFound => (Outcome::NotFound, persisted_query_not_found()),
            _ => {
                let r = executed.next().unwrap_or_default();
                let outcome = if refused_before_execution(&r) {
                    Outcome::Refused
                } else {
                    Outcome::Executed
                };
                (outcome, r)
            }
        })
        .collect();
    let status = status_of(answer, answers.iter().map(|(o, _)| *o));
    let body = |(outcome, r): &(Outcome, async_graphql::Response)| {
        let mut value = serde_json::to_value(r).unwrap_or_default();
        // graphql-response+json: a request error has no `data` at all.
        if answer == Answer::GraphqlResponse
            && *outcome != Outcome::Executed
            && let Some(fields) = value.as_object_mut()
        {
            fields.remove("data");
        }
        value
    };
    let body = if batch {
        serde_json::Value::Array(answers.iter().map(body).collect())
    } else {
        answers.first().map(body).unwrap_or_default()
    };
    let mut response = (status, Json(body)).into_response();
    // Answers hold personal data: no cache, shared or private, keeps them.
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The status of an answer. `application/json` keeps the hub's codes from
/// before the specification: 400 when every operation was refused before
/// execution (a document the client must fix), 200 otherwise (a persisted
/// query not found too, as Apollo clients expect). With
/// `application/graphql-response+json`, an answer without data is never
/// 2xx: 400 for refused documents, 404 for persisted queries not found
/// (Apollo clients retry on the message either way).
fn status_of(answer: Answer, outcomes: impl Iterator<Item = Outcome> + Clone) -> StatusCode {
    let mut all = outcomes.clone().peekable();
    if all.peek().is_none() || outcomes.clone().any(|o| o == Outcome::Executed) {
        return StatusCode::OK;
    }
    let all_refused = outcomes.clone().all(|o| o == Outcome::Refused);
    match answer {
        Answer::Json if all_refused => StatusCode::BAD_REQUEST,
        Answer::Json => StatusCode::OK,
        Answer::GraphqlResponse if outcomes.clone().all(|o| o == Outcome::NotFound) => {
            StatusCode::NOT_FOUND
        }
        Answer::GraphqlResponse => StatusCode::BAD_REQUEST,
    }
}

fn persisted_query_not_found() -> async_graphql::Response {
    let mut error = async_graphql::ServerError::new(apq::NOT_FOUND_MESSAGE, None);
    let mut extensions = async_graphql::ErrorExtensionValues::default();
    extensions.set("code", apq::NOT_FOUND_CODE);
    error.extensions = Some(extensions);
    async_graphql::Response::from_errors(vec![error])
}

fn requests_of(request: &mut BatchRequest) -> Vec<&mut async_graphql::Request> {
    match request {
        BatchRequest::Single(r) => vec![r],
        BatchRequest::Batch(rs) => rs.iter_mut().collect(),
    }
}

/// The guard passed the document (so it is parsed, within the limits).
fn passed(request: &async_graphql::Request) -> bool {
    matches!(
        request
            .data
            .get(&std::any::TypeId::of::<guard::Checked>())
            .and_then(|c| c.downcast_ref::<guard::Checked>()),
        Some(guard::Checked::Passed)
    )
}

/// The operation the request selects is a mutation. Only for a document
/// the guard passed: its parsed form is in the request already, so nothing
/// is parsed again.
fn is_mutation(request: &mut async_graphql::Request) -> bool {
    use async_graphql::parser::types::OperationType;
    let wanted = request.operation_name.clone();
    let Ok(doc) = request.parsed_query() else {
        return false;
    };
    let mut selected = doc.operations.iter().filter(|(name, _)| match &wanted {
        Some(w) => name.is_some_and(|n| n.as_str() == w),
        None => true,
    });
    match (selected.next(), selected.next()) {
        (Some((_, op)), None) => op.node.ty == OperationType::Mutation,
        // None, or several without a name to choose: validation says so.
        _ => false,
    }
}

/// Every operation failed before execution: no data, and errors at no path.
fn refused_before_execution(r: &async_graphql::Response) -> bool {
    r.data == async_graphql::Value::Null
        && !r.errors.is_empty()
        && r.errors.iter().all(|e| e.path.is_empty())
}
