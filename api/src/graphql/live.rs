//! Live updates over GraphQL subscriptions (graphql-transport-ws on
//! `/graphql/ws`, authenticated with the same JWT in the connection_init
//! payload). Each notice is decided afresh at delivery time, so a withdrawal
//! stops delivery at once, and each delivered notice is traced first.

use async_graphql::{Context, ID, SimpleObject, Subscription};
use chrono::{DateTime, Utc};
use consent::trace::TraceAction;
use futures_util::{Stream, StreamExt};
use tokio::sync::broadcast::error::RecvError;
use uuid::Uuid;

use super::access::{RequestContext, decide_child, request};
use super::types;
use crate::error::Error;
use crate::updates::RecordChanged;

/// Something you may see changed in a child's record. It says where, not
/// what: read the record to see the change.
#[derive(SimpleObject, Debug, Clone)]
pub struct RecordUpdate {
    pub child_id: ID,
    pub scope: types::Scope,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Default)]
pub struct Subscription;

/// When the token that opened a WebSocket connection expires: no notice is
/// delivered after it.
#[derive(Debug, Clone, Copy)]
pub struct SessionExpiry(pub Option<DateTime<Utc>>);

/// May `rc`'s principal know of this change right now?
async fn may_know(rc: &RequestContext, event: &RecordChanged) -> bool {
    let own = event.contributor.is_some() && event.contributor == rc.principal.agency.map(|a| a.id);
    if own {
        return true;
    }
    let Ok(Some((_, _, decision))) = decide_child(rc, event.child_id, Utc::now()).await else {
        return false;
    };
    decision.is_allowed(event.scope)
}

async fn deliver(rc: RequestContext, child: Uuid, event: RecordChanged) -> Option<RecordUpdate> {
    if event.child_id != child || !may_know(&rc, &event).await {
        return None;
    }
    let entry = rc
        .child_entry(TraceAction::Read, child)
        .detail("view", "update_notice")
        .detail("scope", event.scope);
    // Nothing is sent unless its trace entry is durable.
    rc.trace.append(vec![entry]).await.ok()?;
    Some(RecordUpdate {
        child_id: ID(child.to_string()),
        scope: event.scope.into(),
        at: event.at,
    })
}

#[Subscription]
impl Subscription {
    /// Notices of changes to a child's record that you may see, decided when
    /// each is delivered.
    async fn record_updates(
        &self,
        ctx: &Context<'_>,
        child_id: ID,
    ) -> async_graphql::Result<impl Stream<Item = RecordUpdate> + use<>> {
        let rc = request(ctx)?.clone();
        let child = super::parse_id("childId", &child_id)?;
        // Only someone who may see something of the child may listen.
        let decision = decide_child(&rc, child, Utc::now()).await?;
        if !decision.is_some_and(|(_, _, d)| d.any_allowed()) {
            return Err(Error::NotFound("child").into());
        }
        let rx = rc.updates.subscribe();
        let events = futures_util::stream::unfold(rx, |mut rx| async move {
            loop {
                match rx.recv().await {
                    Ok(event) => return Some((event, rx)),
                    Err(RecvError::Lagged(_)) => {}
                    Err(RecvError::Closed) => return None,
                }
            }
        });
        let expires = ctx.data_opt::<SessionExpiry>().and_then(|e| e.0);
        Ok(events
            .take_while(move |_| std::future::ready(expires.is_none_or(|at| Utc::now() < at)))
            .filter_map(move |event| deliver(rc.clone(), child, event)))
    }
}
