//! One issuer's key set, cached. A fetched set lives for its response's
//! `Cache-Control: max-age` (bounded by the [`JwksCachePolicy`]), then the
//! next request fetches it again; if that fails the old set serves for at
//! most `max_stale` more. An unknown `kid` refetches at once the first
//! time, then at most every 10 s doubling to 5 min while unknown kids keep
//! coming and the set does not change. One fetch at a time per issuer: the
//! others wait for it and then use what it got. Discovery
//! (`{issuer}/.well-known/openid-configuration`) names the JWKS URL; its
//! `issuer` must be the configured one.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, JwkSet, KeyAlgorithm};
use jsonwebtoken::{Algorithm, DecodingKey};
use tokio::sync::{Mutex, RwLock};

use super::AuthError;
use crate::config::JwksCachePolicy;

/// Where the keys come from.
#[derive(Debug, Clone)]
pub(super) enum Source {
    File(PathBuf),
    Url(String),
    /// The issuer; its discovery document names the JWKS URL.
    Discovery(String),
}

#[derive(Clone)]
pub(super) struct VerifyingKey {
    pub(super) key: DecodingKey,
    pub(super) alg: Algorithm,
}

/// A fetched set and how long it is trusted.
struct KeySet {
    keys: HashMap<String, VerifyingKey>,
    fresh_until: Instant,
    stale_until: Instant,
}

/// The first backoff step for unknown kids, and the longest.
const MISS_FIRST: Duration = Duration::from_secs(10);
const MISS_MAX: Duration = Duration::from_secs(5 * 60);
/// Retrying a failed fetch: from 1 s doubling to 1 min.
const FAIL_FIRST: Duration = Duration::from_secs(1);
const FAIL_MAX: Duration = Duration::from_secs(60);

/// What the one fetcher at a time knows.
#[derive(Default)]
struct Fetcher {
    /// From discovery, once found.
    jwks_uri: Option<String>,
    last_fetch: Option<Instant>,
    /// Unknown kids fetch again no earlier than this, and the step after.
    miss_after: Option<Instant>,
    miss_step: Duration,
    /// A failed fetch is retried no earlier than this, and the step after.
    retry_after: Option<Instant>,
    fail_step: Duration,
}

pub(super) struct Jwks {
    name: String,
    source: Source,
    policy: JwksCachePolicy,
    /// No two fetches closer than this (configured floor; default 0).
    min_refresh: Duration,
    set: RwLock<Option<Arc<KeySet>>>,
    fetcher: Mutex<Fetcher>,
    http: reqwest::Client,
}

impl std::fmt::Debug for Jwks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Jwks")
            .field("issuer", &self.name)
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

/// `max-age` (or `s-maxage`) seconds of a `Cache-Control` value; `no-store`
/// and `no-cache` count as 0 (the policy's minimum then applies).
pub(super) fn max_age(cache_control: &str) -> Option<Duration> {
    let mut age = None;
    for directive in cache_control.split(',') {
        let directive = directive.trim();
        let (name, value) = directive
            .split_once('=')
            .map_or((directive, None), |(n, v)| (n.trim(), Some(v.trim())));
        match name.to_ascii_lowercase().as_str() {
            "no-store" | "no-cache" => return Some(Duration::ZERO),
            "max-age" | "s-maxage" => {
                if let Some(secs) = value
                    .map(|v| v.trim_matches('"'))
                    .and_then(|v| v.parse::<u64>().ok())
                {
                    age = Some(Duration::from_secs(secs));
                }
            }
            _ => {}
        }
    }
    age
}

impl Jwks {
    pub(super) fn new(
        name: String,
        source: Source,
        policy: JwksCachePolicy,
        min_refresh: Duration,
    ) -> anyhow::Result<Self> {
        Ok(Self {
            name,
            source,
            policy,
            min_refresh,
            set: RwLock::new(None),
            fetcher: Mutex::new(Fetcher::default()),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .redirect(reqwest::redirect::Policy::none())
                .build()?,
        })
    }

    /// The set as fetched now, with its lifetime from the response.
    async fn fetch(&self, fetcher: &mut Fetcher) -> anyhow::Result<KeySet> {
        let (set, ttl): (JwkSet, Option<Duration>) = match &self.source {
            Source::File(path) => (serde_json::from_slice(&tokio::fs::read(path).await?)?, None),
            Source::Url(url) => self.get(url).await?,
            Source::Discovery(issuer) => {
                let uri = match &fetcher.jwks_uri {
                    Some(uri) => uri.clone(),
                    None => {
                        let uri = self.discover(issuer).await?;
                        fetcher.jwks_uri = Some(uri.clone());
                        uri
                    }
                };
                match self.get(&uri).await {
                    Ok(got) => got,
                    Err(e) => {
                        // Perhaps it moved: discover again next time.
                        fetcher.jwks_uri = None;
                        return Err(e);
                    }
                }
            }
        };
        let ttl = ttl
            .unwrap_or(self.policy.default_ttl)
            .clamp(self.policy.min_ttl, self.policy.max_ttl);
        let now = Instant::now();
        Ok(KeySet {
            keys: keys_of(&set)?,
            fresh_until: now + ttl,
            stale_until: now + ttl + self.policy.max_stale,
        })
    }

    async fn get(&self, url: &str) -> anyhow::Result<(JwkSet, Option<Duration>)> {
        let response = self.http.get(url).send().await?.error_for_status()?;
        let ttl = response
            .headers()
            .get(reqwest::header::CACHE_CONTROL)
            .and_then(|v| v.to_str().ok())
            .and_then(max_age);
        Ok((response.json().await?, ttl))
    }

    async fn discover(&self, issuer: &str) -> anyhow::Result<String> {
        #[derive(serde::Deserialize)]
        struct Discovery {
            issuer: String,
            jwks_uri: String,
        }
        let url = format!(
            "{}/.well-known/openid-configuration",
            issuer.trim_end_matches('/')
        );
        let doc: Discovery = self
            .http
            .get(&url)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        if doc.issuer.trim_end_matches('/') != issuer.trim_end_matches('/') {
            anyhow::bail!("the discovery document names another issuer");
        }
        if !crate::config::https_or_local(&doc.jwks_uri) {
            anyhow::bail!("the discovery document's jwks_uri is not https");
        }
        Ok(doc.jwks_uri)
    }

    /// Fetches unless `wanted` no longer holds once this task is the
    /// fetcher (another fetch may have done the work), or the floor, the
    /// miss backoff (`miss`) or the failure backoff says not yet.
    async fn refresh(&self, miss: bool, wanted: impl Fn(Option<&KeySet>) -> bool) {
        let mut fetcher = self.fetcher.lock().await;
        let old = self.set.read().await.clone();
        if !wanted(old.as_deref()) {
            return;
        }
        let now = Instant::now();
        if fetcher
            .last_fetch
            .is_some_and(|t| now.duration_since(t) < self.min_refresh)
            || fetcher.retry_after.is_some_and(|t| now < t)
            || (miss && fetcher.miss_after.is_some_and(|t| now < t))
        {
            return;
        }
        fetcher.last_fetch = Some(now);
        // Boxed: the HTTP client's futures are large, and requests are
        // polled on small stacks.
        match Box::pin(self.fetch(&mut fetcher)).await {
            Ok(set) => {
                fetcher.retry_after = None;
                fetcher.fail_step = Duration::ZERO;
                let changed = old.as_ref().is_none_or(|o| {
                    o.keys.len() != set.keys.len()
                        || set.keys.keys().any(|k| !o.keys.contains_key(k))
                });
                if changed {
                    fetcher.miss_after = None;
                    fetcher.miss_step = Duration::ZERO;
                } else if miss {
                    fetcher.miss_step = (fetcher.miss_step * 2).clamp(MISS_FIRST, MISS_MAX);
                    fetcher.miss_after = Some(now + fetcher.miss_step);
                }
                *self.set.write().await = Some(Arc::new(set));
            }
            Err(e) => {
                tracing::warn!(issuer = %self.name, error = format!("{e:#}"), "could not load the JWKS");
                fetcher.fail_step = (fetcher.fail_step * 2).clamp(FAIL_FIRST, FAIL_MAX);
                fetcher.retry_after = Some(now + fetcher.fail_step);
                if old.as_ref().is_some_and(|o| now >= o.stale_until) {
                    // Too old to trust any longer.
                    *self.set.write().await = None;
                }
            }
        }
    }

    /// Loads the set now; false if it could not be.
    pub(super) async fn load(&self) -> bool {
        self.refresh(false, |_| true).await;
        self.set.read().await.is_some()
    }

    /// The key with this `kid`.
    pub(super) async fn key(&self, kid: &str) -> Result<VerifyingKey, AuthError> {
        let current = self.set.read().await.clone();
        let now = Instant::now();
        let usable = |s: &KeySet| now < s.fresh_until;
        match &current {
            Some(s) if usable(s) => {
                if let Some(k) = s.keys.get(kid) {
                    return Ok(k.clone());
                }
                // Unknown kid: perhaps the IdP rotated.
                Box::pin(self.refresh(true, |s| s.is_none_or(|s| !s.keys.contains_key(kid)))).await;
            }
            // Expired, or never loaded: fetch (unless someone just did).
            _ => {
                Box::pin(
                    self.refresh(false, |s| s.is_none_or(|s| Instant::now() >= s.fresh_until)),
                )
                .await;
            }
        }
        let set = self.set.read().await.clone();
        match set {
            None => Err(AuthError::KeysUnavailable),
            Some(s) if Instant::now() >= s.stale_until => Err(AuthError::KeysUnavailable),
            Some(s) => s.keys.get(kid).cloned().ok_or(AuthError::UnknownKey),
        }
    }
}

/// The keys of a set this hub trusts for verification: RS256 and ES256
/// (P-256) with a `kid`; the key's own algorithm, stated or implied.
fn keys_of(set: &JwkSet) -> anyhow::Result<HashMap<String, VerifyingKey>> {
    let mut keys = HashMap::new();
    for jwk in &set.keys {
        let Some(kid) = jwk.common.key_id.clone() else {
            continue;
        };
        // A key published for encryption never verifies a signature.
        if matches!(
            jwk.common.public_key_use,
            Some(jsonwebtoken::jwk::PublicKeyUse::Encryption)
        ) {
            continue;
        }
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
        // One malformed key must not make the issuer's other keys useless.
        match DecodingKey::from_jwk(jwk) {
            Ok(key) => {
                keys.insert(kid, VerifyingKey { key, alg });
            }
            Err(e) => tracing::warn!(error = %e, "skipping a key the JWKS cannot describe"),
        }
    }
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encryption_keys_and_malformed_keys_are_skipped_not_fatal() {
        let set: JwkSet = serde_json::from_value(serde_json::json!({ "keys": [
            { "kty": "RSA", "kid": "good", "n": "sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1WlUzewbgBHod5pcM9H95GQRV3JDXboIRROSBigeC5yjU1hGzHHyXss8UDprecbAYxknTcQkhslANGRUZmdTOQ5qTRsLAt6BTYuyvVRdhS8exSZEy_c4gs_7svlJJQ4H9_NxsiIoLwAEk7-Q3UXERGYw_75IDrGA84-lA_-Ct4eTlXHBIY2EaV7t7LjJaynVJCpkv4LKjTTAumiGUIuQhrNhZLuF_RJLqHpM2kgWFLU7-VTdL1VbC2tejvcI2BlMkEpk1BzBZI0KQB0GaDWFLN-aEAw3vRw", "e": "AQAB" },
            { "kty": "RSA", "kid": "enc", "use": "enc", "n": "sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1WlUzewbgBHod5pcM9H95GQRV3JDXboIRROSBigeC5yjU1hGzHHyXss8UDprecbAYxknTcQkhslANGRUZmdTOQ5qTRsLAt6BTYuyvVRdhS8exSZEy_c4gs_7svlJJQ4H9_NxsiIoLwAEk7-Q3UXERGYw_75IDrGA84-lA_-Ct4eTlXHBIY2EaV7t7LjJaynVJCpkv4LKjTTAumiGUIuQhrNhZLuF_RJLqHpM2kgWFLU7-VTdL1VbC2tejvcI2BlMkEpk1BzBZI0KQB0GaDWFLN-aEAw3vRw", "e": "AQAB" },
            { "kty": "RSA", "kid": "broken", "n": "not base64url!", "e": "AQAB" }
        ]}))
        .expect("a JWKS");
        let keys = keys_of(&set).expect("usable keys");
        assert_eq!(keys.keys().collect::<Vec<_>>(), vec!["good"]);
    }

    #[test]
    fn cache_control_max_age() {
        let secs = |v: &str| max_age(v).map(|d| d.as_secs());
        assert_eq!(secs("public, max-age=3600"), Some(3600));
        assert_eq!(secs("max-age=\"60\", must-revalidate"), Some(60));
        assert_eq!(secs("S-MAXAGE=120"), Some(120));
        assert_eq!(secs("no-store"), Some(0));
        assert_eq!(secs("private, no-cache, max-age=99"), Some(0));
        assert_eq!(secs("max-age=soon"), None);
        assert_eq!(secs("public"), None);
        assert_eq!(secs(""), None);
    }
}
