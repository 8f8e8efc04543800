use domain::Scope;
use serde_json::{Value, json};
use uuid::Uuid;

use super::*;

const REQUEST: &str = "mutation($a: ID!, $agency: ID!, $scope: Scope!) {
  requestAdvice(assessmentId: $a, agencyId: $agency, scope: $scope) { id } }";
const SUBMIT: &str =
    "mutation($r: ID!, $i: ContributionInput!) { submitAdvice(requestId: $r, input: $i) { id } }";
const CONTRIBUTE: &str =
    "mutation($c: ID!, $i: ContributionInput!) { contribute(childId: $c, input: $i) { id } }";
const REUSE: &str = "mutation($r: ID!, $c: ID!) {
  reuseAdvice(requestId: $r, contributionId: $c) { id answer } }";
const CONFIRM: &str = "mutation($r: ID!, $c: ID!) {
  confirmAdviceReuse(requestId: $r, contributionId: $c) { party } }";
const NOT_REQUIRED: &str = "mutation($a: ID!, $p: Profession!, $why: String!) {
  recordAdviceNotRequired(assessmentId: $a, profession: $p, reason: $why) { assessmentId } }";
const START: &str =
    "mutation($c: ID!, $on: Date!) { startAssessment(childId: $c, requestReceivedOn: $on) { id } }";
const DECIDE: &str = "mutation($a: ID!, $on: Date!) { recordDecisionToAssess(assessmentId: $a, assess: true, on: $on) { id } }";
const AAM: &str = "mutation($c: ID!, $i: AllAboutMeInput!) { updateAllAboutMe(childId: $c, input: $i) { version } }";

pub(super) const MUM: &str = "plan-mum";

/// What the story has made by the time the draft is with the family.
pub(super) struct Drafted {
    /// The first hub, which owns the database (dropping it drops the data).
    _base: TestApp,
    /// The last hub (13 April 2026) and its database.
    pub(super) app: TestApp,
    pub(super) child: Uuid,
    pub(super) assessment: String,
    /// Speech and language therapy's structured advice (the current version).
    slt_advice: Uuid,
    /// Educational psychology's advice from November, reused.
    ep_advice: String,
    /// Social care's advice.
    social_care_advice: String,
}

/// The request (5 January 2026) to the draft (6 April): educational
/// psychology's advice of November 2025 reused, fresh advice from speech and
/// language therapy (structured, written against its template) and social
/// care, the family's "all about me"; the plan prepared,
/// section F given the case officer's own provision, and the draft issued.
pub(super) async fn drafted() -> Drafted {
    // --- 3 November 2025: educational psychology advises, before any request.
    let november = hub_at(None, "2025-11-03T10:00:00Z").await;
    register_agencies(&november).await;
    let child = november
        .child()
        .born_on(chrono::NaiveDate::from_ymd_opt(2017, 3, 1).expect("date"))
        .with_parent(MUM)
        .create()
        .await
        .id;
    let ep_advice = november
        .practitioner(&agency(EP))
        .graphql(
            CONTRIBUTE,
            json!({ "c": child, "i": {
                "scope": "PSYCHOLOGY", "kind": "ADVICE", "title": "Educational psychology advice",
                "profession": "EDUCATIONAL_PSYCHOLOGY",
                "content": { "sections": [
                    { "key": "views", "text": "She says reading 'makes her head tired'." },
                    { "key": "strengths", "text": "Curious, kind, and good with her hands." },
                    { "key": "needs", "text": "Working memory well below age expectations." },
                    { "key": "outcomes", "text": "Recall three-step instructions by the end of Year 4." },
                    { "key": "provision", "provision": [{
                        "what": "Pre-teaching of vocabulary", "who": "Teaching assistant",
                        "howOften": "3 times a week", "howLong": "Until the annual review" }] }
                ] }
            } }),
        )
        .await;
    let ep_advice = id_of(&ok(&ep_advice, "contribute"));

    // --- 2 February 2026: the council decides to assess and asks for advice.
    let february = hub_at(Some(&november), "2026-02-02T10:00:00Z").await;
    let officer = february.case_officer().await;
    let started = officer
        .graphql(START, json!({ "c": child, "on": "2026-01-05" }))
        .await;
    let assessment = id_of(&ok(&started, "startAssessment"));
    ok(
        &officer
            .graphql(DECIDE, json!({ "a": assessment, "on": "2026-02-02" }))
            .await,
        "recordDecisionToAssess",
    );
    let ask = |agency: Uuid, scope: &str| {
        let officer = officer.clone();
        let assessment = assessment.clone();
        let scope = scope.to_owned();
        async move {
            let asked = officer
                .graphql(
                    REQUEST,
                    json!({ "a": assessment, "agency": agency, "scope": scope }),
                )
                .await;
            id_of(&ok(&asked, "requestAdvice"))
        }
    };
    let slt_request = ask(SLT, "COMMUNICATION").await;
    let ep_request = ask(EP, "PSYCHOLOGY").await;
    let social_care_request = ask(SOCIAL_CARE, "SOCIAL_CARE").await;
    // Reg 6(4): its author and the family each confirm it still stands.
    let pair = json!({ "r": ep_request, "c": ep_advice });
    ok(
        &february
            .practitioner(&agency(EP))
            .graphql(CONFIRM, pair.clone())
            .await,
        "confirmAdviceReuse",
    );
    ok(
        &february.family_member(MUM).graphql(CONFIRM, pair).await,
        "confirmAdviceReuse",
    );
    let reused = officer
        .graphql(REUSE, json!({ "r": ep_request, "c": ep_advice }))
        .await;
    assert_eq!(ok(&reused, "reuseAdvice")["answer"], "REUSED");

    // --- 2 March 2026: fresh advice, and the family's own words.
    let march = hub_at(Some(&november), "2026-03-02T10:00:00Z").await;
    let submitted = march
        .practitioner(&agency(SLT))
        .graphql(
            SUBMIT,
            json!({ "r": slt_request, "i": {
                "kind": "ADVICE", "title": "Speech and language therapy advice",
                "content": { "sections": [
                    { "key": "needs", "text": "Expressive language two years behind; understands more than she can say." },
                    { "key": "outcomes", "text": "Tell a short story with a beginning, middle and end." },
                    { "key": "provision", "provision": [{
                        "what": "Direct speech and language therapy", "who": "Speech and language therapist",
                        "howOften": "30 minutes weekly", "howLong": "Two terms" }] }
                ] }
            } }),
        )
        .await;
    // Written against the SLT template, section by section.
    let slt_advice: Uuid = id_of(&ok(&submitted, "submitAdvice"))
        .parse()
        .expect("uuid");
    let social = march
        .practitioner(&agency(SOCIAL_CARE))
        .graphql(
            SUBMIT,
            json!({ "r": social_care_request, "i": {
                "kind": "ADVICE", "title": "Social care advice",
                "content": { "sections": [
                    { "key": "social_care_needs", "text": "Mum is a young carer's only support at home." },
                    { "key": "outcomes", "text": "Time with friends outside school every month." },
                    { "key": "other_social_care_provision", "provision": [{
                        "what": "Short breaks: one weekend a month", "who": "Children's social care",
                        "howOften": "One weekend a month", "howLong": "Until the annual review" }] }
                ] }
            } }),
        )
        .await;
    let social_care_advice = id_of(&ok(&social, "submitAdvice"));
    ok(
        &march
            .family_member(MUM)
            .graphql(
                AAM,
                json!({ "c": child, "i": {
                    "whatMatters": "Drawing, my cat and my cousins.",
                    "aspirations": "I want to be a vet."
                } }),
            )
            .await,
        "updateAllAboutMe",
    );

    // --- 6 April 2026: the plan is prepared and the draft issued.
    let april = hub_at(Some(&november), "2026-04-06T10:00:00Z").await;
    let officer = april
        .case_officer()
        .await
        .purpose(consent::Purpose::EhcAssessment);
    // The reg 6(1) checklist: the sources not asked are recorded as not
    // required, with the reason, before the draft.
    for (profession, why) in [
        (
            "SCHOOL_SETTING",
            "The school's SEN support plan and report came with the request.",
        ),
        (
            "PAEDIATRIC_HEALTH",
            "The community paediatrician's report of December 2025 came with the request.",
        ),
    ] {
        ok(
            &officer
                .graphql(
                    NOT_REQUIRED,
                    json!({ "a": assessment, "p": profession, "why": why }),
                )
                .await,
            "recordAdviceNotRequired",
        );
    }
    let prepared = ok(
        &officer
            .graphql(&prepare(), json!({ "a": assessment }))
            .await,
        "preparePlan",
    );
    assert_eq!(
        (&prepared["version"], &prepared["status"]),
        (&json!(1), &json!("IN_PREPARATION"))
    );
    let f = json!([{ "text": "A teaching assistant supports every literacy lesson.",
                     "provision": { "what": "Literacy support in class", "who": "Teaching assistant",
                                    "howOften": "Every literacy lesson", "howLong": "Until the next review" } }]);
    ok(
        &officer
            .graphql(&edit(), json!({ "a": assessment, "s": "F", "p": f }))
            .await,
        "editPlanSection",
    );
    ok(
        &officer
            .graphql(
                &step("issueDraft"),
                json!({ "a": assessment, "on": "2026-04-06" }),
            )
            .await,
        "issueDraft",
    );
    let app = hub_at(Some(&november), "2026-04-13T10:00:00Z").await;
    Drafted {
        _base: november,
        app,
        child,
        assessment,
        slt_advice,
        ep_advice,
        social_care_advice,
    }
}

fn paragraph_with<'a>(list: &'a [Value], text: &str) -> &'a Value {
    list.iter()
        .find(|p| p["text"].as_str().is_some_and(|t| t.contains(text)))
        .unwrap_or_else(|| panic!("no paragraph with {text:?} in {list:?}"))
}

/// The whole journey: every paragraph of the draft names its source; the
/// family comments on sections, asks for a school and attaches a report;
/// the final plan needs section I; the family sees both versions, an
/// agency only the sections it may, a stranger nothing.
#[tokio::test]
async fn a_plan_from_the_evidence_to_the_final_plan_keeps_every_source() {
    let d = drafted().await;
    let family = d.app.family_member(MUM);
    let view = ok(
        &family.graphql(&ehc_plan(), json!({ "c": d.child })).await,
        "ehcPlan",
    );
    let draft = &view["latest"];
    assert_eq!(
        (&draft["version"], &draft["status"], &draft["issuedOn"]),
        (&json!(1), &json!("DRAFT"), &json!("2026-04-06"))
    );
    // A: the family's own words, with the version they came from.
    let a = section(draft, "A");
    assert_eq!(a.len(), 2, "{a:?}");
    let mine = paragraph_with(a, "vet");
    assert_eq!(mine["provenance"]["source"], "FAMILY");
    assert_eq!(mine["provenance"]["allAboutMeVersion"], 1);
    assert_eq!(mine["provenance"]["writtenOn"], "2026-03-02");
    assert_eq!(mine["scope"], "ALL_ABOUT_ME");
    // B: structured SLT advice, and the reused EP advice.
    let b = section(draft, "B");
    let slt = paragraph_with(b, "Expressive language");
    assert_eq!(slt["provenance"]["source"], "ADVICE");
    assert_eq!(
        slt["provenance"]["contributionId"],
        d.slt_advice.to_string()
    );
    assert_eq!(slt["provenance"]["sectionKey"], "needs");
    assert_eq!(slt["provenance"]["profession"], "SPEECH_LANGUAGE_THERAPY");
    assert_eq!(
        slt["provenance"]["agencyName"],
        "Northshire Speech and Language Therapy"
    );
    assert_eq!(
        slt["provenance"]["author"],
        Value::Null,
        "authors are the council's"
    );
    let ep = paragraph_with(b, "Working memory");
    assert_eq!(ep["provenance"]["contributionId"], d.ep_advice);
    assert_eq!(ep["provenance"]["writtenOn"], "2025-11-03");
    // D and H2: social care's advice goes to the social care sections.
    assert_eq!(
        paragraph_with(section(draft, "D"), "young carer")["provenance"]["contributionId"],
        d.social_care_advice
    );
    assert_eq!(
        paragraph_with(section(draft, "H2"), "Short breaks")["scope"],
        "SOCIAL_CARE"
    );
    // F: the SLT and EP provision items, and the case officer's own.
    let f = section(draft, "F");
    let therapy = paragraph_with(f, "Direct speech");
    assert_eq!(
        therapy["provision"],
        json!({ "what": "Direct speech and language therapy", "who": "Speech and language therapist",
                "howOften": "30 minutes weekly", "howLong": "Two terms" })
    );
    let own = paragraph_with(f, "teaching assistant");
    assert_eq!(own["provenance"]["source"], "CASE_OFFICER");
    assert_eq!(own["provenance"]["writtenOn"], "2026-04-06");
    assert_eq!(own["scope"], "SEN_NEEDS");
    assert!(
        paragraph_with(f, "Pre-teaching")["provenance"]["source"] == "ADVICE",
        "{f:?}"
    );
    // K: every piece of advice, with its own date and whether it was reused.
    let k: Vec<(String, String, bool)> = draft["appendices"]
        .as_array()
        .expect("appendices")
        .iter()
        .map(|a| {
            (
                a["title"].as_str().unwrap_or_default().to_owned(),
                a["dated"].as_str().unwrap_or_default().to_owned(),
                a["reused"].as_bool().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        k,
        vec![
            (
                "Speech and language therapy advice".into(),
                "2026-03-02".into(),
                false
            ),
            (
                "Educational psychology advice".into(),
                "2025-11-03".into(),
                true
            ),
            ("Social care advice".into(), "2026-03-02".into(), false),
        ]
    );

    // --- 13 April: the family responds, within the 15 days.
    let response = ok(
        &family
            .graphql(
                &respond(),
                json!({
                    "a": d.assessment,
                    "comments": [
                        { "section": "A", "text": "She also loves swimming." },
                        { "section": "F", "text": "Therapy should be weekly in school, not at the clinic." }
                    ],
                    "setting": { "name": "Hillside Primary School", "kind": "mainstream primary school",
                                 "reason": "Her brother goes there and it is close to home." },
                    "attachments": [{ "title": "Private OT report", "text": "Fine motor skills below age." }],
                    "meeting": true
                }),
            )
            .await,
        "respondToDraft",
    );
    assert_eq!(
        (
            &response["version"],
            &response["withinTime"],
            &response["respondedOn"]
        ),
        (&json!(1), &json!(true), &json!("2026-04-13"))
    );
    assert_eq!(response["comments"][1]["section"], "F");
    assert_eq!(
        response["requestedSetting"]["name"],
        "Hillside Primary School"
    );

    // --- 27 April: a late second response is kept, marked late.
    let late = hub_at(Some(&d.app), "2026-04-27T10:00:00Z").await;
    let family = late.family_member(MUM);
    let second = ok(
        &family
            .graphql(
                &respond(),
                json!({ "a": d.assessment, "comments": [{ "section": "I", "text": "Please consider Hillside." }] }),
            )
            .await,
        "respondToDraft",
    );
    assert_eq!(second["withinTime"], false);
    let officer = late.case_officer().await;
    let seen = ok(
        &officer.graphql(&ehc_plan(), json!({ "c": d.child })).await,
        "ehcPlan",
    );
    assert_eq!(seen["responses"].as_array().map(Vec::len), Some(2));
    assert_eq!(
        seen["responses"][0]["attachments"][0]["title"],
        "Private OT report"
    );
    assert!(
        seen["latest"]["sections"][5]["paragraphs"][0]["provenance"]["author"].is_string(),
        "the council sees authors: {seen}"
    );

    // The final plan needs section I.
    bad_input(
        &officer
            .graphql(
                &step("issueFinalPlan"),
                json!({ "a": d.assessment, "on": "2026-04-27" }),
            )
            .await,
        "assessmentId",
    );
    ok(
        &officer
            .graphql(
                &set_placement(),
                json!({ "a": d.assessment, "name": "Hillside Primary School", "kind": "mainstream primary school" }),
            )
            .await,
        "setPlacement",
    );
    ok(
        &officer
            .graphql(
                &step("issueFinalPlan"),
                json!({ "a": d.assessment, "on": "2026-04-27" }),
            )
            .await,
        "issueFinalPlan",
    );
    // After the final plan, a response is refused.
    bad_input(
        &family
            .graphql(
                &respond(),
                json!({ "a": d.assessment, "comments": [{ "section": "A", "text": "Too late?" }] }),
            )
            .await,
        "assessmentId",
    );

    // The family sees both versions; the latest is the final plan.
    let view = ok(
        &family.graphql(&ehc_plan(), json!({ "c": d.child })).await,
        "ehcPlan",
    );
    let statuses: Vec<(Value, Value)> = view["versions"]
        .as_array()
        .expect("versions")
        .iter()
        .map(|v| (v["version"].clone(), v["status"].clone()))
        .collect();
    assert_eq!(
        statuses,
        vec![(json!(1), json!("DRAFT")), (json!(2), json!("FINAL"))]
    );
    assert_eq!(
        view["latest"]["placement"]["name"],
        "Hillside Primary School"
    );
    assert_eq!(view["latest"]["withheld"], json!([]));
    assert_eq!(
        section(&view["latest"], "F").len(),
        section(&view["versions"][0], "F").len()
    );

    // An agency sees the sections its decision allows; the rest are listed.
    let school = late.practitioner(&agency(SCHOOL));
    late.involve(d.child, &agency(SCHOOL)).await;
    late.family_member(MUM)
        .grant(&crate::fixtures::Child {
            id: d.child,
            date_of_birth: chrono::NaiveDate::from_ymd_opt(2017, 3, 1).expect("date"),
        })
        .to(&agency(SCHOOL))
        .scopes([
            Scope::AllAboutMe,
            Scope::Education,
            Scope::SenNeeds,
            Scope::Communication,
            Scope::Psychology,
        ])
        .purposes([consent::Purpose::DirectSupport])
        .create()
        .await;
    let seen = ok(
        &school.graphql(&ehc_plan(), json!({ "c": d.child })).await,
        "ehcPlan",
    );
    let latest = &seen["latest"];
    // Listed: the sections whose own scope the school may not see, whatever
    // they hold; social care's outcome in E is left out without a word.
    assert_eq!(
        withheld(latest),
        vec!["C", "D", "G", "H1", "H2"],
        "{latest}"
    );
    assert!(section(latest, "D").is_empty() && section(latest, "H2").is_empty());
    assert!(!section(latest, "B").is_empty() && !section(latest, "F").is_empty());
    assert_eq!(latest["placement"]["name"], "Hillside Primary School");
    assert_eq!(seen["responses"], json!([]));
    // K lists only the advice whose scope the school may see.
    assert_eq!(latest["appendices"].as_array().map(Vec::len), Some(2));

    // A stranger gets nothing.
    let stranger = late.family_member("plan-stranger");
    let answer = stranger.graphql(&ehc_plan(), json!({ "c": d.child })).await;
    assert_eq!(answer.codes(), vec!["NOT_FOUND"], "{answer:?}");
    let answer = stranger
        .graphql(&ehc_plan_version(), json!({ "a": d.assessment, "n": 2 }))
        .await;
    assert_eq!(answer.codes(), vec!["NOT_FOUND"], "{answer:?}");
}

/// An amendment is a new version in preparation copied from the final
/// plan; issued as a draft it becomes version 3, and version 2 stays
/// readable as it was.
#[tokio::test]
async fn an_amendment_is_a_new_version_and_the_final_stays_readable() {
    let d = drafted().await;
    let later = hub_at(Some(&d.app), "2026-05-04T10:00:00Z").await;
    let officer = later.case_officer().await;
    // Not before the plan is final.
    bad_input(
        &officer
            .graphql(
                &amendment("proposeAmendment", false),
                json!({ "a": d.assessment }),
            )
            .await,
        "assessmentId",
    );
    ok(
        &officer
            .graphql(
                &set_placement(),
                json!({ "a": d.assessment, "name": "Riverside Primary School", "kind": "mainstream primary school" }),
            )
            .await,
        "setPlacement",
    );
    ok(
        &officer
            .graphql(
                &step("issueFinalPlan"),
                json!({ "a": d.assessment, "on": "2026-05-04" }),
            )
            .await,
        "issueFinalPlan",
    );
    let proposed = ok(
        &officer
            .graphql(
                &amendment("proposeAmendment", false),
                json!({ "a": d.assessment }),
            )
            .await,
        "proposeAmendment",
    );
    assert_eq!(
        (&proposed["version"], &proposed["kind"], &proposed["status"]),
        (&json!(3), &json!("AMENDMENT"), &json!("IN_PREPARATION"))
    );
    // Once is enough.
    bad_input(
        &officer
            .graphql(
                &amendment("proposeAmendment", false),
                json!({ "a": d.assessment }),
            )
            .await,
        "assessmentId",
    );
    let e = json!([{ "text": "Join a lunchtime club once a week." }]);
    ok(
        &officer
            .graphql(&edit(), json!({ "a": d.assessment, "s": "E", "p": e }))
            .await,
        "editPlanSection",
    );
    // The family does not see a version in preparation.
    let family = later.family_member(MUM);
    let view = ok(
        &family.graphql(&ehc_plan(), json!({ "c": d.child })).await,
        "ehcPlan",
    );
    assert_eq!(view["versions"].as_array().map(Vec::len), Some(2));
    assert_eq!(view["latest"]["version"], 2);
    let draft = ok(
        &officer
            .graphql(
                &amendment("issueAmendmentDraft", true),
                json!({ "a": d.assessment, "on": "2026-05-04" }),
            )
            .await,
        "issueAmendmentDraft",
    );
    assert_eq!(
        (&draft["version"], &draft["status"]),
        (&json!(3), &json!("DRAFT"))
    );
    // 15 days to respond before the amended plan.
    bad_input(
        &officer
            .graphql(
                &amendment("issueAmendedPlan", true),
                json!({ "a": d.assessment, "on": "2026-05-04" }),
            )
            .await,
        "on",
    );
    let v2 = ok(
        &family
            .graphql(&ehc_plan_version(), json!({ "a": d.assessment, "n": 2 }))
            .await,
        "ehcPlanVersion",
    );
    assert_eq!(
        (&v2["status"], &v2["kind"]),
        (&json!("FINAL"), &json!("ORIGINAL"))
    );
    assert!(
        section(&v2, "E")
            .iter()
            .all(|p| !p["text"].as_str().unwrap_or_default().contains("lunchtime")),
        "version 2 is unchanged: {v2}"
    );
    let v3 = ok(
        &family
            .graphql(&ehc_plan_version(), json!({ "a": d.assessment, "n": 3 }))
            .await,
        "ehcPlanVersion",
    );
    paragraph_with(section(&v3, "E"), "lunchtime");
    // The family may respond to the amendment's draft.
    let r = ok(
        &family
            .graphql(&respond(), json!({ "a": d.assessment, "meeting": true }))
            .await,
        "respondToDraft",
    );
    assert_eq!((&r["version"], &r["withinTime"]), (&json!(3), &json!(true)));
}

/// Bad input is refused, naming the field: an edit of section K, an empty
/// paragraph, provision outside F–H, an unknown section, and responses that
/// are empty, oversize or have empty comments; another family's response
/// is not found.
#[tokio::test]
async fn bad_plan_input_is_refused() {
    let d = drafted().await;
    let officer = d.app.case_officer().await;
    let edit_with = |s: &str, p: Value| json!({ "a": d.assessment, "s": s, "p": p });
    for (section, paragraphs, field) in [
        ("K", json!([{ "text": "x" }]), "section"),
        ("B", json!([{ "text": "   " }]), "paragraphs"),
        (
            "B",
            json!([{ "text": "x", "provision": { "what": "a", "who": "b", "howOften": "c", "howLong": "d" } }]),
            "paragraphs",
        ),
        (
            "F",
            json!([{ "text": "x", "provision": { "what": "a", "who": "", "howOften": "c", "howLong": "d" } }]),
            "paragraphs",
        ),
        ("B", json!([{ "text": "x", "replaces": 40 }]), "paragraphs"),
        ("B", json!([{ "text": "x".repeat(5_001) }]), "paragraphs"),
    ] {
        bad_input(
            &officer
                .graphql(&edit(), edit_with(section, paragraphs))
                .await,
            field,
        );
    }
    let unknown = officer
        .graphql(&edit(), edit_with("Z", json!([{ "text": "x" }])))
        .await;
    assert!(
        unknown.body["data"].is_null() && !unknown.codes().is_empty(),
        "{unknown:?}"
    );
    // An edit after the draft goes into the next version (the final).
    let edited = ok(
        &officer
            .graphql(
                &edit(),
                edit_with("B", json!([{ "text": "x", "replaces": 0 }])),
            )
            .await,
        "editPlanSection",
    );
    assert_eq!(
        (&edited["version"], &edited["status"]),
        (&json!(2), &json!("IN_PREPARATION"))
    );
    let rewritten = &section(&edited, "B")[0];
    assert_eq!(rewritten["provenance"]["source"], "CASE_OFFICER");
    assert_eq!(rewritten["provenance"]["editedFrom"], "ADVICE");
    assert!(
        rewritten["provenance"]["contributionId"].is_string(),
        "{rewritten}"
    );

    let family = d.app.family_member(MUM);
    let respond_with = |v: Value| {
        let mut vars = v;
        vars["a"] = json!(d.assessment);
        vars
    };
    for (vars, field) in [
        (json!({}), "comments"),
        (
            json!({ "comments": [{ "section": "A", "text": "" }] }),
            "comments",
        ),
        (
            json!({ "comments": (0..41).map(|_| json!({ "section": "A", "text": "x" })).collect::<Vec<_>>() }),
            "comments",
        ),
        (
            json!({ "attachments": [{ "title": "Report", "text": "x".repeat(20_001) }] }),
            "attachments",
        ),
        (
            json!({ "setting": { "name": "Hillside", "kind": "", "reason": "close" } }),
            "requestedSetting",
        ),
    ] {
        bad_input(&family.graphql(&respond(), respond_with(vars)).await, field);
    }
    let other = d.app.family_member("plan-other-parent");
    let answer = other
        .graphql(&respond(), respond_with(json!({ "meeting": true })))
        .await;
    assert_eq!(answer.codes(), vec!["NOT_FOUND"], "{answer:?}");
    // Positive control: the same family may respond.
    ok(
        &family
            .graphql(&respond(), respond_with(json!({ "meeting": true })))
            .await,
        "respondToDraft",
    );
}

const REVIEWS: &str = "query($c: ID!) { annualReviews(childId: $c) { planId madeOn nextReviewDueOn
  current { dueOn status } concluded { dueOn heldOn decision concludedOn amendedPlanDueOn
  steps { step dueOn doneOn status } } } }";
const SCHEDULE: &str =
    "mutation($p: ID!, $on: Date!) { scheduleReview(planId: $p, meetingOn: $on) { planId } }";
const REVIEW_STEP: &str =
    "mutation($p: ID!, $s: RecordableReviewStep!, $on: Date!, $inv: [AgencyKind!], $fam: Boolean) {
  recordReviewStep(planId: $p, step: $s, on: $on, invited: $inv, familyInvited: $fam) { planId } }";
const DECISION: &str = "mutation($p: ID!, $on: Date!) {
  recordReviewDecision(planId: $p, decision: AMEND, on: $on, appealRightsNotified: true) { planId } }";

/// The annual review that amends the plan (CFA 2014 s.44; SEND Regulations
/// 2014 regs 20 and 22): the reg 20 steps on their timers, the decision to
/// amend, the amendment as a new draft the family answers, and the amended
/// plan issued as final, which concludes the review on time and starts the
/// next review's 12 months from the decision notice.
#[tokio::test]
async fn an_annual_review_that_amends_the_plan_makes_a_new_version_and_concludes() {
    let d = drafted().await;
    let may = hub_at(Some(&d.app), "2026-05-04T10:00:00Z").await;
    let officer = may.case_officer().await;
    ok(
        &officer
            .graphql(
                &set_placement(),
                json!({ "a": d.assessment, "name": "Riverside Primary School", "kind": "mainstream primary school" }),
            )
            .await,
        "setPlacement",
    );
    ok(
        &officer
            .graphql(
                &step("issueFinalPlan"),
                json!({ "a": d.assessment, "on": "2026-05-04" }),
            )
            .await,
        "issueFinalPlan",
    );

    // --- March 2027: the review is arranged; made 4 May 2026, due by 3 May 2027.
    let march = hub_at(Some(&d.app), "2027-03-22T10:00:00Z").await;
    let officer = march.case_officer().await;
    let plan = json!(d.assessment);
    let reviews = ok(
        &officer.graphql(REVIEWS, json!({ "c": d.child })).await,
        "annualReviews",
    );
    assert_eq!(reviews[0]["current"]["dueOn"], "2027-05-03");
    ok(
        &officer
            .graphql(SCHEDULE, json!({ "p": plan, "on": "2027-04-12" }))
            .await,
        "scheduleReview",
    );
    for (s, on) in [
        ("INVITATIONS_SENT", "2027-03-15"),
        ("PAPERS_CIRCULATED", "2027-03-22"),
    ] {
        ok(
            &officer
                .graphql(
                    REVIEW_STEP,
                    json!({ "p": plan, "s": s, "on": on, "inv": ["SCHOOL", "SLT", "SOCIAL_CARE"], "fam": true }),
                )
                .await,
            "recordReviewStep",
        );
    }
    // --- April 2027: the meeting, the report, and the decision to amend.
    let april = hub_at(Some(&d.app), "2027-04-26T10:00:00Z").await;
    let officer = april.case_officer().await;
    for (s, on) in [
        ("MEETING_HELD", "2027-04-12"),
        ("REPORT_SENT", "2027-04-19"),
    ] {
        ok(
            &officer
                .graphql(REVIEW_STEP, json!({ "p": plan, "s": s, "on": on }))
                .await,
            "recordReviewStep",
        );
    }
    ok(
        &officer
            .graphql(DECISION, json!({ "p": plan, "on": "2027-04-26" }))
            .await,
        "recordReviewDecision",
    );
    let proposed = ok(
        &officer
            .graphql(
                &amendment("proposeAmendment", false),
                json!({ "a": d.assessment }),
            )
            .await,
        "proposeAmendment",
    );
    assert_eq!(
        (&proposed["version"], &proposed["kind"]),
        (&json!(3), &json!("AMENDMENT"))
    );
    let e = json!([{ "text": "Take part in a lunchtime club once a week by the next review." }]);
    ok(
        &officer
            .graphql(&edit(), json!({ "a": d.assessment, "s": "E", "p": e }))
            .await,
        "editPlanSection",
    );
    ok(
        &officer
            .graphql(
                &amendment("issueAmendmentDraft", true),
                json!({ "a": d.assessment, "on": "2027-04-26" }),
            )
            .await,
        "issueAmendmentDraft",
    );
    // --- May 2027: the family answers the amendment; the amended plan.
    let june = hub_at(Some(&d.app), "2027-05-17T10:00:00Z").await;
    let answered = ok(
        &june
            .family_member(MUM)
            .graphql(
                &respond(),
                json!({ "a": d.assessment, "comments": [{ "section": "E", "text": "Yes: the art club." }] }),
            )
            .await,
        "respondToDraft",
    );
    assert_eq!(
        (&answered["version"], &answered["withinTime"]),
        (&json!(3), &json!(false)),
        "21 days after the amendment draft: after the 15 days"
    );
    let officer = june.case_officer().await;
    let amended = ok(
        &officer
            .graphql(
                &amendment("issueAmendedPlan", true),
                json!({ "a": d.assessment, "on": "2027-05-17" }),
            )
            .await,
        "issueAmendedPlan",
    );
    assert_eq!(
        (&amended["version"], &amended["kind"], &amended["status"]),
        (&json!(4), &json!("AMENDMENT"), &json!("FINAL"))
    );
    assert!(
        section(&amended, "E").iter().any(|p| p["text"]
            .as_str()
            .is_some_and(|t| t.contains("lunchtime club"))),
        "{amended}"
    );

    // The review concluded on time, its amended plan inside 8 weeks of the
    // decision notice, recorded by issuing the plan; the next review is
    // due 12 months from the decision, less a day.
    let reviews = ok(
        &officer.graphql(REVIEWS, json!({ "c": d.child })).await,
        "annualReviews",
    );
    let done = &reviews[0]["concluded"][0];
    assert_eq!(
        (&done["heldOn"], &done["decision"], &done["concludedOn"]),
        (&json!("2027-04-12"), &json!("AMEND"), &json!("2027-04-26"))
    );
    assert_eq!(done["amendedPlanDueOn"], "2027-06-21");
    let steps: Vec<(String, Value, String)> = done["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .map(|s| {
            (
                s["step"].as_str().unwrap_or_default().to_owned(),
                s["doneOn"].clone(),
                s["status"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let amended_step = steps
        .iter()
        .find(|s| s.0 == "AMENDED_PLAN_ISSUED")
        .expect("the amended plan step");
    assert_eq!(
        (&amended_step.1, amended_step.2.as_str()),
        (&json!("2027-05-17"), "DONE")
    );
    assert!(
        steps.iter().all(|s| s.2 == "DONE"),
        "every reg 20 step on time: {steps:?}"
    );
    assert_eq!(reviews[0]["nextReviewDueOn"], "2028-04-25");
    // Every issued version stays readable to the family.
    let view = ok(
        &june
            .family_member(MUM)
            .graphql(&ehc_plan(), json!({ "c": d.child }))
            .await,
        "ehcPlan",
    );
    let versions: Vec<(Value, Value)> = view["versions"]
        .as_array()
        .expect("versions")
        .iter()
        .map(|v| (v["version"].clone(), v["status"].clone()))
        .collect();
    assert_eq!(
        versions,
        vec![
            (json!(1), json!("DRAFT")),
            (json!(2), json!("FINAL")),
            (json!(3), json!("DRAFT")),
            (json!(4), json!("FINAL")),
        ]
    );
}

const COMPETENCE: &str =
    "mutation($input: CompetenceInput!) { recordCompetence(input: $input) { id } }";

/// A parent reads the plan through their view of the record: a health
/// paragraph a Gillick-competent child keeps from their parents (LAW.md
/// §2) is withheld from the plan as from the record.
#[tokio::test]
async fn a_parent_does_not_read_in_the_plan_what_the_child_keeps_from_them() {
    let d = drafted().await;
    let may = hub_at(Some(&d.app), "2026-05-04T10:00:00Z").await;
    let officer = may.case_officer().await;
    let c = json!([{ "text": "An asthma care plan is kept by the school office." }]);
    ok(
        &officer
            .graphql(&edit(), json!({ "a": d.assessment, "s": "C", "p": c }))
            .await,
        "editPlanSection",
    );
    ok(
        &officer
            .graphql(
                &set_placement(),
                json!({ "a": d.assessment, "name": "Riverside Primary School", "kind": "mainstream primary school" }),
            )
            .await,
        "setPlacement",
    );
    ok(
        &officer
            .graphql(
                &step("issueFinalPlan"),
                json!({ "a": d.assessment, "on": "2026-05-04" }),
            )
            .await,
        "issueFinalPlan",
    );
    let mum = may.family_member(MUM);
    let read = |answer: &Answer| ok(answer, "ehcPlan")["latest"].clone();
    // Before any competence decision, her mother reads section C.
    let before = read(&mum.graphql(&ehc_plan(), json!({ "c": d.child })).await);
    assert!(
        section(&before, "C")
            .iter()
            .any(|p| p["text"].as_str().is_some_and(|t| t.contains("asthma"))),
        "{before}"
    );
    // A health practitioner finds her competent, and she keeps her
    // physical health from her parents.
    let health = may.agency(AgencyKind::Health).create().await;
    may.involve(d.child, &health).await;
    let recorded = may
        .practitioner(&health)
        .graphql(
            COMPETENCE,
            json!({ "input": {
                "childId": d.child,
                "assessorRole": "Community paediatrician",
                "assessedOn": "2026-05-04",
                "competent": true,
                "scopes": ["PHYSICAL_HEALTH"],
                "notForParents": ["PHYSICAL_HEALTH"],
                "reasons": "understands her asthma care and who would see her notes",
            } }),
        )
        .await;
    ok(&recorded, "recordCompetence");
    let after = read(&mum.graphql(&ehc_plan(), json!({ "c": d.child })).await);
    assert!(section(&after, "C").is_empty(), "{after}");
    assert!(withheld(&after).contains(&"C".to_owned()), "{after}");
    assert!(!after.to_string().contains("asthma"), "{after}");
    // The rest of her plan is still hers to read.
    assert!(!section(&after, "B").is_empty() && !section(&after, "F").is_empty());
}
