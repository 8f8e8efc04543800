//! Consent over HTTP: grants, withdrawals, authority, overrides, agreements.

/// Agreements bound consent; a published agreement governs the very next decision.
mod agreements;
/// Consent authority, its hand-over at 16, a young person's review, and capacity.
mod authority;
/// Break glass: grounds, telling the family, second approval, overdue review.
mod break_glass;
/// Withdrawal under concurrent reads: no read started after it sees the scope.
mod concurrent_withdrawal;
/// Grant and withdraw, each effective on the very next request, and their receipts.
mod grant_withdraw;
/// Safeguarding overrides: bounded, reviewed, and ended when not upheld.
mod overrides;
/// Receipts pinned as insta snapshots (ids and times redacted).
mod receipts;
/// Consent and withdrawals recorded by a practitioner, and what their receipts say.
mod recorded_by_practitioner;
/// Who decides, scope by scope: PR with dates and limits, Gillick, capacity.
mod who_decides;

use domain::{CamhsStatus, HealthItem, HealthItemKind};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::fixtures::Child;
use crate::helpers::*;

/// A child aged 9 whose mother (`parent-1`) holds parental responsibility,
/// with something in the sections these tests read: a peanut allergy, the
/// CAMHS waiting list, Year 4 at Riverside. No consent yet.
async fn child_aged_9(app: &TestApp) -> Child {
    app.child()
        .aged(9)
        .with_parent("parent-1")
        .with_record(|r| {
            r.physical_health.items.push(HealthItem {
                id: Uuid::new_v4(),
                kind: HealthItemKind::Allergy,
                name: "Peanuts".into(),
                detail: Some("Anaphylaxis; auto-injector in the school office".into()),
            });
            r.mental_health.camhs_status = Some(CamhsStatus::Waiting);
            r.education.setting_name = Some("Riverside Primary School".into());
            r.education.year_group = Some("Year 4".into());
        })
        .create()
        .await
}

/// The whole record, with the access summary and what the caller may know of
/// involvements and overrides.
pub(crate) const CHILD: &str = "query($id: ID!) { child(id: $id) {
  id
  identity { givenName familyName }
  family { fullName }
  allAboutMe { whatMatters }
  education { settingName }
  senNeeds { provision }
  psychology { advice }
  physicalHealth { conditions { name } allergies { name } }
  communication { profile }
  sensoryPhysical { equipment }
  mentalHealth { camhsStatus }
  socialCare { shortBreaks }
  preparingForAdulthood { employment }
  restricted { kind summary }
  involvements { agencyKind }
  safeguardingOverrides { id scopes notice }
  access { scope allowed basis denial grantIds overrideId agreementVersion }
} }";

const RECEIPT_FIELDS: &str = "receiptId event timestamp version jurisdiction language subject
  controller controllerContact { name address email phone } policyUrl noticeVersion
  agreementVersion grantorPersonId grantorCapacity recipientAgencyId recipientAgencyKind scopes
  purposes lawfulBases { scope purpose lawfulBasis { article6 condition gateway citation gdprConsent } }
  sensitive spiCat agreementKind agreementWords validFrom validUntil method recordedBy evidence
  awaitingFamilyConfirmation note grantId reason";

fn grant_mutation() -> String {
    format!(
        "mutation($input: GrantConsentInput!) {{ grantConsent(input: $input) {{ {RECEIPT_FIELDS} }} }}"
    )
}

fn withdraw_mutation() -> String {
    format!(
        "mutation($id: ID!, $reason: String, $grantor: String, $evidence: String) {{
           withdrawConsent(grantId: $id, reason: $reason, grantorPersonId: $grantor, evidence: $evidence) {{ {RECEIPT_FIELDS} }} }}"
    )
}

fn receipt_query() -> String {
    format!("query($id: ID!) {{ consentReceipt(id: $id) {{ {RECEIPT_FIELDS} }} }}")
}

const CONSENTS: &str = "query($id: ID!) { consents(childId: $id) {
  id status grantorPersonId grantorCapacity recipientAgencyId recipientAgencyKind scopes purposes
  method recordedBy evidence withdrawnAt withdrawalReason confirmedAt awaitsYoungPerson awaitsFamily
  receipt { receiptId note evidence awaitingFamilyConfirmation }
} }";

/// Claims for a family member signed in as `person_id`.
fn family_claims(app: &TestApp, person_id: &str) -> Value {
    let mut claims = app.family_member(person_id).claims();
    claims["sub"] = json!(format!("test-{person_id}"));
    claims
}

fn family_token(app: &TestApp, person_id: &str) -> String {
    app.hs256(&family_claims(app, person_id))
}

/// The `extensions.field` of the first error.
fn field(answer: &Answer) -> &str {
    answer.body["errors"][0]["extensions"]["field"]
        .as_str()
        .unwrap_or_default()
}

/// The access entry for `scope` in `child.access`.
pub(crate) fn access<'a>(answer: &'a Answer, scope: &str) -> &'a Value {
    answer.body["data"]["child"]["access"]
        .as_array()
        .and_then(|entries| entries.iter().find(|e| e["scope"] == scope))
        .unwrap_or_else(|| panic!("no access entry for {scope}: {answer:?}"))
}

/// Asserts `section` is null with an error at `child.<section>` carrying
/// `code` and `scope`.
fn assert_withheld(answer: &Answer, section: &str, code: &str, scope: &str) {
    assert!(
        answer.body["data"]["child"].is_object(),
        "the record itself should be there: {answer:?}"
    );
    assert!(
        answer.body["data"]["child"][section].is_null(),
        "{section} should be withheld: {answer:?}"
    );
    let error = answer
        .error_at(&["child", section])
        .unwrap_or_else(|| panic!("no error at child.{section}: {answer:?}"));
    assert_eq!(error["extensions"]["code"], code, "{section}: {error}");
    assert_eq!(error["extensions"]["scope"], scope, "{section}: {error}");
}

/// Asserts `section` is present without an error at its path.
fn assert_visible(answer: &Answer, section: &str) {
    assert!(
        !answer.body["data"]["child"][section].is_null(),
        "{section} should be visible: {answer:?}"
    );
    assert!(
        answer.error_at(&["child", section]).is_none(),
        "{section} has an error: {answer:?}"
    );
}

async fn read_child(app: &TestApp, token: &str, purpose: Option<&str>, child: Uuid) -> Answer {
    app.graphql_as(Some(token), purpose, CHILD, json!({ "id": child }))
        .await
}

async fn grant(app: &TestApp, token: &str, input: Value) -> Answer {
    app.graphql_as(
        Some(token),
        Some("DIRECT_SUPPORT"),
        &grant_mutation(),
        json!({ "input": input }),
    )
    .await
}

async fn withdraw(app: &TestApp, token: &str, grant_id: &str, reason: Option<&str>) -> Answer {
    app.graphql_as(
        Some(token),
        Some("DIRECT_SUPPORT"),
        &withdraw_mutation(),
        json!({ "id": grant_id, "reason": reason }),
    )
    .await
}

/// The id of the one grant of `child` matching `pred`, as the family sees it.
async fn find_grant(
    app: &TestApp,
    token: &str,
    child: Uuid,
    pred: impl Fn(&Value) -> bool,
) -> String {
    let answer = app
        .graphql_as(Some(token), None, CONSENTS, json!({ "id": child }))
        .await;
    let consents = answer.body["data"]["consents"]
        .as_array()
        .unwrap_or_else(|| panic!("no consents: {answer:?}"));
    let matching: Vec<&Value> = consents.iter().filter(|c| pred(c)).collect();
    assert_eq!(matching.len(), 1, "expected one matching grant: {answer:?}");
    matching[0]["id"].as_str().expect("grant id").to_owned()
}
