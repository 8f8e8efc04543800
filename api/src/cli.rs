//! The `tellonce` command line.

use clap::{Parser, Subcommand};

use crate::config::ConfigArgs;

/// tellonce: a consent-aware hub for the records of children and young
/// people with special educational needs and disabilities.
#[derive(Debug, Parser)]
#[command(name = "tellonce", version, about)]
pub struct Cli {
    #[command(flatten)]
    pub config: ConfigArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the hub.
    Serve {
        /// Load the demo data and print a token per persona (development).
        #[arg(long)]
        demo: bool,
        /// Apply pending migrations before serving (always on for SQLite).
        #[arg(long)]
        migrate: bool,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Print the GraphQL schema (SDL).
    Schema,
    /// Check or anchor the access trace's hash chain.
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
}
