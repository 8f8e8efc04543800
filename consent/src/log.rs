//! The verifiable log over the access trace (issue 15): a Merkle tree
//! following RFC 6962 / RFC 9162 as the C2SP `tlog-tiles` specification
//! stores it, with checkpoints in the C2SP `tlog-checkpoint` form, signed
//! as C2SP signed notes (Ed25519). The tree code is the `tlog_tiles`
//! crate's (a port of Go's `golang.org/x/mod/sumdb/tlog`); the notes are
//! `signed_note`'s. Pure code: the store reads and writes tiles, this
//! module computes them, signs and checks.
//!
//! - Leaf `i` is the canonical form of trace entry `seq = i + 1`, as
//!   hashed into the chain ([`crate::trace::TraceEntry::canonical`]); its
//!   leaf hash is `SHA-256(0x00 ‖ canonical)`. The chain written before
//!   the log existed becomes its first leaves, in order.
//! - Tiles have height [`TILE_HEIGHT`]; the store keeps the widest version
//!   of each (a partial tile grows as leaves are integrated).
//! - Tree code reads hashes synchronously ([`HashReader`]); the store's are
//!   in the database. [`Tiles`] answers from the tiles it was given and
//!   names the ones it lacks ([`LogError::MissingTiles`]); the store
//!   fetches those and asks again ([`Tiles::missing`]).

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};

use serde::{Deserialize, Serialize};
use signed_note::{Note, StandardSigner, StandardVerifier, VerifierList};
use tlog_tiles::{
    Checkpoint as TreeHead, HashReader, check_record, check_tree, prove_record, prove_tree,
    record_hash, stored_hash_index, stored_hashes_for_record_hash, tree_hash,
};
pub use tlog_tiles::{Hash, Tile};

/// The height of the tiles stored and served (C2SP `tlog-tiles` fixes 8).
pub const TILE_HEIGHT: u8 = 8;

/// Why a log operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LogError {
    /// The tree code needs these tiles `(level, index)`; fetch and retry.
    #[error("tiles not loaded: {0:?}")]
    MissingTiles(Vec<(u8, u64)>),
    /// A stored tile does not hold the hashes its coordinates promise.
    #[error("the stored log is corrupt: {0}")]
    Corrupt(String),
    /// A proof, checkpoint or key that does not check out.
    #[error("{0}")]
    Invalid(String),
}

fn tree_error(e: tlog_tiles::Error) -> LogError {
    LogError::Corrupt(e.to_string())
}

/// The leaf hash of a trace entry's canonical form.
pub fn leaf_hash(canonical: &str) -> Hash {
    record_hash(canonical.as_bytes())
}

/// The coordinates `(level, index)` of the rightmost tile at each level of
/// a tree of `size` leaves: the tiles integrating the next leaves reads.
pub fn frontier_tiles(size: u64) -> Vec<(u8, u64)> {
    let h = u32::from(TILE_HEIGHT);
    let mut out = Vec::new();
    let mut level = 0u8;
    while let Some(nodes) = size.checked_shr(h * u32::from(level))
        && nodes > 0
    {
        if nodes % (1 << h) != 0 {
            out.push((level, nodes >> h));
        }
        level += 1;
    }
    out
}

/// Stored tiles by `(level, index)` (their data: `width × 32` bytes),
/// plus hashes computed but not yet stored; a [`HashReader`] over both.
#[derive(Debug, Default)]
pub struct Tiles {
    tiles: HashMap<(u8, u64), Vec<u8>>,
    fresh: HashMap<u64, Hash>,
    missing: RefCell<BTreeSet<(u8, u64)>>,
}

impl Tiles {
    /// Adds a stored tile's data.
    pub fn insert(&mut self, level: u8, index: u64, data: Vec<u8>) {
        self.tiles.insert((level, index), data);
    }

    /// Whether the tile `(level, index)` is loaded.
    pub fn has(&self, level: u8, index: u64) -> bool {
        self.tiles.contains_key(&(level, index))
    }

    /// Runs `f`, a computation over the tree, and names the tiles it
    /// lacked if it failed for want of them.
    pub fn run<T>(
        &self,
        f: impl FnOnce(&Self) -> Result<T, tlog_tiles::Error>,
    ) -> Result<T, LogError> {
        self.missing.borrow_mut().clear();
        let result = f(self);
        let missing: Vec<_> = std::mem::take(&mut *self.missing.borrow_mut())
            .into_iter()
            .collect();
        match result {
            Ok(v) => Ok(v),
            Err(_) if !missing.is_empty() => Err(LogError::MissingTiles(missing)),
            Err(e) => Err(tree_error(e)),
        }
    }

    /// The tiles the last failed [`Tiles::run`] lacked (for callers that
    /// match on the error instead).
    pub fn missing(error: &LogError) -> Option<&[(u8, u64)]> {
        match error {
            LogError::MissingTiles(m) => Some(m),
            _ => None,
        }
    }

    fn hash(&self, index: u64) -> Option<Hash> {
        if let Some(h) = self.fresh.get(&index) {
            return Some(*h);
        }
        let tile = Tile::from_index(TILE_HEIGHT, index);
        let key = (tile.level(), tile.level_index());
        match self.tiles.get(&key) {
            Some(data) => tile.hash_at_index(data, index).ok(),
            None => {
                self.missing.borrow_mut().insert(key);
                None
            }
        }
    }
}

impl HashReader for Tiles {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, tlog_tiles::Error> {
        // Every index is looked at, so one failed pass names every tile
        // the store must fetch.
        let hashes: Vec<Option<Hash>> = indexes.iter().map(|&i| self.hash(i)).collect();
        hashes
            .into_iter()
            .collect::<Option<Vec<_>>>()
            .ok_or(tlog_tiles::Error::IndexesNotInTree)
    }
}

/// What integrating leaves produced: the new tree and the tiles to store
/// (upserted: a partial tile replaces its narrower self).
#[derive(Debug, Clone, PartialEq)]
pub struct Integrated {
    pub size: u64,
    pub root: Hash,
    /// `(level, index, data)`.
    pub tiles: Vec<(u8, u64, Vec<u8>)>,
}

/// Appends `leaves` (leaf hashes) to the tree of `size` leaves whose
/// frontier tiles ([`frontier_tiles`]) `tiles` holds.
pub fn integrate(tiles: &mut Tiles, size: u64, leaves: &[Hash]) -> Result<Integrated, LogError> {
    tiles.fresh.clear();
    for (i, &leaf) in leaves.iter().enumerate() {
        let n = size + i as u64;
        let stored = tiles.run(|t| stored_hashes_for_record_hash(n, leaf, t))?;
        let first = stored_hash_index(0, n);
        for (k, h) in stored.into_iter().enumerate() {
            tiles.fresh.insert(first + k as u64, h);
        }
    }
    let new_size = size + leaves.len() as u64;
    let mut out = Vec::new();
    for tile in Tile::new_tiles(TILE_HEIGHT, size, new_size) {
        let data = tiles.run(|t| tile.read_data(t))?;
        out.push((tile.level(), tile.level_index(), data));
    }
    let root = tiles.run(|t| tree_hash(new_size, t))?;
    tiles.fresh.clear();
    for (level, index, data) in &out {
        tiles.insert(*level, *index, data.clone());
    }
    Ok(Integrated {
        size: new_size,
        root,
        tiles: out,
    })
}

/// The leaf hash of leaf `n` in the data of the level-0 tile holding it.
pub fn leaf_in_tile(data: &[u8], n: u64) -> Option<Hash> {
    let at = usize::try_from(n % (1 << TILE_HEIGHT)).ok()? * tlog_tiles::HASH_SIZE;
    let bytes = data.get(at..at + tlog_tiles::HASH_SIZE)?;
    Some(Hash(bytes.try_into().ok()?))
}

/// What replaying the trace into a fresh tree found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReplayReport {
    /// The signed checkpoint's size whose root was recomputed (0: none).
    pub checkpoint_size: u64,
    /// The first entry (sequence number) at which the log does not hold,
    /// and why.
    pub broken: Option<(i64, String)>,
}

/// Rebuilds the tree from the trace's entries, in order, in memory bounded
/// by the tree's frontier, and checks it against the stored tiles (which
/// finds the first entry changed after it was logged) and against the
/// latest signed checkpoint's root (which finds any rewrite, tiles and all).
#[derive(Debug)]
pub struct Replay {
    tiles: Tiles,
    size: u64,
    pending: Vec<Hash>,
    checkpoint: Option<Opened>,
    report: ReplayReport,
}

impl Replay {
    /// A replay that checks against `checkpoint` (already opened with the
    /// log's public key), if any.
    pub fn new(checkpoint: Option<Opened>) -> Self {
        Self {
            tiles: Tiles::default(),
            size: 0,
            pending: Vec::new(),
            checkpoint,
            report: ReplayReport::default(),
        }
    }

    /// A replay that starts after the first `size` leaves, from the
    /// frontier `tiles` the store holds for that size (their entries were
    /// archived): the comparison with the signed root then also checks
    /// those tiles.
    pub fn resume(checkpoint: Option<Opened>, size: u64, tiles: Tiles) -> Self {
        Self {
            tiles,
            size,
            ..Self::new(checkpoint)
        }
    }

    /// The checkpoint's size, 0 without one: entries before it are logged.
    pub fn logged(&self) -> u64 {
        self.checkpoint.as_ref().map_or(0, |c| c.size)
    }

    /// The next entry's canonical form and, if it is logged, its leaf hash
    /// as the stored tiles hold it.
    pub fn push(&mut self, canonical: &str, stored: Option<Hash>) {
        let n = self.size + self.pending.len() as u64;
        let leaf = leaf_hash(canonical);
        if self.report.broken.is_none() && n < self.logged() && stored != Some(leaf) {
            self.report.broken = Some((
                n as i64 + 1,
                "its content is not what the log recorded (it was changed after logging)"
                    .to_owned(),
            ));
        }
        self.pending.push(leaf);
        if n + 1 == self.logged() || self.pending.len() >= 4096 {
            self.flush();
        }
    }

    fn flush(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let leaves = std::mem::take(&mut self.pending);
        match integrate(&mut self.tiles, self.size, &leaves) {
            Ok(done) => self.size = done.size,
            Err(e) => {
                // Cannot happen with the frontier kept; say so if it does.
                self.report
                    .broken
                    .get_or_insert((self.size as i64 + 1, e.to_string()));
                return;
            }
        }
        let frontier: BTreeSet<_> = frontier_tiles(self.size).into_iter().collect();
        self.tiles.tiles.retain(|k, _| frontier.contains(k));
        if let Some(cp) = &self.checkpoint
            && cp.size == self.size
        {
            self.report.checkpoint_size = cp.size;
            let ok = root(&self.tiles, self.size).is_ok_and(|r| r == cp.root);
            if !ok && self.report.broken.is_none() {
                self.report.broken = Some((
                    1,
                    format!(
                        "entries 1 to {} do not hash to the signed checkpoint's root (the trace was rewritten)",
                        cp.size
                    ),
                ));
            }
        }
    }

    /// The report; a checkpoint beyond the last entry means entries were
    /// removed.
    pub fn finish(mut self) -> ReplayReport {
        self.flush();
        if let Some(cp) = &self.checkpoint
            && self.size < cp.size
            && self.report.broken.is_none()
        {
            self.report.broken = Some((
                self.size as i64 + 1,
                format!(
                    "the trace ends at entry {} but the signed checkpoint holds {} (entries were removed)",
                    self.size, cp.size
                ),
            ));
        }
        self.report
    }
}

/// The root of the tree of `size` leaves.
pub fn root(tiles: &Tiles, size: u64) -> Result<Hash, LogError> {
    tiles.run(|t| tree_hash(size, t))
}

/// The audit path of leaf `index` in the tree of `size` leaves.
pub fn prove_inclusion(tiles: &Tiles, size: u64, index: u64) -> Result<Vec<Hash>, LogError> {
    if index >= size {
        return Err(LogError::Invalid(format!(
            "leaf {index} is not in a tree of {size}"
        )));
    }
    tiles.run(|t| prove_record(size, index, t))
}

/// The consistency path from the tree of `old` leaves to that of `new`.
pub fn prove_consistency(tiles: &Tiles, new: u64, old: u64) -> Result<Vec<Hash>, LogError> {
    if old == 0 || old > new {
        return Err(LogError::Invalid(format!(
            "no consistency proof from a tree of {old} to one of {new}"
        )));
    }
    tiles.run(|t| prove_tree(new, old, t))
}

/// The log's signing key: a C2SP signed-note private key
/// (`PRIVATE+KEY+<name>+<id>+<key>`). Its name is the log's origin, the
/// first line of every checkpoint.
pub struct LogSigner {
    signer: StandardSigner,
    origin: String,
    vkey: String,
}

impl std::fmt::Debug for LogSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the key.
        f.debug_struct("LogSigner")
            .field("origin", &self.origin)
            .finish_non_exhaustive()
    }
}

impl LogSigner {
    /// Parses a private key as `tellonce trace keygen` prints it.
    pub fn new(skey: &str) -> Result<Self, LogError> {
        use signed_note::Signer as _;
        let signer = StandardSigner::new(skey.trim())
            .map_err(|e| LogError::Invalid(format!("the log signing key is not valid: {e}")))?;
        let origin = signer.name().to_owned();
        let vkey = public_key(skey)?;
        Ok(Self {
            signer,
            origin,
            vkey,
        })
    }

    /// The public key checkpoints are verified with (`<name>+<id>+<key>`).
    pub fn public_key(&self) -> &str {
        &self.vkey
    }

    /// The log's origin (the key's name).
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// A signed checkpoint for the tree of `size` leaves with `root`.
    pub fn sign(&self, size: u64, root: Hash) -> Result<String, LogError> {
        let head = TreeHead::new(&self.origin, size, root, "")
            .map_err(|e| LogError::Invalid(e.to_string()))?;
        let mut note =
            Note::new(&head.to_bytes(), &[]).map_err(|e| LogError::Invalid(e.to_string()))?;
        note.add_sigs(&[&self.signer])
            .map_err(|e| LogError::Invalid(e.to_string()))?;
        String::from_utf8(note.to_bytes()).map_err(|e| LogError::Invalid(e.to_string()))
    }
}

/// A checkpoint whose signature checked out.
#[derive(Debug, Clone, PartialEq)]
pub struct Opened {
    pub origin: String,
    pub size: u64,
    pub root: Hash,
}

/// Checks `note`'s signature by the public key `vkey`
/// (`<name>+<id>+<key>`) and reads the checkpoint it signs. Signatures by
/// other keys (witnesses) are allowed and ignored.
pub fn open_checkpoint(note: &str, vkey: &str) -> Result<Opened, LogError> {
    let verifier = StandardVerifier::new(vkey.trim())
        .map_err(|e| LogError::Invalid(format!("the public key is not valid: {e}")))?;
    let note = Note::from_bytes(note.as_bytes())
        .map_err(|e| LogError::Invalid(format!("the checkpoint is not a signed note: {e}")))?;
    note.verify(&VerifierList::new(vec![Box::new(verifier)]))
        .map_err(|e| {
            LogError::Invalid(format!("the checkpoint is not signed by this key ({e})"))
        })?;
    read_checkpoint(&String::from_utf8_lossy(&note.to_bytes()))
}

/// Reads a checkpoint's tree head without checking its signature (for a
/// verify run without the public key: the root is still compared).
pub fn read_checkpoint(note: &str) -> Result<Opened, LogError> {
    let note = Note::from_bytes(note.as_bytes())
        .map_err(|e| LogError::Invalid(format!("the checkpoint is not a signed note: {e}")))?;
    let head = TreeHead::from_bytes(note.text())
        .map_err(|e| LogError::Invalid(format!("the checkpoint's text is malformed: {e}")))?;
    Ok(Opened {
        origin: head.origin().to_owned(),
        size: head.size(),
        root: *head.hash(),
    })
}

/// The public key matching a private one, as `tellonce trace keygen`
/// prints it beside the private key.
pub fn public_key(skey: &str) -> Result<String, LogError> {
    // "PRIVATE+KEY+<name>+<id>+<base64(0x01 ‖ seed)>"; the public key is
    // "<name>+<id>+<base64(0x01 ‖ pub)>".
    let bad = || LogError::Invalid("the log signing key is not valid".to_owned());
    let rest = skey.trim().strip_prefix("PRIVATE+KEY+").ok_or_else(bad)?;
    let mut parts = rest.splitn(3, '+');
    let (name, _, key) = (
        parts.next().ok_or_else(bad)?,
        parts.next().ok_or_else(bad)?,
        parts.next().ok_or_else(bad)?,
    );
    use base64::Engine as _;
    let raw = base64::engine::general_purpose::STANDARD
        .decode(key)
        .map_err(|_| bad())?;
    let seed: [u8; 32] = match raw.split_first() {
        Some((1, seed)) => seed.try_into().map_err(|_| bad())?,
        _ => return Err(bad()),
    };
    let signing = ed25519_dalek::SigningKey::from_bytes(&seed);
    Ok(signed_note::new_ed25519_verifier_key(
        name,
        &signing.verifying_key(),
    ))
}

/// A new key pair for a log named `origin`: (private, public). The caller
/// brings the randomness, 32 bytes from a CSPRNG.
pub fn keypair(origin: &str, seed: [u8; 32]) -> Result<(String, String), LogError> {
    if !signed_note::is_key_name_valid(origin) {
        return Err(LogError::Invalid(
            "an origin is non-empty, with no spaces or '+' (e.g. tellonce.example.gov.uk/trace)"
                .to_owned(),
        ));
    }
    let signing = ed25519_dalek::SigningKey::from_bytes(&seed);
    let vkey = signed_note::new_ed25519_verifier_key(origin, &signing.verifying_key());
    let public = [&[1u8][..], signing.verifying_key().as_bytes()].concat();
    let private = [&[1u8][..], &seed[..]].concat();
    use base64::Engine as _;
    let skey = format!(
        "PRIVATE+KEY+{origin}+{:08x}+{}",
        signed_note::key_id(origin, &public),
        base64::engine::general_purpose::STANDARD.encode(private)
    );
    Ok((skey, vkey))
}

/// What a witness last co-signed (kept by the witness, not the hub).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WitnessState {
    pub origin: String,
    pub size: u64,
    /// Base64.
    pub root: String,
}

fn note_error(e: signed_note::NoteError) -> LogError {
    LogError::Invalid(format!("the checkpoint is not a valid signed note: {e}"))
}

/// A witness's co-signature: `note` (the log's latest checkpoint) signed
/// by `witness` too, and the new state to keep — but only if it is
/// consistent with the checkpoint last co-signed, by `hashes` (the
/// consistency path from that size to this one). A witness refuses a log
/// that shrank, forked (one size, two roots) or was rewritten.
pub fn cosign(
    witness: &LogSigner,
    note: &str,
    log_vkey: &str,
    last: Option<&WitnessState>,
    hashes: &[String],
) -> Result<(String, WitnessState), LogError> {
    let new = open_checkpoint(note, log_vkey)?;
    if let Some(last) = last {
        let refuse = |why: String| Err(LogError::Invalid(format!("refusing to co-sign: {why}")));
        let last_root = Hash::parse_hash(&last.root)
            .map_err(|_| LogError::Invalid("the witness state's root is not a hash".to_owned()))?;
        if last.origin != new.origin {
            return refuse(format!(
                "this is the log {}, not {}",
                new.origin, last.origin
            ));
        }
        if new.size < last.size {
            return refuse(format!(
                "the log shrank from {} entries to {}",
                last.size, new.size
            ));
        }
        if new.size == last.size && new.root != last_root {
            return refuse(format!(
                "the log forked: two checkpoints of {} entries with different roots",
                new.size
            ));
        }
        if new.size > last.size
            && check_tree(
                &hashes_of(hashes)?,
                new.size,
                new.root,
                last.size,
                last_root,
            )
            .is_err()
        {
            return refuse(format!(
                "the checkpoint of {} entries does not extend the one of {} last co-signed (the log was rewritten)",
                new.size, last.size
            ));
        }
    }
    let mut parsed = Note::from_bytes(note.as_bytes()).map_err(note_error)?;
    parsed.add_sigs(&[&witness.signer]).map_err(note_error)?;
    let cosigned =
        String::from_utf8(parsed.to_bytes()).map_err(|e| LogError::Invalid(e.to_string()))?;
    Ok((
        cosigned,
        WitnessState {
            origin: new.origin,
            size: new.size,
            root: new.root.to_string(),
        },
    ))
}

/// The hub's side: `stored` (a checkpoint it signed) with the
/// co-signatures in `submitted` by any of `witness_keys` added. The text
/// must be the same; a signature by a key not listed is ignored; an
/// invalid one, or none by a listed witness, is refused.
pub fn merge_cosignatures(
    stored: &str,
    submitted: &str,
    log_vkey: &str,
    witness_keys: &[String],
) -> Result<String, LogError> {
    let stored_note = Note::from_bytes(stored.as_bytes()).map_err(note_error)?;
    let submitted_note = Note::from_bytes(submitted.as_bytes()).map_err(note_error)?;
    if stored_note.text() != submitted_note.text() {
        return Err(LogError::Invalid(
            "the co-signed checkpoint is not the hub's checkpoint of that size".to_owned(),
        ));
    }
    let log = StandardVerifier::new(log_vkey.trim())
        .map_err(|e| LogError::Invalid(format!("the log's key is not valid: {e}")))?;
    // The stored note's own signatures: the log's, and co-signatures kept
    // before.
    let (mut sigs, earlier) = stored_note
        .verify(&VerifierList::new(vec![Box::new(log)]))
        .map_err(note_error)?;
    sigs.extend(earlier);
    let witnesses: Vec<Box<dyn signed_note::Verifier>> = witness_keys
        .iter()
        .map(|k| {
            StandardVerifier::new(k.trim())
                .map(|v| Box::new(v) as Box<dyn signed_note::Verifier>)
                .map_err(|e| LogError::Invalid(format!("a witness key is not valid: {e}")))
        })
        .collect::<Result<_, _>>()?;
    let (cosigned, _) = submitted_note
        .verify(&VerifierList::new(witnesses))
        .map_err(|e| match e {
            signed_note::NoteError::UnverifiedNote => LogError::Invalid(
                "the checkpoint carries no signature by a witness the hub knows".to_owned(),
            ),
            e => note_error(e),
        })?;
    for sig in cosigned {
        if !sigs
            .iter()
            .any(|s| s.name() == sig.name() && s.id() == sig.id())
        {
            sigs.push(sig);
        }
    }
    let merged = Note::new(stored_note.text(), &sigs).map_err(note_error)?;
    String::from_utf8(merged.to_bytes()).map_err(|e| LogError::Invalid(e.to_string()))
}

/// Whether `vkey` is a signed-note public key (`<name>+<id>+<key>`).
pub fn check_public_key(vkey: &str) -> Result<(), LogError> {
    StandardVerifier::new(vkey.trim())
        .map(|_| ())
        .map_err(|e| LogError::Invalid(format!("not a signed-note public key ({e}): {vkey}")))
}

/// Checks that `note` carries a valid co-signature by `witness_vkey`.
pub fn check_cosigned(note: &str, witness_vkey: &str) -> Result<(), LogError> {
    let verifier = StandardVerifier::new(witness_vkey.trim())
        .map_err(|e| LogError::Invalid(format!("the witness key is not valid: {e}")))?;
    Note::from_bytes(note.as_bytes())
        .map_err(note_error)?
        .verify(&VerifierList::new(vec![Box::new(verifier)]))
        .map(|_| ())
        .map_err(|e| {
            LogError::Invalid(format!(
                "the checkpoint is not co-signed by this witness ({e})"
            ))
        })
}

/// Proof that a trace entry is leaf `leaf_index` of the tree a signed
/// checkpoint commits to. Everything in it is public: hashes, sizes, and
/// the checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InclusionProof {
    /// The entry's sequence number less one.
    pub leaf_index: u64,
    pub tree_size: u64,
    /// `SHA-256(0x00 ‖ canonical entry)`, base64.
    pub leaf_hash: String,
    /// The audit path, leaf to root, base64 (RFC 9162 §2.1.3).
    pub hashes: Vec<String>,
    /// The signed checkpoint (C2SP signed note) of `tree_size`.
    pub checkpoint: String,
}

/// Proof that the tree of `old_size` leaves is a prefix of the tree of
/// `new_size`: the log was only appended to between two checkpoints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsistencyProof {
    pub old_size: u64,
    pub new_size: u64,
    /// RFC 9162 §2.1.4, base64.
    pub hashes: Vec<String>,
    pub old_checkpoint: String,
    pub new_checkpoint: String,
}

fn hashes_of(hashes: &[String]) -> Result<Vec<Hash>, LogError> {
    hashes
        .iter()
        .map(|h| Hash::parse_hash(h).map_err(|_| LogError::Invalid(format!("not a hash: {h}"))))
        .collect()
}

/// Checks an inclusion proof offline against the log's public key; with
/// `entry` (the canonical entry), also that the proof is about it.
pub fn check_inclusion(
    proof: &InclusionProof,
    vkey: &str,
    entry: Option<&str>,
) -> Result<Opened, LogError> {
    let cp = open_checkpoint(&proof.checkpoint, vkey)?;
    if cp.size != proof.tree_size {
        return Err(LogError::Invalid(format!(
            "the proof is for a tree of {} but the checkpoint is of {}",
            proof.tree_size, cp.size
        )));
    }
    let leaf = Hash::parse_hash(&proof.leaf_hash)
        .map_err(|_| LogError::Invalid("leafHash is not a hash".to_owned()))?;
    if let Some(entry) = entry
        && leaf_hash(entry) != leaf
    {
        return Err(LogError::Invalid(
            "the entry does not hash to the proof's leaf hash".to_owned(),
        ));
    }
    check_record(
        &hashes_of(&proof.hashes)?,
        cp.size,
        cp.root,
        proof.leaf_index,
        leaf,
    )
    .map_err(|_| {
        LogError::Invalid("the audit path does not lead to the checkpoint's root".to_owned())
    })?;
    Ok(cp)
}

/// Checks a consistency proof offline against the log's public key.
pub fn check_consistency(proof: &ConsistencyProof, vkey: &str) -> Result<(), LogError> {
    let old = open_checkpoint(&proof.old_checkpoint, vkey)?;
    let new = open_checkpoint(&proof.new_checkpoint, vkey)?;
    if old.origin != new.origin {
        return Err(LogError::Invalid(
            "the checkpoints are of different logs".to_owned(),
        ));
    }
    if (old.size, new.size) != (proof.old_size, proof.new_size) {
        return Err(LogError::Invalid(
            "the proof's sizes are not the checkpoints'".to_owned(),
        ));
    }
    if old.size == new.size {
        return if old.root == new.root {
            Ok(())
        } else {
            Err(LogError::Invalid(
                "two checkpoints of one size with different roots: the log forked".to_owned(),
            ))
        };
    }
    check_tree(
        &hashes_of(&proof.hashes)?,
        new.size,
        new.root,
        old.size,
        old.root,
    )
    .map_err(|_| {
        LogError::Invalid(
            "the newer checkpoint does not extend the older: the log was rewritten".to_owned(),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 32 random bytes for a test key (keys are made at run time, never kept
    /// in the repository).
    fn random_seed() -> [u8; 32] {
        let (a, b) = (uuid::Uuid::new_v4(), uuid::Uuid::new_v4());
        let mut seed = [0; 32];
        seed[..16].copy_from_slice(a.as_bytes());
        seed[16..].copy_from_slice(b.as_bytes());
        seed
    }

    fn leaves(n: u64) -> Vec<Hash> {
        (0..n).map(|i| leaf_hash(&format!("entry {i}"))).collect()
    }

    /// Integrates `leaves` in batches of `step`, as the store would: only
    /// the frontier tiles loaded each time, the rest fetched on demand.
    fn grow(all: &[Hash], step: usize) -> (HashMap<(u8, u64), Vec<u8>>, Integrated) {
        let mut stored: HashMap<(u8, u64), Vec<u8>> = HashMap::new();
        let mut last = None;
        let mut size = 0u64;
        for batch in all.chunks(step) {
            let mut tiles = Tiles::default();
            for (l, n) in frontier_tiles(size) {
                tiles.insert(l, n, stored[&(l, n)].clone());
            }
            let done = integrate(&mut tiles, size, batch).expect("integrate");
            for (l, n, data) in &done.tiles {
                stored.insert((*l, *n), data.clone());
            }
            size = done.size;
            last = Some(done);
        }
        (stored, last.expect("some leaves"))
    }

    fn loaded(stored: &HashMap<(u8, u64), Vec<u8>>) -> Tiles {
        let mut tiles = Tiles::default();
        for ((l, n), d) in stored {
            tiles.insert(*l, *n, d.clone());
        }
        tiles
    }

    /// RFC 6962's root, computed naively.
    fn naive_root(leaves: &[Hash]) -> Hash {
        match leaves.len() {
            0 => tlog_tiles::EMPTY_HASH,
            1 => leaves[0],
            n => {
                // The largest power of two below n.
                let k = 1 << (usize::BITS - 1 - (n - 1).leading_zeros());
                tlog_tiles::node_hash(naive_root(&leaves[..k]), naive_root(&leaves[k..]))
            }
        }
    }

    #[test]
    fn batches_of_any_size_build_the_rfc_6962_tree() {
        let all = leaves(70_000);
        let want = naive_root(&all);
        for step in [1usize, 255, 256, 1000, 70_000] {
            let slice = if step == 1 { &all[..600] } else { &all[..] };
            let (_, done) = grow(slice, step);
            assert_eq!(done.size, slice.len() as u64);
            assert_eq!(done.root, naive_root(slice), "step {step}");
        }
        let (stored, done) = grow(&all, 4096);
        assert_eq!(done.root, want);
        assert_eq!(root(&loaded(&stored), 70_000).expect("root"), want);
        // Every tile as stored is what the tiles of the whole tree say.
        assert!(stored.keys().any(|(l, _)| *l == 1));
    }

    #[test]
    fn hashes_are_rfc_6962s() {
        // RFC 6962 2.1: the leaf hash of the empty entry is SHA-256(0x00).
        let hex = |h: Hash| h.0.iter().map(|b| format!("{b:02x}")).collect::<String>();
        assert_eq!(
            hex(leaf_hash("")),
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
        );
        assert_eq!(
            hex(tlog_tiles::EMPTY_HASH),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn frontier_tiles_are_the_rightmost_partial_ones() {
        assert_eq!(frontier_tiles(0), vec![]);
        assert_eq!(frontier_tiles(1), vec![(0, 0)]);
        assert_eq!(frontier_tiles(256), vec![(1, 0)]);
        assert_eq!(frontier_tiles(257), vec![(0, 1), (1, 0)]);
        assert_eq!(frontier_tiles(65_536), vec![(2, 0)]);
    }

    #[test]
    fn a_missing_tile_is_named_not_guessed() {
        let (stored, _) = grow(&leaves(1000), 1000);
        let mut tiles = Tiles::default();
        let err = prove_inclusion(&tiles, 1000, 3).expect_err("nothing loaded");
        let wanted = Tiles::missing(&err).expect("missing tiles").to_vec();
        assert!(!wanted.is_empty());
        for (l, n) in wanted {
            tiles.insert(l, n, stored[&(l, n)].clone());
        }
        assert!(prove_inclusion(&tiles, 1000, 3).is_ok());
    }

    fn key() -> (String, String) {
        keypair("tellonce.test/trace", random_seed()).expect("keypair")
    }

    #[test]
    fn inclusion_proofs_check_offline_and_catch_every_lie() {
        let all = leaves(1000);
        let (stored, done) = grow(&all, 300);
        let (skey, vkey) = key();
        let signer = LogSigner::new(&skey).expect("signer");
        assert_eq!(public_key(&skey).expect("public"), vkey);
        let checkpoint = signer.sign(done.size, done.root).expect("sign");
        assert!(checkpoint.starts_with("tellonce.test/trace\n1000\n"));
        let tiles = loaded(&stored);
        let proof = |i: u64| InclusionProof {
            leaf_index: i,
            tree_size: 1000,
            leaf_hash: all[i as usize].to_string(),
            hashes: prove_inclusion(&tiles, 1000, i)
                .expect("prove")
                .iter()
                .map(ToString::to_string)
                .collect(),
            checkpoint: checkpoint.clone(),
        };
        for i in [0, 1, 255, 256, 511, 999] {
            let p = proof(i);
            let cp = check_inclusion(&p, &vkey, Some(&format!("entry {i}"))).expect("checks");
            assert_eq!((cp.size, cp.root), (1000, done.root));
        }
        let p = proof(42);
        // Another entry.
        assert!(check_inclusion(&p, &vkey, Some("entry 43")).is_err());
        // Another position.
        let mut moved = p.clone();
        moved.leaf_index = 43;
        assert!(check_inclusion(&moved, &vkey, None).is_err());
        // A changed path.
        let mut bent = p.clone();
        bent.hashes.swap(0, 1);
        assert!(check_inclusion(&bent, &vkey, None).is_err());
        // A checkpoint edited after signing.
        let mut forged = p.clone();
        forged.checkpoint = forged.checkpoint.replacen("\n1000\n", "\n1001\n", 1);
        forged.tree_size = 1001;
        assert!(check_inclusion(&forged, &vkey, None).is_err());
        // Another key.
        let (_, other) = keypair("tellonce.test/trace", random_seed()).expect("keypair");
        assert!(check_inclusion(&p, &other, None).is_err());
        assert!(prove_inclusion(&tiles, 1000, 1000).is_err());
    }

    #[test]
    fn consistency_proofs_show_append_only() {
        let all = leaves(700);
        let (skey, vkey) = key();
        let signer = LogSigner::new(&skey).expect("signer");
        let (_, old) = grow(&all[..300], 300);
        let (stored, new) = grow(&all, 300);
        let tiles = loaded(&stored);
        let proof = ConsistencyProof {
            old_size: 300,
            new_size: 700,
            hashes: prove_consistency(&tiles, 700, 300)
                .expect("prove")
                .iter()
                .map(ToString::to_string)
                .collect(),
            old_checkpoint: signer.sign(300, old.root).expect("sign"),
            new_checkpoint: signer.sign(700, new.root).expect("sign"),
        };
        check_consistency(&proof, &vkey).expect("consistent");
        // A rewritten history: leaf 5 changed, the tree regrown and signed.
        let mut rewritten = all.clone();
        rewritten[5] = leaf_hash("edited");
        let (stored2, new2) = grow(&rewritten, 300);
        let tiles2 = loaded(&stored2);
        let forked = ConsistencyProof {
            hashes: prove_consistency(&tiles2, 700, 300)
                .expect("prove")
                .iter()
                .map(ToString::to_string)
                .collect(),
            new_checkpoint: signer.sign(700, new2.root).expect("sign"),
            ..proof.clone()
        };
        assert!(check_consistency(&forked, &vkey).is_err());
        assert!(prove_consistency(&tiles, 300, 700).is_err());
    }

    #[test]
    fn a_replay_finds_a_changed_entry_a_rewrite_and_a_cut() {
        let n = 5000u64;
        let texts: Vec<String> = (0..n).map(|i| format!("entry {i}")).collect();
        let all: Vec<Hash> = texts.iter().map(|t| leaf_hash(t)).collect();
        let (stored, done) = grow(&all[..4500], 1000);
        let cp = Opened {
            origin: "o".into(),
            size: 4500,
            root: done.root,
        };
        let stored_leaf =
            |i: u64| (i < 4500).then(|| leaf_in_tile(&stored[&(0, i >> 8)], i).expect("leaf"));
        let replay = |texts: &[String], tiles_say: &dyn Fn(u64) -> Option<Hash>| {
            let mut r = Replay::new(Some(cp.clone()));
            for (i, t) in texts.iter().enumerate() {
                r.push(t, tiles_say(i as u64));
            }
            r.finish()
        };
        let clean = replay(&texts, &stored_leaf);
        assert_eq!(clean.broken, None);
        assert_eq!(clean.checkpoint_size, 4500);
        // An entry changed after logging: found where it is.
        let mut edited = texts.clone();
        edited[1234] = "entry edited".into();
        let report = replay(&edited, &stored_leaf);
        assert_eq!(report.broken.map(|b| b.0), Some(1235));
        // The tiles rewritten to match: the signed root still says no.
        let report = replay(&edited, &|i| {
            (i < 4500).then(|| leaf_hash(&edited[i as usize]))
        });
        assert!(
            report
                .broken
                .is_some_and(|b| b.1.contains("signed checkpoint's root"))
        );
        // Entries removed from the end.
        let report = replay(&texts[..4000], &stored_leaf);
        assert_eq!(report.broken.map(|b| b.0), Some(4001));
        // Entries after the checkpoint are not yet logged: nothing to say.
        let mut r = Replay::new(None);
        texts.iter().for_each(|t| r.push(t, None));
        assert_eq!(r.finish(), ReplayReport::default());
    }

    #[test]
    fn a_witness_cosigns_only_an_extension_of_what_it_last_signed() {
        let all = leaves(700);
        let (skey, vkey) = key();
        let log = LogSigner::new(&skey).expect("signer");
        let (wkey, wvkey) = keypair("dpo.test/witness", random_seed()).expect("keypair");
        let witness = LogSigner::new(&wkey).expect("witness");
        let (_, old) = grow(&all[..300], 300);
        let (stored, new) = grow(&all, 300);
        let first = log.sign(300, old.root).expect("sign");
        let (cosigned, state) = cosign(&witness, &first, &vkey, None, &[]).expect("first");
        check_cosigned(&cosigned, &wvkey).expect("co-signed");
        assert!(check_cosigned(&first, &wvkey).is_err());
        // The hub keeps the co-signature beside its own.
        let merged = merge_cosignatures(&first, &cosigned, &vkey, std::slice::from_ref(&wvkey))
            .expect("merge");
        open_checkpoint(&merged, &vkey).expect("still the log's");
        check_cosigned(&merged, &wvkey).expect("and the witness's");
        assert!(merge_cosignatures(&first, &first, &vkey, std::slice::from_ref(&wvkey)).is_err());
        let second = log.sign(700, new.root).expect("sign");
        assert!(merge_cosignatures(&first, &second, &vkey, std::slice::from_ref(&wvkey)).is_err());
        // An extension, with its consistency path: co-signed.
        let path: Vec<String> = prove_consistency(&loaded(&stored), 700, 300)
            .expect("prove")
            .iter()
            .map(ToString::to_string)
            .collect();
        let (_, later) = cosign(&witness, &second, &vkey, Some(&state), &path).expect("extends");
        assert_eq!(later.size, 700);
        // A rewrite, a fork and a shrink: refused.
        let mut rewritten = all.clone();
        rewritten[5] = leaf_hash("edited");
        let (stored2, new2) = grow(&rewritten, 300);
        let forged = log.sign(700, new2.root).expect("sign");
        let path2: Vec<String> = prove_consistency(&loaded(&stored2), 700, 300)
            .expect("prove")
            .iter()
            .map(ToString::to_string)
            .collect();
        for (note, last, path) in [
            (&forged, &state, &path2),
            (&forged, &later, &path2),
            (&first, &later, &path),
        ] {
            let refused = cosign(&witness, note, &vkey, Some(last), path);
            assert!(
                matches!(&refused, Err(LogError::Invalid(m)) if m.starts_with("refusing")),
                "{refused:?}"
            );
        }
    }

    #[test]
    fn keys_are_checked() {
        assert!(LogSigner::new("not a key").is_err());
        assert!(keypair("has space", random_seed()).is_err());
        assert!(keypair("a+b", random_seed()).is_err());
        let (skey, vkey) = key();
        assert!(vkey.starts_with("tellonce.test/trace+"));
        assert!(skey.starts_with("PRIVATE+KEY+tellonce.test/trace+"));
        assert!(!format!("{:?}", LogSigner::new(&skey).expect("signer")).contains("PRIVATE"));
        assert!(open_checkpoint("garbage", &vkey).is_err());
        assert!(open_checkpoint("x\n\n", "bad key").is_err());
    }
}
