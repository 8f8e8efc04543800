//! Operations with the real `tellonce` binary: a backup taken while the
//! database is in use and verified with `trace verify` on the copy; the
//! WAL checkpointed when `serve` stops on SIGTERM; `serve --demo --reset`
//! starting from scratch; `tellonce health`; yes/no settings as switches
//! and from the environment; each command's own help.
//!
//! In `api` because only here does Cargo build the binary for a test.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use sea_orm::{ConnectionTrait as _, DatabaseBackend, Statement};

/// How long the hub may take to start or to stop after SIGTERM (a bound on
/// a wait, not an assertion about speed).
const WAIT_LIMIT: Duration = Duration::from_secs(60);
const POLL: Duration = Duration::from_millis(50);

/// The binary, in `dir`, with none of the caller's tellonce settings.
fn tellonce(dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tellonce"));
    command.current_dir(dir);
    for var in [
        "DATABASE_URL",
        "TELLONCE_CONFIG",
        "TELLONCE_DEV",
        "TELLONCE_BIND",
        "TELLONCE_JWT_SECRET",
        "TELLONCE_LOG_JSON",
        "OTEL_EXPORTER_OTLP_ENDPOINT",
    ] {
        command.env_remove(var);
    }
    command
}

fn run(command: &mut Command) -> Output {
    let output = command.output().expect("run tellonce");
    eprintln!(
        "{command:?}\n--- stdout\n{}--- stderr\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A running `serve --demo` and the address it listens on.
struct Served {
    child: Child,
    address: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(dir: &Path, database: &str, extra: &[&str]) -> Served {
    let mut child = tellonce(dir)
        .args(["--bind", "127.0.0.1:0", "--database-url", database])
        .args(["serve", "--demo"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn tellonce serve");
    let banner = support::read_banner(child.stdout.take().expect("stdout"));
    Served {
        child,
        address: banner.address().to_owned(),
    }
}

/// SIGTERM, then the hub must exit by itself, successfully.
fn stop(mut served: Served) {
    let pid = served.child.id().to_string();
    let killed = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill");
    assert!(killed.success());
    let mut waited = Duration::ZERO;
    let status = loop {
        if let Some(status) = served.child.try_wait().expect("wait") {
            break status;
        }
        assert!(waited < WAIT_LIMIT, "the hub did not stop after SIGTERM");
        std::thread::sleep(POLL);
        waited += POLL;
    };
    assert!(status.success(), "exit status after SIGTERM: {status}");
}

/// The write-ahead log is gone or empty: everything is in the main file.
fn assert_checkpointed(db: &Path) {
    let mut wal = db.as_os_str().to_owned();
    wal.push("-wal");
    match std::fs::metadata(PathBuf::from(wal)) {
        Ok(meta) => assert_eq!(meta.len(), 0, "the WAL still holds frames"),
        Err(e) => assert_eq!(e.kind(), std::io::ErrorKind::NotFound, "{e}"),
    }
}

fn count(database: &str, sql: &str) -> i64 {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let db = sea_orm::Database::connect(database)
            .await
            .expect("open the database");
        let row = db
            .query_one_raw(Statement::from_string(DatabaseBackend::Sqlite, sql))
            .await
            .expect("query")
            .expect("a row");
        let n: i64 = row.try_get_by_index(0).expect("count");
        db.close().await.expect("close");
        n
    })
}

const BACKUP_ENTRIES: &str = "SELECT COUNT(*) FROM access_trace WHERE action = 'BACKUP'";

#[test]
fn backup_checkpoint_and_reset_with_the_real_binary() {
    let dir = support::TempDir::new("tellonce-ops");
    let db_file = dir.0.join("hub.db");
    let database = format!("sqlite://{}?mode=rwc", db_file.display());

    // A demo hub serves; `health` says it is ready; SIGTERM checkpoints.
    let served = serve(&dir.0, &database, &[]);
    let url = format!("http://{}/readyz", served.address);
    let health = run(tellonce(&dir.0).args(["health", "--url", &url]));
    assert!(health.status.success());
    assert_eq!(stdout(&health).trim(), "ready");

    // A backup while the hub is serving: an online copy.
    let copy = dir.0.join("copy.db");
    let backup = run(tellonce(&dir.0)
        .args(["--database-url", &database, "backup", "--to"])
        .arg(&copy));
    assert!(backup.status.success());
    let printed = stdout(&backup);
    assert!(
        printed.contains("ok: the copy's chain is intact"),
        "{printed}"
    );
    let head = printed
        .lines()
        .find_map(|l| l.strip_prefix("head: "))
        .expect("the copy's head")
        .to_owned();

    stop(served);
    assert_checkpointed(&db_file);
    let down = run(tellonce(&dir.0).args(["health", "--url", &url]));
    assert!(!down.status.success(), "a stopped hub is not healthy");

    // The copy restores: `trace verify` passes on it, holding the head the
    // backup printed (its own BACKUP entry).
    let copy_url = format!("sqlite://{}", copy.display());
    let verify = run(tellonce(&dir.0).args([
        "--database-url",
        &copy_url,
        "trace",
        "verify",
        "--expect",
        &head,
    ]));
    assert!(verify.status.success());
    assert!(stdout(&verify).contains("ok: the chain is intact"));
    assert_eq!(count(&copy_url, BACKUP_ENTRIES), 1);

    // Refused: an existing target, untouched.
    let again = run(tellonce(&dir.0)
        .args(["--database-url", &database, "backup", "--to"])
        .arg(&copy));
    assert!(!again.status.success());
    assert!(
        stderr(&again).contains("already exists"),
        "{}",
        stderr(&again)
    );

    // Without --reset the demo keeps what happened; with it, a new file.
    assert_eq!(count(&database, BACKUP_ENTRIES), 1);
    let served = serve(&dir.0, &database, &[]);
    stop(served);
    assert_eq!(count(&database, BACKUP_ENTRIES), 1);
    let served = serve(&dir.0, &database, &["--reset"]);
    stop(served);
    assert_eq!(count(&database, BACKUP_ENTRIES), 0, "--reset starts fresh");
    assert!(
        count(&database, "SELECT COUNT(*) FROM child") > 0,
        "and loads the demo"
    );
    assert_checkpointed(&db_file);
}

#[test]
fn postgresql_is_backed_up_with_pg_dump_and_never_reset() {
    let dir = support::TempDir::new("tellonce-ops");
    let url = "postgres://hub:s3cret@db.invalid:5432/tellonce";
    let backup = run(tellonce(&dir.0).args(["--database-url", url, "backup", "--to", "x.dump"]));
    assert_eq!(backup.status.code(), Some(2));
    let advice = stderr(&backup);
    assert!(
        advice.contains("pg_dump --format=custom") && advice.contains("pg_restore"),
        "{advice}"
    );
    assert!(advice.contains("'postgres://hub@db.invalid:5432/tellonce'"));
    assert!(!advice.contains("s3cret"));
    assert!(!dir.0.join("x.dump").exists());

    let reset = run(tellonce(&dir.0).args(["--database-url", url, "serve", "--demo", "--reset"]));
    assert!(!reset.status.success());
    assert!(stderr(&reset).contains("SQLite demo database only"));
    let no_demo = run(tellonce(&dir.0).args(["serve", "--reset"]));
    assert!(!no_demo.status.success(), "--reset needs --demo");
}

#[test]
fn yes_no_settings_are_switches_and_read_the_environment() {
    let dir = support::TempDir::new("tellonce-ops");
    let token = |args: &[&str], env: &[(&str, &str)]| {
        let mut command = tellonce(&dir.0);
        command.env(
            "TELLONCE_JWT_SECRET",
            "a-test-secret-of-enough-length-0123456789",
        );
        for (k, v) in env {
            command.env(k, v);
        }
        run(command.args(args).args(["token", "--persona", "parent"]))
    };
    let refused = token(&[], &[]);
    assert!(!refused.status.success());
    assert!(stderr(&refused).contains("development only"));
    assert!(token(&["--dev"], &[]).status.success());
    assert!(token(&[], &[("TELLONCE_DEV", "true")]).status.success());
    assert!(token(&[], &[("TELLONCE_DEV", "1")]).status.success());
    assert!(
        !token(&["--dev=false"], &[("TELLONCE_DEV", "true")])
            .status
            .success()
    );
    assert!(!token(&[], &[("TELLONCE_DEV", "false")]).status.success());
}

#[test]
fn each_command_explains_itself() {
    let dir = support::TempDir::new("tellonce-ops");
    let help = run(tellonce(&dir.0).args(["backup", "--help"]));
    assert!(help.status.success());
    let text = stdout(&help);
    assert!(text.contains("VACUUM INTO"), "{text}");
    assert!(text.contains("Example"), "{text}");
    assert!(text.contains("Configuration:"), "{text}");
    assert!(!text.contains("Serves GraphQL"), "{text}");
    let serve = stdout(&run(tellonce(&dir.0).args(["serve", "--help"])));
    assert!(serve.contains("--reset"), "{serve}");
    assert!(serve.contains("--dev[=<BOOL>]"), "{serve}");
}
