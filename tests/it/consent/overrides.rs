use std::collections::BTreeSet;

use consent::Role;
use domain::{AgencyKind, RestrictedItem, RestrictedKind};
use serde_json::{Value, json};
use uuid::Uuid;

use super::*;
use crate::helpers::*;

const DECLARE: &str =
    "mutation($input: DeclareOverrideInput!) { declareSafeguardingOverride(input: $input) {
  id childId declaredBy agencyId ground scopes reason startsAt endsAt active familyTold
  telling { decision notNowBecause reviewOn familyNotice } reviewOutcome
} }";

const AWAITING: &str = "{ overridesAwaitingReview { id childId declaredBy scopes reason active familyTold telling { decision notNowBecause } } }";

const REVIEW: &str = "mutation($id: ID!, $outcome: ReviewOutcome!, $note: String!) {
  reviewOverride(id: $id, outcome: $outcome, note: $note) { id active reviewOutcome reviewNote reviewedBy }
}";

const LONG_REASON: &str =
    "Police report received tonight of a serious assault; checking orders and placements now.";

const FAMILY_NOTICE: &str = "A safeguarding lead in children's social care looked at parts of Jayden's record to help keep him safe.";

fn declare_input(child: Uuid, scopes: &[&str], tell_family: bool) -> Value {
    let telling = if tell_family {
        json!({ "decision": "TELL_NOW", "familyNotice": FAMILY_NOTICE })
    } else {
        json!({
            "decision": "NOT_NOW",
            "notNowBecause": "Telling the family could put Jayden at risk while police enquiries continue.",
            "reviewOn": (chrono::Utc::now().date_naive() + chrono::Duration::days(3)).to_string(),
            "familyNotice": FAMILY_NOTICE,
        })
    };
    json!({
        "childId": child,
        "ground": "S47",
        "scopes": scopes,
        "reason": LONG_REASON,
        "hours": 24,
        "telling": telling,
    })
}

#[tokio::test]
async fn a_safeguarding_override_is_bounded_reviewed_and_ends_when_not_upheld() {
    // A child aged 15 under a youth justice referral order, whose mother
    // (`leanne-1`) holds parental responsibility; a designated
    // safeguarding lead in children's social care.
    let app = spawn_app().await;
    let social_care = app.agency(AgencyKind::SocialCare).create().await;
    let school = app.agency(AgencyKind::School).create().await;
    let jayden = app
        .child()
        .aged(15)
        .with_parent("leanne-1")
        .involving(&social_care)
        .with_record(|r| {
            r.restricted.push(RestrictedItem {
                id: Uuid::new_v4(),
                kind: RestrictedKind::YouthJusticeOrder,
                summary: "Referral order, 6 months, for criminal damage.".into(),
                since: None,
                until: None,
            });
            r.social_care.needs = Some("Family support after a crisis".into());
            r.all_about_me.what_matters = Some("Football and my little brother".into());
        })
        .create()
        .await;
    let lead_persona = app
        .practitioner(&social_care)
        .roles([Role::Practitioner, Role::SafeguardingLead]);
    let lead = lead_persona.token();
    let ig_auditor = app.ig_auditor().await;
    let jayden_id = jayden.id;
    let sg = Some("SAFEGUARDING");
    let declare = |token: String, input: Value| {
        let app = &app;
        async move {
            app.graphql_as(Some(&token), sg, DECLARE, json!({ "input": input }))
                .await
        }
    };

    let before = read_child(&app, &lead, sg, jayden_id).await;
    assert_withheld(&before, "restricted", "NOT_PERMITTED", "RESTRICTED");
    assert!(
        !before.body.to_string().contains("Referral order"),
        "{before:?}"
    );

    // Refusals, each naming the field.
    let mut short = declare_input(jayden_id, &["RESTRICTED"], false);
    short["reason"] = json!("Worried about him");
    let mut too_long = declare_input(jayden_id, &["RESTRICTED"], false);
    too_long["hours"] = json!(73);
    let mut unexplained = declare_input(jayden_id, &["RESTRICTED"], false);
    unexplained["telling"]["notNowBecause"] = Value::Null;
    let outside = declare_input(jayden_id, &["PSYCHOLOGY"], false);
    for (input, expected) in [
        (short, "reason"),
        (too_long, "hours"),
        (unexplained, "notNowBecause"),
        (outside, "scopes"),
    ] {
        let refused = declare(lead.clone(), input).await;
        assert_eq!(refused.codes(), vec!["BAD_USER_INPUT"], "{refused:?}");
        assert_eq!(field(&refused), expected, "{refused:?}");
    }
    let not_lead = declare(
        app.practitioner(&school).token(),
        declare_input(jayden_id, &["SOCIAL_CARE"], false),
    )
    .await;
    assert_eq!(not_lead.codes(), vec!["FORBIDDEN"], "{not_lead:?}");
    let queue = ig_auditor.graphql(AWAITING, json!({})).await;
    assert_eq!(
        queue.body["data"]["overridesAwaitingReview"],
        json!([]),
        "refused declarations must not be recorded: {queue:?}"
    );

    let declared = declare(
        lead.clone(),
        declare_input(jayden_id, &["RESTRICTED", "SOCIAL_CARE"], false),
    )
    .await;
    let o = &declared.body["data"]["declareSafeguardingOverride"];
    assert_eq!(o["active"], true, "{declared:?}");
    assert_eq!(o["declaredBy"], lead_persona.subject());
    assert_eq!(o["familyTold"], false);
    assert_eq!(o["ground"], "S47");
    assert_eq!(o["telling"]["decision"], "NOT_NOW");
    let scopes: BTreeSet<&str> = o["scopes"]
        .as_array()
        .map(|s| s.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    assert_eq!(scopes, BTreeSet::from(["RESTRICTED", "SOCIAL_CARE"]));
    let override_id = o["id"].as_str().expect("override id").to_owned();

    let during = read_child(&app, &lead, sg, jayden_id).await;
    assert_visible(&during, "restricted");
    let kinds: Vec<&str> = during.body["data"]["child"]["restricted"]
        .as_array()
        .map(|items| items.iter().filter_map(|i| i["kind"].as_str()).collect())
        .unwrap_or_default();
    assert!(kinds.contains(&"YOUTH_JUSTICE_ORDER"), "{during:?}");
    let entry = access(&during, "RESTRICTED");
    assert_eq!(entry["basis"], "SAFEGUARDING", "{entry}");
    assert_eq!(entry["overrideId"], override_id.as_str(), "{entry}");
    assert_visible(&during, "socialCare");
    assert_eq!(
        during.body["data"]["child"]["safeguardingOverrides"][0]["id"],
        override_id.as_str(),
        "the lead sees their own override: {during:?}"
    );
    // Only for safeguarding ...
    let direct = read_child(&app, &lead, Some("DIRECT_SUPPORT"), jayden_id).await;
    assert_withheld(&direct, "restricted", "NOT_PERMITTED", "RESTRICTED");
    assert!(
        !direct.body.to_string().contains("Referral order"),
        "{direct:?}"
    );
    // ... and only for the lead who declared it.
    let colleague = app
        .persona("another-social-worker")
        .roles([Role::Practitioner, Role::SafeguardingLead])
        .of(&social_care)
        .token();
    let colleague = read_child(&app, &colleague, sg, jayden_id).await;
    assert_withheld(&colleague, "restricted", "NOT_PERMITTED", "RESTRICTED");

    // IG staff review it; the lead cannot see the queue.
    let denied = app.graphql_as(Some(&lead), sg, AWAITING, json!({})).await;
    assert_eq!(denied.codes(), vec!["FORBIDDEN"], "{denied:?}");
    let queue = ig_auditor.graphql(AWAITING, json!({})).await;
    let queued = queue.body["data"]["overridesAwaitingReview"]
        .as_array()
        .unwrap_or_else(|| panic!("no queue: {queue:?}"));
    let mine = queued
        .iter()
        .find(|q| q["id"] == override_id.as_str())
        .unwrap_or_else(|| panic!("override not queued: {queue:?}"));
    assert_eq!(mine["childId"], jayden_id.to_string());
    assert_eq!(mine["reason"], LONG_REASON);
    assert_eq!(mine["familyTold"], false);
    assert!(mine["telling"]["notNowBecause"].is_string(), "{mine}");

    // The family is not told of this one, but is told of one they may know of.
    let leanne = family_token(&app, "leanne-1");
    let family = read_child(&app, &leanne, None, jayden_id).await;
    assert_visible(&family, "allAboutMe");
    assert_eq!(
        family.body["data"]["child"]["safeguardingOverrides"],
        json!([]),
        "{family:?}"
    );
    let told = declare(
        lead.clone(),
        declare_input(jayden_id, &["SOCIAL_CARE"], true),
    )
    .await;
    let told_id = told.body["data"]["declareSafeguardingOverride"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("not declared: {told:?}"))
        .to_owned();
    let family = read_child(&app, &leanne, None, jayden_id).await;
    let notices = family.body["data"]["child"]["safeguardingOverrides"]
        .as_array()
        .unwrap_or_else(|| panic!("no notices: {family:?}"));
    assert_eq!(notices.len(), 1, "{family:?}");
    assert_eq!(notices[0]["id"], told_id.as_str());

    // NOT_UPHELD: out of the queue, and the lead loses RESTRICTED at once.
    let reviewed = ig_auditor
        .graphql(
            REVIEW,
            json!({ "id": override_id, "outcome": "NOT_UPHELD", "note": "No risk evidenced." }),
        )
        .await;
    let r = &reviewed.body["data"]["reviewOverride"];
    assert_eq!(r["reviewOutcome"], "NOT_UPHELD", "{reviewed:?}");
    assert_eq!(r["active"], false, "{reviewed:?}");
    assert_eq!(r["reviewedBy"], ig_auditor.subject());
    let queue = ig_auditor.graphql(AWAITING, json!({})).await;
    let ids: Vec<&str> = queue.body["data"]["overridesAwaitingReview"]
        .as_array()
        .map(|q| q.iter().filter_map(|o| o["id"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(ids, vec![told_id.as_str()], "{queue:?}");
    let after = read_child(&app, &lead, sg, jayden_id).await;
    assert_withheld(&after, "restricted", "NOT_PERMITTED", "RESTRICTED");
    assert!(
        !after.body.to_string().contains("Referral order"),
        "{after:?}"
    );
    // The other override still covers social care.
    assert_visible(&after, "socialCare");
    assert_eq!(
        access(&after, "SOCIAL_CARE")["overrideId"],
        told_id.as_str()
    );
}
