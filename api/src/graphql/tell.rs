//! Tell it once over GraphQL: the family's own words (versioned), agencies'
//! contributions with provenance, and EHC needs assessments on the statutory
//! clock, with advice asked for once and reused when still sufficient.

use std::collections::BTreeMap;

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use consent::trace::TraceAction;
use consent::{BasisKind, Principal, Role, ScopeDecision};
use domain::ehc::{
    AdviceAnswerMode, AdviceRequest, Assessment, AssessmentEvent, AssessmentEventKind,
    ClockException, Milestone, MilestoneStatus, weeks_after,
};
use domain::{AllAboutMe, Contribution, ContributionKind, Scope, WrittenAs};
use uuid::Uuid;

use super::access::{RequestContext, load_child, open_as_family, request};
use super::scalar::Date;
use super::types;
use crate::error::{Error, Result};

type GqlResult<T> = async_graphql::Result<T>;

const MAX_LONG_TEXT: usize = 20_000;

use super::parse_id;

/// Free text of up to 20,000 characters; blank becomes none.
fn long_text(field: &'static str, value: Option<&str>) -> Result<Option<String>> {
    let Some(v) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    if v.chars().count() > MAX_LONG_TEXT {
        return Err(Error::bad_input(
            field,
            format!("must be at most {MAX_LONG_TEXT} characters"),
        ));
    }
    if v.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(Error::bad_input(
            field,
            "must not contain control characters",
        ));
    }
    Ok(Some(v.to_owned()))
}

macro_rules! remote {
    ($(#[$m:meta])* $name:ident = $remote:literal { $($v:ident),+ $(,)? }) => {
        $(#[$m])*
        #[derive(async_graphql::Enum, Copy, Clone, Debug, Eq, PartialEq)]
        #[graphql(remote = $remote)]
        pub enum $name { $($v),+ }
    };
}
remote!(
    /// Advice, assessment findings or an update.
    ContributionKindGql = "domain::ContributionKind" { Advice, Assessment, Update });
remote!(WrittenAsGql = "domain::WrittenAs" { Parent, YoungPerson });
remote!(
    /// A step of an EHC needs assessment.
    MilestoneGql = "domain::ehc::Milestone" { DecisionToAssess, Advice, Draft, FinalPlan, AnnualReview });
remote!(
    /// Where a milestone stands today.
    MilestoneStatusGql = "domain::ehc::MilestoneStatus" { OnTrack, DueSoon, Overdue, Done, DoneLate });
remote!(
    /// The regulations' exceptions to the time limits.
    ClockExceptionGql = "domain::ehc::ClockException" { SchoolClosure, ExceptionalPersonalCircumstances, FamilyAbsent, MissedAppointment });
remote!(AdviceAnswerModeGql = "domain::ehc::AdviceAnswerMode" { Submitted, Reused });

/// A contribution, with its provenance.
#[derive(Debug, Clone)]
pub struct ContributionView {
    pub(crate) c: Contribution,
    pub(crate) current: bool,
}

#[Object(name = "Contribution")]
impl ContributionView {
    async fn id(&self) -> ID {
        ID(self.c.id.to_string())
    }
    async fn scope(&self) -> types::Scope {
        self.c.scope.into()
    }
    async fn agency_id(&self) -> ID {
        ID(self.c.agency_id.to_string())
    }
    async fn agency_kind(&self) -> types::AgencyKind {
        self.c.agency_kind.into()
    }
    async fn author(&self) -> &str {
        &self.c.author
    }
    async fn kind(&self) -> ContributionKindGql {
        self.c.kind.into()
    }
    async fn title(&self) -> &str {
        &self.c.title
    }
    async fn needs(&self) -> Option<&str> {
        self.c.needs.as_deref()
    }
    async fn outcomes(&self) -> Option<&str> {
        self.c.outcomes.as_deref()
    }
    async fn provision(&self) -> Option<&str> {
        self.c.provision.as_deref()
    }
    async fn notes(&self) -> Option<&str> {
        self.c.notes.as_deref()
    }
    async fn supersedes(&self) -> Option<ID> {
        self.c.supersedes.map(|s| ID(s.to_string()))
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.c.created_at
    }
    /// False once a later contribution supersedes it.
    async fn current(&self) -> bool {
        self.current
    }
}

/// What the caller may see of a child's contributions: their own agency's
/// always (OWN_CONTRIBUTION), others' where the decision allows the scope.
/// The trace records each scope shown.
pub fn visible_contributions(
    rc: &RequestContext,
    child_id: Uuid,
    all: Vec<Contribution>,
    decision: &consent::AccessDecision,
    fields: &[String],
    include_superseded: bool,
) -> Vec<ContributionView> {
    let own_agency = rc.principal.agency.map(|a| a.id);
    let current_ids: Vec<Uuid> = domain::contribution::current(&all)
        .iter()
        .map(|c| c.id)
        .collect();
    let mut shown = Vec::new();
    let mut touched: BTreeMap<Scope, ScopeDecision> = BTreeMap::new();
    for c in all {
        let current = current_ids.contains(&c.id);
        if !current && !include_superseded {
            continue;
        }
        let own = own_agency == Some(c.agency_id);
        let outcome = if own {
            ScopeDecision::Allowed(consent::Basis::new(
                BasisKind::OwnContribution,
                "your agency contributed this",
            ))
        } else {
            decision.get(c.scope).clone()
        };
        if outcome.is_allowed() {
            touched.entry(c.scope).or_insert(outcome);
            shown.push(ContributionView { c, current });
        }
    }
    for (scope, outcome) in touched {
        rc.recorder
            .touched(child_id, scope, &outcome, fields.iter().cloned());
    }
    shown
}

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

fn require_case_officer(p: &Principal) -> Result<()> {
    super::require_case_officer(p)
}

/// Loads an assessment by id with the request context's checks.
async fn find_assessment(rc: &RequestContext, id: &ID) -> Result<Assessment> {
    let id = parse_id("assessmentId", id)?;
    let child = rc
        .store
        .child_of_assessment(id)
        .await?
        .ok_or(Error::NotFound("assessment"))?;
    rc.store
        .assessments(child)
        .await?
        .into_iter()
        .find(|a| a.id == id)
        .ok_or(Error::NotFound("assessment"))
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
        open_as_family(rc, child).await?;
        rc.recorder.event(
            rc.child_entry(TraceAction::Read, child)
                .detail("view", "all_about_me_history"),
        );
        Ok(rc
            .store
            .all_about_me_versions(child)
            .await
            .map_err(Error::from)?
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
        if require_case_officer(&rc.principal).is_err() {
            open_as_family(rc, child).await?;
        } else if !rc.store.child_exists(child).await.map_err(Error::from)? {
            return Err(Error::NotFound("child").into());
        }
        let (assessments, agencies) =
            tokio::try_join!(rc.store.assessments(child), rc.store.agencies())
                .map_err(Error::from)?;
        rc.recorder.event(
            rc.child_entry(TraceAction::Read, child)
                .detail("view", "assessment"),
        );
        Ok(assessments
            .last()
            .map(|a| assessment_view(a, &agencies, rc.now.date_naive())))
    }

    /// Advice requests addressed to your agency (statutory: you see them
    /// even before the family grants you more).
    async fn advice_requests(&self, ctx: &Context<'_>) -> GqlResult<Vec<AdviceRequestView>> {
        let rc = request(ctx)?;
        let agency = match (rc.principal.is_practitioner(), rc.principal.agency) {
            (true, Some(a)) => a,
            _ => {
                return Err(Error::Forbidden(
                    "advice requests are addressed to agencies' practitioners".into(),
                )
                .into());
            }
        };
        let (requests, agencies) = tokio::try_join!(
            rc.store.advice_requests_for_agency(agency.id),
            rc.store.agencies()
        )
        .map_err(Error::from)?;
        let today = rc.now.date_naive();
        for r in &requests {
            rc.recorder.event(
                rc.child_entry(TraceAction::Read, r.child_id)
                    .detail("view", "advice_requests")
                    .detail("request_id", r.request.id),
            );
        }
        Ok(requests
            .iter()
            .map(|r| request_view(r.child_id, r.assessment_id, &r.request, &agencies, today))
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
}

impl ContributionInput {
    fn build(
        &self,
        rc: &RequestContext,
        child_id: Uuid,
        scope: Scope,
        kind: ContributionKind,
    ) -> Result<Contribution> {
        let agency = rc
            .principal
            .agency
            .ok_or_else(|| Error::Forbidden("contributions come from agencies".into()))?;
        Ok(Contribution {
            id: Uuid::now_v7(),
            child_id,
            scope,
            agency_id: agency.id,
            agency_kind: agency.kind,
            author: rc.principal.subject.clone(),
            kind,
            title: domain::input::required_text("title", &self.title)?,
            needs: long_text("needs", self.needs.as_deref())?,
            outcomes: long_text("outcomes", self.outcomes.as_deref())?,
            provision: long_text("provision", self.provision.as_deref())?,
            notes: long_text("notes", self.notes.as_deref())?,
            supersedes: self
                .supersedes
                .as_ref()
                .map(|s| parse_id("supersedes", s))
                .transpose()?,
            created_at: rc.now,
        })
    }
}

/// Checks `supersedes` points at a current contribution of the same agency,
/// child and scope.
async fn check_supersedes(rc: &RequestContext, c: &Contribution) -> Result<()> {
    let Some(old) = c.supersedes else {
        return Ok(());
    };
    let all = rc.store.contributions(c.child_id).await?;
    let Some(previous) = all.iter().find(|p| p.id == old) else {
        return Err(Error::bad_input(
            "supersedes",
            "no such contribution to this child",
        ));
    };
    if previous.agency_id != c.agency_id || previous.scope != c.scope {
        return Err(Error::bad_input(
            "supersedes",
            "you can only replace your own agency's contribution to the same scope",
        ));
    }
    if all.iter().any(|p| p.supersedes == Some(old)) {
        return Err(Error::bad_input(
            "supersedes",
            "that contribution has already been replaced",
        ));
    }
    Ok(())
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
        open_as_family(rc, child).await?;
        let written_as = if rc.principal.has(Role::YoungPerson) {
            WrittenAs::YoungPerson
        } else {
            WrittenAs::Parent
        };
        let content = AllAboutMe {
            what_matters: long_text("whatMatters", input.what_matters.as_deref())?,
            how_to_support: long_text("howToSupport", input.how_to_support.as_deref())?,
            aspirations: long_text("aspirations", input.aspirations.as_deref())?,
            history: long_text("history", input.history.as_deref())?,
        };
        let person = rc
            .principal
            .person_id
            .clone()
            .unwrap_or_else(|| rc.principal.subject.clone());
        let tx = rc.store.traced().await.map_err(Error::from)?;
        let version = tx
            .insert_all_about_me(child, &content, &person, written_as, rc.now)
            .await
            .map_err(Error::from)?;
        let entry = rc
            .child_entry(TraceAction::AllAboutMeUpdated, child)
            .detail("version", version);
        tx.commit(vec![entry]).await.map_err(Error::from)?;
        rc.updates.publish(child, Scope::AllAboutMe, None);
        Ok(domain::AllAboutMeVersion {
            version,
            content,
            written_by: person,
            written_as,
            written_at: rc.now,
        }
        .into())
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
        let p = &rc.principal;
        let (Some(agency), true) = (p.agency, p.is_practitioner()) else {
            return Err(
                Error::Forbidden("contributions come from agencies' practitioners".into()).into(),
            );
        };
        let purpose = p.purpose.ok_or_else(|| {
            Error::bad_input(
                "X-Purpose-Of-Use",
                "practitioners must state a purpose of use",
            )
        })?;
        let child = parse_id("childId", &child_id)?;
        let scope: Scope = input
            .scope
            .ok_or_else(|| Error::bad_input("scope", "name the scope you contribute to"))?
            .into();
        let (_, _, agreement) = load_child(rc, child)
            .await?
            .ok_or(Error::NotFound("child"))?;
        if !agreement.permission(agency.kind, scope, purpose).contribute {
            return Err(Error::NotPermitted(
                scope,
                format!(
                    "the data-sharing agreement (version {}) does not let {} contribute to {} for {}",
                    agreement.version,
                    agency.kind.label(),
                    scope.label().to_lowercase(),
                    consent::purpose_words(purpose)
                ),
            )
            .into());
        }
        let kind = input.kind.map_or(ContributionKind::Update, Into::into);
        let c = input.build(rc, child, scope, kind)?;
        // Checked while holding the chain, so concurrent writers see each other.
        let tx = rc.store.traced().await.map_err(Error::from)?;
        check_supersedes(rc, &c).await?;
        tx.insert_contribution(&c).await.map_err(Error::from)?;
        let entry = rc
            .child_entry(TraceAction::Contribute, child)
            .detail("contribution_id", c.id)
            .detail("scope", scope)
            .detail("kind", c.kind);
        tx.commit(vec![entry]).await.map_err(Error::from)?;
        rc.updates.publish(child, scope, Some(agency.id));
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
        require_case_officer(&rc.principal)?;
        let child = parse_id("childId", &child_id)?;
        let today = rc.now.date_naive();
        if request_received_on.0 > today {
            return Err(Error::bad_input("requestReceivedOn", "cannot be in the future").into());
        }
        if !rc.store.child_exists(child).await.map_err(Error::from)? {
            return Err(Error::NotFound("child").into());
        }
        // Checked while holding the chain, so two starts cannot both pass.
        let tx = rc.store.traced().await.map_err(Error::from)?;
        let existing = rc.store.assessments(child).await.map_err(Error::from)?;
        if existing
            .iter()
            .any(|a| a.final_issued_on().is_none() && a.decision().is_none_or(|(assess, _)| assess))
        {
            return Err(Error::bad_input(
                "childId",
                "this child already has an assessment in progress",
            )
            .into());
        }
        let a = Assessment {
            id: Uuid::now_v7(),
            child_id: child,
            request_received_on: request_received_on.0,
            events: Vec::new(),
            advice: Vec::new(),
        };
        tx.insert_assessment(&a, &rc.principal.subject, rc.now)
            .await
            .map_err(Error::from)?;
        tx.commit(vec![
            rc.child_entry(TraceAction::AssessmentStarted, child)
                .detail("assessment_id", a.id),
        ])
        .await
        .map_err(Error::from)?;
        rc.updates.publish(child, Scope::SenNeeds, None);
        Ok(assessment_view(
            &a,
            &rc.store.agencies().await.map_err(Error::from)?,
            today,
        ))
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

    /// Records that the draft plan was issued (by week 16).
    async fn issue_draft(
        &self,
        ctx: &Context<'_>,
        assessment_id: ID,
        on: Date,
    ) -> GqlResult<AssessmentView> {
        step(
            ctx,
            &assessment_id,
            AssessmentEventKind::DraftIssued,
            on,
            None,
            None,
        )
        .await
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
    /// set otherwise).
    async fn request_advice(
        &self,
        ctx: &Context<'_>,
        assessment_id: ID,
        agency_id: ID,
        scope: types::Scope,
        due_on: Option<Date>,
    ) -> GqlResult<AdviceRequestView> {
        let rc = request(ctx)?;
        require_case_officer(&rc.principal)?;
        let a = find_assessment(rc, &assessment_id).await?;
        if a.decision().is_none_or(|(assess, _)| !assess) {
            return Err(Error::bad_input(
                "assessmentId",
                "advice is asked for once the council has decided to assess",
            )
            .into());
        }
        let agency_id = parse_id("agencyId", &agency_id)?;
        let agencies = rc.store.agencies().await.map_err(Error::from)?;
        if !agencies.iter().any(|x| x.id == agency_id) {
            return Err(Error::bad_input("agencyId", "no such agency").into());
        }
        let scope: Scope = scope.into();
        if !scope.consentable() {
            return Err(Error::bad_input(
                "scope",
                "advice is not sought for restricted information",
            )
            .into());
        }
        let today = rc.now.date_naive();
        let due = due_on.map_or_else(|| weeks_after(today, 6), |d| d.0);
        if due < today {
            return Err(Error::bad_input("dueOn", "cannot be in the past").into());
        }
        let r = AdviceRequest {
            id: Uuid::now_v7(),
            agency_id,
            scope,
            asked_on: today,
            due_on: due,
            answer: None,
        };
        let tx = rc.store.traced().await.map_err(Error::from)?;
        tx.insert_advice_request(a.child_id, a.id, &r, &rc.principal.subject)
            .await
            .map_err(Error::from)?;
        let entry = rc
            .child_entry(TraceAction::AdviceRequested, a.child_id)
            .detail("request_id", r.id)
            .detail("agency_id", agency_id)
            .detail("scope", scope);
        tx.commit(vec![entry]).await.map_err(Error::from)?;
        Ok(request_view(a.child_id, a.id, &r, &agencies, today))
    }

    /// The asked agency answers an advice request with new advice.
    async fn submit_advice(
        &self,
        ctx: &Context<'_>,
        request_id: ID,
        input: ContributionInput,
    ) -> GqlResult<ContributionView> {
        let rc = request(ctx)?;
        // Checked while holding the chain: two answers cannot both pass.
        let tx = rc.store.traced().await.map_err(Error::from)?;
        let req = rc
            .store
            .advice_request(parse_id("requestId", &request_id)?)
            .await
            .map_err(Error::from)?
            .ok_or(Error::NotFound("advice request"))?;
        if rc.principal.agency.map(|a| a.id) != Some(req.request.agency_id)
            || !rc.principal.is_practitioner()
        {
            return Err(Error::Forbidden(
                "only the agency asked for this advice may answer it".into(),
            )
            .into());
        }
        if req.request.answer.is_some() {
            return Err(
                Error::bad_input("requestId", "this request has already been answered").into(),
            );
        }
        let c = input.build(
            rc,
            req.child_id,
            req.request.scope,
            ContributionKind::Advice,
        )?;
        check_supersedes(rc, &c).await?;
        tx.insert_contribution(&c).await.map_err(Error::from)?;
        let today = rc.now.date_naive();
        tx.insert_advice_answer(
            req.child_id,
            req.request.id,
            c.id,
            AdviceAnswerMode::Submitted,
            true,
            false,
            today,
            &rc.principal.subject,
        )
        .await
        .map_err(Error::from)?;
        let entry = rc
            .child_entry(TraceAction::AdviceSubmitted, req.child_id)
            .detail("request_id", req.request.id)
            .detail("contribution_id", c.id)
            .detail("scope", c.scope);
        tx.commit(vec![entry]).await.map_err(Error::from)?;
        rc.updates.publish(req.child_id, c.scope, Some(c.agency_id));
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
        // Checked while holding the chain: two answers cannot both pass.
        let tx = rc.store.traced().await.map_err(Error::from)?;
        require_case_officer(&rc.principal)?;
        let req = rc
            .store
            .advice_request(parse_id("requestId", &request_id)?)
            .await
            .map_err(Error::from)?
            .ok_or(Error::NotFound("advice request"))?;
        if req.request.answer.is_some() {
            return Err(
                Error::bad_input("requestId", "this request has already been answered").into(),
            );
        }
        if !(author_confirmed && family_confirmed) {
            return Err(Error::bad_input(
                if author_confirmed { "familyConfirmed" } else { "authorConfirmed" },
                "existing advice is reused only when its author and the family both confirm it is still sufficient",
            )
            .into());
        }
        let c = rc
            .store
            .contribution(parse_id("contributionId", &contribution_id)?)
            .await
            .map_err(Error::from)?
            .filter(|c| c.child_id == req.child_id)
            .ok_or_else(|| {
                Error::bad_input("contributionId", "no such contribution to this child")
            })?;
        let all = rc
            .store
            .contributions(req.child_id)
            .await
            .map_err(Error::from)?;
        if all.iter().any(|later| later.supersedes == Some(c.id)) {
            return Err(Error::bad_input(
                "contributionId",
                "its author has since replaced this advice: it is no longer sufficient as it stands",
            )
            .into());
        }
        if c.agency_id != req.request.agency_id || c.scope != req.request.scope {
            return Err(Error::bad_input(
                "contributionId",
                "reused advice must be the asked agency's, for the same scope",
            )
            .into());
        }
        let today = rc.now.date_naive();
        tx.insert_advice_answer(
            req.child_id,
            req.request.id,
            c.id,
            AdviceAnswerMode::Reused,
            true,
            true,
            today,
            &rc.principal.subject,
        )
        .await
        .map_err(Error::from)?;
        let entry = rc
            .child_entry(TraceAction::AdviceReused, req.child_id)
            .detail("request_id", req.request.id)
            .detail("contribution_id", c.id);
        tx.commit(vec![entry]).await.map_err(Error::from)?;
        let mut answered = req.request.clone();
        answered.answer = Some(domain::ehc::AdviceAnswer {
            contribution_id: c.id,
            mode: AdviceAnswerMode::Reused,
            answered_on: today,
        });
        Ok(request_view(
            req.child_id,
            req.assessment_id,
            &answered,
            &rc.store.agencies().await.map_err(Error::from)?,
            today,
        ))
    }
}

/// Records one step of an assessment after checking it against the
/// regulations' order and dates.
async fn step(
    ctx: &Context<'_>,
    assessment_id: &ID,
    kind: AssessmentEventKind,
    on: Date,
    exception: Option<ClockException>,
    note: Option<String>,
) -> GqlResult<AssessmentView> {
    let rc = request(ctx)?;
    require_case_officer(&rc.principal)?;
    // Checked while holding the chain, so two steps cannot both pass.
    let tx = rc.store.traced().await.map_err(Error::from)?;
    let mut a = find_assessment(rc, assessment_id).await?;
    let today = rc.now.date_naive();
    a.check_step(kind, on.0, today)
        .map_err(|m| Error::bad_input("on", m))?;
    let event = AssessmentEvent {
        id: Uuid::now_v7(),
        kind,
        on: on.0,
        exception,
        note,
    };
    tx.insert_assessment_event(a.child_id, a.id, &event, &rc.principal.subject, rc.now)
        .await
        .map_err(Error::from)?;
    let entry = rc
        .child_entry(TraceAction::AssessmentStep, a.child_id)
        .detail("assessment_id", a.id)
        .detail("step", kind)
        .detail("on", on.0);
    tx.commit(vec![entry]).await.map_err(Error::from)?;
    rc.updates.publish(a.child_id, Scope::SenNeeds, None);
    a.events.push(event);
    Ok(assessment_view(
        &a,
        &rc.store.agencies().await.map_err(Error::from)?,
        today,
    ))
}
