//! `spawn_app()`: a real hub on 127.0.0.1:0 over a fresh database (a SQLite
//! temp file, or a new PostgreSQL database when `TELLONCE_TEST_DATABASE_URL`
//! is set), with the real migrations and the default agreement and nothing
//! else (build what a test needs with [`crate::fixtures`]);
//! `spawn_demo_app()` also loads the demo, for tests whose subject is the
//! demo story. Plus helpers to sign real JWTs (HS256, ES256 and RS256
//! through a JWKS file).

use std::path::PathBuf;
use std::time::Duration;

use api::config::{JwtSettings, Limits, Secret, Settings};
use api::startup::Application;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair, RSA_PKCS1_SHA256,
};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};
use store::Store;
use uuid::Uuid;

pub const ISSUER: &str = "https://idp.test.example";
pub const AUDIENCE: &str = "tellonce-test";

/// An ES256 key with its public JWK.
pub struct EcKey {
    pub kid: String,
    pkcs8: Vec<u8>,
    pub jwk: Value,
}

impl EcKey {
    pub fn generate(kid: &str) -> Self {
        let pair = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).expect("EC key");
        let pkcs8 = pair.to_pkcs8v1().expect("pkcs8").as_ref().to_vec();
        let point = pair.public_key().as_ref(); // 0x04 || x || y
        let jwk = json!({
            "kty": "EC", "crv": "P-256", "kid": kid, "use": "sig", "alg": "ES256",
            "x": B64.encode(&point[1..33]), "y": B64.encode(&point[33..65]),
        });
        Self {
            kid: kid.to_owned(),
            pkcs8,
            jwk,
        }
    }

    pub fn sign(&self, claims: &Value) -> String {
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(self.kid.clone());
        self.sign_with_header(&header, claims)
    }

    /// Signs with a header the test chooses (say, one without `kid`).
    pub fn sign_with_header(&self, header: &Header, claims: &Value) -> String {
        jsonwebtoken::encode(header, claims, &EncodingKey::from_ec_der(&self.pkcs8))
            .expect("sign ES256")
    }
}

/// An RS256 key with its public JWK. Tokens are assembled by hand so that
/// tests can also forge headers.
pub struct RsaKey {
    pub kid: String,
    pair: aws_lc_rs::rsa::KeyPair,
    pub jwk: Value,
    /// DER of the public key, for algorithm-confusion attempts.
    pub public_der: Vec<u8>,
}

impl RsaKey {
    pub fn generate(kid: &str) -> Self {
        let pair =
            aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).expect("RSA key");
        let public = pair.public_key();
        let jwk = json!({
            "kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256",
            "n": B64.encode(public.modulus().big_endian_without_leading_zero()),
            "e": B64.encode(public.exponent().big_endian_without_leading_zero()),
        });
        let public_der = public.as_ref().to_vec();
        Self {
            kid: kid.to_owned(),
            pair,
            jwk,
            public_der,
        }
    }

    pub fn sign(&self, claims: &Value) -> String {
        self.sign_with_header(
            &json!({ "alg": "RS256", "typ": "JWT", "kid": self.kid }),
            claims,
        )
    }

    /// Signs with a header the test chooses (say, one without `kid`).
    pub fn sign_with_header(&self, header: &Value, claims: &Value) -> String {
        let message = format!(
            "{}.{}",
            B64.encode(header.to_string()),
            B64.encode(claims.to_string())
        );
        let mut signature = vec![0; self.pair.public_modulus_len()];
        self.pair
            .sign(
                &RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                message.as_bytes(),
                &mut signature,
            )
            .expect("sign RS256");
        format!("{message}.{}", B64.encode(signature))
    }
}

/// A token with an arbitrary header and an HMAC over it with `secret`.
pub fn forge_hs(header: &Value, claims: &Value, secret: &[u8]) -> String {
    let message = format!(
        "{}.{}",
        B64.encode(header.to_string()),
        B64.encode(claims.to_string())
    );
    let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, secret);
    let tag = aws_lc_rs::hmac::sign(&key, message.as_bytes());
    format!("{message}.{}", B64.encode(tag.as_ref()))
}

/// The test database, dropped with the app.
enum TestDb {
    Sqlite(PathBuf),
    Postgres { admin_url: String, name: String },
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match self {
            TestDb::Sqlite(path) => {
                for suffix in ["", "-wal", "-shm", "-journal"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            TestDb::Postgres { admin_url, name } => {
                let (admin_url, name) = (admin_url.clone(), name.clone());
                // Drop runs inside the test's runtime: use a thread with its own.
                let _ = std::thread::spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .expect("runtime");
                    rt.block_on(async {
                        if let Ok(admin) = sea_orm::Database::connect(&admin_url).await {
                            let _ = admin
                                .execute_unprepared(&format!(
                                    "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                                ))
                                .await;
                        }
                    });
                })
                .join();
            }
        }
    }
}

/// A database URL with its database name replaced.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let cut = base.rfind('/').expect("database URL has a path");
    let mut out = format!("{}/{name}", &base[..cut]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

async fn fresh_database() -> (String, TestDb) {
    let suffix = Uuid::new_v4().simple().to_string();
    match std::env::var("TELLONCE_TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
    {
        Some(admin_url) => {
            let name = format!("tellonce_test_{suffix}");
            let admin = sea_orm::Database::connect(&admin_url)
                .await
                .expect("connect to TELLONCE_TEST_DATABASE_URL");
            admin
                .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                .await
                .expect("create test database");
            let _ = admin.close().await;
            (
                with_database(&admin_url, &name),
                TestDb::Postgres { admin_url, name },
            )
        }
        None => {
            let path = std::env::temp_dir().join(format!("tellonce-test-{suffix}.db"));
            (
                format!("sqlite://{}?mode=rwc", path.display()),
                TestDb::Sqlite(path),
            )
        }
    }
}

pub fn is_postgres() -> bool {
    std::env::var("TELLONCE_TEST_DATABASE_URL").is_ok_and(|u| !u.is_empty())
}

/// A running hub.
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub store: Store,
    /// The door the hub's front ends share (for front ends written in tests).
    pub hub: api::access::Hub,
    pub settings: Settings,
    pub ec_key: EcKey,
    pub rsa_key: RsaKey,
    /// Dropping it (or [`TestApp::stop`]) shuts the hub down as SIGTERM would.
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    /// The JWKS file's directory and the database, removed on drop (none
    /// for [`TestApp::another_instance`]).
    _owned: Option<(TempDir, TestDb)>,
}

/// A temp directory removed on drop.
pub struct TempDir(pub PathBuf);
impl TempDir {
    pub fn new() -> Self {
        let dir = std::env::temp_dir().join(format!("tellonce-test-{}", Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        Self(dir)
    }
}
impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Default test settings: HS256 secret and a JWKS file with one EC and one
/// RSA key; development on; the given database URL.
fn settings(database_url: String, jwks_file: Option<PathBuf>) -> Settings {
    Settings {
        database_url,
        bind: "127.0.0.1:0".parse().expect("addr"),
        development: true,
        introspection: true,
        migrate_on_start: true,
        jwt: JwtSettings {
            issuer: ISSUER.into(),
            audience: AUDIENCE.into(),
            secret: Some(api::config::random_secret()),
            jwks_file,
            jwks_url: None,
            jwks_min_refresh: Duration::from_secs(60),
            leeway_secs: 5,
            allow_mixed_roles: false,
            claims: Default::default(),
            issuers: Vec::new(),
            jwks_cache: Default::default(),
        },
        limits: Limits::default(),
        log_json: false,
        controller: "Test Council".into(),
        receipts: api::config::ReceiptSettings::default(),
        max_override_hours: 72,
        override_review_hours: 72,
        show_practitioners_to_families: false,
        fixed_now: None,
        term_start: consent::TermStart::default(),
        review: Default::default(),
        web: api::config::WebSettings {
            personas: true,
            ..Default::default()
        },
        cors_origins: Vec::new(),
        telemetry: Default::default(),
        log_signer: Some(api::config::random_log_signer("tellonce.test/trace")),
        witness_keys: Vec::new(),
    }
}

/// An empty hub: migrations and the default agreement, no demo.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// An empty hub, after letting the test adjust the settings.
pub async fn spawn_app_with(adjust: impl FnOnce(&mut Settings)) -> TestApp {
    spawn(adjust, false).await
}

/// A hub with the demo loaded: only for tests whose subject is the demo
/// story (and tests not yet moved onto fixtures).
pub async fn spawn_demo_app() -> TestApp {
    spawn_demo_app_with(|_| {}).await
}

/// A hub with the demo loaded, after letting the test adjust the settings.
pub async fn spawn_demo_app_with(adjust: impl FnOnce(&mut Settings)) -> TestApp {
    spawn(adjust, true).await
}

async fn spawn(adjust: impl FnOnce(&mut Settings), demo: bool) -> TestApp {
    let (url, db) = fresh_database().await;
    let dir = TempDir::new();
    let ec_key = EcKey::generate("ec-1");
    let rsa_key = RsaKey::generate("rsa-1");
    let jwks_path = dir.0.join("jwks.json");
    std::fs::write(
        &jwks_path,
        json!({ "keys": [ec_key.jwk, rsa_key.jwk] }).to_string(),
    )
    .expect("write JWKS");
    let mut settings = settings(url, Some(jwks_path));
    adjust(&mut settings);
    let store = connect(&settings).await;
    let app = Application::build_with_store(&settings, store.clone())
        .await
        .expect("build app");
    if demo {
        api::demo::load(&store, chrono::Utc::now().date_naive())
            .await
            .expect("load demo");
    }
    serve(app, settings, store, (ec_key, rsa_key), Some((dir, db)))
}

/// A store on the settings' database. Fixtures write through it: with the
/// hub's fixed clock, what they record is dated on the hub's today,
/// whatever the real date.
async fn connect(settings: &Settings) -> Store {
    let store = Store::connect(&settings.database_url)
        .await
        .expect("connect");
    match settings.fixed_now {
        Some(now) => store.with_clock(store::FixedClock(now)),
        None => store,
    }
}

/// Starts serving `app` in the background.
fn serve(
    app: Application,
    settings: Settings,
    store: Store,
    (ec_key, rsa_key): (EcKey, RsaKey),
    owned: Option<(TempDir, TestDb)>,
) -> TestApp {
    let address = format!("http://{}", app.local_addr().expect("addr"));
    let hub = app.hub();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until(async move {
        let _ = stopped.await;
    }));
    TestApp {
        address,
        client: reqwest::Client::new(),
        store,
        hub,
        settings,
        ec_key,
        rsa_key,
        stop: Some(stop),
        server: Some(server),
        _owned: owned,
    }
}

impl TestApp {
    /// Another hub instance on this one's database, with the same settings
    /// (the same development secret and JWKS file), as a load balancer
    /// would put beside it: its own pool, door, trace writer and
    /// subscriptions. Keep this one alive as long as the other: it owns the
    /// database and the JWKS file. (Its `ec_key` and `rsa_key` are new and
    /// not in the JWKS: sign its tokens with this one's keys or the secret.)
    pub async fn another_instance(&self) -> TestApp {
        let settings = self.settings.clone();
        let store = connect(&settings).await;
        let app = Application::build_with_store(&settings, store.clone())
            .await
            .expect("build another instance");
        let keys = (EcKey::generate("ec-other"), RsaKey::generate("rsa-other"));
        serve(app, settings, store, keys, None)
    }
}

/// A WebSocket client connection to the hub.
pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A GraphQL answer: HTTP status and JSON body.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub body: Value,
}

impl Answer {
    /// The errors' `extensions.code` values.
    pub fn codes(&self) -> Vec<String> {
        self.body["errors"]
            .as_array()
            .map(|errors| {
                errors
                    .iter()
                    .filter_map(|e| e["extensions"]["code"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The first error's message.
    pub fn message(&self) -> String {
        self.body["errors"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// The error at a path like `child.education`, if any.
    pub fn error_at(&self, path: &[&str]) -> Option<&Value> {
        self.body["errors"].as_array()?.iter().find(|e| {
            e["path"]
                .as_array()
                .is_some_and(|p| p.iter().filter_map(Value::as_str).eq(path.iter().copied()))
        })
    }
}

impl TestApp {
    /// Shuts the hub down as SIGTERM would and waits until it has stopped
    /// (the grace period bounds the wait). False if it did not stop.
    pub async fn stop(&mut self) -> bool {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.server.take() {
            Some(server) => {
                let bound = self.settings.limits.shutdown_grace + Duration::from_secs(10);
                matches!(tokio::time::timeout(bound, server).await, Ok(Ok(Ok(()))))
            }
            None => true,
        }
    }

    /// Standard claims for a demo persona, valid for an hour.
    pub fn claims_for(&self, persona: &str) -> Value {
        let p = api::demo::persona(persona).expect("known persona");
        let now = chrono::Utc::now().timestamp();
        let mut claims = json!({
            "sub": format!("test-{persona}"), "iss": ISSUER, "aud": AUDIENCE,
            "iat": now, "exp": now + 3600,
            "roles": p.roles.iter().map(|r| r.claim()).collect::<Vec<_>>(),
        });
        if let Some((id, kind)) = p.agency {
            claims["agency_id"] = json!(id.to_string());
            claims["agency_kind"] = json!(kind.claim());
        }
        if let Some(person) = p.person_id {
            claims["person_id"] = json!(person);
        }
        claims
    }

    /// An HS256 token for a demo persona.
    pub fn token_for(&self, persona: &str) -> String {
        self.hs256(&self.claims_for(persona))
    }

    /// The hub's HS256 development secret, for tokens forged with [`forge_hs`].
    pub fn secret(&self) -> &[u8] {
        self.settings
            .jwt
            .secret
            .as_ref()
            .map(Secret::expose)
            .expect("secret")
            .as_bytes()
    }

    pub fn hs256(&self, claims: &Value) -> String {
        let secret = self
            .settings
            .jwt
            .secret
            .as_ref()
            .map(Secret::expose)
            .expect("secret");
        jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            claims,
            &EncodingKey::from_secret(secret.as_bytes()),
        )
        .expect("sign HS256")
    }

    /// POSTs a GraphQL query with a token and optional purpose.
    pub async fn graphql_as(
        &self,
        token: Option<&str>,
        purpose: Option<&str>,
        query: &str,
        variables: Value,
    ) -> Answer {
        self.post_json(
            token,
            purpose,
            &json!({ "query": query, "variables": variables }),
        )
        .await
    }

    /// A practitioner-style request (DIRECT_SUPPORT) for a demo persona.
    pub async fn graphql(&self, persona: &str, query: &str, variables: Value) -> Answer {
        let token = self.token_for(persona);
        self.graphql_as(Some(&token), Some("DIRECT_SUPPORT"), query, variables)
            .await
    }

    pub async fn post_json(
        &self,
        token: Option<&str>,
        purpose: Option<&str>,
        body: &Value,
    ) -> Answer {
        self.post_raw(token, purpose, body.to_string().into_bytes())
            .await
    }

    pub async fn post_raw(
        &self,
        token: Option<&str>,
        purpose: Option<&str>,
        body: Vec<u8>,
    ) -> Answer {
        let mut request = self
            .client
            .post(format!("{}/graphql", self.address))
            .header("content-type", "application/json")
            .body(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(purpose) = purpose {
            request = request.header("x-purpose-of-use", purpose);
        }
        let response = request.send().await.expect("request sent");
        let status = response.status().as_u16();
        let text = response.text().await.expect("body");
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Answer { status, body }
    }

    /// Opens `/graphql/ws` (graphql-transport-ws) and sends connection_init
    /// with `payload`.
    pub async fn ws_init(&self, payload: Value) -> Socket {
        use futures_util::SinkExt as _;
        use tokio_tungstenite::tungstenite::Message;
        use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
        let url = format!("{}/graphql/ws", self.address.replace("http://", "ws://"));
        let mut request = url.into_client_request().expect("request");
        request.headers_mut().insert(
            "sec-websocket-protocol",
            "graphql-transport-ws".parse().expect("header"),
        );
        let (mut socket, _) = tokio_tungstenite::connect_async(request)
            .await
            .expect("connect");
        socket
            .send(Message::text(
                json!({ "type": "connection_init", "payload": payload }).to_string(),
            ))
            .await
            .expect("init");
        socket
    }

    pub async fn get(&self, path: &str) -> (u16, String) {
        let response = self
            .client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .expect("request sent");
        (
            response.status().as_u16(),
            response.text().await.expect("body"),
        )
    }
}
