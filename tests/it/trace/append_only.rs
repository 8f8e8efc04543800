use serde_json::json;

use super::*;
use crate::helpers::*;

#[tokio::test]
async fn the_database_refuses_to_change_or_remove_entries() {
    let app = spawn_app().await;
    let (amira, school) = amira_and_her_school(&app).await;
    let senco = app.practitioner(&school);
    let read = senco.graphql(READ, json!({ "id": amira.id })).await;
    assert!(read.body["data"]["child"].is_object(), "{read:?}");
    let before = app.store.trace_links(0, 1_000).await.expect("links");
    assert_eq!(before.len(), 2);

    let rewrite = format!(
        "UPDATE access_trace SET entry = REPLACE(entry, '{}', 'test-other')",
        senco.subject()
    );
    let mut statements = vec![
        "UPDATE access_trace SET action = 'X' WHERE seq = 1",
        rewrite.as_str(),
        "DELETE FROM access_trace WHERE seq = 2",
        "DELETE FROM access_trace",
    ];
    if is_postgres() {
        statements.push("TRUNCATE access_trace");
    }
    for statement in statements {
        let error = sql(&app, statement)
            .await
            .expect_err(&format!("the database allowed: {statement}"));
        assert!(
            error.to_string().contains("append-only"),
            "{statement}: {error}"
        );
    }
    let after = app.store.trace_links(0, 1_000).await.expect("links");
    assert_eq!(before, after);
    assert_chain_intact(&app).await;
    let answer = app.ig_auditor().await.graphql(INTEGRITY, json!({})).await;
    let report = &answer.body["data"]["traceIntegrity"];
    assert_eq!(report["ok"], true, "{answer:?}");
}
