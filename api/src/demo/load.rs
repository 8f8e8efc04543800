//! Loading the demo into a store.

use chrono::{NaiveDate, Utc};

use super::agencies::agencies;
use super::assessment::load_assessment;
use super::children::children;
use super::grants::grants;
use super::id::{AMIRA, CHLOE, JAYDEN};
use crate::error::Result;
use store::Store;

/// Loads the demo unless it is already there. Returns true if it was loaded.
///
/// Demo data is loaded as seed data, not as anyone's action: it leaves no
/// trace entries.
pub async fn load(store: &Store, today: NaiveDate) -> Result<bool> {
    crate::agreement::ensure_default(store).await?;
    crate::template::ensure_default(store).await?;
    let tx = store.traced().await?;
    for agency in agencies() {
        tx.upsert_agency(&agency).await?;
    }
    for (id, identifier) in super::agencies::identifiers() {
        tx.ensure_agency_identifiers(id, &[identifier]).await?;
    }
    let mut loaded = false;
    let now = Utc::now();
    let grants = grants(now);
    for child in children(today) {
        if !store.child_exists(child.id).await? {
            tx.insert_record(&child, "demo").await?;
            for grant in grants.iter().filter(|g| g.child_id == child.id) {
                tx.insert_grant(grant).await?;
                if let Some(w) = &grant.withdrawal {
                    tx.insert_withdrawal(grant.child_id, grant.id, w).await?;
                }
            }
            match child.id {
                JAYDEN => load_assessment(store, &tx, today, now).await?,
                AMIRA => super::amira_plan::load_plan(store, &tx, today, now).await?,
                CHLOE => super::imported::load_imported(&tx, today, now).await?,
                _ => {}
            }
            loaded = true;
        }
    }
    tx.commit(Vec::new()).await?;
    Ok(loaded)
}
