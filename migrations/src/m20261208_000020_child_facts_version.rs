//! A version per child that changes whenever anything about the child
//! changes (issue 14): the hub keeps a child's decision facts in memory and
//! re-reads them only when this number moved, so a read costs one small
//! statement instead of thirty, and a withdrawal still takes effect on the
//! very next request, on every hub instance.
//!
//! - `child_facts_version`: `(child_id, version)`, one row per child, never
//!   deleted; each change gives it a new random version (never a count,
//!   which a restored database could hand out again for other facts).
//! - Triggers on `child` and on every table with a `child_id` column (but
//!   the access trace, which facts never depend on) bump the row in the
//!   same transaction as the change. Being in the database, no write path
//!   (the hub, a CLI command, another instance, a bulk load) can forget
//!   it. PostgreSQL bumps once per statement (transition tables), so a
//!   multi-row insert costs one upsert per child; SQLite once per row.
//!
//! A table added later with a `child_id` column must call
//! [`crate::util::child_facts_triggers`] in its migration; a store test
//! fails if one does not.

use sea_orm_migration::sea_orm::DatabaseBackend;
use sea_orm_migration::{prelude::*, schema::*};

use crate::util::{CHILD_FACTS_VERSION, child_facts_triggers, child_fk};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Every table with a `child_id` column when this migration was written,
/// but `access_trace`.
const TABLES: &[&str] = &[
    "advice_answer",
    "advice_not_required",
    "advice_request",
    "advice_request_attachment",
    "advice_reuse_confirmation",
    "all_about_me_version",
    "annual_review",
    "annual_review_invitee",
    "annual_review_step",
    "assessment",
    "assessment_event",
    "capacity_assessment",
    "capacity_assessment_scope",
    "capacity_challenge",
    "child_external_id",
    "child_profile",
    "consent_confirmation",
    "consent_grant",
    "consent_grant_purpose",
    "consent_grant_scope",
    "consent_withdrawal",
    "contribution",
    "deputyship",
    "deputyship_scope",
    "ehc_plan_appendix",
    "ehc_plan_paragraph",
    "ehc_plan_response",
    "ehc_plan_response_attachment",
    "ehc_plan_response_comment",
    "ehc_plan_version",
    "family_member",
    "gillick_competence",
    "gillick_competence_scope",
    "health_item",
    "involvement",
    "override_approval",
    "override_review",
    "override_telling",
    "parental_responsibility",
    "parental_responsibility_limit",
    "phase_transfer",
    "plan_cessation",
    "restricted_item",
    "safeguarding_override",
    "safeguarding_override_scope",
    "sen_need",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CHILD_FACTS_VERSION)
                    .col(uuid("child_id").primary_key())
                    .col(big_integer("version"))
                    .foreign_key(&mut child_fk(CHILD_FACTS_VERSION))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        let backend = manager.get_database_backend();
        // A random version: see `util::child_facts_triggers`.
        let random = match backend {
            DatabaseBackend::Postgres => "(random() * 9.2e18)::bigint",
            _ => "random()",
        };
        db.execute_unprepared(&format!(
            "INSERT INTO child_facts_version (child_id, version) SELECT id, {random} FROM child"
        ))
        .await?;
        if backend == DatabaseBackend::Postgres {
            for (name, column) in [
                ("bump_child_facts_version", "child_id"),
                ("bump_child_facts_version_of_child", "id"),
            ] {
                // An update bumps the old child and the new; rows in child
                // order, so concurrent statements lock them in one order.
                db.execute_unprepared(&format!(
                    "CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
                     BEGIN
                       IF TG_OP = 'UPDATE' THEN
                         INSERT INTO child_facts_version (child_id, version)
                           SELECT c, {random} FROM (
                             SELECT {column} AS c FROM changed_rows
                             UNION SELECT {column} FROM old_rows) changed
                           ORDER BY c
                           ON CONFLICT (child_id) DO UPDATE SET version = {random};
                       ELSE
                         INSERT INTO child_facts_version (child_id, version)
                           SELECT c, {random} FROM (
                             SELECT DISTINCT {column} AS c FROM changed_rows) changed
                           ORDER BY c
                           ON CONFLICT (child_id) DO UPDATE SET version = {random};
                       END IF;
                       RETURN NULL;
                     END $$"
                ))
                .await?;
            }
        }
        child_facts_triggers(manager, "child").await?;
        for table in TABLES {
            child_facts_triggers(manager, table).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DatabaseBackend::Postgres => {
                db.execute_unprepared(
                    "DROP FUNCTION IF EXISTS bump_child_facts_version() CASCADE;
                     DROP FUNCTION IF EXISTS bump_child_facts_version_of_child() CASCADE",
                )
                .await?;
            }
            _ => {
                for table in std::iter::once(&"child").chain(TABLES) {
                    for event in ["insert", "update", "delete"] {
                        db.execute_unprepared(&format!(
                            "DROP TRIGGER IF EXISTS cfv_{table}_{event}"
                        ))
                        .await?;
                    }
                }
            }
        }
        manager
            .drop_table(Table::drop().table(CHILD_FACTS_VERSION).to_owned())
            .await
    }
}
