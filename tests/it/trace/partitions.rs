//! The access trace by month (PostgreSQL): entries land in their month's
//! partition, made ahead by the hub; a month is archived (detached) only
//! once a signed checkpoint covers it and only as a prefix of the trace;
//! verification then resumes after it, and IG search says what period it
//! covered. On SQLite the trace is one table and archiving is refused.

use chrono::{Datelike, Months, NaiveDate, Utc};
use consent::trace::{Actor, TraceAction, TraceEntry};
use serde_json::json;

use super::*;

fn first_of_month(day: NaiveDate) -> NaiveDate {
    day.with_day(1).expect("a first day")
}

async fn append_at(app: &TestApp, at: chrono::DateTime<Utc>) {
    app.store
        .append_trace(vec![TraceEntry::new(
            TraceAction::Search,
            Actor::default(),
            at,
        )])
        .await
        .expect("append");
}

const PERIOD: &str =
    "{ accessTrace(first: 50) { edges { node { seq } } period { from to archivedBefore } } }";

#[tokio::test]
async fn old_months_are_archived_after_a_signed_checkpoint_and_verify_resumes() {
    let this_month = first_of_month(Utc::now().date_naive());
    let then = this_month - Months::new(3);
    let then_noon = (then + chrono::Days::new(9))
        .and_hms_opt(12, 0, 0)
        .expect("noon")
        .and_utc();
    // The hub's clock three months back: its own entries are dated then.
    // No signer: the test integrates by hand, to see archiving refused
    // before the log covers the month.
    let app = spawn_app_with(|s| {
        s.fixed_now = Some(then_noon);
        s.log_signer = None;
    })
    .await;
    let signer = api::config::random_log_signer("tellonce.test/trace");

    if !is_postgres() {
        assert_eq!(app.store.trace_months().await.expect("months"), vec![]);
        let refused = app.store.archive_trace(this_month).await.expect("read");
        assert_eq!(
            refused,
            Err("the trace is partitioned (and archived) on PostgreSQL only".to_owned())
        );
        return;
    }

    let readers = Readers::new(&app).await;
    readers.three_reads().await;
    // Two entries of this month, after them.
    append_at(&app, Utc::now()).await;
    append_at(&app, Utc::now()).await;
    let months = app.store.trace_months().await.expect("months");
    let of = |month: NaiveDate| {
        months
            .iter()
            .find(|m| m.month == month)
            .unwrap_or_else(|| panic!("no partition for {month}: {months:?}"))
    };
    // The hub made the months ahead of its clock and of today.
    for ahead in 0..=2 {
        of(then + Months::new(ahead));
        of(this_month + Months::new(ahead));
    }
    assert_eq!(
        (of(then).entries, of(then).first_seq, of(then).last_seq),
        (4, Some(1), Some(4)),
        "{months:?}"
    );
    assert_eq!(
        (of(this_month).entries, of(this_month).first_seq),
        (2, Some(5))
    );
    let partition = of(then).partition.clone();

    // Not before a signed checkpoint covers the month's last entry.
    let next = then + Months::new(1);
    let refused = app.store.archive_trace(next).await.expect("read");
    assert!(
        refused
            .as_ref()
            .is_err_and(|e| e.contains("no signed checkpoint")),
        "{refused:?}"
    );
    app.store
        .integrate_log(&signer, 2)
        .await
        .expect("integrate");
    let refused = app.store.archive_trace(next).await.expect("read");
    assert!(
        refused
            .as_ref()
            .is_err_and(|e| e.contains("holds 2 entries, not yet entry 4")),
        "{refused:?}"
    );
    while app
        .store
        .integrate_log(&signer, 100)
        .await
        .expect("integrate")
        .is_some()
    {}

    // Now it is archived: detached, recorded, kept for the operator.
    let archived = app
        .store
        .archive_trace(next)
        .await
        .expect("read")
        .expect("archived");
    assert_eq!(archived.len(), 1, "{archived:?}");
    let month = &archived[0];
    assert_eq!(
        (
            month.partition.as_str(),
            month.first_seq,
            month.last_seq,
            month.entries
        ),
        (partition.as_str(), 1, 4, 4)
    );
    assert_eq!(month.checkpoint_size, 6);
    let links = app.store.trace_links(0, 100).await.expect("links");
    assert_eq!(links.first().map(|l| l.seq), Some(5), "{links:?}");
    let kept = app
        .store
        .connection()
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DatabaseBackend::Postgres,
            format!("SELECT count(*) AS n FROM \"{partition}\""),
        ))
        .await
        .expect("the detached table is still there")
        .expect("a row");
    assert_eq!(kept.try_get::<i64>("", "n").expect("n"), 4);
    assert!(
        app.store
            .trace_months()
            .await
            .expect("months")
            .iter()
            .all(|m| m.partition != partition)
    );

    // Verification resumes after the archive, chain and tree, and the
    // signed root still matches.
    let report = app
        .store
        .verify_trace_against(None, Some(signer.public_key()))
        .await
        .expect("verify");
    assert_eq!(report.first_broken, None, "{report:?}");
    assert_eq!((report.checked, report.log_size), (2, 6), "{report:?}");
    // A checkpoint kept from before the archive is not silently passed.
    let cp = consent::trace::Checkpoint::new(3, &links_hash_of(&app, 3, &partition).await)
        .expect("checkpoint");
    let report = app
        .store
        .verify_trace_against(Some(cp), None)
        .await
        .expect("verify");
    assert!(
        report
            .problem
            .as_deref()
            .is_some_and(|p| p.contains("archived")),
        "{report:?}"
    );

    // IG search says the period it covered.
    let answer = ig(&app, PERIOD, json!({})).await;
    assert!(answer.body["errors"].is_null(), "{answer:?}");
    let period = &answer.body["data"]["accessTrace"]["period"];
    let archived_before = format!("{next}T00:00:00+00:00");
    assert_eq!(period["archivedBefore"], json!(archived_before), "{period}");
    assert_eq!(period["from"], json!(archived_before), "{period}");
    assert_eq!(period["to"], serde_json::Value::Null, "{period}");
    let seqs: Vec<i64> = answer.body["data"]["accessTrace"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"]["seq"].as_i64().expect("seq"))
        .collect();
    assert_eq!(&seqs[..2], &[5, 6], "{seqs:?}");

    // A later month written out of order cannot go alone: entries 5 and 6
    // (this month) came before the next month's entry.
    append_at(
        &app,
        (next + Months::new(1))
            .and_hms_opt(8, 0, 0)
            .expect("time")
            .and_utc(),
    )
    .await;
    let refused = app.store.archive_trace(this_month).await.expect("read");
    assert!(
        refused
            .as_ref()
            .is_err_and(|e| e.contains("archive them together")),
        "{refused:?}"
    );
}

/// The hash of entry `seq`, read from the detached partition.
async fn links_hash_of(app: &TestApp, seq: i64, partition: &str) -> String {
    let row = app
        .store
        .connection()
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DatabaseBackend::Postgres,
            format!("SELECT hash FROM \"{partition}\" WHERE seq = {seq}"),
        ))
        .await
        .expect("read")
        .expect("a row");
    row.try_get("", "hash").expect("hash")
}
