//! The HTTP application: routes, limits, and the GraphQL handler that turns a
//! verified token into the request's [`RequestContext`].

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use async_graphql::BatchRequest;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, DefaultBodyLimit, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::Utc;
use consent::Purpose;
use serde_json::json;
use tokio::net::TcpListener;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use crate::auth::{AuthError, Authenticator};
use crate::config::Settings;
use crate::db::Store;
use crate::error::{INTERNAL_MESSAGE, code};
use crate::failed_auth::FailedAuth;
use crate::graphql::guard::{self, DocumentLimits};
use crate::graphql::{AppSchema, Policy, RequestContext, build_schema};
use crate::trace::{Recorder, TraceWriter};

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
    pub failed_auth: FailedAuth,
    /// Turns true when the hub starts shutting down (WebSockets close).
    pub shutdown: tokio::sync::watch::Receiver<bool>,
    /// The largest WebSocket message accepted (the body limit).
    pub max_message_bytes: usize,
    pub document_limits: DocumentLimits,
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
    failed_auth: FailedAuth,
    shutdown: tokio::sync::watch::Sender<bool>,
    grace: Duration,
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
        let failed_auth = FailedAuth::start(trace.clone(), settings.limits.auth_failure_window);
        let (shutdown, shutdown_rx) = tokio::sync::watch::channel(false);
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
            failed_auth: failed_auth.clone(),
            shutdown: shutdown_rx,
            max_message_bytes: settings.limits.max_body_bytes,
            document_limits: (&settings.limits).into(),
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
            failed_auth,
            shutdown,
            grace: settings.limits.shutdown_grace,
        })
    }

    /// The store the application serves from.
    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until SIGINT/SIGTERM, then drains (see [`Application::run_until`]).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.run_until(shutdown_signal()).await
    }

    /// Serves until `stop` completes. Then WebSocket subscribers get a
    /// close frame (1001, going away), new connections are refused, and
    /// in-flight requests have the grace period to finish before the hub
    /// stops anyway; pending failed-authentication counts are traced last.
    pub async fn run_until(
        self,
        stop: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let Self {
            listener,
            router,
            failed_auth,
            shutdown,
            grace,
            ..
        } = self;
        let mut stopping = shutdown.subscribe();
        let signal = async move {
            stop.await;
            tracing::info!("shutting down: draining in-flight requests");
            let _ = shutdown.send(true);
        };
        let serve = axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(signal)
        .into_future();
        let deadline = async move {
            let _ = stopping.wait_for(|s| *s).await;
            tokio::time::sleep(grace).await;
        };
        let served = tokio::select! {
            served = serve => served,
            () = deadline => {
                tracing::warn!(grace_secs = grace.as_secs(), "in-flight requests did not finish within the grace period");
                Ok(())
            }
        };
        if failed_auth.flush(Utc::now(), true).await.is_err() {
            tracing::error!("could not trace the last failed-authentication counts");
        }
        served
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
        .layer(axum::middleware::from_fn_with_state(timeout, time_limit))
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

/// A request that takes longer than the limit answers 408 with a
/// GraphQL-shaped body, like every other error. (An export's body streams on
/// after its headers; only the time to the first byte is limited.)
async fn time_limit(
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
/// A refused document is left as it is: the schema's guard answers it.
fn checked_and_span(request: &mut BatchRequest, limits: &DocumentLimits) -> tracing::Span {
    let requests: Vec<&mut async_graphql::Request> = match request {
        BatchRequest::Single(r) => vec![r],
        BatchRequest::Batch(rs) => rs.iter_mut().collect(),
    };
    let mut names = Vec::new();
    let mut types = Vec::new();
    for r in requests {
        let Ok(doc) = guard::check(&r.query, &r.variables, limits) else {
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
        r.set_parsed_query(doc);
        r.data.insert(guard::Checked);
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

/// Why a caller was not let in.
pub(crate) enum Refused {
    /// 401 with this message.
    Unauthenticated(String),
    /// The failure could not be traced: 500, nothing else.
    Internal,
}

impl Refused {
    pub(crate) fn into_response(self) -> Response {
        match self {
            Refused::Unauthenticated(message) => {
                error_response(StatusCode::UNAUTHORIZED, code::UNAUTHENTICATED, &message)
            }
            Refused::Internal => error_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                code::INTERNAL,
                INTERNAL_MESSAGE,
            ),
        }
    }
}

/// The one check of a caller, for POST, the WebSocket and the export alike:
/// the token verifies, and its agency is one the hub registers, of the kind
/// the token claims. A failure is traced (aggregated per source, see
/// [`FailedAuth`]) with its reason, never token material.
pub(crate) async fn authenticate(
    state: &AppState,
    authorization: Option<&str>,
    request_id: &str,
    source: std::net::IpAddr,
) -> Result<(consent::Principal, Option<chrono::DateTime<Utc>>), Refused> {
    let verified = match state.auth.authenticate_session(authorization).await {
        Ok((principal, expires)) => registered(state, principal).await.map(|p| (p, expires)),
        Err(e) => Err(Some(e)),
    };
    match verified {
        Ok(ok) => Ok(ok),
        Err(None) => Err(Refused::Internal),
        Err(Some(e)) => {
            tracing::info!(reason = e.code(), "authentication failed");
            let now = state.clock.unwrap_or_else(Utc::now);
            match state
                .failed_auth
                .record(source, e.code(), request_id, now)
                .await
            {
                Ok(()) => Err(Refused::Unauthenticated(e.to_string())),
                Err(_) => Err(Refused::Internal),
            }
        }
    }
}

/// The principal if its agency is registered with the kind it claims;
/// `Err(None)` when the registry cannot be read.
async fn registered(
    state: &AppState,
    principal: consent::Principal,
) -> Result<consent::Principal, Option<AuthError>> {
    let Some(agency) = principal.agency else {
        return Ok(principal);
    };
    match state.store.agency(agency.id).await {
        Ok(Some(registered)) if registered.kind == agency.kind => Ok(principal),
        Ok(Some(_)) => Err(Some(AuthError::AgencyKindMismatch)),
        Ok(None) => Err(Some(AuthError::UnknownAgency)),
        Err(e) => {
            let _ = async_graphql::Error::from(e);
            Err(None)
        }
    }
}

/// The `Authorization` header, if it is text.
pub(crate) fn authorization_of(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
}

async fn graphql(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
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
    let mut principal =
        match authenticate(&state, authorization_of(&headers), &request_id, peer.ip()).await {
            Ok((p, _)) => p,
            Err(refused) => return refused.into_response(),
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
    let mut request = request;
    let span = checked_and_span(&mut request, &state.document_limits);
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

/// graphql-transport-ws (and the older graphql-ws) on `/graphql/ws`. The
/// connection_init payload carries `Authorization: Bearer <JWT>` and, for
/// practitioners, `X-Purpose-Of-Use`. Messages are bounded like POST bodies,
/// and every document passes the same guard (the schema's extension). The
/// hub closes the connection itself when the token expires (4403) and when
/// it shuts down (1001).
async fn subscriptions(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    upgrade: axum::extract::WebSocketUpgrade,
) -> Response {
    use async_graphql::http::WebSocketProtocols;
    let protocol = headers
        .get(header::SEC_WEBSOCKET_PROTOCOL)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.split(',')
                .find_map(|p| p.trim().parse::<WebSocketProtocols>().ok())
        });
    let Some(protocol) = protocol else {
        return error_response(
            StatusCode::BAD_REQUEST,
            code::BAD_USER_INPUT,
            "Sec-WebSocket-Protocol must be graphql-transport-ws (or graphql-ws)",
        );
    };
    upgrade
        .protocols(async_graphql::http::ALL_WEBSOCKET_PROTOCOLS)
        .max_message_size(state.max_message_bytes)
        .max_frame_size(state.max_message_bytes)
        .on_upgrade(move |socket| serve_socket(state, socket, protocol, peer.ip()))
}

/// Close codes of graphql-transport-ws and RFC 6455.
const CLOSE_FORBIDDEN: u16 = 4403;
const CLOSE_GOING_AWAY: u16 = 1001;

async fn serve_socket(
    state: AppState,
    socket: axum::extract::ws::WebSocket,
    protocol: async_graphql::http::WebSocketProtocols,
    source: std::net::IpAddr,
) {
    use axum::extract::ws::{CloseFrame, Message};
    use futures_util::{SinkExt as _, StreamExt as _};
    let (mut sink, stream) = socket.split();
    let input = stream
        .take_while(|m| std::future::ready(m.is_ok()))
        .filter_map(|m| {
            std::future::ready(match m {
                Ok(Message::Text(t)) => Some(t.as_bytes().to_vec()),
                Ok(Message::Binary(b)) => Some(b.to_vec()),
                _ => None,
            })
        });
    let (expiry_tx, mut expiry) = tokio::sync::watch::channel(None);
    let mut shutdown = state.shutdown.clone();
    let schema = state.ws_schema.clone();
    let messages = async_graphql::http::WebSocket::new(schema, input, protocol).on_connection_init(
        move |payload| async move {
            let data = connection_context(state, payload, source).await?;
            let expires = data_expiry(&data);
            let _ = expiry_tx.send(expires);
            Ok(data)
        },
    );
    futures_util::pin_mut!(messages);
    let close = |code: u16, reason: &'static str| {
        Message::Close(Some(CloseFrame {
            code,
            reason: reason.into(),
        }))
    };
    // The expiry is sent once, when connection_init is accepted.
    let mut init_pending = true;
    loop {
        let expires: Option<chrono::DateTime<Utc>> = *expiry.borrow_and_update();
        let until_expiry = async {
            match expires {
                Some(at) => {
                    let left = (at - Utc::now()).to_std().unwrap_or_default();
                    tokio::time::sleep(left).await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            message = messages.next() => {
                let Some(message) = message else { break };
                let message = match message {
                    async_graphql::http::WsMessage::Text(text) => Message::Text(text.into()),
                    async_graphql::http::WsMessage::Close(code, reason) => Message::Close(Some(CloseFrame { code, reason: reason.into() })),
                };
                if sink.send(message).await.is_err() {
                    break;
                }
            }
            changed = expiry.changed(), if init_pending => {
                init_pending = changed.is_ok();
            }
            () = until_expiry => {
                let _ = sink.send(close(CLOSE_FORBIDDEN, "Forbidden: the token has expired")).await;
                break;
            }
            () = async { let _ = shutdown.wait_for(|s| *s).await; } => {
                let _ = sink.send(close(CLOSE_GOING_AWAY, "the hub is shutting down")).await;
                break;
            }
        }
    }
    let _ = sink.close().await;
}

fn data_expiry(data: &async_graphql::Data) -> Option<chrono::DateTime<Utc>> {
    data.get(&std::any::TypeId::of::<crate::graphql::live::SessionExpiry>())
        .and_then(|v| v.downcast_ref::<crate::graphql::live::SessionExpiry>())
        .and_then(|e| e.0)
}

/// Authenticates a WebSocket connection from its connection_init payload.
async fn connection_context(
    state: AppState,
    payload: serde_json::Value,
    source: std::net::IpAddr,
) -> async_graphql::Result<async_graphql::Data> {
    use async_graphql::ErrorExtensions as _;
    let field = |names: &[&str]| {
        names
            .iter()
            .find_map(|n| payload.get(*n).and_then(|v| v.as_str()).map(str::to_owned))
    };
    let request_id = uuid::Uuid::new_v4().to_string();
    let authorization = field(&["Authorization", "authorization"]);
    let (mut principal, expires) =
        match authenticate(&state, authorization.as_deref(), &request_id, source).await {
            Ok(p) => p,
            Err(Refused::Unauthenticated(message)) => {
                return Err(async_graphql::Error::new(message)
                    .extend_with(|_, x| x.set("code", code::UNAUTHENTICATED)));
            }
            Err(Refused::Internal) => {
                return Err(async_graphql::Error::new(INTERNAL_MESSAGE)
                    .extend_with(|_, x| x.set("code", code::INTERNAL)));
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
