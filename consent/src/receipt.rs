//! Consent receipts, in the shape of the Kantara Consent Receipt v1.1 and
//! ISO/IEC TS 27560: one for every grant and every withdrawal.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use domain::Scope;
use uuid::Uuid;

use crate::{CaptureMethod, Grant, GrantorCapacity, Purpose, Recipient};

domain::code_enum! {
    pub enum ReceiptEvent("receipt event") {
        Granted = "GRANTED",
        Withdrawn = "WITHDRAWN",
    }
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
    /// The child the consent is about (PII principal).
    pub subject: Uuid,
    /// The data controller's name.
    pub controller: String,
    pub grantor_person_id: String,
    pub grantor_capacity: GrantorCapacity,
    pub recipient: Recipient,
    pub scopes: BTreeSet<Scope>,
    pub purposes: BTreeSet<Purpose>,
    pub valid_from: DateTime<Utc>,
    pub valid_until: Option<DateTime<Utc>>,
    pub method: CaptureMethod,
    pub recorded_by: Option<String>,
    pub grant_id: Uuid,
    pub reason: Option<String>,
}

impl Receipt {
    /// The receipt for a grant or, when `withdrawal` is true, for its
    /// withdrawal (`None` if it has none).
    pub fn of(grant: &Grant, withdrawal: bool, controller: &str) -> Option<Self> {
        let (receipt_id, event, timestamp, grantor, capacity, reason, method, recorded_by) =
            if withdrawal {
                let w = grant.withdrawal.as_ref()?;
                (
                    w.id,
                    ReceiptEvent::Withdrawn,
                    w.at,
                    w.by_person_id.clone(),
                    w.capacity,
                    w.reason.clone(),
                    w.capture.method(),
                    w.capture.recorded_by().map(str::to_owned),
                )
            } else {
                (
                    grant.id,
                    ReceiptEvent::Granted,
                    grant.recorded_at,
                    grant.grantor_person_id.clone(),
                    grant.capacity,
                    None,
                    grant.capture.method(),
                    grant.capture.recorded_by().map(str::to_owned),
                )
            };
        Some(Self {
            receipt_id,
            event,
            timestamp,
            version: "KI-CR-v1.1.0",
            jurisdiction: "GB-ENG",
            subject: grant.child_id,
            controller: controller.to_owned(),
            grantor_person_id: grantor,
            grantor_capacity: capacity,
            recipient: grant.recipient,
            scopes: grant.scopes.clone(),
            purposes: grant.purposes.clone(),
            valid_from: grant.valid_from,
            valid_until: grant.valid_until,
            method,
            recorded_by,
            grant_id: grant.id,
            reason,
        })
    }
}
