//! Bulk import (issue 13 item 4): a child's key in the system a record was
//! imported from, so that a re-run of the same file finds a child that has
//! neither NHS number nor UPN instead of registering it again.
//!
//! - `child_external_id`: one row per (child, source system), the source's
//!   key for the child as the file gave it; `(source_system, value)` is
//!   unique, so one key names one child at most.

use sea_orm_migration::{prelude::*, schema::*};

use crate::util::{child_fk, unique};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("child_external_id")
                    .col(uuid("child_id"))
                    .col(string_len("source_system", 64))
                    .col(string_len("value", 64))
                    .col(timestamp_with_time_zone("created_at"))
                    .primary_key(Index::create().col("child_id").col("source_system"))
                    .foreign_key(&mut child_fk("child_external_id"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(unique(
                "ux_child_external_id_value",
                "child_external_id",
                &["source_system", "value"],
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("child_external_id").to_owned())
            .await
    }
}
