//! How the hub's [`Error`] becomes a GraphQL error: a message, and
//! `extensions.code` (plus `field` or `scope` where they help the client).

use async_graphql::ErrorExtensions as _;
use consent::DenialCode;

use crate::error::{Error, INTERNAL_MESSAGE};

impl From<Error> for async_graphql::Error {
    fn from(e: Error) -> Self {
        let code = e.code();
        match e {
            Error::Forbidden(message) => {
                async_graphql::Error::new(message).extend_with(|_, x| x.set("code", code))
            }
            Error::NotFound(what) => async_graphql::Error::new(format!("{what} not found"))
                .extend_with(|_, x| x.set("code", code)),
            Error::NoRecord(purpose) => async_graphql::Error::new(match purpose {
                // These two name a fact about the child: without it not even
                // the family's agreement opens the record.
                Some(p @ (consent::Purpose::EhcAssessment | consent::Purpose::AnnualReview)) => {
                    format!(
                        "child not found, or nothing of it may be shown to you: {}",
                        consent::purpose_requirement(p)
                    )
                }
                Some(p) => format!(
                    "child not found, or nothing of it may be shown to you: {}, unless the family has agreed to share with you",
                    consent::purpose_requirement(p)
                ),
                None => "child not found".to_owned(),
            })
            .extend_with(|_, x| x.set("code", code)),
            Error::BadInput(input) => {
                async_graphql::Error::new(input.to_string()).extend_with(|_, x| {
                    x.set("code", code);
                    x.set("field", input.field);
                })
            }
            Error::Problems {
                field,
                message,
                problems,
            } => async_graphql::Error::new(message).extend_with(|_, x| {
                x.set("code", code);
                x.set("field", field);
                let list: Vec<async_graphql::Value> = problems
                    .iter()
                    .map(|(path, problem)| {
                        let mut m = async_graphql::indexmap::IndexMap::new();
                        m.insert(
                            async_graphql::Name::new("path"),
                            async_graphql::Value::from(path.as_str()),
                        );
                        m.insert(
                            async_graphql::Name::new("message"),
                            async_graphql::Value::from(problem.as_str()),
                        );
                        async_graphql::Value::Object(m)
                    })
                    .collect();
                x.set("problems", list);
            }),
            Error::Withheld(scope, denial) => {
                let advice = match denial.code {
                    DenialCode::ConsentRequired => "ask the family for consent to share it",
                    DenialCode::NotPermitted => "it is not shared with you",
                    DenialCode::PurposeNotEstablished => {
                        "state a purpose that holds for this child, or ask the family to agree to share it"
                    }
                };
                async_graphql::Error::new(format!(
                    "{} is withheld: {}; {advice}",
                    scope.code(),
                    denial.reason
                ))
                .extend_with(|_, x| {
                    x.set("code", code);
                    x.set("scope", scope.code());
                    x.set("reason", denial.reason.as_str());
                })
            }
            Error::NotPermitted(scope, reason) => {
                async_graphql::Error::new(reason).extend_with(|_, x| {
                    x.set("code", code);
                    x.set("scope", scope.code());
                })
            }
            Error::Database(db) => {
                tracing::error!(error = %db, kind = "database", "request failed");
                async_graphql::Error::new(INTERNAL_MESSAGE).extend_with(|_, x| x.set("code", code))
            }
            Error::Internal(err) => {
                tracing::error!(
                    error = format!("{err:#}"),
                    kind = "internal",
                    "request failed"
                );
                async_graphql::Error::new(INTERNAL_MESSAGE).extend_with(|_, x| x.set("code", code))
            }
        }
    }
}
