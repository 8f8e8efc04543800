//! The SEND domain of tellonce: the unified child record and its sections,
//! the field catalogue that puts every field in one consent scope, agencies,
//! validated identifiers (`NhsNumber::parse`, `Upn::parse`), and the EHC
//! needs assessment clock (`ehc`).
//!
//! Assessment rules are constructors with typed errors whose `Display` is
//! the API's message and whose `field()` names the API field:
//! `ehc::Assessment::start` (`StartError`), `Assessment::check_step`
//! (`StepError`), `Assessment::request_advice`, `AdviceRequest::submit` and
//! `AdviceRequest::reuse` (`AdviceError`).
//!
//! Annual reviews, phase transfers and the derived plan status are in
//! `review` (`ReviewCycle::check`, `ReviewError`; `plan_status`).
//!
//! No IO and no async here: everything is a plain value, validated once at
//! construction.

pub mod agency;
pub mod agency_input;
pub mod calendar;
pub mod catalogue;
pub mod checklist;
mod codes;
pub mod contribution;
pub mod ehc;
pub mod ids;
pub mod import;
pub mod input;
pub mod plan;
pub mod plan_section;
pub mod record;
pub mod review;
pub mod scope;
pub mod synthetic;
pub mod template;
pub mod timeliness;

pub use agency::{Agency, AgencyIdentifier, AgencyKind, IdentifierScheme};
pub use catalogue::{FIELDS, FieldDef, Section};
pub use codes::UnknownCode;
pub use contribution::{AllAboutMeVersion, Contribution, ContributionKind, WrittenAs};
pub use ids::{IdentifierError, NhsNumber, Upn};
pub use input::InvalidInput;
pub use record::*;
pub use scope::Scope;
