//! `Settings`: one value, loaded once in `main` from defaults, an optional
//! TOML file, `TELLONCE_*` environment variables and command-line flags (in
//! rising order of precedence). Tests build a `Settings` directly.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Args;
use clap::builder::BoolishValueParser;
use serde::Deserialize;

mod issuers;
pub use issuers::{ClaimsMap, IssuerSettings, JwksCachePolicy, KeySource};

/// The embedded default: a SQLite file beside the working directory,
/// created on first run.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://./tellonce.db?mode=rwc";
/// Issuer and audience used by `serve --demo` and `token` when none is set.
pub const DEMO_ISSUER: &str = "tellonce-demo";
pub const DEMO_AUDIENCE: &str = "tellonce";
/// The controller named on receipts unless configured.
pub const DEFAULT_CONTROLLER: &str = "Northshire Council (demo controller)";
/// The demo controller's privacy notice and its version, unless configured.
pub const DEFAULT_PRIVACY_NOTICE_URL: &str = "https://northshire.example/privacy/send";
pub const DEFAULT_PRIVACY_NOTICE_VERSION: &str = "2026-12-01";
/// The demo controller's contact details, unless configured.
pub const DEFAULT_CONTROLLER_ADDRESS: &str =
    "Data Protection Officer, County Hall, Northshire NS1 1AA";
pub const DEFAULT_CONTROLLER_EMAIL: &str = "dpo@northshire.example";
pub const DEFAULT_CONTROLLER_PHONE: &str = "01632 960000";
/// Days after the family withdraws a scope during which a practitioner's
/// record cannot re-open it without the family confirming.
pub const DEFAULT_REOPEN_WINDOW_DAYS: u32 = 30;

/// What receipts say about the controller, and the re-open rule's window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptSettings {
    /// The controller's privacy notice (Kantara `policyUrl`).
    pub privacy_notice_url: String,
    /// Its version: stored with each grant as the wording the family saw.
    pub privacy_notice_version: String,
    /// The controller's (or its DPO's) postal address.
    pub controller_address: String,
    pub controller_email: String,
    pub controller_phone: String,
    /// Days a family's withdrawal blocks a practitioner's record of the same
    /// scope from taking effect without the family confirming it.
    pub reopen_window_days: u32,
}

impl Default for ReceiptSettings {
    fn default() -> Self {
        Self {
            privacy_notice_url: DEFAULT_PRIVACY_NOTICE_URL.to_owned(),
            privacy_notice_version: DEFAULT_PRIVACY_NOTICE_VERSION.to_owned(),
            controller_address: DEFAULT_CONTROLLER_ADDRESS.to_owned(),
            controller_email: DEFAULT_CONTROLLER_EMAIL.to_owned(),
            controller_phone: DEFAULT_CONTROLLER_PHONE.to_owned(),
            reopen_window_days: DEFAULT_REOPEN_WINDOW_DAYS,
        }
    }
}

/// A value that must never be printed: `Debug` and `Display` show a mask.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

/// How callers' JWTs are verified.
#[derive(Debug, Clone)]
pub struct JwtSettings {
    /// Required `iss`.
    pub issuer: String,
    /// Required `aud`.
    pub audience: String,
    /// HS256 shared secret, development only.
    pub secret: Option<Secret>,
    /// RS256/ES256 public keys from a JWKS file.
    pub jwks_file: Option<PathBuf>,
    /// RS256/ES256 public keys from a JWKS URL (cached).
    pub jwks_url: Option<String>,
    /// No two fetches of a key set closer than this (0: an unknown `kid`
    /// refetches at once, then backs off from 10 s doubling to 5 min).
    pub jwks_min_refresh: Duration,
    /// Clock skew allowed on `exp` and `nbf`.
    pub leeway_secs: u64,
    /// Accept tokens holding both an IG role and a practitioner role
    /// (refused by default: IG staff audit, they do not read records).
    pub allow_mixed_roles: bool,
    /// How the first issuer's claims become a principal (default:
    /// tellonce's own claim names).
    pub claims: ClaimsMap,
    /// Further trusted issuers (`[[issuers]]` in the configuration file).
    pub issuers: Vec<IssuerSettings>,
    /// How long fetched key sets are trusted.
    pub jwks_cache: JwksCachePolicy,
}

/// Request limits (SECURITY.md explains each).
#[derive(Debug, Clone)]
pub struct Limits {
    pub max_body_bytes: usize,
    /// Selection depth (async-graphql's `limit_depth`).
    pub max_depth: usize,
    pub max_complexity: usize,
    pub max_batch: usize,
    pub request_timeout: Duration,
    /// Bracket nesting in the raw document, checked before parsing.
    pub max_nesting: usize,
    /// Tokens in the raw document, checked before parsing.
    pub max_tokens: usize,
    /// Selections, arguments and directives after fragment expansion.
    pub max_expanded_fields: u64,
    /// Bytes in any one string value (document or variables).
    pub max_string_bytes: usize,
    /// Directives on one field or fragment.
    pub max_directives: usize,
    /// Nesting of fragments and selections as async-graphql counts it.
    pub max_recursive_depth: usize,
    /// How long in-flight requests may take to finish after SIGTERM.
    pub shutdown_grace: Duration,
    /// Failed authentications from one source within this window become
    /// one AUTH_FAILED entry with a count.
    pub auth_failure_window: Duration,
    /// How long a WebSocket may wait before sending `connection_init`
    /// (then it is closed with 4408, as graphql-transport-ws says).
    pub ws_init_timeout: Duration,
    /// Children whose decision facts are kept in memory between requests
    /// (re-read whenever they change: `store::facts`); 0 reads them for
    /// every decision.
    pub facts_cache_children: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_body_bytes: 1024 * 1024,
            max_depth: 15,
            max_complexity: 1000,
            max_batch: 10,
            request_timeout: Duration::from_secs(30),
            // A legitimate document nests a selection (depth 15) plus an
            // input object a few levels deep; the parser recurses per level.
            max_nesting: 64,
            // GraphiQL's introspection query is about 300 tokens.
            max_tokens: 10_000,
            // Complexity 1000 bounds what executes; this bounds what
            // validation walks, fragments expanded (introspection: ~250).
            max_expanded_fields: 5_000,
            // About ten pages of text: the longest free text a form holds.
            max_string_bytes: 64 * 1024,
            max_directives: 20,
            max_recursive_depth: 32,
            shutdown_grace: Duration::from_secs(10),
            auth_failure_window: Duration::from_secs(60),
            ws_init_timeout: Duration::from_secs(10),
            facts_cache_children: store::facts::DEFAULT_CAPACITY,
        }
    }
}

/// Hours from declaring an override to its review deadline, unless
/// configured: three days, the longest an override may last by default.
pub const DEFAULT_OVERRIDE_REVIEW_HOURS: u32 = 72;

/// Everything the hub needs to run.
#[derive(Debug, Clone)]
pub struct Settings {
    pub database_url: String,
    pub bind: SocketAddr,
    /// Development mode: HS256 secrets and the `token` command are allowed,
    /// and introspection/GraphiQL default to on.
    pub development: bool,
    /// GraphQL introspection and GraphiQL on `GET /graphql`.
    pub introspection: bool,
    /// Run migrations when `serve` starts (always on for SQLite).
    pub migrate_on_start: bool,
    pub jwt: JwtSettings,
    pub limits: Limits,
    /// JSON log lines instead of human-readable ones.
    pub log_json: bool,
    /// Named as the data controller on consent receipts.
    pub controller: String,
    /// The privacy notice, controller contact and re-open window.
    pub receipts: ReceiptSettings,
    /// The longest a safeguarding override may last, in hours.
    pub max_override_hours: u32,
    /// Hours from declaring an override to the deadline for its IG (or
    /// Caldicott Guardian) review.
    pub override_review_hours: u32,
    /// Families' access history names practitioners, not only agencies.
    pub show_practitioners_to_families: bool,
    /// A fixed "now" for every request (tests and demos of the statutory
    /// clock); `None` uses the system clock.
    pub fixed_now: Option<chrono::DateTime<chrono::Utc>>,
    /// The LA's autumn term start (month and day): the school year in which
    /// a child turns 16 starts there, which fixes the end of compulsory
    /// school age (Education Act 1996 ss.8, 579). Default 1 September.
    pub term_start: consent::TermStart,
    /// How often plans of children under 5 are reviewed: 3 to 6 months
    /// (CoP 9.178), default 6; everyone else's within 12 (s.44(1)).
    pub review: domain::review::ReviewPolicy,
    /// The family and provider pages: sessions and sign-in.
    pub web: WebSettings,
    /// Browser origins (`https://app.example`, exact) allowed to call the
    /// API across origins (CORS); empty: no CORS headers at all.
    pub cors_origins: Vec<String>,
    /// Span and metric options beyond the standard `OTEL_*` variables.
    pub telemetry: TelemetrySettings,
    /// The verifiable log's signing key: with it the hub integrates the
    /// trace into the Merkle tree and signs checkpoints; without it there
    /// are no checkpoints and no proofs (the hash chain still holds).
    pub log_signer: Option<Arc<consent::log::LogSigner>>,
    /// Public keys of the log's witnesses (a DPO, say), whose
    /// co-signatures the hub keeps on its checkpoints.
    pub witness_keys: Vec<String>,
}

/// Telemetry options of the hub's own (the exporter follows `OTEL_*`).
#[derive(Debug, Clone, Default)]
pub struct TelemetrySettings {
    /// GraphQL operation names spans and metrics may show; every other
    /// client-chosen name is redacted (it can carry a child's name).
    pub operation_names: std::collections::BTreeSet<String>,
    /// Where `GET /metrics` (Prometheus) is served; `None`: not at all.
    /// Never on the public address.
    pub metrics_bind: Option<SocketAddr>,
}

/// The hub's own pages (`/family`, `/provider`): where they are served
/// from, how long a session lasts, and how people sign in.
#[derive(Debug, Clone)]
pub struct WebSettings {
    /// The address people reach the hub at (`https://…` in production):
    /// OIDC redirects are built from it, and session cookies are marked
    /// `Secure` when it is `https`. `None`: the address requests arrive on.
    pub public_url: Option<String>,
    /// A session ends after this long without a request.
    pub session_idle: Duration,
    /// A session ends this long after signing in, however busy.
    pub session_max: Duration,
    /// The demo's persona picker instead of an identity provider
    /// (development only).
    pub personas: bool,
    /// Sign-in with an OpenID Connect provider; `None`: no such sign-in.
    pub oidc: Option<OidcSettings>,
}

/// The OpenID Connect provider people sign in to the pages with. Its ID
/// tokens' claims make a principal exactly as an API token's do.
#[derive(Debug, Clone)]
pub struct OidcSettings {
    /// The provider's issuer (`https://…`; plain http only for localhost):
    /// its discovery document is `{issuer}/.well-known/openid-configuration`.
    pub issuer: String,
    pub client_id: String,
    /// Confidential clients' secret; `None`: a public client (PKCE only).
    pub client_secret: Option<Secret>,
    /// Scopes asked for besides `openid` (default `profile`).
    pub scopes: Vec<String>,
    /// `{public_url}/signin/callback`, registered at the provider.
    pub redirect_url: String,
    /// The longest discovery or a token request may take.
    pub timeout: Duration,
}

/// The scopes asked for unless configured.
pub const DEFAULT_OIDC_SCOPES: &str = "openid profile";

/// An https URL, or plain http to this machine only: the host must be
/// exactly `localhost`, `127.0.0.1` or `[::1]` (parsed, so
/// `http://localhost.example.com` is not local).
pub(crate) fn https_or_local(url: &str) -> bool {
    let Ok(parsed) = reqwest::Url::parse(url) else {
        return false;
    };
    match parsed.scheme() {
        "https" => parsed.host().is_some(),
        "http" => matches!(parsed.host_str(), Some("localhost" | "127.0.0.1" | "[::1]")),
        _ => false,
    }
}

impl Default for WebSettings {
    fn default() -> Self {
        Self {
            public_url: None,
            session_idle: Duration::from_secs(30 * 60),
            session_max: Duration::from_secs(8 * 60 * 60),
            personas: false,
            oidc: None,
        }
    }
}

impl WebSettings {
    /// Cookies are `Secure` when the hub is served over TLS.
    pub fn secure_cookies(&self) -> bool {
        self.public_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://"))
    }
}

impl Settings {
    pub fn is_sqlite(&self) -> bool {
        self.database_url.starts_with("sqlite:")
    }
}

/// Configuration flags shared by every subcommand. Each also reads an
/// environment variable; unset ones fall back to the file, then defaults.
/// Yes/no settings are switches (`--dev`); `--dev=false` turns one off over
/// the file, and their environment variables take `true`/`false` (also
/// `yes`/`no`, `on`/`off`, `1`/`0`).
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Configuration")]
pub struct ConfigArgs {
    /// TOML configuration file.
    #[arg(long, env = "TELLONCE_CONFIG", global = true)]
    pub config: Option<PathBuf>,
    /// Database URL: sqlite://FILE?mode=rwc or postgres://USER@HOST/DB.
    #[arg(long, env = "DATABASE_URL", global = true)]
    pub database_url: Option<String>,
    /// Address to listen on.
    #[arg(long, env = "TELLONCE_BIND", global = true)]
    pub bind: Option<SocketAddr>,
    /// Development mode (HS256 secrets, `token`, GraphiQL): a switch;
    /// `--dev=false` overrides a file's `dev = true`.
    #[arg(long, env = "TELLONCE_DEV", global = true, num_args = 0..=1, require_equals = true, default_missing_value = "true", value_name = "BOOL", value_parser = BoolishValueParser::new())]
    pub dev: Option<bool>,
    /// Introspection and GraphiQL on (`--introspection`) or off
    /// (`--introspection=false`).
    #[arg(long, env = "TELLONCE_INTROSPECTION", global = true, num_args = 0..=1, require_equals = true, default_missing_value = "true", value_name = "BOOL", value_parser = BoolishValueParser::new())]
    pub introspection: Option<bool>,
    #[arg(long, env = "TELLONCE_JWT_ISSUER", global = true)]
    pub jwt_issuer: Option<String>,
    #[arg(long, env = "TELLONCE_JWT_AUDIENCE", global = true)]
    pub jwt_audience: Option<String>,
    /// HS256 secret (development only). Prefer the environment variable.
    #[arg(
        long,
        env = "TELLONCE_JWT_SECRET",
        global = true,
        hide_env_values = true
    )]
    pub jwt_secret: Option<String>,
    #[arg(long, env = "TELLONCE_JWT_JWKS_FILE", global = true)]
    pub jwt_jwks_file: Option<PathBuf>,
    #[arg(long, env = "TELLONCE_JWT_JWKS_URL", global = true)]
    pub jwt_jwks_url: Option<String>,
    /// Request timeout in seconds.
    #[arg(long, env = "TELLONCE_REQUEST_TIMEOUT_SECS", global = true)]
    pub request_timeout_secs: Option<u64>,
    /// JSON logs (a switch).
    #[arg(long, env = "TELLONCE_LOG_JSON", global = true, num_args = 0..=1, require_equals = true, default_missing_value = "true", value_name = "BOOL", value_parser = BoolishValueParser::new())]
    pub log_json: Option<bool>,
    /// The data controller named on consent receipts.
    #[arg(long, env = "TELLONCE_CONTROLLER", global = true)]
    pub controller: Option<String>,
    /// The controller's privacy notice URL, shown on receipts.
    #[arg(long, env = "TELLONCE_PRIVACY_NOTICE_URL", global = true)]
    pub privacy_notice_url: Option<String>,
    /// The privacy notice's version, recorded with each grant.
    #[arg(long, env = "TELLONCE_PRIVACY_NOTICE_VERSION", global = true)]
    pub privacy_notice_version: Option<String>,
    /// Days a withdrawal blocks a practitioner's record from re-opening it.
    #[arg(long, env = "TELLONCE_REOPEN_WINDOW_DAYS", global = true)]
    pub reopen_window_days: Option<u32>,
    /// The longest a safeguarding override may last, in hours.
    #[arg(long, env = "TELLONCE_MAX_OVERRIDE_HOURS", global = true)]
    pub max_override_hours: Option<u32>,
    /// Hours from declaring an override to its review deadline (default 72).
    #[arg(long, env = "TELLONCE_OVERRIDE_REVIEW_HOURS", global = true)]
    pub override_review_hours: Option<u32>,
    /// Show families which practitioner looked (default: only the agency;
    /// a switch).
    #[arg(long, env = "TELLONCE_SHOW_PRACTITIONERS_TO_FAMILIES", global = true, num_args = 0..=1, require_equals = true, default_missing_value = "true", value_name = "BOOL", value_parser = BoolishValueParser::new())]
    pub show_practitioners_to_families: Option<bool>,
    /// Accept tokens that hold an IG role and a practitioner role at once
    /// (a switch).
    #[arg(long, env = "TELLONCE_ALLOW_MIXED_ROLES", global = true, num_args = 0..=1, require_equals = true, default_missing_value = "true", value_name = "BOOL", value_parser = BoolishValueParser::new())]
    pub allow_mixed_roles: Option<bool>,
    /// The LA's autumn term start, MM-DD (default 09-01).
    #[arg(long, env = "TELLONCE_TERM_START", global = true)]
    pub term_start: Option<String>,
    /// Months between reviews of an under-5's EHC plan, 3 to 6 (default 6).
    #[arg(long, env = "TELLONCE_UNDER_FIVE_REVIEW_MONTHS", global = true)]
    pub under_five_review_months: Option<u32>,
    /// The address people reach the hub at, e.g. `https://tellonce.example.gov.uk`.
    #[arg(long, env = "TELLONCE_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,
    /// The OpenID Connect provider's issuer URL, for signing in to the pages.
    #[arg(long, env = "TELLONCE_OIDC_ISSUER", global = true)]
    pub oidc_issuer: Option<String>,
    /// The hub's client id at the OpenID Connect provider.
    #[arg(long, env = "TELLONCE_OIDC_CLIENT_ID", global = true)]
    pub oidc_client_id: Option<String>,
    /// The hub's client secret there (none: a public client, PKCE only).
    /// Environment or file only: a flag would show in the process list.
    #[arg(skip)]
    pub oidc_client_secret: Option<String>,
    /// Scopes to ask for, space-separated (default "openid profile").
    #[arg(long, env = "TELLONCE_OIDC_SCOPES", global = true)]
    pub oidc_scopes: Option<String>,
    /// Browser origins allowed to call the API (CORS), comma-separated,
    /// e.g. `https://app.example.gov.uk`. None by default.
    #[arg(long, env = "TELLONCE_CORS_ORIGINS", global = true)]
    pub cors_origins: Option<String>,
    /// GraphQL operation names spans and metrics may show, comma-separated
    /// (any other client-chosen name is redacted).
    #[arg(long, env = "TELLONCE_OTEL_OPERATION_NAMES", global = true)]
    pub otel_operation_names: Option<String>,
    /// Serve Prometheus metrics on this address, e.g. 127.0.0.1:9464 (off
    /// by default; never on the public address).
    #[arg(long, env = "TELLONCE_METRICS_BIND", global = true)]
    pub metrics_bind: Option<SocketAddr>,
    /// A file holding the verifiable log's private signing key, as
    /// `tellonce trace keygen` prints it (or the key itself in
    /// TELLONCE_TRACE_SIGNING_KEY; a flag would show it in the process
    /// list).
    #[arg(long, env = "TELLONCE_TRACE_SIGNING_KEY_FILE", global = true)]
    pub trace_signing_key_file: Option<PathBuf>,
    /// Public keys of the log's witnesses, comma-separated
    /// (`name+id+key`, as `tellonce trace keygen` prints them).
    #[arg(long, env = "TELLONCE_TRACE_WITNESS_KEYS", global = true)]
    pub trace_witness_keys: Option<String>,
}

/// The optional TOML file: the same keys as the flags, in snake_case.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    database_url: Option<String>,
    bind: Option<SocketAddr>,
    dev: Option<bool>,
    introspection: Option<bool>,
    jwt_issuer: Option<String>,
    jwt_audience: Option<String>,
    jwt_secret: Option<String>,
    jwt_jwks_file: Option<PathBuf>,
    jwt_jwks_url: Option<String>,
    jwt_jwks_min_refresh_secs: Option<u64>,
    request_timeout_secs: Option<u64>,
    max_body_bytes: Option<usize>,
    max_depth: Option<usize>,
    max_complexity: Option<usize>,
    log_json: Option<bool>,
    controller: Option<String>,
    privacy_notice_url: Option<String>,
    privacy_notice_version: Option<String>,
    controller_address: Option<String>,
    controller_email: Option<String>,
    controller_phone: Option<String>,
    reopen_window_days: Option<u32>,
    max_override_hours: Option<u32>,
    override_review_hours: Option<u32>,
    show_practitioners_to_families: Option<bool>,
    allow_mixed_roles: Option<bool>,
    term_start: Option<String>,
    under_five_review_months: Option<u32>,
    public_url: Option<String>,
    session_idle_minutes: Option<u64>,
    session_hours: Option<u64>,
    oidc_issuer: Option<String>,
    oidc_client_id: Option<String>,
    oidc_client_secret: Option<String>,
    oidc_scopes: Option<String>,
    cors_origins: Option<Vec<String>>,
    ws_init_timeout_secs: Option<u64>,
    facts_cache_children: Option<usize>,
    otel_operation_names: Option<Vec<String>>,
    metrics_bind: Option<SocketAddr>,
    trace_signing_key_file: Option<PathBuf>,
    trace_witness_keys: Option<Vec<String>>,
    #[serde(default)]
    issuers: Vec<issuers::IssuerFile>,
    jwt_jwks_default_ttl_secs: Option<u64>,
    jwt_jwks_min_ttl_secs: Option<u64>,
    jwt_jwks_max_ttl_secs: Option<u64>,
    jwt_jwks_max_stale_secs: Option<u64>,
}

fn read_file(path: &Path) -> anyhow::Result<FileSettings> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read configuration file {}", path.display()))?;
    toml::from_str(&text)
        .with_context(|| format!("configuration file {} is not valid", path.display()))
}

/// What the subcommand needs from the JWT settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `serve` without `--demo`: issuer, audience and a key are required.
    Serve,
    /// `serve --demo`: development on, demo issuer/audience by default, and a
    /// fresh random HS256 secret if none is configured.
    Demo,
    /// Commands that verify no tokens (`migrate`, `schema`).
    Offline,
}

impl ConfigArgs {
    /// Merges flags/env over the file over defaults, and checks the result.
    pub fn load(&self, mode: Mode) -> anyhow::Result<Settings> {
        let file = match &self.config {
            Some(path) => read_file(path)?,
            None => FileSettings::default(),
        };
        let demo = mode == Mode::Demo;
        let development = demo || self.dev.or(file.dev).unwrap_or(false);
        let introspection = self
            .introspection
            .or(file.introspection)
            .unwrap_or(development);
        let database_url = self
            .database_url
            .clone()
            .or(file.database_url)
            .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned());
        let default_bind: SocketAddr = ([127, 0, 0, 1], 8080).into();
        let mut secret = self.jwt_secret.clone().or(file.jwt_secret).map(Secret::new);
        let jwks_file = self.jwt_jwks_file.clone().or(file.jwt_jwks_file);
        let jwks_url = self.jwt_jwks_url.clone().or(file.jwt_jwks_url);
        let mut issuer = self.jwt_issuer.clone().or(file.jwt_issuer);
        let mut audience = self.jwt_audience.clone().or(file.jwt_audience);
        let trusted = file
            .issuers
            .into_iter()
            .map(issuers::IssuerFile::into_settings)
            .collect::<anyhow::Result<Vec<_>>>()?;
        let cache = {
            let d = JwksCachePolicy::default();
            let secs = |v: Option<u64>, d: Duration| v.map_or(d, Duration::from_secs);
            JwksCachePolicy {
                default_ttl: secs(file.jwt_jwks_default_ttl_secs, d.default_ttl),
                min_ttl: secs(file.jwt_jwks_min_ttl_secs, d.min_ttl),
                max_ttl: secs(file.jwt_jwks_max_ttl_secs, d.max_ttl),
                max_stale: secs(file.jwt_jwks_max_stale_secs, d.max_stale),
            }
        };
        if cache.min_ttl > cache.max_ttl {
            bail!("jwt_jwks_min_ttl_secs must not exceed jwt_jwks_max_ttl_secs");
        }
        // With `[[issuers]]` only, the first (env/flags) issuer is optional.
        let first_issuer = trusted.is_empty()
            || issuer.is_some()
            || audience.is_some()
            || secret.is_some()
            || jwks_file.is_some()
            || jwks_url.is_some();

        if demo {
            issuer.get_or_insert_with(|| DEMO_ISSUER.to_owned());
            audience.get_or_insert_with(|| DEMO_AUDIENCE.to_owned());
            if secret.is_none() && jwks_file.is_none() && jwks_url.is_none() {
                secret = Some(random_secret());
            }
        }
        if mode == Mode::Serve && first_issuer {
            if issuer.is_none() {
                bail!(
                    "TELLONCE_JWT_ISSUER is required: set it to your identity provider's issuer (or run `serve --demo`)"
                );
            }
            if audience.is_none() {
                bail!(
                    "TELLONCE_JWT_AUDIENCE is required: set it to the audience your identity provider puts in tokens for tellonce"
                );
            }
            if secret.is_none() && jwks_file.is_none() && jwks_url.is_none() {
                bail!(
                    "no token keys configured: set TELLONCE_JWT_JWKS_URL or TELLONCE_JWT_JWKS_FILE (or TELLONCE_JWT_SECRET with TELLONCE_DEV=true for development)"
                );
            }
        }
        if secret.is_some() && !development && mode != Mode::Offline {
            bail!(
                "TELLONCE_JWT_SECRET (HS256) is for development only: set TELLONCE_DEV=true, or use TELLONCE_JWT_JWKS_URL / TELLONCE_JWT_JWKS_FILE"
            );
        }
        if let Some(url) = &jwks_url
            && !https_or_local(url)
        {
            bail!(
                "TELLONCE_JWT_JWKS_URL must use https:// (plain http is accepted only for localhost)"
            );
        }

        let log_signer = log_signer(
            self.trace_signing_key_file
                .clone()
                .or(file.trace_signing_key_file.clone()),
            demo,
        )?;
        let witness_keys: Vec<String> = match &self.trace_witness_keys {
            Some(list) => list
                .split(',')
                .map(str::trim)
                .filter(|k| !k.is_empty())
                .map(str::to_owned)
                .collect(),
            None => file.trace_witness_keys.clone().unwrap_or_default(),
        };
        for key in &witness_keys {
            consent::log::check_public_key(key)
                .map_err(|e| anyhow::anyhow!("TELLONCE_TRACE_WITNESS_KEYS: {e}"))?;
        }
        let defaults = Limits::default();
        Ok(Settings {
            database_url,
            bind: self.bind.or(file.bind).unwrap_or(default_bind),
            development,
            introspection,
            migrate_on_start: demo,
            jwt: JwtSettings {
                issuer: issuer.unwrap_or_else(|| DEMO_ISSUER.to_owned()),
                audience: audience.unwrap_or_else(|| DEMO_AUDIENCE.to_owned()),
                secret,
                jwks_file,
                jwks_url,
                jwks_min_refresh: Duration::from_secs(file.jwt_jwks_min_refresh_secs.unwrap_or(0)),
                leeway_secs: 30,
                allow_mixed_roles: self
                    .allow_mixed_roles
                    .or(file.allow_mixed_roles)
                    .unwrap_or(false),
                claims: ClaimsMap::default(),
                issuers: trusted,
                jwks_cache: cache,
            },
            limits: Limits {
                max_body_bytes: file.max_body_bytes.unwrap_or(defaults.max_body_bytes),
                max_depth: file.max_depth.unwrap_or(defaults.max_depth),
                max_complexity: file.max_complexity.unwrap_or(defaults.max_complexity),
                request_timeout: self
                    .request_timeout_secs
                    .or(file.request_timeout_secs)
                    .map_or(defaults.request_timeout, Duration::from_secs),
                ws_init_timeout: file
                    .ws_init_timeout_secs
                    .map_or(defaults.ws_init_timeout, Duration::from_secs),
                facts_cache_children: file
                    .facts_cache_children
                    .unwrap_or(defaults.facts_cache_children),
                ..defaults
            },
            log_json: self.log_json.or(file.log_json).unwrap_or(false),
            controller: self
                .controller
                .clone()
                .or(file.controller)
                .unwrap_or_else(|| DEFAULT_CONTROLLER.to_owned()),
            receipts: {
                let d = ReceiptSettings::default();
                ReceiptSettings {
                    privacy_notice_url: self
                        .privacy_notice_url
                        .clone()
                        .or(file.privacy_notice_url)
                        .unwrap_or(d.privacy_notice_url),
                    privacy_notice_version: self
                        .privacy_notice_version
                        .clone()
                        .or(file.privacy_notice_version)
                        .unwrap_or(d.privacy_notice_version),
                    controller_address: file.controller_address.unwrap_or(d.controller_address),
                    controller_email: file.controller_email.unwrap_or(d.controller_email),
                    controller_phone: file.controller_phone.unwrap_or(d.controller_phone),
                    reopen_window_days: self
                        .reopen_window_days
                        .or(file.reopen_window_days)
                        .unwrap_or(d.reopen_window_days),
                }
            },
            fixed_now: None,
            show_practitioners_to_families: self
                .show_practitioners_to_families
                .or(file.show_practitioners_to_families)
                .unwrap_or(false),
            max_override_hours: self
                .max_override_hours
                .or(file.max_override_hours)
                .unwrap_or(72),
            override_review_hours: self
                .override_review_hours
                .or(file.override_review_hours)
                .unwrap_or(DEFAULT_OVERRIDE_REVIEW_HOURS),
            term_start: match self.term_start.clone().or(file.term_start) {
                Some(text) => consent::TermStart::parse(&text).map_err(|e| {
                    anyhow::anyhow!("{e}: set TELLONCE_TERM_START to the first day of the LA's autumn term, e.g. 09-03")
                })?,
                None => consent::TermStart::default(),
            },
            review: match self
                .under_five_review_months
                .or(file.under_five_review_months)
            {
                Some(months) => domain::review::ReviewPolicy::new(months).map_err(|e| {
                    anyhow::anyhow!("{e}: set TELLONCE_UNDER_FIVE_REVIEW_MONTHS to 3, 4, 5 or 6")
                })?,
                None => domain::review::ReviewPolicy::default(),
            },
            telemetry: TelemetrySettings {
                operation_names: match &self.otel_operation_names {
                    Some(list) => list
                        .split(',')
                        .map(str::trim)
                        .filter(|n| !n.is_empty())
                        .map(str::to_owned)
                        .collect(),
                    None => file
                        .otel_operation_names
                        .clone()
                        .unwrap_or_default()
                        .into_iter()
                        .collect(),
                },
                metrics_bind: self.metrics_bind.or(file.metrics_bind),
            },
            log_signer,
            witness_keys,
            web: {
                let d = WebSettings::default();
                let public_url = self.public_url.clone().or(file.public_url);
                if let Some(url) = &public_url
                    && !(url.starts_with("https://") || url.starts_with("http://"))
                {
                    bail!("TELLONCE_PUBLIC_URL must be an http(s):// address");
                }
                let positive = |v: u64, name: &str| {
                    if v == 0 {
                        bail!("{name} must be at least 1")
                    }
                    Ok(v)
                };
                let public_url = public_url.map(|u| u.trim_end_matches('/').to_owned());
                let oidc = self.oidc(
                    file.oidc_issuer,
                    file.oidc_client_id,
                    file.oidc_client_secret,
                    file.oidc_scopes,
                    public_url.as_deref(),
                )?;
                WebSettings {
                    oidc,
                    public_url,
                    session_idle: match file.session_idle_minutes {
                        Some(m) => Duration::from_secs(positive(m, "session_idle_minutes")? * 60),
                        None => d.session_idle,
                    },
                    session_max: match file.session_hours {
                        Some(h) => Duration::from_secs(positive(h, "session_hours")? * 3600),
                        None => d.session_max,
                    },
                    personas: development,
                }
            },
            cors_origins: match self.cors_origins.as_deref() {
                Some(list) => cors_origins(list.split(','))?,
                None => cors_origins(file.cors_origins.iter().flatten().map(String::as_str))?,
            },
        })
    }
}

/// Checks CORS origins: each exactly `scheme://host[:port]`, as a browser
/// sends it in `Origin` (lower case, no path, no wildcard).
fn cors_origins<'a>(list: impl Iterator<Item = &'a str>) -> anyhow::Result<Vec<String>> {
    let mut origins = Vec::new();
    for origin in list.map(str::trim).filter(|o| !o.is_empty()) {
        let origin = origin.trim_end_matches('/').to_ascii_lowercase();
        let host = origin
            .strip_prefix("https://")
            .or_else(|| origin.strip_prefix("http://"));
        let valid = host.is_some_and(|h| {
            !h.is_empty()
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
        });
        if !valid {
            bail!(
                "TELLONCE_CORS_ORIGINS: {origin:?} is not an origin: give each as https://host[:port], exactly as browsers send it (no path, no wildcard)"
            );
        }
        origins.push(origin);
    }
    Ok(origins)
}

impl ConfigArgs {
    /// The OIDC provider's settings, if an issuer is configured: the
    /// client id and the public URL are then required.
    fn oidc(
        &self,
        file_issuer: Option<String>,
        file_client_id: Option<String>,
        file_secret: Option<String>,
        file_scopes: Option<String>,
        public_url: Option<&str>,
    ) -> anyhow::Result<Option<OidcSettings>> {
        let env_secret = || std::env::var("TELLONCE_OIDC_CLIENT_SECRET").ok();
        let Some(issuer) = self.oidc_issuer.clone().or(file_issuer) else {
            return Ok(None);
        };
        let issuer = issuer.trim_end_matches('/').to_owned();
        if !https_or_local(&issuer) {
            bail!(
                "TELLONCE_OIDC_ISSUER must use https:// (plain http is accepted only for localhost)"
            );
        }
        let Some(client_id) = self
            .oidc_client_id
            .clone()
            .or(file_client_id)
            .filter(|c| !c.is_empty())
        else {
            bail!(
                "TELLONCE_OIDC_CLIENT_ID is required with TELLONCE_OIDC_ISSUER: set it to the client id the provider gave the hub"
            );
        };
        let Some(public_url) = public_url else {
            bail!(
                "TELLONCE_PUBLIC_URL is required with TELLONCE_OIDC_ISSUER: sign-in sends people back to {{TELLONCE_PUBLIC_URL}}/signin/callback"
            );
        };
        let scopes = self
            .oidc_scopes
            .clone()
            .or(file_scopes)
            .unwrap_or_else(|| DEFAULT_OIDC_SCOPES.to_owned());
        let scopes: Vec<String> = scopes
            .split([' ', ','])
            .filter(|s| !s.is_empty() && *s != "openid")
            .map(str::to_owned)
            .collect();
        Ok(Some(OidcSettings {
            issuer,
            client_id,
            client_secret: self
                .oidc_client_secret
                .clone()
                .or_else(env_secret)
                .or(file_secret)
                .filter(|s| !s.is_empty())
                .map(Secret::new),
            scopes,
            redirect_url: format!("{public_url}/signin/callback"),
            timeout: Duration::from_secs(10),
        }))
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

/// Connects to the configured database, naming it (without a password) if
/// it cannot be opened.
pub async fn open_store(settings: &Settings) -> anyhow::Result<store::Store> {
    store::Store::connect(&settings.database_url)
        .await
        .with_context(|| {
            format!(
                "cannot open the database at {}",
                redact_url(&settings.database_url)
            )
        })
}

/// The origin of the demo's (and tests') log: a key made at run time.
pub const DEMO_LOG_ORIGIN: &str = "tellonce.demo/trace";

/// The log's signer: from TELLONCE_TRACE_SIGNING_KEY, else the key file;
/// for the demo a fresh key (printed with the tokens).
fn log_signer(
    file: Option<PathBuf>,
    demo: bool,
) -> anyhow::Result<Option<Arc<consent::log::LogSigner>>> {
    let key = match (std::env::var("TELLONCE_TRACE_SIGNING_KEY").ok(), file) {
        (Some(key), _) if !key.trim().is_empty() => Some(key),
        (_, Some(path)) => Some(std::fs::read_to_string(&path).with_context(|| {
            format!("cannot read the trace signing key file {}", path.display())
        })?),
        _ => None,
    };
    match key {
        Some(key) => Ok(Some(Arc::new(
            consent::log::LogSigner::new(&key).map_err(|e| anyhow::anyhow!("{e}"))?,
        ))),
        None if demo => Ok(Some(random_log_signer(DEMO_LOG_ORIGIN))),
        None => Ok(None),
    }
}

/// A log signer with a key that exists only for this process.
pub fn random_log_signer(origin: &str) -> Arc<consent::log::LogSigner> {
    let (skey, _) = consent::log::keypair(origin, rand::random()).expect("a valid origin");
    Arc::new(consent::log::LogSigner::new(&skey).expect("a key just made"))
}

/// 32 random bytes, base64url: a development secret that exists only for
/// this process.
pub fn random_secret() -> Secret {
    use base64::Engine as _;
    let bytes: [u8; 32] = rand::random();
    Secret::new(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_or_this_machine_is_trusted_for_keys() {
        for ok in [
            "https://login.example/keys",
            "http://localhost:8080/jwks",
            "http://127.0.0.1:9/x",
            "http://[::1]:9/x",
        ] {
            assert!(https_or_local(ok), "{ok}");
        }
        for bad in [
            "http://localhost.attacker.example/jwks",
            "http://127.0.0.1.nip.io/jwks",
            "http://login.example/jwks",
            "ftp://localhost/jwks",
            "not a url",
        ] {
            assert!(!https_or_local(bad), "{bad}");
        }
    }

    #[test]
    fn serve_requires_issuer_audience_and_keys() {
        let args = ConfigArgs::default();
        let err = args.load(Mode::Serve).map(|_| ()).unwrap_err().to_string();
        assert!(err.contains("TELLONCE_JWT_ISSUER"), "{err}");
        let args = ConfigArgs {
            jwt_issuer: Some("https://idp".into()),
            jwt_audience: Some("tellonce".into()),
            ..Default::default()
        };
        let err = args.load(Mode::Serve).map(|_| ()).unwrap_err().to_string();
        assert!(err.contains("no token keys"), "{err}");
        let with_secret = ConfigArgs {
            jwt_secret: Some("s".into()),
            ..args.clone()
        };
        let err = with_secret
            .load(Mode::Serve)
            .map(|_| ())
            .unwrap_err()
            .to_string();
        assert!(err.contains("development only"), "{err}");
        let dev = ConfigArgs {
            dev: Some(true),
            ..with_secret
        };
        let settings = dev.load(Mode::Serve).expect("dev settings");
        assert!(settings.introspection);
        assert!(!format!("{settings:?}").contains("\"s\""));
    }

    #[test]
    fn demo_generates_a_secret_and_flags_beat_the_file() {
        let dir = std::env::temp_dir().join(format!("tellonce-cfg-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("tellonce.toml");
        std::fs::write(
            &path,
            "bind = \"127.0.0.1:9999\"\nrequest_timeout_secs = 5\n",
        )
        .expect("write");
        let args = ConfigArgs {
            config: Some(path.clone()),
            request_timeout_secs: Some(7),
            ..Default::default()
        };
        let settings = args.load(Mode::Demo).expect("demo settings");
        assert_eq!(settings.bind.port(), 9999);
        assert_eq!(settings.limits.request_timeout, Duration::from_secs(7));
        assert!(settings.jwt.secret.is_some());
        assert_eq!(settings.jwt.issuer, DEMO_ISSUER);
        std::fs::write(&path, "nonsense = 1\n").expect("write");
        assert!(args.load(Mode::Demo).is_err());
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn term_start_defaults_to_1_september_and_a_bad_one_says_how_to_fix_it() {
        let settings = ConfigArgs::default().load(Mode::Demo).expect("demo");
        assert_eq!(settings.term_start, consent::TermStart::default());
        assert_eq!(settings.term_start.to_string(), "09-01");
        let args = ConfigArgs {
            term_start: Some("09-04".into()),
            ..Default::default()
        };
        let settings = args.load(Mode::Demo).expect("demo");
        assert_eq!(settings.term_start.to_string(), "09-04");
        let bad = ConfigArgs {
            term_start: Some("4 September".into()),
            ..Default::default()
        };
        let err = bad.load(Mode::Demo).map(|_| ()).unwrap_err().to_string();
        assert!(err.contains("TELLONCE_TERM_START"), "{err}");
    }

    #[test]
    fn the_under_five_review_interval_is_3_to_6_months() {
        let settings = ConfigArgs::default().load(Mode::Demo).expect("demo");
        assert_eq!(settings.review.under_five_months(), 6);
        let args = ConfigArgs {
            under_five_review_months: Some(3),
            ..Default::default()
        };
        assert_eq!(
            args.load(Mode::Demo).expect("3").review.under_five_months(),
            3
        );
        for months in [2, 7] {
            let bad = ConfigArgs {
                under_five_review_months: Some(months),
                ..Default::default()
            };
            let err = bad.load(Mode::Demo).map(|_| ()).unwrap_err().to_string();
            assert!(err.contains("TELLONCE_UNDER_FIVE_REVIEW_MONTHS"), "{err}");
        }
    }

    #[test]
    fn oidc_needs_a_client_id_and_the_public_url_and_keeps_its_secret() {
        assert!(
            ConfigArgs::default()
                .load(Mode::Demo)
                .expect("demo")
                .web
                .oidc
                .is_none()
        );
        let issuer_only = ConfigArgs {
            oidc_issuer: Some("https://login.example/".into()),
            ..Default::default()
        };
        let err = issuer_only
            .load(Mode::Demo)
            .map(|_| ())
            .unwrap_err()
            .to_string();
        assert!(err.contains("TELLONCE_OIDC_CLIENT_ID"), "{err}");
        let no_url = ConfigArgs {
            oidc_client_id: Some("hub".into()),
            ..issuer_only
        };
        let err = no_url.load(Mode::Demo).map(|_| ()).unwrap_err().to_string();
        assert!(err.contains("TELLONCE_PUBLIC_URL"), "{err}");
        let ok = ConfigArgs {
            public_url: Some("https://hub.example/".into()),
            oidc_client_secret: Some("s3cret-value".into()),
            ..no_url
        };
        let settings = ok.load(Mode::Demo).expect("oidc settings");
        let oidc = settings.web.oidc.clone().expect("oidc");
        assert_eq!(oidc.issuer, "https://login.example");
        assert_eq!(oidc.redirect_url, "https://hub.example/signin/callback");
        assert_eq!(oidc.scopes, vec!["profile".to_owned()]);
        assert_eq!(
            oidc.client_secret.as_ref().map(Secret::expose),
            Some("s3cret-value")
        );
        assert!(!format!("{settings:?}").contains("s3cret-value"));
        let plain = ConfigArgs {
            oidc_issuer: Some("http://login.example".into()),
            ..ok.clone()
        };
        let err = plain.load(Mode::Demo).map(|_| ()).unwrap_err().to_string();
        assert!(err.contains("https"), "{err}");
        let local = ConfigArgs {
            oidc_issuer: Some("http://127.0.0.1:8081".into()),
            oidc_scopes: Some("openid profile email".into()),
            ..ok
        };
        let oidc = local
            .load(Mode::Demo)
            .expect("local")
            .web
            .oidc
            .expect("oidc");
        assert_eq!(oidc.scopes, vec!["profile".to_owned(), "email".to_owned()]);
    }

    #[test]
    fn cors_origins_are_exact_origins() {
        let args = ConfigArgs {
            cors_origins: Some("https://App.example/, http://127.0.0.1:3000".into()),
            ..Default::default()
        };
        let settings = args.load(Mode::Demo).expect("origins");
        assert_eq!(
            settings.cors_origins,
            vec!["https://app.example", "http://127.0.0.1:3000"]
        );
        assert!(
            ConfigArgs::default()
                .load(Mode::Demo)
                .expect("none")
                .cors_origins
                .is_empty()
        );
        for bad in [
            "*",
            "https://app.example/path",
            "app.example",
            "https://*.example",
        ] {
            let args = ConfigArgs {
                cors_origins: Some(bad.into()),
                ..Default::default()
            };
            let err = args.load(Mode::Demo).map(|_| ()).unwrap_err().to_string();
            assert!(err.contains("TELLONCE_CORS_ORIGINS"), "{bad}: {err}");
        }
    }
}
