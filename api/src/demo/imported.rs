//! Chloe's plan, made before the hub and imported with its dates: made 13
//! months ago and not reviewed since (the annual review is overdue), and a
//! move between post-16 settings set by the council, its deadline ahead.

use chrono::{DateTime, Datelike, Duration, Months, NaiveDate, Utc};
use domain::SettingPhase;
use domain::ehc::{Assessment, AssessmentEventKind as E};
use domain::review::PhaseTransfer;

use super::advice::event;
use super::assessment::CASE_OFFICER;
use super::id::{CHLOE, id};
use crate::error::{Error, Result};

/// The imported plan's id.
pub const CHLOE_PLAN: uuid::Uuid = id(0x9a0);

/// The day Chloe's plan was made: 13 months before `today`.
pub fn chloe_plan_made(today: NaiveDate) -> NaiveDate {
    today.checked_sub_months(Months::new(13)).unwrap_or(today)
}

pub(super) async fn load_imported(
    tx: &store::TracedTxn,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<()> {
    let made = chloe_plan_made(today);
    let mut final_issued = event(0x9a1, E::FinalIssued, made);
    final_issued.note = Some("imported: made before the hub".into());
    let a = Assessment {
        id: CHLOE_PLAN,
        child_id: CHLOE,
        request_received_on: made - Duration::weeks(20),
        events: vec![final_issued],
        advice: Vec::new(),
    };
    tx.insert_imported_plan(&a, CASE_OFFICER, now).await?;
    // From her college course to a supported internship in the first
    // September whose 5-month deadline (1 April) is still ahead.
    let year = today.year() + i32::from(today.month() >= 4);
    let september = NaiveDate::from_ymd_opt(year, 9, 1).ok_or(Error::NotFound("date"))?;
    let transfer = PhaseTransfer::set(
        Some(SettingPhase::PostSixteen),
        SettingPhase::PostSixteen,
        september,
        today,
    )
    .map_err(|e| Error::bad_input("transferOn", e.to_string()))?;
    tx.insert_phase_transfer(CHLOE, CHLOE_PLAN, &transfer, CASE_OFFICER, now)
        .await?;
    Ok(())
}
