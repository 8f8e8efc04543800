//! The decision: for one principal, one child, one purpose and one moment,
//! each scope is allowed on a named basis or denied with a reason.
//!
//! Order of reasoning for a practitioner and scope S:
//! 0. EHC_ASSESSMENT without an open assessment, or ANNUAL_REVIEW without a
//!    maintained plan, is not a true purpose: every scope is
//!    PURPOSE_NOT_ESTABLISHED, whatever the family agreed;
//! 1. for EHC_ASSESSMENT, an open advice request to the caller's agency
//!    that shares S (ALL_ABOUT_ME, or what the council attached) gives
//!    PUBLIC_TASK bound to the request: the duty to give advisers the
//!    family's views and evidence, which the agreement cannot narrow;
//! 2. the agreement must let the agency kind read S for the purpose
//!    (otherwise NOT_PERMITTED: nobody can widen it);
//! 3. a statutory rule gives PUBLIC_TASK, bound to the fact that makes the
//!    purpose true for this child and caller ([`CaseFacts::purpose_fact`]);
//! 4. for the SAFEGUARDING purpose, an active override held by the caller
//!    that covers S gives SAFEGUARDING;
//! 5. active grants covering the agency, S and the purpose give CONSENT
//!    (the family's agreement to share; never for RESTRICTED);
//! 6. otherwise PURPOSE_NOT_ESTABLISHED where a statutory rule lacked its
//!    fact (the reason names it), else CONSENT_REQUIRED (RESTRICTED:
//!    NOT_PERMITTED).
//!
//! Every allowed scope carries its [`crate::LawfulBasis`]: the rule's, or
//! the law of the hub's own duty (advice). A council's SEND officer also
//! reads the advice it asked for, whatever its scope
//! ([`AccessDecision::for_contribution`]).
//!
//! Over all of that, for every principal (practitioner, family or anyone
//! else): while the child's address is withheld, CONTACT is NOT_PERMITTED,
//! in words that do not reveal why.

use chrono::{DateTime, Utc};
use domain::Scope;

use crate::decision::law;
use crate::{
    AccessDecision, Agreement, Basis, Bound, BoundKind, CaseFacts, ChildFacts, DenialCode,
    FamilyRefusal, FamilyRole, Grant, Override, Principal, Purpose, Role, ScopeDecision,
    purpose_words,
};
use domain::AgencyKind;

/// Everything the decision reads, loaded by the caller for this request.
#[derive(Debug, Clone, Copy)]
pub struct DecisionInput<'a> {
    pub child: &'a ChildFacts,
    pub grants: &'a [Grant],
    pub overrides: &'a [Override],
    /// Assessments, plans, advice requests and involvements.
    pub case: &'a CaseFacts,
    pub agreement: &'a Agreement,
    pub now: DateTime<Utc>,
}

const RESTRICTED_REASON: &str =
    "restricted information is shared only on a statutory or safeguarding basis";

fn denied(code: DenialCode, reason: impl Into<String>) -> ScopeDecision {
    ScopeDecision::denied(code, reason)
}

/// Why CONTACT is denied while the address is withheld: the same words for
/// everyone, never the recorded reason.
pub const ADDRESS_WITHHELD_REASON: &str = "the address is withheld to keep the child safe";

/// Decides every scope for `principal`.
pub fn decide(principal: &Principal, input: &DecisionInput<'_>) -> AccessDecision {
    let decision = decide_on_bases(principal, input);
    if !input.child.address_withheld {
        return decision;
    }
    // The marker beats every basis (statutory, consent, override, family):
    // LAW.md §3, "an address withheld flag overrides every view".
    decision.overruled(
        Scope::Contact,
        denied(DenialCode::NotPermitted, ADDRESS_WITHHELD_REASON),
    )
}

/// Every scope for `principal` on the bases the facts give.
fn decide_on_bases(principal: &Principal, input: &DecisionInput<'_>) -> AccessDecision {
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
    let today = input.now.date_naive();
    let la = agency.kind == AgencyKind::LaSend;
    let held = |scope: Scope| {
        input
            .overrides
            .iter()
            .filter(|o| {
                o.child_id == input.child.id
                    && o.held_by(principal)
                    && o.covers(scope)
                    && o.active(input.now)
            })
            .min_by_key(|o| o.id)
    };
    // EHC_ASSESSMENT and ANNUAL_REVIEW name a fact about the child: while
    // it does not hold, the purpose is not true, and nothing opens for it on
    // any basis (UK GDPR Art 5(1)(b)), the family's agreement included.
    if let Err(why) = input.case.purpose_holds(purpose) {
        return AccessDecision::from_fn(version, |_| {
            denied(
                DenialCode::PurposeNotEstablished,
                format!(
                    "{why}: {} is not a purpose you can use for them",
                    purpose.code()
                ),
            )
        });
    }
    let decision = AccessDecision::from_fn(version, |scope| {
        if purpose == Purpose::EhcAssessment
            && scope.consentable()
            && let Some(request) = input.case.request_sharing(agency.id, scope)
        {
            return ScopeDecision::Allowed(Basis::public_task(
                purpose,
                None,
                law::advice_reading(),
                Bound::new(BoundKind::AdviceRequest, request.id),
            ));
        }
        let permission = input.agreement.permission(agency.kind, scope, purpose);
        let lawful = input
            .agreement
            .lawful_basis(agency.kind, scope, purpose)
            .cloned();
        let (true, Some(lawful)) = (permission.read, lawful) else {
            return denied(
                DenialCode::NotPermitted,
                format!(
                    "the data-sharing agreement (version {version}) does not let {} read {} for {}",
                    agency.kind.label(),
                    scope.label().to_lowercase(),
                    purpose_words(purpose)
                ),
            );
        };
        let override_held = if purpose == Purpose::Safeguarding {
            held(scope)
        } else {
            None
        };
        let mut missing = None;
        if permission.statutory {
            match input.case.purpose_fact(
                purpose,
                agency.id,
                la,
                override_held.map(|o| o.id),
                today,
            ) {
                Ok(bound) => {
                    return ScopeDecision::Allowed(Basis::public_task(
                        purpose,
                        Some(version),
                        lawful,
                        bound,
                    ));
                }
                Err(why) => missing = Some(why),
            }
        }
        if let Some(o) = override_held {
            // The law of the override's own ground (CA 1989 s.47, DPA 2018
            // Sch 1 para 18, ...), not the agreement rule's.
            return ScopeDecision::Allowed(Basis::safeguarding(
                o.id,
                o.ground,
                o.ends_at,
                version,
                o.ground.lawful_basis(),
            ));
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
        match (Basis::consent(grant_ids, version, lawful), missing) {
            (Some(basis), _) => ScopeDecision::Allowed(basis),
            (None, Some(why)) => denied(
                DenialCode::PurposeNotEstablished,
                format!(
                    "{why}, so {} is not shared by law for {}; nor has the family agreed to share it with {}",
                    scope.label().to_lowercase(),
                    purpose_words(purpose),
                    agency.kind.label()
                ),
            ),
            (None, None) => denied(
                DenialCode::ConsentRequired,
                format!(
                    "the family has not agreed to share {} with {} for {}",
                    scope.label().to_lowercase(),
                    agency.kind.label(),
                    purpose_words(purpose)
                ),
            ),
        }
    });
    // The council reads the advice it asked for, whatever its scope, while
    // the assessment is open or its plan is maintained (regs 6(1), 12).
    let fact = match purpose {
        Purpose::EhcAssessment => input.case.open_assessment(),
        Purpose::AnnualReview => input.case.maintained_plan(),
        _ => None,
    };
    if let (true, Some(assessment)) = (la, fact) {
        // Only the advice of the assessment (or plan) in hand.
        let advice = input
            .case
            .answered_advice(assessment)
            .map(|(request, contribution)| {
                (
                    contribution,
                    Basis::public_task(
                        purpose,
                        None,
                        law::requested_advice(),
                        Bound::new(BoundKind::AdviceRequest, request),
                    ),
                )
            })
            .collect::<Vec<_>>();
        return decision.with_requested_advice(advice);
    }
    decision
}
