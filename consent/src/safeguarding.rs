//! Safeguarding overrides ("break glass"): declared by a designated
//! safeguarding lead with a written reason, limited in scope and time, and
//! queued for IG review.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};
use domain::{AgencyKind, Scope};
use uuid::Uuid;

use crate::{AgencyRef, Agreement, Principal, Purpose};

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

/// An override a safeguarding lead asks to declare.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverrideRequest {
    /// The child it is about.
    pub child_id: Uuid,
    /// The declaring lead's subject.
    pub declared_by: String,
    /// The lead's agency.
    pub agency: AgencyRef,
    /// What it opens: at least one scope, each one the agreement lets the
    /// agency read for safeguarding.
    pub scopes: BTreeSet<Scope>,
    /// Why, in at least [`MIN_REASON_CHARS`] characters (trimmed).
    pub reason: String,
    /// How long, in hours: 1 to the configured maximum.
    pub hours: i32,
    /// False only when telling the family would put the child at risk.
    pub tell_family: bool,
    /// Why not, required when `tell_family` is false.
    pub withhold_reason: Option<String>,
}

impl OverrideRequest {
    /// The checks that need nothing loaded, in the order the API has
    /// always reported them. [`Override::declare`] runs them again.
    pub fn check(&self, max_hours: u32) -> Result<(), OverrideError> {
        if self.reason.trim().chars().count() < MIN_REASON_CHARS {
            return Err(OverrideError::ReasonTooShort);
        }
        if self.hours < 1 || self.hours > i32::try_from(max_hours).unwrap_or(i32::MAX) {
            return Err(OverrideError::Hours { max: max_hours });
        }
        if self.scopes.is_empty() {
            return Err(OverrideError::NoScopes);
        }
        let withhold =
            domain::input::optional_text("withholdReason", self.withhold_reason.as_deref())?;
        if !self.tell_family && withhold.is_none() {
            return Err(OverrideError::WithholdReasonMissing);
        }
        Ok(())
    }
}

impl Override {
    /// Declares the override `request` asks for, with id `id`, from `now`
    /// for its hours, if its terms hold and `agreement` lets the lead's
    /// agency read every scope for safeguarding.
    pub fn declare(
        request: OverrideRequest,
        agreement: &Agreement,
        max_hours: u32,
        id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<Override, OverrideError> {
        request.check(max_hours)?;
        let agency = request.agency;
        if let Some(outside) = request.scopes.iter().find(|s| {
            !agreement
                .permission(agency.kind, **s, Purpose::Safeguarding)
                .read
        }) {
            return Err(OverrideError::OutsideAgreement {
                version: agreement.version,
                agency: agency.kind,
                scope: *outside,
            });
        }
        let withhold_reason =
            domain::input::optional_text("withholdReason", request.withhold_reason.as_deref())?;
        Ok(Override {
            id,
            child_id: request.child_id,
            declared_by: request.declared_by,
            agency_id: agency.id,
            scopes: request.scopes,
            reason: request.reason.trim().to_owned(),
            starts_at: now,
            ends_at: now + Duration::hours(i64::from(request.hours)),
            tell_family: request.tell_family,
            withhold_reason,
            review: None,
        })
    }
}

/// Why an override cannot be declared as asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OverrideError {
    /// The reason is shorter than [`MIN_REASON_CHARS`].
    #[error("write at least {min} characters saying why", min = MIN_REASON_CHARS)]
    ReasonTooShort,
    /// The hours are outside 1 to the maximum.
    #[error("must be between 1 and {max}")]
    Hours {
        /// The configured maximum.
        max: u32,
    },
    /// No scope named.
    #[error("name at least one scope")]
    NoScopes,
    /// Not telling the family, without saying why.
    #[error("say why telling the family would put the child at risk")]
    WithholdReasonMissing,
    /// A scope the agreement does not let the agency read for safeguarding.
    #[error(
        "the data-sharing agreement (version {version}) does not let {} read {} for safeguarding",
        .agency.label(),
        .scope.code()
    )]
    OutsideAgreement {
        /// The agreement version in force.
        version: i32,
        /// The lead's agency kind.
        agency: AgencyKind,
        /// The first scope outside it.
        scope: Scope,
    },
    /// A submitted text (the withhold reason) cannot be accepted.
    #[error("{}", .0.message)]
    Invalid(#[from] domain::InvalidInput),
}

impl OverrideError {
    /// The API field the error is about.
    pub fn field(&self) -> &'static str {
        match self {
            OverrideError::ReasonTooShort => "reason",
            OverrideError::Hours { .. } => "hours",
            OverrideError::NoScopes | OverrideError::OutsideAgreement { .. } => "scopes",
            OverrideError::WithholdReasonMissing => "withholdReason",
            OverrideError::Invalid(e) => e.field,
        }
    }
}
