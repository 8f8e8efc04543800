//! Who decides for a child (LAW.md §2), through the door: case officers
//! record parental responsibility, deputies and attorneys, and capacity
//! assessments; a health practitioner records Gillick competence; the young
//! person sees the assessments about them and challenges one. Each write is
//! one traced transaction; each read of the facts is traced as a READ of
//! the `who_decides` view.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use consent::trace::TraceAction;
use consent::{
    Assessor, Authority, CapacityAssessment, CapacityDecision, CapacityOutcome, ChildFacts,
    Competence, DeputyKind, Deputyship, NewPr, PrHolding, Role,
};
use domain::{ChildId, Scope};
use uuid::Uuid;

use super::consenting::codes;
use super::{CaseOfficer, Family, Practitioner, RequestContext};
use crate::error::{Error, Result};

/// A capacity assessment as asked to be recorded.
#[derive(Debug, Clone)]
pub struct CapacityAsk {
    pub decision: CapacityDecision,
    pub scopes: BTreeSet<Scope>,
    pub assessor_role: String,
    pub assessed_on: NaiveDate,
    pub outcome: CapacityOutcome,
    pub reasons: String,
    pub review_on: NaiveDate,
}

/// A competence decision as asked to be recorded.
#[derive(Debug, Clone)]
pub struct CompetenceAsk {
    pub assessor_role: String,
    pub assessed_on: NaiveDate,
    pub competent: bool,
    pub scopes: BTreeSet<Scope>,
    pub not_for_parents: BTreeSet<Scope>,
    pub reasons: String,
}

/// A deputy or attorney as asked to be recorded.
#[derive(Debug, Clone)]
pub struct DeputyAsk {
    pub person_id: String,
    pub kind: DeputyKind,
    pub scopes: BTreeSet<Scope>,
    pub evidence: String,
    pub from: NaiveDate,
    pub until: Option<NaiveDate>,
}

/// Who reads the facts: the case officer sees everything; the young
/// person sees everything about themself; a parent or deputy sees
/// holdings, appointments and capacity assessments, never competence
/// decisions (which may rest on what the child told a clinician in
/// confidence).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Viewer {
    CaseOfficer,
    YoungPerson,
    Family,
}

/// The facts about who decides for one child, as the viewer may see them,
/// and who holds authority for each scope today.
#[derive(Debug, Clone)]
pub struct WhoDecides {
    pub child: ChildId,
    pub viewer: Viewer,
    pub facts: ChildFacts,
    pub today: NaiveDate,
}

impl WhoDecides {
    /// Competence decisions (none for parents).
    pub fn competence(&self) -> &[Competence] {
        match self.viewer {
            Viewer::Family => &[],
            _ => &self.facts.competence,
        }
    }

    /// Who holds authority for each consentable scope today. A parent is
    /// not told of a scope a competent child keeps from them (DPA 2018
    /// Sch 3 Pt 2 para 4), nor, for the others, when or by whom competence
    /// was assessed ([`WhoDecides::competence_dated`]).
    pub fn authority(&self) -> Vec<(Scope, Authority)> {
        let kept = |s: &Scope| {
            self.viewer == Viewer::Family
                && self
                    .facts
                    .competence
                    .iter()
                    .any(|c| c.competent && c.not_for_parents.contains(s))
        };
        Scope::ALL
            .iter()
            .filter(|s| s.consentable() && !kept(s))
            .map(|s| (*s, self.facts.authority(*s, self.today)))
            .collect()
    }

    /// Whether the viewer may see when competence was recorded (not a
    /// parent: competence decisions are never shown to them).
    pub fn competence_dated(&self) -> bool {
        self.viewer != Viewer::Family
    }
}

impl RequestContext {
    /// A child's standing facts: the core alone (who decides needs no
    /// grants, casework or agreement).
    async fn facts_of(&self, child: ChildId) -> Result<Option<ChildFacts>> {
        Ok(self
            .store()
            .child_core(child)
            .await?
            .map(|core| core.consent_facts(self.policy().term_start)))
    }

    fn who_decides(&self, child: ChildId, viewer: Viewer, facts: ChildFacts) -> WhoDecides {
        self.record(
            self.child_entry(TraceAction::Read, child)
                .detail("view", "who_decides"),
        );
        WhoDecides {
            child,
            viewer,
            facts,
            today: self.today(),
        }
    }
}

impl CaseOfficer<'_> {
    async fn existing(&self, child: ChildId) -> Result<ChildFacts> {
        self.rc
            .facts_of(child)
            .await?
            .ok_or(Error::NotFound("child"))
    }

    /// Who decides for `child`: every recorded fact.
    pub async fn who_decides(&self, child: ChildId) -> Result<WhoDecides> {
        let facts = self.existing(child).await?;
        Ok(self.rc.who_decides(child, Viewer::CaseOfficer, facts))
    }

    /// Records a person's parental responsibility (`consent::PrHolding::record`).
    pub async fn record_parental_responsibility(
        &self,
        child: ChildId,
        new: NewPr,
    ) -> Result<PrHolding> {
        let rc = self.rc;
        let pr = PrHolding::record(new, Uuid::now_v7())?;
        self.existing(child).await?;
        let tx = rc.store().traced().await?;
        tx.insert_pr(child, &pr, &rc.principal.subject).await?;
        let mut entry = rc
            .child_entry(TraceAction::PrRecorded, child)
            .detail("pr_id", pr.id)
            .detail("source", pr.source)
            .detail("limit", pr.limit.kind());
        if let consent::PrLimit::Scopes { scopes, .. } = &pr.limit {
            entry = entry.detail("limited_scopes", codes(scopes));
        }
        tx.commit(vec![entry]).await?;
        Ok(pr)
    }

    /// Records a deputy or attorney (`consent::Deputyship::record`).
    pub async fn record_deputy(&self, child: ChildId, ask: DeputyAsk) -> Result<Deputyship> {
        let rc = self.rc;
        let deputy = Deputyship::record(Deputyship {
            id: Uuid::now_v7(),
            person_id: ask.person_id,
            kind: ask.kind,
            scopes: ask.scopes,
            evidence: ask.evidence,
            from: ask.from,
            until: ask.until,
        })?;
        self.existing(child).await?;
        let tx = rc.store().traced().await?;
        tx.insert_deputyship(child, &deputy, &rc.principal.subject)
            .await?;
        let entry = rc
            .child_entry(TraceAction::DeputyRecorded, child)
            .detail("deputyship_id", deputy.id)
            .detail("kind", deputy.kind)
            .detail("scopes", codes(&deputy.scopes));
        tx.commit(vec![entry]).await?;
        Ok(deputy)
    }

    /// Records a decision-specific capacity assessment
    /// (`consent::CapacityAssessment::record`); the case officer is the
    /// assessor of record, in the role they name.
    pub async fn record_capacity(
        &self,
        child: ChildId,
        ask: CapacityAsk,
    ) -> Result<CapacityAssessment> {
        let rc = self.rc;
        let assessment = CapacityAssessment::record(
            CapacityAssessment {
                id: Uuid::now_v7(),
                decision: ask.decision,
                scopes: ask.scopes,
                assessor: Assessor {
                    subject: rc.principal.subject.clone(),
                    agency_id: rc.principal.agency.map(|a| a.id),
                    role: ask.assessor_role,
                },
                assessed_on: ask.assessed_on,
                outcome: ask.outcome,
                reasons: ask.reasons,
                review_on: ask.review_on,
                carried_over: false,
                challenges: Vec::new(),
            },
            rc.today(),
        )?;
        self.existing(child).await?;
        let tx = rc.store().traced().await?;
        tx.insert_capacity(child, &assessment).await?;
        let entry = rc
            .child_entry(TraceAction::CapacityRecorded, child)
            .detail("assessment_id", assessment.id)
            .detail("decision", assessment.decision)
            .detail("outcome", assessment.outcome)
            .detail("scopes", codes(&assessment.scopes));
        tx.commit(vec![entry]).await?;
        Ok(assessment)
    }
}

impl Practitioner<'_> {
    /// Records a Gillick-competence decision (`consent::Competence::record`:
    /// a health practitioner, health scopes, a child under 16).
    pub async fn record_competence(
        &self,
        child: ChildId,
        ask: CompetenceAsk,
    ) -> Result<Competence> {
        let rc = self.rc;
        // Only for a child the agency works with: any other reads as one
        // that does not exist (no existence oracle). An agency that may not
        // assess at all is refused by the rule, whatever the child.
        let (facts, case) = tokio::try_join!(rc.facts_of(child), async {
            Ok(rc.store().case_facts(child).await?)
        })?;
        let may_assess = consent::COMPETENCE_ASSESSORS.contains(&self.agency.kind);
        let facts = facts
            .filter(|_| !may_assess || rc.works_with(&case))
            .ok_or(Error::NotFound("child"))?;
        let competence = Competence::record(
            Competence {
                id: Uuid::now_v7(),
                assessor: Assessor {
                    subject: rc.principal.subject.clone(),
                    agency_id: Some(self.agency.id),
                    role: ask.assessor_role,
                },
                assessed_on: ask.assessed_on,
                competent: ask.competent,
                scopes: ask.scopes,
                not_for_parents: ask.not_for_parents,
                reasons: ask.reasons,
            },
            self.agency.kind,
            facts.date_of_birth,
            rc.today(),
        )?;
        let tx = rc.store().traced().await?;
        tx.insert_competence(child, &competence).await?;
        let entry = rc
            .child_entry(TraceAction::CompetenceRecorded, child)
            .detail("competence_id", competence.id)
            .detail("competent", competence.competent)
            .detail("scopes", codes(&competence.scopes))
            .detail("not_for_parents", codes(&competence.not_for_parents));
        tx.commit(vec![entry]).await?;
        Ok(competence)
    }
}

impl Family<'_> {
    fn is_young_person(&self) -> bool {
        self.rc.principal.has(Role::YoungPerson)
            && self.loaded.facts.core.young_person_id.as_deref()
                == self.rc.principal.person_id.as_deref()
    }

    /// Who decides for this child, as the family member may see it.
    pub fn who_decides(&self) -> WhoDecides {
        let viewer = if self.is_young_person() {
            Viewer::YoungPerson
        } else {
            Viewer::Family
        };
        let facts = self
            .loaded
            .facts
            .core
            .consent_facts(self.rc.policy().term_start);
        self.rc.who_decides(self.child, viewer, facts)
    }

    /// The young person challenges a capacity assessment about them. The
    /// assessment stands (nothing automatic) and shows CHALLENGED until a
    /// case officer re-assesses.
    pub async fn challenge_capacity(
        &self,
        assessment_id: Uuid,
        reason: &str,
    ) -> Result<CapacityAssessment> {
        let rc = self.rc;
        if !self.is_young_person() {
            return Err(Error::Forbidden(
                "only the young person an assessment is about may challenge it".into(),
            ));
        }
        let mut assessment = self
            .loaded
            .facts
            .core
            .standing
            .capacity
            .iter()
            .find(|a| a.id == assessment_id)
            .cloned()
            .ok_or(Error::NotFound("capacity assessment"))?;
        let person = rc.principal.person_id.clone().unwrap_or_default();
        let challenge = assessment.challenge(&person, reason, Uuid::now_v7(), rc.now)?;
        let tx = rc.store().traced().await?;
        tx.insert_challenge(self.child, assessment.id, &challenge)
            .await?;
        let entry = rc
            .child_entry(TraceAction::CapacityChallenged, self.child)
            .detail("assessment_id", assessment.id)
            .detail("challenge_id", challenge.id);
        tx.commit(vec![entry]).await?;
        assessment.challenges.push(challenge);
        Ok(assessment)
    }
}
