//! Who decides (LAW.md §2): parental responsibility as dated holdings with
//! a source, evidence and limits; deputies and attorneys with their kind
//! and scopes; Gillick-competence decisions; decision-specific capacity
//! assessments and the young person's challenges. Sets of scopes live in
//! junction tables.
//!
//! Existing data is carried over: each family member with the old
//! `parental_responsibility = true` and a sign-in id becomes a holding with
//! source `CARRIED_OVER` from the day they were registered (evidence: their
//! `pr_evidence`); each child with `lacks_capacity = true` becomes a
//! `LACKS_CAPACITY` assessment for INFORMATION_SHARING over every
//! consentable scope, marked carried over, assessed and due for review on
//! the migration day (so it shows as needing re-assessment at once), and
//! the flag is dropped. Family members recorded as DEPUTY are not carried
//! over: the old record says nothing of the appointment's kind, and only a
//! health-and-welfare appointment may act, so they must be recorded anew.
//!
//! The code lists are written out (this migration is frozen once shipped);
//! [`CODE_CHECKS`] is the previous list with the trace action widened and
//! the new tables' checks appended.

use sea_orm::DatabaseBackend;
use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261202_000006_code_sets::{self as previous, CodeCheck};
use crate::util::child_keyed;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Every scope, including the identity scopes migration 10 adds: these
/// tables are new, so their checks list them from the start.
const SCOPE: &[&str] = &[
    "IDENTITY",
    "NHS_NUMBER",
    "PUPIL_NUMBER",
    "CONTACT",
    "FAMILY",
    "ALL_ABOUT_ME",
    "EDUCATION",
    "SEN_NEEDS",
    "PSYCHOLOGY",
    "PHYSICAL_HEALTH",
    "COMMUNICATION",
    "SENSORY_PHYSICAL",
    "MENTAL_HEALTH",
    "SOCIAL_CARE",
    "PREPARING_FOR_ADULTHOOD",
    "RESTRICTED",
];
/// Every scope but RESTRICTED, which is never decided by consent.
const CONSENTABLE: &[&str] = &[
    "IDENTITY",
    "NHS_NUMBER",
    "PUPIL_NUMBER",
    "CONTACT",
    "FAMILY",
    "ALL_ABOUT_ME",
    "EDUCATION",
    "SEN_NEEDS",
    "PSYCHOLOGY",
    "PHYSICAL_HEALTH",
    "COMMUNICATION",
    "SENSORY_PHYSICAL",
    "MENTAL_HEALTH",
    "SOCIAL_CARE",
    "PREPARING_FOR_ADULTHOOD",
];
const PR_SOURCE: &[&str] = &[
    "BIRTH_MOTHER",
    "FATHER_MARRIED",
    "FATHER_REGISTERED",
    "PR_AGREEMENT",
    "PR_ORDER",
    "SPECIAL_GUARDIAN",
    "ADOPTER",
    "LOCAL_AUTHORITY_CARE_ORDER",
    "CARRIED_OVER",
];
const PR_LIMIT_KIND: &[&str] = &["UNLIMITED", "SCOPES", "MAY_NOT_EXERCISE"];
const DEPUTY_KIND: &[&str] = &[
    "COURT_DEPUTY_HEALTH_WELFARE",
    "COURT_DEPUTY_PROPERTY_AFFAIRS",
    "LPA_HEALTH_WELFARE",
    "LPA_PROPERTY_FINANCIAL",
];
const CAPACITY_DECISION: &[&str] = &["INFORMATION_SHARING"];
const CAPACITY_OUTCOME: &[&str] = &["HAS_CAPACITY", "LACKS_CAPACITY"];
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
    "PR_RECORDED",
    "DEPUTY_RECORDED",
    "COMPETENCE_RECORDED",
    "CAPACITY_CHALLENGED",
];

const fn check(
    name: &'static str,
    table: &'static str,
    column: &'static str,
    codes: &'static [&'static str],
    on_sqlite: bool,
) -> CodeCheck {
    CodeCheck {
        name,
        table,
        column,
        codes,
        on_sqlite,
    }
}

const TRACE_ACTION_CHECK: CodeCheck = check(
    "ck_access_trace_action",
    "access_trace",
    "action",
    TRACE_ACTION,
    false,
);

/// The checks on this migration's new tables (enforced on both backends).
const NEW: &[CodeCheck] = &[
    check(
        "ck_parental_responsibility_source",
        "parental_responsibility",
        "source",
        PR_SOURCE,
        true,
    ),
    check(
        "ck_parental_responsibility_limit_kind",
        "parental_responsibility",
        "limit_kind",
        PR_LIMIT_KIND,
        true,
    ),
    check(
        "ck_parental_responsibility_limit_scope",
        "parental_responsibility_limit",
        "scope",
        SCOPE,
        true,
    ),
    check(
        "ck_deputyship_kind",
        "deputyship",
        "kind",
        DEPUTY_KIND,
        true,
    ),
    check(
        "ck_deputyship_scope_scope",
        "deputyship_scope",
        "scope",
        SCOPE,
        true,
    ),
    check(
        "ck_gillick_competence_scope_scope",
        "gillick_competence_scope",
        "scope",
        SCOPE,
        true,
    ),
    check(
        "ck_capacity_assessment_decision",
        "capacity_assessment",
        "decision",
        CAPACITY_DECISION,
        true,
    ),
    check(
        "ck_capacity_assessment_outcome",
        "capacity_assessment",
        "outcome",
        CAPACITY_OUTCOME,
        true,
    ),
    check(
        "ck_capacity_assessment_scope_scope",
        "capacity_assessment_scope",
        "scope",
        SCOPE,
        true,
    ),
];

const fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

const LEN: usize = previous::CODE_CHECKS.len() + NEW.len();

const fn merged() -> [CodeCheck; LEN] {
    let old = previous::CODE_CHECKS;
    let mut out = [TRACE_ACTION_CHECK; LEN];
    let mut i = 0;
    while i < old.len() {
        if !same(old[i].name, TRACE_ACTION_CHECK.name) {
            out[i] = old[i];
        }
        i += 1;
    }
    let mut j = 0;
    while j < NEW.len() {
        out[old.len() + j] = NEW[j];
        j += 1;
    }
    out
}

/// Every code column's check after this migration.
pub const CODE_CHECKS: &[CodeCheck] = &merged();

fn named(name: &str) -> &'static CodeCheck {
    NEW.iter()
        .find(|c| c.name == name)
        .expect("every new check is declared")
}

fn in_list(check: &CodeCheck) -> Check {
    Check::named(
        check.name,
        Expr::col(check.column).is_in(check.codes.iter().copied()),
    )
}

/// `(child_id, <owner>_id, scope)` with a foreign key to the owner and a
/// check on the scope.
fn scope_table(
    table: &'static str,
    owner: &'static str,
    key: &'static str,
    check: &'static str,
) -> TableCreateStatement {
    let code = named(check);
    Table::create()
        .table(table)
        .col(uuid("child_id"))
        .col(uuid(key))
        .col(string_len("scope", 32))
        .primary_key(Index::create().col("child_id").col(key).col("scope"))
        .foreign_key(
            ForeignKey::create()
                .name(format!("fk_{table}_{owner}"))
                .from_tbl(table)
                .from_col("child_id")
                .from_col(key)
                .to_tbl(owner)
                .to_col("child_id")
                .to_col("id")
                .on_delete(ForeignKeyAction::Restrict),
        )
        .check(in_list(code))
        .to_owned()
}

fn sql_list(codes: &[&str]) -> String {
    codes
        .iter()
        .map(|c| format!("'{c}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let backend = manager.get_database_backend();

        manager
            .create_table(
                child_keyed("parental_responsibility")
                    .col(string("person_id"))
                    .col(string_len("source", 32))
                    .col(date("from_date"))
                    .col(date_null("until_date"))
                    .col(text("evidence"))
                    .col(string_len("limit_kind", 32))
                    .col(text_null("limit_order"))
                    .col(string("recorded_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .check(in_list(named("ck_parental_responsibility_source")))
                    .check(in_list(named("ck_parental_responsibility_limit_kind")))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(scope_table(
                "parental_responsibility_limit",
                "parental_responsibility",
                "pr_id",
                "ck_parental_responsibility_limit_scope",
            ))
            .await?;
        manager
            .create_table(
                child_keyed("deputyship")
                    .col(string("person_id"))
                    .col(string_len("kind", 32))
                    .col(text("evidence"))
                    .col(date("from_date"))
                    .col(date_null("until_date"))
                    .col(string("recorded_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .check(in_list(named("ck_deputyship_kind")))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(scope_table(
                "deputyship_scope",
                "deputyship",
                "deputyship_id",
                "ck_deputyship_scope_scope",
            ))
            .await?;
        manager
            .create_table(
                child_keyed("gillick_competence")
                    .col(string("assessor_subject"))
                    .col(uuid_null("assessor_agency_id"))
                    .col(string("assessor_role"))
                    .col(date("assessed_on"))
                    .col(boolean("competent"))
                    .col(text("reasons"))
                    .col(timestamp_with_time_zone("created_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                scope_table(
                    "gillick_competence_scope",
                    "gillick_competence",
                    "competence_id",
                    "ck_gillick_competence_scope_scope",
                )
                .col(boolean("not_for_parents"))
                .to_owned(),
            )
            .await?;
        manager
            .create_table(
                child_keyed("capacity_assessment")
                    .col(string_len("decision", 32))
                    .col(string("assessor_subject"))
                    .col(string("assessor_role"))
                    .col(date("assessed_on"))
                    .col(string_len("outcome", 32))
                    .col(text("reasons"))
                    .col(date("review_on"))
                    .col(boolean("carried_over"))
                    .col(timestamp_with_time_zone("created_at"))
                    .check(in_list(named("ck_capacity_assessment_decision")))
                    .check(in_list(named("ck_capacity_assessment_outcome")))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(scope_table(
                "capacity_assessment_scope",
                "capacity_assessment",
                "assessment_id",
                "ck_capacity_assessment_scope_scope",
            ))
            .await?;
        manager
            .create_table(
                child_keyed("capacity_challenge")
                    .col(uuid("assessment_id"))
                    .col(string("person_id"))
                    .col(text("reason"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_capacity_challenge_assessment")
                            .from_tbl("capacity_challenge")
                            .from_col("child_id")
                            .from_col("assessment_id")
                            .to_tbl("capacity_assessment")
                            .to_col("child_id")
                            .to_col("id")
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;

        // Carry the old PR flag over.
        let day_of = match backend {
            DatabaseBackend::Postgres => "CAST(f.created_at AS DATE)",
            _ => "substr(f.created_at, 1, 10)",
        };
        db.execute_unprepared(&format!(
            "INSERT INTO parental_responsibility \
             (child_id, id, person_id, source, from_date, until_date, evidence, limit_kind, \
              limit_order, recorded_by, created_at) \
             SELECT f.child_id, f.id, f.person_id, 'CARRIED_OVER', {day_of}, NULL, \
              COALESCE(f.pr_evidence, 'carried over; no evidence recorded'), 'UNLIMITED', NULL, \
              'tellonce migration', f.created_at \
             FROM family_member f \
             WHERE f.parental_responsibility AND f.person_id IS NOT NULL"
        ))
        .await?;

        // Carry the old capacity flag over, one assessment per child (its
        // id is the child's: there is at most one).
        let today = "CURRENT_DATE";
        db.execute_unprepared(&format!(
            "INSERT INTO capacity_assessment \
             (child_id, id, decision, assessor_subject, assessor_role, assessed_on, outcome, \
              reasons, review_on, carried_over, created_at) \
             SELECT c.id, c.id, 'INFORMATION_SHARING', 'tellonce migration', \
              'tellonce migration', {today}, 'LACKS_CAPACITY', \
              'carried over from the record''s capacity flag; reassess', {today}, TRUE, \
              CURRENT_TIMESTAMP \
             FROM child c WHERE c.lacks_capacity"
        ))
        .await?;
        for scope in CONSENTABLE {
            db.execute_unprepared(&format!(
                "INSERT INTO capacity_assessment_scope (child_id, assessment_id, scope) \
                 SELECT child_id, id, '{scope}' FROM capacity_assessment WHERE carried_over"
            ))
            .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table("child")
                    .drop_column("lacks_capacity")
                    .to_owned(),
            )
            .await?;

        if backend == DatabaseBackend::Postgres {
            db.execute_unprepared(&format!(
                "ALTER TABLE access_trace DROP CONSTRAINT {name}; \
                 ALTER TABLE access_trace ADD CONSTRAINT {name} CHECK (action IN ({codes}))",
                name = TRACE_ACTION_CHECK.name,
                codes = sql_list(TRACE_ACTION),
            ))
            .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        manager
            .alter_table(
                Table::alter()
                    .table("child")
                    .add_column(boolean("lacks_capacity").default(false))
                    .to_owned(),
            )
            .await?;
        db.execute_unprepared(
            "UPDATE child SET lacks_capacity = TRUE WHERE id IN \
             (SELECT child_id FROM capacity_assessment WHERE outcome = 'LACKS_CAPACITY')",
        )
        .await?;
        for table in [
            "capacity_challenge",
            "capacity_assessment_scope",
            "capacity_assessment",
            "gillick_competence_scope",
            "gillick_competence",
            "deputyship_scope",
            "deputyship",
            "parental_responsibility_limit",
            "parental_responsibility",
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            let old = previous::CODE_CHECKS
                .iter()
                .find(|c| c.name == TRACE_ACTION_CHECK.name)
                .expect("the old trace action check");
            db.execute_unprepared(&format!(
                "ALTER TABLE access_trace DROP CONSTRAINT {name}; \
                 ALTER TABLE access_trace ADD CONSTRAINT {name} CHECK (action IN ({codes}))",
                name = old.name,
                codes = sql_list(old.codes),
            ))
            .await?;
        }
        Ok(())
    }
}
