//! The demo personas: one per kind of user, with what their token claims.

use consent::Role;
use domain::AgencyKind;
use uuid::Uuid;

use super::id::{
    CAMHS, EP, HEALTH, JAYDEN_PARENT_PERSON, LA_SEND, OT, PARENT_PERSON, SCHOOL, SLT, SOCIAL_CARE,
    YOUNG_PERSON, YOUTH_JUSTICE,
};

/// A demo persona: who they are and what their token claims.
#[derive(Debug, Clone)]
pub struct Persona {
    pub name: &'static str,
    pub description: &'static str,
    pub agency: Option<(Uuid, AgencyKind)>,
    pub roles: &'static [Role],
    pub person_id: Option<&'static str>,
}

pub fn personas() -> Vec<Persona> {
    let p = |name, description, agency, roles, person_id| Persona {
        name,
        description,
        agency,
        roles,
        person_id,
    };
    vec![
        p(
            "senco",
            "SENCO at Riverside Primary School",
            Some((SCHOOL, AgencyKind::School)),
            &[Role::Practitioner][..],
            None,
        ),
        p(
            "camhs",
            "CAMHS clinician",
            Some((CAMHS, AgencyKind::Camhs)),
            &[Role::Practitioner],
            None,
        ),
        p(
            "slt",
            "Speech and language therapist",
            Some((SLT, AgencyKind::Slt)),
            &[Role::Practitioner],
            None,
        ),
        p(
            "ot",
            "Occupational therapist",
            Some((OT, AgencyKind::Ot)),
            &[Role::Practitioner],
            None,
        ),
        p(
            "ep",
            "Educational psychologist",
            Some((EP, AgencyKind::Ep)),
            &[Role::Practitioner],
            None,
        ),
        p(
            "social-worker",
            "Social worker (designated safeguarding lead)",
            Some((SOCIAL_CARE, AgencyKind::SocialCare)),
            &[Role::Practitioner, Role::SafeguardingLead],
            None,
        ),
        p(
            "yot",
            "Youth justice worker",
            Some((YOUTH_JUSTICE, AgencyKind::YouthJustice)),
            &[Role::Practitioner],
            None,
        ),
        p(
            "health",
            "Community paediatrician",
            Some((HEALTH, AgencyKind::Health)),
            &[Role::Practitioner],
            None,
        ),
        p(
            "case-officer",
            "SEND case officer, Northshire Council",
            Some((LA_SEND, AgencyKind::LaSend)),
            &[Role::CaseOfficer],
            None,
        ),
        p(
            "parent",
            "Sara Khan, Amira's mother (parental responsibility)",
            None,
            &[Role::Family],
            Some(PARENT_PERSON),
        ),
        p(
            "jayden-parent",
            "Leanne Clarke, Jayden's mother: his draft plan awaits her response",
            None,
            &[Role::Family],
            Some(JAYDEN_PARENT_PERSON),
        ),
        p(
            "young-person",
            "Chloe Evans, 17, her own record",
            None,
            &[Role::YoungPerson],
            Some(YOUNG_PERSON),
        ),
        p(
            "ig-auditor",
            "Information-governance auditor, Northshire Council",
            Some((LA_SEND, AgencyKind::LaSend)),
            &[Role::IgAuditor],
            None,
        ),
        p(
            "ig-admin",
            "Information-governance administrator (publishes agreements)",
            Some((LA_SEND, AgencyKind::LaSend)),
            &[Role::IgAdmin],
            None,
        ),
    ]
}

pub fn persona(name: &str) -> Option<Persona> {
    personas().into_iter().find(|p| p.name == name)
}
