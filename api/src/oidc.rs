//! The hub as an OpenID Connect relying party, for the pages' sign-in: the
//! authorization-code flow with PKCE (S256), `state` and `nonce`, over the
//! workspace's own `reqwest` (no second HTTP stack), and ID tokens verified
//! against the provider's JWKS (signature, issuer, audience, expiry,
//! nonce). What the hub does with the verified claims (the principal, the
//! agency register, the session) is the pages' business, in
//! `web::oidc`; this module knows no page and no store.
//!
//! Discovery is lazy and bounded: the first sign-in (or a warm-up task at
//! start-up) fetches the provider's metadata and keys within
//! [`OidcSettings::timeout`], a failure is retried by the next sign-in, and
//! the hub serves its API whether or not the provider answers. The
//! metadata is refreshed after [`REDISCOVER_AFTER`], and at once (at most
//! once a minute) when a token is signed with a key the hub does not know
//! yet, so key rotation needs no restart.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreAuthenticationFlow, CoreErrorResponseType,
    CoreGenderClaim, CoreJsonWebKey, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm,
    CoreProviderMetadata, CoreRevocableToken, CoreRevocationErrorResponse,
    CoreTokenIntrospectionResponse, CoreTokenType,
};
use openidconnect::{
    AdditionalClaims, AsyncHttpClient, AuthorizationCode, ClaimsVerificationError, Client,
    ClientId, ClientSecret, CsrfToken, EmptyExtraTokenFields, EndpointMaybeSet, EndpointNotSet,
    EndpointSet, HttpRequest, HttpResponse, IdTokenFields, IssuerUrl, Nonce, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, RequestTokenError, Scope, SignatureVerificationError,
    StandardErrorResponse, StandardTokenResponse, TokenResponse,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use tokio::sync::Mutex;

use crate::config::OidcSettings;

/// Provider metadata and keys are fetched again after this long.
pub const REDISCOVER_AFTER: Duration = Duration::from_secs(60 * 60);
/// An unknown signing key refetches the metadata at most this often.
const MIN_REFRESH: Duration = Duration::from_secs(60);
/// The largest response read from the provider.
const MAX_RESPONSE_BYTES: usize = 1024 * 1024;

/// The claims of an ID token beyond the standard ones (`roles`,
/// `person_id`, `agency_id`, `agency_kind`, and whatever else the provider
/// adds): kept as they came, for the claims map (`Authenticator::map_session_claims`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HubClaims {
    #[serde(flatten)]
    pub rest: Map<String, Value>,
}
impl AdditionalClaims for HubClaims {}

type HubTokenResponse = StandardTokenResponse<
    IdTokenFields<
        HubClaims,
        EmptyExtraTokenFields,
        CoreGenderClaim,
        CoreJweContentEncryptionAlgorithm,
        CoreJwsSigningAlgorithm,
    >,
    CoreTokenType,
>;

type HubClient = Client<
    HubClaims,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    HubTokenResponse,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// Why a sign-in with the provider did not give verified claims.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OidcError {
    /// The provider could not be reached or answered nonsense (discovery,
    /// or the token request failed in transit).
    #[error("the identity provider is unavailable: {0}")]
    Unavailable(String),
    /// The provider refused the code (its error response).
    #[error("the identity provider refused the sign-in: {0}")]
    Refused(String),
    /// The ID token failed verification; the reason is a short code (the
    /// API's authentication codes, plus `wrong_nonce` and `no_id_token`).
    #[error("the ID token was refused: {0}")]
    Token(&'static str),
}

/// An authorization request on its way to the provider: where to send the
/// browser, and what the hub must remember to finish it.
#[derive(Debug, Clone)]
pub struct Started {
    pub url: String,
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
}

/// The hub's OpenID Connect client.
pub struct Oidc {
    settings: OidcSettings,
    http: HttpClient,
    cache: Mutex<Cache>,
}

#[derive(Default)]
struct Cache {
    client: Option<(Arc<HubClient>, Instant)>,
}

impl std::fmt::Debug for Oidc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Oidc")
            .field("issuer", &self.settings.issuer)
            .field("client_id", &self.settings.client_id)
            .finish_non_exhaustive()
    }
}

impl Oidc {
    /// A client for these settings; nothing is fetched yet.
    pub fn new(settings: OidcSettings) -> anyhow::Result<Self> {
        IssuerUrl::new(settings.issuer.clone())?;
        RedirectUrl::new(settings.redirect_url.clone())?;
        Ok(Self {
            http: HttpClient::new(settings.timeout)?,
            settings,
            cache: Mutex::new(Cache::default()),
        })
    }

    pub fn settings(&self) -> &OidcSettings {
        &self.settings
    }

    /// The discovered client: cached, fetched when missing or old. A stale
    /// one is used when the provider cannot be reached to renew it.
    async fn client(&self, force: bool) -> Result<Arc<HubClient>, OidcError> {
        let mut cache = self.cache.lock().await;
        if let Some((client, at)) = &cache.client {
            let age = at.elapsed();
            if (!force && age < REDISCOVER_AFTER) || (force && age < MIN_REFRESH) {
                return Ok(client.clone());
            }
        }
        match self.discover().await {
            Ok(client) => {
                let client = Arc::new(client);
                cache.client = Some((client.clone(), Instant::now()));
                Ok(client)
            }
            Err(e) => match &cache.client {
                Some((client, _)) => {
                    tracing::warn!(error = %e, "renewing the identity provider's metadata failed; using the last");
                    Ok(client.clone())
                }
                None => Err(e),
            },
        }
    }

    async fn discover(&self) -> Result<HubClient, OidcError> {
        let issuer = IssuerUrl::new(self.settings.issuer.clone())
            .map_err(|e| OidcError::Unavailable(e.to_string()))?;
        let metadata = tokio::time::timeout(
            self.settings.timeout,
            CoreProviderMetadata::discover_async(issuer, &self.http),
        )
        .await
        .map_err(|_| OidcError::Unavailable("discovery timed out".to_owned()))?
        .map_err(|e| {
            tracing::warn!(error = %error_chain(&e), "OpenID Connect discovery failed");
            OidcError::Unavailable(e.to_string())
        })?;
        let redirect = RedirectUrl::new(self.settings.redirect_url.clone())
            .map_err(|e| OidcError::Unavailable(e.to_string()))?;
        Ok(HubClient::from_provider_metadata(
            metadata,
            ClientId::new(self.settings.client_id.clone()),
            self.settings
                .client_secret
                .as_ref()
                .map(|s| ClientSecret::new(s.expose().to_owned())),
        )
        .set_redirect_uri(redirect))
    }

    /// Fetches the provider's metadata now (a warm-up at start-up; a
    /// failure is only logged: the next sign-in tries again).
    pub async fn warm_up(&self) {
        if let Err(e) = self.client(false).await {
            tracing::warn!(error = %e, "the identity provider is not reachable yet; sign-in will retry");
        }
    }

    /// An authorization-code request with PKCE (S256), a fresh `state` and
    /// `nonce`.
    pub async fn start(&self) -> Result<Started, OidcError> {
        let client = self.client(false).await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .set_pkce_challenge(challenge);
        for scope in &self.settings.scopes {
            request = request.add_scope(Scope::new(scope.clone()));
        }
        let (url, state, nonce) = request.url();
        Ok(Started {
            url: url.to_string(),
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
        })
    }

    /// Exchanges the code (with the PKCE verifier) and verifies the ID
    /// token; returns its claims as one JSON object (standard and
    /// additional), for the claims map (`Authenticator::map_session_claims`).
    pub async fn finish(
        &self,
        code: &str,
        pkce_verifier: &str,
        nonce: &str,
    ) -> Result<Value, OidcError> {
        let client = self.client(false).await?;
        let exchange = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|e| OidcError::Unavailable(e.to_string()))?
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.to_owned()));
        let response =
            tokio::time::timeout(self.settings.timeout, exchange.request_async(&self.http))
                .await
                .map_err(|_| OidcError::Unavailable("the token request timed out".to_owned()))?
                .map_err(|e| match e {
                    RequestTokenError::ServerResponse(r) => {
                        OidcError::Refused(r.error().to_string())
                    }
                    RequestTokenError::Parse(..) => OidcError::Token("malformed"),
                    other => {
                        tracing::warn!(error = %error_chain(&other), "the token request failed");
                        OidcError::Unavailable(other.to_string())
                    }
                })?;
        let id_token = response.id_token().ok_or(OidcError::Token("no_id_token"))?;
        let nonce = Nonce::new(nonce.to_owned());
        let claims = match id_token.claims(&client.id_token_verifier(), &nonce) {
            Ok(c) => c.clone(),
            Err(ClaimsVerificationError::SignatureVerification(
                SignatureVerificationError::NoMatchingKey,
            )) => {
                // Perhaps the provider rotated its keys: fetch them again.
                let client = self.client(true).await?;
                id_token
                    .claims(&client.id_token_verifier(), &nonce)
                    .map_err(|e| OidcError::Token(reason(&e)))?
                    .clone()
            }
            Err(e) => return Err(OidcError::Token(reason(&e))),
        };
        let mut out = claims.additional_claims().rest.clone();
        out.insert("sub".into(), Value::String(claims.subject().to_string()));
        // Which trusted issuer's claims map applies (`Authenticator::map_session_claims`).
        out.insert("iss".into(), Value::String(claims.issuer().to_string()));
        for (key, value) in [
            ("name", text(claims.name())),
            ("given_name", text(claims.given_name())),
            ("family_name", text(claims.family_name())),
        ] {
            if let Some(v) = value {
                out.insert(key.into(), Value::String(v));
            }
        }
        Ok(Value::Object(out))
    }
}

/// A localized claim's default-language value.
fn text<T: std::ops::Deref<Target = String>>(
    claim: Option<&openidconnect::LocalizedClaim<T>>,
) -> Option<String> {
    claim.and_then(|c| c.get(None)).map(|v| v.to_string())
}

/// The short reason code of a failed ID token check.
fn reason(e: &ClaimsVerificationError) -> &'static str {
    match e {
        ClaimsVerificationError::Expired(_) => "expired",
        ClaimsVerificationError::InvalidAudience(_) => "wrong_audience",
        ClaimsVerificationError::InvalidIssuer(_) => "wrong_issuer",
        ClaimsVerificationError::InvalidNonce(_) => "wrong_nonce",
        ClaimsVerificationError::SignatureVerification(
            SignatureVerificationError::NoMatchingKey,
        ) => "unknown_key",
        ClaimsVerificationError::SignatureVerification(
            SignatureVerificationError::DisallowedAlg(_)
            | SignatureVerificationError::UnsupportedAlg(_),
        ) => "unsupported_algorithm",
        ClaimsVerificationError::SignatureVerification(_) => "bad_signature",
        _ => "invalid_claim",
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// `openidconnect`'s HTTP client over the workspace's `reqwest`: no
/// redirects followed, a bounded time and body.
#[derive(Debug, Clone)]
pub struct HttpClient(reqwest::Client);

/// A request to the provider that failed in transit.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("request failed: {0}")]
    Request(#[from] reqwest::Error),
    #[error("bad response: {0}")]
    Response(#[from] openidconnect::http::Error),
    #[error("the response is larger than {MAX_RESPONSE_BYTES} bytes")]
    TooLarge,
}

impl HttpClient {
    pub fn new(timeout: Duration) -> anyhow::Result<Self> {
        Ok(Self(
            reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(timeout)
                .build()?,
        ))
    }
}

impl<'c> AsyncHttpClient<'c> for HttpClient {
    type Error = HttpError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, HttpError>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(async move {
            let (parts, body) = request.into_parts();
            let mut response = self
                .0
                .request(parts.method, parts.uri.to_string())
                .headers(parts.headers)
                .body(body)
                .send()
                .await?;
            let mut builder = openidconnect::http::Response::builder().status(response.status());
            for (name, value) in response.headers() {
                builder = builder.header(name, value);
            }
            let mut body = Vec::new();
            while let Some(chunk) = response.chunk().await? {
                if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
                    return Err(HttpError::TooLarge);
                }
                body.extend_from_slice(&chunk);
            }
            Ok(builder.body(body)?)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn additional_claims_keep_the_hubs_claims() {
        let claims: HubClaims = serde_json::from_value(serde_json::json!({
            "roles": ["family"], "person_id": "p-1", "agency_kind": "school"
        }))
        .expect("claims");
        assert_eq!(claims.rest["roles"], serde_json::json!(["family"]));
        assert_eq!(claims.rest["person_id"], "p-1");
    }

    #[test]
    fn verification_failures_have_short_reasons() {
        assert_eq!(
            reason(&ClaimsVerificationError::InvalidNonce("x".into())),
            "wrong_nonce"
        );
        assert_eq!(
            reason(&ClaimsVerificationError::SignatureVerification(
                SignatureVerificationError::CryptoError("x".into())
            )),
            "bad_signature"
        );
        assert_eq!(
            reason(&ClaimsVerificationError::Expired("x".into())),
            "expired"
        );
    }
}
