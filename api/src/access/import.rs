//! [`Importer`]: bringing records kept before the hub into it
//! (`tellonce import`), one child at a time, as a case officer of the
//! council SEND team.
//!
//! Each child is one traced transaction: the child, its source key, its
//! involvements, family members (a member with parental responsibility
//! gets a CARRIED_OVER holding, its evidence the file's or "imported from
//! <source>") and plan, with one IMPORT entry holding ids and counts, never
//! values. A child already on file — found by NHS number, else UPN, else
//! its key in the source system — is never registered again: if everything
//! the file says of it is on file it is *unchanged*; otherwise it *differs*
//! and nothing is written (the hub's record is the one kept up to date:
//! change it there, never by overwriting it from an old export).

use consent::trace::TraceAction;
use consent::{AgencyRef, Role};
use domain::import::{AgencyNamed, ImportedChild, RowError};
use domain::{Agency, AgencyKind, ChildId};
use store::{Constraint, NewChild, StoreError};
use uuid::Uuid;

use super::RequestContext;
use crate::error::{Error, Result};

/// A case officer of the council SEND team importing records (see
/// [`RequestContext::importer`]).
#[derive(Debug)]
pub struct Importer<'a> {
    rc: &'a RequestContext,
    /// The council SEND team the import is for: it works with every child
    /// imported.
    council: Agency,
}

/// What became of one child of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChildOutcome {
    /// Registered with all its rows (in a dry run: would be, `child` is
    /// `None`).
    Imported { child: Option<ChildId> },
    /// On file with everything the file says of it: nothing written.
    Unchanged { child: ChildId },
    /// On file, but the file says something else of it (`part`: identity,
    /// family, involvements or plan): nothing written.
    Differs { child: ChildId, part: &'static str },
    /// Refused when it was to be written (an agency not in the register, a
    /// UPN or source key another child has).
    Rejected(RowError),
}

impl RequestContext {
    /// The import capability: a case officer (role case_officer) of an
    /// active council SEND team agency (kind la_send).
    pub async fn importer(&self) -> Result<Importer<'_>> {
        let p = &self.principal;
        let refused = || {
            Error::Forbidden(
                "only a case officer (role case_officer) of the council SEND team (agency kind la_send) may import records".into(),
            )
        };
        let Some(agency) = p.agency.filter(|a| a.kind == AgencyKind::LaSend) else {
            return Err(refused());
        };
        if !p.has(Role::CaseOfficer) {
            return Err(refused());
        }
        let council = self
            .store()
            .active_agency(agency.id)
            .await?
            .filter(|a| a.kind == AgencyKind::LaSend)
            .ok_or_else(refused)?;
        Ok(Importer { rc: self, council })
    }
}

/// A failure writing one child: refused for that child, or fatal.
enum WriteError {
    Refused(RowError),
    Conflict(Constraint),
    Fatal(Error),
}

impl From<StoreError> for WriteError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(c) => Self::Conflict(c),
            e => Self::Fatal(e.into()),
        }
    }
}

impl From<Error> for WriteError {
    fn from(e: Error) -> Self {
        match e {
            e @ (Error::Database(_) | Error::Internal(_)) => Self::Fatal(e),
            other => Self::Refused(RowError {
                line: 0,
                field: "row".into(),
                reason: describe(&other),
            }),
        }
    }
}

impl Importer<'_> {
    /// The council SEND team the import is for.
    pub fn council(&self) -> &Agency {
        &self.council
    }

    /// Imports one child (with `dry_run`, decides what would happen and
    /// writes nothing). `source` names the system the file came from.
    pub async fn import(
        &self,
        child: &ImportedChild,
        source: &str,
        dry_run: bool,
    ) -> Result<ChildOutcome> {
        let agencies = match self.agencies(child).await? {
            Ok(agencies) => agencies,
            Err(e) => return Ok(ChildOutcome::Rejected(e)),
        };
        let store = self.rc.store();
        // The trace chain is held while the child is looked up, so two
        // imports in this hub cannot both register it; across processes
        // the unique indexes (NHS number, UPN, source key) refuse the
        // second, which is reported as a rejected row.
        let tx = store.traced().await?;
        if let Some(on_file) = self.on_file(child, source).await? {
            tx.rollback().await?;
            let outcome = self.compare(child, on_file, &agencies, source).await?;
            // Comparing read the record on file: that access is traced too
            // (an IMPORT entry saying what the file was found to be), in a
            // dry run as well.
            let (found, part) = match &outcome {
                ChildOutcome::Unchanged { .. } => ("unchanged", None),
                ChildOutcome::Differs { part, .. } => ("differs", Some(*part)),
                _ => ("matched", None),
            };
            let mut entry = self
                .rc
                .child_entry(TraceAction::Import, on_file)
                .detail("source_line", child.line)
                .detail("found", found)
                .detail("dry_run", dry_run);
            if let Some(part) = part {
                entry = entry.detail("differs_in", part);
            }
            self.rc.record(entry);
            return Ok(outcome);
        }
        if dry_run {
            tx.rollback().await?;
            return Ok(ChildOutcome::Imported { child: None });
        }
        match self.write(&tx, child, &agencies, source).await {
            Ok((id, entry)) => {
                tx.commit(vec![entry]).await?;
                Ok(ChildOutcome::Imported { child: Some(id) })
            }
            Err(e) => {
                tx.rollback().await?;
                match e {
                    WriteError::Refused(mut e) => {
                        if e.line == 0 {
                            e.line = child.line;
                        }
                        Ok(ChildOutcome::Rejected(e))
                    }
                    WriteError::Conflict(c) => Ok(ChildOutcome::Rejected(conflict(child.line, c))),
                    WriteError::Fatal(e) => Err(e),
                }
            }
        }
    }

    /// The register's agency for each involvement row, in order.
    async fn agencies(
        &self,
        child: &ImportedChild,
    ) -> Result<std::result::Result<Vec<Agency>, RowError>> {
        let store = self.rc.store();
        let mut out = Vec::with_capacity(child.involvements.len());
        for i in &child.involvements {
            let found = match &i.agency {
                AgencyNamed::Id(id) => store.active_agency(*id).await?,
                AgencyNamed::Identifier(identifier) => {
                    store.agency_by_identifier(identifier).await?
                }
            };
            match found {
                Some(a) => out.push(a),
                None => {
                    return Ok(Err(RowError {
                        line: i.line,
                        field: "agency".into(),
                        reason: "names no active agency in the register".into(),
                    }));
                }
            }
        }
        Ok(Ok(out))
    }

    /// The child on file this one is: by NHS number, else UPN, else its
    /// key in `source`.
    async fn on_file(&self, child: &ImportedChild, source: &str) -> Result<Option<ChildId>> {
        let store = self.rc.store();
        if let Some(nhs) = &child.identity.nhs_number
            && let Some(id) = store.child_with_nhs_number(nhs).await?
        {
            return Ok(Some(id));
        }
        if let Some(upn) = &child.identity.upn
            && let Some(id) = store.child_with_upn(upn).await?
        {
            return Ok(Some(id));
        }
        if let Some(key) = &child.external_id {
            return Ok(store.child_with_external_id(source, key).await?);
        }
        Ok(None)
    }

    /// Unchanged when everything the file says of the child is on file.
    async fn compare(
        &self,
        child: &ImportedChild,
        id: ChildId,
        agencies: &[Agency],
        source: &str,
    ) -> Result<ChildOutcome> {
        let store = self.rc.store();
        let core = store
            .child_core(id)
            .await?
            .ok_or(Error::NotFound("child"))?;
        let differs = |part| Ok(ChildOutcome::Differs { child: id, part });
        let key_on_file = store.external_id_of(id, source).await?;
        if core.identity != child.identity
            || (child.young_person_id.is_some() && child.young_person_id != core.young_person_id)
            || (child.external_id.is_some()
                && key_on_file.is_some()
                && key_on_file != child.external_id)
        {
            return differs("identity");
        }
        let family_on_file = child.family.iter().all(|m| {
            let m = &m.member;
            core.family.iter().any(|f| {
                f.full_name == m.full_name
                    && f.relationship == m.relationship
                    && f.parental_responsibility == m.parental_responsibility
                    && f.pr_evidence == m.pr_evidence
                    && f.person_id == m.person_id
                    && f.contact_preference == m.contact_preference
                    && f.phone == m.phone
                    && f.email == m.email
                    && f.main_contact == m.main_contact
            })
        });
        if !family_on_file {
            return differs("family");
        }
        let involvements = store.involvements_on_file(id).await?;
        let involvements_on_file = child.involvements.iter().zip(agencies).all(|(i, a)| {
            involvements.iter().any(|f| {
                f.agency_id == a.id
                    && f.role_title == i.role_title
                    && f.since == i.since
                    && f.until == i.until
            })
        });
        if !involvements_on_file {
            return differs("involvements");
        }
        if let Some(plan) = &child.plan {
            let assessments = store.assessments(id).await?;
            if !assessments
                .iter()
                .any(|a| a.final_issued_on() == Some(plan.plan.made_on))
            {
                return differs("plan");
            }
        }
        Ok(ChildOutcome::Unchanged { child: id })
    }

    /// Writes the child and its rows in `tx`; returns its id and the IMPORT
    /// entry to commit with them.
    async fn write(
        &self,
        tx: &store::TracedTxn,
        child: &ImportedChild,
        agencies: &[Agency],
        source: &str,
    ) -> std::result::Result<(ChildId, consent::trace::TraceEntry), WriteError> {
        let rc = self.rc;
        let by = &rc.principal.subject;
        let id = tx
            .register_child(
                NewChild {
                    identity: child.identity.clone(),
                    young_person_id: child.young_person_id.clone(),
                },
                by,
            )
            .await?;
        if let Some(key) = &child.external_id {
            tx.insert_external_id(id, source, key).await?;
        }
        // The importing council works with the child from now on, as when
        // it registers one (unless the file says how already).
        let mut involvement_ids: Vec<Uuid> = Vec::new();
        if !agencies.iter().any(|a| a.id == self.council.id) {
            let council = AgencyRef {
                id: self.council.id,
                kind: self.council.kind,
            };
            involvement_ids.push(
                tx.record_involvement(id, &council, "imported the child")
                    .await?,
            );
        }
        for (i, agency) in child.involvements.iter().zip(agencies) {
            involvement_ids.push(
                tx.insert_dated_involvement(id, agency, i.role_title.as_deref(), i.since, i.until)
                    .await?,
            );
        }
        let mut holders = 0;
        for m in &child.family {
            let member = tx.link_family_member(id, m.member.clone()).await?;
            holders += usize::from(member.parental_responsibility);
        }
        let mut entry = rc
            .child_entry(TraceAction::Import, id)
            .detail("source_line", child.line)
            .detail("family_members", child.family.len())
            .detail("parental_responsibility", holders)
            .detail("involvements", involvement_ids.len());
        if let Some(plan) = &child.plan {
            let existing = rc.store().assessments(id).await?;
            if let Err(e) = plan.plan.check(&existing, &Default::default(), rc.today()) {
                return Err(WriteError::Refused(RowError {
                    line: plan.line,
                    field: "made_on".into(),
                    reason: e.to_string(),
                }));
            }
            let plan_id = super::review::write_imported_plan(rc, tx, id, &plan.plan).await?;
            entry = entry.detail("plan_id", plan_id);
        }
        Ok((id, entry))
    }
}

/// A write refused by a unique key: which one, never its value.
fn conflict(line: u64, c: Constraint) -> RowError {
    let field = match c {
        Constraint::ChildNhsNumber => "nhs_number",
        Constraint::ChildUpn => "upn",
        _ => "external_id",
    };
    RowError {
        line,
        field: field.into(),
        reason: "another child on file has it".into(),
    }
}

/// An error in words for the operator's terminal (the hub's [`Error`] has
/// no `Display`, so that nothing reaches a GraphQL client by accident).
pub fn describe(e: &Error) -> String {
    match e {
        Error::Forbidden(m) => m.clone(),
        Error::NotFound(what) => format!("no such {what}"),
        Error::BadInput(i) => i.to_string(),
        Error::Problems { field, message, .. } => format!("{field}: {message}"),
        Error::Database(d) => format!("the database failed: {d}"),
        Error::Internal(i) => format!("{i:#}"),
        other => other.code().to_owned(),
    }
}
