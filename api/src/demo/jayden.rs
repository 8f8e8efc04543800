//! Jayden, 15: Year 10/11, SEMH, suspensions, social care and youth justice.

use chrono::{Duration, NaiveDate};
use domain::{
    AgencyKind, AllAboutMe, CamhsStatus, ChildRecord, Education, EhcPlanStatus, Identity,
    MentalHealth, NeedCode, Psychology, Relationship, RestrictedItem, RestrictedKind, SenNeed,
    SenNeeds, SenProvision, SettingPhase, SocialCare,
};

use super::id::{CAMHS, EP, JAYDEN, JAYDEN_PARENT_PERSON, SOCIAL_CARE, YOUTH_JUSTICE, id};
use super::record::{involvement, member, s, test_nhs, test_upn, years_ago};

/// Jayden's record, dated relative to `today`.
pub(super) fn record(today: NaiveDate) -> ChildRecord {
    let ago = |y, m| years_ago(today, y, m);
    let mut jayden = ChildRecord::new(
        JAYDEN,
        Some("demo-person-jayden-clarke".into()),
        Identity {
            given_name: "Jayden".into(),
            family_name: "Clarke".into(),
            preferred_name: s("JJ"),
            date_of_birth: ago(15, 9),
            nhs_number: test_nhs(3003),
            upn: test_upn(302),
            address_line: s("27 Castle Street"),
            town: s("Northshire"),
            postcode: s("NS3 1JD"),
            home_language: s("English"),
            communication_needs: None,
        },
    );
    jayden.family = vec![
        member(
            6,
            "Leanne Clarke",
            Relationship::Mother,
            true,
            Some(JAYDEN_PARENT_PERSON),
            Some("leanne@example.org"),
        ),
        member(
            7,
            "Northshire Council",
            Relationship::LocalAuthority,
            false,
            None,
            None,
        ),
    ];
    jayden.all_about_me = AllAboutMe {
        what_matters: s("Football, my little sister, and not being treated like I'm stupid."),
        how_to_support: s("Talk to me on my own, not in front of the class. Give me a job to do."),
        aspirations: s("I want to do a mechanics course at college and get my CSCS card."),
        history: s(
            "Moved schools twice. Things at home were hard for a while. I'm doing better since I started at the alternative provision two days a week.",
        ),
    };
    jayden.education = Education {
        setting_name: s("Northshire Academy"),
        setting_urn: s("654321"),
        setting_phase: Some(SettingPhase::Secondary),
        year_group: s("Year 11"),
        sen_support_plan: s(
            "Part-time alternative provision (motor vehicle) two days a week; mentor sessions.",
        ),
        attendance_percent: Some(72.4),
        attainment_summary: s("Predicted grade 4 in maths, grade 3 in English."),
        suspensions_this_year: Some(3),
        permanently_excluded: Some(false),
    };
    jayden.sen_needs = SenNeeds {
        provision: Some(SenProvision::SenSupport),
        ehc_plan_status: Some(EhcPlanStatus::DraftIssued),
        ehc_plan_issued_on: None,
        needs: vec![
            SenNeed {
                code: NeedCode::Semh,
                rank: 1,
            },
            SenNeed {
                code: NeedCode::Spld,
                rank: 2,
            },
        ],
        outcomes: s("Jayden will move to a college course with a plan that keeps him in learning."),
        special_educational_provision: s("Mentoring, reader for exams, access to a time-out pass."),
    };
    jayden.psychology = Psychology {
        assessed_on: Some(ago(0, 2)),
        assessment_summary: s("Dyslexic profile; strengths in visual-spatial reasoning."),
        advice: s("Exam access arrangements (reader, extra time); practical, hands-on learning."),
    };
    jayden.mental_health = MentalHealth {
        camhs_status: Some(CamhsStatus::Open),
        referred_on: Some(ago(1, 0)),
        involvement_summary: s("Seen by CAMHS for low mood and anger; fortnightly sessions."),
    };
    jayden.social_care = SocialCare {
        needs: s("Child in need plan; support for mum with housing."),
        family_support: s("Allocated social worker; family group conference held."),
        short_breaks: None,
        provision: s("Child in need plan reviewed every 3 months."),
    };
    jayden.restricted = vec![
        RestrictedItem {
            id: id(0x601),
            kind: RestrictedKind::ChildInNeed,
            summary: "Child in need plan since last year; see social care record.".into(),
            since: Some(ago(1, 1)),
            until: None,
        },
        RestrictedItem {
            id: id(0x602),
            kind: RestrictedKind::YouthJusticeOrder,
            summary: "Referral order, 6 months, for criminal damage.".into(),
            since: Some(ago(0, 4)),
            until: Some(today + Duration::days(60)),
        },
    ];
    jayden.involvements = vec![
        involvement(
            9,
            SOCIAL_CARE,
            AgencyKind::SocialCare,
            "Kelly Brown",
            "Social worker",
            ago(1, 1),
        ),
        involvement(
            10,
            YOUTH_JUSTICE,
            AgencyKind::YouthJustice,
            "Marcus Hall",
            "Youth justice worker",
            ago(0, 4),
        ),
        involvement(
            11,
            CAMHS,
            AgencyKind::Camhs,
            "Dr Morgan",
            "Clinical psychologist",
            ago(1, 0),
        ),
        involvement(
            12,
            EP,
            AgencyKind::Ep,
            "Dr Lewis",
            "Educational psychologist",
            ago(0, 2),
        ),
    ];
    jayden
}
