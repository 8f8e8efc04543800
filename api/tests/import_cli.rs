//! The real `tellonce import` binary: a dry run of a file with a bad row
//! exits 2 with the report on stdout (lines and reasons, no values) and
//! writes nothing; a clean file imports and exits 0; a re-run is unchanged.
//!
//! In the `api` package because only here does Cargo build the binary for
//! a test. The database is a SQLite file of the test's own.

mod support;

use std::process::{Command, Output};

use domain::{Agency, AgencyKind};
use uuid::Uuid;

const COUNCIL: Uuid = Uuid::from_u128(0xc0c0_0000_0000_4000_8000_0000_0000_0013);

fn import(database: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tellonce"))
        .args(["--database-url", database, "import"])
        .args(args)
        .env_remove("OTEL_EXPORTER_OTLP_ENDPOINT")
        .output()
        .expect("run tellonce import")
}

#[test]
fn import_dry_run_exits_2_on_a_bad_row_and_a_clean_file_imports() {
    let dir = std::env::temp_dir().join(format!("tellonce-import-{}", Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let dir = support::TempDir(dir);
    let database = format!("sqlite://{}/hub.db?mode=rwc", dir.0.display());

    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let store = runtime.block_on(async {
        let store = store::Store::connect(&database).await.expect("connect");
        store.migrate().await.expect("migrate");
        let tx = store.traced().await.expect("transaction");
        tx.upsert_agency(&Agency {
            id: COUNCIL,
            name: "Test Council SEND Team".into(),
            kind: AgencyKind::LaSend,
        })
        .await
        .expect("council");
        tx.commit(Vec::new()).await.expect("commit");
        store
    });

    let header =
        "record_type,child_ref,external_id,given_name,family_name,date_of_birth,nhs_number";
    let bad = dir.0.join("bad.csv");
    std::fs::write(
        &bad,
        format!(
            "{header}\nchild,A,K-1,Amira,Khan,2016-03-04,9434765919\nchild,B,K-2,Ben,Jones,2015-01-02,9434765918\n"
        ),
    )
    .expect("write");
    let council = COUNCIL.to_string();
    let bad_path = bad.to_str().expect("path");
    let out = import(
        &database,
        &[
            "--dry-run",
            "--agency",
            &council,
            "--source",
            "MIS",
            bad_path,
        ],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("line 2: would import"), "{stdout}");
    assert!(stdout.contains("line 3: rejected: nhs_number:"), "{stdout}");
    assert!(stdout.contains("dry run: nothing was written"), "{stdout}");
    assert!(
        !stdout.contains("9434765918") && !stdout.contains("Ben"),
        "{stdout}"
    );
    let on_file = runtime
        .block_on(store.child_with_external_id("MIS", "K-1"))
        .expect("lookup");
    assert_eq!(on_file, None, "a dry run writes nothing");

    let good = dir.0.join("good.csv");
    std::fs::write(
        &good,
        format!("{header}\nchild,A,K-1,Amira,Khan,2016-03-04,9434765919\n"),
    )
    .expect("write");
    let good_path = good.to_str().expect("path");
    let report = dir.0.join("report.txt");
    let report_path = report.to_str().expect("path");
    let out = import(
        &database,
        &[
            "--agency",
            &council,
            "--source",
            "MIS",
            "--report",
            report_path,
            good_path,
        ],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(std::fs::read_to_string(&report).expect("report"), stdout);
    let on_file = runtime
        .block_on(store.child_with_external_id("MIS", "K-1"))
        .expect("lookup");
    assert!(on_file.is_some(), "{stdout}");

    let out = import(
        &database,
        &["--agency", &council, "--source", "MIS", good_path],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("line 2: unchanged"), "{stdout}");
}
