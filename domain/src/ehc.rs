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
    }
}

crate::code_enum! {
    /// The regulations' exceptions to the time limits (regs 8(2), 10(4), 13(3)).
    pub enum ClockException("time-limit exception") {
        SchoolClosure = "SCHOOL_CLOSURE",
        ExceptionalPersonalCircumstances = "EXCEPTIONAL_PERSONAL_CIRCUMSTANCES",
        FamilyAbsent = "FAMILY_ABSENT",
        MissedAppointment = "MISSED_APPOINTMENT",
    }
}

impl ClockException {
    pub fn label(self) -> &'static str {
        match self {
            ClockException::SchoolClosure => "the school or college was closed for 4 weeks or more",
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
    pub asked_on: NaiveDate,
    pub due_on: NaiveDate,
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

    /// Checks that `kind` may be recorded on `on`, given what has happened.
    pub fn check_step(
        &self,
        kind: AssessmentEventKind,
        on: NaiveDate,
        today: NaiveDate,
    ) -> Result<(), String> {
        if on < self.request_received_on {
            return Err("cannot be before the request was received".into());
        }
        if on > today {
            return Err("cannot be in the future".into());
        }
        let decided = self.decision();
        match kind {
            AssessmentEventKind::DecidedToAssess | AssessmentEventKind::DecidedNotToAssess => {
                if decided.is_some() {
                    return Err("the decision whether to assess has already been recorded".into());
                }
            }
            AssessmentEventKind::DraftIssued => {
                if decided.is_none_or(|(assess, _)| !assess) {
                    return Err("a draft plan follows a decision to assess".into());
                }
                if self.draft_issued_on().is_some() {
                    return Err("the draft plan has already been issued".into());
                }
            }
            AssessmentEventKind::FinalIssued => {
                let Some(draft) = self.draft_issued_on() else {
                    return Err("the final plan follows a draft plan".into());
                };
                if self.final_issued_on().is_some() {
                    return Err("the final plan has already been issued".into());
                }
                if (on - draft).num_days() < DRAFT_COMMENT_DAYS {
                    return Err(format!(
                        "the family has at least {DRAFT_COMMENT_DAYS} days to comment on the draft (issued {draft})"
                    ));
                }
            }
            AssessmentEventKind::Exception => {}
        }
        Ok(())
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
            asked_on: d(2026, 2, 20),
            due_on: weeks_after(d(2026, 2, 20), 6),
            answer: None,
        };
        assert_eq!(r.due_on, d(2026, 4, 3));
        assert_eq!(r.status(d(2026, 4, 4)), MilestoneStatus::Overdue);
        assert_eq!(r.status(d(2026, 3, 25)), MilestoneStatus::DueSoon);
    }
}
