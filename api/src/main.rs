//! `tellonce`: serve, migrate, print the schema, back up, probe health, or
//! mint a demo token.

use anyhow::Context as _;
use api::cli::{Cli, Command, TraceCommand};
use api::config::{Limits, Mode};
use api::operator::Operator;
use api::startup::{self, Application, redact_url};
use api::{backup, demo, graphql, probe, telemetry};
use clap::Parser;
use consent::trace::Checkpoint;
use store::Store;

/// The allocator trial (issue 14): mimalloc instead of the system's
/// malloc, only in a build with `--features mimalloc`.
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Each worker thread's stack: a request's GraphQL resolution nests many
/// futures, deep in a debug build; 8 MiB leaves room (the default is 2).
const WORKER_STACK_BYTES: usize = 8 * 1024 * 1024;

fn main() {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(WORKER_STACK_BYTES)
        .build();
    let result = match runtime {
        Ok(runtime) => runtime.block_on(run(cli)),
        Err(e) => Err(anyhow::Error::from(e).context("cannot start the async runtime")),
    };
    if let Err(e) = result {
        eprintln!("tellonce: {e:#}");
        std::process::exit(1);
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Schema => {
            print!("{}", graphql::build_schema(&Limits::default(), true).sdl());
            Ok(())
        }
        Command::Migrate => {
            let settings = cli.config.load(Mode::Offline)?;
            let _telemetry = telemetry::init(settings.log_json);
            let store = Store::connect(&settings.database_url)
                .await
                .with_context(|| {
                    format!(
                        "cannot open the database at {}",
                        redact_url(&settings.database_url)
                    )
                })?;
            let pending = store.pending_migrations().await?;
            store.migrate().await.context("migrations failed")?;
            api::agreement::ensure_default(&store)
                .await
                .map_err(|e| anyhow::anyhow!("loading the default agreement failed: {e:?}"))?;
            api::template::ensure_default(&store).await.map_err(|e| {
                anyhow::anyhow!("loading the default advice templates failed: {e:?}")
            })?;
            println!(
                "applied {} migration(s); the database is up to date",
                pending.len()
            );
            Ok(())
        }
        Command::Trace {
            command: TraceCommand::Keygen { origin },
        } => {
            print!("{}", api::log_cli::keygen(&origin)?);
            Ok(())
        }
        Command::Trace {
            command:
                TraceCommand::VerifyProof {
                    key,
                    witnesses,
                    file,
                },
        } => {
            println!("{}", api::log_cli::verify_proof(&key, &witnesses, &file)?);
            Ok(())
        }
        Command::Trace {
            command:
                TraceCommand::Witness {
                    hub,
                    key_file,
                    log_key,
                    state,
                    token,
                },
        } => {
            let key = std::fs::read_to_string(&key_file)
                .with_context(|| format!("cannot read {}", key_file.display()))?;
            println!(
                "{}",
                api::log_cli::witness(&hub, &token, &key, &log_key, &state).await?
            );
            Ok(())
        }
        Command::Trace { command } => {
            let settings = cli.config.load(Mode::Offline)?;
            let _telemetry = telemetry::init(settings.log_json);
            let store = Store::connect(&settings.database_url)
                .await
                .with_context(|| {
                    format!(
                        "cannot open the database at {}",
                        redact_url(&settings.database_url)
                    )
                })?;
            let internal = |e| anyhow::anyhow!("reading the access trace failed: {e:?}");
            match command {
                TraceCommand::Checkpoint => {
                    let report = store.verify_trace().await.map_err(internal)?;
                    match (report.head, report.first_broken) {
                        (Some((seq, hash)), None) => println!("{seq}:{hash}"),
                        (None, _) => anyhow::bail!("the access trace is empty"),
                        (_, Some(broken)) => anyhow::bail!(
                            "the chain is broken at entry {broken}: not printing a checkpoint"
                        ),
                    }
                }
                TraceCommand::Verify { expect } => {
                    let checkpoint = expect
                        .as_deref()
                        .map(Checkpoint::parse)
                        .transpose()
                        .context("--expect")?;
                    let expected = checkpoint.as_ref().map(Checkpoint::seq);
                    let log_key = settings
                        .log_signer
                        .as_ref()
                        .map(|s| s.public_key().to_owned());
                    let report = store
                        .verify_trace_against(checkpoint, log_key.as_deref())
                        .await
                        .map_err(internal)?;
                    let head = report
                        .head
                        .as_ref()
                        .map_or_else(|| "none".to_owned(), |(s, h)| format!("{s}:{h}"));
                    println!("entries checked: {}", report.checked);
                    println!("head: {head}");
                    if let Some(broken) = report.first_broken {
                        anyhow::bail!(
                            "BROKEN at entry {broken}: {}",
                            report.problem.unwrap_or_default()
                        );
                    }
                    if let Some(seq) = expected {
                        println!("checkpoint {seq} matches");
                    }
                    match (report.log_size, &log_key) {
                        (0, _) => println!("log: no signed checkpoint yet"),
                        (n, Some(_)) => println!(
                            "log: the signed checkpoint of {n} entries matches the entries (signature checked)"
                        ),
                        (n, None) => println!(
                            "log: the checkpoint of {n} entries matches the entries (signature not checked: no TELLONCE_TRACE_SIGNING_KEY here)"
                        ),
                    }
                    println!("ok: the chain is intact");
                }
                TraceCommand::Integrate => {
                    let Some(signer) = &settings.log_signer else {
                        anyhow::bail!(
                            "no TELLONCE_TRACE_SIGNING_KEY: make one with `tellonce trace keygen`"
                        );
                    };
                    match api::log_cli::integrate(&store, signer).await? {
                        Some(size) => println!("signed a checkpoint of {size} entries"),
                        None => println!("nothing to integrate: the log is up to date"),
                    }
                }
                TraceCommand::SignedCheckpoint => {
                    match store.log_checkpoint().await.map_err(internal)? {
                        Some(cp) => print!("{}", cp.note),
                        None => anyhow::bail!("the log has no signed checkpoint yet"),
                    }
                }
                TraceCommand::Prove { seq } => {
                    println!("{}", api::log_cli::prove(&store, seq).await?);
                }
                TraceCommand::Consistency { from, to } => {
                    println!("{}", api::log_cli::consistency(&store, from, to).await?);
                }
                TraceCommand::Months => print!("{}", api::log_cli::months(&store).await?),
                TraceCommand::Archive { before } => {
                    print!("{}", api::log_cli::archive(&store, &before).await?);
                }
                // Answered above, before any database is opened.
                TraceCommand::Keygen { .. }
                | TraceCommand::VerifyProof { .. }
                | TraceCommand::Witness { .. } => {}
            }
            Ok(())
        }
        Command::Import(args) => {
            let settings = cli.config.load(Mode::Offline)?;
            let _telemetry = telemetry::init(settings.log_json);
            let operator = api::operator::Operator::open(&settings).await?;
            if !api::import_cli::run(&operator, &args).await? {
                // Rejected or skipped rows: the report above says which.
                std::process::exit(2);
            }
            Ok(())
        }
        Command::BenchAppends(args) => {
            let settings = cli.config.load(Mode::Offline)?;
            let _telemetry = telemetry::init(settings.log_json);
            print!("{}", api::bench_cli::run(&settings, &args).await?);
            Ok(())
        }
        Command::Seed(args) => {
            let settings = cli.config.load(Mode::Offline)?;
            let _telemetry = telemetry::init(settings.log_json);
            let seeded = api::seed_cli::run(&settings, &args).await?;
            print!("{seeded}");
            Ok(())
        }
        Command::Agency { command } => {
            let settings = cli.config.load(Mode::Offline)?;
            let _telemetry = telemetry::init(settings.log_json);
            let operator = api::operator::Operator::open(&settings).await?;
            api::agency_cli::run(&operator, command, &mut std::io::stdout()).await
        }
        Command::Token { persona, minutes } => {
            let settings = cli.config.load(Mode::Offline)?;
            if !settings.development {
                anyhow::bail!(
                    "`token` is for development only: set TELLONCE_DEV=true (and TELLONCE_JWT_SECRET)"
                );
            }
            let persona = demo::persona(&persona).with_context(|| {
                let names: Vec<_> = demo::personas().iter().map(|p| p.name).collect();
                format!(
                    "unknown persona '{persona}': choose one of {}",
                    names.join(", ")
                )
            })?;
            println!(
                "{}",
                demo::sign_token(&persona, &settings.jwt, chrono::Duration::minutes(minutes))?
            );
            Ok(())
        }
        Command::Backup { to } => {
            let settings = cli.config.load(Mode::Offline)?;
            let _telemetry = telemetry::init(settings.log_json);
            if !settings.is_sqlite() {
                eprintln!("{}", backup::pg_dump_advice(&settings.database_url));
                std::process::exit(2);
            }
            let op = Operator::open(&settings).await?;
            match backup::back_up(&op, &settings, &to).await? {
                backup::Backup::Taken(taken) => {
                    let head = taken
                        .copy
                        .head
                        .as_ref()
                        .map_or_else(|| "none".to_owned(), |(s, h)| format!("{s}:{h}"));
                    println!("backup written to {}", taken.path.display());
                    println!("BACKUP entry: {}", taken.entry_seq);
                    println!("entries checked in the copy: {}", taken.copy.checked);
                    println!("head: {head}");
                    println!("ok: the copy's chain is intact");
                }
                backup::Backup::UsePgDump(advice) => {
                    eprintln!("{advice}");
                    std::process::exit(2);
                }
            }
            Ok(())
        }
        Command::Health { url } => {
            let url = match url {
                Some(url) => url,
                None => probe::readiness_url(cli.config.load(Mode::Offline)?.bind),
            };
            probe::check(&url).await?;
            println!("ready");
            Ok(())
        }
        Command::Serve {
            demo: with_demo,
            reset,
            migrate,
            bench_untraced,
        } => {
            let mut settings = cli
                .config
                .load(if with_demo { Mode::Demo } else { Mode::Serve })?;
            settings.migrate_on_start |= migrate;
            let telemetry = telemetry::init(settings.log_json);
            // Listening for SIGTERM before the banner says the hub is up.
            let stop = startup::shutdown_signal();
            if reset {
                match demo::reset(&settings.database_url).await? {
                    Some(file) => {
                        tracing::info!(file = %file.display(), "demo database deleted: starting fresh")
                    }
                    None => tracing::info!("no demo database to delete: starting fresh"),
                }
            }
            let trace = if bench_untraced {
                startup::TraceMode::DiscardForBenchmark
            } else {
                startup::TraceMode::Durable
            };
            let app = Application::build_with_trace(&settings, trace).await?;
            let addr = app.local_addr()?;
            if with_demo {
                let loaded = demo::load(app.store(), chrono::Utc::now().date_naive())
                    .await
                    .map_err(|e| anyhow::anyhow!("loading the demo failed: {e:?}"))?;
                if !loaded {
                    tracing::info!("demo data already present");
                }
                println!(
                    "{}",
                    demo::banner(&format!("http://{addr}"), &settings.jwt)?
                );
                if let Some(signer) = &settings.log_signer {
                    println!(
                        "The access trace's verifiable log is signed with a key made for this run; its public key (also at {}/trace/key):\n{}\n",
                        format_args!("http://{addr}"),
                        signer.public_key()
                    );
                }
            }
            tracing::info!(%addr, database = %redact_url(&settings.database_url), "tellonce listening");
            let served = app.run_until(stop).await;
            telemetry.shutdown();
            served?;
            Ok(())
        }
    }
}
