//! The EHC needs assessment clock (SEND Regulations 2014). Week 0 is the day
//! the local authority receives the request. Pure date arithmetic: the caller
//! passes "today".

use chrono::{Duration, NaiveDate};

/// Days before a due date from which a milestone shows as due soon.
pub const DUE_SOON_DAYS: i64 = 14;

crate::code_enum! {
    /// A step of an EHC needs assessment.
    pub enum Milestone("milestone") {
        /// The LA tells the family whether it will assess: week 6 (reg 5(1)).
        DecisionToAssess = "DECISION_TO_ASSESS",
        /// Each body asked for advice replies within 6 weeks of the request
        /// (reg 8(1)).
        Advice = "ADVICE",
        /// The notice that no plan will be issued: week 16 (reg 10(1)); a
        /// milestone only once the council decided not to issue one.
        NoticeNotToIssue = "NOTICE_NOT_TO_ISSUE",
        /// Draft plan: a practical target, not a statutory limit — week 20
        /// less the family's 15 days to comment (reg 13(1)).
        Draft = "DRAFT",
        /// Final plan: week 20 (reg 13(2)).
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

    /// The milestone whose due date this limit sets.
    pub fn milestone(self) -> Milestone {
        match self {
            TimeLimit::DecisionToAssess => Milestone::DecisionToAssess,
            TimeLimit::Advice => Milestone::Advice,
            TimeLimit::NoticeNotToIssue => Milestone::NoticeNotToIssue,
            TimeLimit::FinalPlan => Milestone::FinalPlan,
        }
    }

    /// The weeks the limit gives, counted from the request (from the
    /// advice request for [`TimeLimit::Advice`]).
    pub fn weeks(self) -> i64 {
        match self {
            TimeLimit::DecisionToAssess => DECISION_WEEKS,
            TimeLimit::Advice => ADVICE_WEEKS,
            TimeLimit::NoticeNotToIssue => NOTICE_NOT_TO_ISSUE_WEEKS,
            TimeLimit::FinalPlan => FINAL_PLAN_WEEKS,
        }
    }

    /// Whether `ground` is one of this limit's [`TimeLimit::grounds`].
    pub fn allows(self, ground: ClockException) -> bool {
        self.grounds().contains(&ground)
    }
}

/// Weeks from the request to the decision whether to assess (reg 5(1)).
pub const DECISION_WEEKS: i64 = 6;
/// Weeks from the request to the notice that no plan will be issued
/// (reg 10(1)).
pub const NOTICE_NOT_TO_ISSUE_WEEKS: i64 = 16;
/// Weeks from the request to the final plan (reg 13(2)).
pub const FINAL_PLAN_WEEKS: i64 = 20;

/// An exception that applies to a milestone: which ground, for which limit,
/// since when. The limit has fallen away; the step is due "as soon as
/// practicable".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AppliedException {
    pub ground: ClockException,
    pub limit: TimeLimit,
    /// The day the circumstance arose (the exception's date).
    pub since: NaiveDate,
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
            Milestone::NoticeNotToIssue => "The council's notice that it will not issue a plan",
            Milestone::Draft => "Draft plan (a practical target, not a legal time limit)",
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
/// the draft's is the practical target (week 20 less the family's 15 days
/// to comment, reg 13(1)), not a statutory limit; the annual review 12
/// months after the final plan.
pub fn due_date(
    milestone: Milestone,
    requested_on: NaiveDate,
    asked_on: Option<NaiveDate>,
    plan_issued_on: Option<NaiveDate>,
) -> Option<NaiveDate> {
    match milestone {
        Milestone::DecisionToAssess => Some(weeks_after(requested_on, DECISION_WEEKS)),
        Milestone::Advice => asked_on.map(|a| weeks_after(a, ADVICE_WEEKS)),
        Milestone::NoticeNotToIssue => Some(weeks_after(requested_on, NOTICE_NOT_TO_ISSUE_WEEKS)),
        Milestone::Draft => {
            Some(weeks_after(requested_on, FINAL_PLAN_WEEKS) - Duration::days(DRAFT_COMMENT_DAYS))
        }
        Milestone::FinalPlan => Some(weeks_after(requested_on, FINAL_PLAN_WEEKS)),
        // Within the 12 months starting with the day the plan was made
        // (CFA 2014 s.44(1)): by the day before the anniversary.
        Milestone::AnnualReview => plan_issued_on.map(crate::calendar::review_due),
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

/// Whether an exception that arose on `since` lifts the limit of a
/// milestone due on `due` (done on `done_on`), as seen on `today`: the
/// circumstance arose while the limit ran, before the step was done, and
/// by today.
pub fn exception_applies(
    since: NaiveDate,
    due: NaiveDate,
    done_on: Option<NaiveDate>,
    today: NaiveDate,
) -> bool {
    since <= due && since <= today && done_on.is_none_or(|done| since <= done)
}

/// A milestone's status on `today` when an exception arose on `since`
/// (if one did): while it applies, the step is due "as soon as practicable"
/// (EXCEPTION_APPLIES until done), and done at any date it is DONE, never
/// DONE_LATE. Never worse than [`status`] without the exception.
pub fn status_with_exception(
    due: NaiveDate,
    done_on: Option<NaiveDate>,
    since: Option<NaiveDate>,
    today: NaiveDate,
) -> MilestoneStatus {
    match since {
        Some(since) if exception_applies(since, due, done_on, today) => match done_on {
            Some(_) => MilestoneStatus::Done,
            None => MilestoneStatus::ExceptionApplies,
        },
        _ => status(due, done_on, today),
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
            due_date(Milestone::NoticeNotToIssue, r, None, None),
            Some(d(2026, 4, 27))
        );
        // The draft's practical target: week 20 less the 15 days to comment.
        assert_eq!(
            due_date(Milestone::Draft, r, None, None),
            Some(d(2026, 5, 10))
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
        // By the day before the anniversary (s.44(1)); a plan made on 29
        // February 2028 has its anniversary on 1 March 2029.
        assert_eq!(
            due_date(Milestone::AnnualReview, r, None, Some(d(2026, 5, 20))),
            Some(d(2027, 5, 19))
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

crate::code_enum! {
    /// Who, besides the council, confirms that existing advice is still
    /// sufficient before it is reused (reg 6(4)): each for themselves.
    pub enum ReuseParty("reuse party") {
        /// The person who wrote the advice.
        Author = "AUTHOR",
        /// The parent, or the young person who decides for themselves.
        Family = "FAMILY",
    }
}

impl ReuseParty {
    /// In a sentence ("the advice's author").
    pub fn label(self) -> &'static str {
        match self {
            ReuseParty::Author => "the advice's author",
            ReuseParty::Family => "the family",
        }
    }
}

/// Whether the council told the family of their right to appeal with a
/// notice not to issue a plan (reg 10(3)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppealRights {
    /// The notice gave the family their appeal rights.
    Notified,
    /// It did not (and so cannot be recorded as the notice).
    NotNotified,
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
    /// The status from the statutory due date alone; with the request's
    /// exceptions, see [`Assessment::advice_state`].
    pub fn status(&self, today: NaiveDate) -> MilestoneStatus {
        status(
            self.due_on,
            self.answer.as_ref().map(|a| a.answered_on),
            today,
        )
    }

    /// The profession whose template answers the request, when the asked
    /// agency is of `kind`: the one the request names, else the agency's
    /// default ([`Profession::default_for`]); none for an agency with no
    /// default asked without naming one.
    ///
    /// [`Profession::default_for`]: crate::template::Profession::default_for
    pub fn answering_profession(
        &self,
        kind: crate::AgencyKind,
    ) -> Option<crate::template::Profession> {
        self.profession
            .or_else(|| crate::template::Profession::default_for(kind))
    }
}

#[cfg(test)]
mod answering_profession_tests {
    use super::*;
    use crate::AgencyKind;
    use crate::template::Profession;

    fn asked(profession: Option<Profession>) -> AdviceRequest {
        let on = NaiveDate::from_ymd_opt(2026, 1, 5).expect("date");
        AdviceRequest {
            id: uuid::Uuid::nil(),
            agency_id: uuid::Uuid::nil(),
            scope: crate::Scope::Communication,
            profession,
            attachments: Default::default(),
            asked_on: on,
            due_on: on,
            target_on: None,
            answer: None,
        }
    }

    #[test]
    fn the_request_names_the_profession_else_the_agency_kind_does() {
        assert_eq!(
            asked(None).answering_profession(AgencyKind::Slt),
            Some(Profession::SpeechLanguageTherapy)
        );
        assert_eq!(
            asked(Some(Profession::SensorySpecialistTeacher)).answering_profession(AgencyKind::Slt),
            Some(Profession::SensorySpecialistTeacher)
        );
        assert_eq!(asked(None).answering_profession(AgencyKind::LaSend), None);
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
    /// The exception that lifted this milestone's limit, if one applies.
    pub exception: Option<AppliedException>,
}

impl MilestoneState {
    /// The state on `today` of a milestone due on `due`, done on `done_on`,
    /// under `exception` (which counts only where [`exception_applies`]).
    pub fn new(
        milestone: Milestone,
        due: NaiveDate,
        done_on: Option<NaiveDate>,
        exception: Option<AppliedException>,
        today: NaiveDate,
    ) -> Self {
        let exception = exception.filter(|x| exception_applies(x.since, due, done_on, today));
        Self {
            milestone,
            due,
            done_on,
            status: status_with_exception(due, done_on, exception.map(|x| x.since), today),
            exception,
        }
    }
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

    /// The earliest recorded exception to `limit` (for the advice limit,
    /// to the request `request`). Exceptions carried over without a limit
    /// attach to none.
    pub fn exception_to(
        &self,
        limit: TimeLimit,
        request: Option<uuid::Uuid>,
    ) -> Option<AppliedException> {
        self.exceptions()
            .filter(|e| e.limit == Some(limit) && e.advice_request_id == request)
            .filter_map(|e| {
                e.exception.map(|ground| AppliedException {
                    ground,
                    limit,
                    since: e.on,
                })
            })
            .min_by_key(|x| x.since)
    }

    /// The statutory milestones on `today`. After a decision not to assess,
    /// only that decision remains; after a decision not to issue a plan,
    /// the decision to assess and the notice not to issue (week 16); else
    /// the draft's practical target and the final plan (week 20), and the
    /// annual review once the final plan is issued. A milestone whose limit
    /// an exception lifted shows EXCEPTION_APPLIES until done.
    pub fn milestones(&self, today: NaiveDate) -> Vec<MilestoneState> {
        let r = self.request_received_on;
        let state = |milestone, done_on: Option<NaiveDate>, limit: Option<TimeLimit>| {
            let due = due_date(milestone, r, None, self.final_issued_on()).unwrap_or(r);
            MilestoneState::new(
                milestone,
                due,
                done_on,
                limit.and_then(|l| self.exception_to(l, None)),
                today,
            )
        };
        let mut out = vec![state(
            Milestone::DecisionToAssess,
            self.decision().map(|d| d.1),
            Some(TimeLimit::DecisionToAssess),
        )];
        if self.decision().is_some_and(|(assess, _)| !assess) {
            return out;
        }
        if let Some(on) = self.decided_not_to_issue_on() {
            out.push(state(
                Milestone::NoticeNotToIssue,
                Some(on),
                Some(TimeLimit::NoticeNotToIssue),
            ));
            return out;
        }
        out.push(state(Milestone::Draft, self.draft_issued_on(), None));
        let final_on = self.final_issued_on();
        out.push(state(
            Milestone::FinalPlan,
            final_on,
            Some(TimeLimit::FinalPlan),
        ));
        if final_on.is_some() {
            out.push(state(Milestone::AnnualReview, None, None));
        }
        out
    }

    /// An advice request's state on `today`: due 6 weeks from asking (never
    /// later, reg 8(1)), under its own exception (reg 8(2)), if any.
    pub fn advice_state(&self, request: &AdviceRequest, today: NaiveDate) -> MilestoneState {
        MilestoneState::new(
            Milestone::Advice,
            request.due_on,
            request.answer.as_ref().map(|a| a.answered_on),
            self.exception_to(TimeLimit::Advice, Some(request.id)),
            today,
        )
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
                if let Some(on) = self.decided_not_to_issue_on() {
                    return Err(StepError::DecidedNotToIssue { on });
                }
                if self.draft_issued_on().is_some() {
                    return Err(StepError::DraftAlreadyIssued);
                }
            }
            AssessmentEventKind::FinalIssued => {
                if let Some(on) = self.decided_not_to_issue_on() {
                    return Err(StepError::DecidedNotToIssue { on });
                }
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

    /// Checks the decision not to issue a plan (reg 10(1)) may be recorded
    /// on `on`: only with the appeal rights given in the notice (reg
    /// 10(3)), then as [`Assessment::check_step`].
    pub fn check_not_to_issue(
        &self,
        on: NaiveDate,
        appeal: AppealRights,
        today: NaiveDate,
    ) -> Result<(), StepError> {
        if appeal != AppealRights::Notified {
            return Err(StepError::AppealRightsNotNotified);
        }
        self.check_step(AssessmentEventKind::DecidedNotToIssue, on, today)
    }

    /// The due date and done date of `limit`'s milestone, if the limit runs
    /// in this assessment (for the advice limit, of `request`).
    fn limit_dates(
        &self,
        limit: TimeLimit,
        request: Option<&AdviceRequest>,
    ) -> Result<(NaiveDate, NaiveDate, Option<NaiveDate>), ExceptionError> {
        let r = self.request_received_on;
        let not_to_assess = self.decision().is_some_and(|(assess, _)| !assess);
        let closed = |limit| {
            if not_to_assess {
                Err(ExceptionError::NotRunning { limit })
            } else {
                Ok(())
            }
        };
        // (from, due, done)
        Ok(match limit {
            TimeLimit::DecisionToAssess => (
                r,
                weeks_after(r, DECISION_WEEKS),
                self.decision().map(|d| d.1),
            ),
            TimeLimit::Advice => {
                closed(limit)?;
                let request = request.ok_or(ExceptionError::AdviceRequestNeeded)?;
                (
                    request.asked_on,
                    request.due_on,
                    request.answer.as_ref().map(|a| a.answered_on),
                )
            }
            TimeLimit::NoticeNotToIssue => {
                closed(limit)?;
                // Once a draft is issued the council has decided to issue a
                // plan: no notice not to issue is coming.
                if self.draft_issued_on().is_some() {
                    return Err(ExceptionError::NotRunning { limit });
                }
                (
                    r,
                    weeks_after(r, NOTICE_NOT_TO_ISSUE_WEEKS),
                    self.decided_not_to_issue_on(),
                )
            }
            TimeLimit::FinalPlan => {
                closed(limit)?;
                if self.decided_not_to_issue_on().is_some() {
                    return Err(ExceptionError::NotRunning { limit });
                }
                (r, weeks_after(r, FINAL_PLAN_WEEKS), self.final_issued_on())
            }
        })
    }

    /// Checks an exception may be recorded: its ground is one `limit`
    /// allows (never a waiting list: there is no such ground); an exception
    /// to the advice limit names one of this assessment's requests, and no
    /// other does; the limit still runs and its step is not done; and the
    /// circumstance arose while the limit ran (on or after the request, or
    /// the asking, and by the due date), and not in the future.
    pub fn check_exception(
        &self,
        ask: &ExceptionAsk,
        today: NaiveDate,
    ) -> Result<(), ExceptionError> {
        if !ask.limit.allows(ask.exception) {
            return Err(ExceptionError::NotAGround {
                limit: ask.limit,
                exception: ask.exception,
            });
        }
        let request = match (ask.limit, ask.advice_request_id) {
            (TimeLimit::Advice, None) => return Err(ExceptionError::AdviceRequestNeeded),
            (TimeLimit::Advice, Some(id)) => Some(
                self.advice
                    .iter()
                    .find(|r| r.id == id)
                    .ok_or(ExceptionError::NoSuchAdviceRequest)?,
            ),
            (_, Some(_)) => return Err(ExceptionError::AdviceRequestNotForThisLimit),
            (_, None) => None,
        };
        let (from, due, done) = self.limit_dates(ask.limit, request)?;
        if done.is_some() {
            return Err(ExceptionError::AlreadyDone { limit: ask.limit });
        }
        if ask.on < from {
            return Err(ExceptionError::BeforeLimitStarted { from });
        }
        if ask.on > today {
            return Err(ExceptionError::InFuture);
        }
        if ask.on > due {
            return Err(ExceptionError::AfterDue { due });
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
        if self.decided_not_to_issue_on().is_some() {
            return Err(AdviceError::DecidedNotToIssue);
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
        let latest = weeks_after(today, ADVICE_WEEKS);
        if due_on > latest {
            return Err(AdviceError::DueBeyondLimit { latest });
        }
        if ask.target_on.is_some_and(|t| t < today) {
            return Err(AdviceError::TargetInPast);
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

/// An exception as a case officer records it, for
/// [`Assessment::check_exception`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExceptionAsk {
    /// The time limit it lifts.
    pub limit: TimeLimit,
    /// The ground: one of `limit.grounds()`.
    pub exception: ClockException,
    /// The day the circumstance arose.
    pub on: NaiveDate,
    /// For the advice limit: the request it excuses.
    pub advice_request_id: Option<uuid::Uuid>,
}

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
    /// When it is due; by default, and at the latest, [`ADVICE_WEEKS`]
    /// from today.
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
    /// Who has confirmed, each for themselves, that this advice is still
    /// sufficient for this request.
    pub confirmed: &'a [ReuseParty],
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

    /// The offered contribution, if it may answer this request as existing
    /// advice (reg 6(4)): the request is unanswered, and the contribution is
    /// this child's advice or assessment (never an update), still current,
    /// and the asked agency's on the same scope. Checked before anyone
    /// confirms, and again when it is reused.
    pub fn check_reusable<'a>(
        &self,
        child_id: crate::ChildId,
        contribution: Option<&'a crate::Contribution>,
        contributions: &[crate::Contribution],
    ) -> Result<&'a crate::Contribution, AdviceError> {
        self.check_unanswered()?;
        let c = contribution
            .filter(|c| c.child_id == child_id)
            .ok_or(AdviceError::NoSuchContribution)?;
        if !matches!(
            c.kind,
            crate::ContributionKind::Advice | crate::ContributionKind::Assessment
        ) {
            return Err(AdviceError::NotAdvice);
        }
        if contributions
            .iter()
            .any(|later| later.supersedes == Some(c.id))
        {
            return Err(AdviceError::Superseded);
        }
        if c.agency_id != self.agency_id || c.scope != self.scope {
            return Err(AdviceError::OtherAgencyOrScope);
        }
        Ok(c)
    }

    /// The answer recorded when existing advice is reused (SEND Regulations
    /// 2014, reg 6(4)): when [`AdviceRequest::check_reusable`] holds and its
    /// author and the family have each confirmed it is still sufficient
    /// (the council's own confirmation is the reuse itself).
    pub fn reuse(&self, reuse: Reuse<'_>, today: NaiveDate) -> Result<AdviceAnswer, AdviceError> {
        let c = self.check_reusable(reuse.child_id, reuse.contribution, reuse.contributions)?;
        if !reuse.confirmed.contains(&ReuseParty::Author) {
            return Err(AdviceError::AuthorNotConfirmed);
        }
        if !reuse.confirmed.contains(&ReuseParty::Family) {
            return Err(AdviceError::FamilyNotConfirmed);
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
    /// The council decided not to issue a plan (reg 10): the timeline is
    /// closed.
    #[error("the council decided not to issue a plan on {on}: no draft or final plan follows")]
    DecidedNotToIssue {
        /// When it decided.
        on: NaiveDate,
    },
    /// A notice not to issue a plan must give the appeal rights (reg 10(3)).
    #[error(
        "the notice that no plan will be issued must tell the family of their right to appeal (reg 10(3)): record it once they have been told"
    )]
    AppealRightsNotNotified,
}

impl StepError {
    /// The API field the error is about: the step's date, or the appeal
    /// rights.
    pub fn field(&self) -> &'static str {
        match self {
            StepError::AppealRightsNotNotified => "appealRightsNotified",
            _ => "on",
        }
    }
}

/// The grounds of a limit, for a message: "A, B or C".
fn grounds_list(limit: TimeLimit) -> String {
    let codes: Vec<&str> = limit.grounds().iter().map(|g| g.code()).collect();
    match codes.split_last() {
        Some((last, [])) => (*last).to_owned(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// Why an exception to a time limit cannot be recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ExceptionError {
    /// The ground is not one the limit allows (a waiting list never is).
    #[error(
        "{exception} is not a ground for the {limit} time limit ({set}); the only grounds are {list} ({grounds})",
        set = limit.regulation().0,
        grounds = limit.regulation().1,
        list = grounds_list(*limit)
    )]
    NotAGround {
        /// The limit named.
        limit: TimeLimit,
        /// The ground given.
        exception: ClockException,
    },
    /// An exception to the advice limit names the request it excuses.
    #[error("an exception to the ADVICE time limit names the advice request it excuses")]
    AdviceRequestNeeded,
    /// The request named is not one of this assessment's.
    #[error("no such advice request in this assessment")]
    NoSuchAdviceRequest,
    /// Only an exception to the advice limit names a request.
    #[error("only an exception to the ADVICE time limit names an advice request")]
    AdviceRequestNotForThisLimit,
    /// The limit does not run in this assessment (decided not to assess,
    /// not to issue, or a draft issued for the notice not to issue).
    #[error("the {limit} time limit no longer runs in this assessment")]
    NotRunning {
        /// The limit named.
        limit: TimeLimit,
    },
    /// The limit's step is already done.
    #[error("the step the {limit} time limit is for has already been done")]
    AlreadyDone {
        /// The limit named.
        limit: TimeLimit,
    },
    /// Dated before the limit started running.
    #[error("cannot be before the time limit started running on {from}")]
    BeforeLimitStarted {
        /// The request (or advice request) date.
        from: NaiveDate,
    },
    /// Dated after today.
    #[error("cannot be in the future")]
    InFuture,
    /// The circumstance arose after the limit ran out: it does not lift it.
    #[error("the circumstance must arise while the time limit runs: this one was due on {due}")]
    AfterDue {
        /// The limit's due date.
        due: NaiveDate,
    },
}

impl ExceptionError {
    /// The API field the error is about.
    pub fn field(&self) -> &'static str {
        match self {
            ExceptionError::NotAGround { .. } => "exception",
            ExceptionError::AdviceRequestNeeded
            | ExceptionError::NoSuchAdviceRequest
            | ExceptionError::AdviceRequestNotForThisLimit => "adviceRequestId",
            ExceptionError::NotRunning { .. } | ExceptionError::AlreadyDone { .. } => "limit",
            ExceptionError::BeforeLimitStarted { .. }
            | ExceptionError::InFuture
            | ExceptionError::AfterDue { .. } => "on",
        }
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
    /// The due date is later than the statutory limit allows.
    #[error(
        "the statutory limit for advice is 6 weeks from the request (reg 8(1)): due no later than {latest}; put a later local date in targetOn"
    )]
    DueBeyondLimit {
        /// The latest lawful due date.
        latest: NaiveDate,
    },
    /// The local target date is before today.
    #[error("cannot be in the past")]
    TargetInPast,
    /// The council decided not to issue a plan: no more advice is sought.
    #[error("the council decided not to issue a plan: advice is no longer sought")]
    DecidedNotToIssue,
    /// Only advice and assessments are reused (reg 6(4)), never an update.
    #[error("only advice or assessment findings can be reused: this contribution is an update")]
    NotAdvice,
    /// The request already has an answer.
    #[error("this request has already been answered")]
    AlreadyAnswered,
    /// Reuse without the author's confirmation.
    #[error(
        "the advice's author has not confirmed it is still sufficient: they confirm with their own sign-in, or a case officer records their written or verbal confirmation"
    )]
    AuthorNotConfirmed,
    /// Reuse without the family's confirmation.
    #[error(
        "the family has not confirmed the advice is still sufficient: they confirm with their own sign-in, or a case officer records their written or verbal confirmation"
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
            AdviceError::NotDecidedToAssess | AdviceError::DecidedNotToIssue => "assessmentId",
            AdviceError::NoSuchAgency => "agencyId",
            AdviceError::Restricted => "scope",
            AdviceError::RestrictedAttachment => "attach",
            AdviceError::DueInPast | AdviceError::DueBeyondLimit { .. } => "dueOn",
            AdviceError::TargetInPast => "targetOn",
            AdviceError::AlreadyAnswered => "requestId",
            AdviceError::AuthorNotConfirmed
            | AdviceError::FamilyNotConfirmed
            | AdviceError::NotAdvice
            | AdviceError::NoSuchContribution
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
        assert_eq!(m[3].due, d(2027, 5, 27));
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
        use ReuseParty::{Author, Family};
        let today = d(2026, 3, 1);
        let advice = contribution(7, SALT, Scope::Communication);
        let all = vec![advice.clone()];
        let reuse = |c: Option<&Contribution>, all: &[Contribution], confirmed: &[ReuseParty]| {
            request().reuse(
                Reuse {
                    child_id: CHILD,
                    contribution: c,
                    contributions: all,
                    confirmed,
                },
                today,
            )
        };
        let answer = reuse(Some(&advice), &all, &[Family, Author]).expect("sufficient");
        assert_eq!(
            (answer.contribution_id, answer.mode, answer.answered_on),
            (advice.id, AdviceAnswerMode::Reused, today)
        );
        let mut assessed = contribution(11, SALT, Scope::Communication);
        assessed.kind = ContributionKind::Assessment;
        assert!(
            reuse(Some(&assessed), &[assessed.clone()], &[Author, Family]).is_ok(),
            "assessment findings are reused like advice"
        );
        let author = "the advice's author has not confirmed it is still sufficient: they confirm with their own sign-in, or a case officer records their written or verbal confirmation";
        let family = "the family has not confirmed the advice is still sufficient: they confirm with their own sign-in, or a case officer records their written or verbal confirmation";
        let mut other_child = advice.clone();
        other_child.child_id = Uuid::from_u128(2);
        let mut replacement = contribution(8, SALT, Scope::Communication);
        replacement.supersedes = Some(advice.id);
        let superseded = vec![advice.clone(), replacement];
        let other_agency = contribution(9, OT, Scope::Communication);
        let other_scope = contribution(10, SALT, Scope::Education);
        let mut update = contribution(12, SALT, Scope::Communication);
        update.kind = ContributionKind::Update;
        let both = [Author, Family];
        let cases: [(Result<AdviceAnswer, AdviceError>, AdviceError, &str); 9] = [
            (
                reuse(Some(&advice), &all, &[Family]),
                AdviceError::AuthorNotConfirmed,
                author,
            ),
            (
                reuse(Some(&advice), &all, &[]),
                AdviceError::AuthorNotConfirmed,
                author,
            ),
            (
                reuse(Some(&advice), &all, &[Author]),
                AdviceError::FamilyNotConfirmed,
                family,
            ),
            (
                reuse(None, &all, &both),
                AdviceError::NoSuchContribution,
                "no such contribution to this child",
            ),
            (
                reuse(Some(&other_child), &all, &both),
                AdviceError::NoSuchContribution,
                "no such contribution to this child",
            ),
            (
                reuse(Some(&advice), &superseded, &both),
                AdviceError::Superseded,
                "its author has since replaced this advice: it is no longer sufficient as it stands",
            ),
            (
                reuse(Some(&other_agency), &all, &both),
                AdviceError::OtherAgencyOrScope,
                "reused advice must be the asked agency's, for the same scope",
            ),
            (
                reuse(Some(&other_scope), &all, &both),
                AdviceError::OtherAgencyOrScope,
                "reused advice must be the asked agency's, for the same scope",
            ),
            (
                reuse(Some(&update), &[update.clone()], &both),
                AdviceError::NotAdvice,
                "only advice or assessment findings can be reused: this contribution is an update",
            ),
        ];
        for (result, error, message) in cases {
            let e = result.expect_err(message);
            assert_eq!(
                (e, e.field(), e.to_string().as_str()),
                (error, "contributionId", message)
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
                    confirmed: &both,
                },
                today,
            )
            .expect_err("answered");
        assert_eq!(e, AdviceError::AlreadyAnswered);
        assert_eq!(
            answered.check_reusable(CHILD, Some(&advice), &all),
            Err(AdviceError::AlreadyAnswered),
            "nobody confirms reuse for an answered request"
        );
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

/// The clock right to the day: every limit's grounds, what an exception
/// does (and never does), the notice not to issue, and the six-week cap on
/// advice, with fixed dates.
#[cfg(test)]
mod clock_tests {
    use proptest::prelude::*;
    use uuid::Uuid;

    use super::*;
    use crate::{Agency, AgencyKind, Scope};

    const SALT: Uuid = Uuid::from_u128(0x5a);

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    /// The request arrives on Monday 5 January 2026: week 6 is 16 February,
    /// week 16 is 27 April, week 20 is 25 May (the draft's target 10 May).
    const fn received() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 1, 5).expect("date")
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

    fn exception(
        n: u128,
        limit: Option<TimeLimit>,
        ground: ClockException,
        on: NaiveDate,
        request: Option<Uuid>,
    ) -> AssessmentEvent {
        AssessmentEvent {
            exception: Some(ground),
            limit,
            advice_request_id: request,
            ..event(n, AssessmentEventKind::Exception, on)
        }
    }

    fn assessment(events: &[(AssessmentEventKind, NaiveDate)]) -> Assessment {
        Assessment {
            id: Uuid::from_u128(0xa),
            child_id: Uuid::from_u128(1),
            request_received_on: received(),
            events: events
                .iter()
                .enumerate()
                .map(|(i, (k, on))| event(i as u128 + 100, *k, *on))
                .collect(),
            advice: Vec::new(),
        }
    }

    fn decided() -> Assessment {
        assessment(&[(AssessmentEventKind::DecidedToAssess, d(2026, 2, 9))])
    }

    fn asked(n: u128, on: NaiveDate) -> AdviceRequest {
        AdviceRequest {
            id: Uuid::from_u128(n),
            agency_id: SALT,
            scope: Scope::Communication,
            profession: None,
            attachments: Default::default(),
            asked_on: on,
            due_on: weeks_after(on, ADVICE_WEEKS),
            target_on: None,
            answer: None,
        }
    }

    /// Decided to assess, with one advice request asked on 20 February
    /// (due 3 April).
    fn with_request() -> Assessment {
        let mut a = decided();
        a.advice.push(asked(0xad, d(2026, 2, 20)));
        a
    }

    fn ask(limit: TimeLimit, exception: ClockException, on: NaiveDate) -> ExceptionAsk {
        ExceptionAsk {
            limit,
            exception,
            on,
            advice_request_id: (limit == TimeLimit::Advice).then(|| Uuid::from_u128(0xad)),
        }
    }

    fn state(a: &Assessment, m: Milestone, today: NaiveDate) -> MilestoneState {
        *a.milestones(today)
            .iter()
            .find(|s| s.milestone == m)
            .unwrap_or_else(|| panic!("no {m} on {today}"))
    }

    #[test]
    fn due_dates_to_the_day_and_the_day_after_is_overdue() {
        let a = decided();
        let cases = [
            (Milestone::DecisionToAssess, d(2026, 2, 16)),
            (Milestone::Draft, d(2026, 5, 10)),
            (Milestone::FinalPlan, d(2026, 5, 25)),
        ];
        let fresh = assessment(&[]);
        for (m, due) in cases {
            let on = if m == Milestone::DecisionToAssess {
                &fresh
            } else {
                &a
            };
            assert_eq!(state(on, m, due).due, due, "{m}");
            assert_eq!(due_date(m, received(), None, None), Some(due), "{m}");
            assert_eq!(
                state(on, m, due).status,
                MilestoneStatus::DueSoon,
                "{m} on the day"
            );
            assert_eq!(
                state(on, m, due + Duration::days(1)).status,
                MilestoneStatus::Overdue,
                "{m} the day after"
            );
        }
        // Week 16 binds only the notice not to issue, a milestone only once
        // the council decided not to issue a plan.
        assert!(
            a.milestones(d(2026, 4, 1))
                .iter()
                .all(|s| s.milestone != Milestone::NoticeNotToIssue)
        );
        assert_eq!(
            due_date(Milestone::NoticeNotToIssue, received(), None, None),
            Some(d(2026, 4, 27))
        );
        // Each advice request: 6 weeks from asking.
        let a = with_request();
        let r = &a.advice[0];
        assert_eq!(r.due_on, d(2026, 4, 3));
        assert_eq!(
            due_date(Milestone::Advice, received(), Some(r.asked_on), None),
            Some(r.due_on)
        );
        assert_eq!(
            a.advice_state(r, d(2026, 4, 3)).status,
            MilestoneStatus::DueSoon
        );
        assert_eq!(
            a.advice_state(r, d(2026, 4, 4)).status,
            MilestoneStatus::Overdue
        );
        assert_eq!(
            a.advice_state(r, d(2026, 3, 19)).status,
            MilestoneStatus::OnTrack
        );
        assert_eq!(
            a.advice_state(r, d(2026, 3, 20)).status,
            MilestoneStatus::DueSoon
        );
    }

    /// Each limit's own running assessment, and a date inside it.
    fn running(limit: TimeLimit) -> (Assessment, NaiveDate) {
        match limit {
            TimeLimit::DecisionToAssess => (assessment(&[]), d(2026, 1, 20)),
            _ => (with_request(), d(2026, 3, 1)),
        }
    }

    #[test]
    fn every_limit_accepts_only_its_own_grounds() {
        use ClockException::*;
        let expected: [(TimeLimit, &[ClockException]); 4] = [
            (
                TimeLimit::DecisionToAssess,
                &[
                    SchoolClosure,
                    ExceptionalPersonalCircumstances,
                    FamilyAbsent,
                ],
            ),
            (
                TimeLimit::Advice,
                &[
                    ExceptionalPersonalCircumstances,
                    FamilyAbsent,
                    MissedAppointment,
                ],
            ),
            (
                TimeLimit::NoticeNotToIssue,
                &[
                    SchoolClosure,
                    EarlyYearsClosure,
                    ExceptionalPersonalCircumstances,
                    FamilyAbsent,
                ],
            ),
            (
                TimeLimit::FinalPlan,
                &[
                    SchoolClosure,
                    EarlyYearsClosure,
                    ExceptionalPersonalCircumstances,
                    FamilyAbsent,
                ],
            ),
        ];
        for (limit, allowed) in expected {
            assert_eq!(limit.grounds(), allowed, "{limit}");
            let (a, on) = running(limit);
            for ground in ClockException::ALL.iter().copied() {
                let result = a.check_exception(&ask(limit, ground, on), on);
                if allowed.contains(&ground) {
                    assert_eq!(result, Ok(()), "{ground} for {limit}");
                } else {
                    let e = result.expect_err("not a ground");
                    assert_eq!(
                        e,
                        ExceptionError::NotAGround {
                            limit,
                            exception: ground
                        }
                    );
                    assert_eq!(e.field(), "exception");
                    let message = e.to_string();
                    for g in allowed {
                        assert!(message.contains(g.code()), "{message} names {g}");
                    }
                    assert!(message.contains(limit.regulation().1), "{message}");
                }
            }
        }
        let e = with_request()
            .check_exception(
                &ask(TimeLimit::Advice, SchoolClosure, d(2026, 3, 1)),
                d(2026, 3, 1),
            )
            .expect_err("not an advice ground");
        assert_eq!(
            e.to_string(),
            "SCHOOL_CLOSURE is not a ground for the ADVICE time limit (reg 8(1)); the only grounds are EXCEPTIONAL_PERSONAL_CIRCUMSTANCES, FAMILY_ABSENT or MISSED_APPOINTMENT (reg 8(2))"
        );
    }

    #[test]
    fn an_exception_arises_while_its_limit_runs_and_before_its_step_is_done() {
        use ClockException::FamilyAbsent;
        let today = d(2026, 3, 1);
        let r = Uuid::from_u128(0xad);
        let asking = |limit, request, on| ExceptionAsk {
            limit,
            exception: FamilyAbsent,
            on,
            advice_request_id: request,
        };
        let mut answered = with_request();
        answered.advice[0].answer = Some(AdviceAnswer {
            contribution_id: Uuid::from_u128(7),
            mode: AdviceAnswerMode::Submitted,
            answered_on: d(2026, 2, 27),
        });
        let not_to_assess = assessment(&[(AssessmentEventKind::DecidedNotToAssess, d(2026, 2, 1))]);
        let mut not_to_issue = with_request();
        not_to_issue.events.push(event(
            1,
            AssessmentEventKind::DecidedNotToIssue,
            d(2026, 2, 25),
        ));
        let mut drafted = with_request();
        drafted
            .events
            .push(event(2, AssessmentEventKind::DraftIssued, d(2026, 2, 25)));
        let mut finished = drafted.clone();
        finished
            .events
            .push(event(3, AssessmentEventKind::FinalIssued, d(2026, 2, 28)));
        let fresh = assessment(&[]);
        let on_time = d(2026, 2, 16);
        let cases: [(&Assessment, ExceptionAsk, NaiveDate, ExceptionError, &str); 13] = [
            (
                &with_request(),
                asking(TimeLimit::Advice, None, today),
                today,
                ExceptionError::AdviceRequestNeeded,
                "adviceRequestId",
            ),
            (
                &with_request(),
                asking(TimeLimit::Advice, Some(Uuid::from_u128(9)), today),
                today,
                ExceptionError::NoSuchAdviceRequest,
                "adviceRequestId",
            ),
            (
                &with_request(),
                asking(TimeLimit::FinalPlan, Some(r), today),
                today,
                ExceptionError::AdviceRequestNotForThisLimit,
                "adviceRequestId",
            ),
            (
                &with_request(),
                asking(TimeLimit::DecisionToAssess, None, today),
                today,
                ExceptionError::AlreadyDone {
                    limit: TimeLimit::DecisionToAssess,
                },
                "limit",
            ),
            (
                &answered,
                asking(TimeLimit::Advice, Some(r), today),
                today,
                ExceptionError::AlreadyDone {
                    limit: TimeLimit::Advice,
                },
                "limit",
            ),
            (
                &finished,
                asking(TimeLimit::FinalPlan, None, today),
                today,
                ExceptionError::AlreadyDone {
                    limit: TimeLimit::FinalPlan,
                },
                "limit",
            ),
            (
                &not_to_assess,
                asking(TimeLimit::FinalPlan, None, today),
                today,
                ExceptionError::NotRunning {
                    limit: TimeLimit::FinalPlan,
                },
                "limit",
            ),
            (
                &not_to_issue,
                asking(TimeLimit::FinalPlan, None, today),
                today,
                ExceptionError::NotRunning {
                    limit: TimeLimit::FinalPlan,
                },
                "limit",
            ),
            (
                &drafted,
                asking(TimeLimit::NoticeNotToIssue, None, today),
                today,
                ExceptionError::NotRunning {
                    limit: TimeLimit::NoticeNotToIssue,
                },
                "limit",
            ),
            (
                &fresh,
                asking(TimeLimit::DecisionToAssess, None, d(2026, 1, 4)),
                today,
                ExceptionError::BeforeLimitStarted { from: received() },
                "on",
            ),
            (
                &with_request(),
                asking(TimeLimit::Advice, Some(r), d(2026, 2, 19)),
                today,
                ExceptionError::BeforeLimitStarted {
                    from: d(2026, 2, 20),
                },
                "on",
            ),
            (
                &fresh,
                asking(TimeLimit::DecisionToAssess, None, d(2026, 1, 21)),
                d(2026, 1, 20),
                ExceptionError::InFuture,
                "on",
            ),
            (
                &fresh,
                asking(
                    TimeLimit::DecisionToAssess,
                    None,
                    on_time + Duration::days(1),
                ),
                today,
                ExceptionError::AfterDue { due: on_time },
                "on",
            ),
        ];
        for (a, ask, today, error, field) in cases {
            let e = a.check_exception(&ask, today).expect_err(field);
            assert_eq!((e, e.field()), (error, field), "{ask:?}");
        }
        assert_eq!(
            ExceptionError::AfterDue { due: on_time }.to_string(),
            "the circumstance must arise while the time limit runs: this one was due on 2026-02-16"
        );
        // Positive controls: on the due date itself, and for the notice
        // while no draft is issued.
        assert_eq!(
            fresh.check_exception(&asking(TimeLimit::DecisionToAssess, None, on_time), today),
            Ok(())
        );
        assert_eq!(
            with_request()
                .check_exception(&asking(TimeLimit::NoticeNotToIssue, None, today), today),
            Ok(())
        );
    }

    #[test]
    fn an_exception_lifts_only_its_own_limit_and_a_late_step_is_then_done() {
        let mut a = with_request();
        a.events.push(exception(
            1,
            Some(TimeLimit::FinalPlan),
            ClockException::SchoolClosure,
            d(2026, 5, 1),
            None,
        ));
        let today = d(2026, 6, 1);
        let final_plan = state(&a, Milestone::FinalPlan, today);
        assert_eq!(final_plan.status, MilestoneStatus::ExceptionApplies);
        assert_eq!(final_plan.due, d(2026, 5, 25), "the due date is not moved");
        assert_eq!(
            final_plan.exception,
            Some(AppliedException {
                ground: ClockException::SchoolClosure,
                limit: TimeLimit::FinalPlan,
                since: d(2026, 5, 1),
            })
        );
        // Before the circumstance arose it did not apply.
        assert_eq!(
            state(&a, Milestone::FinalPlan, d(2026, 4, 30)).status,
            MilestoneStatus::OnTrack
        );
        // The draft's target and the advice are not excused by it.
        assert_eq!(
            state(&a, Milestone::Draft, today).status,
            MilestoneStatus::Overdue
        );
        assert_eq!(state(&a, Milestone::Draft, today).exception, None);
        assert_eq!(
            a.advice_state(&a.advice[0], today).status,
            MilestoneStatus::Overdue
        );
        // Issued after week 20 with the exception applying: DONE.
        a.events
            .push(event(2, AssessmentEventKind::DraftIssued, d(2026, 6, 10)));
        a.events
            .push(event(3, AssessmentEventKind::FinalIssued, d(2026, 7, 1)));
        assert_eq!(
            state(&a, Milestone::FinalPlan, d(2026, 7, 2)).status,
            MilestoneStatus::Done
        );
        a.events
            .retain(|e| e.kind != AssessmentEventKind::Exception);
        assert_eq!(
            state(&a, Milestone::FinalPlan, d(2026, 7, 2)).status,
            MilestoneStatus::DoneLate,
            "without it: late"
        );
    }

    #[test]
    fn an_advice_exception_excuses_only_its_own_request() {
        let mut a = with_request();
        a.advice.push(asked(0xae, d(2026, 2, 20)));
        a.events.push(exception(
            1,
            Some(TimeLimit::Advice),
            ClockException::MissedAppointment,
            d(2026, 3, 20),
            Some(Uuid::from_u128(0xae)),
        ));
        let today = d(2026, 4, 10);
        assert_eq!(
            a.advice_state(&a.advice[0], today).status,
            MilestoneStatus::Overdue
        );
        let excused = a.advice_state(&a.advice[1], today);
        assert_eq!(excused.status, MilestoneStatus::ExceptionApplies);
        assert_eq!(
            excused.exception.map(|x| x.ground),
            Some(ClockException::MissedAppointment)
        );
        assert_eq!(state(&a, Milestone::FinalPlan, today).exception, None);
    }

    #[test]
    fn an_exception_carried_over_without_a_limit_changes_nothing() {
        let mut a = with_request();
        let before = a.milestones(d(2026, 6, 1));
        a.events.push(exception(
            1,
            None,
            ClockException::MissedAppointment,
            d(2026, 3, 1),
            None,
        ));
        assert_eq!(a.milestones(d(2026, 6, 1)), before);
        assert_eq!(
            a.advice_state(&a.advice[0], d(2026, 6, 1)).status,
            MilestoneStatus::Overdue
        );
    }

    #[test]
    fn deciding_not_to_issue_closes_the_timeline_with_the_appeal_rights() {
        let a = with_request();
        let today = d(2026, 5, 1);
        let e = a
            .check_not_to_issue(d(2026, 4, 20), AppealRights::NotNotified, today)
            .expect_err("no appeal rights");
        assert_eq!(
            (e, e.field()),
            (StepError::AppealRightsNotNotified, "appealRightsNotified")
        );
        assert_eq!(
            a.check_not_to_issue(d(2026, 4, 20), AppealRights::Notified, today),
            Ok(())
        );
        let mut closed = a.clone();
        closed.events.push(event(
            1,
            AssessmentEventKind::DecidedNotToIssue,
            d(2026, 4, 20),
        ));
        assert!(!closed.is_open() && !closed.in_progress());
        let m = closed.milestones(today);
        assert_eq!(
            m.iter()
                .map(|s| (s.milestone, s.status))
                .collect::<Vec<_>>(),
            vec![
                (Milestone::DecisionToAssess, MilestoneStatus::Done),
                (Milestone::NoticeNotToIssue, MilestoneStatus::Done),
            ]
        );
        assert_eq!(m[1].due, d(2026, 4, 27));
        for kind in [
            AssessmentEventKind::DraftIssued,
            AssessmentEventKind::FinalIssued,
        ] {
            let e = closed.check_step(kind, today, today).expect_err("closed");
            assert_eq!(e, StepError::DecidedNotToIssue { on: d(2026, 4, 20) });
            assert_eq!(
                e.to_string(),
                "the council decided not to issue a plan on 2026-04-20: no draft or final plan follows"
            );
        }
        let again = closed.check_not_to_issue(today, AppealRights::Notified, today);
        assert_eq!(again, Err(StepError::AlreadyDecided));
        let agencies = [Agency {
            id: SALT,
            name: "SLT".into(),
            kind: AgencyKind::Health,
        }];
        let more = closed.request_advice(
            AdviceAsk {
                id: Uuid::from_u128(0xaf),
                agency_id: SALT,
                scope: Scope::Communication,
                profession: None,
                target_on: None,
                attachments: Default::default(),
                due_on: None,
            },
            &agencies,
            today,
        );
        assert_eq!(more, Err(AdviceError::DecidedNotToIssue));
        // After week 16: late, unless an exception to the notice's limit applies.
        let mut late = a.clone();
        late.events.push(event(
            1,
            AssessmentEventKind::DecidedNotToIssue,
            d(2026, 4, 28),
        ));
        assert_eq!(
            state(&late, Milestone::NoticeNotToIssue, today).status,
            MilestoneStatus::DoneLate
        );
        late.events.push(exception(
            2,
            Some(TimeLimit::NoticeNotToIssue),
            ClockException::EarlyYearsClosure,
            d(2026, 4, 1),
            None,
        ));
        assert_eq!(
            state(&late, Milestone::NoticeNotToIssue, today).status,
            MilestoneStatus::Done
        );
    }

    #[test]
    fn advice_is_due_within_six_weeks_and_a_later_target_is_separate() {
        let today = d(2026, 2, 20);
        let agencies = [Agency {
            id: SALT,
            name: "SLT".into(),
            kind: AgencyKind::Health,
        }];
        let asking = |due_on, target_on| AdviceAsk {
            id: Uuid::from_u128(0xaf),
            agency_id: SALT,
            scope: Scope::Communication,
            profession: None,
            target_on,
            attachments: Default::default(),
            due_on,
        };
        let latest = d(2026, 4, 3);
        let r = decided()
            .request_advice(asking(Some(latest), Some(d(2026, 5, 1))), &agencies, today)
            .expect("six weeks, with a later local target");
        assert_eq!((r.due_on, r.target_on), (latest, Some(d(2026, 5, 1))));
        let e = decided()
            .request_advice(
                asking(Some(latest + Duration::days(1)), None),
                &agencies,
                today,
            )
            .expect_err("beyond six weeks");
        assert_eq!(
            (e, e.field()),
            (AdviceError::DueBeyondLimit { latest }, "dueOn")
        );
        assert_eq!(
            e.to_string(),
            "the statutory limit for advice is 6 weeks from the request (reg 8(1)): due no later than 2026-04-03; put a later local date in targetOn"
        );
        let e = decided()
            .request_advice(
                asking(None, Some(today - Duration::days(1))),
                &agencies,
                today,
            )
            .expect_err("target in the past");
        assert_eq!((e, e.field()), (AdviceError::TargetInPast, "targetOn"));
        let r = decided()
            .request_advice(asking(None, Some(today)), &agencies, today)
            .expect("default due date");
        assert_eq!(r.due_on, latest);
    }

    /// How bad a status is: an exception may only lower it.
    fn concern(s: MilestoneStatus) -> u8 {
        match s {
            MilestoneStatus::Done => 0,
            MilestoneStatus::OnTrack | MilestoneStatus::ExceptionApplies => 1,
            MilestoneStatus::DueSoon => 2,
            MilestoneStatus::DoneLate => 3,
            MilestoneStatus::Overdue => 4,
        }
    }

    /// How far along a milestone is: never goes back as today advances.
    fn phase(s: MilestoneStatus) -> u8 {
        match s {
            MilestoneStatus::OnTrack => 0,
            MilestoneStatus::DueSoon => 1,
            MilestoneStatus::Overdue | MilestoneStatus::ExceptionApplies => 2,
            MilestoneStatus::Done | MilestoneStatus::DoneLate => 3,
        }
    }

    /// An assessment's facts as days after the request: the decision (to
    /// assess or not), a draft, a final plan, a decision not to issue, an
    /// advice request and its answer, and exceptions (limit, ground, day).
    #[derive(Debug, Clone)]
    struct Facts {
        decision: Option<(bool, i64)>,
        draft: Option<i64>,
        final_plan: Option<i64>,
        not_to_issue: Option<i64>,
        asked: Option<(i64, Option<i64>)>,
        exceptions: Vec<(TimeLimit, ClockException, i64)>,
    }

    fn arb_facts() -> impl Strategy<Value = Facts> {
        let day = 0i64..220;
        (
            proptest::option::of((any::<bool>(), day.clone())),
            proptest::option::of(day.clone()),
            proptest::option::of(day.clone()),
            proptest::option::weighted(0.2, day.clone()),
            proptest::option::of((day.clone(), proptest::option::of(0i64..80))),
            proptest::collection::vec(
                (
                    proptest::sample::select(TimeLimit::ALL.to_vec()),
                    proptest::sample::select(ClockException::ALL.to_vec()),
                    day,
                ),
                0..3,
            ),
        )
            .prop_map(
                |(decision, draft, final_plan, not_to_issue, asked, exceptions)| Facts {
                    decision,
                    draft,
                    final_plan,
                    not_to_issue,
                    asked,
                    exceptions,
                },
            )
    }

    /// The assessment as known on `known` (facts dated after it have not
    /// happened yet), with or without its exceptions.
    fn build(f: &Facts, known: NaiveDate, with_exceptions: bool) -> Assessment {
        let at = |n: i64| received() + Duration::days(n);
        let mut a = assessment(&[]);
        let mut push = |kind, n: Option<i64>| {
            if let Some(n) = n.filter(|n| at(*n) <= known) {
                let i = a.events.len() as u128;
                a.events.push(event(i, kind, at(n)));
            }
        };
        if let Some((assess, n)) = f.decision {
            let kind = if assess {
                AssessmentEventKind::DecidedToAssess
            } else {
                AssessmentEventKind::DecidedNotToAssess
            };
            push(kind, Some(n));
        }
        push(AssessmentEventKind::DraftIssued, f.draft);
        push(AssessmentEventKind::FinalIssued, f.final_plan);
        push(AssessmentEventKind::DecidedNotToIssue, f.not_to_issue);
        if let Some((n, answer)) = f.asked.filter(|(n, _)| at(*n) <= known) {
            let mut r = asked(0xad, at(n));
            r.answer = answer
                .map(|m| at(n + m))
                .filter(|on| *on <= known)
                .map(|answered_on| AdviceAnswer {
                    contribution_id: Uuid::from_u128(7),
                    mode: AdviceAnswerMode::Submitted,
                    answered_on,
                });
            a.advice.push(r);
        }
        if with_exceptions {
            for (i, (limit, ground, n)) in f.exceptions.iter().enumerate() {
                if at(*n) <= known {
                    let request = (*limit == TimeLimit::Advice).then(|| Uuid::from_u128(0xad));
                    a.events.push(exception(
                        50 + i as u128,
                        Some(*limit),
                        *ground,
                        at(*n),
                        request,
                    ));
                }
            }
        }
        a
    }

    /// Every milestone and the advice request's state, on `today`.
    fn states(a: &Assessment, today: NaiveDate) -> Vec<MilestoneState> {
        let mut out = a.milestones(today);
        out.extend(a.advice.iter().map(|r| a.advice_state(r, today)));
        out
    }

    proptest! {
        /// An exception never moves a due date and never makes a status
        /// worse than without it.
        #[test]
        fn an_exception_never_makes_a_milestone_later_or_worse(
            f in arb_facts(),
            today in 0i64..260,
        ) {
            let today = received() + Duration::days(today);
            let with = states(&build(&f, today, true), today);
            let without = states(&build(&f, today, false), today);
            prop_assert_eq!(with.len(), without.len());
            for (w, o) in with.iter().zip(&without) {
                prop_assert_eq!((w.milestone, w.due, w.done_on), (o.milestone, o.due, o.done_on));
                prop_assert!(
                    concern(w.status) <= concern(o.status),
                    "{:?} is worse than {:?}", w, o
                );
                if w.exception.is_none() {
                    prop_assert_eq!(w.status, o.status);
                }
            }
        }

        /// As today advances (and facts happen on their days), a status
        /// never goes back: ON_TRACK → DUE_SOON → OVERDUE, EXCEPTION_APPLIES
        /// stays until done, and a done status never changes.
        #[test]
        fn statuses_are_monotone_in_time(f in arb_facts()) {
            let mut previous: Vec<MilestoneState> = Vec::new();
            for n in 0..260 {
                let today = received() + Duration::days(n);
                let now = states(&build(&f, today, true), today);
                for s in &now {
                    let Some(p) = previous.iter().find(|p| p.milestone == s.milestone) else {
                        continue;
                    };
                    prop_assert!(phase(s.status) >= phase(p.status), "{:?} then {:?}", p, s);
                    match p.status {
                        MilestoneStatus::Done | MilestoneStatus::DoneLate => {
                            prop_assert_eq!(s.status, p.status)
                        }
                        MilestoneStatus::ExceptionApplies => prop_assert!(
                            matches!(s.status, MilestoneStatus::ExceptionApplies | MilestoneStatus::Done),
                            "{:?} then {:?}", p, s
                        ),
                        _ => {}
                    }
                }
                previous = now;
            }
        }

        /// The pure rule alone: with any exception date, done or not.
        #[test]
        fn status_with_an_exception_is_never_worse(
            due in 0i64..100,
            done in proptest::option::of(0i64..200),
            since in proptest::option::of(0i64..200),
            today in 0i64..200,
        ) {
            let at = |n: i64| received() + Duration::days(n);
            let done = done.map(at).filter(|d| *d <= at(today));
            let with = status_with_exception(at(due), done, since.map(at), at(today));
            let without = status(at(due), done, at(today));
            prop_assert!(concern(with) <= concern(without));
        }
    }
}
