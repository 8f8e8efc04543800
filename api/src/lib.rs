//! The tellonce hub: everything that touches HTTP, GraphQL, JWTs, SQL and
//! telemetry. Decisions come from `consent`, the record model from `domain`.
//!
//! - [`config`]: `Settings` from defaults, file, env and flags.
//! - [`auth`]: JWT → `consent::Principal`.
//! - [`access`]: the one door below every front end — the request context,
//!   `RequestContext::open` → `Disclosure` for record content, and
//!   capability handles for everything else; each operation traces itself.
//! - [`agreement`]: reading a data-sharing agreement's TOML source.
//! - Storage is the `store` crate (`store::Store`); [`error`] says what its
//!   conflicts mean to a caller.
//! - [`graphql`]: schema and resolvers: parse, call the door, shape.
//! - [`startup`]: `Application` and the router with its layers.
//! - [`http`]: the handlers (`graphql`, `ws`, `export`, `health`,
//!   `graphiql`), the shared `AppState`, the one check of a caller (`auth`),
//!   GraphQL-shaped errors and the request id.
//! - [`failed_auth`]: failed authentications aggregated per source and window.
//! - [`trace`]: the access trace writer (group commit) and per-request recorder.
//! - [`demo`]: demo data and personas.
//! - [`operator`]: shell commands through the same door, as the operator.
//! - [`telemetry`]: logs and OpenTelemetry spans; [`metrics`]: Prometheus.
//! - [`seed_cli`]: `tellonce seed` (fictional records at scale, tokens for
//!   load tests).
//! - [`backup`]: `tellonce backup` (a traced, verified SQLite copy; `pg_dump`
//!   advice for PostgreSQL); [`probe`]: `tellonce health`, the container's
//!   health check.

pub mod access;
pub mod agency_cli;
pub mod agreement;
pub mod auth;
pub mod backup;
pub mod bench_cli;
pub mod cli;
pub mod config;
pub mod demo;
pub mod error;
pub mod failed_auth;
pub mod graphql;
pub mod http;
pub mod import_cli;
pub mod log_cli;
pub mod metrics;
pub mod oidc;
pub mod operator;
pub mod probe;
pub mod render;
pub mod seed_cli;
pub mod startup;
pub mod telemetry;
pub mod template;
pub mod trace;
pub mod updates;
pub mod web;
