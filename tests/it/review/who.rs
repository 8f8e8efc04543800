use consent::Purpose;
use domain::{AgencyKind, Scope};
use serde_json::json;

use super::*;

const MEETINGS: &str = "query($c: ID!) { reviewMeetings(childId: $c) { planId meetingOn } }";

#[tokio::test]
async fn the_family_reads_the_review_dates_and_cannot_change_them() {
    let app = hub().await;
    let officer = app.case_officer().await;
    let child = app.child().aged(9).with_parent("p1").create().await;
    let plan = imported(&officer, &child, "2026-01-15").await;
    let id = plan["planId"].as_str().expect("plan id");
    let answer = mutate(
        &officer,
        "scheduleReview",
        "planId: ID!, meetingOn: Date!",
        json!({ "planId": id, "meetingOn": "2026-12-20" }),
    )
    .await;
    assert!(answer.codes().is_empty(), "{}", answer.body);
    let parent = app.family_member("p1");
    let answer = parent
        .graphql(&annual_reviews(), json!({ "c": child.id.to_string() }))
        .await;
    assert!(answer.codes().is_empty(), "{}", answer.body);
    let current = &answer.body["data"]["annualReviews"][0]["current"];
    assert_eq!(current["dueOn"], "2027-01-14");
    assert_eq!(current["meetingOn"], "2026-12-20");
    assert_eq!(step(current, "INVITATIONS_SENT")["dueOn"], "2026-12-06");
    // Read-only: the family cannot arrange a review.
    let answer = mutate(
        &parent,
        "scheduleReview",
        "planId: ID!, meetingOn: Date!",
        json!({ "planId": id, "meetingOn": "2026-12-21" }),
    )
    .await;
    assert_eq!(answer.codes(), ["FORBIDDEN"], "{}", answer.body);
    // Someone else's parent sees nothing, as if there were no child.
    let stranger = app.family_member("p2");
    let answer = stranger
        .graphql(&annual_reviews(), json!({ "c": child.id.to_string() }))
        .await;
    assert_eq!(answer.codes(), ["NOT_FOUND"], "{}", answer.body);
}

#[tokio::test]
async fn an_invited_practitioner_sees_the_meeting_date_and_one_without_a_basis_nothing() {
    let app = hub().await;
    let officer = app.case_officer().await;
    let school = app
        .agency(AgencyKind::School)
        .named("Oak Primary")
        .create()
        .await;
    let camhs = app
        .agency(AgencyKind::Camhs)
        .named("North CAMHS")
        .create()
        .await;
    let child = app.child().aged(9).with_parent("p1").create().await;
    let plan = imported(&officer, &child, "2026-01-15").await;
    let id = plan["planId"].as_str().expect("plan id");
    for (field, args, vars) in [
        (
            "scheduleReview",
            "planId: ID!, meetingOn: Date!",
            json!({ "planId": id, "meetingOn": "2026-12-20" }),
        ),
        (
            "recordReviewStep",
            "planId: ID!, step: RecordableReviewStep!, on: Date!, invited: [AgencyKind!], familyInvited: Boolean",
            json!({ "planId": id, "step": "INVITATIONS_SENT", "on": "2026-12-01", "invited": ["SCHOOL", "LA_SEND"], "familyInvited": true }),
        ),
    ] {
        let answer = mutate(&officer, field, args, vars).await;
        assert!(answer.codes().is_empty(), "{}", answer.body);
    }
    let teacher = app.practitioner(&school);
    let c = json!({ "c": child.id.to_string() });
    // No basis yet (no involvement, no consent): nothing, not even the plan.
    let answer = teacher.graphql(MEETINGS, c.clone()).await;
    assert_eq!(answer.codes(), ["NOT_FOUND"], "{}", answer.body);
    assert_eq!(answer.body["data"], json!(null));
    // With a basis: the school works with the child and the family agreed.
    app.involve(child.id, &school).await;
    app.family_member("p1")
        .grant(&child)
        .to(&school)
        .scopes([Scope::Education])
        .purposes([Purpose::DirectSupport])
        .create()
        .await;
    let answer = teacher.graphql(MEETINGS, c.clone()).await;
    assert!(answer.codes().is_empty(), "{}", answer.body);
    assert_eq!(
        answer.body["data"]["reviewMeetings"],
        json!([{ "planId": id, "meetingOn": "2026-12-20" }])
    );
    // A practitioner with a basis whose agency was not invited sees no meeting.
    app.involve(child.id, &camhs).await;
    app.family_member("p1")
        .grant(&child)
        .to(&camhs)
        .scopes([Scope::MentalHealth])
        .purposes([Purpose::DirectSupport])
        .create()
        .await;
    let answer = app.practitioner(&camhs).graphql(MEETINGS, c.clone()).await;
    assert!(answer.codes().is_empty(), "{}", answer.body);
    assert_eq!(answer.body["data"]["reviewMeetings"], json!([]));
    // Practitioners do not read the review itself.
    let answer = teacher.graphql(&annual_reviews(), c).await;
    assert_eq!(answer.codes(), ["NOT_FOUND"], "{}", answer.body);
}
