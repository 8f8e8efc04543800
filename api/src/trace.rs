//! The access trace writer. Every operation on a child's record leaves an
//! entry that is committed before any data leaves the hub:
//!
//! - reads are collected per request by a [`Recorder`] while GraphQL runs,
//!   then appended through the [`TraceWriter`], which batches the entries of
//!   concurrent requests into one transaction (group commit) and answers each
//!   request once its entries are durable; the HTTP layer sends the response
//!   only then, and sends an INTERNAL error instead if the append failed;
//! - writes append their entry inside their own transaction
//!   (`Store::traced`), so a change and its entry commit together.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use consent::trace::{Actor, TraceAction, TraceEntry};
use consent::{AccessDecision, Principal, ScopeDecision};
use domain::{ChildId, Scope};
use tokio::sync::{mpsc, oneshot};

use crate::error::{Error, Result};
use store::Store;

/// The most entries committed in one transaction.
const MAX_BATCH: usize = 512;

struct Job {
    entries: Vec<TraceEntry>,
    done: oneshot::Sender<bool>,
    /// The requesting span's context: the group commit's span is its child
    /// (one request) or links to it (a batch of several).
    parent: opentelemetry::trace::SpanContext,
}

/// Appends entries with group commit. Cheap to clone.
#[derive(Debug, Clone)]
pub struct TraceWriter {
    /// `None`: the benchmark's discarding writer ([`TraceWriter::discarding`]).
    tx: Option<mpsc::Sender<Job>>,
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Job")
            .field("entries", &self.entries.len())
            .finish()
    }
}

impl TraceWriter {
    /// Starts the appender task on the current runtime.
    pub fn start(store: Store) -> Self {
        let (tx, rx) = mpsc::channel(4096);
        tokio::spawn(run(store, rx));
        Self { tx: Some(tx) }
    }

    /// A writer that discards every entry and answers as if it were
    /// committed: only for measuring what the durable trace costs
    /// (`serve --bench-untraced`, which the hub refuses outside development
    /// mode and on a database without `store::seed::SEED_MARKER`). Never
    /// build it anywhere else.
    pub fn discarding() -> Self {
        Self { tx: None }
    }

    /// Appends and waits until the entries are committed.
    pub async fn append(&self, entries: Vec<TraceEntry>) -> Result<()> {
        let Some(tx) = &self.tx else {
            return Ok(());
        };
        if entries.is_empty() {
            return Ok(());
        }
        let (done, committed) = oneshot::channel();
        let failed = || Error::Internal(anyhow::anyhow!("the access trace could not be written"));
        tx.send(Job {
            entries,
            done,
            parent: crate::telemetry::current_span_context(),
        })
        .await
        .map_err(|_| failed())?;
        match committed.await {
            Ok(true) => Ok(()),
            _ => Err(failed()),
        }
    }
}

async fn run(store: Store, mut rx: mpsc::Receiver<Job>) {
    while let Some(first) = rx.recv().await {
        let mut jobs = vec![first];
        let mut count = jobs[0].entries.len();
        while count < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => {
                    count += job.entries.len();
                    jobs.push(job);
                }
                Err(_) => break,
            }
        }
        let entries: Vec<TraceEntry> = jobs
            .iter()
            .flat_map(|j| j.entries.iter().cloned())
            .collect();
        let (entry_count, request_count) = (entries.len(), jobs.len());
        let span = tracing::info_span!(
            "trace.append",
            otel.kind = "internal",
            entries = entry_count,
            requests = request_count
        );
        crate::telemetry::join_requests(&span, jobs.iter().map(|j| &j.parent));
        let started = std::time::Instant::now();
        let appended = tracing::Instrument::instrument(store.append_trace(entries), span).await;
        crate::metrics::trace_append(started.elapsed().as_secs_f64(), entry_count, request_count);
        match appended {
            Ok(_) => {
                for job in jobs {
                    let _ = job.done.send(true);
                }
            }
            Err(e) if jobs.len() == 1 => {
                tracing::error!(error = ?e, "appending to the access trace failed");
                let _ = jobs.pop().map(|job| job.done.send(false));
            }
            Err(e) => {
                // One request's bad entry must not fail the others: each job
                // is retried in a transaction of its own, and only the ones
                // that fail again answer INTERNAL.
                tracing::warn!(error = ?e, jobs = jobs.len(), "a group commit failed; retrying each request alone");
                for job in jobs {
                    let ok = match store.append_trace(job.entries.clone()).await {
                        Ok(_) => true,
                        Err(e) => {
                            tracing::error!(error = ?e, "appending to the access trace failed");
                            false
                        }
                    };
                    let _ = job.done.send(ok);
                }
            }
        }
    }
}

/// What one request did to one child's record.
#[derive(Debug, Default)]
struct ChildRead {
    /// The section decisions for the scopes asked for.
    scopes: BTreeMap<Scope, ScopeDecision>,
    /// Bases of single items read on a basis of their own (the caller's
    /// own contributions, advice the caller's council asked for), beside
    /// their section's decision.
    items: BTreeSet<consent::trace::BasisRecord>,
    fields: BTreeSet<String>,
    agreement_version: i32,
}

/// Collects, during one request, which scopes and fields of which children
/// were disclosed or withheld, plus any other entries to write.
#[derive(Debug, Default)]
pub struct Recorder {
    reads: Mutex<BTreeMap<ChildId, ChildRead>>,
    events: Mutex<Vec<TraceEntry>>,
    /// A lock was poisoned (a panic while recording): the request fails
    /// rather than send what may be untraced.
    broken: std::sync::atomic::AtomicBool,
}

impl Recorder {
    /// The guarded value even after a panic elsewhere, marking the
    /// recorder broken so that [`Recorder::entries`] fails the request.
    fn lock<'a, T>(&self, m: &'a Mutex<T>) -> std::sync::MutexGuard<'a, T> {
        m.lock().unwrap_or_else(|poisoned| {
            self.broken.store(true, std::sync::atomic::Ordering::SeqCst);
            poisoned.into_inner()
        })
    }
}

impl Recorder {
    /// A child's record was opened (even if nothing is selected from it).
    pub fn opened(&self, child: ChildId, decision: &AccessDecision) {
        {
            let mut reads = self.lock(&self.reads);
            reads.entry(child).or_default().agreement_version = decision.agreement_version;
        }
    }

    /// A scope of a child was asked for: disclosed with these fields, or withheld.
    pub fn touched(
        &self,
        child: ChildId,
        scope: Scope,
        decision: &ScopeDecision,
        fields: impl IntoIterator<Item = String>,
    ) {
        {
            let mut reads = self.lock(&self.reads);
            let read = reads.entry(child).or_default();
            read.scopes.insert(scope, decision.clone());
            if decision.is_allowed() {
                read.fields.extend(fields);
            }
        }
    }

    /// An item of `scope` was disclosed on a basis of its own (never
    /// standing in for the section's decision: both are recorded).
    pub fn item(
        &self,
        child: ChildId,
        scope: Scope,
        basis: &consent::Basis,
        fields: impl IntoIterator<Item = String>,
    ) {
        let mut reads = self.lock(&self.reads);
        let read = reads.entry(child).or_default();
        read.items
            .insert(consent::trace::BasisRecord::of(scope, basis));
        read.fields.extend(fields);
    }

    /// Any other entry for this request.
    pub fn event(&self, entry: TraceEntry) {
        {
            let mut events = self.lock(&self.events);
            events.push(entry);
        }
    }

    /// The entries for this request: one READ per child opened, then the
    /// other events.
    pub fn entries(
        &self,
        principal: &Principal,
        request_id: &str,
        trace_id: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Vec<TraceEntry>> {
        let mut out = Vec::new();
        {
            let reads = self.lock(&self.reads);
            for (child, read) in reads.iter() {
                let decision = AccessDecision::from_fn(read.agreement_version, |s| {
                    read.scopes.get(&s).cloned().unwrap_or_else(|| {
                        ScopeDecision::denied(consent::DenialCode::NotPermitted, "")
                    })
                });
                let requested: Vec<Scope> = read.scopes.keys().copied().collect();
                let mut entry = TraceEntry::new(TraceAction::Read, Actor::from(principal), now)
                    .with_decision(&decision, &requested, read.fields.iter().cloned().collect());
                entry.basis.extend(read.items.iter().cloned());
                if !read.items.is_empty() {
                    entry.outcome = consent::trace::TraceOutcome::Success;
                }
                entry.normalise();
                entry.child_id = Some(*child);
                entry.purpose = principal.purpose;
                entry.request_id = Some(request_id.to_owned());
                entry.trace_id = trace_id.map(str::to_owned);
                out.push(entry);
            }
        }
        {
            let events = self.lock(&self.events);
            out.extend(events.iter().cloned());
        }
        if self.broken.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(Error::Internal(anyhow::anyhow!(
                "the request's trace recorder was poisoned; nothing is sent"
            )));
        }
        Ok(out)
    }
}

/// A new entry for this principal's request, with purpose and request id.
pub fn entry_for(
    principal: &Principal,
    action: TraceAction,
    request_id: &str,
    now: DateTime<Utc>,
) -> TraceEntry {
    let mut entry = TraceEntry::new(action, Actor::from(principal), now);
    entry.purpose = principal.purpose;
    entry.request_id = Some(request_id.to_owned());
    entry.trace_id = crate::telemetry::current_trace_id();
    entry
}

/// Keeps the access trace's monthly partitions (PostgreSQL) ready ahead of
/// the entries: at start and then daily, until the hub stops.
pub fn spawn_partition_keeper(store: Store, mut shutdown: tokio::sync::watch::Receiver<bool>) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(24 * 3600));
        loop {
            tokio::select! {
                _ = every.tick() => {}
                _ = shutdown.changed() => return,
            }
            if let Err(e) = store
                .ensure_trace_partitions(store.now().date_naive())
                .await
            {
                tracing::warn!(error = ?e, "keeping the access trace's partitions ready failed");
            }
        }
    });
}

/// How often the integrator looks for committed entries not yet in the
/// verifiable log. An entry is in a signed checkpoint within this period
/// plus one integration (a batch of up to [`store::log::INTEGRATE_BATCH`]
/// entries): under 2 s at the append rates BENCHMARKS.md records.
pub const INTEGRATE_EVERY: std::time::Duration = std::time::Duration::from_millis(500);

/// Integrates committed trace entries into the verifiable log and signs a
/// checkpoint, every [`INTEGRATE_EVERY`], until the hub stops. With
/// several instances, one integrates at a time (the store's advisory
/// lock); the others find nothing to do.
pub fn spawn_integrator(
    store: Store,
    signer: std::sync::Arc<consent::log::LogSigner>,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(INTEGRATE_EVERY);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = every.tick() => {}
                _ = shutdown.changed() => return,
            }
            if *shutdown.borrow() {
                return;
            }
            // Catch up in bounded batches, then wait for the next tick.
            loop {
                match store
                    .integrate_log(&signer, store::log::INTEGRATE_BATCH)
                    .await
                {
                    Ok(Some(size)) => {
                        tracing::debug!(size, "signed a checkpoint of the verifiable log");
                    }
                    Ok(None) => break,
                    Err(e) => {
                        tracing::error!(error = ?e, "integrating the trace into the verifiable log failed; retrying in 30 s");
                        // A damaged log stays damaged: retry, but slowly.
                        tokio::select! {
                            () = tokio::time::sleep(std::time::Duration::from_secs(30)) => {}
                            _ = shutdown.changed() => return,
                        }
                        break;
                    }
                }
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal() -> Principal {
        Principal {
            subject: "p".into(),
            agency: None,
            roles: [consent::Role::Family].into_iter().collect(),
            person_id: Some("p".into()),
            purpose: None,
        }
    }

    #[test]
    fn a_poisoned_recorder_fails_the_request_instead_of_dropping_entries() {
        let recorder = Recorder::default();
        recorder.event(TraceEntry::new(
            TraceAction::Read,
            Actor::default(),
            Utc::now(),
        ));
        assert_eq!(
            recorder
                .entries(&principal(), "r", None, Utc::now())
                .expect("a healthy recorder")
                .len(),
            1
        );
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _held = recorder.events.lock().expect("lock");
            panic!("a panic while recording");
        }));
        // Entries recorded after the panic are kept, but the request fails.
        recorder.event(TraceEntry::new(
            TraceAction::Read,
            Actor::default(),
            Utc::now(),
        ));
        assert!(
            recorder
                .entries(&principal(), "r", None, Utc::now())
                .is_err()
        );
    }
}
