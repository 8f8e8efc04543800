//! The foundation's interim access rule, until the consent engine replaces
//! it behind the same [`AccessDecision`]:
//!
//! - IG roles see no record content;
//! - a family member with parental responsibility, and the young person
//!   themself, see the whole record except RESTRICTED;
//! - practitioners see IDENTITY only;
//! - everyone else sees nothing.

use domain::Scope;

use crate::{AccessDecision, BasisKind, DenialCode, Principal, Role, ScopeDecision};

/// The facts about a child that the rule needs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChildFacts {
    /// The young person's own sign-in identity, if they have one.
    pub young_person_id: Option<String>,
    /// Person ids of family members who hold parental responsibility.
    pub parental_responsibility: Vec<String>,
}

const RESTRICTED_REASON: &str =
    "restricted information is shared only on a statutory or safeguarding basis";

/// Decides every scope for `principal` on the child described by `facts`.
pub fn decide(principal: &Principal, facts: &ChildFacts) -> AccessDecision {
    let deny_all = |reason: &'static str| {
        AccessDecision::from_fn(|_| ScopeDecision::denied(DenialCode::NotPermitted, reason))
    };
    if principal.is_ig() {
        return deny_all("information-governance roles see the access trace, never record content");
    }
    let person = principal.person_id.as_deref();
    let is_pr_holder = principal.has(Role::Family)
        && person.is_some_and(|p| facts.parental_responsibility.iter().any(|q| q == p));
    let is_young_person = principal.has(Role::YoungPerson)
        && person.is_some()
        && person == facts.young_person_id.as_deref();
    if is_pr_holder || is_young_person {
        let explanation = if is_young_person {
            "this is your own record"
        } else {
            "you hold parental responsibility for this child"
        };
        return AccessDecision::from_fn(|scope| {
            if scope == Scope::Restricted {
                ScopeDecision::denied(DenialCode::NotPermitted, RESTRICTED_REASON)
            } else {
                ScopeDecision::allowed(BasisKind::Family, explanation)
            }
        });
    }
    if principal.is_practitioner() {
        return AccessDecision::from_fn(|scope| {
            if scope == Scope::Identity {
                ScopeDecision::allowed(
                    BasisKind::InterimRule,
                    "practitioners may identify the child they support",
                )
            } else if scope == Scope::Restricted {
                ScopeDecision::denied(DenialCode::NotPermitted, RESTRICTED_REASON)
            } else {
                ScopeDecision::denied(
                    DenialCode::NotPermitted,
                    "until consent enforcement is switched on, practitioners see identity only",
                )
            }
        });
    }
    deny_all("you have no relationship with this child's record")
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use domain::AgencyKind;
    use uuid::Uuid;

    use super::*;
    use crate::{AgencyRef, Purpose};

    fn principal(roles: &[Role], agency: Option<AgencyKind>, person: Option<&str>) -> Principal {
        Principal {
            subject: "sub".into(),
            agency: agency.map(|kind| AgencyRef {
                id: Uuid::nil(),
                kind,
            }),
            roles: roles.iter().copied().collect::<BTreeSet<_>>(),
            person_id: person.map(str::to_owned),
            purpose: Some(Purpose::DirectSupport),
        }
    }

    fn facts() -> ChildFacts {
        ChildFacts {
            young_person_id: Some("yp-1".into()),
            parental_responsibility: vec!["mum-1".into()],
        }
    }

    /// Asserts exactly `allowed` scopes are allowed for `p`.
    fn check(p: &Principal, allowed: &[Scope]) {
        let d = decide(p, &facts());
        for (scope, outcome) in d.iter() {
            assert_eq!(
                outcome.is_allowed(),
                allowed.contains(&scope),
                "{scope} for {:?}",
                p.roles
            );
        }
    }

    #[test]
    fn interim_matrix() {
        let everything_but_restricted: Vec<Scope> = Scope::ALL
            .iter()
            .copied()
            .filter(|s| *s != Scope::Restricted)
            .collect();
        check(
            &principal(&[Role::Family], None, Some("mum-1")),
            &everything_but_restricted,
        );
        check(&principal(&[Role::Family], None, Some("someone-else")), &[]);
        check(&principal(&[Role::Family], None, None), &[]);
        check(
            &principal(&[Role::YoungPerson], None, Some("yp-1")),
            &everything_but_restricted,
        );
        check(&principal(&[Role::YoungPerson], None, Some("mum-1")), &[]);
        check(
            &principal(&[Role::Practitioner], Some(AgencyKind::Camhs), None),
            &[Scope::Identity],
        );
        check(
            &principal(&[Role::CaseOfficer], Some(AgencyKind::LaSend), None),
            &[Scope::Identity],
        );
        check(&principal(&[Role::Practitioner], None, None), &[]);
        check(
            &principal(&[Role::IgAuditor], Some(AgencyKind::LaSend), None),
            &[],
        );
        check(
            &principal(
                &[Role::IgAdmin, Role::Practitioner],
                Some(AgencyKind::LaSend),
                None,
            ),
            &[],
        );
        check(
            &principal(&[], Some(AgencyKind::School), Some("mum-1")),
            &[],
        );
    }
}
