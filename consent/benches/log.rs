//! The verifiable log (issue 15): integrating entries into the Merkle tree
//! (what the hub's integrator computes per batch, tiles in memory), making
//! an inclusion proof in a tree of 1,000,000 leaves, checking one offline
//! (signature and audit path), replaying 1,000,000 entries into a fresh
//! tree as `trace verify` does, and the whole of that verify (the chain's
//! check and the log's replay, on two threads as the store runs them).
//! Leaves are typical READ entries (`fixture::read_entry`); the chain and
//! the tree are built once, outside the timing.

use std::collections::HashMap;
use std::hint::black_box;

use consent::log::{self, Hash, InclusionProof, LogSigner, Tiles};
use consent::trace::{StoredLink, Verifier};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};

mod fixture;

const LEAVES: u64 = 1_000_000;

struct Tree {
    links: Vec<StoredLink>,
    tiles: HashMap<(u8, u64), Vec<u8>>,
    root: Hash,
}

fn tree() -> &'static Tree {
    static TREE: std::sync::OnceLock<Tree> = std::sync::OnceLock::new();
    TREE.get_or_init(|| {
        let links = fixture::chain(LEAVES as i64);
        let mut stored: HashMap<(u8, u64), Vec<u8>> = HashMap::new();
        let mut size = 0;
        let mut root = Hash([0; 32]);
        for batch in links.chunks(20_000) {
            let mut tiles = Tiles::default();
            for (l, n) in log::frontier_tiles(size) {
                tiles.insert(l, n, stored[&(l, n)].clone());
            }
            let leaves: Vec<Hash> = batch.iter().map(|l| log::leaf_hash(&l.canonical)).collect();
            let done = log::integrate(&mut tiles, size, &leaves).expect("integrate");
            for (l, n, data) in done.tiles {
                stored.insert((l, n), data);
            }
            size = done.size;
            root = done.root;
        }
        Tree {
            links,
            tiles: stored,
            root,
        }
    })
}

/// 32 random bytes for a test key (keys are made at run time, never kept
/// in the repository).
fn random_seed() -> [u8; 32] {
    let (a, b) = (uuid::Uuid::new_v4(), uuid::Uuid::new_v4());
    let mut seed = [0; 32];
    seed[..16].copy_from_slice(a.as_bytes());
    seed[16..].copy_from_slice(b.as_bytes());
    seed
}

fn all_tiles(tree: &Tree) -> Tiles {
    let mut tiles = Tiles::default();
    for ((l, n), d) in &tree.tiles {
        tiles.insert(*l, *n, d.clone());
    }
    tiles
}

fn benches(c: &mut Criterion) {
    let tree = tree();
    let (skey, vkey) = log::keypair("bench.tellonce/trace", random_seed()).expect("keypair");
    let signer = LogSigner::new(&skey).expect("signer");
    let mut group = c.benchmark_group("log");

    // One integrator batch of 512 entries (the trace writer's largest
    // group commit) onto the 1,000,000-leaf tree: leaf hashes, stored
    // hashes, new tiles, root, and the checkpoint's signature.
    let extra: Vec<Hash> = (0..512)
        .map(|i| log::leaf_hash(&format!("{}{i}", tree.links[0].canonical)))
        .collect();
    group.throughput(Throughput::Elements(512));
    group.bench_function("integrate_512_and_sign", |b| {
        b.iter_batched(
            || {
                let mut tiles = Tiles::default();
                for (l, n) in log::frontier_tiles(LEAVES) {
                    tiles.insert(l, n, tree.tiles[&(l, n)].clone());
                }
                tiles
            },
            |mut tiles| {
                let done =
                    log::integrate(&mut tiles, LEAVES, black_box(&extra)).expect("integrate");
                signer.sign(done.size, done.root).expect("sign")
            },
            BatchSize::SmallInput,
        );
    });

    let tiles = all_tiles(tree);
    group.throughput(Throughput::Elements(1));
    group.bench_function("prove_inclusion_in_1m", |b| {
        let mut i = 0u64;
        b.iter(|| {
            i = (i + 7919) % LEAVES;
            log::prove_inclusion(black_box(&tiles), LEAVES, i).expect("prove")
        });
    });

    let checkpoint = signer.sign(LEAVES, tree.root).expect("sign");
    let index = 123_456u64;
    let proof = InclusionProof {
        leaf_index: index,
        tree_size: LEAVES,
        leaf_hash: log::leaf_hash(&tree.links[index as usize].canonical).to_string(),
        hashes: log::prove_inclusion(&tiles, LEAVES, index)
            .expect("prove")
            .iter()
            .map(ToString::to_string)
            .collect(),
        checkpoint,
    };
    let entry = tree.links[index as usize].canonical.as_str();
    group.bench_function("check_inclusion_offline", |b| {
        b.iter(|| log::check_inclusion(black_box(&proof), &vkey, Some(entry)).expect("holds"));
    });

    group.sample_size(10);
    group.throughput(Throughput::Elements(LEAVES));
    let opened = log::open_checkpoint(&proof.checkpoint, &vkey).expect("open");
    let replay = |links: &[StoredLink]| {
        let mut replay = log::Replay::new(Some(opened.clone()));
        for (i, l) in links.iter().enumerate() {
            let stored = log::leaf_in_tile(&tree.tiles[&(0, i as u64 >> 8)], i as u64);
            replay.push(&l.canonical, stored);
        }
        let report = replay.finish();
        assert_eq!(report.broken, None);
        report
    };
    group.bench_function("replay_1m_entries", |b| {
        b.iter(|| replay(black_box(&tree.links)));
    });
    group.bench_function("verify_1m_chain_and_log_two_threads", |b| {
        b.iter(|| {
            std::thread::scope(|s| {
                let log = s.spawn(|| replay(black_box(&tree.links)));
                let mut verifier = Verifier::default();
                tree.links.iter().for_each(|l| verifier.push(l));
                let chain = verifier.finish();
                assert_eq!(chain.first_broken, None);
                (chain, log.join().expect("replay"))
            })
        });
    });
    group.finish();
}

criterion_group!(log_benches, benches);
criterion_main!(log_benches);
