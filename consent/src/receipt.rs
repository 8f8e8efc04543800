//! Consent receipts, in the shape of the Kantara Consent Receipt v1.1 and
//! ISO/IEC TS 27560: one for every grant and every withdrawal. Each names
//! the controller and its privacy notice, the law each (scope, purpose)
//! rests on under the agreement the grant was made under, the
//! special-category data it covers, and how the decision was captured.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use domain::{AgencyKind, Scope};
use uuid::Uuid;

use crate::{Agreement, CaptureMethod, Grant, GrantorCapacity, LawfulBasis, Purpose, Recipient};

domain::code_enum! {
    pub enum ReceiptEvent("receipt event") {
        Granted = "GRANTED",
        Withdrawn = "WITHDRAWN",
    }
}

domain::code_enum! {
    /// What the family's agreement is, in law (LAW.md §1 "Consent, honestly").
    pub enum AgreementKind("agreement kind") {
        /// Permission under the common-law duty of confidence, plus a promise
        /// to honour a "no" where no duty overrides it.
        AgreementToShare = "AGREEMENT_TO_SHARE",
        /// UK GDPR Art 6(1)(a) consent: only where every rule covered says so.
        Consent = "CONSENT",
    }
}

impl AgreementKind {
    /// How a family-facing text names it.
    pub fn words(self) -> &'static str {
        match self {
            AgreementKind::AgreementToShare => "your agreement to share",
            AgreementKind::Consent => "your consent",
        }
    }
}

/// The data controller, as its privacy notice names it (Kantara
/// `piiControllers`; UK GDPR Arts 13(1)(a), 14(1)(a)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Controller {
    pub name: String,
    pub address: String,
    pub email: String,
    pub phone: String,
    /// The privacy notice (Kantara `policyUrl`).
    pub privacy_notice_url: String,
}

/// The law one (scope, purpose) of a receipt rests on, from the agreement
/// the grant was made under; `None` where that agreement has no rule for
/// the recipient's kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptBasis {
    pub scope: Scope,
    pub purpose: Purpose,
    pub basis: Option<LawfulBasis>,
}

/// What a receipt is made from besides the grant.
#[derive(Debug, Clone, Copy)]
pub struct ReceiptContext<'a> {
    pub controller: &'a Controller,
    /// The agreement version the grant was made under.
    pub agreement: &'a Agreement,
    /// The kind of the agency a one-agency grant shares with (for a
    /// kind-wide grant, its kind).
    pub recipient_kind: AgencyKind,
}

/// A consent receipt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// The grant's id for a grant, the withdrawal's id for a withdrawal.
    pub receipt_id: Uuid,
    pub event: ReceiptEvent,
    pub timestamp: DateTime<Utc>,
    pub version: &'static str,
    pub jurisdiction: &'static str,
    pub language: &'static str,
    /// The child the consent is about (PII principal).
    pub subject: Uuid,
    pub controller: Controller,
    /// The privacy-notice (wording) version the family agreed to.
    pub notice_version: String,
    pub agreement_version: i32,
    pub grantor_person_id: String,
    pub grantor_capacity: GrantorCapacity,
    pub recipient: Recipient,
    pub scopes: BTreeSet<Scope>,
    pub purposes: BTreeSet<Purpose>,
    pub lawful_bases: Vec<ReceiptBasis>,
    /// True when any scope is special category (Kantara `sensitive`).
    pub sensitive: bool,
    /// The special-category scopes (Kantara `spiCat`).
    pub special_categories: BTreeSet<Scope>,
    pub agreement_kind: AgreementKind,
    pub valid_from: DateTime<Utc>,
    pub valid_until: Option<DateTime<Utc>>,
    pub method: CaptureMethod,
    pub recorded_by: Option<String>,
    /// The form's reference or the call record, for a recorded decision.
    pub evidence: Option<String>,
    /// A practitioner's record waiting for the family to confirm it.
    pub awaiting_family_confirmation: bool,
    pub grant_id: Uuid,
    pub reason: Option<String>,
}

impl Receipt {
    /// The receipt for a grant or, when `withdrawal` is true, for its
    /// withdrawal (`None` if it has none).
    pub fn of(grant: &Grant, withdrawal: bool, cx: ReceiptContext<'_>) -> Option<Self> {
        let (receipt_id, event, timestamp, grantor, capacity, reason, capture) = if withdrawal {
            let w = grant.withdrawal.as_ref()?;
            (
                w.id,
                ReceiptEvent::Withdrawn,
                w.at,
                w.by_person_id.clone(),
                w.capacity,
                w.reason.clone(),
                &w.capture,
            )
        } else {
            (
                grant.id,
                ReceiptEvent::Granted,
                grant.recorded_at,
                grant.grantor_person_id.clone(),
                grant.capacity,
                None,
                &grant.capture,
            )
        };
        let lawful_bases: Vec<ReceiptBasis> = grant
            .scopes
            .iter()
            .flat_map(|&scope| {
                grant.purposes.iter().map(move |&purpose| ReceiptBasis {
                    scope,
                    purpose,
                    basis: cx
                        .agreement
                        .lawful_basis(cx.recipient_kind, scope, purpose)
                        .cloned(),
                })
            })
            .collect();
        let special_categories: BTreeSet<Scope> = grant
            .scopes
            .iter()
            .copied()
            .filter(|s| s.special_category())
            .collect();
        Some(Self {
            receipt_id,
            event,
            timestamp,
            version: "KI-CR-v1.1.0",
            jurisdiction: "GB-ENG",
            language: "en",
            subject: grant.child_id,
            controller: cx.controller.clone(),
            notice_version: grant.notice_version.clone(),
            agreement_version: grant.agreement_version,
            grantor_person_id: grantor,
            grantor_capacity: capacity,
            recipient: grant.recipient,
            scopes: grant.scopes.clone(),
            purposes: grant.purposes.clone(),
            agreement_kind: agreement_kind(&lawful_bases),
            lawful_bases,
            sensitive: !special_categories.is_empty(),
            special_categories,
            valid_from: grant.valid_from,
            valid_until: grant.valid_until,
            method: capture.method(),
            recorded_by: capture.recorded_by().map(str::to_owned),
            evidence: capture.evidence().map(str::to_owned),
            awaiting_family_confirmation: grant.awaits_family(),
            grant_id: grant.id,
            reason,
        })
    }
}

/// Art 6(1)(a) consent only when every (scope, purpose) covered rests on
/// it; otherwise (or where no rule names a basis) the family's agreement to
/// share.
fn agreement_kind(bases: &[ReceiptBasis]) -> AgreementKind {
    let all_consent = !bases.is_empty()
        && bases
            .iter()
            .all(|b| b.basis.as_ref().is_some_and(LawfulBasis::is_gdpr_consent));
    if all_consent {
        AgreementKind::Consent
    } else {
        AgreementKind::AgreementToShare
    }
}
