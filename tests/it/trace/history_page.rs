//! A page of a family's access history, pinned as an insta snapshot at a
//! fixed clock (ids and cursors redacted).

use chrono::{DateTime, Utc};
use consent::Purpose;
use domain::{AgencyKind, Scope};
use serde_json::json;

use crate::helpers::*;

const HISTORY: &str = "query($id: ID!, $first: Int, $after: String) {
  accessHistory(childId: $id, first: $first, after: $after) {
    edges { cursor node { at agencyName agencyKind practitioner scopes purpose basis summary } }
    pageInfo { hasNextPage endCursor } } }";

/// A child aged 9 whose mother, `parent-1`, lets the school read her
/// education and her own words; the school reads them, then asks again for
/// an annual review she has no plan for, then the mother reads the first
/// page of who looked.
#[tokio::test]
async fn a_page_of_access_history_reads_as_pinned() {
    let now: DateTime<Utc> = "2026-03-02T09:30:00Z".parse().expect("instant");
    let app = spawn_app_with(|s| s.fixed_now = Some(now)).await;
    let child = app.child().aged(9).with_parent("parent-1").create().await;
    let school = app
        .agency(AgencyKind::School)
        .named("Riverside Test Primary")
        .create()
        .await;
    let mother = app.family_member("parent-1");
    mother
        .grant(&child)
        .to(&school)
        .scopes([Scope::Education, Scope::AllAboutMe])
        .purposes([Purpose::DirectSupport, Purpose::AnnualReview])
        .create()
        .await;
    let senco = app.practitioner(&school);
    let read =
        "query($id: ID!) { child(id: $id) { education { yearGroup } allAboutMe { whatMatters } } }";
    let first = senco.graphql(read, json!({ "id": child.id })).await;
    assert!(first.body["errors"].is_null(), "{first:?}");
    let second = senco
        .clone()
        .purpose(Purpose::AnnualReview)
        .graphql(read, json!({ "id": child.id }))
        .await;
    // No EHC plan is maintained, so ANNUAL_REVIEW is not a true purpose and
    // the mother's agreement does not open it: the history says the school
    // asked and was shown nothing.
    assert_eq!(second.codes(), vec!["NOT_FOUND"], "{second:?}");

    let page = mother
        .graphql(HISTORY, json!({ "id": child.id, "first": 1 }))
        .await;
    assert!(page.body["errors"].is_null(), "{page:?}");
    let history = page.body["data"]["accessHistory"].clone();
    assert_eq!(history["pageInfo"]["hasNextPage"], true, "{page:?}");
    insta::assert_json_snapshot!("access_history_first_page", history, {
        ".edges[].cursor" => "[cursor]",
        ".pageInfo.endCursor" => "[cursor]",
    });
    let rest = mother
        .graphql(
            HISTORY,
            json!({ "id": child.id, "first": 10, "after": history["pageInfo"]["endCursor"] }),
        )
        .await;
    assert!(rest.body["errors"].is_null(), "{rest:?}");
    insta::assert_json_snapshot!("access_history_second_page", rest.body["data"]["accessHistory"], {
        ".edges[].cursor" => "[cursor]",
        ".pageInfo.endCursor" => "[cursor]",
    });
}
