//! A consent decision a practitioner records names its evidence (the signed
//! form's reference, or the call record), and every grant records the
//! privacy-notice version the family was shown, the agreement version it
//! was made under, and whether it re-opened a scope the family withdrew
//! recently (then it waits for the family to confirm it).
//!
//! Existing rows are carried over: written and verbal decisions get the
//! evidence "not recorded (before evidence was required)"; grants get the
//! notice version "not recorded", the agreement version in force when they
//! were recorded (the highest published by then, else the first), and no
//! confirmation needed.
//!
//! On PostgreSQL a decision's method and its evidence agree, as its method
//! and recorder already do: a DIGITAL decision has none, a recorded one has
//! some.

use sea_orm::DatabaseBackend;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (table, constraint) pairs on PostgreSQL: method and evidence agree.
pub const EVIDENCE_CHECKS: [(&str, &str); 2] = [
    ("consent_grant", "ck_consent_grant_evidence"),
    ("consent_withdrawal", "ck_consent_withdrawal_evidence"),
];

/// The evidence given to decisions recorded before it was required (the
/// same words as `consent::EVIDENCE_NOT_RECORDED`; frozen here).
const NOT_RECORDED: &str = "not recorded (before evidence was required)";

async fn add(
    manager: &SchemaManager<'_>,
    table: &'static str,
    column: ColumnDef,
) -> Result<(), DbErr> {
    manager
        .alter_table(Table::alter().table(table).add_column(column).to_owned())
        .await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for table in ["consent_grant", "consent_withdrawal"] {
            add(
                manager,
                table,
                ColumnDef::new("evidence").string_len(200).null().to_owned(),
            )
            .await?;
            db.execute_unprepared(&format!(
                "UPDATE {table} SET evidence = '{NOT_RECORDED}' WHERE method <> 'DIGITAL'"
            ))
            .await?;
        }
        add(
            manager,
            "consent_grant",
            ColumnDef::new("notice_version")
                .string_len(64)
                .not_null()
                .default("not recorded")
                .to_owned(),
        )
        .await?;
        add(
            manager,
            "consent_grant",
            ColumnDef::new("agreement_version")
                .integer()
                .not_null()
                .default(1)
                .to_owned(),
        )
        .await?;
        add(
            manager,
            "consent_grant",
            ColumnDef::new("needs_family_confirmation")
                .boolean()
                .not_null()
                .default(false)
                .to_owned(),
        )
        .await?;
        db.execute_unprepared(
            "UPDATE consent_grant SET agreement_version = COALESCE( \
               (SELECT MAX(a.version) FROM agreement a \
                 WHERE a.published_at <= consent_grant.recorded_at), \
               (SELECT MIN(a.version) FROM agreement a), 1)",
        )
        .await?;
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            for (table, name) in EVIDENCE_CHECKS {
                db.execute_unprepared(&format!(
                    "ALTER TABLE {table} ADD CONSTRAINT {name} \
                     CHECK ((method = 'DIGITAL') = (evidence IS NULL))"
                ))
                .await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            for (table, name) in EVIDENCE_CHECKS {
                db.execute_unprepared(&format!("ALTER TABLE {table} DROP CONSTRAINT {name}"))
                    .await?;
            }
        }
        for (table, column) in [
            ("consent_grant", "needs_family_confirmation"),
            ("consent_grant", "agreement_version"),
            ("consent_grant", "notice_version"),
            ("consent_grant", "evidence"),
            ("consent_withdrawal", "evidence"),
        ] {
            manager
                .alter_table(Table::alter().table(table).drop_column(column).to_owned())
                .await?;
        }
        Ok(())
    }
}
