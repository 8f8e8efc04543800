//! The demo families' consent grants.

use chrono::{DateTime, Duration, Utc};
use consent::{Capture, Grant, GrantorCapacity, Purpose, Recipient, Withdrawal};
use domain::{AgencyKind, Scope};
use uuid::Uuid;

use super::id::{
    AMIRA, CHLOE, COLLEGE, JAYDEN, PARENT_PERSON, POPPY, SCHOOL, SLT, YOUNG_PERSON, id,
};

/// A grant in the demo, `days` old.
#[allow(clippy::too_many_arguments)]
fn demo_grant(
    n: u128,
    child_id: Uuid,
    grantor: &str,
    capacity: GrantorCapacity,
    recipient: Recipient,
    scopes: &[Scope],
    purposes: &[Purpose],
    now: DateTime<Utc>,
    days: i64,
) -> Grant {
    Grant {
        id: id(0x700 + n),
        child_id,
        grantor_person_id: grantor.to_owned(),
        capacity,
        recipient,
        scopes: scopes.iter().copied().collect(),
        purposes: purposes.iter().copied().collect(),
        valid_from: now - Duration::days(days),
        valid_until: None,
        capture: Capture::Digital,
        recorded_at: now - Duration::days(days),
        withdrawal: None,
        confirmed_at: None,
        notice_version: crate::config::DEFAULT_PRIVACY_NOTICE_VERSION.to_owned(),
        agreement_version: 1,
        needs_family_confirmation: false,
    }
}

/// The demo families' consent: some scopes granted, some not, one grant
/// withdrawn, one expired, one recorded from a phone call, and a parent's
/// grant waiting for a young person to review.
pub fn grants(now: DateTime<Utc>) -> Vec<Grant> {
    use Purpose::{AnnualReview, DirectSupport, EhcAssessment};
    use Scope::*;
    let pr = GrantorCapacity::ParentalResponsibility;
    let mut out = vec![
        // Amira: her school reads what it needs to teach her.
        demo_grant(
            1,
            AMIRA,
            PARENT_PERSON,
            pr,
            Recipient::Agency(SCHOOL),
            &[
                AllAboutMe,
                Education,
                SenNeeds,
                Communication,
                PhysicalHealth,
                Family,
            ],
            &[DirectSupport, AnnualReview],
            now,
            200,
        ),
        // ... CAMHS reads her mental health and her own words.
        demo_grant(
            2,
            AMIRA,
            PARENT_PERSON,
            pr,
            Recipient::Kind(AgencyKind::Camhs),
            &[MentalHealth, AllAboutMe, PhysicalHealth],
            &[DirectSupport, EhcAssessment],
            now,
            150,
        ),
        // ... educational psychology, for her assessments.
        demo_grant(
            3,
            AMIRA,
            PARENT_PERSON,
            pr,
            Recipient::Kind(AgencyKind::Ep),
            &[Psychology, Education, SenNeeds, AllAboutMe],
            &[DirectSupport, EhcAssessment, AnnualReview],
            now,
            400,
        ),
        // ... speech and language therapy, since withdrawn (below).
        demo_grant(
            4,
            AMIRA,
            PARENT_PERSON,
            pr,
            Recipient::Agency(SLT),
            &[Communication, AllAboutMe, Education],
            &[DirectSupport],
            now,
            300,
        ),
        // Jayden: CAMHS had a six-month grant that has expired.
        demo_grant(
            5,
            JAYDEN,
            "demo-person-leanne-clarke",
            pr,
            Recipient::Kind(AgencyKind::Camhs),
            &[MentalHealth, AllAboutMe],
            &[DirectSupport],
            now,
            250,
        ),
        // ... youth justice may read his education and needs.
        demo_grant(
            6,
            JAYDEN,
            "demo-person-leanne-clarke",
            pr,
            Recipient::Kind(AgencyKind::YouthJustice),
            &[Education, SenNeeds, AllAboutMe],
            &[DirectSupport],
            now,
            90,
        ),
        // Poppy: her mum agreed on the phone that SLT may read her communication profile.
        demo_grant(
            7,
            POPPY,
            "demo-person-grace-okafor",
            pr,
            Recipient::Kind(AgencyKind::Slt),
            &[Communication, AllAboutMe, Education],
            &[DirectSupport, AnnualReview],
            now,
            60,
        ),
        // Chloe (17): her own grants to her college and to social care.
        demo_grant(
            8,
            CHLOE,
            YOUNG_PERSON,
            GrantorCapacity::YoungPerson,
            Recipient::Agency(COLLEGE),
            &[
                AllAboutMe,
                Education,
                SenNeeds,
                Communication,
                PreparingForAdulthood,
            ],
            &[DirectSupport, AnnualReview],
            now,
            30,
        ),
        demo_grant(
            9,
            CHLOE,
            YOUNG_PERSON,
            GrantorCapacity::YoungPerson,
            Recipient::Kind(AgencyKind::SocialCare),
            &[SocialCare, PreparingForAdulthood, AllAboutMe],
            &[DirectSupport],
            now,
            20,
        ),
        // ... and one her mother made before she turned 16, waiting for her review.
        demo_grant(
            10,
            CHLOE,
            "demo-person-rhian-evans",
            pr,
            Recipient::Kind(AgencyKind::Ot),
            &[SensoryPhysical, PhysicalHealth, AllAboutMe],
            &[DirectSupport, AnnualReview],
            now,
            900,
        ),
    ];
    out[3].withdrawal = Some(Withdrawal {
        id: id(0x7a4),
        at: now - Duration::days(10),
        by_person_id: PARENT_PERSON.to_owned(),
        capacity: pr,
        reason: Some("We have moved to a private speech therapist.".to_owned()),
        capture: Capture::Digital,
    });
    out[4].valid_until = Some(now - Duration::days(70));
    out[6].capture = Capture::Verbal {
        recorded_by: "demo-slt".to_owned(),
        evidence: "phone call 3 November 2026 10:15, call log SLT-0412".to_owned(),
    };
    out
}
