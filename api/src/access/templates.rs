//! Advice templates and the reg 6(1) advice checklist at the door:
//! serving templates to any signed-in caller (no child data in them),
//! publishing a new version (IG admins), checking structured advice
//! against its template (practitioners), and the checklist of an
//! assessment with its "not required" records and the gate on the draft
//! (case officers).

use consent::trace::TraceAction;
use domain::checklist::{self, ChecklistItem, ChildFacts, NotRequired};
use domain::ehc::Assessment;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use domain::template::{AdviceContent, AdviceTemplate, Profession, SectionContent, TemplateRef};
use domain::{ChildId, Scope, Section};
use uuid::Uuid;

use super::{CaseOfficer, IgAdmin, RequestContext};
use crate::error::{Error, Result};

/// An assessment's checklist on today's date.
#[derive(Debug)]
pub struct ChecklistOnFile {
    pub child_id: ChildId,
    pub assessment_id: Uuid,
    pub items: Vec<ChecklistItem>,
}

/// The advice templates one request has read, by version (a published
/// version never changes). One read per version: the first caller reads,
/// concurrent callers of the same version wait for it.
#[derive(Debug, Default)]
pub(super) struct TemplatesRead {
    by_version: Mutex<HashMap<TemplateRef, Arc<tokio::sync::OnceCell<Option<AdviceTemplate>>>>>,
}

impl RequestContext {
    /// The template a piece of advice was written against (`None`: no
    /// longer on file), read at most once per request for each version.
    pub async fn advice_template_at(&self, r: TemplateRef) -> Result<Option<AdviceTemplate>> {
        let cell = {
            let mut by_version = self
                .templates
                .by_version
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            by_version.entry(r).or_default().clone()
        };
        let template = cell
            .get_or_try_init(|| self.store().advice_template(r.profession, Some(r.version)))
            .await?;
        Ok(template.clone())
    }

    /// A profession's advice template: the latest, or a given version.
    /// Templates hold no child data: any signed-in caller may read them,
    /// so partner systems can build their forms.
    pub async fn advice_template(
        &self,
        profession: Profession,
        version: Option<i32>,
    ) -> Result<AdviceTemplate> {
        self.store()
            .advice_template(profession, version)
            .await?
            .ok_or(Error::NotFound("advice template"))
    }

    /// The latest template of each profession.
    pub async fn advice_templates(&self) -> Result<Vec<AdviceTemplate>> {
        Ok(self.store().latest_advice_templates().await?)
    }

    /// Checks structured advice against the latest template of
    /// `profession`.
    pub(super) async fn structured_advice(
        &self,
        profession: Profession,
        sections: Vec<SectionContent>,
    ) -> Result<AdviceContent> {
        let template = self.advice_template(profession, None).await?;
        Ok(template.check(sections)?)
    }
}

impl IgAdmin<'_> {
    /// Publishes the next version of a profession's advice template,
    /// written in the TOML form of `domain/templates/*.toml`.
    pub async fn publish_advice_template(
        &self,
        profession: Profession,
        source: &str,
    ) -> Result<AdviceTemplate> {
        let rc = self.rc;
        let parsed = crate::template::parse(profession, source)?;
        let tx = rc.store().traced().await?;
        let published = tx
            .publish_advice_template(parsed, source, &rc.principal.subject, rc.now)
            .await?;
        tx.commit(vec![
            rc.entry(TraceAction::AdviceTemplatePublished)
                .detail("profession", published.profession)
                .detail("version", published.version),
        ])
        .await?;
        Ok(published)
    }
}

impl CaseOfficer<'_> {
    /// The child's facts the checklist is derived from, read through the
    /// door on the case officer's stated purpose (EHC_ASSESSMENT): date of
    /// birth (IDENTITY), year group and phase (EDUCATION), need codes
    /// (SEN_NEEDS). A withheld section refuses the checklist with the
    /// door's own error: a list derived from facts it could not see would
    /// leave out sources the law requires.
    async fn checklist_facts(&self, child: ChildId) -> Result<ChildFacts> {
        let rc = self.rc;
        let all_about_me_written = rc.store().latest_all_about_me(child).await?.is_some();
        let d = rc
            .open(child)
            .await?
            .ok_or(Error::NoRecord(rc.principal.purpose))?;
        let dob = d.section_by_field(Section::Identity, ["dateOfBirth"], |r| {
            r.identity.date_of_birth
        })?;
        let (year_group, setting_phase) =
            d.section(Scope::Education, ["yearGroup", "settingPhase"], |r| {
                (r.education.year_group.clone(), r.education.setting_phase)
            })?;
        let needs = d.section(Scope::SenNeeds, ["needs"], |r| {
            r.sen_needs.needs.iter().map(|n| n.code).collect()
        })?;
        Ok(ChildFacts {
            date_of_birth: Some(dob.value),
            year_group,
            setting_phase,
            needs,
            all_about_me_written,
        })
    }

    /// The checklist of an assessment already loaded.
    pub(super) async fn checklist_of(&self, a: &Assessment) -> Result<ChecklistOnFile> {
        let rc = self.rc;
        let store = rc.store();
        let facts = self.checklist_facts(a.child_id).await?;
        let (agencies, not_required) = tokio::try_join!(
            store.agencies(),
            store.advice_not_required(a.child_id, a.id)
        )?;
        rc.record(
            rc.child_entry(TraceAction::Read, a.child_id)
                .detail("view", "advice_checklist")
                .detail("assessment_id", a.id),
        );
        Ok(ChecklistOnFile {
            child_id: a.child_id,
            assessment_id: a.id,
            items: checklist::checklist(&facts, a, &agencies, &not_required, rc.today()),
        })
    }

    /// The reg 6(1) advice checklist of an assessment.
    pub async fn advice_checklist(&self, assessment: Uuid) -> Result<ChecklistOnFile> {
        let a = self.find(assessment).await?;
        self.checklist_of(&a).await
    }

    /// Records that one source of advice is not required on an
    /// assessment, and why.
    pub async fn record_advice_not_required(
        &self,
        assessment: Uuid,
        profession: Profession,
        reason: &str,
    ) -> Result<ChecklistOnFile> {
        let rc = self.rc;
        let a = self.find(assessment).await?;
        let n = NotRequired::new(
            Uuid::now_v7(),
            &a,
            profession,
            reason,
            &rc.principal.subject,
            rc.now,
        )?;
        let tx = rc.store().traced().await?;
        tx.insert_advice_not_required(a.child_id, &n).await?;
        tx.commit(vec![
            rc.child_entry(TraceAction::AdviceNotRequired, a.child_id)
                .detail("assessment_id", a.id)
                .detail("profession", profession),
        ])
        .await?;
        self.checklist_of(&a).await
    }
}

/// The profession a request asks: the one given, else the asked agency's
/// default ([`Profession::default_for`]). An agency with no default (the
/// council's own services, youth justice) needs the profession named.
pub(super) fn profession_asked(
    given: Option<Profession>,
    agency: Uuid,
    agencies: &[domain::Agency],
) -> Result<Option<Profession>> {
    if given.is_some() {
        return Ok(given);
    }
    // An unknown agency is the rule's to refuse (agencyId).
    let Some(a) = agencies.iter().find(|a| a.id == agency) else {
        return Ok(None);
    };
    match Profession::default_for(a.kind) {
        Some(p) => Ok(Some(p)),
        None => Err(Error::bad_input(
            "profession",
            format!(
                "name the profession asked: a {} has no default advice template",
                a.kind.label().to_lowercase()
            ),
        )),
    }
}

/// The profession whose template answers a request: its own, else its
/// agency's default (requests made before templates named none).
pub(super) fn profession_answering(
    r: &domain::ehc::AdviceRequest,
    agency_kind: domain::AgencyKind,
) -> Result<Profession> {
    r.answering_profession(agency_kind).ok_or_else(|| {
            Error::bad_input(
                "requestId",
                "this request names no profession and your agency has none by default: ask the case officer to request it again naming the profession",
            )
        })
}

impl CaseOfficer<'_> {
    /// Records that the draft plan was issued, once the checklist allows:
    /// refused while a required source is open, unless the case officer
    /// gives `open_items_reason`, which is kept as the step's note.
    pub async fn issue_draft(
        &self,
        assessment: Uuid,
        on: chrono::NaiveDate,
        open_items_reason: Option<String>,
    ) -> Result<super::AssessmentOnFile> {
        let rc = self.rc;
        let reason = domain::input::long_text("openItemsReason", open_items_reason.as_deref())?;
        if reason
            .as_deref()
            .is_some_and(|r| r.chars().count() > checklist::MAX_REASON)
        {
            return Err(Error::bad_input(
                "openItemsReason",
                format!("must be at most {} characters", checklist::MAX_REASON),
            ));
        }
        let kind = domain::ehc::AssessmentEventKind::DraftIssued;
        let a = self.find(assessment).await?;
        // The regulations' order first: its refusal is the clearer one.
        a.check_step(kind, on, rc.today())?;
        // With a reason the draft goes ahead even if the checklist cannot
        // be derived (facts withheld on the purpose stated); without one,
        // that refusal is the answer.
        let list = match self.checklist_of(&a).await {
            Ok(list) => Some(list),
            Err(e) if reason.is_none() => return Err(e),
            Err(_) => None,
        };
        let open: Option<Vec<String>> = match &list {
            Some(list) => {
                checklist::check_draft(&list.items, reason.as_deref())?;
                Some(
                    list.items
                        .iter()
                        .filter(|i| i.blocks_draft())
                        .map(ChecklistItem::name)
                        .collect(),
                )
            }
            None => None,
        };
        let note = match (reason, open) {
            (Some(r), Some(open)) if !open.is_empty() => Some(format!(
                "Draft issued with open advice checklist items ({}): {r}",
                open.join("; ")
            )),
            (Some(_), Some(_)) => None,
            (Some(r), None) => Some(format!(
                "Draft issued without the advice checklist (not derivable on the purpose stated): {r}"
            )),
            (None, _) => None,
        };
        self.step(assessment, kind, on, None, note).await
    }
}
