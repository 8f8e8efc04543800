//! The database as a whole: the SQLite write-ahead log checkpointed on a
//! clean shutdown, and an online, consistent copy (`VACUUM INTO`).
//! PostgreSQL needs neither from the hub: its own tools (`pg_dump`) take a
//! consistent copy, and it has no WAL file beside the database.

use std::path::Path;

use sea_orm::{ConnectionTrait, DatabaseBackend, DbErr, Statement, Value};

use crate::{Result, Store, StoreError};

/// What a WAL checkpoint achieved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Checkpointed {
    /// Every frame is in the database file and the WAL is empty.
    Complete,
    /// A reader or writer held the log: some frames are still in it (they
    /// are not lost; SQLite replays them on the next open).
    Busy,
    /// Not SQLite: nothing to do.
    NotApplicable,
}

impl Store {
    /// True on SQLite, false on PostgreSQL.
    pub fn is_sqlite(&self) -> bool {
        self.db.get_database_backend() == DatabaseBackend::Sqlite
    }

    /// On SQLite, copies every committed frame of the write-ahead log into
    /// the database file and truncates the log to zero bytes
    /// (`PRAGMA wal_checkpoint(TRUNCATE)`), so a stopped hub leaves one
    /// self-contained file to copy or move.
    pub async fn checkpoint(&self) -> Result<Checkpointed> {
        if !self.is_sqlite() {
            return Ok(Checkpointed::NotApplicable);
        }
        let row = self
            .db
            .query_one_raw(Statement::from_string(
                DatabaseBackend::Sqlite,
                "PRAGMA wal_checkpoint(TRUNCATE)",
            ))
            .await?
            .ok_or_else(|| StoreError::Corrupt("wal_checkpoint returned no row".to_owned()))?;
        // (busy, frames in the log, frames checkpointed)
        let busy: i64 = row.try_get_by_index(0)?;
        Ok(if busy == 0 {
            Checkpointed::Complete
        } else {
            Checkpointed::Busy
        })
    }

    /// Writes a consistent copy of the whole SQLite database to `target`
    /// (`VACUUM INTO`, with the path bound as a parameter, so no quoting):
    /// a snapshot of one read transaction, taken while the hub serves.
    /// `target` must not exist or must be an empty file (which the caller
    /// may have created with the permissions it wants; SQLite refuses a
    /// non-empty one) and should be an absolute path (a relative one is
    /// relative to the process's working directory). The copy is a plain
    /// rollback-journal file: nothing beside it is needed to open it.
    pub async fn copy_into(&self, target: &Path) -> Result<()> {
        if !self.is_sqlite() {
            return Err(StoreError::Database(DbErr::Custom(
                "VACUUM INTO is SQLite only".to_owned(),
            )));
        }
        if std::fs::metadata(target).is_ok_and(|m| m.len() > 0) {
            return Err(StoreError::Database(DbErr::Custom(format!(
                "{} already exists",
                target.display()
            ))));
        }
        let Some(path) = target.to_str() else {
            return Err(StoreError::Database(DbErr::Custom(
                "the target path is not valid UTF-8".to_owned(),
            )));
        };
        self.db
            .execute_raw(Statement::from_sql_and_values(
                DatabaseBackend::Sqlite,
                "VACUUM INTO ?",
                [Value::from(path)],
            ))
            .await?;
        Ok(())
    }

    /// Opens an existing SQLite file as it is — never created, migrated or
    /// switched to another journal mode — to look at it (a WAL database
    /// needs a writable connection to be read).
    pub async fn open_existing(path: &Path) -> Result<Store, DbErr> {
        use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(false);
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await
            .map_err(|e| DbErr::Conn(sea_orm::RuntimeErr::SqlxError(e.into())))?;
        Ok(Store::from_connection(
            sea_orm::SqlxSqliteConnector::from_sqlx_sqlite_pool(pool),
        ))
    }

    /// Opens a copy made by [`Store::copy_into`] read-only, to check it
    /// (`verify_trace`); nothing is written to it or beside it.
    pub async fn open_copy(path: &Path) -> Result<Store, DbErr> {
        use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
        let options = SqliteConnectOptions::new().filename(path).read_only(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await
            .map_err(|e| DbErr::Conn(sea_orm::RuntimeErr::SqlxError(e.into())))?;
        Ok(Store::from_connection(
            sea_orm::SqlxSqliteConnector::from_sqlx_sqlite_pool(pool),
        ))
    }
}
