//! One door for every front end: a FHIR-like front end written here, in the
//! test, discloses through `api::access` exactly as GraphQL does — the same
//! decision per section, the same values, and the same trace entry.

use api::access::{Hub, RequestContext};
use consent::trace::{TraceAction, TraceEntry};
use consent::{AgencyRef, Principal, Purpose, Role};
use domain::{AgencyKind, CamhsStatus, Scope};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::fixtures::{Agency, Child, Persona};
use crate::helpers::*;

/// The sections (and their fields) both front ends ask for.
const ASKED: [(Scope, &str, &str); 4] = [
    (Scope::Identity, "identity", "givenName"),
    (Scope::MentalHealth, "mentalHealth", "camhsStatus"),
    (Scope::AllAboutMe, "allAboutMe", "whatMatters"),
    (Scope::Education, "education", "yearGroup"),
];

const GRAPHQL_READ: &str = "query($id: ID!) { child(id: $id) {
  identity { givenName } mentalHealth { camhsStatus } allAboutMe { whatMatters } education { yearGroup } } }";

/// The principal a verified token for `persona` (a practitioner of
/// `agency`) becomes: the other front end has its own sign-in and hands the
/// door the same principal.
fn principal_of(persona: &Persona<'_>, agency: &Agency, purpose: Purpose) -> Principal {
    let claims = persona.claims();
    Principal {
        subject: persona.subject().to_owned(),
        agency: Some(AgencyRef {
            id: agency.id,
            kind: agency.kind,
        }),
        roles: claims["roles"]
            .as_array()
            .expect("roles")
            .iter()
            .filter_map(|r| r.as_str().and_then(Role::from_claim))
            .collect(),
        person_id: None,
        purpose: Some(purpose),
    }
}

/// A child aged 12 whose parent shares mental health and "all about me"
/// (not education) with CAMHS for direct support.
async fn camhs_and_child(app: &TestApp) -> (Agency, Child) {
    let camhs = app
        .agency(AgencyKind::Camhs)
        .named("North CAMHS")
        .create()
        .await;
    let child = app
        .child()
        .aged(12)
        .with_parent("parent-1")
        .with_record(|r| {
            r.mental_health.camhs_status = Some(CamhsStatus::Open);
            r.all_about_me.what_matters = Some("Drawing, and my dog Pip.".into());
            r.education.year_group = Some("Year 7".into());
        })
        .create()
        .await;
    app.family_member("parent-1")
        .grant(&child)
        .to(&camhs)
        .scopes([Scope::MentalHealth, Scope::AllAboutMe])
        .purposes([Purpose::DirectSupport])
        .create()
        .await;
    (camhs, child)
}

/// A FHIR-like front end: `GET Patient/{id}/$everything`, answering a Bundle
/// with one resource per section asked for, or an OperationOutcome carrying
/// the door's denial code. It knows nothing of consent: it asks the door.
async fn fhir_everything(hub: &Hub, principal: Principal, child: Uuid) -> (u16, Value) {
    let rc: RequestContext = hub.request(
        principal,
        format!("fhir-{}", Uuid::new_v4()),
        None,
        chrono::Utc::now(),
    );
    let answer = match rc.open(child).await.expect("the door answers") {
        None => (
            404,
            json!({ "resourceType": "OperationOutcome",
                    "issue": [{ "severity": "error", "code": "not-found" }] }),
        ),
        Some(disclosure) => {
            let mut entries = Vec::new();
            for (scope, _, field) in ASKED {
                let resource = disclosure.section(scope, [field], |r| match scope {
                    Scope::Identity => json!({ "resourceType": "Patient",
                        "name": [{ "given": [r.identity.given_name] }] }),
                    Scope::MentalHealth => json!({ "resourceType": "Observation",
                        "code": { "text": "camhsStatus" },
                        "valueString": serde_json::to_value(r.mental_health.camhs_status).expect("json") }),
                    Scope::AllAboutMe => json!({ "resourceType": "DocumentReference",
                        "description": r.all_about_me.what_matters }),
                    Scope::Education => json!({ "resourceType": "Observation",
                        "code": { "text": "yearGroup" },
                        "valueString": r.education.year_group }),
                    _ => unreachable!("only the sections asked for"),
                });
                entries.push(match resource {
                    Ok(resource) => json!({ "scope": scope.code(), "resource": resource }),
                    Err(e) => json!({ "scope": scope.code(), "resource": {
                        "resourceType": "OperationOutcome",
                        "issue": [{ "severity": "error", "code": "forbidden",
                                    "details": { "text": e.code() } }] } }),
                });
            }
            (
                200,
                json!({ "resourceType": "Bundle", "type": "searchset", "entry": entries }),
            )
        }
    };
    // Nothing leaves before its trace entry is durable, as for GraphQL.
    rc.finish().await.expect("trace written");
    answer
}

/// The READ entries of `subject`, oldest first, without what differs
/// between any two requests (sequence, time, request and trace ids).
async fn reads_of(app: &TestApp, subject: &str) -> Vec<Value> {
    let filter = api::access::TraceFilter {
        actor_subject: Some(subject.to_owned()),
        action: Some(TraceAction::Read),
        ..Default::default()
    };
    let rows = app
        .store
        .search_trace(&filter, 0, 100)
        .await
        .expect("search");
    rows.into_iter()
        .map(|r| {
            let entry: TraceEntry = r.entry;
            let mut v = serde_json::to_value(entry).expect("json");
            for key in ["seq", "recorded_at", "request_id", "trace_id"] {
                v.as_object_mut().expect("object").remove(key);
            }
            v
        })
        .collect()
}

#[tokio::test]
async fn a_second_front_end_gets_the_same_decisions_and_trace_entry_as_graphql() {
    let app = spawn_app().await;
    let (camhs, child) = camhs_and_child(&app).await;
    let clinician = app.practitioner(&camhs);
    let gql = clinician
        .graphql(GRAPHQL_READ, json!({ "id": child.id }))
        .await;
    assert_eq!(gql.status, 200, "{:?}", gql.body);
    let (status, bundle) = fhir_everything(
        &app.hub,
        principal_of(&clinician, &camhs, Purpose::DirectSupport),
        child.id,
    )
    .await;
    assert_eq!(status, 200, "{bundle}");

    let mut withheld = 0;
    for (i, (scope, name, field)) in ASKED.iter().enumerate() {
        let fhir = &bundle["entry"][i];
        assert_eq!(fhir["scope"], scope.code());
        let resource = &fhir["resource"];
        match gql.error_at(&["child", name]) {
            // Withheld over GraphQL: null plus the code, and the same code
            // from the other front end.
            Some(error) => {
                withheld += 1;
                assert!(gql.body["data"]["child"][name].is_null(), "{name}");
                assert_eq!(resource["resourceType"], "OperationOutcome", "{name}");
                assert_eq!(
                    resource["issue"][0]["details"]["text"], error["extensions"]["code"],
                    "{name}"
                );
            }
            // Disclosed over GraphQL: the same value from the other front end.
            None => {
                let value = &gql.body["data"]["child"][name][field];
                assert_ne!(resource["resourceType"], "OperationOutcome", "{name}");
                let fhir_value = match *scope {
                    Scope::Identity => &resource["name"][0]["given"][0],
                    Scope::AllAboutMe => &resource["description"],
                    _ => &resource["valueString"],
                };
                assert_eq!(fhir_value, value, "{name}");
            }
        }
    }
    assert!(
        withheld > 0 && withheld < ASKED.len(),
        "the case must mix disclosed and withheld sections: {}",
        gql.body
    );

    // One READ entry each, identical but for sequence, time and ids.
    let reads = reads_of(&app, clinician.subject()).await;
    assert_eq!(reads.len(), 2, "{reads:#?}");
    assert_eq!(reads[0], reads[1]);
    assert_eq!(reads[0]["child_id"], json!(child.id));
    assert!(
        reads[0]["disclosed"]
            .as_array()
            .is_some_and(|d| d.contains(&json!("mentalHealth.camhsStatus"))),
        "{:#?}",
        reads[0]
    );
}

#[tokio::test]
async fn a_second_front_end_finds_nothing_where_graphql_finds_nothing_and_says_so_alike() {
    let app = spawn_app().await;
    let (camhs, _) = camhs_and_child(&app).await;
    let clinician = app.practitioner(&camhs);
    let nobody = Uuid::new_v4();
    let gql = clinician
        .graphql(GRAPHQL_READ, json!({ "id": nobody }))
        .await;
    assert_eq!(gql.codes(), ["NOT_FOUND"], "{:?}", gql.body);
    let (status, outcome) = fhir_everything(
        &app.hub,
        principal_of(&clinician, &camhs, Purpose::DirectSupport),
        nobody,
    )
    .await;
    assert_eq!(status, 404, "{outcome}");
    let reads = reads_of(&app, clinician.subject()).await;
    assert_eq!(reads.len(), 2, "{reads:#?}");
    assert_eq!(reads[0], reads[1]);
    assert_eq!(reads[0]["outcome"], "DENIED");
    assert_eq!(reads[0]["disclosed"], json!([]));
}
