//! What can go wrong in storage, and the one place a database error is
//! turned into a named constraint.

use sea_orm::sqlx::error::ErrorKind;
use sea_orm::{DbErr, RuntimeErr};

/// A storage failure. `api` decides what each means to a caller.
///
/// Deliberately neither `Display` nor `std::error::Error` (so not a
/// thiserror enum): async-graphql turns any `Display` value into a GraphQL
/// error carrying its text, and a `?` on a `StoreError` inside a resolver
/// would then send `DbErr` text (SQL, constraint names) to the client. As
/// with `api::Error`, the only way out is `api`'s `From<StoreError>`, which
/// logs internal causes and shows a generic message.
#[derive(Debug)]
pub enum StoreError {
    /// No such row.
    NotFound(&'static str),
    /// A write broke a constraint the store relies on.
    Conflict(Constraint),
    /// A stored value does not read back (a bad code, a broken identifier).
    Corrupt(String),
    /// Any other database failure.
    Database(DbErr),
}

/// Store result.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

impl From<DbErr> for StoreError {
    /// Every database error passes here: a violation of a constraint named
    /// in [`Constraint`] becomes [`StoreError::Conflict`].
    fn from(e: DbErr) -> Self {
        match constraint_of(&e) {
            Some(c) => StoreError::Conflict(c),
            None => StoreError::Database(e),
        }
    }
}

macro_rules! constraints {
    ($( $(#[$doc:meta])* $variant:ident = $name:literal on $table:literal ($($col:literal),+) ),+ $(,)?) => {
        /// A unique index or `CHECK` constraint whose violation the store
        /// reports by name. Each is declared once here, with the table and
        /// columns the migration gives it (see [`constraint_of`] for why the
        /// columns are needed).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Constraint {
            $( $(#[$doc])* $variant, )+
            /// A `CHECK (col IN (...))` on a code column refused a value
            /// (its name, e.g. `ck_grant_scope_scope`): the writer has a bug.
            Code(&'static str),
        }

        impl Constraint {
            /// Every unique constraint: (constraint, index name, table, columns).
            const UNIQUE: &'static [(Constraint, &'static str, &'static str, &'static [&'static str])] = &[
                $( (Constraint::$variant, $name, $table, &[$($col),+]), )+
            ];

            /// The name the migration gives it.
            pub fn name(self) -> &'static str {
                match self {
                    $( Constraint::$variant => $name, )+
                    Constraint::Code(name) => name,
                }
            }
        }
    };
}

constraints! {
    /// One child per NHS number.
    ChildNhsNumber = "ux_child_nhs_number" on "child" ("nhs_number"),
    /// One child per UPN.
    ChildUpn = "ux_child_upn" on "child" ("upn"),
    /// One withdrawal per grant.
    WithdrawalGrant = "ux_consent_withdrawal_grant" on "consent_withdrawal" ("grant_id"),
    /// One confirmation per grant.
    ConfirmationGrant = "ux_consent_confirmation_grant" on "consent_confirmation" ("grant_id"),
    /// One review per override.
    ReviewOverride = "ux_override_review_override" on "override_review" ("override_id"),
    /// One second approval per override.
    ApprovalOverride = "ux_override_approval_override" on "override_approval" ("override_id"),
    /// A contribution is replaced at most once.
    ContributionSupersedes = "ux_contribution_supersedes" on "contribution" ("supersedes"),
    /// One answer per advice request.
    AdviceAnswerRequest = "ux_advice_answer_request" on "advice_answer" ("request_id"),
    /// One confirmation of reuse per party, request and contribution.
    ReuseConfirmationParty = "ux_advice_reuse_confirmation_party" on "advice_reuse_confirmation" ("child_id", "request_id", "contribution_id", "party"),
    /// One "all about me" per (child, version).
    AllAboutMeVersion = "ux_aam_version" on "all_about_me_version" ("child_id", "version"),
    /// One agency per external identifier (scheme and value).
    AgencyIdentifier = "ux_agency_identifier_value" on "agency_identifier" ("scheme", "value"),
}

impl Constraint {
    /// The constraint with this name, as PostgreSQL reports it (and SQLite
    /// for a `CHECK`).
    fn named(name: &str) -> Option<Self> {
        if let Some((c, ..)) = Self::UNIQUE.iter().find(|(_, n, ..)| *n == name) {
            return Some(*c);
        }
        migrations::code_checks()
            .into_iter()
            .find(|check| check.name == name)
            .map(|check| Constraint::Code(check.name))
    }

    /// The unique constraint over exactly these columns of `table`.
    fn on_columns(table: &str, columns: &[&str]) -> Option<Self> {
        Self::UNIQUE
            .iter()
            .find(|(_, _, t, cols)| *t == table && *cols == columns)
            .map(|(c, ..)| *c)
    }
}

/// The constraint a database error reports, if it is one we name.
///
/// PostgreSQL reports the violated constraint's name (for a unique index,
/// the index name), which sqlx gives as `DatabaseError::constraint()`; that
/// is what we key on. SQLite reports no name for a unique violation:
/// sqlx's `SqliteError::constraint()` is always `None` and sea-orm's
/// `DbErr::sql_err()` only hands back the message. What SQLite does give is
/// its fixed, documented form `UNIQUE constraint failed: table.col[, table.col]`
/// under the extended code `SQLITE_CONSTRAINT_UNIQUE` (sqlx's
/// `ErrorKind::UniqueViolation`), so on SQLite we read the (table, columns)
/// from it and look them up in the declaration of [`Constraint`], where each
/// index's table and columns stand next to its name. A `CHECK` violation
/// carries its constraint name on both backends (`CHECK constraint failed:
/// name` on SQLite). Nothing else of the message text is consulted.
pub fn constraint_of(e: &DbErr) -> Option<Constraint> {
    let (DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e))) = e else {
        return None;
    };
    let sea_orm::sqlx::Error::Database(db) = &**e else {
        return None;
    };
    if let Some(name) = db.constraint() {
        return Constraint::named(name);
    }
    let message = db.message();
    match db.kind() {
        ErrorKind::UniqueViolation => {
            let list = message.strip_prefix("UNIQUE constraint failed: ")?;
            let mut table = None;
            let mut columns = Vec::new();
            for qualified in list.split(", ") {
                let (t, c) = qualified.split_once('.')?;
                if *table.get_or_insert(t) != t {
                    return None;
                }
                columns.push(c);
            }
            Constraint::on_columns(table?, &columns)
        }
        ErrorKind::CheckViolation => {
            Constraint::named(message.strip_prefix("CHECK constraint failed: ")?)
        }
        _ => None,
    }
}
