//! [`SafeguardingLead`]: a designated safeguarding lead declares a
//! time-limited override ("break glass"), queued for IG review.

use std::collections::BTreeSet;

use chrono::Duration;
use consent::trace::TraceAction;
use consent::{AgencyRef, Override, Purpose};
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
pub struct OverrideRequest {
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
    pub async fn declare(&self, request: OverrideRequest) -> Result<Override> {
        let rc = self.rc;
        let agency = self.agency;
        if rc.principal.purpose != Some(Purpose::Safeguarding) {
            return Err(Error::bad_input(
                "X-Purpose-Of-Use",
                "a safeguarding override is declared with the purpose SAFEGUARDING",
            ));
        }
        let reason = request.reason.trim().to_owned();
        if reason.chars().count() < consent::MIN_REASON_CHARS {
            return Err(Error::bad_input(
                "reason",
                format!(
                    "write at least {} characters saying why",
                    consent::MIN_REASON_CHARS
                ),
            ));
        }
        let max = rc.policy().max_override_hours;
        if request.hours < 1 || request.hours > i32::try_from(max).unwrap_or(i32::MAX) {
            return Err(Error::bad_input(
                "hours",
                format!("must be between 1 and {max}"),
            ));
        }
        if request.scopes.is_empty() {
            return Err(Error::bad_input("scopes", "name at least one scope"));
        }
        let withhold_reason =
            domain::input::optional_text("withholdReason", request.withhold_reason.as_deref())?;
        if !request.tell_family && withhold_reason.is_none() {
            return Err(Error::bad_input(
                "withholdReason",
                "say why telling the family would put the child at risk",
            ));
        }
        let loaded = rc
            .load(request.child)
            .await?
            .ok_or(Error::NotFound("child"))?;
        let agreement = &loaded.agreement;
        if let Some(outside) = request.scopes.iter().find(|s| {
            !agreement
                .permission(agency.kind, **s, Purpose::Safeguarding)
                .read
        }) {
            return Err(Error::bad_input(
                "scopes",
                format!(
                    "the data-sharing agreement (version {}) does not let {} read {} for safeguarding",
                    agreement.version,
                    agency.kind.label(),
                    outside.code()
                ),
            ));
        }
        let o = Override {
            id: Uuid::now_v7(),
            child_id: request.child,
            declared_by: rc.principal.subject.clone(),
            agency_id: agency.id,
            scopes: request.scopes,
            reason,
            starts_at: rc.now,
            ends_at: rc.now + Duration::hours(i64::from(request.hours)),
            tell_family: request.tell_family,
            withhold_reason,
            review: None,
        };
        let tx = rc.store().traced().await?;
        tx.insert_override(&o).await?;
        let entry = rc
            .child_entry(TraceAction::OverrideDeclared, o.child_id)
            .detail("override_id", o.id)
            .detail("scopes", codes(&o.scopes))
            .detail("hours", request.hours)
            .detail("tell_family", o.tell_family);
        tx.commit(vec![entry]).await?;
        tracing::warn!(override_id = %o.id, hours = request.hours, "safeguarding override declared; queued for IG review");
        Ok(o)
    }
}
