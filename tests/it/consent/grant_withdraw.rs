use domain::AgencyKind;
use serde_json::{Value, json};

use super::*;
use crate::helpers::*;

#[tokio::test]
async fn a_grant_is_seen_on_the_next_request_and_a_withdrawal_ends_it_at_once() {
    let app = spawn_app().await;
    let child = child_aged_9(&app).await;
    let health_service = app.agency(AgencyKind::Health).create().await;
    // The health service works with the child: without that involvement
    // it would see nothing of her before the grant (NOT_FOUND).
    app.involve(child.id, &health_service).await;
    let parent = app.family_member("parent-1").token();
    let health = app.practitioner(&health_service).token();
    let young_person = app.young_person("someone-else").token();
    let child_id = child.id;

    let before = read_child(&app, &health, Some("DIRECT_SUPPORT"), child_id).await;
    assert_withheld(
        &before,
        "physicalHealth",
        "CONSENT_REQUIRED",
        "PHYSICAL_HEALTH",
    );
    assert!(!before.body.to_string().contains("Peanuts"), "{before:?}");

    let granted = grant(
        &app,
        &parent,
        json!({
            "childId": child_id,
            "recipientAgencyKind": "HEALTH",
            "scopes": ["PHYSICAL_HEALTH"],
            "purposes": ["DIRECT_SUPPORT"],
        }),
    )
    .await;
    let receipt = &granted.body["data"]["grantConsent"];
    assert!(receipt.is_object(), "grant refused: {granted:?}");
    assert_eq!(receipt["event"], "GRANTED", "{granted:?}");
    assert_eq!(receipt["subject"], child_id.to_string());
    assert_eq!(receipt["grantorPersonId"], "parent-1");
    assert_eq!(receipt["grantorCapacity"], "PARENTAL_RESPONSIBILITY");
    assert_eq!(receipt["method"], "DIGITAL");
    assert_eq!(receipt["controller"], "Test Council");
    assert_eq!(receipt["recipientAgencyKind"], "HEALTH");
    assert_eq!(receipt["recipientAgencyId"], Value::Null);
    assert_eq!(receipt["scopes"], json!(["PHYSICAL_HEALTH"]));
    assert_eq!(receipt["purposes"], json!(["DIRECT_SUPPORT"]));
    assert_eq!(receipt["recordedBy"], Value::Null);
    assert_eq!(
        receipt["receiptId"], receipt["grantId"],
        "a grant's receipt id is the grant id"
    );
    let grant_id = receipt["grantId"].as_str().expect("grant id").to_owned();

    let after = read_child(&app, &health, Some("DIRECT_SUPPORT"), child_id).await;
    assert_visible(&after, "physicalHealth");
    assert_eq!(
        after.body["data"]["child"]["physicalHealth"]["allergies"][0]["name"], "Peanuts",
        "{after:?}"
    );
    let entry = access(&after, "PHYSICAL_HEALTH");
    assert_eq!(entry["allowed"], true, "{entry}");
    assert_eq!(entry["basis"], "CONSENT", "{entry}");
    assert_eq!(entry["agreementVersion"], 1, "{entry}");
    assert!(
        entry["grantIds"]
            .as_array()
            .is_some_and(|ids| ids.contains(&json!(grant_id))),
        "grantIds should name the new grant: {entry}"
    );
    // Only that scope was granted.
    assert_withheld(&after, "mentalHealth", "CONSENT_REQUIRED", "MENTAL_HEALTH");

    let withdrawn = withdraw(&app, &parent, &grant_id, Some("Changed my mind")).await;
    let w = &withdrawn.body["data"]["withdrawConsent"];
    assert_eq!(w["event"], "WITHDRAWN", "{withdrawn:?}");
    assert_eq!(w["grantId"], grant_id);
    assert_eq!(w["subject"], child_id.to_string());
    assert_eq!(w["reason"], "Changed my mind");
    assert_eq!(w["grantorCapacity"], "PARENTAL_RESPONSIBILITY");
    assert_ne!(
        w["receiptId"],
        json!(grant_id),
        "a withdrawal has its own receipt"
    );
    let withdrawal_id = w["receiptId"].as_str().expect("receipt id").to_owned();

    let again = read_child(&app, &health, Some("DIRECT_SUPPORT"), child_id).await;
    assert_withheld(
        &again,
        "physicalHealth",
        "CONSENT_REQUIRED",
        "PHYSICAL_HEALTH",
    );
    assert!(!again.body.to_string().contains("Peanuts"), "{again:?}");
    assert_eq!(access(&again, "PHYSICAL_HEALTH")["grantIds"], json!([]));

    let twice = withdraw(&app, &parent, &grant_id, None).await;
    assert_eq!(twice.codes(), vec!["BAD_USER_INPUT"], "{twice:?}");
    assert_eq!(field(&twice), "grantId", "{twice:?}");

    let consents = app
        .graphql_as(Some(&parent), None, CONSENTS, json!({ "id": child_id }))
        .await;
    let mine = consents.body["data"]["consents"]
        .as_array()
        .and_then(|all| all.iter().find(|c| c["id"] == grant_id.as_str()))
        .unwrap_or_else(|| panic!("grant not listed: {consents:?}"));
    assert_eq!(mine["status"], "WITHDRAWN", "{mine}");
    assert_eq!(mine["withdrawalReason"], "Changed my mind", "{mine}");
    assert!(mine["withdrawnAt"].is_string(), "{mine}");

    for (id, event) in [(&grant_id, "GRANTED"), (&withdrawal_id, "WITHDRAWN")] {
        let r = app
            .graphql_as(Some(&parent), None, &receipt_query(), json!({ "id": id }))
            .await;
        let body = &r.body["data"]["consentReceipt"];
        assert_eq!(body["event"], event, "{r:?}");
        assert_eq!(body["receiptId"], id.as_str(), "{r:?}");
        assert_eq!(body["grantId"], grant_id, "{r:?}");
        assert_eq!(body["controller"], "Test Council", "{r:?}");
        // Anyone else: as if there were no such receipt.
        let stranger = family_token(&app, "person-stranger");
        for token in [health.clone(), young_person.clone(), stranger] {
            let other = app
                .graphql_as(
                    Some(&token),
                    Some("DIRECT_SUPPORT"),
                    &receipt_query(),
                    json!({ "id": id }),
                )
                .await;
            assert_eq!(other.codes(), vec!["NOT_FOUND"], "{other:?}");
            assert!(other.body["data"].is_null(), "{other:?}");
        }
    }
}
