//! [`Consenting`]: consent decisions — grant, withdraw, confirm — and their
//! receipts. The family makes them themself (DIGITAL); a practitioner of an
//! agency the agreement names records a written or verbal one. Who may
//! decide is consent authority (`consent::ChildFacts::may_decide`).

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use consent::trace::TraceAction;
use consent::{
    Agreement, CaptureMethod, ChildFacts, Decider, Grant, GrantTerms, Purpose, Receipt,
    ReceiptContext, Recipient,
};
use domain::{AgencyKind, ChildId, Scope};
use uuid::Uuid;

use super::{NO_CHILD, RequestContext};
use crate::error::{Error, Result};

/// Consent decisions for the caller (see [`RequestContext::consent`]).
#[derive(Debug)]
pub struct Consenting<'a> {
    pub(super) rc: &'a RequestContext,
}

/// A grant as asked for, before the rules have looked at it.
#[derive(Debug, Clone)]
pub struct GrantAsk {
    pub child: ChildId,
    /// Share with one agency …
    pub recipient_agency_id: Option<Uuid>,
    /// … or with every agency of a kind (exactly one of the two).
    pub recipient_agency_kind: Option<AgencyKind>,
    pub scopes: BTreeSet<Scope>,
    pub purposes: BTreeSet<Purpose>,
    /// Defaults to now.
    pub valid_from: Option<DateTime<Utc>>,
    pub valid_until: Option<DateTime<Utc>>,
    pub method: Option<CaptureMethod>,
    /// Whose decision a practitioner is recording.
    pub grantor_person_id: Option<String>,
    /// A practitioner's record: the signed form's reference, or the call's
    /// date, time and reference.
    pub evidence: Option<String>,
}

/// A withdrawal as asked for.
#[derive(Debug, Clone)]
pub struct WithdrawAsk {
    pub grant: Uuid,
    pub reason: Option<String>,
    pub method: Option<CaptureMethod>,
    pub grantor_person_id: Option<String>,
    pub evidence: Option<String>,
}

/// A grant with its receipts, as the family's consents view shows it.
#[derive(Debug, Clone)]
pub struct ConsentRecord {
    pub grant: Grant,
    pub receipt: Receipt,
    pub withdrawal_receipt: Option<Receipt>,
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
    /// A practitioner records a family's decision only for a child their
    /// agency currently works with, and says why; any other child reads as
    /// missing, exactly as one that does not exist (no existence oracle).
    fn practitioner_may_record(
        &self,
        case: &consent::CaseFacts,
        agreement: &Agreement,
        what: &'static str,
    ) -> Result<()> {
        let rc = self.rc;
        let (true, Some(agency)) = (rc.principal.is_practitioner(), rc.principal.agency) else {
            return Ok(());
        };
        if !agreement.consent_recorders.contains(&agency.kind) {
            // Refused by role in `Decider::resolve`, whatever the child.
            return Ok(());
        }
        rc.stated_purpose()?;
        if rc.works_with(case) {
            Ok(())
        } else {
            Err(self.missing(what))
        }
    }

    fn missing(&self, what: &'static str) -> Error {
        if self.rc.principal.is_practitioner() {
            Error::NotFound(what)
        } else {
            Error::Forbidden(consent::NO_AUTHORITY.into())
        }
    }

    /// Who is making a consent decision, in which capacity, and who
    /// recorded it (`consent::Decider::resolve`): anyone but the current
    /// consent authority is refused with the rule.
    fn decider(
        &self,
        facts: &ChildFacts,
        agreement: &Agreement,
        named: Option<&str>,
        method: Option<CaptureMethod>,
        evidence: Option<&str>,
        scopes: &BTreeSet<Scope>,
    ) -> Result<Decider> {
        let rc = self.rc;
        Ok(Decider::resolve(
            &rc.principal,
            facts,
            agreement,
            named,
            method,
            evidence,
            scopes,
            rc.today(),
        )?)
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
            .facts
            .state
            .grants
            .iter()
            .find(|g| g.id == grant_id)
            .cloned()
            .ok_or_else(|| self.missing("consent"))?;
        self.practitioner_may_record(&loaded.facts.case, &loaded.agreement, "consent")?;
        Ok((
            loaded.facts.core.consent_facts(rc.policy().term_start),
            Agreement::clone(&loaded.agreement),
            grant,
        ))
    }

    async fn receipt(&self, grant: &Grant, withdrawal: bool) -> Result<Receipt> {
        let mut records = self.records(vec![grant.clone()]).await?;
        let record = records
            .pop()
            .ok_or_else(|| Error::Internal(anyhow::anyhow!("no receipt made for a grant")))?;
        if withdrawal {
            record.withdrawal_receipt.ok_or_else(|| {
                Error::Internal(anyhow::anyhow!(
                    "receipt requested for a grant without a withdrawal"
                ))
            })
        } else {
            Ok(record.receipt)
        }
    }

    /// The receipts of `grants`, each under the agreement version it was
    /// made under and naming the law for its recipient's kind of agency.
    pub async fn records(&self, grants: Vec<Grant>) -> Result<Vec<ConsentRecord>> {
        let rc = self.rc;
        let store = rc.store();
        let agencies = if grants
            .iter()
            .any(|g| matches!(g.recipient, Recipient::Agency(_)))
        {
            store.agencies().await?
        } else {
            Vec::new()
        };
        let mut agreements: std::collections::BTreeMap<i32, Agreement> = Default::default();
        for version in grants.iter().map(|g| g.agreement_version) {
            if let std::collections::btree_map::Entry::Vacant(slot) = agreements.entry(version) {
                let agreement = store.agreement_version(version).await?.ok_or_else(|| {
                    Error::Internal(anyhow::anyhow!(
                        "grant made under agreement version {version}, which is not published"
                    ))
                })?;
                slot.insert(agreement);
            }
        }
        let controller = &rc.policy().controller;
        grants
            .into_iter()
            .map(|grant| {
                let recipient_kind = match grant.recipient {
                    Recipient::Kind(kind) => kind,
                    Recipient::Agency(id) => agencies
                        .iter()
                        .find(|a| a.id == id)
                        .map(|a| a.kind)
                        .ok_or_else(|| {
                        Error::Internal(anyhow::anyhow!("grant {} names no agency", grant.id))
                    })?,
                };
                let agreement = agreements
                    .get(&grant.agreement_version)
                    .ok_or_else(|| Error::Internal(anyhow::anyhow!("agreement not loaded")))?;
                let cx = ReceiptContext {
                    controller,
                    agreement,
                    recipient_kind,
                };
                let receipt = Receipt::of(&grant, false, cx)
                    .ok_or_else(|| Error::Internal(anyhow::anyhow!("no grant receipt")))?;
                let withdrawal_receipt = Receipt::of(&grant, true, cx);
                Ok(ConsentRecord {
                    grant,
                    receipt,
                    withdrawal_receipt,
                })
            })
            .collect()
    }

    /// Grants consent; returns the receipt. The terms are checked
    /// (`consent::GrantTerms`) before the child is looked up, then the
    /// decider, then the grant is built (`consent::Grant::new`).
    pub async fn grant(&self, ask: GrantAsk) -> Result<Receipt> {
        let rc = self.rc;
        let agencies = if let Some(id) = ask.recipient_agency_id {
            let active = rc.store().active_agencies().await?;
            if !active.iter().any(|a| a.id == id) && rc.store().agency(id).await?.is_some() {
                return Err(Error::bad_input(
                    "recipientAgencyId",
                    "this agency has been retired from the register and can no longer be given access: choose another agency or a kind of agency",
                ));
            }
            active
        } else {
            Vec::new()
        };
        let recipient = Recipient::one_of(
            ask.recipient_agency_id,
            ask.recipient_agency_kind,
            &agencies,
        )?;
        let terms = GrantTerms {
            recipient,
            scopes: ask.scopes,
            purposes: ask.purposes,
            valid_from: ask.valid_from,
            valid_until: ask.valid_until,
        };
        terms.check(rc.now)?;
        let loaded = rc
            .load(ask.child)
            .await?
            .ok_or_else(|| self.missing("child"))?;
        self.practitioner_may_record(&loaded.facts.case, &loaded.agreement, "child")?;
        let decider = self.decider(
            &loaded.facts.core.consent_facts(rc.policy().term_start),
            &loaded.agreement,
            ask.grantor_person_id.as_deref(),
            ask.method,
            ask.evidence.as_deref(),
            &terms.scopes,
        )?;
        let policy = rc.policy();
        let request = consent::GrantRequest {
            child_id: ask.child,
            decider,
            terms,
            notice_version: policy.notice_version.clone(),
            agreement_version: loaded.agreement.version,
            recently_withdrawn: policy
                .reopen_window
                .recently_withdrawn(&loaded.facts.state.grants, rc.now),
        };
        let grant = Grant::new(request, Uuid::now_v7(), rc.now)?;
        let tx = rc.store().traced().await?;
        tx.insert_grant(&grant).await?;
        let entry = rc
            .child_entry(TraceAction::ConsentGranted, grant.child_id)
            .detail("grant_id", grant.id)
            .detail("recipient", recipient_code(grant.recipient))
            .detail("scopes", codes(&grant.scopes))
            .detail("purposes", codes(&grant.purposes))
            .detail("method", grant.capture.method())
            .detail("capacity", grant.capacity)
            .detail("awaits_family", grant.needs_family_confirmation);
        tx.commit(vec![entry]).await?;
        self.receipt(&grant, false).await
    }

    /// Withdraws a grant, effective for the very next request; returns the
    /// withdrawal's receipt.
    pub async fn withdraw(&self, ask: WithdrawAsk) -> Result<Receipt> {
        let rc = self.rc;
        let (facts, agreement, mut grant) = self.find_grant(ask.grant).await?;
        let decider = self.decider(
            &facts,
            &agreement,
            ask.grantor_person_id.as_deref(),
            ask.method,
            ask.evidence.as_deref(),
            &grant.scopes,
        )?;
        let withdrawal = grant.withdraw(decider, ask.reason.as_deref(), Uuid::now_v7(), rc.now)?;
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
        self.receipt(&grant, true).await
    }

    /// The young person keeps a grant a parent made for them; or the family
    /// confirms a practitioner's record that re-opened what they withdrew.
    pub async fn confirm(&self, grant_id: Uuid) -> Result<Grant> {
        let rc = self.rc;
        let (facts, agreement, mut grant) = self.find_grant(grant_id).await?;
        if rc.principal.is_practitioner() && grant.awaits_family() {
            return Err(consent::ConfirmError::NotTheFamily.into());
        }
        let decider = self.decider(&facts, &agreement, None, None, None, &grant.scopes)?;
        let confirmation = grant.confirm(&decider, rc.now)?;
        let tx = rc.store().traced().await?;
        tx.insert_confirmation(
            grant.child_id,
            grant.id,
            &confirmation.person_id,
            confirmation.at,
        )
        .await?;
        let entry = rc
            .child_entry(TraceAction::ConsentConfirmed, grant.child_id)
            .detail("grant_id", grant.id);
        tx.commit(vec![entry]).await?;
        grant.confirmed_at = Some(confirmation.at);
        Ok(grant)
    }

    /// The receipt for a grant or a withdrawal, by its receipt id: for the
    /// family, and for the practitioner who recorded that decision (and only
    /// that one).
    pub async fn receipt_by_id(&self, id: Uuid) -> Result<Receipt> {
        let rc = self.rc;
        // An unknown receipt goes the same way as a hidden one.
        let child_id = rc.store().child_of_receipt(id).await?.unwrap_or(NO_CHILD);
        // Loaded once, whoever asks: the family, the recorder, or neither
        // (and no such receipt) do the same work.
        let Some(loaded) = rc.load(child_id).await? else {
            return Err(Error::NotFound("receipt"));
        };
        let family = rc
            .principal
            .person_id
            .as_deref()
            .is_some_and(|person| rc.views_as_family(person, &loaded));
        let me = Some(rc.principal.subject.as_str());
        // Otherwise only the practitioner who recorded that decision.
        let recorded = || {
            loaded.facts.state.grants.iter().any(|g| {
                (g.id == id && g.capture.recorded_by() == me)
                    || g.withdrawal
                        .as_ref()
                        .is_some_and(|w| w.id == id && w.capture.recorded_by() == me)
            })
        };
        let recorded = recorded();
        if !family && !recorded {
            return Err(Error::NotFound("receipt"));
        }
        let person = rc.principal.person_id.as_deref().unwrap_or_default();
        // A family member reads only receipts of parts they see.
        let unseen =
            |g: &consent::Grant| !recorded && !rc.family_sees_all(person, &loaded, &g.scopes);
        let grant = loaded
            .facts
            .state
            .grants
            .iter()
            .find(|g| g.id == id || g.withdrawal.as_ref().is_some_and(|w| w.id == id));
        if grant.is_some_and(unseen) {
            return Err(Error::NotFound("receipt"));
        }
        for grant in &loaded.facts.state.grants {
            let withdrawal = grant.withdrawal.as_ref().is_some_and(|w| w.id == id);
            if grant.id == id || withdrawal {
                rc.record(
                    rc.child_entry(TraceAction::Read, child_id)
                        .detail("view", "consent_receipt")
                        .detail("receipt_id", id),
                );
                return self.receipt(grant, withdrawal).await;
            }
        }
        Err(Error::NotFound("receipt"))
    }
}
