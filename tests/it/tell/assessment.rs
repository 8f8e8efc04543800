use chrono::{DateTime, Utc};
use domain::AgencyKind;
use serde_json::{Value, json};
use uuid::Uuid;

use super::*;
use crate::helpers::*;

fn draft() -> String {
    format!(
        "mutation($a: ID!, $on: Date!) {{ issueDraft(assessmentId: $a, on: $on, openItemsReason: \"The clock is tested here; see tell::checklist\") {{ {} }} }}",
        assessment_fields()
    )
}

fn final_plan() -> String {
    format!(
        "mutation($a: ID!, $on: Date!) {{ issueFinalPlan(assessmentId: $a, on: $on) {{ {} }} }}",
        assessment_fields()
    )
}

fn assessment() -> String {
    format!(
        "query($c: ID!) {{ assessment(childId: $c) {{ {} }} }}",
        assessment_fields()
    )
}

fn advice_requests() -> String {
    format!("{{ adviceRequests {{ {REQUEST_FIELDS} }} }}")
}

fn at(instant: &str) -> DateTime<Utc> {
    instant.parse().expect("an RFC 3339 instant")
}

/// A hub whose clock reads `now`: over a fresh database, or over `base`'s
/// (a later day for the same records).
async fn hub_at(base: Option<&TestApp>, now: &str) -> TestApp {
    let now = at(now);
    let url = base.map(|b| b.settings.database_url.clone());
    spawn_app_with(move |settings| {
        settings.fixed_now = Some(now);
        if let Some(url) = url {
            settings.database_url = url;
        }
    })
    .await
}

/// The milestone `name` of an assessment view.
fn milestone<'a>(view: &'a Value, name: &str) -> &'a Value {
    view["milestones"]
        .as_array()
        .and_then(|ms| ms.iter().find(|m| m["milestone"] == name))
        .unwrap_or_else(|| panic!("no milestone {name} in {view}"))
}

/// A milestone as (milestone, due, done, status).
type Step = (String, String, Option<String>, String);

/// Every milestone of an assessment view, in order.
fn timeline(view: &Value) -> Vec<Step> {
    view["milestones"]
        .as_array()
        .unwrap_or_else(|| panic!("no milestones in {view}"))
        .iter()
        .map(|m| {
            (
                m["milestone"].as_str().unwrap_or_default().to_owned(),
                m["dueOn"].as_str().unwrap_or_default().to_owned(),
                m["doneOn"].as_str().map(str::to_owned),
                m["status"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

fn m(name: &str, due: &str, done: Option<&str>, status: &str) -> Step {
    (
        name.to_owned(),
        due.to_owned(),
        done.map(str::to_owned),
        status.to_owned(),
    )
}

/// The advice request to `agency` in an assessment view.
fn request_to(view: &Value, agency: Uuid) -> Value {
    view["adviceRequests"]
        .as_array()
        .and_then(|rs| rs.iter().find(|r| r["agencyId"] == agency.to_string()))
        .cloned()
        .unwrap_or_else(|| panic!("no advice request to {agency} in {view}"))
}

/// The advice requests about `child` in an agency's `adviceRequests` (other
/// children may have some too).
fn about(inbox: &Value, child: Uuid) -> Value {
    Value::Array(
        inbox
            .as_array()
            .unwrap_or_else(|| panic!("not a list: {inbox}"))
            .iter()
            .filter(|r| r["childId"] == child.to_string())
            .cloned()
            .collect(),
    )
}

/// The whole flow on Amira: the case officer starts the assessment (request
/// received 5 January 2026), decides to assess, asks SLT, EP and CAMHS for
/// advice; SLT submits, EP's existing advice is reused with both
/// confirmations, CAMHS never answers. The family follows the timeline as
/// days pass: decision due 16 February, draft in practice by 10 May (week 20
/// less 15 days), final plan 25 May
/// (at least 15 days after the draft), annual review 12 months after the
/// final plan. CAMHS never reads the SLT advice; SLT always reads its own.
#[tokio::test]
async fn the_ehc_assessment_runs_on_the_statutory_clock_and_the_family_follows_it() {
    // --- Tuesday 10 February 2026 (day 36) --------------------------------
    let feb = hub_at(None, "2026-02-10T10:00:00Z").await;
    let feb_team = Team::new(&feb).await;
    // A child aged 9 whose mother (`parent-1`) holds parental
    // responsibility; no consent is needed for what follows.
    let amira_id = feb
        .child()
        .aged(9)
        .with_parent("parent-1")
        .create()
        .await
        .id;
    let child = json!(amira_id);
    // CAMHS already works with Amira (its current involvement lets it read
    // for direct support as well as for the assessment it is asked into).
    involve_team(&feb, amira_id, &[CAMHS]).await;

    // EP's existing psychology advice, written before the assessment.
    let ep_advice = feb_team
        .call(
            "ep",
            &contribute(),
            json!({ "c": child, "i": { "scope": "PSYCHOLOGY", "kind": "ADVICE",
            "title": format!("Cognitive assessment ({MARK})"),
            "profession": "EDUCATIONAL_PSYCHOLOGY",
            "content": templates::advice_content(domain::template::Profession::EducationalPsychology),
            "needs": format!("{MARK}: working memory well below her reasoning."),
            "provision": format!("{MARK}: visual supports; pre-teaching.") } }),
        )
        .await;
    let ep_advice = ok(&ep_advice, "contribute");
    let ep_advice_id = id_of(&ep_advice);
    assert_eq!(ep_advice["agencyId"], EP.to_string());
    assert_eq!(ep_advice["agencyKind"], "EP");
    assert_eq!(ep_advice["author"], feb_team.get("ep").subject());
    assert_eq!(ep_advice["kind"], "ADVICE");
    assert_eq!(ep_advice["current"], true);

    // The request cannot come from the future.
    let future = feb_team
        .call(
            "case-officer",
            &start(),
            json!({ "c": child, "on": "2026-02-11" }),
        )
        .await;
    bad_input(&future, "startAssessment", "requestReceivedOn");

    let started = feb_team
        .call(
            "case-officer",
            &start(),
            json!({ "c": child, "on": "2026-01-05" }),
        )
        .await;
    let view = ok(&started, "startAssessment");
    let assessment_id = id_of(&view);
    assert_eq!(view["childId"], amira_id.to_string());
    assert_eq!(view["requestReceivedOn"], "2026-01-05");
    assert_eq!(
        timeline(&view),
        vec![
            m("DECISION_TO_ASSESS", "2026-02-16", None, "DUE_SOON"),
            m("DRAFT", "2026-05-10", None, "ON_TRACK"),
            m("FINAL_PLAN", "2026-05-25", None, "ON_TRACK"),
        ],
        "{view}"
    );
    assert_eq!(view["adviceRequests"], json!([]));
    assert_eq!(view["exceptions"], json!([]));
    let summary = view["summary"].as_str().expect("summary");
    assert!(
        summary.contains("16 February 2026") && summary.contains("due within two weeks"),
        "{summary}"
    );

    // One assessment at a time.
    let again = feb_team
        .call(
            "case-officer",
            &start(),
            json!({ "c": child, "on": "2026-01-20" }),
        )
        .await;
    bad_input(&again, "startAssessment", "childId");

    // Advice is asked for once the council has decided to assess.
    let early = feb_team
        .call(
            "case-officer",
            &request_advice(),
            json!({ "a": assessment_id, "agency": SLT, "scope": "COMMUNICATION" }),
        )
        .await;
    bad_input(&early, "requestAdvice", "assessmentId");

    let decided = feb_team
        .call(
            "case-officer",
            &decide(),
            json!({ "a": assessment_id, "assess": true, "on": "2026-02-09" }),
        )
        .await;
    let view = ok(&decided, "recordDecisionToAssess");
    assert_eq!(
        milestone(&view, "DECISION_TO_ASSESS"),
        &json!({ "milestone": "DECISION_TO_ASSESS", "label": "The council decides whether to assess",
                 "dueOn": "2026-02-16", "doneOn": "2026-02-09", "status": "DONE" })
    );
    let twice = feb_team
        .call(
            "case-officer",
            &decide(),
            json!({ "a": assessment_id, "assess": false, "on": "2026-02-10" }),
        )
        .await;
    bad_input(&twice, "recordDecisionToAssess", "on");

    // Advice: due six weeks after asking (10 February + 6 weeks = 24 March)
    // unless set otherwise; never due in the past; never for RESTRICTED.
    let asked = feb_team
        .call(
            "case-officer",
            &request_advice(),
            json!({ "a": assessment_id, "agency": SLT, "scope": "COMMUNICATION" }),
        )
        .await;
    let slt_request = ok(&asked, "requestAdvice");
    assert_eq!(slt_request["childId"], amira_id.to_string());
    assert_eq!(slt_request["assessmentId"], assessment_id);
    assert_eq!(slt_request["agencyName"], SLT_NAME);
    assert_eq!(slt_request["agencyKind"], "SLT");
    assert_eq!(slt_request["scope"], "COMMUNICATION");
    assert_eq!(slt_request["askedOn"], "2026-02-10");
    assert_eq!(slt_request["dueOn"], "2026-03-24");
    assert_eq!(slt_request["status"], "ON_TRACK");
    assert!(slt_request["answer"].is_null() && slt_request["answeredOn"].is_null());
    let summary = slt_request["summary"].as_str().expect("summary");
    assert!(
        summary.contains(SLT_NAME) && summary.contains("24 March 2026"),
        "{summary}"
    );
    let slt_request_id = id_of(&slt_request);

    let asked = feb_team
        .call(
            "case-officer",
            &request_advice(),
            json!({ "a": assessment_id, "agency": EP, "scope": "PSYCHOLOGY" }),
        )
        .await;
    let ep_request = ok(&asked, "requestAdvice");
    assert_eq!(ep_request["dueOn"], "2026-03-24");
    let ep_request_id = id_of(&ep_request);

    let asked = feb_team.call("case-officer",
        &request_advice(),
        json!({ "a": assessment_id, "agency": CAMHS, "scope": "MENTAL_HEALTH", "due": "2026-02-20" }),
    )
    .await;
    let camhs_request = ok(&asked, "requestAdvice");
    assert_eq!(camhs_request["dueOn"], "2026-02-20");
    assert_eq!(camhs_request["status"], "DUE_SOON", "10 days to go");
    let camhs_request_id = id_of(&camhs_request);

    let past = feb_team.call("case-officer",
        &request_advice(),
        json!({ "a": assessment_id, "agency": CAMHS, "scope": "MENTAL_HEALTH", "due": "2026-02-09" }),
    )
    .await;
    bad_input(&past, "requestAdvice", "dueOn");
    let restricted = feb_team
        .call(
            "case-officer",
            &request_advice(),
            json!({ "a": assessment_id, "agency": CAMHS, "scope": "RESTRICTED" }),
        )
        .await;
    bad_input(&restricted, "requestAdvice", "scope");

    // Each asked agency sees its own requests, before any new consent.
    let slt_all = ok(
        &feb_team.call("slt", &advice_requests(), json!({})).await,
        "adviceRequests",
    );
    assert!(
        slt_all
            .as_array()
            .is_some_and(|rs| rs.iter().all(|r| r["agencyId"] == SLT.to_string())),
        "only requests addressed to SLT: {slt_all}"
    );
    let slt_inbox = about(&slt_all, amira_id);
    assert_eq!(ids(&slt_inbox), vec![slt_request_id.clone()], "{slt_inbox}");
    assert_eq!(slt_inbox[0]["childId"], amira_id.to_string());
    assert_eq!(slt_inbox[0]["scope"], "COMMUNICATION");
    assert_eq!(slt_inbox[0]["dueOn"], "2026-03-24");
    assert_eq!(slt_inbox[0]["status"], "ON_TRACK");
    let camhs_inbox = about(
        &ok(
            &feb_team.call("camhs", &advice_requests(), json!({})).await,
            "adviceRequests",
        ),
        amira_id,
    );
    assert_eq!(ids(&camhs_inbox), vec![camhs_request_id.clone()]);
    let parent_inbox = feb_team.call("parent", &advice_requests(), json!({})).await;
    refused(&parent_inbox, "adviceRequests", "FORBIDDEN");

    // Only the asked agency answers.
    for persona in ["ep", "camhs", "case-officer", "parent"] {
        let answer = feb_team
            .call(
                persona,
                &submit_advice(),
                json!({ "r": slt_request_id, "i": advice_input("Not mine to answer") }),
            )
            .await;
        refused(&answer, "submitAdvice", "FORBIDDEN");
    }
    let submitted = feb_team
        .call(
            "slt",
            &submit_advice(),
            json!({ "r": slt_request_id, "i": advice_input("Speech and language advice") }),
        )
        .await;
    let slt_advice = ok(&submitted, "submitAdvice");
    let slt_advice_id = id_of(&slt_advice);
    assert_eq!(slt_advice["scope"], "COMMUNICATION");
    assert_eq!(slt_advice["kind"], "ADVICE");
    assert_eq!(slt_advice["agencyId"], SLT.to_string());
    assert_eq!(slt_advice["agencyKind"], "SLT");
    assert_eq!(slt_advice["author"], feb_team.get("slt").subject());
    assert_eq!(slt_advice["current"], true);
    let twice = feb_team
        .call(
            "slt",
            &submit_advice(),
            json!({ "r": slt_request_id, "i": advice_input("Second answer") }),
        )
        .await;
    bad_input(&twice, "submitAdvice", "requestId");

    // EP's existing advice is reused only when its author and the family
    // have each confirmed it is still sufficient, for themselves, and only
    // by the case officer.
    let reuse = |contribution: &str| json!({ "r": ep_request_id, "c": contribution });
    let by_ep = feb_team
        .call("ep", &reuse_advice(), reuse(&ep_advice_id))
        .await;
    refused(&by_ep, "reuseAdvice", "FORBIDDEN");
    let no_author = feb_team
        .call("case-officer", &reuse_advice(), reuse(&ep_advice_id))
        .await;
    bad_input(&no_author, "reuseAdvice", "contributionId");
    assert!(
        no_author.body["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("the advice's author has not confirmed")),
        "{no_author:?}"
    );
    ok(
        &feb_team
            .call("ep", &confirm_reuse(), reuse(&ep_advice_id))
            .await,
        "confirmAdviceReuse",
    );
    let no_family = feb_team
        .call("case-officer", &reuse_advice(), reuse(&ep_advice_id))
        .await;
    bad_input(&no_family, "reuseAdvice", "contributionId");
    assert!(
        no_family.body["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("the family has not confirmed")),
        "{no_family:?}"
    );
    ok(
        &feb_team
            .call("parent", &confirm_reuse(), reuse(&ep_advice_id))
            .await,
        "confirmAdviceReuse",
    );
    let not_eps = feb_team
        .call("case-officer", &reuse_advice(), reuse(&slt_advice_id))
        .await;
    bad_input(&not_eps, "reuseAdvice", "contributionId");
    let reused = feb_team
        .call("case-officer", &reuse_advice(), reuse(&ep_advice_id))
        .await;
    let ep_request = ok(&reused, "reuseAdvice");
    assert_eq!(ep_request["answer"], "REUSED");
    assert_eq!(ep_request["contributionId"], ep_advice_id);
    assert_eq!(ep_request["answeredOn"], "2026-02-10");
    assert_eq!(ep_request["status"], "DONE");
    let summary = ep_request["summary"].as_str().expect("summary");
    assert!(
        summary.contains(EP_NAME) && summary.contains("reused"),
        "{summary}"
    );
    let again = feb_team
        .call("case-officer", &reuse_advice(), reuse(&ep_advice_id))
        .await;
    bad_input(&again, "reuseAdvice", "requestId");

    // The family's view on 10 February.
    let family_view = ok(
        &feb_team
            .call("parent", &assessment(), json!({ "c": child }))
            .await,
        "assessment",
    );
    assert_eq!(family_view["id"], assessment_id);
    assert_eq!(
        timeline(&family_view),
        vec![
            m(
                "DECISION_TO_ASSESS",
                "2026-02-16",
                Some("2026-02-09"),
                "DONE"
            ),
            m("DRAFT", "2026-05-10", None, "ON_TRACK"),
            m("FINAL_PLAN", "2026-05-25", None, "ON_TRACK"),
        ]
    );
    let slt = request_to(&family_view, SLT);
    assert_eq!(
        (&slt["answer"], &slt["status"], &slt["answeredOn"]),
        (&json!("SUBMITTED"), &json!("DONE"), &json!("2026-02-10"))
    );
    assert_eq!(slt["contributionId"], slt_advice_id);
    let words = slt["summary"].as_str().expect("summary");
    assert!(
        words.contains(SLT_NAME) && words.contains("10 February 2026"),
        "{words}"
    );
    let ep = request_to(&family_view, EP);
    assert_eq!(ep["answer"], "REUSED");
    assert!(
        ep["summary"]
            .as_str()
            .is_some_and(|s| s.contains(EP_NAME) && s.contains("reused")),
        "{ep}"
    );
    let camhs = request_to(&family_view, CAMHS);
    assert_eq!(camhs["status"], "DUE_SOON");
    let words = camhs["summary"].as_str().expect("summary");
    assert!(
        words.contains(CAMHS_NAME) && words.contains("20 February 2026"),
        "{words}"
    );
    let summary = family_view["summary"].as_str().expect("summary");
    // The draft's practical target: week 20 less the 15 days to comment.
    assert!(summary.contains("10 May 2026"), "{summary}");
    assert!(!summary.contains("Late"), "nothing is late yet: {summary}");
    // A family with no link to Amira learns nothing.
    let stranger = family_token(&feb, "person-stranger");
    let answer = feb
        .graphql_as(Some(&stranger), None, &assessment(), json!({ "c": child }))
        .await;
    refused(&answer, "assessment", "NOT_FOUND");

    // Who reads the SLT advice. CAMHS: never (the agreement never lets CAMHS
    // read COMMUNICATION), whatever the purpose.
    for purpose in ["DIRECT_SUPPORT", "EHC_ASSESSMENT"] {
        let (answer, list) = contributions_seen_by(
            &feb_team.for_purpose("camhs", purpose),
            amira_id,
            Some("COMMUNICATION"),
            true,
        )
        .await;
        assert_eq!(list, json!([]), "{answer:?}");
        let (_, all) = contributions_seen_by(
            &feb_team.for_purpose("camhs", purpose),
            amira_id,
            None,
            true,
        )
        .await;
        assert!(!ids(&all).contains(&slt_advice_id), "{all}");
        assert!(
            !answer
                .body
                .to_string()
                .contains("Speech and language advice"),
            "{answer:?}"
        );
    }
    // SLT has answered its request, so the assessment no longer gives it
    // any reason to read Amira: for EHC_ASSESSMENT it finds no child.
    // (Before issue 10 it read her identity for any purpose.)
    let answered = feb_team
        .for_purpose("slt", "EHC_ASSESSMENT")
        .graphql(
            &contributions(),
            json!({ "id": amira_id, "scope": "COMMUNICATION", "all": false }),
        )
        .await;
    refused(&answered, "child", "NOT_FOUND");
    assert!(!answered.body.to_string().contains(MARK), "{answered:?}");
    // SLT also works with Amira (an involvement): for direct support it
    // sees its own advice, though no consent covers it (the COMMUNICATION
    // section itself stays withheld).
    involve_team(&feb, amira_id, &[SLT]).await;
    let (answer, list) = contributions_seen_by(
        &feb_team.for_purpose("slt", "DIRECT_SUPPORT"),
        amira_id,
        Some("COMMUNICATION"),
        false,
    )
    .await;
    assert_eq!(
        ids(&marked(&list)),
        vec![slt_advice_id.clone()],
        "{answer:?}"
    );
    assert_eq!(
        list[0]["title"],
        format!("Speech and language advice ({MARK})")
    );
    let withheld = answer
        .error_at(&["child", "communication"])
        .unwrap_or_else(|| panic!("COMMUNICATION should be withheld from SLT: {answer:?}"));
    assert_eq!(withheld["extensions"]["code"], "CONSENT_REQUIRED");
    // The family sees everything; the case officer, on the statutory basis
    // of the assessment, sees the advice.
    let (_, parent_sees) =
        contributions_seen_by(feb_team.get("parent"), amira_id, None, false).await;
    let parent_ids = ids(&parent_sees);
    assert!(
        parent_ids.contains(&slt_advice_id) && parent_ids.contains(&ep_advice_id),
        "{parent_sees}"
    );
    let (_, officer_sees) = contributions_seen_by(
        &feb_team.for_purpose("case-officer", "EHC_ASSESSMENT"),
        amira_id,
        None,
        false,
    )
    .await;
    let officer_ids = ids(&officer_sees);
    assert!(
        officer_ids.contains(&slt_advice_id) && officer_ids.contains(&ep_advice_id),
        "{officer_sees}"
    );

    // --- Monday 20 April 2026 (day 105) -----------------------------------
    let april = hub_at(Some(&feb), "2026-04-20T10:00:00Z").await;
    let april_team = Team::new(&april).await;
    let view = ok(
        &april_team
            .call("case-officer", &assessment(), json!({ "c": child }))
            .await,
        "assessment",
    );
    assert_eq!(
        timeline(&view),
        vec![
            m(
                "DECISION_TO_ASSESS",
                "2026-02-16",
                Some("2026-02-09"),
                "DONE"
            ),
            m("DRAFT", "2026-05-10", None, "ON_TRACK"),
            m("FINAL_PLAN", "2026-05-25", None, "ON_TRACK"),
        ]
    );
    let camhs = request_to(&view, CAMHS);
    assert_eq!(camhs["status"], "OVERDUE");
    assert!(
        camhs["summary"]
            .as_str()
            .is_some_and(|s| s.contains(CAMHS_NAME) && s.contains("late")),
        "{camhs}"
    );
    assert_eq!(request_to(&view, SLT)["status"], "DONE");
    let summary = view["summary"].as_str().expect("summary");
    assert!(
        summary.contains("10 May 2026") && summary.contains("on track"),
        "{summary}"
    );
    assert!(
        summary.contains("Late") && summary.contains(CAMHS_NAME),
        "the late advice is named: {summary}"
    );
    assert!(
        !summary.contains(SLT_NAME) && !summary.contains(EP_NAME),
        "{summary}"
    );
    // CAMHS sees its overdue request.
    let camhs_inbox = about(
        &ok(
            &april_team
                .call("camhs", &advice_requests(), json!({}))
                .await,
            "adviceRequests",
        ),
        amira_id,
    );
    assert_eq!(camhs_inbox[0]["status"], "OVERDUE", "{camhs_inbox}");

    // An exception to the time limits, shown with its reason.
    let note = format!("{MARK}: the family were abroad for six weeks.");
    let recorded = april_team
        .call(
            "case-officer",
            &exception(),
            // Attached to the notice not to issue's limit, which changes no
            // milestone here: the final plan stays late.
            json!({ "a": assessment_id, "on": "2026-03-02", "note": note,
                    "limit": "NOTICE_NOT_TO_ISSUE" }),
        )
        .await;
    let view = ok(&recorded, "recordException");
    assert_eq!(
        view["exceptions"],
        json!([{ "exception": "FAMILY_ABSENT",
                 "label": "the family was away from the area for 4 weeks or more",
                 "on": "2026-03-02", "note": note }])
    );

    // The draft: not in the future, once only; the final plan not before
    // the family has had 15 days on the draft.
    let tomorrow = april_team
        .call(
            "case-officer",
            &draft(),
            json!({ "a": assessment_id, "on": "2026-04-21" }),
        )
        .await;
    bad_input(&tomorrow, "issueDraft", "on");
    let issued = april_team
        .call(
            "case-officer",
            &draft(),
            json!({ "a": assessment_id, "on": "2026-04-20" }),
        )
        .await;
    let view = ok(&issued, "issueDraft");
    assert_eq!(
        (
            &milestone(&view, "DRAFT")["doneOn"],
            &milestone(&view, "DRAFT")["status"]
        ),
        (&json!("2026-04-20"), &json!("DONE"))
    );
    let twice = april_team
        .call(
            "case-officer",
            &draft(),
            json!({ "a": assessment_id, "on": "2026-04-20" }),
        )
        .await;
    bad_input(&twice, "issueDraft", "on");
    let same_day = april_team
        .call(
            "case-officer",
            &final_plan(),
            json!({ "a": assessment_id, "on": "2026-04-20" }),
        )
        .await;
    bad_input(&same_day, "issueFinalPlan", "on");

    // --- Monday 1 June 2026 (day 147) -------------------------------------
    let june = hub_at(Some(&feb), "2026-06-01T10:00:00Z").await;
    let june_team = Team::new(&june).await;
    let family_view = ok(
        &june_team
            .call("parent", &assessment(), json!({ "c": child }))
            .await,
        "assessment",
    );
    assert_eq!(
        timeline(&family_view),
        vec![
            m(
                "DECISION_TO_ASSESS",
                "2026-02-16",
                Some("2026-02-09"),
                "DONE"
            ),
            m("DRAFT", "2026-05-10", Some("2026-04-20"), "DONE"),
            m("FINAL_PLAN", "2026-05-25", None, "OVERDUE"),
        ]
    );
    assert_eq!(
        milestone(&family_view, "FINAL_PLAN")["label"],
        "Final EHC plan"
    );
    let summary = family_view["summary"].as_str().expect("summary");
    assert!(
        summary.contains("Late")
            && summary.to_lowercase().contains("final ehc plan")
            && summary.contains(CAMHS_NAME),
        "{summary}"
    );
    assert_eq!(family_view["exceptions"][0]["exception"], "FAMILY_ABSENT");
    assert_eq!(family_view["exceptions"][0]["note"], note);
    assert_eq!(request_to(&family_view, CAMHS)["status"], "OVERDUE");

    // 14 days after the draft is too soon.
    let too_soon = june_team
        .call(
            "case-officer",
            &final_plan(),
            json!({ "a": assessment_id, "on": "2026-05-04" }),
        )
        .await;
    bad_input(&too_soon, "issueFinalPlan", "on");
    // A final plan names the setting in section I.
    ok(
        &june_team
            .call(
                "case-officer",
                "mutation($a: ID!) { setPlacement(assessmentId: $a, name: \"Riverside Primary School\", kind: \"mainstream primary school\") { version } }",
                json!({ "a": assessment_id }),
            )
            .await,
        "setPlacement",
    );
    let issued = june_team
        .call(
            "case-officer",
            &final_plan(),
            json!({ "a": assessment_id, "on": "2026-05-28" }),
        )
        .await;
    let view = ok(&issued, "issueFinalPlan");
    assert_eq!(
        timeline(&view),
        vec![
            m(
                "DECISION_TO_ASSESS",
                "2026-02-16",
                Some("2026-02-09"),
                "DONE"
            ),
            m("DRAFT", "2026-05-10", Some("2026-04-20"), "DONE"),
            m("FINAL_PLAN", "2026-05-25", Some("2026-05-28"), "DONE_LATE"),
            m("ANNUAL_REVIEW", "2027-05-27", None, "ON_TRACK"),
        ]
    );
    let family_view = ok(
        &june_team
            .call("parent", &assessment(), json!({ "c": child }))
            .await,
        "assessment",
    );
    assert_eq!(timeline(&family_view), timeline(&view));
    assert_eq!(
        milestone(&family_view, "ANNUAL_REVIEW")["label"],
        "Annual review"
    );
    // Every statutory step is done, but CAMHS's advice never came.
    let summary = family_view["summary"].as_str().expect("summary");
    assert!(summary.contains("done"), "{summary}");
    assert!(
        summary.contains("Late") && summary.contains(CAMHS_NAME),
        "{summary}"
    );
    assert!(
        !summary.to_lowercase().contains("final ehc plan"),
        "{summary}"
    );
}

/// Statuses to the day: on track until 15 days before, due soon from 14
/// days before to the due date itself, overdue the day after; done late when
/// recorded after the due date. Each day is a hub with its clock fixed.
#[tokio::test]
async fn milestone_statuses_change_on_the_right_day() {
    let first = hub_at(None, "2026-02-01T23:30:00Z").await;
    let first_team = Team::new(&first).await;
    let amira_id = first
        .child()
        .aged(9)
        .with_parent("parent-1")
        .create()
        .await
        .id;
    let started = first_team
        .call(
            "case-officer",
            &start(),
            json!({ "c": amira_id, "on": "2026-01-05" }),
        )
        .await;
    let view = ok(&started, "startAssessment");
    let assessment_id = id_of(&view);
    assert_eq!(milestone(&view, "DECISION_TO_ASSESS")["status"], "ON_TRACK");

    for (now, status) in [
        ("2026-02-02T00:30:00Z", "DUE_SOON"),
        ("2026-02-16T23:30:00Z", "DUE_SOON"),
        ("2026-02-17T00:30:00Z", "OVERDUE"),
    ] {
        let hub = hub_at(Some(&first), now).await;
        let hub_team = Team::new(&hub).await;
        let view = ok(
            &hub_team
                .call("parent", &assessment(), json!({ "c": amira_id }))
                .await,
            "assessment",
        );
        assert_eq!(
            milestone(&view, "DECISION_TO_ASSESS")["status"],
            status,
            "on {now}: {view}"
        );
        if status == "OVERDUE" {
            assert!(
                view["summary"].as_str().is_some_and(|s| s.contains("Late")),
                "{view}"
            );
        }
    }

    let late = hub_at(Some(&first), "2026-02-17T12:00:00Z").await;

    let late_team = Team::new(&late).await;
    let decided = late_team
        .call(
            "case-officer",
            &decide(),
            json!({ "a": assessment_id, "assess": true, "on": "2026-02-17" }),
        )
        .await;
    let view = ok(&decided, "recordDecisionToAssess");
    assert_eq!(
        milestone(&view, "DECISION_TO_ASSESS")["status"],
        "DONE_LATE"
    );
    // Advice asked on 17 February is due on 31 March: due soon from 17 March.
    let asked = late_team
        .call(
            "case-officer",
            &request_advice(),
            json!({ "a": assessment_id, "agency": SLT, "scope": "COMMUNICATION" }),
        )
        .await;
    let request = ok(&asked, "requestAdvice");
    assert_eq!(
        (&request["askedOn"], &request["dueOn"], &request["status"]),
        (
            &json!("2026-02-17"),
            &json!("2026-03-31"),
            &json!("ON_TRACK")
        )
    );
    for (now, status) in [
        ("2026-03-16T12:00:00Z", "ON_TRACK"),
        ("2026-03-17T12:00:00Z", "DUE_SOON"),
        ("2026-03-31T12:00:00Z", "DUE_SOON"),
        ("2026-04-01T12:00:00Z", "OVERDUE"),
    ] {
        let hub = hub_at(Some(&first), now).await;
        let hub_team = Team::new(&hub).await;
        let inbox = about(
            &ok(
                &hub_team.call("slt", &advice_requests(), json!({})).await,
                "adviceRequests",
            ),
            amira_id,
        );
        assert_eq!(inbox[0]["status"], status, "on {now}: {inbox}");
    }
}

/// Starting, stepping and asking are the council case officer's; answering
/// is the asked agency's alone.
#[tokio::test]
async fn only_case_officers_run_assessments_and_only_the_asked_agency_answers() {
    let app = spawn_app().await;
    let app_team = Team::new(&app).await;
    let child = app
        .child()
        .aged(10)
        .with_parent("person-mum-roles")
        .create()
        .await
        .id;
    let today = Utc::now().date_naive();
    let received = (today - chrono::Duration::days(20)).to_string();
    let on = today.to_string();

    // Not the case officer: practitioners, IG staff of the same council
    // team, families.
    for persona in ["slt", "senco", "ig-auditor", "ig-admin", "parent"] {
        let answer = app_team
            .call(persona, &start(), json!({ "c": child, "on": received }))
            .await;
        refused(&answer, "startAssessment", "FORBIDDEN");
    }
    let started = app_team
        .call(
            "case-officer",
            &start(),
            json!({ "c": child, "on": received }),
        )
        .await;
    let assessment_id = id_of(&ok(&started, "startAssessment"));
    let unknown = app_team
        .call(
            "case-officer",
            &start(),
            json!({ "c": Uuid::new_v4(), "on": received }),
        )
        .await;
    refused(&unknown, "startAssessment", "NOT_FOUND");

    for persona in ["slt", "ig-auditor"] {
        let answer = app_team
            .call(
                persona,
                &decide(),
                json!({ "a": assessment_id, "assess": true, "on": on }),
            )
            .await;
        refused(&answer, "recordDecisionToAssess", "FORBIDDEN");
    }
    ok(
        &app_team
            .call(
                "case-officer",
                &decide(),
                json!({ "a": assessment_id, "assess": true, "on": on }),
            )
            .await,
        "recordDecisionToAssess",
    );
    for persona in ["slt", "ep", "parent"] {
        let answer = app_team
            .call(
                persona,
                &request_advice(),
                json!({ "a": assessment_id, "agency": SLT, "scope": "COMMUNICATION" }),
            )
            .await;
        refused(&answer, "requestAdvice", "FORBIDDEN");
        let answer = app_team
            .call(
                persona,
                &exception(),
                json!({ "a": assessment_id, "on": on, "note": "not mine" }),
            )
            .await;
        refused(&answer, "recordException", "FORBIDDEN");
        let answer = app_team
            .call(persona, &draft(), json!({ "a": assessment_id, "on": on }))
            .await;
        refused(&answer, "issueDraft", "FORBIDDEN");
    }
    let unknown_agency = app_team
        .call(
            "case-officer",
            &request_advice(),
            json!({ "a": assessment_id, "agency": Uuid::new_v4(), "scope": "COMMUNICATION" }),
        )
        .await;
    bad_input(&unknown_agency, "requestAdvice", "agencyId");
    let asked = app_team
        .call(
            "case-officer",
            &request_advice(),
            json!({ "a": assessment_id, "agency": SLT, "scope": "COMMUNICATION" }),
        )
        .await;
    let request_id = id_of(&ok(&asked, "requestAdvice"));

    // Another speech and language service, same kind, different agency.
    let other_service = app
        .agency(AgencyKind::Slt)
        .named("Another SLT service")
        .create()
        .await;
    let other_slt = app.practitioner(&other_service).token();
    let answer = app
        .graphql_as(
            Some(&other_slt),
            Some("DIRECT_SUPPORT"),
            &submit_advice(),
            json!({ "r": request_id, "i": advice_input("Not asked") }),
        )
        .await;
    refused(&answer, "submitAdvice", "FORBIDDEN");
    let inbox = app
        .graphql_as(
            Some(&other_slt),
            Some("DIRECT_SUPPORT"),
            &advice_requests(),
            json!({}),
        )
        .await;
    assert_eq!(about(&ok(&inbox, "adviceRequests"), child), json!([]));
    for persona in ["ep", "case-officer", "parent", "ig-auditor"] {
        let answer = app_team
            .call(
                persona,
                &submit_advice(),
                json!({ "r": request_id, "i": advice_input("Not asked") }),
            )
            .await;
        refused(&answer, "submitAdvice", "FORBIDDEN");
    }
    let unknown = app_team
        .call(
            "slt",
            &submit_advice(),
            json!({ "r": Uuid::new_v4(), "i": advice_input("No such request") }),
        )
        .await;
    refused(&unknown, "submitAdvice", "NOT_FOUND");
    let submitted = app_team
        .call(
            "slt",
            &submit_advice(),
            json!({ "r": request_id, "i": advice_input("Advice") }),
        )
        .await;
    let advice_id = id_of(&ok(&submitted, "submitAdvice"));
    let twice = app_team
        .call(
            "slt",
            &submit_advice(),
            json!({ "r": request_id, "i": advice_input("Advice again") }),
        )
        .await;
    bad_input(&twice, "submitAdvice", "requestId");
    // Reuse is the case officer's too, and an answered request stays answered.
    for persona in ["slt", "ep", "parent"] {
        let answer = app_team
            .call(
                persona,
                &reuse_advice(),
                json!({ "r": request_id, "c": advice_id }),
            )
            .await;
        refused(&answer, "reuseAdvice", "FORBIDDEN");
    }
    let answered = app_team
        .call(
            "case-officer",
            &reuse_advice(),
            json!({ "r": request_id, "c": advice_id }),
        )
        .await;
    bad_input(&answered, "reuseAdvice", "requestId");
    let view = ok(
        &app_team
            .call("case-officer", &assessment(), json!({ "c": child }))
            .await,
        "assessment",
    );
    let request = request_to(&view, SLT);
    assert_eq!(request["answer"], "SUBMITTED");
    assert_eq!(request["contributionId"], advice_id);
}
