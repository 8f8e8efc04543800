//! The demo story itself: it loads (and loads only once), each persona
//! sees what the README says they see under the agreement and the demo
//! grants, and the banner's printed tokens work. The only tests that load
//! the demo on purpose; every other test builds its own situation with
//! `crate::fixtures`.

use std::collections::BTreeSet;

use api::demo::{AMIRA, CHLOE, JAYDEN, POPPY};
use serde_json::json;
use uuid::Uuid;

use crate::consent::{CHILD, access};
use crate::helpers::*;

/// Every section of the record with the GraphQL scope it belongs to.
const SECTIONS: [(&str, &str); 13] = [
    ("identity", "IDENTITY"),
    ("family", "FAMILY"),
    ("allAboutMe", "ALL_ABOUT_ME"),
    ("education", "EDUCATION"),
    ("senNeeds", "SEN_NEEDS"),
    ("psychology", "PSYCHOLOGY"),
    ("physicalHealth", "PHYSICAL_HEALTH"),
    ("communication", "COMMUNICATION"),
    ("sensoryPhysical", "SENSORY_PHYSICAL"),
    ("mentalHealth", "MENTAL_HEALTH"),
    ("socialCare", "SOCIAL_CARE"),
    ("preparingForAdulthood", "PREPARING_FOR_ADULTHOOD"),
    ("restricted", "RESTRICTED"),
];

/// The section an involvement of this kind of service belongs to (SPEC §2:
/// an involvement takes the scope of the service).
fn involvement_section(kind: &str) -> &'static str {
    match kind {
        "SCHOOL" => "education",
        "CAMHS" => "mentalHealth",
        "SLT" => "communication",
        "OT" => "sensoryPhysical",
        "EP" => "psychology",
        "SOCIAL_CARE" => "socialCare",
        "YOUTH_JUSTICE" => "restricted",
        "HEALTH" => "physicalHealth",
        "LA_SEND" => "senNeeds",
        other => panic!("unknown agency kind {other}"),
    }
}

/// What each persona sees of each child under the default agreement and the
/// demo grants (DIRECT_SUPPORT); `None` is NOT_FOUND. Identity is statutory
/// for DIRECT_SUPPORT only where the persona's agency is `involved` with
/// the child (a legitimate relationship); what the family agreed to share
/// shows either way.
fn expected_view(persona: &str, child: Uuid, involved: bool) -> Option<Vec<&'static str>> {
    let all_but_restricted = || {
        SECTIONS
            .iter()
            .map(|(s, _)| *s)
            .filter(|s| *s != "restricted")
            .collect()
    };
    let only = |theirs: Uuid, sections: &[&'static str]| {
        let mut v = if involved { vec!["identity"] } else { vec![] };
        if child == theirs {
            v.extend_from_slice(sections);
        }
        (!v.is_empty()).then_some(v)
    };
    match persona {
        "senco" => only(
            AMIRA,
            &[
                "allAboutMe",
                "education",
                "senNeeds",
                "communication",
                "physicalHealth",
                "family",
            ],
        ),
        "camhs" => only(AMIRA, &["mentalHealth", "allAboutMe", "physicalHealth"]),
        "slt" => only(POPPY, &["communication", "allAboutMe", "education"]),
        "ot" => only(CHLOE, &["sensoryPhysical", "physicalHealth", "allAboutMe"]),
        "ep" => only(
            AMIRA,
            &["psychology", "education", "senNeeds", "allAboutMe"],
        ),
        "social-worker" => only(
            CHLOE,
            &["socialCare", "preparingForAdulthood", "allAboutMe"],
        ),
        "yot" => only(JAYDEN, &["education", "senNeeds", "allAboutMe"]),
        "health" | "case-officer" => involved.then(|| vec!["identity"]),
        "parent" => (child == AMIRA).then(all_but_restricted),
        "young-person" => (child == CHLOE).then(all_but_restricted),
        "ig-auditor" => None,
        other => panic!("no expectation for {other}"),
    }
}

#[tokio::test]
async fn each_persona_sees_exactly_what_the_agreement_and_the_demo_grants_allow() {
    let app = spawn_demo_app().await;
    let demo = api::demo::children(chrono::Utc::now().date_naive());
    let personas = [
        "senco",
        "camhs",
        "slt",
        "ot",
        "ep",
        "social-worker",
        "yot",
        "health",
        "case-officer",
        "parent",
        "young-person",
        "ig-auditor",
    ];
    let mut failures = Vec::new();
    for persona in personas {
        for child in [POPPY, AMIRA, JAYDEN, CHLOE] {
            let name = demo
                .iter()
                .find(|c| c.id == child)
                .map(|c| c.identity.given_name.clone())
                .unwrap_or_default();
            let answer = app.graphql(persona, CHILD, json!({ "id": child })).await;
            let today = chrono::Utc::now().date_naive();
            let agency = api::demo::personas()
                .into_iter()
                .find(|p| p.name == persona)
                .and_then(|p| p.agency)
                .map(|(id, _)| id);
            let involved = demo.iter().filter(|c| c.id == child).any(|c| {
                c.involvements.iter().any(|i| {
                    Some(i.agency_id) == agency
                        && i.since.is_none_or(|s| s <= today)
                        && i.until.is_none_or(|u| today <= u)
                })
            });
            let Some(visible) = expected_view(persona, child, involved) else {
                if answer.codes() != ["NOT_FOUND"] || !answer.body["data"].is_null() {
                    failures.push(format!(
                        "{persona}/{name}: expected NOT_FOUND, got {answer:?}"
                    ));
                }
                continue;
            };
            let record = &answer.body["data"]["child"];
            if !record.is_object() {
                failures.push(format!("{persona}/{name}: no record: {answer:?}"));
                continue;
            }
            let seen: BTreeSet<&str> = SECTIONS
                .iter()
                .map(|(s, _)| *s)
                .filter(|s| !record[*s].is_null())
                .collect();
            let expected: BTreeSet<&str> = visible.iter().copied().collect();
            if seen != expected {
                failures.push(format!(
                    "{persona}/{name}: sees {seen:?}, expected {expected:?}"
                ));
            }
            for (section, scope) in SECTIONS {
                let entry = access(&answer, scope);
                let error = answer.error_at(&["child", section]);
                if expected.contains(section) {
                    if error.is_some() || entry["allowed"] != true {
                        failures.push(format!(
                            "{persona}/{name}: {section} visible but error {error:?} / access {entry}"
                        ));
                    }
                    continue;
                }
                let Some(error) = error else {
                    failures.push(format!(
                        "{persona}/{name}: {section} withheld without an error"
                    ));
                    continue;
                };
                let code = &error["extensions"]["code"];
                let ok_code = code == "CONSENT_REQUIRED" || code == "NOT_PERMITTED";
                if !ok_code
                    || error["extensions"]["scope"] != scope
                    || entry["allowed"] != false
                    || entry["denial"] != *code
                {
                    failures.push(format!(
                        "{persona}/{name}: {section} error {error} / access {entry}"
                    ));
                }
            }
            // Involvements: exactly the demo's, filtered by visible scope.
            let mut listed: Vec<String> = record["involvements"]
                .as_array()
                .map(|l| {
                    l.iter()
                        .filter_map(|i| i["agencyKind"].as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            listed.sort();
            let mut wanted: Vec<String> = demo
                .iter()
                .find(|c| c.id == child)
                .map(|c| {
                    c.involvements
                        .iter()
                        .map(|i| i.agency_kind.code().to_owned())
                        .filter(|k| expected.contains(involvement_section(k)))
                        .collect()
                })
                .unwrap_or_default();
            wanted.sort();
            if listed != wanted {
                failures.push(format!(
                    "{persona}/{name}: involvements {listed:?}, expected {wanted:?}"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn the_demo_answers_with_its_printed_tokens() {
    let app = spawn_demo_app().await;
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
