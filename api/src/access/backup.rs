//! A backup of the whole database, taken by an IG administrator (in
//! practice the operator, `tellonce backup`). A copy of everything is a
//! disclosure of everything, so it is traced like any other: the BACKUP
//! entry is made durable *before* the copy is taken, so the copy holds its
//! own entry and an auditor reading either database sees that it was taken,
//! by whom and where to.

use std::path::{Path, PathBuf};

use consent::trace::{TraceAction, VerifyReport};
use store::Store;

use super::IgAdmin;
use crate::error::{Error, Result};

/// The longest target path recorded in the trace entry.
const MAX_RECORDED_PATH: usize = 512;

/// A copy taken and checked.
#[derive(Debug, Clone)]
pub struct BackupTaken {
    /// Where the copy is (absolute).
    pub path: PathBuf,
    /// The sequence number of the copy's own BACKUP entry.
    pub entry_seq: i64,
    /// The access trace of the copy, verified link by link.
    pub copy: VerifyReport,
}

impl IgAdmin<'_> {
    /// Takes an online, consistent copy of the SQLite database to `target`
    /// (absolute; it must not exist; created readable by its owner only),
    /// then opens the copy read-only and
    /// verifies its access trace, which must be intact and hold the
    /// backup's own entry.
    ///
    /// The BACKUP entry is committed first: if the copy then fails, the
    /// trace still says a backup was begun (an honest over-statement, never
    /// an unrecorded copy).
    pub async fn back_up(&self, target: &Path) -> Result<BackupTaken> {
        let rc = self.rc;
        let store = rc.store();
        if !store.is_sqlite() {
            return Err(Error::bad_input(
                "to",
                "only a SQLite database is copied by the hub: back PostgreSQL up with pg_dump",
            ));
        }
        if !target.is_absolute() {
            return Err(Error::bad_input(
                "to",
                "give the target as an absolute path",
            ));
        }
        // Created here, atomically refusing an existing file, readable by
        // the hub's user only: the copy holds every child's record.
        let mut file = std::fs::OpenOptions::new();
        file.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut file, 0o600);
        match file.open(target) {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                return Err(Error::bad_input(
                    "to",
                    "the target already exists: a backup never overwrites a file",
                ));
            }
            Err(e) => {
                return Err(Error::Internal(
                    anyhow::Error::from(e).context("cannot create the target file"),
                ));
            }
        }
        let taken = self.copy_to(target).await;
        if taken.is_err() {
            // Ours, and empty or partial: never leave a half copy behind.
            let _ = std::fs::remove_file(target);
        }
        taken
    }

    async fn copy_to(&self, target: &Path) -> Result<BackupTaken> {
        let rc = self.rc;
        let store = rc.store();
        let shown: String = target
            .display()
            .to_string()
            .chars()
            .filter(|c| !c.is_control())
            .take(MAX_RECORDED_PATH)
            .collect();
        let tx = store.traced().await?;
        let stored = tx
            .commit(vec![rc.entry(TraceAction::Backup).detail("to", shown)])
            .await?;
        let entry_seq = stored
            .first()
            .map(|e| e.seq)
            .ok_or_else(|| Error::Internal(anyhow::anyhow!("the BACKUP entry was not stored")))?;
        store.copy_into(target).await?;
        let copy = Store::open_copy(target).await.map_err(Error::Database)?;
        let report = copy.verify_trace().await?;
        copy.connection()
            .close_by_ref()
            .await
            .map_err(Error::Database)?;
        if let Some(broken) = report.first_broken {
            return Err(Error::Internal(anyhow::anyhow!(
                "the copy's access trace is broken at entry {broken}"
            )));
        }
        if report.head.as_ref().is_none_or(|(seq, _)| *seq < entry_seq) {
            return Err(Error::Internal(anyhow::anyhow!(
                "the copy does not hold its own BACKUP entry {entry_seq}"
            )));
        }
        Ok(BackupTaken {
            path: target.to_owned(),
            entry_seq,
            copy: report,
        })
    }
}
