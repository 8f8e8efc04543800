//! `serve --demo --reset`: the demo from scratch. Deleting the SQLite file
//! (with its `-wal` and `-shm` companions) is the whole reset: `serve` then
//! migrates a new one and loads the demo into it. The access trace is
//! append-only, so there is no "empty the tables" alternative, and none is
//! offered for PostgreSQL: drop and create that database yourself.

use std::path::PathBuf;

use anyhow::{Context as _, bail};

/// The SQLite file a `sqlite:` URL names; `None` for an in-memory database
/// (always fresh). Query parameters (`?mode=rwc`) are not part of the path.
pub fn sqlite_file(database_url: &str) -> anyhow::Result<Option<PathBuf>> {
    let Some(rest) = database_url
        .strip_prefix("sqlite://")
        .or_else(|| database_url.strip_prefix("sqlite:"))
    else {
        bail!(
            "--reset deletes a SQLite demo database only: for PostgreSQL, drop and create the database yourself"
        );
    };
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    if path.is_empty() || path == ":memory:" || query.split('&').any(|p| p == "mode=memory") {
        return Ok(None);
    }
    Ok(Some(PathBuf::from(path)))
}

/// Deletes the demo database named by `database_url` and its companions;
/// returns the file deleted (`None`: nothing was there, or in memory).
/// A file that is not the demo's — it does not hold the demo's own
/// agencies (fixed ids no real register has) — is refused untouched: a
/// mistyped `--database-url` must never destroy real records and the
/// append-only trace the law requires to be kept.
pub async fn reset(database_url: &str) -> anyhow::Result<Option<PathBuf>> {
    let Some(file) = sqlite_file(database_url)? else {
        return Ok(None);
    };
    if file.exists() && !holds_the_demo(&file).await {
        bail!(
            "--reset deletes the demo's own database only, and {} does not hold the demo (no demo agencies): delete it yourself if you really mean to",
            file.display()
        );
    }
    let mut deleted = None;
    for suffix in ["", "-wal", "-shm"] {
        let mut name = file.clone().into_os_string();
        name.push(suffix);
        let path = PathBuf::from(name);
        match std::fs::remove_file(&path) {
            Ok(()) if suffix.is_empty() => deleted = Some(path),
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(e).with_context(|| format!("cannot delete {}", path.display()));
            }
        }
    }
    Ok(deleted)
}

/// The file is a hub database holding the demo's agencies (opened as it
/// is: nothing is created or migrated to decide).
async fn holds_the_demo(file: &std::path::Path) -> bool {
    let Ok(store) = store::Store::open_existing(file).await else {
        return false;
    };
    matches!(store.agency(super::id::SCHOOL).await, Ok(Some(_)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_database_that_is_not_the_demo_is_never_deleted() {
        let dir = std::env::temp_dir().join(format!("tellonce-reset-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let file = dir.join("records.db");
        let url = format!("sqlite://{}?mode=rwc", file.display());
        let store = store::Store::connect(&url).await.expect("connect");
        store.migrate().await.expect("migrate");
        drop(store);
        let err = reset(&url).await.expect_err("refused").to_string();
        assert!(err.contains("does not hold the demo"), "{err}");
        assert!(file.exists(), "the file must be left alone");
        // Not a database at all: refused too.
        let other = dir.join("notes.db");
        std::fs::write(&other, "not sqlite").expect("write");
        let url = format!("sqlite://{}", other.display());
        assert!(reset(&url).await.is_err());
        assert!(other.exists());
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn the_file_is_the_url_without_its_scheme_and_query() {
        let file = |u: &str| sqlite_file(u).expect("sqlite url");
        assert_eq!(
            file("sqlite://./tellonce.db?mode=rwc"),
            Some(PathBuf::from("./tellonce.db"))
        );
        assert_eq!(
            file("sqlite:///var/lib/tellonce/hub.db"),
            Some(PathBuf::from("/var/lib/tellonce/hub.db"))
        );
        assert_eq!(file("sqlite:hub.db"), Some(PathBuf::from("hub.db")));
        assert_eq!(file("sqlite::memory:"), None);
        assert_eq!(file("sqlite://demo?mode=memory&cache=shared"), None);
        let err = sqlite_file("postgres://u@h/db").unwrap_err().to_string();
        assert!(err.contains("PostgreSQL"), "{err}");
    }
}
