//! `GET /family/children/{id}/history`: *Who looked*, the child's access
//! history in plain words, newest first, a page at a time, narrowed by
//! agency and by dates (a GET form, so a filtered page can be bookmarked).

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, NaiveDate};
use minijinja::context;
use serde::Deserialize;
use serde_json::{Value, json};

use super::record::{child_id, name_or_default};
use crate::http::state::AppState;
use crate::web::gql;
use crate::web::session::{Visitor, urlencode};
use crate::web::view::{PageError, page, uk_midnight};

/// Lines on a page.
const PAGE: i32 = 20;

const HISTORY: &str = r#"query($id: ID!, $first: Int, $after: String, $agency: ID, $from: DateTime, $to: DateTime) {
  child(id: $id) { id identity { givenName familyName preferredName } }
  agencies { id name }
  accessHistory(childId: $id, first: $first, after: $after, filter: { agencyId: $agency, from: $from, to: $to, newestFirst: true }) {
    edges { node { at agencyName summary } }
    pageInfo { hasNextPage endCursor }
  }
}"#;

const NAME_AND_AGENCIES: &str = r#"query($id: ID!) {
  child(id: $id) { id identity { givenName familyName preferredName } }
  agencies { id name }
}"#;

/// The filter form, as sent.
#[derive(Debug, Default, Deserialize)]
pub struct Filter {
    #[serde(default)]
    agency: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    after: String,
}

/// A date from the form: empty is none; anything else must be a real date.
fn date(raw: &str) -> Result<Option<NaiveDate>, ()> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    // Four-digit years only: chrono accepts years far outside any record.
    NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .ok()
        .filter(|d| (1000..=9999).contains(&d.year()))
        .map(Some)
        .ok_or(())
}

/// The form's problems: (field id, message).
fn problems(
    filter: &Filter,
    agencies: &[Value],
) -> (
    Vec<(&'static str, String)>,
    Option<NaiveDate>,
    Option<NaiveDate>,
) {
    let mut errors = Vec::new();
    let from = date(&filter.from).unwrap_or_else(|()| {
        errors.push((
            "from",
            "Enter the 'from' date as a real date, for example 2026-12-01".to_owned(),
        ));
        None
    });
    let to = date(&filter.to).unwrap_or_else(|()| {
        errors.push((
            "to",
            "Enter the 'to' date as a real date, for example 2026-12-31".to_owned(),
        ));
        None
    });
    if let (Some(f), Some(t)) = (from, to)
        && t < f
    {
        errors.push((
            "to",
            "The 'to' date must be the same as or after the 'from' date".to_owned(),
        ));
    }
    if !filter.agency.is_empty()
        && !agencies
            .iter()
            .any(|a| a.get("id").and_then(Value::as_str) == Some(filter.agency.as_str()))
    {
        errors.push(("agency", "Choose a service from the list".to_owned()));
    }
    (errors, from, to)
}

/// `GET /family/children/{id}/history`.
pub async fn history(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    Query(filter): Query<Filter>,
) -> Result<Response, PageError> {
    let visitor = visitor.family()?;
    let id = child_id(&id)?;
    let first = gql::run(
        &state,
        &visitor,
        None,
        NAME_AND_AGENCIES,
        json!({ "id": id }),
    )
    .await?;
    let child = first.root("child")?;
    let name = name_or_default(child.get("identity"));
    let agencies: Vec<Value> = first
        .data
        .get("agencies")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let (errors, from, to) = problems(&filter, &agencies);
    let form = json!({ "agency": filter.agency, "from": filter.from, "to": filter.to });
    let base = |errors: Vec<Value>, lines: Vec<Value>, next: Option<String>| {
        let errs: serde_json::Map<String, Value> = errors
            .iter()
            .filter_map(|e| {
                Some((
                    e.get("field")?.as_str()?.to_owned(),
                    e.get("message")?.clone(),
                ))
            })
            .collect();
        context! {
            errs => errs,
            nav => "children",
            tab => "history",
            child_id => id.to_string(),
            child_name => name,
            agencies => agencies,
            form => form,
            error_summary => errors,
            lines => lines,
            next => next,
        }
    };
    if !errors.is_empty() {
        let errors: Vec<Value> = errors
            .into_iter()
            .map(|(field, message)| json!({ "field": field, "message": message }))
            .collect();
        let mut r = page(&visitor, "family/history.html", base(errors, vec![], None))?;
        *r.status_mut() = StatusCode::BAD_REQUEST;
        return Ok(r);
    }
    let from = from.and_then(uk_midnight);
    let to = to.and_then(|t| t.succ_opt()).and_then(uk_midnight);
    let answer = gql::run(
        &state,
        &visitor,
        None,
        HISTORY,
        json!({
            "id": id,
            "first": PAGE,
            "after": (!filter.after.is_empty()).then_some(&filter.after),
            "agency": (!filter.agency.is_empty()).then_some(&filter.agency),
            "from": from.map(|f| f.to_rfc3339()),
            "to": to.map(|t| t.to_rfc3339()),
        }),
    )
    .await?;
    let history = answer.root("accessHistory")?;
    let lines: Vec<Value> = history
        .get("edges")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|e| e.get("node").cloned())
        .collect();
    let info = history.get("pageInfo").cloned().unwrap_or(Value::Null);
    let next = match (
        info.get("hasNextPage").and_then(Value::as_bool),
        info.get("endCursor").and_then(Value::as_str),
    ) {
        (Some(true), Some(cursor)) => Some(format!(
            "?agency={}&from={}&to={}&after={}",
            urlencode(&filter.agency),
            urlencode(filter.from.trim()),
            urlencode(filter.to.trim()),
            urlencode(cursor)
        )),
        _ => None,
    };
    Ok(page(&visitor, "family/history.html", base(vec![], lines, next))?.into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(agency: &str, from: &str, to: &str) -> Filter {
        Filter {
            agency: agency.to_owned(),
            from: from.to_owned(),
            to: to.to_owned(),
            after: String::new(),
        }
    }

    #[test]
    fn bad_dates_and_unknown_agencies_are_named() {
        let agencies = vec![json!({ "id": "a1", "name": "Riverside" })];
        let (e, from, to) = problems(&filter("", "2026-12-01", ""), &agencies);
        assert!(e.is_empty());
        assert_eq!(from, NaiveDate::from_ymd_opt(2026, 12, 1));
        assert_eq!(to, None);
        let (e, ..) = problems(&filter("", "2026-02-30", "soon"), &agencies);
        let fields: Vec<&str> = e.iter().map(|(f, _)| *f).collect();
        assert_eq!(fields, vec!["from", "to"]);
        let (e, ..) = problems(&filter("", "2026-12-02", "2026-12-01"), &agencies);
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].0, "to");
        let (e, ..) = problems(&filter("nope", "", ""), &agencies);
        assert_eq!(e[0].0, "agency");
        let (e, ..) = problems(&filter("a1", "", ""), &agencies);
        assert!(e.is_empty());
    }
}
