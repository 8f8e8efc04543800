use chrono::Utc;
use domain::AgencyKind;
use serde_json::json;

use super::*;
use crate::helpers::*;

/// Reused advice must be the asked agency's current advice on the asked
/// scope, about the same child: not a version its author has since replaced.
#[tokio::test]
async fn only_current_advice_of_the_asked_agency_about_the_child_is_reused() {
    // A child aged 8 and another child aged 9; educational psychology has
    // written about both, speech and language therapy about the first.
    let app = spawn_app().await;
    let child = app
        .child()
        .aged(8)
        .with_parent("person-mum-reuse")
        .create()
        .await
        .id;
    let other_child = app
        .child()
        .aged(9)
        .with_parent("parent-1")
        .create()
        .await
        .id;
    let ep_service = app.agency(AgencyKind::Ep).create().await;
    let ep = app.practitioner(&ep_service);
    let slt = app.practitioner(&app.agency(AgencyKind::Slt).create().await);
    let officer = app.case_officer().await;
    let today = Utc::now().date_naive();
    let write = |scope: &str, title: &str, supersedes: Option<&str>| {
        json!({ "scope": scope, "kind": "ADVICE", "title": title, "supersedes": supersedes,
            "profession": "EDUCATIONAL_PSYCHOLOGY",
            "content": super::templates::advice_content(domain::template::Profession::EducationalPsychology) })
    };
    let old = ep
        .graphql(
            &contribute(),
            json!({ "c": child, "i": write("PSYCHOLOGY", "2024 advice", None) }),
        )
        .await;
    let old = id_of(&ok(&old, "contribute"));
    let new = ep
        .graphql(
            &contribute(),
            json!({ "c": child, "i": write("PSYCHOLOGY", "2025 advice", Some(&old)) }),
        )
        .await;
    let new = id_of(&ok(&new, "contribute"));
    let others = ep
        .graphql(
            &contribute(),
            json!({ "c": other_child, "i": write("PSYCHOLOGY", "Amira's advice", None) }),
        )
        .await;
    let others = id_of(&ok(&others, "contribute"));
    let slt_advice = slt
        .graphql(
            &contribute(),
            json!({ "c": child, "i": write("COMMUNICATION", "SLT advice", None) }),
        )
        .await;
    let slt_advice = id_of(&ok(&slt_advice, "contribute"));

    let started = officer
        .graphql(
            &start(),
            json!({ "c": child, "on": (today - chrono::Duration::days(30)).to_string() }),
        )
        .await;
    let assessment_id = id_of(&ok(&started, "startAssessment"));
    ok(
        &officer
            .graphql(
                &decide(),
                json!({ "a": assessment_id, "assess": true, "on": today.to_string() }),
            )
            .await,
        "recordDecisionToAssess",
    );
    let asked = officer
        .graphql(
            &request_advice(),
            json!({ "a": assessment_id, "agency": ep_service.id, "scope": "PSYCHOLOGY" }),
        )
        .await;
    let request_id = id_of(&ok(&asked, "requestAdvice"));
    let reuse = |contribution: &str| json!({ "r": request_id, "c": contribution });
    for (contribution, why) in [
        (&others, "another child's advice"),
        (&slt_advice, "another agency's advice"),
        (&old, "advice its author has replaced"),
    ] {
        let answer = officer.graphql(&reuse_advice(), reuse(contribution)).await;
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
    // Nobody confirms what may not be reused, either.
    let confirm = ep.graphql(&confirm_reuse(), reuse(&old)).await;
    assert_eq!(confirm.codes(), vec!["BAD_USER_INPUT"], "{confirm:?}");
    ok(
        &ep.graphql(&confirm_reuse(), reuse(&new)).await,
        "confirmAdviceReuse",
    );
    let mut family = reuse(&new);
    family["party"] = json!("FAMILY");
    ok(
        &officer.graphql(&record_reuse(), family).await,
        "recordReuseConfirmation",
    );
    let reused = officer.graphql(&reuse_advice(), reuse(&new)).await;
    let request = ok(&reused, "reuseAdvice");
    assert_eq!(request["answer"], "REUSED");
    assert_eq!(request["contributionId"], new);
}
