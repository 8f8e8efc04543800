use serde_json::{Value, json};

use super::*;

const STATUS: &str =
    "query($id: ID!) { child(id: $id) { senNeeds { ehcPlanStatus ehcPlanIssuedOn } } }";

async fn status(who: &crate::fixtures::Persona<'_>, child: &str) -> Value {
    let answer = who.graphql(STATUS, json!({ "id": child })).await;
    assert!(answer.codes().is_empty(), "{}", answer.body);
    answer.body["data"]["child"]["senNeeds"].clone()
}

async fn step(officer: &crate::fixtures::Persona<'_>, query: &str, vars: Value) {
    let answer = officer.graphql(query, vars).await;
    assert!(answer.codes().is_empty(), "{}", answer.body);
}

#[tokio::test]
async fn the_plan_status_on_the_record_follows_the_assessment() {
    let app = hub().await;
    let officer = app.case_officer().await;
    // A stored status that the facts will replace.
    let child = app
        .child()
        .aged(9)
        .with_parent("p1")
        .with_record(|r| r.sen_needs.ehc_plan_status = Some(domain::EhcPlanStatus::NoPlan))
        .create()
        .await;
    let c = child.id.to_string();
    let parent = app.family_member("p1");
    assert_eq!(status(&parent, &c).await["ehcPlanStatus"], "NO_PLAN");
    let answer = officer
        .graphql(
            "mutation($c: ID!) { startAssessment(childId: $c, requestReceivedOn: \"2026-06-01\") { id } }",
            json!({ "c": c }),
        )
        .await;
    let a = answer.body["data"]["startAssessment"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{}", answer.body))
        .to_owned();
    assert_eq!(
        status(&parent, &c).await["ehcPlanStatus"],
        "ASSESSMENT_REQUESTED"
    );
    step(
        &officer,
        "mutation($a: ID!) { recordDecisionToAssess(assessmentId: $a, assess: true, on: \"2026-07-01\") { id } }",
        json!({ "a": a }),
    )
    .await;
    assert_eq!(status(&parent, &c).await["ehcPlanStatus"], "ASSESSING");
    step(
        &officer,
        "mutation($a: ID!) { issueDraft(assessmentId: $a, on: \"2026-09-01\", openItemsReason: \"The checklist is tested in tell::checklist\") { id } }",
        json!({ "a": a }),
    )
    .await;
    assert_eq!(status(&parent, &c).await["ehcPlanStatus"], "DRAFT_ISSUED");
    step(&officer, "mutation($a: ID!) { setPlacement(assessmentId: $a, name: \"Riverside Primary School\", kind: \"Mainstream primary school\") { version } }", json!({ "a": a })).await;
    step(
        &officer,
        "mutation($a: ID!) { issueFinalPlan(assessmentId: $a, on: \"2026-10-01\") { id } }",
        json!({ "a": a }),
    )
    .await;
    let needs = status(&parent, &c).await;
    assert_eq!(needs["ehcPlanStatus"], "FINAL");
    assert_eq!(needs["ehcPlanIssuedOn"], "2026-10-01");
    // The family is told the plan's first review date too.
    let answer = parent.graphql(&annual_reviews(), json!({ "c": c })).await;
    let plan = &answer.body["data"]["annualReviews"][0];
    assert_eq!(plan["planId"], a.as_str(), "{}", answer.body);
    assert_eq!(plan["imported"], false);
    assert_eq!(plan["nextReviewDueOn"], "2027-09-30");
}

#[tokio::test]
async fn a_child_without_assessments_keeps_the_recorded_status() {
    let app = hub().await;
    let child = app
        .child()
        .aged(9)
        .with_parent("p1")
        .with_record(|r| r.sen_needs.ehc_plan_status = Some(domain::EhcPlanStatus::Final))
        .create()
        .await;
    let parent = app.family_member("p1");
    assert_eq!(
        status(&parent, &child.id.to_string()).await["ehcPlanStatus"],
        "FINAL"
    );
}
