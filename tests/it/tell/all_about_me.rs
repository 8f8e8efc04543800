use consent::Purpose;
use domain::{Relationship, Scope};
use serde_json::{Value, json};
use uuid::Uuid;

use super::*;
use crate::helpers::*;

const PARENT_PERSON: &str = "parent-1";
const YOUNG_PERSON: &str = "yp-chloe";

fn aam_history() -> String {
    format!("query($c: ID!) {{ allAboutMeHistory(childId: $c) {{ {AAM_FIELDS} }} }}")
}

const READ_AAM: &str = "query($id: ID!) { child(id: $id) {
  allAboutMe { whatMatters howToSupport aspirations history } } }";

/// A young person signed in as `person_id` (role young_person).
fn young_person_token(app: &TestApp, person_id: &str) -> String {
    let mut claims = app.young_person(person_id).claims();
    claims["sub"] = json!(format!("test-{person_id}"));
    app.hs256(&claims)
}

/// A version without its time: the hub returns the time it wrote, and the
/// database may keep it at a coarser precision.
fn without_time(version: &Value) -> Value {
    let mut v = version.clone();
    if let Some(o) = v.as_object_mut() {
        o.remove("writtenAt");
    }
    v
}

fn versions_without_time(history: &[Value]) -> Vec<Value> {
    history.iter().map(without_time).collect()
}

async fn history_of(app: &TestApp, token: &str, child: Uuid) -> Vec<Value> {
    let answer = app
        .graphql_as(Some(token), None, &aam_history(), json!({ "c": child }))
        .await;
    ok(&answer, "allAboutMeHistory")
        .as_array()
        .expect("a list")
        .clone()
}

/// The parents of a child aged 9, both with parental responsibility, write
/// "all about me" twice: both versions are kept with who wrote them; the
/// record shows the latest to the family and to an agency with consent
/// (CAMHS), and withholds it from one whose consent was withdrawn (SLT).
#[tokio::test]
async fn all_about_me_keeps_every_version_and_is_read_under_consent() {
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let amira = app
        .child()
        .aged(9)
        .with_parent(PARENT_PERSON)
        .with_parent_as("father-1", Relationship::Father)
        .create()
        .await;
    // CAMHS and SLT work with Amira (a direct-support read needs a current
    // involvement; without one, SLT would not find her at all once its
    // consent is withdrawn).
    involve_team(&app, amira.id, &[CAMHS, SLT]).await;
    let parent = team.get("parent");
    parent
        .grant(&amira)
        .to(&team.camhs)
        .scopes([Scope::AllAboutMe, Scope::MentalHealth])
        .purposes([Purpose::DirectSupport])
        .create()
        .await;
    let to_slt = parent
        .grant(&amira)
        .to(&team.slt)
        .scopes([Scope::AllAboutMe, Scope::Communication])
        .purposes([Purpose::DirectSupport])
        .create()
        .await;
    let withdrawn = parent
        .graphql(
            "mutation($id: ID!) { withdrawConsent(grantId: $id) { event } }",
            json!({ "id": to_slt }),
        )
        .await;
    assert_eq!(ok(&withdrawn, "withdrawConsent")["event"], "WITHDRAWN");
    let amira_id = amira.id;
    let mother = parent.token();
    let before = history_of(&app, &mother, amira_id).await.len();

    let first = team
        .call(
            "parent",
            &update_aam(),
            json!({ "c": amira_id, "i": aam_input(1) }),
        )
        .await;
    let first = ok(&first, "updateAllAboutMe");
    assert_eq!(first["version"], before + 1);
    assert_eq!(first["writtenBy"], PARENT_PERSON);
    assert_eq!(first["writtenAs"], "PARENT");
    assert_eq!(first["whatMatters"], aam_input(1)["whatMatters"]);
    assert!(first["writtenAt"].is_string());

    // Her father also holds parental responsibility.
    let father = family_token(&app, "father-1");
    let second = app
        .graphql_as(
            Some(&father),
            None,
            &update_aam(),
            json!({ "c": amira_id, "i": aam_input(2) }),
        )
        .await;
    let second = ok(&second, "updateAllAboutMe");
    assert_eq!(second["version"], before + 2);
    assert_eq!(second["writtenBy"], "father-1");
    assert_eq!(second["writtenAs"], "PARENT");

    let history = history_of(&app, &mother, amira_id).await;
    assert_eq!(history.len(), before + 2, "{history:?}");
    assert_eq!(
        without_time(&history[before]),
        without_time(&first),
        "the first version is kept as written"
    );
    assert_eq!(without_time(&history[before + 1]), without_time(&second));
    // The father sees the same history.
    assert_eq!(history_of(&app, &father, amira_id).await, history);

    let latest = json!({
        "whatMatters": aam_input(2)["whatMatters"], "howToSupport": aam_input(2)["howToSupport"],
        "aspirations": aam_input(2)["aspirations"], "history": aam_input(2)["history"],
    });
    let read = team
        .call("parent", READ_AAM, json!({ "id": amira_id }))
        .await;
    assert_eq!(ok(&read, "child")["allAboutMe"], latest, "{read:?}");
    // CAMHS has Amira's mother's consent for ALL_ABOUT_ME: the same words.
    let read = team
        .call("camhs", READ_AAM, json!({ "id": amira_id }))
        .await;
    assert_eq!(ok(&read, "child")["allAboutMe"], latest, "{read:?}");
    // SLT's consent was withdrawn: withheld, and none of the words leak.
    let read = team.call("slt", READ_AAM, json!({ "id": amira_id })).await;
    assert!(
        read.body["data"]["child"]["allAboutMe"].is_null(),
        "{read:?}"
    );
    let error = read
        .error_at(&["child", "allAboutMe"])
        .unwrap_or_else(|| panic!("no error at allAboutMe: {read:?}"));
    assert_eq!(error["extensions"]["code"], "CONSENT_REQUIRED");
    assert_eq!(error["extensions"]["scope"], "ALL_ABOUT_ME");
    assert!(!read.body.to_string().contains(MARK), "{read:?}");

    // Someone with no link to Amira can neither write nor read the history;
    // nor can a practitioner write the family's words.
    let stranger = family_token(&app, "person-stranger");
    let answer = app
        .graphql_as(
            Some(&stranger),
            None,
            &update_aam(),
            json!({ "c": amira_id, "i": aam_input(3) }),
        )
        .await;
    refused(&answer, "updateAllAboutMe", "NOT_FOUND");
    let answer = app
        .graphql_as(
            Some(&stranger),
            None,
            &aam_history(),
            json!({ "c": amira_id }),
        )
        .await;
    refused(&answer, "allAboutMeHistory", "NOT_FOUND");
    assert!(!answer.body.to_string().contains(MARK));
    let answer = team
        .call(
            "camhs",
            &update_aam(),
            json!({ "c": amira_id, "i": aam_input(3) }),
        )
        .await;
    assert!(
        answer.body["data"].is_null() || answer.body["data"]["updateAllAboutMe"].is_null(),
        "{answer:?}"
    );
    assert!(
        matches!(answer.codes().as_slice(), [c] if c == "NOT_FOUND" || c == "FORBIDDEN"),
        "{answer:?}"
    );
    let unknown = team
        .call(
            "parent",
            &update_aam(),
            json!({ "c": Uuid::new_v4(), "i": aam_input(3) }),
        )
        .await;
    refused(&unknown, "updateAllAboutMe", "NOT_FOUND");
    // Text is checked.
    let mut bad = aam_input(3);
    bad["whatMatters"] = json!("bell\u{7}");
    let answer = team
        .call("parent", &update_aam(), json!({ "c": amira_id, "i": bad }))
        .await;
    bad_input(&answer, "updateAllAboutMe", "whatMatters");
    assert_eq!(
        history_of(&app, &mother, amira_id).await,
        history,
        "nothing refused was kept"
    );
}

/// The young person writes their own views, whatever their age: Chloe at
/// 17, and a 10-year-old alongside their mother. After the hand-over at 16,
/// Chloe's mother no longer writes for her.
#[tokio::test]
async fn young_people_write_their_own_views_at_any_age() {
    let app = spawn_app().await;
    let chloe_child = app
        .child()
        .aged(17)
        .signs_in_as(YOUNG_PERSON)
        .with_parent("mum-chloe")
        .create()
        .await;
    app.child()
        .aged(9)
        .with_parent(PARENT_PERSON)
        .create()
        .await;
    let chloe_id = chloe_child.id;
    let chloe_persona = app.young_person(YOUNG_PERSON);
    let amiras_mother = app.family_member(PARENT_PERSON);
    let chloe = chloe_persona.token();
    let before = history_of(&app, &chloe, chloe_id).await.len();
    let written = chloe_persona.graphql(
        &update_aam(),
        json!({ "c": chloe_id, "i": { "whatMatters": format!("Ask me, not my mum ({MARK}).") } }),
    )
    .await;
    let written = ok(&written, "updateAllAboutMe");
    assert_eq!(written["writtenAs"], "YOUNG_PERSON");
    assert_eq!(written["writtenBy"], YOUNG_PERSON);
    assert_eq!(written["version"], before + 1);
    let history = history_of(&app, &chloe, chloe_id).await;
    assert_eq!(
        history.last().map(without_time),
        Some(without_time(&written))
    );
    let read = chloe_persona
        .graphql(READ_AAM, json!({ "id": chloe_id }))
        .await;
    assert_eq!(
        ok(&read, "child")["allAboutMe"]["whatMatters"],
        written["whatMatters"]
    );
    // Amira's mother has nothing to do with Chloe's record.
    let answer = amiras_mother
        .graphql(&aam_history(), json!({ "c": chloe_id }))
        .await;
    refused(&answer, "allAboutMeHistory", "NOT_FOUND");
    // Chloe's mother, past the hand-over, does not write for her.
    let rhian = family_token(&app, "mum-chloe");
    let answer = app
        .graphql_as(
            Some(&rhian),
            None,
            &update_aam(),
            json!({ "c": chloe_id, "i": aam_input(9) }),
        )
        .await;
    refused(&answer, "updateAllAboutMe", "NOT_FOUND");
    assert_eq!(history_of(&app, &chloe, chloe_id).await, history);

    // A 10-year-old and their mother.
    let child = app
        .child()
        .aged(10)
        .signs_in_as("person-yp-ten")
        .with_parent("person-mum-ten")
        .create()
        .await
        .id;
    let young = young_person_token(&app, "person-yp-ten");
    let mum = family_token(&app, "person-mum-ten");
    let own = app
        .graphql_as(
            Some(&young),
            None,
            &update_aam(),
            json!({ "c": child, "i": { "whatMatters": "Football and my dog." } }),
        )
        .await;
    let own = ok(&own, "updateAllAboutMe");
    assert_eq!(
        (&own["version"], &own["writtenAs"], &own["writtenBy"]),
        (&json!(1), &json!("YOUNG_PERSON"), &json!("person-yp-ten"))
    );
    let parents = app
        .graphql_as(
            Some(&mum),
            None,
            &update_aam(),
            json!({ "c": child, "i": { "howToSupport": "Warn him before changes." } }),
        )
        .await;
    let parents = ok(&parents, "updateAllAboutMe");
    assert_eq!(
        (
            &parents["version"],
            &parents["writtenAs"],
            &parents["writtenBy"]
        ),
        (&json!(2), &json!("PARENT"), &json!("person-mum-ten"))
    );
    let history = history_of(&app, &young, child).await;
    assert_eq!(
        versions_without_time(&history),
        vec![without_time(&own), without_time(&parents)]
    );
    assert_eq!(history_of(&app, &mum, child).await, history);
    // Another young person's token does not reach this record.
    let other = young_person_token(&app, "person-yp-other");
    let answer = app
        .graphql_as(Some(&other), None, &aam_history(), json!({ "c": child }))
        .await;
    refused(&answer, "allAboutMeHistory", "NOT_FOUND");
}
