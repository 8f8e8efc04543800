use std::collections::BTreeMap;

use consent::{GrantorCapacity, Purpose, Role};
use domain::{AgencyKind, Scope};
use serde_json::{Value, json};

use super::*;
use crate::helpers::*;

/// Chloe, 17, signing in as `yp-1`, and the grant her mother (`mum-1`)
/// made to occupational therapy 900 days ago, before the hand-over, which
/// awaits her review; written through the store, as the readers are.
async fn chloe_and_her_mothers_grant(app: &TestApp) -> (Child, String) {
    let chloe = app
        .child()
        .named("Chloe", "Turner")
        .aged(17)
        .signs_in_as("yp-1")
        .with_parent("mum-1")
        .with_record(|r| r.sensory_physical.equipment = Some("Writing slope".into()))
        .create()
        .await;
    let grant = app
        .family_member("mum-1")
        .grant(&chloe)
        .for_every(AgencyKind::Ot)
        .scopes([Scope::SensoryPhysical, Scope::AllAboutMe])
        .purposes([Purpose::DirectSupport])
        .made_days_ago(900, GrantorCapacity::ParentalResponsibility)
        .await;
    (chloe, grant)
}

/// How many entries the trace holds.
async fn head(app: &TestApp) -> usize {
    app.store
        .trace_links(0, 1_000_000)
        .await
        .expect("links")
        .len()
}

/// The one entry matching `filter`.
async fn only_entry(app: &TestApp, filter: Value) -> Value {
    let entries = trace(app, filter.clone()).await;
    assert_eq!(
        entries.len(),
        1,
        "expected exactly one entry for {filter}: {entries:#?}"
    );
    entries[0].clone()
}

/// An entry's detail by key.
fn detail<'a>(node: &'a Value, key: &str) -> Option<&'a str> {
    node["details"]
        .as_array()?
        .iter()
        .find(|d| d["key"] == key)?["value"]
        .as_str()
}

/// POSTs a GraphQL request and returns the answer with its `x-request-id`.
async fn post_with_request_id(
    app: &TestApp,
    token: &str,
    purpose: Option<&str>,
    query: &str,
    variables: Value,
) -> (Answer, String) {
    let mut request = app
        .client
        .post(format!("{}/graphql", app.address))
        .bearer_auth(token)
        .json(&json!({ "query": query, "variables": variables }));
    if let Some(purpose) = purpose {
        request = request.header("x-purpose-of-use", purpose);
    }
    let response = request.send().await.expect("request sent");
    let status = response.status().as_u16();
    let request_id = response
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .expect("x-request-id header")
        .to_owned();
    let body = response.json::<Value>().await.expect("JSON body");
    (Answer { status, body }, request_id)
}

// ---------------------------------------------------------------------------
// A read leaves exactly the entry it should.
// ---------------------------------------------------------------------------

#[tokio::test]
async fn a_read_leaves_one_entry_with_field_names_and_bases_but_no_values() {
    let app = spawn_app().await;
    let readers = Readers::new(&app).await;
    let amira = readers.amira.id;
    let before = head(&app).await;
    let (answer, request_id) = post_with_request_id(
        &app,
        &readers.senco.token(),
        Some("DIRECT_SUPPORT"),
        READ,
        json!({ "id": amira }),
    )
    .await;
    let child = &answer.body["data"]["child"];
    assert_eq!(child["identity"]["givenName"], "Amira", "{answer:?}");
    assert_eq!(child["education"]["yearGroup"], "Year 4", "{answer:?}");
    assert!(child["mentalHealth"].is_null(), "{answer:?}");
    assert!(!request_id.is_empty());

    let e = only_entry(&app, json!({ "childId": amira, "action": "READ" })).await;
    assert_eq!(e["seq"], before + 1, "the read's is the next entry: {e}");
    assert_eq!(e["action"], "READ");
    assert_eq!(e["outcome"], "SUCCESS");
    assert_eq!(e["actorSubject"], readers.senco.subject());
    assert_eq!(e["actorAgencyId"], readers.school.id.to_string());
    assert_eq!(e["actorAgencyKind"], "SCHOOL");
    assert_eq!(e["actorRoles"], json!(["PRACTITIONER"]));
    assert_eq!(e["childId"], amira.to_string());
    assert_eq!(e["purpose"], "DIRECT_SUPPORT");
    assert_eq!(e["requestId"], request_id.as_str(), "{e}");
    assert_eq!(
        e["disclosed"],
        json!(["education.yearGroup", "identity.givenName"]),
        "{e}"
    );

    let withheld = e["withheld"].as_array().expect("withheld");
    assert_eq!(withheld.len(), 1, "only requested scopes are listed: {e}");
    assert_eq!(withheld[0]["scope"], "MENTAL_HEALTH");
    assert_eq!(withheld[0]["code"], "NOT_PERMITTED");
    assert!(
        withheld[0]["reason"]
            .as_str()
            .is_some_and(|r| !r.is_empty()),
        "{e}"
    );

    let basis: BTreeMap<&str, &Value> = e["basis"]
        .as_array()
        .expect("basis")
        .iter()
        .map(|b| (b["scope"].as_str().expect("scope"), b))
        .collect();
    assert_eq!(
        basis.keys().copied().collect::<Vec<_>>(),
        vec!["EDUCATION", "IDENTITY"],
        "{e}"
    );
    let education = basis["EDUCATION"];
    assert_eq!(education["kind"], "CONSENT");
    assert_eq!(education["grantIds"], json!([readers.school_grant]));
    assert_eq!(education["overrideId"], Value::Null);
    assert_eq!(education["agreementVersion"], 1);
    let identity = basis["IDENTITY"];
    assert_eq!(identity["kind"], "PUBLIC_TASK");
    assert_eq!(identity["grantIds"], json!([]));
    assert_eq!(identity["agreementVersion"], 1);
    assert_eq!(detail(&e, "agreement_version"), Some("1"), "{e}");

    // Linked to the agreement's entry before it.
    let links = app.store.trace_links(0, 1_000).await.expect("links");
    let (prev, this) = (&links[before - 1], &links[before]);
    assert_eq!(e["prevHash"], prev.hash.as_str());
    assert_eq!(e["hash"], this.hash.as_str());

    // Field names, never values: neither in the entry nor in the stored row.
    let text = e.to_string();
    for value in ["Amira", "Khan", "Year 4", "WAITING", "Waiting"] {
        assert!(!text.contains(value), "{value} in the entry: {text}");
        assert!(
            !this.canonical.contains(value),
            "{value} stored: {}",
            this.canonical
        );
    }
}

// ---------------------------------------------------------------------------
// Every other operation leaves its entry.
// ---------------------------------------------------------------------------

#[tokio::test]
async fn every_operation_leaves_its_entry() {
    // Amira, Jayden and their readers, Chloe and her mother's grant (all
    // through the store, leaving no entry), the council's case officer and
    // IG staff, and a safeguarding lead in children's social care.
    let app = spawn_app().await;
    let readers = Readers::new(&app).await;
    let (amira, jayden) = (readers.amira.id, readers.jayden.id);
    let (chloe, chloe_ot_grant) = chloe_and_her_mothers_grant(&app).await;
    let chloe = chloe.id;
    let officer = app.case_officer().await;
    let auditor = app.ig_auditor().await;
    let ig_admin = app.ig_admin().await.purpose(Purpose::DirectSupport);
    let parent = app
        .family_member("parent-1")
        .purpose(Purpose::DirectSupport);
    let young_person = app.young_person("yp-1").purpose(Purpose::DirectSupport);
    let social_care = app.agency(AgencyKind::SocialCare).create().await;
    let lead_persona = app
        .practitioner(&social_care)
        .roles([Role::Practitioner, Role::SafeguardingLead]);
    let senco = &readers.senco;
    // What the setting left in the trace (the agreement's entry).
    let setting = head(&app).await;

    // CHILD_REGISTERED (and the read of what the case officer gets back).
    let registered = officer
        .graphql(
            "mutation($input: RegisterChildInput!) { registerChild(input: $input) { id identity { givenName } } }",
            json!({ "input": {
                "givenName": "Rowan", "familyName": "Ashby", "dateOfBirth": "2018-05-01",
                "nhsNumber": "943 476 5919", "postcode": "NS1 2AB"
            }}),
        )
        .await;
    let new_child = registered.body["data"]["registerChild"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("not registered: {registered:?}"))
        .to_owned();
    let e = only_entry(&app, json!({ "action": "CHILD_REGISTERED" })).await;
    assert_eq!(e["actorSubject"], officer.subject());
    assert_eq!(e["childId"], new_child.as_str());
    assert_eq!(e["purpose"], "DIRECT_SUPPORT");
    assert_eq!(e["outcome"], "SUCCESS");
    let register_request = e["requestId"].as_str().expect("request id").to_owned();
    let read_back = only_entry(&app, json!({ "childId": new_child, "action": "READ" })).await;
    assert_eq!(read_back["requestId"], register_request.as_str());
    assert_eq!(read_back["disclosed"], json!(["identity.givenName"]));
    for text in [e.to_string(), read_back.to_string()] {
        for value in ["Rowan", "Ashby", "9434765919", "NS1 2AB", "2018-05-01"] {
            assert!(!text.contains(value), "{value} in {text}");
        }
    }

    // FAMILY_LINKED.
    let linked = officer
        .graphql(
            "mutation($c: ID!, $i: LinkFamilyMemberInput!) { linkFamilyMember(childId: $c, input: $i) { id } }",
            json!({ "c": new_child, "i": {
                "fullName": "Robin Ashby", "relationship": "FATHER", "parentalResponsibility": true,
                "prEvidence": "Named on birth certificate", "personId": "person-robin-ashby",
                "contactPreference": "EMAIL", "email": "robin@example.org" } }),
        )
        .await;
    let member = linked.body["data"]["linkFamilyMember"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("not linked: {linked:?}"))
        .to_owned();
    let e = only_entry(&app, json!({ "action": "FAMILY_LINKED" })).await;
    assert_eq!(e["actorSubject"], officer.subject());
    assert_eq!(e["childId"], new_child.as_str());
    assert_eq!(detail(&e, "family_member_id"), Some(member.as_str()), "{e}");
    assert_eq!(detail(&e, "parental_responsibility"), Some("true"), "{e}");
    let text = e.to_string();
    for value in ["Robin", "robin@example.org", "person-robin-ashby", "birth"] {
        assert!(!text.contains(value), "{value} in {text}");
    }

    // CONSENT_GRANTED and CONSENT_WITHDRAWN, by the parent.
    let granted = parent.graphql(GRANT, health_grant(amira)).await;
    let grant_id = granted.body["data"]["grantConsent"]["grantId"]
        .as_str()
        .unwrap_or_else(|| panic!("not granted: {granted:?}"))
        .to_owned();
    let e = only_entry(&app, json!({ "action": "CONSENT_GRANTED" })).await;
    assert_eq!(e["actorSubject"], parent.subject());
    assert_eq!(e["actorAgencyId"], Value::Null);
    assert_eq!(e["childId"], amira.to_string());
    assert_eq!(detail(&e, "grant_id"), Some(grant_id.as_str()), "{e}");
    assert_eq!(detail(&e, "recipient"), Some("kind:HEALTH"), "{e}");
    assert_eq!(detail(&e, "scopes"), Some("PHYSICAL_HEALTH"), "{e}");
    assert_eq!(detail(&e, "method"), Some("DIGITAL"), "{e}");
    let withdrawn = parent.graphql(WITHDRAW, json!({ "id": grant_id })).await;
    let withdrawal_id = withdrawn.body["data"]["withdrawConsent"]["receiptId"]
        .as_str()
        .unwrap_or_else(|| panic!("not withdrawn: {withdrawn:?}"))
        .to_owned();
    let e = only_entry(&app, json!({ "action": "CONSENT_WITHDRAWN" })).await;
    assert_eq!(e["actorSubject"], parent.subject());
    assert_eq!(e["childId"], amira.to_string());
    assert_eq!(detail(&e, "grant_id"), Some(grant_id.as_str()), "{e}");
    assert_eq!(
        detail(&e, "withdrawal_id"),
        Some(withdrawal_id.as_str()),
        "{e}"
    );
    assert!(!e.to_string().contains("Changed my mind"), "{e}");

    // CONSENT_CONFIRMED, by the young person; CAPACITY_RECORDED, by the case officer.
    let confirmed = young_person
        .graphql(
            "mutation($id: ID!) { confirmConsent(grantId: $id) { id confirmedAt } }",
            json!({ "id": chloe_ot_grant }),
        )
        .await;
    assert!(confirmed.body["errors"].is_null(), "{confirmed:?}");
    let e = only_entry(&app, json!({ "action": "CONSENT_CONFIRMED" })).await;
    assert_eq!(e["actorSubject"], young_person.subject());
    assert_eq!(e["childId"], chloe.to_string());
    assert_eq!(detail(&e, "grant_id"), Some(chloe_ot_grant.as_str()));
    let today = app.now().date_naive();
    let capacity = officer
        .graphql(
            "mutation($input: CapacityAssessmentInput!) { recordCapacityAssessment(input: $input) { id } }",
            json!({ "input": {
                "childId": chloe,
                "scopes": ["MENTAL_HEALTH"],
                "assessorRole": "social worker",
                "assessedOn": today.to_string(),
                "outcome": "HAS_CAPACITY",
                "reasons": "understood, retained and weighed what sharing would mean",
                "reviewOn": (today + chrono::Duration::days(90)).to_string(),
            } }),
        )
        .await;
    assert!(capacity.body["errors"].is_null(), "{capacity:?}");
    let e = only_entry(&app, json!({ "action": "CAPACITY_RECORDED" })).await;
    assert_eq!(e["childId"], chloe.to_string());
    assert_eq!(detail(&e, "outcome"), Some("HAS_CAPACITY"), "{e}");
    assert_eq!(detail(&e, "scopes"), Some("MENTAL_HEALTH"), "{e}");

    // OVERRIDE_DECLARED by the safeguarding lead, OVERRIDE_REVIEWED by IG.
    let declared = lead_persona
        .clone()
        .purpose(Purpose::Safeguarding)
        .graphql(DECLARE, declare_input(jayden))
        .await;
    let override_id = declared.body["data"]["declareSafeguardingOverride"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("not declared: {declared:?}"))
        .to_owned();
    let e = only_entry(&app, json!({ "action": "OVERRIDE_DECLARED" })).await;
    assert_eq!(e["actorSubject"], lead_persona.subject());
    assert_eq!(e["childId"], jayden.to_string());
    assert_eq!(e["purpose"], "SAFEGUARDING");
    assert_eq!(detail(&e, "override_id"), Some(override_id.as_str()), "{e}");
    assert_eq!(detail(&e, "scopes"), Some("SOCIAL_CARE,RESTRICTED"), "{e}");
    assert_eq!(detail(&e, "hours"), Some("24"), "{e}");
    assert_eq!(detail(&e, "ground"), Some("S47"), "{e}");
    assert_eq!(detail(&e, "telling"), Some("NOT_NOW"), "{e}");
    assert!(detail(&e, "review_due_by").is_some(), "{e}");
    assert!(!e.to_string().contains("Jayden at risk"), "{e}");
    assert!(!e.to_string().contains("Police"), "{e}");
    let reviewed = ig(
        &app,
        "mutation($id: ID!) { reviewOverride(id: $id, outcome: UPHELD, note: \"Justified by the police report.\") { id reviewOutcome } }",
        json!({ "id": override_id }),
    )
    .await;
    assert_eq!(
        reviewed.body["data"]["reviewOverride"]["reviewOutcome"], "UPHELD",
        "{reviewed:?}"
    );
    let e = only_entry(&app, json!({ "action": "OVERRIDE_REVIEWED" })).await;
    assert_eq!(e["actorSubject"], auditor.subject());
    assert_eq!(e["childId"], jayden.to_string());
    assert_eq!(detail(&e, "override_id"), Some(override_id.as_str()), "{e}");
    assert_eq!(detail(&e, "outcome"), Some("UPHELD"), "{e}");
    assert!(!e.to_string().contains("police report"), "{e}");

    // AGREEMENT_PUBLISHED: the default at seq 1, then the IG admin's.
    let source = include_str!("../../../consent/agreements/default.toml").replace(
        "Northshire default information-sharing agreement",
        "Northshire information-sharing agreement, second edition",
    );
    let published = ig_admin
        .graphql(
            "mutation($source: String!) { publishAgreement(source: $source) { version } }",
            json!({ "source": source }),
        )
        .await;
    assert_eq!(
        published.body["data"]["publishAgreement"]["version"], 2,
        "{published:?}"
    );
    let entries = trace(&app, json!({ "action": "AGREEMENT_PUBLISHED" })).await;
    assert_eq!(entries.len(), 2, "{entries:#?}");
    assert_eq!(entries[0]["seq"], 1);
    assert_eq!(entries[0]["actorSubject"], "tellonce");
    assert_eq!(detail(&entries[0], "version"), Some("1"));
    assert_eq!(entries[1]["actorSubject"], ig_admin.subject());
    assert_eq!(detail(&entries[1], "version"), Some("2"));

    // SEARCH: whether it matched, never the number searched for. The
    // school works with the new child (an involvement, recorded through
    // the store: no trace entry), or it would not find her at all.
    app.involve(new_child.parse().expect("a child id"), &readers.school)
        .await;
    let find =
        "query($n: String!, $d: Date!) { childByNhsNumber(nhsNumber: $n, dateOfBirth: $d) { id } }";
    let found = senco
        .graphql(find, json!({ "n": "943 476 5919", "d": "2018-05-01" }))
        .await;
    assert_eq!(
        found.body["data"]["childByNhsNumber"]["id"],
        new_child.as_str(),
        "{found:?}"
    );
    let missed = senco
        .graphql(find, json!({ "n": "9434765919", "d": "2018-05-02" }))
        .await;
    assert_eq!(missed.codes(), vec!["NOT_FOUND"], "{missed:?}");
    let searches = trace(&app, json!({ "action": "SEARCH" })).await;
    assert_eq!(searches.len(), 2, "{searches:#?}");
    assert_eq!(searches[0]["actorSubject"], senco.subject());
    assert_eq!(searches[0]["childId"], new_child.as_str());
    assert_eq!(detail(&searches[0], "matched"), Some("true"));
    assert_eq!(searches[1]["childId"], Value::Null);
    assert_eq!(detail(&searches[1], "matched"), Some("false"));
    for e in &searches {
        let text = e.to_string();
        for value in ["9434765919", "943 476 5919", "2018-05-01", "2018-05-02"] {
            assert!(!text.contains(value), "{value} in {text}");
        }
    }

    // AUTH_FAILED: the reason, never the token.
    let token = expired(&app, senco.claims());
    let refused = app
        .graphql_as(
            Some(&token),
            Some("DIRECT_SUPPORT"),
            READ,
            json!({ "id": amira }),
        )
        .await;
    assert_eq!(refused.status, 401, "{refused:?}");
    assert_eq!(refused.codes(), vec!["UNAUTHENTICATED"]);
    let garbage = "garbage-token-material-1234567890";
    let refused = app
        .graphql_as(
            Some(garbage),
            Some("DIRECT_SUPPORT"),
            READ,
            json!({ "id": amira }),
        )
        .await;
    assert_eq!(refused.status, 401, "{refused:?}");
    let failures = trace(&app, json!({ "action": "AUTH_FAILED" })).await;
    assert_eq!(failures.len(), 2, "{failures:#?}");
    assert_eq!(detail(&failures[0], "reason"), Some("expired"));
    assert_eq!(detail(&failures[1], "reason"), Some("malformed"));
    for e in &failures {
        assert_eq!(e["outcome"], "DENIED", "{e}");
        assert_eq!(e["actorSubject"], Value::Null, "{e}");
        assert!(e["requestId"].is_string(), "{e}");
        let text = e.to_string();
        assert!(!text.contains(garbage), "{text}");
        assert!(!text.contains(senco.subject()), "{text}");
        for part in token.split('.') {
            assert!(!text.contains(part), "token material in {text}");
        }
    }

    // TRACE_SEARCH: IG searches and integrity checks are traced too.
    let before = trace(&app, json!({ "action": "TRACE_SEARCH" })).await.len();
    let nothing = trace(&app, json!({ "actorSubject": "test-nobody" })).await;
    assert!(nothing.is_empty());
    assert!(integrity(&app).await["ok"].as_bool().unwrap_or(false));
    let searches = trace(&app, json!({ "action": "TRACE_SEARCH" })).await;
    // Earlier searches, the one counting them, the empty search, the check.
    assert_eq!(searches.len(), before + 3, "{searches:#?}");
    let empty = &searches[searches.len() - 2];
    assert_eq!(empty["actorSubject"], auditor.subject());
    assert_eq!(
        detail(empty, "filter"),
        Some("actor=test-nobody"),
        "{empty}"
    );
    assert_eq!(detail(empty, "results"), Some("0"), "{empty}");
    let check = &searches[searches.len() - 1];
    assert_eq!(detail(check, "check"), Some("integrity"), "{check}");

    // EXPORT.
    let (status, _, _) = export(&app, Some(&auditor.token()), "?format=csv&action=READ").await;
    assert_eq!(status, 200);
    let e = only_entry(&app, json!({ "action": "EXPORT" })).await;
    assert_eq!(e["actorSubject"], auditor.subject());
    assert_eq!(detail(&e, "format"), Some("csv"), "{e}");
    assert_eq!(detail(&e, "filter"), Some("action=READ"), "{e}");

    // Every entry names its request, and the chain holds.
    let all = trace(&app, json!({})).await;
    assert!(
        all.iter().skip(setting).all(|e| e["requestId"].is_string()),
        "{all:#?}"
    );
    assert_chain_intact(&app).await;
}

// ---- findings of the review -------------------------------------------------

/// Reading your own contributions adds an OWN_CONTRIBUTION basis; it never
/// replaces the consent basis of the section read in the same request.
#[tokio::test]
async fn own_contributions_do_not_hide_the_consent_basis() {
    // CAMHS, which Amira's mother let see her mental health.
    let app = spawn_app().await;
    let readers = Readers::new(&app).await;
    let (amira, camhs) = (readers.amira.id, &readers.camhs);
    let contributed = camhs
        .graphql(
            "mutation($c: ID!) { contribute(childId: $c, input: { scope: MENTAL_HEALTH, title: \"Triage\" }) { id } }",
            json!({ "c": amira }),
        )
        .await;
    assert!(
        contributed.body["data"]["contribute"]["id"].is_string(),
        "{contributed:?}"
    );
    let read = camhs
        .graphql(
            "query($id: ID!) { child(id: $id) { mentalHealth { camhsStatus } contributions { title } } }",
            json!({ "id": amira }),
        )
        .await;
    assert!(read.body["errors"].is_null(), "{read:?}");
    let entry = only_entry(
        &app,
        json!({ "childId": amira, "action": "READ", "actorSubject": camhs.subject() }),
    )
    .await;
    let bases: Vec<(String, String)> = entry["basis"]
        .as_array()
        .expect("basis")
        .iter()
        .map(|b| {
            (
                b["scope"].as_str().unwrap_or_default().to_owned(),
                b["kind"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    assert!(
        bases.contains(&("MENTAL_HEALTH".into(), "CONSENT".into())),
        "{entry}"
    );
    assert!(
        bases.contains(&("MENTAL_HEALTH".into(), "OWN_CONTRIBUTION".into())),
        "{entry}"
    );
    let grant = entry["basis"]
        .as_array()
        .expect("basis")
        .iter()
        .find(|b| b["kind"] == "CONSENT")
        .map(|b| b["grantIds"].clone());
    assert_eq!(grant, Some(json!([readers.camhs_grant])), "{entry}");
}

/// A batch runs in order: a read after a withdrawal in the same batch does
/// not see the withdrawn scope, and its entry does not cite the grant.
#[tokio::test]
async fn a_batch_runs_in_order() {
    let app = spawn_app().await;
    let readers = Readers::new(&app).await;
    let amira = readers.amira.id;
    // The parent withdraws CAMHS's grant, then (same batch) reads as herself;
    // CAMHS reads right after in its own request.
    let parent = app.family_member("parent-1");
    let batch = json!([
        { "query": WITHDRAW, "variables": { "id": readers.camhs_grant } },
        { "query": "query($id: ID!) { child(id: $id) { identity { givenName } } }", "variables": { "id": amira } },
    ]);
    let answer = app.post_json(Some(&parent.token()), None, &batch).await;
    assert!(
        answer.body[0]["data"]["withdrawConsent"]["grantId"].is_string(),
        "{answer:?}"
    );
    let read = readers
        .camhs
        .graphql(READ_CAMHS, json!({ "id": amira }))
        .await;
    assert!(
        read.body["data"]["child"]["mentalHealth"].is_null(),
        "{read:?}"
    );
    let entries = trace(&app, json!({ "childId": amira })).await;
    let withdrawn_at = entries
        .iter()
        .find(|e| e["action"] == "CONSENT_WITHDRAWN")
        .map(seq)
        .expect("withdrawal");
    let parent_read = entries
        .iter()
        .find(|e| e["action"] == "READ" && e["actorSubject"] == parent.subject())
        .map(seq)
        .expect("parent read");
    assert!(withdrawn_at < parent_read, "{entries:#?}");
}

/// Reading the advice requests addressed to your agency is traced.
#[tokio::test]
async fn reading_advice_requests_is_traced() {
    // The council assesses Jayden and asks CAMHS for advice.
    let app = spawn_app().await;
    let readers = Readers::new(&app).await;
    let officer = app.case_officer().await;
    let today = app.today();
    let started = officer
        .graphql(
            "mutation($c: ID!, $on: Date!) { startAssessment(childId: $c, requestReceivedOn: $on) { id } }",
            json!({ "c": readers.jayden.id, "on": today - chrono::Duration::days(10) }),
        )
        .await;
    let assessment = started.body["data"]["startAssessment"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("not started: {started:?}"))
        .to_owned();
    let decided = officer
        .graphql(
            "mutation($a: ID!, $on: Date!) {
               recordDecisionToAssess(assessmentId: $a, assess: true, on: $on) { id } }",
            json!({ "a": assessment, "on": today }),
        )
        .await;
    assert!(decided.body["errors"].is_null(), "{decided:?}");
    let asked = officer
        .graphql(
            "mutation($a: ID!, $agency: ID!) {
               requestAdvice(assessmentId: $a, agencyId: $agency, scope: MENTAL_HEALTH) { id } }",
            json!({ "a": assessment, "agency": readers.camhs_service.id }),
        )
        .await;
    assert!(asked.body["errors"].is_null(), "{asked:?}");

    let camhs = &readers.camhs;
    let answer = camhs
        .graphql("{ adviceRequests { id childId } }", json!({}))
        .await;
    let requests = answer.body["data"]["adviceRequests"]
        .as_array()
        .expect("requests")
        .clone();
    assert!(
        !requests.is_empty(),
        "the council asks CAMHS about Jayden: {answer:?}"
    );
    let entries = trace(
        &app,
        json!({ "actorSubject": camhs.subject(), "action": "READ" }),
    )
    .await;
    assert_eq!(entries.len(), requests.len(), "{entries:#?}");
    assert!(
        entries
            .iter()
            .all(|e| detail(e, "view") == Some("advice_requests"))
    );
}
