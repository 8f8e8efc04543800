//! Periods in months as the statutes count them: a period of months
//! *starting with* a day ends the day before the corresponding day.

use chrono::{Datelike, Months, NaiveDate};

/// The review period for a plan (s.44(1)): 12 months.
pub const REVIEW_MONTHS: u32 = 12;

/// The last day of a period of `months` months *starting with* `start`:
/// the day before the corresponding day `months` later. Where that month
/// has no corresponding day (29 February, 31st), the period runs to the end
/// of that month: made 29 February 2028, reviewed by 28 February 2029.
pub fn period_end(start: NaiveDate, months: u32) -> NaiveDate {
    let Some(same_day) = start.checked_add_months(Months::new(months)) else {
        return NaiveDate::MAX;
    };
    if same_day.day() != start.day() {
        // Clamped to the month's last day: the corresponding day is the
        // 1st of the next month, so the period ends on this last day.
        same_day
    } else {
        same_day.pred_opt().unwrap_or(same_day)
    }
}

/// s.44(1): the review is due within 12 months starting with `start` (the
/// day the plan was made, then the day the last review concluded): made
/// 20 May 2026, due 19 May 2027.
pub fn review_due(start: NaiveDate) -> NaiveDate {
    period_end(start, REVIEW_MONTHS)
}
