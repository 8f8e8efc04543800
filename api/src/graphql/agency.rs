//! The agency register over GraphQL (issue 13 item 3): `agencyRegister`
//! for IG staff; `registerAgency`, `updateAgency`, `retireAgency` and
//! `importAgencies` for IG administrators. The door checks the role and
//! traces every change.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use domain::agency_input::AgencyDraft;

use super::parse_id;
use super::record::request;
use super::types;
use crate::access::{ImportOutcome, ImportReport, ImportRow};

type GqlResult<T> = async_graphql::Result<T>;

/// The external register an agency identifier comes from.
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
#[graphql(remote = "domain::IdentifierScheme")]
pub enum IdentifierScheme {
    /// NHS Organisation Data Service code (trusts, GP practices; CIS2's
    /// `org_code`): 3 to 6 letters or digits.
    Ods,
    /// A school's Unique Reference Number (Get Information about Schools):
    /// six digits.
    Urn,
    /// The DfE's three-digit local authority code.
    LaCode,
    /// UK Provider Reference Number (colleges, training providers): eight
    /// digits starting with 1.
    Ukprn,
}

/// An agency's identifier in an external register.
#[derive(SimpleObject, Debug)]
pub struct AgencyIdentifier {
    /// Which register.
    pub scheme: IdentifierScheme,
    /// The identifier, upper-cased as the register spells it.
    pub value: String,
}

/// An agency as the register holds it: what IG staff see.
#[derive(SimpleObject, Debug)]
pub struct RegisteredAgency {
    /// The hub's id for the agency.
    pub id: ID,
    /// The agency's name.
    pub name: String,
    /// Its kind, which decides what its staff may see under the agreement.
    pub kind: types::AgencyKind,
    /// Its identifiers in external registers (ODS, URN, LA code, UKPRN).
    pub identifiers: Vec<AgencyIdentifier>,
    /// Who to ask about the agency's access.
    pub contact: Option<String>,
    /// When it was retired (RFC 3339), if it was: its staff can no longer
    /// sign in and families are no longer offered it.
    pub retired_at: Option<DateTime<Utc>>,
    /// When the register entry last changed (RFC 3339).
    pub updated_at: Option<DateTime<Utc>>,
}

impl From<store::RegisteredAgency> for RegisteredAgency {
    fn from(a: store::RegisteredAgency) -> Self {
        Self {
            id: ID(a.agency.id.to_string()),
            name: a.agency.name,
            kind: a.agency.kind.into(),
            identifiers: a
                .identifiers
                .into_iter()
                .map(|i| AgencyIdentifier {
                    scheme: i.scheme.into(),
                    value: i.value,
                })
                .collect(),
            contact: a.contact,
            retired_at: a.retired_at,
            updated_at: a.updated_at,
        }
    }
}

/// An agency's register entry as submitted: give at most one identifier of
/// each scheme. On update the identifiers given replace the old ones.
#[derive(InputObject, Debug)]
pub struct AgencyInput {
    /// The agency's name: 1 to 200 characters, no control characters.
    pub name: String,
    /// Its kind. An agency's kind never changes: retire it and register a
    /// new one.
    pub kind: types::AgencyKind,
    /// NHS ODS code: 3 to 6 letters or digits (e.g. RXX, G81001).
    pub ods: Option<String>,
    /// School URN: six digits, 100000 to 999999.
    pub urn: Option<String>,
    /// DfE local authority code: three digits.
    pub la_code: Option<String>,
    /// UKPRN: eight digits starting with 1.
    pub ukprn: Option<String>,
    /// Who to ask about the agency's access (at most 500 characters).
    pub contact: Option<String>,
}

impl From<AgencyInput> for AgencyDraft {
    fn from(i: AgencyInput) -> Self {
        Self {
            name: i.name,
            kind: Some(i.kind.into()),
            ods: i.ods,
            urn: i.urn,
            la_code: i.la_code,
            ukprn: i.ukprn,
            contact: i.contact,
        }
    }
}

/// What an import did with one row.
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
#[graphql(remote = "crate::access::ImportOutcome")]
pub enum AgencyImportOutcome {
    /// A new agency (registered only when the import was applied).
    Created,
    /// An existing agency whose name, identifiers or contact changed.
    Updated,
    /// The register already says exactly this.
    Unchanged,
    /// The row cannot be taken: see its reason.
    Rejected,
}

/// One row of an agency import.
#[derive(SimpleObject, Debug)]
pub struct AgencyImportRow {
    /// The row's line in the file (the header is line 1).
    pub line: i32,
    /// The name the row gives.
    pub name: String,
    /// What the import did, or would do, with it.
    pub outcome: AgencyImportOutcome,
    /// The agency it created, changed or found unchanged (a created one
    /// only once applied).
    pub agency_id: Option<ID>,
    /// Why it was rejected: the field and what is wrong.
    pub reason: Option<String>,
}

impl From<ImportRow> for AgencyImportRow {
    fn from(r: ImportRow) -> Self {
        Self {
            line: i32::try_from(r.line).unwrap_or(i32::MAX),
            name: r.name,
            outcome: r.outcome.into(),
            agency_id: r.agency_id.map(|id| ID(id.to_string())),
            reason: r.reason,
        }
    }
}

/// What an agency import found. Nothing is written unless every row is
/// acceptable.
#[derive(SimpleObject, Debug)]
pub struct AgencyImportReport {
    /// True when the changes were written; false when some row was
    /// rejected and nothing was written.
    pub applied: bool,
    /// Rows that create an agency.
    pub created: Vec<AgencyImportRow>,
    /// Rows that change an agency.
    pub updated: Vec<AgencyImportRow>,
    /// Rows the register already matches.
    pub unchanged: Vec<AgencyImportRow>,
    /// Rows that cannot be taken, with their line and reason.
    pub rejected: Vec<AgencyImportRow>,
}

impl From<ImportReport> for AgencyImportReport {
    fn from(report: ImportReport) -> Self {
        let pick = |o: ImportOutcome| report.with(o).cloned().map(Into::into).collect();
        Self {
            applied: report.applied,
            created: pick(ImportOutcome::Created),
            updated: pick(ImportOutcome::Updated),
            unchanged: pick(ImportOutcome::Unchanged),
            rejected: pick(ImportOutcome::Rejected),
        }
    }
}

/// The agency register's queries.
#[derive(Debug, Default)]
pub struct AgencyQuery;

#[Object]
impl AgencyQuery {
    /// The agency register with identifiers, contact and status (IG staff:
    /// ig_auditor, ig_admin, caldicott_guardian), by name.
    async fn agency_register(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            default = false,
            desc = "Also list retired agencies (by default only active ones)."
        )]
        include_retired: bool,
    ) -> GqlResult<Vec<RegisteredAgency>> {
        let rc = request(ctx)?;
        let register = rc.ig()?.agency_register(include_retired).await?;
        Ok(register.into_iter().map(Into::into).collect())
    }
}

/// The agency register's mutations (role ig_admin).
#[derive(Debug, Default)]
pub struct AgencyMutation;

#[Object]
impl AgencyMutation {
    /// Adds an agency to the register (role ig_admin). An identifier another
    /// agency holds is refused, naming its field.
    async fn register_agency(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new agency's name, kind, identifiers and contact.")]
        input: AgencyInput,
    ) -> GqlResult<RegisteredAgency> {
        let rc = request(ctx)?;
        let draft = AgencyDraft::from(input);
        Ok(rc.ig_admin()?.register_agency(&draft).await?.into())
    }

    /// Replaces an agency's name, identifiers and contact (role ig_admin).
    /// Its kind cannot change, and a retired agency is kept as it was.
    async fn update_agency(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The agency's id.")] id: ID,
        #[graphql(desc = "The whole entry as it should now read.")] input: AgencyInput,
    ) -> GqlResult<RegisteredAgency> {
        let rc = request(ctx)?;
        let admin = rc.ig_admin()?;
        let id = parse_id("id", &id)?;
        let draft = AgencyDraft::from(input);
        Ok(admin.update_agency(id, &draft).await?.into())
    }

    /// Retires an agency (role ig_admin): its staff can no longer sign in
    /// and families are no longer offered it; its past contributions and
    /// trace entries still name it.
    async fn retire_agency(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The agency's id.")] id: ID,
        #[graphql(desc = "Why, for the access trace (at most 200 characters).")] reason: Option<
            String,
        >,
    ) -> GqlResult<RegisteredAgency> {
        let rc = request(ctx)?;
        let admin = rc.ig_admin()?;
        let id = parse_id("id", &id)?;
        Ok(admin.retire_agency(id, reason.as_deref()).await?.into())
    }

    /// Imports agencies from CSV (role ig_admin): a header row naming the
    /// columns name, kind, ods, urn, la_code, ukprn, contact (name and kind
    /// required; kinds as in tokens: school, camhs, la_send, …). Every row is
    /// checked first; if any is rejected nothing is written. A row whose
    /// identifier names an existing agency updates it (or is unchanged), so
    /// the same file can be imported again.
    async fn import_agencies(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The file's text, UTF-8.")] csv: String,
    ) -> GqlResult<AgencyImportReport> {
        let rc = request(ctx)?;
        Ok(rc.ig_admin()?.import_agencies(&csv).await?.into())
    }
}
