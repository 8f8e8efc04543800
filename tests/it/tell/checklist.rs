use domain::{NeedCode, SenNeed};

use super::*;

const ITEM_FIELDS: &str = "regulation profession name why suggested status blocksDraft
  requestId requestStatus notRequiredReason";

fn checklist() -> String {
    format!(
        "query($a: ID!) {{ adviceChecklist(assessmentId: $a) {{ readyForDraft items {{ {ITEM_FIELDS} }} }} }}"
    )
}

fn not_required() -> String {
    format!(
        "mutation($a: ID!, $p: Profession!, $why: String!) {{
           recordAdviceNotRequired(assessmentId: $a, profession: $p, reason: $why) {{
             readyForDraft items {{ {ITEM_FIELDS} }} }} }}"
    )
}

const DRAFT: &str = "mutation($a: ID!, $on: Date!, $why: String) {
  issueDraft(assessmentId: $a, on: $on, openItemsReason: $why) { id checklist { readyForDraft } } }";

const REQUEST: &str = "mutation($a: ID!, $agency: ID!, $scope: Scope!, $p: Profession) {
  requestAdvice(assessmentId: $a, agencyId: $agency, scope: $scope, profession: $p) { id } }";

/// The team, with the case officer (`officer`) stating EHC_ASSESSMENT:
/// the purpose the checklist's facts are read for.
struct Assessing<'a>(Team<'a>);

impl Assessing<'_> {
    async fn call(&self, name: &str, query: &str, variables: Value) -> Answer {
        match name {
            "officer" => {
                self.0
                    .for_purpose("case-officer", "EHC_ASSESSMENT")
                    .graphql(query, variables)
                    .await
            }
            other => self.0.call(other, query, variables).await,
        }
    }
}

/// A Year 10 pupil with hearing impairment and speech, language and
/// communication needs, an assessment decided on, and the school asked:
/// returns (child, assessment id).
async fn year_10_with_hi_and_slcn(app: &TestApp, team: &Assessing<'_>) -> (Uuid, String) {
    let child = app
        .child()
        .aged(15)
        .with_parent("parent-1")
        .with_record(|r| {
            r.education.year_group = Some("Year 10".into());
            r.sen_needs.needs = vec![
                SenNeed {
                    code: NeedCode::Hi,
                    rank: 1,
                },
                SenNeed {
                    code: NeedCode::Slcn,
                    rank: 2,
                },
            ];
        })
        .create()
        .await;
    let today = app.today().to_string();
    let started = team
        .call("officer", &start(), json!({ "c": child.id, "on": today }))
        .await;
    let assessment = id_of(&ok(&started, "startAssessment"));
    ok(
        &team
            .call(
                "officer",
                &decide(),
                json!({ "a": assessment, "assess": true, "on": today }),
            )
            .await,
        "recordDecisionToAssess",
    );
    ok(
        &team
            .call(
                "officer",
                REQUEST,
                json!({ "a": assessment, "agency": SCHOOL, "scope": "EDUCATION" }),
            )
            .await,
        "requestAdvice",
    );
    (child.id, assessment)
}

fn states(list: &Value) -> Vec<(String, String, bool)> {
    list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| {
            (
                i["profession"].as_str().unwrap_or("FAMILY").to_owned(),
                i["status"].as_str().expect("status").to_owned(),
                i["suggested"].as_bool().expect("suggested"),
            )
        })
        .collect()
}

fn s(p: &str, status: &str, suggested: bool) -> (String, String, bool) {
    (p.to_owned(), status.to_owned(), suggested)
}

#[tokio::test]
async fn the_checklist_follows_age_year_and_needs() {
    let app = spawn_app().await;
    let team = Assessing(Team::new(&app).await);
    let (_, assessment) = year_10_with_hi_and_slcn(&app, &team).await;
    let list = ok(
        &team
            .call("officer", &checklist(), json!({ "a": assessment }))
            .await,
        "adviceChecklist",
    );
    assert_eq!(
        states(&list),
        [
            s("FAMILY", "OPEN", false),
            s("SCHOOL_SETTING", "REQUESTED", false),
            s("SENSORY_SPECIALIST_TEACHER", "OPEN", false),
            s("PAEDIATRIC_HEALTH", "OPEN", false),
            s("EDUCATIONAL_PSYCHOLOGY", "OPEN", false),
            s("SOCIAL_CARE", "OPEN", false),
            s("PREPARING_FOR_ADULTHOOD", "OPEN", false),
            s("SPEECH_LANGUAGE_THERAPY", "OPEN", true),
        ],
        "{list}"
    );
    assert_eq!(list["readyForDraft"], false);
    assert_eq!(list["items"][2]["regulation"], "6(2)");
    assert!(
        list["items"][6]["why"]
            .as_str()
            .is_some_and(|w| w.contains("Year 10")),
        "{list}"
    );
    // Derived from facts read for the assessment: on another purpose the
    // door withholds them, and the checklist is refused rather than short.
    let elsewhere = team
        .0
        .call("case-officer", &checklist(), json!({ "a": assessment }))
        .await;
    assert!(
        elsewhere.body["data"].is_null() && elsewhere.message().contains("DIRECT_SUPPORT"),
        "{elsewhere:?}"
    );
    // Only case officers see it.
    refused(
        &team
            .call("slt", &checklist(), json!({ "a": assessment }))
            .await,
        "adviceChecklist",
        "FORBIDDEN",
    );
    // Asking the school as the sensory teacher settles that item.
    ok(
        &team
            .call(
                "officer",
                REQUEST,
                json!({ "a": assessment, "agency": SCHOOL, "scope": "EDUCATION",
                        "p": "SENSORY_SPECIALIST_TEACHER" }),
            )
            .await,
        "requestAdvice",
    );
    let list = ok(
        &team
            .call("officer", &checklist(), json!({ "a": assessment }))
            .await,
        "adviceChecklist",
    );
    assert_eq!(list["items"][2]["status"], "REQUESTED", "{list}");
    // The council's own service has no default profession.
    let council = app.council().await;
    let nameless = team
        .call(
            "officer",
            REQUEST,
            json!({ "a": assessment, "agency": council.id, "scope": "SEN_NEEDS" }),
        )
        .await;
    bad_input(&nameless, "requestAdvice", "profession");
}

#[tokio::test]
async fn a_draft_waits_for_open_items_unless_a_reason_is_given() {
    let app = spawn_app().await;
    let team = Assessing(Team::new(&app).await);
    let (_, assessment) = year_10_with_hi_and_slcn(&app, &team).await;
    let today = app.today().to_string();
    let refused_draft = team
        .call("officer", DRAFT, json!({ "a": assessment, "on": today }))
        .await;
    bad_input(&refused_draft, "issueDraft", "openItemsReason");
    let message = refused_draft.message();
    for open in [
        "6(1)(a)",
        "SENSORY_SPECIALIST_TEACHER",
        "PAEDIATRIC_HEALTH",
        "EDUCATIONAL_PSYCHOLOGY",
        "SOCIAL_CARE",
        "PREPARING_FOR_ADULTHOOD",
    ] {
        assert!(message.contains(open), "{open} listed: {message}");
    }
    assert!(
        !message.contains("SPEECH_LANGUAGE_THERAPY"),
        "a suggestion: {message}"
    );
    assert!(!message.contains("SCHOOL_SETTING"), "requested: {message}");

    let blank = team
        .call(
            "officer",
            DRAFT,
            json!({ "a": assessment, "on": today, "why": "   " }),
        )
        .await;
    bad_input(&blank, "issueDraft", "openItemsReason");
    let issued = team
        .call(
            "officer",
            DRAFT,
            json!({ "a": assessment, "on": today,
                    "why": "The family asked for the draft now; the advice follows by letter." }),
        )
        .await;
    assert_eq!(
        ok(&issued, "issueDraft")["checklist"]["readyForDraft"],
        false
    );
}

#[tokio::test]
async fn a_draft_goes_ahead_once_each_open_item_is_recorded_not_required() {
    let app = spawn_app().await;
    let team = Assessing(Team::new(&app).await);
    let (child, assessment) = year_10_with_hi_and_slcn(&app, &team).await;
    let today = app.today().to_string();

    let blank = team
        .call(
            "officer",
            &not_required(),
            json!({ "a": assessment, "p": "SOCIAL_CARE", "why": " " }),
        )
        .await;
    bad_input(&blank, "recordAdviceNotRequired", "reason");
    refused(
        &team
            .call(
                "slt",
                &not_required(),
                json!({ "a": assessment, "p": "SOCIAL_CARE", "why": "Not needed" }),
            )
            .await,
        "recordAdviceNotRequired",
        "FORBIDDEN",
    );

    let mut last = Value::Null;
    for p in [
        "SENSORY_SPECIALIST_TEACHER",
        "PAEDIATRIC_HEALTH",
        "EDUCATIONAL_PSYCHOLOGY",
        "SOCIAL_CARE",
        "PREPARING_FOR_ADULTHOOD",
    ] {
        last = ok(
            &team
                .call(
                    "officer",
                    &not_required(),
                    json!({ "a": assessment, "p": p,
                            "why": format!("Not required because recent advice is on file ({p})") }),
                )
                .await,
            "recordAdviceNotRequired",
        );
    }
    let social = last["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["profession"] == "SOCIAL_CARE")
        .cloned()
        .expect("social care item");
    assert_eq!(social["status"], "NOT_REQUIRED");
    assert_eq!(
        social["notRequiredReason"],
        "Not required because recent advice is on file (SOCIAL_CARE)"
    );
    // The family's views are still open: only their own words settle them.
    assert_eq!(last["readyForDraft"], false, "{last}");
    let still = team
        .call("officer", DRAFT, json!({ "a": assessment, "on": today }))
        .await;
    bad_input(&still, "issueDraft", "openItemsReason");
    assert!(still.message().contains("6(1)(a)"), "{still:?}");

    ok(
        &team
            .call(
                "parent",
                &update_aam(),
                json!({ "c": child, "i": aam_input(1) }),
            )
            .await,
        "updateAllAboutMe",
    );
    let issued = team
        .call("officer", DRAFT, json!({ "a": assessment, "on": today }))
        .await;
    assert_eq!(
        ok(&issued, "issueDraft")["checklist"]["readyForDraft"],
        true
    );

    let entries = trace_seen_by_ig(&app, json!({ "action": "ADVICE_NOT_REQUIRED" })).await;
    assert_eq!(entries.len(), 5);
    assert!(
        entries
            .iter()
            .all(|e| !e.to_string().contains("recent advice")),
        "the reason stays out of the trace"
    );
}
