//! Tell it once over GraphQL: the family's own words (versioned), agencies'
//! contributions with provenance, and EHC needs assessments on the statutory
//! clock, with advice asked for once and reused when still sufficient.

use async_graphql::{ComplexObject, Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use domain::ehc::{
    AdviceAnswerMode, AdviceRequest, AppealRights, AppliedException, AssessmentEventKind,
    ClockException, ExceptionAsk, Milestone, MilestoneState, MilestoneStatus,
};
use domain::{AllAboutMe, Scope};
use uuid::Uuid;

use super::record::{ContributionView, request};
use super::scalar::Date;
use super::types::{
    self, AdviceAnswerModeGql, CaptureMethod, ClockExceptionGql, ContributionKindGql, MilestoneGql,
    MilestoneStatusGql, ReusePartyGql, TimeLimitGql, WrittenAsGql,
};
use crate::access::{AdviceOnFile, AssessmentOnFile, ContributionDraft, ReuseFacts};
use crate::error::{Error, Result};

type GqlResult<T> = async_graphql::Result<T>;

use super::parse_id;

/// A version of "all about me".
#[derive(SimpleObject, Debug)]
pub struct AllAboutMeVersionView {
    /// The version number, from 1.
    pub version: i32,
    /// What matters to the child.
    pub what_matters: Option<String>,
    /// How best to support the child.
    pub how_to_support: Option<String>,
    /// The child's hopes and aspirations.
    pub aspirations: Option<String>,
    /// The child's story so far.
    pub history: Option<String>,
    /// Who wrote this version (their sign-in subject).
    pub written_by: String,
    /// In which capacity they wrote it.
    pub written_as: WrittenAsGql,
    /// When it was written.
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

/// An exception that lifted a time limit: the step is due "as soon as
/// practicable".
#[derive(SimpleObject, Debug, Clone)]
pub struct AppliedExceptionView {
    /// The ground.
    pub exception: ClockExceptionGql,
    /// The ground in a parent's words.
    pub label: &'static str,
    /// The limit it lifted.
    pub limit: TimeLimitGql,
    /// The day the circumstance arose.
    pub since: Date,
}

impl From<AppliedException> for AppliedExceptionView {
    fn from(x: AppliedException) -> Self {
        Self {
            exception: x.ground.into(),
            label: x.ground.label(),
            limit: x.limit.into(),
            since: x.since.into(),
        }
    }
}

/// A statutory milestone on today's date.
#[derive(SimpleObject, Debug)]
pub struct MilestoneView {
    /// The step.
    pub milestone: MilestoneGql,
    /// In a parent's words.
    pub label: &'static str,
    /// Its statutory due date (for DRAFT, the practical target).
    pub due_on: Date,
    /// When it was done; null while not done.
    pub done_on: Option<Date>,
    /// Where it stands today.
    pub status: MilestoneStatusGql,
    /// Where it stands, in a parent's words ("delayed because …" where an
    /// exception applies, never "late").
    pub words: String,
    /// The exception that lifted its time limit, if one applies.
    pub exception: Option<AppliedExceptionView>,
}

/// One person's confirmation that existing advice is still sufficient
/// (reg 6(4)).
#[derive(SimpleObject, Debug)]
pub struct ReuseConfirmationView {
    /// The confirmation's id.
    pub id: ID,
    /// The advice request it is for.
    pub request_id: ID,
    /// The existing advice confirmed still sufficient.
    pub contribution_id: ID,
    /// Who confirmed: the advice's author or the family.
    pub party: ReusePartyGql,
    /// DIGITAL (their own sign-in), or WRITTEN / VERBAL recorded by a case
    /// officer.
    pub method: CaptureMethod,
    /// The day they confirmed.
    pub confirmed_on: Date,
    /// Who confirmed (their subject), where known: for the council only.
    pub confirmed_by: Option<String>,
    /// Who recorded a written or verbal confirmation: for the council only.
    pub recorded_by: Option<String>,
}

impl ReuseConfirmationView {
    /// `council`: whether the caller may see subjects.
    pub fn of(c: &store::tell::ReuseConfirmation, council: bool) -> Self {
        Self {
            id: ID(c.id.to_string()),
            request_id: ID(c.request_id.to_string()),
            contribution_id: ID(c.contribution_id.to_string()),
            party: c.party.into(),
            method: c.capture.method().into(),
            confirmed_on: c.at.date_naive().into(),
            confirmed_by: c.confirmed_by.clone().filter(|_| council),
            recorded_by: c
                .capture
                .recorded_by()
                .map(str::to_owned)
                .filter(|_| council),
        }
    }
}

/// A request for advice, and how it was answered.
#[derive(SimpleObject, Debug)]
pub struct AdviceRequestView {
    /// The request's id.
    pub id: ID,
    /// The child.
    pub child_id: ID,
    /// The EHC needs assessment it is for.
    pub assessment_id: ID,
    /// The agency asked.
    pub agency_id: ID,
    /// Its name, from the register; null if no longer registered.
    pub agency_name: Option<String>,
    /// Its kind.
    pub agency_kind: Option<types::AgencyKind>,
    /// The part of the record the advice is about.
    pub scope: types::Scope,
    /// The profession whose advice template answers the request (the one
    /// asked, else the agency's default); null when neither names one.
    pub profession: Option<super::templates::ProfessionGql>,
    /// The day the advice was requested.
    pub asked_on: Date,
    /// The statutory due date: never more than 6 weeks from the request
    /// (reg 8(1)). The status is always from it.
    pub due_on: Date,
    /// A local, non-statutory target date, if the council set one.
    pub target_on: Option<Date>,
    /// Where it stands today (from the statutory due date).
    pub status: MilestoneStatusGql,
    /// The exception that lifted this request's time limit, if one applies.
    pub exception: Option<AppliedExceptionView>,
    /// When it was answered; null while unanswered.
    pub answered_on: Option<Date>,
    /// How it was answered: new advice or reused advice.
    pub answer: Option<AdviceAnswerModeGql>,
    /// The contribution that answered it.
    pub contribution_id: Option<ID>,
    /// The date the answering advice itself was written (for reused
    /// advice, before the request).
    pub advice_on: Option<Date>,
    /// The confirmations that existing advice is still sufficient for this
    /// request, by each person.
    pub reuse_confirmations: Vec<ReuseConfirmationView>,
    /// In a parent's words.
    pub summary: String,
}

/// A recorded exception to the time limits.
#[derive(SimpleObject, Debug)]
pub struct ClockExceptionView {
    /// The ground.
    pub exception: ClockExceptionGql,
    /// The ground in a parent's words.
    pub label: &'static str,
    /// The limit it attaches to (none for one carried over that no limit
    /// accepts).
    pub limit: Option<TimeLimitGql>,
    /// For the advice limit: the request it excuses.
    pub advice_request_id: Option<ID>,
    /// The day the circumstance arose.
    pub on: Date,
    /// The case officer's note, if any.
    pub note: Option<String>,
}

/// An EHC needs assessment on today's date.
#[derive(SimpleObject, Debug)]
#[graphql(complex)]
pub struct AssessmentView {
    /// The assessment's id.
    pub id: ID,
    /// The child.
    pub child_id: ID,
    /// When the council received the request for an assessment: the statutory clock starts here.
    pub request_received_on: Date,
    /// Its statutory steps on today's date, in order.
    pub milestones: Vec<MilestoneView>,
    /// The advice requested for it (reg 6(1)).
    pub advice_requests: Vec<AdviceRequestView>,
    /// The exceptions to the time limits recorded for it.
    pub exceptions: Vec<ClockExceptionView>,
    /// Where things stand, in a parent's words.
    pub summary: String,
}

fn day(d: NaiveDate) -> String {
    d.format("%-d %B %Y").to_string()
}

/// Where a milestone stands, in a parent's words: an excused one is
/// "delayed because …", never "late".
fn status_words(s: &MilestoneState) -> String {
    match (s.status, s.exception) {
        (MilestoneStatus::ExceptionApplies, Some(x)) => format!(
            "delayed because {}: due as soon as practicable",
            x.ground.label()
        ),
        (MilestoneStatus::Done, Some(x)) if s.done_on.is_some_and(|d| d > s.due) => {
            format!("done; delayed because {}", x.ground.label())
        }
        (MilestoneStatus::OnTrack, _) => "on track".to_owned(),
        (MilestoneStatus::DueSoon, _) => "due within two weeks".to_owned(),
        (MilestoneStatus::Overdue, _) => "late".to_owned(),
        (MilestoneStatus::Done, _) => "done on time".to_owned(),
        (MilestoneStatus::DoneLate, _) => "done, but late".to_owned(),
        (MilestoneStatus::ExceptionApplies, None) => {
            "delayed: the time limit does not apply".to_owned()
        }
    }
}

/// One advice request's view: `state` is its status under its exception,
/// `reuse` the confirmations (subjects shown only to the `council`).
struct RequestShown<'a> {
    child_id: Uuid,
    assessment_id: Uuid,
    agencies: &'a [domain::Agency],
    reuse: Option<&'a ReuseFacts>,
    council: bool,
}

fn request_view(
    shown: &RequestShown<'_>,
    r: &AdviceRequest,
    state: &MilestoneState,
) -> AdviceRequestView {
    let agency = shown.agencies.iter().find(|a| a.id == r.agency_id);
    let who = agency.map_or("A service".to_owned(), |a| a.name.clone());
    let advice_on = r.answer.as_ref().map(|a| {
        shown
            .reuse
            .and_then(|x| x.advice_dates.get(&a.contribution_id).copied())
            .unwrap_or(a.answered_on)
    });
    let summary = match &r.answer {
        Some(a) if a.mode == AdviceAnswerMode::Reused => format!(
            "{who}'s existing advice{} was reused: you, its author and the council each agreed it is still right, so you were not asked again",
            advice_on.map_or(String::new(), |d| format!(" (written {})", day(d)))
        ),
        Some(a) => format!("{who} sent their advice on {}", day(a.answered_on)),
        None => format!(
            "{who} was asked for advice, due {} ({})",
            day(r.due_on),
            status_words(state)
        ),
    };
    AdviceRequestView {
        id: ID(r.id.to_string()),
        child_id: ID(shown.child_id.to_string()),
        assessment_id: ID(shown.assessment_id.to_string()),
        agency_id: ID(r.agency_id.to_string()),
        agency_name: agency.map(|a| a.name.clone()),
        agency_kind: agency.map(|a| a.kind.into()),
        scope: r.scope.into(),
        profession: agency
            .map_or(r.profession, |a| r.answering_profession(a.kind))
            .map(Into::into),
        asked_on: r.asked_on.into(),
        due_on: r.due_on.into(),
        target_on: r.target_on.map(Into::into),
        status: state.status.into(),
        exception: state.exception.map(Into::into),
        answered_on: r.answer.as_ref().map(|a| a.answered_on.into()),
        answer: r.answer.as_ref().map(|a| a.mode.into()),
        contribution_id: r.answer.as_ref().map(|a| ID(a.contribution_id.to_string())),
        advice_on: advice_on.map(Into::into),
        reuse_confirmations: shown
            .reuse
            .map(|x| {
                x.of_request(r.id)
                    .map(|c| ReuseConfirmationView::of(c, shown.council))
                    .collect()
            })
            .unwrap_or_default(),
        summary,
    }
}

/// The family's summary once the council decided not to issue a plan
/// (reg 10): the decision, the right to appeal, and mediation first.
fn not_to_issue_words(on: NaiveDate) -> String {
    format!(
        "The council decided not to issue an EHC plan on {}. You can appeal to the First-tier Tribunal (Special Educational Needs and Disability); before you appeal you must first consider mediation and get mediation advice.",
        day(on)
    )
}

fn assessment_view(a: &AssessmentOnFile, council: bool, today: NaiveDate) -> AssessmentView {
    let (agencies, reuse, a) = (&a.agencies, &a.reuse, &a.assessment);
    let states = a.milestones(today);
    let milestones: Vec<MilestoneView> = states
        .iter()
        .map(|m| MilestoneView {
            milestone: m.milestone.into(),
            label: m.milestone.label(),
            due_on: m.due.into(),
            done_on: m.done_on.map(Into::into),
            status: m.status.into(),
            words: status_words(m),
            exception: m.exception.map(Into::into),
        })
        .collect();
    let advice: Vec<(&AdviceRequest, MilestoneState)> = a
        .advice
        .iter()
        .map(|r| (r, a.advice_state(r, today)))
        .collect();
    let service = |r: &AdviceRequest| {
        agencies
            .iter()
            .find(|x| x.id == r.agency_id)
            .map_or("a service", |x| x.name.as_str())
            .to_owned()
    };
    let mut late: Vec<String> = states
        .iter()
        .filter(|m| m.status == MilestoneStatus::Overdue)
        .map(|m| m.milestone.label().to_lowercase())
        .collect();
    late.extend(
        advice
            .iter()
            .filter(|(_, s)| s.status == MilestoneStatus::Overdue)
            .map(|(r, _)| format!("advice from {}", service(r))),
    );
    let mut delayed: Vec<String> = states
        .iter()
        .filter(|m| m.status == MilestoneStatus::ExceptionApplies)
        .map(|m| {
            format!(
                "{} ({})",
                m.milestone.label().to_lowercase(),
                status_words(m)
            )
        })
        .collect();
    delayed.extend(
        advice
            .iter()
            .filter(|(_, s)| s.status == MilestoneStatus::ExceptionApplies)
            .map(|(r, s)| format!("advice from {} ({})", service(r), status_words(s))),
    );
    let next = states
        .iter()
        .find(|m| m.done_on.is_none() && m.milestone != Milestone::AnnualReview);
    let mut summary = match (a.decided_not_to_issue_on(), next) {
        (Some(on), _) => not_to_issue_words(on),
        (None, Some(m)) => format!(
            "Next: {} by {} ({}).",
            m.milestone.label().to_lowercase(),
            day(m.due),
            status_words(m)
        ),
        (None, None) => "All statutory steps are done.".to_owned(),
    };
    if !delayed.is_empty() {
        summary.push_str(&format!(" Delayed: {}.", delayed.join("; ")));
    }
    if !late.is_empty() {
        summary.push_str(&format!(" Late: {}.", late.join("; ")));
    }
    let shown = RequestShown {
        child_id: a.child_id,
        assessment_id: a.id,
        agencies,
        reuse: Some(reuse),
        council,
    };
    AssessmentView {
        id: ID(a.id.to_string()),
        child_id: ID(a.child_id.to_string()),
        request_received_on: a.request_received_on.into(),
        milestones,
        advice_requests: advice
            .iter()
            .map(|(r, state)| request_view(&shown, r, state))
            .collect(),
        exceptions: a
            .exceptions()
            .filter_map(|e| {
                e.exception.map(|x| ClockExceptionView {
                    exception: x.into(),
                    label: x.label(),
                    limit: e.limit.map(Into::into),
                    advice_request_id: e.advice_request_id.map(|r| ID(r.to_string())),
                    on: e.on.into(),
                    note: e.note.clone(),
                })
            })
            .collect(),
        summary,
    }
}

fn on_file(a: &AssessmentOnFile, council: bool, today: NaiveDate) -> AssessmentView {
    assessment_view(a, council, today)
}

/// A request on its own (without its assessment's exceptions: the status
/// from its statutory due date).
fn advice_view(
    a: &AdviceOnFile,
    reuse: Option<&ReuseFacts>,
    today: NaiveDate,
) -> AdviceRequestView {
    let r = &a.request;
    let state = MilestoneState::new(
        Milestone::Advice,
        r.due_on,
        r.answer.as_ref().map(|x| x.answered_on),
        None,
        today,
    );
    let shown = RequestShown {
        child_id: a.child_id,
        assessment_id: a.assessment_id,
        agencies: &a.agencies,
        reuse,
        council: reuse.is_some(),
    };
    request_view(&shown, r, &state)
}

#[derive(Debug, Default)]
pub struct TellQuery;

#[Object]
impl TellQuery {
    /// Every version of "all about me", with who wrote it (for the family).
    async fn all_about_me_history(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The child; the caller must be family for this child.")] child_id: ID,
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
        #[graphql(desc = "The child.")] child_id: ID,
    ) -> GqlResult<Option<AssessmentView>> {
        let rc = request(ctx)?;
        let child = parse_id("childId", &child_id)?;
        let (found, council) = match rc.case_officer() {
            Ok(officer) => (officer.assessment(child).await?, true),
            Err(_) => (rc.family(child).await?.assessment().await?, false),
        };
        Ok(found.map(|a| on_file(&a, council, rc.today())))
    }

    /// Advice requests addressed to your agency (statutory: you see them
    /// even before the family grants you more).
    async fn advice_requests(&self, ctx: &Context<'_>) -> GqlResult<Vec<AdviceRequestView>> {
        let rc = request(ctx)?;
        let requests = rc.practitioner()?.advice_requests().await?;
        Ok(requests
            .iter()
            .map(|r| advice_view(r, None, rc.today()))
            .collect())
    }

    /// One advice request addressed to your agency. NOT_FOUND when there
    /// is no such request or it was addressed to another agency.
    async fn advice_request(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The advice request.")] id: ID,
    ) -> GqlResult<AdviceRequestView> {
        let rc = request(ctx)?;
        let practitioner = rc.practitioner()?;
        let id = parse_id("id", &id)?;
        let r = practitioner.advice_request(id).await?;
        Ok(advice_view(&r, None, rc.today()))
    }

    /// The advice your agency sent in answer to one of its advice
    /// requests: your own contribution, yours to read even once the
    /// request no longer opens the child's record. Null while the request
    /// is unanswered; NOT_FOUND for another agency's request.
    async fn advice_answer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The advice request.")] request_id: ID,
    ) -> GqlResult<Option<ContributionView>> {
        let rc = request(ctx)?;
        let practitioner = rc.practitioner()?;
        let id = parse_id("requestId", &request_id)?;
        Ok(practitioner
            .advice_answer(id)
            .await?
            .map(|(c, current)| ContributionView { c, current }))
    }
}

/// "All about me", in the family's or young person's own words.
#[derive(InputObject, Debug)]
pub struct AllAboutMeInput {
    /// What matters to the child.
    pub what_matters: Option<String>,
    /// How best to support the child.
    pub how_to_support: Option<String>,
    /// The child's hopes and aspirations.
    pub aspirations: Option<String>,
    /// The child's story so far.
    pub history: Option<String>,
}

/// What an agency knows, for one scope.
#[derive(InputObject, Debug)]
pub struct ContributionInput {
    /// Ignored by `submitAdvice`, which answers the request's scope.
    pub scope: Option<types::Scope>,
    /// Advice, assessment findings or an update; UPDATE when absent.
    pub kind: Option<ContributionKindGql>,
    /// A short title.
    pub title: String,
    /// The needs it describes (free text).
    pub needs: Option<String>,
    /// The outcomes it proposes (free text).
    pub outcomes: Option<String>,
    /// The provision it recommends (free text).
    pub provision: Option<String>,
    /// Any other notes.
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
        #[graphql(desc = "The child.")] child_id: ID,
        #[graphql(desc = "The new version; each field absent is left empty in it.")]
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
        #[graphql(desc = "The child.")] child_id: ID,
        #[graphql(desc = "What your agency knows.")] input: ContributionInput,
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
        #[graphql(desc = "The child.")] child_id: ID,
        #[graphql(
            desc = "When the council received the request for an assessment (not in the future): the clock starts here."
        )]
        request_received_on: Date,
    ) -> GqlResult<AssessmentView> {
        let rc = request(ctx)?;
        let officer = rc.case_officer()?;
        let child = parse_id("childId", &child_id)?;
        let a = officer
            .start_assessment(child, request_received_on.0)
            .await?;
        Ok(on_file(&a, true, rc.today()))
    }

    /// Records whether the council will assess (due by week 6).
    async fn record_decision_to_assess(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The assessment.")] assessment_id: ID,
        #[graphql(
            desc = "True when the council will assess; false when it will not (the family may appeal)."
        )]
        assess: bool,
        #[graphql(desc = "The day of the decision.")] on: Date,
    ) -> GqlResult<AssessmentView> {
        let kind = if assess {
            AssessmentEventKind::DecidedToAssess
        } else {
            AssessmentEventKind::DecidedNotToAssess
        };
        step(ctx, &assessment_id, kind, on, None, None).await
    }

    /// Records that the draft plan was issued (in practice by week 20 less
    /// the family's 15 days; no statutory limit of its own). Refused while
    /// a required source of the reg 6(1) advice checklist is open (neither
    /// requested, answered, reused nor recorded as not required), unless
    /// `openItemsReason` says why the draft goes ahead; it is kept as the
    /// step's note.
    async fn issue_draft(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The assessment.")] assessment_id: ID,
        #[graphql(desc = "The day the draft was issued.")] on: Date,
        #[graphql(desc = "Why the draft goes ahead while required checklist sources are open.")]
        open_items_reason: Option<String>,
    ) -> GqlResult<AssessmentView> {
        let rc = request(ctx)?;
        let officer = rc.case_officer()?;
        let assessment = parse_id("assessmentId", &assessment_id)?;
        let a = officer
            .issue_draft(assessment, on.0, open_items_reason)
            .await?;
        Ok(on_file(&a, true, rc.today()))
    }

    /// Records that the final plan was issued (by week 20); the first annual
    /// review is then due within 12 months.
    async fn issue_final_plan(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The assessment.")] assessment_id: ID,
        #[graphql(desc = "The day the final plan was issued.")] on: Date,
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

    /// Records one of the regulations' exceptions to one time limit (regs
    /// 5(4), 8(2), 10(4), 13(3)): only a ground `limit` allows, arising
    /// while it runs (by its due date, not before it started, not in the
    /// future) and before its step is done. An exception to the ADVICE
    /// limit names the `adviceRequestId` it excuses; no other does. A
    /// waiting list is never a ground.
    #[allow(clippy::too_many_arguments)]
    async fn record_exception(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The assessment.")] assessment_id: ID,
        #[graphql(desc = "The time limit the exception lifts.")] limit: TimeLimitGql,
        #[graphql(desc = "The ground; it must be one the limit allows.")]
        exception: ClockExceptionGql,
        #[graphql(desc = "The day the circumstance arose.")] on: Date,
        #[graphql(desc = "For the ADVICE limit only: the request it excuses.")]
        advice_request_id: Option<ID>,
        #[graphql(desc = "A note for the case file.")] note: Option<String>,
    ) -> GqlResult<AssessmentView> {
        let rc = request(ctx)?;
        let officer = rc.case_officer()?;
        let assessment = parse_id("assessmentId", &assessment_id)?;
        let advice_request_id = advice_request_id
            .as_ref()
            .map(|r| parse_id("adviceRequestId", r))
            .transpose()?;
        let note = domain::input::optional_text("note", note.as_deref()).map_err(Error::from)?;
        let ask = ExceptionAsk {
            limit: limit.into(),
            exception: exception.into(),
            on: on.0,
            advice_request_id,
        };
        let a = officer.record_exception(assessment, ask, note).await?;
        Ok(on_file(&a, true, rc.today()))
    }

    /// Records the council's decision not to issue a plan (reg 10(1)), by
    /// week 16: only once the family has been told of their right to
    /// appeal (reg 10(3)). The timeline closes: no draft, final plan or
    /// advice follows.
    async fn decide_not_to_issue(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The assessment.")] assessment_id: ID,
        #[graphql(desc = "The day of the decision.")] on: Date,
        #[graphql(
            desc = "Whether the family was told of their right to appeal (reg 10(3)); must be true."
        )]
        appeal_rights_notified: bool,
    ) -> GqlResult<AssessmentView> {
        let rc = request(ctx)?;
        let officer = rc.case_officer()?;
        let assessment = parse_id("assessmentId", &assessment_id)?;
        let appeal = if appeal_rights_notified {
            AppealRights::Notified
        } else {
            AppealRights::NotNotified
        };
        let a = officer
            .decide_not_to_issue(assessment, on.0, appeal)
            .await?;
        Ok(on_file(&a, true, rc.today()))
    }

    /// Asks an agency for advice on one scope, due 6 weeks after today (the
    /// statutory limit, reg 8(1)) unless an earlier `dueOn` is set; a later
    /// local date goes in `targetOn` (not statutory). `attach` names the
    /// parts of the record the council shares with the request: until it
    /// answers, the asked agency reads them and "all about me" on the
    /// statutory basis (SEND Regulations 2014 regs 6-8), whatever the
    /// family has agreed.
    // Each argument is one GraphQL argument of the mutation.
    #[allow(clippy::too_many_arguments)]
    async fn request_advice(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The assessment.")] assessment_id: ID,
        #[graphql(desc = "The agency asked.")] agency_id: ID,
        #[graphql(desc = "The part of the record the advice is about.")] scope: types::Scope,
        #[graphql(
            default,
            desc = "The parts of the record shared with the request. Default none."
        )]
        attach: Vec<types::Scope>,
        #[graphql(desc = "An earlier statutory due date than 6 weeks from today; never later.")]
        due_on: Option<Date>,
        #[graphql(desc = "A local, non-statutory target date.")] target_on: Option<Date>,
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
        let wanted = crate::access::AdviceWanted {
            agency,
            scope: scope.into(),
            attachments: attach,
            due_on: due_on.map(|d| d.0),
            target_on: target_on.map(|d| d.0),
            profession: profession.map(Into::into),
        };
        let asked = officer.request_advice(assessment, wanted).await?;
        Ok(advice_view(&asked, None, rc.today()))
    }

    /// The asked agency answers an advice request with new advice.
    async fn submit_advice(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The advice request answered; it must be addressed to your agency.")]
        request_id: ID,
        #[graphql(desc = "The advice.")] input: ContributionInput,
    ) -> GqlResult<ContributionView> {
        let rc = request(ctx)?;
        let practitioner = rc.practitioner()?;
        let request_id = parse_id("requestId", &request_id)?;
        let c = practitioner
            .submit_advice(request_id, input.draft()?)
            .await?;
        Ok(ContributionView { c, current: true })
    }

    /// Answers a request with existing advice (SEND Regulations 2014, reg
    /// 6(4)): the council's own confirmation, accepted once the advice's
    /// author and the family have each confirmed it is still sufficient
    /// (`confirmAdviceReuse`, or `recordReuseConfirmation` on paper). Only
    /// advice or assessment findings, the asked agency's, current, on the
    /// same scope. The family is not asked to tell it again.
    async fn reuse_advice(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The advice request answered.")] request_id: ID,
        #[graphql(desc = "The existing advice or assessment findings.")] contribution_id: ID,
    ) -> GqlResult<AdviceRequestView> {
        let rc = request(ctx)?;
        let officer = rc.case_officer()?;
        let request_id = parse_id("requestId", &request_id)?;
        let contribution = parse_id("contributionId", &contribution_id)?;
        let answered = officer.reuse_advice(request_id, contribution).await?;
        Ok(advice_view(
            &answered.on_file,
            Some(&answered.reuse),
            rc.today(),
        ))
    }

    /// Confirms, for yourself, that existing advice is still sufficient to
    /// answer an advice request (reg 6(4)): as the practitioner who wrote
    /// it, or as the child's family (a parent who decides for the child, or
    /// the young person who decides for themselves).
    async fn confirm_advice_reuse(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The advice request.")] request_id: ID,
        #[graphql(desc = "The existing advice you confirm.")] contribution_id: ID,
    ) -> GqlResult<ReuseConfirmationView> {
        let rc = request(ctx)?;
        let request_id = parse_id("requestId", &request_id)?;
        let contribution = parse_id("contributionId", &contribution_id)?;
        let c = rc.confirm_advice_reuse(request_id, contribution).await?;
        Ok(ReuseConfirmationView::of(&c, false))
    }

    /// Records the author's or the family's WRITTEN or VERBAL confirmation
    /// that existing advice is still sufficient (reg 6(4)), with its
    /// `evidence` (the signed form's reference, or the call's date, time
    /// and reference), as a consent decision is recorded (case officers).
    async fn record_reuse_confirmation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The advice request.")] request_id: ID,
        #[graphql(desc = "The existing advice confirmed.")] contribution_id: ID,
        #[graphql(desc = "Who confirmed: its author or the family.")] party: ReusePartyGql,
        #[graphql(desc = "WRITTEN or VERBAL.")] method: CaptureMethod,
        #[graphql(desc = "The signed form's reference, or the call's date, time and reference.")]
        evidence: String,
    ) -> GqlResult<ReuseConfirmationView> {
        let rc = request(ctx)?;
        let officer = rc.case_officer()?;
        let request_id = parse_id("requestId", &request_id)?;
        let contribution = parse_id("contributionId", &contribution_id)?;
        let c = officer
            .record_reuse_confirmation(
                request_id,
                contribution,
                party.into(),
                method.into(),
                &evidence,
            )
            .await?;
        Ok(ReuseConfirmationView::of(&c, true))
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
    Ok(on_file(&a, true, rc.today()))
}

#[ComplexObject]
impl AssessmentView {
    /// The reg 6(1) advice checklist (case officers; null for anyone
    /// else).
    async fn checklist(
        &self,
        ctx: &Context<'_>,
    ) -> GqlResult<Option<super::templates::ChecklistView>> {
        let rc = request(ctx)?;
        let Ok(officer) = rc.case_officer() else {
            return Ok(None);
        };
        let id = parse_id("id", &self.id)?;
        Ok(Some(officer.advice_checklist(id).await?.into()))
    }
}
