//! Receipts as a family and an IG officer read them, pinned as snapshots
//! (ids and times redacted): a change to what a receipt says shows up as
//! a reviewed diff, not a silent drift.

use api::demo::AMIRA;
use serde_json::json;

use super::*;
use crate::helpers::*;

#[tokio::test]
async fn grant_and_withdrawal_receipts_read_as_pinned() {
    // TODO(fixtures): on the demo
    let app = spawn_demo_app().await;
    let parent = app.token_for("parent");
    let granted = grant(
        &app,
        &parent,
        json!({
            "childId": AMIRA,
            "recipientAgencyKind": "HEALTH",
            "scopes": ["PHYSICAL_HEALTH", "COMMUNICATION"],
            "purposes": ["DIRECT_SUPPORT"],
        }),
    )
    .await;
    let receipt = granted.body["data"]["grantConsent"].clone();
    let grant_id = receipt["grantId"].as_str().expect("granted").to_owned();
    insta::assert_json_snapshot!("grant_receipt", receipt, {
        ".receiptId" => "[receipt id]",
        ".grantId" => "[grant id]",
        ".timestamp" => "[time]",
        ".validFrom" => "[time]",
    });
    let withdrawn = withdraw(&app, &parent, &grant_id, Some("Changed my mind")).await;
    let receipt = withdrawn.body["data"]["withdrawConsent"].clone();
    insta::assert_json_snapshot!("withdrawal_receipt", receipt, {
        ".receiptId" => "[receipt id]",
        ".grantId" => "[grant id]",
        ".timestamp" => "[time]",
        ".validFrom" => "[time]",
    });
}
