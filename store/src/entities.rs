//! sea-orm entities: storage shapes only. They are converted to `domain`
//! values in `db::record` and never exposed through GraphQL.

pub mod agency {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "agency")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub name: String,
        pub kind: String,
        pub contact: Option<String>,
        pub retired_at: Option<DateTimeUtc>,
        pub updated_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// An agency's identifier in an external register (migration 18).
pub mod agency_identifier {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "agency_identifier")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub agency_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub scheme: String,
        pub value: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod child {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "child")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub young_person_id: Option<String>,
        pub given_name: String,
        pub family_name: String,
        pub preferred_name: Option<String>,
        pub date_of_birth: Date,
        pub nhs_number: Option<String>,
        pub upn: Option<String>,
        pub address_line: Option<String>,
        pub town: Option<String>,
        pub postcode: Option<String>,
        pub home_language: Option<String>,
        pub communication_needs: Option<String>,
        pub created_at: DateTimeUtc,
        pub created_by: String,
        /// Set (with `_by` and `_at`) while the address is withheld.
        pub address_withheld_reason: Option<String>,
        pub address_withheld_by: Option<String>,
        pub address_withheld_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod family_member {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "family_member")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub child_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub person_id: Option<String>,
        pub full_name: String,
        pub relationship: String,
        pub parental_responsibility: bool,
        pub pr_evidence: Option<String>,
        pub contact_preference: String,
        pub phone: Option<String>,
        pub email: Option<String>,
        pub main_contact: bool,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod child_profile {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Default)]
    #[sea_orm(table_name = "child_profile")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub child_id: Uuid,
        pub aam_what_matters: Option<String>,
        pub aam_how_to_support: Option<String>,
        pub aam_aspirations: Option<String>,
        pub aam_history: Option<String>,
        pub edu_setting_name: Option<String>,
        pub edu_setting_urn: Option<String>,
        pub edu_setting_phase: Option<String>,
        pub edu_year_group: Option<String>,
        pub edu_sen_support_plan: Option<String>,
        pub edu_attendance_percent: Option<f64>,
        pub edu_attainment_summary: Option<String>,
        pub edu_suspensions_this_year: Option<i32>,
        pub edu_permanently_excluded: Option<bool>,
        pub sen_provision: Option<String>,
        pub sen_ehc_plan_status: Option<String>,
        pub sen_ehc_plan_issued_on: Option<Date>,
        pub sen_outcomes: Option<String>,
        pub sen_special_educational_provision: Option<String>,
        pub psy_assessed_on: Option<Date>,
        pub psy_assessment_summary: Option<String>,
        pub psy_advice: Option<String>,
        pub hlt_gp_practice: Option<String>,
        pub hlt_health_care_plan: Option<bool>,
        pub hlt_health_provision: Option<String>,
        pub com_profile: Option<String>,
        pub com_slt_advice: Option<String>,
        pub com_targets: Option<String>,
        pub com_aac: Option<String>,
        pub sp_ot_summary: Option<String>,
        pub sp_physio_summary: Option<String>,
        pub sp_hearing: Option<String>,
        pub sp_vision: Option<String>,
        pub sp_equipment: Option<String>,
        pub mh_camhs_status: Option<String>,
        pub mh_referred_on: Option<Date>,
        pub mh_involvement_summary: Option<String>,
        pub sc_needs: Option<String>,
        pub sc_family_support: Option<String>,
        pub sc_short_breaks: Option<String>,
        pub sc_provision: Option<String>,
        pub pfa_employment: Option<String>,
        pub pfa_independent_living: Option<String>,
        pub pfa_community: Option<String>,
        pub pfa_health: Option<String>,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod sen_need {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "sen_need")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub child_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub rank: i32,
        pub code: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod health_item {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "health_item")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub child_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub kind: String,
        pub name: String,
        pub detail: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod restricted_item {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "restricted_item")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub child_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub kind: String,
        pub summary: String,
        pub since: Option<Date>,
        pub until: Option<Date>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod involvement {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "involvement")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub child_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub agency_id: Uuid,
        pub agency_kind: String,
        pub practitioner_name: Option<String>,
        pub role_title: Option<String>,
        pub since: Option<Date>,
        pub until: Option<Date>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

macro_rules! child_entity {
    ($module:ident, $table:literal { $($field:ident : $ty:ty),* $(,)? }) => {
        pub mod $module {
            use sea_orm::entity::prelude::*;

            #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
            #[sea_orm(table_name = $table)]
            pub struct Model {
                #[sea_orm(primary_key, auto_increment = false)]
                pub child_id: Uuid,
                #[sea_orm(primary_key, auto_increment = false)]
                pub id: Uuid,
                $(pub $field: $ty,)*
            }

            #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
            pub enum Relation {}

            impl ActiveModelBehavior for ActiveModel {}
        }
    };
}

child_entity!(consent_grant, "consent_grant" {
    grantor_person_id: String,
    grantor_capacity: String,
    recipient_agency_id: Option<Uuid>,
    recipient_agency_kind: Option<String>,
    valid_from: DateTimeUtc,
    valid_until: Option<DateTimeUtc>,
    method: String,
    recorded_by: Option<String>,
    recorded_at: DateTimeUtc,
    evidence: Option<String>,
    notice_version: String,
    agreement_version: i32,
    needs_family_confirmation: bool,
});

child_entity!(consent_withdrawal, "consent_withdrawal" {
    grant_id: Uuid,
    withdrawn_at: DateTimeUtc,
    by_person_id: String,
    capacity: String,
    reason: Option<String>,
    method: String,
    recorded_by: Option<String>,
    evidence: Option<String>,
});

child_entity!(consent_confirmation, "consent_confirmation" {
    grant_id: Uuid,
    by_person_id: String,
    confirmed_at: DateTimeUtc,
});

child_entity!(safeguarding_override, "safeguarding_override" {
    declared_by: String,
    agency_id: Uuid,
    reason: String,
    starts_at: DateTimeUtc,
    ends_at: DateTimeUtc,
    ground: String,
    ground_carried_over: bool,
    review_due_by: DateTimeUtc,
});

child_entity!(override_telling, "override_telling" {
    override_id: Uuid,
    decision: String,
    tell_on: Option<Date>,
    not_now_because: Option<String>,
    review_on: Option<Date>,
    family_notice: String,
    decided_by: String,
    decided_at: DateTimeUtc,
});

child_entity!(override_approval, "override_approval" {
    override_id: Uuid,
    approver: String,
    role: String,
    approved_at: DateTimeUtc,
});

child_entity!(override_review, "override_review" {
    override_id: Uuid,
    outcome: String,
    note: String,
    reviewer: String,
    reviewed_at: DateTimeUtc,
});

pub mod agreement {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "agreement")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub version: i32,
        pub title: String,
        pub source: String,
        pub published_at: DateTimeUtc,
        pub published_by: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod agreement_rule {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "agreement_rule")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub version: i32,
        #[sea_orm(primary_key, auto_increment = false)]
        pub agency_kind: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub scope: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub purpose: String,
        pub can_read: bool,
        pub can_contribute: bool,
        pub statutory: bool,
        pub article6: String,
        pub special_condition: Option<String>,
        pub gateway: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A junction table: one code of a set per row, keyed by its owner.
macro_rules! code_set_entity {
    ($module:ident, $table:literal, $owner:ident: $owner_ty:ty, $code:ident) => {
        pub mod $module {
            use sea_orm::entity::prelude::*;

            #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
            #[sea_orm(table_name = $table)]
            pub struct Model {
                #[sea_orm(primary_key, auto_increment = false)]
                pub child_id: Uuid,
                #[sea_orm(primary_key, auto_increment = false)]
                pub $owner: $owner_ty,
                #[sea_orm(primary_key, auto_increment = false)]
                pub $code: String,
            }

            #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
            pub enum Relation {}

            impl ActiveModelBehavior for ActiveModel {}
        }
    };
}

code_set_entity!(consent_grant_scope, "consent_grant_scope", grant_id: Uuid, scope);
code_set_entity!(consent_grant_purpose, "consent_grant_purpose", grant_id: Uuid, purpose);
code_set_entity!(
    advice_request_attachment,
    "advice_request_attachment",
    request_id: Uuid,
    scope
);
code_set_entity!(
    safeguarding_override_scope,
    "safeguarding_override_scope",
    override_id: Uuid,
    scope
);

pub mod agreement_consent_recorder {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "agreement_consent_recorder")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub version: i32,
        #[sea_orm(primary_key, auto_increment = false)]
        pub agency_kind: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod access_trace {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "access_trace")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub seq: i64,
        pub recorded_at: DateTimeUtc,
        pub action: String,
        pub outcome: String,
        pub actor_subject: Option<String>,
        pub actor_agency_id: Option<Uuid>,
        pub child_id: Option<Uuid>,
        pub purpose: Option<String>,
        pub basis_kinds: String,
        pub withheld_any: bool,
        pub override_used: bool,
        pub request_id: Option<String>,
        pub trace_id: Option<String>,
        pub entry: String,
        pub prev_hash: String,
        pub hash: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

child_entity!(all_about_me_version, "all_about_me_version" {
    version: i32,
    what_matters: Option<String>,
    how_to_support: Option<String>,
    aspirations: Option<String>,
    history: Option<String>,
    written_by: String,
    written_as: String,
    written_at: DateTimeUtc,
});

child_entity!(contribution, "contribution" {
    scope: String,
    agency_id: Uuid,
    agency_kind: String,
    author: String,
    kind: String,
    title: String,
    needs: Option<String>,
    outcomes: Option<String>,
    provision: Option<String>,
    notes: Option<String>,
    content: Option<String>,
    supersedes: Option<Uuid>,
    created_at: DateTimeUtc,
});

child_entity!(assessment, "assessment" {
    request_received_on: Date,
    started_by: String,
    created_at: DateTimeUtc,
    imported: bool,
});

child_entity!(assessment_event, "assessment_event" {
    assessment_id: Uuid,
    kind: String,
    on_date: Date,
    exception: Option<String>,
    time_limit: Option<String>,
    advice_request_id: Option<Uuid>,
    note: Option<String>,
    recorded_by: String,
    recorded_at: DateTimeUtc,
});

child_entity!(advice_request, "advice_request" {
    assessment_id: Uuid,
    agency_id: Uuid,
    scope: String,
    profession: Option<String>,
    asked_on: Date,
    due_on: Date,
    target_on: Option<Date>,
    asked_by: String,
});

child_entity!(advice_answer, "advice_answer" {
    request_id: Uuid,
    contribution_id: Uuid,
    mode: String,
    author_confirmed: bool,
    family_confirmed: bool,
    answered_on: Date,
    answered_by: String,
});

child_entity!(advice_reuse_confirmation, "advice_reuse_confirmation" {
    request_id: Uuid,
    contribution_id: Uuid,
    party: String,
    confirmed_by: Option<String>,
    method: String,
    recorded_by: Option<String>,
    evidence: Option<String>,
    confirmed_at: DateTimeUtc,
});

child_entity!(parental_responsibility, "parental_responsibility" {
    person_id: String,
    source: String,
    from_date: Date,
    until_date: Option<Date>,
    evidence: String,
    limit_kind: String,
    limit_order: Option<String>,
    recorded_by: String,
    created_at: DateTimeUtc,
});

code_set_entity!(
    parental_responsibility_limit,
    "parental_responsibility_limit",
    pr_id: Uuid,
    scope
);

child_entity!(deputyship, "deputyship" {
    person_id: String,
    kind: String,
    evidence: String,
    from_date: Date,
    until_date: Option<Date>,
    recorded_by: String,
    created_at: DateTimeUtc,
});

code_set_entity!(deputyship_scope, "deputyship_scope", deputyship_id: Uuid, scope);

child_entity!(gillick_competence, "gillick_competence" {
    assessor_subject: String,
    assessor_agency_id: Option<Uuid>,
    assessor_role: String,
    assessed_on: Date,
    competent: bool,
    reasons: String,
    created_at: DateTimeUtc,
});

pub mod gillick_competence_scope {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "gillick_competence_scope")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub child_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub competence_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub scope: String,
        pub not_for_parents: bool,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

child_entity!(capacity_assessment, "capacity_assessment" {
    decision: String,
    assessor_subject: String,
    assessor_role: String,
    assessed_on: Date,
    outcome: String,
    reasons: String,
    review_on: Date,
    carried_over: bool,
    created_at: DateTimeUtc,
});

code_set_entity!(
    capacity_assessment_scope,
    "capacity_assessment_scope",
    assessment_id: Uuid,
    scope
);

child_entity!(capacity_challenge, "capacity_challenge" {
    assessment_id: Uuid,
    person_id: String,
    reason: String,
    created_at: DateTimeUtc,
});

pub mod advice_template {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "advice_template")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub profession: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub version: i32,
        pub title: String,
        pub source: String,
        pub published_by: String,
        pub published_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

child_entity!(advice_not_required, "advice_not_required" {
    assessment_id: Uuid,
    profession: String,
    reason: String,
    recorded_by: String,
    recorded_at: DateTimeUtc,
});

pub mod web_session {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "web_session")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub token_hash: String,
        pub claims: String,
        pub csrf: String,
        pub provider: String,
        pub signed_in_at: DateTimeUtc,
        pub idle_until: DateTimeUtc,
        pub expires_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod web_login {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "web_login")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub state_hash: String,
        pub nonce: String,
        pub pkce_verifier: String,
        pub return_to: String,
        pub created_at: DateTimeUtc,
        pub expires_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A tile of the verifiable log's Merkle tree (`consent::log`).
pub mod trace_tile {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "trace_tile")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub level: i16,
        #[sea_orm(primary_key, auto_increment = false)]
        pub idx: i64,
        pub width: i32,
        pub data: Vec<u8>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A signed checkpoint of the verifiable log.
pub mod trace_checkpoint {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "trace_checkpoint")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub size: i64,
        pub root: String,
        pub note: String,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A month of the access trace detached by `tellonce trace archive`.
pub mod trace_archive {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "trace_archive")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub partition_name: String,
        pub period_from: DateTimeUtc,
        pub period_to: DateTimeUtc,
        pub first_seq: i64,
        pub last_seq: i64,
        pub entries: i64,
        pub last_hash: String,
        pub checkpoint_size: i64,
        pub checkpoint: String,
        pub archived_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
