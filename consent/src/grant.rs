//! Consent grants and withdrawals: immutable facts. A withdrawal is a new
//! fact about a grant, effective from the moment it is recorded.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};
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

/// How a consent decision was captured, with who recorded it. The family's
/// own decision is DIGITAL and recorded by nobody; a written or verbal one is
/// always recorded by a practitioner: no other combination can be built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Capture {
    /// By the family themselves, signed in.
    Digital,
    /// On paper, recorded by this practitioner (their subject), with the
    /// reference of the signed form (`evidence`).
    Written {
        recorded_by: String,
        evidence: String,
    },
    /// Spoken, recorded by this practitioner (their subject), with the call
    /// record: its date, time and reference (`evidence`).
    Verbal {
        recorded_by: String,
        evidence: String,
    },
}

/// The evidence stored for a written or verbal decision recorded before
/// evidence was required (migration 11).
pub const EVIDENCE_NOT_RECORDED: &str = "not recorded (before evidence was required)";

/// The longest evidence reference accepted, in characters: a form or call
/// reference with a date, not a note.
pub const MAX_EVIDENCE_CHARS: usize = 200;

impl Capture {
    /// The method, as the API and the database spell it.
    pub fn method(&self) -> CaptureMethod {
        match self {
            Capture::Digital => CaptureMethod::Digital,
            Capture::Written { .. } => CaptureMethod::Written,
            Capture::Verbal { .. } => CaptureMethod::Verbal,
        }
    }

    /// The recording practitioner; none for the family's own decision.
    pub fn recorded_by(&self) -> Option<&str> {
        match self {
            Capture::Digital => None,
            Capture::Written { recorded_by, .. } | Capture::Verbal { recorded_by, .. } => {
                Some(recorded_by)
            }
        }
    }

    /// The evidence of a recorded decision (the form's reference, or the
    /// call record); none for the family's own.
    pub fn evidence(&self) -> Option<&str> {
        match self {
            Capture::Digital => None,
            Capture::Written { evidence, .. } | Capture::Verbal { evidence, .. } => Some(evidence),
        }
    }

    /// From its stored parts; `None` when they contradict each other (a
    /// DIGITAL decision someone recorded or with evidence, or a written one
    /// nobody did or without evidence).
    pub fn from_parts(
        method: CaptureMethod,
        recorded_by: Option<String>,
        evidence: Option<String>,
    ) -> Option<Self> {
        match (method, recorded_by, evidence) {
            (CaptureMethod::Digital, None, None) => Some(Capture::Digital),
            (CaptureMethod::Written, Some(recorded_by), Some(evidence)) => Some(Capture::Written {
                recorded_by,
                evidence,
            }),
            (CaptureMethod::Verbal, Some(recorded_by), Some(evidence)) => Some(Capture::Verbal {
                recorded_by,
                evidence,
            }),
            _ => None,
        }
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

/// Who makes a consent decision, in which capacity, how it was captured,
/// and which practitioner recorded it (none for the family's own DIGITAL
/// decision), as [`Decider::resolve`] finds them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decider {
    /// The person whose decision it is.
    pub person: String,
    /// Their capacity today.
    pub capacity: GrantorCapacity,
    /// How the decision was captured and who recorded it: DIGITAL for the
    /// family's own, WRITTEN (by default) or VERBAL for a practitioner's
    /// record.
    pub capture: Capture,
}

/// A withdrawal of a grant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Withdrawal {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub by_person_id: String,
    pub capacity: GrantorCapacity,
    pub reason: Option<String>,
    /// How the withdrawal itself was captured, and who recorded it.
    pub capture: Capture,
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
    /// How the consent was captured, and who recorded it.
    pub capture: Capture,
    pub recorded_at: DateTime<Utc>,
    pub withdrawal: Option<Withdrawal>,
    /// When the young person confirmed a grant a parent made for them, or
    /// the family confirmed one a practitioner recorded that needed it.
    pub confirmed_at: Option<DateTime<Utc>>,
    /// The privacy-notice (wording) version the family was shown.
    pub notice_version: String,
    /// The agreement version in force when the grant was made.
    pub agreement_version: i32,
    /// A practitioner's record that re-opens a scope the family withdrew
    /// recently: it gives no access until the family confirms it.
    pub needs_family_confirmation: bool,
}

impl Grant {
    pub fn status(&self, now: DateTime<Utc>) -> GrantStatus {
        if self.withdrawal.as_ref().is_some_and(|w| w.at <= now) {
            GrantStatus::Withdrawn
        } else if self.valid_until.is_some_and(|until| until <= now) {
            GrantStatus::Expired
        } else if self.valid_from > now || self.awaits_family() {
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
            && !self.needs_family_confirmation
            && matches!(self.status(now), GrantStatus::Active | GrantStatus::Pending)
    }

    /// A practitioner's record waiting for the family to confirm it (it may
    /// since have been withdrawn or have expired: see [`Grant::status`]).
    pub fn awaits_family(&self) -> bool {
        self.needs_family_confirmation && self.confirmed_at.is_none()
    }
}

/// How far in the past a grant's `valid_from` may lie: a form filled in a
/// moment ago still speaks for "from now on" (clock skew, slow networks);
/// anything older would cover the past.
pub const VALID_FROM_TOLERANCE_MINUTES: i64 = 5;

impl Recipient {
    /// The recipient from "give exactly one of" an agency id (which must be
    /// one of `agencies`) and an agency kind.
    pub fn one_of(
        agency_id: Option<Uuid>,
        kind: Option<AgencyKind>,
        agencies: &[domain::Agency],
    ) -> Result<Recipient, GrantError> {
        match (agency_id, kind) {
            (Some(id), None) if agencies.iter().any(|a| a.id == id) => Ok(Recipient::Agency(id)),
            (Some(_), None) => Err(GrantError::NoSuchAgency),
            (None, Some(kind)) => Ok(Recipient::Kind(kind)),
            _ => Err(GrantError::NotOneRecipient),
        }
    }
}

/// What a grant shares, with whom and for how long: checked by
/// [`GrantTerms::check`] before anything is loaded, and again by
/// [`Grant::new`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantTerms {
    /// Who it shares with.
    pub recipient: Recipient,
    /// What it shares: at least one scope, never RESTRICTED.
    pub scopes: BTreeSet<Scope>,
    /// For which purposes of use: at least one.
    pub purposes: BTreeSet<Purpose>,
    /// From when; now if not given. Never in the past.
    pub valid_from: Option<DateTime<Utc>>,
    /// Until when, if it ends: after `valid_from`, and in the future.
    pub valid_until: Option<DateTime<Utc>>,
}

impl GrantTerms {
    /// Checks the terms at `now`, in the order the API has always reported
    /// them, and returns the effective `valid_from`.
    pub fn check(&self, now: DateTime<Utc>) -> Result<DateTime<Utc>, GrantError> {
        if self.scopes.is_empty() {
            return Err(GrantError::NoScopes);
        }
        if self.scopes.contains(&Scope::Restricted) {
            return Err(GrantError::Restricted);
        }
        if self.purposes.is_empty() {
            return Err(GrantError::NoPurposes);
        }
        let valid_from = self.valid_from.unwrap_or(now);
        // Consent speaks for what happens from now on: it cannot cover the past.
        if valid_from < now - Duration::minutes(VALID_FROM_TOLERANCE_MINUTES) {
            return Err(GrantError::StartsInThePast);
        }
        if let Some(until) = self.valid_until
            && (until <= valid_from || until <= now)
        {
            return Err(GrantError::EndsTooSoon);
        }
        Ok(valid_from)
    }
}

/// A consent decision to record as a new grant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantRequest {
    /// The child it is about.
    pub child_id: Uuid,
    /// Who decides, as [`Decider::resolve`] found them.
    pub decider: Decider,
    /// What is shared.
    pub terms: GrantTerms,
    /// The privacy-notice version shown (from configuration).
    pub notice_version: String,
    /// The agreement version in force.
    pub agreement_version: i32,
    /// Scopes the family withdrew within the re-open window
    /// ([`ReopenWindow::recently_withdrawn`]).
    pub recently_withdrawn: BTreeSet<Scope>,
}

/// How long after the family withdraws a scope a practitioner's record
/// cannot re-open it without the family confirming (`reopen_window_days`
/// in configuration).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReopenWindow {
    /// In days.
    pub days: u32,
}

impl ReopenWindow {
    /// The scopes of `grants` withdrawn within the window before `now`.
    /// Any recipient counts: a "no" to one agency is read as a "no" to
    /// sharing that information by phone or paper at all, until the family
    /// says otherwise themself.
    pub fn recently_withdrawn(&self, grants: &[Grant], now: DateTime<Utc>) -> BTreeSet<Scope> {
        let since = now - Duration::days(i64::from(self.days));
        grants
            .iter()
            .filter(|g| {
                g.withdrawal
                    .as_ref()
                    .is_some_and(|w| w.at > since && w.at <= now)
            })
            .flat_map(|g| g.scopes.iter().copied())
            .collect()
    }
}

/// A young person's confirmation of a grant a parent made for them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirmation {
    /// The young person.
    pub person_id: String,
    /// When they confirmed it.
    pub at: DateTime<Utc>,
}

impl Grant {
    /// A new grant with id `id`, recorded at `now`, if its terms hold.
    pub fn new(request: GrantRequest, id: Uuid, now: DateTime<Utc>) -> Result<Grant, GrantError> {
        let valid_from = request.terms.check(now)?;
        let GrantRequest {
            child_id,
            decider,
            terms,
            notice_version,
            agreement_version,
            recently_withdrawn,
        } = request;
        // The family's own decision confirms itself; a practitioner's
        // record may not undo a recent "no" on its own.
        let needs_family_confirmation =
            decider.capture != Capture::Digital && !terms.scopes.is_disjoint(&recently_withdrawn);
        Ok(Grant {
            id,
            child_id,
            grantor_person_id: decider.person,
            capacity: decider.capacity,
            recipient: terms.recipient,
            scopes: terms.scopes,
            purposes: terms.purposes,
            valid_from,
            valid_until: terms.valid_until,
            capture: decider.capture,
            recorded_at: now,
            withdrawal: None,
            confirmed_at: None,
            notice_version,
            agreement_version,
            needs_family_confirmation,
        })
    }

    /// The withdrawal `decider` makes of this grant at `now`, with an
    /// optional short `reason`; refused if it is already withdrawn.
    pub fn withdraw(
        &self,
        decider: Decider,
        reason: Option<&str>,
        id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<Withdrawal, GrantError> {
        if self.withdrawal.is_some() {
            return Err(GrantError::AlreadyWithdrawn);
        }
        let reason = domain::input::optional_text("reason", reason)?;
        Ok(Withdrawal {
            id,
            at: now,
            by_person_id: decider.person,
            capacity: decider.capacity,
            reason,
            capture: decider.capture,
        })
    }

    /// The confirmation of a grant at `now`: of a practitioner's record
    /// that awaits the family, by a family member with consent authority
    /// themself (DIGITAL); of a parent's grant, by the young person while it
    /// awaits them.
    pub fn confirm(
        &self,
        decider: &Decider,
        now: DateTime<Utc>,
    ) -> Result<Confirmation, ConfirmError> {
        if self.awaits_family() {
            if decider.capture != Capture::Digital {
                return Err(ConfirmError::NotTheFamily);
            }
            if !matches!(self.status(now), GrantStatus::Pending) {
                return Err(ConfirmError::NotAwaiting);
            }
            return Ok(Confirmation {
                person_id: decider.person.clone(),
                at: now,
            });
        }
        if decider.capacity != GrantorCapacity::YoungPerson {
            return Err(ConfirmError::NotTheYoungPerson);
        }
        if !self.awaits_young_person(now) {
            return Err(ConfirmError::NotAwaiting);
        }
        Ok(Confirmation {
            person_id: decider.person.clone(),
            at: now,
        })
    }
}

/// Why a grant cannot be made or withdrawn as asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GrantError {
    /// Both or neither of an agency id and an agency kind were given.
    #[error("give exactly one of recipientAgencyId and recipientAgencyKind")]
    NotOneRecipient,
    /// The agency id names no agency.
    #[error("no such agency")]
    NoSuchAgency,
    /// No scope named.
    #[error("name at least one scope")]
    NoScopes,
    /// RESTRICTED named: never shared by consent.
    #[error("RESTRICTED information is never shared by consent")]
    Restricted,
    /// No purpose named.
    #[error("name at least one purpose of use")]
    NoPurposes,
    /// `valid_from` is further in the past than the tolerance.
    #[error("must not be in the past")]
    StartsInThePast,
    /// `valid_until` is not after `valid_from`, or not in the future.
    #[error("must be after validFrom and in the future")]
    EndsTooSoon,
    /// The grant was withdrawn before.
    #[error("this consent has already been withdrawn")]
    AlreadyWithdrawn,
    /// A submitted text (the withdrawal reason) cannot be accepted.
    #[error("{}", .0.message)]
    Invalid(#[from] domain::InvalidInput),
}

impl GrantError {
    /// The API field the error is about.
    pub fn field(&self) -> &'static str {
        match self {
            GrantError::NotOneRecipient | GrantError::NoSuchAgency => "recipientAgencyId",
            GrantError::NoScopes | GrantError::Restricted => "scopes",
            GrantError::NoPurposes => "purposes",
            GrantError::StartsInThePast => "validFrom",
            GrantError::EndsTooSoon => "validUntil",
            GrantError::AlreadyWithdrawn => "grantId",
            GrantError::Invalid(e) => e.field,
        }
    }
}

/// Why a grant cannot be confirmed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ConfirmError {
    /// Someone other than the young person (FORBIDDEN: no field).
    #[error("only the young person confirms consents made for them")]
    NotTheYoungPerson,
    /// A practitioner tried to confirm a record awaiting the family
    /// (FORBIDDEN: no field).
    #[error(
        "only the family confirms a consent recorded for them that re-opens what they recently withdrew"
    )]
    NotTheFamily,
    /// Not a parent's live grant still waiting for the young person.
    #[error("this consent is not waiting for your review")]
    NotAwaiting,
}

impl ConfirmError {
    /// The API field to fix, or `None` when the rule itself refuses
    /// (FORBIDDEN).
    pub fn field(&self) -> Option<&'static str> {
        match self {
            ConfirmError::NotTheYoungPerson | ConfirmError::NotTheFamily => None,
            ConfirmError::NotAwaiting => Some("grantId"),
        }
    }
}
