//! What a decision says: for each scope, allowed on a named basis or denied
//! with a reason. A refusal is a value, never an `Err`.

use domain::Scope;

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
/// on, as the trace records them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Basis {
    pub kind: BasisKind,
    /// In plain words, for the caller and the family.
    pub explanation: String,
    /// The grants relied on (CONSENT), sorted.
    pub grant_ids: Vec<uuid::Uuid>,
    /// The override relied on (SAFEGUARDING).
    pub override_id: Option<uuid::Uuid>,
    /// The agreement version that bounded the decision.
    pub agreement_version: Option<i32>,
}

impl Basis {
    pub fn new(kind: BasisKind, explanation: impl Into<String>) -> Self {
        Self {
            kind,
            explanation: explanation.into(),
            grant_ids: Vec::new(),
            override_id: None,
            agreement_version: None,
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
            ScopeDecision::Allowed(Basis::new(
                BasisKind::OwnContribution,
                "your agency contributed this",
            ))
        } else {
            self.get(scope).clone()
        }
    }
}
