//! Annual reviews and phase transfers of an EHC plan (CFA 2014 ss.44–45;
//! SEND Regulations 2014 regs 18–22, 30–31; Code of Practice 9.166–9.211;
//! shared/LAW.md §6), and the plan status derived from the facts.
//!
//! A plan is named by the assessment that made it (the plan's id is the
//! assessment id) and was made on that assessment's `final_issued_on()`.
//! Its reviews are cycles: the first starts on the day the plan was made,
//! each later one on the day the previous review concluded (the date of
//! the council's decision notice). Each reg 20 step is a fact with its own
//! timer and a [`MilestoneStatus`] from [`crate::ehc::status`]. Pure date
//! arithmetic: the caller passes "today".

use std::collections::BTreeSet;

use chrono::{Datelike, Duration, Months, NaiveDate};
use uuid::Uuid;

use crate::ehc::{Assessment, MilestoneStatus, status};
use crate::{AgencyKind, EhcPlanStatus, SettingPhase};

pub use crate::calendar::REVIEW_MONTHS;
/// Invitations go out at least 2 weeks before the meeting (reg 20(3)).
pub const NOTICE_DAYS: i64 = 14;
/// Advice and information are circulated at least 2 weeks before the
/// meeting (reg 20(4)).
pub const PAPERS_DAYS: i64 = 14;
/// The report is sent within 2 weeks of the meeting (reg 20(7)).
pub const REPORT_DAYS: i64 = 14;
/// The council decides within 4 weeks of the meeting (reg 20(10)).
pub const DECISION_DAYS: i64 = 28;
/// An amended plan is final within 8 weeks of the amendment notice
/// (reg 22(3); R (L, M and P) v Devon CC \[2022\] EWHC 493 (Admin)).
pub const AMENDED_PLAN_DAYS: i64 = 56;
/// A child is "under 5" for the shorter review interval (CoP 9.178).
pub const UNDER_FIVE_YEARS: u32 = 5;

pub use crate::calendar::{period_end, review_due};

/// How often the council reviews the plans of children under 5 (CoP
/// 9.178: "consider reviewing … every 3 to 6 months"). Made only by
/// [`ReviewPolicy::new`], so never outside 3..=6.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReviewPolicy {
    under_five_months: u32,
}

/// A review interval outside what the Code of Practice allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the review interval for children under 5 is 3 to 6 months (CoP 9.178), not {0}")]
pub struct ReviewPolicyError(pub u32);

impl ReviewPolicy {
    /// The default interval for under-5s: 6 months.
    pub const DEFAULT_UNDER_FIVE_MONTHS: u32 = 6;

    pub fn new(under_five_months: u32) -> Result<Self, ReviewPolicyError> {
        if (3..=6).contains(&under_five_months) {
            Ok(Self { under_five_months })
        } else {
            Err(ReviewPolicyError(under_five_months))
        }
    }

    pub fn under_five_months(self) -> u32 {
        self.under_five_months
    }

    /// The due date of the review cycle starting on `start`: within 12
    /// months (s.44(1)), or the under-5 interval while the child is under 5
    /// on `start` — never later than the 12 months.
    pub fn due(self, start: NaiveDate, date_of_birth: Option<NaiveDate>) -> NaiveDate {
        let year = review_due(start);
        let under_five = date_of_birth
            .and_then(|dob| dob.checked_add_months(Months::new(12 * UNDER_FIVE_YEARS)))
            .is_some_and(|fifth| start < fifth);
        if under_five {
            period_end(start, self.under_five_months).min(year)
        } else {
            year
        }
    }
}

impl Default for ReviewPolicy {
    fn default() -> Self {
        Self {
            under_five_months: Self::DEFAULT_UNDER_FIVE_MONTHS,
        }
    }
}

crate::code_enum! {
    /// A reg 20 step of an annual review, as recorded.
    pub enum ReviewStep("review step") {
        /// The meeting date was set (rescheduling sets it again).
        MeetingSet = "MEETING_SET",
        /// Family, setting, LA SEND, health and social care invited, at
        /// least 2 weeks before the meeting (reg 20(1), (3)).
        InvitationsSent = "INVITATIONS_SENT",
        /// Advice and information circulated at least 2 weeks before
        /// (reg 20(4)).
        PapersCirculated = "PAPERS_CIRCULATED",
        /// The meeting was held: the review is "held" by it.
        MeetingHeld = "MEETING_HELD",
        /// The report sent within 2 weeks of the meeting (reg 20(7)).
        ReportSent = "REPORT_SENT",
        /// The council's decision, within 4 weeks of the meeting, notified
        /// with appeal rights (reg 20(10)): it concludes the review.
        Decision = "DECISION",
        /// The amended plan issued final, within 8 weeks of the decision
        /// notice (reg 22(3)).
        AmendedPlanIssued = "AMENDED_PLAN_ISSUED",
    }
}

impl ReviewStep {
    /// In a parent's words.
    pub fn label(self) -> &'static str {
        match self {
            ReviewStep::MeetingSet => "The review meeting is arranged",
            ReviewStep::InvitationsSent => "Everyone is invited, 2 weeks before the meeting",
            ReviewStep::PapersCirculated => "Reports are shared, 2 weeks before the meeting",
            ReviewStep::MeetingHeld => "The review meeting",
            ReviewStep::ReportSent => "The review report, within 2 weeks of the meeting",
            ReviewStep::Decision => "The council's decision, within 4 weeks of the meeting",
            ReviewStep::AmendedPlanIssued => "The amended plan, within 8 weeks of the decision",
        }
    }
}

crate::code_enum! {
    /// What the council decides after a review (reg 20(10)).
    pub enum ReviewDecision("review decision") {
        Maintain = "MAINTAIN",
        Amend = "AMEND",
        Cease = "CEASE",
    }
}

crate::code_enum! {
    /// The only grounds to cease a plan (s.45(1)): never "left education at
    /// 18 or over" by itself (reg 30).
    pub enum CeaseGround("cease ground") {
        /// It is no longer necessary for the plan to be maintained
        /// (s.45(1)(b)).
        NoLongerNecessary = "NO_LONGER_NECESSARY",
        /// The council is no longer responsible for the child or young
        /// person (s.45(1)(a)).
        NoLongerResponsible = "NO_LONGER_RESPONSIBLE",
    }
}

/// The council's decision as a value: ceasing always carries its ground.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Maintain,
    Amend,
    Cease(CeaseGround),
}

impl Decision {
    pub fn kind(self) -> ReviewDecision {
        match self {
            Decision::Maintain => ReviewDecision::Maintain,
            Decision::Amend => ReviewDecision::Amend,
            Decision::Cease(_) => ReviewDecision::Cease,
        }
    }

    pub fn cease_ground(self) -> Option<CeaseGround> {
        match self {
            Decision::Cease(g) => Some(g),
            _ => None,
        }
    }
}

/// What a recorded review fact says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReviewEvent {
    MeetingSet {
        meeting_on: NaiveDate,
    },
    /// Who was invited: the agencies by kind, and the family (always: reg
    /// 20(1)(a); [`ReviewCycle::check`] refuses invitations without them).
    InvitationsSent {
        invited: BTreeSet<AgencyKind>,
        family: bool,
    },
    PapersCirculated,
    MeetingHeld,
    ReportSent,
    /// Notified with appeal rights (and, to cease, after consulting the
    /// family): the constructor refuses otherwise.
    Decided(Decision),
    AmendedPlanIssued,
}

impl ReviewEvent {
    pub fn step(&self) -> ReviewStep {
        match self {
            ReviewEvent::MeetingSet { .. } => ReviewStep::MeetingSet,
            ReviewEvent::InvitationsSent { .. } => ReviewStep::InvitationsSent,
            ReviewEvent::PapersCirculated => ReviewStep::PapersCirculated,
            ReviewEvent::MeetingHeld => ReviewStep::MeetingHeld,
            ReviewEvent::ReportSent => ReviewStep::ReportSent,
            ReviewEvent::Decided(_) => ReviewStep::Decision,
            ReviewEvent::AmendedPlanIssued => ReviewStep::AmendedPlanIssued,
        }
    }
}

/// A recorded step of a review, dated (`on`: the day it happened; for
/// MEETING_SET the day the date was set).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewFact {
    pub id: Uuid,
    pub on: NaiveDate,
    pub event: ReviewEvent,
}

/// What the council asks to record as its decision, before it is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecisionAsk {
    pub decision: ReviewDecision,
    pub cease_ground: Option<CeaseGround>,
    pub appeal_rights_notified: bool,
    pub family_consulted: bool,
}

impl DecisionAsk {
    /// The decision, or why it cannot be recorded: ceasing needs a s.45
    /// ground and consultation (reg 31); every decision is notified with the
    /// right of appeal.
    pub fn decision(self) -> Result<Decision, ReviewError> {
        if !self.appeal_rights_notified {
            return Err(ReviewError::AppealRightsNotNotified);
        }
        match (self.decision, self.cease_ground) {
            (ReviewDecision::Cease, None) => Err(ReviewError::CeaseWithoutGround),
            (ReviewDecision::Cease, Some(_)) if !self.family_consulted => {
                Err(ReviewError::CeaseWithoutConsulting)
            }
            (ReviewDecision::Cease, Some(g)) => Ok(Decision::Cease(g)),
            (_, Some(_)) => Err(ReviewError::GroundWithoutCease),
            (ReviewDecision::Maintain, None) => Ok(Decision::Maintain),
            (ReviewDecision::Amend, None) => Ok(Decision::Amend),
        }
    }
}

/// One review of a plan: from its start to the council's decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewCycle {
    /// `None` until the council opens it (by arranging the meeting).
    pub id: Option<Uuid>,
    pub plan_id: Uuid,
    /// The day the plan was made, or the last review concluded.
    pub starts_on: NaiveDate,
    pub due_on: NaiveDate,
    /// For a review imported with a plan made before the hub: the day it
    /// concluded (its steps are not known).
    pub imported_concluded_on: Option<NaiveDate>,
    pub facts: Vec<ReviewFact>,
}

/// A step of a review on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepState {
    pub step: ReviewStep,
    pub due: NaiveDate,
    pub done_on: Option<NaiveDate>,
    pub status: MilestoneStatus,
}

impl ReviewCycle {
    /// A cycle not yet opened, starting on `start`.
    pub fn due_from(
        plan_id: Uuid,
        start: NaiveDate,
        date_of_birth: Option<NaiveDate>,
        policy: ReviewPolicy,
    ) -> Self {
        Self {
            id: None,
            plan_id,
            starts_on: start,
            due_on: policy.due(start, date_of_birth),
            imported_concluded_on: None,
            facts: Vec::new(),
        }
    }

    fn first(&self, step: ReviewStep) -> Option<&ReviewFact> {
        self.facts.iter().find(|f| f.event.step() == step)
    }

    /// The meeting date in force: the latest one set.
    pub fn meeting_on(&self) -> Option<NaiveDate> {
        self.facts.iter().rev().find_map(|f| match f.event {
            ReviewEvent::MeetingSet { meeting_on } => Some(meeting_on),
            _ => None,
        })
    }

    pub fn done_on(&self, step: ReviewStep) -> Option<NaiveDate> {
        self.first(step).map(|f| f.on)
    }

    pub fn held_on(&self) -> Option<NaiveDate> {
        self.done_on(ReviewStep::MeetingHeld)
    }

    /// The council's decision and its date.
    pub fn decision(&self) -> Option<(Decision, NaiveDate)> {
        self.facts.iter().find_map(|f| match f.event {
            ReviewEvent::Decided(d) => Some((d, f.on)),
            _ => None,
        })
    }

    /// Who was invited: agencies by kind, and whether the family was.
    pub fn invited(&self) -> Option<(&BTreeSet<AgencyKind>, bool)> {
        self.facts.iter().find_map(|f| match &f.event {
            ReviewEvent::InvitationsSent { invited, family } => Some((invited, *family)),
            _ => None,
        })
    }

    /// The day the review concluded (the decision notice), if it has.
    pub fn concluded_on(&self) -> Option<NaiveDate> {
        self.decision()
            .map(|(_, on)| on)
            .or(self.imported_concluded_on)
    }

    /// Where the review stands: it is held by the meeting, on or before
    /// the due date to be on time.
    pub fn status(&self, today: NaiveDate) -> MilestoneStatus {
        if self.imported_concluded_on.is_some() {
            // Held before the hub: only its conclusion is known, not
            // whether it was on time.
            return MilestoneStatus::Done;
        }
        status(self.due_on, self.held_on(), today)
    }

    /// Each reg 20 step with its due date and status on `today`. Before the
    /// meeting is set, the steps before it are timed from the due date;
    /// after the meeting, from the day it was held.
    pub fn steps(&self, today: NaiveDate) -> Vec<StepState> {
        let meeting = self.meeting_on().unwrap_or(self.due_on);
        let held = self.held_on().unwrap_or(meeting);
        let before = |days| meeting - Duration::days(days);
        let mut due = vec![
            (
                ReviewStep::MeetingSet,
                self.due_on - Duration::days(NOTICE_DAYS),
            ),
            (ReviewStep::InvitationsSent, before(NOTICE_DAYS)),
            (ReviewStep::PapersCirculated, before(PAPERS_DAYS)),
            (ReviewStep::MeetingHeld, self.due_on),
            (ReviewStep::ReportSent, held + Duration::days(REPORT_DAYS)),
            (ReviewStep::Decision, held + Duration::days(DECISION_DAYS)),
        ];
        if let Some((Decision::Amend, on)) = self.decision() {
            due.push((
                ReviewStep::AmendedPlanIssued,
                on + Duration::days(AMENDED_PLAN_DAYS),
            ));
        }
        due.into_iter()
            .map(|(step, due)| {
                let done_on = self.done_on(step);
                StepState {
                    step,
                    due,
                    done_on,
                    status: status(due, done_on, today),
                }
            })
            .collect()
    }

    /// The amended plan's deadline, once the council decided to amend.
    pub fn amended_plan_due(&self) -> Option<NaiveDate> {
        match self.decision() {
            Some((Decision::Amend, on)) => Some(on + Duration::days(AMENDED_PLAN_DAYS)),
            _ => None,
        }
    }

    /// Checks a fact against the regulations' order and dates.
    pub fn check(
        &self,
        event: &ReviewEvent,
        on: NaiveDate,
        today: NaiveDate,
    ) -> Result<(), ReviewError> {
        if on > today {
            return Err(ReviewError::InFuture);
        }
        if on < self.starts_on {
            return Err(ReviewError::BeforeStart {
                start: self.starts_on,
            });
        }
        if self.imported_concluded_on.is_some() {
            return Err(ReviewError::Concluded);
        }
        let step = event.step();
        let decided = self.decision();
        match event {
            ReviewEvent::MeetingSet { meeting_on } => {
                if self.held_on().is_some() {
                    return Err(ReviewError::MeetingAlreadyHeld);
                }
                if *meeting_on < self.starts_on {
                    return Err(ReviewError::MeetingBeforeStart {
                        start: self.starts_on,
                    });
                }
            }
            ReviewEvent::InvitationsSent { family, .. } => {
                if !family {
                    return Err(ReviewError::FamilyNotInvited);
                }
                self.needs_meeting_set()?;
            }
            ReviewEvent::PapersCirculated => self.needs_meeting_set()?,
            ReviewEvent::MeetingHeld => self.needs_meeting_set()?,
            ReviewEvent::ReportSent => {
                self.after_meeting(on, ReviewError::ReportBeforeMeeting)?;
            }
            ReviewEvent::Decided(_) => {
                if decided.is_some() {
                    return Err(ReviewError::AlreadyDecided);
                }
                self.after_meeting(on, ReviewError::DecisionBeforeMeeting)?;
            }
            ReviewEvent::AmendedPlanIssued => match decided {
                Some((Decision::Amend, decided_on)) if on < decided_on => {
                    return Err(ReviewError::AmendedBeforeDecision { decided_on });
                }
                Some((Decision::Amend, _)) => {}
                _ => return Err(ReviewError::NotAmending),
            },
        }
        if step != ReviewStep::MeetingSet && step != ReviewStep::Decision {
            if self.done_on(step).is_some() {
                return Err(ReviewError::AlreadyRecorded(step));
            }
            if decided.is_some() && step != ReviewStep::AmendedPlanIssued {
                return Err(ReviewError::Concluded);
            }
        }
        if step == ReviewStep::MeetingSet && decided.is_some() {
            return Err(ReviewError::Concluded);
        }
        Ok(())
    }

    fn needs_meeting_set(&self) -> Result<(), ReviewError> {
        if self.meeting_on().is_none() {
            return Err(ReviewError::NoMeetingSet);
        }
        Ok(())
    }

    fn after_meeting(&self, on: NaiveDate, error: ReviewError) -> Result<(), ReviewError> {
        match self.held_on() {
            Some(held) if on >= held => Ok(()),
            _ => Err(error),
        }
    }
}

/// A plan's reviews: those recorded, and the one due now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanReviews {
    pub plan_id: Uuid,
    pub made_on: NaiveDate,
    /// Recorded cycles, oldest first.
    pub cycles: Vec<ReviewCycle>,
    /// The day the plan ceased, if it has.
    pub ceased_on: Option<NaiveDate>,
}

impl PlanReviews {
    /// The cycle under way: the last recorded one if it has not concluded,
    /// else a new one starting on the last conclusion (or the day the plan
    /// was made); `None` once the plan has ceased.
    pub fn current(
        &self,
        date_of_birth: Option<NaiveDate>,
        policy: ReviewPolicy,
    ) -> Option<ReviewCycle> {
        if self.ceased_on.is_some() {
            return None;
        }
        match self.cycles.last() {
            Some(c) if c.concluded_on().is_none() => Some(c.clone()),
            Some(c) => Some(ReviewCycle::due_from(
                self.plan_id,
                c.concluded_on().unwrap_or(c.starts_on),
                date_of_birth,
                policy,
            )),
            None => Some(ReviewCycle::due_from(
                self.plan_id,
                self.made_on,
                date_of_birth,
                policy,
            )),
        }
    }

    /// The review whose decision to amend awaits its amended plan (where
    /// the plan's amendment flow records the amended plan issued).
    pub fn amending(&self) -> Option<&ReviewCycle> {
        self.cycles.iter().rev().find(|c| {
            matches!(c.decision(), Some((Decision::Amend, _)))
                && c.done_on(ReviewStep::AmendedPlanIssued).is_none()
        })
    }

    /// Every amended plan issued after a review, oldest first.
    pub fn amended_plans(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.cycles
            .iter()
            .filter_map(|c| c.done_on(ReviewStep::AmendedPlanIssued))
    }

    /// Refuses any step once the plan has ceased.
    pub fn check_maintained(&self) -> Result<(), ReviewError> {
        match self.ceased_on {
            Some(_) => Err(ReviewError::PlanCeased),
            None => Ok(()),
        }
    }
}

/// A plan made before the hub, as the council records it: only the dates
/// it knows. Its 20-week figures are unknown, so it is excluded from
/// timeliness.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlanImport {
    pub made_on: NaiveDate,
    pub last_review_concluded_on: Option<NaiveDate>,
    pub request_received_on: Option<NaiveDate>,
    pub decided_to_assess_on: Option<NaiveDate>,
    pub draft_issued_on: Option<NaiveDate>,
}

impl PlanImport {
    /// Checks the dates: none in the future, each in order, and no plan
    /// already maintained (or assessment in progress) for the child.
    pub fn check(
        &self,
        existing: &[Assessment],
        ceased: &BTreeSet<Uuid>,
        today: NaiveDate,
    ) -> Result<(), ImportError> {
        let dated = [
            (self.request_received_on, "requestReceivedOn"),
            (self.decided_to_assess_on, "decidedToAssessOn"),
            (self.draft_issued_on, "draftIssuedOn"),
            (Some(self.made_on), "madeOn"),
            (self.last_review_concluded_on, "lastReviewConcludedOn"),
        ];
        let mut previous: Option<(NaiveDate, &'static str)> = None;
        for (on, field) in dated {
            let Some(on) = on else { continue };
            if on > today {
                return Err(ImportError::InFuture(field));
            }
            if let Some((before, before_field)) = previous
                && on < before
            {
                return Err(ImportError::OutOfOrder {
                    field,
                    after: before_field,
                });
            }
            previous = Some((on, field));
        }
        if existing
            .iter()
            .any(|a| a.plan_maintained() && !ceased.contains(&a.id))
        {
            return Err(ImportError::PlanMaintained);
        }
        if existing.iter().any(Assessment::in_progress) {
            return Err(ImportError::InProgress);
        }
        Ok(())
    }

    /// The assessment's request date: the one given, else the day the plan
    /// was made (the row needs one; the import is excluded from
    /// timeliness, so it is never counted).
    pub fn request_on(&self) -> NaiveDate {
        self.request_received_on.unwrap_or(self.made_on)
    }
}

/// Why a plan cannot be imported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    #[error("cannot be in the future")]
    InFuture(&'static str),
    #[error("cannot be before {after}")]
    OutOfOrder {
        field: &'static str,
        after: &'static str,
    },
    #[error("this child already has an EHC plan maintained")]
    PlanMaintained,
    #[error("this child already has an assessment in progress")]
    InProgress,
}

impl ImportError {
    pub fn field(&self) -> &'static str {
        match self {
            ImportError::InFuture(f) | ImportError::OutOfOrder { field: f, .. } => f,
            ImportError::PlanMaintained | ImportError::InProgress => "childId",
        }
    }
}

/// Why a review step cannot be recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ReviewError {
    #[error("cannot be in the future")]
    InFuture,
    #[error("cannot be before this review started ({start})")]
    BeforeStart { start: NaiveDate },
    #[error("the meeting cannot be before this review started ({start})")]
    MeetingBeforeStart { start: NaiveDate },
    #[error("the meeting has already been held")]
    MeetingAlreadyHeld,
    #[error("arrange the meeting first (scheduleReview)")]
    NoMeetingSet,
    #[error("the family is always invited to the review (reg 20(1))")]
    FamilyNotInvited,
    #[error("the report follows the meeting")]
    ReportBeforeMeeting,
    #[error("the council decides after the meeting")]
    DecisionBeforeMeeting,
    #[error("the council's decision on this review has already been recorded")]
    AlreadyDecided,
    #[error("this step has already been recorded: {0}")]
    AlreadyRecorded(ReviewStep),
    #[error("this review has concluded")]
    Concluded,
    #[error("an amended plan follows a decision to amend")]
    NotAmending,
    #[error("the amended plan follows the decision to amend ({decided_on})")]
    AmendedBeforeDecision { decided_on: NaiveDate },
    #[error(
        "a plan ceases only when the council is no longer responsible or it is no longer necessary (s.45): give the ground"
    )]
    CeaseWithoutGround,
    #[error("a ground is given only when ceasing the plan")]
    GroundWithoutCease,
    #[error("the council consults the family before ceasing a plan (reg 31)")]
    CeaseWithoutConsulting,
    #[error("the decision is notified with the family's right of appeal")]
    AppealRightsNotNotified,
    #[error("this plan has ceased")]
    PlanCeased,
    #[error("a phase transfer is set for a date after today")]
    TransferInPast,
}

impl ReviewError {
    pub fn field(&self) -> &'static str {
        match self {
            ReviewError::MeetingBeforeStart { .. } => "meetingOn",
            ReviewError::FamilyNotInvited => "invited",
            ReviewError::CeaseWithoutGround | ReviewError::GroundWithoutCease => "ceaseGround",
            ReviewError::CeaseWithoutConsulting => "familyConsulted",
            ReviewError::AppealRightsNotNotified => "appealRightsNotified",
            ReviewError::AlreadyRecorded(_) => "step",
            ReviewError::PlanCeased | ReviewError::Concluded | ReviewError::NotAmending => "planId",
            ReviewError::TransferInPast => "transferOn",
            ReviewError::AlreadyDecided => "decision",
            _ => "on",
        }
    }
}

crate::code_enum! {
    /// A move between settings that reg 18 times.
    pub enum TransferKind("transfer kind") {
        /// Between schools (early years to reception, primary to
        /// secondary, and the like): by 15 February of the transfer year.
        BetweenSchools = "BETWEEN_SCHOOLS",
        /// From school (Year 11) to a post-16 institution: by 31 March.
        SchoolToPostSixteen = "SCHOOL_TO_POST_16",
        /// Between post-16 institutions: 5 months before the move.
        PostSixteenToPostSixteen = "POST_16_TO_POST_16",
    }
}

/// The months before a post-16 → post-16 move by which the plan is amended
/// (reg 18(1)(b)).
pub const POST_16_TRANSFER_MONTHS: u32 = 5;

impl TransferKind {
    /// The kind of a move from one phase to another.
    pub fn of(from: Option<SettingPhase>, to: SettingPhase) -> Self {
        match (from, to) {
            (Some(SettingPhase::PostSixteen), SettingPhase::PostSixteen) => {
                TransferKind::PostSixteenToPostSixteen
            }
            (_, SettingPhase::PostSixteen) => TransferKind::SchoolToPostSixteen,
            _ => TransferKind::BetweenSchools,
        }
    }

    /// Reg 18: the amended plan naming the next setting is issued by this
    /// day for a transfer on `transfer_on`.
    pub fn deadline(self, transfer_on: NaiveDate) -> NaiveDate {
        let year = transfer_on.year();
        match self {
            TransferKind::BetweenSchools => ymd(year, 2, 15),
            TransferKind::SchoolToPostSixteen => ymd(year, 3, 31),
            TransferKind::PostSixteenToPostSixteen => transfer_on
                .checked_sub_months(Months::new(POST_16_TRANSFER_MONTHS))
                .unwrap_or(NaiveDate::MIN),
        }
    }
}

fn ymd(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).unwrap_or(NaiveDate::MIN)
}

/// The first day of the school year (the LA's autumn term start: 1
/// September unless configured).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct YearStart {
    month: u32,
    day: u32,
}

impl Default for YearStart {
    fn default() -> Self {
        Self { month: 9, day: 1 }
    }
}

impl YearStart {
    /// A year start from a month and day that exist in every year.
    pub fn new(month: u32, day: u32) -> Option<Self> {
        NaiveDate::from_ymd_opt(2001, month, day).map(|_| Self { month, day })
    }

    pub fn in_year(self, year: i32) -> NaiveDate {
        ymd(year, self.month, self.day)
    }

    /// The start of the school year `today` falls in.
    pub fn current(self, today: NaiveDate) -> NaiveDate {
        let this = self.in_year(today.year());
        if today >= this {
            this
        } else {
            self.in_year(today.year() - 1)
        }
    }
}

/// A year group as an ordinal: N1 = -2, N2 = -1, R = 0, Year 1 … Year 13.
pub fn year_ordinal(year_group: &str) -> Option<i32> {
    let g = year_group.trim().to_ascii_uppercase();
    match g.as_str() {
        "N1" => Some(-2),
        "N2" => Some(-1),
        "R" | "RECEPTION" => Some(0),
        _ => {
            let n: i32 = g
                .strip_prefix("YEAR")
                .or_else(|| g.strip_prefix('Y'))?
                .trim()
                .parse()
                .ok()?;
            (1..=13).contains(&n).then_some(n)
        }
    }
}

/// A phase transfer and its reg 18 deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PhaseTransfer {
    pub kind: TransferKind,
    pub from_phase: Option<SettingPhase>,
    pub to_phase: SettingPhase,
    pub transfer_on: NaiveDate,
    pub deadline: NaiveDate,
    /// Derived from the year group and phase (else set by the council).
    pub derived: bool,
}

impl PhaseTransfer {
    /// The next statutory transfer of a child in `year_group` at a setting
    /// of `phase`, on `today`: early years → reception, Year 6 → Year 7,
    /// Year 11 → post-16, at the start of the school year they move in.
    /// Special schools, post-16 settings and infant → junior moves vary by
    /// setting, so none is derived for them: the council sets them
    /// ([`PhaseTransfer::set`]).
    pub fn next(
        year_group: Option<&str>,
        phase: Option<SettingPhase>,
        today: NaiveDate,
        year_start: YearStart,
    ) -> Option<Self> {
        let year = year_ordinal(year_group?)?;
        let (moves_into, to) = match phase? {
            SettingPhase::EarlyYears if year < 0 => (0, SettingPhase::Primary),
            SettingPhase::Primary if (0..=6).contains(&year) => (7, SettingPhase::Secondary),
            SettingPhase::Secondary if (7..=11).contains(&year) => (12, SettingPhase::PostSixteen),
            _ => return None,
        };
        let years_ahead = moves_into - year;
        let transfer_on = year_start.in_year(year_start.current(today).year() + years_ahead);
        let kind = TransferKind::of(phase, to);
        Some(Self {
            kind,
            from_phase: phase,
            to_phase: to,
            transfer_on,
            deadline: kind.deadline(transfer_on),
            derived: true,
        })
    }

    /// A transfer the council sets (where the derived one is wrong or
    /// there is none): only for a date after today.
    pub fn set(
        from_phase: Option<SettingPhase>,
        to_phase: SettingPhase,
        transfer_on: NaiveDate,
        today: NaiveDate,
    ) -> Result<Self, ReviewError> {
        if transfer_on <= today {
            return Err(ReviewError::TransferInPast);
        }
        let kind = TransferKind::of(from_phase, to_phase);
        Ok(Self {
            kind,
            from_phase,
            to_phase,
            transfer_on,
            deadline: kind.deadline(transfer_on),
            derived: false,
        })
    }

    /// Done once an amended plan was issued in the year before the move
    /// (on time by the deadline).
    pub fn status(
        &self,
        amended_on: impl IntoIterator<Item = NaiveDate>,
        today: NaiveDate,
    ) -> (Option<NaiveDate>, MilestoneStatus) {
        let from = self
            .transfer_on
            .checked_sub_months(Months::new(12))
            .unwrap_or(NaiveDate::MIN);
        let done = amended_on
            .into_iter()
            .filter(|d| *d > from && *d <= self.transfer_on)
            .min();
        (done, status(self.deadline, done, today))
    }
}

/// The plan status the record shows, derived from the facts (never stored
/// twice): the maintained plan if there is one, else where the latest
/// assessment stands; a ceased plan shows CEASED until a new request.
pub fn plan_status(
    assessments: &[Assessment],
    ceased: &BTreeSet<Uuid>,
    today: NaiveDate,
) -> EhcPlanStatus {
    let maintained = |a: &&Assessment| {
        a.final_issued_on().is_some_and(|on| on <= today) && !ceased.contains(&a.id)
    };
    if assessments.iter().any(|a| maintained(&a)) {
        return EhcPlanStatus::Final;
    }
    let latest = assessments.iter().max_by_key(|a| a.request_received_on);
    match latest {
        None => EhcPlanStatus::NoPlan,
        Some(a) if ceased.contains(&a.id) => EhcPlanStatus::Ceased,
        Some(a) if a.in_progress() => match (a.decision(), a.draft_issued_on()) {
            (None, _) => EhcPlanStatus::AssessmentRequested,
            (Some(_), None) => EhcPlanStatus::Assessing,
            (Some(_), Some(_)) => EhcPlanStatus::DraftIssued,
        },
        // Decided not to assess or not to issue: no plan, unless an
        // earlier one ceased.
        Some(_) if assessments.iter().any(|a| ceased.contains(&a.id)) => EhcPlanStatus::Ceased,
        Some(_) => EhcPlanStatus::NoPlan,
    }
}

#[cfg(test)]
mod tests;
