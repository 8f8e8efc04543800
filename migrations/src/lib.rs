//! Database migrations for tellonce (sea-orm-migration). Append-only: a
//! migration that has shipped is never edited, only followed by another.
//! They produce the same schema on SQLite and PostgreSQL and never depend on
//! the application's entities.
//!
//! Every table that holds child data has `child_id` as the first column of
//! its primary key, so it can later be distributed by child (Citus).

pub use sea_orm_migration::prelude::*;

pub use m20261202_000006_code_sets::{CAPTURE_CHECKS, CodeCheck};

/// The `CHECK` constraints on code columns now in force: those migration 6
/// created, as each later migration changed or added them (its `CHANGES`,
/// applied in order: a check of the same name replaces the earlier one).
pub fn code_checks() -> Vec<CodeCheck> {
    let mut all = m20261202_000006_code_sets::CODE_CHECKS.to_vec();
    for changes in [m20261203_000007_lawful_basis::CHANGES] {
        for change in changes {
            match all.iter_mut().find(|c| c.name == change.name) {
                Some(old) => *old = *change,
                None => all.push(*change),
            }
        }
    }
    all
}

mod m20261122_000001_child_record;
mod m20261122_000002_consent;
mod m20261123_000003_access_trace;
mod m20261123_000004_tell_it_once;
mod m20261201_000005_readiness_probe;
mod m20261202_000006_code_sets;
mod m20261203_000007_lawful_basis;
mod m20261203_000011_recorded_consent;
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
            Box::new(m20261203_000007_lawful_basis::Migration),
            Box::new(m20261203_000011_recorded_consent::Migration),
        ]
    }
}
