//! The EHC plan through the door: the case officer prepares, edits and
//! issues versions (`CaseOfficer`), the family responds to a draft
//! (`Family`), and each reader sees what they may — the council all of
//! it, the family every issued version, an agency the paragraphs whose
//! scope its decision allows, the other sections listed as withheld.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::NaiveDate;
use consent::trace::{TraceAction, TraceEntry};
use consent::{Denial, Role, ScopeDecision};
use domain::ehc::{Assessment, AssessmentEventKind};
use domain::plan::{
    Evidence, ParagraphInput, Placement, Plan, PlanError, PlanResponse, PlanSection, PlanVersion,
    PlanVersionStatus, ResponseInput, VersionKind, answered_advice, compose,
};
use domain::template::TemplateRef;
use domain::{Agency, ChildId, Scope};
use uuid::Uuid;

use super::{CaseOfficer, Family, RequestContext};
use crate::error::{Error, Result};
use store::TracedTxn;

impl From<PlanError> for Error {
    fn from(e: PlanError) -> Self {
        Self::bad_input(e.field(), e.to_string())
    }
}

/// The published templates the advice was written against, by reference:
/// each section feeds the plan section its own template version says.
async fn templates_of(
    rc: &RequestContext,
    advice: &[domain::plan::AdviceEvidence<'_>],
) -> Result<HashMap<TemplateRef, domain::template::AdviceTemplate>> {
    let mut out = HashMap::new();
    for r in advice
        .iter()
        .filter_map(|a| a.contribution.content.as_ref().map(|c| c.template))
    {
        if out.contains_key(&r) {
            continue;
        }
        if let Some(t) = rc.advice_template_at(r).await? {
            out.insert(r, t);
        }
    }
    Ok(out)
}

/// Which plan section a template section feeds: its published template's
/// word, or (for a template no longer on file) the keys' usual sections.
fn feeds(
    templates: &HashMap<TemplateRef, domain::template::AdviceTemplate>,
    template: &TemplateRef,
    key: &str,
) -> Option<PlanSection> {
    match templates.get(template) {
        Some(t) => t.section(key).map(|s| s.feeds),
        None => domain::plan::default_feeds(template, key),
    }
}

/// Who is reading a plan, which decides what they see of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanReader {
    /// The council's case officer: every version, authors and responses.
    Council,
    /// A person with parental responsibility, or the young person: every
    /// issued version in full, and their responses.
    Family,
    /// Another agency: issued versions, the sections its decision allows.
    Agency,
}

/// A section (or part of one) kept from the reader, and why.
#[derive(Debug, Clone)]
pub struct WithheldSection {
    pub section: PlanSection,
    pub scope: Scope,
    pub denial: Denial,
}

/// One version as the reader may see it.
#[derive(Debug, Clone)]
pub struct ShownVersion {
    /// Only what may be shown: withheld paragraphs, appendices and the
    /// placement are left out (and listed in `withheld`).
    pub version: PlanVersion,
    pub withheld: Vec<WithheldSection>,
}

/// A child's plan as one reader may see it.
#[derive(Debug, Clone)]
pub struct ShownPlan {
    pub plan_id: Uuid,
    pub child_id: ChildId,
    pub reader: PlanReader,
    /// Oldest first.
    pub versions: Vec<ShownVersion>,
    /// The family's responses (council and family only).
    pub responses: Vec<PlanResponse>,
    /// The register, to name agencies.
    pub agencies: Vec<Agency>,
    /// For a family reader: whether they may respond to a draft.
    pub responder: Option<Responder>,
}

/// Whether the family member reading a plan may respond to its drafts
/// today (reg 13(1)): the person who decides about SEN information.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Responder {
    MayRespond,
    /// Why not, in words fit to show them.
    MayNot(String),
}

impl ShownPlan {
    /// The latest issued version.
    pub fn latest(&self) -> Option<&ShownVersion> {
        self.versions
            .iter()
            .rfind(|v| v.version.status != PlanVersionStatus::InPreparation)
    }
}

/// The assessment (and so the plan) with this id.
async fn assessment_by_id(rc: &RequestContext, id: Uuid) -> Result<Assessment> {
    let store = rc.store();
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

/// A version composed from the assessment's evidence today.
async fn composed(
    rc: &RequestContext,
    a: &Assessment,
    version: i32,
    kind: VersionKind,
) -> Result<PlanVersion> {
    let store = rc.store();
    let (contributions, all_about_me) = tokio::try_join!(
        store.contributions(a.child_id),
        store.latest_all_about_me(a.child_id)
    )?;
    let evidence = Evidence {
        plan_id: a.id,
        child_id: a.child_id,
        advice: answered_advice(a, &contributions),
        all_about_me: all_about_me.as_ref(),
    };
    let templates = templates_of(rc, &evidence.advice).await?;
    let feeds = |t: &TemplateRef, key: &str| feeds(&templates, t, key);
    Ok(compose(&evidence, &feeds, version, kind))
}

fn plan_entry(rc: &RequestContext, action: TraceAction, v: &PlanVersion) -> TraceEntry {
    rc.child_entry(action, v.child_id)
        .detail("plan_id", v.plan_id)
        .detail("version", v.version)
        .detail("status", v.status)
}

/// The plan's part of an assessment step, inside the step's transaction:
/// issuing the draft issues the version in preparation (composing one
/// first if there is none); issuing the final plan issues the draft with
/// the changes made since, once section I names the setting. Returns the
/// trace entries to commit with the step.
pub(super) async fn on_step(
    rc: &RequestContext,
    tx: &TracedTxn,
    a: &Assessment,
    kind: AssessmentEventKind,
    on: NaiveDate,
) -> Result<Vec<TraceEntry>> {
    let issued = match kind {
        AssessmentEventKind::DraftIssued => {
            let mut plan = rc.store().plan(a.child_id, a.id).await?;
            if plan.working().is_none() {
                let v = composed(rc, a, plan.next_version(), VersionKind::Original).await?;
                plan.versions.push(v);
            }
            plan.issue_draft(on, rc.today())?
        }
        AssessmentEventKind::FinalIssued => rc
            .store()
            .plan(a.child_id, a.id)
            .await?
            .issue_final(on, rc.today())?,
        _ => return Ok(Vec::new()),
    };
    tx.insert_plan_version(&issued, &rc.principal.subject, rc.now)
        .await?;
    Ok(vec![plan_entry(rc, TraceAction::PlanIssued, &issued)])
}

impl CaseOfficer<'_> {
    /// Saves `v` (a version in preparation) with its PLAN_EDITED entry.
    async fn save(&self, tx: TracedTxn, v: &PlanVersion, change: &str) -> Result<()> {
        let rc = self.rc;
        tx.insert_plan_version(v, &rc.principal.subject, rc.now)
            .await?;
        tx.commit(vec![
            plan_entry(rc, TraceAction::PlanEdited, v).detail("change", change),
        ])
        .await?;
        rc.hub.updates.publish(v.child_id, Scope::SenNeeds, None);
        Ok(())
    }

    /// Composes the plan from the assessment's evidence as a version in
    /// preparation, or recomposes the one in preparation from today's
    /// evidence, keeping what the case officer wrote.
    pub async fn prepare_plan(&self, assessment: Uuid) -> Result<PlanVersion> {
        let rc = self.rc;
        // Checked while holding the chain: two preparations cannot race.
        let tx = rc.store().traced().await?;
        let a = assessment_by_id(rc, assessment).await?;
        if a.decision().is_none_or(|(assess, _)| !assess) || a.decided_not_to_issue_on().is_some() {
            return Err(PlanError::NotAssessing.into());
        }
        let plan = rc.store().plan(a.child_id, a.id).await?;
        if plan.latest_final().is_some() {
            return Err(PlanError::Maintained.into());
        }
        let v = match plan.to_edit() {
            Ok(previous) => {
                let fresh = composed(rc, &a, previous.version, previous.kind).await?;
                previous.recomposed(fresh)
            }
            Err(_) => composed(rc, &a, plan.next_version(), VersionKind::Original).await?,
        };
        self.save(tx, &v, "prepared").await?;
        Ok(v)
    }

    /// Replaces the case officer's own paragraphs of one section of the
    /// version in preparation (see `PlanVersion::edit_section`).
    pub async fn edit_plan_section(
        &self,
        assessment: Uuid,
        section: PlanSection,
        paragraphs: Vec<ParagraphInput>,
    ) -> Result<PlanVersion> {
        let rc = self.rc;
        let tx = rc.store().traced().await?;
        let a = assessment_by_id(rc, assessment).await?;
        let mut v = rc.store().plan(a.child_id, a.id).await?.to_edit()?;
        v.edit_section(section, paragraphs, &rc.principal.subject, rc.today())?;
        let change = format!("section {}", section.code());
        self.save(tx, &v, &change).await?;
        Ok(v)
    }

    /// Names the school or other setting in section I of the version in
    /// preparation (after considering the family's request).
    pub async fn set_placement(
        &self,
        assessment: Uuid,
        name: &str,
        kind: &str,
    ) -> Result<PlanVersion> {
        let rc = self.rc;
        let placement = Placement::new(name, kind)?;
        let tx = rc.store().traced().await?;
        let a = assessment_by_id(rc, assessment).await?;
        let mut v = rc.store().plan(a.child_id, a.id).await?.to_edit()?;
        v.placement = Some(placement);
        self.save(tx, &v, "section I").await?;
        Ok(v)
    }

    /// Starts an amendment of a maintained plan: a new version in
    /// preparation copied from the latest final, then edited as any other.
    pub async fn propose_amendment(&self, assessment: Uuid) -> Result<PlanVersion> {
        let rc = self.rc;
        let tx = rc.store().traced().await?;
        let a = assessment_by_id(rc, assessment).await?;
        let v = rc
            .store()
            .plan(a.child_id, a.id)
            .await?
            .propose_amendment()?;
        self.save(tx, &v, "amendment proposed").await?;
        Ok(v)
    }

    /// Issues the amendment in preparation as a draft (reg 22(1)), or the
    /// amended plan as final, at least 15 days after that draft.
    pub async fn issue_amendment(
        &self,
        assessment: Uuid,
        status: PlanVersionStatus,
        on: NaiveDate,
    ) -> Result<PlanVersion> {
        let rc = self.rc;
        let tx = rc.store().traced().await?;
        let a = assessment_by_id(rc, assessment).await?;
        let plan = rc.store().plan(a.child_id, a.id).await?;
        if plan.latest_final().is_none() {
            return Err(PlanError::NotMaintained.into());
        }
        let v = match status {
            PlanVersionStatus::Final => plan.issue_final(on, rc.today())?,
            _ => plan.issue_draft(on, rc.today())?,
        };
        tx.insert_plan_version(&v, &rc.principal.subject, rc.now)
            .await?;
        let mut entries = vec![plan_entry(rc, TraceAction::PlanIssued, &v)];
        // The amended plan concludes the review that decided to amend.
        if status == PlanVersionStatus::Final {
            entries
                .extend(super::review::amended_plan_issued(rc, &tx, a.child_id, a.id, on).await?);
        }
        tx.commit(entries).await?;
        rc.hub.updates.publish(v.child_id, Scope::SenNeeds, None);
        Ok(v)
    }
}

impl Family<'_> {
    /// Whether this family member may respond to a draft of the child's
    /// plan today: they decide about SEN information (a person with
    /// parental responsibility, or the young person past the hand-over).
    pub fn may_respond(&self) -> std::result::Result<(), consent::AuthorityError> {
        let rc = self.rc;
        let person = rc.principal.person_id.clone().unwrap_or_default();
        self.loaded
            .facts
            .core
            .consent_facts(rc.policy().term_start)
            .may_decide(&person, &BTreeSet::from([Scope::SenNeeds]), rc.today())
            .map(|_| ())
    }

    /// The family's response to the latest draft of the plan made by
    /// `assessment` (reg 13(1)): from a person with parental
    /// responsibility or the young person, whoever decides about SEN
    /// information; accepted until the final plan is issued and marked late
    /// after 15 days. Each response is kept.
    pub async fn respond_to_draft(
        &self,
        assessment: Uuid,
        input: ResponseInput,
    ) -> Result<PlanResponse> {
        let rc = self.rc;
        let person = rc.principal.person_id.clone().unwrap_or_default();
        self.may_respond()?;
        let tx = rc.store().traced().await?;
        let plan = rc.store().plan(self.child, assessment).await?;
        let response = plan.respond(input, Uuid::now_v7(), &person, rc.today())?;
        tx.insert_plan_response(self.child, &response, rc.now)
            .await?;
        let entry = rc
            .child_entry(TraceAction::PlanResponse, self.child)
            .detail("plan_id", assessment)
            .detail("version", response.version)
            .detail("within_time", response.within_time)
            .detail("comments", response.comments.len())
            .detail("attachments", response.attachments.len())
            .detail("requested_setting", response.requested_setting.is_some());
        tx.commit(vec![entry]).await?;
        rc.hub.updates.publish(self.child, Scope::SenNeeds, None);
        Ok(response)
    }
}

/// The reader's view of one version: only the paragraphs, appendices and
/// placement whose scope `allowed` says. The sections listed as withheld
/// are those whose own scope the reader is refused, whatever the version
/// holds: a list that followed the content dropped would tell an agency
/// which hidden services wrote about the child.
fn shown(v: PlanVersion, allowed: &dyn Fn(Scope) -> Option<Denial>, council: bool) -> ShownVersion {
    let mut v = v;
    let mut withheld: BTreeMap<(PlanSection, Scope), Denial> = BTreeMap::new();
    v.paragraphs.retain(|p| allowed(p.scope).is_none());
    v.appendices.retain(|a| allowed(a.scope).is_none());
    if v.placement.is_some() && allowed(PlanSection::I.scope()).is_some() {
        v.placement = None;
    }
    for &section in PlanSection::ALL {
        if let Some(denial) = allowed(section.scope()) {
            withheld.insert((section, section.scope()), denial);
        }
    }
    if !council {
        // Who wrote a paragraph (a subject) is for the council only.
        for p in &mut v.paragraphs {
            p.provenance.author.clear();
        }
    }
    ShownVersion {
        version: v,
        withheld: withheld
            .into_iter()
            .map(|((section, scope), denial)| WithheldSection {
                section,
                scope,
                denial,
            })
            .collect(),
    }
}

impl RequestContext {
    /// The child of the plan made by `assessment` (NOT_FOUND as for a
    /// child: what the caller may do with it is decided next).
    pub async fn child_of_plan(&self, assessment: Uuid) -> Result<ChildId> {
        self.store()
            .child_of_assessment(assessment)
            .await?
            .ok_or(Error::NotFound("child"))
    }

    /// The child's plan as the caller may see it: the plan of their latest
    /// assessment that has one, or of `assessment` when named. `None`
    /// when there is no plan; NOT_FOUND when there is no such child or the
    /// caller may see nothing of it (the two alike).
    pub async fn ehc_plan(
        &self,
        child: Option<ChildId>,
        assessment: Option<Uuid>,
    ) -> Result<Option<ShownPlan>> {
        // Before anything is looked up: a missing purpose must not answer
        // differently for a real assessment and a made-up one.
        if self.principal.is_practitioner() {
            self.stated_purpose()?;
        }
        let store = self.store();
        let child = match (child, assessment) {
            (Some(c), _) => c,
            (None, Some(a)) => store
                .child_of_assessment(a)
                .await?
                .ok_or(Error::NotFound("child"))?,
            (None, None) => return Err(Error::NotFound("child")),
        };
        let mut responder = None;
        let reader = if self.case_officer().is_ok() {
            if !store.child_exists(child).await? {
                return Err(Error::NotFound("child"));
            }
            PlanReader::Council
        } else if self.principal.has(Role::Family) || self.principal.has(Role::YoungPerson) {
            let family = self.family(child).await?;
            responder = Some(match family.may_respond() {
                Ok(()) => Responder::MayRespond,
                Err(why) => Responder::MayNot(why.to_string()),
            });
            PlanReader::Family
        } else {
            PlanReader::Agency
        };
        // The family, too, sees only what their view of the record shows
        // them: a Gillick-competent child's confidences, health before the
        // hand-over, a limited holding (LAW.md §2).
        let disclosure = match reader {
            PlanReader::Agency | PlanReader::Family => {
                Some(self.open(child).await?.ok_or(Error::NotFound("child"))?)
            }
            PlanReader::Council => None,
        };
        let mut plan = Plan::default();
        let mut plan_id = None;
        let assessments = store.assessments(child).await?;
        for a in assessments.iter().rev() {
            if assessment.is_some_and(|id| id != a.id) {
                continue;
            }
            let p = store.plan(child, a.id).await?;
            if !p.versions.is_empty() {
                plan = p;
                plan_id = Some(a.id);
                break;
            }
        }
        if assessment.is_some() && !assessments.iter().any(|a| Some(a.id) == assessment) {
            return Err(Error::NotFound("assessment"));
        }
        let Some(plan_id) = plan_id else {
            if disclosure.is_none() {
                self.record(
                    self.child_entry(TraceAction::Read, child)
                        .detail("view", "ehc_plan"),
                );
            }
            return Ok(None);
        };
        let versions: Vec<PlanVersion> = match reader {
            PlanReader::Council => plan.versions,
            _ => plan
                .versions
                .into_iter()
                .filter(|v| v.status != PlanVersionStatus::InPreparation)
                .collect(),
        };
        let responses = match reader {
            PlanReader::Agency => Vec::new(),
            _ => store.plan_responses(child, plan_id).await?,
        };
        let shown_versions = match &disclosure {
            None => {
                self.record(
                    self.child_entry(TraceAction::Read, child)
                        .detail("view", "ehc_plan")
                        .detail("plan_id", plan_id),
                );
                let council = reader == PlanReader::Council;
                versions
                    .into_iter()
                    .map(|v| shown(v, &|_| None, council))
                    .collect()
            }
            Some(d) => {
                if reader == PlanReader::Family {
                    // The family's history names the plan they read.
                    self.record(
                        self.child_entry(TraceAction::Read, child)
                            .detail("view", "ehc_plan")
                            .detail("plan_id", plan_id),
                    );
                }
                // Each scope the plan holds is decided (and traced) once.
                let mut scopes: BTreeSet<Scope> = BTreeSet::new();
                for v in &versions {
                    scopes.extend(v.paragraphs.iter().map(|p| p.scope));
                    scopes.extend(v.appendices.iter().map(|a| a.scope));
                    if v.placement.is_some() {
                        scopes.insert(PlanSection::I.scope());
                    }
                }
                let mut denied: BTreeMap<Scope, Denial> = BTreeMap::new();
                for scope in scopes {
                    if let Err(Error::Withheld(_, denial)) = d.section(scope, ["ehc_plan"], |_| ())
                    {
                        denied.insert(scope, denial);
                    }
                }
                let allowed = |scope: Scope| match d.decision().get(scope) {
                    ScopeDecision::Allowed(_) => None,
                    ScopeDecision::Denied(denial) => Some(
                        denied
                            .get(&scope)
                            .cloned()
                            .unwrap_or_else(|| denial.clone()),
                    ),
                };
                versions
                    .into_iter()
                    .map(|v| shown(v, &allowed, false))
                    .collect()
            }
        };
        Ok(Some(ShownPlan {
            plan_id,
            child_id: child,
            reader,
            versions: shown_versions,
            responses,
            agencies: store.agencies().await?,
            responder,
        }))
    }
}

/// Which version of a plan a document is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VersionWanted {
    /// This version number (the council may name one in preparation).
    Number(i32),
    /// The latest issued version the reader may see.
    LatestIssued,
}

/// Who the plan is for, as far as the door shows IDENTITY to the reader:
/// `None` where it is withheld.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanChild {
    pub name: Option<String>,
    pub date_of_birth: Option<NaiveDate>,
}

/// One version of a plan as one reader may see it, with what a rendering
/// needs: the sections withheld as a whole, the child as far as IDENTITY
/// is shown, the local authority and the register (to name agencies).
#[derive(Debug, Clone)]
pub struct PlanDocument {
    pub reader: PlanReader,
    /// The version as `ehc_plan` shows it (withheld parts left out and
    /// listed).
    pub shown: ShownVersion,
    /// Sections withheld as a whole: something of them (or the section's
    /// own scope, so even an empty section says so) is denied to the
    /// reader and nothing of them is left to show.
    pub withheld_sections: BTreeMap<PlanSection, Denial>,
    /// Sections shown with some of their content kept from the reader
    /// (with the first reason): shown with a note, never silently short.
    pub partly_withheld_sections: BTreeMap<PlanSection, Denial>,
    pub child: PlanChild,
    /// The local authority that maintains the plan (the controller).
    pub local_authority: String,
    pub agencies: Vec<Agency>,
}

impl RequestContext {
    /// One version of the plan made by `assessment` as this reader may see
    /// it, for rendering: the same door as [`RequestContext::ehc_plan`]
    /// (and its trace), then IDENTITY through [`RequestContext::open`] for
    /// the child's name and date of birth. NOT_FOUND alike for no such
    /// plan or version and for one the caller may not see.
    pub async fn plan_document(
        &self,
        assessment: Uuid,
        wanted: VersionWanted,
    ) -> Result<PlanDocument> {
        let not_found = || Error::NotFound("plan version");
        let plan = self
            .ehc_plan(None, Some(assessment))
            .await?
            .ok_or_else(not_found)?;
        let shown = match wanted {
            VersionWanted::LatestIssued => plan.latest().cloned(),
            VersionWanted::Number(n) => plan
                .versions
                .iter()
                .find(|v| v.version.version == n)
                .cloned(),
        }
        .ok_or_else(not_found)?;
        let disclosure = self.open(plan.child_id).await?;
        let mut own_denied = BTreeMap::new();
        let mut child = PlanChild {
            name: None,
            date_of_birth: None,
        };
        if let Some(d) = &disclosure {
            if let Ok((name, dob)) = d.section(
                Scope::Identity,
                ["givenName", "familyName", "dateOfBirth"],
                |r| {
                    (
                        format!("{} {}", r.identity.given_name, r.identity.family_name),
                        r.identity.date_of_birth,
                    )
                },
            ) {
                child = PlanChild {
                    name: Some(name),
                    date_of_birth: Some(dob),
                };
            }
            if plan.reader != PlanReader::Council {
                for &section in PlanSection::ALL {
                    if let Err(Error::Withheld(_, denial)) =
                        d.section(section.scope(), ["ehc_plan"], |_| ())
                    {
                        own_denied.insert(section, denial);
                    }
                }
            }
        } else if plan.reader == PlanReader::Agency {
            return Err(not_found());
        }
        let mut withheld_sections = BTreeMap::new();
        let mut partly_withheld_sections = BTreeMap::new();
        for &section in PlanSection::ALL {
            let reason = shown
                .withheld
                .iter()
                .find(|w| w.section == section)
                .map(|w| &w.denial)
                .or_else(|| own_denied.get(&section));
            let Some(reason) = reason.cloned() else {
                continue;
            };
            let v = &shown.version;
            let left = match section {
                PlanSection::K => !v.appendices.is_empty(),
                PlanSection::I => {
                    v.placement.is_some() || v.paragraphs.iter().any(|p| p.section == section)
                }
                s => v.paragraphs.iter().any(|p| p.section == s),
            };
            if left {
                partly_withheld_sections.insert(section, reason);
            } else {
                withheld_sections.insert(section, reason);
            }
        }
        Ok(PlanDocument {
            reader: plan.reader,
            shown,
            withheld_sections,
            partly_withheld_sections,
            child,
            local_authority: self.policy().controller.name.clone(),
            agencies: plan.agencies,
        })
    }
}
