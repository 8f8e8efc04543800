//! Storage of the access trace: appending links to the hash chain (inside
//! the caller's transaction, so a change and its entry commit together),
//! searching, and reading the chain back for verification.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use consent::trace::{
    Checkpoint, GENESIS, IndexedColumns, StoredLink, TraceEntry, Verifier, VerifyReport, chain_hash,
};
use consent::{BasisKind, Purpose};
use domain::ChildId;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseBackend, DatabaseTransaction,
    EntityTrait, QueryFilter, QueryOrder, QuerySelect, SqliteTransactionMode, Statement,
    TransactionOptions, TransactionTrait,
};
use tokio::sync::OwnedMutexGuard;
use uuid::Uuid;

use super::entities::access_trace;
use super::{Clock, Result, Store, StoreError};
use consent::log;

/// Serialises traced transactions (and so appends to the chain) within this
/// process; on PostgreSQL an advisory transaction lock taken at their start
/// also serialises hub instances, so checks made inside one hold until it
/// commits.
pub type ChainLock = Arc<tokio::sync::Mutex<()>>;

pub(crate) const ADVISORY_KEY: i64 = 0x7e11_0ce0;

/// A transaction that holds the chain: its writes and its trace entries
/// commit together or not at all.
#[derive(Debug)]
pub struct TracedTxn {
    pub(super) txn: DatabaseTransaction,
    clock: Arc<dyn Clock>,
    _chain: OwnedMutexGuard<()>,
}

impl TracedTxn {
    pub fn conn(&self) -> &DatabaseTransaction {
        &self.txn
    }

    /// What time the store's clock says it is.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Appends `entries` and commits everything. Returns the entries as
    /// stored (with sequence numbers).
    #[tracing::instrument(name = "db.trace_commit", skip_all, fields(otel.kind = "client", db.operation.name = "trace_commit", entries = entries.len()))]
    pub async fn commit(self, entries: Vec<TraceEntry>) -> Result<Vec<TraceEntry>> {
        let TracedTxn { txn, _chain, .. } = self;
        match append(&txn, entries).await {
            Ok(stored) => {
                txn.commit().await?;
                Ok(stored)
            }
            Err(e) => {
                // Rolled back before the chain lock is released, so the next
                // traced transaction finds the database free (SQLite would
                // otherwise answer "database is locked").
                if let Err(rollback) = txn.rollback().await {
                    tracing::error!(error = %rollback, "rolling back a failed trace append failed");
                }
                Err(e)
            }
        }
    }
}

/// Appends entries after the current head, inside `conn`'s transaction.
async fn append<C: ConnectionTrait>(conn: &C, entries: Vec<TraceEntry>) -> Result<Vec<TraceEntry>> {
    if entries.is_empty() {
        return Ok(entries);
    }
    let (rows, stored) = linked(conn, entries).await?;
    access_trace::Entity::insert_many(rows).exec(conn).await?;
    Ok(stored)
}

/// The rows that link `entries` after the chain's head (read inside
/// `conn`'s transaction, which must hold the chain), and the entries as
/// they will be stored: the one place a link is made (appends and the
/// seed's bulk writes).
pub(crate) async fn linked<C: ConnectionTrait>(
    conn: &C,
    entries: Vec<TraceEntry>,
) -> Result<(Vec<access_trace::ActiveModel>, Vec<TraceEntry>)> {
    let head = access_trace::Entity::find()
        .select_only()
        .column(access_trace::Column::Seq)
        .column(access_trace::Column::Hash)
        .order_by_desc(access_trace::Column::Seq)
        .into_tuple::<(i64, String)>()
        .one(conn)
        .await?;
    let (mut seq, mut prev) = head.unwrap_or((0, GENESIS.to_owned()));
    let mut rows = Vec::with_capacity(entries.len());
    let mut stored = Vec::with_capacity(entries.len());
    for mut entry in entries {
        seq += 1;
        entry.seq = seq;
        entry.normalise();
        let canonical = entry
            .canonical()
            .map_err(|e| StoreError::Corrupt(format!("trace entry {seq}: {e}")))?;
        let hash = chain_hash(&prev, &canonical);
        // The searchable columns say only what the hashed entry says.
        let columns = IndexedColumns::of(&entry).ok_or_else(|| {
            StoreError::Corrupt(format!("trace entry {seq} has no RFC 3339 recorded_at"))
        })?;
        rows.push(access_trace::ActiveModel {
            seq: Set(seq),
            recorded_at: Set(columns.recorded_at),
            action: Set(columns.action),
            outcome: Set(columns.outcome),
            actor_subject: Set(columns.actor_subject),
            actor_agency_id: Set(columns.actor_agency_id),
            child_id: Set(columns.child_id),
            purpose: Set(columns.purpose),
            basis_kinds: Set(columns.basis_kinds),
            withheld_any: Set(columns.withheld_any),
            override_used: Set(columns.override_used),
            request_id: Set(columns.request_id),
            trace_id: Set(columns.trace_id),
            entry: Set(canonical),
            prev_hash: Set(prev.clone()),
            hash: Set(hash.clone()),
        });
        prev = hash;
        stored.push(entry);
    }
    Ok((rows, stored))
}

/// What IG staff filter the trace by. Every field narrows the result.
#[derive(Debug, Clone, Default)]
pub struct TraceFilter {
    pub child_id: Option<ChildId>,
    pub agency_id: Option<Uuid>,
    pub actor_subject: Option<String>,
    pub action: Option<consent::trace::TraceAction>,
    pub basis: Option<BasisKind>,
    pub purpose: Option<Purpose>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub overrides_only: bool,
    pub denied_only: bool,
    /// Only these actions (any, if empty).
    pub actions: Vec<consent::trace::TraceAction>,
    /// Only entries made by someone acting for an agency.
    pub agency_actors_only: bool,
    /// Newest first: `after` is then the sequence number the page starts
    /// below (0 for the newest).
    pub newest_first: bool,
}

impl TraceFilter {
    /// A compact description for the TRACE_SEARCH / EXPORT entry (ids and
    /// codes only).
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(v) = self.child_id {
            parts.push(format!("child={v}"));
        }
        if let Some(v) = self.agency_id {
            parts.push(format!("agency={v}"));
        }
        if let Some(v) = &self.actor_subject {
            parts.push(format!("actor={v}"));
        }
        if let Some(v) = self.action {
            parts.push(format!("action={v}"));
        }
        if let Some(v) = self.basis {
            parts.push(format!("basis={v}"));
        }
        if let Some(v) = self.purpose {
            parts.push(format!("purpose={v}"));
        }
        if let Some(v) = self.from {
            parts.push(format!("from={}", v.to_rfc3339()));
        }
        if let Some(v) = self.to {
            parts.push(format!("to={}", v.to_rfc3339()));
        }
        if self.overrides_only {
            parts.push("overrides_only".into());
        }
        if self.denied_only {
            parts.push("denied_only".into());
        }
        parts.join(" ")
    }
}

/// A stored entry with its chain link.
#[derive(Debug, Clone)]
pub struct TraceRow {
    pub entry: TraceEntry,
    pub hash: String,
    pub prev_hash: String,
}

impl Store {
    /// Begins a transaction that holds the chain (see [`TracedTxn`]).
    pub async fn traced(&self) -> Result<TracedTxn> {
        let guard = self.chain.clone().lock_owned().await;
        // On SQLite the write lock is taken at BEGIN (waiting out the busy
        // timeout if another connection holds it): a deferred transaction
        // that reads the chain's head and then writes is refused at once,
        // without waiting, when another process (a CLI command, a stopping
        // hub's WAL checkpoint) holds the lock in between.
        let txn = self
            .db
            .begin_with_options(TransactionOptions {
                sqlite_transaction_mode: (self.db.get_database_backend()
                    == DatabaseBackend::Sqlite)
                    .then_some(SqliteTransactionMode::Immediate),
                ..TransactionOptions::default()
            })
            .await?;
        if txn.get_database_backend() == DatabaseBackend::Postgres {
            // Serialises traced transactions across hub instances too.
            txn.execute_raw(Statement::from_string(
                DatabaseBackend::Postgres,
                format!("SELECT pg_advisory_xact_lock({ADVISORY_KEY})"),
            ))
            .await?;
        }
        Ok(TracedTxn {
            txn,
            clock: self.clock.clone(),
            _chain: guard,
        })
    }

    /// Appends entries in a transaction of their own.
    pub async fn append_trace(&self, entries: Vec<TraceEntry>) -> Result<Vec<TraceEntry>> {
        self.traced().await?.commit(entries).await
    }

    /// Entries matching `filter` with sequence after `after`, in order, at
    /// most `limit` (with `newest_first`: below `after`, unless it is 0,
    /// newest first).
    #[tracing::instrument(name = "db.search_trace", skip_all, fields(otel.kind = "client", db.system.name = self.system_name(), db.operation.name = "search_trace"))]
    pub async fn search_trace(
        &self,
        filter: &TraceFilter,
        after: i64,
        limit: u64,
    ) -> Result<Vec<TraceRow>> {
        use access_trace::Column as C;
        let mut q = access_trace::Entity::find();
        if !filter.newest_first {
            q = q.filter(C::Seq.gt(after));
        } else if after > 0 {
            q = q.filter(C::Seq.lt(after));
        }
        if let Some(v) = filter.child_id {
            q = q.filter(C::ChildId.eq(v));
        }
        if let Some(v) = filter.agency_id {
            q = q.filter(C::ActorAgencyId.eq(v));
        }
        if let Some(v) = &filter.actor_subject {
            q = q.filter(C::ActorSubject.eq(v.as_str()));
        }
        if let Some(v) = filter.action {
            q = q.filter(C::Action.eq(v.code()));
        }
        if let Some(v) = filter.basis {
            q = q.filter(C::BasisKinds.contains(format!(",{},", v.code())));
        }
        if let Some(v) = filter.purpose {
            q = q.filter(C::Purpose.eq(v.code()));
        }
        if let Some(v) = filter.from {
            q = q.filter(C::RecordedAt.gte(v));
        }
        if let Some(v) = filter.to {
            q = q.filter(C::RecordedAt.lt(v));
        }
        if filter.overrides_only {
            q = q.filter(C::OverrideUsed.eq(true));
        }
        if filter.denied_only {
            // Something withheld, or the operation refused outright.
            q = q.filter(
                sea_orm::Condition::any()
                    .add(C::WithheldAny.eq(true))
                    .add(C::Outcome.eq(consent::trace::TraceOutcome::Denied.code())),
            );
        }
        if !filter.actions.is_empty() {
            q = q.filter(C::Action.is_in(filter.actions.iter().map(|a| a.code())));
        }
        if filter.agency_actors_only {
            q = q.filter(C::ActorAgencyId.is_not_null());
        }
        let q = if filter.newest_first {
            q.order_by_desc(C::Seq)
        } else {
            q.order_by_asc(C::Seq)
        };
        let rows = q.limit(limit).all(&self.db).await?;
        rows.into_iter()
            .map(|r| {
                let entry = TraceEntry::parse(&r.entry).ok_or_else(|| {
                    StoreError::Corrupt(format!("trace entry {} does not parse", r.seq))
                })?;
                Ok(TraceRow {
                    entry,
                    hash: r.hash,
                    prev_hash: r.prev_hash,
                })
            })
            .collect()
    }

    /// Up to `limit` raw links after `after`, with their searchable
    /// columns, for verification.
    pub async fn trace_links(&self, after: i64, limit: u64) -> Result<Vec<StoredLink>> {
        use access_trace::Column as C;
        Ok(access_trace::Entity::find()
            .filter(C::Seq.gt(after))
            .order_by_asc(C::Seq)
            .limit(limit)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|r| StoredLink {
                seq: r.seq,
                prev_hash: r.prev_hash,
                hash: r.hash,
                canonical: r.entry,
                columns: IndexedColumns {
                    recorded_at: r.recorded_at,
                    action: r.action,
                    outcome: r.outcome,
                    actor_subject: r.actor_subject,
                    actor_agency_id: r.actor_agency_id,
                    child_id: r.child_id,
                    purpose: r.purpose,
                    basis_kinds: r.basis_kinds,
                    withheld_any: r.withheld_any,
                    override_used: r.override_used,
                    request_id: r.request_id,
                    trace_id: r.trace_id,
                },
            })
            .collect())
    }

    /// Walks the whole chain in pages and reports the first broken link;
    /// also rebuilds the verifiable log's tree from the entries and checks
    /// it against the stored tiles and the latest checkpoint's root (its
    /// signature unchecked: see [`Store::verify_trace_against`]).
    pub async fn verify_trace(&self) -> Result<VerifyReport> {
        self.verify_trace_against(None, None).await
    }

    /// As [`Store::verify_trace`], also requiring the chain to hold
    /// `checkpoint` (so a removed tail is found), and, with the log's
    /// public key, the latest signed checkpoint's signature to hold.
    #[tracing::instrument(name = "db.verify_trace", skip_all, fields(otel.kind = "client", db.system.name = self.system_name(), db.operation.name = "verify_trace"))]
    pub async fn verify_trace_against(
        &self,
        checkpoint: Option<Checkpoint>,
        log_key: Option<&str>,
    ) -> Result<VerifyReport> {
        // After an archive, the chain resumes from its last entry and the
        // tree from the stored frontier at that size.
        let archived = self.trace_archive_head().await?;
        let start = archived.as_ref().map_or(0, |a| a.0);
        let checkpoint = match (checkpoint, &archived) {
            (Some(cp), Some((seq, hash, _))) if cp.seq() <= *seq => {
                if cp.seq() == *seq && cp.hash() == hash {
                    None
                } else {
                    return Ok(VerifyReport {
                        first_broken: Some(cp.seq()),
                        problem: Some(format!(
                            "entries up to {seq} are archived: the checkpoint {cp} is checked against the archive, not here"
                        )),
                        ..VerifyReport::default()
                    });
                }
            }
            (cp, _) => cp,
        };
        let mut verifier = checkpoint.map_or_else(Verifier::default, Verifier::expecting);
        if let Some((seq, hash, _)) = &archived {
            verifier = verifier.after(*seq, hash);
        }
        let opened = match (self.log_checkpoint().await?, log_key) {
            (None, _) => None,
            (Some(cp), Some(key)) => Some(log::open_checkpoint(&cp.note, key)),
            (Some(cp), None) => Some(log::read_checkpoint(&cp.note)),
        };
        let mut log_problem = None;
        let opened = match opened.transpose() {
            Ok(o) => o,
            Err(e) => {
                log_problem = Some(format!("the log's latest checkpoint does not hold: {e}"));
                None
            }
        };
        let mut replay = match &archived {
            None => log::Replay::new(opened),
            Some((seq, _, _)) => {
                let size = u64::try_from(*seq).unwrap_or(0);
                log::Replay::resume(opened, size, self.frontier_at(size).await?)
            }
        };
        let logged_size = replay.logged();
        // The log's replay runs on a thread of its own, a page behind the
        // chain's check here: both hash every entry, on two cores.
        type Page = (Arc<Vec<StoredLink>>, u64, Vec<Option<log::Hash>>);
        let (pages, mut incoming) = tokio::sync::mpsc::channel::<Page>(2);
        let replaying = tokio::task::spawn_blocking(move || {
            while let Some((links, from, logged)) = incoming.blocking_recv() {
                for link in links.iter() {
                    let leaf = u64::try_from(link.seq - 1).unwrap_or(0);
                    let stored = leaf
                        .checked_sub(from)
                        .and_then(|i| logged.get(usize::try_from(i).ok()?))
                        .copied()
                        .flatten();
                    replay.push(&link.canonical, stored);
                }
            }
            replay.finish()
        });
        let mut after = start;
        loop {
            let links = self.trace_links(after, 5_000).await?;
            let Some(last) = links.last() else { break };
            // The leaf hashes the stored tiles hold for this page's leaves.
            let from = u64::try_from(after).unwrap_or(0);
            let logged = self
                .logged_leaves(
                    from.min(logged_size),
                    u64::try_from(last.seq).unwrap_or(0).min(logged_size),
                )
                .await?;
            after = last.seq;
            let links = Arc::new(links);
            if pages.send((links.clone(), from, logged)).await.is_err() {
                break;
            }
            links.iter().for_each(|link| verifier.push(link));
        }
        drop(pages);
        let mut report = verifier.finish();
        let replayed = replaying
            .await
            .map_err(|e| StoreError::Corrupt(format!("the log's replay failed: {e}")))?;
        report.log_size = replayed.checkpoint_size;
        if report.first_broken.is_none() {
            if let Some(problem) = log_problem {
                report.first_broken = Some(1);
                report.problem = Some(problem);
            } else if let Some((seq, problem)) = replayed.broken {
                report.first_broken = Some(seq);
                report.problem = Some(problem);
            }
        }
        Ok(report)
    }
}
