use domain::{AgencyKind, Relationship};
use serde_json::{Value, json};

use super::*;
use crate::fixtures::Child;
use crate::helpers::*;

/// The mother, who holds parental responsibility.
const PARENT_PERSON: &str = "parent-1";

/// A child aged 9 whose mother holds parental responsibility and whose
/// grandmother (`nasreen-1`) does not, with a communication profile.
async fn child_with_a_communication_profile(app: &TestApp) -> Child {
    app.child()
        .aged(9)
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
    let child = child_with_a_communication_profile(&app).await;
    let slt_service = app.agency(AgencyKind::Slt).create().await;
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
    let child = child_with_a_communication_profile(&app).await;
    let slt_persona = app.practitioner(&app.agency(AgencyKind::Slt).create().await);
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
            json!({ "id": digital_id, "grantor": PARENT_PERSON }),
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
