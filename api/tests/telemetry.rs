//! Telemetry of the real `tellonce` binary, by the OpenTelemetry book: an
//! OTLP receiver in the test (OTLP/HTTP protobuf on axum, OTLP/gRPC on
//! tonic) takes the spans of `serve --demo`, configured only through the
//! standard `OTEL_*` variables. The HTTP server span continues the caller's
//! `traceparent`, carries current semantic-convention names, and the trace
//! append of the read is in the same trace; no span carries the child's
//! name, NHS number or a client operation name outside the allow-list. The
//! same run scrapes `/metrics` on its own address and reads the JSON log.
//!
//! This lives in the `api` package because only here does Cargo build the
//! binary for a test and say where it is.

mod support;

use std::collections::BTreeSet;
use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{
    TraceService, TraceServiceServer,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
use opentelemetry_proto::tonic::trace::v1::Span;
use opentelemetry_proto::tonic::trace::v1::span::SpanKind;
use prost::Message as _;
use serde_json::{Value, json};

const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT_SPAN_ID: &str = "00f067aa0ba902b7";
/// A trace the caller did not sample: a parent-based sampler drops it.
const UNSAMPLED_TRACE_ID: &str = "0af7651916cd43dd8448eb211c80319c";
/// A client-chosen operation name that names a child: never in a span.
const CHILD_NAMED_OPERATION: &str = "PoppySmithRecord";

/// A span with its resource's attributes.
type Spans = Vec<(Vec<KeyValue>, Span)>;
/// A metric sample's labels.
type Labels = [(String, String)];
/// A metric sample: name, labels, value.
type Sample = (String, Vec<(String, String)>, f64);

/// Spans received, each with its resource's attributes.
#[derive(Clone, Default)]
struct Received(
    Arc<Mutex<Spans>>,
    /// The `authorization` header of each export.
    Arc<Mutex<Vec<String>>>,
);

impl Received {
    fn take(&self, request: ExportTraceServiceRequest) {
        let mut spans = self.0.lock().expect("lock");
        for rs in request.resource_spans {
            let resource = rs.resource.map(|r| r.attributes).unwrap_or_default();
            for ss in rs.scope_spans {
                for span in ss.spans {
                    spans.push((resource.clone(), span));
                }
            }
        }
    }
    fn all(&self) -> Vec<(Vec<KeyValue>, Span)> {
        self.0.lock().expect("lock").clone()
    }
}

#[tonic::async_trait]
impl TraceService for Received {
    async fn export(
        &self,
        request: tonic::Request<ExportTraceServiceRequest>,
    ) -> Result<tonic::Response<ExportTraceServiceResponse>, tonic::Status> {
        self.take(request.into_inner());
        Ok(tonic::Response::new(ExportTraceServiceResponse::default()))
    }
}

/// An OTLP/HTTP receiver (`POST /v1/traces`, protobuf) on 127.0.0.1.
async fn http_receiver() -> (String, Received) {
    let received = Received::default();
    let sink = received.clone();
    let router = axum::Router::new().route(
        "/v1/traces",
        axum::routing::post(
            move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
                let sink = sink.clone();
                async move {
                    if let Some(v) = headers.get("authorization").and_then(|v| v.to_str().ok()) {
                        sink.1.lock().expect("lock").push(v.to_owned());
                    }
                    match ExportTraceServiceRequest::decode(body) {
                        Ok(request) => {
                            sink.take(request);
                            (
                                axum::http::StatusCode::OK,
                                [("content-type", "application/x-protobuf")],
                                ExportTraceServiceResponse::default().encode_to_vec(),
                            )
                        }
                        Err(_) => (
                            axum::http::StatusCode::BAD_REQUEST,
                            [("content-type", "text/plain")],
                            b"not an OTLP trace request".to_vec(),
                        ),
                    }
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, router).await });
    (format!("http://{addr}"), received)
}

/// An OTLP/gRPC receiver (the collector's generated service) on 127.0.0.1.
async fn grpc_receiver() -> (String, Received) {
    let received = Received::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let service = TraceServiceServer::new(received.clone());
    tokio::spawn(async move {
        tonic::transport::Server::builder()
            .add_service(service)
            .serve_with_incoming(tonic::transport::server::TcpIncoming::from(listener))
            .await
    });
    (format!("http://{addr}"), received)
}

struct Hub {
    child: Child,
    url: String,
    token: String,
    stderr: Arc<Mutex<Vec<String>>>,
    _dir: support::TempDir,
}

impl Drop for Hub {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Hub {
    /// Stops the hub with SIGTERM (it flushes its spans) and waits.
    fn stop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }

    fn log_lines(&self) -> Vec<String> {
        self.stderr.lock().expect("lock").clone()
    }
}

fn fresh_postgres(admin: &str) -> String {
    let name = format!("tellonce_otel_{}", uuid::Uuid::new_v4().simple());
    std::thread::scope(|s| {
        s.spawn(|| {
            let rt = tokio::runtime::Runtime::new().expect("runtime");
            rt.block_on(async {
                use sea_orm::ConnectionTrait as _;
                let db = sea_orm::Database::connect(admin)
                    .await
                    .expect("admin connection");
                db.execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                    .await
                    .expect("create database");
            });
        });
    });
    let (base, _) = admin.rsplit_once('/').expect("a database URL");
    format!("{base}/{name}")
}

fn is_postgres() -> bool {
    std::env::var("TELLONCE_TEST_DATABASE_URL").is_ok_and(|u| !u.is_empty())
}

/// Starts `serve --demo` with these variables (and no inherited `OTEL_*`),
/// reading the banner for the address and a parent's token.
fn start(env: &[(&str, &str)]) -> Hub {
    let temp = support::TempDir::new("tellonce-otel");
    let dir = temp.0.clone();
    let database = match std::env::var("TELLONCE_TEST_DATABASE_URL") {
        Ok(admin) if !admin.is_empty() => fresh_postgres(&admin),
        _ => format!("sqlite://{}/hub.db?mode=rwc", dir.display()),
    };
    let mut command = Command::new(env!("CARGO_BIN_EXE_tellonce"));
    command
        .args(["--bind", "127.0.0.1:0", "--database-url", &database])
        .args(["serve", "--demo", "--migrate"])
        .current_dir(&dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (key, _) in std::env::vars() {
        if key.starts_with("OTEL_") || key.starts_with("TELLONCE_") || key == "RUST_LOG" {
            command.env_remove(key);
        }
    }
    command.envs(env.iter().copied());
    let mut child = command.spawn().expect("spawn tellonce");
    let stderr = Arc::new(Mutex::new(Vec::new()));
    let sink = stderr.clone();
    let err = child.stderr.take().expect("stderr");
    std::thread::spawn(move || {
        for line in BufReader::new(err).lines().map_while(Result::ok) {
            sink.lock().expect("lock").push(line);
        }
    });
    let banner = support::read_banner(child.stdout.take().expect("stdout"));
    Hub {
        child,
        url: banner.url,
        token: banner.parent_token.expect("the banner has a parent token"),
        stderr,
        _dir: temp,
    }
}

async fn graphql(hub: &Hub, query: &str, traceparent: Option<String>) -> Value {
    let client = reqwest::Client::new();
    let mut request = client
        .post(format!("{}/graphql", hub.url))
        .bearer_auth(&hub.token)
        .json(&json!({ "query": query }));
    if let Some(tp) = traceparent {
        request = request
            .header("traceparent", tp)
            .header("tracestate", "vendor=opaque");
    }
    let response = request.send().await.expect("the hub answers");
    assert_eq!(response.status().as_u16(), 200);
    response.json().await.expect("json")
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn text(value: &Option<AnyValue>) -> Option<String> {
    match value.as_ref()?.value.as_ref()? {
        any_value::Value::StringValue(s) => Some(s.clone()),
        any_value::Value::IntValue(i) => Some(i.to_string()),
        any_value::Value::BoolValue(b) => Some(b.to_string()),
        any_value::Value::DoubleValue(d) => Some(d.to_string()),
        _ => None,
    }
}

fn attr(attributes: &[KeyValue], key: &str) -> Option<String> {
    attributes
        .iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| text(&kv.value))
}

/// Every string in a JSON value (the record content the hub sent).
fn strings(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) => out.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|v| strings(v, out)),
        Value::Object(map) => map.values().for_each(|v| strings(v, out)),
        _ => {}
    }
}

/// Waits (bounded) until `done` holds of the spans received.
async fn wait_for(received: &Received, done: impl Fn(&[(Vec<KeyValue>, Span)]) -> bool) {
    for _ in 0..300 {
        if done(&received.all()) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let names: BTreeSet<String> = received.all().iter().map(|(_, s)| s.name.clone()).collect();
    panic!("the expected spans did not arrive; received: {names:?}");
}

const RECORD_QUERY: &str =
    "query PoppySmithRecord { me { children { id identity { givenName familyName nhsNumber } } } }";

/// Sends the reads, waits for their spans and checks them.
async fn check_spans(hub: &Hub, received: &Received) {
    // Not sampled by the caller: a parent-based sampler records nothing.
    graphql(
        hub,
        "query Me { me { subject } }",
        Some(format!("00-{UNSAMPLED_TRACE_ID}-{PARENT_SPAN_ID}-00")),
    )
    .await;
    let body = graphql(
        hub,
        RECORD_QUERY,
        Some(format!("00-{TRACE_ID}-{PARENT_SPAN_ID}-01")),
    )
    .await;
    let mut disclosed = Vec::new();
    strings(&body["data"], &mut disclosed);
    let names: Vec<String> = disclosed
        .into_iter()
        .filter(|s| s.len() >= 3 && uuid::Uuid::parse_str(s).is_err())
        .collect();
    assert!(
        names.iter().any(|n| n.chars().all(|c| c.is_ascii_digit())),
        "the parent read the child's NHS number: {body}"
    );
    graphql(hub, "query Me { me { subject } }", None).await;

    let in_trace = |s: &Span| hex(&s.trace_id) == TRACE_ID;
    let appended = |s: &Span| {
        s.name == "trace.append"
            && (in_trace(s) || s.links.iter().any(|l| hex(&l.trace_id) == TRACE_ID))
    };
    wait_for(received, |spans| {
        spans
            .iter()
            .any(|(_, s)| in_trace(s) && s.kind == SpanKind::Server as i32)
            && spans.iter().any(|(_, s)| appended(s))
            && spans.iter().any(|(_, s)| {
                s.name == "graphql"
                    && attr(&s.attributes, "graphql.operation.name").as_deref() == Some("Me")
            })
    })
    .await;
    let spans = received.all();

    let (resource, server) = spans
        .iter()
        .find(|(_, s)| in_trace(s) && s.kind == SpanKind::Server as i32)
        .expect("the server span");
    assert_eq!(server.name, "POST /graphql");
    assert_eq!(
        hex(&server.parent_span_id),
        PARENT_SPAN_ID,
        "the traceparent is the parent"
    );
    assert_eq!(server.trace_state, "vendor=opaque", "tracestate is kept");
    assert_eq!(
        attr(&server.attributes, "http.request.method").as_deref(),
        Some("POST")
    );
    assert_eq!(
        attr(&server.attributes, "http.route").as_deref(),
        Some("/graphql")
    );
    assert_eq!(
        attr(&server.attributes, "http.response.status_code").as_deref(),
        Some("200")
    );
    assert_eq!(
        attr(&server.attributes, "url.scheme").as_deref(),
        Some("http")
    );
    assert!(attr(&server.attributes, "request_id").is_some());
    assert!(
        attr(&server.attributes, "http.method").is_none(),
        "old names are gone"
    );
    assert_eq!(
        attr(resource, "service.name").as_deref(),
        Some("tellonce-test")
    );
    assert_eq!(
        attr(resource, "deployment.environment.name").as_deref(),
        Some("test"),
        "OTEL_RESOURCE_ATTRIBUTES"
    );

    let graphql_span = spans
        .iter()
        .map(|(_, s)| s)
        .find(|s| in_trace(s) && s.name == "graphql")
        .expect("the graphql span");
    assert_eq!(graphql_span.parent_span_id, server.span_id);
    assert_eq!(
        attr(&graphql_span.attributes, "graphql.operation.type").as_deref(),
        Some("query")
    );
    assert_eq!(
        attr(&graphql_span.attributes, "graphql.operation.name"),
        None,
        "a name outside the allow-list is not shown"
    );

    let db = spans
        .iter()
        .map(|(_, s)| s)
        .find(|s| in_trace(s) && s.name.starts_with("db."))
        .expect("a database span in the request's trace");
    assert_eq!(db.kind, SpanKind::Client as i32);
    let system = if is_postgres() {
        "postgresql"
    } else {
        "sqlite"
    };
    assert_eq!(
        attr(&db.attributes, "db.system.name").as_deref(),
        Some(system)
    );
    assert!(attr(&db.attributes, "db.operation.name").is_some());

    assert!(
        spans.iter().any(|(_, s)| appended(s)),
        "the trace append of the read is in (or linked to) the request's trace"
    );
    assert!(
        !spans
            .iter()
            .any(|(_, s)| hex(&s.trace_id) == UNSAMPLED_TRACE_ID),
        "an unsampled caller's trace is not recorded"
    );

    // No record content and no child-naming operation name anywhere.
    for (_, span) in &spans {
        let values: Vec<String> = std::iter::once(span.name.clone())
            .chain(span.attributes.iter().filter_map(|kv| text(&kv.value)))
            .chain(span.events.iter().flat_map(|e| {
                std::iter::once(e.name.clone())
                    .chain(e.attributes.iter().filter_map(|kv| text(&kv.value)))
            }))
            .collect();
        for value in values {
            assert!(
                !value.contains(CHILD_NAMED_OPERATION),
                "span {} shows the client's operation name: {value}",
                span.name
            );
            for name in &names {
                assert!(
                    !value.contains(name.as_str()),
                    "span {} carries record content {name:?}: {value}",
                    span.name
                );
            }
        }
    }
}

fn base_env<'a>(endpoint: &'a str, protocol: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", protocol),
        ("OTEL_SERVICE_NAME", "tellonce-test"),
        (
            "OTEL_RESOURCE_ATTRIBUTES",
            "deployment.environment.name=test",
        ),
        ("OTEL_TRACES_SAMPLER", "parentbased_always_on"),
        ("OTEL_BSP_SCHEDULE_DELAY", "200"),
        ("TELLONCE_OTEL_OPERATION_NAMES", "Me"),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spans_arrive_over_otlp_http_with_the_callers_parent_and_no_pii() {
    let (endpoint, received) = http_receiver().await;
    let mut env = base_env(&endpoint, "http/protobuf");
    env.extend([
        ("TELLONCE_LOG_JSON", "true"),
        ("RUST_LOG", "info,tower_http=debug"),
        ("TELLONCE_METRICS_BIND", "127.0.0.1:0"),
    ]);
    env.push((
        "OTEL_EXPORTER_OTLP_HEADERS",
        "authorization=Bearer%20otlp-test",
    ));
    let hub = tokio::task::block_in_place(|| start(&env));
    check_spans(&hub, &received).await;
    assert!(
        received
            .1
            .lock()
            .expect("lock")
            .iter()
            .all(|a| a == "Bearer otlp-test"),
        "OTEL_EXPORTER_OTLP_HEADERS reach the receiver"
    );
    assert!(!received.1.lock().expect("lock").is_empty());

    // The JSON log: lines inside a request carry its ids; no colour codes
    // (stderr is a pipe).
    let lines = hub.log_lines();
    assert!(lines.iter().all(|l| !l.contains('\u{1b}')), "no ANSI codes");
    let in_request: Vec<Value> = lines
        .iter()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v["spans"].as_array().is_some_and(|s| !s.is_empty()))
        .collect();
    assert!(
        !in_request.is_empty(),
        "log lines inside requests: {lines:?}"
    );
    let traced = in_request
        .iter()
        .find(|v| v["spans"][0]["trace_id"] == TRACE_ID)
        .expect("a log line of the traced request carries its trace id");
    assert!(
        traced["spans"][0]["request_id"]
            .as_str()
            .is_some_and(|id| !id.is_empty())
    );

    // Metrics on their own address, named in the log.
    let metrics_url = lines
        .iter()
        .find_map(|l| {
            let at = l.find("metrics on http://")?;
            let rest = &l[at + "metrics on ".len()..];
            Some(rest[..rest.find('"').unwrap_or(rest.len())].to_owned())
        })
        .expect("the log names the metrics address");
    let public = reqwest::get(format!("{}/metrics", hub.url))
        .await
        .expect("the hub answers");
    assert_eq!(
        public.status().as_u16(),
        404,
        "metrics are not on the public router"
    );
    let text = reqwest::get(&metrics_url)
        .await
        .expect("metrics answer")
        .text()
        .await
        .expect("text");
    check_metrics(&text);
}

/// A Prometheus/OpenMetrics text exposition: (name, labels, value) samples.
fn samples(text: &str) -> Vec<Sample> {
    let mut out = Vec::new();
    for line in text.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let (series, value) = line.rsplit_once(' ').expect("a sample line");
        let value: f64 = value.parse().expect("a number");
        let (name, labels) = match series.split_once('{') {
            Some((name, rest)) => {
                let body = rest.strip_suffix('}').expect("closing brace");
                let labels = body
                    .split("\",")
                    .filter(|p| !p.is_empty())
                    .map(|p| {
                        let (k, v) = p.split_once("=\"").expect("label");
                        (k.to_owned(), v.trim_end_matches('"').to_owned())
                    })
                    .collect();
                (name.to_owned(), labels)
            }
            None => (series.to_owned(), Vec::new()),
        };
        out.push((name, labels, value));
    }
    out
}

fn check_metrics(text: &str) {
    let samples = samples(text);
    let label = |labels: &[(String, String)], key: &str| {
        labels
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let sum = |name: &str, pred: &dyn Fn(&Labels) -> bool| -> f64 {
        samples
            .iter()
            .filter(|(n, l, _)| n == name && pred(l))
            .map(|(_, _, v)| v)
            .sum()
    };
    assert!(
        sum("tellonce_http_requests_total", &|l| {
            label(l, "route") == "/graphql"
                && label(l, "method") == "POST"
                && label(l, "status") == "200"
        }) >= 3.0,
        "{text}"
    );
    assert!(
        sum("tellonce_http_request_duration_seconds_count", &|l| label(
            l, "route"
        ) == "/graphql")
            >= 3.0
    );
    assert!(
        sum("tellonce_graphql_operations_total", &|l| label(l, "type")
            == "query"
            && label(l, "name") == "Me")
            >= 2.0,
        "{text}"
    );
    assert!(
        sum("tellonce_graphql_operations_total", &|l| label(l, "type")
            == "query"
            && label(l, "name").is_empty())
            >= 1.0,
        "the child-named operation is counted without its name: {text}"
    );
    let decisions: Vec<_> = samples
        .iter()
        .filter(|(n, _, _)| n == "tellonce_consent_decisions_total")
        .collect();
    assert!(
        decisions.iter().any(|(_, l, v)| *v > 0.0
            && label(l, "outcome") == "allowed"
            && !label(l, "basis").is_empty()),
        "{text}"
    );
    for (_, l, _) in &decisions {
        match label(l, "outcome").as_str() {
            "allowed" => assert!(!label(l, "basis").is_empty()),
            "denied" => assert!(!label(l, "denial").is_empty()),
            other => panic!("unexpected outcome {other}"),
        }
    }
    assert!(
        sum("tellonce_trace_append_batch_entries_count", &|_| true) >= 1.0,
        "{text}"
    );
    assert!(sum("tellonce_trace_append_duration_seconds_count", &|_| true) >= 1.0);
    assert!(
        samples
            .iter()
            .any(|(n, _, v)| n == "tellonce_db_pool_connections" && *v >= 1.0),
        "{text}"
    );
    assert!(
        samples
            .iter()
            .any(|(n, _, _)| n == "tellonce_graphql_subscriptions_open")
    );
    // No label value looks like an id or carries a name.
    for (name, labels, _) in &samples {
        for (_, value) in labels {
            assert!(
                uuid::Uuid::parse_str(value).is_err(),
                "{name} has an id label {value}"
            );
            assert!(
                !value.contains("Poppy") && !value.contains(CHILD_NAMED_OPERATION),
                "{name}: {value}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spans_arrive_over_otlp_grpc_whatever_the_log_filter() {
    let (endpoint, received) = grpc_receiver().await;
    let mut env = base_env(&endpoint, "grpc");
    // A log filter that hides everything must not stop the spans.
    env.push(("RUST_LOG", "off"));
    let hub = tokio::task::block_in_place(|| start(&env));
    check_spans(&hub, &received).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn otel_sdk_disabled_exports_nothing() {
    let (endpoint, received) = http_receiver().await;
    let mut env = base_env(&endpoint, "http/protobuf");
    env.push(("OTEL_SDK_DISABLED", "true"));
    let mut hub = tokio::task::block_in_place(|| start(&env));
    graphql(&hub, "query Me { me { subject } }", None).await;
    // A clean stop flushes whatever was queued: nothing was.
    tokio::task::block_in_place(|| hub.stop());
    assert!(received.all().is_empty(), "no span is exported");
}
