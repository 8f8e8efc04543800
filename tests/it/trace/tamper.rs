use chrono::DateTime;
use consent::trace::{TraceEntry, chain_hash};
use serde_json::{Value, json};
use uuid::Uuid;

use super::*;
use crate::helpers::*;

#[tokio::test]
async fn an_edited_entry_is_found_and_named() {
    let app = spawn_app().await;
    let readers = Readers::new(&app).await;
    readers.three_reads().await;
    let links = app.store.trace_links(0, 100).await.expect("links");
    assert_eq!(links.len(), 4);

    let report = integrity(&app).await;
    assert_eq!(report["ok"], true, "{report}");
    assert_eq!(report["entriesChecked"], 4, "{report}");
    assert_eq!(report["headSeq"], 4, "{report}");
    assert_eq!(report["headHash"], links[3].hash.as_str(), "{report}");
    assert_eq!(report["firstBrokenSeq"], Value::Null, "{report}");
    assert_eq!(report["problem"], Value::Null, "{report}");

    lift_triggers(&app).await;
    sql(
        &app,
        &format!(
            "UPDATE access_trace SET entry = REPLACE(entry, '{}', 'test-someone-else') WHERE seq = 3",
            readers.camhs.subject()
        ),
    )
    .await
    .expect("edit entry 3");
    let edited = app.store.trace_links(2, 1).await.expect("links");
    assert!(
        edited[0].canonical.contains("test-someone-else"),
        "{edited:?}"
    );

    let report = integrity(&app).await;
    assert_eq!(report["ok"], false, "{report}");
    assert_eq!(report["firstBrokenSeq"], 3, "{report}");
    // The four reads and the first integrity check.
    assert_eq!(report["entriesChecked"], 5, "{report}");
    assert!(
        report["problem"].as_str().is_some_and(|p| !p.is_empty()),
        "{report}"
    );
    let verified = app.store.verify_trace().await.expect("verify");
    assert_eq!(verified.first_broken, Some(3), "{verified:?}");
    assert_eq!(verified.checked, 6, "{verified:?}");
    // The trace still takes entries after the break, and still reports it.
    let report = integrity(&app).await;
    assert_eq!(report["firstBrokenSeq"], 3, "{report}");
}

#[tokio::test]
async fn a_removed_re_hashed_or_forged_entry_is_found() {
    // Removed: the gap is reported at the missing entry.
    let app = spawn_app().await;
    let readers = Readers::new(&app).await;
    readers.three_reads().await;
    lift_triggers(&app).await;
    sql(&app, "DELETE FROM access_trace WHERE seq = 3")
        .await
        .expect("remove entry 3");
    let report = integrity(&app).await;
    assert_eq!(report["ok"], false, "{report}");
    assert_eq!(report["firstBrokenSeq"], 3, "{report}");
    drop(readers);
    drop(app);

    // Edited and re-hashed: the next link no longer holds.
    let app = spawn_app().await;
    let readers = Readers::new(&app).await;
    readers.three_reads().await;
    lift_triggers(&app).await;
    let link = app.store.trace_links(2, 1).await.expect("links").remove(0);
    assert_eq!(link.seq, 3);
    let canonical = link
        .canonical
        .replace(readers.camhs.subject(), "test-someone-else");
    let hash = chain_hash(&link.prev_hash, &canonical);
    // The column is edited to match, so entry 3 is consistent in itself.
    sql(
        &app,
        &format!(
            "UPDATE access_trace SET entry = '{}', hash = '{hash}',
               actor_subject = 'test-someone-else' WHERE seq = 3",
            canonical.replace('\'', "''")
        ),
    )
    .await
    .expect("re-hash entry 3");
    let report = integrity(&app).await;
    assert_eq!(report["ok"], false, "{report}");
    assert_eq!(report["firstBrokenSeq"], 4, "{report}");
    drop(readers);
    drop(app);

    // A forged entry inserted after the head, with a made-up hash.
    let app = spawn_app().await;
    let readers = Readers::new(&app).await;
    readers.three_reads().await;
    let head = app.store.trace_links(3, 1).await.expect("links").remove(0);
    let mut forged = TraceEntry::parse(&head.canonical).expect("entry");
    forged.seq = 5;
    forged.actor.subject = Some("test-forger".into());
    sql(
        &app,
        &format!(
            "INSERT INTO access_trace (seq, recorded_at, action, outcome, actor_subject, basis_kinds,
               withheld_any, override_used, entry, prev_hash, hash)
             VALUES (5, '2026-01-01 00:00:00+00:00', 'READ', 'SUCCESS', 'test-forger', ',', {f}, {f},
               '{}', '{}', '{}')",
            forged.canonical().expect("canonical").replace('\'', "''"),
            head.hash,
            "f".repeat(64),
            f = if is_postgres() { "false" } else { "0" },
        ),
    )
    .await
    .expect("forge entry 5");
    let report = integrity(&app).await;
    assert_eq!(report["ok"], false, "{report}");
    assert_eq!(report["firstBrokenSeq"], 5, "{report}");
}

/// The hub after an edit to one searchable column of entry 3 (the CAMHS
/// read of Amira), its integrity report, Amira and the CAMHS subject.
struct Edited {
    app: TestApp,
    report: Value,
    amira: Uuid,
    camhs: String,
}

/// An edit to one searchable column of entry 3 (the CAMHS read of Amira).
async fn edit_column(column: &str) -> Edited {
    let app = spawn_app().await;
    let readers = Readers::new(&app).await;
    readers.three_reads().await;
    lift_triggers(&app).await;
    let set = match column {
        // Entry 4 is about Jayden: the read of Amira moves to him.
        "child_id" => "child_id = (SELECT child_id FROM access_trace WHERE seq = 4)".to_owned(),
        "actor_subject" => "actor_subject = 'test-someone-else'".to_owned(),
        // Back to the time of entry 1, out of any search from then on.
        "recorded_at" => {
            "recorded_at = (SELECT recorded_at FROM access_trace WHERE seq = 1)".to_owned()
        }
        other => panic!("no edit for {other}"),
    };
    sql(
        &app,
        &format!("UPDATE access_trace SET {set} WHERE seq = 3"),
    )
    .await
    .unwrap_or_else(|e| panic!("edit {column}: {e}"));
    let report = integrity(&app).await;
    let (amira, camhs) = (readers.amira.id, readers.camhs.subject().to_owned());
    drop(readers);
    Edited {
        app,
        report,
        amira,
        camhs,
    }
}

fn assert_broken_at_3(report: &Value, column: &str) {
    assert_eq!(report["ok"], false, "{column}: {report}");
    assert_eq!(report["firstBrokenSeq"], 3, "{column}: {report}");
    let problem = report["problem"].as_str().unwrap_or_default();
    assert!(
        problem.contains("searchable columns") && problem.contains(column),
        "{column}: {report}"
    );
}

#[tokio::test]
async fn an_entry_moved_to_another_child_is_found() {
    let Edited {
        app, report, amira, ..
    } = edit_column("child_id").await;
    // The edit hides the read from a search for Amira ...
    let amira = trace(&app, json!({ "childId": amira, "action": "READ" })).await;
    assert!(amira.iter().all(|e| seq(e) != 3), "{amira:#?}");
    // ... and the chain says so.
    assert_broken_at_3(&report, "child_id");
}

#[tokio::test]
async fn an_entry_given_another_actor_is_found() {
    let Edited {
        app, report, camhs, ..
    } = edit_column("actor_subject").await;
    let camhs = trace(&app, json!({ "actorSubject": camhs })).await;
    assert!(camhs.is_empty(), "{camhs:#?}");
    assert_broken_at_3(&report, "actor_subject");
}

#[tokio::test]
async fn an_entry_moved_in_time_is_found() {
    let Edited { report, .. } = edit_column("recorded_at").await;
    assert_broken_at_3(&report, "recorded_at");
}

#[tokio::test]
async fn the_same_instant_written_another_way_is_not_an_edit() {
    let app = spawn_app().await;
    let readers = Readers::new(&app).await;
    readers.three_reads().await;
    lift_triggers(&app).await;
    let link = app.store.trace_links(2, 1).await.expect("links").remove(0);
    let at = DateTime::parse_from_rfc3339(
        &TraceEntry::parse(&link.canonical)
            .expect("entry")
            .recorded_at,
    )
    .expect("time")
    .with_timezone(&chrono::FixedOffset::east_opt(3600).expect("offset"));
    // One hour east of UTC: another text on SQLite, the same instant.
    sql(
        &app,
        &format!(
            "UPDATE access_trace SET recorded_at = '{}' WHERE seq = 3",
            at.format("%Y-%m-%d %H:%M:%S%.6f%:z")
        ),
    )
    .await
    .expect("rewrite recorded_at");
    let report = integrity(&app).await;
    assert_eq!(report["ok"], true, "{report}");
}

const INTEGRITY_AT: &str = "query($seq: Int, $hash: String) {
  traceIntegrity(expectSeq: $seq, expectHash: $hash) {
    ok entriesChecked headSeq headHash firstBrokenSeq problem } }";

async fn integrity_at(app: &TestApp, seq: i64, hash: &str) -> Value {
    let answer = ig(app, INTEGRITY_AT, json!({ "seq": seq, "hash": hash })).await;
    assert!(answer.body["errors"].is_null(), "{answer:?}");
    answer.body["data"]["traceIntegrity"].clone()
}

#[tokio::test]
async fn a_truncated_tail_is_found_against_a_checkpoint() {
    // The chain alone, as before the verifiable log (which finds a cut
    // tail by itself: `log::a_cut_tail_…`).
    let app = spawn_app_with(|s| s.log_signer = None).await;
    let readers = Readers::new(&app).await;
    readers.three_reads().await;
    let checkpoint = app.store.trace_links(3, 1).await.expect("links").remove(0);
    assert_eq!(checkpoint.seq, 4);

    // Positive control: the intact chain holds the checkpoint.
    let report = integrity_at(&app, 4, &checkpoint.hash).await;
    assert_eq!(report["ok"], true, "{report}");
    assert_eq!(report["problem"], Value::Null, "{report}");

    // Entries 4 onwards are removed; what is left links up cleanly.
    lift_triggers(&app).await;
    sql(&app, "DELETE FROM access_trace WHERE seq >= 4")
        .await
        .expect("truncate the tail");
    let unchecked = integrity(&app).await;
    assert_eq!(unchecked["ok"], true, "{unchecked}");
    assert_eq!(unchecked["headSeq"], 3, "{unchecked}");
    // (That check left entry 4 behind: a TRACE_SEARCH with another hash.)

    // The head is now entry 4 again, but not the checkpoint's entry 4.
    let report = integrity_at(&app, 4, &checkpoint.hash).await;
    assert_eq!(report["ok"], false, "{report}");
    assert_eq!(report["firstBrokenSeq"], 4, "{report}");
    assert!(
        report["problem"]
            .as_str()
            .is_some_and(|p| p.contains("checkpoint")),
        "{report}"
    );

    // A checkpoint beyond the head: the end of the chain is missing.
    let report = integrity_at(&app, 40, &checkpoint.hash).await;
    assert_eq!(report["ok"], false, "{report}");
    assert!(
        report["problem"]
            .as_str()
            .is_some_and(|p| p.contains("checkpoint")),
        "{report}"
    );

    // Half a checkpoint, or a hash that is not one, is refused.
    let half = ig(&app, INTEGRITY_AT, json!({ "seq": 4 })).await;
    assert_eq!(half.codes(), vec!["BAD_USER_INPUT"], "{half:?}");
    let bad = ig(&app, INTEGRITY_AT, json!({ "seq": 4, "hash": "abc" })).await;
    assert_eq!(bad.codes(), vec!["BAD_USER_INPUT"], "{bad:?}");
}
