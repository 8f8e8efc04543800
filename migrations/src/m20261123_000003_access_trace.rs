//! The access trace: append-only and hash-chained. The database itself
//! refuses UPDATE and DELETE (triggers on both backends).

use sea_orm::DatabaseBackend;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("access_trace")
                    .col(big_integer("seq").primary_key())
                    .col(timestamp_with_time_zone("recorded_at"))
                    .col(string_len("action", 32))
                    .col(string_len("outcome", 16))
                    .col(string_null("actor_subject"))
                    .col(uuid_null("actor_agency_id"))
                    .col(uuid_null("child_id"))
                    .col(string_len_null("purpose", 32))
                    // ",CONSENT,PUBLIC_TASK," for filtering by basis.
                    .col(string("basis_kinds"))
                    .col(boolean("withheld_any"))
                    .col(boolean("override_used"))
                    .col(string_null("request_id"))
                    .col(string_null("trace_id"))
                    // The canonical entry that is hashed.
                    .col(text("entry"))
                    .col(string_len("prev_hash", 64))
                    .col(string_len("hash", 64))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(crate::util::index(
                "ix_trace_child",
                "access_trace",
                &["child_id", "seq"],
            ))
            .await?;
        manager
            .create_index(crate::util::index(
                "ix_trace_agency",
                "access_trace",
                &["actor_agency_id", "seq"],
            ))
            .await?;
        manager
            .create_index(crate::util::index(
                "ix_trace_subject",
                "access_trace",
                &["actor_subject", "seq"],
            ))
            .await?;
        manager
            .create_index(crate::util::index(
                "ix_trace_action",
                "access_trace",
                &["action", "seq"],
            ))
            .await?;
        manager
            .create_index(crate::util::index(
                "ix_trace_time",
                "access_trace",
                &["recorded_at"],
            ))
            .await?;

        let db = manager.get_connection();
        let statements: &[&str] = match manager.get_database_backend() {
            DatabaseBackend::Postgres => &[
                "CREATE FUNCTION access_trace_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
                 BEGIN RAISE EXCEPTION 'access_trace is append-only'; END $$",
                "CREATE TRIGGER access_trace_no_change BEFORE UPDATE OR DELETE ON access_trace
                   FOR EACH ROW EXECUTE FUNCTION access_trace_append_only()",
                "CREATE TRIGGER access_trace_no_truncate BEFORE TRUNCATE ON access_trace
                   FOR EACH STATEMENT EXECUTE FUNCTION access_trace_append_only()",
            ],
            DatabaseBackend::Sqlite => &[
                "CREATE TRIGGER access_trace_no_update BEFORE UPDATE ON access_trace
                   BEGIN SELECT RAISE(ABORT, 'access_trace is append-only'); END",
                "CREATE TRIGGER access_trace_no_delete BEFORE DELETE ON access_trace
                   BEGIN SELECT RAISE(ABORT, 'access_trace is append-only'); END",
            ],
            other => {
                return Err(DbErr::Migration(format!(
                    "unsupported database backend {other:?}"
                )));
            }
        };
        for statement in statements {
            db.execute_unprepared(statement).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared("DROP FUNCTION IF EXISTS access_trace_append_only() CASCADE")
                .await?;
        }
        manager
            .drop_table(Table::drop().table("access_trace").to_owned())
            .await
    }
}
