//! Consent: grants, withdrawals and confirmations, versioned data-sharing
//! agreements, safeguarding overrides and their reviews, and the record's
//! note that a young person lacks capacity for consent decisions. Every row
//! is an immutable fact: a withdrawal or a review is a new row.

use sea_orm_migration::{prelude::*, schema::*};

use crate::util::{child_keyed, unique};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("child")
                    .add_column(boolean("lacks_capacity").default(false))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                child_keyed("consent_grant")
                    .col(string("grantor_person_id"))
                    .col(string_len("grantor_capacity", 48))
                    .col(uuid_null("recipient_agency_id"))
                    .col(string_len_null("recipient_agency_kind", 32))
                    // Comma-separated scope and purpose codes, validated on read.
                    .col(text("scopes"))
                    .col(text("purposes"))
                    .col(timestamp_with_time_zone("valid_from"))
                    .col(timestamp_with_time_zone_null("valid_until"))
                    .col(string_len("method", 16))
                    .col(string_null("recorded_by"))
                    .col(timestamp_with_time_zone("recorded_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(unique("ux_consent_grant_id", "consent_grant", &["id"]))
            .await?;

        manager
            .create_table(
                child_keyed("consent_withdrawal")
                    .col(uuid("grant_id"))
                    .col(timestamp_with_time_zone("withdrawn_at"))
                    .col(string("by_person_id"))
                    .col(string_len("capacity", 48))
                    .col(text_null("reason"))
                    .col(string_len("method", 16))
                    .col(string_null("recorded_by"))
                    .to_owned(),
            )
            .await?;
        // One withdrawal per grant; lookups by receipt id.
        manager
            .create_index(unique(
                "ux_consent_withdrawal_grant",
                "consent_withdrawal",
                &["grant_id"],
            ))
            .await?;
        manager
            .create_index(unique(
                "ux_consent_withdrawal_id",
                "consent_withdrawal",
                &["id"],
            ))
            .await?;

        manager
            .create_table(
                child_keyed("consent_confirmation")
                    .col(uuid("grant_id"))
                    .col(string("by_person_id"))
                    .col(timestamp_with_time_zone("confirmed_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(unique(
                "ux_consent_confirmation_grant",
                "consent_confirmation",
                &["grant_id"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("agreement")
                    .col(integer("version").primary_key())
                    .col(string("title"))
                    .col(text("consent_recorders"))
                    .col(text("source"))
                    .col(timestamp_with_time_zone("published_at"))
                    .col(string("published_by"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("agreement_rule")
                    .col(integer("version"))
                    .col(string_len("agency_kind", 32))
                    .col(string_len("scope", 32))
                    .col(string_len("purpose", 32))
                    .col(boolean("can_read"))
                    .col(boolean("can_contribute"))
                    .col(boolean("statutory"))
                    .primary_key(
                        Index::create()
                            .col("version")
                            .col("agency_kind")
                            .col("scope")
                            .col("purpose"),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_agreement_rule_version")
                            .from("agreement_rule", "version")
                            .to("agreement", "version"),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                child_keyed("safeguarding_override")
                    .col(string("declared_by"))
                    .col(uuid("agency_id"))
                    .col(text("scopes"))
                    .col(text("reason"))
                    .col(timestamp_with_time_zone("starts_at"))
                    .col(timestamp_with_time_zone("ends_at"))
                    .col(boolean("tell_family"))
                    .col(text_null("withhold_reason"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(unique(
                "ux_safeguarding_override_id",
                "safeguarding_override",
                &["id"],
            ))
            .await?;

        manager
            .create_table(
                child_keyed("override_review")
                    .col(uuid("override_id"))
                    .col(string_len("outcome", 16))
                    .col(text("note"))
                    .col(string("reviewer"))
                    .col(timestamp_with_time_zone("reviewed_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(unique(
                "ux_override_review_override",
                "override_review",
                &["override_id"],
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "override_review",
            "safeguarding_override",
            "agreement_rule",
            "agreement",
            "consent_confirmation",
            "consent_withdrawal",
            "consent_grant",
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table("child")
                    .drop_column("lacks_capacity")
                    .to_owned(),
            )
            .await
    }
}
