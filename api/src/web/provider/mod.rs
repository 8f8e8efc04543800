//! The Provider Portal, `/provider`: for a practitioner of a registered
//! agency, e.g. a paediatrician asked for advice with no partner system of
//! their own. Every page asks the schema as the practitioner, stating the
//! purpose of use the page serves.

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use minijinja::context;
use serde_json::json;

use super::gql;
use super::session::Visitor;
use super::view::{PageError, page};
use crate::http::state::AppState;

/// The provider pages' routes.
pub fn routes() -> Router<AppState> {
    Router::new().route("/provider", get(home))
}

const REQUESTS: &str = "query { adviceRequests { id dueOn status } }";

/// `GET /provider`: the agency's advice requests.
async fn home(State(state): State<AppState>, visitor: Visitor) -> Result<Response, PageError> {
    let visitor = visitor.practitioner()?;
    let answer = gql::run(
        &state,
        &visitor,
        Some(consent::Purpose::EhcAssessment),
        REQUESTS,
        json!({}),
    )
    .await?;
    let requests = answer.root("adviceRequests")?.clone();
    page(
        &visitor,
        "provider/home.html",
        context! { nav => "requests", requests => requests },
    )
}
