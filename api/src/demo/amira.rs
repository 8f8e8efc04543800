//! Amira, 9: primary, autism and SLCN, EHC plan, CAMHS waiting list.

use chrono::NaiveDate;
use domain::{
    AgencyKind, AllAboutMe, CamhsStatus, ChildRecord, Communication, Education, EhcPlanStatus,
    HealthItemKind, Identity, MentalHealth, NeedCode, PhysicalHealth, Psychology, Relationship,
    SenNeed, SenNeeds, SenProvision, SensoryPhysical, SettingPhase, SocialCare,
};

use super::id::{AMIRA, CAMHS, EP, HEALTH, LA_SEND, PARENT_PERSON, SCHOOL, SLT};
use super::record::{involvement, item, member, s, test_nhs, test_upn, years_ago};

/// Amira's record, dated relative to `today`.
pub(super) fn record(today: NaiveDate) -> ChildRecord {
    let ago = |y, m| years_ago(today, y, m);
    let mut amira = ChildRecord::new(
        AMIRA,
        None,
        Identity {
            given_name: "Amira".into(),
            family_name: "Khan".into(),
            preferred_name: s("Mira"),
            date_of_birth: ago(9, 2),
            nhs_number: test_nhs(2002),
            upn: test_upn(201),
            address_line: s("3 Mill Lane"),
            town: s("Northshire"),
            postcode: s("NS2 7QT"),
            home_language: s("English and Urdu"),
            communication_needs: s(
                "Needs instructions one step at a time; noise-cancelling headphones in busy places",
            ),
        },
    );
    amira.family = vec![
        member(
            3,
            "Sara Khan",
            Relationship::Mother,
            true,
            Some(PARENT_PERSON),
            Some("sara.khan@example.org"),
        ),
        member(
            4,
            "Imran Khan",
            Relationship::Father,
            true,
            Some("demo-person-imran-khan"),
            None,
        ),
        member(
            5,
            "Nasreen Begum",
            Relationship::Grandparent,
            false,
            None,
            None,
        ),
    ];
    amira.all_about_me = AllAboutMe {
        what_matters: s("Drawing horses, my cat Biscuit, and knowing what is happening next."),
        how_to_support: s(
            "Tell me about changes before they happen. Let me go to the quiet room when it is too loud. Don't touch me without asking.",
        ),
        aspirations: s("I want to be a vet. Mum and Dad want me to have a friend at school."),
        history: s(
            "Mira was diagnosed autistic at 6. Year 3 was very hard and she stopped eating lunch at school. Things improved with a key adult.",
        ),
    };
    amira.education = Education {
        setting_name: s("Riverside Primary School"),
        setting_urn: s("123456"),
        setting_phase: Some(SettingPhase::Primary),
        year_group: s("Year 4"),
        sen_support_plan: None,
        attendance_percent: Some(91.2),
        attainment_summary: s(
            "Working at expected standard in maths; below in writing; reading above expected.",
        ),
        suspensions_this_year: Some(0),
        permanently_excluded: Some(false),
    };
    amira.sen_needs = SenNeeds {
        provision: Some(SenProvision::EhcPlan),
        ehc_plan_status: Some(EhcPlanStatus::Final),
        ehc_plan_issued_on: Some(today - chrono::Duration::weeks(11)),
        needs: vec![
            SenNeed {
                code: NeedCode::Asd,
                rank: 1,
            },
            SenNeed {
                code: NeedCode::Slcn,
                rank: 2,
            },
        ],
        outcomes: s(
            "By the end of Key Stage 2, Mira will manage transitions in the school day with a visual timetable and one prompt.",
        ),
        special_educational_provision: s(
            "15 hours a week of key-adult support; daily social communication group; SLT programme delivered by a trained teaching assistant.",
        ),
    };
    amira.psychology = Psychology {
        assessed_on: Some(ago(1, 6)),
        assessment_summary: s(
            "Verbal reasoning in the average range; processing speed below average; high anxiety around change.",
        ),
        advice: s(
            "Predictable routines, advance warning of change, and written as well as spoken instructions.",
        ),
    };
    amira.physical_health = PhysicalHealth {
        items: vec![
            item(
                2,
                HealthItemKind::Condition,
                "Autism",
                "Diagnosed age 6 by community paediatrics",
            ),
            item(
                3,
                HealthItemKind::Allergy,
                "Peanuts",
                "Anaphylaxis; adrenaline auto-injector in school office",
            ),
            item(
                4,
                HealthItemKind::Medicine,
                "Melatonin 2 mg",
                "At bedtime, for sleep onset",
            ),
        ],
        gp_practice: s("Mill Lane Surgery"),
        health_care_plan: Some(true),
        health_provision: s(
            "Individual health care plan for anaphylaxis; annual paediatric review.",
        ),
    };
    amira.communication = Communication {
        profile: s(
            "Fluent speech; difficulties with inference, turn-taking and reading others' intentions.",
        ),
        slt_advice: s(
            "Use social stories for new situations; check understanding by asking Mira to show, not tell.",
        ),
        targets: s(
            "Join a structured game with two peers for 10 minutes; ask an adult for help using her help card.",
        ),
        aac: None,
    };
    amira.sensory_physical = SensoryPhysical {
        ot_summary: s("Sensory profile shows auditory over-responsiveness and seeking movement."),
        physio_summary: None,
        hearing: s("Normal hearing (audiology 2023)"),
        vision: s("Normal vision"),
        equipment: s("Ear defenders; wobble cushion; writing slope"),
    };
    amira.mental_health = MentalHealth {
        camhs_status: Some(CamhsStatus::Waiting),
        referred_on: Some(ago(0, 5)),
        involvement_summary: s(
            "Referred by the GP for anxiety and food restriction at school; on the waiting list for assessment.",
        ),
    };
    amira.social_care = SocialCare {
        needs: s("Parents report exhaustion from broken nights; no safeguarding concerns."),
        family_support: s("Early help family support worker, fortnightly visits."),
        short_breaks: s("Saturday club for autistic children, two sessions a month."),
        provision: s("Short breaks under section 17 (H2)."),
    };
    amira.involvements = vec![
        involvement(
            3,
            SCHOOL,
            AgencyKind::School,
            "Mrs Patel",
            "SENCO",
            ago(3, 0),
        ),
        involvement(
            4,
            SLT,
            AgencyKind::Slt,
            "Priya Shah",
            "Speech and language therapist",
            ago(2, 0),
        ),
        involvement(
            5,
            CAMHS,
            AgencyKind::Camhs,
            "Dr Morgan",
            "Clinical psychologist (waiting list)",
            ago(0, 5),
        ),
        involvement(
            6,
            EP,
            AgencyKind::Ep,
            "Dr Lewis",
            "Educational psychologist",
            ago(1, 7),
        ),
        involvement(
            7,
            LA_SEND,
            AgencyKind::LaSend,
            "Tom Reid",
            "SEND case officer",
            ago(1, 8),
        ),
        involvement(
            8,
            HEALTH,
            AgencyKind::Health,
            "Dr Adeyemi",
            "Community paediatrician",
            ago(3, 2),
        ),
    ];
    amira
}
