//! One value per column: the comma-separated code lists (a grant's scopes
//! and purposes, an override's scopes, an agreement's consent recorders)
//! move to junction tables, filled from the existing rows before the old
//! columns are dropped; and code columns get `CHECK (col IN (...))`.
//!
//! The code lists are written out here, not taken from the Rust enums: this
//! migration is frozen once shipped, and a list read from an enum would
//! change what it creates whenever the enum changed (a fresh database and a
//! migrated one would then differ). Instead `store`'s tests compare every
//! list in [`CODE_CHECKS`] with its enum's codes, so an enum that gains a
//! code fails the build's tests until a new migration widens the check.
//!
//! New tables carry their checks on both backends. On existing tables the
//! checks are added on PostgreSQL only (`ALTER TABLE … ADD CONSTRAINT`):
//! SQLite cannot add a CHECK to a table without rebuilding it, and
//! rebuilding the append-only `access_trace` would mean disarming its
//! triggers. On SQLite those columns stay guarded by the store, which writes
//! only enum codes and reads a bad one back as `Corrupt`.
//!
//! On PostgreSQL a consent decision's capture method and its recorder must
//! also agree ([`CAPTURE_CHECKS`]): a DIGITAL decision has no recorder, a
//! written or verbal one has one, as `consent::Capture` makes them.

use sea_orm::{DatabaseBackend, Statement};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (table, constraint) pairs on PostgreSQL: the capture method and the
/// recorder of a consent decision agree.
pub const CAPTURE_CHECKS: [(&str, &str); 2] = [
    ("consent_grant", "ck_consent_grant_capture"),
    ("consent_withdrawal", "ck_consent_withdrawal_capture"),
];

/// A `CHECK (column IN (codes))` constraint on a code column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeCheck {
    /// `ck_<table>_<column>`.
    pub name: &'static str,
    pub table: &'static str,
    pub column: &'static str,
    pub codes: &'static [&'static str],
    /// Whether SQLite enforces it too (only on tables this migration creates).
    pub on_sqlite: bool,
}

const SCOPE: &[&str] = &[
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
const PURPOSE: &[&str] = &[
    "DIRECT_SUPPORT",
    "EHC_ASSESSMENT",
    "ANNUAL_REVIEW",
    "SAFEGUARDING",
];
const AGENCY_KIND: &[&str] = &[
    "SCHOOL",
    "CAMHS",
    "SLT",
    "OT",
    "EP",
    "SOCIAL_CARE",
    "YOUTH_JUSTICE",
    "HEALTH",
    "LA_SEND",
];
const NEED_CODE: &[&str] = &[
    "SPLD", "MLD", "SLD", "PMLD", "SEMH", "SLCN", "HI", "VI", "MSI", "PD", "ASD", "OTH", "NSA",
];
const SEN_PROVISION: &[&str] = &["EHC_PLAN", "SEN_SUPPORT", "NONE"];
const EHC_PLAN_STATUS: &[&str] = &[
    "NO_PLAN",
    "ASSESSMENT_REQUESTED",
    "ASSESSING",
    "DRAFT_ISSUED",
    "FINAL",
    "CEASED",
];
const RELATIONSHIP: &[&str] = &[
    "MOTHER",
    "FATHER",
    "STEP_PARENT",
    "GRANDPARENT",
    "SPECIAL_GUARDIAN",
    "ADOPTIVE_PARENT",
    "FOSTER_CARER",
    "LOCAL_AUTHORITY",
    "DEPUTY",
    "OTHER",
];
const CONTACT_PREFERENCE: &[&str] = &["EMAIL", "PHONE", "TEXT", "POST", "INTERPRETER"];
const SETTING_PHASE: &[&str] = &[
    "EARLY_YEARS",
    "PRIMARY",
    "SECONDARY",
    "SPECIAL",
    "POST_16",
    "NOT_IN_EDUCATION",
];
const HEALTH_ITEM_KIND: &[&str] = &["CONDITION", "MEDICINE", "ALLERGY"];
const CAMHS_STATUS: &[&str] = &["NOT_REFERRED", "WAITING", "OPEN", "DISCHARGED"];
const RESTRICTED_KIND: &[&str] = &[
    "CHILD_PROTECTION_PLAN",
    "CHILD_IN_NEED",
    "LOOKED_AFTER",
    "YOUTH_JUSTICE_ORDER",
    "ADOPTION",
];
const CONTRIBUTION_KIND: &[&str] = &["ADVICE", "ASSESSMENT", "UPDATE"];
const WRITTEN_AS: &[&str] = &["PARENT", "YOUNG_PERSON"];
const CLOCK_EXCEPTION: &[&str] = &[
    "SCHOOL_CLOSURE",
    "EXCEPTIONAL_PERSONAL_CIRCUMSTANCES",
    "FAMILY_ABSENT",
    "MISSED_APPOINTMENT",
];
const ASSESSMENT_EVENT_KIND: &[&str] = &[
    "DECIDED_TO_ASSESS",
    "DECIDED_NOT_TO_ASSESS",
    "DRAFT_ISSUED",
    "FINAL_ISSUED",
    "EXCEPTION",
];
const ADVICE_ANSWER_MODE: &[&str] = &["SUBMITTED", "REUSED"];
const REVIEW_OUTCOME: &[&str] = &["UPHELD", "NOT_UPHELD"];
const GRANTOR_CAPACITY: &[&str] = &[
    "PARENTAL_RESPONSIBILITY",
    "YOUNG_PERSON",
    "DEPUTY",
    "PARENT_FOR_YOUNG_PERSON_LACKING_CAPACITY",
];
const CAPTURE_METHOD: &[&str] = &["DIGITAL", "WRITTEN", "VERBAL"];
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
];
const TRACE_OUTCOME: &[&str] = &["SUCCESS", "DENIED"];

macro_rules! checks {
    ($( $table:literal . $column:literal in $codes:ident $(, $sqlite:ident)? ;)+) => {
        /// Every code column's check, as this migration creates them.
        pub const CODE_CHECKS: &[CodeCheck] = &[
            $( CodeCheck {
                name: concat!("ck_", $table, "_", $column),
                table: $table,
                column: $column,
                codes: $codes,
                on_sqlite: checks!(@sqlite $($sqlite)?),
            }, )+
        ];
    };
    (@sqlite) => { false };
    (@sqlite new) => { true };
}

checks! {
    "consent_grant_scope"."scope" in SCOPE, new;
    "consent_grant_purpose"."purpose" in PURPOSE, new;
    "safeguarding_override_scope"."scope" in SCOPE, new;
    "agreement_consent_recorder"."agency_kind" in AGENCY_KIND, new;
    "agency"."kind" in AGENCY_KIND;
    "family_member"."relationship" in RELATIONSHIP;
    "family_member"."contact_preference" in CONTACT_PREFERENCE;
    "child_profile"."edu_setting_phase" in SETTING_PHASE;
    "child_profile"."sen_provision" in SEN_PROVISION;
    "child_profile"."sen_ehc_plan_status" in EHC_PLAN_STATUS;
    "child_profile"."mh_camhs_status" in CAMHS_STATUS;
    "sen_need"."code" in NEED_CODE;
    "health_item"."kind" in HEALTH_ITEM_KIND;
    "restricted_item"."kind" in RESTRICTED_KIND;
    "involvement"."agency_kind" in AGENCY_KIND;
    "consent_grant"."grantor_capacity" in GRANTOR_CAPACITY;
    "consent_grant"."recipient_agency_kind" in AGENCY_KIND;
    "consent_grant"."method" in CAPTURE_METHOD;
    "consent_withdrawal"."capacity" in GRANTOR_CAPACITY;
    "consent_withdrawal"."method" in CAPTURE_METHOD;
    "override_review"."outcome" in REVIEW_OUTCOME;
    "agreement_rule"."agency_kind" in AGENCY_KIND;
    "agreement_rule"."scope" in SCOPE;
    "agreement_rule"."purpose" in PURPOSE;
    "all_about_me_version"."written_as" in WRITTEN_AS;
    "contribution"."scope" in SCOPE;
    "contribution"."agency_kind" in AGENCY_KIND;
    "contribution"."kind" in CONTRIBUTION_KIND;
    "assessment_event"."kind" in ASSESSMENT_EVENT_KIND;
    "assessment_event"."exception" in CLOCK_EXCEPTION;
    "advice_request"."scope" in SCOPE;
    "advice_answer"."mode" in ADVICE_ANSWER_MODE;
    "access_trace"."action" in TRACE_ACTION;
    "access_trace"."outcome" in TRACE_OUTCOME;
    "access_trace"."purpose" in PURPOSE;
}

/// A comma-separated list moved to a junction table.
struct CodeList {
    /// The table holding the list today, and its key columns.
    from: &'static str,
    keys: &'static [&'static str],
    column: &'static str,
    /// The junction table, its key columns (matching `keys`) and code column.
    to: &'static str,
    to_keys: &'static [&'static str],
    to_column: &'static str,
    codes: &'static [&'static str],
}

const LISTS: &[CodeList] = &[
    CodeList {
        from: "consent_grant",
        keys: &["child_id", "id"],
        column: "scopes",
        to: "consent_grant_scope",
        to_keys: &["child_id", "grant_id"],
        to_column: "scope",
        codes: SCOPE,
    },
    CodeList {
        from: "consent_grant",
        keys: &["child_id", "id"],
        column: "purposes",
        to: "consent_grant_purpose",
        to_keys: &["child_id", "grant_id"],
        to_column: "purpose",
        codes: PURPOSE,
    },
    CodeList {
        from: "safeguarding_override",
        keys: &["child_id", "id"],
        column: "scopes",
        to: "safeguarding_override_scope",
        to_keys: &["child_id", "override_id"],
        to_column: "scope",
        codes: SCOPE,
    },
    CodeList {
        from: "agreement",
        keys: &["version"],
        column: "consent_recorders",
        to: "agreement_consent_recorder",
        to_keys: &["version"],
        to_column: "agency_kind",
        codes: AGENCY_KIND,
    },
];

fn check_of(name: &'static str) -> &'static CodeCheck {
    CODE_CHECKS
        .iter()
        .find(|c| c.name == name)
        .expect("every junction table's check is declared")
}

fn in_list(check: &CodeCheck) -> Check {
    Check::named(
        check.name,
        Expr::col(check.column).is_in(check.codes.iter().copied()),
    )
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

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let backend = manager.get_database_backend();

        for (table, owner, key) in [
            ("consent_grant_scope", "consent_grant", "grant_id"),
            ("consent_grant_purpose", "consent_grant", "grant_id"),
            (
                "safeguarding_override_scope",
                "safeguarding_override",
                "override_id",
            ),
        ] {
            let code = check_of(match table {
                "consent_grant_purpose" => "ck_consent_grant_purpose_purpose",
                "consent_grant_scope" => "ck_consent_grant_scope_scope",
                _ => "ck_safeguarding_override_scope_scope",
            });
            manager
                .create_table(
                    Table::create()
                        .table(table)
                        .col(uuid("child_id"))
                        .col(uuid(key))
                        .col(string_len(code.column, 32))
                        .primary_key(Index::create().col("child_id").col(key).col(code.column))
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
                        .to_owned(),
                )
                .await?;
        }
        let recorder = check_of("ck_agreement_consent_recorder_agency_kind");
        manager
            .create_table(
                Table::create()
                    .table("agreement_consent_recorder")
                    .col(integer("version"))
                    .col(string_len("agency_kind", 32))
                    .primary_key(Index::create().col("version").col("agency_kind"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_agreement_consent_recorder_version")
                            .from("agreement_consent_recorder", "version")
                            .to("agreement", "version"),
                    )
                    .check(in_list(recorder))
                    .to_owned(),
            )
            .await?;

        for list in LISTS {
            carry_over(db, backend, list).await?;
            manager
                .alter_table(
                    Table::alter()
                        .table(list.from)
                        .drop_column(list.column)
                        .to_owned(),
                )
                .await?;
        }

        if backend == DatabaseBackend::Postgres {
            for check in CODE_CHECKS.iter().filter(|c| !c.on_sqlite) {
                db.execute_unprepared(&format!(
                    "ALTER TABLE {} ADD CONSTRAINT {} CHECK ({} IN ({}))",
                    check.table,
                    check.name,
                    check.column,
                    sql_list(check.codes)
                ))
                .await?;
            }
            for (table, name) in CAPTURE_CHECKS {
                db.execute_unprepared(&format!(
                    "ALTER TABLE {table} ADD CONSTRAINT {name} \
                     CHECK ((method = 'DIGITAL') = (recorded_by IS NULL))"
                ))
                .await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let backend = manager.get_database_backend();
        if backend == DatabaseBackend::Postgres {
            for (table, name) in CAPTURE_CHECKS {
                db.execute_unprepared(&format!("ALTER TABLE {table} DROP CONSTRAINT {name}"))
                    .await?;
            }
            for check in CODE_CHECKS.iter().filter(|c| !c.on_sqlite) {
                db.execute_unprepared(&format!(
                    "ALTER TABLE {} DROP CONSTRAINT {}",
                    check.table, check.name
                ))
                .await?;
            }
        }
        for list in LISTS {
            manager
                .alter_table(
                    Table::alter()
                        .table(list.from)
                        .add_column(text(list.column).default(""))
                        .to_owned(),
                )
                .await?;
            let aggregate = match backend {
                DatabaseBackend::Postgres => format!("string_agg(j.{}, ',')", list.to_column),
                _ => format!("group_concat(j.{}, ',')", list.to_column),
            };
            let join = list
                .keys
                .iter()
                .zip(list.to_keys)
                .map(|(k, j)| format!("j.{j} = {}.{k}", list.from))
                .collect::<Vec<_>>()
                .join(" AND ");
            db.execute_unprepared(&format!(
                "UPDATE {from} SET {col} = COALESCE((SELECT {aggregate} FROM {to} j WHERE {join}), '')",
                from = list.from,
                col = list.column,
                to = list.to,
            ))
            .await?;
        }
        for table in [
            "agreement_consent_recorder",
            "safeguarding_override_scope",
            "consent_grant_purpose",
            "consent_grant_scope",
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

/// Copies one comma-separated list into its junction table, one row per
/// code, in SQL (so keys keep their stored type on either backend). A code
/// outside the list stops the migration rather than being dropped.
async fn carry_over(
    db: &SchemaManagerConnection<'_>,
    backend: DatabaseBackend,
    list: &CodeList,
) -> Result<(), DbErr> {
    let rows = db
        .query_all_raw(Statement::from_string(
            backend,
            format!("SELECT {} FROM {}", list.column, list.from),
        ))
        .await?;
    for row in rows {
        let value: String = row.try_get("", list.column)?;
        if let Some(bad) = value
            .split(',')
            .filter(|c| !c.is_empty())
            .find(|c| !list.codes.contains(c))
        {
            return Err(DbErr::Migration(format!(
                "{}.{} holds the unknown code {bad:?}; fix it before migrating",
                list.from, list.column
            )));
        }
    }
    let keys = list.keys.join(", ");
    for code in list.codes {
        // `_` is a LIKE wildcard: escape it so a code matches only itself.
        let pattern = code.replace('_', "\\_");
        db.execute_unprepared(&format!(
            "INSERT INTO {to} ({to_keys}, {to_column}) \
             SELECT {keys}, '{code}' FROM {from} \
             WHERE ',' || {column} || ',' LIKE '%,{pattern},%' ESCAPE '\\'",
            to = list.to,
            to_keys = list.to_keys.join(", "),
            to_column = list.to_column,
            from = list.from,
            column = list.column,
        ))
        .await?;
    }
    Ok(())
}
