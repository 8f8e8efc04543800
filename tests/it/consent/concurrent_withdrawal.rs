use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use consent::Purpose;
use domain::{AgencyKind, Scope};
use serde_json::{Value, json};

use super::*;
use crate::helpers::*;

#[derive(Debug)]
struct Read {
    started: Instant,
    mental_health: Value,
    codes: Vec<String>,
}

#[tokio::test]
async fn no_read_that_starts_after_a_withdrawal_returns_sees_the_withdrawn_scope() {
    // A child on the CAMHS waiting list whose mother has let CAMHS read
    // her mental health.
    let app = Arc::new(spawn_app().await);
    let child = child_aged_9(&app).await;
    let camhs_service = app.agency(AgencyKind::Camhs).create().await;
    // CAMHS works with her: after the withdrawal it still sees who she is
    // (a current involvement), so reads answer with the scope withheld
    // rather than NOT_FOUND.
    app.involve(child.id, &camhs_service).await;
    let mother = app.family_member("parent-1");
    mother
        .grant(&child)
        .for_every(AgencyKind::Camhs)
        .scopes([Scope::MentalHealth])
        .purposes([Purpose::DirectSupport])
        .create()
        .await;
    let parent = mother.token();
    let camhs = app.practitioner(&camhs_service).token();
    let child_id = child.id;
    let grant_id = find_grant(&app, &parent, child_id, |c| {
        c["recipientAgencyKind"] == "CAMHS" && c["status"] == "ACTIVE"
    })
    .await;

    const READERS: usize = 40;
    const QUERY: &str = "query($id: ID!) { child(id: $id) { mentalHealth { camhsStatus } } }";
    let stop = Arc::new(AtomicBool::new(false));
    let completed = Arc::new(AtomicUsize::new(0));
    let deadline = Instant::now() + Duration::from_secs(8);
    let mut tasks = Vec::new();
    for _ in 0..READERS {
        let (app, camhs) = (app.clone(), camhs.clone());
        let (stop, completed) = (stop.clone(), completed.clone());
        tasks.push(tokio::spawn(async move {
            let mut reads = Vec::new();
            for _ in 0..200 {
                if stop.load(Ordering::SeqCst) || Instant::now() > deadline {
                    break;
                }
                let started = Instant::now();
                let answer = app
                    .graphql_as(
                        Some(&camhs),
                        Some("DIRECT_SUPPORT"),
                        QUERY,
                        json!({ "id": child_id }),
                    )
                    .await;
                completed.fetch_add(1, Ordering::SeqCst);
                reads.push(Read {
                    started,
                    mental_health: answer.body["data"]["child"]["mentalHealth"].clone(),
                    codes: answer.codes(),
                });
            }
            reads
        }));
    }
    // Waits (bounded) until `n` reads have completed.
    let wait_for = |n: usize, limit: Duration| {
        let completed = completed.clone();
        async move {
            let until = Instant::now() + limit;
            while completed.load(Ordering::SeqCst) < n && Instant::now() < until {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    };

    // Withdraw while every reader is busy.
    // Bounds generous enough for a loaded CI machine; each wait ends as
    // soon as its count is reached.
    wait_for(READERS, Duration::from_secs(60)).await;
    let withdrawn = withdraw(&app, &parent, &grant_id, Some("No longer needed")).await;
    let returned = Instant::now();
    assert_eq!(
        withdrawn.body["data"]["withdrawConsent"]["event"], "WITHDRAWN",
        "{withdrawn:?}"
    );
    // Let every reader finish at least two more reads (bounded).
    let so_far = completed.load(Ordering::SeqCst);
    wait_for(so_far + 2 * READERS, Duration::from_secs(60)).await;
    stop.store(true, Ordering::SeqCst);

    let mut reads = Vec::new();
    for task in tasks {
        reads.extend(task.await.expect("reader task"));
    }
    let seen_before = reads
        .iter()
        .filter(|r| r.started < returned && r.mental_health["camhsStatus"] == "WAITING")
        .count();
    assert!(
        seen_before > 0,
        "the grant should have been in force before the withdrawal: {:?}",
        reads.first()
    );
    let after: Vec<&Read> = reads.iter().filter(|r| r.started > returned).collect();
    assert!(
        after.len() >= READERS,
        "only {} reads started after the withdrawal returned",
        after.len()
    );
    let leaked: Vec<&&Read> = after
        .iter()
        .filter(|r| !r.mental_health.is_null() || r.codes != ["CONSENT_REQUIRED"])
        .collect();
    assert!(
        leaked.is_empty(),
        "{} of {} reads started after the withdrawal returned and were not refused, e.g. {:?}",
        leaked.len(),
        after.len(),
        leaked.first()
    );
}
