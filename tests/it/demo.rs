//! The demo story itself: it loads (and loads only once), each persona
//! sees what the README says they see under the agreement and the demo
//! grants, and the banner's printed tokens work. The only tests that load
//! the demo on purpose; every other test builds its own situation with
//! `crate::fixtures`.

use std::collections::BTreeSet;

use api::demo::{AMIRA, CHLOE, JAYDEN, POPPY};
use serde_json::{Value, json};
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

/// A case officer's (or IG auditor's) request with a purpose.
async fn as_council(app: &TestApp, persona: &str, purpose: Option<&str>, query: &str) -> Answer {
    let token = app.token_for(persona);
    app.graphql_as(Some(&token), purpose, query, json!({}))
        .await
}

#[tokio::test]
async fn the_demo_shows_a_plan_start_to_finish_with_its_provenance() {
    let app = spawn_demo_app().await;
    let today = chrono::Utc::now().date_naive();
    let requested = today - chrono::Duration::weeks(30);
    let query = format!(
        "{{ ehcPlan(childId: \"{AMIRA}\") {{ planId versions {{ version status issuedOn }} \
         latest {{ placement {{ name kind }} \
         sections {{ section paragraphs {{ text provision {{ what who howOften howLong }} \
         provenance {{ source profession sectionKey allAboutMeVersion writtenOn }} }} }} \
         appendices {{ title profession dated reused }} }} }} }}"
    );
    let parent = app.token_for("parent");
    let answer = app.graphql_as(Some(&parent), None, &query, json!({})).await;
    let plan = &answer.body["data"]["ehcPlan"];
    assert_eq!(
        plan["planId"],
        api::demo::AMIRA_PLAN.to_string(),
        "{answer:?}"
    );
    let week = |n: i64| (requested + chrono::Duration::weeks(n)).to_string();
    assert_eq!(
        plan["versions"],
        json!([
            { "version": 1, "status": "DRAFT", "issuedOn": week(15) },
            { "version": 2, "status": "FINAL", "issuedOn": week(19) },
        ])
    );
    let latest = &plan["latest"];
    assert_eq!(latest["placement"]["name"], "Riverside Primary School");
    // Section K: the reused advice keeps its own (earlier) date.
    let appendices = latest["appendices"].as_array().expect("appendices");
    let reused: Vec<&Value> = appendices.iter().filter(|a| a["reused"] == true).collect();
    assert_eq!(reused.len(), 1, "{appendices:?}");
    assert_eq!(reused[0]["profession"], "EDUCATIONAL_PSYCHOLOGY");
    assert!(
        reused[0]["dated"]
            .as_str()
            .is_some_and(|d| d < requested.to_string().as_str())
    );
    let fresh: BTreeSet<&str> = appendices
        .iter()
        .filter(|a| a["reused"] == false)
        .filter_map(|a| a["profession"].as_str())
        .collect();
    assert_eq!(
        fresh,
        BTreeSet::from(["SCHOOL_SETTING", "SPEECH_LANGUAGE_THERAPY"])
    );
    // Every paragraph names its source; section A is the family's own
    // words, section F the structured provision of the fresh advice.
    let sections = latest["sections"].as_array().expect("sections");
    let section = |code: &str| {
        sections
            .iter()
            .find(|s| s["section"] == code)
            .and_then(|s| s["paragraphs"].as_array())
            .cloned()
            .unwrap_or_default()
    };
    let a = section("A");
    assert!(!a.is_empty());
    assert!(a.iter().all(
        |p| p["provenance"]["source"] == "FAMILY" && p["provenance"]["allAboutMeVersion"] == 1
    ));
    let f = section("F");
    let structured: BTreeSet<&str> = f
        .iter()
        .filter(|p| p["provision"]["howOften"].is_string())
        .filter(|p| p["provenance"]["sectionKey"] == "provision")
        .filter_map(|p| p["provenance"]["profession"].as_str())
        .collect();
    assert_eq!(
        structured,
        BTreeSet::from(["SCHOOL_SETTING", "SPEECH_LANGUAGE_THERAPY"]),
        "{f:?}"
    );
    assert!(
        f.iter()
            .any(|p| p["provision"]["howOften"] == "15 hours a week")
    );
    assert!(
        sections
            .iter()
            .flat_map(|s| s["paragraphs"].as_array().cloned().unwrap_or_default())
            .all(|p| p["provenance"]["source"] != "CASE_OFFICER"
                && p["provenance"]["writtenOn"].is_string())
    );
}

#[tokio::test]
async fn the_demo_has_a_draft_with_the_family_an_overdue_review_and_a_transfer() {
    let app = spawn_demo_app().await;
    let today = chrono::Utc::now().date_naive();
    // Jayden's draft, issued 5 days ago, awaits his family's response; the
    // clock is coherent: every request answered, the checklist complete.
    let jayden = as_council(
        &app,
        "case-officer",
        Some("EHC_ASSESSMENT"),
        &format!(
            "{{ ehcPlan(childId: \"{JAYDEN}\") {{ versions {{ status issuedOn }} responses {{ id }} }} \
             assessment(childId: \"{JAYDEN}\") {{ milestones {{ milestone status }} adviceRequests {{ status }} }} \
             adviceChecklist(assessmentId: \"{}\") {{ readyForDraft }} }}",
            api::demo::JAYDEN_ASSESSMENT
        ),
    )
    .await;
    let data = &jayden.body["data"];
    assert_eq!(
        data["ehcPlan"]["versions"],
        json!([{ "status": "DRAFT", "issuedOn": (today - chrono::Duration::days(5)).to_string() }]),
        "{jayden:?}"
    );
    assert_eq!(data["ehcPlan"]["responses"], json!([]));
    assert_eq!(
        data["assessment"]["milestones"],
        json!([
            { "milestone": "DECISION_TO_ASSESS", "status": "DONE" },
            { "milestone": "DRAFT", "status": "DONE" },
            { "milestone": "FINAL_PLAN", "status": "ON_TRACK" },
        ])
    );
    let statuses: Vec<&str> = data["assessment"]["adviceRequests"]
        .as_array()
        .map(|l| l.iter().filter_map(|r| r["status"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(statuses, ["DONE", "DONE", "DONE_LATE"]);
    assert_eq!(data["adviceChecklist"]["readyForDraft"], true);
    // Chloe's imported plan: made 13 months ago, never reviewed here.
    let chloe = as_council(
        &app,
        "case-officer",
        Some("ANNUAL_REVIEW"),
        &format!(
            "{{ annualReviews(childId: \"{CHLOE}\") {{ madeOn imported current {{ dueOn status }} \
             phaseTransfer {{ kind deadline derived status }} }} }}"
        ),
    )
    .await;
    let reviews = &chloe.body["data"]["annualReviews"][0];
    let made = api::demo::chloe_plan_made(today);
    assert_eq!(reviews["madeOn"], made.to_string(), "{chloe:?}");
    assert_eq!(reviews["imported"], true);
    assert_eq!(reviews["current"]["status"], "OVERDUE");
    assert!(reviews["current"]["dueOn"].as_str() < Some(today.to_string().as_str()));
    assert_eq!(reviews["phaseTransfer"]["kind"], "POST_16_TO_POST_16");
    assert_eq!(reviews["phaseTransfer"]["derived"], false);
    assert_eq!(reviews["phaseTransfer"]["status"], "ON_TRACK");
    assert!(reviews["phaseTransfer"]["deadline"].as_str() > Some(today.to_string().as_str()));
}

#[tokio::test]
async fn the_demo_dashboard_shows_real_figures() {
    let app = spawn_demo_app().await;
    let today = chrono::Utc::now().date_naive();
    let from = today - chrono::Duration::days(364);
    let rate = "{ onTime counted }";
    let answer = as_council(
        &app,
        "ig-auditor",
        None,
        &format!(
            "{{ timeliness(from: \"{from}\", to: \"{today}\") {{ \
             finalPlansWithin20Weeks {{ includingExceptions {rate} }} \
             decisionsToAssessWithin6Weeks {rate} \
             advice {{ withinDueDate {rate} reused }} \
             adviceByAgency {{ agencyName advice {{ withinDueDate {rate} }} }} \
             annualReviewsOnTime {rate} }} }}"
        ),
    )
    .await;
    let t = &answer.body["data"]["timeliness"];
    let r = |on: i64, of: i64| json!({ "onTime": on, "counted": of });
    assert_eq!(
        t["finalPlansWithin20Weeks"]["includingExceptions"],
        r(1, 1),
        "{answer:?}"
    );
    assert_eq!(t["decisionsToAssessWithin6Weeks"], r(2, 2));
    assert_eq!(t["advice"]["withinDueDate"], r(5, 6));
    assert_eq!(t["advice"]["reused"], 2);
    let camhs = t["adviceByAgency"]
        .as_array()
        .and_then(|l| l.iter().find(|a| a["agencyName"] == "Northshire CAMHS"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(camhs["advice"]["withinDueDate"], r(0, 1));
    assert_eq!(t["annualReviewsOnTime"], r(0, 1));
}
