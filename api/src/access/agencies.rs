//! The agency register through the door (issue 13 item 3): IG
//! administrators register, change, retire and import agencies; IG staff
//! read the register with identifiers, contact and status. Every change is
//! written in one traced transaction with its AGENCY_REGISTERED,
//! AGENCY_UPDATED or AGENCY_RETIRED entry, which names the agency by id and
//! never carries its contact details.

use std::collections::BTreeMap;

use consent::trace::{TraceAction, TraceEntry};
use domain::agency_input::{AgencyDetails, AgencyDraft, KIND_IS_FIXED, identifier_field};
use domain::{Agency, AgencyIdentifier, AgencyKind};
use store::{RegisteredAgency, TracedTxn};
use uuid::Uuid;

use super::{Ig, IgAdmin, RequestContext};
use crate::error::{Error, Result};

/// The most rows one import takes.
pub const MAX_IMPORT_ROWS: usize = 5_000;

/// The columns an import file may have (a header row names them, in any
/// order; `name` and `kind` are required).
pub const IMPORT_COLUMNS: [&str; 7] = ["name", "kind", "ods", "urn", "la_code", "ukprn", "contact"];

/// What an import did (or would do) with one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportOutcome {
    /// A new agency.
    Created,
    /// An existing agency (named by an identifier, or by name and kind
    /// when the row has none) whose name, identifiers or contact changed.
    Updated,
    /// The register already says exactly this.
    Unchanged,
    /// The row cannot be taken; `reason` says why.
    Rejected,
}

impl ImportOutcome {
    pub fn code(self) -> &'static str {
        match self {
            ImportOutcome::Created => "created",
            ImportOutcome::Updated => "updated",
            ImportOutcome::Unchanged => "unchanged",
            ImportOutcome::Rejected => "rejected",
        }
    }
}

/// One row of an import's report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRow {
    /// The row's line in the file (the header is line 1).
    pub line: u64,
    /// The name as the row gives it.
    pub name: String,
    pub outcome: ImportOutcome,
    /// The agency created, updated or unchanged (for a created row, only
    /// once applied).
    pub agency_id: Option<Uuid>,
    /// Why a row was rejected: the field and what is wrong.
    pub reason: Option<String>,
}

/// What an import found, row by row. Nothing is written unless every row
/// is acceptable (`applied`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportReport {
    pub applied: bool,
    pub rows: Vec<ImportRow>,
}

impl ImportReport {
    /// The rows with this outcome.
    pub fn with(&self, outcome: ImportOutcome) -> impl Iterator<Item = &ImportRow> {
        self.rows.iter().filter(move |r| r.outcome == outcome)
    }

    pub fn count(&self, outcome: ImportOutcome) -> usize {
        self.with(outcome).count()
    }
}

/// A row parsed from the file.
struct ParsedRow {
    line: u64,
    name: String,
    details: std::result::Result<AgencyDetails, String>,
}

impl RequestContext {
    /// The agencies that are not retired: those offered to families as
    /// recipients and listed by the `agencies` query. (The cached
    /// [`RequestContext::agencies`] keeps retired ones, so records still
    /// name who contributed.)
    pub async fn active_agencies(&self) -> Result<Vec<Agency>> {
        Ok(self.store().active_agencies().await?)
    }
}

impl Ig<'_> {
    /// The register with identifiers, contact and status (IG staff).
    pub async fn agency_register(&self, include_retired: bool) -> Result<Vec<RegisteredAgency>> {
        Ok(self.rc.store().agency_register(include_retired).await?)
    }
}

impl IgAdmin<'_> {
    fn agency_entry(&self, action: TraceAction, id: Uuid) -> TraceEntry {
        self.rc.entry(action).detail("agency", id)
    }

    /// Registers an agency; an identifier another agency holds is
    /// BAD_USER_INPUT naming its field.
    pub async fn register_agency(&self, draft: &AgencyDraft) -> Result<RegisteredAgency> {
        let details = AgencyDetails::parse(draft)?;
        let tx = self.rc.store().traced().await?;
        refuse_taken(&tx, &details, None).await?;
        let id = tx.register_agency(&details).await?;
        let entry = self
            .agency_entry(TraceAction::AgencyRegistered, id)
            .detail("kind", details.kind);
        let registered = tx.registered_agency(id).await?;
        tx.commit(vec![entry]).await?;
        registered.ok_or(Error::NotFound("agency"))
    }

    /// Replaces an agency's name, identifiers and contact. Its kind cannot
    /// change ([`KIND_IS_FIXED`]), nor can a retired agency. A change that
    /// changes nothing writes nothing.
    pub async fn update_agency(&self, id: Uuid, draft: &AgencyDraft) -> Result<RegisteredAgency> {
        let details = AgencyDetails::parse(draft)?;
        let tx = self.rc.store().traced().await?;
        let current = tx
            .registered_agency(id)
            .await?
            .ok_or(Error::NotFound("agency"))?;
        if current.is_retired() {
            return Err(Error::bad_input(
                "id",
                "this agency is retired: a retired agency is kept as it was",
            ));
        }
        if current.agency.kind != details.kind {
            return Err(Error::bad_input("kind", KIND_IS_FIXED));
        }
        if current.says(&details) {
            return Ok(current);
        }
        refuse_taken(&tx, &details, Some(id)).await?;
        tx.update_agency(id, &details).await?;
        let entry = self.agency_entry(TraceAction::AgencyUpdated, id);
        let updated = tx.registered_agency(id).await?;
        tx.commit(vec![entry]).await?;
        updated.ok_or(Error::NotFound("agency"))
    }

    /// Retires an agency: its staff can no longer sign in and families no
    /// longer see it offered. Retiring one already retired is refused.
    /// `reason` (optional, short text) goes in the trace entry.
    pub async fn retire_agency(&self, id: Uuid, reason: Option<&str>) -> Result<RegisteredAgency> {
        let reason = domain::input::optional_text("reason", reason)?;
        let tx = self.rc.store().traced().await?;
        let current = tx
            .registered_agency(id)
            .await?
            .ok_or(Error::NotFound("agency"))?;
        if let Some(at) = current.retired_at {
            return Err(Error::bad_input(
                "id",
                format!("this agency was already retired on {}", at.date_naive()),
            ));
        }
        tx.retire_agency(id).await?;
        let mut entry = self.agency_entry(TraceAction::AgencyRetired, id);
        if let Some(reason) = reason {
            entry = entry.detail("reason", reason);
        }
        let retired = tx.registered_agency(id).await?;
        tx.commit(vec![entry]).await?;
        retired.ok_or(Error::NotFound("agency"))
    }

    /// Imports agencies from CSV (a header row naming [`IMPORT_COLUMNS`]).
    /// Every row is checked first, against the register and the rest of the
    /// file; if any is rejected nothing is written and the report says which
    /// and why. Otherwise every change is written in one transaction, each
    /// with its trace entry. Re-running the same file changes nothing.
    pub async fn import_agencies(&self, csv: &str) -> Result<ImportReport> {
        let rows = parse_csv(csv)?;
        let tx = self.rc.store().traced().await?;
        let register = tx.agency_register().await?;
        let plan = plan(&rows, &register);
        let rejected = plan
            .iter()
            .any(|(row, _)| row.outcome == ImportOutcome::Rejected);
        if rejected {
            drop(tx);
            return Ok(ImportReport {
                applied: false,
                rows: plan.into_iter().map(|(row, _)| row).collect(),
            });
        }
        let mut entries = Vec::new();
        let mut report = Vec::with_capacity(plan.len());
        for (mut row, details) in plan {
            match (row.outcome, details) {
                (ImportOutcome::Created, Some(details)) => {
                    let id = tx.register_agency(&details).await?;
                    entries.push(
                        self.agency_entry(TraceAction::AgencyRegistered, id)
                            .detail("kind", details.kind)
                            .detail("via", "import"),
                    );
                    row.agency_id = Some(id);
                }
                (ImportOutcome::Updated, Some(details)) => {
                    let id = row
                        .agency_id
                        .ok_or_else(|| Error::Internal(anyhow::anyhow!("update without an id")))?;
                    tx.update_agency(id, &details).await?;
                    entries.push(
                        self.agency_entry(TraceAction::AgencyUpdated, id)
                            .detail("via", "import"),
                    );
                }
                _ => {}
            }
            report.push(row);
        }
        tx.commit(entries).await?;
        Ok(ImportReport {
            applied: true,
            rows: report,
        })
    }
}

/// Refuses identifiers held by an agency other than `own`, naming the
/// field and the holder.
async fn refuse_taken(tx: &TracedTxn, details: &AgencyDetails, own: Option<Uuid>) -> Result<()> {
    for identifier in &details.identifiers {
        if let Some(other) = tx.identifier_holder(identifier).await?
            && Some(other) != own
        {
            let name = tx
                .registered_agency(other)
                .await?
                .map(|a| a.agency.name)
                .unwrap_or_default();
            return Err(Error::bad_input(
                identifier_field(identifier.scheme),
                taken(identifier, &name),
            ));
        }
    }
    Ok(())
}

fn taken(identifier: &AgencyIdentifier, holder: &str) -> String {
    format!(
        "{} {} already names another agency ({holder})",
        identifier.scheme, identifier.value
    )
}

/// Reads the file: a header row, then one agency per row. A file that
/// cannot be read at all (no header, an unknown column, too many rows) is
/// BAD_USER_INPUT on `csv`; a bad row is reported with its line.
fn parse_csv(text: &str) -> Result<Vec<ParsedRow>> {
    let bad = |m: String| Error::bad_input("csv", m);
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| bad(format!("the header row cannot be read: {e}")))?
        .clone();
    let mut columns: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, h) in headers.iter().enumerate() {
        let h = h.to_ascii_lowercase();
        let Some(known) = IMPORT_COLUMNS.iter().find(|c| **c == h) else {
            return Err(bad(format!(
                "unknown column '{h}' in the header row: the columns are {}",
                IMPORT_COLUMNS.join(", ")
            )));
        };
        if columns.insert(known, i).is_some() {
            return Err(bad(format!("column '{h}' appears twice in the header row")));
        }
    }
    for required in ["name", "kind"] {
        if !columns.contains_key(required) {
            return Err(bad(format!("the header row has no '{required}' column")));
        }
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        if rows.len() >= MAX_IMPORT_ROWS {
            return Err(bad(format!(
                "at most {MAX_IMPORT_ROWS} rows per import: split the file"
            )));
        }
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, csv::Position::line);
                rows.push(ParsedRow {
                    line,
                    name: String::new(),
                    details: Err(format!("the row cannot be read: {e}")),
                });
                continue;
            }
        };
        let line = record.position().map_or(0, csv::Position::line);
        let get = |column: &str| {
            columns
                .get(column)
                .and_then(|i| record.get(*i))
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        let name = get("name").unwrap_or_default();
        let details = if record.len() != headers.len() {
            Err(format!(
                "the row has {} fields; the header has {}",
                record.len(),
                headers.len()
            ))
        } else {
            row_details(&get)
        };
        rows.push(ParsedRow {
            line,
            name,
            details,
        });
    }
    Ok(rows)
}

fn row_details(get: &dyn Fn(&str) -> Option<String>) -> std::result::Result<AgencyDetails, String> {
    let kind = match get("kind") {
        None => None,
        Some(k) => Some(AgencyKind::from_claim(&k).ok_or_else(|| {
            let kinds: Vec<String> = AgencyKind::ALL.iter().map(|k| k.claim()).collect();
            format!("kind: unknown kind '{k}': one of {}", kinds.join(", "))
        })?),
    };
    let draft = AgencyDraft {
        name: get("name").unwrap_or_default(),
        kind,
        ods: get("ods"),
        urn: get("urn"),
        la_code: get("la_code"),
        ukprn: get("ukprn"),
        contact: get("contact"),
    };
    AgencyDetails::parse(&draft).map_err(|e| e.to_string())
}

/// Decides each row against the register and the rows before it.
fn plan(
    rows: &[ParsedRow],
    register: &[RegisteredAgency],
) -> Vec<(ImportRow, Option<AgencyDetails>)> {
    let mut holders: BTreeMap<&AgencyIdentifier, &RegisteredAgency> = BTreeMap::new();
    for agency in register {
        for identifier in &agency.identifiers {
            holders.insert(identifier, agency);
        }
    }
    // Identifiers and agencies already claimed by an earlier row.
    let mut seen_identifiers: BTreeMap<AgencyIdentifier, u64> = BTreeMap::new();
    let mut seen_agencies: BTreeMap<Uuid, u64> = BTreeMap::new();
    let mut seen_names: BTreeMap<(String, AgencyKind), u64> = BTreeMap::new();
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let mut report = ImportRow {
            line: row.line,
            name: row.name.clone(),
            outcome: ImportOutcome::Rejected,
            agency_id: None,
            reason: None,
        };
        let decided = row.details.clone().and_then(|details| {
            decide(
                &details,
                register,
                &holders,
                &seen_identifiers,
                &seen_agencies,
                &seen_names,
            )
            .map(|(outcome, id)| (details, outcome, id))
        });
        match decided {
            Ok((details, outcome, id)) => {
                for identifier in &details.identifiers {
                    seen_identifiers.insert(identifier.clone(), row.line);
                }
                if let Some(id) = id {
                    seen_agencies.insert(id, row.line);
                }
                seen_names.insert((details.name.clone(), details.kind), row.line);
                report.outcome = outcome;
                report.agency_id = id;
                out.push((report, Some(details)));
            }
            Err(reason) => {
                report.reason = Some(reason);
                out.push((report, None));
            }
        }
    }
    out
}

/// One row's outcome and the existing agency it names, or why not.
fn decide(
    details: &AgencyDetails,
    register: &[RegisteredAgency],
    holders: &BTreeMap<&AgencyIdentifier, &RegisteredAgency>,
    seen_identifiers: &BTreeMap<AgencyIdentifier, u64>,
    seen_agencies: &BTreeMap<Uuid, u64>,
    seen_names: &BTreeMap<(String, AgencyKind), u64>,
) -> std::result::Result<(ImportOutcome, Option<Uuid>), String> {
    for identifier in &details.identifiers {
        if let Some(line) = seen_identifiers.get(identifier) {
            return Err(format!(
                "{}: {} {} is also on line {line}",
                identifier_field(identifier.scheme),
                identifier.scheme,
                identifier.value
            ));
        }
    }
    let mut named: Vec<&RegisteredAgency> = details
        .identifiers
        .iter()
        .filter_map(|i| holders.get(i).copied())
        .collect();
    named.sort_by_key(|a| a.agency.id);
    named.dedup_by_key(|a| a.agency.id);
    let existing = match named.as_slice() {
        [] if details.identifiers.is_empty() => {
            if let Some(line) = seen_names.get(&(details.name.clone(), details.kind)) {
                return Err(format!(
                    "name: the same name and kind are on line {line}, and this row has no identifier to tell them apart"
                ));
            }
            register.iter().find(|a| {
                !a.is_retired() && a.agency.name == details.name && a.agency.kind == details.kind
            })
        }
        [] => None,
        [one] => Some(*one),
        several => {
            let names: Vec<&str> = several.iter().map(|a| a.agency.name.as_str()).collect();
            return Err(format!(
                "identifiers: its identifiers name different agencies ({})",
                names.join(", ")
            ));
        }
    };
    let Some(existing) = existing else {
        return Ok((ImportOutcome::Created, None));
    };
    let id = existing.agency.id;
    if let Some(line) = seen_agencies.get(&id) {
        return Err(format!(
            "identifiers: names the same agency as line {line} ({})",
            existing.agency.name
        ));
    }
    if existing.is_retired() {
        return Err(format!(
            "identifiers: names a retired agency ({}): a retired agency is kept as it was",
            existing.agency.name
        ));
    }
    if existing.agency.kind != details.kind {
        return Err(format!("kind: {KIND_IS_FIXED}"));
    }
    if existing.says(details) {
        Ok((ImportOutcome::Unchanged, Some(id)))
    } else {
        Ok((ImportOutcome::Updated, Some(id)))
    }
}
