//! `tellonce seed --children N`: fictional records at scale for benchmarks
//! and load tests, written with bulk statements ([`store::Store::seed`]).
//! Refuses a database that already holds a child, so fictional records
//! are never mixed into real ones; registers the marker agency
//! [`store::seed::SEED_MARKER`]; ends the access trace with one IMPORT
//! entry saying the records are synthetic.
//!
//! With `--tokens FILE` (development mode only: HS256) it also writes
//! signed tokens for a load generator: partners of every agency kind with
//! children each may read, families, and an IG auditor.
//!
//! Progress goes to stderr, the summary to stdout.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context as _;
use chrono::{Duration, Utc};
use consent::Role;
use domain::AgencyKind;
use serde_json::{Value, json};
use store::Store;
use store::seed::{SeedError, SeedPlan, SeedReport};

use crate::config::{DEFAULT_PRIVACY_NOTICE_VERSION, JwtSettings, Settings, open_store};

/// How long the tokens in a tokens file are valid.
pub const TOKEN_HOURS: i64 = 8;
/// The most children one run writes.
pub const MAX_CHILDREN: u64 = 10_000_000;

/// `tellonce seed`'s arguments.
#[derive(Debug, Clone, clap::Args)]
pub struct SeedArgs {
    /// How many fictional children to write.
    #[arg(long)]
    pub children: u64,
    /// The generator's seed: the same seed writes the same records.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Consent grants per child (a mix of active, withdrawn and expired;
    /// scopes not granted are withheld).
    #[arg(long, default_value_t = 3)]
    pub grants_per_child: u32,
    /// Agencies involved per child (a school first; some others ended).
    #[arg(long, default_value_t = 2)]
    pub involvements_per_child: u32,
    /// Historic access-trace entries per child (a grant, a withdrawal if
    /// any, reads by the services involved).
    #[arg(long, default_value_t = 5)]
    pub trace_per_child: u32,
    /// Also write signed tokens (valid 8 hours) for a load generator to
    /// this JSON file. Development mode only (TELLONCE_DEV=true and
    /// TELLONCE_JWT_SECRET).
    #[arg(long, value_name = "FILE")]
    pub tokens: Option<PathBuf>,
    /// Rows per INSERT statement (fewer for wide tables).
    #[arg(long, default_value_t = 1_000)]
    pub batch: usize,
}

/// Why seed refused to start. Nothing was written.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Refused {
    #[error(
        "the database already holds children: `tellonce seed` writes fictional records only into a fresh database"
    )]
    NotEmpty,
    #[error(
        "--tokens is for development only: set TELLONCE_DEV=true and TELLONCE_JWT_SECRET (HS256)"
    )]
    TokensNeedDevelopment,
    #[error("{0}")]
    BadArgument(String),
}

/// What a run wrote.
#[derive(Debug, Clone)]
pub struct Seeded {
    pub report: SeedReport,
    pub seconds: f64,
    pub tokens: Option<PathBuf>,
}

impl std::fmt::Display for Seeded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let r = &self.report;
        writeln!(
            f,
            "seeded {} synthetic children in {:.1} s ({:.0} children/s, {} rows)",
            r.children,
            self.seconds,
            r.children as f64 / self.seconds.max(1e-9),
            r.rows
        )?;
        writeln!(
            f,
            "agencies: {} (marker {}), family members: {}, involvements: {}",
            r.agencies,
            store::seed::SEED_MARKER,
            r.family_members,
            r.involvements
        )?;
        writeln!(
            f,
            "grants: {} ({} withdrawn, {} expired), trace entries: {}",
            r.grants, r.withdrawn, r.expired, r.trace_entries
        )?;
        if let Some(path) = &self.tokens {
            writeln!(f, "tokens: {}", path.display())?;
        }
        Ok(())
    }
}

fn check(args: &SeedArgs, settings: &Settings) -> Result<(), Refused> {
    let bad = |m: &str| Err(Refused::BadArgument(m.to_owned()));
    if args.children == 0 || args.children > MAX_CHILDREN {
        return bad("--children is between 1 and 10000000");
    }
    if args.grants_per_child > 20 || args.involvements_per_child > 20 {
        return bad("--grants-per-child and --involvements-per-child are at most 20");
    }
    if args.trace_per_child > 1_000 {
        return bad("--trace-per-child is at most 1000");
    }
    if args.batch == 0 || args.batch > 10_000 {
        return bad("--batch is between 1 and 10000");
    }
    if args.tokens.is_some() && !(settings.development && settings.jwt.secret.is_some()) {
        return Err(Refused::TokensNeedDevelopment);
    }
    Ok(())
}

/// `operator:<user>`, as the operator's other commands are traced.
fn operator_subject() -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_default();
    let user: String = user.chars().filter(|c| !c.is_control()).take(64).collect();
    if user.is_empty() {
        "operator:unknown".to_owned()
    } else {
        format!("operator:{user}")
    }
}

/// Seeds `store` (migrated, with its agreement), calling `progress` with
/// the children written so far; writes the tokens file if asked.
pub async fn seed_store(
    store: &Store,
    settings: &Settings,
    args: &SeedArgs,
    progress: &mut (dyn FnMut(u64) + Send),
) -> anyhow::Result<Seeded> {
    check(args, settings)?;
    let plan = SeedPlan {
        children: args.children,
        seed: args.seed,
        grants_per_child: args.grants_per_child,
        involvements_per_child: args.involvements_per_child,
        trace_per_child: args.trace_per_child,
        batch: args.batch,
        notice_version: DEFAULT_PRIVACY_NOTICE_VERSION.to_owned(),
        operator: operator_subject(),
    };
    let started = Instant::now();
    let report = match store.seed(&plan, progress).await {
        Ok(report) => report,
        Err(SeedError::NotEmpty) => return Err(Refused::NotEmpty.into()),
        Err(SeedError::Store(e)) => anyhow::bail!("seeding failed: {e:?}"),
    };
    let seconds = started.elapsed().as_secs_f64();
    if let Some(path) = &args.tokens {
        let file = tokens_file(&report, &settings.jwt)?;
        std::fs::write(path, serde_json::to_vec_pretty(&file)?)
            .with_context(|| format!("cannot write the tokens to {}", path.display()))?;
    }
    tracing::info!(
        children = report.children,
        rows = report.rows,
        seconds,
        "seed finished"
    );
    Ok(Seeded {
        report,
        seconds,
        tokens: args.tokens.clone(),
    })
}

/// Runs `tellonce seed`: opens the database (migrating SQLite as `serve`
/// does; PostgreSQL must be migrated with `tellonce migrate`), seeds it
/// with progress on stderr, and returns the summary.
pub async fn run(settings: &Settings, args: &SeedArgs) -> anyhow::Result<Seeded> {
    check(args, settings)?;
    let store = open_store(settings).await?;
    let pending = store
        .pending_migrations()
        .await
        .context("cannot read migration state")?;
    if !pending.is_empty() {
        if !settings.is_sqlite() {
            anyhow::bail!(
                "the database needs migrating ({} pending): run `tellonce migrate` first",
                pending.len()
            );
        }
        store.migrate().await.context("migrations failed")?;
    }
    crate::agreement::ensure_default(&store)
        .await
        .map_err(|e| anyhow::anyhow!("loading the default agreement failed: {e:?}"))?;
    crate::template::ensure_default(&store)
        .await
        .map_err(|e| anyhow::anyhow!("loading the default advice templates failed: {e:?}"))?;
    let started = Instant::now();
    let total = args.children;
    let mut progress = move |done: u64| {
        if done == total || done.is_multiple_of(10_000) {
            let secs = started.elapsed().as_secs_f64();
            eprintln!(
                "seed: {done}/{total} children ({:.0}/s)",
                done as f64 / secs.max(1e-9)
            );
        }
    };
    seed_store(&store, settings, args, &mut progress).await
}

/// Signs `claims` with the development HS256 secret
/// ([`crate::demo::sign_claims`]); without one, the seed's own refusal.
fn sign(claims: Value, jwt: &JwtSettings, valid_for: Duration) -> anyhow::Result<String> {
    if jwt.secret.is_none() {
        return Err(Refused::TokensNeedDevelopment.into());
    }
    crate::demo::sign_claims(claims, jwt, valid_for)
}

/// The tokens file's JSON (see the README's "Synthetic data").
pub fn tokens_file(report: &SeedReport, jwt: &JwtSettings) -> anyhow::Result<Value> {
    let valid = Duration::hours(TOKEN_HOURS);
    let expires_at = Utc::now() + valid;
    let mut partners = Vec::new();
    for p in &report.partners {
        let a = &p.agency;
        let claims = json!({
            "sub": store::seed::practitioner_subject(a),
            "roles": [Role::Practitioner.claim()],
            "agency_id": a.id.to_string(),
            "agency_kind": a.kind.claim(),
        });
        partners.push(json!({
            "kind": a.kind.claim(),
            "agency_id": a.id,
            "agency_name": a.name,
            "role": Role::Practitioner.claim(),
            "scope": p.scope.code(),
            "token": sign(claims, jwt, valid)?,
            "children": p.children,
        }));
    }
    let mut families = Vec::new();
    for f in &report.families {
        let claims = json!({
            "sub": f.person_id,
            "roles": [Role::Family.claim()],
            "person_id": f.person_id,
        });
        families.push(json!({
            "person_id": f.person_id,
            "child_id": f.child_id,
            "token": sign(claims, jwt, valid)?,
        }));
    }
    let council = report
        .partners
        .iter()
        .find(|p| p.agency.kind == AgencyKind::LaSend)
        .map(|p| &p.agency);
    let mut ig = json!({
        "sub": "seed-ig-auditor",
        "roles": [Role::IgAuditor.claim()],
    });
    if let Some(a) = council {
        ig["agency_id"] = json!(a.id.to_string());
        ig["agency_kind"] = json!(a.kind.claim());
    }
    Ok(json!({
        "children": report.sample_children,
        "partners": partners,
        "families": families,
        "ig": [{ "role": Role::IgAuditor.claim(), "token": sign(ig, jwt, valid)? }],
        "expires_at": expires_at.to_rfc3339(),
    }))
}
