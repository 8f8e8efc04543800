use std::collections::BTreeSet;

use serde_json::{Value, json};
use uuid::Uuid;

use crate::fixtures::Persona;

use super::*;
use crate::helpers::*;

const HISTORY: &str = "query($id: ID!, $first: Int, $after: String) {
  accessHistory(childId: $id, first: $first, after: $after) {
    edges { cursor node { at agencyName agencyKind practitioner scopes purpose basis summary } }
    pageInfo { hasNextPage endCursor } } }";

fn strings(value: &Value) -> BTreeSet<String> {
    value
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn history_items(answer: &Answer) -> Vec<Value> {
    answer.body["data"]["accessHistory"]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("no history: {answer:?}"))
        .iter()
        .map(|e| e["node"].clone())
        .collect()
}

/// A designated safeguarding lead in the test's children's social care.
async fn safeguarding_lead(app: &TestApp) -> Persona<'_> {
    let social_care = app
        .agency(domain::AgencyKind::SocialCare)
        .named("Northshire Children's Social Care")
        .create()
        .await;
    app.practitioner(&social_care)
        .roles([consent::Role::Practitioner, consent::Role::SafeguardingLead])
}

#[tokio::test]
async fn families_see_which_agency_looked_at_what_and_why() {
    let app = spawn_app().await;
    let readers = Readers::new(&app).await;
    let (amira, jayden) = (readers.amira.id, readers.jayden.id);
    let (senco, camhs) = (&readers.senco, &readers.camhs);
    let mother = app.family_member("parent-1");
    let parent = mother.token();
    // Amira's NHS number and date of birth, as her mother sees them.
    let identity = app
        .graphql_as(
            Some(&parent),
            None,
            "query($id: ID!) { child(id: $id) { identity { nhsNumber dateOfBirth } } }",
            json!({ "id": amira }),
        )
        .await;
    let nhs = identity.body["data"]["child"]["identity"]["nhsNumber"].clone();
    let dob = identity.body["data"]["child"]["identity"]["dateOfBirth"].clone();
    assert!(nhs.is_string() && dob.is_string(), "{identity:?}");

    senco.graphql(READ, json!({ "id": amira })).await;
    camhs.graphql(READ_CAMHS, json!({ "id": amira })).await;
    senco.graphql(READ, json!({ "id": jayden })).await;
    camhs.graphql(READ_CAMHS, json!({ "id": jayden })).await;
    let found = camhs
        .graphql(
            "query($n: String!, $d: Date!) { childByNhsNumber(nhsNumber: $n, dateOfBirth: $d) { id } }",
            json!({ "n": nhs, "d": dob }),
        )
        .await;
    assert_eq!(
        found.body["data"]["childByNhsNumber"]["id"],
        amira.to_string(),
        "{found:?}"
    );
    // The IG auditor's search is not a look at the record.
    trace(&app, json!({ "childId": amira })).await;

    let history = app
        .graphql_as(Some(&parent), None, HISTORY, json!({ "id": amira }))
        .await;
    let items = history_items(&history);
    // The school's read, CAMHS's read, CAMHS's search and the read it returned.
    assert_eq!(items.len(), 4, "{history:?}");
    assert_eq!(
        history.body["data"]["accessHistory"]["pageInfo"]["hasNextPage"],
        false
    );
    for item in &items {
        assert_eq!(item["practitioner"], Value::Null, "{item}");
        assert_eq!(item["purpose"], "DIRECT_SUPPORT", "{item}");
        assert!(item["at"].is_string(), "{item}");
        let summary = item["summary"].as_str().expect("summary");
        let agency = item["agencyName"].as_str().expect("agency name");
        assert!(summary.contains(agency), "{item}");
        // Why, in the family's words, naming the purpose.
        assert!(summary.contains("to support your child"), "{item}");
        // Nothing of Jayden's, and no record values.
        assert!(!item.to_string().contains("Jayden"), "{item}");
        assert!(!item.to_string().contains("Year 4"), "{item}");
    }
    let school = &items[0];
    assert_eq!(school["agencyName"], "Riverside Primary School");
    assert_eq!(school["agencyKind"], "SCHOOL");
    // What was shown, not what was withheld.
    assert_eq!(
        strings(&school["scopes"]),
        BTreeSet::from(["EDUCATION".to_owned(), "IDENTITY".to_owned()]),
        "{school}"
    );
    assert_eq!(
        strings(&school["basis"]),
        BTreeSet::from(["CONSENT".to_owned(), "PUBLIC_TASK".to_owned()]),
        "{school}"
    );
    assert!(
        school["summary"]
            .as_str()
            .is_some_and(|s| s.contains("school and learning")
                && s.ends_with(
                    "because they work with your child and the law lets them see it, and you agreed to share it with them"
                )),
        "on what basis, in the family's words: {school}"
    );
    let camhs = &items[1];
    assert_eq!(camhs["agencyName"], "Northshire CAMHS");
    assert_eq!(
        strings(&camhs["scopes"]),
        BTreeSet::from([
            "ALL_ABOUT_ME".to_owned(),
            "IDENTITY".to_owned(),
            "MENTAL_HEALTH".to_owned()
        ]),
        "{camhs}"
    );
    assert!(
        items[2..].iter().any(|i| i["summary"]
            .as_str()
            .is_some_and(|s| s.contains("searched"))),
        "{items:#?}"
    );

    // Pages.
    let first = app
        .graphql_as(
            Some(&parent),
            None,
            HISTORY,
            json!({ "id": amira, "first": 3 }),
        )
        .await;
    assert_eq!(history_items(&first), items[..3].to_vec());
    let info = &first.body["data"]["accessHistory"]["pageInfo"];
    assert_eq!(info["hasNextPage"], true, "{first:?}");
    let rest = app
        .graphql_as(
            Some(&parent),
            None,
            HISTORY,
            json!({ "id": amira, "first": 3, "after": info["endCursor"] }),
        )
        .await;
    assert_eq!(history_items(&rest), items[3..].to_vec());
    assert_eq!(
        rest.body["data"]["accessHistory"]["pageInfo"]["hasNextPage"],
        false
    );

    // Another family's child, or none at all: the same NOT_FOUND.
    let other = app
        .graphql_as(Some(&parent), None, HISTORY, json!({ "id": jayden }))
        .await;
    let missing = app
        .graphql_as(
            Some(&parent),
            None,
            HISTORY,
            json!({ "id": Uuid::new_v4() }),
        )
        .await;
    assert_eq!(other.codes(), vec!["NOT_FOUND"], "{other:?}");
    assert_eq!(other.body, missing.body);

    // Practitioners see neither the family's history nor the IG trace.
    let history = senco.graphql(HISTORY, json!({ "id": amira })).await;
    let code = history.codes();
    assert!(
        code == vec!["NOT_FOUND"] || code == vec!["FORBIDDEN"],
        "{history:?}"
    );
    assert!(history.body["data"].is_null(), "{history:?}");
    let search = trace_query();
    let others = [
        senco.clone(),
        mother.purpose(consent::Purpose::DirectSupport),
        app.case_officer().await,
    ];
    for persona in &others {
        let who = persona.subject();
        for query in [search.as_str(), INTEGRITY] {
            let answer = persona.graphql(query, json!({})).await;
            assert_eq!(answer.codes(), vec!["FORBIDDEN"], "{who}: {answer:?}");
            assert!(answer.body["data"].is_null(), "{who}: {answer:?}");
        }
    }
}

#[tokio::test]
async fn families_see_the_practitioner_where_the_hub_is_set_to_show_them() {
    let app = spawn_app_with(|s| s.show_practitioners_to_families = true).await;
    let readers = Readers::new(&app).await;
    let amira = readers.amira.id;
    readers.senco.graphql(READ, json!({ "id": amira })).await;
    let history = app
        .family_member("parent-1")
        .graphql(HISTORY, json!({ "id": amira }))
        .await;
    let items = history_items(&history);
    assert_eq!(items.len(), 1, "{history:?}");
    assert_eq!(items[0]["practitioner"], readers.senco.subject());
}

const SAFEGUARDING_READ: &str =
    "query($id: ID!) { child(id: $id) { restricted { kind } socialCare { shortBreaks } } }";

#[tokio::test]
async fn families_are_not_shown_reads_under_an_override_kept_from_them() {
    for tell_family in [true, false] {
        // Jayden, his mother (`parent-2`), a safeguarding lead and a
        // youth justice worker.
        let app = spawn_app().await;
        let readers = Readers::new(&app).await;
        let jayden = readers.jayden.id;
        let lead = safeguarding_lead(&app).await.token();
        let youth_justice = app
            .agency(domain::AgencyKind::YouthJustice)
            .named("Northshire Youth Justice Service")
            .create()
            .await;
        // Youth justice works with Jayden (its direct-support read needs a
        // current involvement).
        app.involve(jayden, &youth_justice).await;
        let mut input = declare_input(jayden);
        if tell_family {
            input["input"]["telling"] =
                json!({ "decision": "TELL_NOW", "familyNotice": FAMILY_NOTICE });
        }
        let declared = app
            .graphql_as(Some(&lead), Some("SAFEGUARDING"), DECLARE, input)
            .await;
        assert!(declared.body["errors"].is_null(), "{declared:?}");
        let sg = app
            .graphql_as(
                Some(&lead),
                Some("SAFEGUARDING"),
                SAFEGUARDING_READ,
                json!({ "id": jayden }),
            )
            .await;
        assert!(sg.body["data"]["child"]["restricted"].is_array(), "{sg:?}");
        let yot = app
            .practitioner(&youth_justice)
            .graphql(READ, json!({ "id": jayden }))
            .await;
        assert!(yot.body["data"]["child"].is_object(), "{yot:?}");
        // IG staff see the override read.
        let overrides = trace(&app, json!({ "overridesOnly": true })).await;
        assert_eq!(overrides.len(), 1, "{overrides:#?}");

        let history = app
            .family_member("parent-2")
            .graphql(HISTORY, json!({ "id": jayden }))
            .await;
        let items = history_items(&history);
        let youth_justice = items
            .iter()
            .filter(|i| i["agencyName"] == "Northshire Youth Justice Service")
            .count();
        assert_eq!(youth_justice, 1, "tell_family {tell_family}: {items:#?}");
        let under_override: Vec<&Value> = items
            .iter()
            .filter(|i| {
                i["purpose"] == "SAFEGUARDING" || strings(&i["basis"]).contains("SAFEGUARDING")
            })
            .collect();
        if tell_family {
            assert_eq!(under_override.len(), 1, "{items:#?}");
        } else {
            assert!(
                under_override.is_empty(),
                "a read under an override withheld from the family is shown to them: {items:#?}"
            );
            assert_eq!(items.len(), 1, "{items:#?}");
        }
    }
}

/// What the holder of an override kept from the family did for
/// safeguarding stays out of the family's history, whatever its basis, and
/// paging past hidden entries still moves on.
#[tokio::test]
async fn family_history_hides_everything_an_undisclosed_override_holder_did() {
    // Amira, her mother, her school, and a safeguarding lead in children's
    // social care, whose override is kept from the family.
    let app = spawn_app().await;
    let readers = Readers::new(&app).await;
    let amira = readers.amira.id;
    let lead = safeguarding_lead(&app).await.token();
    let sg = Some("SAFEGUARDING");
    let declared = app
        .graphql_as(Some(&lead), sg, DECLARE, declare_input(amira))
        .await;
    assert!(
        declared.body["data"]["declareSafeguardingOverride"]["id"].is_string(),
        "{declared:?}"
    );
    for query in [
        "query($id: ID!) { child(id: $id) { access { scope allowed } } }",
        "query($id: ID!) { child(id: $id) { identity { givenName } } }",
        "query($id: ID!) { child(id: $id) { socialCare { shortBreaks } } }",
    ] {
        let answer = app
            .graphql_as(Some(&lead), sg, query, json!({ "id": amira }))
            .await;
        assert!(answer.body["data"]["child"].is_object(), "{answer:?}");
    }
    // A read the family should see, after the hidden ones.
    readers.senco.graphql(READ, json!({ "id": amira })).await;
    let parent = app.family_member("parent-1").token();
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    for _ in 0..10 {
        let page = app
            .graphql_as(
                Some(&parent),
                None,
                HISTORY,
                json!({ "id": amira, "first": 1, "after": after }),
            )
            .await;
        let connection = &page.body["data"]["accessHistory"];
        seen.extend(
            connection["edges"]
                .as_array()
                .expect("edges")
                .iter()
                .map(|e| e["node"].clone()),
        );
        if connection["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = connection["pageInfo"]["endCursor"]
            .as_str()
            .map(str::to_owned);
        assert!(after.is_some(), "paging stalled: {page:?}");
    }
    let text = json!(seen).to_string();
    assert!(!text.contains("Social Care"), "{text}");
    assert!(!text.contains("SAFEGUARDING"), "{text}");
    assert!(text.contains("Riverside Primary School"), "{text}");
}
