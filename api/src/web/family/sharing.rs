//! *Who can see what* (`/family/children/{id}/sharing…`): every agency ×
//! each part of the record, in words, from `sharing(childId)`; agreeing to
//! share (`grantConsent`) and stopping (`withdrawConsent`), each ending on
//! its receipt (also as a JSON download); the young person's check of what
//! a parent agreed before the hand-over (`consentsToReview`,
//! `confirmConsent`). A parent who may change nothing sees why, and no
//! buttons; a form sent anyway is refused by the API with the reason.

use std::collections::BTreeSet;

use crate::web::form::PageForm;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{NaiveDate, Utc};
use domain::{AgencyKind, Scope};
use minijinja::context;
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::child_name;
use crate::http::state::AppState;
use crate::web::gql::{self, Answer};
use crate::web::session::{Visitor, now};
use crate::web::view::{PageError, long_date, page, uk_datetime};

/// The sharing pages' routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/family/children/{id}/sharing", get(overview))
        .route(
            "/family/children/{id}/sharing/agencies/{agency}",
            get(change).post(agree),
        )
        .route(
            "/family/children/{id}/sharing/grants/{grant}/withdraw",
            post(withdraw),
        )
        .route(
            "/family/children/{id}/sharing/grants/{grant}/keep",
            post(keep),
        )
        .route(
            "/family/children/{id}/sharing/receipts/{file}",
            get(receipt),
        )
}

const SHARING: &str = "query($id: ID!) { sharing(childId: $id) {
  mayChange readOnlyReason handedOver hiddenScopes
  scopes { scope label mayChange whyNot }
  agencies { agency { id name kind } cells { scope status grantablePurposes
    ways { purpose basis until lawfulBasis { gateway } boundTo { kind } } } }
} }";

const CONSENTS: &str = "query($id: ID!) {
  child(id: $id) { identity { givenName familyName preferredName } }
  consents(childId: $id) { id status recipientAgencyId recipientAgencyKind scopes purposes validUntil awaitsYoungPerson }
  toReview: consentsToReview(childId: $id) { id status recipientAgencyId recipientAgencyKind scopes purposes validUntil }
}";

const GRANT: &str =
    "mutation($input: GrantConsentInput!) { grantConsent(input: $input) { receiptId } }";
const WITHDRAW: &str = "mutation($id: ID!) { withdrawConsent(grantId: $id) { receiptId subject } }";
const GRANT_IDS: &str = "query($id: ID!) { consents(childId: $id) { id } }";
const CONFIRM: &str = "mutation($id: ID!) { confirmConsent(grantId: $id) { id } }";
const RECEIPT: &str = "query($id: ID!) { consentReceipt(id: $id) {
  receiptId event timestamp version jurisdiction language subject controller
  controllerContact { name address email phone } policyUrl noticeVersion agreementVersion
  grantorCapacity recipientAgencyId recipientAgencyKind scopes purposes
  lawfulBases { scope purpose lawfulBasis { article6 condition gateway citation gdprConsent } }
  sensitive spiCat agreementKind agreementWords validFrom validUntil method note grantId reason
} agencies { id name kind } }";

fn parse_uuid(s: &str) -> Result<Uuid, PageError> {
    Uuid::parse_str(s).map_err(|_| PageError::NotFound)
}

fn text<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or_default()
}

fn list(v: &Value, key: &str) -> Vec<String> {
    v.get(key)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|x| x.as_str().map(str::to_owned))
        .collect()
}

/// "you" to the young person, "your child" to a parent.
#[derive(Clone, Copy)]
struct Words {
    young_person: bool,
}

impl Words {
    fn child(self) -> &'static str {
        if self.young_person {
            "you"
        } else {
            "your child"
        }
    }
    fn childs(self) -> &'static str {
        if self.young_person {
            "your"
        } else {
            "your child's"
        }
    }

    /// A purpose of use, as a family reads it.
    fn purpose(self, code: &str) -> String {
        match code {
            "DIRECT_SUPPORT" => format!("to support {} day to day", self.child()),
            "EHC_ASSESSMENT" => "for the council's assessment of needs".to_owned(),
            "ANNUAL_REVIEW" => "for the yearly review of the plan".to_owned(),
            "SAFEGUARDING" => format!("to keep {} safe", self.child()),
            _ => "for another reason".to_owned(),
        }
    }

    /// Why the law requires it, from the fact it is bound to.
    fn law(self, bound: &str, purpose: &str) -> String {
        match bound {
            "ASSESSMENT" => format!("the council must assess {} needs", self.childs()),
            "PLAN" => format!(
                "the council must review {} EHC plan every year",
                self.childs()
            ),
            "ADVICE_REQUEST" => format!(
                "the council asked them for advice about {}, and advisers must see what you told the council",
                self.child()
            ),
            _ if purpose == "SAFEGUARDING" => {
                format!("it may be needed to keep {} safe", self.child())
            }
            _ => format!(
                "they work with {} and need it to do their job",
                self.child()
            ),
        }
    }
}

/// A law's name without the notes meant for lawyers ("[to confirm]").
fn plain_law(gateway: &str) -> String {
    let mut out = String::new();
    let mut depth = 0u32;
    for c in gateway.chars() {
        match c {
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            c if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace(" ;", ";")
        .replace(" ,", ",")
}

fn scope_label(code: &str) -> String {
    code.parse::<Scope>()
        .map(|s| s.label().to_owned())
        .unwrap_or_else(|_| "Another part of the record".to_owned())
}

fn kind_label(code: &str) -> String {
    code.parse::<AgencyKind>()
        .map(|k| k.label().to_owned())
        .unwrap_or_else(|_| "A service".to_owned())
}

fn date_words(rfc3339: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .map(|t| long_date(t.with_timezone(&Utc).date_naive()))
        .unwrap_or_default()
}

/// "A, B and C".
fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// One cell in words: (tag, tag class, sentences).
fn cell_words(cell: &Value, w: Words) -> (String, &'static str, Vec<String>) {
    let ways: Vec<&Value> = cell
        .get("ways")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .collect();
    let of = |basis: &str| -> Vec<&Value> {
        ways.iter()
            .copied()
            .filter(|x| text(x, "basis") == basis)
            .collect()
    };
    let agreed = of("CONSENT");
    let agreed_line = |prefix: &str| {
        let purposes: Vec<String> = agreed
            .iter()
            .map(|x| w.purpose(text(x, "purpose")))
            .collect();
        let until = agreed
            .iter()
            .map(|x| x.get("until").and_then(Value::as_str))
            .collect::<Option<Vec<&str>>>()
            .and_then(|u| u.into_iter().max().map(date_words));
        format!(
            "{prefix} {}, {}.",
            and_list(&purposes),
            until.map_or_else(|| "with no end date".to_owned(), |d| format!("until {d}"))
        )
    };
    let mut lines = Vec::new();
    let (tag, class) = match text(cell, "status") {
        "SHARED_BY_LAW" => {
            let mut reasons: Vec<String> = Vec::new();
            let mut laws: Vec<String> = Vec::new();
            for x in of("PUBLIC_TASK") {
                let bound = x
                    .get("boundTo")
                    .map(|b| text(b, "kind"))
                    .unwrap_or_default();
                let reason = w.law(bound, text(x, "purpose"));
                if !reasons.contains(&reason) {
                    reasons.push(reason);
                }
                let law = x
                    .get("lawfulBasis")
                    .map(|b| plain_law(text(b, "gateway")))
                    .unwrap_or_default();
                if !law.is_empty() && !laws.contains(&law) {
                    laws.push(law);
                }
            }
            lines.push(format!(
                "Shared without your agreement because the law requires it: {} ({}).",
                and_list(&reasons),
                laws.join("; ")
            ));
            if !agreed.is_empty() {
                lines.push(agreed_line("You have also agreed to share it"));
            }
            ("Shared by law".to_owned(), "")
        }
        "SHARED_FOR_SAFEGUARDING" => {
            for x in of("SAFEGUARDING") {
                lines.push(format!(
                    "Shared without your agreement to keep {} safe, until {}.",
                    w.child(),
                    x.get("until")
                        .and_then(Value::as_str)
                        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                        .map(|t| uk_datetime(t.with_timezone(&Utc)))
                        .unwrap_or_default()
                ));
            }
            if !agreed.is_empty() {
                lines.push(agreed_line("You have also agreed to share it"));
            }
            ("Shared for safeguarding".to_owned(), "govuk-tag--orange")
        }
        "SHARED_WITH_AGREEMENT" => {
            lines.push(agreed_line("You agreed to share this"));
            ("Shared with your agreement".to_owned(), "govuk-tag--green")
        }
        "NOT_SHARED" => {
            lines.push("They cannot see this.".to_owned());
            ("Not shared".to_owned(), "govuk-tag--grey")
        }
        _ => {
            lines.push("The agreement between services does not let them see this.".to_owned());
            ("Not possible".to_owned(), "govuk-tag--grey")
        }
    };
    (tag, class, lines)
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect::<String>() + ".",
        None => String::new(),
    }
}

/// A grant, for the page.
fn grant_view(g: &Value, agencies: &[Value], shown: &BTreeSet<String>, w: Words) -> Option<Value> {
    let scopes: Vec<String> = list(g, "scopes")
        .into_iter()
        .filter(|s| shown.contains(s))
        .collect();
    if scopes.is_empty() {
        return None;
    }
    let with = match g.get("recipientAgencyId").and_then(Value::as_str) {
        Some(id) => agencies
            .iter()
            .find(|a| text(a, "id") == id)
            .map_or_else(|| "A service".to_owned(), |a| text(a, "name").to_owned()),
        None => format!(
            "Every service of this kind: {}",
            kind_label(text(g, "recipientAgencyKind"))
        ),
    };
    Some(json!({
        "id": text(g, "id"),
        "with": with,
        "sections": scopes.iter().map(|s| scope_label(s)).collect::<Vec<_>>(),
        "purposes": list(g, "purposes")
            .iter()
            .map(|p| capitalised(&w.purpose(p)).trim_end_matches('.').to_owned())
            .collect::<Vec<_>>(),
        "until": g.get("validUntil").and_then(Value::as_str).map(date_words),
        "pending": text(g, "status") == "PENDING",
    }))
}

/// Everything the sharing pages show: the view, and (unless read-only
/// because handed over) the child's name and agreements.
struct Loaded {
    sharing: Value,
    name: String,
    consents: Vec<Value>,
    to_review: Vec<Value>,
}

async fn load(state: &AppState, visitor: &Visitor, child: Uuid) -> Result<Loaded, PageError> {
    let vars = json!({ "id": child });
    let answer = gql::run(state, visitor, None, SHARING, vars.clone()).await?;
    let sharing = answer.root("sharing")?.clone();
    if sharing.get("handedOver").and_then(Value::as_bool) == Some(true) {
        return Ok(Loaded {
            sharing,
            name: String::new(),
            consents: vec![],
            to_review: vec![],
        });
    }
    let answer = gql::run(state, visitor, None, CONSENTS, vars).await?;
    let arr = |a: &Answer, k: &str| -> Result<Vec<Value>, PageError> {
        Ok(a.root(k)?.as_array().cloned().unwrap_or_default())
    };
    let name = answer
        .root("child")
        .ok()
        .and_then(|c| c.get("identity"))
        .map(child_name)
        .unwrap_or_default();
    Ok(Loaded {
        consents: arr(&answer, "consents")?,
        to_review: arr(&answer, "toReview")?,
        sharing,
        name,
    })
}

fn agencies_of(sharing: &Value) -> Vec<Value> {
    sharing
        .get("agencies")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|a| a.get("agency").cloned())
        .collect()
}

fn shown_scopes(sharing: &Value) -> BTreeSet<String> {
    sharing
        .get("scopes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|s| text(s, "scope").to_owned())
        .collect()
}

fn changeable_scopes(sharing: &Value) -> BTreeSet<String> {
    sharing
        .get("scopes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|s| s.get("mayChange").and_then(Value::as_bool) == Some(true))
        .map(|s| text(s, "scope").to_owned())
        .collect()
}

/// The read-only reason as a sentence, when the viewer may change nothing.
fn read_only(sharing: &Value) -> Option<String> {
    (sharing.get("mayChange").and_then(Value::as_bool) != Some(true)).then(|| {
        capitalised(
            sharing
                .get("readOnlyReason")
                .and_then(Value::as_str)
                .unwrap_or("you cannot change who sees this record"),
        )
    })
}

/// The scopes a grant may be withdrawn by the viewer: all of them theirs.
fn may_withdraw(g: &Value, changeable: &BTreeSet<String>) -> bool {
    list(g, "scopes").iter().all(|s| changeable.contains(s))
}

fn active(g: &&Value) -> bool {
    matches!(text(g, "status"), "ACTIVE" | "PENDING")
}

#[derive(Debug, Deserialize)]
struct Done {
    done: Option<String>,
}

/// `GET /family/children/{id}/sharing`.
async fn overview(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    Query(done): Query<Done>,
) -> Result<Response, PageError> {
    let visitor = visitor.family()?;
    let child = parse_uuid(&id)?;
    let w = Words {
        young_person: visitor.is_young_person(),
    };
    let loaded = load(&state, &visitor, child).await?;
    let sharing = &loaded.sharing;
    let agencies = agencies_of(sharing);
    let shown = shown_scopes(sharing);
    let changeable = changeable_scopes(sharing);
    let read_only = read_only(sharing);
    let handed_over = sharing.get("handedOver").and_then(Value::as_bool) == Some(true);
    let rows: Vec<Value> = sharing
        .get("agencies")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|a| {
            let agency = a.get("agency").cloned().unwrap_or(Value::Null);
            let cells: Vec<Value> = a
                .get("cells")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|c| {
                    let (tag, class, lines) = cell_words(c, w);
                    json!({ "label": scope_label(text(c, "scope")), "tag": tag, "class": class, "lines": lines })
                })
                .collect();
            let can_change = a
                .get("cells")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .any(|c| {
                    changeable.contains(text(c, "scope"))
                        && !list(c, "grantablePurposes").is_empty()
                });
            json!({
                "id": text(&agency, "id"),
                "name": text(&agency, "name"),
                "kind": kind_label(text(&agency, "kind")),
                "summary": cell_summary(&cells),
                "cells": cells,
                "canChange": can_change && read_only.is_none(),
            })
        })
        .collect();
    let grants: Vec<Value> = loaded
        .consents
        .iter()
        .filter(active)
        .filter(|g| {
            g.get("awaitsYoungPerson").and_then(Value::as_bool) != Some(true) || !w.young_person
        })
        .filter_map(|g| {
            let mut v = grant_view(g, &agencies, &shown, w)?;
            v["mayWithdraw"] = json!(may_withdraw(g, &changeable));
            Some(v)
        })
        .collect();
    let to_review: Vec<Value> = loaded
        .to_review
        .iter()
        .filter_map(|g| grant_view(g, &agencies, &shown, w))
        .collect();
    let banner = match done.done.as_deref() {
        Some("kept") => Some("You have kept this agreement"),
        _ => None,
    };
    page(
        &visitor,
        "family/sharing.html",
        context! {
            // A parent past the hand-over has none of the child's pages.
            child_id => (!handed_over).then(|| child.to_string()),
            child_name => loaded.name,
            tab => "sharing",
            agencies => rows,
            grants => grants,
            to_review => to_review,
            read_only => read_only,
            handed_over => handed_over,
            hidden => sharing.get("hiddenScopes").and_then(Value::as_i64).unwrap_or(0),
            young_person => w.young_person,
            banner => banner,
        },
    )
}

/// The change form's state: what was entered and what is wrong.
#[derive(Debug, Default)]
struct Entered {
    scopes: BTreeSet<String>,
    purposes: BTreeSet<String>,
    day: String,
    month: String,
    year: String,
}

#[derive(Debug, Default)]
struct Problems {
    scopes: Option<&'static str>,
    purposes: Option<&'static str>,
    until: Option<&'static str>,
    other: Option<String>,
}

impl Problems {
    fn any(&self) -> bool {
        self.scopes.is_some()
            || self.purposes.is_some()
            || self.until.is_some()
            || self.other.is_some()
    }
    fn summary(&self) -> Vec<Value> {
        let mut out = Vec::new();
        if let Some(m) = self.scopes {
            out.push(json!({ "field": "scopes", "message": m }));
        }
        if let Some(m) = self.purposes {
            out.push(json!({ "field": "purposes", "message": m }));
        }
        if let Some(m) = self.until {
            out.push(json!({ "field": "until-day", "message": m }));
        }
        if let Some(m) = &self.other {
            out.push(json!({ "field": null, "message": m }));
        }
        out
    }
}

const PURPOSES: [&str; 3] = ["DIRECT_SUPPORT", "EHC_ASSESSMENT", "ANNUAL_REVIEW"];

/// Renders the change form for one agency.
#[allow(clippy::too_many_arguments)]
async fn change_page(
    state: &AppState,
    visitor: &Visitor,
    child: Uuid,
    agency: Uuid,
    entered: &Entered,
    problems: &Problems,
    status: StatusCode,
) -> Result<Response, PageError> {
    let w = Words {
        young_person: visitor.is_young_person(),
    };
    let loaded = load(state, visitor, child).await?;
    let sharing = &loaded.sharing;
    let Some(row) = sharing
        .get("agencies")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|a| a.get("agency").map(|x| text(x, "id")) == Some(&agency.to_string()))
    else {
        return Err(PageError::NotFound);
    };
    let agencies = agencies_of(sharing);
    let shown = shown_scopes(sharing);
    let changeable = changeable_scopes(sharing);
    let info = row.get("agency").cloned().unwrap_or(Value::Null);
    let kind = text(&info, "kind").to_owned();
    let cells: Vec<&Value> = row
        .get("cells")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .collect();
    let options: Vec<Value> = cells
        .iter()
        .filter(|c| {
            changeable.contains(text(c, "scope")) && !list(c, "grantablePurposes").is_empty()
        })
        .map(|c| {
            let (tag, _, _) = cell_words(c, w);
            json!({
                "code": text(c, "scope"),
                "label": scope_label(text(c, "scope")),
                "now": tag,
                "checked": entered.scopes.contains(text(c, "scope")),
            })
        })
        .collect();
    let purposes: Vec<Value> = PURPOSES
        .iter()
        .map(|p| {
            json!({ "code": p, "label": capitalised(&w.purpose(p)).trim_end_matches('.').to_owned(), "checked": entered.purposes.contains(*p) })
        })
        .collect();
    let current: Vec<Value> = loaded
        .consents
        .iter()
        .filter(active)
        .filter(|g| {
            g.get("recipientAgencyId").and_then(Value::as_str) == Some(&agency.to_string())
                || g.get("recipientAgencyKind").and_then(Value::as_str) == Some(kind.as_str())
        })
        .filter_map(|g| {
            let mut v = grant_view(g, &agencies, &shown, w)?;
            v["mayWithdraw"] = json!(may_withdraw(g, &changeable));
            Some(v)
        })
        .collect();
    let read_only = read_only(sharing).or_else(|| {
        options
            .is_empty()
            .then(|| "There is nothing you can agree to share with this service.".to_owned())
    });
    let mut response = page(
        visitor,
        "family/sharing_change.html",
        context! {
            child_id => child.to_string(),
            child_name => loaded.name,
            tab => "sharing",
            agency => json!({ "id": agency.to_string(), "name": text(&info, "name"), "kind": kind_label(&kind) }),
            options => options,
            purposes => purposes,
            current => current,
            read_only => read_only,
            entered => json!({ "day": entered.day, "month": entered.month, "year": entered.year }),
            errors => json!({ "scopes": problems.scopes, "purposes": problems.purposes, "until": problems.until }),
            error_summary => problems.summary(),
        },
    )?;
    *response.status_mut() = status;
    Ok(response)
}

/// `GET /family/children/{id}/sharing/agencies/{agency}`.
async fn change(
    State(state): State<AppState>,
    visitor: Visitor,
    Path((id, agency)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let visitor = visitor.family()?;
    let (child, agency) = (parse_uuid(&id)?, parse_uuid(&agency)?);
    change_page(
        &state,
        &visitor,
        child,
        agency,
        &Entered::default(),
        &Problems::default(),
        StatusCode::OK,
    )
    .await
}

/// The form's fields, repeated keys kept (checkboxes).
type Fields = Vec<(String, String)>;

fn field<'a>(fields: &'a Fields, name: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

fn csrf(visitor: &Visitor, fields: &Fields) -> Result<(), PageError> {
    visitor.check_csrf(field(fields, "csrf"))
}

/// The end date: none, or a real date after today.
fn end_date(e: &Entered, today: NaiveDate) -> Result<Option<NaiveDate>, &'static str> {
    let (d, m, y) = (e.day.trim(), e.month.trim(), e.year.trim());
    if d.is_empty() && m.is_empty() && y.is_empty() {
        return Ok(None);
    }
    let date = match (d.parse::<u32>(), m.parse::<u32>(), y.parse::<i32>()) {
        (Ok(d), Ok(m), Ok(y)) if (1000..=9999).contains(&y) => NaiveDate::from_ymd_opt(y, m, d),
        _ => None,
    };
    match date {
        None => Err("The end date must be a real date, for example 27 3 2027"),
        Some(date) if date <= today => Err("The end date must be in the future"),
        Some(date) => Ok(Some(date)),
    }
}

/// An API refusal as the page shows it: a rule (with its reason) or input.
fn refusal(answer: &Answer, field: &str) -> PageError {
    match answer.errors_at(&[field]).next() {
        Some(e) if e.code == "FORBIDDEN" => PageError::Forbidden(capitalised(&e.message)),
        Some(e) if e.code == "BAD_USER_INPUT" => PageError::BadRequest(capitalised(&e.message)),
        Some(e) => gql::page_error(e),
        None => PageError::Internal,
    }
}

/// `POST /family/children/{id}/sharing/agencies/{agency}`: agree to share.
async fn agree(
    State(state): State<AppState>,
    visitor: Visitor,
    Path((id, agency)): Path<(String, String)>,
    PageForm(fields): PageForm<Fields>,
) -> Result<Response, PageError> {
    let visitor = visitor.family()?;
    csrf(&visitor, &fields)?;
    let (child, agency) = (parse_uuid(&id)?, parse_uuid(&agency)?);
    let mut entered = Entered {
        day: field(&fields, "until-day").to_owned(),
        month: field(&fields, "until-month").to_owned(),
        year: field(&fields, "until-year").to_owned(),
        ..Entered::default()
    };
    for (k, v) in &fields {
        match k.as_str() {
            "scopes" if v.parse::<Scope>().is_ok_and(|s| s.consentable()) => {
                entered.scopes.insert(v.clone());
            }
            "purposes" if PURPOSES.contains(&v.as_str()) => {
                entered.purposes.insert(v.clone());
            }
            "scopes" | "purposes" => {
                return Err(PageError::BadRequest(
                    "The form sent a choice we do not know. Go back and try again.".to_owned(),
                ));
            }
            _ => {}
        }
    }
    let today = now(&state).date_naive();
    let mut problems = Problems::default();
    if entered.scopes.is_empty() {
        problems.scopes = Some("Select at least one part of the record to share");
    }
    if entered.purposes.is_empty() {
        problems.purposes = Some("Select what they may use it for");
    }
    let until = end_date(&entered, today).unwrap_or_else(|m| {
        problems.until = Some(m);
        None
    });
    if problems.any() {
        return change_page(
            &state,
            &visitor,
            child,
            agency,
            &entered,
            &problems,
            StatusCode::BAD_REQUEST,
        )
        .await;
    }
    // Only a service the sharing view lists: a made-up one is not found,
    // and the API's own words for it never reach the page.
    let listed = agencies_of(&load(&state, &visitor, child).await?.sharing)
        .iter()
        .any(|a| text(a, "id") == agency.to_string());
    if !listed {
        return Err(PageError::NotFound);
    }
    let valid_until = until
        .and_then(|d| d.and_hms_opt(23, 59, 59))
        .map(|t| t.and_utc().to_rfc3339());
    let input = json!({
        "childId": child,
        "recipientAgencyId": agency,
        "scopes": entered.scopes,
        "purposes": entered.purposes,
        "validUntil": valid_until,
    });
    let answer = gql::run(&state, &visitor, None, GRANT, json!({ "input": input })).await?;
    match answer
        .data
        .get("grantConsent")
        .map(|r| text(r, "receiptId"))
    {
        Some(receipt) if !receipt.is_empty() => Ok(Redirect::to(&format!(
            "/family/children/{child}/sharing/receipts/{receipt}"
        ))
        .into_response()),
        _ => Err(refusal(&answer, "grantConsent")),
    }
}

/// Whether `grant` is one of `child`'s (so a form under one child's
/// address never changes another's).
async fn grant_of(
    state: &AppState,
    visitor: &Visitor,
    child: Uuid,
    grant: Uuid,
) -> Result<(), PageError> {
    let answer = gql::run(state, visitor, None, GRANT_IDS, json!({ "id": child })).await?;
    let Ok(ids) = answer.root("consents") else {
        // A parent past the hand-over reads no agreements: refused with why.
        let view = gql::run(state, visitor, None, SHARING, json!({ "id": child })).await?;
        let view = view.root("sharing")?;
        return Err(match read_only(view) {
            Some(why) => PageError::Forbidden(why),
            None => PageError::NotFound,
        });
    };
    let wanted = grant.to_string();
    if ids
        .as_array()
        .into_iter()
        .flatten()
        .any(|g| text(g, "id") == wanted)
    {
        Ok(())
    } else {
        Err(PageError::NotFound)
    }
}

/// What a form about one grant checks first: a family visitor, the CSRF
/// token, ids that parse, and a grant that is this child's.
async fn grant_form(
    state: &AppState,
    visitor: Visitor,
    id: &str,
    grant: &str,
    fields: &Fields,
) -> Result<(Visitor, Uuid, Uuid), PageError> {
    let visitor = visitor.family()?;
    csrf(&visitor, fields)?;
    let (child, grant) = (parse_uuid(id)?, parse_uuid(grant)?);
    grant_of(state, &visitor, child, grant).await?;
    Ok((visitor, child, grant))
}

/// `POST …/sharing/grants/{grant}/withdraw`: stop sharing.
async fn withdraw(
    State(state): State<AppState>,
    visitor: Visitor,
    Path((id, grant)): Path<(String, String)>,
    PageForm(fields): PageForm<Fields>,
) -> Result<Response, PageError> {
    let (visitor, child, grant) = grant_form(&state, visitor, &id, &grant, &fields).await?;
    let answer = gql::run(&state, &visitor, None, WITHDRAW, json!({ "id": grant })).await?;
    match answer.data.get("withdrawConsent") {
        Some(r) if text(r, "subject") == child.to_string() => Ok(Redirect::to(&format!(
            "/family/children/{child}/sharing/receipts/{}",
            text(r, "receiptId")
        ))
        .into_response()),
        Some(_) => Err(PageError::NotFound),
        None => Err(refusal(&answer, "withdrawConsent")),
    }
}

/// `POST …/sharing/grants/{grant}/keep`: the young person keeps a grant a
/// parent made before the hand-over.
async fn keep(
    State(state): State<AppState>,
    visitor: Visitor,
    Path((id, grant)): Path<(String, String)>,
    PageForm(fields): PageForm<Fields>,
) -> Result<Response, PageError> {
    let (visitor, child, grant) = grant_form(&state, visitor, &id, &grant, &fields).await?;
    let answer = gql::run(&state, &visitor, None, CONFIRM, json!({ "id": grant })).await?;
    match answer.data.get("confirmConsent") {
        Some(r) if !r.is_null() => Ok(Redirect::to(&format!(
            "/family/children/{child}/sharing?done=kept"
        ))
        .into_response()),
        _ => Err(refusal(&answer, "confirmConsent")),
    }
}

/// `GET …/sharing/receipts/{receipt}` (a page) or `{receipt}.json` (the
/// receipt as a download).
async fn receipt(
    State(state): State<AppState>,
    visitor: Visitor,
    Path((id, file)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let visitor = visitor.family()?;
    let child = parse_uuid(&id)?;
    let (receipt_id, as_json) = match file.strip_suffix(".json") {
        Some(r) => (parse_uuid(r)?, true),
        None => (parse_uuid(&file)?, false),
    };
    let answer = gql::run(&state, &visitor, None, RECEIPT, json!({ "id": receipt_id })).await?;
    let r = answer.root("consentReceipt")?;
    if text(r, "subject") != child.to_string() {
        return Err(PageError::NotFound);
    }
    if as_json {
        let body = serde_json::to_string_pretty(r).map_err(|_| PageError::Internal)?;
        return Ok((
            [
                (header::CONTENT_TYPE, "application/json".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"consent-receipt-{receipt_id}.json\""),
                ),
                (header::CACHE_CONTROL, "no-store".to_owned()),
            ],
            body,
        )
            .into_response());
    }
    let w = Words {
        young_person: visitor.is_young_person(),
    };
    let agencies = answer
        .data
        .get("agencies")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let with = match r.get("recipientAgencyId").and_then(Value::as_str) {
        Some(aid) => agencies
            .iter()
            .find(|a| text(a, "id") == aid)
            .map_or_else(|| "A service".to_owned(), |a| text(a, "name").to_owned()),
        None => format!(
            "Every service of this kind: {}",
            kind_label(text(r, "recipientAgencyKind"))
        ),
    };
    let mut laws: Vec<String> = r
        .get("lawfulBases")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|b| b.get("lawfulBasis"))
        .map(|b| plain_law(text(b, "gateway")))
        .filter(|g| !g.is_empty())
        .collect();
    laws.sort();
    laws.dedup();
    let contact = r.get("controllerContact").cloned().unwrap_or(Value::Null);
    let timestamp = |k: &str| {
        r.get(k)
            .and_then(Value::as_str)
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .map(|t| uk_datetime(t.with_timezone(&Utc)))
    };
    page(
        &visitor,
        "family/receipt.html",
        context! {
            child_id => child.to_string(),
            child_name => if w.young_person { "Your record" } else { "Your child's record" },
            tab => "sharing",
            withdrawn => text(r, "event") == "WITHDRAWN",
            with => with,
            sections => list(r, "scopes").iter().map(|s| scope_label(s)).collect::<Vec<_>>(),
            purposes => list(r, "purposes").iter().map(|p| capitalised(&w.purpose(p)).trim_end_matches('.').to_owned()).collect::<Vec<_>>(),
            when => timestamp("timestamp"),
            from => timestamp("validFrom"),
            until => r.get("validUntil").and_then(Value::as_str).map(date_words),
            agreement_words => text(r, "agreementWords"),
            laws => laws,
            note => r.get("note").and_then(Value::as_str),
            controller => json!({
                "name": text(r, "controller"),
                "address": text(&contact, "address"),
                "email": text(&contact, "email"),
                "phone": text(&contact, "phone"),
                "policy": text(r, "policyUrl"),
            }),
            json_href => format!("/family/children/{child}/sharing/receipts/{receipt_id}.json"),
        },
    )
}

/// "Shared with your agreement: 3 parts. Not shared: 12 parts." — how an
/// agency's cells add up, in the order the states first appear, so a long
/// list of services can be scanned before it is opened.
fn cell_summary(cells: &[Value]) -> String {
    let mut counts: Vec<(String, usize)> = Vec::new();
    for c in cells {
        let tag = c.get("tag").and_then(Value::as_str).unwrap_or_default();
        match counts.iter_mut().find(|(t, _)| t == tag) {
            Some((_, n)) => *n += 1,
            None => counts.push((tag.to_owned(), 1)),
        }
    }
    counts
        .iter()
        .map(|(tag, n)| format!("{tag}: {n} {}.", if *n == 1 { "part" } else { "parts" }))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn end_dates_are_real_and_in_the_future() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 1).expect("date");
        let e = |d: &str, m: &str, y: &str| Entered {
            day: d.into(),
            month: m.into(),
            year: y.into(),
            ..Entered::default()
        };
        assert_eq!(end_date(&e("", "", ""), today), Ok(None));
        assert_eq!(
            end_date(&e("27", "3", "2027"), today),
            Ok(NaiveDate::from_ymd_opt(2027, 3, 27))
        );
        assert!(end_date(&e("31", "2", "2027"), today).is_err());
        assert!(end_date(&e("1", "12", "2026"), today).is_err());
        assert!(end_date(&e("x", "1", "2027"), today).is_err());
        assert!(end_date(&e("1", "1", ""), today).is_err());
    }

    #[test]
    fn laws_read_without_lawyers_notes() {
        assert_eq!(
            plain_law(
                "Health and Social Care Act 2012 s.251B [to confirm]; Children Act 1989 s.17"
            ),
            "Health and Social Care Act 2012 s.251B; Children Act 1989 s.17"
        );
        assert_eq!(
            and_list(&["a".into(), "b".into(), "c".into()]),
            "a, b and c"
        );
    }
}
