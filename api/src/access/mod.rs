//! The one door to a child's record, below every front end.
//!
//! A front end (GraphQL today; web pages, FHIR and subject-access exports
//! next) turns a verified token into a [`consent::Principal`], asks the
//! [`Hub`] for a [`RequestContext`], and from then on reaches data only
//! through it:
//!
//! - record content through [`RequestContext::open`] → [`Disclosure`], whose
//!   [`Disclosure::section`] decides each scope and records the disclosed
//!   field names (or the withheld scope) for the trace;
//! - everything else through capability handles that exist only when the
//!   principal holds the role — [`RequestContext::case_officer`],
//!   [`RequestContext::ig`], [`RequestContext::ig_admin`],
//!   [`RequestContext::practitioner`], [`RequestContext::safeguarding_lead`],
//!   [`RequestContext::address_keeper`],
//!   [`RequestContext::family`] — and [`RequestContext::consent`] for consent
//!   decisions, whose authority is decided per child. Each operation writes
//!   its own trace entry; no front end writes one by hand.
//!
//! When the front end has answered, [`RequestContext::finish`] makes the
//! request's read entries durable; nothing may leave before it returns `Ok`.
//! No module here knows HTTP or GraphQL.

mod address;
mod agencies;
mod backup;
mod case_officer;
mod consenting;
mod disclosure;
mod family;
mod ig;
mod import;
mod live;
mod log;
mod plan;
mod practitioner;
mod report;
mod reuse;
mod review;
mod safeguarding;
mod sharing;
mod standing;
mod templates;

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use consent::trace::{TraceAction, TraceEntry, TraceOutcome};
use consent::{
    AccessDecision, Agreement, DecisionInput, FamilyRole, Principal, Role, ScopeDecision,
};
use domain::{Agency, AgencyKind, ChildId, NhsNumber};

pub use address::AddressKeeper;
pub use agencies::{IMPORT_COLUMNS, ImportOutcome, ImportReport, ImportRow, MAX_IMPORT_ROWS};
pub use backup::BackupTaken;
pub use case_officer::{
    AdviceOnFile, AdviceWanted, AssessmentOnFile, CaseOfficer, ReuseFacts, ReusedAdvice,
};
pub use consenting::{ConsentRecord, Consenting, GrantAsk, WithdrawAsk};
pub use disclosure::{Disclosure, Partial, ShownContribution};
pub use family::{Family, HistoryFilter, HistoryPage, Look};
pub use ig::{ExportFormat, Ig, IgAdmin, RecordedConsentPage, ReviewCounts, TracePage};
pub use import::{ChildOutcome, Importer, describe as describe_error};
pub use live::Notice;
pub use plan::{
    PlanChild, PlanDocument, PlanReader, Responder, ShownPlan, ShownVersion, VersionWanted,
    WithheldSection,
};
pub use practitioner::{ContributionDraft, Practitioner};
pub use report::{ReportFormat, Reporter, SEN2_MAX_PAGE, Sen2Page, Sen2Row};
pub use review::{MeetingOnFile, ReviewsOnFile, StepAsk};
pub use safeguarding::{OverrideApprover, OverrideAsk, SafeguardingLead};
pub use standing::{CapacityAsk, CompetenceAsk, DeputyAsk, Viewer, WhoDecides};
pub use templates::ChecklistOnFile;

use crate::error::{Error, Result};
use crate::trace::{Recorder, TraceWriter, entry_for};
use crate::updates::Updates;
use store::Store;
pub use store::{NewChild, TraceFilter, TraceRow};

/// Rules of the deployment that the door applies.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Named as the data controller on consent receipts, with its contact
    /// details and privacy notice.
    pub controller: consent::Controller,
    /// The privacy-notice version recorded with each new grant.
    pub notice_version: String,
    /// How long a withdrawal blocks a practitioner's record of the same
    /// scope from taking effect without the family.
    pub reopen_window: consent::ReopenWindow,
    /// The longest a safeguarding override may last.
    pub max_override_hours: u32,
    /// Hours from declaring an override to its review deadline.
    pub override_review_hours: u32,
    /// Whether families see which practitioner looked, or only the agency.
    pub show_practitioners_to_families: bool,
    /// The LA's autumn term start, for the end of compulsory school age.
    pub term_start: consent::TermStart,
    /// The review interval for under-5s (annual reviews).
    pub review: domain::review::ReviewPolicy,
    /// The verifiable log's public key, when the hub signs checkpoints.
    pub log_key: Option<String>,
    /// The witnesses whose co-signatures the hub keeps.
    pub witness_keys: Vec<String>,
}

/// What every request's door is built from, shared by all front ends.
/// The door's policy from the settings: the controller named on receipts,
/// the re-open window, override limits, the term start and review policy.
impl Policy {
    /// The policy the settings give: the controller named on receipts, the
    /// re-open window, override limits, the term start and review policy.
    pub fn from_settings(settings: &crate::config::Settings) -> Self {
        Self {
            controller: consent::Controller {
                name: settings.controller.clone(),
                address: settings.receipts.controller_address.clone(),
                email: settings.receipts.controller_email.clone(),
                phone: settings.receipts.controller_phone.clone(),
                privacy_notice_url: settings.receipts.privacy_notice_url.clone(),
            },
            notice_version: settings.receipts.privacy_notice_version.clone(),
            reopen_window: consent::ReopenWindow {
                days: settings.receipts.reopen_window_days,
            },
            max_override_hours: settings.max_override_hours,
            override_review_hours: settings.override_review_hours,
            show_practitioners_to_families: settings.show_practitioners_to_families,
            term_start: settings.term_start,
            review: settings.review,
            log_key: settings
                .log_signer
                .as_ref()
                .map(|s| s.public_key().to_owned()),
            witness_keys: settings.witness_keys.clone(),
        }
    }
}

/// Cheap to clone.
#[derive(Debug, Clone)]
pub struct Hub {
    store: Store,
    trace: TraceWriter,
    updates: Updates,
    policy: Arc<Policy>,
}

impl Hub {
    pub fn new(store: Store, trace: TraceWriter, updates: Updates, policy: Policy) -> Self {
        Self {
            store,
            trace,
            updates,
            policy: Arc::new(policy),
        }
    }

    /// The context of one request by `principal`, on the request's clock.
    pub fn request(
        &self,
        principal: Principal,
        request_id: String,
        trace_id: Option<String>,
        now: DateTime<Utc>,
    ) -> RequestContext {
        RequestContext {
            principal,
            request_id,
            now,
            trace_id,
            hub: self.clone(),
            recorder: Arc::new(Recorder::default()),
            agencies: Arc::default(),
            templates: Arc::default(),
        }
    }

    pub fn policy(&self) -> &Policy {
        &self.policy
    }
}

/// One request: who asks, why, when, and what it has disclosed so far.
/// Clones share the request's trace recorder (a batch's operations are one
/// request).
#[derive(Debug, Clone)]
pub struct RequestContext {
    pub principal: Principal,
    pub request_id: String,
    /// The request's clock, passed to every decision.
    pub now: DateTime<Utc>,
    /// The OpenTelemetry trace id, stored in trace entries.
    trace_id: Option<String>,
    hub: Hub,
    recorder: Arc<Recorder>,
    /// The agency register, read once per request however many fields
    /// name an agency (no request changes the register).
    agencies: Arc<tokio::sync::OnceCell<Vec<Agency>>>,
    /// Advice templates by version, each read once per request however
    /// many contributions were written against it: concurrent resolvers
    /// of one list wait on the same read (templates::TemplatesRead).
    templates: Arc<templates::TemplatesRead>,
}

/// Stands in for a child id that a lookup did not find, so that the
/// not-found path runs the same queries as the found-but-hidden one.
const NO_CHILD: ChildId = uuid::Uuid::nil();

/// What every decision about a child needs, as the database holds it now
/// (kept in memory by version: `store::facts`).
struct Loaded {
    /// Identity, family, who decides; grants and overrides; casework
    /// (assessments, plans, advice requests, involvements: what binds
    /// purposes to facts).
    facts: Arc<store::ChildFacts>,
    agreement: Arc<Agreement>,
}

impl RequestContext {
    pub fn policy(&self) -> &Policy {
        &self.hub.policy
    }

    pub fn today(&self) -> NaiveDate {
        self.now.date_naive()
    }

    /// Makes this request's entries durable: one READ per child opened, then
    /// every other entry its operations recorded. Nothing may be sent to the
    /// caller unless this returns `Ok`.
    pub async fn finish(&self) -> Result<()> {
        let entries = self.recorder.entries(
            &self.principal,
            &self.request_id,
            self.trace_id.as_deref(),
            self.now,
        )?;
        self.hub.trace.append(entries).await
    }

    fn store(&self) -> &Store {
        &self.hub.store
    }

    /// A trace entry for this request.
    fn entry(&self, action: TraceAction) -> TraceEntry {
        let mut entry = entry_for(&self.principal, action, &self.request_id, self.now);
        entry.trace_id.clone_from(&self.trace_id);
        if self.principal.is_practitioner() {
            // What the operation is for by its nature (an assessment step is
            // for the assessment, whatever the header said).
            entry.purpose = action.inherent_purpose().or(entry.purpose);
        }
        entry
    }

    /// A trace entry about one child.
    fn child_entry(&self, action: TraceAction, child: ChildId) -> TraceEntry {
        let mut entry = self.entry(action);
        entry.child_id = Some(child);
        entry
    }

    /// True when the caller's agency has a recorded, current involvement
    /// with the child (a "legitimate relationship"), as the decision's
    /// DIRECT_SUPPORT rule asks.
    fn works_with(&self, case: &consent::CaseFacts) -> bool {
        self.principal
            .agency
            .is_some_and(|a| case.involvement(a.id, self.today()).is_some())
    }

    /// Records an entry to be made durable with the request's reads.
    fn record(&self, entry: TraceEntry) {
        self.recorder.event(entry);
    }

    /// A child's facts. When the caller may see nothing of the child (or
    /// there is no such child) and the facts came from memory, they are
    /// read again from the database: a hidden child and a missing one cost
    /// the same work, however recently someone else looked (no existence
    /// oracle, not even through the cache).
    async fn load(&self, id: ChildId) -> Result<Option<Loaded>> {
        self.load_at(id, self.now).await
    }

    /// [`RequestContext::load`], judging "sees nothing" at `now` (the time
    /// the caller's decision is taken at).
    async fn load_at(&self, id: ChildId, now: DateTime<Utc>) -> Result<Option<Loaded>> {
        let store = self.store();
        let mut read = store.facts(id).await?;
        let sees_something = |read: &store::FactsRead| {
            read.child.as_ref().is_some_and(|facts| {
                let child = facts.core.consent_facts(self.policy().term_start);
                let input = DecisionInput {
                    child: &child,
                    grants: &facts.state.grants,
                    overrides: &facts.state.overrides,
                    case: &facts.case,
                    agreement: &read.agreement,
                    now,
                };
                consent::decide(&self.principal, &input).any_allowed()
            })
        };
        if read.kept.is_some() && !sees_something(&read) {
            store.read_facts_again(id, &mut read).await?;
        }
        let store::FactsRead {
            child, agreement, ..
        } = read;
        Ok(child.map(|facts| Loaded { facts, agreement }))
    }

    /// Loads a child's facts fresh and decides every scope for the caller at
    /// `now` (inside a `consent.decide` span: counts and basis kinds only).
    async fn decide(
        &self,
        id: ChildId,
        now: DateTime<Utc>,
    ) -> Result<Option<(Loaded, AccessDecision)>> {
        // Boxed: the joined loads make a large future, and every front end
        // awaits this one inside its own.
        let Some(loaded) = Box::pin(self.load_at(id, now)).await? else {
            return Ok(None);
        };
        let facts = loaded.facts.core.consent_facts(self.policy().term_start);
        let input = DecisionInput {
            child: &facts,
            grants: &loaded.facts.state.grants,
            overrides: &loaded.facts.state.overrides,
            case: &loaded.facts.case,
            agreement: &loaded.agreement,
            now,
        };
        let span = tracing::info_span!(
            "consent.decide",
            allowed = tracing::field::Empty,
            withheld = tracing::field::Empty,
            bases = tracing::field::Empty
        );
        let decision = span.in_scope(|| consent::decide(&self.principal, &input));
        crate::metrics::decision(&decision);
        let mut kinds: Vec<&str> = decision
            .iter()
            .filter_map(|(_, d)| match d {
                ScopeDecision::Allowed(b) => Some(b.kind().code()),
                ScopeDecision::Denied(_) => None,
            })
            .collect();
        kinds.sort_unstable();
        kinds.dedup();
        let allowed = decision.iter().filter(|(_, d)| d.is_allowed()).count();
        span.record("allowed", allowed);
        span.record("withheld", domain::Scope::COUNT - allowed);
        span.record("bases", kinds.join(","));
        Ok(Some((loaded, decision)))
    }

    /// Opens a child's record for the caller, or `None` when there is no such
    /// child *or* the caller may see nothing of it: the two are
    /// indistinguishable, in the answer, the trace and the work done.
    pub async fn open(&self, id: ChildId) -> Result<Option<Disclosure>> {
        self.open_parts(id, store::RecordParts::all()).await
    }

    /// [`RequestContext::open`], reading from the database only the parts
    /// of the record the front end will show (the decision and the trace
    /// are the same). A section outside `parts` answers INTERNAL rather
    /// than an empty value.
    pub async fn open_parts(
        &self,
        id: ChildId,
        parts: store::RecordParts,
    ) -> Result<Option<Disclosure>> {
        let principal = &self.principal;
        if principal.is_practitioner() {
            self.stated_purpose()?;
        }
        let decided = self.decide(id, self.now).await?;
        let Some((loaded, decision)) = decided.filter(|(_, d)| d.any_allowed()) else {
            // No such child, or nothing the caller may see: the same entry is
            // traced either way, so the two answers take the same work and
            // time (no existence oracle, not even by timing).
            let mut entry = self
                .entry(TraceAction::Read)
                .detail("result", "nothing may be disclosed");
            entry.child_id = Some(id).filter(|id| !id.is_nil());
            entry.outcome = TraceOutcome::Denied;
            self.record(entry);
            return Ok(None);
        };
        self.recorder.opened(id, &decision);
        let record = self
            .store()
            .load_record(&loaded.facts.core, &decision, &parts)
            .await?;
        // Overrides the caller may know of: a family sees those it is to be
        // told about; a lead sees their own.
        let is_family = decision.iter().any(
            |(_, d)| matches!(d, ScopeDecision::Allowed(b) if b.kind() == consent::BasisKind::Family),
        );
        let overrides = loaded
            .facts
            .state
            .overrides
            .iter()
            .filter(|o| {
                if is_family {
                    o.family_may_be_told(self.now)
                } else {
                    o.held_by(principal)
                }
            })
            .cloned()
            .collect();
        Ok(Some(Disclosure::new(
            record,
            parts,
            decision,
            overrides,
            principal.agency.map(|a| a.id),
            self.recorder.clone(),
            self.store().clone(),
        )))
    }

    /// Finds a child by NHS number and date of birth (both must match) and
    /// opens the record. The search is traced with whether it matched, never
    /// with the number; no match opens no child the same way a hidden match
    /// does.
    pub async fn open_by_nhs_number(
        &self,
        nhs: &NhsNumber,
        date_of_birth: NaiveDate,
    ) -> Result<Option<Disclosure>> {
        let found = self.store().find_by_nhs_number(nhs, date_of_birth).await?;
        let mut entry = self
            .entry(TraceAction::Search)
            .detail("by", "nhs_number_and_date_of_birth")
            .detail("matched", found.is_some());
        entry.child_id = found;
        self.record(entry);
        self.open(found.unwrap_or(NO_CHILD)).await
    }

    /// The records of the children the caller holds as family: as a person
    /// with parental responsibility, or as the young person.
    pub async fn my_children(&self) -> Result<Vec<Disclosure>> {
        let Some(person) = self.principal.person_id.as_deref() else {
            return Ok(Vec::new());
        };
        let mut views = Vec::new();
        for id in self.store().children_of_person(person).await? {
            if let Some(view) = self.open(id).await? {
                views.push(view);
            }
        }
        Ok(views)
    }

    /// The agencies that work with the hub (the register is public to every
    /// signed-in caller).
    pub async fn agencies(&self) -> Result<Vec<Agency>> {
        let register = self
            .agencies
            .get_or_try_init(|| self.store().agencies())
            .await?;
        Ok(register.clone())
    }

    /// The data-sharing agreement in force, or a given version (public).
    pub async fn agreement(&self, version: Option<i32>) -> Result<Agreement> {
        match version {
            Some(v) => self
                .store()
                .agreement_version(v)
                .await?
                .ok_or(Error::NotFound("agreement version")),
            None => Ok(self.store().current_agreement().await?),
        }
    }

    /// Case officers of the council SEND team.
    /// Every practitioner operation states why (UK GDPR Art 5(1)(b), (d)):
    /// the family's history never shows a blank purpose.
    pub(crate) fn stated_purpose(&self) -> Result<consent::Purpose> {
        self.principal.purpose.ok_or_else(|| {
            Error::bad_input(
                "X-Purpose-Of-Use",
                "practitioners must state a purpose of use: DIRECT_SUPPORT, EHC_ASSESSMENT, ANNUAL_REVIEW or SAFEGUARDING",
            )
        })
    }

    pub fn case_officer(&self) -> Result<CaseOfficer<'_>> {
        let p = &self.principal;
        if p.agency_kind() == Some(AgencyKind::LaSend) && p.has(Role::CaseOfficer) {
            self.stated_purpose()?;
            Ok(CaseOfficer { rc: self })
        } else {
            Err(Error::Forbidden(
                "only a case officer (role case_officer) of the council SEND team (agency kind la_send) may do this".into(),
            ))
        }
    }

    /// Information-governance staff (auditors and admins).
    pub fn ig(&self) -> Result<Ig<'_>> {
        if self.principal.is_ig() {
            Ok(Ig { rc: self })
        } else {
            Err(Error::Forbidden(
                "only information-governance staff (ig_auditor, ig_admin, caldicott_guardian) may read the access trace"
                    .into(),
            ))
        }
    }

    /// IG administrators, who publish agreements.
    pub fn ig_admin(&self) -> Result<IgAdmin<'_>> {
        if self.principal.has(Role::IgAdmin) {
            Ok(IgAdmin { rc: self })
        } else {
            Err(Error::Forbidden(
                "only an IG administrator (ig_admin) may do this: publish agreements and keep the agency register".into(),
            ))
        }
    }

    /// A practitioner of a registered agency.
    pub fn practitioner(&self) -> Result<Practitioner<'_>> {
        match (self.principal.is_practitioner(), self.principal.agency) {
            (true, Some(agency)) => {
                self.stated_purpose()?;
                Ok(Practitioner { rc: self, agency })
            }
            _ => Err(Error::Forbidden(
                "only an agency's practitioner may do this: advice and contributions come from agencies".into(),
            )),
        }
    }

    /// A case officer or safeguarding lead of children's social care or the
    /// council SEND team, who may withhold a child's address
    /// (`consent::AddressWithheld::may_keep`).
    pub fn address_keeper(&self) -> Result<AddressKeeper<'_>> {
        consent::AddressWithheld::may_keep(&self.principal)?;
        self.stated_purpose()?;
        Ok(AddressKeeper { rc: self })
    }

    /// A designated safeguarding lead of an agency.
    pub fn safeguarding_lead(&self) -> Result<SafeguardingLead<'_>> {
        match (self.principal.has(Role::SafeguardingLead), self.principal.agency) {
            (true, Some(agency)) => {
                self.stated_purpose()?;
                Ok(SafeguardingLead { rc: self, agency })
            }
            _ => Err(Error::Forbidden(
                "only a designated safeguarding lead (role safeguarding_lead) may declare an override".into(),
            )),
        }
    }

    /// Another safeguarding lead or a Caldicott Guardian, who may give an
    /// override its second approval.
    pub fn override_approver(&self) -> Result<OverrideApprover<'_>> {
        if self.principal.has(Role::SafeguardingLead) || self.principal.has(Role::CaldicottGuardian)
        {
            if self.principal.is_practitioner() {
                self.stated_purpose()?;
            }
            Ok(OverrideApprover { rc: self })
        } else {
            Err(Error::Forbidden(
                consent::ApprovalError::NotAnApprover.to_string(),
            ))
        }
    }

    /// The caller as family of `child`: a person with parental
    /// responsibility who may view the record, or the young person. Anyone
    /// else — and a child that does not exist — gets the same NOT_FOUND.
    pub async fn family(&self, child: ChildId) -> Result<Family<'_>> {
        let not_found = Error::NotFound("child");
        let Some(person) = self.principal.person_id.as_deref() else {
            return Err(not_found);
        };
        let Some(loaded) = self.load(child).await? else {
            return Err(not_found);
        };
        if !self.views_as_family(person, &loaded) {
            return Err(not_found);
        }
        Ok(Family {
            rc: self,
            child,
            loaded,
        })
    }

    /// Whether `person` (the caller) may view this child's record as family.
    /// Whether the family view of `person` holds every one of `scopes`:
    /// the sharing of a part is about that part (a competent child's own
    /// decision is not a parent's to read).
    fn family_sees_all(
        &self,
        person: &str,
        loaded: &Loaded,
        scopes: &std::collections::BTreeSet<domain::Scope>,
    ) -> bool {
        FamilyRole::of(&self.principal).is_some_and(|role| {
            loaded
                .facts
                .core
                .consent_facts(self.policy().term_start)
                .family_view(person, role, self.today())
                .is_ok_and(|view| scopes.iter().all(|s| view.scope(*s).is_ok()))
        })
    }

    fn views_as_family(&self, person: &str, loaded: &Loaded) -> bool {
        FamilyRole::of(&self.principal).is_some_and(|role| {
            loaded
                .facts
                .core
                .consent_facts(self.policy().term_start)
                .family_view(person, role, self.today())
                .is_ok()
        })
    }

    /// Consent decisions and receipts. Anyone may ask; who may decide is
    /// settled per child by consent authority (`consent::ChildFacts`).
    pub fn consent(&self) -> Consenting<'_> {
        Consenting { rc: self }
    }
}
