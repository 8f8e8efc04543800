use domain::template::{AdviceTemplate, Profession, SectionKind};

use super::*;

const TEMPLATE: &str =
    "query($p: Profession!, $v: Int) { adviceTemplate(profession: $p, version: $v) {
  profession version title sections { key title help kind required feeds feedsTitle } } }";

const TEMPLATES: &str = "{ adviceTemplates { profession version } }";

const PUBLISH: &str = "mutation($p: Profession!, $s: String!) {
  publishAdviceTemplate(profession: $p, source: $s) { profession version sections { key required } } }";

const CONTENT_FIELDS: &str = "content { profession templateVersion
  sections { key title feeds feedsTitle text provision { what who howOften howLong } } }";

/// Structured advice filling every required section of `profession`'s
/// shipped template (text marked with [`MARK`], one provision item each).
pub(crate) fn advice_content(profession: Profession) -> Value {
    let template = AdviceTemplate::shipped(profession).expect("shipped template");
    let sections: Vec<Value> = template
        .sections
        .iter()
        .filter(|s| s.required)
        .map(|s| match s.kind {
            SectionKind::Text => json!({ "key": s.key, "text": format!("{MARK}: {}", s.title) }),
            SectionKind::Provision => json!({ "key": s.key, "provision": [{
                "what": format!("{MARK}: small-group language sessions"),
                "who": "A teaching assistant trained by the therapist",
                "howOften": "Three 20-minute sessions a week",
                "howLong": "Two terms, then reviewed" }] }),
        })
        .collect();
    json!({ "sections": sections })
}

fn submit_with_content() -> String {
    format!(
        "mutation($r: ID!, $i: ContributionInput!) {{ submitAdvice(requestId: $r, input: $i) {{ id kind {CONTENT_FIELDS} }} }}"
    )
}

/// An assessment with a decision to assess and an SLT request: returns
/// (child, request id).
async fn slt_request(app: &TestApp, team: &Team<'_>) -> (Uuid, String) {
    let child = app.child().aged(9).with_parent("parent-1").create().await;
    let today = app.today().to_string();
    let started = team
        .call(
            "case-officer",
            &start(),
            json!({ "c": child.id, "on": today }),
        )
        .await;
    let assessment = id_of(&ok(&started, "startAssessment"));
    ok(
        &team
            .call(
                "case-officer",
                &decide(),
                json!({ "a": assessment, "assess": true, "on": today }),
            )
            .await,
        "recordDecisionToAssess",
    );
    let asked = team
        .call(
            "case-officer",
            &request_advice(),
            json!({ "a": assessment, "agency": SLT, "scope": "COMMUNICATION" }),
        )
        .await;
    (child.id, id_of(&ok(&asked, "requestAdvice")))
}

#[tokio::test]
async fn templates_are_served_to_any_signed_in_caller() {
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    for who in ["parent", "slt", "case-officer"] {
        let answer = team
            .call(who, TEMPLATE, json!({ "p": "SPEECH_LANGUAGE_THERAPY" }))
            .await;
        let t = ok(&answer, "adviceTemplate");
        assert_eq!(t["version"], 1, "{who}: {t}");
        let provision = t["sections"]
            .as_array()
            .expect("sections")
            .iter()
            .find(|s| s["key"] == "provision")
            .cloned()
            .expect("a provision section");
        assert_eq!(provision["kind"], "PROVISION");
        assert_eq!(provision["feeds"], "F", "SLT provision is educational");
        assert_eq!(provision["required"], true);
    }
    let all = ok(
        &team.call("ep", TEMPLATES, json!({})).await,
        "adviceTemplates",
    );
    assert_eq!(all.as_array().map(Vec::len), Some(Profession::ALL.len()));
    let missing = team
        .call("parent", TEMPLATE, json!({ "p": "CAMHS", "v": 7 }))
        .await;
    refused(&missing, "adviceTemplate", "NOT_FOUND");
}

#[tokio::test]
async fn ig_admins_publish_new_versions_and_bad_sources_are_refused() {
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let source = Profession::SpeechLanguageTherapy.shipped_source().replacen(
        "required = false",
        "required = true",
        1,
    );
    let publish = |who: &'static str, p: &'static str, s: String| {
        team.call(who, PUBLISH, json!({ "p": p, "s": s }))
    };

    refused(
        &publish("case-officer", "SPEECH_LANGUAGE_THERAPY", source.clone()).await,
        "publishAdviceTemplate",
        "FORBIDDEN",
    );
    refused(
        &publish("ig-auditor", "SPEECH_LANGUAGE_THERAPY", source.clone()).await,
        "publishAdviceTemplate",
        "FORBIDDEN",
    );
    let published = ok(
        &publish("ig-admin", "SPEECH_LANGUAGE_THERAPY", source.clone()).await,
        "publishAdviceTemplate",
    );
    assert_eq!(published["version"], 2);
    assert_eq!(published["sections"][0]["key"], "views");
    assert_eq!(published["sections"][0]["required"], true);

    let latest = ok(
        &team
            .call("slt", TEMPLATE, json!({ "p": "SPEECH_LANGUAGE_THERAPY" }))
            .await,
        "adviceTemplate",
    );
    assert_eq!(latest["version"], 2);
    let first = ok(
        &team
            .call(
                "slt",
                TEMPLATE,
                json!({ "p": "SPEECH_LANGUAGE_THERAPY", "v": 1 }),
            )
            .await,
        "adviceTemplate",
    );
    assert_eq!(first["sections"][0]["required"], false, "version 1 is kept");

    let unknown_key = source.replacen("key = \"views\"", "key = \"foo\"", 1);
    let answer = publish("ig-admin", "SPEECH_LANGUAGE_THERAPY", unknown_key).await;
    bad_input(&answer, "publishAdviceTemplate", "source");
    assert!(answer.message().contains("'foo'"), "{answer:?}");
    let not_toml = publish("ig-admin", "SPEECH_LANGUAGE_THERAPY", "sections = [".into()).await;
    bad_input(&not_toml, "publishAdviceTemplate", "source");
    let provision_in_b = source.replacen("feeds = \"F\"", "feeds = \"B\"", 1);
    let answer = publish("ig-admin", "SPEECH_LANGUAGE_THERAPY", provision_in_b).await;
    bad_input(&answer, "publishAdviceTemplate", "source");
    assert!(answer.message().contains("PROVISION"), "{answer:?}");
    let other = publish("ig-admin", "CAMHS", source.clone()).await;
    bad_input(&other, "publishAdviceTemplate", "profession");

    let entries = trace_seen_by_ig(&app, json!({ "action": "ADVICE_TEMPLATE_PUBLISHED" })).await;
    assert_eq!(entries.len(), 1, "only the accepted version: {entries:?}");
}

#[tokio::test]
async fn advice_missing_parts_is_refused_naming_each() {
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let (_, request) = slt_request(&app, &team).await;
    let answer = team
        .call(
            "slt",
            &submit_with_content(),
            json!({ "r": request, "i": { "title": format!("SLT advice ({MARK})"), "content": { "sections": [
                { "key": "needs", "text": "Word-finding difficulties." },
                { "key": "foo", "text": "?" },
                { "key": "provision", "provision": [
                    { "what": "Language group", "who": "TA", "howLong": "A term" },
                ] },
                { "key": "views", "provision": [
                    { "what": "a", "who": "b", "howOften": "c", "howLong": "d" },
                ] },
            ] } } }),
        )
        .await;
    bad_input(&answer, "submitAdvice", "content");
    let problems: Vec<String> = answer.body["errors"][0]["extensions"]["problems"]
        .as_array()
        .expect("problems listed")
        .iter()
        .map(|p| {
            format!(
                "{}: {}",
                p["path"].as_str().expect("path"),
                p["message"].as_str().expect("message")
            )
        })
        .collect();
    assert_eq!(
        problems,
        [
            "content.sections.foo: unknown section",
            "content.sections.provision[0].howOften: required",
            "content.sections.views.provision: this section takes text, not provision items",
            "content.sections.outcomes: required",
        ],
        "{answer:?}"
    );
    let no_content = team
        .call(
            "slt",
            &submit_with_content(),
            json!({ "r": request, "i": { "title": "Free text", "needs": "Only words" } }),
        )
        .await;
    bad_input(&no_content, "submitAdvice", "content");
    let too_long = team
        .call(
            "slt",
            &submit_with_content(),
            json!({ "r": request, "i": { "title": "Long", "content": { "sections": [
                { "key": "needs", "text": "x".repeat(10_001) },
            ] } } }),
        )
        .await;
    bad_input(&too_long, "submitAdvice", "content");
    assert!(
        too_long
            .message()
            .contains("content.sections.needs: must be at most")
    );
}

#[tokio::test]
async fn good_advice_is_stored_and_shown_with_its_sections() {
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let (child, request) = slt_request(&app, &team).await;
    let submitted = team
        .call(
            "slt",
            &submit_with_content(),
            json!({ "r": request, "i": { "title": format!("SLT advice ({MARK})"),
                "content": advice_content(Profession::SpeechLanguageTherapy) } }),
        )
        .await;
    let advice = ok(&submitted, "submitAdvice");
    assert_eq!(advice["kind"], "ADVICE");
    let content = &advice["content"];
    assert_eq!(content["profession"], "SPEECH_LANGUAGE_THERAPY");
    assert_eq!(content["templateVersion"], 1);
    let keys: Vec<&str> = content["sections"]
        .as_array()
        .expect("sections")
        .iter()
        .filter_map(|s| s["key"].as_str())
        .collect();
    assert_eq!(keys, ["needs", "outcomes", "provision"]);
    let provision = &content["sections"][2];
    assert_eq!(provision["feeds"], "F");
    assert_eq!(provision["title"], "Speech and language therapy provision");
    assert_eq!(
        provision["provision"][0]["howOften"],
        "Three 20-minute sessions a week"
    );

    // The record's contribution list shows the same sections (the SLT,
    // working with the child, sees its own agency's contributions).
    involve_team(&app, child, &[SLT]).await;
    let read = team
        .call(
            "slt",
            &format!(
                "query($id: ID!) {{ child(id: $id) {{ contributions {{ id {CONTENT_FIELDS} }} }} }}"
            ),
            json!({ "id": child }),
        )
        .await;
    let list = ok(&read, "child")["contributions"].clone();
    let shown = list
        .as_array()
        .expect("contributions")
        .iter()
        .find(|c| c["id"] == advice["id"])
        .cloned()
        .unwrap_or_else(|| panic!("the advice is listed: {read:?}"));
    assert_eq!(shown["content"], advice["content"]);
    assert_eq!(shown["content"]["sections"][0]["feeds"], "B");
    assert_eq!(
        shown["content"]["sections"][0]["feedsTitle"],
        "Special educational needs"
    );
}

#[tokio::test]
async fn contributed_advice_names_its_profession_and_updates_stay_free_text() {
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let child = app.child().aged(9).with_parent("parent-1").create().await;
    involve_team(&app, child.id, &[SLT]).await;
    let query = format!(
        "mutation($c: ID!, $i: ContributionInput!) {{ contribute(childId: $c, input: $i) {{ id kind {CONTENT_FIELDS} }} }}"
    );
    let write = |input: Value| team.call("slt", &query, json!({ "c": child.id, "i": input }));
    let content = advice_content(Profession::SpeechLanguageTherapy);
    let nameless = write(json!({ "scope": "COMMUNICATION", "kind": "ASSESSMENT",
        "title": "Assessment", "content": content }))
    .await;
    bad_input(&nameless, "contribute", "profession");
    let wrong_template = write(json!({ "scope": "COMMUNICATION", "kind": "ASSESSMENT",
        "title": "Assessment", "profession": "CAMHS", "content": content }))
    .await;
    bad_input(&wrong_template, "contribute", "content");
    let assessed = write(json!({ "scope": "COMMUNICATION", "kind": "ASSESSMENT",
        "title": "Assessment", "profession": "SPEECH_LANGUAGE_THERAPY", "content": content }))
    .await;
    assert_eq!(
        ok(&assessed, "contribute")["content"]["profession"],
        "SPEECH_LANGUAGE_THERAPY"
    );
    let update = write(json!({ "scope": "COMMUNICATION", "title": "Update",
        "needs": "Settling well." }))
    .await;
    assert!(ok(&update, "contribute")["content"].is_null());
    let structured_update = write(json!({ "scope": "COMMUNICATION", "title": "Update",
        "content": content }))
    .await;
    bad_input(&structured_update, "contribute", "content");
}

#[tokio::test]
async fn a_list_of_advice_reads_each_template_version_once() {
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let child = app.child().aged(9).with_parent("parent-1").create().await;
    involve_team(&app, child.id, &[SLT]).await;
    let contribute =
        "mutation($c: ID!, $i: ContributionInput!) { contribute(childId: $c, input: $i) { id } }";
    let content = advice_content(Profession::SpeechLanguageTherapy);
    let read = format!(
        "query($id: ID!) {{ child(id: $id) {{ contributions {{ id {CONTENT_FIELDS} }} }} }}"
    );
    // What one read of the list costs with `n` structured contributions
    // written against the same template version.
    let mut costs = Vec::new();
    for n in 1..=3 {
        let written = team
            .call(
                "slt",
                contribute,
                json!({ "c": child.id, "i": { "scope": "COMMUNICATION", "kind": "ASSESSMENT",
                    "title": format!("Assessment {n}"), "profession": "SPEECH_LANGUAGE_THERAPY",
                    "content": content } }),
            )
            .await;
        ok(&written, "contribute");
        let before = app.store.statements();
        let answer = team.call("slt", &read, json!({ "id": child.id })).await;
        let cost = app.store.statements() - before;
        let list = ok(&answer, "child")["contributions"].clone();
        let list = list.as_array().expect("contributions");
        assert_eq!(list.len(), n);
        assert!(
            list.iter()
                .all(|c| c["content"]["sections"][0]["feeds"] == "B"),
            "every contribution shows its template's sections: {answer:?}"
        );
        costs.push(cost);
    }
    assert_eq!(
        costs[0], costs[2],
        "statements per read with 1, 2, 3 contributions: {costs:?} (one template read, not one per contribution)"
    );
}
