//! The access trace partitioned by month on PostgreSQL (issue 15).
//!
//! - `access_trace` becomes a table partitioned by `RANGE (recorded_at)`,
//!   one partition per calendar month (UTC) named `access_trace_pYYYYMM`,
//!   plus `access_trace_default` for anything outside them (entries dated
//!   far in the past by a fixed clock, say). The primary key is
//!   `(seq, recorded_at)`, as a partitioned table's must hold the partition
//!   key; sequence numbers stay unique because they are given out under the
//!   chain's lock, and verification checks that they run 1, 2, 3… The
//!   search indexes are created on the parent, so every partition has its
//!   own. Existing entries are copied across in order.
//! - `access_trace_partition(month)` creates a month's partition (and its
//!   TRUNCATE guard: a statement trigger on the parent does not fire for a
//!   partition truncated by name) if it is missing; the hub calls it for
//!   the months ahead at start and daily, so rows never wait for DDL.
//! - The append-only guards move to the new parent (row triggers on a
//!   partitioned table are cloned to every partition).
//! - `trace_archive` (both backends, used on PostgreSQL only): one row per
//!   month detached by `tellonce trace archive`, with the sequence range it
//!   held, the hash of its last entry (where verification resumes the
//!   chain) and the signed checkpoint that covered it when it was detached.
//!
//! SQLite keeps one table.

use sea_orm::DatabaseBackend;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

const PARTITION_FUNCTION: &str = r#"
CREATE FUNCTION access_trace_partition(month date) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  first timestamp := date_trunc('month', month::timestamp);
  name text := 'access_trace_p' || to_char(first, 'YYYYMM');
BEGIN
  IF to_regclass(name) IS NULL THEN
    EXECUTE format(
      'CREATE TABLE %I PARTITION OF access_trace FOR VALUES FROM (%L) TO (%L)',
      name, first AT TIME ZONE 'UTC', (first + interval '1 month') AT TIME ZONE 'UTC');
    EXECUTE format(
      'CREATE TRIGGER %I BEFORE TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION access_trace_append_only()',
      name || '_no_truncate', name);
  END IF;
  RETURN name;
END $$"#;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("trace_archive")
                    .col(string_len("partition_name", 63).primary_key())
                    .col(timestamp_with_time_zone("period_from"))
                    .col(timestamp_with_time_zone("period_to"))
                    .col(big_integer("first_seq"))
                    .col(big_integer("last_seq"))
                    .col(big_integer("entries"))
                    .col(string_len("last_hash", 64))
                    .col(big_integer("checkpoint_size"))
                    .col(text("checkpoint"))
                    .col(timestamp_with_time_zone("archived_at"))
                    .to_owned(),
            )
            .await?;
        if manager.get_database_backend() != DatabaseBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        db.execute_unprepared(
            "ALTER TABLE access_trace RENAME TO access_trace_unpartitioned;
             ALTER INDEX access_trace_pkey RENAME TO access_trace_unpartitioned_pkey;
             CREATE TABLE access_trace (LIKE access_trace_unpartitioned
               INCLUDING DEFAULTS INCLUDING CONSTRAINTS)
               PARTITION BY RANGE (recorded_at);
             ALTER TABLE access_trace ADD PRIMARY KEY (seq, recorded_at);
             CREATE TABLE access_trace_default PARTITION OF access_trace DEFAULT;",
        )
        .await?;
        db.execute_unprepared(PARTITION_FUNCTION).await?;
        // Every month that holds entries, to two months ahead.
        db.execute_unprepared(
            "SELECT access_trace_partition(m::date) FROM generate_series(
               date_trunc('month', coalesce(
                 (SELECT min(recorded_at) FROM access_trace_unpartitioned), now())
                 AT TIME ZONE 'UTC'),
               date_trunc('month', now() AT TIME ZONE 'UTC') + interval '2 months',
               interval '1 month') m;
             INSERT INTO access_trace SELECT * FROM access_trace_unpartitioned ORDER BY seq;
             DROP TABLE access_trace_unpartitioned;
             CREATE INDEX ix_trace_child ON access_trace (child_id, seq);
             CREATE INDEX ix_trace_agency ON access_trace (actor_agency_id, seq);
             CREATE INDEX ix_trace_subject ON access_trace (actor_subject, seq);
             CREATE INDEX ix_trace_action ON access_trace (action, seq);
             CREATE INDEX ix_trace_time ON access_trace (recorded_at);
             CREATE TRIGGER access_trace_no_change BEFORE UPDATE OR DELETE ON access_trace
               FOR EACH ROW EXECUTE FUNCTION access_trace_append_only();
             CREATE TRIGGER access_trace_no_truncate BEFORE TRUNCATE ON access_trace
               FOR EACH STATEMENT EXECUTE FUNCTION access_trace_append_only();
             CREATE TRIGGER access_trace_default_no_truncate BEFORE TRUNCATE ON access_trace_default
               FOR EACH STATEMENT EXECUTE FUNCTION access_trace_append_only();",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            let db = manager.get_connection();
            db.execute_unprepared(
                "CREATE TABLE access_trace_unpartitioned (LIKE access_trace
                   INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
                 INSERT INTO access_trace_unpartitioned SELECT * FROM access_trace ORDER BY seq;
                 DROP TABLE access_trace;
                 ALTER TABLE access_trace_unpartitioned RENAME TO access_trace;
                 ALTER TABLE access_trace ADD PRIMARY KEY (seq);
                 CREATE INDEX ix_trace_child ON access_trace (child_id, seq);
                 CREATE INDEX ix_trace_agency ON access_trace (actor_agency_id, seq);
                 CREATE INDEX ix_trace_subject ON access_trace (actor_subject, seq);
                 CREATE INDEX ix_trace_action ON access_trace (action, seq);
                 CREATE INDEX ix_trace_time ON access_trace (recorded_at);
                 CREATE TRIGGER access_trace_no_change BEFORE UPDATE OR DELETE ON access_trace
                   FOR EACH ROW EXECUTE FUNCTION access_trace_append_only();
                 CREATE TRIGGER access_trace_no_truncate BEFORE TRUNCATE ON access_trace
                   FOR EACH STATEMENT EXECUTE FUNCTION access_trace_append_only();
                 DROP FUNCTION access_trace_partition(date);",
            )
            .await?;
        }
        manager
            .drop_table(Table::drop().table("trace_archive").to_owned())
            .await
    }
}
