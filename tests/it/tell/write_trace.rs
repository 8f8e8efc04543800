use chrono::Utc;
use serde_json::{Value, json};

use super::*;
use crate::helpers::*;

/// The value of detail `key` of a trace entry.
fn detail(entry: &Value, key: &str) -> Option<String> {
    entry["details"]
        .as_array()?
        .iter()
        .find(|d| d["key"] == key)
        .and_then(|d| d["value"].as_str().map(str::to_owned))
}

/// Every tell-it-once write leaves its own entry naming who, which child,
/// and ids, codes and dates: never the words written.
#[tokio::test]
async fn every_write_leaves_its_trace_entry_without_free_text() {
    // A child aged 9 and her mother; the team around her writes.
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let amira_id = app
        .child()
        .aged(9)
        .with_parent("parent-1")
        .create()
        .await
        .id;
    let (ep_agency, slt_agency) = (team.ep.id, team.slt.id);
    let today = Utc::now().date_naive();
    let child = json!(amira_id);

    let aam = team
        .call(
            "parent",
            &update_aam(),
            json!({ "c": child, "i": aam_input(1) }),
        )
        .await;
    let version = ok(&aam, "updateAllAboutMe")["version"].clone();
    let ep = team
        .call(
            "ep",
            &contribute(),
            json!({ "c": child, "i": {
            "scope": "PSYCHOLOGY", "kind": "ADVICE", "title": format!("EP advice ({MARK})"),
            "profession": "EDUCATIONAL_PSYCHOLOGY",
            "content": templates::advice_content(domain::template::Profession::EducationalPsychology),
            "needs": format!("{MARK} needs"), "notes": format!("{MARK} notes") } }),
        )
        .await;
    let ep_id = id_of(&ok(&ep, "contribute"));
    let started = team
        .call(
            "case-officer",
            &start(),
            json!({ "c": child, "on": (today - chrono::Duration::days(10)).to_string() }),
        )
        .await;
    let assessment_id = id_of(&ok(&started, "startAssessment"));
    ok(
        &team
            .call(
                "case-officer",
                &decide(),
                json!({ "a": assessment_id, "assess": true, "on": today.to_string() }),
            )
            .await,
        "recordDecisionToAssess",
    );
    ok(
        &team
            .call(
                "case-officer",
                &exception(),
                json!({ "a": assessment_id, "on": today.to_string(),
                    "note": format!("{MARK}: the family were away.") }),
            )
            .await,
        "recordException",
    );
    let slt_request = team
        .call(
            "case-officer",
            &request_advice(),
            json!({ "a": assessment_id, "agency": slt_agency, "scope": "COMMUNICATION" }),
        )
        .await;
    let slt_request = id_of(&ok(&slt_request, "requestAdvice"));
    let ep_request = team
        .call(
            "case-officer",
            &request_advice(),
            json!({ "a": assessment_id, "agency": ep_agency, "scope": "PSYCHOLOGY" }),
        )
        .await;
    let ep_request = id_of(&ok(&ep_request, "requestAdvice"));
    let submitted = team
        .call(
            "slt",
            &submit_advice(),
            json!({ "r": slt_request, "i": advice_input("SLT advice") }),
        )
        .await;
    let slt_advice = id_of(&ok(&submitted, "submitAdvice"));
    confirm_both(&team, "ep", &ep_request, &ep_id).await;
    ok(
        &team
            .call(
                "case-officer",
                &reuse_advice(),
                json!({ "r": ep_request, "c": ep_id }),
            )
            .await,
        "reuseAdvice",
    );

    let only = |entries: Vec<Value>, action: &str| -> Value {
        assert_eq!(entries.len(), 1, "one {action} entry: {entries:?}");
        entries[0].clone()
    };
    let of = |action: &'static str| json!({ "childId": amira_id, "action": action });

    let e = only(
        trace_seen_by_ig(&app, of("ALL_ABOUT_ME_UPDATED")).await,
        "ALL_ABOUT_ME_UPDATED",
    );
    assert_eq!(e["actorSubject"], team.get("parent").subject());
    assert_eq!(e["childId"], amira_id.to_string());
    assert_eq!(detail(&e, "version"), Some(version.to_string()));

    let e = only(trace_seen_by_ig(&app, of("CONTRIBUTE")).await, "CONTRIBUTE");
    assert_eq!(e["actorSubject"], team.get("ep").subject());
    assert_eq!(e["actorAgencyId"], ep_agency.to_string());
    assert_eq!(e["actorAgencyKind"], "EP");
    assert_eq!(e["purpose"], "DIRECT_SUPPORT");
    assert_eq!(detail(&e, "contribution_id"), Some(ep_id.clone()));
    assert_eq!(detail(&e, "scope").as_deref(), Some("PSYCHOLOGY"));
    assert_eq!(detail(&e, "kind").as_deref(), Some("ADVICE"));

    let e = only(
        trace_seen_by_ig(&app, of("ASSESSMENT_STARTED")).await,
        "ASSESSMENT_STARTED",
    );
    assert_eq!(e["actorSubject"], team.get("case-officer").subject());
    assert_eq!(detail(&e, "assessment_id"), Some(assessment_id.clone()));

    let steps = trace_seen_by_ig(&app, of("ASSESSMENT_STEP")).await;
    let mut kinds: Vec<String> = steps.iter().filter_map(|e| detail(e, "step")).collect();
    kinds.sort();
    assert_eq!(kinds, vec!["DECIDED_TO_ASSESS", "EXCEPTION"], "{steps:?}");
    for e in &steps {
        assert_eq!(e["actorSubject"], team.get("case-officer").subject());
        assert_eq!(detail(e, "assessment_id"), Some(assessment_id.clone()));
        assert_eq!(detail(e, "on"), Some(today.to_string()));
    }

    let asked = trace_seen_by_ig(&app, of("ADVICE_REQUESTED")).await;
    let mut pairs: Vec<(Option<String>, Option<String>, Option<String>)> = asked
        .iter()
        .map(|e| {
            (
                detail(e, "request_id"),
                detail(e, "agency_id"),
                detail(e, "scope"),
            )
        })
        .collect();
    pairs.sort();
    let mut expected = vec![
        (
            Some(slt_request.clone()),
            Some(slt_agency.to_string()),
            Some("COMMUNICATION".to_owned()),
        ),
        (
            Some(ep_request.clone()),
            Some(ep_agency.to_string()),
            Some("PSYCHOLOGY".to_owned()),
        ),
    ];
    expected.sort();
    assert_eq!(pairs, expected, "{asked:?}");

    let e = only(
        trace_seen_by_ig(&app, of("ADVICE_SUBMITTED")).await,
        "ADVICE_SUBMITTED",
    );
    assert_eq!(e["actorSubject"], team.get("slt").subject());
    assert_eq!(e["actorAgencyId"], slt_agency.to_string());
    assert_eq!(detail(&e, "request_id"), Some(slt_request.clone()));
    assert_eq!(detail(&e, "contribution_id"), Some(slt_advice));

    let e = only(
        trace_seen_by_ig(&app, of("ADVICE_REUSED")).await,
        "ADVICE_REUSED",
    );
    assert_eq!(e["actorSubject"], team.get("case-officer").subject());
    assert_eq!(detail(&e, "request_id"), Some(ep_request.clone()));
    assert_eq!(detail(&e, "contribution_id"), Some(ep_id.clone()));

    // Each confirmation of reuse: who, for which party, how; never the
    // evidence's words.
    let mut confirmed: Vec<(String, Option<String>, Option<String>)> =
        trace_seen_by_ig(&app, of("REUSE_CONFIRMED"))
            .await
            .iter()
            .map(|e| {
                assert_eq!(detail(e, "request_id"), Some(ep_request.clone()));
                assert_eq!(detail(e, "contribution_id"), Some(ep_id.clone()));
                assert_eq!(e["purpose"], "EHC_ASSESSMENT");
                (
                    e["actorSubject"].as_str().unwrap_or_default().to_owned(),
                    detail(e, "party"),
                    detail(e, "method"),
                )
            })
            .collect();
    confirmed.sort();
    let mut expected = vec![
        (
            team.get("ep").subject().to_owned(),
            Some("AUTHOR".to_owned()),
            Some("DIGITAL".to_owned()),
        ),
        (
            team.get("case-officer").subject().to_owned(),
            Some("FAMILY".to_owned()),
            Some("WRITTEN".to_owned()),
        ),
    ];
    expected.sort();
    assert_eq!(confirmed, expected);

    // None of the words written reach the trace, in any entry.
    let everything = trace_seen_by_ig(&app, json!({})).await;
    assert!(everything.len() >= 10, "{everything:?}");
    for e in &everything {
        assert!(!e.to_string().contains(MARK), "free text in the trace: {e}");
        assert!(!e.to_string().contains("the family were away"), "{e}");
    }
}
