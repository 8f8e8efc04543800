//! Purposes bound to facts (issue 10), over HTTP: a statutory rule opens
//! only when the fact that makes its purpose true holds for this child and
//! this caller (an open EHC needs assessment, an advice request to the
//! caller's agency, a current involvement), and the decision, the child
//! view and the trace name that law and that fact.

use consent::Purpose;
use domain::{AgencyKind, Scope};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::fixtures::{Agency, Child};
use crate::helpers::*;

/// The child with every decision the caller's purpose gets.
const CHILD: &str = "query($id: ID!) { child(id: $id) {
  identity { givenName }
  allAboutMe { whatMatters }
  education { yearGroup }
  senNeeds { provision }
  mentalHealth { camhsStatus }
  access { scope allowed basis denial explanation
           lawfulBasis { article6 condition gateway citation }
           boundTo { kind id } }
} }";

const CONTRIBUTIONS: &str = "query($id: ID!) { child(id: $id) {
  contributions(includeSuperseded: true) { id scope agencyId kind title }
} }";

const START: &str = "mutation($c: ID!, $on: Date!) {
  startAssessment(childId: $c, requestReceivedOn: $on) { id } }";

const DECIDE: &str = "mutation($a: ID!, $on: Date!) {
  recordDecisionToAssess(assessmentId: $a, assess: true, on: $on) { id } }";

const REQUEST_ADVICE: &str = "mutation($a: ID!, $agency: ID!, $scope: Scope!, $attach: [Scope!]) {
  requestAdvice(assessmentId: $a, agencyId: $agency, scope: $scope, attach: $attach) { id status } }";

const SUBMIT_ADVICE: &str = "mutation($r: ID!, $i: ContributionInput!) {
  submitAdvice(requestId: $r, input: $i) { id scope } }";

const CONTRIBUTE: &str = "mutation($c: ID!, $i: ContributionInput!) {
  contribute(childId: $c, input: $i) { id scope } }";

const TRACE: &str = "query($filter: TraceFilterInput) {
  accessTrace(filter: $filter, first: 200) { edges { node {
    seq action actorSubject purpose disclosed
    basis { scope kind lawfulBasis { article6 condition gateway citation } boundTo { kind id } }
  } } } }";

/// The access entry for `scope` in the child view.
fn access<'a>(answer: &'a Answer, scope: &str) -> &'a Value {
    answer.body["data"]["child"]["access"]
        .as_array()
        .and_then(|entries| entries.iter().find(|e| e["scope"] == scope))
        .unwrap_or_else(|| panic!("no access entry for {scope}: {answer:?}"))
}

/// Asserts `scope` is disclosed on the public task, bound to `kind` `id`.
fn assert_public_task(answer: &Answer, scope: &str, kind: &str, id: &str) -> Value {
    let entry = access(answer, scope);
    assert_eq!(entry["allowed"], true, "{scope}: {entry}");
    assert_eq!(entry["basis"], "PUBLIC_TASK", "{scope}: {entry}");
    assert_eq!(entry["boundTo"]["kind"], kind, "{scope}: {entry}");
    assert_eq!(entry["boundTo"]["id"], id, "{scope}: {entry}");
    assert_eq!(
        entry["lawfulBasis"]["article6"], "E_PUBLIC_TASK",
        "{scope}: {entry}"
    );
    entry.clone()
}

/// Asserts `scope` is denied with `code`.
fn assert_denied(answer: &Answer, scope: &str, code: &str) -> Value {
    let entry = access(answer, scope);
    assert_eq!(entry["allowed"], false, "{scope}: {entry}");
    assert_eq!(entry["denial"], code, "{scope}: {entry}");
    assert!(entry["boundTo"].is_null(), "{scope}: {entry}");
    assert!(entry["lawfulBasis"].is_null(), "{scope}: {entry}");
    entry.clone()
}

/// Asserts the child is not found, and nothing of her leaks.
fn assert_not_found(answer: &Answer, words: &[&str]) {
    assert_eq!(answer.codes(), vec!["NOT_FOUND"], "{answer:?}");
    assert!(answer.body["data"]["child"].is_null(), "{answer:?}");
    let body = answer.body.to_string();
    for word in words {
        assert!(!body.contains(word), "{word} leaked: {answer:?}");
    }
}

/// `data.<field>.id` of an answer that must have succeeded.
fn id_of(answer: &Answer, field: &str) -> String {
    assert!(answer.body["errors"].is_null(), "{field}: {answer:?}");
    answer.body["data"][field]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no {field} id: {answer:?}"))
        .to_owned()
}

fn advice(title: &str) -> Value {
    json!({
        "kind": "ADVICE",
        "title": title,
        "needs": "Anxiety in unstructured times.",
        "outcomes": "Manages transitions with a named adult.",
        "provision": "A quiet space and a key worker.",
        "profession": "CAMHS",
        "content": crate::tell::templates::advice_content(domain::template::Profession::Camhs),
    })
}

/// Amira, 9: what matters to her, Year 4, her needs and the CAMHS waiting
/// list, written through the store (no agency is involved with her).
async fn amira(app: &TestApp) -> Child {
    app.child()
        .named("Amira", "Khan")
        .aged(9)
        .with_parent("parent-1")
        .with_record(|r| {
            r.all_about_me.what_matters = Some("Drawing horses and my cat Biscuit.".into());
            r.education.year_group = Some("Year 4".into());
            r.sen_needs.provision = Some(domain::SenProvision::SenSupport);
            r.mental_health.camhs_status = Some(domain::CamhsStatus::Waiting);
        })
        .create()
        .await
}

/// Starts an EHC needs assessment for `child` (requested 20 days ago) and
/// records the decision to assess; returns its id.
async fn assessment_for(app: &TestApp, child: Uuid) -> String {
    let officer = app.case_officer().await;
    let today = app.today();
    let received = (today - chrono::Duration::days(20)).to_string();
    let started = officer
        .graphql(START, json!({ "c": child, "on": received }))
        .await;
    let id = id_of(&started, "startAssessment");
    let decided = officer
        .graphql(DECIDE, json!({ "a": id, "on": today.to_string() }))
        .await;
    id_of(&decided, "recordDecisionToAssess");
    id
}

/// Asks `agency` for advice on `scope`, attaching `attach`; returns its id.
async fn ask(
    app: &TestApp,
    assessment: &str,
    agency: &Agency,
    scope: &str,
    attach: Value,
) -> String {
    let asked = app
        .case_officer()
        .await
        .graphql(
            REQUEST_ADVICE,
            json!({ "a": assessment, "agency": agency.id, "scope": scope, "attach": attach }),
        )
        .await;
    id_of(&asked, "requestAdvice")
}

/// The READ entries about `child` by `subject`, as the council's IG auditor.
async fn reads_by(app: &TestApp, child: Uuid, subject: &str) -> Vec<Value> {
    let answer = app
        .ig_auditor()
        .await
        .graphql(
            TRACE,
            json!({ "filter": { "childId": child, "action": "READ", "actorSubject": subject } }),
        )
        .await;
    answer.body["data"]["accessTrace"]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("no trace: {answer:?}"))
        .iter()
        .map(|e| e["node"].clone())
        .collect()
}

/// The basis record for `scope` in a trace entry.
fn basis_for<'a>(entry: &'a Value, scope: &str) -> &'a Value {
    entry["basis"]
        .as_array()
        .and_then(|b| b.iter().find(|b| b["scope"] == scope))
        .unwrap_or_else(|| panic!("no basis for {scope}: {entry}"))
}

#[tokio::test]
async fn ehc_assessment_reads_nothing_statutory_until_an_assessment_is_open() {
    let app = spawn_app().await;
    let amira = amira(&app).await;
    let officer = app.case_officer().await.purpose(Purpose::EhcAssessment);

    // No assessment and no agreement from the family: nothing is shared.
    let none = officer.graphql(CHILD, json!({ "id": amira.id })).await;
    assert_not_found(&none, &["Amira", "Year 4", "Biscuit"]);

    // Even the family's agreement to let the council see her education for
    // the assessment opens nothing while no assessment is open: the purpose
    // is not true (UK GDPR Art 5(1)(b)), and the answer names why while
    // saying nothing about the child.
    app.family_member("parent-1")
        .grant(&amira)
        .to(&app.council().await)
        .scopes([Scope::Education])
        .purposes([Purpose::EhcAssessment])
        .create()
        .await;
    let agreed = officer.graphql(CHILD, json!({ "id": amira.id })).await;
    assert_not_found(&agreed, &["Amira", "Year 4", "Biscuit"]);
    assert!(
        agreed.body["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("for EHC_ASSESSMENT the law opens a record only while an EHC needs assessment is open")),
        "{agreed:?}"
    );

    // Once the assessment is open, the statutory sections are shared on
    // the public task, bound to that assessment.
    let assessment = assessment_for(&app, amira.id).await;
    let open = officer.graphql(CHILD, json!({ "id": amira.id })).await;
    let child = &open.body["data"]["child"];
    assert_eq!(child["identity"]["givenName"], "Amira", "{open:?}");
    assert_eq!(child["senNeeds"]["provision"], "SEN_SUPPORT");
    assert_eq!(
        child["allAboutMe"]["whatMatters"],
        "Drawing horses and my cat Biscuit."
    );
    for scope in ["IDENTITY", "ALL_ABOUT_ME", "SEN_NEEDS", "EDUCATION"] {
        let entry = assert_public_task(&open, scope, "ASSESSMENT", &assessment);
        let citation = entry["lawfulBasis"]["citation"]
            .as_str()
            .unwrap_or_default();
        assert!(citation.contains("Art 6(1)(e)"), "{scope}: {entry}");
    }
    let needs = access(&open, "SEN_NEEDS");
    assert_eq!(needs["lawfulBasis"]["condition"], "G_SCH1_PARA6", "{needs}");
    let citation = needs["lawfulBasis"]["citation"]
        .as_str()
        .unwrap_or_default();
    assert!(
        citation.contains("UK GDPR Art 6(1)(e) public task")
            && citation.contains("Children and Families Act 2014 ss.36"),
        "the citation should name Art 6(1)(e) and CFA 2014 s.36: {needs}"
    );
    // The council has no rule for mental health, assessment or not.
    assert_denied(&open, "MENTAL_HEALTH", "NOT_PERMITTED");
    assert!(child["mentalHealth"].is_null(), "{open:?}");
}

#[tokio::test]
async fn the_council_reads_the_advice_it_asked_for_and_no_other() {
    let app = spawn_app().await;
    let amira = amira(&app).await;
    let camhs = app
        .agency(AgencyKind::Camhs)
        .named("Northshire CAMHS")
        .create()
        .await;
    app.involve(amira.id, &camhs).await;
    let clinician = app.practitioner(&camhs);
    let officer = app.case_officer().await.purpose(Purpose::EhcAssessment);

    // CAMHS's own update, nobody asked for: not the council's to read.
    let update = clinician
        .graphql(
            CONTRIBUTE,
            json!({ "c": amira.id, "i": {
                "scope": "MENTAL_HEALTH", "kind": "UPDATE", "title": "Clinic update" } }),
        )
        .await;
    let update_id = id_of(&update, "contribute");
    let assessment = assessment_for(&app, amira.id).await;
    let before = officer
        .graphql(CONTRIBUTIONS, json!({ "id": amira.id }))
        .await;
    let list = before.body["data"]["child"]["contributions"]
        .as_array()
        .unwrap_or_else(|| panic!("no contributions: {before:?}"))
        .clone();
    assert!(
        list.is_empty(),
        "nothing asked for, nothing read: {before:?}"
    );
    assert!(!before.body.to_string().contains("Clinic update"));

    // The council asks CAMHS for mental-health advice; CAMHS answers.
    let request = ask(&app, &assessment, &camhs, "MENTAL_HEALTH", json!([])).await;
    let answered = clinician
        .graphql(
            SUBMIT_ADVICE,
            json!({ "r": request, "i": advice("Mental health advice") }),
        )
        .await;
    let advice_id = id_of(&answered, "submitAdvice");
    assert_eq!(
        answered.body["data"]["submitAdvice"]["scope"],
        "MENTAL_HEALTH"
    );

    let after = officer
        .graphql(CONTRIBUTIONS, json!({ "id": amira.id }))
        .await;
    let list = after.body["data"]["child"]["contributions"]
        .as_array()
        .unwrap_or_else(|| panic!("no contributions: {after:?}"))
        .clone();
    let ids: Vec<&str> = list.iter().filter_map(|c| c["id"].as_str()).collect();
    assert_eq!(ids, vec![advice_id.as_str()], "only the advice: {after:?}");
    assert!(!ids.contains(&update_id.as_str()));
    assert_eq!(list[0]["title"], "Mental health advice");

    // The read's trace entry names the law and the request.
    let reads = reads_by(&app, amira.id, officer.subject()).await;
    let last = reads.last().expect("the officer's read");
    let basis = basis_for(last, "MENTAL_HEALTH");
    assert_eq!(basis["kind"], "PUBLIC_TASK", "{basis}");
    assert_eq!(basis["boundTo"]["kind"], "ADVICE_REQUEST", "{basis}");
    assert_eq!(basis["boundTo"]["id"], request.as_str(), "{basis}");
    assert_eq!(basis["lawfulBasis"]["article6"], "E_PUBLIC_TASK", "{basis}");
    let gateway = basis["lawfulBasis"]["gateway"].as_str().unwrap_or_default();
    assert!(
        gateway.contains("Children and Families Act 2014 s.36"),
        "{basis}"
    );
}

#[tokio::test]
async fn an_agency_asked_for_advice_reads_what_it_was_given_until_it_answers() {
    let app = spawn_app().await;
    let amira = amira(&app).await;
    // CAMHS has no involvement and the family has agreed nothing.
    let camhs = app
        .agency(AgencyKind::Camhs)
        .named("Northshire CAMHS")
        .create()
        .await;
    let clinician = app.practitioner(&camhs).purpose(Purpose::EhcAssessment);
    let assessment = assessment_for(&app, amira.id).await;
    let nothing = clinician.graphql(CHILD, json!({ "id": amira.id })).await;
    assert_not_found(&nothing, &["Amira", "Biscuit", "Year 4"]);

    // RESTRICTED is never attached.
    let refused = app
        .case_officer()
        .await
        .graphql(
            REQUEST_ADVICE,
            json!({ "a": assessment, "agency": camhs.id, "scope": "MENTAL_HEALTH",
                    "attach": ["EDUCATION", "RESTRICTED"] }),
        )
        .await;
    assert_eq!(refused.codes(), vec!["BAD_USER_INPUT"], "{refused:?}");
    assert_eq!(
        refused.body["errors"][0]["extensions"]["field"], "attach",
        "{refused:?}"
    );
    assert!(
        refused.message().contains("restricted"),
        "the message should name the rule: {refused:?}"
    );

    let request = ask(
        &app,
        &assessment,
        &camhs,
        "MENTAL_HEALTH",
        json!(["EDUCATION"]),
    )
    .await;
    let asked = clinician.graphql(CHILD, json!({ "id": amira.id })).await;
    let child = &asked.body["data"]["child"];
    assert_eq!(child["identity"]["givenName"], "Amira", "{asked:?}");
    assert_eq!(
        child["allAboutMe"]["whatMatters"],
        "Drawing horses and my cat Biscuit."
    );
    assert_eq!(child["education"]["yearGroup"], "Year 4", "{asked:?}");
    for scope in ["IDENTITY", "ALL_ABOUT_ME", "EDUCATION"] {
        assert_public_task(&asked, scope, "ADVICE_REQUEST", &request);
    }
    // What was not attached still needs the family's agreement.
    assert_denied(&asked, "MENTAL_HEALTH", "CONSENT_REQUIRED");
    assert!(child["mentalHealth"].is_null(), "{asked:?}");
    assert!(child["senNeeds"].is_null(), "{asked:?}");
    // For direct support the request gives CAMHS nothing.
    let direct = app
        .practitioner(&camhs)
        .graphql(CHILD, json!({ "id": amira.id }))
        .await;
    assert_not_found(&direct, &["Amira", "Biscuit", "Year 4"]);

    let answered = clinician
        .graphql(
            SUBMIT_ADVICE,
            json!({ "r": request, "i": advice("Mental health advice") }),
        )
        .await;
    id_of(&answered, "submitAdvice");
    let done = clinician.graphql(CHILD, json!({ "id": amira.id })).await;
    assert_not_found(&done, &["Amira", "Biscuit", "Year 4"]);
}

#[tokio::test]
async fn direct_support_needs_a_current_involvement_and_the_trace_names_it() {
    let app = spawn_app().await;
    let amira = amira(&app).await;
    let school = app
        .agency(AgencyKind::School)
        .named("Riverside Primary School")
        .create()
        .await;
    let senco = app.practitioner(&school);

    let stranger = senco.graphql(CHILD, json!({ "id": amira.id })).await;
    assert_not_found(&stranger, &["Amira", "Year 4", "Biscuit"]);

    let involvement = app.involve(amira.id, &school).await.to_string();
    let involved = senco.graphql(CHILD, json!({ "id": amira.id })).await;
    let child = &involved.body["data"]["child"];
    assert_eq!(child["identity"]["givenName"], "Amira", "{involved:?}");
    let identity = assert_public_task(&involved, "IDENTITY", "INVOLVEMENT", &involvement);
    let gateway = identity["lawfulBasis"]["gateway"]
        .as_str()
        .unwrap_or_default();
    assert!(gateway.contains("Children Act 2004 s.10"), "{identity}");
    // The involvement is a reason to know who she is, not her education:
    // that still needs the family's agreement.
    assert_denied(&involved, "EDUCATION", "CONSENT_REQUIRED");
    assert!(child["education"].is_null(), "{involved:?}");

    // The READ entry records, for each disclosed scope, its law and fact.
    let reads = reads_by(&app, amira.id, senco.subject()).await;
    let entry = reads.last().expect("the school's read");
    assert_eq!(entry["purpose"], "DIRECT_SUPPORT", "{entry}");
    let bases = entry["basis"].as_array().expect("bases");
    assert!(bases.iter().any(|b| b["scope"] == "IDENTITY"), "{entry}");
    assert!(
        !bases.iter().any(|b| b["scope"] == "EDUCATION"),
        "education was not disclosed: {entry}"
    );
    for basis in bases {
        assert_eq!(basis["kind"], "PUBLIC_TASK", "{basis}");
        assert_eq!(basis["lawfulBasis"]["article6"], "E_PUBLIC_TASK", "{basis}");
        assert!(basis["lawfulBasis"]["citation"].is_string(), "{basis}");
        assert_eq!(basis["boundTo"]["kind"], "INVOLVEMENT", "{basis}");
        assert_eq!(basis["boundTo"]["id"], involvement.as_str(), "{basis}");
    }
}
