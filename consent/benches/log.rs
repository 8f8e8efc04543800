//! The verifiable log (issue 15): integrating entries into the Merkle tree
//! (what the hub's integrator computes per batch, tiles in memory), making
//! an inclusion proof in a tree of 1,000,000 leaves, checking one offline
//! (signature and audit path), and replaying 1,000,000 entries into a
//! fresh tree as `trace verify` does. Leaves are typical READ entries
//! (`fixture::read_entry`); the tree is built once, outside the timing.

use std::collections::HashMap;
use std::hint::black_box;

use consent::log::{self, Hash, InclusionProof, LogSigner, Tiles};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};

mod fixture;

const LEAVES: u64 = 1_000_000;

struct Tree {
    canonical: Vec<String>,
    tiles: HashMap<(u8, u64), Vec<u8>>,
    root: Hash,
}

fn tree() -> &'static Tree {
    static TREE: std::sync::OnceLock<Tree> = std::sync::OnceLock::new();
    TREE.get_or_init(|| {
        let decision = fixture::practitioner_decision();
        let canonical: Vec<String> = (1..=LEAVES as i64)
            .map(|seq| {
                fixture::read_entry(seq, &decision)
                    .canonical()
                    .expect("canonical")
            })
            .collect();
        let mut stored: HashMap<(u8, u64), Vec<u8>> = HashMap::new();
        let mut size = 0;
        let mut root = Hash([0; 32]);
        for batch in canonical.chunks(20_000) {
            let mut tiles = Tiles::default();
            for (l, n) in log::frontier_tiles(size) {
                tiles.insert(l, n, stored[&(l, n)].clone());
            }
            let leaves: Vec<Hash> = batch.iter().map(|c| log::leaf_hash(c)).collect();
            let done = log::integrate(&mut tiles, size, &leaves).expect("integrate");
            for (l, n, data) in done.tiles {
                stored.insert((l, n), data);
            }
            size = done.size;
            root = done.root;
        }
        Tree {
            canonical,
            tiles: stored,
            root,
        }
    })
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
    let (skey, vkey) = log::keypair("bench.tellonce/trace", [3; 32]).expect("keypair");
    let signer = LogSigner::new(&skey).expect("signer");
    let mut group = c.benchmark_group("log");

    // One integrator batch of 512 entries (the trace writer's largest
    // group commit) onto the 1,000,000-leaf tree: leaf hashes, stored
    // hashes, new tiles, root, and the checkpoint's signature.
    let extra: Vec<Hash> = (0..512)
        .map(|i| log::leaf_hash(&format!("{}{i}", tree.canonical[0])))
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
        leaf_hash: log::leaf_hash(&tree.canonical[index as usize]).to_string(),
        hashes: log::prove_inclusion(&tiles, LEAVES, index)
            .expect("prove")
            .iter()
            .map(ToString::to_string)
            .collect(),
        checkpoint,
    };
    let entry = tree.canonical[index as usize].as_str();
    group.bench_function("check_inclusion_offline", |b| {
        b.iter(|| log::check_inclusion(black_box(&proof), &vkey, Some(entry)).expect("holds"));
    });

    group.sample_size(10);
    group.throughput(Throughput::Elements(LEAVES));
    let opened = log::open_checkpoint(&proof.checkpoint, &vkey).expect("open");
    group.bench_function("replay_1m_entries", |b| {
        b.iter(|| {
            let mut replay = log::Replay::new(Some(opened.clone()));
            for (i, c) in tree.canonical.iter().enumerate() {
                let stored = log::leaf_in_tile(&tree.tiles[&(0, i as u64 >> 8)], i as u64);
                replay.push(c, stored);
            }
            let report = replay.finish();
            assert_eq!(report.broken, None);
            report
        });
    });
    group.finish();
}

criterion_group!(log_benches, benches);
criterion_main!(log_benches);
