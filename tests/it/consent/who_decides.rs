//! Who decides, scope by scope, as the people involved meet it (LAW.md §2):
//! a Gillick-competent 15-year-old decides about his own CAMHS information
//! and his mother neither decides nor sees it; a parent acts only under a
//! current LACKS_CAPACITY assessment for that decision; the young person
//! sees an assessment about them and challenges it; parental responsibility
//! that ended or is limited gives no authority.

use chrono::Duration;
use domain::{AgencyKind, CamhsStatus};
use serde_json::{Value, json};
use uuid::Uuid;

use super::*;
use crate::fixtures::Child;
use crate::helpers::*;

const COMPETENCE: &str = "mutation($input: CompetenceInput!) {
  recordCompetence(input: $input) { id competent scopes notForParents assessorRole }
}";

const CAPACITY: &str = "mutation($input: CapacityAssessmentInput!) {
  recordCapacityAssessment(input: $input) { id outcome scopes status }
}";

const PR: &str = "mutation($input: ParentalResponsibilityInput!) {
  recordParentalResponsibility(input: $input) { id personId source current limit limitedScopes }
}";

const CHALLENGE: &str = "mutation($c: ID!, $a: ID!, $r: String!) {
  challengeCapacityAssessment(childId: $c, assessmentId: $a, reason: $r) { id status challenges { reason } }
}";

const WHO_DECIDES: &str = "query($id: ID!) { whoDecides(childId: $id) {
  parentalResponsibility { personId source current }
  competence { scopes notForParents }
  capacityAssessments { id outcome scopes reasons status challenges { reason } }
  authority { scope decidedBy rule }
} }";

fn grant_input(child: Uuid, kind: &str, scopes: &[&str]) -> Value {
    json!({
        "childId": child,
        "recipientAgencyKind": kind,
        "scopes": scopes,
        "purposes": ["DIRECT_SUPPORT"],
    })
}

/// Sam, 15 (`sam-15`), his mother (`mum-15`) holds parental
/// responsibility; CAMHS is involved and has him on its caseload.
async fn sam_aged_15(app: &TestApp, camhs: &crate::fixtures::Agency) -> Child {
    app.child()
        .aged(15)
        .signs_in_as("sam-15")
        .with_parent("mum-15")
        .involving(camhs)
        .with_record(|r| {
            r.mental_health.camhs_status = Some(CamhsStatus::Open);
            r.education.setting_name = Some("Hillside Academy".into());
        })
        .create()
        .await
}

fn competence_input(
    app: &TestApp,
    child: Uuid,
    scopes: &[&str],
    not_for_parents: &[&str],
) -> Value {
    json!({ "input": {
        "childId": child,
        "assessorRole": "CAMHS clinical psychologist",
        "assessedOn": app.today().to_string(),
        "competent": true,
        "scopes": scopes,
        "notForParents": not_for_parents,
        "reasons": "understands his treatment, its risks, and who would see his notes",
    } })
}

#[tokio::test]
async fn a_competent_15_year_old_decides_about_his_camhs_information_and_his_mother_cannot() {
    let app = spawn_app().await;
    let camhs = app.agency(AgencyKind::Camhs).create().await;
    let school = app.agency(AgencyKind::School).create().await;
    let sam = sam_aged_15(&app, &camhs).await;
    let mother = family_token(&app, "mum-15");
    let sam_token = app.young_person("sam-15").token();
    let mental_health = grant_input(sam.id, "CAMHS", &["MENTAL_HEALTH"]);

    // Before any competence decision his mother decides, and he cannot.
    let own = grant(&app, &sam_token, mental_health.clone()).await;
    assert_eq!(own.codes(), vec!["FORBIDDEN"], "{own:?}");
    assert!(own.message().contains("Gillick"), "{own:?}");

    // A school cannot record competence; a CAMHS practitioner can.
    let by_school = app
        .practitioner(&school)
        .graphql(
            COMPETENCE,
            competence_input(&app, sam.id, &["MENTAL_HEALTH"], &[]),
        )
        .await;
    assert_eq!(by_school.codes(), vec!["FORBIDDEN"], "{by_school:?}");
    assert!(
        by_school.message().contains("health practitioner"),
        "{by_school:?}"
    );
    let recorded = app
        .practitioner(&camhs)
        .graphql(
            COMPETENCE,
            competence_input(&app, sam.id, &["MENTAL_HEALTH"], &["MENTAL_HEALTH"]),
        )
        .await;
    let decision = &recorded.body["data"]["recordCompetence"];
    assert_eq!(decision["competent"], true, "{recorded:?}");
    assert_eq!(decision["notForParents"], json!(["MENTAL_HEALTH"]));

    // Now he decides about his mental health; his mother is refused by the rule.
    let mum = grant(&app, &mother, mental_health.clone()).await;
    assert_eq!(mum.codes(), vec!["FORBIDDEN"], "{mum:?}");
    assert!(
        mum.message().contains("Gillick") && mum.message().contains("mental health"),
        "names the rule and the scope: {mum:?}"
    );
    let own = grant(&app, &sam_token, mental_health).await;
    assert_eq!(
        own.body["data"]["grantConsent"]["grantorCapacity"], "YOUNG_PERSON",
        "{own:?}"
    );
    // A grant that also covers a scope he does not decide is refused at it.
    let both = grant(
        &app,
        &sam_token,
        grant_input(sam.id, "CAMHS", &["MENTAL_HEALTH", "EDUCATION"]),
    )
    .await;
    assert_eq!(both.codes(), vec!["FORBIDDEN"], "{both:?}");
    assert!(both.message().contains("school and learning"), "{both:?}");
    // His mother still decides education.
    let mum_edu = grant(&app, &mother, grant_input(sam.id, "SCHOOL", &["EDUCATION"])).await;
    assert_eq!(
        mum_edu.body["data"]["grantConsent"]["grantorCapacity"], "PARENTAL_RESPONSIBILITY",
        "{mum_edu:?}"
    );

    // CAMHS reads his mental health on his own grant.
    let by_camhs = read_child(
        &app,
        &app.practitioner(&camhs).token(),
        Some("DIRECT_SUPPORT"),
        sam.id,
    )
    .await;
    assert_visible(&by_camhs, "mentalHealth");

    // His mother's view withholds it, saying why without saying what.
    let view = read_child(&app, &mother, None, sam.id).await;
    assert_visible(&view, "education");
    assert_withheld(&view, "mentalHealth", "NOT_PERMITTED", "MENTAL_HEALTH");
    let why = view
        .error_at(&["child", "mentalHealth"])
        .and_then(|e| e["message"].as_str().map(str::to_owned))
        .unwrap_or_default();
    assert!(why.contains("kept in confidence"), "{why}");
    assert!(!why.contains("CAMHS") && !why.contains("Open"), "{why}");
    // He sees his own.
    let own_view = read_child(&app, &sam_token, None, sam.id).await;
    assert_visible(&own_view, "mentalHealth");

    // Nor does her access history say CAMHS looked; his does.
    let history = |token: &str| {
        let token = token.to_owned();
        let app = &app;
        async move {
            let answer = app
                .graphql_as(
                    Some(&token),
                    None,
                    "query($id: ID!) { accessHistory(childId: $id) { edges { node { agencyKind scopes } } } }",
                    json!({ "id": sam.id }),
                )
                .await;
            answer.body["data"]["accessHistory"]["edges"]
                .as_array()
                .cloned()
                .unwrap_or_else(|| panic!("{answer:?}"))
        }
    };
    let camhs_looked = |edges: &[Value]| edges.iter().any(|e| e["node"]["agencyKind"] == "CAMHS");
    assert!(
        !camhs_looked(&history(&mother).await),
        "kept from his mother"
    );
    assert!(camhs_looked(&history(&sam_token).await), "shown to him");

    // His mother's whoDecides shows no competence decision; his shows it.
    let mum_who = app
        .graphql_as(Some(&mother), None, WHO_DECIDES, json!({ "id": sam.id }))
        .await;
    assert_eq!(
        mum_who.body["data"]["whoDecides"]["competence"],
        json!([]),
        "{mum_who:?}"
    );
    // Nor does it say, scope by scope, that he decides his mental health
    // because of a competence decision, or when it was made.
    let authority = mum_who.body["data"]["whoDecides"]["authority"]
        .as_array()
        .cloned()
        .unwrap_or_else(|| panic!("{mum_who:?}"));
    assert!(
        authority.iter().all(|a| a["scope"] != "MENTAL_HEALTH"),
        "a kept scope is not listed for his mother: {authority:?}"
    );
    assert!(!mum_who.body.to_string().contains("Gillick"), "{mum_who:?}");
    let sam_who = app
        .graphql_as(Some(&sam_token), None, WHO_DECIDES, json!({ "id": sam.id }))
        .await;
    assert_eq!(
        sam_who.body["data"]["whoDecides"]["competence"][0]["scopes"],
        json!(["MENTAL_HEALTH"]),
        "{sam_who:?}"
    );

    // The council asks CAMHS for advice about his mental health, and CAMHS
    // adds an update about it: neither line reaches his mother's history,
    // though both reach his.
    let officer = app.case_officer().await;
    let started = officer
        .graphql(
            "mutation($c: ID!, $on: Date!) { startAssessment(childId: $c, requestReceivedOn: $on) { id } }",
            json!({ "c": sam.id, "on": app.today().to_string() }),
        )
        .await;
    let assessment = started.body["data"]["startAssessment"]["id"].clone();
    let decided = officer
        .graphql(
            "mutation($a: ID!, $on: Date!) { recordDecisionToAssess(assessmentId: $a, assess: true, on: $on) { id } }",
            json!({ "a": assessment, "on": app.today().to_string() }),
        )
        .await;
    assert!(decided.body["errors"].is_null(), "{decided:?}");
    let asked = officer
        .graphql(
            "mutation($a: ID!, $agency: ID!) { requestAdvice(assessmentId: $a, agencyId: $agency, scope: MENTAL_HEALTH) { id } }",
            json!({ "a": assessment, "agency": camhs.id }),
        )
        .await;
    assert!(asked.body["errors"].is_null(), "{asked:?}");
    let update = app
        .practitioner(&camhs)
        .graphql(
            "mutation($c: ID!, $i: ContributionInput!) { contribute(childId: $c, input: $i) { id } }",
            json!({ "c": sam.id, "i": { "scope": "MENTAL_HEALTH", "title": "Session notes", "notes": "Low mood easing" } }),
        )
        .await;
    assert!(update.body["errors"].is_null(), "{update:?}");
    let summaries = |token: &str| {
        let token = token.to_owned();
        let app = &app;
        async move {
            let answer = app
                .graphql_as(
                    Some(&token),
                    None,
                    "query($id: ID!) { accessHistory(childId: $id, first: 100) { edges { node { summary } } } }",
                    json!({ "id": sam.id }),
                )
                .await;
            answer.body["data"]["accessHistory"]["edges"]
                .as_array()
                .unwrap_or_else(|| panic!("{answer:?}"))
                .iter()
                .filter_map(|e| e["node"]["summary"].as_str().map(str::to_owned))
                .collect::<Vec<_>>()
        }
    };
    let mums = summaries(&mother).await;
    assert!(
        mums.iter()
            .all(|l| !l.contains("mental health") && !l.contains("CAMHS")),
        "kept from his mother: {mums:#?}"
    );
    assert!(
        mums.iter()
            .any(|l| l.contains("started an EHC needs assessment")),
        "the rest of the assessment still reaches her: {mums:#?}"
    );
    let his = summaries(&sam_token).await;
    assert!(
        his.iter()
            .any(|l| l.contains("for advice about wellbeing and mental health")),
        "{his:#?}"
    );
    assert!(
        his.iter()
            .any(|l| l.contains("added an update about wellbeing and mental health")),
        "{his:#?}"
    );
}

#[tokio::test]
async fn competence_input_is_checked_field_by_field() {
    let app = spawn_app().await;
    let camhs = app.agency(AgencyKind::Camhs).create().await;
    let sam = sam_aged_15(&app, &camhs).await;
    let practitioner = app.practitioner(&camhs);
    let unknown = practitioner
        .graphql(
            COMPETENCE,
            competence_input(&app, sam.id, &["EDUCATION"], &[]),
        )
        .await;
    assert_eq!(unknown.codes(), vec!["BAD_USER_INPUT"], "{unknown:?}");
    assert_eq!(field(&unknown), "scopes", "{unknown:?}");
    assert!(unknown.message().contains("EDUCATION"), "{unknown:?}");
    let mut short = competence_input(&app, sam.id, &["MENTAL_HEALTH"], &[]);
    short["input"]["reasons"] = json!("ok");
    let short = practitioner.graphql(COMPETENCE, short).await;
    assert_eq!(short.codes(), vec!["BAD_USER_INPUT"], "{short:?}");
    assert_eq!(field(&short), "reasons", "{short:?}");
    let stray = practitioner
        .graphql(
            COMPETENCE,
            competence_input(&app, sam.id, &["MENTAL_HEALTH"], &["PHYSICAL_HEALTH"]),
        )
        .await;
    assert_eq!(field(&stray), "notForParents", "{stray:?}");
    let missing = practitioner
        .graphql(
            COMPETENCE,
            competence_input(&app, Uuid::new_v4(), &["MENTAL_HEALTH"], &[]),
        )
        .await;
    assert_eq!(missing.codes(), vec!["NOT_FOUND"], "{missing:?}");
    // Nothing was recorded.
    let who = app
        .case_officer()
        .await
        .graphql(WHO_DECIDES, json!({ "id": sam.id }))
        .await;
    assert_eq!(
        who.body["data"]["whoDecides"]["competence"],
        json!([]),
        "{who:?}"
    );
}

/// Chloe, 17 (`chloe-17`), past the hand-over; her mother `mum-17`.
async fn chloe_aged_17(app: &TestApp) -> Child {
    app.child()
        .aged(17)
        .signs_in_as("chloe-17")
        .with_parent("mum-17")
        .create()
        .await
}

fn capacity_input(app: &TestApp, child: Uuid, outcome: &str, scopes: &[&str]) -> Value {
    let today = app.today();
    json!({ "input": {
        "childId": child,
        "scopes": scopes,
        "assessorRole": "social worker",
        "assessedOn": today.to_string(),
        "outcome": outcome,
        "reasons": "assessed with her advocate present over two meetings",
        "reviewOn": (today + Duration::days(180)).to_string(),
    } })
}

#[tokio::test]
async fn a_parent_acts_only_under_a_lacks_capacity_assessment_for_that_decision() {
    let app = spawn_app().await;
    let chloe = chloe_aged_17(&app).await;
    let officer = app.case_officer().await;
    let mother = family_token(&app, "mum-17");
    let mental = grant_input(chloe.id, "CAMHS", &["MENTAL_HEALTH"]);
    let physical = grant_input(chloe.id, "HEALTH", &["PHYSICAL_HEALTH"]);

    // Bad input names the field; nobody but a case officer records one.
    let mut no_reasons = capacity_input(&app, chloe.id, "LACKS_CAPACITY", &["MENTAL_HEALTH"]);
    no_reasons["input"]["reasons"] = json!("  ");
    let refused = officer.graphql(CAPACITY, no_reasons).await;
    assert_eq!(refused.codes(), vec!["BAD_USER_INPUT"], "{refused:?}");
    assert_eq!(field(&refused), "reasons", "{refused:?}");
    let mut backwards = capacity_input(&app, chloe.id, "LACKS_CAPACITY", &["MENTAL_HEALTH"]);
    backwards["input"]["reviewOn"] = json!(app.today().to_string());
    let refused = officer.graphql(CAPACITY, backwards).await;
    assert_eq!(field(&refused), "reviewOn", "{refused:?}");
    let by_mother = app
        .graphql_as(
            Some(&mother),
            None,
            CAPACITY,
            capacity_input(&app, chloe.id, "LACKS_CAPACITY", &["MENTAL_HEALTH"]),
        )
        .await;
    assert_eq!(by_mother.codes(), vec!["FORBIDDEN"], "{by_mother:?}");

    // An assessment that finds capacity changes nothing.
    let has = officer
        .graphql(
            CAPACITY,
            capacity_input(&app, chloe.id, "HAS_CAPACITY", &["MENTAL_HEALTH"]),
        )
        .await;
    assert!(has.body["errors"].is_null(), "{has:?}");
    let still = grant(&app, &mother, mental.clone()).await;
    assert_eq!(still.codes(), vec!["FORBIDDEN"], "{still:?}");

    // Lacking capacity for mental-health sharing lets her mother act for that only.
    let lacks = officer
        .graphql(
            CAPACITY,
            capacity_input(&app, chloe.id, "LACKS_CAPACITY", &["MENTAL_HEALTH"]),
        )
        .await;
    assert_eq!(
        lacks.body["data"]["recordCapacityAssessment"]["status"], "CURRENT",
        "{lacks:?}"
    );
    let acts = grant(&app, &mother, mental).await;
    assert_eq!(
        acts.body["data"]["grantConsent"]["grantorCapacity"],
        "PARENT_FOR_YOUNG_PERSON_LACKING_CAPACITY",
        "{acts:?}"
    );
    let other = grant(&app, &mother, physical.clone()).await;
    assert_eq!(other.codes(), vec!["FORBIDDEN"], "{other:?}");
    let own = grant(&app, &app.young_person("chloe-17").token(), physical).await;
    assert_eq!(
        own.body["data"]["grantConsent"]["grantorCapacity"], "YOUNG_PERSON",
        "{own:?}"
    );
}

#[tokio::test]
async fn the_young_person_sees_and_challenges_an_assessment_about_them() {
    let app = spawn_app().await;
    let chloe = chloe_aged_17(&app).await;
    let officer = app.case_officer().await;
    let mother = family_token(&app, "mum-17");
    let chloe_token = app.young_person("chloe-17").token();
    let recorded = officer
        .graphql(
            CAPACITY,
            capacity_input(&app, chloe.id, "LACKS_CAPACITY", &["MENTAL_HEALTH"]),
        )
        .await;
    let id = recorded.body["data"]["recordCapacityAssessment"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("recorded: {recorded:?}"))
        .to_owned();

    // She sees it, with its reasons, on her record.
    let who = app
        .graphql_as(
            Some(&chloe_token),
            None,
            WHO_DECIDES,
            json!({ "id": chloe.id }),
        )
        .await;
    let seen = &who.body["data"]["whoDecides"]["capacityAssessments"][0];
    assert_eq!(seen["id"], id.as_str(), "{who:?}");
    assert_eq!(seen["outcome"], "LACKS_CAPACITY");
    assert!(
        seen["reasons"]
            .as_str()
            .is_some_and(|r| r.contains("advocate")),
        "{who:?}"
    );
    let authority = who.body["data"]["whoDecides"]["authority"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mh = authority
        .iter()
        .find(|a| a["scope"] == "MENTAL_HEALTH")
        .unwrap_or_else(|| panic!("{who:?}"));
    assert_eq!(mh["decidedBy"], "ACTING_FOR_YOUNG_PERSON");

    // And in her access history.
    let history = app
        .graphql_as(
            Some(&chloe_token),
            None,
            "query($id: ID!) { accessHistory(childId: $id) { edges { node { summary } } } }",
            json!({ "id": chloe.id }),
        )
        .await;
    let told = history.body["data"]["accessHistory"]["edges"]
        .as_array()
        .is_some_and(|edges| {
            edges.iter().any(|e| {
                e["node"]["summary"]
                    .as_str()
                    .is_some_and(|s| s.contains("assessment of the young person's capacity"))
            })
        });
    assert!(told, "{history:?}");

    // A challenge needs a reason; only she may make it.
    let vars = |reason: &str| json!({ "c": chloe.id, "a": id, "r": reason });
    let short = app
        .graphql_as(Some(&chloe_token), None, CHALLENGE, vars("no"))
        .await;
    assert_eq!(short.codes(), vec!["BAD_USER_INPUT"], "{short:?}");
    assert_eq!(field(&short), "reasons", "{short:?}");
    let by_mother = app
        .graphql_as(
            Some(&mother),
            None,
            CHALLENGE,
            vars("she understood every question"),
        )
        .await;
    assert_eq!(by_mother.codes(), vec!["FORBIDDEN"], "{by_mother:?}");
    let stranger = app
        .graphql_as(
            Some(&family_token(&app, "stranger")),
            None,
            CHALLENGE,
            vars("she understood every question"),
        )
        .await;
    assert_eq!(stranger.codes(), vec!["NOT_FOUND"], "{stranger:?}");
    let challenged = app
        .graphql_as(
            Some(&chloe_token),
            None,
            CHALLENGE,
            vars("I understood every question and said so"),
        )
        .await;
    let after = &challenged.body["data"]["challengeCapacityAssessment"];
    assert_eq!(after["status"], "CHALLENGED", "{challenged:?}");

    // The case officer sees the challenge; nothing changes automatically.
    let who = officer
        .graphql(WHO_DECIDES, json!({ "id": chloe.id }))
        .await;
    let seen = &who.body["data"]["whoDecides"]["capacityAssessments"][0];
    assert_eq!(seen["status"], "CHALLENGED", "{who:?}");
    assert_eq!(
        seen["challenges"][0]["reason"],
        "I understood every question and said so"
    );
    let acts = grant(
        &app,
        &mother,
        grant_input(chloe.id, "CAMHS", &["MENTAL_HEALTH"]),
    )
    .await;
    assert_eq!(
        acts.body["data"]["grantConsent"]["grantorCapacity"],
        "PARENT_FOR_YOUNG_PERSON_LACKING_CAPACITY",
        "{acts:?}"
    );
    // Traced.
    let trace = app
        .ig_auditor()
        .await
        .graphql(
            "query { accessTrace(filter: { action: CAPACITY_CHALLENGED }) { edges { node { childId } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        trace.body["data"]["accessTrace"]["edges"][0]["node"]["childId"],
        chloe.id.to_string(),
        "{trace:?}"
    );
}

fn pr_input(app: &TestApp, child: Uuid, person: &str, extra: Value) -> Value {
    let mut input = json!({
        "childId": child,
        "personId": person,
        "source": "PR_ORDER",
        "from": (app.today() - Duration::days(2000)).to_string(),
        "evidence": "Family court order FD24P00123",
    });
    if let (Some(i), Some(e)) = (input.as_object_mut(), extra.as_object()) {
        i.extend(e.clone());
    }
    json!({ "input": input })
}

#[tokio::test]
async fn parental_responsibility_that_ended_or_is_limited_gives_no_authority() {
    let app = spawn_app().await;
    let child = app
        .child()
        .aged(9)
        .with_parent("mum-9")
        .with_carer("dad-9", domain::Relationship::Father)
        .with_carer("aunt-9", domain::Relationship::Other)
        .create()
        .await;
    let officer = app.case_officer().await;
    let education = grant_input(child.id, "SCHOOL", &["EDUCATION"]);
    let mental = grant_input(child.id, "CAMHS", &["MENTAL_HEALTH"]);

    // Bad input and unauthorised callers.
    let no_evidence = officer
        .graphql(
            PR,
            pr_input(&app, child.id, "dad-9", json!({ "evidence": " " })),
        )
        .await;
    assert_eq!(
        no_evidence.codes(),
        vec!["BAD_USER_INPUT"],
        "{no_evidence:?}"
    );
    assert_eq!(field(&no_evidence), "evidence", "{no_evidence:?}");
    let by_mother = app
        .graphql_as(
            Some(&family_token(&app, "mum-9")),
            None,
            PR,
            pr_input(&app, child.id, "dad-9", json!({})),
        )
        .await;
    assert_eq!(by_mother.codes(), vec!["FORBIDDEN"], "{by_mother:?}");

    // Ended yesterday: no authority, no view.
    let ended = officer
        .graphql(
            PR,
            pr_input(
                &app,
                child.id,
                "dad-9",
                json!({ "until": (app.today() - Duration::days(1)).to_string() }),
            ),
        )
        .await;
    assert_eq!(
        ended.body["data"]["recordParentalResponsibility"]["current"], false,
        "{ended:?}"
    );
    let dad = family_token(&app, "dad-9");
    let refused = grant(&app, &dad, education.clone()).await;
    assert_eq!(refused.codes(), vec!["FORBIDDEN"], "{refused:?}");
    assert!(refused.message().contains("not current"), "{refused:?}");
    let view = read_child(&app, &dad, None, child.id).await;
    assert_eq!(view.codes(), vec!["NOT_FOUND"], "{view:?}");

    // Limited by a care order for mental health: the rest, not that.
    let limited = officer
        .graphql(
            PR,
            pr_input(
                &app,
                child.id,
                "aunt-9",
                json!({
                    "limit": "SCOPES",
                    "limitedScopes": ["MENTAL_HEALTH"],
                    "orderReference": "Care order CO-2026-44",
                }),
            ),
        )
        .await;
    assert_eq!(
        limited.body["data"]["recordParentalResponsibility"]["limitedScopes"],
        json!(["MENTAL_HEALTH"]),
        "{limited:?}"
    );
    let aunt = family_token(&app, "aunt-9");
    let ok = grant(&app, &aunt, education).await;
    assert_eq!(
        ok.body["data"]["grantConsent"]["grantorCapacity"], "PARENTAL_RESPONSIBILITY",
        "{ok:?}"
    );
    let refused = grant(&app, &aunt, mental).await;
    assert_eq!(refused.codes(), vec!["FORBIDDEN"], "{refused:?}");
    assert!(
        refused
            .message()
            .contains("limits your parental responsibility"),
        "{refused:?}"
    );
    let view = read_child(&app, &aunt, None, child.id).await;
    assert_visible(&view, "education");
    assert_withheld(&view, "mentalHealth", "NOT_PERMITTED", "MENTAL_HEALTH");

    // A limit without an order is bad input naming it.
    let no_order = officer
        .graphql(
            PR,
            pr_input(
                &app,
                child.id,
                "aunt-9",
                json!({ "limit": "MAY_NOT_EXERCISE" }),
            ),
        )
        .await;
    assert_eq!(field(&no_order), "orderReference", "{no_order:?}");
}

const DEPUTY: &str = "mutation($input: DeputyInput!) {
  recordDeputy(input: $input) { id kind scopes }
}";

#[tokio::test]
async fn only_a_health_and_welfare_deputy_acts_for_information_sharing() {
    let app = spawn_app().await;
    let chloe = chloe_aged_17(&app).await;
    let officer = app.case_officer().await;
    let deputy = |person: &str, kind: &str| {
        json!({ "input": {
            "childId": chloe.id,
            "personId": person,
            "kind": kind,
            "scopes": ["MENTAL_HEALTH"],
            "evidence": "Court of Protection order 1234567",
            "from": (app.today() - Duration::days(30)).to_string(),
        } })
    };
    let mut no_scopes = deputy("dep-hw", "COURT_DEPUTY_HEALTH_WELFARE");
    no_scopes["input"]["scopes"] = json!([]);
    let refused = officer.graphql(DEPUTY, no_scopes).await;
    assert_eq!(refused.codes(), vec!["BAD_USER_INPUT"], "{refused:?}");
    assert_eq!(field(&refused), "scopes", "{refused:?}");
    let by_school = app
        .practitioner(&app.agency(AgencyKind::School).create().await)
        .graphql(DEPUTY, deputy("dep-hw", "COURT_DEPUTY_HEALTH_WELFARE"))
        .await;
    assert_eq!(by_school.codes(), vec!["FORBIDDEN"], "{by_school:?}");
    for (person, kind) in [
        ("dep-hw", "COURT_DEPUTY_HEALTH_WELFARE"),
        ("lpa-money", "LPA_PROPERTY_FINANCIAL"),
    ] {
        let recorded = officer.graphql(DEPUTY, deputy(person, kind)).await;
        assert_eq!(
            recorded.body["data"]["recordDeputy"]["kind"], kind,
            "{recorded:?}"
        );
    }
    let mental = grant_input(chloe.id, "CAMHS", &["MENTAL_HEALTH"]);
    // Without a LACKS_CAPACITY assessment neither acts.
    let early = grant(&app, &family_token(&app, "dep-hw"), mental.clone()).await;
    assert_eq!(early.codes(), vec!["FORBIDDEN"], "{early:?}");
    officer
        .graphql(
            CAPACITY,
            capacity_input(&app, chloe.id, "LACKS_CAPACITY", &["MENTAL_HEALTH"]),
        )
        .await;
    let acts = grant(&app, &family_token(&app, "dep-hw"), mental.clone()).await;
    assert_eq!(
        acts.body["data"]["grantConsent"]["grantorCapacity"], "DEPUTY",
        "{acts:?}"
    );
    let money = grant(&app, &family_token(&app, "lpa-money"), mental).await;
    assert_eq!(money.codes(), vec!["FORBIDDEN"], "{money:?}");
    assert!(money.message().contains("health-and-welfare"), "{money:?}");
}
