//! Integration tests: the hub over HTTP with real JWTs against a fresh
//! database per test (SQLite, or PostgreSQL when
//! `TELLONCE_TEST_DATABASE_URL` is set).
//!
//! The larger modules are folders split by behaviour (`consent/`, `tell/`,
//! `trace/`): one file per behaviour, the shared queries and helpers in the
//! folder's `mod.rs`.

/// Fixture builders: agencies, children, families, personas and grants.
mod fixtures;
mod helpers;

/// The agency register (issue 13): register, update, retire and import
/// over GraphQL and the CLI, traced; retired agencies refused and no longer
/// offered to families.
mod agencies;
/// Every way a token can be wrong, and the JWKS paths (file, URL, rotation).
mod auth;
/// The benchmark's untraced switch: refused outside development mode and
/// on a database `tellonce seed` did not make; writes no entry when on.
mod bench_switch;
/// Consent over HTTP: grant and withdraw (also under concurrent reads),
/// consent authority and the hand-over at 16, practitioner-recorded consent,
/// receipts, agreements and the safeguarding override lifecycle.
mod consent;
/// The demo story: it loads once, each persona sees what the README says,
/// and the banner's tokens work.
mod demo;
/// One door for every front end: a FHIR-like front end written in the test
/// gets exactly GraphQL's decisions and trace entries.
mod front_ends;
/// GraphiQL served from the hub itself under a strict CSP, and only with
/// introspection on.
mod graphiql;
/// GraphQL over HTTP by the specification: media types and status codes,
/// GET, CORS, automatic persisted queries, WebSocket init forms and close
/// codes.
mod graphql_http;
/// Hostile and careless input: crash, exhaustion and flood attempts, existence
/// probes, forged agencies, and the error shapes typed clients rely on.
mod hostile;
/// Minimum necessary identity: identifiers by audience, the address on a
/// need-to-know basis, and the address-withheld marker over every view.
mod identity;
/// Identity providers: Entra ID, Keycloak and CIS2 token shapes through the
/// documented claims maps, several issuers, discovery and the JWKS cache.
mod idp;
/// Bulk import of existing records: good and bad rows, one IMPORT entry
/// per child, re-runs that change nothing, dry runs that write nothing.
mod import;
/// Two hub instances on one database: notices cross (PostgreSQL), reads
/// on both are traced, the trace stays one chain.
mod instances;
/// Purposes bound to facts (issue 10): EHC_ASSESSMENT to an open
/// assessment or advice request, DIRECT_SUPPORT to a current involvement,
/// with the law and the fact in the child view and the trace.
mod lawful;
/// Live updates over graphql-transport-ws, decided at delivery time.
mod live;
/// Limits, health/readiness and error hygiene.
mod ops;
/// The family and provider pages: sessions, CSRF, what each person sees
/// and does, over HTTP as a browser without JavaScript.
mod pages;
/// The EHC plan: composed from the evidence with every paragraph's source,
/// the draft, the family's response, the final plan and amendments, and
/// who sees which versions and sections.
mod plan;
/// Readiness: a rolled-back write within a bound, against a database that
/// hangs or refuses writes.
mod readiness;
/// The record over GraphQL: registration, identifiers, the interim access
/// rule per kind of principal, and attempts to reach withheld fields.
mod record;
/// The timeliness dashboard (counts, CSV) and the SEN2-shaped extract.
mod report;
/// Annual reviews and phase transfers: imported plans, the reg 20 steps on
/// their timers, the council's decision, who sees the review, and the plan
/// status derived from the facts.
mod review;
/// Synthetic data at scale (`tellonce seed`): planned counts, determinism,
/// a valid chain, seeded tokens that read, and refusals that write nothing.
mod seed;
/// Tell it once: all-about-me versions, contributions with provenance, the EHC
/// assessment flow on the statutory clock, advice reuse, the trace every write
/// leaves, and requests that arrive together.
mod tell;
/// The access trace: an entry per action, durable before data leaves,
/// append-only, hash-chained under concurrency, tamper-evident, searchable by
/// IG staff, exported, and shown to families.
mod trace;
