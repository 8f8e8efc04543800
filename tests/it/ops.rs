use consent::Purpose;
use domain::{AgencyKind, HealthItem, HealthItemKind, Upn};
use sea_orm::ConnectionTrait;
use serde_json::json;
use uuid::Uuid;

use crate::fixtures::nhs_number;
use crate::helpers::*;

#[tokio::test]
async fn health_and_readiness() {
    let app = spawn_app().await;
    assert_eq!(app.get("/healthz").await.0, 200);
    let (status, body) = app.get("/readyz").await;
    assert_eq!((status, body.contains("ready")), (200, true));
    // The database goes away: the hub stays up but is no longer ready.
    app.store
        .connection()
        .close_by_ref()
        .await
        .expect("close pool");
    let (status, body) = app.get("/readyz").await;
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("database unreachable"), "{body}");
    assert_eq!(app.get("/healthz").await.0, 200);
}

#[tokio::test]
async fn a_failing_database_gives_a_generic_internal_error() {
    let app = spawn_app().await;
    let child = app.child().aged(9).with_parent("parent-1").create().await;
    app.store
        .connection()
        .execute_unprepared("DROP TABLE child_profile")
        .await
        .expect("drop table");
    let answer = app
        .graphql_as(
            Some(&app.family_member("parent-1").token()),
            None,
            "query($id: ID!) { child(id: $id) { allAboutMe { whatMatters } } }",
            json!({ "id": child.id }),
        )
        .await;
    assert_eq!(answer.codes(), vec!["INTERNAL"], "{answer:?}");
    let text = answer.body.to_string().to_lowercase();
    for leak in [
        "child_profile",
        "no such table",
        "relation",
        "select",
        "sqlx",
        "error returned from database",
    ] {
        assert!(!text.contains(leak), "'{leak}' leaked: {text}");
    }
    assert!(answer.body["data"].is_null() || answer.body["data"]["child"].is_null());
}

#[tokio::test]
async fn request_limits() {
    let app = spawn_app_with(|s| {
        s.limits.max_depth = 4;
        s.limits.max_complexity = 30;
    })
    .await;
    let token = app.family_member("parent-1").token();
    let big = vec![b' '; 1024 * 1024 + 1];
    let answer = app.post_raw(Some(&token), None, big).await;
    assert_eq!(answer.status, 413, "{answer:?}");
    assert_eq!(answer.codes(), vec!["BAD_USER_INPUT"]);

    let deep = "{ me { children { family { fullName } physicalHealth { allergies { name } } } } }";
    let answer = app.graphql_as(Some(&token), None, deep, json!({})).await;
    assert!(answer.message().contains("nested too deep"), "{answer:?}");
    let shallow = "{ me { children { id } } }";
    assert!(
        app.graphql_as(Some(&token), None, shallow, json!({}))
            .await
            .body["errors"]
            .is_null()
    );

    let wide: String = (0..40)
        .map(|i| format!("a{i}: me {{ subject }} "))
        .collect();
    let answer = app
        .graphql_as(Some(&token), None, &format!("{{ {wide} }}"), json!({}))
        .await;
    assert!(answer.message().contains("complex"), "{answer:?}");

    let batch: Vec<_> = (0..11)
        .map(|_| json!({ "query": "{ me { subject } }" }))
        .collect();
    let answer = app.post_json(Some(&token), None, &json!(batch)).await;
    assert_eq!(answer.status, 400, "{answer:?}");

    let answer = app
        .post_raw(Some(&token), None, b"{not json".to_vec())
        .await;
    assert_eq!(
        (answer.status, answer.codes()),
        (400, vec!["BAD_USER_INPUT".to_owned()])
    );
}

#[tokio::test]
async fn introspection_is_off_unless_enabled() {
    let app = spawn_app_with(|s| {
        s.development = false;
        s.introspection = false;
    })
    .await;
    let token = token_of(&app).await;
    let answer = app
        .graphql_as(
            Some(&token),
            None,
            "{ __schema { types { name } } }",
            json!({}),
        )
        .await;
    assert!(
        answer.body["data"].is_null() || answer.body["data"]["__schema"].is_null(),
        "{answer:?}"
    );
    assert!(!answer.body.to_string().contains("ChildRecord"));
    assert_eq!(app.get("/graphql").await.0, 405);

    let open = spawn_app().await;
    let answer = open
        .graphql_as(
            Some(&token_of(&open).await),
            None,
            "{ __schema { queryType { name } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        answer.body["data"]["__schema"]["queryType"]["name"],
        "Query"
    );
    let (status, page) = open.get("/graphql").await;
    assert_eq!(status, 200);
    assert!(page.contains("graphiql"));
}

/// A school practitioner's token (the school put in the register).
async fn token_of(app: &TestApp) -> String {
    let school = app.agency(AgencyKind::School).create().await;
    app.practitioner(&school).token()
}

#[tokio::test]
async fn request_ids_are_returned() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(format!("{}/healthz", app.address))
        .send()
        .await
        .expect("sent");
    let id = response
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert_eq!(id.len(), 36, "a UUID request id");
    let _ = is_postgres();
}

/// Spans are captured with an in-memory exporter during reads of a full
/// record: the
/// expected spans exist, the access trace stores their trace id, and no
/// name, identifier or record value appears in any span.
#[tokio::test]
async fn spans_carry_no_personal_data() {
    use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider};
    use tracing_subscriber::layer::SubscriberExt;

    let exporter = InMemorySpanExporter::default();
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(exporter.clone())
        .build();
    let subscriber = tracing_subscriber::registry().with(api::telemetry::otel_layer(&provider));
    // A process-wide subscriber: a thread-scoped one loses spans whose
    // callsites other tests' threads registered first. Spans of tests running
    // alongside are captured too, and must be just as clean.
    tracing::subscriber::set_global_default(subscriber)
        .expect("the only global subscriber in the tests");

    // Amira Khan ("Mira"), 9, with every identifier and something in the
    // sections read; her mother Sara (`parent-1`) has an email address.
    // Spans show only allow-listed operation names: `Everything` is listed,
    // `Find` is not.
    let app = spawn_app_with(|s| {
        s.telemetry.operation_names = ["Everything".to_owned()].into();
    })
    .await;
    let nhs = nhs_number(2002);
    let upn = "B801200005001".to_owned();
    let upn_value = Upn::parse(&upn).expect("a valid UPN");
    let amira = app
        .child()
        .named("Amira", "Khan")
        .aged(9)
        .nhs_number(&nhs)
        .with_parent("parent-1")
        .with_record(move |r| {
            r.identity.preferred_name = Some("Mira".into());
            r.identity.upn = Some(upn_value);
            r.identity.postcode = Some("NS2 7QT".into());
            r.family[0].full_name = "Sara Khan".into();
            r.family[0].email = Some("sara.khan@example.org".into());
            r.all_about_me.what_matters = Some("Drawing horses.".into());
            r.physical_health.items.push(HealthItem {
                id: Uuid::new_v4(),
                kind: HealthItemKind::Allergy,
                name: "Peanuts".into(),
                detail: None,
            });
        })
        .create()
        .await;
    let amira_id = amira.id;
    let senco = app.practitioner(&app.agency(AgencyKind::School).create().await);
    let camhs = app.practitioner(&app.agency(AgencyKind::Camhs).create().await);
    let everything = "query Everything($id: ID!) { child(id: $id) { identity { givenName familyName nhsNumber upn postcode } family { fullName email } allAboutMe { whatMatters } physicalHealth { allergies { name } } mentalHealth { camhsStatus } } }";
    let answer = app
        .graphql_as(
            Some(&app.family_member("parent-1").token()),
            None,
            everything,
            json!({ "id": amira_id }),
        )
        .await;
    assert_eq!(
        answer.body["data"]["child"]["identity"]["nhsNumber"],
        nhs.as_str(),
        "{answer:?}"
    );
    senco.graphql(everything, json!({ "id": amira_id })).await;
    let search = "query Find($n: String!, $d: Date!) { childByNhsNumber(nhsNumber: $n, dateOfBirth: $d) { id } }";
    let dob = amira.date_of_birth.to_string();
    senco.graphql(search, json!({ "n": nhs, "d": dob })).await;
    let inline =
        format!("{{ childByNhsNumber(nhsNumber: \"{nhs}\", dateOfBirth: \"{dob}\") {{ id }} }}");
    camhs.graphql(&inline, json!({})).await;
    let trace = app
        .ig_auditor()
        .await
        .purpose(Purpose::DirectSupport)
        .graphql(
            "{ accessTrace(filter: { action: READ }) { edges { node { traceId actorSubject } } } }",
            json!({}),
        )
        .await;

    provider.force_flush().expect("flush");
    let spans = exporter.get_finished_spans().expect("spans");
    let names: Vec<String> = spans.iter().map(|s| s.name.to_string()).collect();
    for expected in [
        "POST /graphql",
        "graphql",
        "consent.decide",
        "db.child_core",
        "db.load_record",
        "trace.append",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "no '{expected}' span in {names:?}"
        );
    }
    let graphql = spans
        .iter()
        .find(|s| s.name == "graphql" && format!("{:?}", s.attributes).contains("Everything"))
        .expect("graphql span");
    assert!(
        format!("{:?}", graphql.attributes).contains("query"),
        "{:?}",
        graphql.attributes
    );

    assert!(
        spans
            .iter()
            .filter(|s| s.name == "graphql")
            .all(|s| !format!("{:?}", s.attributes).contains("Find")),
        "an operation name outside the allow-list is not shown"
    );

    let dump = format!("{spans:?}");
    for secret in [
        "Amira",
        "Khan",
        "Mira",
        "Peanuts",
        "horses",
        "sara.khan",
        "NS2 7QT",
        nhs.as_str(),
        upn.as_str(),
        &dob,
    ] {
        assert!(!dump.contains(secret), "'{secret}' appears in a span");
    }

    // The access trace stores the request's OpenTelemetry trace id.
    let span_traces: Vec<String> = spans
        .iter()
        .map(|s| s.span_context.trace_id().to_string())
        .collect();
    let edges = trace.body["data"]["accessTrace"]["edges"]
        .as_array()
        .expect("edges")
        .clone();
    assert!(!edges.is_empty(), "{trace:?}");
    for edge in edges {
        let id = edge["node"]["traceId"].as_str().expect("trace id stored");
        assert!(
            span_traces.iter().any(|t| t == id),
            "trace id {id} has no spans"
        );
    }
}

/// Backups (`tellonce backup`): on SQLite an online copy through the door,
/// traced first, verified after; on PostgreSQL the documented `pg_dump`.
mod backup {
    use api::backup::{Backup, back_up};
    use api::operator::Operator;
    use consent::trace::TraceAction;
    use serde_json::json;
    use store::{Store, TraceFilter};

    use crate::helpers::*;

    fn backups() -> TraceFilter {
        TraceFilter {
            action: Some(TraceAction::Backup),
            ..TraceFilter::default()
        }
    }

    /// A hub with a child and a read of its record in the trace.
    async fn hub_with_history() -> (TestApp, uuid::Uuid) {
        let app = spawn_app().await;
        let child = app.child().aged(9).with_parent("parent-1").create().await;
        let answer = app
            .graphql_as(
                Some(&app.family_member("parent-1").token()),
                None,
                "query($id: ID!) { child(id: $id) { allAboutMe { whatMatters } } }",
                json!({ "id": child.id }),
            )
            .await;
        assert!(answer.body["errors"].is_null(), "{answer:?}");
        (app, child.id)
    }

    #[tokio::test]
    async fn a_backup_is_a_verified_copy_holding_its_own_entry() {
        let (app, child) = hub_with_history().await;
        let before = app.store.verify_trace().await.expect("verify");
        let (before_seq, _) = before.head.clone().expect("entries before");
        let op = Operator::over(&app.settings, app.store.clone());
        let dir = TempDir::new();
        let target = dir.0.join("copy.db");
        let outcome = back_up(&op, &app.settings, &target).await.expect("backup");
        if !app.settings.is_sqlite() {
            // PostgreSQL: the documented commands, and the database untouched.
            let Backup::UsePgDump(advice) = outcome else {
                panic!("PostgreSQL is backed up with pg_dump: {outcome:?}");
            };
            assert!(advice.contains("pg_dump --format=custom"), "{advice}");
            assert!(advice.contains("pg_restore"), "{advice}");
            assert!(advice.contains("trace verify"), "{advice}");
            assert!(!target.exists());
            let after = app.store.verify_trace().await.expect("verify");
            assert_eq!(after.head, before.head);
            let rows = app
                .store
                .search_trace(&backups(), 0, 10)
                .await
                .expect("search");
            assert!(rows.is_empty(), "no BACKUP entry without a copy");
            return;
        }
        let Backup::Taken(taken) = outcome else {
            panic!("SQLite is copied: {outcome:?}");
        };
        assert_eq!(taken.path, target);
        assert_eq!(taken.entry_seq, before_seq + 1, "the entry comes first");
        assert_eq!(taken.copy.first_broken, None);

        // The copy, opened on its own: intact, its head the BACKUP entry,
        // and the record is there.
        let copy = Store::open_copy(&target).await.expect("open the copy");
        let report = copy.verify_trace().await.expect("verify the copy");
        assert_eq!(report.first_broken, None, "{:?}", report.problem);
        assert_eq!(report.head, taken.copy.head);
        assert_eq!(report.head.as_ref().map(|h| h.0), Some(taken.entry_seq));
        assert!(copy.child_exists(child).await.expect("child"));
        let in_copy = copy.search_trace(&backups(), 0, 10).await.expect("search");
        assert_eq!(in_copy.len(), 1);
        let entry = &in_copy[0].entry;
        assert_eq!(entry.seq, taken.entry_seq);
        assert_eq!(entry.details.get("to").map(String::as_str), target.to_str());
        assert!(
            entry
                .actor
                .subject
                .as_deref()
                .is_some_and(|s| s.starts_with("operator:")),
            "{entry:?}"
        );
        // The original holds the same entry with the same hash.
        let original = app.store.verify_trace().await.expect("verify");
        assert_eq!(original.first_broken, None);
        let in_original = app
            .store
            .search_trace(&backups(), 0, 10)
            .await
            .expect("search");
        assert_eq!(
            in_original.iter().map(|r| &r.hash).collect::<Vec<_>>(),
            vec![&in_copy[0].hash]
        );
        // Readable by the hub's user only: it holds every child's record.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&target)
                .expect("meta")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "{mode:o}");
        }
        // The copy is a single file: nothing beside it.
        let beside: Vec<_> = std::fs::read_dir(&dir.0)
            .expect("dir")
            .filter_map(|e| e.ok().map(|e| e.file_name()))
            .collect();
        assert_eq!(beside, vec![std::ffi::OsString::from("copy.db")]);
    }

    #[tokio::test]
    async fn a_backup_never_overwrites_a_file() {
        let (app, _) = hub_with_history().await;
        let op = Operator::over(&app.settings, app.store.clone());
        let dir = TempDir::new();
        let target = dir.0.join("taken.db");
        std::fs::write(&target, b"").expect("an empty file");
        let outcome = back_up(&op, &app.settings, &target).await;
        if !app.settings.is_sqlite() {
            // Nothing is written on PostgreSQL, whatever the target.
            assert!(matches!(outcome, Ok(Backup::UsePgDump(_))), "{outcome:?}");
            return;
        }
        let err = outcome
            .expect_err("an existing file is refused")
            .to_string();
        assert!(err.contains("already exists"), "{err}");
        assert_eq!(std::fs::read(&target).expect("read"), b"");
        let rows = app
            .store
            .search_trace(&backups(), 0, 10)
            .await
            .expect("search");
        assert!(rows.is_empty(), "a refused backup writes no entry");
        // Positive control: a new name works.
        let fresh = dir.0.join("fresh.db");
        let outcome = back_up(&op, &app.settings, &fresh).await.expect("backup");
        assert!(matches!(outcome, Backup::Taken(_)), "{outcome:?}");
        let missing_dir = dir.0.join("no-such-dir").join("x.db");
        let err = back_up(&op, &app.settings, &missing_dir)
            .await
            .expect_err("no directory")
            .to_string();
        assert!(err.contains("does not exist"), "{err}");
    }
}
