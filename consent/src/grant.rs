//! Consent grants and withdrawals: immutable facts. A withdrawal is a new
//! fact about a grant, effective from the moment it is recorded.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use domain::{AgencyKind, Scope};
use uuid::Uuid;

use crate::{AgencyRef, Purpose};

domain::code_enum! {
    /// In which capacity the grantor consented.
    pub enum GrantorCapacity("grantor capacity") {
        ParentalResponsibility = "PARENTAL_RESPONSIBILITY",
        YoungPerson = "YOUNG_PERSON",
        Deputy = "DEPUTY",
        ParentForYoungPersonLackingCapacity = "PARENT_FOR_YOUNG_PERSON_LACKING_CAPACITY",
    }
}

domain::code_enum! {
    /// How consent was captured.
    pub enum CaptureMethod("capture method") {
        /// By the family themselves, signed in.
        Digital = "DIGITAL",
        /// On paper, recorded by a practitioner.
        Written = "WRITTEN",
        /// Spoken (in person or by phone), recorded by a practitioner.
        Verbal = "VERBAL",
    }
}

domain::code_enum! {
    pub enum GrantStatus("grant status") {
        Active = "ACTIVE",
        /// Not yet in force (`valid_from` is in the future).
        Pending = "PENDING",
        Withdrawn = "WITHDRAWN",
        Expired = "EXPIRED",
    }
}

/// Who a grant shares with: one agency, or every agency of a kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Recipient {
    Agency(Uuid),
    Kind(AgencyKind),
}

impl Recipient {
    pub fn covers(&self, agency: &AgencyRef) -> bool {
        match self {
            Recipient::Agency(id) => *id == agency.id,
            Recipient::Kind(kind) => *kind == agency.kind,
        }
    }
}

/// A withdrawal of a grant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Withdrawal {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub by_person_id: String,
    pub capacity: GrantorCapacity,
    pub reason: Option<String>,
    /// How the withdrawal itself was captured.
    pub method: CaptureMethod,
    /// The practitioner who recorded a written or verbal withdrawal.
    pub recorded_by: Option<String>,
}

/// A consent grant with what has since happened to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub id: Uuid,
    pub child_id: Uuid,
    pub grantor_person_id: String,
    pub capacity: GrantorCapacity,
    pub recipient: Recipient,
    pub scopes: BTreeSet<Scope>,
    pub purposes: BTreeSet<Purpose>,
    pub valid_from: DateTime<Utc>,
    pub valid_until: Option<DateTime<Utc>>,
    pub method: CaptureMethod,
    /// The practitioner who recorded a written or verbal consent.
    pub recorded_by: Option<String>,
    pub recorded_at: DateTime<Utc>,
    pub withdrawal: Option<Withdrawal>,
    /// When the young person confirmed a grant a parent made for them.
    pub confirmed_at: Option<DateTime<Utc>>,
}

impl Grant {
    pub fn status(&self, now: DateTime<Utc>) -> GrantStatus {
        if self.withdrawal.as_ref().is_some_and(|w| w.at <= now) {
            GrantStatus::Withdrawn
        } else if self.valid_until.is_some_and(|until| until <= now) {
            GrantStatus::Expired
        } else if self.valid_from > now {
            GrantStatus::Pending
        } else {
            GrantStatus::Active
        }
    }

    /// Does this grant, at `now`, let `agency` read `scope` for `purpose`?
    /// RESTRICTED is never granted by consent, whatever a grant says.
    pub fn allows(
        &self,
        agency: &AgencyRef,
        scope: Scope,
        purpose: Purpose,
        now: DateTime<Utc>,
    ) -> bool {
        scope.consentable()
            && self.status(now) == GrantStatus::Active
            && self.recipient.covers(agency)
            && self.scopes.contains(&scope)
            && self.purposes.contains(&purpose)
    }

    /// A parent's grant the young person has yet to confirm or withdraw.
    pub fn awaits_young_person(&self, now: DateTime<Utc>) -> bool {
        self.capacity == GrantorCapacity::ParentalResponsibility
            && self.confirmed_at.is_none()
            && matches!(self.status(now), GrantStatus::Active | GrantStatus::Pending)
    }
}
