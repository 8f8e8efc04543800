use consent::Purpose;
use domain::{Upn, ids::upn_check_letter};
use serde_json::{Value, json};

use super::*;

const EXTRACT: &str = "query($from: Date!, $to: Date!, $first: Int, $after: ID) {
  sen2Extract(from: $from, to: $to, first: $first, after: $after) {
    from to endCursor hasNextPage
    rows { childId assessmentId upn upnWithheld personBirthDate receivedDate
           decidedToAssess requestOutcomeDate assessmentOutcome assessmentOutcomeDate
           week20Exception planStartDate reviewDates } } }";

/// A valid permanent UPN ending in `serial`.
fn upn(serial: u32) -> String {
    let rest = format!("80120000{serial:04}");
    let letter = upn_check_letter(rest.as_bytes()).expect("a check letter");
    let upn = format!("{}{rest}", letter as char);
    Upn::parse(&upn).expect("a valid UPN");
    upn
}

fn vars(first: i32, after: Option<&str>) -> Value {
    json!({ "from": "2025-09-01", "to": "2026-06-30", "first": first, "after": after })
}

/// Two children with UPNs: Xavier's assessment is open, Yasmin's plan was
/// issued. A case officer stating EHC_ASSESSMENT may see who Xavier is
/// (the open assessment binds the purpose) but not Yasmin; stating
/// ANNUAL_REVIEW, the reverse (her plan is maintained). Every row is
/// there either way, with the identifiers the door allowed.
#[tokio::test]
async fn the_extract_shows_identifiers_only_where_the_door_allows() {
    let app = hub_at(None, "2026-03-02T10:00:00Z").await;
    let (xavier_upn, yasmin_upn) = (upn(1), upn(2));
    let born: NaiveDate = "2016-05-04".parse().expect("date");
    let x_upn = Upn::parse(&xavier_upn).expect("upn");
    let xavier = app
        .child()
        .born_on(born)
        .with_record(move |r| r.identity.upn = Some(x_upn))
        .create()
        .await
        .id;
    let y_upn = Upn::parse(&yasmin_upn).expect("upn");
    let yasmin = app
        .child()
        .born_on(born)
        .with_record(move |r| r.identity.upn = Some(y_upn))
        .create()
        .await
        .id;
    let officer = app.case_officer().await;
    let xa = start(&officer, xavier, "2026-01-05").await;
    step(&officer, "recordDecisionToAssess", &xa, "2026-02-09").await;
    let ya = run_to_final(
        &officer,
        yasmin,
        "2025-10-06",
        "2025-11-10",
        "2026-01-26",
        "2026-02-23",
    )
    .await;
    final_plan_exception(&app, yasmin, &ya, "2025-12-01".parse().expect("date")).await;

    let assessing = officer.clone().purpose(Purpose::EhcAssessment);
    let page = ok(
        &assessing.graphql(EXTRACT, vars(50, None)).await,
        "sen2Extract",
    );
    assert_eq!(
        (&page["from"], &page["to"]),
        (&json!("2025-09-01"), &json!("2026-06-30"))
    );
    assert_eq!(page["hasNextPage"], false);
    assert_eq!(
        page["rows"],
        json!([
            { "childId": xavier, "assessmentId": xa, "upn": xavier_upn, "upnWithheld": false,
              "personBirthDate": "2016-05-04", "receivedDate": "2026-01-05",
              "decidedToAssess": true, "requestOutcomeDate": "2026-02-09",
              "assessmentOutcome": null, "assessmentOutcomeDate": null,
              "week20Exception": false, "planStartDate": null, "reviewDates": [] },
            { "childId": yasmin, "assessmentId": ya, "upn": null, "upnWithheld": true,
              "personBirthDate": null, "receivedDate": "2025-10-06",
              "decidedToAssess": true, "requestOutcomeDate": "2025-11-10",
              "assessmentOutcome": "PLAN_ISSUED", "assessmentOutcomeDate": "2026-02-23",
              "week20Exception": true, "planStartDate": "2026-02-23", "reviewDates": [] },
        ])
    );
    let reviewing = officer.clone().purpose(Purpose::AnnualReview);
    let page = ok(
        &reviewing.graphql(EXTRACT, vars(50, None)).await,
        "sen2Extract",
    );
    let shown: Vec<(&Value, &Value, &Value)> = page["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| (&r["upn"], &r["upnWithheld"], &r["personBirthDate"]))
        .collect();
    assert_eq!(
        shown,
        vec![
            (&Value::Null, &json!(true), &Value::Null),
            (&json!(yasmin_upn), &json!(false), &json!("2016-05-04")),
        ]
    );

    // Each child included is traced as exported, once per extract.
    let exports = trace_of(&app, "EXPORT").await;
    let children: Vec<(&Value, Option<&str>)> = exports
        .iter()
        .map(|e| (&e["childId"], detail(e, "export")))
        .collect();
    let (x, y) = (json!(xavier), json!(yasmin));
    assert_eq!(
        children,
        vec![
            (&x, Some("sen2")),
            (&y, Some("sen2")),
            (&x, Some("sen2")),
            (&y, Some("sen2"))
        ]
    );
}

/// Page by page with the cursor; `first` bounded.
#[tokio::test]
async fn the_extract_pages_with_a_cursor() {
    let app = hub_at(None, "2026-03-02T10:00:00Z").await;
    let officer = app.case_officer().await;
    for received in ["2026-01-05", "2026-01-12"] {
        let child = app.child().create().await.id;
        start(&officer, child, received).await;
    }
    let first = ok(
        &officer.graphql(EXTRACT, vars(1, None)).await,
        "sen2Extract",
    );
    assert_eq!(first["rows"].as_array().map(Vec::len), Some(1));
    assert_eq!(first["rows"][0]["receivedDate"], "2026-01-05");
    assert_eq!(first["hasNextPage"], true);
    let cursor = first["endCursor"].as_str().expect("cursor");
    let second = ok(
        &officer.graphql(EXTRACT, vars(1, Some(cursor))).await,
        "sen2Extract",
    );
    assert_eq!(second["rows"][0]["receivedDate"], "2026-01-12");
    let rest = ok(
        &officer
            .graphql(EXTRACT, vars(1, second["endCursor"].as_str()))
            .await,
        "sen2Extract",
    );
    assert_eq!(
        (rest["rows"].clone(), &rest["hasNextPage"]),
        (json!([]), &json!(false))
    );
    for (first, field) in [(0, "first"), (201, "first")] {
        let answer = officer.graphql(EXTRACT, vars(first, None)).await;
        assert_eq!(answer.codes(), vec!["BAD_USER_INPUT"], "{answer:?}");
        assert_eq!(answer.body["errors"][0]["extensions"]["field"], field);
    }
    let bad_cursor = officer.graphql(EXTRACT, vars(1, Some("not-an-id"))).await;
    assert_eq!(bad_cursor.codes(), vec!["BAD_USER_INPUT"], "{bad_cursor:?}");
}

/// An IG auditor reads the counts but never the child-level extract; nor
/// does a practitioner.
#[tokio::test]
async fn ig_staff_get_counts_but_not_the_extract() {
    let app = hub_at(None, "2026-03-02T10:00:00Z").await;
    let ig = app.ig_auditor().await;
    let counts = ig
        .graphql(
            "query { timeliness(from: \"2026-01-01\", to: \"2026-03-31\") { openPast20Weeks } }",
            json!({}),
        )
        .await;
    assert_eq!(ok(&counts, "timeliness")["openPast20Weeks"], 0);
    let school = app.agency(domain::AgencyKind::School).create().await;
    for refused in [ig, app.practitioner(&school)] {
        let answer = refused.graphql(EXTRACT, vars(10, None)).await;
        assert_eq!(answer.codes(), vec!["FORBIDDEN"], "{answer:?}");
        assert!(answer.body["data"].is_null(), "{answer:?}");
    }
}
