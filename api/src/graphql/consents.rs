//! Consent over GraphQL: families grant, withdraw and confirm consent and
//! read their receipts; practitioners record consent given on paper or by
//! phone; IG admins publish agreements; safeguarding leads declare overrides
//! that IG staff review.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use consent::{Agreement, Grant, Override, Receipt, Recipient};

use super::record::request;
use super::types;
use crate::access::{GrantAsk, OverrideAsk, RequestContext, WithdrawAsk};

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
        self.grant.capture.method().into()
    }
    async fn recorded_by(&self) -> Option<&str> {
        self.grant.capture.recorded_by()
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

#[derive(Debug, Default)]
pub struct ConsentQuery;

fn consent_of(grant: Grant, rc: &RequestContext) -> Consent {
    Consent {
        grant,
        now: rc.now,
        controller: rc.policy().controller.clone(),
    }
}

#[Object]
impl ConsentQuery {
    /// Every consent recorded for a child, with its status and history (for
    /// the family).
    async fn consents(&self, ctx: &Context<'_>, child_id: ID) -> GqlResult<Vec<Consent>> {
        let rc = request(ctx)?;
        let child = parse_id("childId", &child_id)?;
        let family = rc.family(child).await?;
        Ok(family
            .consents()
            .into_iter()
            .map(|g| consent_of(g, rc))
            .collect())
    }

    /// After the end of compulsory school age: the grants a parent made that
    /// the young person has yet to confirm or withdraw.
    async fn consents_to_review(&self, ctx: &Context<'_>, child_id: ID) -> GqlResult<Vec<Consent>> {
        let rc = request(ctx)?;
        let child = parse_id("childId", &child_id)?;
        let family = rc.family(child).await?;
        Ok(family
            .consents_to_review()
            .into_iter()
            .map(|g| consent_of(g, rc))
            .collect())
    }

    /// The receipt for a grant or a withdrawal, by its receipt id.
    async fn consent_receipt(&self, ctx: &Context<'_>, id: ID) -> GqlResult<ConsentReceipt> {
        let rc = request(ctx)?;
        let id = parse_id("id", &id)?;
        Ok(rc.consent().receipt_by_id(id).await?.into())
    }

    /// The data-sharing agreement in force, or a given version.
    async fn agreement(&self, ctx: &Context<'_>, version: Option<i32>) -> GqlResult<AgreementView> {
        let rc = request(ctx)?;
        Ok(rc.agreement(version).await?.into())
    }

    /// Safeguarding overrides not yet reviewed (IG staff).
    async fn overrides_awaiting_review(
        &self,
        ctx: &Context<'_>,
    ) -> GqlResult<Vec<SafeguardingOverride>> {
        let rc = request(ctx)?;
        let overrides = rc.ig()?.overrides_awaiting_review().await?;
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
        let child = parse_id("childId", &input.child_id)?;
        let receipt = rc
            .consent()
            .grant(GrantAsk {
                child,
                recipient_agency_id: input
                    .recipient_agency_id
                    .as_ref()
                    .map(|id| parse_id("recipientAgencyId", id))
                    .transpose()?,
                recipient_agency_kind: input.recipient_agency_kind.map(Into::into),
                scopes: input.scopes.iter().map(|s| (*s).into()).collect(),
                purposes: input.purposes.iter().map(|p| (*p).into()).collect(),
                valid_from: input.valid_from,
                valid_until: input.valid_until,
                method: input.method.map(Into::into),
                grantor_person_id: input.grantor_person_id,
            })
            .await?;
        Ok(receipt.into())
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
        let receipt = rc
            .consent()
            .withdraw(WithdrawAsk {
                grant: parse_id("grantId", &grant_id)?,
                reason,
                method: method.map(Into::into),
                grantor_person_id,
            })
            .await?;
        Ok(receipt.into())
    }

    /// The young person keeps a grant a parent made for them.
    async fn confirm_consent(&self, ctx: &Context<'_>, grant_id: ID) -> GqlResult<Consent> {
        let rc = request(ctx)?;
        let grant = rc
            .consent()
            .confirm(parse_id("grantId", &grant_id)?)
            .await?;
        Ok(consent_of(grant, rc))
    }

    /// Publishes a new version of the data-sharing agreement (role ig_admin),
    /// written in the same TOML form as `consent/agreements/default.toml`.
    async fn publish_agreement(
        &self,
        ctx: &Context<'_>,
        source: String,
    ) -> GqlResult<AgreementView> {
        let rc = request(ctx)?;
        Ok(rc.ig_admin()?.publish_agreement(&source).await?.into())
    }

    /// Declares a time-limited safeguarding override (designated safeguarding
    /// leads). It is queued for IG review.
    async fn declare_safeguarding_override(
        &self,
        ctx: &Context<'_>,
        input: DeclareOverrideInput,
    ) -> GqlResult<SafeguardingOverride> {
        let rc = request(ctx)?;
        let lead = rc.safeguarding_lead()?;
        let o = lead
            .declare(OverrideAsk {
                child: parse_id("childId", &input.child_id)?,
                scopes: input.scopes.iter().map(|s| (*s).into()).collect(),
                reason: input.reason,
                hours: input.hours,
                tell_family: input.tell_family,
                withhold_reason: input.withhold_reason,
            })
            .await?;
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
        let ig = rc.ig()?;
        let id = parse_id("id", &id)?;
        let o = ig.review_override(id, outcome.into(), &note).await?;
        Ok(SafeguardingOverride::new(&o, rc.now))
    }
}
