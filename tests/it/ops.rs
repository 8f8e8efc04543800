use api::demo::AMIRA;
use sea_orm::ConnectionTrait;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn health_and_readiness() {
    let app = spawn_app().await;
    assert_eq!(app.get("/healthz").await.0, 200);
    let (status, body) = app.get("/readyz").await;
    assert_eq!((status, body.contains("ready")), (200, true));
    // The database goes away: the hub stays up but is no longer ready.
    app.store
        .connection()
        .close_by_ref()
        .await
        .expect("close pool");
    let (status, body) = app.get("/readyz").await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(app.get("/healthz").await.0, 200);
}

#[tokio::test]
async fn a_failing_database_gives_a_generic_internal_error() {
    let app = spawn_app().await;
    app.store
        .connection()
        .execute_unprepared("DROP TABLE child_profile")
        .await
        .expect("drop table");
    let answer = app
        .graphql_as(
            Some(&app.token_for("parent")),
            None,
            "query($id: ID!) { child(id: $id) { allAboutMe { whatMatters } } }",
            json!({ "id": AMIRA }),
        )
        .await;
    assert_eq!(answer.codes(), vec!["INTERNAL"], "{answer:?}");
    let text = answer.body.to_string().to_lowercase();
    for leak in [
        "child_profile",
        "no such table",
        "relation",
        "select",
        "sqlx",
        "error returned from database",
    ] {
        assert!(!text.contains(leak), "'{leak}' leaked: {text}");
    }
    assert!(answer.body["data"].is_null() || answer.body["data"]["child"].is_null());
}

#[tokio::test]
async fn request_limits() {
    let app = spawn_app_with(|s| {
        s.limits.max_depth = 4;
        s.limits.max_complexity = 30;
    })
    .await;
    let token = app.token_for("parent");
    let big = vec![b' '; 1024 * 1024 + 1];
    let answer = app.post_raw(Some(&token), None, big).await;
    assert_eq!(answer.status, 413, "{answer:?}");
    assert_eq!(answer.codes(), vec!["BAD_USER_INPUT"]);

    let deep = "{ me { children { family { fullName } physicalHealth { allergies { name } } } } }";
    let answer = app.graphql_as(Some(&token), None, deep, json!({})).await;
    assert!(answer.message().contains("nested too deep"), "{answer:?}");
    let shallow = "{ me { children { id } } }";
    assert!(
        app.graphql_as(Some(&token), None, shallow, json!({}))
            .await
            .body["errors"]
            .is_null()
    );

    let wide: String = (0..40)
        .map(|i| format!("a{i}: me {{ subject }} "))
        .collect();
    let answer = app
        .graphql_as(Some(&token), None, &format!("{{ {wide} }}"), json!({}))
        .await;
    assert!(answer.message().contains("complex"), "{answer:?}");

    let batch: Vec<_> = (0..11)
        .map(|_| json!({ "query": "{ me { subject } }" }))
        .collect();
    let answer = app.post_json(Some(&token), None, &json!(batch)).await;
    assert_eq!(answer.status, 400, "{answer:?}");

    let answer = app
        .post_raw(Some(&token), None, b"{not json".to_vec())
        .await;
    assert_eq!(
        (answer.status, answer.codes()),
        (400, vec!["BAD_USER_INPUT".to_owned()])
    );
}

#[tokio::test]
async fn introspection_is_off_unless_enabled() {
    let app = spawn_app_with(|s| {
        s.development = false;
        s.introspection = false;
    })
    .await;
    let token = app.token_for("senco");
    let answer = app
        .graphql_as(
            Some(&token),
            None,
            "{ __schema { types { name } } }",
            json!({}),
        )
        .await;
    assert!(
        answer.body["data"].is_null() || answer.body["data"]["__schema"].is_null(),
        "{answer:?}"
    );
    assert!(!answer.body.to_string().contains("ChildRecord"));
    assert_eq!(app.get("/graphql").await.0, 405);

    let open = spawn_app().await;
    let answer = open
        .graphql_as(
            Some(&token_of(&open)),
            None,
            "{ __schema { queryType { name } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        answer.body["data"]["__schema"]["queryType"]["name"],
        "Query"
    );
    let (status, page) = open.get("/graphql").await;
    assert_eq!(status, 200);
    assert!(page.contains("graphiql"));
}

fn token_of(app: &TestApp) -> String {
    app.token_for("senco")
}

#[tokio::test]
async fn the_demo_answers_with_its_printed_tokens() {
    let app = spawn_app().await;
    // The banner holds a ready token per persona, signed with the app's key.
    let banner = api::demo::banner(&app.address, &app.settings.jwt).expect("banner");
    let personas = api::demo::personas();
    assert_eq!(banner.matches("TOKEN=").count(), personas.len());
    let parent_token = banner
        .lines()
        .skip_while(|l| !l.starts_with("== parent"))
        .find_map(|l| l.strip_prefix("TOKEN="))
        .expect("parent token");
    let answer = app
        .graphql_as(
            Some(parent_token),
            None,
            "{ me { children { identity { givenName } allAboutMe { whatMatters } } } }",
            json!({}),
        )
        .await;
    let children = &answer.body["data"]["me"]["children"];
    assert_eq!(children[0]["identity"]["givenName"], "Amira", "{answer:?}");
    assert!(
        children[0]["allAboutMe"]["whatMatters"]
            .as_str()
            .is_some_and(|s| s.contains("horses"))
    );
    // Loading the demo again changes nothing.
    assert!(
        !api::demo::load(&app.store, chrono::Utc::now().date_naive())
            .await
            .expect("reload")
    );
}

#[tokio::test]
async fn request_ids_are_returned() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(format!("{}/healthz", app.address))
        .send()
        .await
        .expect("sent");
    let id = response
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert_eq!(id.len(), 36, "a UUID request id");
    let _ = is_postgres();
}
