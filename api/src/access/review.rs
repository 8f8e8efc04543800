//! Annual reviews and phase transfers through the door (CFA 2014 ss.44–45;
//! SEND Regulations 2014 regs 18–22): case officers import plans made
//! before the hub, arrange reviews and record each reg 20 step and the
//! council's decision; the family reads the review dates and steps of
//! their child's plans; a practitioner whose agency was invited sees the
//! meeting date, if they may see anything of the child at all. Each write
//! is one traced transaction (REVIEW_STEP, PLAN_IMPORTED); each read is
//! traced as a READ of the `annual_reviews` view.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use consent::trace::TraceAction;
use domain::ehc::{Assessment, AssessmentEvent, AssessmentEventKind, MilestoneStatus};
use domain::review::{
    DecisionAsk, PhaseTransfer, PlanImport, ReviewCycle, ReviewError, ReviewEvent, ReviewFact,
    YearStart,
};
use domain::{AgencyKind, ChildId, Scope, SettingPhase};
use store::review::PlanOnFile;
use uuid::Uuid;

use super::{CaseOfficer, Disclosure, Family, Practitioner, RequestContext};
use crate::error::{Error, Result};

/// A plan and its reviews, on the request's day.
#[derive(Debug, Clone)]
pub struct ReviewsOnFile {
    pub plan: PlanOnFile,
    /// The review under way (not yet opened if `id` is `None`); `None` once
    /// the plan has ceased.
    pub current: Option<ReviewCycle>,
    /// The next statutory transfer: the one the council set, else the one
    /// derived from the year group and phase.
    pub transfer: Option<PhaseTransfer>,
    /// When the amended plan for the transfer was issued, and its status.
    pub transfer_status: Option<(Option<NaiveDate>, MilestoneStatus)>,
    pub today: NaiveDate,
}

/// A review meeting an invited agency may know of.
#[derive(Debug, Clone, Copy)]
pub struct MeetingOnFile {
    pub plan_id: Uuid,
    pub meeting_on: NaiveDate,
}

/// A review step as a case officer asks to record it.
#[derive(Debug, Clone)]
pub enum StepAsk {
    InvitationsSent {
        invited: BTreeSet<AgencyKind>,
        family: bool,
    },
    PapersCirculated,
    MeetingHeld,
    ReportSent,
}

fn review_error(e: ReviewError) -> Error {
    Error::bad_input(e.field(), e.to_string())
}

/// What the record says about the child's schooling, through the door
/// (traced as the fields read); `None`s where it is withheld.
fn schooling(d: Option<&Disclosure>) -> (Option<SettingPhase>, Option<String>) {
    d.and_then(|d| {
        d.section(Scope::Education, ["settingPhase", "yearGroup"], |r| {
            (r.education.setting_phase, r.education.year_group.clone())
        })
        .ok()
    })
    .unwrap_or((None, None))
}

/// The date of birth, for the under-5 interval (read without disclosure:
/// it only sets a due date the caller is shown anyway).
async fn date_of_birth(rc: &RequestContext, child: ChildId) -> Result<Option<NaiveDate>> {
    Ok(rc
        .store()
        .child_core(child)
        .await?
        .map(|c| c.identity.date_of_birth))
}

impl RequestContext {
    /// The child's plans with their reviews, read for the caller (who has
    /// already been let in as a case officer or family) and traced.
    async fn reviews_of(&self, child: ChildId) -> Result<Vec<ReviewsOnFile>> {
        let store = self.store();
        let (plans, dob) = tokio::try_join!(
            async { Ok::<_, Error>(store.plans(child).await?) },
            date_of_birth(self, child)
        )?;
        // Where the caller may not see the child's schooling, no transfer
        // is derived (one the council set still shows).
        let disclosure = self.open(child).await?;
        let (phase, year_group) = schooling(disclosure.as_ref());
        self.record(
            self.child_entry(TraceAction::Read, child)
                .detail("view", "annual_reviews"),
        );
        let today = self.today();
        let policy = self.policy().review;
        let ts = self.policy().term_start.in_year(2001);
        let year_start = YearStart::new(chrono::Datelike::month(&ts), chrono::Datelike::day(&ts))
            .unwrap_or_default();
        Ok(plans
            .into_iter()
            .map(|plan| {
                let current = plan.reviews.current(dob, policy);
                let transfer = plan
                    .transfer_set
                    .filter(|t| t.transfer_on > today)
                    .or_else(|| {
                        PhaseTransfer::next(year_group.as_deref(), phase, today, year_start)
                    })
                    .filter(|_| plan.reviews.ceased_on.is_none());
                let transfer_status =
                    transfer.map(|t| t.status(plan.reviews.amended_plans(), today));
                ReviewsOnFile {
                    plan,
                    current,
                    transfer,
                    transfer_status,
                    today,
                }
            })
            .collect())
    }
}

impl CaseOfficer<'_> {
    /// Every plan of the child with its reviews.
    pub async fn annual_reviews(&self, child: ChildId) -> Result<Vec<ReviewsOnFile>> {
        if !self.rc.store().child_exists(child).await? {
            return Err(Error::NotFound("child"));
        }
        self.rc.reviews_of(child).await
    }

    /// One plan (named by the assessment that made it) with its reviews.
    pub async fn review_cycle(&self, plan: Uuid) -> Result<ReviewsOnFile> {
        let child = self.child_of_plan(plan).await?;
        self.rc
            .reviews_of(child)
            .await?
            .into_iter()
            .find(|p| p.plan.reviews.plan_id == plan)
            .ok_or(Error::NotFound("plan"))
    }

    async fn child_of_plan(&self, plan: Uuid) -> Result<ChildId> {
        self.rc
            .store()
            .child_of_assessment(plan)
            .await?
            .ok_or(Error::NotFound("plan"))
    }

    /// The plan as stored now (read inside the caller's traced transaction,
    /// so the check holds until it commits).
    async fn plan_now(&self, plan: Uuid) -> Result<PlanOnFile> {
        let child = self.child_of_plan(plan).await?;
        self.rc
            .store()
            .plans(child)
            .await?
            .into_iter()
            .find(|p| p.reviews.plan_id == plan)
            .ok_or(Error::NotFound("plan"))
    }

    /// Imports a plan made before the hub, with the dates the council
    /// knows: an assessment marked imported with a FINAL_ISSUED event on
    /// `made_on` (and the earlier steps whose dates are given), and, if
    /// given, its last review concluded on that day. Refused while the
    /// child has a plan maintained or an assessment in progress.
    pub async fn import_plan(&self, child: ChildId, import: PlanImport) -> Result<ReviewsOnFile> {
        let rc = self.rc;
        let store = rc.store();
        if !store.child_exists(child).await? {
            return Err(Error::NotFound("child"));
        }
        let tx = store.traced().await?;
        let (existing, ceased) =
            tokio::try_join!(store.assessments(child), store.ceased_plans(child))?;
        import
            .check(&existing, &ceased, rc.today())
            .map_err(|e| Error::bad_input(e.field(), e.to_string()))?;
        let plan_id = write_imported_plan(rc, &tx, child, &import).await?;
        let entry = rc
            .child_entry(TraceAction::PlanImported, child)
            .detail("plan_id", plan_id)
            .detail("made_on", import.made_on);
        tx.commit(vec![entry]).await?;
        rc.hub.updates.publish(child, Scope::SenNeeds, None);
        self.review_cycle(plan_id).await
    }

    /// Records one fact of the plan's current review after checking it,
    /// opening the review if this is its first fact; returns the plan.
    async fn record(
        &self,
        plan: Uuid,
        event: ReviewEvent,
        on: NaiveDate,
        family_consulted: bool,
    ) -> Result<ReviewsOnFile> {
        let rc = self.rc;
        let today = rc.today();
        // Checked while holding the chain, so two steps cannot both pass.
        let tx = rc.store().traced().await?;
        let stored = self.plan_now(plan).await?;
        stored.reviews.check_maintained().map_err(review_error)?;
        let child = stored.child_id;
        let by = &rc.principal.subject;
        let cycle = if let ReviewEvent::AmendedPlanIssued = event {
            stored
                .reviews
                .amending()
                .cloned()
                .ok_or_else(|| review_error(ReviewError::NotAmending))?
        } else {
            let dob = date_of_birth(rc, child).await?;
            stored
                .reviews
                .current(dob, rc.policy().review)
                .ok_or_else(|| review_error(ReviewError::PlanCeased))?
        };
        cycle.check(&event, on, today).map_err(review_error)?;
        let review_id = match cycle.id {
            Some(id) => id,
            None => {
                let opened = ReviewCycle {
                    id: Some(Uuid::now_v7()),
                    ..cycle.clone()
                };
                tx.insert_review_cycle(child, &opened, by, rc.now).await?
            }
        };
        let step = event.step();
        let fact = ReviewFact {
            id: Uuid::now_v7(),
            on,
            event,
        };
        tx.insert_review_fact(child, review_id, &fact, family_consulted, by, rc.now)
            .await?;
        let mut entry = rc
            .child_entry(TraceAction::ReviewStep, child)
            .detail("plan_id", plan)
            .detail("review_id", review_id)
            .detail("step", step)
            .detail("on", on);
        match &fact.event {
            ReviewEvent::MeetingSet { meeting_on } => {
                entry = entry.detail("meeting_on", *meeting_on)
            }
            ReviewEvent::Decided(d) => {
                entry = entry.detail("decision", d.kind());
                if let Some(g) = d.cease_ground() {
                    entry = entry.detail("cease_ground", g);
                }
            }
            _ => {}
        }
        tx.commit(vec![entry]).await?;
        rc.hub.updates.publish(child, Scope::SenNeeds, None);
        self.review_cycle(plan).await
    }

    /// Arranges (or re-arranges) the current review's meeting.
    pub async fn schedule_review(
        &self,
        plan: Uuid,
        meeting_on: NaiveDate,
    ) -> Result<ReviewsOnFile> {
        self.record(
            plan,
            ReviewEvent::MeetingSet { meeting_on },
            self.rc.today(),
            false,
        )
        .await
    }

    /// Records a reg 20 step of the current review.
    pub async fn record_review_step(
        &self,
        plan: Uuid,
        step: StepAsk,
        on: NaiveDate,
    ) -> Result<ReviewsOnFile> {
        let event = match step {
            StepAsk::InvitationsSent { invited, family } => {
                ReviewEvent::InvitationsSent { invited, family }
            }
            StepAsk::PapersCirculated => ReviewEvent::PapersCirculated,
            StepAsk::MeetingHeld => ReviewEvent::MeetingHeld,
            StepAsk::ReportSent => ReviewEvent::ReportSent,
        };
        self.record(plan, event, on, false).await
    }

    /// Records the council's decision on the current review (it concludes
    /// the review; CEASE also ceases the plan).
    pub async fn record_review_decision(
        &self,
        plan: Uuid,
        ask: DecisionAsk,
        on: NaiveDate,
    ) -> Result<ReviewsOnFile> {
        let decision = ask.decision().map_err(review_error)?;
        self.record(
            plan,
            ReviewEvent::Decided(decision),
            on,
            ask.family_consulted,
        )
        .await
    }

    /// Records the amended plan issued after a decision to amend (the
    /// plan's amendment flow calls this when it issues the new version).
    pub async fn record_amended_plan_issued(
        &self,
        plan: Uuid,
        on: NaiveDate,
    ) -> Result<ReviewsOnFile> {
        self.record(plan, ReviewEvent::AmendedPlanIssued, on, false)
            .await
    }

    /// Sets the plan's next phase transfer where the derived one is wrong
    /// or there is none.
    pub async fn set_phase_transfer(
        &self,
        plan: Uuid,
        from_phase: Option<SettingPhase>,
        to_phase: SettingPhase,
        transfer_on: NaiveDate,
    ) -> Result<ReviewsOnFile> {
        let rc = self.rc;
        let transfer = PhaseTransfer::set(from_phase, to_phase, transfer_on, rc.today())
            .map_err(review_error)?;
        let tx = rc.store().traced().await?;
        let stored = self.plan_now(plan).await?;
        stored.reviews.check_maintained().map_err(review_error)?;
        tx.insert_phase_transfer(
            stored.child_id,
            plan,
            &transfer,
            &rc.principal.subject,
            rc.now,
        )
        .await?;
        let entry = rc
            .child_entry(TraceAction::ReviewStep, stored.child_id)
            .detail("plan_id", plan)
            .detail("step", "PHASE_TRANSFER_SET")
            .detail("transfer_on", transfer_on)
            .detail("to_phase", to_phase);
        tx.commit(vec![entry]).await?;
        self.review_cycle(plan).await
    }
}

impl Family<'_> {
    /// The review dates and steps of the child's plans, read-only.
    pub async fn annual_reviews(&self) -> Result<Vec<ReviewsOnFile>> {
        self.rc.reviews_of(self.child).await
    }
}

impl Practitioner<'_> {
    /// The meeting dates of the child's current reviews to which the
    /// caller's agency kind was invited — only when the caller may see
    /// something of the child at all (else NOT_FOUND, as for no child).
    pub async fn review_meetings(&self, child: ChildId) -> Result<Vec<MeetingOnFile>> {
        let rc = self.rc;
        if rc.open(child).await?.is_none() {
            return Err(Error::NoRecord(rc.principal.purpose));
        }
        let plans = rc.store().plans(child).await?;
        rc.record(
            rc.child_entry(TraceAction::Read, child)
                .detail("view", "review_meetings"),
        );
        let kind = self.agency.kind;
        Ok(plans
            .iter()
            .filter(|p| p.reviews.ceased_on.is_none())
            .filter_map(|p| {
                let cycle = p.reviews.cycles.last()?;
                let (invited, _) = cycle.invited()?;
                if cycle.concluded_on().is_some() || !invited.contains(&kind) {
                    return None;
                }
                Some(MeetingOnFile {
                    plan_id: p.reviews.plan_id,
                    meeting_on: cycle.meeting_on()?,
                })
            })
            .collect())
    }
}

/// When an amended plan is issued as final (`access::plan`): the review
/// whose decision to amend awaited it records AMENDED_PLAN_ISSUED (reg
/// 22(3): within 8 weeks of the decision notice), in the same transaction
/// as the plan's version. Returns the trace entry, or none when no review
/// was amending the plan (an amendment for a phase transfer or a change of
/// circumstances).
pub(super) async fn amended_plan_issued(
    rc: &RequestContext,
    tx: &store::TracedTxn,
    child: ChildId,
    plan: Uuid,
    on: NaiveDate,
) -> Result<Option<consent::trace::TraceEntry>> {
    let Some(stored) = rc
        .store()
        .plans(child)
        .await?
        .into_iter()
        .find(|p| p.reviews.plan_id == plan)
    else {
        return Ok(None);
    };
    let Some(cycle) = stored.reviews.amending().cloned() else {
        return Ok(None);
    };
    let Some(review_id) = cycle.id else {
        return Ok(None);
    };
    let event = ReviewEvent::AmendedPlanIssued;
    cycle.check(&event, on, rc.today()).map_err(review_error)?;
    let fact = ReviewFact {
        id: Uuid::now_v7(),
        on,
        event,
    };
    tx.insert_review_fact(
        child,
        review_id,
        &fact,
        false,
        &rc.principal.subject,
        rc.now,
    )
    .await?;
    Ok(Some(
        rc.child_entry(TraceAction::ReviewStep, child)
            .detail("plan_id", plan)
            .detail("review_id", review_id)
            .detail("step", fact.event.step())
            .detail("on", on),
    ))
}

/// Writes a plan made before the hub in `tx`: its assessment (marked
/// imported), the events whose dates the council gave and, with a last
/// review, that review's cycle, concluded. Returns the plan's id. The
/// caller has checked the import and writes the trace entry.
pub(super) async fn write_imported_plan(
    rc: &RequestContext,
    tx: &store::TracedTxn,
    child: ChildId,
    import: &PlanImport,
) -> Result<Uuid> {
    let event = |kind, on| AssessmentEvent {
        id: Uuid::now_v7(),
        kind,
        on,
        exception: None,
        limit: None,
        advice_request_id: None,
        note: Some("imported: made before the hub".into()),
    };
    let mut events = Vec::new();
    if let Some(on) = import.decided_to_assess_on {
        events.push(event(AssessmentEventKind::DecidedToAssess, on));
    }
    if let Some(on) = import.draft_issued_on {
        events.push(event(AssessmentEventKind::DraftIssued, on));
    }
    events.push(event(AssessmentEventKind::FinalIssued, import.made_on));
    let a = Assessment {
        id: Uuid::now_v7(),
        child_id: child,
        request_received_on: import.request_on(),
        events,
        advice: Vec::new(),
    };
    let by = &rc.principal.subject;
    tx.insert_imported_plan(&a, by, rc.now).await?;
    if let Some(concluded) = import.last_review_concluded_on {
        let cycle = ReviewCycle {
            id: Some(Uuid::now_v7()),
            plan_id: a.id,
            starts_on: import.made_on,
            due_on: domain::review::review_due(import.made_on),
            imported_concluded_on: Some(concluded),
            facts: Vec::new(),
        };
        tx.insert_review_cycle(child, &cycle, by, rc.now).await?;
    }
    Ok(a.id)
}
