//! The family's view of an EHC needs assessment, pinned as an insta
//! snapshot at a fixed clock (ids redacted): a change to what the family
//! reads (milestones, advice requests, the summary) shows up as a reviewed
//! diff, not a silent drift.

use chrono::{DateTime, Utc};
use domain::AgencyKind;
use serde_json::{Value, json};

use super::*;
use crate::helpers::*;

/// A child aged 9 whose mother, `parent-1`, holds parental responsibility.
/// On Tuesday 10 February 2026 the council has received the request (5
/// January), decided to assess (9 February) and asked speech and language
/// therapy for communication advice and educational psychology for
/// psychology advice by 20 February; speech and language therapy has
/// answered.
#[tokio::test]
async fn the_family_reads_the_assessment_timeline_as_pinned() {
    let now: DateTime<Utc> = "2026-02-10T10:00:00Z".parse().expect("instant");
    let app = spawn_app_with(|s| s.fixed_now = Some(now)).await;
    let child = app.child().aged(9).with_parent("parent-1").create().await;
    let slt = app
        .agency(AgencyKind::Slt)
        .named("North Speech and Language Therapy")
        .create()
        .await;
    let ep = app
        .agency(AgencyKind::Ep)
        .named("North Educational Psychology")
        .create()
        .await;
    let officer = app.case_officer().await;

    let started = officer
        .graphql(&start(), json!({ "c": child.id, "on": "2026-01-05" }))
        .await;
    let assessment_id = id_of(&ok(&started, "startAssessment"));
    let decided = officer
        .graphql(
            &decide(),
            json!({ "a": assessment_id, "assess": true, "on": "2026-02-09" }),
        )
        .await;
    ok(&decided, "recordDecisionToAssess");
    let asked = officer
        .graphql(
            &request_advice(),
            json!({ "a": assessment_id, "agency": slt.id, "scope": "COMMUNICATION" }),
        )
        .await;
    let slt_request = id_of(&ok(&asked, "requestAdvice"));
    let asked = officer
        .graphql(
            &request_advice(),
            json!({ "a": assessment_id, "agency": ep.id, "scope": "PSYCHOLOGY", "due": "2026-02-20" }),
        )
        .await;
    ok(&asked, "requestAdvice");
    let submitted = app
        .practitioner(&slt)
        .graphql(
            &submit_advice(),
            json!({ "r": slt_request, "i": advice_input("Communication advice") }),
        )
        .await;
    ok(&submitted, "submitAdvice");

    let family = app
        .family_member("parent-1")
        .graphql(
            &format!(
                "query($c: ID!) {{ assessment(childId: $c) {{ {} }} }}",
                assessment_fields()
            ),
            json!({ "c": child.id }),
        )
        .await;
    let view: Value = ok(&family, "assessment");
    assert_eq!(view["id"], assessment_id, "{family:?}");
    assert_eq!(view["childId"], child.id.to_string(), "{family:?}");
    insta::assert_json_snapshot!("family_assessment_timeline", view, {
        ".id" => "[assessment id]",
        ".childId" => "[child id]",
        ".adviceRequests[].id" => "[request id]",
        ".adviceRequests[].childId" => "[child id]",
        ".adviceRequests[].assessmentId" => "[assessment id]",
        ".adviceRequests[].agencyId" => "[agency id]",
        ".adviceRequests[].contributionId" => insta::dynamic_redaction(|id, _| {
            if id.is_nil() { id } else { "[contribution id]".into() }
        }),
    });
}
