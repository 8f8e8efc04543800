//! The pages' templates and the error page. Templates are minijinja
//! (auto-escaped, as their names end in `.html`), embedded in the binary
//! and parsed once; they render the GraphQL answer a page received, so a
//! template sees only what the door disclosed.
//!
//! Filters for plain English: `date` (1 December 2026), `datetime`
//! (1 December 2026 at 3:05pm, UK time), `humanize` (SOCIAL_CARE → social
//! care) for the odd code a page has no words of its own for.

use std::sync::LazyLock;

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc, Weekday};
use minijinja::{Environment, Value, context};

/// Every template: (name, source). Pages add theirs here.
const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("templates/base.html")),
    ("macros.html", include_str!("templates/macros.html")),
    ("error.html", include_str!("templates/error.html")),
    ("signin.html", include_str!("templates/signin.html")),
    (
        "family/base.html",
        include_str!("templates/family/base.html"),
    ),
    (
        "family/children.html",
        include_str!("templates/family/children.html"),
    ),
    (
        "family/plan.html",
        include_str!("templates/family/plan.html"),
    ),
    (
        "family/record.html",
        include_str!("templates/family/record.html"),
    ),
    (
        "family/history.html",
        include_str!("templates/family/history.html"),
    ),
    (
        "family/about.html",
        include_str!("templates/family/about.html"),
    ),
    (
        "family/sharing.html",
        include_str!("templates/family/sharing.html"),
    ),
    (
        "family/sharing_change.html",
        include_str!("templates/family/sharing_change.html"),
    ),
    (
        "family/receipt.html",
        include_str!("templates/family/receipt.html"),
    ),
    (
        "provider/base.html",
        include_str!("templates/provider/base.html"),
    ),
    (
        "provider/home.html",
        include_str!("templates/provider/home.html"),
    ),
    (
        "provider/request.html",
        include_str!("templates/provider/request.html"),
    ),
    (
        "provider/advice.html",
        include_str!("templates/provider/advice.html"),
    ),
];

static ENV: LazyLock<Environment<'static>> = LazyLock::new(environment);

fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    for (name, source) in TEMPLATES {
        if let Err(e) = env.add_template(name, source) {
            // A template that does not parse is a build defect: the unit
            // test below fails on it; at run time its page answers 500.
            tracing::error!(template = name, error = %e, "template does not parse");
        }
    }
    env.add_filter("date", date_filter);
    env.add_filter("datetime", datetime_filter);
    env.add_filter("humanize", humanize);
    env
}

/// Why a page could not be shown, in words a parent can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageError {
    NotFound,
    /// Not allowed; the message says why in plain words.
    Forbidden(String),
    /// Signed in, but this portal is not for them.
    WrongPortal,
    /// A form's CSRF token is missing or not this session's.
    Expired,
    BadRequest(String),
    Internal,
}

impl PageError {
    fn parts(&self) -> (StatusCode, &'static str, String) {
        match self {
            PageError::NotFound => (
                StatusCode::NOT_FOUND,
                "Page not found",
                "We could not find that page. If you typed the web address, check it is correct."
                    .to_owned(),
            ),
            PageError::Forbidden(why) => (
                StatusCode::FORBIDDEN,
                "You cannot see this page",
                why.clone(),
            ),
            PageError::WrongPortal => (
                StatusCode::FORBIDDEN,
                "This part of tellonce is not for your account",
                "Families use the family pages and practitioners use the provider pages. Sign out and sign in with the right account.".to_owned(),
            ),
            PageError::Expired => (
                StatusCode::FORBIDDEN,
                "This form has expired",
                "For your security, a form stops working when you sign out or after a while. Go back, reload the page and try again. Nothing was changed.".to_owned(),
            ),
            PageError::BadRequest(why) => (
                StatusCode::BAD_REQUEST,
                "There is a problem with what was sent",
                why.clone(),
            ),
            PageError::Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Sorry, there is a problem with the service",
                "Try again later.".to_owned(),
            ),
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (status, title, message) = self.parts();
        let body = render(
            "error.html",
            context! { title => title, message => message, status => status.as_u16() },
        )
        .unwrap_or_else(|_| Html(format!("<!DOCTYPE html><html lang=\"en\"><head><title>{title}</title></head><body><h1>{title}</h1></body></html>")));
        (status, body).into_response()
    }
}

/// Renders a template with a context.
pub fn render(name: &str, ctx: Value) -> Result<Html<String>, PageError> {
    let template = ENV.get_template(name).map_err(|e| {
        tracing::error!(template = name, error = %e, "no such template");
        PageError::Internal
    })?;
    template.render(ctx).map(Html).map_err(|e| {
        tracing::error!(template = name, error = %e, "rendering a page failed");
        PageError::Internal
    })
}

/// Who a page is for, as its frame shows them: the greeting, the portal
/// (`family`, `provider` or empty), whether a young person, and the CSRF
/// token every form of the page carries. `session::Visitor` makes one.
#[derive(Debug, Clone)]
pub struct Who {
    pub name: String,
    pub portal: &'static str,
    pub young_person: bool,
    pub csrf: String,
}

/// A page for a signed-in visitor: the template gets `visitor` (name,
/// portal, whether a young person) and `csrf` besides the page's own
/// context.
pub fn page(who: impl Into<Who>, name: &str, ctx: Value) -> Result<Response, PageError> {
    let who = who.into();
    let base = context! {
        visitor => context! {
            name => who.name,
            portal => who.portal,
            young_person => who.young_person,
        },
        csrf => who.csrf,
    };
    Ok(render(name, context! { ..ctx, ..base })?.into_response())
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// 1 December 2026.
pub fn long_date(d: NaiveDate) -> String {
    format!("{} {} {}", d.day(), MONTHS[d.month0() as usize], d.year())
}

/// The last Sunday of a month, at 01:00 UTC: when UK summer time starts
/// (March) and ends (October).
fn last_sunday_1am(year: i32, month: u32) -> Option<DateTime<Utc>> {
    let first_next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)?
    };
    let mut d = first_next.pred_opt()?;
    while d.weekday() != Weekday::Sun {
        d = d.pred_opt()?;
    }
    Some(d.and_hms_opt(1, 0, 0)?.and_utc())
}

/// Whether UK summer time (BST) is in force at `t`.
pub fn uk_summer_time(t: DateTime<Utc>) -> bool {
    match (last_sunday_1am(t.year(), 3), last_sunday_1am(t.year(), 10)) {
        (Some(start), Some(end)) => t >= start && t < end,
        _ => false,
    }
}

/// The instant a UK calendar day starts (midnight, UK time).
pub fn uk_midnight(d: NaiveDate) -> Option<DateTime<Utc>> {
    let utc = d.and_hms_opt(0, 0, 0)?.and_utc();
    let bst = utc.checked_sub_signed(chrono::Duration::hours(1))?;
    Some(if uk_summer_time(bst) { bst } else { utc })
}

/// UK local time (GMT, or BST from the last Sunday of March to the last
/// Sunday of October), as "1 December 2026 at 3:05pm".
pub fn uk_datetime(t: DateTime<Utc>) -> String {
    let summer = match (last_sunday_1am(t.year(), 3), last_sunday_1am(t.year(), 10)) {
        (Some(start), Some(end)) => t >= start && t < end,
        _ => false,
    };
    let local = if summer {
        t.checked_add_signed(chrono::Duration::hours(1))
            .unwrap_or(t)
    } else {
        t
    };
    let (pm, hour) = local.hour12();
    format!(
        "{} at {}:{:02}{}",
        long_date(local.date_naive()),
        hour,
        local.minute(),
        if pm { "pm" } else { "am" }
    )
}

fn date_filter(v: Value) -> String {
    let Some(s) = v.as_str() else {
        return String::new();
    };
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return long_date(d);
    }
    match DateTime::parse_from_rfc3339(s) {
        Ok(t) => long_date(t.with_timezone(&Utc).date_naive()),
        Err(_) => s.to_owned(),
    }
}

fn datetime_filter(v: Value) -> String {
    let Some(s) = v.as_str() else {
        return String::new();
    };
    match DateTime::parse_from_rfc3339(s) {
        Ok(t) => uk_datetime(t.with_timezone(&Utc)),
        Err(_) => date_filter(v),
    }
}

/// SOCIAL_CARE → social care.
pub fn humanize(v: Value) -> String {
    v.as_str()
        .unwrap_or_default()
        .to_ascii_lowercase()
        .replace('_', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_parses() {
        let mut env = Environment::new();
        for (name, source) in TEMPLATES {
            env.add_template(name, source)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }

    #[test]
    fn dates_read_as_people_write_them() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).expect("date");
        assert_eq!(long_date(d(2026, 12, 1)), "1 December 2026");
        let t = |s: &str| {
            DateTime::parse_from_rfc3339(s)
                .expect("t")
                .with_timezone(&Utc)
        };
        assert_eq!(
            uk_datetime(t("2026-12-01T15:05:00Z")),
            "1 December 2026 at 3:05pm"
        );
        // Summer time: 29 March 2026 01:00 UTC to 25 October 2026 01:00 UTC.
        assert_eq!(
            uk_datetime(t("2026-07-01T09:30:00Z")),
            "1 July 2026 at 10:30am"
        );
        assert_eq!(
            uk_datetime(t("2026-03-29T00:59:00Z")),
            "29 March 2026 at 12:59am"
        );
        assert_eq!(
            uk_datetime(t("2026-03-29T01:00:00Z")),
            "29 March 2026 at 2:00am"
        );
        assert_eq!(
            uk_datetime(t("2026-10-25T00:30:00Z")),
            "25 October 2026 at 1:30am"
        );
        assert_eq!(
            uk_datetime(t("2026-10-25T01:30:00Z")),
            "25 October 2026 at 1:30am"
        );
        assert_eq!(humanize(Value::from("SOCIAL_CARE")), "social care");
        assert_eq!(uk_midnight(d(2026, 12, 1)), Some(t("2026-12-01T00:00:00Z")));
        assert_eq!(uk_midnight(d(2026, 7, 1)), Some(t("2026-06-30T23:00:00Z")));
        // The days summer time starts and ends begin at 00:00 GMT and BST.
        assert_eq!(uk_midnight(d(2026, 3, 29)), Some(t("2026-03-29T00:00:00Z")));
        assert_eq!(
            uk_midnight(d(2026, 10, 25)),
            Some(t("2026-10-24T23:00:00Z"))
        );
    }

    #[test]
    fn pages_escape_what_they_show() {
        let html = render(
            "error.html",
            context! { title => "<script>x</script>", message => "a & b", status => 400 },
        )
        .expect("renders");
        assert!(html.0.contains("&lt;script&gt;x&lt;"), "{}", html.0);
        assert!(!html.0.contains("<script>x"));
    }
}
