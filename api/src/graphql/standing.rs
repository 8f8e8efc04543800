//! Who decides, over GraphQL: case officers record parental
//! responsibility, deputies and attorneys, and capacity assessments; a
//! health practitioner records Gillick competence; the young person
//! challenges an assessment; `whoDecides` shows the facts and, per scope,
//! who decides today. Resolvers parse, call the door, shape.

use std::collections::BTreeSet;

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use consent::{Authority, ChildRule, NewPr, PrLimit};

use super::parse_id;
use super::record::request;
use super::scalar::Date;
use super::types;
use crate::access::{CapacityAsk, CompetenceAsk, DeputyAsk, WhoDecides};
use crate::error::Error;

type GqlResult<T> = async_graphql::Result<T>;

fn scopes(list: Vec<types::Scope>) -> BTreeSet<domain::Scope> {
    list.into_iter().map(Into::into).collect()
}

fn out(set: &BTreeSet<domain::Scope>) -> Vec<types::Scope> {
    set.iter().map(|s| (*s).into()).collect()
}

/// Parental responsibility to record.
#[derive(InputObject, Debug)]
pub struct ParentalResponsibilityInput {
    /// The child.
    pub child_id: ID,
    /// The holder's sign-in person id (for a care order: the named social
    /// worker who exercises the LA's parental responsibility).
    pub person_id: String,
    /// Where the parental responsibility comes from.
    pub source: types::PrSource,
    /// From when it is held.
    pub from: Date,
    /// Until when (e.g. an order's end); absent when open-ended.
    pub until: Option<Date>,
    /// Birth certificate, order number, agreement reference.
    pub evidence: String,
    /// Defaults to UNLIMITED.
    pub limit: Option<types::PrLimitKind>,
    /// With limit SCOPES: what the holder may not decide on or see.
    pub limited_scopes: Option<Vec<types::Scope>>,
    /// The order that limits them.
    pub order_reference: Option<String>,
}

/// A deputy or attorney to record.
#[derive(InputObject, Debug)]
pub struct DeputyInput {
    /// The young person.
    pub child_id: ID,
    /// The deputy's or attorney's sign-in person id.
    pub person_id: String,
    /// The kind of deputy or attorney.
    pub kind: types::DeputyKind,
    /// The parts of the record they decide about.
    pub scopes: Vec<types::Scope>,
    /// The court order or LPA registration reference.
    pub evidence: String,
    /// From when they act.
    pub from: Date,
    /// Until when; absent when open-ended.
    pub until: Option<Date>,
}

/// A capacity assessment to record.
#[derive(InputObject, Debug)]
pub struct CapacityAssessmentInput {
    /// The young person.
    pub child_id: ID,
    /// Defaults to INFORMATION_SHARING.
    pub decision: Option<types::CapacityDecision>,
    /// The scopes the decision covers.
    pub scopes: Vec<types::Scope>,
    /// The assessor's professional role, e.g. "Educational psychologist".
    pub assessor_role: String,
    /// When they assessed (not in the future).
    pub assessed_on: Date,
    /// What they found.
    pub outcome: types::CapacityOutcome,
    /// Their reasons (MCA 2005 s.3: understand, retain, weigh, communicate).
    pub reasons: String,
    /// When the assessment is to be reviewed (after assessedOn).
    pub review_on: Date,
}

/// A Gillick-competence decision to record.
#[derive(InputObject, Debug)]
pub struct CompetenceInput {
    /// The child.
    pub child_id: ID,
    /// The assessor's professional role, e.g. "CAMHS clinician".
    pub assessor_role: String,
    /// When they assessed (not in the future).
    pub assessed_on: Date,
    /// Whether the child is Gillick competent for these scopes.
    pub competent: bool,
    /// PHYSICAL_HEALTH and/or MENTAL_HEALTH.
    pub scopes: Vec<types::Scope>,
    /// Scopes the child asked to keep from their parents.
    pub not_for_parents: Option<Vec<types::Scope>>,
    /// The assessor's reasons.
    pub reasons: String,
}

/// A recorded parental responsibility.
#[derive(SimpleObject, Debug)]
pub struct ParentalResponsibility {
    /// The record's id.
    pub id: ID,
    /// The holder's sign-in person id.
    pub person_id: String,
    /// Where it comes from.
    pub source: types::PrSource,
    /// From when it is held.
    pub from: Date,
    /// Until when; null when open-ended.
    pub until: Option<Date>,
    /// What it rests on (birth certificate, order number, agreement reference).
    pub evidence: String,
    /// How far the holder may exercise it.
    pub limit: types::PrLimitKind,
    /// With limit SCOPES: what the holder may not decide on or see; empty otherwise.
    pub limited_scopes: Vec<types::Scope>,
    /// The order that limits them, if any.
    pub order_reference: Option<String>,
    /// Held today (whatever its limits).
    pub current: bool,
}

/// A recorded deputy or attorney.
#[derive(SimpleObject, Debug)]
pub struct Deputy {
    /// The record's id.
    pub id: ID,
    /// The deputy's or attorney's sign-in person id.
    pub person_id: String,
    /// The kind of deputy or attorney.
    pub kind: types::DeputyKind,
    /// The parts of the record they decide about.
    pub scopes: Vec<types::Scope>,
    /// The court order or LPA registration reference.
    pub evidence: String,
    /// From when they act.
    pub from: Date,
    /// Until when; null when open-ended.
    pub until: Option<Date>,
}

/// A recorded Gillick-competence decision.
#[derive(SimpleObject, Debug)]
pub struct CompetenceDecision {
    /// The decision's id.
    pub id: ID,
    /// Who assessed (token subject).
    pub assessor_subject: String,
    /// Their professional role.
    pub assessor_role: String,
    /// When they assessed.
    pub assessed_on: Date,
    /// Whether the child was found Gillick competent for these scopes.
    pub competent: bool,
    /// The scopes the decision covers.
    pub scopes: Vec<types::Scope>,
    /// Scopes the child asked to keep from their parents.
    pub not_for_parents: Vec<types::Scope>,
    /// The assessor's reasons.
    pub reasons: String,
}

/// The young person's challenge.
#[derive(SimpleObject, Debug)]
pub struct CapacityChallenge {
    /// The challenge's id.
    pub id: ID,
    /// The young person's reason, in their words.
    pub reason: String,
    /// When they challenged.
    pub at: DateTime<Utc>,
}

/// Where an assessment stands.
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
pub enum AssessmentStatus {
    /// In force, and not past its review date.
    Current,
    /// Past its review date: it stands, and must be re-assessed.
    Overdue,
    /// The young person challenged it: it stands until re-assessed.
    Challenged,
}

/// A recorded capacity assessment.
#[derive(SimpleObject, Debug)]
pub struct CapacityAssessment {
    /// The assessment's id.
    pub id: ID,
    /// The decision it is about.
    pub decision: types::CapacityDecision,
    /// The scopes the decision covers.
    pub scopes: Vec<types::Scope>,
    /// Who recorded it (token subject).
    pub assessor_subject: String,
    /// The assessor's professional role.
    pub assessor_role: String,
    /// When they assessed.
    pub assessed_on: Date,
    /// What they found.
    pub outcome: types::CapacityOutcome,
    /// Their reasons.
    pub reasons: String,
    /// When it is to be reviewed.
    pub review_on: Date,
    /// True when it was carried over from the record's old yes/no capacity flag: re-assess it.
    pub carried_over: bool,
    /// Where it stands.
    pub status: AssessmentStatus,
    /// The young person's challenges to it, oldest first.
    pub challenges: Vec<CapacityChallenge>,
}

/// Who decides one scope today.
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
pub enum Decider {
    /// A person with current parental responsibility.
    ParentalResponsibility,
    /// The young person themselves (Gillick competence, health information from 16, or past the end of compulsory school age).
    YoungPerson,
    /// Someone acting for a young person who lacks capacity (a deputy, attorney or parent).
    ActingForYoungPerson,
}

/// Who decides one scope today, and by which rule.
#[derive(SimpleObject, Debug)]
pub struct ScopeAuthority {
    /// The scope.
    pub scope: types::Scope,
    /// Who decides it today.
    pub decided_by: Decider,
    /// The rule that makes it so, in words.
    pub rule: String,
}

/// The facts about who decides for a child, as the caller may see them.
#[derive(SimpleObject, Debug)]
pub struct WhoDecidesView {
    /// The child.
    pub child_id: ID,
    /// Parental responsibility recorded for the child.
    pub parental_responsibility: Vec<ParentalResponsibility>,
    /// Deputies and attorneys recorded for the young person.
    pub deputies: Vec<Deputy>,
    /// Shown to the young person and case officers only.
    pub competence: Vec<CompetenceDecision>,
    /// Capacity assessments recorded for the young person.
    pub capacity_assessments: Vec<CapacityAssessment>,
    /// For each scope: who decides today.
    pub authority: Vec<ScopeAuthority>,
}

fn pr_of(p: &consent::PrHolding, today: chrono::NaiveDate) -> ParentalResponsibility {
    ParentalResponsibility {
        id: ID(p.id.to_string()),
        person_id: p.person_id.clone(),
        source: p.source.into(),
        from: Date(p.from),
        until: p.until.map(Date),
        evidence: p.evidence.clone(),
        limit: p.limit.kind().into(),
        limited_scopes: match &p.limit {
            PrLimit::Scopes { scopes, .. } => out(scopes),
            _ => Vec::new(),
        },
        order_reference: p.limit.order().map(str::to_owned),
        current: p.current(today),
    }
}

fn deputy_of(d: &consent::Deputyship) -> Deputy {
    Deputy {
        id: ID(d.id.to_string()),
        person_id: d.person_id.clone(),
        kind: d.kind.into(),
        scopes: out(&d.scopes),
        evidence: d.evidence.clone(),
        from: Date(d.from),
        until: d.until.map(Date),
    }
}

fn competence_of(c: &consent::Competence) -> CompetenceDecision {
    CompetenceDecision {
        id: ID(c.id.to_string()),
        assessor_subject: c.assessor.subject.clone(),
        assessor_role: c.assessor.role.clone(),
        assessed_on: Date(c.assessed_on),
        competent: c.competent,
        scopes: out(&c.scopes),
        not_for_parents: out(&c.not_for_parents),
        reasons: c.reasons.clone(),
    }
}

fn assessment_of(a: &consent::CapacityAssessment, today: chrono::NaiveDate) -> CapacityAssessment {
    CapacityAssessment {
        id: ID(a.id.to_string()),
        decision: a.decision.into(),
        scopes: out(&a.scopes),
        assessor_subject: a.assessor.subject.clone(),
        assessor_role: a.assessor.role.clone(),
        assessed_on: Date(a.assessed_on),
        outcome: a.outcome.into(),
        reasons: a.reasons.clone(),
        review_on: Date(a.review_on),
        carried_over: a.carried_over,
        status: if a.challenged() {
            AssessmentStatus::Challenged
        } else if a.overdue(today) {
            AssessmentStatus::Overdue
        } else {
            AssessmentStatus::Current
        },
        challenges: a
            .challenges
            .iter()
            .map(|c| CapacityChallenge {
                id: ID(c.id.to_string()),
                reason: c.reason.clone(),
                at: c.at,
            })
            .collect(),
    }
}

fn view_of(w: &WhoDecides) -> WhoDecidesView {
    let today = w.today;
    WhoDecidesView {
        child_id: ID(w.child.to_string()),
        parental_responsibility: w
            .facts
            .parental_responsibility
            .iter()
            .map(|p| pr_of(p, today))
            .collect(),
        deputies: w.facts.deputies.iter().map(deputy_of).collect(),
        competence: w.competence().iter().map(competence_of).collect(),
        capacity_assessments: w
            .facts
            .capacity
            .iter()
            .map(|a| assessment_of(a, today))
            .collect(),
        authority: w
            .authority()
            .into_iter()
            .map(|(scope, a)| {
                let (decided_by, rule) = match a {
                    Authority::ParentalResponsibility => (
                        Decider::ParentalResponsibility,
                        "a person with current parental responsibility".to_owned(),
                    ),
                    Authority::YoungPerson(ChildRule::Gillick { on }) => (
                        Decider::YoungPerson,
                        if w.competence_dated() {
                            format!("Gillick competence recorded on {on}")
                        } else {
                            "the young person decides about this part of their record".to_owned()
                        },
                    ),
                    Authority::YoungPerson(ChildRule::SixteenHealth) => (
                        Decider::YoungPerson,
                        "health information from 16 (Mental Capacity Act 2005)".to_owned(),
                    ),
                    Authority::YoungPerson(ChildRule::HandedOver { hand_over }) => (
                        Decider::YoungPerson,
                        format!("past the end of compulsory school age ({hand_over})"),
                    ),
                    Authority::ActingForYoungPerson { assessment } => (
                        Decider::ActingForYoungPerson,
                        format!("capacity assessment {assessment} found they lack capacity"),
                    ),
                };
                ScopeAuthority {
                    scope: scope.into(),
                    decided_by,
                    rule,
                }
            })
            .collect(),
    }
}

#[derive(Debug, Default)]
pub struct StandingQuery;

#[Object]
impl StandingQuery {
    /// Who decides for a child: parental responsibility, deputies and
    /// attorneys, competence decisions (not shown to parents), capacity
    /// assessments, and per scope who decides today. For case officers of
    /// the council SEND team, and the child's family.
    async fn who_decides(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The child.")] child_id: ID,
    ) -> GqlResult<WhoDecidesView> {
        let rc = request(ctx)?;
        let child = parse_id("childId", &child_id)?;
        let view = match rc.case_officer() {
            Ok(officer) => officer.who_decides(child).await?,
            Err(_) => rc.family(child).await?.who_decides(),
        };
        Ok(view_of(&view))
    }
}

#[derive(Debug, Default)]
pub struct StandingMutation;

#[Object]
impl StandingMutation {
    /// Records a person's parental responsibility (case officers).
    async fn record_parental_responsibility(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The parental responsibility.")] input: ParentalResponsibilityInput,
    ) -> GqlResult<ParentalResponsibility> {
        let rc = request(ctx)?;
        let officer = rc.case_officer()?;
        let child = parse_id("childId", &input.child_id)?;
        let order = input.order_reference.unwrap_or_default();
        let limit = match input.limit.map(Into::into) {
            None | Some(consent::PrLimitKind::Unlimited) => {
                if input.limited_scopes.as_ref().is_some_and(|s| !s.is_empty()) {
                    return Err(Error::bad_input(
                        "limitedScopes",
                        "give limitedScopes only with limit SCOPES",
                    )
                    .into());
                }
                PrLimit::Unlimited
            }
            Some(consent::PrLimitKind::Scopes) => PrLimit::Scopes {
                scopes: scopes(input.limited_scopes.unwrap_or_default()),
                order,
            },
            Some(consent::PrLimitKind::MayNotExercise) => PrLimit::MayNotExercise { order },
        };
        let pr = officer
            .record_parental_responsibility(
                child,
                NewPr {
                    person_id: input.person_id,
                    source: input.source.into(),
                    from: input.from.0,
                    until: input.until.map(|d| d.0),
                    evidence: input.evidence,
                    limit,
                },
            )
            .await?;
        Ok(pr_of(&pr, rc.today()))
    }

    /// Records a deputy or attorney for the young person (case officers).
    async fn record_deputy(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The deputy or attorney.")] input: DeputyInput,
    ) -> GqlResult<Deputy> {
        let rc = request(ctx)?;
        let officer = rc.case_officer()?;
        let child = parse_id("childId", &input.child_id)?;
        let d = officer
            .record_deputy(
                child,
                DeputyAsk {
                    person_id: input.person_id,
                    kind: input.kind.into(),
                    scopes: scopes(input.scopes),
                    evidence: input.evidence,
                    from: input.from.0,
                    until: input.until.map(|d| d.0),
                },
            )
            .await?;
        Ok(deputy_of(&d))
    }

    /// Records a decision-specific capacity assessment (case officers).
    async fn record_capacity_assessment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The assessment.")] input: CapacityAssessmentInput,
    ) -> GqlResult<CapacityAssessment> {
        let rc = request(ctx)?;
        let officer = rc.case_officer()?;
        let child = parse_id("childId", &input.child_id)?;
        let a = officer
            .record_capacity(
                child,
                CapacityAsk {
                    decision: input
                        .decision
                        .map_or(consent::CapacityDecision::InformationSharing, Into::into),
                    scopes: scopes(input.scopes),
                    assessor_role: input.assessor_role,
                    assessed_on: input.assessed_on.0,
                    outcome: input.outcome.into(),
                    reasons: input.reasons,
                    review_on: input.review_on.0,
                },
            )
            .await?;
        Ok(assessment_of(&a, rc.today()))
    }

    /// Records a Gillick-competence decision (a practitioner of CAMHS,
    /// health, SLT or OT).
    async fn record_competence(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The decision.")] input: CompetenceInput,
    ) -> GqlResult<CompetenceDecision> {
        let rc = request(ctx)?;
        let practitioner = rc.practitioner()?;
        let child = parse_id("childId", &input.child_id)?;
        let c = practitioner
            .record_competence(
                child,
                CompetenceAsk {
                    assessor_role: input.assessor_role,
                    assessed_on: input.assessed_on.0,
                    competent: input.competent,
                    scopes: scopes(input.scopes),
                    not_for_parents: scopes(input.not_for_parents.unwrap_or_default()),
                    reasons: input.reasons,
                },
            )
            .await?;
        Ok(competence_of(&c))
    }

    /// The young person challenges a capacity assessment about them; it
    /// stands, marked CHALLENGED, until a case officer re-assesses.
    async fn challenge_capacity_assessment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The young person.")] child_id: ID,
        #[graphql(desc = "The assessment challenged.")] assessment_id: ID,
        #[graphql(desc = "Why, in the young person's words.")] reason: String,
    ) -> GqlResult<CapacityAssessment> {
        let rc = request(ctx)?;
        let child = parse_id("childId", &child_id)?;
        let assessment = parse_id("assessmentId", &assessment_id)?;
        let family = rc.family(child).await?;
        let a = family.challenge_capacity(assessment, &reason).await?;
        Ok(assessment_of(&a, rc.today()))
    }
}
