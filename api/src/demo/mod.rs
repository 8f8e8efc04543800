//! The demo: fictional agencies, children with rich data in every scope,
//! families, and a persona per kind of user with a freshly signed token.
//! Everything here is invented; identifiers come from the NHS test range
//! (999…) and are never issued to real people.

mod advice;
mod agencies;
mod amira;
mod amira_plan;
mod assessment;
mod banner;
mod children;
mod chloe;
mod grants;
mod id;
mod imported;
mod jayden;
mod load;
mod personas;
mod poppy;
mod record;
mod reset;

pub use agencies::agencies;
pub use amira_plan::AMIRA_PLAN;
pub use assessment::JAYDEN_ASSESSMENT;
pub use banner::{banner, persona_claims, sign_claims, sign_token};
pub use children::children;
pub use grants::grants;
pub use id::{
    AMIRA, CAMHS, CHLOE, COLLEGE, EP, HEALTH, JAYDEN, LA_SEND, NURSERY, OT, PARENT_PERSON, POPPY,
    SCHOOL, SLT, SOCIAL_CARE, YOUNG_PERSON, YOUTH_JUSTICE,
};
pub use imported::{CHLOE_PLAN, chloe_plan_made};
pub use load::load;
pub use personas::{Persona, persona, personas};
pub use reset::{reset, sqlite_file};
