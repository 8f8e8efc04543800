//! Break glass, properly recorded (LAW.md §4): an override names its legal
//! ground, which the READ entry's basis repeats; the family sees only the
//! notice written for them, and only once the lead's telling decision
//! allows it; a second approver is never the declarer; IG staff see
//! overdue reviews.

use consent::Role;
use domain::{AgencyKind, RestrictedItem, RestrictedKind};
use serde_json::{Value, json};
use uuid::Uuid;

use super::*;
use crate::fixtures::{Agency, Child, Persona};
use crate::helpers::*;

const DECLARE: &str = "mutation($input: DeclareOverrideInput!) { declareSafeguardingOverride(input: $input) {
  id ground lawfulBasis active familyTold reviewDueBy reviewOverdue telling { decision familyNotice }
} }";

const CHANGE: &str = "mutation($id: ID!, $telling: TellingInput!) { changeOverrideTelling(id: $id, telling: $telling) {
  id familyTold telling { decision decidedBy }
} }";

const APPROVE: &str =
    "mutation($id: ID!) { approveOverride(id: $id) { id approvedBy approverRole } }";

const AWAITING: &str = "query($overdue: Boolean) { overridesAwaitingReview(overdue: $overdue) {
  id reviewOverdue reviewDueBy groundCarriedOver
} }";

const COUNTS: &str = "{ overrideReviewCounts { awaiting overdue groundToConfirm } }";

const FAMILY_READ: &str = "query($id: ID!) { child(id: $id) {
  allAboutMe { whatMatters }
  safeguardingOverrides { id notice agencyId agencyName scopes startsAt endsAt }
} }";

const HISTORY: &str = "query($id: ID!) { accessHistory(childId: $id, first: 50) {
  edges { node { agencyName purpose basis summary } } } }";

const TRACE: &str = "query($filter: TraceFilterInput) { accessTrace(filter: $filter, first: 100) {
  edges { node { action details { key value } basis { scope kind overrideId ground } } } } }";

/// The lead's internal reason: it names the referrer.
const REASON: &str = "Neighbour Mrs X at number 4 reported injuries to Jayden on Sunday evening; s.47 enquiry opened.";

const NOTICE: &str = "A safeguarding lead in children's social care looked at parts of Jayden's record to help keep him safe.";

struct Story<'a> {
    app: &'a TestApp,
    jayden: Child,
    social_care: Agency,
    lead: Persona<'a>,
}

/// Jayden, 15, with his mother `leanne-1`, a restricted item, and a
/// designated safeguarding lead in children's social care involved with him.
async fn story(app: &TestApp) -> Story<'_> {
    let social_care = app
        .agency(AgencyKind::SocialCare)
        .named("Northshire Children's Services")
        .create()
        .await;
    let jayden = app
        .child()
        .aged(15)
        .with_parent("leanne-1")
        .involving(&social_care)
        .with_record(|r| {
            r.restricted.push(RestrictedItem {
                id: Uuid::new_v4(),
                kind: RestrictedKind::ChildProtectionPlan,
                summary: "Child protection plan under review.".into(),
                since: None,
                until: None,
            });
            r.all_about_me.what_matters = Some("Football and my little brother".into());
        })
        .create()
        .await;
    let lead = app
        .practitioner(&social_care)
        .roles([Role::Practitioner, Role::SafeguardingLead])
        .purpose(consent::Purpose::Safeguarding);
    Story {
        app,
        jayden,
        social_care,
        lead,
    }
}

fn days_from_now(days: i64) -> String {
    (chrono::Utc::now().date_naive() + chrono::Duration::days(days)).to_string()
}

fn tell_now() -> Value {
    json!({ "decision": "TELL_NOW", "familyNotice": NOTICE })
}

fn not_now() -> Value {
    json!({
        "decision": "NOT_NOW",
        "notNowBecause": "A strategy discussion is set for Thursday; telling now could prejudice the enquiry.",
        "reviewOn": days_from_now(3),
        "familyNotice": NOTICE,
    })
}

impl Story<'_> {
    fn input(&self, telling: Value) -> Value {
        json!({ "input": {
            "childId": self.jayden.id,
            "ground": "S47",
            "scopes": ["RESTRICTED", "SOCIAL_CARE"],
            "reason": REASON,
            "hours": 24,
            "telling": telling,
        }})
    }

    async fn declare(&self, telling: Value) -> String {
        let declared = self.lead.graphql(DECLARE, self.input(telling)).await;
        declared.body["data"]["declareSafeguardingOverride"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("not declared: {declared:?}"))
            .to_owned()
    }

    async fn family_sees(&self) -> (Answer, Answer) {
        let mum = self.app.family_member("leanne-1");
        let record = mum
            .graphql(FAMILY_READ, json!({ "id": self.jayden.id }))
            .await;
        let history = mum.graphql(HISTORY, json!({ "id": self.jayden.id })).await;
        assert!(record.body["errors"].is_null(), "{record:?}");
        assert!(history.body["errors"].is_null(), "{history:?}");
        (record, history)
    }

    async fn lead_reads(&self) {
        let read = self
            .lead
            .graphql(
                "query($id: ID!) { child(id: $id) { restricted { kind } socialCare { shortBreaks } } }",
                json!({ "id": self.jayden.id }),
            )
            .await;
        assert!(
            read.body["data"]["child"]["restricted"].is_array(),
            "{read:?}"
        );
        // (Restricted items are never in a family's history, DPA 2018 Sch 3;
        // the social care read is.)
    }
}

fn notices(record: &Answer) -> &Vec<Value> {
    record.body["data"]["child"]["safeguardingOverrides"]
        .as_array()
        .unwrap_or_else(|| panic!("no overrides list: {record:?}"))
}

fn safeguarding_lines(history: &Answer) -> usize {
    history.body["data"]["accessHistory"]["edges"]
        .as_array()
        .map(|edges| {
            edges
                .iter()
                .filter(|e| e["node"]["purpose"] == "SAFEGUARDING")
                .count()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn the_family_sees_the_notice_written_for_them_never_the_leads_reason() {
    let app = spawn_app().await;
    let s = story(&app).await;
    let id = s.declare(tell_now()).await;
    s.lead_reads().await;

    let (record, history) = s.family_sees().await;
    let shown = notices(&record);
    assert_eq!(shown.len(), 1, "{record:?}");
    assert_eq!(shown[0]["id"], id.as_str());
    assert_eq!(shown[0]["notice"], NOTICE);
    assert_eq!(shown[0]["agencyId"], s.social_care.id.to_string());
    assert_eq!(shown[0]["agencyName"], "Northshire Children's Services");
    assert!(shown[0]["startsAt"].is_string() && shown[0]["endsAt"].is_string());
    assert_eq!(safeguarding_lines(&history), 1, "{history:?}");
    for answer in [&record, &history] {
        let text = answer.body.to_string();
        assert!(
            !text.contains("Mrs X") && !text.contains("injuries"),
            "the family is shown the lead's reason: {text}"
        );
    }
}

#[tokio::test]
async fn a_notice_that_repeats_the_reason_and_a_missing_ground_are_refused() {
    let app = spawn_app().await;
    let s = story(&app).await;
    let mut repeats = s.input(tell_now());
    repeats["input"]["telling"]["familyNotice"] = json!(format!("We looked because: {REASON}"));
    let mut no_ground = s.input(tell_now());
    no_ground["input"]["ground"] = Value::Null;
    let mut unknown = s.input(tell_now());
    unknown["input"]["ground"] = json!("CONSENT");
    let mut on_today = s.input(json!({ "decision": "TELL_ON", "familyNotice": NOTICE }));
    on_today["input"]["telling"]["tellOn"] = json!(days_from_now(0));
    for (input, expected) in [
        (repeats, "familyNotice"),
        (no_ground.clone(), "ground"),
        (unknown, "ground"),
        (on_today, "tellOn"),
    ] {
        let refused = s.lead.graphql(DECLARE, input).await;
        assert_eq!(refused.codes(), vec!["BAD_USER_INPUT"], "{refused:?}");
        assert_eq!(field(&refused), expected, "{refused:?}");
    }
    let refused = s.lead.graphql(DECLARE, no_ground).await;
    let message = refused.message();
    assert!(
        message.contains("S47") && message.contains("SCH1_PARA18"),
        "{message}"
    );
    // Nothing was recorded; the positive control is declared.
    let ig = app.ig_auditor().await;
    let queue = ig.graphql(AWAITING, json!({})).await;
    assert_eq!(
        queue.body["data"]["overridesAwaitingReview"],
        json!([]),
        "{queue:?}"
    );
    let declared = s.lead.graphql(DECLARE, s.input(tell_now())).await;
    let o = &declared.body["data"]["declareSafeguardingOverride"];
    assert_eq!(o["ground"], "S47", "{declared:?}");
    assert_eq!(
        o["lawfulBasis"],
        "UK GDPR Art 6(1)(e) public task; UK GDPR Art 9(2)(g) and DPA 2018 Sch 1 para 18 (safeguarding); Children Act 1989 s.47"
    );
}

#[tokio::test]
async fn not_now_hides_the_override_until_the_lead_changes_the_decision() {
    let app = spawn_app().await;
    let s = story(&app).await;
    let later = s
        .declare(
            json!({ "decision": "TELL_ON", "tellOn": days_from_now(5), "familyNotice": NOTICE }),
        )
        .await;
    let id = s.declare(not_now()).await;
    s.lead_reads().await;

    let (record, history) = s.family_sees().await;
    assert_eq!(notices(&record), &Vec::<Value>::new(), "{record:?}");
    assert_eq!(safeguarding_lines(&history), 0, "{history:?}");

    // Only the lead who declared it may change the decision.
    let colleague = app
        .persona("another-lead")
        .roles([Role::SafeguardingLead])
        .of(&s.social_care)
        .purpose(consent::Purpose::Safeguarding);
    let refused = colleague
        .graphql(CHANGE, json!({ "id": id, "telling": tell_now() }))
        .await;
    assert_eq!(refused.codes(), vec!["FORBIDDEN"], "{refused:?}");
    let mut repeats = tell_now();
    repeats["familyNotice"] = json!(REASON);
    let refused = s
        .lead
        .graphql(CHANGE, json!({ "id": id, "telling": repeats }))
        .await;
    assert_eq!(refused.codes(), vec!["BAD_USER_INPUT"], "{refused:?}");
    assert_eq!(field(&refused), "familyNotice", "{refused:?}");
    let (record, _) = s.family_sees().await;
    assert_eq!(notices(&record), &Vec::<Value>::new(), "{record:?}");

    // After the strategy discussion: tell now.
    let changed = s
        .lead
        .graphql(CHANGE, json!({ "id": id, "telling": tell_now() }))
        .await;
    let o = &changed.body["data"]["changeOverrideTelling"];
    assert_eq!(o["familyTold"], true, "{changed:?}");
    assert_eq!(o["telling"]["decision"], "TELL_NOW");
    assert_eq!(o["telling"]["decidedBy"], s.lead.subject());
    let (record, history) = s.family_sees().await;
    let shown = notices(&record);
    assert_eq!(
        shown.len(),
        1,
        "the TELL_ON one is still to come: {record:?}"
    );
    assert_eq!(shown[0]["id"], id.as_str());
    assert_ne!(shown[0]["id"], later.as_str());
    assert_eq!(shown[0]["notice"], NOTICE);
    // What the lead did while their TELL_ON override runs stays out of the
    // history until that one may be told too.
    assert_eq!(safeguarding_lines(&history), 0, "{history:?}");
    assert!(!record.body.to_string().contains("Mrs X"));
    assert!(!history.body.to_string().contains("Mrs X"));

    let e = trace_of(&app, "OVERRIDE_TELLING_CHANGED").await;
    assert_eq!(e.len(), 1, "{e:#?}");
    assert_eq!(detail(&e[0], "telling"), Some("TELL_NOW"));
    assert!(!e[0].to_string().contains("Mrs X"), "{}", e[0]);
}

async fn trace_of(app: &TestApp, action: &str) -> Vec<Value> {
    let answer = app
        .ig_auditor()
        .await
        .graphql(TRACE, json!({ "filter": { "action": action } }))
        .await;
    answer.body["data"]["accessTrace"]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("no trace: {answer:?}"))
        .iter()
        .map(|e| e["node"].clone())
        .collect()
}

fn detail<'a>(node: &'a Value, key: &str) -> Option<&'a str> {
    node["details"]
        .as_array()?
        .iter()
        .find(|d| d["key"] == key)?["value"]
        .as_str()
}

#[tokio::test]
async fn the_read_entry_names_the_overrides_ground() {
    let app = spawn_app().await;
    let s = story(&app).await;
    let id = s.declare(not_now()).await;
    s.lead_reads().await;
    let reads = trace_of(&app, "READ").await;
    let basis: Vec<&Value> = reads
        .iter()
        .flat_map(|e| e["basis"].as_array().into_iter().flatten())
        .filter(|b| b["kind"] == "SAFEGUARDING")
        .collect();
    assert!(!basis.is_empty(), "{reads:#?}");
    for b in basis {
        assert_eq!(b["overrideId"], id.as_str(), "{b}");
        assert_eq!(b["ground"], "S47", "{b}");
    }
    let declared = trace_of(&app, "OVERRIDE_DECLARED").await;
    assert_eq!(detail(&declared[0], "ground"), Some("S47"));
    // The trace still verifies with the new field.
    let integrity = app
        .ig_auditor()
        .await
        .graphql("{ traceIntegrity { ok } }", json!({}))
        .await;
    assert_eq!(
        integrity.body["data"]["traceIntegrity"]["ok"], true,
        "{integrity:?}"
    );
}

#[tokio::test]
async fn a_second_approval_by_the_declarer_is_forbidden() {
    let app = spawn_app().await;
    let s = story(&app).await;
    let id = s.declare(not_now()).await;
    let refused = s.lead.graphql(APPROVE, json!({ "id": id })).await;
    assert_eq!(refused.codes(), vec!["FORBIDDEN"], "{refused:?}");
    assert!(refused.message().contains("someone other"), "{refused:?}");
    let not_approver = app
        .practitioner(&s.social_care)
        .graphql(APPROVE, json!({ "id": id }))
        .await;
    assert_eq!(not_approver.codes(), vec!["FORBIDDEN"], "{not_approver:?}");

    // A Caldicott Guardian approves (once), and reviews like IG.
    let council = app.council().await;
    let caldicott = app
        .persona("caldicott-guardian")
        .roles([Role::CaldicottGuardian])
        .of(&council);
    let approved = caldicott.graphql(APPROVE, json!({ "id": id })).await;
    let a = &approved.body["data"]["approveOverride"];
    assert_eq!(a["approvedBy"], caldicott.subject(), "{approved:?}");
    assert_eq!(a["approverRole"], "CALDICOTT_GUARDIAN");
    let colleague = app
        .persona("another-lead")
        .roles([Role::SafeguardingLead])
        .of(&s.social_care)
        .purpose(consent::Purpose::Safeguarding);
    let again = colleague.graphql(APPROVE, json!({ "id": id })).await;
    assert_eq!(again.codes(), vec!["BAD_USER_INPUT"], "{again:?}");
    assert_eq!(field(&again), "id", "{again:?}");
    let e = trace_of(&app, "OVERRIDE_APPROVED").await;
    assert_eq!(e.len(), 1, "{e:#?}");
    assert_eq!(detail(&e[0], "approver_role"), Some("CALDICOTT_GUARDIAN"));

    let queue = caldicott.graphql(AWAITING, json!({})).await;
    assert_eq!(
        queue.body["data"]["overridesAwaitingReview"][0]["id"],
        id.as_str(),
        "{queue:?}"
    );
    let reviewed = caldicott
        .graphql(
            "mutation($id: ID!) { reviewOverride(id: $id, outcome: UPHELD, note: \"Justified.\") { reviewedBy } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        reviewed.body["data"]["reviewOverride"]["reviewedBy"],
        caldicott.subject(),
        "{reviewed:?}"
    );
    // Like IG staff, the Caldicott Guardian never reads content.
    let content = caldicott
        .graphql(
            "query($id: ID!) { child(id: $id) { restricted { kind } } }",
            json!({ "id": s.jayden.id }),
        )
        .await;
    assert!(
        !content.body.to_string().contains("CHILD_PROTECTION_PLAN"),
        "{content:?}"
    );
}

#[tokio::test]
async fn ig_sees_overdue_reviews() {
    // Reviews due at once: every unreviewed override is overdue.
    let app = spawn_app_with(|settings| settings.override_review_hours = 0).await;
    let s = story(&app).await;
    let id = s.declare(not_now()).await;
    let ig = app.ig_auditor().await;
    let overdue = ig.graphql(AWAITING, json!({ "overdue": true })).await;
    let queued = &overdue.body["data"]["overridesAwaitingReview"];
    assert_eq!(queued[0]["id"], id.as_str(), "{overdue:?}");
    assert_eq!(queued[0]["reviewOverdue"], true);
    assert_eq!(queued[0]["groundCarriedOver"], false);
    let within = ig.graphql(AWAITING, json!({ "overdue": false })).await;
    assert_eq!(
        within.body["data"]["overridesAwaitingReview"],
        json!([]),
        "{within:?}"
    );
    let counts = ig.graphql(COUNTS, json!({})).await;
    assert_eq!(
        counts.body["data"]["overrideReviewCounts"],
        json!({ "awaiting": 1, "overdue": 1, "groundToConfirm": 0 }),
        "{counts:?}"
    );
    // Not for the lead.
    let denied = s.lead.graphql(COUNTS, json!({})).await;
    assert_eq!(denied.codes(), vec!["FORBIDDEN"], "{denied:?}");
    // Reviewed: no longer overdue.
    let reviewed = ig
        .graphql(
            "mutation($id: ID!) { reviewOverride(id: $id, outcome: UPHELD, note: \"Justified.\") { reviewOverdue } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        reviewed.body["data"]["reviewOverride"]["reviewOverdue"], false,
        "{reviewed:?}"
    );
    let counts = ig.graphql(COUNTS, json!({})).await;
    assert_eq!(
        counts.body["data"]["overrideReviewCounts"]["overdue"], 0,
        "{counts:?}"
    );
}

#[tokio::test]
async fn a_review_within_its_deadline_is_not_overdue() {
    let app = spawn_app().await;
    let s = story(&app).await;
    let id = s.declare(tell_now()).await;
    let ig = app.ig_auditor().await;
    let overdue = ig.graphql(AWAITING, json!({ "overdue": true })).await;
    assert_eq!(
        overdue.body["data"]["overridesAwaitingReview"],
        json!([]),
        "{overdue:?}"
    );
    let within = ig.graphql(AWAITING, json!({ "overdue": false })).await;
    let queued = &within.body["data"]["overridesAwaitingReview"][0];
    assert_eq!(queued["id"], id.as_str(), "{within:?}");
    assert_eq!(queued["reviewOverdue"], false);
    let due: chrono::DateTime<chrono::Utc> = queued["reviewDueBy"]
        .as_str()
        .and_then(|d| d.parse().ok())
        .unwrap_or_else(|| panic!("no deadline: {within:?}"));
    let hours = (due - chrono::Utc::now()).num_minutes();
    assert!((71 * 60..=72 * 60).contains(&hours), "{due}");
}

#[tokio::test]
async fn a_tell_on_date_shows_the_notice_once_it_has_come() {
    let app = spawn_app().await;
    let s = story(&app).await;
    let future = s
        .declare(
            json!({ "decision": "TELL_ON", "tellOn": days_from_now(5), "familyNotice": NOTICE }),
        )
        .await;
    // An override the same lead declared three days ago, to be told of
    // from yesterday (stored as the door would have stored it then).
    let now = chrono::Utc::now();
    let past = consent::Override {
        id: Uuid::now_v7(),
        child_id: s.jayden.id,
        declared_by: s.lead.subject().to_owned(),
        agency_id: s.social_care.id,
        ground: consent::OverrideGround::S17,
        ground_carried_over: false,
        scopes: [domain::Scope::SocialCare].into_iter().collect(),
        reason: REASON.into(),
        starts_at: now - chrono::Duration::days(3),
        ends_at: now - chrono::Duration::days(2),
        review_due_by: now,
        telling: consent::TellingDecision {
            id: Uuid::now_v7(),
            telling: consent::Telling::On(now.date_naive() - chrono::Duration::days(1)),
            family_notice:
                "A safeguarding lead looked at Jayden's social care information this week.".into(),
            decided_by: s.lead.subject().to_owned(),
            decided_at: now - chrono::Duration::days(3),
        },
        approval: None,
        review: None,
    };
    let tx = app.store.traced().await.expect("txn");
    tx.insert_override(&past).await.expect("override");
    tx.commit(vec![]).await.expect("commit");

    let (record, _) = s.family_sees().await;
    let shown = notices(&record);
    assert_eq!(shown.len(), 1, "{record:?}");
    assert_eq!(shown[0]["id"], past.id.to_string());
    assert_ne!(shown[0]["id"], future.as_str());
    assert_eq!(shown[0]["scopes"], json!(["SOCIAL_CARE"]));
    assert!(!record.body.to_string().contains("Mrs X"), "{record:?}");
}
