//! `tellonce agency add|list|update|retire|import`: the agency register at
//! the shell. Each command goes through the door as `operator:<user>` with
//! the role it needs (ig_admin to change, ig_auditor to list), and a change
//! reports success only once its trace entry is durable.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Args, Subcommand};
use consent::Role;
use domain::agency_input::AgencyDraft;
use domain::{AgencyKind, IdentifierScheme};
use store::RegisteredAgency;
use uuid::Uuid;

use crate::access::{ImportOutcome, ImportReport, MAX_IMPORT_ROWS};
use crate::error::Error;
use crate::operator::Operator;

/// The agency register's commands.
#[derive(Debug, Subcommand)]
pub enum AgencyCommand {
    /// Register an agency.
    Add(AddArgs),
    /// List the register (active agencies; --all for retired ones too).
    List {
        /// Also list retired agencies.
        #[arg(long)]
        all: bool,
    },
    /// Change an agency's name, identifiers or contact (its kind never
    /// changes). Options not given keep their value; giving any identifier
    /// replaces all of them.
    Update(UpdateArgs),
    /// Retire an agency: its staff can no longer sign in.
    Retire {
        /// The agency's id.
        id: Uuid,
        /// Why (kept in the access trace).
        #[arg(long)]
        reason: Option<String>,
    },
    /// Import agencies from a CSV file (header: name,kind,ods,urn,la_code,
    /// ukprn,contact). Writes nothing and exits 1 if any row is rejected.
    Import {
        /// The CSV file.
        file: PathBuf,
    },
}

/// Identifiers and contact, shared by `add` and `update`.
#[derive(Debug, Args)]
pub struct EntryArgs {
    /// NHS ODS code (3 to 6 letters or digits).
    #[arg(long)]
    pub ods: Option<String>,
    /// School URN (six digits).
    #[arg(long)]
    pub urn: Option<String>,
    /// DfE local authority code (three digits).
    #[arg(long)]
    pub la_code: Option<String>,
    /// UKPRN (eight digits starting with 1).
    #[arg(long)]
    pub ukprn: Option<String>,
    /// Who to ask about the agency's access.
    #[arg(long)]
    pub contact: Option<String>,
}

impl EntryArgs {
    fn any_identifier(&self) -> bool {
        self.ods.is_some() || self.urn.is_some() || self.la_code.is_some() || self.ukprn.is_some()
    }
}

/// `agency add`.
#[derive(Debug, Args)]
pub struct AddArgs {
    /// The agency's name.
    #[arg(long)]
    pub name: String,
    /// Its kind, as in tokens: school, camhs, slt, ot, ep, social_care,
    /// youth_justice, health, la_send.
    #[arg(long, value_parser = parse_kind)]
    pub kind: AgencyKind,
    #[command(flatten)]
    pub entry: EntryArgs,
}

/// `agency update`.
#[derive(Debug, Args)]
pub struct UpdateArgs {
    /// The agency's id.
    pub id: Uuid,
    /// A new name.
    #[arg(long)]
    pub name: Option<String>,
    /// The kind, if given, must be the agency's own (kinds never change).
    #[arg(long, value_parser = parse_kind)]
    pub kind: Option<AgencyKind>,
    #[command(flatten)]
    pub entry: EntryArgs,
}

fn parse_kind(s: &str) -> Result<AgencyKind, String> {
    AgencyKind::from_claim(s).ok_or_else(|| {
        let kinds: Vec<String> = AgencyKind::ALL.iter().map(|k| k.claim()).collect();
        format!("unknown kind '{s}': one of {}", kinds.join(", "))
    })
}

/// The door's refusal in words for the shell.
fn refused(e: Error) -> anyhow::Error {
    match e {
        Error::BadInput(i) => anyhow::anyhow!("{}: {}", i.field, i.message),
        Error::Forbidden(m) => anyhow::anyhow!("{m}"),
        Error::NotFound(what) => anyhow::anyhow!("no such {what}"),
        other => anyhow::anyhow!("the register could not be changed: {other:?}"),
    }
}

/// Runs one agency command, writing what it did to `out`. An error says
/// why the command failed (nothing was changed).
pub async fn run(
    operator: &Operator,
    command: AgencyCommand,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    match command {
        AgencyCommand::List { all } => {
            let rc = operator.context(Role::IgAuditor);
            let register = rc.ig().map_err(refused)?.agency_register(all).await;
            rc.finish().await.map_err(refused)?;
            print_table(&register.map_err(refused)?, out)?;
        }
        AgencyCommand::Add(args) => {
            let draft = AgencyDraft {
                name: args.name,
                kind: Some(args.kind),
                ods: args.entry.ods,
                urn: args.entry.urn,
                la_code: args.entry.la_code,
                ukprn: args.entry.ukprn,
                contact: args.entry.contact,
            };
            let rc = operator.context(Role::IgAdmin);
            let added = rc
                .ig_admin()
                .map_err(refused)?
                .register_agency(&draft)
                .await
                .map_err(refused)?;
            rc.finish().await.map_err(refused)?;
            writeln!(
                out,
                "registered {} ({})",
                added.agency.id, added.agency.name
            )?;
        }
        AgencyCommand::Update(args) => {
            let rc = operator.context(Role::IgAdmin);
            let admin = rc.ig_admin().map_err(refused)?;
            let current = rc
                .ig()
                .map_err(refused)?
                .agency_register(true)
                .await
                .map_err(refused)?
                .into_iter()
                .find(|a| a.agency.id == args.id)
                .ok_or_else(|| anyhow::anyhow!("no agency has the id {}", args.id))?;
            let keep = |scheme| current_identifier(&current, scheme);
            let replace = args.entry.any_identifier();
            let draft = AgencyDraft {
                name: args.name.unwrap_or_else(|| current.agency.name.clone()),
                kind: Some(args.kind.unwrap_or(current.agency.kind)),
                ods: if replace {
                    args.entry.ods
                } else {
                    keep(IdentifierScheme::Ods)
                },
                urn: if replace {
                    args.entry.urn
                } else {
                    keep(IdentifierScheme::Urn)
                },
                la_code: if replace {
                    args.entry.la_code
                } else {
                    keep(IdentifierScheme::LaCode)
                },
                ukprn: if replace {
                    args.entry.ukprn
                } else {
                    keep(IdentifierScheme::Ukprn)
                },
                contact: args.entry.contact.or_else(|| current.contact.clone()),
            };
            let updated = admin
                .update_agency(args.id, &draft)
                .await
                .map_err(refused)?;
            rc.finish().await.map_err(refused)?;
            writeln!(
                out,
                "updated {} ({})",
                updated.agency.id, updated.agency.name
            )?;
        }
        AgencyCommand::Retire { id, reason } => {
            let rc = operator.context(Role::IgAdmin);
            let retired = rc
                .ig_admin()
                .map_err(refused)?
                .retire_agency(id, reason.as_deref())
                .await
                .map_err(refused)?;
            rc.finish().await.map_err(refused)?;
            writeln!(
                out,
                "retired {} ({})",
                retired.agency.id, retired.agency.name
            )?;
        }
        AgencyCommand::Import { file } => {
            let text = read_bounded(&file)?;
            let rc = operator.context(Role::IgAdmin);
            let report = rc
                .ig_admin()
                .map_err(refused)?
                .import_agencies(&text)
                .await
                .map_err(refused)?;
            rc.finish().await.map_err(refused)?;
            print_report(&report, out)?;
            let rejected = report.count(ImportOutcome::Rejected);
            if rejected > 0 {
                anyhow::bail!("{rejected} row(s) rejected: nothing was written");
            }
        }
    }
    Ok(())
}

fn current_identifier(agency: &RegisteredAgency, scheme: IdentifierScheme) -> Option<String> {
    agency
        .identifiers
        .iter()
        .find(|i| i.scheme == scheme)
        .map(|i| i.value.clone())
}

/// Reads an import file, refusing one far larger than an import takes.
fn read_bounded(file: &std::path::Path) -> anyhow::Result<String> {
    // A generous bound: every row at its longest is well under 2 KB.
    let limit = u64::try_from(MAX_IMPORT_ROWS * 2_048).unwrap_or(u64::MAX);
    let size = std::fs::metadata(file)
        .with_context(|| format!("cannot read {}", file.display()))?
        .len();
    if size > limit {
        anyhow::bail!(
            "{} is {size} bytes: an import takes at most {MAX_IMPORT_ROWS} rows",
            file.display()
        );
    }
    std::fs::read_to_string(file)
        .with_context(|| format!("cannot read {} as UTF-8", file.display()))
}

/// The register as a table: id, kind, name, identifiers, status.
fn print_table(register: &[RegisteredAgency], out: &mut dyn Write) -> std::io::Result<()> {
    let rows: Vec<[String; 5]> = register
        .iter()
        .map(|a| {
            let ids: Vec<String> = a
                .identifiers
                .iter()
                .map(|i| format!("{}:{}", i.scheme, i.value))
                .collect();
            let status = match a.retired_at {
                Some(at) => format!("retired {}", at.date_naive()),
                None => "active".to_owned(),
            };
            [
                a.agency.id.to_string(),
                a.agency.kind.claim(),
                clean(&a.agency.name),
                if ids.is_empty() {
                    "-".into()
                } else {
                    ids.join(" ")
                },
                status,
            ]
        })
        .collect();
    let header = ["ID", "KIND", "NAME", "IDENTIFIERS", "STATUS"].map(str::to_owned);
    let mut widths = header.clone().map(|h| h.chars().count());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    for row in std::iter::once(&header).chain(&rows) {
        let line: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(cell, w)| format!("{cell:<w$}"))
            .collect();
        writeln!(out, "{}", line.join("  ").trim_end())?;
    }
    Ok(())
}

/// Text for a terminal: no control characters (a name is validated, but
/// older rows may predate the check).
fn clean(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).collect()
}

fn print_report(report: &ImportReport, out: &mut dyn Write) -> std::io::Result<()> {
    for row in &report.rows {
        let mut line = format!("line {}: {}", row.line, row.outcome.code());
        if !row.name.is_empty() {
            line.push_str(&format!(" {}", clean(&row.name)));
        }
        if let Some(id) = row.agency_id {
            line.push_str(&format!(" ({id})"));
        }
        if let Some(reason) = &row.reason {
            line.push_str(&format!(": {}", clean(reason)));
        }
        writeln!(out, "{line}")?;
    }
    writeln!(
        out,
        "{} created, {} updated, {} unchanged, {} rejected{}",
        report.count(ImportOutcome::Created),
        report.count(ImportOutcome::Updated),
        report.count(ImportOutcome::Unchanged),
        report.count(ImportOutcome::Rejected),
        if report.applied {
            ""
        } else {
            ": nothing was written"
        }
    )
}
