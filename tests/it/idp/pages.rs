//! The pages' OIDC sign-in maps its ID token with the claims map of the
//! trusted issuer of the same `iss`: a families-only provider (NHS login,
//! GOV.UK One Login) whose map fixes the role and reads the person id from
//! `sub` signs a parent in by configuration alone, and every later request
//! of the session maps the same way.

use api::config::{ClaimsMap, IssuerSettings, KeySource};
use serde_json::json;

use super::hub_trusting_with;
use crate::pages::Browser;
use crate::pages::oidc_provider::{CLIENT_ID, Provider};

const HUB_URL: &str = "http://localhost:1";

#[tokio::test]
async fn a_families_provider_signs_a_parent_in_through_its_claims_map() {
    let provider = Provider::start().await;
    let families = IssuerSettings {
        name: "nhs-login".into(),
        issuer: provider.issuer.clone(),
        audience: vec![CLIENT_ID.into()],
        keys: KeySource::Discovery,
        claims: ClaimsMap {
            fixed_roles: vec!["family".into()],
            person_id: Some("/sub".into()),
            require_role: true,
            ..ClaimsMap::default()
        },
        allow_mixed_roles: false,
    };
    let oidc = provider.settings(HUB_URL);
    let app = hub_trusting_with(vec![families], move |s| {
        s.web.public_url = Some(HUB_URL.to_owned());
        s.web.oidc = Some(oidc);
        s.web.personas = false;
    })
    .await;
    app.child()
        .named("Ada", "Okafor")
        .with_parent("nhs-login-7f3a")
        .create()
        .await;
    // The provider's ID token has no `roles` or `person_id`: only its own
    // claims. The map makes the parent of it.
    provider.will_sign_in(json!({ "sub": "nhs-login-7f3a", "name": "Grace Okafor" }));

    let mut browser = Browser::new(&app);
    let start = browser.get("/signin/oidc").await;
    assert_eq!(start.status, 303, "{}", start.body);
    let back = browser
        .get_url(start.location.as_deref().expect("to the provider"))
        .await;
    let callback = back.location.expect("back to the hub");
    let done = browser
        .get(callback.strip_prefix(HUB_URL).expect("the hub's callback"))
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(done.location.as_deref(), Some("/family"));
    // The next requests map the session's claims the same way.
    for _ in 0..2 {
        let home = browser.get("/family").await;
        assert_eq!(home.status, 200, "{}", home.body);
        assert!(home.main_text().contains("Ada Okafor"), "{}", home.body);
    }
}
