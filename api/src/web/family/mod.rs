//! The Parent Portal, `/family`: for a parent (or anyone with parental
//! responsibility) and for a young person deciding for themselves. Every
//! page asks the schema as the visitor, so it shows what the door lets
//! them see and nothing else.

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use minijinja::context;
use serde_json::{Value, json};

pub mod sharing;

use super::gql;
use super::session::Visitor;
use super::view::{PageError, page};
use crate::http::state::AppState;

/// The family pages' routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/family", get(children))
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
    let children: Vec<Value> = me
        .get("children")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|c| {
            let identity = c.get("identity").cloned().unwrap_or(Value::Null);
            json!({
                "id": c.get("id"),
                "name": child_name(&identity),
                "dateOfBirth": identity.get("dateOfBirth"),
            })
        })
        .collect();
    page(
        &visitor,
        "family/children.html",
        context! { nav => "children", children => children },
    )
}
