//! What a decision says: for each scope, allowed on a named basis or denied
//! with a reason. A refusal is a value, never an `Err`.

use chrono::{DateTime, Utc};
use domain::Scope;

use crate::{
    Article6, Condition, FamilyAccess, LawfulBasis, OverrideGround, Purpose, purpose_words,
};

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

domain::code_enum! {
    /// The kind of fact a statutory disclosure is bound to.
    pub enum BoundKind("bound fact") {
        /// An open EHC needs assessment (CFA 2014 s.36; Regs 5-13).
        Assessment = "ASSESSMENT",
        /// A maintained EHC plan (CFA 2014 s.44).
        Plan = "PLAN",
        /// An advice request for an EHC needs assessment (Regs 6-8).
        AdviceRequest = "ADVICE_REQUEST",
        /// A recorded, current involvement with the child.
        Involvement = "INVOLVEMENT",
        /// The caller's own active safeguarding override.
        Override = "OVERRIDE",
    }
}

/// The fact (by kind and id) that makes a purpose true for this child and
/// this caller, so that a decision can be replayed.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct Bound {
    pub kind: BoundKind,
    pub id: uuid::Uuid,
}

impl Bound {
    pub fn new(kind: BoundKind, id: uuid::Uuid) -> Self {
        Self { kind, id }
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
        lawful: LawfulBasis,
    },
    Safeguarding {
        override_id: uuid::Uuid,
        ground: OverrideGround,
        until: DateTime<Utc>,
        agreement_version: i32,
        lawful: LawfulBasis,
    },
    PublicTask {
        purpose: Purpose,
        /// `None` where the agreement, not the law of this hub, gave it.
        agreement_version: Option<i32>,
        lawful: LawfulBasis,
        bound: Bound,
    },
    Family(FamilyAccess),
    OwnContribution,
}

impl Basis {
    /// The family's agreement: the active grants relied on (sorted here),
    /// within agreement `agreement_version`, under the rule's law; `None`
    /// without a grant.
    pub fn consent(
        mut grant_ids: Vec<uuid::Uuid>,
        agreement_version: i32,
        lawful: LawfulBasis,
    ) -> Option<Self> {
        if grant_ids.is_empty() {
            return None;
        }
        grant_ids.sort();
        Some(Self(Facts::Consent {
            grant_ids,
            agreement_version,
            lawful,
        }))
    }

    /// Safeguarding: the caller's override `override_id` on `ground`, in
    /// force `until`.
    pub fn safeguarding(
        override_id: uuid::Uuid,
        ground: OverrideGround,
        until: DateTime<Utc>,
        agreement_version: i32,
        lawful: LawfulBasis,
    ) -> Self {
        Self(Facts::Safeguarding {
            override_id,
            ground,
            until,
            agreement_version,
            lawful,
        })
    }

    /// Public task for `purpose`, bound to the fact that makes the purpose
    /// true: by a statutory rule of agreement `agreement_version`, or (with
    /// `None`) by a duty the hub applies itself (advice requests).
    pub fn public_task(
        purpose: Purpose,
        agreement_version: Option<i32>,
        lawful: LawfulBasis,
        bound: Bound,
    ) -> Self {
        Self(Facts::PublicTask {
            purpose,
            agreement_version,
            lawful,
            bound,
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

    /// The law the disclosure rests on. Every basis has one: a family
    /// member's view is the right of access (UK GDPR Art 15) exercised by
    /// the data subject or for them, and an agency's own contribution is
    /// its own record; neither is a disclosure to another body, so neither
    /// needs an Article 9 condition.
    pub fn lawful(&self) -> LawfulBasis {
        match &self.0 {
            Facts::Consent { lawful, .. }
            | Facts::Safeguarding { lawful, .. }
            | Facts::PublicTask { lawful, .. } => lawful.clone(),
            Facts::Family(access) => LawfulBasis::new(
                Article6::LegalObligation,
                None,
                match access {
                    FamilyAccess::OwnRecord => "UK GDPR Art 15 (right of access)",
                    FamilyAccess::ParentalResponsibility => {
                        "UK GDPR Art 15 (right of access), exercised by a person with parental responsibility (Children Act 1989 s.3)"
                    }
                    FamilyAccess::ActingForYoungPerson => {
                        "UK GDPR Art 15 (right of access), exercised for a young person lacking capacity (Mental Capacity Act 2005; CFA 2014 s.80)"
                    }
                },
            ),
            Facts::OwnContribution => LawfulBasis::new(
                Article6::PublicTask,
                None,
                "the author agency's own record of its work",
            ),
        }
    }

    /// The fact a PUBLIC_TASK disclosure is bound to.
    pub fn bound(&self) -> Option<Bound> {
        match self.0 {
            Facts::PublicTask { bound, .. } => Some(bound),
            Facts::Safeguarding { override_id, .. } => {
                Some(Bound::new(BoundKind::Override, override_id))
            }
            _ => None,
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
    /// SAFEGUARDING and PUBLIC_TASK under a statutory rule).
    pub fn agreement_version(&self) -> Option<i32> {
        match self.0 {
            Facts::Consent {
                agreement_version, ..
            }
            | Facts::Safeguarding {
                agreement_version, ..
            } => Some(agreement_version),
            Facts::PublicTask {
                agreement_version, ..
            } => agreement_version,
            Facts::Family(_) | Facts::OwnContribution => None,
        }
    }

    /// In plain words, for the caller and the family, naming the law.
    pub fn explanation(&self) -> String {
        let why = match &self.0 {
            Facts::Consent { lawful, .. } if lawful.is_gdpr_consent() => {
                "the family has given their consent to share this with you".to_owned()
            }
            Facts::Consent { .. } => "the family has agreed to share this with you".to_owned(),
            Facts::Safeguarding { until, .. } => format!(
                "your safeguarding override (until {}) covers this",
                until.format("%-d %B %Y %H:%M UTC")
            ),
            Facts::PublicTask { purpose, bound, .. } => match bound.kind {
                BoundKind::Assessment => {
                    "the law requires it for this child's EHC needs assessment".to_owned()
                }
                BoundKind::Plan => {
                    "the law requires it for the annual review of this child's EHC plan".to_owned()
                }
                BoundKind::AdviceRequest => {
                    "the law gives it to an agency asked for advice for this child's EHC needs assessment, until the advice is given".to_owned()
                }
                BoundKind::Involvement => format!(
                    "shared by law with the services working with this child, for {}",
                    purpose_words(*purpose)
                ),
                BoundKind::Override => format!(
                    "shared by law for {} under your safeguarding override",
                    purpose_words(*purpose)
                ),
            },
            Facts::Family(access) => access.explanation().into(),
            Facts::OwnContribution => "your agency contributed this".into(),
        };
        format!("{why} ({})", self.lawful().citation())
    }
}

/// The law of the duties the hub applies itself, outside the agreement.
pub(crate) mod law {
    use super::{Article6, Condition, LawfulBasis};

    /// An agency asked for advice reads what the family wrote and what the
    /// council attached (CFA 2014 s.36; SEND Regulations 2014 regs 6(3), 7,
    /// 8 [6(3) to confirm]).
    pub fn advice_reading() -> LawfulBasis {
        LawfulBasis::new(
            Article6::PublicTask,
            Some(Condition::StatutoryPurposes),
            "Children and Families Act 2014 ss.31, 36; SEND Regulations 2014 regs 6(3), 7, 8 [reg 6(3) to confirm]",
        )
    }

    /// The council reads the advice it asked for (regs 6(1), 12).
    pub fn requested_advice() -> LawfulBasis {
        LawfulBasis::new(
            Article6::PublicTask,
            Some(Condition::StatutoryPurposes),
            "Children and Families Act 2014 s.36; SEND Regulations 2014 regs 6(1), 12 (the council must seek the advice and append it to the plan)",
        )
    }
}

domain::code_enum! {
    /// The error code a denial carries to the caller.
    pub enum DenialCode("denial code") {
        /// Outside the caller's agreement or role: asking the family won't help.
        NotPermitted = "NOT_PERMITTED",
        /// Inside the agreement, but no lawful basis holds yet: the
        /// family's agreement would open it.
        ConsentRequired = "CONSENT_REQUIRED",
        /// A statutory rule would open it for this purpose, but the fact the
        /// purpose needs (an open assessment, a maintained plan, an advice
        /// request, a current involvement) is not recorded for this child
        /// and caller; the reason names it.
        PurposeNotEstablished = "PURPOSE_NOT_ESTABLISHED",
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
    /// Contributions the caller may read whatever their scope, because they
    /// answer advice requests the caller's council made (PUBLIC_TASK bound
    /// to the request), by contribution id.
    requested_advice: std::collections::BTreeMap<uuid::Uuid, Basis>,
    /// The agreement version in force when it was taken.
    pub agreement_version: i32,
}

impl AccessDecision {
    /// Builds a decision by asking `f` about every scope.
    pub fn from_fn(agreement_version: i32, mut f: impl FnMut(Scope) -> ScopeDecision) -> Self {
        Self {
            scopes: Scope::ALL.iter().map(|s| f(*s)).collect(),
            requested_advice: std::collections::BTreeMap::new(),
            agreement_version,
        }
    }

    /// The same decision with `scope` decided as `outcome` instead (a rule
    /// over every basis, such as the address-withheld marker).
    pub(crate) fn overruled(mut self, scope: Scope, outcome: ScopeDecision) -> Self {
        self.scopes[scope.index()] = outcome;
        self
    }

    /// Adds the advice the caller asked for and may read as such.
    pub(crate) fn with_requested_advice(
        mut self,
        advice: impl IntoIterator<Item = (uuid::Uuid, Basis)>,
    ) -> Self {
        self.requested_advice.extend(advice);
        self
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
    /// (OWN_CONTRIBUTION, whatever the decision says about its scope); the
    /// council that asked for it as advice, on the statutory basis bound to
    /// its request; anyone else exactly as the decision says about `scope`.
    pub fn for_contribution(
        &self,
        reader_agency: Option<uuid::Uuid>,
        contribution: uuid::Uuid,
        author_agency: uuid::Uuid,
        scope: Scope,
    ) -> ScopeDecision {
        if reader_agency == Some(author_agency) {
            ScopeDecision::Allowed(Basis::own_contribution())
        } else if let Some(basis) = self.requested_advice.get(&contribution) {
            ScopeDecision::Allowed(basis.clone())
        } else {
            self.get(scope).clone()
        }
    }
}
