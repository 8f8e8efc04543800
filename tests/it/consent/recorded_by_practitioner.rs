use chrono::Duration;
use consent::{Capture, GrantorCapacity, Withdrawal};
use domain::{AgencyKind, Relationship, Scope};
use serde_json::{Value, json};

use super::*;
use crate::fixtures::{Agency, Child};
use crate::helpers::*;

/// The mother, who holds parental responsibility.
const PARENT_PERSON: &str = "parent-1";

/// The call record a practitioner names for a phone decision.
const CALL: &str = "call 1 Dec 2026 10:30, SLT call log ref C-1042";

/// A child aged 9 whose mother holds parental responsibility and whose
/// grandmother (`nasreen-1`) does not, with a communication profile, whom
/// `agency` currently supports.
async fn child_with_a_communication_profile(app: &TestApp, agency: &Agency) -> Child {
    app.child()
        .aged(9)
        .involving(agency)
        .with_parent(PARENT_PERSON)
        .with_carer("nasreen-1", Relationship::Grandparent)
        .with_record(|r| {
            r.communication.profile =
                Some("Fluent speech; difficulties with inference and turn-taking.".into());
        })
        .create()
        .await
}

#[tokio::test]
async fn a_recording_agency_records_verbal_consent_for_the_consent_authority() {
    let app = spawn_app().await;
    let slt_service = app.agency(AgencyKind::Slt).create().await;
    let child = child_with_a_communication_profile(&app, &slt_service).await;
    let yot_service = app.agency(AgencyKind::YouthJustice).create().await;
    // Speech and language therapy works with the child (a direct-support
    // read needs a current involvement).
    app.involve(child.id, &slt_service).await;
    let slt_persona = app.practitioner(&slt_service);
    let slt = slt_persona.token();
    let recorder = slt_persona.subject();
    let child_id = child.id;
    let input = |method: Option<&str>, grantor: Option<&str>| {
        json!({
            "childId": child_id,
            "recipientAgencyKind": "SLT",
            "scopes": ["COMMUNICATION"],
            "purposes": ["DIRECT_SUPPORT"],
            "method": method,
            "grantorPersonId": grantor,
            "evidence": CALL,
        })
    };
    let before = read_child(&app, &slt, Some("DIRECT_SUPPORT"), child_id).await;
    assert_withheld(
        &before,
        "communication",
        "CONSENT_REQUIRED",
        "COMMUNICATION",
    );

    let digital = grant(&app, &slt, input(Some("DIGITAL"), Some(PARENT_PERSON))).await;
    assert_eq!(digital.codes(), vec!["BAD_USER_INPUT"], "{digital:?}");
    assert_eq!(field(&digital), "method", "{digital:?}");
    let nobody = grant(&app, &slt, input(Some("VERBAL"), None)).await;
    assert_eq!(nobody.codes(), vec!["BAD_USER_INPUT"], "{nobody:?}");
    assert_eq!(field(&nobody), "grantorPersonId", "{nobody:?}");
    let yot = grant(
        &app,
        &app.practitioner(&yot_service).token(),
        input(Some("VERBAL"), Some(PARENT_PERSON)),
    )
    .await;
    assert_eq!(yot.codes(), vec!["FORBIDDEN"], "{yot:?}");
    // The person named must hold consent authority.
    let grandmother = grant(&app, &slt, input(Some("VERBAL"), Some("nasreen-1"))).await;
    assert_eq!(grandmother.codes(), vec!["FORBIDDEN"], "{grandmother:?}");
    let unchanged = read_child(&app, &slt, Some("DIRECT_SUPPORT"), child_id).await;
    assert_withheld(
        &unchanged,
        "communication",
        "CONSENT_REQUIRED",
        "COMMUNICATION",
    );

    let granted = grant(&app, &slt, input(Some("VERBAL"), Some(PARENT_PERSON))).await;
    let receipt = &granted.body["data"]["grantConsent"];
    assert_eq!(receipt["event"], "GRANTED", "{granted:?}");
    assert_eq!(receipt["method"], "VERBAL");
    assert_eq!(receipt["recordedBy"], recorder);
    assert_eq!(receipt["grantorPersonId"], PARENT_PERSON);
    assert_eq!(receipt["grantorCapacity"], "PARENTAL_RESPONSIBILITY");
    let grant_id = receipt["grantId"].as_str().expect("grant id").to_owned();

    let after = read_child(&app, &slt, Some("DIRECT_SUPPORT"), child_id).await;
    assert_visible(&after, "communication");
    assert!(
        after.body["data"]["child"]["communication"]["profile"]
            .as_str()
            .is_some_and(|p| p.contains("inference")),
        "{after:?}"
    );
    assert_eq!(access(&after, "COMMUNICATION")["basis"], "CONSENT");
    // The family sees who recorded it; the recorder may read its receipt.
    let parent = app.family_member(PARENT_PERSON).token();
    let listed = find_grant(&app, &parent, child_id, |c| {
        c["id"] == grant_id.as_str() && c["method"] == "VERBAL" && c["recordedBy"] == recorder
    })
    .await;
    assert_eq!(listed, grant_id);
    let r = app
        .graphql_as(
            Some(&slt),
            Some("DIRECT_SUPPORT"),
            &receipt_query(),
            json!({ "id": grant_id }),
        )
        .await;
    assert_eq!(
        r.body["data"]["consentReceipt"]["recordedBy"], recorder,
        "{r:?}"
    );
}

/// A withdrawal's receipt says how the withdrawal itself was made and who
/// recorded it, not how the grant was captured.
#[tokio::test]
async fn a_withdrawal_receipt_records_how_the_withdrawal_was_made() {
    let app = spawn_app().await;
    let slt_service = app.agency(AgencyKind::Slt).create().await;
    let child = child_with_a_communication_profile(&app, &slt_service).await;
    let slt_persona = app.practitioner(&slt_service);
    let slt = slt_persona.token();
    let parent = app.family_member(PARENT_PERSON).token();
    let child_id = child.id;
    let input = |method: Option<&str>, grantor: Option<&str>| {
        json!({
            "childId": child_id,
            "recipientAgencyKind": "SLT",
            "scopes": ["COMMUNICATION"],
            "purposes": ["DIRECT_SUPPORT"],
            "method": method,
            "grantorPersonId": grantor,
            "evidence": if method.is_some() { Some(CALL) } else { None },
        })
    };

    // Recorded by SLT from a phone call; withdrawn by the mother herself, online.
    let verbal = grant(&app, &slt, input(Some("VERBAL"), Some(PARENT_PERSON))).await;
    let verbal_id = verbal.body["data"]["grantConsent"]["grantId"]
        .as_str()
        .unwrap_or_else(|| panic!("not granted: {verbal:?}"))
        .to_owned();
    let own = withdraw(&app, &parent, &verbal_id, None).await;
    let receipt = &own.body["data"]["withdrawConsent"];
    assert_eq!(receipt["event"], "WITHDRAWN", "{own:?}");
    assert_eq!(
        (&receipt["method"], &receipt["recordedBy"]),
        (&json!("DIGITAL"), &Value::Null),
        "the mother withdrew it herself, online: {own:?}"
    );

    // Granted by the mother online; withdrawn by phone, recorded by SLT.
    let digital = grant(&app, &parent, input(None, None)).await;
    let digital_id = digital.body["data"]["grantConsent"]["grantId"]
        .as_str()
        .unwrap_or_else(|| panic!("not granted: {digital:?}"))
        .to_owned();
    let recorded = app
        .graphql_as(
            Some(&slt),
            Some("DIRECT_SUPPORT"),
            &withdraw_mutation(),
            json!({ "id": digital_id, "grantor": PARENT_PERSON, "evidence": CALL }),
        )
        .await;
    let receipt = &recorded.body["data"]["withdrawConsent"];
    assert_eq!(receipt["event"], "WITHDRAWN", "{recorded:?}");
    assert_eq!(
        receipt["recordedBy"],
        slt_persona.subject(),
        "the practitioner who recorded the withdrawal: {recorded:?}"
    );
    assert_ne!(
        receipt["method"], "DIGITAL",
        "a practitioner records WRITTEN or VERBAL decisions: {recorded:?}"
    );
}

/// A phone decision the SLT service records, for COMMUNICATION with SLT.
fn verbal_input(child: Uuid, evidence: Option<&str>) -> Value {
    json!({
        "childId": child,
        "recipientAgencyKind": "SLT",
        "scopes": ["COMMUNICATION"],
        "purposes": ["DIRECT_SUPPORT"],
        "method": "VERBAL",
        "grantorPersonId": PARENT_PERSON,
        "evidence": evidence,
    })
}

/// The receipt the family sees in their consents view for `grant_id`.
async fn family_receipt(app: &TestApp, child: Uuid, grant_id: &str) -> Value {
    let parent = app.family_member(PARENT_PERSON).token();
    let answer = app
        .graphql_as(Some(&parent), None, CONSENTS, json!({ "id": child }))
        .await;
    answer.body["data"]["consents"]
        .as_array()
        .and_then(|all| all.iter().find(|c| c["id"] == grant_id))
        .unwrap_or_else(|| panic!("the family does not see {grant_id}: {answer:?}"))
        .clone()
}

#[tokio::test]
async fn a_recorded_decision_names_its_evidence_and_the_family_sees_it_at_once() {
    let app = spawn_app().await;
    let slt_service = app.agency(AgencyKind::Slt).create().await;
    let child = child_with_a_communication_profile(&app, &slt_service).await;
    let slt_persona = app.practitioner(&slt_service);
    let slt = slt_persona.token();

    for missing in [None, Some("  ")] {
        let refused = grant(&app, &slt, verbal_input(child.id, missing)).await;
        assert_eq!(refused.codes(), vec!["BAD_USER_INPUT"], "{refused:?}");
        assert_eq!(field(&refused), "evidence", "{refused:?}");
        assert!(
            refused.body["errors"][0]["message"]
                .as_str()
                .is_some_and(|m| m.contains("call's date, time and reference")),
            "{refused:?}"
        );
    }
    let still = read_child(&app, &slt, Some("DIRECT_SUPPORT"), child.id).await;
    assert_withheld(&still, "communication", "CONSENT_REQUIRED", "COMMUNICATION");

    let granted = grant(&app, &slt, verbal_input(child.id, Some(CALL))).await;
    let receipt = &granted.body["data"]["grantConsent"];
    assert_eq!(receipt["evidence"], CALL, "{granted:?}");
    assert_eq!(receipt["awaitingFamilyConfirmation"], false);
    let grant_id = receipt["grantId"].as_str().expect("granted").to_owned();

    // The family's consents view has it, with its receipt, straight away.
    let seen = family_receipt(&app, child.id, &grant_id).await;
    assert_eq!(seen["status"], "ACTIVE", "{seen}");
    assert_eq!(seen["evidence"], CALL, "{seen}");
    assert_eq!(seen["receipt"]["receiptId"], grant_id.as_str(), "{seen}");
    assert_eq!(
        seen["receipt"]["note"],
        format!(
            "recorded for you by {} (by phone or in person)",
            slt_persona.subject()
        ),
        "{seen}"
    );
    let after = read_child(&app, &slt, Some("DIRECT_SUPPORT"), child.id).await;
    assert_visible(&after, "communication");
}

/// Writes a withdrawal of `grant_id` dated `days` ago, by the mother
/// herself (there is no operation for decisions in the past).
async fn withdraw_days_ago(app: &TestApp, child: Uuid, grant_id: &str, days: i64) {
    let withdrawal = Withdrawal {
        id: Uuid::new_v4(),
        at: app.now() - Duration::days(days),
        by_person_id: PARENT_PERSON.into(),
        capacity: GrantorCapacity::ParentalResponsibility,
        reason: None,
        capture: Capture::Digital,
    };
    let tx = app.store.traced().await.expect("transaction");
    tx.insert_withdrawal(child, grant_id.parse().expect("uuid"), &withdrawal)
        .await
        .expect("insert withdrawal");
    tx.commit(Vec::new()).await.expect("commit");
}

#[tokio::test]
async fn a_recorded_decision_cannot_reopen_a_recent_withdrawal_until_the_family_confirms() {
    let app = spawn_app().await;
    let slt_service = app.agency(AgencyKind::Slt).create().await;
    let child = child_with_a_communication_profile(&app, &slt_service).await;
    let slt = app.practitioner(&slt_service).token();
    let parent = app.family_member(PARENT_PERSON);
    // The mother shared COMMUNICATION with SLT a month ago and withdrew it
    // three days ago.
    let old = parent
        .grant(&child)
        .for_every(AgencyKind::Slt)
        .scopes([Scope::Communication])
        .purposes([consent::Purpose::DirectSupport])
        .made_days_ago(40, GrantorCapacity::ParentalResponsibility)
        .await;
    withdraw_days_ago(&app, child.id, &old, 3).await;

    let recorded = grant(&app, &slt, verbal_input(child.id, Some(CALL))).await;
    let receipt = &recorded.body["data"]["grantConsent"];
    assert_eq!(receipt["awaitingFamilyConfirmation"], true, "{recorded:?}");
    assert!(
        receipt["note"]
            .as_str()
            .is_some_and(|n| n.contains("does not take effect until you confirm it yourself")),
        "the answer says why: {recorded:?}"
    );
    let pending = receipt["grantId"].as_str().expect("recorded").to_owned();
    let seen = family_receipt(&app, child.id, &pending).await;
    assert_eq!(
        (&seen["status"], &seen["awaitsFamily"]),
        (&json!("PENDING"), &json!(true))
    );
    let read = read_child(&app, &slt, Some("DIRECT_SUPPORT"), child.id).await;
    assert_withheld(&read, "communication", "CONSENT_REQUIRED", "COMMUNICATION");

    let confirm = "mutation($id: ID!) { confirmConsent(grantId: $id) { id status awaitsFamily } }";
    let by_slt = app
        .graphql_as(
            Some(&slt),
            Some("DIRECT_SUPPORT"),
            confirm,
            json!({ "id": pending }),
        )
        .await;
    assert_eq!(by_slt.codes(), vec!["FORBIDDEN"], "{by_slt:?}");
    let by_parent = app
        .graphql_as(
            Some(&parent.token()),
            None,
            confirm,
            json!({ "id": pending }),
        )
        .await;
    let confirmed = &by_parent.body["data"]["confirmConsent"];
    assert_eq!(
        (&confirmed["status"], &confirmed["awaitsFamily"]),
        (&json!("ACTIVE"), &json!(false)),
        "{by_parent:?}"
    );
    let read = read_child(&app, &slt, Some("DIRECT_SUPPORT"), child.id).await;
    assert_visible(&read, "communication");
}

#[tokio::test]
async fn a_withdrawal_older_than_the_window_does_not_hold_a_record_back() {
    let app = spawn_app().await;
    let slt_service = app.agency(AgencyKind::Slt).create().await;
    let child = child_with_a_communication_profile(&app, &slt_service).await;
    let slt = app.practitioner(&slt_service).token();
    let old = app
        .family_member(PARENT_PERSON)
        .grant(&child)
        .for_every(AgencyKind::Slt)
        .scopes([Scope::Communication])
        .purposes([consent::Purpose::DirectSupport])
        .made_days_ago(90, GrantorCapacity::ParentalResponsibility)
        .await;
    withdraw_days_ago(&app, child.id, &old, 31).await;
    let recorded = grant(&app, &slt, verbal_input(child.id, Some(CALL))).await;
    assert_eq!(
        recorded.body["data"]["grantConsent"]["awaitingFamilyConfirmation"], false,
        "{recorded:?}"
    );
    let read = read_child(&app, &slt, Some("DIRECT_SUPPORT"), child.id).await;
    assert_visible(&read, "communication");
}

const RECORDED: &str = "query($first: Int, $after: String) {
  recordedConsents(first: $first, after: $after) {
    edges { cursor node { childId reopensRecentWithdrawal
      consent { id method recordedBy evidence scopes status awaitsFamily confirmedAt } } }
    pageInfo { hasNextPage endCursor } } }";

/// IG's anomaly view lists every decision a practitioner recorded, newest
/// first and page by page, with its recorder, evidence and whether it
/// re-opened a recent withdrawal; a family's own digital decisions are not
/// in it, and nobody but IG staff may read it.
#[tokio::test]
async fn ig_sees_practitioner_recorded_decisions_in_its_anomaly_view() {
    let app = spawn_app().await;
    let slt_service = app.agency(AgencyKind::Slt).create().await;
    let child = child_with_a_communication_profile(&app, &slt_service).await;
    let slt_persona = app.practitioner(&slt_service);
    let slt = slt_persona.token();
    let parent = app.family_member(PARENT_PERSON);
    // The family's own digital grant, withdrawn three days ago.
    let own = parent
        .grant(&child)
        .for_every(AgencyKind::Slt)
        .scopes([Scope::Communication])
        .purposes([consent::Purpose::DirectSupport])
        .made_days_ago(40, GrantorCapacity::ParentalResponsibility)
        .await;
    withdraw_days_ago(&app, child.id, &own, 3).await;
    // SLT then records a phone decision re-opening it.
    let recorded = grant(&app, &slt, verbal_input(child.id, Some(CALL))).await;
    let reopening = recorded.body["data"]["grantConsent"]["grantId"]
        .as_str()
        .unwrap_or_else(|| panic!("recorded: {recorded:?}"))
        .to_owned();
    // And an earlier-dated paper decision for another child.
    let other = child_with_a_communication_profile(&app, &slt_service).await;
    let mut paper = verbal_input(other.id, Some("consent form FORM-17, scanned 30 Nov"));
    paper["method"] = json!("WRITTEN");
    let written = grant(&app, &slt, paper).await;
    let written = written.body["data"]["grantConsent"]["grantId"]
        .as_str()
        .unwrap_or_else(|| panic!("recorded: {written:?}"))
        .to_owned();

    let ig = app.ig_auditor().await;
    let first = ig.graphql(RECORDED, json!({ "first": 1 })).await;
    let page = &first.body["data"]["recordedConsents"];
    let edges = page["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("{first:?}"));
    assert_eq!(edges.len(), 1, "{first:?}");
    assert_eq!(page["pageInfo"]["hasNextPage"], true, "{first:?}");
    let newest = &edges[0]["node"];
    assert_eq!(
        newest["consent"]["id"],
        written.as_str(),
        "newest first: {first:?}"
    );
    assert_eq!(newest["consent"]["method"], "WRITTEN");
    assert_eq!(newest["reopensRecentWithdrawal"], false);

    let after = page["pageInfo"]["endCursor"].clone();
    let second = ig
        .graphql(RECORDED, json!({ "first": 10, "after": after }))
        .await;
    let page = &second.body["data"]["recordedConsents"];
    let edges = page["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("{second:?}"));
    assert_eq!(
        edges.len(),
        1,
        "the family's own grant is not listed: {second:?}"
    );
    assert_eq!(page["pageInfo"]["hasNextPage"], false);
    let node = &edges[0]["node"];
    assert_eq!(node["childId"], child.id.to_string());
    assert_eq!(node["reopensRecentWithdrawal"], true, "{node}");
    let consent = &node["consent"];
    assert_eq!(consent["id"], reopening.as_str());
    assert_eq!(consent["method"], "VERBAL");
    assert_eq!(consent["recordedBy"], slt_persona.subject());
    assert_eq!(consent["evidence"], CALL);
    assert_eq!(
        (&consent["status"], &consent["awaitsFamily"]),
        (&json!("PENDING"), &json!(true)),
        "{consent}"
    );

    // Reading the view is itself traced, per child shown.
    let trace = app
        .ig_auditor()
        .await
        .graphql(
            "query($c: ID!) { accessTrace(filter: { childId: $c, action: READ }) {
               edges { node { details { key value } } } } }",
            json!({ "c": child.id }),
        )
        .await;
    assert!(
        trace.body.to_string().contains("recorded_consents"),
        "{trace:?}"
    );

    let bad = ig
        .graphql(RECORDED, json!({ "after": "rec:not-a-cursor" }))
        .await;
    assert_eq!(bad.codes(), vec!["BAD_USER_INPUT"], "{bad:?}");
    assert_eq!(field(&bad), "after", "{bad:?}");
    for who in [&slt_persona, &parent, &app.case_officer().await] {
        let refused = who.graphql(RECORDED, json!({})).await;
        assert_eq!(
            refused.codes(),
            vec!["FORBIDDEN"],
            "{}: {refused:?}",
            who.subject()
        );
    }
}
