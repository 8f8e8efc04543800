//! Every agreement rule names the law it rests on (UK GDPR Art 6 basis,
//! Art 9 condition, statutory gateway), and an advice request can carry
//! the parts of the record the council attaches to it.
//!
//! Existing agreement entries are carried over with the bases the default
//! agreement now states for them: Art 6(1)(e) public task for every
//! entry; for a special-category scope the condition of the agency's
//! kind of work (safeguarding for the SAFEGUARDING purpose); and the
//! gateway of the agency kind. A council reviews them when it next
//! publishes its agreement.
//!
//! The code lists are written out here (this migration is frozen once
//! shipped); `store`'s tests compare them with the enums.

use sea_orm::DatabaseBackend;
use sea_orm_migration::{prelude::*, schema::*};

use crate::CodeCheck;

#[derive(DeriveMigrationName)]
pub struct Migration;

const ARTICLE6: &[&str] = &[
    "A_CONSENT",
    "C_LEGAL_OBLIGATION",
    "D_VITAL_INTERESTS",
    "E_PUBLIC_TASK",
];
const CONDITION: &[&str] = &[
    "A_EXPLICIT_CONSENT",
    "C_VITAL_INTERESTS",
    "G_SCH1_PARA6",
    "G_SCH1_PARA18",
    "H_SCH1_PARA2",
    "ART10_SCH1",
];
/// Every scope, including the identity scopes migration 10 adds: this
/// table is new, so its check lists them from the start.
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

/// The checks this migration adds (PostgreSQL only on `agreement_rule`,
/// an existing table; on both backends on the new attachment table).
pub const CHANGES: &[CodeCheck] = &[
    CodeCheck {
        name: "ck_agreement_rule_article6",
        table: "agreement_rule",
        column: "article6",
        codes: ARTICLE6,
        on_sqlite: false,
    },
    CodeCheck {
        name: "ck_agreement_rule_special_condition",
        table: "agreement_rule",
        column: "special_condition",
        codes: CONDITION,
        on_sqlite: false,
    },
    CodeCheck {
        name: "ck_advice_request_attachment_scope",
        table: "advice_request_attachment",
        column: "scope",
        codes: SCOPE,
        on_sqlite: true,
    },
];

/// Special-category scopes (UK GDPR Art 9), as of this migration.
const SPECIAL: &str = "'SEN_NEEDS', 'PSYCHOLOGY', 'PHYSICAL_HEALTH', 'COMMUNICATION', \
                       'SENSORY_PHYSICAL', 'MENTAL_HEALTH', 'SOCIAL_CARE', 'RESTRICTED'";

/// The gateway of each agency kind's work, as the default agreement states it.
const GATEWAYS: &[(&str, &str)] = &[
    (
        "SCHOOL",
        "Education Act 1996; Children and Families Act 2014 s.66 (best endeavours for SEN)",
    ),
    (
        "CAMHS",
        "Health and Social Care Act 2012 s.251B (duty to share for direct care) [to confirm]",
    ),
    (
        "SLT",
        "Health and Social Care Act 2012 s.251B (duty to share for direct care) [to confirm]",
    ),
    (
        "OT",
        "Health and Social Care Act 2012 s.251B (duty to share for direct care) [to confirm]",
    ),
    (
        "HEALTH",
        "Health and Social Care Act 2012 s.251B (duty to share for direct care) [to confirm]",
    ),
    (
        "EP",
        "Education Act 1996; Children and Families Act 2014 s.31 (co-operating in EHC assessment); SEND Regulations 2014 regs 6, 8",
    ),
    ("SOCIAL_CARE", "Children Act 1989 s.17 (children in need)"),
    (
        "YOUTH_JUSTICE",
        "Crime and Disorder Act 1998 ss.37, 39 (youth offending teams) [to confirm]",
    ),
    (
        "LA_SEND",
        "Children and Families Act 2014 ss.36, 37, 44; SEND Regulations 2014 regs 6-13, 18-22",
    ),
];

fn check_expr(check: &CodeCheck) -> Check {
    Check::named(
        check.name,
        Expr::col(check.column).is_in(check.codes.iter().copied()),
    )
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for column in [
            ColumnDef::new("article6")
                .string_len(32)
                .not_null()
                .default("E_PUBLIC_TASK")
                .to_owned(),
            ColumnDef::new("special_condition")
                .string_len(32)
                .null()
                .to_owned(),
            ColumnDef::new("gateway")
                .text()
                .not_null()
                .default("")
                .to_owned(),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table("agreement_rule")
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        // Carry existing entries over (codes and gateways are constants here,
        // so the statements need no parameters).
        db.execute_unprepared(&format!(
            "UPDATE agreement_rule SET special_condition = CASE \
               WHEN purpose = 'SAFEGUARDING' THEN 'G_SCH1_PARA18' \
               WHEN agency_kind IN ('CAMHS', 'SLT', 'OT', 'HEALTH', 'SOCIAL_CARE') THEN 'H_SCH1_PARA2' \
               ELSE 'G_SCH1_PARA6' END \
             WHERE scope IN ({SPECIAL})"
        ))
        .await?;
        for (kind, gateway) in GATEWAYS {
            db.execute_unprepared(&format!(
                "UPDATE agreement_rule SET gateway = '{}' WHERE agency_kind = '{kind}'",
                gateway.replace('\'', "''")
            ))
            .await?;
        }
        db.execute_unprepared(
            "UPDATE agreement_rule SET gateway = \
             'Children Act 1989 s.47; Working Together to Safeguard Children 2023' \
             WHERE purpose = 'SAFEGUARDING'",
        )
        .await?;

        let attachment = &CHANGES[2];
        manager
            .create_table(
                Table::create()
                    .table("advice_request_attachment")
                    .col(uuid("child_id"))
                    .col(uuid("request_id"))
                    .col(string_len("scope", 32))
                    .primary_key(
                        Index::create()
                            .col("child_id")
                            .col("request_id")
                            .col("scope"),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_advice_request_attachment_request")
                            .from_tbl("advice_request_attachment")
                            .from_col("child_id")
                            .from_col("request_id")
                            .to_tbl("advice_request")
                            .to_col("child_id")
                            .to_col("id")
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .check(check_expr(attachment))
                    .to_owned(),
            )
            .await?;

        if manager.get_database_backend() == DatabaseBackend::Postgres {
            for check in CHANGES.iter().filter(|c| !c.on_sqlite) {
                let list = check
                    .codes
                    .iter()
                    .map(|c| format!("'{c}'"))
                    .collect::<Vec<_>>()
                    .join(", ");
                db.execute_unprepared(&format!(
                    "ALTER TABLE {} ADD CONSTRAINT {} CHECK ({} IN ({list}))",
                    check.table, check.name, check.column
                ))
                .await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        manager
            .drop_table(Table::drop().table("advice_request_attachment").to_owned())
            .await?;
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            for check in CHANGES.iter().filter(|c| !c.on_sqlite) {
                db.execute_unprepared(&format!(
                    "ALTER TABLE {} DROP CONSTRAINT {}",
                    check.table, check.name
                ))
                .await?;
            }
        }
        for column in ["article6", "special_condition", "gateway"] {
            manager
                .alter_table(
                    Table::alter()
                        .table("agreement_rule")
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
