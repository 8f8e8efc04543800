//! Consent over HTTP: grants, withdrawals, authority, overrides, agreements.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use api::demo::{AMIRA, CHLOE, JAYDEN, PARENT_PERSON, POPPY, SCHOOL, YOUNG_PERSON};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::*;

/// Every section of the record with the GraphQL scope it belongs to.
const SECTIONS: [(&str, &str); 13] = [
    ("identity", "IDENTITY"),
    ("family", "FAMILY"),
    ("allAboutMe", "ALL_ABOUT_ME"),
    ("education", "EDUCATION"),
    ("senNeeds", "SEN_NEEDS"),
    ("psychology", "PSYCHOLOGY"),
    ("physicalHealth", "PHYSICAL_HEALTH"),
    ("communication", "COMMUNICATION"),
    ("sensoryPhysical", "SENSORY_PHYSICAL"),
    ("mentalHealth", "MENTAL_HEALTH"),
    ("socialCare", "SOCIAL_CARE"),
    ("preparingForAdulthood", "PREPARING_FOR_ADULTHOOD"),
    ("restricted", "RESTRICTED"),
];

/// The whole record, with the access summary and what the caller may know of
/// involvements and overrides.
const CHILD: &str = "query($id: ID!) { child(id: $id) {
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
  safeguardingOverrides { id scopes reason }
  access { scope allowed basis denial grantIds overrideId agreementVersion }
} }";

const RECEIPT_FIELDS: &str = "receiptId event timestamp version jurisdiction subject controller
  grantorPersonId grantorCapacity recipientAgencyId recipientAgencyKind scopes purposes
  validFrom validUntil method recordedBy grantId reason";

fn grant_mutation() -> String {
    format!(
        "mutation($input: GrantConsentInput!) {{ grantConsent(input: $input) {{ {RECEIPT_FIELDS} }} }}"
    )
}

fn withdraw_mutation() -> String {
    format!(
        "mutation($id: ID!, $reason: String, $grantor: String) {{
           withdrawConsent(grantId: $id, reason: $reason, grantorPersonId: $grantor) {{ {RECEIPT_FIELDS} }} }}"
    )
}

fn receipt_query() -> String {
    format!("query($id: ID!) {{ consentReceipt(id: $id) {{ {RECEIPT_FIELDS} }} }}")
}

const CONSENTS: &str = "query($id: ID!) { consents(childId: $id) {
  id status grantorPersonId grantorCapacity recipientAgencyId recipientAgencyKind scopes purposes
  method recordedBy withdrawnAt withdrawalReason confirmedAt awaitsYoungPerson
} }";

const TO_REVIEW: &str = "query($id: ID!) { consentsToReview(childId: $id) {
  id status grantorPersonId recipientAgencyKind scopes awaitsYoungPerson confirmedAt
} }";

const CONFIRM: &str = "mutation($id: ID!) { confirmConsent(grantId: $id) {
  id status confirmedAt awaitsYoungPerson
} }";

const DECLARE: &str = "mutation($input: DeclareOverrideInput!) { declareSafeguardingOverride(input: $input) {
  id childId declaredBy agencyId scopes reason startsAt endsAt active tellFamily withholdReason reviewOutcome
} }";

const AWAITING: &str = "{ overridesAwaitingReview { id childId declaredBy scopes reason active tellFamily withholdReason } }";

const REVIEW: &str = "mutation($id: ID!, $outcome: ReviewOutcome!, $note: String!) {
  reviewOverride(id: $id, outcome: $outcome, note: $note) { id active reviewOutcome reviewNote reviewedBy }
}";

const PUBLISH: &str =
    "mutation($source: String!) { publishAgreement(source: $source) { version title } }";

const RECORD_CAPACITY: &str =
    "mutation($id: ID!, $lacks: Boolean!) { recordCapacity(childId: $id, lacksCapacity: $lacks) }";

const LONG_REASON: &str =
    "Police report received tonight of a serious assault; checking orders and placements now.";

/// Claims for a family member signed in as `person_id`.
fn family_claims(app: &TestApp, person_id: &str) -> Value {
    let mut claims = app.claims_for("parent");
    claims["sub"] = json!(format!("test-{person_id}"));
    claims["person_id"] = json!(person_id);
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
fn access<'a>(answer: &'a Answer, scope: &str) -> &'a Value {
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

fn declare_input(child: Uuid, scopes: &[&str], tell_family: bool) -> Value {
    json!({
        "childId": child,
        "scopes": scopes,
        "reason": LONG_REASON,
        "hours": 24,
        "tellFamily": tell_family,
        "withholdReason": if tell_family { Value::Null } else {
            json!("Telling the family could put Jayden at risk while police enquiries continue.")
        },
    })
}

// ---------------------------------------------------------------------------
// 1. Grant and withdraw, each effective on the very next request.
// ---------------------------------------------------------------------------

#[tokio::test]
async fn a_grant_is_seen_on_the_next_request_and_a_withdrawal_ends_it_at_once() {
    let app = spawn_app().await;
    let parent = app.token_for("parent");
    let health = app.token_for("health");

    let before = read_child(&app, &health, Some("DIRECT_SUPPORT"), AMIRA).await;
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
            "childId": AMIRA,
            "recipientAgencyKind": "HEALTH",
            "scopes": ["PHYSICAL_HEALTH"],
            "purposes": ["DIRECT_SUPPORT"],
        }),
    )
    .await;
    let receipt = &granted.body["data"]["grantConsent"];
    assert!(receipt.is_object(), "grant refused: {granted:?}");
    assert_eq!(receipt["event"], "GRANTED", "{granted:?}");
    assert_eq!(receipt["subject"], AMIRA.to_string());
    assert_eq!(receipt["grantorPersonId"], PARENT_PERSON);
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

    let after = read_child(&app, &health, Some("DIRECT_SUPPORT"), AMIRA).await;
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
    assert_eq!(w["subject"], AMIRA.to_string());
    assert_eq!(w["reason"], "Changed my mind");
    assert_eq!(w["grantorCapacity"], "PARENTAL_RESPONSIBILITY");
    assert_ne!(
        w["receiptId"],
        json!(grant_id),
        "a withdrawal has its own receipt"
    );
    let withdrawal_id = w["receiptId"].as_str().expect("receipt id").to_owned();

    let again = read_child(&app, &health, Some("DIRECT_SUPPORT"), AMIRA).await;
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
        .graphql_as(Some(&parent), None, CONSENTS, json!({ "id": AMIRA }))
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
        let stranger = family_token(&app, "demo-person-stranger");
        for token in [health.clone(), app.token_for("young-person"), stranger] {
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

// ---------------------------------------------------------------------------
// 2. Withdrawal under concurrent reads.
// ---------------------------------------------------------------------------

#[derive(Debug)]
struct Read {
    started: Instant,
    mental_health: Value,
    codes: Vec<String>,
}

#[tokio::test]
async fn no_read_that_starts_after_a_withdrawal_returns_sees_the_withdrawn_scope() {
    let app = Arc::new(spawn_app().await);
    let parent = app.token_for("parent");
    let camhs = app.token_for("camhs");
    let grant_id = find_grant(&app, &parent, AMIRA, |c| {
        c["recipientAgencyKind"] == "CAMHS" && c["status"] == "ACTIVE"
    })
    .await;

    const READERS: usize = 40;
    const QUERY: &str = "query($id: ID!) { child(id: $id) { mentalHealth { camhsStatus } } }";
    let stop = Arc::new(AtomicBool::new(false));
    let completed = Arc::new(AtomicUsize::new(0));
    let deadline = Instant::now() + Duration::from_secs(8);
    let mut tasks = Vec::new();
    for _ in 0..READERS {
        let (app, camhs) = (app.clone(), camhs.clone());
        let (stop, completed) = (stop.clone(), completed.clone());
        tasks.push(tokio::spawn(async move {
            let mut reads = Vec::new();
            for _ in 0..200 {
                if stop.load(Ordering::SeqCst) || Instant::now() > deadline {
                    break;
                }
                let started = Instant::now();
                let answer = app
                    .graphql_as(
                        Some(&camhs),
                        Some("DIRECT_SUPPORT"),
                        QUERY,
                        json!({ "id": AMIRA }),
                    )
                    .await;
                completed.fetch_add(1, Ordering::SeqCst);
                reads.push(Read {
                    started,
                    mental_health: answer.body["data"]["child"]["mentalHealth"].clone(),
                    codes: answer.codes(),
                });
            }
            reads
        }));
    }
    // Waits (bounded) until `n` reads have completed.
    let wait_for = |n: usize, limit: Duration| {
        let completed = completed.clone();
        async move {
            let until = Instant::now() + limit;
            while completed.load(Ordering::SeqCst) < n && Instant::now() < until {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    };

    // Withdraw while every reader is busy.
    wait_for(READERS, Duration::from_secs(3)).await;
    let withdrawn = withdraw(&app, &parent, &grant_id, Some("No longer needed")).await;
    let returned = Instant::now();
    assert_eq!(
        withdrawn.body["data"]["withdrawConsent"]["event"], "WITHDRAWN",
        "{withdrawn:?}"
    );
    // Let every reader finish at least two more reads (bounded).
    let so_far = completed.load(Ordering::SeqCst);
    wait_for(so_far + 2 * READERS, Duration::from_secs(3)).await;
    stop.store(true, Ordering::SeqCst);

    let mut reads = Vec::new();
    for task in tasks {
        reads.extend(task.await.expect("reader task"));
    }
    let seen_before = reads
        .iter()
        .filter(|r| r.started < returned && r.mental_health["camhsStatus"] == "WAITING")
        .count();
    assert!(
        seen_before > 0,
        "the grant should have been in force before the withdrawal: {:?}",
        reads.first()
    );
    let after: Vec<&Read> = reads.iter().filter(|r| r.started > returned).collect();
    assert!(
        after.len() >= READERS,
        "only {} reads started after the withdrawal returned",
        after.len()
    );
    let leaked: Vec<&&Read> = after
        .iter()
        .filter(|r| !r.mental_health.is_null() || r.codes != ["CONSENT_REQUIRED"])
        .collect();
    assert!(
        leaked.is_empty(),
        "{} of {} reads started after the withdrawal returned and were not refused, e.g. {:?}",
        leaked.len(),
        after.len(),
        leaked.first()
    );
}

// ---------------------------------------------------------------------------
// 3. Agreements bound consent.
// ---------------------------------------------------------------------------

#[tokio::test]
async fn consent_cannot_widen_the_agreement_and_restricted_is_never_consentable() {
    let app = spawn_app().await;
    let parent = app.token_for("parent");
    let granted = grant(
        &app,
        &parent,
        json!({
            "childId": AMIRA,
            "recipientAgencyId": SCHOOL,
            "scopes": ["MENTAL_HEALTH"],
            "purposes": ["DIRECT_SUPPORT"],
        }),
    )
    .await;
    let receipt = &granted.body["data"]["grantConsent"];
    assert_eq!(receipt["event"], "GRANTED", "{granted:?}");
    assert_eq!(receipt["recipientAgencyId"], SCHOOL.to_string());
    let grant_id = receipt["grantId"].as_str().expect("grant id").to_owned();
    let recorded = find_grant(&app, &parent, AMIRA, |c| c["id"] == grant_id.as_str()).await;
    assert_eq!(recorded, grant_id);

    let senco = read_child(&app, &app.token_for("senco"), Some("DIRECT_SUPPORT"), AMIRA).await;
    assert_withheld(&senco, "mentalHealth", "NOT_PERMITTED", "MENTAL_HEALTH");
    assert_eq!(access(&senco, "MENTAL_HEALTH")["denial"], "NOT_PERMITTED");
    assert!(!senco.body.to_string().contains("WAITING"), "{senco:?}");
    // The school still reads what its agreement and grant allow.
    assert_visible(&senco, "education");

    for scopes in [json!(["RESTRICTED"]), json!(["EDUCATION", "RESTRICTED"])] {
        let refused = grant(
            &app,
            &parent,
            json!({
                "childId": AMIRA,
                "recipientAgencyKind": "SOCIAL_CARE",
                "scopes": scopes,
                "purposes": ["SAFEGUARDING"],
            }),
        )
        .await;
        assert_eq!(refused.codes(), vec!["BAD_USER_INPUT"], "{refused:?}");
        assert_eq!(field(&refused), "scopes", "{refused:?}");
    }
}

// ---------------------------------------------------------------------------
// 4. Consent authority and the hand-over at the end of compulsory school age.
// ---------------------------------------------------------------------------

#[tokio::test]
async fn only_the_consent_authority_grants_and_withdraws() {
    let app = spawn_app().await;
    let health_physical = |child: Uuid| {
        json!({
            "childId": child,
            "recipientAgencyKind": "HEALTH",
            "scopes": ["PHYSICAL_HEALTH"],
            "purposes": ["DIRECT_SUPPORT"],
        })
    };

    // Someone with no parental responsibility.
    let stranger = family_token(&app, "demo-person-stranger");
    let refused = grant(&app, &stranger, health_physical(AMIRA)).await;
    assert_eq!(refused.codes(), vec!["FORBIDDEN"], "{refused:?}");
    assert!(
        refused.message().contains("parental responsibility"),
        "the message should name the rule: {refused:?}"
    );
    let amira_grant = find_grant(&app, &app.token_for("parent"), AMIRA, |c| {
        c["recipientAgencyKind"] == "CAMHS"
    })
    .await;
    let refused = withdraw(&app, &stranger, &amira_grant, None).await;
    assert_eq!(refused.codes(), vec!["FORBIDDEN"], "{refused:?}");
    // Chloe cannot decide for another family's child either.
    let young_person = app.token_for("young-person");
    let refused = grant(&app, &young_person, health_physical(AMIRA)).await;
    assert_eq!(refused.codes(), vec!["FORBIDDEN"], "{refused:?}");

    // Chloe is 17: her mother no longer decides, nor reads her record.
    let mother = family_token(&app, "demo-person-rhian-evans");
    let refused = grant(&app, &mother, health_physical(CHLOE)).await;
    assert_eq!(refused.codes(), vec!["FORBIDDEN"], "{refused:?}");
    assert!(
        refused.message().contains("compulsory school age"),
        "{refused:?}"
    );
    let chloe_grant = find_grant(&app, &young_person, CHLOE, |c| {
        c["recipientAgencyKind"] == "SOCIAL_CARE"
    })
    .await;
    let refused = withdraw(&app, &mother, &chloe_grant, None).await;
    assert_eq!(refused.codes(), vec!["FORBIDDEN"], "{refused:?}");
    assert!(
        refused.message().contains("compulsory school age"),
        "{refused:?}"
    );
    let record = read_child(&app, &mother, None, CHLOE).await;
    assert_eq!(record.codes(), vec!["NOT_FOUND"], "{record:?}");
    assert!(!record.body.to_string().contains("radio"), "{record:?}");
    let listed = app
        .graphql_as(Some(&mother), None, CONSENTS, json!({ "id": CHLOE }))
        .await;
    assert_eq!(listed.codes(), vec!["NOT_FOUND"], "{listed:?}");

    // Chloe herself grants and withdraws.
    let granted = grant(&app, &young_person, health_physical(CHLOE)).await;
    let receipt = &granted.body["data"]["grantConsent"];
    assert_eq!(receipt["event"], "GRANTED", "{granted:?}");
    assert_eq!(receipt["grantorPersonId"], YOUNG_PERSON);
    assert_eq!(receipt["grantorCapacity"], "YOUNG_PERSON");
    assert_eq!(receipt["subject"], CHLOE.to_string());
    let own = receipt["grantId"].as_str().expect("grant id").to_owned();
    let health = app.token_for("health");
    let seen = read_child(&app, &health, Some("DIRECT_SUPPORT"), CHLOE).await;
    assert_visible(&seen, "physicalHealth");
    let withdrawn = withdraw(&app, &young_person, &own, None).await;
    assert_eq!(
        withdrawn.body["data"]["withdrawConsent"]["event"], "WITHDRAWN",
        "{withdrawn:?}"
    );
    assert_eq!(
        withdrawn.body["data"]["withdrawConsent"]["grantorCapacity"],
        "YOUNG_PERSON"
    );
    let unseen = read_child(&app, &health, Some("DIRECT_SUPPORT"), CHLOE).await;
    assert_withheld(
        &unseen,
        "physicalHealth",
        "CONSENT_REQUIRED",
        "PHYSICAL_HEALTH",
    );
}

/// The last Friday of June of `year`.
fn last_friday_of_june(year: i32) -> chrono::NaiveDate {
    use chrono::Datelike;
    let mut day = chrono::NaiveDate::from_ymd_opt(year, 6, 30).expect("date");
    while day.weekday() != chrono::Weekday::Fri {
        day = day.pred_opt().expect("date");
    }
    day
}

/// Registers a child born on `dob` with their own sign-in and a mother with
/// parental responsibility; returns the child's id.
async fn register_with_mother(app: &TestApp, n: u32, dob: chrono::NaiveDate) -> String {
    let register = "mutation($input: RegisterChildInput!) { registerChild(input: $input) { id } }";
    let registered = app
        .graphql(
            "case-officer",
            register,
            json!({ "input": {
                "givenName": format!("Child{n}"), "familyName": "Boundary",
                "dateOfBirth": dob.to_string(), "youngPersonId": format!("person-yp-{n}"),
            } }),
        )
        .await;
    let id = registered.body["data"]["registerChild"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("not registered: {registered:?}"))
        .to_owned();
    let link = "mutation($c: ID!, $i: LinkFamilyMemberInput!) { linkFamilyMember(childId: $c, input: $i) { id } }";
    let linked = app
        .graphql(
            "case-officer",
            link,
            json!({ "c": id, "i": {
                "fullName": format!("Mother {n}"), "relationship": "MOTHER",
                "parentalResponsibility": true, "prEvidence": "Birth registration",
                "personId": format!("person-mum-{n}"), "contactPreference": "EMAIL",
                "email": "mum@example.org",
            } }),
        )
        .await;
    assert!(
        linked.body["data"]["linkFamilyMember"]["id"].is_string(),
        "{linked:?}"
    );
    id
}

/// The hand-over follows the school year (1 September – 31 August) in which
/// the child turns 16: born on 31 August, the young person decides from the
/// day after the last Friday of that June; born a day later, a year after.
#[tokio::test]
async fn consent_authority_passes_at_the_end_of_the_school_year_the_child_turns_16() {
    use chrono::Datelike;
    let app = spawn_app().await;
    let today = chrono::Utc::now().date_naive();
    // The latest hand-over day already past.
    let year = if last_friday_of_june(today.year()) < today {
        today.year()
    } else {
        today.year() - 1
    };
    let date = |y, m, d| chrono::NaiveDate::from_ymd_opt(y, m, d).expect("date");
    let handed_over = register_with_mother(&app, 1, date(year - 16, 8, 31)).await;
    let not_yet = register_with_mother(&app, 2, date(year - 16, 9, 1)).await;
    let input = |child: &str| {
        json!({
            "childId": child,
            "recipientAgencyKind": "HEALTH",
            "scopes": ["PHYSICAL_HEALTH"],
            "purposes": ["DIRECT_SUPPORT"],
        })
    };
    let token = |person: &str, role: &str| {
        let mut claims = family_claims(&app, person);
        claims["roles"] = json!([role]);
        app.hs256(&claims)
    };

    let mum = grant(&app, &token("person-mum-1", "family"), input(&handed_over)).await;
    assert_eq!(mum.codes(), vec!["FORBIDDEN"], "{mum:?}");
    assert!(mum.message().contains("compulsory school age"), "{mum:?}");
    let own = grant(
        &app,
        &token("person-yp-1", "young_person"),
        input(&handed_over),
    )
    .await;
    assert_eq!(
        own.body["data"]["grantConsent"]["grantorCapacity"], "YOUNG_PERSON",
        "{own:?}"
    );

    let mum = grant(&app, &token("person-mum-2", "family"), input(&not_yet)).await;
    assert_eq!(
        mum.body["data"]["grantConsent"]["grantorCapacity"], "PARENTAL_RESPONSIBILITY",
        "{mum:?}"
    );
    let own = grant(&app, &token("person-yp-2", "young_person"), input(&not_yet)).await;
    assert_eq!(own.codes(), vec!["FORBIDDEN"], "{own:?}");
}

/// Refusing someone with no relationship to the child names the rule but
/// tells them nothing about the child (here: the hand-over date, which gives
/// away the date of birth).
#[tokio::test]
async fn a_refused_stranger_learns_nothing_about_the_child() {
    let app = spawn_app().await;
    let stranger = family_token(&app, "demo-person-stranger");
    let grant_id = find_grant(&app, &app.token_for("parent"), AMIRA, |c| {
        c["recipientAgencyKind"] == "CAMHS"
    })
    .await;
    let granted = grant(
        &app,
        &stranger,
        json!({
            "childId": AMIRA,
            "recipientAgencyKind": "HEALTH",
            "scopes": ["PHYSICAL_HEALTH"],
            "purposes": ["DIRECT_SUPPORT"],
        }),
    )
    .await;
    let withdrawn = withdraw(&app, &stranger, &grant_id, None).await;
    for refused in [granted, withdrawn] {
        assert_eq!(refused.codes(), vec!["FORBIDDEN"], "{refused:?}");
        let message = refused.message();
        assert!(
            message.contains("parental responsibility"),
            "the rule: {refused:?}"
        );
        assert!(
            !message.chars().any(|c| c.is_ascii_digit()),
            "a stranger is told a date derived from the child's date of birth: {message}"
        );
    }
}

#[tokio::test]
async fn a_young_person_reviews_the_grants_a_parent_made_for_them() {
    let app = spawn_app().await;
    let young_person = app.token_for("young-person");
    let listed = app
        .graphql_as(Some(&young_person), None, TO_REVIEW, json!({ "id": CHLOE }))
        .await;
    let to_review = listed.body["data"]["consentsToReview"]
        .as_array()
        .unwrap_or_else(|| panic!("no list: {listed:?}"));
    assert_eq!(to_review.len(), 1, "{listed:?}");
    let parents = &to_review[0];
    assert_eq!(parents["grantorPersonId"], "demo-person-rhian-evans");
    assert_eq!(parents["recipientAgencyKind"], "OT");
    assert_eq!(parents["awaitsYoungPerson"], true);
    assert_eq!(parents["status"], "ACTIVE");
    let grant_id = parents["id"].as_str().expect("id").to_owned();

    // Only Chloe confirms it.
    let mother = family_token(&app, "demo-person-rhian-evans");
    let refused = app
        .graphql_as(Some(&mother), None, CONFIRM, json!({ "id": grant_id }))
        .await;
    assert_eq!(refused.codes(), vec!["FORBIDDEN"], "{refused:?}");

    let confirmed = app
        .graphql_as(
            Some(&young_person),
            None,
            CONFIRM,
            json!({ "id": grant_id }),
        )
        .await;
    let c = &confirmed.body["data"]["confirmConsent"];
    assert_eq!(c["id"], grant_id.as_str(), "{confirmed:?}");
    assert!(c["confirmedAt"].is_string(), "{confirmed:?}");
    assert_eq!(c["awaitsYoungPerson"], false);
    assert_eq!(c["status"], "ACTIVE");

    let listed = app
        .graphql_as(Some(&young_person), None, TO_REVIEW, json!({ "id": CHLOE }))
        .await;
    assert_eq!(
        listed.body["data"]["consentsToReview"],
        json!([]),
        "{listed:?}"
    );
    let again = app
        .graphql_as(
            Some(&young_person),
            None,
            CONFIRM,
            json!({ "id": grant_id }),
        )
        .await;
    assert_eq!(again.codes(), vec!["BAD_USER_INPUT"], "{again:?}");
    // The confirmed grant stays in force for OT.
    let ot = read_child(&app, &app.token_for("ot"), Some("DIRECT_SUPPORT"), CHLOE).await;
    assert_visible(&ot, "sensoryPhysical");
    // Before the hand-over there is nothing to review.
    let amira = app
        .graphql_as(
            Some(&app.token_for("parent")),
            None,
            TO_REVIEW,
            json!({ "id": AMIRA }),
        )
        .await;
    assert_eq!(
        amira.body["data"]["consentsToReview"],
        json!([]),
        "{amira:?}"
    );
}

#[tokio::test]
async fn a_parent_acts_for_a_young_person_the_record_says_lacks_capacity() {
    let app = spawn_app().await;
    let mother = family_token(&app, "demo-person-rhian-evans");
    let input = json!({
        "childId": CHLOE,
        "recipientAgencyKind": "HEALTH",
        "scopes": ["PHYSICAL_HEALTH"],
        "purposes": ["DIRECT_SUPPORT"],
    });
    let refused = grant(&app, &mother, input.clone()).await;
    assert_eq!(refused.codes(), vec!["FORBIDDEN"], "{refused:?}");

    // Only a case officer records capacity.
    let not_officer = app
        .graphql(
            "senco",
            RECORD_CAPACITY,
            json!({ "id": CHLOE, "lacks": true }),
        )
        .await;
    assert_eq!(not_officer.codes(), vec!["FORBIDDEN"], "{not_officer:?}");
    let still = grant(&app, &mother, input.clone()).await;
    assert_eq!(still.codes(), vec!["FORBIDDEN"], "{still:?}");

    let recorded = app
        .graphql(
            "case-officer",
            RECORD_CAPACITY,
            json!({ "id": CHLOE, "lacks": true }),
        )
        .await;
    assert_eq!(
        recorded.body["data"]["recordCapacity"], true,
        "{recorded:?}"
    );
    let granted = grant(&app, &mother, input).await;
    let receipt = &granted.body["data"]["grantConsent"];
    assert_eq!(receipt["event"], "GRANTED", "{granted:?}");
    assert_eq!(receipt["grantorPersonId"], "demo-person-rhian-evans");
    assert_eq!(
        receipt["grantorCapacity"],
        "PARENT_FOR_YOUNG_PERSON_LACKING_CAPACITY"
    );
    let health = read_child(
        &app,
        &app.token_for("health"),
        Some("DIRECT_SUPPORT"),
        CHLOE,
    )
    .await;
    assert_visible(&health, "physicalHealth");
    // Acting for her, the mother may read the record again.
    let record = read_child(&app, &mother, None, CHLOE).await;
    assert_visible(&record, "allAboutMe");
}

// ---------------------------------------------------------------------------
// 5. Consent recorded by a practitioner.
// ---------------------------------------------------------------------------

#[tokio::test]
async fn a_recording_agency_records_verbal_consent_for_the_consent_authority() {
    let app = spawn_app().await;
    let slt = app.token_for("slt");
    let input = |method: Option<&str>, grantor: Option<&str>| {
        json!({
            "childId": AMIRA,
            "recipientAgencyKind": "SLT",
            "scopes": ["COMMUNICATION"],
            "purposes": ["DIRECT_SUPPORT"],
            "method": method,
            "grantorPersonId": grantor,
        })
    };
    let before = read_child(&app, &slt, Some("DIRECT_SUPPORT"), AMIRA).await;
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
        &app.token_for("yot"),
        input(Some("VERBAL"), Some(PARENT_PERSON)),
    )
    .await;
    assert_eq!(yot.codes(), vec!["FORBIDDEN"], "{yot:?}");
    // The person named must hold consent authority.
    let grandmother = grant(
        &app,
        &slt,
        input(Some("VERBAL"), Some("demo-person-nasreen")),
    )
    .await;
    assert_eq!(grandmother.codes(), vec!["FORBIDDEN"], "{grandmother:?}");
    let unchanged = read_child(&app, &slt, Some("DIRECT_SUPPORT"), AMIRA).await;
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
    assert_eq!(receipt["recordedBy"], "test-slt");
    assert_eq!(receipt["grantorPersonId"], PARENT_PERSON);
    assert_eq!(receipt["grantorCapacity"], "PARENTAL_RESPONSIBILITY");
    let grant_id = receipt["grantId"].as_str().expect("grant id").to_owned();

    let after = read_child(&app, &slt, Some("DIRECT_SUPPORT"), AMIRA).await;
    assert_visible(&after, "communication");
    assert!(
        after.body["data"]["child"]["communication"]["profile"]
            .as_str()
            .is_some_and(|p| p.contains("inference")),
        "{after:?}"
    );
    assert_eq!(access(&after, "COMMUNICATION")["basis"], "CONSENT");
    // The family sees who recorded it; the recorder may read its receipt.
    let parent = app.token_for("parent");
    let listed = find_grant(&app, &parent, AMIRA, |c| {
        c["id"] == grant_id.as_str() && c["method"] == "VERBAL" && c["recordedBy"] == "test-slt"
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
        r.body["data"]["consentReceipt"]["recordedBy"], "test-slt",
        "{r:?}"
    );
}

/// A withdrawal's receipt says how the withdrawal itself was made and who
/// recorded it, not how the grant was captured.
#[tokio::test]
async fn a_withdrawal_receipt_records_how_the_withdrawal_was_made() {
    let app = spawn_app().await;
    let slt = app.token_for("slt");
    let parent = app.token_for("parent");
    let input = |method: Option<&str>, grantor: Option<&str>| {
        json!({
            "childId": AMIRA,
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
        receipt["recordedBy"], "test-slt",
        "the practitioner who recorded the withdrawal: {recorded:?}"
    );
    assert_ne!(
        receipt["method"], "DIGITAL",
        "a practitioner records WRITTEN or VERBAL decisions: {recorded:?}"
    );
}

// ---------------------------------------------------------------------------
// 6. Safeguarding overrides.
// ---------------------------------------------------------------------------

#[tokio::test]
async fn a_safeguarding_override_is_bounded_reviewed_and_ends_when_not_upheld() {
    let app = spawn_app().await;
    let lead = app.token_for("social-worker");
    let sg = Some("SAFEGUARDING");
    let declare = |token: String, input: Value| {
        let app = &app;
        async move {
            app.graphql_as(Some(&token), sg, DECLARE, json!({ "input": input }))
                .await
        }
    };

    let before = read_child(&app, &lead, sg, JAYDEN).await;
    assert_withheld(&before, "restricted", "NOT_PERMITTED", "RESTRICTED");
    assert!(
        !before.body.to_string().contains("Referral order"),
        "{before:?}"
    );

    // Refusals, each naming the field.
    let mut short = declare_input(JAYDEN, &["RESTRICTED"], false);
    short["reason"] = json!("Worried about him");
    let mut too_long = declare_input(JAYDEN, &["RESTRICTED"], false);
    too_long["hours"] = json!(73);
    let mut unexplained = declare_input(JAYDEN, &["RESTRICTED"], false);
    unexplained["withholdReason"] = Value::Null;
    let outside = declare_input(JAYDEN, &["PSYCHOLOGY"], false);
    for (input, expected) in [
        (short, "reason"),
        (too_long, "hours"),
        (unexplained, "withholdReason"),
        (outside, "scopes"),
    ] {
        let refused = declare(lead.clone(), input).await;
        assert_eq!(refused.codes(), vec!["BAD_USER_INPUT"], "{refused:?}");
        assert_eq!(field(&refused), expected, "{refused:?}");
    }
    let not_lead = declare(
        app.token_for("senco"),
        declare_input(JAYDEN, &["SOCIAL_CARE"], false),
    )
    .await;
    assert_eq!(not_lead.codes(), vec!["FORBIDDEN"], "{not_lead:?}");
    let queue = app.graphql("ig-auditor", AWAITING, json!({})).await;
    assert_eq!(
        queue.body["data"]["overridesAwaitingReview"],
        json!([]),
        "refused declarations must not be recorded: {queue:?}"
    );

    let declared = declare(
        lead.clone(),
        declare_input(JAYDEN, &["RESTRICTED", "SOCIAL_CARE"], false),
    )
    .await;
    let o = &declared.body["data"]["declareSafeguardingOverride"];
    assert_eq!(o["active"], true, "{declared:?}");
    assert_eq!(o["declaredBy"], "test-social-worker");
    assert_eq!(o["tellFamily"], false);
    let scopes: BTreeSet<&str> = o["scopes"]
        .as_array()
        .map(|s| s.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    assert_eq!(scopes, BTreeSet::from(["RESTRICTED", "SOCIAL_CARE"]));
    let override_id = o["id"].as_str().expect("override id").to_owned();

    let during = read_child(&app, &lead, sg, JAYDEN).await;
    assert_visible(&during, "restricted");
    let kinds: Vec<&str> = during.body["data"]["child"]["restricted"]
        .as_array()
        .map(|items| items.iter().filter_map(|i| i["kind"].as_str()).collect())
        .unwrap_or_default();
    assert!(kinds.contains(&"YOUTH_JUSTICE_ORDER"), "{during:?}");
    let entry = access(&during, "RESTRICTED");
    assert_eq!(entry["basis"], "SAFEGUARDING", "{entry}");
    assert_eq!(entry["overrideId"], override_id.as_str(), "{entry}");
    assert_visible(&during, "socialCare");
    assert_eq!(
        during.body["data"]["child"]["safeguardingOverrides"][0]["id"],
        override_id.as_str(),
        "the lead sees their own override: {during:?}"
    );
    // Only for safeguarding ...
    let direct = read_child(&app, &lead, Some("DIRECT_SUPPORT"), JAYDEN).await;
    assert_withheld(&direct, "restricted", "NOT_PERMITTED", "RESTRICTED");
    assert!(
        !direct.body.to_string().contains("Referral order"),
        "{direct:?}"
    );
    // ... and only for the lead who declared it.
    let mut colleague = app.claims_for("social-worker");
    colleague["sub"] = json!("test-another-social-worker");
    let colleague = read_child(&app, &app.hs256(&colleague), sg, JAYDEN).await;
    assert_withheld(&colleague, "restricted", "NOT_PERMITTED", "RESTRICTED");

    // IG staff review it; the lead cannot see the queue.
    let denied = app.graphql_as(Some(&lead), sg, AWAITING, json!({})).await;
    assert_eq!(denied.codes(), vec!["FORBIDDEN"], "{denied:?}");
    let queue = app.graphql("ig-auditor", AWAITING, json!({})).await;
    let queued = queue.body["data"]["overridesAwaitingReview"]
        .as_array()
        .unwrap_or_else(|| panic!("no queue: {queue:?}"));
    let mine = queued
        .iter()
        .find(|q| q["id"] == override_id.as_str())
        .unwrap_or_else(|| panic!("override not queued: {queue:?}"));
    assert_eq!(mine["childId"], JAYDEN.to_string());
    assert_eq!(mine["reason"], LONG_REASON);
    assert_eq!(mine["tellFamily"], false);
    assert!(mine["withholdReason"].is_string(), "{mine}");

    // The family is not told of this one, but is told of one they may know of.
    let leanne = family_token(&app, "demo-person-leanne-clarke");
    let family = read_child(&app, &leanne, None, JAYDEN).await;
    assert_visible(&family, "allAboutMe");
    assert_eq!(
        family.body["data"]["child"]["safeguardingOverrides"],
        json!([]),
        "{family:?}"
    );
    let told = declare(lead.clone(), declare_input(JAYDEN, &["SOCIAL_CARE"], true)).await;
    let told_id = told.body["data"]["declareSafeguardingOverride"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("not declared: {told:?}"))
        .to_owned();
    let family = read_child(&app, &leanne, None, JAYDEN).await;
    let notices = family.body["data"]["child"]["safeguardingOverrides"]
        .as_array()
        .unwrap_or_else(|| panic!("no notices: {family:?}"));
    assert_eq!(notices.len(), 1, "{family:?}");
    assert_eq!(notices[0]["id"], told_id.as_str());

    // NOT_UPHELD: out of the queue, and the lead loses RESTRICTED at once.
    let reviewed = app
        .graphql(
            "ig-auditor",
            REVIEW,
            json!({ "id": override_id, "outcome": "NOT_UPHELD", "note": "No risk evidenced." }),
        )
        .await;
    let r = &reviewed.body["data"]["reviewOverride"];
    assert_eq!(r["reviewOutcome"], "NOT_UPHELD", "{reviewed:?}");
    assert_eq!(r["active"], false, "{reviewed:?}");
    assert_eq!(r["reviewedBy"], "test-ig-auditor");
    let queue = app.graphql("ig-auditor", AWAITING, json!({})).await;
    let ids: Vec<&str> = queue.body["data"]["overridesAwaitingReview"]
        .as_array()
        .map(|q| q.iter().filter_map(|o| o["id"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(ids, vec![told_id.as_str()], "{queue:?}");
    let after = read_child(&app, &lead, sg, JAYDEN).await;
    assert_withheld(&after, "restricted", "NOT_PERMITTED", "RESTRICTED");
    assert!(
        !after.body.to_string().contains("Referral order"),
        "{after:?}"
    );
    // The other override still covers social care.
    assert_visible(&after, "socialCare");
    assert_eq!(
        access(&after, "SOCIAL_CARE")["overrideId"],
        told_id.as_str()
    );
}

// ---------------------------------------------------------------------------
// 7. Publishing an agreement.
// ---------------------------------------------------------------------------

#[tokio::test]
async fn a_published_agreement_governs_the_very_next_decision() {
    let app = spawn_app().await;
    let senco = app.token_for("senco");
    let health = app.token_for("health");
    let version = "{ agreement { version } }";

    let before = read_child(&app, &senco, Some("DIRECT_SUPPORT"), AMIRA).await;
    assert_visible(&before, "physicalHealth");
    assert_eq!(access(&before, "PHYSICAL_HEALTH")["agreementVersion"], 1);
    let v1 = app.graphql("senco", version, json!({})).await;
    assert_eq!(v1.body["data"]["agreement"]["version"], 1, "{v1:?}");

    // Version 2: schools no longer read physical health; health reads it by law.
    let default = include_str!("../../consent/agreements/default.toml");
    let school_rule = r#"scopes = ["PHYSICAL_HEALTH", "PSYCHOLOGY", "PREPARING_FOR_ADULTHOOD"]"#;
    assert!(
        default.contains(school_rule),
        "the default agreement changed"
    );
    let source = format!(
        "{}\n[[rule]]\nagencies = [\"HEALTH\"]\nscopes = [\"PHYSICAL_HEALTH\"]\npurposes = [\"DIRECT_SUPPORT\"]\nread = true\nstatutory = true\n",
        default.replace(
            school_rule,
            r#"scopes = ["PSYCHOLOGY", "PREPARING_FOR_ADULTHOOD"]"#
        )
    );

    for persona in ["ig-auditor", "senco", "parent"] {
        let refused = app
            .graphql(persona, PUBLISH, json!({ "source": source }))
            .await;
        assert_eq!(refused.codes(), vec!["FORBIDDEN"], "{persona}: {refused:?}");
    }
    for bad in [
        "title = ".to_owned(),
        format!("{default}\nunknown_key = 1\n"),
        // RESTRICTED may be read only for safeguarding.
        format!(
            "{default}\n[[rule]]\nagencies = [\"SCHOOL\"]\nscopes = [\"RESTRICTED\"]\npurposes = [\"DIRECT_SUPPORT\"]\nread = true\n"
        ),
    ] {
        let refused = app
            .graphql("ig-admin", PUBLISH, json!({ "source": bad }))
            .await;
        assert_eq!(refused.codes(), vec!["BAD_USER_INPUT"], "{refused:?}");
        assert_eq!(field(&refused), "source", "{refused:?}");
    }
    let still = app.graphql("senco", version, json!({})).await;
    assert_eq!(
        still.body["data"]["agreement"]["version"], 1,
        "refused sources must not be published: {still:?}"
    );

    let published = app
        .graphql("ig-admin", PUBLISH, json!({ "source": source }))
        .await;
    assert_eq!(
        published.body["data"]["publishAgreement"]["version"], 2,
        "{published:?}"
    );
    let v2 = app.graphql("senco", version, json!({})).await;
    assert_eq!(v2.body["data"]["agreement"]["version"], 2, "{v2:?}");

    let after = read_child(&app, &senco, Some("DIRECT_SUPPORT"), AMIRA).await;
    assert_withheld(&after, "physicalHealth", "NOT_PERMITTED", "PHYSICAL_HEALTH");
    assert!(!after.body.to_string().contains("Peanuts"), "{after:?}");
    let entry = access(&after, "PHYSICAL_HEALTH");
    assert_eq!(entry["agreementVersion"], 2, "{entry}");
    assert_eq!(entry["denial"], "NOT_PERMITTED", "{entry}");
    // The rest of the school's access is unchanged, now under version 2.
    assert_visible(&after, "education");
    assert_eq!(access(&after, "EDUCATION")["agreementVersion"], 2);

    let health_read = read_child(&app, &health, Some("DIRECT_SUPPORT"), POPPY).await;
    assert_visible(&health_read, "physicalHealth");
    let entry = access(&health_read, "PHYSICAL_HEALTH");
    assert_eq!(entry["basis"], "PUBLIC_TASK", "{entry}");
    assert_eq!(entry["agreementVersion"], 2, "{entry}");

    // The earlier version stays readable.
    let old = app
        .graphql(
            "ig-auditor",
            "{ agreement(version: 1) { version rules { agencyKind scope purpose read } } }",
            json!({}),
        )
        .await;
    let school_read_health = old.body["data"]["agreement"]["rules"]
        .as_array()
        .is_some_and(|rules| {
            rules.iter().any(|r| {
                r["agencyKind"] == "SCHOOL"
                    && r["scope"] == "PHYSICAL_HEALTH"
                    && r["purpose"] == "DIRECT_SUPPORT"
                    && r["read"] == true
            })
        });
    assert!(school_read_health, "{old:?}");
}

// ---------------------------------------------------------------------------
// 8. Every persona's view of every demo child.
// ---------------------------------------------------------------------------

/// The section an involvement of this kind of service belongs to (SPEC §2:
/// an involvement takes the scope of the service).
fn involvement_section(kind: &str) -> &'static str {
    match kind {
        "SCHOOL" => "education",
        "CAMHS" => "mentalHealth",
        "SLT" => "communication",
        "OT" => "sensoryPhysical",
        "EP" => "psychology",
        "SOCIAL_CARE" => "socialCare",
        "YOUTH_JUSTICE" => "restricted",
        "HEALTH" => "physicalHealth",
        "LA_SEND" => "senNeeds",
        other => panic!("unknown agency kind {other}"),
    }
}

/// What each persona sees of each child under the default agreement and the
/// demo grants (DIRECT_SUPPORT); `None` is NOT_FOUND.
fn expected_view(persona: &str, child: Uuid) -> Option<Vec<&'static str>> {
    let all_but_restricted = || {
        SECTIONS
            .iter()
            .map(|(s, _)| *s)
            .filter(|s| *s != "restricted")
            .collect()
    };
    let only = |theirs: Uuid, sections: &[&'static str]| {
        let mut v = vec!["identity"];
        if child == theirs {
            v.extend_from_slice(sections);
        }
        Some(v)
    };
    match persona {
        "senco" => only(
            AMIRA,
            &[
                "allAboutMe",
                "education",
                "senNeeds",
                "communication",
                "physicalHealth",
                "family",
            ],
        ),
        "camhs" => only(AMIRA, &["mentalHealth", "allAboutMe", "physicalHealth"]),
        "slt" => only(POPPY, &["communication", "allAboutMe", "education"]),
        "ot" => only(CHLOE, &["sensoryPhysical", "physicalHealth", "allAboutMe"]),
        "ep" => only(
            AMIRA,
            &["psychology", "education", "senNeeds", "allAboutMe"],
        ),
        "social-worker" => only(
            CHLOE,
            &["socialCare", "preparingForAdulthood", "allAboutMe"],
        ),
        "yot" => only(JAYDEN, &["education", "senNeeds", "allAboutMe"]),
        "health" | "case-officer" => Some(vec!["identity"]),
        "parent" => (child == AMIRA).then(all_but_restricted),
        "young-person" => (child == CHLOE).then(all_but_restricted),
        "ig-auditor" => None,
        other => panic!("no expectation for {other}"),
    }
}

#[tokio::test]
async fn each_persona_sees_exactly_what_the_agreement_and_the_demo_grants_allow() {
    let app = spawn_app().await;
    let demo = api::demo::children(chrono::Utc::now().date_naive());
    let personas = [
        "senco",
        "camhs",
        "slt",
        "ot",
        "ep",
        "social-worker",
        "yot",
        "health",
        "case-officer",
        "parent",
        "young-person",
        "ig-auditor",
    ];
    let mut failures = Vec::new();
    for persona in personas {
        for child in [POPPY, AMIRA, JAYDEN, CHLOE] {
            let name = demo
                .iter()
                .find(|c| c.id == child)
                .map(|c| c.identity.given_name.clone())
                .unwrap_or_default();
            let answer = app.graphql(persona, CHILD, json!({ "id": child })).await;
            let Some(visible) = expected_view(persona, child) else {
                if answer.codes() != ["NOT_FOUND"] || !answer.body["data"].is_null() {
                    failures.push(format!(
                        "{persona}/{name}: expected NOT_FOUND, got {answer:?}"
                    ));
                }
                continue;
            };
            let record = &answer.body["data"]["child"];
            if !record.is_object() {
                failures.push(format!("{persona}/{name}: no record: {answer:?}"));
                continue;
            }
            let seen: BTreeSet<&str> = SECTIONS
                .iter()
                .map(|(s, _)| *s)
                .filter(|s| !record[*s].is_null())
                .collect();
            let expected: BTreeSet<&str> = visible.iter().copied().collect();
            if seen != expected {
                failures.push(format!(
                    "{persona}/{name}: sees {seen:?}, expected {expected:?}"
                ));
            }
            for (section, scope) in SECTIONS {
                let entry = access(&answer, scope);
                let error = answer.error_at(&["child", section]);
                if expected.contains(section) {
                    if error.is_some() || entry["allowed"] != true {
                        failures.push(format!(
                            "{persona}/{name}: {section} visible but error {error:?} / access {entry}"
                        ));
                    }
                    continue;
                }
                let Some(error) = error else {
                    failures.push(format!(
                        "{persona}/{name}: {section} withheld without an error"
                    ));
                    continue;
                };
                let code = &error["extensions"]["code"];
                let ok_code = code == "CONSENT_REQUIRED" || code == "NOT_PERMITTED";
                if !ok_code
                    || error["extensions"]["scope"] != scope
                    || entry["allowed"] != false
                    || entry["denial"] != *code
                {
                    failures.push(format!(
                        "{persona}/{name}: {section} error {error} / access {entry}"
                    ));
                }
            }
            // Involvements: exactly the demo's, filtered by visible scope.
            let mut listed: Vec<String> = record["involvements"]
                .as_array()
                .map(|l| {
                    l.iter()
                        .filter_map(|i| i["agencyKind"].as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            listed.sort();
            let mut wanted: Vec<String> = demo
                .iter()
                .find(|c| c.id == child)
                .map(|c| {
                    c.involvements
                        .iter()
                        .map(|i| i.agency_kind.code().to_owned())
                        .filter(|k| expected.contains(involvement_section(k)))
                        .collect()
                })
                .unwrap_or_default();
            wanted.sort();
            if listed != wanted {
                failures.push(format!(
                    "{persona}/{name}: involvements {listed:?}, expected {wanted:?}"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
