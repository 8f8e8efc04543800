//! `GET /provider`: the advice requests addressed to the practitioner's
//! agency, open ones first by due date, each with the child named only
//! where the practitioner's basis shows who the child is.

use std::collections::HashMap;

use axum::extract::State;
use axum::response::Response;
use minijinja::context;
use serde_json::{Value, json};

use super::{PURPOSE, REQUEST_FIELDS, child_name, shaped};
use crate::http::state::AppState;
use crate::web::gql;
use crate::web::session::Visitor;
use crate::web::view::{PageError, page};

/// `GET /provider`.
pub(super) async fn list(
    State(state): State<AppState>,
    visitor: Visitor,
) -> Result<Response, PageError> {
    let visitor = visitor.practitioner()?;
    let query = format!("query {{ adviceRequests {{ {REQUEST_FIELDS} }} }}");
    let answer = gql::run(&state, &visitor, PURPOSE, &query, json!({})).await?;
    let mut requests: Vec<Value> = answer
        .root("adviceRequests")?
        .as_array()
        .into_iter()
        .flatten()
        .map(shaped)
        .collect();
    sort(&mut requests);
    // Each child's name as the door shows it to this practitioner: asked
    // once per child.
    let mut names: HashMap<String, Option<String>> = HashMap::new();
    for r in &mut requests {
        let child = r
            .get("childId")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        if !names.contains_key(&child) {
            let name = child_name(&state, &visitor, &child).await?;
            names.insert(child.clone(), name);
        }
        if let Some(o) = r.as_object_mut() {
            o.insert(
                "childName".into(),
                json!(names.get(&child).cloned().flatten()),
            );
        }
    }
    page(
        &visitor,
        "provider/home.html",
        context! { nav => "requests", requests => requests },
    )
}

/// Open requests first, soonest due first; then the answered ones, most
/// recently answered first.
fn sort(requests: &mut [Value]) {
    let key = |r: &Value| {
        let text = |k: &str| {
            r.get(k)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        let answered = text("answeredOn");
        (!answered.is_empty(), text("dueOn"), answered)
    };
    requests.sort_by(|a, b| {
        let (ka, kb) = (key(a), key(b));
        match (ka.0, kb.0) {
            (false, false) => ka.1.cmp(&kb.1),
            (true, true) => kb.2.cmp(&ka.2),
            (x, y) => x.cmp(&y),
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_requests_come_first_soonest_due_first() {
        let mut list = vec![
            json!({ "id": "done-old", "dueOn": "2026-01-01", "answeredOn": "2026-01-01" }),
            json!({ "id": "open-late", "dueOn": "2026-03-01", "answeredOn": null }),
            json!({ "id": "done-new", "dueOn": "2026-02-01", "answeredOn": "2026-02-10" }),
            json!({ "id": "open-soon", "dueOn": "2026-02-01" }),
        ];
        sort(&mut list);
        let ids: Vec<&str> = list.iter().filter_map(|r| r["id"].as_str()).collect();
        assert_eq!(ids, ["open-soon", "open-late", "done-new", "done-old"]);
    }
}
