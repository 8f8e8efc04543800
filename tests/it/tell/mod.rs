//! Tell it once over HTTP: "all about me" versions, contributions with
//! provenance and supersedes, the EHC needs assessment on the statutory
//! clock (with advice asked for once, submitted or reused), who may do and
//! see what, and the trace every write leaves.
//!
//! The statutory-clock tests fix the hub's clock (`Settings::fixed_now`). To
//! move time on, they start another hub with a later clock over the same
//! database: the hub is stateless, so a later hub sees everything an earlier
//! one wrote (a [`Team`] made on each hub is the same team).
//!
//! Each test builds its own child, family and consent with
//! `crate::fixtures`; [`Team`] names the people who act.

/// Reused advice: only the asked agency's current advice about the same child.
mod advice;
/// "All about me": every version kept, read under consent, written by young people.
mod all_about_me;
/// The EHC needs assessment on the statutory clock, and who runs and answers it.
mod assessment;
/// The reg 6(1) advice checklist and the draft it holds back.
mod checklist;
/// The statutory clock right in every case: exceptions per limit, the
/// six-week cap on advice, the notice not to issue, reuse confirmed by each
/// person.
mod clock;
/// Requests that arrive together: one replacement, one assessment.
mod concurrency;
/// Contributions: within the agreement, superseded once, seen under consent.
mod contributions;
/// The family's history of the assessment, one true sentence per step.
mod history;
/// Advice templates served and published; structured advice checked
/// against them, every problem named at once.
pub(crate) mod templates;
/// The family's view of an assessment, pinned as a snapshot at a fixed clock.
mod timeline;
/// Every tell-it-once write leaves its trace entry, without free text.
mod write_trace;

use domain::AgencyKind;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::fixtures::{Agency, Persona};
use crate::helpers::*;

/// In every piece of free text the tests write, so that the trace can be
/// searched for it.
const MARK: &str = "Kestrel";

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

/// An exception: by default the family's absence, attached to the final
/// plan's limit (`$limit`, `$exception` and `$r`, the advice request, may
/// be given).
fn exception() -> String {
    format!(
        "mutation($a: ID!, $on: Date!, $note: String, $limit: TimeLimit! = FINAL_PLAN,
                  $exception: ClockException! = FAMILY_ABSENT, $r: ID) {{
           recordException(assessmentId: $a, limit: $limit, exception: $exception, on: $on,
                           adviceRequestId: $r, note: $note) {{ {} }} }}",
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
        "mutation($r: ID!, $c: ID!) {{
           reuseAdvice(requestId: $r, contributionId: $c) {{ {REQUEST_FIELDS} }} }}"
    )
}

const CONFIRMATION_FIELDS: &str =
    "id requestId contributionId party method confirmedOn confirmedBy recordedBy";

/// The caller confirms, for themself, that advice may be reused.
fn confirm_reuse() -> String {
    format!(
        "mutation($r: ID!, $c: ID!) {{
           confirmAdviceReuse(requestId: $r, contributionId: $c) {{ {CONFIRMATION_FIELDS} }} }}"
    )
}

/// A case officer records a written or verbal confirmation.
fn record_reuse() -> String {
    format!(
        "mutation($r: ID!, $c: ID!, $party: ReuseParty!, $method: CaptureMethod! = WRITTEN,
                  $evidence: String! = \"Reuse form RF-1 ({MARK})\") {{
           recordReuseConfirmation(requestId: $r, contributionId: $c, party: $party,
                                   method: $method, evidence: $evidence) {{ {CONFIRMATION_FIELDS} }} }}"
    )
}

/// The author (as `author`, a team member) and the family (recorded on
/// paper by the case officer) confirm `contribution` for `request`.
async fn confirm_both(team: &Team<'_>, author: &str, request: &str, contribution: &str) {
    let vars = json!({ "r": request, "c": contribution });
    ok(
        &team.call(author, &confirm_reuse(), vars.clone()).await,
        "confirmAdviceReuse",
    );
    let mut family = vars;
    family["party"] = json!("FAMILY");
    ok(
        &team.call("case-officer", &record_reuse(), family).await,
        "recordReuseConfirmation",
    );
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

/// The team's agencies (fixed ids: see [`Team`]).
const fn team_agency(n: u128) -> Uuid {
    Uuid::from_u128(0x7ea3_0000_0000_4000_8000_0000_0000_0000 | n)
}
const SCHOOL: Uuid = team_agency(1);
const SLT: Uuid = team_agency(2);
const CAMHS: Uuid = team_agency(3);
const EP: Uuid = team_agency(4);
const OT: Uuid = team_agency(5);
const YOT: Uuid = team_agency(6);
const SCHOOL_NAME: &str = "Riverside Primary School";
const SLT_NAME: &str = "Northshire Children's Speech and Language Therapy";
const EP_NAME: &str = "Northshire Educational Psychology Service";
const CAMHS_NAME: &str = "Northshire CAMHS";

/// The people these tests act as, each a fixture persona: practitioners of
/// a school, speech and language therapy, CAMHS, educational psychology,
/// occupational therapy and youth justice (each agency in the register),
/// the council's case officer and IG staff, and a mother signed in as
/// `parent-1`. Children, families and consent are set up by each test.
///
/// The agencies have fixed ids, so a team made on a later hub over the
/// same database (another clock) is the same team.
struct Team<'a> {
    school: Agency,
    slt: Agency,
    camhs: Agency,
    ep: Agency,
    people: Vec<(&'static str, Persona<'a>)>,
}

impl<'a> Team<'a> {
    async fn new(app: &'a TestApp) -> Self {
        let agency =
            |id, kind, name: &'static str| app.agency(kind).named(name).with_id(id).create();
        let school = agency(SCHOOL, AgencyKind::School, SCHOOL_NAME).await;
        let slt = agency(SLT, AgencyKind::Slt, SLT_NAME).await;
        let camhs = agency(CAMHS, AgencyKind::Camhs, CAMHS_NAME).await;
        let ep = agency(EP, AgencyKind::Ep, EP_NAME).await;
        let ot = agency(OT, AgencyKind::Ot, "Northshire Occupational Therapy").await;
        let yot = agency(YOT, AgencyKind::YouthJustice, "Northshire Youth Justice").await;
        let people = vec![
            ("senco", app.practitioner(&school)),
            ("slt", app.practitioner(&slt)),
            ("camhs", app.practitioner(&camhs)),
            ("ep", app.practitioner(&ep)),
            ("ot", app.practitioner(&ot)),
            ("yot", app.practitioner(&yot)),
            ("case-officer", app.case_officer().await),
            ("ig-auditor", app.ig_auditor().await),
            ("ig-admin", app.ig_admin().await),
            ("parent", app.family_member("parent-1")),
        ];
        Self {
            school,
            slt,
            camhs,
            ep,
            people,
        }
    }

    fn get(&self, name: &str) -> &Persona<'a> {
        self.people
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, p)| p)
            .unwrap_or_else(|| panic!("no {name} in the team"))
    }

    /// `name` stating `purpose` instead of their usual one.
    fn for_purpose(&self, name: &str, purpose: &str) -> Persona<'a> {
        self.get(name)
            .clone()
            .purpose(purpose.parse().expect("a purpose"))
    }

    /// A request as `name`, with their usual purpose.
    async fn call(&self, name: &str, query: &str, variables: Value) -> Answer {
        self.get(name).graphql(query, variables).await
    }
}

/// Records a current involvement with `child` of each team agency in
/// `agencies` (by its fixed id): the relationship a direct-support read
/// needs.
async fn involve_team(app: &TestApp, child: Uuid, agencies: &[Uuid]) {
    let kinds = [
        (SCHOOL, AgencyKind::School),
        (SLT, AgencyKind::Slt),
        (CAMHS, AgencyKind::Camhs),
        (EP, AgencyKind::Ep),
        (OT, AgencyKind::Ot),
        (YOT, AgencyKind::YouthJustice),
    ];
    for id in agencies {
        let (_, kind) = kinds
            .iter()
            .find(|(k, _)| k == id)
            .unwrap_or_else(|| panic!("{id} is not a team agency"));
        let agency = Agency {
            id: *id,
            name: String::new(),
            kind: *kind,
        };
        app.involve(child, &agency).await;
    }
}

/// A family member signed in as `person_id` (role family).
fn family_token(app: &TestApp, person_id: &str) -> String {
    let mut claims = app.family_member(person_id).claims();
    claims["sub"] = json!(format!("test-{person_id}"));
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

/// The contributions in `list` that these tests wrote (marked with
/// [`MARK`]).
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

/// A child's contributions as `persona` sees them, for its purpose.
async fn contributions_seen_by(
    persona: &Persona<'_>,
    child: Uuid,
    scope: Option<&str>,
    include_superseded: bool,
) -> (Answer, Value) {
    let answer = persona
        .graphql(
            &contributions(),
            json!({ "id": child, "scope": scope, "all": include_superseded }),
        )
        .await;
    let list = answer.body["data"]["child"]["contributions"].clone();
    assert!(
        list.is_array(),
        "{} should get a list of contributions: {answer:?}",
        persona.subject()
    );
    (answer, list)
}

/// Every entry of the access trace matching `filter`, as the council's IG
/// auditor.
async fn trace_seen_by_ig(app: &TestApp, filter: Value) -> Vec<Value> {
    let answer = app
        .ig_auditor()
        .await
        .graphql(TRACE, json!({ "filter": filter, "first": 500 }))
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

fn advice_input(title: &str) -> Value {
    json!({
        "kind": "ADVICE",
        "title": format!("{title} ({MARK})"),
        "needs": format!("{MARK}: needs in the family's and practitioner's words."),
        "outcomes": format!("{MARK}: outcomes sought."),
        "provision": format!("{MARK}: provision required."),
        "notes": format!("{MARK}: anything else."),
        "content": templates::advice_content(domain::template::Profession::SpeechLanguageTherapy),
    })
}

fn aam_input(n: u32) -> Value {
    json!({
        "whatMatters": format!("Version {n}: drawing, my cat and my cousins ({MARK})."),
        "howToSupport": format!("Version {n}: give me time and show me, don't just tell me."),
        "aspirations": format!("Version {n}: I want to be a vet."),
        "history": format!("Version {n}: moved school in Year 3."),
    })
}
