//! Consent over GraphQL: families grant, withdraw and confirm consent and
//! read their receipts; practitioners record consent given on paper or by
//! phone; IG admins publish agreements; safeguarding leads declare overrides
//! that IG staff review.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use consent::{Agreement, Override, Receipt, Recipient};

use super::record::request;
use super::scalar::Date;
use super::types;
use crate::access::{ConsentRecord, GrantAsk, OverrideAsk, RequestContext, WithdrawAsk};

type GqlResult<T> = async_graphql::Result<T>;

use super::parse_id;

/// A consent receipt (Kantara Consent Receipt v1.1 / ISO/IEC TS 27560 shape).
#[derive(SimpleObject, Debug)]
pub struct ConsentReceipt {
    /// The receipt's id: the grant's id for a grant, the withdrawal's id for a withdrawal. Look it up again with `consentReceipt`.
    pub receipt_id: ID,
    /// Whether the receipt is for granting or withdrawing.
    pub event: types::ReceiptEvent,
    /// When the decision was recorded (a withdrawal: when it took effect).
    pub timestamp: DateTime<Utc>,
    /// The receipt specification it follows: `KI-CR-v1.1.0` (Kantara Consent Receipt v1.1).
    pub version: &'static str,
    /// The jurisdiction whose law applies: `GB-ENG` (England).
    pub jurisdiction: &'static str,
    /// The language the receipt is written in.
    pub language: &'static str,
    /// The child the consent is about.
    pub subject: ID,
    /// The data controller's name.
    pub controller: String,
    /// The data controller's contact details (Kantara `piiControllers`).
    pub controller_contact: ControllerContact,
    /// The controller's privacy notice (Kantara `policyUrl`).
    pub policy_url: String,
    /// The privacy-notice (wording) version the family agreed to.
    pub notice_version: String,
    /// The data-sharing agreement version the grant was made under.
    pub agreement_version: i32,
    /// The person who made the decision (a withdrawal: who withdrew), as the hub identifies them.
    pub grantor_person_id: String,
    /// In which capacity they decided (parental responsibility, the young person, a deputy...).
    pub grantor_capacity: types::GrantorCapacity,
    /// The one agency shared with; null when shared with every agency of a kind.
    pub recipient_agency_id: Option<ID>,
    /// The kind of agency shared with; null when shared with one agency.
    pub recipient_agency_kind: Option<types::AgencyKind>,
    /// The parts of the record covered.
    pub scopes: Vec<types::Scope>,
    /// The purposes of use covered.
    pub purposes: Vec<types::Purpose>,
    /// The law each (scope, purpose) covered rests on, from the agreement
    /// the grant was made under (null where it has no rule for the
    /// recipient).
    pub lawful_bases: Vec<ReceiptLawfulBasis>,
    /// True when any scope is special-category data (Kantara `sensitive`).
    pub sensitive: bool,
    /// The special-category scopes (Kantara `spiCat`).
    pub spi_cat: Vec<types::Scope>,
    /// AGREEMENT_TO_SHARE (the common-law duty of confidence) or CONSENT
    /// (UK GDPR Art 6(1)(a), only where every rule covered says so).
    pub agreement_kind: &'static str,
    /// How the family's agreement is named to them: "your agreement to
    /// share" or "your consent".
    pub agreement_words: &'static str,
    /// From when the grant gives access.
    pub valid_from: DateTime<Utc>,
    /// Until when; null for no end date (until withdrawn).
    pub valid_until: Option<DateTime<Utc>>,
    /// How the decision was captured: DIGITAL (by the family themselves), WRITTEN or VERBAL (recorded by a practitioner).
    pub method: types::CaptureMethod,
    /// The practitioner who recorded a written or verbal decision.
    pub recorded_by: Option<String>,
    /// What a recorded decision rests on: the signed form's reference, or
    /// the call's date, time and reference.
    pub evidence: Option<String>,
    /// A practitioner's record that re-opens what the family withdrew
    /// recently: it gives no access until the family confirms it.
    pub awaiting_family_confirmation: bool,
    /// For the family, in their words: who recorded it and how, and why it
    /// waits for them.
    pub note: Option<String>,
    /// The grant this receipt is about.
    pub grant_id: ID,
    /// For a withdrawal: the reason given, if any. Null for a grant.
    pub reason: Option<String>,
}

/// The controller's contact details.
#[derive(SimpleObject, Debug)]
pub struct ControllerContact {
    /// The controller's name (the local authority).
    pub name: String,
    /// Its postal address.
    pub address: String,
    /// Its email address for data-protection matters.
    pub email: String,
    /// Its telephone number.
    pub phone: String,
}

/// The law one (scope, purpose) of a receipt rests on.
#[derive(SimpleObject, Debug)]
pub struct ReceiptLawfulBasis {
    /// The scope.
    pub scope: types::Scope,
    /// The purpose.
    pub purpose: types::Purpose,
    /// The law it rests on; null where the agreement has no rule for the recipient.
    pub lawful_basis: Option<types::LawfulBasisView>,
}

/// The line a family reads on a decision a practitioner recorded for them.
fn note_of(r: &Receipt) -> Option<String> {
    let recorder = r.recorded_by.as_deref()?;
    let method = match r.method {
        consent::CaptureMethod::Verbal => "by phone or in person",
        _ => "on paper",
    };
    let mut note = format!("recorded for you by {recorder} ({method})");
    if r.awaiting_family_confirmation {
        note.push_str(
            "; it shares information you withdrew recently, so it does not take effect until you confirm it yourself",
        );
    }
    Some(note)
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
            language: r.language,
            subject: ID(r.subject.to_string()),
            note: note_of(&r),
            controller: r.controller.name.clone(),
            controller_contact: ControllerContact {
                name: r.controller.name,
                address: r.controller.address,
                email: r.controller.email,
                phone: r.controller.phone,
            },
            policy_url: r.controller.privacy_notice_url,
            notice_version: r.notice_version,
            agreement_version: r.agreement_version,
            grantor_person_id: r.grantor_person_id,
            grantor_capacity: r.grantor_capacity.into(),
            recipient_agency_id,
            recipient_agency_kind,
            scopes: r.scopes.into_iter().map(Into::into).collect(),
            purposes: r.purposes.into_iter().map(Into::into).collect(),
            lawful_bases: r
                .lawful_bases
                .iter()
                .map(|b| ReceiptLawfulBasis {
                    scope: b.scope.into(),
                    purpose: b.purpose.into(),
                    lawful_basis: b.basis.as_ref().map(Into::into),
                })
                .collect(),
            sensitive: r.sensitive,
            spi_cat: r.special_categories.into_iter().map(Into::into).collect(),
            agreement_kind: r.agreement_kind.code(),
            agreement_words: r.agreement_kind.words(),
            valid_from: r.valid_from,
            valid_until: r.valid_until,
            method: r.method.into(),
            recorded_by: r.recorded_by,
            evidence: r.evidence,
            awaiting_family_confirmation: r.awaiting_family_confirmation,
            grant_id: ID(r.grant_id.to_string()),
            reason: r.reason,
        }
    }
}

/// A consent grant and what has happened to it since.
#[derive(Debug)]
pub struct Consent {
    record: ConsentRecord,
    now: DateTime<Utc>,
}

/// A consent grant and what has happened to it since: its status,
/// capture, withdrawal, confirmation and receipts.
#[Object]
impl Consent {
    /// The grant's id.
    async fn id(&self) -> ID {
        ID(self.record.grant.id.to_string())
    }
    /// Where the grant stands now.
    async fn status(&self) -> types::GrantStatus {
        self.record.grant.status(self.now).into()
    }
    /// The person who made the decision, as the hub identifies them.
    async fn grantor_person_id(&self) -> &str {
        &self.record.grant.grantor_person_id
    }
    /// In which capacity they decided.
    async fn grantor_capacity(&self) -> types::GrantorCapacity {
        self.record.grant.capacity.into()
    }
    /// The one agency shared with; null when shared with every agency of a kind.
    async fn recipient_agency_id(&self) -> Option<ID> {
        recipient_fields(self.record.grant.recipient).0
    }
    /// The kind of agency shared with; null when shared with one agency.
    async fn recipient_agency_kind(&self) -> Option<types::AgencyKind> {
        recipient_fields(self.record.grant.recipient).1
    }
    /// The parts of the record covered.
    async fn scopes(&self) -> Vec<types::Scope> {
        self.record
            .grant
            .scopes
            .iter()
            .map(|s| (*s).into())
            .collect()
    }
    /// The purposes of use covered.
    async fn purposes(&self) -> Vec<types::Purpose> {
        self.record
            .grant
            .purposes
            .iter()
            .map(|p| (*p).into())
            .collect()
    }
    /// From when the grant gives access.
    async fn valid_from(&self) -> DateTime<Utc> {
        self.record.grant.valid_from
    }
    /// Until when; null for no end date (until withdrawn).
    async fn valid_until(&self) -> Option<DateTime<Utc>> {
        self.record.grant.valid_until
    }
    /// How the decision was captured.
    async fn method(&self) -> types::CaptureMethod {
        self.record.grant.capture.method().into()
    }
    /// The practitioner who recorded a WRITTEN or VERBAL decision; null for DIGITAL.
    async fn recorded_by(&self) -> Option<&str> {
        self.record.grant.capture.recorded_by()
    }
    /// When the grant was recorded in the hub.
    async fn recorded_at(&self) -> DateTime<Utc> {
        self.record.grant.recorded_at
    }
    /// When it was withdrawn; null while not withdrawn.
    async fn withdrawn_at(&self) -> Option<DateTime<Utc>> {
        self.record.grant.withdrawal.as_ref().map(|w| w.at)
    }
    /// The reason given for the withdrawal, if any.
    async fn withdrawal_reason(&self) -> Option<&str> {
        self.record
            .grant
            .withdrawal
            .as_ref()
            .and_then(|w| w.reason.as_deref())
    }
    /// When the young person confirmed a grant a parent made for them.
    async fn confirmed_at(&self) -> Option<DateTime<Utc>> {
        self.record.grant.confirmed_at
    }
    /// A parent's grant the young person has yet to confirm or withdraw.
    async fn awaits_young_person(&self) -> bool {
        self.record.grant.awaits_young_person(self.now)
    }
    /// Awaits the family's own confirmation: a practitioner's record that
    /// re-opens what the family withdrew recently (no access until then).
    async fn awaits_family(&self) -> bool {
        self.record.grant.awaits_family()
    }
    /// The evidence of a recorded decision.
    async fn evidence(&self) -> Option<&str> {
        self.record.grant.capture.evidence()
    }
    /// The receipt for the grant.
    async fn receipt(&self) -> Option<ConsentReceipt> {
        Some(self.record.receipt.clone().into())
    }
    /// The receipt for its withdrawal; null while not withdrawn.
    async fn withdrawal_receipt(&self) -> Option<ConsentReceipt> {
        self.record.withdrawal_receipt.clone().map(Into::into)
    }
}

/// One (agency kind, scope, purpose) entry of an agreement.
#[derive(SimpleObject, Debug)]
pub struct AgreementRule {
    /// The kind of agency the rule is for.
    pub agency_kind: types::AgencyKind,
    /// The part of the record.
    pub scope: types::Scope,
    /// The purpose of use.
    pub purpose: types::Purpose,
    /// Whether such agencies may read this scope for this purpose.
    pub read: bool,
    /// Whether they may contribute to it.
    pub contribute: bool,
    /// Shared on the public-task basis: families are shown it but cannot
    /// switch it off.
    pub statutory: bool,
    /// The law the rule rests on.
    pub lawful_basis: types::LawfulBasisView,
}

/// A version of the data-sharing agreement.
#[derive(SimpleObject, Debug)]
pub struct AgreementView {
    /// The agreement's version number, from 1.
    pub version: i32,
    /// Its title.
    pub title: String,
    /// The kinds of agency whose practitioners may record a family's consent decision given on paper or by phone.
    pub consent_recorders: Vec<types::AgencyKind>,
    /// Who may read and contribute what, for which purpose, on which law.
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
                .map(|e| AgreementRule {
                    agency_kind: e.kind.into(),
                    scope: e.scope.into(),
                    purpose: e.purpose.into(),
                    read: e.permission.read,
                    contribute: e.permission.contribute,
                    statutory: e.permission.statutory,
                    lawful_basis: (&e.basis).into(),
                })
                .collect(),
        }
    }
}

/// A telling decision: whether and when the family is told, and what.
#[derive(SimpleObject, Debug)]
pub struct OverrideTelling {
    /// Tell now, tell on a date, or not now.
    pub decision: types::TellingChoice,
    /// TELL_ON: the date the family is told from.
    pub tell_on: Option<Date>,
    /// NOT_NOW: why telling would raise the risk or prejudice an enquiry.
    pub not_now_because: Option<String>,
    /// NOT_NOW: when not telling is reconsidered.
    pub review_on: Option<Date>,
    /// The notice the family is shown (never the internal reason).
    pub family_notice: String,
    /// Who made the decision (token subject).
    pub decided_by: String,
    /// When.
    pub decided_at: DateTime<Utc>,
}

impl From<&consent::TellingDecision> for OverrideTelling {
    fn from(t: &consent::TellingDecision) -> Self {
        let (tell_on, not_now_because, review_on) = match &t.telling {
            consent::Telling::Now => (None, None, None),
            consent::Telling::On(on) => (Some(Date(*on)), None, None),
            consent::Telling::NotNow { because, review_on } => {
                (None, Some(because.clone()), Some(Date(*review_on)))
            }
        };
        Self {
            decision: t.telling.choice().into(),
            tell_on,
            not_now_because,
            review_on,
            family_notice: t.family_notice.clone(),
            decided_by: t.decided_by.clone(),
            decided_at: t.decided_at,
        }
    }
}

/// A safeguarding override, as IG staff, the Caldicott Guardian and its
/// holder see it.
#[derive(SimpleObject, Debug)]
pub struct SafeguardingOverride {
    /// The override's id.
    pub id: ID,
    /// The child it concerns.
    pub child_id: ID,
    /// The safeguarding lead who declared it (token subject).
    pub declared_by: String,
    /// The agency it gives access to (the declarer's).
    pub agency_id: ID,
    /// The legal ground it rests on.
    pub ground: types::OverrideGround,
    /// True when the override predates recorded grounds: its ground was
    /// carried over as SCH1_PARA18 and needs confirming.
    pub ground_carried_over: bool,
    /// The law it rests on: Art 6 basis, Art 9 condition and gateway.
    pub lawful_basis: String,
    /// The parts of the record it opens.
    pub scopes: Vec<types::Scope>,
    /// Internal: never shown to the family.
    pub reason: String,
    /// When it starts giving access.
    pub starts_at: DateTime<Utc>,
    /// When it stops giving access (or ended early, when not upheld).
    pub ends_at: DateTime<Utc>,
    /// Whether it gives access now.
    pub active: bool,
    /// IG or the Caldicott Guardian reviews it by then.
    pub review_due_by: DateTime<Utc>,
    /// Unreviewed past its deadline.
    pub review_overdue: bool,
    /// The telling decision in force.
    pub telling: OverrideTelling,
    /// Whether the family may be told of it now.
    pub family_told: bool,
    /// Who gave the second approval; null until approved.
    pub approved_by: Option<String>,
    /// In which role they approved.
    pub approver_role: Option<types::ApproverRole>,
    /// When it was approved.
    pub approved_at: Option<DateTime<Utc>>,
    /// The IG (or Caldicott Guardian) review's outcome; null until reviewed.
    pub review_outcome: Option<types::ReviewOutcome>,
    /// The reviewer's note.
    pub review_note: Option<String>,
    /// Who reviewed it (token subject).
    pub reviewed_by: Option<String>,
    /// When it was reviewed.
    pub reviewed_at: Option<DateTime<Utc>>,
}

impl SafeguardingOverride {
    fn new(o: &Override, now: DateTime<Utc>) -> Self {
        Self {
            id: ID(o.id.to_string()),
            child_id: ID(o.child_id.to_string()),
            declared_by: o.declared_by.clone(),
            agency_id: ID(o.agency_id.to_string()),
            ground: o.ground.into(),
            ground_carried_over: o.ground_carried_over,
            lawful_basis: o.ground.lawful_basis().citation(),
            scopes: o.scopes.iter().map(|s| (*s).into()).collect(),
            reason: o.reason.clone(),
            starts_at: o.starts_at,
            ends_at: o.ends_at,
            active: o.active(now),
            review_due_by: o.review_due_by,
            review_overdue: o.review_overdue(now),
            telling: (&o.telling).into(),
            family_told: o.family_may_be_told(now),
            approved_by: o.approval.as_ref().map(|a| a.approver.clone()),
            approver_role: o.approval.as_ref().map(|a| a.role.into()),
            approved_at: o.approval.as_ref().map(|a| a.at),
            review_outcome: o.review.as_ref().map(|r| r.outcome.into()),
            review_note: o.review.as_ref().map(|r| r.note.clone()),
            reviewed_by: o.review.as_ref().map(|r| r.reviewer.clone()),
            reviewed_at: o.review.as_ref().map(|r| r.at),
        }
    }
}

/// The override review queue in numbers (IG staff, Caldicott Guardian).
#[derive(SimpleObject, Debug)]
pub struct OverrideReviewCounts {
    /// Overrides not yet reviewed.
    pub awaiting: i32,
    /// Past their review deadline.
    pub overdue: i32,
    /// Carried over without a recorded ground: confirm it.
    pub ground_to_confirm: i32,
}

#[derive(Debug, Default)]
pub struct ConsentQuery;

async fn consents_of(grants: Vec<consent::Grant>, rc: &RequestContext) -> GqlResult<Vec<Consent>> {
    Ok(rc
        .consent()
        .records(grants)
        .await?
        .into_iter()
        .map(|record| Consent {
            record,
            now: rc.now,
        })
        .collect())
}

#[Object]
impl ConsentQuery {
    /// Every consent recorded for a child, with its status and history (for
    /// the family).
    async fn consents(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The child; the caller must be family for this child.")] child_id: ID,
    ) -> GqlResult<Vec<Consent>> {
        let rc = request(ctx)?;
        let child = parse_id("childId", &child_id)?;
        let family = rc.family(child).await?;
        consents_of(family.consents(), rc).await
    }

    /// After the end of compulsory school age: the grants a parent made that
    /// the young person has yet to confirm or withdraw.
    async fn consents_to_review(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The child; the caller must be the young person or their family.")]
        child_id: ID,
    ) -> GqlResult<Vec<Consent>> {
        let rc = request(ctx)?;
        let child = parse_id("childId", &child_id)?;
        let family = rc.family(child).await?;
        consents_of(family.consents_to_review(), rc).await
    }

    /// The receipt for a grant or a withdrawal, by its receipt id.
    async fn consent_receipt(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The receipt's id (`receiptId`).")] id: ID,
    ) -> GqlResult<ConsentReceipt> {
        let rc = request(ctx)?;
        let id = parse_id("id", &id)?;
        Ok(rc.consent().receipt_by_id(id).await?.into())
    }

    /// The data-sharing agreement in force, or a given version.
    async fn agreement(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The version to read; the one in force when absent.")] version: Option<
            i32,
        >,
    ) -> GqlResult<AgreementView> {
        let rc = request(ctx)?;
        Ok(rc.agreement(version).await?.into())
    }

    /// Safeguarding overrides not yet reviewed (IG staff and the Caldicott
    /// Guardian); `overdue: true` gives only those past their review
    /// deadline, `false` only those within it.
    async fn overrides_awaiting_review(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "True: only those past their review deadline; false: only those within it; absent: all."
        )]
        overdue: Option<bool>,
    ) -> GqlResult<Vec<SafeguardingOverride>> {
        let rc = request(ctx)?;
        let overrides = rc.ig()?.overrides_awaiting_review(overdue).await?;
        Ok(overrides
            .iter()
            .map(|o| SafeguardingOverride::new(o, rc.now))
            .collect())
    }

    /// Consent decisions practitioners recorded on paper or by phone
    /// (grant or withdrawal WRITTEN or VERBAL), newest first: IG's anomaly
    /// view, with who recorded each, its evidence, whether it re-opened a
    /// scope the family had recently withdrawn and whether the family has
    /// confirmed it (`ig_auditor`, `ig_admin`).
    async fn recorded_consents(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1 to 500; default 50.")] first: Option<i32>,
        #[graphql(desc = "The endCursor of the previous page.")] after: Option<String>,
    ) -> GqlResult<RecordedConsentConnection> {
        let rc = request(ctx)?;
        let ig = rc.ig()?;
        let first = super::audit::page_size(first)?;
        let before = after.as_deref().map(parse_recorded_cursor).transpose()?;
        let page = ig.recorded_consents(before, first).await?;
        let edges: Vec<RecordedConsentEdge> = page
            .records
            .into_iter()
            .map(|record| RecordedConsentEdge {
                cursor: recorded_cursor(&record.grant),
                node: RecordedConsent {
                    child_id: ID(record.grant.child_id.to_string()),
                    reopens_recent_withdrawal: record.grant.needs_family_confirmation,
                    consent: Consent {
                        record,
                        now: rc.now,
                    },
                },
            })
            .collect();
        let end_cursor = edges.last().map(|e| e.cursor.clone());
        Ok(RecordedConsentConnection {
            edges,
            page_info: super::audit::PageInfo {
                has_next_page: page.has_next_page,
                end_cursor,
            },
        })
    }

    /// The override review queue in numbers, overdue ones counted (IG
    /// staff and the Caldicott Guardian).
    async fn override_review_counts(&self, ctx: &Context<'_>) -> GqlResult<OverrideReviewCounts> {
        let rc = request(ctx)?;
        Ok(review_counts(rc.ig()?.override_review_counts().await?))
    }
}

/// A consent decision a practitioner recorded, for IG.
#[derive(SimpleObject, Debug)]
pub struct RecordedConsent {
    /// The child the decision is about.
    pub child_id: ID,
    /// It covers a scope the family withdrew within the configured window,
    /// so it gives no access until the family confirms it.
    pub reopens_recent_withdrawal: bool,
    /// The grant, its capture (method, recorder, evidence), withdrawal,
    /// confirmation and receipts.
    pub consent: Consent,
}

/// One decision in a page of practitioner-recorded consent decisions.
#[derive(SimpleObject, Debug)]
pub struct RecordedConsentEdge {
    /// Opaque position of this item, for `after`.
    pub cursor: String,
    /// The recorded decision.
    pub node: RecordedConsent,
}

/// A page of practitioner-recorded consent decisions, newest first.
#[derive(SimpleObject, Debug)]
pub struct RecordedConsentConnection {
    /// The decisions of this page.
    pub edges: Vec<RecordedConsentEdge>,
    /// Where this page ends.
    pub page_info: super::audit::PageInfo,
}

/// Opaque to clients; inside, the grant's recorded time and id.
fn recorded_cursor(g: &consent::Grant) -> String {
    format!("rec:{}:{}", g.recorded_at.timestamp_micros(), g.id)
}

fn parse_recorded_cursor(c: &str) -> Result<(DateTime<Utc>, uuid::Uuid), crate::error::Error> {
    let bad = || crate::error::Error::bad_input("after", "is not a cursor from this connection");
    let rest = c.strip_prefix("rec:").ok_or_else(bad)?;
    let (micros, id) = rest.split_once(':').ok_or_else(bad)?;
    let at = micros
        .parse::<i64>()
        .ok()
        .and_then(DateTime::from_timestamp_micros)
        .ok_or_else(bad)?;
    Ok((at, id.parse().map_err(|_| bad())?))
}

/// How many overrides await review and how many are overdue.
fn review_counts(c: crate::access::ReviewCounts) -> OverrideReviewCounts {
    let n = |x: usize| i32::try_from(x).unwrap_or(i32::MAX);
    OverrideReviewCounts {
        awaiting: n(c.awaiting),
        overdue: n(c.overdue),
        ground_to_confirm: n(c.ground_to_confirm),
    }
}

/// A consent decision to record.
#[derive(InputObject, Debug)]
pub struct GrantConsentInput {
    /// The child the consent is about.
    pub child_id: ID,
    /// Share with one agency …
    pub recipient_agency_id: Option<ID>,
    /// … or with every agency of a kind (give exactly one).
    pub recipient_agency_kind: Option<types::AgencyKind>,
    /// The parts of the record to share (at least one).
    pub scopes: Vec<types::Scope>,
    /// The purposes of use it is for (at least one).
    pub purposes: Vec<types::Purpose>,
    /// Defaults to now.
    pub valid_from: Option<DateTime<Utc>>,
    /// Until when; absent for no end date (until withdrawn).
    pub valid_until: Option<DateTime<Utc>>,
    /// DIGITAL when the family records it themselves; WRITTEN or VERBAL when a
    /// practitioner records it.
    pub method: Option<types::CaptureMethod>,
    /// Whose decision a practitioner is recording.
    pub grantor_person_id: Option<String>,
    /// Required when a practitioner records it: for WRITTEN the signed
    /// form's reference, for VERBAL the call's date, time and reference.
    pub evidence: Option<String>,
}

/// A safeguarding override to declare.
#[derive(InputObject, Debug)]
pub struct DeclareOverrideInput {
    /// The child at risk.
    pub child_id: ID,
    /// The legal ground: S47, S17, SCH1_PARA18 or VITAL_INTERESTS
    /// (required; a missing or unknown one is refused naming `ground`).
    pub ground: Option<String>,
    /// The parts of the record to open (at least one).
    pub scopes: Vec<types::Scope>,
    /// Why, in at least 30 characters. Internal: never shown to the family.
    pub reason: String,
    /// How long, in hours (at most the configured maximum, 72 by default).
    pub hours: i32,
    /// Whether and when the family is told, and what.
    pub telling: TellingInput,
}

/// A telling decision: TELL_NOW; TELL_ON with `tellOn`; or NOT_NOW with
/// `notNowBecause` and `reviewOn`. The family notice is always required.
#[derive(InputObject, Debug)]
pub struct TellingInput {
    /// Tell now, tell on a date, or not now.
    pub decision: types::TellingChoice,
    /// TELL_ON: the date the family is told from.
    pub tell_on: Option<Date>,
    /// NOT_NOW: why telling would raise the risk or prejudice an enquiry (internal).
    pub not_now_because: Option<String>,
    /// NOT_NOW: when not telling is reconsidered.
    pub review_on: Option<Date>,
    /// The notice the family is shown, written for them (20 to 1000
    /// characters; never the internal reason).
    pub family_notice: String,
}

impl From<TellingInput> for consent::TellingRequest {
    fn from(t: TellingInput) -> Self {
        Self {
            choice: t.decision.into(),
            tell_on: t.tell_on.map(|d| d.0),
            not_now_because: t.not_now_because,
            review_on: t.review_on.map(|d| d.0),
            family_notice: t.family_notice,
        }
    }
}

#[derive(Debug, Default)]
pub struct ConsentMutation;

#[Object]
impl ConsentMutation {
    /// Grants consent; returns the receipt.
    async fn grant_consent(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The decision: who shares what with whom, for which purposes.")]
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
                evidence: input.evidence,
            })
            .await?;
        Ok(receipt.into())
    }

    /// Withdraws a grant, effective for the very next request; returns the
    /// withdrawal's receipt.
    async fn withdraw_consent(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The grant to withdraw.")] grant_id: ID,
        #[graphql(desc = "Why, if the family wishes to say (shown on the withdrawal receipt).")]
        reason: Option<String>,
        #[graphql(desc = "Whose decision a practitioner is recording.")] grantor_person_id: Option<
            String,
        >,
        #[graphql(
            desc = "DIGITAL when the family withdraws themselves; WRITTEN or VERBAL when a practitioner records it."
        )]
        method: Option<types::CaptureMethod>,
        #[graphql(
            desc = "Required when a practitioner records it: the signed form's reference (WRITTEN) or the call's date, time and reference (VERBAL)."
        )]
        evidence: Option<String>,
    ) -> GqlResult<ConsentReceipt> {
        let rc = request(ctx)?;
        let receipt = rc
            .consent()
            .withdraw(WithdrawAsk {
                grant: parse_id("grantId", &grant_id)?,
                reason,
                method: method.map(Into::into),
                grantor_person_id,
                evidence,
            })
            .await?;
        Ok(receipt.into())
    }

    /// The young person keeps a grant a parent made for them; or the family
    /// confirms a consent a practitioner recorded that re-opens what they
    /// withdrew recently.
    async fn confirm_consent(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The grant to confirm.")] grant_id: ID,
    ) -> GqlResult<Consent> {
        let rc = request(ctx)?;
        let grant = rc
            .consent()
            .confirm(parse_id("grantId", &grant_id)?)
            .await?;
        let mut consents = consents_of(vec![grant], rc).await?;
        Ok(consents.pop().ok_or_else(|| {
            crate::error::Error::Internal(anyhow::anyhow!("no record of a confirmed consent"))
        })?)
    }

    /// Publishes a new version of the data-sharing agreement (role ig_admin),
    /// written in the same TOML form as `consent/agreements/default.toml`.
    async fn publish_agreement(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The agreement in TOML; its version must be the next number.")]
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
        #[graphql(
            desc = "The override: child, ground, scopes, reason, duration and telling decision."
        )]
        input: DeclareOverrideInput,
    ) -> GqlResult<SafeguardingOverride> {
        let rc = request(ctx)?;
        let lead = rc.safeguarding_lead()?;
        let o = lead
            .declare(OverrideAsk {
                child: parse_id("childId", &input.child_id)?,
                ground: input.ground,
                scopes: input.scopes.iter().map(|s| (*s).into()).collect(),
                reason: input.reason,
                hours: input.hours,
                telling: input.telling.into(),
            })
            .await?;
        Ok(SafeguardingOverride::new(&o, rc.now))
    }

    /// Records a new decision about telling the family of an override (its
    /// declaring lead only), e.g. after the strategy discussion.
    async fn change_override_telling(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The override.")] id: ID,
        #[graphql(desc = "The new telling decision.")] telling: TellingInput,
    ) -> GqlResult<SafeguardingOverride> {
        let rc = request(ctx)?;
        let lead = rc.safeguarding_lead()?;
        let o = lead
            .change_telling(parse_id("id", &id)?, telling.into())
            .await?;
        Ok(SafeguardingOverride::new(&o, rc.now))
    }

    /// Gives an override its second approval (another safeguarding lead or
    /// a Caldicott Guardian; never its declarer).
    async fn approve_override(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The override to approve.")] id: ID,
    ) -> GqlResult<SafeguardingOverride> {
        let rc = request(ctx)?;
        let o = rc
            .override_approver()?
            .approve(parse_id("id", &id)?)
            .await?;
        Ok(SafeguardingOverride::new(&o, rc.now))
    }

    /// Records an IG (or Caldicott Guardian) review of an override.
    /// NOT_UPHELD ends it at once.
    async fn review_override(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The override to review.")] id: ID,
        #[graphql(desc = "UPHELD, or NOT_UPHELD to end it at once.")] outcome: types::ReviewOutcome,
        #[graphql(desc = "The reviewer's reasons.")] note: String,
    ) -> GqlResult<SafeguardingOverride> {
        let rc = request(ctx)?;
        let ig = rc.ig()?;
        let id = parse_id("id", &id)?;
        let o = ig.review_override(id, outcome.into(), &note).await?;
        Ok(SafeguardingOverride::new(&o, rc.now))
    }
}
