//! Break glass, properly recorded (`shared/LAW.md` §4).
//!
//! - `safeguarding_override` gains its legal `ground`, `ground_carried_over`
//!   and `review_due_by`. Overrides declared before grounds were recorded
//!   are carried over as SCH1_PARA18 (DPA 2018 Sch 1 para 18, the ground
//!   every safeguarding disclosure without consent needs at the least)
//!   flagged `ground_carried_over`, so IG sees that the ground still needs
//!   confirming; their review is due 72 hours after they started.
//! - `override_telling`: the lead's decisions about telling the family
//!   (TELL_NOW, TELL_ON a date, NOT_NOW because … with a review date), each
//!   with a notice written for the family; inserted only, the latest in
//!   force. Existing overrides get one each, with the override's own id:
//!   `tell_family` became TELL_NOW, otherwise NOT_NOW with the recorded
//!   withhold reason and the override's end as its review date; the
//!   notice is a neutral sentence that says nothing of the lead's reason.
//!   `tell_family` and `withhold_reason` are then dropped.
//! - `override_approval`: the optional second approver, one per override.
//! - The trace gains the actions OVERRIDE_APPROVED and
//!   OVERRIDE_TELLING_CHANGED (PostgreSQL's check is widened).
//!
//! The new columns of the old table are added with the defaults that
//! describe carried-over rows (SQLite cannot add a NOT NULL column without
//! one); PostgreSQL then drops the defaults, and the store always writes
//! every column. As in migration 6, the code check on the old table's new
//! `ground` column is PostgreSQL's only.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261202_000006_code_sets::{self as previous, CodeCheck};
use crate::util::child_keyed;

#[derive(DeriveMigrationName)]
pub struct Migration;

const OVERRIDE_GROUND: &[&str] = &["S47", "S17", "SCH1_PARA18", "VITAL_INTERESTS"];
const TELLING_CHOICE: &[&str] = &["TELL_NOW", "TELL_ON", "NOT_NOW"];
const APPROVER_ROLE: &[&str] = &["SAFEGUARDING_LEAD", "CALDICOTT_GUARDIAN"];
const TRACE_ACTION: &[&str] = &[
    "READ",
    "CONTRIBUTE",
    "CHILD_REGISTERED",
    "FAMILY_LINKED",
    "CAPACITY_RECORDED",
    "CONSENT_GRANTED",
    "CONSENT_WITHDRAWN",
    "CONSENT_CONFIRMED",
    "OVERRIDE_DECLARED",
    "OVERRIDE_REVIEWED",
    "OVERRIDE_APPROVED",
    "OVERRIDE_TELLING_CHANGED",
    "AGREEMENT_PUBLISHED",
    "ALL_ABOUT_ME_UPDATED",
    "ASSESSMENT_STARTED",
    "ASSESSMENT_STEP",
    "ADVICE_REQUESTED",
    "ADVICE_SUBMITTED",
    "ADVICE_REUSED",
    "SEARCH",
    "TRACE_SEARCH",
    "EXPORT",
    "AUTH_FAILED",
    // Migration 8's (who decides), which runs before this one.
    "PR_RECORDED",
    "DEPUTY_RECORDED",
    "COMPETENCE_RECORDED",
    "CAPACITY_CHALLENGED",
];

/// The neutral notice carried-over overrides are given (`consent`'s
/// `CARRIED_OVER_FAMILY_NOTICE`, written out: this migration is frozen).
const CARRIED_OVER_NOTICE: &str =
    "A safeguarding lead looked at parts of your child's record to help keep them safe.";

const GROUND: CodeCheck = CodeCheck {
    name: "ck_safeguarding_override_ground",
    table: "safeguarding_override",
    column: "ground",
    codes: OVERRIDE_GROUND,
    on_sqlite: false,
};
const TELLING: CodeCheck = CodeCheck {
    name: "ck_override_telling_decision",
    table: "override_telling",
    column: "decision",
    codes: TELLING_CHOICE,
    on_sqlite: true,
};
const APPROVER: CodeCheck = CodeCheck {
    name: "ck_override_approval_role",
    table: "override_approval",
    column: "role",
    codes: APPROVER_ROLE,
    on_sqlite: true,
};
const ACTION: CodeCheck = CodeCheck {
    name: "ck_access_trace_action",
    table: "access_trace",
    column: "action",
    codes: TRACE_ACTION,
    on_sqlite: false,
};

/// The code checks in force after this migration: migration 6's, with the
/// trace action widened, and the three new ones.
pub const CODE_CHECKS: &[CodeCheck] = &{
    let old = previous::CODE_CHECKS;
    let mut all = [ACTION; previous::CODE_CHECKS.len() + 3];
    let mut i = 0;
    while i < old.len() {
        all[i] = if matches!(old[i].name.as_bytes(), b"ck_access_trace_action") {
            ACTION
        } else {
            old[i]
        };
        i += 1;
    }
    all[i] = GROUND;
    all[i + 1] = TELLING;
    all[i + 2] = APPROVER;
    all
};

fn sql_list(codes: &[&str]) -> String {
    codes
        .iter()
        .map(|c| format!("'{c}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn in_list(check: &CodeCheck) -> Check {
    Check::named(
        check.name,
        Expr::col(check.column).is_in(check.codes.iter().copied()),
    )
}

fn override_fk(table: &'static str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{table}_safeguarding_override"))
        .from_tbl(table)
        .from_col("child_id")
        .from_col("override_id")
        .to_tbl("safeguarding_override")
        .to_col("child_id")
        .to_col("id")
        .on_delete(ForeignKeyAction::Restrict)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let postgres = manager.get_database_backend() == sea_orm::DatabaseBackend::Postgres;

        for column in [
            ColumnDef::new("ground")
                .string_len(32)
                .not_null()
                .default("SCH1_PARA18")
                .to_owned(),
            ColumnDef::new("ground_carried_over")
                .boolean()
                .not_null()
                .default(true)
                .to_owned(),
            ColumnDef::new("review_due_by")
                .timestamp_with_time_zone()
                .not_null()
                .default("1970-01-01T00:00:00+00:00")
                .to_owned(),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table("safeguarding_override")
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        db.execute_unprepared(if postgres {
            "UPDATE safeguarding_override SET review_due_by = starts_at + interval '72 hours'"
        } else {
            "UPDATE safeguarding_override SET review_due_by = \
             strftime('%Y-%m-%dT%H:%M:%f+00:00', starts_at, '+72 hours')"
        })
        .await?;

        manager
            .create_table(
                child_keyed("override_telling")
                    .col(uuid("override_id"))
                    .col(string_len(TELLING.column, 16))
                    .col(date_null("tell_on"))
                    .col(text_null("not_now_because"))
                    .col(date_null("review_on"))
                    .col(text("family_notice"))
                    .col(string("decided_by"))
                    .col(timestamp_with_time_zone("decided_at"))
                    .foreign_key(&mut override_fk("override_telling"))
                    .check(in_list(&TELLING))
                    .check(Check::named(
                        "ck_override_telling_terms",
                        Expr::cust(
                            "((decision = 'TELL_ON') = (tell_on IS NOT NULL)) AND \
                             ((decision = 'NOT_NOW') = (not_now_because IS NOT NULL)) AND \
                             ((decision = 'NOT_NOW') = (review_on IS NOT NULL))",
                        ),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_override_telling_override")
                    .table("override_telling")
                    .col("child_id")
                    .col("override_id")
                    .col("decided_at")
                    .to_owned(),
            )
            .await?;
        let notice = CARRIED_OVER_NOTICE.replace('\'', "''");
        let review_on = if postgres {
            "CAST(ends_at AS DATE)"
        } else {
            "substr(ends_at, 1, 10)"
        };
        db.execute_unprepared(&format!(
            "INSERT INTO override_telling (child_id, id, override_id, decision, tell_on, \
             not_now_because, review_on, family_notice, decided_by, decided_at) \
             SELECT child_id, id, id, \
             CASE WHEN tell_family THEN 'TELL_NOW' ELSE 'NOT_NOW' END, NULL, \
             CASE WHEN tell_family THEN NULL ELSE COALESCE(withhold_reason, 'not recorded') END, \
             CASE WHEN tell_family THEN NULL ELSE {review_on} END, \
             '{notice}', declared_by, starts_at FROM safeguarding_override"
        ))
        .await?;
        for column in ["tell_family", "withhold_reason"] {
            manager
                .alter_table(
                    Table::alter()
                        .table("safeguarding_override")
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }

        manager
            .create_table(
                child_keyed("override_approval")
                    .col(uuid("override_id"))
                    .col(string("approver"))
                    .col(string_len(APPROVER.column, 32))
                    .col(timestamp_with_time_zone("approved_at"))
                    .foreign_key(&mut override_fk("override_approval"))
                    .check(in_list(&APPROVER))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_override_approval_override")
                    .table("override_approval")
                    .col("override_id")
                    .unique()
                    .to_owned(),
            )
            .await?;

        if postgres {
            for column in ["ground", "ground_carried_over", "review_due_by"] {
                db.execute_unprepared(&format!(
                    "ALTER TABLE safeguarding_override ALTER COLUMN {column} DROP DEFAULT"
                ))
                .await?;
            }
            db.execute_unprepared(&format!(
                "ALTER TABLE {} ADD CONSTRAINT {} CHECK ({} IN ({}))",
                GROUND.table,
                GROUND.name,
                GROUND.column,
                sql_list(GROUND.codes)
            ))
            .await?;
            db.execute_unprepared(&format!(
                "ALTER TABLE {t} DROP CONSTRAINT {n}; \
                 ALTER TABLE {t} ADD CONSTRAINT {n} CHECK ({c} IN ({l}))",
                t = ACTION.table,
                n = ACTION.name,
                c = ACTION.column,
                l = sql_list(ACTION.codes)
            ))
            .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let postgres = manager.get_database_backend() == sea_orm::DatabaseBackend::Postgres;
        if postgres {
            // Back to the list migration 8 (the one before this) set.
            let old = crate::m20261203_000008_who_decides::CODE_CHECKS
                .iter()
                .find(|c| c.name == ACTION.name)
                .expect("migration 8 checks the trace action");
            db.execute_unprepared(&format!(
                "ALTER TABLE {t} DROP CONSTRAINT {n}; \
                 ALTER TABLE {t} ADD CONSTRAINT {n} CHECK ({c} IN ({l}))",
                t = old.table,
                n = old.name,
                c = old.column,
                l = sql_list(old.codes)
            ))
            .await?;
            db.execute_unprepared(&format!(
                "ALTER TABLE {} DROP CONSTRAINT {}",
                GROUND.table, GROUND.name
            ))
            .await?;
        }
        manager
            .drop_table(Table::drop().table("override_approval").to_owned())
            .await?;
        for column in [
            ColumnDef::new("tell_family")
                .boolean()
                .not_null()
                .default(true)
                .to_owned(),
            ColumnDef::new("withhold_reason").text().null().to_owned(),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table("safeguarding_override")
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        // The latest decision of each override decides: anything but
        // TELL_NOW was "not told".
        db.execute_unprepared(
            "UPDATE safeguarding_override SET \
             tell_family = COALESCE((SELECT t.decision = 'TELL_NOW' FROM override_telling t \
               WHERE t.child_id = safeguarding_override.child_id \
               AND t.override_id = safeguarding_override.id \
               ORDER BY t.decided_at DESC LIMIT 1), true), \
             withhold_reason = (SELECT COALESCE(t.not_now_because, 'see the telling decision') \
               FROM override_telling t \
               WHERE t.child_id = safeguarding_override.child_id \
               AND t.override_id = safeguarding_override.id AND t.decision <> 'TELL_NOW' \
               ORDER BY t.decided_at DESC LIMIT 1)",
        )
        .await?;
        manager
            .drop_table(Table::drop().table("override_telling").to_owned())
            .await?;
        for column in ["ground", "ground_carried_over", "review_due_by"] {
            manager
                .alter_table(
                    Table::alter()
                        .table("safeguarding_override")
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
