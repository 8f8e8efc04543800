//! The plan as a document over HTTP: `GET /plans/{id}/versions/{n}.{html,
//! pdf,json}` and `/plans/{id}/latest.{…}`. The family gets every
//! section with its provenance in all three formats; an agency sees the
//! social care sections withheld; strangers and missing plans get the same
//! 404; bad paths 400; no token 401; every read is traced.

use serde_json::{Value, json};

use super::journey::{MUM, drafted};
use super::*;

/// One answer: status, headers and body.
struct Got {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Vec<u8>,
}

impl Got {
    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.text()))
    }

    fn code(&self) -> Value {
        self.json()["errors"][0]["extensions"]["code"].clone()
    }
}

async fn get(app: &TestApp, token: Option<&str>, purpose: Option<&str>, path: &str) -> Got {
    let mut request = app.client.get(format!("{}{path}", app.address));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(purpose) = purpose {
        request = request.header("x-purpose-of-use", purpose);
    }
    let response = request.send().await.expect("request sent");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.bytes().await.expect("body").to_vec();
    Got {
        status,
        headers,
        body,
    }
}

/// The part of the HTML page that is section `code`.
fn html_section<'a>(html: &'a str, code: &str) -> &'a str {
    let start = html
        .find(&format!(
            "<section id=\"section-{}\"",
            code.to_ascii_lowercase()
        ))
        .unwrap_or_else(|| panic!("no section {code} in {html}"));
    let end = html[start..]
        .find("</section>")
        .map_or(html.len(), |e| start + e);
    &html[start..end]
}

fn section_codes(json: &Value) -> Vec<String> {
    json["sections"]
        .as_array()
        .expect("sections")
        .iter()
        .map(|s| s["section"].as_str().unwrap_or_default().to_owned())
        .collect()
}

const SECTIONS: [&str; 12] = ["A", "B", "C", "D", "E", "F", "G", "H1", "H2", "I", "J", "K"];

const TRACE: &str = "query($f: TraceFilterInput) { accessTrace(filter: $f, first: 200) {
  edges { node { action outcome disclosed withheld { scope } details { key value } } } } }";

/// The READ entries `subject` left on `child`.
async fn reads(app: &TestApp, child: Uuid, subject: &str) -> Vec<Value> {
    let answer = app
        .ig_auditor()
        .await
        .graphql(
            TRACE,
            json!({ "f": { "childId": child, "actorSubject": subject, "action": "READ" } }),
        )
        .await;
    assert!(answer.body["errors"].is_null(), "{answer:?}");
    answer.body["data"]["accessTrace"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"].clone())
        .collect()
}

fn detail(entry: &Value, key: &str) -> Option<String> {
    entry["details"]
        .as_array()?
        .iter()
        .find_map(|d| (d["key"] == key).then(|| d["value"].as_str().unwrap_or_default().to_owned()))
}

/// The family reads the draft as HTML (every heading A–K, each paragraph's
/// source in words, the child named), as PDF and as JSON; `latest` is the
/// same document; each read is traced before it is sent.
#[tokio::test]
async fn the_family_gets_every_section_with_its_sources_in_three_formats() {
    let d = drafted().await;
    let family = d.app.family_member(MUM);
    let token = family.token();
    assert!(reads(&d.app, d.child, family.subject()).await.is_empty());
    let base = format!("/plans/{}", d.assessment);

    let page = get(
        &d.app,
        Some(&token),
        None,
        &format!("{base}/versions/1.html"),
    )
    .await;
    assert_eq!(page.status, 200, "{}", page.text());
    assert_eq!(page.header("content-type"), "text/html; charset=utf-8");
    assert_eq!(
        page.header("content-security-policy"),
        "default-src 'none'; style-src 'unsafe-inline'"
    );
    assert_eq!(page.header("cache-control"), "no-store");
    let html = page.text();
    for code in SECTIONS {
        assert!(
            html.contains(&format!(
                "<span class=\"section-letter\">Section {code}</span>"
            )),
            "section {code}: {html}"
        );
    }
    for words in [
        "In the family&#39;s own words (all about me, version 1)",
        "From the speech and language therapy advice of Northshire Speech and Language Therapy, 2 March 2026",
        "From the educational psychology advice of Northshire Educational Psychology Service, 3 November 2025",
        "Written by the council",
        "Reused: earlier advice, confirmed as sufficient (reg 6(4))",
    ] {
        assert!(html.contains(words), "{words}: {html}");
    }
    assert!(html.contains("Education, health and care plan for Test Child"));
    assert!(html.contains("<dd>1 March 2017</dd>"), "{html}");
    assert!(html.contains("Draft: you have at least 15 days to comment"));
    assert!(html_section(&html, "D").contains("young carer"));
    assert!(
        !html.contains("class=\"withheld\""),
        "the family sees it all"
    );

    let latest = get(&d.app, Some(&token), None, &format!("{base}/latest.html")).await;
    assert_eq!(latest.status, 200);
    assert_eq!(latest.text(), html, "latest is the draft, version 1");

    let pdf = get(
        &d.app,
        Some(&token),
        None,
        &format!("{base}/versions/1.pdf"),
    )
    .await;
    assert_eq!(pdf.status, 200, "{}", pdf.text());
    assert_eq!(pdf.header("content-type"), "application/pdf");
    assert_eq!(
        pdf.header("content-disposition"),
        "attachment; filename=\"ehc-plan-v1.pdf\""
    );
    assert_eq!(pdf.header("cache-control"), "no-store");
    assert!(pdf.body.starts_with(b"%PDF-"));
    assert!(pdf.body.len() > 4_000, "{} bytes", pdf.body.len());

    let doc = get(&d.app, Some(&token), None, &format!("{base}/latest.json")).await;
    assert_eq!(doc.status, 200, "{}", doc.text());
    assert_eq!(doc.header("content-type"), "application/json");
    assert_eq!(doc.header("cache-control"), "no-store");
    let json = doc.json();
    assert_eq!(section_codes(&json), SECTIONS);
    assert_eq!(
        (&json["planId"], &json["version"], &json["status"]),
        (&json!(d.assessment), &json!(1), &json!("DRAFT"))
    );
    assert_eq!(
        json["child"],
        json!({ "name": "Test Child", "dateOfBirth": "2017-03-01" })
    );
    let b = &json["sections"][1];
    assert_eq!(b["withheld"], false);
    let kinds: Vec<&str> = b["paragraphs"]
        .as_array()
        .expect("paragraphs")
        .iter()
        .filter_map(|p| p["provenance"]["kind"].as_str())
        .collect();
    assert!(kinds.contains(&"ADVICE"), "{b}");
    assert!(
        json["sections"]
            .as_array()
            .expect("sections")
            .iter()
            .all(|s| s["withheld"] == false && s.get("partlyWithheld").is_none()),
        "{json}"
    );

    // Four documents, each traced: the plan read, and who the child is.
    let entries = reads(&d.app, d.child, family.subject()).await;
    let plan_reads = entries
        .iter()
        .filter(|e| detail(e, "view").as_deref() == Some("ehc_plan"))
        .filter(|e| detail(e, "plan_id").as_deref() == Some(d.assessment.as_str()))
        .count();
    assert_eq!(plan_reads, 4, "{entries:#?}");
    assert!(
        entries.iter().any(|e| e["disclosed"]
            .as_array()
            .is_some_and(|f| f.contains(&json!("identity.givenName")))),
        "{entries:#?}"
    );

    // The council reads it too (the positive control for the 404s below).
    let officer = d.app.case_officer().await;
    let council = get(
        &d.app,
        Some(&officer.token()),
        Some("EHC_ASSESSMENT"),
        &format!("{base}/versions/1.json"),
    )
    .await;
    assert_eq!(council.status, 200, "{}", council.text());
    assert_eq!(section_codes(&council.json()), SECTIONS);
}

/// An agency whose basis covers education but not social care (nor
/// health) sees D, H1 and H2 (and C, G) marked withheld (the words absent) in HTML and JSON, section K
/// shown with a note (the social care advice left out), and the withheld
/// scope in the trace.
#[tokio::test]
async fn an_agency_sees_the_social_care_sections_withheld() {
    let d = drafted().await;
    let school = d.app.practitioner(&agency(SCHOOL));
    d.app.involve(d.child, &agency(SCHOOL)).await;
    d.app
        .family_member(MUM)
        .grant(&crate::fixtures::Child {
            id: d.child,
            date_of_birth: chrono::NaiveDate::from_ymd_opt(2017, 3, 1).expect("date"),
        })
        .to(&agency(SCHOOL))
        .scopes([
            domain::Scope::AllAboutMe,
            domain::Scope::Education,
            domain::Scope::SenNeeds,
            domain::Scope::Communication,
            domain::Scope::Psychology,
        ])
        .purposes([consent::Purpose::DirectSupport])
        .create()
        .await;
    let token = school.token();
    let base = format!("/plans/{}", d.assessment);

    // A practitioner states a purpose, here as in GraphQL.
    let unstated = get(&d.app, Some(&token), None, &format!("{base}/latest.html")).await;
    assert_eq!(unstated.status, 400, "{}", unstated.text());
    assert_eq!(unstated.code(), "BAD_USER_INPUT");

    let page = get(
        &d.app,
        Some(&token),
        Some("DIRECT_SUPPORT"),
        &format!("{base}/latest.html"),
    )
    .await;
    assert_eq!(page.status, 200, "{}", page.text());
    let html = page.text();
    for code in ["D", "H1", "H2"] {
        let part = html_section(&html, code);
        assert!(
            part.contains("<p class=\"withheld\"><strong>Withheld:</strong>"),
            "{code}: {part}"
        );
    }
    for code in ["A", "B", "F"] {
        assert!(
            !html_section(&html, code).contains("class=\"withheld\""),
            "{code}"
        );
    }
    assert!(html_section(&html, "B").contains("Expressive language"));
    // E and K are shown without social care's outcome and advice, and
    // without a note: one would tell the school social care wrote.
    for code in ["E", "K"] {
        let part = html_section(&html, code);
        assert!(!part.contains("withheld"), "{code}: {part}");
    }
    assert!(html_section(&html, "E").contains("From the speech and language therapy advice"));
    for secret in ["young carer", "Short breaks", "Social care advice"] {
        assert!(!html.contains(secret), "{secret} leaked: {html}");
    }

    let doc = get(
        &d.app,
        Some(&token),
        Some("DIRECT_SUPPORT"),
        &format!("{base}/versions/1.json"),
    )
    .await;
    assert_eq!(doc.status, 200, "{}", doc.text());
    let json = doc.json();
    assert_eq!(section_codes(&json), SECTIONS);
    // C and G too: the school has no health basis either.
    for (i, code) in SECTIONS.iter().enumerate() {
        let s = &json["sections"][i];
        if ["C", "D", "G", "H1", "H2"].contains(code) {
            assert_eq!(*s, json!({ "section": code, "withheld": true }));
        } else {
            assert_eq!(s["withheld"], false, "{code}: {s}");
        }
    }
    // No section is marked partly withheld for what social care wrote.
    for (i, code) in SECTIONS.iter().enumerate() {
        let partly = json["sections"][i].get("partlyWithheld").cloned();
        assert_eq!(partly, None, "{code}");
    }
    let text = json.to_string();
    for secret in ["young carer", "Short breaks", "Social care advice"] {
        assert!(!text.contains(secret), "{secret} leaked: {text}");
    }

    let entries = reads(&d.app, d.child, school.subject()).await;
    assert!(
        entries.iter().any(|e| e["withheld"]
            .as_array()
            .is_some_and(|w| w.contains(&json!({ "scope": "SOCIAL_CARE" })))),
        "{entries:#?}"
    );
}

/// No token: 401. A stranger, a plan that does not exist and a version that
/// does not exist: one 404, word for word. A malformed id, version or
/// format: 400 naming it.
#[tokio::test]
async fn strangers_missing_plans_and_bad_paths_are_refused() {
    let d = drafted().await;
    let base = format!("/plans/{}", d.assessment);
    let family = d.app.family_member(MUM).token();
    let stranger = d.app.family_member("plan-stranger").token();

    for path in [
        format!("{base}/versions/1.html"),
        format!("{base}/latest.pdf"),
    ] {
        let anonymous = get(&d.app, None, None, &path).await;
        assert_eq!(anonymous.status, 401, "{path}");
        assert_eq!(anonymous.code(), "UNAUTHENTICATED");
        let forged = get(&d.app, Some("not.a.token"), None, &path).await;
        assert_eq!(forged.status, 401, "{path}");
    }

    let hidden = get(
        &d.app,
        Some(&stranger),
        None,
        &format!("{base}/versions/1.html"),
    )
    .await;
    assert_eq!(hidden.status, 404, "{}", hidden.text());
    assert_eq!(hidden.code(), "NOT_FOUND");
    assert_eq!(hidden.header("cache-control"), "no-store");
    let missing = format!("/plans/{}/versions/1.html", Uuid::from_u128(0xdead));
    for (who, path) in [
        (&stranger, format!("{base}/latest.json")),
        (&family, missing.clone()),
        (&stranger, missing),
        (&family, format!("{base}/versions/2.html")),
        (&family, format!("{base}/versions/99.pdf")),
        (&family, format!("{base}/newest.html")),
    ] {
        let refused = get(&d.app, Some(who), None, &path).await;
        assert_eq!(refused.status, 404, "{path}: {}", refused.text());
        assert_eq!(refused.body, hidden.body, "{path}");
    }

    for (path, named) in [
        (
            "/plans/not-an-id/versions/1.html".to_owned(),
            "assessmentId",
        ),
        ("/plans/not-an-id/latest.html".to_owned(), "assessmentId"),
        (format!("{base}/versions/0.html"), "version"),
        (format!("{base}/versions/-1.html"), "version"),
        (format!("{base}/versions/one.json"), "version"),
        (format!("{base}/versions/1.5.json"), "version"),
        (format!("{base}/versions/1.docx"), "format"),
        (format!("{base}/versions/1"), "format"),
        (format!("{base}/latest.txt"), "format"),
    ] {
        let refused = get(&d.app, Some(&family), None, &path).await;
        assert_eq!(refused.status, 400, "{path}: {}", refused.text());
        assert_eq!(refused.code(), "BAD_USER_INPUT", "{path}");
        let message = refused.json()["errors"][0]["message"].clone();
        assert!(
            message.as_str().is_some_and(|m| m.starts_with(named)),
            "{path}: {message}"
        );
    }

    // The positive control: the same family and paths, well formed.
    let fine = get(
        &d.app,
        Some(&family),
        None,
        &format!("{base}/versions/1.json"),
    )
    .await;
    assert_eq!(fine.status, 200, "{}", fine.text());
}
