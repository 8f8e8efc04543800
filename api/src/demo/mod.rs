//! The demo: fictional agencies, children with rich data in every scope,
//! families, and a persona per kind of user with a freshly signed token.
//! Everything here is invented; identifiers come from the NHS test range
//! (999…) and are never issued to real people.

mod agencies;
mod amira;
mod assessment;
mod banner;
mod children;
mod chloe;
mod grants;
mod id;
mod jayden;
mod load;
mod personas;
mod poppy;
mod record;

pub use agencies::agencies;
pub use banner::{banner, sign_token};
pub use children::children;
pub use grants::grants;
pub use id::{
    AMIRA, CAMHS, CHLOE, COLLEGE, EP, HEALTH, JAYDEN, LA_SEND, NURSERY, OT, PARENT_PERSON, POPPY,
    SCHOOL, SLT, SOCIAL_CARE, YOUNG_PERSON, YOUTH_JUSTICE,
};
pub use load::load;
pub use personas::{Persona, persona, personas};
