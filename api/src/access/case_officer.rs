//! [`CaseOfficer`]: what a case officer of the council SEND team may do —
//! register children and their families, record who decides
//! (`standing`), and run EHC needs
//! assessments on the statutory clock.

use std::sync::Arc;

use chrono::NaiveDate;
use consent::trace::TraceAction;
use domain::ehc::{
    AdviceAsk, AdviceRequest, Assessment, AssessmentEvent, AssessmentEventKind, ClockException,
    Reuse,
};
use domain::{Agency, ChildId, FamilyMember, Scope};
use uuid::Uuid;

use super::{Disclosure, RequestContext};
use crate::error::{Error, Result};
use store::NewChild;

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
    Ok(assessments.pop().map(|assessment| AssessmentOnFile {
        assessment,
        agencies,
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
        let rc = self.rc;
        // Checked while holding the chain, so two steps cannot both pass.
        let tx = rc.store().traced().await?;
        let mut a = self.find(assessment).await?;
        a.check_step(kind, on, rc.today())?;
        let event = AssessmentEvent {
            id: Uuid::now_v7(),
            kind,
            on,
            exception,
            note,
            advice_request_id: None,
            limit: None,
        };
        tx.insert_assessment_event(a.child_id, a.id, &event, &rc.principal.subject, rc.now)
            .await?;
        let entry = rc
            .child_entry(TraceAction::AssessmentStep, a.child_id)
            .detail("assessment_id", a.id)
            .detail("step", kind)
            .detail("on", on);
        tx.commit(vec![entry]).await?;
        rc.hub.updates.publish(a.child_id, Scope::SenNeeds, None);
        a.events.push(event);
        Ok(AssessmentOnFile {
            assessment: a,
            agencies: rc.store().agencies().await?,
        })
    }

    /// Asks an agency for advice on one scope (due 6 weeks after today unless
    /// set otherwise).
    pub async fn request_advice(
        &self,
        assessment: Uuid,
        agency: Uuid,
        scope: Scope,
        attachments: std::collections::BTreeSet<Scope>,
        due_on: Option<NaiveDate>,
        profession: Option<domain::template::Profession>,
    ) -> Result<AdviceOnFile> {
        let rc = self.rc;
        let a = self.find(assessment).await?;
        let agencies = rc.store().agencies().await?;
        let profession = super::templates::profession_asked(profession, agency, &agencies)?;
        let ask = AdviceAsk {
            id: Uuid::now_v7(),
            agency_id: agency,
            scope,
            attachments,
            due_on,
            profession,
            target_on: None,
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

    /// Answers a request with existing advice, when its author and the
    /// family both confirm it is still sufficient (SEND Regulations 2014,
    /// reg 6(4)): the family is not asked to tell it again.
    pub async fn reuse_advice(
        &self,
        request: Uuid,
        contribution: Uuid,
        author_confirmed: bool,
        family_confirmed: bool,
    ) -> Result<AdviceOnFile> {
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
            store.contributions(req.child_id)
        )?;
        let today = rc.today();
        let answer = req.request.reuse(
            Reuse {
                child_id: req.child_id,
                contribution: offered.as_ref(),
                contributions: &all,
                author_confirmed,
                family_confirmed,
            },
            today,
        )?;
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
        Ok(AdviceOnFile {
            child_id: req.child_id,
            assessment_id: req.assessment_id,
            request: answered,
            agencies: store.agencies().await?.into(),
        })
    }
}
