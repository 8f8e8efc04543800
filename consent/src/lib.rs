//! Who may see what, decided purely.
//!
//! - [`Principal`], [`Role`], [`Purpose`]: the verified caller and why they ask.
//! - [`ChildFacts`]: what the decision needs to know about a child, and
//!   consent authority ([`ChildFacts::may_decide`],
//!   [`end_of_compulsory_school_age`]), per scope, from the recorded facts
//!   in [`PrHolding`], [`Deputyship`], [`Competence`] and
//!   [`CapacityAssessment`] (their constructors → [`StandingError`]).
//! - [`Grant`], [`Withdrawal`]: consent as immutable facts.
//! - [`Agreement`]: the versioned data-sharing agreement, the outer bound.
//! - [`Override`]: safeguarding "break glass".
//! - [`decide`]: per scope, allowed on a named [`Basis`] or denied with a
//!   [`Denial`], as an [`AccessDecision`]. The caller passes the clock.
//! - [`LawfulBasis`]: the Article 6 basis, Article 9 condition and
//!   statutory gateway a disclosure rests on.
//! - [`Receipt`]: the consent receipt given for each grant and withdrawal.
//! - [`sharing`]: *who can see what* for a family, agency × scope, each
//!   cell decided by [`decide`] itself.
//! - [`trace`]: the access trace entry, its canonical form and hash chain.
//! - [`log`]: the verifiable log over the trace (Merkle tiles, signed
//!   checkpoints, inclusion and consistency proofs).
//!
//! Rules are constructors with typed errors; each error's `Display` is the
//! message the API shows, and `field()` names the API field it is about
//! (`None` where the rule itself refuses, which the API reports as
//! FORBIDDEN):
//!
//! - [`Decider::resolve`] (who makes a consent decision: the family member
//!   themself, DIGITAL, or a recording practitioner naming the person) and
//!   [`ChildFacts::may_decide`] → [`AuthorityError`];
//!   [`ChildFacts::family_view`] with a [`FamilyRole`] →
//!   [`FamilyAccess`] or [`FamilyRefusal`].
//! - [`Recipient::one_of`], [`GrantTerms::check`] (callable before the child
//!   is loaded), [`Grant::new`] and [`Grant::withdraw`] → [`GrantError`];
//!   [`Grant::confirm`] → [`ConfirmError`].
//! - [`OverrideRequest::check`], [`Override::declare`] (on an
//!   [`OverrideGround`], with a [`TellingDecision`]) and
//!   [`TellingRequest::decide`] → [`OverrideError`]; [`Override::approve`]
//!   → [`ApprovalError`].
//! - [`AddressWithheld::new`] and [`AddressWithheld::may_keep`] →
//!   [`AddressWithheldError`] (who may hide a child's address, and why).
//! - [`Basis`] has one constructor per kind, so only CONSENT names grants
//!   and only SAFEGUARDING names an override.
//!
//! No IO and no async: the caller loads the facts and gets a value back.

mod address;
mod agreement;
mod authority;
mod case;
mod decision;
mod engine;
mod grant;
mod lawful;
pub mod log;
mod principal;
mod receipt;
mod safeguarding;
mod sharing;
mod standing;
pub mod trace;

pub use address::{AddressWithheld, AddressWithheldError};
pub use agreement::{
    Agreement, AgreementEntry, AgreementError, AgreementSource, DEFAULT_AGREEMENT, Permission,
    RuleSource,
};
pub use authority::{
    Authority, AuthorityError, ChildFacts, ChildRule, FamilyAccess, FamilyRefusal, FamilyRole,
    FamilyView, NO_AUTHORITY, TermStart, end_of_compulsory_school_age,
};
pub use case::{AdviceFact, AssessmentFact, CaseFacts, InvolvementFact};
pub use decision::{
    AccessDecision, Basis, BasisKind, Bound, BoundKind, Denial, DenialCode, ScopeDecision,
};
pub use engine::{ADDRESS_WITHHELD_REASON, DecisionInput, decide};
pub use grant::{
    Capture, CaptureMethod, ConfirmError, Confirmation, Decider, EVIDENCE_NOT_RECORDED, Grant,
    GrantError, GrantRequest, GrantStatus, GrantTerms, GrantorCapacity, MAX_EVIDENCE_CHARS,
    Recipient, ReopenWindow, VALID_FROM_TOLERANCE_MINUTES, Withdrawal,
};
pub use lawful::{Article6, Condition, LawfulBasis};
pub use principal::{AgencyRef, Principal, Purpose, Role, purpose_requirement, purpose_words};
pub use receipt::{AgreementKind, Controller, Receipt, ReceiptBasis, ReceiptContext, ReceiptEvent};
pub use safeguarding::{
    Approval, ApprovalError, ApproverRole, CARRIED_OVER_FAMILY_NOTICE, MAX_FAMILY_NOTICE_CHARS,
    MIN_FAMILY_NOTICE_CHARS, MIN_REASON_CHARS, Override, OverrideError, OverrideGround,
    OverrideLimits, OverrideRequest, Review, ReviewOutcome, Telling, TellingChoice,
    TellingDecision, TellingRequest,
};
pub use sharing::{Cell, CellStatus, ScopeRow, SharingView, Way, practitioner_of, sharing};
pub use standing::{
    Assessor, COMPETENCE_ASSESSORS, CapacityAssessment, CapacityDecision, CapacityOutcome,
    Challenge, Competence, DeputyKind, Deputyship, HEALTH_SCOPES, MIN_CHALLENGE_REASON_CHARS,
    MIN_DECISION_REASON_CHARS, NewPr, PrHolding, PrLimit, PrLimitKind, PrSource, StandingError,
    is_health, sixteenth_birthday,
};

#[cfg(test)]
mod tests;
