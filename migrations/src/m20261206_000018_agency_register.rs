//! The agency register (issue 13 item 3): agencies are created, changed and
//! retired by IG administrators, and identity providers may name an agency
//! by an external identifier instead of the hub's id.
//!
//! - `agency` gains `contact` (free text: who to ask about the agency's
//!   access), `retired_at` (a retired agency's staff can no longer sign in;
//!   its rows stay, for the records and the trace that name it) and
//!   `updated_at`.
//! - `agency_identifier`: one row per (agency, scheme), the identifier as the
//!   external register spells it (upper-cased); `(scheme, value)` is unique,
//!   so a token's `org_code` names one agency at most.
//! - the access trace's action check gains AGENCY_REGISTERED,
//!   AGENCY_UPDATED, AGENCY_RETIRED, IMPORT and BACKUP (PostgreSQL only, as
//!   before: SQLite cannot add a check to an existing table).

use sea_orm::DatabaseBackend;
use sea_orm_migration::{prelude::*, schema::*};

use crate::CodeCheck;
use crate::util::unique;

#[derive(DeriveMigrationName)]
pub struct Migration;

const SCHEME: CodeCheck = CodeCheck {
    name: "ck_agency_identifier_scheme",
    table: "agency_identifier",
    column: "scheme",
    codes: &["ODS", "URN", "LA_CODE", "UKPRN"],
    on_sqlite: true,
};

/// The trace actions before this migration, and the new ones.
const NEW_ACTIONS: &[&str] = &[
    "AGENCY_REGISTERED",
    "AGENCY_UPDATED",
    "AGENCY_RETIRED",
    "IMPORT",
    "BACKUP",
];

const fn trace_actions() -> [&'static str; PREVIOUS_ACTIONS.len() + NEW_ACTIONS.len()] {
    let mut out = [""; PREVIOUS_ACTIONS.len() + NEW_ACTIONS.len()];
    let mut i = 0;
    while i < PREVIOUS_ACTIONS.len() {
        out[i] = PREVIOUS_ACTIONS[i];
        i += 1;
    }
    let mut j = 0;
    while j < NEW_ACTIONS.len() {
        out[i + j] = NEW_ACTIONS[j];
        j += 1;
    }
    out
}

const PREVIOUS_ACTIONS: &[&str] = crate::m20261204_000012_ehc_clock::TRACE_ACTION;
const TRACE_ACTIONS: &[&str] = &trace_actions();

const TRACE_ACTION: CodeCheck = CodeCheck {
    name: "ck_access_trace_action",
    table: "access_trace",
    column: "action",
    codes: TRACE_ACTIONS,
    on_sqlite: false,
};

/// The checks this migration creates (the identifier scheme, on both
/// backends: a new table) or widens (the trace action, PostgreSQL only).
pub const CODE_CHECKS: &[CodeCheck] = &[SCHEME, TRACE_ACTION];

/// Replaces the trace action check with `codes` (PostgreSQL).
async fn set_trace_actions(manager: &SchemaManager<'_>, codes: &[&str]) -> Result<(), DbErr> {
    if manager.get_database_backend() != DatabaseBackend::Postgres {
        return Ok(());
    }
    let list = codes
        .iter()
        .map(|c| format!("'{c}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let db = manager.get_connection();
    db.execute_unprepared(&format!(
        "ALTER TABLE access_trace DROP CONSTRAINT {}",
        TRACE_ACTION.name
    ))
    .await?;
    db.execute_unprepared(&format!(
        "ALTER TABLE access_trace ADD CONSTRAINT {} CHECK (action IN ({list}))",
        TRACE_ACTION.name
    ))
    .await?;
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE.
        for column in [
            ColumnDef::new("contact").text().null().to_owned(),
            ColumnDef::new("retired_at")
                .timestamp_with_time_zone()
                .null()
                .to_owned(),
            ColumnDef::new("updated_at")
                .timestamp_with_time_zone()
                .null()
                .to_owned(),
        ] {
            manager
                .alter_table(Table::alter().table("agency").add_column(column).to_owned())
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table("agency_identifier")
                    .col(uuid("agency_id"))
                    .col(string_len("scheme", 16))
                    .col(string_len("value", 64))
                    .primary_key(Index::create().col("agency_id").col("scheme"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_agency_identifier_agency")
                            .from("agency_identifier", "agency_id")
                            .to("agency", "id")
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .check(Check::named(
                        SCHEME.name,
                        Expr::col(SCHEME.column).is_in(SCHEME.codes.iter().copied()),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(unique(
                "ux_agency_identifier_value",
                "agency_identifier",
                &["scheme", "value"],
            ))
            .await?;
        set_trace_actions(manager, TRACE_ACTIONS).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        set_trace_actions(manager, PREVIOUS_ACTIONS).await?;
        manager
            .drop_table(Table::drop().table("agency_identifier").to_owned())
            .await?;
        for column in ["updated_at", "retired_at", "contact"] {
            manager
                .alter_table(
                    Table::alter()
                        .table("agency")
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
