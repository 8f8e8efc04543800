//! The verifiable log through the door: its latest signed checkpoint and
//! public key for anyone signed in (a family checks its proofs with them),
//! its tiles for IG staff. Hashes, sizes and signatures only: nothing here
//! discloses a record, so nothing here is traced.

use store::log::StoredCheckpoint;

use super::{Ig, RequestContext};
use crate::error::Result;

impl RequestContext {
    /// The latest signed checkpoint, if the hub has made one.
    pub async fn log_checkpoint(&self) -> Result<Option<StoredCheckpoint>> {
        Ok(self.store().log_checkpoint().await?)
    }

    /// The log's public key, if the hub signs checkpoints.
    pub fn log_key(&self) -> Option<&str> {
        self.policy().log_key.as_deref()
    }
}

impl Ig<'_> {
    /// The first `width` hashes of tile `(level, idx)`; `None` if the log
    /// does not hold them yet.
    pub async fn log_tile(&self, level: u8, idx: u64, width: u32) -> Result<Option<Vec<u8>>> {
        Ok(self.rc.store().log_tile(level, idx, width).await?)
    }
}
