//! Tell it once over HTTP: "all about me" versions, contributions with
//! provenance and supersedes, the EHC needs assessment on the statutory
//! clock (with advice asked for once, submitted or reused), who may do and
//! see what, and the trace every write leaves.
//!
//! The statutory-clock tests fix the hub's clock (`Settings::fixed_now`). To
//! move time on, they start another hub with a later clock over the same
//! database: the hub is stateless, so a later hub sees everything an earlier
//! one wrote. Demo consent is dated from the real clock, so under a fixed
//! clock they rely only on what does not depend on it (the agreement, the
//! family's view, an agency's own contributions, purposes no demo grant
//! covers); the consent-dependent checks run on the real clock.

use api::demo::{AMIRA, CAMHS, CHLOE, EP, PARENT_PERSON, SLT, YOUNG_PERSON};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::*;

/// In every piece of free text the tests write, so that the trace can be
/// searched for it.
const MARK: &str = "Kestrel";

const SLT_NAME: &str = "Northshire Children's Speech and Language Therapy";
const EP_NAME: &str = "Northshire Educational Psychology Service";
const CAMHS_NAME: &str = "Northshire CAMHS";

const AAM_FIELDS: &str =
    "version whatMatters howToSupport aspirations history writtenBy writtenAs writtenAt";

const CONTRIBUTION_FIELDS: &str = "id scope agencyId agencyKind author kind title needs outcomes
  provision notes supersedes createdAt current";

const REQUEST_FIELDS: &str = "id childId assessmentId agencyId agencyName agencyKind scope
  askedOn dueOn status answeredOn answer contributionId summary";

fn assessment_fields() -> String {
    format!(
        "id childId requestReceivedOn
         milestones {{ milestone label dueOn doneOn status }}
         adviceRequests {{ {REQUEST_FIELDS} }}
         exceptions {{ exception label on note }}
         summary"
    )
}

fn update_aam() -> String {
    format!(
        "mutation($c: ID!, $i: AllAboutMeInput!) {{ updateAllAboutMe(childId: $c, input: $i) {{ {AAM_FIELDS} }} }}"
    )
}

fn aam_history() -> String {
    format!("query($c: ID!) {{ allAboutMeHistory(childId: $c) {{ {AAM_FIELDS} }} }}")
}

const READ_AAM: &str = "query($id: ID!) { child(id: $id) {
  allAboutMe { whatMatters howToSupport aspirations history } } }";

fn contribute() -> String {
    format!(
        "mutation($c: ID!, $i: ContributionInput!) {{ contribute(childId: $c, input: $i) {{ {CONTRIBUTION_FIELDS} }} }}"
    )
}

/// A child's contributions, with the COMMUNICATION section alongside to
/// show whether the caller may see that scope at all.
fn contributions() -> String {
    format!(
        "query($id: ID!, $scope: Scope, $all: Boolean!) {{ child(id: $id) {{
           communication {{ profile }}
           contributions(scope: $scope, includeSuperseded: $all) {{ {CONTRIBUTION_FIELDS} }} }} }}"
    )
}

fn start() -> String {
    format!(
        "mutation($c: ID!, $on: Date!) {{ startAssessment(childId: $c, requestReceivedOn: $on) {{ {} }} }}",
        assessment_fields()
    )
}

fn decide() -> String {
    format!(
        "mutation($a: ID!, $assess: Boolean!, $on: Date!) {{
           recordDecisionToAssess(assessmentId: $a, assess: $assess, on: $on) {{ {} }} }}",
        assessment_fields()
    )
}

fn draft() -> String {
    format!(
        "mutation($a: ID!, $on: Date!) {{ issueDraft(assessmentId: $a, on: $on) {{ {} }} }}",
        assessment_fields()
    )
}

fn final_plan() -> String {
    format!(
        "mutation($a: ID!, $on: Date!) {{ issueFinalPlan(assessmentId: $a, on: $on) {{ {} }} }}",
        assessment_fields()
    )
}

fn exception() -> String {
    format!(
        "mutation($a: ID!, $on: Date!, $note: String) {{
           recordException(assessmentId: $a, exception: FAMILY_ABSENT, on: $on, note: $note) {{ {} }} }}",
        assessment_fields()
    )
}

fn request_advice() -> String {
    format!(
        "mutation($a: ID!, $agency: ID!, $scope: Scope!, $due: Date) {{
           requestAdvice(assessmentId: $a, agencyId: $agency, scope: $scope, dueOn: $due) {{ {REQUEST_FIELDS} }} }}"
    )
}

fn submit_advice() -> String {
    format!(
        "mutation($r: ID!, $i: ContributionInput!) {{ submitAdvice(requestId: $r, input: $i) {{ {CONTRIBUTION_FIELDS} }} }}"
    )
}

fn reuse_advice() -> String {
    format!(
        "mutation($r: ID!, $c: ID!, $author: Boolean!, $family: Boolean!) {{
           reuseAdvice(requestId: $r, contributionId: $c, authorConfirmed: $author, familyConfirmed: $family) {{ {REQUEST_FIELDS} }} }}"
    )
}

fn assessment() -> String {
    format!(
        "query($c: ID!) {{ assessment(childId: $c) {{ {} }} }}",
        assessment_fields()
    )
}

fn advice_requests() -> String {
    format!("{{ adviceRequests {{ {REQUEST_FIELDS} }} }}")
}

const TRACE: &str = "query($filter: TraceFilterInput, $first: Int) {
  accessTrace(filter: $filter, first: $first) { edges { node {
    seq recordedAt action outcome actorSubject actorAgencyId actorAgencyKind actorRoles childId
    purpose disclosed withheld { scope code reason }
    basis { scope kind grantIds overrideId agreementVersion } details { key value }
  } } pageInfo { hasNextPage } } }";

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/// Practitioners and case officers state a purpose; families and IG staff
/// state none.
fn purpose_of(persona: &str) -> Option<&'static str> {
    match persona {
        "parent" | "young-person" | "ig-auditor" | "ig-admin" => None,
        _ => Some("DIRECT_SUPPORT"),
    }
}

/// A request as a demo persona, with its usual purpose.
async fn call(app: &TestApp, persona: &str, query: &str, variables: Value) -> Answer {
    let token = app.token_for(persona);
    app.graphql_as(Some(&token), purpose_of(persona), query, variables)
        .await
}

/// A request as a demo persona for a given purpose.
async fn call_for(
    app: &TestApp,
    persona: &str,
    purpose: &str,
    query: &str,
    variables: Value,
) -> Answer {
    let token = app.token_for(persona);
    app.graphql_as(Some(&token), Some(purpose), query, variables)
        .await
}

/// A family member signed in as `person_id` (role family).
fn family_token(app: &TestApp, person_id: &str) -> String {
    let mut claims = app.claims_for("parent");
    claims["sub"] = json!(format!("test-{person_id}"));
    claims["person_id"] = json!(person_id);
    app.hs256(&claims)
}

/// A young person signed in as `person_id` (role young_person).
fn young_person_token(app: &TestApp, person_id: &str) -> String {
    let mut claims = app.claims_for("young-person");
    claims["sub"] = json!(format!("test-{person_id}"));
    claims["person_id"] = json!(person_id);
    app.hs256(&claims)
}

/// `data.<field>` of an answer that must have succeeded.
fn ok(answer: &Answer, field: &str) -> Value {
    assert!(
        answer.body["errors"].is_null(),
        "{field} should succeed: {answer:?}"
    );
    let value = answer.body["data"][field].clone();
    assert!(!value.is_null(), "{field} is null: {answer:?}");
    value
}

/// Asserts the answer is refused with exactly `code` and no data for `field`.
fn refused(answer: &Answer, field: &str, code: &str) {
    assert_eq!(answer.codes(), vec![code], "{field}: {answer:?}");
    assert!(
        answer.body["data"].is_null() || answer.body["data"][field].is_null(),
        "{field} should carry no data: {answer:?}"
    );
}

/// Asserts a BAD_USER_INPUT naming `input_field`.
fn bad_input(answer: &Answer, field: &str, input_field: &str) {
    refused(answer, field, "BAD_USER_INPUT");
    assert_eq!(
        answer.body["errors"][0]["extensions"]["field"], input_field,
        "{answer:?}"
    );
}

fn id_of(value: &Value) -> String {
    value["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id in {value}"))
        .to_owned()
}

fn at(instant: &str) -> DateTime<Utc> {
    instant.parse().expect("an RFC 3339 instant")
}

/// A hub whose clock reads `now`: over a fresh database, or over `base`'s
/// (a later day for the same records).
async fn hub_at(base: Option<&TestApp>, now: &str) -> TestApp {
    let now = at(now);
    let url = base.map(|b| b.settings.database_url.clone());
    spawn_app_with(move |settings| {
        settings.fixed_now = Some(now);
        if let Some(url) = url {
            settings.database_url = url;
        }
    })
    .await
}

/// The milestone `name` of an assessment view.
fn milestone<'a>(view: &'a Value, name: &str) -> &'a Value {
    view["milestones"]
        .as_array()
        .and_then(|ms| ms.iter().find(|m| m["milestone"] == name))
        .unwrap_or_else(|| panic!("no milestone {name} in {view}"))
}

/// A milestone as (milestone, due, done, status).
type Step = (String, String, Option<String>, String);

/// Every milestone of an assessment view, in order.
fn timeline(view: &Value) -> Vec<Step> {
    view["milestones"]
        .as_array()
        .unwrap_or_else(|| panic!("no milestones in {view}"))
        .iter()
        .map(|m| {
            (
                m["milestone"].as_str().unwrap_or_default().to_owned(),
                m["dueOn"].as_str().unwrap_or_default().to_owned(),
                m["doneOn"].as_str().map(str::to_owned),
                m["status"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

fn m(name: &str, due: &str, done: Option<&str>, status: &str) -> Step {
    (
        name.to_owned(),
        due.to_owned(),
        done.map(str::to_owned),
        status.to_owned(),
    )
}

/// The advice request to `agency` in an assessment view.
fn request_to(view: &Value, agency: Uuid) -> Value {
    view["adviceRequests"]
        .as_array()
        .and_then(|rs| rs.iter().find(|r| r["agencyId"] == agency.to_string()))
        .cloned()
        .unwrap_or_else(|| panic!("no advice request to {agency} in {view}"))
}

/// The advice requests about `child` in an agency's `adviceRequests` (the
/// demo may hold others).
fn about(inbox: &Value, child: Uuid) -> Value {
    Value::Array(
        inbox
            .as_array()
            .unwrap_or_else(|| panic!("not a list: {inbox}"))
            .iter()
            .filter(|r| r["childId"] == child.to_string())
            .cloned()
            .collect(),
    )
}

/// The contributions in `list` that these tests wrote (the demo may hold
/// others).
fn marked(list: &Value) -> Value {
    Value::Array(
        list.as_array()
            .unwrap_or_else(|| panic!("not a list: {list}"))
            .iter()
            .filter(|c| c["title"].as_str().is_some_and(|t| t.contains(MARK)))
            .cloned()
            .collect(),
    )
}

/// The ids in a list of contributions.
fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .map(id_of)
        .collect()
}

/// A child's contributions as `persona` sees them for `purpose`.
async fn contributions_as(
    app: &TestApp,
    persona: &str,
    purpose: Option<&str>,
    child: Uuid,
    scope: Option<&str>,
    include_superseded: bool,
) -> (Answer, Value) {
    let token = app.token_for(persona);
    let answer = app
        .graphql_as(
            Some(&token),
            purpose,
            &contributions(),
            json!({ "id": child, "scope": scope, "all": include_superseded }),
        )
        .await;
    let list = answer.body["data"]["child"]["contributions"].clone();
    assert!(
        list.is_array(),
        "{persona} should get a list of contributions: {answer:?}"
    );
    (answer, list)
}

/// Every entry of the access trace matching `filter`, as an IG auditor.
async fn trace_entries(app: &TestApp, filter: Value) -> Vec<Value> {
    let answer = call(
        app,
        "ig-auditor",
        TRACE,
        json!({ "filter": filter, "first": 500 }),
    )
    .await;
    let connection = ok(&answer, "accessTrace");
    assert_eq!(
        connection["pageInfo"]["hasNextPage"], false,
        "more entries than expected: {answer:?}"
    );
    connection["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"].clone())
        .collect()
}

/// The value of detail `key` of a trace entry.
fn detail(entry: &Value, key: &str) -> Option<String> {
    entry["details"]
        .as_array()?
        .iter()
        .find(|d| d["key"] == key)
        .and_then(|d| d["value"].as_str().map(str::to_owned))
}

/// Registers a child born `years` ago with their own sign-in `yp` and a
/// mother with parental responsibility signed in as `mum`.
async fn register_child(app: &TestApp, years: i64, yp: &str, mum: &str) -> Uuid {
    let today = Utc::now().date_naive();
    let dob = today - chrono::Duration::days(years * 365 + 30);
    let register = "mutation($input: RegisterChildInput!) { registerChild(input: $input) { id } }";
    let registered = call(
        app,
        "case-officer",
        register,
        json!({ "input": {
            "givenName": "Robin", "familyName": "Tellonce",
            "dateOfBirth": dob.to_string(), "youngPersonId": yp,
        } }),
    )
    .await;
    let id = id_of(&ok(&registered, "registerChild"));
    let link = "mutation($c: ID!, $i: LinkFamilyMemberInput!) { linkFamilyMember(childId: $c, input: $i) { id } }";
    let linked = call(
        app,
        "case-officer",
        link,
        json!({ "c": id, "i": {
            "fullName": "Morgan Tellonce", "relationship": "MOTHER",
            "parentalResponsibility": true, "prEvidence": "Birth registration",
            "personId": mum, "contactPreference": "EMAIL", "email": "morgan@example.org",
        } }),
    )
    .await;
    ok(&linked, "linkFamilyMember");
    Uuid::parse_str(&id).expect("uuid")
}

fn advice_input(title: &str) -> Value {
    json!({
        "kind": "ADVICE",
        "title": format!("{title} ({MARK})"),
        "needs": format!("{MARK}: needs in the family's and practitioner's words."),
        "outcomes": format!("{MARK}: outcomes sought."),
        "provision": format!("{MARK}: provision required."),
        "notes": format!("{MARK}: anything else."),
    })
}

// ---------------------------------------------------------------------------
// The EHC needs assessment, on the statutory clock
// ---------------------------------------------------------------------------

/// The whole flow on Amira: the case officer starts the assessment (request
/// received 5 January 2026), decides to assess, asks SLT, EP and CAMHS for
/// advice; SLT submits, EP's existing advice is reused with both
/// confirmations, CAMHS never answers. The family follows the timeline as
/// days pass: decision due 16 February, draft 27 April, final plan 25 May
/// (at least 15 days after the draft), annual review 12 months after the
/// final plan. CAMHS never reads the SLT advice; SLT always reads its own.
#[tokio::test]
async fn the_ehc_assessment_runs_on_the_statutory_clock_and_the_family_follows_it() {
    // --- Tuesday 10 February 2026 (day 36) --------------------------------
    let feb = hub_at(None, "2026-02-10T10:00:00Z").await;
    let child = json!(AMIRA);

    // EP's existing psychology advice, written before the assessment.
    let ep_advice = call(
        &feb,
        "ep",
        &contribute(),
        json!({ "c": child, "i": { "scope": "PSYCHOLOGY", "kind": "ADVICE",
            "title": format!("Cognitive assessment ({MARK})"),
            "needs": format!("{MARK}: working memory well below her reasoning."),
            "provision": format!("{MARK}: visual supports; pre-teaching.") } }),
    )
    .await;
    let ep_advice = ok(&ep_advice, "contribute");
    let ep_advice_id = id_of(&ep_advice);
    assert_eq!(ep_advice["agencyId"], EP.to_string());
    assert_eq!(ep_advice["agencyKind"], "EP");
    assert_eq!(ep_advice["author"], "test-ep");
    assert_eq!(ep_advice["kind"], "ADVICE");
    assert_eq!(ep_advice["current"], true);

    // The request cannot come from the future.
    let future = call(
        &feb,
        "case-officer",
        &start(),
        json!({ "c": child, "on": "2026-02-11" }),
    )
    .await;
    bad_input(&future, "startAssessment", "requestReceivedOn");

    let started = call(
        &feb,
        "case-officer",
        &start(),
        json!({ "c": child, "on": "2026-01-05" }),
    )
    .await;
    let view = ok(&started, "startAssessment");
    let assessment_id = id_of(&view);
    assert_eq!(view["childId"], AMIRA.to_string());
    assert_eq!(view["requestReceivedOn"], "2026-01-05");
    assert_eq!(
        timeline(&view),
        vec![
            m("DECISION_TO_ASSESS", "2026-02-16", None, "DUE_SOON"),
            m("DRAFT", "2026-04-27", None, "ON_TRACK"),
            m("FINAL_PLAN", "2026-05-25", None, "ON_TRACK"),
        ],
        "{view}"
    );
    assert_eq!(view["adviceRequests"], json!([]));
    assert_eq!(view["exceptions"], json!([]));
    let summary = view["summary"].as_str().expect("summary");
    assert!(
        summary.contains("16 February 2026") && summary.contains("due within two weeks"),
        "{summary}"
    );

    // One assessment at a time.
    let again = call(
        &feb,
        "case-officer",
        &start(),
        json!({ "c": child, "on": "2026-01-20" }),
    )
    .await;
    bad_input(&again, "startAssessment", "childId");

    // Advice is asked for once the council has decided to assess.
    let early = call(
        &feb,
        "case-officer",
        &request_advice(),
        json!({ "a": assessment_id, "agency": SLT, "scope": "COMMUNICATION" }),
    )
    .await;
    bad_input(&early, "requestAdvice", "assessmentId");

    let decided = call(
        &feb,
        "case-officer",
        &decide(),
        json!({ "a": assessment_id, "assess": true, "on": "2026-02-09" }),
    )
    .await;
    let view = ok(&decided, "recordDecisionToAssess");
    assert_eq!(
        milestone(&view, "DECISION_TO_ASSESS"),
        &json!({ "milestone": "DECISION_TO_ASSESS", "label": "The council decides whether to assess",
                 "dueOn": "2026-02-16", "doneOn": "2026-02-09", "status": "DONE" })
    );
    let twice = call(
        &feb,
        "case-officer",
        &decide(),
        json!({ "a": assessment_id, "assess": false, "on": "2026-02-10" }),
    )
    .await;
    bad_input(&twice, "recordDecisionToAssess", "on");

    // Advice: due six weeks after asking (10 February + 6 weeks = 24 March)
    // unless set otherwise; never due in the past; never for RESTRICTED.
    let asked = call(
        &feb,
        "case-officer",
        &request_advice(),
        json!({ "a": assessment_id, "agency": SLT, "scope": "COMMUNICATION" }),
    )
    .await;
    let slt_request = ok(&asked, "requestAdvice");
    assert_eq!(slt_request["childId"], AMIRA.to_string());
    assert_eq!(slt_request["assessmentId"], assessment_id);
    assert_eq!(slt_request["agencyName"], SLT_NAME);
    assert_eq!(slt_request["agencyKind"], "SLT");
    assert_eq!(slt_request["scope"], "COMMUNICATION");
    assert_eq!(slt_request["askedOn"], "2026-02-10");
    assert_eq!(slt_request["dueOn"], "2026-03-24");
    assert_eq!(slt_request["status"], "ON_TRACK");
    assert!(slt_request["answer"].is_null() && slt_request["answeredOn"].is_null());
    let summary = slt_request["summary"].as_str().expect("summary");
    assert!(
        summary.contains(SLT_NAME) && summary.contains("24 March 2026"),
        "{summary}"
    );
    let slt_request_id = id_of(&slt_request);

    let asked = call(
        &feb,
        "case-officer",
        &request_advice(),
        json!({ "a": assessment_id, "agency": EP, "scope": "PSYCHOLOGY" }),
    )
    .await;
    let ep_request = ok(&asked, "requestAdvice");
    assert_eq!(ep_request["dueOn"], "2026-03-24");
    let ep_request_id = id_of(&ep_request);

    let asked = call(
        &feb,
        "case-officer",
        &request_advice(),
        json!({ "a": assessment_id, "agency": CAMHS, "scope": "MENTAL_HEALTH", "due": "2026-02-20" }),
    )
    .await;
    let camhs_request = ok(&asked, "requestAdvice");
    assert_eq!(camhs_request["dueOn"], "2026-02-20");
    assert_eq!(camhs_request["status"], "DUE_SOON", "10 days to go");
    let camhs_request_id = id_of(&camhs_request);

    let past = call(
        &feb,
        "case-officer",
        &request_advice(),
        json!({ "a": assessment_id, "agency": CAMHS, "scope": "MENTAL_HEALTH", "due": "2026-02-09" }),
    )
    .await;
    bad_input(&past, "requestAdvice", "dueOn");
    let restricted = call(
        &feb,
        "case-officer",
        &request_advice(),
        json!({ "a": assessment_id, "agency": CAMHS, "scope": "RESTRICTED" }),
    )
    .await;
    bad_input(&restricted, "requestAdvice", "scope");

    // Each asked agency sees its own requests, before any new consent.
    let slt_all = ok(
        &call(&feb, "slt", &advice_requests(), json!({})).await,
        "adviceRequests",
    );
    assert!(
        slt_all
            .as_array()
            .is_some_and(|rs| rs.iter().all(|r| r["agencyId"] == SLT.to_string())),
        "only requests addressed to SLT: {slt_all}"
    );
    let slt_inbox = about(&slt_all, AMIRA);
    assert_eq!(ids(&slt_inbox), vec![slt_request_id.clone()], "{slt_inbox}");
    assert_eq!(slt_inbox[0]["childId"], AMIRA.to_string());
    assert_eq!(slt_inbox[0]["scope"], "COMMUNICATION");
    assert_eq!(slt_inbox[0]["dueOn"], "2026-03-24");
    assert_eq!(slt_inbox[0]["status"], "ON_TRACK");
    let camhs_inbox = about(
        &ok(
            &call(&feb, "camhs", &advice_requests(), json!({})).await,
            "adviceRequests",
        ),
        AMIRA,
    );
    assert_eq!(ids(&camhs_inbox), vec![camhs_request_id.clone()]);
    let parent_inbox = call(&feb, "parent", &advice_requests(), json!({})).await;
    refused(&parent_inbox, "adviceRequests", "FORBIDDEN");

    // Only the asked agency answers.
    for persona in ["ep", "camhs", "case-officer", "parent"] {
        let answer = call(
            &feb,
            persona,
            &submit_advice(),
            json!({ "r": slt_request_id, "i": advice_input("Not mine to answer") }),
        )
        .await;
        refused(&answer, "submitAdvice", "FORBIDDEN");
    }
    let submitted = call(
        &feb,
        "slt",
        &submit_advice(),
        json!({ "r": slt_request_id, "i": advice_input("Speech and language advice") }),
    )
    .await;
    let slt_advice = ok(&submitted, "submitAdvice");
    let slt_advice_id = id_of(&slt_advice);
    assert_eq!(slt_advice["scope"], "COMMUNICATION");
    assert_eq!(slt_advice["kind"], "ADVICE");
    assert_eq!(slt_advice["agencyId"], SLT.to_string());
    assert_eq!(slt_advice["agencyKind"], "SLT");
    assert_eq!(slt_advice["author"], "test-slt");
    assert_eq!(slt_advice["current"], true);
    let twice = call(
        &feb,
        "slt",
        &submit_advice(),
        json!({ "r": slt_request_id, "i": advice_input("Second answer") }),
    )
    .await;
    bad_input(&twice, "submitAdvice", "requestId");

    // EP's existing advice is reused only when its author and the family
    // both confirm it is still sufficient, and only by the case officer.
    let reuse = |author: bool, family: bool, contribution: &str| json!({ "r": ep_request_id, "c": contribution, "author": author, "family": family });
    let by_ep = call(
        &feb,
        "ep",
        &reuse_advice(),
        reuse(true, true, &ep_advice_id),
    )
    .await;
    refused(&by_ep, "reuseAdvice", "FORBIDDEN");
    let no_author = call(
        &feb,
        "case-officer",
        &reuse_advice(),
        reuse(false, true, &ep_advice_id),
    )
    .await;
    bad_input(&no_author, "reuseAdvice", "authorConfirmed");
    let no_family = call(
        &feb,
        "case-officer",
        &reuse_advice(),
        reuse(true, false, &ep_advice_id),
    )
    .await;
    bad_input(&no_family, "reuseAdvice", "familyConfirmed");
    let not_eps = call(
        &feb,
        "case-officer",
        &reuse_advice(),
        reuse(true, true, &slt_advice_id),
    )
    .await;
    bad_input(&not_eps, "reuseAdvice", "contributionId");
    let reused = call(
        &feb,
        "case-officer",
        &reuse_advice(),
        reuse(true, true, &ep_advice_id),
    )
    .await;
    let ep_request = ok(&reused, "reuseAdvice");
    assert_eq!(ep_request["answer"], "REUSED");
    assert_eq!(ep_request["contributionId"], ep_advice_id);
    assert_eq!(ep_request["answeredOn"], "2026-02-10");
    assert_eq!(ep_request["status"], "DONE");
    let summary = ep_request["summary"].as_str().expect("summary");
    assert!(
        summary.contains(EP_NAME) && summary.contains("reused"),
        "{summary}"
    );
    let again = call(
        &feb,
        "case-officer",
        &reuse_advice(),
        reuse(true, true, &ep_advice_id),
    )
    .await;
    bad_input(&again, "reuseAdvice", "requestId");

    // The family's view on 10 February.
    let family_view = ok(
        &call(&feb, "parent", &assessment(), json!({ "c": child })).await,
        "assessment",
    );
    assert_eq!(family_view["id"], assessment_id);
    assert_eq!(
        timeline(&family_view),
        vec![
            m(
                "DECISION_TO_ASSESS",
                "2026-02-16",
                Some("2026-02-09"),
                "DONE"
            ),
            m("DRAFT", "2026-04-27", None, "ON_TRACK"),
            m("FINAL_PLAN", "2026-05-25", None, "ON_TRACK"),
        ]
    );
    let slt = request_to(&family_view, SLT);
    assert_eq!(
        (&slt["answer"], &slt["status"], &slt["answeredOn"]),
        (&json!("SUBMITTED"), &json!("DONE"), &json!("2026-02-10"))
    );
    assert_eq!(slt["contributionId"], slt_advice_id);
    let words = slt["summary"].as_str().expect("summary");
    assert!(
        words.contains(SLT_NAME) && words.contains("10 February 2026"),
        "{words}"
    );
    let ep = request_to(&family_view, EP);
    assert_eq!(ep["answer"], "REUSED");
    assert!(
        ep["summary"]
            .as_str()
            .is_some_and(|s| s.contains(EP_NAME) && s.contains("reused")),
        "{ep}"
    );
    let camhs = request_to(&family_view, CAMHS);
    assert_eq!(camhs["status"], "DUE_SOON");
    let words = camhs["summary"].as_str().expect("summary");
    assert!(
        words.contains(CAMHS_NAME) && words.contains("20 February 2026"),
        "{words}"
    );
    let summary = family_view["summary"].as_str().expect("summary");
    assert!(summary.contains("27 April 2026"), "{summary}");
    assert!(!summary.contains("Late"), "nothing is late yet: {summary}");
    // A family with no link to Amira learns nothing.
    let stranger = family_token(&feb, "person-stranger");
    let answer = feb
        .graphql_as(Some(&stranger), None, &assessment(), json!({ "c": child }))
        .await;
    refused(&answer, "assessment", "NOT_FOUND");

    // Who reads the SLT advice. CAMHS: never (the agreement never lets CAMHS
    // read COMMUNICATION), whatever the purpose.
    for purpose in ["DIRECT_SUPPORT", "EHC_ASSESSMENT"] {
        let (answer, list) = contributions_as(
            &feb,
            "camhs",
            Some(purpose),
            AMIRA,
            Some("COMMUNICATION"),
            true,
        )
        .await;
        assert_eq!(list, json!([]), "{answer:?}");
        let (_, all) = contributions_as(&feb, "camhs", Some(purpose), AMIRA, None, true).await;
        assert!(!ids(&all).contains(&slt_advice_id), "{all}");
        assert!(
            !answer
                .body
                .to_string()
                .contains("Speech and language advice"),
            "{answer:?}"
        );
    }
    // SLT: its own, even for a purpose no consent covers (the COMMUNICATION
    // section itself stays withheld).
    let (answer, list) = contributions_as(
        &feb,
        "slt",
        Some("EHC_ASSESSMENT"),
        AMIRA,
        Some("COMMUNICATION"),
        false,
    )
    .await;
    assert_eq!(
        ids(&marked(&list)),
        vec![slt_advice_id.clone()],
        "{answer:?}"
    );
    assert_eq!(
        list[0]["title"],
        format!("Speech and language advice ({MARK})")
    );
    let withheld = answer
        .error_at(&["child", "communication"])
        .unwrap_or_else(|| panic!("COMMUNICATION should be withheld from SLT: {answer:?}"));
    assert_eq!(withheld["extensions"]["code"], "CONSENT_REQUIRED");
    // The family sees everything; the case officer, on the statutory basis
    // of the assessment, sees the advice.
    let (_, parent_sees) = contributions_as(&feb, "parent", None, AMIRA, None, false).await;
    let parent_ids = ids(&parent_sees);
    assert!(
        parent_ids.contains(&slt_advice_id) && parent_ids.contains(&ep_advice_id),
        "{parent_sees}"
    );
    let (_, officer_sees) = contributions_as(
        &feb,
        "case-officer",
        Some("EHC_ASSESSMENT"),
        AMIRA,
        None,
        false,
    )
    .await;
    let officer_ids = ids(&officer_sees);
    assert!(
        officer_ids.contains(&slt_advice_id) && officer_ids.contains(&ep_advice_id),
        "{officer_sees}"
    );

    // --- Monday 20 April 2026 (day 105) -----------------------------------
    let april = hub_at(Some(&feb), "2026-04-20T10:00:00Z").await;
    let view = ok(
        &call(&april, "case-officer", &assessment(), json!({ "c": child })).await,
        "assessment",
    );
    assert_eq!(
        timeline(&view),
        vec![
            m(
                "DECISION_TO_ASSESS",
                "2026-02-16",
                Some("2026-02-09"),
                "DONE"
            ),
            m("DRAFT", "2026-04-27", None, "DUE_SOON"),
            m("FINAL_PLAN", "2026-05-25", None, "ON_TRACK"),
        ]
    );
    let camhs = request_to(&view, CAMHS);
    assert_eq!(camhs["status"], "OVERDUE");
    assert!(
        camhs["summary"]
            .as_str()
            .is_some_and(|s| s.contains(CAMHS_NAME) && s.contains("late")),
        "{camhs}"
    );
    assert_eq!(request_to(&view, SLT)["status"], "DONE");
    let summary = view["summary"].as_str().expect("summary");
    assert!(
        summary.contains("27 April 2026") && summary.contains("due within two weeks"),
        "{summary}"
    );
    assert!(
        summary.contains("Late") && summary.contains(CAMHS_NAME),
        "the late advice is named: {summary}"
    );
    assert!(
        !summary.contains(SLT_NAME) && !summary.contains(EP_NAME),
        "{summary}"
    );
    // CAMHS sees its overdue request.
    let camhs_inbox = about(
        &ok(
            &call(&april, "camhs", &advice_requests(), json!({})).await,
            "adviceRequests",
        ),
        AMIRA,
    );
    assert_eq!(camhs_inbox[0]["status"], "OVERDUE", "{camhs_inbox}");

    // An exception to the time limits, shown with its reason.
    let note = format!("{MARK}: the family were abroad for six weeks.");
    let recorded = call(
        &april,
        "case-officer",
        &exception(),
        json!({ "a": assessment_id, "on": "2026-03-02", "note": note }),
    )
    .await;
    let view = ok(&recorded, "recordException");
    assert_eq!(
        view["exceptions"],
        json!([{ "exception": "FAMILY_ABSENT",
                 "label": "the family was away from the area for 4 weeks or more",
                 "on": "2026-03-02", "note": note }])
    );

    // The draft: not in the future, once only; the final plan not before
    // the family has had 15 days on the draft.
    let tomorrow = call(
        &april,
        "case-officer",
        &draft(),
        json!({ "a": assessment_id, "on": "2026-04-21" }),
    )
    .await;
    bad_input(&tomorrow, "issueDraft", "on");
    let issued = call(
        &april,
        "case-officer",
        &draft(),
        json!({ "a": assessment_id, "on": "2026-04-20" }),
    )
    .await;
    let view = ok(&issued, "issueDraft");
    assert_eq!(
        (
            &milestone(&view, "DRAFT")["doneOn"],
            &milestone(&view, "DRAFT")["status"]
        ),
        (&json!("2026-04-20"), &json!("DONE"))
    );
    let twice = call(
        &april,
        "case-officer",
        &draft(),
        json!({ "a": assessment_id, "on": "2026-04-20" }),
    )
    .await;
    bad_input(&twice, "issueDraft", "on");
    let same_day = call(
        &april,
        "case-officer",
        &final_plan(),
        json!({ "a": assessment_id, "on": "2026-04-20" }),
    )
    .await;
    bad_input(&same_day, "issueFinalPlan", "on");

    // --- Monday 1 June 2026 (day 147) -------------------------------------
    let june = hub_at(Some(&feb), "2026-06-01T10:00:00Z").await;
    let family_view = ok(
        &call(&june, "parent", &assessment(), json!({ "c": child })).await,
        "assessment",
    );
    assert_eq!(
        timeline(&family_view),
        vec![
            m(
                "DECISION_TO_ASSESS",
                "2026-02-16",
                Some("2026-02-09"),
                "DONE"
            ),
            m("DRAFT", "2026-04-27", Some("2026-04-20"), "DONE"),
            m("FINAL_PLAN", "2026-05-25", None, "OVERDUE"),
        ]
    );
    assert_eq!(
        milestone(&family_view, "FINAL_PLAN")["label"],
        "Final EHC plan"
    );
    let summary = family_view["summary"].as_str().expect("summary");
    assert!(
        summary.contains("Late")
            && summary.to_lowercase().contains("final ehc plan")
            && summary.contains(CAMHS_NAME),
        "{summary}"
    );
    assert_eq!(family_view["exceptions"][0]["exception"], "FAMILY_ABSENT");
    assert_eq!(family_view["exceptions"][0]["note"], note);
    assert_eq!(request_to(&family_view, CAMHS)["status"], "OVERDUE");

    // 14 days after the draft is too soon.
    let too_soon = call(
        &june,
        "case-officer",
        &final_plan(),
        json!({ "a": assessment_id, "on": "2026-05-04" }),
    )
    .await;
    bad_input(&too_soon, "issueFinalPlan", "on");
    let issued = call(
        &june,
        "case-officer",
        &final_plan(),
        json!({ "a": assessment_id, "on": "2026-05-28" }),
    )
    .await;
    let view = ok(&issued, "issueFinalPlan");
    assert_eq!(
        timeline(&view),
        vec![
            m(
                "DECISION_TO_ASSESS",
                "2026-02-16",
                Some("2026-02-09"),
                "DONE"
            ),
            m("DRAFT", "2026-04-27", Some("2026-04-20"), "DONE"),
            m("FINAL_PLAN", "2026-05-25", Some("2026-05-28"), "DONE_LATE"),
            m("ANNUAL_REVIEW", "2027-05-28", None, "ON_TRACK"),
        ]
    );
    let family_view = ok(
        &call(&june, "parent", &assessment(), json!({ "c": child })).await,
        "assessment",
    );
    assert_eq!(timeline(&family_view), timeline(&view));
    assert_eq!(
        milestone(&family_view, "ANNUAL_REVIEW")["label"],
        "Annual review"
    );
    // Every statutory step is done, but CAMHS's advice never came.
    let summary = family_view["summary"].as_str().expect("summary");
    assert!(summary.contains("done"), "{summary}");
    assert!(
        summary.contains("Late") && summary.contains(CAMHS_NAME),
        "{summary}"
    );
    assert!(
        !summary.to_lowercase().contains("final ehc plan"),
        "{summary}"
    );
}

/// Statuses to the day: on track until 15 days before, due soon from 14
/// days before to the due date itself, overdue the day after; done late when
/// recorded after the due date. Each day is a hub with its clock fixed.
#[tokio::test]
async fn milestone_statuses_change_on_the_right_day() {
    let first = hub_at(None, "2026-02-01T23:30:00Z").await;
    let started = call(
        &first,
        "case-officer",
        &start(),
        json!({ "c": AMIRA, "on": "2026-01-05" }),
    )
    .await;
    let view = ok(&started, "startAssessment");
    let assessment_id = id_of(&view);
    assert_eq!(milestone(&view, "DECISION_TO_ASSESS")["status"], "ON_TRACK");

    for (now, status) in [
        ("2026-02-02T00:30:00Z", "DUE_SOON"),
        ("2026-02-16T23:30:00Z", "DUE_SOON"),
        ("2026-02-17T00:30:00Z", "OVERDUE"),
    ] {
        let hub = hub_at(Some(&first), now).await;
        let view = ok(
            &call(&hub, "parent", &assessment(), json!({ "c": AMIRA })).await,
            "assessment",
        );
        assert_eq!(
            milestone(&view, "DECISION_TO_ASSESS")["status"],
            status,
            "on {now}: {view}"
        );
        if status == "OVERDUE" {
            assert!(
                view["summary"].as_str().is_some_and(|s| s.contains("Late")),
                "{view}"
            );
        }
    }

    let late = hub_at(Some(&first), "2026-02-17T12:00:00Z").await;
    let decided = call(
        &late,
        "case-officer",
        &decide(),
        json!({ "a": assessment_id, "assess": true, "on": "2026-02-17" }),
    )
    .await;
    let view = ok(&decided, "recordDecisionToAssess");
    assert_eq!(
        milestone(&view, "DECISION_TO_ASSESS")["status"],
        "DONE_LATE"
    );
    // Advice asked on 17 February is due on 31 March: due soon from 17 March.
    let asked = call(
        &late,
        "case-officer",
        &request_advice(),
        json!({ "a": assessment_id, "agency": SLT, "scope": "COMMUNICATION" }),
    )
    .await;
    let request = ok(&asked, "requestAdvice");
    assert_eq!(
        (&request["askedOn"], &request["dueOn"], &request["status"]),
        (
            &json!("2026-02-17"),
            &json!("2026-03-31"),
            &json!("ON_TRACK")
        )
    );
    for (now, status) in [
        ("2026-03-16T12:00:00Z", "ON_TRACK"),
        ("2026-03-17T12:00:00Z", "DUE_SOON"),
        ("2026-03-31T12:00:00Z", "DUE_SOON"),
        ("2026-04-01T12:00:00Z", "OVERDUE"),
    ] {
        let hub = hub_at(Some(&first), now).await;
        let inbox = about(
            &ok(
                &call(&hub, "slt", &advice_requests(), json!({})).await,
                "adviceRequests",
            ),
            AMIRA,
        );
        assert_eq!(inbox[0]["status"], status, "on {now}: {inbox}");
    }
}

/// Starting, stepping and asking are the council case officer's; answering
/// is the asked agency's alone.
#[tokio::test]
async fn only_case_officers_run_assessments_and_only_the_asked_agency_answers() {
    let app = spawn_app().await;
    let child = register_child(&app, 10, "person-yp-roles", "person-mum-roles").await;
    let today = Utc::now().date_naive();
    let received = (today - chrono::Duration::days(20)).to_string();
    let on = today.to_string();

    // Not the case officer: practitioners, IG staff of the same council
    // team, families.
    for persona in ["slt", "senco", "ig-auditor", "ig-admin", "parent"] {
        let answer = call(
            &app,
            persona,
            &start(),
            json!({ "c": child, "on": received }),
        )
        .await;
        refused(&answer, "startAssessment", "FORBIDDEN");
    }
    let started = call(
        &app,
        "case-officer",
        &start(),
        json!({ "c": child, "on": received }),
    )
    .await;
    let assessment_id = id_of(&ok(&started, "startAssessment"));
    let unknown = call(
        &app,
        "case-officer",
        &start(),
        json!({ "c": Uuid::new_v4(), "on": received }),
    )
    .await;
    refused(&unknown, "startAssessment", "NOT_FOUND");

    for persona in ["slt", "ig-auditor"] {
        let answer = call(
            &app,
            persona,
            &decide(),
            json!({ "a": assessment_id, "assess": true, "on": on }),
        )
        .await;
        refused(&answer, "recordDecisionToAssess", "FORBIDDEN");
    }
    ok(
        &call(
            &app,
            "case-officer",
            &decide(),
            json!({ "a": assessment_id, "assess": true, "on": on }),
        )
        .await,
        "recordDecisionToAssess",
    );
    for persona in ["slt", "ep", "parent"] {
        let answer = call(
            &app,
            persona,
            &request_advice(),
            json!({ "a": assessment_id, "agency": SLT, "scope": "COMMUNICATION" }),
        )
        .await;
        refused(&answer, "requestAdvice", "FORBIDDEN");
        let answer = call(
            &app,
            persona,
            &exception(),
            json!({ "a": assessment_id, "on": on, "note": "not mine" }),
        )
        .await;
        refused(&answer, "recordException", "FORBIDDEN");
        let answer = call(
            &app,
            persona,
            &draft(),
            json!({ "a": assessment_id, "on": on }),
        )
        .await;
        refused(&answer, "issueDraft", "FORBIDDEN");
    }
    let unknown_agency = call(
        &app,
        "case-officer",
        &request_advice(),
        json!({ "a": assessment_id, "agency": Uuid::new_v4(), "scope": "COMMUNICATION" }),
    )
    .await;
    bad_input(&unknown_agency, "requestAdvice", "agencyId");
    let asked = call(
        &app,
        "case-officer",
        &request_advice(),
        json!({ "a": assessment_id, "agency": SLT, "scope": "COMMUNICATION" }),
    )
    .await;
    let request_id = id_of(&ok(&asked, "requestAdvice"));

    // Another speech and language service, same kind, different agency.
    let other_id = Uuid::new_v4();
    let txn = app.store.traced().await.expect("txn");
    txn.upsert_agency(&domain::Agency {
        id: other_id,
        name: "Another SLT service".into(),
        kind: domain::AgencyKind::Slt,
    })
    .await
    .expect("register agency");
    txn.commit(Vec::new()).await.expect("commit");
    let mut other_slt = app.claims_for("slt");
    other_slt["sub"] = json!("test-other-slt");
    other_slt["agency_id"] = json!(other_id.to_string());
    let other_slt = app.hs256(&other_slt);
    let answer = app
        .graphql_as(
            Some(&other_slt),
            Some("DIRECT_SUPPORT"),
            &submit_advice(),
            json!({ "r": request_id, "i": advice_input("Not asked") }),
        )
        .await;
    refused(&answer, "submitAdvice", "FORBIDDEN");
    let inbox = app
        .graphql_as(
            Some(&other_slt),
            Some("DIRECT_SUPPORT"),
            &advice_requests(),
            json!({}),
        )
        .await;
    assert_eq!(about(&ok(&inbox, "adviceRequests"), child), json!([]));
    for persona in ["ep", "case-officer", "parent", "ig-auditor"] {
        let answer = call(
            &app,
            persona,
            &submit_advice(),
            json!({ "r": request_id, "i": advice_input("Not asked") }),
        )
        .await;
        refused(&answer, "submitAdvice", "FORBIDDEN");
    }
    let unknown = call(
        &app,
        "slt",
        &submit_advice(),
        json!({ "r": Uuid::new_v4(), "i": advice_input("No such request") }),
    )
    .await;
    refused(&unknown, "submitAdvice", "NOT_FOUND");
    let submitted = call(
        &app,
        "slt",
        &submit_advice(),
        json!({ "r": request_id, "i": advice_input("Advice") }),
    )
    .await;
    let advice_id = id_of(&ok(&submitted, "submitAdvice"));
    let twice = call(
        &app,
        "slt",
        &submit_advice(),
        json!({ "r": request_id, "i": advice_input("Advice again") }),
    )
    .await;
    bad_input(&twice, "submitAdvice", "requestId");
    // Reuse is the case officer's too, and an answered request stays answered.
    for persona in ["slt", "ep", "parent"] {
        let answer = call(
            &app,
            persona,
            &reuse_advice(),
            json!({ "r": request_id, "c": advice_id, "author": true, "family": true }),
        )
        .await;
        refused(&answer, "reuseAdvice", "FORBIDDEN");
    }
    let answered = call(
        &app,
        "case-officer",
        &reuse_advice(),
        json!({ "r": request_id, "c": advice_id, "author": true, "family": true }),
    )
    .await;
    bad_input(&answered, "reuseAdvice", "requestId");
    let view = ok(
        &call(&app, "case-officer", &assessment(), json!({ "c": child })).await,
        "assessment",
    );
    let request = request_to(&view, SLT);
    assert_eq!(request["answer"], "SUBMITTED");
    assert_eq!(request["contributionId"], advice_id);
}

/// Reused advice must be the asked agency's current advice on the asked
/// scope, about the same child: not a version its author has since replaced.
#[tokio::test]
async fn only_current_advice_of_the_asked_agency_about_the_child_is_reused() {
    let app = spawn_app().await;
    let child = register_child(&app, 8, "person-yp-reuse", "person-mum-reuse").await;
    let today = Utc::now().date_naive();
    let write = |scope: &str, title: &str, supersedes: Option<&str>| json!({ "scope": scope, "kind": "ADVICE", "title": title, "supersedes": supersedes });
    let old = call(
        &app,
        "ep",
        &contribute(),
        json!({ "c": child, "i": write("PSYCHOLOGY", "2024 advice", None) }),
    )
    .await;
    let old = id_of(&ok(&old, "contribute"));
    let new = call(
        &app,
        "ep",
        &contribute(),
        json!({ "c": child, "i": write("PSYCHOLOGY", "2025 advice", Some(&old)) }),
    )
    .await;
    let new = id_of(&ok(&new, "contribute"));
    let amira = call(
        &app,
        "ep",
        &contribute(),
        json!({ "c": AMIRA, "i": write("PSYCHOLOGY", "Amira's advice", None) }),
    )
    .await;
    let amira = id_of(&ok(&amira, "contribute"));
    let slt = call(
        &app,
        "slt",
        &contribute(),
        json!({ "c": child, "i": write("COMMUNICATION", "SLT advice", None) }),
    )
    .await;
    let slt = id_of(&ok(&slt, "contribute"));

    let started = call(
        &app,
        "case-officer",
        &start(),
        json!({ "c": child, "on": (today - chrono::Duration::days(30)).to_string() }),
    )
    .await;
    let assessment_id = id_of(&ok(&started, "startAssessment"));
    ok(
        &call(
            &app,
            "case-officer",
            &decide(),
            json!({ "a": assessment_id, "assess": true, "on": today.to_string() }),
        )
        .await,
        "recordDecisionToAssess",
    );
    let asked = call(
        &app,
        "case-officer",
        &request_advice(),
        json!({ "a": assessment_id, "agency": EP, "scope": "PSYCHOLOGY" }),
    )
    .await;
    let request_id = id_of(&ok(&asked, "requestAdvice"));
    let reuse = |contribution: &str| json!({ "r": request_id, "c": contribution, "author": true, "family": true });
    for (contribution, why) in [
        (&amira, "another child's advice"),
        (&slt, "another agency's advice"),
        (&old, "advice its author has replaced"),
    ] {
        let answer = call(&app, "case-officer", &reuse_advice(), reuse(contribution)).await;
        assert_eq!(
            answer.codes(),
            vec!["BAD_USER_INPUT"],
            "{why} must not be reused: {answer:?}"
        );
        assert_eq!(
            answer.body["errors"][0]["extensions"]["field"], "contributionId",
            "{why}: {answer:?}"
        );
    }
    let reused = call(&app, "case-officer", &reuse_advice(), reuse(&new)).await;
    let request = ok(&reused, "reuseAdvice");
    assert_eq!(request["answer"], "REUSED");
    assert_eq!(request["contributionId"], new);
}

// ---------------------------------------------------------------------------
// All about me
// ---------------------------------------------------------------------------

fn aam_input(n: u32) -> Value {
    json!({
        "whatMatters": format!("Version {n}: drawing, my cat and my cousins ({MARK})."),
        "howToSupport": format!("Version {n}: give me time and show me, don't just tell me."),
        "aspirations": format!("Version {n}: I want to be a vet."),
        "history": format!("Version {n}: moved school in Year 3."),
    })
}

/// A version without its time: the hub returns the time it wrote, and the
/// database may keep it at a coarser precision.
fn without_time(version: &Value) -> Value {
    let mut v = version.clone();
    if let Some(o) = v.as_object_mut() {
        o.remove("writtenAt");
    }
    v
}

fn versions_without_time(history: &[Value]) -> Vec<Value> {
    history.iter().map(without_time).collect()
}

async fn history_of(app: &TestApp, token: &str, child: Uuid) -> Vec<Value> {
    let answer = app
        .graphql_as(Some(token), None, &aam_history(), json!({ "c": child }))
        .await;
    ok(&answer, "allAboutMeHistory")
        .as_array()
        .expect("a list")
        .clone()
}

/// Amira's parents write "all about me" twice: both versions are kept with
/// who wrote them; the record shows the latest to the family and to an
/// agency with consent, and withholds it from one without.
#[tokio::test]
async fn all_about_me_keeps_every_version_and_is_read_under_consent() {
    let app = spawn_app().await;
    let mother = app.token_for("parent");
    let before = history_of(&app, &mother, AMIRA).await.len();

    let first = call(
        &app,
        "parent",
        &update_aam(),
        json!({ "c": AMIRA, "i": aam_input(1) }),
    )
    .await;
    let first = ok(&first, "updateAllAboutMe");
    assert_eq!(first["version"], before + 1);
    assert_eq!(first["writtenBy"], PARENT_PERSON);
    assert_eq!(first["writtenAs"], "PARENT");
    assert_eq!(first["whatMatters"], aam_input(1)["whatMatters"]);
    assert!(first["writtenAt"].is_string());

    // Her father also holds parental responsibility.
    let father = family_token(&app, "demo-person-imran-khan");
    let second = app
        .graphql_as(
            Some(&father),
            None,
            &update_aam(),
            json!({ "c": AMIRA, "i": aam_input(2) }),
        )
        .await;
    let second = ok(&second, "updateAllAboutMe");
    assert_eq!(second["version"], before + 2);
    assert_eq!(second["writtenBy"], "demo-person-imran-khan");
    assert_eq!(second["writtenAs"], "PARENT");

    let history = history_of(&app, &mother, AMIRA).await;
    assert_eq!(history.len(), before + 2, "{history:?}");
    assert_eq!(
        without_time(&history[before]),
        without_time(&first),
        "the first version is kept as written"
    );
    assert_eq!(without_time(&history[before + 1]), without_time(&second));
    // The father sees the same history.
    assert_eq!(history_of(&app, &father, AMIRA).await, history);

    let latest = json!({
        "whatMatters": aam_input(2)["whatMatters"], "howToSupport": aam_input(2)["howToSupport"],
        "aspirations": aam_input(2)["aspirations"], "history": aam_input(2)["history"],
    });
    let read = call(&app, "parent", READ_AAM, json!({ "id": AMIRA })).await;
    assert_eq!(ok(&read, "child")["allAboutMe"], latest, "{read:?}");
    // CAMHS has Amira's mother's consent for ALL_ABOUT_ME: the same words.
    let read = call(&app, "camhs", READ_AAM, json!({ "id": AMIRA })).await;
    assert_eq!(ok(&read, "child")["allAboutMe"], latest, "{read:?}");
    // SLT's consent was withdrawn: withheld, and none of the words leak.
    let read = call(&app, "slt", READ_AAM, json!({ "id": AMIRA })).await;
    assert!(
        read.body["data"]["child"]["allAboutMe"].is_null(),
        "{read:?}"
    );
    let error = read
        .error_at(&["child", "allAboutMe"])
        .unwrap_or_else(|| panic!("no error at allAboutMe: {read:?}"));
    assert_eq!(error["extensions"]["code"], "CONSENT_REQUIRED");
    assert_eq!(error["extensions"]["scope"], "ALL_ABOUT_ME");
    assert!(!read.body.to_string().contains(MARK), "{read:?}");

    // Someone with no link to Amira can neither write nor read the history;
    // nor can a practitioner write the family's words.
    let stranger = family_token(&app, "person-stranger");
    let answer = app
        .graphql_as(
            Some(&stranger),
            None,
            &update_aam(),
            json!({ "c": AMIRA, "i": aam_input(3) }),
        )
        .await;
    refused(&answer, "updateAllAboutMe", "NOT_FOUND");
    let answer = app
        .graphql_as(Some(&stranger), None, &aam_history(), json!({ "c": AMIRA }))
        .await;
    refused(&answer, "allAboutMeHistory", "NOT_FOUND");
    assert!(!answer.body.to_string().contains(MARK));
    let answer = call(
        &app,
        "camhs",
        &update_aam(),
        json!({ "c": AMIRA, "i": aam_input(3) }),
    )
    .await;
    assert!(
        answer.body["data"].is_null() || answer.body["data"]["updateAllAboutMe"].is_null(),
        "{answer:?}"
    );
    assert!(
        matches!(answer.codes().as_slice(), [c] if c == "NOT_FOUND" || c == "FORBIDDEN"),
        "{answer:?}"
    );
    let unknown = call(
        &app,
        "parent",
        &update_aam(),
        json!({ "c": Uuid::new_v4(), "i": aam_input(3) }),
    )
    .await;
    refused(&unknown, "updateAllAboutMe", "NOT_FOUND");
    // Text is checked.
    let mut bad = aam_input(3);
    bad["whatMatters"] = json!("bell\u{7}");
    let answer = call(
        &app,
        "parent",
        &update_aam(),
        json!({ "c": AMIRA, "i": bad }),
    )
    .await;
    bad_input(&answer, "updateAllAboutMe", "whatMatters");
    assert_eq!(
        history_of(&app, &mother, AMIRA).await,
        history,
        "nothing refused was kept"
    );
}

/// The young person writes their own views, whatever their age: Chloe at
/// 17, and a 10-year-old alongside their mother. After the hand-over at 16,
/// Chloe's mother no longer writes for her.
#[tokio::test]
async fn young_people_write_their_own_views_at_any_age() {
    let app = spawn_app().await;
    let chloe = app.token_for("young-person");
    let before = history_of(&app, &chloe, CHLOE).await.len();
    let written = call(
        &app,
        "young-person",
        &update_aam(),
        json!({ "c": CHLOE, "i": { "whatMatters": format!("Ask me, not my mum ({MARK}).") } }),
    )
    .await;
    let written = ok(&written, "updateAllAboutMe");
    assert_eq!(written["writtenAs"], "YOUNG_PERSON");
    assert_eq!(written["writtenBy"], YOUNG_PERSON);
    assert_eq!(written["version"], before + 1);
    let history = history_of(&app, &chloe, CHLOE).await;
    assert_eq!(
        history.last().map(without_time),
        Some(without_time(&written))
    );
    let read = call(&app, "young-person", READ_AAM, json!({ "id": CHLOE })).await;
    assert_eq!(
        ok(&read, "child")["allAboutMe"]["whatMatters"],
        written["whatMatters"]
    );
    // Amira's mother has nothing to do with Chloe's record.
    let answer = call(&app, "parent", &aam_history(), json!({ "c": CHLOE })).await;
    refused(&answer, "allAboutMeHistory", "NOT_FOUND");
    // Chloe's mother, past the hand-over, does not write for her.
    let rhian = family_token(&app, "demo-person-rhian-evans");
    let answer = app
        .graphql_as(
            Some(&rhian),
            None,
            &update_aam(),
            json!({ "c": CHLOE, "i": aam_input(9) }),
        )
        .await;
    refused(&answer, "updateAllAboutMe", "NOT_FOUND");
    assert_eq!(history_of(&app, &chloe, CHLOE).await, history);

    // A 10-year-old and their mother.
    let child = register_child(&app, 10, "person-yp-ten", "person-mum-ten").await;
    let young = young_person_token(&app, "person-yp-ten");
    let mum = family_token(&app, "person-mum-ten");
    let own = app
        .graphql_as(
            Some(&young),
            None,
            &update_aam(),
            json!({ "c": child, "i": { "whatMatters": "Football and my dog." } }),
        )
        .await;
    let own = ok(&own, "updateAllAboutMe");
    assert_eq!(
        (&own["version"], &own["writtenAs"], &own["writtenBy"]),
        (&json!(1), &json!("YOUNG_PERSON"), &json!("person-yp-ten"))
    );
    let parents = app
        .graphql_as(
            Some(&mum),
            None,
            &update_aam(),
            json!({ "c": child, "i": { "howToSupport": "Warn him before changes." } }),
        )
        .await;
    let parents = ok(&parents, "updateAllAboutMe");
    assert_eq!(
        (
            &parents["version"],
            &parents["writtenAs"],
            &parents["writtenBy"]
        ),
        (&json!(2), &json!("PARENT"), &json!("person-mum-ten"))
    );
    let history = history_of(&app, &young, child).await;
    assert_eq!(
        versions_without_time(&history),
        vec![without_time(&own), without_time(&parents)]
    );
    assert_eq!(history_of(&app, &mum, child).await, history);
    // Another young person's token does not reach this record.
    let other = young_person_token(&app, "person-yp-other");
    let answer = app
        .graphql_as(Some(&other), None, &aam_history(), json!({ "c": child }))
        .await;
    refused(&answer, "allAboutMeHistory", "NOT_FOUND");
}

// ---------------------------------------------------------------------------
// Contributions
// ---------------------------------------------------------------------------

/// An agency contributes only to scopes the agreement lets its kind
/// contribute to, for purposes the agreement lists.
#[tokio::test]
async fn a_contribution_outside_the_agreement_is_not_permitted() {
    let app = spawn_app().await;
    for (persona, purpose, scope) in [
        ("slt", "DIRECT_SUPPORT", "MENTAL_HEALTH"),
        ("camhs", "DIRECT_SUPPORT", "COMMUNICATION"),
        ("ep", "DIRECT_SUPPORT", "SEN_NEEDS"),
        ("senco", "DIRECT_SUPPORT", "RESTRICTED"),
        // SLT contributes to COMMUNICATION, but not for safeguarding.
        ("slt", "SAFEGUARDING", "COMMUNICATION"),
    ] {
        let answer = call_for(
            &app,
            persona,
            purpose,
            &contribute(),
            json!({ "c": AMIRA, "i": { "scope": scope, "title": format!("Outside ({MARK})") } }),
        )
        .await;
        refused(&answer, "contribute", "NOT_PERMITTED");
        assert_eq!(
            answer.body["errors"][0]["extensions"]["scope"], scope,
            "{persona} to {scope}: {answer:?}"
        );
    }
    // Families and IG staff do not contribute.
    for persona in ["parent", "ig-auditor"] {
        let answer = call(
            &app,
            persona,
            &contribute(),
            json!({ "c": AMIRA, "i": { "scope": "COMMUNICATION", "title": format!("Not an agency ({MARK})") } }),
        )
        .await;
        refused(&answer, "contribute", "FORBIDDEN");
    }
    // Within the agreement it works; a title is required.
    let untitled = call(
        &app,
        "slt",
        &contribute(),
        json!({ "c": AMIRA, "i": { "scope": "COMMUNICATION", "title": "  " } }),
    )
    .await;
    bad_input(&untitled, "contribute", "title");
    let unknown = call(
        &app,
        "slt",
        &contribute(),
        json!({ "c": Uuid::new_v4(), "i": { "scope": "COMMUNICATION", "title": "Nobody" } }),
    )
    .await;
    refused(&unknown, "contribute", "NOT_FOUND");
    let answer = call(
        &app,
        "slt",
        &contribute(),
        json!({ "c": AMIRA, "i": { "scope": "COMMUNICATION", "title": format!("Inside ({MARK})") } }),
    )
    .await;
    let c = ok(&answer, "contribute");
    assert_eq!(c["kind"], "UPDATE", "the default kind");
    // Nothing refused was stored: the family sees only the one contribution.
    let (_, all) = contributions_as(&app, "parent", None, AMIRA, None, true).await;
    assert_eq!(ids(&marked(&all)), vec![id_of(&c)], "{all}");
}

/// A contribution is replaced, never edited: the replacement by the same
/// agency makes the old one not current (still there with
/// includeSuperseded); another agency's contribution cannot be replaced,
/// nor one already replaced.
#[tokio::test]
async fn a_replacement_supersedes_the_agencys_own_contribution_once() {
    let app = spawn_app().await;
    let write = |title: &str, supersedes: Option<&str>| {
        json!({ "c": AMIRA, "i": {
            "scope": "COMMUNICATION", "kind": "ASSESSMENT",
            "title": format!("{title} ({MARK})"),
            "needs": format!("{MARK}: word-finding difficulties."),
            "supersedes": supersedes } })
    };
    let first = ok(
        &call(&app, "slt", &contribute(), write("Assessment", None)).await,
        "contribute",
    );
    let first_id = id_of(&first);
    assert!(first["supersedes"].is_null());
    assert_eq!(first["scope"], "COMMUNICATION");
    assert_eq!(first["agencyId"], SLT.to_string());
    assert_eq!(first["agencyKind"], "SLT");
    assert_eq!(first["author"], "test-slt");
    assert!(first["createdAt"].is_string());

    let second = ok(
        &call(
            &app,
            "slt",
            &contribute(),
            write("Corrected assessment", Some(&first_id)),
        )
        .await,
        "contribute",
    );
    let second_id = id_of(&second);
    assert_eq!(second["supersedes"], first_id);
    assert_eq!(second["current"], true);

    // The family (and SLT itself) see the current one, and the history on request.
    for (persona, purpose) in [("parent", None), ("slt", Some("DIRECT_SUPPORT"))] {
        let (answer, current) =
            contributions_as(&app, persona, purpose, AMIRA, Some("COMMUNICATION"), false).await;
        assert_eq!(
            ids(&marked(&current)),
            vec![second_id.clone()],
            "{persona}: {answer:?}"
        );
        let (answer, all) =
            contributions_as(&app, persona, purpose, AMIRA, Some("COMMUNICATION"), true).await;
        let all = marked(&all);
        assert_eq!(
            ids(&all),
            vec![first_id.clone(), second_id.clone()],
            "{persona}: {answer:?}"
        );
        assert_eq!(all[0]["current"], false);
        assert_eq!(all[0]["title"], format!("Assessment ({MARK})"), "unchanged");
        assert_eq!(all[1]["current"], true);
    }

    // Replacing it again, or replacing another agency's, is refused.
    let again = call(&app, "slt", &contribute(), write("Third", Some(&first_id))).await;
    bad_input(&again, "contribute", "supersedes");
    let by_school = call(
        &app,
        "senco",
        &contribute(),
        write("School's", Some(&second_id)),
    )
    .await;
    bad_input(&by_school, "contribute", "supersedes");
    let unknown = call(
        &app,
        "slt",
        &contribute(),
        write("Unknown", Some(&Uuid::new_v4().to_string())),
    )
    .await;
    bad_input(&unknown, "contribute", "supersedes");
    let (_, all) = contributions_as(&app, "parent", None, AMIRA, None, true).await;
    assert_eq!(
        ids(&marked(&all)),
        vec![first_id, second_id],
        "nothing refused was stored"
    );
}

/// An agency always sees what it contributed itself; everyone else sees it
/// only under the decision for its scope (real clock: Amira's consent for
/// SLT was withdrawn ten days ago; her school has consent for
/// COMMUNICATION; the agreement never lets CAMHS read it).
#[tokio::test]
async fn an_agency_always_sees_its_own_contributions_and_others_only_under_consent() {
    let app = spawn_app().await;
    let added = call(
        &app,
        "slt",
        &contribute(),
        json!({ "c": AMIRA, "i": { "scope": "COMMUNICATION", "kind": "UPDATE",
            "title": format!("Therapy update ({MARK})") } }),
    )
    .await;
    let slt_id = id_of(&ok(&added, "contribute"));

    let (answer, own) = contributions_as(
        &app,
        "slt",
        Some("DIRECT_SUPPORT"),
        AMIRA,
        Some("COMMUNICATION"),
        false,
    )
    .await;
    assert_eq!(ids(&marked(&own)), vec![slt_id.clone()], "{answer:?}");
    let withheld = answer
        .error_at(&["child", "communication"])
        .unwrap_or_else(|| panic!("COMMUNICATION should be withheld from SLT: {answer:?}"));
    assert_eq!(withheld["extensions"]["code"], "CONSENT_REQUIRED");

    let (answer, school) = contributions_as(
        &app,
        "senco",
        Some("DIRECT_SUPPORT"),
        AMIRA,
        Some("COMMUNICATION"),
        false,
    )
    .await;
    assert_eq!(ids(&marked(&school)), vec![slt_id.clone()], "{answer:?}");
    let (answer, parent) = contributions_as(&app, "parent", None, AMIRA, None, false).await;
    assert_eq!(ids(&marked(&parent)), vec![slt_id.clone()], "{answer:?}");

    for persona in ["camhs", "ot", "yot"] {
        let (answer, list) =
            contributions_as(&app, persona, Some("DIRECT_SUPPORT"), AMIRA, None, true).await;
        assert_eq!(marked(&list), json!([]), "{persona}: {answer:?}");
        assert!(
            !answer.body.to_string().contains(MARK),
            "{persona}: {answer:?}"
        );
    }

    // The trace says why SLT saw it.
    let entries = trace_entries(
        &app,
        json!({ "childId": AMIRA, "basis": "OWN_CONTRIBUTION" }),
    )
    .await;
    assert!(
        entries.iter().any(|e| e["actorSubject"] == "test-slt"
            && e["basis"].as_array().is_some_and(|b| b
                .iter()
                .any(|b| b["scope"] == "COMMUNICATION" && b["kind"] == "OWN_CONTRIBUTION"))),
        "{entries:?}"
    );
}

// ---------------------------------------------------------------------------
// The trace
// ---------------------------------------------------------------------------

/// Every tell-it-once write leaves its own entry naming who, which child,
/// and ids, codes and dates: never the words written.
#[tokio::test]
async fn every_write_leaves_its_trace_entry_without_free_text() {
    let app = spawn_app().await;
    let today = Utc::now().date_naive();
    let child = json!(AMIRA);

    let aam = call(
        &app,
        "parent",
        &update_aam(),
        json!({ "c": child, "i": aam_input(1) }),
    )
    .await;
    let version = ok(&aam, "updateAllAboutMe")["version"].clone();
    let ep = call(
        &app,
        "ep",
        &contribute(),
        json!({ "c": child, "i": {
            "scope": "PSYCHOLOGY", "kind": "ADVICE", "title": format!("EP advice ({MARK})"),
            "needs": format!("{MARK} needs"), "notes": format!("{MARK} notes") } }),
    )
    .await;
    let ep_id = id_of(&ok(&ep, "contribute"));
    let started = call(
        &app,
        "case-officer",
        &start(),
        json!({ "c": child, "on": (today - chrono::Duration::days(10)).to_string() }),
    )
    .await;
    let assessment_id = id_of(&ok(&started, "startAssessment"));
    ok(
        &call(
            &app,
            "case-officer",
            &decide(),
            json!({ "a": assessment_id, "assess": true, "on": today.to_string() }),
        )
        .await,
        "recordDecisionToAssess",
    );
    ok(
        &call(
            &app,
            "case-officer",
            &exception(),
            json!({ "a": assessment_id, "on": today.to_string(),
                    "note": format!("{MARK}: the family were away.") }),
        )
        .await,
        "recordException",
    );
    let slt_request = call(
        &app,
        "case-officer",
        &request_advice(),
        json!({ "a": assessment_id, "agency": SLT, "scope": "COMMUNICATION" }),
    )
    .await;
    let slt_request = id_of(&ok(&slt_request, "requestAdvice"));
    let ep_request = call(
        &app,
        "case-officer",
        &request_advice(),
        json!({ "a": assessment_id, "agency": EP, "scope": "PSYCHOLOGY" }),
    )
    .await;
    let ep_request = id_of(&ok(&ep_request, "requestAdvice"));
    let submitted = call(
        &app,
        "slt",
        &submit_advice(),
        json!({ "r": slt_request, "i": advice_input("SLT advice") }),
    )
    .await;
    let slt_advice = id_of(&ok(&submitted, "submitAdvice"));
    ok(
        &call(
            &app,
            "case-officer",
            &reuse_advice(),
            json!({ "r": ep_request, "c": ep_id, "author": true, "family": true }),
        )
        .await,
        "reuseAdvice",
    );

    let only = |entries: Vec<Value>, action: &str| -> Value {
        assert_eq!(entries.len(), 1, "one {action} entry: {entries:?}");
        entries[0].clone()
    };
    let of = |action: &'static str| json!({ "childId": AMIRA, "action": action });

    let e = only(
        trace_entries(&app, of("ALL_ABOUT_ME_UPDATED")).await,
        "ALL_ABOUT_ME_UPDATED",
    );
    assert_eq!(e["actorSubject"], "test-parent");
    assert_eq!(e["childId"], AMIRA.to_string());
    assert_eq!(detail(&e, "version"), Some(version.to_string()));

    let e = only(trace_entries(&app, of("CONTRIBUTE")).await, "CONTRIBUTE");
    assert_eq!(e["actorSubject"], "test-ep");
    assert_eq!(e["actorAgencyId"], EP.to_string());
    assert_eq!(e["actorAgencyKind"], "EP");
    assert_eq!(e["purpose"], "DIRECT_SUPPORT");
    assert_eq!(detail(&e, "contribution_id"), Some(ep_id.clone()));
    assert_eq!(detail(&e, "scope").as_deref(), Some("PSYCHOLOGY"));
    assert_eq!(detail(&e, "kind").as_deref(), Some("ADVICE"));

    let e = only(
        trace_entries(&app, of("ASSESSMENT_STARTED")).await,
        "ASSESSMENT_STARTED",
    );
    assert_eq!(e["actorSubject"], "test-case-officer");
    assert_eq!(detail(&e, "assessment_id"), Some(assessment_id.clone()));

    let steps = trace_entries(&app, of("ASSESSMENT_STEP")).await;
    let mut kinds: Vec<String> = steps.iter().filter_map(|e| detail(e, "step")).collect();
    kinds.sort();
    assert_eq!(kinds, vec!["DECIDED_TO_ASSESS", "EXCEPTION"], "{steps:?}");
    for e in &steps {
        assert_eq!(e["actorSubject"], "test-case-officer");
        assert_eq!(detail(e, "assessment_id"), Some(assessment_id.clone()));
        assert_eq!(detail(e, "on"), Some(today.to_string()));
    }

    let asked = trace_entries(&app, of("ADVICE_REQUESTED")).await;
    let mut pairs: Vec<(Option<String>, Option<String>, Option<String>)> = asked
        .iter()
        .map(|e| {
            (
                detail(e, "request_id"),
                detail(e, "agency_id"),
                detail(e, "scope"),
            )
        })
        .collect();
    pairs.sort();
    let mut expected = vec![
        (
            Some(slt_request.clone()),
            Some(SLT.to_string()),
            Some("COMMUNICATION".to_owned()),
        ),
        (
            Some(ep_request.clone()),
            Some(EP.to_string()),
            Some("PSYCHOLOGY".to_owned()),
        ),
    ];
    expected.sort();
    assert_eq!(pairs, expected, "{asked:?}");

    let e = only(
        trace_entries(&app, of("ADVICE_SUBMITTED")).await,
        "ADVICE_SUBMITTED",
    );
    assert_eq!(e["actorSubject"], "test-slt");
    assert_eq!(e["actorAgencyId"], SLT.to_string());
    assert_eq!(detail(&e, "request_id"), Some(slt_request.clone()));
    assert_eq!(detail(&e, "contribution_id"), Some(slt_advice));

    let e = only(
        trace_entries(&app, of("ADVICE_REUSED")).await,
        "ADVICE_REUSED",
    );
    assert_eq!(e["actorSubject"], "test-case-officer");
    assert_eq!(detail(&e, "request_id"), Some(ep_request));
    assert_eq!(detail(&e, "contribution_id"), Some(ep_id));

    // None of the words written reach the trace, in any entry.
    let everything = trace_entries(&app, json!({})).await;
    assert!(everything.len() >= 10, "{everything:?}");
    for e in &everything {
        assert!(!e.to_string().contains(MARK), "free text in the trace: {e}");
        assert!(!e.to_string().contains("the family were away"), "{e}");
    }
}

// ---------------------------------------------------------------------------
// Requests that arrive together
// ---------------------------------------------------------------------------

/// A contribution is replaced once, even when several replacements arrive
/// at the same moment.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn simultaneous_replacements_still_replace_once() {
    let app = spawn_app().await;
    let first = call(
        &app,
        "slt",
        &contribute(),
        json!({ "c": AMIRA, "i": { "scope": "COMMUNICATION", "title": "Original" } }),
    )
    .await;
    let first_id = id_of(&ok(&first, "contribute"));
    let query = contribute();
    let replacements = futures_util::future::join_all((0..8).map(|n| {
        call(
            &app,
            "slt",
            &query,
            json!({ "c": AMIRA, "i": { "scope": "COMMUNICATION",
                "title": format!("Replacement {n}"), "supersedes": first_id } }),
        )
    }))
    .await;
    let accepted = replacements
        .iter()
        .filter(|a| a.body["errors"].is_null())
        .count();
    for answer in replacements.iter().filter(|a| !a.body["errors"].is_null()) {
        bad_input(answer, "contribute", "supersedes");
    }
    let (_, all) = contributions_as(&app, "parent", None, AMIRA, None, true).await;
    let replacing: Vec<(&Value, &Value)> = all
        .as_array()
        .expect("list")
        .iter()
        .filter(|c| c["supersedes"] == first_id)
        .map(|c| (&c["title"], &c["current"]))
        .collect();
    assert_eq!(
        (accepted, replacing.len()),
        (1, 1),
        "one replacement of {first_id}; stored (title, current): {replacing:?}"
    );
}

/// A child has one assessment in progress, even when the case officer's
/// request to start it is sent several times at once (a double click, a
/// retry).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn simultaneous_starts_still_start_one_assessment() {
    let app = spawn_app().await;
    let child = register_child(&app, 7, "person-yp-race", "person-mum-race").await;
    let received = (Utc::now().date_naive() - chrono::Duration::days(3)).to_string();
    let query = start();
    let starts = futures_util::future::join_all((0..8).map(|_| {
        call(
            &app,
            "case-officer",
            &query,
            json!({ "c": child, "on": received }),
        )
    }))
    .await;
    let started: Vec<String> = starts
        .iter()
        .filter(|a| a.body["errors"].is_null())
        .map(|a| id_of(&a.body["data"]["startAssessment"]))
        .collect();
    for answer in starts.iter().filter(|a| !a.body["errors"].is_null()) {
        bad_input(answer, "startAssessment", "childId");
    }
    let entries = trace_entries(
        &app,
        json!({ "childId": child, "action": "ASSESSMENT_STARTED" }),
    )
    .await;
    assert_eq!(
        (started.len(), entries.len()),
        (1, 1),
        "one assessment in progress, started: {started:?}"
    );
}
