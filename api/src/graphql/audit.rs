//! The access trace over GraphQL: IG staff search it and check its
//! integrity; families see who looked at their child's record. Every search
//! is itself traced.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use consent::trace::{Checkpoint, CheckpointError, TraceEntry};
use uuid::Uuid;

use super::record::request;
use super::types;
use crate::access::{HistoryFilter, Look, TraceFilter, TracePage, TraceRow};
use crate::error::{Error, Result};

type GqlResult<T> = async_graphql::Result<T>;

const MAX_PAGE: i32 = 500;

/// What a trace entry records.
#[derive(async_graphql::Enum, Copy, Clone, Debug, Eq, PartialEq)]
#[graphql(name = "TraceAction", remote = "consent::trace::TraceAction")]
pub enum GqlTraceAction {
    /// A part of a child's record read (scopes disclosed and withheld listed in the entry).
    Read,
    /// Information contributed to a child's record.
    Contribute,
    /// A child registered with the hub.
    ChildRegistered,
    /// A family member linked to a child's record.
    FamilyLinked,
    /// A capacity assessment recorded.
    CapacityRecorded,
    /// A consent grant recorded.
    ConsentGranted,
    /// A consent grant withdrawn.
    ConsentWithdrawn,
    /// A pending consent grant confirmed by the family.
    ConsentConfirmed,
    /// A safeguarding override declared.
    OverrideDeclared,
    /// A safeguarding override reviewed by the IG team or the Caldicott guardian.
    OverrideReviewed,
    /// A safeguarding override approved by a second person.
    OverrideApproved,
    /// The decision about telling the family of an override changed.
    OverrideTellingChanged,
    /// A version of the information-sharing agreement published.
    AgreementPublished,
    /// The child's "All about me" rewritten by the family.
    AllAboutMeUpdated,
    /// An EHC needs assessment started (a request received).
    AssessmentStarted,
    /// A step of an EHC needs assessment recorded (decision, draft, final plan...).
    AssessmentStep,
    /// Advice requested from a profession (reg 6(1)).
    AdviceRequested,
    /// Advice submitted in answer to a request.
    AdviceSubmitted,
    /// Existing advice used in answer to a request (reg 6(4)).
    AdviceReused,
    /// A search for a child (e.g. by NHS number).
    Search,
    /// The access trace searched or checked by IG staff.
    TraceSearch,
    /// Data exported (the trace, or a SEN2 extract).
    Export,
    /// A request refused because its token did not verify.
    AuthFailed,
    /// A child's address withheld from agencies.
    AddressWithheld,
    /// A withheld address released again.
    AddressReleased,
    /// Parental responsibility recorded.
    PrRecorded,
    /// A deputy or attorney recorded.
    DeputyRecorded,
    /// A Gillick-competence decision recorded.
    CompetenceRecorded,
    /// The young person challenged a capacity assessment.
    CapacityChallenged,
    /// A version of a profession's advice template published.
    AdviceTemplatePublished,
    /// A reg 6(1) source recorded as not required, with the reason.
    AdviceNotRequired,
    /// The author or the family confirmed, for themselves, that existing advice is still sufficient (reg 6(4)).
    ReuseConfirmed,
    /// A version of an EHC plan issued (draft, final or amendment).
    PlanIssued,
    /// A draft plan's paragraphs changed by the case officer.
    PlanEdited,
    /// The family's response to a draft plan.
    PlanResponse,
    /// A plan made before the hub, imported with its dates.
    PlanImported,
    /// A step of an annual review or phase transfer.
    ReviewStep,
    /// A timeliness report (counts) read or exported.
    Report,
    /// An agency added to the register.
    AgencyRegistered,
    /// An agency's details changed in the register.
    AgencyUpdated,
    /// An agency retired from the register: its staff can no longer sign in.
    AgencyRetired,
    /// A child's existing record brought in by a bulk import.
    Import,
    /// A copy of the whole database taken by the operator.
    Backup,
}

/// Filters for `accessTrace` and the export; each one narrows the result.
#[derive(InputObject, Debug, Default)]
pub struct TraceFilterInput {
    /// Only entries about this child.
    pub child_id: Option<ID>,
    /// Only entries by staff of this agency.
    pub agency_id: Option<ID>,
    /// Only entries by this token subject (`sub`), compared exactly.
    pub actor_subject: Option<String>,
    /// Only entries of this action.
    pub action: Option<GqlTraceAction>,
    /// Only entries where some scope was disclosed on this kind of basis.
    pub basis: Option<types::BasisKind>,
    /// Only entries made for this purpose of use.
    pub purpose: Option<types::Purpose>,
    /// Only entries recorded at or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Only entries recorded before this instant.
    pub to: Option<DateTime<Utc>>,
    /// Only entries that relied on a safeguarding override. Default false.
    #[graphql(default)]
    pub overrides_only: bool,
    /// Only entries whose outcome was DENIED. Default false.
    #[graphql(default)]
    pub denied_only: bool,
}

use super::parse_id as uuid;

impl TraceFilterInput {
    pub fn to_filter(&self) -> Result<TraceFilter> {
        // Compared as given; PostgreSQL cannot compare text holding a NUL.
        if let Some(subject) = &self.actor_subject {
            domain::input::no_control_characters("actorSubject", subject)?;
        }
        Ok(TraceFilter {
            child_id: self
                .child_id
                .as_ref()
                .map(|i| uuid("childId", i))
                .transpose()?,
            agency_id: self
                .agency_id
                .as_ref()
                .map(|i| uuid("agencyId", i))
                .transpose()?,
            actor_subject: self.actor_subject.clone(),
            action: self.action.map(Into::into),
            basis: self.basis.map(Into::into),
            purpose: self.purpose.map(Into::into),
            from: self.from,
            to: self.to,
            overrides_only: self.overrides_only,
            denied_only: self.denied_only,
            ..TraceFilter::default()
        })
    }
}

/// Cursors are opaque; inside, the sequence number.
pub fn cursor(seq: i64) -> String {
    format!("seq:{seq}")
}

pub fn parse_cursor(after: Option<&str>) -> Result<i64> {
    match after {
        None => Ok(0),
        Some(c) => c
            .strip_prefix("seq:")
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| Error::bad_input("after", "is not a cursor from this connection")),
    }
}

pub(super) fn page_size(first: Option<i32>) -> Result<u64> {
    match first.unwrap_or(50) {
        n @ 1..=MAX_PAGE => Ok(n as u64),
        _ => Err(Error::bad_input(
            "first",
            format!("must be between 1 and {MAX_PAGE}"),
        )),
    }
}

/// A scope withheld in an entry.
#[derive(SimpleObject, Debug)]
pub struct TraceWithheld {
    /// The scope withheld.
    pub scope: types::Scope,
    /// Why, as a code.
    pub code: types::DenialCode,
    /// Why, in words (no record values).
    pub reason: String,
}

/// The basis of a disclosed scope in an entry.
#[derive(SimpleObject, Debug)]
pub struct TraceBasis {
    /// The scope disclosed.
    pub scope: types::Scope,
    /// What the disclosure rested on.
    pub kind: types::BasisKind,
    /// The consent grants relied on (CONSENT); empty otherwise.
    pub grant_ids: Vec<ID>,
    /// The safeguarding override relied on (SAFEGUARDING); null otherwise.
    pub override_id: Option<ID>,
    /// The version of the information-sharing agreement in force (PUBLIC_TASK); null otherwise.
    pub agreement_version: Option<i32>,
    /// The law it rested on (absent in entries written before lawful bases
    /// were recorded).
    pub lawful_basis: Option<types::LawfulBasisView>,
    /// The fact that made the purpose true.
    pub bound_to: Option<types::BoundFact>,
    /// The legal ground of the override relied on (SAFEGUARDING).
    pub ground: Option<types::OverrideGround>,
}

/// An action-specific fact.
#[derive(SimpleObject, Debug)]
pub struct TraceDetail {
    /// The fact's name, e.g. `milestone`.
    pub key: String,
    /// The fact's value: an id, a code or a date, never child data.
    pub value: String,
}

/// One entry of the access trace: field names, never values.
#[derive(SimpleObject, Debug)]
pub struct TraceEntryView {
    /// The entry's sequence number: 1, 2, 3... with no gaps.
    pub seq: i64,
    /// When the hub recorded it: RFC 3339 in UTC with microseconds, e.g. `2026-12-01T09:30:00.000000Z`. A string, as hashed.
    pub recorded_at: String,
    /// What happened.
    pub action: GqlTraceAction,
    /// `SUCCESS`, or `DENIED` when nothing was disclosed: every requested scope was withheld, or the operation was refused.
    pub outcome: String,
    /// The token subject (`sub`) of who acted; null when no signed-in caller acted (e.g. a failed sign-in).
    pub actor_subject: Option<String>,
    /// The agency the actor works for; null for families and young people.
    pub actor_agency_id: Option<ID>,
    /// The kind of that agency.
    pub actor_agency_kind: Option<types::AgencyKind>,
    /// The roles the actor's token carried.
    pub actor_roles: Vec<types::Role>,
    /// The child the entry is about; null when it concerns no one child.
    pub child_id: Option<ID>,
    /// The purpose of use stated (`X-Purpose-Of-Use`) or inherent in the operation; null when none.
    pub purpose: Option<types::Purpose>,
    /// The field names disclosed (e.g. `education.setting`), never their values.
    pub disclosed: Vec<String>,
    /// The scopes withheld, and why.
    pub withheld: Vec<TraceWithheld>,
    /// For each disclosed scope: what it rested on.
    pub basis: Vec<TraceBasis>,
    /// Facts particular to the action (ids, codes, dates).
    pub details: Vec<TraceDetail>,
    /// The request's `X-Request-Id`, to match server logs.
    pub request_id: Option<String>,
    /// The OpenTelemetry trace id, to find the request's spans.
    pub trace_id: Option<String>,
    /// SHA-256 (hex) of the previous entry's hash followed by this entry's canonical form.
    pub hash: String,
    /// The previous entry's hash; 64 zeros for the first entry.
    pub prev_hash: String,
    /// Its inclusion proof against the latest signed checkpoint; null until
    /// the entry is integrated into the log (within seconds) or when the
    /// hub signs no checkpoints.
    pub inclusion_proof: Option<InclusionProofView>,
}

fn id(u: Uuid) -> ID {
    ID(u.to_string())
}

impl From<TraceRow> for TraceEntryView {
    fn from(row: TraceRow) -> Self {
        let e: TraceEntry = row.entry;
        Self {
            seq: e.seq,
            recorded_at: e.recorded_at,
            action: e.action.into(),
            outcome: e.outcome.code().to_owned(),
            actor_subject: e.actor.subject,
            actor_agency_id: e.actor.agency_id.map(id),
            actor_agency_kind: e.actor.agency_kind.map(Into::into),
            actor_roles: e.actor.roles.into_iter().map(Into::into).collect(),
            child_id: e.child_id.map(id),
            purpose: e.purpose.map(Into::into),
            disclosed: e.disclosed,
            withheld: e
                .withheld
                .into_iter()
                .map(|w| TraceWithheld {
                    scope: w.scope.into(),
                    code: w.code.into(),
                    reason: w.reason,
                })
                .collect(),
            basis: e
                .basis
                .into_iter()
                .map(|b| TraceBasis {
                    scope: b.scope.into(),
                    kind: b.kind.into(),
                    grant_ids: b.grant_ids.into_iter().map(id).collect(),
                    override_id: b.override_id.map(id),
                    agreement_version: b.agreement_version,
                    lawful_basis: b.lawful.as_ref().map(Into::into),
                    bound_to: b.bound.map(Into::into),
                    ground: b.ground.map(Into::into),
                })
                .collect(),
            details: e
                .details
                .into_iter()
                .map(|(key, value)| TraceDetail { key, value })
                .collect(),
            request_id: e.request_id,
            trace_id: e.trace_id,
            hash: row.hash,
            prev_hash: row.prev_hash,
            inclusion_proof: None,
        }
    }
}

/// Proof that a trace entry is in the hub's verifiable log: the audit
/// path from its leaf to the root a signed checkpoint commits to (RFC 9162
/// inclusion proof). Check it offline with `tellonce trace verify-proof`
/// or by the procedure in the README, against the log's public key.
#[derive(SimpleObject, Debug)]
pub struct InclusionProofView {
    /// The entry's position in the log: its sequence number less one.
    pub leaf_index: u64,
    /// The size of the tree the checkpoint commits to.
    pub tree_size: u64,
    /// SHA-256 of a zero byte followed by the canonical entry, base64.
    pub leaf_hash: String,
    /// The audit path, from the leaf's sibling up, base64 SHA-256 hashes.
    pub hashes: Vec<String>,
    /// The signed checkpoint (C2SP tlog-checkpoint in a signed note).
    pub checkpoint: String,
    /// The canonical entry the leaf hash is of (IG staff; null in a
    /// family's history, whose entries hold what it leaves out).
    pub entry: Option<String>,
}

impl InclusionProofView {
    fn of(proof: consent::log::InclusionProof, entry: Option<String>) -> Self {
        Self {
            leaf_index: proof.leaf_index,
            tree_size: proof.tree_size,
            leaf_hash: proof.leaf_hash,
            hashes: proof.hashes,
            checkpoint: proof.checkpoint,
            entry,
        }
    }
}

/// Whether a connection's nodes ask for their inclusion proofs.
fn proofs_selected(ctx: &Context<'_>) -> bool {
    ctx.look_ahead()
        .field("edges")
        .field("node")
        .field("inclusionProof")
        .exists()
}

/// Relay page info.
#[derive(SimpleObject, Debug)]
pub struct PageInfo {
    /// Whether more items follow this page.
    pub has_next_page: bool,
    /// The cursor of this page's last item: pass it as `after` for the next page. Null on an empty page.
    pub end_cursor: Option<String>,
}

/// One entry in a page of the access trace.
#[derive(SimpleObject, Debug)]
pub struct TraceEdge {
    /// Opaque position of this entry, for `after`.
    pub cursor: String,
    /// The entry.
    pub node: TraceEntryView,
}

/// A page of the access trace, in sequence order.
#[derive(SimpleObject, Debug)]
pub struct TraceConnection {
    /// The entries of this page.
    pub edges: Vec<TraceEdge>,
    /// Where this page ends.
    pub page_info: PageInfo,
    /// The period the search covered.
    pub period: TracePeriod,
}

/// The period a trace search covered: the filter's, narrowed by what is
/// still in the database.
#[derive(SimpleObject, Debug)]
pub struct TracePeriod {
    /// From this instant (RFC 3339): the filter's `from`, or the end of the
    /// archived period if later; null: from the first entry.
    pub from: Option<DateTime<Utc>>,
    /// Up to this instant, exclusive: the filter's `to`; null: to the last entry.
    pub to: Option<DateTime<Utc>>,
    /// Entries recorded before this instant were archived (`tellonce trace
    /// archive`) and are not searched; null when nothing is archived.
    pub archived_before: Option<DateTime<Utc>>,
}

/// The result of checking the hash chain.
#[derive(SimpleObject, Debug)]
pub struct TraceIntegrity {
    /// True when every link of the chain holds (and the checkpoint, if given, is still in it).
    pub ok: bool,
    /// How many entries were checked.
    pub entries_checked: u64,
    /// The last entry's sequence number; null for an empty trace.
    pub head_seq: Option<i64>,
    /// The last entry's hash: keep it with headSeq as a checkpoint outside the database.
    pub head_hash: Option<String>,
    /// The first entry whose link does not hold.
    pub first_broken_seq: Option<i64>,
    /// What is wrong, in words; null when ok.
    pub problem: Option<String>,
    /// The size of the verifiable log's latest signed checkpoint, whose
    /// root was recomputed from the entries (its signature checked with
    /// the hub's key); 0 when the log has no checkpoint yet.
    pub log_checked_size: u64,
}

/// One access to a child's record, as the family sees it.
#[derive(SimpleObject, Debug)]
pub struct HistoryItem {
    /// When: RFC 3339 in UTC, as the trace recorded it.
    pub at: String,
    /// The agency that looked, from the register; null if it is no longer there.
    pub agency_name: Option<String>,
    /// The kind of that agency.
    pub agency_kind: Option<types::AgencyKind>,
    /// The practitioner, only where the hub is configured to show them.
    pub practitioner: Option<String>,
    /// The parts of the record disclosed (restricted information is left out).
    pub scopes: Vec<types::Scope>,
    /// The purpose they gave, or the one the operation serves by its nature.
    pub purpose: Option<types::Purpose>,
    /// What the disclosure rested on.
    pub basis: Vec<types::BasisKind>,
    /// In plain words.
    pub summary: String,
    /// Proof that this access is recorded in the hub's verifiable log, for
    /// checking offline against its public key; null until it is
    /// integrated (within seconds) or when the hub signs no checkpoints.
    pub inclusion_proof: Option<InclusionProofView>,
}

/// One access in a page of a child's access history.
#[derive(SimpleObject, Debug)]
pub struct HistoryEdge {
    /// Opaque position of this item, for `after`.
    pub cursor: String,
    /// The access.
    pub node: HistoryItem,
}

/// A page of a child's access history.
#[derive(SimpleObject, Debug)]
pub struct HistoryConnection {
    /// The accesses of this page.
    pub edges: Vec<HistoryEdge>,
    /// Where this page ends.
    pub page_info: PageInfo,
}

/// How a family narrows its child's access history.
#[derive(InputObject, Debug, Default)]
pub struct HistoryFilterInput {
    /// Only what this agency did.
    pub agency_id: Option<ID>,
    /// From this time (inclusive).
    pub from: Option<DateTime<Utc>>,
    /// Before this time.
    pub to: Option<DateTime<Utc>>,
    /// Newest first; the cursor then pages back in time.
    #[graphql(default)]
    pub newest_first: bool,
}

impl HistoryFilterInput {
    fn to_filter(&self) -> Result<HistoryFilter> {
        if let (Some(f), Some(t)) = (self.from, self.to)
            && t <= f
        {
            return Err(Error::bad_input("to", "must be after from"));
        }
        Ok(HistoryFilter {
            agency_id: self
                .agency_id
                .as_ref()
                .map(|a| uuid("agencyId", a))
                .transpose()?,
            from: self.from,
            to: self.to,
            newest_first: self.newest_first,
        })
    }
}

/// A look, as the family's history shows it.
fn history_item(look: Look) -> HistoryItem {
    HistoryItem {
        at: look.at,
        agency_name: look.agency.map(|a| a.name),
        agency_kind: look.agency_kind.map(Into::into),
        practitioner: look.practitioner,
        scopes: look.scopes.into_iter().map(Into::into).collect(),
        purpose: look.purpose.map(Into::into),
        basis: look.basis.into_iter().map(Into::into).collect(),
        summary: look.summary,
        inclusion_proof: None,
    }
}

#[derive(Debug, Default)]
pub struct AuditQuery;

#[Object]
impl AuditQuery {
    /// Searches the access trace (IG staff). The search itself is traced.
    async fn access_trace(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Narrows the search; all entries when absent.")] filter: Option<
            TraceFilterInput,
        >,
        #[graphql(desc = "Page size, 1 to 500; default 50.")] first: Option<i32>,
        #[graphql(desc = "The endCursor of the previous page; from the first entry when absent.")]
        after: Option<String>,
    ) -> GqlResult<TraceConnection> {
        let rc = request(ctx)?;
        let ig = rc.ig()?;
        let filter = filter.unwrap_or_default().to_filter()?;
        let limit = page_size(first)?;
        let after = parse_cursor(after.as_deref())?;
        let TracePage {
            rows,
            has_next_page,
            archived_before,
        } = ig.search(&filter, after, limit).await?;
        let period = TracePeriod {
            from: match (filter.from, archived_before) {
                (Some(f), Some(a)) => Some(f.max(a)),
                (f, a) => f.or(a),
            },
            to: filter.to,
            archived_before,
        };
        let mut proofs = if proofs_selected(ctx) {
            let seqs: Vec<i64> = rows.iter().map(|r| r.entry.seq).collect();
            ig.inclusion_proofs(&seqs).await?
        } else {
            Vec::new()
        }
        .into_iter();
        let edges: Vec<TraceEdge> = rows
            .into_iter()
            .map(|r| {
                let mut node = TraceEntryView::from(r);
                node.inclusion_proof = proofs
                    .next()
                    .flatten()
                    .map(|(p, entry)| InclusionProofView::of(p, Some(entry)));
                TraceEdge {
                    cursor: cursor(node.seq),
                    node,
                }
            })
            .collect();
        let end_cursor = edges.last().map(|e| e.cursor.clone());
        Ok(TraceConnection {
            edges,
            page_info: PageInfo {
                has_next_page,
                end_cursor,
            },
            period,
        })
    }

    /// Checks the whole hash chain, and that every entry's searchable
    /// columns say what its hashed content says (IG staff). With a
    /// checkpoint kept outside the database (`tellonce trace checkpoint`),
    /// also checks that the chain still holds it, which finds entries
    /// removed from its end.
    async fn trace_integrity(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The checkpoint's sequence number; give it with expectHash.")]
        expect_seq: Option<i64>,
        #[graphql(desc = "The checkpoint's hash; give it with expectSeq.")] expect_hash: Option<
            String,
        >,
    ) -> GqlResult<TraceIntegrity> {
        let rc = request(ctx)?;
        let ig = rc.ig()?;
        let checkpoint = match (expect_seq, expect_hash.as_deref()) {
            (None, None) => None,
            (Some(seq), Some(hash)) => Some(Checkpoint::new(seq, hash).map_err(|e| {
                Error::bad_input(
                    match e {
                        CheckpointError::BadSeq => "expectSeq",
                        _ => "expectHash",
                    },
                    e.to_string(),
                )
            })?),
            (Some(_), None) => {
                return Err(Error::bad_input("expectHash", "give it with expectSeq").into());
            }
            (None, Some(_)) => {
                return Err(Error::bad_input("expectSeq", "give it with expectHash").into());
            }
        };
        let report = ig.integrity(checkpoint).await?;
        Ok(TraceIntegrity {
            ok: report.first_broken.is_none(),
            entries_checked: report.checked,
            head_seq: report.head.as_ref().map(|h| h.0),
            head_hash: report.head.map(|h| h.1),
            first_broken_seq: report.first_broken,
            problem: report.problem,
            log_checked_size: report.log_size,
        })
    }

    /// Who looked at a child's record, when, why and on what basis (for the
    /// family).
    async fn access_history(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The child whose record's history to read; the caller must be family for this child."
        )]
        child_id: ID,
        #[graphql(desc = "Page size, 1 to 500; default 50.")] first: Option<i32>,
        #[graphql(desc = "The endCursor of the previous page.")] after: Option<String>,
        #[graphql(desc = "Narrows the history; everything when absent.")] filter: Option<
            HistoryFilterInput,
        >,
    ) -> GqlResult<HistoryConnection> {
        let rc = request(ctx)?;
        let child = uuid("childId", &child_id)?;
        let narrow = filter.unwrap_or_default().to_filter()?;
        let family = rc.family(child).await?;
        let limit = page_size(first)?;
        let after = parse_cursor(after.as_deref())?;
        let page = family.access_history(&narrow, after, limit).await?;
        let has_next_page = page.has_next_page;
        let end_cursor = page.end_seq.map(cursor);
        let mut proofs = if proofs_selected(ctx) {
            let seqs: Vec<i64> = page.looks.iter().map(|l| l.seq).collect();
            family.inclusion_proofs(&seqs).await?
        } else {
            Vec::new()
        }
        .into_iter();
        let edges: Vec<HistoryEdge> = page
            .looks
            .into_iter()
            .map(|look| {
                let seq = look.seq;
                let mut node = history_item(look);
                node.inclusion_proof = proofs
                    .next()
                    .flatten()
                    .map(|p| InclusionProofView::of(p, None));
                HistoryEdge {
                    cursor: cursor(seq),
                    node,
                }
            })
            .collect();
        Ok(HistoryConnection {
            edges,
            page_info: PageInfo {
                has_next_page,
                end_cursor,
            },
        })
    }
}
