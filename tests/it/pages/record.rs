//! The family's record pages: *Record* (where each item came from), *Who
//! looked* (the access history, filtered and paged) and *All about me*
//! (the family's own words, a new version by form), as a parent and a
//! young person use them, and as those who must not see or change them.

use chrono::Duration;
use consent::Purpose;
use domain::{AgencyKind, Scope};
use serde_json::{Value, json};

use super::{Browser, Page};
use crate::fixtures::{Agency, Child};
use crate::helpers::{TestApp, spawn_app};

/// Internal codes no family page may show.
const CODES: &[&str] = &[
    "MENTAL_HEALTH",
    "CONSENT_REQUIRED",
    "NOT_PERMITTED",
    "ALL_ABOUT_ME",
    "SEN_NEEDS",
    "PUBLIC_TASK",
    "DIRECT_SUPPORT",
    "EHC_ASSESSMENT",
    "YOUNG_PERSON",
    "BAD_USER_INPUT",
];

fn no_codes(page: &Page) {
    let text = page.main_text();
    for code in CODES {
        assert!(!text.contains(code), "{code} on the page: {text}");
    }
}

/// Ruby, 9, at Brook Lane School and known to Hillside CAMHS; her mother
/// `mum-ruby`. Another child, of another mother.
struct Story {
    ruby: Child,
    other: Child,
    school: Agency,
    camhs: Agency,
}

async fn story(app: &TestApp) -> Story {
    let school = app
        .agency(AgencyKind::School)
        .named("Brook Lane School")
        .create()
        .await;
    let camhs = app
        .agency(AgencyKind::Camhs)
        .named("Hillside CAMHS")
        .create()
        .await;
    let ruby = app
        .child()
        .named("Ruby", "Stone")
        .aged(9)
        .with_parent("mum-ruby")
        .involving(&school)
        .involving(&camhs)
        .create()
        .await;
    let other = app
        .child()
        .named("Otto", "Brand")
        .aged(8)
        .with_parent("mum-otto")
        .create()
        .await;
    Story {
        ruby,
        other,
        school,
        camhs,
    }
}

async fn signed_in(app: &TestApp, claims: &Value) -> Browser {
    let mut browser = Browser::new(app);
    browser.sign_in_with_claims(app, claims).await;
    browser
}

const AAM_HISTORY: &str =
    "query($c: ID!) { allAboutMeHistory(childId: $c) { version whatMatters writtenAs } }";

#[tokio::test]
async fn the_parent_reads_the_record_with_where_each_item_came_from() {
    let app = spawn_app().await;
    let s = story(&app).await;
    let added = app
        .practitioner(&s.school)
        .graphql(
            "mutation($c: ID!) { contribute(childId: $c, input: { scope: EDUCATION, kind: UPDATE, title: \"Autumn term report\", notes: \"Reading well with a coloured overlay.\" }) { id } }",
            json!({ "c": s.ruby.id }),
        )
        .await;
    assert!(
        added.body["data"]["contribute"]["id"].is_string(),
        "{added:?}"
    );
    let mut browser = signed_in(&app, &app.family_member("mum-ruby").claims()).await;
    let home = browser.get("/family").await;
    assert_eq!(home.status, 200, "{}", home.body);
    let link = format!("/family/children/{}/record", s.ruby.id);
    assert!(home.body.contains(&link), "{}", home.body);
    assert!(!home.main_text().contains("View only"));

    let record = browser.get(&link).await;
    assert_eq!(record.status, 200, "{}", record.body);
    let text = record.main_text();
    assert!(text.contains("Ruby Stone"), "{text}");
    assert!(text.contains("School and learning"), "{text}");
    assert!(text.contains("Update: Autumn term report"), "{text}");
    assert!(
        text.contains("Reading well with a coloured overlay."),
        "{text}"
    );
    let when = api::web::view::long_date(app.today());
    assert!(
        text.contains(&format!("Added by Brook Lane School on {when}")),
        "{text}"
    );
    // The services involved, with their agency and since when.
    assert!(text.contains("Hillside CAMHS"), "{text}");
    // Restricted items are never shown to a family: said in words.
    assert!(text.contains("This part is not shown to you."), "{text}");
    assert!(record.body.contains("aria-current=\"page\""));
    no_codes(&record);
}

#[tokio::test]
async fn a_family_sees_only_their_own_children() {
    let app = spawn_app().await;
    let s = story(&app).await;
    let mut browser = signed_in(&app, &app.family_member("mum-ruby").claims()).await;
    let home = browser.get("/family").await;
    assert!(!home.main_text().contains("Otto"), "{}", home.body);
    let random = uuid::Uuid::new_v4().to_string();
    let other = s.other.id.to_string();
    for id in [other.as_str(), random.as_str(), "not-a-uuid"] {
        for tab in ["record", "history", "all-about-me"] {
            let page = browser.get(&format!("/family/children/{id}/{tab}")).await;
            assert_eq!(page.status, 404, "{id} {tab}: {}", page.body);
            assert!(page.main_text().contains("Page not found"), "{}", page.body);
            assert!(!page.main_text().contains("Otto"));
        }
    }
    // Nor can she write Otto's words.
    let form = browser
        .get(&format!("/family/children/{}/all-about-me", s.ruby.id))
        .await;
    let csrf = form.csrf();
    let refused = browser
        .post(
            &format!("/family/children/{other}/all-about-me"),
            &[("csrf", &csrf), ("whatMatters", "Not mine to write")],
        )
        .await;
    assert_eq!(refused.status, 404, "{}", refused.body);
    let otto = app
        .family_member("mum-otto")
        .graphql(AAM_HISTORY, json!({ "c": s.other.id }))
        .await;
    assert_eq!(
        otto.body["data"]["allAboutMeHistory"],
        json!([]),
        "{otto:?}"
    );
    // A practitioner is not a family member.
    let mut senco = signed_in(&app, &app.practitioner(&s.school).claims()).await;
    let page = senco
        .get(&format!("/family/children/{}/record", s.ruby.id))
        .await;
    assert_eq!(page.status, 403, "{}", page.body);
}

#[tokio::test]
async fn who_looked_lists_a_practitioners_read_and_filters_by_agency_and_date() {
    let app = spawn_app().await;
    let s = story(&app).await;
    let mum = app.family_member("mum-ruby");
    mum.grant(&s.ruby)
        .to(&s.camhs)
        .scopes([Scope::MentalHealth])
        .purposes([Purpose::DirectSupport])
        .create()
        .await;
    let camhs = app.practitioner(&s.camhs);
    let school = app.practitioner(&s.school);
    // 21 reads by CAMHS, more than a page; one by the school, which is
    // shown nothing without the family's agreement.
    for _ in 0..21 {
        let read = camhs
            .graphql(
                "query($id: ID!) { child(id: $id) { mentalHealth { camhsStatus } } }",
                json!({ "id": s.ruby.id }),
            )
            .await;
        assert!(
            read.body["data"]["child"]["mentalHealth"].is_object(),
            "{read:?}"
        );
    }
    let read = school
        .graphql(
            "query($id: ID!) { child(id: $id) { education { yearGroup } } }",
            json!({ "id": s.ruby.id }),
        )
        .await;
    assert!(read.body["data"]["child"].is_object(), "{read:?}");

    let mut browser = signed_in(&app, &mum.claims()).await;
    let path = format!("/family/children/{}/history", s.ruby.id);
    let all = browser.get(&path).await;
    assert_eq!(all.status, 200, "{}", all.body);
    let text = all.main_text();
    assert!(
        text.contains("Hillside CAMHS looked at wellbeing and mental health"),
        "{text}"
    );
    // Newest first: the school's request, made last, comes before CAMHS's.
    let school_at = text
        .find("Brook Lane School asked to see")
        .unwrap_or_else(|| panic!("no school line: {text} / {read:?}"));
    let camhs_at = text.find("Hillside CAMHS looked at").expect("camhs");
    assert!(school_at < camhs_at, "{text}");
    assert!(all.body.contains("Next page"), "{}", all.body);
    no_codes(&all);

    // The next page goes back in time.
    let start = all.body.find("history?agency=").expect("next link");
    let end = all.body[start..].find('"').expect("end") + start;
    let next = all.body[start..end].replace("&amp;", "&");
    let older = browser
        .get(&format!("/family/children/{}/{next}", s.ruby.id))
        .await;
    assert_eq!(older.status, 200, "{}", older.body);
    assert!(
        older.main_text().contains("Hillside CAMHS looked at"),
        "{}",
        older.body
    );

    // By agency.
    let only_camhs = browser
        .get(&format!("{path}?agency={}&from=&to=", s.camhs.id))
        .await;
    assert_eq!(only_camhs.status, 200, "{}", only_camhs.body);
    let text = only_camhs.main_text();
    assert!(text.contains("Hillside CAMHS looked at"), "{text}");
    assert!(!text.contains("Brook Lane School asked to see"), "{text}");
    let only_school = browser.get(&format!("{path}?agency={}", s.school.id)).await;
    let text = only_school.main_text();
    assert!(text.contains("Brook Lane School asked to see"), "{text}");
    assert!(!text.contains("Hillside CAMHS looked at"), "{text}");

    // By date: today has them, tomorrow onwards has none.
    let today = app.today();
    let on_today = browser
        .get(&format!("{path}?from={today}&to={today}"))
        .await;
    assert!(
        on_today.main_text().contains("Hillside CAMHS looked at"),
        "{}",
        on_today.body
    );
    let tomorrow = today + Duration::days(1);
    let later = browser.get(&format!("{path}?from={tomorrow}")).await;
    assert_eq!(later.status, 200);
    let text = later.main_text();
    assert!(text.contains("There is nothing to show"), "{text}");
    assert!(!text.contains("looked at"), "{text}");
}

#[tokio::test]
async fn a_bad_date_filter_is_shown_next_to_its_field() {
    let app = spawn_app().await;
    let s = story(&app).await;
    let mut browser = signed_in(&app, &app.family_member("mum-ruby").claims()).await;
    let path = format!("/family/children/{}/history", s.ruby.id);
    let bad = browser.get(&format!("{path}?from=2026-02-30&to=")).await;
    assert_eq!(bad.status, 400, "{}", bad.body);
    assert!(bad.body.contains("govuk-error-summary"), "{}", bad.body);
    assert!(bad.body.contains("href=\"#from\""), "{}", bad.body);
    assert!(bad.body.contains("id=\"from-error\""), "{}", bad.body);
    assert!(
        bad.body.contains("value=\"2026-02-30\""),
        "kept: {}",
        bad.body
    );
    assert!(
        bad.main_text()
            .contains("Enter the 'from' date as a real date"),
        "{}",
        bad.body
    );
    let backwards = browser
        .get(&format!("{path}?from=2026-12-02&to=2026-12-01"))
        .await;
    assert_eq!(backwards.status, 400, "{}", backwards.body);
    assert!(
        backwards.body.contains("id=\"to-error\""),
        "{}",
        backwards.body
    );
    let unknown = browser.get(&format!("{path}?agency=nope")).await;
    assert_eq!(unknown.status, 400, "{}", unknown.body);
    assert!(
        unknown.body.contains("id=\"agency-error\""),
        "{}",
        unknown.body
    );
    let cursor = browser.get(&format!("{path}?after=garbage")).await;
    assert_eq!(cursor.status, 400, "{}", cursor.body);
    assert!(
        !cursor.main_text().contains("after:"),
        "the API's field name stays off the page: {}",
        cursor.main_text()
    );
    // Dates chrono accepts but no record holds (the first of them once
    // overflowed UK midnight into a panic) are refused in words.
    for far in [
        "-262144-01-01",
        "+262143-12-31",
        "0999-01-01",
        "10000-01-01",
    ] {
        let far = browser.get(&format!("{path}?from={far}&to=")).await;
        assert_eq!(far.status, 400, "{}", far.body);
        assert!(far.body.contains("id=\"from-error\""), "{}", far.body);
    }
    no_codes(&bad);
}

#[tokio::test]
async fn all_about_me_is_updated_by_form_and_kept_as_a_new_version() {
    let app = spawn_app().await;
    let s = story(&app).await;
    let mum = app.family_member("mum-ruby");
    let mut browser = signed_in(&app, &mum.claims()).await;
    let path = format!("/family/children/{}/all-about-me", s.ruby.id);
    let form = browser.get(&path).await;
    assert_eq!(form.status, 200, "{}", form.body);
    for id in ["whatMatters", "howToSupport", "aspirations", "history"] {
        assert!(
            form.body.contains(&format!(
                "<label class=\"govuk-label govuk-label--m\" for=\"{id}\">"
            )),
            "{id}: {}",
            form.body
        );
    }
    let before = mum
        .graphql(AAM_HISTORY, json!({ "c": s.ruby.id }))
        .await
        .body["data"]["allAboutMeHistory"]
        .as_array()
        .map_or(0, Vec::len);

    // Without a token, or with another, nothing changes.
    for csrf in ["", "not-this-sessions-token"] {
        let refused = browser
            .post(&path, &[("csrf", csrf), ("whatMatters", "Forged words")])
            .await;
        assert_eq!(refused.status, 403, "{}", refused.body);
        assert!(
            refused.main_text().contains("This form has expired"),
            "{}",
            refused.body
        );
    }
    let refused = browser
        .post(&path, &[("whatMatters", "Forged words")])
        .await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    let history = mum.graphql(AAM_HISTORY, json!({ "c": s.ruby.id })).await;
    let versions = history.body["data"]["allAboutMeHistory"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(versions.len(), before, "{history:?}");

    // Too long: the message next to the field, the words kept.
    let long = "a".repeat(20_001);
    let bad = browser
        .post(
            &path,
            &[
                ("csrf", &form.csrf()),
                ("whatMatters", "Drawing"),
                ("howToSupport", &long),
            ],
        )
        .await;
    assert_eq!(bad.status, 400, "{}", &bad.body[..2000.min(bad.body.len())]);
    assert!(bad.body.contains("id=\"howToSupport-error\""));
    assert!(bad.body.contains("href=\"#howToSupport\""));
    assert!(bad.body.contains(">Drawing</textarea>"), "kept");
    assert!(
        bad.main_text()
            .contains("'How best to support me' must be 20,000 characters or fewer")
    );
    no_codes(&bad);

    // A new version.
    let saved = browser
        .post(
            &path,
            &[
                ("csrf", &form.csrf()),
                ("whatMatters", "Drawing, the park and my cat Biscuit."),
                ("howToSupport", "Show me pictures of what comes next."),
                ("aspirations", ""),
                ("history", ""),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let shown = browser.follow(&saved).await;
    assert_eq!(shown.status, 200, "{}", shown.body);
    let text = shown.main_text();
    assert!(text.contains("We have saved your words"), "{text}");
    assert!(
        text.contains("Drawing, the park and my cat Biscuit."),
        "{text}"
    );
    assert!(
        text.contains(&format!("Version {}: A parent or carer", before + 1)),
        "{text}"
    );
    no_codes(&shown);
    let history = mum.graphql(AAM_HISTORY, json!({ "c": s.ruby.id })).await;
    let versions = history.body["data"]["allAboutMeHistory"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(versions.len(), before + 1, "{history:?}");
    let last = versions.last().expect("a version");
    assert_eq!(last["whatMatters"], "Drawing, the park and my cat Biscuit.");
    assert_eq!(last["writtenAs"], "PARENT");
}

const CAPACITY: &str = "mutation($input: CapacityAssessmentInput!) {
  recordCapacityAssessment(input: $input) { id status }
}";

#[tokio::test]
async fn a_parent_past_the_hand_over_sees_all_about_me_read_only() {
    let app = spawn_app().await;
    let sol = app
        .child()
        .named("Sol", "Reyes")
        .aged(17)
        .signs_in_as("yp-sol")
        .with_parent("mum-sol")
        .create()
        .await;
    let young = app.young_person("yp-sol");
    let written = young
        .graphql(
            "mutation($c: ID!) { updateAllAboutMe(childId: $c, input: { whatMatters: \"Music and my own choices.\" }) { version } }",
            json!({ "c": sol.id }),
        )
        .await;
    assert!(
        written.body["data"]["updateAllAboutMe"]["version"].is_number(),
        "{written:?}"
    );
    // Sol lacks capacity for one decision only: her mother acts for that.
    let today = app.today();
    let lacks = app
        .case_officer()
        .await
        .graphql(
            CAPACITY,
            json!({ "input": {
                "childId": sol.id,
                "scopes": ["MENTAL_HEALTH"],
                "assessorRole": "social worker",
                "assessedOn": today.to_string(),
                "outcome": "LACKS_CAPACITY",
                "reasons": "assessed with her advocate present over two meetings",
                "reviewOn": (today + Duration::days(180)).to_string(),
            } }),
        )
        .await;
    assert_eq!(
        lacks.body["data"]["recordCapacityAssessment"]["status"], "CURRENT",
        "{lacks:?}"
    );

    let mut browser = signed_in(&app, &app.family_member("mum-sol").claims()).await;
    let home = browser.get("/family").await;
    assert_eq!(home.status, 200, "{}", home.body);
    let text = home.main_text();
    assert!(text.contains("View only"), "{text}");
    assert!(
        text.contains("past the end of compulsory school age"),
        "{text}"
    );
    no_codes(&home);

    let path = format!("/family/children/{}/all-about-me", sol.id);
    let page = browser.get(&path).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let text = page.main_text();
    assert!(text.contains("View only"), "{text}");
    assert!(text.contains("You cannot change this part."), "{text}");
    assert!(text.contains("decides who sees their record"), "{text}");
    assert!(!page.body.contains("<textarea"), "{}", page.body);
    assert!(!text.contains("Music and my own choices."), "{text}");
    no_codes(&page);

    // The API refuses her, and the page says why.
    let refused = browser
        .post(
            &path,
            &[("csrf", &page.csrf()), ("whatMatters", "Written by mum")],
        )
        .await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(
        refused.main_text().contains("You cannot change this part."),
        "{}",
        refused.body
    );
    // Over GraphQL too: she neither writes nor reads Sol's words.
    let mother = app.family_member("mum-sol");
    let direct = mother
        .graphql(
            "mutation($c: ID!) { updateAllAboutMe(childId: $c, input: { whatMatters: \"Written by mum\" }) { version } }",
            json!({ "c": sol.id }),
        )
        .await;
    assert_eq!(direct.codes(), vec!["FORBIDDEN"], "{direct:?}");
    let read = mother.graphql(AAM_HISTORY, json!({ "c": sol.id })).await;
    assert_eq!(read.codes(), vec!["FORBIDDEN"], "{read:?}");
    let history = young.graphql(AAM_HISTORY, json!({ "c": sol.id })).await;
    let versions = history.body["data"]["allAboutMeHistory"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(versions.len(), 1, "{history:?}");
    assert_eq!(versions[0]["writtenAs"], "YOUNG_PERSON");

    // Sol herself writes, in her own words.
    let mut own = signed_in(&app, &young.claims()).await;
    let mine = own.get(&path).await;
    assert_eq!(mine.status, 200, "{}", mine.body);
    assert!(mine.body.contains("<textarea"), "{}", mine.body);
    assert!(
        mine.main_text()
            .contains("Version 1: Sol Reyes, in their own words")
    );
    let home = own.get("/family").await;
    assert!(!home.main_text().contains("View only"), "{}", home.body);
}

/// The demo's parent and young person, on every page of this module: all
/// of it in words, none of it an internal code.
#[tokio::test]
async fn the_demo_family_pages_read_in_words() {
    let app = crate::helpers::spawn_demo_app().await;
    for (persona, child) in [
        ("parent", api::demo::AMIRA),
        ("young-person", api::demo::CHLOE),
    ] {
        let mut browser = Browser::new(&app);
        let home = browser.sign_in_as(persona).await;
        assert_eq!(home.status, 200, "{}", home.body);
        no_codes(&home);
        for tab in ["record", "history", "all-about-me"] {
            let page = browser
                .get(&format!("/family/children/{child}/{tab}"))
                .await;
            assert_eq!(page.status, 200, "{persona} {tab}: {}", page.body);
            no_codes(&page);
            let text = page.main_text();
            assert!(
                !text.contains(&child.to_string()),
                "{persona} {tab}: {text}"
            );
        }
        if persona == "parent" {
            // Amira's record holds advice from the services.
            let record = browser
                .get(&format!("/family/children/{child}/record"))
                .await;
            let text = record.main_text();
            assert!(text.contains("Added by "), "{text}");
        }
    }
}
