//! A page's one way to data: a GraphQL operation run in-process, as the
//! signed-in visitor, through the same schema, guard, door and trace as
//! `POST /graphql`. The request context is built by the one
//! [`context_for`]; the trace entries are durable before the answer is
//! returned (as `POST /graphql` waits before it sends a byte).

use async_graphql::{Request, Variables};
use consent::Purpose;
use serde_json::Value;

use super::session::{Visitor, now};
use super::view::PageError;
use crate::graphql::guard;
use crate::http::auth::context_for;
use crate::http::state::AppState;

/// One error of an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The hub's error code (`FORBIDDEN`, `BAD_USER_INPUT`, …).
    pub code: String,
    pub message: String,
    /// Where in the answer (`child.mentalHealth`), if anywhere.
    pub path: Vec<String>,
    /// The input field a BAD_USER_INPUT names (`extensions.field`).
    pub field: Option<String>,
    /// Each problem of a BAD_USER_INPUT that lists several
    /// (`extensions.problems`): (path in the input, message).
    pub problems: Vec<(String, String)>,
}

/// What the schema answered: the data (partial where fields were
/// withheld) and the errors.
#[derive(Debug, Clone)]
pub struct Answer {
    pub data: Value,
    pub errors: Vec<ApiError>,
}

impl Answer {
    /// The errors whose path starts with `prefix`.
    pub fn errors_at<'a>(&'a self, prefix: &'a [&'a str]) -> impl Iterator<Item = &'a ApiError> {
        self.errors.iter().filter(move |e| {
            e.path.len() >= prefix.len() && e.path.iter().zip(prefix).all(|(a, b)| a == b)
        })
    }

    /// The answer's `field`, or the page error its failure means: the
    /// root field is null only when the whole operation was refused.
    pub fn root(&self, field: &str) -> Result<&Value, PageError> {
        match self.data.get(field) {
            Some(v) if !v.is_null() => Ok(v),
            _ => Err(self
                .errors_at(&[field])
                .chain(self.errors.iter().filter(|e| e.path.is_empty()))
                .next()
                .map_or(PageError::NotFound, page_error)),
        }
    }
}

/// The page error an API error means, in plain words.
pub fn page_error(e: &ApiError) -> PageError {
    match e.code.as_str() {
        "NOT_FOUND" => PageError::NotFound,
        "FORBIDDEN" | "CONSENT_REQUIRED" | "PURPOSE_REQUIRED" | "UNAUTHENTICATED" => {
            PageError::Forbidden(
                "Your account does not allow this. If you think it should, contact the council's SEND team."
                    .to_owned(),
            )
        }
        // The API's wording names its own fields: pages say it in words.
        "BAD_USER_INPUT" => PageError::BadRequest(
            "Something in the request was not right. Go back and try again.".to_owned(),
        ),
        _ => PageError::Internal,
    }
}

/// Runs `query` with `variables` as `visitor`, stating `purpose` (a
/// practitioner's purpose of use, as the `X-Purpose-Of-Use` header does).
pub async fn run(
    state: &AppState,
    visitor: &Visitor,
    purpose: Option<Purpose>,
    query: &str,
    variables: Value,
) -> Result<Answer, PageError> {
    let mut principal = visitor.principal.clone();
    principal.purpose = purpose;
    let context = context_for(
        state,
        principal,
        visitor.request_id.clone(),
        None,
        now(state),
    );
    let mut request = Request::new(query).variables(Variables::from_json(variables));
    match guard::check(&request.query, &request.variables, &state.document_limits) {
        Ok(doc) => {
            request.set_parsed_query(doc);
            request.data.insert(guard::Checked::Passed);
        }
        Err(refusal) => {
            // The page's own operation is refused: a defect of the page.
            tracing::error!(
                ?refusal,
                "a page's GraphQL operation was refused by the guard"
            );
            return Err(PageError::Internal);
        }
    }
    let response = state.schema.execute(request.data(context.clone())).await;
    if context.finish().await.is_err() {
        // Nothing is shown unless its disclosure is on the trace.
        return Err(PageError::Internal);
    }
    let data = response.data.into_json().unwrap_or(Value::Null);
    let errors = response
        .errors
        .into_iter()
        .map(|e| ApiError {
            code: e
                .extensions
                .as_ref()
                .and_then(|x| x.get("code"))
                .map(|v| v.to_string().trim_matches('"').to_owned())
                .unwrap_or_default(),
            field: e
                .extensions
                .as_ref()
                .and_then(|x| x.get("field"))
                .and_then(|v| match v {
                    async_graphql::Value::String(s) => Some(s.clone()),
                    _ => None,
                }),
            problems: e
                .extensions
                .as_ref()
                .and_then(|x| x.get("problems"))
                .map(problems_of)
                .unwrap_or_default(),
            message: e.message,
            path: e
                .path
                .into_iter()
                .map(|p| match p {
                    async_graphql::PathSegment::Field(f) => f,
                    async_graphql::PathSegment::Index(i) => i.to_string(),
                })
                .collect(),
        })
        .collect();
    Ok(Answer { data, errors })
}

/// `extensions.problems`: a list of `{ path, message }`.
fn problems_of(v: &async_graphql::Value) -> Vec<(String, String)> {
    let text =
        |o: &async_graphql::indexmap::IndexMap<async_graphql::Name, async_graphql::Value>,
         k: &str| match o.get(k) {
            Some(async_graphql::Value::String(s)) => s.clone(),
            _ => String::new(),
        };
    match v {
        async_graphql::Value::List(items) => items
            .iter()
            .filter_map(|p| match p {
                async_graphql::Value::Object(o) => Some((text(o, "path"), text(o, "message"))),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}
