//! Who may see what: principals and purposes of use, and the pure access
//! decision that answers, for each scope of a child's record, "allowed, on
//! which basis" or "denied, why" ([`AccessDecision`]).
//!
//! No IO and no async: the caller loads the facts, passes them (and, once
//! consent lands, the clock) in, and gets a value back.

mod decision;
pub mod interim;
mod principal;

pub use decision::{AccessDecision, Basis, BasisKind, Denial, DenialCode, ScopeDecision};
pub use interim::{ChildFacts, decide};
pub use principal::{AgencyRef, Principal, Purpose, Role};
