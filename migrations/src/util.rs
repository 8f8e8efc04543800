//! Shapes the migrations share. Changing one changes every migration that
//! uses it, so these only ever gain new functions.

use sea_orm_migration::{prelude::*, schema::*};

/// A table of rows about one child: `(child_id, id)` primary key and a
/// foreign key to `child`.
pub fn child_keyed(table: &'static str) -> TableCreateStatement {
    Table::create()
        .table(table)
        .col(uuid("child_id"))
        .col(uuid("id"))
        .primary_key(Index::create().col("child_id").col("id"))
        .foreign_key(&mut child_fk(table))
        .to_owned()
}

/// The foreign key from `table.child_id` to `child.id`.
pub fn child_fk(table: &'static str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{table}_child"))
        .from(table, "child_id")
        .to("child", "id")
        .on_delete(ForeignKeyAction::Restrict)
        .to_owned()
}

/// An index on `cols` of `table`.
pub fn index(
    name: &'static str,
    table: &'static str,
    cols: &[&'static str],
) -> IndexCreateStatement {
    let mut i = Index::create().name(name).table(table).to_owned();
    for c in cols {
        i.col(*c);
    }
    i
}

/// A unique index on `cols` of `table`.
pub fn unique(
    name: &'static str,
    table: &'static str,
    cols: &[&'static str],
) -> IndexCreateStatement {
    index(name, table, cols).unique().to_owned()
}

/// The table of per-child versions (migration 20).
pub const CHILD_FACTS_VERSION: &str = "child_facts_version";

/// Triggers that give a child a new `child_facts_version` whenever a row of
/// `table` (`child` itself, or a table with a `child_id` column) is
/// inserted, updated (the old and the new child) or deleted, in the same
/// transaction. Every migration that creates a table with a `child_id`
/// column calls this. Versions are random, not counted: a database restored
/// or failed over to an older state never hands out a number a running hub
/// already saw for other facts.
pub async fn child_facts_triggers(manager: &SchemaManager<'_>, table: &str) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let column = if table == "child" { "id" } else { "child_id" };
    match manager.get_database_backend() {
        sea_orm::DatabaseBackend::Postgres => {
            let function = if table == "child" {
                "bump_child_facts_version_of_child"
            } else {
                "bump_child_facts_version"
            };
            // One trigger per event: a transition table serves one event.
            for (event, rows) in [
                ("insert", "NEW TABLE AS changed_rows"),
                ("update", "OLD TABLE AS old_rows NEW TABLE AS changed_rows"),
                ("delete", "OLD TABLE AS changed_rows"),
            ] {
                db.execute_unprepared(&format!(
                    "CREATE TRIGGER cfv_{table}_{event} AFTER {event} ON {table}
                       REFERENCING {rows}
                       FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
                ))
                .await?;
            }
        }
        _ => {
            for (event, rows) in [
                ("insert", &["NEW"][..]),
                ("update", &["OLD", "NEW"][..]),
                ("delete", &["OLD"][..]),
            ] {
                let bumps: String = rows
                    .iter()
                    .map(|row| {
                        format!(
                            "INSERT INTO child_facts_version (child_id, version)
                               VALUES ({row}.{column}, random())
                               ON CONFLICT (child_id) DO UPDATE SET version = random();"
                        )
                    })
                    .collect();
                db.execute_unprepared(&format!(
                    "CREATE TRIGGER cfv_{table}_{event} AFTER {event} ON {table}
                     BEGIN {bumps} END"
                ))
                .await?;
            }
        }
    }
    Ok(())
}
