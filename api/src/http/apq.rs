//! Automatic persisted queries, as Apollo clients speak them: a request
//! may send `extensions.persistedQuery { version: 1, sha256Hash }` without
//! its `query`; a hash the hub has not seen is answered
//! `PersistedQueryNotFound`, and the client sends the query with its hash
//! once, which the hub checks and remembers.
//!
//! The cache holds document *text* only: a document taken from it is
//! checked by the guard exactly as if the client had sent it, so nothing
//! cached skips a limit. It is kept per caller (the token's subject and
//! agency), so no caller can learn from a hit what documents another sent
//! (a document may name a child), and it is bounded in entries and bytes;
//! the oldest entry goes first.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};

use sha2::{Digest as _, Sha256};

/// The message Apollo clients look for before retrying with the query.
pub const NOT_FOUND_MESSAGE: &str = "PersistedQueryNotFound";
/// Its `extensions.code`.
pub const NOT_FOUND_CODE: &str = "PERSISTED_QUERY_NOT_FOUND";
/// The message when the query's hash is not the one sent (Apollo's words).
pub const MISMATCH_MESSAGE: &str = "provided sha does not match query";

/// Documents remembered, across every caller.
pub const MAX_ENTRIES: usize = 2048;
/// Bytes of document text remembered, across every caller.
pub const MAX_BYTES: usize = 16 * 1024 * 1024;

/// What a request's `persistedQuery` extension asked for.
#[derive(Debug, PartialEq, Eq)]
pub enum Lookup {
    /// No persisted query: an ordinary request.
    None,
    /// The cached document was put into the request.
    Found,
    /// The hub does not know the hash (for this caller).
    NotFound,
    /// The query came with its hash, which matched: remember it once the
    /// guard has passed it.
    Remember(String),
}

/// Why a `persistedQuery` extension was refused (400).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("provided sha does not match query")]
    Mismatch,
    #[error(
        "extensions.persistedQuery must be {{\"version\": 1, \"sha256Hash\": \"<64 hex digits>\"}}"
    )]
    Malformed,
}

/// The bounded, per-caller cache of persisted documents.
#[derive(Debug, Clone, Default)]
pub struct PersistedQueries {
    inner: Arc<Mutex<Cache>>,
}

#[derive(Debug, Default)]
struct Cache {
    documents: HashMap<Key, String>,
    order: VecDeque<Key>,
    bytes: usize,
}

/// (caller, lower-case hex SHA-256 of the document).
type Key = (String, String);

/// The hex SHA-256 of a document, as Apollo clients compute it.
pub fn sha256_hex(query: &str) -> String {
    Sha256::digest(query.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl PersistedQueries {
    /// Resolves the request's persisted query for `caller`: fills in the
    /// query from the cache, or says what to do.
    pub fn resolve(
        &self,
        caller: &str,
        request: &mut async_graphql::Request,
    ) -> Result<Lookup, Refused> {
        let Some(extension) = request.extensions.get("persistedQuery") else {
            return Ok(Lookup::None);
        };
        let hash = persisted_hash(extension)?;
        if request.query.is_empty() {
            return Ok(match self.get(caller, &hash) {
                Some(query) => {
                    request.query = query;
                    Lookup::Found
                }
                None => Lookup::NotFound,
            });
        }
        if sha256_hex(&request.query) == hash {
            Ok(Lookup::Remember(hash))
        } else {
            Err(Refused::Mismatch)
        }
    }

    fn get(&self, caller: &str, hash: &str) -> Option<String> {
        let cache = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        cache
            .documents
            .get(&(caller.to_owned(), hash.to_owned()))
            .cloned()
    }

    /// Remembers a document the guard passed, under its (checked) hash.
    pub fn remember(&self, caller: &str, hash: String, query: &str) {
        if query.len() > MAX_BYTES {
            return;
        }
        let mut cache = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let key = (caller.to_owned(), hash);
        if cache.documents.contains_key(&key) {
            return;
        }
        while cache.documents.len() >= MAX_ENTRIES || cache.bytes + query.len() > MAX_BYTES {
            let Some(oldest) = cache.order.pop_front() else {
                break;
            };
            if let Some(text) = cache.documents.remove(&oldest) {
                cache.bytes -= text.len();
            }
        }
        cache.bytes += query.len();
        cache.order.push_back(key.clone());
        cache.documents.insert(key, query.to_owned());
    }
}

/// The hash of `{"version": 1, "sha256Hash": "…"}`, lower-cased.
fn persisted_hash(extension: &async_graphql::Value) -> Result<String, Refused> {
    use async_graphql::Value;
    let Value::Object(fields) = extension else {
        return Err(Refused::Malformed);
    };
    let version_one =
        matches!(fields.get("version"), Some(Value::Number(n)) if n.as_u64() == Some(1));
    match fields.get("sha256Hash") {
        Some(Value::String(hash))
            if version_one && hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()) =>
        {
            Ok(hash.to_ascii_lowercase())
        }
        _ => Err(Refused::Malformed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(query: &str, hash: &str) -> async_graphql::Request {
        let mut r = async_graphql::Request::new(query);
        r.extensions.0.insert(
            "persistedQuery".into(),
            async_graphql::Value::from_json(
                serde_json::json!({ "version": 1, "sha256Hash": hash }),
            )
            .expect("value"),
        );
        r
    }

    #[test]
    fn a_document_is_found_only_by_its_caller_after_it_was_sent() {
        let cache = PersistedQueries::default();
        let query = "{ me { subject } }";
        let hash = sha256_hex(query);
        let mut hash_only = request("", &hash);
        assert_eq!(cache.resolve("a", &mut hash_only), Ok(Lookup::NotFound));
        let mut full = request(query, &hash.to_uppercase());
        let Ok(Lookup::Remember(h)) = cache.resolve("a", &mut full) else {
            panic!("the hash matches");
        };
        cache.remember("a", h, query);
        let mut again = request("", &hash);
        assert_eq!(cache.resolve("a", &mut again), Ok(Lookup::Found));
        assert_eq!(again.query, query);
        let mut other = request("", &hash);
        assert_eq!(cache.resolve("b", &mut other), Ok(Lookup::NotFound));
        let mut wrong = request("{ me { roles } }", &hash);
        assert_eq!(cache.resolve("a", &mut wrong), Err(Refused::Mismatch));
        let mut bad = request("", "abc");
        assert_eq!(cache.resolve("a", &mut bad), Err(Refused::Malformed));
    }

    #[test]
    fn the_cache_is_bounded() {
        let cache = PersistedQueries::default();
        for i in 0..MAX_ENTRIES + 10 {
            let query = format!("{{ a{i}: me {{ subject }} }}");
            cache.remember("a", sha256_hex(&query), &query);
        }
        let inner = cache.inner.lock().expect("lock");
        assert_eq!(inner.documents.len(), MAX_ENTRIES);
        assert_eq!(inner.order.len(), MAX_ENTRIES);
        assert!(inner.bytes <= MAX_BYTES);
        assert!(
            !inner
                .documents
                .contains_key(&("a".into(), sha256_hex("{ a0: me { subject } }")))
        );
    }
}
