//! Storage of consent facts: grants, withdrawals, confirmations, agreements,
//! safeguarding overrides and reviews. Rows are only ever inserted.

use std::collections::{BTreeSet, HashMap};
use std::str::FromStr;

use chrono::{DateTime, Utc};
use consent::{
    Agreement, AgreementEntry, Approval, Capture, CaptureMethod, Grant, LawfulBasis, Override,
    Permission, Purpose, Recipient, Review, Telling, TellingChoice, TellingDecision, Withdrawal,
};
use domain::{AgencyKind, ChildId, Scope, UnknownCode};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use super::entities::{
    agreement, agreement_consent_recorder, agreement_rule, child, consent_confirmation,
    consent_grant, consent_grant_purpose, consent_grant_scope, consent_withdrawal,
    override_approval, override_review, override_telling, safeguarding_override,
    safeguarding_override_scope,
};
use super::trace::TracedTxn;
use super::{Result, Store, StoreError, code};

/// Rows of a junction table, as a set of codes per owner.
fn sets<'a, K, T>(rows: impl IntoIterator<Item = (K, &'a str)>) -> Result<HashMap<K, BTreeSet<T>>>
where
    K: std::hash::Hash + Eq,
    T: FromStr<Err = UnknownCode> + Ord,
{
    let mut sets: HashMap<K, BTreeSet<T>> = HashMap::new();
    for (owner, value) in rows {
        sets.entry(owner).or_default().insert(code(value)?);
    }
    Ok(sets)
}

/// The code sets of a child's (or several children's) grants.
#[derive(Debug, Default)]
struct GrantSets {
    scopes: HashMap<Uuid, BTreeSet<Scope>>,
    purposes: HashMap<Uuid, BTreeSet<Purpose>>,
}

/// Grants with their scopes, purposes, withdrawals and confirmations, from
/// the rows of each table (in the order of `grants`).
fn grants_of(
    grants: &[consent_grant::Model],
    scopes: &[consent_grant_scope::Model],
    purposes: &[consent_grant_purpose::Model],
    withdrawals: &[consent_withdrawal::Model],
    confirmations: &[consent_confirmation::Model],
) -> Result<Vec<Grant>> {
    let set = GrantSets {
        scopes: sets(scopes.iter().map(|r| (r.grant_id, r.scope.as_str())))?,
        purposes: sets(purposes.iter().map(|r| (r.grant_id, r.purpose.as_str())))?,
    };
    let withdrawals: HashMap<Uuid, _> = withdrawals.iter().map(|w| (w.grant_id, w)).collect();
    let confirmations: HashMap<Uuid, _> = confirmations.iter().map(|c| (c.grant_id, c)).collect();
    grants
        .iter()
        .map(|g| grant_of(g, &set, &withdrawals, &confirmations))
        .collect()
}

fn grant_of(
    g: &consent_grant::Model,
    set: &GrantSets,
    withdrawals: &HashMap<Uuid, &consent_withdrawal::Model>,
    confirmations: &HashMap<Uuid, &consent_confirmation::Model>,
) -> Result<Grant> {
    let recipient = match (g.recipient_agency_id, g.recipient_agency_kind.as_deref()) {
        (Some(id), _) => Recipient::Agency(id),
        (None, Some(kind)) => Recipient::Kind(code(kind)?),
        (None, None) => {
            return Err(StoreError::Corrupt(format!(
                "grant {} has no recipient",
                g.id
            )));
        }
    };
    let withdrawal = match withdrawals.get(&g.id) {
        Some(w) => Some(Withdrawal {
            id: w.id,
            at: w.withdrawn_at,
            by_person_id: w.by_person_id.clone(),
            capacity: code(&w.capacity)?,
            reason: w.reason.clone(),
            capture: capture(
                code(&w.method)?,
                w.recorded_by.clone(),
                w.evidence.clone(),
                w.id,
            )?,
        }),
        None => None,
    };
    Ok(Grant {
        id: g.id,
        child_id: g.child_id,
        grantor_person_id: g.grantor_person_id.clone(),
        capacity: code(&g.grantor_capacity)?,
        recipient,
        scopes: set.scopes.get(&g.id).cloned().unwrap_or_default(),
        purposes: set.purposes.get(&g.id).cloned().unwrap_or_default(),
        valid_from: g.valid_from,
        valid_until: g.valid_until,
        capture: capture(
            code(&g.method)?,
            g.recorded_by.clone(),
            g.evidence.clone(),
            g.id,
        )?,
        recorded_at: g.recorded_at,
        withdrawal,
        confirmed_at: confirmations.get(&g.id).map(|c| c.confirmed_at),
        notice_version: g.notice_version.clone(),
        agreement_version: g.agreement_version,
        needs_family_confirmation: g.needs_family_confirmation,
    })
}

/// A stored capture method, recorder and evidence, which must agree (a
/// DIGITAL decision has neither; a written or verbal one has both).
fn capture(
    method: CaptureMethod,
    recorded_by: Option<String>,
    evidence: Option<String>,
    id: Uuid,
) -> Result<Capture, StoreError> {
    Capture::from_parts(method, recorded_by, evidence).ok_or_else(|| {
        StoreError::Corrupt(format!(
            "consent decision {id}: its capture method, recorder and evidence disagree"
        ))
    })
}

/// What belongs to a set of overrides, by override id.
#[derive(Debug, Default)]
struct OverrideFacts<'a> {
    scopes: HashMap<Uuid, BTreeSet<Scope>>,
    /// The latest telling decision of each.
    tellings: HashMap<Uuid, &'a override_telling::Model>,
    approvals: HashMap<Uuid, &'a override_approval::Model>,
    reviews: HashMap<Uuid, &'a override_review::Model>,
}

impl<'a> OverrideFacts<'a> {
    fn new(
        scopes: &[safeguarding_override_scope::Model],
        tellings: &'a [override_telling::Model],
        approvals: &'a [override_approval::Model],
        reviews: &'a [override_review::Model],
    ) -> Result<Self> {
        let mut latest: HashMap<Uuid, &override_telling::Model> = HashMap::new();
        for t in tellings {
            let e = latest.entry(t.override_id).or_insert(t);
            if (t.decided_at, t.id) > (e.decided_at, e.id) {
                *e = t;
            }
        }
        Ok(Self {
            scopes: sets(scopes.iter().map(|r| (r.override_id, r.scope.as_str())))?,
            tellings: latest,
            approvals: approvals.iter().map(|a| (a.override_id, a)).collect(),
            reviews: reviews.iter().map(|r| (r.override_id, r)).collect(),
        })
    }
}

fn telling_of(t: &override_telling::Model) -> Result<TellingDecision> {
    let telling = match (code::<TellingChoice>(&t.decision)?, t.tell_on, t.review_on) {
        (TellingChoice::TellNow, None, None) => Telling::Now,
        (TellingChoice::TellOn, Some(on), None) => Telling::On(on),
        (TellingChoice::NotNow, None, Some(review_on)) => Telling::NotNow {
            because: t.not_now_because.clone().unwrap_or_default(),
            review_on,
        },
        _ => {
            return Err(StoreError::Corrupt(format!(
                "telling decision {}: its dates do not fit {}",
                t.id, t.decision
            )));
        }
    };
    Ok(TellingDecision {
        id: t.id,
        telling,
        family_notice: t.family_notice.clone(),
        decided_by: t.decided_by.clone(),
        decided_at: t.decided_at,
    })
}

fn override_of(o: &safeguarding_override::Model, facts: &OverrideFacts<'_>) -> Result<Override> {
    let telling = facts
        .tellings
        .get(&o.id)
        .ok_or_else(|| StoreError::Corrupt(format!("override {} has no telling decision", o.id)))?;
    Ok(Override {
        id: o.id,
        child_id: o.child_id,
        declared_by: o.declared_by.clone(),
        agency_id: o.agency_id,
        ground: code(&o.ground)?,
        ground_carried_over: o.ground_carried_over,
        scopes: facts.scopes.get(&o.id).cloned().unwrap_or_default(),
        reason: o.reason.clone(),
        starts_at: o.starts_at,
        ends_at: o.ends_at,
        review_due_by: o.review_due_by,
        telling: telling_of(telling)?,
        approval: match facts.approvals.get(&o.id) {
            Some(a) => Some(Approval {
                id: a.id,
                approver: a.approver.clone(),
                role: code(&a.role)?,
                at: a.approved_at,
            }),
            None => None,
        },
        review: match facts.reviews.get(&o.id) {
            Some(r) => Some(Review {
                id: r.id,
                outcome: code(&r.outcome)?,
                note: r.note.clone(),
                reviewer: r.reviewer.clone(),
                at: r.reviewed_at,
            }),
            None => None,
        },
    })
}

/// The consent facts of one child, read fresh for each request.
#[derive(Debug, Clone, Default)]
pub struct ConsentState {
    pub grants: Vec<Grant>,
    pub overrides: Vec<Override>,
}

/// Agreement rules written per INSERT statement.
const RULE_BATCH: usize = 100;

impl Store {
    /// Grants (with withdrawals and confirmations) and overrides (with
    /// reviews) of a child, oldest first.
    #[tracing::instrument(name = "db.consent_state", skip_all, fields(otel.kind = "client", db.system.name = self.system_name(), db.operation.name = "consent_state"))]
    pub async fn consent_state(&self, child_id: ChildId) -> Result<ConsentState> {
        let db = &self.db;
        let (
            grants,
            grant_scopes,
            grant_purposes,
            withdrawals,
            confirmations,
            overrides,
            override_scopes,
            reviews,
            tellings,
            approvals,
        ) = tokio::try_join!(
            consent_grant::Entity::find()
                .filter(consent_grant::Column::ChildId.eq(child_id))
                .order_by_asc(consent_grant::Column::RecordedAt)
                .order_by_asc(consent_grant::Column::Id)
                .all(db),
            consent_grant_scope::Entity::find()
                .filter(consent_grant_scope::Column::ChildId.eq(child_id))
                .all(db),
            consent_grant_purpose::Entity::find()
                .filter(consent_grant_purpose::Column::ChildId.eq(child_id))
                .all(db),
            consent_withdrawal::Entity::find()
                .filter(consent_withdrawal::Column::ChildId.eq(child_id))
                .all(db),
            consent_confirmation::Entity::find()
                .filter(consent_confirmation::Column::ChildId.eq(child_id))
                .all(db),
            safeguarding_override::Entity::find()
                .filter(safeguarding_override::Column::ChildId.eq(child_id))
                .order_by_asc(safeguarding_override::Column::StartsAt)
                .all(db),
            safeguarding_override_scope::Entity::find()
                .filter(safeguarding_override_scope::Column::ChildId.eq(child_id))
                .all(db),
            override_review::Entity::find()
                .filter(override_review::Column::ChildId.eq(child_id))
                .all(db),
            override_telling::Entity::find()
                .filter(override_telling::Column::ChildId.eq(child_id))
                .all(db),
            override_approval::Entity::find()
                .filter(override_approval::Column::ChildId.eq(child_id))
                .all(db),
        )?;
        let facts = OverrideFacts::new(&override_scopes, &tellings, &approvals, &reviews)?;
        Ok(ConsentState {
            grants: grants_of(
                &grants,
                &grant_scopes,
                &grant_purposes,
                &withdrawals,
                &confirmations,
            )?,
            overrides: overrides
                .iter()
                .map(|o| override_of(o, &facts))
                .collect::<Result<_>>()?,
        })
    }

    /// Consent decisions a practitioner recorded (the grant, its
    /// withdrawal, or both WRITTEN or VERBAL), newest first: at most `limit`
    /// grants recorded before `before` (recorded time, then id), for IG's
    /// anomaly view.
    #[tracing::instrument(name = "db.recorded_consents", skip_all, fields(otel.kind = "client", db.system.name = self.system_name(), db.operation.name = "recorded_consents"))]
    pub async fn recorded_consents(
        &self,
        before: Option<(DateTime<Utc>, Uuid)>,
        limit: u64,
    ) -> Result<Vec<Grant>> {
        use sea_orm::sea_query::{Condition, Query};
        let db = &self.db;
        let recorded_withdrawals = Query::select()
            .column(consent_withdrawal::Column::GrantId)
            .from(consent_withdrawal::Entity)
            .and_where(consent_withdrawal::Column::Method.ne("DIGITAL"))
            .to_owned();
        let mut query = consent_grant::Entity::find().filter(
            Condition::any()
                .add(consent_grant::Column::Method.ne("DIGITAL"))
                .add(consent_grant::Column::Id.in_subquery(recorded_withdrawals)),
        );
        if let Some((at, id)) = before {
            query = query.filter(
                Condition::any()
                    .add(consent_grant::Column::RecordedAt.lt(at))
                    .add(
                        Condition::all()
                            .add(consent_grant::Column::RecordedAt.eq(at))
                            .add(consent_grant::Column::Id.lt(id)),
                    ),
            );
        }
        let grants = query
            .order_by_desc(consent_grant::Column::RecordedAt)
            .order_by_desc(consent_grant::Column::Id)
            .limit(limit)
            .all(db)
            .await?;
        let ids: Vec<Uuid> = grants.iter().map(|g| g.id).collect();
        let (grant_scopes, grant_purposes, withdrawals, confirmations) = tokio::try_join!(
            consent_grant_scope::Entity::find()
                .filter(consent_grant_scope::Column::GrantId.is_in(ids.clone()))
                .all(db),
            consent_grant_purpose::Entity::find()
                .filter(consent_grant_purpose::Column::GrantId.is_in(ids.clone()))
                .all(db),
            consent_withdrawal::Entity::find()
                .filter(consent_withdrawal::Column::GrantId.is_in(ids.clone()))
                .all(db),
            consent_confirmation::Entity::find()
                .filter(consent_confirmation::Column::GrantId.is_in(ids))
                .all(db),
        )?;
        grants_of(
            &grants,
            &grant_scopes,
            &grant_purposes,
            &withdrawals,
            &confirmations,
        )
    }

    /// The child a grant or a withdrawal (by id) belongs to.
    pub async fn child_of_receipt(&self, id: Uuid) -> Result<Option<ChildId>> {
        // Both lookups always run: a receipt id that exists answers in the
        // same work as one that does not.
        let (grant, withdrawal) = tokio::try_join!(
            consent_grant::Entity::find()
                .filter(consent_grant::Column::Id.eq(id))
                .one(&self.db),
            consent_withdrawal::Entity::find()
                .filter(consent_withdrawal::Column::Id.eq(id))
                .one(&self.db),
        )?;
        Ok(grant
            .map(|g| g.child_id)
            .or_else(|| withdrawal.map(|w| w.child_id)))
    }

    /// The child an override belongs to.
    pub async fn child_of_override(&self, id: Uuid) -> Result<Option<ChildId>> {
        Ok(safeguarding_override::Entity::find()
            .filter(safeguarding_override::Column::Id.eq(id))
            .one(&self.db)
            .await?
            .map(|o| o.child_id))
    }

    /// Overrides with no review yet, oldest first (for IG staff and the
    /// Caldicott Guardian).
    #[tracing::instrument(name = "db.overrides_awaiting_review", skip_all, fields(otel.kind = "client", db.system.name = self.system_name(), db.operation.name = "overrides_awaiting_review"))]
    pub async fn overrides_awaiting_review(&self) -> Result<Vec<Override>> {
        let reviewed: Vec<Uuid> = override_review::Entity::find()
            .select_only()
            .column(override_review::Column::OverrideId)
            .into_tuple()
            .all(&self.db)
            .await?;
        let mut query = safeguarding_override::Entity::find()
            .order_by_asc(safeguarding_override::Column::StartsAt);
        if !reviewed.is_empty() {
            query = query.filter(safeguarding_override::Column::Id.is_not_in(reviewed));
        }
        let overrides = query.all(&self.db).await?;
        if overrides.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<Uuid> = overrides.iter().map(|o| o.id).collect();
        let (scopes, tellings, approvals) = tokio::try_join!(
            safeguarding_override_scope::Entity::find()
                .filter(safeguarding_override_scope::Column::OverrideId.is_in(ids.clone()))
                .all(&self.db),
            override_telling::Entity::find()
                .filter(override_telling::Column::OverrideId.is_in(ids.clone()))
                .all(&self.db),
            override_approval::Entity::find()
                .filter(override_approval::Column::OverrideId.is_in(ids))
                .all(&self.db),
        )?;
        let facts = OverrideFacts::new(&scopes, &tellings, &approvals, &[])?;
        overrides.iter().map(|o| override_of(o, &facts)).collect()
    }

    /// The agreement in force: the highest published version.
    #[tracing::instrument(name = "db.current_agreement", skip_all, fields(otel.kind = "client", db.system.name = self.system_name(), db.operation.name = "current_agreement"))]
    pub async fn current_agreement(&self) -> Result<Agreement> {
        let latest = agreement::Entity::find()
            .order_by_desc(agreement::Column::Version)
            .one(&self.db)
            .await?
            .ok_or_else(|| StoreError::Corrupt("no data-sharing agreement is published".into()))?;
        self.agreement_of(latest).await
    }

    /// A given version, if published.
    pub async fn agreement_version(&self, version: i32) -> Result<Option<Agreement>> {
        match agreement::Entity::find_by_id(version).one(&self.db).await? {
            Some(row) => Ok(Some(self.agreement_of(row).await?)),
            None => Ok(None),
        }
    }

    async fn agreement_of(&self, row: agreement::Model) -> Result<Agreement> {
        let (rules, recorders) = tokio::try_join!(
            agreement_rule::Entity::find()
                .filter(agreement_rule::Column::Version.eq(row.version))
                .all(&self.db),
            agreement_consent_recorder::Entity::find()
                .filter(agreement_consent_recorder::Column::Version.eq(row.version))
                .all(&self.db),
        )?;
        let consent_recorders = recorders
            .iter()
            .map(|r| code::<AgencyKind>(&r.agency_kind))
            .collect::<Result<_>>()?;
        let entries = rules
            .iter()
            .map(|r| {
                Ok(AgreementEntry {
                    kind: code::<AgencyKind>(&r.agency_kind)?,
                    scope: code::<Scope>(&r.scope)?,
                    purpose: code::<Purpose>(&r.purpose)?,
                    permission: Permission {
                        read: r.can_read,
                        contribute: r.can_contribute,
                        statutory: r.statutory,
                    },
                    basis: LawfulBasis::new(
                        code(&r.article6)?,
                        r.special_condition.as_deref().map(code).transpose()?,
                        r.gateway.clone(),
                    ),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Agreement::from_entries(
            row.version,
            row.title,
            consent_recorders,
            entries,
        ))
    }

    /// Publishes `default` (the shipped agreement, already parsed, with its
    /// `source_text`) as version 1 if no agreement exists.
    pub async fn ensure_default_agreement(
        &self,
        default: Agreement,
        source_text: &str,
    ) -> Result<()> {
        let tx = self.traced().await?;
        if agreement::Entity::find().one(tx.conn()).await?.is_some() {
            return Ok(());
        }
        let now = self.now();
        let agreement = tx
            .publish_agreement(default, source_text, "tellonce", now)
            .await?;
        let actor = consent::trace::Actor {
            subject: Some("tellonce".into()),
            ..Default::default()
        };
        let entry = consent::trace::TraceEntry::new(
            consent::trace::TraceAction::AgreementPublished,
            actor,
            now,
        )
        .detail("version", agreement.version)
        .detail("source", "the default agreement shipped with tellonce");
        tx.commit(vec![entry]).await?;
        Ok(())
    }
}

impl TracedTxn {
    pub async fn insert_grant(&self, g: &Grant) -> Result<()> {
        let (agency_id, kind) = match g.recipient {
            Recipient::Agency(id) => (Some(id), None),
            Recipient::Kind(kind) => (None, Some(kind.code().to_owned())),
        };
        consent_grant::Entity::insert(consent_grant::ActiveModel {
            child_id: Set(g.child_id),
            id: Set(g.id),
            grantor_person_id: Set(g.grantor_person_id.clone()),
            grantor_capacity: Set(g.capacity.code().to_owned()),
            recipient_agency_id: Set(agency_id),
            recipient_agency_kind: Set(kind),
            valid_from: Set(g.valid_from),
            valid_until: Set(g.valid_until),
            method: Set(g.capture.method().code().to_owned()),
            recorded_by: Set(g.capture.recorded_by().map(str::to_owned)),
            recorded_at: Set(g.recorded_at),
            evidence: Set(g.capture.evidence().map(str::to_owned)),
            notice_version: Set(g.notice_version.clone()),
            agreement_version: Set(g.agreement_version),
            needs_family_confirmation: Set(g.needs_family_confirmation),
        })
        .exec(&self.txn)
        .await?;
        if !g.scopes.is_empty() {
            consent_grant_scope::Entity::insert_many(g.scopes.iter().map(|s| {
                consent_grant_scope::ActiveModel {
                    child_id: Set(g.child_id),
                    grant_id: Set(g.id),
                    scope: Set(s.code().to_owned()),
                }
            }))
            .exec(&self.txn)
            .await?;
        }
        if !g.purposes.is_empty() {
            consent_grant_purpose::Entity::insert_many(g.purposes.iter().map(|p| {
                consent_grant_purpose::ActiveModel {
                    child_id: Set(g.child_id),
                    grant_id: Set(g.id),
                    purpose: Set(p.code().to_owned()),
                }
            }))
            .exec(&self.txn)
            .await?;
        }
        Ok(())
    }
    /// Records a withdrawal; a second withdrawal of the same grant is a
    /// conflict ([`crate::Constraint::WithdrawalGrant`]).
    pub async fn insert_withdrawal(
        &self,
        child_id: ChildId,
        grant_id: Uuid,
        w: &Withdrawal,
    ) -> Result<()> {
        consent_withdrawal::Entity::insert(consent_withdrawal::ActiveModel {
            child_id: Set(child_id),
            id: Set(w.id),
            grant_id: Set(grant_id),
            withdrawn_at: Set(w.at),
            by_person_id: Set(w.by_person_id.clone()),
            capacity: Set(w.capacity.code().to_owned()),
            reason: Set(w.reason.clone()),
            method: Set(w.capture.method().code().to_owned()),
            recorded_by: Set(w.capture.recorded_by().map(str::to_owned)),
            evidence: Set(w.capture.evidence().map(str::to_owned)),
        })
        .exec(&self.txn)
        .await?;
        Ok(())
    }
    pub async fn insert_confirmation(
        &self,
        child_id: ChildId,
        grant_id: Uuid,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<()> {
        consent_confirmation::Entity::insert(consent_confirmation::ActiveModel {
            child_id: Set(child_id),
            id: Set(Uuid::now_v7()),
            grant_id: Set(grant_id),
            by_person_id: Set(by.to_owned()),
            confirmed_at: Set(at),
        })
        .exec(&self.txn)
        .await?;
        Ok(())
    }
    pub async fn insert_override(&self, o: &Override) -> Result<()> {
        safeguarding_override::Entity::insert(safeguarding_override::ActiveModel {
            child_id: Set(o.child_id),
            id: Set(o.id),
            declared_by: Set(o.declared_by.clone()),
            agency_id: Set(o.agency_id),
            reason: Set(o.reason.clone()),
            starts_at: Set(o.starts_at),
            ends_at: Set(o.ends_at),
            ground: Set(o.ground.code().to_owned()),
            ground_carried_over: Set(o.ground_carried_over),
            review_due_by: Set(o.review_due_by),
        })
        .exec(&self.txn)
        .await?;
        self.insert_telling(o.child_id, o.id, &o.telling).await?;
        if !o.scopes.is_empty() {
            safeguarding_override_scope::Entity::insert_many(o.scopes.iter().map(|s| {
                safeguarding_override_scope::ActiveModel {
                    child_id: Set(o.child_id),
                    override_id: Set(o.id),
                    scope: Set(s.code().to_owned()),
                }
            }))
            .exec(&self.txn)
            .await?;
        }
        Ok(())
    }
    /// Records a telling decision about an override (the latest is in
    /// force).
    pub async fn insert_telling(
        &self,
        child_id: ChildId,
        override_id: Uuid,
        t: &TellingDecision,
    ) -> Result<()> {
        let (tell_on, because, review_on) = match &t.telling {
            Telling::Now => (None, None, None),
            Telling::On(on) => (Some(*on), None, None),
            Telling::NotNow { because, review_on } => {
                (None, Some(because.clone()), Some(*review_on))
            }
        };
        override_telling::Entity::insert(override_telling::ActiveModel {
            child_id: Set(child_id),
            id: Set(t.id),
            override_id: Set(override_id),
            decision: Set(t.telling.choice().code().to_owned()),
            tell_on: Set(tell_on),
            not_now_because: Set(because),
            review_on: Set(review_on),
            family_notice: Set(t.family_notice.clone()),
            decided_by: Set(t.decided_by.clone()),
            decided_at: Set(t.decided_at),
        })
        .exec(&self.txn)
        .await?;
        Ok(())
    }
    /// Records a second approval; a second one for the same override is a
    /// conflict ([`crate::Constraint::ApprovalOverride`]).
    pub async fn insert_approval(
        &self,
        child_id: ChildId,
        override_id: Uuid,
        a: &Approval,
    ) -> Result<()> {
        override_approval::Entity::insert(override_approval::ActiveModel {
            child_id: Set(child_id),
            id: Set(a.id),
            override_id: Set(override_id),
            approver: Set(a.approver.clone()),
            role: Set(a.role.code().to_owned()),
            approved_at: Set(a.at),
        })
        .exec(&self.txn)
        .await?;
        Ok(())
    }
    pub async fn insert_review(
        &self,
        child_id: ChildId,
        override_id: Uuid,
        r: &Review,
    ) -> Result<()> {
        override_review::Entity::insert(override_review::ActiveModel {
            child_id: Set(child_id),
            id: Set(r.id),
            override_id: Set(override_id),
            outcome: Set(r.outcome.code().to_owned()),
            note: Set(r.note.clone()),
            reviewer: Set(r.reviewer.clone()),
            reviewed_at: Set(r.at),
        })
        .exec(&self.txn)
        .await?;
        Ok(())
    }
    /// Sets (`Some`) or clears (`None`) the address-withheld marker; false
    /// if there is no such child.
    pub async fn set_address_withheld(
        &self,
        child_id: ChildId,
        marker: Option<&consent::AddressWithheld>,
    ) -> Result<bool> {
        let result = child::Entity::update_many()
            .col_expr(
                child::Column::AddressWithheldReason,
                Expr::value(marker.map(|m| m.reason.clone())),
            )
            .col_expr(
                child::Column::AddressWithheldBy,
                Expr::value(marker.map(|m| m.set_by.clone())),
            )
            .col_expr(
                child::Column::AddressWithheldAt,
                Expr::value(marker.map(|m| m.set_at)),
            )
            .filter(child::Column::Id.eq(child_id))
            .exec(&self.txn)
            .await?;
        Ok(result.rows_affected == 1)
    }
    /// Publishes `agreement` (parsed and validated by the caller from
    /// `source_text`, which is kept) as the next version, in one
    /// transaction. Its `version` is replaced by the next free one.
    pub async fn publish_agreement(
        &self,
        mut built: Agreement,
        source_text: &str,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<Agreement> {
        let txn = &self.txn;
        let next = agreement::Entity::find()
            .order_by_desc(agreement::Column::Version)
            .one(txn)
            .await?
            .map_or(1, |a| a.version + 1);
        built.version = next;
        agreement::Entity::insert(agreement::ActiveModel {
            version: Set(next),
            title: Set(built.title.clone()),
            source: Set(source_text.to_owned()),
            published_at: Set(now),
            published_by: Set(by.to_owned()),
        })
        .exec(txn)
        .await?;
        if !built.consent_recorders.is_empty() {
            agreement_consent_recorder::Entity::insert_many(built.consent_recorders.iter().map(
                |k| agreement_consent_recorder::ActiveModel {
                    version: Set(next),
                    agency_kind: Set(k.code().to_owned()),
                },
            ))
            .exec(txn)
            .await?;
        }
        let rows: Vec<_> = built
            .entries()
            .map(|e| agreement_rule::ActiveModel {
                version: Set(next),
                agency_kind: Set(e.kind.code().to_owned()),
                scope: Set(e.scope.code().to_owned()),
                purpose: Set(e.purpose.code().to_owned()),
                can_read: Set(e.permission.read),
                can_contribute: Set(e.permission.contribute),
                statutory: Set(e.permission.statutory),
                article6: Set(e.basis.article6.code().to_owned()),
                special_condition: Set(e.basis.condition.map(|c| c.code().to_owned())),
                gateway: Set(e.basis.gateway.clone()),
            })
            .collect();
        // In batches: one statement for hundreds of rows builds a deep
        // expression (and nears PostgreSQL's parameter limit).
        let mut rows = rows.into_iter().peekable();
        while rows.peek().is_some() {
            let batch: Vec<_> = rows.by_ref().take(RULE_BATCH).collect();
            agreement_rule::Entity::insert_many(batch).exec(txn).await?;
        }
        Ok(built)
    }
}
