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
