use api::demo::{AMIRA, CHLOE, JAYDEN};
use serde_json::{Value, json};

use crate::helpers::*;

const ALL_SECTIONS: &str = "
  id
  identity { givenName familyName dateOfBirth nhsNumber upn postcode }
  family { fullName relationship parentalResponsibility }
  allAboutMe { whatMatters }
  education { settingName yearGroup }
  senNeeds { provision ehcPlanStatus needs { code rank } }
  psychology { advice }
  physicalHealth { conditions { name } allergies { name } medicines { name } }
  communication { profile }
  sensoryPhysical { equipment }
  mentalHealth { camhsStatus }
  socialCare { shortBreaks }
  preparingForAdulthood { employment }
  restricted { kind summary }
  involvements { agencyKind agencyName }
  access { scope allowed basis denial explanation }
";

fn child_query() -> String {
    format!("query($id: ID!) {{ child(id: $id) {{ {ALL_SECTIONS} }} }}")
}

const SECTIONS: [&str; 13] = [
    "identity",
    "family",
    "allAboutMe",
    "education",
    "senNeeds",
    "psychology",
    "physicalHealth",
    "communication",
    "sensoryPhysical",
    "mentalHealth",
    "socialCare",
    "preparingForAdulthood",
    "restricted",
];

/// Asserts exactly `visible` sections are present and every other section is
/// null with an error at its path carrying `code` and the section's scope.
fn assert_sections(answer: &Answer, root: &[&str], visible: &[&str], code: &str) {
    let mut record = &answer.body["data"];
    for key in root {
        record = &record[*key];
    }
    assert!(record.is_object(), "no record: {answer:?}");
    for section in SECTIONS {
        let value = &record[section];
        let mut path: Vec<&str> = root.to_vec();
        path.push(section);
        if visible.contains(&section) {
            assert!(!value.is_null(), "{section} should be visible: {answer:?}");
            assert!(
                answer.error_at(&path).is_none(),
                "{section} has an error: {answer:?}"
            );
        } else {
            assert!(value.is_null(), "{section} should be withheld: {answer:?}");
            let error = answer
                .error_at(&path)
                .unwrap_or_else(|| panic!("no error at {path:?}: {answer:?}"));
            assert_eq!(error["extensions"]["code"], code, "{error}");
            assert!(error["extensions"]["scope"].is_string(), "{error}");
        }
    }
}

#[tokio::test]
async fn a_parent_sees_their_childs_whole_record_except_restricted() {
    // TODO(fixtures): on the demo
    let app = spawn_demo_app().await;
    let token = app.token_for("parent");
    let answer = app
        .graphql_as(Some(&token), None, &child_query(), json!({ "id": AMIRA }))
        .await;
    let visible: Vec<&str> = SECTIONS
        .iter()
        .copied()
        .filter(|s| *s != "restricted")
        .collect();
    assert_sections(&answer, &["child"], &visible, "NOT_PERMITTED");
    let child = &answer.body["data"]["child"];
    assert_eq!(child["identity"]["givenName"], "Amira");
    assert_eq!(
        child["senNeeds"]["needs"][0],
        json!({ "code": "ASD", "rank": 1 })
    );
    assert_eq!(child["physicalHealth"]["allergies"][0]["name"], "Peanuts");
    assert_eq!(
        answer.error_at(&["child", "restricted"]).expect("error")["extensions"]["scope"],
        "RESTRICTED"
    );
    // All six services are involved and the family may see every one.
    assert_eq!(child["involvements"].as_array().map(Vec::len), Some(6));

    // Another family's child is indistinguishable from no child at all.
    let other = app
        .graphql_as(Some(&token), None, &child_query(), json!({ "id": JAYDEN }))
        .await;
    let missing = app
        .graphql_as(
            Some(&token),
            None,
            &child_query(),
            json!({ "id": uuid::Uuid::new_v4() }),
        )
        .await;
    assert_eq!(other.codes(), vec!["NOT_FOUND"], "{other:?}");
    assert_eq!(other.body, missing.body);
}

#[tokio::test]
async fn a_young_person_sees_their_own_record() {
    // TODO(fixtures): on the demo
    let app = spawn_demo_app().await;
    let token = app.token_for("young-person");
    let answer = app
        .graphql_as(Some(&token), None, &child_query(), json!({ "id": CHLOE }))
        .await;
    let visible: Vec<&str> = SECTIONS
        .iter()
        .copied()
        .filter(|s| *s != "restricted")
        .collect();
    assert_sections(&answer, &["child"], &visible, "NOT_PERMITTED");
    assert_eq!(
        answer.body["data"]["child"]["preparingForAdulthood"]["employment"]
            .as_str()
            .map(|s| s.contains("radio")),
        Some(true)
    );
    let me = app
        .graphql_as(Some(&token), None, "{ me { children { id } } }", json!({}))
        .await;
    assert_eq!(
        me.body["data"]["me"]["children"],
        json!([{ "id": CHLOE.to_string() }])
    );
    let not_mine = app
        .graphql_as(Some(&token), None, &child_query(), json!({ "id": AMIRA }))
        .await;
    assert_eq!(not_mine.codes(), vec!["NOT_FOUND"]);
}

#[tokio::test]
async fn practitioners_see_only_what_a_basis_allows() {
    // TODO(fixtures): on the demo
    let app = spawn_demo_app().await;
    // The school has no consent for Jayden: identity (public task) only.
    let answer = app
        .graphql("senco", &child_query(), json!({ "id": JAYDEN }))
        .await;
    let child = &answer.body["data"]["child"];
    assert_eq!(child["identity"]["familyName"], "Clarke", "{answer:?}");
    for section in SECTIONS.iter().filter(|s| **s != "identity") {
        assert!(child[*section].is_null(), "{section}: {answer:?}");
    }
    // Inside the agreement, the family can consent; outside it, nobody can.
    let code = |section: &str| {
        answer
            .error_at(&["child", section])
            .map(|e| e["extensions"]["code"].clone())
    };
    assert_eq!(code("education"), Some(json!("CONSENT_REQUIRED")));
    assert_eq!(code("mentalHealth"), Some(json!("NOT_PERMITTED")));
    assert_eq!(code("restricted"), Some(json!("NOT_PERMITTED")));
    // No involvement is listed: each would reveal a hidden scope.
    assert_eq!(child["involvements"], json!([]));
    let access = child["access"].as_array().expect("access");
    assert_eq!(access[0]["scope"], "IDENTITY");
    assert_eq!(access[0]["basis"], "PUBLIC_TASK");
    assert_eq!(access[3]["denial"], "CONSENT_REQUIRED");
}

#[tokio::test]
async fn practitioners_must_state_a_valid_purpose() {
    // TODO(fixtures): on the demo
    let app = spawn_demo_app().await;
    let token = app.token_for("senco");
    let none = app
        .graphql_as(Some(&token), None, &child_query(), json!({ "id": AMIRA }))
        .await;
    assert_eq!(none.codes(), vec!["BAD_USER_INPUT"], "{none:?}");
    assert!(none.message().contains("X-Purpose-Of-Use"));
    assert!(none.body["data"].is_null() || none.body["data"]["child"].is_null());
    let bad = app
        .graphql_as(
            Some(&token),
            Some("CURIOSITY"),
            &child_query(),
            json!({ "id": AMIRA }),
        )
        .await;
    assert_eq!(bad.status, 400);
    assert_eq!(bad.codes(), vec!["BAD_USER_INPUT"]);
    for purpose in [
        "DIRECT_SUPPORT",
        "EHC_ASSESSMENT",
        "ANNUAL_REVIEW",
        "SAFEGUARDING",
    ] {
        let ok = app
            .graphql_as(
                Some(&token),
                Some(purpose),
                "query($id: ID!) { child(id: $id) { identity { givenName } } }",
                json!({ "id": AMIRA }),
            )
            .await;
        assert_eq!(
            ok.body["data"]["child"]["identity"]["givenName"], "Amira",
            "{purpose}"
        );
    }
    let me = app
        .graphql_as(
            Some(&token),
            Some("ANNUAL_REVIEW"),
            "{ me { purpose } }",
            json!({}),
        )
        .await;
    assert_eq!(me.body["data"]["me"]["purpose"], "ANNUAL_REVIEW");
}

#[tokio::test]
async fn ig_staff_and_strangers_see_no_record_content() {
    // TODO(fixtures): on the demo
    let app = spawn_demo_app().await;
    let ig = app
        .graphql("ig-auditor", &child_query(), json!({ "id": AMIRA }))
        .await;
    assert_eq!(ig.codes(), vec!["NOT_FOUND"], "{ig:?}");
    assert!(!ig.body.to_string().contains("Amira"));
    // A signed-in person with no role that relates them to the child.
    let mut stranger = app.claims_for("parent");
    stranger["person_id"] = json!("someone-else");
    let answer = app
        .graphql_as(
            Some(&app.hs256(&stranger)),
            None,
            &child_query(),
            json!({ "id": AMIRA }),
        )
        .await;
    assert_eq!(answer.codes(), vec!["NOT_FOUND"]);
    let mut no_roles = app.claims_for("senco");
    no_roles["roles"] = json!(["offline_access"]);
    let answer = app
        .graphql_as(
            Some(&app.hs256(&no_roles)),
            Some("DIRECT_SUPPORT"),
            &child_query(),
            json!({ "id": AMIRA }),
        )
        .await;
    assert_eq!(answer.codes(), vec!["NOT_FOUND"]);
}

#[tokio::test]
async fn withheld_fields_stay_withheld_through_aliases_fragments_and_batches() {
    // TODO(fixtures): on the demo
    let app = spawn_demo_app().await;
    let query = r#"
        fragment Edu on Education { settingName yearGroup }
        fragment Whole on ChildRecord { education { ...Edu } }
        query Sneaky($id: ID!) {
          a: child(id: $id) { school: education { ...Edu } ...Whole ... on ChildRecord { mh: mentalHealth { camhsStatus } } }
          b: child(id: $id) { identity { givenName } fam: family { fullName } }
          me { children { allAboutMe { whatMatters } } }
        }"#;
    // SLT's consent for Amira was withdrawn: identity only.
    let answer = app.graphql("slt", query, json!({ "id": AMIRA })).await;
    let text = answer.body.to_string();
    for secret in ["Riverside", "Year 4", "WAITING", "Sara Khan", "Biscuit"] {
        assert!(!text.contains(secret), "{secret} leaked: {answer:?}");
    }
    for path in [
        ["a", "school"],
        ["a", "education"],
        ["a", "mh"],
        ["b", "fam"],
    ] {
        let error = answer
            .error_at(&path)
            .unwrap_or_else(|| panic!("no error at {path:?}: {answer:?}"));
        // Education and family: the family could consent; mental health: never for SLT.
        let expected = if path[1] == "mh" {
            "NOT_PERMITTED"
        } else {
            "CONSENT_REQUIRED"
        };
        assert_eq!(error["extensions"]["code"], expected, "{path:?}");
    }
    assert_eq!(answer.body["data"]["b"]["identity"]["givenName"], "Amira");
    assert_eq!(answer.body["data"]["me"]["children"], json!([]));

    // The same through a batch of two operations.
    let token = app.token_for("slt");
    let batch = json!([
        { "query": "query($id: ID!) { child(id: $id) { mentalHealth { camhsStatus } } }", "variables": { "id": AMIRA } },
        { "query": "query($id: ID!) { child(id: $id) { x: socialCare { shortBreaks } } }", "variables": { "id": AMIRA } },
    ]);
    let answer = app
        .post_json(Some(&token), Some("DIRECT_SUPPORT"), &batch)
        .await;
    let text = answer.body.to_string();
    assert!(
        !text.contains("WAITING") && !text.contains("Saturday club"),
        "{answer:?}"
    );
    assert_eq!(
        answer.body[0]["errors"][0]["extensions"]["code"],
        "NOT_PERMITTED"
    );
    assert_eq!(
        answer.body[1]["errors"][0]["extensions"]["scope"],
        "SOCIAL_CARE"
    );
}

const REGISTER: &str = "mutation($input: RegisterChildInput!) {
  registerChild(input: $input) { id identity { givenName nhsNumber upn postcode dateOfBirth } }
}";

fn new_child(nhs: &str, upn: &str) -> Value {
    json!({ "input": {
        "givenName": "Test", "familyName": "Child", "dateOfBirth": "2018-05-01",
        "nhsNumber": nhs, "upn": upn, "postcode": "ns1 2ab"
    }})
}

#[tokio::test]
async fn case_officers_register_children_with_checked_identifiers() {
    // TODO(fixtures): on the demo
    let app = spawn_demo_app().await;
    let ok = app
        .graphql(
            "case-officer",
            REGISTER,
            new_child("943 476 5919", "B801200005001"),
        )
        .await;
    let identity = &ok.body["data"]["registerChild"]["identity"];
    assert_eq!(identity["nhsNumber"], "9434765919", "{ok:?}");
    assert_eq!(identity["upn"], "B801200005001");
    assert_eq!(identity["postcode"], "NS1 2AB");
    assert_eq!(identity["dateOfBirth"], "2018-05-01");

    for (nhs, upn, field, words) in [
        ("9434765918", "", "nhsNumber", "check digit"),
        ("12345", "", "nhsNumber", "10 digits"),
        ("", "C801200005001", "upn", "check letter"),
        ("", "B80120000500", "upn", "13 characters"),
        ("943 476 5919", "", "nhsNumber", "already registered"),
    ] {
        let answer = app
            .graphql("case-officer", REGISTER, new_child(nhs, upn))
            .await;
        assert_eq!(answer.codes(), vec!["BAD_USER_INPUT"], "{answer:?}");
        assert_eq!(
            answer.body["errors"][0]["extensions"]["field"], field,
            "{answer:?}"
        );
        assert!(answer.message().contains(words), "{answer:?}");
    }
    let mut future = new_child("", "");
    future["input"]["dateOfBirth"] = json!("2999-01-01");
    let answer = app.graphql("case-officer", REGISTER, future).await;
    assert_eq!(
        answer.body["errors"][0]["extensions"]["field"], "dateOfBirth",
        "{answer:?}"
    );
    let mut bad_date = new_child("", "");
    bad_date["input"]["dateOfBirth"] = json!("01/05/2018");
    let answer = app.graphql("case-officer", REGISTER, bad_date).await;
    assert!(answer.message().contains("YYYY-MM-DD"), "{answer:?}");

    // Only an LA SEND case officer may register.
    for persona in ["senco", "parent", "ig-auditor"] {
        let answer = app.graphql(persona, REGISTER, new_child("", "")).await;
        assert_eq!(answer.codes(), vec!["FORBIDDEN"], "{persona}: {answer:?}");
    }
}

#[tokio::test]
async fn finding_a_child_by_nhs_number_needs_the_date_of_birth_too() {
    // TODO(fixtures): on the demo
    let app = spawn_demo_app().await;
    let ok = app
        .graphql("case-officer", REGISTER, new_child("9434765919", ""))
        .await;
    let id = ok.body["data"]["registerChild"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let find =
        "query($n: String!, $d: Date!) { childByNhsNumber(nhsNumber: $n, dateOfBirth: $d) { id } }";
    let found = app
        .graphql(
            "senco",
            find,
            json!({ "n": "943 476 5919", "d": "2018-05-01" }),
        )
        .await;
    assert_eq!(
        found.body["data"]["childByNhsNumber"]["id"], id,
        "{found:?}"
    );
    let wrong_dob = app
        .graphql(
            "senco",
            find,
            json!({ "n": "9434765919", "d": "2018-05-02" }),
        )
        .await;
    assert_eq!(wrong_dob.codes(), vec!["NOT_FOUND"]);
    let malformed = app
        .graphql(
            "senco",
            find,
            json!({ "n": "9434765918", "d": "2018-05-01" }),
        )
        .await;
    assert_eq!(malformed.codes(), vec!["BAD_USER_INPUT"]);
    assert_eq!(
        malformed.body["errors"][0]["extensions"]["field"],
        "nhsNumber"
    );
    let ig = app
        .graphql(
            "ig-auditor",
            find,
            json!({ "n": "9434765919", "d": "2018-05-01" }),
        )
        .await;
    assert_eq!(ig.codes(), vec!["NOT_FOUND"], "{ig:?}");
}

#[tokio::test]
async fn linking_a_parent_with_parental_responsibility_opens_the_record_to_them() {
    // TODO(fixtures): on the demo
    let app = spawn_demo_app().await;
    let ok = app
        .graphql("case-officer", REGISTER, new_child("", ""))
        .await;
    let id = ok.body["data"]["registerChild"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let link = "mutation($c: ID!, $i: LinkFamilyMemberInput!) { linkFamilyMember(childId: $c, input: $i) { id fullName parentalResponsibility } }";
    let mut parent = app.claims_for("parent");
    parent["person_id"] = json!("person-new-dad");
    let token = app.hs256(&parent);
    let read = "query($id: ID!) { child(id: $id) { identity { givenName } family { fullName relationship } } }";
    let before = app
        .graphql_as(Some(&token), None, read, json!({ "id": id }))
        .await;
    assert_eq!(before.codes(), vec!["NOT_FOUND"]);

    let missing_evidence = json!({ "c": id, "i": {
        "fullName": "Alex Child", "relationship": "FATHER", "parentalResponsibility": true,
        "personId": "person-new-dad", "contactPreference": "EMAIL", "email": "alex@example.org" } });
    let answer = app
        .graphql("case-officer", link, missing_evidence.clone())
        .await;
    assert_eq!(
        answer.body["errors"][0]["extensions"]["field"], "prEvidence",
        "{answer:?}"
    );
    let mut with_evidence = missing_evidence;
    with_evidence["i"]["prEvidence"] = json!("Birth registration");
    let answer = app
        .graphql("case-officer", link, with_evidence.clone())
        .await;
    assert_eq!(
        answer.body["data"]["linkFamilyMember"]["parentalResponsibility"], true,
        "{answer:?}"
    );
    let after = app
        .graphql_as(Some(&token), None, read, json!({ "id": id }))
        .await;
    assert_eq!(
        after.body["data"]["child"]["family"][0]["relationship"], "FATHER",
        "{after:?}"
    );

    let senco = app.graphql("senco", link, with_evidence.clone()).await;
    assert_eq!(senco.codes(), vec!["FORBIDDEN"]);
    let mut unknown_child = with_evidence;
    unknown_child["c"] = json!(uuid::Uuid::new_v4());
    let answer = app.graphql("case-officer", link, unknown_child).await;
    assert_eq!(answer.codes(), vec!["NOT_FOUND"]);
}
