//! The request context a resolver works in: the door, built per request.

use async_graphql::Context;

use crate::access::RequestContext;
use crate::error::{Error, Result};

/// The request context of a resolver.
pub fn request<'a>(ctx: &Context<'a>) -> Result<&'a RequestContext> {
    ctx.data::<RequestContext>()
        .map_err(|_| Error::Internal(anyhow::anyhow!("request context missing")))
}
