//! [`Consenting`]: consent decisions — grant, withdraw, confirm — and their
//! receipts. The family makes them themself (DIGITAL); a practitioner of an
//! agency the agreement names records a written or verbal one. Who may
//! decide is consent authority (`consent::ChildFacts::may_decide`).

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};
use consent::trace::TraceAction;
use consent::{
    Agreement, CaptureMethod, ChildFacts, Grant, GrantorCapacity, Purpose, Receipt, Recipient,
    Role, Withdrawal,
};
use domain::{ChildId, Scope};
use uuid::Uuid;

use super::{NO_CHILD, RequestContext};
use crate::error::{Error, Result};

/// Consent decisions for the caller (see [`RequestContext::consent`]).
#[derive(Debug)]
pub struct Consenting<'a> {
    pub(super) rc: &'a RequestContext,
}

/// A grant as asked for.
#[derive(Debug, Clone)]
pub struct GrantRequest {
    pub child: ChildId,
    pub recipient: Recipient,
    pub scopes: BTreeSet<Scope>,
    pub purposes: BTreeSet<Purpose>,
    /// Defaults to now.
    pub valid_from: Option<DateTime<Utc>>,
    pub valid_until: Option<DateTime<Utc>>,
    pub method: Option<CaptureMethod>,
    /// Whose decision a practitioner is recording.
    pub grantor_person_id: Option<String>,
}

/// A withdrawal as asked for.
#[derive(Debug, Clone)]
pub struct WithdrawRequest {
    pub grant: Uuid,
    pub reason: Option<String>,
    pub method: Option<CaptureMethod>,
    pub grantor_person_id: Option<String>,
}

/// Who is deciding, in which capacity, and who recorded it.
struct Decider {
    person: String,
    capacity: GrantorCapacity,
    recorded_by: Option<String>,
}

impl Decider {
    fn method(&self, asked: Option<CaptureMethod>) -> CaptureMethod {
        asked.unwrap_or(if self.recorded_by.is_some() {
            CaptureMethod::Written
        } else {
            CaptureMethod::Digital
        })
    }
}

fn recipient_code(r: Recipient) -> String {
    match r {
        Recipient::Agency(id) => format!("agency:{id}"),
        Recipient::Kind(kind) => format!("kind:{kind}"),
    }
}

pub(super) fn codes<T: std::fmt::Display>(items: &BTreeSet<T>) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

impl Consenting<'_> {
    /// What a caller hears when there is no such thing: a family member gets
    /// the same FORBIDDEN as for a child they have no authority over, so
    /// consent calls cannot probe which children exist; practitioners, who
    /// may identify any child, hear NOT_FOUND.
    fn missing(&self, what: &'static str) -> Error {
        if self.rc.principal.is_practitioner() {
            Error::NotFound(what)
        } else {
            Error::Forbidden(
                "only the person who holds consent authority for this child may make consent decisions: someone with parental responsibility, or the young person once past compulsory school age".into(),
            )
        }
    }

    /// Who is making a consent decision: the signed-in family member
    /// themself (DIGITAL), or a practitioner of a recording agency naming the
    /// person whose written or verbal decision they record. Anyone but the
    /// current consent authority is refused with the rule.
    fn decider(
        &self,
        facts: &ChildFacts,
        agreement: &Agreement,
        named: Option<&str>,
        method: Option<CaptureMethod>,
    ) -> Result<Decider> {
        let p = &self.rc.principal;
        let today = self.rc.today();
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
            return Ok(Decider {
                person: person.to_owned(),
                capacity,
                recorded_by: None,
            });
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
            return Ok(Decider {
                person: person.to_owned(),
                capacity,
                recorded_by: Some(p.subject.clone()),
            });
        }
        Err(Error::Forbidden(consent::NO_AUTHORITY.into()))
    }

    /// Finds a grant and its child's facts.
    async fn find_grant(&self, grant_id: Uuid) -> Result<(ChildFacts, Agreement, Grant)> {
        let rc = self.rc;
        // An unknown grant goes the same way as a hidden one (no timing oracle).
        let child_id = rc
            .store()
            .child_of_receipt(grant_id)
            .await?
            .unwrap_or(NO_CHILD);
        let loaded = rc
            .load(child_id)
            .await?
            .ok_or_else(|| self.missing("consent"))?;
        let grant = loaded
            .state
            .grants
            .into_iter()
            .find(|g| g.id == grant_id)
            .ok_or_else(|| self.missing("consent"))?;
        Ok((loaded.core.consent_facts(), loaded.agreement, grant))
    }

    fn receipt(&self, grant: &Grant, withdrawal: bool) -> Result<Receipt> {
        Receipt::of(grant, withdrawal, &self.rc.policy().controller).ok_or_else(|| {
            Error::Internal(anyhow::anyhow!(
                "receipt requested for a grant without a withdrawal"
            ))
        })
    }

    /// Grants consent; returns the receipt.
    pub async fn grant(&self, request: GrantRequest) -> Result<Receipt> {
        let rc = self.rc;
        if let Recipient::Agency(id) = request.recipient
            && !rc.store().agencies().await?.iter().any(|a| a.id == id)
        {
            return Err(Error::bad_input("recipientAgencyId", "no such agency"));
        }
        let scopes = request.scopes;
        if scopes.is_empty() {
            return Err(Error::bad_input("scopes", "name at least one scope"));
        }
        if scopes.contains(&Scope::Restricted) {
            return Err(Error::bad_input(
                "scopes",
                "RESTRICTED information is never shared by consent",
            ));
        }
        let purposes = request.purposes;
        if purposes.is_empty() {
            return Err(Error::bad_input(
                "purposes",
                "name at least one purpose of use",
            ));
        }
        let valid_from = request.valid_from.unwrap_or(rc.now);
        // Consent speaks for what happens from now on: it cannot cover the past.
        if valid_from < rc.now - Duration::minutes(5) {
            return Err(Error::bad_input("validFrom", "must not be in the past"));
        }
        if let Some(until) = request.valid_until
            && (until <= valid_from || until <= rc.now)
        {
            return Err(Error::bad_input(
                "validUntil",
                "must be after validFrom and in the future",
            ));
        }
        let loaded = rc
            .load(request.child)
            .await?
            .ok_or_else(|| self.missing("child"))?;
        let decider = self.decider(
            &loaded.core.consent_facts(),
            &loaded.agreement,
            request.grantor_person_id.as_deref(),
            request.method,
        )?;
        let method = decider.method(request.method);
        let grant = Grant {
            id: Uuid::now_v7(),
            child_id: request.child,
            grantor_person_id: decider.person,
            capacity: decider.capacity,
            recipient: request.recipient,
            scopes,
            purposes,
            valid_from,
            valid_until: request.valid_until,
            method,
            recorded_by: decider.recorded_by,
            recorded_at: rc.now,
            withdrawal: None,
            confirmed_at: None,
        };
        let tx = rc.store().traced().await?;
        tx.insert_grant(&grant).await?;
        let entry = rc
            .child_entry(TraceAction::ConsentGranted, grant.child_id)
            .detail("grant_id", grant.id)
            .detail("recipient", recipient_code(grant.recipient))
            .detail("scopes", codes(&grant.scopes))
            .detail("purposes", codes(&grant.purposes))
            .detail("method", grant.method)
            .detail("capacity", grant.capacity);
        tx.commit(vec![entry]).await?;
        self.receipt(&grant, false)
    }

    /// Withdraws a grant, effective for the very next request; returns the
    /// withdrawal's receipt.
    pub async fn withdraw(&self, request: WithdrawRequest) -> Result<Receipt> {
        let rc = self.rc;
        let (facts, agreement, mut grant) = self.find_grant(request.grant).await?;
        let decider = self.decider(
            &facts,
            &agreement,
            request.grantor_person_id.as_deref(),
            request.method,
        )?;
        if grant.withdrawal.is_some() {
            return Err(Error::bad_input(
                "grantId",
                "this consent has already been withdrawn",
            ));
        }
        let reason = domain::input::optional_text("reason", request.reason.as_deref())?;
        let withdrawal = Withdrawal {
            id: Uuid::now_v7(),
            at: rc.now,
            method: decider.method(request.method),
            by_person_id: decider.person,
            capacity: decider.capacity,
            reason,
            recorded_by: decider.recorded_by,
        };
        let tx = rc.store().traced().await?;
        tx.insert_withdrawal(grant.child_id, grant.id, &withdrawal)
            .await?;
        let entry = rc
            .child_entry(TraceAction::ConsentWithdrawn, grant.child_id)
            .detail("grant_id", grant.id)
            .detail("withdrawal_id", withdrawal.id)
            .detail("capacity", withdrawal.capacity);
        tx.commit(vec![entry]).await?;
        grant.withdrawal = Some(withdrawal);
        self.receipt(&grant, true)
    }

    /// The young person keeps a grant a parent made for them.
    pub async fn confirm(&self, grant_id: Uuid) -> Result<Grant> {
        let rc = self.rc;
        let (facts, agreement, mut grant) = self.find_grant(grant_id).await?;
        let decider = self.decider(&facts, &agreement, None, None)?;
        if decider.capacity != GrantorCapacity::YoungPerson {
            return Err(Error::Forbidden(
                "only the young person confirms consents made for them".into(),
            ));
        }
        if !grant.awaits_young_person(rc.now) {
            return Err(Error::bad_input(
                "grantId",
                "this consent is not waiting for your review",
            ));
        }
        let tx = rc.store().traced().await?;
        tx.insert_confirmation(grant.child_id, grant.id, &decider.person, rc.now)
            .await?;
        let entry = rc
            .child_entry(TraceAction::ConsentConfirmed, grant.child_id)
            .detail("grant_id", grant.id);
        tx.commit(vec![entry]).await?;
        grant.confirmed_at = Some(rc.now);
        Ok(grant)
    }

    /// The receipt for a grant or a withdrawal, by its receipt id: for the
    /// family, and for the practitioner who recorded that decision (and only
    /// that one).
    pub async fn receipt_by_id(&self, id: Uuid) -> Result<Receipt> {
        let rc = self.rc;
        // An unknown receipt goes the same way as a hidden one.
        let child_id = rc.store().child_of_receipt(id).await?.unwrap_or(NO_CHILD);
        let grants = match rc.family(child_id).await {
            Ok(family) => family.loaded.state.grants,
            Err(Error::NotFound(_)) => {
                let state = rc.store().consent_state(child_id).await?;
                let me = Some(rc.principal.subject.as_str());
                let recorded = state.grants.iter().any(|g| {
                    (g.id == id && g.recorded_by.as_deref() == me)
                        || g.withdrawal
                            .as_ref()
                            .is_some_and(|w| w.id == id && w.recorded_by.as_deref() == me)
                });
                if !recorded {
                    return Err(Error::NotFound("receipt"));
                }
                state.grants
            }
            Err(e) => return Err(e),
        };
        for grant in &grants {
            let withdrawal = grant.withdrawal.as_ref().is_some_and(|w| w.id == id);
            if grant.id == id || withdrawal {
                rc.record(
                    rc.child_entry(TraceAction::Read, child_id)
                        .detail("view", "consent_receipt")
                        .detail("receipt_id", id),
                );
                return self.receipt(grant, withdrawal);
            }
        }
        Err(Error::NotFound("receipt"))
    }
}
