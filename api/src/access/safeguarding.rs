//! [`SafeguardingLead`]: a designated safeguarding lead declares a
//! time-limited override ("break glass") on a legal ground, queued for IG
//! review by a deadline, and records (and later changes) whether and when
//! the family is told. [`OverrideApprover`]: another lead or a Caldicott
//! Guardian gives the optional second approval.

use std::collections::BTreeSet;

use consent::trace::TraceAction;
use consent::{
    AgencyRef, Override, OverrideLimits, OverrideRequest, Purpose, Telling, TellingDecision,
    TellingRequest,
};
use domain::{ChildId, Scope};
use uuid::Uuid;

use super::RequestContext;
use super::consenting::codes;
use crate::error::{Error, Result};

/// A designated safeguarding lead (see [`RequestContext::safeguarding_lead`]).
#[derive(Debug)]
pub struct SafeguardingLead<'a> {
    pub(super) rc: &'a RequestContext,
    pub(super) agency: AgencyRef,
}

/// Someone who may give an override its second approval (see
/// [`RequestContext::override_approver`]).
#[derive(Debug)]
pub struct OverrideApprover<'a> {
    pub(super) rc: &'a RequestContext,
}

/// An override as declared.
#[derive(Debug, Clone)]
pub struct OverrideAsk {
    pub child: ChildId,
    /// The legal ground's code (required; checked by the rule).
    pub ground: Option<String>,
    pub scopes: BTreeSet<Scope>,
    /// Why, in at least `consent::MIN_REASON_CHARS` characters. Internal:
    /// never shown to the family.
    pub reason: String,
    pub hours: i32,
    /// When and what the family is told.
    pub telling: TellingRequest,
}

/// Adds the telling decision's facts (codes and dates, never the notice or
/// the reason) to a trace entry.
fn with_telling(
    entry: consent::trace::TraceEntry,
    t: &TellingDecision,
) -> consent::trace::TraceEntry {
    let entry = entry.detail("telling", t.telling.choice());
    match &t.telling {
        Telling::Now => entry,
        Telling::On(on) => entry.detail("tell_on", on),
        Telling::NotNow { review_on, .. } => entry.detail("review_on", review_on),
    }
}

impl RequestContext {
    /// The override with this id and its child, or NOT_FOUND.
    pub(super) async fn override_by_id(&self, id: Uuid) -> Result<(ChildId, Override)> {
        let child = self
            .store()
            .child_of_override(id)
            .await?
            .ok_or(Error::NotFound("override"))?;
        let state = self.store().consent_state(child).await?;
        let o = state
            .overrides
            .into_iter()
            .find(|o| o.id == id)
            .ok_or(Error::NotFound("override"))?;
        Ok((child, o))
    }
}

impl SafeguardingLead<'_> {
    /// Declares an override, within the agreement's safeguarding rules and
    /// the deployment's longest duration; its review falls due after the
    /// configured hours.
    pub async fn declare(&self, ask: OverrideAsk) -> Result<Override> {
        let rc = self.rc;
        if rc.principal.purpose != Some(Purpose::Safeguarding) {
            return Err(Error::bad_input(
                "X-Purpose-Of-Use",
                "a safeguarding override is declared with the purpose SAFEGUARDING",
            ));
        }
        let request = OverrideRequest {
            child_id: ask.child,
            declared_by: rc.principal.subject.clone(),
            agency: self.agency,
            ground: ask.ground,
            scopes: ask.scopes,
            reason: ask.reason,
            hours: ask.hours,
            telling: ask.telling,
        };
        let limits = OverrideLimits {
            max_hours: rc.policy().max_override_hours,
            review_hours: rc.policy().override_review_hours,
        };
        // Checked before the child is looked up, as the rule's own words say
        // what is wrong with the request itself.
        request.check(limits.max_hours, rc.today())?;
        let loaded = rc.load(ask.child).await?.ok_or(Error::NotFound("child"))?;
        let hours = request.hours;
        let o = Override::declare(request, &loaded.agreement, limits, Uuid::now_v7(), rc.now)?;
        let tx = rc.store().traced().await?;
        tx.insert_override(&o).await?;
        let entry = rc
            .child_entry(TraceAction::OverrideDeclared, o.child_id)
            .detail("override_id", o.id)
            .detail("ground", o.ground)
            .detail("scopes", codes(&o.scopes))
            .detail("hours", hours)
            .detail("review_due_by", consent::trace::timestamp(o.review_due_by));
        tx.commit(vec![with_telling(entry, &o.telling)]).await?;
        // The alert: IG has no live channel yet, so the declaration is
        // logged for the operators' alerting and counted in IG's queue.
        tracing::warn!(override_id = %o.id, hours, ground = %o.ground, "safeguarding override declared; queued for IG review");
        Ok(o)
    }

    /// Records a new telling decision for an override the lead holds (e.g.
    /// after the strategy discussion): the latest decision is in force.
    pub async fn change_telling(&self, id: Uuid, request: TellingRequest) -> Result<Override> {
        let rc = self.rc;
        let (child, mut o) = rc.override_by_id(id).await?;
        if !o.held_by(&rc.principal) {
            return Err(Error::Forbidden(
                "only the lead who declared an override may change what the family is told".into(),
            ));
        }
        let decision = request.decide(&o.reason, &rc.principal.subject, Uuid::now_v7(), rc.now)?;
        let tx = rc.store().traced().await?;
        tx.insert_telling(child, id, &decision).await?;
        let entry = rc
            .child_entry(TraceAction::OverrideTellingChanged, child)
            .detail("override_id", id);
        tx.commit(vec![with_telling(entry, &decision)]).await?;
        o.telling = decision;
        Ok(o)
    }
}

impl OverrideApprover<'_> {
    /// Gives an override its second approval: never by its declarer, once.
    pub async fn approve(&self, id: Uuid) -> Result<Override> {
        let rc = self.rc;
        let (child, mut o) = rc.override_by_id(id).await?;
        let approval = o.approve(&rc.principal, Uuid::now_v7(), rc.now)?;
        let tx = rc.store().traced().await?;
        tx.insert_approval(child, id, &approval).await?;
        let entry = rc
            .child_entry(TraceAction::OverrideApproved, child)
            .detail("override_id", id)
            .detail("approver_role", approval.role);
        tx.commit(vec![entry]).await?;
        o.approval = Some(approval);
        Ok(o)
    }
}
