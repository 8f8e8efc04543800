//! Database migrations for tellonce (sea-orm-migration). Append-only: a
//! migration that has shipped is never edited, only followed by another.
//! They produce the same schema on SQLite and PostgreSQL and never depend on
//! the application's entities.
//!
//! Every table that holds child data has `child_id` as the first column of
//! its primary key, so it can later be distributed by child (Citus).

pub use sea_orm_migration::prelude::*;

/// The `CHECK` constraints on code columns now in force (a later migration
/// that changes one re-exports its own list here).
pub use m20261202_000006_code_sets::{CAPTURE_CHECKS, CodeCheck};
pub use m20261203_000008_who_decides::CODE_CHECKS;

mod m20261122_000001_child_record;
mod m20261122_000002_consent;
mod m20261123_000003_access_trace;
mod m20261123_000004_tell_it_once;
mod m20261201_000005_readiness_probe;
mod m20261202_000006_code_sets;
mod m20261203_000008_who_decides;
mod util;

/// All migrations, in order.
#[derive(Debug)]
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_child_record::Migration),
            Box::new(m20261122_000002_consent::Migration),
            Box::new(m20261123_000003_access_trace::Migration),
            Box::new(m20261123_000004_tell_it_once::Migration),
            Box::new(m20261201_000005_readiness_probe::Migration),
            Box::new(m20261202_000006_code_sets::Migration),
            Box::new(m20261203_000008_who_decides::Migration),
        ]
    }
}
