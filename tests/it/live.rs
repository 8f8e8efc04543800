//! Live updates over graphql-transport-ws: a notice arrives when something
//! the subscriber may see changes, and stops at once when consent is
//! withdrawn (the decision is taken at delivery time).

use std::time::Duration;

use consent::Purpose;
use domain::{AgencyKind, CamhsStatus, Scope};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::fixtures::{Agency, Child};
use crate::helpers::*;

/// Amira, 9, on the CAMHS waiting list; her mother (`parent-1`) lets CAMHS
/// read her mental health and her own words.
pub(crate) async fn amira_seen_by_camhs(app: &TestApp) -> (Child, Agency) {
    let camhs = app.agency(AgencyKind::Camhs).create().await;
    let child = app
        .child()
        .named("Amira", "Khan")
        .aged(9)
        .with_parent("parent-1")
        .with_record(|r| r.mental_health.camhs_status = Some(CamhsStatus::Waiting))
        .create()
        .await;
    app.family_member("parent-1")
        .grant(&child)
        .for_every(AgencyKind::Camhs)
        .scopes([Scope::MentalHealth, Scope::AllAboutMe])
        .purposes([Purpose::DirectSupport])
        .create()
        .await;
    (child, camhs)
}

async fn connect(app: &TestApp, payload: Value) -> Socket {
    app.ws_init(payload).await
}

/// The next JSON message, or `None` after `wait`.
pub(crate) async fn next(socket: &mut Socket, wait: Duration) -> Option<Value> {
    loop {
        match tokio::time::timeout(wait, socket.next()).await {
            Ok(Some(Ok(Message::Text(text)))) => {
                let value: Value = serde_json::from_str(text.as_str()).expect("json");
                if value["type"] == "ping" {
                    continue;
                }
                return Some(value);
            }
            Ok(Some(Ok(Message::Close(frame)))) => {
                return Some(json!({ "type": "closed", "frame": format!("{frame:?}") }));
            }
            Ok(Some(Ok(_))) => continue,
            _ => return None,
        }
    }
}

const UPDATE_AAM: &str = "mutation($c: ID!) { updateAllAboutMe(childId: $c, input: { whatMatters: \"Horses and drawing\" }) { version } }";

#[tokio::test]
async fn updates_arrive_until_consent_is_withdrawn() {
    let app = spawn_app().await;
    let (amira, camhs_service) = amira_seen_by_camhs(&app).await;
    let amira_id = amira.id;
    let clinician = app.practitioner(&camhs_service);
    let camhs = clinician.token();
    let mut socket = connect(
        &app,
        json!({ "Authorization": format!("Bearer {camhs}"), "X-Purpose-Of-Use": "DIRECT_SUPPORT" }),
    )
    .await;
    assert_eq!(
        next(&mut socket, Duration::from_secs(5))
            .await
            .map(|m| m["type"].clone()),
        Some(json!("connection_ack"))
    );
    let subscribe = json!({
        "id": "1", "type": "subscribe",
        "payload": { "query": "subscription($id: ID!) { recordUpdates(childId: $id) { childId scope } }", "variables": { "id": amira_id } }
    });
    socket
        .send(Message::text(subscribe.to_string()))
        .await
        .expect("subscribe");
    // The subscription starts asynchronously: change the record until the
    // first notice arrives (bounded), then drain any stragglers.
    let parent = app.family_member("parent-1").token();
    let mut notice = None;
    for _ in 0..20 {
        let written = app
            .graphql_as(Some(&parent), None, UPDATE_AAM, json!({ "c": amira_id }))
            .await;
        assert!(
            written.body["data"]["updateAllAboutMe"]["version"].is_number(),
            "{written:?}"
        );
        if let Some(n) = next(&mut socket, Duration::from_millis(250)).await {
            notice = Some(n);
            break;
        }
    }
    let notice = notice.expect("a notice");
    while next(&mut socket, Duration::from_millis(500))
        .await
        .is_some()
    {}
    assert_eq!(notice["type"], "next", "{notice}");
    assert_eq!(
        notice["payload"]["data"]["recordUpdates"],
        json!({ "childId": amira_id.to_string(), "scope": "ALL_ABOUT_ME" })
    );
    // The notice says where, never what.
    assert!(!notice.to_string().contains("Horses"));

    // The family withdraws CAMHS's consent.
    let consents = app
        .graphql_as(
            Some(&parent),
            None,
            "query($c: ID!) { consents(childId: $c) { id status recipientAgencyKind } }",
            json!({ "c": amira_id }),
        )
        .await;
    let grant = consents.body["data"]["consents"]
        .as_array()
        .expect("consents")
        .iter()
        .find(|g| g["recipientAgencyKind"] == "CAMHS" && g["status"] == "ACTIVE")
        .and_then(|g| g["id"].as_str())
        .expect("the CAMHS grant")
        .to_owned();
    let withdrawn = app
        .graphql_as(
            Some(&parent),
            None,
            "mutation($g: ID!) { withdrawConsent(grantId: $g) { event } }",
            json!({ "g": grant }),
        )
        .await;
    assert_eq!(
        withdrawn.body["data"]["withdrawConsent"]["event"], "WITHDRAWN",
        "{withdrawn:?}"
    );

    // The next change is not delivered ...
    let again = app
        .graphql_as(Some(&parent), None, UPDATE_AAM, json!({ "c": amira_id }))
        .await;
    assert!(
        again.body["data"]["updateAllAboutMe"]["version"].is_number(),
        "{again:?}"
    );
    assert_eq!(
        next(&mut socket, Duration::from_millis(1500)).await,
        None,
        "no notice after withdrawal"
    );
    // ... though the subscription is alive: CAMHS's own contribution is.
    let own = clinician
        .graphql(
            "mutation($c: ID!) { contribute(childId: $c, input: { scope: MENTAL_HEALTH, title: \"Assessment booked\" }) { id } }",
            json!({ "c": amira_id }),
        )
        .await;
    assert!(own.body["data"]["contribute"]["id"].is_string(), "{own:?}");
    let notice = next(&mut socket, Duration::from_secs(5))
        .await
        .expect("own contribution notice");
    assert_eq!(
        notice["payload"]["data"]["recordUpdates"]["scope"], "MENTAL_HEALTH",
        "{notice}"
    );

    // Every delivered notice was traced first.
    let trace = app
        .ig_auditor()
        .await
        .purpose(Purpose::DirectSupport)
        .graphql(
            "query($who: String!) { accessTrace(filter: { actorSubject: $who, action: READ }) { edges { node { details { key value } } } } }",
            json!({ "who": clinician.subject() }),
        )
        .await;
    let text = trace.body.to_string();
    assert!(text.matches("update_notice").count() >= 2, "{trace:?}");
    assert!(text.contains("MENTAL_HEALTH"), "{trace:?}");
}

#[tokio::test]
async fn a_bad_token_cannot_subscribe() {
    let app = spawn_app().await;
    let amira_id = amira_seen_by_camhs(&app).await.0.id;
    let mut socket = connect(&app, json!({ "Authorization": "Bearer not-a-token" })).await;
    let answer = next(&mut socket, Duration::from_secs(5))
        .await
        .expect("an answer");
    assert_ne!(answer["type"], "connection_ack", "{answer}");
    // A stranger with a valid token cannot listen to a child they cannot see.
    let stranger = app.family_member("someone-else").claims();
    let mut socket = connect(
        &app,
        json!({ "Authorization": format!("Bearer {}", app.hs256(&stranger)) }),
    )
    .await;
    assert_eq!(
        next(&mut socket, Duration::from_secs(5))
            .await
            .map(|m| m["type"].clone()),
        Some(json!("connection_ack"))
    );
    let subscribe = json!({
        "id": "1", "type": "subscribe",
        "payload": { "query": "subscription($id: ID!) { recordUpdates(childId: $id) { scope } }", "variables": { "id": amira_id } }
    });
    socket
        .send(Message::text(subscribe.to_string()))
        .await
        .expect("subscribe");
    let answer = next(&mut socket, Duration::from_secs(5))
        .await
        .expect("an answer");
    assert!(answer.to_string().contains("NOT_FOUND"), "{answer}");
}

/// Only subscriptions run over WebSocket: a query sent there cannot reach
/// record content (which would bypass the access trace of POST /graphql).
#[tokio::test]
async fn queries_cannot_ride_the_websocket() {
    let app = spawn_app().await;
    let (amira, camhs_service) = amira_seen_by_camhs(&app).await;
    let amira_id = amira.id;
    let camhs = app.practitioner(&camhs_service).token();
    let mut socket = connect(
        &app,
        json!({ "Authorization": format!("Bearer {camhs}"), "X-Purpose-Of-Use": "DIRECT_SUPPORT" }),
    )
    .await;
    assert_eq!(
        next(&mut socket, Duration::from_secs(5))
            .await
            .map(|m| m["type"].clone()),
        Some(json!("connection_ack"))
    );
    let query = json!({
        "id": "1", "type": "subscribe",
        "payload": { "query": format!("{{ child(id: \"{amira_id}\") {{ identity {{ givenName nhsNumber }} mentalHealth {{ camhsStatus }} }} }}") }
    });
    socket
        .send(Message::text(query.to_string()))
        .await
        .expect("send");
    let answer = next(&mut socket, Duration::from_secs(5))
        .await
        .expect("an answer");
    let text = answer.to_string();
    assert!(
        !text.contains("Amira") && !text.contains("WAITING"),
        "{text}"
    );
    assert!(
        text.contains("error") || text.contains("\"errors\""),
        "{text}"
    );
}
