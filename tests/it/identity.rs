//! Minimum necessary identity (LAW.md §3): who the child is for every
//! service involved, the NHS number for health and care, the UPN for
//! education and the council, the address on a need-to-know basis, and an
//! "address withheld" marker that beats every view.

use consent::trace::TraceAction;
use consent::{Purpose, Role};
use domain::{AgencyKind, Scope, Upn};
use serde_json::{Value, json};
use store::TraceFilter;
use uuid::Uuid;

use crate::fixtures::{Agency, Child, nhs_number};
use crate::helpers::*;

const READ: &str = "query($id: ID!) { child(id: $id) {
  identity { givenName dateOfBirth homeLanguage nhsNumber upn addressLine town postcode } } }";

const WITHHOLD: &str = "mutation($c: ID!, $r: String!) {
  withholdAddress(childId: $c, reason: $r) { childId reason setBy setAt } }";
const RELEASE: &str = "mutation($c: ID!) { releaseAddress(childId: $c) }";
const MARKER: &str = "query($c: ID!) { addressWithheld(childId: $c) { reason setBy } }";

const REASON: &str = "Placed with foster carers; the father must not learn where she lives";
const UPN: &str = "B801200005001";

/// A child with every identifier and an address, whose mother
/// (`mum-1`) holds parental responsibility, and with each of `involved`.
async fn child(app: &TestApp, involved: &[&Agency]) -> Child {
    let mut builder = app.child().with_parent("mum-1");
    for agency in involved {
        builder = builder.involving(agency);
    }
    let nhs = nhs_number(7);
    builder
        .with_record(move |r| {
            r.identity.nhs_number = Some(domain::NhsNumber::parse(&nhs).expect("nhs"));
            r.identity.upn = Some(Upn::parse(UPN).expect("upn"));
            r.identity.address_line = Some("4 Willow Close".into());
            r.identity.town = Some("Northtown".into());
            r.identity.postcode = Some("NT1 4WC".into());
            r.identity.home_language = Some("Urdu".into());
        })
        .create()
        .await
}

async fn read(persona: &crate::fixtures::Persona<'_>, child: &Child) -> Answer {
    persona.graphql(READ, json!({ "id": child.id })).await
}

fn identity(answer: &Answer) -> &Value {
    &answer.body["data"]["child"]["identity"]
}

/// `field` is null with an error at its own path naming its scope and code.
fn assert_field_withheld(answer: &Answer, field: &str, code: &str, scope: Scope) -> String {
    assert!(identity(answer)[field].is_null(), "{field}: {answer:?}");
    let error = answer
        .error_at(&["child", "identity", field])
        .unwrap_or_else(|| panic!("no error at identity.{field}: {answer:?}"));
    assert_eq!(error["extensions"]["code"], code, "{field}: {error}");
    assert_eq!(
        error["extensions"]["scope"],
        scope.code(),
        "{field}: {error}"
    );
    error["message"].as_str().unwrap_or_default().to_owned()
}

/// The latest READ entry for the child.
async fn last_read(app: &TestApp, child: &Child) -> consent::trace::TraceEntry {
    let filter = TraceFilter {
        child_id: Some(child.id),
        action: Some(TraceAction::Read),
        ..TraceFilter::default()
    };
    let rows = app
        .store
        .search_trace(&filter, 0, 500)
        .await
        .expect("trace");
    rows.into_iter().last().expect("a READ entry").entry
}

#[tokio::test]
async fn a_school_reads_the_upn_and_address_but_not_the_nhs_number() {
    let app = spawn_app().await;
    let school = app.agency(AgencyKind::School).create().await;
    let child = child(&app, &[&school]).await;
    let answer = read(&app.practitioner(&school), &child).await;

    assert_eq!(identity(&answer)["givenName"], "Test", "{answer:?}");
    assert_eq!(identity(&answer)["upn"], UPN);
    assert_eq!(identity(&answer)["addressLine"], "4 Willow Close");
    assert_eq!(identity(&answer)["homeLanguage"], "Urdu");
    let why = assert_field_withheld(&answer, "nhsNumber", "NOT_PERMITTED", Scope::NhsNumber);
    assert!(why.contains("NHS_NUMBER"), "{why}");
    assert!(
        !answer.body.to_string().contains(&nhs_number(7)),
        "{answer:?}"
    );

    // The trace holds exactly what was disclosed, and the scope withheld.
    let entry = last_read(&app, &child).await;
    assert!(
        entry.disclosed.contains(&"identity.upn".to_owned()),
        "{entry:?}"
    );
    assert!(entry.disclosed.contains(&"identity.addressLine".to_owned()));
    assert!(entry.disclosed.contains(&"identity.givenName".to_owned()));
    assert!(!entry.disclosed.contains(&"identity.nhsNumber".to_owned()));
    assert!(
        entry.withheld.iter().any(|w| w.scope == Scope::NhsNumber),
        "{entry:?}"
    );
}

#[tokio::test]
async fn camhs_reads_the_nhs_number_but_not_the_upn() {
    let app = spawn_app().await;
    let camhs = app.agency(AgencyKind::Camhs).create().await;
    let child = child(&app, &[&camhs]).await;
    let answer = read(&app.practitioner(&camhs), &child).await;

    assert_eq!(identity(&answer)["nhsNumber"], nhs_number(7), "{answer:?}");
    assert_eq!(identity(&answer)["givenName"], "Test");
    assert_field_withheld(&answer, "upn", "NOT_PERMITTED", Scope::PupilNumber);
    // The address is CAMHS's only with the family's agreement.
    for field in ["addressLine", "town", "postcode"] {
        assert_field_withheld(&answer, field, "CONSENT_REQUIRED", Scope::Contact);
    }
    assert!(!answer.body.to_string().contains(UPN), "{answer:?}");
    assert!(!answer.body.to_string().contains("Willow"), "{answer:?}");
}

#[tokio::test]
async fn youth_justice_reads_no_identifier_and_the_address_only_by_agreement() {
    let app = spawn_app().await;
    let yot = app.agency(AgencyKind::YouthJustice).create().await;
    let child = child(&app, &[&yot]).await;
    let worker = app.practitioner(&yot);

    let before = read(&worker, &child).await;
    assert_eq!(identity(&before)["givenName"], "Test", "{before:?}");
    assert_field_withheld(&before, "nhsNumber", "NOT_PERMITTED", Scope::NhsNumber);
    assert_field_withheld(&before, "upn", "NOT_PERMITTED", Scope::PupilNumber);
    assert_field_withheld(&before, "addressLine", "CONSENT_REQUIRED", Scope::Contact);

    app.family_member("mum-1")
        .grant(&child)
        .to(&yot)
        .scopes([Scope::Contact])
        .purposes([Purpose::DirectSupport])
        .create()
        .await;
    let after = read(&worker, &child).await;
    assert_eq!(
        identity(&after)["addressLine"],
        "4 Willow Close",
        "{after:?}"
    );
    assert_eq!(identity(&after)["postcode"], "NT1 4WC");
    // No agreement opens what the data-sharing agreement keeps from them.
    assert_field_withheld(&after, "nhsNumber", "NOT_PERMITTED", Scope::NhsNumber);
    assert_field_withheld(&after, "upn", "NOT_PERMITTED", Scope::PupilNumber);
}

#[tokio::test]
async fn a_withheld_address_is_hidden_from_a_parent_a_statutory_reader_and_an_override_holder() {
    let app = spawn_app().await;
    let school = app.agency(AgencyKind::School).create().await;
    let social_care = app.agency(AgencyKind::SocialCare).create().await;
    let health = app.agency(AgencyKind::Health).create().await;
    let child = child(&app, &[&school, &social_care, &health]).await;
    let keeper = app
        .practitioner(&social_care)
        .roles([Role::SafeguardingLead])
        .purpose(Purpose::Safeguarding);
    let health_lead = app
        .practitioner(&health)
        .roles([Role::Practitioner, Role::SafeguardingLead])
        .purpose(Purpose::Safeguarding);
    let declared = health_lead
        .graphql(
            "mutation($input: DeclareOverrideInput!) {
               declareSafeguardingOverride(input: $input) { id } }",
            json!({ "input": {
                "childId": child.id,
                "ground": "SCH1_PARA18",
                "scopes": ["CONTACT"],
                "reason": "Child did not arrive at clinic; whereabouts unknown since this morning.",
                "hours": 4,
                "telling": {
                    "decision": "TELL_NOW",
                    "familyNotice": "A health safeguarding lead looked at how to reach you, to check your child was safe.",
                },
            } }),
        )
        .await;
    assert!(
        declared.body["data"]["declareSafeguardingOverride"]["id"].is_string(),
        "{declared:?}"
    );
    let parent = app.family_member("mum-1");
    let school_worker = app.practitioner(&school);
    let readers = [
        ("the parent", &parent),
        ("the school (statutory)", &school_worker),
        ("the override holder", &health_lead),
    ];

    // Positive control: each reads the address today.
    for (who, persona) in readers {
        let answer = read(persona, &child).await;
        assert_eq!(
            identity(&answer)["addressLine"],
            "4 Willow Close",
            "{who}: {answer:?}"
        );
    }

    let set = keeper
        .graphql(WITHHOLD, json!({ "c": child.id, "r": REASON }))
        .await;
    assert_eq!(
        set.body["data"]["withholdAddress"]["reason"], REASON,
        "{set:?}"
    );
    assert_eq!(
        set.body["data"]["withholdAddress"]["setBy"],
        keeper.subject()
    );

    for (who, persona) in readers {
        let answer = read(persona, &child).await;
        for field in ["addressLine", "town", "postcode"] {
            let why = assert_field_withheld(&answer, field, "NOT_PERMITTED", Scope::Contact);
            assert!(
                why.contains(consent::ADDRESS_WITHHELD_REASON),
                "{who}: {why}"
            );
        }
        // The rest of who the child is stays, and the reason never shows.
        assert_eq!(identity(&answer)["givenName"], "Test", "{who}: {answer:?}");
        assert_eq!(identity(&answer)["homeLanguage"], "Urdu", "{who}");
        let body = answer.body.to_string();
        assert!(
            !body.contains("Willow") && !body.contains("foster"),
            "{who}: {body}"
        );
    }
    // The school still gets its pupil number.
    let school_view = read(&school_worker, &child).await;
    assert_eq!(identity(&school_view)["upn"], UPN);

    // Released: the address is back for those the decision allows.
    let released = keeper.graphql(RELEASE, json!({ "c": child.id })).await;
    assert_eq!(
        released.body["data"]["releaseAddress"], true,
        "{released:?}"
    );
    let answer = read(&parent, &child).await;
    assert_eq!(
        identity(&answer)["addressLine"],
        "4 Willow Close",
        "{answer:?}"
    );
    let again = keeper.graphql(RELEASE, json!({ "c": child.id })).await;
    assert_eq!(again.body["data"]["releaseAddress"], false, "{again:?}");

    // Each change is traced, without the reason.
    for action in [TraceAction::AddressWithheld, TraceAction::AddressReleased] {
        let rows = app
            .store
            .search_trace(
                &TraceFilter {
                    child_id: Some(child.id),
                    action: Some(action),
                    ..TraceFilter::default()
                },
                0,
                100,
            )
            .await
            .expect("trace");
        // Withheld once, released once: the second release changed
        // nothing and wrote nothing.
        assert_eq!(rows.len(), 1, "{action}");
        for row in rows {
            assert_eq!(row.entry.actor.subject.as_deref(), Some(keeper.subject()));
            assert!(!format!("{:?}", row.entry).contains("foster"), "{action}");
        }
    }
}

#[tokio::test]
async fn a_young_persons_own_view_hides_a_withheld_address_too() {
    let app = spawn_app().await;
    let child = app
        .child()
        .aged(17)
        .signs_in_as("yp-1")
        .with_record(|r| r.identity.address_line = Some("Room 3, Refuge House".into()))
        .create()
        .await;
    let young = app.young_person("yp-1");
    let before = read(&young, &child).await;
    assert_eq!(
        identity(&before)["addressLine"],
        "Room 3, Refuge House",
        "{before:?}"
    );
    let officer = app.case_officer().await;
    let set = officer
        .graphql(WITHHOLD, json!({ "c": child.id, "r": REASON }))
        .await;
    assert!(set.body["data"]["withholdAddress"].is_object(), "{set:?}");
    let after = read(&young, &child).await;
    assert_field_withheld(&after, "addressLine", "NOT_PERMITTED", Scope::Contact);
    assert_eq!(identity(&after)["givenName"], "Test");
}

#[tokio::test]
async fn only_keepers_of_social_care_or_the_send_team_may_withhold_an_address() {
    let app = spawn_app().await;
    let school = app.agency(AgencyKind::School).create().await;
    let social_care = app.agency(AgencyKind::SocialCare).create().await;
    let child = child(&app, &[&school, &social_care]).await;
    let args = json!({ "c": child.id, "r": REASON });
    let only_child = json!({ "c": child.id });

    let refused = [
        (
            "a school's safeguarding lead",
            app.practitioner(&school).roles([Role::SafeguardingLead]),
        ),
        ("a social care practitioner", app.practitioner(&social_care)),
        ("the parent", app.family_member("mum-1")),
        ("an IG auditor", app.ig_auditor().await),
    ];
    for (who, persona) in &refused {
        for (query, vars) in [
            (WITHHOLD, &args),
            (RELEASE, &only_child),
            (MARKER, &only_child),
        ] {
            let answer = persona.graphql(query, vars.clone()).await;
            assert_eq!(answer.codes(), ["FORBIDDEN"], "{who}: {answer:?}");
            assert!(
                answer.message().contains("case_officer") && !answer.message().contains("foster"),
                "{who}: {}",
                answer.message()
            );
        }
    }

    let officer = app.case_officer().await;
    // Bad input names the field; an unknown child is NOT_FOUND.
    let short = officer
        .graphql(WITHHOLD, json!({ "c": child.id, "r": "safety" }))
        .await;
    assert_eq!(short.codes(), ["BAD_USER_INPUT"], "{short:?}");
    assert_eq!(short.body["errors"][0]["extensions"]["field"], "reason");
    let nobody = officer
        .graphql(WITHHOLD, json!({ "c": Uuid::now_v7(), "r": REASON }))
        .await;
    assert_eq!(nobody.codes(), ["NOT_FOUND"], "{nobody:?}");
    let bad_id = officer
        .graphql(WITHHOLD, json!({ "c": "not-a-uuid", "r": REASON }))
        .await;
    assert_eq!(bad_id.codes(), ["BAD_USER_INPUT"], "{bad_id:?}");

    // Nothing was set by the refusals; the case officer sets it.
    let none = officer.graphql(MARKER, json!({ "c": child.id })).await;
    assert!(none.body["data"]["addressWithheld"].is_null(), "{none:?}");
    let set = officer.graphql(WITHHOLD, args.clone()).await;
    assert_eq!(
        set.body["data"]["withholdAddress"]["reason"], REASON,
        "{set:?}"
    );
    let marker = officer.graphql(MARKER, json!({ "c": child.id })).await;
    assert_eq!(
        marker.body["data"]["addressWithheld"]["reason"], REASON,
        "{marker:?}"
    );
}

#[tokio::test]
async fn the_family_never_sees_why_the_address_is_withheld() {
    let app = spawn_app().await;
    let social_care = app.agency(AgencyKind::SocialCare).create().await;
    let child = child(&app, &[&social_care]).await;
    let lead = app
        .practitioner(&social_care)
        .roles([Role::SafeguardingLead])
        .purpose(Purpose::Safeguarding);
    let set = lead
        .graphql(WITHHOLD, json!({ "c": child.id, "r": REASON }))
        .await;
    assert!(set.body["data"]["withholdAddress"].is_object(), "{set:?}");

    let parent = app.family_member("mum-1");
    let everything = parent
        .graphql(
            "query($id: ID!) { child(id: $id) {
               access { scope allowed explanation denial fields }
               identity { givenName addressLine town postcode } } }",
            json!({ "id": child.id }),
        )
        .await;
    let body = everything.body.to_string();
    assert!(
        !body.contains("foster") && !body.contains("father"),
        "{body}"
    );
    let contact = everything.body["data"]["child"]["access"]
        .as_array()
        .expect("access")
        .iter()
        .find(|a| a["scope"] == "CONTACT")
        .cloned()
        .expect("CONTACT in access");
    assert_eq!(contact["allowed"], false, "{contact}");
    assert_eq!(contact["explanation"], consent::ADDRESS_WITHHELD_REASON);
    assert_eq!(
        contact["fields"],
        json!(["identity.addressLine", "identity.town", "identity.postcode"])
    );
    let asked = parent.graphql(MARKER, json!({ "c": child.id })).await;
    assert_eq!(asked.codes(), ["FORBIDDEN"], "{asked:?}");
    assert!(!asked.body.to_string().contains("foster"), "{asked:?}");
}
