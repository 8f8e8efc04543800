//! [`Ig`] and [`IgAdmin`]: information-governance staff search, check and
//! export the access trace and review safeguarding overrides; IG admins
//! publish agreements. Every search and export is itself traced.

use consent::trace::{Checkpoint, TraceAction, VerifyReport};
use consent::{Agreement, Override, Review, ReviewOutcome};
use futures_util::Stream;
use uuid::Uuid;

use super::RequestContext;
use crate::error::{Error, Result};
use store::{TraceFilter, TraceRow};

/// Information-governance staff (see [`RequestContext::ig`]).
#[derive(Debug)]
pub struct Ig<'a> {
    pub(super) rc: &'a RequestContext,
}

/// An IG administrator (see [`RequestContext::ig_admin`]).
#[derive(Debug)]
pub struct IgAdmin<'a> {
    pub(super) rc: &'a RequestContext,
}

/// One page of a trace search.
#[derive(Debug)]
pub struct TracePage {
    pub rows: Vec<TraceRow>,
    pub has_next_page: bool,
    /// Entries recorded before this were archived (`tellonce trace
    /// archive`) and are not searched.
    pub archived_before: Option<chrono::DateTime<chrono::Utc>>,
}

/// The form an export is written in (recorded in its trace entry).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Ndjson,
    Csv,
}

impl ExportFormat {
    pub fn code(self) -> &'static str {
        match self {
            ExportFormat::Ndjson => "ndjson",
            ExportFormat::Csv => "csv",
        }
    }
}

/// One page of IG's view of practitioner-recorded consent decisions.
#[derive(Debug)]
pub struct RecordedConsentPage {
    pub records: Vec<super::ConsentRecord>,
    pub has_next_page: bool,
}

/// The override review queue in numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReviewCounts {
    pub awaiting: usize,
    /// Past their review deadline.
    pub overdue: usize,
    /// Carried over from before grounds were recorded: the ground needs
    /// confirming.
    pub ground_to_confirm: usize,
}

/// Rows per page of an export.
const EXPORT_PAGE: u64 = 1_000;

impl Ig<'_> {
    /// Entries matching `filter` after sequence `after`, at most `limit`.
    pub async fn search(&self, filter: &TraceFilter, after: i64, limit: u64) -> Result<TracePage> {
        let rc = self.rc;
        let mut rows = rc.store().search_trace(filter, after, limit + 1).await?;
        let has_next_page = rows.len() as u64 > limit;
        rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        rc.record(
            rc.entry(TraceAction::TraceSearch)
                .detail("filter", filter.describe())
                .detail("after", after)
                .detail("results", rows.len()),
        );
        let archived_before = rc.store().trace_archive_head().await?.map(|a| a.2);
        Ok(TracePage {
            rows,
            has_next_page,
            archived_before,
        })
    }

    /// Checks the whole chain (and, given one, that it still holds a
    /// checkpoint kept outside the database).
    pub async fn integrity(&self, checkpoint: Option<Checkpoint>) -> Result<VerifyReport> {
        let rc = self.rc;
        let mut entry = rc
            .entry(TraceAction::TraceSearch)
            .detail("check", "integrity");
        if let Some(cp) = &checkpoint {
            entry = entry.detail("checkpoint_seq", cp.seq());
        }
        let report = rc
            .store()
            .verify_trace_against(checkpoint, rc.policy().log_key.as_deref())
            .await?;
        rc.record(entry.detail("checked", report.checked));
        Ok(report)
    }

    /// Inclusion proofs of entries IG staff were shown, each with the
    /// canonical entry its leaf hash is of (`None`: not yet in the log).
    /// Hashes only: nothing here is traced beyond the search that found
    /// the entries.
    pub async fn inclusion_proofs(
        &self,
        seqs: &[i64],
    ) -> Result<Vec<Option<(consent::log::InclusionProof, String)>>> {
        Ok(self.rc.store().inclusion_proofs(seqs).await?)
    }

    /// Every entry matching `filter`, page by page, for a streamed export.
    /// The export's own entry is recorded first; the caller makes it
    /// durable ([`RequestContext::finish`]) before sending anything.
    pub fn export(
        &self,
        filter: TraceFilter,
        format: ExportFormat,
    ) -> impl Stream<Item = Result<Vec<TraceRow>>> + Send + 'static + use<> {
        let rc = self.rc;
        rc.record(
            rc.entry(TraceAction::Export)
                .detail("filter", filter.describe())
                .detail("format", format.code()),
        );
        let store = rc.store().clone();
        futures_util::stream::unfold(
            (store, filter, Some(0i64)),
            |(store, filter, after)| async move {
                let after = after?;
                match store.search_trace(&filter, after, EXPORT_PAGE).await {
                    Ok(rows) => {
                        let next = if (rows.len() as u64) < EXPORT_PAGE {
                            None
                        } else {
                            rows.last().map(|r| r.entry.seq)
                        };
                        Some((Ok(rows), (store, filter, next)))
                    }
                    Err(e) => Some((Err(e.into()), (store, filter, None))),
                }
            },
        )
    }

    /// Safeguarding overrides not yet reviewed (only those past their
    /// review deadline, or only those within it, when `overdue` says so).
    /// Reading the queue is traced like any other read.
    pub async fn overrides_awaiting_review(&self, overdue: Option<bool>) -> Result<Vec<Override>> {
        let rc = self.rc;
        let mut overrides = rc.store().overrides_awaiting_review().await?;
        if let Some(overdue) = overdue {
            overrides.retain(|o| o.review_overdue(rc.now) == overdue);
        }
        for o in &overrides {
            rc.record(
                rc.child_entry(TraceAction::Read, o.child_id)
                    .detail("view", "override_review_queue")
                    .detail("override_id", o.id),
            );
        }
        Ok(overrides)
    }

    /// Consent decisions practitioners recorded on paper or by phone,
    /// newest first (IG's anomaly view), with their receipts: `first` at
    /// most, recorded before the cursor `before` (recorded time and grant
    /// id). Reading the list is traced, one entry per child shown.
    pub async fn recorded_consents(
        &self,
        before: Option<(chrono::DateTime<chrono::Utc>, Uuid)>,
        first: u64,
    ) -> Result<RecordedConsentPage> {
        let rc = self.rc;
        let mut grants = rc.store().recorded_consents(before, first + 1).await?;
        let has_next_page = grants.len() as u64 > first;
        grants.truncate(usize::try_from(first).unwrap_or(usize::MAX));
        for g in &grants {
            rc.record(
                rc.child_entry(TraceAction::Read, g.child_id)
                    .detail("view", "recorded_consents")
                    .detail("grant_id", g.id),
            );
        }
        let records = rc.consent().records(grants).await?;
        Ok(RecordedConsentPage {
            records,
            has_next_page,
        })
    }

    /// How many overrides await review, and how many of them are past
    /// their deadline: the alert IG sees (there is no live channel for IG).
    pub async fn override_review_counts(&self) -> Result<ReviewCounts> {
        let rc = self.rc;
        let overrides = rc.store().overrides_awaiting_review().await?;
        let counts = ReviewCounts {
            awaiting: overrides.len(),
            overdue: overrides
                .iter()
                .filter(|o| o.review_overdue(rc.now))
                .count(),
            ground_to_confirm: overrides.iter().filter(|o| o.ground_carried_over).count(),
        };
        rc.record(
            rc.entry(TraceAction::TraceSearch)
                .detail("view", "override_review_counts")
                .detail("awaiting", counts.awaiting)
                .detail("overdue", counts.overdue),
        );
        Ok(counts)
    }

    /// Records a review of an override. NOT_UPHELD ends it at once.
    pub async fn review_override(
        &self,
        id: Uuid,
        outcome: ReviewOutcome,
        note: &str,
    ) -> Result<Override> {
        let rc = self.rc;
        let note = domain::input::required_text("note", note)?;
        let store = rc.store();
        let child_id = store
            .child_of_override(id)
            .await?
            .ok_or(Error::NotFound("override"))?;
        let review = Review {
            id: Uuid::now_v7(),
            outcome,
            note,
            reviewer: rc.principal.subject.clone(),
            at: rc.now,
        };
        let tx = store.traced().await?;
        tx.insert_review(child_id, id, &review).await?;
        let entry = rc
            .child_entry(TraceAction::OverrideReviewed, child_id)
            .detail("override_id", id)
            .detail("outcome", review.outcome);
        tx.commit(vec![entry]).await?;
        store
            .consent_state(child_id)
            .await?
            .overrides
            .into_iter()
            .find(|o| o.id == id)
            .ok_or(Error::NotFound("override"))
    }
}

impl IgAdmin<'_> {
    /// Publishes a new version of the data-sharing agreement, written in the
    /// TOML form of `consent/agreements/default.toml`.
    pub async fn publish_agreement(&self, source: &str) -> Result<Agreement> {
        let rc = self.rc;
        let parsed = crate::agreement::parse(source)?;
        let tx = rc.store().traced().await?;
        let agreement = tx
            .publish_agreement(parsed, source, &rc.principal.subject, rc.now)
            .await?;
        tx.commit(vec![
            rc.entry(TraceAction::AgreementPublished)
                .detail("version", agreement.version),
        ])
        .await?;
        Ok(agreement)
    }
}
