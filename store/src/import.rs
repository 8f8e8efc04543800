//! What a bulk import (`tellonce import`) needs besides the record's own
//! writes: finding a child already on file by NHS number, UPN or the source
//! system's key, the involvements on file to compare a row with, and writing
//! a child's source key and dated involvements.

use chrono::NaiveDate;
use domain::{Agency, ChildId, NhsNumber, Upn};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::entities::{child, involvement};
use super::trace::TracedTxn;
use super::{Result, Store};

/// The `child_external_id` table (migration 19): a child's key in the
/// system it was imported from.
pub mod child_external_id {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "child_external_id")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub child_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub source_system: String,
        pub value: String,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// An involvement as it is on file, for comparing with an imported row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvolvementOnFile {
    pub id: Uuid,
    pub agency_id: Uuid,
    pub role_title: Option<String>,
    pub since: Option<NaiveDate>,
    pub until: Option<NaiveDate>,
}

impl Store {
    /// The child with this NHS number, whatever their date of birth.
    pub async fn child_with_nhs_number(&self, nhs: &NhsNumber) -> Result<Option<ChildId>> {
        Ok(child::Entity::find()
            .filter(child::Column::NhsNumber.eq(nhs.as_str()))
            .one(&self.db)
            .await?
            .map(|c| c.id))
    }

    /// The child with this UPN.
    pub async fn child_with_upn(&self, upn: &Upn) -> Result<Option<ChildId>> {
        Ok(child::Entity::find()
            .filter(child::Column::Upn.eq(upn.as_str()))
            .one(&self.db)
            .await?
            .map(|c| c.id))
    }

    /// The child `source` knows by `value`.
    pub async fn child_with_external_id(
        &self,
        source: &str,
        value: &str,
    ) -> Result<Option<ChildId>> {
        Ok(child_external_id::Entity::find()
            .filter(child_external_id::Column::SourceSystem.eq(source))
            .filter(child_external_id::Column::Value.eq(value))
            .one(&self.db)
            .await?
            .map(|c| c.child_id))
    }

    /// The child's key in `source`, if it was imported from there.
    pub async fn external_id_of(&self, child: ChildId, source: &str) -> Result<Option<String>> {
        Ok(child_external_id::Entity::find()
            .filter(child_external_id::Column::ChildId.eq(child))
            .filter(child_external_id::Column::SourceSystem.eq(source))
            .one(&self.db)
            .await?
            .map(|c| c.value))
    }

    /// Every involvement on file for the child, current or ended.
    pub async fn involvements_on_file(&self, child: ChildId) -> Result<Vec<InvolvementOnFile>> {
        Ok(involvement::Entity::find()
            .filter(involvement::Column::ChildId.eq(child))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|i| InvolvementOnFile {
                id: i.id,
                agency_id: i.agency_id,
                role_title: i.role_title,
                since: i.since,
                until: i.until,
            })
            .collect())
    }
}

impl TracedTxn {
    /// Records the child's key in the system it is imported from; a key
    /// already naming another child is a conflict.
    pub async fn insert_external_id(
        &self,
        child: ChildId,
        source: &str,
        value: &str,
    ) -> Result<()> {
        child_external_id::Entity::insert(child_external_id::ActiveModel {
            child_id: Set(child),
            source_system: Set(source.to_owned()),
            value: Set(value.to_owned()),
            created_at: Set(self.now()),
        })
        .exec(&self.txn)
        .await?;
        Ok(())
    }

    /// Records an involvement with the dates the source system gave.
    pub async fn insert_dated_involvement(
        &self,
        child: ChildId,
        agency: &Agency,
        role_title: Option<&str>,
        since: Option<NaiveDate>,
        until: Option<NaiveDate>,
    ) -> Result<Uuid> {
        let id = Uuid::now_v7();
        involvement::Entity::insert(involvement::ActiveModel {
            child_id: Set(child),
            id: Set(id),
            agency_id: Set(agency.id),
            agency_kind: Set(agency.kind.code().to_owned()),
            practitioner_name: Set(None),
            role_title: Set(role_title.map(str::to_owned)),
            since: Set(since),
            until: Set(until),
        })
        .exec(&self.txn)
        .await?;
        Ok(id)
    }
}

impl TracedTxn {
    /// Rolls back everything written in the transaction, before the chain
    /// is released (so the next traced transaction finds SQLite free).
    pub async fn rollback(self) -> Result<()> {
        self.txn.rollback().await?;
        Ok(())
    }
}
