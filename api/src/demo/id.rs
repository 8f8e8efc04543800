//! The demo's fixed identifiers, and the sign-in identities of demo family
//! members. One UUID space with a block per kind of thing: 0x1xx agencies,
//! 0x2xx children, 0x3xx family members, 0x4xx involvements, 0x5xx health
//! items, 0x6xx restricted items, 0x7xx grants and their withdrawal, 0x8xx
//! contributions, 0x9xx the assessment.

use uuid::Uuid;

/// The demo identifier numbered `n`.
pub(super) const fn id(n: u128) -> Uuid {
    Uuid::from_u128(0x7e11_0000_0000_4000_8000_0000_0000_0000 | n)
}

pub const SCHOOL: Uuid = id(0x101);
pub const CAMHS: Uuid = id(0x102);
pub const SLT: Uuid = id(0x103);
pub const OT: Uuid = id(0x104);
pub const EP: Uuid = id(0x105);
pub const SOCIAL_CARE: Uuid = id(0x106);
pub const YOUTH_JUSTICE: Uuid = id(0x107);
pub const HEALTH: Uuid = id(0x108);
pub const LA_SEND: Uuid = id(0x109);
pub const NURSERY: Uuid = id(0x10a);
pub const COLLEGE: Uuid = id(0x10b);

/// Children: under 5, primary age, 15 (near the end of compulsory school
/// age), 17 (preparing for adulthood).
pub const POPPY: Uuid = id(0x201);
pub const AMIRA: Uuid = id(0x202);
pub const JAYDEN: Uuid = id(0x203);
pub const CHLOE: Uuid = id(0x204);

/// Sign-in identities of demo family members.
pub const PARENT_PERSON: &str = "demo-person-sara-khan";
pub const YOUNG_PERSON: &str = "demo-person-chloe-evans";
/// Jayden's mother, with parental responsibility: his draft plan awaits her.
pub const JAYDEN_PARENT_PERSON: &str = "demo-person-leanne-clarke";
