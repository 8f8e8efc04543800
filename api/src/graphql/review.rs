//! Annual reviews and phase transfers over GraphQL: the review due dates
//! and reg 20 steps of a child's plans (case officers and the family), the
//! meeting date for invited practitioners, and the case officer's
//! mutations (import a plan made before the hub, arrange a review, record
//! its steps and the council's decision, the amended plan, a phase
//! transfer).

use async_graphql::{Context, Enum, ID, Object, SimpleObject};
use chrono::NaiveDate;
use domain::ehc::MilestoneStatus;
use domain::review::{DecisionAsk, PhaseTransfer, PlanImport, ReviewCycle};

use super::parse_id;
use super::record::request;
use super::scalar::Date;
use super::types::{self, MilestoneStatusGql};
use crate::access::{MeetingOnFile, ReviewsOnFile, StepAsk};

type GqlResult<T> = async_graphql::Result<T>;

macro_rules! remote_enum {
    ($(#[$m:meta])* $name:ident = $remote:literal { $($(#[$vm:meta])* $variant:ident),+ $(,)? }) => {
        #[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
        #[graphql(remote = $remote)]
        $(#[$m])*
        pub enum $name { $($(#[$vm])* $variant),+ }
    };
}

remote_enum!(
    /// A reg 20 step of an annual review.
    ReviewStep = "domain::review::ReviewStep" {
    /// The meeting date was set (rescheduling sets it again).
    MeetingSet,
    /// Family, setting, LA SEND, health and social care invited, at least 2
    /// weeks before the meeting (reg 20(1), (3)).
    InvitationsSent,
    /// Advice and information circulated at least 2 weeks before (reg 20(4)).
    PapersCirculated,
    /// The meeting was held: the review is "held" by it.
    MeetingHeld,
    /// The report sent within 2 weeks of the meeting (reg 20(7)).
    ReportSent,
    /// The council's decision, within 4 weeks of the meeting, notified with
    /// appeal rights (reg 20(10)): it concludes the review.
    Decision,
    /// The amended plan issued final, within 8 weeks of the decision notice
    /// (reg 22(3)).
    AmendedPlanIssued });
remote_enum!(
    /// What the council decided after a review (reg 20(10)).
    ReviewDecision = "domain::review::ReviewDecision" {
    /// Keep the plan as it is.
    Maintain,
    /// Amend the plan: the amended plan is due within 8 weeks of the notice.
    Amend,
    /// Cease to maintain the plan (only on a `CeaseGround`).
    Cease });
remote_enum!(
    /// The only grounds to cease a plan (CFA 2014 s.45(1)): never "left
    /// education at 18 or over" by itself (reg 30).
    CeaseGround = "domain::review::CeaseGround" {
    /// It is no longer necessary for the plan to be maintained (s.45(1)(b)).
    NoLongerNecessary,
    /// The council is no longer responsible for the child or young person
    /// (s.45(1)(a)).
    NoLongerResponsible });
remote_enum!(
    /// A move between settings that reg 18 times.
    TransferKind = "domain::review::TransferKind" {
    /// Between schools (early years to reception, primary to secondary, and
    /// the like): the plan is amended by 15 February of the transfer year.
    BetweenSchools,
    /// From school (Year 11) to a post-16 institution: by 31 March.
    #[graphql(name = "SCHOOL_TO_POST_16")] SchoolToPostSixteen,
    /// Between post-16 institutions: 5 months before the move.
    #[graphql(name = "POST_16_TO_POST_16")] PostSixteenToPostSixteen });

/// The steps a case officer records with `recordReviewStep` (the meeting
/// date, the decision and the amended plan have mutations of their own).
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
pub enum RecordableReviewStep {
    /// Invitations sent, at least 2 weeks before the meeting (reg 20(1), (3)).
    InvitationsSent,
    /// Advice and information circulated, at least 2 weeks before the meeting (reg 20(4)).
    PapersCirculated,
    /// The review meeting was held.
    MeetingHeld,
    /// The review report sent, within 2 weeks of the meeting (reg 20(7)).
    ReportSent,
}

/// A step of a review with its due date and status today.
#[derive(SimpleObject, Debug)]
pub struct ReviewStepView {
    /// The step.
    pub step: ReviewStep,
    /// In a parent's words.
    pub label: &'static str,
    /// When it is due.
    pub due_on: Date,
    /// When it was done; null while not done.
    pub done_on: Option<Date>,
    /// Where it stands today.
    pub status: MilestoneStatusGql,
}

/// One review of a plan.
#[derive(SimpleObject, Debug)]
pub struct ReviewCycleView {
    /// `null` until the council arranges the meeting.
    pub id: Option<ID>,
    /// The day the plan was made, or the last review concluded.
    pub starts_on: Date,
    /// The last day to hold it: 12 months starting with `startsOn` (s.44(1)),
    /// or the under-5 interval.
    pub due_on: Date,
    /// Held by the meeting, on or before `dueOn` to be on time.
    pub status: MilestoneStatusGql,
    /// The day of the review meeting, once arranged.
    pub meeting_on: Option<Date>,
    /// The day the meeting was held.
    pub held_on: Option<Date>,
    /// The kinds of agency invited.
    pub invited_agencies: Vec<types::AgencyKind>,
    /// Whether the family was invited (always, once invitations are sent).
    pub family_invited: bool,
    /// The council's decision; null until made.
    pub decision: Option<ReviewDecision>,
    /// With decision CEASE: the ground.
    pub cease_ground: Option<CeaseGround>,
    /// The decision notice: it concludes the review.
    pub concluded_on: Option<Date>,
    /// After a decision to amend: 8 weeks from the decision notice.
    pub amended_plan_due_on: Option<Date>,
    /// A review of a plan made before the hub: only its conclusion is known.
    pub imported: bool,
    /// Its reg 20 steps with due dates and status (empty for an imported review).
    pub steps: Vec<ReviewStepView>,
}

/// The next phase transfer and its reg 18 deadline.
#[derive(SimpleObject, Debug)]
pub struct PhaseTransferView {
    /// The kind of move.
    pub kind: TransferKind,
    /// The phase moved from, if known.
    pub from_phase: Option<types::SettingPhase>,
    /// The phase moved to.
    pub to_phase: types::SettingPhase,
    /// The day of the move.
    pub transfer_on: Date,
    /// The amended plan naming the next setting is due by this day.
    pub deadline: Date,
    /// Derived from the year group and phase (else set by the council).
    pub derived: bool,
    /// When the amended plan naming the next setting was issued.
    pub amended_plan_issued_on: Option<Date>,
    /// Where the deadline stands today.
    pub status: MilestoneStatusGql,
}

/// A plan (named by the assessment that made it) and its reviews.
#[derive(SimpleObject, Debug)]
pub struct PlanReviewsView {
    /// The plan's id: the id of the assessment that made it.
    pub plan_id: ID,
    /// The child.
    pub child_id: ID,
    /// The day the plan was made (its final version issued).
    pub made_on: Date,
    /// Made before the hub: its 20-week figures are unknown and it is left
    /// out of timeliness.
    pub imported: bool,
    /// When the plan ceased; null while maintained.
    pub ceased_on: Option<Date>,
    /// The review under way (`null` once the plan has ceased).
    pub current: Option<ReviewCycleView>,
    /// The due date of the review under way.
    pub next_review_due_on: Option<Date>,
    /// Reviews that have concluded, oldest first.
    pub concluded: Vec<ReviewCycleView>,
    /// The next phase transfer, if one is known.
    pub phase_transfer: Option<PhaseTransferView>,
    /// Where things stand, in a parent's words.
    pub summary: String,
}

/// A review meeting your agency was invited to.
#[derive(SimpleObject, Debug)]
pub struct ReviewMeetingView {
    /// The plan reviewed.
    pub plan_id: ID,
    /// The day of the meeting.
    pub meeting_on: Date,
}

fn words(s: MilestoneStatus) -> &'static str {
    match s {
        MilestoneStatus::OnTrack => "on track",
        MilestoneStatus::DueSoon => "due within two weeks",
        MilestoneStatus::Overdue => "late",
        MilestoneStatus::Done => "done on time",
        MilestoneStatus::DoneLate => "done, but late",
        MilestoneStatus::ExceptionApplies => "delayed",
    }
}

fn long(d: NaiveDate) -> String {
    d.format("%-d %B %Y").to_string()
}

fn cycle_view(c: &ReviewCycle, today: NaiveDate) -> ReviewCycleView {
    let (agencies, family) = c
        .invited()
        .map(|(a, f)| (a.iter().map(|k| (*k).into()).collect(), f))
        .unwrap_or_default();
    let decision = c.decision();
    let imported = c.imported_concluded_on.is_some();
    ReviewCycleView {
        id: c.id.map(|id| ID(id.to_string())),
        starts_on: c.starts_on.into(),
        due_on: c.due_on.into(),
        status: c.status(today).into(),
        meeting_on: c.meeting_on().map(Into::into),
        held_on: c.held_on().map(Into::into),
        invited_agencies: agencies,
        family_invited: family,
        decision: decision.map(|(d, _)| d.kind().into()),
        cease_ground: decision.and_then(|(d, _)| d.cease_ground()).map(Into::into),
        concluded_on: c.concluded_on().map(Into::into),
        amended_plan_due_on: c.amended_plan_due().map(Into::into),
        imported,
        steps: if imported {
            Vec::new()
        } else {
            c.steps(today)
                .into_iter()
                .map(|s| ReviewStepView {
                    step: s.step.into(),
                    label: s.step.label(),
                    due_on: s.due.into(),
                    done_on: s.done_on.map(Into::into),
                    status: s.status.into(),
                })
                .collect()
        },
    }
}

fn transfer_view(
    t: &PhaseTransfer,
    done: Option<(Option<NaiveDate>, MilestoneStatus)>,
    today: NaiveDate,
) -> PhaseTransferView {
    let (issued, status) = done.unwrap_or((None, t.status([], today).1));
    PhaseTransferView {
        kind: t.kind.into(),
        from_phase: t.from_phase.map(Into::into),
        to_phase: t.to_phase.into(),
        transfer_on: t.transfer_on.into(),
        deadline: t.deadline.into(),
        derived: t.derived,
        amended_plan_issued_on: issued.map(Into::into),
        status: status.into(),
    }
}

fn reviews_view(r: &ReviewsOnFile) -> PlanReviewsView {
    let today = r.today;
    let reviews = &r.plan.reviews;
    let current = r.current.as_ref().map(|c| cycle_view(c, today));
    let mut summary = match (&r.current, reviews.ceased_on) {
        (_, Some(ceased)) => format!("The plan ceased on {}.", long(ceased)),
        (Some(c), None) => {
            let mut s = format!(
                "The next annual review is due by {} ({}).",
                long(c.due_on),
                words(c.status(today))
            );
            if let Some(m) = c.meeting_on() {
                s.push_str(&format!(" The meeting is on {}.", long(m)));
            }
            s
        }
        (None, None) => String::new(),
    };
    if let Some(due) = reviews.amending().and_then(ReviewCycle::amended_plan_due) {
        summary.push_str(&format!(" The amended plan is due by {}.", long(due)));
    }
    if let Some(t) = &r.transfer {
        summary.push_str(&format!(
            " Moving on {}: the plan naming the next setting is due by {}.",
            long(t.transfer_on),
            long(t.deadline)
        ));
    }
    PlanReviewsView {
        plan_id: ID(reviews.plan_id.to_string()),
        child_id: ID(r.plan.child_id.to_string()),
        made_on: reviews.made_on.into(),
        imported: r.plan.imported,
        ceased_on: reviews.ceased_on.map(Into::into),
        next_review_due_on: r.current.as_ref().map(|c| c.due_on.into()),
        current,
        concluded: reviews
            .cycles
            .iter()
            .filter(|c| c.concluded_on().is_some())
            .map(|c| cycle_view(c, today))
            .collect(),
        phase_transfer: r
            .transfer
            .as_ref()
            .map(|t| transfer_view(t, r.transfer_status, today)),
        summary: summary.trim().to_owned(),
    }
}

fn meeting_view(m: &MeetingOnFile) -> ReviewMeetingView {
    ReviewMeetingView {
        plan_id: ID(m.plan_id.to_string()),
        meeting_on: m.meeting_on.into(),
    }
}

#[derive(Debug, Default)]
pub struct ReviewQuery;

#[Object]
impl ReviewQuery {
    /// The child's EHC plans with their annual reviews, on today's date:
    /// for the council's case officers and, read-only, the family.
    async fn annual_reviews(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The child.")] child_id: ID,
    ) -> GqlResult<Vec<PlanReviewsView>> {
        let rc = request(ctx)?;
        let child = parse_id("childId", &child_id)?;
        let found = match rc.case_officer() {
            Ok(officer) => officer.annual_reviews(child).await?,
            Err(_) => rc.family(child).await?.annual_reviews().await?,
        };
        Ok(found.iter().map(reviews_view).collect())
    }

    /// One plan's reviews (case officers).
    async fn review_cycle(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The plan (the id of the assessment that made it).")] plan_id: ID,
    ) -> GqlResult<PlanReviewsView> {
        let rc = request(ctx)?;
        let plan = parse_id("planId", &plan_id)?;
        Ok(reviews_view(&rc.case_officer()?.review_cycle(plan).await?))
    }

    /// Review meetings your agency was invited to for this child (only
    /// when you may see something of the child).
    async fn review_meetings(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The child.")] child_id: ID,
    ) -> GqlResult<Vec<ReviewMeetingView>> {
        let rc = request(ctx)?;
        let child = parse_id("childId", &child_id)?;
        let meetings = rc.practitioner()?.review_meetings(child).await?;
        Ok(meetings.iter().map(meeting_view).collect())
    }
}

#[derive(Debug, Default)]
pub struct ReviewMutation;

#[Object]
impl ReviewMutation {
    /// Imports a plan made before the hub, with the dates the council
    /// knows, so its reviews are tracked (case officers). Its 20-week
    /// figures are unknown: it is left out of timeliness.
    #[allow(clippy::too_many_arguments)]
    async fn import_plan(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The child.")] child_id: ID,
        #[graphql(desc = "The day the plan was made.")] made_on: Date,
        #[graphql(desc = "The day its last review concluded, if it has had one.")]
        last_review_concluded_on: Option<Date>,
        #[graphql(desc = "When the request for the assessment was received, if known.")]
        request_received_on: Option<Date>,
        #[graphql(desc = "When the council decided to assess, if known.")]
        decided_to_assess_on: Option<Date>,
        #[graphql(desc = "When the draft plan was issued, if known.")] draft_issued_on: Option<
            Date,
        >,
    ) -> GqlResult<PlanReviewsView> {
        let rc = request(ctx)?;
        let officer = rc.case_officer()?;
        let child = parse_id("childId", &child_id)?;
        let import = PlanImport {
            made_on: made_on.0,
            last_review_concluded_on: last_review_concluded_on.map(|d| d.0),
            request_received_on: request_received_on.map(|d| d.0),
            decided_to_assess_on: decided_to_assess_on.map(|d| d.0),
            draft_issued_on: draft_issued_on.map(|d| d.0),
        };
        Ok(reviews_view(&officer.import_plan(child, import).await?))
    }

    /// Arranges (or re-arranges) the meeting of the plan's current review.
    async fn schedule_review(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The plan.")] plan_id: ID,
        #[graphql(desc = "The day of the meeting.")] meeting_on: Date,
    ) -> GqlResult<PlanReviewsView> {
        let rc = request(ctx)?;
        let officer = rc.case_officer()?;
        let plan = parse_id("planId", &plan_id)?;
        Ok(reviews_view(
            &officer.schedule_review(plan, meeting_on.0).await?,
        ))
    }

    /// Records a reg 20 step of the plan's current review. Invitations name
    /// the agencies invited (by kind) and the family, who is always invited.
    async fn record_review_step(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The plan.")] plan_id: ID,
        #[graphql(desc = "The step.")] step: RecordableReviewStep,
        #[graphql(desc = "The day it was done.")] on: Date,
        #[graphql(desc = "With INVITATIONS_SENT: the kinds of agency invited.")] invited: Option<
            Vec<types::AgencyKind>,
        >,
        #[graphql(desc = "With INVITATIONS_SENT: whether the family was invited (it must be).")]
        family_invited: Option<bool>,
    ) -> GqlResult<PlanReviewsView> {
        let rc = request(ctx)?;
        let officer = rc.case_officer()?;
        let plan = parse_id("planId", &plan_id)?;
        let ask = match step {
            RecordableReviewStep::InvitationsSent => StepAsk::InvitationsSent {
                invited: invited.into_iter().flatten().map(Into::into).collect(),
                family: family_invited.unwrap_or(false),
            },
            RecordableReviewStep::PapersCirculated => StepAsk::PapersCirculated,
            RecordableReviewStep::MeetingHeld => StepAsk::MeetingHeld,
            RecordableReviewStep::ReportSent => StepAsk::ReportSent,
        };
        Ok(reviews_view(
            &officer.record_review_step(plan, ask, on.0).await?,
        ))
    }

    /// Records the council's decision after the review meeting: MAINTAIN,
    /// AMEND or CEASE (only on a s.45 ground, after consulting the family),
    /// always notified with the right of appeal.
    #[allow(clippy::too_many_arguments)]
    async fn record_review_decision(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The plan.")] plan_id: ID,
        #[graphql(desc = "The decision.")] decision: ReviewDecision,
        #[graphql(desc = "The day of the decision notice.")] on: Date,
        #[graphql(desc = "With CEASE: the s.45 ground.")] cease_ground: Option<CeaseGround>,
        #[graphql(
            desc = "Whether the notice gave the family their right of appeal; must be true."
        )]
        appeal_rights_notified: bool,
        #[graphql(desc = "With CEASE: whether the family was consulted first (it must be).")]
        family_consulted: Option<bool>,
    ) -> GqlResult<PlanReviewsView> {
        let rc = request(ctx)?;
        let officer = rc.case_officer()?;
        let plan = parse_id("planId", &plan_id)?;
        let ask = DecisionAsk {
            decision: decision.into(),
            cease_ground: cease_ground.map(Into::into),
            appeal_rights_notified,
            family_consulted: family_consulted.unwrap_or(false),
        };
        Ok(reviews_view(
            &officer.record_review_decision(plan, ask, on.0).await?,
        ))
    }

    /// Records the amended plan issued after a decision to amend.
    async fn record_amended_plan_issued(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The plan.")] plan_id: ID,
        #[graphql(desc = "The day the amended plan was issued.")] on: Date,
    ) -> GqlResult<PlanReviewsView> {
        let rc = request(ctx)?;
        let officer = rc.case_officer()?;
        let plan = parse_id("planId", &plan_id)?;
        Ok(reviews_view(
            &officer.record_amended_plan_issued(plan, on.0).await?,
        ))
    }

    /// Sets the plan's next phase transfer where the one derived from the
    /// year group and phase is wrong or missing.
    async fn set_phase_transfer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The plan.")] plan_id: ID,
        #[graphql(desc = "The phase moved to.")] to_phase: types::SettingPhase,
        #[graphql(desc = "The day of the move.")] transfer_on: Date,
        #[graphql(desc = "The phase moved from, if known.")] from_phase: Option<
            types::SettingPhase,
        >,
    ) -> GqlResult<PlanReviewsView> {
        let rc = request(ctx)?;
        let officer = rc.case_officer()?;
        let plan = parse_id("planId", &plan_id)?;
        Ok(reviews_view(
            &officer
                .set_phase_transfer(
                    plan,
                    from_phase.map(Into::into),
                    to_phase.into(),
                    transfer_on.0,
                )
                .await?,
        ))
    }
}
