//! Pieces the demo assessments are built from: advice (free text or
//! written against a published template), requests, answers, events, and
//! a plan version composed from the answered advice the way the door
//! composes it (`crate::access::plan`).

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use domain::ehc::{
    AdviceAnswer, AdviceAnswerMode, AdviceRequest, Assessment, AssessmentEvent,
    AssessmentEventKind, weeks_after,
};
use domain::plan::{Evidence, PlanSection, PlanVersion, VersionKind, answered_advice, compose};
use domain::template::{Profession, ProvisionItem, SectionContent, TemplateRef};
use domain::{
    AgencyKind, AllAboutMe, AllAboutMeVersion, ChildId, Contribution, ContributionKind, Scope,
    WrittenAs,
};
use uuid::Uuid;

use super::id::id;
use super::record::s;
use crate::error::{Error, Result};

/// Who wrote a piece of advice, for which agency and in which scope.
pub(super) struct Author<'a> {
    pub agency: (Uuid, AgencyKind),
    pub scope: Scope,
    pub subject: &'a str,
}

/// Free-text advice.
pub(super) fn free_text(
    n: u128,
    child: ChildId,
    by: &Author<'_>,
    title: &str,
    (needs, provision): (&str, &str),
    at: DateTime<Utc>,
) -> Contribution {
    Contribution {
        id: id(0x800 + n),
        child_id: child,
        scope: by.scope,
        agency_id: by.agency.0,
        agency_kind: by.agency.1,
        author: by.subject.to_owned(),
        kind: ContributionKind::Advice,
        title: title.to_owned(),
        needs: s(needs),
        outcomes: None,
        provision: s(provision),
        notes: None,
        supersedes: None,
        created_at: at,
        content: None,
    }
}

/// A text section of structured advice.
pub(super) fn text(key: &str, text: &str) -> SectionContent {
    SectionContent {
        key: key.to_owned(),
        text: s(text),
        provision: Vec::new(),
    }
}

/// A provision section: each item (what, who, how often, how long).
pub(super) fn provision(key: &str, items: &[[&str; 4]]) -> SectionContent {
    SectionContent {
        key: key.to_owned(),
        text: None,
        provision: items
            .iter()
            .map(|[what, who, how_often, how_long]| ProvisionItem {
                what: (*what).to_owned(),
                who: (*who).to_owned(),
                how_often: (*how_often).to_owned(),
                how_long: (*how_long).to_owned(),
            })
            .collect(),
    }
}

/// Advice written against `profession`'s published template, checked as
/// `submitAdvice` checks it.
pub(super) async fn structured(
    store: &store::Store,
    n: u128,
    child: ChildId,
    by: &Author<'_>,
    profession: Profession,
    sections: Vec<SectionContent>,
    at: DateTime<Utc>,
) -> Result<Contribution> {
    let template = store
        .advice_template(profession, None)
        .await?
        .ok_or(Error::NotFound("advice template"))?;
    let content = template.check(sections)?;
    Ok(Contribution {
        content: Some(content),
        needs: None,
        provision: None,
        ..free_text(n, child, by, &template.title, ("", ""), at)
    })
}

/// A request for advice, asked on `asked_on` and due six weeks later.
pub(super) fn request(
    n: u128,
    agency: Uuid,
    scope: Scope,
    profession: Option<Profession>,
    asked_on: NaiveDate,
) -> AdviceRequest {
    AdviceRequest {
        id: id(n),
        agency_id: agency,
        scope,
        attachments: [Scope::SenNeeds, Scope::Education].into(),
        asked_on,
        due_on: weeks_after(asked_on, 6),
        answer: None,
        profession,
        target_on: None,
    }
}

/// An assessment step on `on`.
pub(super) fn event(n: u128, kind: AssessmentEventKind, on: NaiveDate) -> AssessmentEvent {
    AssessmentEvent {
        id: id(n),
        kind,
        on,
        exception: None,
        note: None,
        advice_request_id: None,
        limit: None,
    }
}

/// Writes the requests and their answers: each request with the advice
/// that answered it and how, on which day and by whom. Returns the
/// requests as answered, for composing the plan.
pub(super) async fn ask_and_answer(
    tx: &store::TracedTxn,
    child: ChildId,
    assessment: Uuid,
    answered: Vec<(
        AdviceRequest,
        &Contribution,
        AdviceAnswerMode,
        NaiveDate,
        &str,
    )>,
) -> Result<Vec<AdviceRequest>> {
    let mut out = Vec::new();
    for (mut r, advice, mode, on, by) in answered {
        tx.insert_advice_request(child, assessment, &r, "demo-case-officer")
            .await?;
        tx.insert_contribution(advice).await?;
        let reused = mode == AdviceAnswerMode::Reused;
        tx.insert_advice_answer(child, r.id, advice.id, mode, true, reused, on, by)
            .await?;
        r.answer = Some(AdviceAnswer {
            contribution_id: advice.id,
            mode,
            answered_on: on,
        });
        out.push(r);
    }
    Ok(out)
}

/// Writes the family's "all about me" (section A of the plan) as its
/// first version, by `person` on `at`.
pub(super) async fn family_views(
    tx: &store::TracedTxn,
    child: ChildId,
    content: AllAboutMe,
    person: &str,
    at: DateTime<Utc>,
) -> Result<AllAboutMeVersion> {
    let version = tx
        .insert_all_about_me(child, &content, person, WrittenAs::Parent, at)
        .await?;
    Ok(AllAboutMeVersion {
        version,
        content,
        written_by: person.to_owned(),
        written_as: WrittenAs::Parent,
        written_at: at,
    })
}

/// A version in preparation composed from the assessment's answered
/// advice and the family's views, each template section in the plan
/// section its published template says.
pub(super) async fn composed(
    store: &store::Store,
    a: &Assessment,
    contributions: &[Contribution],
    all_about_me: &AllAboutMeVersion,
) -> Result<PlanVersion> {
    let evidence = Evidence {
        plan_id: a.id,
        child_id: a.child_id,
        advice: answered_advice(a, contributions),
        all_about_me: Some(all_about_me),
    };
    let mut templates = HashMap::new();
    for r in evidence
        .advice
        .iter()
        .filter_map(|e| e.contribution.content.as_ref().map(|c| c.template))
    {
        if let Some(t) = store.advice_template(r.profession, Some(r.version)).await? {
            templates.insert(r, t);
        }
    }
    let feeds = |t: &TemplateRef, key: &str| -> Option<PlanSection> {
        match templates.get(t) {
            Some(template) => template.section(key).map(|s| s.feeds),
            None => domain::plan::default_feeds(t, key),
        }
    };
    Ok(compose(&evidence, &feeds, 1, VersionKind::Original))
}
