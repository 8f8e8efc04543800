//! The `Date` scalar: a calendar date as `YYYY-MM-DD`.

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::NaiveDate;

/// A calendar date without a time or zone, written `YYYY-MM-DD` (ISO 8601,
/// the RFC 3339 `full-date`), e.g. `2026-12-01`. Statutory time limits count
/// calendar days and weeks from such dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Date(pub NaiveDate);

/// A calendar date without a time or zone, written `YYYY-MM-DD` (ISO 8601,
/// the RFC 3339 `full-date`), e.g. `2026-12-01`.
#[Scalar(name = "Date")]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map(Date)
                .map_err(|_| InputValueError::custom("a date must be written YYYY-MM-DD")),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.format("%Y-%m-%d").to_string())
    }
}

impl From<NaiveDate> for Date {
    fn from(d: NaiveDate) -> Self {
        Date(d)
    }
}

/// The description of the `DateTime` scalar (chrono's `DateTime<Utc>`, whose
/// built-in description names a Rust type). The wire format is unchanged.
pub const DATE_TIME_DESCRIPTION: &str = "An instant, written as an RFC 3339 date-time with \
an offset, e.g. `2026-12-01T09:30:00+00:00`. The hub always answers in UTC \
(offset `+00:00`); as an argument any offset is accepted (`Z` too) and \
converted to UTC.";
