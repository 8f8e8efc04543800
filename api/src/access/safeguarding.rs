//! [`SafeguardingLead`]: a designated safeguarding lead declares a
//! time-limited override ("break glass"), queued for IG review.

use std::collections::BTreeSet;

use consent::trace::TraceAction;
use consent::{AgencyRef, Override, OverrideRequest, Purpose};
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

/// An override as declared.
#[derive(Debug, Clone)]
pub struct OverrideAsk {
    pub child: ChildId,
    pub scopes: BTreeSet<Scope>,
    /// Why, in at least `consent::MIN_REASON_CHARS` characters.
    pub reason: String,
    pub hours: i32,
    /// False only when telling the family would put the child at risk.
    pub tell_family: bool,
    /// Required when `tell_family` is false.
    pub withhold_reason: Option<String>,
}

impl SafeguardingLead<'_> {
    /// Declares an override, within the agreement's safeguarding rules and
    /// the deployment's longest duration.
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
            scopes: ask.scopes,
            reason: ask.reason,
            hours: ask.hours,
            tell_family: ask.tell_family,
            withhold_reason: ask.withhold_reason,
        };
        let max = rc.policy().max_override_hours;
        // Checked before the child is looked up, as the rule's own words say
        // what is wrong with the request itself.
        request.check(max)?;
        let loaded = rc.load(ask.child).await?.ok_or(Error::NotFound("child"))?;
        let hours = request.hours;
        let o = Override::declare(request, &loaded.agreement, max, Uuid::now_v7(), rc.now)?;
        let tx = rc.store().traced().await?;
        tx.insert_override(&o).await?;
        let entry = rc
            .child_entry(TraceAction::OverrideDeclared, o.child_id)
            .detail("override_id", o.id)
            .detail("scopes", codes(&o.scopes))
            .detail("hours", hours)
            .detail("tell_family", o.tell_family);
        tx.commit(vec![entry]).await?;
        tracing::warn!(override_id = %o.id, hours, "safeguarding override declared; queued for IG review");
        Ok(o)
    }
}
