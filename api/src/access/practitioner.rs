//! [`Practitioner`]: what an agency's practitioner may do besides reading —
//! see the advice requests addressed to their agency, contribute what their
//! agency knows, and answer advice requests.

use std::sync::Arc;

use consent::AgencyRef;
use consent::trace::TraceAction;
use domain::input::{long_text, required_text};
use domain::template::{Profession, SectionContent};
use domain::{Agency, ChildId, Contribution, ContributionKind, Scope};
use uuid::Uuid;

use super::RequestContext;
use super::case_officer::AdviceOnFile;
use crate::error::{Error, Result};

/// A practitioner of a registered agency (see
/// [`RequestContext::practitioner`]).
#[derive(Debug)]
pub struct Practitioner<'a> {
    pub(super) rc: &'a RequestContext,
    pub(super) agency: AgencyRef,
}

/// A contribution as submitted, before it is checked.
#[derive(Debug, Default, Clone)]
pub struct ContributionDraft {
    pub kind: Option<ContributionKind>,
    pub title: String,
    pub needs: Option<String>,
    pub outcomes: Option<String>,
    pub provision: Option<String>,
    pub notes: Option<String>,
    /// A contribution of the agency's that this one replaces.
    pub supersedes: Option<Uuid>,
    /// Structured advice (ADVICE, ASSESSMENT): its sections, checked
    /// against the latest template of the profession.
    pub content: Option<Vec<SectionContent>>,
    /// The template's profession, for `contribute` (`submitAdvice` takes
    /// the request's).
    pub profession: Option<Profession>,
}

impl Practitioner<'_> {
    /// Checks the draft's text and builds the contribution.
    fn build(
        &self,
        draft: ContributionDraft,
        child_id: ChildId,
        scope: Scope,
        kind: ContributionKind,
    ) -> Result<Contribution> {
        let rc = self.rc;
        if draft.content.is_some() && kind == ContributionKind::Update {
            return Err(Error::bad_input(
                "content",
                "an UPDATE is free text: structured content is for ADVICE and ASSESSMENT",
            ));
        }
        Ok(Contribution {
            id: Uuid::now_v7(),
            child_id,
            scope,
            agency_id: self.agency.id,
            agency_kind: self.agency.kind,
            author: rc.principal.subject.clone(),
            kind,
            title: required_text("title", &draft.title)?,
            needs: long_text("needs", draft.needs.as_deref())?,
            outcomes: long_text("outcomes", draft.outcomes.as_deref())?,
            provision: long_text("provision", draft.provision.as_deref())?,
            notes: long_text("notes", draft.notes.as_deref())?,
            supersedes: draft.supersedes,
            created_at: rc.now,
            content: None,
        })
    }

    /// Checks structured advice against `profession`'s latest template.
    async fn structured(
        &self,
        profession: Profession,
        content: Option<Vec<SectionContent>>,
    ) -> Result<domain::template::AdviceContent> {
        let sections = content.ok_or_else(|| {
            Error::bad_input(
                "content",
                format!(
                    "advice is written against the {profession} template: give content.sections (see adviceTemplate)"
                ),
            )
        })?;
        self.rc.structured_advice(profession, sections).await
    }

    /// Checks `supersedes` points at a current contribution of the same
    /// agency, child and scope.
    async fn check_supersedes(&self, c: &Contribution) -> Result<()> {
        let Some(old) = c.supersedes else {
            return Ok(());
        };
        let all = self.rc.store().contributions(c.child_id).await?;
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

    /// Advice requests addressed to the agency (statutory: it sees them even
    /// before the family grants it more). Each is traced as a read.
    pub async fn advice_requests(&self) -> Result<Vec<AdviceOnFile>> {
        let rc = self.rc;
        let store = rc.store();
        let (requests, agencies) = tokio::try_join!(
            store.advice_requests_for_agency(self.agency.id),
            store.agencies()
        )?;
        let agencies: Arc<[Agency]> = agencies.into();
        for r in &requests {
            rc.record(
                rc.child_entry(TraceAction::Read, r.child_id)
                    .detail("view", "advice_requests")
                    .detail("request_id", r.request.id),
            );
        }
        Ok(requests
            .into_iter()
            .map(|r| AdviceOnFile {
                child_id: r.child_id,
                assessment_id: r.assessment_id,
                request: r.request,
                agencies: Arc::clone(&agencies),
            })
            .collect())
    }

    /// One advice request addressed to the agency, traced as a read like
    /// the list. Another agency's request is the same `NOT_FOUND` as one
    /// that does not exist.
    pub async fn advice_request(&self, id: Uuid) -> Result<AdviceOnFile> {
        let rc = self.rc;
        let store = rc.store();
        let (found, agencies) = tokio::try_join!(store.advice_request(id), store.agencies())?;
        let Some(r) = found.filter(|r| r.request.agency_id == self.agency.id) else {
            return Err(Error::NotFound("advice request"));
        };
        rc.record(
            rc.child_entry(TraceAction::Read, r.child_id)
                .detail("view", "advice_request")
                .detail("request_id", r.request.id),
        );
        Ok(AdviceOnFile {
            child_id: r.child_id,
            assessment_id: r.assessment_id,
            request: r.request,
            agencies: agencies.into(),
        })
    }

    /// The agency's own advice answering one of its requests, and whether
    /// it is still current: an agency always reads what it contributed,
    /// even once the request no longer opens the child's record. `None`
    /// while the request is unanswered.
    pub async fn advice_answer(&self, request: Uuid) -> Result<Option<(Contribution, bool)>> {
        let rc = self.rc;
        let r = self.advice_request(request).await?;
        let Some(answer) = r.request.answer.as_ref() else {
            return Ok(None);
        };
        let all = rc.store().contributions(r.child_id).await?;
        let Some(c) = all
            .iter()
            .find(|c| c.id == answer.contribution_id && c.agency_id == self.agency.id)
            .cloned()
        else {
            return Ok(None);
        };
        let current = !all.iter().any(|p| p.supersedes == Some(c.id));
        rc.record(
            rc.child_entry(TraceAction::Read, r.child_id)
                .detail("view", "advice_answer")
                .detail("request_id", r.request.id)
                .detail("contribution_id", c.id),
        );
        Ok(Some((c, current)))
    }

    /// Adds what the agency knows to one scope of a child's record, where
    /// the data-sharing agreement lets the agency contribute to it for the
    /// stated purpose.
    pub async fn contribute(
        &self,
        child: ChildId,
        scope: Scope,
        draft: ContributionDraft,
    ) -> Result<Contribution> {
        let rc = self.rc;
        let purpose = rc.principal.purpose.ok_or_else(|| {
            Error::bad_input(
                "X-Purpose-Of-Use",
                "practitioners must state a purpose of use",
            )
        })?;
        let loaded = rc.load(child).await?.ok_or(Error::NotFound("child"))?;
        let agreement = &loaded.agreement;
        let agency = self.agency;
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
            ));
        }
        let kind = draft.kind.unwrap_or(ContributionKind::Update);
        let structured = match kind {
            ContributionKind::Update => None,
            ContributionKind::Advice | ContributionKind::Assessment => {
                let profession = draft.profession.ok_or_else(|| {
                    Error::bad_input(
                        "profession",
                        "advice and assessments are written against a profession's template: name it",
                    )
                })?;
                Some(self.structured(profession, draft.content.clone()).await?)
            }
        };
        let mut c = self.build(draft, child, scope, kind)?;
        c.content = structured;
        // Checked while holding the chain, so concurrent writers see each other.
        let tx = rc.store().traced().await?;
        self.check_supersedes(&c).await?;
        tx.insert_contribution(&c).await?;
        let entry = rc
            .child_entry(TraceAction::Contribute, child)
            .detail("contribution_id", c.id)
            .detail("scope", scope)
            .detail("kind", c.kind);
        tx.commit(vec![entry]).await?;
        rc.hub.updates.publish(child, scope, Some(agency.id));
        Ok(c)
    }

    /// Answers an advice request addressed to the agency with new advice
    /// (on the request's scope).
    pub async fn submit_advice(
        &self,
        request: Uuid,
        draft: ContributionDraft,
    ) -> Result<Contribution> {
        let rc = self.rc;
        let store = rc.store();
        // Checked while holding the chain: two answers cannot both pass.
        let tx = store.traced().await?;
        let req = store
            .advice_request(request)
            .await?
            .ok_or(Error::NotFound("advice request"))?;
        if self.agency.id != req.request.agency_id {
            return Err(Error::Forbidden(
                "only the agency asked for this advice may answer it".into(),
            ));
        }
        req.request.check_unanswered()?;
        let profession = super::templates::profession_answering(&req.request, self.agency.kind)?;
        let content = self.structured(profession, draft.content.clone()).await?;
        let mut c = self.build(
            draft,
            req.child_id,
            req.request.scope,
            ContributionKind::Advice,
        )?;
        c.content = Some(content);
        self.check_supersedes(&c).await?;
        tx.insert_contribution(&c).await?;
        let answer = req.request.submit(c.id, rc.today())?;
        tx.insert_advice_answer(
            req.child_id,
            req.request.id,
            answer.contribution_id,
            answer.mode,
            true,
            false,
            answer.answered_on,
            &rc.principal.subject,
        )
        .await?;
        let entry = rc
            .child_entry(TraceAction::AdviceSubmitted, req.child_id)
            .detail("request_id", req.request.id)
            .detail("contribution_id", c.id)
            .detail("scope", c.scope);
        tx.commit(vec![entry]).await?;
        rc.hub
            .updates
            .publish(req.child_id, c.scope, Some(c.agency_id));
        Ok(c)
    }
}
