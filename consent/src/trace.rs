//! The access trace's entry, its canonical form and the hash chain:
//! `hash = SHA-256(previous hash ‖ canonical entry)`, hex-encoded, starting
//! from [`GENESIS`]. Pure code: the `api` crate stores and appends; anyone
//! can verify.
//!
//! An entry holds field names, scopes, ids and codes — never record values.

use std::collections::BTreeMap;

use chrono::{DateTime, SecondsFormat, Utc};
use domain::{AgencyKind, Scope};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::{AccessDecision, BasisKind, DenialCode, Principal, Purpose, Role, ScopeDecision};

/// The "previous hash" of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

domain::code_enum! {
    /// What happened.
    pub enum TraceAction("trace action") {
        Read = "READ",
        Contribute = "CONTRIBUTE",
        ChildRegistered = "CHILD_REGISTERED",
        FamilyLinked = "FAMILY_LINKED",
        CapacityRecorded = "CAPACITY_RECORDED",
        ConsentGranted = "CONSENT_GRANTED",
        ConsentWithdrawn = "CONSENT_WITHDRAWN",
        ConsentConfirmed = "CONSENT_CONFIRMED",
        OverrideDeclared = "OVERRIDE_DECLARED",
        OverrideReviewed = "OVERRIDE_REVIEWED",
        AgreementPublished = "AGREEMENT_PUBLISHED",
        AllAboutMeUpdated = "ALL_ABOUT_ME_UPDATED",
        AssessmentStarted = "ASSESSMENT_STARTED",
        AssessmentStep = "ASSESSMENT_STEP",
        AdviceRequested = "ADVICE_REQUESTED",
        AdviceSubmitted = "ADVICE_SUBMITTED",
        AdviceReused = "ADVICE_REUSED",
        Search = "SEARCH",
        TraceSearch = "TRACE_SEARCH",
        Export = "EXPORT",
        AuthFailed = "AUTH_FAILED",
    }
}

domain::code_enum! {
    pub enum TraceOutcome("trace outcome") {
        Success = "SUCCESS",
        /// Nothing was disclosed: every requested scope was withheld, or the
        /// operation was refused.
        Denied = "DENIED",
    }
}

/// Who acted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub subject: Option<String>,
    pub agency_id: Option<Uuid>,
    pub agency_kind: Option<AgencyKind>,
    pub roles: Vec<Role>,
}

impl From<&Principal> for Actor {
    fn from(p: &Principal) -> Self {
        Self {
            subject: Some(p.subject.clone()),
            agency_id: p.agency.map(|a| a.id),
            agency_kind: p.agency.map(|a| a.kind),
            roles: p.roles.iter().copied().collect(),
        }
    }
}

/// A scope withheld, and why.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Withheld {
    pub scope: Scope,
    pub code: DenialCode,
    pub reason: String,
}

/// The basis a disclosed scope rested on.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct BasisRecord {
    pub scope: Scope,
    pub kind: BasisKind,
    pub grant_ids: Vec<Uuid>,
    pub override_id: Option<Uuid>,
    pub agreement_version: Option<i32>,
}

/// One trace entry. Field order is the canonical order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceEntry {
    pub seq: i64,
    /// RFC 3339, UTC, microseconds.
    pub recorded_at: String,
    pub action: TraceAction,
    pub outcome: TraceOutcome,
    pub actor: Actor,
    pub child_id: Option<Uuid>,
    pub purpose: Option<Purpose>,
    /// `section.field` paths disclosed, sorted.
    pub disclosed: Vec<String>,
    /// Scopes withheld, sorted.
    pub withheld: Vec<Withheld>,
    /// The basis of each disclosed scope, sorted.
    pub basis: Vec<BasisRecord>,
    /// Action-specific facts (ids, counts, codes), never record values.
    pub details: BTreeMap<String, String>,
    pub request_id: Option<String>,
    pub trace_id: Option<String>,
}

/// The timestamp form used in entries.
pub fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

impl TraceEntry {
    /// A new entry (sequence number 0 until appended).
    pub fn new(action: TraceAction, actor: Actor, at: DateTime<Utc>) -> Self {
        Self {
            seq: 0,
            recorded_at: timestamp(at),
            action,
            outcome: TraceOutcome::Success,
            actor,
            child_id: None,
            purpose: None,
            disclosed: Vec::new(),
            withheld: Vec::new(),
            basis: Vec::new(),
            details: BTreeMap::new(),
            request_id: None,
            trace_id: None,
        }
    }

    pub fn detail(mut self, key: &str, value: impl ToString) -> Self {
        self.details.insert(key.to_owned(), value.to_string());
        self
    }

    /// Records what a decision disclosed and withheld among `requested`
    /// scopes, with the disclosed field paths.
    pub fn with_decision(
        mut self,
        decision: &AccessDecision,
        requested: &[Scope],
        fields: Vec<String>,
    ) -> Self {
        for (scope, outcome) in decision.iter().filter(|(s, _)| requested.contains(s)) {
            match outcome {
                ScopeDecision::Allowed(b) => self.basis.push(BasisRecord {
                    scope,
                    kind: b.kind,
                    grant_ids: b.grant_ids.clone(),
                    override_id: b.override_id,
                    agreement_version: b.agreement_version,
                }),
                ScopeDecision::Denied(d) => self.withheld.push(Withheld {
                    scope,
                    code: d.code,
                    reason: d.reason.clone(),
                }),
            }
        }
        self.disclosed = fields;
        self.details.insert(
            "agreement_version".into(),
            decision.agreement_version.to_string(),
        );
        self.normalise();
        if self.disclosed.is_empty() && !self.withheld.is_empty() {
            self.outcome = TraceOutcome::Denied;
        }
        self
    }

    /// Sorts and de-duplicates the lists, so equal facts hash equally.
    pub fn normalise(&mut self) {
        self.actor.roles.sort();
        self.actor.roles.dedup();
        self.disclosed.sort();
        self.disclosed.dedup();
        self.withheld.sort();
        self.withheld.dedup();
        self.basis.sort();
        self.basis.dedup();
    }

    /// The canonical form that is hashed: compact JSON in field order.
    pub fn canonical(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Parses a stored canonical form.
    pub fn parse(canonical: &str) -> Option<Self> {
        serde_json::from_str(canonical).ok()
    }

    /// The basis kinds used, for filtering.
    pub fn basis_kinds(&self) -> Vec<BasisKind> {
        let mut kinds: Vec<BasisKind> = self.basis.iter().map(|b| b.kind).collect();
        kinds.sort();
        kinds.dedup();
        kinds
    }
}

/// `SHA-256(prev ‖ canonical)`, lower-case hex.
pub fn chain_hash(prev: &str, canonical: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(prev.as_bytes());
    hasher.update(canonical.as_bytes());
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A stored link of the chain, as read back for verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredLink {
    pub seq: i64,
    pub prev_hash: String,
    pub hash: String,
    pub canonical: String,
}

/// The result of a verification.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VerifyReport {
    pub checked: u64,
    /// The last entry checked: (sequence, hash).
    pub head: Option<(i64, String)>,
    /// The first entry whose link does not hold.
    pub first_broken: Option<i64>,
    pub problem: Option<String>,
}

/// Checks links one at a time, in sequence order, in constant memory.
#[derive(Debug, Clone)]
pub struct Verifier {
    prev_hash: String,
    next_seq: i64,
    report: VerifyReport,
}

impl Default for Verifier {
    fn default() -> Self {
        Self {
            prev_hash: GENESIS.to_owned(),
            next_seq: 1,
            report: VerifyReport::default(),
        }
    }
}

impl Verifier {
    /// Checks the next link. After the first broken link, the rest are only
    /// counted.
    pub fn push(&mut self, link: &StoredLink) {
        self.report.checked += 1;
        if self.report.first_broken.is_none() {
            let problem = if link.seq != self.next_seq {
                Some(format!(
                    "expected entry {}, found {} (an entry is missing)",
                    self.next_seq, link.seq
                ))
            } else if link.prev_hash != self.prev_hash {
                Some("its previous-hash does not match the entry before it".to_owned())
            } else if chain_hash(&link.prev_hash, &link.canonical) != link.hash {
                Some("its content does not match its hash (it was changed)".to_owned())
            } else if TraceEntry::parse(&link.canonical).is_none_or(|e| e.seq != link.seq) {
                Some("its content is not a valid entry for this sequence number".to_owned())
            } else {
                None
            };
            if let Some(problem) = problem {
                self.report.first_broken = Some(self.next_seq.min(link.seq));
                self.report.problem = Some(problem);
            }
        }
        self.next_seq = link.seq + 1;
        self.prev_hash = link.hash.clone();
        self.report.head = Some((link.seq, link.hash.clone()));
    }

    pub fn finish(self) -> VerifyReport {
        self.report
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<StoredLink> {
        let mut prev = GENESIS.to_owned();
        let at = DateTime::parse_from_rfc3339("2026-11-22T12:00:00Z")
            .map(|d| d.with_timezone(&Utc))
            .expect("time");
        (1..=n)
            .map(|seq| {
                let mut e =
                    TraceEntry::new(TraceAction::Read, Actor::default(), at).detail("n", seq);
                e.seq = seq;
                let canonical = e.canonical();
                let hash = chain_hash(&prev, &canonical);
                let link = StoredLink {
                    seq,
                    prev_hash: prev.clone(),
                    hash: hash.clone(),
                    canonical,
                };
                prev = hash;
                link
            })
            .collect()
    }

    fn verify(links: &[StoredLink]) -> VerifyReport {
        let mut v = Verifier::default();
        links.iter().for_each(|l| v.push(l));
        v.finish()
    }

    #[test]
    fn an_intact_chain_verifies() {
        let links = chain(5);
        let report = verify(&links);
        assert_eq!(report.checked, 5);
        assert_eq!(report.first_broken, None);
        assert_eq!(report.head, Some((5, links[4].hash.clone())));
        assert_eq!(chain_hash(GENESIS, "x").len(), 64);
    }

    #[test]
    fn any_edit_is_found_at_the_right_entry() {
        let mut edited = chain(5);
        edited[2].canonical = edited[2].canonical.replace("\"n\":\"3\"", "\"n\":\"9\"");
        assert_eq!(verify(&edited).first_broken, Some(3));

        let mut rehashed = chain(5);
        // Re-hashing the edited entry breaks the next link instead.
        rehashed[2].canonical = rehashed[2].canonical.replace("\"n\":\"3\"", "\"n\":\"9\"");
        rehashed[2].hash = chain_hash(&rehashed[2].prev_hash, &rehashed[2].canonical);
        assert_eq!(verify(&rehashed).first_broken, Some(4));

        let mut deleted = chain(5);
        deleted.remove(1);
        assert_eq!(verify(&deleted).first_broken, Some(2));
    }

    #[test]
    fn canonical_form_is_stable_and_round_trips() {
        let at = DateTime::parse_from_rfc3339("2026-11-22T12:00:00.123456Z")
            .map(|d| d.with_timezone(&Utc))
            .expect("time");
        let mut e = TraceEntry::new(
            TraceAction::Search,
            Actor {
                roles: vec![Role::Practitioner, Role::CaseOfficer],
                ..Actor::default()
            },
            at,
        );
        e.disclosed = vec!["identity.givenName".into(), "education.yearGroup".into()];
        e.normalise();
        assert_eq!(e.disclosed[0], "education.yearGroup");
        assert_eq!(TraceEntry::parse(&e.canonical()), Some(e.clone()));
        assert!(e.canonical().starts_with(
            "{\"seq\":0,\"recorded_at\":\"2026-11-22T12:00:00.123456Z\",\"action\":\"SEARCH\""
        ));
    }
}
