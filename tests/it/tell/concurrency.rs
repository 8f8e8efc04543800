use chrono::Utc;
use domain::AgencyKind;
use serde_json::{Value, json};

use super::*;
use crate::helpers::*;

/// A contribution is replaced once, even when several replacements arrive
/// at the same moment.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn simultaneous_replacements_still_replace_once() {
    // Speech and language therapy has written about a child aged 9.
    let app = spawn_app().await;
    let child = app
        .child()
        .aged(9)
        .with_parent("parent-1")
        .create()
        .await
        .id;
    let slt = app.practitioner(&app.agency(AgencyKind::Slt).create().await);
    let first = slt
        .graphql(
            &contribute(),
            json!({ "c": child, "i": { "scope": "COMMUNICATION", "title": "Original" } }),
        )
        .await;
    let first_id = id_of(&ok(&first, "contribute"));
    let query = contribute();
    let replacements = futures_util::future::join_all((0..8).map(|n| {
        slt.graphql(
            &query,
            json!({ "c": child, "i": { "scope": "COMMUNICATION",
                "title": format!("Replacement {n}"), "supersedes": first_id } }),
        )
    }))
    .await;
    let accepted = replacements
        .iter()
        .filter(|a| a.body["errors"].is_null())
        .count();
    for answer in replacements.iter().filter(|a| !a.body["errors"].is_null()) {
        bad_input(answer, "contribute", "supersedes");
    }
    let parent = app.family_member("parent-1");
    let (_, all) = contributions_seen_by(&parent, child, None, true).await;
    let replacing: Vec<(&Value, &Value)> = all
        .as_array()
        .expect("list")
        .iter()
        .filter(|c| c["supersedes"] == first_id)
        .map(|c| (&c["title"], &c["current"]))
        .collect();
    assert_eq!(
        (accepted, replacing.len()),
        (1, 1),
        "one replacement of {first_id}; stored (title, current): {replacing:?}"
    );
}

/// A child has one assessment in progress, even when the case officer's
/// request to start it is sent several times at once (a double click, a
/// retry).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn simultaneous_starts_still_start_one_assessment() {
    let app = spawn_app().await;
    let child = app
        .child()
        .aged(7)
        .with_parent("person-mum-race")
        .create()
        .await
        .id;
    let officer = app.case_officer().await;
    let received = (Utc::now().date_naive() - chrono::Duration::days(3)).to_string();
    let query = start();
    let starts = futures_util::future::join_all(
        (0..8).map(|_| officer.graphql(&query, json!({ "c": child, "on": received }))),
    )
    .await;
    let started: Vec<String> = starts
        .iter()
        .filter(|a| a.body["errors"].is_null())
        .map(|a| id_of(&a.body["data"]["startAssessment"]))
        .collect();
    for answer in starts.iter().filter(|a| !a.body["errors"].is_null()) {
        bad_input(answer, "startAssessment", "childId");
    }
    let entries = trace_seen_by_ig(
        &app,
        json!({ "childId": child, "action": "ASSESSMENT_STARTED" }),
    )
    .await;
    assert_eq!(
        (started.len(), entries.len()),
        (1, 1),
        "one assessment in progress, started: {started:?}"
    );
}
