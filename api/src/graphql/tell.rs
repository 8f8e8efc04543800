//! Tell it once over GraphQL: the family's own words (versioned), agencies'
//! contributions with provenance, and EHC needs assessments on the statutory
//! clock, with advice asked for once and reused when still sufficient.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use domain::ehc::{
    AdviceAnswerMode, AdviceRequest, Assessment, AssessmentEventKind, ClockException, Milestone,
    MilestoneStatus,
};
use domain::{AllAboutMe, Scope};
use uuid::Uuid;

use super::record::{ContributionView, request};
use super::scalar::Date;
use super::types::{
    self, AdviceAnswerModeGql, ClockExceptionGql, ContributionKindGql, MilestoneGql,
    MilestoneStatusGql, WrittenAsGql,
};
use crate::access::{AdviceOnFile, AssessmentOnFile, ContributionDraft};
use crate::error::{Error, Result};

type GqlResult<T> = async_graphql::Result<T>;

use super::parse_id;

/// A version of "all about me".
#[derive(SimpleObject, Debug)]
pub struct AllAboutMeVersionView {
    pub version: i32,
    pub what_matters: Option<String>,
    pub how_to_support: Option<String>,
    pub aspirations: Option<String>,
    pub history: Option<String>,
    pub written_by: String,
    pub written_as: WrittenAsGql,
    pub written_at: DateTime<Utc>,
}

impl From<domain::AllAboutMeVersion> for AllAboutMeVersionView {
    fn from(v: domain::AllAboutMeVersion) -> Self {
        Self {
            version: v.version,
            what_matters: v.content.what_matters,
            how_to_support: v.content.how_to_support,
            aspirations: v.content.aspirations,
            history: v.content.history,
            written_by: v.written_by,
            written_as: v.written_as.into(),
            written_at: v.written_at,
        }
    }
}

/// A statutory milestone on today's date.
#[derive(SimpleObject, Debug)]
pub struct MilestoneView {
    pub milestone: MilestoneGql,
    /// In a parent's words.
    pub label: &'static str,
    pub due_on: Date,
    pub done_on: Option<Date>,
    pub status: MilestoneStatusGql,
}

/// A request for advice, and how it was answered.
#[derive(SimpleObject, Debug)]
pub struct AdviceRequestView {
    pub id: ID,
    pub child_id: ID,
    pub assessment_id: ID,
    pub agency_id: ID,
    pub agency_name: Option<String>,
    pub agency_kind: Option<types::AgencyKind>,
    pub scope: types::Scope,
    pub asked_on: Date,
    pub due_on: Date,
    pub status: MilestoneStatusGql,
    pub answered_on: Option<Date>,
    pub answer: Option<AdviceAnswerModeGql>,
    pub contribution_id: Option<ID>,
    /// In a parent's words.
    pub summary: String,
}

/// A recorded exception to the time limits.
#[derive(SimpleObject, Debug)]
pub struct ClockExceptionView {
    pub exception: ClockExceptionGql,
    pub label: &'static str,
    pub on: Date,
    pub note: Option<String>,
}

/// An EHC needs assessment on today's date.
#[derive(SimpleObject, Debug)]
#[graphql(complex)]
pub struct AssessmentView {
    pub id: ID,
    pub child_id: ID,
    pub request_received_on: Date,
    pub milestones: Vec<MilestoneView>,
    pub advice_requests: Vec<AdviceRequestView>,
    pub exceptions: Vec<ClockExceptionView>,
    /// Where things stand, in a parent's words.
    pub summary: String,
}

fn status_words(s: MilestoneStatus) -> &'static str {
    match s {
        MilestoneStatus::OnTrack => "on track",
        MilestoneStatus::DueSoon => "due within two weeks",
        MilestoneStatus::Overdue => "late",
        MilestoneStatus::Done => "done on time",
        MilestoneStatus::DoneLate => "done, but late",
        MilestoneStatus::ExceptionApplies => "delayed: the time limit does not apply",
    }
}

fn request_view(
    child_id: Uuid,
    assessment_id: Uuid,
    r: &AdviceRequest,
    agencies: &[domain::Agency],
    today: NaiveDate,
) -> AdviceRequestView {
    let agency = agencies.iter().find(|a| a.id == r.agency_id);
    let status = r.status(today);
    let who = agency.map_or("A service".to_owned(), |a| a.name.clone());
    let summary = match &r.answer {
        Some(a) if a.mode == AdviceAnswerMode::Reused => {
            format!(
                "{who}'s existing advice was reused: you and its author agreed it is still right, so you were not asked again"
            )
        }
        Some(a) => format!(
            "{who} sent their advice on {}",
            a.answered_on.format("%-d %B %Y")
        ),
        None => format!(
            "{who} was asked for advice, due {} ({})",
            r.due_on.format("%-d %B %Y"),
            status_words(status)
        ),
    };
    AdviceRequestView {
        id: ID(r.id.to_string()),
        child_id: ID(child_id.to_string()),
        assessment_id: ID(assessment_id.to_string()),
        agency_id: ID(r.agency_id.to_string()),
        agency_name: agency.map(|a| a.name.clone()),
        agency_kind: agency.map(|a| a.kind.into()),
        scope: r.scope.into(),
        asked_on: r.asked_on.into(),
        due_on: r.due_on.into(),
        status: status.into(),
        answered_on: r.answer.as_ref().map(|a| a.answered_on.into()),
        answer: r.answer.as_ref().map(|a| a.mode.into()),
        contribution_id: r.answer.as_ref().map(|a| ID(a.contribution_id.to_string())),
        summary,
    }
}

fn assessment_view(
    a: &Assessment,
    agencies: &[domain::Agency],
    today: NaiveDate,
) -> AssessmentView {
    let milestones: Vec<MilestoneView> = a
        .milestones(today)
        .into_iter()
        .map(|m| MilestoneView {
            milestone: m.milestone.into(),
            label: m.milestone.label(),
            due_on: m.due.into(),
            done_on: m.done_on.map(Into::into),
            status: m.status.into(),
        })
        .collect();
    let mut late: Vec<String> = a
        .milestones(today)
        .iter()
        .filter(|m| m.status == MilestoneStatus::Overdue)
        .map(|m| m.milestone.label().to_lowercase())
        .collect();
    late.extend(
        a.advice
            .iter()
            .filter(|r| r.status(today) == MilestoneStatus::Overdue)
            .map(|r| {
                let who = agencies
                    .iter()
                    .find(|x| x.id == r.agency_id)
                    .map_or("a service", |x| x.name.as_str());
                format!("advice from {who}")
            }),
    );
    let next = a
        .milestones(today)
        .into_iter()
        .find(|m| m.done_on.is_none() && m.milestone != Milestone::AnnualReview);
    let mut summary = match next {
        Some(m) => format!(
            "Next: {} by {} ({}).",
            m.milestone.label().to_lowercase(),
            m.due.format("%-d %B %Y"),
            status_words(m.status)
        ),
        None => "All statutory steps are done.".to_owned(),
    };
    if !late.is_empty() {
        summary.push_str(&format!(" Late: {}.", late.join("; ")));
    }
    AssessmentView {
        id: ID(a.id.to_string()),
        child_id: ID(a.child_id.to_string()),
        request_received_on: a.request_received_on.into(),
        milestones,
        advice_requests: a
            .advice
            .iter()
            .map(|r| request_view(a.child_id, a.id, r, agencies, today))
            .collect(),
        exceptions: a
            .exceptions()
            .filter_map(|e| {
                e.exception.map(|x| ClockExceptionView {
                    exception: x.into(),
                    label: x.label(),
                    on: e.on.into(),
                    note: e.note.clone(),
                })
            })
            .collect(),
        summary,
    }
}

fn on_file(a: &AssessmentOnFile, today: NaiveDate) -> AssessmentView {
    assessment_view(&a.assessment, &a.agencies, today)
}

fn advice_view(a: &AdviceOnFile, today: NaiveDate) -> AdviceRequestView {
    request_view(a.child_id, a.assessment_id, &a.request, &a.agencies, today)
}

#[derive(Debug, Default)]
pub struct TellQuery;

#[Object]
impl TellQuery {
    /// Every version of "all about me", with who wrote it (for the family).
    async fn all_about_me_history(
        &self,
        ctx: &Context<'_>,
        child_id: ID,
    ) -> GqlResult<Vec<AllAboutMeVersionView>> {
        let rc = request(ctx)?;
        let child = parse_id("childId", &child_id)?;
        let family = rc.family(child).await?;
        Ok(family
            .all_about_me_history()
            .await?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// The child's latest EHC needs assessment, on today's date: for the
    /// family and the council's case officers.
    async fn assessment(
        &self,
        ctx: &Context<'_>,
        child_id: ID,
    ) -> GqlResult<Option<AssessmentView>> {
        let rc = request(ctx)?;
        let child = parse_id("childId", &child_id)?;
        let found = match rc.case_officer() {
            Ok(officer) => officer.assessment(child).await?,
            Err(_) => rc.family(child).await?.assessment().await?,
        };
        Ok(found.map(|a| on_file(&a, rc.today())))
    }

    /// Advice requests addressed to your agency (statutory: you see them
    /// even before the family grants you more).
    async fn advice_requests(&self, ctx: &Context<'_>) -> GqlResult<Vec<AdviceRequestView>> {
        let rc = request(ctx)?;
        let requests = rc.practitioner()?.advice_requests().await?;
        Ok(requests
            .iter()
            .map(|r| advice_view(r, rc.today()))
            .collect())
    }
}

/// "All about me", in the family's or young person's own words.
#[derive(InputObject, Debug)]
pub struct AllAboutMeInput {
    pub what_matters: Option<String>,
    pub how_to_support: Option<String>,
    pub aspirations: Option<String>,
    pub history: Option<String>,
}

/// What an agency knows, for one scope.
#[derive(InputObject, Debug)]
pub struct ContributionInput {
    /// Ignored by `submitAdvice`, which answers the request's scope.
    pub scope: Option<types::Scope>,
    pub kind: Option<ContributionKindGql>,
    pub title: String,
    pub needs: Option<String>,
    pub outcomes: Option<String>,
    pub provision: Option<String>,
    pub notes: Option<String>,
    /// A contribution of yours this one replaces.
    pub supersedes: Option<ID>,
    /// Structured advice (ADVICE and ASSESSMENT; required for them),
    /// checked against the latest template of its profession.
    pub content: Option<super::templates::AdviceContentInput>,
    /// The template's profession, for `contribute` with ADVICE or
    /// ASSESSMENT (`submitAdvice` answers as the request's profession).
    pub profession: Option<super::templates::ProfessionGql>,
}

impl ContributionInput {
    fn draft(self) -> Result<ContributionDraft> {
        Ok(ContributionDraft {
            kind: self.kind.map(Into::into),
            supersedes: self
                .supersedes
                .as_ref()
                .map(|s| parse_id("supersedes", s))
                .transpose()?,
            title: self.title,
            needs: self.needs,
            outcomes: self.outcomes,
            provision: self.provision,
            notes: self.notes,
            content: self.content.map(|c| c.sections()),
            profession: self.profession.map(Into::into),
        })
    }
}

#[derive(Debug, Default)]
pub struct TellMutation;

#[Object]
impl TellMutation {
    /// Writes a new version of "all about me" (people with parental
    /// responsibility who hold consent authority, and the young person at
    /// any age for their own views). Earlier versions are kept.
    async fn update_all_about_me(
        &self,
        ctx: &Context<'_>,
        child_id: ID,
        input: AllAboutMeInput,
    ) -> GqlResult<AllAboutMeVersionView> {
        let rc = request(ctx)?;
        let child = parse_id("childId", &child_id)?;
        let family = rc.family(child).await?;
        let written = AllAboutMe {
            what_matters: input.what_matters,
            how_to_support: input.how_to_support,
            aspirations: input.aspirations,
            history: input.history,
        };
        Ok(family.update_all_about_me(written).await?.into())
    }

    /// Adds what your agency knows to one scope of a child's record, where
    /// the data-sharing agreement lets your agency contribute to it.
    async fn contribute(
        &self,
        ctx: &Context<'_>,
        child_id: ID,
        input: ContributionInput,
    ) -> GqlResult<ContributionView> {
        let rc = request(ctx)?;
        let practitioner = rc.practitioner()?;
        let child = parse_id("childId", &child_id)?;
        let scope: Scope = input
            .scope
            .ok_or_else(|| Error::bad_input("scope", "name the scope you contribute to"))?
            .into();
        let c = practitioner
            .contribute(child, scope, input.draft()?)
            .await?;
        Ok(ContributionView { c, current: true })
    }

    /// Starts an EHC needs assessment (council SEND case officers).
    async fn start_assessment(
        &self,
        ctx: &Context<'_>,
        child_id: ID,
        request_received_on: Date,
    ) -> GqlResult<AssessmentView> {
        let rc = request(ctx)?;
        let officer = rc.case_officer()?;
        let child = parse_id("childId", &child_id)?;
        let a = officer
            .start_assessment(child, request_received_on.0)
            .await?;
        Ok(on_file(&a, rc.today()))
    }

    /// Records whether the council will assess (due by week 6).
    async fn record_decision_to_assess(
        &self,
        ctx: &Context<'_>,
        assessment_id: ID,
        assess: bool,
        on: Date,
    ) -> GqlResult<AssessmentView> {
        let kind = if assess {
            AssessmentEventKind::DecidedToAssess
        } else {
            AssessmentEventKind::DecidedNotToAssess
        };
        step(ctx, &assessment_id, kind, on, None, None).await
    }

    /// Records that the draft plan was issued (by week 16). Refused while
    /// a required source of the reg 6(1) advice checklist is open (neither
    /// requested, answered, reused nor recorded as not required), unless
    /// `openItemsReason` says why the draft goes ahead; it is kept as the
    /// step's note.
    async fn issue_draft(
        &self,
        ctx: &Context<'_>,
        assessment_id: ID,
        on: Date,
        open_items_reason: Option<String>,
    ) -> GqlResult<AssessmentView> {
        let rc = request(ctx)?;
        let officer = rc.case_officer()?;
        let assessment = parse_id("assessmentId", &assessment_id)?;
        let a = officer
            .issue_draft(assessment, on.0, open_items_reason)
            .await?;
        Ok(on_file(&a, rc.today()))
    }

    /// Records that the final plan was issued (by week 20); the first annual
    /// review is then due within 12 months.
    async fn issue_final_plan(
        &self,
        ctx: &Context<'_>,
        assessment_id: ID,
        on: Date,
    ) -> GqlResult<AssessmentView> {
        step(
            ctx,
            &assessment_id,
            AssessmentEventKind::FinalIssued,
            on,
            None,
            None,
        )
        .await
    }

    /// Records one of the regulations' exceptions to the time limits.
    async fn record_exception(
        &self,
        ctx: &Context<'_>,
        assessment_id: ID,
        exception: ClockExceptionGql,
        on: Date,
        note: Option<String>,
    ) -> GqlResult<AssessmentView> {
        let note = domain::input::optional_text("note", note.as_deref()).map_err(Error::from)?;
        step(
            ctx,
            &assessment_id,
            AssessmentEventKind::Exception,
            on,
            Some(exception.into()),
            note,
        )
        .await
    }

    /// Asks an agency for advice on one scope (due 6 weeks after today unless
    /// set otherwise). `attach` names the parts of the record the council
    /// shares with the request: until it answers, the asked agency reads
    /// them and "all about me" on the statutory basis (SEND Regulations
    /// 2014 regs 6-8), whatever the family has agreed.
    // Each argument is one GraphQL argument of the mutation.
    #[allow(clippy::too_many_arguments)]
    async fn request_advice(
        &self,
        ctx: &Context<'_>,
        assessment_id: ID,
        agency_id: ID,
        scope: types::Scope,
        #[graphql(default)] attach: Vec<types::Scope>,
        due_on: Option<Date>,
        #[graphql(
            desc = "The profession asked (which advice template applies); by default the agency's: school SCHOOL_SETTING, EP EDUCATIONAL_PSYCHOLOGY, SLT SPEECH_LANGUAGE_THERAPY, OT OCCUPATIONAL_THERAPY_PHYSIOTHERAPY, health PAEDIATRIC_HEALTH, CAMHS, social care SOCIAL_CARE."
        )]
        profession: Option<super::templates::ProfessionGql>,
    ) -> GqlResult<AdviceRequestView> {
        let rc = request(ctx)?;
        let officer = rc.case_officer()?;
        let assessment = parse_id("assessmentId", &assessment_id)?;
        let agency = parse_id("agencyId", &agency_id)?;
        let attach = attach.into_iter().map(Into::into).collect();
        let asked = officer
            .request_advice(
                assessment,
                agency,
                scope.into(),
                attach,
                due_on.map(|d| d.0),
                profession.map(Into::into),
            )
            .await?;
        Ok(advice_view(&asked, rc.today()))
    }

    /// The asked agency answers an advice request with new advice.
    async fn submit_advice(
        &self,
        ctx: &Context<'_>,
        request_id: ID,
        input: ContributionInput,
    ) -> GqlResult<ContributionView> {
        let rc = request(ctx)?;
        let practitioner = rc.practitioner()?;
        let request_id = parse_id("requestId", &request_id)?;
        let c = practitioner
            .submit_advice(request_id, input.draft()?)
            .await?;
        Ok(ContributionView { c, current: true })
    }

    /// Answers a request with existing advice, when its author and the
    /// family both confirm it is still sufficient (SEND Regulations 2014,
    /// reg 6(4)): the family is not asked to tell it again.
    async fn reuse_advice(
        &self,
        ctx: &Context<'_>,
        request_id: ID,
        contribution_id: ID,
        author_confirmed: bool,
        family_confirmed: bool,
    ) -> GqlResult<AdviceRequestView> {
        let rc = request(ctx)?;
        let officer = rc.case_officer()?;
        let request_id = parse_id("requestId", &request_id)?;
        let contribution = parse_id("contributionId", &contribution_id)?;
        let answered = officer
            .reuse_advice(request_id, contribution, author_confirmed, family_confirmed)
            .await?;
        Ok(advice_view(&answered, rc.today()))
    }
}

/// Records one step of an assessment (checked against the regulations'
/// order and dates by the door).
async fn step(
    ctx: &Context<'_>,
    assessment_id: &ID,
    kind: AssessmentEventKind,
    on: Date,
    exception: Option<ClockException>,
    note: Option<String>,
) -> GqlResult<AssessmentView> {
    let rc = request(ctx)?;
    let officer = rc.case_officer()?;
    let assessment = parse_id("assessmentId", assessment_id)?;
    let a = officer
        .step(assessment, kind, on.0, exception, note)
        .await?;
    Ok(on_file(&a, rc.today()))
}
