//! *Who can see what* for a family member (`consent::sharing`): every
//! registered agency × each scope they may read, decided by the same
//! `consent::decide` as every request, from facts read now.

use consent::trace::TraceAction;
use consent::{DecisionInput, SharingView};
use domain::ChildId;

use super::RequestContext;
use crate::error::{Error, Result};

impl RequestContext {
    /// The sharing view of `child` for the caller as family: the young
    /// person, or a parent (or deputy) of theirs. A parent past the
    /// hand-over, who may read nothing, gets the view with only why it is
    /// read-only; anyone else NOT_FOUND, as for a child that does not
    /// exist (the same statements either way).
    pub async fn sharing(&self, child: ChildId) -> Result<SharingView> {
        let not_found = Error::NotFound("child");
        let store = self.store();
        let (loaded, case, agencies) = tokio::try_join!(
            self.load(child),
            async { Ok::<_, Error>(store.case_facts(child).await?) },
            // Retired agencies are no longer offered.
            async { Ok::<_, Error>(store.active_agencies().await?) }
        )?;
        let (Some(loaded), true) = (loaded, self.principal.person_id.is_some()) else {
            return Err(not_found);
        };
        if self.principal.is_practitioner() || self.principal.is_ig() {
            return Err(not_found);
        }
        let facts = loaded.facts.core.consent_facts(self.policy().term_start);
        let input = DecisionInput {
            child: &facts,
            grants: &loaded.facts.state.grants,
            overrides: &loaded.facts.state.overrides,
            case: &case,
            agreement: &loaded.agreement,
            now: self.now,
        };
        let view = consent::sharing(&self.principal, &agencies, &input);
        if view.scopes.is_empty() && !view.handed_over() {
            return Err(not_found);
        }
        self.record(
            self.child_entry(TraceAction::Read, child)
                .detail("view", "sharing"),
        );
        Ok(view)
    }
}
