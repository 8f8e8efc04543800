//! The EHC plan as a versioned document (issue 11, item 4; SEND
//! Regulations 2014 regs 12–13, CoP 9.62).
//!
//! - `ehc_plan_version`: one row per saved state of a version of a plan
//!   (`plan_id` is the assessment that made it). A version in preparation
//!   is saved as new revisions; issuing inserts a last revision as DRAFT or
//!   FINAL, which nothing changes after. Rows are only inserted.
//! - `ehc_plan_paragraph`, `ehc_plan_appendix`: the paragraphs (with their
//!   provenance and scope) and section K of one saved state.
//! - `ehc_plan_response` (+ `_comment`, `_attachment`): the family's
//!   responses to a draft (reg 13(1)), each kept.
//!
//! Every new code column gets its `CHECK` with its table, on both
//! backends; the lists are written out here, frozen with the migration.

use sea_orm_migration::{prelude::*, schema::*};

use crate::CodeCheck;
use crate::util::{child_fk, child_keyed};

#[derive(DeriveMigrationName)]
pub struct Migration;

const SECTION: &[&str] = &["A", "B", "C", "D", "E", "F", "G", "H1", "H2", "I", "J", "K"];
const STATUS: &[&str] = &["IN_PREPARATION", "DRAFT", "FINAL"];
const KIND: &[&str] = &["ORIGINAL", "AMENDMENT", "IMPORTED"];
const SOURCE: &[&str] = &["ADVICE", "FAMILY", "CASE_OFFICER"];
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
        on_sqlite: true,
    }
}

const VERSION_KIND: CodeCheck = check("ehc_plan_version", "kind", "ck_ehc_plan_version_kind", KIND);
const VERSION_STATUS: CodeCheck = check(
    "ehc_plan_version",
    "status",
    "ck_ehc_plan_version_status",
    STATUS,
);
const PARAGRAPH_SECTION: CodeCheck = check(
    "ehc_plan_paragraph",
    "section",
    "ck_ehc_plan_paragraph_section",
    SECTION,
);
const PARAGRAPH_SCOPE: CodeCheck = check(
    "ehc_plan_paragraph",
    "scope",
    "ck_ehc_plan_paragraph_scope",
    SCOPE,
);
const PARAGRAPH_SOURCE: CodeCheck = check(
    "ehc_plan_paragraph",
    "source",
    "ck_ehc_plan_paragraph_source",
    SOURCE,
);
const PARAGRAPH_EDITED_FROM: CodeCheck = check(
    "ehc_plan_paragraph",
    "edited_from",
    "ck_ehc_plan_paragraph_edited_from",
    SOURCE,
);
const PARAGRAPH_PROFESSION: CodeCheck = check(
    "ehc_plan_paragraph",
    "profession",
    "ck_ehc_plan_paragraph_profession",
    PROFESSION,
);
const APPENDIX_SCOPE: CodeCheck = check(
    "ehc_plan_appendix",
    "scope",
    "ck_ehc_plan_appendix_scope",
    SCOPE,
);
const APPENDIX_PROFESSION: CodeCheck = check(
    "ehc_plan_appendix",
    "profession",
    "ck_ehc_plan_appendix_profession",
    PROFESSION,
);
const COMMENT_SECTION: CodeCheck = check(
    "ehc_plan_response_comment",
    "section",
    "ck_ehc_plan_response_comment_section",
    SECTION,
);

/// The checks this migration creates, with their tables.
pub const CODE_CHECKS: &[CodeCheck] = &[
    VERSION_KIND,
    VERSION_STATUS,
    PARAGRAPH_SECTION,
    PARAGRAPH_SCOPE,
    PARAGRAPH_SOURCE,
    PARAGRAPH_EDITED_FROM,
    PARAGRAPH_PROFESSION,
    APPENDIX_SCOPE,
    APPENDIX_PROFESSION,
    COMMENT_SECTION,
];

fn in_list(check: &CodeCheck) -> Check {
    Check::named(
        check.name,
        Expr::col(check.column).is_in(check.codes.iter().copied()),
    )
}

/// A foreign key from `(child_id, column)` of `table` to `(child_id, id)`
/// of `parent`.
fn parent_fk(
    table: &'static str,
    column: &'static str,
    parent: &'static str,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{table}_{parent}"))
        .from_tbl(table)
        .from_col("child_id")
        .from_col(column)
        .to_tbl(parent)
        .to_col("child_id")
        .to_col("id")
        .on_delete(ForeignKeyAction::Restrict)
        .to_owned()
}

/// A table of the numbered items of a parent row: `(child_id, parent, seq)`.
fn items_of(
    table: &'static str,
    parent_column: &'static str,
    parent: &'static str,
) -> TableCreateStatement {
    Table::create()
        .table(table)
        .col(uuid("child_id"))
        .col(uuid(parent_column))
        .col(integer("seq"))
        .primary_key(
            Index::create()
                .col("child_id")
                .col(parent_column)
                .col("seq"),
        )
        .foreign_key(&mut child_fk(table))
        .foreign_key(&mut parent_fk(table, parent_column, parent))
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                child_keyed("ehc_plan_version")
                    .col(uuid("plan_id"))
                    .col(integer("version"))
                    .col(integer("revision"))
                    .col(string_len(VERSION_KIND.column, 16))
                    .col(string_len(VERSION_STATUS.column, 16))
                    .col(date_null("issued_on"))
                    .col(text_null("placement_name"))
                    .col(text_null("placement_kind"))
                    .col(string("created_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut parent_fk("ehc_plan_version", "plan_id", "assessment"))
                    .check(in_list(&VERSION_KIND))
                    .check(in_list(&VERSION_STATUS))
                    .check(Check::named(
                        "ck_ehc_plan_version_issued",
                        Expr::cust("(status = 'IN_PREPARATION') = (issued_on IS NULL)"),
                    ))
                    .check(Check::named(
                        "ck_ehc_plan_version_placement",
                        Expr::cust("(placement_name IS NULL) = (placement_kind IS NULL)"),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_ehc_plan_version_revision")
                    .table("ehc_plan_version")
                    .col("child_id")
                    .col("plan_id")
                    .col("version")
                    .col("revision")
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                items_of("ehc_plan_paragraph", "plan_version_id", "ehc_plan_version")
                    .col(string_len(PARAGRAPH_SECTION.column, 4))
                    .col(text("text"))
                    .col(string_len(PARAGRAPH_SCOPE.column, 32))
                    .col(text_null("provision_what"))
                    .col(text_null("provision_who"))
                    .col(text_null("provision_how_often"))
                    .col(text_null("provision_how_long"))
                    .col(string_len(PARAGRAPH_SOURCE.column, 16))
                    .col(uuid_null("contribution_id"))
                    .col(string_len_null("section_key", 64))
                    .col(integer_null("all_about_me_version"))
                    .col(string("author"))
                    .col(uuid_null("agency_id"))
                    .col(date("written_on"))
                    .col(string_len_null(PARAGRAPH_PROFESSION.column, 48))
                    .col(string_len_null(PARAGRAPH_EDITED_FROM.column, 16))
                    .check(in_list(&PARAGRAPH_SECTION))
                    .check(in_list(&PARAGRAPH_SCOPE))
                    .check(in_list(&PARAGRAPH_SOURCE))
                    .check(in_list(&PARAGRAPH_EDITED_FROM))
                    .check(in_list(&PARAGRAPH_PROFESSION))
                    .check(Check::named(
                        "ck_ehc_plan_paragraph_provision",
                        Expr::cust(
                            "(provision_what IS NULL) = (provision_who IS NULL) AND \
                             (provision_what IS NULL) = (provision_how_often IS NULL) AND \
                             (provision_what IS NULL) = (provision_how_long IS NULL)",
                        ),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                items_of("ehc_plan_appendix", "plan_version_id", "ehc_plan_version")
                    .col(uuid("contribution_id"))
                    .col(text("title"))
                    .col(uuid("agency_id"))
                    .col(string_len_null(APPENDIX_PROFESSION.column, 48))
                    .col(string_len(APPENDIX_SCOPE.column, 32))
                    .col(date("dated"))
                    .col(boolean("reused"))
                    .check(in_list(&APPENDIX_SCOPE))
                    .check(in_list(&APPENDIX_PROFESSION))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                child_keyed("ehc_plan_response")
                    .col(uuid("plan_id"))
                    .col(integer("version"))
                    .col(date("responded_on"))
                    .col(boolean("within_time"))
                    .col(text_null("setting_name"))
                    .col(text_null("setting_kind"))
                    .col(text_null("setting_reason"))
                    .col(boolean("wants_meeting"))
                    .col(string("responded_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut parent_fk("ehc_plan_response", "plan_id", "assessment"))
                    .check(Check::named(
                        "ck_ehc_plan_response_setting",
                        Expr::cust(
                            "(setting_name IS NULL) = (setting_kind IS NULL) AND \
                             (setting_name IS NULL) = (setting_reason IS NULL)",
                        ),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_ehc_plan_response_plan")
                    .table("ehc_plan_response")
                    .col("child_id")
                    .col("plan_id")
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                items_of(
                    "ehc_plan_response_comment",
                    "response_id",
                    "ehc_plan_response",
                )
                .col(string_len(COMMENT_SECTION.column, 4))
                .col(text("text"))
                .check(in_list(&COMMENT_SECTION))
                .to_owned(),
            )
            .await?;
        manager
            .create_table(
                items_of(
                    "ehc_plan_response_attachment",
                    "response_id",
                    "ehc_plan_response",
                )
                .col(text("title"))
                .col(text("text"))
                .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "ehc_plan_response_attachment",
            "ehc_plan_response_comment",
            "ehc_plan_response",
            "ehc_plan_appendix",
            "ehc_plan_paragraph",
            "ehc_plan_version",
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
