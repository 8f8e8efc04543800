//! Reuse of existing advice (SEND Regulations 2014 reg 6(4)) is confirmed
//! by each person for themselves: `advice_reuse_confirmation` records that
//! the advice's author, or the family (the parent, or the young person who
//! decides for themselves), is satisfied that one contribution is still
//! sufficient for one advice request. Made by the person with their own
//! sign-in (DIGITAL: nobody recorded it, no evidence), or recorded by a case
//! officer from a written or verbal confirmation, with its evidence, as a
//! consent decision is. `confirmed_by` is the person's own subject where
//! known (their sign-in, or the advice's author); a family's confirmation
//! recorded on paper names no one. One confirmation per party, request and
//! contribution. The council's own confirmation is the reuse itself
//! (`advice_answer`, mode REUSED).
//!
//! The old `advice_answer.author_confirmed` / `family_confirmed` booleans
//! stay as they are: rows reused before this migration keep them, and new
//! reuses write them true, as the confirmations behind them exist.

use sea_orm_migration::{prelude::*, schema::*};

use crate::CodeCheck;
use crate::util::{child_keyed, unique};

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLE: &str = "advice_reuse_confirmation";

/// The checks created with the table (SQLite too).
pub const CODE_CHECKS: &[CodeCheck] = &[
    CodeCheck {
        name: "ck_advice_reuse_confirmation_party",
        table: TABLE,
        column: "party",
        codes: &["AUTHOR", "FAMILY"],
        on_sqlite: true,
    },
    CodeCheck {
        name: "ck_advice_reuse_confirmation_method",
        table: TABLE,
        column: "method",
        codes: &["DIGITAL", "WRITTEN", "VERBAL"],
        on_sqlite: true,
    },
];

fn in_list(check: &CodeCheck) -> Check {
    Check::named(
        check.name,
        Expr::col(check.column).is_in(check.codes.iter().copied()),
    )
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut table = child_keyed(TABLE)
            .col(uuid("request_id"))
            .col(uuid("contribution_id"))
            .col(string_len("party", 16))
            .col(string_null("confirmed_by"))
            .col(string_len("method", 16))
            .col(string_null("recorded_by"))
            .col(string_len_null("evidence", 200))
            .col(timestamp_with_time_zone("confirmed_at"))
            .foreign_key(
                ForeignKey::create()
                    .name("fk_advice_reuse_confirmation_request")
                    .from_tbl(TABLE)
                    .from_col("child_id")
                    .from_col("request_id")
                    .to_tbl("advice_request")
                    .to_col("child_id")
                    .to_col("id")
                    .on_delete(ForeignKeyAction::Restrict),
            )
            .foreign_key(
                ForeignKey::create()
                    .name("fk_advice_reuse_confirmation_contribution")
                    .from_tbl(TABLE)
                    .from_col("child_id")
                    .from_col("contribution_id")
                    .to_tbl("contribution")
                    .to_col("child_id")
                    .to_col("id")
                    .on_delete(ForeignKeyAction::Restrict),
            )
            .check(Check::named(
                "ck_advice_reuse_confirmation_capture",
                Expr::cust(
                    "((method = 'DIGITAL') = (recorded_by IS NULL)) AND \
                     ((method = 'DIGITAL') = (evidence IS NULL))",
                ),
            ))
            .to_owned();
        for check in CODE_CHECKS {
            table.check(in_list(check));
        }
        manager.create_table(table).await?;
        manager
            .create_index(unique(
                "ux_advice_reuse_confirmation_party",
                TABLE,
                &["child_id", "request_id", "contribution_id", "party"],
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(TABLE).to_owned())
            .await
    }
}
