use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use api::demo::{AMIRA, JAYDEN};
use serde_json::json;
use uuid::Uuid;

use super::*;
use crate::helpers::*;

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
    // TODO(fixtures): on the demo
    let app =
        Arc::new(spawn_demo_app_with(|s| s.limits.auth_failure_window = Duration::ZERO).await);
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
