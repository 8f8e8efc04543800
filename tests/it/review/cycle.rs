use serde_json::{Value, json};

use super::*;
use crate::fixtures::Persona;

const STEP_ARGS: &str = "planId: ID!, step: RecordableReviewStep!, on: Date!, invited: [AgencyKind!], familyInvited: Boolean";
const DECISION_ARGS: &str = "planId: ID!, decision: ReviewDecision!, on: Date!, ceaseGround: CeaseGround, appealRightsNotified: Boolean!, familyConsulted: Boolean";

async fn ok(answer: Answer, field: &str) -> Value {
    assert!(answer.codes().is_empty(), "{field}: {}", answer.body);
    answer.body["data"][field].clone()
}

/// A plan made on 20 December 2025 (review due 19 December 2026) whose
/// meeting on 25 November 2026 was held, every step on time so far.
async fn held(officer: &Persona<'_>, child: &crate::fixtures::Child) -> String {
    let plan = imported(officer, child, "2025-12-20").await;
    let id = plan["planId"].as_str().expect("plan id").to_owned();
    ok(
        mutate(
            officer,
            "scheduleReview",
            "planId: ID!, meetingOn: Date!",
            json!({ "planId": id, "meetingOn": "2026-11-25" }),
        )
        .await,
        "scheduleReview",
    )
    .await;
    for (s, on) in [
        ("INVITATIONS_SENT", "2026-11-10"),
        ("PAPERS_CIRCULATED", "2026-11-11"),
        ("MEETING_HELD", "2026-11-25"),
    ] {
        let vars = json!({
            "planId": id, "step": s, "on": on,
            "invited": ["SCHOOL", "HEALTH", "SOCIAL_CARE", "LA_SEND"], "familyInvited": true,
        });
        ok(
            mutate(officer, "recordReviewStep", STEP_ARGS, vars).await,
            "recordReviewStep",
        )
        .await;
    }
    id
}

#[tokio::test]
async fn a_review_held_on_time_is_done_and_the_next_runs_from_the_decision() {
    let app = hub().await;
    let officer = app.case_officer().await;
    let child = app.child().aged(9).create().await;
    let id = held(&officer, &child).await;
    // The decision cannot come before its report is even possible… but
    // it cannot precede the meeting.
    let early = json!({ "planId": id, "decision": "MAINTAIN", "on": "2026-11-24", "appealRightsNotified": true });
    let answer = mutate(&officer, "recordReviewDecision", DECISION_ARGS, early).await;
    assert_eq!(answer.codes(), ["BAD_USER_INPUT"], "{}", answer.body);
    assert_eq!(
        answer.message(),
        "on: the council decides after the meeting"
    );
    let vars = json!({ "planId": id, "step": "REPORT_SENT", "on": "2026-11-30" });
    ok(
        mutate(&officer, "recordReviewStep", STEP_ARGS, vars).await,
        "recordReviewStep",
    )
    .await;
    let vars = json!({ "planId": id, "decision": "MAINTAIN", "on": "2026-12-01", "appealRightsNotified": true });
    let plan = ok(
        mutate(&officer, "recordReviewDecision", DECISION_ARGS, vars).await,
        "recordReviewDecision",
    )
    .await;
    let done = &plan["concluded"][0];
    assert_eq!(done["status"], "DONE", "{plan}");
    assert_eq!(done["decision"], "MAINTAIN");
    assert_eq!(done["concludedOn"], "2026-12-01");
    assert_eq!(
        done["invitedAgencies"],
        json!(["SCHOOL", "SOCIAL_CARE", "HEALTH", "LA_SEND"])
    );
    assert_eq!(done["familyInvited"], true);
    let steps: Vec<(String, String, String)> = done["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .map(|s| {
            (
                s["step"].as_str().unwrap_or_default().to_owned(),
                s["dueOn"].as_str().unwrap_or_default().to_owned(),
                s["status"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let expect = |s: &str, due: &str| (s.to_owned(), due.to_owned(), "DONE".to_owned());
    assert_eq!(
        steps,
        [
            expect("MEETING_SET", "2026-12-05"),
            expect("INVITATIONS_SENT", "2026-11-11"),
            expect("PAPERS_CIRCULATED", "2026-11-11"),
            expect("MEETING_HELD", "2026-12-19"),
            expect("REPORT_SENT", "2026-12-09"),
            expect("DECISION", "2026-12-23"),
        ]
    );
    // The next review: 12 months starting with the decision notice.
    assert_eq!(plan["nextReviewDueOn"], "2027-11-30");
    assert_eq!(plan["current"]["startsOn"], "2026-12-01");
    assert_eq!(plan["current"]["status"], "ON_TRACK");
    // A second decision on the concluded review is not possible: the next
    // review has not met.
    let vars = json!({ "planId": id, "decision": "AMEND", "on": "2026-12-01", "appealRightsNotified": true });
    let answer = mutate(&officer, "recordReviewDecision", DECISION_ARGS, vars).await;
    assert_eq!(answer.codes(), ["BAD_USER_INPUT"], "{}", answer.body);
}

#[tokio::test]
async fn an_amend_decision_gives_the_amended_plan_8_weeks() {
    let app = hub().await;
    let officer = app.case_officer().await;
    let child = app.child().aged(9).create().await;
    let id = held(&officer, &child).await;
    let vars = json!({ "planId": id, "decision": "AMEND", "on": "2026-11-30", "appealRightsNotified": true });
    let plan = ok(
        mutate(&officer, "recordReviewDecision", DECISION_ARGS, vars).await,
        "recordReviewDecision",
    )
    .await;
    let review = &plan["concluded"][0];
    // 8 weeks (56 days) from the decision notice of 30 November.
    assert_eq!(review["amendedPlanDueOn"], "2027-01-25", "{plan}");
    let amended = step(review, "AMENDED_PLAN_ISSUED");
    assert_eq!(
        (&amended["dueOn"], &amended["status"]),
        (&json!("2027-01-25"), &json!("ON_TRACK"))
    );
    assert!(
        plan["summary"]
            .as_str()
            .is_some_and(|s| s.contains("amended plan is due by 25 January 2027")),
        "{plan}"
    );
    let plan = ok(
        mutate(
            &officer,
            "recordAmendedPlanIssued",
            "planId: ID!, on: Date!",
            json!({ "planId": id, "on": "2026-12-01" }),
        )
        .await,
        "recordAmendedPlanIssued",
    )
    .await;
    let amended = step(&plan["concluded"][0], "AMENDED_PLAN_ISSUED");
    assert_eq!(
        (&amended["doneOn"], &amended["status"]),
        (&json!("2026-12-01"), &json!("DONE"))
    );
    // Only once.
    let answer = mutate(
        &officer,
        "recordAmendedPlanIssued",
        "planId: ID!, on: Date!",
        json!({ "planId": id, "on": "2026-12-01" }),
    )
    .await;
    assert_eq!(answer.codes(), ["BAD_USER_INPUT"], "{}", answer.body);
    assert_eq!(
        answer.message(),
        "planId: an amended plan follows a decision to amend"
    );
}

#[tokio::test]
async fn a_plan_ceases_only_on_a_s45_ground_with_appeal_rights() {
    let app = hub().await;
    let officer = app.case_officer().await;
    let child = app.child().aged(17).create().await;
    let id = held(&officer, &child).await;
    let refused = [
        (
            json!({ "planId": id, "decision": "CEASE", "on": "2026-12-01", "appealRightsNotified": true, "familyConsulted": true }),
            "ceaseGround",
        ),
        (
            json!({ "planId": id, "decision": "CEASE", "on": "2026-12-01", "ceaseGround": "NO_LONGER_NECESSARY", "appealRightsNotified": false, "familyConsulted": true }),
            "appealRightsNotified",
        ),
        (
            json!({ "planId": id, "decision": "CEASE", "on": "2026-12-01", "ceaseGround": "NO_LONGER_NECESSARY", "appealRightsNotified": true }),
            "familyConsulted",
        ),
    ];
    for (vars, field) in refused {
        let answer = mutate(&officer, "recordReviewDecision", DECISION_ARGS, vars).await;
        assert_eq!(answer.codes(), ["BAD_USER_INPUT"], "{}", answer.body);
        assert_eq!(
            answer.body["errors"][0]["extensions"]["field"], field,
            "{}",
            answer.body
        );
    }
    // "Left education at 18" is not a ground at all (reg 30).
    let vars = json!({ "planId": id, "decision": "CEASE", "on": "2026-12-01", "ceaseGround": "LEFT_EDUCATION", "appealRightsNotified": true, "familyConsulted": true });
    let answer = mutate(&officer, "recordReviewDecision", DECISION_ARGS, vars).await;
    assert!(!answer.codes().is_empty(), "{}", answer.body);
    assert_eq!(answer.body["data"], json!(null));
    // While the plan is maintained, ANNUAL_REVIEW holds for it.
    let reviewer = officer.clone().purpose(consent::Purpose::AnnualReview);
    let open = "query($id: ID!) { child(id: $id) { id } }";
    let answer = reviewer
        .graphql(open, json!({ "id": child.id.to_string() }))
        .await;
    assert!(answer.codes().is_empty(), "{}", answer.body);
    // Positive control: on a s.45 ground, consulted, with appeal rights.
    let vars = json!({ "planId": id, "decision": "CEASE", "on": "2026-12-01", "ceaseGround": "NO_LONGER_NECESSARY", "appealRightsNotified": true, "familyConsulted": true });
    let plan = ok(
        mutate(&officer, "recordReviewDecision", DECISION_ARGS, vars).await,
        "recordReviewDecision",
    )
    .await;
    assert_eq!(plan["ceasedOn"], "2026-12-01", "{plan}");
    assert_eq!(plan["current"], json!(null));
    assert_eq!(plan["concluded"][0]["ceaseGround"], "NO_LONGER_NECESSARY");
    // A ceased plan takes no more steps.
    let answer = mutate(
        &officer,
        "scheduleReview",
        "planId: ID!, meetingOn: Date!",
        json!({ "planId": id, "meetingOn": "2026-12-20" }),
    )
    .await;
    assert_eq!(answer.codes(), ["BAD_USER_INPUT"]);
    assert_eq!(answer.message(), "planId: this plan has ceased");
    // And is no longer maintained: ANNUAL_REVIEW no longer holds.
    let answer = reviewer
        .graphql(open, json!({ "id": child.id.to_string() }))
        .await;
    assert_eq!(answer.codes(), ["NOT_FOUND"], "{}", answer.body);
}
