//! The demo's fictional agencies.

use domain::{Agency, AgencyIdentifier, AgencyKind, IdentifierScheme};
use uuid::Uuid;

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

/// The demo agencies' identifiers in external registers, so the register
/// reads as a real one: ODS codes for the NHS services, URNs for the
/// settings, the council's LA code (all fictional).
pub fn identifiers() -> Vec<(Uuid, AgencyIdentifier)> {
    let i = |id, scheme, value: &str| {
        (
            id,
            AgencyIdentifier {
                scheme,
                value: value.to_owned(),
            },
        )
    };
    vec![
        i(SCHOOL, IdentifierScheme::Urn, "199901"),
        i(NURSERY, IdentifierScheme::Urn, "199902"),
        i(COLLEGE, IdentifierScheme::Urn, "199903"),
        i(COLLEGE, IdentifierScheme::Ukprn, "10099901"),
        i(CAMHS, IdentifierScheme::Ods, "RZZ01"),
        i(SLT, IdentifierScheme::Ods, "RZZ02"),
        i(OT, IdentifierScheme::Ods, "RZZ03"),
        i(HEALTH, IdentifierScheme::Ods, "RZZ04"),
        i(LA_SEND, IdentifierScheme::LaCode, "999"),
    ]
}
