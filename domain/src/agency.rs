//! Agencies and their kinds.

use uuid::Uuid;

use crate::Scope;

crate::code_enum! {
    /// The kind of organisation a practitioner works for (the JWT's
    /// `agency_kind` claim, lower case there: see [`AgencyKind::claim`]).
    pub enum AgencyKind("agency kind") {
        School = "SCHOOL",
        Camhs = "CAMHS",
        Slt = "SLT",
        Ot = "OT",
        Ep = "EP",
        SocialCare = "SOCIAL_CARE",
        YouthJustice = "YOUTH_JUSTICE",
        Health = "HEALTH",
        LaSend = "LA_SEND",
    }
}

impl AgencyKind {
    /// The lower-case spelling used in JWT claims (`la_send`, `camhs`, …).
    pub fn claim(self) -> String {
        self.code().to_ascii_lowercase()
    }

    /// Parses the lower-case claim spelling.
    pub fn from_claim(claim: &str) -> Option<Self> {
        claim.to_ascii_uppercase().parse().ok()
    }

    /// The scope an involvement of this kind of service belongs to: knowing
    /// that CAMHS is involved is itself mental-health information.
    pub fn involvement_scope(self) -> Scope {
        match self {
            AgencyKind::School => Scope::Education,
            AgencyKind::Camhs => Scope::MentalHealth,
            AgencyKind::Slt => Scope::Communication,
            AgencyKind::Ot => Scope::SensoryPhysical,
            AgencyKind::Ep => Scope::Psychology,
            AgencyKind::SocialCare => Scope::SocialCare,
            AgencyKind::YouthJustice => Scope::Restricted,
            AgencyKind::Health => Scope::PhysicalHealth,
            AgencyKind::LaSend => Scope::SenNeeds,
        }
    }

    /// How the kind reads to a family.
    pub fn label(self) -> &'static str {
        match self {
            AgencyKind::School => "School or setting",
            AgencyKind::Camhs => "Children and young people's mental health service (CAMHS)",
            AgencyKind::Slt => "Speech and language therapy",
            AgencyKind::Ot => "Occupational therapy",
            AgencyKind::Ep => "Educational psychology",
            AgencyKind::SocialCare => "Children's social care",
            AgencyKind::YouthJustice => "Youth justice service",
            AgencyKind::Health => "Health (paediatrics, GP, school nursing)",
            AgencyKind::LaSend => "Council SEND team",
        }
    }
}

crate::code_enum! {
    /// The register an agency's external identifier comes from: how an
    /// identity provider names the agency in its tokens.
    pub enum IdentifierScheme("agency identifier scheme") {
        /// NHS Organisation Data Service code (trusts, GP practices; CIS2's
        /// `org_code`).
        Ods = "ODS",
        /// A school's Unique Reference Number (Get Information about Schools).
        Urn = "URN",
        /// The DfE's three-digit local authority code.
        LaCode = "LA_CODE",
        /// UK Provider Reference Number (colleges, training providers).
        Ukprn = "UKPRN",
    }
}

/// An agency's identifier in an external register: unique per scheme.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AgencyIdentifier {
    pub scheme: IdentifierScheme,
    /// As the register spells it, trimmed and upper-cased (ODS codes are
    /// matched case-insensitively).
    pub value: String,
}

impl AgencyIdentifier {
    /// Trims and upper-cases `value`; `None` if it is empty.
    pub fn new(scheme: IdentifierScheme, value: &str) -> Option<Self> {
        let value = value.trim().to_ascii_uppercase();
        (!value.is_empty()).then_some(Self { scheme, value })
    }
}

/// An organisation that reads and contributes to records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agency {
    pub id: Uuid,
    pub name: String,
    pub kind: AgencyKind,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_round_trip() {
        for kind in AgencyKind::ALL {
            assert_eq!(AgencyKind::from_claim(&kind.claim()), Some(*kind));
        }
        assert_eq!(AgencyKind::from_claim("la_send"), Some(AgencyKind::LaSend));
        assert_eq!(AgencyKind::from_claim("police"), None);
    }
}
