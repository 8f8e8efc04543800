//! `GET /trace/export`: the access trace as NDJSON or CSV, streamed page by
//! page, with the same filters as `accessTrace`. IG staff only; the export
//! itself is traced before the first byte is sent.

use axum::body::{Body, Bytes};
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use consent::BasisKind;
use consent::trace::{TraceAction, TraceEntry};
use futures_util::StreamExt;
use serde::Deserialize;

use crate::access::{ExportFormat, TraceFilter, TraceRow};
use crate::error::{INTERNAL_MESSAGE, code};
use crate::http::auth::{Caller, context_for};
use crate::http::error::error_response;
use crate::http::state::AppState;

/// Query parameters: the filter of `accessTrace`, and `format`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExportParams {
    format: Option<String>,
    child_id: Option<String>,
    agency_id: Option<String>,
    actor_subject: Option<String>,
    action: Option<String>,
    basis: Option<String>,
    purpose: Option<String>,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    #[serde(default)]
    overrides_only: bool,
    #[serde(default)]
    denied_only: bool,
}

fn bad(message: &str) -> Response {
    error_response(StatusCode::BAD_REQUEST, code::BAD_USER_INPUT, message)
}

fn parse<T: std::str::FromStr>(name: &str, value: Option<&str>) -> Result<Option<T>, String> {
    value
        .map(|v| v.parse::<T>().map_err(|_| format!("{name} is not valid")))
        .transpose()
}

/// The parameters [`ExportParams`] takes, as a caller spells them.
const PARAMETERS: [&str; 11] = [
    "format",
    "childId",
    "agencyId",
    "actorSubject",
    "action",
    "basis",
    "purpose",
    "from",
    "to",
    "overridesOnly",
    "deniedOnly",
];

impl ExportParams {
    /// Parses the query string. A control character in a value is refused
    /// by name before anything else: PostgreSQL cannot compare text holding
    /// a NUL, and the export would fail after its 200 had been sent.
    fn from_uri(uri: &Uri) -> Result<Self, String> {
        let malformed = || "unknown or malformed query parameter".to_owned();
        let Query(pairs) =
            Query::<Vec<(String, String)>>::try_from_uri(uri).map_err(|_| malformed())?;
        for (name, value) in &pairs {
            let Some(name) = PARAMETERS.iter().copied().find(|&p| p == name.as_str()) else {
                return Err(malformed());
            };
            domain::input::no_control_characters(name, value).map_err(|e| e.to_string())?;
        }
        Query::<Self>::try_from_uri(uri)
            .map(|Query(params)| params)
            .map_err(|_| malformed())
    }

    fn filter(&self) -> Result<(ExportFormat, TraceFilter), String> {
        let format = match self.format.as_deref() {
            None | Some("ndjson") => ExportFormat::Ndjson,
            Some("csv") => ExportFormat::Csv,
            Some(_) => return Err("format must be ndjson or csv".to_owned()),
        };
        Ok((
            format,
            TraceFilter {
                child_id: parse("childId", self.child_id.as_deref())?,
                agency_id: parse("agencyId", self.agency_id.as_deref())?,
                actor_subject: self.actor_subject.clone(),
                action: parse::<TraceAction>("action", self.action.as_deref())?,
                basis: parse::<BasisKind>("basis", self.basis.as_deref())?,
                purpose: parse("purpose", self.purpose.as_deref())?,
                from: self.from,
                to: self.to,
                overrides_only: self.overrides_only,
                denied_only: self.denied_only,
                ..TraceFilter::default()
            },
        ))
    }
}

pub async fn export(State(state): State<AppState>, caller: Caller, uri: Uri) -> Response {
    let rc = context_for(
        &state,
        caller.principal,
        caller.request_id,
        crate::telemetry::current_trace_id(),
        state.clock.unwrap_or_else(Utc::now),
    );
    let ig = match rc.ig() {
        Ok(ig) => ig,
        Err(_) => {
            return error_response(
                StatusCode::FORBIDDEN,
                code::FORBIDDEN,
                "only information-governance staff (ig_auditor, ig_admin) may export the access trace",
            );
        }
    };
    let params = match ExportParams::from_uri(&uri) {
        Ok(params) => params,
        Err(message) => return bad(&message),
    };
    let (format, filter) = match params.filter() {
        Ok(f) => f,
        Err(message) => return bad(&message),
    };
    let pages = ig.export(filter, format);
    // The export is traced before its first byte is sent.
    if rc.finish().await.is_err() {
        return error_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            code::INTERNAL,
            INTERNAL_MESSAGE,
        );
    }
    let mut first = true;
    let body = Body::from_stream(pages.map(move |page| match page {
        Ok(rows) => {
            let mut chunk = String::new();
            if std::mem::take(&mut first) && format == ExportFormat::Csv {
                chunk.push_str(CSV_HEADER);
            }
            for row in &rows {
                match format {
                    ExportFormat::Ndjson => ndjson_line(&mut chunk, row),
                    ExportFormat::Csv => csv_line(&mut chunk, &row.entry, &row.hash),
                }
            }
            Ok(Bytes::from(chunk))
        }
        Err(e) => {
            tracing::error!(error = ?e, "trace export failed part-way");
            Err(std::io::Error::other("export interrupted"))
        }
    }));
    let content_type = match format {
        ExportFormat::Ndjson => "application/x-ndjson",
        ExportFormat::Csv => "text/csv; charset=utf-8",
    };
    let mut response = body.into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

fn ndjson_line(out: &mut String, row: &TraceRow) {
    let mut value = serde_json::to_value(&row.entry).unwrap_or_default();
    value["hash"] = serde_json::Value::String(row.hash.clone());
    value["prev_hash"] = serde_json::Value::String(row.prev_hash.clone());
    out.push_str(&value.to_string());
    out.push('\n');
}

const CSV_HEADER: &str = "seq,recorded_at,action,outcome,actor_subject,actor_agency_id,actor_agency_kind,actor_roles,child_id,purpose,disclosed,withheld,basis,request_id,trace_id,hash\n";

/// One cell. A cell a spreadsheet would read as a formula (or that could
/// turn into one once leading whitespace is dropped) gets a leading `'`,
/// as OWASP advises against CSV injection; then it is quoted as RFC 4180
/// requires. Actor subjects come from tokens, so any cell may be hostile.
pub(crate) fn csv_field(out: &mut String, value: &str) {
    let neutralised;
    let value = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        neutralised = format!("'{value}");
        neutralised.as_str()
    } else {
        value
    };
    if value.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&value.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(value);
    }
}

fn csv_line(out: &mut String, e: &TraceEntry, hash: &str) {
    let join = |items: Vec<String>| items.join(";");
    let fields = [
        e.seq.to_string(),
        e.recorded_at.clone(),
        e.action.to_string(),
        e.outcome.to_string(),
        e.actor.subject.clone().unwrap_or_default(),
        e.actor.agency_id.map(|a| a.to_string()).unwrap_or_default(),
        e.actor
            .agency_kind
            .map(|a| a.to_string())
            .unwrap_or_default(),
        join(e.actor.roles.iter().map(ToString::to_string).collect()),
        e.child_id.map(|c| c.to_string()).unwrap_or_default(),
        e.purpose.map(|p| p.to_string()).unwrap_or_default(),
        join(e.disclosed.clone()),
        join(
            e.withheld
                .iter()
                .map(|w| format!("{}:{}", w.scope, w.code))
                .collect(),
        ),
        join(
            e.basis
                .iter()
                .map(|b| format!("{}:{}", b.scope, b.kind))
                .collect(),
        ),
        e.request_id.clone().unwrap_or_default(),
        e.trace_id.clone().unwrap_or_default(),
        hash.to_owned(),
    ];
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        csv_field(out, f);
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(value: &str) -> String {
        let mut out = String::new();
        csv_field(&mut out, value);
        out
    }

    #[test]
    fn formula_cells_are_neutralised_then_quoted() {
        assert_eq!(cell("=1+1"), "'=1+1");
        assert_eq!(cell("+1"), "'+1");
        assert_eq!(cell("-1"), "'-1");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("\tx"), "'\tx");
        assert_eq!(cell("\rx"), "\"'\rx\"");
        assert_eq!(
            cell("=HYPERLINK(\"a\",\"b\")"),
            "\"'=HYPERLINK(\"\"a\"\",\"\"b\"\")\""
        );
        // Ordinary cells are left alone, a formula sign inside them too.
        assert_eq!(cell("test-senco"), "test-senco");
        assert_eq!(cell("a=b"), "a=b");
        assert_eq!(cell(""), "");
        assert_eq!(cell("a,b"), "\"a,b\"");
    }

    #[test]
    fn a_control_character_in_a_parameter_is_named() {
        let params =
            |q: &str| ExportParams::from_uri(&format!("/trace/export?{q}").parse().expect("uri"));
        assert!(params("actorSubject=a&format=csv").is_ok());
        let error = params("actorSubject=a%00b").expect_err("NUL");
        assert!(error.contains("actorSubject"), "{error}");
        let error = params("deniedOnly=true%01").expect_err("control");
        assert!(error.contains("deniedOnly"), "{error}");
        assert_eq!(
            params("colour%00=x").expect_err("unknown"),
            "unknown or malformed query parameter"
        );
    }
}
