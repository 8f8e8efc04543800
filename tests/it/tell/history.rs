//! The family's access history in true sentences (shared/LAW.md §7): each
//! step of an EHC needs assessment, as the family reads it, says who did
//! what, why and on what basis; never "nothing was shared" for a write,
//! and never a blank purpose.

use chrono::Utc;
use consent::{Purpose, Role};
use serde_json::json;

use super::*;
use crate::helpers::*;

const HISTORY: &str = "query($id: ID!) {
  accessHistory(childId: $id, first: 100) {
    edges { node { agencyName purpose basis summary } } } }";

#[tokio::test]
async fn the_family_reads_each_step_of_the_assessment_as_a_sentence() {
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let child = app
        .child()
        .aged(8)
        .with_parent("parent-1")
        .create()
        .await
        .id;
    let officer = team.get("case-officer");
    let today = Utc::now().date_naive();
    let started = officer
        .graphql(
            &start(),
            json!({ "c": child, "on": (today - chrono::Duration::days(30)).to_string() }),
        )
        .await;
    let assessment = id_of(&ok(&started, "startAssessment"));
    ok(
        &officer
            .graphql(
                &decide(),
                json!({ "a": assessment, "assess": true, "on": today.to_string() }),
            )
            .await,
        "recordDecisionToAssess",
    );
    let asked = officer
        .graphql(
            &request_advice(),
            json!({ "a": assessment, "agency": team.ep.id, "scope": "PSYCHOLOGY" }),
        )
        .await;
    let request = id_of(&ok(&asked, "requestAdvice"));
    // The psychologist answers, stating DIRECT_SUPPORT: the entry still
    // records what the act is for, the assessment.
    let ep = team.get("ep").clone().purpose(Purpose::DirectSupport);
    let advice = ep
        .graphql(
            &submit_advice(),
            json!({ "r": request, "i": { "title": format!("{MARK} advice"), "needs": "Working memory",
                "content": super::templates::advice_content(domain::template::Profession::EducationalPsychology) } }),
        )
        .await;
    ok(&advice, "submitAdvice");

    let history = team
        .get("parent")
        .graphql(HISTORY, json!({ "id": child }))
        .await;
    let lines: Vec<(String, String)> = history.body["data"]["accessHistory"]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("a history: {history:?}"))
        .iter()
        .map(|e| {
            (
                e["node"]["summary"].as_str().unwrap_or_default().to_owned(),
                e["node"]["purpose"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let has = |sentence: &str| lines.iter().any(|(s, _)| s == sentence);
    let council = "Test Council SEND Team";
    for sentence in [
        format!("{council} registered your child's record"),
        format!("{council} started an EHC needs assessment for your child"),
        format!("{council} recorded the decision to assess in your child's EHC needs assessment"),
        format!(
            "{council} asked {EP_NAME} for advice about educational psychology for your child's EHC needs assessment"
        ),
        format!(
            "{EP_NAME} added educational psychology advice for your child's EHC needs assessment"
        ),
    ] {
        assert!(has(&sentence), "no line {sentence:?} in {lines:#?}");
    }
    for (sentence, purpose) in &lines {
        assert!(!purpose.is_empty(), "a blank purpose: {sentence}");
        assert!(
            !sentence.contains("nothing was shared") && !sentence.contains("for ;"),
            "{sentence}"
        );
    }
    // Every assessment step records the assessment as its purpose, whatever
    // header the caller sent.
    for (sentence, purpose) in lines
        .iter()
        .filter(|(s, _)| s.contains("EHC needs assessment"))
    {
        assert_eq!(purpose, "EHC_ASSESSMENT", "{sentence}");
    }
}

#[tokio::test]
async fn a_practitioner_operation_without_a_purpose_is_refused() {
    let app = spawn_app().await;
    let child = app
        .child()
        .aged(8)
        .with_parent("parent-1")
        .create()
        .await
        .id;
    let today = Utc::now().date_naive();
    // A case officer who sends no X-Purpose-Of-Use header.
    let council = app.council().await;
    let officer = app
        .persona("case-officer-2")
        .roles([Role::CaseOfficer])
        .of(&council);
    let started = officer
        .graphql(
            &start(),
            json!({ "c": child, "on": (today - chrono::Duration::days(3)).to_string() }),
        )
        .await;
    assert_eq!(started.codes(), vec!["BAD_USER_INPUT"], "{started:?}");
    assert_eq!(
        started.body["errors"][0]["extensions"]["field"], "X-Purpose-Of-Use",
        "{started:?}"
    );
}
