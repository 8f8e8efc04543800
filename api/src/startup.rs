//! The HTTP application: routes, limits, and the GraphQL handler that turns a
//! verified token into the request's [`RequestContext`].

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use async_graphql::BatchRequest;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::Utc;
use consent::Purpose;
use serde_json::json;
use tokio::net::TcpListener;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::auth::Authenticator;
use crate::config::Settings;
use crate::db::Store;
use crate::error::{INTERNAL_MESSAGE, code};
use crate::graphql::{AppSchema, Policy, RequestContext, build_schema};
use crate::trace::{Recorder, TraceWriter};
use consent::trace::{Actor, TraceAction, TraceEntry, TraceOutcome};

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
const PURPOSE: &str = "x-purpose-of-use";

/// Shared by every request.
#[derive(Clone)]
pub struct AppState {
    pub schema: AppSchema,
    pub ws_schema: crate::graphql::WsSchema,
    pub store: Store,
    pub auth: Arc<Authenticator>,
    pub introspection: bool,
    pub max_batch: usize,
    pub policy: Arc<Policy>,
    pub trace: TraceWriter,
    pub updates: crate::updates::Updates,
    /// A fixed "now" for tests and demos; the system clock otherwise.
    pub clock: Option<chrono::DateTime<Utc>>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("store", &self.store)
            .finish_non_exhaustive()
    }
}

/// A bound, ready-to-run server.
#[derive(Debug)]
pub struct Application {
    listener: TcpListener,
    router: Router,
    store: Store,
}

impl Application {
    /// Connects, prepares the schema and binds. Migrations run first when
    /// the settings ask for it (always on the embedded SQLite default);
    /// otherwise pending migrations stop start-up with a clear message.
    pub async fn build(settings: &Settings) -> anyhow::Result<Self> {
        let store = Store::connect(&settings.database_url)
            .await
            .with_context(|| {
                format!(
                    "cannot open the database at {}",
                    redact_url(&settings.database_url)
                )
            })?;
        Self::build_with_store(settings, store).await
    }

    /// As [`Application::build`], over an existing store (tests).
    pub async fn build_with_store(settings: &Settings, store: Store) -> anyhow::Result<Self> {
        if settings.migrate_on_start || settings.is_sqlite() {
            store.migrate().await.context("migrations failed")?;
            store
                .ensure_default_agreement()
                .await
                .map_err(|e| anyhow::anyhow!("loading the default agreement failed: {e:?}"))?;
        } else {
            let pending = store
                .pending_migrations()
                .await
                .context("cannot read migration state")?;
            if !pending.is_empty() {
                anyhow::bail!(
                    "the database needs migrating ({} pending): run `tellonce migrate` first, or `serve --migrate`",
                    pending.len()
                );
            }
        }
        let auth = Authenticator::new(&settings.jwt).await?;
        let app_store = store.clone();
        let trace = TraceWriter::start(store.clone());
        let state = AppState {
            schema: build_schema(&settings.limits, settings.introspection),
            ws_schema: crate::graphql::build_ws_schema(&settings.limits),
            store,
            auth: Arc::new(auth),
            introspection: settings.introspection,
            max_batch: settings.limits.max_batch,
            policy: Arc::new(Policy {
                controller: settings.controller.clone(),
                max_override_hours: settings.max_override_hours,
                show_practitioners_to_families: settings.show_practitioners_to_families,
            }),
            trace,
            updates: crate::updates::Updates::default(),
            clock: settings.fixed_now,
        };
        let router = router(
            state,
            settings.limits.max_body_bytes,
            settings.limits.request_timeout,
        );
        let listener = TcpListener::bind(settings.bind)
            .await
            .with_context(|| format!("cannot listen on {}", settings.bind))?;
        Ok(Self {
            listener,
            router,
            store: app_store,
        })
    }

    /// The store the application serves from.
    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until SIGINT/SIGTERM, then drains in-flight requests.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        axum::serve(self.listener, self.router)
            .with_graceful_shutdown(shutdown_signal())
            .await
    }
}

/// The URL without its password, for messages.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let creds = &url[scheme + 3..at];
            let user = creds.split(':').next().unwrap_or_default();
            format!("{}{}@{}", &url[..scheme + 3], user, &url[at + 1..])
        }
        _ => url.to_owned(),
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = term => {} }
}

pub fn router(state: AppState, max_body: usize, timeout: Duration) -> Router {
    Router::new()
        .route("/graphql", get(crate::graphiql::page).post(graphql))
        .route("/graphiql/{asset}", get(crate::graphiql::asset))
        .route("/graphql/ws", get(subscriptions))
        .route("/healthz", get(crate::health::healthz))
        .route("/readyz", get(crate::health::readyz))
        .route("/trace/export", get(crate::export::export))
        .layer(DefaultBodyLimit::max(max_body))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            timeout,
        ))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(TraceLayer::new_for_http().make_span_with(|request: &axum::http::Request<_>| {
            // The route template only: never query strings or ids.
            let route = request
                .extensions()
                .get::<axum::extract::MatchedPath>()
                .map_or("unmatched", |p| p.as_str())
                .to_owned();
            tracing::info_span!("http.request", otel.name = %format!("{} {route}", request.method()), http.method = %request.method(), http.route = %route)
        }))
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        // The hub makes every request id itself: a caller cannot choose the
        // id that goes into the access trace.
        .layer(axum::middleware::map_request(|mut request: axum::extract::Request| async move {
            request.headers_mut().remove(REQUEST_ID);
            request
        }))
        .with_state(state)
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

/// The span for a GraphQL request: operation name(s) and type(s), never
/// the query text or variables (they can hold identifiers).
fn operation_span(request: &BatchRequest) -> tracing::Span {
    let requests: Vec<&async_graphql::Request> = match request {
        BatchRequest::Single(r) => vec![r],
        BatchRequest::Batch(rs) => rs.iter().collect(),
    };
    let mut names = Vec::new();
    let mut types = Vec::new();
    for r in requests {
        let Ok(doc) = async_graphql::parser::parse_query(&r.query) else {
            types.push("invalid");
            continue;
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
    }
    tracing::info_span!(
        "graphql",
        graphql.operation.name = %names.join(","),
        graphql.operation.type = %types.join(","),
    )
}

pub(crate) fn request_id_of(headers: &HeaderMap) -> String {
    headers
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// Verifies the bearer token. A failure is traced (with its reason, never
/// token material) and becomes a 401 response.
pub(crate) async fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
    request_id: &str,
) -> Result<consent::Principal, Response> {
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    match state.auth.authenticate(authorization).await {
        Ok(p) => Ok(p),
        Err(e) => {
            tracing::info!(reason = e.code(), "authentication failed");
            let mut entry = TraceEntry::new(TraceAction::AuthFailed, Actor::default(), Utc::now())
                .detail("reason", e.code());
            entry.outcome = TraceOutcome::Denied;
            entry.request_id = Some(request_id.to_owned());
            entry.trace_id = crate::telemetry::current_trace_id();
            if state.trace.append(vec![entry]).await.is_err() {
                return Err(error_response(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    code::INTERNAL,
                    INTERNAL_MESSAGE,
                ));
            }
            Err(error_response(
                StatusCode::UNAUTHORIZED,
                code::UNAUTHENTICATED,
                &e.to_string(),
            ))
        }
    }
}

async fn graphql(
    State(state): State<AppState>,
    headers: HeaderMap,
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
    let request_id = request_id_of(&headers);
    let mut principal = match authenticate(&state, &headers, &request_id).await {
        Ok(p) => p,
        Err(response) => return response,
    };
    if let Some(value) = headers.get(PURPOSE) {
        match value
            .to_str()
            .ok()
            .and_then(|v| v.trim().parse::<Purpose>().ok())
        {
            Some(purpose) => principal.purpose = Some(purpose),
            None => {
                return error_response(
                    StatusCode::BAD_REQUEST,
                    code::BAD_USER_INPUT,
                    "X-Purpose-Of-Use must be one of DIRECT_SUPPORT, EHC_ASSESSMENT, ANNUAL_REVIEW, SAFEGUARDING",
                );
            }
        }
    }
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
    let recorder = Arc::new(Recorder::default());
    let now = state.clock.unwrap_or_else(Utc::now);
    let trace_id = crate::telemetry::current_trace_id();
    let span = operation_span(&request);
    let context = RequestContext {
        policy: state.policy.clone(),
        principal: principal.clone(),
        request_id: request_id.clone(),
        store: state.store.clone(),
        recorder: recorder.clone(),
        trace_id: trace_id.clone(),
        updates: state.updates.clone(),
        trace: state.trace.clone(),
        now,
    };
    // A batch runs one operation after another, in order, so a read that
    // follows a withdrawal in the same batch sees it.
    let response =
        tracing::Instrument::instrument(execute_in_order(&state.schema, request, context), span)
            .await;
    // Nothing leaves the hub before its trace entries are durable.
    let entries = recorder.entries(&principal, &request_id, trace_id.as_deref(), now);
    if state.trace.append(entries).await.is_err() {
        return error_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            code::INTERNAL,
            INTERNAL_MESSAGE,
        );
    }
    Json(response).into_response()
}

/// graphql-transport-ws (and the older graphql-ws) on `/graphql/ws`. The
/// connection_init payload carries `Authorization: Bearer <JWT>` and, for
/// practitioners, `X-Purpose-Of-Use`.
async fn subscriptions(
    State(state): State<AppState>,
    protocol: async_graphql_axum::GraphQLProtocol,
    upgrade: axum::extract::WebSocketUpgrade,
) -> Response {
    upgrade
        .protocols(async_graphql::http::ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| {
            let schema = state.ws_schema.clone();
            async_graphql_axum::GraphQLWebSocket::new(socket, schema, protocol)
                .on_connection_init(move |payload| connection_context(state, payload))
                .serve()
        })
}

/// Authenticates a WebSocket connection from its connection_init payload.
async fn connection_context(
    state: AppState,
    payload: serde_json::Value,
) -> async_graphql::Result<async_graphql::Data> {
    use async_graphql::ErrorExtensions as _;
    let field = |names: &[&str]| {
        names
            .iter()
            .find_map(|n| payload.get(*n).and_then(|v| v.as_str()).map(str::to_owned))
    };
    let request_id = uuid::Uuid::new_v4().to_string();
    let authorization = field(&["Authorization", "authorization"]);
    let (mut principal, expires) = match state
        .auth
        .authenticate_session(authorization.as_deref())
        .await
    {
        Ok(p) => p,
        Err(e) => {
            let mut entry = TraceEntry::new(TraceAction::AuthFailed, Actor::default(), Utc::now())
                .detail("reason", e.code());
            entry.outcome = TraceOutcome::Denied;
            entry.request_id = Some(request_id);
            let _ = state.trace.append(vec![entry]).await;
            return Err(async_graphql::Error::new(e.to_string())
                .extend_with(|_, x| x.set("code", code::UNAUTHENTICATED)));
        }
    };
    if let Some(purpose) = field(&["X-Purpose-Of-Use", "x-purpose-of-use", "purpose"]) {
        principal.purpose = Some(purpose.trim().parse::<Purpose>().map_err(|_| {
            async_graphql::Error::new("X-Purpose-Of-Use must be one of DIRECT_SUPPORT, EHC_ASSESSMENT, ANNUAL_REVIEW, SAFEGUARDING")
                .extend_with(|_, x| x.set("code", code::BAD_USER_INPUT))
        })?);
    }
    let mut data = async_graphql::Data::default();
    data.insert(crate::graphql::live::SessionExpiry(expires));
    data.insert(RequestContext {
        principal,
        request_id,
        store: state.store.clone(),
        policy: state.policy.clone(),
        recorder: Arc::new(Recorder::default()),
        trace_id: None,
        updates: state.updates.clone(),
        trace: state.trace.clone(),
        now: state.clock.unwrap_or_else(Utc::now),
    });
    Ok(data)
}
