//! The EHC plan as a document: `GET
//! /plans/{assessmentId}/versions/{version}.{html,pdf,json}` and `GET
//! /plans/{assessmentId}/latest.{html,pdf,json}` (the latest issued
//! version the reader may see).
//!
//! A front end over the door: the version comes from
//! `RequestContext::plan_document` (the same rules and trace as the
//! `ehcPlan` and `ehcPlanVersion` queries), and `render` turns it into
//! HTML, PDF or JSON. Traced before the first byte. 401 without a valid
//! token; 400 for a malformed id, version or format (a version is a whole
//! number from 1); 404, with one message, for a plan or version that does
//! not exist and for one the caller may not see.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use domain::plan::PlanSection;
use uuid::Uuid;

use crate::access::{PlanDocument, VersionWanted};
use crate::error::{Error, INTERNAL_MESSAGE, code};
use crate::http::auth::{Caller, context_for};
use crate::http::error::error_response;
use crate::http::state::AppState;
use crate::render::plan::{ChildDetails, PlanReader};
use crate::render::{PlanView, plan_html, plan_json, plan_pdf};

/// The page's own rules: no scripts, frames or external resources at all;
/// only the renderer's one inline `<style>` element (it uses no images,
/// fonts or `url(..)`).
pub const HTML_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'";

/// The one answer for a plan that does not exist and one the caller may
/// not see: never an existence oracle.
pub const NOT_FOUND_MESSAGE: &str = "no such plan version, or none you may see";

/// How a document is rendered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Html,
    Pdf,
    Json,
}

impl Format {
    fn parse(extension: &str) -> Result<Self, String> {
        match extension {
            "html" => Ok(Format::Html),
            "pdf" => Ok(Format::Pdf),
            "json" => Ok(Format::Json),
            _ => Err("format: must be .html, .pdf or .json".to_owned()),
        }
    }
}

/// `3.pdf` → (3, PDF); `latest.html` → (latest, HTML).
pub fn split(file: &str) -> Result<(&str, Format), String> {
    let (stem, extension) = file
        .rsplit_once('.')
        .ok_or_else(|| "format: must be .html, .pdf or .json".to_owned())?;
    Ok((stem, Format::parse(extension)?))
}

fn assessment_id(value: &str) -> Result<Uuid, String> {
    value
        .parse()
        .map_err(|_| "assessmentId: must be an assessment's id (a UUID)".to_owned())
}

/// A version number: a whole number from 1, digits only.
pub fn version_number(value: &str) -> Result<i32, String> {
    let bad = || "version: must be a whole number from 1".to_owned();
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    value
        .parse::<i32>()
        .ok()
        .filter(|n| *n >= 1)
        .ok_or_else(bad)
}

/// `GET /plans/{assessment}/versions/{version}.{format}`.
pub async fn version(
    State(state): State<AppState>,
    caller: Caller,
    Path((assessment, file)): Path<(String, String)>,
) -> Response {
    let parsed = assessment_id(&assessment).and_then(|a| {
        let (stem, format) = split(&file)?;
        Ok((a, VersionWanted::Number(version_number(stem)?), format))
    });
    match parsed {
        Ok((a, wanted, format)) => document(&state, caller, a, wanted, format).await,
        Err(message) => bad(&message),
    }
}

/// `GET /plans/{assessment}/latest.{format}`.
pub async fn latest(
    State(state): State<AppState>,
    caller: Caller,
    Path((assessment, file)): Path<(String, String)>,
) -> Response {
    let parsed = assessment_id(&assessment).and_then(|a| match split(&file)? {
        ("latest", format) => Ok(Some((a, format))),
        _ => Ok(None),
    });
    match parsed {
        Ok(Some((a, format))) => {
            document(&state, caller, a, VersionWanted::LatestIssued, format).await
        }
        Ok(None) => not_found(),
        Err(message) => bad(&message),
    }
}

async fn document(
    state: &AppState,
    caller: Caller,
    assessment: Uuid,
    wanted: VersionWanted,
    format: Format,
) -> Response {
    render(
        state,
        caller.principal,
        caller.request_id,
        Wanted {
            assessment,
            version: wanted,
            format,
            child: None,
        },
    )
    .await
    .unwrap_or_else(failure)
}

/// Which document a reader asks for.
#[derive(Debug, Clone, Copy)]
pub struct Wanted {
    pub assessment: Uuid,
    pub version: VersionWanted,
    pub format: Format,
    /// The child the reader expects the plan to be about (the family
    /// pages' address names one): another child's plan is NOT_FOUND.
    pub child: Option<Uuid>,
}

/// The document as `principal` may see it, traced before it is returned:
/// the one rendering behind `/plans/…` and the family pages' copies.
pub async fn render(
    state: &AppState,
    principal: consent::Principal,
    request_id: String,
    wanted: Wanted,
) -> Result<Response, Error> {
    let rc = context_for(
        state,
        principal,
        request_id,
        crate::telemetry::current_trace_id(),
        state.clock.unwrap_or_else(Utc::now),
    );
    let format = wanted.format;
    let doc = rc.plan_document(wanted.assessment, wanted.version).await?;
    if wanted
        .child
        .is_some_and(|c| c != doc.shown.version.child_id)
    {
        // Nothing is sent, so nothing is traced.
        return Err(Error::NotFound("plan version"));
    }
    let view = PlanView::new(
        &doc.shown.version,
        ChildDetails {
            name: doc.child.name.clone(),
            date_of_birth: doc.child.date_of_birth,
        },
        doc.local_authority.clone(),
        &Reader(&doc),
    );
    let number = view.version;
    let (body, content_type) = match format {
        Format::Html => (plan_html(&view).into_bytes(), "text/html; charset=utf-8"),
        Format::Json => (
            plan_json(&view).to_string().into_bytes(),
            "application/json",
        ),
        Format::Pdf => match plan_pdf(&view) {
            Ok(bytes) => (bytes, "application/pdf"),
            Err(e) => return Err(Error::Internal(e.into())),
        },
    };
    // The read is traced before the first byte is sent.
    if rc.finish().await.is_err() {
        return Err(Error::Internal(anyhow::anyhow!("trace append failed")));
    }
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    match format {
        Format::Html => {
            headers.insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(HTML_CSP),
            );
        }
        Format::Pdf => {
            if let Ok(disposition) =
                HeaderValue::from_str(&format!("attachment; filename=\"ehc-plan-v{number}.pdf\""))
            {
                headers.insert(header::CONTENT_DISPOSITION, disposition);
            }
        }
        Format::Json => {}
    }
    Ok(private(response))
}

/// Names agencies from the register and withholds what the door withheld.
struct Reader<'a>(&'a PlanDocument);

impl PlanReader for Reader<'_> {
    fn agency_name(&self, agency: Uuid) -> String {
        self.0.agencies.iter().find(|a| a.id == agency).map_or_else(
            || "an agency no longer registered".to_owned(),
            |a| a.name.clone(),
        )
    }

    fn withheld(&self, section: PlanSection) -> Option<String> {
        self.0
            .withheld_sections
            .get(&section)
            .map(|d| d.reason.clone())
    }

    fn partly_withheld(&self, section: PlanSection) -> Option<String> {
        self.0
            .partly_withheld_sections
            .get(&section)
            .map(|d| d.reason.clone())
    }
}

/// Plans hold children's data: no cache keeps them, no browser sniffs them.
fn private(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

fn bad(message: &str) -> Response {
    private(error_response(
        StatusCode::BAD_REQUEST,
        code::BAD_USER_INPUT,
        message,
    ))
}

fn not_found() -> Response {
    private(error_response(
        StatusCode::NOT_FOUND,
        code::NOT_FOUND,
        NOT_FOUND_MESSAGE,
    ))
}

/// The error's answer outside GraphQL. Whatever says "not yours" or "not
/// there" is one 404; internal causes are logged once, never shown.
fn failure(e: Error) -> Response {
    match e {
        Error::NotFound(_) | Error::NoRecord(_) | Error::Withheld(..) | Error::NotPermitted(..) => {
            not_found()
        }
        Error::BadInput(input) => bad(&format!("{}: {}", input.field, input.message)),
        Error::Problems { field, message, .. } => bad(&format!("{field}: {message}")),
        Error::Forbidden(message) => private(error_response(
            StatusCode::FORBIDDEN,
            code::FORBIDDEN,
            &message,
        )),
        other @ (Error::Database(_) | Error::Internal(_)) => {
            tracing::error!(error = ?other, "plan document failed");
            private(error_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                code::INTERNAL,
                INTERNAL_MESSAGE,
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_name_splits_into_stem_and_format() {
        assert_eq!(split("3.pdf"), Ok(("3", Format::Pdf)));
        assert_eq!(split("latest.html"), Ok(("latest", Format::Html)));
        assert_eq!(split("2.json"), Ok(("2", Format::Json)));
        assert!(split("3").is_err());
        assert!(split("3.docx").is_err());
        assert!(split("3.HTML").is_err());
    }

    #[test]
    fn a_version_is_a_whole_number_from_one() {
        assert_eq!(version_number("1"), Ok(1));
        assert_eq!(version_number("12"), Ok(12));
        for bad in ["0", "-1", "+1", "1.5", "", "one", " 1", "99999999999"] {
            assert!(version_number(bad).is_err(), "{bad:?}");
        }
    }
}
