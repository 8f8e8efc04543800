//! `/family/children/{id}/all-about-me`: the family's own words (EHC plan
//! section A), a form that writes a new version through
//! `updateAllAboutMe`, and the earlier versions with who wrote each.
//! Someone who may not change it sees it read-only, with why in words.

use crate::web::form::PageForm;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Deserialize;
use serde_json::{Value, json};

use super::record::{child_id, name_or_default};
use crate::http::state::AppState;
use crate::web::gql;
use crate::web::session::Visitor;
use crate::web::view::{PageError, page};

const ABOUT: &str = r#"query($id: ID!) {
  child(id: $id) {
    id
    identity { givenName familyName preferredName }
    access { scope allowed explanation }
    allAboutMe { whatMatters howToSupport aspirations history }
  }
  allAboutMeHistory(childId: $id) { version whatMatters howToSupport aspirations history writtenAs writtenAt }
}"#;

const UPDATE: &str = r#"mutation($id: ID!, $input: AllAboutMeInput!) {
  updateAllAboutMe(childId: $id, input: $input) { version }
}"#;

/// The four parts: (field name in the API and the form, question).
const PARTS: &[(&str, &str)] = &[
    ("whatMatters", "What matters to me"),
    ("howToSupport", "How best to support me"),
    ("aspirations", "My hopes for the future"),
    ("history", "My story so far"),
];

/// The form, as sent.
#[derive(Debug, Deserialize)]
pub struct AboutForm {
    #[serde(default)]
    csrf: String,
    #[serde(default, rename = "whatMatters")]
    what_matters: String,
    #[serde(default, rename = "howToSupport")]
    how_to_support: String,
    #[serde(default)]
    aspirations: String,
    #[serde(default)]
    history: String,
}

impl AboutForm {
    fn values(&self) -> Value {
        json!({
            "whatMatters": self.what_matters,
            "howToSupport": self.how_to_support,
            "aspirations": self.aspirations,
            "history": self.history,
        })
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct Shown {
    #[serde(default)]
    saved: Option<String>,
}

/// Who wrote a version, in words.
fn written_as(code: Option<&str>, child: &str) -> String {
    match code {
        Some("YOUNG_PERSON") => format!("{child}, in their own words"),
        Some("PARENT") => "A parent or carer".to_owned(),
        _ => "Someone in the family".to_owned(),
    }
}

/// An API error about a field, in the family's words.
fn field_message(field: &str, api_message: &str) -> String {
    let question = PARTS
        .iter()
        .find(|(f, _)| *f == field)
        .map_or("This answer", |(_, q)| *q);
    if api_message.contains("at most") {
        format!("'{question}' must be 20,000 characters or fewer")
    } else if api_message.contains("control characters") {
        format!("'{question}' has a character we cannot keep; type it again without it")
    } else {
        format!("Check your answer to '{question}'")
    }
}

struct Loaded {
    name: String,
    current: Value,
    versions: Vec<Value>,
    /// Why the visitor may not change it, if they may not.
    read_only: Option<String>,
}

async fn load(state: &AppState, visitor: &Visitor, id: uuid::Uuid) -> Result<Loaded, PageError> {
    let answer = gql::run(state, visitor, None, ABOUT, json!({ "id": id })).await?;
    let child = answer.root("child")?;
    let name = name_or_default(child.get("identity"));
    let access = child
        .get("access")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|a| a.get("scope").and_then(Value::as_str) == Some("ALL_ABOUT_ME"));
    let allowed = access
        .and_then(|a| a.get("allowed"))
        .and_then(Value::as_bool)
        == Some(true);
    let read_only = (!allowed).then(|| {
        access
            .and_then(|a| a.get("explanation"))
            .and_then(Value::as_str)
            .unwrap_or("You cannot see or change this part of the record.")
            .to_owned()
    });
    let mut versions: Vec<Value> = answer
        .data
        .get("allAboutMeHistory")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    versions.reverse();
    let versions = versions
        .into_iter()
        .map(|v| {
            let parts: Vec<Value> = PARTS
                .iter()
                .filter_map(|(f, q)| {
                    v.get(*f)
                        .and_then(Value::as_str)
                        .map(|t| json!({ "question": q, "answer": t }))
                })
                .collect();
            json!({
                "version": v.get("version"),
                "by": written_as(v.get("writtenAs").and_then(Value::as_str), &name),
                "at": v.get("writtenAt"),
                "parts": parts,
            })
        })
        .collect();
    Ok(Loaded {
        current: child.get("allAboutMe").cloned().unwrap_or(Value::Null),
        name,
        versions,
        read_only,
    })
}

fn render(
    visitor: &Visitor,
    id: uuid::Uuid,
    loaded: &Loaded,
    values: &Value,
    errors: &[(String, String)],
    saved: bool,
) -> Result<Response, PageError> {
    let parts: Vec<Value> = PARTS
        .iter()
        .map(|(f, q)| {
            json!({
                "field": f,
                "question": q,
                "current": loaded.current.get(*f),
                "value": values.get(*f),
                "error": errors.iter().find(|(ef, _)| ef == f).map(|(_, m)| m),
            })
        })
        .collect();
    let summary: Vec<Value> = errors
        .iter()
        .map(|(f, m)| json!({ "field": f, "message": m }))
        .collect();
    page(
        visitor,
        "family/about.html",
        context! {
            nav => "children",
            tab => "about",
            child_id => id.to_string(),
            child_name => loaded.name,
            parts => parts,
            versions => loaded.versions,
            read_only => loaded.read_only,
            young_person => visitor.is_young_person(),
            saved => saved,
            error_summary => summary,
        },
    )
}

/// `GET /family/children/{id}/all-about-me`.
pub async fn show(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    Query(shown): Query<Shown>,
) -> Result<Response, PageError> {
    let visitor = visitor.family()?;
    let id = child_id(&id)?;
    let loaded = load(&state, &visitor, id).await?;
    render(
        &visitor,
        id,
        &loaded,
        &loaded.current,
        &[],
        shown.saved.is_some(),
    )
}

/// `POST /family/children/{id}/all-about-me`: a new version.
pub async fn update(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    PageForm(form): PageForm<AboutForm>,
) -> Result<Response, PageError> {
    let visitor = visitor.family()?;
    visitor.check_csrf(&form.csrf)?;
    let id = child_id(&id)?;
    let answer = gql::run(
        &state,
        &visitor,
        None,
        UPDATE,
        json!({ "id": id, "input": form.values() }),
    )
    .await?;
    if answer
        .data
        .get("updateAllAboutMe")
        .is_some_and(|v| !v.is_null())
    {
        return Ok(Redirect::to(&format!(
            "/family/children/{id}/all-about-me?saved=1#versions"
        ))
        .into_response());
    }
    let Some(error) = answer.errors.first() else {
        return Err(PageError::Internal);
    };
    match error.code.as_str() {
        "BAD_USER_INPUT" => {
            let errors: Vec<(String, String)> = answer
                .errors
                .iter()
                .filter(|e| e.code == "BAD_USER_INPUT")
                .map(|e| {
                    let field = e
                        .field
                        .clone()
                        .filter(|f| PARTS.iter().any(|(p, _)| p == f))
                        .unwrap_or_else(|| "whatMatters".to_owned());
                    let message = field_message(&field, &e.message);
                    (field, message)
                })
                .collect();
            let loaded = load(&state, &visitor, id).await?;
            let mut r = render(&visitor, id, &loaded, &form.values(), &errors, false)?;
            *r.status_mut() = StatusCode::BAD_REQUEST;
            Ok(r)
        }
        "FORBIDDEN" => {
            // The API refuses: show the page read-only with why.
            let mut loaded = load(&state, &visitor, id).await?;
            if loaded.read_only.is_none() {
                loaded.read_only = Some(
                    "You cannot change this part of the record. The young person decides it now."
                        .to_owned(),
                );
            }
            let mut r = render(&visitor, id, &loaded, &loaded.current, &[], false)?;
            *r.status_mut() = StatusCode::FORBIDDEN;
            Ok(r)
        }
        _ => Err(gql::page_error(error)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_errors_read_as_words_naming_the_question() {
        assert_eq!(
            field_message("howToSupport", "must be at most 20000 characters"),
            "'How best to support me' must be 20,000 characters or fewer"
        );
        assert!(
            field_message("history", "must not contain control characters")
                .starts_with("'My story so far'")
        );
        assert_eq!(
            written_as(Some("YOUNG_PERSON"), "Chloe"),
            "Chloe, in their own words"
        );
        assert_eq!(written_as(Some("PARENT"), "Chloe"), "A parent or carer");
    }
}
