//! The access trace's hash chain (issue 14; budget: verifying 1,000,000
//! entries in under 5 s): writing one entry's canonical form and chaining
//! its hash, as every append does, and verifying a chain of 1,000,000
//! typical READ entries (`fixture::read_entry`) with
//! [`consent::trace::Verifier`], as `tellonce trace verify` does once the
//! links are read. The chain is built in memory once, outside the timing.
//! Group `trace` is wall-clock time; `trace_cpu` the thread's CPU time to
//! verify, which the load of a shared machine does not inflate.

use std::hint::black_box;

use consent::trace::{GENESIS, StoredLink, Verifier, chain_hash};
use criterion::measurement::Measurement;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

mod fixture;

const CHAIN: i64 = 1_000_000;

fn verify(links: &[StoredLink]) -> consent::trace::VerifyReport {
    let mut verifier = Verifier::default();
    for link in links {
        verifier.push(link);
    }
    verifier.finish()
}

fn hashing<M: Measurement>(c: &mut Criterion<M>, group: &str) {
    let entry = fixture::read_entry(42, &fixture::practitioner_decision());
    let prev = chain_hash(GENESIS, "the entry before");
    let mut group = c.benchmark_group(group);
    group.bench_function("canonical_and_chain_hash", |b| {
        b.iter(|| {
            let canonical = black_box(&entry).canonical().expect("canonical");
            chain_hash(black_box(&prev), &canonical)
        });
    });
    let canonical = entry.canonical().expect("canonical");
    group.bench_function("chain_hash", |b| {
        b.iter(|| chain_hash(black_box(&prev), black_box(&canonical)));
    });
    group.finish();
}

fn verifying<M: Measurement>(c: &mut Criterion<M>, group: &str, links: &[StoredLink]) {
    let mut group = c.benchmark_group(group);
    group.sample_size(10);
    group.throughput(Throughput::Elements(CHAIN as u64));
    group.bench_function("verify_1m_entries", |b| {
        b.iter(|| verify(black_box(links)));
    });
    group.finish();
}

/// The chain, built and checked once for both measurements.
fn links() -> &'static [StoredLink] {
    static LINKS: std::sync::OnceLock<Vec<StoredLink>> = std::sync::OnceLock::new();
    LINKS.get_or_init(|| {
        let links = fixture::chain(CHAIN);
        let report = verify(&links);
        assert_eq!(report.checked, CHAIN as u64);
        assert_eq!(report.first_broken, None, "{:?}", report.problem);
        links
    })
}

fn wall(c: &mut Criterion) {
    hashing(c, "trace");
    verifying(c, "trace", links());
}

/// CPU time only where an iteration lasts seconds: the kernel brings a
/// running thread's figure up to date only at its scheduler ticks.
fn cpu(c: &mut Criterion<fixture::ThreadCpu>) {
    verifying(c, "trace_cpu", links());
}

criterion_group!(wall_time, wall);
criterion_group! {
    name = cpu_time;
    config = Criterion::default().with_measurement(fixture::ThreadCpu);
    targets = cpu
}
criterion_main!(wall_time, cpu_time);
