//! The facts that make a purpose of use true for one child and one caller
//! (shared/LAW.md §3): an open EHC needs assessment, a maintained plan, an
//! advice request to the caller's agency, a current involvement. A
//! statutory rule opens only when its fact is here, and the decision names
//! the fact (kind and id) so it can be replayed.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use domain::Scope;
use domain::ehc::Assessment;
use uuid::Uuid;

use crate::{Bound, BoundKind, Purpose};

/// An advice request, as the decision needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdviceFact {
    pub id: Uuid,
    /// The agency asked.
    pub agency_id: Uuid,
    /// Not yet answered.
    pub open: bool,
    /// What the council attached to it.
    pub attachments: BTreeSet<Scope>,
    /// The contribution that answered it.
    pub answer: Option<Uuid>,
}

/// An EHC needs assessment, as the decision needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssessmentFact {
    pub id: Uuid,
    /// Between the request and the final plan or the decision not to assess.
    pub open: bool,
    /// Its final plan was issued and is maintained.
    pub plan_maintained: bool,
    pub advice: Vec<AdviceFact>,
}

/// A recorded involvement of an agency with the child.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvolvementFact {
    pub id: Uuid,
    pub agency_id: Uuid,
    pub since: Option<NaiveDate>,
    pub until: Option<NaiveDate>,
}

impl InvolvementFact {
    /// Current on `today`: begun (or undated) and not ended.
    pub fn current(&self, today: NaiveDate) -> bool {
        self.since.is_none_or(|s| s <= today) && self.until.is_none_or(|u| today <= u)
    }
}

/// Everything about a child's casework that binds purposes to facts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseFacts {
    pub assessments: Vec<AssessmentFact>,
    pub involvements: Vec<InvolvementFact>,
}

impl CaseFacts {
    /// From the child's assessments and involvements.
    pub fn new(assessments: &[Assessment], involvements: Vec<InvolvementFact>) -> Self {
        let assessments = assessments
            .iter()
            .map(|a| AssessmentFact {
                id: a.id,
                open: a.is_open(),
                plan_maintained: a.plan_maintained(),
                advice: a
                    .advice
                    .iter()
                    .map(|r| AdviceFact {
                        id: r.id,
                        agency_id: r.agency_id,
                        open: r.answer.is_none(),
                        attachments: r.attachments.clone(),
                        answer: r.answer.as_ref().map(|a| a.contribution_id),
                    })
                    .collect(),
            })
            .collect();
        Self {
            assessments,
            involvements,
        }
    }

    /// Marks the plans that a review's decision ceased (CFA 2014 s.45): they
    /// are no longer maintained, so ANNUAL_REVIEW no longer holds for them.
    pub fn ceased(mut self, plans: &BTreeSet<Uuid>) -> Self {
        for a in &mut self.assessments {
            if plans.contains(&a.id) {
                a.plan_maintained = false;
            }
        }
        self
    }

    /// The open assessment, if any (the lowest id, should there be two).
    pub fn open_assessment(&self) -> Option<Uuid> {
        self.assessments
            .iter()
            .filter(|a| a.open)
            .map(|a| a.id)
            .min()
    }

    /// The maintained plan (by the id of the assessment that made it).
    pub fn maintained_plan(&self) -> Option<Uuid> {
        self.assessments
            .iter()
            .filter(|a| a.plan_maintained)
            .map(|a| a.id)
            .max()
    }

    /// The open advice requests to `agency` in open assessments.
    fn open_requests(&self, agency: Uuid) -> impl Iterator<Item = &AdviceFact> {
        self.assessments
            .iter()
            .filter(|a| a.open)
            .flat_map(|a| &a.advice)
            .filter(move |r| r.open && r.agency_id == agency)
    }

    /// The open advice request to `agency` in an open assessment, if any.
    pub fn open_request(&self, agency: Uuid) -> Option<&AdviceFact> {
        self.open_requests(agency).min_by_key(|r| r.id)
    }

    /// The open advice request to `agency` that shares `scope` with it:
    /// "all about me" always, and what the council attached.
    pub fn request_sharing(&self, agency: Uuid, scope: Scope) -> Option<&AdviceFact> {
        self.open_requests(agency)
            .filter(|r| scope == Scope::AllAboutMe || r.attachments.contains(&scope))
            .min_by_key(|r| r.id)
    }

    /// The fact about the child that makes `purpose` true at all: the open
    /// assessment for EHC_ASSESSMENT, the maintained plan for
    /// ANNUAL_REVIEW (`None` for the others, which name the caller's
    /// relationship, not a fact about the child); else what is missing.
    pub fn purpose_holds(&self, purpose: Purpose) -> Result<Option<Bound>, &'static str> {
        match purpose {
            Purpose::EhcAssessment => self
                .open_assessment()
                .map(|a| Some(Bound::new(BoundKind::Assessment, a)))
                .ok_or("no EHC needs assessment is open for this child"),
            Purpose::AnnualReview => self
                .maintained_plan()
                .map(|p| Some(Bound::new(BoundKind::Plan, p)))
                .ok_or("no EHC plan is maintained for this child"),
            Purpose::DirectSupport | Purpose::Safeguarding => Ok(None),
        }
    }

    /// A current involvement of `agency`, if any.
    pub fn involvement(&self, agency: Uuid, today: NaiveDate) -> Option<Uuid> {
        self.involvements
            .iter()
            .filter(|i| i.agency_id == agency && i.current(today))
            .map(|i| i.id)
            .min()
    }

    /// Answered advice requests of one assessment: (request, answering
    /// contribution).
    pub fn answered_advice(&self, assessment: Uuid) -> impl Iterator<Item = (Uuid, Uuid)> + '_ {
        self.assessments
            .iter()
            .filter(move |a| a.id == assessment)
            .flat_map(|a| &a.advice)
            .filter_map(|r| r.answer.map(|c| (r.id, c)))
    }

    /// The fact that makes `purpose` true for a statutory rule, for an
    /// agency (`la` when it is the council's SEND service), or what is
    /// missing, in words fit to show the caller.
    pub fn purpose_fact(
        &self,
        purpose: Purpose,
        agency: Uuid,
        la: bool,
        held_override: Option<Uuid>,
        today: NaiveDate,
    ) -> Result<Bound, &'static str> {
        let fact = self.purpose_holds(purpose)?;
        match purpose {
            // An agency other than the council needs its own request.
            Purpose::EhcAssessment if !la => self
                .open_request(agency)
                .map(|r| Bound::new(BoundKind::AdviceRequest, r.id))
                .ok_or("your agency has no open advice request for this child's EHC needs assessment"),
            // The assessment or plan itself (always there once it holds).
            Purpose::EhcAssessment | Purpose::AnnualReview => {
                fact.ok_or("the fact this purpose names is not recorded")
            }
            Purpose::DirectSupport => self
                .involvement(agency, today)
                .map(|i| Bound::new(BoundKind::Involvement, i))
                .ok_or("your agency has no current involvement recorded with this child"),
            Purpose::Safeguarding => held_override
                .map(|o| Bound::new(BoundKind::Override, o))
                .or_else(|| {
                    self.involvement(agency, today)
                        .map(|i| Bound::new(BoundKind::Involvement, i))
                })
                .ok_or(
                    "you hold no active safeguarding override and your agency has no current involvement with this child",
                ),
        }
    }
}
