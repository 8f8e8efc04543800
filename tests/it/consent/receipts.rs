//! Receipts as a family and an IG officer read them, pinned as snapshots
//! (ids and times redacted): a change to what a receipt says shows up as
//! a reviewed diff, not a silent drift.

use serde_json::json;

use super::*;
use crate::helpers::*;

/// A child aged 9 whose mother, `parent-1`, holds parental responsibility,
/// grants the health service two scopes and then withdraws them.
#[tokio::test]
async fn grant_and_withdrawal_receipts_read_as_pinned() {
    let app = spawn_app().await;
    let child = app.child().aged(9).with_parent("parent-1").create().await;
    let parent = app.family_member("parent-1").token();
    let granted = grant(
        &app,
        &parent,
        json!({
            "childId": child.id,
            "recipientAgencyKind": "HEALTH",
            "scopes": ["PHYSICAL_HEALTH", "COMMUNICATION"],
            "purposes": ["DIRECT_SUPPORT"],
        }),
    )
    .await;
    let receipt = granted.body["data"]["grantConsent"].clone();
    assert_eq!(receipt["subject"], child.id.to_string(), "{granted:?}");
    let grant_id = receipt["grantId"].as_str().expect("granted").to_owned();
    insta::assert_json_snapshot!("grant_receipt", receipt, {
        ".receiptId" => "[receipt id]",
        ".grantId" => "[grant id]",
        ".timestamp" => "[time]",
        ".validFrom" => "[time]",
        ".subject" => "[child id]",
    });
    let withdrawn = withdraw(&app, &parent, &grant_id, Some("Changed my mind")).await;
    let receipt = withdrawn.body["data"]["withdrawConsent"].clone();
    assert_eq!(receipt["subject"], child.id.to_string(), "{withdrawn:?}");
    insta::assert_json_snapshot!("withdrawal_receipt", receipt, {
        ".receiptId" => "[receipt id]",
        ".grantId" => "[grant id]",
        ".timestamp" => "[time]",
        ".validFrom" => "[time]",
        ".subject" => "[child id]",
    });
}
