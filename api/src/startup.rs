//! The application: connecting, migrating, binding, the router and its
//! layers, and serving until stopped. The handlers live in [`crate::http`].

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use chrono::Utc;
use tokio::net::TcpListener;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use crate::access::{Hub, Policy};
use crate::auth::Authenticator;
use crate::config::Settings;
use crate::failed_auth::FailedAuth;
use crate::graphql::build_schema;
use crate::http::request_id::REQUEST_ID;
use crate::http::state::AppState;
use crate::http::{self, error::time_limit};
use crate::trace::TraceWriter;
use store::Store;

/// How the hub writes the access trace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TraceMode {
    /// Every entry committed before data leaves the hub (always, in use).
    Durable,
    /// Entries discarded (`serve --bench-untraced`): only to measure what
    /// durability costs, and refused unless development mode is on and the
    /// database is a synthetic one (it holds the agency
    /// `store::seed::SEED_MARKER`, which `tellonce seed` registers).
    DiscardForBenchmark,
}

/// The discarding writer, after checking that the database is synthetic
/// and the hub in development mode; warns loudly.
async fn discarding_writer(settings: &Settings, store: &Store) -> anyhow::Result<TraceWriter> {
    if !settings.development {
        anyhow::bail!(
            "--bench-untraced serves without an access trace and is for benchmarks only: \
             it needs development mode (TELLONCE_DEV=true)"
        );
    }
    let marker = store
        .registered_agency(store::seed::SEED_MARKER)
        .await
        .map_err(|e| anyhow::anyhow!("cannot check for the seed marker: {e:?}"))?;
    if marker.is_none() {
        anyhow::bail!(
            "--bench-untraced serves without an access trace and is refused on this database: \
             it does not hold the seed marker agency {} (only databases made by `tellonce seed` do)",
            store::seed::SEED_MARKER
        );
    }
    let warning = "WARNING: --bench-untraced: the access trace is NOT written; \
                   nothing this hub discloses is recorded. Benchmarks only.";
    tracing::warn!("{warning}");
    eprintln!("{warning}");
    Ok(TraceWriter::discarding())
}

/// A bound, ready-to-run server.
#[derive(Debug)]
pub struct Application {
    listener: TcpListener,
    router: Router,
    store: Store,
    hub: Hub,
    failed_auth: FailedAuth,
    shutdown: tokio::sync::watch::Sender<bool>,
    grace: Duration,
}

impl Application {
    /// Connects, prepares the schema and binds. Migrations run first when
    /// the settings ask for it (always on the embedded SQLite default);
    /// otherwise pending migrations stop start-up with a clear message.
    pub async fn build(settings: &Settings) -> anyhow::Result<Self> {
        Self::build_with_trace(settings, TraceMode::Durable).await
    }

    /// As [`Application::build`], choosing how the access trace is written
    /// (see [`TraceMode`]).
    pub async fn build_with_trace(settings: &Settings, mode: TraceMode) -> anyhow::Result<Self> {
        let store = Store::connect(&settings.database_url)
            .await
            .with_context(|| {
                format!(
                    "cannot open the database at {}",
                    redact_url(&settings.database_url)
                )
            })?;
        Self::build_with_store_and_trace(settings, store, mode).await
    }

    /// As [`Application::build`], over an existing store (tests).
    pub async fn build_with_store(settings: &Settings, store: Store) -> anyhow::Result<Self> {
        Self::build_with_store_and_trace(settings, store, TraceMode::Durable).await
    }

    /// As [`Application::build_with_trace`], over an existing store (tests).
    pub async fn build_with_store_and_trace(
        settings: &Settings,
        store: Store,
        mode: TraceMode,
    ) -> anyhow::Result<Self> {
        // A fixed "now" (tests, demos) reaches the store's writes too.
        let store = match settings.fixed_now {
            Some(now) => store.with_clock(store::FixedClock(now)),
            None => store,
        }
        .with_facts_cache(settings.limits.facts_cache_children);
        if settings.migrate_on_start || settings.is_sqlite() {
            store.migrate().await.context("migrations failed")?;
            // This month's partition exists before the first entry is
            // written (PostgreSQL; the keeper then runs daily).
            store
                .ensure_trace_partitions(store.now().date_naive())
                .await
                .map_err(|e| {
                    anyhow::anyhow!("creating the access trace's partitions failed: {e:?}")
                })?;
            crate::agreement::ensure_default(&store)
                .await
                .map_err(|e| anyhow::anyhow!("loading the default agreement failed: {e:?}"))?;
            crate::template::ensure_default(&store).await.map_err(|e| {
                anyhow::anyhow!("loading the default advice templates failed: {e:?}")
            })?;
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
        let trace = match mode {
            TraceMode::Durable => TraceWriter::start(store.clone()),
            TraceMode::DiscardForBenchmark => discarding_writer(settings, &store).await?,
        };
        let failed_auth = FailedAuth::start(trace.clone(), settings.limits.auth_failure_window);
        let (shutdown, shutdown_rx) = tokio::sync::watch::channel(false);
        let oidc = match &settings.web.oidc {
            Some(o) => {
                let oidc = Arc::new(crate::oidc::Oidc::new(o.clone())?);
                // Discovery in the background: a provider that is down
                // never stops the hub from serving the API.
                let warm = oidc.clone();
                tokio::spawn(async move { warm.warm_up().await });
                Some(oidc)
            }
            None => None,
        };
        // Listening before serving: a subscription opened on this
        // instance hears changes made on any other from the start.
        let updates = crate::updates::Updates::start(&store).await?;
        let state = AppState {
            schema: build_schema(&settings.limits, settings.introspection),
            ws_schema: crate::graphql::build_ws_schema(&settings.limits),
            hub: Hub::new(
                store.clone(),
                trace,
                updates,
                Policy::from_settings(settings),
            ),
            store,
            auth: Arc::new(auth),
            introspection: settings.introspection,
            max_batch: settings.limits.max_batch,
            clock: settings.fixed_now,
            failed_auth: failed_auth.clone(),
            shutdown: shutdown_rx,
            max_message_bytes: settings.limits.max_body_bytes,
            document_limits: (&settings.limits).into(),
            web: Arc::new(settings.web.clone()),
            oidc,
            persisted: http::apq::PersistedQueries::default(),
            cors_origins: settings.cors_origins.clone().into(),
            ws_init_timeout: settings.limits.ws_init_timeout,
            otel_operation_names: Arc::new(settings.telemetry.operation_names.clone()),
        };
        crate::web::session::spawn_sweeper(state.store.clone(), state.clock);
        crate::trace::spawn_partition_keeper(state.store.background(), state.shutdown.clone());
        match &settings.log_signer {
            Some(signer) => crate::trace::spawn_integrator(
                state.store.background(),
                signer.clone(),
                state.shutdown.clone(),
            ),
            None => tracing::warn!(
                "no TELLONCE_TRACE_SIGNING_KEY: the trace is not integrated into the verifiable log, and no checkpoints or proofs are given (the hash chain still holds); make a key with `tellonce trace keygen`"
            ),
        }
        let hub = state.hub.clone();
        let router = router(
            state,
            settings.limits.max_body_bytes,
            settings.limits.request_timeout,
        );
        if let Some(bind) = settings.telemetry.metrics_bind {
            let addr = crate::metrics::serve(bind, app_store.clone()).await?;
            tracing::info!(%addr, "metrics on http://{addr}/metrics");
        }
        let listener = TcpListener::bind(settings.bind)
            .await
            .with_context(|| format!("cannot listen on {}", settings.bind))?;
        Ok(Self {
            listener,
            router,
            store: app_store,
            hub,
            failed_auth,
            shutdown,
            grace: settings.limits.shutdown_grace,
        })
    }

    /// The door the application's front ends disclose through; a front end
    /// in the same process (a test's, say) uses it to share the decisions
    /// and the trace writer.
    pub fn hub(&self) -> Hub {
        self.hub.clone()
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
    /// stops anyway; pending failed-authentication counts are traced last,
    /// and on SQLite the write-ahead log is checkpointed into the database
    /// file and truncated, so a stopped hub leaves one file to copy.
    pub async fn run_until(
        self,
        stop: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let Self {
            listener,
            router,
            store,
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
        match store.checkpoint().await {
            Ok(store::Checkpointed::Busy) => {
                tracing::warn!(
                    "the write-ahead log was busy: part of it stays beside the database"
                );
            }
            Ok(_) => {}
            Err(e) => tracing::error!(error = ?e, "checkpointing the write-ahead log failed"),
        }
        served
    }
}

pub use crate::config::redact_url;

/// Resolves on SIGINT (Ctrl-C) or SIGTERM. The SIGTERM listener is
/// registered when this is called, not when it is first awaited: `main`
/// calls it before the hub announces it is up, so a SIGTERM sent as soon
/// as the banner appears drains the hub instead of killing it.
pub fn shutdown_signal() -> impl Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    let term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    async move {
        let ctrl_c = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        #[cfg(unix)]
        let term = async move {
            match term {
                Some(mut s) => {
                    s.recv().await;
                }
                // No listener: stop on Ctrl-C only, never at once.
                None => std::future::pending::<()>().await,
            }
        };
        #[cfg(not(unix))]
        let term = std::future::pending::<()>();
        tokio::select! { () = ctrl_c => {}, () = term => {} }
    }
}

pub fn router(state: AppState, max_body: usize, timeout: Duration) -> Router {
    let cors = http::cors::layer(&state.cors_origins);
    // The scheme people reach the hub by (TLS ends in front of it).
    let scheme: &'static str = if state.web.secure_cookies() {
        "https"
    } else {
        "http"
    };
    let api = Router::new()
        .route(
            "/graphql",
            get(http::graphql::get)
                .post(http::graphql::graphql)
                .fallback(http::graphql::method_not_allowed),
        )
        .route("/graphiql/{asset}", get(http::graphiql::asset))
        .route("/graphql/ws", get(http::ws::subscriptions))
        .route("/healthz", get(http::health::healthz))
        .route("/readyz", get(http::health::readyz))
        .route("/trace/export", get(http::export::export))
        .route(
            "/trace/checkpoint",
            get(http::log::checkpoint).post(http::log::cosign),
        )
        .route("/trace/consistency", get(http::log::consistency))
        .route("/trace/key", get(http::log::key))
        .route("/trace/tile/{*path}", get(http::log::tile))
        .route("/exports/timeliness.csv", get(http::report::timeliness_csv))
        .route(
            "/plans/{assessment}/versions/{file}",
            get(http::plan::version),
        )
        .route("/plans/{assessment}/{file}", get(http::plan::latest));
    // CORS for the API only (bearer tokens, no cookies), when configured.
    let api = match cors {
        Some(cors) => api.layer(cors),
        None => api,
    };
    api.merge(crate::web::router())
        .layer(DefaultBodyLimit::max(max_body))
        .layer(axum::middleware::from_fn_with_state(timeout, time_limit))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(axum::middleware::from_fn(crate::metrics::track_http))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(move |request: &axum::http::Request<_>| {
                    // The route template only: never query strings or ids.
                    let route = request
                        .extensions()
                        .get::<axum::extract::MatchedPath>()
                        .map_or("unmatched", |p| p.as_str());
                    let request_id = request
                        .headers()
                        .get(REQUEST_ID)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default();
                    crate::telemetry::http_span(
                        request.method(),
                        route,
                        scheme,
                        request_id,
                        request.headers(),
                    )
                })
                .on_response(
                    |response: &axum::http::Response<_>, _latency, span: &tracing::Span| {
                        crate::telemetry::http_response(span, response.status());
                    },
                ),
        )
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        // The hub makes every request id itself: a caller cannot choose the
        // id that goes into the access trace.
        .layer(axum::middleware::map_request(
            |mut request: axum::extract::Request| async move {
                request.headers_mut().remove(REQUEST_ID);
                request
            },
        ))
        .with_state(state)
}
