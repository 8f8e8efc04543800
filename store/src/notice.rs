//! Notices between hub instances: PostgreSQL `NOTIFY` on one channel, and
//! a `LISTEN`ing connection of its own per instance. A notice says only
//! that something changed (the front ends decide, at delivery, who may know
//! of it); it carries no record content. SQLite has no such channel: a hub
//! on SQLite is one instance, and announces in-process.
//!
//! Notices are sent after the change has committed, so an instance that
//! receives one reads the change. They are not durable: a notice sent
//! while a listener's connection is down is lost (the listener says so,
//! [`Listened::Lost`]); what it announced is in the database all the same.

use sea_orm::sqlx::postgres::{PgListener, PgPool, PgPoolOptions};
use sea_orm::{DatabaseBackend, DbErr, RuntimeErr};

use super::{Result, Store, StoreError};

/// The one channel the hub's instances announce record changes on.
pub const RECORD_CHANGED: &str = "tellonce_record_changed";

/// PostgreSQL refuses a payload of 8,000 bytes or more.
pub const MAX_PAYLOAD: usize = 7_999;

/// What a listener heard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Listened {
    /// A notice's payload.
    Notice(String),
    /// The connection was lost and made again: notices sent in between
    /// were not heard.
    Lost,
}

/// A connection of its own, listening on [`RECORD_CHANGED`].
pub struct Listener {
    inner: PgListener,
}

impl std::fmt::Debug for Listener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Listener").finish_non_exhaustive()
    }
}

impl Listener {
    /// The next notice, or [`Listened::Lost`] after a reconnection. An
    /// error: the connection could not be made again (try later).
    pub async fn next(&mut self) -> Result<Listened> {
        match self.inner.try_recv().await {
            Ok(Some(n)) => Ok(Listened::Notice(n.payload().to_owned())),
            Ok(None) => Ok(Listened::Lost),
            Err(e) => Err(connection_failed(e)),
        }
    }
}

/// A caller on SQLite asked for the database's notices: a bug of its own.
fn not_shared() -> StoreError {
    StoreError::Database(DbErr::Custom(
        "notices between instances need PostgreSQL".to_owned(),
    ))
}

fn connection_failed(e: sea_orm::sqlx::Error) -> StoreError {
    StoreError::Database(DbErr::Conn(RuntimeErr::SqlxError(e.into())))
}

impl Store {
    /// Do this store's instances share notices through the database
    /// (PostgreSQL), or only in-process (SQLite)?
    pub fn shares_notices(&self) -> bool {
        self.db.get_database_backend() == DatabaseBackend::Postgres
    }

    /// A sender of notices on [`RECORD_CHANGED`], over a connection of
    /// its own (so notices neither wait for nor count among the pool's
    /// statements). PostgreSQL only.
    pub async fn notifier(&self) -> Result<Notifier> {
        Ok(Notifier {
            pool: self.own_connection().await?,
        })
    }

    /// A listener on [`RECORD_CHANGED`], over a connection of its own made
    /// with the pool's options (it reconnects by itself). PostgreSQL only.
    pub async fn listen(&self) -> Result<Listener> {
        let pool = self.own_connection().await?;
        let mut inner = PgListener::connect_with(&pool)
            .await
            .map_err(connection_failed)?;
        inner.ignore_pool_close_event(true);
        inner
            .listen(RECORD_CHANGED)
            .await
            .map_err(connection_failed)?;
        Ok(Listener { inner })
    }

    /// A pool of one connection, never reaped (what `PgListener::connect`
    /// makes), from the options the hub's pool connected with (TLS and
    /// all).
    async fn own_connection(&self) -> Result<PgPool> {
        if !self.shares_notices() {
            return Err(not_shared());
        }
        let options = self
            .db
            .get_postgres_connection_pool()
            .connect_options()
            .as_ref()
            .clone();
        PgPoolOptions::new()
            .max_connections(1)
            .max_lifetime(None)
            .idle_timeout(None)
            .connect_with(options)
            .await
            .map_err(connection_failed)
    }
}

/// Sends notices on [`RECORD_CHANGED`] (see [`Store::notifier`]).
#[derive(Debug, Clone)]
pub struct Notifier {
    pool: PgPool,
}

impl Notifier {
    /// Sends `payload` to every instance listening (this one too).
    pub async fn notify(&self, payload: &str) -> Result<()> {
        if payload.len() > MAX_PAYLOAD {
            return Err(StoreError::Corrupt(format!(
                "a notice of {} bytes (at most {MAX_PAYLOAD})",
                payload.len()
            )));
        }
        sea_orm::sqlx::query("SELECT pg_notify($1, $2)")
            .bind(RECORD_CHANGED)
            .bind(payload)
            .execute(&self.pool)
            .await
            .map_err(connection_failed)?;
        Ok(())
    }
}
