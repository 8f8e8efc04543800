//! Chloe, 17: college, cerebral palsy, her own consent, preparing for adulthood.

use chrono::NaiveDate;
use domain::{
    AgencyKind, AllAboutMe, ChildRecord, Communication, Education, EhcPlanStatus, HealthItemKind,
    Identity, NeedCode, PhysicalHealth, PreparingForAdulthood, Relationship, SenNeed, SenNeeds,
    SenProvision, SensoryPhysical, SettingPhase, SocialCare,
};

use super::id::{CHLOE, COLLEGE, HEALTH, OT, SLT, SOCIAL_CARE, YOUNG_PERSON};
use super::record::{involvement, item, member, s, test_nhs, test_upn, years_ago};

/// Chloe's record, dated relative to `today`.
pub(super) fn record(today: NaiveDate) -> ChildRecord {
    let ago = |y, m| years_ago(today, y, m);
    let mut chloe = ChildRecord::new(
        CHLOE,
        Some(YOUNG_PERSON.into()),
        Identity {
            given_name: "Chloe".into(),
            family_name: "Evans".into(),
            preferred_name: None,
            date_of_birth: ago(17, 4),
            nhs_number: test_nhs(4004),
            upn: test_upn(403),
            address_line: s("8 Orchard Way"),
            town: s("Northshire"),
            postcode: s("NS4 9LP"),
            home_language: s("Welsh and English"),
            communication_needs: s("Uses an eye-gaze communication device; allow extra time"),
        },
    );
    chloe.family = vec![member(
        8,
        "Rhian Evans",
        Relationship::Mother,
        true,
        Some("demo-person-rhian-evans"),
        Some("rhian@example.org"),
    )];
    chloe.all_about_me = AllAboutMe {
        what_matters: s("Music, my friends at college, and being asked, not told."),
        how_to_support: s("Talk to me, not my mum. Wait for me to answer on my device."),
        aspirations: s("I want to live in my own flat with support and work in a radio station."),
        history: s("I have cerebral palsy. I moved from a special school to college last year."),
    };
    chloe.education = Education {
        setting_name: s("Northgate Sixth Form College"),
        setting_urn: s("130987"),
        setting_phase: Some(SettingPhase::PostSixteen),
        year_group: s("Year 13"),
        sen_support_plan: None,
        attendance_percent: Some(95.0),
        attainment_summary: s("Level 2 Creative Media, on track for merit."),
        suspensions_this_year: Some(0),
        permanently_excluded: Some(false),
    };
    chloe.sen_needs = SenNeeds {
        provision: Some(SenProvision::EhcPlan),
        ehc_plan_status: Some(EhcPlanStatus::Final),
        ehc_plan_issued_on: Some(crate::demo::chloe_plan_made(today)),
        needs: vec![
            SenNeed {
                code: NeedCode::Pd,
                rank: 1,
            },
            SenNeed {
                code: NeedCode::Slcn,
                rank: 2,
            },
        ],
        outcomes: s(
            "Chloe will travel to college independently with a personal assistant and plan her own week.",
        ),
        special_educational_provision: s(
            "1:1 learning support assistant; assistive technology; SLT and OT in college.",
        ),
    };
    chloe.physical_health = PhysicalHealth {
        items: vec![
            item(
                5,
                HealthItemKind::Condition,
                "Cerebral palsy (spastic quadriplegia)",
                "GMFCS level IV",
            ),
            item(
                6,
                HealthItemKind::Medicine,
                "Baclofen 10 mg",
                "Three times a day",
            ),
        ],
        gp_practice: s("Orchard Health Centre"),
        health_care_plan: Some(true),
        health_provision: s(
            "Physiotherapy programme; postural management; annual neurology review.",
        ),
    };
    chloe.communication = Communication {
        profile: s(
            "Understands complex language; communicates with eye gaze and facial expression.",
        ),
        slt_advice: s("Keep the device charged and vocabulary updated for college subjects."),
        targets: s("Use her device to lead a planning meeting."),
        aac: s("Eye-gaze speech-generating device"),
    };
    chloe.sensory_physical = SensoryPhysical {
        ot_summary: s("Needs a hoist for transfers; powered wheelchair user."),
        physio_summary: s("Daily stretches; standing frame 30 minutes a day."),
        hearing: s("Normal"),
        vision: s("Wears glasses for distance"),
        equipment: s("Powered wheelchair, hoist, standing frame, eye-gaze device"),
    };
    chloe.social_care = SocialCare {
        needs: s("Needs support with personal care and getting out in the community."),
        family_support: None,
        short_breaks: s("Overnight short breaks one weekend a month."),
        provision: s(
            "Personal assistant 10 hours a week via direct payment; transition to adult social care starting.",
        ),
    };
    chloe.preparing_for_adulthood = PreparingForAdulthood {
        employment: s("Supported internship in community radio from next September."),
        independent_living: s("Exploring supported living; travel training with her PA."),
        community: s("Inclusive drama group on Thursdays; wants to join a choir."),
        health: s("Transition from children's to adult neurology and physiotherapy."),
    };
    chloe.involvements = vec![
        involvement(
            13,
            COLLEGE,
            AgencyKind::School,
            "Ms Rowe",
            "Additional learning support manager",
            ago(1, 2),
        ),
        involvement(
            14,
            OT,
            AgencyKind::Ot,
            "Ben Carter",
            "Occupational therapist",
            ago(5, 0),
        ),
        involvement(
            15,
            SLT,
            AgencyKind::Slt,
            "Priya Shah",
            "Speech and language therapist",
            ago(8, 0),
        ),
        involvement(
            16,
            HEALTH,
            AgencyKind::Health,
            "Dr Adeyemi",
            "Community paediatrician",
            ago(12, 0),
        ),
        involvement(
            17,
            SOCIAL_CARE,
            AgencyKind::SocialCare,
            "Kelly Brown",
            "Transitions social worker",
            ago(0, 8),
        ),
    ];
    chloe
}
