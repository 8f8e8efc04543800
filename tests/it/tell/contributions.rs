use consent::Purpose;
use domain::Scope;
use serde_json::json;
use uuid::Uuid;

use super::*;
use crate::helpers::*;

/// An agency contributes only to scopes the agreement lets its kind
/// contribute to, for purposes the agreement lists.
#[tokio::test]
async fn a_contribution_outside_the_agreement_is_not_permitted() {
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let child = app.child().aged(9).with_parent("parent-1").create().await;
    let child_id = child.id;
    for (persona, purpose, scope) in [
        ("slt", "DIRECT_SUPPORT", "MENTAL_HEALTH"),
        ("camhs", "DIRECT_SUPPORT", "COMMUNICATION"),
        ("ep", "DIRECT_SUPPORT", "SEN_NEEDS"),
        ("senco", "DIRECT_SUPPORT", "RESTRICTED"),
        // SLT contributes to COMMUNICATION, but not for safeguarding.
        ("slt", "SAFEGUARDING", "COMMUNICATION"),
    ] {
        let purpose: Purpose = purpose.parse().expect("a purpose");
        let answer = team
            .get(persona)
            .clone()
            .purpose(purpose)
            .graphql(
            &contribute(),
            json!({ "c": child_id, "i": { "scope": scope, "title": format!("Outside ({MARK})") } }),
        )
        .await;
        refused(&answer, "contribute", "NOT_PERMITTED");
        assert_eq!(
            answer.body["errors"][0]["extensions"]["scope"], scope,
            "{persona} to {scope}: {answer:?}"
        );
    }
    // Families and IG staff do not contribute.
    for persona in ["parent", "ig-auditor"] {
        let answer = team.call(persona, &contribute(),
            json!({ "c": child_id, "i": { "scope": "COMMUNICATION", "title": format!("Not an agency ({MARK})") } }),
        )
        .await;
        refused(&answer, "contribute", "FORBIDDEN");
    }
    // Within the agreement it works; a title is required.
    let untitled = team
        .call(
            "slt",
            &contribute(),
            json!({ "c": child_id, "i": { "scope": "COMMUNICATION", "title": "  " } }),
        )
        .await;
    bad_input(&untitled, "contribute", "title");
    let unknown = team
        .call(
            "slt",
            &contribute(),
            json!({ "c": Uuid::new_v4(), "i": { "scope": "COMMUNICATION", "title": "Nobody" } }),
        )
        .await;
    refused(&unknown, "contribute", "NOT_FOUND");
    let answer = team.call("slt", &contribute(),
        json!({ "c": child_id, "i": { "scope": "COMMUNICATION", "title": format!("Inside ({MARK})") } }),
    )
    .await;
    let c = ok(&answer, "contribute");
    assert_eq!(c["kind"], "UPDATE", "the default kind");
    // Nothing refused was stored: the family sees only the one contribution.
    let (_, all) = contributions_seen_by(team.get("parent"), child_id, None, true).await;
    assert_eq!(ids(&marked(&all)), vec![id_of(&c)], "{all}");
}

/// A contribution is replaced, never edited: the replacement by the same
/// agency makes the old one not current (still there with
/// includeSuperseded); another agency's contribution cannot be replaced,
/// nor one already replaced.
#[tokio::test]
async fn a_replacement_supersedes_the_agencys_own_contribution_once() {
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let child = app.child().aged(9).with_parent("parent-1").create().await;
    // The whole team works with the child (a direct-support read needs a
    // current involvement); consent still decides what each sees.
    involve_team(&app, child.id, &[SCHOOL, SLT, CAMHS, EP, OT, YOT]).await;
    let child_id = child.id;
    let write = |title: &str, supersedes: Option<&str>| {
        json!({ "c": child_id, "i": {
            "scope": "COMMUNICATION", "kind": "ASSESSMENT",
            "title": format!("{title} ({MARK})"),
            "profession": "SPEECH_LANGUAGE_THERAPY",
            "content": templates::advice_content(domain::template::Profession::SpeechLanguageTherapy),
            "needs": format!("{MARK}: word-finding difficulties."),
            "supersedes": supersedes } })
    };
    let first = ok(
        &team
            .call("slt", &contribute(), write("Assessment", None))
            .await,
        "contribute",
    );
    let first_id = id_of(&first);
    assert!(first["supersedes"].is_null());
    assert_eq!(first["scope"], "COMMUNICATION");
    assert_eq!(first["agencyId"], team.slt.id.to_string());
    assert_eq!(first["agencyKind"], "SLT");
    assert_eq!(first["author"], team.get("slt").subject());
    assert!(first["createdAt"].is_string());

    let second = ok(
        &team
            .call(
                "slt",
                &contribute(),
                write("Corrected assessment", Some(&first_id)),
            )
            .await,
        "contribute",
    );
    let second_id = id_of(&second);
    assert_eq!(second["supersedes"], first_id);
    assert_eq!(second["current"], true);

    // The family (and SLT itself, for direct support) see the current one,
    // and the history on request.
    for persona in ["parent", "slt"] {
        let (answer, current) =
            contributions_seen_by(team.get(persona), child_id, Some("COMMUNICATION"), false).await;
        assert_eq!(
            ids(&marked(&current)),
            vec![second_id.clone()],
            "{persona}: {answer:?}"
        );
        let (answer, all) =
            contributions_seen_by(team.get(persona), child_id, Some("COMMUNICATION"), true).await;
        let all = marked(&all);
        assert_eq!(
            ids(&all),
            vec![first_id.clone(), second_id.clone()],
            "{persona}: {answer:?}"
        );
        assert_eq!(all[0]["current"], false);
        assert_eq!(all[0]["title"], format!("Assessment ({MARK})"), "unchanged");
        assert_eq!(all[1]["current"], true);
    }

    // Replacing it again, or replacing another agency's, is refused.
    let again = team
        .call("slt", &contribute(), write("Third", Some(&first_id)))
        .await;
    bad_input(&again, "contribute", "supersedes");
    let by_school = team
        .call("senco", &contribute(), write("School's", Some(&second_id)))
        .await;
    bad_input(&by_school, "contribute", "supersedes");
    let unknown = team
        .call(
            "slt",
            &contribute(),
            write("Unknown", Some(&Uuid::new_v4().to_string())),
        )
        .await;
    bad_input(&unknown, "contribute", "supersedes");
    let (_, all) = contributions_seen_by(team.get("parent"), child_id, None, true).await;
    assert_eq!(
        ids(&marked(&all)),
        vec![first_id, second_id],
        "nothing refused was stored"
    );
}

/// An agency always sees what it contributed itself; everyone else sees it
/// only under the decision for its scope (a child aged 9 whose mother
/// withdrew her consent for SLT and lets the school read COMMUNICATION;
/// the agreement never lets CAMHS read it).
#[tokio::test]
async fn an_agency_always_sees_its_own_contributions_and_others_only_under_consent() {
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let child = app.child().aged(9).with_parent("parent-1").create().await;
    // The whole team works with the child (a direct-support read needs a
    // current involvement); consent still decides what each sees.
    involve_team(&app, child.id, &[SCHOOL, SLT, CAMHS, EP, OT, YOT]).await;
    let mother = team.get("parent");
    let to_slt = mother
        .grant(&child)
        .to(&team.slt)
        .scopes([Scope::Communication, Scope::AllAboutMe])
        .purposes([Purpose::DirectSupport])
        .create()
        .await;
    let withdrawn = mother
        .graphql(
            "mutation($id: ID!) { withdrawConsent(grantId: $id) { event } }",
            json!({ "id": to_slt }),
        )
        .await;
    assert_eq!(ok(&withdrawn, "withdrawConsent")["event"], "WITHDRAWN");
    mother
        .grant(&child)
        .to(&team.school)
        .scopes([Scope::Communication, Scope::Education])
        .purposes([Purpose::DirectSupport])
        .create()
        .await;
    let child_id = child.id;
    let added = team
        .call(
            "slt",
            &contribute(),
            json!({ "c": child_id, "i": { "scope": "COMMUNICATION", "kind": "UPDATE",
            "title": format!("Therapy update ({MARK})") } }),
        )
        .await;
    let slt_id = id_of(&ok(&added, "contribute"));

    let (answer, own) =
        contributions_seen_by(team.get("slt"), child_id, Some("COMMUNICATION"), false).await;
    assert_eq!(ids(&marked(&own)), vec![slt_id.clone()], "{answer:?}");
    let withheld = answer
        .error_at(&["child", "communication"])
        .unwrap_or_else(|| panic!("COMMUNICATION should be withheld from SLT: {answer:?}"));
    assert_eq!(withheld["extensions"]["code"], "CONSENT_REQUIRED");

    let (answer, school) =
        contributions_seen_by(team.get("senco"), child_id, Some("COMMUNICATION"), false).await;
    assert_eq!(ids(&marked(&school)), vec![slt_id.clone()], "{answer:?}");
    let (answer, parent) = contributions_seen_by(team.get("parent"), child_id, None, false).await;
    assert_eq!(ids(&marked(&parent)), vec![slt_id.clone()], "{answer:?}");

    for persona in ["camhs", "ot", "yot"] {
        let (answer, list) = contributions_seen_by(team.get(persona), child_id, None, true).await;
        assert_eq!(marked(&list), json!([]), "{persona}: {answer:?}");
        assert!(
            !answer.body.to_string().contains(MARK),
            "{persona}: {answer:?}"
        );
    }

    // The trace says why SLT saw it.
    let entries = trace_seen_by_ig(
        &app,
        json!({ "childId": child_id, "basis": "OWN_CONTRIBUTION" }),
    )
    .await;
    assert!(
        entries
            .iter()
            .any(|e| e["actorSubject"] == team.get("slt").subject()
                && e["basis"].as_array().is_some_and(|b| b
                    .iter()
                    .any(|b| b["scope"] == "COMMUNICATION" && b["kind"] == "OWN_CONTRIBUTION"))),
        "{entries:?}"
    );
}
