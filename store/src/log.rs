//! Storage of the verifiable log (`consent::log`): integrating committed
//! trace entries into the Merkle tree's tiles, signed checkpoints, and the
//! hashes proofs are made of. The tree code reads hashes synchronously;
//! here they are fetched tile by tile as it names the tiles it lacks.

use chrono::Utc;
use consent::log::{
    self, ConsistencyProof, Hash, InclusionProof, LogError, LogSigner, Opened, Tiles,
};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DatabaseBackend, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, SqliteTransactionMode, Statement, TransactionOptions,
    TransactionTrait,
};

use super::entities::{access_trace, trace_checkpoint, trace_tile};
use super::{Result, Store, StoreError};

/// Serialises integration across hub instances on PostgreSQL (another key
/// than the chain's: appends never wait for integration).
const LOG_ADVISORY_KEY: i64 = 0x7e11_0ce1;

/// At most this many entries are integrated per transaction, so that one
/// integration stays short however far behind the log is.
pub const INTEGRATE_BATCH: u64 = 20_000;

/// A signed checkpoint as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCheckpoint {
    pub size: u64,
    /// Base64.
    pub root: String,
    /// The signed note.
    pub note: String,
    pub created_at: chrono::DateTime<Utc>,
}

impl From<trace_checkpoint::Model> for StoredCheckpoint {
    fn from(m: trace_checkpoint::Model) -> Self {
        Self {
            size: m.size.max(0) as u64,
            root: m.root,
            note: m.note,
            created_at: m.created_at,
        }
    }
}

fn corrupt(e: LogError) -> StoreError {
    StoreError::Corrupt(format!("verifiable log: {e}"))
}

fn signed(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// Adds the tiles `wanted` to `tiles` from the database; false if none of
/// them was there.
async fn load<C: ConnectionTrait>(
    conn: &C,
    tiles: &mut Tiles,
    wanted: &[(u8, u64)],
) -> Result<bool> {
    let wanted: Vec<_> = wanted
        .iter()
        .filter(|(l, n)| !tiles.has(*l, *n))
        .copied()
        .collect();
    if wanted.is_empty() {
        return Ok(false);
    }
    let mut found = false;
    // A tree of 2^63 leaves has 8 levels of tiles and a proof needs at most
    // two tiles a level: one statement, bounded.
    for chunk in wanted.chunks(64) {
        let mut any = Condition::any();
        for (l, n) in chunk {
            any = any.add(
                Condition::all()
                    .add(trace_tile::Column::Level.eq(i16::from(*l)))
                    .add(trace_tile::Column::Idx.eq(signed(*n))),
            );
        }
        for row in trace_tile::Entity::find().filter(any).all(conn).await? {
            let level = u8::try_from(row.level)
                .map_err(|_| StoreError::Corrupt(format!("tile level {}", row.level)))?;
            tiles.insert(level, row.idx.max(0) as u64, row.data);
            found = true;
        }
    }
    Ok(found)
}

/// Runs `f` over `tiles`, fetching what it names until it has all it needs.
async fn with_tiles<C: ConnectionTrait, T>(
    conn: &C,
    tiles: &mut Tiles,
    f: impl Fn(&mut Tiles) -> std::result::Result<T, LogError>,
) -> Result<T> {
    // Each round loads at least one more tile; a tree has few levels.
    for _ in 0..16 {
        match f(tiles) {
            Ok(v) => return Ok(v),
            Err(LogError::MissingTiles(wanted)) => {
                if !load(conn, tiles, &wanted).await? {
                    return Err(StoreError::Corrupt(format!(
                        "verifiable log: tiles {wanted:?} are missing"
                    )));
                }
            }
            Err(e) => return Err(corrupt(e)),
        }
    }
    Err(StoreError::Corrupt(
        "verifiable log: a proof needed too many tiles".to_owned(),
    ))
}

pub(crate) async fn latest<C: ConnectionTrait>(conn: &C) -> Result<Option<StoredCheckpoint>> {
    Ok(trace_checkpoint::Entity::find()
        .order_by_desc(trace_checkpoint::Column::Size)
        .one(conn)
        .await?
        .map(Into::into))
}

impl Store {
    /// Integrates up to `max` committed trace entries not yet in the log and
    /// signs a checkpoint of the new tree. Returns the new size, or `None`
    /// if there was nothing to do (or, on PostgreSQL, another instance is
    /// integrating right now).
    #[tracing::instrument(name = "db.integrate_log", skip_all, fields(otel.kind = "client", db.operation.name = "integrate_log"))]
    pub async fn integrate_log(&self, signer: &LogSigner, max: u64) -> Result<Option<u64>> {
        // Nothing new: no transaction (on SQLite, no write lock taken every
        // half second by an idle hub).
        let logged = trace_checkpoint::Entity::find()
            .select_only()
            .column_as(trace_checkpoint::Column::Size.max(), "size")
            .into_tuple::<Option<i64>>()
            .one(&self.db)
            .await?
            .flatten()
            .unwrap_or(0);
        if signed(self.trace_links_head().await?) <= logged {
            return Ok(None);
        }
        // On SQLite the write lock is taken at BEGIN, as for appends (a
        // deferred transaction that reads and then writes is refused when
        // an append commits in between).
        let txn = self
            .db
            .begin_with_options(TransactionOptions {
                sqlite_transaction_mode: (self.db.get_database_backend()
                    == DatabaseBackend::Sqlite)
                    .then_some(SqliteTransactionMode::Immediate),
                ..TransactionOptions::default()
            })
            .await?;
        if txn.get_database_backend() == DatabaseBackend::Postgres {
            let row = txn
                .query_one_raw(Statement::from_string(
                    DatabaseBackend::Postgres,
                    format!("SELECT pg_try_advisory_xact_lock({LOG_ADVISORY_KEY}) AS got"),
                ))
                .await?;
            let got: bool = row
                .map(|r| r.try_get("", "got"))
                .transpose()?
                .unwrap_or(false);
            if !got {
                return Ok(None);
            }
        }
        let head = latest(&txn).await?;
        // The tree grows only from a checkpoint this key signed: another
        // key (a second instance misconfigured, a key swapped without a new
        // log) or an edited checkpoint row stops integration loudly.
        if let Some(h) = &head {
            let opened = log::open_checkpoint(&h.note, signer.public_key()).map_err(|e| {
                StoreError::Corrupt(format!(
                    "the log's latest checkpoint ({} entries) does not hold for this signing key: {e}",
                    h.size
                ))
            })?;
            if opened.size != h.size || opened.root.to_string() != h.root {
                return Err(StoreError::Corrupt(format!(
                    "the log's latest checkpoint row ({} entries) does not match its signed note",
                    h.size
                )));
            }
        }
        let size = head.as_ref().map_or(0, |h| h.size);
        let rows: Vec<(i64, String)> = access_trace::Entity::find()
            .select_only()
            .column(access_trace::Column::Seq)
            .column(access_trace::Column::Entry)
            .filter(access_trace::Column::Seq.gt(signed(size)))
            .order_by_asc(access_trace::Column::Seq)
            .limit(max.max(1))
            .into_tuple()
            .all(&txn)
            .await?;
        let mut leaves = Vec::with_capacity(rows.len());
        for (i, (seq, entry)) in rows.iter().enumerate() {
            // Sequence numbers are given out under the chain's lock and
            // committed in order, so the entries after the log's end are
            // there without a gap; a gap is damage, not a race.
            if *seq != signed(size) + 1 + i as i64 {
                return Err(StoreError::Corrupt(format!(
                    "trace entry {} is missing (found {seq})",
                    signed(size) + 1 + i as i64
                )));
            }
            leaves.push(log::leaf_hash(entry));
        }
        if leaves.is_empty() {
            return Ok(None);
        }
        let mut tiles = Tiles::default();
        load(&txn, &mut tiles, &log::frontier_tiles(size)).await?;
        // The tree grows from tiles that still give the signed root: a
        // stored tile edited since is not built on (and signed over).
        if let Some(h) = &head {
            let root = with_tiles(&txn, &mut tiles, |t| log::root(t, size)).await?;
            if root.to_string() != h.root {
                return Err(StoreError::Corrupt(format!(
                    "verifiable log: the stored tiles no longer give the root of the signed checkpoint of {size} entries"
                )));
            }
        }
        let done = with_tiles(&txn, &mut tiles, |t| log::integrate(t, size, &leaves)).await?;
        let note = signer.sign(done.size, done.root).map_err(corrupt)?;
        let models: Vec<trace_tile::ActiveModel> = done
            .tiles
            .into_iter()
            .map(|(level, idx, data)| trace_tile::ActiveModel {
                level: Set(i16::from(level)),
                idx: Set(signed(idx)),
                width: Set((data.len() / 32) as i32),
                data: Set(data),
            })
            .collect();
        for chunk in models.chunks(500) {
            trace_tile::Entity::insert_many(chunk.to_vec())
                .on_conflict(
                    OnConflict::columns([trace_tile::Column::Level, trace_tile::Column::Idx])
                        .update_columns([trace_tile::Column::Width, trace_tile::Column::Data])
                        .to_owned(),
                )
                .exec(&txn)
                .await?;
        }
        trace_checkpoint::Entity::insert(trace_checkpoint::ActiveModel {
            size: Set(signed(done.size)),
            root: Set(done.root.to_string()),
            note: Set(note),
            created_at: Set(self.clock.now()),
        })
        .exec(&txn)
        .await?;
        txn.commit().await?;
        Ok(Some(done.size))
    }

    /// The trace's last sequence number (0 when empty).
    pub async fn trace_links_head(&self) -> Result<u64> {
        let seq = access_trace::Entity::find()
            .select_only()
            .column_as(access_trace::Column::Seq.max(), "seq")
            .into_tuple::<Option<i64>>()
            .one(&self.db)
            .await?
            .flatten()
            .unwrap_or(0);
        Ok(u64::try_from(seq).unwrap_or(0))
    }

    /// The latest signed checkpoint, if the log has one.
    pub async fn log_checkpoint(&self) -> Result<Option<StoredCheckpoint>> {
        latest(&self.db).await
    }

    /// The signed checkpoint of the tree of exactly `size` entries.
    pub async fn log_checkpoint_at(&self, size: u64) -> Result<Option<StoredCheckpoint>> {
        Ok(trace_checkpoint::Entity::find_by_id(signed(size))
            .one(&self.db)
            .await?
            .map(Into::into))
    }

    /// Replaces the note of the checkpoint of `size` entries with one that
    /// also carries witnesses' co-signatures (the caller checked it).
    pub async fn cosign_checkpoint(&self, size: u64, note: String) -> Result<bool> {
        let updated = trace_checkpoint::Entity::update_many()
            .col_expr(
                trace_checkpoint::Column::Note,
                sea_orm::sea_query::Expr::value(note),
            )
            .filter(trace_checkpoint::Column::Size.eq(signed(size)))
            .exec(&self.db)
            .await?;
        Ok(updated.rows_affected == 1)
    }

    /// A tile's data, `width` hashes of it (`None` if the log does not yet
    /// hold that many).
    pub async fn log_tile(&self, level: u8, idx: u64, width: u32) -> Result<Option<Vec<u8>>> {
        let row = trace_tile::Entity::find_by_id((i16::from(level), signed(idx)))
            .one(&self.db)
            .await?;
        Ok(row.and_then(|r| {
            let want = width as usize * 32;
            (r.data.len() >= want).then(|| r.data[..want].to_vec())
        }))
    }

    /// The inclusion proof of entry `seq` against the latest signed
    /// checkpoint, with the entry's canonical form; `None` while the entry
    /// is not yet integrated (or there is no log). The leaf hash is of the
    /// entry as stored now, so an entry changed after logging gets a proof
    /// that fails.
    pub async fn inclusion_proof(&self, seq: i64) -> Result<Option<(InclusionProof, String)>> {
        Ok(self.inclusion_proofs(&[seq]).await?.pop().flatten())
    }

    /// As [`Store::inclusion_proof`] for several entries (a page of
    /// results), sharing one checkpoint, one read of the entries and the
    /// tiles their paths cross.
    pub async fn inclusion_proofs(
        &self,
        seqs: &[i64],
    ) -> Result<Vec<Option<(InclusionProof, String)>>> {
        let Some(head) = latest(&self.db).await? else {
            return Ok(vec![None; seqs.len()]);
        };
        let logged: Vec<i64> = seqs
            .iter()
            .copied()
            .filter(|s| *s >= 1 && *s as u64 <= head.size)
            .collect();
        let entries: std::collections::HashMap<i64, String> = if logged.is_empty() {
            Default::default()
        } else {
            access_trace::Entity::find()
                .select_only()
                .column(access_trace::Column::Seq)
                .column(access_trace::Column::Entry)
                .filter(access_trace::Column::Seq.is_in(logged))
                .into_tuple::<(i64, String)>()
                .all(&self.db)
                .await?
                .into_iter()
                .collect()
        };
        // Every path first against the tiles at hand, naming all the tiles
        // any of them lacks; those fetched at once; again, until none
        // lacks any (a page's paths share most of their tiles: two or
        // three statements for the page, not one or two per entry).
        let mut tiles = Tiles::default();
        let mut paths: Vec<Option<Vec<Hash>>> = vec![None; seqs.len()];
        for _ in 0..16 {
            let mut wanted = std::collections::BTreeSet::new();
            for (i, seq) in seqs.iter().enumerate() {
                if paths[i].is_some() || !entries.contains_key(seq) {
                    continue;
                }
                match log::prove_inclusion(&tiles, head.size, *seq as u64 - 1) {
                    Ok(path) => paths[i] = Some(path),
                    Err(LogError::MissingTiles(m)) => wanted.extend(m),
                    Err(e) => return Err(corrupt(e)),
                }
            }
            if wanted.is_empty() {
                break;
            }
            let wanted: Vec<_> = wanted.into_iter().collect();
            if !load(&self.db, &mut tiles, &wanted).await? {
                return Err(StoreError::Corrupt(format!(
                    "verifiable log: tiles {wanted:?} are missing"
                )));
            }
        }
        if seqs
            .iter()
            .zip(&paths)
            .any(|(seq, path)| entries.contains_key(seq) && path.is_none())
        {
            return Err(StoreError::Corrupt(
                "verifiable log: a proof needed too many tiles".to_owned(),
            ));
        }
        let mut out = Vec::with_capacity(seqs.len());
        for (seq, path) in seqs.iter().zip(paths) {
            let (Some(entry), Some(path)) = (entries.get(seq), path) else {
                out.push(None);
                continue;
            };
            out.push(Some((
                InclusionProof {
                    leaf_index: *seq as u64 - 1,
                    tree_size: head.size,
                    leaf_hash: log::leaf_hash(entry).to_string(),
                    hashes: path.iter().map(ToString::to_string).collect(),
                    checkpoint: head.note.clone(),
                },
                entry.clone(),
            )));
        }
        Ok(out)
    }

    /// The consistency proof from the checkpoint of `old` entries to the
    /// latest (or that of `new`).
    pub async fn consistency_proof(
        &self,
        old: u64,
        new: Option<u64>,
    ) -> Result<std::result::Result<ConsistencyProof, String>> {
        let Some(old_cp) = self.log_checkpoint_at(old).await? else {
            return Ok(Err(format!("the log has no checkpoint of {old} entries")));
        };
        let new_cp = match new {
            Some(n) => self.log_checkpoint_at(n).await?,
            None => latest(&self.db).await?,
        };
        let Some(new_cp) = new_cp else {
            return Ok(Err(format!(
                "the log has no checkpoint of {} entries",
                new.unwrap_or_default()
            )));
        };
        if new_cp.size < old {
            return Ok(Err(format!(
                "the newer checkpoint ({}) is smaller than the older ({old})",
                new_cp.size
            )));
        }
        let hashes = if new_cp.size == old {
            Vec::new()
        } else {
            let mut tiles = Tiles::default();
            with_tiles(&self.db, &mut tiles, |t| {
                log::prove_consistency(t, new_cp.size, old)
            })
            .await?
        };
        Ok(Ok(ConsistencyProof {
            old_size: old,
            new_size: new_cp.size,
            hashes: hashes.iter().map(ToString::to_string).collect(),
            old_checkpoint: old_cp.note,
            new_checkpoint: new_cp.note,
        }))
    }

    /// The stored tiles of the tree's frontier at `size` leaves (to resume
    /// a replay after archived entries).
    pub(crate) async fn frontier_at(&self, size: u64) -> Result<Tiles> {
        let mut tiles = Tiles::default();
        load(&self.db, &mut tiles, &log::frontier_tiles(size)).await?;
        Ok(tiles)
    }

    /// The leaf hashes the stored level-0 tiles hold for leaves
    /// `from..to` (those the log has), for verification.
    pub(crate) async fn logged_leaves(&self, from: u64, to: u64) -> Result<Vec<Option<Hash>>> {
        if from >= to {
            return Ok(Vec::new());
        }
        let first = from >> consent::log::TILE_HEIGHT;
        let last = (to - 1) >> consent::log::TILE_HEIGHT;
        let rows = trace_tile::Entity::find()
            .filter(trace_tile::Column::Level.eq(0i16))
            .filter(trace_tile::Column::Idx.between(signed(first), signed(last)))
            .all(&self.db)
            .await?;
        let by_idx: std::collections::HashMap<u64, Vec<u8>> = rows
            .into_iter()
            .map(|r| (r.idx.max(0) as u64, r.data))
            .collect();
        Ok((from..to)
            .map(|n| {
                by_idx
                    .get(&(n >> consent::log::TILE_HEIGHT))
                    .and_then(|d| log::leaf_in_tile(d, n))
            })
            .collect())
    }

    /// The latest checkpoint opened with `vkey`: `Err` with the reason if
    /// its signature does not hold.
    pub async fn opened_checkpoint(
        &self,
        vkey: &str,
    ) -> Result<Option<std::result::Result<Opened, String>>> {
        Ok(latest(&self.db)
            .await?
            .map(|cp| log::open_checkpoint(&cp.note, vkey).map_err(|e| e.to_string())))
    }
}
