//! HTTP in one place: the shared state, the one check of a caller
//! ([`auth`]), the request id, GraphQL-shaped errors, and a module per
//! endpoint. Nothing here imports from `startup`, which only builds the
//! application and its router.

pub mod apq;
pub mod auth;
pub mod cors;
pub mod error;
pub mod export;
pub mod graphiql;
pub mod graphql;
pub mod health;
pub mod log;
pub mod media;
pub mod plan;
pub mod report;
pub mod request_id;
pub mod state;
pub mod ws;
