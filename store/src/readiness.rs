//! Whether the database can serve the hub: it answers and takes a write,
//! within a bound. `SELECT 1` is not enough: a read-only database or a hot
//! standby answers reads, and a database that hangs must not hang the probe.

use std::time::Duration;

use sea_orm::{ConnectionTrait, DatabaseBackend, DbErr, RuntimeErr, TransactionTrait};

use super::Store;

/// How long the readiness probe may take, connecting included. Under the
/// one second a Kubernetes readiness probe waits by default, so the
/// orchestrator hears a 503 and its reason rather than its own timeout, and
/// probes of a hung database fail fast instead of piling up.
pub const READY_WITHIN: Duration = Duration::from_millis(800);

/// What the readiness probe found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Readiness {
    /// It answered and took the (rolled-back) write.
    Ready,
    /// No connection could be had, or it broke.
    Unreachable,
    /// It answered and refused the write: read-only, a hot standby.
    RefusesWrites,
    /// No answer within [`READY_WITHIN`].
    TooSlow,
}

impl Readiness {
    /// Why the database is not ready, in words for `/readyz`; `None` when
    /// it is.
    pub fn reason(self) -> Option<String> {
        match self {
            Readiness::Ready => None,
            Readiness::Unreachable => Some("database unreachable".to_owned()),
            Readiness::RefusesWrites => Some("database refuses writes".to_owned()),
            Readiness::TooSlow => Some(format!(
                "database did not answer within {} ms",
                READY_WITHIN.as_millis()
            )),
        }
    }
}

impl Store {
    /// BEGIN; INSERT into `readiness_probe`; ROLLBACK — within
    /// [`READY_WITHIN`]. Nothing is ever committed.
    pub async fn ready(&self) -> Readiness {
        match tokio::time::timeout(READY_WITHIN, self.probe_write()).await {
            Err(_elapsed) => Readiness::TooSlow,
            Ok(readiness) => readiness,
        }
    }

    async fn probe_write(&self) -> Readiness {
        let Ok(txn) = self.db.begin().await else {
            return Readiness::Unreachable;
        };
        if txn.get_database_backend() == DatabaseBackend::Postgres {
            // The server gives up too, so a probe stuck behind a lock does
            // not keep a pooled connection busy after we stopped waiting.
            let limit = format!("SET LOCAL statement_timeout = {}", READY_WITHIN.as_millis());
            if let Err(e) = txn.execute_unprepared(&limit).await {
                return unready(&e);
            }
        }
        // A random key: concurrent probes (several hub instances) do not
        // wait on each other's uncommitted row.
        let id: i32 = rand::random();
        let insert = format!("INSERT INTO readiness_probe (id) VALUES ({id})");
        if let Err(e) = txn.execute_unprepared(&insert).await {
            return unready(&e);
        }
        match txn.rollback().await {
            Ok(()) => Readiness::Ready,
            Err(_) => Readiness::Unreachable,
        }
    }
}

/// A database that answered with an error refuses writes; any other
/// failure (I/O, a closed pool) means it could not be reached.
fn unready(e: &DbErr) -> Readiness {
    match e {
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e))
            if matches!(**e, sea_orm::sqlx::Error::Database(_)) =>
        {
            Readiness::RefusesWrites
        }
        _ => Readiness::Unreachable,
    }
}
