//! Who may see what, decided purely.
//!
//! - [`Principal`], [`Role`], [`Purpose`]: the verified caller and why they ask.
//! - [`ChildFacts`]: what the decision needs to know about a child, and
//!   consent authority ([`ChildFacts::may_decide`],
//!   [`end_of_compulsory_school_age`]).
//! - [`Grant`], [`Withdrawal`]: consent as immutable facts.
//! - [`Agreement`]: the versioned data-sharing agreement, the outer bound.
//! - [`Override`]: safeguarding "break glass".
//! - [`decide`]: per scope, allowed on a named [`Basis`] or denied with a
//!   [`Denial`], as an [`AccessDecision`]. The caller passes the clock.
//! - [`LawfulBasis`]: the Article 6 basis, Article 9 condition and
//!   statutory gateway a disclosure rests on.
//! - [`Receipt`]: the consent receipt given for each grant and withdrawal.
//! - [`trace`]: the access trace entry, its canonical form and hash chain.
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
//! - [`OverrideRequest::check`] and [`Override::declare`] → [`OverrideError`].
//! - [`Basis`] has one constructor per kind, so only CONSENT names grants
//!   and only SAFEGUARDING names an override.
//!
//! No IO and no async: the caller loads the facts and gets a value back.

mod agreement;
mod authority;
mod case;
mod decision;
mod engine;
mod grant;
mod lawful;
mod principal;
mod receipt;
mod safeguarding;
pub mod trace;

pub use agreement::{
    Agreement, AgreementEntry, AgreementError, AgreementSource, DEFAULT_AGREEMENT, Permission,
    RuleSource,
};
pub use authority::{
    Authority, AuthorityError, ChildFacts, FamilyAccess, FamilyRefusal, FamilyRole, NO_AUTHORITY,
    end_of_compulsory_school_age,
};
pub use case::{AdviceFact, AssessmentFact, CaseFacts, InvolvementFact};
pub use decision::{
    AccessDecision, Basis, BasisKind, Bound, BoundKind, Denial, DenialCode, ScopeDecision,
};
pub use engine::{DecisionInput, decide};
pub use grant::{
    Capture, CaptureMethod, ConfirmError, Confirmation, Decider, EVIDENCE_NOT_RECORDED, Grant,
    GrantError, GrantRequest, GrantStatus, GrantTerms, GrantorCapacity, MAX_EVIDENCE_CHARS,
    Recipient, ReopenWindow, VALID_FROM_TOLERANCE_MINUTES, Withdrawal,
};
pub use lawful::{Article6, Condition, LawfulBasis};
pub use principal::{AgencyRef, Principal, Purpose, Role, purpose_words};
pub use receipt::{AgreementKind, Controller, Receipt, ReceiptBasis, ReceiptContext, ReceiptEvent};
pub use safeguarding::{
    MIN_REASON_CHARS, Override, OverrideError, OverrideRequest, Review, ReviewOutcome,
};

#[cfg(test)]
mod tests;
