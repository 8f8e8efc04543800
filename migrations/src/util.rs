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
