//! `tellonce bench-appends` (hidden; benchmarks only, `bench/appends.sh`):
//! how many access-trace entries per second the group-commit writer makes
//! durable, with one or several hub instances (each its own pool, writer
//! and log integrator) on one database, and how far the verifiable log's
//! signed checkpoint lags behind. Refused unless development mode is on
//! and the database was made by `tellonce seed`: it writes synthetic
//! entries into the trace.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use consent::trace::{Actor, TraceAction, TraceEntry};
use store::Store;

use crate::config::Settings;
use crate::trace::TraceWriter;

/// What to measure.
#[derive(Debug, Clone, clap::Args)]
pub struct AppendArgs {
    /// Entries to append in all.
    #[arg(long, default_value_t = 100_000)]
    pub entries: u64,
    /// Concurrent writers (requests), spread over the instances.
    #[arg(long, default_value_t = 64)]
    pub writers: u64,
    /// Hub instances on the one database.
    #[arg(long, default_value_t = 1)]
    pub instances: u64,
}

/// Runs the measurement and says what it found.
pub async fn run(settings: &Settings, args: &AppendArgs) -> anyhow::Result<String> {
    if !settings.development {
        bail!("bench-appends writes synthetic trace entries: it needs TELLONCE_DEV=true");
    }
    if args.instances == 0 || args.writers == 0 || args.entries == 0 {
        bail!("--entries, --writers and --instances must be at least 1");
    }
    let mut stores = Vec::new();
    for _ in 0..args.instances {
        stores.push(
            Store::connect(&settings.database_url)
                .await
                .context("cannot open the database")?,
        );
    }
    let marker = stores[0]
        .registered_agency(store::seed::SEED_MARKER)
        .await
        .map_err(|e| anyhow::anyhow!("cannot check for the seed marker: {e:?}"))?;
    if marker.is_none() {
        bail!(
            "bench-appends is refused on this database: it does not hold the seed marker agency {} (only databases made by `tellonce seed` do)",
            store::seed::SEED_MARKER
        );
    }
    let signer = settings.log_signer.clone().context(
        "bench-appends measures with the log integrating: set TELLONCE_TRACE_SIGNING_KEY",
    )?;
    // Integrate what is there first, so the lag measured is the run's.
    crate::log_cli::integrate(&stores[0], &signer).await?;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let writers: Vec<TraceWriter> = stores
        .iter()
        .map(|s| {
            crate::trace::spawn_integrator(s.background(), signer.clone(), stopped.clone());
            TraceWriter::start(s.clone())
        })
        .collect();
    let left = Arc::new(AtomicU64::new(args.entries));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..args.writers {
        let writer = writers[(w % args.instances) as usize].clone();
        let left = left.clone();
        tasks.push(tokio::spawn(async move {
            let actor = Actor {
                subject: Some(format!("bench-writer-{w}")),
                ..Actor::default()
            };
            while left
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
                .is_ok()
            {
                let entry = TraceEntry::new(TraceAction::Search, actor.clone(), chrono::Utc::now())
                    .detail("bench", "appends");
                writer
                    .append(vec![entry])
                    .await
                    .map_err(|e| anyhow::anyhow!("append failed: {e:?}"))?;
            }
            anyhow::Ok(())
        }));
    }
    for task in tasks {
        task.await.context("a writer panicked")??;
    }
    let elapsed = started.elapsed();
    let head = stores[0]
        .trace_links_head()
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    // How long until a signed checkpoint holds the last entry.
    let deadline = Instant::now() + Duration::from_secs(120);
    let lag = loop {
        let size = stores[0]
            .log_checkpoint()
            .await
            .map_err(|e| anyhow::anyhow!("{e:?}"))?
            .map_or(0, |c| c.size);
        if size >= head {
            break started.elapsed().saturating_sub(elapsed);
        }
        if Instant::now() > deadline {
            bail!("the log did not catch up within 120 s (at {size} of {head})");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let _ = stop.send(true);
    // Proofs through the database against the checkpoint just made: one
    // entry at a time, and a page of 50 (as an IG search page asks).
    let seqs: Vec<i64> = (0..50i64)
        .map(|i| 1 + (i * 7919 * 131) % head as i64)
        .collect();
    let started = Instant::now();
    for seq in &seqs {
        stores[0]
            .inclusion_proof(*seq)
            .await
            .map_err(|e| anyhow::anyhow!("{e:?}"))?
            .context("a logged entry has a proof")?;
    }
    let one = started.elapsed().as_secs_f64() * 1000.0 / seqs.len() as f64;
    let started = Instant::now();
    let page = stores[0]
        .inclusion_proofs(&seqs)
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let paged = started.elapsed().as_secs_f64() * 1000.0;
    if page.iter().any(Option::is_none) {
        bail!("a logged entry had no proof");
    }
    let rate = args.entries as f64 / elapsed.as_secs_f64();
    Ok(format!(
        "appended {} entries with {} writers on {} instance(s) in {:.2} s: {:.0} entries/s; the signed checkpoint held the last entry {} ms after it was durable; an inclusion proof in the tree of {head} took {one:.2} ms, a page of 50 {paged:.1} ms\n",
        args.entries,
        args.writers,
        args.instances,
        elapsed.as_secs_f64(),
        rate,
        lag.as_millis()
    ))
}
