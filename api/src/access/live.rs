//! Live notices of record changes. Each is decided afresh at delivery, so a
//! withdrawal stops delivery at once, and each delivered notice is traced
//! (durably) before it is handed to the front end.

use chrono::{DateTime, Utc};
use consent::trace::TraceAction;
use domain::{ChildId, Scope};
use futures_util::{Stream, StreamExt};
use tokio::sync::broadcast::error::RecvError;

use super::RequestContext;
use crate::error::{Error, Result};
use crate::updates::RecordChanged;

/// Something the subscriber may know changed: where, not what.
#[derive(Debug, Clone, Copy)]
pub struct Notice {
    pub child_id: ChildId,
    pub scope: Scope,
    pub at: DateTime<Utc>,
}

impl RequestContext {
    /// May the principal know of this change right now?
    async fn may_know(&self, event: &RecordChanged) -> bool {
        let own =
            event.contributor.is_some() && event.contributor == self.principal.agency.map(|a| a.id);
        if own {
            return true;
        }
        let Ok(Some((_, decision))) = self.decide(event.child_id, Utc::now()).await else {
            return false;
        };
        decision.is_allowed(event.scope)
    }

    async fn deliver(self, child: ChildId, event: RecordChanged) -> Option<Notice> {
        if event.child_id != child || !self.may_know(&event).await {
            return None;
        }
        let entry = self
            .child_entry(TraceAction::Read, child)
            .detail("view", "update_notice")
            .detail("scope", event.scope);
        // Nothing is sent unless its trace entry is durable.
        self.hub.trace.append(vec![entry]).await.ok()?;
        Some(Notice {
            child_id: child,
            scope: event.scope,
            at: event.at,
        })
    }

    /// Notices of changes to a child's record that the caller may see, until
    /// `expires` (the token's expiry). Only someone who may see something of
    /// the child may listen: anyone else, like a child that does not exist,
    /// gets NOT_FOUND.
    pub async fn listen(
        &self,
        child: ChildId,
        expires: Option<DateTime<Utc>>,
    ) -> Result<impl Stream<Item = Notice> + Send + 'static + use<>> {
        let decision = self.decide(child, Utc::now()).await?;
        if !decision.is_some_and(|(_, d)| d.any_allowed()) {
            return Err(Error::NotFound("child"));
        }
        let rx = self.hub.updates.subscribe();
        let events = futures_util::stream::unfold(rx, |mut rx| async move {
            loop {
                match rx.recv().await {
                    Ok(event) => return Some((event, rx)),
                    Err(RecvError::Lagged(_)) => {}
                    Err(RecvError::Closed) => return None,
                }
            }
        });
        let rc = self.clone();
        Ok(events
            .take_while(move |_| std::future::ready(expires.is_none_or(|at| Utc::now() < at)))
            .filter_map(move |event| rc.clone().deliver(child, event)))
    }
}
