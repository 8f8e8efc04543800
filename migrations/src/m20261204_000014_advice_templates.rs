//! Advice templates per profession, and the reg 6(1) checklist's "not
//! required" records (issue 11, items 1 and 2).
//!
//! - `advice_template`: each published version of a profession's advice
//!   template, with its TOML source as published; keyed by (profession,
//!   version). It holds no child data. The shipped defaults are published
//!   as version 1 by the hub at start (as the default agreement is), not
//!   here: a migration never depends on the application's files.
//! - `advice_not_required`: a case officer's record that one source of
//!   advice is not required on an assessment, with the reason; inserted
//!   only (a later record for the same profession is the one in force).
//!
//! Both profession columns are checked on both backends (new tables). The
//! code list is written out, frozen with this migration.

use sea_orm_migration::{prelude::*, schema::*};

use crate::CodeCheck;
use crate::util::{child_keyed, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

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

const TEMPLATE_PROFESSION: CodeCheck = CodeCheck {
    name: "ck_advice_template_profession",
    table: "advice_template",
    column: "profession",
    codes: PROFESSION,
    on_sqlite: true,
};
const NOT_REQUIRED_PROFESSION: CodeCheck = CodeCheck {
    name: "ck_advice_not_required_profession",
    table: "advice_not_required",
    column: "profession",
    codes: PROFESSION,
    on_sqlite: true,
};

/// The checks this migration creates.
pub const CODE_CHECKS: &[CodeCheck] = &[TEMPLATE_PROFESSION, NOT_REQUIRED_PROFESSION];

fn in_list(check: &CodeCheck) -> Check {
    Check::named(
        check.name,
        Expr::col(check.column).is_in(check.codes.iter().copied()),
    )
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("advice_template")
                    .col(string_len(TEMPLATE_PROFESSION.column, 48))
                    .col(integer("version"))
                    .col(string("title"))
                    .col(text("source"))
                    .col(string("published_by"))
                    .col(timestamp_with_time_zone("published_at"))
                    .primary_key(Index::create().col("profession").col("version"))
                    .check(in_list(&TEMPLATE_PROFESSION))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                child_keyed("advice_not_required")
                    .col(uuid("assessment_id"))
                    .col(string_len(NOT_REQUIRED_PROFESSION.column, 48))
                    .col(text("reason"))
                    .col(string("recorded_by"))
                    .col(timestamp_with_time_zone("recorded_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_advice_not_required_assessment")
                            .from_tbl("advice_not_required")
                            .from_col("child_id")
                            .from_col("assessment_id")
                            .to_tbl("assessment")
                            .to_col("child_id")
                            .to_col("id")
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .check(in_list(&NOT_REQUIRED_PROFESSION))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_advice_not_required_assessment",
                "advice_not_required",
                &["child_id", "assessment_id"],
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["advice_not_required", "advice_template"] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
