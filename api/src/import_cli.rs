//! `tellonce import FILE`: bulk import of records kept before the hub, from
//! CSV or JSON lines (the README's "Importing existing records" describes
//! the columns). Every row is validated first (`domain::import`); the
//! children without a rejected row are then imported one by one through the
//! door ([`crate::access::Importer`]), as the operator acting as a case
//! officer of the council SEND team named by `--agency`.
//!
//! The report goes to the operator's terminal (and, with `--report`, to a
//! file they choose): line numbers, outcomes and reasons, never a row's
//! values. Logs carry counts only.

use std::fmt;
use std::path::PathBuf;

use anyhow::Context as _;
use consent::{AgencyRef, Role};
use domain::ChildId;
use domain::import::{ImportFormat, RowError};
use uuid::Uuid;

use crate::access::{ChildOutcome, describe_error as describe};
use crate::operator::Operator;

/// The largest import file read (it is held in memory while every row is
/// checked): 256 MiB, several hundred thousand children.
pub const MAX_IMPORT_BYTES: u64 = 256 * 1024 * 1024;
/// The longest `--source` name.
const MAX_SOURCE_CHARS: usize = 64;

/// `tellonce import`'s arguments.
#[derive(Debug, Clone, clap::Args)]
pub struct ImportArgs {
    /// The file to import: CSV (`.csv`) or JSON lines (`.jsonl`, `.ndjson`).
    pub file: PathBuf,
    /// The hub's id of the council SEND team agency (kind LA_SEND) the
    /// records are imported for.
    #[arg(long)]
    pub agency: Uuid,
    /// The file's format, when its extension does not say: csv or jsonl.
    #[arg(long)]
    pub format: Option<ImportFormat>,
    /// The system the records come from: recorded with each child's
    /// `external_id`, and as the evidence of parental responsibility when a
    /// row gives none ("imported from <source>").
    #[arg(long, default_value = "import")]
    pub source: String,
    /// Validate every row and report what would happen, writing nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Also write the report to this file.
    #[arg(long, value_name = "PATH")]
    pub report: Option<PathBuf>,
}

/// What an import is asked to do, besides the file's text.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// The council SEND team agency's id.
    pub agency: Uuid,
    pub format: ImportFormat,
    pub source: String,
    pub dry_run: bool,
}

/// One child's line of the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChildLine {
    /// The line of the child's row (JSON lines: the child's line).
    pub line: u64,
    pub outcome: ChildOutcome,
}

/// What an import did (or, in a dry run, would do).
#[derive(Debug, Clone, Default)]
pub struct ImportReport {
    pub dry_run: bool,
    /// The children whose rows were all valid, by line.
    pub children: Vec<ChildLine>,
    /// Rows refused by validation, by line.
    pub rejected: Vec<RowError>,
}

impl ImportReport {
    /// The children imported (or that would be).
    pub fn imported(&self) -> Vec<Option<ChildId>> {
        self.children
            .iter()
            .filter_map(|c| match c.outcome {
                ChildOutcome::Imported { child } => Some(child),
                _ => None,
            })
            .collect()
    }

    /// How many children were already on file as the file has them.
    pub fn unchanged(&self) -> usize {
        self.count(|o| matches!(o, ChildOutcome::Unchanged { .. }))
    }

    /// How many children on file differ from the file (not written).
    pub fn differing(&self) -> usize {
        self.count(|o| matches!(o, ChildOutcome::Differs { .. }))
    }

    /// Every rejected row: by validation, and when it was to be written.
    pub fn all_rejected(&self) -> Vec<&RowError> {
        let mut all: Vec<&RowError> = self
            .rejected
            .iter()
            .chain(self.children.iter().filter_map(|c| match &c.outcome {
                ChildOutcome::Rejected(e) => Some(e),
                _ => None,
            }))
            .collect();
        all.sort_by_key(|e| e.line);
        all
    }

    /// True when every row was imported or already on file.
    pub fn is_clean(&self) -> bool {
        self.all_rejected().is_empty() && self.differing() == 0
    }

    fn count(&self, f: impl Fn(&ChildOutcome) -> bool) -> usize {
        self.children.iter().filter(|c| f(&c.outcome)).count()
    }
}

impl fmt::Display for ImportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (imported, verb) = if self.dry_run {
            ("would import", "dry run: nothing was written")
        } else {
            ("imported", "import finished")
        };
        for c in &self.children {
            match &c.outcome {
                ChildOutcome::Imported { child: Some(id) } => {
                    writeln!(f, "line {}: {imported} as child {id}", c.line)?;
                }
                ChildOutcome::Imported { child: None } => {
                    writeln!(f, "line {}: {imported}", c.line)?;
                }
                ChildOutcome::Unchanged { child } => {
                    writeln!(f, "line {}: unchanged (child {child})", c.line)?;
                }
                ChildOutcome::Differs { child, part } => writeln!(
                    f,
                    "line {}: skipped: its {part} differs from the record on file (child {child}): change it in the hub",
                    c.line
                )?,
                ChildOutcome::Rejected(_) => {}
            }
        }
        let rejected = self.all_rejected();
        for e in &rejected {
            writeln!(f, "line {}: rejected: {}: {}", e.line, e.field, e.reason)?;
        }
        writeln!(
            f,
            "{verb}: {} {imported}, {} unchanged, {} skipped (differ from the record on file), {} row(s) rejected",
            self.imported().len(),
            self.unchanged(),
            self.differing(),
            rejected.len()
        )
    }
}

/// Validates `text` and imports its children through the door, as the
/// operator acting for the council SEND team `options.agency`.
pub async fn import_text(
    operator: &Operator,
    options: &ImportOptions,
    text: &str,
) -> anyhow::Result<ImportReport> {
    let source = options.source.trim();
    if source.is_empty()
        || source.chars().count() > MAX_SOURCE_CHARS
        || source.chars().any(char::is_control)
    {
        anyhow::bail!("--source names the system in at most {MAX_SOURCE_CHARS} characters");
    }
    let agency = operator
        .store()
        .active_agency(options.agency)
        .await
        .map_err(|e| anyhow::anyhow!("cannot read the agency register: {}", describe(&e.into())))?
        .with_context(|| format!("no active agency {} in the register", options.agency))?;
    let rc = operator.context_as(
        Role::CaseOfficer,
        AgencyRef {
            id: agency.id,
            kind: agency.kind,
        },
    );
    let importer = rc
        .importer()
        .await
        .map_err(|e| anyhow::anyhow!(describe(&e)))?;
    let parsed = domain::import::parse(options.format, text, source, rc.today());
    let mut report = ImportReport {
        dry_run: options.dry_run,
        children: Vec::with_capacity(parsed.children.len()),
        rejected: parsed.rejected,
    };
    for child in &parsed.children {
        let outcome = importer
            .import(child, source, options.dry_run)
            .await
            .map_err(|e| {
                anyhow::anyhow!("import stopped at line {}: {}", child.line, describe(&e))
            })?;
        report.children.push(ChildLine {
            line: child.line,
            outcome,
        });
    }
    rc.finish()
        .await
        .map_err(|e| anyhow::anyhow!("the access trace could not be written: {}", describe(&e)))?;
    tracing::info!(
        dry_run = options.dry_run,
        imported = report.imported().len(),
        unchanged = report.unchanged(),
        skipped = report.differing(),
        rejected = report.all_rejected().len(),
        "import finished"
    );
    Ok(report)
}

/// Runs `tellonce import`: prints the report (and writes it to
/// `--report`); `Ok(false)` when any row was rejected or skipped.
pub async fn run(operator: &Operator, args: &ImportArgs) -> anyhow::Result<bool> {
    let format = match args.format {
        Some(f) => f,
        None => args
            .file
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(ImportFormat::from_file_name)
            .context("cannot tell the file's format from its name: give --format csv or jsonl")?,
    };
    let size = std::fs::metadata(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?
        .len();
    if size > MAX_IMPORT_BYTES {
        anyhow::bail!(
            "{} is {size} bytes: an import file holds at most {MAX_IMPORT_BYTES} bytes (split it by child)",
            args.file.display()
        );
    }
    let text = std::fs::read_to_string(&args.file)
        .with_context(|| format!("cannot read {} as UTF-8 text", args.file.display()))?;
    let options = ImportOptions {
        agency: args.agency,
        format,
        source: args.source.clone(),
        dry_run: args.dry_run,
    };
    let report = import_text(operator, &options, &text).await?;
    let shown = report.to_string();
    print!("{shown}");
    if let Some(path) = &args.report {
        std::fs::write(path, &shown)
            .with_context(|| format!("cannot write the report to {}", path.display()))?;
    }
    Ok(report.is_clean())
}
