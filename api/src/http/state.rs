//! The state every request shares.

use std::sync::Arc;

use chrono::Utc;

use crate::access::Hub;
use crate::auth::Authenticator;
use crate::failed_auth::FailedAuth;
use crate::graphql::AppSchema;
use crate::graphql::guard::DocumentLimits;
use store::Store;

/// Shared by every request.
#[derive(Clone)]
pub struct AppState {
    pub schema: AppSchema,
    pub ws_schema: crate::graphql::WsSchema,
    pub store: Store,
    pub auth: Arc<Authenticator>,
    pub introspection: bool,
    pub max_batch: usize,
    /// The door every front end discloses through.
    pub hub: Hub,
    /// A fixed "now" for tests and demos; the system clock otherwise.
    pub clock: Option<chrono::DateTime<Utc>>,
    pub failed_auth: FailedAuth,
    /// Turns true when the hub starts shutting down (WebSockets close).
    pub shutdown: tokio::sync::watch::Receiver<bool>,
    /// The largest WebSocket message accepted (the body limit).
    pub max_message_bytes: usize,
    pub document_limits: DocumentLimits,
    /// The family and provider pages.
    pub web: Arc<crate::config::WebSettings>,
    /// The pages' OpenID Connect provider, when one is configured.
    pub oidc: Option<Arc<crate::oidc::Oidc>>,
    /// Automatic persisted queries: documents by hash, per caller.
    pub persisted: crate::http::apq::PersistedQueries,
    /// Browser origins allowed to call the API (CORS); empty: none.
    pub cors_origins: Arc<[String]>,
    /// How long a WebSocket may take to send `connection_init`.
    pub ws_init_timeout: std::time::Duration,
    /// GraphQL operation names that spans and metrics may show; any other
    /// client-chosen name is redacted (it can carry a child's name).
    pub otel_operation_names: Arc<std::collections::BTreeSet<String>>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("store", &self.store)
            .finish_non_exhaustive()
    }
}
