//! The SEND domain of tellonce: the unified child record and its sections,
//! the field catalogue that puts every field in one consent scope, agencies,
//! validated identifiers (`NhsNumber::parse`, `Upn::parse`), and the EHC
//! needs assessment clock (`ehc`).
//!
//! No IO and no async here: everything is a plain value, validated once at
//! construction.

pub mod agency;
pub mod catalogue;
mod codes;
pub mod contribution;
pub mod ehc;
pub mod ids;
pub mod input;
pub mod record;
pub mod scope;

pub use agency::{Agency, AgencyKind};
pub use catalogue::{FIELDS, FieldDef, Section};
pub use codes::UnknownCode;
pub use contribution::{AllAboutMeVersion, Contribution, ContributionKind, WrittenAs};
pub use ids::{IdentifierError, NhsNumber, Upn};
pub use input::InvalidInput;
pub use record::*;
pub use scope::Scope;
