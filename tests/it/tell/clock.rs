//! The statutory clock right in every case, over HTTP with fixed clocks.
//! Every assessment here has its request received on Monday 5 January
//! 2026 and the decision to assess on 9 February: the decision is due 16
//! February (week 6), the notice not to issue 27 April (week 16), the draft
//! in practice by 10 May (week 20 less 15 days), the final plan 25 May
//! (week 20); advice asked on 20 February is due 3 April.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

use super::*;
use crate::helpers::*;

const MILESTONE_FIELDS: &str =
    "milestone label dueOn doneOn status words exception { exception label limit since }";

const CLOCK_REQUEST_FIELDS: &str = "id agencyId askedOn dueOn targetOn status
  exception { exception label limit since } answer contributionId adviceOn summary
  reuseConfirmations { party method confirmedOn confirmedBy recordedBy }";

fn view_fields() -> String {
    format!(
        "id summary milestones {{ {MILESTONE_FIELDS} }}
         adviceRequests {{ {CLOCK_REQUEST_FIELDS} }}
         exceptions {{ exception limit adviceRequestId on }}"
    )
}

fn view_query() -> String {
    format!(
        "query($c: ID!) {{ assessment(childId: $c) {{ {} }} }}",
        view_fields()
    )
}

fn record_exception() -> String {
    format!(
        "mutation($a: ID!, $limit: TimeLimit!, $exception: ClockException!, $on: Date!, $r: ID) {{
           recordException(assessmentId: $a, limit: $limit, exception: $exception, on: $on,
                           adviceRequestId: $r) {{ {} }} }}",
        view_fields()
    )
}

fn ask_advice() -> String {
    format!(
        "mutation($a: ID!, $agency: ID!, $scope: Scope!, $due: Date, $target: Date) {{
           requestAdvice(assessmentId: $a, agencyId: $agency, scope: $scope, dueOn: $due,
                         targetOn: $target) {{ {CLOCK_REQUEST_FIELDS} }} }}"
    )
}

fn not_to_issue() -> String {
    format!(
        "mutation($a: ID!, $on: Date!, $appeal: Boolean!) {{
           decideNotToIssue(assessmentId: $a, on: $on, appealRightsNotified: $appeal) {{ {} }} }}",
        view_fields()
    )
}

fn step(name: &str) -> String {
    // The advice checklist's gate on the draft is tested in tell::checklist.
    let reason = if name == "issueDraft" {
        ", openItemsReason: \"The clock is tested here; see tell::checklist\""
    } else {
        ""
    };
    format!(
        "mutation($a: ID!, $on: Date!) {{ {name}(assessmentId: $a, on: $on{reason}) {{ {} }} }}",
        view_fields()
    )
}

fn reuse() -> String {
    format!(
        "mutation($r: ID!, $c: ID!) {{
           reuseAdvice(requestId: $r, contributionId: $c) {{ {CLOCK_REQUEST_FIELDS} }} }}"
    )
}

/// A hub whose clock reads `now`, over a fresh database or `base`'s.
async fn hub(base: Option<&TestApp>, now: &str) -> TestApp {
    let now: DateTime<Utc> = now.parse().expect("an RFC 3339 instant");
    let url = base.map(|b| b.settings.database_url.clone());
    spawn_app_with(move |settings| {
        settings.fixed_now = Some(now);
        if let Some(url) = url {
            settings.database_url = url;
        }
    })
    .await
}

/// A child of `parent-1` with an assessment received 5 January 2026 and
/// decided on 9 February: (child, assessment id).
async fn decided(app: &TestApp, team: &Team<'_>) -> (Uuid, String) {
    let child = app
        .child()
        .aged(9)
        .with_parent("parent-1")
        .create()
        .await
        .id;
    let started = team
        .call(
            "case-officer",
            &start(),
            json!({ "c": child, "on": "2026-01-05" }),
        )
        .await;
    let assessment = id_of(&ok(&started, "startAssessment"));
    ok(
        &team
            .call(
                "case-officer",
                &decide(),
                json!({ "a": assessment, "assess": true, "on": "2026-02-09" }),
            )
            .await,
        "recordDecisionToAssess",
    );
    (child, assessment)
}

fn find<'a>(list: &'a Value, key: &str, value: &str) -> &'a Value {
    list.as_array()
        .and_then(|xs| xs.iter().find(|x| x[key] == value))
        .unwrap_or_else(|| panic!("no {key} = {value} in {list}"))
}

fn text(v: &Value) -> &str {
    v.as_str().unwrap_or_else(|| panic!("not a string: {v}"))
}

/// An exception names its limit and only that limit's grounds are
/// accepted; an ADVICE exception excuses its own request only, and the
/// family reads "delayed because", never "late", for it.
#[tokio::test]
async fn an_advice_exception_excuses_only_its_request_and_the_family_sees_why() {
    let feb = hub(None, "2026-02-20T10:00:00Z").await;
    let feb_team = Team::new(&feb).await;
    let (child, assessment) = decided(&feb, &feb_team).await;
    let ask =
        |agency: Uuid, scope: &str| json!({ "a": assessment, "agency": agency, "scope": scope });
    let slt = id_of(&ok(
        &feb_team
            .call("case-officer", &ask_advice(), ask(SLT, "COMMUNICATION"))
            .await,
        "requestAdvice",
    ));
    let ep = id_of(&ok(
        &feb_team
            .call("case-officer", &ask_advice(), ask(EP, "PSYCHOLOGY"))
            .await,
        "requestAdvice",
    ));

    let april = hub(Some(&feb), "2026-04-10T10:00:00Z").await;
    let team = Team::new(&april).await;
    let exception = |limit: &str, ground: &str, r: Option<&str>| json!({ "a": assessment, "limit": limit, "exception": ground, "on": "2026-03-20", "r": r });
    // A ground the advice limit does not allow: refused, naming the ones it does.
    let wrong = team
        .call(
            "case-officer",
            &record_exception(),
            exception("ADVICE", "SCHOOL_CLOSURE", Some(&ep)),
        )
        .await;
    bad_input(&wrong, "recordException", "exception");
    let message = text(&wrong.body["errors"][0]["message"]);
    for allowed in [
        "EXCEPTIONAL_PERSONAL_CIRCUMSTANCES",
        "FAMILY_ABSENT",
        "MISSED_APPOINTMENT",
        "reg 8(2)",
    ] {
        assert!(message.contains(allowed), "{message} names {allowed}");
    }
    // The advice limit's exception names its request; no other limit's does.
    let unnamed = team
        .call(
            "case-officer",
            &record_exception(),
            exception("ADVICE", "MISSED_APPOINTMENT", None),
        )
        .await;
    bad_input(&unnamed, "recordException", "adviceRequestId");
    let misplaced = team
        .call(
            "case-officer",
            &record_exception(),
            exception("FINAL_PLAN", "FAMILY_ABSENT", Some(&ep)),
        )
        .await;
    bad_input(&misplaced, "recordException", "adviceRequestId");
    // Arising after the request's due date (3 April): too late to lift it.
    let mut after = exception("ADVICE", "MISSED_APPOINTMENT", Some(&ep));
    after["on"] = json!("2026-04-04");
    bad_input(
        &team.call("case-officer", &record_exception(), after).await,
        "recordException",
        "on",
    );
    // Only the case officer records one.
    let by_parent = team
        .call(
            "parent",
            &record_exception(),
            exception("ADVICE", "MISSED_APPOINTMENT", Some(&ep)),
        )
        .await;
    refused(&by_parent, "recordException", "FORBIDDEN");

    let recorded = team
        .call(
            "case-officer",
            &record_exception(),
            exception("ADVICE", "MISSED_APPOINTMENT", Some(&ep)),
        )
        .await;
    let view = ok(&recorded, "recordException");
    assert_eq!(
        view["exceptions"],
        json!([{ "exception": "MISSED_APPOINTMENT", "limit": "ADVICE",
                 "adviceRequestId": ep, "on": "2026-03-20" }])
    );
    let requests = &view["adviceRequests"];
    let excused = find(requests, "id", &ep);
    assert_eq!(excused["status"], "EXCEPTION_APPLIES");
    assert_eq!(excused["dueOn"], "2026-04-03", "the due date is not moved");
    assert_eq!(
        excused["exception"],
        json!({ "exception": "MISSED_APPOINTMENT",
                "label": "an appointment needed for the advice was missed",
                "limit": "ADVICE", "since": "2026-03-20" })
    );
    let late = find(requests, "id", &slt);
    assert_eq!(
        (&late["status"], &late["exception"]),
        (&json!("OVERDUE"), &Value::Null)
    );
    // The exception to one request changes no milestone.
    assert!(
        view["milestones"]
            .as_array()
            .expect("milestones")
            .iter()
            .all(|m| m["exception"].is_null() && m["status"] != "EXCEPTION_APPLIES"),
        "{view}"
    );

    // The family's view: "delayed because", for the excused advice only.
    let family = ok(
        &team
            .call("parent", &view_query(), json!({ "c": child }))
            .await,
        "assessment",
    );
    let words = text(&find(&family["adviceRequests"], "id", &ep)["summary"]).to_owned();
    assert!(
        words.contains("delayed because an appointment needed for the advice was missed")
            && !words.contains("late"),
        "{words}"
    );
    let summary = text(&family["summary"]);
    assert!(
        summary.contains(&format!(
            "advice from {EP_NAME} (delayed because an appointment needed for the advice was missed"
        )),
        "{summary}"
    );
    let late_part = summary.split("Late:").nth(1).unwrap_or_default();
    assert!(
        late_part.contains(SLT_NAME) && !late_part.contains(EP_NAME),
        "only the unexcused advice is late: {summary}"
    );
}

/// A FINAL_PLAN exception: the final plan, once it is overdue, shows
/// EXCEPTION_APPLIES ("delayed because …"); issued after week 20 it is DONE,
/// never DONE_LATE. Without one, the same dates are DONE_LATE.
#[tokio::test]
async fn a_final_plan_exception_makes_a_final_plan_after_week_20_done_not_late() {
    let app = hub(None, "2026-07-01T10:00:00Z").await;
    let team = Team::new(&app).await;
    let (child, excused) = decided(&app, &team).await;
    let (_, control) = decided_for_other(&app, &team).await;
    let recorded = team
        .call(
            "case-officer",
            &record_exception(),
            json!({ "a": excused, "limit": "FINAL_PLAN", "exception": "SCHOOL_CLOSURE", "on": "2026-05-01" }),
        )
        .await;
    let view = ok(&recorded, "recordException");
    let final_plan = find(&view["milestones"], "milestone", "FINAL_PLAN");
    assert_eq!(final_plan["status"], "EXCEPTION_APPLIES");
    assert_eq!(final_plan["dueOn"], "2026-05-25");
    assert_eq!(final_plan["exception"]["limit"], "FINAL_PLAN");
    assert!(
        text(&final_plan["words"])
            .starts_with("delayed because the school or college was closed for 4 weeks or more"),
        "{final_plan}"
    );
    // Only its limit: the draft's practical target is late as ever.
    let draft = find(&view["milestones"], "milestone", "DRAFT");
    assert_eq!(
        (&draft["dueOn"], &draft["status"], &draft["words"]),
        (&json!("2026-05-10"), &json!("OVERDUE"), &json!("late"))
    );
    let family = ok(
        &team
            .call("parent", &view_query(), json!({ "c": child }))
            .await,
        "assessment",
    );
    let words = text(&find(&family["milestones"], "milestone", "FINAL_PLAN")["words"]);
    assert!(
        words.contains("delayed because") && !words.contains("late"),
        "{words}"
    );

    for a in [&excused, &control] {
        ok(
            &team
                .call(
                    "case-officer",
                    &step("issueDraft"),
                    json!({ "a": a, "on": "2026-06-10" }),
                )
                .await,
            "issueDraft",
        );
    }
    let issued = |a: &str| {
        let a = a.to_owned();
        let team = &team;
        async move {
            // A final plan names its school or setting (section I).
            ok(
                &team
                    .call("case-officer", "mutation($a: ID!) { setPlacement(assessmentId: $a, name: \"Riverside Primary School\", kind: \"Mainstream primary school\") { version } }", json!({ "a": a }))
                    .await,
                "setPlacement",
            );
            ok(
                &team
                    .call(
                        "case-officer",
                        &step("issueFinalPlan"),
                        json!({ "a": a, "on": "2026-06-30" }),
                    )
                    .await,
                "issueFinalPlan",
            )
        }
    };
    let done = issued(&excused).await;
    let final_plan = find(&done["milestones"], "milestone", "FINAL_PLAN");
    assert_eq!(
        (&final_plan["doneOn"], &final_plan["status"]),
        (&json!("2026-06-30"), &json!("DONE"))
    );
    let late = issued(&control).await;
    assert_eq!(
        find(&late["milestones"], "milestone", "FINAL_PLAN")["status"],
        "DONE_LATE"
    );
    // Once done, no exception to its limit is recorded.
    let after = team
        .call(
            "case-officer",
            &record_exception(),
            json!({ "a": control, "limit": "FINAL_PLAN", "exception": "SCHOOL_CLOSURE", "on": "2026-05-01" }),
        )
        .await;
    bad_input(&after, "recordException", "limit");
}

/// Another child (of `parent-2`), decided on the same dates.
async fn decided_for_other(app: &TestApp, team: &Team<'_>) -> (Uuid, String) {
    let child = app
        .child()
        .aged(10)
        .with_parent("parent-2")
        .create()
        .await
        .id;
    let started = team
        .call(
            "case-officer",
            &start(),
            json!({ "c": child, "on": "2026-01-05" }),
        )
        .await;
    let assessment = id_of(&ok(&started, "startAssessment"));
    ok(
        &team
            .call(
                "case-officer",
                &decide(),
                json!({ "a": assessment, "assess": true, "on": "2026-02-09" }),
            )
            .await,
        "recordDecisionToAssess",
    );
    (child, assessment)
}

/// Advice is due within 6 weeks of the request (reg 8(1)); a later local
/// target is a separate date, shown but never the status's.
#[tokio::test]
async fn advice_due_dates_cap_at_six_weeks_and_a_later_target_is_separate() {
    let app = hub(None, "2026-02-20T10:00:00Z").await;
    let team = Team::new(&app).await;
    let (child, assessment) = decided(&app, &team).await;
    let ask = |due: &str, target: Option<&str>| json!({ "a": assessment, "agency": SLT, "scope": "COMMUNICATION", "due": due, "target": target });
    let beyond = team
        .call("case-officer", &ask_advice(), ask("2026-04-04", None))
        .await;
    bad_input(&beyond, "requestAdvice", "dueOn");
    let message = text(&beyond.body["errors"][0]["message"]);
    assert!(
        message.contains("6 weeks")
            && message.contains("2026-04-03")
            && message.contains("targetOn"),
        "{message}"
    );
    let past_target = team
        .call(
            "case-officer",
            &ask_advice(),
            ask("2026-04-03", Some("2026-02-19")),
        )
        .await;
    bad_input(&past_target, "requestAdvice", "targetOn");
    let asked = team
        .call(
            "case-officer",
            &ask_advice(),
            ask("2026-04-03", Some("2026-05-15")),
        )
        .await;
    let request = ok(&asked, "requestAdvice");
    assert_eq!(
        (
            &request["askedOn"],
            &request["dueOn"],
            &request["targetOn"],
            &request["status"]
        ),
        (
            &json!("2026-02-20"),
            &json!("2026-04-03"),
            &json!("2026-05-15"),
            &json!("ON_TRACK")
        )
    );
    // Shown in the assessment too, the status always from the due date.
    let view = ok(
        &team
            .call("case-officer", &view_query(), json!({ "c": child }))
            .await,
        "assessment",
    );
    let shown = find(&view["adviceRequests"], "id", text(&request["id"]));
    assert_eq!(
        (&shown["dueOn"], &shown["targetOn"]),
        (&json!("2026-04-03"), &json!("2026-05-15"))
    );
}

/// DECIDED_NOT_TO_ISSUE (reg 10): refused unless the appeal rights were
/// notified; then the timeline closes (no draft, final plan or advice), the
/// trace records the notice, and the family's summary says what they can do.
#[tokio::test]
async fn deciding_not_to_issue_needs_the_appeal_rights_and_closes_the_timeline() {
    let app = hub(None, "2026-04-20T10:00:00Z").await;
    let team = Team::new(&app).await;
    let (child, assessment) = decided(&app, &team).await;
    let without = team
        .call(
            "case-officer",
            &not_to_issue(),
            json!({ "a": assessment, "on": "2026-04-20", "appeal": false }),
        )
        .await;
    bad_input(&without, "decideNotToIssue", "appealRightsNotified");
    let decided = team
        .call(
            "case-officer",
            &not_to_issue(),
            json!({ "a": assessment, "on": "2026-04-20", "appeal": true }),
        )
        .await;
    let view = ok(&decided, "decideNotToIssue");
    let timeline: Vec<(String, String, String)> = view["milestones"]
        .as_array()
        .expect("milestones")
        .iter()
        .map(|m| {
            (
                text(&m["milestone"]).to_owned(),
                text(&m["dueOn"]).to_owned(),
                text(&m["status"]).to_owned(),
            )
        })
        .collect();
    let own = |a: &str, b: &str, c: &str| (a.to_owned(), b.to_owned(), c.to_owned());
    assert_eq!(
        timeline,
        vec![
            own("DECISION_TO_ASSESS", "2026-02-16", "DONE"),
            own("NOTICE_NOT_TO_ISSUE", "2026-04-27", "DONE"),
        ]
    );
    let draft = team
        .call(
            "case-officer",
            &step("issueDraft"),
            json!({ "a": assessment, "on": "2026-04-20" }),
        )
        .await;
    bad_input(&draft, "issueDraft", "on");
    assert!(
        text(&draft.body["errors"][0]["message"])
            .contains("decided not to issue a plan on 2026-04-20"),
        "{draft:?}"
    );
    let advice = team
        .call(
            "case-officer",
            &ask_advice(),
            json!({ "a": assessment, "agency": SLT, "scope": "COMMUNICATION" }),
        )
        .await;
    bad_input(&advice, "requestAdvice", "assessmentId");

    let family = ok(
        &team
            .call("parent", &view_query(), json!({ "c": child }))
            .await,
        "assessment",
    );
    let summary = text(&family["summary"]);
    for words in [
        "decided not to issue an EHC plan on 20 April 2026",
        "First-tier Tribunal",
        "mediation",
    ] {
        assert!(summary.contains(words), "{summary} says {words}");
    }
    let steps = trace_seen_by_ig(
        &app,
        json!({ "childId": child, "action": "ASSESSMENT_STEP" }),
    )
    .await;
    let notice = steps
        .iter()
        .find(|e| detail(e, "step").as_deref() == Some("DECIDED_NOT_TO_ISSUE"))
        .unwrap_or_else(|| panic!("no notice in {steps:?}"));
    assert_eq!(detail(notice, "appeal_rights").as_deref(), Some("notified"));
}

/// The value of a trace entry's detail.
fn detail(e: &Value, key: &str) -> Option<String> {
    e["details"]
        .as_array()?
        .iter()
        .find(|d| d["key"] == key)
        .and_then(|d| d["value"].as_str().map(str::to_owned))
}

/// Reuse (reg 6(4)) is confirmed by each person for themselves: the author
/// with their own token, the family with theirs, or either recorded on
/// paper by the case officer; anyone else is refused; the council's reuse
/// waits for both; an update is never reused.
#[tokio::test]
async fn reuse_is_confirmed_by_the_author_and_the_family_each_for_themselves() {
    // The advice was written in January, before the assessment.
    let jan = hub(None, "2026-01-12T10:00:00Z").await;
    let jan_team = Team::new(&jan).await;
    let child = jan
        .child()
        .aged(9)
        .with_parent("parent-1")
        .create()
        .await
        .id;
    involve_team(&jan, child, &[EP, SLT]).await;
    // Advice and assessments are written against their profession's
    // template; an update is free text.
    let write = |kind: &str, scope: &str, title: &str| {
        let profession = if scope == "PSYCHOLOGY" {
            domain::template::Profession::EducationalPsychology
        } else {
            domain::template::Profession::SpeechLanguageTherapy
        };
        let mut input =
            json!({ "scope": scope, "kind": kind, "title": format!("{title} ({MARK})") });
        if kind != "UPDATE" {
            input["profession"] = json!(profession.code());
            input["content"] = super::templates::advice_content(profession);
        }
        json!({ "c": child, "i": input })
    };
    let ep_advice = id_of(&ok(
        &jan_team
            .call(
                "ep",
                &contribute(),
                write("ADVICE", "PSYCHOLOGY", "EP advice"),
            )
            .await,
        "contribute",
    ));
    let ep_update = id_of(&ok(
        &jan_team
            .call(
                "ep",
                &contribute(),
                write("UPDATE", "PSYCHOLOGY", "EP update"),
            )
            .await,
        "contribute",
    ));
    let slt_advice = id_of(&ok(
        &jan_team
            .call(
                "slt",
                &contribute(),
                write("ASSESSMENT", "COMMUNICATION", "SLT findings"),
            )
            .await,
        "contribute",
    ));

    let app = hub(Some(&jan), "2026-02-20T10:00:00Z").await;
    let team = Team::new(&app).await;
    let started = team
        .call(
            "case-officer",
            &start(),
            json!({ "c": child, "on": "2026-01-05" }),
        )
        .await;
    let assessment = id_of(&ok(&started, "startAssessment"));
    ok(
        &team
            .call(
                "case-officer",
                &decide(),
                json!({ "a": assessment, "assess": true, "on": "2026-02-09" }),
            )
            .await,
        "recordDecisionToAssess",
    );
    let ask =
        |agency: Uuid, scope: &str| json!({ "a": assessment, "agency": agency, "scope": scope });
    let to_ep = id_of(&ok(
        &team
            .call("case-officer", &ask_advice(), ask(EP, "PSYCHOLOGY"))
            .await,
        "requestAdvice",
    ));
    let to_slt = id_of(&ok(
        &team
            .call("case-officer", &ask_advice(), ask(SLT, "COMMUNICATION"))
            .await,
        "requestAdvice",
    ));
    let ep_vars = json!({ "r": to_ep, "c": ep_advice });

    // Strangers: another agency, the case officer as "author", a colleague
    // of the author, and someone who is not the child's family.
    for who in ["slt", "case-officer"] {
        let answer = team.call(who, &confirm_reuse(), ep_vars.clone()).await;
        refused(&answer, "confirmAdviceReuse", "FORBIDDEN");
    }
    let mut colleague = team.get("ep").claims();
    colleague["sub"] = json!("test-another-psychologist");
    let answer = app
        .graphql_as(
            Some(&app.hs256(&colleague)),
            Some("EHC_ASSESSMENT"),
            &confirm_reuse(),
            ep_vars.clone(),
        )
        .await;
    refused(&answer, "confirmAdviceReuse", "FORBIDDEN");
    let answer = app
        .graphql_as(
            Some(&family_token(&app, "not-this-family")),
            None,
            &confirm_reuse(),
            ep_vars.clone(),
        )
        .await;
    refused(&answer, "confirmAdviceReuse", "NOT_FOUND");

    // An update is never reused, nor confirmed for reuse.
    let update_vars = json!({ "r": to_ep, "c": ep_update });
    for (who, query, field) in [
        ("ep", confirm_reuse(), "confirmAdviceReuse"),
        ("case-officer", reuse(), "reuseAdvice"),
    ] {
        let answer = team.call(who, &query, update_vars.clone()).await;
        bad_input(&answer, field, "contributionId");
        assert!(
            text(&answer.body["errors"][0]["message"]).contains("is an update"),
            "{answer:?}"
        );
    }

    // The council's reuse waits for both, naming who is missing.
    let missing = |answer: &Answer| text(&answer.body["errors"][0]["message"]).to_owned();
    let first = team.call("case-officer", &reuse(), ep_vars.clone()).await;
    bad_input(&first, "reuseAdvice", "contributionId");
    assert!(
        missing(&first).contains("the advice's author has not"),
        "{first:?}"
    );
    // The author, with their own token.
    let by_author = ok(
        &team.call("ep", &confirm_reuse(), ep_vars.clone()).await,
        "confirmAdviceReuse",
    );
    assert_eq!(
        (
            &by_author["party"],
            &by_author["method"],
            &by_author["confirmedOn"]
        ),
        (&json!("AUTHOR"), &json!("DIGITAL"), &json!("2026-02-20"))
    );
    let twice = team.call("ep", &confirm_reuse(), ep_vars.clone()).await;
    bad_input(&twice, "confirmAdviceReuse", "contributionId");
    let second = team.call("case-officer", &reuse(), ep_vars.clone()).await;
    bad_input(&second, "reuseAdvice", "contributionId");
    assert!(
        missing(&second).contains("the family has not"),
        "{second:?}"
    );
    // The family, with their own token.
    let by_family = ok(
        &team.call("parent", &confirm_reuse(), ep_vars.clone()).await,
        "confirmAdviceReuse",
    );
    assert_eq!(
        (
            &by_family["party"],
            &by_family["method"],
            &by_family["confirmedBy"]
        ),
        (&json!("FAMILY"), &json!("DIGITAL"), &Value::Null)
    );
    let reused = ok(
        &team.call("case-officer", &reuse(), ep_vars.clone()).await,
        "reuseAdvice",
    );
    assert_eq!(
        (
            &reused["answer"],
            &reused["contributionId"],
            &reused["adviceOn"],
            &reused["status"]
        ),
        (
            &json!("REUSED"),
            &json!(ep_advice),
            &json!("2026-01-12"),
            &json!("DONE")
        )
    );
    assert!(
        text(&reused["summary"]).contains("(written 12 January 2026)"),
        "{reused}"
    );
    // Who confirmed: the council sees the subjects.
    let mut confirmations: Vec<(String, String, String)> = reused["reuseConfirmations"]
        .as_array()
        .expect("confirmations")
        .iter()
        .map(|c| {
            (
                text(&c["party"]).to_owned(),
                text(&c["method"]).to_owned(),
                text(&c["confirmedBy"]).to_owned(),
            )
        })
        .collect();
    confirmations.sort();
    assert_eq!(
        confirmations,
        vec![
            (
                "AUTHOR".into(),
                "DIGITAL".into(),
                team.get("ep").subject().to_owned()
            ),
            ("FAMILY".into(), "DIGITAL".into(), "parent-1".into()),
        ]
    );

    // On paper: the case officer records each, with bounded evidence.
    let slt_vars = |party: &str| json!({ "r": to_slt, "c": slt_advice, "party": party });
    let mut no_evidence = slt_vars("AUTHOR");
    no_evidence["evidence"] = json!("   ");
    bad_input(
        &team
            .call("case-officer", &record_reuse(), no_evidence)
            .await,
        "recordReuseConfirmation",
        "evidence",
    );
    let mut long = slt_vars("AUTHOR");
    long["evidence"] = json!("x".repeat(201));
    bad_input(
        &team.call("case-officer", &record_reuse(), long).await,
        "recordReuseConfirmation",
        "evidence",
    );
    let mut digital = slt_vars("AUTHOR");
    digital["method"] = json!("DIGITAL");
    bad_input(
        &team.call("case-officer", &record_reuse(), digital).await,
        "recordReuseConfirmation",
        "method",
    );
    refused(
        &team.call("slt", &record_reuse(), slt_vars("AUTHOR")).await,
        "recordReuseConfirmation",
        "FORBIDDEN",
    );
    let author = ok(
        &team
            .call("case-officer", &record_reuse(), slt_vars("AUTHOR"))
            .await,
        "recordReuseConfirmation",
    );
    assert_eq!(
        (
            &author["method"],
            &author["confirmedBy"],
            &author["recordedBy"]
        ),
        (
            &json!("WRITTEN"),
            &json!(team.get("slt").subject()),
            &json!(team.get("case-officer").subject())
        )
    );
    let mut verbal = slt_vars("FAMILY");
    verbal["method"] = json!("VERBAL");
    verbal["evidence"] = json!("Call with Amira's mother, 20 Feb 2026 10:05, ref C-88");
    ok(
        &team.call("case-officer", &record_reuse(), verbal).await,
        "recordReuseConfirmation",
    );
    let slt_reused = ok(
        &team
            .call(
                "case-officer",
                &reuse(),
                json!({ "r": to_slt, "c": slt_advice }),
            )
            .await,
        "reuseAdvice",
    );
    assert_eq!(
        slt_reused["answer"], "REUSED",
        "assessment findings are reused too"
    );

    // The family sees who confirmed and how, but no one's subject.
    let family = ok(
        &team
            .call("parent", &view_query(), json!({ "c": child }))
            .await,
        "assessment",
    );
    let shown = find(&family["adviceRequests"], "id", &to_slt);
    let mut seen: Vec<(String, String, Value, Value)> = shown["reuseConfirmations"]
        .as_array()
        .expect("confirmations")
        .iter()
        .map(|c| {
            (
                text(&c["party"]).to_owned(),
                text(&c["method"]).to_owned(),
                c["confirmedBy"].clone(),
                c["recordedBy"].clone(),
            )
        })
        .collect();
    seen.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        seen,
        vec![
            ("AUTHOR".into(), "WRITTEN".into(), Value::Null, Value::Null),
            ("FAMILY".into(), "VERBAL".into(), Value::Null, Value::Null),
        ]
    );
    assert_eq!(shown["adviceOn"], "2026-01-12");

    // The family's history says who confirmed, in a sentence, for the
    // assessment.
    let history = team
        .call(
            "parent",
            "query($id: ID!) { accessHistory(childId: $id, first: 200) {
               edges { node { purpose summary } } } }",
            json!({ "id": child }),
        )
        .await;
    let lines: Vec<(String, String)> = ok(&history, "accessHistory")["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| {
            (
                text(&e["node"]["summary"]).to_owned(),
                e["node"]["purpose"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    for sentence in [
        format!(
            "{EP_NAME} confirmed that advice they gave before is still right for your child's EHC needs assessment, so it can be used again"
        ),
        "Test Council SEND Team recorded that your family confirmed advice given before is still right for your child's EHC needs assessment".to_owned(),
        "Test Council SEND Team recorded that the author of advice given before confirmed it is still right for your child's EHC needs assessment".to_owned(),
    ] {
        assert!(
            lines
                .iter()
                .any(|(s, purpose)| *s == sentence && purpose == "EHC_ASSESSMENT"),
            "{sentence} in {lines:?}"
        );
    }
}
