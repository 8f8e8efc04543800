use super::*;

/// The store's report pages: in id order after the cursor, each
/// assessment with its own events, never another's; the last page short.
#[tokio::test]
async fn assessments_come_a_page_at_a_time_with_their_own_events() {
    let app = hub_at(None, "2026-03-02T10:00:00Z").await;
    let officer = app.case_officer().await;
    let mut made = Vec::new();
    for (received, decided) in [
        ("2026-01-05", Some("2026-02-09")),
        ("2026-01-12", None),
        ("2026-01-19", Some("2026-02-16")),
    ] {
        let child = app.child().create().await.id;
        let a = start(&officer, child, received).await;
        if let Some(on) = decided {
            step(&officer, "recordDecisionToAssess", &a, on).await;
        }
        made.push(a);
    }
    // A request after the period's end is never read.
    let late = app.child().create().await.id;
    start(&officer, late, "2026-03-01").await;
    let to: NaiveDate = "2026-02-28".parse().expect("date");
    let first = app.store.assessments_page(to, None, 2).await.expect("page");
    let rest = app
        .store
        .assessments_page(to, first.last().map(|a| a.id), 2)
        .await
        .expect("page");
    assert_eq!((first.len(), rest.len()), (2, 1));
    let mut read: Vec<_> = first.iter().chain(&rest).collect();
    read.sort_by_key(|a| a.request_received_on);
    let summary: Vec<(String, String, usize)> = read
        .iter()
        .map(|a| {
            (
                a.id.to_string(),
                a.request_received_on.to_string(),
                a.events.len(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (made[0].clone(), "2026-01-05".to_owned(), 1),
            (made[1].clone(), "2026-01-12".to_owned(), 0),
            (made[2].clone(), "2026-01-19".to_owned(), 1),
        ]
    );
    // The page size is capped whatever is asked.
    let all = app
        .store
        .assessments_page(to, None, u64::MAX)
        .await
        .expect("page");
    assert_eq!(all.len(), 3);
}
