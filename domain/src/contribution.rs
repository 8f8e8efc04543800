//! Tell it once: what families and agencies say, captured once, kept with
//! its provenance, and reused wherever a basis allows.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{AgencyKind, AllAboutMe, ChildId, Scope};

crate::code_enum! {
    /// What kind of contribution an agency makes.
    pub enum ContributionKind("contribution kind") {
        /// Advice for an EHC needs assessment (EHC plan section K).
        Advice = "ADVICE",
        /// The findings of an assessment.
        Assessment = "ASSESSMENT",
        /// An update on how things are going.
        Update = "UPDATE",
    }
}

/// An agency's contribution to one scope of a child's record. Immutable: a
/// correction is a new contribution that `supersedes` the old one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contribution {
    pub id: Uuid,
    pub child_id: ChildId,
    pub scope: Scope,
    pub agency_id: Uuid,
    pub agency_kind: AgencyKind,
    /// The practitioner's subject.
    pub author: String,
    pub kind: ContributionKind,
    pub title: String,
    /// Needs identified (EHC plan sections B, C, D).
    pub needs: Option<String>,
    /// Outcomes sought (section E).
    pub outcomes: Option<String>,
    /// Provision required (sections F, G, H).
    pub provision: Option<String>,
    /// Anything else practice needs to say.
    pub notes: Option<String>,
    /// Structured advice, written against a template.
    pub content: Option<crate::template::AdviceContent>,
    pub supersedes: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

/// The contributions still current: those no later contribution supersedes.
pub fn current(contributions: &[Contribution]) -> Vec<&Contribution> {
    contributions
        .iter()
        .filter(|c| {
            !contributions
                .iter()
                .any(|later| later.supersedes == Some(c.id))
        })
        .collect()
}

crate::code_enum! {
    /// In which capacity someone wrote "all about me".
    pub enum WrittenAs("written as") {
        /// A person with parental responsibility.
        Parent = "PARENT",
        /// The child or young person, in their own words.
        YoungPerson = "YOUNG_PERSON",
    }
}

/// One version of the family's "all about me" (EHC plan section A).
#[derive(Debug, Clone, PartialEq)]
pub struct AllAboutMeVersion {
    pub version: i32,
    pub content: AllAboutMe,
    pub written_by: String,
    pub written_as: WrittenAs,
    pub written_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(n: u128, supersedes: Option<u128>) -> Contribution {
        Contribution {
            id: Uuid::from_u128(n),
            child_id: Uuid::nil(),
            scope: Scope::Communication,
            agency_id: Uuid::nil(),
            agency_kind: AgencyKind::Slt,
            author: "slt".into(),
            kind: ContributionKind::Advice,
            title: "t".into(),
            needs: None,
            outcomes: None,
            provision: None,
            notes: None,
            supersedes: supersedes.map(Uuid::from_u128),
            created_at: DateTime::<Utc>::MIN_UTC,
            content: None,
        }
    }

    #[test]
    fn superseded_contributions_are_not_current() {
        let all = vec![c(1, None), c(2, Some(1)), c(3, None), c(4, Some(2))];
        let ids: Vec<u128> = current(&all).iter().map(|c| c.id.as_u128()).collect();
        assert_eq!(ids, vec![3, 4]);
    }
}
