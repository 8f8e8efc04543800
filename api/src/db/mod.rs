//! Storage: the connection, migrations, and reads/writes of the child record
//! (sea-orm over SQLite or PostgreSQL). Everything here returns
//! [`crate::error::Error`], so no `DbErr` text can reach a client.

mod consent;
pub mod entities;
mod readiness;
mod record;
pub mod tell;
pub mod trace;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use migrations::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbErr};

pub use consent::ConsentState;
pub use readiness::{READY_WITHIN, Readiness};

use crate::error::{Error, Result as ApiResult};

/// Parses a code stored in a column; a bad one means the data is corrupt.
fn code<T: std::str::FromStr<Err = domain::UnknownCode>>(value: &str) -> ApiResult<T> {
    value.parse().map_err(|e: domain::UnknownCode| {
        Error::Internal(anyhow::anyhow!("stored value is not valid: {e}"))
    })
}
pub use record::{ChildCore, NewChild};
pub use trace::{TraceFilter, TraceRow, TracedTxn};

/// A handle on the database. Cheap to clone (a pool).
#[derive(Debug, Clone)]
pub struct Store {
    db: DatabaseConnection,
    chain: trace::ChainLock,
    statements: Arc<AtomicU64>,
}

impl Store {
    /// Connects (creating the SQLite file when its URL says `mode=rwc`).
    pub async fn connect(url: &str) -> Result<Self, DbErr> {
        let mut options = ConnectOptions::new(url.to_owned());
        options
            .connect_timeout(Duration::from_secs(5))
            .acquire_timeout(Duration::from_secs(5))
            .sqlx_logging(false);
        if url.starts_with("sqlite:") {
            // SQLite allows one writer; a small pool avoids lock contention.
            options.max_connections(4);
        } else {
            options.max_connections(16);
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
        }
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
