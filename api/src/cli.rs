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
