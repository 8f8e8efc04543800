//! Consent over GraphQL: families grant, withdraw and confirm consent and
//! read their receipts; practitioners record consent given on paper or by
//! phone; IG admins publish agreements; safeguarding leads declare overrides
//! that IG staff review.

use std::collections::BTreeSet;

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Duration, Utc};
use consent::{
    Agreement, CaptureMethod, ChildFacts, Grant, GrantorCapacity, Override, Purpose, Receipt,
    Recipient, Review, Role, Withdrawal,
};
use domain::Scope;
use uuid::Uuid;

use consent::trace::TraceAction;

use super::access::{RequestContext, load_child, open_as_family, request};
use super::types;
use crate::error::{Error, Result};

type GqlResult<T> = async_graphql::Result<T>;

use super::parse_id;

/// A consent receipt (Kantara Consent Receipt v1.1 / ISO/IEC TS 27560 shape).
#[derive(SimpleObject, Debug)]
pub struct ConsentReceipt {
    pub receipt_id: ID,
    pub event: types::ReceiptEvent,
    pub timestamp: DateTime<Utc>,
    pub version: &'static str,
    pub jurisdiction: &'static str,
    /// The child the consent is about.
    pub subject: ID,
    pub controller: String,
    pub grantor_person_id: String,
    pub grantor_capacity: types::GrantorCapacity,
    pub recipient_agency_id: Option<ID>,
    pub recipient_agency_kind: Option<types::AgencyKind>,
    pub scopes: Vec<types::Scope>,
    pub purposes: Vec<types::Purpose>,
    pub valid_from: DateTime<Utc>,
    pub valid_until: Option<DateTime<Utc>>,
    pub method: types::CaptureMethod,
    /// The practitioner who recorded a written or verbal decision.
    pub recorded_by: Option<String>,
    pub grant_id: ID,
    pub reason: Option<String>,
}

fn recipient_code(r: Recipient) -> String {
    match r {
        Recipient::Agency(id) => format!("agency:{id}"),
        Recipient::Kind(kind) => format!("kind:{kind}"),
    }
}

fn codes<T: std::fmt::Display>(items: &BTreeSet<T>) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

fn recipient_fields(r: Recipient) -> (Option<ID>, Option<types::AgencyKind>) {
    match r {
        Recipient::Agency(id) => (Some(ID(id.to_string())), None),
        Recipient::Kind(kind) => (None, Some(kind.into())),
    }
}

impl From<Receipt> for ConsentReceipt {
    fn from(r: Receipt) -> Self {
        let (recipient_agency_id, recipient_agency_kind) = recipient_fields(r.recipient);
        Self {
            receipt_id: ID(r.receipt_id.to_string()),
            event: r.event.into(),
            timestamp: r.timestamp,
            version: r.version,
            jurisdiction: r.jurisdiction,
            subject: ID(r.subject.to_string()),
            controller: r.controller,
            grantor_person_id: r.grantor_person_id,
            grantor_capacity: r.grantor_capacity.into(),
            recipient_agency_id,
            recipient_agency_kind,
            scopes: r.scopes.into_iter().map(Into::into).collect(),
            purposes: r.purposes.into_iter().map(Into::into).collect(),
            valid_from: r.valid_from,
            valid_until: r.valid_until,
            method: r.method.into(),
            recorded_by: r.recorded_by,
            grant_id: ID(r.grant_id.to_string()),
            reason: r.reason,
        }
    }
}

fn receipt(grant: &Grant, withdrawal: bool, rc: &RequestContext) -> Result<ConsentReceipt> {
    Receipt::of(grant, withdrawal, &rc.policy.controller)
        .map(Into::into)
        .ok_or_else(|| {
            Error::Internal(anyhow::anyhow!(
                "receipt requested for a grant without a withdrawal"
            ))
        })
}

/// A consent grant and what has happened to it since.
#[derive(Debug)]
pub struct Consent {
    grant: Grant,
    now: DateTime<Utc>,
    controller: String,
}

#[Object]
impl Consent {
    async fn id(&self) -> ID {
        ID(self.grant.id.to_string())
    }
    async fn status(&self) -> types::GrantStatus {
        self.grant.status(self.now).into()
    }
    async fn grantor_person_id(&self) -> &str {
        &self.grant.grantor_person_id
    }
    async fn grantor_capacity(&self) -> types::GrantorCapacity {
        self.grant.capacity.into()
    }
    async fn recipient_agency_id(&self) -> Option<ID> {
        recipient_fields(self.grant.recipient).0
    }
    async fn recipient_agency_kind(&self) -> Option<types::AgencyKind> {
        recipient_fields(self.grant.recipient).1
    }
    async fn scopes(&self) -> Vec<types::Scope> {
        self.grant.scopes.iter().map(|s| (*s).into()).collect()
    }
    async fn purposes(&self) -> Vec<types::Purpose> {
        self.grant.purposes.iter().map(|p| (*p).into()).collect()
    }
    async fn valid_from(&self) -> DateTime<Utc> {
        self.grant.valid_from
    }
    async fn valid_until(&self) -> Option<DateTime<Utc>> {
        self.grant.valid_until
    }
    async fn method(&self) -> types::CaptureMethod {
        self.grant.method.into()
    }
    async fn recorded_by(&self) -> Option<&str> {
        self.grant.recorded_by.as_deref()
    }
    async fn recorded_at(&self) -> DateTime<Utc> {
        self.grant.recorded_at
    }
    async fn withdrawn_at(&self) -> Option<DateTime<Utc>> {
        self.grant.withdrawal.as_ref().map(|w| w.at)
    }
    async fn withdrawal_reason(&self) -> Option<&str> {
        self.grant
            .withdrawal
            .as_ref()
            .and_then(|w| w.reason.as_deref())
    }
    /// When the young person confirmed a grant a parent made for them.
    async fn confirmed_at(&self) -> Option<DateTime<Utc>> {
        self.grant.confirmed_at
    }
    /// A parent's grant the young person has yet to confirm or withdraw.
    async fn awaits_young_person(&self) -> bool {
        self.grant.awaits_young_person(self.now)
    }
    async fn receipt(&self) -> Option<ConsentReceipt> {
        Receipt::of(&self.grant, false, &self.controller).map(Into::into)
    }
    async fn withdrawal_receipt(&self) -> Option<ConsentReceipt> {
        Receipt::of(&self.grant, true, &self.controller).map(Into::into)
    }
}

/// One (agency kind, scope, purpose) entry of an agreement.
#[derive(SimpleObject, Debug)]
pub struct AgreementRule {
    pub agency_kind: types::AgencyKind,
    pub scope: types::Scope,
    pub purpose: types::Purpose,
    pub read: bool,
    pub contribute: bool,
    /// Shared on the public-task basis: families are shown it but cannot
    /// switch it off.
    pub statutory: bool,
}

/// A version of the data-sharing agreement.
#[derive(SimpleObject, Debug)]
pub struct AgreementView {
    pub version: i32,
    pub title: String,
    pub consent_recorders: Vec<types::AgencyKind>,
    pub rules: Vec<AgreementRule>,
}

impl From<Agreement> for AgreementView {
    fn from(a: Agreement) -> Self {
        Self {
            version: a.version,
            title: a.title.clone(),
            consent_recorders: a.consent_recorders.iter().map(|k| (*k).into()).collect(),
            rules: a
                .entries()
                .map(|(k, s, p, perm)| AgreementRule {
                    agency_kind: k.into(),
                    scope: s.into(),
                    purpose: p.into(),
                    read: perm.read,
                    contribute: perm.contribute,
                    statutory: perm.statutory,
                })
                .collect(),
        }
    }
}

/// A safeguarding override, as IG staff and its holder see it.
#[derive(SimpleObject, Debug)]
pub struct SafeguardingOverride {
    pub id: ID,
    pub child_id: ID,
    pub declared_by: String,
    pub agency_id: ID,
    pub scopes: Vec<types::Scope>,
    pub reason: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub active: bool,
    pub tell_family: bool,
    pub withhold_reason: Option<String>,
    pub review_outcome: Option<types::ReviewOutcome>,
    pub review_note: Option<String>,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<DateTime<Utc>>,
}

impl SafeguardingOverride {
    fn new(o: &Override, now: DateTime<Utc>) -> Self {
        Self {
            id: ID(o.id.to_string()),
            child_id: ID(o.child_id.to_string()),
            declared_by: o.declared_by.clone(),
            agency_id: ID(o.agency_id.to_string()),
            scopes: o.scopes.iter().map(|s| (*s).into()).collect(),
            reason: o.reason.clone(),
            starts_at: o.starts_at,
            ends_at: o.ends_at,
            active: o.active(now),
            tell_family: o.tell_family,
            withhold_reason: o.withhold_reason.clone(),
            review_outcome: o.review.as_ref().map(|r| r.outcome.into()),
            review_note: o.review.as_ref().map(|r| r.note.clone()),
            reviewed_by: o.review.as_ref().map(|r| r.reviewer.clone()),
            reviewed_at: o.review.as_ref().map(|r| r.at),
        }
    }
}

use super::audit::require_ig;

/// Who is making a consent decision, in which capacity, and who recorded it:
/// the signed-in family member themself (DIGITAL), or a practitioner of a
/// recording agency naming the person whose written or verbal decision they
/// record. Anyone but the current consent authority is refused with the rule.
fn decider(
    rc: &RequestContext,
    facts: &ChildFacts,
    agreement: &Agreement,
    named: Option<&str>,
    method: Option<CaptureMethod>,
) -> Result<(String, GrantorCapacity, Option<String>)> {
    let p = &rc.principal;
    let today = rc.now.date_naive();
    let is_family = (p.has(Role::Family) || p.has(Role::YoungPerson)) && !p.is_practitioner();
    if let (true, Some(person)) = (is_family, p.person_id.as_deref()) {
        if named.is_some_and(|n| n != person) {
            return Err(Error::bad_input(
                "grantorPersonId",
                "you can only record your own decision",
            ));
        }
        if method.is_some_and(|m| m != CaptureMethod::Digital) {
            return Err(Error::bad_input(
                "method",
                "a decision you make yourself is DIGITAL",
            ));
        }
        let capacity = facts.may_decide(person, today).map_err(Error::Forbidden)?;
        return Ok((person.to_owned(), capacity, None));
    }
    if let (true, Some(agency)) = (p.is_practitioner(), p.agency) {
        if !agreement.consent_recorders.contains(&agency.kind) {
            return Err(Error::Forbidden(format!(
                "the data-sharing agreement (version {}) does not let {} record consent decisions",
                agreement.version,
                agency.kind.label()
            )));
        }
        if method == Some(CaptureMethod::Digital) {
            return Err(Error::bad_input(
                "method",
                "a practitioner records WRITTEN or VERBAL decisions",
            ));
        }
        let person = named.ok_or_else(|| {
            Error::bad_input(
                "grantorPersonId",
                "name the person whose decision you are recording",
            )
        })?;
        let capacity = facts.may_decide(person, today).map_err(Error::Forbidden)?;
        return Ok((person.to_owned(), capacity, Some(p.subject.clone())));
    }
    Err(Error::Forbidden(consent::NO_AUTHORITY.into()))
}

/// What a caller hears when there is no such thing: a family member gets
/// the same FORBIDDEN as for a child they have no authority over, so
/// consent calls cannot probe which children exist; practitioners, who may
/// identify any child, hear NOT_FOUND.
fn missing(rc: &RequestContext, what: &'static str) -> Error {
    if rc.principal.is_practitioner() {
        Error::NotFound(what)
    } else {
        Error::Forbidden(
            "only the person who holds consent authority for this child may make consent decisions: someone with parental responsibility, or the young person once past compulsory school age".into(),
        )
    }
}

/// Finds a grant (by grant id) and the child's facts.
async fn find_grant(rc: &RequestContext, grant_id: Uuid) -> Result<(ChildFacts, Agreement, Grant)> {
    // An unknown grant goes the same way as a hidden one (no timing oracle).
    let child_id = rc
        .store
        .child_of_receipt(grant_id)
        .await?
        .unwrap_or(super::access::NO_CHILD);
    let (core, state, agreement) = load_child(rc, child_id)
        .await?
        .ok_or_else(|| missing(rc, "consent"))?;
    let grant = state
        .grants
        .into_iter()
        .find(|g| g.id == grant_id)
        .ok_or_else(|| missing(rc, "consent"))?;
    Ok((core.consent_facts(), agreement, grant))
}

#[derive(Debug, Default)]
pub struct ConsentQuery;

#[Object]
impl ConsentQuery {
    /// Every consent recorded for a child, with its status and history (for
    /// the family).
    async fn consents(&self, ctx: &Context<'_>, child_id: ID) -> GqlResult<Vec<Consent>> {
        let rc = request(ctx)?;
        let child = parse_id("childId", &child_id)?;
        let (_, state, _) = open_as_family(rc, child).await?;
        rc.recorder.event(
            rc.child_entry(TraceAction::Read, child)
                .detail("view", "consents"),
        );
        Ok(state
            .grants
            .into_iter()
            .map(|grant| Consent {
                grant,
                now: rc.now,
                controller: rc.policy.controller.clone(),
            })
            .collect())
    }

    /// After the end of compulsory school age: the grants a parent made that
    /// the young person has yet to confirm or withdraw.
    async fn consents_to_review(&self, ctx: &Context<'_>, child_id: ID) -> GqlResult<Vec<Consent>> {
        let rc = request(ctx)?;
        let child = parse_id("childId", &child_id)?;
        let (core, state, _) = open_as_family(rc, child).await?;
        rc.recorder.event(
            rc.child_entry(TraceAction::Read, child)
                .detail("view", "consents_to_review"),
        );
        if !core.consent_facts().handed_over(rc.now.date_naive()) {
            return Ok(Vec::new());
        }
        Ok(state
            .grants
            .into_iter()
            .filter(|g| g.awaits_young_person(rc.now))
            .map(|grant| Consent {
                grant,
                now: rc.now,
                controller: rc.policy.controller.clone(),
            })
            .collect())
    }

    /// The receipt for a grant or a withdrawal, by its receipt id.
    async fn consent_receipt(&self, ctx: &Context<'_>, id: ID) -> GqlResult<ConsentReceipt> {
        let rc = request(ctx)?;
        let id = parse_id("id", &id)?;
        // An unknown receipt goes the same way as a hidden one.
        let child_id = rc
            .store
            .child_of_receipt(id)
            .await
            .map_err(Error::from)?
            .unwrap_or(super::access::NO_CHILD);
        let state = match open_as_family(rc, child_id).await {
            Ok((_, state, _)) => state,
            Err(Error::NotFound(_)) => {
                // The practitioner who recorded the decision may read its receipt.
                let state = rc
                    .store
                    .consent_state(child_id)
                    .await
                    .map_err(Error::from)?;
                // The practitioner who recorded a decision may read that
                // receipt (and only that one).
                let recorded = state.grants.iter().any(|g| {
                    let me = Some(rc.principal.subject.as_str());
                    (g.id == id && g.recorded_by.as_deref() == me)
                        || g.withdrawal
                            .as_ref()
                            .is_some_and(|w| w.id == id && w.recorded_by.as_deref() == me)
                });
                if !recorded {
                    return Err(Error::NotFound("receipt").into());
                }
                state
            }
            Err(e) => return Err(e.into()),
        };
        for grant in &state.grants {
            let withdrawal = grant.withdrawal.as_ref().is_some_and(|w| w.id == id);
            if grant.id == id || withdrawal {
                rc.recorder.event(
                    rc.child_entry(TraceAction::Read, child_id)
                        .detail("view", "consent_receipt")
                        .detail("receipt_id", id),
                );
                return Ok(receipt(grant, withdrawal, rc)?);
            }
        }
        Err(Error::NotFound("receipt").into())
    }

    /// The data-sharing agreement in force, or a given version.
    async fn agreement(&self, ctx: &Context<'_>, version: Option<i32>) -> GqlResult<AgreementView> {
        let rc = request(ctx)?;
        let agreement = match version {
            Some(v) => rc
                .store
                .agreement_version(v)
                .await
                .map_err(Error::from)?
                .ok_or(Error::NotFound("agreement version"))?,
            None => rc.store.current_agreement().await.map_err(Error::from)?,
        };
        Ok(agreement.into())
    }

    /// Safeguarding overrides not yet reviewed (IG staff).
    async fn overrides_awaiting_review(
        &self,
        ctx: &Context<'_>,
    ) -> GqlResult<Vec<SafeguardingOverride>> {
        let rc = request(ctx)?;
        require_ig(&rc.principal)?;
        let overrides = rc
            .store
            .overrides_awaiting_review()
            .await
            .map_err(Error::from)?;
        // IG staff's reading of the queue is traced like any other.
        for o in &overrides {
            rc.recorder.event(
                rc.child_entry(TraceAction::Read, o.child_id)
                    .detail("view", "override_review_queue")
                    .detail("override_id", o.id),
            );
        }
        Ok(overrides
            .iter()
            .map(|o| SafeguardingOverride::new(o, rc.now))
            .collect())
    }
}

/// A consent decision to record.
#[derive(InputObject, Debug)]
pub struct GrantConsentInput {
    pub child_id: ID,
    /// Share with one agency …
    pub recipient_agency_id: Option<ID>,
    /// … or with every agency of a kind (give exactly one).
    pub recipient_agency_kind: Option<types::AgencyKind>,
    pub scopes: Vec<types::Scope>,
    pub purposes: Vec<types::Purpose>,
    /// Defaults to now.
    pub valid_from: Option<DateTime<Utc>>,
    pub valid_until: Option<DateTime<Utc>>,
    /// DIGITAL when the family records it themselves; WRITTEN or VERBAL when a
    /// practitioner records it.
    pub method: Option<types::CaptureMethod>,
    /// Whose decision a practitioner is recording.
    pub grantor_person_id: Option<String>,
}

/// A safeguarding override to declare.
#[derive(InputObject, Debug)]
pub struct DeclareOverrideInput {
    pub child_id: ID,
    pub scopes: Vec<types::Scope>,
    /// Why, in at least 30 characters.
    pub reason: String,
    /// How long, in hours (at most the configured maximum, 72 by default).
    pub hours: i32,
    /// False only when telling the family would put the child at risk.
    pub tell_family: bool,
    /// Required when `tellFamily` is false.
    pub withhold_reason: Option<String>,
}

#[derive(Debug, Default)]
pub struct ConsentMutation;

#[Object]
impl ConsentMutation {
    /// Grants consent; returns the receipt.
    async fn grant_consent(
        &self,
        ctx: &Context<'_>,
        input: GrantConsentInput,
    ) -> GqlResult<ConsentReceipt> {
        let rc = request(ctx)?;
        let child_id = parse_id("childId", &input.child_id)?;
        let recipient = match (&input.recipient_agency_id, input.recipient_agency_kind) {
            (Some(id), None) => {
                let id = parse_id("recipientAgencyId", id)?;
                if !rc
                    .store
                    .agencies()
                    .await
                    .map_err(Error::from)?
                    .iter()
                    .any(|a| a.id == id)
                {
                    return Err(Error::bad_input("recipientAgencyId", "no such agency").into());
                }
                Recipient::Agency(id)
            }
            (None, Some(kind)) => Recipient::Kind(kind.into()),
            _ => {
                return Err(Error::bad_input(
                    "recipientAgencyId",
                    "give exactly one of recipientAgencyId and recipientAgencyKind",
                )
                .into());
            }
        };
        let scopes: BTreeSet<Scope> = input.scopes.iter().map(|s| (*s).into()).collect();
        if scopes.is_empty() {
            return Err(Error::bad_input("scopes", "name at least one scope").into());
        }
        if scopes.contains(&Scope::Restricted) {
            return Err(Error::bad_input(
                "scopes",
                "RESTRICTED information is never shared by consent",
            )
            .into());
        }
        let purposes: BTreeSet<Purpose> = input.purposes.iter().map(|p| (*p).into()).collect();
        if purposes.is_empty() {
            return Err(Error::bad_input("purposes", "name at least one purpose of use").into());
        }
        let valid_from = input.valid_from.unwrap_or(rc.now);
        // Consent speaks for what happens from now on: it cannot cover the past.
        if valid_from < rc.now - Duration::minutes(5) {
            return Err(Error::bad_input("validFrom", "must not be in the past").into());
        }
        if let Some(until) = input.valid_until
            && (until <= valid_from || until <= rc.now)
        {
            return Err(Error::bad_input(
                "validUntil",
                "must be after validFrom and in the future",
            )
            .into());
        }
        let (core, _, agreement) = load_child(rc, child_id)
            .await?
            .ok_or_else(|| missing(rc, "child"))?;
        let method = input.method.map(Into::into);
        let (person, capacity, recorded_by) = decider(
            rc,
            &core.consent_facts(),
            &agreement,
            input.grantor_person_id.as_deref(),
            method,
        )?;
        let grant = Grant {
            id: Uuid::now_v7(),
            child_id,
            grantor_person_id: person,
            capacity,
            recipient,
            scopes,
            purposes,
            valid_from,
            valid_until: input.valid_until,
            method: method.unwrap_or(if recorded_by.is_some() {
                CaptureMethod::Written
            } else {
                CaptureMethod::Digital
            }),
            recorded_by,
            recorded_at: rc.now,
            withdrawal: None,
            confirmed_at: None,
        };
        let tx = rc.store.traced().await.map_err(Error::from)?;
        tx.insert_grant(&grant).await.map_err(Error::from)?;
        let entry = rc
            .child_entry(TraceAction::ConsentGranted, child_id)
            .detail("grant_id", grant.id)
            .detail("recipient", recipient_code(grant.recipient))
            .detail("scopes", codes(&grant.scopes))
            .detail("purposes", codes(&grant.purposes))
            .detail("method", grant.method)
            .detail("capacity", grant.capacity);
        tx.commit(vec![entry]).await.map_err(Error::from)?;
        Ok(receipt(&grant, false, rc)?)
    }

    /// Withdraws a grant, effective for the very next request; returns the
    /// withdrawal's receipt.
    async fn withdraw_consent(
        &self,
        ctx: &Context<'_>,
        grant_id: ID,
        reason: Option<String>,
        #[graphql(desc = "Whose decision a practitioner is recording.")] grantor_person_id: Option<
            String,
        >,
        #[graphql(
            desc = "DIGITAL when the family withdraws themselves; WRITTEN or VERBAL when a practitioner records it."
        )]
        method: Option<types::CaptureMethod>,
    ) -> GqlResult<ConsentReceipt> {
        let rc = request(ctx)?;
        let (facts, agreement, mut grant) = find_grant(rc, parse_id("grantId", &grant_id)?).await?;
        let method = method.map(Into::into);
        let (person, capacity, recorded_by) =
            decider(rc, &facts, &agreement, grantor_person_id.as_deref(), method)?;
        if grant.withdrawal.is_some() {
            return Err(
                Error::bad_input("grantId", "this consent has already been withdrawn").into(),
            );
        }
        let reason =
            domain::input::optional_text("reason", reason.as_deref()).map_err(Error::from)?;
        let withdrawal = Withdrawal {
            id: Uuid::now_v7(),
            at: rc.now,
            by_person_id: person,
            capacity,
            reason,
            method: method.unwrap_or(if recorded_by.is_some() {
                CaptureMethod::Written
            } else {
                CaptureMethod::Digital
            }),
            recorded_by,
        };
        let tx = rc.store.traced().await.map_err(Error::from)?;
        tx.insert_withdrawal(grant.child_id, grant.id, &withdrawal)
            .await
            .map_err(Error::from)?;
        let entry = rc
            .child_entry(TraceAction::ConsentWithdrawn, grant.child_id)
            .detail("grant_id", grant.id)
            .detail("withdrawal_id", withdrawal.id)
            .detail("capacity", withdrawal.capacity);
        tx.commit(vec![entry]).await.map_err(Error::from)?;
        grant.withdrawal = Some(withdrawal);
        Ok(receipt(&grant, true, rc)?)
    }

    /// The young person keeps a grant a parent made for them.
    async fn confirm_consent(&self, ctx: &Context<'_>, grant_id: ID) -> GqlResult<Consent> {
        let rc = request(ctx)?;
        let (facts, agreement, mut grant) = find_grant(rc, parse_id("grantId", &grant_id)?).await?;
        let (person, capacity, _) = decider(rc, &facts, &agreement, None, None)?;
        if capacity != GrantorCapacity::YoungPerson {
            return Err(Error::Forbidden(
                "only the young person confirms consents made for them".into(),
            )
            .into());
        }
        if !grant.awaits_young_person(rc.now) {
            return Err(
                Error::bad_input("grantId", "this consent is not waiting for your review").into(),
            );
        }
        let tx = rc.store.traced().await.map_err(Error::from)?;
        tx.insert_confirmation(grant.child_id, grant.id, &person, rc.now)
            .await
            .map_err(Error::from)?;
        let entry = rc
            .child_entry(TraceAction::ConsentConfirmed, grant.child_id)
            .detail("grant_id", grant.id);
        tx.commit(vec![entry]).await.map_err(Error::from)?;
        grant.confirmed_at = Some(rc.now);
        Ok(Consent {
            grant,
            now: rc.now,
            controller: rc.policy.controller.clone(),
        })
    }

    /// Notes whether the young person lacks capacity for consent decisions
    /// (case officers of the council SEND team).
    async fn record_capacity(
        &self,
        ctx: &Context<'_>,
        child_id: ID,
        lacks_capacity: bool,
    ) -> GqlResult<bool> {
        let rc = request(ctx)?;
        super::require_case_officer(&rc.principal)?;
        let child_id = parse_id("childId", &child_id)?;
        let tx = rc.store.traced().await.map_err(Error::from)?;
        let found = tx
            .set_lacks_capacity(child_id, lacks_capacity)
            .await
            .map_err(Error::from)?;
        let entry = rc
            .child_entry(TraceAction::CapacityRecorded, child_id)
            .detail("lacks_capacity", lacks_capacity);
        tx.commit(if found { vec![entry] } else { Vec::new() })
            .await
            .map_err(Error::from)?;
        if !found {
            return Err(Error::NotFound("child").into());
        }
        Ok(lacks_capacity)
    }

    /// Publishes a new version of the data-sharing agreement (role ig_admin),
    /// written in the same TOML form as `consent/agreements/default.toml`.
    async fn publish_agreement(
        &self,
        ctx: &Context<'_>,
        source: String,
    ) -> GqlResult<AgreementView> {
        let rc = request(ctx)?;
        if !rc.principal.has(Role::IgAdmin) {
            return Err(Error::Forbidden(
                "only an IG administrator (ig_admin) may publish an agreement".into(),
            )
            .into());
        }
        let tx = rc.store.traced().await.map_err(Error::from)?;
        let agreement = tx
            .publish_agreement(
                crate::agreement::parse(&source)?,
                &source,
                &rc.principal.subject,
                rc.now,
            )
            .await
            .map_err(Error::from)?;
        tx.commit(vec![
            rc.entry(TraceAction::AgreementPublished)
                .detail("version", agreement.version),
        ])
        .await
        .map_err(Error::from)?;
        Ok(agreement.into())
    }

    /// Declares a time-limited safeguarding override (designated safeguarding
    /// leads). It is queued for IG review.
    async fn declare_safeguarding_override(
        &self,
        ctx: &Context<'_>,
        input: DeclareOverrideInput,
    ) -> GqlResult<SafeguardingOverride> {
        let rc = request(ctx)?;
        let p = &rc.principal;
        let agency = match (p.has(Role::SafeguardingLead), p.agency) {
            (true, Some(agency)) => agency,
            _ => {
                return Err(Error::Forbidden("only a designated safeguarding lead (role safeguarding_lead) may declare an override".into()).into());
            }
        };
        if p.purpose != Some(Purpose::Safeguarding) {
            return Err(Error::bad_input(
                "X-Purpose-Of-Use",
                "a safeguarding override is declared with the purpose SAFEGUARDING",
            )
            .into());
        }
        let child_id = parse_id("childId", &input.child_id)?;
        let reason = input.reason.trim().to_owned();
        if reason.chars().count() < consent::MIN_REASON_CHARS {
            return Err(Error::bad_input(
                "reason",
                format!(
                    "write at least {} characters saying why",
                    consent::MIN_REASON_CHARS
                ),
            )
            .into());
        }
        let max = rc.policy.max_override_hours;
        if input.hours < 1 || input.hours > i32::try_from(max).unwrap_or(i32::MAX) {
            return Err(Error::bad_input("hours", format!("must be between 1 and {max}")).into());
        }
        let scopes: BTreeSet<Scope> = input.scopes.iter().map(|s| (*s).into()).collect();
        if scopes.is_empty() {
            return Err(Error::bad_input("scopes", "name at least one scope").into());
        }
        let withhold_reason =
            domain::input::optional_text("withholdReason", input.withhold_reason.as_deref())
                .map_err(Error::from)?;
        if !input.tell_family && withhold_reason.is_none() {
            return Err(Error::bad_input(
                "withholdReason",
                "say why telling the family would put the child at risk",
            )
            .into());
        }
        let (_, _, agreement) = load_child(rc, child_id)
            .await?
            .ok_or(Error::NotFound("child"))?;
        if let Some(outside) = scopes.iter().find(|s| {
            !agreement
                .permission(agency.kind, **s, Purpose::Safeguarding)
                .read
        }) {
            return Err(Error::bad_input(
                "scopes",
                format!(
                    "the data-sharing agreement (version {}) does not let {} read {} for safeguarding",
                    agreement.version,
                    agency.kind.label(),
                    outside.code()
                ),
            )
            .into());
        }
        let o = Override {
            id: Uuid::now_v7(),
            child_id,
            declared_by: p.subject.clone(),
            agency_id: agency.id,
            scopes,
            reason,
            starts_at: rc.now,
            ends_at: rc.now + Duration::hours(i64::from(input.hours)),
            tell_family: input.tell_family,
            withhold_reason,
            review: None,
        };
        let tx = rc.store.traced().await.map_err(Error::from)?;
        tx.insert_override(&o).await.map_err(Error::from)?;
        let entry = rc
            .child_entry(TraceAction::OverrideDeclared, child_id)
            .detail("override_id", o.id)
            .detail("scopes", codes(&o.scopes))
            .detail("hours", input.hours)
            .detail("tell_family", o.tell_family);
        tx.commit(vec![entry]).await.map_err(Error::from)?;
        tracing::warn!(override_id = %o.id, hours = input.hours, "safeguarding override declared; queued for IG review");
        Ok(SafeguardingOverride::new(&o, rc.now))
    }

    /// Records an IG review of an override. NOT_UPHELD ends it at once.
    async fn review_override(
        &self,
        ctx: &Context<'_>,
        id: ID,
        outcome: types::ReviewOutcome,
        note: String,
    ) -> GqlResult<SafeguardingOverride> {
        let rc = request(ctx)?;
        require_ig(&rc.principal)?;
        let id = parse_id("id", &id)?;
        let note = domain::input::required_text("note", &note).map_err(Error::from)?;
        let child_id = rc
            .store
            .child_of_override(id)
            .await
            .map_err(Error::from)?
            .ok_or(Error::NotFound("override"))?;
        let review = Review {
            id: Uuid::now_v7(),
            outcome: outcome.into(),
            note,
            reviewer: rc.principal.subject.clone(),
            at: rc.now,
        };
        let tx = rc.store.traced().await.map_err(Error::from)?;
        tx.insert_review(child_id, id, &review)
            .await
            .map_err(Error::from)?;
        let entry = rc
            .child_entry(TraceAction::OverrideReviewed, child_id)
            .detail("override_id", id)
            .detail("outcome", review.outcome);
        tx.commit(vec![entry]).await.map_err(Error::from)?;
        let state = rc
            .store
            .consent_state(child_id)
            .await
            .map_err(Error::from)?;
        let o = state
            .overrides
            .iter()
            .find(|o| o.id == id)
            .ok_or(Error::NotFound("override"))?;
        Ok(SafeguardingOverride::new(o, rc.now))
    }
}
