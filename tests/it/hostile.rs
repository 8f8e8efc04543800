//! Hostile and careless input, over HTTP and the WebSocket: documents that
//! would crash or exhaust the hub, strings storage would refuse, one bad
//! request among good ones, existence probes, forged agencies, floods of
//! bad tokens, and the GraphQL answers typed clients rely on.

use std::time::Duration;

use consent::Purpose;
use domain::{AgencyKind, CamhsStatus, Scope};
use futures_util::{SinkExt, StreamExt};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use uuid::Uuid;

use crate::fixtures::nhs_number;
use crate::helpers::*;

/// A mother (`parent-1`) signed in as `test-parent`.
fn parent_claims(app: &TestApp) -> Value {
    let mut claims = app.family_member("parent-1").claims();
    claims["sub"] = json!("test-parent");
    claims
}

fn parent_token(app: &TestApp) -> String {
    app.hs256(&parent_claims(app))
}

/// Amira, 9, whose mother is `parent-1`.
async fn amira(app: &TestApp) -> Uuid {
    app.child()
        .aged(9)
        .with_parent("parent-1")
        .create()
        .await
        .id
}

/// Jayden Clarke, 15, with an NHS number, whose mother (`leanne-1`, not
/// `parent-1`) lets youth justice read his education; returns his id and
/// that grant's.
async fn jayden(app: &TestApp) -> (Uuid, String) {
    let child = app
        .child()
        .named("Jayden", "Clarke")
        .aged(15)
        .nhs_number(&nhs_number(2003))
        .with_parent("leanne-1")
        .with_record(|r| {
            r.education.year_group = Some("Year 10".into());
            r.mental_health.camhs_status = Some(CamhsStatus::Discharged);
        })
        .create()
        .await;
    let grant = app
        .family_member("leanne-1")
        .grant(&child)
        .for_every(AgencyKind::YouthJustice)
        .scopes([Scope::Education])
        .purposes([Purpose::DirectSupport])
        .create()
        .await;
    (child.id, grant)
}

/// An argument value nested `depth` lists deep (a few KB).
pub fn nested_lists(depth: usize) -> String {
    format!(
        "query {{ child(id: {}\"x\"{}) {{ id }} }}",
        "[".repeat(depth),
        "]".repeat(depth)
    )
}

/// An input object nested `depth` deep.
fn nested_objects(depth: usize) -> String {
    format!(
        "query {{ child(id: {}1{}) {{ id }} }}",
        "{a: ".repeat(depth),
        "}".repeat(depth)
    )
}

/// `levels` fragments, each spreading the previous one `width` times.
pub fn fan_out(levels: usize, width: usize) -> String {
    let mut doc =
        format!("query {{ ...F{levels} }}\nfragment F0 on Query {{ me {{ subject }} }}\n");
    for i in 1..=levels {
        let spreads = format!("...F{} ", i - 1).repeat(width);
        doc.push_str(&format!("fragment F{i} on Query {{ {spreads} }}\n"));
    }
    doc
}

fn refused(answer: &Answer, needle: &str) {
    assert_eq!(answer.status, 400, "{answer:?}");
    assert_eq!(answer.codes(), vec!["BAD_USER_INPUT"], "{answer:?}");
    assert!(answer.message().contains(needle), "{answer:?}");
}

async fn still_up(app: &TestApp) {
    let answer = app
        .graphql_as(
            Some(&parent_token(app)),
            None,
            "{ me { subject } }",
            json!({}),
        )
        .await;
    assert_eq!(
        answer.body["data"]["me"]["subject"], "test-parent",
        "{answer:?}"
    );
}

#[tokio::test]
async fn deeply_nested_values_are_refused_before_parsing() {
    let app = spawn_app().await;
    let token = parent_token(&app);
    for doc in [nested_lists(3000), nested_objects(3000)] {
        let answer = app.graphql_as(Some(&token), None, &doc, json!({})).await;
        refused(&answer, "nests brackets more than 64 deep");
    }
    // Deep nesting in variables is bounded by the JSON reader.
    let mut deep = json!(1);
    for _ in 0..200 {
        deep = json!([deep]);
    }
    let body = format!(
        "{{\"query\":\"query($v: ID!) {{ child(id: $v) {{ id }} }}\",\"variables\":{{\"v\":{deep}}}}}"
    );
    let answer = app.post_raw(Some(&token), None, body.into_bytes()).await;
    assert_eq!(answer.status, 400, "{answer:?}");
    assert_eq!(answer.codes(), vec!["BAD_USER_INPUT"]);
    // Positive control: modest nesting is answered.
    let answer = app
        .graphql_as(Some(&token), None, &nested_lists(3), json!({}))
        .await;
    assert_ne!(answer.codes(), vec!["BAD_USER_INPUT"], "{answer:?}");
    still_up(&app).await;
}

#[tokio::test]
async fn fragment_fan_out_is_bounded_after_expansion() {
    let app = spawn_app().await;
    let token = parent_token(&app);
    let answer = app
        .graphql_as(Some(&token), None, &fan_out(10, 10), json!({}))
        .await;
    refused(&answer, "once fragments are expanded");
    // In a batch, each operation is refused on its own.
    let batch: Vec<Value> = (0..10)
        .map(|_| json!({ "query": fan_out(10, 10) }))
        .collect();
    let answer = app.post_json(Some(&token), None, &json!(batch)).await;
    assert_eq!(answer.status, 400, "{answer:?}");
    for item in answer.body.as_array().expect("a batch answer") {
        assert_eq!(item["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    }
    // Aliases count as fields: many aliases are refused before validation.
    let aliases: String = (0..1500)
        .map(|i| format!("a{i}: me {{ subject }} "))
        .collect();
    let answer = app
        .graphql_as(Some(&token), None, &format!("{{ {aliases} }}"), json!({}))
        .await;
    assert_eq!(answer.status, 400, "{answer:?}");
    // Fragments that spread each other are refused, not followed.
    let cycle = "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }";
    let answer = app.graphql_as(Some(&token), None, cycle, json!({})).await;
    refused(&answer, "spreads itself");
    // Positive control: a small fan-out runs.
    let answer = app
        .graphql_as(Some(&token), None, &fan_out(2, 3), json!({}))
        .await;
    assert_eq!(
        answer.body["data"]["me"]["subject"], "test-parent",
        "{answer:?}"
    );
    still_up(&app).await;
}

async fn ws_connect(app: &TestApp, token: &str) -> Socket {
    let mut socket = app
        .ws_init(json!({ "Authorization": format!("Bearer {token}") }))
        .await;
    let ack = ws_next(&mut socket).await;
    assert_eq!(ack["type"], "connection_ack", "{ack}");
    socket
}

/// The next message (pings skipped); a close frame as `{"type":"closed","code":N}`.
async fn ws_next(socket: &mut Socket) -> Value {
    loop {
        match tokio::time::timeout(Duration::from_secs(20), socket.next()).await {
            Ok(Some(Ok(Message::Text(text)))) => {
                let value: Value = serde_json::from_str(text.as_str()).expect("json");
                // Pings, and the `complete` after a refused document.
                if value["type"] != "ping" && value["type"] != "complete" {
                    return value;
                }
            }
            Ok(Some(Ok(Message::Close(frame)))) => {
                return json!({
                    "type": "closed",
                    "code": frame.as_ref().map(|f| u16::from(f.code)),
                    "reason": frame.map(|f| f.reason.to_string()),
                });
            }
            Ok(Some(Ok(_))) => {}
            other => return json!({ "type": "gone", "detail": format!("{other:?}") }),
        }
    }
}

/// The first error's code of an `error` message, or of a `next` message
/// carrying only errors (async-graphql answers a refused document so).
fn ws_error_code(message: &Value) -> Value {
    match message["type"].as_str() {
        Some("error") => message["payload"][0]["extensions"]["code"].clone(),
        Some("next") if message["payload"]["data"].is_null() => {
            message["payload"]["errors"][0]["extensions"]["code"].clone()
        }
        _ => Value::Null,
    }
}

async fn ws_subscribe(socket: &mut Socket, id: &str, query: &str) -> Value {
    let subscribe = json!({ "id": id, "type": "subscribe", "payload": { "query": query } });
    socket
        .send(Message::text(subscribe.to_string()))
        .await
        .expect("subscribe");
    ws_next(socket).await
}

#[tokio::test]
async fn the_websocket_applies_the_same_guard() {
    let app = spawn_app().await;
    let mut socket = ws_connect(&app, &parent_token(&app)).await;
    for (id, doc) in [
        ("1", nested_lists(3000)),
        ("2", fan_out(10, 10)),
        ("3", format!("{} {{ recordUpdates }}", "#".repeat(10))),
    ] {
        let answer = ws_subscribe(&mut socket, id, &doc).await;
        let code = ws_error_code(&answer);
        assert!(code.is_string(), "every error has a code: {answer}");
    }
    let answer = ws_subscribe(&mut socket, "4", &nested_lists(3000)).await;
    assert_eq!(ws_error_code(&answer), "BAD_USER_INPUT", "{answer}");
    let answer = ws_subscribe(&mut socket, "5", &fan_out(10, 10)).await;
    assert_eq!(ws_error_code(&answer), "BAD_USER_INPUT", "{answer}");
    // The connection and the hub are still there.
    socket
        .send(Message::text(json!({ "type": "ping" }).to_string()))
        .await
        .expect("ping");
    assert_eq!(ws_next(&mut socket).await["type"], "pong");
    still_up(&app).await;
}

#[tokio::test]
async fn strings_storage_would_refuse_are_clear_input_errors() {
    let app = spawn_app().await;
    let amira_id = amira(&app).await;
    let token = parent_token(&app);
    let update = "mutation($c: ID!, $w: String) { updateAllAboutMe(childId: $c, input: { whatMatters: $w }) { version } }";
    let answer = app
        .graphql_as(
            Some(&token),
            None,
            update,
            json!({ "c": amira_id, "w": "Horses\u{0}" }),
        )
        .await;
    assert_eq!(answer.codes(), vec!["BAD_USER_INPUT"], "{answer:?}");
    assert!(answer.message().contains("NUL"), "{answer:?}");
    let literal = format!(
        "mutation {{ updateAllAboutMe(childId: \"{amira_id}\", input: {{ whatMatters: \"a\\u0000b\" }}) {{ version }} }}"
    );
    let answer = app
        .graphql_as(Some(&token), None, &literal, json!({}))
        .await;
    assert_eq!(answer.codes(), vec!["BAD_USER_INPUT"], "{answer:?}");
    let long = "x".repeat(app.settings.limits.max_string_bytes + 1);
    let answer = app
        .graphql_as(
            Some(&token),
            None,
            update,
            json!({ "c": amira_id, "w": long }),
        )
        .await;
    assert_eq!(answer.codes(), vec!["BAD_USER_INPUT"], "{answer:?}");
    // Surrogate escapes (which panic the parser) are refused before it.
    let surrogate = format!(
        "mutation {{ updateAllAboutMe(childId: \"{amira_id}\", input: {{ whatMatters: \"\\ud83d\\ude00\" }}) {{ version }} }}"
    );
    let answer = app
        .graphql_as(Some(&token), None, &surrogate, json!({}))
        .await;
    assert_eq!(answer.status, 400, "{answer:?}");
    assert!(answer.message().contains("surrogate"), "{answer:?}");
    // A NUL in a token's subject is refused at the door.
    let mut claims = parent_claims(&app);
    claims["sub"] = json!("evil\u{0}sub");
    let answer = app
        .graphql_as(
            Some(&app.hs256(&claims)),
            None,
            "{ me { subject } }",
            json!({}),
        )
        .await;
    assert_eq!(answer.status, 401, "{answer:?}");
    assert!(answer.message().contains("'sub'"), "{answer:?}");
    // Positive control: the same update with clean text is stored.
    let answer = app
        .graphql_as(
            Some(&token),
            None,
            update,
            json!({ "c": amira_id, "w": "Horses" }),
        )
        .await;
    assert!(answer.body["errors"].is_null(), "{answer:?}");
}

/// A trigger that makes the database refuse one subject's trace entries.
async fn poison(app: &TestApp, subject: &str) {
    let db = app.store.connection();
    if is_postgres() {
        db.execute_unprepared(&format!(
            "CREATE FUNCTION poison() RETURNS trigger AS $$ BEGIN \
             IF NEW.actor_subject = '{subject}' THEN RAISE EXCEPTION 'poisoned'; END IF; \
             RETURN NEW; END $$ LANGUAGE plpgsql"
        ))
        .await
        .expect("function");
        db.execute_unprepared(
            "CREATE TRIGGER poison BEFORE INSERT ON access_trace FOR EACH ROW EXECUTE FUNCTION poison()",
        )
        .await
        .expect("trigger");
    } else {
        db.execute_unprepared(&format!(
            "CREATE TRIGGER poison BEFORE INSERT ON access_trace \
             WHEN NEW.actor_subject = '{subject}' BEGIN SELECT RAISE(ABORT, 'poisoned'); END"
        ))
        .await
        .expect("trigger");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_failing_trace_entry_does_not_fail_the_others() {
    let app = spawn_app().await;
    let amira_id = amira(&app).await;
    poison(&app, "test-poison").await;
    let good = parent_token(&app);
    let mut bad = parent_claims(&app);
    bad["sub"] = json!("test-poison");
    let bad = app.hs256(&bad);
    let query = "{ me { children { id } } }";
    let requests = (0..100).map(|i| {
        let token = if i == 50 { bad.clone() } else { good.clone() };
        let app = &app;
        async move {
            (
                i,
                app.graphql_as(Some(&token), None, query, json!({})).await,
            )
        }
    });
    let answers = futures_util::future::join_all(requests).await;
    for (i, answer) in answers {
        if i == 50 {
            assert_eq!(answer.codes(), vec!["INTERNAL"], "{answer:?}");
            assert!(
                answer.body["data"].is_null(),
                "nothing untraced leaves: {answer:?}"
            );
        } else {
            assert_eq!(
                answer.body["data"]["me"]["children"][0]["id"],
                amira_id.to_string(),
                "request {i}: {answer:?}"
            );
        }
    }
}

/// What a request answers and how many SQL statements it took.
async fn cost(
    app: &TestApp,
    persona: &str,
    purpose: Option<&str>,
    query: &str,
    vars: Value,
) -> (Value, u64) {
    let before = app.store.statements();
    let answer = app
        .graphql_as(
            Some(&match persona {
                "parent" => parent_token(app),
                other => panic!("no persona {other}"),
            }),
            purpose,
            query,
            vars,
        )
        .await;
    (answer.body, app.store.statements() - before)
}

#[tokio::test]
async fn hidden_and_missing_things_take_the_same_work() {
    let app = spawn_app().await;
    let (jayden_id, jayden_grant) = jayden(&app).await;
    let missing = Uuid::new_v4();
    let child = "query($id: ID!) { child(id: $id) { id } }";
    // Amira's mother has no authority over Jayden.
    let hidden = cost(&app, "parent", None, child, json!({ "id": jayden_id })).await;
    let absent = cost(&app, "parent", None, child, json!({ "id": missing })).await;
    assert_eq!(hidden.0, absent.0, "the same answer");
    assert_eq!(hidden.1, absent.1, "the same statements");
    assert!(
        hidden.0["errors"][0]["extensions"]["code"] == "NOT_FOUND",
        "{:?}",
        hidden.0
    );

    let core = app
        .store
        .child_core(jayden_id)
        .await
        .expect("read")
        .expect("Jayden");
    let nhs = core
        .identity
        .nhs_number
        .expect("an NHS number")
        .as_str()
        .to_owned();
    let dob = core.identity.date_of_birth.to_string();
    let by_nhs =
        "query($n: String!, $d: Date!) { childByNhsNumber(nhsNumber: $n, dateOfBirth: $d) { id } }";
    let hidden = cost(&app, "parent", None, by_nhs, json!({ "n": nhs, "d": dob })).await;
    let absent = cost(
        &app,
        "parent",
        None,
        by_nhs,
        json!({ "n": "9434765919", "d": dob }),
    )
    .await;
    assert_eq!(hidden.0, absent.0);
    assert_eq!(hidden.1, absent.1);

    let receipt = "query($id: ID!) { consentReceipt(id: $id) { receiptId } }";
    let hidden = cost(&app, "parent", None, receipt, json!({ "id": jayden_grant })).await;
    let absent = cost(&app, "parent", None, receipt, json!({ "id": missing })).await;
    assert_eq!(hidden.0, absent.0);
    assert_eq!(hidden.1, absent.1);

    let withdraw = "mutation($id: ID!) { withdrawConsent(grantId: $id) { receiptId } }";
    let hidden = cost(
        &app,
        "parent",
        None,
        withdraw,
        json!({ "id": jayden_grant }),
    )
    .await;
    let absent = cost(&app, "parent", None, withdraw, json!({ "id": missing })).await;
    assert_eq!(hidden.0, absent.0);
    assert_eq!(hidden.1, absent.1);

    let history = "query($id: ID!) { accessHistory(childId: $id) { edges { cursor } } }";
    let hidden = cost(&app, "parent", None, history, json!({ "id": jayden_id })).await;
    let absent = cost(&app, "parent", None, history, json!({ "id": missing })).await;
    assert_eq!(hidden.0, absent.0);
    assert_eq!(hidden.1, absent.1);
}

#[tokio::test]
async fn a_token_must_name_a_registered_agency_of_its_kind() {
    let app = spawn_app().await;
    let me = "{ me { subject agencyKind } }";
    let app = &app;
    let ask = |claims: Value| {
        let token = app.hs256(&claims);
        async move { app.graphql_as(Some(&token), None, me, json!({})).await }
    };
    let school = app.agency(AgencyKind::School).create().await;
    let senco = app.practitioner(&school).claims();
    let ok = ask(senco.clone()).await;
    assert_eq!(ok.body["data"]["me"]["agencyKind"], "SCHOOL", "{ok:?}");

    let mut unknown = senco.clone();
    unknown["agency_id"] = json!(Uuid::new_v4().to_string());
    let answer = ask(unknown).await;
    assert_eq!(answer.status, 401, "{answer:?}");
    assert!(
        answer.message().contains("not an agency registered"),
        "{answer:?}"
    );

    // A school's id claiming to be the council.
    let mut posing = senco;
    posing["agency_kind"] = json!("la_send");
    let answer = ask(posing).await;
    assert_eq!(answer.status, 401, "{answer:?}");
    assert!(answer.message().contains("agency_kind"), "{answer:?}");

    let mut mixed = app.ig_auditor().await.claims();
    mixed["roles"] = json!(["ig_auditor", "case_officer"]);
    let answer = ask(mixed.clone()).await;
    assert_eq!(answer.status, 401, "{answer:?}");
    assert!(answer.message().contains("mixes"), "{answer:?}");

    let allowing = spawn_app_with(|s| s.jwt.allow_mixed_roles = true).await;
    allowing.council().await;
    mixed["iss"] = json!(ISSUER);
    let answer = allowing
        .graphql_as(Some(&allowing.hs256(&mixed)), None, me, json!({}))
        .await;
    assert_eq!(
        answer.body["data"]["me"]["agencyKind"], "LA_SEND",
        "{answer:?}"
    );
}

/// AUTH_FAILED entries as (source, count).
async fn auth_failures(app: &TestApp) -> Vec<(String, u64)> {
    let filter = store::TraceFilter {
        action: Some(consent::trace::TraceAction::AuthFailed),
        ..Default::default()
    };
    app.store
        .search_trace(&filter, 0, 10_000)
        .await
        .expect("search")
        .into_iter()
        .map(|r| {
            let d = &r.entry.details;
            (
                d.get("source").cloned().unwrap_or_default(),
                d.get("count").and_then(|c| c.parse().ok()).unwrap_or(0),
            )
        })
        .collect()
}

#[tokio::test]
async fn failed_authentications_are_counted_not_chained_one_by_one() {
    let mut app =
        spawn_app_with(|s| s.limits.auth_failure_window = Duration::from_secs(3600)).await;
    let flood = futures_util::stream::iter(0..1000)
        .map(|_| {
            let app = &app;
            async move {
                app.graphql_as(None, None, "{ me { subject } }", json!({}))
                    .await
                    .status
            }
        })
        .buffer_unordered(32)
        .collect::<Vec<u16>>()
        .await;
    assert!(flood.iter().all(|s| *s == 401));
    // Another source has a window of its own.
    let other = reqwest::Client::builder()
        .local_address("127.0.0.2".parse::<std::net::IpAddr>().expect("ip"))
        .build()
        .expect("client");
    for _ in 0..5 {
        let status = other
            .post(format!("{}/graphql", app.address))
            .header("content-type", "application/json")
            .body(r#"{"query":"{ me { subject } }"}"#)
            .send()
            .await
            .expect("sent")
            .status();
        assert_eq!(status, 401);
    }
    // The first failure of each source is in the chain at once.
    let now = auth_failures(&app).await;
    assert_eq!(
        now,
        vec![("127.0.0.1".to_owned(), 1), ("127.0.0.2".to_owned(), 1)]
    );
    // The rest are counted, and written when the window closes (here: at
    // shutdown, which closes every window).
    assert!(app.stop().await, "the hub stops");
    let mut after = auth_failures(&app).await;
    after.sort();
    assert_eq!(
        after,
        vec![
            ("127.0.0.1".to_owned(), 1),
            ("127.0.0.1".to_owned(), 999),
            ("127.0.0.2".to_owned(), 1),
            ("127.0.0.2".to_owned(), 4),
        ]
    );
    let report = app.store.verify_trace().await.expect("verify");
    assert_eq!(report.first_broken, None);
}

#[tokio::test]
async fn withheld_sections_are_null_in_data_with_their_errors() {
    let app = spawn_app().await;
    let (jayden_id, _) = jayden(&app).await;
    let school = app.agency(AgencyKind::School).create().await;
    // The school works with Jayden (an involvement), so it may see his
    // identity only.
    app.involve(jayden_id, &school).await;
    let senco = app.practitioner(&school);
    let query = "query($id: ID!) { child(id: $id) { identity { familyName } education { yearGroup } mentalHealth { camhsStatus } } }";
    let answer = senco.graphql(query, json!({ "id": jayden_id })).await;
    let child = answer.body["data"]["child"]
        .as_object()
        .expect("child is an object");
    assert_eq!(child["identity"]["familyName"], "Clarke");
    for section in ["education", "mentalHealth"] {
        assert_eq!(
            child.get(section),
            Some(&Value::Null),
            "{section}: {answer:?}"
        );
        let error = answer
            .error_at(&["child", section])
            .expect("error at the path");
        assert!(error["extensions"]["code"].is_string());
    }
    // Every selected section withheld: the child is still there, with nulls.
    let query = "query($id: ID!) { child(id: $id) { education { yearGroup } mentalHealth { camhsStatus } } }";
    let answer = senco.graphql(query, json!({ "id": jayden_id })).await;
    assert_eq!(
        answer.body["data"],
        json!({ "child": { "education": null, "mentalHealth": null } }),
        "{answer:?}"
    );
    assert_eq!(answer.codes().len(), 2);
}

#[tokio::test]
async fn every_error_has_a_code_and_echoes_nothing() {
    let app = spawn_app_with(|s| {
        s.development = false;
        s.introspection = false;
    })
    .await;
    let token = parent_token(&app);
    let answer = app
        .graphql_as(Some(&token), None, "{ me { subjec } }", json!({}))
        .await;
    assert_eq!(answer.status, 400, "{answer:?}");
    assert_eq!(answer.codes(), vec!["GRAPHQL_VALIDATION_FAILED"]);
    assert!(!answer.message().contains("Did you mean"), "{answer:?}");

    let answer = app
        .graphql_as(
            Some(&token),
            None,
            "{ childByNhsNumber(nhsNumber: \"9434765919\" dateOfBirth: ",
            json!({}),
        )
        .await;
    assert_eq!(answer.status, 400, "{answer:?}");
    assert_eq!(answer.codes(), vec!["GRAPHQL_PARSE_FAILED"]);
    assert!(
        !answer.body.to_string().contains("9434765919"),
        "{answer:?}"
    );

    let answer = app
        .post_json(
            Some(&token),
            None,
            &json!({ "query": "query A { me { subject } }", "operationName": "B" }),
        )
        .await;
    assert_eq!(
        answer.codes(),
        vec!["GRAPHQL_VALIDATION_FAILED"],
        "{answer:?}"
    );
}

#[tokio::test]
async fn the_websocket_closes_when_its_token_expires() {
    let app = spawn_app().await;
    let mut claims = parent_claims(&app);
    claims["exp"] = json!(chrono::Utc::now().timestamp() + 2);
    let mut socket = ws_connect(&app, &app.hs256(&claims)).await;
    let closed = ws_next(&mut socket).await;
    assert_eq!(closed["type"], "closed", "{closed}");
    assert_eq!(closed["code"], 4403, "{closed}");
}

#[tokio::test]
async fn shutdown_closes_subscribers_and_stops() {
    let mut app = spawn_app().await;
    let amira_id = amira(&app).await;
    let mut socket = ws_connect(&app, &parent_token(&app)).await;
    let subscribe = json!({ "id": "1", "type": "subscribe", "payload": {
        "query": format!("subscription {{ recordUpdates(childId: \"{amira_id}\") {{ scope }} }}") } });
    socket
        .send(Message::text(subscribe.to_string()))
        .await
        .expect("subscribe");
    assert!(app.stop().await, "the hub stops within its grace period");
    let closed = ws_next(&mut socket).await;
    assert_eq!(closed["code"], 1001, "{closed}");
}

#[tokio::test]
async fn a_request_out_of_time_gets_a_graphql_error() {
    let app = spawn_app_with(|s| s.limits.request_timeout = Duration::from_nanos(1)).await;
    // The mother has a child to list (written through the store: every
    // request to this hub runs out of time).
    app.child()
        .aged(9)
        .with_parent("parent-1")
        .with_record(|r| r.all_about_me.what_matters = Some("Horses".into()))
        .create()
        .await;
    let answer = app
        .graphql_as(
            Some(&parent_token(&app)),
            None,
            "{ me { children { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(answer.status, 408, "{answer:?}");
    assert_eq!(answer.codes(), vec!["TIMEOUT"]);
}

/// Generated documents: deep nesting of every bracket kind, fragment
/// fan-out, aliases, junk. Each gets data or a clear error, and the hub
/// stays up.
#[test]
fn generated_hostile_documents_get_an_answer() {
    use proptest::prelude::*;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let app = rt.block_on(spawn_app());
    let token = parent_token(&app);
    let doc = prop_oneof![
        (1usize..4000, prop::sample::select(vec!["[", "{a: ", "("])).prop_map(|(d, open)| {
            let close = match open {
                "[" => "]",
                "(" => ")",
                _ => "}",
            };
            format!(
                "{{ child(id: {}1{}) {{ id }} }}",
                open.repeat(d),
                close.repeat(d)
            )
        }),
        (0usize..14, 1usize..14).prop_map(|(l, w)| fan_out(l, w)),
        (1usize..3000).prop_map(|n| {
            let aliases: String = (0..n).map(|i| format!("a{i}: me {{ subject }} ")).collect();
            format!("{{ {aliases} }}")
        }),
        "[{}\\[\\]()a-z:!$.@\"#\\\\ \n]{0,2000}",
    ];
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: 48,
        ..ProptestConfig::default()
    });
    runner
        .run(&doc, |doc| {
            let answer = rt.block_on(app.graphql_as(Some(&token), None, &doc, json!({})));
            prop_assert!(answer.status == 200 || answer.status == 400, "{answer:?}");
            let errors = answer.body["errors"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            prop_assert!(
                !answer.body["data"].is_null() || !errors.is_empty(),
                "data or an error: {answer:?}"
            );
            for e in &errors {
                prop_assert!(e["extensions"]["code"].is_string(), "a code: {e}");
                prop_assert_ne!(&e["extensions"]["code"], "INTERNAL");
            }
            Ok(())
        })
        .expect("every document is answered");
    rt.block_on(still_up(&app));
}

#[tokio::test]
async fn a_connection_may_start_only_so_many_subscriptions() {
    let app = spawn_app().await;
    let amira_id = amira(&app).await;
    let mut socket = ws_connect(&app, &parent_token(&app)).await;
    let query = format!("subscription {{ recordUpdates(childId: \"{amira_id}\") {{ scope }} }}");
    for id in 0..=api::http::ws::MAX_SUBSCRIPTIONS {
        let subscribe =
            json!({ "id": id.to_string(), "type": "subscribe", "payload": { "query": query } });
        if socket
            .send(Message::text(subscribe.to_string()))
            .await
            .is_err()
        {
            break;
        }
    }
    let closed = ws_next(&mut socket).await;
    assert_eq!(closed["type"], "closed", "{closed}");
    assert_eq!(closed["code"], 1008, "{closed}");
    still_up(&app).await;
}

/// A `null` for an argument that takes no null but has a default, inline
/// or as a variable, is the client's mistake: a client error code, never
/// INTERNAL.
#[tokio::test]
async fn a_null_for_a_defaulted_argument_is_the_clients_error() {
    let app = spawn_app().await;
    let child = amira(&app).await;
    let parent = app.family_member("parent-1");
    for (query, vars) in [
        (
            "query($c: ID!) { child(id: $c) { contributions(includeSuperseded: null) { id } } }",
            json!({ "c": child }),
        ),
        (
            "query($c: ID!, $x: Boolean) { child(id: $c) { contributions(includeSuperseded: $x) { id } } }",
            json!({ "c": child, "x": null }),
        ),
    ] {
        let answer = parent.graphql(query, vars).await;
        let codes = answer.codes();
        assert!(
            !codes.is_empty()
                && codes
                    .iter()
                    .all(|c| c == "BAD_USER_INPUT" || c == "GRAPHQL_VALIDATION_FAILED"),
            "{answer:?}"
        );
    }
}
