//! The Provider Portal: a practitioner's advice requests, the request with
//! the child's record as their basis allows, and the advice form built
//! from their profession's template, sending the same contribution as
//! GraphQL's `submitAdvice`.

use chrono::NaiveDate;
use domain::AgencyKind;
use domain::template::{AdviceTemplate, Profession, SectionKind};
use serde_json::{Value, json};

use super::{Browser, Page};
use crate::fixtures::{Agency, Child};
use crate::helpers::{TestApp, spawn_app, spawn_demo_app};

/// A speech and language therapy service asked for advice about Sam in an
/// EHC needs assessment the council started 30 days ago.
struct Asked {
    child: Child,
    slt: Agency,
    request_id: String,
    due_on: NaiveDate,
}

async fn asked(app: &TestApp) -> Asked {
    let child = app
        .child()
        .named("Sam", "Rowe")
        .aged(9)
        .with_parent("parent-sam")
        .create()
        .await;
    let slt = app
        .agency(AgencyKind::Slt)
        .named("Northshire Speech and Language Therapy")
        .create()
        .await;
    let officer = app.case_officer().await;
    let today = app.today();
    let started = officer
        .graphql(
            "mutation($c: ID!, $on: Date!) { startAssessment(childId: $c, requestReceivedOn: $on) { id } }",
            json!({ "c": child.id, "on": (today - chrono::Duration::days(30)).to_string() }),
        )
        .await;
    let assessment = started.body["data"]["startAssessment"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("assessment started: {started:?}"))
        .to_owned();
    let decided = officer
        .graphql(
            "mutation($a: ID!, $on: Date!) { recordDecisionToAssess(assessmentId: $a, assess: true, on: $on) { id } }",
            json!({ "a": assessment, "on": today.to_string() }),
        )
        .await;
    assert!(decided.body["errors"].is_null(), "{decided:?}");
    let requested = officer
        .graphql(
            "mutation($a: ID!, $agency: ID!) { requestAdvice(assessmentId: $a, agencyId: $agency, scope: COMMUNICATION) { id dueOn } }",
            json!({ "a": assessment, "agency": slt.id }),
        )
        .await;
    let r = &requested.body["data"]["requestAdvice"];
    Asked {
        request_id: r["id"]
            .as_str()
            .unwrap_or_else(|| panic!("advice requested: {requested:?}"))
            .to_owned(),
        due_on: r["dueOn"]
            .as_str()
            .and_then(|d| d.parse().ok())
            .expect("a due date"),
        child,
        slt,
    }
}

/// A browser signed in as a practitioner of `agency`.
async fn practitioner_of(app: &TestApp, agency: &Agency) -> Browser {
    let mut browser = Browser::new(app);
    browser
        .sign_in_with_claims(app, &app.practitioner(agency).claims())
        .await;
    browser
}

fn long(d: NaiveDate) -> String {
    d.format("%-d %B %Y").to_string()
}

fn slt_template() -> AdviceTemplate {
    AdviceTemplate::shipped(Profession::SpeechLanguageTherapy).expect("the SLT template")
}

/// The request as the asked agency sees it over GraphQL.
async fn request_over_graphql(app: &TestApp, asked: &Asked) -> Value {
    let answer = app
        .practitioner(&asked.slt)
        .graphql(
            "{ adviceRequests { id answeredOn contributionId } }",
            json!({}),
        )
        .await;
    answer.body["data"]["adviceRequests"]
        .as_array()
        .and_then(|l| l.iter().find(|r| r["id"] == asked.request_id.as_str()))
        .cloned()
        .unwrap_or_else(|| panic!("the request over GraphQL: {answer:?}"))
}

/// A complete answer to the SLT template, as the form posts it.
fn full_form(csrf: &str) -> Vec<(&'static str, String)> {
    vec![
        ("csrf", csrf.to_owned()),
        ("title", "SLT advice for Sam".to_owned()),
        (
            "text.views",
            "Sam says talking in class is hard.".to_owned(),
        ),
        (
            "text.needs",
            "Expressive language delay; word-finding difficulties.".to_owned(),
        ),
        (
            "text.outcomes",
            "Sam explains his ideas in a sentence by July.".to_owned(),
        ),
        ("rows.provision", "3".to_owned()),
        ("item.provision.0.what", "Direct therapy".to_owned()),
        (
            "item.provision.0.who",
            "Speech and language therapist".to_owned(),
        ),
        ("item.provision.0.howOften", "Weekly, 30 minutes".to_owned()),
        ("item.provision.0.howLong", "One school year".to_owned()),
    ]
}

async fn post(browser: &mut Browser, path: &str, form: &[(&str, String)]) -> Page {
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    browser.post(path, &pairs).await
}

#[tokio::test]
async fn a_practitioner_sees_their_request_and_another_agency_does_not() {
    let app = spawn_app().await;
    let asked = asked(&app).await;
    let mut browser = practitioner_of(&app, &asked.slt).await;

    let list = browser.get("/provider").await;
    assert_eq!(list.status, 200, "{}", list.body);
    let text = list.main_text();
    assert!(text.contains("Advice requests"), "{text}");
    assert!(text.contains(&long(asked.due_on)), "due date: {text}");
    assert!(text.contains("Open"), "status in words: {text}");
    assert!(
        text.contains("Speech, language and communication"),
        "{text}"
    );
    assert!(
        !text.contains("ON_TRACK") && !text.contains("COMMUNICATION"),
        "{text}"
    );
    let link = format!("/provider/requests/{}", asked.request_id);
    assert!(
        list.body.contains(&format!("href=\"{link}\"")),
        "{}",
        list.body
    );

    let page = browser.get(&link).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let text = page.main_text();
    assert!(text.contains(&long(asked.due_on)), "{text}");
    assert!(text.contains("Write your advice"), "{text}");
    assert!(text.contains("The child's record"), "{text}");

    // Another speech and language therapy service: not its request.
    let other = app
        .agency(AgencyKind::Slt)
        .named("Elsewhere SLT")
        .create()
        .await;
    let mut elsewhere = practitioner_of(&app, &other).await;
    let list = elsewhere.get("/provider").await;
    assert_eq!(list.status, 200, "{}", list.body);
    assert!(
        list.main_text()
            .contains("Your service has no requests for advice"),
        "{}",
        list.main_text()
    );
    assert!(!list.body.contains(&asked.request_id));
    for path in [link.clone(), format!("{link}/advice")] {
        let page = elsewhere.get(&path).await;
        assert_eq!(page.status, 404, "{path}: {}", page.body);
        assert!(page.main_text().contains("Page not found"));
        assert!(!page.body.contains("Sam"), "{}", page.body);
    }
    // The same page as for a request that does not exist, or a bad id.
    for path in [
        "/provider/requests/0192f3a0-0000-7000-8000-000000000001".to_owned(),
        "/provider/requests/not-a-uuid".to_owned(),
        "/provider/requests/not-a-uuid/advice".to_owned(),
    ] {
        let page = browser.get(&path).await;
        assert_eq!(page.status, 404, "{path}: {}", page.body);
    }
    // Nor over GraphQL: the same NOT_FOUND as for no such request.
    for q in [
        "query($r: ID!) { adviceRequest(id: $r) { id } }",
        "query($r: ID!) { adviceAnswer(requestId: $r) { id } }",
    ] {
        let answer = app
            .practitioner(&other)
            .graphql(q, json!({ "r": asked.request_id }))
            .await;
        assert_eq!(answer.codes(), vec!["NOT_FOUND"], "{q}: {answer:?}");
    }
    // Nor may it answer it through the form.
    let form = elsewhere.get("/provider").await.csrf();
    let sent = post(&mut elsewhere, &format!("{link}/advice"), &full_form(&form)).await;
    assert_eq!(sent.status, 404, "{}", sent.body);
    assert!(request_over_graphql(&app, &asked).await["answeredOn"].is_null());
}

#[tokio::test]
async fn the_form_is_the_templates_and_a_missing_required_section_is_named_at_its_field() {
    let app = spawn_app().await;
    let asked = asked(&app).await;
    let mut browser = practitioner_of(&app, &asked.slt).await;
    let path = format!("/provider/requests/{}/advice", asked.request_id);

    let form = browser.get(&path).await;
    assert_eq!(form.status, 200, "{}", form.body);
    let text = form.main_text();
    let template = slt_template();
    assert!(text.contains(&template.title), "{text}");
    for s in &template.sections {
        assert!(text.contains(&s.title), "section {}: {text}", s.key);
        match s.kind {
            SectionKind::Text => {
                assert!(
                    form.body.contains(&format!(
                        "<textarea class=\"govuk-textarea\" id=\"section-{}\"",
                        s.key
                    )),
                    "{}",
                    s.key
                );
            }
            SectionKind::Provision => {
                for i in 0..3 {
                    for f in ["what", "who", "howOften", "howLong"] {
                        let id = format!("item-{}-{i}-{f}", s.key);
                        assert!(form.body.contains(&format!("for=\"{id}\"")), "{id}");
                    }
                }
            }
        }
    }
    assert!(
        text.contains("(optional)") && text.contains("(required)"),
        "{text}"
    );

    // "Add another item" gives a fourth row, keeping what was typed.
    let mut fields = full_form(&form.csrf());
    fields.push(("add", "provision".to_owned()));
    let more = post(&mut browser, &path, &fields).await;
    assert_eq!(more.status, 200, "{}", more.body);
    assert!(more.body.contains("id=\"item-provision-3-what\""));
    assert!(more.body.contains("Weekly, 30 minutes"));
    assert!(request_over_graphql(&app, &asked).await["answeredOn"].is_null());

    // A body of thousands of fields is not a form this page made: refused
    // in words before any of it is read, and nothing is recorded.
    let mut flood = full_form(&form.csrf());
    flood.extend((0..3_000).map(|_| ("junk", "x".to_owned())));
    let flooded = post(&mut browser, &path, &flood).await;
    assert_eq!(flooded.status, 400, "{}", flooded.body);
    assert!(
        flooded.main_text().contains("more fields than it can have"),
        "{}",
        flooded.main_text()
    );
    assert!(request_over_graphql(&app, &asked).await["answeredOn"].is_null());

    // The needs left empty, and an item without how often.
    let mut fields: Vec<(&str, String)> = full_form(&form.csrf())
        .into_iter()
        .filter(|(k, _)| *k != "text.needs" && *k != "item.provision.0.howOften")
        .collect();
    fields.push(("text.needs", "   ".to_owned()));
    let refused = post(&mut browser, &path, &fields).await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    let body = &refused.body;
    assert!(body.contains("govuk-error-summary"), "{body}");
    assert!(body.contains("href=\"#section-needs\""), "{body}");
    assert!(
        body.contains("id=\"section-needs-error\""),
        "the message next to the field: {body}"
    );
    assert!(body.contains("aria-describedby=\"section-needs-hint section-needs-error\""));
    assert!(
        body.contains("href=\"#item-provision-0-howOften\""),
        "{body}"
    );
    assert!(
        body.contains("id=\"item-provision-0-howOften-error\""),
        "{body}"
    );
    let text = refused.main_text();
    assert!(
        text.contains("Enter speech, language and communication needs"),
        "{text}"
    );
    assert!(text.contains("Enter how often for item 1"), "{text}");
    // What was typed is kept.
    assert!(text.contains("Sam explains his ideas in a sentence by July."));
    assert!(body.contains("value=\"Direct therapy\""));
    // A blank title is named at its field too.
    let untitled: Vec<(&str, String)> = full_form(&form.csrf())
        .into_iter()
        .map(|(k, v)| {
            if k == "title" {
                (k, String::new())
            } else {
                (k, v)
            }
        })
        .collect();
    let refused = post(&mut browser, &path, &untitled).await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert!(refused.body.contains("href=\"#title\""), "{}", refused.body);
    assert!(
        refused.body.contains("id=\"title-error\""),
        "{}",
        refused.body
    );
    assert!(
        refused
            .main_text()
            .contains("Enter a title for your advice")
    );
    // Nothing was recorded.
    let r = request_over_graphql(&app, &asked).await;
    assert!(
        r["answeredOn"].is_null() && r["contributionId"].is_null(),
        "{r}"
    );
}

#[tokio::test]
async fn sent_advice_is_the_contribution_graphql_sees() {
    let app = spawn_app().await;
    let asked = asked(&app).await;
    let mut browser = practitioner_of(&app, &asked.slt).await;
    let path = format!("/provider/requests/{}/advice", asked.request_id);
    let csrf = browser.get(&path).await.csrf();

    let sent = post(&mut browser, &path, &full_form(&csrf)).await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    let request_page = format!("/provider/requests/{}", asked.request_id);
    assert_eq!(
        sent.location.as_deref(),
        Some(format!("{request_page}?sent=1").as_str())
    );
    let shown = browser.follow(&sent).await;
    assert_eq!(shown.status, 200, "{}", shown.body);
    let text = shown.main_text();
    assert!(
        text.contains(&format!("Advice sent on {}", long(app.today()))),
        "{text}"
    );
    assert!(
        text.contains("Expressive language delay; word-finding difficulties."),
        "{text}"
    );
    assert!(text.contains("Weekly, 30 minutes"), "{text}");
    assert!(!text.contains("Write your advice"), "{text}");
    // An answered request has no form.
    let form = browser.get(&path).await;
    assert_eq!(
        (form.status, form.location.as_deref()),
        (303, Some(request_page.as_str()))
    );
    let list = browser.get("/provider").await.main_text();
    assert!(list.contains("Done"), "{list}");

    // The case officer's assessment: answered with that contribution.
    let officer = app.case_officer().await;
    let assessment = officer
        .graphql(
            "query($c: ID!) { assessment(childId: $c) { adviceRequests { id answer answeredOn contributionId } } }",
            json!({ "c": asked.child.id }),
        )
        .await;
    let answered = &assessment.body["data"]["assessment"]["adviceRequests"][0];
    assert_eq!(answered["id"], asked.request_id.as_str(), "{assessment:?}");
    assert_eq!(answered["answer"], "SUBMITTED");
    assert_eq!(answered["answeredOn"], app.today().to_string());
    let contribution = answered["contributionId"].as_str().expect("a contribution");
    // The contribution holds exactly what the form sent.
    let record = app
        .practitioner(&asked.slt)
        .graphql(
            "query($r: ID!) { adviceAnswer(requestId: $r) { id kind title content { profession sections { key text provision { what who howOften howLong } } } } }",
            json!({ "r": asked.request_id }),
        )
        .await;
    let c = &record.body["data"]["adviceAnswer"];
    assert_eq!(c["id"], contribution, "{record:?}");
    // The council reads the same advice in the child's record.
    let council = officer
        .purpose(consent::Purpose::EhcAssessment)
        .graphql(
            "query($c: ID!) { child(id: $c) { contributions(scope: COMMUNICATION) { id content { sections { key text } } } } }",
            json!({ "c": asked.child.id }),
        )
        .await;
    let read = council.body["data"]["child"]["contributions"]
        .as_array()
        .and_then(|l| l.iter().find(|x| x["id"] == contribution))
        .unwrap_or_else(|| panic!("the council reads the advice: {council:?}"));
    assert_eq!(
        read["content"]["sections"][1],
        json!({ "key": "needs", "text": "Expressive language delay; word-finding difficulties." })
    );
    assert_eq!(c["kind"], "ADVICE");
    assert_eq!(c["title"], "SLT advice for Sam");
    assert_eq!(
        c["content"],
        json!({ "profession": "SPEECH_LANGUAGE_THERAPY", "sections": [
            { "key": "views", "text": "Sam says talking in class is hard.", "provision": [] },
            { "key": "needs", "text": "Expressive language delay; word-finding difficulties.", "provision": [] },
            { "key": "outcomes", "text": "Sam explains his ideas in a sentence by July.", "provision": [] },
            { "key": "provision", "text": null, "provision": [
                { "what": "Direct therapy", "who": "Speech and language therapist",
                  "howOften": "Weekly, 30 minutes", "howLong": "One school year" } ] },
        ] })
    );
}

#[tokio::test]
async fn a_form_without_this_sessions_token_changes_nothing() {
    let app = spawn_app().await;
    let asked = asked(&app).await;
    let mut browser = practitioner_of(&app, &asked.slt).await;
    let path = format!("/provider/requests/{}/advice", asked.request_id);
    let csrf = browser.get(&path).await.csrf();

    let missing: Vec<(&str, String)> = full_form(&csrf)
        .into_iter()
        .filter(|(k, _)| *k != "csrf")
        .collect();
    let wrong = full_form(&"x".repeat(csrf.len()));
    for form in [missing, wrong] {
        let refused = post(&mut browser, &path, &form).await;
        assert_eq!(refused.status, 403, "{}", refused.body);
        assert!(refused.main_text().contains("This form has expired"));
    }
    let r = request_over_graphql(&app, &asked).await;
    assert!(
        r["answeredOn"].is_null() && r["contributionId"].is_null(),
        "{r}"
    );
}

#[tokio::test]
async fn a_family_account_is_told_the_provider_pages_are_not_for_it() {
    let app = spawn_app().await;
    let asked = asked(&app).await;
    let mut browser = Browser::new(&app);
    browser
        .sign_in_with_claims(&app, &app.family_member("parent-sam").claims())
        .await;
    for path in [
        "/provider".to_owned(),
        format!("/provider/requests/{}", asked.request_id),
        format!("/provider/requests/{}/advice", asked.request_id),
    ] {
        let page = browser.get(&path).await;
        assert_eq!(page.status, 403, "{path}: {}", page.body);
        assert!(
            page.main_text()
                .contains("This part of tellonce is not for your account"),
            "{}",
            page.main_text()
        );
    }
}

#[tokio::test]
async fn the_demo_camhs_clinician_sees_their_late_answer_and_the_record_for_direct_support() {
    let app = spawn_demo_app().await;
    let mut browser = Browser::new(&app);
    let home = browser.sign_in_as("camhs").await;
    assert_eq!(home.status, 200, "{}", home.body);
    let text = home.main_text();
    assert!(text.contains("Advice requests"), "{text}");
    assert!(text.contains("Done late"), "{text}");
    let start = home
        .body
        .find("href=\"/provider/requests/")
        .expect("a request link")
        + 6;
    let end = home.body[start..].find('"').expect("link end") + start;
    let link = home.body[start..end].to_owned();
    let page = browser.get(&link).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let text = page.main_text();
    assert!(text.contains("Advice sent on"), "{text}");
    assert!(
        text.contains("CAMHS advice for the EHC needs assessment"),
        "{text}"
    );
    assert!(
        text.contains("Fortnightly CAMHS sessions for six months"),
        "{text}"
    );
    assert!(!text.contains("Write your advice"), "{text}");
    assert!(
        text.contains("You cannot see any part of this child's record for this assessment"),
        "the answered request no longer opens the record: {text}"
    );
    // CAMHS works with Jayden: for direct support the door shows more.
    let direct = browser.get(&format!("{link}?purpose=direct-support")).await;
    assert_eq!(direct.status, 200, "{}", direct.body);
    let text = direct.main_text();
    assert!(text.contains("Advice for JJ Clarke"), "{text}");
    assert!(
        text.contains("Who the child is Shared because the law requires it"),
        "{text}"
    );
    assert!(text.contains("Given name Jayden"), "{text}");
    assert!(
        text.contains("Parts of the record you cannot see"),
        "{text}"
    );
    assert!(
        text.contains("the family has not agreed to share all about me"),
        "withheld, with why: {text}"
    );
    let odd = browser.get(&format!("{link}?purpose=SAFEGUARDING")).await;
    assert_eq!(odd.status, 400, "{}", odd.body);
}
