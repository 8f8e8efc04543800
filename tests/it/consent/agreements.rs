use consent::Purpose;
use domain::{AgencyKind, Scope};
use serde_json::json;

use super::*;
use crate::fixtures::Agency;
use crate::helpers::*;

const PUBLISH: &str =
    "mutation($source: String!) { publishAgreement(source: $source) { version title } }";

// ---------------------------------------------------------------------------
// Agreements bound consent.
// ---------------------------------------------------------------------------

#[tokio::test]
async fn consent_cannot_widen_the_agreement_and_restricted_is_never_consentable() {
    // The school may read the education of a child aged 9 (her mother
    // agreed); no agreement lets a school read mental health.
    let app = spawn_app().await;
    let child = child_aged_9(&app).await;
    let school = school_reading(&app, &child, [Scope::Education]).await;
    let parent = app.family_member("parent-1").token();
    let senco = app.practitioner(&school).token();
    let child_id = child.id;
    let granted = grant(
        &app,
        &parent,
        json!({
            "childId": child_id,
            "recipientAgencyId": school.id,
            "scopes": ["MENTAL_HEALTH"],
            "purposes": ["DIRECT_SUPPORT"],
        }),
    )
    .await;
    let receipt = &granted.body["data"]["grantConsent"];
    assert_eq!(receipt["event"], "GRANTED", "{granted:?}");
    assert_eq!(receipt["recipientAgencyId"], school.id.to_string());
    let grant_id = receipt["grantId"].as_str().expect("grant id").to_owned();
    let recorded = find_grant(&app, &parent, child_id, |c| c["id"] == grant_id.as_str()).await;
    assert_eq!(recorded, grant_id);

    let senco = read_child(&app, &senco, Some("DIRECT_SUPPORT"), child_id).await;
    assert_withheld(&senco, "mentalHealth", "NOT_PERMITTED", "MENTAL_HEALTH");
    assert_eq!(access(&senco, "MENTAL_HEALTH")["denial"], "NOT_PERMITTED");
    assert!(!senco.body.to_string().contains("WAITING"), "{senco:?}");
    // The school still reads what its agreement and grant allow.
    assert_visible(&senco, "education");

    for scopes in [json!(["RESTRICTED"]), json!(["EDUCATION", "RESTRICTED"])] {
        let refused = grant(
            &app,
            &parent,
            json!({
                "childId": child_id,
                "recipientAgencyKind": "SOCIAL_CARE",
                "scopes": scopes,
                "purposes": ["SAFEGUARDING"],
            }),
        )
        .await;
        assert_eq!(refused.codes(), vec!["BAD_USER_INPUT"], "{refused:?}");
        assert_eq!(field(&refused), "scopes", "{refused:?}");
    }
}

// ---------------------------------------------------------------------------
// Publishing an agreement.
// ---------------------------------------------------------------------------

#[tokio::test]
async fn a_published_agreement_governs_the_very_next_decision() {
    // A child aged 9 whose mother lets the school read her physical health
    // and education; the health service has no grant.
    let app = spawn_app().await;
    let child = child_aged_9(&app).await;
    let school = school_reading(&app, &child, [Scope::PhysicalHealth, Scope::Education]).await;
    let health_service = app.agency(AgencyKind::Health).create().await;
    let senco_persona = app.practitioner(&school);
    let senco = senco_persona.token();
    let health = app.practitioner(&health_service).token();
    // The health service works with the child: its statutory rule for
    // direct support needs that current involvement.
    app.involve(child.id, &health_service).await;
    let ig_auditor = app.ig_auditor().await;
    let ig_admin = app.ig_admin().await;
    let parent = app.family_member("parent-1");
    let child_id = child.id;
    let version = "{ agreement { version } }";

    let before = read_child(&app, &senco, Some("DIRECT_SUPPORT"), child_id).await;
    assert_visible(&before, "physicalHealth");
    assert_eq!(access(&before, "PHYSICAL_HEALTH")["agreementVersion"], 1);
    let v1 = senco_persona.graphql(version, json!({})).await;
    assert_eq!(v1.body["data"]["agreement"]["version"], 1, "{v1:?}");

    // Version 2: schools no longer read physical health; health reads it by law.
    let default = include_str!("../../../consent/agreements/default.toml");
    let school_rule = r#"scopes = ["PHYSICAL_HEALTH", "PSYCHOLOGY", "PREPARING_FOR_ADULTHOOD"]"#;
    assert!(
        default.contains(school_rule),
        "the default agreement changed"
    );
    let source = format!(
        "{}\n[[rule]]\nagencies = [\"HEALTH\"]\nscopes = [\"PHYSICAL_HEALTH\"]\npurposes = [\"DIRECT_SUPPORT\"]\nread = true\nstatutory = true\n\
         article6 = \"E_PUBLIC_TASK\"\ncondition = \"H_SCH1_PARA2\"\n\
         gateway = \"Health and Social Care Act 2012 s.251B\"\n",
        default.replace(
            school_rule,
            r#"scopes = ["PSYCHOLOGY", "PREPARING_FOR_ADULTHOOD"]"#
        )
    );

    for persona in [&ig_auditor, &senco_persona, &parent] {
        let refused = persona.graphql(PUBLISH, json!({ "source": source })).await;
        let who = persona.subject();
        assert_eq!(refused.codes(), vec!["FORBIDDEN"], "{who}: {refused:?}");
    }
    for bad in [
        "title = ".to_owned(),
        format!("{default}\nunknown_key = 1\n"),
        // RESTRICTED may be read only for safeguarding.
        format!(
            "{default}\n[[rule]]\nagencies = [\"SCHOOL\"]\nscopes = [\"RESTRICTED\"]\npurposes = [\"DIRECT_SUPPORT\"]\nread = true\n\
             article6 = \"E_PUBLIC_TASK\"\ncondition = \"G_SCH1_PARA18\"\ngateway = \"Children Act 1989 s.47\"\n"
        ),
    ] {
        let refused = ig_admin.graphql(PUBLISH, json!({ "source": bad })).await;
        assert_eq!(refused.codes(), vec!["BAD_USER_INPUT"], "{refused:?}");
        assert_eq!(field(&refused), "source", "{refused:?}");
    }
    let still = senco_persona.graphql(version, json!({})).await;
    assert_eq!(
        still.body["data"]["agreement"]["version"], 1,
        "refused sources must not be published: {still:?}"
    );

    let published = ig_admin.graphql(PUBLISH, json!({ "source": source })).await;
    assert_eq!(
        published.body["data"]["publishAgreement"]["version"], 2,
        "{published:?}"
    );
    let v2 = senco_persona.graphql(version, json!({})).await;
    assert_eq!(v2.body["data"]["agreement"]["version"], 2, "{v2:?}");

    let after = read_child(&app, &senco, Some("DIRECT_SUPPORT"), child_id).await;
    assert_withheld(&after, "physicalHealth", "NOT_PERMITTED", "PHYSICAL_HEALTH");
    assert!(!after.body.to_string().contains("Peanuts"), "{after:?}");
    let entry = access(&after, "PHYSICAL_HEALTH");
    assert_eq!(entry["agreementVersion"], 2, "{entry}");
    assert_eq!(entry["denial"], "NOT_PERMITTED", "{entry}");
    // The rest of the school's access is unchanged, now under version 2.
    assert_visible(&after, "education");
    assert_eq!(access(&after, "EDUCATION")["agreementVersion"], 2);

    let health_read = read_child(&app, &health, Some("DIRECT_SUPPORT"), child_id).await;
    assert_visible(&health_read, "physicalHealth");
    let entry = access(&health_read, "PHYSICAL_HEALTH");
    assert_eq!(entry["basis"], "PUBLIC_TASK", "{entry}");
    assert_eq!(entry["agreementVersion"], 2, "{entry}");

    // The earlier version stays readable.
    let old = ig_auditor
        .graphql(
            "{ agreement(version: 1) { version rules { agencyKind scope purpose read } } }",
            json!({}),
        )
        .await;
    let school_read_health = old.body["data"]["agreement"]["rules"]
        .as_array()
        .is_some_and(|rules| {
            rules.iter().any(|r| {
                r["agencyKind"] == "SCHOOL"
                    && r["scope"] == "PHYSICAL_HEALTH"
                    && r["purpose"] == "DIRECT_SUPPORT"
                    && r["read"] == true
            })
        });
    assert!(school_read_health, "{old:?}");
}

/// A school in the register that the mother (`parent-1`) lets read `scopes`
/// of `child` for direct support.
async fn school_reading(
    app: &TestApp,
    child: &Child,
    scopes: impl IntoIterator<Item = Scope>,
) -> Agency {
    let school = app
        .agency(AgencyKind::School)
        .named("Riverside Primary School")
        .create()
        .await;
    app.family_member("parent-1")
        .grant(child)
        .to(&school)
        .scopes(scopes)
        .purposes([Purpose::DirectSupport])
        .create()
        .await;
    school
}
