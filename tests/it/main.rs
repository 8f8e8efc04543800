//! Integration tests: the hub over HTTP with real JWTs against a fresh
//! database per test (SQLite, or PostgreSQL when
//! `TELLONCE_TEST_DATABASE_URL` is set).

mod helpers;

/// Every way a token can be wrong, and the JWKS paths (file, URL, rotation).
mod auth;
/// Limits, health/readiness, error hygiene and the demo.
mod ops;
/// The record over GraphQL: registration, identifiers, the interim access
/// rule per kind of principal, and attempts to reach withheld fields.
mod record;
