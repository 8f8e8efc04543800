//! A child's decision facts — identity, family and who decides, consent
//! grants and overrides, casework — kept in memory and re-read only when
//! the child's version moved (migration 20's triggers bump it in the same
//! transaction as any change about the child, whoever makes it). The
//! agreement in force is kept the same way, by its version.
//!
//! So a decision costs one small statement (both versions at once) when
//! nothing changed, and a withdrawal, a new involvement or a published
//! agreement still takes effect on the very next request, on every hub
//! instance: the version is read from the database each time, never
//! assumed. Facts are read *after* the version, so what is cached under a
//! version is never older than it (a change in between only makes the next
//! request read again).
//!
//! Only the facts a decision needs are kept, never record content: the
//! sections a decision allows are read fresh for each request
//! ([`Store::load_record`]). The cache is bounded in entries (S3-FIFO,
//! `quick_cache`). Versions are random (migration 20), and the agreement is
//! known by version and publication time, so a database restored to an
//! older state never matches what was kept of a newer one.

use std::sync::{Arc, RwLock};

use consent::Agreement;
use domain::ChildId;
use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};

use super::{ChildCore, ConsentState, Result, Store, StoreError};

/// What every decision about one child needs.
#[derive(Debug, Clone)]
pub struct ChildFacts {
    pub core: ChildCore,
    pub state: ConsentState,
    /// Assessments, plans, involvements: what binds purposes to facts.
    pub case: consent::CaseFacts,
}

/// What [`Store::facts`] found.
#[derive(Debug, Clone)]
pub struct FactsRead {
    /// `None`: no such child.
    pub child: Option<Arc<ChildFacts>>,
    pub agreement: Arc<Agreement>,
    /// Kept in memory under this version (`None`: read from the database
    /// for this call).
    pub kept: Option<Option<i64>>,
}

/// Children's facts kept by default.
pub const DEFAULT_CAPACITY: usize = 10_000;

/// A child's facts (or its absence) under the version they were read at.
type Entry = (Option<i64>, Option<Arc<ChildFacts>>);

/// The agreement kept, with what identifies its row: the version and when
/// it was published (a version number a restored database published again
/// is another agreement).
type KeptAgreement = (AgreementKey, Arc<Agreement>);

/// The agreement in force as the versions query names it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct AgreementKey {
    version: i32,
    published_at: String,
}

pub(crate) struct FactsCache {
    children: Option<quick_cache::sync::Cache<ChildId, Entry>>,
    agreement: RwLock<Option<KeptAgreement>>,
}

impl std::fmt::Debug for FactsCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FactsCache")
            .field("children", &self.children.as_ref().map(|c| c.len()))
            .finish_non_exhaustive()
    }
}

impl FactsCache {
    /// Up to `capacity` children (0: every decision reads its facts).
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            children: (capacity > 0).then(|| quick_cache::sync::Cache::new(capacity)),
            agreement: RwLock::default(),
        }
    }
}

impl Store {
    /// The same store keeping up to `capacity` children's facts (0 turns
    /// the cache off: every decision reads them afresh).
    #[must_use]
    pub fn with_facts_cache(mut self, capacity: usize) -> Self {
        self.facts = Arc::new(FactsCache::new(capacity));
        self
    }

    /// A child's decision facts (`None`: no such child) and the agreement
    /// in force, as the database holds them now.
    #[tracing::instrument(name = "db.facts", skip_all, fields(otel.kind = "client", db.system.name = self.system_name(), db.operation.name = "facts"))]
    pub async fn facts(&self, id: ChildId) -> Result<FactsRead> {
        let (child_version, agreement_version) = self.versions(id).await?;
        let agreement = self.agreement_at(agreement_version).await?;
        if let Some((version, child)) = self.facts.children.as_ref().and_then(|c| c.get(&id))
            && version == child_version
        {
            return Ok(FactsRead {
                child,
                agreement,
                kept: Some(child_version),
            });
        }
        let child = self.read_facts(id, child_version).await?;
        Ok(FactsRead {
            child,
            agreement,
            kept: None,
        })
    }

    /// Reads again, from the database, facts that [`Store::facts`] found
    /// kept in memory: the same statements a miss costs. The door does this
    /// when the caller may see nothing of the child, so that a hidden child
    /// costs the same work as one that does not exist, whoever looked at it
    /// before.
    pub async fn read_facts_again(&self, id: ChildId, read: &mut FactsRead) -> Result<()> {
        if let Some(version) = read.kept.take() {
            read.child = self.read_facts(id, version).await?;
        }
        Ok(())
    }

    /// The child's version (none: no such child) and the agreement's, in
    /// one statement.
    async fn versions(&self, id: ChildId) -> Result<(Option<i64>, AgreementKey)> {
        let backend = self.db.get_database_backend();
        let placeholder = match backend {
            DatabaseBackend::Postgres => "$1",
            _ => "?",
        };
        let sql = format!(
            "SELECT (SELECT version FROM child_facts_version WHERE child_id = {placeholder}) AS child_version, \
             CAST(a.version AS BIGINT) AS agreement_version, CAST(a.published_at AS TEXT) AS published_at \
             FROM (SELECT version, published_at FROM agreement ORDER BY version DESC LIMIT 1) a"
        );
        let row = self
            .db
            .query_one_raw(Statement::from_sql_and_values(backend, sql, [id.into()]))
            .await?
            .ok_or_else(|| StoreError::Corrupt("no data-sharing agreement is published".into()))?;
        let child: Option<i64> = row.try_get("", "child_version")?;
        let version: i64 = row.try_get("", "agreement_version")?;
        let agreement = AgreementKey {
            version: i32::try_from(version)
                .map_err(|_| StoreError::Corrupt(format!("agreement version {version}")))?,
            published_at: row.try_get("", "published_at")?,
        };
        Ok((child, agreement))
    }

    /// The agreement `key` names, from memory when it is the one kept.
    async fn agreement_at(&self, key: AgreementKey) -> Result<Arc<Agreement>> {
        let kept = self
            .facts
            .agreement
            .read()
            .ok()
            .and_then(|a| a.clone())
            .filter(|(k, _)| *k == key);
        if let Some((_, agreement)) = kept {
            return Ok(agreement);
        }
        let agreement = Arc::new(self.agreement_version(key.version).await?.ok_or_else(|| {
            StoreError::Corrupt(format!("agreement version {} vanished", key.version))
        })?);
        if let Ok(mut kept) = self.facts.agreement.write() {
            // A slower reader may put back an older one: the next request
            // compares its key and reads again, so that costs a read, never
            // a stale decision.
            *kept = Some((key, agreement.clone()));
        }
        Ok(agreement)
    }

    /// Reads a child's facts from the database and keeps them under
    /// `version` (read before them).
    async fn read_facts(
        &self,
        id: ChildId,
        version: Option<i64>,
    ) -> Result<Option<Arc<ChildFacts>>> {
        let (core, state, case) = tokio::try_join!(
            self.child_core(id),
            self.consent_state(id),
            self.case_facts(id)
        )?;
        let facts = core.map(|core| Arc::new(ChildFacts { core, state, case }));
        // A missing child is not kept: it is read again every time anyway
        // (the door's same-work rule), so it would only take a slot.
        if let (Some(cache), Some(facts)) = (&self.facts.children, &facts) {
            cache.insert(id, (version, Some(facts.clone())));
        }
        Ok(facts)
    }
}
