//! Sessions: the way in and out of the pages.

use super::Browser;
use crate::helpers::spawn_demo_app;

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
