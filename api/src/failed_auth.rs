//! Failed authentications, aggregated so that nobody can flood the access
//! trace's hash chain by sending bad tokens.
//!
//! Per (source address, reason) and window: the first failure is traced at
//! once, as an `AUTH_FAILED` entry with `count = 1`; later failures in the
//! same window are only counted, and when the window closes one more entry
//! carries how many there were (`count`, `window_start`, `window_end`). So
//! 1,000 bad requests in a minute from one address cost two entries, and the
//! evidence (who, why, how many, when) is kept. The number of sources held at
//! once is bounded; beyond it, failures are counted under one overflow
//! source (`0.0.0.0`).

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use consent::trace::{Actor, TraceAction, TraceEntry, TraceOutcome, timestamp};

use crate::error::{Error, Result};
use crate::trace::TraceWriter;

/// Sources tracked at once; more are counted under `0.0.0.0`.
const MAX_SOURCES: usize = 10_000;

#[derive(Debug)]
struct Window {
    started: DateTime<Utc>,
    /// Failures after the first, not yet traced.
    suppressed: u64,
}

/// The aggregator. Cheap to clone.
#[derive(Debug, Clone)]
pub struct FailedAuth {
    window: chrono::Duration,
    windows: Arc<Mutex<HashMap<(IpAddr, &'static str), Window>>>,
    trace: TraceWriter,
}

impl FailedAuth {
    /// Starts the task that closes windows as they end.
    pub fn start(trace: TraceWriter, window: Duration) -> Self {
        let this = Self {
            window: chrono::Duration::from_std(window).unwrap_or(chrono::Duration::MAX),
            windows: Arc::default(),
            trace,
        };
        // The sweeper holds the windows weakly: it ends once the hub that
        // owns them is gone.
        let windows = Arc::downgrade(&this.windows);
        let (span, trace) = (this.window, this.trace.clone());
        let every = (window / 4).max(Duration::from_millis(50));
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let Some(windows) = windows.upgrade() else {
                    break;
                };
                let sweeper = Self {
                    window: span,
                    windows,
                    trace: trace.clone(),
                };
                if sweeper.flush(Utc::now(), false).await.is_err() {
                    tracing::error!("could not trace aggregated failed authentications");
                }
            }
        });
        this
    }

    /// Records one failure. Waits for the entry to be durable when it is the
    /// first of its window; otherwise only counts.
    pub async fn record(
        &self,
        source: IpAddr,
        reason: &'static str,
        request_id: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let first = {
            let mut windows = self.lock()?;
            let source = if windows.len() >= MAX_SOURCES && !windows.contains_key(&(source, reason))
            {
                IpAddr::V4(Ipv4Addr::UNSPECIFIED)
            } else {
                source
            };
            match windows.get_mut(&(source, reason)) {
                Some(w) if now < w.started + self.window => {
                    w.suppressed += 1;
                    None
                }
                _ => {
                    // A window that ended but was not yet swept is closed by
                    // the sweeper; this failure opens a new one.
                    let closed = windows.insert(
                        (source, reason),
                        Window {
                            started: now,
                            suppressed: 0,
                        },
                    );
                    let mut entries =
                        vec![entry(source, reason, 1, now).detail("first_in_window", true)];
                    if let Some(old) = closed.filter(|w| w.suppressed > 0) {
                        entries.push(self.summary(source, reason, &old, now));
                    }
                    entries[0].request_id = Some(request_id.to_owned());
                    entries[0].trace_id = crate::telemetry::current_trace_id();
                    Some(entries)
                }
            }
        };
        match first {
            Some(entries) => self.trace.append(entries).await,
            None => Ok(()),
        }
    }

    /// Traces the counts of every window that has ended (all of them when
    /// `all`, at shutdown).
    pub async fn flush(&self, now: DateTime<Utc>, all: bool) -> Result<()> {
        let entries: Vec<TraceEntry> = {
            let mut windows = self.lock()?;
            let ended: Vec<(IpAddr, &'static str)> = windows
                .iter()
                .filter(|(_, w)| all || now >= w.started + self.window)
                .map(|(k, _)| *k)
                .collect();
            ended
                .into_iter()
                .filter_map(|key| windows.remove(&key).map(|w| (key, w)))
                .filter(|(_, w)| w.suppressed > 0)
                .map(|((source, reason), w)| self.summary(source, reason, &w, now))
                .collect()
        };
        self.trace.append(entries).await
    }

    fn summary(
        &self,
        source: IpAddr,
        reason: &'static str,
        w: &Window,
        now: DateTime<Utc>,
    ) -> TraceEntry {
        entry(
            source,
            reason,
            w.suppressed,
            now.min(w.started + self.window),
        )
        .detail("window_start", timestamp(w.started))
        .detail("window_end", timestamp(w.started + self.window))
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, HashMap<(IpAddr, &'static str), Window>>> {
        // A poisoned lock fails the request rather than losing evidence.
        self.windows
            .lock()
            .map_err(|_| Error::Internal(anyhow::anyhow!("failed-authentication lock poisoned")))
    }
}

fn entry(source: IpAddr, reason: &str, count: u64, at: DateTime<Utc>) -> TraceEntry {
    let mut entry = TraceEntry::new(TraceAction::AuthFailed, Actor::default(), at)
        .detail("reason", reason)
        .detail("source", source)
        .detail("count", count);
    entry.outcome = TraceOutcome::Denied;
    entry
}
