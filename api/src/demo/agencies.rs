//! The demo's fictional agencies.

use domain::{Agency, AgencyKind};

use super::id::{
    CAMHS, COLLEGE, EP, HEALTH, LA_SEND, NURSERY, OT, SCHOOL, SLT, SOCIAL_CARE, YOUTH_JUSTICE,
};

pub fn agencies() -> Vec<Agency> {
    let a = |id, name: &str, kind| Agency {
        id,
        name: name.to_owned(),
        kind,
    };
    vec![
        a(SCHOOL, "Riverside Primary School", AgencyKind::School),
        a(NURSERY, "Little Acorns Nursery", AgencyKind::School),
        a(COLLEGE, "Northgate Sixth Form College", AgencyKind::School),
        a(CAMHS, "Northshire CAMHS", AgencyKind::Camhs),
        a(
            SLT,
            "Northshire Children's Speech and Language Therapy",
            AgencyKind::Slt,
        ),
        a(
            OT,
            "Northshire Children's Occupational Therapy",
            AgencyKind::Ot,
        ),
        a(
            EP,
            "Northshire Educational Psychology Service",
            AgencyKind::Ep,
        ),
        a(
            SOCIAL_CARE,
            "Northshire Children's Social Care",
            AgencyKind::SocialCare,
        ),
        a(
            YOUTH_JUSTICE,
            "Northshire Youth Justice Service",
            AgencyKind::YouthJustice,
        ),
        a(
            HEALTH,
            "Northshire Community Paediatrics",
            AgencyKind::Health,
        ),
        a(LA_SEND, "Northshire Council SEND Team", AgencyKind::LaSend),
    ]
}
