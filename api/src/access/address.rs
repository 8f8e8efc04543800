//! [`AddressKeeper`]: a case officer or safeguarding lead of children's
//! social care or the council SEND team withholds a child's address to keep
//! them safe (a placement, a refuge), or releases it. While withheld,
//! CONTACT is denied to everyone (`consent::decide`); only keepers read the
//! recorded reason, and the trace never holds it.

use consent::AddressWithheld;
use consent::trace::TraceAction;
use domain::{ChildId, Scope};

use super::RequestContext;
use crate::error::{Error, Result};

/// Who may set and clear the marker (see [`RequestContext::address_keeper`]).
#[derive(Debug)]
pub struct AddressKeeper<'a> {
    pub(super) rc: &'a RequestContext,
}

impl AddressKeeper<'_> {
    /// Withholds the child's address, with a written reason (replacing an
    /// earlier one while it stays withheld).
    pub async fn withhold(&self, child: ChildId, reason: &str) -> Result<AddressWithheld> {
        let rc = self.rc;
        let marker = AddressWithheld::new(&rc.principal, reason, rc.now)?;
        self.set(child, Some(&marker), TraceAction::AddressWithheld)
            .await?;
        Ok(marker)
    }

    /// Shows the child's address again to those the decision lets see it;
    /// false if it was not withheld.
    pub async fn release(&self, child: ChildId) -> Result<bool> {
        let was = self.current(child).await?.is_some();
        // Nothing withheld, nothing released: no entry says otherwise.
        if was {
            self.set(child, None, TraceAction::AddressReleased).await?;
        }
        Ok(was)
    }

    /// The marker with its reason, or `None` while the address is shown.
    pub async fn marker(&self, child: ChildId) -> Result<Option<AddressWithheld>> {
        let marker = self.current(child).await?;
        self.rc.record(
            self.rc
                .child_entry(TraceAction::Read, child)
                .detail("view", "address_withheld"),
        );
        Ok(marker)
    }

    async fn current(&self, child: ChildId) -> Result<Option<AddressWithheld>> {
        let core = self
            .rc
            .store()
            .child_core(child)
            .await?
            .ok_or(Error::NotFound("child"))?;
        Ok(core.address_withheld)
    }

    async fn set(
        &self,
        child: ChildId,
        marker: Option<&AddressWithheld>,
        action: TraceAction,
    ) -> Result<()> {
        let rc = self.rc;
        let tx = rc.store().traced().await?;
        let found = tx.set_address_withheld(child, marker).await?;
        // The reason is record content: the entry says only what was done.
        let entry = rc.child_entry(action, child);
        tx.commit(if found { vec![entry] } else { Vec::new() })
            .await?;
        if !found {
            return Err(Error::NotFound("child"));
        }
        rc.hub.updates.publish(child, Scope::Contact, None);
        Ok(())
    }
}
