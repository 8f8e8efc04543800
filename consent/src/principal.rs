//! Who is asking, and why.

use std::collections::BTreeSet;

use domain::AgencyKind;
use uuid::Uuid;

domain::code_enum! {
    /// A role named in the JWT `roles` claim (lower case there).
    pub enum Role("role") {
        Family = "FAMILY",
        YoungPerson = "YOUNG_PERSON",
        CaseOfficer = "CASE_OFFICER",
        Practitioner = "PRACTITIONER",
        SafeguardingLead = "SAFEGUARDING_LEAD",
        IgAuditor = "IG_AUDITOR",
        IgAdmin = "IG_ADMIN",
        /// The organisation's Caldicott Guardian: reviews and may approve
        /// safeguarding overrides; like IG staff, never reads content.
        CaldicottGuardian = "CALDICOTT_GUARDIAN",
    }
}

impl Role {
    pub fn from_claim(claim: &str) -> Option<Self> {
        claim.to_ascii_uppercase().parse().ok()
    }

    pub fn claim(self) -> String {
        self.code().to_ascii_lowercase()
    }

    /// Information-governance roles (the Caldicott Guardian among them):
    /// they see the trace, never content.
    pub fn is_ig(self) -> bool {
        matches!(
            self,
            Role::IgAuditor | Role::IgAdmin | Role::CaldicottGuardian
        )
    }

    /// Roles that act for an agency on a child's record.
    pub fn is_practitioner(self) -> bool {
        matches!(
            self,
            Role::CaseOfficer | Role::Practitioner | Role::SafeguardingLead
        )
    }
}

domain::code_enum! {
    /// Purpose of use, stated with every practitioner request.
    pub enum Purpose("purpose of use") {
        DirectSupport = "DIRECT_SUPPORT",
        EhcAssessment = "EHC_ASSESSMENT",
        AnnualReview = "ANNUAL_REVIEW",
        Safeguarding = "SAFEGUARDING",
    }
}

/// The agency a principal acts for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AgencyRef {
    pub id: Uuid,
    pub kind: AgencyKind,
}

/// A verified caller: built by `api` from a checked JWT, never from headers
/// a resolver reads itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The token's `sub`.
    pub subject: String,
    /// Set for practitioners and IG staff; families act for no agency.
    pub agency: Option<AgencyRef>,
    pub roles: BTreeSet<Role>,
    /// The identity-provider person id of a family member or young person.
    pub person_id: Option<String>,
    /// The purpose stated for this request, if any.
    pub purpose: Option<Purpose>,
}

impl Principal {
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    pub fn is_ig(&self) -> bool {
        self.roles.iter().any(|r| r.is_ig())
    }

    /// Acts for an agency in a practitioner role.
    pub fn is_practitioner(&self) -> bool {
        self.agency.is_some() && self.roles.iter().any(|r| r.is_practitioner())
    }

    pub fn agency_kind(&self) -> Option<AgencyKind> {
        self.agency.map(|a| a.kind)
    }
}

/// A purpose of use in plain words.
/// What a purpose needs before statutory sharing opens for it (the same
/// words whatever the child, so they reveal nothing about one).
pub fn purpose_requirement(purpose: Purpose) -> &'static str {
    match purpose {
        Purpose::DirectSupport => {
            "for DIRECT_SUPPORT the law opens a record only to an agency with a recorded, current involvement with the child"
        }
        Purpose::EhcAssessment => {
            "for EHC_ASSESSMENT the law opens a record only while an EHC needs assessment is open, and to an agency other than the council only while it has an open advice request for the child"
        }
        Purpose::AnnualReview => {
            "for ANNUAL_REVIEW the law opens a record only while an EHC plan is maintained"
        }
        Purpose::Safeguarding => {
            "for SAFEGUARDING the law opens a record only under your own active safeguarding override or with a current involvement"
        }
    }
}

pub fn purpose_words(purpose: Purpose) -> &'static str {
    match purpose {
        Purpose::DirectSupport => "direct support",
        Purpose::EhcAssessment => "an EHC needs assessment",
        Purpose::AnnualReview => "an annual review",
        Purpose::Safeguarding => "safeguarding",
    }
}
