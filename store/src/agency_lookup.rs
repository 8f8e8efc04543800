//! The agency an identity provider names by an external identifier (ODS
//! code, URN, …), retired or not: sign-in tells "not registered" from
//! "retired" apart.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::entities::agency_identifier;
use super::{Result, Store};

impl Store {
    /// The id of the agency holding this identifier, active or retired.
    #[tracing::instrument(name = "db.agency_id_by_identifier", skip_all)]
    pub async fn agency_id_by_identifier(
        &self,
        identifier: &domain::AgencyIdentifier,
    ) -> Result<Option<Uuid>> {
        Ok(agency_identifier::Entity::find()
            .filter(agency_identifier::Column::Scheme.eq(identifier.scheme.code()))
            .filter(agency_identifier::Column::Value.eq(identifier.value.as_str()))
            .one(&self.db)
            .await?
            .map(|row| row.agency_id))
    }
}
