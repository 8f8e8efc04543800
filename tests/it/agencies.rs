//! The agency register (issue 13 item 3) over HTTP with real tokens: IG
//! administrators register, change, retire and import agencies, each change
//! traced; others are refused; a retired agency's staff are refused at the
//! door and families are no longer offered it; the CLI goes through the same
//! door as `operator:<user>`.

use api::access::ImportOutcome;
use api::cli::{Cli, Command};
use api::operator::Operator;
use clap::Parser;
use consent::{Purpose, Role};
use domain::{AgencyKind, Scope};
use serde_json::{Value, json};

use crate::fixtures::Agency;
use crate::helpers::*;

const REGISTER: &str = "mutation($i: AgencyInput!) { registerAgency(input: $i) {
  id name kind identifiers { scheme value } contact retiredAt updatedAt } }";
const UPDATE: &str = "mutation($id: ID!, $i: AgencyInput!) { updateAgency(id: $id, input: $i) {
  id name kind identifiers { scheme value } contact retiredAt } }";
const RETIRE: &str = "mutation($id: ID!, $r: String) { retireAgency(id: $id, reason: $r) {
  id retiredAt } }";
const LIST: &str = "query($all: Boolean!) { agencyRegister(includeRetired: $all) {
  id name kind identifiers { scheme value } contact retiredAt } }";
const IMPORT: &str = "mutation($csv: String!) { importAgencies(csv: $csv) { applied
  created { line name agencyId } updated { line name agencyId } unchanged { line name agencyId }
  rejected { line name reason } } }";
const TRACE: &str = "query($f: TraceFilterInput) { accessTrace(filter: $f, first: 100) {
  edges { node { action actorSubject details { key value } } } } }";

fn field_of(answer: &Answer) -> Option<&str> {
    answer.body["errors"][0]["extensions"]["field"].as_str()
}

fn assert_bad_input(answer: &Answer, field: &str, words: &str) {
    assert_eq!(answer.codes(), vec!["BAD_USER_INPUT"], "{answer:?}");
    assert_eq!(field_of(answer), Some(field), "{answer:?}");
    assert!(answer.message().contains(words), "{answer:?}");
}

/// The trace entries of `action`, as an IG auditor reads them.
async fn trace_of(app: &TestApp, action: &str) -> Vec<Value> {
    let auditor = app.ig_auditor().await;
    let answer = auditor
        .graphql(TRACE, json!({ "f": { "action": action } }))
        .await;
    answer.body["data"]["accessTrace"]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("accessTrace: {answer:?}"))
        .iter()
        .map(|e| e["node"].clone())
        .collect()
}

fn detail(entry: &Value, key: &str) -> Option<String> {
    entry["details"]
        .as_array()?
        .iter()
        .find(|d| d["key"] == key)
        .and_then(|d| d["value"].as_str().map(str::to_owned))
}

async fn register(app: &TestApp, input: Value) -> Answer {
    app.ig_admin()
        .await
        .graphql(REGISTER, json!({ "i": input }))
        .await
}

async fn registered_id(app: &TestApp, input: Value) -> String {
    let answer = register(app, input).await;
    answer.body["data"]["registerAgency"]["id"]
        .as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| panic!("registerAgency refused: {answer:?}"))
}

#[tokio::test]
async fn ig_admin_registers_updates_and_retires_each_traced() {
    let app = spawn_app().await;
    let admin = app.ig_admin().await;
    let answer = register(
        &app,
        json!({ "name": " North Trust CAMHS ", "kind": "CAMHS", "ods": "rxx",
                "contact": "ig@north.example" }),
    )
    .await;
    let made = &answer.body["data"]["registerAgency"];
    assert_eq!(made["name"], "North Trust CAMHS", "{answer:?}");
    assert_eq!(made["kind"], "CAMHS");
    assert_eq!(
        made["identifiers"],
        json!([{ "scheme": "ODS", "value": "RXX" }])
    );
    assert_eq!(made["contact"], "ig@north.example");
    assert!(made["retiredAt"].is_null());
    let id = made["id"].as_str().expect("id").to_owned();

    let answer = admin
        .graphql(
            UPDATE,
            json!({ "id": id, "i": { "name": "North Trust CAMHS Service", "kind": "CAMHS",
                    "ods": "RXX01", "contact": "dpo@north.example" } }),
        )
        .await;
    let changed = &answer.body["data"]["updateAgency"];
    assert_eq!(changed["name"], "North Trust CAMHS Service", "{answer:?}");
    assert_eq!(
        changed["identifiers"],
        json!([{ "scheme": "ODS", "value": "RXX01" }])
    );
    assert_eq!(changed["contact"], "dpo@north.example");

    // The kind never changes in place.
    let answer = admin
        .graphql(
            UPDATE,
            json!({ "id": id, "i": { "name": "North Trust", "kind": "HEALTH" } }),
        )
        .await;
    assert_bad_input(&answer, "kind", "retire this agency and register a new one");

    let answer = admin
        .graphql(
            RETIRE,
            json!({ "id": id, "r": "merged into another trust" }),
        )
        .await;
    assert!(
        answer.body["data"]["retireAgency"]["retiredAt"].is_string(),
        "{answer:?}"
    );
    let again = admin.graphql(RETIRE, json!({ "id": id })).await;
    assert_bad_input(&again, "id", "already retired");
    let answer = admin
        .graphql(
            UPDATE,
            json!({ "id": id, "i": { "name": "Back again", "kind": "CAMHS" } }),
        )
        .await;
    assert_bad_input(&answer, "id", "retired");

    // Listed with its status only when retired ones are asked for.
    let active = admin.graphql(LIST, json!({ "all": false })).await;
    let listed = active.body["data"]["agencyRegister"]
        .as_array()
        .expect("register");
    assert!(listed.iter().all(|a| a["id"] != id.as_str()), "{active:?}");
    let all = app
        .ig_auditor()
        .await
        .graphql(LIST, json!({ "all": true }))
        .await;
    let entry = all.body["data"]["agencyRegister"]
        .as_array()
        .expect("register")
        .iter()
        .find(|a| a["id"] == id.as_str())
        .cloned()
        .unwrap_or_else(|| panic!("retired agency not listed: {all:?}"));
    assert!(entry["retiredAt"].is_string());
    assert_eq!(entry["contact"], "dpo@north.example");

    // One entry per change, naming the agency by id, never its contact.
    for action in ["AGENCY_REGISTERED", "AGENCY_UPDATED", "AGENCY_RETIRED"] {
        let entries = trace_of(&app, action).await;
        assert_eq!(entries.len(), 1, "{action}: {entries:?}");
        assert_eq!(entries[0]["actorSubject"], admin.subject());
        assert_eq!(detail(&entries[0], "agency").as_deref(), Some(id.as_str()));
        let text = entries[0].to_string();
        assert!(!text.contains("north.example"), "{action}: {text}");
    }
    let retired = trace_of(&app, "AGENCY_RETIRED").await;
    assert_eq!(
        detail(&retired[0], "reason").as_deref(),
        Some("merged into another trust")
    );
}

#[tokio::test]
async fn only_ig_admins_change_the_register_and_only_ig_reads_it() {
    let app = spawn_app().await;
    let school = app.agency(AgencyKind::School).create().await;
    let practitioner = app.practitioner(&school);
    let auditor = app.ig_auditor().await;
    let input = json!({ "i": { "name": "Hill School", "kind": "SCHOOL", "urn": "123456" } });
    for who in [&practitioner, &auditor] {
        let answer = who.graphql(REGISTER, input.clone()).await;
        assert_eq!(answer.codes(), vec!["FORBIDDEN"], "{answer:?}");
        let answer = who
            .graphql(IMPORT, json!({ "csv": "name,kind\nX,school\n" }))
            .await;
        assert_eq!(answer.codes(), vec!["FORBIDDEN"], "{answer:?}");
        let answer = who
            .graphql(RETIRE, json!({ "id": school.id.to_string() }))
            .await;
        assert_eq!(answer.codes(), vec!["FORBIDDEN"], "{answer:?}");
    }
    let answer = practitioner.graphql(LIST, json!({ "all": false })).await;
    assert_eq!(answer.codes(), vec!["FORBIDDEN"], "{answer:?}");
    let answer = auditor.graphql(LIST, json!({ "all": false })).await;
    assert!(
        answer.body["data"]["agencyRegister"].is_array(),
        "{answer:?}"
    );
    assert!(trace_of(&app, "AGENCY_REGISTERED").await.is_empty());
}

#[tokio::test]
async fn bad_and_duplicate_identifiers_name_their_field() {
    let app = spawn_app().await;
    registered_id(
        &app,
        json!({ "name": "Paediatrics", "kind": "HEALTH", "ods": "G81001" }),
    )
    .await;
    let answer = register(
        &app,
        json!({ "name": "Other practice", "kind": "HEALTH", "ods": "g81001" }),
    )
    .await;
    assert_bad_input(&answer, "ods", "already names another agency (Paediatrics)");

    for (input, field) in [
        (
            json!({ "name": "A", "kind": "HEALTH", "ods": "R-X" }),
            "ods",
        ),
        (
            json!({ "name": "A", "kind": "HEALTH", "ods": "RXXXXXX" }),
            "ods",
        ),
        (
            json!({ "name": "A", "kind": "SCHOOL", "urn": "012345" }),
            "urn",
        ),
        (
            json!({ "name": "A", "kind": "SCHOOL", "urn": "12345" }),
            "urn",
        ),
        (
            json!({ "name": "A", "kind": "LA_SEND", "laCode": "87" }),
            "laCode",
        ),
        (
            json!({ "name": "A", "kind": "SCHOOL", "ukprn": "20001234" }),
            "ukprn",
        ),
        (json!({ "name": "", "kind": "SCHOOL" }), "name"),
        (json!({ "name": "a\u{1b}[31m", "kind": "SCHOOL" }), "name"),
        (
            json!({ "name": "A", "kind": "SCHOOL", "contact": "x".repeat(501) }),
            "contact",
        ),
    ] {
        let answer = register(&app, input.clone()).await;
        assert_eq!(
            answer.codes(),
            vec!["BAD_USER_INPUT"],
            "{input}: {answer:?}"
        );
        assert_eq!(field_of(&answer), Some(field), "{input}: {answer:?}");
    }
    assert_eq!(trace_of(&app, "AGENCY_REGISTERED").await.len(), 1);
}

#[tokio::test]
async fn a_retired_agency_is_refused_at_the_door_and_offered_to_no_one() {
    let app = spawn_app().await;
    let id = registered_id(
        &app,
        json!({ "name": "Leaving School", "kind": "SCHOOL", "urn": "654321" }),
    )
    .await;
    let leaving = Agency {
        id: id.parse().expect("uuid"),
        name: "Leaving School".into(),
        kind: AgencyKind::School,
    };
    let staying = app
        .agency(AgencyKind::School)
        .named("Staying School")
        .create()
        .await;
    let child = app.child().aged(9).with_parent("parent-1").create().await;
    let parent = app.family_member("parent-1");
    let me = "{ me { subject agencyKind } }";
    let senco = app.practitioner(&leaving);
    let answer = senco.graphql(me, json!({})).await;
    assert_eq!(
        answer.body["data"]["me"]["agencyKind"], "SCHOOL",
        "{answer:?}"
    );
    // A grant to the named agency, before it retires.
    parent
        .grant(&child)
        .to(&leaving)
        .scopes([Scope::Education])
        .purposes([Purpose::DirectSupport])
        .create()
        .await;

    let answer = app
        .ig_admin()
        .await
        .graphql(RETIRE, json!({ "id": id }))
        .await;
    assert!(answer.body["errors"].is_null(), "{answer:?}");

    let answer = senco.graphql(me, json!({})).await;
    assert_eq!(answer.status, 401, "{answer:?}");
    assert_eq!(answer.codes(), vec!["UNAUTHENTICATED"], "{answer:?}");
    assert!(answer.message().contains("retired"), "{answer:?}");

    // Not listed to families, nor in the sharing grid.
    let answer = parent.graphql("{ agencies { id name } }", json!({})).await;
    let names: Vec<&str> = answer.body["data"]["agencies"]
        .as_array()
        .expect("agencies")
        .iter()
        .filter_map(|a| a["name"].as_str())
        .collect();
    assert!(names.contains(&"Staying School"), "{answer:?}");
    assert!(!names.contains(&"Leaving School"), "{answer:?}");
    let answer = parent
        .graphql(
            "query($id: ID!) { sharing(childId: $id) { agencies { agency { id name } } } }",
            json!({ "id": child.id }),
        )
        .await;
    let grid = answer.body["data"]["sharing"]["agencies"]
        .as_array()
        .unwrap_or_else(|| panic!("sharing: {answer:?}"));
    assert!(
        grid.iter()
            .any(|a| a["agency"]["id"] == staying.id.to_string()),
        "{answer:?}"
    );
    assert!(
        grid.iter().all(|a| a["agency"]["id"] != id.as_str()),
        "{answer:?}"
    );

    // A new grant to it is refused, saying why.
    let answer = parent
        .grant(&child)
        .to(&leaving)
        .scopes([Scope::Education])
        .purposes([Purpose::DirectSupport])
        .send()
        .await;
    assert_bad_input(&answer, "recipientAgencyId", "retired");
    // A grant to the one that stays is still made.
    parent
        .grant(&child)
        .to(&staying)
        .scopes([Scope::Education])
        .purposes([Purpose::DirectSupport])
        .create()
        .await;
}

#[tokio::test]
async fn csv_import_is_all_or_nothing_and_idempotent() {
    let app = spawn_app().await;
    let admin = app.ig_admin().await;
    let good = "name,kind,ods,urn,la_code,ukprn,contact\n\
        Hill Primary,school,,100001,,,office@hill.example\n\
        North CAMHS,camhs,RX1,,,,\n\
        Northshire SEND,la_send,,,873,,\n";
    let bad = format!(
        "{good}Bad Urn School,school,,99999,,,\n\
         Twin CAMHS,camhs,rx1,,,,\n\
         Mystery,wizards,,,,,\n"
    );
    let answer = admin.graphql(IMPORT, json!({ "csv": bad })).await;
    let report = &answer.body["data"]["importAgencies"];
    assert_eq!(report["applied"], false, "{answer:?}");
    let rejected = report["rejected"].as_array().expect("rejected");
    let lines: Vec<i64> = rejected.iter().filter_map(|r| r["line"].as_i64()).collect();
    assert_eq!(lines, vec![5, 6, 7], "{answer:?}");
    let reasons: Vec<&str> = rejected
        .iter()
        .filter_map(|r| r["reason"].as_str())
        .collect();
    assert!(reasons[0].starts_with("urn:"), "{reasons:?}");
    assert!(reasons[1].contains("also on line 3"), "{reasons:?}");
    assert!(reasons[2].contains("unknown kind 'wizards'"), "{reasons:?}");
    // Nothing was written.
    let list = admin.graphql(LIST, json!({ "all": true })).await;
    let names: Vec<&str> = list.body["data"]["agencyRegister"]
        .as_array()
        .expect("register")
        .iter()
        .filter_map(|a| a["name"].as_str())
        .collect();
    assert_eq!(names, vec![crate::fixtures::COUNCIL_NAME], "{list:?}");
    assert!(trace_of(&app, "AGENCY_REGISTERED").await.is_empty());

    let answer = admin.graphql(IMPORT, json!({ "csv": good })).await;
    let report = &answer.body["data"]["importAgencies"];
    assert_eq!(report["applied"], true, "{answer:?}");
    assert_eq!(
        report["created"].as_array().map(Vec::len),
        Some(3),
        "{answer:?}"
    );
    assert!(report["created"][0]["agencyId"].is_string(), "{answer:?}");
    assert_eq!(trace_of(&app, "AGENCY_REGISTERED").await.len(), 3);

    let answer = admin.graphql(IMPORT, json!({ "csv": good })).await;
    let report = &answer.body["data"]["importAgencies"];
    assert_eq!(report["applied"], true, "{answer:?}");
    assert_eq!(
        report["unchanged"].as_array().map(Vec::len),
        Some(3),
        "{answer:?}"
    );
    assert_eq!(report["created"], json!([]), "{answer:?}");

    // A changed contact updates the agency the identifier names.
    let changed = good.replace("office@hill.example", "head@hill.example");
    let answer = admin.graphql(IMPORT, json!({ "csv": changed })).await;
    let report = &answer.body["data"]["importAgencies"];
    assert_eq!(report["updated"][0]["name"], "Hill Primary", "{answer:?}");
    assert_eq!(report["unchanged"].as_array().map(Vec::len), Some(2));
    assert_eq!(trace_of(&app, "AGENCY_REGISTERED").await.len(), 3);
    assert_eq!(trace_of(&app, "AGENCY_UPDATED").await.len(), 1);

    // A file the importer cannot read at all names the csv argument.
    let answer = admin
        .graphql(IMPORT, json!({ "csv": "name,colour\nA,blue\n" }))
        .await;
    assert_bad_input(&answer, "csv", "unknown column 'colour'");
}

/// Runs `tellonce agency …` as the CLI parses it, through an operator over
/// the test hub's database; returns what it printed.
async fn cli(operator: &Operator, args: &[&str]) -> anyhow::Result<String> {
    let cli = Cli::try_parse_from(["tellonce", "agency"].iter().chain(args))?;
    let Command::Agency { command } = cli.command else {
        panic!("not an agency command");
    };
    let mut out = Vec::new();
    api::agency_cli::run(operator, command, &mut out).await?;
    Ok(String::from_utf8(out)?)
}

#[tokio::test]
async fn the_cli_keeps_the_register_through_the_door_as_the_operator() {
    let app = spawn_app().await;
    let operator = Operator::over(&app.settings, app.store.clone());
    let subject = operator.context(Role::IgAdmin).principal.subject;
    assert!(subject.starts_with("operator:"), "{subject}");

    let out = cli(
        &operator,
        &[
            "add",
            "--name",
            "Riverside Primary",
            "--kind",
            "school",
            "--urn",
            "100002",
            "--contact",
            "office@riverside.example",
        ],
    )
    .await
    .expect("agency add");
    let id = out
        .strip_prefix("registered ")
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("{out}"))
        .to_owned();
    let refused = cli(
        &operator,
        &[
            "add", "--name", "Copy", "--kind", "school", "--urn", "100002",
        ],
    )
    .await
    .expect_err("duplicate URN");
    assert!(refused.to_string().starts_with("urn:"), "{refused}");

    let out = cli(
        &operator,
        &["update", &id, "--name", "Riverside Primary School"],
    )
    .await
    .expect("agency update");
    assert!(out.starts_with("updated"), "{out}");
    let kind = cli(&operator, &["update", &id, "--kind", "health"])
        .await
        .expect_err("kind change");
    assert!(kind.to_string().contains("cannot change"), "{kind}");

    let list = cli(&operator, &["list"]).await.expect("agency list");
    let row = list
        .lines()
        .find(|l| l.starts_with(&id))
        .unwrap_or_else(|| panic!("{list}"));
    assert!(row.contains("school"), "{row}");
    assert!(row.contains("Riverside Primary School"), "{row}");
    assert!(row.contains("URN:100002"), "{row}");
    assert!(row.ends_with("active"), "{row}");

    let dir = TempDir::new();
    let file = dir.0.join("agencies.csv");
    std::fs::write(
        &file,
        "name,kind,ods\nNorth CAMHS,camhs,RX2\nBad,camhs,R!\n",
    )
    .expect("write csv");
    let file = file.to_str().expect("path");
    let refused = cli(&operator, &["import", file])
        .await
        .expect_err("a rejected row fails the import");
    assert!(
        refused.to_string().contains("nothing was written"),
        "{refused}"
    );
    std::fs::write(file, "name,kind,ods\nNorth CAMHS,camhs,RX2\n").expect("write csv");
    let out = cli(&operator, &["import", file]).await.expect("import");
    assert!(out.contains("line 2: created North CAMHS"), "{out}");
    let out = cli(&operator, &["import", file]).await.expect("re-import");
    assert!(
        out.contains("0 created, 0 updated, 1 unchanged, 0 rejected"),
        "{out}"
    );

    let out = cli(&operator, &["retire", &id, "--reason", "closed"])
        .await
        .expect("retire");
    assert!(out.starts_with("retired"), "{out}");
    let list = cli(&operator, &["list"]).await.expect("list");
    assert!(!list.contains(&id), "{list}");
    let list = cli(&operator, &["list", "--all"])
        .await
        .expect("list --all");
    assert!(
        list.lines()
            .any(|l| l.starts_with(&id) && l.contains("retired")),
        "{list}"
    );

    // Every change is traced with the operator as actor.
    for (action, count) in [
        ("AGENCY_REGISTERED", 2),
        ("AGENCY_UPDATED", 1),
        ("AGENCY_RETIRED", 1),
    ] {
        let entries = trace_of(&app, action).await;
        assert_eq!(entries.len(), count, "{action}: {entries:?}");
        assert!(
            entries
                .iter()
                .all(|e| e["actorSubject"] == subject.as_str()),
            "{action}: {entries:?}"
        );
    }
    // The same import through the report type: nothing rejected.
    let rc = operator.context(Role::IgAdmin);
    let report = rc
        .ig_admin()
        .expect("ig admin")
        .import_agencies("name,kind,ods\nNorth CAMHS,camhs,RX2\n")
        .await
        .expect("import");
    rc.finish().await.expect("finish");
    assert_eq!(report.count(ImportOutcome::Unchanged), 1);
}
