//! *Assessment and plan*, `/family/children/{id}/plan`: the EHC needs
//! assessment's timeline (what is done, due, late, delayed and why), who
//! was asked for advice, the plan's versions with their documents, and —
//! while a draft is out — the family's response form (reg 13(1)).
//!
//! Everything comes from `assessment`, `ehcPlan` and `respondToDraft` as
//! the visitor; the documents are the `/plans/…` rendering
//! ([`crate::http::plan::render`]) through the same door, on the page
//! session.

use std::collections::BTreeMap;

use crate::web::form::PageForm;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Router, routing::get};
use chrono::{Duration, NaiveDate};
use minijinja::context;
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::child_name;
use crate::access::VersionWanted;
use crate::error::Error;
use crate::http::plan::{Format, Wanted, render, split, version_number};
use crate::http::state::AppState;
use crate::web::gql::{self, Answer, ApiError};
use crate::web::session::Visitor;
use crate::web::view::{PageError, long_date, page};

/// The routes of this page and its documents.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/family/children/{id}/plan", get(show).post(respond))
        .route(
            "/family/children/{id}/plan/{assessment}/versions/{file}",
            get(document),
        )
}

const PLAN: &str = "query($c: ID!) {
  child(id: $c) { identity { givenName familyName preferredName } }
  assessment(childId: $c) {
    id requestReceivedOn
    milestones { milestone label dueOn doneOn status words }
    adviceRequests { agencyName askedOn dueOn status answeredOn answer exception { label } }
  }
  ehcPlan(childId: $c) {
    planId youMayRespond whyYouMayNotRespond
    versions { planId version kind status issuedOn withheld { section reason } }
    responses { version respondedOn withinTime comments { section text }
      requestedSetting { name kind reason } wantsMeeting }
  }
}";

const RESPOND: &str = "mutation($a: ID!, $comments: [PlanCommentInput!],
    $setting: RequestedSettingInput, $meeting: Boolean) {
  respondToDraft(assessmentId: $a, comments: $comments, requestedSetting: $setting,
    wantsMeeting: $meeting) { id respondedOn }
}";

/// The plan's sections, with the words the family pages use for them.
const SECTIONS: &[(&str, &str)] = &[
    ("A", "Views, interests and hopes"),
    ("B", "Special educational needs"),
    ("C", "Health needs"),
    ("D", "Social care needs"),
    ("E", "Outcomes: what should get better"),
    ("F", "Support in school or college"),
    ("G", "Health support"),
    ("H1", "Social care support for disabled children"),
    ("H2", "Other social care support"),
    ("I", "School or setting"),
    ("J", "Personal budget"),
    ("K", "Advice and reports"),
];

fn section_words(code: &str) -> String {
    SECTIONS.iter().find(|(c, _)| *c == code).map_or_else(
        || "A section".to_owned(),
        |(c, w)| format!("Section {c}: {w}"),
    )
}

/// A step of the timeline in our words ("we" are the council).
fn step_words(milestone: &str, who: &str) -> Option<String> {
    Some(match milestone {
        "DECISION_TO_ASSESS" => format!("We decide whether to assess {who}"),
        "ADVICE" => "We get advice from the services who know".to_owned() + &format!(" {who}"),
        "NOTICE_NOT_TO_ISSUE" => "If we decide not to make a plan, we tell you".to_owned(),
        "DRAFT" => "We send you a draft plan".to_owned(),
        "FINAL_PLAN" => "We make the final EHC plan".to_owned(),
        "ANNUAL_REVIEW" => "We review the plan".to_owned(),
        _ => return None,
    })
}

/// A status as a tag: its words and its colour (the words carry it).
fn tag(status: &str) -> (&'static str, &'static str) {
    match status {
        "DONE" => ("Done", "govuk-tag--green"),
        "DONE_LATE" => ("Done late", "govuk-tag--orange"),
        "OVERDUE" => ("Late", "govuk-tag--red"),
        "DUE_SOON" => ("Due soon", "govuk-tag--yellow"),
        "EXCEPTION_APPLIES" => ("Delayed", "govuk-tag--purple"),
        _ => ("On track", "govuk-tag--blue"),
    }
}

fn text<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or_default()
}

fn date_of(v: &Value, key: &str) -> Option<NaiveDate> {
    v.get(key)
        .and_then(Value::as_str)
        .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
}

fn day(v: &Value, key: &str) -> Option<String> {
    date_of(v, key).map(long_date)
}

/// "late" → "Late".
fn sentence(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

/// What the visitor typed into the response form.
#[derive(Debug, Clone, Default)]
struct Entered {
    comments: BTreeMap<String, String>,
    setting_name: String,
    setting_kind: String,
    setting_reason: String,
    meeting: bool,
}

impl Entered {
    fn of(form: &[(String, String)]) -> Self {
        let get = |k: &str| {
            form.iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        Entered {
            comments: SECTIONS
                .iter()
                .map(|(c, _)| ((*c).to_owned(), get(&format!("comment-{c}"))))
                .collect(),
            setting_name: get("setting-name"),
            setting_kind: get("setting-kind"),
            setting_reason: get("setting-reason"),
            meeting: get("meeting") == "yes",
        }
    }

    /// The comments sent, in order, with their sections.
    fn sent_comments(&self) -> Vec<(&str, &str)> {
        SECTIONS
            .iter()
            .filter_map(|(c, _)| {
                let t = self.comments.get(*c).map(|t| t.trim()).unwrap_or_default();
                (!t.is_empty()).then_some((*c, t))
            })
            .collect()
    }
}

/// A problem with the form: the control's id (if any) and the message.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Problem {
    field: Option<String>,
    message: String,
}

fn problem(field: Option<&str>, message: impl Into<String>) -> Problem {
    Problem {
        field: field.map(str::to_owned),
        message: message.into(),
    }
}

/// The parts of a school or setting the family left out, when they gave
/// some: asked for together, as one request.
fn setting_gaps(e: &Entered) -> Vec<Problem> {
    let parts = [
        (
            &e.setting_name,
            "setting-name",
            "Enter the name of the school or setting",
        ),
        (
            &e.setting_kind,
            "setting-kind",
            "Enter what kind of school or setting it is",
        ),
        (
            &e.setting_reason,
            "setting-reason",
            "Enter why you would like this school or setting",
        ),
    ];
    if parts.iter().all(|(v, ..)| v.trim().is_empty()) {
        return Vec::new();
    }
    parts
        .iter()
        .filter(|(v, ..)| v.trim().is_empty())
        .map(|(_, id, m)| problem(Some(id), *m))
        .collect()
}

/// The API's refusal of a response, in the family's words and next to the
/// control it is about. `sent` is the comments sent, in order (the API
/// names a comment by its position).
fn words_for(e: &ApiError, sent: &[(&str, &str)]) -> Problem {
    let too_long = e.message.contains("longer than");
    let odd = e.message.contains("control characters");
    match (e.code.as_str(), e.field.as_deref()) {
        ("BAD_USER_INPUT", Some("comments")) => {
            let section = item_number(&e.message)
                .and_then(|n| sent.get(n))
                .map(|s| s.0);
            match section {
                Some(s) if too_long => problem(
                    Some(&format!("comment-{s}")),
                    format!(
                        "Your comment on section {s} must be {} characters or fewer",
                        thousands(domain::plan::MAX_PARAGRAPH_CHARS)
                    ),
                ),
                Some(s) if odd => problem(
                    Some(&format!("comment-{s}")),
                    format!(
                        "Your comment on section {s} has characters we cannot accept: remove them and try again"
                    ),
                ),
                _ => problem(
                    Some("comment-A"),
                    "Write a comment on at least one section, ask for a school or setting, or ask for a meeting",
                ),
            }
        }
        ("BAD_USER_INPUT", Some("requestedSetting")) if odd => problem(
            Some("setting-name"),
            "The school or setting you asked for has characters we cannot accept: remove them and try again",
        ),
        ("BAD_USER_INPUT", Some("requestedSetting")) => problem(
            Some("setting-name"),
            format!(
                "The name and kind of school or setting must each be {} characters or fewer, and your reason {} or fewer",
                domain::plan::MAX_NAME_CHARS,
                thousands(domain::plan::MAX_PARAGRAPH_CHARS)
            ),
        ),
        ("BAD_USER_INPUT", Some("assessmentId")) if e.message.contains("final plan") => problem(
            None,
            "The final plan has been made, so you can no longer reply to the draft. Contact the council's SEND team if you want to talk about the plan.",
        ),
        ("BAD_USER_INPUT", Some("assessmentId")) => {
            problem(None, "There is no draft plan to reply to at the moment.")
        }
        ("FORBIDDEN", _) => problem(
            None,
            match first_clause(&e.message) {
                Some(why) => format!(
                    "You cannot reply to this draft from your account: {}. If you think this is wrong, contact the council's SEND team.",
                    why.trim_end_matches('.')
                ),
                None => "You cannot reply to this draft from your account. If you think this is wrong, contact the council's SEND team.".to_owned(),
            },
        ),
        _ => problem(
            None,
            "We could not send your response. Check it and try again.",
        ),
    }
}

/// The rule's first clause, as a sentence ("A court or care order limits
/// your parental responsibility"): the rest names the scope in the
/// API's words, which can lower-case a code ("ehc plan"). `None` if even
/// the first clause would show one.
fn first_clause(why: &str) -> Option<String> {
    let clause = why
        .split([':', ';'])
        .next()
        .unwrap_or_default()
        .trim()
        .trim_end_matches('.');
    (!clause.is_empty() && !clause.contains("ehc")).then(|| sentence(clause))
}

/// `item 3 is …` → 3.
fn item_number(message: &str) -> Option<usize> {
    let rest = &message[message.find("item ")? + 5..];
    rest.split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

/// 5000 → "5,000".
fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The page's data, shaped for its template.
struct Shaped {
    name: String,
    context: minijinja::Value,
    /// The plan (its assessment's id) with a draft out, if any.
    draft_plan: Option<String>,
}

fn shape(
    child: &str,
    answer: &Answer,
    young_person: bool,
    entered: &Entered,
    problems: &[Problem],
) -> Shaped {
    let identity = answer
        .data
        .pointer("/child/identity")
        .cloned()
        .unwrap_or(Value::Null);
    let name = child_name(&identity);
    let who = if young_person {
        "you".to_owned()
    } else {
        name.clone()
    };
    let assessment = answer.data.get("assessment").filter(|a| !a.is_null());
    let milestones: Vec<Value> = assessment
        .and_then(|a| a.get("milestones"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|m| {
            let (tag_text, tag_class) = tag(text(m, "status"));
            json!({
                "title": step_words(text(m, "milestone"), &who)
                    .unwrap_or_else(|| text(m, "label").to_owned()),
                "due": day(m, "dueOn"),
                "done": day(m, "doneOn"),
                "tag": tag_text,
                "tagClass": tag_class,
                "words": sentence(text(m, "words")),
            })
        })
        .collect();
    let advice: Vec<Value> = assessment
        .and_then(|a| a.get("adviceRequests"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|r| {
            let (tag_text, tag_class) = tag(text(r, "status"));
            let answer = match (text(r, "answer"), day(r, "answeredOn")) {
                ("REUSED", _) => "Advice they gave before was used again, as you agreed".to_owned(),
                (_, Some(on)) => format!("Sent on {on}"),
                _ => "Not sent yet".to_owned(),
            };
            json!({
                "agency": r.get("agencyName").and_then(Value::as_str).unwrap_or("A service"),
                "asked": day(r, "askedOn"),
                "due": day(r, "dueOn"),
                "answer": answer,
                "tag": tag_text,
                "tagClass": tag_class,
                "delayed": r.pointer("/exception/label").and_then(Value::as_str),
            })
        })
        .collect();
    let plan = answer.data.get("ehcPlan").filter(|p| !p.is_null());
    let versions: Vec<&Value> = plan
        .and_then(|p| p.get("versions"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .collect();
    let shown_versions: Vec<Value> = versions
        .iter()
        .rev()
        .map(|v| {
            let n = v.get("version").and_then(Value::as_i64).unwrap_or_default();
            let base = format!(
                "/family/children/{child}/plan/{}/versions/{n}",
                text(v, "planId")
            );
            let status = match text(v, "status") {
                "DRAFT" => "Draft",
                "FINAL" => "Final",
                _ => "Being written",
            };
            let kind = match text(v, "kind") {
                "AMENDMENT" => "A change to the plan",
                "IMPORTED" => "A plan made before this service",
                _ => "The first plan",
            };
            let withheld: Vec<Value> = v
                .get("withheld")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|w| json!({ "section": section_words(text(w, "section")), "reason": sentence(text(w, "reason")) }))
                .collect();
            json!({
                "number": n,
                "status": status,
                "draft": text(v, "status") == "DRAFT",
                "kind": kind,
                "issued": day(v, "issuedOn"),
                "html": format!("{base}.html"),
                "pdf": format!("{base}.pdf"),
                "withheld": withheld,
            })
        })
        .collect();
    // The latest issued version: the family never sees one in preparation.
    let latest = versions.last().copied();
    let draft = latest.filter(|v| text(v, "status") == "DRAFT");
    let responses: Vec<Value> = plan
        .and_then(|p| p.get("responses"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|r| draft.is_some_and(|d| d.get("version") == r.get("version")))
        .map(|r| {
            let comments: Vec<Value> = r
                .get("comments")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|c| json!({ "section": section_words(text(c, "section")), "text": text(c, "text") }))
                .collect();
            json!({
                "on": day(r, "respondedOn"),
                "late": r.get("withinTime") == Some(&Value::Bool(false)),
                "comments": comments,
                "setting": r.get("requestedSetting").filter(|s| !s.is_null()),
                "meeting": r.get("wantsMeeting") == Some(&Value::Bool(true)),
            })
        })
        .collect();
    let by_field: BTreeMap<String, String> = problems
        .iter()
        .filter_map(|p| p.field.clone().map(|f| (f, p.message.clone())))
        .collect();
    let draft_view = draft.map(|d| {
        let issued = date_of(d, "issuedOn");
        let may = plan.and_then(|p| p.get("youMayRespond")) == Some(&Value::Bool(true));
        let why = plan
            .and_then(|p| p.get("whyYouMayNotRespond"))
            .and_then(Value::as_str)
            .and_then(first_clause);
        let sections: Vec<Value> = SECTIONS
            .iter()
            .map(|(c, _)| {
                let id = format!("comment-{c}");
                json!({
                    "id": id,
                    "label": section_words(c),
                    "value": entered.comments.get(*c).cloned().unwrap_or_default(),
                    "error": by_field.get(&id),
                })
            })
            .collect();
        json!({
            "version": d.get("version"),
            "issued": issued.map(long_date),
            "respondBy": issued
                .map(|i| long_date(i + Duration::days(domain::ehc::DRAFT_COMMENT_DAYS))),
            "days": domain::ehc::DRAFT_COMMENT_DAYS,
            "mayRespond": may,
            "whyNot": why,
            "sections": sections,
            "setting": {
                "name": entered.setting_name,
                "kind": entered.setting_kind,
                "reason": entered.setting_reason,
                "nameError": by_field.get("setting-name"),
                "kindError": by_field.get("setting-kind"),
                "reasonError": by_field.get("setting-reason"),
            },
            "meeting": entered.meeting,
        })
    });
    let summary: Vec<Value> = problems
        .iter()
        .map(|p| json!({ "field": p.field, "message": p.message }))
        .collect();
    let context = context! {
        assessment => assessment.is_some(),
        requested => assessment.and_then(|a| day(a, "requestReceivedOn")),
        weeks => domain::ehc::FINAL_PLAN_WEEKS,
        milestones => milestones,
        advice => advice,
        has_plan => plan.is_some(),
        versions => shown_versions,
        draft => draft_view,
        responses => responses,
        errors => summary,
        who => who,
    };
    Shaped {
        name,
        context,
        draft_plan: draft.map(|d| text(d, "planId").to_owned()),
    }
}

fn child_id(id: &str) -> Result<Uuid, PageError> {
    id.parse().map_err(|_| PageError::NotFound)
}

async fn load(state: &AppState, visitor: &Visitor, child: Uuid) -> Result<Answer, PageError> {
    let answer = gql::run(state, visitor, None, PLAN, json!({ "c": child })).await?;
    answer.root("child")?;
    Ok(answer)
}

fn render_page(
    visitor: &Visitor,
    child: Uuid,
    shaped: Shaped,
    sent: bool,
) -> Result<Response, PageError> {
    page(
        visitor,
        "family/plan.html",
        context! {
            nav => "children",
            tab => "plan",
            child_id => child.to_string(),
            child_name => shaped.name,
            sent => sent,
            error_summary => false,
            ..shaped.context
        },
    )
}

#[derive(Debug, Deserialize)]
struct Sent {
    sent: Option<String>,
}

/// `GET /family/children/{id}/plan`.
async fn show(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    Query(q): Query<Sent>,
) -> Result<Response, PageError> {
    let visitor = visitor.family()?;
    let child = child_id(&id)?;
    let answer = load(&state, &visitor, child).await?;
    let shaped = shape(
        &child.to_string(),
        &answer,
        visitor.is_young_person(),
        &Entered::default(),
        &[],
    );
    render_page(&visitor, child, shaped, q.sent.is_some())
}

/// `POST /family/children/{id}/plan`: the family's response to the draft.
async fn respond(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    PageForm(form): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let visitor = visitor.family()?;
    let csrf = form
        .iter()
        .find(|(k, _)| k == "csrf")
        .map(|(_, v)| v.as_str())
        .unwrap_or_default();
    visitor.check_csrf(csrf)?;
    let child = child_id(&id)?;
    let entered = Entered::of(&form);
    let answer = load(&state, &visitor, child).await?;
    let shaped = shape(
        &child.to_string(),
        &answer,
        visitor.is_young_person(),
        &entered,
        &[],
    );
    let Some(plan) = shaped.draft_plan.clone() else {
        let problems = [problem(
            None,
            "There is no draft plan to reply to at the moment.",
        )];
        return invalid(&visitor, child, &answer, &entered, &problems);
    };
    let mut problems = setting_gaps(&entered);
    let sent = entered.sent_comments();
    if problems.is_empty() {
        let setting = (!entered.setting_name.trim().is_empty()).then(|| {
            json!({
                "name": entered.setting_name.trim(),
                "kind": entered.setting_kind.trim(),
                "reason": entered.setting_reason.trim(),
            })
        });
        let comments: Vec<Value> = sent
            .iter()
            .map(|(s, t)| json!({ "section": s, "text": t }))
            .collect();
        let result = gql::run(
            &state,
            &visitor,
            None,
            RESPOND,
            json!({ "a": plan, "comments": comments, "setting": setting, "meeting": entered.meeting }),
        )
        .await?;
        if result
            .data
            .get("respondToDraft")
            .is_some_and(|r| !r.is_null())
        {
            return Ok(
                Redirect::to(&format!("/family/children/{child}/plan?sent=1")).into_response(),
            );
        }
        if let Some(e) = result.errors.iter().find(|e| e.code == "NOT_FOUND") {
            return Err(gql::page_error(e));
        }
        problems = result.errors.iter().map(|e| words_for(e, &sent)).collect();
        if problems.is_empty() {
            return Err(PageError::Internal);
        }
    }
    invalid(&visitor, child, &answer, &entered, &problems)
}

/// The form again, with what was entered and what is wrong: 400.
fn invalid(
    visitor: &Visitor,
    child: Uuid,
    answer: &Answer,
    entered: &Entered,
    problems: &[Problem],
) -> Result<Response, PageError> {
    let shaped = shape(
        &child.to_string(),
        answer,
        visitor.is_young_person(),
        entered,
        problems,
    );
    let page = page(
        visitor,
        "family/plan.html",
        context! {
            nav => "children",
            tab => "plan",
            child_id => child.to_string(),
            child_name => shaped.name,
            sent => false,
            error_summary => true,
            ..shaped.context
        },
    )?;
    Ok((axum::http::StatusCode::BAD_REQUEST, page).into_response())
}

/// `GET /family/children/{id}/plan/{assessment}/versions/{n}.{html,pdf}`:
/// a version of the plan as the family may see it, the same document as
/// `/plans/…` renders for a token, on the page session.
async fn document(
    State(state): State<AppState>,
    visitor: Visitor,
    Path((id, assessment, file)): Path<(String, String, String)>,
) -> Result<Response, PageError> {
    let visitor = visitor.family()?;
    let child = child_id(&id)?;
    let assessment: Uuid = assessment.parse().map_err(|_| PageError::NotFound)?;
    let (stem, format) = split(&file).map_err(|_| PageError::NotFound)?;
    let number = version_number(stem).map_err(|_| PageError::NotFound)?;
    if format == Format::Json {
        return Err(PageError::NotFound);
    }
    let wanted = Wanted {
        assessment,
        version: VersionWanted::Number(number),
        format,
        child: Some(child),
    };
    match render(
        &state,
        visitor.principal.clone(),
        visitor.request_id.clone(),
        wanted,
    )
    .await
    {
        Ok(mut response) => {
            // A session's page, not an API answer: never kept by a cache.
            response.headers_mut().insert(
                header::CACHE_CONTROL,
                axum::http::HeaderValue::from_static("no-store"),
            );
            Ok(response)
        }
        Err(
            Error::NotFound(_) | Error::NoRecord(_) | Error::Withheld(..) | Error::NotPermitted(..),
        ) => Err(PageError::NotFound),
        Err(Error::Forbidden(_)) => Err(PageError::NotFound),
        Err(Error::BadInput(_) | Error::Problems { .. }) => Err(PageError::NotFound),
        Err(e @ (Error::Database(_) | Error::Internal(_))) => {
            tracing::error!(error = ?e, "a family plan document failed");
            Err(PageError::Internal)
        }
    }
}

#[cfg(test)]
mod tests {
    use domain::plan::PlanError;

    use super::*;

    fn api(field: &str, e: PlanError) -> ApiError {
        ApiError {
            code: "BAD_USER_INPUT".to_owned(),
            message: format!("{field}: {e}"),
            path: vec!["respondToDraft".to_owned()],
            field: Some(field.to_owned()),
            problems: Vec::new(),
        }
    }

    #[test]
    fn a_refused_comment_is_shown_next_to_its_section() {
        let sent = [("A", "ok"), ("F", "too long")];
        let e = api(
            "comments",
            PlanError::TooLong {
                field: "comments",
                n: 1,
                max: domain::plan::MAX_PARAGRAPH_CHARS,
            },
        );
        assert_eq!(
            words_for(&e, &sent),
            problem(
                Some("comment-F"),
                "Your comment on section F must be 5,000 characters or fewer"
            )
        );
        let e = api(
            "comments",
            PlanError::ControlCharacters {
                field: "comments",
                n: 0,
            },
        );
        assert_eq!(words_for(&e, &sent).field.as_deref(), Some("comment-A"));
    }

    #[test]
    fn an_empty_or_closed_response_is_said_in_words() {
        let e = api("comments", PlanError::EmptyResponse);
        assert!(words_for(&e, &[]).message.starts_with("Write a comment"));
        let e = api("assessmentId", PlanError::FinalIssued);
        let p = words_for(&e, &[]);
        assert_eq!(p.field, None);
        assert!(p.message.contains("final plan has been made"), "{p:?}");
        let e = api("assessmentId", PlanError::NoDraft);
        assert!(words_for(&e, &[]).message.contains("no draft plan"));
    }

    #[test]
    fn a_school_is_asked_for_whole() {
        let mut e = Entered {
            setting_name: "Hillside".to_owned(),
            ..Entered::default()
        };
        let gaps: Vec<_> = setting_gaps(&e)
            .into_iter()
            .filter_map(|p| p.field)
            .collect();
        assert_eq!(gaps, ["setting-kind", "setting-reason"]);
        e.setting_name.clear();
        assert!(setting_gaps(&e).is_empty());
    }

    #[test]
    fn a_refusal_is_told_by_its_first_clause_without_codes() {
        assert_eq!(
            first_clause("A court or care order limits your parental responsibility: you may not make consent decisions about my special educational needs and ehc plan").as_deref(),
            Some("A court or care order limits your parental responsibility")
        );
        assert_eq!(first_clause("about my ehc plan; more"), None);
        assert_eq!(first_clause(""), None);
    }

    #[test]
    fn numbers_read_as_people_write_them() {
        assert_eq!(thousands(5000), "5,000");
        assert_eq!(thousands(200), "200");
        assert_eq!(thousands(20000), "20,000");
        assert_eq!(item_number("comments: item 12 is longer"), Some(12));
        assert_eq!(item_number("nothing"), None);
    }

    #[test]
    fn every_status_has_words() {
        for s in [
            "ON_TRACK",
            "DUE_SOON",
            "OVERDUE",
            "DONE",
            "DONE_LATE",
            "EXCEPTION_APPLIES",
        ] {
            let (words, class) = tag(s);
            assert!(!words.is_empty() && class.starts_with("govuk-tag--"));
        }
        for m in [
            "DECISION_TO_ASSESS",
            "ADVICE",
            "NOTICE_NOT_TO_ISSUE",
            "DRAFT",
            "FINAL_PLAN",
            "ANNUAL_REVIEW",
        ] {
            assert!(step_words(m, "Sam").is_some(), "{m}");
        }
    }
}
