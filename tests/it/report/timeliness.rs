use consent::Purpose;
use domain::AgencyKind;
use serde_json::{Value, json};

use super::*;

const DASHBOARD: &str = "query($from: Date!, $to: Date!) { timeliness(from: $from, to: $to) {
  from to today
  finalPlansWithin20Weeks {
    includingExceptions { onTime counted percent }
    excludingExceptions { onTime counted percent } }
  decisionsToAssessWithin6Weeks { onTime counted percent }
  noticesNotToIssueWithin16Weeks { onTime counted percent }
  openPast20Weeks
  advice { withinDueDate { onTime counted percent } reused }
  adviceByAgency { agencyName advice { withinDueDate { onTime counted percent } reused } }
  adviceByProfession { profession advice { withinDueDate { onTime counted percent } reused } }
  annualReviewsOnTime { onTime counted percent }
  phaseTransfersOnTime { onTime counted percent } } }";

/// An agency name a spreadsheet would run as a formula, with a comma and
/// quotes: the CSV must keep it one cell, and inert.
const HOSTILE_SLT: &str = "=Northshire \"SLT\", Riverside";

fn rate(on_time: u32, counted: u32, percent: Option<f64>) -> Value {
    json!({ "onTime": on_time, "counted": counted, "percent": percent })
}

const PERIOD: (&str, &str) = ("2025-09-01", "2026-06-30");

/// Five assessments made through the mutations on 2 March 2026 (dates in
/// the past), with advice asked that day from three agencies. Returns the
/// hub, to be read later.
async fn caseload() -> TestApp {
    let app = hub_at(None, "2026-03-02T10:00:00Z").await;
    let officer = app.case_officer().await;
    let slt = app
        .agency(AgencyKind::Slt)
        .named(HOSTILE_SLT)
        .create()
        .await;
    let ep = app
        .agency(AgencyKind::Ep)
        .named("Northshire EP")
        .create()
        .await;
    let camhs = app
        .agency(AgencyKind::Camhs)
        .named("Northshire CAMHS")
        .create()
        .await;
    let child = || app.child().with_parent("p1").create();
    let (c1, c2, c3, c4, c5) = (
        child().await.id,
        child().await.id,
        child().await.id,
        child().await.id,
        child().await.id,
    );
    // Received 6 October 2025: decision due 17 November, final plan due
    // 23 February 2026. Both on the day.
    run_to_final(
        &officer,
        c1,
        "2025-10-06",
        "2025-11-10",
        "2026-01-26",
        "2026-02-23",
    )
    .await;
    // The same request date, each step a day late.
    run_to_final(
        &officer,
        c2,
        "2025-10-06",
        "2025-11-18",
        "2026-02-02",
        "2026-02-24",
    )
    .await;
    // Received 1 September 2025 (final due 19 January 2026), issued five
    // weeks late with an exception to the final plan's limit.
    let a3 = run_to_final(
        &officer,
        c3,
        "2025-09-01",
        "2025-10-06",
        "2026-02-02",
        "2026-02-25",
    )
    .await;
    final_plan_exception(&app, c3, &a3, "2025-12-01".parse().expect("date")).await;
    // Received 15 September 2025, decided on time, still open (past its
    // 20 weeks on 2 February 2026); advice asked today, due 13 April.
    let a4 = start(&officer, c4, "2025-09-15").await;
    step(&officer, "recordDecisionToAssess", &a4, "2025-10-20").await;
    // Received 16 February 2026: its decision is due 30 March.
    start(&officer, c5, "2026-02-16").await;

    let ask = |agency: uuid::Uuid, scope: &'static str| {
        let officer = officer.clone();
        let a4 = a4.clone();
        async move {
            let answer = officer
                .graphql(
                    "mutation($a: ID!, $g: ID!, $s: Scope!) {
                       requestAdvice(assessmentId: $a, agencyId: $g, scope: $s) { id dueOn } }",
                    json!({ "a": a4, "g": agency, "s": scope }),
                )
                .await;
            let r = ok(&answer, "requestAdvice");
            assert_eq!(r["dueOn"], "2026-04-13");
            r["id"].as_str().expect("id").to_owned()
        }
    };
    // EP's existing advice, written before it was asked (it works with the child).
    app.involve(c4, &ep).await;
    let written = app
        .practitioner(&ep)
        .graphql(
            "mutation($c: ID!, $i: ContributionInput!) { contribute(childId: $c, input: $i) { id } }",
            json!({ "c": c4, "i": { "scope": "PSYCHOLOGY", "kind": "ADVICE",
                    "title": "Cognitive assessment", "profession": "EDUCATIONAL_PSYCHOLOGY",
                    "content": crate::tell::templates::advice_content(
                        domain::template::Profession::EducationalPsychology) } }),
        )
        .await;
    let ep_advice = ok(&written, "contribute")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let slt_request = ask(slt.id, "COMMUNICATION").await;
    let ep_request = ask(ep.id, "PSYCHOLOGY").await;
    ask(camhs.id, "MENTAL_HEALTH").await;
    // SLT answers today; EP's advice is reused; CAMHS never answers.
    let submitted = app
        .practitioner(&slt)
        .graphql(
            "mutation($r: ID!, $i: ContributionInput!) { submitAdvice(requestId: $r, input: $i) { id } }",
            json!({ "r": slt_request, "i": { "kind": "ADVICE", "title": "Speech and language",
                    "content": crate::tell::templates::advice_content(
                        domain::template::Profession::SpeechLanguageTherapy) } }),
        )
        .await;
    ok(&submitted, "submitAdvice");
    // Reg 6(4): the author and the family each confirm it still stands.
    let confirm = "mutation($r: ID!, $c: ID!) { confirmAdviceReuse(requestId: $r, contributionId: $c) { party } }";
    let pair = json!({ "r": ep_request, "c": ep_advice });
    ok(
        &app.practitioner(&ep).graphql(confirm, pair.clone()).await,
        "confirmAdviceReuse",
    );
    ok(
        &app.family_member("p1").graphql(confirm, pair).await,
        "confirmAdviceReuse",
    );
    let reused = officer
        .graphql(
            "mutation($r: ID!, $c: ID!) { reuseAdvice(requestId: $r, contributionId: $c) { id } }",
            json!({ "r": ep_request, "c": ep_advice }),
        )
        .await;
    ok(&reused, "reuseAdvice");
    app
}

/// A REPORT entry as (from, to, format, child id).
type Traced<'a> = (Option<&'a str>, Option<&'a str>, Option<&'a str>, &'a Value);

/// The whole dashboard, counted by hand: on 2 March 2026 nothing is yet
/// overdue but the open assessment; on 20 April the undecided request and
/// CAMHS's unanswered advice are past their due dates and count as late.
#[tokio::test]
async fn the_figures_match_a_hand_count() {
    let march = caseload().await;
    let officer = march.case_officer().await;
    let vars = json!({ "from": PERIOD.0, "to": PERIOD.1 });
    let report = ok(
        &officer.graphql(DASHBOARD, vars.clone()).await,
        "timeliness",
    );
    assert_eq!(
        (&report["from"], &report["to"], &report["today"]),
        (
            &json!("2025-09-01"),
            &json!("2026-06-30"),
            &json!("2026-03-02")
        )
    );
    // Plans: on the day (on time), a day late, five weeks late with an
    // exception: 1 of 3 with exceptions; 1 of 2 without.
    assert_eq!(
        report["finalPlansWithin20Weeks"],
        json!({ "includingExceptions": rate(1, 3, Some(33.3)),
                "excludingExceptions": rate(1, 2, Some(50.0)) })
    );
    // Decisions: 10 Nov, 6 Oct, 20 Oct on time; 18 Nov a day late; the
    // fifth not yet due.
    assert_eq!(
        report["decisionsToAssessWithin6Weeks"],
        rate(3, 4, Some(75.0))
    );
    assert_eq!(report["noticesNotToIssueWithin16Weeks"], rate(0, 0, None));
    assert_eq!(report["openPast20Weeks"], 1);
    // SLT answered and EP's advice reused, both today; CAMHS not yet due.
    assert_eq!(
        report["advice"],
        json!({ "withinDueDate": rate(2, 2, Some(100.0)), "reused": 1 })
    );
    assert_eq!(report["annualReviewsOnTime"], rate(0, 0, None));
    assert_eq!(report["phaseTransfersOnTime"], rate(0, 0, None));

    // Seven weeks on, over the same records.
    let april = hub_at(Some(&march), "2026-04-20T10:00:00Z").await;
    let ig = april.ig_auditor().await;
    let report = ok(&ig.graphql(DASHBOARD, vars).await, "timeliness");
    assert_eq!(report["today"], "2026-04-20");
    assert_eq!(
        report["decisionsToAssessWithin6Weeks"],
        rate(3, 5, Some(60.0))
    );
    assert_eq!(report["openPast20Weeks"], 1);
    assert_eq!(
        report["advice"],
        json!({ "withinDueDate": rate(2, 3, Some(66.7)), "reused": 1 })
    );
    let group = |on_time, counted, percent, reused| json!({ "withinDueDate": rate(on_time, counted, percent), "reused": reused });
    assert_eq!(
        report["adviceByAgency"],
        json!([
            { "agencyName": HOSTILE_SLT, "advice": group(1, 1, Some(100.0), 0) },
            { "agencyName": "Northshire CAMHS", "advice": group(0, 1, Some(0.0), 0) },
            { "agencyName": "Northshire EP", "advice": group(1, 1, Some(100.0), 1) },
        ])
    );
    // Each request names the profession asked (by default the agency's).
    assert_eq!(
        report["adviceByProfession"],
        json!([
            { "profession": "EDUCATIONAL_PSYCHOLOGY", "advice": group(1, 1, Some(100.0), 1) },
            { "profession": "SPEECH_LANGUAGE_THERAPY", "advice": group(1, 1, Some(100.0), 0) },
            { "profession": "CAMHS", "advice": group(0, 1, Some(0.0), 0) },
        ])
    );

    // The CSV carries the same numbers, the hostile name one inert cell.
    let (status, content_type, disposition, body) = get_as(
        &april,
        &ig.token(),
        &format!("/exports/timeliness.csv?from={}&to={}", PERIOD.0, PERIOD.1),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(content_type, "text/csv; charset=utf-8");
    assert_eq!(
        disposition,
        "attachment; filename=\"timeliness-2025-09-01-to-2026-06-30.csv\""
    );
    let lines: Vec<&str> = body.lines().collect();
    for expected in [
        "measure,group,numerator,denominator,percent",
        "final_plans_within_20_weeks_including_exceptions,all,1,3,33.3",
        "final_plans_within_20_weeks_excluding_exceptions,all,1,2,50.0",
        "decisions_to_assess_within_6_weeks,all,3,5,60.0",
        "notices_not_to_issue_within_16_weeks,all,0,0,",
        "open_past_20_weeks,all,1,,",
        "advice_within_6_weeks,all,2,3,66.7",
        "advice_reused,all,1,,",
        "advice_within_6_weeks_by_agency,\"'=Northshire \"\"SLT\"\", Riverside\",1,1,100.0",
        "advice_within_6_weeks_by_agency,Northshire CAMHS,0,1,0.0",
        "advice_reused_by_agency,Northshire EP,1,,",
        "advice_within_6_weeks_by_profession,EDUCATIONAL_PSYCHOLOGY,1,1,100.0",
        "advice_within_6_weeks_by_profession,SPEECH_LANGUAGE_THERAPY,1,1,100.0",
        "advice_within_6_weeks_by_profession,CAMHS,0,1,0.0",
        "annual_reviews_on_time,all,0,0,",
        "phase_transfers_on_time,all,0,0,",
    ] {
        assert!(lines.contains(&expected), "no line {expected:?} in\n{body}");
    }
    assert!(!body.contains("NaN"));

    // Each report is traced once, with its period and no child.
    let reports = trace_of(&april, "REPORT").await;
    let formats: Vec<Traced<'_>> = reports
        .iter()
        .map(|e| {
            (
                detail(e, "from"),
                detail(e, "to"),
                detail(e, "format"),
                &e["childId"],
            )
        })
        .collect();
    assert_eq!(
        formats,
        vec![
            (
                Some("2025-09-01"),
                Some("2026-06-30"),
                Some("graphql"),
                &Value::Null
            ),
            (
                Some("2025-09-01"),
                Some("2026-06-30"),
                Some("graphql"),
                &Value::Null
            ),
            (
                Some("2025-09-01"),
                Some("2026-06-30"),
                Some("csv"),
                &Value::Null
            ),
        ]
    );
}

/// IG staff and case officers read the counts; a practitioner and a
/// family member are refused, over GraphQL and CSV alike.
#[tokio::test]
async fn only_ig_and_send_case_officers_read_the_dashboard() {
    let app = hub_at(None, "2026-03-02T10:00:00Z").await;
    let school = app.agency(AgencyKind::School).create().await;
    let vars = json!({ "from": "2026-01-01", "to": "2026-03-31" });
    let practitioner = app.practitioner(&school);
    let caldicott = app
        .persona("caldicott")
        .roles([consent::Role::CaldicottGuardian])
        .of(&app.council().await);
    // A case officer stating no purpose still reads counts: they name no child.
    let officer = app
        .persona("case-officer-without-purpose")
        .roles([consent::Role::CaseOfficer])
        .of(&app.council().await);
    for allowed in [
        app.ig_auditor().await,
        app.ig_admin().await,
        caldicott,
        officer,
    ] {
        let answer = allowed.graphql(DASHBOARD, vars.clone()).await;
        assert_eq!(ok(&answer, "timeliness")["openPast20Weeks"], 0);
    }
    let family = app.family_member("p1");
    // A practitioner of the council who is not a case officer.
    let council_practitioner = app
        .persona("council-practitioner")
        .roles([consent::Role::Practitioner])
        .of(&app.council().await)
        .purpose(Purpose::DirectSupport);
    for refused in [practitioner, family, council_practitioner] {
        let answer = refused.graphql(DASHBOARD, vars.clone()).await;
        assert_eq!(answer.codes(), vec!["FORBIDDEN"], "{answer:?}");
        assert!(answer.body["data"].is_null(), "{answer:?}");
        let (status, _, _, body) = get_as(
            &app,
            &refused.token(),
            "/exports/timeliness.csv?from=2026-01-01&to=2026-03-31",
        )
        .await;
        assert_eq!(status, 403, "{body}");
        assert!(body.contains("FORBIDDEN"), "{body}");
    }
}

/// Reversed, too long and pre-2014 periods are refused by field name,
/// over GraphQL and CSV; a good period is the positive control.
#[tokio::test]
async fn bad_periods_are_refused() {
    let app = hub_at(None, "2026-03-02T10:00:00Z").await;
    let ig = app.ig_auditor().await;
    for (from, to, field) in [
        ("2026-02-01", "2026-01-31", "to"),
        ("2019-01-01", "2024-01-01", "to"),
        ("2014-08-31", "2015-08-31", "from"),
    ] {
        let answer = ig
            .graphql(DASHBOARD, json!({ "from": from, "to": to }))
            .await;
        assert_eq!(answer.codes(), vec!["BAD_USER_INPUT"], "{answer:?}");
        assert_eq!(
            answer.body["errors"][0]["extensions"]["field"], field,
            "{answer:?}"
        );
        let (status, _, _, body) = get_as(
            &app,
            &ig.token(),
            &format!("/exports/timeliness.csv?from={from}&to={to}"),
        )
        .await;
        assert_eq!(status, 400, "{body}");
        assert!(body.contains(&format!("{field}: ")), "{body}");
    }
    for query in [
        "from=2026-01-01",
        "from=2026-01-01&to=31/03/2026",
        "from=2026-01-01&to=2026-03-31&x=1",
    ] {
        let (status, _, _, body) = get_as(
            &app,
            &ig.token(),
            &format!("/exports/timeliness.csv?{query}"),
        )
        .await;
        assert_eq!(status, 400, "{query}: {body}");
    }
    let (status, _, _, body) = get_as(
        &app,
        &ig.token(),
        "/exports/timeliness.csv?from=2019-01-01&to=2023-12-31",
    )
    .await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn the_dashboard_reads_a_page_of_plans_at_once() {
    // One more child with a final plan must not cost more statements: the
    // page's plans are read together (before, eleven statements a child).
    let march = caseload().await;
    let officer = march.case_officer().await;
    let vars = json!({ "from": PERIOD.0, "to": PERIOD.1 });
    let cost = || async {
        let before = march.store.statements();
        let report = ok(
            &officer.graphql(DASHBOARD, vars.clone()).await,
            "timeliness",
        );
        (march.store.statements() - before, report)
    };
    let (three, report) = cost().await;
    assert_eq!(
        report["finalPlansWithin20Weeks"]["includingExceptions"]["counted"],
        3
    );
    let another = march.child().with_parent("p6").create().await.id;
    run_to_final(
        &officer,
        another,
        "2025-10-06",
        "2025-11-10",
        "2026-01-26",
        "2026-02-23",
    )
    .await;
    let (four, report) = cost().await;
    assert_eq!(
        report["finalPlansWithin20Weeks"]["includingExceptions"]["counted"],
        4
    );
    assert_eq!(four, three, "statements with 3 and 4 planned children");
}
