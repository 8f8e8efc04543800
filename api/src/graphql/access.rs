//! The one door to a child's record. [`open_child`] takes the access
//! decision once per (request, child) and loads only what it allows;
//! [`ChildView`] then hands out each section only through `ChildView::section`,
//! which turns a denial into null plus an error at the field's path. No other
//! code in the API reads record content.

use std::sync::Arc;

use async_graphql::{Context, ID, Object, OutputType};
use chrono::{DateTime, Utc};
use consent::{AccessDecision, DecisionInput, Override, Principal, Role, ScopeDecision};
use domain::{ChildId, ChildRecord, Scope};

use consent::trace::{TraceAction, TraceEntry, TraceOutcome};

use super::types::{Gql, OverrideNotice, ScopeAccess};
use crate::error::{Error, Result};
use crate::trace::{Recorder, entry_for};
use store::{ChildCore, ConsentState, Store};

/// Rules of the deployment that resolvers apply.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Named as the data controller on consent receipts.
    pub controller: String,
    /// The longest a safeguarding override may last.
    pub max_override_hours: u32,
    /// Whether families see which practitioner looked, or only the agency.
    pub show_practitioners_to_families: bool,
}

/// Per-request data: who asks, why, and the store. Built by the HTTP layer
/// from a verified token.
#[derive(Debug, Clone)]
pub struct RequestContext {
    pub principal: Principal,
    pub request_id: String,
    pub store: Store,
    pub policy: Arc<Policy>,
    /// Collects this request's trace entries.
    pub recorder: Arc<Recorder>,
    /// The OpenTelemetry trace id, stored in trace entries.
    pub trace_id: Option<String>,
    /// Announces changes to live subscriptions.
    pub updates: crate::updates::Updates,
    /// Appends trace entries directly (live updates, outside a request).
    pub trace: crate::trace::TraceWriter,
    /// The request's clock, passed to decisions.
    pub now: DateTime<Utc>,
}

impl RequestContext {
    /// A trace entry for this request.
    pub fn entry(&self, action: TraceAction) -> TraceEntry {
        let mut entry = entry_for(&self.principal, action, &self.request_id, self.now);
        entry.trace_id.clone_from(&self.trace_id);
        entry
    }

    /// A trace entry about one child.
    pub fn child_entry(&self, action: TraceAction, child: ChildId) -> TraceEntry {
        let mut entry = self.entry(action);
        entry.child_id = Some(child);
        entry
    }
}

/// Loads what every decision about a child needs, fresh for this request:
/// identity and family, consent facts, and the agreement in force.
pub async fn load_child(
    rc: &RequestContext,
    id: ChildId,
) -> Result<Option<(ChildCore, ConsentState, consent::Agreement)>> {
    let (core, state, agreement) = tokio::try_join!(
        rc.store.child_core(id),
        rc.store.consent_state(id),
        rc.store.current_agreement()
    )?;
    Ok(core.map(|core| (core, state, agreement)))
}

/// The request context of a resolver.
pub fn request<'a>(ctx: &Context<'a>) -> Result<&'a RequestContext> {
    ctx.data::<RequestContext>()
        .map_err(|_| Error::Internal(anyhow::anyhow!("request context missing")))
}

/// Loads a child's facts fresh and decides every scope for the caller at
/// `now` (inside a `consent.decide` span: counts and basis kinds only).
/// `None` when there is no such child.
pub async fn decide_child(
    rc: &RequestContext,
    id: ChildId,
    now: DateTime<Utc>,
) -> Result<Option<(ChildCore, ConsentState, AccessDecision)>> {
    let Some((core, state, agreement)) = load_child(rc, id).await? else {
        return Ok(None);
    };
    let facts = core.consent_facts();
    let input = DecisionInput {
        child: &facts,
        grants: &state.grants,
        overrides: &state.overrides,
        agreement: &agreement,
        now,
    };
    let span = tracing::info_span!(
        "consent.decide",
        allowed = tracing::field::Empty,
        withheld = tracing::field::Empty,
        bases = tracing::field::Empty
    );
    let decision = span.in_scope(|| consent::decide(&rc.principal, &input));
    let mut kinds: Vec<&str> = decision
        .iter()
        .filter_map(|(_, d)| match d {
            ScopeDecision::Allowed(b) => Some(b.kind.code()),
            ScopeDecision::Denied(_) => None,
        })
        .collect();
    kinds.sort_unstable();
    kinds.dedup();
    let allowed = decision.iter().filter(|(_, d)| d.is_allowed()).count();
    span.record("allowed", allowed);
    span.record("withheld", domain::Scope::COUNT - allowed);
    span.record("bases", kinds.join(","));
    Ok(Some((core, state, decision)))
}

/// Stands in for a child id that a lookup did not find, so that the
/// not-found path runs the same queries as the found-but-hidden one.
pub const NO_CHILD: ChildId = uuid::Uuid::nil();

/// Opens a child's record for the caller, or `None` when there is no such
/// child *or* the caller may see nothing of it: the two are
/// indistinguishable, in the answer, the trace and the work done.
pub async fn open_child(rc: &RequestContext, id: ChildId) -> Result<Option<ChildView>> {
    let principal = &rc.principal;
    if principal.is_practitioner() && principal.purpose.is_none() {
        return Err(Error::bad_input(
            "X-Purpose-Of-Use",
            "practitioners must state a purpose of use: DIRECT_SUPPORT, EHC_ASSESSMENT, ANNUAL_REVIEW or SAFEGUARDING",
        ));
    }
    let decided = decide_child(rc, id, rc.now).await?;
    let Some((core, state, decision)) = decided.filter(|(_, _, d)| d.any_allowed()) else {
        // No such child, or nothing the caller may see: the same entry is
        // traced either way, so the two answers take the same work and time
        // (no existence oracle, not even by timing); the caller learns
        // nothing.
        let mut entry = rc
            .entry(TraceAction::Read)
            .detail("result", "nothing may be disclosed");
        entry.child_id = Some(id).filter(|id| !id.is_nil());
        entry.outcome = TraceOutcome::Denied;
        rc.recorder.event(entry);
        return Ok(None);
    };
    rc.recorder.opened(id, &decision);
    let record = rc.store.load_record(&core, &decision).await?;
    // Overrides the caller may know of: a family sees those it is to be told
    // about; a lead sees their own.
    let is_family = decision.iter().any(
        |(_, d)| matches!(d, ScopeDecision::Allowed(b) if b.kind == consent::BasisKind::Family),
    );
    let overrides = state
        .overrides
        .into_iter()
        .filter(|o| {
            if is_family {
                o.tell_family
            } else {
                o.held_by(principal)
            }
        })
        .collect();
    Ok(Some(ChildView {
        record,
        decision,
        overrides,
        recorder: rc.recorder.clone(),
    }))
}

/// For family-only operations: the child's facts if the caller is a family
/// member who may view the record, else NOT_FOUND (as for no child at all).
pub async fn open_as_family(
    rc: &RequestContext,
    id: ChildId,
) -> Result<(ChildCore, ConsentState, consent::Agreement)> {
    let principal = &rc.principal;
    let not_found = Error::NotFound("child");
    let Some(person) = principal.person_id.as_deref() else {
        return Err(not_found);
    };
    let Some((core, state, agreement)) = load_child(rc, id).await? else {
        return Err(not_found);
    };
    let facts = core.consent_facts();
    let young_person = principal.has(Role::YoungPerson);
    let family = principal.has(Role::Family);
    if facts
        .family_view(person, young_person, family, rc.now.date_naive())
        .is_err()
    {
        return Err(not_found);
    }
    Ok((core, state, agreement))
}

/// A child's record as one caller may see it in one request.
#[derive(Debug)]
pub struct ChildView {
    record: ChildRecord,
    decision: AccessDecision,
    overrides: Vec<Override>,
    recorder: Arc<Recorder>,
}

type Section<T> = async_graphql::Result<Option<T>>;

impl ChildView {
    /// The only way out for record content: `value` if the decision allows
    /// `scope`, else null with a CONSENT_REQUIRED / NOT_PERMITTED error.
    ///
    /// Either way the trace records it: the selected field names if
    /// disclosed, the scope and reason if withheld.
    fn section<T: OutputType>(
        &self,
        ctx: &Context<'_>,
        scope: Scope,
        value: impl FnOnce(&ChildRecord) -> T,
    ) -> Section<T> {
        let decision = self.decision.get(scope);
        let section = domain::Section::of_scope(scope).code();
        let field = ctx.field();
        let fields: Vec<String> = field
            .selection_set()
            .map(|f| format!("{section}.{}", f.name()))
            .collect();
        self.recorder
            .touched(self.record.id, scope, decision, fields);
        match decision {
            ScopeDecision::Allowed(_) => Ok(Some(value(&self.record))),
            // Null in `data` with this error at the path (the guard
            // extension does that for every nullable field).
            ScopeDecision::Denied(denial) => Err(Error::Withheld(scope, denial.clone()).into()),
        }
    }
}

/// One child's unified record. Each section is null, with an error at its
/// path, when the caller may not see its scope.
#[Object(name = "ChildRecord")]
impl ChildView {
    /// The hub's opaque id for the child.
    async fn id(&self) -> ID {
        ID(self.record.id.to_string())
    }

    /// For each scope: may you see it, on which basis, or why not (so you
    /// know what to ask the family for).
    async fn access(&self) -> Vec<ScopeAccess> {
        self.decision
            .iter()
            .map(|(scope, d)| ScopeAccess::new(scope, d, self.decision.agreement_version))
            .collect()
    }

    async fn identity(&self, ctx: &Context<'_>) -> Section<Gql<domain::Identity>> {
        self.section(ctx, Scope::Identity, |r| Gql(r.identity.clone()))
    }

    async fn family(&self, ctx: &Context<'_>) -> Section<Vec<Gql<domain::FamilyMember>>> {
        self.section(ctx, Scope::Family, |r| {
            r.family.iter().cloned().map(Gql).collect()
        })
    }

    async fn all_about_me(&self, ctx: &Context<'_>) -> Section<Gql<domain::AllAboutMe>> {
        self.section(ctx, Scope::AllAboutMe, |r| Gql(r.all_about_me.clone()))
    }

    async fn education(&self, ctx: &Context<'_>) -> Section<Gql<domain::Education>> {
        self.section(ctx, Scope::Education, |r| Gql(r.education.clone()))
    }

    async fn sen_needs(&self, ctx: &Context<'_>) -> Section<Gql<domain::SenNeeds>> {
        self.section(ctx, Scope::SenNeeds, |r| Gql(r.sen_needs.clone()))
    }

    async fn psychology(&self, ctx: &Context<'_>) -> Section<Gql<domain::Psychology>> {
        self.section(ctx, Scope::Psychology, |r| Gql(r.psychology.clone()))
    }

    async fn physical_health(&self, ctx: &Context<'_>) -> Section<Gql<domain::PhysicalHealth>> {
        self.section(ctx, Scope::PhysicalHealth, |r| {
            Gql(r.physical_health.clone())
        })
    }

    async fn communication(&self, ctx: &Context<'_>) -> Section<Gql<domain::Communication>> {
        self.section(ctx, Scope::Communication, |r| Gql(r.communication.clone()))
    }

    async fn sensory_physical(&self, ctx: &Context<'_>) -> Section<Gql<domain::SensoryPhysical>> {
        self.section(ctx, Scope::SensoryPhysical, |r| {
            Gql(r.sensory_physical.clone())
        })
    }

    async fn mental_health(&self, ctx: &Context<'_>) -> Section<Gql<domain::MentalHealth>> {
        self.section(ctx, Scope::MentalHealth, |r| Gql(r.mental_health.clone()))
    }

    async fn social_care(&self, ctx: &Context<'_>) -> Section<Gql<domain::SocialCare>> {
        self.section(ctx, Scope::SocialCare, |r| Gql(r.social_care.clone()))
    }

    async fn preparing_for_adulthood(
        &self,
        ctx: &Context<'_>,
    ) -> Section<Gql<domain::PreparingForAdulthood>> {
        self.section(ctx, Scope::PreparingForAdulthood, |r| {
            Gql(r.preparing_for_adulthood.clone())
        })
    }

    async fn restricted(&self, ctx: &Context<'_>) -> Section<Vec<Gql<domain::RestrictedItem>>> {
        self.section(ctx, Scope::Restricted, |r| {
            r.restricted.iter().cloned().map(Gql).collect()
        })
    }

    /// Safeguarding overrides on this record that you may know of: for the
    /// family, those the lead did not withhold from them; for a lead, their own.
    async fn safeguarding_overrides(&self) -> Vec<OverrideNotice> {
        self.overrides.iter().map(OverrideNotice::from).collect()
    }

    /// Contributions from agencies, with their provenance: your own
    /// agency's always; others' where you may see their scope.
    async fn contributions(
        &self,
        ctx: &Context<'_>,
        scope: Option<super::types::Scope>,
        #[graphql(default)] include_superseded: bool,
    ) -> async_graphql::Result<Vec<super::tell::ContributionView>> {
        let rc = request(ctx)?;
        let mut all = rc
            .store
            .contributions(self.record.id)
            .await
            .map_err(Error::from)?;
        if let Some(scope) = scope {
            let scope: Scope = scope.into();
            all.retain(|c| c.scope == scope);
        }
        let field = ctx.field();
        let fields: Vec<String> = field
            .selection_set()
            .map(|f| format!("contributions.{}", f.name()))
            .collect();
        Ok(super::tell::visible_contributions(
            rc,
            self.record.id,
            all,
            &self.decision,
            &fields,
            include_superseded,
        ))
    }

    /// Services involved with the child ("team around the child"). Only
    /// involvements whose service scope you may see are listed: the list
    /// never reveals that a hidden service is involved.
    async fn involvements(&self, ctx: &Context<'_>) -> Vec<Gql<domain::Involvement>> {
        let shown: Vec<_> = self
            .record
            .involvements
            .iter()
            .filter(|i| self.decision.is_allowed(i.scope()))
            .cloned()
            .collect();
        let scopes: std::collections::BTreeSet<Scope> = shown.iter().map(|i| i.scope()).collect();
        let fields: Vec<String> = ctx
            .field()
            .selection_set()
            .map(|f| format!("involvements.{}", f.name()))
            .collect();
        for scope in scopes {
            self.recorder.touched(
                self.record.id,
                scope,
                self.decision.get(scope),
                fields.clone(),
            );
        }
        shown.into_iter().map(Gql).collect()
    }
}
