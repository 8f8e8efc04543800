//! `/provider/requests/{id}/advice`: the advice form, generated from the
//! template of the profession the request asks (`adviceTemplate`): a
//! textarea for each TEXT section, rows of what / who / how often / how
//! long for each PROVISION section (more rows with "Add another item",
//! no JavaScript needed). Sending calls `submitAdvice` with the content
//! exactly as GraphQL takes it; the API's BAD_USER_INPUT names every
//! problem at its path, and each is shown next to its field.

use std::collections::HashMap;

use crate::web::form::PageForm;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde_json::{Value, json};
use uuid::Uuid;

use super::{PURPOSE, child_name, one_request, request_id};
use crate::http::state::AppState;
use crate::web::gql::{self, ApiError};
use crate::web::session::Visitor;
use crate::web::view::{PageError, page};

/// Provision rows shown at first.
const FIRST_ROWS: usize = 3;
/// At most this many rows (the API's bound on items in a section).
const MAX_ROWS: usize = domain::template::MAX_PROVISION_ITEMS;

const TEMPLATE: &str = "query($p: Profession!) { adviceTemplate(profession: $p) {
  profession version title sections { key title help kind required feedsTitle } } }";

const SUBMIT: &str = "mutation($r: ID!, $i: ContributionInput!) {
  submitAdvice(requestId: $r, input: $i) { id } }";

/// The four fields of a provision item: (API name, label).
const ITEM_FIELDS: [(&str, &str); 4] = [
    ("what", "What"),
    ("who", "Who"),
    ("howOften", "How often"),
    ("howLong", "How long"),
];

/// The most fields a sent form may have: every section's rows at their
/// limit, with room to spare; more is not a form this page made.
const MAX_FIELDS: usize = 2_000;

/// The form as the visitor filled it in.
#[derive(Debug, Default)]
struct Filled {
    title: Option<String>,
    /// TEXT sections' text, by key.
    text: HashMap<String, String>,
    /// PROVISION sections' rows, by key: each row's four fields.
    rows: HashMap<String, Vec<[String; 4]>>,
}

impl Filled {
    /// Reads the posted fields against the template's sections.
    fn read(fields: &[(String, String)], sections: &[Value]) -> Self {
        // One pass over the body (the first value of a name wins), so the
        // lookups below cost the same however many fields were posted.
        let mut by_name: HashMap<&str, &str> = HashMap::with_capacity(fields.len());
        for (k, v) in fields {
            by_name.entry(k.as_str()).or_insert(v.as_str());
        }
        let get = |name: &str| by_name.get(name).map(|v| (*v).to_owned());
        let mut filled = Filled {
            title: get("title"),
            ..Filled::default()
        };
        for s in sections {
            let key = s["key"].as_str().unwrap_or_default();
            if s["kind"] == "PROVISION" {
                let count = get(&format!("rows.{key}"))
                    .and_then(|n| n.parse::<usize>().ok())
                    .unwrap_or(FIRST_ROWS)
                    .clamp(1, MAX_ROWS);
                let rows = (0..count)
                    .map(|i| {
                        ITEM_FIELDS
                            .map(|(f, _)| get(&format!("item.{key}.{i}.{f}")).unwrap_or_default())
                    })
                    .collect();
                filled.rows.insert(key.to_owned(), rows);
            } else if let Some(t) = get(&format!("text.{key}")) {
                filled.text.insert(key.to_owned(), t);
            }
        }
        filled
    }

    /// The content as `submitAdvice` takes it, and for each provision
    /// section the form row each submitted item came from (empty rows are
    /// left out, so item `i` of the API is row `rows[key][i]`).
    fn content(&self, sections: &[Value]) -> (Value, HashMap<String, Vec<usize>>) {
        let mut out = Vec::new();
        let mut rows_of = HashMap::new();
        for s in sections {
            let key = s["key"].as_str().unwrap_or_default();
            if s["kind"] == "PROVISION" {
                let mut from = Vec::new();
                let items: Vec<Value> = self
                    .rows
                    .get(key)
                    .into_iter()
                    .flatten()
                    .enumerate()
                    .filter(|(_, row)| row.iter().any(|v| !v.trim().is_empty()))
                    .map(|(i, row)| {
                        from.push(i);
                        json!({ "what": row[0], "who": row[1], "howOften": row[2], "howLong": row[3] })
                    })
                    .collect();
                if !items.is_empty() {
                    out.push(json!({ "key": key, "provision": items }));
                }
                rows_of.insert(key.to_owned(), from);
            } else if let Some(t) = self.text.get(key).filter(|t| !t.trim().is_empty()) {
                out.push(json!({ "key": key, "text": t }));
            }
        }
        (json!({ "sections": out }), rows_of)
    }
}

/// A problem shown on the form: the control's id and the message.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Problem {
    field: Option<String>,
    message: String,
    /// About a provision section as a whole (shown above its rows; the
    /// summary links to its first control).
    whole: bool,
}

fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map_or_else(String::new, |c| {
        c.to_lowercase().collect::<String>() + chars.as_str()
    })
}

/// The form's problem for one of the API's (path, message): the path
/// (`content.sections.needs`, `content.sections.provision[0].howOften`)
/// becomes the id of the control, the message words a person acts on.
fn problem_at(
    path: &str,
    message: &str,
    sections: &[Value],
    rows_of: &HashMap<String, Vec<usize>>,
) -> Problem {
    let unplaced = || Problem {
        field: None,
        message: format!("{path}: {message}"),
        whole: false,
    };
    let Some(rest) = path.strip_prefix("content.sections.") else {
        return unplaced();
    };
    let end = rest.find(['[', '.']).unwrap_or(rest.len());
    let (key, tail) = rest.split_at(end);
    let Some(section) = sections.iter().find(|s| s["key"] == key) else {
        return unplaced();
    };
    let title = section["title"].as_str().unwrap_or(key);
    let required = message == "required";
    // An item's field: `[i].howOften`.
    if let Some(item) = tail.strip_prefix('[')
        && let Some((i, field)) = item.split_once("].")
        && let Ok(i) = i.parse::<usize>()
    {
        let row = rows_of
            .get(key)
            .and_then(|r| r.get(i))
            .copied()
            .unwrap_or(i);
        let label = ITEM_FIELDS
            .iter()
            .find(|(f, _)| *f == field)
            .map_or(field, |(_, l)| l);
        let message = if required {
            format!(
                "Enter {} for item {} of {}",
                lower_first(label),
                row + 1,
                lower_first(title)
            )
        } else {
            format!(
                "{label} for item {} of {}: {message}",
                row + 1,
                lower_first(title)
            )
        };
        return Problem {
            field: Some(format!("item-{key}-{row}-{field}")),
            message,
            whole: false,
        };
    }
    let provision = section["kind"] == "PROVISION";
    let field = if provision {
        format!("item-{key}-0-what")
    } else {
        format!("section-{key}")
    };
    let message = match (required, provision) {
        (true, true) => format!(
            "Add at least one item (what, who, how often and how long) to {}",
            lower_first(title)
        ),
        (true, false) => format!("Enter {}", lower_first(title)),
        (false, _) => format!("{title}: {message}"),
    };
    Problem {
        field: Some(field),
        message,
        whole: provision,
    }
}

/// The form's problems for an API error (None: not a problem of the
/// form, shown as an error page instead).
fn problems_of(
    e: &ApiError,
    sections: &[Value],
    rows_of: &HashMap<String, Vec<usize>>,
) -> Option<Vec<Problem>> {
    if e.code != "BAD_USER_INPUT" {
        return None;
    }
    if !e.problems.is_empty() {
        return Some(
            e.problems
                .iter()
                .map(|(path, message)| problem_at(path, message, sections, rows_of))
                .collect(),
        );
    }
    Some(vec![match e.field.as_deref() {
        Some("title") => Problem {
            field: Some("title".to_owned()),
            message: "Enter a title for your advice".to_owned(),
            whole: false,
        },
        _ => Problem {
            field: None,
            message: e.message.clone(),
            whole: false,
        },
    }])
}

/// What the form template shows: each section with its ids, values and
/// messages.
fn form_sections(sections: &[Value], filled: &Filled, problems: &[Problem]) -> Vec<Value> {
    let message = |id: &str| {
        problems
            .iter()
            .find(|p| !p.whole && p.field.as_deref() == Some(id))
            .map(|p| p.message.clone())
    };
    sections
        .iter()
        .map(|s| {
            let key = s["key"].as_str().unwrap_or_default();
            let mut v = s.clone();
            let o = v.as_object_mut().expect("a section is an object");
            if s["kind"] == "PROVISION" {
                let blank = || std::array::from_fn(|_| String::new());
                let rows = filled
                    .rows
                    .get(key)
                    .cloned()
                    .unwrap_or_else(|| (0..FIRST_ROWS).map(|_| blank()).collect());
                let shown: Vec<Value> = rows
                    .iter()
                    .enumerate()
                    .map(|(i, row)| {
                        let fields: Vec<Value> = ITEM_FIELDS
                            .iter()
                            .zip(row)
                            .map(|((f, label), value)| {
                                let id = format!("item-{key}-{i}-{f}");
                                json!({
                                    "id": id,
                                    "name": format!("item.{key}.{i}.{f}"),
                                    "label": label,
                                    "value": value,
                                    "error": message(&id),
                                })
                            })
                            .collect();
                        json!({ "number": i + 1, "fields": fields })
                    })
                    .collect();
                // A message about the section as a whole sits on its first
                // control's id but is shown above the rows.
                let first = format!("item-{key}-0-what");
                let whole = problems
                    .iter()
                    .find(|p| p.whole && p.field.as_deref() == Some(&first))
                    .map(|p| p.message.clone());
                o.insert("rowCount".into(), json!(rows.len()));
                o.insert("rows".into(), json!(shown));
                o.insert("error".into(), json!(whole));
                o.insert("canAdd".into(), json!(rows.len() < MAX_ROWS));
            } else {
                let id = format!("section-{key}");
                o.insert("error".into(), json!(message(&id)));
                o.insert("id".into(), json!(id));
                o.insert(
                    "value".into(),
                    json!(filled.text.get(key).cloned().unwrap_or_default()),
                );
            }
            v
        })
        .collect()
}

/// What the advice form needs: the request, the template and the child's
/// name, or where to go instead (the request is answered).
struct Loaded {
    request: Value,
    template: Value,
    sections: Vec<Value>,
    child_name: Option<String>,
}

async fn load(
    state: &AppState,
    visitor: &Visitor,
    id: Uuid,
) -> Result<Result<Loaded, Response>, PageError> {
    let request = one_request(state, visitor, id).await?;
    if request["answered"] == true {
        // Answered: the request page shows the advice; there is no form.
        return Ok(Err(
            Redirect::to(&format!("/provider/requests/{id}")).into_response()
        ));
    }
    let Some(profession) = request.get("profession").and_then(Value::as_str) else {
        return Err(PageError::BadRequest(
            "This request does not say which profession's advice it asks for, and your service has none by default. Ask the council's case officer to send the request again naming the profession.".to_owned(),
        ));
    };
    let answer = gql::run(
        state,
        visitor,
        PURPOSE,
        TEMPLATE,
        json!({ "p": profession }),
    )
    .await?;
    let template = answer.root("adviceTemplate")?.clone();
    let sections = template["sections"].as_array().cloned().unwrap_or_default();
    let child = request["childId"].as_str().unwrap_or_default().to_owned();
    let child_name = child_name(state, visitor, &child).await?;
    Ok(Ok(Loaded {
        request,
        template,
        sections,
        child_name,
    }))
}

fn render(
    visitor: &Visitor,
    ctx: &Loaded,
    filled: &Filled,
    problems: &[Problem],
) -> Result<Response, PageError> {
    let title = filled.title.clone().unwrap_or_else(|| {
        ctx.template["title"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    });
    let title_error = problems
        .iter()
        .find(|p| p.field.as_deref() == Some("title"))
        .map(|p| p.message.clone());
    let summary: Vec<Value> = problems
        .iter()
        .map(|p| json!({ "field": p.field, "message": p.message }))
        .collect();
    let page_ = page(
        visitor,
        "provider/advice.html",
        context! {
            nav => "requests",
            request => ctx.request,
            template => ctx.template,
            child_name => ctx.child_name,
            sections => form_sections(&ctx.sections, filled, problems),
            title => title,
            title_error => title_error,
            error_summary => summary,
        },
    )?;
    if problems.is_empty() {
        Ok(page_)
    } else {
        Ok((StatusCode::BAD_REQUEST, page_).into_response())
    }
}

/// `GET /provider/requests/{id}/advice`.
pub(super) async fn form(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let visitor = visitor.practitioner()?;
    let id = request_id(&id)?;
    let ctx = match load(&state, &visitor, id).await? {
        Ok(ctx) => ctx,
        Err(elsewhere) => return Ok(elsewhere),
    };
    render(&visitor, &ctx, &Filled::default(), &[])
}

/// `POST /provider/requests/{id}/advice`: "Add another item" re-renders
/// the form with one more row; "Send advice" calls `submitAdvice`.
pub(super) async fn submit(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let visitor = visitor.practitioner()?;
    if fields.len() > MAX_FIELDS {
        return Err(PageError::BadRequest(
            "The form has more fields than it can have. Go back, reload the page and try again."
                .to_owned(),
        ));
    }
    let csrf = fields
        .iter()
        .find(|(k, _)| k == "csrf")
        .map(|(_, v)| v.as_str())
        .unwrap_or_default();
    visitor.check_csrf(csrf)?;
    let id = request_id(&id)?;
    let ctx = match load(&state, &visitor, id).await? {
        Ok(ctx) => ctx,
        Err(elsewhere) => return Ok(elsewhere),
    };
    let mut filled = Filled::read(&fields, &ctx.sections);
    if let Some((_, key)) = fields.iter().find(|(k, _)| k == "add") {
        if let Some(rows) = filled.rows.get_mut(key)
            && rows.len() < MAX_ROWS
        {
            rows.push(std::array::from_fn(|_| String::new()));
        }
        return render(&visitor, &ctx, &filled, &[]);
    }
    let (content, rows_of) = filled.content(&ctx.sections);
    let input = json!({
        "kind": "ADVICE",
        "title": filled.title.clone().unwrap_or_default(),
        "content": content,
    });
    let answer = gql::run(
        &state,
        &visitor,
        PURPOSE,
        SUBMIT,
        json!({ "r": id, "i": input }),
    )
    .await?;
    if answer
        .data
        .get("submitAdvice")
        .is_some_and(|v| !v.is_null())
    {
        return Ok(Redirect::to(&format!("/provider/requests/{id}?sent=1")).into_response());
    }
    let Some(error) = answer.errors.first() else {
        return Err(PageError::Internal);
    };
    match problems_of(error, &ctx.sections, &rows_of) {
        Some(problems) => render(&visitor, &ctx, &filled, &problems),
        None => Err(gql::page_error(error)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sections() -> Vec<Value> {
        vec![
            json!({ "key": "needs", "title": "Speech, language and communication needs", "kind": "TEXT" }),
            json!({ "key": "provision", "title": "Speech and language therapy provision", "kind": "PROVISION" }),
        ]
    }

    #[test]
    fn blank_rows_are_left_out_and_item_paths_find_their_row() {
        let fields: Vec<(String, String)> = [
            ("text.needs", "  "),
            ("rows.provision", "3"),
            ("item.provision.2.what", "Therapy"),
            ("item.provision.2.who", "SLT"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        let filled = Filled::read(&fields, &sections());
        let (content, rows_of) = filled.content(&sections());
        assert_eq!(
            content,
            json!({ "sections": [{ "key": "provision", "provision": [
                { "what": "Therapy", "who": "SLT", "howOften": "", "howLong": "" }] }] })
        );
        let p = problem_at(
            "content.sections.provision[0].howOften",
            "required",
            &sections(),
            &rows_of,
        );
        assert_eq!(p.field.as_deref(), Some("item-provision-2-howOften"));
        assert_eq!(
            p.message,
            "Enter how often for item 3 of speech and language therapy provision"
        );
        let p = problem_at("content.sections.needs", "required", &sections(), &rows_of);
        assert_eq!(p.field.as_deref(), Some("section-needs"));
        assert_eq!(p.message, "Enter speech, language and communication needs");
    }

    #[test]
    fn a_path_outside_the_template_is_shown_without_a_field() {
        let p = problem_at(
            "content.sections.nope",
            "unknown section",
            &sections(),
            &HashMap::new(),
        );
        assert_eq!(p.field, None);
    }
}
