//! Storage for "tell it once": all-about-me versions, contributions and EHC
//! needs assessments. Rows are only ever inserted.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use domain::ehc::{AdviceAnswer, AdviceAnswerMode, AdviceRequest, Assessment, AssessmentEvent};
use domain::{AllAboutMe, AllAboutMeVersion, ChildId, Contribution, WrittenAs};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::entities::{
    advice_answer, advice_request, advice_request_attachment, advice_reuse_confirmation,
    all_about_me_version, assessment, assessment_event, contribution, involvement,
};
use super::trace::TracedTxn;
use super::{Result, Store, StoreError, code};

fn aam_of(v: &all_about_me_version::Model) -> Result<AllAboutMeVersion> {
    Ok(AllAboutMeVersion {
        version: v.version,
        content: AllAboutMe {
            what_matters: v.what_matters.clone(),
            how_to_support: v.how_to_support.clone(),
            aspirations: v.aspirations.clone(),
            history: v.history.clone(),
        },
        written_by: v.written_by.clone(),
        written_as: code(&v.written_as)?,
        written_at: v.written_at,
    })
}

fn contribution_of(c: &contribution::Model) -> Result<Contribution> {
    Ok(Contribution {
        id: c.id,
        child_id: c.child_id,
        scope: code(&c.scope)?,
        agency_id: c.agency_id,
        agency_kind: code(&c.agency_kind)?,
        author: c.author.clone(),
        kind: code(&c.kind)?,
        title: c.title.clone(),
        needs: c.needs.clone(),
        outcomes: c.outcomes.clone(),
        provision: c.provision.clone(),
        notes: c.notes.clone(),
        content: c
            .content
            .as_deref()
            .map(serde_json::from_str)
            .transpose()
            .map_err(|e| StoreError::Corrupt(format!("advice content: {e}")))?,
        supersedes: c.supersedes,
        created_at: c.created_at,
    })
}

/// One person's confirmation that existing advice is still sufficient for
/// an advice request (SEND Regulations 2014 reg 6(4)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReuseConfirmation {
    pub id: Uuid,
    pub request_id: Uuid,
    pub contribution_id: Uuid,
    pub party: domain::ehc::ReuseParty,
    /// The person's own subject, where known: their sign-in, or the
    /// advice's author. A family's confirmation on paper names no one.
    pub confirmed_by: Option<String>,
    /// Their own sign-in (DIGITAL), or written or verbal, recorded by a
    /// case officer with its evidence.
    pub capture: consent::Capture,
    pub at: DateTime<Utc>,
}

fn confirmation_of(c: &advice_reuse_confirmation::Model) -> Result<ReuseConfirmation> {
    Ok(ReuseConfirmation {
        id: c.id,
        request_id: c.request_id,
        contribution_id: c.contribution_id,
        party: code(&c.party)?,
        confirmed_by: c.confirmed_by.clone(),
        capture: consent::Capture::from_parts(
            code(&c.method)?,
            c.recorded_by.clone(),
            c.evidence.clone(),
        )
        .ok_or_else(|| StoreError::Corrupt(format!("reuse confirmation {}: capture", c.id)))?,
        at: c.confirmed_at,
    })
}

/// An advice request with where it belongs.
#[derive(Debug, Clone)]
pub struct AdviceRequestRef {
    pub child_id: ChildId,
    pub assessment_id: Uuid,
    pub request: AdviceRequest,
}

impl Store {
    /// Every version of a child's "all about me", oldest first.
    #[tracing::instrument(name = "db.all_about_me_versions", skip_all, fields(otel.kind = "client", db.system.name = self.system_name(), db.operation.name = "all_about_me_versions"))]
    pub async fn all_about_me_versions(&self, child_id: ChildId) -> Result<Vec<AllAboutMeVersion>> {
        all_about_me_version::Entity::find()
            .filter(all_about_me_version::Column::ChildId.eq(child_id))
            .order_by_asc(all_about_me_version::Column::Version)
            .all(&self.db)
            .await?
            .iter()
            .map(aam_of)
            .collect()
    }

    /// The latest version, if the family has written one.
    pub async fn latest_all_about_me(
        &self,
        child_id: ChildId,
    ) -> Result<Option<AllAboutMeVersion>> {
        all_about_me_version::Entity::find()
            .filter(all_about_me_version::Column::ChildId.eq(child_id))
            .order_by_desc(all_about_me_version::Column::Version)
            .one(&self.db)
            .await?
            .as_ref()
            .map(aam_of)
            .transpose()
    }

    /// Every contribution to a child's record, oldest first.
    #[tracing::instrument(name = "db.contributions", skip_all, fields(otel.kind = "client", db.system.name = self.system_name(), db.operation.name = "contributions"))]
    pub async fn contributions(&self, child_id: ChildId) -> Result<Vec<Contribution>> {
        contribution::Entity::find()
            .filter(contribution::Column::ChildId.eq(child_id))
            .order_by_asc(contribution::Column::CreatedAt)
            .order_by_asc(contribution::Column::Id)
            .all(&self.db)
            .await?
            .iter()
            .map(contribution_of)
            .collect()
    }

    pub async fn contribution(&self, id: Uuid) -> Result<Option<Contribution>> {
        contribution::Entity::find()
            .filter(contribution::Column::Id.eq(id))
            .one(&self.db)
            .await?
            .as_ref()
            .map(contribution_of)
            .transpose()
    }

    /// A child's assessments, with their events and advice, oldest first.
    pub async fn assessments(&self, child_id: ChildId) -> Result<Vec<Assessment>> {
        self.assessments_of(&[child_id]).await
    }

    /// The assessments of several children, with their events and advice,
    /// oldest first: the same five statements however many children.
    #[tracing::instrument(name = "db.assessments", skip_all, fields(otel.kind = "client", db.system.name = self.system_name(), db.operation.name = "assessments"))]
    pub async fn assessments_of(&self, children: &[ChildId]) -> Result<Vec<Assessment>> {
        if children.is_empty() {
            return Ok(Vec::new());
        }
        let db = &self.db;
        let ids = || children.iter().copied();
        let (rows, events, requests, answers, attachments) = tokio::try_join!(
            assessment::Entity::find()
                .filter(assessment::Column::ChildId.is_in(ids()))
                .order_by_asc(assessment::Column::CreatedAt)
                .all(db),
            assessment_event::Entity::find()
                .filter(assessment_event::Column::ChildId.is_in(ids()))
                .order_by_asc(assessment_event::Column::RecordedAt)
                .all(db),
            advice_request::Entity::find()
                .filter(advice_request::Column::ChildId.is_in(ids()))
                .order_by_asc(advice_request::Column::AskedOn)
                .order_by_asc(advice_request::Column::Id)
                .all(db),
            advice_answer::Entity::find()
                .filter(advice_answer::Column::ChildId.is_in(ids()))
                .all(db),
            advice_request_attachment::Entity::find()
                .filter(advice_request_attachment::Column::ChildId.is_in(ids()))
                .all(db),
        )?;
        let answers: HashMap<Uuid, &advice_answer::Model> =
            answers.iter().map(|a| (a.request_id, a)).collect();
        let mut attached: HashMap<Uuid, Vec<&str>> = HashMap::new();
        for a in &attachments {
            attached.entry(a.request_id).or_default().push(&a.scope);
        }
        rows.iter()
            .map(|a| {
                Ok(Assessment {
                    id: a.id,
                    child_id: a.child_id,
                    request_received_on: a.request_received_on,
                    events: events
                        .iter()
                        .filter(|e| e.assessment_id == a.id)
                        .map(|e| {
                            Ok(AssessmentEvent {
                                id: e.id,
                                kind: code(&e.kind)?,
                                on: e.on_date,
                                exception: e.exception.as_deref().map(code).transpose()?,
                                limit: e.time_limit.as_deref().map(code).transpose()?,
                                advice_request_id: e.advice_request_id,
                                note: e.note.clone(),
                            })
                        })
                        .collect::<Result<_>>()?,
                    advice: requests
                        .iter()
                        .filter(|r| r.assessment_id == a.id)
                        .map(|r| {
                            let mut request = request_of(r, answers.get(&r.id).copied())?;
                            for scope in attached.get(&r.id).into_iter().flatten() {
                                request.attachments.insert(code(scope)?);
                            }
                            Ok(request)
                        })
                        .collect::<Result<_>>()?,
                })
            })
            .collect()
    }

    /// The facts that bind purposes for a child: assessments (with advice
    /// requests, answers and attachments) and involvements.
    #[tracing::instrument(name = "db.case_facts", skip_all, fields(otel.kind = "client", db.system.name = self.system_name(), db.operation.name = "case_facts"))]
    pub async fn case_facts(&self, child_id: ChildId) -> Result<consent::CaseFacts> {
        let (assessments, involvements, ceased) = tokio::try_join!(
            self.assessments(child_id),
            async {
                Ok(involvement::Entity::find()
                    .filter(involvement::Column::ChildId.eq(child_id))
                    .all(&self.db)
                    .await?)
            },
            self.ceased_plans(child_id)
        )?;
        let involvements = involvements
            .iter()
            .map(|i| consent::InvolvementFact {
                id: i.id,
                agency_id: i.agency_id,
                since: i.since,
                until: i.until,
            })
            .collect();
        Ok(consent::CaseFacts::new(&assessments, involvements).ceased(&ceased))
    }

    /// The child of an assessment.
    pub async fn child_of_assessment(&self, id: Uuid) -> Result<Option<ChildId>> {
        Ok(assessment::Entity::find()
            .filter(assessment::Column::Id.eq(id))
            .one(&self.db)
            .await?
            .map(|a| a.child_id))
    }

    /// One advice request.
    pub async fn advice_request(&self, id: Uuid) -> Result<Option<AdviceRequestRef>> {
        let Some(r) = advice_request::Entity::find()
            .filter(advice_request::Column::Id.eq(id))
            .one(&self.db)
            .await?
        else {
            return Ok(None);
        };
        let answer = advice_answer::Entity::find()
            .filter(advice_answer::Column::RequestId.eq(id))
            .one(&self.db)
            .await?;
        Ok(Some(AdviceRequestRef {
            child_id: r.child_id,
            assessment_id: r.assessment_id,
            request: request_of(&r, answer.as_ref())?,
        }))
    }

    /// Advice requests addressed to an agency, oldest first.
    #[tracing::instrument(name = "db.advice_requests_for_agency", skip_all, fields(otel.kind = "client", db.system.name = self.system_name(), db.operation.name = "advice_requests_for_agency"))]
    pub async fn advice_requests_for_agency(
        &self,
        agency_id: Uuid,
    ) -> Result<Vec<AdviceRequestRef>> {
        let (requests, answers) = tokio::try_join!(
            advice_request::Entity::find()
                .filter(advice_request::Column::AgencyId.eq(agency_id))
                .order_by_asc(advice_request::Column::DueOn)
                .all(&self.db),
            advice_answer::Entity::find().all(&self.db),
        )?;
        let answers: HashMap<Uuid, &advice_answer::Model> =
            answers.iter().map(|a| (a.request_id, a)).collect();
        requests
            .iter()
            .map(|r| {
                Ok(AdviceRequestRef {
                    child_id: r.child_id,
                    assessment_id: r.assessment_id,
                    request: request_of(r, answers.get(&r.id).copied())?,
                })
            })
            .collect()
    }
}

impl Store {
    /// Every confirmation of reuse recorded for a child's advice requests,
    /// oldest first.
    #[tracing::instrument(name = "db.reuse_confirmations", skip_all, fields(otel.kind = "client", db.system.name = self.system_name(), db.operation.name = "reuse_confirmations"))]
    pub async fn reuse_confirmations(&self, child_id: ChildId) -> Result<Vec<ReuseConfirmation>> {
        advice_reuse_confirmation::Entity::find()
            .filter(advice_reuse_confirmation::Column::ChildId.eq(child_id))
            .order_by_asc(advice_reuse_confirmation::Column::ConfirmedAt)
            .order_by_asc(advice_reuse_confirmation::Column::Id)
            .all(&self.db)
            .await?
            .iter()
            .map(confirmation_of)
            .collect()
    }
}

pub(crate) fn request_of(
    r: &advice_request::Model,
    answer: Option<&advice_answer::Model>,
) -> Result<AdviceRequest> {
    Ok(AdviceRequest {
        id: r.id,
        agency_id: r.agency_id,
        scope: code(&r.scope)?,
        profession: r.profession.as_deref().map(code).transpose()?,
        attachments: Default::default(),
        asked_on: r.asked_on,
        due_on: r.due_on,
        target_on: r.target_on,
        answer: match answer {
            Some(a) => Some(AdviceAnswer {
                contribution_id: a.contribution_id,
                mode: code(&a.mode)?,
                answered_on: a.answered_on,
            }),
            None => None,
        },
    })
}

impl TracedTxn {
    /// Writes the next version of "all about me"; returns its number.
    pub async fn insert_all_about_me(
        &self,
        child_id: ChildId,
        content: &AllAboutMe,
        written_by: &str,
        written_as: WrittenAs,
        at: DateTime<Utc>,
    ) -> Result<i32> {
        let latest = all_about_me_version::Entity::find()
            .filter(all_about_me_version::Column::ChildId.eq(child_id))
            .order_by_desc(all_about_me_version::Column::Version)
            .one(&self.txn)
            .await?
            .map_or(0, |v| v.version);
        let version = latest + 1;
        all_about_me_version::Entity::insert(all_about_me_version::ActiveModel {
            child_id: Set(child_id),
            id: Set(Uuid::now_v7()),
            version: Set(version),
            what_matters: Set(content.what_matters.clone()),
            how_to_support: Set(content.how_to_support.clone()),
            aspirations: Set(content.aspirations.clone()),
            history: Set(content.history.clone()),
            written_by: Set(written_by.to_owned()),
            written_as: Set(written_as.code().to_owned()),
            written_at: Set(at),
        })
        .exec(&self.txn)
        .await?;
        Ok(version)
    }

    pub async fn insert_contribution(&self, c: &Contribution) -> Result<()> {
        contribution::Entity::insert(contribution::ActiveModel {
            child_id: Set(c.child_id),
            id: Set(c.id),
            scope: Set(c.scope.code().to_owned()),
            agency_id: Set(c.agency_id),
            agency_kind: Set(c.agency_kind.code().to_owned()),
            author: Set(c.author.clone()),
            kind: Set(c.kind.code().to_owned()),
            title: Set(c.title.clone()),
            needs: Set(c.needs.clone()),
            outcomes: Set(c.outcomes.clone()),
            provision: Set(c.provision.clone()),
            notes: Set(c.notes.clone()),
            content: Set(c
                .content
                .as_ref()
                .map(serde_json::to_string)
                .transpose()
                .map_err(|e| StoreError::Corrupt(format!("advice content: {e}")))?),
            supersedes: Set(c.supersedes),
            created_at: Set(c.created_at),
        })
        .exec(&self.txn)
        .await?;
        Ok(())
    }

    pub async fn insert_assessment(
        &self,
        a: &Assessment,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<()> {
        assessment::Entity::insert(assessment::ActiveModel {
            child_id: Set(a.child_id),
            id: Set(a.id),
            request_received_on: Set(a.request_received_on),
            started_by: Set(by.to_owned()),
            created_at: Set(at),
            imported: Set(false),
        })
        .exec(&self.txn)
        .await?;
        Ok(())
    }

    pub async fn insert_assessment_event(
        &self,
        child_id: ChildId,
        assessment_id: Uuid,
        e: &AssessmentEvent,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<()> {
        assessment_event::Entity::insert(assessment_event::ActiveModel {
            child_id: Set(child_id),
            id: Set(e.id),
            assessment_id: Set(assessment_id),
            kind: Set(e.kind.code().to_owned()),
            on_date: Set(e.on),
            exception: Set(e.exception.map(|x| x.code().to_owned())),
            time_limit: Set(e.limit.map(|x| x.code().to_owned())),
            advice_request_id: Set(e.advice_request_id),
            note: Set(e.note.clone()),
            recorded_by: Set(by.to_owned()),
            recorded_at: Set(at),
        })
        .exec(&self.txn)
        .await?;
        Ok(())
    }

    pub async fn insert_advice_request(
        &self,
        child_id: ChildId,
        assessment_id: Uuid,
        r: &AdviceRequest,
        by: &str,
    ) -> Result<()> {
        advice_request::Entity::insert(advice_request::ActiveModel {
            child_id: Set(child_id),
            id: Set(r.id),
            assessment_id: Set(assessment_id),
            agency_id: Set(r.agency_id),
            scope: Set(r.scope.code().to_owned()),
            profession: Set(r.profession.map(|p| p.code().to_owned())),
            asked_on: Set(r.asked_on),
            due_on: Set(r.due_on),
            target_on: Set(r.target_on),
            asked_by: Set(by.to_owned()),
        })
        .exec(&self.txn)
        .await?;
        if !r.attachments.is_empty() {
            advice_request_attachment::Entity::insert_many(r.attachments.iter().map(|s| {
                advice_request_attachment::ActiveModel {
                    child_id: Set(child_id),
                    request_id: Set(r.id),
                    scope: Set(s.code().to_owned()),
                }
            }))
            .exec(&self.txn)
            .await?;
        }
        Ok(())
    }

    /// Records the answer to a request; a second answer is refused.
    #[allow(clippy::too_many_arguments)]
    pub async fn insert_advice_answer(
        &self,
        child_id: ChildId,
        request_id: Uuid,
        contribution_id: Uuid,
        mode: AdviceAnswerMode,
        author_confirmed: bool,
        family_confirmed: bool,
        on: NaiveDate,
        by: &str,
    ) -> Result<()> {
        advice_answer::Entity::insert(advice_answer::ActiveModel {
            child_id: Set(child_id),
            id: Set(Uuid::now_v7()),
            request_id: Set(request_id),
            contribution_id: Set(contribution_id),
            mode: Set(mode.code().to_owned()),
            author_confirmed: Set(author_confirmed),
            family_confirmed: Set(family_confirmed),
            answered_on: Set(on),
            answered_by: Set(by.to_owned()),
        })
        .exec(&self.txn)
        .await?;
        Ok(())
    }

    /// Records one person's confirmation of reuse; a second by the same
    /// party for the same request and contribution is refused
    /// ([`crate::Constraint::ReuseConfirmationParty`]).
    pub async fn insert_reuse_confirmation(
        &self,
        child_id: ChildId,
        c: &ReuseConfirmation,
    ) -> Result<()> {
        advice_reuse_confirmation::Entity::insert(advice_reuse_confirmation::ActiveModel {
            child_id: Set(child_id),
            id: Set(c.id),
            request_id: Set(c.request_id),
            contribution_id: Set(c.contribution_id),
            party: Set(c.party.code().to_owned()),
            confirmed_by: Set(c.confirmed_by.clone()),
            method: Set(c.capture.method().code().to_owned()),
            recorded_by: Set(c.capture.recorded_by().map(str::to_owned)),
            evidence: Set(c.capture.evidence().map(str::to_owned)),
            confirmed_at: Set(c.at),
        })
        .exec(&self.txn)
        .await?;
        Ok(())
    }
}
