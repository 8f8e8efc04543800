//! Prometheus metrics, served on their own address (`TELLONCE_METRICS_BIND`,
//! off by default), never on the public router.
//!
//! One process-wide registry ([`prometheus_client`], the official Rust
//! client): front ends and the trace writer count into it from anywhere,
//! and `GET /metrics` encodes it in the text exposition format. Labels
//! hold only codes and templates: route templates (never raw paths),
//! methods, statuses, operation types, allow-listed operation names, scope,
//! basis and denial codes. No child id, subject or name ever becomes a
//! label value.

use std::net::SocketAddr;
use std::sync::OnceLock;
use std::time::Instant;

use anyhow::Context as _;
use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use consent::{AccessDecision, ScopeDecision};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use store::Store;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct HttpLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OperationLabels {
    r#type: String,
    name: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DecisionLabels {
    scope: String,
    outcome: String,
    basis: String,
    denial: String,
}

fn latency_histogram() -> Histogram {
    // 1 ms to about 16 s.
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

struct Metrics {
    registry: Registry,
    http_requests: Family<HttpLabels, Counter>,
    http_duration: Family<RouteLabels, Histogram, fn() -> Histogram>,
    graphql_operations: Family<OperationLabels, Counter>,
    decisions: Family<DecisionLabels, Counter>,
    trace_append_duration: Histogram,
    trace_batch_entries: Histogram,
    trace_batch_requests: Histogram,
    pool_connections: Gauge,
    pool_idle: Gauge,
    subscriptions_open: Gauge,
    live_notices_lost: Counter,
}

fn metrics() -> &'static Metrics {
    static METRICS: OnceLock<Metrics> = OnceLock::new();
    METRICS.get_or_init(|| {
        let mut registry = Registry::with_prefix("tellonce");
        let m = Metrics {
            http_requests: Family::default(),
            http_duration: Family::new_with_constructor(latency_histogram),
            graphql_operations: Family::default(),
            decisions: Family::default(),
            trace_append_duration: latency_histogram(),
            trace_batch_entries: Histogram::new(exponential_buckets(1.0, 2.0, 10)),
            trace_batch_requests: Histogram::new(exponential_buckets(1.0, 2.0, 10)),
            pool_connections: Gauge::default(),
            pool_idle: Gauge::default(),
            subscriptions_open: Gauge::default(),
            live_notices_lost: Counter::default(),
            registry: Registry::default(),
        };
        registry.register(
            "http_requests",
            "HTTP requests answered, by method, route template and status",
            m.http_requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "Time to answer an HTTP request, by method and route template",
            m.http_duration.clone(),
        );
        registry.register(
            "graphql_operations",
            "GraphQL operations received, by type and allow-listed name (empty otherwise)",
            m.graphql_operations.clone(),
        );
        registry.register(
            "consent_decisions",
            "Scope decisions made at the door, by scope, outcome, basis kind and denial code",
            m.decisions.clone(),
        );
        registry.register(
            "trace_append_duration_seconds",
            "Time to commit one group of access-trace entries",
            m.trace_append_duration.clone(),
        );
        registry.register(
            "trace_append_batch_entries",
            "Access-trace entries committed in one group commit",
            m.trace_batch_entries.clone(),
        );
        registry.register(
            "trace_append_batch_requests",
            "Requests whose entries shared one group commit",
            m.trace_batch_requests.clone(),
        );
        registry.register(
            "db_pool_connections",
            "Connections the database pool holds",
            m.pool_connections.clone(),
        );
        registry.register(
            "db_pool_idle_connections",
            "Idle connections in the database pool",
            m.pool_idle.clone(),
        );
        registry.register(
            "graphql_subscriptions_open",
            "Subscription (WebSocket) connections open now",
            m.subscriptions_open.clone(),
        );
        registry.register(
            "live_notices_lost",
            "Live-update notices dropped (queue full, NOTIFY failed) or not heard (listener reconnected)",
            m.live_notices_lost.clone(),
        );
        Metrics { registry, ..m }
    })
}

/// Counts one request's answer and its latency (a router layer: the route
/// is axum's matched template, "unmatched" otherwise).
pub async fn track_http(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str)
        .to_owned();
    let method = method_label(request.method()).to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    let m = metrics();
    m.http_duration
        .get_or_create(&RouteLabels {
            method: method.clone(),
            route: route.clone(),
        })
        .observe(started.elapsed().as_secs_f64());
    m.http_requests
        .get_or_create(&HttpLabels {
            method,
            route,
            status: response.status().as_u16(),
        })
        .inc();
    response
}

/// The method as a label: the standard methods by name, any other
/// (hyper accepts any token) as `_OTHER`, as the semantic conventions say,
/// so a client cannot mint new series.
pub fn method_label(method: &axum::http::Method) -> &'static str {
    use axum::http::Method;
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        Method::PATCH => "PATCH",
        Method::CONNECT => "CONNECT",
        Method::TRACE => "TRACE",
        _ => "_OTHER",
    }
}

/// Counts a GraphQL operation: its type and, only if allow-listed, its name.
pub fn graphql_operation(ty: &str, allowed_name: Option<&str>) {
    metrics()
        .graphql_operations
        .get_or_create(&OperationLabels {
            r#type: ty.to_owned(),
            name: allowed_name.unwrap_or_default().to_owned(),
        })
        .inc();
}

/// Counts the door's decision for each scope: basis kind when allowed,
/// denial code when withheld.
pub fn decision(decision: &AccessDecision) {
    let m = metrics();
    for (scope, d) in decision.iter() {
        let labels = match d {
            ScopeDecision::Allowed(b) => DecisionLabels {
                scope: scope.code().to_owned(),
                outcome: "allowed".to_owned(),
                basis: b.kind().code().to_owned(),
                denial: String::new(),
            },
            ScopeDecision::Denied(denial) => DecisionLabels {
                scope: scope.code().to_owned(),
                outcome: "denied".to_owned(),
                basis: String::new(),
                denial: denial.code.code().to_owned(),
            },
        };
        m.decisions.get_or_create(&labels).inc();
    }
}

/// One group commit of the access trace: its latency and size.
pub fn trace_append(seconds: f64, entries: usize, requests: usize) {
    let m = metrics();
    m.trace_append_duration.observe(seconds);
    m.trace_batch_entries.observe(entries as f64);
    m.trace_batch_requests.observe(requests as f64);
}

/// A WebSocket subscription opened (`+1`) or closed (`-1`).
pub fn subscriptions(delta: i64) {
    metrics().subscriptions_open.inc_by(delta);
}

/// A live-update notice dropped or not heard.
pub fn live_notice_lost() {
    metrics().live_notices_lost.inc();
}

/// Holds one open subscription connection in the gauge until dropped.
#[derive(Debug)]
pub struct OpenSubscription(());

impl OpenSubscription {
    pub fn open() -> Self {
        subscriptions(1);
        Self(())
    }
}

impl Drop for OpenSubscription {
    fn drop(&mut self) {
        subscriptions(-1);
    }
}

/// The registry in the Prometheus text format, the pool's gauges read now.
pub fn render(store: &Store) -> String {
    let m = metrics();
    let (size, idle) = store.pool_status();
    m.pool_connections.set(i64::from(size));
    m.pool_idle.set(i64::try_from(idle).unwrap_or(i64::MAX));
    let mut out = String::new();
    if prometheus_client::encoding::text::encode(&mut out, &m.registry).is_err() {
        tracing::error!("encoding the metrics failed");
    }
    out
}

/// Binds the metrics address and serves `GET /metrics` there until the
/// process ends. Returns the address bound (port 0 picks one).
pub async fn serve(bind: SocketAddr, store: Store) -> anyhow::Result<SocketAddr> {
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .with_context(|| format!("cannot listen for metrics on {bind}"))?;
    let addr = listener.local_addr()?;
    let router = axum::Router::new().route(
        "/metrics",
        axum::routing::get(move || {
            let store = store.clone();
            async move {
                (
                    [(
                        axum::http::header::CONTENT_TYPE,
                        "application/openmetrics-text; version=1.0.0; charset=utf-8",
                    )],
                    render(&store),
                )
                    .into_response()
            }
        }),
    );
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, router).await {
            tracing::error!(error = %e, "the metrics endpoint stopped");
        }
    });
    Ok(addr)
}
