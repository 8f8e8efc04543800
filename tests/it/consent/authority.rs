use api::demo::{AMIRA, CHLOE, YOUNG_PERSON};
use serde_json::json;
use uuid::Uuid;

use super::*;
use crate::helpers::*;

const TO_REVIEW: &str = "query($id: ID!) { consentsToReview(childId: $id) {
  id status grantorPersonId recipientAgencyKind scopes awaitsYoungPerson confirmedAt
} }";

const CONFIRM: &str = "mutation($id: ID!) { confirmConsent(grantId: $id) {
  id status confirmedAt awaitsYoungPerson
} }";

const RECORD_CAPACITY: &str =
    "mutation($id: ID!, $lacks: Boolean!) { recordCapacity(childId: $id, lacksCapacity: $lacks) }";

#[tokio::test]
async fn only_the_consent_authority_grants_and_withdraws() {
    // TODO(fixtures): on the demo
    let app = spawn_demo_app().await;
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
    // TODO(fixtures): on the demo
    let app = spawn_demo_app().await;
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
    // TODO(fixtures): on the demo
    let app = spawn_demo_app().await;
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
    // TODO(fixtures): on the demo
    let app = spawn_demo_app().await;
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
    // TODO(fixtures): on the demo
    let app = spawn_demo_app().await;
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
