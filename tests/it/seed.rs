//! Synthetic data (`tellonce seed`): the tables hold what was planned, the
//! same seed writes the same children, the trace stays one valid chain
//! ending in an IMPORT entry, a seeded partner token reads one of its
//! children over HTTP, and a database with a child, or tokens outside
//! development mode, are refused with nothing written.

use api::seed_cli::{Refused, SeedArgs, Seeded, seed_store};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};
use store::entities::{
    access_trace, agency, child, child_profile, consent_grant, consent_grant_scope,
    consent_withdrawal, family_member, involvement,
};

use crate::helpers::{TempDir, TestApp, spawn_app};

fn args(children: u64, seed: u64) -> SeedArgs {
    SeedArgs {
        children,
        seed,
        grants_per_child: 3,
        involvements_per_child: 2,
        trace_per_child: 5,
        tokens: None,
        batch: 7,
    }
}

async fn seed(app: &TestApp, args: &SeedArgs) -> anyhow::Result<Seeded> {
    seed_store(&app.store, &app.settings, args, &mut |_| {}).await
}

async fn count<E: EntityTrait>(app: &TestApp) -> u64
where
    E::Model: Sync,
{
    E::find()
        .count(app.store.connection())
        .await
        .expect("count")
}

/// The children's ids and names, sorted.
async fn children(app: &TestApp) -> Vec<(uuid::Uuid, String, String)> {
    let mut all: Vec<_> = child::Entity::find()
        .all(app.store.connection())
        .await
        .expect("children")
        .into_iter()
        .map(|c| (c.id, c.given_name, c.family_name))
        .collect();
    all.sort();
    all
}

#[tokio::test]
async fn the_tables_hold_what_was_planned_and_the_chain_verifies() {
    let app = spawn_app().await;
    let before = count::<access_trace::Entity>(&app).await;
    let seeded = seed(&app, &args(50, 1)).await.expect("seeded");
    let r = &seeded.report;
    assert_eq!(r.children, 50);
    assert_eq!(count::<child::Entity>(&app).await, 50);
    assert_eq!(count::<child_profile::Entity>(&app).await, 50);
    assert_eq!(count::<involvement::Entity>(&app).await, 100);
    assert_eq!(count::<consent_grant::Entity>(&app).await, 150);
    assert_eq!(count::<family_member::Entity>(&app).await, r.family_members);
    assert_eq!(count::<consent_withdrawal::Entity>(&app).await, r.withdrawn);
    assert!(r.withdrawn > 0 && r.expired > 0, "{r:?}");
    assert!(count::<consent_grant_scope::Entity>(&app).await >= 150);
    // Three agencies of each of the nine kinds, and the marker.
    assert_eq!(count::<agency::Entity>(&app).await, 28);
    assert!(
        agency::Entity::find_by_id(store::seed::SEED_MARKER)
            .one(app.store.connection())
            .await
            .expect("marker")
            .is_some()
    );
    // Five entries per child, then the IMPORT entry.
    assert_eq!(count::<access_trace::Entity>(&app).await, before + 251);
    let report = app.store.verify_trace().await.expect("verify");
    assert_eq!(report.first_broken, None, "{:?}", report.problem);
    let (seq, _) = report.head.expect("a head");
    let last = access_trace::Entity::find_by_id(seq)
        .one(app.store.connection())
        .await
        .expect("read")
        .expect("the head");
    assert_eq!(last.action, "IMPORT");
    let entry: Value = serde_json::from_str(&last.entry).expect("json");
    assert_eq!(entry["details"]["synthetic"], "true");
    assert_eq!(entry["details"]["children"], "50");
    assert_eq!(entry["details"]["seed"], "1");
}

#[tokio::test]
async fn the_same_seed_writes_the_same_children() {
    let one = spawn_app().await;
    let two = spawn_app().await;
    let three = spawn_app().await;
    seed(&one, &args(20, 7)).await.expect("seeded");
    seed(&two, &args(20, 7)).await.expect("seeded");
    seed(&three, &args(20, 8)).await.expect("seeded");
    let first = children(&one).await;
    assert_eq!(first.len(), 20);
    assert_eq!(first, children(&two).await);
    assert_ne!(first, children(&three).await);
}

#[tokio::test]
async fn a_seeded_partner_token_reads_one_of_its_children() {
    let app = spawn_app().await;
    let dir = TempDir::new();
    let path = dir.0.join("tokens.json");
    let mut a = args(50, 3);
    a.tokens = Some(path.clone());
    seed(&app, &a).await.expect("seeded");
    let file: Value =
        serde_json::from_slice(&std::fs::read(&path).expect("tokens file")).expect("json");
    assert_eq!(file["children"].as_array().map(Vec::len), Some(50));
    assert!(file["families"].as_array().is_some_and(|f| !f.is_empty()));
    assert!(file["ig"][0]["token"].is_string());
    assert!(file["expires_at"].is_string());
    let partners = file["partners"].as_array().expect("partners");
    for kind in [
        "school",
        "camhs",
        "slt",
        "ot",
        "ep",
        "social_care",
        "youth_justice",
        "health",
        "la_send",
    ] {
        assert!(partners.iter().any(|p| p["kind"] == kind), "{kind}");
    }
    // Every partner that lists EDUCATION may read, for each child listed,
    // the benchmark's small read (identity and education) in full.
    let small = "query($id: ID!) { child(id: $id) {
               identity { givenName familyName dateOfBirth }
               education { settingName settingPhase } } }";
    let mut checked = 0;
    for p in partners.iter().filter(|p| p["scope"] == "EDUCATION") {
        let token = p["token"].as_str().expect("token");
        for child in p["children"].as_array().expect("children").iter().take(3) {
            let answer = app
                .graphql_as(
                    Some(token),
                    Some("DIRECT_SUPPORT"),
                    small,
                    json!({ "id": child }),
                )
                .await;
            assert!(answer.codes().is_empty(), "{}: {}", p["kind"], answer.body);
            let data = &answer.body["data"]["child"];
            assert!(data["identity"]["givenName"].is_string(), "{}", answer.body);
            assert!(
                data["education"]["settingPhase"].is_string(),
                "{}",
                answer.body
            );
            checked += 1;
        }
    }
    let kinds: std::collections::BTreeSet<&str> = partners
        .iter()
        .filter(|p| {
            p["scope"] == "EDUCATION" && p["children"].as_array().is_some_and(|c| !c.is_empty())
        })
        .filter_map(|p| p["kind"].as_str())
        .collect();
    assert!(
        kinds.contains("school") && kinds.len() >= 3,
        "children sampled for several kinds that read education: {kinds:?}"
    );
    assert!(checked >= 9, "{checked} small reads checked");

    // Every sampled family member decides for their child: they can grant
    // and withdraw (the benchmark's consent change).
    let grant = "mutation($c: ID!) { grantConsent(input: { childId: $c, recipientAgencyKind: SCHOOL, scopes: [EDUCATION], purposes: [DIRECT_SUPPORT] }) { grantId } }";
    let withdraw = "mutation($g: ID!) { withdrawConsent(grantId: $g) { grantId } }";
    for f in file["families"].as_array().expect("families") {
        let token = f["token"].as_str().expect("token");
        let granted = app
            .graphql_as(Some(token), None, grant, json!({ "c": f["child_id"] }))
            .await;
        assert!(
            granted.codes().is_empty(),
            "{}: {}",
            f["person_id"],
            granted.body
        );
        let id = granted.body["data"]["grantConsent"]["grantId"].clone();
        let withdrawn = app
            .graphql_as(Some(token), None, withdraw, json!({ "g": id }))
            .await;
        assert!(withdrawn.codes().is_empty(), "{}", withdrawn.body);
    }
}

#[tokio::test]
async fn a_database_with_a_child_is_refused_and_left_unchanged() {
    let app = spawn_app().await;
    seed(&app, &args(5, 1)).await.expect("seeded");
    let trace = count::<access_trace::Entity>(&app).await;
    let agencies = count::<agency::Entity>(&app).await;
    let refused = seed(&app, &args(5, 2)).await.expect_err("refused");
    assert_eq!(refused.downcast_ref::<Refused>(), Some(&Refused::NotEmpty));
    assert_eq!(count::<child::Entity>(&app).await, 5);
    assert_eq!(count::<access_trace::Entity>(&app).await, trace);
    assert_eq!(count::<agency::Entity>(&app).await, agencies);
}

#[tokio::test]
async fn tokens_outside_development_mode_are_refused() {
    let mut app = spawn_app().await;
    let dir = TempDir::new();
    let mut a = args(5, 1);
    a.tokens = Some(dir.0.join("tokens.json"));
    app.settings.development = false;
    let refused = seed(&app, &a).await.expect_err("refused");
    assert_eq!(
        refused.downcast_ref::<Refused>(),
        Some(&Refused::TokensNeedDevelopment)
    );
    assert_eq!(count::<child::Entity>(&app).await, 0);
    assert!(!dir.0.join("tokens.json").exists());
    // Positive control: in development mode the same run writes them.
    app.settings.development = true;
    seed(&app, &a).await.expect("seeded");
    assert!(dir.0.join("tokens.json").exists());
}
