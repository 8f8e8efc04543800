//! `consent::decide` for one child with typical facts ([`fixture`]), for a
//! practitioner and for a parent (issue 14; budget: under 5 µs per child).

use std::hint::black_box;

use consent::{DecisionInput, decide};
use criterion::{Criterion, criterion_group, criterion_main};
use domain::Scope;
use fixture::*;

mod fixture;

fn bench(c: &mut Criterion) {
    let agreement = agreement();
    let child = child();
    let case = case();
    let grants = grants();
    let input = DecisionInput {
        child: &child,
        grants: &grants,
        overrides: &[],
        case: &case,
        agreement: &agreement,
        now: now(),
    };
    let practitioner = practitioner();
    let parent = parent();

    // The fixture decides as intended: the school reads what it was granted.
    let seen = decide(&practitioner, &input);
    assert!(seen.is_allowed(Scope::Education), "{seen:?}");
    assert!(!seen.is_allowed(Scope::MentalHealth), "{seen:?}");
    assert!(decide(&parent, &input).is_allowed(Scope::Education));

    let mut group = c.benchmark_group("decide");
    group.bench_function("practitioner_one_child", |b| {
        b.iter(|| decide(black_box(&practitioner), black_box(&input)));
    });
    group.bench_function("family_one_child", |b| {
        b.iter(|| decide(black_box(&parent), black_box(&input)));
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
