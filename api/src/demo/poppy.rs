//! Poppy, 3: early years, speech delay, a nursery and SLT involved.

use chrono::NaiveDate;
use domain::{
    AgencyKind, AllAboutMe, ChildRecord, Communication, Education, EhcPlanStatus, HealthItemKind,
    Identity, NeedCode, PhysicalHealth, Relationship, SenNeed, SenNeeds, SenProvision,
    SettingPhase,
};

use super::id::{NURSERY, POPPY, SLT};
use super::record::{involvement, item, member, s, test_nhs, years_ago};

/// Poppy's record, dated relative to `today`.
pub(super) fn record(today: NaiveDate) -> ChildRecord {
    let ago = |y, m| years_ago(today, y, m);
    let mut poppy = ChildRecord::new(
        POPPY,
        None,
        Identity {
            given_name: "Poppy".into(),
            family_name: "Okafor".into(),
            preferred_name: None,
            date_of_birth: ago(3, 4),
            nhs_number: test_nhs(1001),
            upn: None,
            address_line: s("14 Willow Close"),
            town: s("Northshire"),
            postcode: s("NS1 4AB"),
            home_language: s("English and Igbo"),
            communication_needs: s("Uses gestures and some single words; Makaton signs at nursery"),
        },
    );
    poppy.family = vec![
        member(
            1,
            "Grace Okafor",
            Relationship::Mother,
            true,
            Some("demo-person-grace-okafor"),
            Some("grace@example.org"),
        ),
        member(2, "Daniel Okafor", Relationship::Father, true, None, None),
    ];
    poppy.all_about_me = AllAboutMe {
        what_matters: s("Bubbles, the swings at the park, and her big cousin Tobi."),
        how_to_support: s(
            "Get down to her level, use signs with words, and give her time to answer.",
        ),
        aspirations: s(
            "We want Poppy to be able to tell us what she needs and make friends at nursery.",
        ),
        history: s(
            "Poppy was born at 34 weeks. Her first words came late and she gets frustrated when she is not understood.",
        ),
    };
    poppy.education = Education {
        setting_name: s("Little Acorns Nursery"),
        setting_urn: s("EY551234"),
        setting_phase: Some(SettingPhase::EarlyYears),
        year_group: s("Nursery (2-year-old funded place)"),
        sen_support_plan: s(
            "Small-group attention and listening sessions twice a week; visual timetable.",
        ),
        attendance_percent: Some(88.5),
        attainment_summary: s(
            "Below expected in communication and language; on track in physical development.",
        ),
        suspensions_this_year: Some(0),
        permanently_excluded: Some(false),
    };
    poppy.sen_needs = SenNeeds {
        provision: Some(SenProvision::SenSupport),
        ehc_plan_status: Some(EhcPlanStatus::NoPlan),
        ehc_plan_issued_on: None,
        needs: vec![SenNeed {
            code: NeedCode::Slcn,
            rank: 1,
        }],
        outcomes: s("By age 4, Poppy will combine two words to ask for what she wants."),
        special_educational_provision: s("Targeted language group; key worker trained in Makaton."),
    };
    poppy.communication = Communication {
        profile: s("Expressive language delay; understanding of everyday words is good."),
        slt_advice: s("Model two-word phrases; offer choices of two; reduce questions."),
        targets: s("Use 20 signs or words consistently; join two words by next review."),
        aac: s("Makaton signing"),
    };
    poppy.physical_health = PhysicalHealth {
        items: vec![item(
            1,
            HealthItemKind::Condition,
            "Glue ear (resolved)",
            "Grommets fitted at age 2",
        )],
        gp_practice: s("Riverside Medical Centre"),
        health_care_plan: Some(false),
        health_provision: None,
    };
    poppy.involvements = vec![
        involvement(
            1,
            NURSERY,
            AgencyKind::School,
            "Ms Hughes",
            "Nursery SENCO",
            ago(1, 0),
        ),
        involvement(
            2,
            SLT,
            AgencyKind::Slt,
            "Priya Shah",
            "Speech and language therapist",
            ago(1, 6),
        ),
    ];
    poppy
}
