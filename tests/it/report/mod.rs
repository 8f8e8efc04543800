//! The timeliness dashboard and the SEN2-shaped extract over HTTP: figures
//! from assessments made through the real mutations (dated in the past,
//! the hub's clock fixed, and moved on by starting a later hub over the
//! same database), checked against hand counts written in the tests.

/// The store's report pages: bounded, in order, each with its own events.
mod paging;
/// The SEN2-shaped extract: case officers only, identifiers by the door.
mod sen2;
/// The figures, the CSV with the same numbers, who may read them.
mod timeliness;

use chrono::{DateTime, NaiveDate, Utc};
use domain::ehc::{AssessmentEvent, AssessmentEventKind, ClockException, TimeLimit};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::fixtures::Persona;
use crate::helpers::*;

/// A hub whose clock reads `now`: over a fresh database, or over `base`'s.
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

/// Starts an assessment of `child` received on `received`; returns its id.
async fn start(officer: &Persona<'_>, child: Uuid, received: &str) -> String {
    let answer = officer
        .graphql(
            "mutation($c: ID!, $on: Date!) { startAssessment(childId: $c, requestReceivedOn: $on) { id } }",
            json!({ "c": child, "on": received }),
        )
        .await;
    ok(&answer, "startAssessment")["id"]
        .as_str()
        .expect("an id")
        .to_owned()
}

/// Records a step (`recordDecisionToAssess`, `issueDraft`, `issueFinalPlan`).
async fn step(officer: &Persona<'_>, mutation: &str, assessment: &str, on: &str) {
    let (args, vars) = if mutation == "recordDecisionToAssess" {
        (
            "assessmentId: $a, assess: true, on: $on",
            json!({ "a": assessment, "on": on }),
        )
    } else if mutation == "issueDraft" {
        // The checklist's gate is tested in tell::checklist.
        (
            "assessmentId: $a, on: $on, openItemsReason: \"Advice checklist tested elsewhere\"",
            json!({ "a": assessment, "on": on }),
        )
    } else {
        (
            "assessmentId: $a, on: $on",
            json!({ "a": assessment, "on": on }),
        )
    };
    if mutation == "issueFinalPlan" {
        // A final plan names its school or setting (section I).
        let placed = officer
            .graphql("mutation($a: ID!) { setPlacement(assessmentId: $a, name: \"Riverside Primary School\", kind: \"Mainstream primary school\") { version } }", json!({ "a": assessment }))
            .await;
        ok(&placed, "setPlacement");
    }
    let answer = officer
        .graphql(
            &format!("mutation($a: ID!, $on: Date!) {{ {mutation}({args}) {{ id }} }}"),
            vars,
        )
        .await;
    ok(&answer, mutation);
}

/// Decided, drafted and issued on the dates given.
async fn run_to_final(
    officer: &Persona<'_>,
    child: Uuid,
    received: &str,
    decided: &str,
    draft: &str,
    final_on: &str,
) -> String {
    let a = start(officer, child, received).await;
    step(officer, "recordDecisionToAssess", &a, decided).await;
    step(officer, "issueDraft", &a, draft).await;
    step(officer, "issueFinalPlan", &a, final_on).await;
    a
}

/// Records an exception attached to the final plan's limit (reg 13(3)).
/// Written through the store: naming the limit an exception attaches to
/// is the clock work's change to `recordException`, not in this branch
/// yet (at merge this can become that mutation).
async fn final_plan_exception(app: &TestApp, child: Uuid, assessment: &str, on: NaiveDate) {
    let tx = app.store.traced().await.expect("transaction");
    tx.insert_assessment_event(
        child,
        assessment.parse().expect("an assessment id"),
        &AssessmentEvent {
            id: Uuid::now_v7(),
            kind: AssessmentEventKind::Exception,
            on,
            exception: Some(ClockException::FamilyAbsent),
            limit: Some(TimeLimit::FinalPlan),
            advice_request_id: None,
            note: None,
        },
        "fixtures",
        app.now(),
    )
    .await
    .expect("exception");
    tx.commit(Vec::new()).await.expect("commit exception");
}

/// GET `path` with a bearer token: (status, content type, disposition, body).
async fn get_as(app: &TestApp, token: &str, path: &str) -> (u16, String, String, String) {
    let response = app
        .client
        .get(format!("{}{path}", app.address))
        .bearer_auth(token)
        .send()
        .await
        .expect("request sent");
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let (content_type, disposition) = (header("content-type"), header("content-disposition"));
    let status = response.status().as_u16();
    (
        status,
        content_type,
        disposition,
        response.text().await.expect("body"),
    )
}

/// REPORT / EXPORT entries in the trace, as IG sees them.
async fn trace_of(app: &TestApp, action: &str) -> Vec<Value> {
    let ig = app.ig_auditor().await;
    let answer = ig
        .graphql(
            "query($f: TraceFilterInput) { accessTrace(filter: $f, first: 100) { edges { node {
               action childId actorSubject details { key value } } } } }",
            json!({ "f": { "action": action } }),
        )
        .await;
    ok(&answer, "accessTrace")["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"].clone())
        .collect()
}

/// A detail of a trace entry.
fn detail<'a>(entry: &'a Value, key: &str) -> Option<&'a str> {
    entry["details"]
        .as_array()?
        .iter()
        .find(|d| d["key"] == key)?["value"]
        .as_str()
}
