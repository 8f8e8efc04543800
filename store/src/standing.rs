//! Who decides for a child: parental responsibility holdings (with their
//! limits), deputies and attorneys, Gillick-competence decisions and
//! capacity assessments with their challenges. Loaded with the child's
//! core on every decision; written one fact at a time, never updated.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use consent::{
    Assessor, CapacityAssessment, Challenge, Competence, Deputyship, PrHolding, PrLimit,
    PrLimitKind, PrSource,
};
use domain::{ChildId, FamilyMember, Scope};
use sea_orm::{ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::entities::{
    capacity_assessment, capacity_assessment_scope, capacity_challenge, deputyship,
    deputyship_scope, gillick_competence, gillick_competence_scope, parental_responsibility,
    parental_responsibility_limit,
};
use super::trace::TracedTxn;
use super::{Result, code};

/// The recorded facts about who decides for one child.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Standing {
    pub parental_responsibility: Vec<PrHolding>,
    pub deputies: Vec<Deputyship>,
    pub competence: Vec<Competence>,
    pub capacity: Vec<CapacityAssessment>,
}

fn scopes_by<K: std::hash::Hash + Eq>(
    rows: impl IntoIterator<Item = (K, String)>,
) -> Result<HashMap<K, BTreeSet<Scope>>> {
    let mut out: HashMap<K, BTreeSet<Scope>> = HashMap::new();
    for (k, s) in rows {
        out.entry(k).or_default().insert(code(&s)?);
    }
    Ok(out)
}

/// Loads a child's standing: always the same nine statements, found or not,
/// run in turn.
pub(crate) async fn load(db: &DatabaseConnection, child: ChildId) -> Result<Standing> {
    // One after another: a request holds one connection for these, not
    // nine (a pool shared by concurrent requests must not run dry).
    let pr = parental_responsibility::Entity::find()
        .filter(parental_responsibility::Column::ChildId.eq(child))
        .all(db)
        .await?;
    let pr_limits = parental_responsibility_limit::Entity::find()
        .filter(parental_responsibility_limit::Column::ChildId.eq(child))
        .all(db)
        .await?;
    let deps = deputyship::Entity::find()
        .filter(deputyship::Column::ChildId.eq(child))
        .all(db)
        .await?;
    let dep_scopes = deputyship_scope::Entity::find()
        .filter(deputyship_scope::Column::ChildId.eq(child))
        .all(db)
        .await?;
    let comp = gillick_competence::Entity::find()
        .filter(gillick_competence::Column::ChildId.eq(child))
        .all(db)
        .await?;
    let comp_scopes = gillick_competence_scope::Entity::find()
        .filter(gillick_competence_scope::Column::ChildId.eq(child))
        .all(db)
        .await?;
    let caps = capacity_assessment::Entity::find()
        .filter(capacity_assessment::Column::ChildId.eq(child))
        .all(db)
        .await?;
    let cap_scopes = capacity_assessment_scope::Entity::find()
        .filter(capacity_assessment_scope::Column::ChildId.eq(child))
        .all(db)
        .await?;
    let challenges = capacity_challenge::Entity::find()
        .filter(capacity_challenge::Column::ChildId.eq(child))
        .all(db)
        .await?;
    let mut limits = scopes_by(pr_limits.into_iter().map(|r| (r.pr_id, r.scope)))?;
    let parental_responsibility = pr
        .into_iter()
        .map(|r| {
            let order = r.limit_order.clone().unwrap_or_default();
            let limit = match code::<PrLimitKind>(&r.limit_kind)? {
                PrLimitKind::Unlimited => PrLimit::Unlimited,
                PrLimitKind::Scopes => PrLimit::Scopes {
                    scopes: limits.remove(&r.id).unwrap_or_default(),
                    order,
                },
                PrLimitKind::MayNotExercise => PrLimit::MayNotExercise { order },
            };
            Ok(PrHolding {
                id: r.id,
                person_id: r.person_id,
                source: code(&r.source)?,
                from: r.from_date,
                until: r.until_date,
                evidence: r.evidence,
                limit,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let mut dep_scopes = scopes_by(dep_scopes.into_iter().map(|r| (r.deputyship_id, r.scope)))?;
    let deputies = deps
        .into_iter()
        .map(|r| {
            Ok(Deputyship {
                id: r.id,
                person_id: r.person_id,
                kind: code(&r.kind)?,
                scopes: dep_scopes.remove(&r.id).unwrap_or_default(),
                evidence: r.evidence,
                from: r.from_date,
                until: r.until_date,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let mut comp_sets: HashMap<Uuid, (BTreeSet<Scope>, BTreeSet<Scope>)> = HashMap::new();
    for r in comp_scopes {
        let scope: Scope = code(&r.scope)?;
        let entry = comp_sets.entry(r.competence_id).or_default();
        entry.0.insert(scope);
        if r.not_for_parents {
            entry.1.insert(scope);
        }
    }
    let competence = comp
        .into_iter()
        .map(|r| {
            let (scopes, not_for_parents) = comp_sets.remove(&r.id).unwrap_or_default();
            Competence {
                id: r.id,
                assessor: Assessor {
                    subject: r.assessor_subject,
                    agency_id: r.assessor_agency_id,
                    role: r.assessor_role,
                },
                assessed_on: r.assessed_on,
                competent: r.competent,
                scopes,
                not_for_parents,
                reasons: r.reasons,
            }
        })
        .collect();
    let mut cap_sets = scopes_by(cap_scopes.into_iter().map(|r| (r.assessment_id, r.scope)))?;
    let mut by_assessment: HashMap<Uuid, Vec<Challenge>> = HashMap::new();
    for c in challenges {
        by_assessment
            .entry(c.assessment_id)
            .or_default()
            .push(Challenge {
                id: c.id,
                person_id: c.person_id,
                reason: c.reason,
                at: c.created_at,
            });
    }
    let mut capacity = caps
        .into_iter()
        .map(|r| {
            let mut challenges = by_assessment.remove(&r.id).unwrap_or_default();
            challenges.sort_by_key(|c| (c.at, c.id));
            Ok(CapacityAssessment {
                id: r.id,
                decision: code(&r.decision)?,
                scopes: cap_sets.remove(&r.id).unwrap_or_default(),
                assessor: Assessor {
                    subject: r.assessor_subject,
                    agency_id: None,
                    role: r.assessor_role,
                },
                assessed_on: r.assessed_on,
                outcome: code(&r.outcome)?,
                reasons: r.reasons,
                review_on: r.review_on,
                carried_over: r.carried_over,
                challenges,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    capacity.sort_by_key(|a| (a.assessed_on, a.id));
    let mut standing = Standing {
        parental_responsibility,
        deputies,
        competence,
        capacity,
    };
    standing
        .parental_responsibility
        .sort_by_key(|p| (p.from, p.id));
    standing.deputies.sort_by_key(|d| (d.from, d.id));
    standing.competence.sort_by_key(|c| (c.assessed_on, c.id));
    Ok(standing)
}

/// The holding a family member's yes/no PR flag stands for when they are
/// linked (the same carry-over the migration made for existing rows), or
/// `None` without the flag or a sign-in id.
pub(crate) fn carried_over(
    child_id: ChildId,
    m: &FamilyMember,
    now: DateTime<Utc>,
) -> Option<parental_responsibility::ActiveModel> {
    let person = m.person_id.clone().filter(|_| m.parental_responsibility)?;
    Some(parental_responsibility::ActiveModel {
        child_id: Set(child_id),
        id: Set(m.id),
        person_id: Set(person),
        source: Set(PrSource::CarriedOver.code().to_owned()),
        from_date: Set(now.date_naive()),
        until_date: Set(None),
        evidence: Set(m
            .pr_evidence
            .clone()
            .unwrap_or_else(|| "carried over; no evidence recorded".into())),
        limit_kind: Set(PrLimitKind::Unlimited.code().to_owned()),
        limit_order: Set(None),
        recorded_by: Set("family link".into()),
        created_at: Set(now),
    })
}

fn not_empty<T>(rows: Vec<T>) -> Option<Vec<T>> {
    (!rows.is_empty()).then_some(rows)
}

impl TracedTxn {
    /// Records parental responsibility.
    pub async fn insert_pr(&self, child: ChildId, pr: &PrHolding, by: &str) -> Result<()> {
        parental_responsibility::Entity::insert(parental_responsibility::ActiveModel {
            child_id: Set(child),
            id: Set(pr.id),
            person_id: Set(pr.person_id.clone()),
            source: Set(pr.source.code().to_owned()),
            from_date: Set(pr.from),
            until_date: Set(pr.until),
            evidence: Set(pr.evidence.clone()),
            limit_kind: Set(pr.limit.kind().code().to_owned()),
            limit_order: Set(pr.limit.order().map(str::to_owned)),
            recorded_by: Set(by.to_owned()),
            created_at: Set(self.now()),
        })
        .exec(&self.txn)
        .await?;
        if let PrLimit::Scopes { scopes, .. } = &pr.limit
            && let Some(rows) = not_empty(
                scopes
                    .iter()
                    .map(|s| parental_responsibility_limit::ActiveModel {
                        child_id: Set(child),
                        pr_id: Set(pr.id),
                        scope: Set(s.code().to_owned()),
                    })
                    .collect(),
            )
        {
            parental_responsibility_limit::Entity::insert_many(rows)
                .exec(&self.txn)
                .await?;
        }
        Ok(())
    }

    /// Records a deputy or attorney.
    pub async fn insert_deputyship(&self, child: ChildId, d: &Deputyship, by: &str) -> Result<()> {
        deputyship::Entity::insert(deputyship::ActiveModel {
            child_id: Set(child),
            id: Set(d.id),
            person_id: Set(d.person_id.clone()),
            kind: Set(d.kind.code().to_owned()),
            evidence: Set(d.evidence.clone()),
            from_date: Set(d.from),
            until_date: Set(d.until),
            recorded_by: Set(by.to_owned()),
            created_at: Set(self.now()),
        })
        .exec(&self.txn)
        .await?;
        if let Some(rows) = not_empty(
            d.scopes
                .iter()
                .map(|s| deputyship_scope::ActiveModel {
                    child_id: Set(child),
                    deputyship_id: Set(d.id),
                    scope: Set(s.code().to_owned()),
                })
                .collect(),
        ) {
            deputyship_scope::Entity::insert_many(rows)
                .exec(&self.txn)
                .await?;
        }
        Ok(())
    }

    /// Records a Gillick-competence decision.
    pub async fn insert_competence(&self, child: ChildId, c: &Competence) -> Result<()> {
        gillick_competence::Entity::insert(gillick_competence::ActiveModel {
            child_id: Set(child),
            id: Set(c.id),
            assessor_subject: Set(c.assessor.subject.clone()),
            assessor_agency_id: Set(c.assessor.agency_id),
            assessor_role: Set(c.assessor.role.clone()),
            assessed_on: Set(c.assessed_on),
            competent: Set(c.competent),
            reasons: Set(c.reasons.clone()),
            created_at: Set(self.now()),
        })
        .exec(&self.txn)
        .await?;
        if let Some(rows) = not_empty(
            c.scopes
                .iter()
                .map(|s| gillick_competence_scope::ActiveModel {
                    child_id: Set(child),
                    competence_id: Set(c.id),
                    scope: Set(s.code().to_owned()),
                    not_for_parents: Set(c.not_for_parents.contains(s)),
                })
                .collect(),
        ) {
            gillick_competence_scope::Entity::insert_many(rows)
                .exec(&self.txn)
                .await?;
        }
        Ok(())
    }

    /// Records a capacity assessment.
    pub async fn insert_capacity(&self, child: ChildId, a: &CapacityAssessment) -> Result<()> {
        capacity_assessment::Entity::insert(capacity_assessment::ActiveModel {
            child_id: Set(child),
            id: Set(a.id),
            decision: Set(a.decision.code().to_owned()),
            assessor_subject: Set(a.assessor.subject.clone()),
            assessor_role: Set(a.assessor.role.clone()),
            assessed_on: Set(a.assessed_on),
            outcome: Set(a.outcome.code().to_owned()),
            reasons: Set(a.reasons.clone()),
            review_on: Set(a.review_on),
            carried_over: Set(a.carried_over),
            created_at: Set(self.now()),
        })
        .exec(&self.txn)
        .await?;
        if let Some(rows) = not_empty(
            a.scopes
                .iter()
                .map(|s| capacity_assessment_scope::ActiveModel {
                    child_id: Set(child),
                    assessment_id: Set(a.id),
                    scope: Set(s.code().to_owned()),
                })
                .collect(),
        ) {
            capacity_assessment_scope::Entity::insert_many(rows)
                .exec(&self.txn)
                .await?;
        }
        Ok(())
    }

    /// Records the young person's challenge to an assessment.
    pub async fn insert_challenge(
        &self,
        child: ChildId,
        assessment: Uuid,
        c: &Challenge,
    ) -> Result<()> {
        capacity_challenge::Entity::insert(capacity_challenge::ActiveModel {
            child_id: Set(child),
            id: Set(c.id),
            assessment_id: Set(assessment),
            person_id: Set(c.person_id.clone()),
            reason: Set(c.reason.clone()),
            created_at: Set(c.at),
        })
        .exec(&self.txn)
        .await?;
        Ok(())
    }
}
