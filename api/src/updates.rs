//! Live updates: a change to a child's record is announced in-process to
//! subscriptions, which decide at delivery time whether the subscriber may
//! know of it. (Across hub instances this would ride on PostgreSQL
//! LISTEN/NOTIFY; one instance needs nothing more.)

use chrono::{DateTime, Utc};
use domain::{ChildId, Scope};
use tokio::sync::broadcast;
use uuid::Uuid;

/// Something in one scope of a child's record changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordChanged {
    pub child_id: ChildId,
    pub scope: Scope,
    /// The agency whose contribution it was, if any.
    pub contributor: Option<Uuid>,
    pub at: DateTime<Utc>,
}

/// The announcement channel. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Updates {
    tx: broadcast::Sender<RecordChanged>,
}

impl Default for Updates {
    fn default() -> Self {
        Self {
            tx: broadcast::channel(1024).0,
        }
    }
}

impl Updates {
    /// Announces a change (nobody listening is fine).
    pub fn publish(&self, child_id: ChildId, scope: Scope, contributor: Option<Uuid>) {
        let _ = self.tx.send(RecordChanged {
            child_id,
            scope,
            contributor,
            at: Utc::now(),
        });
    }

    pub fn subscribe(&self) -> broadcast::Receiver<RecordChanged> {
        self.tx.subscribe()
    }
}
