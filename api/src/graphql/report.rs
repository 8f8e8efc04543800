//! The timeliness dashboard (`timeliness`: counts for IG staff and SEND
//! case officers) and the SEN2-shaped extract (`sen2Extract`: child-level,
//! case officers only). Resolvers parse, call the door, shape.

use async_graphql::{Context, Enum, ID, Object, SimpleObject};
use domain::timeliness::{self as t, AdviceFigure, TimelinessReport};

use super::record::request;
use super::scalar::Date;
use crate::access::{ReportFormat, Sen2Page, Sen2Row};
use crate::graphql::parse_id;

type GqlResult<T> = async_graphql::Result<T>;

/// How many of the cases counted met their limit.
#[derive(SimpleObject, Debug)]
pub struct Rate {
    /// Cases that met their limit.
    pub on_time: u32,
    /// Cases counted.
    pub counted: u32,
    /// On time as a percentage of counted, to one decimal place; null when
    /// nothing was counted.
    pub percent: Option<f64>,
}

impl From<t::Rate> for Rate {
    fn from(r: t::Rate) -> Self {
        Self {
            on_time: r.on_time,
            counted: r.counted,
            percent: r.percent(),
        }
    }
}

/// Final plans within 20 weeks (reg 13(2)), both ways the DfE reports it.
#[derive(SimpleObject, Debug)]
pub struct FinalPlanRates {
    /// Every final plan issued in the period.
    pub including_exceptions: Rate,
    /// Leaving out plans whose assessment has an exception attached to the
    /// final plan's limit (reg 13(3)).
    pub excluding_exceptions: Rate,
}

/// Advice within its statutory due date (reg 8(1)), and how often existing
/// advice answered instead (reg 6(4)).
#[derive(SimpleObject, Debug)]
pub struct AdviceRate {
    /// Advice requests answered by their statutory due date.
    pub within_due_date: Rate,
    /// Requests answered by reusing existing advice (counted in
    /// `withinDueDate` too): the family told it once.
    pub reused: u32,
}

impl From<AdviceFigure> for AdviceRate {
    fn from(f: AdviceFigure) -> Self {
        Self {
            within_due_date: f.rate.into(),
            reused: f.reused,
        }
    }
}

/// Advice figures for one agency.
#[derive(SimpleObject, Debug)]
pub struct AgencyAdvice {
    /// The agency's name.
    pub agency_name: String,
    /// Its advice figures.
    pub advice: AdviceRate,
}

/// Advice figures for one profession.
#[derive(SimpleObject, Debug)]
pub struct ProfessionAdvice {
    /// The profession's code (as the advice templates name it); null when
    /// the request recorded none.
    pub profession: Option<String>,
    /// Its advice figures.
    pub advice: AdviceRate,
}

/// The timeliness dashboard over a period: counts only. A case is counted
/// in the period it was completed in, or, still outstanding after its due
/// date, in the period that date falls in (as late).
#[derive(SimpleObject, Debug)]
pub struct TimelinessReportView {
    /// The first day of the period.
    pub from: Date,
    /// The last day of the period (inclusive).
    pub to: Date,
    /// The day outstanding cases were judged on.
    pub today: Date,
    /// Final plans issued within 20 weeks of the request (reg 13(2)).
    pub final_plans_within_20_weeks: FinalPlanRates,
    /// Decisions whether to assess within 6 weeks (reg 5(1)).
    pub decisions_to_assess_within_6_weeks: Rate,
    /// Notices not to issue a plan within 16 weeks (reg 10(1)).
    pub notices_not_to_issue_within_16_weeks: Rate,
    /// Assessments open today more than 20 weeks after their request.
    pub open_past_20_weeks: u32,
    /// Advice within its statutory due date, all agencies.
    pub advice: AdviceRate,
    /// Advice figures per agency.
    pub advice_by_agency: Vec<AgencyAdvice>,
    /// Advice figures per profession.
    pub advice_by_profession: Vec<ProfessionAdvice>,
    /// Annual reviews concluded by their due date (s.44).
    pub annual_reviews_on_time: Rate,
    /// Phase transfers amended by their deadline (reg 18).
    pub phase_transfers_on_time: Rate,
}

impl From<TimelinessReport> for TimelinessReportView {
    fn from(r: TimelinessReport) -> Self {
        Self {
            from: r.period.from().into(),
            to: r.period.to().into(),
            today: r.today.into(),
            final_plans_within_20_weeks: FinalPlanRates {
                including_exceptions: r.final_plans_including_exceptions.into(),
                excluding_exceptions: r.final_plans_excluding_exceptions.into(),
            },
            decisions_to_assess_within_6_weeks: r.decisions_to_assess.into(),
            notices_not_to_issue_within_16_weeks: r.notices_not_to_issue.into(),
            open_past_20_weeks: r.open_past_20_weeks,
            advice: r.advice.into(),
            advice_by_agency: r
                .advice_by_agency
                .into_iter()
                .map(|g| AgencyAdvice {
                    agency_name: g.key,
                    advice: g.figure.into(),
                })
                .collect(),
            advice_by_profession: r
                .advice_by_profession
                .into_iter()
                .map(|g| ProfessionAdvice {
                    profession: g.key.map(|p| p.code().to_owned()),
                    advice: g.figure.into(),
                })
                .collect(),
            annual_reviews_on_time: r.annual_reviews.into(),
            phase_transfers_on_time: r.phase_transfers.into(),
        }
    }
}

/// How an assessment ended (SEN2 AssessmentOutcome).
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
#[graphql(remote = "domain::timeliness::AssessmentOutcome")]
pub enum AssessmentOutcome {
    /// An EHC plan was issued.
    PlanIssued,
    /// The council decided not to issue a plan (reg 10).
    DecidedNotToIssue,
}

/// One request in the SEN2-shaped extract: the return's fields the hub
/// holds, named after the DfE's items (values in the hub's own codes).
#[derive(SimpleObject, Debug)]
pub struct Sen2RowView {
    /// The child.
    pub child_id: ID,
    /// The assessment (the request).
    pub assessment_id: ID,
    /// UPN: null when not held or withheld by the door.
    pub upn: Option<String>,
    /// The door withheld the UPN (UPNunknown applies).
    pub upn_withheld: bool,
    /// PersonBirthDate: null when the door withheld who the child is.
    pub person_birth_date: Option<Date>,
    /// ReceivedDate.
    pub received_date: Date,
    /// RequestOutcome: whether the council decided to assess; null while
    /// undecided.
    pub decided_to_assess: Option<bool>,
    /// RequestOutcomeDate.
    pub request_outcome_date: Option<Date>,
    /// AssessmentOutcome.
    pub assessment_outcome: Option<AssessmentOutcome>,
    /// AssessmentOutcomeDate.
    pub assessment_outcome_date: Option<Date>,
    /// Week20: an exception to the 20-week limit applied.
    pub week20_exception: bool,
    /// The named plan's StartDate: the final plan's issue date.
    pub plan_start_date: Option<Date>,
    /// ReviewMeeting dates of the plan.
    pub review_dates: Vec<Date>,
}

impl From<Sen2Row> for Sen2RowView {
    fn from(row: Sen2Row) -> Self {
        let r = row.request;
        Self {
            child_id: ID(r.child_id.to_string()),
            assessment_id: ID(r.assessment_id.to_string()),
            upn: row.upn.map(|u| u.as_str().to_owned()),
            upn_withheld: row.upn_withheld,
            person_birth_date: row.date_of_birth.map(Date),
            received_date: r.received_on.into(),
            decided_to_assess: r.decision.map(|(assess, _)| assess),
            request_outcome_date: r.decision.map(|(_, on)| on.into()),
            assessment_outcome: r.outcome.map(|(o, _)| o.into()),
            assessment_outcome_date: r.outcome.map(|(_, on)| on.into()),
            week20_exception: r.week20_exception,
            plan_start_date: r.plan_issued_on.map(Date),
            review_dates: r.review_dates.into_iter().map(Date).collect(),
        }
    }
}

/// A page of the SEN2-shaped extract.
#[derive(SimpleObject, Debug)]
pub struct Sen2PageView {
    /// The first day of the period.
    pub from: Date,
    /// The last day of the period (inclusive).
    pub to: Date,
    /// One row per request in the period.
    pub rows: Vec<Sen2RowView>,
    /// Pass as `after` for the next page.
    pub end_cursor: Option<ID>,
    /// Whether more rows follow.
    pub has_next_page: bool,
}

impl From<Sen2Page> for Sen2PageView {
    fn from(p: Sen2Page) -> Self {
        Self {
            from: p.period.from().into(),
            to: p.period.to().into(),
            rows: p.rows.into_iter().map(Into::into).collect(),
            end_cursor: p.end_cursor.map(|c| ID(c.to_string())),
            has_next_page: p.has_next_page,
        }
    }
}

#[derive(Debug, Default)]
pub struct ReportQuery;

#[Object]
impl ReportQuery {
    /// The timeliness dashboard from `from` to `to` (inclusive): counts
    /// only, for IG staff and SEND case officers. At most 5 years, not
    /// before 2014-09-01.
    async fn timeliness(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The first day of the period.")] from: Date,
        #[graphql(desc = "The last day of the period (inclusive).")] to: Date,
    ) -> GqlResult<TimelinessReportView> {
        let rc = request(ctx)?;
        let report = rc
            .reporter()?
            .timeliness(from.0, to.0, ReportFormat::Graphql)
            .await?;
        Ok(report.into())
    }

    /// The SEN2-shaped extract from `from` to `to`: one row per request in
    /// the period, at most `first` (1–200) after the cursor `after`.
    /// Council SEND case officers only; identifiers only where the door
    /// allows them, and each child included is traced.
    async fn sen2_extract(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The first day of the period.")] from: Date,
        #[graphql(desc = "The last day of the period (inclusive).")] to: Date,
        #[graphql(default = 50, desc = "Page size, 1 to 200; default 50.")] first: i32,
        #[graphql(desc = "The endCursor of the previous page.")] after: Option<ID>,
    ) -> GqlResult<Sen2PageView> {
        let rc = request(ctx)?;
        let officer = rc.case_officer()?;
        let after = after.map(|a| parse_id("after", &a)).transpose()?;
        let first = u64::try_from(first).unwrap_or(0);
        let page = officer.sen2_extract(from.0, to.0, first, after).await?;
        Ok(page.into())
    }
}
