//! The verifiable log through the door: its latest signed checkpoint and
//! public key for anyone signed in (a family checks its proofs with them),
//! its tiles for IG staff. Hashes, sizes and signatures only: nothing here
//! discloses a record, so nothing here is traced.

use consent::log::ConsistencyProof;
use store::log::StoredCheckpoint;

use super::{Ig, RequestContext};
use crate::error::{Error, Result};

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
    /// The consistency proof from the checkpoint of `from` entries to that
    /// of `to` (the latest when absent).
    pub async fn consistency(&self, from: u64, to: Option<u64>) -> Result<ConsistencyProof> {
        self.rc
            .store()
            .consistency_proof(from, to)
            .await?
            .map_err(|why| Error::bad_input("from", why))
    }

    /// Keeps a witness's co-signature of one of the hub's checkpoints:
    /// `submitted` is that checkpoint signed by a witness the hub is
    /// configured to know. Returns the checkpoint as now served.
    pub async fn add_cosignature(&self, submitted: &str) -> Result<String> {
        let rc = self.rc;
        let Some(log_key) = rc.log_key() else {
            return Err(Error::NotFound("the hub signs no checkpoints"));
        };
        if rc.policy().witness_keys.is_empty() {
            return Err(Error::Forbidden(
                "the hub knows no witnesses (TELLONCE_TRACE_WITNESS_KEYS)".into(),
            ));
        }
        let bad = |e: consent::log::LogError| Error::bad_input("checkpoint", e.to_string());
        let size = consent::log::read_checkpoint(submitted).map_err(bad)?.size;
        let Some(stored) = rc.store().log_checkpoint_at(size).await? else {
            return Err(Error::bad_input(
                "checkpoint",
                format!("the hub made no checkpoint of {size} entries"),
            ));
        };
        let merged = consent::log::merge_cosignatures(
            &stored.note,
            submitted,
            log_key,
            &rc.policy().witness_keys,
        )
        .map_err(bad)?;
        rc.store().cosign_checkpoint(size, merged.clone()).await?;
        Ok(merged)
    }

    /// The first `width` hashes of tile `(level, idx)`; `None` if the log
    /// does not hold them yet.
    pub async fn log_tile(&self, level: u8, idx: u64, width: u32) -> Result<Option<Vec<u8>>> {
        Ok(self.rc.store().log_tile(level, idx, width).await?)
    }
}
