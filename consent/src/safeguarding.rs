//! Safeguarding overrides ("break glass"): declared by a designated
//! safeguarding lead on a named legal ground with a written reason, limited
//! in scope and time, optionally approved by a second person, and reviewed
//! by IG or the Caldicott Guardian by a deadline (`shared/LAW.md` §4).
//!
//! The lead's reason is internal: it may name a referrer or another third
//! party (DPA 2018 Sch 2 para 16). The family is told only through a
//! separate [`TellingDecision::family_notice`], and only once the lead's
//! telling decision allows it.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use domain::{AgencyKind, Scope};
use uuid::Uuid;

use crate::{AgencyRef, Agreement, Article6, Condition, LawfulBasis, Principal, Purpose, Role};

domain::code_enum! {
    /// An IG reviewer's conclusion.
    pub enum ReviewOutcome("review outcome") {
        /// The override was justified.
        Upheld = "UPHELD",
        /// It was not: it stops at once, and the finding is kept.
        NotUpheld = "NOT_UPHELD",
    }
}

domain::code_enum! {
    /// The legal ground an override rests on.
    pub enum OverrideGround("override ground") {
        /// Children Act 1989 s.47: an enquiry into significant harm.
        S47 = "S47",
        /// Children Act 1989 s.17: a child in need.
        S17 = "S17",
        /// DPA 2018 Sch 1 para 18: consent cannot be given or obtained, or
        /// asking would prejudice the child's protection.
        Sch1Para18 = "SCH1_PARA18",
        /// UK GDPR Art 6(1)(d): to protect someone's vital interests.
        VitalInterests = "VITAL_INTERESTS",
    }
}

impl OverrideGround {
    /// The law a disclosure under this ground rests on.
    pub fn lawful_basis(self) -> LawfulBasis {
        match self {
            OverrideGround::S47 => LawfulBasis::new(
                Article6::PublicTask,
                Some(Condition::Safeguarding),
                "Children Act 1989 s.47",
            ),
            OverrideGround::S17 => LawfulBasis::new(
                Article6::PublicTask,
                Some(Condition::Safeguarding),
                "Children Act 1989 s.17",
            ),
            OverrideGround::Sch1Para18 => LawfulBasis::new(
                Article6::PublicTask,
                Some(Condition::Safeguarding),
                "DPA 2018 Sch 1 para 18",
            ),
            OverrideGround::VitalInterests => LawfulBasis::new(
                Article6::VitalInterests,
                Some(Condition::VitalInterests),
                "UK GDPR Art 6(1)(d)",
            ),
        }
    }

    /// Parses the ground a lead submitted (required).
    pub fn from_input(input: Option<&str>) -> Result<Self, OverrideError> {
        let code = input
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .ok_or(OverrideError::GroundMissing)?;
        code.parse().map_err(|_| OverrideError::GroundMissing)
    }
}

domain::code_enum! {
    /// What the lead decided about telling the family.
    pub enum TellingChoice("telling decision") {
        /// Telling the family is safe now.
        TellNow = "TELL_NOW",
        /// Tell them from a given date (e.g. after a strategy discussion).
        TellOn = "TELL_ON",
        /// Not now, because telling would raise the risk or prejudice an
        /// enquiry; reconsidered by a review date.
        NotNow = "NOT_NOW",
    }
}

domain::code_enum! {
    /// The role in which a second person approved an override.
    pub enum ApproverRole("approver role") {
        /// Another designated safeguarding lead.
        SafeguardingLead = "SAFEGUARDING_LEAD",
        /// The organisation's Caldicott Guardian.
        CaldicottGuardian = "CALDICOTT_GUARDIAN",
    }
}

/// The fewest characters a written reason may have.
pub const MIN_REASON_CHARS: usize = 30;

/// The fewest characters a family-facing notice may have: enough to say
/// what was looked at and why, in words for the family.
pub const MIN_FAMILY_NOTICE_CHARS: usize = 20;

/// The most characters a family-facing notice may have (a short notice,
/// not a case note).
pub const MAX_FAMILY_NOTICE_CHARS: usize = 1_000;

/// The notice given for overrides declared before telling decisions were
/// recorded: it says nothing of the lead's reason.
pub const CARRIED_OVER_FAMILY_NOTICE: &str =
    "A safeguarding lead looked at parts of your child's record to help keep them safe.";

/// An IG (or Caldicott Guardian) review of an override.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Review {
    pub id: Uuid,
    pub outcome: ReviewOutcome,
    pub note: String,
    pub reviewer: String,
    pub at: DateTime<Utc>,
}

/// A second person's approval of an override.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Approval {
    pub id: Uuid,
    /// The approver's subject: never the declarer.
    pub approver: String,
    pub role: ApproverRole,
    pub at: DateTime<Utc>,
}

/// When the family may be told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Telling {
    /// Now.
    Now,
    /// From this date (UTC).
    On(NaiveDate),
    /// Not now, because …; reconsidered by `review_on`.
    NotNow {
        because: String,
        review_on: NaiveDate,
    },
}

impl Telling {
    pub fn choice(&self) -> TellingChoice {
        match self {
            Telling::Now => TellingChoice::TellNow,
            Telling::On(_) => TellingChoice::TellOn,
            Telling::NotNow { .. } => TellingChoice::NotNow,
        }
    }
}

/// The lead's decision about telling the family, with the notice written
/// for them. Decisions are facts: a changed one is a new decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TellingDecision {
    pub id: Uuid,
    pub telling: Telling,
    /// What the family is shown: never the lead's internal reason.
    pub family_notice: String,
    pub decided_by: String,
    pub decided_at: DateTime<Utc>,
}

impl TellingDecision {
    /// Whether the family may be told on `today`.
    pub fn allows_telling(&self, today: NaiveDate) -> bool {
        match self.telling {
            Telling::Now => true,
            Telling::On(date) => today >= date,
            Telling::NotNow { .. } => false,
        }
    }
}

/// A telling decision as the lead submits it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TellingRequest {
    pub choice: TellingChoice,
    /// Required with TELL_ON, refused otherwise.
    pub tell_on: Option<NaiveDate>,
    /// Required with NOT_NOW, refused otherwise.
    pub not_now_because: Option<String>,
    /// Required with NOT_NOW, refused otherwise.
    pub review_on: Option<NaiveDate>,
    /// The notice written for the family (always required).
    pub family_notice: String,
}

/// Lower-cased words, for comparing a notice with the reason.
/// The words of `text`, lower-case, without the punctuation around them.
fn words(text: &str) -> Vec<String> {
    text.split_whitespace()
        .map(|w| {
            w.trim_matches(|c: char| !c.is_alphanumeric())
                .to_lowercase()
        })
        .filter(|w| !w.is_empty())
        .collect()
}

/// The fewest consecutive words of the internal reason a family notice may
/// not repeat: enough to carry a name or a detail ("Neighbour Mrs X
/// reported"), few enough that ordinary phrasing is not refused.
pub const NOTICE_SHARED_WORDS: usize = 4;

/// True when `notice` repeats any [`NOTICE_SHARED_WORDS`] consecutive words
/// of `reason` (or all of a shorter reason).
fn repeats(notice: &[String], reason: &[String]) -> bool {
    if reason.is_empty() {
        return false;
    }
    let n = NOTICE_SHARED_WORDS.min(reason.len());
    reason
        .windows(n)
        .any(|run| notice.windows(n).any(|w| w == run))
}

impl TellingRequest {
    /// Checks the request against the override's internal `reason`, on
    /// `today`.
    pub fn check(&self, reason: &str, today: NaiveDate) -> Result<(), OverrideError> {
        if self.family_notice.chars().any(char::is_control) {
            return Err(domain::InvalidInput::new(
                "familyNotice",
                "must not contain control characters",
            )
            .into());
        }
        let notice = self.family_notice.trim();
        let chars = notice.chars().count();
        if !(MIN_FAMILY_NOTICE_CHARS..=MAX_FAMILY_NOTICE_CHARS).contains(&chars) {
            return Err(OverrideError::FamilyNoticeLength);
        }
        if repeats(&words(notice), &words(reason)) {
            return Err(OverrideError::FamilyNoticeIsReason);
        }
        let because =
            domain::input::optional_text("notNowBecause", self.not_now_because.as_deref())?;
        let unexpected = |field| {
            Err(OverrideError::NotForThisChoice {
                field,
                choice: self.choice,
            })
        };
        match self.choice {
            TellingChoice::TellNow => {
                if self.tell_on.is_some() {
                    return unexpected("tellOn");
                }
            }
            TellingChoice::TellOn => match self.tell_on {
                None => return Err(OverrideError::TellOnMissing),
                Some(d) if d <= today => return Err(OverrideError::TellOnNotFuture),
                Some(_) => {}
            },
            TellingChoice::NotNow => {
                if self.tell_on.is_some() {
                    return unexpected("tellOn");
                }
                if because.is_none() {
                    return Err(OverrideError::NotNowBecauseMissing);
                }
                match self.review_on {
                    None => return Err(OverrideError::ReviewOnMissing),
                    Some(d) if d <= today => return Err(OverrideError::ReviewOnNotFuture),
                    Some(_) => {}
                }
            }
        }
        if self.choice != TellingChoice::NotNow {
            if because.is_some() {
                return unexpected("notNowBecause");
            }
            if self.review_on.is_some() {
                return unexpected("reviewOn");
            }
        }
        Ok(())
    }

    /// The decision, by `decided_by` at `now`, if the request holds.
    pub fn decide(
        self,
        reason: &str,
        decided_by: &str,
        id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<TellingDecision, OverrideError> {
        self.check(reason, now.date_naive())?;
        let telling = match (self.choice, self.tell_on, self.review_on) {
            (TellingChoice::TellNow, _, _) => Telling::Now,
            (TellingChoice::TellOn, Some(d), _) => Telling::On(d),
            (TellingChoice::NotNow, _, Some(review_on)) => Telling::NotNow {
                because: self
                    .not_now_because
                    .as_deref()
                    .map(str::trim)
                    .unwrap_or_default()
                    .to_owned(),
                review_on,
            },
            (TellingChoice::TellOn, None, _) => return Err(OverrideError::TellOnMissing),
            (TellingChoice::NotNow, _, None) => return Err(OverrideError::ReviewOnMissing),
        };
        Ok(TellingDecision {
            id,
            telling,
            family_notice: self.family_notice.trim().to_owned(),
            decided_by: decided_by.to_owned(),
            decided_at: now,
        })
    }
}

/// A declared override.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Override {
    pub id: Uuid,
    pub child_id: Uuid,
    /// The declaring lead's subject and agency: the holder.
    pub declared_by: String,
    pub agency_id: Uuid,
    pub ground: OverrideGround,
    /// True for an override declared before grounds were recorded: its
    /// ground was carried over as SCH1_PARA18 and IG must confirm it.
    pub ground_carried_over: bool,
    pub scopes: BTreeSet<Scope>,
    /// Internal: never shown to the family.
    pub reason: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// IG or the Caldicott Guardian reviews it by then.
    pub review_due_by: DateTime<Utc>,
    /// The telling decision in force (the latest).
    pub telling: TellingDecision,
    pub approval: Option<Approval>,
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

    /// Not yet reviewed, and its review deadline has passed.
    pub fn review_overdue(&self, now: DateTime<Utc>) -> bool {
        self.review.is_none() && now >= self.review_due_by
    }

    /// Whether the family may be told of it now (through its notice).
    pub fn family_may_be_told(&self, now: DateTime<Utc>) -> bool {
        self.telling.allows_telling(now.date_naive())
    }

    /// A second approval by `approver`, if they may give it: another
    /// safeguarding lead or a Caldicott Guardian, never the declarer, once.
    pub fn approve(
        &self,
        approver: &Principal,
        id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<Approval, ApprovalError> {
        let role = if approver.has(Role::CaldicottGuardian) {
            ApproverRole::CaldicottGuardian
        } else if approver.has(Role::SafeguardingLead) {
            ApproverRole::SafeguardingLead
        } else {
            return Err(ApprovalError::NotAnApprover);
        };
        if approver.subject == self.declared_by {
            return Err(ApprovalError::Declarer);
        }
        if self.approval.is_some() {
            return Err(ApprovalError::AlreadyApproved);
        }
        Ok(Approval {
            id,
            approver: approver.subject.clone(),
            role,
            at: now,
        })
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
    /// The legal ground's code as submitted (required).
    pub ground: Option<String>,
    /// What it opens: at least one scope, each one the agreement lets the
    /// agency read for safeguarding.
    pub scopes: BTreeSet<Scope>,
    /// Why, in at least [`MIN_REASON_CHARS`] characters (trimmed).
    /// Internal: never shown to the family.
    pub reason: String,
    /// How long, in hours: 1 to the configured maximum.
    pub hours: i32,
    /// When and what the family is told.
    pub telling: TellingRequest,
}

/// The deployment's bounds on overrides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OverrideLimits {
    /// The longest an override may last, in hours.
    pub max_hours: u32,
    /// Hours from declaration to the review deadline.
    pub review_hours: u32,
}

impl OverrideRequest {
    /// The checks that need nothing loaded. [`Override::declare`] runs them
    /// again.
    pub fn check(&self, max_hours: u32, today: NaiveDate) -> Result<OverrideGround, OverrideError> {
        let ground = OverrideGround::from_input(self.ground.as_deref())?;
        if self.reason.trim().chars().count() < MIN_REASON_CHARS {
            return Err(OverrideError::ReasonTooShort);
        }
        if self.hours < 1 || self.hours > i32::try_from(max_hours).unwrap_or(i32::MAX) {
            return Err(OverrideError::Hours { max: max_hours });
        }
        if self.scopes.is_empty() {
            return Err(OverrideError::NoScopes);
        }
        self.telling.check(&self.reason, today)?;
        Ok(ground)
    }
}

impl Override {
    /// Declares the override `request` asks for, with id `id`, from `now`
    /// for its hours, if its terms hold and `agreement` lets the lead's
    /// agency read every scope for safeguarding.
    pub fn declare(
        request: OverrideRequest,
        agreement: &Agreement,
        limits: OverrideLimits,
        id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<Override, OverrideError> {
        let ground = request.check(limits.max_hours, now.date_naive())?;
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
        let reason = request.reason.trim().to_owned();
        let telling = request
            .telling
            .decide(&reason, &request.declared_by, Uuid::now_v7(), now)?;
        Ok(Override {
            id,
            child_id: request.child_id,
            declared_by: request.declared_by,
            agency_id: agency.id,
            ground,
            ground_carried_over: false,
            scopes: request.scopes,
            reason,
            starts_at: now,
            ends_at: now + Duration::hours(i64::from(request.hours)),
            review_due_by: now + Duration::hours(i64::from(limits.review_hours)),
            telling,
            approval: None,
            review: None,
        })
    }
}

/// Why an override (or its telling decision) cannot be recorded as asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OverrideError {
    /// No ground, or one that is not a ground.
    #[error(
        "name the legal ground: S47 (Children Act 1989 s.47 enquiry), S17 (Children Act 1989 s.17), SCH1_PARA18 (DPA 2018 Sch 1 para 18) or VITAL_INTERESTS (UK GDPR Art 6(1)(d))"
    )]
    GroundMissing,
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
    /// The family notice is too short or too long.
    #[error(
        "write a notice for the family of {MIN_FAMILY_NOTICE_CHARS} to {MAX_FAMILY_NOTICE_CHARS} characters"
    )]
    FamilyNoticeLength,
    /// The family notice repeats the internal reason, or a run of its words.
    #[error(
        "the family notice must be written for the family, not repeat the internal reason or any part of it (it may name a third party)"
    )]
    FamilyNoticeIsReason,
    /// TELL_ON without a date.
    #[error("say from which date the family is told (TELL_ON)")]
    TellOnMissing,
    /// TELL_ON today or earlier.
    #[error("the date must be after today; to tell the family now, choose TELL_NOW")]
    TellOnNotFuture,
    /// NOT_NOW without saying why.
    #[error("say why telling the family now would raise the risk or prejudice an enquiry")]
    NotNowBecauseMissing,
    /// NOT_NOW without a review date.
    #[error("give the date by which not telling the family is reconsidered")]
    ReviewOnMissing,
    /// NOT_NOW with a review date today or earlier.
    #[error("the review date must be after today")]
    ReviewOnNotFuture,
    /// A telling field that does not go with the choice made.
    #[error("not given with {}", .choice.code())]
    NotForThisChoice {
        /// The API field given.
        field: &'static str,
        /// The choice it does not go with.
        choice: TellingChoice,
    },
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
    /// A submitted text cannot be accepted.
    #[error("{}", .0.message)]
    Invalid(#[from] domain::InvalidInput),
}

impl OverrideError {
    /// The API field the error is about.
    pub fn field(&self) -> &'static str {
        match self {
            OverrideError::GroundMissing => "ground",
            OverrideError::ReasonTooShort => "reason",
            OverrideError::Hours { .. } => "hours",
            OverrideError::NoScopes | OverrideError::OutsideAgreement { .. } => "scopes",
            OverrideError::FamilyNoticeLength | OverrideError::FamilyNoticeIsReason => {
                "familyNotice"
            }
            OverrideError::TellOnMissing | OverrideError::TellOnNotFuture => "tellOn",
            OverrideError::NotNowBecauseMissing => "notNowBecause",
            OverrideError::ReviewOnMissing | OverrideError::ReviewOnNotFuture => "reviewOn",
            OverrideError::NotForThisChoice { field, .. } => field,
            OverrideError::Invalid(e) => e.field,
        }
    }
}

/// Why a second approval cannot be given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApprovalError {
    /// Neither a safeguarding lead nor a Caldicott Guardian.
    #[error(
        "only another safeguarding lead (safeguarding_lead) or a Caldicott Guardian (caldicott_guardian) may approve an override"
    )]
    NotAnApprover,
    /// The declarer cannot approve their own override.
    #[error("a second approver must be someone other than the lead who declared the override")]
    Declarer,
    /// Approved already.
    #[error("this override already has a second approver")]
    AlreadyApproved,
}

impl ApprovalError {
    /// The API field the error is about (`None`: the rule refuses the caller).
    pub fn field(&self) -> Option<&'static str> {
        match self {
            ApprovalError::NotAnApprover | ApprovalError::Declarer => None,
            ApprovalError::AlreadyApproved => Some("id"),
        }
    }
}
