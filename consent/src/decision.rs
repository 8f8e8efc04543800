//! What a decision says: for each scope, allowed on a named basis or denied
//! with a reason. A refusal is a value, never an `Err`.

use chrono::{DateTime, Utc};
use domain::Scope;

use crate::{FamilyAccess, OverrideGround, Purpose, purpose_words};

domain::code_enum! {
    /// The kind of lawful basis or relationship a disclosure rests on.
    pub enum BasisKind("basis") {
        Consent = "CONSENT",
        Safeguarding = "SAFEGUARDING",
        PublicTask = "PUBLIC_TASK",
        Family = "FAMILY",
        OwnContribution = "OWN_CONTRIBUTION",
    }
}

/// Why a scope may be disclosed: the kind of basis and the facts it rests
/// on, as the trace records them. One constructor per kind, so that only
/// CONSENT names grants, only SAFEGUARDING names an override, and the
/// agreement version is there exactly where an agreement bounded the
/// decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Basis(Facts);

/// What each kind of basis rests on.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Facts {
    Consent {
        /// Sorted, never empty.
        grant_ids: Vec<uuid::Uuid>,
        agreement_version: i32,
    },
    Safeguarding {
        override_id: uuid::Uuid,
        ground: OverrideGround,
        until: DateTime<Utc>,
        agreement_version: i32,
    },
    PublicTask {
        purpose: Purpose,
        agreement_version: i32,
    },
    Family(FamilyAccess),
    OwnContribution,
}

impl Basis {
    /// Consent: the active grants relied on (sorted here), within agreement
    /// `agreement_version`; `None` without a grant.
    pub fn consent(mut grant_ids: Vec<uuid::Uuid>, agreement_version: i32) -> Option<Self> {
        if grant_ids.is_empty() {
            return None;
        }
        grant_ids.sort();
        Some(Self(Facts::Consent {
            grant_ids,
            agreement_version,
        }))
    }

    /// Safeguarding: the caller's override `override_id` on `ground`, in
    /// force `until`.
    pub fn safeguarding(
        override_id: uuid::Uuid,
        ground: OverrideGround,
        until: DateTime<Utc>,
        agreement_version: i32,
    ) -> Self {
        Self(Facts::Safeguarding {
            override_id,
            ground,
            until,
            agreement_version,
        })
    }

    /// Public task: a statutory rule of agreement `agreement_version` for
    /// `purpose`.
    pub fn public_task(purpose: Purpose, agreement_version: i32) -> Self {
        Self(Facts::PublicTask {
            purpose,
            agreement_version,
        })
    }

    /// Family: a family member's own relationship with the record.
    pub fn family(access: FamilyAccess) -> Self {
        Self(Facts::Family(access))
    }

    /// Own contribution: what the caller's own agency contributed.
    pub fn own_contribution() -> Self {
        Self(Facts::OwnContribution)
    }

    /// The kind of basis.
    pub fn kind(&self) -> BasisKind {
        match self.0 {
            Facts::Consent { .. } => BasisKind::Consent,
            Facts::Safeguarding { .. } => BasisKind::Safeguarding,
            Facts::PublicTask { .. } => BasisKind::PublicTask,
            Facts::Family(_) => BasisKind::Family,
            Facts::OwnContribution => BasisKind::OwnContribution,
        }
    }

    /// The grants relied on, sorted (CONSENT only; empty otherwise).
    pub fn grant_ids(&self) -> &[uuid::Uuid] {
        match &self.0 {
            Facts::Consent { grant_ids, .. } => grant_ids,
            _ => &[],
        }
    }

    /// The override relied on (SAFEGUARDING only).
    pub fn override_id(&self) -> Option<uuid::Uuid> {
        match self.0 {
            Facts::Safeguarding { override_id, .. } => Some(override_id),
            _ => None,
        }
    }

    /// The legal ground of the override relied on (SAFEGUARDING only).
    pub fn ground(&self) -> Option<OverrideGround> {
        match self.0 {
            Facts::Safeguarding { ground, .. } => Some(ground),
            _ => None,
        }
    }

    /// The agreement version that bounded the decision (CONSENT,
    /// SAFEGUARDING and PUBLIC_TASK).
    pub fn agreement_version(&self) -> Option<i32> {
        match self.0 {
            Facts::Consent {
                agreement_version, ..
            }
            | Facts::Safeguarding {
                agreement_version, ..
            }
            | Facts::PublicTask {
                agreement_version, ..
            } => Some(agreement_version),
            Facts::Family(_) | Facts::OwnContribution => None,
        }
    }

    /// In plain words, for the caller and the family.
    pub fn explanation(&self) -> String {
        match &self.0 {
            Facts::Consent { .. } => "the family has consented to share this with you".into(),
            Facts::Safeguarding { until, .. } => format!(
                "your safeguarding override (until {}) covers this",
                until.format("%-d %B %Y %H:%M UTC")
            ),
            Facts::PublicTask { purpose, .. } => format!(
                "shared by law for {} under the data-sharing agreement",
                purpose_words(*purpose)
            ),
            Facts::Family(access) => access.explanation().into(),
            Facts::OwnContribution => "your agency contributed this".into(),
        }
    }
}

domain::code_enum! {
    /// The error code a denial carries to the caller.
    pub enum DenialCode("denial code") {
        /// Outside the caller's agreement or role: asking the family won't help.
        NotPermitted = "NOT_PERMITTED",
        /// Inside the agreement, but no lawful basis holds yet.
        ConsentRequired = "CONSENT_REQUIRED",
    }
}

/// Why a scope is withheld.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denial {
    pub code: DenialCode,
    pub reason: String,
}

/// The outcome for one scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScopeDecision {
    Allowed(Basis),
    Denied(Denial),
}

impl ScopeDecision {
    pub fn denied(code: DenialCode, reason: impl Into<String>) -> Self {
        Self::Denied(Denial {
            code,
            reason: reason.into(),
        })
    }

    pub fn is_allowed(&self) -> bool {
        matches!(self, Self::Allowed(_))
    }
}

/// The decision for one (principal, child, purpose), per scope. It is taken
/// once per child per request and never cached across requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessDecision {
    scopes: Vec<ScopeDecision>,
    /// The agreement version in force when it was taken.
    pub agreement_version: i32,
}

impl AccessDecision {
    /// Builds a decision by asking `f` about every scope.
    pub fn from_fn(agreement_version: i32, mut f: impl FnMut(Scope) -> ScopeDecision) -> Self {
        Self {
            scopes: Scope::ALL.iter().map(|s| f(*s)).collect(),
            agreement_version,
        }
    }

    pub fn get(&self, scope: Scope) -> &ScopeDecision {
        &self.scopes[scope.index()]
    }

    pub fn is_allowed(&self, scope: Scope) -> bool {
        self.get(scope).is_allowed()
    }

    /// True when at least one scope may be disclosed.
    pub fn any_allowed(&self) -> bool {
        self.scopes.iter().any(ScopeDecision::is_allowed)
    }

    /// Every scope with its outcome, in catalogue order.
    pub fn iter(&self) -> impl Iterator<Item = (Scope, &ScopeDecision)> {
        Scope::ALL.iter().copied().zip(self.scopes.iter())
    }

    /// Who may see a contribution: the agency that wrote it always
    /// (OWN_CONTRIBUTION, whatever the decision says about its scope);
    /// anyone else exactly as the decision says about `scope`.
    pub fn for_contribution(
        &self,
        reader_agency: Option<uuid::Uuid>,
        author_agency: uuid::Uuid,
        scope: Scope,
    ) -> ScopeDecision {
        if reader_agency == Some(author_agency) {
            ScopeDecision::Allowed(Basis::own_contribution())
        } else {
            self.get(scope).clone()
        }
    }
}
