//! The Parent Portal, `/family`: for a parent (or anyone with parental
//! responsibility) and for a young person deciding for themselves. Every
//! page asks the schema as the visitor, so it shows what the door lets
//! them see and nothing else.

pub mod about;
pub mod history;
pub mod record;

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use minijinja::context;
use serde_json::{Value, json};

mod plan;
pub mod sharing;

use super::gql;
use super::session::Visitor;
use super::view::{PageError, page};
use crate::http::state::AppState;

/// The family pages' routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/family", get(children))
        .merge(plan::routes())
        .route("/family/children/{id}/record", get(record::record))
        .route("/family/children/{id}/history", get(history::history))
        .route(
            "/family/children/{id}/all-about-me",
            get(about::show).post(about::update),
        )
        .merge(sharing::routes())
}

const CHILDREN: &str =
    "query { me { children { id identity { givenName familyName preferredName dateOfBirth } } } }";

/// The name a family page uses for a child.
pub fn child_name(identity: &Value) -> String {
    let given = identity
        .get("preferredName")
        .and_then(Value::as_str)
        .or_else(|| identity.get("givenName").and_then(Value::as_str))
        .unwrap_or_default();
    let family = identity
        .get("familyName")
        .and_then(Value::as_str)
        .unwrap_or_default();
    format!("{given} {family}").trim().to_owned()
}

/// `GET /family`: *My children*.
async fn children(State(state): State<AppState>, visitor: Visitor) -> Result<Response, PageError> {
    let visitor = visitor.family()?;
    let answer = gql::run(&state, &visitor, None, CHILDREN, json!({})).await?;
    let me = answer.root("me")?;
    let mut children: Vec<Value> = Vec::new();
    for c in me
        .get("children")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let identity = c.get("identity").cloned().unwrap_or(Value::Null);
        let name = record::name_or_default(Some(&identity));
        let read_only = if visitor.is_young_person() {
            None
        } else {
            read_only(&state, &visitor, c.get("id"), &name).await?
        };
        children.push(json!({
            "id": c.get("id"),
            "name": name,
            "dateOfBirth": identity.get("dateOfBirth"),
            "readOnly": read_only,
        }));
    }
    page(
        &visitor,
        "family/children.html",
        context! { nav => "children", children => children },
    )
}

const WHO_DECIDES: &str =
    "query($id: ID!) { whoDecides(childId: $id) { authority { scope decidedBy } } }";

/// Why a parent may only look, not decide, in words: when no part of the
/// record is theirs to decide any more (the young person is past the
/// hand-over at 16), or only the parts a capacity assessment gives them.
async fn read_only(
    state: &AppState,
    visitor: &Visitor,
    id: Option<&Value>,
    name: &str,
) -> Result<Option<String>, PageError> {
    let answer = gql::run(state, visitor, None, WHO_DECIDES, json!({ "id": id })).await?;
    let deciders: Vec<&str> = answer
        .data
        .pointer("/whoDecides/authority")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|a| a.get("decidedBy").and_then(Value::as_str))
        .collect();
    Ok(view_only_reason(&deciders, name))
}

/// The "View only" words from who decides each part of the record.
pub fn view_only_reason(deciders: &[&str], name: &str) -> Option<String> {
    if deciders.is_empty() || deciders.contains(&"PARENTAL_RESPONSIBILITY") {
        return None;
    }
    Some(if deciders.contains(&"ACTING_FOR_YOUNG_PERSON") {
        format!(
            "{name} is past the end of compulsory school age, so {name} decides who sees their record. You can act for {name} only in the parts where an assessment found they cannot decide for themselves."
        )
    } else {
        format!(
            "{name} is past the end of compulsory school age, so {name} decides who sees their record now."
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_parent_is_view_only_once_nothing_is_theirs_to_decide() {
        assert_eq!(
            view_only_reason(&["PARENTAL_RESPONSIBILITY", "YOUNG_PERSON"], "Sam"),
            None
        );
        assert_eq!(view_only_reason(&[], "Sam"), None);
        let all = view_only_reason(&["YOUNG_PERSON", "YOUNG_PERSON"], "Chloe").expect("view only");
        assert!(all.contains("Chloe decides"), "{all}");
        let some = view_only_reason(&["YOUNG_PERSON", "ACTING_FOR_YOUNG_PERSON"], "Chloe")
            .expect("view only");
        assert!(some.contains("cannot decide for themselves"), "{some}");
    }
}
