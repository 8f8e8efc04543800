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
    Read,
    Contribute,
    ChildRegistered,
    FamilyLinked,
    CapacityRecorded,
    ConsentGranted,
    ConsentWithdrawn,
    ConsentConfirmed,
    OverrideDeclared,
    OverrideReviewed,
    OverrideApproved,
    OverrideTellingChanged,
    AgreementPublished,
    AllAboutMeUpdated,
    AssessmentStarted,
    AssessmentStep,
    AdviceRequested,
    AdviceSubmitted,
    AdviceReused,
    Search,
    TraceSearch,
    Export,
    AuthFailed,
    AddressWithheld,
    AddressReleased,
    PrRecorded,
    DeputyRecorded,
    CompetenceRecorded,
    CapacityChallenged,
    AdviceTemplatePublished,
    AdviceNotRequired,
    ReuseConfirmed,
    PlanIssued,
    PlanEdited,
    PlanResponse,
    PlanImported,
    ReviewStep,
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
    pub child_id: Option<ID>,
    pub agency_id: Option<ID>,
    pub actor_subject: Option<String>,
    pub action: Option<GqlTraceAction>,
    pub basis: Option<types::BasisKind>,
    pub purpose: Option<types::Purpose>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    #[graphql(default)]
    pub overrides_only: bool,
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
    pub scope: types::Scope,
    pub code: types::DenialCode,
    pub reason: String,
}

/// The basis of a disclosed scope in an entry.
#[derive(SimpleObject, Debug)]
pub struct TraceBasis {
    pub scope: types::Scope,
    pub kind: types::BasisKind,
    pub grant_ids: Vec<ID>,
    pub override_id: Option<ID>,
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
    pub key: String,
    pub value: String,
}

/// One entry of the access trace: field names, never values.
#[derive(SimpleObject, Debug)]
pub struct TraceEntryView {
    pub seq: i64,
    pub recorded_at: String,
    pub action: GqlTraceAction,
    pub outcome: String,
    pub actor_subject: Option<String>,
    pub actor_agency_id: Option<ID>,
    pub actor_agency_kind: Option<types::AgencyKind>,
    pub actor_roles: Vec<types::Role>,
    pub child_id: Option<ID>,
    pub purpose: Option<types::Purpose>,
    pub disclosed: Vec<String>,
    pub withheld: Vec<TraceWithheld>,
    pub basis: Vec<TraceBasis>,
    pub details: Vec<TraceDetail>,
    pub request_id: Option<String>,
    /// The OpenTelemetry trace id, to find the request's spans.
    pub trace_id: Option<String>,
    pub hash: String,
    pub prev_hash: String,
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
        }
    }
}

/// Relay page info.
#[derive(SimpleObject, Debug)]
pub struct PageInfo {
    pub has_next_page: bool,
    pub end_cursor: Option<String>,
}

#[derive(SimpleObject, Debug)]
pub struct TraceEdge {
    pub cursor: String,
    pub node: TraceEntryView,
}

/// A page of the access trace, in sequence order.
#[derive(SimpleObject, Debug)]
pub struct TraceConnection {
    pub edges: Vec<TraceEdge>,
    pub page_info: PageInfo,
}

/// The result of checking the hash chain.
#[derive(SimpleObject, Debug)]
pub struct TraceIntegrity {
    pub ok: bool,
    pub entries_checked: u64,
    pub head_seq: Option<i64>,
    pub head_hash: Option<String>,
    /// The first entry whose link does not hold.
    pub first_broken_seq: Option<i64>,
    pub problem: Option<String>,
}

/// One access to a child's record, as the family sees it.
#[derive(SimpleObject, Debug)]
pub struct HistoryItem {
    pub at: String,
    pub agency_name: Option<String>,
    pub agency_kind: Option<types::AgencyKind>,
    /// The practitioner, only where the hub is configured to show them.
    pub practitioner: Option<String>,
    pub scopes: Vec<types::Scope>,
    pub purpose: Option<types::Purpose>,
    pub basis: Vec<types::BasisKind>,
    /// In plain words.
    pub summary: String,
}

#[derive(SimpleObject, Debug)]
pub struct HistoryEdge {
    pub cursor: String,
    pub node: HistoryItem,
}

/// A page of a child's access history.
#[derive(SimpleObject, Debug)]
pub struct HistoryConnection {
    pub edges: Vec<HistoryEdge>,
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
        filter: Option<TraceFilterInput>,
        first: Option<i32>,
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
        } = ig.search(&filter, after, limit).await?;
        let edges: Vec<TraceEdge> = rows
            .into_iter()
            .map(|r| TraceEdge {
                cursor: cursor(r.entry.seq),
                node: r.into(),
            })
            .collect();
        let end_cursor = edges.last().map(|e| e.cursor.clone());
        Ok(TraceConnection {
            edges,
            page_info: PageInfo {
                has_next_page,
                end_cursor,
            },
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
        })
    }

    /// Who looked at a child's record, when, why and on what basis (for the
    /// family).
    async fn access_history(
        &self,
        ctx: &Context<'_>,
        child_id: ID,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<HistoryFilterInput>,
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
        let edges: Vec<HistoryEdge> = page
            .looks
            .into_iter()
            .map(|look| HistoryEdge {
                cursor: cursor(look.seq),
                node: history_item(look),
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
