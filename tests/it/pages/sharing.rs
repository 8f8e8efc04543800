//! *Who can see what*: agreeing and stopping through the forms (each with
//! its receipt), what the API then discloses, bad forms, a parent past the
//! hand-over, the young person's review, the law's own sharing, and other
//! families' children.

use consent::{GrantorCapacity, Purpose};
use domain::{AgencyKind, Scope};
use serde_json::{Value, json};

use super::{Browser, Page};
use crate::fixtures::{Agency, Child};
use crate::helpers::{TestApp, spawn_app, spawn_demo_app};

const MUM: &str = "mum-sharing";
const SUMMARY: &str = "Sleeps badly before school; sees CAMHS fortnightly";
const READ: &str = "query($id: ID!) { child(id: $id) { mentalHealth { involvementSummary } } }";
const CONSENTS: &str = "query($id: ID!) { consents(childId: $id) { id status confirmedAt } }";

fn sharing(child: &Child) -> String {
    format!("/family/children/{}/sharing", child.id)
}

/// The codes, ids and names a family must never read.
fn no_codes(page: &Page, child: &Child) {
    let text = page.main_text();
    for code in [
        "MENTAL_HEALTH",
        "DIRECT_SUPPORT",
        "EHC_ASSESSMENT",
        "CONSENT_REQUIRED",
        "PUBLIC_TASK",
        "SHARED_",
        "NOT_SHARED",
        "LA_SEND",
    ] {
        assert!(!text.contains(code), "{code} in: {text}");
    }
    assert!(!text.contains(&child.id.to_string()), "{text}");
}

/// Whether the checkbox with this value is ticked.
fn checked(page: &Page, value: &str) -> bool {
    let needle = format!("value=\"{value}\"");
    let at = page
        .body
        .find(&needle)
        .unwrap_or_else(|| panic!("no {value} box"));
    let end = page.body[at..].find('>').expect("end of the input") + at;
    page.body[at..end].contains(" checked")
}

/// The first `action` of a form whose action contains `part`.
fn form_action(page: &Page, part: &str) -> Option<String> {
    page.body
        .split("action=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .find(|a| a.contains(part))
        .map(str::to_owned)
}

/// A 9-year-old whose mother signs in, and the CAMHS team working with
/// them (so a direct-support read opens who they are, and nothing else
/// without her agreement).
async fn camhs_and_child(app: &TestApp) -> (Agency, Child) {
    let camhs = app
        .agency(AgencyKind::Camhs)
        .named("Northshire CAMHS")
        .create()
        .await;
    let child = app
        .child()
        .aged(9)
        .with_parent(MUM)
        .with_record(|r| r.mental_health.involvement_summary = Some(SUMMARY.into()))
        .create()
        .await;
    app.involve(child.id, &camhs).await;
    (camhs, child)
}

async fn camhs_reads(app: &TestApp, camhs: &Agency, child: &Child) -> Value {
    let answer = app
        .practitioner(camhs)
        .graphql(READ, json!({ "id": child.id }))
        .await;
    answer.body["data"]["child"]["mentalHealth"].clone()
}

async fn consents(app: &TestApp, person: &str, child: &Child) -> Vec<Value> {
    let answer = app
        .family_member(person)
        .graphql(CONSENTS, json!({ "id": child.id }))
        .await;
    answer.body["data"]["consents"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn next_year(app: &TestApp) -> String {
    use chrono::Datelike;
    (app.today().year() + 1).to_string()
}

#[tokio::test]
async fn a_parent_agrees_through_the_form_and_stops_sharing_again() {
    let app = spawn_app().await;
    let (camhs, child) = camhs_and_child(&app).await;
    assert_eq!(camhs_reads(&app, &camhs, &child).await, Value::Null);
    let mut browser = Browser::new(&app);
    browser
        .sign_in_with_claims(&app, &app.family_member(MUM).claims())
        .await;

    let overview = browser.get(&sharing(&child)).await;
    assert_eq!(overview.status, 200, "{}", overview.body);
    let text = overview.main_text();
    assert!(text.contains("Who can see what"), "{text}");
    assert!(text.contains("Northshire CAMHS"), "{text}");
    assert!(
        text.contains("Wellbeing and mental health Not shared"),
        "{text}"
    );
    no_codes(&overview, &child);
    let change = format!("{}/agencies/{}", sharing(&child), camhs.id);
    assert!(overview.body.contains(&format!("href=\"{change}\"")));

    let form = browser.get(&change).await;
    assert_eq!(form.status, 200, "{}", form.body);
    assert!(
        form.main_text()
            .contains("To support your child day to day")
    );
    let year = next_year(&app);
    let done = browser
        .post(
            &change,
            &[
                ("csrf", &form.csrf()),
                ("scopes", "MENTAL_HEALTH"),
                ("purposes", "DIRECT_SUPPORT"),
                ("until-day", "1"),
                ("until-month", "2"),
                ("until-year", &year),
            ],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    let receipt_path = done.location.clone().expect("to the receipt");
    assert!(receipt_path.starts_with(&format!("{}/receipts/", sharing(&child))));
    let receipt = browser.follow(&done).await;
    assert_eq!(receipt.status, 200, "{}", receipt.body);
    let text = receipt.main_text();
    for words in [
        "You agreed to share",
        "Northshire CAMHS",
        "Wellbeing and mental health",
        "To support your child day to day",
        &format!("1 February {year}"),
        "How to stop sharing",
        "Health and Social Care Act 2012",
    ] {
        assert!(text.contains(words), "{words} missing: {text}");
    }
    assert!(!text.contains("[to confirm]"), "{text}");
    no_codes(&receipt, &child);

    // CAMHS now reads it over GraphQL.
    assert_eq!(
        camhs_reads(&app, &camhs, &child).await["involvementSummary"],
        SUMMARY
    );
    // The receipt downloads as JSON.
    let download = browser.get(&format!("{receipt_path}.json")).await;
    assert_eq!(download.status, 200, "{}", download.body);
    let disposition = download.headers["content-disposition"]
        .to_str()
        .expect("header");
    assert!(disposition.starts_with("attachment"), "{disposition}");
    let json: Value = serde_json::from_str(&download.body).expect("JSON");
    assert_eq!(json["scopes"], json!(["MENTAL_HEALTH"]));
    assert_eq!(json["recipientAgencyId"], json!(camhs.id.to_string()));
    assert_eq!(json["event"], "GRANTED");

    // The page says so, and offers to stop.
    let overview = browser.get(&sharing(&child)).await;
    let text = overview.main_text();
    assert!(
        text.contains("Wellbeing and mental health Shared with your agreement You agreed to share this to support your child day to day, until 1 February"),
        "{text}"
    );
    let stop = form_action(&overview, "/withdraw").expect("a stop button");
    let stopped = browser.post(&stop, &[("csrf", &overview.csrf())]).await;
    assert_eq!(stopped.status, 303, "{}", stopped.body);
    let receipt = browser.follow(&stopped).await;
    assert_eq!(receipt.status, 200, "{}", receipt.body);
    assert!(receipt.main_text().contains("You stopped sharing"));
    assert_eq!(camhs_reads(&app, &camhs, &child).await, Value::Null);
    let after = browser.get(&sharing(&child)).await;
    assert!(
        after
            .main_text()
            .contains("Wellbeing and mental health Not shared")
    );
    assert!(form_action(&after, "/withdraw").is_none());
}

#[tokio::test]
async fn bad_forms_say_what_is_wrong_and_change_nothing() {
    let app = spawn_app().await;
    let (camhs, child) = camhs_and_child(&app).await;
    let mut browser = Browser::new(&app);
    browser
        .sign_in_with_claims(&app, &app.family_member(MUM).claims())
        .await;
    let change = format!("{}/agencies/{}", sharing(&child), camhs.id);
    let form = browser.get(&change).await;
    let csrf = form.csrf();

    // A service the sharing view does not list: not found, and the API's
    // own words for it stay off the page.
    let made_up = format!("{}/agencies/{}", sharing(&child), uuid::Uuid::new_v4());
    let unknown = browser
        .post(
            &made_up,
            &[
                ("csrf", &csrf),
                ("scopes", "MENTAL_HEALTH"),
                ("purposes", "DIRECT_SUPPORT"),
            ],
        )
        .await;
    assert_eq!(unknown.status, 404, "{}", unknown.body);
    assert!(
        !unknown.body.contains("RecipientAgencyId"),
        "{}",
        unknown.body
    );

    let none = browser
        .post(&change, &[("csrf", &csrf), ("purposes", "DIRECT_SUPPORT")])
        .await;
    assert_eq!(none.status, 400, "{}", none.body);
    assert!(none.body.contains("govuk-error-summary"));
    assert!(none.body.contains("href=\"#scopes\""));
    assert!(none.body.contains(
        "id=\"scopes-error\" class=\"govuk-error-message\"><span class=\"govuk-visually-hidden\">Error:</span> Select at least one part of the record to share"
    ), "{}", none.body);
    // What was entered is kept.
    assert!(checked(&none, "DIRECT_SUPPORT"));
    assert!(!checked(&none, "ANNUAL_REVIEW"));

    let past = browser
        .post(
            &change,
            &[
                ("csrf", &csrf),
                ("scopes", "MENTAL_HEALTH"),
                ("purposes", "DIRECT_SUPPORT"),
                ("until-day", "1"),
                ("until-month", "1"),
                ("until-year", "2020"),
            ],
        )
        .await;
    assert_eq!(past.status, 400, "{}", past.body);
    assert!(past.body.contains("id=\"until-error\""));
    assert!(
        past.main_text()
            .contains("The end date must be in the future")
    );
    assert!(past.body.contains("value=\"2020\""));
    assert!(checked(&past, "MENTAL_HEALTH"));
    assert!(!checked(&past, "PHYSICAL_HEALTH"));

    let not_a_date = browser
        .post(
            &change,
            &[
                ("csrf", &csrf),
                ("scopes", "MENTAL_HEALTH"),
                ("purposes", "DIRECT_SUPPORT"),
                ("until-day", "31"),
                ("until-month", "2"),
                ("until-year", &next_year(&app)),
            ],
        )
        .await;
    assert_eq!(not_a_date.status, 400);
    assert!(
        not_a_date
            .main_text()
            .contains("The end date must be a real date")
    );

    let good = [("scopes", "MENTAL_HEALTH"), ("purposes", "DIRECT_SUPPORT")];
    let missing = browser.post(&change, &good).await;
    assert_eq!(missing.status, 403, "{}", missing.body);
    let mut wrong = vec![("csrf", "not-the-token")];
    wrong.extend(good);
    let wrong = browser.post(&change, &wrong).await;
    assert_eq!(wrong.status, 403);
    assert!(wrong.main_text().contains("Nothing was changed"));
    // An unknown section is a bad request in words, not a 500.
    let odd = browser
        .post(
            &change,
            &[
                ("csrf", &csrf),
                ("scopes", "RESTRICTED"),
                ("purposes", "DIRECT_SUPPORT"),
            ],
        )
        .await;
    assert_eq!(odd.status, 400);

    assert!(consents(&app, MUM, &child).await.is_empty());
    assert_eq!(camhs_reads(&app, &camhs, &child).await, Value::Null);
}

/// A young person of 17 (`yp-sharing`) and her mother; the mother agreed
/// to share with occupational therapy and with health long ago, before the
/// hand-over. Returns the child and both grants.
async fn seventeen(app: &TestApp) -> (Child, String, String) {
    let child = app
        .child()
        .aged(17)
        .signs_in_as("yp-sharing")
        .with_parent(MUM)
        .create()
        .await;
    let mum = app.family_member(MUM);
    let ot = mum
        .grant(&child)
        .for_every(AgencyKind::Ot)
        .scopes([Scope::SensoryPhysical, Scope::AllAboutMe])
        .purposes([Purpose::DirectSupport])
        .made_days_ago(900, GrantorCapacity::ParentalResponsibility)
        .await;
    let health = mum
        .grant(&child)
        .for_every(AgencyKind::Health)
        .scopes([Scope::PhysicalHealth])
        .purposes([Purpose::DirectSupport])
        .made_days_ago(800, GrantorCapacity::ParentalResponsibility)
        .await;
    (child, ot, health)
}

#[tokio::test]
async fn a_parent_past_the_hand_over_sees_why_and_cannot_change_it() {
    let app = spawn_app().await;
    let camhs = app.agency(AgencyKind::Camhs).create().await;
    let (child, ot, _) = seventeen(&app).await;
    let mut browser = Browser::new(&app);
    browser
        .sign_in_with_claims(&app, &app.family_member(MUM).claims())
        .await;
    let page = browser.get(&sharing(&child)).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let text = page.main_text();
    assert!(text.contains("compulsory school age"), "{text}");
    assert!(
        text.contains("the young person makes their own consent decisions"),
        "{text}"
    );
    assert!(!page.body.contains("/sharing/agencies/"), "no change links");
    assert!(form_action(&page, "/withdraw").is_none(), "no stop buttons");
    no_codes(&page, &child);

    // A form sent anyway is refused with the reason.
    let change = format!("{}/agencies/{}", sharing(&child), camhs.id);
    let refused = browser
        .post(
            &change,
            &[
                ("csrf", &page.csrf()),
                ("scopes", "MENTAL_HEALTH"),
                ("purposes", "DIRECT_SUPPORT"),
            ],
        )
        .await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(refused.main_text().contains("compulsory school age"));
    let stop = browser
        .post(
            &format!("{}/grants/{ot}/withdraw", sharing(&child)),
            &[("csrf", &page.csrf())],
        )
        .await;
    assert_eq!(stop.status, 403, "{}", stop.body);
    assert!(stop.main_text().contains("compulsory school age"));
    let all = app
        .young_person("yp-sharing")
        .graphql(CONSENTS, json!({ "id": child.id }))
        .await;
    let all = all.body["data"]["consents"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(all.len(), 2, "{all:?}");
    assert!(all.iter().all(|c| c["status"] == "ACTIVE"));
}

#[tokio::test]
async fn the_young_person_keeps_or_stops_what_a_parent_agreed() {
    let app = spawn_app().await;
    app.agency(AgencyKind::Ot)
        .named("Northshire OT")
        .create()
        .await;
    let (child, ot, health) = seventeen(&app).await;
    let yp = app.young_person("yp-sharing");
    let mut browser = Browser::new(&app);
    browser.sign_in_with_claims(&app, &yp.claims()).await;
    let page = browser.get(&sharing(&child)).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let text = page.main_text();
    assert!(text.contains("Decisions to check"), "{text}");
    assert!(
        text.contains("Every service of this kind: Occupational therapy"),
        "{text}"
    );
    assert!(
        text.contains("To support you day to day") || text.contains("to support you day to day"),
        "{text}"
    );
    no_codes(&page, &child);

    let keep = format!("{}/grants/{ot}/keep", sharing(&child));
    assert_eq!(
        form_action(&page, &format!("{ot}/keep")),
        Some(keep.clone())
    );
    let kept = browser.post(&keep, &[("csrf", &page.csrf())]).await;
    assert_eq!(kept.status, 303, "{}", kept.body);
    let after = browser.follow(&kept).await;
    assert!(after.main_text().contains("You have kept this agreement"));

    let stop = format!("{}/grants/{health}/withdraw", sharing(&child));
    let stopped = browser.post(&stop, &[("csrf", &after.csrf())]).await;
    assert_eq!(stopped.status, 303, "{}", stopped.body);
    assert!(
        browser
            .follow(&stopped)
            .await
            .main_text()
            .contains("You stopped sharing")
    );

    let review = yp
        .graphql(
            "query($id: ID!) { consentsToReview(childId: $id) { id } }",
            json!({ "id": child.id }),
        )
        .await;
    assert_eq!(review.body["data"]["consentsToReview"], json!([]));
    let all = yp.graphql(CONSENTS, json!({ "id": child.id })).await;
    let all = all.body["data"]["consents"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let of = |id: &str| all.iter().find(|c| c["id"] == id).cloned().expect("grant");
    assert_eq!(of(&ot)["status"], "ACTIVE");
    assert!(of(&ot)["confirmedAt"].is_string());
    assert_eq!(of(&health)["status"], "WITHDRAWN");
    let page = browser.get(&sharing(&child)).await;
    assert!(!page.main_text().contains("Decisions to check"));
}

#[tokio::test]
async fn the_law_shares_with_the_council_during_an_assessment_and_other_children_are_not_found() {
    let app = spawn_demo_app().await;
    let mut browser = Browser::new(&app);
    // Jayden's mother: his EHC needs assessment is open.
    browser
        .sign_in_with_claims(
            &app,
            &app.family_member("demo-person-leanne-clarke").claims(),
        )
        .await;
    let jayden = format!("/family/children/{}/sharing", api::demo::JAYDEN);
    let page = browser.get(&jayden).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let text = page.main_text();
    assert!(
        text.contains("Shared without your agreement because the law requires it: the council must assess your child's needs (Children and Families Act 2014"),
        "{text}"
    );
    assert!(text.contains("Shared by law"), "{text}");
    assert!(text.contains("Not possible"), "{text}");
    for code in ["SEN_NEEDS", "PUBLIC_TASK", "EHC_ASSESSMENT", "ASSESSMENT "] {
        assert!(!text.contains(code), "{code}: {text}");
    }

    // Another family's child, a made-up one and a bad id: the same 404.
    let amira = format!("/family/children/{}/sharing", api::demo::AMIRA);
    for path in [
        amira.clone(),
        format!("{amira}/agencies/{}", api::demo::CAMHS),
        format!("/family/children/{}/sharing", uuid::Uuid::new_v4()),
        "/family/children/not-a-child/sharing".to_owned(),
        format!("{jayden}/receipts/not-a-receipt"),
    ] {
        let page = browser.get(&path).await;
        assert_eq!(page.status, 404, "{path}: {}", page.body);
    }
    // Amira's receipt, asked for under Jayden, is not found either.
    let receipt = format!(
        "{jayden}/receipts/{}",
        api::demo::grants(chrono::Utc::now())[0].id
    );
    assert_eq!(browser.get(&receipt).await.status, 404);
    let grant = browser
        .post(
            &format!("{amira}/agencies/{}", api::demo::CAMHS),
            &[
                ("csrf", &page.csrf()),
                ("scopes", "MENTAL_HEALTH"),
                ("purposes", "DIRECT_SUPPORT"),
            ],
        )
        .await;
    assert!(matches!(grant.status, 403 | 404), "{}", grant.body);
    // A stop button under the wrong child's address changes nothing.
    let demo = api::demo::grants(chrono::Utc::now());
    let (amiras, jaydens) = (demo[0].id, demo[5].id);
    for path in [
        format!("{amira}/grants/{jaydens}/withdraw"),
        format!("{jayden}/grants/{amiras}/withdraw"),
        format!("{jayden}/grants/{amiras}/keep"),
    ] {
        let page = browser.post(&path, &[("csrf", &page.csrf())]).await;
        assert_eq!(page.status, 404, "{path}: {}", page.body);
    }
    let still = app
        .family_member("demo-person-leanne-clarke")
        .graphql(CONSENTS, json!({ "id": api::demo::JAYDEN }))
        .await;
    let still = &still.body["data"]["consents"];
    let of = still
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["id"] == jaydens.to_string())
        .expect("Jayden's grant");
    assert_eq!(of["status"], "ACTIVE");
}
