//! `serve --bench-untraced` (issue 14): the hub serves without writing the
//! access trace only in development mode and only on a database made by
//! `tellonce seed` (it holds the agency `store::seed::SEED_MARKER`).

use api::startup::{Application, TraceMode};
use domain::AgencyKind;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};

use crate::helpers::*;

/// Marks the test database as synthetic, as `tellonce seed` does.
async fn mark_as_seeded(app: &TestApp) {
    app.agency(AgencyKind::LaSend)
        .named("Synthetic records (tellonce seed)")
        .with_id(store::seed::SEED_MARKER)
        .create()
        .await;
}

async fn untraced(app: &TestApp, development: bool) -> anyhow::Result<Application> {
    let mut settings = app.settings.clone();
    settings.development = development;
    Application::build_with_store_and_trace(
        &settings,
        app.store.clone(),
        TraceMode::DiscardForBenchmark,
    )
    .await
}

async fn trace_entries(app: &TestApp) -> i64 {
    let db = app.store.connection();
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT COUNT(*) AS n FROM access_trace",
        ))
        .await
        .expect("count")
        .expect("a row");
    row.try_get("", "n").expect("n")
}

#[tokio::test]
async fn refused_outside_development_mode_even_on_a_seeded_database() {
    let app = spawn_app().await;
    mark_as_seeded(&app).await;
    let refused = untraced(&app, false).await.expect_err("refused");
    assert!(
        refused.to_string().contains("development mode"),
        "{refused:#}"
    );
}

#[tokio::test]
async fn refused_on_a_database_without_the_seed_marker() {
    let app = spawn_app().await;
    let refused = untraced(&app, true).await.expect_err("refused");
    assert!(refused.to_string().contains("seed marker"), "{refused:#}");
}

#[tokio::test]
async fn accepted_on_a_seeded_database_in_development_mode_and_writes_no_entry() {
    let app = spawn_app().await;
    mark_as_seeded(&app).await;
    let child = app.child().aged(9).with_parent("parent-1").create().await;
    let bench = untraced(&app, true).await.expect("accepted");
    let address = format!("http://{}", bench.local_addr().expect("addr"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(bench.run_until(async move {
        let _ = stopped.await;
    }));
    let before = trace_entries(&app).await;
    let body: Value = app
        .client
        .post(format!("{address}/graphql"))
        .bearer_auth(app.family_member("parent-1").token())
        .json(&json!({
            "query": "query($id: ID!) { child(id: $id) { identity { givenName } } }",
            "variables": { "id": child.id },
        }))
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert!(body["errors"].is_null(), "{body}");
    assert!(
        body["data"]["child"]["identity"]["givenName"].is_string(),
        "{body}"
    );
    assert_eq!(trace_entries(&app).await, before, "nothing traced");
    // The positive control: the durable hub traces the same read.
    let answer = app
        .graphql_as(
            Some(&app.family_member("parent-1").token()),
            None,
            "query($id: ID!) { child(id: $id) { identity { givenName } } }",
            json!({ "id": child.id }),
        )
        .await;
    assert!(answer.body["errors"].is_null(), "{answer:?}");
    assert!(trace_entries(&app).await > before, "the durable hub traces");
    let _ = stop.send(());
    let _ = server.await;
}
