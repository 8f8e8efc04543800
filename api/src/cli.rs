//! The `tellonce` command line.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::config::ConfigArgs;

/// tellonce: a consent-aware hub for the records of children and young
/// people with special educational needs and disabilities.
#[derive(Debug, Parser)]
#[command(
    name = "tellonce",
    version,
    about,
    after_help = "Every command takes the configuration flags (or TELLONCE_* variables, or a \
                  TOML file with --config). `tellonce <COMMAND> --help` describes one command."
)]
pub struct Cli {
    #[command(flatten)]
    pub config: ConfigArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the hub.
    ///
    /// Serves GraphQL, the pages and the health endpoints until SIGTERM or
    /// Ctrl-C, then drains in-flight requests and, on SQLite, checkpoints
    /// the write-ahead log into the database file.
    ///
    /// Examples:
    ///   tellonce serve --demo                 # the demo, on http://127.0.0.1:8080
    ///   tellonce serve --demo --reset         # the demo from scratch
    ///   tellonce --database-url postgres://tellonce@db/tellonce serve --migrate
    #[command(verbatim_doc_comment)]
    Serve {
        /// Load the demo data and print a token per persona (development).
        #[arg(long)]
        demo: bool,
        /// With --demo: delete the SQLite database file first (and its
        /// -wal and -shm files), so the demo starts fresh. Refused on
        /// PostgreSQL.
        #[arg(long, requires = "demo")]
        reset: bool,
        /// Apply pending migrations before serving (always on for SQLite).
        #[arg(long)]
        migrate: bool,
        /// Benchmarks only: discard access-trace entries instead of writing
        /// them, to measure what durability costs. Refused unless
        /// development mode is on and the database was made by
        /// `tellonce seed` (it holds the seed marker agency). See
        /// BENCHMARKS.md.
        #[arg(long, hide = true)]
        bench_untraced: bool,
    },
    /// Apply pending database migrations and exit.
    ///
    /// Example:
    ///   tellonce --database-url postgres://tellonce@db/tellonce migrate
    #[command(verbatim_doc_comment)]
    Migrate,
    /// Print the GraphQL schema (SDL).
    ///
    /// Example:
    ///   tellonce schema > schema.graphql
    #[command(verbatim_doc_comment)]
    Schema,
    /// Copy the whole database while the hub runs (SQLite), traced.
    ///
    /// On SQLite: writes the BACKUP entry to the access trace, takes an
    /// online, consistent copy with VACUUM INTO (one self-contained file),
    /// then opens the copy read-only, verifies its access trace and prints
    /// the copy's head as SEQ:HASH (keep it with the copy). The target must
    /// not exist.
    ///
    /// On PostgreSQL: prints the pg_dump and pg_restore commands to use and
    /// exits with status 2 (PostgreSQL's own tools take the copy).
    ///
    /// Example:
    ///   tellonce --database-url 'sqlite://./tellonce.db' backup --to /backups/tellonce-2026-12-02.db
    ///   tellonce --database-url 'sqlite:///backups/tellonce-2026-12-02.db' trace verify
    #[command(verbatim_doc_comment)]
    Backup {
        /// The file to write; it must not exist.
        #[arg(long, value_name = "FILE")]
        to: PathBuf,
    },
    /// Exit 0 if a running hub answers ready (a container's HEALTHCHECK).
    ///
    /// GETs the hub's /readyz and exits 0 on 200, 1 otherwise (or after
    /// five seconds without an answer).
    ///
    /// Example:
    ///   tellonce health                       # http://127.0.0.1:<port of --bind>/readyz
    ///   tellonce health --url http://127.0.0.1:8080/readyz
    #[command(verbatim_doc_comment)]
    Health {
        /// The readiness URL (default: /readyz on this machine at the
        /// port of the configured bind address).
        #[arg(long, value_name = "URL")]
        url: Option<String>,
    },
    /// Check or anchor the access trace's hash chain; prove entries in its
    /// verifiable log and check proofs offline.
    ///
    /// Examples:
    ///   tellonce trace checkpoint > head.txt
    ///   tellonce trace verify --expect "$(cat head.txt)"
    ///   tellonce trace keygen --origin tellonce.northshire.gov.uk/trace
    ///   tellonce trace prove 42 > proof.json
    ///   tellonce trace verify-proof --key "$(cat log.pub)" proof.json
    #[command(verbatim_doc_comment)]
    Trace {
        #[command(subcommand)]
        command: TraceCommand,
    },
    /// Keep the agency register: add, list, update, retire, import (CSV).
    Agency {
        #[command(subcommand)]
        command: crate::agency_cli::AgencyCommand,
    },
    /// Print a signed token for a demo persona (development only: HS256).
    Token {
        /// senco, camhs, slt, ot, ep, social-worker, yot, health,
        /// case-officer, parent, young-person or ig-auditor.
        #[arg(long)]
        persona: String,
        /// Validity in minutes.
        #[arg(long, default_value_t = 480)]
        minutes: i64,
    },
    /// Import existing records (children, family, involvements, plans)
    /// from CSV or JSON lines; exits 2 if any row was rejected or skipped.
    Import(crate::import_cli::ImportArgs),
    /// Write fictional records at scale (benchmarks and load tests).
    ///
    /// Generates children with valid fictional identifiers and content in
    /// every scope, their families, agencies of every kind (and the marker
    /// agency that says the database is synthetic), involvements, consent
    /// grants (granted, withheld, withdrawn, expired) and access-trace
    /// history, with multi-row INSERTs in large transactions; the trace
    /// stays one valid chain and ends with an IMPORT entry saying the
    /// records are synthetic. The same --seed writes the same records.
    /// Refuses a database that already holds a child. Migrates SQLite;
    /// PostgreSQL must be migrated first (`tellonce migrate`).
    ///
    /// Examples:
    ///   tellonce --database-url 'sqlite://./bench.db?mode=rwc' seed --children 10000
    ///   tellonce --database-url postgres://postgres@127.0.0.1/seedbench migrate
    ///   TELLONCE_DEV=true TELLONCE_JWT_SECRET=... tellonce --database-url postgres://postgres@127.0.0.1/seedbench seed --children 100000 --tokens tokens.json
    #[command(verbatim_doc_comment)]
    Seed(crate::seed_cli::SeedArgs),
    /// Benchmarks only (bench/appends.sh): trace entries appended per
    /// second, with the log integrating. Needs a seeded database.
    #[command(hide = true)]
    BenchAppends(crate::bench_cli::AppendArgs),
}

#[derive(Debug, Subcommand)]
pub enum TraceCommand {
    /// Recompute the whole hash chain; exit 1 naming the first broken entry.
    Verify {
        /// Also check the chain against a checkpoint printed earlier by
        /// `trace checkpoint` and kept outside the database.
        #[arg(long, value_name = "SEQ:HASH")]
        expect: Option<String>,
    },
    /// Print the chain's head as SEQ:HASH, to keep outside the database.
    Checkpoint,
    /// Print a new signing key pair for the verifiable log (no database).
    Keygen {
        /// The log's name, first line of every checkpoint: a host and
        /// path, no scheme, e.g. tellonce.northshire.gov.uk/trace.
        #[arg(long)]
        origin: String,
    },
    /// Integrate committed entries into the verifiable log now and sign a
    /// checkpoint (a serving hub does this by itself within 2 s).
    Integrate,
    /// Print the verifiable log's latest signed checkpoint.
    SignedCheckpoint,
    /// Print the inclusion proof of entry SEQ, with the entry (JSON).
    Prove {
        /// The entry's sequence number.
        seq: i64,
    },
    /// Print the proof that the log's checkpoint of --from entries is a
    /// prefix of its checkpoint of --to entries (the latest by default).
    Consistency {
        #[arg(long)]
        from: u64,
        #[arg(long)]
        to: Option<u64>,
    },
    /// Be a witness of a hub's log: fetch its latest checkpoint, check that
    /// it extends the one this witness last co-signed (kept in --state),
    /// co-sign it and hand the co-signature back. Refuses (exit 1) a log
    /// that shrank, forked or was rewritten. Needs an IG token in
    /// TELLONCE_TOKEN.
    Witness {
        /// The hub's address, e.g. `https://tellonce.northshire.gov.uk`.
        #[arg(long)]
        hub: String,
        /// A file holding the witness's private key (`trace keygen`).
        #[arg(long)]
        key_file: std::path::PathBuf,
        /// The log's public key, as the council publishes it.
        #[arg(long)]
        log_key: String,
        /// Where the witness keeps the last checkpoint it co-signed.
        #[arg(long)]
        state: std::path::PathBuf,
        /// A bearer token of IG staff at the hub.
        #[arg(long, env = "TELLONCE_TOKEN", hide_env_values = true)]
        token: String,
    },
    /// List the trace's monthly partitions and the months archived
    /// (PostgreSQL).
    Months,
    /// Detach the trace's monthly partitions before --before (YYYY-MM)
    /// once a signed checkpoint of the verifiable log covers them
    /// (PostgreSQL). The detached tables stay in the database: dump them
    /// (`pg_dump --table=NAME`) and drop them.
    Archive {
        /// The first month kept, YYYY-MM: every earlier month is archived.
        #[arg(long, value_name = "YYYY-MM")]
        before: String,
    },
    /// Check a proof from `prove`, `consistency` or the API offline against
    /// the log's public key (no database); exit 1 if it does not hold.
    VerifyProof {
        /// The public key (`origin+id+key`), or a file holding it.
        #[arg(long)]
        key: String,
        /// Also require a co-signature by this witness's public key
        /// (repeatable).
        #[arg(long = "witness", value_name = "KEY")]
        witnesses: Vec<String>,
        /// The proof's JSON file; `-` for standard input.
        file: std::path::PathBuf,
    },
}

#[cfg(test)]
mod tests {
    use clap::{CommandFactory as _, Parser as _};

    use super::{Cli, Command};

    fn parse(args: &[&str]) -> Cli {
        Cli::try_parse_from(args).unwrap_or_else(|e| panic!("{args:?}: {e}"))
    }

    #[test]
    fn the_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn yes_no_settings_are_switches_before_or_after_the_command() {
        let cli = parse(&["tellonce", "--dev", "serve"]);
        assert_eq!(cli.config.dev, Some(true));
        assert!(matches!(cli.command, Command::Serve { demo: false, .. }));
        let cli = parse(&["tellonce", "serve", "--demo", "--dev", "--log-json"]);
        assert_eq!(
            (cli.config.dev, cli.config.log_json),
            (Some(true), Some(true))
        );
        // Off over a file's `true`, and absent means "not said".
        let cli = parse(&["tellonce", "--dev=false", "--introspection=no", "schema"]);
        assert_eq!(
            (cli.config.dev, cli.config.introspection),
            (Some(false), Some(false))
        );
        let cli = parse(&["tellonce", "schema"]);
        assert_eq!(cli.config.allow_mixed_roles, None);
        let cli = parse(&[
            "tellonce",
            "--allow-mixed-roles",
            "--show-practitioners-to-families",
            "migrate",
        ]);
        assert_eq!(
            (
                cli.config.allow_mixed_roles,
                cli.config.show_practitioners_to_families
            ),
            (Some(true), Some(true))
        );
        // A switch never swallows the next word.
        assert!(Cli::try_parse_from(["tellonce", "--dev", "true", "serve"]).is_err());
    }

    #[test]
    fn reset_needs_the_demo() {
        assert!(Cli::try_parse_from(["tellonce", "serve", "--reset"]).is_err());
        let cli = parse(&["tellonce", "serve", "--demo", "--reset"]);
        assert!(matches!(
            cli.command,
            Command::Serve {
                demo: true,
                reset: true,
                ..
            }
        ));
    }

    #[test]
    fn the_untraced_switch_parses_and_is_hidden_from_help() {
        let cli = parse(&["tellonce", "serve", "--bench-untraced"]);
        assert!(matches!(
            cli.command,
            Command::Serve {
                bench_untraced: true,
                ..
            }
        ));
        let mut cli = Cli::command();
        cli.build();
        let serve = cli
            .find_subcommand_mut("serve")
            .expect("serve")
            .render_long_help()
            .to_string();
        assert!(!serve.contains("--bench-untraced"), "{serve}");
    }

    #[test]
    fn each_command_has_its_own_help_and_the_configuration_its_heading() {
        let mut cli = Cli::command();
        // Propagates the global configuration flags to each subcommand.
        cli.build();
        let backup = cli
            .find_subcommand_mut("backup")
            .expect("backup")
            .render_long_help()
            .to_string();
        assert!(backup.contains("VACUUM INTO"), "{backup}");
        assert!(backup.contains("--to <FILE>"), "{backup}");
        assert!(backup.contains("pg_dump"), "{backup}");
        assert!(backup.contains("Configuration:"), "{backup}");
        assert!(backup.contains("--database-url"), "{backup}");
        let serve = cli
            .find_subcommand_mut("serve")
            .expect("serve")
            .render_long_help()
            .to_string();
        assert!(serve.contains("--reset"), "{serve}");
        assert!(!serve.contains("VACUUM INTO"), "{serve}");
        assert!(serve.contains("--dev[=<BOOL>]"), "{serve}");
    }
}
