//! Confirmations that existing advice is still sufficient to answer an
//! advice request (SEND Regulations 2014 reg 6(4)), each made by the person
//! themself: the advice's author with their own sign-in, the family (a
//! parent with consent authority for SEN, or the young person who decides
//! for themselves) with theirs, or either recorded by a case officer from a
//! written or verbal confirmation ([`super::CaseOfficer::record_reuse_confirmation`]).
//! The council's own confirmation is the reuse itself
//! ([`super::CaseOfficer::reuse_advice`]).

use std::collections::BTreeSet;

use consent::Capture;
use consent::trace::TraceAction;
use domain::Scope;
use domain::ehc::ReuseParty;
use store::tell::ReuseConfirmation;
use uuid::Uuid;

use super::RequestContext;
use crate::error::{Error, Result};

impl RequestContext {
    /// The caller confirms, for themself, that `contribution` is still
    /// sufficient for `request`: as its author (a practitioner whose
    /// sign-in wrote it), or as the child's family. Any other practitioner
    /// is refused (FORBIDDEN); anyone who is not the child's family reads
    /// the child as missing, as everywhere else.
    pub async fn confirm_advice_reuse(
        &self,
        request: Uuid,
        contribution: Uuid,
    ) -> Result<ReuseConfirmation> {
        let store = self.store();
        let req = store
            .advice_request(request)
            .await?
            .ok_or(Error::NotFound("advice request"))?;
        if self.principal.is_practitioner() {
            let offered = store.contribution(contribution).await?;
            let own = offered
                .is_some_and(|c| c.child_id == req.child_id && c.author == self.principal.subject);
            if !own {
                return Err(Error::Forbidden(
                    "only the practitioner who wrote this advice confirms it as its author; the family confirms for themselves, or a case officer records a written or verbal confirmation".into(),
                ));
            }
            self.stated_purpose()?;
            let me = Some(self.principal.subject.clone());
            return confirm(
                self,
                request,
                contribution,
                ReuseParty::Author,
                me,
                Capture::Digital,
            )
            .await;
        }
        let family = self.family(req.child_id).await?;
        let person = self.principal.person_id.clone().unwrap_or_default();
        let facts = family
            .loaded
            .facts
            .core
            .consent_facts(self.policy().term_start);
        if let Err(e) = facts.may_decide(&person, &BTreeSet::from([Scope::SenNeeds]), self.today())
        {
            return Err(Error::Forbidden(format!(
                "only a parent who decides for the child, or the young person who decides for themselves, confirms advice for the family: {e}"
            )));
        }
        confirm(
            self,
            request,
            contribution,
            ReuseParty::Family,
            Some(person),
            Capture::Digital,
        )
        .await
    }
}

/// Records `party`'s confirmation, once `contribution` may answer `request`
/// (`AdviceRequest::check_reusable`) and `party` has not confirmed it
/// already; `confirmed_by` defaults to the advice's author for
/// [`ReuseParty::Author`]. Checked while holding the chain.
pub(super) async fn confirm(
    rc: &RequestContext,
    request: Uuid,
    contribution: Uuid,
    party: ReuseParty,
    confirmed_by: Option<String>,
    capture: Capture,
) -> Result<ReuseConfirmation> {
    let store = rc.store();
    let tx = store.traced().await?;
    let req = store
        .advice_request(request)
        .await?
        .ok_or(Error::NotFound("advice request"))?;
    let (offered, all, existing) = tokio::try_join!(
        store.contribution(contribution),
        store.contributions(req.child_id),
        store.reuse_confirmations(req.child_id),
    )?;
    let offered = req
        .request
        .check_reusable(req.child_id, offered.as_ref(), &all)?;
    if existing.iter().any(|c| {
        c.request_id == req.request.id && c.contribution_id == offered.id && c.party == party
    }) {
        return Err(Error::bad_input(
            "contributionId",
            format!(
                "{} has already confirmed this advice for this request",
                party.label()
            ),
        ));
    }
    let confirmed_by =
        confirmed_by.or_else(|| (party == ReuseParty::Author).then(|| offered.author.clone()));
    let c = ReuseConfirmation {
        id: Uuid::now_v7(),
        request_id: req.request.id,
        contribution_id: offered.id,
        party,
        confirmed_by,
        capture,
        at: rc.now,
    };
    tx.insert_reuse_confirmation(req.child_id, &c).await?;
    let entry = rc
        .child_entry(TraceAction::ReuseConfirmed, req.child_id)
        .detail("request_id", c.request_id)
        .detail("contribution_id", c.contribution_id)
        .detail("party", party)
        .detail("method", c.capture.method());
    tx.commit(vec![entry]).await?;
    Ok(c)
}
