//! `tellonce backup`: on SQLite, an online, consistent copy of the whole
//! database through the door (an IG administrator's traced
//! [`IgAdmin::back_up`](crate::access::IgAdmin::back_up), the copy then
//! verified); on PostgreSQL, the `pg_dump` and `pg_restore` commands to
//! use, since PostgreSQL's own tools take a consistent copy better than
//! the hub could.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use consent::Role;

use crate::access::BackupTaken;
use crate::config::{Settings, redact_url};
use crate::error::Error;
use crate::operator::Operator;

/// What `backup` did.
#[derive(Debug)]
pub enum Backup {
    /// A SQLite copy taken, with its verified trace.
    Taken(BackupTaken),
    /// PostgreSQL: nothing copied; the commands that do it.
    UsePgDump(String),
}

/// Backs the configured database up to `to` (SQLite), or says how to with
/// `pg_dump` (PostgreSQL, without touching the database).
pub async fn back_up(op: &Operator, settings: &Settings, to: &Path) -> anyhow::Result<Backup> {
    if !settings.is_sqlite() {
        return Ok(Backup::UsePgDump(pg_dump_advice(&settings.database_url)));
    }
    let target = absolute(to)?;
    if target.exists() {
        bail!(
            "{} already exists: a backup never overwrites a file; choose a new name",
            target.display()
        );
    }
    match target.parent() {
        Some(dir) if dir.is_dir() => {}
        _ => bail!(
            "the directory for {} does not exist: create it first",
            target.display()
        ),
    }
    let rc = op.context(Role::IgAdmin);
    let taken = match rc.ig_admin() {
        Ok(admin) => admin.back_up(&target).await,
        Err(e) => Err(e),
    }
    .map_err(|e| describe(e, &target))?;
    rc.finish()
        .await
        .map_err(|e| anyhow::anyhow!("writing the access trace failed: {e:?}"))?;
    Ok(Backup::Taken(taken))
}

/// `to`, made absolute against the working directory.
fn absolute(to: &Path) -> anyhow::Result<PathBuf> {
    if to.as_os_str().is_empty() {
        bail!("--to needs a file name");
    }
    if to.is_absolute() {
        return Ok(to.to_owned());
    }
    let cwd = std::env::current_dir().context("cannot read the working directory")?;
    Ok(cwd.join(to))
}

fn describe(e: Error, target: &Path) -> anyhow::Error {
    match e {
        Error::BadInput(input) => anyhow::anyhow!("{}", input.message),
        other => anyhow::anyhow!("the backup to {} failed: {other:?}", target.display()),
    }
}

/// The commands that back up and restore a PostgreSQL database, with its
/// URL (the password left out: `pg_dump` reads `PGPASSWORD` or
/// `~/.pgpass`).
pub fn pg_dump_advice(database_url: &str) -> String {
    let url = shell_quote(&redact_url(database_url));
    format!(
        "tellonce backup copies SQLite databases only. On PostgreSQL, take an online, \
consistent copy with pg_dump (one snapshot) — the password from PGPASSWORD or ~/.pgpass:\n\
\n  pg_dump --format=custom --file=tellonce-$(date +%F).dump {url}\n\
\nRestore it into a new, empty database, then check the copy's access trace:\n\
\n  createdb tellonce_restored\n  \
pg_restore --no-owner --dbname=postgres://USER@HOST/tellonce_restored tellonce-DATE.dump\n  \
tellonce --database-url postgres://USER@HOST/tellonce_restored trace verify\n\
\npg_dump writes no BACKUP entry in the access trace: record who took the copy and where \
it is kept in your backup log."
    )
}

/// `s` in single quotes for a POSIX shell.
fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pg_dump_advice_names_the_database_without_its_password() {
        let advice = pg_dump_advice("postgres://hub:s3cret@db.internal:5432/tellonce");
        assert!(
            advice.contains("pg_dump --format=custom --file=tellonce-$(date +%F).dump 'postgres://hub@db.internal:5432/tellonce'"),
            "{advice}"
        );
        assert!(advice.contains("pg_restore"), "{advice}");
        assert!(advice.contains("trace verify"), "{advice}");
        assert!(!advice.contains("s3cret"), "{advice}");
        assert_eq!(shell_quote("a'b"), r"'a'\''b'");
    }
}
