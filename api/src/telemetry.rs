//! Logging and OpenTelemetry, by the OpenTelemetry book.
//!
//! Spans cover the HTTP request (kind SERVER, parent taken from an incoming
//! W3C `traceparent`/`tracestate`), the GraphQL operation (type; name only
//! when allow-listed), each consent decision (counts and basis kinds),
//! database calls (kind CLIENT) and the trace append. Attribute names follow
//! the current semantic conventions (`http.request.method`,
//! `http.response.status_code`, `http.route`, `url.scheme`,
//! `db.system.name`, `db.operation.name`, `graphql.operation.type`,
//! `graphql.operation.name`).
//!
//! Export follows the standard environment: `OTEL_EXPORTER_OTLP_ENDPOINT`
//! (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) switches OTLP on;
//! `OTEL_EXPORTER_OTLP_PROTOCOL` (or `…_TRACES_PROTOCOL`) picks `grpc` or
//! `http/protobuf` (the default, as the specification says for new SDKs);
//! `https://` endpoints use TLS with the system's trusted roots;
//! `OTEL_EXPORTER_OTLP_HEADERS`, `…_TIMEOUT` and `…_COMPRESSION` are read by
//! the exporter, `OTEL_SERVICE_NAME` and `OTEL_RESOURCE_ATTRIBUTES` by the
//! resource, `OTEL_TRACES_SAMPLER`/`OTEL_TRACES_SAMPLER_ARG` by the SDK, and
//! `OTEL_SDK_DISABLED=true` turns export off.
//!
//! The OpenTelemetry layer is installed only when spans are exported: with
//! no exporter it cost a tenth of the hub's CPU for spans that went
//! nowhere. Without it there is no OpenTelemetry context, so
//! [`current_trace_id`] is `None` (access-trace entries carry no trace id)
//! and a caller's `traceparent` is not continued; log lines inside a
//! request still carry its `request_id`.
//!
//! No span or log line carries record content, names or identifiers of
//! children: only codes, counts, route templates and opaque request ids.

use std::collections::BTreeSet;
use std::io::IsTerminal as _;
use std::time::Duration;

use opentelemetry::propagation::Extractor;
use opentelemetry::trace::{SpanContext, TraceContextExt, TracerProvider as _};
use opentelemetry_otlp::{WithExportConfig as _, WithTonicConfig as _};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::filter::{FilterExt as _, filter_fn};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer, Registry};

/// What a span shows instead of a client-chosen operation name that is not
/// in the allow-list.
pub const REDACTED: &str = "[redacted]";

/// Keeps the tracer provider alive while spans are exported; shut it down
/// on exit to flush them.
#[derive(Debug)]
pub struct Telemetry {
    provider: Option<SdkTracerProvider>,
}

impl Telemetry {
    /// Whether spans are exported (and so the OpenTelemetry layer is
    /// installed).
    pub fn exporting(&self) -> bool {
        self.provider.is_some()
    }

    /// Flushes and stops span export, waiting at most five seconds.
    pub fn shutdown(self) {
        if let Some(provider) = self.provider
            && let Err(e) = provider.shutdown_with_timeout(Duration::from_secs(5))
        {
            eprintln!("tellonce: span export did not shut down cleanly: {e}");
        }
    }
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// The OTLP transport for traces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// OTLP/gRPC (`grpc`).
    Grpc,
    /// OTLP/HTTP with protobuf bodies (`http/protobuf`).
    HttpProtobuf,
}

/// The protocol the environment asks for: the traces-specific variable
/// first, then the general one; `http/protobuf` when neither is set (the
/// specification's default). `http/json` is not built in: it falls back to
/// `http/protobuf` with a warning.
pub fn protocol_from_env() -> Protocol {
    let asked =
        env("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL").or_else(|| env("OTEL_EXPORTER_OTLP_PROTOCOL"));
    match asked.as_deref().map(str::trim) {
        Some("grpc") => Protocol::Grpc,
        None | Some("http/protobuf") => Protocol::HttpProtobuf,
        Some(other) => {
            eprintln!(
                "tellonce: OTLP protocol {other:?} is not supported; using http/protobuf (supported: grpc, http/protobuf)"
            );
            Protocol::HttpProtobuf
        }
    }
}

fn otlp_endpoint() -> Option<String> {
    env("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT").or_else(|| env("OTEL_EXPORTER_OTLP_ENDPOINT"))
}

fn sdk_disabled() -> bool {
    env("OTEL_SDK_DISABLED").is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
}

fn exporter(protocol: Protocol) -> Result<opentelemetry_otlp::SpanExporter, String> {
    match protocol {
        Protocol::Grpc => {
            let mut builder = opentelemetry_otlp::SpanExporter::builder().with_tonic();
            if otlp_endpoint().is_some_and(|e| e.trim_start().starts_with("https://")) {
                // The system's trusted roots (and SSL_CERT_FILE), as curl.
                builder = builder.with_tls_config(
                    opentelemetry_otlp::tonic_types::transport::ClientTlsConfig::new()
                        .with_enabled_roots(),
                );
            }
            builder.build().map_err(|e| e.to_string())
        }
        // The blocking reqwest client runs on the batch processor's own
        // thread (the async one needs a reactor there and loses spans);
        // TLS comes with reqwest's rustls and the platform's roots.
        Protocol::HttpProtobuf => opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .with_protocol(opentelemetry_otlp::Protocol::HttpBinary)
            .build()
            .map_err(|e| e.to_string()),
    }
}

/// Where spans go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Export {
    /// Nowhere: no OpenTelemetry layer, no trace ids.
    Off,
    /// To an OTLP collector.
    Otlp(Protocol),
}

/// What the environment asks for: OTLP when an endpoint is set and
/// `OTEL_SDK_DISABLED` is not `true`.
pub fn export_from_env() -> Export {
    if otlp_endpoint().is_some() && !sdk_disabled() {
        Export::Otlp(protocol_from_env())
    } else {
        Export::Off
    }
}

/// The tracer provider for `export`: `None` when spans go nowhere (export
/// off, or an exporter that could not start, which is said on stderr).
pub fn provider(export: Export) -> Option<SdkTracerProvider> {
    let Export::Otlp(protocol) = export else {
        return None;
    };
    let exporter = exporter(protocol)
        .map_err(|e| eprintln!("tellonce: OTLP export is configured but could not start: {e}"))
        .ok()?;
    let mut resource = Resource::builder();
    if env("OTEL_SERVICE_NAME").is_none() {
        resource = resource.with_service_name("tellonce");
    }
    Some(
        SdkTracerProvider::builder()
            .with_resource(resource.build())
            .with_batch_exporter(exporter)
            .build(),
    )
}

/// Spans the OpenTelemetry layer sees, whatever `RUST_LOG` says: the hub's
/// own and its libraries' at INFO, never the exporter's transport (whose
/// spans would feed back into the export).
fn otel_filter() -> EnvFilter {
    EnvFilter::new(
        "info,h2=off,hyper=off,hyper_util=off,tonic=off,tower=off,reqwest=off,opentelemetry=off,opentelemetry_sdk=off,opentelemetry_otlp=off",
    )
}

/// The OpenTelemetry layer for a provider (tests pass one with an in-memory
/// exporter).
pub fn otel_layer<S>(provider: &SdkTracerProvider) -> impl Layer<S>
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    tracing_opentelemetry::layer().with_tracer(provider.tracer("tellonce"))
}

/// Colour only on a terminal, and never when `NO_COLOR` is set.
fn ansi() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Installs the global subscriber ([`subscriber`]) for the export the
/// environment asks for, and the W3C trace-context propagator.
pub fn init(json: bool) -> Telemetry {
    opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
    let provider = provider(export_from_env());
    let _ = subscriber(json, provider.as_ref()).try_init();
    Telemetry { provider }
}

/// The hub's subscriber: the log layer always, and the OpenTelemetry layer
/// only with a `provider` (spans exported). `RUST_LOG` (default `info`)
/// filters the log lines only: spans reach OpenTelemetry whatever it says.
/// Log lines inside a request carry its `request_id`, and its `trace_id`
/// when exporting (text: in the span context printed before the message;
/// JSON: in `spans`, the request's span first).
pub fn subscriber(
    json: bool,
    provider: Option<&SdkTracerProvider>,
) -> Box<dyn tracing::Subscriber + Send + Sync> {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,h2=warn,tonic=warn"));
    // The request span always reaches the log layer, so that lines logged
    // inside a request print its ids even when RUST_LOG hides INFO.
    let filter = filter.or(filter_fn(|meta| {
        meta.is_span() && meta.target() == module_path!()
    }));
    let fmt = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(ansi());
    let fmt = if json {
        fmt.json()
            .with_current_span(false)
            .with_span_list(true)
            .boxed()
    } else {
        fmt.boxed()
    };
    let logged = Registry::default().with(fmt.with_filter(filter));
    // Two types rather than an `Option` layer: an absent layer would still
    // make every callsite the log filter turns off ask again each time.
    match provider {
        Some(provider) => Box::new(logged.with(otel_layer(provider).with_filter(otel_filter()))),
        None => Box::new(logged),
    }
}

/// The OpenTelemetry trace id of the current span, if there is one: `None`
/// outside a span and whenever spans are not exported.
pub fn current_trace_id() -> Option<String> {
    let context = tracing::Span::current().context();
    let span = context.span();
    let span_context = span.span_context();
    span_context
        .is_valid()
        .then(|| span_context.trace_id().to_string())
}

/// The OpenTelemetry span context of the current span (invalid when there
/// is none, as whenever spans are not exported): what a job handed to
/// another task links to.
pub fn current_span_context() -> SpanContext {
    tracing::Span::current()
        .context()
        .span()
        .span_context()
        .clone()
}

/// Ties a span of the trace writer to the requests it serves: the child
/// of a lone request's span (one trace, end to end), or, for a group
/// commit of several requests, a root span with a link to each (a span has
/// one parent, and a batch belongs to many traces).
pub fn join_requests<'a>(span: &tracing::Span, parents: impl Iterator<Item = &'a SpanContext>) {
    let parents: Vec<&SpanContext> = parents.filter(|p| p.is_valid()).collect();
    match parents.as_slice() {
        [] => {}
        [one] => {
            let _ = span
                .set_parent(opentelemetry::Context::new().with_remote_span_context((*one).clone()));
        }
        many => {
            let _ = span.set_parent(opentelemetry::Context::new());
            for p in many {
                span.add_link((*p).clone());
            }
        }
    }
}

struct Headers<'a>(&'a axum::http::HeaderMap);

impl Extractor for Headers<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.to_str().ok())
    }
    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(axum::http::HeaderName::as_str).collect()
    }
}

/// `METHOD /route`, written where the span's name is recorded (no string
/// of its own per request).
struct SpanName<'a>(&'static str, &'a str);

impl std::fmt::Display for SpanName<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.0, self.1)
    }
}

/// The span of one HTTP request: kind SERVER, the route template (never
/// the raw path, which can hold ids), and as parent the caller's
/// `traceparent` when it sends a valid one. `request_id` is the hub's own.
pub fn http_span(
    method: &axum::http::Method,
    route: &str,
    scheme: &str,
    request_id: &str,
    headers: &axum::http::HeaderMap,
) -> tracing::Span {
    let span = tracing::info_span!(
        "http.request",
        otel.name = %SpanName(crate::metrics::method_label(method), route),
        otel.kind = "server",
        otel.status_code = tracing::field::Empty,
        http.request.method = %crate::metrics::method_label(method),
        http.route = %route,
        http.response.status_code = tracing::field::Empty,
        url.scheme = %scheme,
        request_id = %request_id,
        trace_id = tracing::field::Empty,
    );
    let parent = opentelemetry::global::get_text_map_propagator(|p| p.extract(&Headers(headers)));
    if parent.span().span_context().is_valid() {
        let _ = span.set_parent(parent);
    }
    let context = span.context();
    let span_context = context.span().span_context().clone();
    if span_context.is_valid() {
        span.record("trace_id", tracing::field::display(span_context.trace_id()));
    }
    span
}

/// Records a response's status on its request span: ERROR on a 5xx.
pub fn http_response(span: &tracing::Span, status: axum::http::StatusCode) {
    span.record("http.response.status_code", status.as_u16());
    if status.is_server_error() {
        span.record("otel.status_code", "ERROR");
    }
}

/// The operation name to show: the client's own only if the allow-list
/// names it (a client-chosen name can carry a child's name).
pub fn shown_operation_name<'a>(name: &'a str, allowed: &BTreeSet<String>) -> &'a str {
    if allowed.contains(name) {
        name
    } else {
        REDACTED
    }
}

/// The span of one GraphQL request (one or a batch of operations):
/// `graphql.operation.type` always, `graphql.operation.name` only for
/// allow-listed names, never the document or its variables. Counts the
/// operations for the metrics too.
pub fn graphql_span(names: &[String], types: &[&str], allowed: &BTreeSet<String>) -> tracing::Span {
    for (i, ty) in types.iter().enumerate() {
        let name = names
            .get(i)
            .map(|n| shown_operation_name(n, allowed))
            .filter(|n| *n != REDACTED);
        crate::metrics::graphql_operation(ty, name);
    }
    let span = tracing::info_span!(
        "graphql",
        otel.status_code = tracing::field::Empty,
        graphql.operation.type = %Joined(types),
        graphql.operation.name = tracing::field::Empty,
    );
    let shown = || names.iter().map(|n| shown_operation_name(n, allowed));
    if shown().any(|n| n != REDACTED) {
        span.record(
            "graphql.operation.name",
            shown().collect::<Vec<_>>().join(","),
        );
    }
    span
}

/// Words joined by commas, written where the span records them.
struct Joined<'a>(&'a [&'a str]);

impl std::fmt::Display for Joined<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, word) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            f.write_str(word)?;
        }
        Ok(())
    }
}

/// Marks a GraphQL span ERROR when any response carries an INTERNAL error
/// (the hub's fault, not the client's).
pub fn graphql_outcome(span: &tracing::Span, response: &async_graphql::BatchResponse) {
    let internal = |r: &async_graphql::Response| {
        r.errors.iter().any(|e| {
            e.extensions.as_ref().and_then(|x| x.get("code"))
                == Some(&async_graphql::Value::from(crate::error::code::INTERNAL))
        })
    };
    let failed = match response {
        async_graphql::BatchResponse::Single(r) => internal(r),
        async_graphql::BatchResponse::Batch(rs) => rs.iter().any(internal),
    };
    if failed {
        span.record("otel.status_code", "ERROR");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request_span(headers: &axum::http::HeaderMap) -> tracing::Span {
        http_span(
            &axum::http::Method::POST,
            "/graphql",
            "http",
            "7d1f1c52-4e0e-4b43-9d6b-0c5d8e1b2a33",
            headers,
        )
    }

    fn with_traceparent() -> axum::http::HeaderMap {
        let mut headers = axum::http::HeaderMap::new();
        headers.insert(
            "traceparent",
            axum::http::HeaderValue::from_static(
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            ),
        );
        headers
    }

    /// With export off there is no tracer provider, so the subscriber the
    /// hub installs has no OpenTelemetry layer: a request's span (even one
    /// with a caller's `traceparent`) has no trace id and no span context.
    #[test]
    fn without_an_exporter_no_opentelemetry_layer_is_installed() {
        let provider = provider(Export::Off);
        assert!(provider.is_none());
        tracing::subscriber::with_default(subscriber(false, provider.as_ref()), || {
            opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
            for headers in [axum::http::HeaderMap::new(), with_traceparent()] {
                let span = request_span(&headers);
                let _in = span.enter();
                assert_eq!(current_trace_id(), None);
                assert!(!current_span_context().is_valid());
            }
        });
    }

    /// The positive control: the same subscriber with a provider gives a
    /// request's span a trace id, the caller's when it sends one.
    #[test]
    fn with_a_provider_requests_have_trace_ids() {
        let provider = SdkTracerProvider::builder().build();
        tracing::subscriber::with_default(subscriber(false, Some(&provider)), || {
            opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
            let span = request_span(&axum::http::HeaderMap::new());
            let entered = span.enter();
            assert!(current_trace_id().is_some());
            assert!(current_span_context().is_valid());
            drop(entered);
            let span = request_span(&with_traceparent());
            let _in = span.enter();
            assert_eq!(
                current_trace_id().as_deref(),
                Some("4bf92f3577b34da6a3ce929d0e0e4736")
            );
        });
    }

    #[test]
    fn names_outside_the_allow_list_are_redacted() {
        let allowed: BTreeSet<String> = ["Me".to_owned()].into();
        assert_eq!(shown_operation_name("Me", &allowed), "Me");
        assert_eq!(shown_operation_name("PoppySmithRecord", &allowed), REDACTED);
    }
}
