//! The address-withheld marker over GraphQL: case officers and safeguarding
//! leads of children's social care or the council SEND team set, clear and
//! read it. Everyone else meets it only as CONTACT withheld.

use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};

use super::parse_id;
use super::record::request;

type GqlResult<T> = async_graphql::Result<T>;

/// A child's address is withheld to keep them safe; the reason is shown
/// only to those who may set the marker.
#[derive(SimpleObject, Debug)]
pub struct AddressWithheld {
    /// The child.
    pub child_id: ID,
    /// Why the address is withheld (shown only to keepers of the marker).
    pub reason: String,
    /// The subject of who set it.
    pub set_by: String,
    /// When it was set.
    pub set_at: DateTime<Utc>,
}

impl AddressWithheld {
    fn new(child: uuid::Uuid, m: consent::AddressWithheld) -> Self {
        Self {
            child_id: ID(child.to_string()),
            reason: m.reason,
            set_by: m.set_by,
            set_at: m.set_at,
        }
    }
}

#[derive(Debug, Default)]
pub struct AddressQuery;

#[Object]
impl AddressQuery {
    /// Whether the child's address is withheld, and why (null while it is
    /// shown). Case officers and safeguarding leads of children's social
    /// care or the council SEND team.
    async fn address_withheld(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The child.")] child_id: ID,
    ) -> GqlResult<Option<AddressWithheld>> {
        let keeper = request(ctx)?.address_keeper()?;
        let child = parse_id("childId", &child_id)?;
        Ok(keeper
            .marker(child)
            .await?
            .map(|m| AddressWithheld::new(child, m)))
    }
}

#[derive(Debug, Default)]
pub struct AddressMutation;

#[Object]
impl AddressMutation {
    /// Withholds the child's address from every view, family views
    /// included, with a written reason that only keepers of the marker read.
    async fn withhold_address(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The child.")] child_id: ID,
        #[graphql(desc = "Why: shown only to those who may set the marker.")] reason: String,
    ) -> GqlResult<AddressWithheld> {
        let keeper = request(ctx)?.address_keeper()?;
        let child = parse_id("childId", &child_id)?;
        let marker = keeper.withhold(child, &reason).await?;
        Ok(AddressWithheld::new(child, marker))
    }

    /// Shows the child's address again, to those the decision lets see it;
    /// false if it was not withheld.
    async fn release_address(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The child.")] child_id: ID,
    ) -> GqlResult<bool> {
        let keeper = request(ctx)?.address_keeper()?;
        let child = parse_id("childId", &child_id)?;
        Ok(keeper.release(child).await?)
    }
}
