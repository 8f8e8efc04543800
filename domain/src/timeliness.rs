//! The timeliness dashboard's figures, and the SEN2-shaped rows, as pure
//! functions of an LA's assessments over a period (issue 11, item 6).
//!
//! Every figure is a [`Rate`] — how many of the cases counted met their
//! statutory limit — with a percentage to one decimal place, or none when
//! nothing was counted (never a division by zero). Which cases a figure
//! counts is one rule for all of them:
//!
//! - a case is counted in the period it was **completed** in (the plan
//!   issued, the decision made, the advice answered, the review held);
//! - a case **still outstanding after its due date**, whose due date falls
//!   in the period, is counted there as late (else an overdue request
//!   would count nowhere until it is answered, and the rate would look
//!   better the more late work is left undone);
//! - a case not yet due and not done is not counted.
//!
//! The rule applies to decisions, advice, reviews and transfers. The final
//! plan and notice figures count what was issued, as the DfE's do (whether
//! a plan or a notice will come is not known until it does); assessments
//! still open past 20 weeks are counted on their own.
//!
//! The figures are accumulated one assessment at a time ([`Tally::add`]),
//! so the store can page through 100k children without holding them all.
//! Imported assessments (plans made before the hub) are never counted in
//! the 20-week figures: the hub did not run their clock.
//!
//! Counts only: nothing here names a child.

use std::collections::BTreeMap;

use chrono::{Months, NaiveDate};
use uuid::Uuid;

use crate::Agency;
use crate::ehc::{AdviceAnswerMode, Assessment, TimeLimit, weeks_after};
use crate::template::Profession;

/// The day Part 3 of the Children and Families Act 2014 came into force:
/// there are no EHC plans to report before it.
pub const EARLIEST: NaiveDate = match NaiveDate::from_ymd_opt(2014, 9, 1) {
    Some(d) => d,
    None => panic!("a valid date"),
};

/// The longest period one report covers: bounds the work a request can
/// ask for (five statutory returns' worth).
pub const MAX_PERIOD_YEARS: u32 = 5;

/// Weeks for the decision whether to assess (reg 5(1)).
pub const DECISION_WEEKS: i64 = 6;
/// Weeks for the notice that no plan will be issued (reg 10(1)).
pub const NOTICE_WEEKS: i64 = 16;
/// Weeks for the final plan (reg 13(2)).
pub const FINAL_PLAN_WEEKS: i64 = 20;

/// A reporting period: from and to, both inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    from: NaiveDate,
    to: NaiveDate,
}

/// Why a period is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    /// `to` is before `from`.
    #[error("must not be before from")]
    Reversed,
    /// Longer than [`MAX_PERIOD_YEARS`].
    #[error("a period is at most {MAX_PERIOD_YEARS} years")]
    TooLong,
    /// Starts before [`EARLIEST`].
    #[error("cannot be before 2014-09-01, when EHC plans began")]
    BeforeReforms,
}

impl PeriodError {
    /// The API field the error is about.
    pub fn field(&self) -> &'static str {
        match self {
            PeriodError::Reversed | PeriodError::TooLong => "to",
            PeriodError::BeforeReforms => "from",
        }
    }
}

impl Period {
    /// A period from `from` to `to` inclusive: not reversed, not before
    /// [`EARLIEST`], at most [`MAX_PERIOD_YEARS`] long.
    pub fn new(from: NaiveDate, to: NaiveDate) -> Result<Self, PeriodError> {
        if from < EARLIEST {
            return Err(PeriodError::BeforeReforms);
        }
        if to < from {
            return Err(PeriodError::Reversed);
        }
        let longest = from
            .checked_add_months(Months::new(12 * MAX_PERIOD_YEARS))
            .ok_or(PeriodError::TooLong)?;
        if to >= longest {
            return Err(PeriodError::TooLong);
        }
        Ok(Self { from, to })
    }

    pub fn from(&self) -> NaiveDate {
        self.from
    }

    pub fn to(&self) -> NaiveDate {
        self.to
    }

    /// Whether `day` falls in the period.
    pub fn contains(&self, day: NaiveDate) -> bool {
        self.from <= day && day <= self.to
    }
}

/// How many of the cases counted were on time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Rate {
    pub on_time: u32,
    pub counted: u32,
}

impl Rate {
    fn count(&mut self, on_time: bool) {
        self.counted += 1;
        if on_time {
            self.on_time += 1;
        }
    }

    /// The percentage on time, to one decimal place (halves rounded up);
    /// `None` when nothing was counted.
    pub fn percent(&self) -> Option<f64> {
        if self.counted == 0 {
            return None;
        }
        let (n, d) = (u64::from(self.on_time), u64::from(self.counted));
        let tenths = (n * 1000 + d / 2) / d;
        // Exact: tenths is at most 1000.
        Some(tenths as f64 / 10.0)
    }

    /// [`Rate::percent`] as the CSV writes it ("" when none).
    pub fn percent_text(&self) -> String {
        self.percent()
            .map(|p| format!("{p:.1}"))
            .unwrap_or_default()
    }
}

/// Advice returned within its statutory limit, and how often an existing
/// piece of advice answered instead (reg 6(4): the family told it once).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AdviceFigure {
    pub rate: Rate,
    /// Answered (in the period) by reusing existing advice: requests the
    /// professional did not have to answer again. Included in `rate`.
    pub reused: u32,
}

/// Whether an assessment was run on the hub's clock or imported with its
/// dates from before the hub.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Started in the hub: its clock is the hub's to report.
    Hub,
    /// Imported with its dates: never counted in the timeliness figures.
    Imported,
}

/// An annual review the reviews' rules say is due (input; s.44).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReviewFact {
    pub plan_id: Uuid,
    pub due_on: NaiveDate,
    /// The day the review concluded, if it has.
    pub held_on: Option<NaiveDate>,
}

/// A phase transfer's deadline for the amended plan (input; reg 18).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransferFact {
    pub plan_id: Uuid,
    pub deadline: NaiveDate,
    /// The day the amended plan naming the next setting was issued.
    pub amended_on: Option<NaiveDate>,
}

/// One group of advice figures: an agency by name, or a profession.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdviceGroup<K> {
    pub key: K,
    pub figure: AdviceFigure,
}

/// The dashboard over one period.
#[derive(Debug, Clone, PartialEq)]
pub struct TimelinessReport {
    pub period: Period,
    /// The day "still outstanding" was judged on.
    pub today: NaiveDate,
    /// Final plans issued in the period within 20 weeks of the request,
    /// every plan counted (the DfE's "including exceptions").
    pub final_plans_including_exceptions: Rate,
    /// The same, leaving out plans whose assessment has an exception
    /// attached to the final plan's limit (reg 13(3)): the DfE's
    /// "excluding exceptions".
    pub final_plans_excluding_exceptions: Rate,
    /// Decisions whether to assess within 6 weeks (reg 5(1)).
    pub decisions_to_assess: Rate,
    /// Notices that no plan will be issued within 16 weeks (reg 10(1)).
    pub notices_not_to_issue: Rate,
    /// Assessments still open today more than 20 weeks after the request.
    pub open_past_20_weeks: u32,
    /// All advice within its statutory due date (reg 8(1)).
    pub advice: AdviceFigure,
    /// Advice by the agency asked, by name (agencies the register no
    /// longer knows are grouped as "unknown agency").
    pub advice_by_agency: Vec<AdviceGroup<String>>,
    /// Advice by the profession asked (`None`: not recorded).
    pub advice_by_profession: Vec<AdviceGroup<Option<Profession>>>,
    /// Annual reviews concluded by their due date.
    pub annual_reviews: Rate,
    /// Phase transfers amended by their deadline.
    pub phase_transfers: Rate,
}

/// The figures, accumulated one assessment at a time.
#[derive(Debug, Clone)]
pub struct Tally {
    period: Period,
    today: NaiveDate,
    including: Rate,
    excluding: Rate,
    decisions: Rate,
    notices: Rate,
    open_past: u32,
    advice: AdviceFigure,
    by_agency: BTreeMap<Uuid, AdviceFigure>,
    by_profession: BTreeMap<Option<Profession>, AdviceFigure>,
    reviews: Rate,
    transfers: Rate,
}

/// Counts a completed-or-overdue case once, by the rule in the module docs.
/// `Some(on_time)` when it is counted in the period.
fn judged(
    period: &Period,
    today: NaiveDate,
    due: NaiveDate,
    done: Option<NaiveDate>,
) -> Option<bool> {
    match done {
        Some(done) => period.contains(done).then_some(done <= due),
        None => (period.contains(due) && due < today).then_some(false),
    }
}

impl Tally {
    pub fn new(period: Period, today: NaiveDate) -> Self {
        Self {
            period,
            today,
            including: Rate::default(),
            excluding: Rate::default(),
            decisions: Rate::default(),
            notices: Rate::default(),
            open_past: 0,
            advice: AdviceFigure::default(),
            by_agency: BTreeMap::new(),
            by_profession: BTreeMap::new(),
            reviews: Rate::default(),
            transfers: Rate::default(),
        }
    }

    /// Counts one assessment (an imported one is skipped).
    pub fn add(&mut self, a: &Assessment, origin: Origin) {
        if origin == Origin::Imported {
            return;
        }
        let period = self.period;
        let r = a.request_received_on;
        if let Some(issued) = a.final_issued_on().filter(|d| period.contains(*d)) {
            let on_time = issued <= weeks_after(r, FINAL_PLAN_WEEKS);
            self.including.count(on_time);
            let excused = a
                .exceptions()
                .any(|e| e.limit == Some(TimeLimit::FinalPlan));
            if !excused {
                self.excluding.count(on_time);
            }
        }
        if let Some(on_time) = judged(
            &period,
            self.today,
            weeks_after(r, DECISION_WEEKS),
            a.decision().map(|(_, on)| on),
        ) {
            self.decisions.count(on_time);
        }
        if let Some(on) = a.decided_not_to_issue_on().filter(|d| period.contains(*d)) {
            self.notices.count(on <= weeks_after(r, NOTICE_WEEKS));
        }
        if a.in_progress() && weeks_after(r, FINAL_PLAN_WEEKS) < self.today {
            self.open_past += 1;
        }
        for req in &a.advice {
            let answered = req.answer.as_ref();
            let Some(on_time) = judged(
                &period,
                self.today,
                req.due_on,
                answered.map(|x| x.answered_on),
            ) else {
                continue;
            };
            let reused = answered.is_some_and(|x| x.mode == AdviceAnswerMode::Reused);
            for figure in [
                &mut self.advice,
                self.by_agency.entry(req.agency_id).or_default(),
                self.by_profession.entry(req.profession).or_default(),
            ] {
                figure.rate.count(on_time);
                if reused {
                    figure.reused += 1;
                }
            }
        }
    }

    /// Counts annual reviews.
    pub fn add_reviews(&mut self, reviews: &[ReviewFact]) {
        for r in reviews {
            if let Some(on_time) = judged(&self.period, self.today, r.due_on, r.held_on) {
                self.reviews.count(on_time);
            }
        }
    }

    /// Counts phase transfers.
    pub fn add_transfers(&mut self, transfers: &[TransferFact]) {
        for t in transfers {
            if let Some(on_time) = judged(&self.period, self.today, t.deadline, t.amended_on) {
                self.transfers.count(on_time);
            }
        }
    }

    /// The report, naming agencies from the register.
    pub fn finish(self, agencies: &[Agency]) -> TimelinessReport {
        let mut named: BTreeMap<String, AdviceFigure> = BTreeMap::new();
        for (id, figure) in self.by_agency {
            let name = agencies
                .iter()
                .find(|a| a.id == id)
                .map_or_else(|| "unknown agency".to_owned(), |a| a.name.clone());
            let entry = named.entry(name).or_default();
            entry.rate.on_time += figure.rate.on_time;
            entry.rate.counted += figure.rate.counted;
            entry.reused += figure.reused;
        }
        TimelinessReport {
            period: self.period,
            today: self.today,
            final_plans_including_exceptions: self.including,
            final_plans_excluding_exceptions: self.excluding,
            decisions_to_assess: self.decisions,
            notices_not_to_issue: self.notices,
            open_past_20_weeks: self.open_past,
            advice: self.advice,
            advice_by_agency: named
                .into_iter()
                .map(|(key, figure)| AdviceGroup { key, figure })
                .collect(),
            advice_by_profession: self
                .by_profession
                .into_iter()
                .map(|(key, figure)| AdviceGroup { key, figure })
                .collect(),
            annual_reviews: self.reviews,
            phase_transfers: self.transfers,
        }
    }
}

/// The whole report from slices (tests, and callers that already hold
/// everything).
pub fn report(
    period: Period,
    today: NaiveDate,
    assessments: &[(Assessment, Origin)],
    agencies: &[Agency],
    reviews: &[ReviewFact],
    transfers: &[TransferFact],
) -> TimelinessReport {
    let mut tally = Tally::new(period, today);
    for (a, origin) in assessments {
        tally.add(a, *origin);
    }
    tally.add_reviews(reviews);
    tally.add_transfers(transfers);
    tally.finish(agencies)
}

impl TimelinessReport {
    /// The figures as rows: (measure, group, rate). Groups are "all", an
    /// agency's name, or a profession's code ("NOT_RECORDED" when none).
    /// The reuse counts are rows of their own, with no denominator.
    pub fn rows(&self) -> Vec<ReportRow> {
        let rate = |measure: &'static str, group: String, r: Rate| ReportRow {
            measure,
            group,
            numerator: r.on_time,
            denominator: Some(r.counted),
            percent: r.percent_text(),
        };
        let count = |measure: &'static str, group: String, n: u32| ReportRow {
            measure,
            group,
            numerator: n,
            denominator: None,
            percent: String::new(),
        };
        let all = || "all".to_owned();
        let mut rows = vec![
            rate(
                "final_plans_within_20_weeks_including_exceptions",
                all(),
                self.final_plans_including_exceptions,
            ),
            rate(
                "final_plans_within_20_weeks_excluding_exceptions",
                all(),
                self.final_plans_excluding_exceptions,
            ),
            rate(
                "decisions_to_assess_within_6_weeks",
                all(),
                self.decisions_to_assess,
            ),
            rate(
                "notices_not_to_issue_within_16_weeks",
                all(),
                self.notices_not_to_issue,
            ),
            count("open_past_20_weeks", all(), self.open_past_20_weeks),
            rate("advice_within_6_weeks", all(), self.advice.rate),
            count("advice_reused", all(), self.advice.reused),
        ];
        for g in &self.advice_by_agency {
            rows.push(rate(
                "advice_within_6_weeks_by_agency",
                g.key.clone(),
                g.figure.rate,
            ));
            rows.push(count(
                "advice_reused_by_agency",
                g.key.clone(),
                g.figure.reused,
            ));
        }
        for g in &self.advice_by_profession {
            let key = g.key.map_or("NOT_RECORDED", Profession::code).to_owned();
            rows.push(rate(
                "advice_within_6_weeks_by_profession",
                key.clone(),
                g.figure.rate,
            ));
            rows.push(count("advice_reused_by_profession", key, g.figure.reused));
        }
        rows.push(rate("annual_reviews_on_time", all(), self.annual_reviews));
        rows.push(rate("phase_transfers_on_time", all(), self.phase_transfers));
        rows
    }
}

/// One row of the report as a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportRow {
    pub measure: &'static str,
    pub group: String,
    pub numerator: u32,
    /// `None` for a plain count.
    pub denominator: Option<u32>,
    /// To one decimal place; empty when there is no rate.
    pub percent: String,
}

crate::code_enum! {
    /// How an EHC needs assessment ended (SEN2 module 3's outcome).
    pub enum AssessmentOutcome("assessment outcome") {
        /// A final plan was issued.
        PlanIssued = "PLAN_ISSUED",
        /// The council decided not to issue a plan (reg 10).
        DecidedNotToIssue = "DECIDED_NOT_TO_ISSUE",
    }
}

/// The statutory return's facts about one request, as the hub holds them
/// (SEN2 modules 2–4; person details come through the door separately).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sen2Request {
    pub assessment_id: Uuid,
    pub child_id: Uuid,
    /// ReceivedDate.
    pub received_on: NaiveDate,
    /// RequestOutcome and RequestOutcomeDate: (assess?, on).
    pub decision: Option<(bool, NaiveDate)>,
    /// AssessmentOutcome and AssessmentOutcomeDate.
    pub outcome: Option<(AssessmentOutcome, NaiveDate)>,
    /// Week20: an exception to the 20-week limit applied (reg 13(3)).
    pub week20_exception: bool,
    /// The final plan's issue date (the named plan's StartDate).
    pub plan_issued_on: Option<NaiveDate>,
    /// Review dates of the plan (ReviewMeeting), oldest first.
    pub review_dates: Vec<NaiveDate>,
}

impl Sen2Request {
    /// The return's row for `a`, if it belongs in the period: received, decided
    /// or concluded in it, still open at its end, or a plan maintained
    /// during it (the return's "active plans").
    pub fn of(a: &Assessment, period: &Period, reviews: &[ReviewFact]) -> Option<Self> {
        let r = a.request_received_on;
        if r > period.to() {
            return None;
        }
        let decision = a.decision();
        let outcome = a
            .final_issued_on()
            .map(|d| (AssessmentOutcome::PlanIssued, d))
            .or_else(|| {
                a.decided_not_to_issue_on()
                    .map(|d| (AssessmentOutcome::DecidedNotToIssue, d))
            });
        let to = period.to();
        let ended_by_end = decision.is_some_and(|(assess, on)| !assess && on <= to)
            || a.decided_not_to_issue_on().is_some_and(|on| on <= to);
        let plan_by_end = a.final_issued_on().is_some_and(|on| on <= to);
        let touched = period.contains(r)
            || decision.is_some_and(|(_, on)| period.contains(on))
            || outcome.is_some_and(|(_, on)| period.contains(on));
        let open_at_end = !ended_by_end && !plan_by_end;
        if !(touched || open_at_end || plan_by_end) {
            return None;
        }
        Some(Self {
            assessment_id: a.id,
            child_id: a.child_id,
            received_on: r,
            decision,
            outcome,
            week20_exception: a
                .exceptions()
                .any(|e| e.limit == Some(TimeLimit::FinalPlan)),
            plan_issued_on: a.final_issued_on(),
            review_dates: {
                let mut dates: Vec<NaiveDate> = reviews.iter().filter_map(|r| r.held_on).collect();
                dates.sort_unstable();
                dates
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::AgencyKind;
    use crate::ehc::{AdviceAnswer, AdviceRequest, AssessmentEvent, AssessmentEventKind as K};

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    const SALT: Uuid = Uuid::from_u128(0x5a);
    const EP: Uuid = Uuid::from_u128(0xe9);
    /// Requests arrive on Monday 5 January 2026: the decision is due on
    /// 16 February, the notice not to issue on 27 April, the final plan
    /// on 25 May.
    const R: (i32, u32, u32) = (2026, 1, 5);

    fn request() -> NaiveDate {
        d(R.0, R.1, R.2)
    }

    fn event(n: u128, kind: K, on: NaiveDate) -> AssessmentEvent {
        AssessmentEvent {
            id: Uuid::from_u128(n),
            kind,
            on,
            exception: None,
            limit: None,
            advice_request_id: None,
            note: None,
        }
    }

    fn assessment(n: u128, events: Vec<AssessmentEvent>) -> Assessment {
        Assessment {
            id: Uuid::from_u128(n),
            child_id: Uuid::from_u128(1000 + n),
            request_received_on: request(),
            events,
            advice: Vec::new(),
        }
    }

    /// Decided, drafted and issued on `final_on`.
    fn planned(n: u128, final_on: NaiveDate) -> Assessment {
        assessment(
            n,
            vec![
                event(1, K::DecidedToAssess, d(2026, 2, 9)),
                event(2, K::DraftIssued, d(2026, 4, 1)),
                event(3, K::FinalIssued, final_on),
            ],
        )
    }

    fn with_exception(mut a: Assessment, limit: TimeLimit) -> Assessment {
        let mut e = event(9, K::Exception, d(2026, 3, 1));
        e.exception = Some(crate::ehc::ClockException::FamilyAbsent);
        e.limit = Some(limit);
        a.events.push(e);
        a
    }

    fn advice(
        agency: Uuid,
        profession: Option<Profession>,
        due_on: NaiveDate,
        answer: Option<(NaiveDate, AdviceAnswerMode)>,
    ) -> AdviceRequest {
        AdviceRequest {
            id: Uuid::from_u128(u128::from(due_on.to_string().len() as u32) + agency.as_u128()),
            agency_id: agency,
            scope: crate::Scope::Communication,
            profession,
            attachments: Default::default(),
            asked_on: d(2026, 2, 10),
            due_on,
            target_on: None,
            answer: answer.map(|(answered_on, mode)| AdviceAnswer {
                contribution_id: Uuid::from_u128(77),
                mode,
                answered_on,
            }),
        }
    }

    fn agencies() -> Vec<Agency> {
        vec![
            Agency {
                id: SALT,
                name: "North SLT, \"Riverside\"".into(),
                kind: AgencyKind::Slt,
            },
            Agency {
                id: EP,
                name: "EP service".into(),
                kind: AgencyKind::Ep,
            },
        ]
    }

    fn year_2026() -> Period {
        Period::new(d(2026, 1, 1), d(2026, 12, 31)).expect("period")
    }

    fn hub(assessments: Vec<Assessment>) -> Vec<(Assessment, Origin)> {
        assessments.into_iter().map(|a| (a, Origin::Hub)).collect()
    }

    fn rate(on_time: u32, counted: u32) -> Rate {
        Rate { on_time, counted }
    }

    #[test]
    fn the_20_week_rate_to_the_day_with_and_without_exceptions() {
        let today = d(2026, 12, 31);
        let on_the_day = planned(1, d(2026, 5, 25));
        let a_day_late = planned(2, d(2026, 5, 26));
        // Late, but an exception lifted the final plan's limit: counted in
        // the rate including exceptions, left out of the one excluding them.
        let excused = with_exception(planned(3, d(2026, 6, 30)), TimeLimit::FinalPlan);
        // An exception to another limit does not excuse the final plan.
        let other_limit = with_exception(planned(4, d(2026, 5, 20)), TimeLimit::DecisionToAssess);
        let mut imported = planned(5, d(2026, 9, 1));
        imported.id = Uuid::from_u128(55);
        let mut all = hub(vec![on_the_day, a_day_late, excused, other_limit]);
        all.push((imported, Origin::Imported));
        let r = report(year_2026(), today, &all, &agencies(), &[], &[]);
        assert_eq!(r.final_plans_including_exceptions, rate(2, 4));
        assert_eq!(r.final_plans_excluding_exceptions, rate(2, 3));
        assert_eq!(r.final_plans_including_exceptions.percent(), Some(50.0));
        assert_eq!(r.final_plans_excluding_exceptions.percent(), Some(66.7));
        // Four decisions, all on 9 February (due 16 February); the imported
        // one is not counted anywhere.
        assert_eq!(r.decisions_to_assess, rate(4, 4));
    }

    #[test]
    fn a_plan_issued_outside_the_period_is_not_counted() {
        let spring = Period::new(d(2026, 1, 1), d(2026, 5, 24)).expect("period");
        let r = report(
            spring,
            d(2026, 12, 31),
            &hub(vec![planned(1, d(2026, 5, 25))]),
            &[],
            &[],
            &[],
        );
        assert_eq!(r.final_plans_including_exceptions, rate(0, 0));
        assert_eq!(r.final_plans_including_exceptions.percent(), None);
        assert_eq!(r.final_plans_including_exceptions.percent_text(), "");
    }

    #[test]
    fn nothing_to_count_gives_no_percentage_never_nan() {
        let r = report(year_2026(), d(2026, 6, 1), &[], &[], &[], &[]);
        for row in r.rows() {
            assert_eq!(row.numerator, 0, "{row:?}");
            assert_eq!(row.percent, "", "{row:?}");
            assert!(!row.percent.contains("NaN"));
        }
        assert_eq!(r.advice_by_agency, Vec::new());
        assert_eq!(r.annual_reviews.percent(), None);
    }

    #[test]
    fn percentages_round_to_one_decimal_place() {
        assert_eq!(rate(1, 3).percent(), Some(33.3));
        assert_eq!(rate(2, 3).percent(), Some(66.7));
        assert_eq!(rate(1, 8).percent(), Some(12.5));
        assert_eq!(rate(3, 3).percent(), Some(100.0));
        assert_eq!(rate(0, 7).percent(), Some(0.0));
        assert_eq!(rate(1, 3).percent_text(), "33.3");
        assert_eq!(rate(3, 3).percent_text(), "100.0");
    }

    #[test]
    fn decisions_notices_and_open_assessments_on_their_own_limits() {
        let today = d(2026, 6, 1);
        let decided_late = assessment(1, vec![event(1, K::DecidedNotToAssess, d(2026, 2, 17))]);
        let notice_on_time = assessment(
            2,
            vec![
                event(1, K::DecidedToAssess, d(2026, 2, 16)),
                event(2, K::DecidedNotToIssue, d(2026, 4, 27)),
            ],
        );
        let notice_late = assessment(
            3,
            vec![
                event(1, K::DecidedToAssess, d(2026, 2, 1)),
                event(2, K::DecidedNotToIssue, d(2026, 4, 28)),
            ],
        );
        // Open on 1 June, 20 weeks having run out on 25 May.
        let open = assessment(4, vec![event(1, K::DecidedToAssess, d(2026, 2, 1))]);
        let mut open_recent = assessment(5, Vec::new());
        open_recent.request_received_on = d(2026, 5, 1);
        let r = report(
            year_2026(),
            today,
            &hub(vec![
                decided_late,
                notice_on_time,
                notice_late,
                open,
                open_recent,
            ]),
            &[],
            &[],
            &[],
        );
        assert_eq!(r.decisions_to_assess, rate(3, 4));
        assert_eq!(r.notices_not_to_issue, rate(1, 2));
        assert_eq!(r.open_past_20_weeks, 1);
        // Undecided after its 6 weeks: counted, as late.
        let undecided = assessment(6, Vec::new());
        let r = report(year_2026(), today, &hub(vec![undecided]), &[], &[], &[]);
        assert_eq!(r.decisions_to_assess, rate(0, 1));
        assert_eq!(r.open_past_20_weeks, 1);
    }

    #[test]
    fn advice_by_agency_and_profession_with_reuse_told_once() {
        use AdviceAnswerMode::{Reused, Submitted};
        use Profession::{EducationalPsychology as Ep, SpeechLanguageTherapy as Slt};
        let today = d(2026, 6, 1);
        let due = d(2026, 3, 24);
        let mut a = planned(1, d(2026, 5, 20));
        a.advice = vec![
            // On the due date: on time.
            advice(SALT, Some(Slt), due, Some((due, Submitted))),
            // A day late.
            advice(SALT, Some(Slt), d(2026, 3, 23), Some((due, Submitted))),
            // Reused: on time, and counted as reuse.
            advice(EP, Some(Ep), due, Some((d(2026, 2, 20), Reused))),
            // Unanswered after its due date: late.
            advice(EP, None, d(2026, 5, 1), None),
            // Unanswered, not yet due: not counted.
            advice(EP, None, d(2026, 6, 2), None),
            // Answered before the period (last year's): not counted.
            advice(
                SALT,
                Some(Slt),
                d(2025, 12, 1),
                Some((d(2025, 11, 30), Submitted)),
            ),
        ];
        let r = report(year_2026(), today, &hub(vec![a]), &agencies(), &[], &[]);
        assert_eq!(
            r.advice,
            AdviceFigure {
                rate: rate(2, 4),
                reused: 1
            }
        );
        let by_agency: Vec<(&str, Rate, u32)> = r
            .advice_by_agency
            .iter()
            .map(|g| (g.key.as_str(), g.figure.rate, g.figure.reused))
            .collect();
        assert_eq!(
            by_agency,
            vec![
                ("EP service", rate(1, 2), 1),
                ("North SLT, \"Riverside\"", rate(1, 2), 0),
            ]
        );
        let by_profession: Vec<(Option<Profession>, Rate, u32)> = r
            .advice_by_profession
            .iter()
            .map(|g| (g.key, g.figure.rate, g.figure.reused))
            .collect();
        assert_eq!(
            by_profession,
            vec![
                (None, rate(0, 1), 0),
                (Some(Ep), rate(1, 1), 1),
                (Some(Slt), rate(1, 2), 0),
            ]
        );
        // An agency the register no longer knows is still counted.
        let r = report(
            year_2026(),
            today,
            &hub(vec![{
                let mut a = planned(2, d(2026, 5, 20));
                a.advice = vec![advice(Uuid::from_u128(0xdead), None, due, None)];
                a
            }]),
            &agencies(),
            &[],
            &[],
        );
        assert_eq!(r.advice_by_agency[0].key, "unknown agency");
    }

    #[test]
    fn reviews_and_transfers_by_the_same_rule() {
        let today = d(2026, 6, 1);
        let plan = Uuid::from_u128(5);
        let reviews = [
            ReviewFact {
                plan_id: plan,
                due_on: d(2026, 5, 19),
                held_on: Some(d(2026, 5, 19)),
            },
            ReviewFact {
                plan_id: plan,
                due_on: d(2026, 5, 19),
                held_on: Some(d(2026, 5, 20)),
            },
            ReviewFact {
                plan_id: plan,
                due_on: d(2026, 5, 31),
                held_on: None,
            },
            ReviewFact {
                plan_id: plan,
                due_on: d(2026, 6, 1),
                held_on: None,
            },
        ];
        let transfers = [
            TransferFact {
                plan_id: plan,
                deadline: d(2026, 2, 15),
                amended_on: Some(d(2026, 2, 14)),
            },
            TransferFact {
                plan_id: plan,
                deadline: d(2026, 3, 31),
                amended_on: None,
            },
        ];
        let r = report(year_2026(), today, &[], &[], &reviews, &transfers);
        assert_eq!(r.annual_reviews, rate(1, 3));
        assert_eq!(r.phase_transfers, rate(1, 2));
    }

    #[test]
    fn bad_periods_are_refused_by_name() {
        let cases = [
            (
                d(2026, 2, 1),
                d(2026, 1, 31),
                PeriodError::Reversed,
                "to",
                "must not be before from",
            ),
            (
                d(2014, 8, 31),
                d(2015, 1, 1),
                PeriodError::BeforeReforms,
                "from",
                "cannot be before 2014-09-01, when EHC plans began",
            ),
            (
                d(2020, 1, 1),
                d(2025, 1, 1),
                PeriodError::TooLong,
                "to",
                "a period is at most 5 years",
            ),
        ];
        for (from, to, error, field, message) in cases {
            let e = Period::new(from, to).expect_err(message);
            assert_eq!(
                (e, e.field(), e.to_string().as_str()),
                (error, field, message)
            );
        }
        // Positive controls: one day; five years less a day; the first day.
        assert!(Period::new(d(2026, 1, 1), d(2026, 1, 1)).is_ok());
        assert!(Period::new(d(2020, 1, 1), d(2024, 12, 31)).is_ok());
        assert!(Period::new(EARLIEST, d(2015, 8, 31)).is_ok());
    }

    #[test]
    fn rows_carry_the_same_numbers() {
        let r = report(
            year_2026(),
            d(2026, 12, 31),
            &hub(vec![planned(1, d(2026, 5, 25)), planned(2, d(2026, 5, 26))]),
            &agencies(),
            &[],
            &[],
        );
        let rows = r.rows();
        let first = &rows[0];
        assert_eq!(
            (
                first.measure,
                first.group.as_str(),
                first.numerator,
                first.denominator,
                first.percent.as_str()
            ),
            (
                "final_plans_within_20_weeks_including_exceptions",
                "all",
                1,
                Some(2),
                "50.0"
            )
        );
        let open = rows
            .iter()
            .find(|r| r.measure == "open_past_20_weeks")
            .expect("row");
        assert_eq!((open.numerator, open.denominator), (0, None));
    }

    #[test]
    fn the_sen2_row_holds_the_return_fields() {
        let excused = with_exception(planned(1, d(2026, 6, 30)), TimeLimit::FinalPlan);
        let row = Sen2Request::of(&excused, &year_2026(), &[]).expect("in the period");
        assert_eq!(
            (
                row.received_on,
                row.decision,
                row.outcome,
                row.week20_exception,
                row.plan_issued_on
            ),
            (
                request(),
                Some((true, d(2026, 2, 9))),
                Some((AssessmentOutcome::PlanIssued, d(2026, 6, 30))),
                true,
                Some(d(2026, 6, 30))
            )
        );
        let not_issued = assessment(
            2,
            vec![
                event(1, K::DecidedToAssess, d(2026, 2, 9)),
                event(2, K::DecidedNotToIssue, d(2026, 4, 1)),
            ],
        );
        let row = Sen2Request::of(&not_issued, &year_2026(), &[]).expect("in the period");
        assert_eq!(
            (row.outcome, row.week20_exception, row.plan_issued_on),
            (
                Some((AssessmentOutcome::DecidedNotToIssue, d(2026, 4, 1))),
                false,
                None
            )
        );
        // Work finished before the period is not in its return; a plan
        // still maintained is; a request after the period is not.
        let next_year = Period::new(d(2027, 1, 1), d(2027, 12, 31)).expect("period");
        assert_eq!(Sen2Request::of(&not_issued, &next_year, &[]), None);
        assert!(Sen2Request::of(&planned(3, d(2026, 5, 1)), &next_year, &[]).is_some());
        let last_year = Period::new(d(2025, 1, 1), d(2025, 12, 31)).expect("period");
        assert_eq!(
            Sen2Request::of(&planned(3, d(2026, 5, 1)), &last_year, &[]),
            None
        );
    }
}
