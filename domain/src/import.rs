//! Bulk import of records kept before the hub (`tellonce import`): the
//! file formats, and the validation of every row. Pure: the text is parsed
//! here, the agencies it names and the children already on file are looked
//! up by `api`.
//!
//! Two formats hold the same columns (the README's "Importing existing
//! records" lists them):
//!
//! - **CSV** with a header row: each row has a `record_type` (`child`,
//!   `family_member`, `involvement`, `plan`) and a `child_ref` that links
//!   the rows of one child (the source system's reference, or any label
//!   unique in the file). A row fills only the columns of its type.
//! - **JSON lines**: one object per child, its columns as keys, with arrays
//!   `family`, `involvements` and `plans` of objects of those rows' columns.
//!
//! A row that fails validation is reported as a [`RowError`] (its line, the
//! column, why) and never with its values: the report may be kept. A child
//! with any rejected row is not imported at all, so a corrected file imports
//! it whole.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;

use chrono::NaiveDate;
use uuid::Uuid;

use crate::input::{NewChildInput, NewFamilyMemberInput, ValidFamilyMember, optional_text};
use crate::review::PlanImport;
use crate::{AgencyIdentifier, ContactPreference, IdentifierScheme, Identity, Relationship};

/// The longest `child_ref` or `external_id` (the source system's key).
pub const MAX_REF_CHARS: usize = 64;

/// How the file is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportFormat {
    /// Comma-separated with a header row, one row per record.
    Csv,
    /// One JSON object per line, one line per child.
    JsonLines,
}

impl ImportFormat {
    /// The format a file name's extension says (`.csv`; `.jsonl`,
    /// `.ndjson`), if any.
    pub fn from_file_name(name: &str) -> Option<Self> {
        let ext = name.rsplit_once('.')?.1.to_ascii_lowercase();
        match ext.as_str() {
            "csv" => Some(Self::Csv),
            "jsonl" | "ndjson" => Some(Self::JsonLines),
            _ => None,
        }
    }
}

impl std::str::FromStr for ImportFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "csv" => Ok(Self::Csv),
            "jsonl" | "ndjson" | "json-lines" => Ok(Self::JsonLines),
            _ => Err(format!("unknown import format {s:?}: csv or jsonl")),
        }
    }
}

/// Why one row (or one child) cannot be imported: where, which column, and
/// why, never the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// The line in the file (1 is the first; a CSV header is line 1).
    pub line: u64,
    /// The column (in JSON lines, its path: `family[0].relationship`).
    pub field: String,
    pub reason: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}: {}", self.line, self.field, self.reason)
    }
}

/// An agency as the file names it: by the hub's id or by an external
/// identifier (`ODS:RCF`, `URN:100000`, `LA_CODE:383`, `UKPRN:10000001`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AgencyNamed {
    Id(Uuid),
    Identifier(AgencyIdentifier),
}

/// A validated family member row.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedFamilyMember {
    pub line: u64,
    pub member: ValidFamilyMember,
}

/// A validated involvement row: an agency that works with the child.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedInvolvement {
    pub line: u64,
    pub agency: AgencyNamed,
    pub role_title: Option<String>,
    pub since: Option<NaiveDate>,
    pub until: Option<NaiveDate>,
}

/// A validated plan row: an EHC plan made before the hub.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportedPlan {
    pub line: u64,
    pub plan: PlanImport,
}

/// One child and every row linked to it, all valid.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedChild {
    /// The line of the child's own row.
    pub line: u64,
    pub child_ref: String,
    /// The source system's key for the child: how a re-run finds a child
    /// with neither NHS number nor UPN.
    pub external_id: Option<String>,
    pub identity: Identity,
    pub young_person_id: Option<String>,
    pub family: Vec<ImportedFamilyMember>,
    pub involvements: Vec<ImportedInvolvement>,
    /// At most one: the hub keeps one maintained plan per child.
    pub plan: Option<ImportedPlan>,
}

/// What a file holds: the children that may be imported, and every
/// rejected row, in line order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ParsedImport {
    pub children: Vec<ImportedChild>,
    pub rejected: Vec<RowError>,
}

/// The record types of a CSV row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Child,
    FamilyMember,
    Involvement,
    Plan,
}

impl Kind {
    fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "child" => Some(Self::Child),
            "family_member" | "family" => Some(Self::FamilyMember),
            "involvement" => Some(Self::Involvement),
            "plan" => Some(Self::Plan),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Child => "child",
            Self::FamilyMember => "family_member",
            Self::Involvement => "involvement",
            Self::Plan => "plan",
        }
    }

    fn columns(self) -> &'static [&'static str] {
        match self {
            Self::Child => CHILD_COLUMNS,
            Self::FamilyMember => FAMILY_COLUMNS,
            Self::Involvement => INVOLVEMENT_COLUMNS,
            Self::Plan => PLAN_COLUMNS,
        }
    }

    fn of_column(column: &str) -> Option<Self> {
        [
            Self::Child,
            Self::FamilyMember,
            Self::Involvement,
            Self::Plan,
        ]
        .into_iter()
        .find(|k| k.columns().contains(&column))
    }
}

/// The columns of a child row.
pub const CHILD_COLUMNS: &[&str] = &[
    "external_id",
    "given_name",
    "family_name",
    "preferred_name",
    "date_of_birth",
    "nhs_number",
    "upn",
    "address_line",
    "town",
    "postcode",
    "home_language",
    "communication_needs",
    "young_person_id",
];

/// The columns of a family member row.
pub const FAMILY_COLUMNS: &[&str] = &[
    "full_name",
    "relationship",
    "parental_responsibility",
    "pr_evidence",
    "person_id",
    "contact_preference",
    "phone",
    "email",
    "main_contact",
];

/// The columns of an involvement row.
pub const INVOLVEMENT_COLUMNS: &[&str] = &["agency", "role_title", "since", "until"];

/// The columns of a plan row.
pub const PLAN_COLUMNS: &[&str] = &[
    "made_on",
    "last_review_concluded_on",
    "request_received_on",
    "decided_to_assess_on",
    "draft_issued_on",
];

/// One row's values by column, blank ones left out.
#[derive(Debug)]
struct Row {
    line: u64,
    /// Put before a column's name in errors (`family[0].`).
    prefix: String,
    values: HashMap<String, String>,
}

impl Row {
    fn get(&self, column: &str) -> Option<&str> {
        self.values.get(column).map(String::as_str)
    }

    fn error(&self, column: &str, reason: impl Into<String>) -> RowError {
        RowError {
            line: self.line,
            field: format!("{}{column}", self.prefix),
            reason: reason.into(),
        }
    }

    fn date(&self, column: &str) -> Result<Option<NaiveDate>, RowError> {
        self.get(column)
            .map(|v| {
                parse_date(v)
                    .ok_or_else(|| self.error(column, "is not a date (YYYY-MM-DD or DD/MM/YYYY)"))
            })
            .transpose()
    }

    fn flag(&self, column: &str) -> Result<bool, RowError> {
        match self.get(column) {
            None => Ok(false),
            Some(v) => parse_bool(v).ok_or_else(|| self.error(column, "is not true or false")),
        }
    }

    /// A validation error from `domain::input`, named by this file's column.
    fn invalid(&self, e: crate::InvalidInput) -> RowError {
        self.error(&snake_case(e.field), e.message)
    }
}

/// `YYYY-MM-DD`, or `DD/MM/YYYY` as UK systems export dates.
pub fn parse_date(value: &str) -> Option<NaiveDate> {
    let value = value.trim();
    NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(value, "%d/%m/%Y"))
        .ok()
}

fn parse_bool(value: &str) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "y" | "1" => Some(true),
        "false" | "no" | "n" | "0" => Some(false),
        _ => None,
    }
}

/// `nhsNumber` → `nhs_number`: the API's field name as this file's column.
fn snake_case(field: &str) -> String {
    let mut out = String::with_capacity(field.len() + 4);
    for c in field.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// A code as a file may spell it: `Mother`, `step parent`, `STEP_PARENT`.
fn code<T: std::str::FromStr>(row: &Row, column: &str, allowed: &str) -> Result<T, RowError> {
    let raw = row
        .get(column)
        .ok_or_else(|| row.error(column, "is required"))?;
    let normal: String = raw
        .trim()
        .chars()
        .map(|c| {
            if c == ' ' || c == '-' {
                '_'
            } else {
                c.to_ascii_uppercase()
            }
        })
        .collect();
    normal
        .parse()
        .map_err(|_| row.error(column, format!("is not one of {allowed}")))
}

fn reference(row: &Row, column: &'static str) -> Result<Option<String>, RowError> {
    let value = optional_text(column, row.get(column)).map_err(|e| row.invalid(e))?;
    if value
        .as_ref()
        .is_some_and(|v| v.chars().count() > MAX_REF_CHARS)
    {
        return Err(row.error(
            column,
            format!("must be at most {MAX_REF_CHARS} characters"),
        ));
    }
    Ok(value)
}

/// The child's own columns.
struct ChildHead {
    external_id: Option<String>,
    identity: Identity,
    young_person_id: Option<String>,
}

fn child_row(row: &Row, today: NaiveDate) -> Result<ChildHead, RowError> {
    let date_of_birth = row
        .date("date_of_birth")?
        .ok_or_else(|| row.error("date_of_birth", "is required"))?;
    let identity = NewChildInput {
        given_name: row.get("given_name").unwrap_or_default(),
        family_name: row.get("family_name").unwrap_or_default(),
        preferred_name: row.get("preferred_name"),
        date_of_birth: Some(date_of_birth),
        nhs_number: row.get("nhs_number"),
        upn: row.get("upn"),
        address_line: row.get("address_line"),
        town: row.get("town"),
        postcode: row.get("postcode"),
        home_language: row.get("home_language"),
        communication_needs: row.get("communication_needs"),
    }
    .validate(today)
    .map_err(|e| row.invalid(e))?;
    Ok(ChildHead {
        external_id: reference(row, "external_id")?,
        identity,
        young_person_id: optional_text("young_person_id", row.get("young_person_id"))
            .map_err(|e| row.invalid(e))?,
    })
}

const RELATIONSHIPS: &str = "MOTHER, FATHER, STEP_PARENT, GRANDPARENT, SPECIAL_GUARDIAN, \
     ADOPTIVE_PARENT, FOSTER_CARER, LOCAL_AUTHORITY, DEPUTY, OTHER";
const CONTACT_PREFERENCES: &str = "EMAIL, PHONE, TEXT, POST, INTERPRETER";

fn family_row(row: &Row, source: &str) -> Result<ImportedFamilyMember, RowError> {
    let relationship: Relationship = code(row, "relationship", RELATIONSHIPS)?;
    let parental_responsibility = row.flag("parental_responsibility")?;
    let contact_preference: ContactPreference = if row.get("contact_preference").is_some() {
        code(row, "contact_preference", CONTACT_PREFERENCES)?
    } else if row.get("email").is_some() {
        ContactPreference::Email
    } else if row.get("phone").is_some() {
        ContactPreference::Phone
    } else {
        ContactPreference::Post
    };
    // What parental responsibility rests on, if the source system did not
    // say: that it was on file there.
    let imported_from = format!("imported from {source}");
    let pr_evidence = row
        .get("pr_evidence")
        .or((parental_responsibility).then_some(imported_from.as_str()));
    let member = NewFamilyMemberInput {
        full_name: row.get("full_name").unwrap_or_default(),
        relationship,
        parental_responsibility,
        pr_evidence,
        person_id: row.get("person_id"),
        contact_preference,
        phone: row.get("phone"),
        email: row.get("email"),
        main_contact: row.flag("main_contact")?,
    }
    .validate()
    .map_err(|e| row.invalid(e))?;
    Ok(ImportedFamilyMember {
        line: row.line,
        member,
    })
}

/// `SCHEME:VALUE` or the hub's id.
fn agency_named(row: &Row) -> Result<AgencyNamed, RowError> {
    let raw = row
        .get("agency")
        .ok_or_else(|| row.error("agency", "is required"))?;
    if let Ok(id) = Uuid::parse_str(raw) {
        return Ok(AgencyNamed::Id(id));
    }
    let bad = || {
        row.error(
            "agency",
            "is neither the hub's agency id nor SCHEME:VALUE with a scheme of ODS, URN, LA_CODE or UKPRN",
        )
    };
    let (scheme, value) = raw.split_once(':').ok_or_else(bad)?;
    let scheme: IdentifierScheme = scheme
        .trim()
        .to_ascii_uppercase()
        .parse()
        .map_err(|_| bad())?;
    AgencyIdentifier::new(scheme, value)
        .filter(|id| id.value.chars().count() <= MAX_REF_CHARS)
        .map(AgencyNamed::Identifier)
        .ok_or_else(bad)
}

fn involvement_row(row: &Row, today: NaiveDate) -> Result<ImportedInvolvement, RowError> {
    let agency = agency_named(row)?;
    let since = row.date("since")?;
    let until = row.date("until")?;
    if since.is_some_and(|s| s > today) {
        return Err(row.error("since", "cannot be in the future"));
    }
    if let (Some(s), Some(u)) = (since, until)
        && u < s
    {
        return Err(row.error("until", "cannot be before since"));
    }
    Ok(ImportedInvolvement {
        line: row.line,
        agency,
        role_title: optional_text("role_title", row.get("role_title"))
            .map_err(|e| row.invalid(e))?,
        since,
        until,
    })
}

fn plan_row(row: &Row, today: NaiveDate) -> Result<ImportedPlan, RowError> {
    let plan = PlanImport {
        made_on: row
            .date("made_on")?
            .ok_or_else(|| row.error("made_on", "is required"))?,
        last_review_concluded_on: row.date("last_review_concluded_on")?,
        request_received_on: row.date("request_received_on")?,
        decided_to_assess_on: row.date("decided_to_assess_on")?,
        draft_issued_on: row.date("draft_issued_on")?,
    };
    // The dates alone: whether the child already has a plan is known only
    // when it is written.
    plan.check(&[], &BTreeSet::new(), today)
        .map_err(|e| row.error(&snake_case(e.field()), snake_case(&e.to_string())))?;
    Ok(ImportedPlan {
        line: row.line,
        plan,
    })
}

/// A child's rows as read, before validation.
#[derive(Debug, Default)]
struct Group {
    child: Option<Row>,
    /// The first line that names the child (for a group with no child row).
    first_line: u64,
    others: Vec<(Kind, Row)>,
}

/// Parses and validates a whole file. `source` names the system it came
/// from (recorded as the evidence of parental responsibility when a row
/// gives none); `today` bounds dates.
pub fn parse(format: ImportFormat, text: &str, source: &str, today: NaiveDate) -> ParsedImport {
    let mut rejected = Vec::new();
    let groups = match format {
        ImportFormat::Csv => csv_groups(text, &mut rejected),
        ImportFormat::JsonLines => json_groups(text, &mut rejected),
    };
    let mut children = Vec::new();
    for (child_ref, group) in groups {
        if let Some(child) = validate_group(&child_ref, group, source, today, &mut rejected) {
            children.push(child);
        }
    }
    reject_duplicates(&mut children, &mut rejected);
    children.sort_by_key(|c| c.line);
    rejected.sort_by_key(|e| e.line);
    ParsedImport { children, rejected }
}

fn validate_group(
    child_ref: &str,
    group: Group,
    source: &str,
    today: NaiveDate,
    rejected: &mut Vec<RowError>,
) -> Option<ImportedChild> {
    let Some(child) = group.child else {
        for (_, row) in &group.others {
            rejected.push(row.error("child_ref", "no child row has this child_ref"));
        }
        return None;
    };
    let before = rejected.len();
    let head = child_row(&child, today).map_err(|e| rejected.push(e)).ok();
    let mut family = Vec::new();
    let mut involvements = Vec::new();
    let mut plan = None;
    for (kind, row) in &group.others {
        let result = match kind {
            Kind::FamilyMember => family_row(row, source).map(|m| family.push(m)),
            Kind::Involvement => involvement_row(row, today).map(|i| involvements.push(i)),
            Kind::Plan if plan.is_some() => Err(row.error(
                "record_type",
                "a child has at most one plan: import the plan it has now",
            )),
            Kind::Plan => plan_row(row, today).map(|p| plan = Some(p)),
            Kind::Child => Ok(()),
        };
        if let Err(e) = result {
            rejected.push(e);
        }
    }
    if rejected.len() > before {
        let lines: Vec<String> = rejected[before..]
            .iter()
            .map(|e| e.line.to_string())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        if head.is_some() || lines.iter().any(|l| *l != child.line.to_string()) {
            rejected.push(child.error(
                "child_ref",
                format!(
                    "the child is not imported: rejected rows on line(s) {}",
                    lines.join(", ")
                ),
            ));
        }
        return None;
    }
    let head = head?;
    Some(ImportedChild {
        line: child.line,
        child_ref: child_ref.to_owned(),
        external_id: head.external_id,
        identity: head.identity,
        young_person_id: head.young_person_id,
        family,
        involvements,
        plan,
    })
}

/// Two children of one file with the same NHS number, UPN or external id
/// would be one child: the later is rejected.
fn reject_duplicates(children: &mut Vec<ImportedChild>, rejected: &mut Vec<RowError>) {
    children.sort_by_key(|c| c.line);
    let mut seen: HashMap<(&'static str, String), u64> = HashMap::new();
    let mut keep = Vec::with_capacity(children.len());
    for child in children.drain(..) {
        let keys = [
            (
                "nhs_number",
                child
                    .identity
                    .nhs_number
                    .as_ref()
                    .map(|n| n.as_str().to_owned()),
            ),
            (
                "upn",
                child.identity.upn.as_ref().map(|u| u.as_str().to_owned()),
            ),
            ("external_id", child.external_id.clone()),
        ];
        let clash = keys.iter().find_map(|(column, value)| {
            let value = value.as_ref()?;
            seen.get(&(*column, value.clone()))
                .map(|line| (*column, *line))
        });
        if let Some((column, line)) = clash {
            rejected.push(RowError {
                line: child.line,
                field: column.to_owned(),
                reason: format!("is the same as the child's on line {line}"),
            });
            continue;
        }
        for (column, value) in keys {
            if let Some(value) = value {
                seen.insert((column, value), child.line);
            }
        }
        keep.push(child);
    }
    *children = keep;
}

fn csv_groups(text: &str, rejected: &mut Vec<RowError>) -> BTreeMap<String, Group> {
    let mut groups: BTreeMap<String, Group> = BTreeMap::new();
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|h| h.trim().to_ascii_lowercase()).collect(),
        Err(_) => {
            rejected.push(RowError {
                line: 1,
                field: "header".into(),
                reason: "cannot be read as CSV".into(),
            });
            return groups;
        }
    };
    let mut header_ok = true;
    for required in ["record_type", "child_ref"] {
        if !headers.iter().any(|h| h == required) {
            rejected.push(RowError {
                line: 1,
                field: required.into(),
                reason: "the header has no such column".into(),
            });
            header_ok = false;
        }
    }
    let mut seen = BTreeSet::new();
    for h in &headers {
        if !(h == "record_type" || h == "child_ref" || Kind::of_column(h).is_some()) {
            rejected.push(RowError {
                line: 1,
                field: h.chars().take(MAX_REF_CHARS).collect(),
                reason: "is not a column of the import format".into(),
            });
            header_ok = false;
        } else if !seen.insert(h.as_str()) {
            rejected.push(RowError {
                line: 1,
                field: h.clone(),
                reason: "appears twice in the header".into(),
            });
            header_ok = false;
        }
    }
    if !header_ok {
        return groups;
    }
    for (index, record) in reader.records().enumerate() {
        let fallback_line = index as u64 + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                rejected.push(RowError {
                    line: e.position().map_or(fallback_line, csv::Position::line),
                    field: "row".into(),
                    reason: "cannot be read as CSV (quoting or encoding)".into(),
                });
                continue;
            }
        };
        let line = record.position().map_or(fallback_line, csv::Position::line);
        if record.len() != headers.len() {
            rejected.push(RowError {
                line,
                field: "row".into(),
                reason: format!(
                    "has {} fields where the header has {}",
                    record.len(),
                    headers.len()
                ),
            });
            continue;
        }
        let mut values = HashMap::new();
        for (h, v) in headers.iter().zip(record.iter()) {
            if !v.is_empty() {
                values.insert(h.clone(), v.to_owned());
            }
        }
        let row = Row {
            line,
            prefix: String::new(),
            values,
        };
        let Some(kind) = row.get("record_type").and_then(Kind::parse) else {
            rejected.push(row.error(
                "record_type",
                "is not one of child, family_member, involvement, plan",
            ));
            continue;
        };
        let child_ref = match reference(&row, "child_ref") {
            Ok(Some(r)) => r,
            Ok(None) => {
                rejected.push(row.error("child_ref", "is required"));
                continue;
            }
            Err(e) => {
                rejected.push(e);
                continue;
            }
        };
        if let Some(stray) = row
            .values
            .keys()
            .filter(|c| !matches!(c.as_str(), "record_type" | "child_ref"))
            .filter(|c| !kind.columns().contains(&c.as_str()))
            .min()
        {
            rejected.push(row.error(
                stray,
                format!("is not a column of a {} row: leave it empty", kind.name()),
            ));
            continue;
        }
        let group = groups.entry(child_ref).or_default();
        if group.first_line == 0 {
            group.first_line = line;
        }
        if kind == Kind::Child {
            if let Some(first) = &group.child {
                rejected.push(row.error(
                    "child_ref",
                    format!("the child row on line {} has this child_ref", first.line),
                ));
                continue;
            }
            group.child = Some(row);
        } else {
            group.others.push((kind, row));
        }
    }
    groups
}

/// A JSON value as a column's text (`null` is blank).
fn json_text(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) => Some(s.trim().to_owned()).filter(|s| !s.is_empty()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => Some(String::new()),
    }
}

/// One JSON object as a row of `kind`, or the first column it cannot hold.
fn json_row(
    line: u64,
    prefix: String,
    object: &serde_json::Map<String, serde_json::Value>,
    kind: Kind,
    nested: &[&str],
) -> Result<Row, RowError> {
    let mut row = Row {
        line,
        prefix,
        values: HashMap::new(),
    };
    for (key, value) in object {
        if nested.contains(&key.as_str()) || (kind == Kind::Child && key == "child_ref") {
            continue;
        }
        if !kind.columns().contains(&key.as_str()) {
            let key: String = key.chars().take(MAX_REF_CHARS).collect();
            return Err(row.error(&key, format!("is not a column of a {} row", kind.name())));
        }
        match json_text(value) {
            Some(text) if text.is_empty() && !value.is_string() => {
                return Err(row.error(key, "must be a string, number, true/false or null"));
            }
            Some(text) => {
                row.values.insert(key.clone(), text);
            }
            None => {}
        }
    }
    Ok(row)
}

const NESTED: [(&str, Kind); 3] = [
    ("family", Kind::FamilyMember),
    ("involvements", Kind::Involvement),
    ("plans", Kind::Plan),
];

fn json_groups(text: &str, rejected: &mut Vec<RowError>) -> BTreeMap<String, Group> {
    let mut groups: BTreeMap<String, Group> = BTreeMap::new();
    let nested: Vec<&str> = NESTED.iter().map(|(k, _)| *k).collect();
    for (index, raw) in text.lines().enumerate() {
        let line = index as u64 + 1;
        if raw.trim().is_empty() {
            continue;
        }
        let error = |field: &str, reason: &str| RowError {
            line,
            field: field.to_owned(),
            reason: reason.to_owned(),
        };
        let object = match serde_json::from_str::<serde_json::Value>(raw) {
            Ok(serde_json::Value::Object(o)) => o,
            Ok(_) => {
                rejected.push(error("row", "is not a JSON object"));
                continue;
            }
            Err(_) => {
                rejected.push(error("row", "is not valid JSON"));
                continue;
            }
        };
        let child_ref = match object.get("child_ref").map(json_text) {
            None | Some(None) => format!("line {line}"),
            Some(Some(r)) if r.chars().count() <= MAX_REF_CHARS => r,
            Some(Some(_)) => {
                rejected.push(error(
                    "child_ref",
                    &format!("must be at most {MAX_REF_CHARS} characters"),
                ));
                continue;
            }
        };
        if let Some(first) = groups.get(&child_ref) {
            rejected.push(error(
                "child_ref",
                &format!("the child on line {} has this child_ref", first.first_line),
            ));
            continue;
        }
        let mut group = Group {
            first_line: line,
            ..Group::default()
        };
        let mut bad = false;
        match json_row(line, String::new(), &object, Kind::Child, &nested) {
            Ok(row) => group.child = Some(row),
            Err(e) => {
                rejected.push(e);
                bad = true;
            }
        }
        for (key, kind) in NESTED {
            let items = match object.get(key) {
                None | Some(serde_json::Value::Null) => continue,
                Some(serde_json::Value::Array(items)) => items,
                Some(_) => {
                    rejected.push(error(key, "must be an array of objects"));
                    bad = true;
                    continue;
                }
            };
            for (i, item) in items.iter().enumerate() {
                let prefix = format!("{key}[{i}].");
                let result = match item {
                    serde_json::Value::Object(o) => json_row(line, prefix, o, kind, &[]),
                    _ => Err(RowError {
                        line,
                        field: format!("{key}[{i}]"),
                        reason: "must be an object".into(),
                    }),
                };
                match result {
                    Ok(row) => group.others.push((kind, row)),
                    Err(e) => {
                        rejected.push(e);
                        bad = true;
                    }
                }
            }
        }
        if bad {
            rejected.push(error(
                "child_ref",
                "the child is not imported: this line has rejected values",
            ));
            continue;
        }
        groups.insert(child_ref, group);
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    const TODAY: (i32, u32, u32) = (2026, 12, 1);

    fn today() -> NaiveDate {
        day(TODAY.0, TODAY.1, TODAY.2)
    }

    const HEADER: &str = "record_type,child_ref,external_id,given_name,family_name,date_of_birth,nhs_number,upn,postcode,full_name,relationship,parental_responsibility,pr_evidence,email,agency,role_title,since,made_on,last_review_concluded_on";

    fn csv(rows: &[&str]) -> String {
        let mut out = String::from(HEADER);
        for r in rows {
            out.push('\n');
            out.push_str(r);
        }
        out.push('\n');
        out
    }

    #[test]
    fn a_good_child_with_every_kind_of_row_is_grouped() {
        let text = csv(&[
            "child,C1,MIS-1,Amira,Khan,2016-03-04,943 476 5919,B801200005001,ls1 4ab,,,,,,,,,,",
            "family_member,C1,,,,,,,,Sara Khan,mother,yes,,sara@example.org,,,,,",
            "involvement,C1,,,,,,,,,,,,,ODS:rcf,Paediatrician,01/09/2024,,",
            "plan,C1,,,,,,,,,,,,,,,,2023-05-10,2024-05-01",
        ]);
        let parsed = parse(ImportFormat::Csv, &text, "Capita One", today());
        assert_eq!(parsed.rejected, vec![]);
        let [child] = parsed.children.as_slice() else {
            panic!("one child expected: {parsed:?}");
        };
        assert_eq!(child.line, 2);
        assert_eq!(child.external_id.as_deref(), Some("MIS-1"));
        assert_eq!(child.identity.postcode.as_deref(), Some("LS1 4AB"));
        assert_eq!(
            child.identity.nhs_number.as_ref().map(|n| n.as_str()),
            Some("9434765919")
        );
        let m = &child.family[0].member;
        assert_eq!(m.relationship, Relationship::Mother);
        assert!(m.parental_responsibility);
        assert_eq!(m.pr_evidence.as_deref(), Some("imported from Capita One"));
        assert_eq!(m.contact_preference, ContactPreference::Email);
        assert_eq!(
            child.involvements[0].agency,
            AgencyNamed::Identifier(AgencyIdentifier {
                scheme: IdentifierScheme::Ods,
                value: "RCF".into()
            })
        );
        assert_eq!(child.involvements[0].since, Some(day(2024, 9, 1)));
        let plan = child.plan.expect("plan");
        assert_eq!(plan.plan.made_on, day(2023, 5, 10));
        assert_eq!(plan.plan.last_review_concluded_on, Some(day(2024, 5, 1)));
    }

    #[test]
    fn bad_rows_are_reported_by_line_and_column_without_their_values() {
        let text = csv(&[
            "child,C1,,Amira,Khan,2016-03-04,9434765918,,,,,,,,,,,,",
            "child,C2,,Ben,Jones,2015-01-02,,B80120000500X,,,,,,,,,,,",
            "child,C3,,Cara,Lee,2031-01-01,,,,,,,,,,,,,",
            "child,C4,,Dan,Smith,2014-06-07,,,,,,,,,,,,,",
            "family_member,C4,,,,,,,,Eve Smith,aunt,,,,,,,,",
            "involvement,C9,,,,,,,,,,,,,ODS:RCF,,,,",
            "child,C5,,Finn,Ray,2014-06-07,,,,,,,,,,,,,",
            "plan,C5,,,,,,,,,,,,,,,,2024-05-10,2023-05-01",
            "child,C6,,Gus,Ray,2014-06-07,,,,,,,,,,,,,",
        ]);
        let parsed = parse(ImportFormat::Csv, &text, "MIS", today());
        let got: Vec<(u64, &str)> = parsed
            .rejected
            .iter()
            .map(|e| (e.line, e.field.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                (2, "nhs_number"),
                (3, "upn"),
                (4, "date_of_birth"),
                (5, "child_ref"),
                (6, "relationship"),
                (7, "child_ref"),
                (8, "child_ref"),
                (9, "last_review_concluded_on"),
            ]
        );
        for e in &parsed.rejected {
            let shown = e.to_string();
            for value in ["9434765918", "B80120000500X", "aunt", "Eve Smith", "Amira"] {
                assert!(!shown.contains(value), "{shown} echoes a value");
            }
        }
        let imported: Vec<&str> = parsed
            .children
            .iter()
            .map(|c| c.child_ref.as_str())
            .collect();
        assert_eq!(imported, vec!["C6"]);
    }

    #[test]
    fn unknown_columns_and_stray_values_are_refused() {
        let parsed = parse(
            ImportFormat::Csv,
            "record_type,child_ref,given_nmae\nchild,C1,Amira\n",
            "MIS",
            today(),
        );
        assert_eq!(parsed.rejected[0].field, "given_nmae");
        assert!(parsed.children.is_empty());

        let text = csv(&["child,C1,,Amira,Khan,2016-03-04,,,,Sara Khan,,,,,,,,,"]);
        let parsed = parse(ImportFormat::Csv, &text, "MIS", today());
        assert_eq!(
            (parsed.rejected[0].line, parsed.rejected[0].field.as_str()),
            (2, "full_name")
        );
    }

    #[test]
    fn the_same_child_twice_in_one_file_is_refused() {
        let text = csv(&[
            "child,C1,,Amira,Khan,2016-03-04,9434765919,,,,,,,,,,,,",
            "child,C2,,Amira,Khan,2016-03-04,943 476 5919,,,,,,,,,,,,",
            "child,C1,,Ben,Jones,2015-01-02,,,,,,,,,,,,,",
        ]);
        let parsed = parse(ImportFormat::Csv, &text, "MIS", today());
        let got: Vec<(u64, &str)> = parsed
            .rejected
            .iter()
            .map(|e| (e.line, e.field.as_str()))
            .collect();
        assert_eq!(got, vec![(3, "nhs_number"), (4, "child_ref")]);
        assert_eq!(parsed.children.len(), 1);
    }

    #[test]
    fn json_lines_hold_one_child_per_line() {
        let text = r#"{"child_ref":"C1","given_name":"Amira","family_name":"Khan","date_of_birth":"2016-03-04","nhs_number":"9434765919","family":[{"full_name":"Sara Khan","relationship":"MOTHER","parental_responsibility":true,"pr_evidence":"birth certificate"}],"involvements":[{"agency":"URN:100000","role_title":"SENCo"}],"plans":[{"made_on":"2023-05-10"}]}

{"given_name":"Ben","family_name":"Jones","date_of_birth":"2015-01-02","family":[{"full_name":"Tom Jones","relationship":"cousin"}]}
not json
{"given_name":"Cara","family_name":"Lee","date_of_birth":"2014-01-02","favourite":"x"}
"#;
        let parsed = parse(ImportFormat::JsonLines, text, "MIS", today());
        let got: Vec<(u64, &str)> = parsed
            .rejected
            .iter()
            .map(|e| (e.line, e.field.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                (3, "family[0].relationship"),
                (3, "child_ref"),
                (4, "row"),
                (5, "favourite"),
                (5, "child_ref"),
            ]
        );
        let [child] = parsed.children.as_slice() else {
            panic!("one child expected: {parsed:?}");
        };
        assert_eq!(child.line, 1);
        assert_eq!(
            child.family[0].member.pr_evidence.as_deref(),
            Some("birth certificate")
        );
        assert_eq!(child.involvements.len(), 1);
        assert!(child.plan.is_some());
    }

    #[test]
    fn the_documented_examples_are_valid_and_agree() {
        let csv = parse(
            ImportFormat::Csv,
            include_str!("../../docs/import/example.csv"),
            "MIS",
            today(),
        );
        let jsonl = parse(
            ImportFormat::JsonLines,
            include_str!("../../docs/import/example.jsonl"),
            "MIS",
            today(),
        );
        assert_eq!(csv.rejected, vec![]);
        assert_eq!(jsonl.rejected, vec![]);
        assert_eq!(csv.children.len(), 2);
        for (a, b) in csv.children.iter().zip(&jsonl.children) {
            assert_eq!(a.identity, b.identity);
            assert_eq!(a.external_id, b.external_id);
            let members = |c: &ImportedChild| {
                c.family
                    .iter()
                    .map(|m| m.member.clone())
                    .collect::<Vec<_>>()
            };
            assert_eq!(members(a), members(b));
            assert_eq!(a.plan.map(|p| p.plan), b.plan.map(|p| p.plan));
            assert_eq!(a.involvements.len(), b.involvements.len());
        }
    }

    #[test]
    fn formats_come_from_the_extension() {
        assert_eq!(
            ImportFormat::from_file_name("a/b.CSV"),
            Some(ImportFormat::Csv)
        );
        assert_eq!(
            ImportFormat::from_file_name("x.jsonl"),
            Some(ImportFormat::JsonLines)
        );
        assert_eq!(ImportFormat::from_file_name("x.txt"), None);
    }

    /// A valid NHS number from nine digits (none when the check digit
    /// would be 10).
    fn nhs(first_nine: &[u32]) -> Option<String> {
        let check = crate::ids::nhs_check_digit(first_nine)?;
        Some(
            first_nine
                .iter()
                .chain(std::iter::once(&check))
                .map(|d| char::from_digit(*d, 10).unwrap_or('0'))
                .collect(),
        )
    }

    proptest! {
        #[test]
        fn any_valid_child_row_round_trips(
            given in "[A-Z][a-z]{1,12}",
            family in "[A-Z][a-z]{1,12}( [A-Z][a-z]{1,8})?",
            digits in proptest::collection::vec(0u32..10, 9),
            age_days in 0i64..(25 * 365),
        ) {
            let Some(nhs) = nhs(&digits) else { return Ok(()) };
            let dob = today() - chrono::Duration::days(age_days);
            let text = format!(
                "record_type,child_ref,given_name,family_name,date_of_birth,nhs_number\nchild,R,{given},{family},{dob},{nhs}\n"
            );
            let parsed = parse(ImportFormat::Csv, &text, "MIS", today());
            prop_assert_eq!(&parsed.rejected, &vec![]);
            let child = &parsed.children[0];
            prop_assert_eq!(&child.identity.given_name, &given);
            prop_assert_eq!(&child.identity.family_name, &family);
            prop_assert_eq!(child.identity.date_of_birth, dob);
            prop_assert_eq!(child.identity.nhs_number.as_ref().map(|n| n.as_str().to_owned()), Some(nhs));
        }

        #[test]
        fn a_corrupted_nhs_number_is_always_rejected(
            digits in proptest::collection::vec(0u32..10, 9),
            position in 0usize..10,
            shift in 1u32..10,
        ) {
            let Some(nhs) = nhs(&digits) else { return Ok(()) };
            let mut bytes: Vec<u32> = nhs.chars().filter_map(|c| c.to_digit(10)).collect();
            bytes[position] = (bytes[position] + shift) % 10;
            let corrupted: String = bytes.iter().filter_map(|d| char::from_digit(*d, 10)).collect();
            let text = format!(
                "record_type,child_ref,given_name,family_name,date_of_birth,nhs_number\nchild,R,Amira,Khan,2016-03-04,{corrupted}\n"
            );
            let parsed = parse(ImportFormat::Csv, &text, "MIS", today());
            prop_assert!(parsed.children.is_empty());
            prop_assert_eq!(parsed.rejected[0].line, 2);
            prop_assert_eq!(parsed.rejected[0].field.as_str(), "nhs_number");
            prop_assert!(!parsed.rejected[0].to_string().contains(&corrupted));
        }
    }
}
