//! Storage: the connection, migrations, and reads/writes of the child record
//! (sea-orm over SQLite or PostgreSQL), in domain values. The only crate
//! that knows SQL; it knows nothing of HTTP or GraphQL. Everything here
//! returns [`StoreError`]: `api` says what a conflict means to a caller and
//! keeps `DbErr` text away from clients.

mod agency;
pub mod archive;
mod clock;
mod consent;
pub mod entities;
mod error;
pub mod facts;
pub mod import;
pub mod log;
mod maintenance;
pub mod notice;
pub mod plan;
mod readiness;
mod record;
mod report;
pub mod review;
pub mod seed;
mod session;
mod standing;
pub mod tell;
mod template;
pub mod trace;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use migrations::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbErr};

pub use agency::RegisteredAgency;
pub use clock::{Clock, FixedClock, SystemClock};
pub use consent::ConsentState;
pub use error::{Constraint, Result, StoreError, constraint_of};
pub use facts::{ChildFacts, FactsRead};
pub use maintenance::Checkpointed;
pub use readiness::{READY_WITHIN, Readiness};
pub use report::REPORT_PAGE;
pub use session::{WebLogin, WebSession};

/// Parses a code stored in a column; a bad one means the data is corrupt.
fn code<T: std::str::FromStr<Err = domain::UnknownCode>>(value: &str) -> Result<T> {
    value
        .parse()
        .map_err(|e: domain::UnknownCode| StoreError::Corrupt(e.to_string()))
}
pub use record::{ChildCore, NewChild, RecordParts};
pub use standing::Standing;
pub use trace::{TraceFilter, TraceRow, TracedTxn};

/// A handle on the database. Cheap to clone (a pool).
#[derive(Debug, Clone)]
pub struct Store {
    db: DatabaseConnection,
    chain: trace::ChainLock,
    statements: Arc<AtomicU64>,
    clock: Arc<dyn Clock>,
    /// Children's decision facts and the agreement, by version.
    facts: Arc<facts::FactsCache>,
}

impl Store {
    /// The connection pool's size and idle connections now (metrics).
    pub fn pool_status(&self) -> (u32, usize) {
        match self.db.get_database_backend() {
            sea_orm::DbBackend::Postgres => {
                let pool = self.db.get_postgres_connection_pool();
                (pool.size(), pool.num_idle())
            }
            sea_orm::DbBackend::Sqlite => {
                let pool = self.db.get_sqlite_connection_pool();
                (pool.size(), pool.num_idle())
            }
            _ => (0, 0),
        }
    }

    /// The database system, by its OpenTelemetry name (`db.system.name`).
    pub fn system_name(&self) -> &'static str {
        match self.db.get_database_backend() {
            sea_orm::DbBackend::Postgres => "postgresql",
            sea_orm::DbBackend::Sqlite => "sqlite",
            _ => "other_sql",
        }
    }

    /// Connects (creating the SQLite file when its URL says `mode=rwc`).
    pub async fn connect(url: &str) -> Result<Self, DbErr> {
        let mut options = ConnectOptions::new(url.to_owned());
        options
            .connect_timeout(Duration::from_secs(5))
            .acquire_timeout(Duration::from_secs(30))
            .sqlx_logging(false);
        if url.starts_with("sqlite:") {
            // SQLite allows one writer; a small pool avoids lock contention.
            options.max_connections(4);
        } else {
            // A decision loads a child's facts in parallel (about a dozen
            // statements); ten connections serve that without one hub
            // holding many, and idle ones are let go, so several hubs (or
            // test apps) on one server stay well inside its
            // max_connections. Measured on 2 cores (hub and PostgreSQL on
            // one host, bench/latency.sh at c=16 and 32, BENCHMARKS.md):
            // 20 connections served fewer requests than 10 in both rounds
            // (more server backends competing for the same two cores), and
            // 5 was not consistently better, so 10 stays.
            options
                .max_connections(10)
                .min_connections(0)
                .idle_timeout(Duration::from_secs(10));
        }
        let db = Database::connect(options).await?;
        if url.starts_with("sqlite:") {
            // Readers do not wait for the writer (the setting is kept in the file).
            db.execute_unprepared("PRAGMA journal_mode=WAL").await?;
        }
        Ok(Self::from_connection(db))
    }

    /// Wraps an existing connection (tests).
    pub fn from_connection(mut db: DatabaseConnection) -> Self {
        let statements = Arc::new(AtomicU64::new(0));
        let counter = statements.clone();
        db.set_metric_callback(move |_| {
            counter.fetch_add(1, Ordering::Relaxed);
        });
        Self {
            db,
            chain: trace::ChainLock::default(),
            statements,
            clock: Arc::new(SystemClock),
            facts: Arc::new(facts::FactsCache::new(facts::DEFAULT_CAPACITY)),
        }
    }

    /// The same store and pool, with the statements it runs left out of
    /// [`Store::statements`]: for background work (the log's integrator),
    /// so that what a request costs is measured without it.
    pub fn background(&self) -> Self {
        let mut db = self.db.clone();
        db.set_metric_callback(|_| {});
        Self { db, ..self.clone() }
    }

    /// The same store with another clock (a fixed one in tests).
    pub fn with_clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// What time the store's clock says it is.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    /// SQL statements run through this store so far (a metric; tests use it
    /// to show that two paths do the same work).
    pub fn statements(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }

    pub fn connection(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Applies every pending migration.
    pub async fn migrate(&self) -> Result<(), DbErr> {
        Migrator::up(&self.db, None).await
    }

    /// Names of migrations not yet applied. Reads only, so a hub can start
    /// on a read-only database (a hot standby) and say it is not ready.
    pub async fn pending_migrations(&self) -> Result<Vec<String>, DbErr> {
        Ok(Migrator::get_pending_migrations_read_only(&self.db)
            .await?
            .iter()
            .map(|m| m.name().to_owned())
            .collect())
    }
}
