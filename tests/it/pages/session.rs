//! Sessions: the way in and out of the pages.

use std::time::Duration;

use domain::AgencyKind;
use sea_orm::EntityTrait;

use super::Browser;
use crate::helpers::{spawn_app, spawn_demo_app, spawn_demo_app_with};

#[tokio::test]
async fn a_parent_signs_in_sees_their_child_and_signs_out() {
    let app = spawn_demo_app().await;
    let mut browser = Browser::new(&app);
    let home = browser.sign_in_as("parent").await;
    assert_eq!(home.status, 200, "{}", home.body);
    let text = home.main_text();
    assert!(text.contains("My children"), "{text}");
    assert!(text.contains("Mira Khan"), "{text}");
    let cookie = home.headers.get("content-security-policy").expect("CSP");
    assert!(cookie.to_str().expect("csp").contains("default-src 'none'"));

    let out = browser.post("/signout", &[("csrf", &home.csrf())]).await;
    assert_eq!(
        (out.status, out.location.as_deref()),
        (303, Some("/signin"))
    );
    let after = browser.get("/family").await;
    assert_eq!(after.status, 303);
    assert!(
        after
            .location
            .as_deref()
            .is_some_and(|l| l.starts_with("/signin?next=/family")),
        "{:?}",
        after.location
    );
}

/// The `Set-Cookie` header that sets the session cookie.
fn session_cookie_header(page: &super::Page) -> String {
    page.headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("tellonce_session=") && !v.contains("Max-Age=0"))
        .unwrap_or_else(|| panic!("no session cookie set: {:?}", page.headers))
        .to_owned()
}

/// Signs in with the picker as `persona`; returns the answer that set the
/// session cookie (the 303).
async fn pick(browser: &mut Browser, persona: &str) -> super::Page {
    let signin = browser.get("/signin").await;
    let token = signin.hidden("signin_token").expect("sign-in token");
    browser
        .post(
            "/signin/demo",
            &[("persona", persona), ("signin_token", &token), ("next", "")],
        )
        .await
}

#[tokio::test]
async fn the_session_cookie_is_httponly_lax_and_secure_only_over_https() {
    let app = spawn_demo_app().await;
    let mut browser = Browser::new(&app);
    let done = pick(&mut browser, "parent").await;
    assert_eq!(done.status, 303, "{}", done.body);
    let cookie = session_cookie_header(&done);
    assert!(cookie.contains("; HttpOnly"), "{cookie}");
    assert!(cookie.contains("; SameSite=Lax"), "{cookie}");
    assert!(cookie.contains("; Path=/"), "{cookie}");
    assert!(!cookie.contains("Secure"), "{cookie}");

    let app = spawn_demo_app_with(|s| {
        s.web.public_url = Some("https://tellonce.example.gov.uk".to_owned());
    })
    .await;
    let mut browser = Browser::new(&app);
    let done = pick(&mut browser, "parent").await;
    let cookie = session_cookie_header(&done);
    assert!(cookie.contains("; Secure"), "{cookie}");
    assert!(cookie.contains("; HttpOnly"), "{cookie}");
}

#[tokio::test]
async fn a_session_ends_after_idle_time_with_a_notice() {
    let app = spawn_demo_app_with(|s| s.web.session_idle = Duration::from_secs(1)).await;
    let mut browser = Browser::new(&app);
    let home = browser.sign_in_as("parent").await;
    assert_eq!(home.status, 200, "{}", home.body);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = browser.get("/family").await;
    assert_eq!(after.status, 303);
    assert_eq!(
        after.location.as_deref(),
        Some("/signin?next=/family&ended=1")
    );
    assert!(!browser.cookies.contains_key("tellonce_session"), "cleared");
    let signin = browser.follow(&after).await;
    assert!(
        signin.main_text().contains("You were signed out"),
        "{}",
        signin.main_text()
    );
}

#[tokio::test]
async fn a_session_ends_at_its_absolute_end_however_busy() {
    let app = spawn_demo_app_with(|s| s.web.session_max = Duration::from_secs(1)).await;
    let mut browser = Browser::new(&app);
    // Read the row as of before the sign-in finished: on a loaded machine
    // the one-second session may already have ended by the time we look.
    let signing_in = chrono::Utc::now();
    let home = browser.sign_in_as("parent").await;
    assert_eq!(home.status, 200, "{}", home.body);
    // Being busy never moves the end: the idle deadline stops at it.
    let token = browser.cookies["tellonce_session"].clone();
    let row = app
        .store
        .web_session(&api::web::session::hash(&token), signing_in)
        .await
        .expect("read")
        .expect("live");
    assert!(row.idle_until <= row.expires_at, "{row:?}");
    assert!(row.expires_at <= row.signed_in_at + chrono::Duration::seconds(1));
    // Until a second after the end, however long the sign-in took.
    let past_end = (row.expires_at - chrono::Utc::now() + chrono::Duration::seconds(1))
        .to_std()
        .unwrap_or_default();
    tokio::time::sleep(past_end).await;
    let after = browser.get("/family").await;
    assert_eq!(after.status, 303);
    assert!(
        after
            .location
            .as_deref()
            .is_some_and(|l| l.ends_with("&ended=1")),
        "{:?}",
        after.location
    );

    // And a row past its end is refused even if its idle time is not up.
    let token = api::web::session::random_token();
    let now = chrono::Utc::now();
    app.store
        .create_web_session(&store::WebSession {
            token_hash: api::web::session::hash(&token),
            claims: api::demo::persona_claims(&api::demo::persona("parent").expect("parent"))
                .to_string(),
            csrf: api::web::session::random_token(),
            provider: "TEST".to_owned(),
            signed_in_at: now - chrono::Duration::hours(9),
            idle_until: now + chrono::Duration::minutes(30),
            expires_at: now - chrono::Duration::minutes(1),
        })
        .await
        .expect("a session");
    let mut stale = Browser::new(&app);
    stale.cookies.insert("tellonce_session".into(), token);
    assert_eq!(stale.get("/family").await.status, 303);
}

#[tokio::test]
async fn signing_out_deletes_the_session_so_its_cookie_is_dead() {
    let app = spawn_demo_app().await;
    let mut browser = Browser::new(&app);
    let home = browser.sign_in_as("parent").await;
    let token = browser.cookies["tellonce_session"].clone();
    let out = browser.post("/signout", &[("csrf", &home.csrf())]).await;
    assert_eq!(out.status, 303);
    let gone = app
        .store
        .web_session(&api::web::session::hash(&token), chrono::Utc::now())
        .await
        .expect("read");
    assert!(gone.is_none(), "the row is deleted");
    // Replaying the old value (say, a copy of the cookie) gets nowhere.
    let mut replay = Browser::new(&app);
    replay.cookies.insert("tellonce_session".into(), token);
    let page = replay.get("/family").await;
    assert_eq!(page.status, 303);
    assert!(
        page.location
            .as_deref()
            .is_some_and(|l| l.starts_with("/signin")),
        "{:?}",
        page.location
    );
}

#[tokio::test]
async fn a_post_without_the_sessions_csrf_token_is_refused() {
    let app = spawn_demo_app().await;
    let mut browser = Browser::new(&app);
    let home = browser.sign_in_as("parent").await;
    let same_length = "x".repeat(43);
    for form in [
        vec![],
        vec![("csrf", "")],
        vec![("csrf", "not-the-token")],
        vec![("csrf", same_length.as_str())],
    ] {
        let page = browser.post("/signout", &form).await;
        assert_eq!(page.status, 403, "{form:?}: {}", page.body);
        assert!(
            page.main_text().contains("This form has expired"),
            "{}",
            page.main_text()
        );
    }
    // Still signed in: nothing was done.
    let again = browser.get("/family").await;
    assert_eq!(again.status, 200);
    assert_eq!(again.csrf(), home.csrf());
    // Another session's token does not work here either.
    let mut other = Browser::new(&app);
    let theirs = other.sign_in_as("parent").await;
    let page = browser.post("/signout", &[("csrf", &theirs.csrf())]).await;
    assert_eq!(page.status, 403);
}

#[tokio::test]
async fn a_session_whose_agency_left_the_register_is_ended() {
    let app = spawn_app().await;
    let school = app.agency(AgencyKind::School).create().await;
    let teacher = app.practitioner(&school);
    let mut browser = Browser::new(&app);
    browser.sign_in_with_claims(&app, &teacher.claims()).await;
    let token = browser.cookies["tellonce_session"].clone();
    let page = browser.get("/provider").await;
    assert_eq!(page.status, 200, "{}", page.body);

    store::entities::agency::Entity::delete_by_id(school.id)
        .exec(app.store.connection())
        .await
        .expect("the agency leaves the register");
    let page = browser.get("/provider").await;
    assert_eq!(page.status, 303);
    assert!(
        page.location
            .as_deref()
            .is_some_and(|l| l.ends_with("&ended=1")),
        "{:?}",
        page.location
    );
    let row = app
        .store
        .web_session(&api::web::session::hash(&token), chrono::Utc::now())
        .await
        .expect("read");
    assert!(row.is_none(), "the session row is gone");
}

#[tokio::test]
async fn the_demo_picker_needs_its_token_and_a_listed_persona() {
    let app = spawn_demo_app().await;
    let mut browser = Browser::new(&app);
    let signin = browser.get("/signin").await;
    let token = signin.hidden("signin_token").expect("token");
    for form in [
        vec![("persona", "parent")],
        vec![("persona", "parent"), ("signin_token", "wrong")],
    ] {
        let page = browser.post("/signin/demo", &form).await;
        assert_eq!(page.status, 403, "{form:?}: {}", page.body);
        assert!(!browser.cookies.contains_key("tellonce_session"));
    }
    // An empty cookie matched by an empty token is no token at all.
    let mut planted = Browser::new(&app);
    planted
        .cookies
        .insert("tellonce_signin".to_owned(), String::new());
    let page = planted
        .post(
            "/signin/demo",
            &[("persona", "parent"), ("signin_token", "")],
        )
        .await;
    assert_eq!(page.status, 403, "{}", page.body);
    assert!(!planted.cookies.contains_key("tellonce_session"));
    // The token must match this browser's cookie, not just be a token.
    let mut other = Browser::new(&app);
    let page = other
        .post(
            "/signin/demo",
            &[("persona", "parent"), ("signin_token", &token)],
        )
        .await;
    assert_eq!(page.status, 403, "{}", page.body);

    let page = browser
        .post(
            "/signin/demo",
            &[("persona", "nobody-at-all"), ("signin_token", &token)],
        )
        .await;
    assert_eq!(page.status, 400, "{}", page.body);
    assert!(
        page.main_text().contains("Choose who you are"),
        "{}",
        page.main_text()
    );
    assert!(!page.body.contains("nobody-at-all"));
}

#[tokio::test]
async fn without_personas_the_demo_picker_is_not_there() {
    let app = spawn_demo_app_with(|s| s.web.personas = false).await;
    let mut browser = Browser::new(&app);
    let signin = browser.get("/signin").await;
    assert_eq!(signin.status, 200);
    assert!(!signin.body.contains("/signin/demo"));
    assert!(signin.main_text().contains("Sign-in is not set up"));
    let token = signin.hidden("signin_token").unwrap_or_default();
    let page = browser
        .post(
            "/signin/demo",
            &[("persona", "parent"), ("signin_token", &token)],
        )
        .await;
    assert_eq!(page.status, 404, "{}", page.body);
    assert!(!browser.cookies.contains_key("tellonce_session"));
}
