use api::demo::{AMIRA, EP};
use chrono::Utc;
use serde_json::json;

use super::*;
use crate::helpers::*;

/// Reused advice must be the asked agency's current advice on the asked
/// scope, about the same child: not a version its author has since replaced.
#[tokio::test]
async fn only_current_advice_of_the_asked_agency_about_the_child_is_reused() {
    // TODO(fixtures): on the demo
    let app = spawn_demo_app().await;
    let child = register_child(&app, 8, "person-yp-reuse", "person-mum-reuse").await;
    let today = Utc::now().date_naive();
    let write = |scope: &str, title: &str, supersedes: Option<&str>| json!({ "scope": scope, "kind": "ADVICE", "title": title, "supersedes": supersedes });
    let old = call(
        &app,
        "ep",
        &contribute(),
        json!({ "c": child, "i": write("PSYCHOLOGY", "2024 advice", None) }),
    )
    .await;
    let old = id_of(&ok(&old, "contribute"));
    let new = call(
        &app,
        "ep",
        &contribute(),
        json!({ "c": child, "i": write("PSYCHOLOGY", "2025 advice", Some(&old)) }),
    )
    .await;
    let new = id_of(&ok(&new, "contribute"));
    let amira = call(
        &app,
        "ep",
        &contribute(),
        json!({ "c": AMIRA, "i": write("PSYCHOLOGY", "Amira's advice", None) }),
    )
    .await;
    let amira = id_of(&ok(&amira, "contribute"));
    let slt = call(
        &app,
        "slt",
        &contribute(),
        json!({ "c": child, "i": write("COMMUNICATION", "SLT advice", None) }),
    )
    .await;
    let slt = id_of(&ok(&slt, "contribute"));

    let started = call(
        &app,
        "case-officer",
        &start(),
        json!({ "c": child, "on": (today - chrono::Duration::days(30)).to_string() }),
    )
    .await;
    let assessment_id = id_of(&ok(&started, "startAssessment"));
    ok(
        &call(
            &app,
            "case-officer",
            &decide(),
            json!({ "a": assessment_id, "assess": true, "on": today.to_string() }),
        )
        .await,
        "recordDecisionToAssess",
    );
    let asked = call(
        &app,
        "case-officer",
        &request_advice(),
        json!({ "a": assessment_id, "agency": EP, "scope": "PSYCHOLOGY" }),
    )
    .await;
    let request_id = id_of(&ok(&asked, "requestAdvice"));
    let reuse = |contribution: &str| json!({ "r": request_id, "c": contribution, "author": true, "family": true });
    for (contribution, why) in [
        (&amira, "another child's advice"),
        (&slt, "another agency's advice"),
        (&old, "advice its author has replaced"),
    ] {
        let answer = call(&app, "case-officer", &reuse_advice(), reuse(contribution)).await;
        assert_eq!(
            answer.codes(),
            vec!["BAD_USER_INPUT"],
            "{why} must not be reused: {answer:?}"
        );
        assert_eq!(
            answer.body["errors"][0]["extensions"]["field"], "contributionId",
            "{why}: {answer:?}"
        );
    }
    let reused = call(&app, "case-officer", &reuse_advice(), reuse(&new)).await;
    let request = ok(&reused, "reuseAdvice");
    assert_eq!(request["answer"], "REUSED");
    assert_eq!(request["contributionId"], new);
}
