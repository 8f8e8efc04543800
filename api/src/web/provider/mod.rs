//! The Provider Portal, `/provider`: for a practitioner of a registered
//! agency, e.g. a paediatrician asked for advice with no partner system of
//! their own. Every page asks the schema as the practitioner, stating the
//! purpose of use the page serves (EHC_ASSESSMENT: the requests are part
//! of an EHC needs assessment).
//!
//! - `requests`: `/provider`, the agency's advice requests;
//! - `request`: `/provider/requests/{id}`, one request and the child's
//!   record as the practitioner's basis allows;
//! - `advice`: `/provider/requests/{id}/advice`, the advice form built
//!   from the profession's template.

mod advice;
mod request;
mod requests;

use axum::Router;
use axum::routing::get;
use serde_json::{Value, json};
use uuid::Uuid;

use super::gql;
use super::session::Visitor;
use super::view::PageError;
use crate::http::state::AppState;

/// The provider pages' routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/provider", get(requests::list))
        .route("/provider/requests/{id}", get(request::show))
        .route(
            "/provider/requests/{id}/advice",
            get(advice::form).post(advice::submit),
        )
}

/// The purpose every provider page states.
const PURPOSE: Option<consent::Purpose> = Some(consent::Purpose::EhcAssessment);

/// A request's fields the pages show.
const REQUEST_FIELDS: &str = "id childId assessmentId scope profession askedOn dueOn targetOn
  status exception { label since } answeredOn answer contributionId";

/// A request id from the path: anything but a UUID is the same "not
/// found" as a request that is not there.
fn request_id(raw: &str) -> Result<Uuid, PageError> {
    Uuid::parse_str(raw).map_err(|_| PageError::NotFound)
}

/// One request addressed to the visitor's agency (NOT_FOUND for another
/// agency's, as for none), shaped for a page.
async fn one_request(state: &AppState, visitor: &Visitor, id: Uuid) -> Result<Value, PageError> {
    let query = format!("query($id: ID!) {{ adviceRequest(id: $id) {{ {REQUEST_FIELDS} }} }}");
    let answer = gql::run(state, visitor, PURPOSE, &query, json!({ "id": id })).await?;
    Ok(shaped(answer.root("adviceRequest")?))
}

/// The short form of an id, for a request whose child may not be named.
fn short(id: &str) -> String {
    id.chars().take(8).collect()
}

/// A status tag: (words, GOV.UK tag modifier).
fn status_tag(status: &str, exception: Option<&str>) -> (String, &'static str) {
    match status {
        "ON_TRACK" => ("Open".to_owned(), "govuk-tag--blue"),
        "DUE_SOON" => ("Due soon".to_owned(), "govuk-tag--yellow"),
        "OVERDUE" => ("Overdue".to_owned(), "govuk-tag--red"),
        "DONE" => ("Done".to_owned(), "govuk-tag--green"),
        "DONE_LATE" => ("Done late".to_owned(), "govuk-tag--grey"),
        "EXCEPTION_APPLIES" => (
            match exception {
                Some(why) => format!("Delayed: {why}"),
                None => "Delayed".to_owned(),
            },
            "govuk-tag--orange",
        ),
        _ => ("Unknown".to_owned(), "govuk-tag--grey"),
    }
}

/// What a request asks, in words: the part of the record and the
/// profession whose template answers it.
fn asked_words(scope: &str, profession: Option<&str>) -> (String, Option<&'static str>) {
    let scope = scope.parse::<domain::Scope>().map_or_else(
        |_| "Part of the record".to_owned(),
        |s| s.label().to_owned(),
    );
    let profession = profession
        .and_then(|p| p.parse::<domain::template::Profession>().ok())
        .map(domain::template::Profession::label);
    (scope, profession)
}

/// A request from the API, with the words the templates show.
fn shaped(r: &Value) -> Value {
    let text = |k: &str| r.get(k).and_then(Value::as_str);
    let exception = r
        .get("exception")
        .and_then(|x| x.get("label"))
        .and_then(Value::as_str);
    let (status, tag) = status_tag(text("status").unwrap_or_default(), exception);
    let (scope, profession) = asked_words(text("scope").unwrap_or_default(), text("profession"));
    let mut out = r.clone();
    if let Some(o) = out.as_object_mut() {
        o.insert("statusText".into(), json!(status));
        o.insert("statusTag".into(), json!(tag));
        o.insert("scopeText".into(), json!(scope));
        o.insert("professionText".into(), json!(profession));
        o.insert("short".into(), json!(short(text("id").unwrap_or_default())));
        o.insert("answered".into(), json!(text("answeredOn").is_some()));
    }
    out
}

/// The child's name as the visitor may see it (IDENTITY), if at all.
async fn child_name(
    state: &AppState,
    visitor: &Visitor,
    child: &str,
) -> Result<Option<String>, PageError> {
    const NAME: &str =
        "query($id: ID!) { child(id: $id) { identity { givenName familyName preferredName } } }";
    let answer = gql::run(state, visitor, PURPOSE, NAME, json!({ "id": child })).await?;
    let identity = answer
        .data
        .get("child")
        .and_then(|c| c.get("identity"))
        .filter(|i| !i.is_null());
    Ok(identity
        .map(super::family::child_name)
        .filter(|n| !n.is_empty()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_reads_in_words() {
        for s in [
            "ON_TRACK",
            "DUE_SOON",
            "OVERDUE",
            "DONE",
            "DONE_LATE",
            "EXCEPTION_APPLIES",
        ] {
            let (words, tag) = status_tag(s, None);
            assert!(!words.contains('_'), "{s}: {words}");
            assert!(tag.starts_with("govuk-tag--"));
        }
        assert_eq!(
            status_tag("EXCEPTION_APPLIES", Some("the family is away")).0,
            "Delayed: the family is away"
        );
    }

    #[test]
    fn what_is_asked_reads_in_words() {
        let (scope, profession) = asked_words("COMMUNICATION", Some("SPEECH_LANGUAGE_THERAPY"));
        assert_eq!(scope, "Speech, language and communication");
        assert_eq!(profession, Some("a speech and language therapist"));
        assert_eq!(asked_words("NOT_A_SCOPE", None).1, None);
    }

    #[test]
    fn a_path_that_is_not_an_id_is_not_found() {
        assert_eq!(request_id("not-a-uuid"), Err(PageError::NotFound));
        assert!(request_id("0192f3a0-0000-7000-8000-000000000001").is_ok());
    }
}
