use serde_json::json;

use super::*;

#[tokio::test]
async fn a_plan_imported_13_months_ago_shows_its_review_overdue() {
    let app = hub().await;
    let officer = app.case_officer().await;
    let child = app.child().aged(9).create().await;
    let plan = imported(&officer, &child, "2025-11-01").await;
    assert_eq!(plan["imported"], true);
    assert_eq!(plan["madeOn"], "2025-11-01");
    // 12 months starting with 1 November 2025: the last day is 31 October 2026.
    assert_eq!(plan["nextReviewDueOn"], "2026-10-31");
    let current = &plan["current"];
    assert_eq!(current["id"], json!(null), "not yet arranged");
    assert_eq!(current["status"], "OVERDUE");
    assert_eq!(step(current, "MEETING_HELD")["status"], "OVERDUE");
    assert!(
        plan["summary"]
            .as_str()
            .is_some_and(|s| s.contains("31 October 2026 (late)")),
        "{plan}"
    );
    // Read back: the same.
    let answer = officer
        .graphql(&annual_reviews(), json!({ "c": child.id.to_string() }))
        .await;
    let plans = &answer.body["data"]["annualReviews"];
    assert_eq!(plans.as_array().map(Vec::len), Some(1), "{}", answer.body);
    assert_eq!(plans[0]["current"]["status"], "OVERDUE");
}

#[tokio::test]
async fn an_imported_last_review_starts_the_next_cycle() {
    let app = hub().await;
    let officer = app.case_officer().await;
    let child = app.child().aged(12).create().await;
    let answer = officer
        .graphql(
            &import_plan(),
            json!({ "c": child.id.to_string(), "made": "2023-03-01", "last": "2025-12-15" }),
        )
        .await;
    let plan = &answer.body["data"]["importPlan"];
    assert_eq!(plan["current"]["startsOn"], "2025-12-15", "{}", answer.body);
    assert_eq!(plan["current"]["dueOn"], "2026-12-14");
    assert_eq!(plan["current"]["status"], "DUE_SOON");
    let concluded = &plan["concluded"][0];
    assert_eq!(
        (&concluded["imported"], &concluded["concludedOn"]),
        (&json!(true), &json!("2025-12-15"))
    );
    assert_eq!(
        concluded["steps"],
        json!([]),
        "an imported review's steps are unknown"
    );
}

#[tokio::test]
async fn an_import_is_refused_with_a_plan_maintained_or_impossible_dates() {
    let app = hub().await;
    let officer = app.case_officer().await;
    let child = app.child().aged(9).create().await;
    let c = child.id.to_string();
    let cases = [
        (
            json!({ "c": c, "made": "2026-12-02" }),
            "madeOn",
            "madeOn: cannot be in the future",
        ),
        (
            json!({ "c": c, "made": "2025-06-01", "last": "2025-05-01" }),
            "lastReviewConcludedOn",
            "lastReviewConcludedOn: cannot be before madeOn",
        ),
        (
            json!({ "c": c, "made": "2025-06-01", "req": "2025-07-01" }),
            "madeOn",
            "madeOn: cannot be before requestReceivedOn",
        ),
    ];
    for (vars, field, message) in cases {
        let answer = officer.graphql(&import_plan(), vars).await;
        assert_eq!(answer.codes(), ["BAD_USER_INPUT"], "{}", answer.body);
        assert_eq!(answer.message(), message);
        assert_eq!(
            answer.body["errors"][0]["extensions"]["field"], field,
            "{}",
            answer.body
        );
    }
    // Positive control, then a second plan is refused.
    imported(&officer, &child, "2025-06-01").await;
    let answer = officer
        .graphql(&import_plan(), json!({ "c": c, "made": "2025-07-01" }))
        .await;
    assert_eq!(answer.codes(), ["BAD_USER_INPUT"]);
    assert_eq!(
        answer.message(),
        "childId: this child already has an EHC plan maintained"
    );
    // Only case officers import.
    let parentless = app
        .persona("someone")
        .roles([consent::Role::Family])
        .person("p9");
    let answer = parentless
        .graphql(&import_plan(), json!({ "c": c, "made": "2025-07-01" }))
        .await;
    assert_eq!(answer.codes(), ["FORBIDDEN"], "{}", answer.body);
}
