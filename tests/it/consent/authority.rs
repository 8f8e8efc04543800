use consent::{GrantorCapacity, Purpose};
use domain::{AgencyKind, HealthItem, HealthItemKind, Scope};
use serde_json::json;
use uuid::Uuid;

use super::*;
use crate::fixtures::Child;
use crate::helpers::*;

/// The young person's sign-in id.
const YOUNG_PERSON: &str = "yp-1";
/// Her mother, who held parental responsibility before the hand-over.
const MOTHER: &str = "mum-1";

/// A child aged 9 (`child_aged_9`) whose mother has let CAMHS read her
/// mental health; returns the child and that grant's id.
async fn child_aged_9_seen_by_camhs(app: &TestApp) -> (Child, String) {
    let child = child_aged_9(app).await;
    let grant = app
        .family_member("parent-1")
        .grant(&child)
        .for_every(AgencyKind::Camhs)
        .scopes([Scope::MentalHealth, Scope::AllAboutMe])
        .purposes([Purpose::DirectSupport])
        .create()
        .await;
    (child, grant)
}

/// A young person aged 17 (`yp-1`) whose mother (`mum-1`) holds parental
/// responsibility. She has let social care read what it needs; her mother
/// let occupational therapy read her sensory and health needs 900 days
/// ago, before the hand-over, and that grant waits for her review.
async fn young_person_aged_17(app: &TestApp) -> Child {
    let child = app
        .child()
        .aged(17)
        .signs_in_as(YOUNG_PERSON)
        .with_parent(MOTHER)
        .with_record(|r| {
            r.all_about_me.what_matters = Some("Music, and my Friday radio show".into());
            r.physical_health.items.push(HealthItem {
                id: Uuid::new_v4(),
                kind: HealthItemKind::Condition,
                name: "Hypermobility".into(),
                detail: None,
            });
            r.sensory_physical.equipment = Some("Writing slope; adapted chair".into());
        })
        .create()
        .await;
    app.young_person(YOUNG_PERSON)
        .grant(&child)
        .for_every(AgencyKind::SocialCare)
        .scopes([
            Scope::SocialCare,
            Scope::PreparingForAdulthood,
            Scope::AllAboutMe,
        ])
        .purposes([Purpose::DirectSupport])
        .create()
        .await;
    app.family_member(MOTHER)
        .grant(&child)
        .for_every(AgencyKind::Ot)
        .scopes([
            Scope::SensoryPhysical,
            Scope::PhysicalHealth,
            Scope::AllAboutMe,
        ])
        .purposes([Purpose::DirectSupport, Purpose::AnnualReview])
        .made_days_ago(900, GrantorCapacity::ParentalResponsibility)
        .await;
    child
}

const TO_REVIEW: &str = "query($id: ID!) { consentsToReview(childId: $id) {
  id status grantorPersonId recipientAgencyKind scopes awaitsYoungPerson confirmedAt
} }";

const CONFIRM: &str = "mutation($id: ID!) { confirmConsent(grantId: $id) {
  id status confirmedAt awaitsYoungPerson
} }";

const RECORD_CAPACITY: &str = "mutation($input: CapacityAssessmentInput!) {
  recordCapacityAssessment(input: $input) { id outcome scopes status }
}";

/// A LACKS_CAPACITY assessment of `child`'s information-sharing decisions
/// about physical health, dated on the test clock's day.
fn lacks_capacity_for_physical_health(app: &TestApp, child: Uuid) -> Value {
    let today = app.now().date_naive();
    json!({ "input": {
        "childId": child,
        "scopes": ["PHYSICAL_HEALTH"],
        "assessorRole": "social worker",
        "assessedOn": today.to_string(),
        "outcome": "LACKS_CAPACITY",
        "reasons": "could not retain or weigh what sharing her health information would mean",
        "reviewOn": (today + chrono::Duration::days(180)).to_string(),
    } })
}

#[tokio::test]
async fn only_the_consent_authority_grants_and_withdraws() {
    let app = spawn_app().await;
    let (amira, amira_grant) = child_aged_9_seen_by_camhs(&app).await;
    let chloe = young_person_aged_17(&app).await;
    let health_service = app.agency(AgencyKind::Health).create().await;
    // The health service works with Chloe (a direct-support read needs a
    // current involvement), so withdrawing her grant leaves it her identity
    // and withholds only what the grant covered.
    app.involve(chloe.id, &health_service).await;
    let (amira_id, chloe_id) = (amira.id, chloe.id);
    let health_physical = |child: Uuid| {
        json!({
            "childId": child,
            "recipientAgencyKind": "HEALTH",
            "scopes": ["PHYSICAL_HEALTH"],
            "purposes": ["DIRECT_SUPPORT"],
        })
    };

    // Someone with no parental responsibility.
    let stranger = family_token(&app, "person-stranger");
    let refused = grant(&app, &stranger, health_physical(amira_id)).await;
    assert_eq!(refused.codes(), vec!["FORBIDDEN"], "{refused:?}");
    assert!(
        refused.message().contains("parental responsibility"),
        "the message should name the rule: {refused:?}"
    );
    let listed = find_grant(&app, &family_token(&app, "parent-1"), amira_id, |c| {
        c["recipientAgencyKind"] == "CAMHS"
    })
    .await;
    assert_eq!(listed, amira_grant);
    let refused = withdraw(&app, &stranger, &amira_grant, None).await;
    assert_eq!(refused.codes(), vec!["FORBIDDEN"], "{refused:?}");
    // Chloe cannot decide for another family's child either.
    let young_person = app.young_person(YOUNG_PERSON).token();
    let refused = grant(&app, &young_person, health_physical(amira_id)).await;
    assert_eq!(refused.codes(), vec!["FORBIDDEN"], "{refused:?}");

    // Chloe is 17: her mother no longer decides, nor reads her record.
    let mother = family_token(&app, MOTHER);
    let refused = grant(&app, &mother, health_physical(chloe_id)).await;
    assert_eq!(refused.codes(), vec!["FORBIDDEN"], "{refused:?}");
    assert!(
        refused.message().contains("compulsory school age"),
        "{refused:?}"
    );
    let chloe_grant = find_grant(&app, &young_person, chloe_id, |c| {
        c["recipientAgencyKind"] == "SOCIAL_CARE"
    })
    .await;
    let refused = withdraw(&app, &mother, &chloe_grant, None).await;
    assert_eq!(refused.codes(), vec!["FORBIDDEN"], "{refused:?}");
    assert!(
        refused.message().contains("compulsory school age"),
        "{refused:?}"
    );
    let record = read_child(&app, &mother, None, chloe_id).await;
    assert_eq!(record.codes(), vec!["NOT_FOUND"], "{record:?}");
    assert!(!record.body.to_string().contains("radio"), "{record:?}");
    let listed = app
        .graphql_as(Some(&mother), None, CONSENTS, json!({ "id": chloe_id }))
        .await;
    assert_eq!(listed.codes(), vec!["NOT_FOUND"], "{listed:?}");

    // Chloe herself grants and withdraws.
    let granted = grant(&app, &young_person, health_physical(chloe_id)).await;
    let receipt = &granted.body["data"]["grantConsent"];
    assert_eq!(receipt["event"], "GRANTED", "{granted:?}");
    assert_eq!(receipt["grantorPersonId"], YOUNG_PERSON);
    assert_eq!(receipt["grantorCapacity"], "YOUNG_PERSON");
    assert_eq!(receipt["subject"], chloe_id.to_string());
    let own = receipt["grantId"].as_str().expect("grant id").to_owned();
    let health = app.practitioner(&health_service).token();
    let seen = read_child(&app, &health, Some("DIRECT_SUPPORT"), chloe_id).await;
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
    let unseen = read_child(&app, &health, Some("DIRECT_SUPPORT"), chloe_id).await;
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

/// Registers a child born on `dob` who signs in as `person-yp-<n>`, with a
/// mother (`person-mum-<n>`) who holds parental responsibility.
async fn register_with_mother(app: &TestApp, n: u32, dob: chrono::NaiveDate) -> String {
    app.child()
        .named(&format!("Child{n}"), "Boundary")
        .born_on(dob)
        .signs_in_as(&format!("person-yp-{n}"))
        .with_parent(&format!("person-mum-{n}"))
        .create()
        .await
        .id
        .to_string()
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
    // Education: a scope whose authority moves only at the hand-over (from
    // 16 the young person already decides their health scopes, LAW.md §2).
    let input = |child: &str| {
        json!({
            "childId": child,
            "recipientAgencyKind": "SCHOOL",
            "scopes": ["EDUCATION"],
            "purposes": ["DIRECT_SUPPORT"],
        })
    };
    let token = |person: &str, role: &str| match role {
        "family" => app.family_member(person).token(),
        _ => app.young_person(person).token(),
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
    // Already 16, she decides about her own health before the hand-over.
    let health = json!({
        "childId": not_yet,
        "recipientAgencyKind": "HEALTH",
        "scopes": ["PHYSICAL_HEALTH"],
        "purposes": ["DIRECT_SUPPORT"],
    });
    let own = grant(&app, &token("person-yp-2", "young_person"), health.clone()).await;
    assert_eq!(
        own.body["data"]["grantConsent"]["grantorCapacity"], "YOUNG_PERSON",
        "{own:?}"
    );
    let mum = grant(&app, &token("person-mum-2", "family"), health).await;
    assert_eq!(mum.codes(), vec!["FORBIDDEN"], "{mum:?}");
    assert!(mum.message().contains("Mental Capacity Act"), "{mum:?}");
}

/// Refusing someone with no relationship to the child names the rule but
/// tells them nothing about the child (here: the hand-over date, which gives
/// away the date of birth).
#[tokio::test]
async fn a_refused_stranger_learns_nothing_about_the_child() {
    let app = spawn_app().await;
    let (amira, grant_id) = child_aged_9_seen_by_camhs(&app).await;
    let stranger = family_token(&app, "person-stranger");
    let granted = grant(
        &app,
        &stranger,
        json!({
            "childId": amira.id,
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
    let chloe = young_person_aged_17(&app).await;
    let amira = child_aged_9(&app).await;
    let ot_service = app.agency(AgencyKind::Ot).create().await;
    let (amira_id, chloe_id) = (amira.id, chloe.id);
    let young_person = app.young_person(YOUNG_PERSON).token();
    let listed = app
        .graphql_as(
            Some(&young_person),
            None,
            TO_REVIEW,
            json!({ "id": chloe_id }),
        )
        .await;
    let to_review = listed.body["data"]["consentsToReview"]
        .as_array()
        .unwrap_or_else(|| panic!("no list: {listed:?}"));
    assert_eq!(to_review.len(), 1, "{listed:?}");
    let parents = &to_review[0];
    assert_eq!(parents["grantorPersonId"], MOTHER);
    assert_eq!(parents["recipientAgencyKind"], "OT");
    assert_eq!(parents["awaitsYoungPerson"], true);
    assert_eq!(parents["status"], "ACTIVE");
    let grant_id = parents["id"].as_str().expect("id").to_owned();

    // Only Chloe confirms it.
    let mother = family_token(&app, MOTHER);
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
        .graphql_as(
            Some(&young_person),
            None,
            TO_REVIEW,
            json!({ "id": chloe_id }),
        )
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
    let ot = read_child(
        &app,
        &app.practitioner(&ot_service).token(),
        Some("DIRECT_SUPPORT"),
        chloe_id,
    )
    .await;
    assert_visible(&ot, "sensoryPhysical");
    // Before the hand-over there is nothing to review.
    let amira = app
        .graphql_as(
            Some(&family_token(&app, "parent-1")),
            None,
            TO_REVIEW,
            json!({ "id": amira_id }),
        )
        .await;
    assert_eq!(
        amira.body["data"]["consentsToReview"],
        json!([]),
        "{amira:?}"
    );
}

#[tokio::test]
async fn a_parent_acts_for_a_young_person_an_assessment_finds_lacks_capacity() {
    let app = spawn_app().await;
    let chloe = young_person_aged_17(&app).await;
    let school = app.agency(AgencyKind::School).create().await;
    let health_service = app.agency(AgencyKind::Health).create().await;
    let officer = app.case_officer().await;
    let chloe_id = chloe.id;
    let mother = family_token(&app, MOTHER);
    let input = json!({
        "childId": chloe_id,
        "recipientAgencyKind": "HEALTH",
        "scopes": ["PHYSICAL_HEALTH"],
        "purposes": ["DIRECT_SUPPORT"],
    });
    let refused = grant(&app, &mother, input.clone()).await;
    assert_eq!(refused.codes(), vec!["FORBIDDEN"], "{refused:?}");

    // Only a case officer records capacity.
    let not_officer = app
        .practitioner(&school)
        .graphql(
            RECORD_CAPACITY,
            lacks_capacity_for_physical_health(&app, chloe_id),
        )
        .await;
    assert_eq!(not_officer.codes(), vec!["FORBIDDEN"], "{not_officer:?}");
    let still = grant(&app, &mother, input.clone()).await;
    assert_eq!(still.codes(), vec!["FORBIDDEN"], "{still:?}");

    let recorded = officer
        .graphql(
            RECORD_CAPACITY,
            lacks_capacity_for_physical_health(&app, chloe_id),
        )
        .await;
    assert_eq!(
        recorded.body["data"]["recordCapacityAssessment"]["outcome"], "LACKS_CAPACITY",
        "{recorded:?}"
    );
    let granted = grant(&app, &mother, input).await;
    let receipt = &granted.body["data"]["grantConsent"];
    assert_eq!(receipt["event"], "GRANTED", "{granted:?}");
    assert_eq!(receipt["grantorPersonId"], MOTHER);
    assert_eq!(
        receipt["grantorCapacity"],
        "PARENT_FOR_YOUNG_PERSON_LACKING_CAPACITY"
    );
    let health = read_child(
        &app,
        &app.practitioner(&health_service).token(),
        Some("DIRECT_SUPPORT"),
        chloe_id,
    )
    .await;
    assert_visible(&health, "physicalHealth");
    // Acting for her, the mother reads what the decision covers, and only that.
    let record = read_child(&app, &mother, None, chloe_id).await;
    assert_visible(&record, "physicalHealth");
    assert_withheld(&record, "allAboutMe", "NOT_PERMITTED", "ALL_ABOUT_ME");
}
