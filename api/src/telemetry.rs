//! Logging and OpenTelemetry. Spans cover the HTTP request, the GraphQL
//! operation (name and type), each consent decision (counts and basis kinds),
//! database calls and the trace append. OTLP export switches on with the
//! standard `OTEL_EXPORTER_OTLP_ENDPOINT` (gRPC) and the other `OTEL_*`
//! variables (`OTEL_SERVICE_NAME`, …). No span or log line carries record
//! content, names or identifiers of children: only codes, counts and opaque
//! request ids.

use std::time::Duration;

use opentelemetry::trace::{TraceContextExt, TracerProvider as _};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer, Registry};

/// Keeps the tracer provider alive; shut it down on exit to flush spans.
#[derive(Debug)]
pub struct Telemetry {
    provider: SdkTracerProvider,
}

impl Telemetry {
    /// Flushes and stops span export, waiting at most five seconds.
    pub fn shutdown(self) {
        if let Err(e) = self.provider.shutdown_with_timeout(Duration::from_secs(5)) {
            eprintln!("tellonce: span export did not shut down cleanly: {e}");
        }
    }
}

fn otlp_configured() -> bool {
    [
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    ]
    .iter()
    .any(|v| std::env::var_os(v).is_some_and(|s| !s.is_empty()))
}

/// The tracer provider: OTLP export when configured; otherwise spans still
/// get trace ids (stored in the access trace) but go nowhere.
pub fn provider() -> SdkTracerProvider {
    let mut resource = Resource::builder();
    if std::env::var_os("OTEL_SERVICE_NAME").is_none() {
        resource = resource.with_service_name("tellonce");
    }
    let mut builder = SdkTracerProvider::builder().with_resource(resource.build());
    if otlp_configured() {
        match opentelemetry_otlp::SpanExporter::builder()
            .with_tonic()
            .build()
        {
            Ok(exporter) => builder = builder.with_batch_exporter(exporter),
            Err(e) => eprintln!("tellonce: OTLP export is configured but could not start: {e}"),
        }
    }
    builder.build()
}

/// The OpenTelemetry layer for a provider (tests pass one with an in-memory
/// exporter).
pub fn otel_layer<S>(provider: &SdkTracerProvider) -> impl Layer<S>
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    tracing_opentelemetry::layer().with_tracer(provider.tracer("tellonce"))
}

/// Installs the global subscriber (`RUST_LOG` filters; default `info`).
pub fn init(json: bool) -> Telemetry {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,h2=warn,tonic=warn"));
    let provider = provider();
    let fmt = tracing_subscriber::fmt::layer().with_writer(std::io::stderr);
    let fmt = if json {
        fmt.json().boxed()
    } else {
        fmt.boxed()
    };
    let _ = Registry::default()
        .with(filter)
        .with(fmt)
        .with(otel_layer(&provider))
        .try_init();
    Telemetry { provider }
}

/// The OpenTelemetry trace id of the current span, if there is one.
pub fn current_trace_id() -> Option<String> {
    let context = tracing::Span::current().context();
    let span = context.span();
    let span_context = span.span_context();
    span_context
        .is_valid()
        .then(|| span_context.trace_id().to_string())
}
