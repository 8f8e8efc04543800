//! Signing in with OpenID Connect, against the test provider: the whole
//! flow by hand (hub → provider → hub's callback → the family's page), and
//! every callback the hub must refuse.

use domain::AgencyKind;
use serde_json::{Value, json};

use super::oidc_provider::{Misbehave, Provider};
use super::{Browser, Page};
use crate::helpers::{TestApp, spawn_app_with};

/// Where the tests' hub says it lives: only a name in the redirect URL
/// (the provider sends the browser back there; the test replays the
/// callback's path and query on the hub itself).
const HUB_URL: &str = "http://localhost:1";

async fn hub_for(provider: &Provider) -> TestApp {
    let settings = provider.settings(HUB_URL);
    spawn_app_with(move |s| {
        s.web.public_url = Some(HUB_URL.to_owned());
        s.web.oidc = Some(settings);
        s.web.personas = false;
    })
    .await
}

/// `/signin/oidc` → the provider's `/authorize` → the callback URL the
/// provider sent the browser to (its path and query on the hub).
async fn to_provider_and_back(browser: &mut Browser, provider: &Provider, next: &str) -> String {
    let start = browser.get(&format!("/signin/oidc{next}")).await;
    assert_eq!(start.status, 303, "{}", start.body);
    let to_idp = start.location.clone().expect("to the provider");
    assert!(
        to_idp.starts_with(&format!("{}/authorize?", provider.issuer)),
        "{to_idp}"
    );
    for part in [
        "code_challenge_method=S256",
        "nonce=",
        "state=",
        "scope=openid",
    ] {
        assert!(to_idp.contains(part), "{part} missing from {to_idp}");
    }
    let back = browser.get_url(&to_idp).await;
    assert_eq!(back.status, 303, "{}", back.body);
    let back = back.location.expect("back to the hub");
    back.strip_prefix(HUB_URL)
        .unwrap_or_else(|| panic!("not back to the hub: {back}"))
        .to_owned()
}

/// A parent with a child on the hub, and the provider ready to sign them in.
async fn parent_and_child(app: &TestApp, provider: &Provider) -> Value {
    app.child()
        .named("Ada", "Okafor")
        .with_parent("parent-ada")
        .create()
        .await;
    let mut identity = app.family_member("parent-ada").claims();
    identity["name"] = json!("Grace Okafor");
    provider.will_sign_in(identity.clone());
    identity
}

fn says(page: &Page, words: &str) {
    let text = page.main_text();
    assert!(text.contains(words), "expected {words:?} in: {text}");
}

/// AUTH_FAILED entries' reasons.
async fn failure_reasons(app: &TestApp) -> Vec<String> {
    let filter = store::TraceFilter {
        action: Some(consent::trace::TraceAction::AuthFailed),
        ..Default::default()
    };
    app.store
        .search_trace(&filter, 0, 100)
        .await
        .expect("search")
        .into_iter()
        .filter_map(|r| r.entry.details.get("reason").cloned())
        .collect()
}

#[tokio::test]
async fn a_parent_signs_in_with_the_provider_and_sees_their_child() {
    let provider = Provider::start().await;
    let app = hub_for(&provider).await;
    parent_and_child(&app, &provider).await;
    let mut browser = Browser::new(&app);

    let signin = browser.get("/signin").await;
    assert_eq!(signin.status, 200);
    assert!(
        signin.body.contains("href=\"/signin/oidc\""),
        "{}",
        signin.body
    );
    assert!(!signin.body.contains("/signin/demo"), "no picker");

    let callback = to_provider_and_back(&mut browser, &provider, "").await;
    assert!(callback.starts_with("/signin/callback?code="), "{callback}");
    let done = browser.get(&callback).await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(done.location.as_deref(), Some("/family"));
    assert!(
        !browser.cookies.contains_key("tellonce_oidc"),
        "the binding cookie is spent"
    );
    let home = browser.follow(&done).await;
    assert_eq!(home.status, 200, "{}", home.body);
    says(&home, "Ada Okafor");
    assert!(home.body.contains("Grace Okafor"), "greeted by name");
    assert!(provider.refusals().is_empty(), "{:?}", provider.refusals());

    // The session is the hub's: its row says how they signed in.
    let token = browser.cookies["tellonce_session"].clone();
    let session = app
        .store
        .web_session(&api::web::session::hash(&token), chrono::Utc::now())
        .await
        .expect("read")
        .expect("a session");
    assert_eq!(session.provider, "OIDC");
    let claims: Value = serde_json::from_str(&session.claims).expect("claims");
    assert_eq!(claims["person_id"], "parent-ada");
    assert_eq!(claims["roles"], json!(["family"]));
}

#[tokio::test]
async fn next_is_kept_on_this_hub_and_another_site_is_ignored() {
    let provider = Provider::start().await;
    let app = hub_for(&provider).await;
    parent_and_child(&app, &provider).await;

    let mut browser = Browser::new(&app);
    let callback = to_provider_and_back(&mut browser, &provider, "?next=/family/children").await;
    let done = browser.get(&callback).await;
    assert_eq!(done.location.as_deref(), Some("/family/children"));

    for evil in [
        "https://evil.example/family",
        "//evil.example/family",
        "/family//evil.example",
    ] {
        let mut browser = Browser::new(&app);
        let next = format!("?next={}", api::web::session::urlencode(evil));
        let callback = to_provider_and_back(&mut browser, &provider, &next).await;
        let done = browser.get(&callback).await;
        assert_eq!(done.status, 303, "{}", done.body);
        assert_eq!(done.location.as_deref(), Some("/family"), "{evil}");
    }
}

#[tokio::test]
async fn a_state_works_once_in_the_browser_that_started_it() {
    let provider = Provider::start().await;
    let app = hub_for(&provider).await;
    parent_and_child(&app, &provider).await;

    // Replayed: the same callback again, binding cookie and all.
    let mut browser = Browser::new(&app);
    let callback = to_provider_and_back(&mut browser, &provider, "").await;
    let bind = browser.cookies["tellonce_oidc"].clone();
    assert_eq!(browser.get(&callback).await.status, 303);
    let mut replay = Browser::new(&app);
    replay.cookies.insert("tellonce_oidc".into(), bind);
    let again = replay.get(&callback).await;
    assert_eq!(again.status, 400, "{}", again.body);
    says(&again, "This sign-in link has expired");
    assert!(!replay.cookies.contains_key("tellonce_session"));

    // A state the hub never sent.
    let mut browser = Browser::new(&app);
    let callback = to_provider_and_back(&mut browser, &provider, "").await;
    let (before, _) = callback.split_once("&state=").expect("state");
    let wrong = browser.get(&format!("{before}&state=made-up")).await;
    assert_eq!(wrong.status, 400, "{}", wrong.body);
    says(&wrong, "This sign-in link has expired");

    // No binding cookie: another browser carrying the callback link.
    let mut browser = Browser::new(&app);
    let callback = to_provider_and_back(&mut browser, &provider, "").await;
    let mut other = Browser::new(&app);
    let elsewhere = other.get(&callback).await;
    assert_eq!(elsewhere.status, 400, "{}", elsewhere.body);
    says(&elsewhere, "same web browser");
    assert!(!other.cookies.contains_key("tellonce_session"));
    // A wrong binding cookie finds nothing either.
    other
        .cookies
        .insert("tellonce_oidc".into(), api::web::session::random_token());
    let wrong_bind = other.get(&callback).await;
    assert_eq!(wrong_bind.status, 400);
    says(&wrong_bind, "This sign-in link has expired");
    // The browser that started it still can: nothing was spent.
    let done = browser.get(&callback).await;
    assert_eq!(done.status, 303, "{}", done.body);

    // No state at all, and garbage.
    let mut browser = Browser::new(&app);
    let _ = to_provider_and_back(&mut browser, &provider, "").await;
    for bad in [
        "/signin/callback",
        "/signin/callback?code=x",
        "/signin/callback?state=%ZZ",
    ] {
        let page = browser.get(bad).await;
        assert_eq!(page.status, 400, "{bad}: {}", page.body);
    }
}

#[tokio::test]
async fn id_tokens_that_fail_verification_are_refused_and_recorded() {
    let provider = Provider::start().await;
    let app = hub_for(&provider).await;
    parent_and_child(&app, &provider).await;
    for (how, reason) in [
        (Misbehave::WrongNonce, "wrong_nonce"),
        (Misbehave::WrongAudience, "wrong_audience"),
        (Misbehave::WrongIssuer, "wrong_issuer"),
        (Misbehave::Expired, "expired"),
        (Misbehave::BadSignature, "bad_signature"),
    ] {
        provider.misbehave(how);
        let mut browser = Browser::new(&app);
        let callback = to_provider_and_back(&mut browser, &provider, "").await;
        let page = browser.get(&callback).await;
        assert_eq!(page.status, 400, "{how:?}: {}", page.body);
        says(&page, "We could not sign you in");
        assert!(
            !browser.cookies.contains_key("tellonce_session"),
            "{how:?} signed in"
        );
        assert!(
            failure_reasons(&app).await.iter().any(|r| r == reason),
            "{how:?}: {:?}",
            failure_reasons(&app).await
        );
    }
    // The provider behaving again: the same hub signs them in.
    provider.misbehave(Misbehave::Nothing);
    let mut browser = Browser::new(&app);
    let callback = to_provider_and_back(&mut browser, &provider, "").await;
    assert_eq!(browser.get(&callback).await.status, 303);
}

#[tokio::test]
async fn an_identity_whose_agency_is_not_registered_is_refused() {
    let provider = Provider::start().await;
    let app = hub_for(&provider).await;
    let school = app.agency(AgencyKind::School).create().await;
    let mut identity = app.practitioner(&school).claims();
    // An agency the register has never heard of.
    identity["agency_id"] = json!(uuid::Uuid::new_v4().to_string());
    provider.will_sign_in(identity);
    let mut browser = Browser::new(&app);
    let callback = to_provider_and_back(&mut browser, &provider, "").await;
    let page = browser.get(&callback).await;
    assert_eq!(page.status, 403, "{}", page.body);
    says(&page, "Your account cannot use tellonce");
    assert!(!page.main_text().contains("unknown_agency"));
    assert!(!browser.cookies.contains_key("tellonce_session"));
    assert!(
        failure_reasons(&app)
            .await
            .iter()
            .any(|r| r == "unknown_agency")
    );

    // The same practitioner with their registered agency gets in.
    provider.will_sign_in(app.practitioner(&school).claims());
    let mut browser = Browser::new(&app);
    let callback = to_provider_and_back(&mut browser, &provider, "").await;
    let done = browser.get(&callback).await;
    assert_eq!(done.location.as_deref(), Some("/provider"), "{}", done.body);

    // Claims that make no principal (no roles) are refused too.
    provider.will_sign_in(json!({ "sub": "nobody" }));
    let mut browser = Browser::new(&app);
    let callback = to_provider_and_back(&mut browser, &provider, "").await;
    assert_eq!(browser.get(&callback).await.status, 403);
    assert!(
        failure_reasons(&app)
            .await
            .iter()
            .any(|r| r == "missing_claim")
    );

    // Someone with no pages (an IG auditor) is told so.
    let ig = app.ig_auditor().await;
    provider.will_sign_in(ig.claims());
    let mut browser = Browser::new(&app);
    let callback = to_provider_and_back(&mut browser, &provider, "").await;
    let page = browser.get(&callback).await;
    assert_eq!(page.status, 403, "{}", page.body);
    says(&page, "no pages");
}

#[tokio::test]
async fn the_providers_error_is_a_plain_page() {
    let provider = Provider::start().await;
    let app = hub_for(&provider).await;
    let mut browser = Browser::new(&app);
    let start = browser.get("/signin/oidc").await;
    let to_idp = start.location.expect("to the provider");
    let state = to_idp
        .split(['?', '&'])
        .find_map(|p| p.strip_prefix("state="))
        .expect("state")
        .to_owned();
    let page = browser
        .get(&format!(
            "/signin/callback?error=access_denied&error_description=%3Cb%3Eno%3C%2Fb%3E&state={state}"
        ))
        .await;
    assert_eq!(page.status, 400, "{}", page.body);
    says(&page, "You did not finish signing in");
    assert!(!page.body.contains("<b>no</b>"));
    // The sign-in in flight is spent.
    assert!(!browser.cookies.contains_key("tellonce_oidc"));
}

#[tokio::test]
async fn a_provider_that_is_down_does_not_stop_the_hub() {
    // Nothing listens on the issuer's port.
    let provider = Provider::start().await;
    let mut settings = provider.settings(HUB_URL);
    drop(provider);
    settings.issuer = "http://127.0.0.1:9".to_owned();
    let app = spawn_app_with(move |s| {
        s.web.public_url = Some(HUB_URL.to_owned());
        s.web.oidc = Some(settings);
    })
    .await;
    let mut browser = Browser::new(&app);
    let page = browser.get("/signin/oidc").await;
    assert_eq!(page.status, 503, "{}", page.body);
    says(&page, "you cannot sign in right now");
    // The API answers all the same.
    let answer = app
        .graphql_as(None, None, "{ __typename }", json!({}))
        .await;
    assert_eq!(answer.status, 401);
}

#[tokio::test]
async fn without_a_provider_the_oidc_routes_are_not_found() {
    let app = spawn_app_with(|_| {}).await;
    let mut browser = Browser::new(&app);
    assert_eq!(browser.get("/signin/oidc").await.status, 404);
    assert_eq!(
        browser.get("/signin/callback?code=a&state=b").await.status,
        404
    );
    let signin = browser.get("/signin").await;
    assert!(!signin.body.contains("/signin/oidc"));
}
