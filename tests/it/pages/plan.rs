//! *Assessment and plan*: the timeline in words, who was asked for advice,
//! the plan's versions opened with the page session, and the family's
//! response to the draft (CSRF, bad input, what the council then sees).
//!
//! The hub's clock is fixed; to move time on, a later hub is started over
//! the same database, as in `plan`.

use chrono::{DateTime, Utc};
use domain::AgencyKind;
use serde_json::{Value, json};
use uuid::Uuid;

use super::{Browser, Page};
use crate::fixtures::Agency;
use crate::helpers::*;

const MUM: &str = "page-plan-mum";
const OTHER: &str = "page-plan-other-parent";
/// Holds parental responsibility limited by an order: not for SEN.
const AUNT: &str = "page-plan-aunt";

const START: &str =
    "mutation($c: ID!, $on: Date!) { startAssessment(childId: $c, requestReceivedOn: $on) { id } }";
const DECIDE: &str = "mutation($a: ID!, $on: Date!) {
  recordDecisionToAssess(assessmentId: $a, assess: true, on: $on) { id } }";
const REQUEST: &str = "mutation($a: ID!, $agency: ID!, $scope: Scope!) {
  requestAdvice(assessmentId: $a, agencyId: $agency, scope: $scope) { id } }";
const SUBMIT: &str =
    "mutation($r: ID!, $i: ContributionInput!) { submitAdvice(requestId: $r, input: $i) { id } }";
const PREPARE: &str = "mutation($a: ID!) { preparePlan(assessmentId: $a) { version } }";
const ISSUE: &str = "mutation($a: ID!, $on: Date!, $why: String) {
  issueDraft(assessmentId: $a, on: $on, openItemsReason: $why) { id } }";
const EXCEPTION: &str = "mutation($a: ID!, $r: ID!, $on: Date!) {
  recordException(assessmentId: $a, limit: ADVICE, exception: FAMILY_ABSENT, on: $on,
    adviceRequestId: $r) { id } }";
const PR: &str = "mutation($input: ParentalResponsibilityInput!) {
  recordParentalResponsibility(input: $input) { id } }";
const RESPONSES: &str = "query($c: ID!) { ehcPlan(childId: $c) { responses {
  version comments { section text } requestedSetting { name kind reason } wantsMeeting } } }";

/// A hub whose clock reads `now`, over a fresh database or `base`'s.
async fn hub_at(base: Option<&TestApp>, now: &str) -> TestApp {
    let now: DateTime<Utc> = now.parse().expect("an RFC 3339 instant");
    let url = base.map(|b| b.settings.database_url.clone());
    spawn_app_with(move |settings| {
        settings.fixed_now = Some(now);
        if let Some(url) = url {
            settings.database_url = url;
        }
    })
    .await
}

/// `data.<field>` of an answer that must have succeeded.
fn ok(answer: &Answer, field: &str) -> Value {
    assert!(
        answer.body["errors"].is_null(),
        "{field} should succeed: {answer:?}"
    );
    answer.body["data"][field].clone()
}

fn id_of(v: &Value) -> String {
    v["id"].as_str().expect("an id").to_owned()
}

/// A family with a draft out: Maya Brook's assessment requested on 5
/// January 2026, the decision on 9 February (on time), speech and
/// language therapy's advice on 16 March (on time), educational
/// psychology's never sent (late), social care's delayed (the family was
/// away from 2 March), the draft issued on 6 April; the hub reads 13
/// April. Her aunt holds parental responsibility limited by an order
/// (not for SEN); another family's child stands beside her.
struct Story {
    /// The first hub, which owns the database.
    _base: TestApp,
    app: TestApp,
    child: Uuid,
    other_child: Uuid,
    assessment: String,
}

async fn drafted() -> Story {
    let base = hub_at(None, "2026-01-05T10:00:00Z").await;
    let slt = base
        .agency(AgencyKind::Slt)
        .named("Northshire Speech and Language Therapy")
        .create()
        .await;
    let ep = base
        .agency(AgencyKind::Ep)
        .named("Northshire Educational Psychology Service")
        .create()
        .await;
    let child = base
        .child()
        .named("Maya", "Brook")
        .born_on(chrono::NaiveDate::from_ymd_opt(2017, 3, 1).expect("date"))
        .with_parent(MUM)
        .with_carer(AUNT, domain::Relationship::Other)
        .create()
        .await
        .id;
    let other_child = base
        .child()
        .named("Sam", "Other")
        .with_parent(OTHER)
        .create()
        .await
        .id;
    let social_care = base
        .agency(AgencyKind::SocialCare)
        .named("Northshire Children's Social Care")
        .create()
        .await;
    let officer = base.case_officer().await;
    ok(
        &officer
            .graphql(
                PR,
                json!({ "input": {
                    "childId": child, "personId": AUNT, "source": "PR_ORDER",
                    "from": "2025-01-06", "evidence": "Family court order FD24P00123",
                    "limit": "SCOPES", "limitedScopes": ["SEN_NEEDS"],
                    "orderReference": "Order CO-2025-7",
                } }),
            )
            .await,
        "recordParentalResponsibility",
    );
    let assessment = id_of(&ok(
        &officer
            .graphql(START, json!({ "c": child, "on": "2026-01-05" }))
            .await,
        "startAssessment",
    ));

    let february = hub_at(Some(&base), "2026-02-09T10:00:00Z").await;
    let officer = february.case_officer().await;
    ok(
        &officer
            .graphql(DECIDE, json!({ "a": assessment, "on": "2026-02-09" }))
            .await,
        "recordDecisionToAssess",
    );
    let ask = |agency: &Agency, scope: &str| json!({ "a": assessment, "agency": agency.id, "scope": scope });
    let slt_request = id_of(&ok(
        &officer.graphql(REQUEST, ask(&slt, "COMMUNICATION")).await,
        "requestAdvice",
    ));
    ok(
        &officer.graphql(REQUEST, ask(&ep, "PSYCHOLOGY")).await,
        "requestAdvice",
    );
    let social_care_request = id_of(&ok(
        &officer
            .graphql(REQUEST, ask(&social_care, "SOCIAL_CARE"))
            .await,
        "requestAdvice",
    ));

    let march = hub_at(Some(&base), "2026-03-16T10:00:00Z").await;
    ok(
        &march
            .case_officer()
            .await
            .graphql(
                EXCEPTION,
                json!({ "a": assessment, "r": social_care_request, "on": "2026-03-02" }),
            )
            .await,
        "recordException",
    );
    ok(
        &march
            .practitioner(&slt)
            .graphql(
                SUBMIT,
                json!({ "r": slt_request, "i": {
                    "kind": "ADVICE", "title": "Speech and language therapy advice",
                    "content": { "sections": [
                        { "key": "needs", "text": "Expressive language two years behind." },
                        { "key": "outcomes", "text": "Tell a short story with a beginning, middle and end." },
                        { "key": "provision", "provision": [{
                            "what": "Direct speech and language therapy", "who": "Speech and language therapist",
                            "howOften": "30 minutes weekly", "howLong": "Two terms" }] }
                    ] }
                } }),
            )
            .await,
        "submitAdvice",
    );

    let april = hub_at(Some(&base), "2026-04-06T10:00:00Z").await;
    let officer = april
        .case_officer()
        .await
        .purpose(consent::Purpose::EhcAssessment);
    ok(
        &officer.graphql(PREPARE, json!({ "a": assessment })).await,
        "preparePlan",
    );
    ok(
        &officer
            .graphql(
                ISSUE,
                json!({ "a": assessment, "on": "2026-04-06",
                        "why": "Educational psychology's advice is late; the draft goes out and it follows." }),
            )
            .await,
        "issueDraft",
    );
    let app = hub_at(Some(&base), "2026-04-13T10:00:00Z").await;
    Story {
        _base: base,
        app,
        child,
        other_child,
        assessment,
    }
}

async fn signed_in(app: &TestApp, person: &str) -> Browser {
    let mut browser = Browser::new(app);
    browser
        .sign_in_with_claims(app, &app.family_member(person).claims())
        .await;
    browser
}

/// No internal code reaches a family page.
fn no_codes(page: &Page) {
    for code in [
        "DRAFT",
        "FINAL_PLAN",
        "FINAL",
        "EHC_ASSESSMENT",
        "DECISION_TO_ASSESS",
        "ON_TRACK",
        "OVERDUE",
        "DONE_LATE",
        "EXCEPTION_APPLIES",
        "COMMUNICATION",
        "PSYCHOLOGY",
        "SEN_NEEDS",
        "BAD_USER_INPUT",
        "CONSENT_REQUIRED",
        "ORIGINAL",
    ] {
        assert!(
            !page.body.contains(code),
            "{code} on the page:\n{}",
            page.body
        );
    }
    let text = page.main_text();
    assert!(!text.contains("ehc"), "a code on the page: {text}");
}

/// The response form posted with `fields` and the page's CSRF token.
async fn post_response(browser: &mut Browser, story: &Story, fields: &[(&str, &str)]) -> Page {
    let form = browser.get(&plan_path(story)).await;
    let csrf = form.csrf();
    let mut all = vec![("csrf", csrf.as_str())];
    all.extend_from_slice(fields);
    browser.post(&plan_path(story), &all).await
}

fn plan_path(story: &Story) -> String {
    format!("/family/children/{}/plan", story.child)
}

async fn responses(story: &Story) -> Vec<Value> {
    let officer = story
        .app
        .case_officer()
        .await
        .purpose(consent::Purpose::EhcAssessment);
    ok(
        &officer
            .graphql(RESPONSES, json!({ "c": story.child }))
            .await,
        "ehcPlan",
    )["responses"]
        .as_array()
        .expect("responses")
        .clone()
}

#[tokio::test]
async fn the_timeline_says_what_is_done_due_and_late_with_dates() {
    let story = drafted().await;
    let mut browser = signed_in(&story.app, MUM).await;
    let page = browser.get(&plan_path(&story)).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let text = page.main_text();
    for expected in [
        "Maya Brook",
        "Assessment and plan",
        "within 20 weeks of the request",
        "We got the request on 5 January 2026",
        "We decide whether to assess Maya Brook",
        "Due 16 February 2026 — done on 9 February 2026",
        "Done",
        "We send you a draft plan",
        "done on 6 April 2026",
        "We make the final EHC plan",
        "Due 25 May 2026",
        "On track",
    ] {
        assert!(text.contains(expected), "no {expected:?} in {text}");
    }
    // Statuses are tags with words, not colour alone.
    assert!(page.body.contains("govuk-tag govuk-tag--green\">Done<"));
    no_codes(&page);
}

#[tokio::test]
async fn the_advice_requests_name_each_service_and_what_they_sent() {
    let story = drafted().await;
    let mut browser = signed_in(&story.app, MUM).await;
    let page = browser.get(&plan_path(&story)).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let text = page.main_text();
    for expected in [
        "Who we asked for advice",
        "Northshire Speech and Language Therapy 9 February 2026 23 March 2026 Done Sent on 16 March 2026",
        "Northshire Educational Psychology Service 9 February 2026 23 March 2026 Late Not sent yet",
        "Northshire Children's Social Care 9 February 2026 23 March 2026 Delayed Not sent yet. Delayed because the family was away from the area for 4 weeks or more",
    ] {
        assert!(text.contains(expected), "no {expected:?} in {text}");
    }
    assert!(page.body.contains("<th scope=\"col\""), "{}", page.body);
    no_codes(&page);
}

#[tokio::test]
async fn the_plan_versions_open_with_the_session_and_never_for_another_family() {
    let story = drafted().await;
    let mut browser = signed_in(&story.app, MUM).await;
    let page = browser.get(&plan_path(&story)).await;
    let text = page.main_text();
    assert!(text.contains("Version 1: Draft"), "{text}");
    assert!(text.contains("Sent on 6 April 2026"), "{text}");
    let html = format!(
        "/family/children/{}/plan/{}/versions/1.html",
        story.child, story.assessment
    );
    let pdf = html.replace(".html", ".pdf");
    // Attributes are escaped (`/` as `&#x2f;`).
    let body = page.body.replace("&#x2f;", "/");
    assert!(body.contains(&format!("href=\"{html}\"")), "{body}");
    assert!(body.contains(&format!("href=\"{pdf}\"")), "{body}");

    let doc = browser.get(&html).await;
    assert_eq!(doc.status, 200, "{}", doc.body);
    assert!(doc.body.contains("Maya Brook"), "{}", doc.body);
    assert_eq!(
        doc.headers["content-type"].to_str().expect("type"),
        "text/html; charset=utf-8"
    );
    assert_eq!(doc.headers["cache-control"], "no-store");
    let file = browser.get(&pdf).await;
    assert_eq!(file.status, 200, "{}", file.body);
    assert_eq!(file.headers["content-type"], "application/pdf");

    // Not a version there is, not a JSON copy, not a made-up id: a 404 page.
    for path in [
        html.replace("/1.html", "/2.html"),
        html.replace(".html", ".json"),
        html.replace(&story.assessment, "not-an-id"),
        format!(
            "/family/children/{}/plan/{}/versions/1.html",
            story.other_child, story.assessment
        ),
    ] {
        let refused = browser.get(&path).await;
        assert_eq!(refused.status, 404, "{path}: {}", refused.body);
    }

    // Another family: the same 404 for the plan and its page.
    let mut other = signed_in(&story.app, OTHER).await;
    for path in [html.clone(), pdf.clone(), plan_path(&story)] {
        let refused = other.get(&path).await;
        assert_eq!(refused.status, 404, "{path}: {}", refused.body);
        assert!(!refused.body.contains("Maya"), "{}", refused.body);
    }
    // Positive control: their own child's page opens.
    let own = other
        .get(&format!("/family/children/{}/plan", story.other_child))
        .await;
    assert_eq!(own.status, 200, "{}", own.body);
    assert!(
        own.main_text().contains("There is no EHC plan"),
        "{}",
        own.main_text()
    );
    // Without a session: to the sign-in page.
    let mut stranger = Browser::new(&story.app);
    assert_eq!(stranger.get(&html).await.status, 303);
}

#[tokio::test]
async fn the_family_responds_to_the_draft_and_the_council_reads_it() {
    let story = drafted().await;
    let mut browser = signed_in(&story.app, MUM).await;
    let form = browser.get(&plan_path(&story)).await;
    let text = form.main_text();
    assert!(text.contains("until 21 April 2026"), "{text}");
    assert!(
        form.body.contains("<label class=\"govuk-label govuk-label--s\" for=\"comment-B\">Section B: Special educational needs</label>"),
        "{}",
        form.body
    );
    no_codes(&form);
    let sent = post_response(
        &mut browser,
        &story,
        &[
            (
                "comment-B",
                "She finds reading very hard, not only writing.",
            ),
            ("comment-F", ""),
            ("setting-name", "Hillside Primary School"),
            ("setting-kind", "Mainstream primary school"),
            (
                "setting-reason",
                "It is close to home and her cousins go there.",
            ),
            ("meeting", "yes"),
        ],
    )
    .await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    assert_eq!(
        sent.location.as_deref(),
        Some(format!("/family/children/{}/plan?sent=1", story.child).as_str())
    );
    let after = browser.follow(&sent).await;
    assert_eq!(after.status, 200, "{}", after.body);
    let text = after.main_text();
    for expected in [
        "Your response was sent",
        "Your response was sent on 13 April 2026",
        "Section B: Special educational needs: She finds reading very hard",
        "You asked for Hillside Primary School (Mainstream primary school)",
        "You asked to meet us.",
    ] {
        assert!(text.contains(expected), "no {expected:?} in {text}");
    }

    let recorded = responses(&story).await;
    assert_eq!(recorded.len(), 1, "{recorded:?}");
    assert_eq!(
        recorded[0]["comments"],
        json!([{ "section": "B", "text": "She finds reading very hard, not only writing." }])
    );
    assert_eq!(
        recorded[0]["requestedSetting"],
        json!({ "name": "Hillside Primary School", "kind": "Mainstream primary school",
                "reason": "It is close to home and her cousins go there." })
    );
    assert_eq!(recorded[0]["wantsMeeting"], true);
}

#[tokio::test]
async fn a_response_without_the_form_token_is_refused_and_nothing_is_recorded() {
    let story = drafted().await;
    let mut browser = signed_in(&story.app, MUM).await;
    let fields = [
        ("comment-A", "Please add her love of drawing."),
        ("meeting", "yes"),
    ];
    let none = browser.post(&plan_path(&story), &fields).await;
    assert_eq!(none.status, 403, "{}", none.body);
    let mut wrong = vec![("csrf", "not-the-token")];
    wrong.extend_from_slice(&fields);
    let refused = browser.post(&plan_path(&story), &wrong).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(refused.main_text().contains("This form has expired"));
    assert!(responses(&story).await.is_empty());
    // Positive control: with the page's token it is recorded.
    let sent = post_response(&mut browser, &story, &fields).await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    assert_eq!(responses(&story).await.len(), 1);
}

#[tokio::test]
async fn bad_input_is_shown_next_to_its_field_and_kept() {
    let story = drafted().await;
    let mut browser = signed_in(&story.app, MUM).await;

    let long = "a".repeat(domain::plan::MAX_PARAGRAPH_CHARS + 1);
    let page = post_response(
        &mut browser,
        &story,
        &[("comment-A", "Fine."), ("comment-F", &long)],
    )
    .await;
    assert_eq!(page.status, 400, "{}", page.body);
    assert!(page.body.contains("govuk-error-summary"), "{}", page.body);
    assert!(
        page.body.contains(
            "<a href=\"#comment-F\">Your comment on section F must be 5,000 characters or fewer</a>"
        ),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("id=\"comment-F-error\""),
        "{}",
        page.body
    );
    assert!(page.body.contains("aria-describedby=\"comment-F-error\""));
    assert!(
        page.body.contains(&format!(">{long}</textarea>")),
        "the text is kept"
    );
    assert!(page.body.contains(">Fine.</textarea>"), "the text is kept");
    assert!(page.body.contains("<title>Error: "));
    no_codes(&page);

    let empty = post_response(&mut browser, &story, &[("comment-A", "  ")]).await;
    assert_eq!(empty.status, 400, "{}", empty.body);
    assert!(
        empty
            .main_text()
            .contains("Write a comment on at least one section, ask for a school or setting, or ask for a meeting"),
        "{}",
        empty.main_text()
    );

    let half = post_response(&mut browser, &story, &[("setting-name", "Hillside")]).await;
    assert_eq!(half.status, 400, "{}", half.body);
    for message in [
        "<a href=\"#setting-kind\">Enter what kind of school or setting it is</a>",
        "<a href=\"#setting-reason\">Enter why you would like this school or setting</a>",
    ] {
        assert!(half.body.contains(message), "no {message} in {}", half.body);
    }
    assert!(half.body.contains("value=\"Hillside\""));

    assert!(responses(&story).await.is_empty());
}

#[tokio::test]
async fn a_parent_who_may_not_decide_sees_no_form_and_why() {
    let story = drafted().await;
    let mut browser = signed_in(&story.app, AUNT).await;
    let page = browser.get(&plan_path(&story)).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let text = page.main_text();
    assert!(!page.body.contains("Send your response"), "{text}");
    for expected in [
        "You cannot reply to this draft from your account.",
        "Only the person who makes decisions about Maya Brook's special educational needs can reply.",
        "limits your parental responsibility",
    ] {
        assert!(text.contains(expected), "no {expected:?} in {text}");
    }
    no_codes(&page);
    // Sent anyway: refused in words, nothing recorded.
    let refused = browser
        .post(
            &plan_path(&story),
            &[("csrf", &page.csrf()), ("meeting", "yes")],
        )
        .await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert!(
        refused
            .main_text()
            .contains("You cannot reply to this draft from your account"),
        "{}",
        refused.main_text()
    );
    assert!(responses(&story).await.is_empty());
}

/// The demo's Jayden has a draft with his mother: her persona opens it and
/// may answer.
#[tokio::test]
async fn the_demo_parent_of_jayden_finds_his_draft_to_answer() {
    let app = spawn_demo_app().await;
    let mut browser = Browser::new(&app);
    browser.sign_in_as("jayden-parent").await;
    let path = format!("/family/children/{}/plan", api::demo::JAYDEN);
    let page = browser.get(&path).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let text = page.main_text();
    for expected in [
        "Version 1: Draft",
        "Your response to the draft",
        "Send your response",
    ] {
        assert!(text.contains(expected), "no {expected:?} in {text}");
    }
    no_codes(&page);
    // Amira's mother is not Jayden's: the same page is not found for her.
    let mut other = Browser::new(&app);
    other.sign_in_as("parent").await;
    assert_eq!(other.get(&path).await.status, 404);
}
