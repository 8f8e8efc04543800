//! Several hub instances on one database (issue 15), as a load balancer
//! would run them: a change written through one reaches subscribers on the
//! other (PostgreSQL LISTEN/NOTIFY; the other instance's door decides at
//! delivery), reads on both at once each get their durable trace entry, and
//! the trace stays one verifiable chain.

use std::time::Duration;

use consent::Purpose;
use futures_util::SinkExt;
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;

use crate::helpers::*;
use crate::live::{amira_seen_by_camhs, next};

const UPDATE_AAM: &str = "mutation($c: ID!) { updateAllAboutMe(childId: $c, input: { whatMatters: \"Horses and drawing\" }) { version } }";
const READ: &str =
    "query($c: ID!) { child(id: $c) { identity { givenName } mentalHealth { camhsStatus } } }";

#[tokio::test]
async fn two_instances_share_notices_and_one_trace() {
    let a = spawn_app().await;
    let b = a.another_instance().await;
    assert_ne!(a.address, b.address);

    let (amira, camhs) = amira_seen_by_camhs(&a).await;
    let clinician = a.practitioner(&camhs).token();
    let parent = a.family_member("parent-1").token();

    // CAMHS subscribes on instance B.
    let mut socket = b
        .ws_init(json!({ "Authorization": format!("Bearer {clinician}"), "X-Purpose-Of-Use": "DIRECT_SUPPORT" }))
        .await;
    assert_eq!(
        next(&mut socket, Duration::from_secs(5))
            .await
            .map(|m| m["type"].clone()),
        Some(json!("connection_ack"))
    );
    let subscribe = json!({
        "id": "1", "type": "subscribe",
        "payload": { "query": "subscription($id: ID!) { recordUpdates(childId: $id) { childId scope } }", "variables": { "id": amira.id } }
    });
    socket
        .send(Message::text(subscribe.to_string()))
        .await
        .expect("subscribe");

    // The family writes through instance A (on SQLite, one instance only,
    // notices stay in-process: there the write goes through B itself).
    let writer = if is_postgres() { &a } else { &b };
    let mut notice = None;
    for _ in 0..20 {
        let written = writer
            .graphql_as(Some(&parent), None, UPDATE_AAM, json!({ "c": amira.id }))
            .await;
        assert!(
            written.body["data"]["updateAllAboutMe"]["version"].is_number(),
            "{written:?}"
        );
        if let Some(n) = next(&mut socket, Duration::from_millis(500)).await {
            notice = Some(n);
            break;
        }
    }
    let notice = notice.expect("a notice on the other instance");
    assert_eq!(notice["type"], "next", "{notice}");
    assert_eq!(
        notice["payload"]["data"]["recordUpdates"],
        json!({ "childId": amira.id.to_string(), "scope": "ALL_ABOUT_ME" })
    );
    while next(&mut socket, Duration::from_millis(300))
        .await
        .is_some()
    {}

    // Reads on both instances at once: each answered, each traced.
    let before = a.store.verify_trace().await.expect("verify").checked;
    let reads = (0..40).map(|i| {
        let hub = if i % 2 == 0 { &a } else { &b };
        let token = clinician.clone();
        async move {
            hub.graphql_as(
                Some(&token),
                Some("DIRECT_SUPPORT"),
                READ,
                json!({ "c": amira.id }),
            )
            .await
        }
    });
    for answer in futures_util::future::join_all(reads).await {
        assert_eq!(
            answer.body["data"]["child"]["mentalHealth"]["camhsStatus"], "WAITING",
            "{answer:?}"
        );
    }
    // Concurrent writes on both too: each a traced transaction.
    let writes = (0..6).map(|i| {
        let hub = if i % 2 == 0 { &a } else { &b };
        let parent = parent.clone();
        async move {
            hub.graphql_as(Some(&parent), None, UPDATE_AAM, json!({ "c": amira.id }))
                .await
        }
    });
    for answer in futures_util::future::join_all(writes).await {
        assert!(
            answer.body["data"]["updateAllAboutMe"]["version"].is_number(),
            "{answer:?}"
        );
    }

    // One chain, whichever instance verifies it, holding every read: B
    // verifies through A's head (B may have traced a notice since).
    let from_a = a.store.verify_trace().await.expect("verify on A");
    assert_eq!(from_a.first_broken, None, "{from_a:?}");
    let (seq, hash) = from_a.head.clone().expect("a head");
    let from_b = b
        .store
        .verify_trace_against(
            Some(consent::trace::Checkpoint::new(seq, &hash).expect("checkpoint")),
            None,
        )
        .await
        .expect("verify on B");
    assert_eq!(from_b.first_broken, None, "{from_b:?}");
    assert!(from_b.checked >= from_a.checked, "{from_a:?} {from_b:?}");
    assert!(
        from_a.checked >= before + 40 + 6,
        "{before} then {from_a:?}"
    );
    let trace = a
        .ig_auditor()
        .await
        .purpose(Purpose::DirectSupport)
        .graphql(
            "query($c: ID!) { accessTrace(filter: { childId: $c, action: READ }, first: 200) { edges { node { seq details { key value } } } } }",
            json!({ "c": amira.id }),
        )
        .await;
    let edges = trace.body["data"]["accessTrace"]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("{trace:?}"));
    let record_reads = edges
        .iter()
        .filter(|e| !e["node"]["details"].to_string().contains("update_notice"))
        .count();
    assert!(record_reads >= 40, "{record_reads} reads traced: {trace:?}");
    // The notice B delivered was traced by B before it was sent.
    assert!(
        trace.body.to_string().contains("update_notice"),
        "{trace:?}"
    );

    // Both instances run the log's integrator on one database: one tree,
    // every checkpoint signed by the shared key, each extending the last.
    let head = from_b.head.expect("a head").0 as u64;
    let key = a
        .settings
        .log_signer
        .as_ref()
        .expect("signer")
        .public_key()
        .to_owned();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let latest = loop {
        match a.store.log_checkpoint().await.expect("read") {
            Some(cp) if cp.size >= head => break cp,
            _ => assert!(
                std::time::Instant::now() < deadline,
                "no checkpoint of {head}"
            ),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    consent::log::open_checkpoint(&latest.note, &key).expect("signed by the shared key");
    // From the first checkpoint either instance signed to the latest.
    let first: u64 = {
        use sea_orm::{EntityTrait as _, QueryOrder as _};
        store::entities::trace_checkpoint::Entity::find()
            .order_by_asc(store::entities::trace_checkpoint::Column::Size)
            .one(a.store.connection())
            .await
            .expect("read")
            .expect("a first checkpoint")
            .size as u64
    };
    let proof = b
        .store
        .consistency_proof(first, Some(latest.size))
        .await
        .expect("read")
        .expect("a proof");
    consent::log::check_consistency(&proof, &key).expect("append-only across instances");
    let verified = b.store.verify_trace().await.expect("verify");
    assert_eq!(verified.first_broken, None, "{verified:?}");
    assert!(verified.log_size >= head, "{verified:?}");
}
