//! The decision: for one principal, one child, one purpose and one moment,
//! each scope is allowed on a named basis or denied with a reason.
//!
//! Order of reasoning for a practitioner and scope S:
//! 1. the agreement must let the agency kind read S for the purpose
//!    (otherwise NOT_PERMITTED: nobody can widen it);
//! 2. a statutory rule gives PUBLIC_TASK;
//! 3. for the SAFEGUARDING purpose, an active override held by the caller
//!    that covers S gives SAFEGUARDING;
//! 4. active grants covering the agency, S and the purpose give CONSENT
//!    (never for RESTRICTED);
//! 5. otherwise CONSENT_REQUIRED (RESTRICTED: NOT_PERMITTED).

use chrono::{DateTime, Utc};
use domain::Scope;

use crate::{
    AccessDecision, Agreement, Basis, ChildFacts, DenialCode, FamilyRefusal, FamilyRole, Grant,
    Override, Principal, Purpose, Role, ScopeDecision, purpose_words,
};

/// Everything the decision reads, loaded by the caller for this request.
#[derive(Debug, Clone, Copy)]
pub struct DecisionInput<'a> {
    pub child: &'a ChildFacts,
    pub grants: &'a [Grant],
    pub overrides: &'a [Override],
    pub agreement: &'a Agreement,
    pub now: DateTime<Utc>,
}

const RESTRICTED_REASON: &str =
    "restricted information is shared only on a statutory or safeguarding basis";

fn denied(code: DenialCode, reason: impl Into<String>) -> ScopeDecision {
    ScopeDecision::denied(code, reason)
}

/// Decides every scope for `principal`.
pub fn decide(principal: &Principal, input: &DecisionInput<'_>) -> AccessDecision {
    let version = input.agreement.version;
    if principal.is_ig() {
        return AccessDecision::from_fn(version, |_| {
            denied(
                DenialCode::NotPermitted,
                "information-governance roles see the access trace, never record content",
            )
        });
    }
    let today = input.now.date_naive();
    if let Some(person) = principal.person_id.as_deref()
        && (principal.has(Role::Family) || principal.has(Role::YoungPerson))
        && !principal.is_practitioner()
    {
        let view = FamilyRole::of(principal)
            .ok_or(FamilyRefusal::NoRelationship)
            .and_then(|role| input.child.family_view(person, role, today));
        return AccessDecision::from_fn(version, |scope| {
            match view.as_ref().map_err(|e| *e).and_then(|v| v.scope(scope)) {
                Ok(_) if scope == Scope::Restricted => {
                    denied(DenialCode::NotPermitted, RESTRICTED_REASON)
                }
                Ok(access) => ScopeDecision::Allowed(Basis::family(access)),
                Err(why) => denied(DenialCode::NotPermitted, why.to_string()),
            }
        });
    }
    let (Some(agency), Some(purpose), true) = (
        principal.agency,
        principal.purpose,
        principal.is_practitioner(),
    ) else {
        return AccessDecision::from_fn(version, |_| {
            denied(
                DenialCode::NotPermitted,
                "you have no relationship with this child's record",
            )
        });
    };
    AccessDecision::from_fn(version, |scope| {
        let permission = input.agreement.permission(agency.kind, scope, purpose);
        if !permission.read {
            return denied(
                DenialCode::NotPermitted,
                format!(
                    "the data-sharing agreement (version {version}) does not let {} read {} for {}",
                    agency.kind.label(),
                    scope.label().to_lowercase(),
                    purpose_words(purpose)
                ),
            );
        }
        if permission.statutory {
            return ScopeDecision::Allowed(Basis::public_task(purpose, version));
        }
        if purpose == Purpose::Safeguarding {
            let mut held: Vec<&Override> = input
                .overrides
                .iter()
                .filter(|o| {
                    o.child_id == input.child.id
                        && o.held_by(principal)
                        && o.covers(scope)
                        && o.active(input.now)
                })
                .collect();
            held.sort_by_key(|o| o.id);
            if let Some(o) = held.first() {
                return ScopeDecision::Allowed(Basis::safeguarding(o.id, o.ends_at, version));
            }
        }
        if !scope.consentable() {
            return denied(DenialCode::NotPermitted, RESTRICTED_REASON);
        }
        let grant_ids: Vec<_> = input
            .grants
            .iter()
            .filter(|g| {
                g.child_id == input.child.id && g.allows(&agency, scope, purpose, input.now)
            })
            .map(|g| g.id)
            .collect();
        let Some(basis) = Basis::consent(grant_ids, version) else {
            return denied(
                DenialCode::ConsentRequired,
                format!(
                    "the family has not consented to share {} with {} for {}",
                    scope.label().to_lowercase(),
                    agency.kind.label(),
                    purpose_words(purpose)
                ),
            );
        };
        ScopeDecision::Allowed(basis)
    })
}
