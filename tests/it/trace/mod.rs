//! The access trace over HTTP: entries per action, durability, the hash
//! chain under concurrency, tamper detection, IG search and export, family history.

/// Append-only: the database refuses to change or remove entries.
mod append_only;
/// The hash chain stays linear under concurrent requests.
mod concurrency;
/// Durable before disclosure: nothing leaves the hub when its entry cannot be written.
mod durability;
/// An entry per action: fields and bases but no values, every operation, batches in order.
mod entries;
/// IG export as NDJSON and CSV, with cells a spreadsheet would run neutralised.
mod export;
/// Families see who looked at what and why, but not what an override keeps from them.
mod family_history;
/// A page of a family's access history, pinned as a snapshot at a fixed clock.
mod history_page;
/// The verifiable log: checkpoints, inclusion and consistency proofs, tiles.
mod log;
/// Monthly partitions on PostgreSQL, archiving after a signed checkpoint.
mod partitions;
/// IG search: filters and pagination return exactly the matching entries.
mod search;
/// Tamper detection names the entry: edited, removed, re-hashed, forged, moved, truncated.
mod tamper;

use chrono::{DateTime, Utc};
use consent::trace::GENESIS;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::fixtures::{Agency, Child, Persona};
use crate::helpers::*;

/// Amira, 9, whose mother is `parent-1`, with her own words and her school
/// year in the record, and her school in the register; written through the
/// store, so the trace holds only the agreement's entry until someone acts.
async fn amira_and_her_school(app: &TestApp) -> (Child, Agency) {
    let school = app
        .agency(domain::AgencyKind::School)
        .named("Riverside Primary School")
        .create()
        .await;
    let child = app
        .child()
        .named("Amira", "Khan")
        .aged(9)
        .with_parent("parent-1")
        // Her school works with her: a direct-support read needs that.
        .involving(&school)
        .with_record(|r| {
            r.all_about_me.what_matters = Some("Drawing horses and my cat Biscuit.".into());
            r.education.year_group = Some("Year 4".into());
        })
        .create()
        .await;
    (child, school)
}

// ---------------------------------------------------------------------------
// Queries and helpers.
// ---------------------------------------------------------------------------

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
        "ground": "S47",
        "telling": {
            "decision": "NOT_NOW",
            "notNowBecause": "Telling the family could put Jayden at risk while police enquiries continue.",
            "reviewOn": (chrono::Utc::now().date_naive() + chrono::Duration::days(3)).to_string(),
            "familyNotice": FAMILY_NOTICE,
        },
    }})
}

const FAMILY_NOTICE: &str = "A safeguarding lead in children's social care looked at parts of the record to help keep your child safe.";

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

/// An IG auditor's request (IG staff state no purpose of use).
async fn ig(app: &TestApp, query: &str, variables: Value) -> Answer {
    app.ig_auditor().await.graphql(query, variables).await
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

fn seq(node: &Value) -> i64 {
    node["seq"]
        .as_i64()
        .unwrap_or_else(|| panic!("no seq: {node}"))
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

/// `claims`, expired an hour ago.
fn expired(app: &TestApp, mut claims: Value) -> String {
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

/// Amira (as in `amira_and_her_school`, with an NHS number, and waiting
/// for CAMHS) and Jayden
/// with the agencies the trace tests read them as: a school (`senco`), which her mother let see Amira's education, and CAMHS
/// (`camhs`), which she let see Amira's mental health and the things that
/// matter to her, for direct support and the EHC assessment. Jayden, 14,
/// is `parent-2`'s son, under a youth justice order. All of it written
/// through the store, so the trace holds only the agreement's entry.
struct Readers<'a> {
    amira: Child,
    jayden: Child,
    school: Agency,
    camhs_service: Agency,
    school_grant: String,
    camhs_grant: String,
    senco: Persona<'a>,
    camhs: Persona<'a>,
}

impl<'a> Readers<'a> {
    async fn new(app: &'a TestApp) -> Self {
        use consent::{GrantorCapacity::ParentalResponsibility, Purpose};
        use domain::Scope;

        let school = app
            .agency(domain::AgencyKind::School)
            .named("Riverside Primary School")
            .create()
            .await;
        let camhs_service = app
            .agency(domain::AgencyKind::Camhs)
            .named("Northshire CAMHS")
            .create()
            .await;
        // Both agencies work with Amira, and the school with Jayden: a
        // read for direct support needs a current involvement.
        let amira = app
            .child()
            .named("Amira", "Khan")
            .aged(9)
            .nhs_number(&crate::fixtures::nhs_number(1))
            .with_parent("parent-1")
            .involving(&school)
            .involving(&camhs_service)
            .with_record(|r| {
                r.all_about_me.what_matters = Some("Drawing horses and my cat Biscuit.".into());
                r.education.year_group = Some("Year 4".into());
                r.mental_health.camhs_status = Some(domain::CamhsStatus::Waiting);
            })
            .create()
            .await;
        let jayden = app
            .child()
            .named("Jayden", "Morris")
            .aged(14)
            .with_parent("parent-2")
            .involving(&school)
            .with_record(|r| {
                r.education.year_group = Some("Year 9".into());
                r.restricted.push(domain::RestrictedItem {
                    id: Uuid::new_v4(),
                    kind: domain::RestrictedKind::YouthJusticeOrder,
                    summary: "Referral order, 6 months, for criminal damage.".into(),
                    since: None,
                    until: None,
                });
                r.social_care.short_breaks = Some("Saturday club".into());
            })
            .create()
            .await;
        let mother = app.family_member("parent-1");
        let school_grant = mother
            .grant(&amira)
            .to(&school)
            .scopes([Scope::Education])
            .purposes([Purpose::DirectSupport])
            .made_days_ago(30, ParentalResponsibility)
            .await;
        let camhs_grant = mother
            .grant(&amira)
            .to(&camhs_service)
            .scopes([Scope::MentalHealth, Scope::AllAboutMe])
            .purposes([Purpose::DirectSupport, Purpose::EhcAssessment])
            .made_days_ago(30, ParentalResponsibility)
            .await;
        let links = app.store.trace_links(0, 1_000).await.expect("links");
        assert_eq!(
            links.len(),
            1,
            "only the agreement's entry before the reads"
        );
        Self {
            senco: app.practitioner(&school),
            camhs: app.practitioner(&camhs_service),
            amira,
            jayden,
            school,
            camhs_service,
            school_grant,
            camhs_grant,
        }
    }

    /// Three reads after the agreement's entry: seq 2 (senco), 3 (camhs), 4 (senco).
    async fn three_reads(&self) {
        for (persona, child) in [
            (&self.senco, &self.amira),
            (&self.camhs, &self.amira),
            (&self.senco, &self.jayden),
        ] {
            let answer = persona.graphql(READ, json!({ "id": child.id })).await;
            assert!(answer.body["data"]["child"].is_object(), "{answer:?}");
        }
    }
}
