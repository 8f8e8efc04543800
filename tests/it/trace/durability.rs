use consent::Purpose;
use domain::Scope;
use serde_json::json;

use super::*;
use crate::helpers::*;

#[tokio::test]
async fn nothing_leaves_the_hub_when_its_entry_cannot_be_written() {
    // Amira's mother lets her school read her education.
    let app = spawn_app().await;
    let (amira, school) = amira_and_her_school(&app).await;
    app.family_member("parent-1")
        .grant(&amira)
        .to(&school)
        .scopes([Scope::Education, Scope::AllAboutMe])
        .purposes([Purpose::DirectSupport])
        .create()
        .await;
    let senco = app.practitioner(&school);
    let ig_auditor = app.ig_auditor().await.token();
    let amira_id = amira.id;
    let parent = app.family_member("parent-1").token();
    let read = |token: String| {
        let app = &app;
        async move {
            app.graphql_as(Some(&token), None, ALL_ABOUT_ME, json!({ "id": amira_id }))
                .await
        }
    };
    let before = read(parent.clone()).await;
    assert!(before.body.to_string().contains("Biscuit"), "{before:?}");
    let stored = app.store.trace_links(0, 1_000).await.expect("links").len();

    sql(&app, "ALTER TABLE access_trace RENAME TO access_trace_away")
        .await
        .expect("move the trace away");

    let failed = read(parent.clone()).await;
    assert_eq!(failed.status, 500, "{failed:?}");
    assert_eq!(failed.codes(), vec!["INTERNAL"], "{failed:?}");
    let text = failed.body.to_string();
    for leak in ["Biscuit", "horses", "access_trace", "SELECT", "INSERT"] {
        assert!(!text.contains(leak), "{leak} in {text}");
    }
    assert!(failed.body["data"].is_null(), "{failed:?}");

    // The same through `me`, for a practitioner, for a search and a batch.
    let me = app
        .graphql_as(
            Some(&parent),
            None,
            "{ me { children { allAboutMe { whatMatters } } } }",
            json!({}),
        )
        .await;
    assert_eq!(me.status, 500, "{me:?}");
    assert!(!me.body.to_string().contains("Biscuit"), "{me:?}");
    let senco_read = senco.graphql(READ, json!({ "id": amira_id })).await;
    assert_eq!(senco_read.status, 500, "{senco_read:?}");
    assert!(
        !senco_read.body.to_string().contains("Year 4"),
        "{senco_read:?}"
    );
    let batch = app
        .post_json(
            Some(&parent),
            None,
            &json!([
                { "query": "{ me { subject } }" },
                { "query": ALL_ABOUT_ME, "variables": { "id": amira_id } },
            ]),
        )
        .await;
    assert_eq!(batch.status, 500, "{batch:?}");
    assert!(!batch.body.to_string().contains("Biscuit"), "{batch:?}");

    // A change whose entry cannot be written does not happen.
    let granted = app
        .graphql_as(Some(&parent), None, GRANT, health_grant(amira_id))
        .await;
    assert_eq!(granted.codes(), vec!["INTERNAL"], "{granted:?}");
    assert!(granted.body["data"].is_null(), "{granted:?}");
    // Refused tokens and exports fail closed as well.
    let expired = app
        .graphql_as(
            Some(&expired(&app, senco.claims())),
            None,
            READ,
            json!({ "id": amira_id }),
        )
        .await;
    assert_eq!(expired.status, 500, "{expired:?}");
    let (status, _, body) = export(&app, Some(&ig_auditor), "").await;
    assert_eq!(status, 500, "{body}");

    sql(&app, "ALTER TABLE access_trace_away RENAME TO access_trace")
        .await
        .expect("put the trace back");
    assert_eq!(
        app.store.trace_links(0, 1_000).await.expect("links").len(),
        stored,
        "nothing was recorded while the trace was away"
    );
    assert_chain_intact(&app).await;

    // The grant never happened; the hub answers again.
    let consents = app
        .graphql_as(
            Some(&parent),
            None,
            "query($id: ID!) { consents(childId: $id) { recipientAgencyKind scopes } }",
            json!({ "id": amira_id }),
        )
        .await;
    let health_grants = consents.body["data"]["consents"]
        .as_array()
        .unwrap_or_else(|| panic!("no consents: {consents:?}"))
        .iter()
        .filter(|c| c["recipientAgencyKind"] == "HEALTH")
        .count();
    assert_eq!(health_grants, 0, "{consents:?}");
    let again = read(parent).await;
    assert!(again.body.to_string().contains("Biscuit"), "{again:?}");
}
