use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use uuid::Uuid;

use super::*;
use crate::helpers::*;

/// Who acts, as claims each worker signs: practitioners of a school,
/// CAMHS, educational psychology and youth justice, and Amira's mother.
struct Cast {
    amira: Uuid,
    jayden: Uuid,
    senco: Value,
    camhs: Value,
    ep: Value,
    yot: Value,
    parent: Value,
}

#[derive(Debug, Clone, Copy)]
enum Who {
    Senco,
    Camhs,
    Ep,
    Yot,
}

#[derive(Debug, Clone, Copy)]
enum Kid {
    Amira,
    Jayden,
}

impl Cast {
    fn claims(&self, who: Who) -> &Value {
        match who {
            Who::Senco => &self.senco,
            Who::Camhs => &self.camhs,
            Who::Ep => &self.ep,
            Who::Yot => &self.yot,
        }
    }

    fn child(&self, kid: Kid) -> Uuid {
        match kid {
            Kid::Amira => self.amira,
            Kid::Jayden => self.jayden,
        }
    }

    /// The parent's request, stating direct support as a practitioner would.
    async fn parent(&self, app: &TestApp, query: &str, variables: Value) -> Answer {
        let token = app.hs256(&self.parent);
        app.graphql_as(Some(&token), Some("DIRECT_SUPPORT"), query, variables)
            .await
    }
}

#[derive(Debug, Clone, Copy)]
enum Job {
    /// A read by a persona (with purpose) of a child: one READ entry.
    Read(Who, &'static str, Kid),
    /// The parent's `me { children { .. } }`: one READ entry (Amira).
    Me,
    /// An expired token: one AUTH_FAILED entry.
    BadToken,
    /// The parent grants and then withdraws: two entries, two requests.
    GrantWithdraw,
}

async fn run_job(app: &TestApp, cast: &Cast, job: Job) -> usize {
    match job {
        Job::Read(persona, query, child) => {
            let token = app.hs256(cast.claims(persona));
            let answer = app
                .graphql_as(
                    Some(&token),
                    Some("DIRECT_SUPPORT"),
                    query,
                    json!({ "id": cast.child(child) }),
                )
                .await;
            assert_eq!(answer.status, 200, "{persona:?}: {answer:?}");
            assert!(
                answer.body["data"]["child"].is_object(),
                "{persona:?}: {answer:?}"
            );
            1
        }
        Job::Me => {
            let answer = app
                .graphql_as(
                    Some(&app.hs256(&cast.parent)),
                    None,
                    "{ me { subject children { id allAboutMe { whatMatters } } } }",
                    json!({}),
                )
                .await;
            assert_eq!(
                answer.body["data"]["me"]["children"][0]["id"],
                cast.amira.to_string(),
                "{answer:?}"
            );
            1
        }
        Job::BadToken => {
            let answer = app
                .graphql_as(
                    Some(&expired(app, cast.camhs.clone())),
                    Some("DIRECT_SUPPORT"),
                    READ,
                    json!({ "id": cast.amira }),
                )
                .await;
            assert_eq!(answer.status, 401, "{answer:?}");
            1
        }
        Job::GrantWithdraw => {
            let granted = cast.parent(app, GRANT, health_grant(cast.amira)).await;
            let grant_id = granted.body["data"]["grantConsent"]["grantId"]
                .as_str()
                .unwrap_or_else(|| panic!("not granted: {granted:?}"))
                .to_owned();
            let withdrawn = cast.parent(app, WITHDRAW, json!({ "id": grant_id })).await;
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
    let cast = {
        let readers = Readers::new(&app).await;
        let ep = app.agency(domain::AgencyKind::Ep).create().await;
        let yot = app.agency(domain::AgencyKind::YouthJustice).create().await;
        // EP works with Amira and youth justice with Jayden (each read is
        // for direct support, which needs a current involvement).
        app.involve(readers.amira.id, &ep).await;
        app.involve(readers.jayden.id, &yot).await;
        Arc::new(Cast {
            amira: readers.amira.id,
            jayden: readers.jayden.id,
            senco: readers.senco.claims(),
            camhs: readers.camhs.claims(),
            ep: app.practitioner(&ep).claims(),
            yot: app.practitioner(&yot).claims(),
            parent: app.family_member("parent-1").claims(),
        })
    };
    // What the setting left in the trace (the agreement's entry).
    let before = app.store.trace_links(0, 1_000).await.expect("links").len();

    let mut jobs = vec![Job::GrantWithdraw; PAIRS];
    let mut requests = PAIRS * 2;
    let mut i = 0;
    while requests < REQUESTS {
        jobs.push(match i % 8 {
            0 | 1 => Job::Read(Who::Senco, READ, Kid::Amira),
            2 => Job::Read(Who::Camhs, READ_CAMHS, Kid::Amira),
            3 => Job::Read(Who::Senco, READ, Kid::Jayden),
            4 => Job::Me,
            5 => Job::BadToken,
            6 => Job::Read(
                Who::Ep,
                "query($id: ID!) { child(id: $id) { psychology { advice } } }",
                Kid::Amira,
            ),
            _ => Job::Read(Who::Yot, READ, Kid::Jayden),
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
        let (app, cast, jobs, next) = (app.clone(), cast.clone(), jobs.clone(), next.clone());
        workers.push(tokio::spawn(async move {
            let mut entries = 0;
            loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(job) = jobs.get(i).copied() else {
                    return entries;
                };
                entries += run_job(&app, &cast, job).await;
            }
        }));
    }
    let mut written = 0;
    for worker in workers {
        written += worker.await.expect("worker");
    }
    assert_eq!(written, REQUESTS, "each request leaves one entry here");

    // The setting's entries, then one per request, numbered without gaps.
    let report = integrity(&app).await;
    assert_eq!(report["ok"], true, "{report}");
    assert_eq!(report["entriesChecked"], before + REQUESTS, "{report}");
    assert_eq!(report["headSeq"], before + REQUESTS, "{report}");
    let n = assert_chain_intact(&app).await;
    assert_eq!(n, before + REQUESTS + 1, "plus the integrity check");

    // One entry per request, each with its own request id.
    let all = trace(&app, json!({})).await;
    let request_ids: BTreeSet<&str> = all[before..before + REQUESTS]
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
    // Bounded by count (REQUESTS, IN_FLIGHT), not by time: the suite makes
    // no timed assertions; how long it took is for the log.
    eprintln!("{REQUESTS} requests took {:?}", started.elapsed());
}
