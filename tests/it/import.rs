//! Bulk import (`tellonce import`): a file with good and bad rows imports
//! the good children whole (read back over GraphQL by a case officer), with
//! one IMPORT entry each; the report names each bad row by line and reason;
//! a re-run changes nothing; a changed row is skipped; a dry run writes
//! nothing; the real binary exits 2 on a bad file.

use api::access::ChildOutcome;
use api::import_cli::{ImportOptions, ImportReport, import_text};
use api::operator::Operator;
use chrono::{Months, NaiveDate};
use domain::import::ImportFormat;
use domain::{AgencyKind, NhsNumber, Relationship};
use sea_orm::{ActiveValue::Set, EntityTrait};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::fixtures::{Agency, COUNCIL, nhs_number};
use crate::helpers::{TestApp, spawn_app};

const HEADER: &str = "record_type,child_ref,external_id,given_name,family_name,date_of_birth,nhs_number,upn,full_name,relationship,parental_responsibility,pr_evidence,agency,role_title,since,made_on,last_review_concluded_on,person_id";

fn born(app: &TestApp, years: u32) -> NaiveDate {
    app.today()
        .checked_sub_months(Months::new(years * 12 + 2))
        .expect("a date of birth")
}

/// Amira (NHS number, mother with PR, a school involvement by hub id, a
/// health involvement by ODS code, a plan with its last review), Ben (a
/// corrupted NHS number), Cara (a source key only, a father without PR, a
/// bad relationship on her second family row), Dan (a source key only),
/// and an involvement of a child the file does not have.
fn file(app: &TestApp, school: &Agency, amira_family_name: &str) -> String {
    let amira_nhs = nhs_number(1);
    let mut ben_nhs = nhs_number(2);
    let last = ben_nhs.pop().and_then(|c| c.to_digit(10)).unwrap_or(0);
    ben_nhs.push(char::from_digit((last + 1) % 10, 10).unwrap_or('0'));
    let made = app
        .today()
        .checked_sub_months(Months::new(20))
        .expect("a date");
    let review = app
        .today()
        .checked_sub_months(Months::new(8))
        .expect("a date");
    let rows = [
        format!(
            "child,C1,MIS-1,Amira,{amira_family_name},{},{amira_nhs},,,,,,,,,,",
            born(app, 9)
        ),
        "family_member,C1,,,,,,,Sara Khan,mother,yes,,,,,,".into(),
        format!("involvement,C1,,,,,,,,,,,{},SENCo,2024-09-01,,", school.id),
        "involvement,C1,,,,,,,,,,,ODS:rtest,Paediatrician,,,".into(),
        format!("plan,C1,,,,,,,,,,,,,,{made},{review}"),
        format!(
            "child,C2,MIS-2,Ben,Jones,{},{ben_nhs},,,,,,,,,,",
            born(app, 7)
        ),
        format!("child,C3,MIS-3,Cara,Lee,{},,,,,,,,,,,", born(app, 12)),
        "family_member,C3,,,,,,,Tom Lee,FATHER,no,,,,,,".into(),
        "family_member,C3,,,,,,,Ann Lee,aunt,no,,,,,,".into(),
        format!("child,C4,MIS-4,Dan,Ray,{},,,,,,,,,,,", born(app, 5)),
        "family_member,C4,,,,,,,Joy Ray,Special guardian,true,Special guardianship order,,,,,"
            .into(),
        "involvement,C9,,,,,,,,,,,ODS:RTEST,Nurse,,,".into(),
    ];
    // Sara signs in as parent-amira: her PR is a holding the door decides by.
    let rows = rows.map(|r| {
        if r.starts_with("family_member,C1,") {
            format!("{r},parent-amira")
        } else {
            format!("{r},")
        }
    });
    format!("{HEADER}\n{}\n", rows.join("\n"))
}

fn options(dry_run: bool) -> ImportOptions {
    ImportOptions {
        agency: COUNCIL,
        format: ImportFormat::Csv,
        source: "Test MIS".into(),
        dry_run,
    }
}

async fn run(app: &TestApp, text: &str, dry_run: bool) -> ImportReport {
    let operator = Operator::over(&app.settings, app.store.clone());
    import_text(&operator, &options(dry_run), text)
        .await
        .expect("the import runs")
}

/// A health agency known by the ODS code RTEST.
async fn health_with_ods(app: &TestApp) -> Agency {
    let health = app
        .agency(AgencyKind::Health)
        .named("Test Trust")
        .create()
        .await;
    let tx = app.store.traced().await.expect("transaction");
    store::entities::agency_identifier::Entity::insert(
        store::entities::agency_identifier::ActiveModel {
            agency_id: Set(health.id),
            scheme: Set("ODS".into()),
            value: Set("RTEST".into()),
        },
    )
    .exec(tx.conn())
    .await
    .expect("identifier");
    tx.commit(Vec::new()).await.expect("commit");
    health
}

async fn import_entries(app: &TestApp) -> Vec<Value> {
    let answer = app
        .ig_auditor()
        .await
        .graphql(
            "query($f: TraceFilterInput) { accessTrace(filter: $f, first: 100) {
               edges { node { action childId actorSubject actorAgencyId details { key value } } } } }",
            json!({ "f": { "action": "IMPORT" } }),
        )
        .await;
    assert!(answer.codes().is_empty(), "{}", answer.body);
    answer.body["data"]["accessTrace"]["edges"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|e| e["node"].clone())
        .collect()
}

fn detail<'a>(entry: &'a Value, key: &str) -> Option<&'a str> {
    entry["details"]
        .as_array()?
        .iter()
        .find(|d| d["key"] == key)
        .and_then(|d| d["value"].as_str())
}

fn imported_ids(report: &ImportReport) -> Vec<Uuid> {
    report.imported().into_iter().flatten().collect()
}

#[tokio::test]
async fn good_children_import_whole_and_bad_rows_are_reported() {
    let app = spawn_app().await;
    app.council().await;
    let school = app
        .agency(AgencyKind::School)
        .named("Hillside Primary")
        .create()
        .await;
    let health = health_with_ods(&app).await;
    let text = file(&app, &school, "Khan");

    let report = run(&app, &text, false).await;
    let rejected: Vec<(u64, &str)> = report
        .all_rejected()
        .iter()
        .map(|e| (e.line, e.field.as_str()))
        .collect();
    assert_eq!(
        rejected,
        vec![
            (7, "nhs_number"),
            (8, "child_ref"),
            (10, "relationship"),
            (13, "child_ref"),
        ],
        "{report}"
    );
    let shown = report.to_string();
    for value in ["Amira", "Khan", "Sara", "aunt", &nhs_number(1)] {
        assert!(!shown.contains(value), "the report echoes a value: {shown}");
    }
    assert!(shown.contains("line 7: rejected: nhs_number:"), "{shown}");
    let ids = imported_ids(&report);
    assert_eq!(ids.len(), 2, "Amira and Dan: {shown}");
    assert!(!report.is_clean());

    // Amira, read back by a case officer over GraphQL (as far as the
    // agreement shows her without the family's consent), and on file.
    let officer = app.case_officer().await;
    let amira = ids[0];
    let answer = officer
        .graphql(
            "query($id: ID!) { child(id: $id) { identity { givenName familyName dateOfBirth } } }",
            json!({ "id": amira }),
        )
        .await;
    assert!(answer.codes().is_empty(), "{}", answer.body);
    let identity = &answer.body["data"]["child"]["identity"];
    assert_eq!(
        (&identity["givenName"], &identity["familyName"]),
        (&json!("Amira"), &json!("Khan"))
    );
    assert_eq!(identity["dateOfBirth"], born(&app, 9).to_string());
    let nhs = NhsNumber::parse(&nhs_number(1)).expect("nhs");
    assert_eq!(
        app.store.child_with_nhs_number(&nhs).await.expect("lookup"),
        Some(amira)
    );
    let core = app
        .store
        .child_core(amira)
        .await
        .expect("core")
        .expect("on file");
    let family: Vec<_> = core
        .family
        .iter()
        .map(|m| {
            (
                m.full_name.as_str(),
                m.relationship,
                m.parental_responsibility,
                m.pr_evidence.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        family,
        vec![(
            "Sara Khan",
            Relationship::Mother,
            true,
            Some("imported from Test MIS")
        )]
    );
    let mut agencies: Vec<Uuid> = app
        .store
        .involvements_on_file(amira)
        .await
        .expect("involvements")
        .iter()
        .map(|i| i.agency_id)
        .collect();
    agencies.sort();
    let mut expected = vec![COUNCIL, school.id, health.id];
    expected.sort();
    assert_eq!(agencies, expected);

    // Her mother holds parental responsibility, carried over.
    let answer = officer
        .graphql(
            "query($id: ID!) { whoDecides(childId: $id) { parentalResponsibility { personId source current } } }",
            json!({ "id": amira }),
        )
        .await;
    assert_eq!(
        answer.body["data"]["whoDecides"]["parentalResponsibility"],
        json!([{ "personId": "parent-amira", "source": "CARRIED_OVER", "current": true }]),
        "{}",
        answer.body
    );

    // Her plan, imported with its last review.
    let answer = officer
        .graphql(
            "query($c: ID!) { annualReviews(childId: $c) { imported madeOn concluded { imported } } }",
            json!({ "c": amira }),
        )
        .await;
    let plans = &answer.body["data"]["annualReviews"];
    assert_eq!(plans.as_array().map(Vec::len), Some(1), "{}", answer.body);
    assert_eq!(plans[0]["imported"], true);
    assert_eq!(plans[0]["concluded"][0]["imported"], true);

    // One IMPORT entry per child, with ids and counts.
    let entries = import_entries(&app).await;
    assert_eq!(entries.len(), 2, "{entries:?}");
    let mut children: Vec<String> = entries
        .iter()
        .filter_map(|e| e["childId"].as_str().map(str::to_owned))
        .collect();
    children.sort();
    let mut want: Vec<String> = ids.iter().map(Uuid::to_string).collect();
    want.sort();
    assert_eq!(children, want);
    let amira_entry = entries
        .iter()
        .find(|e| e["childId"] == amira.to_string())
        .expect("Amira's entry");
    assert_eq!(amira_entry["actorAgencyId"], COUNCIL.to_string());
    assert!(
        amira_entry["actorSubject"]
            .as_str()
            .is_some_and(|s| s.starts_with("operator:"))
    );
    assert_eq!(detail(amira_entry, "family_members"), Some("1"));
    assert_eq!(detail(amira_entry, "parental_responsibility"), Some("1"));
    assert_eq!(detail(amira_entry, "involvements"), Some("3"));
    assert!(detail(amira_entry, "plan_id").is_some());
    assert!(!amira_entry.to_string().contains("Amira"));

    // The same file again: nothing new, nothing duplicated; comparing
    // read each record on file, and says so in the trace.
    let again = run(&app, &text, false).await;
    assert_eq!(again.imported().len(), 0, "{again}");
    assert_eq!(again.unchanged(), 2, "{again}");
    assert_eq!(again.all_rejected().len(), 4);
    let entries = import_entries(&app).await;
    assert_eq!(entries.len(), 4, "{entries:?}");
    let found: Vec<Option<&str>> = entries.iter().map(|e| detail(e, "found")).collect();
    assert_eq!(
        found.iter().filter(|f| **f == Some("unchanged")).count(),
        2,
        "{entries:?}"
    );

    // A changed row is skipped, not written over the record on file.
    let changed = run(&app, &file(&app, &school, "Khan-Smith"), false).await;
    let amira_line = changed
        .children
        .iter()
        .find(|c| c.line == 2)
        .expect("Amira's line");
    assert_eq!(
        amira_line.outcome,
        ChildOutcome::Differs {
            child: amira,
            part: "identity"
        }
    );
    assert_eq!(changed.unchanged(), 1);
    assert!(changed.to_string().contains("change it in the hub"));
    let entries = import_entries(&app).await;
    assert_eq!(entries.len(), 6, "{entries:?}");
    assert!(
        entries.iter().any(|e| detail(e, "found") == Some("differs")
            && detail(e, "differs_in") == Some("identity")),
        "{entries:?}"
    );
    let answer = officer
        .graphql(
            "query($id: ID!) { child(id: $id) { identity { familyName } } }",
            json!({ "id": amira }),
        )
        .await;
    assert_eq!(
        answer.body["data"]["child"]["identity"]["familyName"],
        "Khan"
    );
}

#[tokio::test]
async fn a_dry_run_reports_and_writes_nothing() {
    let app = spawn_app().await;
    app.council().await;
    let school = app
        .agency(AgencyKind::School)
        .named("Hillside Primary")
        .create()
        .await;
    health_with_ods(&app).await;
    let text = file(&app, &school, "Khan");

    let report = run(&app, &text, true).await;
    assert_eq!(report.imported(), vec![None, None], "{report}");
    assert_eq!(report.all_rejected().len(), 4);
    assert!(report.to_string().contains("dry run: nothing was written"));
    let nhs = NhsNumber::parse(&nhs_number(1)).expect("nhs");
    assert_eq!(
        app.store.child_with_nhs_number(&nhs).await.expect("lookup"),
        None
    );
    assert_eq!(
        app.store
            .child_with_external_id("Test MIS", "MIS-4")
            .await
            .expect("lookup"),
        None
    );
    assert!(import_entries(&app).await.is_empty());

    // Then for real: the children the dry run promised.
    let report = run(&app, &text, false).await;
    assert_eq!(imported_ids(&report).len(), 2, "{report}");
}

#[tokio::test]
async fn json_lines_import_and_rerun_unchanged() {
    let app = spawn_app().await;
    app.council().await;
    let school = app
        .agency(AgencyKind::School)
        .named("Hillside Primary")
        .create()
        .await;
    let text = format!(
        "{}\n{}\n",
        json!({
            "child_ref": "J1", "external_id": "X-1", "given_name": "Eli", "family_name": "Stone",
            "date_of_birth": born(&app, 10).to_string(), "upn": "B801200005001",
            "family": [{ "full_name": "Ruth Stone", "relationship": "MOTHER",
                         "parental_responsibility": true, "pr_evidence": "Birth certificate" }],
            "involvements": [{ "agency": school.id.to_string(), "role_title": "SENCo" }],
        }),
        json!({ "given_name": "Fay", "family_name": "Stone", "date_of_birth": "not a date" }),
    );
    let mut options = options(false);
    options.format = ImportFormat::JsonLines;
    let operator = Operator::over(&app.settings, app.store.clone());
    let report = import_text(&operator, &options, &text).await.expect("runs");
    assert_eq!(imported_ids(&report).len(), 1, "{report}");
    let rejected: Vec<(u64, &str)> = report
        .all_rejected()
        .iter()
        .map(|e| (e.line, e.field.as_str()))
        .collect();
    assert_eq!(rejected, vec![(2, "date_of_birth")]);
    let again = import_text(&operator, &options, &text).await.expect("runs");
    assert_eq!(
        (again.imported().len(), again.unchanged()),
        (0, 1),
        "{again}"
    );
    // The first import's entry, and the re-run's comparison.
    assert_eq!(import_entries(&app).await.len(), 2);
}

#[tokio::test]
async fn only_a_council_send_team_may_import() {
    let app = spawn_app().await;
    let school = app
        .agency(AgencyKind::School)
        .named("Hillside Primary")
        .create()
        .await;
    let operator = Operator::over(&app.settings, app.store.clone());
    let mut options = options(false);
    options.agency = school.id;
    let err = import_text(&operator, &options, &format!("{HEADER}\n"))
        .await
        .expect_err("a school cannot import");
    assert!(err.to_string().contains("council SEND team"), "{err}");
    options.agency = Uuid::now_v7();
    let err = import_text(&operator, &options, &format!("{HEADER}\n"))
        .await
        .expect_err("no such agency");
    assert!(err.to_string().contains("no active agency"), "{err}");
}
