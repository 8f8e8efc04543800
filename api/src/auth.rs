//! JWT verification. A request's bearer token becomes a typed
//! [`consent::Principal`] here and nowhere else; resolvers never read headers.
//!
//! The key, and so the algorithm, is chosen by the verifier, never by the
//! token: HS256 only with the configured development secret, RS256/ES256 only
//! with a key from the JWKS whose own algorithm matches. `alg: none` cannot be
//! expressed.

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use consent::{AgencyRef, Principal, Role};
use domain::AgencyKind;
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, JwkSet, KeyAlgorithm};
use jsonwebtoken::{Algorithm, DecodingKey, Validation, errors::ErrorKind};
use serde_json::Value;
use tokio::sync::{Mutex, RwLock};
use uuid::Uuid;

use crate::config::JwtSettings;

/// Why a token was refused. Messages never echo the token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("missing bearer token: send 'Authorization: Bearer <JWT>'")]
    MissingToken,
    #[error("malformed token: not a JWT")]
    Malformed,
    #[error("unsupported token algorithm {0}: this hub accepts {1}")]
    UnsupportedAlgorithm(String, String),
    #[error("token expired")]
    Expired,
    #[error("token not yet valid")]
    NotYetValid,
    #[error("bad token signature")]
    BadSignature,
    #[error("wrong token issuer")]
    WrongIssuer,
    #[error("wrong token audience")]
    WrongAudience,
    #[error("token header is missing '{0}'")]
    MissingHeader(&'static str),
    #[error("token header '{0}' is invalid: {1}")]
    InvalidHeader(&'static str, &'static str),
    /// RFC 7515 §4.1.11: the token demands extensions this hub does not
    /// implement (it implements none), so it must not be accepted.
    #[error(
        "token header 'crit' names extensions this hub does not understand (it understands none)"
    )]
    UnknownCritical,
    #[error("token is missing the '{0}' claim")]
    MissingClaim(&'static str),
    #[error("token claim '{0}' is invalid: {1}")]
    InvalidClaim(&'static str, String),
    #[error("unknown signing key: no key with this 'kid' in the key set")]
    UnknownKey,
    #[error("signing keys are unavailable; try again shortly")]
    KeysUnavailable,
    #[error("the token's agency_id is not an agency registered with this hub")]
    UnknownAgency,
    #[error("the token's agency has been retired from this hub's agency register")]
    RetiredAgency,
    #[error("the token's agency_kind is not the kind this hub registers for its agency_id")]
    AgencyKindMismatch,
    #[error(
        "the token mixes information-governance roles (ig_auditor, ig_admin) with practitioner roles; this hub does not allow that combination"
    )]
    MixedRoles,
}

impl AuthError {
    /// A short, stable reason code for the access trace and logs.
    pub fn code(&self) -> &'static str {
        match self {
            AuthError::MissingToken => "missing_token",
            AuthError::Malformed => "malformed",
            AuthError::UnsupportedAlgorithm(..) => "unsupported_algorithm",
            AuthError::Expired => "expired",
            AuthError::NotYetValid => "not_yet_valid",
            AuthError::BadSignature => "bad_signature",
            AuthError::WrongIssuer => "wrong_issuer",
            AuthError::WrongAudience => "wrong_audience",
            AuthError::MissingHeader(_) => "missing_header",
            AuthError::InvalidHeader(..) => "invalid_header",
            AuthError::UnknownCritical => "unknown_critical",
            AuthError::MissingClaim(_) => "missing_claim",
            AuthError::InvalidClaim(..) => "invalid_claim",
            AuthError::UnknownKey => "unknown_key",
            AuthError::KeysUnavailable => "keys_unavailable",
            AuthError::UnknownAgency => "unknown_agency",
            AuthError::RetiredAgency => "retired_agency",
            AuthError::AgencyKindMismatch => "agency_kind_mismatch",
            AuthError::MixedRoles => "mixed_roles",
        }
    }
}

/// Where RS256/ES256 keys come from.
#[derive(Debug, Clone)]
enum JwksSource {
    File(PathBuf),
    Url(String),
}

#[derive(Clone)]
struct VerifyingKey {
    key: DecodingKey,
    alg: Algorithm,
}

/// A cached JWKS, refetched on an unknown `kid` at most once per interval.
struct Jwks {
    source: JwksSource,
    keys: RwLock<HashMap<String, VerifyingKey>>,
    last_fetch: Mutex<Option<Instant>>,
    min_refresh: Duration,
    http: reqwest::Client,
}

impl std::fmt::Debug for Jwks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Jwks")
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

impl Jwks {
    async fn fetch(&self) -> anyhow::Result<HashMap<String, VerifyingKey>> {
        let set: JwkSet = match &self.source {
            JwksSource::File(path) => serde_json::from_slice(&tokio::fs::read(path).await?)?,
            JwksSource::Url(url) => {
                self.http
                    .get(url)
                    .send()
                    .await?
                    .error_for_status()?
                    .json()
                    .await?
            }
        };
        let mut keys = HashMap::new();
        for jwk in &set.keys {
            let Some(kid) = jwk.common.key_id.clone() else {
                continue;
            };
            // The key's own algorithm: stated, or implied by its type.
            let alg = match (&jwk.common.key_algorithm, &jwk.algorithm) {
                (Some(KeyAlgorithm::RS256), AlgorithmParameters::RSA(_)) => Algorithm::RS256,
                (Some(KeyAlgorithm::ES256), AlgorithmParameters::EllipticCurve(p))
                    if p.curve == EllipticCurve::P256 =>
                {
                    Algorithm::ES256
                }
                (None, AlgorithmParameters::RSA(_)) => Algorithm::RS256,
                (None, AlgorithmParameters::EllipticCurve(p)) if p.curve == EllipticCurve::P256 => {
                    Algorithm::ES256
                }
                _ => continue, // anything else is not trusted for verification
            };
            keys.insert(
                kid,
                VerifyingKey {
                    key: DecodingKey::from_jwk(jwk)?,
                    alg,
                },
            );
        }
        Ok(keys)
    }

    /// Reloads the set unless it was loaded within `min_refresh`.
    async fn refresh(&self, force: bool) -> Result<(), AuthError> {
        let mut last = self.last_fetch.lock().await;
        if !force && last.is_some_and(|t| t.elapsed() < self.min_refresh) {
            return Ok(());
        }
        *last = Some(Instant::now());
        match self.fetch().await {
            Ok(keys) => {
                *self.keys.write().await = keys;
                Ok(())
            }
            Err(e) => {
                tracing::warn!(error = format!("{e:#}"), "could not load the JWKS");
                if self.keys.read().await.is_empty() {
                    Err(AuthError::KeysUnavailable)
                } else {
                    Ok(())
                }
            }
        }
    }

    async fn key(&self, kid: &str) -> Result<VerifyingKey, AuthError> {
        if let Some(k) = self.keys.read().await.get(kid) {
            return Ok(k.clone());
        }
        self.refresh(false).await?;
        self.keys
            .read()
            .await
            .get(kid)
            .cloned()
            .ok_or(AuthError::UnknownKey)
    }
}

/// Verifies bearer tokens.
#[derive(Debug)]
pub struct Authenticator {
    issuer: String,
    audience: String,
    leeway: u64,
    secret: Option<DecodingKeyDebug>,
    jwks: Option<Jwks>,
    allow_mixed_roles: bool,
}

struct DecodingKeyDebug(DecodingKey);
impl std::fmt::Debug for DecodingKeyDebug {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DecodingKey([redacted])")
    }
}

impl Authenticator {
    /// Builds the verifier; a configured JWKS is loaded now so that a bad
    /// file or URL fails at start-up rather than on the first request.
    pub async fn new(settings: &JwtSettings) -> anyhow::Result<Self> {
        let source = match (&settings.jwks_file, &settings.jwks_url) {
            (Some(path), _) => Some(JwksSource::File(path.clone())),
            (None, Some(url)) => Some(JwksSource::Url(url.clone())),
            (None, None) => None,
        };
        let jwks = match source {
            Some(source) => {
                let jwks = Jwks {
                    source,
                    keys: RwLock::new(HashMap::new()),
                    last_fetch: Mutex::new(None),
                    min_refresh: settings.jwks_min_refresh,
                    http: reqwest::Client::builder()
                        .timeout(Duration::from_secs(10))
                        .build()?,
                };
                jwks.refresh(true).await.map_err(|e| {
                    anyhow::anyhow!("cannot load the JWKS ({:?}): {e}", jwks.source)
                })?;
                Some(jwks)
            }
            None => None,
        };
        Ok(Self {
            issuer: settings.issuer.clone(),
            audience: settings.audience.clone(),
            leeway: settings.leeway_secs,
            secret: settings
                .secret
                .as_ref()
                .map(|s| DecodingKeyDebug(DecodingKey::from_secret(s.expose().as_bytes()))),
            jwks,
            allow_mixed_roles: settings.allow_mixed_roles,
        })
    }

    fn accepted(&self) -> String {
        let mut algs = Vec::new();
        if self.secret.is_some() {
            algs.push("HS256");
        }
        if self.jwks.is_some() {
            algs.extend(["RS256", "ES256"]);
        }
        algs.join(", ")
    }

    /// Verifies an `Authorization` header value and builds the principal
    /// (without a purpose: the caller adds it).
    pub async fn authenticate(&self, header: Option<&str>) -> Result<Principal, AuthError> {
        self.authenticate_session(header)
            .await
            .map(|(principal, _)| principal)
    }

    /// As [`Authenticator::authenticate`], also giving the token's expiry
    /// (long-lived connections stop when it passes).
    pub async fn authenticate_session(
        &self,
        header: Option<&str>,
    ) -> Result<(Principal, Option<chrono::DateTime<chrono::Utc>>), AuthError> {
        let token = header
            .and_then(|h| {
                h.strip_prefix("Bearer ")
                    .or_else(|| h.strip_prefix("bearer "))
            })
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or(AuthError::MissingToken)?;
        let parts = Parts::of(token)?;
        let alg = parts.algorithm(&self.accepted())?;
        let key = match alg {
            Algorithm::HS256 => match &self.secret {
                Some(k) => VerifyingKey {
                    key: k.0.clone(),
                    alg: Algorithm::HS256,
                },
                None => {
                    return Err(AuthError::UnsupportedAlgorithm(
                        "HS256".into(),
                        self.accepted(),
                    ));
                }
            },
            Algorithm::RS256 | Algorithm::ES256 => {
                let jwks = self.jwks.as_ref().ok_or_else(|| {
                    AuthError::UnsupportedAlgorithm(format!("{alg:?}"), self.accepted())
                })?;
                let key = jwks.key(parts.kid()?).await?;
                if key.alg != alg {
                    // The token claims another algorithm than its key has.
                    return Err(AuthError::UnsupportedAlgorithm(
                        format!("{alg:?} for this key"),
                        self.accepted(),
                    ));
                }
                key
            }
            other => {
                return Err(AuthError::UnsupportedAlgorithm(
                    format!("{other:?}"),
                    self.accepted(),
                ));
            }
        };
        let mut validation = Validation::new(key.alg);
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = self.leeway;
        let data = jsonwebtoken::decode::<Value>(token, &key.key, &validation).map_err(|e| {
            match e.kind() {
                ErrorKind::ExpiredSignature => AuthError::Expired,
                ErrorKind::ImmatureSignature => AuthError::NotYetValid,
                ErrorKind::InvalidSignature => AuthError::BadSignature,
                ErrorKind::InvalidIssuer => AuthError::WrongIssuer,
                ErrorKind::InvalidAudience => AuthError::WrongAudience,
                // jsonwebtoken calls a claim it cannot parse "missing"
                // when it is required: the payload tells the two apart.
                ErrorKind::MissingRequiredClaim(c) | ErrorKind::InvalidClaimFormat(c) => {
                    parts.claim_problem(c)
                }
                ErrorKind::InvalidAlgorithm => {
                    AuthError::UnsupportedAlgorithm(format!("{alg:?}"), self.accepted())
                }
                _ => AuthError::Malformed,
            }
        })?;
        // jsonwebtoken does not look at `iat`; a token is still wrong if it
        // is not a time.
        if data
            .claims
            .get("iat")
            .is_some_and(|v| !v.is_null() && !v.is_number())
        {
            return Err(AuthError::InvalidClaim("iat", TIME_CLAIM.into()));
        }
        let expires = data
            .claims
            .get("exp")
            .and_then(Value::as_i64)
            .and_then(|exp| chrono::DateTime::from_timestamp(exp, 0));
        let principal = principal_from_claims(&data.claims)?;
        let practitioner = principal.roles.iter().any(|r| r.is_practitioner());
        if principal.is_ig() && practitioner && !self.allow_mixed_roles {
            return Err(AuthError::MixedRoles);
        }
        Ok((principal, expires))
    }
}

/// The longest identifier claim kept (`sub`, `person_id`).
const MAX_IDENTIFIER_BYTES: usize = 255;

/// An identifier claim goes into storage and the access trace: no control
/// characters (PostgreSQL refuses NUL in text), bounded length.
fn identifier_claim(name: &'static str, value: &str) -> Result<(), AuthError> {
    if value.chars().any(char::is_control) {
        return Err(AuthError::InvalidClaim(
            name,
            "must not contain control characters".into(),
        ));
    }
    if value.len() > MAX_IDENTIFIER_BYTES {
        return Err(AuthError::InvalidClaim(
            name,
            format!("must be at most {MAX_IDENTIFIER_BYTES} bytes"),
        ));
    }
    Ok(())
}

/// What a time claim must be (RFC 7519 NumericDate).
const TIME_CLAIM: &str = "must be a number of seconds since 1970";

/// The JOSE header and the payload of a compact JWS, read before (and
/// besides) jsonwebtoken, which ignores `crit` and reports a JSON header of
/// the wrong shape as a bad algorithm. No `Debug`: it holds token material.
struct Parts {
    header: serde_json::Map<String, Value>,
    claims: serde_json::Map<String, Value>,
}

impl Parts {
    /// Three base64url segments, the first two JSON objects, and no `crit`.
    fn of(token: &str) -> Result<Self, AuthError> {
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let object = |segment: &str| match b64
            .decode(segment)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<Value>(&bytes).ok())
        {
            Some(Value::Object(map)) => Ok(map),
            _ => Err(AuthError::Malformed),
        };
        let mut segments = token.split('.');
        let (Some(header), Some(claims), Some(signature), None) = (
            segments.next(),
            segments.next(),
            segments.next(),
            segments.next(),
        ) else {
            return Err(AuthError::Malformed);
        };
        if b64.decode(signature).is_err() {
            return Err(AuthError::Malformed);
        }
        let parts = Self {
            header: object(header)?,
            claims: object(claims)?,
        };
        match parts.header.get("crit") {
            None => {}
            // RFC 7515 §4.1.11: an array of names, never empty.
            Some(Value::Array(names))
                if !names.is_empty() && names.iter().all(Value::is_string) =>
            {
                return Err(AuthError::UnknownCritical);
            }
            Some(_) => {
                return Err(AuthError::InvalidHeader(
                    "crit",
                    "must be a non-empty array of header parameter names",
                ));
            }
        }
        Ok(parts)
    }

    /// The header's `alg`, if it is one jsonwebtoken knows; the hub then
    /// decides whether it accepts it.
    fn algorithm(&self, accepted: &str) -> Result<Algorithm, AuthError> {
        match self.header.get("alg") {
            None | Some(Value::Null) => Err(AuthError::MissingHeader("alg")),
            Some(Value::String(alg)) => alg.parse().map_err(|_| {
                // Not echoed: the name is the token's.
                AuthError::UnsupportedAlgorithm("in header".into(), accepted.to_owned())
            }),
            Some(_) => Err(AuthError::InvalidHeader("alg", "must be a string")),
        }
    }

    /// The header's `kid`, which RS256/ES256 tokens must carry.
    fn kid(&self) -> Result<&str, AuthError> {
        match self.header.get("kid") {
            None | Some(Value::Null) => Err(AuthError::MissingHeader("kid")),
            Some(Value::String(kid)) => Ok(kid),
            Some(_) => Err(AuthError::InvalidHeader("kid", "must be a string")),
        }
    }

    /// A registered claim jsonwebtoken could not use: absent, or present
    /// with the wrong type.
    fn claim_problem(&self, claim: &str) -> AuthError {
        let (name, must): (&'static str, &str) = match claim {
            "exp" => ("exp", TIME_CLAIM),
            "nbf" => ("nbf", TIME_CLAIM),
            "iss" => ("iss", "must be a string"),
            "aud" => ("aud", "must be a string or an array of strings"),
            "sub" => ("sub", "must be a string"),
            _ => return AuthError::Malformed,
        };
        match self.claims.get(name) {
            None | Some(Value::Null) => AuthError::MissingClaim(name),
            Some(_) => AuthError::InvalidClaim(name, must.to_owned()),
        }
    }
}

/// Builds the principal from verified claims.
pub fn principal_from_claims(claims: &Value) -> Result<Principal, AuthError> {
    let text = |name: &'static str| claims.get(name).and_then(Value::as_str).map(str::to_owned);
    let subject = text("sub")
        .filter(|s| !s.is_empty())
        .ok_or(AuthError::MissingClaim("sub"))?;
    identifier_claim("sub", &subject)?;
    let roles: BTreeSet<Role> = match claims.get("roles") {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            // Identity providers add roles of their own: unknown ones grant nothing.
            .filter_map(Role::from_claim)
            .collect(),
        Some(_) => {
            return Err(AuthError::InvalidClaim(
                "roles",
                "must be an array of strings".into(),
            ));
        }
        None => return Err(AuthError::MissingClaim("roles")),
    };
    let person_id = text("person_id").filter(|s| !s.is_empty());
    if let Some(person) = &person_id {
        identifier_claim("person_id", person)?;
    }
    let acts_for_agency = roles.iter().any(|r| r.is_practitioner() || r.is_ig());
    let agency = match (claims.get("agency_id"), claims.get("agency_kind")) {
        (Some(id), Some(kind)) => {
            let id = id
                .as_str()
                .and_then(|s| Uuid::parse_str(s).ok())
                .ok_or_else(|| AuthError::InvalidClaim("agency_id", "must be a UUID".into()))?;
            let kind = kind.as_str().and_then(AgencyKind::from_claim).ok_or_else(|| {
                AuthError::InvalidClaim(
                    "agency_kind",
                    "must be one of school, camhs, slt, ot, ep, social_care, youth_justice, health, la_send".into(),
                )
            })?;
            Some(AgencyRef { id, kind })
        }
        (None, _) if acts_for_agency => return Err(AuthError::MissingClaim("agency_id")),
        (_, None) if acts_for_agency => return Err(AuthError::MissingClaim("agency_kind")),
        _ => None,
    };
    let is_family = roles.contains(&Role::Family) || roles.contains(&Role::YoungPerson);
    if is_family && person_id.is_none() {
        return Err(AuthError::MissingClaim("person_id"));
    }
    Ok(Principal {
        subject,
        agency,
        roles,
        person_id,
        purpose: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn claims_become_a_principal() {
        let p = principal_from_claims(&json!({
            "sub": "u1", "roles": ["practitioner", "offline_access"],
            "agency_id": "7f3b6a8e-3c1a-4f57-9d43-2f1f1b1e0a01", "agency_kind": "camhs"
        }))
        .expect("valid");
        assert_eq!(p.agency_kind(), Some(AgencyKind::Camhs));
        assert_eq!(p.roles.len(), 1);

        let missing_kind = principal_from_claims(&json!({
            "sub": "u1", "roles": ["practitioner"], "agency_id": "7f3b6a8e-3c1a-4f57-9d43-2f1f1b1e0a01"
        }));
        assert_eq!(missing_kind, Err(AuthError::MissingClaim("agency_kind")));
        let bad_kind = principal_from_claims(&json!({
            "sub": "u1", "roles": ["practitioner"],
            "agency_id": "7f3b6a8e-3c1a-4f57-9d43-2f1f1b1e0a01", "agency_kind": "police"
        }));
        assert!(matches!(
            bad_kind,
            Err(AuthError::InvalidClaim("agency_kind", _))
        ));
        let parent_without_person =
            principal_from_claims(&json!({"sub": "p", "roles": ["family"]}));
        assert_eq!(
            parent_without_person,
            Err(AuthError::MissingClaim("person_id"))
        );
        let no_roles = principal_from_claims(&json!({"sub": "p"}));
        assert_eq!(no_roles, Err(AuthError::MissingClaim("roles")));
    }

    fn token(header: &str, claims: &str) -> String {
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        format!("{}.{}.c2ln", b64.encode(header), b64.encode(claims))
    }

    #[test]
    fn headers_are_read_before_jsonwebtoken() {
        let parts = |h: &str| Parts::of(&token(h, "{}")).map(|_| ());
        assert_eq!(parts(r#"{"alg":"HS256"}"#), Ok(()));
        assert_eq!(parts("not json"), Err(AuthError::Malformed));
        assert_eq!(parts(r#"["HS256"]"#), Err(AuthError::Malformed));
        assert_eq!(
            parts(r#"{"alg":"HS256","crit":["exp"]}"#),
            Err(AuthError::UnknownCritical)
        );
        for bad in [r#"[]"#, r#""exp""#, r#"[1]"#, "null"] {
            assert!(
                matches!(
                    parts(&format!(r#"{{"alg":"HS256","crit":{bad}}}"#)),
                    Err(AuthError::InvalidHeader("crit", _))
                ),
                "{bad}"
            );
        }
        assert!(matches!(Parts::of("a.b"), Err(AuthError::Malformed)));
        assert!(matches!(
            Parts::of(&token(r#"{"alg":"HS256"}"#, "[1]")),
            Err(AuthError::Malformed)
        ));

        let header = |h: &str| Parts::of(&token(h, "{}")).expect("parts");
        assert_eq!(
            header(r#"{"alg":"ES256"}"#).algorithm(""),
            Ok(Algorithm::ES256)
        );
        assert_eq!(
            header(r#"{}"#).algorithm(""),
            Err(AuthError::MissingHeader("alg"))
        );
        assert!(matches!(
            header(r#"{"alg":"none"}"#).algorithm(""),
            Err(AuthError::UnsupportedAlgorithm(..))
        ));
        assert_eq!(
            header(r#"{"alg":"ES256"}"#).kid(),
            Err(AuthError::MissingHeader("kid"))
        );
        assert!(matches!(
            header(r#"{"alg":"ES256","kid":7}"#).kid(),
            Err(AuthError::InvalidHeader("kid", _))
        ));
    }

    #[test]
    fn a_claim_of_the_wrong_type_is_invalid_not_missing() {
        let parts =
            Parts::of(&token(r#"{"alg":"HS256"}"#, r#"{"exp":"soon","nbf":null}"#)).expect("parts");
        assert!(matches!(
            parts.claim_problem("exp"),
            AuthError::InvalidClaim("exp", _)
        ));
        assert_eq!(parts.claim_problem("nbf"), AuthError::MissingClaim("nbf"));
        assert_eq!(parts.claim_problem("sub"), AuthError::MissingClaim("sub"));
    }
}
