use api::demo::{AMIRA, EP, SLT};
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
    // TODO(fixtures): on the demo
    let app = spawn_demo_app().await;
    let today = Utc::now().date_naive();
    let child = json!(AMIRA);

    let aam = call(
        &app,
        "parent",
        &update_aam(),
        json!({ "c": child, "i": aam_input(1) }),
    )
    .await;
    let version = ok(&aam, "updateAllAboutMe")["version"].clone();
    let ep = call(
        &app,
        "ep",
        &contribute(),
        json!({ "c": child, "i": {
            "scope": "PSYCHOLOGY", "kind": "ADVICE", "title": format!("EP advice ({MARK})"),
            "needs": format!("{MARK} needs"), "notes": format!("{MARK} notes") } }),
    )
    .await;
    let ep_id = id_of(&ok(&ep, "contribute"));
    let started = call(
        &app,
        "case-officer",
        &start(),
        json!({ "c": child, "on": (today - chrono::Duration::days(10)).to_string() }),
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
    ok(
        &call(
            &app,
            "case-officer",
            &exception(),
            json!({ "a": assessment_id, "on": today.to_string(),
                    "note": format!("{MARK}: the family were away.") }),
        )
        .await,
        "recordException",
    );
    let slt_request = call(
        &app,
        "case-officer",
        &request_advice(),
        json!({ "a": assessment_id, "agency": SLT, "scope": "COMMUNICATION" }),
    )
    .await;
    let slt_request = id_of(&ok(&slt_request, "requestAdvice"));
    let ep_request = call(
        &app,
        "case-officer",
        &request_advice(),
        json!({ "a": assessment_id, "agency": EP, "scope": "PSYCHOLOGY" }),
    )
    .await;
    let ep_request = id_of(&ok(&ep_request, "requestAdvice"));
    let submitted = call(
        &app,
        "slt",
        &submit_advice(),
        json!({ "r": slt_request, "i": advice_input("SLT advice") }),
    )
    .await;
    let slt_advice = id_of(&ok(&submitted, "submitAdvice"));
    ok(
        &call(
            &app,
            "case-officer",
            &reuse_advice(),
            json!({ "r": ep_request, "c": ep_id, "author": true, "family": true }),
        )
        .await,
        "reuseAdvice",
    );

    let only = |entries: Vec<Value>, action: &str| -> Value {
        assert_eq!(entries.len(), 1, "one {action} entry: {entries:?}");
        entries[0].clone()
    };
    let of = |action: &'static str| json!({ "childId": AMIRA, "action": action });

    let e = only(
        trace_entries(&app, of("ALL_ABOUT_ME_UPDATED")).await,
        "ALL_ABOUT_ME_UPDATED",
    );
    assert_eq!(e["actorSubject"], "test-parent");
    assert_eq!(e["childId"], AMIRA.to_string());
    assert_eq!(detail(&e, "version"), Some(version.to_string()));

    let e = only(trace_entries(&app, of("CONTRIBUTE")).await, "CONTRIBUTE");
    assert_eq!(e["actorSubject"], "test-ep");
    assert_eq!(e["actorAgencyId"], EP.to_string());
    assert_eq!(e["actorAgencyKind"], "EP");
    assert_eq!(e["purpose"], "DIRECT_SUPPORT");
    assert_eq!(detail(&e, "contribution_id"), Some(ep_id.clone()));
    assert_eq!(detail(&e, "scope").as_deref(), Some("PSYCHOLOGY"));
    assert_eq!(detail(&e, "kind").as_deref(), Some("ADVICE"));

    let e = only(
        trace_entries(&app, of("ASSESSMENT_STARTED")).await,
        "ASSESSMENT_STARTED",
    );
    assert_eq!(e["actorSubject"], "test-case-officer");
    assert_eq!(detail(&e, "assessment_id"), Some(assessment_id.clone()));

    let steps = trace_entries(&app, of("ASSESSMENT_STEP")).await;
    let mut kinds: Vec<String> = steps.iter().filter_map(|e| detail(e, "step")).collect();
    kinds.sort();
    assert_eq!(kinds, vec!["DECIDED_TO_ASSESS", "EXCEPTION"], "{steps:?}");
    for e in &steps {
        assert_eq!(e["actorSubject"], "test-case-officer");
        assert_eq!(detail(e, "assessment_id"), Some(assessment_id.clone()));
        assert_eq!(detail(e, "on"), Some(today.to_string()));
    }

    let asked = trace_entries(&app, of("ADVICE_REQUESTED")).await;
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
            Some(SLT.to_string()),
            Some("COMMUNICATION".to_owned()),
        ),
        (
            Some(ep_request.clone()),
            Some(EP.to_string()),
            Some("PSYCHOLOGY".to_owned()),
        ),
    ];
    expected.sort();
    assert_eq!(pairs, expected, "{asked:?}");

    let e = only(
        trace_entries(&app, of("ADVICE_SUBMITTED")).await,
        "ADVICE_SUBMITTED",
    );
    assert_eq!(e["actorSubject"], "test-slt");
    assert_eq!(e["actorAgencyId"], SLT.to_string());
    assert_eq!(detail(&e, "request_id"), Some(slt_request.clone()));
    assert_eq!(detail(&e, "contribution_id"), Some(slt_advice));

    let e = only(
        trace_entries(&app, of("ADVICE_REUSED")).await,
        "ADVICE_REUSED",
    );
    assert_eq!(e["actorSubject"], "test-case-officer");
    assert_eq!(detail(&e, "request_id"), Some(ep_request));
    assert_eq!(detail(&e, "contribution_id"), Some(ep_id));

    // None of the words written reach the trace, in any entry.
    let everything = trace_entries(&app, json!({})).await;
    assert!(everything.len() >= 10, "{everything:?}");
    for e in &everything {
        assert!(!e.to_string().contains(MARK), "free text in the trace: {e}");
        assert!(!e.to_string().contains("the family were away"), "{e}");
    }
}
