//! GraphiQL on `GET /graphql` (introspection on) works offline: its page
//! and assets come from the hub itself, under a Content-Security-Policy that
//! allows no other origin and no inline script.

use reqwest::header::HeaderMap;

use crate::helpers::*;

/// GET `path`: status, headers and body.
async fn fetch(app: &TestApp, path: &str) -> (u16, HeaderMap, Vec<u8>) {
    let response = app
        .client
        .get(format!("{}{path}", app.address))
        .send()
        .await
        .expect("request sent");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.bytes().await.expect("body").to_vec();
    (status, headers, body)
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

/// The values of every `src="…"` and `href="…"` in `html`.
fn references(html: &str) -> Vec<String> {
    let mut found = Vec::new();
    for attribute in ["src=\"", "href=\""] {
        let mut rest = html;
        while let Some(at) = rest.find(attribute) {
            rest = &rest[at + attribute.len()..];
            let end = rest.find('"').expect("closing quote");
            found.push(rest[..end].to_owned());
            rest = &rest[end..];
        }
    }
    found
}

async fn page(app: &TestApp) -> (HeaderMap, String) {
    let (status, headers, body) = fetch(app, "/graphql").await;
    assert_eq!(status, 200);
    assert!(
        header(&headers, "content-type").starts_with("text/html"),
        "{headers:?}"
    );
    (headers, String::from_utf8(body).expect("UTF-8 page"))
}

#[tokio::test]
async fn the_page_references_only_the_hubs_own_paths() {
    let app = spawn_app().await;
    let (_, html) = page(&app).await;
    assert!(html.contains("graphiql"), "{html}");
    assert!(!html.to_lowercase().contains("http"), "{html}");
    let references = references(&html);
    assert!(
        references.len() >= 5,
        "react, react-dom, graphiql, its CSS and the start script: {references:?}"
    );
    for reference in &references {
        assert!(
            reference.starts_with('/') && !reference.starts_with("//"),
            "not a path on the hub: {reference}"
        );
    }
    // Every script is a file: the policy allows no inline script, nor
    // inline styles in the markup.
    for tag in html.split("<script").skip(1) {
        let tag = &tag[..tag.find('>').expect("tag ends")];
        assert!(
            tag.contains("src=\"/"),
            "a script without src: <script{tag}>"
        );
    }
    for inline in ["<style", " style=", " onload=", " onclick=", "javascript:"] {
        assert!(!html.contains(inline), "'{inline}' in {html}");
    }
}

#[tokio::test]
async fn each_asset_is_served_with_its_type() {
    let app = spawn_app().await;
    let (_, html) = page(&app).await;
    let mut total = 0;
    for reference in references(&html) {
        let (status, headers, body) = fetch(&app, &reference).await;
        assert_eq!(status, 200, "{reference}");
        let expected = if reference.ends_with(".js") {
            "text/javascript; charset=utf-8"
        } else if reference.ends_with(".css") {
            "text/css; charset=utf-8"
        } else {
            panic!("an asset of unknown type: {reference}")
        };
        assert_eq!(header(&headers, "content-type"), expected, "{reference}");
        assert_eq!(header(&headers, "x-content-type-options"), "nosniff");
        assert!(
            !header(&headers, "cache-control").is_empty(),
            "{reference}: {headers:?}"
        );
        assert!(body.len() > 100, "{reference} is {} bytes", body.len());
        total += body.len();
    }
    // GraphiQL and React themselves, not stubs.
    assert!(total > 1_000_000, "{total} bytes in all");
}

#[tokio::test]
async fn the_page_allows_no_other_origin() {
    let app = spawn_app().await;
    let (headers, _) = page(&app).await;
    let policy = header(&headers, "content-security-policy");
    let directives: Vec<(&str, Vec<&str>)> = policy
        .split(';')
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(|d| {
            let mut words = d.split_whitespace();
            (words.next().expect("name"), words.collect())
        })
        .collect();
    let sources = |name: &str| {
        directives
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, s)| s.clone())
            .unwrap_or_else(|| panic!("no {name} in '{policy}'"))
    };
    assert_eq!(sources("default-src"), ["'none'"]);
    assert_eq!(sources("script-src"), ["'self'"]);
    assert_eq!(sources("connect-src"), ["'self'"]);
    assert_eq!(sources("font-src"), ["'self'", "data:"]);
    assert_eq!(sources("base-uri"), ["'none'"]);
    assert_eq!(sources("form-action"), ["'none'"]);
    assert_eq!(sources("frame-ancestors"), ["'none'"]);
    assert_eq!(sources("style-src"), ["'self'"]);
    assert_eq!(sources("img-src"), ["'self'", "data:"]);
    for (name, sources) in &directives {
        for source in sources {
            let allowed = match *source {
                "'self'" | "'none'" => true,
                // GraphiQL's CSS embeds its icons and fonts.
                "data:" => ["img-src", "font-src"].contains(name),
                _ => false,
            };
            assert!(allowed, "{name} allows {source}: '{policy}'");
        }
    }
    assert_eq!(header(&headers, "referrer-policy"), "no-referrer");
    assert_eq!(header(&headers, "x-content-type-options"), "nosniff");
}

#[tokio::test]
async fn neither_page_nor_assets_are_served_without_introspection() {
    let on = spawn_app().await;
    let (_, html) = page(&on).await;
    let assets = references(&html);
    assert!(!assets.is_empty());

    let off = spawn_app_with(|s| {
        s.development = false;
        s.introspection = false;
    })
    .await;
    let (status, _, body) = fetch(&off, "/graphql").await;
    assert_eq!(status, 405);
    assert!(String::from_utf8_lossy(&body).contains("BAD_USER_INPUT"));
    for asset in assets {
        assert!(asset.starts_with('/'), "{asset}");
        assert_eq!(fetch(&off, &asset).await.0, 404, "{asset}");
    }
}
