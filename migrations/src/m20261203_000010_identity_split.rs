//! Minimum necessary identity (LAW.md §3): IDENTITY keeps who the child is;
//! the NHS number (NHS_NUMBER), the UPN (PUPIL_NUMBER) and the address
//! (CONTACT) become scopes of their own, and a child can carry an "address
//! withheld" marker.
//!
//! - Every scope check is widened to the new codes, and the trace action
//!   check to ADDRESS_WITHHELD / ADDRESS_RELEASED. On SQLite only the
//!   junction tables carry a scope check (in their `CREATE TABLE`), so they
//!   are rebuilt (create, copy, drop, rename); on PostgreSQL each constraint
//!   is dropped and added again.
//! - Data carried over: a grant (or override) covering IDENTITY also covers
//!   CONTACT, since what a family agreed to was "who I am and how to reach
//!   me". Each published agreement's IDENTITY rows gain NHS_NUMBER,
//!   PUPIL_NUMBER and CONTACT rows by audience, as the new default
//!   agreement has them: the NHS number for health and care, the UPN for
//!   education and the council, the address statutory for the school
//!   (direct support), children's social care, and the SEND team during an
//!   assessment or review, and by agreement for everyone else. A migrated
//!   hub thus decides as a fresh one with the new default does. (The stored
//!   TOML source of an old version is left as it was published.)
//! - `child` gains `address_withheld_reason`, `_by` and `_at`, all NULL (not
//!   withheld); on PostgreSQL a check keeps the three together.
//!
//! The code lists are written out here, frozen with this migration, as in
//! `m20261202_000006_code_sets`; `store`'s tests compare the lists now in
//! force (`crate::code_checks`) with the enums.

use sea_orm::DatabaseBackend;
use sea_orm_migration::{prelude::*, schema::*};

use crate::CodeCheck;

#[derive(DeriveMigrationName)]
pub struct Migration;

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
/// The scopes before this migration, for `down`.
const OLD_SCOPE: &[&str] = &[
    "IDENTITY",
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
const NEW_SCOPES: &[&str] = &["NHS_NUMBER", "PUPIL_NUMBER", "CONTACT"];
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
    "ADDRESS_WITHHELD",
    "ADDRESS_RELEASED",
    "PR_RECORDED",
    "DEPUTY_RECORDED",
    "COMPETENCE_RECORDED",
    "CAPACITY_CHALLENGED",
];
const OLD_TRACE_ACTION: &[&str] = &[
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
    "PR_RECORDED",
    "DEPUTY_RECORDED",
    "COMPETENCE_RECORDED",
    "CAPACITY_CHALLENGED",
];

const fn check(
    table: &'static str,
    column: &'static str,
    name: &'static str,
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

/// The checks this migration changes, as it leaves them.
pub const CODE_CHECKS: &[CodeCheck] = &[
    check(
        "consent_grant_scope",
        "scope",
        "ck_consent_grant_scope_scope",
        SCOPE,
        true,
    ),
    check(
        "safeguarding_override_scope",
        "scope",
        "ck_safeguarding_override_scope_scope",
        SCOPE,
        true,
    ),
    check(
        "agreement_rule",
        "scope",
        "ck_agreement_rule_scope",
        SCOPE,
        false,
    ),
    check(
        "contribution",
        "scope",
        "ck_contribution_scope",
        SCOPE,
        false,
    ),
    check(
        "advice_request",
        "scope",
        "ck_advice_request_scope",
        SCOPE,
        false,
    ),
    check(
        "access_trace",
        "action",
        "ck_access_trace_action",
        TRACE_ACTION,
        false,
    ),
];

/// The junction tables whose scope check SQLite holds in the table itself:
/// (table, owner, key column).
const JUNCTIONS: [(&str, &str, &str); 2] = [
    ("consent_grant_scope", "consent_grant", "grant_id"),
    (
        "safeguarding_override_scope",
        "safeguarding_override",
        "override_id",
    ),
];

/// `CHECK (address_withheld_* all NULL or all set)`, PostgreSQL only.
const WITHHELD_CHECK: &str = "ck_child_address_withheld";

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

/// Puts each changed check in force with `codes_of(check)`.
async fn set_checks(
    manager: &SchemaManager<'_>,
    codes_of: impl Fn(&CodeCheck) -> &'static [&'static str],
) -> Result<(), DbErr> {
    let db = manager.get_connection();
    match manager.get_database_backend() {
        DatabaseBackend::Postgres => {
            for c in CODE_CHECKS {
                db.execute_unprepared(&format!(
                    "ALTER TABLE {} DROP CONSTRAINT {}",
                    c.table, c.name
                ))
                .await?;
                db.execute_unprepared(&format!(
                    "ALTER TABLE {table} ADD CONSTRAINT {name} CHECK ({column} IN ({codes}))",
                    table = c.table,
                    name = c.name,
                    column = c.column,
                    codes = sql_list(codes_of(c)),
                ))
                .await?;
            }
        }
        _ => {
            for (table, owner, key) in JUNCTIONS {
                let c = CODE_CHECKS
                    .iter()
                    .find(|c| c.table == table)
                    .expect("each junction table's check is declared");
                rebuild_junction(manager, table, owner, key, c, codes_of(c)).await?;
            }
        }
    }
    Ok(())
}

/// SQLite: a junction table again with its check over `codes`, rows kept
/// (create new, copy, drop old, rename; the primary key and foreign key are
/// declared in the table, and there are no other indexes).
async fn rebuild_junction(
    manager: &SchemaManager<'_>,
    table: &'static str,
    owner: &'static str,
    key: &'static str,
    c: &CodeCheck,
    codes: &'static [&'static str],
) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let new = format!("{table}_new");
    manager
        .create_table(
            Table::create()
                .table(Alias::new(&new))
                .col(uuid("child_id"))
                .col(uuid(key))
                .col(string_len(c.column, 32))
                .primary_key(Index::create().col("child_id").col(key).col(c.column))
                .foreign_key(
                    ForeignKey::create()
                        .name(format!("fk_{table}_{owner}"))
                        .from_tbl(Alias::new(&new))
                        .from_col("child_id")
                        .from_col(key)
                        .to_tbl(owner)
                        .to_col("child_id")
                        .to_col("id")
                        .on_delete(ForeignKeyAction::Restrict),
                )
                .check(Check::named(
                    c.name,
                    Expr::col(c.column).is_in(codes.iter().copied()),
                ))
                .to_owned(),
        )
        .await?;
    db.execute_unprepared(&format!(
        "INSERT INTO {new} (child_id, {key}, {col}) SELECT child_id, {key}, {col} FROM {table}",
        col = c.column
    ))
    .await?;
    db.execute_unprepared(&format!("DROP TABLE {table}"))
        .await?;
    db.execute_unprepared(&format!("ALTER TABLE {new} RENAME TO {table}"))
        .await?;
    Ok(())
}

/// The new scopes' rows for an agreement version's IDENTITY rows, by
/// audience (see the module docs).
const AGREEMENT_ROWS: &[(&str, &str, &str)] = &[
    (
        "NHS_NUMBER",
        "agency_kind IN ('CAMHS', 'HEALTH', 'SLT', 'OT', 'SOCIAL_CARE')",
        "statutory",
    ),
    (
        "PUPIL_NUMBER",
        "agency_kind IN ('SCHOOL', 'LA_SEND', 'EP')",
        "statutory",
    ),
    (
        "CONTACT",
        "1 = 1",
        "CASE WHEN statutory AND ((agency_kind = 'SCHOOL' AND purpose = 'DIRECT_SUPPORT') \
         OR agency_kind = 'SOCIAL_CARE' \
         OR (agency_kind = 'LA_SEND' AND purpose IN ('EHC_ASSESSMENT', 'ANNUAL_REVIEW'))) \
         THEN TRUE ELSE FALSE END",
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// One transaction on SQLite too: the rebuild (create, copy, drop,
    /// rename) then runs on one connection, never half done.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let backend = manager.get_database_backend();

        for col in [
            text_null("address_withheld_reason"),
            string_null("address_withheld_by"),
            timestamp_with_time_zone_null("address_withheld_at"),
        ] {
            let mut col = col;
            manager
                .alter_table(
                    Table::alter()
                        .table("child")
                        .add_column(&mut col)
                        .to_owned(),
                )
                .await?;
        }
        if backend == DatabaseBackend::Postgres {
            db.execute_unprepared(&format!(
                "ALTER TABLE child ADD CONSTRAINT {WITHHELD_CHECK} CHECK (\
                 (address_withheld_reason IS NULL) = (address_withheld_by IS NULL) \
                 AND (address_withheld_reason IS NULL) = (address_withheld_at IS NULL))"
            ))
            .await?;
        }

        set_checks(manager, |c| c.codes).await?;

        for (table, _, key) in JUNCTIONS {
            db.execute_unprepared(&format!(
                "INSERT INTO {table} (child_id, {key}, scope) \
                 SELECT child_id, {key}, 'CONTACT' FROM {table} j \
                 WHERE j.scope = 'IDENTITY' AND NOT EXISTS (\
                 SELECT 1 FROM {table} k WHERE k.child_id = j.child_id \
                 AND k.{key} = j.{key} AND k.scope = 'CONTACT')"
            ))
            .await?;
        }
        for (scope, audience, statutory) in AGREEMENT_ROWS {
            db.execute_unprepared(&format!(
                "INSERT INTO agreement_rule \
                 (version, agency_kind, scope, purpose, can_read, can_contribute, statutory) \
                 SELECT version, agency_kind, '{scope}', purpose, can_read, can_contribute, \
                 {statutory} FROM agreement_rule r \
                 WHERE r.scope = 'IDENTITY' AND {audience} AND NOT EXISTS (\
                 SELECT 1 FROM agreement_rule k WHERE k.version = r.version \
                 AND k.agency_kind = r.agency_kind AND k.purpose = r.purpose \
                 AND k.scope = '{scope}')"
            ))
            .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let backend = manager.get_database_backend();
        let new_scopes = sql_list(NEW_SCOPES);
        for table in [
            "consent_grant_scope",
            "safeguarding_override_scope",
            "agreement_rule",
        ] {
            db.execute_unprepared(&format!(
                "DELETE FROM {table} WHERE scope IN ({new_scopes})"
            ))
            .await?;
        }
        set_checks(manager, |c| {
            if c.column == "action" {
                OLD_TRACE_ACTION
            } else {
                OLD_SCOPE
            }
        })
        .await?;
        if backend == DatabaseBackend::Postgres {
            db.execute_unprepared(&format!(
                "ALTER TABLE child DROP CONSTRAINT {WITHHELD_CHECK}"
            ))
            .await?;
        }
        for col in [
            "address_withheld_reason",
            "address_withheld_by",
            "address_withheld_at",
        ] {
            manager
                .alter_table(Table::alter().table("child").drop_column(col).to_owned())
                .await?;
        }
        Ok(())
    }
}
