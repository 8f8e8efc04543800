//! The verifiable log over the access trace (issue 15, `consent::log`).
//!
//! - `trace_tile`: the Merkle tree's tiles (C2SP `tlog-tiles`, height 8),
//!   `(level, idx)` → `data`, `width × 32` bytes of hashes. A partial tile
//!   is replaced by its wider self as leaves are integrated; a full tile
//!   (width 256) never changes again.
//! - `trace_checkpoint`: every signed checkpoint, by tree size: the root
//!   (base64) and the signed note as served at `/trace/checkpoint`. Kept,
//!   so that a consistency proof can be given from any earlier one.
//!
//! Both are derived from `access_trace` and can be rebuilt from it: the
//! chain stays the record; the log lets others check it without reading it.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("trace_tile")
                    .col(small_integer("level"))
                    .col(big_integer("idx"))
                    .col(integer("width"))
                    .col(binary("data"))
                    .primary_key(Index::create().col("level").col("idx"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("trace_checkpoint")
                    .col(big_integer("size").primary_key())
                    .col(string_len("root", 44))
                    .col(text("note"))
                    .col(timestamp_with_time_zone("created_at"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["trace_checkpoint", "trace_tile"] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
