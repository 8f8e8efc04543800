//! A table for `/readyz` to write to: the probe inserts a row inside a
//! transaction and rolls it back, so it proves the database takes writes
//! (a read-only database or a hot standby refuses the INSERT) and leaves
//! nothing behind. No row is ever committed here.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("readiness_probe")
                    .col(integer("id").primary_key())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("readiness_probe").to_owned())
            .await
    }
}
