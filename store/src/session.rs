//! Sessions of the hub's own pages and OpenID Connect sign-ins in flight
//! (migration 17). Only hashes of the cookie and `state` values are kept.
//! These rows hold no child data and disclose nothing: they are the edge's
//! state, not the record's, so they are written without trace entries (a
//! sign-in is traced where it discloses, by the requests it makes).

use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};

use super::entities::{web_login, web_session};
use super::{Result, Store};

/// SQLite has one writer, and a deferred transaction that has read fails
/// at once (not after the busy timeout) when another connection wrote in
/// between. Traced transactions take the chain lock; so do these writes on
/// SQLite, so they never make a traced transaction fail. PostgreSQL needs
/// no such lock.
async fn one_writer(store: &Store) -> Option<tokio::sync::OwnedMutexGuard<()>> {
    match store.db.get_database_backend() {
        sea_orm::DatabaseBackend::Sqlite => Some(store.chain.clone().lock_owned().await),
        _ => None,
    }
}

/// A signed-in session of the pages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebSession {
    /// SHA-256 (hex) of the cookie's value.
    pub token_hash: String,
    /// The identity claims (JSON) the principal is derived from.
    pub claims: String,
    /// The token every form of this session carries.
    pub csrf: String,
    /// How the person signed in: `OIDC` or `DEMO`.
    pub provider: String,
    pub signed_in_at: DateTime<Utc>,
    pub idle_until: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// An authorization-code sign-in in flight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebLogin {
    /// SHA-256 (hex) of the `state` sent to the provider.
    pub state_hash: String,
    pub nonce: String,
    pub pkce_verifier: String,
    /// The page to show after signing in (a path on this hub).
    pub return_to: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

impl From<web_session::Model> for WebSession {
    fn from(m: web_session::Model) -> Self {
        Self {
            token_hash: m.token_hash,
            claims: m.claims,
            csrf: m.csrf,
            provider: m.provider,
            signed_in_at: m.signed_in_at,
            idle_until: m.idle_until,
            expires_at: m.expires_at,
        }
    }
}

impl From<web_login::Model> for WebLogin {
    fn from(m: web_login::Model) -> Self {
        Self {
            state_hash: m.state_hash,
            nonce: m.nonce,
            pkce_verifier: m.pkce_verifier,
            return_to: m.return_to,
            created_at: m.created_at,
            expires_at: m.expires_at,
        }
    }
}

impl Store {
    /// Keeps a new session.
    #[tracing::instrument(name = "db.web_session.create", skip_all, fields(otel.kind = "client", db.system.name = self.system_name(), db.operation.name = "web_session.create"))]
    pub async fn create_web_session(&self, s: &WebSession) -> Result<()> {
        let _writer = one_writer(self).await;
        web_session::Entity::insert(web_session::ActiveModel {
            token_hash: Set(s.token_hash.clone()),
            claims: Set(s.claims.clone()),
            csrf: Set(s.csrf.clone()),
            provider: Set(s.provider.clone()),
            signed_in_at: Set(s.signed_in_at),
            idle_until: Set(s.idle_until),
            expires_at: Set(s.expires_at),
        })
        .exec_without_returning(&self.db)
        .await?;
        Ok(())
    }

    /// The session with this cookie hash, if it is still live at `now`
    /// (neither idle too long nor past its absolute end).
    #[tracing::instrument(name = "db.web_session", skip_all, fields(otel.kind = "client", db.system.name = self.system_name(), db.operation.name = "web_session"))]
    pub async fn web_session(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<WebSession>> {
        Ok(web_session::Entity::find_by_id(token_hash.to_owned())
            .filter(web_session::Column::IdleUntil.gt(now))
            .filter(web_session::Column::ExpiresAt.gt(now))
            .one(&self.db)
            .await?
            .map(WebSession::from))
    }

    /// Moves a session's idle deadline on (never past its absolute end).
    #[tracing::instrument(name = "db.web_session.touch", skip_all, fields(otel.kind = "client", db.system.name = self.system_name(), db.operation.name = "web_session.touch"))]
    pub async fn touch_web_session(
        &self,
        token_hash: &str,
        idle_until: DateTime<Utc>,
    ) -> Result<()> {
        let _writer = one_writer(self).await;
        web_session::Entity::update_many()
            .col_expr(
                web_session::Column::IdleUntil,
                sea_orm::sea_query::Expr::value(idle_until),
            )
            .filter(web_session::Column::TokenHash.eq(token_hash))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// Ends a session (signing out).
    #[tracing::instrument(name = "db.web_session.delete", skip_all, fields(otel.kind = "client", db.system.name = self.system_name(), db.operation.name = "web_session.delete"))]
    pub async fn delete_web_session(&self, token_hash: &str) -> Result<()> {
        let _writer = one_writer(self).await;
        web_session::Entity::delete_by_id(token_hash.to_owned())
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// Deletes sessions and sign-ins that ended before `now`; returns how
    /// many rows went.
    #[tracing::instrument(name = "db.web_session.sweep", skip_all, fields(otel.kind = "client", db.system.name = self.system_name(), db.operation.name = "web_session.sweep"))]
    pub async fn sweep_web_sessions(&self, now: DateTime<Utc>) -> Result<u64> {
        let _writer = one_writer(self).await;
        let a = web_session::Entity::delete_many()
            .filter(
                sea_orm::Condition::any()
                    .add(web_session::Column::ExpiresAt.lte(now))
                    .add(web_session::Column::IdleUntil.lte(now)),
            )
            .exec(&self.db)
            .await?;
        let b = web_login::Entity::delete_many()
            .filter(web_login::Column::ExpiresAt.lte(now))
            .exec(&self.db)
            .await?;
        Ok(a.rows_affected + b.rows_affected)
    }

    /// Keeps a sign-in in flight.
    #[tracing::instrument(name = "db.web_login.create", skip_all, fields(otel.kind = "client", db.system.name = self.system_name(), db.operation.name = "web_login.create"))]
    pub async fn create_web_login(&self, l: &WebLogin) -> Result<()> {
        let _writer = one_writer(self).await;
        web_login::Entity::insert(web_login::ActiveModel {
            state_hash: Set(l.state_hash.clone()),
            nonce: Set(l.nonce.clone()),
            pkce_verifier: Set(l.pkce_verifier.clone()),
            return_to: Set(l.return_to.clone()),
            created_at: Set(l.created_at),
            expires_at: Set(l.expires_at),
        })
        .exec_without_returning(&self.db)
        .await?;
        Ok(())
    }

    /// Takes (reads and deletes, once) the sign-in with this `state` hash,
    /// if it has not expired at `now`. A second callback with the same
    /// `state` finds nothing.
    #[tracing::instrument(name = "db.web_login.take", skip_all, fields(otel.kind = "client", db.system.name = self.system_name(), db.operation.name = "web_login.take"))]
    pub async fn take_web_login(
        &self,
        state_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<WebLogin>> {
        let _writer = one_writer(self).await;
        let deleted = web_login::Entity::delete_many()
            .filter(web_login::Column::StateHash.eq(state_hash))
            .exec_with_returning(&self.db)
            .await?;
        Ok(deleted
            .into_iter()
            .next()
            .map(WebLogin::from)
            .filter(|l| l.expires_at > now))
    }
}
