//! Tell it once: versions of the family's "all about me", agencies'
//! contributions (immutable, with `supersedes`), and EHC needs assessments
//! as facts (events, advice requests and answers).

use sea_orm_migration::{prelude::*, schema::*};

use crate::util::{child_keyed, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                child_keyed("all_about_me_version")
                    .col(integer("version"))
                    .col(text_null("what_matters"))
                    .col(text_null("how_to_support"))
                    .col(text_null("aspirations"))
                    .col(text_null("history"))
                    .col(string("written_by"))
                    .col(string_len("written_as", 48))
                    .col(timestamp_with_time_zone("written_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "ux_aam_version",
                    "all_about_me_version",
                    &["child_id", "version"],
                )
                .unique()
                .to_owned(),
            )
            .await?;

        manager
            .create_table(
                child_keyed("contribution")
                    .col(string_len("scope", 32))
                    .col(uuid("agency_id"))
                    .col(string_len("agency_kind", 32))
                    .col(string("author"))
                    .col(string_len("kind", 16))
                    .col(string("title"))
                    .col(text_null("needs"))
                    .col(text_null("outcomes"))
                    .col(text_null("provision"))
                    .col(text_null("notes"))
                    .col(uuid_null("supersedes"))
                    .col(timestamp_with_time_zone("created_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_contribution_scope",
                "contribution",
                &["child_id", "scope"],
            ))
            .await?;
        // A contribution is replaced at most once.
        manager
            .create_index(crate::util::unique(
                "ux_contribution_supersedes",
                "contribution",
                &["supersedes"],
            ))
            .await?;
        manager
            .create_index(
                index("ux_contribution_id", "contribution", &["id"])
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                child_keyed("assessment")
                    .col(date("request_received_on"))
                    .col(string("started_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index("ux_assessment_id", "assessment", &["id"])
                    .unique()
                    .to_owned(),
            )
            .await?;

        // DECISION_TO_ASSESS / NOT_TO_ASSESS / DRAFT_ISSUED / FINAL_ISSUED /
        // EXCEPTION, each with the date it happened.
        manager
            .create_table(
                child_keyed("assessment_event")
                    .col(uuid("assessment_id"))
                    .col(string_len("kind", 32))
                    .col(date("on_date"))
                    .col(string_len_null("exception", 48))
                    .col(text_null("note"))
                    .col(string("recorded_by"))
                    .col(timestamp_with_time_zone("recorded_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_assessment_event",
                "assessment_event",
                &["assessment_id"],
            ))
            .await?;

        manager
            .create_table(
                child_keyed("advice_request")
                    .col(uuid("assessment_id"))
                    .col(uuid("agency_id"))
                    .col(string_len("scope", 32))
                    .col(date("asked_on"))
                    .col(date("due_on"))
                    .col(string("asked_by"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index("ux_advice_request_id", "advice_request", &["id"])
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_advice_request_agency",
                "advice_request",
                &["agency_id"],
            ))
            .await?;

        // SUBMITTED (new advice) or REUSED (existing advice confirmed still
        // sufficient by its author and the family: reg 6(4)).
        manager
            .create_table(
                child_keyed("advice_answer")
                    .col(uuid("request_id"))
                    .col(uuid("contribution_id"))
                    .col(string_len("mode", 16))
                    .col(boolean("author_confirmed"))
                    .col(boolean("family_confirmed"))
                    .col(date("answered_on"))
                    .col(string("answered_by"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index("ux_advice_answer_request", "advice_answer", &["request_id"])
                    .unique()
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "advice_answer",
            "advice_request",
            "assessment_event",
            "assessment",
            "contribution",
            "all_about_me_version",
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
