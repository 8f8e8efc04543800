//! Annual reviews and phase transfers (issue 11 item 5; shared/LAW.md §6).
//!
//! - `assessment` gains `imported`: a plan made before the hub, recorded
//!   with the dates the council knows (its 20-week figures are unknown, so
//!   it is excluded from timeliness). Existing rows are not imported; the
//!   column keeps its `false` default on both backends so writers that do
//!   not know it stay correct.
//! - `annual_review`: one row per review cycle of a plan (the plan is named
//!   by its assessment), opened when the meeting is first arranged, with
//!   the day it started and its due date as set then; an imported plan's
//!   last review is a row with `imported` and `concluded_on` (its steps are
//!   not known).
//! - `annual_review_step`: the reg 20 facts (rows only inserted): the
//!   meeting date set, invitations (the family flag here, the agencies in
//!   `annual_review_invitee`, one kind per row), papers, the meeting, the
//!   report, the decision (with its s.45 ground when ceasing, appeal rights
//!   and consultation) and the amended plan.
//! - `plan_cessation`: a plan ceased by a review's decision (one per plan).
//! - `phase_transfer`: transfers the council sets where the derived one
//!   is wrong or missing (the latest in force).
//!
//! New tables carry their code checks on both backends.

use sea_orm_migration::{prelude::*, schema::*};

use crate::CodeCheck;
use crate::util::{child_fk, child_keyed, index, unique};

#[derive(DeriveMigrationName)]
pub struct Migration;

const REVIEW_STEP: &[&str] = &[
    "MEETING_SET",
    "INVITATIONS_SENT",
    "PAPERS_CIRCULATED",
    "MEETING_HELD",
    "REPORT_SENT",
    "DECISION",
    "AMENDED_PLAN_ISSUED",
];
const REVIEW_DECISION: &[&str] = &["MAINTAIN", "AMEND", "CEASE"];
const CEASE_GROUND: &[&str] = &["NO_LONGER_NECESSARY", "NO_LONGER_RESPONSIBLE"];
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
const SETTING_PHASE: &[&str] = &[
    "EARLY_YEARS",
    "PRIMARY",
    "SECONDARY",
    "SPECIAL",
    "POST_16",
    "NOT_IN_EDUCATION",
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

const STEP: CodeCheck = check(
    "annual_review_step",
    "step",
    "ck_annual_review_step_step",
    REVIEW_STEP,
);
const DECISION: CodeCheck = check(
    "annual_review_step",
    "decision",
    "ck_annual_review_step_decision",
    REVIEW_DECISION,
);
const STEP_GROUND: CodeCheck = check(
    "annual_review_step",
    "cease_ground",
    "ck_annual_review_step_cease_ground",
    CEASE_GROUND,
);
const INVITEE: CodeCheck = check(
    "annual_review_invitee",
    "agency_kind",
    "ck_annual_review_invitee_agency_kind",
    AGENCY_KIND,
);
const CESSATION_GROUND: CodeCheck = check(
    "plan_cessation",
    "ground",
    "ck_plan_cessation_ground",
    CEASE_GROUND,
);
const FROM_PHASE: CodeCheck = check(
    "phase_transfer",
    "from_phase",
    "ck_phase_transfer_from_phase",
    SETTING_PHASE,
);
const TO_PHASE: CodeCheck = check(
    "phase_transfer",
    "to_phase",
    "ck_phase_transfer_to_phase",
    SETTING_PHASE,
);

/// The checks this migration creates (with their tables, on both backends).
pub const CODE_CHECKS: &[CodeCheck] = &[
    STEP,
    DECISION,
    STEP_GROUND,
    INVITEE,
    CESSATION_GROUND,
    FROM_PHASE,
    TO_PHASE,
];

fn in_list(check: &CodeCheck) -> Check {
    Check::named(
        check.name,
        Expr::col(check.column).is_in(check.codes.iter().copied()),
    )
}

/// A foreign key from `(child_id, col)` of `table` to `(child_id, id)` of
/// `to`.
fn child_ref(
    table: &'static str,
    col: &'static str,
    to: &'static str,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{table}_{to}"))
        .from_tbl(table)
        .from_col("child_id")
        .from_col(col)
        .to_tbl(to)
        .to_col("child_id")
        .to_col("id")
        .on_delete(ForeignKeyAction::Restrict)
        .to_owned()
}

const TABLES: &[&str] = &[
    "phase_transfer",
    "plan_cessation",
    "annual_review_invitee",
    "annual_review_step",
    "annual_review",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("assessment")
                    .add_column(
                        ColumnDef::new("imported")
                            .boolean()
                            .not_null()
                            .default(false)
                            .to_owned(),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                child_keyed("annual_review")
                    .col(uuid("plan_id"))
                    .col(date("starts_on"))
                    .col(date("due_on"))
                    .col(boolean("imported"))
                    .col(date_null("concluded_on"))
                    .col(string("opened_by"))
                    .col(timestamp_with_time_zone("opened_at"))
                    .foreign_key(&mut child_ref("annual_review", "plan_id", "assessment"))
                    .check(Check::named(
                        "ck_annual_review_imported",
                        Expr::cust("imported = (concluded_on IS NOT NULL)"),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_annual_review_plan",
                "annual_review",
                &["child_id", "plan_id", "starts_on"],
            ))
            .await?;

        manager
            .create_table(
                child_keyed("annual_review_step")
                    .col(uuid("review_id"))
                    .col(string_len(STEP.column, 32))
                    .col(date("on_date"))
                    .col(date_null("meeting_on"))
                    .col(boolean("family_invited"))
                    .col(string_len_null(DECISION.column, 16))
                    .col(string_len_null(STEP_GROUND.column, 32))
                    .col(boolean("appeal_rights_notified"))
                    .col(boolean("family_consulted"))
                    .col(string("recorded_by"))
                    .col(timestamp_with_time_zone("recorded_at"))
                    .foreign_key(&mut child_ref(
                        "annual_review_step",
                        "review_id",
                        "annual_review",
                    ))
                    .check(in_list(&STEP))
                    .check(in_list(&DECISION))
                    .check(in_list(&STEP_GROUND))
                    .check(Check::named(
                        "ck_annual_review_step_terms",
                        Expr::cust(
                            "((step = 'MEETING_SET') = (meeting_on IS NOT NULL)) AND \
                             ((step = 'DECISION') = (decision IS NOT NULL)) AND \
                             (COALESCE(decision = 'CEASE', FALSE) = (cease_ground IS NOT NULL)) AND \
                             ((step = 'DECISION') = appeal_rights_notified)",
                        ),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_annual_review_step_review",
                "annual_review_step",
                &["child_id", "review_id", "recorded_at"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("annual_review_invitee")
                    .col(uuid("child_id"))
                    .col(uuid("step_id"))
                    .col(string_len(INVITEE.column, 32))
                    .primary_key(
                        Index::create()
                            .col("child_id")
                            .col("step_id")
                            .col(INVITEE.column),
                    )
                    .foreign_key(&mut child_fk("annual_review_invitee"))
                    .foreign_key(&mut child_ref(
                        "annual_review_invitee",
                        "step_id",
                        "annual_review_step",
                    ))
                    .check(in_list(&INVITEE))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                child_keyed("plan_cessation")
                    .col(uuid("plan_id"))
                    .col(uuid("review_id"))
                    .col(date("ceased_on"))
                    .col(string_len(CESSATION_GROUND.column, 32))
                    .col(string("recorded_by"))
                    .col(timestamp_with_time_zone("recorded_at"))
                    .foreign_key(&mut child_ref("plan_cessation", "plan_id", "assessment"))
                    .foreign_key(&mut child_ref(
                        "plan_cessation",
                        "review_id",
                        "annual_review",
                    ))
                    .check(in_list(&CESSATION_GROUND))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(unique(
                "ux_plan_cessation_plan",
                "plan_cessation",
                &["child_id", "plan_id"],
            ))
            .await?;

        manager
            .create_table(
                child_keyed("phase_transfer")
                    .col(uuid("plan_id"))
                    .col(string_len_null(FROM_PHASE.column, 32))
                    .col(string_len(TO_PHASE.column, 32))
                    .col(date("transfer_on"))
                    .col(string("set_by"))
                    .col(timestamp_with_time_zone("set_at"))
                    .foreign_key(&mut child_ref("phase_transfer", "plan_id", "assessment"))
                    .check(in_list(&FROM_PHASE))
                    .check(in_list(&TO_PHASE))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in TABLES {
            manager
                .drop_table(Table::drop().table(*table).to_owned())
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table("assessment")
                    .drop_column("imported")
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}
