//! JWT verification. A request's bearer token becomes a typed
//! [`consent::Principal`] here and nowhere else; resolvers never read headers.
//!
//! The key, and so the algorithm, is chosen by the verifier, never by the
//! token: HS256 only with the configured development secret, RS256/ES256 only
//! with a key from the JWKS whose own algorithm matches. `alg: none` cannot be
//! expressed.

use std::time::Duration;

use jsonwebtoken::{Algorithm, DecodingKey, Validation, errors::ErrorKind};
use serde_json::Value;

use crate::config::{ClaimsMap, JwtSettings, KeySource};

mod claims;
mod jwks;

pub use claims::{AgencyClaim, MappedIdentity, map_claims};
use jwks::{Jwks, Source, VerifyingKey};

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
    /// A claim the issuer's claims map reads, named by its pointer.
    #[error("token is missing the '{0}' claim")]
    MissingMappedClaim(String),
    #[error("token claim '{0}' is invalid: {1}")]
    InvalidMappedClaim(String, String),
    /// Nothing at the roles pointer maps to a tellonce role.
    #[error("the token carries no role this hub recognises (looked at {0})")]
    NoRecognisedRole(String),
    /// The external identifier (scheme and pointer) names no agency.
    #[error("the token's agency identifier ({0}) is not an agency registered with this hub")]
    UnknownAgencyIdentifier(String),
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
            AuthError::MissingMappedClaim(_) => "missing_claim",
            AuthError::InvalidMappedClaim(..) => "invalid_claim",
            AuthError::NoRecognisedRole(_) => "no_recognised_role",
            AuthError::UnknownAgencyIdentifier(_) => "unknown_agency",
            AuthError::UnknownKey => "unknown_key",
            AuthError::KeysUnavailable => "keys_unavailable",
            AuthError::UnknownAgency => "unknown_agency",
            AuthError::RetiredAgency => "retired_agency",
            AuthError::AgencyKindMismatch => "agency_kind_mismatch",
            AuthError::MixedRoles => "mixed_roles",
        }
    }
}

/// One trusted issuer: its `iss`, audiences, keys and claims map.
#[derive(Debug)]
struct TrustedIssuer {
    issuer: String,
    audiences: Vec<String>,
    /// HS256, the development issuer only.
    secret: Option<DecodingKeyDebug>,
    jwks: Option<Jwks>,
    claims: ClaimsMap,
    allow_mixed_roles: bool,
}

impl TrustedIssuer {
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
}

/// Verifies bearer tokens: each routed by its `iss` to one trusted issuer.
#[derive(Debug)]
pub struct Authenticator {
    /// The first is the env/flags issuer (when configured); then
    /// `[[issuers]]` in file order.
    issuers: Vec<TrustedIssuer>,
    leeway: u64,
}

struct DecodingKeyDebug(DecodingKey);
impl std::fmt::Debug for DecodingKeyDebug {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DecodingKey([redacted])")
    }
}

impl Authenticator {
    /// Builds the verifier. The first issuer's JWKS is loaded now so that a
    /// bad file or URL fails at start-up rather than on the first request;
    /// `[[issuers]]` are tried now (bounded) but a provider that is down
    /// does not stop the hub: its tokens get "keys unavailable" until it
    /// answers (retried with backoff).
    pub async fn new(settings: &JwtSettings) -> anyhow::Result<Self> {
        let mut issuers = Vec::new();
        let first_keys = settings.secret.is_some()
            || settings.jwks_file.is_some()
            || settings.jwks_url.is_some();
        if first_keys || settings.issuers.is_empty() {
            let source = match (&settings.jwks_file, &settings.jwks_url) {
                (Some(path), _) => Some(Source::File(path.clone())),
                (None, Some(url)) => Some(Source::Url(url.clone())),
                (None, None) => None,
            };
            let jwks = match source {
                Some(source) => {
                    let jwks = Jwks::new(
                        "first".into(),
                        source.clone(),
                        settings.jwks_cache,
                        settings.jwks_min_refresh,
                    )?;
                    if !jwks.load().await {
                        anyhow::bail!("cannot load the JWKS ({source:?})");
                    }
                    Some(jwks)
                }
                None => None,
            };
            issuers.push(TrustedIssuer {
                issuer: settings.issuer.clone(),
                audiences: vec![settings.audience.clone()],
                secret: settings
                    .secret
                    .as_ref()
                    .map(|s| DecodingKeyDebug(DecodingKey::from_secret(s.expose().as_bytes()))),
                jwks,
                claims: settings.claims.clone(),
                allow_mixed_roles: settings.allow_mixed_roles,
            });
        }
        for trusted in &settings.issuers {
            if issuers.iter().any(|i| i.issuer == trusted.issuer) {
                anyhow::bail!(
                    "issuer {}: another trusted issuer has the same issuer {}",
                    trusted.name,
                    trusted.issuer
                );
            }
            let source = match &trusted.keys {
                KeySource::JwksUrl(url) => Source::Url(url.clone()),
                KeySource::JwksFile(path) => Source::File(path.clone()),
                KeySource::Discovery => Source::Discovery(trusted.issuer.clone()),
            };
            let jwks = Jwks::new(
                trusted.name.clone(),
                source,
                settings.jwks_cache,
                settings.jwks_min_refresh,
            )?;
            match tokio::time::timeout(Duration::from_secs(5), jwks.load()).await {
                Ok(true) => {}
                _ => tracing::warn!(
                    issuer = %trusted.name,
                    "the identity provider's keys could not be loaded at start; retrying on demand"
                ),
            }
            issuers.push(TrustedIssuer {
                issuer: trusted.issuer.clone(),
                audiences: trusted.audience.clone(),
                secret: None,
                jwks: Some(jwks),
                claims: trusted.claims.clone(),
                allow_mixed_roles: trusted.allow_mixed_roles,
            });
        }
        Ok(Self {
            issuers,
            leeway: settings.leeway_secs,
        })
    }

    /// The trusted issuer whose `iss` this is.
    fn issuer(&self, iss: &str) -> Option<&TrustedIssuer> {
        self.issuers.iter().find(|i| i.issuer == iss)
    }

    /// Maps claims kept from a sign-in (the pages' session) by the claims
    /// map of the trusted issuer of their `iss`; without one (the demo's
    /// personas, an OIDC provider not also trusted for API tokens),
    /// tellonce's own claim names.
    pub fn map_session_claims(&self, claims: &Value) -> Result<MappedIdentity, AuthError> {
        let map = claims
            .get("iss")
            .and_then(Value::as_str)
            .and_then(|iss| self.issuer(iss))
            .map(|i| i.claims.clone())
            .unwrap_or_default();
        map_claims(&map, claims)
    }

    /// Verifies an `Authorization` header value and maps its claims (the
    /// agency not yet looked up: see `http::auth::registered`).
    pub async fn authenticate(&self, header: Option<&str>) -> Result<MappedIdentity, AuthError> {
        self.authenticate_session(header)
            .await
            .map(|(identity, _)| identity)
    }

    /// As [`Authenticator::authenticate`], also giving the token's expiry
    /// (long-lived connections stop when it passes).
    pub async fn authenticate_session(
        &self,
        header: Option<&str>,
    ) -> Result<(MappedIdentity, Option<chrono::DateTime<chrono::Utc>>), AuthError> {
        let token = header
            .and_then(|h| {
                h.strip_prefix("Bearer ")
                    .or_else(|| h.strip_prefix("bearer "))
            })
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or(AuthError::MissingToken)?;
        let parts = Parts::of(token)?;
        // Routed by `iss`, read before verification: it only chooses whose
        // keys, audience and map apply; the signature then decides.
        let trusted = match parts.claims.get("iss") {
            None | Some(Value::Null) => return Err(AuthError::MissingClaim("iss")),
            Some(Value::String(iss)) => self.issuer(iss).ok_or(AuthError::WrongIssuer)?,
            Some(_) => return Err(AuthError::InvalidClaim("iss", "must be a string".into())),
        };
        let accepted = trusted.accepted();
        let alg = parts.algorithm(&accepted)?;
        let key = match alg {
            Algorithm::HS256 => match &trusted.secret {
                Some(k) => VerifyingKey {
                    key: k.0.clone(),
                    alg: Algorithm::HS256,
                },
                None => {
                    return Err(AuthError::UnsupportedAlgorithm("HS256".into(), accepted));
                }
            },
            Algorithm::RS256 | Algorithm::ES256 => {
                let jwks = trusted.jwks.as_ref().ok_or_else(|| {
                    AuthError::UnsupportedAlgorithm(format!("{alg:?}"), accepted.clone())
                })?;
                let key = Box::pin(jwks.key(parts.kid()?)).await?;
                if key.alg != alg {
                    // The token claims another algorithm than its key has.
                    return Err(AuthError::UnsupportedAlgorithm(
                        format!("{alg:?} for this key"),
                        accepted,
                    ));
                }
                key
            }
            other => {
                return Err(AuthError::UnsupportedAlgorithm(
                    format!("{other:?}"),
                    accepted,
                ));
            }
        };
        let mut validation = Validation::new(key.alg);
        validation.set_issuer(&[&trusted.issuer]);
        validation.set_audience(&trusted.audiences);
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
                    AuthError::UnsupportedAlgorithm(format!("{alg:?}"), accepted.clone())
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
        let identity = map_claims(&trusted.claims, &data.claims)?;
        let practitioner = identity.roles.iter().any(|r| r.is_practitioner());
        let ig = identity.roles.iter().any(|r| r.is_ig());
        if ig && practitioner && !trusted.allow_mixed_roles {
            return Err(AuthError::MixedRoles);
        }
        Ok((identity, expires))
    }
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

#[cfg(test)]
mod tests {
    use super::*;

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
