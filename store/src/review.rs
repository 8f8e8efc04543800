//! Storage for annual reviews (migration 16): review cycles, their reg 20
//! facts (rows only inserted), cessations, phase transfers set by the
//! council, and imported plans. The plan status a record shows is derived
//! here from those facts and the assessments (`domain::review::plan_status`).
//!
//! The entities of these tables live in this module (`entity`), beside the
//! only code that reads them.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use domain::ehc::{Assessment, AssessmentEvent};
use domain::review::{
    Decision, PhaseTransfer, PlanReviews, ReviewCycle, ReviewEvent, ReviewFact, ReviewStep,
    TransferKind,
};
use domain::{ChildId, SenNeeds};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::entities::{assessment, assessment_event};
use super::trace::TracedTxn;
use super::{Result, Store, StoreError, code};

/// The sea-orm shapes of migration 16's tables.
mod entity {
    macro_rules! keyed {
        ($module:ident, $table:literal { $($field:ident : $ty:ty),* $(,)? }) => {
            pub mod $module {
                use sea_orm::entity::prelude::*;

                #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
                #[sea_orm(table_name = $table)]
                pub struct Model {
                    #[sea_orm(primary_key, auto_increment = false)]
                    pub child_id: Uuid,
                    #[sea_orm(primary_key, auto_increment = false)]
                    pub id: Uuid,
                    $(pub $field: $ty,)*
                }

                #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
                pub enum Relation {}

                impl ActiveModelBehavior for ActiveModel {}
            }
        };
    }

    keyed!(annual_review, "annual_review" {
        plan_id: Uuid,
        starts_on: Date,
        due_on: Date,
        imported: bool,
        concluded_on: Option<Date>,
        opened_by: String,
        opened_at: DateTimeUtc,
    });

    keyed!(annual_review_step, "annual_review_step" {
        review_id: Uuid,
        step: String,
        on_date: Date,
        meeting_on: Option<Date>,
        family_invited: bool,
        decision: Option<String>,
        cease_ground: Option<String>,
        appeal_rights_notified: bool,
        family_consulted: bool,
        recorded_by: String,
        recorded_at: DateTimeUtc,
    });

    keyed!(plan_cessation, "plan_cessation" {
        plan_id: Uuid,
        review_id: Uuid,
        ceased_on: Date,
        ground: String,
        recorded_by: String,
        recorded_at: DateTimeUtc,
    });

    keyed!(phase_transfer, "phase_transfer" {
        plan_id: Uuid,
        from_phase: Option<String>,
        to_phase: String,
        transfer_on: Date,
        set_by: String,
        set_at: DateTimeUtc,
    });

    pub mod annual_review_invitee {
        use sea_orm::entity::prelude::*;

        #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
        #[sea_orm(table_name = "annual_review_invitee")]
        pub struct Model {
            #[sea_orm(primary_key, auto_increment = false)]
            pub child_id: Uuid,
            #[sea_orm(primary_key, auto_increment = false)]
            pub step_id: Uuid,
            #[sea_orm(primary_key, auto_increment = false)]
            pub agency_kind: String,
        }

        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {}

        impl ActiveModelBehavior for ActiveModel {}
    }
}

use entity::{
    annual_review, annual_review_invitee, annual_review_step, phase_transfer, plan_cessation,
};

/// A plan (an assessment with a final plan) and everything about its
/// reviews.
#[derive(Debug, Clone)]
pub struct PlanOnFile {
    pub child_id: ChildId,
    /// The assessment that made the plan.
    pub assessment: Assessment,
    /// Made before the hub: its 20-week figures are unknown.
    pub imported: bool,
    pub reviews: PlanReviews,
    /// A transfer the council set (the latest), if any.
    pub transfer_set: Option<PhaseTransfer>,
}

fn fact_of(
    s: &annual_review_step::Model,
    invitees: &HashMap<Uuid, BTreeSet<domain::AgencyKind>>,
) -> Result<ReviewFact> {
    let step: ReviewStep = code(&s.step)?;
    let corrupt = |what: &str| StoreError::Corrupt(format!("review step {}: {what}", s.id));
    let event = match step {
        ReviewStep::MeetingSet => ReviewEvent::MeetingSet {
            meeting_on: s.meeting_on.ok_or_else(|| corrupt("no meeting date"))?,
        },
        ReviewStep::InvitationsSent => ReviewEvent::InvitationsSent {
            invited: invitees.get(&s.id).cloned().unwrap_or_default(),
            family: s.family_invited,
        },
        ReviewStep::PapersCirculated => ReviewEvent::PapersCirculated,
        ReviewStep::MeetingHeld => ReviewEvent::MeetingHeld,
        ReviewStep::ReportSent => ReviewEvent::ReportSent,
        ReviewStep::Decision => {
            let kind: domain::review::ReviewDecision = code(
                s.decision
                    .as_deref()
                    .ok_or_else(|| corrupt("no decision"))?,
            )?;
            ReviewEvent::Decided(match kind {
                domain::review::ReviewDecision::Maintain => Decision::Maintain,
                domain::review::ReviewDecision::Amend => Decision::Amend,
                domain::review::ReviewDecision::Cease => Decision::Cease(code(
                    s.cease_ground
                        .as_deref()
                        .ok_or_else(|| corrupt("no ground"))?,
                )?),
            })
        }
        ReviewStep::AmendedPlanIssued => ReviewEvent::AmendedPlanIssued,
    };
    Ok(ReviewFact {
        id: s.id,
        on: s.on_date,
        event,
    })
}

/// Runs a select, in the store's error type (so it joins with the store's
/// own reads).
async fn db_all<E: EntityTrait>(
    select: sea_orm::Select<E>,
    db: &sea_orm::DatabaseConnection,
) -> Result<Vec<E::Model>> {
    Ok(select.all(db).await?)
}

impl Store {
    /// The plans of a child that a review's decision ceased.
    #[tracing::instrument(name = "db.ceased_plans", skip_all, fields(otel.kind = "client", db.system.name = self.system_name(), db.operation.name = "ceased_plans"))]
    pub async fn ceased_plans(&self, child_id: ChildId) -> Result<BTreeSet<Uuid>> {
        Ok(plan_cessation::Entity::find()
            .filter(plan_cessation::Column::ChildId.eq(child_id))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|c| c.plan_id)
            .collect())
    }

    /// The child's assessments marked imported (plans made before the hub):
    /// to be left out of timeliness figures.
    pub async fn imported_plans(&self, child_id: ChildId) -> Result<BTreeSet<Uuid>> {
        self.imported_plans_of(&[child_id]).await
    }

    /// As [`Store::imported_plans`], for several children in one statement.
    async fn imported_plans_of(&self, children: &[ChildId]) -> Result<BTreeSet<Uuid>> {
        Ok(assessment::Entity::find()
            .filter(assessment::Column::ChildId.is_in(children.iter().copied()))
            .filter(assessment::Column::Imported.eq(true))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|a| a.id)
            .collect())
    }

    /// Every plan of a child (assessments with a final plan), oldest first,
    /// with their reviews, cessation and any transfer the council set.
    pub async fn plans(&self, child_id: ChildId) -> Result<Vec<PlanOnFile>> {
        self.plans_of(&[child_id]).await
    }

    /// The plans of several children, each child's oldest first, as
    /// [`Store::plans`] reads them: the same eleven statements however many
    /// children (a report reads a page's plans at once).
    #[tracing::instrument(name = "db.plans", skip_all, fields(otel.kind = "client", db.system.name = self.system_name(), db.operation.name = "plans"))]
    pub async fn plans_of(&self, children: &[ChildId]) -> Result<Vec<PlanOnFile>> {
        if children.is_empty() {
            return Ok(Vec::new());
        }
        let db = &self.db;
        let ids = || children.iter().copied();
        let (assessments, imported, cycles, steps, invitees, ceased, transfers) = tokio::try_join!(
            self.assessments_of(children),
            self.imported_plans_of(children),
            db_all(
                annual_review::Entity::find()
                    .filter(annual_review::Column::ChildId.is_in(ids()))
                    .order_by_asc(annual_review::Column::StartsOn)
                    .order_by_asc(annual_review::Column::OpenedAt),
                db
            ),
            db_all(
                annual_review_step::Entity::find()
                    .filter(annual_review_step::Column::ChildId.is_in(ids()))
                    .order_by_asc(annual_review_step::Column::RecordedAt)
                    .order_by_asc(annual_review_step::Column::Id),
                db
            ),
            db_all(
                annual_review_invitee::Entity::find()
                    .filter(annual_review_invitee::Column::ChildId.is_in(ids())),
                db
            ),
            db_all(
                plan_cessation::Entity::find().filter(plan_cessation::Column::ChildId.is_in(ids())),
                db
            ),
            db_all(
                phase_transfer::Entity::find()
                    .filter(phase_transfer::Column::ChildId.is_in(ids()))
                    .order_by_asc(phase_transfer::Column::SetAt)
                    .order_by_asc(phase_transfer::Column::Id),
                db
            ),
        )?;
        let mut invited: HashMap<Uuid, BTreeSet<domain::AgencyKind>> = HashMap::new();
        for i in &invitees {
            invited
                .entry(i.step_id)
                .or_default()
                .insert(code(&i.agency_kind)?);
        }
        assessments
            .into_iter()
            .filter_map(|a| a.final_issued_on().map(|made| (a, made)))
            .map(|(a, made_on)| {
                let cycles = cycles
                    .iter()
                    .filter(|c| c.plan_id == a.id)
                    .map(|c| {
                        Ok(ReviewCycle {
                            id: Some(c.id),
                            plan_id: c.plan_id,
                            starts_on: c.starts_on,
                            due_on: c.due_on,
                            imported_concluded_on: c.concluded_on.filter(|_| c.imported),
                            facts: steps
                                .iter()
                                .filter(|s| s.review_id == c.id)
                                .map(|s| fact_of(s, &invited))
                                .collect::<Result<_>>()?,
                        })
                    })
                    .collect::<Result<_>>()?;
                let transfer_set = transfers
                    .iter()
                    .rev()
                    .find(|t| t.plan_id == a.id)
                    .map(|t| {
                        let from = t.from_phase.as_deref().map(code).transpose()?;
                        let to = code(&t.to_phase)?;
                        let kind = TransferKind::of(from, to);
                        Ok::<_, StoreError>(PhaseTransfer {
                            kind,
                            from_phase: from,
                            to_phase: to,
                            transfer_on: t.transfer_on,
                            deadline: kind.deadline(t.transfer_on),
                            derived: false,
                        })
                    })
                    .transpose()?;
                Ok(PlanOnFile {
                    child_id: a.child_id,
                    imported: imported.contains(&a.id),
                    reviews: PlanReviews {
                        plan_id: a.id,
                        made_on,
                        cycles,
                        ceased_on: ceased
                            .iter()
                            .find(|c| c.plan_id == a.id)
                            .map(|c| c.ceased_on),
                    },
                    assessment: a,
                    transfer_set,
                })
            })
            .collect()
    }

    /// Derives the plan status (and the date the maintained plan was made)
    /// shown in SEN_NEEDS from the child's assessments and cessations,
    /// whenever there are any; otherwise the stored value stands (records
    /// from before the hub tracked plans). Three statements.
    pub(crate) async fn derive_plan_status(
        &self,
        child_id: ChildId,
        needs: &mut SenNeeds,
    ) -> Result<()> {
        let db = &self.db;
        let (rows, events, ceased) = tokio::try_join!(
            db_all(
                assessment::Entity::find().filter(assessment::Column::ChildId.eq(child_id)),
                db
            ),
            db_all(
                assessment_event::Entity::find()
                    .filter(assessment_event::Column::ChildId.eq(child_id)),
                db
            ),
            self.ceased_plans(child_id),
        )?;
        if rows.is_empty() {
            return Ok(());
        }
        let assessments: Vec<Assessment> = rows
            .iter()
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
                    advice: Vec::new(),
                })
            })
            .collect::<Result<_>>()?;
        let today = self.now().date_naive();
        let status = domain::review::plan_status(&assessments, &ceased, today);
        needs.ehc_plan_status = Some(status);
        needs.ehc_plan_issued_on = assessments
            .iter()
            .filter(|a| !ceased.contains(&a.id))
            .filter_map(Assessment::final_issued_on)
            .max();
        Ok(())
    }
}

impl TracedTxn {
    /// Writes a plan made before the hub: its assessment row (marked
    /// imported) and the events whose dates the council gave.
    pub async fn insert_imported_plan(
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
            imported: Set(true),
        })
        .exec(&self.txn)
        .await?;
        for e in &a.events {
            self.insert_assessment_event(a.child_id, a.id, e, by, at)
                .await?;
        }
        Ok(())
    }

    /// Opens a review cycle (it must have an id).
    pub async fn insert_review_cycle(
        &self,
        child_id: ChildId,
        c: &ReviewCycle,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<Uuid> {
        let id =
            c.id.ok_or_else(|| StoreError::Corrupt("a review cycle to store has no id".into()))?;
        annual_review::Entity::insert(annual_review::ActiveModel {
            child_id: Set(child_id),
            id: Set(id),
            plan_id: Set(c.plan_id),
            starts_on: Set(c.starts_on),
            due_on: Set(c.due_on),
            imported: Set(c.imported_concluded_on.is_some()),
            concluded_on: Set(c.imported_concluded_on),
            opened_by: Set(by.to_owned()),
            opened_at: Set(at),
        })
        .exec(&self.txn)
        .await?;
        Ok(id)
    }

    /// Records one fact of a review (`family_consulted`: for a decision,
    /// whether the family was consulted first).
    pub async fn insert_review_fact(
        &self,
        child_id: ChildId,
        review_id: Uuid,
        f: &ReviewFact,
        family_consulted: bool,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let (meeting_on, family, decision) = match &f.event {
            ReviewEvent::MeetingSet { meeting_on } => (Some(*meeting_on), false, None),
            ReviewEvent::InvitationsSent { family, .. } => (None, *family, None),
            ReviewEvent::Decided(d) => (None, false, Some(*d)),
            _ => (None, false, None),
        };
        annual_review_step::Entity::insert(annual_review_step::ActiveModel {
            child_id: Set(child_id),
            id: Set(f.id),
            review_id: Set(review_id),
            step: Set(f.event.step().code().to_owned()),
            on_date: Set(f.on),
            meeting_on: Set(meeting_on),
            family_invited: Set(family),
            decision: Set(decision.map(|d| d.kind().code().to_owned())),
            cease_ground: Set(decision
                .and_then(Decision::cease_ground)
                .map(|g| g.code().to_owned())),
            appeal_rights_notified: Set(decision.is_some()),
            family_consulted: Set(decision.is_some() && family_consulted),
            recorded_by: Set(by.to_owned()),
            recorded_at: Set(at),
        })
        .exec(&self.txn)
        .await?;
        if let ReviewEvent::InvitationsSent { invited, .. } = &f.event
            && !invited.is_empty()
        {
            annual_review_invitee::Entity::insert_many(invited.iter().map(|k| {
                annual_review_invitee::ActiveModel {
                    child_id: Set(child_id),
                    step_id: Set(f.id),
                    agency_kind: Set(k.code().to_owned()),
                }
            }))
            .exec(&self.txn)
            .await?;
        }
        if let Some(Decision::Cease(ground)) = decision {
            plan_cessation::Entity::insert(plan_cessation::ActiveModel {
                child_id: Set(child_id),
                id: Set(Uuid::now_v7()),
                plan_id: Set(self.plan_of_review(review_id).await?),
                review_id: Set(review_id),
                ceased_on: Set(f.on),
                ground: Set(ground.code().to_owned()),
                recorded_by: Set(by.to_owned()),
                recorded_at: Set(at),
            })
            .exec(&self.txn)
            .await?;
        }
        Ok(())
    }

    async fn plan_of_review(&self, review_id: Uuid) -> Result<Uuid> {
        annual_review::Entity::find()
            .filter(annual_review::Column::Id.eq(review_id))
            .one(&self.txn)
            .await?
            .map(|r| r.plan_id)
            .ok_or(StoreError::NotFound("annual review"))
    }

    /// Records a phase transfer the council set for a plan.
    pub async fn insert_phase_transfer(
        &self,
        child_id: ChildId,
        plan_id: Uuid,
        t: &PhaseTransfer,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<()> {
        phase_transfer::Entity::insert(phase_transfer::ActiveModel {
            child_id: Set(child_id),
            id: Set(Uuid::now_v7()),
            plan_id: Set(plan_id),
            from_phase: Set(t.from_phase.map(|p| p.code().to_owned())),
            to_phase: Set(t.to_phase.code().to_owned()),
            transfer_on: Set(t.transfer_on),
            set_by: Set(by.to_owned()),
            set_at: Set(at),
        })
        .exec(&self.txn)
        .await?;
        Ok(())
    }
}
