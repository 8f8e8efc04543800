//! The EHC plan, start to finish (issue 11), first step: the codes and
//! columns the statutory clock, advice templates and the plan need on
//! rows that already exist.
//!
//! - `assessment_event` gains `time_limit` (the limit an exception attaches
//!   to) and `advice_request_id` (for an exception to one request's advice
//!   limit); the event kinds gain DECIDED_NOT_TO_ISSUE (reg 10) and the
//!   exceptions EARLY_YEARS_CLOSURE (reg 10(4)(b)). Exceptions recorded
//!   before this migration named no limit; they are carried over as
//!   attaching to the final plan's (reg 13(3)), the one the old clock
//!   applied them to, except MISSED_APPOINTMENT, which only the advice
//!   limit accepts (reg 8(2)(c)) and which is left without a limit.
//! - `advice_request` gains `profession` (which template applies) and
//!   `target_on` (a local, non-statutory target; the statutory due date
//!   stays within 6 weeks, reg 8(1)).
//! - `contribution` gains `content`: structured advice as JSON.
//! - The trace action check is widened to the new actions.
//!
//! The code lists are written out here, frozen with this migration, as in
//! `m20261202_000006_code_sets`.

use sea_orm::DatabaseBackend;
use sea_orm_migration::prelude::*;

use crate::CodeCheck;

#[derive(DeriveMigrationName)]
pub struct Migration;

pub(crate) const TRACE_ACTION: &[&str] = &[
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
    "ADDRESS_WITHHELD",
    "ADDRESS_RELEASED",
    "PR_RECORDED",
    "DEPUTY_RECORDED",
    "COMPETENCE_RECORDED",
    "CAPACITY_CHALLENGED",
    "ADVICE_TEMPLATE_PUBLISHED",
    "ADVICE_NOT_REQUIRED",
    "REUSE_CONFIRMED",
    "PLAN_ISSUED",
    "PLAN_EDITED",
    "PLAN_RESPONSE",
    "PLAN_IMPORTED",
    "REVIEW_STEP",
    "REPORT",
];
const EVENT_KIND: &[&str] = &[
    "DECIDED_TO_ASSESS",
    "DECIDED_NOT_TO_ASSESS",
    "DECIDED_NOT_TO_ISSUE",
    "DRAFT_ISSUED",
    "FINAL_ISSUED",
    "EXCEPTION",
];
const CLOCK_EXCEPTION: &[&str] = &[
    "SCHOOL_CLOSURE",
    "EARLY_YEARS_CLOSURE",
    "EXCEPTIONAL_PERSONAL_CIRCUMSTANCES",
    "FAMILY_ABSENT",
    "MISSED_APPOINTMENT",
];
const TIME_LIMIT: &[&str] = &[
    "DECISION_TO_ASSESS",
    "ADVICE",
    "NOTICE_NOT_TO_ISSUE",
    "FINAL_PLAN",
];
const PROFESSION: &[&str] = &[
    "SCHOOL_SETTING",
    "SENSORY_SPECIALIST_TEACHER",
    "EDUCATIONAL_PSYCHOLOGY",
    "SPEECH_LANGUAGE_THERAPY",
    "OCCUPATIONAL_THERAPY_PHYSIOTHERAPY",
    "PAEDIATRIC_HEALTH",
    "CAMHS",
    "SOCIAL_CARE",
    "PREPARING_FOR_ADULTHOOD",
];

const fn check(
    table: &'static str,
    column: &'static str,
    name: &'static str,
    codes: &'static [&'static str],
) -> CodeCheck {
    CodeCheck {
        name,
        table,
        column,
        codes,
        on_sqlite: false,
    }
}

/// The checks this migration changes or adds, as it leaves them
/// (PostgreSQL only: SQLite cannot add a check to an existing table).
pub const CODE_CHECKS: &[CodeCheck] = &[
    check(
        "access_trace",
        "action",
        "ck_access_trace_action",
        TRACE_ACTION,
    ),
    check(
        "assessment_event",
        "kind",
        "ck_assessment_event_kind",
        EVENT_KIND,
    ),
    check(
        "assessment_event",
        "exception",
        "ck_assessment_event_exception",
        CLOCK_EXCEPTION,
    ),
    check(
        "assessment_event",
        "time_limit",
        "ck_assessment_event_time_limit",
        TIME_LIMIT,
    ),
    check(
        "advice_request",
        "profession",
        "ck_advice_request_profession",
        PROFESSION,
    ),
];

/// The checks as they stood before, for `down` (the new columns' checks
/// go with their columns).
fn previous(name: &str) -> Option<&'static CodeCheck> {
    let earlier = [
        crate::m20261203_000010_identity_split::CODE_CHECKS,
        crate::m20261202_000006_code_sets::CODE_CHECKS,
    ];
    earlier
        .iter()
        .flat_map(|list| list.iter())
        .find(|c| c.name == name)
}

/// `'A', 'B', …` for SQL; codes are SCREAMING_SNAKE, so need no escaping.
fn sql_list(codes: &[&str]) -> String {
    codes
        .iter()
        .inspect(|c| {
            assert!(
                c.bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
            )
        })
        .map(|c| format!("'{c}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The new columns: (table, column).
fn columns() -> Vec<(&'static str, ColumnDef)> {
    vec![
        (
            "assessment_event",
            ColumnDef::new("time_limit")
                .string_len(32)
                .null()
                .to_owned(),
        ),
        (
            "assessment_event",
            ColumnDef::new("advice_request_id").uuid().null().to_owned(),
        ),
        (
            "advice_request",
            ColumnDef::new("profession")
                .string_len(48)
                .null()
                .to_owned(),
        ),
        (
            "advice_request",
            ColumnDef::new("target_on").date().null().to_owned(),
        ),
        (
            "contribution",
            ColumnDef::new("content").text().null().to_owned(),
        ),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for (table, column) in columns() {
            manager
                .alter_table(Table::alter().table(table).add_column(column).to_owned())
                .await?;
        }
        db.execute_unprepared(
            "UPDATE assessment_event SET time_limit = 'FINAL_PLAN' \
             WHERE kind = 'EXCEPTION' AND exception <> 'MISSED_APPOINTMENT'",
        )
        .await?;
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            for c in CODE_CHECKS {
                if previous(c.name).is_some() {
                    db.execute_unprepared(&format!(
                        "ALTER TABLE {} DROP CONSTRAINT {}",
                        c.table, c.name
                    ))
                    .await?;
                }
                db.execute_unprepared(&format!(
                    "ALTER TABLE {} ADD CONSTRAINT {} CHECK ({} IN ({}))",
                    c.table,
                    c.name,
                    c.column,
                    sql_list(c.codes)
                ))
                .await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            for c in CODE_CHECKS {
                db.execute_unprepared(&format!(
                    "ALTER TABLE {} DROP CONSTRAINT {}",
                    c.table, c.name
                ))
                .await?;
                if let Some(old) = previous(c.name) {
                    db.execute_unprepared(&format!(
                        "ALTER TABLE {} ADD CONSTRAINT {} CHECK ({} IN ({}))",
                        old.table,
                        old.name,
                        old.column,
                        sql_list(old.codes)
                    ))
                    .await?;
                }
            }
        }
        for (table, column) in columns() {
            manager
                .alter_table(
                    Table::alter()
                        .table(table)
                        .drop_column(column.get_column_name())
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
