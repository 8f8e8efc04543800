//! The EHC needs assessment clock (SEND Regulations 2014). Week 0 is the day
//! the local authority receives the request. Pure date arithmetic: the caller
//! passes "today".

use chrono::{Duration, Months, NaiveDate};

/// Days before a due date from which a milestone shows as due soon.
pub const DUE_SOON_DAYS: i64 = 14;

crate::code_enum! {
    /// A step of an EHC needs assessment.
    pub enum Milestone("milestone") {
        /// The LA tells the family whether it will assess (reg 5(3)): week 6.
        DecisionToAssess = "DECISION_TO_ASSESS",
        /// Each body asked for advice replies within 6 weeks (reg 8(1)).
        Advice = "ADVICE",
        /// Draft plan, or notice that no plan will be issued (reg 10(1)): week 16.
        Draft = "DRAFT",
        /// Final plan (reg 13(2)): week 20.
        FinalPlan = "FINAL_PLAN",
        /// Annual review: within 12 months of the plan, then of each review.
        AnnualReview = "ANNUAL_REVIEW",
    }
}

crate::code_enum! {
    /// Where a milestone stands today.
    pub enum MilestoneStatus("milestone status") {
        OnTrack = "ON_TRACK",
        /// Due within 14 days.
        DueSoon = "DUE_SOON",
        Overdue = "OVERDUE",
        Done = "DONE",
        DoneLate = "DONE_LATE",
        /// A recorded exception lifted this milestone's time limit: it is
        /// due "as soon as practicable" (regs 5(4), 8(2), 10(4), 13(3)).
        ExceptionApplies = "EXCEPTION_APPLIES",
    }
}

crate::code_enum! {
    /// The regulations' exceptions to the time limits (regs 8(2), 10(4), 13(3)).
    pub enum ClockException("time-limit exception") {
        SchoolClosure = "SCHOOL_CLOSURE",
        /// An early years provider closed for 4 weeks or more (reg 10(4)(b)).
        EarlyYearsClosure = "EARLY_YEARS_CLOSURE",
        ExceptionalPersonalCircumstances = "EXCEPTIONAL_PERSONAL_CIRCUMSTANCES",
        FamilyAbsent = "FAMILY_ABSENT",
        MissedAppointment = "MISSED_APPOINTMENT",
    }
}

crate::code_enum! {
    /// A statutory time limit an exception can attach to: each exception
    /// serves one limit only (LAW.md §5).
    pub enum TimeLimit("time limit") {
        /// Whether to assess: 6 weeks (reg 5(1)); exceptions reg 5(4).
        DecisionToAssess = "DECISION_TO_ASSESS",
        /// Each piece of advice: 6 weeks from the request (reg 8(1));
        /// exceptions reg 8(2).
        Advice = "ADVICE",
        /// The notice that no plan will be issued: 16 weeks (reg 10(1));
        /// exceptions reg 10(4).
        NoticeNotToIssue = "NOTICE_NOT_TO_ISSUE",
        /// The final plan: 20 weeks (reg 13(2)); exceptions reg 13(3).
        FinalPlan = "FINAL_PLAN",
    }
}

impl TimeLimit {
    /// The only grounds on which this limit falls away.
    pub fn grounds(self) -> &'static [ClockException] {
        use ClockException::*;
        match self {
            TimeLimit::DecisionToAssess => &[
                SchoolClosure,
                ExceptionalPersonalCircumstances,
                FamilyAbsent,
            ],
            TimeLimit::Advice => &[
                ExceptionalPersonalCircumstances,
                FamilyAbsent,
                MissedAppointment,
            ],
            TimeLimit::NoticeNotToIssue | TimeLimit::FinalPlan => &[
                SchoolClosure,
                EarlyYearsClosure,
                ExceptionalPersonalCircumstances,
                FamilyAbsent,
            ],
        }
    }

    /// The regulation that sets the limit, and the one giving its exceptions.
    pub fn regulation(self) -> (&'static str, &'static str) {
        match self {
            TimeLimit::DecisionToAssess => ("reg 5(1)", "reg 5(4)"),
            TimeLimit::Advice => ("reg 8(1)", "reg 8(2)"),
            TimeLimit::NoticeNotToIssue => ("reg 10(1)", "reg 10(4)"),
            TimeLimit::FinalPlan => ("reg 13(2)", "reg 13(3)"),
        }
    }
}

impl ClockException {
    pub fn label(self) -> &'static str {
        match self {
            ClockException::SchoolClosure => "the school or college was closed for 4 weeks or more",
            ClockException::EarlyYearsClosure => {
                "the early years setting was closed for 4 weeks or more"
            }
            ClockException::ExceptionalPersonalCircumstances => {
                "exceptional personal circumstances affecting the child or family"
            }
            ClockException::FamilyAbsent => "the family was away from the area for 4 weeks or more",
            ClockException::MissedAppointment => "an appointment needed for the advice was missed",
        }
    }
}

impl Milestone {
    /// In a parent's words.
    pub fn label(self) -> &'static str {
        match self {
            Milestone::DecisionToAssess => "The council decides whether to assess",
            Milestone::Advice => "Advice from a service",
            Milestone::Draft => "Draft plan (or a decision not to issue one)",
            Milestone::FinalPlan => "Final EHC plan",
            Milestone::AnnualReview => "Annual review",
        }
    }
}

/// `weeks` weeks after `from`.
pub fn weeks_after(from: NaiveDate, weeks: i64) -> NaiveDate {
    from + Duration::weeks(weeks)
}

/// The statutory due date of a milestone of an assessment whose request
/// arrived on `requested_on`. Advice is due 6 weeks after it was asked for;
/// the annual review 12 months after the final plan.
pub fn due_date(
    milestone: Milestone,
    requested_on: NaiveDate,
    asked_on: Option<NaiveDate>,
    plan_issued_on: Option<NaiveDate>,
) -> Option<NaiveDate> {
    match milestone {
        Milestone::DecisionToAssess => Some(weeks_after(requested_on, 6)),
        Milestone::Advice => asked_on.map(|a| weeks_after(a, 6)),
        Milestone::Draft => Some(weeks_after(requested_on, 16)),
        Milestone::FinalPlan => Some(weeks_after(requested_on, 20)),
        Milestone::AnnualReview => {
            plan_issued_on.and_then(|p| p.checked_add_months(Months::new(12)))
        }
    }
}

/// A milestone's status on `today`.
pub fn status(due: NaiveDate, done_on: Option<NaiveDate>, today: NaiveDate) -> MilestoneStatus {
    match done_on {
        Some(done) if done <= due => MilestoneStatus::Done,
        Some(_) => MilestoneStatus::DoneLate,
        None if today > due => MilestoneStatus::Overdue,
        None if (due - today).num_days() <= DUE_SOON_DAYS => MilestoneStatus::DueSoon,
        None => MilestoneStatus::OnTrack,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    #[test]
    fn statutory_weeks_from_the_request() {
        let r = d(2026, 1, 5);
        assert_eq!(
            due_date(Milestone::DecisionToAssess, r, None, None),
            Some(d(2026, 2, 16))
        );
        assert_eq!(
            due_date(Milestone::Draft, r, None, None),
            Some(d(2026, 4, 27))
        );
        assert_eq!(
            due_date(Milestone::FinalPlan, r, None, None),
            Some(d(2026, 5, 25))
        );
        assert_eq!(
            due_date(Milestone::Advice, r, Some(d(2026, 2, 20)), None),
            Some(d(2026, 4, 3))
        );
        assert_eq!(due_date(Milestone::Advice, r, None, None), None);
        // 12 months after the plan; a plan issued on 29 February is reviewed by 28 February.
        assert_eq!(
            due_date(Milestone::AnnualReview, r, None, Some(d(2026, 5, 20))),
            Some(d(2027, 5, 20))
        );
        assert_eq!(
            due_date(Milestone::AnnualReview, r, None, Some(d(2028, 2, 29))),
            Some(d(2029, 2, 28))
        );
    }

    #[test]
    fn status_to_the_day() {
        let due = d(2026, 2, 16);
        assert_eq!(status(due, None, d(2026, 1, 31)), MilestoneStatus::OnTrack);
        // 15 days before: still on track; 14 days before: due soon.
        assert_eq!(status(due, None, d(2026, 2, 1)), MilestoneStatus::OnTrack);
        assert_eq!(status(due, None, d(2026, 2, 2)), MilestoneStatus::DueSoon);
        assert_eq!(status(due, None, d(2026, 2, 16)), MilestoneStatus::DueSoon);
        assert_eq!(status(due, None, d(2026, 2, 17)), MilestoneStatus::Overdue);
        assert_eq!(
            status(due, Some(d(2026, 2, 16)), d(2026, 3, 1)),
            MilestoneStatus::Done
        );
        assert_eq!(
            status(due, Some(d(2026, 2, 17)), d(2026, 3, 1)),
            MilestoneStatus::DoneLate
        );
    }
}

crate::code_enum! {
    /// What happened in an assessment, and on which day.
    pub enum AssessmentEventKind("assessment event") {
        DecidedToAssess = "DECIDED_TO_ASSESS",
        DecidedNotToAssess = "DECIDED_NOT_TO_ASSESS",
        /// The council decided not to issue a plan, and notified the
        /// family with their appeal rights (reg 10(1), 10(3)).
        DecidedNotToIssue = "DECIDED_NOT_TO_ISSUE",
        DraftIssued = "DRAFT_ISSUED",
        FinalIssued = "FINAL_ISSUED",
        /// One of the regulations' exceptions to the time limits.
        Exception = "EXCEPTION",
    }
}

crate::code_enum! {
    /// How an advice request was answered.
    pub enum AdviceAnswerMode("advice answer") {
        /// New advice, written for this request.
        Submitted = "SUBMITTED",
        /// Existing advice, confirmed still sufficient by its author and the
        /// family (reg 6(4)): not asked for again.
        Reused = "REUSED",
    }
}

/// The fewest days a family has to comment on a draft plan (reg 13(1)).
pub const DRAFT_COMMENT_DAYS: i64 = 15;

/// A recorded step of an assessment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssessmentEvent {
    pub id: uuid::Uuid,
    pub kind: AssessmentEventKind,
    pub on: NaiveDate,
    pub exception: Option<ClockException>,
    /// The time limit an exception attaches to.
    pub limit: Option<TimeLimit>,
    /// For an exception to the advice limit: the request it excuses.
    pub advice_request_id: Option<uuid::Uuid>,
    pub note: Option<String>,
}

/// How an advice request was answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdviceAnswer {
    pub contribution_id: uuid::Uuid,
    pub mode: AdviceAnswerMode,
    pub answered_on: NaiveDate,
}

/// A request for advice sent to an agency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdviceRequest {
    pub id: uuid::Uuid,
    pub agency_id: uuid::Uuid,
    pub scope: crate::Scope,
    /// The profession asked (which advice template applies).
    pub profession: Option<crate::template::Profession>,
    /// Parts of the record the council shares with the request; the asked
    /// agency reads them (and "all about me") until it answers.
    pub attachments: std::collections::BTreeSet<crate::Scope>,
    pub asked_on: NaiveDate,
    /// The statutory due date: never later than 6 weeks from the request
    /// (reg 8(1)).
    pub due_on: NaiveDate,
    /// A local, non-statutory target date, if the council set one.
    pub target_on: Option<NaiveDate>,
    pub answer: Option<AdviceAnswer>,
}

impl AdviceRequest {
    pub fn status(&self, today: NaiveDate) -> MilestoneStatus {
        status(
            self.due_on,
            self.answer.as_ref().map(|a| a.answered_on),
            today,
        )
    }
}

/// An EHC needs assessment: the request date and what has happened since.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessment {
    pub id: uuid::Uuid,
    pub child_id: uuid::Uuid,
    pub request_received_on: NaiveDate,
    pub events: Vec<AssessmentEvent>,
    pub advice: Vec<AdviceRequest>,
}

/// A milestone on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MilestoneState {
    pub milestone: Milestone,
    pub due: NaiveDate,
    pub done_on: Option<NaiveDate>,
    pub status: MilestoneStatus,
}

impl Assessment {
    fn first(&self, kinds: &[AssessmentEventKind]) -> Option<&AssessmentEvent> {
        self.events
            .iter()
            .filter(|e| kinds.contains(&e.kind))
            .min_by_key(|e| e.on)
    }

    /// The decision to assess, if made: (assess?, on).
    pub fn decision(&self) -> Option<(bool, NaiveDate)> {
        self.first(&[
            AssessmentEventKind::DecidedToAssess,
            AssessmentEventKind::DecidedNotToAssess,
        ])
        .map(|e| (e.kind == AssessmentEventKind::DecidedToAssess, e.on))
    }

    /// Open from the request until the final plan or the decision not to
    /// assess (SEND Regulations 2014 regs 5, 10, 13): while it is open,
    /// EHC_ASSESSMENT is a true purpose for this child.
    pub fn is_open(&self) -> bool {
        !self.events.iter().any(|e| {
            matches!(
                e.kind,
                AssessmentEventKind::DecidedNotToAssess
                    | AssessmentEventKind::DecidedNotToIssue
                    | AssessmentEventKind::FinalIssued
            )
        })
    }

    /// The final plan was issued: the plan is maintained from then
    /// (CFA 2014 s.44), until it ceases.
    pub fn plan_maintained(&self) -> bool {
        self.events
            .iter()
            .any(|e| e.kind == AssessmentEventKind::FinalIssued)
    }

    /// The day the council decided not to issue a plan (reg 10), if it did.
    pub fn decided_not_to_issue_on(&self) -> Option<NaiveDate> {
        self.first(&[AssessmentEventKind::DecidedNotToIssue])
            .map(|e| e.on)
    }

    pub fn draft_issued_on(&self) -> Option<NaiveDate> {
        self.first(&[AssessmentEventKind::DraftIssued])
            .map(|e| e.on)
    }

    pub fn final_issued_on(&self) -> Option<NaiveDate> {
        self.first(&[AssessmentEventKind::FinalIssued])
            .map(|e| e.on)
    }

    /// The recorded exceptions to the time limits.
    pub fn exceptions(&self) -> impl Iterator<Item = &AssessmentEvent> {
        self.events
            .iter()
            .filter(|e| e.kind == AssessmentEventKind::Exception)
    }

    /// The statutory milestones on `today`. After a decision not to assess,
    /// only that decision remains; the annual review appears once the final
    /// plan is issued.
    pub fn milestones(&self, today: NaiveDate) -> Vec<MilestoneState> {
        let state = |milestone, due: NaiveDate, done_on: Option<NaiveDate>| MilestoneState {
            milestone,
            due,
            done_on,
            status: status(due, done_on, today),
        };
        let r = self.request_received_on;
        let mut out = vec![state(
            Milestone::DecisionToAssess,
            weeks_after(r, 6),
            self.decision().map(|d| d.1),
        )];
        if self.decision().is_some_and(|(assess, _)| !assess) {
            return out;
        }
        out.push(state(
            Milestone::Draft,
            weeks_after(r, 16),
            self.draft_issued_on(),
        ));
        let final_on = self.final_issued_on();
        out.push(state(Milestone::FinalPlan, weeks_after(r, 20), final_on));
        if let Some(due) = due_date(Milestone::AnnualReview, r, None, final_on) {
            out.push(state(Milestone::AnnualReview, due, None));
        }
        out
    }

    /// Still running: no final plan yet, and not decided against.
    pub fn in_progress(&self) -> bool {
        self.final_issued_on().is_none()
            && self.decided_not_to_issue_on().is_none()
            && self.decision().is_none_or(|(assess, _)| assess)
    }

    /// Checks that a request received on `received_on` may start an
    /// assessment on `today`: the first of [`Assessment::start`]'s checks,
    /// which needs nothing loaded.
    pub fn check_received_on(received_on: NaiveDate, today: NaiveDate) -> Result<(), StartError> {
        if received_on > today {
            return Err(StartError::InFuture);
        }
        Ok(())
    }

    /// Starts an assessment of `child_id` for a request received on
    /// `received_on`, unless the request is dated in the future or one of
    /// the child's `existing` assessments is still in progress.
    pub fn start(
        id: uuid::Uuid,
        child_id: crate::ChildId,
        received_on: NaiveDate,
        existing: &[Assessment],
        today: NaiveDate,
    ) -> Result<Assessment, StartError> {
        Self::check_received_on(received_on, today)?;
        if existing.iter().any(Assessment::in_progress) {
            return Err(StartError::InProgress);
        }
        Ok(Assessment {
            id,
            child_id,
            request_received_on: received_on,
            events: Vec::new(),
            advice: Vec::new(),
        })
    }

    /// Checks that `kind` may be recorded on `on`, given what has happened.
    pub fn check_step(
        &self,
        kind: AssessmentEventKind,
        on: NaiveDate,
        today: NaiveDate,
    ) -> Result<(), StepError> {
        if on < self.request_received_on {
            return Err(StepError::BeforeRequest);
        }
        if on > today {
            return Err(StepError::InFuture);
        }
        let decided = self.decision();
        match kind {
            AssessmentEventKind::DecidedToAssess | AssessmentEventKind::DecidedNotToAssess => {
                if decided.is_some() {
                    return Err(StepError::AlreadyDecided);
                }
            }
            AssessmentEventKind::DecidedNotToIssue => {
                if decided.is_none_or(|(assess, _)| !assess) {
                    return Err(StepError::DraftBeforeDecisionToAssess);
                }
                if self.draft_issued_on().is_some() {
                    return Err(StepError::DraftAlreadyIssued);
                }
                if self.decided_not_to_issue_on().is_some() {
                    return Err(StepError::AlreadyDecided);
                }
            }
            AssessmentEventKind::DraftIssued => {
                if decided.is_none_or(|(assess, _)| !assess) {
                    return Err(StepError::DraftBeforeDecisionToAssess);
                }
                if self.draft_issued_on().is_some() {
                    return Err(StepError::DraftAlreadyIssued);
                }
            }
            AssessmentEventKind::FinalIssued => {
                let Some(draft) = self.draft_issued_on() else {
                    return Err(StepError::FinalBeforeDraft);
                };
                if self.final_issued_on().is_some() {
                    return Err(StepError::FinalAlreadyIssued);
                }
                if (on - draft).num_days() < DRAFT_COMMENT_DAYS {
                    return Err(StepError::CommentPeriod { draft });
                }
            }
            AssessmentEventKind::Exception => {}
        }
        Ok(())
    }

    /// Asks an agency (one of `agencies`) for advice on one scope, due on
    /// `ask.due_on` or [`ADVICE_WEEKS`] after `today`. Advice is asked for
    /// only once the council has decided to assess, never for RESTRICTED
    /// information, and never due in the past.
    pub fn request_advice(
        &self,
        ask: AdviceAsk,
        agencies: &[crate::Agency],
        today: NaiveDate,
    ) -> Result<AdviceRequest, AdviceError> {
        if self.decision().is_none_or(|(assess, _)| !assess) {
            return Err(AdviceError::NotDecidedToAssess);
        }
        if !agencies.iter().any(|a| a.id == ask.agency_id) {
            return Err(AdviceError::NoSuchAgency);
        }
        if !ask.scope.consentable() {
            return Err(AdviceError::Restricted);
        }
        if ask.attachments.iter().any(|s| !s.consentable()) {
            return Err(AdviceError::RestrictedAttachment);
        }
        let due_on = ask
            .due_on
            .unwrap_or_else(|| weeks_after(today, ADVICE_WEEKS));
        if due_on < today {
            return Err(AdviceError::DueInPast);
        }
        Ok(AdviceRequest {
            id: ask.id,
            agency_id: ask.agency_id,
            scope: ask.scope,
            profession: ask.profession,
            attachments: ask.attachments,
            asked_on: today,
            due_on,
            target_on: ask.target_on,
            answer: None,
        })
    }
}

/// The weeks an asked body has to give advice (reg 8(1)): the default due date.
pub const ADVICE_WEEKS: i64 = 6;

/// What a case officer asks for in [`Assessment::request_advice`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdviceAsk {
    /// The new request's id.
    pub id: uuid::Uuid,
    /// The agency asked.
    pub agency_id: uuid::Uuid,
    /// The scope the advice is about.
    pub scope: crate::Scope,
    /// The profession asked.
    pub profession: Option<crate::template::Profession>,
    /// A local, non-statutory target date.
    pub target_on: Option<NaiveDate>,
    /// Parts of the record shared with the request (never RESTRICTED).
    pub attachments: std::collections::BTreeSet<crate::Scope>,
    /// When it is due; by default [`ADVICE_WEEKS`] from today.
    pub due_on: Option<NaiveDate>,
}

/// Existing advice offered to answer a request (reg 6(4)), for
/// [`AdviceRequest::reuse`].
#[derive(Debug, Clone, Copy)]
pub struct Reuse<'a> {
    /// The child the request is about.
    pub child_id: crate::ChildId,
    /// The contribution offered, if one was found by the id given.
    pub contribution: Option<&'a crate::Contribution>,
    /// Every contribution to the child, to see whether a later one
    /// supersedes the offered advice.
    pub contributions: &'a [crate::Contribution],
    /// Its author confirms it is still sufficient.
    pub author_confirmed: bool,
    /// The parent or young person confirms it is still sufficient.
    pub family_confirmed: bool,
}

impl AdviceRequest {
    /// Refuses a request that has already been answered.
    pub fn check_unanswered(&self) -> Result<(), AdviceError> {
        if self.answer.is_some() {
            return Err(AdviceError::AlreadyAnswered);
        }
        Ok(())
    }

    /// The answer recorded when the asked agency submits new advice as
    /// `contribution_id` on `today`.
    pub fn submit(
        &self,
        contribution_id: uuid::Uuid,
        today: NaiveDate,
    ) -> Result<AdviceAnswer, AdviceError> {
        self.check_unanswered()?;
        Ok(AdviceAnswer {
            contribution_id,
            mode: AdviceAnswerMode::Submitted,
            answered_on: today,
        })
    }

    /// The answer recorded when existing advice is reused (SEND Regulations
    /// 2014, reg 6(4)): only while the request is unanswered, when the
    /// author and the family both confirm, and when the advice is this
    /// child's, still current, and the asked agency's for the same scope.
    pub fn reuse(&self, reuse: Reuse<'_>, today: NaiveDate) -> Result<AdviceAnswer, AdviceError> {
        self.check_unanswered()?;
        if !reuse.author_confirmed {
            return Err(AdviceError::AuthorNotConfirmed);
        }
        if !reuse.family_confirmed {
            return Err(AdviceError::FamilyNotConfirmed);
        }
        let c = reuse
            .contribution
            .filter(|c| c.child_id == reuse.child_id)
            .ok_or(AdviceError::NoSuchContribution)?;
        if reuse
            .contributions
            .iter()
            .any(|later| later.supersedes == Some(c.id))
        {
            return Err(AdviceError::Superseded);
        }
        if c.agency_id != self.agency_id || c.scope != self.scope {
            return Err(AdviceError::OtherAgencyOrScope);
        }
        Ok(AdviceAnswer {
            contribution_id: c.id,
            mode: AdviceAnswerMode::Reused,
            answered_on: today,
        })
    }
}

/// Why an assessment cannot be started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum StartError {
    /// The request is dated after today.
    #[error("cannot be in the future")]
    InFuture,
    /// The child already has an assessment that is neither finished nor
    /// decided against.
    #[error("this child already has an assessment in progress")]
    InProgress,
}

impl StartError {
    /// The API field the error is about.
    pub fn field(&self) -> &'static str {
        match self {
            StartError::InFuture => "requestReceivedOn",
            StartError::InProgress => "childId",
        }
    }
}

/// Why a step cannot be recorded on the date given: always about its date
/// (`on`) or its place in the regulations' order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum StepError {
    /// Dated before the request was received.
    #[error("cannot be before the request was received")]
    BeforeRequest,
    /// Dated after today.
    #[error("cannot be in the future")]
    InFuture,
    /// The decision whether to assess is made once.
    #[error("the decision whether to assess has already been recorded")]
    AlreadyDecided,
    /// A draft needs a decision to assess first.
    #[error("a draft plan follows a decision to assess")]
    DraftBeforeDecisionToAssess,
    /// The draft is issued once.
    #[error("the draft plan has already been issued")]
    DraftAlreadyIssued,
    /// A final plan needs a draft first.
    #[error("the final plan follows a draft plan")]
    FinalBeforeDraft,
    /// The final plan is issued once.
    #[error("the final plan has already been issued")]
    FinalAlreadyIssued,
    /// The family's time to comment on the draft (reg 13(1)) has not run.
    #[error(
        "the family has at least {days} days to comment on the draft (issued {draft})",
        days = DRAFT_COMMENT_DAYS
    )]
    CommentPeriod {
        /// When the draft was issued.
        draft: NaiveDate,
    },
}

impl StepError {
    /// The API field the error is about: the step's date.
    pub fn field(&self) -> &'static str {
        "on"
    }
}

/// Why advice cannot be asked for, submitted or reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AdviceError {
    /// No decision to assess has been recorded (or it was not to assess).
    #[error("advice is asked for once the council has decided to assess")]
    NotDecidedToAssess,
    /// The agency asked is not one the hub knows.
    #[error("no such agency")]
    NoSuchAgency,
    /// RESTRICTED information is never the subject of advice.
    #[error("advice is not sought for restricted information")]
    Restricted,
    /// RESTRICTED information is never attached to a request.
    #[error("restricted information is never attached to an advice request")]
    RestrictedAttachment,
    /// The due date is before today.
    #[error("cannot be in the past")]
    DueInPast,
    /// The request already has an answer.
    #[error("this request has already been answered")]
    AlreadyAnswered,
    /// Reuse without the author's confirmation.
    #[error(
        "existing advice is reused only when its author and the family both confirm it is still sufficient"
    )]
    AuthorNotConfirmed,
    /// Reuse without the family's confirmation.
    #[error(
        "existing advice is reused only when its author and the family both confirm it is still sufficient"
    )]
    FamilyNotConfirmed,
    /// The contribution offered does not exist or is about another child.
    #[error("no such contribution to this child")]
    NoSuchContribution,
    /// A later contribution replaces the one offered.
    #[error("its author has since replaced this advice: it is no longer sufficient as it stands")]
    Superseded,
    /// The contribution offered is another agency's, or on another scope.
    #[error("reused advice must be the asked agency's, for the same scope")]
    OtherAgencyOrScope,
}

impl AdviceError {
    /// The API field the error is about.
    pub fn field(&self) -> &'static str {
        match self {
            AdviceError::NotDecidedToAssess => "assessmentId",
            AdviceError::NoSuchAgency => "agencyId",
            AdviceError::Restricted => "scope",
            AdviceError::RestrictedAttachment => "attach",
            AdviceError::DueInPast => "dueOn",
            AdviceError::AlreadyAnswered => "requestId",
            AdviceError::AuthorNotConfirmed => "authorConfirmed",
            AdviceError::FamilyNotConfirmed => "familyConfirmed",
            AdviceError::NoSuchContribution
            | AdviceError::Superseded
            | AdviceError::OtherAgencyOrScope => "contributionId",
        }
    }
}

#[cfg(test)]
mod assessment_tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    fn event(kind: AssessmentEventKind, on: NaiveDate) -> AssessmentEvent {
        AssessmentEvent {
            id: uuid::Uuid::new_v4(),
            kind,
            on,
            exception: None,
            note: None,
            advice_request_id: None,
            limit: None,
        }
    }

    fn assessment() -> Assessment {
        Assessment {
            id: uuid::Uuid::nil(),
            child_id: uuid::Uuid::nil(),
            request_received_on: d(2026, 1, 5),
            events: Vec::new(),
            advice: Vec::new(),
        }
    }

    #[test]
    fn the_timeline_follows_the_steps() {
        let mut a = assessment();
        let today = d(2026, 2, 10);
        let m = a.milestones(today);
        assert_eq!(m.len(), 3);
        assert_eq!(
            (m[0].milestone, m[0].status),
            (Milestone::DecisionToAssess, MilestoneStatus::DueSoon)
        );
        assert!(
            a.check_step(AssessmentEventKind::DraftIssued, today, today)
                .is_err()
        );
        assert!(
            a.check_step(AssessmentEventKind::DecidedToAssess, d(2027, 1, 1), today)
                .is_err()
        );
        a.events
            .push(event(AssessmentEventKind::DecidedToAssess, d(2026, 2, 9)));
        assert!(
            a.check_step(AssessmentEventKind::DecidedNotToAssess, today, today)
                .is_err()
        );
        assert_eq!(a.milestones(today)[0].status, MilestoneStatus::Done);
        a.events
            .push(event(AssessmentEventKind::DraftIssued, d(2026, 4, 10)));
        let later = d(2026, 5, 1);
        assert!(
            a.check_step(AssessmentEventKind::FinalIssued, d(2026, 4, 24), later)
                .is_err(),
            "15 days to comment"
        );
        assert!(
            a.check_step(AssessmentEventKind::FinalIssued, d(2026, 4, 25), later)
                .is_ok()
        );
        a.events
            .push(event(AssessmentEventKind::FinalIssued, d(2026, 5, 28)));
        let m = a.milestones(d(2026, 6, 1));
        assert_eq!(m[2].status, MilestoneStatus::DoneLate, "final due 25 May");
        assert_eq!(m[3].milestone, Milestone::AnnualReview);
        assert_eq!(m[3].due, d(2027, 5, 28));
    }

    #[test]
    fn a_decision_not_to_assess_ends_the_timeline() {
        let mut a = assessment();
        a.events.push(event(
            AssessmentEventKind::DecidedNotToAssess,
            d(2026, 2, 1),
        ));
        assert_eq!(a.milestones(d(2026, 6, 1)).len(), 1);
    }

    #[test]
    fn advice_is_due_six_weeks_after_it_is_asked_for() {
        let r = AdviceRequest {
            id: uuid::Uuid::nil(),
            agency_id: uuid::Uuid::nil(),
            scope: crate::Scope::Communication,
            attachments: Default::default(),
            asked_on: d(2026, 2, 20),
            due_on: weeks_after(d(2026, 2, 20), 6),
            answer: None,
            profession: None,
            target_on: None,
        };
        assert_eq!(r.due_on, d(2026, 4, 3));
        assert_eq!(r.status(d(2026, 4, 4)), MilestoneStatus::Overdue);
        assert_eq!(r.status(d(2026, 3, 25)), MilestoneStatus::DueSoon);
    }
}

#[cfg(test)]
mod rule_tests {
    use proptest::prelude::*;
    use uuid::Uuid;

    use super::*;
    use crate::{Agency, AgencyKind, Contribution, ContributionKind, Scope};

    const CHILD: Uuid = Uuid::from_u128(1);
    const SALT: Uuid = Uuid::from_u128(0x5a);
    const OT: Uuid = Uuid::from_u128(0x07);

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    fn event(n: u128, kind: AssessmentEventKind, on: NaiveDate) -> AssessmentEvent {
        AssessmentEvent {
            id: Uuid::from_u128(n),
            kind,
            on,
            exception: None,
            note: None,
            advice_request_id: None,
            limit: None,
        }
    }

    fn assessment(events: &[(AssessmentEventKind, NaiveDate)]) -> Assessment {
        Assessment {
            id: Uuid::from_u128(0xa),
            child_id: CHILD,
            request_received_on: d(2026, 1, 5),
            events: events
                .iter()
                .enumerate()
                .map(|(i, (k, on))| event(i as u128 + 100, *k, *on))
                .collect(),
            advice: Vec::new(),
        }
    }

    fn agencies() -> Vec<Agency> {
        [(SALT, AgencyKind::Health), (OT, AgencyKind::Health)]
            .into_iter()
            .map(|(id, kind)| Agency {
                id,
                name: format!("agency {id}"),
                kind,
            })
            .collect()
    }

    fn decided() -> Assessment {
        assessment(&[(AssessmentEventKind::DecidedToAssess, d(2026, 2, 9))])
    }

    fn ask(scope: Scope, due_on: Option<NaiveDate>) -> AdviceAsk {
        AdviceAsk {
            id: Uuid::from_u128(0xad),
            agency_id: SALT,
            scope,
            attachments: [Scope::Education].into(),
            due_on,
            profession: None,
            target_on: None,
        }
    }

    fn contribution(n: u128, agency_id: Uuid, scope: Scope) -> Contribution {
        Contribution {
            id: Uuid::from_u128(n),
            child_id: CHILD,
            scope,
            agency_id,
            agency_kind: AgencyKind::Health,
            author: "slt".into(),
            kind: ContributionKind::Advice,
            title: "Speech and language advice".into(),
            needs: None,
            outcomes: None,
            provision: None,
            notes: None,
            supersedes: None,
            created_at: chrono::DateTime::UNIX_EPOCH,
            content: None,
        }
    }

    #[test]
    fn an_assessment_starts_once_at_a_time_and_not_from_the_future() {
        let today = d(2026, 3, 1);
        let a = Assessment::start(Uuid::from_u128(2), CHILD, d(2026, 3, 1), &[], today)
            .expect("today is not the future");
        assert_eq!(
            (a.child_id, a.request_received_on, a.events.len()),
            (CHILD, today, 0)
        );
        let e = Assessment::start(Uuid::from_u128(2), CHILD, d(2026, 3, 2), &[], today)
            .expect_err("tomorrow");
        assert_eq!(e, StartError::InFuture);
        assert_eq!(
            (e.field(), e.to_string().as_str()),
            ("requestReceivedOn", "cannot be in the future")
        );
        let e = Assessment::start(Uuid::from_u128(2), CHILD, today, &[decided()], today)
            .expect_err("one in progress");
        assert_eq!(
            (e, e.field(), e.to_string().as_str()),
            (
                StartError::InProgress,
                "childId",
                "this child already has an assessment in progress"
            )
        );
        // Finished or decided against: a new request may start.
        let finished = assessment(&[
            (AssessmentEventKind::DecidedToAssess, d(2026, 2, 9)),
            (AssessmentEventKind::DraftIssued, d(2026, 4, 1)),
            (AssessmentEventKind::FinalIssued, d(2026, 5, 1)),
        ]);
        let refused = assessment(&[(AssessmentEventKind::DecidedNotToAssess, d(2026, 2, 9))]);
        assert!(
            Assessment::start(
                Uuid::from_u128(2),
                CHILD,
                today,
                &[finished, refused],
                today
            )
            .is_ok()
        );
    }

    #[test]
    fn each_step_error_names_the_date_and_says_why() {
        let today = d(2026, 6, 1);
        let none = assessment(&[]);
        let draft = assessment(&[
            (AssessmentEventKind::DecidedToAssess, d(2026, 2, 9)),
            (AssessmentEventKind::DraftIssued, d(2026, 4, 10)),
        ]);
        let done = assessment(&[
            (AssessmentEventKind::DecidedToAssess, d(2026, 2, 9)),
            (AssessmentEventKind::DraftIssued, d(2026, 4, 10)),
            (AssessmentEventKind::FinalIssued, d(2026, 5, 1)),
        ]);
        let cases: [(&Assessment, AssessmentEventKind, NaiveDate, StepError, &str); 8] = [
            (
                &none,
                AssessmentEventKind::DecidedToAssess,
                d(2026, 1, 4),
                StepError::BeforeRequest,
                "cannot be before the request was received",
            ),
            (
                &none,
                AssessmentEventKind::Exception,
                d(2026, 6, 2),
                StepError::InFuture,
                "cannot be in the future",
            ),
            (
                &draft,
                AssessmentEventKind::DecidedNotToAssess,
                today,
                StepError::AlreadyDecided,
                "the decision whether to assess has already been recorded",
            ),
            (
                &none,
                AssessmentEventKind::DraftIssued,
                today,
                StepError::DraftBeforeDecisionToAssess,
                "a draft plan follows a decision to assess",
            ),
            (
                &draft,
                AssessmentEventKind::DraftIssued,
                today,
                StepError::DraftAlreadyIssued,
                "the draft plan has already been issued",
            ),
            (
                &decided(),
                AssessmentEventKind::FinalIssued,
                today,
                StepError::FinalBeforeDraft,
                "the final plan follows a draft plan",
            ),
            (
                &done,
                AssessmentEventKind::FinalIssued,
                today,
                StepError::FinalAlreadyIssued,
                "the final plan has already been issued",
            ),
            (
                &draft,
                AssessmentEventKind::FinalIssued,
                d(2026, 4, 24),
                StepError::CommentPeriod {
                    draft: d(2026, 4, 10),
                },
                "the family has at least 15 days to comment on the draft (issued 2026-04-10)",
            ),
        ];
        for (a, kind, on, error, message) in cases {
            let e = a.check_step(kind, on, today).expect_err(message);
            assert_eq!(
                (e, e.field(), e.to_string().as_str()),
                (error, "on", message)
            );
        }
        // Positive controls.
        assert_eq!(
            none.check_step(AssessmentEventKind::DecidedToAssess, d(2026, 1, 5), today),
            Ok(())
        );
        assert_eq!(
            draft.check_step(AssessmentEventKind::FinalIssued, d(2026, 4, 25), today),
            Ok(())
        );
        assert_eq!(
            done.check_step(AssessmentEventKind::Exception, today, today),
            Ok(())
        );
    }

    #[test]
    fn advice_is_asked_for_after_a_decision_to_assess() {
        let today = d(2026, 2, 20);
        let r = decided()
            .request_advice(ask(Scope::Communication, None), &agencies(), today)
            .expect("asked");
        assert_eq!(
            (r.asked_on, r.due_on, r.agency_id, r.scope, r.answer),
            (today, d(2026, 4, 3), SALT, Scope::Communication, None)
        );
        let set = decided()
            .request_advice(ask(Scope::Communication, Some(today)), &agencies(), today)
            .expect("due today is not the past");
        assert_eq!(set.due_on, today);
        let refused = assessment(&[(AssessmentEventKind::DecidedNotToAssess, d(2026, 2, 9))]);
        let mut stranger = ask(Scope::Communication, None);
        stranger.agency_id = Uuid::from_u128(0xdead);
        let cases: [(&Assessment, AdviceAsk, AdviceError, &str, &str); 6] = [
            (
                &assessment(&[]),
                ask(Scope::Communication, None),
                AdviceError::NotDecidedToAssess,
                "assessmentId",
                "advice is asked for once the council has decided to assess",
            ),
            (
                &refused,
                ask(Scope::Communication, None),
                AdviceError::NotDecidedToAssess,
                "assessmentId",
                "advice is asked for once the council has decided to assess",
            ),
            (
                &decided(),
                stranger,
                AdviceError::NoSuchAgency,
                "agencyId",
                "no such agency",
            ),
            (
                &decided(),
                ask(Scope::Restricted, None),
                AdviceError::Restricted,
                "scope",
                "advice is not sought for restricted information",
            ),
            (
                &decided(),
                AdviceAsk {
                    attachments: [Scope::Education, Scope::Restricted].into(),
                    ..ask(Scope::Communication, None)
                },
                AdviceError::RestrictedAttachment,
                "attach",
                "restricted information is never attached to an advice request",
            ),
            (
                &decided(),
                ask(Scope::Communication, Some(d(2026, 2, 19))),
                AdviceError::DueInPast,
                "dueOn",
                "cannot be in the past",
            ),
        ];
        for (a, ask, error, field, message) in cases {
            let e = a
                .request_advice(ask, &agencies(), today)
                .expect_err(message);
            assert_eq!(
                (e, e.field(), e.to_string().as_str()),
                (error, field, message)
            );
        }
    }

    fn request() -> AdviceRequest {
        decided()
            .request_advice(ask(Scope::Communication, None), &agencies(), d(2026, 2, 20))
            .expect("asked")
    }

    #[test]
    fn submitted_advice_answers_an_open_request_once() {
        let today = d(2026, 3, 1);
        let mut r = request();
        let answer = r.submit(Uuid::from_u128(7), today).expect("open");
        assert_eq!(answer.mode, AdviceAnswerMode::Submitted);
        assert_eq!(
            (answer.contribution_id, answer.answered_on),
            (Uuid::from_u128(7), today)
        );
        r.answer = Some(answer);
        let e = r.submit(Uuid::from_u128(8), today).expect_err("answered");
        assert_eq!(
            (e, e.field(), e.to_string().as_str()),
            (
                AdviceError::AlreadyAnswered,
                "requestId",
                "this request has already been answered"
            )
        );
    }

    #[test]
    fn advice_is_reused_only_with_both_confirmations_and_when_it_still_stands() {
        let today = d(2026, 3, 1);
        let advice = contribution(7, SALT, Scope::Communication);
        let all = vec![advice.clone()];
        let reuse = |c: Option<&Contribution>, all: &[Contribution], author: bool, family: bool| {
            request().reuse(
                Reuse {
                    child_id: CHILD,
                    contribution: c,
                    contributions: all,
                    author_confirmed: author,
                    family_confirmed: family,
                },
                today,
            )
        };
        let answer = reuse(Some(&advice), &all, true, true).expect("sufficient");
        assert_eq!(
            (answer.contribution_id, answer.mode, answer.answered_on),
            (advice.id, AdviceAnswerMode::Reused, today)
        );
        let both = "existing advice is reused only when its author and the family both confirm it is still sufficient";
        let mut other_child = advice.clone();
        other_child.child_id = Uuid::from_u128(2);
        let mut replacement = contribution(8, SALT, Scope::Communication);
        replacement.supersedes = Some(advice.id);
        let superseded = vec![advice.clone(), replacement];
        let other_agency = contribution(9, OT, Scope::Communication);
        let other_scope = contribution(10, SALT, Scope::Education);
        let cases: [(Result<AdviceAnswer, AdviceError>, AdviceError, &str, &str); 8] = [
            (
                reuse(Some(&advice), &all, false, true),
                AdviceError::AuthorNotConfirmed,
                "authorConfirmed",
                both,
            ),
            (
                reuse(Some(&advice), &all, false, false),
                AdviceError::AuthorNotConfirmed,
                "authorConfirmed",
                both,
            ),
            (
                reuse(Some(&advice), &all, true, false),
                AdviceError::FamilyNotConfirmed,
                "familyConfirmed",
                both,
            ),
            (
                reuse(None, &all, true, true),
                AdviceError::NoSuchContribution,
                "contributionId",
                "no such contribution to this child",
            ),
            (
                reuse(Some(&other_child), &all, true, true),
                AdviceError::NoSuchContribution,
                "contributionId",
                "no such contribution to this child",
            ),
            (
                reuse(Some(&advice), &superseded, true, true),
                AdviceError::Superseded,
                "contributionId",
                "its author has since replaced this advice: it is no longer sufficient as it stands",
            ),
            (
                reuse(Some(&other_agency), &all, true, true),
                AdviceError::OtherAgencyOrScope,
                "contributionId",
                "reused advice must be the asked agency's, for the same scope",
            ),
            (
                reuse(Some(&other_scope), &all, true, true),
                AdviceError::OtherAgencyOrScope,
                "contributionId",
                "reused advice must be the asked agency's, for the same scope",
            ),
        ];
        for (result, error, field, message) in cases {
            let e = result.expect_err(message);
            assert_eq!(
                (e, e.field(), e.to_string().as_str()),
                (error, field, message)
            );
        }
        let mut answered = request();
        answered.answer = Some(answer);
        let e = answered
            .reuse(
                Reuse {
                    child_id: CHILD,
                    contribution: Some(&advice),
                    contributions: &all,
                    author_confirmed: true,
                    family_confirmed: true,
                },
                today,
            )
            .expect_err("answered");
        assert_eq!(e, AdviceError::AlreadyAnswered);
    }

    fn arb_kind() -> impl Strategy<Value = AssessmentEventKind> {
        proptest::sample::select(AssessmentEventKind::ALL.to_vec())
    }

    proptest! {
        /// Whatever steps are attempted, in whatever order, recording only
        /// those `check_step` accepts keeps the regulations' order: at most
        /// one decision, draft and final plan; a draft only after a decision
        /// to assess; a final plan only 15 days or more after the draft.
        #[test]
        fn accepted_steps_keep_the_regulations_order(
            steps in proptest::collection::vec((arb_kind(), 0i64..200), 0..12),
        ) {
            let start = d(2026, 1, 5);
            let today = start + Duration::days(150);
            let mut a = assessment(&[]);
            for (i, (kind, offset)) in steps.into_iter().enumerate() {
                let on = start + Duration::days(offset - 10);
                if a.check_step(kind, on, today).is_ok() {
                    prop_assert!(on >= start && on <= today);
                    a.events.push(event(i as u128, kind, on));
                }
            }
            let count = |k: &[AssessmentEventKind]| a.events.iter().filter(|e| k.contains(&e.kind)).count();
            prop_assert!(count(&[AssessmentEventKind::DecidedToAssess, AssessmentEventKind::DecidedNotToAssess]) <= 1);
            prop_assert!(count(&[AssessmentEventKind::DraftIssued]) <= 1);
            prop_assert!(count(&[AssessmentEventKind::FinalIssued]) <= 1);
            if let Some(draft) = a.draft_issued_on() {
                prop_assert_eq!(a.decision().map(|d| d.0), Some(true));
                if let Some(final_on) = a.final_issued_on() {
                    prop_assert!((final_on - draft).num_days() >= DRAFT_COMMENT_DAYS);
                }
            } else {
                prop_assert!(a.final_issued_on().is_none());
            }
        }

        /// A request made by `request_advice` is never for RESTRICTED, never
        /// due before it was asked, and always to a known agency.
        #[test]
        fn requested_advice_is_never_restricted_nor_due_in_the_past(
            scope in proptest::sample::select(Scope::ALL.to_vec()),
            due in proptest::option::of(-30i64..60),
            agency in proptest::sample::select(vec![SALT, OT, Uuid::from_u128(0xdead)]),
        ) {
            let today = d(2026, 2, 20);
            let ask = AdviceAsk {
                id: Uuid::from_u128(0xad),
                agency_id: agency,
                scope,
                attachments: Default::default(),
                due_on: due.map(|n| today + Duration::days(n)),
                profession: None,
                target_on: None,
            };
            if let Ok(r) = decided().request_advice(ask, &agencies(), today) {
                prop_assert!(r.scope.consentable());
                prop_assert!(r.due_on >= today);
                prop_assert!(agencies().iter().any(|a| a.id == r.agency_id));
            }
        }
    }
}
