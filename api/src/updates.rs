//! Live updates: a change to a child's record is announced to
//! subscriptions, which decide at delivery time whether the subscriber may
//! know of it (`access::live`).
//!
//! On PostgreSQL the announcement goes through the database: `publish`
//! queues it for a task that sends `NOTIFY` (after the change committed),
//! and each instance's listener (`LISTEN` on a connection of its own, in
//! place before the hub serves; an instance that cannot LISTEN, on a hot
//! standby, starts anyway and keeps trying) hands every notice to its
//! subscribers, its own instance's included. So a write on one instance reaches subscribers
//! on all of them, each deciding with its own door. On SQLite (one
//! instance) the announcement stays in-process.
//!
//! Notices are hints, not records: the change itself is committed and
//! traced before it is announced, and a notice lost on the way (the
//! queue full, the listener's connection down) is logged and counted in
//! `tellonce_live_notices_lost_total`; the subscriber still reads the
//! change on its next query.

use std::time::Duration;

use chrono::{DateTime, Utc};
use domain::{ChildId, Scope};
use serde::{Deserialize, Serialize};
use store::Store;
use store::notice::Listened;
use tokio::sync::{broadcast, mpsc, oneshot};
use uuid::Uuid;

/// Something in one scope of a child's record changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordChanged {
    pub child_id: ChildId,
    pub scope: Scope,
    /// The agency whose contribution it was, if any.
    pub contributor: Option<Uuid>,
    pub at: DateTime<Utc>,
}

/// Announcements waiting for the notifier (PostgreSQL) before new ones are
/// dropped, and notices kept for a slow subscriber before it lags.
const QUEUE: usize = 1024;

/// The announcement channel. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Updates {
    tx: broadcast::Sender<RecordChanged>,
    /// PostgreSQL: the queue to the task that sends `NOTIFY`.
    outbox: Option<mpsc::Sender<RecordChanged>>,
}

impl Default for Updates {
    /// In-process only (one instance, SQLite, operator commands).
    fn default() -> Self {
        Self {
            tx: broadcast::channel(QUEUE).0,
            outbox: None,
        }
    }
}

impl Updates {
    /// Announcements shared through the database when `store` is on
    /// PostgreSQL (listening when this returns, unless the database
    /// refuses LISTEN: then in the background as soon as it can),
    /// in-process otherwise.
    pub async fn start(store: &Store) -> anyhow::Result<Self> {
        if !store.shares_notices() {
            return Ok(Self::default());
        }
        let notifier = store
            .notifier()
            .await
            .map_err(|e| anyhow::anyhow!("cannot send live-update notices: {e:?}"))?;
        // A hot standby cannot LISTEN: such an instance still starts (its
        // /readyz says not ready) and keeps trying in the background.
        let listener = match store.listen().await {
            Ok(listener) => Some(listener),
            Err(e) => {
                tracing::warn!(error = ?e, "cannot listen for live-update notices yet: retrying; until then this instance's subscribers hear nothing");
                None
            }
        };
        let updates = Self::default();
        let (outbox, queued) = mpsc::channel(QUEUE);
        let (stop, stopped) = oneshot::channel();
        tokio::spawn(send(notifier, queued, stop));
        tokio::spawn(listen(store.clone(), listener, updates.tx.clone(), stopped));
        Ok(Self {
            outbox: Some(outbox),
            ..updates
        })
    }

    /// Announces a change (nobody listening is fine). Never waits: on
    /// PostgreSQL a full queue drops the notice, logged and counted.
    pub fn publish(&self, child_id: ChildId, scope: Scope, contributor: Option<Uuid>) {
        let event = RecordChanged {
            child_id,
            scope,
            contributor,
            at: Utc::now(),
        };
        match &self.outbox {
            None => {
                let _ = self.tx.send(event);
            }
            Some(outbox) => {
                if outbox.try_send(event).is_err() {
                    crate::metrics::live_notice_lost();
                    tracing::warn!("live-update notices are backing up: one was dropped");
                }
            }
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<RecordChanged> {
        self.tx.subscribe()
    }
}

/// Sends each queued announcement as a notice, in order, until every
/// [`Updates`] is gone; then stops the listener.
async fn send(
    notifier: store::notice::Notifier,
    mut queued: mpsc::Receiver<RecordChanged>,
    _stop: oneshot::Sender<()>,
) {
    while let Some(event) = queued.recv().await {
        let sent = match serde_json::to_string(&event) {
            Ok(payload) => notifier
                .notify(&payload)
                .await
                .map_err(|e| format!("{e:?}")),
            Err(e) => Err(e.to_string()),
        };
        if let Err(error) = sent {
            crate::metrics::live_notice_lost();
            tracing::warn!(%error, "sending a live-update notice failed: other instances' subscribers miss it");
        }
    }
}

/// Hands every notice heard to this instance's subscribers until `stopped`
/// (first listening, if `listener` is none yet).
async fn listen(
    store: Store,
    mut listener: Option<store::notice::Listener>,
    tx: broadcast::Sender<RecordChanged>,
    mut stopped: oneshot::Receiver<()>,
) {
    let mut backoff = Duration::from_millis(100);
    loop {
        let Some(listener) = listener.as_mut() else {
            tokio::select! {
                _ = &mut stopped => return,
                () = tokio::time::sleep(backoff) => {}
            }
            backoff = (backoff * 2).min(Duration::from_secs(10));
            match store.listen().await {
                Ok(l) => {
                    tracing::info!("listening for live-update notices");
                    backoff = Duration::from_millis(100);
                    listener = Some(l);
                }
                Err(e) => {
                    tracing::warn!(error = ?e, retry_in = ?backoff, "still cannot listen for live-update notices")
                }
            }
            continue;
        };
        let heard = tokio::select! {
            _ = &mut stopped => return,
            heard = listener.next() => heard,
        };
        match heard {
            Ok(Listened::Notice(payload)) => {
                backoff = Duration::from_millis(100);
                match serde_json::from_str::<RecordChanged>(&payload) {
                    Ok(event) => {
                        let _ = tx.send(event);
                    }
                    Err(_) => tracing::warn!("an unreadable live-update notice was ignored"),
                }
            }
            Ok(Listened::Lost) => {
                crate::metrics::live_notice_lost();
                tracing::warn!(
                    "the live-update connection was lost and made again: notices sent in between were not heard"
                );
            }
            Err(e) => {
                tracing::warn!(error = ?e, retry_in = ?backoff, "the live-update connection cannot be made again");
                tokio::select! {
                    _ = &mut stopped => return,
                    () = tokio::time::sleep(backoff) => {}
                }
                backoff = (backoff * 2).min(Duration::from_secs(10));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_notice_says_where_and_when_never_what() {
        let event = RecordChanged {
            child_id: Uuid::from_u128(7),
            scope: Scope::AllAboutMe,
            contributor: Some(Uuid::from_u128(9)),
            at: DateTime::parse_from_rfc3339("2026-12-03T10:00:00Z")
                .expect("date")
                .to_utc(),
        };
        let payload = serde_json::to_string(&event).expect("encode");
        assert_eq!(
            serde_json::from_str::<RecordChanged>(&payload).expect("decode"),
            event
        );
        assert!(payload.len() < store::notice::MAX_PAYLOAD, "{payload}");
        let fields: serde_json::Value = serde_json::from_str(&payload).expect("json");
        let mut keys: Vec<_> = fields.as_object().expect("object").keys().collect();
        keys.sort();
        assert_eq!(keys, ["at", "child_id", "contributor", "scope"]);
    }

    #[tokio::test]
    async fn in_process_announcements_reach_subscribers() {
        let updates = Updates::default();
        let mut rx = updates.subscribe();
        updates.publish(Uuid::from_u128(1), Scope::Education, None);
        let got = rx.recv().await.expect("a notice");
        assert_eq!(
            (got.child_id, got.scope),
            (Uuid::from_u128(1), Scope::Education)
        );
    }
}
