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

use crate::{
    AccessDecision, BasisKind, DenialCode, OverrideGround, Principal, Purpose, Role, ScopeDecision,
};

/// The "previous hash" of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

domain::code_enum! {
    /// What happened.
    pub enum TraceAction("trace action") {
        Read = "READ",
        Contribute = "CONTRIBUTE",
        ChildRegistered = "CHILD_REGISTERED",
        FamilyLinked = "FAMILY_LINKED",
        /// A capacity assessment (before issue 10: the old yes/no flag).
        CapacityRecorded = "CAPACITY_RECORDED",
        ConsentGranted = "CONSENT_GRANTED",
        ConsentWithdrawn = "CONSENT_WITHDRAWN",
        ConsentConfirmed = "CONSENT_CONFIRMED",
        OverrideDeclared = "OVERRIDE_DECLARED",
        OverrideReviewed = "OVERRIDE_REVIEWED",
        OverrideApproved = "OVERRIDE_APPROVED",
        OverrideTellingChanged = "OVERRIDE_TELLING_CHANGED",
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
        AddressWithheld = "ADDRESS_WITHHELD",
        AddressReleased = "ADDRESS_RELEASED",
        /// Parental responsibility recorded.
        PrRecorded = "PR_RECORDED",
        /// A deputy or attorney recorded.
        DeputyRecorded = "DEPUTY_RECORDED",
        /// A Gillick-competence decision recorded.
        CompetenceRecorded = "COMPETENCE_RECORDED",
        /// The young person challenged a capacity assessment.
        CapacityChallenged = "CAPACITY_CHALLENGED",
        /// A version of a profession's advice template published.
        AdviceTemplatePublished = "ADVICE_TEMPLATE_PUBLISHED",
        /// A reg 6(1) source recorded as not required, with the reason.
        AdviceNotRequired = "ADVICE_NOT_REQUIRED",
        /// The author or the family confirmed, for themselves, that
        /// existing advice is still sufficient (reg 6(4)).
        ReuseConfirmed = "REUSE_CONFIRMED",
        /// A version of an EHC plan issued (draft, final or amendment).
        PlanIssued = "PLAN_ISSUED",
        /// A draft plan's paragraphs changed by the case officer.
        PlanEdited = "PLAN_EDITED",
        /// The family's response to a draft plan.
        PlanResponse = "PLAN_RESPONSE",
        /// A plan made before the hub, imported with its dates.
        PlanImported = "PLAN_IMPORTED",
        /// A step of an annual review or phase transfer.
        ReviewStep = "REVIEW_STEP",
        /// A timeliness report (counts) read or exported.
        Report = "REPORT",
        /// An agency added to the register (issue 13).
        AgencyRegistered = "AGENCY_REGISTERED",
        /// An agency's name, kind, identifiers or contact changed.
        AgencyUpdated = "AGENCY_UPDATED",
        /// An agency retired: its staff can no longer sign in.
        AgencyRetired = "AGENCY_RETIRED",
        /// A child's existing record brought in by a bulk import (one entry
        /// per child and import).
        Import = "IMPORT",
        /// A copy of the whole database taken by the operator.
        Backup = "BACKUP",
    }
}

impl TraceAction {
    /// The purpose an operation serves by its nature, recorded when the
    /// caller stated none: every step of an EHC needs assessment (its
    /// advice included) is for the assessment (CFA 2014 s.36); every step of
    /// an annual review is for the review of the plan (s.44).
    pub fn inherent_purpose(self) -> Option<Purpose> {
        match self {
            TraceAction::AssessmentStarted
            | TraceAction::AssessmentStep
            | TraceAction::AdviceRequested
            | TraceAction::AdviceSubmitted
            | TraceAction::AdviceReused
            | TraceAction::ReuseConfirmed => Some(Purpose::EhcAssessment),
            TraceAction::ReviewStep => Some(Purpose::AnnualReview),
            _ => None,
        }
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
    /// The law it rested on (absent only in entries written before lawful
    /// bases were recorded, so that their canonical form is unchanged).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lawful: Option<crate::LawfulBasis>,
    /// The fact that made the purpose true (PUBLIC_TASK and SAFEGUARDING).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bound: Option<crate::Bound>,
    /// The legal ground of the override relied on (SAFEGUARDING). Absent
    /// from entries written before grounds were recorded, and left out of
    /// the canonical form when absent, so their hashes still hold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ground: Option<OverrideGround>,
}

impl BasisRecord {
    /// The record of `basis` for `scope`.
    pub fn of(scope: Scope, basis: &crate::Basis) -> Self {
        Self {
            scope,
            kind: basis.kind(),
            grant_ids: basis.grant_ids().to_vec(),
            override_id: basis.override_id(),
            agreement_version: basis.agreement_version(),
            lawful: Some(basis.lawful()),
            bound: basis.bound(),
            ground: basis.ground(),
        }
    }
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
                ScopeDecision::Allowed(b) => self.basis.push(BasisRecord::of(scope, b)),
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
    /// Never a silent default: an entry that cannot be written out is an
    /// error, so nothing is ever hashed as `""`.
    pub fn canonical(&self) -> Result<String, Unserialisable> {
        serde_json::to_string(self).map_err(|e| Unserialisable(e.to_string()))
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
    // Hex by table into one string: every append and every link verified
    // hashes once, and a `format!` per byte was a fifth of verifying.
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut hex = String::with_capacity(GENESIS.len());
    for b in hasher.finalize() {
        hex.push(char::from(HEX[usize::from(b >> 4)]));
        hex.push(char::from(HEX[usize::from(b & 0x0f)]));
    }
    hex
}

/// The values of the trace's searchable columns, all derived from the
/// entry. They are stored beside the hashed canonical entry so that the
/// database can filter on them; verification checks that they still say
/// what the entry says, since an edit to them alone would hide an entry
/// from every search while the hashes still held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexedColumns {
    /// An instant: databases store it in their own ways.
    pub recorded_at: DateTime<Utc>,
    pub action: String,
    pub outcome: String,
    pub actor_subject: Option<String>,
    pub actor_agency_id: Option<Uuid>,
    pub child_id: Option<Uuid>,
    pub purpose: Option<String>,
    /// The basis kinds used, as `,KIND,KIND,`, so that one kind is found by
    /// looking for `,KIND,`.
    pub basis_kinds: String,
    /// Whether any scope was withheld.
    pub withheld_any: bool,
    /// Whether a safeguarding override was a basis.
    pub override_used: bool,
    pub request_id: Option<String>,
    pub trace_id: Option<String>,
}

impl IndexedColumns {
    /// The column values for `entry`; `None` if its `recorded_at` is not an
    /// RFC 3339 time (entries made by [`TraceEntry::new`] always are).
    pub fn of(entry: &TraceEntry) -> Option<Self> {
        let recorded_at = DateTime::parse_from_rfc3339(&entry.recorded_at)
            .ok()?
            .with_timezone(&Utc);
        let kinds = entry.basis_kinds();
        Some(Self {
            recorded_at,
            action: entry.action.code().to_owned(),
            outcome: entry.outcome.code().to_owned(),
            actor_subject: entry.actor.subject.clone(),
            actor_agency_id: entry.actor.agency_id,
            child_id: entry.child_id,
            purpose: entry.purpose.map(|p| p.code().to_owned()),
            basis_kinds: format!(
                ",{},",
                kinds.iter().map(|k| k.code()).collect::<Vec<_>>().join(",")
            ),
            withheld_any: !entry.withheld.is_empty(),
            override_used: kinds.contains(&BasisKind::Safeguarding),
            request_id: entry.request_id.clone(),
            trace_id: entry.trace_id.clone(),
        })
    }

    /// The names of the columns in which `stored` differs from `self`.
    pub fn differences(&self, stored: &Self) -> Vec<&'static str> {
        let Self {
            recorded_at,
            action,
            outcome,
            actor_subject,
            actor_agency_id,
            child_id,
            purpose,
            basis_kinds,
            withheld_any,
            override_used,
            request_id,
            trace_id,
        } = self;
        [
            ("recorded_at", *recorded_at == stored.recorded_at),
            ("action", *action == stored.action),
            ("outcome", *outcome == stored.outcome),
            ("actor_subject", *actor_subject == stored.actor_subject),
            (
                "actor_agency_id",
                *actor_agency_id == stored.actor_agency_id,
            ),
            ("child_id", *child_id == stored.child_id),
            ("purpose", *purpose == stored.purpose),
            ("basis_kinds", *basis_kinds == stored.basis_kinds),
            ("withheld_any", *withheld_any == stored.withheld_any),
            ("override_used", *override_used == stored.override_used),
            ("request_id", *request_id == stored.request_id),
            ("trace_id", *trace_id == stored.trace_id),
        ]
        .into_iter()
        .filter(|(_, same)| !same)
        .map(|(name, _)| name)
        .collect()
    }
}

/// A stored link of the chain, as read back for verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredLink {
    pub seq: i64,
    pub prev_hash: String,
    pub hash: String,
    pub canonical: String,
    /// The searchable columns as stored.
    pub columns: IndexedColumns,
}

/// An entry's sequence number and hash, kept outside the database (as
/// printed by `tellonce trace checkpoint`). A chain whose tail was removed,
/// or removed and rewritten, still links up; only a copy of a later link
/// kept elsewhere shows that entries are gone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    seq: i64,
    hash: String,
}

/// Why a checkpoint cannot be used.
/// A trace entry that could not be put in canonical form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the trace entry cannot be serialised: {0}")]
pub struct Unserialisable(pub String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    /// Not `SEQ:HASH`.
    #[error("must be SEQ:HASH, as printed by `tellonce trace checkpoint`")]
    NotSeqHash,
    /// Sequence numbers start at 1.
    #[error("the sequence number must be 1 or more")]
    BadSeq,
    /// A hash is 64 lower-case hexadecimal digits.
    #[error("the hash must be 64 lower-case hexadecimal digits")]
    BadHash,
}

impl Checkpoint {
    /// A checkpoint at entry `seq` with hash `hash`.
    pub fn new(seq: i64, hash: &str) -> Result<Self, CheckpointError> {
        if seq < 1 {
            return Err(CheckpointError::BadSeq);
        }
        let hex = |c: char| c.is_ascii_digit() || ('a'..='f').contains(&c);
        if hash.len() != GENESIS.len() || !hash.chars().all(hex) {
            return Err(CheckpointError::BadHash);
        }
        Ok(Self {
            seq,
            hash: hash.to_owned(),
        })
    }

    /// Parses `SEQ:HASH`.
    pub fn parse(text: &str) -> Result<Self, CheckpointError> {
        let (seq, hash) = text.split_once(':').ok_or(CheckpointError::NotSeqHash)?;
        let seq = seq.parse().map_err(|_| CheckpointError::NotSeqHash)?;
        Self::new(seq, hash)
    }

    /// The checkpoint's entry.
    pub fn seq(&self) -> i64 {
        self.seq
    }

    /// The entry's hash.
    pub fn hash(&self) -> &str {
        &self.hash
    }
}

impl std::fmt::Display for Checkpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.seq, self.hash)
    }
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
    /// The size of the verifiable log's latest checkpoint whose root was
    /// recomputed from the entries (0: the log has none yet).
    pub log_size: u64,
}

/// Checks links one at a time, in sequence order, in constant memory.
#[derive(Debug, Clone)]
pub struct Verifier {
    prev_hash: String,
    next_seq: i64,
    /// A checkpoint not yet reached.
    checkpoint: Option<Checkpoint>,
    report: VerifyReport,
}

impl Default for Verifier {
    fn default() -> Self {
        Self {
            prev_hash: GENESIS.to_owned(),
            next_seq: 1,
            checkpoint: None,
            report: VerifyReport::default(),
        }
    }
}

impl Verifier {
    /// A verifier that also requires the chain to hold `checkpoint`.
    pub fn expecting(checkpoint: Checkpoint) -> Self {
        Self {
            checkpoint: Some(checkpoint),
            ..Self::default()
        }
    }

    /// The same verifier, starting after entry `seq` whose hash is `hash`
    /// (the last entry of an archived period) instead of at the genesis.
    pub fn after(mut self, seq: i64, hash: &str) -> Self {
        self.next_seq = seq + 1;
        self.prev_hash = hash.to_owned();
        self
    }

    /// Checks the next link. After the first broken link, the rest are only
    /// counted.
    pub fn push(&mut self, link: &StoredLink) {
        self.report.checked += 1;
        if self.report.first_broken.is_none()
            && let Some(problem) = self.problem(link)
        {
            self.report.first_broken = Some(self.next_seq.min(link.seq));
            self.report.problem = Some(problem);
        }
        self.next_seq = link.seq + 1;
        self.prev_hash = link.hash.clone();
        self.report.head = Some((link.seq, link.hash.clone()));
    }

    /// What is wrong with `link`, the next one, if anything.
    fn problem(&mut self, link: &StoredLink) -> Option<String> {
        if link.seq != self.next_seq {
            return Some(format!(
                "expected entry {}, found {} (an entry is missing)",
                self.next_seq, link.seq
            ));
        }
        if link.prev_hash != self.prev_hash {
            return Some("its previous-hash does not match the entry before it".to_owned());
        }
        if chain_hash(&link.prev_hash, &link.canonical) != link.hash {
            return Some("its content does not match its hash (it was changed)".to_owned());
        }
        let Some(columns) = TraceEntry::parse(&link.canonical)
            .filter(|e| e.seq == link.seq)
            .as_ref()
            .and_then(IndexedColumns::of)
        else {
            return Some("its content is not a valid entry for this sequence number".to_owned());
        };
        let differ = columns.differences(&link.columns);
        if !differ.is_empty() {
            return Some(format!(
                "its searchable columns do not match its hashed content ({})",
                differ.join(", ")
            ));
        }
        match self.checkpoint.take() {
            Some(cp) if cp.seq == link.seq && cp.hash != link.hash => Some(format!(
                "it does not match the checkpoint {cp} (the chain was rewritten from here or before)"
            )),
            Some(cp) if cp.seq != link.seq => {
                self.checkpoint = Some(cp);
                None
            }
            _ => None,
        }
    }

    /// The report; a checkpoint beyond the last entry breaks the chain at
    /// the first missing entry.
    pub fn finish(mut self) -> VerifyReport {
        if let Some(cp) = self.checkpoint.take()
            && self.report.first_broken.is_none()
        {
            let end = match &self.report.head {
                Some((seq, _)) => format!("the chain ends at entry {seq}"),
                None => "the chain is empty".to_owned(),
            };
            self.report.first_broken = Some(self.next_seq);
            self.report.problem = Some(format!(
                "{end}, before the checkpoint {cp} (entries were removed from its end)"
            ));
        }
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
                let canonical = e.canonical().expect("canonical");
                let hash = chain_hash(&prev, &canonical);
                let link = StoredLink {
                    seq,
                    prev_hash: prev.clone(),
                    hash: hash.clone(),
                    canonical,
                    columns: IndexedColumns::of(&e).expect("columns"),
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
    fn an_edited_searchable_column_is_found_and_named() {
        let other = Uuid::from_u128(7);
        type Edit = fn(&mut IndexedColumns);
        let edits: [(&str, Edit); 5] = [
            ("child_id", |c| c.child_id = Some(Uuid::from_u128(7))),
            ("actor_subject", |c| c.actor_subject = Some("x".into())),
            ("recorded_at", |c| {
                c.recorded_at += chrono::Duration::microseconds(1)
            }),
            ("basis_kinds", |c| c.basis_kinds = ",SAFEGUARDING,".into()),
            ("withheld_any", |c| c.withheld_any = true),
        ];
        for (column, edit) in edits {
            let mut links = chain(5);
            edit(&mut links[2].columns);
            let report = verify(&links);
            assert_eq!(report.first_broken, Some(3), "{column}");
            assert_eq!(
                report.problem.as_deref(),
                Some(
                    format!("its searchable columns do not match its hashed content ({column})")
                        .as_str()
                ),
            );
        }
        let mut both = chain(5);
        both[1].columns.child_id = Some(other);
        both[1].columns.action = "EXPORT".into();
        assert_eq!(
            verify(&both).problem.as_deref(),
            Some("its searchable columns do not match its hashed content (action, child_id)")
        );
    }

    #[test]
    fn columns_are_derived_from_the_entry() {
        let mut e = chain(1).remove(0);
        let mut entry = TraceEntry::parse(&e.canonical).expect("entry");
        entry.basis.push(BasisRecord {
            scope: Scope::Education,
            kind: BasisKind::Safeguarding,
            grant_ids: vec![],
            override_id: None,
            agreement_version: None,
            lawful: None,
            bound: None,
            ground: None,
        });
        let columns = IndexedColumns::of(&entry).expect("columns");
        assert_eq!(columns.basis_kinds, ",SAFEGUARDING,");
        assert!(columns.override_used);
        assert_eq!(columns.action, "READ");
        // A time is compared as an instant, whatever the offset it was read in.
        e.columns.recorded_at = DateTime::parse_from_rfc3339("2026-11-22T13:00:00+01:00")
            .expect("time")
            .with_timezone(&Utc);
        assert_eq!(verify(&[e]).first_broken, None);
        entry.recorded_at = "yesterday".into();
        assert_eq!(IndexedColumns::of(&entry), None);
    }

    #[test]
    fn a_checkpoint_finds_a_removed_or_rewritten_tail() {
        let links = chain(5);
        let at = |seq: i64| Checkpoint::new(seq, &links[seq as usize - 1].hash).expect("cp");
        let with = |cp: Checkpoint, links: &[StoredLink]| {
            let mut v = Verifier::expecting(cp);
            links.iter().for_each(|l| v.push(l));
            v.finish()
        };
        // Held: at the head and before it.
        assert_eq!(with(at(5), &links).first_broken, None);
        assert_eq!(with(at(2), &links).first_broken, None);
        // Removed from the end: the rest links up, but the checkpoint is gone.
        assert_eq!(verify(&links[..3]).first_broken, None);
        let truncated = with(at(5), &links[..3]);
        assert_eq!(truncated.first_broken, Some(4));
        assert!(
            truncated
                .problem
                .as_deref()
                .is_some_and(|p| p.contains("ends at entry 3") && p.contains("checkpoint")),
            "{truncated:?}"
        );
        assert_eq!(with(at(1), &[]).first_broken, Some(1));
        // Rewritten: entry 4 is there, with another hash.
        let mut rewritten = chain(3);
        rewritten.extend(chain(5).into_iter().skip(3).map(|mut l| {
            l.canonical = l.canonical.replace("\"n\":", "\"m\":");
            l.hash = chain_hash(&l.prev_hash, &l.canonical);
            l
        }));
        rewritten[4].prev_hash = rewritten[3].hash.clone();
        rewritten[4].hash = chain_hash(&rewritten[4].prev_hash, &rewritten[4].canonical);
        assert_eq!(verify(&rewritten).first_broken, None);
        let report = with(at(4), &rewritten);
        assert_eq!(report.first_broken, Some(4));
        assert!(
            report
                .problem
                .as_deref()
                .is_some_and(|p| p.contains("checkpoint")),
            "{report:?}"
        );
        // An earlier break is still the first.
        let mut edited = links.clone();
        edited[1].columns.child_id = Some(Uuid::from_u128(1));
        assert_eq!(with(at(5), &edited[..3]).first_broken, Some(2));
    }

    #[test]
    fn checkpoints_parse_as_printed() {
        let hash = chain_hash(GENESIS, "x");
        let cp = Checkpoint::parse(&format!("12:{hash}")).expect("checkpoint");
        assert_eq!(cp.seq(), 12);
        assert_eq!(cp.to_string(), format!("12:{hash}"));
        assert_eq!(Checkpoint::parse("12"), Err(CheckpointError::NotSeqHash));
        assert_eq!(
            Checkpoint::parse(&format!("x:{hash}")),
            Err(CheckpointError::NotSeqHash)
        );
        assert_eq!(
            Checkpoint::parse(&format!("0:{hash}")),
            Err(CheckpointError::BadSeq)
        );
        assert_eq!(Checkpoint::parse("3:abc"), Err(CheckpointError::BadHash));
        assert_eq!(
            Checkpoint::new(3, &hash.to_uppercase()),
            Err(CheckpointError::BadHash)
        );
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
        assert_eq!(
            TraceEntry::parse(&e.canonical().expect("canonical")),
            Some(e.clone())
        );
        assert!(e.canonical().expect("canonical").starts_with(
            "{\"seq\":0,\"recorded_at\":\"2026-11-22T12:00:00.123456Z\",\"action\":\"SEARCH\""
        ));
    }
}
