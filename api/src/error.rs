//! The hub's one error type and its stable codes (`extensions.code` in
//! GraphQL), independent of any transport.
//!
//! `Error` deliberately does not implement `Display`: async-graphql turns
//! any `Display` type into a GraphQL error carrying its text, which is how SQL
//! leaks to clients. Without `Display`, the only way into a GraphQL error is
//! the `From` impl in `graphql::error`, which logs internal causes once and
//! shows a generic message.

use consent::{Denial, DenialCode};
use domain::{InvalidInput, Scope};
use sea_orm::DbErr;
use store::{Constraint, StoreError};

/// Stable error codes, as they appear in `extensions.code`.
pub mod code {
    pub const UNAUTHENTICATED: &str = "UNAUTHENTICATED";
    pub const FORBIDDEN: &str = "FORBIDDEN";
    pub const NOT_FOUND: &str = "NOT_FOUND";
    pub const BAD_USER_INPUT: &str = "BAD_USER_INPUT";
    pub const INTERNAL: &str = "INTERNAL";
    /// The document is not valid GraphQL syntax.
    pub const GRAPHQL_PARSE_FAILED: &str = "GRAPHQL_PARSE_FAILED";
    /// The document does not fit the schema (unknown field, wrong type).
    pub const GRAPHQL_VALIDATION_FAILED: &str = "GRAPHQL_VALIDATION_FAILED";
    /// The request took longer than the hub allows.
    pub const TIMEOUT: &str = "TIMEOUT";
}

/// Everything that can go wrong while answering a request.
#[derive(Debug)]
pub enum Error {
    /// The caller's role does not allow the operation at all.
    Forbidden(String),
    /// No such thing, or nothing the caller may know exists.
    NotFound(&'static str),
    /// No such child, or nothing of it may be shown to this caller; for a
    /// practitioner, says what their purpose needs (the same words whatever
    /// the child).
    NoRecord(Option<consent::Purpose>),
    /// Bad input, naming the field.
    BadInput(InvalidInput),
    /// Bad input with several problems, each at its path inside `field`
    /// (structured advice that does not fit its template).
    Problems {
        field: &'static str,
        message: String,
        /// (path, what is wrong there).
        problems: Vec<(String, String)>,
    },
    /// A scope withheld by the access decision.
    Withheld(Scope, Denial),
    /// An action on a scope that the agreement or role never allows.
    NotPermitted(Scope, String),
    /// The database failed; the cause is logged, never shown.
    Database(DbErr),
    /// Anything else unexpected; logged, never shown.
    Internal(anyhow::Error),
}

impl Error {
    pub fn bad_input(field: &'static str, message: impl Into<String>) -> Self {
        Self::BadInput(InvalidInput::new(field, message))
    }

    /// The `extensions.code` this error carries.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Forbidden(_) => code::FORBIDDEN,
            Error::NotFound(_) | Error::NoRecord(_) => code::NOT_FOUND,
            Error::BadInput(_) | Error::Problems { .. } => code::BAD_USER_INPUT,
            Error::Withheld(_, denial) => denial.code.code(),
            Error::NotPermitted(..) => DenialCode::NotPermitted.code(),
            Error::Database(_) | Error::Internal(_) => code::INTERNAL,
        }
    }
}

impl From<DbErr> for Error {
    fn from(e: DbErr) -> Self {
        Self::Database(e)
    }
}

/// What a storage failure means to the caller: the one place a constraint's
/// name becomes a user-facing message naming an argument.
impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        let conflict = |field, message: &str| Error::bad_input(field, message.to_owned());
        match e {
            StoreError::NotFound(what) => Error::NotFound(what),
            StoreError::Conflict(c) => match c {
                Constraint::ChildNhsNumber => conflict(
                    "nhsNumber",
                    "a child with this NHS number is already registered",
                ),
                Constraint::ChildUpn => {
                    conflict("upn", "a child with this UPN is already registered")
                }
                // The rule's own refusal: the write lost a race to an equal one.
                Constraint::WithdrawalGrant => consent::GrantError::AlreadyWithdrawn.into(),
                Constraint::ConfirmationGrant => {
                    conflict("grantId", "this consent has already been confirmed")
                }
                Constraint::ReviewOverride => {
                    conflict("id", "this override has already been reviewed")
                }
                Constraint::ApprovalOverride => consent::ApprovalError::AlreadyApproved.into(),
                Constraint::ContributionSupersedes => {
                    conflict("supersedes", "that contribution has already been replaced")
                }
                Constraint::AdviceAnswerRequest => domain::ehc::AdviceError::AlreadyAnswered.into(),
                Constraint::ReuseConfirmationParty => conflict(
                    "contributionId",
                    "this confirmation has already been recorded for this request",
                ),
                Constraint::AgencyIdentifier => conflict(
                    "identifiers",
                    "another agency already holds this identifier",
                ),
                // Nothing a caller did: a concurrent write slipped past the
                // chain lock, or a writer stored a bad code.
                Constraint::AllAboutMeVersion | Constraint::Code(_) => {
                    Error::Internal(anyhow::anyhow!("constraint {} refused the write", c.name()))
                }
            },
            StoreError::Corrupt(what) => {
                Error::Internal(anyhow::anyhow!("stored data is not valid: {what}"))
            }
            StoreError::Database(db) => Error::Database(db),
        }
    }
}

impl From<InvalidInput> for Error {
    fn from(e: InvalidInput) -> Self {
        Self::BadInput(e)
    }
}

impl From<anyhow::Error> for Error {
    fn from(e: anyhow::Error) -> Self {
        Self::Internal(e)
    }
}

/// A pure rule's refusal about one input field becomes BAD_USER_INPUT
/// naming that field, with the rule's own words.
macro_rules! bad_input_from {
    ($($rule:ty),+ $(,)?) => {$(
        impl From<$rule> for Error {
            fn from(e: $rule) -> Self {
                Self::bad_input(e.field(), e.to_string())
            }
        }
    )+};
}

bad_input_from!(
    domain::template::TemplateError,
    domain::checklist::NotRequiredError,
    domain::checklist::OpenItems,
    consent::GrantError,
    consent::OverrideError,
    domain::ehc::StartError,
    domain::ehc::StepError,
    domain::ehc::AdviceError,
    domain::ehc::ExceptionError,
);

/// Structured advice that does not fit its template: every problem, at
/// its path, in one error.
impl From<domain::template::ContentError> for Error {
    fn from(e: domain::template::ContentError) -> Self {
        Self::Problems {
            field: e.field(),
            message: e.to_string(),
            problems: e
                .problems
                .iter()
                .map(|p| (p.path.clone(), p.kind.to_string()))
                .collect(),
        }
    }
}

/// A refusal that names no field is the rule refusing the caller:
/// FORBIDDEN, with the rule's words.
macro_rules! forbidden_unless_field {
    ($($rule:ty),+ $(,)?) => {$(
        impl From<$rule> for Error {
            fn from(e: $rule) -> Self {
                match e.field() {
                    Some(field) => Self::bad_input(field, e.to_string()),
                    None => Self::Forbidden(e.to_string()),
                }
            }
        }
    )+};
}

forbidden_unless_field!(
    consent::AuthorityError,
    consent::ConfirmError,
    consent::AddressWithheldError,
    consent::ApprovalError,
    consent::StandingError,
);

/// The generic text shown for internal errors.
pub const INTERNAL_MESSAGE: &str =
    "internal error: the request could not be completed; it has been logged";

/// A result of the hub.
pub type Result<T, E = Error> = std::result::Result<T, E>;
