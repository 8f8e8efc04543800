//! Sign-in to the hub's own pages (`/family`, `/provider`): the server-side
//! session behind the HttpOnly cookie, and the short-lived state of an
//! OpenID Connect sign-in in flight.
//!
//! `web_session` is keyed by the SHA-256 of the cookie's random value, so a
//! copy of the table signs no one in. `claims` holds the identity claims
//! (JSON) the principal is derived from on every request, as an API token's
//! are; `csrf` is the token every form of the session must carry.
//! `expires_at` bounds the session absolutely, `idle_until` since the last
//! request; signing out deletes the row.
//!
//! `web_login` holds what the callback of an authorization-code sign-in
//! must check: the `state` (keyed by its SHA-256), the `nonce` the ID token
//! must carry, the PKCE verifier and where to go afterwards. A row is used
//! once and deleted; rows past `expires_at` are ignored and swept.

use sea_orm_migration::{prelude::*, schema::*};

use crate::util::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("web_session")
                    .col(string_len("token_hash", 64).primary_key())
                    .col(text("claims"))
                    .col(string_len("csrf", 64))
                    .col(string_len("provider", 16))
                    .col(timestamp_with_time_zone("signed_in_at"))
                    .col(timestamp_with_time_zone("idle_until"))
                    .col(timestamp_with_time_zone("expires_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_web_session_expires",
                "web_session",
                &["expires_at"],
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("web_login")
                    .col(string_len("state_hash", 64).primary_key())
                    .col(text("nonce"))
                    .col(text("pkce_verifier"))
                    .col(text("return_to"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("expires_at"))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["web_login", "web_session"] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
