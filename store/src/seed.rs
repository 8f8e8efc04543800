//! Synthetic records for benchmarks and load tests (`tellonce seed`):
//! fictional children in every scope, their families, agencies, grants
//! and trace history, written with bulk statements.

use uuid::Uuid;

/// The agency every seeded database registers: it marks the database as
/// synthetic. Switches meant only for benchmarks (serving without a
/// durable trace) refuse a database without it, so they can never run
/// against real records.
pub const SEED_MARKER: Uuid = Uuid::from_u128(0x0000_0000_5eed_4000_8000_0000_0000_0000);
