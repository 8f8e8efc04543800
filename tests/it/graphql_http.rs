//! GraphQL over HTTP by the specification: media types and their status
//! codes, GET for queries only, CORS when configured, automatic persisted
//! queries, and graphql-transport-ws's connection_init forms and close
//! codes. Real HTTP, real tokens.

use std::time::Duration;

use futures_util::{SinkExt as _, StreamExt as _};
use reqwest::header::HeaderMap;
use serde_json::{Value, json};
use sha2::Digest as _;
use tokio_tungstenite::tungstenite::Message;

use crate::helpers::*;

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";
const ME: &str = "{ me { subject } }";

fn parent_token(app: &TestApp) -> String {
    app.family_member("parent-1").token()
}

/// An HTTP answer: status, headers and the body (JSON when it parses).
struct Reply {
    status: u16,
    headers: HeaderMap,
    body: Value,
}

impl Reply {
    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    fn codes(&self) -> Vec<String> {
        self.body["errors"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|e| e["extensions"]["code"].as_str().map(str::to_owned))
            .collect()
    }
}

async fn reply(request: reqwest::RequestBuilder) -> Reply {
    let response = request.send().await.expect("request sent");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.expect("body");
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    Reply {
        status,
        headers,
        body,
    }
}

/// POSTs `body` as JSON with the given Accept.
async fn post(app: &TestApp, token: Option<&str>, accept: Option<&str>, body: &Value) -> Reply {
    let Some(accept) = accept else {
        return post_without_accept(app, token, body).await;
    };
    let mut request = app
        .client
        .post(format!("{}/graphql", app.address))
        .header("content-type", "application/json")
        .header("accept", accept)
        .body(body.to_string());
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    reply(request).await
}

/// POSTs `body` with no `Accept` header at all (reqwest always adds one),
/// over a plain HTTP/1.1 connection.
async fn post_without_accept(app: &TestApp, token: Option<&str>, body: &Value) -> Reply {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let host = app.address.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(host).await.expect("connect");
    let body = body.to_string();
    let authorization =
        token.map_or_else(String::new, |t| format!("Authorization: Bearer {t}\r\n"));
    let request = format!(
        "POST /graphql HTTP/1.1\r\nHost: {host}\r\n{authorization}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.expect("read");
    let raw = String::from_utf8(raw).expect("UTF-8");
    let (head, rest) = raw.split_once("\r\n\r\n").expect("head and body");
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .expect("status");
    let mut headers = HeaderMap::new();
    for line in lines {
        if let Some((name, value)) = line.split_once(':')
            && let (Ok(name), Ok(value)) = (
                reqwest::header::HeaderName::from_bytes(name.trim().as_bytes()),
                reqwest::header::HeaderValue::from_str(value.trim()),
            )
        {
            headers.insert(name, value);
        }
    }
    // The body is sent whole (Content-Length), never chunked, for JSON.
    let body = serde_json::from_str(rest).unwrap_or(Value::String(rest.to_owned()));
    Reply {
        status,
        headers,
        body,
    }
}

fn query(q: &str) -> Value {
    json!({ "query": q })
}

#[tokio::test]
async fn graphql_response_json_is_answered_with_its_status_codes() {
    let app = spawn_app().await;
    let token = parent_token(&app);
    let accept = Some(GRAPHQL_RESPONSE);

    let ok = post(&app, Some(&token), accept, &query(ME)).await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert!(ok.header("content-type").starts_with(GRAPHQL_RESPONSE));
    assert!(ok.body["data"]["me"]["subject"].is_string(), "{}", ok.body);

    // A document that does not parse: 400, and no `data` at all.
    let parse = post(&app, Some(&token), accept, &query("{ me {")).await;
    assert_eq!(parse.status, 400, "{}", parse.body);
    assert!(parse.header("content-type").starts_with(GRAPHQL_RESPONSE));
    assert_eq!(parse.codes(), vec!["GRAPHQL_PARSE_FAILED"]);
    assert!(parse.body.get("data").is_none(), "{}", parse.body);

    // One that does not validate: 400, no `data`.
    let invalid = post(&app, Some(&token), accept, &query("{ me { noSuchField } }")).await;
    assert_eq!(invalid.status, 400, "{}", invalid.body);
    assert_eq!(invalid.codes(), vec!["GRAPHQL_VALIDATION_FAILED"]);
    assert!(invalid.body.get("data").is_none(), "{}", invalid.body);

    // An error during execution: it started, so 200, with data.
    let missing = uuid::Uuid::new_v4();
    let executed = post(
        &app,
        Some(&token),
        accept,
        &query(&format!("{{ child(id: \"{missing}\") {{ id }} }}")),
    )
    .await;
    assert_eq!(executed.status, 200, "{}", executed.body);
    assert!(executed.body.get("data").is_some(), "{}", executed.body);
    assert!(!executed.codes().is_empty(), "{}", executed.body);

    // No token: 401, in the media type asked for.
    let anonymous = post(&app, None, accept, &query(ME)).await;
    assert_eq!(anonymous.status, 401);
    assert!(
        anonymous
            .header("content-type")
            .starts_with(GRAPHQL_RESPONSE)
    );
    assert_eq!(anonymous.codes(), vec!["UNAUTHENTICATED"]);
}

#[tokio::test]
async fn without_accept_the_specifications_default_is_used_and_json_stays_as_it_was() {
    let app = spawn_app().await;
    let token = parent_token(&app);
    let none = post(&app, Some(&token), None, &query("{ me {")).await;
    assert_eq!(none.status, 400);
    assert!(none.header("content-type").starts_with(GRAPHQL_RESPONSE));

    // Legacy clients: application/json, and */* (what many send).
    for accept in ["application/json", "*/*"] {
        let ok = post(&app, Some(&token), Some(accept), &query(ME)).await;
        assert_eq!(ok.status, 200, "{accept}");
        assert_eq!(ok.header("content-type"), "application/json", "{accept}");
        let refused = post(&app, Some(&token), Some(accept), &query("{ me {")).await;
        assert_eq!(refused.status, 400, "{accept}");
        assert_eq!(refused.header("content-type"), "application/json");
        assert!(
            refused.body.get("data").is_some(),
            "unchanged: {}",
            refused.body
        );
    }
    // The client's preference decides.
    let preferred = post(
        &app,
        Some(&token),
        Some("application/json;q=0.5, application/graphql-response+json"),
        &query(ME),
    )
    .await;
    assert!(
        preferred
            .header("content-type")
            .starts_with(GRAPHQL_RESPONSE)
    );
}

#[tokio::test]
async fn unsupported_media_types_and_methods_are_refused() {
    let app = spawn_app().await;
    let token = parent_token(&app);
    let plain = post(&app, Some(&token), Some("text/plain"), &query(ME)).await;
    assert_eq!(plain.status, 406, "{}", plain.body);

    let text_body = reply(
        app.client
            .post(format!("{}/graphql", app.address))
            .bearer_auth(&token)
            .header("content-type", "text/plain")
            .body(query(ME).to_string()),
    )
    .await;
    assert_eq!(text_body.status, 415, "{}", text_body.body);
    assert_eq!(text_body.codes(), vec!["BAD_USER_INPUT"]);
    // A positive control: the same body as JSON runs.
    let json_body = reply(
        app.client
            .post(format!("{}/graphql", app.address))
            .bearer_auth(&token)
            .header("content-type", "application/json; charset=utf-8")
            .body(query(ME).to_string()),
    )
    .await;
    assert_eq!(json_body.status, 200, "{}", json_body.body);

    let put = reply(
        app.client
            .put(format!("{}/graphql", app.address))
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(query(ME).to_string()),
    )
    .await;
    assert_eq!(put.status, 405);
    let allow = put.header("allow");
    assert!(allow.contains("GET") && allow.contains("POST"), "{allow}");
}

async fn get_graphql(app: &TestApp, token: &str, params: &[(&str, &str)]) -> Reply {
    let url =
        reqwest::Url::parse_with_params(&format!("{}/graphql", app.address), params).expect("url");
    reply(
        app.client
            .get(url)
            .bearer_auth(token)
            .header("accept", GRAPHQL_RESPONSE),
    )
    .await
}

#[tokio::test]
async fn get_runs_queries_and_never_mutations() {
    let app = spawn_app().await;
    let token = parent_token(&app);
    let ok = get_graphql(&app, &token, &[("query", ME)]).await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert!(ok.body["data"]["me"]["subject"].is_string(), "{}", ok.body);
    assert_eq!(ok.header("cache-control"), "no-store");

    let with_variables = get_graphql(
        &app,
        &token,
        &[
            (
                "query",
                "query Me($x: Boolean = false) { me @include(if: $x) { subject } }",
            ),
            ("operationName", "Me"),
            ("variables", r#"{"x": true}"#),
        ],
    )
    .await;
    assert!(
        with_variables.body["data"]["me"]["subject"].is_string(),
        "{}",
        with_variables.body
    );

    let amira = app
        .child()
        .aged(9)
        .with_parent("parent-1")
        .create()
        .await
        .id;
    let mutation = format!(
        "mutation {{ updateAllAboutMe(childId: \"{amira}\", input: {{ whatMatters: \"Horses\" }}) {{ version }} }}"
    );
    let refused = get_graphql(&app, &token, &[("query", &mutation)]).await;
    assert_eq!(refused.status, 405, "{}", refused.body);
    assert_eq!(refused.header("allow"), "POST");
    // Nothing was written: the same mutation by POST makes version 1.
    let posted = post(
        &app,
        Some(&token),
        Some(GRAPHQL_RESPONSE),
        &query(&mutation),
    )
    .await;
    assert_eq!(
        posted.body["data"]["updateAllAboutMe"]["version"], 1,
        "{}",
        posted.body
    );

    let bad_variables = get_graphql(&app, &token, &[("query", ME), ("variables", "[1]")]).await;
    assert_eq!(bad_variables.status, 400, "{}", bad_variables.body);

    // A GraphQL client's GET without a query is told what is missing.
    let empty = reply(
        app.client
            .get(format!("{}/graphql", app.address))
            .bearer_auth(&token)
            .header("accept", "application/json"),
    )
    .await;
    assert_eq!(empty.status, 400, "{}", empty.body);
}

async fn preflight(app: &TestApp, origin: &str) -> Reply {
    reply(
        app.client
            .request(reqwest::Method::OPTIONS, format!("{}/graphql", app.address))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization,content-type,x-purpose-of-use",
            ),
    )
    .await
}

#[tokio::test]
async fn cors_answers_configured_origins_only() {
    let app = spawn_app_with(|s| s.cors_origins = vec!["https://app.example".into()]).await;
    let allowed = preflight(&app, "https://app.example").await;
    assert!(allowed.status < 300, "{}", allowed.status);
    assert_eq!(
        allowed.header("access-control-allow-origin"),
        "https://app.example"
    );
    let methods = allowed.header("access-control-allow-methods").to_owned();
    assert!(
        methods.contains("POST") && methods.contains("GET"),
        "{methods}"
    );
    let headers = allowed
        .header("access-control-allow-headers")
        .to_ascii_lowercase();
    for h in ["authorization", "content-type", "x-purpose-of-use"] {
        assert!(headers.contains(h), "{headers}");
    }
    assert_eq!(allowed.header("access-control-max-age"), "3600");
    assert_eq!(allowed.header("access-control-allow-credentials"), "");

    let other = preflight(&app, "https://evil.example").await;
    assert_eq!(other.header("access-control-allow-origin"), "");

    // The real request carries the header too, a 401 included (so the
    // browser application can read why).
    let call = reply(
        app.client
            .post(format!("{}/graphql", app.address))
            .header("origin", "https://app.example")
            .header("content-type", "application/json")
            .body(query(ME).to_string()),
    )
    .await;
    assert_eq!(call.status, 401);
    assert_eq!(
        call.header("access-control-allow-origin"),
        "https://app.example"
    );

    // Not configured: no CORS at all.
    let plain = spawn_app().await;
    let refused = preflight(&plain, "https://app.example").await;
    assert_eq!(refused.header("access-control-allow-origin"), "");
    assert_eq!(refused.status, 405);
}

fn persisted(hash: &str) -> Value {
    json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } })
}

fn sha256(text: &str) -> String {
    sha2::Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[tokio::test]
async fn automatic_persisted_queries_follow_apollos_protocol() {
    let app = spawn_app().await;
    let token = parent_token(&app);
    let hash = sha256(ME);

    let unknown = post(
        &app,
        Some(&token),
        Some("application/json"),
        &json!({ "extensions": persisted(&hash) }),
    )
    .await;
    assert_eq!(unknown.status, 200, "Apollo's status: {}", unknown.body);
    assert_eq!(
        unknown.body["errors"][0]["message"],
        "PersistedQueryNotFound"
    );
    assert_eq!(unknown.codes(), vec!["PERSISTED_QUERY_NOT_FOUND"]);
    // With graphql-response+json an answer without data is never 2xx.
    let unknown = post(
        &app,
        Some(&token),
        Some(GRAPHQL_RESPONSE),
        &json!({ "extensions": persisted(&hash) }),
    )
    .await;
    assert_eq!(unknown.status, 404, "{}", unknown.body);
    assert_eq!(
        unknown.body["errors"][0]["message"],
        "PersistedQueryNotFound"
    );

    let wrong = post(
        &app,
        Some(&token),
        None,
        &json!({ "query": "{ me { roles } }", "extensions": persisted(&hash) }),
    )
    .await;
    assert_eq!(wrong.status, 400, "{}", wrong.body);
    assert_eq!(
        wrong.body["errors"][0]["message"],
        "provided sha does not match query"
    );

    let sent = post(
        &app,
        Some(&token),
        None,
        &json!({ "query": ME, "extensions": persisted(&hash) }),
    )
    .await;
    assert!(
        sent.body["data"]["me"]["subject"].is_string(),
        "{}",
        sent.body
    );

    let remembered = post(
        &app,
        Some(&token),
        None,
        &json!({ "extensions": persisted(&hash) }),
    )
    .await;
    assert_eq!(remembered.status, 200, "{}", remembered.body);
    assert!(
        remembered.body["data"]["me"]["subject"].is_string(),
        "{}",
        remembered.body
    );
    // Over GET too, as Apollo sends hashed queries.
    let extensions = persisted(&hash).to_string();
    let by_get = get_graphql(&app, &token, &[("extensions", &extensions)]).await;
    assert!(
        by_get.body["data"]["me"]["subject"].is_string(),
        "{}",
        by_get.body
    );

    // Another caller cannot learn what this one sent.
    let stranger = app.family_member("parent-2").token();
    let theirs = post(
        &app,
        Some(&stranger),
        None,
        &json!({ "extensions": persisted(&hash) }),
    )
    .await;
    assert_eq!(theirs.codes(), vec!["PERSISTED_QUERY_NOT_FOUND"]);
}

#[tokio::test]
async fn a_persisted_document_is_guarded_like_any_other() {
    let app = spawn_app_with(|s| s.limits.max_tokens = 30).await;
    let token = parent_token(&app);
    let long = format!("{{ {} }}", "me { subject } ".repeat(10));
    let hash = sha256(&long);
    let sent = post(
        &app,
        Some(&token),
        None,
        &json!({ "query": long, "extensions": persisted(&hash) }),
    )
    .await;
    assert_eq!(sent.status, 400, "{}", sent.body);
    // Refused documents are not remembered.
    let again = post(
        &app,
        Some(&token),
        None,
        &json!({ "extensions": persisted(&hash) }),
    )
    .await;
    assert_eq!(again.codes(), vec!["PERSISTED_QUERY_NOT_FOUND"]);
}

/// Opens `/graphql/ws` (graphql-transport-ws) without sending anything.
async fn ws_open(app: &TestApp) -> Socket {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
    let url = format!("{}/graphql/ws", app.address.replace("http://", "ws://"));
    let mut request = url.into_client_request().expect("request");
    request.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().expect("header"),
    );
    tokio_tungstenite::connect_async(request)
        .await
        .expect("connect")
        .0
}

/// The next message (pings skipped); a close as `{"type":"closed","code":N}`.
async fn ws_next(socket: &mut Socket) -> Value {
    loop {
        match tokio::time::timeout(Duration::from_secs(20), socket.next()).await {
            Ok(Some(Ok(Message::Text(text)))) => {
                let value: Value = serde_json::from_str(text.as_str()).expect("json");
                if value["type"] != "ping" {
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

async fn ws_send(socket: &mut Socket, message: Value) {
    socket
        .send(Message::text(message.to_string()))
        .await
        .expect("send");
}

#[tokio::test]
async fn connection_init_takes_the_token_in_each_common_form() {
    let app = spawn_app().await;
    let token = parent_token(&app);
    let camhs = app.agency(domain::AgencyKind::Camhs).create().await;
    let clinician = app.practitioner(&camhs).token();
    for payload in [
        json!({ "Authorization": format!("Bearer {token}") }),
        json!({ "authorization": format!("Bearer {token}") }),
        json!({ "headers": { "Authorization": format!("Bearer {token}") } }),
        json!({ "authToken": token }),
        json!({ "authToken": format!("Bearer {token}") }),
        json!({ "authToken": clinician, "purposeOfUse": "DIRECT_SUPPORT" }),
        json!({ "headers": { "Authorization": format!("Bearer {clinician}"), "X-Purpose-Of-Use": "DIRECT_SUPPORT" } }),
    ] {
        let mut socket = app.ws_init(payload.clone()).await;
        let ack = ws_next(&mut socket).await;
        assert_eq!(ack["type"], "connection_ack", "{payload}: {ack}");
    }
    // A bad purpose is refused like a bad token.
    let mut socket = app
        .ws_init(json!({ "authToken": clinician, "purposeOfUse": "CURIOSITY" }))
        .await;
    let closed = ws_next(&mut socket).await;
    assert_eq!(closed["code"], 4403, "{closed}");
}

#[tokio::test]
async fn websocket_close_codes_follow_graphql_transport_ws() {
    let app = spawn_app_with(|s| s.limits.ws_init_timeout = Duration::from_millis(300)).await;
    let token = parent_token(&app);

    // A bad token at connection_init: 4403 Forbidden.
    let mut socket = app
        .ws_init(json!({ "Authorization": "Bearer not-a-token" }))
        .await;
    let closed = ws_next(&mut socket).await;
    assert_eq!(closed["code"], 4403, "{closed}");
    let mut socket = app.ws_init(json!({})).await;
    assert_eq!(ws_next(&mut socket).await["code"], 4403);

    // Garbage: 4400.
    let mut socket = ws_open(&app).await;
    socket
        .send(Message::text("this is not JSON"))
        .await
        .expect("send");
    assert_eq!(ws_next(&mut socket).await["code"], 4400);
    let mut socket = ws_open(&app).await;
    ws_send(&mut socket, json!({ "type": "no_such_type" })).await;
    assert_eq!(ws_next(&mut socket).await["code"], 4400);

    // Subscribing before the connection is acknowledged: 4401.
    let mut socket = ws_open(&app).await;
    ws_send(
        &mut socket,
        json!({ "id": "1", "type": "subscribe", "payload": { "query": "subscription { x }" } }),
    )
    .await;
    assert_eq!(ws_next(&mut socket).await["code"], 4401);

    // No connection_init in time: 4408.
    let mut socket = ws_open(&app).await;
    assert_eq!(ws_next(&mut socket).await["code"], 4408);

    // A second connection_init: 4429.
    let mut socket = app
        .ws_init(json!({ "Authorization": format!("Bearer {token}") }))
        .await;
    assert_eq!(ws_next(&mut socket).await["type"], "connection_ack");
    ws_send(&mut socket, json!({ "type": "connection_init" })).await;
    assert_eq!(ws_next(&mut socket).await["code"], 4429);

    // Two live subscriptions with one id: 4409.
    let amira = app
        .child()
        .aged(9)
        .with_parent("parent-1")
        .create()
        .await
        .id;
    let mut socket = app
        .ws_init(json!({ "Authorization": format!("Bearer {token}") }))
        .await;
    assert_eq!(ws_next(&mut socket).await["type"], "connection_ack");
    let subscribe = json!({ "id": "same", "type": "subscribe", "payload": {
        "query": format!("subscription {{ recordUpdates(childId: \"{amira}\") {{ scope }} }}") } });
    ws_send(&mut socket, subscribe.clone()).await;
    ws_send(&mut socket, subscribe).await;
    let closed = ws_next(&mut socket).await;
    assert_eq!(closed["code"], 4409, "{closed}");
}

#[tokio::test]
async fn an_id_is_free_again_once_its_subscription_completes() {
    let app = spawn_app().await;
    let token = parent_token(&app);
    let amira = app
        .child()
        .aged(9)
        .with_parent("parent-1")
        .create()
        .await
        .id;
    let mut socket = app
        .ws_init(json!({ "Authorization": format!("Bearer {token}") }))
        .await;
    assert_eq!(ws_next(&mut socket).await["type"], "connection_ack");
    let subscribe = json!({ "id": "one", "type": "subscribe", "payload": {
        "query": format!("subscription {{ recordUpdates(childId: \"{amira}\") {{ scope }} }}") } });
    ws_send(&mut socket, subscribe.clone()).await;
    ws_send(&mut socket, json!({ "id": "one", "type": "complete" })).await;
    ws_send(&mut socket, subscribe).await;
    // Still open: a ping is answered.
    ws_send(&mut socket, json!({ "type": "ping" })).await;
    let mut pong = ws_next(&mut socket).await;
    while pong["type"] == "complete" {
        pong = ws_next(&mut socket).await;
    }
    assert_eq!(pong["type"], "pong", "{pong}");
}
