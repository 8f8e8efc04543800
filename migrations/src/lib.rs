//! Database migrations for tellonce (sea-orm-migration). Append-only: a
//! migration that has shipped is never edited, only followed by another.
//! They produce the same schema on SQLite and PostgreSQL and never depend on
//! the application's entities.
//!
//! Every table that holds child data has `child_id` as the first column of
//! its primary key, so it can later be distributed by child (Citus).

pub use sea_orm_migration::prelude::*;

pub use m20261202_000006_code_sets::{CAPTURE_CHECKS, CodeCheck};

/// Each migration's list of the code checks it creates or changes, oldest
/// first (a migration that changes a check appends its list here).
const CHECK_LISTS: &[&[CodeCheck]] = &[
    m20261202_000006_code_sets::CODE_CHECKS,
    m20261203_000007_lawful_basis::CHANGES,
    m20261203_000008_who_decides::CODE_CHECKS,
    m20261203_000009_break_glass::CODE_CHECKS,
    m20261203_000010_identity_split::CODE_CHECKS,
    m20261204_000012_ehc_clock::CODE_CHECKS,
    m20261204_000013_reuse_confirmation::CODE_CHECKS,
    m20261204_000014_advice_templates::CODE_CHECKS,
    m20261204_000015_ehc_plan::CODE_CHECKS,
    m20261204_000016_reviews::CODE_CHECKS,
    m20261206_000018_agency_register::CODE_CHECKS,
];

/// The `CHECK` constraints on code columns now in force: for each
/// constraint, the list of the latest migration that set it, in the order
/// the constraints were first created.
pub fn code_checks() -> Vec<&'static CodeCheck> {
    let mut latest: Vec<&'static CodeCheck> = Vec::new();
    for list in CHECK_LISTS {
        for check in *list {
            match latest.iter_mut().find(|c| c.name == check.name) {
                Some(slot) => *slot = check,
                None => latest.push(check),
            }
        }
    }
    latest
}

mod m20261122_000001_child_record;
mod m20261122_000002_consent;
mod m20261123_000003_access_trace;
mod m20261123_000004_tell_it_once;
mod m20261201_000005_readiness_probe;
mod m20261202_000006_code_sets;
mod m20261203_000007_lawful_basis;
mod m20261203_000008_who_decides;
mod m20261203_000009_break_glass;
mod m20261203_000010_identity_split;
mod m20261203_000011_recorded_consent;
mod m20261204_000012_ehc_clock;
mod m20261204_000013_reuse_confirmation;
mod m20261204_000014_advice_templates;
mod m20261204_000015_ehc_plan;
mod m20261204_000016_reviews;
mod m20261205_000017_web_session;
mod m20261206_000018_agency_register;
mod m20261207_000019_child_external_id;
mod m20261208_000020_child_facts_version;
mod m20261209_000021_trace_log;
mod m20261210_000022_trace_partitions;
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
            Box::new(m20261203_000008_who_decides::Migration),
            Box::new(m20261203_000009_break_glass::Migration),
            Box::new(m20261203_000010_identity_split::Migration),
            Box::new(m20261203_000011_recorded_consent::Migration),
            Box::new(m20261204_000012_ehc_clock::Migration),
            Box::new(m20261204_000013_reuse_confirmation::Migration),
            Box::new(m20261204_000014_advice_templates::Migration),
            Box::new(m20261204_000015_ehc_plan::Migration),
            Box::new(m20261204_000016_reviews::Migration),
            Box::new(m20261205_000017_web_session::Migration),
            Box::new(m20261206_000018_agency_register::Migration),
            Box::new(m20261207_000019_child_external_id::Migration),
            Box::new(m20261208_000020_child_facts_version::Migration),
            Box::new(m20261209_000021_trace_log::Migration),
            Box::new(m20261210_000022_trace_partitions::Migration),
        ]
    }
}
