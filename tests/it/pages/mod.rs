//! The family and provider pages over HTTP, as a browser without
//! JavaScript uses them: cookies, forms with their CSRF tokens, redirects
//! followed by hand so each step can be checked.

use std::collections::BTreeMap;

use reqwest::redirect::Policy;

use crate::helpers::TestApp;

mod oidc;
pub(crate) mod oidc_provider;
mod plan;
mod provider;
mod record;
mod session;
mod sharing;

/// A browser for the tests: keeps cookies, never follows redirects.
pub struct Browser {
    base: String,
    client: reqwest::Client,
    pub cookies: BTreeMap<String, String>,
}

/// A page's answer.
#[derive(Debug)]
pub struct Page {
    pub status: u16,
    pub location: Option<String>,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Page {
    /// The value of the first hidden input named `name`.
    pub fn hidden(&self, name: &str) -> Option<String> {
        let needle = format!("name=\"{name}\" value=\"");
        let start = self.body.find(&needle)? + needle.len();
        let end = self.body[start..].find('"')? + start;
        Some(self.body[start..end].to_owned())
    }

    /// The session's CSRF token, from any form on the page.
    pub fn csrf(&self) -> String {
        self.hidden("csrf")
            .unwrap_or_else(|| panic!("no CSRF token on the page:\n{}", self.body))
    }

    /// The `<main>` element's text with tags stripped and spaces collapsed.
    pub fn main_text(&self) -> String {
        let start = self.body.find("<main").unwrap_or(0);
        let end = self.body.find("</main>").unwrap_or(self.body.len());
        text_of(&self.body[start..end])
    }
}

/// Text without tags, spaces collapsed, the common entities decoded.
pub fn text_of(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => {
                in_tag = true;
                out.push(' ');
            }
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    let out = out
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#x2f;", "/");
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

impl Browser {
    pub fn new(app: &TestApp) -> Self {
        Self {
            base: app.address.clone(),
            client: reqwest::Client::builder()
                .redirect(Policy::none())
                .build()
                .expect("client"),
            cookies: BTreeMap::new(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn keep(&mut self, response: reqwest::Response) -> Page {
        for v in response.headers().get_all(reqwest::header::SET_COOKIE) {
            let text = v.to_str().expect("cookie text");
            let pair = text.split(';').next().expect("pair");
            let (k, val) = pair.split_once('=').expect("name=value");
            if val.is_empty() || text.contains("Max-Age=0") {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_owned(), val.to_owned());
            }
        }
        Page {
            status: response.status().as_u16(),
            location: response
                .headers()
                .get(reqwest::header::LOCATION)
                .map(|v| v.to_str().expect("location").to_owned()),
            headers: response.headers().clone(),
            body: response.text().await.expect("body"),
        }
    }

    /// GET a path on the hub.
    pub async fn get(&mut self, path: &str) -> Page {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .header(reqwest::header::COOKIE, self.cookie_header())
            .send()
            .await
            .expect("request sent");
        self.keep(response).await
    }

    /// GET an absolute URL (another site, such as an identity provider).
    pub async fn get_url(&mut self, url: &str) -> Page {
        let response = self.client.get(url).send().await.expect("request sent");
        self.keep(response).await
    }

    /// POST a form (urlencoded) to a path on the hub.
    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let response = self
            .client
            .post(format!("{}{path}", self.base))
            .header(reqwest::header::COOKIE, self.cookie_header())
            .form(form)
            .send()
            .await
            .expect("request sent");
        self.keep(response).await
    }

    /// Follows a redirect answer with a GET.
    pub async fn follow(&mut self, page: &Page) -> Page {
        let to = page
            .location
            .as_deref()
            .unwrap_or_else(|| panic!("not a redirect: {} {}", page.status, page.body));
        self.get(to).await
    }

    /// Signs in with these identity claims (a fixture persona's
    /// `claims()`), as the end of an identity provider's sign-in would: a
    /// session row made as the hub makes one, its cookie in the jar.
    pub async fn sign_in_with_claims(&mut self, app: &TestApp, claims: &serde_json::Value) {
        let token = api::web::session::random_token();
        let now = chrono::Utc::now();
        app.store
            .create_web_session(&store::WebSession {
                token_hash: api::web::session::hash(&token),
                claims: claims.to_string(),
                csrf: api::web::session::random_token(),
                provider: "TEST".to_owned(),
                signed_in_at: now,
                idle_until: now + chrono::Duration::minutes(30),
                expires_at: now + chrono::Duration::hours(8),
            })
            .await
            .expect("a session");
        self.cookies
            .insert(api::web::session::SESSION_COOKIE.to_owned(), token);
    }

    /// Signs in as a demo persona with the picker, as a person would.
    pub async fn sign_in_as(&mut self, persona: &str) -> Page {
        let signin = self.get("/signin").await;
        assert_eq!(signin.status, 200, "{}", signin.body);
        let token = signin.hidden("signin_token").expect("sign-in token");
        let done = self
            .post(
                "/signin/demo",
                &[("persona", persona), ("signin_token", &token), ("next", "")],
            )
            .await;
        assert_eq!(done.status, 303, "{}", done.body);
        self.follow(&done).await
    }
}
