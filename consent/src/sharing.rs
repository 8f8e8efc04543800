//! *Who can see what*: for a family, each registered agency × each scope,
//! what the hub would decide today — shared with the family's agreement,
//! shared by law, shared for safeguarding (only where the family may be
//! told of the override), not shared, or not possible under the agreement.
//!
//! Every cell is computed by [`decide`] itself, as a practitioner of that
//! agency asking for each purpose of use (and, for an override the family
//! may be told of, as its holder), so the page can never disagree with a
//! real decision. Only the scopes the viewer may read themself are shown
//! (a Gillick-competent child's confidences, a limited PR, the address
//! withheld, RESTRICTED): the sharing of a part is itself about that part.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use domain::{Agency, Scope};
use uuid::Uuid;

use crate::{
    AccessDecision, AgencyRef, AuthorityError, BasisKind, Bound, BoundKind, DecisionInput,
    GrantorCapacity, LawfulBasis, Principal, Purpose, Role, ScopeDecision, decide,
};

/// How one purpose of use opens a scope to an agency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Way {
    /// The family's agreement: the grants relied on, and when the last of
    /// them ends (`None`: at least one has no end date).
    Agreement {
        grant_ids: Vec<Uuid>,
        until: Option<DateTime<Utc>>,
    },
    /// The law requires it (public task), bound to a fact.
    Law { lawful: LawfulBasis, bound: Bound },
    /// A safeguarding override the family may be told of, until it ends.
    Safeguarding {
        override_id: Uuid,
        until: DateTime<Utc>,
        lawful: LawfulBasis,
    },
}

domain::code_enum! {
    /// What a cell says, in one word (the strongest way it is shared).
    pub enum CellStatus("sharing status") {
        /// The law requires it, whatever the family agrees.
        SharedByLaw = "SHARED_BY_LAW",
        /// Under a safeguarding override the family may be told of.
        SharedForSafeguarding = "SHARED_FOR_SAFEGUARDING",
        /// With the family's agreement.
        SharedWithAgreement = "SHARED_WITH_AGREEMENT",
        /// Not shared; the family could agree to share it.
        NotShared = "NOT_SHARED",
        /// The data-sharing agreement does not allow it for any purpose.
        NotPossible = "NOT_POSSIBLE",
    }
}

/// One agency × one scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    pub agency: Agency,
    pub scope: Scope,
    /// Each purpose that opens it today, and how.
    pub ways: Vec<(Purpose, Way)>,
    /// Purposes the family could agree to share it for (inside the
    /// agreement; never RESTRICTED, never safeguarding).
    pub grantable: BTreeSet<Purpose>,
    /// The agreement lets the agency read it for some purpose.
    pub possible: bool,
}

impl Cell {
    pub fn status(&self) -> CellStatus {
        let has = |f: fn(&Way) -> bool| self.ways.iter().any(|(_, w)| f(w));
        if has(|w| matches!(w, Way::Law { .. })) {
            CellStatus::SharedByLaw
        } else if has(|w| matches!(w, Way::Safeguarding { .. })) {
            CellStatus::SharedForSafeguarding
        } else if has(|w| matches!(w, Way::Agreement { .. })) {
            CellStatus::SharedWithAgreement
        } else if !self.possible {
            CellStatus::NotPossible
        } else {
            CellStatus::NotShared
        }
    }

    /// The purposes a way of this kind opens it for.
    pub fn purposes(&self, kind: BasisKind) -> BTreeSet<Purpose> {
        self.ways
            .iter()
            .filter(|(_, w)| w.kind() == kind)
            .map(|(p, _)| *p)
            .collect()
    }
}

impl Way {
    pub fn kind(&self) -> BasisKind {
        match self {
            Way::Agreement { .. } => BasisKind::Consent,
            Way::Law { .. } => BasisKind::PublicTask,
            Way::Safeguarding { .. } => BasisKind::Safeguarding,
        }
    }
}

/// A scope as the viewer may act on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeRow {
    pub scope: Scope,
    /// In which capacity the viewer may change its sharing, or the rule
    /// that stops them (in words fit to show).
    pub decides: Result<GrantorCapacity, AuthorityError>,
}

/// The whole view for one family member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharingView {
    /// The scopes the viewer may read, in catalogue order.
    pub scopes: Vec<ScopeRow>,
    /// Scopes left out because the viewer may not read them (RESTRICTED,
    /// never shown to a family, not counted).
    pub hidden: usize,
    /// Why the viewer may change nothing, when so: the rule for the first
    /// scope that stops them.
    pub read_only: Option<AuthorityError>,
    /// Per agency (register order), a cell per shown scope.
    pub agencies: Vec<(Agency, Vec<Cell>)>,
    pub agreement_version: i32,
}

impl SharingView {
    /// May the viewer change the sharing of at least one shown scope?
    pub fn may_change(&self) -> bool {
        self.scopes.iter().any(|s| s.decides.is_ok())
    }

    /// A parent past the hand-over who may read nothing: shown only why.
    pub fn handed_over(&self) -> bool {
        self.scopes.is_empty()
            && matches!(self.read_only, Some(AuthorityError::AfterHandOver { .. }))
    }
}

/// The subject of the practitioner a cell is decided for: nobody real, so
/// they hold no override.
const ANY_PRACTITIONER: &str = "sharing-view:any-practitioner";

/// A practitioner of `agency` asking for `purpose`.
pub fn practitioner_of(agency: &Agency, subject: &str, purpose: Purpose) -> Principal {
    Principal {
        subject: subject.to_owned(),
        agency: Some(AgencyRef {
            id: agency.id,
            kind: agency.kind,
        }),
        roles: [Role::Practitioner].into_iter().collect(),
        person_id: None,
        purpose: Some(purpose),
    }
}

/// The view for `viewer` (a family member or the young person): every
/// agency of `agencies` × each scope `viewer` may read, decided today.
pub fn sharing(viewer: &Principal, agencies: &[Agency], input: &DecisionInput<'_>) -> SharingView {
    let own = decide(viewer, input);
    let shown: Vec<Scope> = own
        .iter()
        .filter(|(_, d)| d.is_allowed())
        .map(|(s, _)| s)
        .collect();
    let today = input.now.date_naive();
    let person = viewer.person_id.as_deref().unwrap_or_default();
    let scopes: Vec<ScopeRow> = shown
        .iter()
        .map(|&scope| ScopeRow {
            scope,
            decides: input
                .child
                .may_decide(person, &BTreeSet::from([scope]), today),
        })
        .collect();
    let read_only = if scopes.iter().any(|s| s.decides.is_ok()) {
        None
    } else if let Some(why) = scopes.iter().find_map(|s| s.decides.err()) {
        Some(why)
    } else {
        let consentable: BTreeSet<Scope> = Scope::ALL
            .iter()
            .copied()
            .filter(|s| s.consentable())
            .collect();
        Some(
            input
                .child
                .may_decide(person, &consentable, today)
                .err()
                .unwrap_or(AuthorityError::NoAuthority),
        )
    };
    // Overrides the family may be told of, as their holders see them.
    let told: Vec<_> = input
        .overrides
        .iter()
        .filter(|o| {
            o.child_id == input.child.id && o.active(input.now) && o.family_may_be_told(input.now)
        })
        .collect();
    let agencies = agencies
        .iter()
        .map(|agency| {
            let by_purpose: Vec<(Purpose, AccessDecision)> = Purpose::ALL
                .iter()
                .map(|&p| {
                    (
                        p,
                        decide(&practitioner_of(agency, ANY_PRACTITIONER, p), input),
                    )
                })
                .collect();
            let held: Vec<AccessDecision> = told
                .iter()
                .filter(|o| o.agency_id == agency.id)
                .map(|o| {
                    decide(
                        &practitioner_of(agency, &o.declared_by, Purpose::Safeguarding),
                        input,
                    )
                })
                .collect();
            let cells = shown
                .iter()
                .map(|&scope| cell(agency, scope, &by_purpose, &held, input))
                .collect();
            (agency.clone(), cells)
        })
        .collect();
    SharingView {
        scopes,
        hidden: Scope::ALL
            .iter()
            .filter(|s| s.consentable() && !shown.contains(s))
            .count(),
        read_only,
        agencies,
        agreement_version: input.agreement.version,
    }
}

fn cell(
    agency: &Agency,
    scope: Scope,
    by_purpose: &[(Purpose, AccessDecision)],
    held: &[AccessDecision],
    input: &DecisionInput<'_>,
) -> Cell {
    let mut ways = Vec::new();
    for (purpose, decision) in by_purpose {
        let ScopeDecision::Allowed(basis) = decision.get(scope) else {
            continue;
        };
        let way = match basis.kind() {
            BasisKind::Consent => {
                let grants: Vec<_> = input
                    .grants
                    .iter()
                    .filter(|g| basis.grant_ids().contains(&g.id))
                    .collect();
                let until = if grants.iter().any(|g| g.valid_until.is_none()) {
                    None
                } else {
                    grants.iter().filter_map(|g| g.valid_until).max()
                };
                Way::Agreement {
                    grant_ids: basis.grant_ids().to_vec(),
                    until,
                }
            }
            BasisKind::PublicTask => match basis.bound() {
                Some(bound) => Way::Law {
                    lawful: basis.lawful(),
                    bound,
                },
                None => continue,
            },
            // No hypothetical practitioner holds an override, nor is family.
            BasisKind::Safeguarding | BasisKind::Family | BasisKind::OwnContribution => continue,
        };
        ways.push((*purpose, way));
    }
    // A told override: decided as its holder, for safeguarding.
    for decision in held {
        let ScopeDecision::Allowed(basis) = decision.get(scope) else {
            continue;
        };
        let override_id = basis.override_id().or_else(|| {
            basis
                .bound()
                .filter(|b| b.kind == BoundKind::Override)
                .map(|b| b.id)
        });
        let Some(override_id) = override_id else {
            continue;
        };
        let until = input
            .overrides
            .iter()
            .find(|o| o.id == override_id)
            .map_or(input.now, |o| o.ends_at);
        if ways
            .iter()
            .any(|(p, w)| *p == Purpose::Safeguarding && matches!(w, Way::Safeguarding { .. }))
        {
            continue;
        }
        ways.push((
            Purpose::Safeguarding,
            Way::Safeguarding {
                override_id,
                until,
                lawful: basis.lawful(),
            },
        ));
    }
    let grantable = if scope.consentable() {
        Purpose::ALL
            .iter()
            .copied()
            .filter(|p| {
                *p != Purpose::Safeguarding
                    && input.agreement.permission(agency.kind, scope, *p).read
            })
            .collect()
    } else {
        BTreeSet::new()
    };
    let possible = !ways.is_empty()
        || Purpose::ALL
            .iter()
            .any(|p| input.agreement.permission(agency.kind, scope, *p).read);
    Cell {
        agency: agency.clone(),
        scope,
        ways,
        grantable,
        possible,
    }
}
