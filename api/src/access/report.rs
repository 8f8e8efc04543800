//! [`Reporter`]: the timeliness dashboard for IG staff and the council's
//! SEND case officers — counts only, never a child — and, for case
//! officers alone, the SEN2-shaped extract, whose identifiers come
//! through the door child by child.
//!
//! Both read the LA's assessments a page at a time
//! ([`store::REPORT_PAGE`]): a report over 100k children holds one page of
//! rows (and the running counts), never the whole caseload.
//!
//! Annual reviews and phase transfers are counted from
//! [`ReviewFact`] / [`TransferFact`] slices; until the reviews' store
//! exists those slices are empty (see [`review_facts`]), so both figures
//! read 0 of 0 (percent null). No assessment is marked imported yet
//! ([`origin`]): plans made before the hub arrive with the reviews work.

use std::collections::HashMap;

use consent::trace::TraceAction;
use domain::ehc::Assessment;
use domain::timeliness::{
    Origin, Period, PeriodError, ReviewFact, Sen2Request, Tally, TimelinessReport, TransferFact,
};
use domain::{AgencyKind, ChildId, Section, Upn};
use uuid::Uuid;

use super::{CaseOfficer, RequestContext};
use crate::error::{Error, Result};
use store::REPORT_PAGE;

impl From<PeriodError> for Error {
    fn from(e: PeriodError) -> Self {
        Self::bad_input(e.field(), e.to_string())
    }
}

/// IG staff (auditor, admin, Caldicott Guardian) or a case officer of the
/// council SEND team (see [`RequestContext::reporter`]).
#[derive(Debug)]
pub struct Reporter<'a> {
    rc: &'a RequestContext,
}

/// The front end a report leaves by (recorded in its trace entry).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    Graphql,
    Csv,
}

impl ReportFormat {
    fn code(self) -> &'static str {
        match self {
            ReportFormat::Graphql => "graphql",
            ReportFormat::Csv => "csv",
        }
    }
}

/// Whether an assessment was run on the hub's clock. Nothing is imported
/// yet; when imported plans are stored, this reads their mark.
/// What the reviews' store knows of the plans among a page of
/// assessments: which were imported (left out of the 20-week figures), and
/// each plan's reviews (recorded cycles and the one due now) and the phase
/// transfer the council set, as the dashboard's inputs. One read of the
/// plans of every child on the page.
#[derive(Debug, Default)]
struct PlanFacts {
    imported: std::collections::HashSet<Uuid>,
    reviews: Vec<ReviewFact>,
    transfers: Vec<TransferFact>,
}

impl PlanFacts {
    async fn add_page(&mut self, rc: &RequestContext, page: &[Assessment]) -> Result<()> {
        let children: Vec<ChildId> = page
            .iter()
            .filter(|a| a.final_issued_on().is_some())
            .map(|a| a.child_id)
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let on_page: std::collections::HashSet<Uuid> = page.iter().map(|a| a.id).collect();
        // The page's plans in one read (eleven statements), not one per child.
        for plan in rc.store().plans_of(&children).await? {
            let id = plan.assessment.id;
            if !on_page.contains(&id) {
                continue;
            }
            if plan.imported {
                self.imported.insert(id);
            }
            let cycles = plan.reviews.cycles.iter().cloned().chain(
                plan.reviews
                    .current(None, rc.policy().review)
                    .filter(|c| !plan.reviews.cycles.contains(c)),
            );
            // A review imported with its plan has no known due date:
            // it is in no timeliness figure.
            for c in cycles.filter(|c| c.imported_concluded_on.is_none()) {
                self.reviews.push(ReviewFact {
                    plan_id: id,
                    due_on: c.due_on,
                    held_on: c.held_on(),
                });
            }
            if let Some(t) = plan.transfer_set {
                // The amended plan naming the next setting: the first
                // issued in the year before the move.
                let amended_on = plan.reviews.amended_plans().find(|d| {
                    *d <= t.transfer_on && *d > t.transfer_on - chrono::Duration::days(366)
                });
                self.transfers.push(TransferFact {
                    plan_id: id,
                    deadline: t.deadline,
                    amended_on,
                });
            }
        }
        Ok(())
    }

    fn origin(&self, a: &Assessment) -> Origin {
        if self.imported.contains(&a.id) {
            Origin::Imported
        } else {
            Origin::Hub
        }
    }
}

impl RequestContext {
    /// Whoever may read the timeliness dashboard: IG staff, or a case
    /// officer of the council SEND team. Counts name no child, so no
    /// purpose of use is asked for.
    pub fn reporter(&self) -> Result<Reporter<'_>> {
        let p = &self.principal;
        let officer =
            p.agency_kind() == Some(AgencyKind::LaSend) && p.has(consent::Role::CaseOfficer);
        if p.is_ig() || officer {
            Ok(Reporter { rc: self })
        } else {
            Err(Error::Forbidden(
                "only information-governance staff (ig_auditor, ig_admin, caldicott_guardian) or a case officer of the council SEND team may read the timeliness dashboard"
                    .into(),
            ))
        }
    }
}

impl Reporter<'_> {
    /// The dashboard over `from`..=`to` (a bad period is refused by name),
    /// traced as one REPORT entry with the period and no child.
    pub async fn timeliness(
        &self,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
        format: ReportFormat,
    ) -> Result<TimelinessReport> {
        let rc = self.rc;
        let period = Period::new(from, to)?;
        let store = rc.store();
        let mut tally = Tally::new(period, rc.today());
        let mut after = None;
        loop {
            let page = store
                .assessments_page(period.to(), after, REPORT_PAGE)
                .await?;
            let mut facts = PlanFacts::default();
            facts.add_page(rc, &page).await?;
            for a in &page {
                tally.add(a, facts.origin(a));
            }
            tally.add_reviews(&facts.reviews);
            tally.add_transfers(&facts.transfers);
            match page.last() {
                Some(last) if page.len() as u64 == REPORT_PAGE => after = Some(last.id),
                _ => break,
            }
        }
        let report = tally.finish(&store.agencies().await?);
        rc.record(
            rc.entry(TraceAction::Report)
                .detail("report", "timeliness")
                .detail("from", period.from())
                .detail("to", period.to())
                .detail("format", format.code()),
        );
        Ok(report)
    }
}

/// One request in the SEN2-shaped extract, with the person details the
/// door allowed.
#[derive(Debug, Clone)]
pub struct Sen2Row {
    pub request: Sen2Request,
    /// PersonBirthDate: `None` when the door withheld who the child is.
    pub date_of_birth: Option<chrono::NaiveDate>,
    /// UPN: `None` when not held or withheld.
    pub upn: Option<Upn>,
    /// The door withheld the UPN (or the whole identity): the return's
    /// UPNunknown applies.
    pub upn_withheld: bool,
}

/// A page of the extract.
#[derive(Debug)]
pub struct Sen2Page {
    pub period: Period,
    pub rows: Vec<Sen2Row>,
    /// The last assessment read: pass it as `after` for the next page.
    pub end_cursor: Option<Uuid>,
    pub has_next_page: bool,
}

/// What the door showed of a child: date of birth, UPN, and whether the
/// UPN was withheld.
type Shown = (Option<chrono::NaiveDate>, Option<Upn>, bool);

/// The most rows one page of the extract returns.
pub const SEN2_MAX_PAGE: u64 = 200;

impl CaseOfficer<'_> {
    /// The SEN2-shaped extract over `from`..=`to`, at most `first` rows
    /// after the cursor `after` (an assessment id). Child-level: each
    /// child's date of birth and UPN come through [`RequestContext::open`]
    /// under the officer's stated purpose (traced as a READ of exactly
    /// those fields, or withheld), and each child included gets an EXPORT
    /// entry.
    pub async fn sen2_extract(
        &self,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
        first: u64,
        after: Option<Uuid>,
    ) -> Result<Sen2Page> {
        let rc = self.rc;
        let period = Period::new(from, to)?;
        if first == 0 || first > SEN2_MAX_PAGE {
            return Err(Error::bad_input(
                "first",
                format!("must be between 1 and {SEN2_MAX_PAGE}"),
            ));
        }
        let store = rc.store();
        let mut rows: Vec<Sen2Row> = Vec::new();
        let mut people: HashMap<ChildId, Shown> = HashMap::new();
        let mut cursor = after;
        let mut has_next_page = false;
        'pages: loop {
            let page = store
                .assessments_page(period.to(), cursor, REPORT_PAGE)
                .await?;
            let full = page.len() as u64 == REPORT_PAGE;
            let mut facts = PlanFacts::default();
            facts.add_page(rc, &page).await?;
            for (i, a) in page.iter().enumerate() {
                cursor = Some(a.id);
                let Some(request) = Sen2Request::of(a, &period, &facts.reviews) else {
                    continue;
                };
                let (date_of_birth, upn, upn_withheld) = match people.get(&a.child_id) {
                    Some(person) => person.clone(),
                    None => {
                        let person = self.person(a.child_id).await?;
                        people.insert(a.child_id, person.clone());
                        person
                    }
                };
                rc.record(
                    rc.child_entry(TraceAction::Export, a.child_id)
                        .detail("export", "sen2")
                        .detail("assessment_id", a.id)
                        .detail("from", period.from())
                        .detail("to", period.to()),
                );
                rows.push(Sen2Row {
                    request,
                    date_of_birth,
                    upn,
                    upn_withheld,
                });
                if rows.len() as u64 == first {
                    has_next_page = i + 1 < page.len() || full;
                    break 'pages;
                }
            }
            if !full {
                break;
            }
        }
        Ok(Sen2Page {
            period,
            rows,
            end_cursor: cursor,
            has_next_page,
        })
    }

    /// The child's date of birth and UPN, as far as the door allows them.
    async fn person(&self, child: ChildId) -> Result<Shown> {
        let Some(view) = self.rc.open(child).await? else {
            return Ok((None, None, true));
        };
        match view.section_by_field(Section::Identity, ["dateOfBirth", "upn"], |r| {
            (r.identity.date_of_birth, r.identity.upn.clone())
        }) {
            Ok(shown) => {
                let withheld = shown.field("upn").is_err();
                let (dob, upn) = shown.value;
                Ok((Some(dob), upn.filter(|_| !withheld), withheld))
            }
            Err(Error::Withheld(..)) => Ok((None, None, true)),
            Err(e) => Err(e),
        }
    }
}
