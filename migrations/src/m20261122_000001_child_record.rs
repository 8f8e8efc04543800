//! The unified child record: agencies, children (identity), family members,
//! the per-scope profile, and the list sections.

use sea_orm_migration::{prelude::*, schema::*};

use crate::util::{child_fk, child_keyed};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("agency")
                    .col(pk_uuid("id"))
                    .col(string("name"))
                    .col(string_len("kind", 32))
                    .to_owned(),
            )
            .await?;

        // IDENTITY lives on the child row itself.
        manager
            .create_table(
                Table::create()
                    .table("child")
                    .col(pk_uuid("id"))
                    .col(string_null("young_person_id"))
                    .col(string("given_name"))
                    .col(string("family_name"))
                    .col(string_null("preferred_name"))
                    .col(date("date_of_birth"))
                    .col(string_len_null("nhs_number", 10))
                    .col(string_len_null("upn", 13))
                    .col(string_null("address_line"))
                    .col(string_null("town"))
                    .col(string_len_null("postcode", 8))
                    .col(string_null("home_language"))
                    .col(text_null("communication_needs"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(string("created_by"))
                    .to_owned(),
            )
            .await?;
        // NULLs never collide in a unique index on either backend.
        manager
            .create_index(
                Index::create()
                    .name("ux_child_nhs_number")
                    .table("child")
                    .col("nhs_number")
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_child_upn")
                    .table("child")
                    .col("upn")
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_child_young_person")
                    .table("child")
                    .col("young_person_id")
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                child_keyed("family_member")
                    .col(string_null("person_id"))
                    .col(string("full_name"))
                    .col(string_len("relationship", 32))
                    .col(boolean("parental_responsibility"))
                    .col(string_null("pr_evidence"))
                    .col(string_len("contact_preference", 16))
                    .col(string_null("phone"))
                    .col(string_null("email"))
                    .col(boolean("main_contact"))
                    .col(timestamp_with_time_zone("created_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_family_member_person")
                    .table("family_member")
                    .col("person_id")
                    .to_owned(),
            )
            .await?;

        // One row per child with the single-valued fields of each scope,
        // column names prefixed by section, so the whole record loads in one
        // read instead of one per scope.
        manager
            .create_table(
                Table::create()
                    .table("child_profile")
                    .col(pk_uuid("child_id"))
                    // ALL_ABOUT_ME
                    .col(text_null("aam_what_matters"))
                    .col(text_null("aam_how_to_support"))
                    .col(text_null("aam_aspirations"))
                    .col(text_null("aam_history"))
                    // EDUCATION
                    .col(string_null("edu_setting_name"))
                    .col(string_len_null("edu_setting_urn", 16))
                    .col(string_len_null("edu_setting_phase", 32))
                    .col(string_null("edu_year_group"))
                    .col(text_null("edu_sen_support_plan"))
                    .col(double_null("edu_attendance_percent"))
                    .col(text_null("edu_attainment_summary"))
                    .col(integer_null("edu_suspensions_this_year"))
                    .col(boolean_null("edu_permanently_excluded"))
                    // SEN_NEEDS
                    .col(string_len_null("sen_provision", 16))
                    .col(string_len_null("sen_ehc_plan_status", 32))
                    .col(date_null("sen_ehc_plan_issued_on"))
                    .col(text_null("sen_outcomes"))
                    .col(text_null("sen_special_educational_provision"))
                    // PSYCHOLOGY
                    .col(date_null("psy_assessed_on"))
                    .col(text_null("psy_assessment_summary"))
                    .col(text_null("psy_advice"))
                    // PHYSICAL_HEALTH
                    .col(string_null("hlt_gp_practice"))
                    .col(boolean_null("hlt_health_care_plan"))
                    .col(text_null("hlt_health_provision"))
                    // COMMUNICATION
                    .col(text_null("com_profile"))
                    .col(text_null("com_slt_advice"))
                    .col(text_null("com_targets"))
                    .col(text_null("com_aac"))
                    // SENSORY_PHYSICAL
                    .col(text_null("sp_ot_summary"))
                    .col(text_null("sp_physio_summary"))
                    .col(text_null("sp_hearing"))
                    .col(text_null("sp_vision"))
                    .col(text_null("sp_equipment"))
                    // MENTAL_HEALTH
                    .col(string_len_null("mh_camhs_status", 16))
                    .col(date_null("mh_referred_on"))
                    .col(text_null("mh_involvement_summary"))
                    // SOCIAL_CARE
                    .col(text_null("sc_needs"))
                    .col(text_null("sc_family_support"))
                    .col(text_null("sc_short_breaks"))
                    .col(text_null("sc_provision"))
                    // PREPARING_FOR_ADULTHOOD
                    .col(text_null("pfa_employment"))
                    .col(text_null("pfa_independent_living"))
                    .col(text_null("pfa_community"))
                    .col(text_null("pfa_health"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut child_fk("child_profile"))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("sen_need")
                    .col(uuid("child_id"))
                    .col(integer("rank"))
                    .col(string_len("code", 8))
                    .primary_key(Index::create().col("child_id").col("rank"))
                    .foreign_key(&mut child_fk("sen_need"))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                child_keyed("health_item")
                    .col(string_len("kind", 16))
                    .col(string("name"))
                    .col(text_null("detail"))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                child_keyed("restricted_item")
                    .col(string_len("kind", 32))
                    .col(text("summary"))
                    .col(date_null("since"))
                    .col(date_null("until"))
                    .to_owned(),
            )
            .await?;

        // The agency kind is copied onto the involvement: it fixes the
        // entry's scope, and reading the scope must not need a join.
        manager
            .create_table(
                child_keyed("involvement")
                    .col(uuid("agency_id"))
                    .col(string_len("agency_kind", 32))
                    .col(string_null("practitioner_name"))
                    .col(string_null("role_title"))
                    .col(date_null("since"))
                    .col(date_null("until"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_involvement_agency")
                            .from("involvement", "agency_id")
                            .to("agency", "id"),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "involvement",
            "restricted_item",
            "health_item",
            "sen_need",
            "child_profile",
            "family_member",
            "child",
            "agency",
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
