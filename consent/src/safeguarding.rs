//! Safeguarding overrides ("break glass"): declared by a designated
//! safeguarding lead with a written reason, limited in scope and time, and
//! queued for IG review.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use domain::Scope;
use uuid::Uuid;

use crate::Principal;

domain::code_enum! {
    /// An IG reviewer's conclusion.
    pub enum ReviewOutcome("review outcome") {
        /// The override was justified.
        Upheld = "UPHELD",
        /// It was not: it stops at once, and the finding is kept.
        NotUpheld = "NOT_UPHELD",
    }
}

/// The fewest characters a written reason may have.
pub const MIN_REASON_CHARS: usize = 30;

/// An IG review of an override.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Review {
    pub id: Uuid,
    pub outcome: ReviewOutcome,
    pub note: String,
    pub reviewer: String,
    pub at: DateTime<Utc>,
}

/// A declared override.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Override {
    pub id: Uuid,
    pub child_id: Uuid,
    /// The declaring lead's subject and agency: the holder.
    pub declared_by: String,
    pub agency_id: Uuid,
    pub scopes: BTreeSet<Scope>,
    pub reason: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// False when the lead recorded that telling the family would put the
    /// child at risk.
    pub tell_family: bool,
    pub withhold_reason: Option<String>,
    pub review: Option<Review>,
}

impl Override {
    /// In force now: within its window and not found unjustified.
    pub fn active(&self, now: DateTime<Utc>) -> bool {
        let found_unjustified = self
            .review
            .as_ref()
            .is_some_and(|r| r.outcome == ReviewOutcome::NotUpheld);
        self.starts_at <= now && now < self.ends_at && !found_unjustified
    }

    /// Held by this principal: declared by them, for their agency.
    pub fn held_by(&self, principal: &Principal) -> bool {
        principal.subject == self.declared_by
            && principal.agency.is_some_and(|a| a.id == self.agency_id)
    }

    pub fn covers(&self, scope: Scope) -> bool {
        self.scopes.contains(&scope)
    }
}
