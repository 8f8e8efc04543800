//! `GET /exports/timeliness.csv?from=YYYY-MM-DD&to=YYYY-MM-DD`: the
//! timeliness dashboard as CSV rows (measure, group, numerator,
//! denominator, percent), for the same callers as the `timeliness` query.
//! Counts only; traced (REPORT, format csv) before the first byte.

use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use chrono::{NaiveDate, Utc};
use domain::timeliness::TimelinessReport;
use serde::Deserialize;

use crate::access::ReportFormat;
use crate::error::{Error, INTERNAL_MESSAGE, code};
use crate::http::auth::{Caller, context_for};
use crate::http::error::error_response;
use crate::http::export::csv_field;
use crate::http::state::AppState;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Params {
    from: Option<String>,
    to: Option<String>,
}

fn bad(message: &str) -> Response {
    error_response(StatusCode::BAD_REQUEST, code::BAD_USER_INPUT, message)
}

fn date(name: &str, value: Option<&str>) -> Result<NaiveDate, String> {
    let value = value.ok_or_else(|| format!("{name} is required (YYYY-MM-DD)"))?;
    NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .map_err(|_| format!("{name}: a date must be written YYYY-MM-DD"))
}

fn period(uri: &Uri) -> Result<(NaiveDate, NaiveDate), String> {
    let Query(p) = Query::<Params>::try_from_uri(uri)
        .map_err(|_| "unknown or malformed query parameter".to_owned())?;
    Ok((
        date("from", p.from.as_deref())?,
        date("to", p.to.as_deref())?,
    ))
}

/// The error's answer outside GraphQL: its code and, for input, its words.
fn failure(e: Error) -> Response {
    match e {
        Error::BadInput(input) => bad(&format!("{}: {}", input.field, input.message)),
        Error::Forbidden(message) => {
            error_response(StatusCode::FORBIDDEN, code::FORBIDDEN, &message)
        }
        other => {
            tracing::error!(error = ?other, "timeliness export failed");
            error_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                code::INTERNAL,
                INTERNAL_MESSAGE,
            )
        }
    }
}

pub async fn timeliness_csv(State(state): State<AppState>, caller: Caller, uri: Uri) -> Response {
    let rc = context_for(
        &state,
        caller.principal,
        caller.request_id,
        crate::telemetry::current_trace_id(),
        state.clock.unwrap_or_else(Utc::now),
    );
    let reporter = match rc.reporter() {
        Ok(r) => r,
        Err(e) => return failure(e),
    };
    let (from, to) = match period(&uri) {
        Ok(p) => p,
        Err(message) => return bad(&message),
    };
    let report = match reporter.timeliness(from, to, ReportFormat::Csv).await {
        Ok(r) => r,
        Err(e) => return failure(e),
    };
    // The report is traced before its first byte is sent.
    if rc.finish().await.is_err() {
        return failure(Error::Internal(anyhow::anyhow!("trace append failed")));
    }
    let mut response = csv(&report).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(disposition) = HeaderValue::from_str(&format!(
        "attachment; filename=\"timeliness-{from}-to-{to}.csv\""
    )) {
        headers.insert(header::CONTENT_DISPOSITION, disposition);
    }
    response
}

/// The header line of the CSV.
pub const CSV_HEADER: &str = "measure,group,numerator,denominator,percent\n";

/// The report as CSV (RFC 4180 quoting and formula neutralising, as the
/// trace export: agency names come from the register and may hold commas,
/// quotes or a leading `=`).
pub fn csv(report: &TimelinessReport) -> String {
    let mut out = String::from(CSV_HEADER);
    for row in report.rows() {
        let cells = [
            row.measure.to_owned(),
            row.group,
            row.numerator.to_string(),
            row.denominator.map(|d| d.to_string()).unwrap_or_default(),
            row.percent,
        ];
        for (i, cell) in cells.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            csv_field(&mut out, cell);
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use domain::timeliness::{Period, report};
    use domain::{Agency, AgencyKind};

    use super::*;

    #[test]
    fn an_empty_report_has_every_measure_and_no_nan() {
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).expect("date");
        let period = Period::new(d(1, 1), d(12, 31)).expect("period");
        let hostile = Agency {
            id: uuid::Uuid::from_u128(1),
            name: "=cmd|' /C calc'!A0, \"Ltd\"".into(),
            kind: AgencyKind::Slt,
        };
        let text = csv(&report(period, d(6, 1), &[], &[hostile], &[], &[]));
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "measure,group,numerator,denominator,percent");
        assert_eq!(
            lines[1],
            "final_plans_within_20_weeks_including_exceptions,all,0,0,"
        );
        assert!(lines.contains(&"open_past_20_weeks,all,0,,"));
        assert!(!text.contains("NaN"));
    }

    #[test]
    fn hostile_group_names_are_quoted_and_neutralised() {
        let mut out = String::new();
        csv_field(&mut out, "=cmd|' /C calc'!A0, \"Ltd\"");
        assert_eq!(out, "\"'=cmd|' /C calc'!A0, \"\"Ltd\"\"\"");
    }
}
