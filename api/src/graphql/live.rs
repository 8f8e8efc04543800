//! Live updates over GraphQL subscriptions (graphql-transport-ws on
//! `/graphql/ws`, authenticated with the same JWT in the connection_init
//! payload). The door decides each notice afresh at delivery time and traces
//! it first (`RequestContext::listen`).

use async_graphql::{Context, ID, SimpleObject, Subscription};
use chrono::{DateTime, Utc};
use futures_util::{Stream, StreamExt};

use super::record::request;
use super::types;
use crate::access::Notice;

/// Something you may see changed in a child's record. It says where, not
/// what: read the record to see the change.
#[derive(SimpleObject, Debug, Clone)]
pub struct RecordUpdate {
    /// The child whose record changed.
    pub child_id: ID,
    /// The part of the record that changed.
    pub scope: types::Scope,
    /// When it changed.
    pub at: DateTime<Utc>,
}

impl From<Notice> for RecordUpdate {
    fn from(n: Notice) -> Self {
        Self {
            child_id: ID(n.child_id.to_string()),
            scope: n.scope.into(),
            at: n.at,
        }
    }
}

#[derive(Debug, Default)]
pub struct Subscription;

/// When the token that opened a WebSocket connection expires: no notice is
/// delivered after it.
#[derive(Debug, Clone, Copy)]
pub struct SessionExpiry(pub Option<DateTime<Utc>>);

/// Every subscription: over WebSocket at `/graphql/ws` (graphql-transport-ws),
/// with the JWT in the `connection_init` payload.
#[Subscription]
impl Subscription {
    /// Notices of changes to a child's record that you may see, decided when
    /// each is delivered.
    async fn record_updates(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The child whose record to follow.")] child_id: ID,
    ) -> async_graphql::Result<impl Stream<Item = RecordUpdate> + use<>> {
        let rc = request(ctx)?;
        let child = super::parse_id("childId", &child_id)?;
        let expires = ctx.data_opt::<SessionExpiry>().and_then(|e| e.0);
        Ok(rc.listen(child, expires).await?.map(RecordUpdate::from))
    }
}
