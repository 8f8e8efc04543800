//! [`Disclosure`]: a child's record as one caller may see it in one request:
//! the way out for the record's sections. (The family's own versioned words
//! and consent history leave through [`super::Family`], which exists only for
//! the family.)

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use consent::{AccessDecision, Denial, Override, ScopeDecision};
use domain::{ChildId, ChildRecord, Contribution, Involvement, Scope, Section, catalogue};
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::trace::Recorder;
use store::Store;

/// A child's record, opened for one caller. Every section leaves only through
/// [`Disclosure::section`] (or the involvement and contribution lists, which
/// decide per item), and each disclosure or refusal is recorded for the
/// request's trace entry.
#[derive(Debug)]
pub struct Disclosure {
    record: ChildRecord,
    /// The parts of the record read from the database.
    parts: store::RecordParts,
    decision: AccessDecision,
    overrides: Vec<Override>,
    /// The caller's agency, whose own contributions it always sees.
    own_agency: Option<Uuid>,
    recorder: Arc<Recorder>,
    store: Store,
}

/// A contribution the caller may see, and whether it is still current.
#[derive(Debug, Clone)]
pub struct ShownContribution {
    pub contribution: Contribution,
    /// False once a later contribution supersedes it.
    pub current: bool,
}

/// A section whose fields span several scopes, as one caller may see it:
/// the value (fields of withheld scopes emptied) and, per withheld scope,
/// the denial that [`Partial::field`] reports for each of its fields.
#[derive(Debug)]
pub struct Partial<T> {
    pub value: T,
    section: Section,
    withheld: BTreeMap<Scope, Denial>,
}

impl<T> Partial<T> {
    /// `Ok` if the field may be shown, else [`Error::Withheld`] with its
    /// scope's denial.
    pub fn field(&self, name: &str) -> Result<()> {
        let scope = catalogue::field(self.section, name).and_then(|f| f.scope);
        match scope.and_then(|s| self.withheld.get_key_value(&s)) {
            Some((scope, denial)) => Err(Error::Withheld(*scope, denial.clone())),
            None => Ok(()),
        }
    }
}

/// A front end asked for a section it did not say it would read: a bug in
/// the front end, answered INTERNAL, never an empty value.
fn not_read(scope: Scope) -> Error {
    Error::Internal(anyhow::anyhow!(
        "the {} section was not read for this request",
        scope.code()
    ))
}

impl Disclosure {
    pub(super) fn new(
        mut record: ChildRecord,
        parts: store::RecordParts,
        decision: AccessDecision,
        overrides: Vec<Override>,
        own_agency: Option<Uuid>,
        recorder: Arc<Recorder>,
        store: Store,
    ) -> Self {
        // Identifiers and the address are always loaded with who the child
        // is: what the caller may not see is dropped here, before any front
        // end can reach it.
        record.identity.withhold(|scope| decision.is_allowed(scope));
        Self {
            record,
            parts,
            decision,
            overrides,
            own_agency,
            recorder,
            store,
        }
    }

    /// The hub's id for the child.
    pub fn id(&self) -> ChildId {
        self.record.id
    }

    /// For each scope: allowed on which basis, or why not.
    pub fn decision(&self) -> &AccessDecision {
        &self.decision
    }

    /// Safeguarding overrides on this record that the caller may know of.
    pub fn overrides(&self) -> &[Override] {
        &self.overrides
    }

    /// One section of the record: `value` if the decision allows `scope`,
    /// else [`Error::Withheld`] with the denial. `fields` are the names the
    /// caller asked for within the section (for GraphQL, the selection set);
    /// the trace records them as `section.field` when disclosed, and the
    /// scope and reason when withheld.
    pub fn section<T, S: AsRef<str>>(
        &self,
        scope: Scope,
        fields: impl IntoIterator<Item = S>,
        value: impl FnOnce(&ChildRecord) -> T,
    ) -> Result<T> {
        let decision = self.decision.get(scope);
        if decision.is_allowed() && !self.parts.holds(scope) {
            // Before anything is recorded: nothing is disclosed.
            return Err(not_read(scope));
        }
        let section = domain::Section::of_scope(scope).code();
        let fields = fields
            .into_iter()
            .map(|f| format!("{section}.{}", f.as_ref()));
        self.recorder
            .touched(self.record.id, scope, decision, fields);
        match decision {
            ScopeDecision::Allowed(_) => Ok(value(&self.record)),
            ScopeDecision::Denied(denial) => Err(Error::Withheld(scope, denial.clone())),
        }
    }

    /// A section whose fields span several scopes (`identity`: who the
    /// child is, with the NHS number, UPN and address each in its own
    /// scope). The section's own scope decides whether anything is shown
    /// (else [`Error::Withheld`], as [`Disclosure::section`]); each other
    /// scope among `fields` is decided and traced on its own, so the trace
    /// holds exactly the fields disclosed, and [`Partial::field`] answers for
    /// each field. Values of withheld scopes are already emptied in the
    /// record `value` reads.
    pub fn section_by_field<T, S: AsRef<str>>(
        &self,
        section: Section,
        fields: impl IntoIterator<Item = S>,
        value: impl FnOnce(&ChildRecord) -> T,
    ) -> Result<Partial<T>> {
        let Some(own) = section.scope() else {
            return Err(Error::Internal(anyhow::anyhow!(
                "{section} has no scope of its own"
            )));
        };
        let mut by_scope: BTreeMap<Scope, Vec<String>> = BTreeMap::new();
        for name in fields {
            let name = name.as_ref();
            let scope = catalogue::field(section, name)
                .and_then(|f| f.scope)
                .unwrap_or(own);
            by_scope.entry(scope).or_default().push(name.to_owned());
        }
        let value = self.section(own, by_scope.remove(&own).unwrap_or_default(), value)?;
        let mut withheld = BTreeMap::new();
        for (scope, names) in by_scope {
            if let Err(Error::Withheld(scope, denial)) = self.section(scope, names, |_| ()) {
                withheld.insert(scope, denial);
            }
        }
        Ok(Partial {
            value,
            section,
            withheld,
        })
    }

    /// Services involved with the child whose service scope the caller may
    /// see: the list never reveals that a hidden service is involved.
    pub fn involvements<S: AsRef<str>>(
        &self,
        fields: impl IntoIterator<Item = S>,
    ) -> Result<Vec<Involvement>> {
        if !self.parts.involvements {
            return Err(Error::Internal(anyhow::anyhow!(
                "the involvements were not read for this request"
            )));
        }
        let shown: Vec<Involvement> = self
            .record
            .involvements
            .iter()
            .filter(|i| self.decision.is_allowed(i.scope()))
            .cloned()
            .collect();
        let scopes: BTreeSet<Scope> = shown.iter().map(Involvement::scope).collect();
        let fields: Vec<String> = fields
            .into_iter()
            .map(|f| format!("involvements.{}", f.as_ref()))
            .collect();
        for scope in scopes {
            self.recorder.touched(
                self.record.id,
                scope,
                self.decision.get(scope),
                fields.clone(),
            );
        }
        Ok(shown)
    }

    /// Contributions from agencies, with their provenance: the caller's own
    /// agency's always, others' where the decision allows their scope
    /// (`consent::AccessDecision::for_contribution`). `scope` narrows the
    /// list; superseded versions only when asked for. The trace records each
    /// scope shown, with `fields` as `contributions.field`.
    pub async fn contributions<S: AsRef<str>>(
        &self,
        scope: Option<Scope>,
        include_superseded: bool,
        fields: impl IntoIterator<Item = S>,
    ) -> Result<Vec<ShownContribution>> {
        let mut all = self.store.contributions(self.record.id).await?;
        if let Some(scope) = scope {
            all.retain(|c| c.scope == scope);
        }
        let fields: Vec<String> = fields
            .into_iter()
            .map(|f| format!("contributions.{}", f.as_ref()))
            .collect();
        let current_ids: Vec<Uuid> = domain::contribution::current(&all)
            .iter()
            .map(|c| c.id)
            .collect();
        let mut shown = Vec::new();
        let mut touched: BTreeSet<Scope> = BTreeSet::new();
        for c in all {
            let current = current_ids.contains(&c.id);
            if !current && !include_superseded {
                continue;
            }
            let outcome =
                self.decision
                    .for_contribution(self.own_agency, c.id, c.agency_id, c.scope);
            let ScopeDecision::Allowed(basis) = &outcome else {
                continue;
            };
            if outcome == *self.decision.get(c.scope) {
                touched.insert(c.scope);
            } else {
                // Shown on a basis of its own (the caller's own, or advice
                // its council asked for), recorded beside the section's.
                self.recorder
                    .item(self.record.id, c.scope, basis, fields.iter().cloned());
            }
            shown.push(ShownContribution {
                contribution: c,
                current,
            });
        }
        for scope in touched {
            self.recorder.touched(
                self.record.id,
                scope,
                self.decision.get(scope),
                fields.iter().cloned(),
            );
        }
        Ok(shown)
    }
}
