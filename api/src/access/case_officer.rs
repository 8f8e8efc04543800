//! [`CaseOfficer`]: what a case officer of the council SEND team may do —
//! register children and their families, record who decides
//! (`standing`), and run EHC needs
//! assessments on the statutory clock.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::NaiveDate;
use consent::trace::TraceAction;
use domain::ehc::{
    AdviceAsk, AdviceRequest, AppealRights, Assessment, AssessmentEvent, AssessmentEventKind,
    ClockException, ExceptionAsk, Reuse, ReuseParty,
};
use domain::{Agency, ChildId, FamilyMember, Scope};
use uuid::Uuid;

use super::{Disclosure, RequestContext};
use crate::error::{Error, Result};
use store::NewChild;
use store::tell::ReuseConfirmation;

/// A case officer of the council SEND team (see
/// [`RequestContext::case_officer`]).
#[derive(Debug)]
pub struct CaseOfficer<'a> {
    pub(super) rc: &'a RequestContext,
}

/// An assessment and the register that names its agencies.
#[derive(Debug)]
pub struct AssessmentOnFile {
    pub assessment: Assessment,
    pub agencies: Vec<Agency>,
    /// The confirmations of reuse and the reused advice's own dates.
    pub reuse: ReuseFacts,
}

/// What the views say of reused advice (reg 6(4)): who confirmed it, and
/// the date the advice itself was written.
#[derive(Debug, Default, Clone)]
pub struct ReuseFacts {
    /// Every confirmation recorded for the child's advice requests.
    pub confirmations: Vec<ReuseConfirmation>,
    /// The date each answering contribution was written, by its id.
    pub advice_dates: HashMap<Uuid, NaiveDate>,
}

impl ReuseFacts {
    /// Loads them for a child.
    pub(super) async fn load(rc: &RequestContext, child: ChildId) -> Result<Self> {
        let store = rc.store();
        let (confirmations, contributions) =
            tokio::try_join!(store.reuse_confirmations(child), store.contributions(child))?;
        Ok(Self {
            confirmations,
            advice_dates: contributions
                .iter()
                .map(|c| (c.id, c.created_at.date_naive()))
                .collect(),
        })
    }

    /// The confirmations for one request.
    pub fn of_request(&self, request: Uuid) -> impl Iterator<Item = &ReuseConfirmation> {
        self.confirmations
            .iter()
            .filter(move |c| c.request_id == request)
    }
}

/// An advice request answered by reuse, with the confirmations behind it.
#[derive(Debug)]
pub struct ReusedAdvice {
    pub on_file: AdviceOnFile,
    pub reuse: ReuseFacts,
}

/// What a case officer asks for in [`CaseOfficer::request_advice`].
#[derive(Debug, Clone)]
pub struct AdviceWanted {
    /// The agency asked.
    pub agency: Uuid,
    /// The scope the advice is about.
    pub scope: Scope,
    /// Parts of the record shared with the request.
    pub attachments: std::collections::BTreeSet<Scope>,
    /// The statutory due date, if sooner than 6 weeks.
    pub due_on: Option<NaiveDate>,
    /// A local, non-statutory target.
    pub target_on: Option<NaiveDate>,
    /// The profession asked; by default the agency kind's.
    pub profession: Option<domain::template::Profession>,
}

/// An advice request, where it belongs, and the register (shared by every
/// request of one answer, not copied for each).
#[derive(Debug)]
pub struct AdviceOnFile {
    pub child_id: ChildId,
    pub assessment_id: Uuid,
    pub request: AdviceRequest,
    pub agencies: Arc<[Agency]>,
}

/// The child's latest assessment (read and traced), for the family or a
/// case officer.
pub(super) async fn latest_assessment(
    rc: &RequestContext,
    child: ChildId,
) -> Result<Option<AssessmentOnFile>> {
    let store = rc.store();
    let (mut assessments, agencies) = tokio::try_join!(store.assessments(child), store.agencies())?;
    rc.record(
        rc.child_entry(TraceAction::Read, child)
            .detail("view", "assessment"),
    );
    let Some(assessment) = assessments.pop() else {
        return Ok(None);
    };
    Ok(Some(AssessmentOnFile {
        assessment,
        agencies,
        reuse: ReuseFacts::load(rc, child).await?,
    }))
}

impl CaseOfficer<'_> {
    /// Registers a child and opens the new record.
    pub async fn register_child(&self, new: NewChild) -> Result<Disclosure> {
        let rc = self.rc;
        let tx = rc.store().traced().await?;
        let id = tx.register_child(new, &rc.principal.subject).await?;
        // The registering council works with the child from now on.
        let mut entry = rc.child_entry(TraceAction::ChildRegistered, id);
        if let Some(agency) = rc.principal.agency {
            let involvement = tx
                .record_involvement(id, &agency, "registered the child")
                .await?;
            entry = entry.detail("involvement_id", involvement);
        }
        tx.commit(vec![entry]).await?;
        rc.open(id).await?.ok_or(Error::NotFound("child"))
    }

    /// Records a family member and whether they hold parental
    /// responsibility; the case officer sees what they have just recorded.
    pub async fn link_family_member(
        &self,
        child: ChildId,
        member: domain::input::ValidFamilyMember,
    ) -> Result<FamilyMember> {
        let rc = self.rc;
        if !rc.store().child_exists(child).await? {
            return Err(Error::NotFound("child"));
        }
        let tx = rc.store().traced().await?;
        let member = tx.link_family_member(child, member).await?;
        let entry = rc
            .child_entry(TraceAction::FamilyLinked, child)
            .detail("family_member_id", member.id)
            .detail("parental_responsibility", member.parental_responsibility);
        tx.commit(vec![entry]).await?;
        Ok(member)
    }

    /// The child's latest EHC needs assessment.
    pub async fn assessment(&self, child: ChildId) -> Result<Option<AssessmentOnFile>> {
        if !self.rc.store().child_exists(child).await? {
            return Err(Error::NotFound("child"));
        }
        latest_assessment(self.rc, child).await
    }

    /// Starts an EHC needs assessment on a request received on `received_on`.
    pub async fn start_assessment(
        &self,
        child: ChildId,
        received_on: NaiveDate,
    ) -> Result<AssessmentOnFile> {
        let rc = self.rc;
        Assessment::check_received_on(received_on, rc.today())?;
        let store = rc.store();
        if !store.child_exists(child).await? {
            return Err(Error::NotFound("child"));
        }
        // Checked while holding the chain, so two starts cannot both pass.
        let tx = store.traced().await?;
        let existing = store.assessments(child).await?;
        let a = Assessment::start(Uuid::now_v7(), child, received_on, &existing, rc.today())?;
        tx.insert_assessment(&a, &rc.principal.subject, rc.now)
            .await?;
        tx.commit(vec![
            rc.child_entry(TraceAction::AssessmentStarted, child)
                .detail("assessment_id", a.id),
        ])
        .await?;
        rc.hub.updates.publish(child, Scope::SenNeeds, None);
        Ok(AssessmentOnFile {
            assessment: a,
            agencies: store.agencies().await?,
            reuse: ReuseFacts::default(),
        })
    }

    /// Loads an assessment by id.
    pub(super) async fn find(&self, id: Uuid) -> Result<Assessment> {
        let store = self.rc.store();
        let child = store
            .child_of_assessment(id)
            .await?
            .ok_or(Error::NotFound("assessment"))?;
        store
            .assessments(child)
            .await?
            .into_iter()
            .find(|a| a.id == id)
            .ok_or(Error::NotFound("assessment"))
    }

    /// Records one step of an assessment after checking it against the
    /// regulations' order and dates.
    pub async fn step(
        &self,
        assessment: Uuid,
        kind: AssessmentEventKind,
        on: NaiveDate,
        exception: Option<ClockException>,
        note: Option<String>,
    ) -> Result<AssessmentOnFile> {
        self.record_event(assessment, kind, on, |a| {
            a.check_step(kind, on, self.rc.today())?;
            Ok(Recorded {
                exception,
                note,
                ..Recorded::default()
            })
        })
        .await
    }

    /// Records an exception to one time limit (regs 5(4), 8(2), 10(4),
    /// 13(3)): only a ground that limit allows, while it runs.
    pub async fn record_exception(
        &self,
        assessment: Uuid,
        ask: ExceptionAsk,
        note: Option<String>,
    ) -> Result<AssessmentOnFile> {
        self.record_event(assessment, AssessmentEventKind::Exception, ask.on, |a| {
            a.check_exception(&ask, self.rc.today())?;
            Ok(Recorded {
                exception: Some(ask.exception),
                limit: Some(ask.limit),
                advice_request_id: ask.advice_request_id,
                note,
                ..Recorded::default()
            })
        })
        .await
    }

    /// Records the council's decision not to issue a plan (reg 10(1)),
    /// notified with the appeal rights (reg 10(3)): the timeline closes.
    pub async fn decide_not_to_issue(
        &self,
        assessment: Uuid,
        on: NaiveDate,
        appeal: AppealRights,
    ) -> Result<AssessmentOnFile> {
        let kind = AssessmentEventKind::DecidedNotToIssue;
        self.record_event(assessment, kind, on, |a| {
            a.check_not_to_issue(on, appeal, self.rc.today())?;
            Ok(Recorded {
                appeal_rights_notified: true,
                ..Recorded::default()
            })
        })
        .await
    }

    /// Records an event of `kind` on `on` once `check` (run on the
    /// assessment while holding the chain, so two steps cannot both pass)
    /// allows it.
    async fn record_event(
        &self,
        assessment: Uuid,
        kind: AssessmentEventKind,
        on: NaiveDate,
        check: impl FnOnce(&Assessment) -> Result<Recorded>,
    ) -> Result<AssessmentOnFile> {
        let rc = self.rc;
        let tx = rc.store().traced().await?;
        let mut a = self.find(assessment).await?;
        let recorded = check(&a)?;
        let event = AssessmentEvent {
            id: Uuid::now_v7(),
            kind,
            on,
            exception: recorded.exception,
            note: recorded.note,
            advice_request_id: recorded.advice_request_id,
            limit: recorded.limit,
        };
        tx.insert_assessment_event(a.child_id, a.id, &event, &rc.principal.subject, rc.now)
            .await?;
        // Issuing the draft or final plan issues a version of the plan.
        let plan_entries = super::plan::on_step(rc, &tx, &a, kind, on).await?;
        let mut entry = rc
            .child_entry(TraceAction::AssessmentStep, a.child_id)
            .detail("assessment_id", a.id)
            .detail("step", kind)
            .detail("on", on);
        if let Some(limit) = event.limit {
            entry = entry.detail("limit", limit);
        }
        if let Some(exception) = event.exception {
            entry = entry.detail("exception", exception);
        }
        if let Some(request) = event.advice_request_id {
            entry = entry.detail("request_id", request);
        }
        if recorded.appeal_rights_notified {
            entry = entry.detail("appeal_rights", "notified");
        }
        tx.commit(std::iter::once(entry).chain(plan_entries).collect())
            .await?;
        rc.hub.updates.publish(a.child_id, Scope::SenNeeds, None);
        a.events.push(event);
        Ok(AssessmentOnFile {
            reuse: ReuseFacts::load(rc, a.child_id).await?,
            assessment: a,
            agencies: rc.store().agencies().await?,
        })
    }

    /// Asks an agency for advice on one scope (due 6 weeks after today unless
    /// set otherwise).
    pub async fn request_advice(
        &self,
        assessment: Uuid,
        wanted: AdviceWanted,
    ) -> Result<AdviceOnFile> {
        let AdviceWanted {
            agency,
            scope,
            attachments,
            due_on,
            target_on,
            profession,
        } = wanted;
        let rc = self.rc;
        let a = self.find(assessment).await?;
        // Only an agency still in the register (not retired) can be asked.
        let agencies = rc.store().active_agencies().await?;
        let profession = super::templates::profession_asked(profession, agency, &agencies)?;
        let ask = AdviceAsk {
            id: Uuid::now_v7(),
            agency_id: agency,
            scope,
            attachments,
            due_on,
            profession,
            target_on,
        };
        let r = a.request_advice(ask, &agencies, rc.today())?;
        let tx = rc.store().traced().await?;
        tx.insert_advice_request(a.child_id, a.id, &r, &rc.principal.subject)
            .await?;
        let entry = rc
            .child_entry(TraceAction::AdviceRequested, a.child_id)
            .detail("request_id", r.id)
            .detail("agency_id", agency)
            .detail("scope", scope)
            .detail("profession", profession.map_or("", |p| p.code()))
            .detail(
                "attachments",
                r.attachments
                    .iter()
                    .map(|s| s.code())
                    .collect::<Vec<_>>()
                    .join(","),
            );
        tx.commit(vec![entry]).await?;
        Ok(AdviceOnFile {
            child_id: a.child_id,
            assessment_id: a.id,
            request: r,
            agencies: agencies.into(),
        })
    }

    /// Answers a request with existing advice (SEND Regulations 2014, reg
    /// 6(4)): the council's own confirmation, given only once its author
    /// and the family have each confirmed it is still sufficient. The
    /// family is not asked to tell it again.
    pub async fn reuse_advice(&self, request: Uuid, contribution: Uuid) -> Result<ReusedAdvice> {
        let rc = self.rc;
        let store = rc.store();
        // Checked while holding the chain: two answers cannot both pass.
        let tx = store.traced().await?;
        let req = store
            .advice_request(request)
            .await?
            .ok_or(Error::NotFound("advice request"))?;
        let (offered, all) = tokio::try_join!(
            store.contribution(contribution),
            store.contributions(req.child_id),
        )?;
        let reuse = ReuseFacts::load(rc, req.child_id).await?;
        let confirmed: Vec<ReuseParty> = reuse
            .of_request(req.request.id)
            .filter(|c| c.contribution_id == contribution)
            .map(|c| c.party)
            .collect();
        let today = rc.today();
        let answer = req.request.reuse(
            Reuse {
                child_id: req.child_id,
                contribution: offered.as_ref(),
                contributions: &all,
                confirmed: &confirmed,
            },
            today,
        )?;
        // The old columns say what the confirmations now show.
        tx.insert_advice_answer(
            req.child_id,
            req.request.id,
            answer.contribution_id,
            answer.mode,
            true,
            true,
            today,
            &rc.principal.subject,
        )
        .await?;
        let entry = rc
            .child_entry(TraceAction::AdviceReused, req.child_id)
            .detail("request_id", req.request.id)
            .detail("contribution_id", answer.contribution_id);
        tx.commit(vec![entry]).await?;
        let mut answered = req.request.clone();
        answered.answer = Some(answer);
        Ok(ReusedAdvice {
            on_file: AdviceOnFile {
                child_id: req.child_id,
                assessment_id: req.assessment_id,
                request: answered,
                agencies: store.agencies().await?.into(),
            },
            reuse,
        })
    }

    /// Records the author's or the family's written or verbal confirmation
    /// that existing advice is still sufficient for a request (reg 6(4)),
    /// with its evidence (bounded as a consent decision's is), as a consent
    /// decision is recorded.
    pub async fn record_reuse_confirmation(
        &self,
        request: Uuid,
        contribution: Uuid,
        party: ReuseParty,
        method: consent::CaptureMethod,
        evidence: &str,
    ) -> Result<ReuseConfirmation> {
        let rc = self.rc;
        let evidence = evidence.trim();
        if evidence.is_empty() {
            return Err(Error::bad_input(
                "evidence",
                "name the evidence: the signed form's reference, or the call's date, time and reference",
            ));
        }
        if evidence.chars().count() > consent::MAX_EVIDENCE_CHARS || evidence.contains('\0') {
            return Err(Error::bad_input(
                "evidence",
                format!(
                    "evidence is a reference of at most {} characters, not a note",
                    consent::MAX_EVIDENCE_CHARS
                ),
            ));
        }
        let recorded_by = rc.principal.subject.clone();
        let evidence = evidence.to_owned();
        let capture = match method {
            consent::CaptureMethod::Written => consent::Capture::Written {
                recorded_by,
                evidence,
            },
            consent::CaptureMethod::Verbal => consent::Capture::Verbal {
                recorded_by,
                evidence,
            },
            consent::CaptureMethod::Digital => {
                return Err(Error::bad_input(
                    "method",
                    "a case officer records a WRITTEN or VERBAL confirmation: a DIGITAL one is made by the person with their own sign-in",
                ));
            }
        };
        // The author is known from the advice; a family member confirming
        // on paper is not named.
        super::reuse::confirm(rc, request, contribution, party, None, capture).await
    }
}

/// What an event records besides its kind and date.
#[derive(Debug, Default)]
struct Recorded {
    exception: Option<ClockException>,
    limit: Option<domain::ehc::TimeLimit>,
    advice_request_id: Option<Uuid>,
    note: Option<String>,
    appeal_rights_notified: bool,
}
